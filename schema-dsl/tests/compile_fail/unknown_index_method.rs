use schema_dsl::Table;

#[derive(Table)]
#[table(name = "notes")]
#[index(name = "idx_notes_body", columns(body), method = Hash)]
pub struct Note {
    #[column(primary_key)]
    pub note_id: String,
    pub body: String,
}

fn main() {}
