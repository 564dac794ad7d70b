//! Migrations with the `-- migrate: no-transaction` directive: their statements run one by one,
//! each committed on its own (PostgreSQL's `CREATE INDEX CONCURRENTLY` refuses a transaction),
//! and the migration is recorded in a transaction of its own only after the last statement
//! succeeded. A concurrent writer loses nothing while an index is built CONCURRENTLY; a failing
//! statement records nothing and keeps the earlier ones; a file with CONCURRENTLY but without
//! the directive is told to add it; `up --group` refuses such a migration before anything
//! runs; `down` honours the directive; `plan --sql` writes the statements outside BEGIN/COMMIT;
//! PostgreSQL runners through ODBC take the advisory lock too.

#[allow(dead_code, reason = "shared with the other runner suites")]
mod runner_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use migrate::{Dialect, DownTarget, Error, State, Tier};
use migration_layout::directive::NO_TRANSACTION;
use runner_support::Setup;
use spine_tests::engines::Engine;
use spine_tests::fixtures::{styled, write_migration};
use spine_tests::live::Live;
use spine_tests::on_every_engine;

/// `basic/0001_items`: the table `t_items (id, v)` the index migrations index.
fn items_table(engine: Engine) -> Setup {
    let setup = Setup::empty(engine);
    let dialect = setup.dialect();
    write_migration(
        &setup.root,
        dialect,
        "basic/0001_items",
        &styled(
            dialect,
            "CREATE TABLE t_items (id INTEGER NOT NULL PRIMARY KEY, v VARCHAR(40) NOT NULL);\n",
        ),
        None,
    );
    setup
}

/// `CREATE INDEX` the way a migration without a transaction builds it in `dialect`:
/// CONCURRENTLY on PostgreSQL.
fn create_index(dialect: Dialect, index: &str) -> String {
    match dialect {
        Dialect::Postgres => format!("CREATE INDEX CONCURRENTLY {index} ON t_items (v);"),
        Dialect::Sqlite | Dialect::Db2 => format!("CREATE INDEX {index} ON t_items (v);"),
    }
}

/// `DROP INDEX` likewise, `IF EXISTS` where the dialect has it (so the file can run again).
fn drop_index(dialect: Dialect, index: &str) -> String {
    match dialect {
        Dialect::Postgres => format!("DROP INDEX CONCURRENTLY IF EXISTS {index};"),
        Dialect::Sqlite => format!("DROP INDEX IF EXISTS {index};"),
        Dialect::Db2 => format!("DROP INDEX {index};"),
    }
}

/// How many valid indexes named `index` exist (PostgreSQL: `pg_index.indisvalid`).
fn valid_indexes(setup: &Setup, index: &str) -> i64 {
    setup.count(&match setup.dialect() {
        Dialect::Sqlite => {
            format!("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = '{index}'")
        }
        Dialect::Postgres => format!(
            "SELECT COUNT(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
             WHERE c.relname = '{index}' AND i.indisvalid"
        ),
        Dialect::Db2 => format!(
            "SELECT COUNT(*) FROM SYSCAT.INDEXES WHERE INDSCHEMA = CURRENT SCHEMA \
             AND INDNAME = '{}'",
            index.to_uppercase()
        ),
    })
}

/// A native PostgreSQL client of the test's own.
fn postgres_client(setup: &Setup) -> postgres::Client {
    match setup.db.live() {
        Live::Postgres(client) => client,
        Live::Sqlite(_) | Live::Db2(_) => panic!("{:?} is no PostgreSQL engine", setup.db.engine),
    }
}

/// (a) A writer keeps inserting into `t_items` (200 000 rows) while a migration without a
/// transaction builds an index on it CONCURRENTLY: the build neither fails nor blocks the
/// writer, every insert the writer saw committed is in the table and in the index, the index
/// is valid and the migration recorded.
fn concurrent_index_build_loses_no_insert(engine: Engine) {
    let setup = items_table(engine);
    let dialect = setup.dialect();
    setup
        .with_runner(|runner| runner.up_until(Tier::Basic, "basic/0001_items", false, &mut |_| {}))
        .unwrap_or_else(|e| panic!("up: {e}"));
    const SEEDED: i64 = 200_000;
    postgres_client(&setup)
        .batch_execute(&format!(
            "INSERT INTO t_items (id, v) SELECT g, md5(g::text) FROM generate_series(1, {SEEDED}) g"
        ))
        .unwrap_or_else(|e| panic!("seeding: {e}"));
    write_migration(
        &setup.root,
        dialect,
        "basic/0002_items_v",
        &format!(
            "{NO_TRANSACTION}\n{}\n{}\n",
            drop_index(dialect, "idx_items_v"),
            create_index(dialect, "idx_items_v")
        ),
        None,
    );

    let stop = Arc::new(AtomicBool::new(false));
    let committed = Arc::new(AtomicI64::new(0));
    let writer = {
        let (stop, committed) = (Arc::clone(&stop), Arc::clone(&committed));
        let mut client = postgres_client(&setup);
        std::thread::spawn(move || -> Result<(), String> {
            let mut next = SEEDED;
            while !stop.load(Ordering::Relaxed) {
                next += 1;
                client
                    .execute(
                        "INSERT INTO t_items (id, v) VALUES ($1, 'written during the build')",
                        &[&i32::try_from(next).map_err(|e| e.to_string())?],
                    )
                    .map_err(|e| format!("insert {next}: {e}"))?;
                committed.fetch_add(1, Ordering::SeqCst);
            }
            Ok(())
        })
    };
    while committed.load(Ordering::SeqCst) < 20 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let before = committed.load(Ordering::SeqCst);
    let steps = setup
        .with_runner(|runner| runner.up(Tier::Basic, &mut |_| {}))
        .unwrap_or_else(|e| panic!("up: {e}"));
    let after = committed.load(Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    let written = writer.join().unwrap_or_else(|_| panic!("writer panicked"));
    assert_eq!(written, Ok(()), "every insert of the writer succeeded");
    assert_eq!(steps.len(), 1);
    assert!(
        after > before,
        "the writer committed rows while the index was built ({before} before, {after} after)"
    );

    let total = committed.load(Ordering::SeqCst);
    assert_eq!(setup.count("SELECT COUNT(*) FROM t_items"), SEEDED + total);
    assert_eq!(
        valid_indexes(&setup, "idx_items_v"),
        1,
        "the index is valid"
    );
    let mut client = postgres_client(&setup);
    client
        .batch_execute("SET enable_seqscan = off; SET enable_bitmapscan = off")
        .unwrap_or_else(|e| panic!("{e}"));
    let plan: Vec<String> = client
        .query(
            "EXPLAIN SELECT COUNT(*) FROM t_items WHERE v = 'written during the build'",
            &[],
        )
        .and_then(|rows| rows.iter().map(|row| row.try_get(0)).collect())
        .unwrap_or_else(|e| panic!("{e}"));
    let plan = plan.join("\n");
    assert!(
        plan.contains("idx_items_v"),
        "read through the index: {plan}"
    );
    let in_index: i64 = client
        .query_one(
            "SELECT COUNT(*) FROM t_items WHERE v = 'written during the build'",
            &[],
        )
        .and_then(|row| row.try_get(0))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(in_index, total, "every concurrent insert is in the index");
    assert_eq!(setup.tracking_rows(), 2);
    assert_eq!(setup.ids_in(State::Pending), Vec::<String>::new());
}

/// (b) The migration is recorded only once every statement succeeded: a failing second
/// statement leaves the index of the first in place (committed on its own), records nothing,
/// and says so; the file made safe to run again then completes and is recorded once.
fn recorded_only_after_the_last_statement(engine: Engine) {
    let setup = items_table(engine);
    let dialect = setup.dialect();
    let failing = styled(
        dialect,
        &format!(
            "-- an index built outside a transaction\n{NO_TRANSACTION}\n\n{}\n\n\
             INSERT INTO t_no_such_table (id) VALUES (1);\n",
            create_index(dialect, "idx_items_v")
        ),
    );
    write_migration(&setup.root, dialect, "basic/0002_items_v", &failing, None);
    let result = setup.with_runner(|runner| runner.up(Tier::Basic, &mut |_| {}));
    let message = result
        .as_ref()
        .err()
        .map(ToString::to_string)
        .unwrap_or_default();
    match result {
        Err(Error::NoTransactionFailed {
            id,
            statement,
            sql,
            command,
            ..
        }) => {
            assert_eq!(id, "basic/0002_items_v");
            assert_eq!(statement, Some(2));
            assert_eq!(
                sql.map(|s| s.to_lowercase()),
                Some("insert into t_no_such_table (id) values (1)".to_string())
            );
            assert_eq!(command, "up");
        }
        other => panic!("expected the no-transaction migration to fail, got {other:?}"),
    }
    assert!(
        message.contains("statement 1 of the file stayed applied (committed on its own), and nothing was recorded"),
        "{message}"
    );
    assert!(
        message.ends_with("run `spine-migrate up` again"),
        "{message}"
    );
    assert_eq!(
        valid_indexes(&setup, "idx_items_v"),
        1,
        "the first statement stayed"
    );
    assert_eq!(setup.tracking_rows(), 1, "only basic/0001 is recorded");
    let status = setup.status();
    let entry = status
        .iter()
        .find(|e| e.id == "basic/0002_items_v")
        .unwrap_or_else(|| panic!("{status:?}"));
    assert_eq!((entry.state, entry.no_transaction), (State::Pending, true));
    assert!(
        status
            .iter()
            .filter(|e| e.id != "basic/0002_items_v")
            .all(|e| !e.no_transaction)
    );

    let rerunnable = styled(
        dialect,
        &format!(
            "{NO_TRANSACTION}\n{}\n{}\n",
            drop_index(dialect, "idx_items_v"),
            create_index(dialect, "idx_items_v")
        ),
    );
    write_migration(
        &setup.root,
        dialect,
        "basic/0002_items_v",
        &rerunnable,
        None,
    );
    let steps = setup
        .with_runner(|runner| runner.up(Tier::Basic, &mut |_| {}))
        .unwrap_or_else(|e| panic!("up again: {e}"));
    assert_eq!(
        steps.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        ["basic/0002_items_v"]
    );
    assert_eq!(valid_indexes(&setup, "idx_items_v"), 1);
    assert_eq!(setup.tracking_rows(), 2, "recorded once");
    assert_eq!(
        setup.ids_in(State::Applied),
        ["basic/0001_items", "basic/0002_items_v"]
    );
}

/// (d) `CREATE INDEX CONCURRENTLY` in a file without the directive fails inside the
/// migration's transaction, rolls back, and the error names the directive to add.
fn concurrently_without_the_directive_names_it(engine: Engine) {
    let setup = items_table(engine);
    let dialect = setup.dialect();
    write_migration(
        &setup.root,
        dialect,
        "basic/0002_items_v",
        &format!(
            "-- forgot the directive\n{}\n",
            create_index(dialect, "idx_items_v")
        ),
        None,
    );
    let result = setup.with_runner(|runner| runner.up(Tier::Basic, &mut |_| {}));
    let message = result
        .as_ref()
        .err()
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(
        matches!(
            result,
            Err(Error::MigrationFailed {
                statement: Some(1),
                ..
            })
        ),
        "{result:?}"
    );
    assert!(
        message.contains("cannot run inside a transaction block"),
        "{message}"
    );
    assert!(
        message.contains(
            "the database refuses this statement inside a transaction: put the line \
             `-- migrate: no-transaction` among the file's leading comments"
        ),
        "{message}"
    );
    assert_eq!(valid_indexes(&setup, "idx_items_v"), 0);
    assert_eq!(setup.tracking_rows(), 1);
}

/// `up --group` with a pending migration without a transaction is refused before anything
/// runs (not even the migrations before it), naming it; grouping up to the one before it
/// works, and `up` then applies it.
fn grouped_run_refuses_a_no_transaction_migration(engine: Engine) {
    let setup = items_table(engine);
    let dialect = setup.dialect();
    let index = styled(
        dialect,
        &format!(
            "{NO_TRANSACTION}\n{}\n",
            create_index(dialect, "idx_items_v")
        ),
    );
    write_migration(&setup.root, dialect, "basic/0002_items_v", &index, None);
    let result = setup.with_runner(|runner| runner.up_grouped(Tier::Basic, &mut |_| {}));
    match &result {
        Err(error @ Error::GroupedNoTransaction(ids)) => {
            assert_eq!(ids, &["basic/0002_items_v"]);
            assert!(error.is_usage());
        }
        other => panic!("expected the grouped run to be refused, got {other:?}"),
    }
    let message = result.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.contains("run `spine-migrate up` without --group"),
        "{message}"
    );
    assert!(message.ends_with("Nothing was run"), "{message}");
    assert_eq!(setup.tracking_rows(), 0, "nothing ran");
    assert_eq!(setup.tables(&["t_items"]), 0, "nothing ran");

    setup
        .with_runner(|runner| runner.up_until(Tier::Basic, "basic/0001_items", true, &mut |_| {}))
        .unwrap_or_else(|e| panic!("grouped up to basic/0001: {e}"));
    assert_eq!(setup.tracking_rows(), 1);
    setup
        .with_runner(|runner| runner.up(Tier::Basic, &mut |_| {}))
        .unwrap_or_else(|e| panic!("up: {e}"));
    assert_eq!(valid_indexes(&setup, "idx_items_v"), 1);
    assert_eq!(setup.tracking_rows(), 2);
}

/// A down file with the directive runs without a transaction too (`DROP INDEX CONCURRENTLY`
/// on PostgreSQL), and its tracking row goes once it succeeded; a failing down file keeps the
/// row and says to run `down` again.
fn down_runs_without_a_transaction(engine: Engine) {
    let setup = items_table(engine);
    let dialect = setup.dialect();
    let up = styled(
        dialect,
        &format!(
            "{NO_TRANSACTION}\n{}\n",
            create_index(dialect, "idx_items_v")
        ),
    );
    let failing_down = styled(
        dialect,
        &format!(
            "{NO_TRANSACTION}\n{}\nDROP TABLE t_no_such_table;\n",
            drop_index(dialect, "idx_items_v")
        ),
    );
    write_migration(
        &setup.root,
        dialect,
        "basic/0002_items_v",
        &up,
        Some(&failing_down),
    );
    setup
        .with_runner(|runner| runner.up(Tier::Basic, &mut |_| {}))
        .unwrap_or_else(|e| panic!("up: {e}"));
    assert_eq!(valid_indexes(&setup, "idx_items_v"), 1);

    let result = setup.with_runner(|runner| runner.down(&DownTarget::Count(1), &mut |_| {}));
    match &result {
        Err(Error::NoTransactionFailed {
            id,
            statement,
            command,
            ..
        }) => {
            assert_eq!(
                (id.as_str(), *statement, *command),
                ("basic/0002_items_v (down)", Some(2), "down")
            );
        }
        other => panic!("expected the down file to fail, got {other:?}"),
    }
    assert_eq!(
        valid_indexes(&setup, "idx_items_v"),
        0,
        "its first statement stayed"
    );
    assert_eq!(setup.tracking_rows(), 2, "still recorded");

    let down = styled(
        dialect,
        &format!(
            "{NO_TRANSACTION}\n{}\n",
            match dialect {
                // Db2 has no IF EXISTS: the index is gone, so the rerun's file drops nothing.
                Dialect::Db2 => "SELECT 1 FROM SYSIBM.SYSDUMMY1;".to_string(),
                Dialect::Sqlite | Dialect::Postgres => drop_index(dialect, "idx_items_v"),
            }
        ),
    );
    write_migration(&setup.root, dialect, "basic/0002_items_v", &up, Some(&down));
    let reverted = setup
        .with_runner(|runner| runner.down(&DownTarget::Count(1), &mut |_| {}))
        .unwrap_or_else(|e| panic!("down again: {e}"));
    assert_eq!(reverted.len(), 1);
    assert_eq!(valid_indexes(&setup, "idx_items_v"), 0);
    assert_eq!(setup.tracking_rows(), 1);
    assert_eq!(setup.ids_in(State::Pending), ["basic/0002_items_v"]);
}

/// `plan --sql` writes a migration without a transaction as its bare statements, then its
/// tracking row between BEGIN and COMMIT; the script run by SQLite itself leaves the runner
/// seeing it applied.
fn plan_script_runs_it_outside_a_transaction(engine: Engine) {
    let setup = items_table(engine);
    let dialect = setup.dialect();
    write_migration(
        &setup.root,
        dialect,
        "basic/0002_vacuum",
        &format!("{NO_TRANSACTION}\nVACUUM;\n"),
        None,
    );
    let script = setup
        .with_runner(|runner| runner.plan_script(Tier::Basic, None))
        .unwrap_or_else(|e| panic!("plan: {e}"));
    let vacuum = script
        .split("\n-- basic/0002_vacuum")
        .nth(1)
        .unwrap_or_else(|| panic!("{script}"));
    assert!(
        vacuum.starts_with(
            " (sqlite/basic/0002_vacuum.up.sql), without a transaction: each statement commits \
             on its own\nVACUUM;\nBEGIN;\nINSERT INTO _migrations"
        ),
        "{vacuum}"
    );
    match setup.db.live() {
        Live::Sqlite(conn) => conn
            .execute_batch(&script)
            .unwrap_or_else(|e| panic!("{e}: {script}")),
        Live::Postgres(_) | Live::Db2(_) => panic!("SQLite engines only"),
    }
    assert_eq!(
        setup.ids_in(State::Applied),
        ["basic/0001_items", "basic/0002_vacuum"]
    );
}

/// On SQLite, `VACUUM` (refused inside a transaction) runs under the directive.
fn vacuum_runs_without_a_transaction(engine: Engine) {
    let setup = items_table(engine);
    let dialect = setup.dialect();
    write_migration(
        &setup.root,
        dialect,
        "basic/0002_vacuum",
        &format!("{NO_TRANSACTION}\nVACUUM;\n"),
        None,
    );
    let steps = setup
        .with_runner(|runner| runner.up(Tier::Basic, &mut |_| {}))
        .unwrap_or_else(|e| panic!("up: {e}"));
    assert_eq!(steps.len(), 2);
    assert_eq!(setup.tracking_rows(), 2);
}

/// Through ODBC too, a PostgreSQL runner takes the session advisory lock for its whole command
/// (so a migration without a transaction is excluded from other runners): while another
/// session holds it, the runner waits and, with a lock timeout, fails naming the holder.
fn postgres_runners_queue_on_the_advisory_lock(engine: Engine) {
    let setup = items_table(engine);
    let mut holder = postgres_client(&setup);
    let holder_pid: i32 = holder
        .query_one(
            "SELECT pg_backend_pid() FROM (SELECT pg_advisory_lock($1)) AS locked",
            &[&migrate::driver::ADVISORY_LOCK_KEY],
        )
        .and_then(|row| row.try_get(0))
        .unwrap_or_else(|e| panic!("{e}"));
    let set = setup.set();
    let mut conn = setup.connect();
    conn.set_lock_wait(Some(Duration::from_secs(1)), |_| {});
    let result = migrate::Runner::new(conn.as_mut(), &set).up(Tier::Basic, &mut |_| {});
    match result {
        Err(Error::Database { context, message }) => {
            assert_eq!(context, "taking the migration lock");
            assert!(
                message.starts_with(&format!(
                    "timed out after 1 s waiting for the migration lock held by another \
                     runner (PostgreSQL backend pid {holder_pid})"
                )),
                "{message}"
            );
        }
        other => panic!("expected the lock to time out, got {other:?}"),
    }
    assert_eq!(setup.tracking_rows(), 0, "nothing ran");
    holder
        .execute(
            "SELECT pg_advisory_unlock($1)",
            &[&migrate::driver::ADVISORY_LOCK_KEY],
        )
        .unwrap_or_else(|e| panic!("{e}"));
    migrate::Runner::new(conn.as_mut(), &set)
        .up(Tier::Basic, &mut |_| {})
        .unwrap_or_else(|e| panic!("up once the lock is free: {e}"));
    assert_eq!(setup.tracking_rows(), 1);
}

on_every_engine!(
    concurrent_index_build_loses_no_insert except [Sqlite, SqliteOdbc, Db2Odbc],
    recorded_only_after_the_last_statement,
    concurrently_without_the_directive_names_it except [Sqlite, SqliteOdbc, Db2Odbc],
    grouped_run_refuses_a_no_transaction_migration,
    down_runs_without_a_transaction,
    plan_script_runs_it_outside_a_transaction except [Postgres, PostgresOdbc, Db2Odbc],
    vacuum_runs_without_a_transaction except [Postgres, PostgresOdbc, Db2Odbc],
    postgres_runners_queue_on_the_advisory_lock except [Sqlite, SqliteOdbc, Db2Odbc],
);
