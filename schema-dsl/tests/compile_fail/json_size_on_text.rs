use schema_dsl::Table;

#[derive(Table)]
#[table(name = "notes")]
pub struct Note {
    #[column(primary_key, json_size = Small)]
    pub body: String,
}

fn main() {}
