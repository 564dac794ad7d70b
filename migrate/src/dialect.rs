//! The SQL dialects the runner knows, and the tracking-table SQL each one needs.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// Name of the tracking table, as written in SQL for SQLite and PostgreSQL.
pub const TRACKING_TABLE: &str = "_migrations";

/// A SQL dialect: selects the migration directory and the tracking-table SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// SQLite 3.
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// IBM Db2 for Linux, Unix and Windows.
    Db2,
}

impl Dialect {
    /// Every dialect, in directory-listing order.
    pub const ALL: [Dialect; 3] = [Dialect::Sqlite, Dialect::Postgres, Dialect::Db2];

    /// The directory under the migrations root that holds this dialect's files.
    pub fn dir_name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
            Dialect::Db2 => "db2",
        }
    }

    /// The dialect of an ODBC data source, from the DBMS name its driver reports.
    pub fn from_dbms_name(dbms: &str) -> Option<Dialect> {
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

    /// The tracking table's name as written in this dialect's SQL. Db2 ordinary identifiers
    /// cannot start with `_`, so Db2 quotes it.
    pub fn tracking_table(self) -> &'static str {
        match self {
            Dialect::Sqlite | Dialect::Postgres => TRACKING_TABLE,
            Dialect::Db2 => "\"_migrations\"",
        }
    }

    /// `CREATE TABLE` for the tracking table, with this dialect's own types.
    pub fn create_tracking_table(self) -> String {
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

    /// A query returning one row with a count > 0 when the tracking table exists.
    pub fn tracking_table_exists(self) -> &'static str {
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

    /// A query counting which of the runner's key columns (`migration_id`, `checksum`,
    /// `duration_ms`, `dialect`) the tracking table has: 0 when there is no table, 4 when it is
    /// the runner's own, anything else for an older table (e.g. the design document's Python
    /// runner's `migration_id, applied_at`), to be upgraded with [`Dialect::tracking_upgrades`].
    pub fn tracking_columns(self) -> &'static str {
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

    /// Upgrades of an older tracking table, each a query counting whether it is already done
    /// (> 0) and the statements that do it. Added columns accept the older runner's two-column
    /// inserts: `checksum` NULL means "not verified", `duration_ms` NULL "unknown". PostgreSQL
    /// also turns a `TEXT` `applied_at` (naive UTC ISO 8601) into `TIMESTAMPTZ`.
    pub fn tracking_upgrades(self) -> Vec<(String, Vec<String>)> {
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

    /// Selects `migration_id, applied_at (text), checksum, duration_ms, dialect`, optionally of
    /// one migration only. `older` reads a table not yet upgraded (see
    /// [`Dialect::tracking_columns`]): checksum and duration come back NULL.
    pub fn select_applied(self, only: Option<&str>, older: bool) -> String {
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

    /// Records an applied migration.
    pub fn insert_applied(self, id: &str, checksum: &str, duration_ms: i64) -> String {
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

    /// Forgets an applied migration (after its down file ran).
    pub fn delete_applied(self, id: &str) -> String {
        format!(
            "DELETE FROM {} WHERE migration_id = {}",
            self.tracking_table(),
            literal(id)
        )
    }

    /// Re-records the checksum of an applied migration.
    pub fn update_checksum(self, id: &str, checksum: &str) -> String {
        format!(
            "UPDATE {} SET checksum = {} WHERE migration_id = {}",
            self.tracking_table(),
            literal(checksum),
            literal(id)
        )
    }

    /// First statement of a migration transaction on a connection without a session lock: it
    /// takes the write lock on the tracking table, so concurrent runners queue here.
    ///
    /// SQLite has no `LOCK TABLE`; a write to the tracking table (even one matching no row)
    /// takes the database's RESERVED lock before anything is read, so two runners cannot both
    /// read and then deadlock on the upgrade. It names only `migration_id`, so it also works on
    /// a table not upgraded yet.
    pub fn lock_tracking_table(self) -> String {
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

/// A SQL string literal: `'` doubled, valid in all three dialects.
fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.dir_name())
    }
}

impl FromStr for Dialect {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.to_ascii_lowercase().as_str() {
            "sqlite" => Ok(Dialect::Sqlite),
            "postgres" | "postgresql" | "pg" => Ok(Dialect::Postgres),
            "db2" => Ok(Dialect::Db2),
            _ => Err(Error::UnknownDialect(name.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Dialect;

    #[test]
    fn parses_names_and_dbms_names() {
        assert_eq!(
            "PostgreSQL".parse::<Dialect>().ok(),
            Some(Dialect::Postgres)
        );
        assert!("oracle".parse::<Dialect>().is_err());
        assert_eq!(
            Dialect::from_dbms_name("DB2/LINUXX8664"),
            Some(Dialect::Db2)
        );
        assert_eq!(Dialect::from_dbms_name("SQLite"), Some(Dialect::Sqlite));
        assert_eq!(
            Dialect::from_dbms_name("PostgreSQL"),
            Some(Dialect::Postgres)
        );
        assert_eq!(Dialect::from_dbms_name("Oracle"), None);
    }

    #[test]
    fn quotes_values_in_tracking_sql() {
        let sql = Dialect::Sqlite.delete_applied("basic/0001_it's");
        assert!(sql.ends_with("'basic/0001_it''s'"), "{sql}");
    }
}
