//! The dialect rules: what a declaration asks that a dialect cannot do, found from the
//! dialect's reported capabilities before anything is rendered.

use crate::backend::{Backend, ReferentialEvent};
use schema_dsl::{ColumnType, Dialect, TableDef};
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
    for index in &table.indexes {
        if !backend.supports_index_method(index.method) {
            fail(
                None,
                format!(
                    "index `{}` uses method {}, which this dialect cannot build",
                    index.name, index.method
                ),
            );
        }
        for column in index.columns.iter().filter(|c| is_json(c)) {
            if !backend.supports_json_in_keys() {
                fail(
                    Some(column),
                    format!(
                        "index `{}` covers a JSON column, which cannot be indexed",
                        index.name
                    ),
                );
            }
        }
    }
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
    errors
}
