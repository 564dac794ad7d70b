//! The dialect rules: what a declaration asks that a dialect cannot do, found from the
//! dialect's [`Capabilities`](crate::backend::Capabilities) in one pass before anything is
//! rendered, with the warnings of what renders but may be refused or is skipped.

use crate::backend::{Backend, ReferentialEvent, RowSizeLimit, backend};
use schema_dsl::{ColumnType, Dialect, IndexDef, IndexMethod, Schema, SchemaState, Step, TableDef};
use thiserror::Error;

/// Something a table asks that one dialect cannot render.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{dialect}: table `{table}`{}: {problem}", column.as_ref().map(|c| format!(", column `{c}`")).unwrap_or_default())]
pub struct DialectError {
    /// The dialect that refuses.
    pub dialect: Dialect,
    /// The table at fault.
    pub table: String,
    /// The column at fault, when there is one.
    pub column: Option<String>,
    /// What is wrong and what to do.
    pub problem: String,
}

/// Something that renders, but that the database's setup may refuse or that the dialect
/// skips: printed, never fatal.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("warning: {dialect}: table `{table}`: {problem}")]
pub struct DialectWarning {
    /// What kind of warning it is.
    pub kind: WarningKind,
    /// The dialect concerned.
    pub dialect: Dialect,
    /// The table concerned.
    pub table: String,
    /// What may go wrong, and what to do.
    pub problem: String,
}

/// What a [`DialectWarning`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningKind {
    /// A table's longest row needs pages larger than the dialect's smallest ([`row_size`]).
    RowSize,
    /// The dialect skips a step it cannot render (an index method, partitioning).
    Skipped,
    /// A column change rewrites or scans the table under a lock that blocks its readers or
    /// writers until the migration commits (PostgreSQL).
    Lock,
    /// A column change leaves the table reorg-pending: the file runs `REORG TABLE` right after
    /// it (Db2).
    Reorg,
    /// A step of a migration run in one transaction blocks writes to an existing table while
    /// it scans it, where an online migration would not.
    BlocksWrites,
}

/// What the rules found in a schema: errors stop the rendering, warnings are printed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// What a dialect cannot render.
    pub errors: Vec<DialectError>,
    /// What renders, but a database setup may refuse or the dialect skips.
    pub warnings: Vec<DialectWarning>,
}

/// Every error and warning of `schema`'s migrations in `dialects`, dialect by dialect, in
/// migration and step order.
pub fn check(schema: &Schema, dialects: &[Dialect]) -> Report {
    let mut report = Report::default();
    for &dialect in dialects {
        let backend = backend(dialect);
        let mut state = SchemaState::default();
        for migration in schema.migrations_for(dialect) {
            let mut created = Vec::new();
            for step in &migration.steps {
                let mut found = check_step(backend, &state, step);
                if let Step::CreateTable(table) = step {
                    created.push(table.name.clone());
                }
                if !created.iter().any(|name| name == step.table_name()) {
                    let migration_id = migration.id.to_string();
                    let online =
                        check_online(backend, &state, &migration_id, migration.online, step);
                    found.errors.extend(online.errors);
                    found.warnings.extend(online.warnings);
                }
                report.errors.extend(found.errors);
                report.warnings.extend(found.warnings);
                let _reported_by_validation = state.apply(&migration.id, step);
            }
        }
    }
    report
}

/// The errors and warnings of one migration step in `backend`'s dialect, read against
/// `state`, the schema before the step.
pub fn check_step(backend: &dyn Backend, state: &SchemaState, step: &Step) -> Report {
    let capabilities = backend.capabilities();
    let warn = |problem: String| DialectWarning {
        kind: WarningKind::Skipped,
        dialect: backend.dialect(),
        table: step.table_name().to_string(),
        problem,
    };
    let Some(table) = state.table(step.table_name()).or(match step {
        Step::CreateTable(table) => Some(table),
        _ => None,
    }) else {
        return Report::default();
    };
    match step {
        Step::CreateTable(table) => Report {
            errors: check_table(backend, table),
            warnings: check_row_size(backend, table).into_iter().collect(),
        },
        Step::CreateIndex { index, .. } if !capabilities.supports_index_method(index.method) => {
            Report {
                errors: Vec::new(),
                warnings: vec![warn(format!(
                    "index `{}` uses method {}, which this dialect cannot build: skipped",
                    index.name, index.method
                ))],
            }
        }
        Step::CreateIndex { index, .. } => Report {
            errors: check_name(backend, table, None, "index", &index.name)
                .into_iter()
                .chain(check_index(backend, table, index))
                .chain(check_partitioned_unique(backend, state, table, index))
                .collect(),
            warnings: Vec::new(),
        },
        Step::DropIndex { index, .. } => Report {
            errors: Vec::new(),
            warnings: table
                .find_index(index)
                .filter(|index| !capabilities.supports_index_method(index.method))
                .map(|index| {
                    warn(format!(
                        "index `{}` uses method {}, which this dialect cannot build: skipped",
                        index.name, index.method
                    ))
                })
                .into_iter()
                .collect(),
        },
        Step::PartitionTable { .. } if capabilities.monthly_partitions => Report {
            errors: check_partitioning(backend, table),
            warnings: Vec::new(),
        },
        Step::PartitionTable { .. } => Report {
            errors: Vec::new(),
            warnings: vec![warn(
                "this dialect has no monthly partitioning: the table stays unpartitioned"
                    .to_string(),
            )],
        },
        Step::AddColumn { column, .. } => {
            let added = TableDef::new(table.name.clone()).column(column.clone());
            Report {
                errors: check_table(backend, &added)
                    .into_iter()
                    .filter(|error| error.column.as_deref() == Some(column.name.as_str()))
                    .chain(check_rebuild_name(backend, state, table))
                    .collect(),
                warnings: check_row_size(backend, &table.clone().column(column.clone()))
                    .into_iter()
                    .collect(),
            }
        }
        Step::RenameColumn { from, to, .. } => {
            let mut errors = check_name(backend, table, Some(to), "column", to);
            let keyed = table.find_column(from).is_some_and(|c| c.primary_key)
                || table
                    .partitioning
                    .as_ref()
                    .is_some_and(|p| p.column == *from);
            if capabilities.monthly_partitions && state.is_partitioned(&table.name) && keyed {
                errors.push(DialectError {
                    dialect: backend.dialect(),
                    table: table.name.clone(),
                    column: Some(from.clone()),
                    problem: format!(
                        "cannot rename `{from}` of a partitioned table: it is its key or partition key, \
                         which its keys table `{}_keys` and trigger bodies name",
                        table.name
                    ),
                });
            }
            Report {
                errors,
                warnings: Vec::new(),
            }
        }
        Step::AlterColumn { column, .. } => {
            alter::check_alter_column(backend, state, table, column)
        }
        Step::RenameTable { to, .. } => Report {
            errors: check_rename_table(backend, state, table, to),
            warnings: Vec::new(),
        },
        Step::DropColumn { .. } => Report {
            errors: check_rebuild_name(backend, state, table),
            warnings: Vec::new(),
        },
        Step::DropTable { .. } => Report::default(),
        Step::AddForeignKey { foreign_key, .. } => {
            let alone = TableDef {
                foreign_keys: vec![foreign_key.clone()],
                indexes: Vec::new(),
                checks: Vec::new(),
                ..table.clone()
            };
            // The table alone with the new key: its name, actions and columns (the rest passed
            // when the table was created).
            let mut errors = check_table(backend, &alone);
            errors.extend(check_rebuild_name(backend, state, table));
            if let Some(target) = state.table(&foreign_key.ref_table)
                && capabilities.monthly_partitions
                && state.is_partitioned(&target.name)
                && !same_columns(&target.primary_key(), &foreign_key.ref_columns)
            {
                errors.push(DialectError {
                    dialect: backend.dialect(),
                    table: table.name.clone(),
                    column: None,
                    problem: format!(
                        "foreign key `{}` must reference the primary key of the partitioned table `{}`, which its keys table `{}_keys` holds",
                        foreign_key.name, target.name, target.name
                    ),
                });
            }
            Report {
                errors,
                warnings: Vec::new(),
            }
        }
        Step::AddCheck { check, .. } => Report {
            errors: check_name(backend, table, None, "CHECK", &check.name)
                .into_iter()
                .chain(check_rebuild_name(backend, state, table))
                .collect(),
            warnings: Vec::new(),
        },
        Step::DropForeignKey { .. } | Step::DropCheck { .. } => Report {
            errors: check_rebuild_name(backend, state, table),
            warnings: Vec::new(),
        },
    }
}

mod alter;

/// Whether `a` and `b` hold the same column names, in any order.
fn same_columns(a: &[&str], b: &[String]) -> bool {
    a.len() == b.len() && b.iter().all(|column| a.contains(&column.as_str()))
}

/// What a step of migration `migration` (online or not) on a table that existed before it
/// asks of a dialect with lock-safe DDL: online, the steps it cannot render so are refused
/// (an index of a partitioned table, which `CREATE INDEX CONCURRENTLY` cannot build and whose
/// partitions maintenance creates; a foreign key of a partitioned table, which cannot be
/// added `NOT VALID`); in one transaction, an index build or a constraint added scans the
/// table while writes wait, which the warning says.
pub fn check_online(
    backend: &dyn Backend,
    state: &SchemaState,
    migration: &str,
    online: bool,
    step: &Step,
) -> Report {
    let mut report = Report::default();
    if !backend.capabilities().lock_safe_ddl {
        return report;
    }
    let Some(table) = state.table(step.table_name()) else {
        return report;
    };
    let partitioned =
        backend.capabilities().monthly_partitions && state.is_partitioned(&table.name);
    let (what, scans, refused_online) = match step {
        Step::CreateIndex { index, .. } => {
            (format!("CREATE INDEX `{}`", index.name), true, partitioned)
        }
        Step::DropIndex { index, .. } => (format!("DROP INDEX `{index}`"), false, partitioned),
        Step::AddForeignKey { foreign_key, .. } => (
            format!("ADD FOREIGN KEY `{}`", foreign_key.name),
            true,
            partitioned,
        ),
        Step::DropForeignKey { name, .. } => {
            (format!("DROP FOREIGN KEY `{name}`"), false, partitioned)
        }
        Step::AddCheck { check, .. } => (format!("ADD CHECK `{}`", check.name), true, false),
        Step::DropCheck { .. }
        | Step::CreateTable(_)
        | Step::DropTable { .. }
        | Step::RenameTable { .. }
        | Step::AddColumn { .. }
        | Step::DropColumn { .. }
        | Step::RenameColumn { .. }
        | Step::AlterColumn { .. }
        | Step::PartitionTable { .. } => return report,
    };
    if online && refused_online {
        let why = match step {
            Step::CreateIndex { .. } | Step::DropIndex { .. } => {
                "CONCURRENTLY cannot build or drop the index of a partitioned table, and its partitions are created by maintenance"
            }
            _ => "a foreign key of a partitioned table cannot be added NOT VALID",
        };
        report.errors.push(DialectError {
            dialect: backend.dialect(),
            table: table.name.clone(),
            column: None,
            problem: format!(
                "migration `{migration}`: {what} has no online form on a partitioned table ({why}): move it to a migration without `online()`"
            ),
        });
    }
    if !online && scans && !partitioned {
        report.warnings.push(DialectWarning {
            kind: WarningKind::BlocksWrites,
            dialect: backend.dialect(),
            table: table.name.clone(),
            problem: format!(
                "migration `{migration}`: {what} blocks writes to the table while it scans it: declare the migration `online()` to run it without blocking writers"
            ),
        });
    }
    report
}

/// A UNIQUE index of a table partitioned in `backend`'s dialect must hold the partition key.
fn check_partitioned_unique(
    backend: &dyn Backend,
    state: &SchemaState,
    table: &TableDef,
    index: &IndexDef,
) -> Option<DialectError> {
    let partitioning = table.partitioning.as_ref()?;
    let partitioned =
        backend.capabilities().monthly_partitions && state.is_partitioned(&table.name);
    (partitioned && index.unique && !index.columns.contains(&partitioning.column)).then(|| {
        DialectError {
            dialect: backend.dialect(),
            table: table.name.clone(),
            column: None,
            problem: format!(
                "UNIQUE index `{}` of a partitioned table must include the partition key `{}`",
                index.name, partitioning.column
            ),
        }
    })
}

/// Why `table` cannot be renamed to `to` in `backend`'s dialect.
fn check_rename_table(
    backend: &dyn Backend,
    state: &SchemaState,
    table: &TableDef,
    to: &str,
) -> Vec<DialectError> {
    let capabilities = backend.capabilities();
    let fail = |problem: String| DialectError {
        dialect: backend.dialect(),
        table: table.name.clone(),
        column: None,
        problem,
    };
    let mut errors = check_name(backend, table, None, "table", to);
    if !capabilities.rename_table_with_foreign_keys {
        let foreign_key = table
            .foreign_keys
            .first()
            .map(|fk| format!("its foreign key `{}`", fk.name))
            .or_else(|| {
                state
                    .referencing(&table.name)
                    .first()
                    .map(|(from, fk)| format!("foreign key `{}` of table `{}`", fk.name, from.name))
            });
        if let Some(foreign_key) = foreign_key {
            errors.push(fail(format!(
                "cannot rename to `{to}`: this dialect refuses to rename a table in a referential \
                 constraint (SQL0750N), here {foreign_key}"
            )));
        }
    }
    if capabilities.monthly_partitions && state.is_partitioned(&table.name) {
        errors.push(fail(format!(
            "cannot rename a partitioned table to `{to}`: its `{0}_keys`, `{0}_default`, trigger \
             function and trigger names derive from its name",
            table.name
        )));
    }
    if let Some(max) = capabilities.max_identifier_bytes
        && backend.dialect() == Dialect::Postgres
        && !table.primary_key().is_empty()
    {
        // PostgreSQL names the key `<table>_pkey`, truncating the table's part past the limit;
        // the rename renames it by that name, so both must fit.
        for name in [&table.name, &to.to_string()] {
            let constraint = format!("{name}_pkey");
            if constraint.len() > max {
                errors.push(fail(format!(
                    "cannot rename to `{to}`: the primary key constraint `{constraint}` the rename names is over {max} bytes"
                )));
            }
        }
    }
    errors
}

/// Refuses a column step that may rebuild the table (in a dialect that cannot drop a default,
/// SQLite) while a table already has the name `<table>_new` the rebuild uses.
fn check_rebuild_name(
    backend: &dyn Backend,
    state: &SchemaState,
    table: &TableDef,
) -> Vec<DialectError> {
    let rebuilt = format!("{}_new", table.name);
    if backend.capabilities().temporary_default.is_none() && state.table(&rebuilt).is_some() {
        vec![DialectError {
            dialect: backend.dialect(),
            table: table.name.clone(),
            column: None,
            problem: format!(
                "a table rebuild would create `{rebuilt}`, which is the name of an existing table"
            ),
        }]
    } else {
        Vec::new()
    }
}

/// The length and reserved-word rules for the new name `name` (a table, column or index of
/// `table`, a `kind`).
fn check_name(
    backend: &dyn Backend,
    table: &TableDef,
    column: Option<&str>,
    kind: &str,
    name: &str,
) -> Vec<DialectError> {
    let capabilities = backend.capabilities();
    let fail = |problem: String| DialectError {
        dialect: backend.dialect(),
        table: table.name.clone(),
        column: column.map(str::to_string),
        problem,
    };
    let mut errors = Vec::new();
    if let Some(max) = capabilities.max_identifier_bytes
        && name.len() > max
    {
        errors.push(fail(format!(
            "{kind} name `{name}` is {} bytes; the limit is {max}",
            name.len()
        )));
    }
    if capabilities.is_reserved(name) {
        errors.push(fail(format!("{kind} name `{name}` is a reserved word")));
    }
    if kind == "column"
        && let Some(problem) = system_column(backend, name)
    {
        errors.push(fail(problem));
    }
    errors
}

/// The system columns every table of `dialect` has, which no column can be named like:
/// PostgreSQL's (`CREATE TABLE` fails with "column name conflicts with a system column name").
/// A rule of its own rather than a [`Capabilities`](crate::backend::Capabilities) field, so
/// that the documented capabilities (docs/schema/) stay as they are.
fn system_columns(dialect: Dialect) -> &'static [&'static str] {
    match dialect {
        Dialect::Postgres => &["xmin", "xmax", "cmin", "cmax", "ctid", "tableoid"],
        Dialect::Sqlite | Dialect::Db2 => &[],
    }
}

/// The problem of a column of `backend`'s dialect named `name`, when that is a system
/// column's name.
fn system_column(backend: &dyn Backend, name: &str) -> Option<String> {
    system_columns(backend.dialect())
        .iter()
        .any(|system| system.eq_ignore_ascii_case(name))
        .then(|| format!("column name `{name}` is the name of a system column every table has"))
}

/// Every reason `table` cannot be partitioned by month in `backend`'s dialect, which has
/// monthly partitioning: the partitioned table's primary key gains the partition key, so the
/// declared key must not hold it and stays unique in `<table>_keys`, and no other UNIQUE
/// constraint can be kept.
pub fn check_partitioning(backend: &dyn Backend, table: &TableDef) -> Vec<DialectError> {
    let fail = |problem: String| DialectError {
        dialect: backend.dialect(),
        table: table.name.clone(),
        column: None,
        problem,
    };
    let Some(partitioning) = &table.partitioning else {
        return vec![fail("declares no partitioning".to_string())];
    };
    let mut errors = Vec::new();
    let key = table.primary_key();
    if key.is_empty() || key.contains(&partitioning.column.as_str()) {
        errors.push(fail(
            "partitioning needs a primary key without the partition key, kept unique in `<table>_keys`"
                .to_string(),
        ));
    }
    let longest = format!("{}_unpartitioned", table.name);
    if let Some(max) = backend.capabilities().max_identifier_bytes
        && longest.len() > max
    {
        errors.push(fail(format!(
            "the name `{longest}` that partitioning uses is over {max} bytes"
        )));
    }
    if table.columns.iter().any(|c| c.unique) || table.indexes.iter().any(|i| i.unique) {
        errors.push(fail(
            "a UNIQUE constraint of a partitioned table must contain the partition key".to_string(),
        ));
    }
    errors
}

/// How large a table's rows can grow in a dialect whose rows are bounded by pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowSize {
    /// The largest row, in bytes.
    pub bytes: u32,
    /// The smallest page size, in KiB, whose table spaces hold it; `None` when not even the
    /// largest does (only `extended_row_sz` lets it in).
    pub page_kib: Option<u32>,
    /// The smallest page size of the dialect, in KiB, and its row limit in bytes.
    pub smallest: RowSizeLimit,
}

impl RowSize {
    /// Whether the row fits the smallest page.
    pub fn fits_smallest_page(&self) -> bool {
        self.bytes <= self.smallest.max_row_bytes
    }
}

/// The largest row `table` can hold in `backend`'s dialect and the page it needs; `None` when
/// the dialect does not bound rows by pages.
pub fn row_size(backend: &dyn Backend, table: &TableDef) -> Option<RowSize> {
    let limits = backend.capabilities().row_size_limits;
    let smallest = *limits.first()?;
    let bytes: u32 = table
        .columns
        .iter()
        .map(|c| backend.column_row_bytes(c))
        .sum();
    Some(RowSize {
        bytes,
        page_kib: limits
            .iter()
            .find(|limit| bytes <= limit.max_row_bytes)
            .map(|limit| limit.page_kib),
        smallest,
    })
}

/// The largest row `table` can hold in `backend`'s dialect, in bytes, and the smallest page
/// size in KiB that holds it (`None` when none does): a warning when it needs more than the
/// smallest page, since only the database's table spaces and `extended_row_sz` decide.
pub fn check_row_size(backend: &dyn Backend, table: &TableDef) -> Option<DialectWarning> {
    let size = row_size(backend, table)?;
    if size.fits_smallest_page() {
        return None;
    }
    let limits = backend.capabilities().row_size_limits;
    let needs = match limits
        .iter()
        .find(|limit| size.page_kib == Some(limit.page_kib))
    {
        Some(limit) => format!(
            "a table space with {}K pages (row limit {} bytes)",
            limit.page_kib, limit.max_row_bytes
        ),
        None => "extended_row_sz enabled: it exceeds even 32K pages".to_string(),
    };
    Some(DialectWarning {
        kind: WarningKind::RowSize,
        dialect: backend.dialect(),
        table: table.name.clone(),
        problem: format!(
            "the maximum row size is {} bytes, over the {} bytes of {}K pages; \
             unless the database has extended_row_sz enabled, it needs {needs}",
            size.bytes, size.smallest.max_row_bytes, size.smallest.page_kib
        ),
    })
}

/// Every rule `table` breaks in `backend`'s dialect.
pub fn check_table(backend: &dyn Backend, table: &TableDef) -> Vec<DialectError> {
    let capabilities = backend.capabilities();
    let mut errors = Vec::new();
    let mut fail = |column: Option<&str>, problem: String| {
        errors.push(DialectError {
            dialect: backend.dialect(),
            table: table.name.clone(),
            column: column.map(str::to_string),
            problem,
        })
    };

    let names = std::iter::once(("table", &table.name, None))
        .chain(
            table
                .columns
                .iter()
                .map(|c| ("column", &c.name, Some(&c.name))),
        )
        .chain(table.indexes.iter().map(|i| ("index", &i.name, None)))
        .chain(
            table
                .foreign_keys
                .iter()
                .map(|f| ("foreign key", &f.name, None)),
        )
        .chain(table.checks.iter().map(|c| ("CHECK", &c.name, None)));
    for (kind, name, column) in names {
        if let Some(max) = capabilities.max_identifier_bytes
            && name.len() > max
        {
            fail(
                column.map(String::as_str),
                format!(
                    "{kind} name `{name}` is {} bytes; the limit is {max}",
                    name.len()
                ),
            );
        }
        if capabilities.is_reserved(name) {
            fail(
                column.map(String::as_str),
                format!("{kind} name `{name}` is a reserved word"),
            );
        }
        if kind == "column"
            && let Some(problem) = system_column(backend, name)
        {
            fail(column.map(String::as_str), problem);
        }
    }

    let is_json = |name: &str| {
        table
            .find_column(name)
            .is_some_and(|c| matches!(c.ty, ColumnType::Json { .. }))
    };
    for column in &table.columns {
        if let Err(unsupported) = backend.column_type(column.ty) {
            fail(Some(&column.name), unsupported.0);
        }
        let keyed = column.primary_key || column.unique;
        if keyed && column.nullable && capabilities.not_null_keys_required {
            fail(
                Some(&column.name),
                "a PRIMARY KEY or UNIQUE column must be NOT NULL: make the field non-optional"
                    .to_string(),
            );
        }
        if keyed && is_json(&column.name) && !capabilities.json_in_keys {
            fail(
                Some(&column.name),
                "a JSON column cannot be part of a PRIMARY KEY or UNIQUE constraint".to_string(),
            );
        }
    }
    let index_errors: Vec<DialectError> = table
        .indexes
        .iter()
        .filter(|index| index.method == IndexMethod::BTree)
        .flat_map(|index| check_index(backend, table, index))
        .collect();
    for fk in &table.foreign_keys {
        for (event, action) in [
            (ReferentialEvent::Delete, fk.on_delete),
            (ReferentialEvent::Update, fk.on_update),
        ] {
            if !capabilities.supports_foreign_key_action(event, action) {
                let event = match event {
                    ReferentialEvent::Delete => "DELETE",
                    ReferentialEvent::Update => "UPDATE",
                };
                fail(
                    None,
                    format!(
                        "foreign key `{}`: ON {event} {action} is not supported",
                        fk.name
                    ),
                );
            }
        }
        for column in fk.columns.iter().filter(|c| is_json(c)) {
            if !capabilities.json_in_keys {
                fail(
                    Some(column),
                    format!("foreign key `{}` covers a JSON column", fk.name),
                );
            }
        }
    }
    errors.extend(index_errors);
    errors
}

/// Every rule the index `index` of `table` breaks in `backend`'s dialect.
fn check_index(backend: &dyn Backend, table: &TableDef, index: &IndexDef) -> Vec<DialectError> {
    let capabilities = backend.capabilities();
    let fail = |column: Option<&str>, problem: String| DialectError {
        dialect: backend.dialect(),
        table: table.name.clone(),
        column: column.map(str::to_string),
        problem,
    };
    let mut errors = Vec::new();
    if !capabilities.supports_index_method(index.method) {
        errors.push(fail(
            None,
            format!(
                "index `{}` uses method {}, which this dialect cannot build",
                index.name, index.method
            ),
        ));
    }
    let is_json = |name: &str| {
        table
            .find_column(name)
            .is_some_and(|c| matches!(c.ty, ColumnType::Json { .. }))
    };
    if !capabilities.json_in_keys {
        for column in index.columns.iter().filter(|c| is_json(c)) {
            errors.push(fail(
                Some(column),
                format!(
                    "index `{}` covers a JSON column, which cannot be indexed",
                    index.name
                ),
            ));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{Db2, Postgres};
    use schema_dsl::{
        ColumnDef, DefaultValue, ForeignKeyAction, ForeignKeyDef, JsonSize, Partitioning,
    };

    fn text(max_len: u32) -> ColumnType {
        ColumnType::Text {
            max_len: Some(max_len),
        }
    }

    fn json() -> ColumnType {
        ColumnType::Json {
            size: JsonSize::Large,
        }
    }

    fn notes() -> TableDef {
        TableDef::new("notes").column(ColumnDef::new("note_id", text(50)).primary_key())
    }

    fn fk(on_delete: ForeignKeyAction, on_update: ForeignKeyAction) -> ForeignKeyDef {
        ForeignKeyDef {
            name: "fk_notes_parent".into(),
            columns: vec!["parent_id".into()],
            ref_table: "notes".into(),
            ref_columns: vec!["note_id".into()],
            on_delete,
            on_update,
        }
    }

    /// The Db2 errors of `table`, as printed.
    fn db2_errors(table: &TableDef) -> Vec<String> {
        check_table(&Db2, table)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn db2_key_columns_must_be_not_null() {
        let table = TableDef::new("notes")
            .column(
                ColumnDef::new("note_id", text(50))
                    .primary_key()
                    .nullable(true),
            )
            .column(ColumnDef::new("slug", text(50)).unique().nullable(true));
        assert_eq!(
            db2_errors(&table),
            [
                "db2: table `notes`, column `note_id`: a PRIMARY KEY or UNIQUE column must be NOT NULL: make the field non-optional",
                "db2: table `notes`, column `slug`: a PRIMARY KEY or UNIQUE column must be NOT NULL: make the field non-optional",
            ]
        );
    }

    #[test]
    fn db2_clobs_are_never_keys_indexes_or_foreign_keys() {
        let table = TableDef::new("notes")
            .column(ColumnDef::new("note_id", json()).primary_key())
            .column(ColumnDef::new("body", json()).unique())
            .column(ColumnDef::new("parent_id", json()))
            .foreign_key(fk(ForeignKeyAction::NoAction, ForeignKeyAction::NoAction))
            .index(IndexDef::new("idx_notes_body", &["body"]));
        assert_eq!(
            db2_errors(&table),
            [
                "db2: table `notes`, column `note_id`: a JSON column cannot be part of a PRIMARY KEY or UNIQUE constraint",
                "db2: table `notes`, column `body`: a JSON column cannot be part of a PRIMARY KEY or UNIQUE constraint",
                "db2: table `notes`, column `parent_id`: foreign key `fk_notes_parent` covers a JSON column",
                "db2: table `notes`, column `body`: index `idx_notes_body` covers a JSON column, which cannot be indexed",
            ]
        );
    }

    #[test]
    fn db2_varchar_is_bounded_and_text_needs_a_length() {
        let table = notes()
            .column(ColumnDef::new("body", text(32_673)))
            .column(ColumnDef::new(
                "summary",
                ColumnType::Text { max_len: None },
            ))
            .column(ColumnDef::new("largest", text(32_672)));
        assert_eq!(
            db2_errors(&table),
            [
                "db2: table `notes`, column `body`: VARCHAR(32673) exceeds Db2's limit of 32672",
                "db2: table `notes`, column `summary`: Db2 has no unbounded text type: declare `max_len`",
            ]
        );
    }

    #[test]
    fn db2_names_are_limited_to_128_bytes() {
        let long = "n".repeat(129);
        let table = notes().column(ColumnDef::new(long.clone(), ColumnType::Integer));
        assert_eq!(
            db2_errors(&table),
            [format!(
                "db2: table `notes`, column `{long}`: column name `{long}` is 129 bytes; the limit is 128"
            )]
        );
        let fits = notes().column(ColumnDef::new("n".repeat(128), ColumnType::Integer));
        assert_eq!(db2_errors(&fits), Vec::<String>::new());
    }

    #[test]
    fn db2_referential_actions_are_limited() {
        let with = |on_delete, on_update| {
            db2_errors(
                &notes()
                    .column(ColumnDef::new("parent_id", text(50)).nullable(true))
                    .foreign_key(fk(on_delete, on_update)),
            )
        };
        assert_eq!(
            with(ForeignKeyAction::SetDefault, ForeignKeyAction::Cascade),
            [
                "db2: table `notes`: foreign key `fk_notes_parent`: ON DELETE SET DEFAULT is not supported",
                "db2: table `notes`: foreign key `fk_notes_parent`: ON UPDATE CASCADE is not supported",
            ]
        );
        assert_eq!(
            with(ForeignKeyAction::Cascade, ForeignKeyAction::SetNull),
            [
                "db2: table `notes`: foreign key `fk_notes_parent`: ON UPDATE SET NULL is not supported"
            ]
        );
        for on_delete in [
            ForeignKeyAction::Cascade,
            ForeignKeyAction::SetNull,
            ForeignKeyAction::Restrict,
            ForeignKeyAction::NoAction,
        ] {
            for on_update in [ForeignKeyAction::NoAction, ForeignKeyAction::Restrict] {
                assert_eq!(with(on_delete, on_update), Vec::<String>::new());
            }
        }
    }

    #[test]
    fn db2_renders_without_if_exists_with_smallint_booleans_and_default_before_not_null() {
        let table = notes()
            .column(
                ColumnDef::new("enabled", ColumnType::Boolean).default(DefaultValue::Boolean(true)),
            )
            .column(ColumnDef::new("created_at", ColumnType::Timestamp).default(DefaultValue::Now));
        assert_eq!(
            Db2.create_table(&table).expect("renders"),
            "CREATE TABLE NOTES (\n    \
             NOTE_ID VARCHAR(50) NOT NULL PRIMARY KEY,\n    \
             ENABLED SMALLINT DEFAULT 1 NOT NULL,\n    \
             CREATED_AT TIMESTAMP DEFAULT CURRENT TIMESTAMP NOT NULL,\n    \
             CHECK (ENABLED IN (0, 1))\n);"
        );
        let index = IndexDef::new("idx_notes_enabled", &["enabled"]);
        assert_eq!(
            Db2.create_index(&table, &index),
            "CREATE INDEX IDX_NOTES_ENABLED ON NOTES (ENABLED);"
        );
        assert_eq!(
            Db2.drop_index(&table, &index),
            "DROP INDEX IDX_NOTES_ENABLED;"
        );
        assert_eq!(Db2.drop_table(&table), "DROP TABLE NOTES;");
    }

    #[test]
    fn db2_warns_when_a_row_needs_more_than_a_4k_page() {
        let wide = |n: u32| notes().column(ColumnDef::new("body", text(n)).nullable(true));
        // 54 bytes of key, then VARCHAR(n) nullable takes n + 5.
        assert_eq!(check_row_size(&Db2, &wide(3_946)), None);
        assert_eq!(
            check_row_size(&Db2, &wide(3_947)).map(|w| w.to_string()),
            Some(
                "warning: db2: table `notes`: the maximum row size is 4006 bytes, over the 4005 bytes of 4K pages; \
                 unless the database has extended_row_sz enabled, it needs a table space with 8K pages (row limit 8101 bytes)"
                    .to_string()
            )
        );
        assert_eq!(
            check_row_size(&Db2, &wide(32_672).column(ColumnDef::new("more", text(100))))
                .map(|w| w.to_string()),
            Some(
                "warning: db2: table `notes`: the maximum row size is 32835 bytes, over the 4005 bytes of 4K pages; \
                 unless the database has extended_row_sz enabled, it needs extended_row_sz enabled: it exceeds even 32K pages"
                    .to_string()
            )
        );
        assert_eq!(check_row_size(&Postgres, &wide(30_000)), None);
    }

    #[test]
    fn db2_skips_gin_indexes_and_partitioning_with_a_warning() {
        let table = notes()
            .column(ColumnDef::new("body", json()).nullable(true))
            .column(ColumnDef::new("created_at", ColumnType::Timestamp))
            .index(IndexDef {
                method: IndexMethod::Gin,
                ..IndexDef::new("idx_notes_body", &["body"])
            })
            .partitioned(Partitioning::monthly("created_at"));
        let state = state_with(&table);
        let gin = Step::CreateIndex {
            table: "notes".into(),
            index: table.indexes[0].clone(),
        };
        let Report { errors, warnings } = check_step(&Db2, &state, &gin);
        assert_eq!(errors, Vec::new());
        assert_eq!(
            warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [
                "warning: db2: table `notes`: index `idx_notes_body` uses method gin, which this dialect cannot build: skipped"
            ]
        );
        let partition = Step::PartitionTable {
            table: "notes".into(),
        };
        let Report { errors, warnings } = check_step(&Db2, &state, &partition);
        assert_eq!(errors, Vec::new());
        assert_eq!(
            warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [
                "warning: db2: table `notes`: this dialect has no monthly partitioning: the table stays unpartitioned"
            ]
        );
        assert_eq!(check_step(&Postgres, &state, &gin), Report::default());
    }

    /// The state after creating `table`.
    fn state_with(table: &TableDef) -> SchemaState {
        let mut state = SchemaState::default();
        let id =
            schema_dsl::MigrationId::new(schema_dsl::Group::Tier(schema_dsl::Tier::Basic), 1, "t");
        state
            .apply(&id, &Step::CreateTable(table.clone()))
            .expect("the table is created");
        state
    }

    /// The eight seed tables pass every Db2 rule; the only findings are the row-size warnings.
    #[test]
    fn the_seed_tables_pass_every_db2_rule() {
        let schema: Schema = schema_defs::schema();
        let report = check(&schema, &[Dialect::Db2]);
        assert_eq!(report.errors, Vec::new());
        let sizes: Vec<(String, String)> = report
            .warnings
            .iter()
            .map(|w| (w.table.clone(), w.to_string()))
            .map(|(table, warning)| {
                let bytes = warning
                    .split("maximum row size is ")
                    .nth(1)
                    .and_then(|rest| rest.split(' ').next())
                    .unwrap_or_default()
                    .to_string();
                (table, bytes)
            })
            .collect();
        let sizes: Vec<(&str, &str)> = sizes
            .iter()
            .map(|(t, b)| (t.as_str(), b.as_str()))
            .collect();
        assert_eq!(
            sizes,
            [
                ("scheduler_runs", "4688"),
                ("workflow_runs", "5209"),
                ("workflow_step_runs", "4955"),
                ("alert_history", "9081"),
                ("dead_letter_queue", "4627"),
            ]
        );
        let generated = crate::generate(&schema, &[Dialect::Db2]).expect("Db2 renders");
        assert_eq!(generated.warnings, report.warnings);
        assert_eq!(
            generated.files.len(),
            18,
            "eight migrations, up and down, no overlay; the release order and the shapes"
        );
        for file in generated.files {
            for refused in [
                "IF NOT EXISTS",
                "IF EXISTS",
                "BOOLEAN",
                " TEXT",
                "JSONB",
                "GIN",
            ] {
                assert!(
                    !file.contents.contains(refused),
                    "{}: {refused}",
                    file.path.display()
                );
            }
        }
    }

    #[test]
    fn partitioning_refuses_what_postgres_cannot_keep() {
        let runs = || {
            TableDef::new("runs")
                .column(ColumnDef::new("run_id", ColumnType::Integer).primary_key())
                .column(ColumnDef::new("created_at", ColumnType::Timestamp))
                .partitioned(Partitioning::monthly("created_at"))
        };
        let refusals = |table: &TableDef| -> Vec<String> {
            let partition = Step::PartitionTable {
                table: table.name.clone(),
            };
            check_step(&Postgres, &state_with(table), &partition)
                .errors
                .iter()
                .map(|e| e.problem.clone())
                .collect()
        };
        assert_eq!(
            refusals(&runs().column(ColumnDef::new("slug", ColumnType::Integer).unique())),
            ["a UNIQUE constraint of a partitioned table must contain the partition key"]
        );
        assert_eq!(
            refusals(&TableDef {
                partitioning: None,
                ..runs()
            }),
            ["declares no partitioning"]
        );
        assert_eq!(
            refusals(&TableDef {
                name: "r".repeat(50),
                ..runs()
            }),
            [format!(
                "the name `{0}_unpartitioned` that partitioning uses is over 63 bytes",
                "r".repeat(50)
            )]
        );
        assert_eq!(
            refusals(&TableDef::new("runs").partitioned(Partitioning::monthly("created_at"))),
            [
                "partitioning needs a primary key without the partition key, kept unique in `<table>_keys`"
            ]
        );
        assert_eq!(refusals(&runs()), Vec::<String>::new());
    }
}
