//! The tracking-table SQL each dialect needs.

use migration_layout::{Dialect, sql_string_literal as literal};

/// Name of the tracking table, as written in SQL for SQLite and PostgreSQL.
pub const TRACKING_TABLE: &str = "_migrations";

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

    /// Selects `migration_id, applied_at (text), checksum, duration_ms, dialect`, optionally of
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
                "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = '_migrations'"
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
                "SELECT COUNT(*) FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = '_migrations' \
                 AND column_name IN ('migration_id', 'checksum', 'duration_ms', 'dialect')"
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
            format!(
                "CAST(NULL AS VARCHAR(64)), CAST(NULL AS BIGINT), {}",
                literal(self.dir_name())
            )
        } else {
            "checksum, duration_ms, dialect".to_string()
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

#[cfg(test)]
mod tests {
    use super::{Dialect, TrackingSql};

    #[test]
    fn quotes_values_in_tracking_sql() {
        let sql = Dialect::Sqlite.delete_applied("basic/0001_it's");
        assert!(sql.ends_with("'basic/0001_it''s'"), "{sql}");
    }
}
