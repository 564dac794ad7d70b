//! The `migrate` binary as operators run it, in separate processes: four runners at once
//! (per-migration and `--group`), a runner killed mid-migration, read-only commands on a
//! SQLite file that does not exist, the default SQLite run, and one-line errors without
//! passwords. (Here rather than in `tests/` because only this package's tests get
//! `CARGO_BIN_EXE_spine-migrate`.)

#![allow(
    clippy::panic,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

#[path = "../../tests/runner_support/mod.rs"]
#[allow(
    dead_code,
    reason = "shared with tests/runner_*.rs, which use the rest"
)]
mod runner_support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::thread::sleep;
use std::time::Duration;

use migrate::{Dialect, State};
use runner_support::Setup;
use spine_tests::engines::Engine;
use spine_tests::fixtures::{
    if_not_exists, standard_for, standard_tables, styled, write_migration,
};
use spine_tests::on_every_engine;

/// The binary, with no target from the environment.
fn migrate() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_spine-migrate"));
    command
        .env_remove("SPINE_DATABASE_URL")
        .env_remove("DATABASE_URL")
        .env_remove("SPINE_TRACKING_TABLE");
    command
}

/// The binary pointed at `setup`'s fixtures and database.
fn migrate_on(setup: &Setup) -> Command {
    let mut command = migrate();
    command
        .arg("--dir")
        .arg(&setup.root)
        .arg("--target")
        .arg(&setup.db.target);
    command
}

fn run(mut command: Command) -> Output {
    command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("running migrate: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&output.stdout), text(&output.stderr)))
}

/// Four runners started at once on a fresh database (the tracking table does not exist yet)
/// apply each migration exactly once between them.
fn concurrent_runners(engine: Engine) {
    four_runners_at_once(engine, &["--json", "up"]);
}

/// The same with `up --group`: one runner applies everything in one transaction.
fn concurrent_grouped_runners(engine: Engine) {
    four_runners_at_once(engine, &["--json", "up", "--group"]);
}

fn four_runners_at_once(engine: Engine, args: &[&str]) {
    let setup = Setup::standard(engine);
    let dialect = setup.dialect();
    let children: Vec<_> = (0..4)
        .map(|_| {
            let mut command = migrate_on(&setup);
            command
                .args(args)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("spawning migrate: {e}"))
        })
        .collect();
    let mut applied_by: BTreeMap<String, usize> = BTreeMap::new();
    for child in children {
        let output = child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("waiting for migrate: {e}"));
        assert!(
            output.status.success(),
            "runner failed: {}",
            text(&output.stderr)
        );
        let report = json(&output);
        for step in report["steps"].as_array().into_iter().flatten() {
            let id = step["id"].as_str().unwrap_or_default().to_string();
            *applied_by.entry(id).or_default() += 1;
        }
    }
    let expected: BTreeMap<String, usize> = standard_for(dialect)
        .iter()
        .map(|m| (m.id.to_string(), 1))
        .collect();
    assert_eq!(applied_by, expected, "each migration applied exactly once");
    assert_eq!(setup.tracking_rows(), expected.len() as i64);
    assert_eq!(
        setup.tables(&standard_tables(dialect)),
        expected.len() as i64
    );
}

/// A statement that keeps the engine busy for a few seconds.
fn slow_statement(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Postgres => "SELECT pg_sleep(4);",
        Dialect::Db2 => {
            "WITH c(x) AS (SELECT 1 FROM SYSIBM.SYSDUMMY1 UNION ALL SELECT x + 1 FROM c WHERE x < 50000000) SELECT COUNT(*) FROM c;"
        }
        Dialect::Sqlite => {
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000000) SELECT COUNT(*) FROM c;"
        }
    }
}

/// A runner killed with SIGKILL inside a migration leaves the database as before that
/// migration, and the next run completes with no manual unlock.
fn killed_runner_leaves_no_trace(engine: Engine) {
    let setup = Setup::standard(engine);
    let dialect = setup.dialect();
    let ine = if_not_exists(dialect);
    let slow = styled(
        dialect,
        &format!(
            "-- @generated\nCREATE TABLE {ine}t_slow_a (id INTEGER NOT NULL PRIMARY KEY);\n\n{}\n\n\
             CREATE TABLE {ine}t_slow_b (id INTEGER NOT NULL PRIMARY KEY);\n",
            slow_statement(dialect)
        ),
    );
    write_migration(&setup.root, dialect, "basic/0002_slow", &slow, None);

    let mut command = migrate_on(&setup);
    let mut child = command
        .args(["--quiet", "up", "--tier", "basic"])
        .stdin(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("spawning migrate: {e}"));
    let mut polls = 0;
    while setup.tracking_rows() < 1 {
        let exited = child.try_wait().unwrap_or_else(|e| panic!("{e}"));
        assert!(
            exited.is_none(),
            "runner exited before the slow migration: {exited:?}"
        );
        polls += 1;
        assert!(polls < 1200, "runner never recorded basic/0001");
        sleep(Duration::from_millis(50));
    }
    sleep(Duration::from_millis(500));
    let still_running = child.try_wait().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        still_running.is_none(),
        "runner finished before it was killed"
    );
    child.kill().unwrap_or_else(|e| panic!("SIGKILL: {e}"));
    let status = child.wait().unwrap_or_else(|e| panic!("{e}"));
    assert!(!status.success());

    assert_eq!(setup.tracking_rows(), 1, "only basic/0001 is recorded");
    assert_eq!(setup.tables(&["t_slow_a", "t_slow_b"]), 0);

    let mut again = migrate_on(&setup);
    again.args(["up", "--tier", "basic"]);
    let output = run(again);
    assert!(
        output.status.success(),
        "next run failed: {}",
        text(&output.stderr)
    );
    assert_eq!(setup.tracking_rows(), 2);
    assert_eq!(setup.tables(&["t_slow_a", "t_slow_b"]), 2);
}

on_every_engine!(
    concurrent_runners,
    concurrent_grouped_runners,
    killed_runner_leaves_no_trace
);

/// Four runners at once on a database the seed runner migrated: the table is upgraded once,
/// the seed runner's rows stay unverified, every other migration is applied exactly once.
fn four_runners_adopt_seed_table(engine: Engine, args: &[&str]) {
    let setup = Setup::standard(engine);
    setup.seed_runner_database();
    let children: Vec<_> = (0..4)
        .map(|_| {
            let mut command = migrate_on(&setup);
            command
                .args(args)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("spawning migrate: {e}"))
        })
        .collect();
    let mut applied = Vec::new();
    for child in children {
        let output = child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("waiting for migrate: {e}"));
        assert!(
            output.status.success(),
            "runner failed: {}",
            text(&output.stderr)
        );
        let report = json(&output);
        for step in report["steps"].as_array().into_iter().flatten() {
            applied.push(step["id"].as_str().unwrap_or_default().to_string());
        }
    }
    applied.sort();
    let seeded = ["basic/0001_source_configs", "intermediate/0001_schedules"];
    let mut expected: Vec<String> = standard_for(setup.dialect())
        .iter()
        .filter(|m| !seeded.contains(&m.id))
        .map(|m| m.id.to_string())
        .collect();
    expected.sort();
    assert_eq!(
        applied, expected,
        "each pending migration applied exactly once"
    );
    assert_eq!(setup.count(&setup.tracking_sql().tracking_columns()), 4);
    assert_eq!(setup.ids_in(State::Unverified), seeded);
    assert_eq!(
        setup.tracking_rows(),
        standard_for(setup.dialect()).len() as i64
    );

    let mut validate = migrate_on(&setup);
    validate.arg("validate");
    let refused = run(validate);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("rebless --all-unverified"),
        "{}",
        text(&refused.stderr)
    );
    let mut rebless = migrate_on(&setup);
    rebless.args(["--json", "rebless", "--all-unverified"]);
    let report = json(&run(rebless));
    assert_eq!(report["ids"], serde_json::json!(seeded), "{report}");
    let mut validate = migrate_on(&setup);
    validate.arg("validate");
    let output = run(validate);
    assert!(output.status.success(), "{}", text(&output.stderr));
}

/// The seed-runner adoption with four runners at once, per migration and with `--group`.
fn concurrent_runners_adopt_seed_table(engine: Engine) {
    four_runners_adopt_seed_table(engine, &["--json", "up"]);
    four_runners_adopt_seed_table(engine, &["--json", "up", "--group"]);
}

// Db2 is left out: the seed runner's unquoted `_migrations` is not a valid Db2 name.
on_every_engine!(concurrent_runners_adopt_seed_table except [Db2Odbc]);

/// `status`, `plan` and `validate` on a SQLite file that does not exist report every migration
/// pending and leave no file behind; `up --group` then applies them all in one transaction.
#[test]
fn read_only_commands_do_not_create_the_sqlite_file() {
    let setup = Setup::standard(Engine::Sqlite);
    let file = setup.db.scratch_path("test.db");
    let total = standard_for(Dialect::Sqlite).len();
    for command in ["status", "plan", "validate"] {
        let mut read = migrate_on(&setup);
        read.args(["--json", command]);
        let output = run(read);
        assert!(
            output.status.success(),
            "{command}: {}",
            text(&output.stderr)
        );
        let report = json(&output);
        match command {
            "status" => {
                let migrations = report["migrations"].as_array().cloned().unwrap_or_default();
                assert_eq!(migrations.len(), total);
                assert!(
                    migrations.iter().all(|m| m["state"] == "pending"),
                    "{report}"
                );
            }
            "plan" => assert_eq!(report["pending"].as_array().map(Vec::len), Some(total)),
            _ => assert_eq!(report["ok"], true),
        }
        assert!(
            !file.exists(),
            "`migrate {command}` created {}",
            file.display()
        );
    }
    let mut up = migrate_on(&setup);
    up.args(["up", "--group"]);
    let output = run(up);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains(&format!("{total} migration(s) applied")),
        "{}",
        text(&output.stdout)
    );
    assert_eq!(setup.tracking_rows(), total as i64);
}

/// `migrate up` with no target and no --dir migrates ./spine.db with the embedded files, and
/// `status` then shows every migration applied.
#[test]
fn default_run_migrates_embedded_files_into_spine_db() {
    let cwd = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut up = migrate();
    up.current_dir(cwd.path()).arg("up");
    let output = run(up);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(cwd.path().join("spine.db").is_file());

    let mut status = migrate();
    status.current_dir(cwd.path()).args(["--json", "status"]);
    let report = json(&run(status));
    let migrations = report["migrations"].as_array().cloned().unwrap_or_default();
    assert!(!migrations.is_empty());
    assert!(
        migrations.iter().all(|m| m["state"] == "applied"),
        "{migrations:?}"
    );
}

/// `plan` prints the SQL it would run and applies nothing; `--quiet` prints nothing.
#[test]
fn plan_applies_nothing_and_quiet_is_quiet() {
    let setup = Setup::standard(Engine::Sqlite);
    let mut plan = migrate_on(&setup);
    plan.args(["plan", "--tier", "basic"]);
    let output = run(plan);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("CREATE TABLE IF NOT EXISTS t_source_configs"));
    assert_eq!(setup.tracking_rows(), 0);
    assert_eq!(setup.tables(&standard_tables(Dialect::Sqlite)), 0);

    let mut quiet = migrate_on(&setup);
    quiet.args(["--quiet", "up"]);
    let output = run(quiet);
    assert!(output.status.success());
    assert!(output.stdout.is_empty() && output.stderr.is_empty());
    assert_eq!(
        setup.tracking_rows(),
        standard_for(Dialect::Sqlite).len() as i64
    );
}

/// Each user error is one line on stderr that says what to do, with exit code 1 and no
/// password anywhere in the output.
#[test]
fn errors_are_one_line_and_never_show_passwords() {
    let scratch = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let fixtures = scratch.path().join("migrations");
    spine_tests::fixtures::write_standard(&fixtures, Dialect::Sqlite);
    let dir = fixtures.to_string_lossy().into_owned();
    let cases: [(&[&str], &str); 7] = [
        (&["up", "--to", "basic/9999_nope"], "unknown migration id"),
        (
            &["--dir", "/nonexistent/migrations", "status"],
            "pass --dir",
        ),
        (
            &[
                "--target",
                "postgres://app:hunter2@127.0.0.1:1/spine",
                "status",
            ],
            "cannot connect to postgres://app:***@127.0.0.1:1/spine",
        ),
        (
            &[
                "--target",
                "postgres://app:hunter2@host:notaport/spine",
                "status",
            ],
            "malformed target",
        ),
        (
            &[
                "--target",
                "odbc:Driver={PostgreSQL Unicode};Server=/nonexistent;Port=1;Database=x;Uid=app;Pwd=hunter2",
                "status",
            ],
            "Pwd=***",
        ),
        (
            &["--target", "mysql://app:hunter2@h/d", "status"],
            "unsupported scheme",
        ),
        (
            &["--target", "sqlite:/nonexistent/dir/spine.db", "status"],
            "cannot connect",
        ),
    ];
    for (args, expected) in cases {
        for json_mode in [false, true] {
            let mut command = migrate();
            command.current_dir(scratch.path());
            if !args.contains(&"--dir") {
                command.args(["--dir", &dir]);
            }
            if json_mode {
                command.arg("--json");
            }
            let output = run(command_with(command, args));
            let stderr = text(&output.stderr);
            let all = format!("{}{stderr}", text(&output.stdout));
            assert_eq!(output.status.code(), Some(1), "{args:?}: {all}");
            assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
            assert!(stderr.contains(expected), "{args:?}: {stderr}");
            assert!(
                !all.contains("hunter2"),
                "{args:?} leaked the password: {all}"
            );
        }
    }
}

fn command_with(mut command: Command, args: &[&str]) -> Command {
    command.args(args);
    command
}

/// The embedded set is what `--dir` would read, so `status` agrees either way.
#[test]
fn embedded_and_directory_sources_agree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations-generated");
    let cwd = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let status = |with_dir: bool| {
        let mut command = migrate();
        command.current_dir(cwd.path()).args(["--json", "status"]);
        if with_dir {
            command.arg("--dir").arg(&root);
        }
        json(&run(command))["migrations"].clone()
    };
    let embedded = status(false);
    assert!(
        embedded.as_array().is_some_and(|m| !m.is_empty()),
        "{embedded}"
    );
    assert_eq!(embedded, status(true));
}
