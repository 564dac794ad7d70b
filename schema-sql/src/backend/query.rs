//! The SQL text of a table's four statements, and sea-query's rendering of them.

use schema_dsl::TableDef;
use sea_query::{Expr, ExprTrait, OnConflict, Query, QueryBuilder, Value};

/// The SQL text of the four statements of one table, as a backend renders it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DmlSql {
    /// Inserts one row; binds every column, in declaration order.
    pub insert: String,
    /// Inserts one row or updates the row with its primary key; binds every column.
    pub upsert: String,
    /// Selects every column of the row with a key; binds the key columns.
    pub select_by_key: String,
    /// Deletes the row with a key; binds the key columns.
    pub delete_by_key: String,
}

/// The conflict target of an upsert on `table`'s primary key columns.
pub(crate) fn primary_key_conflict(table: &TableDef) -> OnConflict {
    OnConflict::columns(table.primary_key().into_iter().map(String::from))
}

/// The four statements of `table` built with sea-query's `builder` (SQLite, PostgreSQL),
/// the upsert updating every other column on `conflict`.
pub(crate) fn sea_query_dml(
    builder: &impl QueryBuilder,
    table: &TableDef,
    mut conflict: OnConflict,
) -> DmlSql {
    let name = table.name.clone();
    let columns: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
    let key: Vec<String> = table.primary_key().into_iter().map(String::from).collect();
    let others: Vec<String> = columns
        .iter()
        .filter(|c| !key.contains(c))
        .cloned()
        .collect();
    let placeholder = || Expr::val(Value::Int(Some(0)));
    let row = columns.iter().map(|_| placeholder());

    let mut insert = Query::insert();
    insert
        .into_table(name.clone())
        .columns(columns.clone())
        .values_panic(row.clone());
    let mut upsert = insert.clone();
    if others.is_empty() {
        conflict.do_nothing();
    } else {
        conflict.update_columns(others);
    }
    upsert.on_conflict(conflict);

    let by_key = key
        .iter()
        .map(|k| Expr::col(k.clone()).eq(placeholder()))
        .reduce(|all, one| all.and(one))
        .unwrap_or_else(|| Expr::val(true));
    let mut select = Query::select();
    select
        .columns(columns)
        .from(name.clone())
        .and_where(by_key.clone());
    let mut delete = Query::delete();
    delete.from_table(name).and_where(by_key);

    DmlSql {
        insert: insert.build_any(builder).0,
        upsert: upsert.build_any(builder).0,
        select_by_key: select.build_any(builder).0,
        delete_by_key: delete.build_any(builder).0,
    }
}
