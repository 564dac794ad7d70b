use schema_dsl::Table;

#[derive(Table)]
#[table(name = "notes")]
pub struct Note {
    #[column(primary_key)]
    pub note_id: String,
    #[column(default = 1.5)]
    pub weight: Option<i32>,
}

fn main() {}
