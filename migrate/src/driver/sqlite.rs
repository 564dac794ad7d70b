//! SQLite through rusqlite.
//!
//! Locking: every migration runs in `BEGIN IMMEDIATE`, which takes the database's write lock
//! before anything is read; a second runner waits in the busy handler (see
//! [`BUSY_TIMEOUT`]) and, once in, re-checks the tracking table. A killed runner's lock is
//! released by the operating system with its file handles, and its journal is rolled back by the
//! next connection.

use std::path::Path;
use std::time::Duration;

use rusqlite::OpenFlags;
use rusqlite::fallible_iterator::FallibleIterator;

use super::{
    AppliedMigration, Connection, ForeignKeyViolations, confirm_foreign_keys, foreign_keys_pragma,
};
use crate::error::{DbError, ScriptError};
use crate::split::split_statements;
use crate::tracking::TrackingTable;
use migration_layout::Dialect;

/// How long a runner waits for another one's write transaction before giving up.
pub const BUSY_TIMEOUT: Duration = super::LOCK_WAIT_DEFAULT_SQLITE;

/// A SQLite database file.
pub struct SqliteConnection {
    conn: rusqlite::Connection,
    tracking: TrackingTable,
}

impl SqliteConnection {
    /// Opens (creating if needed) the database file at `path`.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        let conn = rusqlite::Connection::open(path).map_err(DbError::new)?;
        Self::from_connection(conn)
    }

    /// Opens the database file at `path` read-only, never creating it: a file that does not
    /// exist (in a directory that does) reads as an empty database.
    pub fn open_read_only(path: &Path) -> Result<Self, DbError> {
        let conn = if path.exists() && hot_journal(path) {
            // A crash left a journal to roll back, which a read-only connection cannot do
            // ("attempt to write a readonly database"): open read-write, never creating, and
            // let SQLite roll it back; query_only keeps this connection from writing anything.
            rusqlite::Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
                .and_then(|conn| conn.execute_batch("PRAGMA query_only = ON").map(|()| conn))
        } else if path.exists() {
            rusqlite::Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        } else {
            let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
            if parent.is_some_and(|dir| !dir.is_dir()) {
                return Err(DbError::new(format!(
                    "directory of {} does not exist",
                    path.display()
                )));
            }
            rusqlite::Connection::open_in_memory()
        };
        Self::from_connection(conn.map_err(DbError::new)?)
    }

    /// Wraps an open connection, turning on foreign keys and the busy timeout.
    pub fn from_connection(conn: rusqlite::Connection) -> Result<Self, DbError> {
        conn.busy_timeout(BUSY_TIMEOUT).map_err(DbError::new)?;
        conn.execute_batch("PRAGMA foreign_keys = ON")
            .map_err(DbError::new)?;
        Ok(SqliteConnection {
            conn,
            tracking: TrackingTable::default(),
        })
    }
}

/// One tracking row; a value of the wrong type names the row and the column.
fn read_applied_row(
    table: &TrackingTable,
    row: &rusqlite::Row<'_>,
) -> Result<AppliedMigration, DbError> {
    let id: Option<String> = row.get(0).ok().flatten();
    let damaged = |column: usize, error: rusqlite::Error| match error {
        rusqlite::Error::InvalidColumnType(_, _, rusqlite::types::Type::Null) => {
            super::damaged_row(table, id.as_deref(), column, "NULL")
        }
        rusqlite::Error::InvalidColumnType(_, _, kind) => super::damaged_row(
            table,
            id.as_deref(),
            column,
            &format!("a value of SQLite type {}", kind.to_string().to_uppercase()),
        ),
        other => DbError::new(other),
    };
    Ok(AppliedMigration {
        id: row.get(0).map_err(|e| damaged(0, e))?,
        applied_at: row.get(1).map_err(|e| damaged(1, e))?,
        checksum: row.get(2).map_err(|e| damaged(2, e))?,
        duration_ms: row.get(3).map_err(|e| damaged(3, e))?,
    })
}

/// Whether `path` has a rollback journal beside it (`PATH-journal`, not empty): after a crash
/// mid-transaction, a hot journal the next connection must roll back.
fn hot_journal(path: &Path) -> bool {
    let mut journal = path.as_os_str().to_owned();
    journal.push("-journal");
    std::fs::metadata(journal).is_ok_and(|m| m.len() > 0)
}

/// A statement's text as SQLite hands it back (leading comments, trailing `;`), cleaned like
/// the splitter cleans it.
fn without_comments(raw: &str) -> String {
    split_statements(raw)
        .first()
        .map_or_else(|| raw.trim().to_string(), |s| s.text.to_string())
}

impl Connection for SqliteConnection {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn tracking_table(&self) -> &TrackingTable {
        &self.tracking
    }

    fn set_tracking_table(&mut self, table: TrackingTable) {
        self.tracking = table;
    }

    fn begin(&mut self) -> Result<(), DbError> {
        self.execute("BEGIN")
    }

    /// The busy timeout: `timeout`, or [`BUSY_TIMEOUT`].
    fn set_lock_wait(&mut self, timeout: Option<Duration>, notice: fn(&str)) {
        let _ = notice;
        let _ = self.conn.busy_timeout(timeout.unwrap_or(BUSY_TIMEOUT));
    }

    /// `BEGIN IMMEDIATE` takes the write lock before anything is read (the tracking table is
    /// created under it), so runners queue in the busy handler instead of failing on a
    /// read-to-write lock upgrade.
    fn begin_exclusive(&mut self, create_tracking_table: bool) -> Result<(), DbError> {
        self.execute("BEGIN IMMEDIATE")?;
        if create_tracking_table {
            self.execute(&self.tracking().create_tracking_table())?;
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<(), DbError> {
        self.execute("COMMIT")
    }

    fn rollback(&mut self) -> Result<(), DbError> {
        if self.conn.is_autocommit() {
            return Ok(());
        }
        self.execute("ROLLBACK")
    }

    fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        self.conn.execute_batch(sql).map_err(DbError::new)
    }

    fn query_count(&mut self, sql: &str) -> Result<i64, DbError> {
        self.conn
            .query_row(sql, [], |row| row.get(0))
            .map_err(DbError::new)
    }

    fn query_applied(&mut self, sql: &str) -> Result<Vec<AppliedMigration>, DbError> {
        let mut statement = self.conn.prepare(sql).map_err(DbError::new)?;
        let rows = statement
            .query_map([], |row| Ok(read_applied_row(&self.tracking, row)))
            .map_err(DbError::new)?;
        rows.collect::<Result<Result<_, _>, _>>()
            .map_err(DbError::new)?
    }

    /// `PRAGMA foreign_keys`, outside a transaction only (inside one SQLite ignores it), then
    /// read back to make sure it took.
    fn query_rows(&mut self, sql: &str) -> Result<schema_shape::catalog::Rows, DbError> {
        sqlite_rows(&self.conn, sql).map_err(DbError::new)
    }

    fn set_foreign_keys(&mut self, enforced: bool) -> Result<(), DbError> {
        if !self.conn.is_autocommit() {
            return Err(DbError::new(
                "cannot change PRAGMA foreign_keys inside a transaction (SQLite ignores it there)",
            ));
        }
        self.execute(foreign_keys_pragma(enforced))?;
        let now = self.query_count("PRAGMA foreign_keys")?;
        confirm_foreign_keys(enforced, now)
    }

    fn foreign_key_violations(&mut self) -> Result<Option<ForeignKeyViolations>, DbError> {
        let mut statement = self
            .conn
            .prepare("PRAGMA foreign_key_check")
            .map_err(DbError::new)?;
        let mut rows = statement.query([]).map_err(DbError::new)?;
        let mut found: Option<ForeignKeyViolations> = None;
        while let Some(row) = rows.next().map_err(DbError::new)? {
            match &mut found {
                Some(found) => found.count += 1,
                None => {
                    found = Some(ForeignKeyViolations {
                        table: row.get(0).map_err(DbError::new)?,
                        rowid: row.get(1).map_err(DbError::new)?,
                        parent: row.get(2).map_err(DbError::new)?,
                        count: 1,
                    })
                }
            }
        }
        Ok(found)
    }

    /// Outside a transaction, [`execute_script`](Connection::execute_script) runs each
    /// statement in SQLite's autocommit mode.
    fn execute_script_autocommit(&mut self, sql: &str) -> Result<(), ScriptError> {
        if !self.conn.is_autocommit() {
            return Err(ScriptError {
                statement: None,
                sql: None,
                message: "a migration without a transaction was started inside one".to_string(),
            });
        }
        self.execute_script(sql)
    }

    /// Runs the script through SQLite's own parser, statement after statement, stepping each
    /// to completion (a `SELECT` in a migration is allowed).
    ///
    /// The script is handed over NUL-terminated, its length counting the NUL: given a length
    /// without one, `sqlite3_prepare` copies the rest of the script before parsing each
    /// statement, which made a file's time quadratic in its size (an 8 MB file: 17 s).
    fn execute_script(&mut self, sql: &str) -> Result<(), ScriptError> {
        if let Some(at) = sql.find('\0') {
            return Err(ScriptError {
                statement: None,
                sql: None,
                message: format!(
                    "the script contains a NUL byte (at byte {at}), where SQLite would stop reading it"
                ),
            });
        }
        let terminated = format!("{sql}\0");
        let mut batch = rusqlite::Batch::new(&self.conn, &terminated);
        let mut number = 0;
        let failure = |number: usize, text: Option<String>, error: rusqlite::Error| ScriptError {
            statement: Some(number),
            sql: text.or_else(|| {
                split_statements(sql)
                    .get(number - 1)
                    .map(|s| s.text.to_string())
            }),
            message: DbError::new(error).message,
        };
        loop {
            let mut statement = match batch.next() {
                Ok(Some(statement)) => statement,
                Ok(None) => return Ok(()),
                Err(error) => return Err(failure(number + 1, None, error)),
            };
            number += 1;
            let mut rows = statement.raw_query();
            loop {
                match rows.next() {
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(error) => {
                        drop(rows);
                        let text = statement.expanded_sql().map(|raw| without_comments(&raw));
                        return Err(failure(number, text, error));
                    }
                }
            }
        }
    }
}

/// Every row of `sql`, each cell as text (`None` for NULL): the rows `schema-shape`'s catalog
/// queries read. (The test harness has its own copy: it cannot depend on migrate.)
fn sqlite_rows(
    conn: &rusqlite::Connection,
    sql: &str,
) -> rusqlite::Result<schema_shape::catalog::Rows> {
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
