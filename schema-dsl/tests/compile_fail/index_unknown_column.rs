use schema_dsl::Table;

#[derive(Table)]
#[table(name = "notes")]
#[index(name = "idx_notes_title", columns(titel))]
pub struct Note {
    #[column(primary_key)]
    pub note_id: String,
    pub title: String,
}

fn main() {}
