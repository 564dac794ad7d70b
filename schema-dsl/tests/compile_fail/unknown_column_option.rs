use schema_dsl::Table;

#[derive(Table)]
#[table(name = "notes")]
pub struct Note {
    #[column(primary_key, indexed)]
    pub note_id: String,
}

fn main() {}
