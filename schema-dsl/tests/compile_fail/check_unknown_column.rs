use schema_dsl::Table;

#[derive(Table)]
#[table(name = "notes")]
#[check(name = "ck_notes_title", column = titel, not_empty)]
pub struct Note {
    #[column(primary_key)]
    pub note_id: String,
    pub title: String,
}

fn main() {}
