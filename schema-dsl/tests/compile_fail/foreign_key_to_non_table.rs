use schema_dsl::Table;

pub struct NotATable {
    pub run_id: String,
}

#[derive(Table)]
#[table(name = "steps")]
#[foreign_key(columns(run_id), references = NotATable, ref_columns(run_id))]
pub struct Step {
    #[column(primary_key)]
    pub step_id: String,
    pub run_id: String,
}

fn main() {}
