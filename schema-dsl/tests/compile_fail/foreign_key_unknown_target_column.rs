use schema_dsl::Table;

#[derive(Table)]
#[table(name = "runs")]
pub struct Run {
    #[column(primary_key)]
    pub run_id: String,
}

#[derive(Table)]
#[table(name = "steps")]
#[foreign_key(columns(run_id), references = Run, ref_columns(id))]
pub struct Step {
    #[column(primary_key)]
    pub step_id: String,
    pub run_id: String,
}

fn main() {}
