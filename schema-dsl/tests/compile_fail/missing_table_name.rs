use schema_dsl::Table;

#[derive(Table)]
pub struct Note {
    #[column(primary_key)]
    pub note_id: String,
}

fn main() {}
