//! The tracking table (`_migrations` unless [`TrackingTable`] names another): its SQL per
//! dialect ([`TrackingSql`]), and what the
//! runner does with it: tell its shape, create or upgrade it under the write
//! lock, read its rows and refuse changed files.

use std::collections::BTreeMap;

use migration_layout::{Dialect, sql_string_literal as literal};

use crate::driver::{AppliedMigration, Connection};
use crate::error::{Error, Result};
use crate::source::Migration;
use crate::transaction::{Begin, rolled_back, transaction};

/// The tracking table of the runners that do not name one: `_migrations`, in the connection's
/// current schema.
pub const TRACKING_TABLE: &str = migration_layout::TRACKING_TABLE;

/// Which table tracks the applied migrations: `_migrations` (the default, [`TRACKING_TABLE`])
/// or a name given by the operator, `table` or `schema.table`, each part an identifier
/// (`[A-Za-z_][A-Za-z0-9_]*`). Without a schema it is the connection's current schema
/// (PostgreSQL's `current_schema()`, Db2's `CURRENT SCHEMA`, SQLite's `main`).
///
/// Names are written unquoted, so the engine folds them as usual (PostgreSQL to lower case,
/// Db2 to upper case), except on Db2 a part starting with `_`, which Db2 identifiers cannot
/// do unquoted: it is quoted and kept as written (`"_migrations"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrackingTable {
    schema: Option<String>,
    name: String,
}

/// A tracking-table name that is not `table` or `schema.table` of identifiers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "tracking table '{0}' is not NAME or SCHEMA.NAME: each part must be a letter or '_' \
     followed by letters, digits or '_' (e.g. _migrations, ops.schema_migrations)"
)]
pub struct InvalidTrackingTable(pub String);

impl Default for TrackingTable {
    fn default() -> Self {
        TrackingTable {
            schema: None,
            name: TRACKING_TABLE.to_string(),
        }
    }
}

impl std::str::FromStr for TrackingTable {
    type Err = InvalidTrackingTable;

    fn from_str(given: &str) -> std::result::Result<Self, Self::Err> {
        let identifier = |part: &str| {
            let mut chars = part.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        let invalid = || InvalidTrackingTable(given.to_string());
        let (schema, name) = match given.split_once('.') {
            Some((schema, name)) => (Some(schema), name),
            None => (None, given),
        };
        if !identifier(name) || schema.is_some_and(|schema| !identifier(schema)) {
            return Err(invalid());
        }
        Ok(TrackingTable {
            schema: schema.map(str::to_string),
            name: name.to_string(),
        })
    }
}

impl std::fmt::Display for TrackingTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.schema {
            Some(schema) => write!(f, "{schema}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

impl TrackingTable {
    /// The schema given, if any.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// The table's name, without its schema.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// This table's SQL in `dialect`.
    pub fn sql(&self, dialect: Dialect) -> TrackingSql {
        TrackingSql {
            dialect,
            table: self.clone(),
        }
    }
}

/// The SQL of one tracking table ([`TrackingTable::sql`]) in one dialect. For the default
/// table every statement is the text earlier runners used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingSql {
    dialect: Dialect,
    table: TrackingTable,
}

impl TrackingSql {
    /// The table these statements are about.
    pub fn table(&self) -> &TrackingTable {
        &self.table
    }

    /// One part of the name as written in SQL: Db2 quotes a part starting with `_`.
    fn identifier(&self, part: &str) -> String {
        match self.dialect {
            Dialect::Db2 if part.starts_with('_') => format!("\"{part}\""),
            _ => part.to_string(),
        }
    }

    /// One part of the name as the catalog stores it: PostgreSQL folds unquoted names to lower
    /// case, Db2 to upper case (a quoted Db2 part stays as written).
    fn catalog_name(&self, part: &str) -> String {
        match self.dialect {
            Dialect::Sqlite => part.to_string(),
            Dialect::Postgres => part.to_ascii_lowercase(),
            Dialect::Db2 if part.starts_with('_') => part.to_string(),
            Dialect::Db2 => part.to_ascii_uppercase(),
        }
    }

    /// The catalog condition naming the table (PostgreSQL's `information_schema`, Db2's
    /// `SYSCAT`); SQLite's catalogs are per schema and name only the table.
    fn catalog_filter(&self) -> String {
        let name = literal(&self.catalog_name(&self.table.name));
        let schema = self
            .table
            .schema
            .as_deref()
            .map(|schema| literal(&self.catalog_name(schema)));
        match self.dialect {
            Dialect::Sqlite => format!("name = {name}"),
            Dialect::Postgres => format!(
                "table_schema = {} AND table_name = {name}",
                schema.as_deref().unwrap_or("current_schema()")
            ),
            Dialect::Db2 => format!(
                "TABSCHEMA = {} AND TABNAME = {name}",
                schema.as_deref().unwrap_or("CURRENT SCHEMA")
            ),
        }
    }

    /// PostgreSQL: the tracking table's `regclass`, NULL when it does not exist (in its schema,
    /// or the current one).
    fn pg_regclass(&self) -> String {
        let schema = self
            .table
            .schema
            .as_deref()
            .map(|schema| literal(&self.catalog_name(schema)))
            .unwrap_or_else(|| "current_schema()".to_string());
        format!(
            "to_regclass(quote_ident({schema}) || '.' || quote_ident({}))",
            literal(&self.catalog_name(&self.table.name))
        )
    }

    /// SQLite's `pragma_table_info` of the table, in its schema when one is given.
    fn sqlite_table_info(&self) -> String {
        let name = literal(&self.table.name);
        match &self.table.schema {
            Some(schema) => format!("pragma_table_info({name}, {})", literal(schema)),
            None => format!("pragma_table_info({name})"),
        }
    }

    /// The tracking table's name as written in this dialect's SQL, with its schema when one
    /// is given. Db2 ordinary identifiers cannot start with `_`, so Db2 quotes such a part.
    pub fn tracking_table(&self) -> String {
        let name = self.identifier(&self.table.name);
        match &self.table.schema {
            Some(schema) => format!("{}.{name}", self.identifier(schema)),
            None => name,
        }
    }

    /// `CREATE TABLE` for the tracking table, with this dialect's own types.
    pub fn create_tracking_table(&self) -> String {
        let table = self.tracking_table();
        match self.dialect {
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
    pub fn tracking_table_exists(&self) -> String {
        let filter = self.catalog_filter();
        match self.dialect {
            Dialect::Sqlite => {
                let catalog = match &self.table.schema {
                    Some(schema) => format!("{schema}.sqlite_master"),
                    None => "sqlite_master".to_string(),
                };
                format!("SELECT COUNT(*) FROM {catalog} WHERE type = 'table' AND {filter}")
            }
            // The catalog, not information_schema: its views cost a fresh connection ~5 ms
            // (cold caches) against ~1.5 ms here, and every run is a fresh connection.
            Dialect::Postgres => format!(
                "SELECT COUNT(*) FROM pg_catalog.pg_class WHERE oid = {}",
                self.pg_regclass()
            ),
            Dialect::Db2 => format!("SELECT COUNT(*) FROM SYSCAT.TABLES WHERE {filter}"),
        }
    }

    /// A query counting which of the runner's key columns (`migration_id`, `checksum`,
    /// `duration_ms`, `dialect`) the tracking table has: 0 when there is no table, 4 when it is
    /// the runner's own, anything else for an older table (e.g. the design document's Python
    /// runner's `migration_id, applied_at`), to be upgraded with [`TrackingSql::tracking_upgrades`].
    pub fn tracking_columns(&self) -> String {
        match self.dialect {
            Dialect::Sqlite => format!(
                "SELECT COUNT(*) FROM {} \
                 WHERE lower(name) IN ('migration_id', 'checksum', 'duration_ms', 'dialect')",
                self.sqlite_table_info()
            ),
            // pg_catalog rather than information_schema.columns: see tracking_table_exists.
            Dialect::Postgres => format!(
                "SELECT COUNT(*) FROM pg_catalog.pg_attribute \
                 WHERE attrelid = {} AND attnum > 0 AND NOT attisdropped \
                 AND attname IN ('migration_id', 'checksum', 'duration_ms', 'dialect')",
                self.pg_regclass()
            ),
            Dialect::Db2 => format!(
                "SELECT COUNT(*) FROM SYSCAT.COLUMNS \
                 WHERE {} \
                 AND COLNAME IN ('MIGRATION_ID', 'CHECKSUM', 'DURATION_MS', 'DIALECT')",
                self.catalog_filter()
            ),
        }
    }

    /// Upgrades of an older tracking table, each a query counting whether it is already done
    /// (> 0) and the statements that do it. Added columns accept the older runner's two-column
    /// inserts: `checksum` NULL means "not verified", `duration_ms` NULL "unknown". PostgreSQL
    /// also turns a `TEXT` `applied_at` (naive UTC ISO 8601) into `TIMESTAMPTZ`.
    pub fn tracking_upgrades(&self) -> Vec<(String, Vec<String>)> {
        let table = self.tracking_table();
        let filter = self.catalog_filter();
        let has_column = |column: &str| match self.dialect {
            Dialect::Sqlite => format!(
                "SELECT COUNT(*) FROM {} WHERE lower(name) = '{column}'",
                self.sqlite_table_info()
            ),
            Dialect::Postgres => format!(
                "SELECT COUNT(*) FROM information_schema.columns WHERE {filter} \
                 AND column_name = '{column}'"
            ),
            Dialect::Db2 => format!(
                "SELECT COUNT(*) FROM SYSCAT.COLUMNS WHERE {filter} AND COLNAME = '{}'",
                column.to_uppercase()
            ),
        };
        let (text64, integer, dialect_type) = match self.dialect {
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
                    literal(self.dialect.dir_name())
                ),
            ),
        ];
        if self.dialect == Dialect::Postgres {
            upgrades.push((
                format!(
                    "SELECT COUNT(*) FROM information_schema.columns WHERE {filter} \
                     AND column_name = 'applied_at' \
                     AND data_type = 'timestamp with time zone'"
                ),
                vec![format!(
                    "ALTER TABLE {table} ALTER COLUMN applied_at TYPE TIMESTAMPTZ \
                     USING CAST(applied_at AS TEXT)::timestamp AT TIME ZONE 'UTC', \
                     ALTER COLUMN applied_at SET DEFAULT now()"
                )],
            ));
        }
        upgrades
    }

    /// Selects `migration_id, applied_at (text), checksum, duration_ms`, optionally of
    /// one migration only. `older` reads a table not yet upgraded (see
    /// [`TrackingSql::tracking_columns`]): checksum and duration come back NULL.
    pub fn select_applied(&self, only: Option<&str>, older: bool) -> String {
        let applied_at = match (self.dialect, older) {
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

    /// Records an applied migration.
    pub fn insert_applied(&self, id: &str, checksum: &str, duration_ms: i64) -> String {
        let now = match self.dialect {
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
            literal(self.dialect.dir_name())
        )
    }

    /// Forgets an applied migration (after its down file ran).
    pub fn delete_applied(&self, id: &str) -> String {
        format!(
            "DELETE FROM {} WHERE migration_id = {}",
            self.tracking_table(),
            literal(id)
        )
    }

    /// Re-records the checksum of an applied migration.
    pub fn update_checksum(&self, id: &str, checksum: &str) -> String {
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
    pub fn lock_tracking_table(&self) -> String {
        match self.dialect {
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
        transaction(conn, Begin::Read, LOOKING, Self::detect_in_transaction)
    }

    /// The shape of the tracking table, read in the caller's transaction.
    fn detect_in_transaction(conn: &mut dyn Connection) -> Result<Tracking> {
        let sql = conn.tracking().tracking_columns();
        let columns = conn.query_count(&sql).map_err(|e| e.during(LOOKING))?;
        Ok(match columns {
            0 => Tracking::Absent,
            4 => Tracking::Current,
            _ => Tracking::Older,
        })
    }
}

/// What [`Tracking::detect`] is doing, for its errors.
const LOOKING: &str = "looking for the tracking table";

/// Starts a transaction holding the tracking-table lock in which the table exists in the
/// runner's shape: created in it when `tracking` is absent (if another runner creates it at the
/// same moment, this one rolls back and starts again on that table), upgraded in it when older.
/// Rolls back on error.
pub(crate) fn begin_locked(conn: &mut dyn Connection, tracking: Tracking) -> Result<()> {
    let sql = conn.tracking();
    let create = tracking == Tracking::Absent;
    let mut tracking = tracking;
    let first = conn.begin_exclusive(create);
    if let Err(error) = rolled_back(conn, first) {
        if !create {
            return Err(error.during("locking the tracking table"));
        }
        tracking = Tracking::detect(conn)?;
        if tracking == Tracking::Absent {
            return Err(error.during(format!("creating the tracking table {}", sql.table())));
        }
        let again = conn.begin_exclusive(false);
        rolled_back(conn, again).map_err(|e| e.during("locking the tracking table"))?;
    }
    if tracking != Tracking::Older {
        return Ok(());
    }
    let upgraded = sql
        .tracking_upgrades()
        .into_iter()
        .try_for_each(|(done, statements)| {
            if conn.query_count(&done)? > 0 {
                return Ok(());
            }
            statements.iter().try_for_each(|sql| conn.execute(sql))
        });
    rolled_back(conn, upgraded).map_err(|e| {
        e.during(format!(
            "upgrading the tracking table {} to the runner's columns",
            sql.table()
        ))
    })
}

/// Upgrades an older tracking table in a locked transaction of its own.
pub(crate) fn upgrade(conn: &mut dyn Connection) -> Result<()> {
    let during = format!("upgrading the tracking table {}", conn.tracking_table());
    transaction(conn, Begin::Locked(Tracking::Older), &during, |_| Ok(()))
}

/// The tracking table's shape and its rows by id, both read in one short transaction; no rows
/// when the table does not exist (nothing is created).
pub(crate) fn read_applied(
    conn: &mut dyn Connection,
) -> Result<(Tracking, BTreeMap<String, AppliedMigration>)> {
    let during = "reading the tracking table";
    transaction(conn, Begin::Read, during, |conn| {
        let tracking = Tracking::detect_in_transaction(conn)?;
        if tracking == Tracking::Absent {
            return Ok((tracking, BTreeMap::new()));
        }
        let sql = conn
            .tracking()
            .select_applied(None, tracking == Tracking::Older);
        let table = conn.tracking_table().clone();
        let rows = conn
            .query_applied(&sql)
            .map_err(|e| missing_column(e, &table).during(during))?;
        Ok((tracking, by_id(rows)))
    })
}

/// A "no such column" error from reading the tracking table, said as what is missing and
/// what to do; other errors unchanged.
fn missing_column(error: crate::error::DbError, table: &TrackingTable) -> crate::error::DbError {
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
            "the tracking table {table} is damaged: it has no column {column} ({}); \
             restore the column (ALTER TABLE {table} ADD COLUMN {column} …, then fill it \
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
    let sql = conn.tracking().select_applied(None, false);
    let table = conn.tracking_table().clone();
    let rows = conn
        .query_applied(&sql)
        .map_err(|e| missing_column(e, &table).during("reading the tracking table"))?;
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
    use super::{Dialect, TrackingTable};

    #[test]
    fn quotes_values_in_tracking_sql() {
        let sql = TrackingTable::default()
            .sql(Dialect::Sqlite)
            .delete_applied("basic/0001_it's");
        assert!(sql.ends_with("'basic/0001_it''s'"), "{sql}");
    }

    /// The default table's statements are the text earlier runners sent, so nothing changes
    /// for an existing database (PostgreSQL's catalog lookups read `pg_catalog`, which is
    /// faster on a fresh connection than `information_schema`, and write nothing).
    #[test]
    fn the_default_table_keeps_the_sql_of_earlier_runners() {
        let sql = |dialect| TrackingTable::default().sql(dialect);
        let sqlite = sql(Dialect::Sqlite);
        assert_eq!(
            sqlite.tracking_table_exists(),
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
        );
        assert_eq!(
            sqlite.tracking_columns(),
            "SELECT COUNT(*) FROM pragma_table_info('_migrations') WHERE lower(name) IN \
             ('migration_id', 'checksum', 'duration_ms', 'dialect')"
        );
        let postgres = sql(Dialect::Postgres);
        assert_eq!(
            postgres.tracking_columns(),
            "SELECT COUNT(*) FROM pg_catalog.pg_attribute WHERE attrelid = \
             to_regclass(quote_ident(current_schema()) || '.' || quote_ident('_migrations')) \
             AND attnum > 0 AND NOT attisdropped AND attname IN \
             ('migration_id', 'checksum', 'duration_ms', 'dialect')"
        );
        assert_eq!(
            postgres.lock_tracking_table(),
            "LOCK TABLE _migrations IN EXCLUSIVE MODE"
        );
        let db2 = sql(Dialect::Db2);
        assert_eq!(
            db2.tracking_table_exists(),
            "SELECT COUNT(*) FROM SYSCAT.TABLES WHERE TABSCHEMA = CURRENT SCHEMA AND \
             TABNAME = '_migrations'"
        );
        assert_eq!(
            db2.lock_tracking_table(),
            "LOCK TABLE \"_migrations\" IN EXCLUSIVE MODE"
        );
    }

    #[test]
    fn a_tracking_table_is_a_name_or_schema_dot_name_of_identifiers() {
        for good in ["_migrations", "schema_migrations", "ops.t1", "_s._t", "A9"] {
            let table: TrackingTable = good.parse().unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(table.to_string(), good);
        }
        for bad in [
            "", "1t", "a.b.c", "a.", ".a", "a-b", "a b", "\"a\"", "t;DROP", "é",
        ] {
            let error = bad.parse::<TrackingTable>().err();
            assert_eq!(
                error.map(|e| e.to_string()),
                Some(format!(
                    "tracking table '{bad}' is not NAME or SCHEMA.NAME: each part must be a \
                     letter or '_' followed by letters, digits or '_' (e.g. _migrations, \
                     ops.schema_migrations)"
                )),
                "{bad}"
            );
        }
    }

    /// A given name and schema reach every statement, folded as each catalog stores them.
    #[test]
    fn a_custom_table_is_named_in_every_statement_and_catalog_query() {
        let table: TrackingTable = "Ops.Spine_Runs".parse().unwrap_or_else(|e| panic!("{e}"));
        let postgres = table.sql(Dialect::Postgres);
        assert_eq!(postgres.tracking_table(), "Ops.Spine_Runs");
        assert!(
            postgres
                .tracking_columns()
                .contains("quote_ident('ops') || '.' || quote_ident('spine_runs')"),
            "{}",
            postgres.tracking_columns()
        );
        let db2 = table.sql(Dialect::Db2);
        assert!(
            db2.tracking_table_exists()
                .ends_with("TABSCHEMA = 'OPS' AND TABNAME = 'SPINE_RUNS'"),
            "{}",
            db2.tracking_table_exists()
        );
        let quoted: TrackingTable = "_ops._runs".parse().unwrap_or_else(|e| panic!("{e}"));
        let db2 = quoted.sql(Dialect::Db2);
        assert_eq!(db2.tracking_table(), "\"_ops\".\"_runs\"");
        assert!(
            db2.tracking_columns()
                .contains("TABSCHEMA = '_ops' AND TABNAME = '_runs'")
        );
        let sqlite = table.sql(Dialect::Sqlite);
        assert!(
            sqlite
                .tracking_columns()
                .contains("pragma_table_info('Spine_Runs', 'Ops')")
        );
        assert!(
            sqlite
                .tracking_table_exists()
                .starts_with("SELECT COUNT(*) FROM Ops.sqlite_master")
        );
        for dialect in [Dialect::Sqlite, Dialect::Postgres, Dialect::Db2] {
            let sql = table.sql(dialect);
            let named = sql.tracking_table();
            let mut statements = vec![
                sql.create_tracking_table(),
                sql.select_applied(None, false),
                sql.insert_applied("a/0001_x", "c", 1),
                sql.delete_applied("a/0001_x"),
                sql.update_checksum("a/0001_x", "c"),
                sql.lock_tracking_table(),
            ];
            statements.extend(sql.tracking_upgrades().into_iter().flat_map(|(_, s)| s));
            for statement in statements {
                assert!(statement.contains(&named), "{statement}");
                assert!(!statement.contains("_migrations"), "{statement}");
            }
            for (done, _) in sql.tracking_upgrades() {
                assert!(!done.contains("_migrations"), "{done}");
            }
        }
    }
}
