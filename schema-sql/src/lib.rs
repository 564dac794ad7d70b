//! The schema model rendered as SQL: SQLite, PostgreSQL and Db2 migration files and per-table
//! statements. It depends on the model (`schema-dsl`) and sea-query only; which schema to
//! render is the caller's (the `codegen` command passes `schema-defs`).
//!
//! [`generate`] validates the schema, checks every table against each dialect's rules and
//! renders one up and one down file per migration and dialect; [`warnings`] lists what
//! renders but a database setup may refuse (Db2 rows over a 4K page) or a dialect skips;
//! [`statement_files`] renders each table's insert, upsert, select and delete ([`dml`]);
//! [`partition`] gives the rolling partition maintenance.

pub mod backend;
pub mod dml;
pub mod partition;
pub mod render;
pub mod rules;

use render::{GeneratedFile, migration_warnings, render_migration};
use rules::{DialectError, DialectWarning};
use schema_dsl::{Dialect, Schema, SchemaError};
use std::fmt;
use std::path::PathBuf;

/// Why the schema could not be rendered: every mistake found, not just the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GenerateError {
    /// The declarations contradict themselves.
    Schema(Vec<SchemaError>),
    /// A dialect cannot render what the declarations ask.
    Dialect(Vec<DialectError>),
}

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = match self {
            GenerateError::Schema(errors) => errors.iter().map(ToString::to_string).collect(),
            GenerateError::Dialect(errors) => errors.iter().map(ToString::to_string).collect(),
        };
        write!(f, "{}", lines.join("\n"))
    }
}

impl std::error::Error for GenerateError {}

/// Every migration file of `schema` for `dialects`, in a stable order.
pub fn generate(
    schema: &Schema,
    dialects: &[Dialect],
) -> Result<Vec<GeneratedFile>, GenerateError> {
    schema.validate().map_err(GenerateError::Schema)?;
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for &dialect in dialects {
        let backend = backend::backend(dialect);
        for migration in schema.migrations_for(dialect) {
            match render_migration(backend, schema, migration) {
                Ok(pair) => files.extend(pair),
                Err(found) => errors.extend(found),
            }
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(GenerateError::Dialect(errors))
    }
}

/// The warnings of `schema` in `dialects`: what renders but a database setup may refuse
/// (Db2 rows over the 4K page), and dialect-specific steps a dialect skips.
pub fn warnings(schema: &Schema, dialects: &[Dialect]) -> Vec<DialectWarning> {
    dialects
        .iter()
        .flat_map(|&dialect| {
            schema
                .migrations_for(dialect)
                .flat_map(move |migration| migration_warnings(backend::backend(dialect), migration))
        })
        .collect()
}

/// The statements of every table with a primary key, one file per table and dialect:
/// `<dialect>/<table>.sql`, for the `statements-generated/` tree.
pub fn statement_files(schema: &Schema, dialects: &[Dialect]) -> Vec<GeneratedFile> {
    dialects
        .iter()
        .flat_map(|&dialect| {
            schema.tables().filter_map(move |table| {
                dml::statements_file(backend::backend(dialect), table).map(|contents| {
                    GeneratedFile {
                        path: PathBuf::from(dialect.dir_name()).join(format!("{}.sql", table.name)),
                        contents,
                    }
                })
            })
        })
        .collect()
}
