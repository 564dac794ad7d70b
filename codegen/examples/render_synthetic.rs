//! Renders the synthetic schema of the rendering bench once, for one dialect: what
//! `benches/render_instructions.sh` counts the instructions of under callgrind.
//!
//!   cargo run --release -p codegen --example render_synthetic -- TABLES [DIALECT]

#![allow(clippy::expect_used, reason = "a benchmark fails by panicking")]

#[path = "../benches/synthetic/mod.rs"]
mod synthetic;

use schema_dsl::Dialect;

fn main() {
    let mut args = std::env::args().skip(1);
    let tables = args
        .next()
        .and_then(|tables| tables.parse().ok())
        .expect("usage: render_synthetic TABLES [sqlite|postgres|db2]");
    let dialect: Dialect = args
        .next()
        .map_or(Ok(Dialect::Sqlite), |name| name.parse())
        .expect("a dialect: sqlite, postgres or db2");
    let schema = synthetic::synthetic_schema(tables);
    let generated = schema_sql::generate(&schema, &[dialect]).expect("renders");
    println!("{} files", generated.files.len());
}
