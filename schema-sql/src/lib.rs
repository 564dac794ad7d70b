//! The schema model rendered as SQL: SQLite, PostgreSQL and Db2 migration files and per-table
//! statements. It depends on the model (`schema-dsl`) and sea-query only; which schema to
//! render is the caller's (the `codegen` command passes `schema-defs`).
//!
//! [`generate`] validates the schema, checks every migration against each dialect's rules in
//! one pass ([`rules::check`]) and renders one up and one down file per migration and
//! dialect, plus each dialect's release-order manifest, with the warnings of what renders but
//! a database setup may refuse (Db2 rows over a 4K page) or a dialect skips;
//! [`statement_files`] renders each table's insert, upsert, select and delete ([`dml`]); [`partition`] gives the rolling partition maintenance.
//! [`backend`] is the leaf every other module builds on: one renderer per dialect and its
//! [`Capabilities`](backend::Capabilities).

pub mod backend;
pub mod dml;
pub mod docs;
pub mod files;
pub mod partition;
pub mod release;
pub mod render;
pub mod rules;
pub mod shape;

use backend::Unsupported;
use render::{GeneratedFile, release_order_file, render_migration};
use rules::{DialectError, DialectWarning};
use schema_dsl::{Dialect, Schema, SchemaError, SchemaState};
use std::path::PathBuf;
use thiserror::Error;

/// Why the schema could not be rendered: every mistake found, not just the first.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GenerateError {
    /// The declarations contradict themselves.
    #[error("{}", lines(.0))]
    Schema(Vec<SchemaError>),
    /// A dialect cannot render what the declarations ask.
    #[error("{}", lines(.0))]
    Dialect(Vec<DialectError>),
    /// A backend refused what its rules let through.
    #[error("{dialect}: migration `{migration}`: {problem}")]
    Render {
        /// The dialect rendered.
        dialect: Dialect,
        /// The migration rendered.
        migration: String,
        /// What the backend refused.
        problem: Unsupported,
    },
}

/// `errors`, one a line.
fn lines(errors: &[impl ToString]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The migration files of a schema, and the warnings the rules gave them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// Every file, in a stable order.
    pub files: Vec<GeneratedFile>,
    /// What renders but a database setup may refuse, or a dialect skips.
    pub warnings: Vec<DialectWarning>,
}

/// Every migration file of `schema` for `dialects`, in a stable order, and the warnings; per
/// dialect also its release-order manifest (declaration order is release order) and its
/// expected shapes ([`shape`], `<dialect>/shapes.json`).
pub fn generate(schema: &Schema, dialects: &[Dialect]) -> Result<Generated, GenerateError> {
    schema.validate().map_err(GenerateError::Schema)?;
    let report = rules::check(schema, dialects);
    if !report.errors.is_empty() {
        return Err(GenerateError::Dialect(report.errors));
    }
    let mut files = Vec::new();
    for &dialect in dialects {
        let backend = backend::backend(dialect);
        let mut state = SchemaState::default();
        let mut shapes = shape::ShapesWriter::new(backend);
        for migration in schema.migrations_for(dialect) {
            let failed = |problem| GenerateError::Render {
                dialect,
                migration: migration.id.to_string(),
                problem,
            };
            shapes.before(backend, &state, migration).map_err(failed)?;
            let pair = render_migration(backend, &mut state, migration).map_err(failed)?;
            shapes.after(backend, &state, migration).map_err(failed)?;
            files.extend(pair);
        }
        files.push(release_order_file(dialect, schema.release_order(dialect)));
        files.push(shapes.finish(backend));
    }
    Ok(Generated {
        files,
        warnings: report.warnings,
    })
}

/// The statements of every table with a primary key, one file per table and dialect:
/// `<dialect>/<table>.sql`, for the `statements-generated/` tree.
pub fn statement_files(schema: &Schema, dialects: &[Dialect]) -> Vec<GeneratedFile> {
    dialects
        .iter()
        .flat_map(|&dialect| {
            let state = schema.final_state(Some(dialect));
            let files: Vec<GeneratedFile> = state
                .tables()
                .filter_map(|table| {
                    dml::statements_file(backend::backend(dialect), table).map(|contents| {
                        GeneratedFile {
                            path: PathBuf::from(dialect.dir_name())
                                .join(format!("{}.sql", table.name)),
                            contents,
                        }
                    })
                })
                .collect();
            files
        })
        .collect()
}
