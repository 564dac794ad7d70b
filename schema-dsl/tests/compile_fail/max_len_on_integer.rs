use schema_dsl::Table;

#[derive(Table)]
#[table(name = "counters")]
pub struct Counter {
    #[column(primary_key, max_len = 10)]
    pub value: i32,
}

fn main() {}
