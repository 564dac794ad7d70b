//! A live database's schema, read from its catalog through the test's own driver connection.
//!
//! The catalog queries and the comparison are `schema-shape`'s, the same code `migrate drift`
//! and `migrate up`'s adoption check run ([`schema_shape::catalog`],
//! [`SchemaShape::differences`]); here they run over rusqlite, the `postgres` crate or ODBC,
//! so the suites prove that code on every engine. The expected shapes come from
//! `schema_sql::shape`.

use migration_layout::Dialect;
use schema_shape::SchemaShape;
use schema_shape::catalog::{self, Rows, Scope};

/// The schema of a SQLite database (every table, the tracking table included).
pub fn sqlite(conn: &rusqlite::Connection) -> rusqlite::Result<SchemaShape> {
    catalog::read(Dialect::Sqlite, Scope::All, &mut |sql| {
        sqlite_rows(conn, sql)
    })
}

/// The schema of PostgreSQL's current schema (every table, the tracking table included).
pub fn postgres(client: &mut postgres::Client) -> Result<SchemaShape, postgres::Error> {
    catalog::read(Dialect::Postgres, Scope::All, &mut |sql| {
        postgres_rows(client, sql)
    })
}

/// The schema of a Db2 connection's current schema (every table).
pub fn db2(conn: &odbc_api::Connection<'_>) -> Result<SchemaShape, odbc_api::Error> {
    catalog::read(Dialect::Db2, Scope::All, &mut |sql| odbc_rows(conn, sql))
}

/// Each table whose columns are in another order than `expected` gives, one line each (the
/// comparator leaves order out: an engine that can only append puts a restored column last).
pub fn column_order_differences(live: &SchemaShape, expected: &SchemaShape) -> Vec<String> {
    let names = |columns: &[schema_shape::ColumnShape]| -> Vec<String> {
        columns.iter().map(|c| c.name.clone()).collect()
    };
    expected
        .tables
        .iter()
        .filter_map(|(name, want)| {
            let live = live.tables.get(name)?;
            let (live, want) = (names(&live.columns), names(&want.columns));
            (live != want).then(|| format!("table `{name}`: columns {live:?}, expected {want:?}"))
        })
        .collect()
}

/// Every row of `sql` on SQLite, each cell as text (`None` for NULL).
pub fn sqlite_rows(conn: &rusqlite::Connection, sql: &str) -> rusqlite::Result<Rows> {
    use rusqlite::types::ValueRef;
    let mut statement = conn.prepare(sql)?;
    let columns = statement.column_count();
    let rows = statement.query_map([], |row| {
        (0..columns)
            .map(|i| {
                Ok(match row.get_ref(i)? {
                    ValueRef::Null => None,
                    ValueRef::Integer(n) => Some(n.to_string()),
                    ValueRef::Real(x) => Some(x.to_string()),
                    ValueRef::Text(text) | ValueRef::Blob(text) => {
                        Some(String::from_utf8_lossy(text).into_owned())
                    }
                })
            })
            .collect()
    })?;
    rows.collect()
}

/// Every row of `sql` on PostgreSQL (simple query protocol: every cell as text).
pub fn postgres_rows(client: &mut postgres::Client, sql: &str) -> Result<Rows, postgres::Error> {
    Ok(client
        .simple_query(sql)?
        .into_iter()
        .filter_map(|message| match message {
            postgres::SimpleQueryMessage::Row(row) => Some(
                (0..row.len())
                    .map(|i| row.get(i).map(str::to_string))
                    .collect(),
            ),
            _ => None,
        })
        .collect())
}

/// Every row of `sql` on an ODBC connection, each cell as trimmed text (`None` for NULL).
pub fn odbc_rows(conn: &odbc_api::Connection<'_>, sql: &str) -> Result<Rows, odbc_api::Error> {
    use odbc_api::Cursor;

    let Some(mut cursor) = conn.execute(sql, (), None)? else {
        return Ok(Vec::new());
    };
    let buffer = odbc_api::buffers::TextRowSet::for_cursor(256, &mut cursor, Some(4096))?;
    let mut block = cursor.bind_buffer(buffer)?;
    let mut rows = Vec::new();
    while let Some(batch) = block.fetch()? {
        for row in 0..batch.num_rows() {
            rows.push(
                (0..batch.num_cols())
                    .map(|col| {
                        batch
                            .at(col, row)
                            .map(|bytes| String::from_utf8_lossy(bytes).trim().to_string())
                    })
                    .collect(),
            );
        }
    }
    Ok(rows)
}
