//! One [`Connection`] implementation per database driver; the runner uses nothing else.
//!
//! Capabilities that differ per engine (how a script is executed, how runners exclude each
//! other) live here, once per driver; the tracking-table SQL lives in [`crate::tracking`].

#[cfg(feature = "odbc")]
mod odbc;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(feature = "postgres")]
pub mod tls;

#[cfg(feature = "odbc")]
pub use self::odbc::OdbcConnection;
#[cfg(feature = "postgres")]
pub use self::postgres::PostgresConnection;
#[cfg(feature = "sqlite")]
pub use self::sqlite::SqliteConnection;

use crate::error::{DbError, ScriptError};
use crate::tracking::{TrackingSql, TrackingTable};
use migration_layout::Dialect;

/// One row of the tracking table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AppliedMigration {
    /// `<group>/<NNNN>_<name>`.
    pub id: String,
    /// When it was applied, as text (UTC).
    pub applied_at: String,
    /// Checksum of the up file as applied; `None` for a row an older runner wrote (see
    /// [`TrackingSql::tracking_upgrades`])
    /// until `rebless` records it.
    pub checksum: Option<String>,
    /// How long the migration took, when known.
    pub duration_ms: Option<i64>,
}

/// What `PRAGMA foreign_key_check` found: its first row, and how many rows it returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKeyViolations {
    /// The table holding the first row whose foreign key has no parent row.
    pub table: String,
    /// That row's rowid (`None` for a `WITHOUT ROWID` table).
    pub rowid: Option<i64>,
    /// The table its foreign key references.
    pub parent: String,
    /// How many rows violate a foreign key (at least 1).
    pub count: usize,
}

/// A database connection the runner can drive.
///
/// Transactions are explicit: the runner calls [`begin`](Connection::begin) or
/// [`begin_exclusive`](Connection::begin_exclusive), then [`commit`](Connection::commit) or
/// [`rollback`](Connection::rollback).
pub trait Connection {
    /// The SQL dialect spoken on this connection.
    fn dialect(&self) -> Dialect;

    /// The table this connection's runner tracks migrations in ([`TrackingTable::default`],
    /// `_migrations`, until [`set_tracking_table`](Connection::set_tracking_table)).
    fn tracking_table(&self) -> &TrackingTable;

    /// Tracks migrations in `table` from now on: every tracking statement, and the lock
    /// [`begin_exclusive`](Connection::begin_exclusive) takes, name it.
    fn set_tracking_table(&mut self, table: TrackingTable);

    /// The tracking table's SQL in this connection's dialect.
    fn tracking(&self) -> TrackingSql {
        self.tracking_table().sql(self.dialect())
    }

    /// Takes a lock held for the whole session, released when the connection ends (even by a
    /// crash). Drivers without one lock per transaction instead.
    fn lock_session(&mut self) -> Result<(), DbError> {
        Ok(())
    }

    /// How long [`lock_session`](Connection::lock_session) (PostgreSQL's advisory lock) and
    /// SQLite's write lock wait for another runner before failing: `None` waits as long as it
    /// takes (PostgreSQL; SQLite's busy timeout stays [`LOCK_WAIT_DEFAULT_SQLITE`]). `notice`
    /// is called once when the wait has lasted a second. Locks taken inside each transaction
    /// through the server's own lock wait (ODBC's `LOCK TABLE`) do not use it; ODBC's
    /// PostgreSQL advisory lock does.
    fn set_lock_wait(&mut self, timeout: Option<std::time::Duration>, notice: fn(&str)) {
        let _ = (timeout, notice);
    }

    /// Releases the lock taken by [`lock_session`](Connection::lock_session).
    fn unlock_session(&mut self) -> Result<(), DbError> {
        Ok(())
    }

    /// Starts a transaction for reading.
    fn begin(&mut self) -> Result<(), DbError>;

    /// Starts a transaction holding the write lock that keeps other runners out until it ends.
    /// With `create_tracking_table`, the tracking table's
    /// [`CREATE TABLE`](TrackingSql::create_tracking_table) runs first in the same transaction
    /// (the table does not exist yet), so creating it costs no commit of its own.
    fn begin_exclusive(&mut self, create_tracking_table: bool) -> Result<(), DbError>;

    /// Commits the current transaction.
    fn commit(&mut self) -> Result<(), DbError>;

    /// Rolls back the current transaction.
    fn rollback(&mut self) -> Result<(), DbError>;

    /// Executes one statement that returns no rows.
    fn execute(&mut self, sql: &str) -> Result<(), DbError>;

    /// Runs a query whose first column of its first row is an integer.
    fn query_count(&mut self, sql: &str) -> Result<i64, DbError>;

    /// Runs [`TrackingSql::select_applied`].
    fn query_applied(&mut self, sql: &str) -> Result<Vec<AppliedMigration>, DbError>;

    /// Every row of `sql` (a catalog query, see [`schema_shape::catalog`]), each cell as text
    /// (`None` for NULL).
    fn query_rows(&mut self, sql: &str) -> Result<schema_shape::catalog::Rows, DbError>;

    /// Executes a whole migration script inside the current transaction; on failure says which
    /// statement failed, when the driver can tell.
    fn execute_script(&mut self, sql: &str) -> Result<(), ScriptError>;

    /// Executes a script outside any transaction, one statement at a time, each committed on
    /// its own (autocommit), for a migration with the
    /// [`NO_TRANSACTION`](migration_layout::directive::NO_TRANSACTION) directive; called
    /// between transactions. Stops at the first failure, naming the statement; the statements
    /// before it stay committed.
    fn execute_script_autocommit(&mut self, sql: &str) -> Result<(), ScriptError>;

    /// The tables of the current schema that wait for a reorganisation before they can be
    /// used again, as `SCHEMA.TABLE`: Db2's reorg-pending state (SQL0668N reason 7, after
    /// `DROP COLUMN`, `SET NOT NULL` or `SET DATA TYPE` without `REORG TABLE`). Other engines
    /// have no such state (the default: none).
    fn reorg_pending_tables(&mut self) -> Result<Vec<String>, DbError> {
        Ok(Vec::new())
    }

    /// Turns foreign-key enforcement off (`false`) or back on (`true`) for this connection,
    /// called outside any transaction, around a migration with the
    /// [`FOREIGN_KEYS_OFF`](migration_layout::directive::FOREIGN_KEYS_OFF) directive. Only
    /// SQLite needs it (it ignores `PRAGMA foreign_keys` inside a transaction, and a rebuilt
    /// parent table's drop would cascade into its children); its drivers fail when the setting
    /// did not take. Other engines ignore the directive: the default does nothing.
    fn set_foreign_keys(&mut self, enforced: bool) -> Result<(), DbError> {
        let _ = enforced;
        Ok(())
    }

    /// The rows of the database that violate a foreign key (SQLite's `PRAGMA
    /// foreign_key_check`), read inside the current transaction before it commits; `None` when
    /// there are none, and always on engines that enforce foreign keys in every transaction
    /// (the default).
    fn foreign_key_violations(&mut self) -> Result<Option<ForeignKeyViolations>, DbError> {
        Ok(None)
    }
}

/// The columns [`Connection::query_applied`] reads, in order.
#[cfg_attr(
    not(any(feature = "sqlite", feature = "postgres", feature = "odbc")),
    allow(dead_code)
)]
pub(crate) const APPLIED_COLUMNS: [&str; 4] =
    ["migration_id", "applied_at", "checksum", "duration_ms"];

/// The tracking table's rows read as text (`migration_id`, `applied_at`, `checksum`,
/// `duration_ms`, as [`TrackingSql::select_applied`] selects them), each value checked: a
/// NULL where a value must be, or a duration that is not an integer, is named by row and
/// column ([`damaged_row`]). Checksums lose the padding a CHAR column gives them.
#[cfg_attr(not(any(feature = "postgres", feature = "odbc")), allow(dead_code))]
pub(crate) fn applied_from_text(
    table: &TrackingTable,
    rows: Vec<Vec<Option<String>>>,
) -> Result<Vec<AppliedMigration>, DbError> {
    rows.into_iter()
        .map(|mut row| {
            row.resize(APPLIED_COLUMNS.len(), None);
            let [id, applied_at, checksum, duration] =
                <[Option<String>; 4]>::try_from(row).unwrap_or_default();
            let damaged =
                |column: usize, problem: &str| damaged_row(table, id.as_deref(), column, problem);
            let duration_ms = duration
                .map(|value| {
                    value
                        .trim()
                        .parse()
                        .map_err(|_| damaged(3, &format!("'{value}', not an integer,")))
                })
                .transpose()?;
            Ok(AppliedMigration {
                id: id.clone().ok_or_else(|| damaged(0, "NULL"))?,
                applied_at: applied_at.ok_or_else(|| damaged(1, "NULL"))?,
                checksum: checksum.map(|c| c.trim_end().to_string()),
                duration_ms,
            })
        })
        .collect()
}

/// The error for a tracking row whose `column` (an index into [`APPLIED_COLUMNS`]) holds what
/// the runner cannot read (`problem`: `NULL`, `a value of SQLite type TEXT`, …): names the
/// row and the column, and what the column must hold.
#[cfg_attr(
    not(any(feature = "sqlite", feature = "postgres", feature = "odbc")),
    allow(dead_code)
)]
pub(crate) fn damaged_row(
    table: &TrackingTable,
    id: Option<&str>,
    column: usize,
    problem: &str,
) -> DbError {
    let name = APPLIED_COLUMNS.get(column).copied().unwrap_or("?");
    let row = match id {
        Some(id) => format!("the row of migration {id}"),
        None => "a row with no migration_id".to_string(),
    };
    let expected = match name {
        "migration_id" => "the migration's id (e.g. basic/0001_source_configs)",
        "applied_at" => "when it was applied (a timestamp, or ISO 8601 text on SQLite)",
        "checksum" => "the up file's SHA-256 in hex, or NULL (then `spine-migrate rebless ID`)",
        _ => "an integer number of milliseconds, or NULL",
    };
    DbError::new(format!(
        "the tracking table {table} is damaged: {row} has {problem} in column {name}, \
         which must hold {expected}; repair that value with SQL (or delete the row if the \
         migration is not applied) and run again"
    ))
}

/// The PostgreSQL advisory lock key every runner takes for its whole command, through the
/// native driver or ODBC ("SPINEMIG" in ASCII).
pub const ADVISORY_LOCK_KEY: i64 = 0x5350_494E_454D_4947;

/// Takes PostgreSQL's session advisory lock [`ADVISORY_LOCK_KEY`] through `try_lock` (one
/// `pg_try_advisory_lock`) every 100 ms: after a second says once that it waits (`notice`),
/// and after `timeout` fails naming the holder (`holder`: its backend pid, when found).
#[cfg_attr(not(any(feature = "postgres", feature = "odbc")), allow(dead_code))]
pub(crate) fn wait_for_advisory_lock(
    timeout: Option<std::time::Duration>,
    notice: fn(&str),
    mut try_lock: impl FnMut() -> Result<bool, DbError>,
    holder: impl FnOnce() -> Option<i64>,
) -> Result<(), DbError> {
    let started = std::time::Instant::now();
    let mut noticed = false;
    loop {
        if try_lock()? {
            return Ok(());
        }
        let waited = started.elapsed();
        if let Some(timeout) = timeout
            && waited >= timeout
        {
            let holder = holder()
                .map(|pid| format!(" (PostgreSQL backend pid {pid})"))
                .unwrap_or_default();
            return Err(lock_timed_out(timeout, &holder));
        }
        if !noticed && waited >= std::time::Duration::from_secs(1) {
            notice(LOCK_WAIT_NOTICE);
            noticed = true;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// The query naming the backend that holds [`ADVISORY_LOCK_KEY`] in this database (its pid, a
/// `bigint`): advisory locks belong to a database, and runners of other databases of the
/// cluster hold the same key.
#[cfg_attr(not(any(feature = "postgres", feature = "odbc")), allow(dead_code))]
pub(crate) fn advisory_lock_holder_sql() -> String {
    format!(
        "SELECT pid::bigint FROM pg_locks WHERE locktype = 'advisory' AND granted \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND ((classid::bigint << 32) | objid::bigint) = {ADVISORY_LOCK_KEY} LIMIT 1"
    )
}

/// SQLite's busy timeout when no `--lock-timeout` is given.
pub const LOCK_WAIT_DEFAULT_SQLITE: std::time::Duration = std::time::Duration::from_secs(120);

/// What [`Connection::set_lock_wait`]'s notice says.
pub const LOCK_WAIT_NOTICE: &str = "waiting for the migration lock held by another runner…";

/// The error after `waited` without the lock; `holder` says who holds it, when known.
#[cfg_attr(not(any(feature = "postgres", feature = "odbc")), allow(dead_code))]
pub(crate) fn lock_timed_out(waited: std::time::Duration, holder: &str) -> DbError {
    DbError::new(format!(
        "timed out after {} s waiting for the migration lock held by another runner{holder}; \
         let that runner finish (or stop it) and run again, or raise --lock-timeout",
        waited.as_secs()
    ))
}

/// Runs `script`'s statements one at a time through `execute`, naming the one that fails.
#[cfg_attr(not(any(feature = "postgres", feature = "odbc")), allow(dead_code))]
pub(crate) fn execute_split(
    script: &str,
    mut execute: impl FnMut(&str) -> Result<(), DbError>,
) -> Result<(), ScriptError> {
    for statement in crate::split::split_statements(script) {
        execute(statement.text).map_err(|error| ScriptError {
            statement: Some(statement.number),
            sql: Some(statement.text.to_string()),
            message: error.message,
        })?;
    }
    Ok(())
}

/// The statement that turns SQLite's foreign-key enforcement on or off.
#[cfg_attr(not(any(feature = "sqlite", feature = "odbc")), allow(dead_code))]
pub(crate) fn foreign_keys_pragma(enforced: bool) -> &'static str {
    if enforced {
        "PRAGMA foreign_keys = ON"
    } else {
        "PRAGMA foreign_keys = OFF"
    }
}

/// An error unless `PRAGMA foreign_keys` read back as `now` is what was set.
#[cfg_attr(not(any(feature = "sqlite", feature = "odbc")), allow(dead_code))]
pub(crate) fn confirm_foreign_keys(enforced: bool, now: i64) -> Result<(), DbError> {
    if (now == 1) == enforced {
        Ok(())
    } else {
        Err(DbError::new(format!(
            "`{}` did not take: PRAGMA foreign_keys reads {now}",
            foreign_keys_pragma(enforced)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::ADVISORY_LOCK_KEY;

    #[test]
    fn the_advisory_lock_key_spells_spinemig() {
        assert_eq!(&ADVISORY_LOCK_KEY.to_be_bytes(), b"SPINEMIG");
    }
}
