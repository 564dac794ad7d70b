//! Faults on every engine: a failing statement rolls its whole migration back (its whole run
//! with `up_grouped`), an edited file is refused (a CRLF checkout is not), and `rebless`
//! accepts a reviewed edit.

#[allow(
    dead_code,
    reason = "shared with runner_scenarios, which uses the rest"
)]
mod runner_support;

use migrate::{Dialect, DownTarget, Error, State, Tier};
use runner_support::Setup;
use spine_tests::engines::Engine;
use spine_tests::fixtures::{if_not_exists, styled, write_migration};
use spine_tests::on_every_engine;

/// A migration whose third statement fails leaves no table from the first two and no
/// tracking row; the error names the migration, the statement and the database's message.
/// `third` is that failing statement; `mentions` a word the database's message must contain.
fn third_statement_fails(engine: Engine, third: &str, mentions: &str) {
    let setup = Setup::standard(engine);
    let dialect = setup.dialect();
    let ine = if_not_exists(dialect);
    let broken = styled(
        dialect,
        &format!(
            "-- @generated\n\
             CREATE TABLE {ine}t_partial_a (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(10) NOT NULL);\n\n\
             CREATE TABLE {ine}t_partial_b (id INTEGER NOT NULL PRIMARY KEY);\n\n\
             {third}\n"
        ),
    );
    write_migration(&setup.root, dialect, "basic/0002_broken", &broken, None);

    let result = setup.with_runner(|runner| runner.up(Tier::Advanced, &mut |_| {}));
    match result {
        Err(Error::MigrationFailed {
            id,
            statement,
            sql,
            message,
        }) => {
            assert_eq!(id, "basic/0002_broken");
            assert_eq!(statement, Some(3));
            let third = third.trim_end_matches(';').to_lowercase();
            assert_eq!(sql.map(|s| s.to_lowercase()), Some(third));
            assert!(message.to_lowercase().contains(mentions), "{message}");
        }
        other => panic!("expected the migration to fail, got {other:?}"),
    }
    assert_eq!(setup.tables(&["t_partial_a", "t_partial_b"]), 0);
    assert_eq!(setup.tracking_rows(), 1, "only basic/0001 is recorded");
    assert_eq!(setup.ids_in(State::Applied), ["basic/0001_source_configs"]);
    assert!(
        setup
            .ids_in(State::Pending)
            .contains(&"basic/0002_broken".to_string())
    );
}

/// Failing at compile time of the statement (PostgreSQL reports a position).
fn missing_table_rolls_back(engine: Engine) {
    third_statement_fails(
        engine,
        "INSERT INTO t_no_such_table (id) VALUES (1);",
        "t_no_such_table",
    );
}

/// A word the engine's message for a NULL in a NOT NULL column contains.
fn not_null_violation_word(engine: Engine) -> &'static str {
    match engine.dialect() {
        Dialect::Sqlite | Dialect::Postgres => "null",
        Dialect::Db2 => "sql0407n",
    }
}

/// Failing at run time (no position: the runner finds the statement by itself).
fn constraint_violation_rolls_back(engine: Engine) {
    let mentions = not_null_violation_word(engine);
    third_statement_fails(
        engine,
        "INSERT INTO t_partial_a (id, name) VALUES (1, NULL);",
        mentions,
    );
}

/// On a fresh database the tracking table is created in the first migration's transaction:
/// when that migration fails, not even the table remains.
fn failed_first_migration_leaves_no_tracking_table(engine: Engine) {
    let setup = Setup::standard(engine);
    let dialect = setup.dialect();
    let broken = styled(
        dialect,
        &format!(
            "-- @generated\n\
             CREATE TABLE {}t_first (id INTEGER NOT NULL PRIMARY KEY);\n\n\
             INSERT INTO t_no_such_table (id) VALUES (1);\n",
            if_not_exists(dialect)
        ),
    );
    write_migration(&setup.root, dialect, "basic/0000_broken", &broken, None);
    let result = setup.with_runner(|runner| runner.up(Tier::Advanced, &mut |_| {}));
    assert!(
        matches!(&result, Err(Error::MigrationFailed { id, statement: Some(2), .. }) if id == "basic/0000_broken"),
        "{result:?}"
    );
    assert_eq!(
        setup.count(&setup.tracking_sql().tracking_table_exists()),
        0
    );
    assert_eq!(setup.tables(&["t_first"]), 0);
}

/// A grouped run is all or nothing across migrations. Its third migration fails at run time on
/// a table created earlier in the same run: the error names that migration, statement and
/// text; on a fresh database nothing remains (not even the tracking table); after a
/// per-migration `up --tier basic`, basic stays and nothing of the grouped run does.
fn grouped_run_rolls_back_entirely(engine: Engine) {
    let setup = Setup::standard(engine);
    let dialect = setup.dialect();
    let ine = if_not_exists(dialect);
    let third = styled(
        dialect,
        "INSERT INTO t_schedules (id, name) VALUES ('s1', NULL);",
    );
    let broken = styled(
        dialect,
        &format!(
            "-- @generated\n\
             CREATE TABLE {ine}t_partial_a (id INTEGER NOT NULL PRIMARY KEY);\n\n\
             CREATE TABLE {ine}t_partial_b (id INTEGER NOT NULL PRIMARY KEY);\n\n\
             {third}"
        ),
    );
    write_migration(
        &setup.root,
        dialect,
        "intermediate/0003_broken",
        &broken,
        None,
    );
    let mentions = not_null_violation_word(engine);
    let run_fails = || {
        let result = setup.with_runner(|runner| runner.up_grouped(Tier::Advanced, &mut |_| {}));
        match result {
            Err(Error::RunFailed {
                id,
                statement,
                sql,
                message,
            }) => {
                assert_eq!(id, "intermediate/0003_broken");
                assert_eq!(statement, Some(3));
                assert_eq!(sql.as_deref(), Some(third.trim().trim_end_matches(';')));
                assert!(message.to_lowercase().contains(mentions), "{message}");
            }
            other => panic!("expected the grouped run to fail, got {other:?}"),
        }
    };
    let run_tables = ["t_schedules", "t_runs", "t_partial_a", "t_partial_b"];

    run_fails();
    assert_eq!(
        setup.count(&setup.tracking_sql().tracking_table_exists()),
        0
    );
    assert_eq!(setup.tables(&run_tables), 0);
    assert_eq!(setup.tables(&["t_source_configs"]), 0);

    let basic = setup.with_runner(|runner| runner.up(Tier::Basic, &mut |_| {}));
    assert!(basic.is_ok_and(|steps| steps.len() == 1));
    run_fails();
    assert_eq!(setup.tables(&run_tables), 0);
    assert_eq!(setup.tracking_rows(), 1);
    assert_eq!(setup.ids_in(State::Applied), ["basic/0001_source_configs"]);
}

/// CRLF line endings are not a change; an edit is, until reblessed.
fn edited_file_is_refused_but_crlf_is_not(engine: Engine) {
    let setup = Setup::standard(engine);
    let file = setup
        .root
        .join(setup.dialect().dir_name())
        .join("basic/0001_source_configs.up.sql");
    let up = |tier| setup.with_runner(|runner| runner.up(tier, &mut |_| {}));
    assert!(up(Tier::Basic).is_ok_and(|steps| steps.len() == 1));

    let original = std::fs::read_to_string(&file).unwrap_or_default();
    std::fs::write(&file, original.replace('\n', "\r\n")).unwrap_or_else(|e| panic!("{e}"));
    assert!(up(Tier::Intermediate).is_ok(), "CRLF checkout refused");
    assert!(setup.ids_in(State::Modified).is_empty());
    assert!(setup.with_runner(|runner| runner.validate()).is_ok());

    std::fs::write(&file, format!("{original}-- reviewed edit\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    let refused = up(Tier::Advanced);
    assert!(
        matches!(&refused, Err(Error::Modified(ids)) if ids == &["basic/0001_source_configs"]),
        "{refused:?}"
    );
    assert_eq!(setup.ids_in(State::Modified), ["basic/0001_source_configs"]);
    assert!(matches!(
        setup.with_runner(|runner| runner.validate()),
        Err(Error::Modified(_))
    ));
    assert!(
        setup.ids_in(State::Pending).len() >= 2,
        "nothing applied after refusal"
    );

    let reblessed = setup.with_runner(|runner| runner.rebless("basic/0001_source_configs"));
    assert!(reblessed.is_ok(), "{reblessed:?}");
    assert!(setup.with_runner(|runner| runner.validate()).is_ok());
    assert!(up(Tier::Advanced).is_ok_and(|steps| !steps.is_empty()));
    assert!(setup.ids_in(State::Pending).is_empty());
}

/// `down` refuses before changing anything when a down file is missing; a deleted file shows
/// as missing.
fn missing_files_are_reported(engine: Engine) {
    let setup = Setup::standard(engine);
    let dialect = setup.dialect();
    assert!(
        setup
            .with_runner(|runner| runner.up(Tier::Basic, &mut |_| {}))
            .is_ok()
    );
    let down_file = setup
        .root
        .join(dialect.dir_name())
        .join("basic/0001_source_configs.down.sql");
    std::fs::remove_file(&down_file).unwrap_or_else(|e| panic!("{e}"));
    let result = setup.with_runner(|runner| runner.down(&DownTarget::All, &mut |_| {}));
    assert!(
        matches!(&result, Err(Error::MissingDown { id, .. }) if id == "basic/0001_source_configs"),
        "{result:?}"
    );
    assert_eq!(setup.tracking_rows(), 1);

    let up_file = down_file.with_file_name("0001_source_configs.up.sql");
    std::fs::remove_file(&up_file).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(setup.ids_in(State::Missing), ["basic/0001_source_configs"]);
    assert!(matches!(
        setup.with_runner(|runner| runner.validate()),
        Err(Error::Missing(_))
    ));
}

on_every_engine!(
    missing_table_rolls_back,
    failed_first_migration_leaves_no_tracking_table,
    grouped_run_rolls_back_entirely,
    constraint_violation_rolls_back,
    edited_file_is_refused_but_crlf_is_not,
    missing_files_are_reported,
);
