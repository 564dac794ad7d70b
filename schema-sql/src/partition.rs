//! Rolling partition maintenance: the SQL that creates the partitions of the coming months,
//! idempotently, for every partitioned table of the schema, in dialects that partition.
//!
//! ```text
//! cargo run -q -p codegen -- partitions --months 3 | psql -v ON_ERROR_STOP=1 "$DATABASE_URL"
//! ```

pub use crate::backend::Month;

use crate::backend::backend;
use crate::rules::{DialectError, check_partitioning};
use schema_dsl::{Dialect, Schema};

/// The maintenance statements for `dialect`, to run in one transaction: for each
/// partitioned table of `schema`, create the partitions of `months` months from `first` that
/// are missing. Running them twice creates each partition once. The first table the
/// dialect cannot partition (see [`check_partitioning`]) is the error.
pub fn maintenance_statements(
    schema: &Schema,
    dialect: Dialect,
    first: Month,
    months: u32,
) -> Result<Vec<String>, DialectError> {
    let backend = backend(dialect);
    let mut statements = Vec::new();
    let state = schema.final_state(Some(dialect));
    for table in state.tables().filter(|t| t.partitioning.is_some()) {
        let refused = |problem: String| DialectError {
            dialect,
            table: table.name.clone(),
            column: None,
            problem,
        };
        if backend.capabilities().monthly_partitions
            && let Some(error) = check_partitioning(backend, table).into_iter().next()
        {
            return Err(error);
        }
        let created = backend
            .create_monthly_partitions(table, first, months)
            .map_err(|unsupported| refused(unsupported.0))?;
        statements.extend(created);
    }
    Ok(statements)
}

/// [`maintenance_statements`] as a script in one transaction, for `psql`.
pub fn maintenance_sql(
    schema: &Schema,
    dialect: Dialect,
    first: Month,
    months: u32,
) -> Result<String, DialectError> {
    let statements = maintenance_statements(schema, dialect, first, months)?;
    Ok(format!("BEGIN;\n{}\nCOMMIT;\n", statements.join("\n")))
}
