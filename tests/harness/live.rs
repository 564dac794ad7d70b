//! A test's own connection to a database, whatever driver the runner used on it: its catalog
//! ([`introspect`](crate::introspect)) and its rows as text, the same way on every engine.

use crate::introspect;
use schema_shape::SchemaShape;
use std::path::Path;

/// A connection through the engine's native driver (ODBC for Db2).
pub enum Live {
    /// rusqlite, foreign keys on.
    Sqlite(rusqlite::Connection),
    /// The `postgres` crate.
    Postgres(postgres::Client),
    /// ODBC, autocommit on.
    Db2(odbc_api::Connection<'static>),
}

impl Live {
    /// The SQLite file at `path`.
    pub fn sqlite(path: &Path) -> Live {
        let conn = rusqlite::Connection::open(path)
            .unwrap_or_else(|e| panic!("opening {}: {e}", path.display()));
        conn.execute_batch("PRAGMA foreign_keys = ON")
            .unwrap_or_else(|e| panic!("foreign keys: {e}"));
        Live::Sqlite(conn)
    }

    /// The Db2 of `connection_string`.
    pub fn db2(connection_string: &str) -> Live {
        let environment = odbc_api::environment().unwrap_or_else(|e| panic!("ODBC: {e}"));
        let conn = environment
            .connect_with_connection_string(connection_string, Default::default())
            .unwrap_or_else(|e| panic!("connecting to Db2: {e}"));
        Live::Db2(conn)
    }

    /// The live schema.
    pub fn introspect(&mut self) -> SchemaShape {
        match self {
            Live::Sqlite(conn) => introspect::sqlite(conn).unwrap_or_else(|e| panic!("{e}")),
            Live::Postgres(client) => {
                introspect::postgres(client).unwrap_or_else(|e| panic!("{e}"))
            }
            Live::Db2(conn) => introspect::db2(conn).unwrap_or_else(|e| panic!("{e}")),
        }
    }

    /// Every row of `sql`, each cell as text in the engine's own spelling (`None` for NULL).
    pub fn rows(&mut self, sql: &str) -> Vec<Vec<Option<String>>> {
        match self {
            Live::Sqlite(conn) => {
                introspect::sqlite_rows(conn, sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
            Live::Postgres(client) => {
                introspect::postgres_rows(client, sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
            Live::Db2(conn) => {
                introspect::odbc_rows(conn, sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
        }
    }

    /// Runs `sql` and commits it.
    pub fn execute(&mut self, sql: &str) {
        match self {
            Live::Sqlite(conn) => conn
                .execute_batch(sql)
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
            Live::Postgres(client) => client
                .batch_execute(sql)
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
            Live::Db2(conn) => {
                conn.execute(sql, (), None)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
        }
    }
}
