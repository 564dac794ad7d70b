//! Issue 13's runner classes on every engine: advice that matches the cause (an environment
//! failure is not "fix the migration"), `--dialect` checked against an ODBC driver's DBMS, and
//! tracking-table damage named by row and column.

#[allow(
    dead_code,
    reason = "shared with runner_scenarios, which uses the rest"
)]
mod runner_support;

use migrate::{Dialect, Target, Tier};
use runner_support::Setup;
use spine_tests::engines::Engine;
use spine_tests::fixtures::write_migration;
use spine_tests::on_every_engine;

/// A migration that fails because of its environment (SQLite: the database is full, through
/// `max_page_count`, as on a full disk; PostgreSQL: the server ends the connection, as when it
/// is killed) ends in advice about the environment, never "fix the migration" (failed before:
/// both said "fix the migration and run again").
fn an_environment_failure_is_not_blamed_on_the_migration(engine: Engine) {
    let setup = Setup::standard(engine);
    let dialect = setup.dialect();
    let (sql, expected) = match dialect {
        Dialect::Sqlite => (
            "PRAGMA max_page_count = 1;\nCREATE TABLE t_full (id INTEGER NOT NULL PRIMARY KEY);\n",
            "the disk is full: free space on the database's disk and run again; the migration itself may be fine",
        ),
        _ => (
            "SELECT pg_terminate_backend(pg_backend_pid());\n",
            "the connection to the database was lost (server stopped, killed or unreachable; \
             the server rolls back what was not committed): run again once it is back; the \
             migration itself may be fine",
        ),
    };
    write_migration(&setup.root, dialect, "basic/0002_environment", sql, None);
    let result = setup.with_runner(|runner| runner.up(Tier::Advanced, &mut |_| {}));
    let message = match result {
        Err(error) => error.to_string(),
        Ok(steps) => panic!("expected a failure, got {steps:?}"),
    };
    assert!(message.contains(expected), "{message}");
    assert!(!message.contains("fix the migration"), "{message}");
    assert_eq!(setup.tracking_rows(), 1, "only basic/0001 is recorded");
}

/// `--dialect` naming another dialect than the database's is refused before anything runs;
/// through ODBC it names the driver's DBMS (failed before: ODBC accepted `--dialect db2`
/// against SQLite and PostgreSQL drivers, then failed with raw SQL errors).
fn a_dialect_that_does_not_match_the_database_is_refused(engine: Engine) {
    let setup = Setup::standard(engine);
    let wrong = match setup.dialect() {
        Dialect::Db2 => Dialect::Sqlite,
        _ => Dialect::Db2,
    };
    let target: Target = setup.db.target.parse().unwrap_or_else(|e| panic!("{e}"));
    let message = match target.connect(Some(wrong)) {
        Err(error) => error.to_string(),
        Ok(_) => panic!("--dialect {wrong} accepted on {engine:?}"),
    };
    let expected = if engine.is_odbc() {
        format!("--dialect {wrong} does not match the DBMS of this ODBC driver, '")
    } else {
        format!(
            "--dialect {wrong} does not match this {} database",
            setup.dialect()
        )
    };
    assert!(message.contains(&expected), "{message}");
    if engine.is_odbc() {
        assert!(
            message.contains(&format!(
                "omit --dialect (it is read from the driver) or pass --dialect {}",
                setup.dialect()
            )),
            "{message}"
        );
    }
}

/// A NULL or wrong-typed value in `_migrations`, and a missing column, are named by row and
/// column in the runner's words (failed before: "Invalid column type Null at index: 1",
/// "error deserializing column 1", "no such column: applied_at").
fn tracking_table_damage_is_named_by_row_and_column(engine: Engine) {
    let setup = Setup::standard(engine);
    setup
        .with_runner(|runner| runner.up(Tier::Advanced, &mut |_| {}))
        .unwrap_or_else(|e| panic!("{e}"));
    let row = "WHERE migration_id = 'basic/0001_source_configs'";
    let (column, problem) = match setup.dialect() {
        Dialect::Sqlite => {
            setup.execute(&format!("UPDATE _migrations SET duration_ms = 'abc' {row}"));
            let problem = if engine.is_odbc() {
                "'abc', not an integer,"
            } else {
                "a value of SQLite type TEXT"
            };
            ("duration_ms", problem)
        }
        _ => {
            setup.execute("ALTER TABLE _migrations ALTER COLUMN applied_at DROP NOT NULL");
            setup.execute(&format!("UPDATE _migrations SET applied_at = NULL {row}"));
            ("applied_at", "NULL")
        }
    };
    let message = match setup.with_runner(|runner| runner.status()) {
        Err(error) => error.to_string(),
        Ok(_) => panic!("a damaged tracking table was read"),
    };
    assert!(
        message.contains(&format!(
            "the tracking table _migrations is damaged: the row of migration \
             basic/0001_source_configs has {problem} in column {column}, which must hold"
        )) && message.contains("repair that value with SQL"),
        "{message}"
    );
    setup.execute("ALTER TABLE _migrations DROP COLUMN applied_at");
    let message = match setup.with_runner(|runner| runner.status()) {
        Err(error) => error.to_string(),
        Ok(_) => panic!("a tracking table without applied_at was read"),
    };
    assert!(
        message.contains("the tracking table _migrations is damaged: it has no column applied_at")
            && message
                .contains("restore the column (ALTER TABLE _migrations ADD COLUMN applied_at"),
        "{message}"
    );
}

on_every_engine!(
    an_environment_failure_is_not_blamed_on_the_migration except [Db2Odbc],
    a_dialect_that_does_not_match_the_database_is_refused,
    tracking_table_damage_is_named_by_row_and_column except [Db2Odbc],
);
