//! SQLite table rebuilds (create new, copy, drop old, rename) under the
//! `-- migrate: foreign_keys off` directive: foreign keys go off before the transaction begins,
//! so dropping the old parent cascades into no child table; `PRAGMA foreign_key_check` before
//! the commit refuses a rebuild that leaves a child without its parent, rolling it back whole;
//! foreign keys are on again afterwards on the same connection. Per migration, grouped, and
//! for down files. SQLite engines only: the rebuild's `DROP TABLE` of a referenced parent is
//! SQLite's way, not portable SQL (PostgreSQL and Db2 ignore the directive anyway).

#[allow(
    dead_code,
    reason = "shared with runner_scenarios, which uses the rest"
)]
mod runner_support;

use migrate::{Connection, DownTarget, Error, Runner, State, Tier};
use migration_layout::directive::FOREIGN_KEYS_OFF;
use runner_support::Setup;
use spine_tests::engines::Engine;
use spine_tests::fixtures::write_migration;
use spine_tests::on_every_engine;

const PARENT: &str =
    "CREATE TABLE t_parent (id VARCHAR(50) NOT NULL PRIMARY KEY, name VARCHAR(100) NOT NULL);\n";
const CHILD: &str = "CREATE TABLE t_child (id VARCHAR(50) NOT NULL PRIMARY KEY, \
     parent_id VARCHAR(50) NOT NULL REFERENCES t_parent (id) ON DELETE CASCADE);\n";

/// A rebuild of `t_parent` into `columns`, copying the parents `filter` selects.
fn rebuild(columns: &str, filter: &str) -> String {
    format!(
        "-- hand-written rebuild\n{FOREIGN_KEYS_OFF}\n\n\
         CREATE TABLE t_parent_new ({columns});\n\n\
         INSERT INTO t_parent_new (id, name) SELECT id, name FROM t_parent{filter};\n\n\
         DROP TABLE t_parent;\n\n\
         ALTER TABLE t_parent_new RENAME TO t_parent;\n"
    )
}

const WITH_NOTE: &str =
    "id VARCHAR(50) NOT NULL PRIMARY KEY, name VARCHAR(100) NOT NULL, note VARCHAR(100)";
const WITHOUT_NOTE: &str = "id VARCHAR(50) NOT NULL PRIMARY KEY, name VARCHAR(100) NOT NULL";

/// A database with `t_parent` (p1, p2) and its cascading child `t_child` (c1, c2 → p1,
/// c3 → p2), applied as basic/0001 and basic/0002.
fn released_parent_and_children(engine: Engine) -> Setup {
    let setup = Setup::empty(engine);
    let dialect = setup.dialect();
    write_migration(&setup.root, dialect, "basic/0001_parent", PARENT, None);
    write_migration(&setup.root, dialect, "basic/0002_child", CHILD, None);
    setup
        .with_runner(|runner| runner.up(Tier::Basic, &mut |_| {}))
        .unwrap_or_else(|e| panic!("up: {e}"));
    setup.execute("INSERT INTO t_parent (id, name) VALUES ('p1', 'one'), ('p2', 'two')");
    setup.execute(
        "INSERT INTO t_child (id, parent_id) VALUES ('c1', 'p1'), ('c2', 'p1'), ('c3', 'p2')",
    );
    setup
}

/// Adds basic/0003 (the rebuild, with `up`) and basic/0004 (an unrelated table), so a grouped
/// run holds more than the rebuild.
fn write_rebuild(setup: &Setup, up: &str) {
    let dialect = setup.dialect();
    let down = rebuild(WITHOUT_NOTE, "");
    write_migration(
        &setup.root,
        dialect,
        "basic/0003_rebuild_parent",
        up,
        Some(&down),
    );
    write_migration(
        &setup.root,
        dialect,
        "basic/0004_other",
        "CREATE TABLE t_other (id VARCHAR(50) NOT NULL PRIMARY KEY);\n",
        Some("DROP TABLE t_other;\n"),
    );
}

fn note_columns(setup: &Setup) -> i64 {
    setup.count("SELECT COUNT(*) FROM pragma_table_info('t_parent') WHERE name = 'note'")
}

fn foreign_keys_enforced(conn: &mut dyn Connection) -> i64 {
    conn.query_count("PRAGMA foreign_keys")
        .unwrap_or_else(|e| panic!("PRAGMA foreign_keys: {}", e.message))
}

fn up(runner: &mut Runner<'_>, grouped: bool) -> migrate::Result<Vec<migrate::Step>> {
    if grouped {
        runner.up_grouped(Tier::Basic, &mut |_| {})
    } else {
        runner.up(Tier::Basic, &mut |_| {})
    }
}

fn rebuild_keeps_child_rows(engine: Engine) {
    rebuild_keeps_child_rows_with(engine, false);
}

fn grouped_rebuild_keeps_child_rows(engine: Engine) {
    rebuild_keeps_child_rows_with(engine, true);
}

fn rebuild_keeps_child_rows_with(engine: Engine, grouped: bool) {
    let setup = released_parent_and_children(engine);
    write_rebuild(&setup, &rebuild(WITH_NOTE, ""));
    let set = setup.set();
    let mut conn = setup.connect();
    let steps =
        up(&mut Runner::new(conn.as_mut(), &set), grouped).unwrap_or_else(|e| panic!("up: {e}"));
    assert_eq!(steps.len(), 2);
    assert_eq!(
        foreign_keys_enforced(conn.as_mut()),
        1,
        "on again, same connection"
    );
    assert_eq!(
        setup.count("SELECT COUNT(*) FROM t_child"),
        3,
        "no child row lost"
    );
    assert_eq!(setup.count("SELECT COUNT(*) FROM t_parent"), 2);
    assert_eq!(note_columns(&setup), 1, "rebuilt");
    assert_eq!(
        setup.count("SELECT COUNT(*) FROM pragma_foreign_key_check"),
        0
    );
    assert_eq!(setup.tracking_rows(), 4);

    let reverted = Runner::new(conn.as_mut(), &set)
        .down(&DownTarget::Count(2), &mut |_| {})
        .unwrap_or_else(|e| panic!("down: {e}"));
    assert_eq!(reverted.len(), 2);
    assert_eq!(
        foreign_keys_enforced(conn.as_mut()),
        1,
        "on again after down"
    );
    assert_eq!(
        setup.count("SELECT COUNT(*) FROM t_child"),
        3,
        "down keeps them too"
    );
    assert_eq!(note_columns(&setup), 0, "rebuilt back");
    assert_eq!(
        setup.count("SELECT COUNT(*) FROM pragma_foreign_key_check"),
        0
    );
    assert_eq!(setup.tracking_rows(), 2);
}

fn dangling_rebuild_rolls_back(engine: Engine) {
    dangling_rebuild_rolls_back_with(engine, false);
}

fn grouped_dangling_rebuild_rolls_back(engine: Engine) {
    dangling_rebuild_rolls_back_with(engine, true);
}

fn dangling_rebuild_rolls_back_with(engine: Engine, grouped: bool) {
    let setup = released_parent_and_children(engine);
    write_rebuild(&setup, &rebuild(WITH_NOTE, " WHERE id <> 'p2'"));
    let set = setup.set();
    let mut conn = setup.connect();
    let result = up(&mut Runner::new(conn.as_mut(), &set), grouped);
    let message = result
        .as_ref()
        .err()
        .map(ToString::to_string)
        .unwrap_or_default();
    match result {
        Err(Error::ForeignKeyCheckFailed {
            after,
            table,
            rowid,
            parent,
            count,
            ..
        }) => {
            assert_eq!(
                (table.as_str(), parent.as_str(), count),
                ("t_child", "t_parent", 1)
            );
            assert_eq!(rowid, Some(3), "c3 is the third child row");
            // The whole message, as the operator reads it: the table and rowid of the first
            // violating row, its parent table, the count, and what was rolled back.
            if grouped {
                assert_eq!(
                    after,
                    "the run (foreign keys off for basic/0003_rebuild_parent)"
                );
                assert_eq!(
                    message,
                    "the run (foreign keys off for basic/0003_rebuild_parent) left 1 row(s) \
                     violating a foreign key, the first in table t_child (rowid 3) with no \
                     parent row in t_parent; the whole run was rolled back (one transaction), \
                     nothing of it applied or recorded: make the migrations keep a parent for \
                     every child row and run again"
                );
            } else {
                assert_eq!(after, "migration basic/0003_rebuild_parent");
                assert_eq!(
                    message,
                    "migration basic/0003_rebuild_parent left 1 row(s) violating a foreign \
                     key, the first in table t_child (rowid 3) with no parent row in t_parent; \
                     rolled back, nothing recorded: make the migration keep a parent for every \
                     child row (copy them all, or delete the orphans in it) and run again"
                );
            }
        }
        other => panic!("expected a failed foreign key check, got {other:?}"),
    }
    assert_eq!(
        foreign_keys_enforced(conn.as_mut()),
        1,
        "on again after the rollback"
    );
    assert_eq!(
        setup.count("SELECT COUNT(*) FROM t_parent"),
        2,
        "parent as before"
    );
    assert_eq!(note_columns(&setup), 0, "parent as before");
    assert_eq!(setup.tables(&["t_parent_new"]), 0);
    assert_eq!(setup.count("SELECT COUNT(*) FROM t_child"), 3);
    assert_eq!(
        setup.tables(&["t_other"]),
        0,
        "0004 never ran, or was rolled back with the run"
    );
    assert_eq!(setup.tracking_rows(), 2, "nothing recorded");
    assert_eq!(
        setup.ids_in(State::Pending),
        ["basic/0003_rebuild_parent", "basic/0004_other"]
    );
}

on_every_engine!(
    rebuild_keeps_child_rows except [Postgres, PostgresOdbc, Db2Odbc],
    grouped_rebuild_keeps_child_rows except [Postgres, PostgresOdbc, Db2Odbc],
    dangling_rebuild_rolls_back except [Postgres, PostgresOdbc, Db2Odbc],
    grouped_dangling_rebuild_rolls_back except [Postgres, PostgresOdbc, Db2Odbc],
);
