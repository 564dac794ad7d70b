//! Transaction control in a migration file (COMMIT, ROLLBACK, SAVEPOINT, BEGIN ...) would end
//! or split the transaction the runner owns, so all-or-nothing would not hold while the runner
//! reported it did: such a file is refused before anything runs, naming file and line, on every
//! engine and with `up`, `up --group` and `down`. The generated tree (with the PostgreSQL
//! overlay's plpgsql `BEGIN ... END;` bodies) is accepted.

#[allow(dead_code, reason = "shared with the other runner suites")]
mod runner_support;

use migrate::{DownTarget, Error, State, Tier};
use runner_support::Setup;
use spine_tests::engines::Engine;
use spine_tests::fixtures::{if_not_exists, styled, write_migration};
use spine_tests::{generated, on_every_engine};

/// `basic/0002_tc`: a table, then `statements` from line 4 on. Running `up` (grouped when
/// `group`) must refuse it at line `line` for `sql`, before anything runs: not even
/// `basic/0001` (pending before it) is applied, and no tracking table is created.
fn refused_before_anything_runs(
    engine: Engine,
    statements: &str,
    sql: &str,
    line: usize,
    group: bool,
) {
    let setup = Setup::standard(engine);
    let dialect = setup.dialect();
    let ine = if_not_exists(dialect);
    let file = styled(
        dialect,
        &format!(
            "-- @generated\n\
             CREATE TABLE {ine}t_tc_a (id INTEGER NOT NULL PRIMARY KEY);\n\n\
             {statements}\n"
        ),
    );
    write_migration(&setup.root, dialect, "basic/0002_tc", &file, None);
    let result = setup.with_runner(|runner| {
        if group {
            runner.up_grouped(Tier::Advanced, &mut |_| {})
        } else {
            runner.up(Tier::Advanced, &mut |_| {})
        }
    });
    match &result {
        Err(Error::TransactionControl {
            path,
            line: found,
            sql: text,
        }) => {
            assert!(path.ends_with("basic/0002_tc.up.sql"), "{path}");
            assert_eq!(*found, line);
            assert_eq!(text.to_lowercase(), sql.to_lowercase());
        }
        other => panic!("expected the file to be refused, got {other:?}"),
    }
    let message = result.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.contains(&format!("basic/0002_tc.up.sql line {line}: `"))
            && message.contains("controls the transaction")
            && message.ends_with("Nothing was run"),
        "{message}"
    );
    assert_eq!(
        setup.count(&setup.tracking_sql().tracking_table_exists()),
        0
    );
    assert_eq!(setup.tables(&["t_tc_a", "t_tc_b", "source_configs"]), 0);
}

/// A COMMIT then a failing statement: the runner used to say "rolled back, nothing recorded"
/// while the first table and the tracking table stayed.
fn commit_then_failure_is_refused(engine: Engine) {
    refused_before_anything_runs(
        engine,
        "COMMIT;\n\nINSERT INTO t_no_such_table (id) VALUES (1);",
        "COMMIT",
        4,
        false,
    );
}

/// A ROLLBACK mid-file: the runner used to record the migration as applied, its first table
/// gone.
fn rollback_mid_file_is_refused(engine: Engine) {
    let ine = if_not_exists(engine.dialect());
    refused_before_anything_runs(
        engine,
        &format!("ROLLBACK;\n\nCREATE TABLE {ine}t_tc_b (id INTEGER NOT NULL PRIMARY KEY);"),
        "ROLLBACK",
        4,
        false,
    );
}

/// A SAVEPOINT (and the ROLLBACK TO after it), also in a grouped run.
fn savepoint_is_refused(engine: Engine) {
    let ine = if_not_exists(engine.dialect());
    let statements = format!(
        "\nSAVEPOINT s1;\n\nCREATE TABLE {ine}t_tc_b (id INTEGER NOT NULL PRIMARY KEY);\n\n\
         ROLLBACK TO SAVEPOINT s1;"
    );
    refused_before_anything_runs(engine, &statements, "SAVEPOINT s1", 5, false);
    refused_before_anything_runs(engine, &statements, "SAVEPOINT s1", 5, true);
}

/// BEGIN / START TRANSACTION at the top of a file, in a grouped run.
fn begin_is_refused_in_a_grouped_run(engine: Engine) {
    refused_before_anything_runs(engine, "BEGIN;", "BEGIN", 4, true);
}

/// `down` refuses a down file with a COMMIT before reverting anything.
fn down_file_with_commit_is_refused(engine: Engine) {
    let setup = Setup::standard(engine);
    let dialect = setup.dialect();
    setup
        .with_runner(|runner| runner.up(Tier::Advanced, &mut |_| {}))
        .unwrap_or_else(|e| panic!("{e}"));
    let applied = setup.tracking_rows();
    assert!(applied > 0);
    let down = setup
        .root
        .join(dialect.dir_name())
        .join("basic/0001_source_configs.down.sql");
    let sql = std::fs::read_to_string(&down).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&down, format!("COMMIT;\n{sql}")).unwrap_or_else(|e| panic!("{e}"));
    let result = setup.with_runner(|runner| runner.down(&DownTarget::All, &mut |_| {}));
    assert!(
        matches!(&result, Err(Error::TransactionControl { path, line: 1, sql })
            if path.ends_with("basic/0001_source_configs.down.sql") && sql.eq_ignore_ascii_case("commit")),
        "{result:?}"
    );
    assert_eq!(setup.tracking_rows(), applied, "nothing was reverted");
    assert!(setup.ids_in(State::Pending).is_empty());
}

/// The generated tree (every dialect's up and down files, the PostgreSQL overlay's plpgsql
/// bodies included) has no transaction control, and applies and reverts on every engine.
fn generated_tree_is_accepted(engine: Engine) {
    let dialect = engine.dialect();
    for direction in [
        migration_layout::Direction::Up,
        migration_layout::Direction::Down,
    ] {
        for file in generated::files(dialect, direction) {
            let found = migrate::split::transaction_control(&file.sql);
            assert!(found.is_none(), "{}: {found:?}", file.path.display());
        }
    }
    if dialect == migrate::Dialect::Postgres {
        let overlay = generated::files(dialect, migration_layout::Direction::Up)
            .into_iter()
            .find(|f| f.path.ends_with("pg/0001_pg_optimizations.up.sql"))
            .unwrap_or_else(|| panic!("no PostgreSQL overlay"));
        assert!(overlay.sql.contains("plpgsql") && overlay.sql.contains("\nBEGIN\n"));
    }
    let setup = Setup::empty(engine);
    let set = migrate::MigrationSet::from_dir(generated::root()).unwrap_or_else(|e| panic!("{e}"));
    let mut conn = setup.connect();
    let mut runner = migrate::Runner::new(conn.as_mut(), &set);
    let applied = runner
        .up(Tier::Advanced, &mut |_| {})
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(applied.len(), set.all(dialect).len());
    runner
        .down(&DownTarget::All, &mut |_| {})
        .unwrap_or_else(|e| panic!("{e}"));
}

on_every_engine!(
    commit_then_failure_is_refused,
    rollback_mid_file_is_refused,
    savepoint_is_refused,
    begin_is_refused_in_a_grouped_run,
    down_file_with_commit_is_refused,
    generated_tree_is_accepted,
);
