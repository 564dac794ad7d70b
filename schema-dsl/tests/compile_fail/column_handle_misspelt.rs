use schema_dsl::Table;

#[derive(Table)]
#[table(name = "notes")]
pub struct Note {
    #[column(primary_key)]
    pub note_id: String,
    pub title: String,
}

fn main() {
    let _ = Note::COLUMNS.titel;
}
