//! The tracking table `_migrations`: its SQL per dialect ([`TrackingSql`]), and what the
//! runner does with it: tell its shape, create or upgrade it under the write
//! lock, read its rows and refuse changed files.

use std::collections::BTreeMap;

use migration_layout::{Dialect, sql_string_literal as literal};

use crate::driver::{AppliedMigration, Connection};
use crate::error::{Error, Result};
use crate::source::Migration;
use crate::transaction::{Begin, rolled_back, transaction};

/// Name of the tracking table, as written in SQL for SQLite and PostgreSQL.
pub const TRACKING_TABLE: &str = migration_layout::TRACKING_TABLE;

/// The tracking-table SQL of each dialect.
pub trait TrackingSql: Copy {
    /// The tracking table's name as written in this dialect's SQL. Db2 ordinary identifiers
    /// cannot start with `_`, so Db2 quotes it.
    fn tracking_table(self) -> &'static str;

    /// `CREATE TABLE` for the tracking table, with this dialect's own types.
    fn create_tracking_table(self) -> String;

    /// A query returning one row with a count > 0 when the tracking table exists.
    fn tracking_table_exists(self) -> &'static str;

    /// A query counting which of the runner's key columns (`migration_id`, `checksum`,
    /// `duration_ms`, `dialect`) the tracking table has: 0 when there is no table, 4 when it is
    /// the runner's own, anything else for an older table (e.g. the design document's Python
    /// runner's `migration_id, applied_at`), to be upgraded with [`TrackingSql::tracking_upgrades`].
    fn tracking_columns(self) -> &'static str;

    /// Upgrades of an older tracking table, each a query counting whether it is already done
    /// (> 0) and the statements that do it. Added columns accept the older runner's two-column
    /// inserts: `checksum` NULL means "not verified", `duration_ms` NULL "unknown". PostgreSQL
    /// also turns a `TEXT` `applied_at` (naive UTC ISO 8601) into `TIMESTAMPTZ`.
    fn tracking_upgrades(self) -> Vec<(String, Vec<String>)>;

    /// Selects `migration_id, applied_at (text), checksum, duration_ms`, optionally of
    /// one migration only. `older` reads a table not yet upgraded (see
    /// [`TrackingSql::tracking_columns`]): checksum and duration come back NULL.
    fn select_applied(self, only: Option<&str>, older: bool) -> String;

    /// Records an applied migration.
    fn insert_applied(self, id: &str, checksum: &str, duration_ms: i64) -> String;

    /// Forgets an applied migration (after its down file ran).
    fn delete_applied(self, id: &str) -> String;

    /// Re-records the checksum of an applied migration.
    fn update_checksum(self, id: &str, checksum: &str) -> String;

    /// First statement of a migration transaction on a connection without a session lock: it
    /// takes the write lock on the tracking table, so concurrent runners queue here.
    ///
    /// SQLite has no `LOCK TABLE`; a write to the tracking table (even one matching no row)
    /// takes the database's RESERVED lock before anything is read, so two runners cannot both
    /// read and then deadlock on the upgrade. It names only `migration_id`, so it also works on
    /// a table not upgraded yet.
    fn lock_tracking_table(self) -> String;
}

impl TrackingSql for Dialect {
    fn tracking_table(self) -> &'static str {
        match self {
            Dialect::Sqlite | Dialect::Postgres => TRACKING_TABLE,
            Dialect::Db2 => "\"_migrations\"",
        }
    }

    fn create_tracking_table(self) -> String {
        let table = self.tracking_table();
        match self {
            Dialect::Sqlite => format!(
                "CREATE TABLE IF NOT EXISTS {table} (\
                 migration_id TEXT NOT NULL PRIMARY KEY, \
                 applied_at TEXT NOT NULL, \
                 checksum TEXT NOT NULL, \
                 duration_ms INTEGER NOT NULL, \
                 dialect TEXT NOT NULL)"
            ),
            Dialect::Postgres => format!(
                "CREATE TABLE IF NOT EXISTS {table} (\
                 migration_id VARCHAR(255) NOT NULL PRIMARY KEY, \
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now(), \
                 checksum CHAR(64) NOT NULL, \
                 duration_ms BIGINT NOT NULL, \
                 dialect VARCHAR(16) NOT NULL)"
            ),
            Dialect::Db2 => format!(
                "CREATE TABLE {table} (\
                 MIGRATION_ID VARCHAR(255) NOT NULL PRIMARY KEY, \
                 APPLIED_AT TIMESTAMP NOT NULL DEFAULT CURRENT TIMESTAMP, \
                 CHECKSUM CHAR(64) NOT NULL, \
                 DURATION_MS BIGINT NOT NULL, \
                 DIALECT VARCHAR(16) NOT NULL)"
            ),
        }
    }

    fn tracking_table_exists(self) -> &'static str {
        match self {
            Dialect::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
            }
            Dialect::Postgres => {
                // The catalog, not information_schema: its views cost a fresh connection
                // ~5 ms (cold caches) against ~1.5 ms here, and every run is a fresh one.
                "SELECT COUNT(*) FROM pg_catalog.pg_class \
                 WHERE oid = to_regclass(quote_ident(current_schema()) || '._migrations')"
            }
            Dialect::Db2 => {
                "SELECT COUNT(*) FROM SYSCAT.TABLES \
                 WHERE TABSCHEMA = CURRENT SCHEMA AND TABNAME = '_migrations'"
            }
        }
    }

    fn tracking_columns(self) -> &'static str {
        match self {
            Dialect::Sqlite => {
                "SELECT COUNT(*) FROM pragma_table_info('_migrations') \
                 WHERE lower(name) IN ('migration_id', 'checksum', 'duration_ms', 'dialect')"
            }
            Dialect::Postgres => {
                // pg_catalog rather than information_schema.columns: see tracking_table_exists.
                "SELECT COUNT(*) FROM pg_catalog.pg_attribute \
                 WHERE attrelid = to_regclass(quote_ident(current_schema()) || '._migrations') \
                 AND attnum > 0 AND NOT attisdropped \
                 AND attname IN ('migration_id', 'checksum', 'duration_ms', 'dialect')"
            }
            Dialect::Db2 => {
                "SELECT COUNT(*) FROM SYSCAT.COLUMNS \
                 WHERE TABSCHEMA = CURRENT SCHEMA AND TABNAME = '_migrations' \
                 AND COLNAME IN ('MIGRATION_ID', 'CHECKSUM', 'DURATION_MS', 'DIALECT')"
            }
        }
    }

    fn tracking_upgrades(self) -> Vec<(String, Vec<String>)> {
        let table = self.tracking_table();
        let has_column = |column: &str| match self {
            Dialect::Sqlite => format!(
                "SELECT COUNT(*) FROM pragma_table_info('_migrations') WHERE lower(name) = '{column}'"
            ),
            Dialect::Postgres => format!(
                "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = \
                 current_schema() AND table_name = '_migrations' AND column_name = '{column}'"
            ),
            Dialect::Db2 => format!(
                "SELECT COUNT(*) FROM SYSCAT.COLUMNS WHERE TABSCHEMA = CURRENT SCHEMA \
                 AND TABNAME = '_migrations' AND COLNAME = '{}'",
                column.to_uppercase()
            ),
        };
        let (text64, integer, dialect_type) = match self {
            Dialect::Sqlite => ("TEXT", "INTEGER", "TEXT"),
            Dialect::Postgres | Dialect::Db2 => ("CHAR(64)", "BIGINT", "VARCHAR(16)"),
        };
        let add = |column: &str, definition: String| {
            (
                has_column(column),
                vec![format!(
                    "ALTER TABLE {table} ADD COLUMN {column} {definition}"
                )],
            )
        };
        let mut upgrades = vec![
            add("checksum", text64.to_string()),
            add("duration_ms", integer.to_string()),
            add(
                "dialect",
                format!(
                    "{dialect_type} NOT NULL DEFAULT {}",
                    literal(self.dir_name())
                ),
            ),
        ];
        if self == Dialect::Postgres {
            upgrades.push((
                "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = \
                 current_schema() AND table_name = '_migrations' AND column_name = 'applied_at' \
                 AND data_type = 'timestamp with time zone'"
                    .to_string(),
                vec![format!(
                    "ALTER TABLE {table} ALTER COLUMN applied_at TYPE TIMESTAMPTZ \
                     USING CAST(applied_at AS TEXT)::timestamp AT TIME ZONE 'UTC', \
                     ALTER COLUMN applied_at SET DEFAULT now()"
                )],
            ));
        }
        upgrades
    }

    fn select_applied(self, only: Option<&str>, older: bool) -> String {
        let applied_at = match (self, older) {
            (_, true) => "CAST(applied_at AS VARCHAR(64))",
            (Dialect::Sqlite, false) => "applied_at",
            (Dialect::Postgres, false) => {
                "to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
            }
            (Dialect::Db2, false) => "VARCHAR_FORMAT(APPLIED_AT, 'YYYY-MM-DD HH24:MI:SS')",
        };
        let rest = if older {
            "CAST(NULL AS VARCHAR(64)), CAST(NULL AS BIGINT)"
        } else {
            "checksum, duration_ms"
        };
        let filter = only
            .map(|id| format!(" WHERE migration_id = {}", literal(id)))
            .unwrap_or_default();
        format!(
            "SELECT migration_id, {applied_at}, {rest} FROM {}{filter} ORDER BY migration_id",
            self.tracking_table()
        )
    }

    fn insert_applied(self, id: &str, checksum: &str, duration_ms: i64) -> String {
        let now = match self {
            Dialect::Sqlite => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            Dialect::Postgres => "now()",
            Dialect::Db2 => "CURRENT TIMESTAMP",
        };
        format!(
            "INSERT INTO {} (migration_id, applied_at, checksum, duration_ms, dialect) \
             VALUES ({}, {now}, {}, {duration_ms}, {})",
            self.tracking_table(),
            literal(id),
            literal(checksum),
            literal(self.dir_name())
        )
    }

    fn delete_applied(self, id: &str) -> String {
        format!(
            "DELETE FROM {} WHERE migration_id = {}",
            self.tracking_table(),
            literal(id)
        )
    }

    fn update_checksum(self, id: &str, checksum: &str) -> String {
        format!(
            "UPDATE {} SET checksum = {} WHERE migration_id = {}",
            self.tracking_table(),
            literal(checksum),
            literal(id)
        )
    }

    fn lock_tracking_table(self) -> String {
        match self {
            Dialect::Sqlite => format!(
                "UPDATE {0} SET migration_id = migration_id WHERE migration_id = ''",
                self.tracking_table()
            ),
            Dialect::Postgres | Dialect::Db2 => {
                format!("LOCK TABLE {} IN EXCLUSIVE MODE", self.tracking_table())
            }
        }
    }
}

/// What the tracking table looks like (see [`TrackingSql::tracking_columns`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tracking {
    /// No table yet.
    Absent,
    /// An older runner's table, to be upgraded in place before writing.
    Older,
    /// The runner's own table.
    Current,
}

impl Tracking {
    /// The shape of the tracking table on `conn`, read in a short transaction of its own.
    pub(crate) fn detect(conn: &mut dyn Connection) -> Result<Tracking> {
        let during = "looking for the tracking table";
        let sql = conn.dialect().tracking_columns();
        let columns = transaction(conn, Begin::Read, during, |conn| {
            conn.query_count(sql).map_err(|e| e.during(during))
        })?;
        Ok(match columns {
            0 => Tracking::Absent,
            4 => Tracking::Current,
            _ => Tracking::Older,
        })
    }
}

/// Starts a transaction holding the tracking-table lock in which the table exists in the
/// runner's shape: created in it when `tracking` is absent (if another runner creates it at the
/// same moment, this one rolls back and starts again on that table), upgraded in it when older.
/// Rolls back on error.
pub(crate) fn begin_locked(conn: &mut dyn Connection, tracking: Tracking) -> Result<()> {
    let dialect = conn.dialect();
    let ddl = dialect.create_tracking_table();
    let create = (tracking == Tracking::Absent).then_some(ddl.as_str());
    let mut tracking = tracking;
    let first = conn.begin_exclusive(create);
    if let Err(error) = rolled_back(conn, first) {
        if create.is_none() {
            return Err(error.during("locking the tracking table"));
        }
        tracking = Tracking::detect(conn)?;
        if tracking == Tracking::Absent {
            return Err(error.during("creating the tracking table _migrations"));
        }
        let again = conn.begin_exclusive(None);
        rolled_back(conn, again).map_err(|e| e.during("locking the tracking table"))?;
    }
    if tracking != Tracking::Older {
        return Ok(());
    }
    let upgraded = dialect
        .tracking_upgrades()
        .into_iter()
        .try_for_each(|(done, statements)| {
            if conn.query_count(&done)? > 0 {
                return Ok(());
            }
            statements.iter().try_for_each(|sql| conn.execute(sql))
        });
    rolled_back(conn, upgraded)
        .map_err(|e| e.during("upgrading the tracking table _migrations to the runner's columns"))
}

/// Upgrades an older tracking table in a locked transaction of its own.
pub(crate) fn upgrade(conn: &mut dyn Connection) -> Result<()> {
    transaction(
        conn,
        Begin::Locked(Tracking::Older),
        "upgrading the tracking table _migrations",
        |_| Ok(()),
    )
}

/// The tracking rows by id, read in a short transaction of their own; empty when the table does
/// not exist (nothing is created).
pub(crate) fn read_applied(
    conn: &mut dyn Connection,
    tracking: Tracking,
) -> Result<BTreeMap<String, AppliedMigration>> {
    if tracking == Tracking::Absent {
        return Ok(BTreeMap::new());
    }
    let during = "reading the tracking table";
    let sql = conn
        .dialect()
        .select_applied(None, tracking == Tracking::Older);
    let rows = transaction(conn, Begin::Read, during, |conn| {
        conn.query_applied(&sql)
            .map_err(|e| missing_column(e).during(during))
    })?;
    Ok(by_id(rows))
}

/// A "no such column" error from reading the tracking table, said as what is missing and
/// what to do; other errors unchanged.
fn missing_column(error: crate::error::DbError) -> crate::error::DbError {
    let lower = error.message.to_ascii_lowercase();
    let missing = lower.contains("no such column")
        || lower.contains("42703")
        || lower.contains("sql0206")
        || (lower.contains("column") && lower.contains("does not exist"));
    let column = ["migration_id", "applied_at", "checksum", "duration_ms"]
        .into_iter()
        .find(|column| {
            lower.contains(&format!("no such column: {column}"))
                || lower.contains(&format!("\"{column}\""))
        });
    match (missing, column) {
        (true, Some(column)) => crate::error::DbError::new(format!(
            "the tracking table _migrations is damaged: it has no column {column} ({}); \
             restore the column (ALTER TABLE _migrations ADD COLUMN {column} …, then fill it \
             for every row) and run again",
            error.message
        )),
        _ => error,
    }
}

/// The tracking rows by id, read inside the caller's transaction from a table in the runner's
/// shape.
pub(crate) fn read_applied_locked(
    conn: &mut dyn Connection,
) -> Result<BTreeMap<String, AppliedMigration>> {
    let sql = conn.dialect().select_applied(None, false);
    let rows = conn
        .query_applied(&sql)
        .map_err(|e| missing_column(e).during("reading the tracking table"))?;
    Ok(by_id(rows))
}

fn by_id(rows: Vec<AppliedMigration>) -> BTreeMap<String, AppliedMigration> {
    rows.into_iter().map(|row| (row.id.clone(), row)).collect()
}

/// Fails with [`Error::Modified`] when a migration of `migrations` is recorded in `applied`
/// with a checksum other than its file's.
pub(crate) fn refuse_modified(
    migrations: &[Migration],
    applied: &BTreeMap<String, AppliedMigration>,
) -> Result<()> {
    let modified: Vec<String> = migrations
        .iter()
        .filter(|m| {
            applied
                .get(&m.id)
                .and_then(|row| row.checksum.as_ref())
                .is_some_and(|checksum| checksum != &m.checksum)
        })
        .map(|m| m.id.clone())
        .collect();
    if modified.is_empty() {
        Ok(())
    } else {
        Err(Error::Modified(modified))
    }
}

#[cfg(test)]
mod tests {
    use super::{Dialect, TrackingSql};

    #[test]
    fn quotes_values_in_tracking_sql() {
        let sql = Dialect::Sqlite.delete_applied("basic/0001_it's");
        assert!(sql.ends_with("'basic/0001_it''s'"), "{sql}");
    }
}
