use schema_dsl::Table;

#[derive(Table)]
#[table(name = "prices")]
pub struct Price {
    #[column(primary_key)]
    pub sku: String,
    pub amount: f64,
}

fn main() {}
