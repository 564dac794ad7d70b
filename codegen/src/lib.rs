//! Renders the spine schema as SQLite, PostgreSQL and Db2 migration files.
//!
//! [`generate`] validates the schema, checks every table against each dialect's rules and
//! renders one up and one down file per migration and dialect; [`files`] writes that tree
//! under `migrations-generated/` or reports how the tree on disk differs from it.

pub mod backend;
pub mod files;
pub mod render;
pub mod rules;

use render::{GeneratedFile, render_migration};
use rules::DialectError;
use schema_dsl::{Dialect, Schema, SchemaError};
use std::fmt;

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
            match render_migration(backend, migration) {
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
