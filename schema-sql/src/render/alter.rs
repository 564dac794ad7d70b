//! `Step::AlterColumn` rendered: the column's type, nullability and default changed in place
//! where the dialect can (`ALTER COLUMN`), else by SQLite's table rebuild; and before a change
//! that not every value survives, a pre-check that stops the migration naming the count of
//! rows that would not, so that nothing is converted silently or half-way.

use super::{Change, rebuild_table};
use crate::backend::{AlterColumnSyntax, Backend, Unsupported};
use schema_dsl::{
    ColumnChange, ColumnDef, ColumnType, DefaultValue, TableDef, TypeChange, integer_range,
};

/// The change that turns the column of `table` (the state before) named like `column` into
/// `column`; rows holding NULL in a column made NOT NULL get `backfill`, else its default.
/// The down file changes it back, with the same pre-checks.
pub(super) fn alter_column(
    backend: &dyn Backend,
    table: &TableDef,
    column: &ColumnDef,
    backfill: Option<&DefaultValue>,
) -> Result<Change, Unsupported> {
    let before = table
        .find_column(&column.name)
        .ok_or_else(|| Unsupported(format!("no column `{}` at this point", column.name)))?;
    let after = with_column(table, column);
    let change = ColumnChange {
        before,
        after: column,
    };
    let fill = change
        .becomes_not_null()
        .then(|| backfill.or(column.default.as_ref()))
        .flatten()
        .map(|value| backend.value_expression(value));
    let (up, up_foreign_keys_off) = statements(backend, table, &after, change, fill.as_deref())?;
    let (down, down_foreign_keys_off) =
        statements(backend, &after, table, change.reversed(), None)?;
    let mut notes = Vec::new();
    if let Some(fill) = &fill {
        notes.push(format!(
            "the down file makes column {} of {} nullable again; the rows that held NULL keep {fill}",
            column.name, table.name
        ));
    }
    if let Some(syntax) = backend.capabilities().alter_column
        && !syntax.converts_in_place
        && change.type_change() == Ok(Some(TypeChange::Convert))
    {
        notes.push(format!(
            "column {} of {} is replaced by a new one, copied by CAST: it moves to the end of the table",
            column.name, table.name
        ));
    }
    Ok(Change {
        up,
        down,
        up_foreign_keys_off,
        down_foreign_keys_off,
        notes,
    })
}

/// `table` with its column named like `column` replaced by it.
fn with_column(table: &TableDef, column: &ColumnDef) -> TableDef {
    let mut after = table.clone();
    for existing in &mut after.columns {
        if existing.name == column.name {
            *existing = column.clone();
        }
    }
    after
}

/// The statements of `change` from `table` to `after`, and whether they rebuild the table
/// (so must run with foreign keys off): the pre-checks, then the change.
fn statements(
    backend: &dyn Backend,
    table: &TableDef,
    after: &TableDef,
    change: ColumnChange,
    fill: Option<&str>,
) -> Result<(Vec<String>, bool), Unsupported> {
    let mut sql = pre_checks(backend, table, change)?;
    match backend.capabilities().alter_column {
        Some(syntax) => {
            sql.extend(in_place(backend, syntax, table, change, fill)?);
            Ok((sql, false))
        }
        None => {
            let unchanged = backend.column_definition(change.before, false)?
                == backend.column_definition(change.after, false)?;
            if unchanged {
                return Ok((sql, false));
            }
            let name = backend.identifier(&change.after.name);
            let mut value = match change.type_change().map_err(Unsupported)? {
                Some(TypeChange::Convert) => {
                    format!("CAST({name} AS {})", backend.column_type(change.after.ty)?)
                }
                Some(TypeChange::Widen | TypeChange::Narrow) | None => name,
            };
            if let Some(fill) = fill {
                value = format!("COALESCE({value}, {fill})");
            }
            sql.extend(rebuild_table(
                backend,
                after,
                &[(change.after.name.as_str(), value)],
            )?);
            Ok((sql, true))
        }
    }
}

/// The pre-checks of `change` on `table`: one statement that stops the migration, naming the
/// count of the rows whose value the new type cannot hold exactly.
fn pre_checks(
    backend: &dyn Backend,
    table: &TableDef,
    change: ColumnChange,
) -> Result<Vec<String>, Unsupported> {
    if !change.needs_pre_check() {
        return Ok(Vec::new());
    }
    let column = backend.identifier(&change.after.name);
    let (from, to) = (change.before.ty, change.after.ty);
    use ColumnType::{BigInt, Boolean, Integer, Json, SmallInt, Text, Timestamp};
    let out_of = |(low, high): (i64, i64)| format!("{column} NOT BETWEEN {low} AND {high}");
    let (offending, problem) = match (from, to) {
        (SmallInt | Integer | BigInt, Text { max_len: Some(max) }) => (
            out_of(integer_text_range(max)),
            format!("integers longer than {max} characters"),
        ),
        (Text { .. }, Text { max_len: Some(max) }) => (
            format!("LENGTH({column}) > {max}"),
            format!("text longer than {max} characters"),
        ),
        (Text { .. }, SmallInt | Integer | BigInt) => (
            backend.not_integer_text(&column, integer_range(to)),
            format!("text that is not an integer of type {to}"),
        ),
        (SmallInt | Integer | BigInt, SmallInt | Integer | BigInt) => (
            out_of(integer_range(to)),
            format!("integers out of the range of {to}"),
        ),
        (Json { .. }, Json { size }) => (
            format!("LENGTH(CAST({column} AS TEXT)) > {}", size.max_bytes()),
            format!("documents longer than {} characters", size.max_bytes()),
        ),
        (
            Text { .. } | SmallInt | Integer | BigInt | Boolean | Timestamp | Json { .. },
            Text { .. } | SmallInt | Integer | BigInt | Boolean | Timestamp | Json { .. },
        ) => {
            return Err(Unsupported(format!(
                "no pre-check for changing {from} to {to}"
            )));
        }
    };
    Ok(vec![backend.pre_check(
        &table.name,
        &offending,
        &format!(
            "row(s) of table {}, column {} hold {problem}; the column stays {from}",
            table.name, change.after.name
        ),
    )])
}

/// The smallest and largest integer whose text fits `max` characters.
fn integer_text_range(max: u32) -> (i64, i64) {
    let bound = |digits: u32| {
        10_i128
            .checked_pow(digits)
            .map_or(i128::MAX, |power| power - 1)
    };
    let clamp = |value: i128| i64::try_from(value).unwrap_or(i64::MAX);
    (-clamp(bound(max.saturating_sub(1))), clamp(bound(max)))
}

/// `ALTER TABLE … ALTER COLUMN` statements for `change`, in order: the type, the backfill of
/// rows holding NULL, the nullability, the default.
fn in_place(
    backend: &dyn Backend,
    syntax: AlterColumnSyntax,
    table: &TableDef,
    change: ColumnChange,
    fill: Option<&str>,
) -> Result<Vec<String>, Unsupported> {
    let name = backend.identifier(&table.name);
    let column = backend.identifier(&change.after.name);
    let alter = |clause: String| format!("ALTER TABLE {name} ALTER COLUMN {column} {clause};");
    let reorg = || backend.reorg_table(&table.name);
    let mut sql = Vec::new();
    let type_change = change.type_change().map_err(Unsupported)?;
    if type_change == Some(TypeChange::Convert) && !syntax.converts_in_place {
        return replace_column(backend, table, change, fill);
    }
    let ty = backend.column_type(change.after.ty)?;
    let same_sql_type = backend.column_type(change.before.ty)? == ty;
    if let Some(type_change) = type_change.filter(|_| !same_sql_type) {
        let using = if type_change == TypeChange::Convert {
            // To text, by way of unbounded text: the assignment to a shorter type then fails
            // where a CAST to it would cut the value.
            let cast_to = if matches!(change.after.ty, ColumnType::Text { .. }) {
                backend
                    .column_type(ColumnType::Text { max_len: None })
                    .unwrap_or_else(|_| ty.clone())
            } else {
                ty.clone()
            };
            format!(" USING CAST({column} AS {cast_to})")
        } else {
            String::new()
        };
        sql.push(alter(format!("{} {ty}{using}", syntax.set_type)));
        let text_widening =
            type_change == TypeChange::Widen && matches!(change.after.ty, ColumnType::Text { .. });
        if syntax.needs_reorg && !text_widening {
            sql.push(reorg());
        }
    }
    if let Some(fill) = fill {
        sql.push(format!(
            "UPDATE {name} SET {column} = {fill} WHERE {column} IS NULL;"
        ));
    }
    if change.becomes_not_null() {
        if syntax.not_null_behind_check {
            let check = backend.identifier(&not_null_check_name(&change.after.name));
            sql.extend([
                format!(
                    "ALTER TABLE {name} ADD CONSTRAINT {check} CHECK ({column} IS NOT NULL) NOT VALID;"
                ),
                format!("ALTER TABLE {name} VALIDATE CONSTRAINT {check};"),
                alter("SET NOT NULL".to_string()),
                format!("ALTER TABLE {name} DROP CONSTRAINT {check};"),
            ]);
        } else {
            sql.push(alter("SET NOT NULL".to_string()));
        }
    } else if change.becomes_nullable() {
        sql.push(alter("DROP NOT NULL".to_string()));
    }
    if syntax.needs_reorg && (change.becomes_not_null() || change.becomes_nullable()) {
        sql.push(reorg());
    }
    if change.default_changes() {
        match change
            .after
            .default
            .as_ref()
            .and_then(|d| backend.default_value(d))
        {
            Some(value) => sql.push(alter(format!("SET DEFAULT {value}"))),
            None => sql.push(alter("DROP DEFAULT".to_string())),
        }
    }
    Ok(sql)
}

/// The name of the temporary `CHECK (c IS NOT NULL)` before SET NOT NULL, within PostgreSQL's
/// 63 bytes (names are ASCII).
fn not_null_check_name(column: &str) -> String {
    let mut name = format!("{column}_not_null");
    name.truncate(63);
    name
}

/// A change of type family where the dialect cannot convert in place (Db2): a new column
/// `<column>_new` as the column becomes, the values copied by CAST (rows holding NULL get
/// `fill`), the old column dropped (with its REORG) and the new one renamed.
fn replace_column(
    backend: &dyn Backend,
    table: &TableDef,
    change: ColumnChange,
    fill: Option<&str>,
) -> Result<Vec<String>, Unsupported> {
    let name = backend.identifier(&table.name);
    let column = &change.after.name;
    let new_name = format!("{column}_new");
    let new_column = ColumnDef {
        name: new_name.clone(),
        ..change.after.clone()
    };
    let ty = backend.column_type(change.after.ty)?;
    let mut value = format!("CAST({} AS {ty})", backend.identifier(column));
    if let Some(fill) = fill {
        value = format!("COALESCE({value}, {fill})");
    }
    let mut sql = if new_column.nullable || new_column.default.is_some() {
        backend.add_column(table, &new_column)?
    } else {
        backend
            .add_column_filled(table, &new_column, &backend.placeholder(new_column.ty))?
            .ok_or_else(|| Unsupported("this dialect cannot drop a default".to_string()))?
    };
    sql.push(format!(
        "UPDATE {name} SET {} = {value};",
        backend.identifier(&new_name)
    ));
    sql.extend(backend.drop_column(table, column));
    sql.push(backend.rename_column(table, &new_name, column));
    Ok(sql)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_fit_text_of_their_digits_and_sign() {
        assert_eq!(integer_text_range(1), (0, 9));
        assert_eq!(integer_text_range(3), (-99, 999));
        assert_eq!(integer_text_range(19), (-999_999_999_999_999_999, i64::MAX));
    }
}
