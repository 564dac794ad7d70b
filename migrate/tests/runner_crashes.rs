//! The `spine-migrate` binary killed with SIGKILL at the worst moments: inside a SQLite table
//! rebuild (after the old parent table was dropped in the migration's transaction), and inside
//! a PostgreSQL `CREATE INDEX CONCURRENTLY` of a migration without a transaction (after the
//! index was created INVALID). The database is as before (or, without a transaction, holds
//! what the file can run over again), nothing is recorded, and the next `up` completes.
//! Also the binary's face of the no-transaction directive: four runners at once record such a
//! migration once, `up --group` exits 2, `status` marks the migration.

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

mod process;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use migrate::{Dialect, State, Tier};
use migration_layout::directive::{FOREIGN_KEYS_OFF, NO_TRANSACTION};
use process::{migrate, run, scratch, text};
use runner_support::Setup;
use spine_tests::engines::Engine;
use spine_tests::fixtures::write_migration;
use spine_tests::live::Live;
use spine_tests::on_every_engine;

/// The binary pointed at `setup`'s migrations and database.
fn migrate_on(setup: &Setup) -> Command {
    let mut command = migrate(setup.db.scratch_dir());
    command
        .arg("--dir")
        .arg(&setup.root)
        .arg("--target")
        .arg(&setup.db.target);
    command
}

/// Waits (up to a minute) until `ready` holds, checking every 50 ms.
fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "timed out waiting until {what}"
        );
        sleep(Duration::from_millis(50));
    }
}

const PARENTS: i64 = 10;
const CHILDREN: i64 = 1000;

/// A SQLite rebuild of `t_parent` (foreign keys off; create `t_parent_new`, copy, drop
/// `t_parent`, then a statement as slow as `t_slow` has rows, then the rename) killed during
/// the slow statement, after the old parent was dropped in its transaction: the next
/// connection rolls the journal back, so `t_parent` and every `ON DELETE CASCADE` child row are
/// as before, `t_parent_new` is gone and nothing is recorded; `up` then completes the rebuild
/// keeping every child row.
fn killed_rebuild_leaves_the_database_as_before(engine: Engine) {
    let setup = Setup::empty(engine);
    let dialect = setup.dialect();
    write_migration(
        &setup.root,
        dialect,
        "basic/0001_parent",
        "CREATE TABLE t_parent (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(100) NOT NULL);\n",
        None,
    );
    write_migration(
        &setup.root,
        dialect,
        "basic/0002_child",
        "CREATE TABLE t_child (id INTEGER NOT NULL PRIMARY KEY, \
         parent_id INTEGER NOT NULL REFERENCES t_parent (id) ON DELETE CASCADE);\n\
         CREATE TABLE t_slow (n INTEGER);\n",
        None,
    );
    setup
        .with_runner(|runner| runner.up(Tier::Basic, &mut |_| {}))
        .unwrap_or_else(|e| panic!("up: {e}"));
    setup.execute(&format!(
        "WITH RECURSIVE p(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM p WHERE x < {PARENTS}) \
         INSERT INTO t_parent (id, name) SELECT x, 'parent ' || x FROM p"
    ));
    setup.execute(&format!(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {CHILDREN}) \
         INSERT INTO t_child (id, parent_id) SELECT x, 1 + x % {PARENTS} FROM c"
    ));
    setup.execute("INSERT INTO t_slow (n) VALUES (1)");
    write_migration(
        &setup.root,
        dialect,
        "basic/0003_rebuild_parent",
        &format!(
            "{FOREIGN_KEYS_OFF}\n\
             CREATE TABLE t_parent_new (id INTEGER NOT NULL PRIMARY KEY, \
             name VARCHAR(100) NOT NULL, note VARCHAR(100));\n\
             INSERT INTO t_parent_new (id, name) SELECT id, name FROM t_parent;\n\
             DROP TABLE t_parent;\n\
             WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c \
             WHERE x < (SELECT COUNT(*) FROM t_slow) * 500000000) SELECT COUNT(*) FROM c;\n\
             ALTER TABLE t_parent_new RENAME TO t_parent;\n"
        ),
        None,
    );

    let mut child = migrate_on(&setup)
        .args(["up", "--tier", "basic"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("spawning migrate: {e}"));
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("migrate ended before applying the rebuild"))
            .unwrap_or_else(|e| panic!("{e}"));
        if line == "applying  basic/0003_rebuild_parent" {
            break;
        }
    }
    // Creating, copying and dropping take milliseconds; the slow statement takes far longer.
    sleep(Duration::from_secs(1));
    assert!(
        child.try_wait().map(|s| s.is_none()).unwrap_or(false),
        "the runner finished before it was killed"
    );
    child.kill().unwrap_or_else(|e| panic!("SIGKILL: {e}"));
    child.wait().unwrap_or_else(|e| panic!("{e}"));
    drop(lines);

    let journal = setup.db.scratch_path("test.db-journal");
    assert!(
        std::fs::metadata(&journal).is_ok_and(|m| m.len() > 0),
        "the kill left the rebuild's transaction open (a hot journal)"
    );
    assert_eq!(setup.tables(&["t_parent"]), 1, "the old parent is back");
    assert_eq!(setup.tables(&["t_parent_new"]), 0);
    assert_eq!(setup.count("SELECT COUNT(*) FROM t_parent"), PARENTS);
    assert_eq!(
        setup.count("SELECT COUNT(*) FROM t_child"),
        CHILDREN,
        "every child row"
    );
    assert_eq!(
        setup.count("SELECT COUNT(*) FROM pragma_table_info('t_parent') WHERE name = 'note'"),
        0
    );
    assert_eq!(
        setup.count("SELECT COUNT(*) FROM pragma_foreign_key_check"),
        0
    );
    assert_eq!(setup.tracking_rows(), 2, "nothing recorded");

    setup.execute("DELETE FROM t_slow");
    let output = run(migrate_on(&setup).args(["up", "--tier", "basic"]));
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(
        setup.count("SELECT COUNT(*) FROM t_child"),
        CHILDREN,
        "every child row after the rebuild"
    );
    assert_eq!(setup.count("SELECT COUNT(*) FROM t_parent"), PARENTS);
    assert_eq!(
        setup.count("SELECT COUNT(*) FROM pragma_table_info('t_parent') WHERE name = 'note'"),
        1,
        "rebuilt"
    );
    assert_eq!(
        setup.count("SELECT COUNT(*) FROM pragma_foreign_key_check"),
        0
    );
    assert_eq!(setup.tracking_rows(), 3);
}

/// A native PostgreSQL client of the test's own.
fn postgres_client(setup: &Setup) -> postgres::Client {
    match setup.db.live() {
        Live::Postgres(client) => client,
        Live::Sqlite(_) | Live::Db2(_) => panic!("{:?} is no PostgreSQL engine", setup.db.engine),
    }
}

/// A count read by `client`.
fn count(client: &mut postgres::Client, sql: &str) -> i64 {
    client
        .query_one(sql, &[])
        .and_then(|row| row.try_get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Indexes named `idx_items_v` whose `indisvalid` is `valid`.
fn items_indexes(client: &mut postgres::Client, valid: bool) -> i64 {
    count(
        client,
        &format!(
            "SELECT COUNT(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
             WHERE c.relname = 'idx_items_v' AND i.indisvalid = {valid}"
        ),
    )
}

/// The backends of this test's database running the index build.
const INDEX_BUILDERS: &str = "FROM pg_stat_activity WHERE datname = current_database() \
     AND query ILIKE 'CREATE INDEX CONCURRENTLY%'";

/// (c) A runner killed inside `CREATE INDEX CONCURRENTLY` (held in its wait for a transaction
/// the test keeps open, the index already created INVALID): the server ends its backend, the
/// migration is not recorded and an INVALID index is left; `up` again runs the file, written
/// to be safe to rerun (`DROP INDEX CONCURRENTLY IF EXISTS` first), to its end: the index is
/// valid and the migration recorded once.
fn killed_concurrent_index_build_completes_on_retry(engine: Engine) {
    let setup = Setup::empty(engine);
    let dialect = setup.dialect();
    write_migration(
        &setup.root,
        dialect,
        "basic/0001_items",
        "CREATE TABLE t_items (id INTEGER NOT NULL PRIMARY KEY, v VARCHAR(40) NOT NULL);\n",
        None,
    );
    setup
        .with_runner(|runner| runner.up(Tier::Basic, &mut |_| {}))
        .unwrap_or_else(|e| panic!("up: {e}"));
    let mut client = postgres_client(&setup);
    client
        .batch_execute(
            "INSERT INTO t_items (id, v) SELECT g, md5(g::text) FROM generate_series(1, 1000) g",
        )
        .unwrap_or_else(|e| panic!("{e}"));
    write_migration(
        &setup.root,
        dialect,
        "basic/0002_items_v",
        &format!(
            "{NO_TRANSACTION}\n\
             DROP INDEX CONCURRENTLY IF EXISTS idx_items_v;\n\
             CREATE INDEX CONCURRENTLY idx_items_v ON t_items (v);\n"
        ),
        None,
    );
    let mut blocker = postgres_client(&setup);
    blocker
        .batch_execute("BEGIN; INSERT INTO t_items (id, v) VALUES (0, 'open writer')")
        .unwrap_or_else(|e| panic!("{e}"));

    let mut child = migrate_on(&setup)
        .args(["--quiet", "up", "--tier", "basic"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("spawning migrate: {e}"));
    wait_until("the index build waits for the open writer", || {
        assert!(
            child.try_wait().map(|s| s.is_none()).unwrap_or(false),
            "the runner ended before the index build waited"
        );
        count(
            &mut client,
            &format!("SELECT COUNT(*) {INDEX_BUILDERS} AND wait_event_type = 'Lock'"),
        ) == 1
    });
    assert_eq!(items_indexes(&mut client, false), 1, "created INVALID");
    child.kill().unwrap_or_else(|e| panic!("SIGKILL: {e}"));
    child.wait().unwrap_or_else(|e| panic!("{e}"));
    // The killed runner's backend waits on; the server ends it (as an operator or
    // `client_connection_check_interval` would) before the writer goes.
    count(
        &mut client,
        &format!("SELECT COUNT(pg_terminate_backend(pid)) {INDEX_BUILDERS}"),
    );
    wait_until("the killed runner's backend is gone", || {
        count(&mut client, &format!("SELECT COUNT(*) {INDEX_BUILDERS}")) == 0
    });
    blocker
        .batch_execute("ROLLBACK")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        items_indexes(&mut client, false),
        1,
        "an INVALID index stays"
    );
    assert_eq!(items_indexes(&mut client, true), 0);
    assert_eq!(setup.tracking_rows(), 1, "not recorded");
    assert_eq!(setup.ids_in(State::Pending), ["basic/0002_items_v"]);

    let output = run(migrate_on(&setup).args(["up", "--tier", "basic"]));
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(items_indexes(&mut client, true), 1, "valid after the retry");
    assert_eq!(items_indexes(&mut client, false), 0);
    assert_eq!(setup.tracking_rows(), 2, "recorded once");
    assert_eq!(
        setup.ids_in(State::Applied),
        ["basic/0001_items", "basic/0002_items_v"]
    );
    let status = run(migrate_on(&setup).arg("status"));
    let shown = text(&status.stdout);
    assert!(
        shown.lines().any(|line| line.starts_with("applied")
            && line.contains("basic/0002_items_v")
            && line.ends_with("ms  (no transaction)")),
        "{shown}"
    );
}

/// Four runners started at once on a tree with a migration without a transaction apply each
/// migration exactly once between them: on PostgreSQL the advisory lock lets one runner at a
/// time in; on SQLite two may both run the statements (the file is safe to rerun), and the
/// recording transaction, under the write lock, records it once.
fn concurrent_runners_record_a_no_transaction_migration_once(engine: Engine) {
    let setup = Setup::empty(engine);
    let dialect = setup.dialect();
    write_migration(
        &setup.root,
        dialect,
        "basic/0001_items",
        "CREATE TABLE t_items (id INTEGER NOT NULL PRIMARY KEY, v VARCHAR(40) NOT NULL);\n",
        None,
    );
    let index = match dialect {
        Dialect::Postgres => {
            "DROP INDEX CONCURRENTLY IF EXISTS idx_items_v;\n\
             CREATE INDEX CONCURRENTLY idx_items_v ON t_items (v);\n"
        }
        Dialect::Sqlite | Dialect::Db2 => {
            "CREATE INDEX IF NOT EXISTS idx_items_v ON t_items (v);\n"
        }
    };
    write_migration(
        &setup.root,
        dialect,
        "basic/0002_items_v",
        &format!("{NO_TRANSACTION}\n{index}"),
        None,
    );
    write_migration(
        &setup.root,
        dialect,
        "basic/0003_others",
        "CREATE TABLE t_others (id INTEGER NOT NULL PRIMARY KEY);\n",
        None,
    );
    let children: Vec<_> = (0..4)
        .map(|_| {
            migrate_on(&setup)
                .args(["--json", "up", "--tier", "basic"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("spawning migrate: {e}"))
        })
        .collect();
    let mut applied: Vec<String> = Vec::new();
    for child in children {
        let output = child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("waiting for migrate: {e}"));
        assert!(output.status.success(), "{}", text(&output.stderr));
        let report: serde_json::Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", text(&output.stdout)));
        applied.extend(
            report["steps"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|step| step["id"].as_str().unwrap_or_default().to_string()),
        );
    }
    applied.sort();
    assert_eq!(
        applied,
        [
            "basic/0001_items",
            "basic/0002_items_v",
            "basic/0003_others"
        ],
        "each migration applied once"
    );
    assert_eq!(setup.tracking_rows(), 3);
    assert_eq!(setup.ids_in(State::Pending), Vec::<String>::new());
}

on_every_engine!(
    concurrent_runners_record_a_no_transaction_migration_once except [Db2Odbc],
    killed_rebuild_leaves_the_database_as_before except [Postgres, PostgresOdbc, Db2Odbc],
    killed_concurrent_index_build_completes_on_retry except [Sqlite, SqliteOdbc, Db2Odbc],
);

/// `up --group` with a pending migration without a transaction is a usage error (exit 2)
/// that says what to run, and runs nothing; `status` marks the migration; `up` applies it.
#[test]
fn grouped_up_with_a_no_transaction_migration_exits_2() {
    let cwd = scratch();
    let root = cwd.path().join("migrations");
    write_migration(
        &root,
        Dialect::Sqlite,
        "basic/0001_items",
        "CREATE TABLE t_items (id INTEGER NOT NULL PRIMARY KEY);\n",
        None,
    );
    write_migration(
        &root,
        Dialect::Sqlite,
        "basic/0002_vacuum",
        &format!("{NO_TRANSACTION}\nVACUUM;\n"),
        None,
    );
    let with = |args: &[&str]| {
        let mut command = migrate(cwd.path());
        command
            .arg("--dir")
            .arg(&root)
            .args(["-t", "sqlite:live.db"])
            .args(args);
        run(&mut command)
    };
    let output = with(&["up", "--group"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr,
        "error: up --group runs every pending migration in one transaction, but \
         basic/0002_vacuum must run without one (`-- migrate: no-transaction`): run \
         `spine-migrate up` without --group (each migration commits on its own, that one \
         statement by statement), or `spine-migrate up --group --to <the migration before it>` \
         to group the ones before it. Nothing was run\n"
    );
    let status = with(&["status"]);
    let shown = text(&status.stdout);
    assert!(
        shown.lines().any(|line| line.starts_with("pending")
            && line.contains("basic/0002_vacuum")
            && line.ends_with("(no transaction)")),
        "{shown}"
    );
    assert!(shown.contains("0 applied, 2 pending"), "{shown}");
    let json: serde_json::Value = serde_json::from_slice(&with(&["--json", "status"]).stdout)
        .unwrap_or_else(|e| panic!("{e}"));
    let marked: Vec<(&str, bool)> = json["migrations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            (
                m["id"].as_str().unwrap_or_default(),
                m.get("no_transaction").is_some(),
            )
        })
        .collect();
    assert_eq!(
        marked,
        [("basic/0001_items", false), ("basic/0002_vacuum", true)]
    );
    assert_eq!(json["migrations"][1]["no_transaction"], true);
    assert_eq!(json["reorg_pending"], serde_json::json!([]));
    let output = with(&["up"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let status = with(&["status"]);
    assert!(
        text(&status.stdout).contains("2 applied, 0 pending"),
        "{}",
        text(&status.stdout)
    );
}
