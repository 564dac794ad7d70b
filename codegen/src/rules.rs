//! The dialect rules: what a declaration asks that a dialect cannot do, found from the
//! dialect's reported capabilities before anything is rendered.

use crate::backend::{Backend, ReferentialEvent};
use schema_dsl::{ColumnType, Dialect, IndexMethod, Step, TableDef};
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
    /// The dialect concerned.
    pub dialect: Dialect,
    /// The table concerned.
    pub table: String,
    /// What may go wrong, and what to do.
    pub problem: String,
}

/// The errors and warnings of one migration step in `backend`'s dialect.
pub fn check_step(backend: &dyn Backend, step: &Step) -> (Vec<DialectError>, Vec<DialectWarning>) {
    let table = step.table();
    let warn = |problem: String| DialectWarning {
        dialect: backend.dialect(),
        table: table.name.clone(),
        problem,
    };
    match step {
        Step::CreateTable(table) => (
            check_table(backend, table),
            check_row_size(backend, table).into_iter().collect(),
        ),
        Step::CreateIndex { index, .. } => match table.find_index(index) {
            Some(index) if !backend.supports_index_method(index.method) => (
                Vec::new(),
                vec![warn(format!(
                    "index `{}` uses method {}, which this dialect cannot build: skipped",
                    index.name, index.method
                ))],
            ),
            Some(index) => (check_index(backend, table, index), Vec::new()),
            None => (Vec::new(), Vec::new()),
        },
        Step::PartitionTable(_) if !backend.supports_monthly_partitions() => (
            Vec::new(),
            vec![warn(
                "this dialect has no monthly partitioning: the table stays unpartitioned"
                    .to_string(),
            )],
        ),
        Step::PartitionTable(_) => (Vec::new(), Vec::new()),
    }
}

/// The largest row `table` can hold in `backend`'s dialect, in bytes, and the smallest page
/// size in KiB that holds it (`None` when none does): a warning when it needs more than the
/// smallest page, since only the database's table spaces and `extended_row_sz` decide.
pub fn check_row_size(backend: &dyn Backend, table: &TableDef) -> Option<DialectWarning> {
    let limits = backend.row_size_limits();
    let &(smallest_page, smallest_limit) = limits.first()?;
    let bytes: u32 = table
        .columns
        .iter()
        .map(|c| backend.column_row_bytes(c))
        .sum();
    if bytes <= smallest_limit {
        return None;
    }
    let needs = match limits.iter().find(|(_, limit)| bytes <= *limit) {
        Some((page, limit)) => {
            format!("a table space with {page}K pages (row limit {limit} bytes)")
        }
        None => "extended_row_sz enabled: it exceeds even 32K pages".to_string(),
    };
    Some(DialectWarning {
        dialect: backend.dialect(),
        table: table.name.clone(),
        problem: format!(
            "the maximum row size is {bytes} bytes, over the {smallest_limit} bytes of {smallest_page}K pages; \
             unless the database has extended_row_sz enabled, it needs {needs}"
        ),
    })
}

/// Every rule `table` breaks in `backend`'s dialect.
pub fn check_table(backend: &dyn Backend, table: &TableDef) -> Vec<DialectError> {
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
        );
    for (kind, name, column) in names {
        if let Some(max) = backend.max_identifier_bytes()
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
        if backend.is_reserved(name) {
            fail(
                column.map(String::as_str),
                format!("{kind} name `{name}` is a reserved word"),
            );
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
        if keyed && column.nullable && backend.requires_not_null_keys() {
            fail(
                Some(&column.name),
                "a PRIMARY KEY or UNIQUE column must be NOT NULL: make the field non-optional"
                    .to_string(),
            );
        }
        if keyed && is_json(&column.name) && !backend.supports_json_in_keys() {
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
            if !backend.supports_foreign_key_action(event, action) {
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
            if !backend.supports_json_in_keys() {
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
fn check_index(
    backend: &dyn Backend,
    table: &TableDef,
    index: &schema_dsl::IndexDef,
) -> Vec<DialectError> {
    let fail = |column: Option<&str>, problem: String| DialectError {
        dialect: backend.dialect(),
        table: table.name.clone(),
        column: column.map(str::to_string),
        problem,
    };
    let mut errors = Vec::new();
    if !backend.supports_index_method(index.method) {
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
    if !backend.supports_json_in_keys() {
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
