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

    /// Selects `migration_id, applied_at (text), checksum, duration_ms, dialect`, optionally of
    /// one migration only.
    pub fn select_applied(self, only: Option<&str>) -> String {
        let applied_at = match self {
            Dialect::Sqlite => "applied_at",
            Dialect::Postgres => {
                "to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
            }
            Dialect::Db2 => "VARCHAR_FORMAT(APPLIED_AT, 'YYYY-MM-DD HH24:MI:SS')",
        };
        let filter = only
            .map(|id| format!(" WHERE migration_id = {}", literal(id)))
            .unwrap_or_default();
        format!(
            "SELECT migration_id, {applied_at}, checksum, duration_ms, dialect FROM {}{filter} \
             ORDER BY migration_id",
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
    /// read and then deadlock on the upgrade.
    pub fn lock_tracking_table(self) -> String {
        match self {
            Dialect::Sqlite => format!(
                "UPDATE {0} SET checksum = checksum WHERE migration_id = ''",
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
