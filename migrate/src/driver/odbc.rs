//! Any ODBC data source (Db2; SQLite and PostgreSQL through their ODBC drivers) via odbc-api.
//!
//! Autocommit is off: a transaction starts implicitly with the first statement. Scripts are
//! split with [`crate::split`] and sent one statement per call, without the trailing `;`.
//!
//! Locking: each migration's transaction starts with
//! [`TrackingSql::lock_tracking_table`](crate::tracking::TrackingSql::lock_tracking_table)
//! (`LOCK TABLE ... IN EXCLUSIVE MODE` on Db2 and PostgreSQL, a write to the tracking table on
//! SQLite), then re-checks the tracking row. The lock ends with the transaction, and the server
//! (or, for SQLite, the operating system) ends the transaction of a killed runner. On
//! PostgreSQL the command also holds the native driver's session advisory lock
//! ([`super::ADVISORY_LOCK_KEY`]), so a migration run without a transaction is excluded too, and
//! native and ODBC runners queue behind the same lock.

use odbc_api::buffers::TextRowSet;
use odbc_api::{ConnectionOptions, Cursor};

use super::{AppliedMigration, Connection, ForeignKeyViolations};
use super::{confirm_foreign_keys, foreign_keys_pragma};
use crate::error::{DbError, Error, ScriptError, one_line};
use crate::redact::{password_of, redact, scrub};
use crate::tracking::TrackingTable;
use migration_layout::Dialect;

/// Rows fetched per round trip when reading the tracking table.
const FETCH_BATCH: usize = 256;
/// Upper bound for text columns read from the tracking table.
const MAX_TEXT: usize = 1024;

/// A connection to an ODBC data source.
pub struct OdbcConnection {
    conn: odbc_api::Connection<'static>,
    dialect: Dialect,
    tracking: TrackingTable,
    lock_timeout: Option<std::time::Duration>,
    notice: fn(&str),
}

impl OdbcConnection {
    /// Connects with a DSN-less connection string; the dialect is `dialect` or else read from
    /// the DBMS name the driver reports.
    pub fn connect(connection_string: &str, dialect: Option<Dialect>) -> Result<Self, Error> {
        let connect_error = |error: odbc_api::Error| Error::Connect {
            target: redact(&format!("odbc:{connection_string}")),
            message: one_line(
                &scrub(
                    &error.to_string(),
                    password_of(connection_string).as_deref(),
                ),
                2000,
            ),
            hint: crate::error::CONNECT_HINT.to_string(),
        };
        let environment = odbc_api::environment().map_err(connect_error)?;
        let conn = environment
            .connect_with_connection_string(connection_string, ConnectionOptions::default())
            .map_err(connect_error)?;
        let dbms = conn.database_management_system_name();
        let dialect = match (dialect, dbms) {
            (Some(wanted), Ok(dbms)) => match dialect_of_dbms(&dbms) {
                Some(found) if found != wanted => {
                    return Err(Error::BadTarget {
                        target: redact(&format!("odbc:{connection_string}")),
                        reason: format!(
                            "--dialect {wanted} does not match the DBMS of this ODBC driver, \
                             '{dbms}' ({found}): omit --dialect (it is read from the driver) \
                             or pass --dialect {found}"
                        ),
                    });
                }
                _ => wanted,
            },
            (Some(wanted), Err(_)) => wanted,
            (None, dbms) => {
                let dbms = dbms.map_err(connect_error)?;
                dialect_of_dbms(&dbms).ok_or(Error::UnknownDbms(dbms))?
            }
        };
        if dialect == Dialect::Sqlite {
            conn.execute("PRAGMA foreign_keys = ON", (), None)
                .map_err(connect_error)?;
        }
        conn.set_autocommit(false).map_err(connect_error)?;
        Ok(OdbcConnection {
            conn,
            dialect,
            tracking: TrackingTable::default(),
            lock_timeout: None,
            notice: |_| {},
        })
    }

    /// Every row of `sql` as text.
    fn query_text(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
        let Some(mut cursor) = self.conn.execute(sql, (), None).map_err(DbError::new)? else {
            return Ok(Vec::new());
        };
        let buffer = TextRowSet::for_cursor(FETCH_BATCH, &mut cursor, Some(MAX_TEXT))
            .map_err(DbError::new)?;
        let mut block = cursor.bind_buffer(buffer).map_err(DbError::new)?;
        let mut rows = Vec::new();
        while let Some(batch) = block.fetch().map_err(DbError::new)? {
            for row in 0..batch.num_rows() {
                let values = (0..batch.num_cols())
                    .map(|col| {
                        batch
                            .at_as_str(col, row)
                            .map(|value| value.map(str::to_string))
                            .map_err(DbError::new)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                rows.push(values);
            }
        }
        Ok(rows)
    }
}

/// Column `index` of a text row; `None` when NULL.
fn optional_text(row: &[Option<String>], index: usize) -> Option<String> {
    row.get(index).cloned().flatten()
}

/// Column `index` of a text row, or an error naming it.
fn text(row: &[Option<String>], index: usize) -> Result<String, DbError> {
    optional_text(row, index)
        .ok_or_else(|| DbError::new(format!("tracking table column {index} is NULL")))
}

/// A text value as an integer.
fn integer(value: &str) -> Result<i64, DbError> {
    value
        .trim()
        .parse()
        .map_err(|_| DbError::new(format!("expected an integer, got '{value}'")))
}

impl Connection for OdbcConnection {
    fn dialect(&self) -> Dialect {
        self.dialect
    }

    fn tracking_table(&self) -> &TrackingTable {
        &self.tracking
    }

    fn set_tracking_table(&mut self, table: TrackingTable) {
        self.tracking = table;
    }

    /// PostgreSQL: the session advisory lock (see [`super::wait_for_advisory_lock`]), each
    /// try in a transaction of its own (the lock outlives it). Other DBMSs: nothing.
    fn lock_session(&mut self) -> Result<(), DbError> {
        if self.dialect != Dialect::Postgres {
            return Ok(());
        }
        let (timeout, notice) = (self.lock_timeout, self.notice);
        let conn = std::cell::RefCell::new(self);
        super::wait_for_advisory_lock(
            timeout,
            notice,
            || {
                let mut conn = conn.borrow_mut();
                let taken = conn.query_count(&format!(
                    "SELECT CASE WHEN pg_try_advisory_lock({}) THEN 1 ELSE 0 END",
                    super::ADVISORY_LOCK_KEY
                ));
                conn.rollback()?;
                Ok(taken? == 1)
            },
            || {
                let mut conn = conn.borrow_mut();
                let holder = conn.query_count(&super::advisory_lock_holder_sql()).ok();
                let _ = conn.rollback();
                holder
            },
        )
    }

    fn set_lock_wait(&mut self, timeout: Option<std::time::Duration>, notice: fn(&str)) {
        self.lock_timeout = timeout;
        self.notice = notice;
    }

    fn unlock_session(&mut self) -> Result<(), DbError> {
        if self.dialect != Dialect::Postgres {
            return Ok(());
        }
        let unlocked = self.execute(&format!(
            "SELECT pg_advisory_unlock({})",
            super::ADVISORY_LOCK_KEY
        ));
        let ended = self.rollback();
        unlocked.and(ended)
    }

    fn begin(&mut self) -> Result<(), DbError> {
        Ok(())
    }

    fn begin_exclusive(&mut self, create_tracking_table: bool) -> Result<(), DbError> {
        let sql = self.tracking();
        if create_tracking_table {
            self.execute(&sql.create_tracking_table())?;
        }
        self.execute(&sql.lock_tracking_table())
    }

    fn commit(&mut self) -> Result<(), DbError> {
        self.conn.commit().map_err(DbError::new)
    }

    fn rollback(&mut self) -> Result<(), DbError> {
        self.conn.rollback().map_err(DbError::new)
    }

    fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        self.conn
            .execute(sql, (), None)
            .map(drop)
            .map_err(DbError::new)
    }

    fn query_count(&mut self, sql: &str) -> Result<i64, DbError> {
        let rows = self.query_text(sql)?;
        let first = rows
            .first()
            .ok_or_else(|| DbError::new(format!("no row returned by {sql}")))?;
        integer(&text(first, 0)?)
    }

    fn query_applied(&mut self, sql: &str) -> Result<Vec<AppliedMigration>, DbError> {
        let rows = self.query_text(sql)?;
        super::applied_from_text(&self.tracking, rows)
    }

    /// Each statement goes to the driver from a buffer of its own that ends in a NUL byte
    /// just past the length passed: some drivers (psqlODBC) run `strlen` over the text they
    /// are given, which on a slice of the script read on to the script's end, once per
    /// statement, so a file's time was quadratic in its size (8 MB: 15 s).
    fn query_rows(&mut self, sql: &str) -> Result<schema_shape::catalog::Rows, DbError> {
        self.query_text(sql)
    }

    fn execute_script(&mut self, sql: &str) -> Result<(), ScriptError> {
        let mut buffer = String::new();
        super::execute_split(sql, |statement| {
            self.execute(nul_terminated(&mut buffer, statement))
        })
    }

    /// The script with the connection in autocommit mode, then autocommit off again (called
    /// between transactions, so switching commits nothing of the runner's).
    fn execute_script_autocommit(&mut self, sql: &str) -> Result<(), ScriptError> {
        let failed_switch = |error: odbc_api::Error| ScriptError {
            statement: None,
            sql: None,
            message: DbError::new(error).message,
        };
        self.conn.set_autocommit(true).map_err(failed_switch)?;
        let result = self.execute_script(sql);
        let manual = self.conn.set_autocommit(false).map_err(failed_switch);
        result?;
        manual
    }

    /// Db2: `SYSIBMADM.ADMINTABINFO`'s tables with `REORG_PENDING = 'Y'` in the current
    /// schema. Other DBMSs: none.
    fn reorg_pending_tables(&mut self) -> Result<Vec<String>, DbError> {
        if self.dialect != Dialect::Db2 {
            return Ok(Vec::new());
        }
        let rows = self.query_text(
            "SELECT TRIM(TABSCHEMA) || '.' || TRIM(TABNAME) FROM SYSIBMADM.ADMINTABINFO \
             WHERE REORG_PENDING = 'Y' AND TABSCHEMA = CURRENT SCHEMA ORDER BY TABNAME",
        )?;
        Ok(rows
            .iter()
            .filter_map(|row| optional_text(row, 0))
            .collect())
    }

    /// On SQLite, `PRAGMA foreign_keys` in autocommit mode, so the driver opens no transaction
    /// around it (SQLite would ignore it there), read back, then autocommit off again. Called
    /// between transactions, so switching autocommit on commits nothing. Other DBMSs: nothing.
    fn set_foreign_keys(&mut self, enforced: bool) -> Result<(), DbError> {
        if self.dialect != Dialect::Sqlite {
            return Ok(());
        }
        self.conn.set_autocommit(true).map_err(DbError::new)?;
        let set = self
            .execute(foreign_keys_pragma(enforced))
            .and_then(|()| self.query_count("PRAGMA foreign_keys"));
        let manual = self.conn.set_autocommit(false).map_err(DbError::new);
        let now = set?;
        manual?;
        confirm_foreign_keys(enforced, now)
    }

    fn foreign_key_violations(&mut self) -> Result<Option<ForeignKeyViolations>, DbError> {
        if self.dialect != Dialect::Sqlite {
            return Ok(None);
        }
        let rows = self.query_text("PRAGMA foreign_key_check")?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        Ok(Some(ForeignKeyViolations {
            table: text(first, 0)?,
            rowid: optional_text(first, 1)
                .as_deref()
                .map(integer)
                .transpose()?,
            parent: text(first, 2)?,
            count: rows.len(),
        }))
    }
}

/// `statement` copied into `buffer` with a NUL byte after it, outside the returned text: a
/// driver that runs `strlen` over the text stops at the statement's end.
fn nul_terminated<'b>(buffer: &'b mut String, statement: &str) -> &'b str {
    buffer.clear();
    buffer.push_str(statement);
    buffer.push('\0');
    &buffer[..statement.len()]
}

/// The dialect of an ODBC data source, from the DBMS name its driver reports.
fn dialect_of_dbms(dbms: &str) -> Option<Dialect> {
    let lower = dbms.to_ascii_lowercase();
    if lower.contains("sqlite") {
        Some(Dialect::Sqlite)
    } else if lower.contains("postgres") {
        Some(Dialect::Postgres)
    } else if lower.starts_with("db2") {
        Some(Dialect::Db2)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialects_come_from_the_dbms_names_drivers_report() {
        assert_eq!(dialect_of_dbms("DB2/LINUXX8664"), Some(Dialect::Db2));
        assert_eq!(dialect_of_dbms("SQLite"), Some(Dialect::Sqlite));
        assert_eq!(dialect_of_dbms("PostgreSQL"), Some(Dialect::Postgres));
        assert_eq!(dialect_of_dbms("Oracle"), None);
    }

    /// What a driver that runs `strlen` over a statement reads: the statement, not the rest
    /// of the script (which made applying a file quadratic in its size through psqlODBC).
    #[test]
    fn statements_reach_the_driver_nul_terminated() {
        let script = "CREATE TABLE a (x INT); INSERT INTO a VALUES (1); INSERT INTO a VALUES (2);";
        let mut buffer = String::new();
        let mut read = 0;
        for statement in crate::split::split_statements(script) {
            let text = nul_terminated(&mut buffer, statement.text);
            assert_eq!(text, statement.text);
            let bytes = buffer.as_bytes();
            let strlen = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
            assert_eq!(strlen, statement.text.len());
            read += strlen;
        }
        assert!(read < script.len());
    }
}
