//! Helpers shared by the runner suites (`tests/runner_*.rs`, `migrate/tests/runner_processes.rs`):
//! fixture setup, and assertions read straight from the database through the runner's drivers.

use std::path::PathBuf;

use migrate::tracking::TrackingSql;
use migrate::{
    Connection, Dialect, MigrationSet, Runner, State, StatusEntry, Target, TrackingTable,
};
use spine_tests::engines::{Engine, TestDatabase};
use spine_tests::fixtures;

/// A fresh database and a migrations root holding the standard fixture tree for its dialect.
pub struct Setup {
    /// The database.
    pub db: TestDatabase,
    /// Root of the fixture migrations.
    pub root: PathBuf,
}

impl Setup {
    /// Fresh database on `engine` with the standard fixtures.
    pub fn standard(engine: Engine) -> Setup {
        let setup = Setup::empty(engine);
        fixtures::write_standard(&setup.root, engine.dialect());
        setup
    }

    /// Fresh database on `engine` with an empty migrations root.
    pub fn empty(engine: Engine) -> Setup {
        let db = engine.fresh();
        let root = db.scratch_path("migrations");
        Setup { db, root }
    }

    /// The engine's dialect.
    pub fn dialect(&self) -> Dialect {
        self.db.engine.dialect()
    }

    /// The default tracking table's SQL in the engine's dialect.
    pub fn tracking_sql(&self) -> TrackingSql {
        TrackingTable::default().sql(self.dialect())
    }

    /// The fixture files as they are on disk now.
    pub fn set(&self) -> MigrationSet {
        MigrationSet::from_dir(&self.root).unwrap_or_else(|e| panic!("reading fixtures: {e}"))
    }

    /// A new connection to the database.
    pub fn connect(&self) -> Box<dyn Connection> {
        let target: Target = self
            .db
            .target
            .parse()
            .unwrap_or_else(|e| panic!("target: {e}"));
        target
            .connect(None)
            .unwrap_or_else(|e| panic!("connect: {e}"))
    }

    /// Runs `work` with a runner over the current files on a new connection.
    pub fn with_runner<T>(&self, work: impl FnOnce(&mut Runner<'_>) -> T) -> T {
        let set = self.set();
        let mut conn = self.connect();
        let mut runner = Runner::new(conn.as_mut(), &set);
        work(&mut runner)
    }

    /// Status of every migration.
    pub fn status(&self) -> Vec<StatusEntry> {
        self.with_runner(|runner| runner.status())
            .unwrap_or_else(|e| panic!("status: {e}"))
    }

    /// Ids in `state`, in status order.
    pub fn ids_in(&self, state: State) -> Vec<String> {
        self.status()
            .into_iter()
            .filter(|e| e.state == state)
            .map(|e| e.id)
            .collect()
    }

    /// First column of the first row of `sql`, read in its own short transaction.
    pub fn count(&self, sql: &str) -> i64 {
        let mut conn = self.connect();
        let value = conn
            .begin()
            .and_then(|()| conn.query_count(sql))
            .unwrap_or_else(|e| panic!("{sql}: {}", e.message));
        conn.rollback()
            .unwrap_or_else(|e| panic!("rollback: {}", e.message));
        value
    }

    /// Runs `sql` and commits.
    pub fn execute(&self, sql: &str) {
        let mut conn = self.connect();
        conn.begin()
            .and_then(|()| conn.execute(sql))
            .and_then(|()| conn.commit())
            .unwrap_or_else(|e| panic!("{sql}: {}", e.message));
    }

    /// How many of `tables` exist.
    pub fn tables(&self, tables: &[&str]) -> i64 {
        self.count(&self.db.count_tables_sql(tables))
    }

    /// Rows in the tracking table (0 when it does not exist).
    pub fn tracking_rows(&self) -> i64 {
        self.tracking_rows_in(&TrackingTable::default())
    }

    /// Rows in tracking table `table` (0 when it does not exist).
    pub fn tracking_rows_in(&self, table: &TrackingTable) -> i64 {
        let sql = table.sql(self.dialect());
        if self.count(&sql.tracking_table_exists()) == 0 {
            return 0;
        }
        self.count(&format!("SELECT COUNT(*) FROM {}", sql.tracking_table()))
    }

    /// The design document's Python runner's table, exactly as it creates it (`migration_id`,
    /// `applied_at` only; SQLite and PostgreSQL: its unquoted `_migrations` is no Db2 name),
    /// with rows for basic/0001 and intermediate/0001, whose tables that runner created.
    pub fn seed_runner_database(&self) {
        let dialect = self.dialect();
        let table = self.tracking_sql().tracking_table();
        self.execute(&format!(
            "CREATE TABLE IF NOT EXISTS {table} (migration_id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        ));
        let set = self.set();
        for id in ["basic/0001_source_configs", "intermediate/0001_schedules"] {
            let migration = set
                .get(dialect, id)
                .unwrap_or_else(|| panic!("fixture {id}"));
            let mut conn = self.connect();
            conn.begin()
                .map_err(|e| e.message)
                .and_then(|()| {
                    conn.execute_script(&migration.up_sql)
                        .map_err(|e| e.message)
                })
                .and_then(|()| {
                    conn.execute(&format!(
                        "INSERT INTO {table} (migration_id, applied_at) \
                         VALUES ('{id}', '2026-11-20T10:00:00.123456')"
                    ))
                    .map_err(|e| e.message)
                })
                .and_then(|()| conn.commit().map_err(|e| e.message))
                .unwrap_or_else(|e| panic!("seeding {id}: {e}"));
        }
    }
}
