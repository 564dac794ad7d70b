//! The dialect rules of `Step::AlterColumn`: what a dialect cannot change in place, and the
//! warnings of the changes that lock, rewrite or reorganise the table.

use super::{DialectError, DialectWarning, Report, WarningKind, check_rebuild_name, check_table};
use crate::backend::{Backend, Unsupported};
use schema_dsl::{ColumnChange, ColumnDef, ColumnType, SchemaState, TableDef, TypeChange};

/// The errors and warnings of changing the column of `table` (the state before) named like
/// `column` into `column`.
pub(super) fn check_alter_column(
    backend: &dyn Backend,
    state: &SchemaState,
    table: &TableDef,
    column: &ColumnDef,
) -> Report {
    let Some(before) = table.find_column(&column.name) else {
        return Report::default();
    };
    let change = ColumnChange {
        before,
        after: column,
    };
    let dialect = backend.dialect();
    let fail = |problem: String| DialectError {
        dialect,
        table: table.name.clone(),
        column: Some(column.name.clone()),
        problem,
    };
    let warn = |kind: WarningKind, problem: String| DialectWarning {
        kind,
        dialect,
        table: table.name.clone(),
        problem,
    };
    let changed = TableDef::new(table.name.clone()).column(column.clone());
    let mut errors: Vec<DialectError> = check_table(backend, &changed)
        .into_iter()
        .filter(|error| error.column.as_deref() == Some(column.name.as_str()))
        .collect();
    let mut warnings = Vec::new();
    let capabilities = backend.capabilities();
    let Some(syntax) = capabilities.alter_column else {
        errors.extend(check_rebuild_name(backend, state, table));
        return Report { errors, warnings };
    };
    if capabilities.monthly_partitions
        && state.is_partitioned(&table.name)
        && table
            .partitioning
            .as_ref()
            .is_some_and(|p| p.column == column.name)
    {
        errors.push(fail(format!(
            "cannot change `{}` of a partitioned table: it is the partition key, which every \
             partition's range bounds",
            column.name
        )));
    }
    let Ok(type_change) = change.type_change() else {
        return Report { errors, warnings };
    };
    let types = (
        backend.column_type(before.ty),
        backend.column_type(column.ty),
    );
    let (Ok(from), Ok(to)) = types else {
        return Report { errors, warnings };
    };
    let name = &column.name;
    let reorg = backend.reorg_table(&table.name);
    match type_change {
        None => {}
        Some(_) if from == to => {}
        Some(TypeChange::Convert) if !syntax.converts_in_place => {
            let replacement = format!("{name}_new");
            if table.find_column(&replacement).is_some() {
                errors.push(fail(format!(
                    "changing {from} to {to} adds a column `{replacement}`, which the table already has"
                )));
            }
            warnings.push(warn(
                WarningKind::Reorg,
                format!(
                    "column `{name}`: this dialect cannot SET DATA TYPE from {from} to {to}: the file adds \
                     `{replacement}`, copies the values by CAST, drops `{name}` (then runs {reorg}) and \
                     renames `{replacement}`; the column moves to the end of the table"
                ),
            ));
        }
        Some(type_change) => {
            let text_widening =
                type_change == TypeChange::Widen && matches!(column.ty, ColumnType::Text { .. });
            if let Err(Unsupported(problem)) = shrinks_a_lob(backend, before.ty, column.ty) {
                errors.push(fail(problem));
            } else if syntax.needs_reorg && !text_widening {
                warnings.push(warn(
                    WarningKind::Reorg,
                    format!(
                        "column `{name}`: SET DATA TYPE {to} leaves the table reorg-pending: the file runs \
                         {reorg} right after it, which rewrites the table"
                    ),
                ));
            } else if !syntax.needs_reorg && !text_widening {
                warnings.push(warn(
                    WarningKind::Lock,
                    format!(
                        "column `{name}`: changing {from} to {to} rewrites the table under an ACCESS \
                         EXCLUSIVE lock: its readers and writers wait until the migration commits"
                    ),
                ));
            }
        }
    }
    if change.becomes_not_null() || change.becomes_nullable() {
        let clause = if change.becomes_not_null() {
            "SET NOT NULL"
        } else {
            "DROP NOT NULL"
        };
        if syntax.needs_reorg {
            warnings.push(warn(
                WarningKind::Reorg,
                format!(
                    "column `{name}`: {clause} leaves the table reorg-pending: the file runs {reorg} \
                     right after it, which rewrites the table"
                ),
            ));
        } else if syntax.not_null_behind_check && change.becomes_not_null() {
            warnings.push(warn(
                WarningKind::Lock,
                format!(
                    "column `{name}`: SET NOT NULL scans the table once, to validate a CHECK ({name} IS NOT NULL) \
                     first; in the migration's transaction the table stays locked until it commits"
                ),
            ));
        }
    }
    Report { errors, warnings }
}

/// Refuses to shorten a LOB (Db2 stores JSON as CLOB: SET DATA TYPE only lengthens one).
fn shrinks_a_lob(
    backend: &dyn Backend,
    from: ColumnType,
    to: ColumnType,
) -> Result<(), Unsupported> {
    let (ColumnType::Json { size: old }, ColumnType::Json { size: new }) = (from, to) else {
        return Ok(());
    };
    let lob = backend.column_type(from)?.starts_with("CLOB");
    if lob && new.max_bytes() < old.max_bytes() {
        return Err(Unsupported(format!(
            "cannot shorten {} to {}: this dialect only lengthens a CLOB; add a new column, copy, \
             and drop this one",
            backend.column_type(from)?,
            backend.column_type(to)?
        )));
    }
    Ok(())
}
