//! `migrate drift` and `up`'s adoption check on real engines: a freshly migrated database
//! reports nothing at every tier (with and without the PostgreSQL overlay); seven hand edits
//! are each found with their one-line message; the PostgreSQL overlay's objects are drift when
//! edited and maintenance's monthly partitions are not; and `up` refuses a table that another
//! tool created in another shape (the design document's own SQLite DDL, whose keys accept
//! NULL, with an index moved to the wrong column), recording nothing.

use migrate::error::Error;
use migrate::{MigrationSet, Runner, State, Tier};
use migration_layout::{Dialect, sql_string_literal};
use schema_sql::partition::{Month, maintenance_sql};
use spine_tests::engines::{Engine, TestDatabase};
use spine_tests::fixtures::design_document_sqlite_ddl;
use spine_tests::live::Live;
use spine_tests::{generated, on_every_engine};

/// The generated migrations, with their shapes files.
fn generated_set() -> MigrationSet {
    MigrationSet::from_dir(generated::root()).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `work` with a runner of `set` on `db`, on a connection of the runner's own driver.
fn with_runner<T>(
    db: &TestDatabase,
    set: &MigrationSet,
    work: impl FnOnce(&mut Runner<'_>) -> T,
) -> T {
    let target: migrate::Target = db.target.parse().unwrap_or_else(|e| panic!("{e}"));
    let mut conn = target.connect(None).unwrap_or_else(|e| panic!("{e}"));
    work(&mut Runner::new(conn.as_mut(), set))
}

fn drift(db: &TestDatabase, set: &MigrationSet) -> Vec<String> {
    with_runner(db, set, |runner| runner.drift()).unwrap_or_else(|e| panic!("drift: {e}"))
}

/// `name` as the dialect stores it.
fn n(dialect: Dialect, name: &str) -> String {
    match dialect {
        Dialect::Db2 => name.to_ascii_uppercase(),
        Dialect::Sqlite | Dialect::Postgres => name.to_string(),
    }
}

/// Runs each statement on its own (Db2's CLI takes one at a time), committed.
fn execute(live: &mut Live, statements: &[String]) {
    for statement in statements {
        live.execute(statement);
    }
}

/// SQLite has no ALTER for a column's type, nullability or constraints: a DBA edits the
/// table's SQL in `sqlite_master` (`PRAGMA writable_schema`), which every new connection
/// reads. Replaces `from` by `to` in `table`'s CREATE TABLE.
fn sqlite_rewrite(live: &mut Live, table: &str, from: &str, to: &str) -> Vec<String> {
    let rows = live.rows(&format!(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '{table}'"
    ));
    let sql = rows
        .first()
        .and_then(|row| row[0].clone())
        .unwrap_or_else(|| panic!("no table {table}"));
    assert!(sql.contains(from), "{table}: `{from}` not in {sql}");
    vec![
        "PRAGMA writable_schema = ON".to_string(),
        format!(
            "UPDATE sqlite_master SET sql = {} WHERE type = 'table' AND name = '{table}'",
            sql_string_literal(&sql.replace(from, to))
        ),
        "PRAGMA writable_schema = OFF".to_string(),
    ]
}

/// A freshly migrated database reports nothing: at each tier on its own database, tier by
/// tier on one database, and without the PostgreSQL overlay (up to the last tier migration).
fn fresh_databases_report_nothing(engine: Engine) {
    let set = generated_set();
    let stepwise = engine.fresh();
    for tier in Tier::ALL {
        let db = engine.fresh();
        with_runner(&db, &set, |runner| runner.up(tier, &mut |_| {}))
            .unwrap_or_else(|e| panic!("up to {tier}: {e}"));
        assert_eq!(
            drift(&db, &set),
            Vec::<String>::new(),
            "{engine:?} at tier {tier}"
        );
        with_runner(&stepwise, &set, |runner| runner.up(tier, &mut |_| {}))
            .unwrap_or_else(|e| panic!("up to {tier}: {e}"));
        assert_eq!(
            drift(&stepwise, &set),
            Vec::<String>::new(),
            "{engine:?} tier by tier, at {tier}"
        );
    }
    // Another tracking table is not drift either.
    let custom = engine.fresh();
    let target: migrate::Target = custom.target.parse().unwrap_or_else(|e| panic!("{e}"));
    let mut conn = target.connect(None).unwrap_or_else(|e| panic!("{e}"));
    let tracking: migrate::TrackingTable = "spine_runs".parse().unwrap_or_else(|e| panic!("{e}"));
    let mut runner = Runner::new(conn.as_mut(), &set).with_tracking_table(tracking);
    runner
        .up(Tier::Advanced, &mut |_| {})
        .unwrap_or_else(|e| panic!("up: {e}"));
    assert_eq!(
        runner.drift().unwrap_or_else(|e| panic!("drift: {e}")),
        Vec::<String>::new(),
        "{engine:?} with the tracking table spine_runs"
    );
    drop(conn);
    let without_overlay = engine.fresh();
    with_runner(&without_overlay, &set, |runner| {
        runner.up_until(
            Tier::Advanced,
            "advanced/0002_circuit_breakers",
            false,
            &mut |_| {},
        )
    })
    .unwrap_or_else(|e| panic!("up to the last tier migration: {e}"));
    assert_eq!(
        drift(&without_overlay, &set),
        Vec::<String>::new(),
        "{engine:?} without the overlay"
    );
    if engine.dialect() == Dialect::Postgres {
        let status = with_runner(&without_overlay, &set, |runner| runner.status())
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            status
                .iter()
                .any(|e| e.id == "pg/0001_pg_optimizations" && e.state == State::Pending),
            "the overlay is pending: {status:?}"
        );
    }
}

/// One hand edit: its statements and the line drift reports for it.
struct HandEdit {
    statements: Vec<String>,
    line: String,
}

/// The seven hand edits of the issue, in `dialect`'s SQL, with the line each gives.
fn hand_edits(dialect: Dialect, live: &mut Live) -> Vec<HandEdit> {
    let n = |name: &str| n(dialect, name);
    let (wide, narrow) = match dialect {
        Dialect::Sqlite => ("VARCHAR(100)", "TEXT"),
        Dialect::Postgres => ("character varying(100)", "character varying(50)"),
        Dialect::Db2 => ("VARCHAR(100)", "VARCHAR(50)"),
    };
    let widen = match dialect {
        Dialect::Sqlite => sqlite_rewrite(
            live,
            "alert_history",
            "channel TEXT NOT NULL",
            "channel VARCHAR(100) NOT NULL",
        ),
        Dialect::Postgres => {
            vec!["ALTER TABLE alert_history ALTER COLUMN channel TYPE VARCHAR(100)".to_string()]
        }
        Dialect::Db2 => vec![
            "ALTER TABLE ALERT_HISTORY ALTER COLUMN CHANNEL SET DATA TYPE VARCHAR(100)".to_string(),
        ],
    };
    let accept_null = match dialect {
        Dialect::Sqlite => sqlite_rewrite(
            live,
            "workflow_step_runs",
            "run_id TEXT NOT NULL,",
            "run_id TEXT,",
        ),
        Dialect::Postgres => {
            vec!["ALTER TABLE workflow_step_runs ALTER COLUMN run_id DROP NOT NULL".to_string()]
        }
        Dialect::Db2 => vec![
            "ALTER TABLE WORKFLOW_STEP_RUNS ALTER COLUMN RUN_ID DROP NOT NULL".to_string(),
            "CALL SYSPROC.ADMIN_CMD('REORG TABLE WORKFLOW_STEP_RUNS')".to_string(),
        ],
    };
    let (drop_fk, fk_label) = match dialect {
        Dialect::Sqlite => (
            sqlite_rewrite(
                live,
                "scheduler_runs",
                ",\n    CONSTRAINT fk_scheduler_runs_schedule_name FOREIGN KEY (schedule_name) REFERENCES scheduler_schedules (name)",
                "",
            ),
            "foreign key (schedule_name)".to_string(),
        ),
        Dialect::Postgres | Dialect::Db2 => (
            vec![format!(
                "ALTER TABLE {} DROP CONSTRAINT {}",
                n("scheduler_runs"),
                n("fk_scheduler_runs_schedule_name")
            )],
            format!("foreign key `{}`", n("fk_scheduler_runs_schedule_name")),
        ),
    };
    let note_type = match dialect {
        Dialect::Sqlite | Dialect::Postgres => "TEXT",
        Dialect::Db2 => "VARCHAR(10)",
    };
    vec![
        HandEdit {
            statements: vec![format!("DROP INDEX {}", n("idx_step_runs_status"))],
            line: format!(
                "table `{}`, index `{}`: missing",
                n("workflow_step_runs"),
                n("idx_step_runs_status")
            ),
        },
        HandEdit {
            statements: vec![
                format!("DROP INDEX {}", n("idx_source_configs_type")),
                format!(
                    "CREATE INDEX {} ON {} ({})",
                    n("idx_source_configs_type"),
                    n("core_source_configs"),
                    n("name")
                ),
            ],
            line: format!(
                "table `{}`, index `{}`: on ({}), expected on ({})",
                n("core_source_configs"),
                n("idx_source_configs_type"),
                n("name"),
                n("source_type")
            ),
        },
        HandEdit {
            statements: widen,
            line: format!(
                "table `{}`, column `{}`: type {wide}, expected {narrow}",
                n("alert_history"),
                n("channel")
            ),
        },
        HandEdit {
            statements: accept_null,
            line: format!(
                "table `{}`, column `{}`: accepts NULL, expected NOT NULL",
                n("workflow_step_runs"),
                n("run_id")
            ),
        },
        HandEdit {
            statements: drop_fk,
            line: format!("table `{}`, {fk_label}: missing", n("scheduler_runs")),
        },
        HandEdit {
            statements: vec![format!(
                "ALTER TABLE {} ADD COLUMN {} {note_type}",
                n("dead_letter_queue"),
                n("note")
            )],
            line: format!(
                "table `{}`, column `{}`: not declared",
                n("dead_letter_queue"),
                n("note")
            ),
        },
        HandEdit {
            statements: vec![format!("DROP TABLE {}", n("circuit_breakers"))],
            line: format!("table `{}`: missing", n("circuit_breakers")),
        },
    ]
}

/// Each hand edit, one after the other on one migrated database: after each, drift reports
/// exactly the lines of the edits so far.
fn hand_edits_are_each_found(engine: Engine) {
    let dialect = engine.dialect();
    let set = generated_set();
    let db = engine.fresh();
    with_runner(&db, &set, |runner| runner.up(Tier::Advanced, &mut |_| {}))
        .unwrap_or_else(|e| panic!("up: {e}"));
    let edits = hand_edits(dialect, &mut db.live());
    assert_eq!(edits.len(), 7);
    let mut expected = Vec::new();
    for (k, edit) in edits.into_iter().enumerate() {
        let mut live = db.live();
        execute(&mut live, &edit.statements);
        drop(live);
        expected.push(edit.line);
        expected.sort();
        let mut found = drift(&db, &set);
        found.sort();
        assert_eq!(found, expected, "{engine:?} after hand edit {}", k + 1);
    }
}

/// The PostgreSQL overlay: the monthly partitions maintenance creates are not drift; a dropped
/// trigger and a detached DEFAULT partition are.
fn overlay_objects_are_drift_and_maintenance_is_not(engine: Engine) {
    let set = generated_set();
    let db = engine.fresh();
    with_runner(&db, &set, |runner| runner.up(Tier::Advanced, &mut |_| {}))
        .unwrap_or_else(|e| panic!("up: {e}"));
    let maintenance = maintenance_sql(
        &schema_defs::schema(),
        Dialect::Postgres,
        Month::new(2026, 11).unwrap_or_else(|| panic!("a month")),
        3,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut live = db.live();
    live.execute(&format!("BEGIN;\n{maintenance}\nCOMMIT;"));
    let partitions =
        live.rows("SELECT count(*) FROM pg_inherits WHERE inhparent = 'workflow_runs'::regclass");
    assert_eq!(
        partitions[0][0].as_deref(),
        Some("4"),
        "DEFAULT and three months"
    );
    drop(live);
    assert_eq!(
        drift(&db, &set),
        Vec::<String>::new(),
        "maintenance is not drift"
    );

    let mut live = db.live();
    live.execute("DROP TRIGGER workflow_runs_keys_sync_key ON workflow_runs");
    live.execute("ALTER TABLE workflow_runs DETACH PARTITION workflow_runs_default");
    drop(live);
    let mut found = drift(&db, &set);
    found.sort();
    assert_eq!(
        found,
        [
            "table `workflow_runs_default`: exists, but no applied migration creates it",
            "table `workflow_runs`, partition `workflow_runs_default`: missing",
            "table `workflow_runs`, trigger `workflow_runs_keys_sync_key`: missing",
        ]
    );
}

/// The database another tool prepared, and the lines `up` must refuse it with: on SQLite the
/// design document's own DDL (its `TEXT PRIMARY KEY` accepts NULL); on PostgreSQL a hand-made
/// `core_source_configs` whose UNIQUE key accepts NULL; on Db2 (which refuses a nullable key)
/// one whose boolean lacks its CHECK (Db2's files have no IF NOT EXISTS, so there `up` fails
/// at the CREATE TABLE before any comparison). Each with `idx_source_configs_type` on the
/// wrong column.
fn prepared_by_another_tool(dialect: Dialect, live: &mut Live) -> Vec<String> {
    let wrong_index = |n: &dyn Fn(&str) -> String| {
        format!(
            "table `{}`, index `{}`: on ({}), expected on ({})",
            n("core_source_configs"),
            n("idx_source_configs_type"),
            n("name"),
            n("source_type")
        )
    };
    let n = |name: &str| n(dialect, name);
    let mut lines = match dialect {
        Dialect::Sqlite => {
            let blocks = design_document_sqlite_ddl();
            assert_eq!(blocks.len(), 8, "the design document's eight tables");
            for block in &blocks {
                live.execute(block);
            }
            vec![
                "table `core_source_configs`, column `source_id`: accepts NULL, expected NOT NULL"
                    .to_string(),
            ]
        }
        Dialect::Postgres => {
            live.execute(
                "CREATE TABLE core_source_configs (
                    source_id VARCHAR(50) PRIMARY KEY,
                    source_type VARCHAR(20) NOT NULL,
                    name VARCHAR(100) UNIQUE,
                    config JSONB NOT NULL,
                    enabled BOOLEAN DEFAULT TRUE,
                    created_at TIMESTAMP NOT NULL DEFAULT NOW(),
                    updated_at TIMESTAMP NOT NULL DEFAULT NOW()
                );
                CREATE INDEX idx_source_configs_type ON core_source_configs (source_type);
                CREATE INDEX idx_source_configs_name ON core_source_configs (name);",
            );
            vec![
                "table `core_source_configs`, column `name`: accepts NULL, expected NOT NULL"
                    .to_string(),
            ]
        }
        Dialect::Db2 => {
            execute(
                live,
                &[
                    "CREATE TABLE CORE_SOURCE_CONFIGS (SOURCE_ID VARCHAR(50) NOT NULL PRIMARY KEY, \
                     SOURCE_TYPE VARCHAR(20) NOT NULL, NAME VARCHAR(100) NOT NULL UNIQUE, \
                     CONFIG CLOB(1M) NOT NULL, ENABLED SMALLINT DEFAULT 1, \
                     CREATED_AT TIMESTAMP DEFAULT CURRENT TIMESTAMP NOT NULL, \
                     UPDATED_AT TIMESTAMP DEFAULT CURRENT TIMESTAMP NOT NULL)"
                        .to_string(),
                    "CREATE INDEX IDX_SOURCE_CONFIGS_TYPE ON CORE_SOURCE_CONFIGS (SOURCE_TYPE)".to_string(),
                    "CREATE INDEX IDX_SOURCE_CONFIGS_NAME ON CORE_SOURCE_CONFIGS (NAME)".to_string(),
                ],
            );
            vec!["table `CORE_SOURCE_CONFIGS`: CHECK (ENABLED IN (0, 1)) missing".to_string()]
        }
    };
    execute(
        live,
        &[
            format!("DROP INDEX {}", n("idx_source_configs_type")),
            format!(
                "CREATE INDEX {} ON {} ({})",
                n("idx_source_configs_type"),
                n("core_source_configs"),
                n("name")
            ),
        ],
    );
    lines.push(wrong_index(&n));
    lines.sort();
    lines
}

/// `up` (per migration and grouped) refuses a database another tool prepared in another shape,
/// listing the differences, and records nothing; once the table is repaired it applies.
fn up_refuses_a_table_of_another_shape(engine: Engine) {
    let dialect = engine.dialect();
    let set = generated_set();
    let db = engine.fresh();
    let mut live = db.live();
    let expected = prepared_by_another_tool(dialect, &mut live);
    drop(live);
    for grouped in [false, true] {
        let refused = with_runner(&db, &set, |runner| {
            if grouped {
                runner.up_grouped(Tier::Advanced, &mut |_| {})
            } else {
                runner.up(Tier::Advanced, &mut |_| {})
            }
        });
        match (dialect, refused) {
            (
                Dialect::Sqlite | Dialect::Postgres,
                Err(Error::ShapeMismatch {
                    id, differences, ..
                }),
            ) => {
                assert_eq!(id, "basic/0001_source_configs");
                assert_eq!(differences, expected, "{engine:?}");
            }
            // Db2's files have no IF NOT EXISTS: the CREATE TABLE itself fails (SQL0601N).
            (
                Dialect::Db2,
                Err(Error::MigrationFailed { id, .. } | Error::RunFailed { id, .. }),
            ) => assert_eq!(id, "basic/0001_source_configs"),
            (_, other) => panic!("{engine:?}: up adopted the table: {other:?}"),
        }
        let status =
            with_runner(&db, &set, |runner| runner.status()).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            status.iter().all(|e| e.state == State::Pending),
            "{engine:?}: nothing recorded: {status:?}"
        );
    }
    let message = with_runner(&db, &set, |runner| runner.up(Tier::Advanced, &mut |_| {}))
        .map(|_| String::new())
        .unwrap_or_else(|e| e.to_string());
    assert!(
        dialect == Dialect::Db2
            || message.starts_with(
                "migration basic/0001_source_configs leaves its tables in another shape"
            ) && message.contains(&expected.join("; "))
                && message.contains("rolled back, nothing recorded; run `spine-migrate drift`"),
        "{message}"
    );

    let mut live = db.live();
    let tables: Vec<String> = live.introspect().tables.into_keys().collect();
    for table in tables.iter().rev() {
        live.execute(&format!("DROP TABLE {table}"));
    }
    drop(live);
    with_runner(&db, &set, |runner| runner.up(Tier::Advanced, &mut |_| {}))
        .unwrap_or_else(|e| panic!("{engine:?}: up once the tables are gone: {e}"));
    assert_eq!(drift(&db, &set), Vec::<String>::new());
}

/// A new table whose index name another table's index already holds: `CREATE INDEX IF NOT
/// EXISTS` would skip it; the check (the index name exists before the migration) refuses.
/// Db2 has no IF NOT EXISTS: there the CREATE INDEX itself fails.
fn up_refuses_an_index_name_taken_elsewhere(engine: Engine) {
    let set = generated_set();
    let db = engine.fresh();
    let mut live = db.live();
    live.execute("CREATE TABLE other_tool (x INTEGER)");
    live.execute("CREATE INDEX idx_source_configs_type ON other_tool (x)");
    drop(live);
    let refused = with_runner(&db, &set, |runner| runner.up(Tier::Advanced, &mut |_| {}));
    match refused {
        Err(Error::ShapeMismatch {
            id, differences, ..
        }) => {
            assert_eq!(id, "basic/0001_source_configs");
            assert_eq!(
                differences,
                ["table `core_source_configs`, index `idx_source_configs_type`: missing"]
            );
        }
        other => panic!("{engine:?}: the index was skipped: {other:?}"),
    }
}

/// A migration that changes existing tables is compared whole: the PostgreSQL overlay on a
/// database where a DBA dropped an index of `workflow_step_runs` (which it changes) is refused.
fn up_refuses_to_change_a_drifted_table(engine: Engine) {
    let set = generated_set();
    let db = engine.fresh();
    with_runner(&db, &set, |runner| {
        runner.up_until(
            Tier::Advanced,
            "advanced/0002_circuit_breakers",
            false,
            &mut |_| {},
        )
    })
    .unwrap_or_else(|e| panic!("up: {e}"));
    db.live().execute("DROP INDEX idx_step_runs_status");
    let refused = with_runner(&db, &set, |runner| runner.up(Tier::Advanced, &mut |_| {}));
    match refused {
        Err(Error::ShapeMismatch {
            id, differences, ..
        }) => {
            assert_eq!(id, "pg/0001_pg_optimizations");
            assert_eq!(
                differences,
                ["table `workflow_step_runs`, index `idx_step_runs_status`: missing"]
            );
        }
        other => panic!("{engine:?}: the overlay ran on a drifted table: {other:?}"),
    }
    assert_eq!(
        drift(&db, &set),
        ["table `workflow_step_runs`, index `idx_step_runs_status`: missing"],
        "the overlay rolled back whole"
    );
}

/// Without a shapes file (a hand-written migrations directory) drift says where to get one,
/// and `up` applies without the check.
#[test]
fn a_directory_without_shapes_cannot_be_compared() {
    let db = Engine::Sqlite.fresh();
    let root = db.scratch_path("migrations");
    spine_tests::fixtures::write_standard(&root, Dialect::Sqlite);
    let set = MigrationSet::from_dir(&root).unwrap_or_else(|e| panic!("{e}"));
    with_runner(&db, &set, |runner| runner.up(Tier::Advanced, &mut |_| {}))
        .unwrap_or_else(|e| panic!("up: {e}"));
    let error = with_runner(&db, &set, |runner| runner.drift()).map_err(|e| e.to_string());
    assert_eq!(
        error,
        Err(format!(
            "no expected shapes in {}: drift compares the database with sqlite/shapes.json, which \
             `cargo run -p codegen` writes beside the generated migrations; hand-written migration \
             directories have none (pass --dir with a generated tree, or use the files embedded in \
             spine-migrate)",
            root.display()
        ))
    );
}

on_every_engine!(
    fresh_databases_report_nothing,
    hand_edits_are_each_found,
    overlay_objects_are_drift_and_maintenance_is_not except [Sqlite, SqliteOdbc, Db2Odbc],
    up_refuses_a_table_of_another_shape,
    up_refuses_an_index_name_taken_elsewhere except [Db2Odbc],
    up_refuses_to_change_a_drifted_table except [Sqlite, SqliteOdbc, Db2Odbc],
);
