//! Db2 leaves a table reorg-pending after `DROP COLUMN` (also `SET NOT NULL`, `SET DATA TYPE`)
//! until `CALL SYSPROC.ADMIN_CMD('REORG TABLE ...')`, and refuses statements on it meanwhile
//! (SQL0668N reason code 7). `status` lists such tables with the command that fixes them, and
//! a migration failing on one names them. Other engines have no such state: nothing is listed.

#[allow(dead_code, reason = "shared with the other runner suites")]
mod runner_support;

use migrate::{Dialect, Error, ReorgPending, Tier};
use runner_support::Setup;
use spine_tests::engines::Engine;
use spine_tests::fixtures::{styled, write_migration};
use spine_tests::on_every_engine;

/// A column dropped without REORG, then an insert into its table.
fn reorg_pending_tables_are_listed_and_named(engine: Engine) {
    let setup = Setup::empty(engine);
    let dialect = setup.dialect();
    for (id, sql) in [
        (
            "basic/0001_items",
            "CREATE TABLE t_items (id INTEGER NOT NULL PRIMARY KEY, note VARCHAR(40));\n",
        ),
        (
            "basic/0002_drop_note",
            "ALTER TABLE t_items DROP COLUMN note;\n",
        ),
        (
            "basic/0003_first_item",
            "INSERT INTO t_items (id) VALUES (1);\n",
        ),
    ] {
        write_migration(&setup.root, dialect, id, &styled(dialect, sql), None);
    }
    setup
        .with_runner(|runner| {
            runner.up_until(Tier::Basic, "basic/0002_drop_note", false, &mut |_| {})
        })
        .unwrap_or_else(|e| panic!("up: {e}"));
    let pending = setup
        .with_runner(|runner| runner.reorg_pending())
        .unwrap_or_else(|e| panic!("reorg pending: {e}"));
    match dialect {
        Dialect::Sqlite | Dialect::Postgres => {
            assert_eq!(pending, []);
            setup
                .with_runner(|runner| runner.up(Tier::Basic, &mut |_| {}))
                .unwrap_or_else(|e| panic!("up: {e}"));
        }
        Dialect::Db2 => {
            let schema = setup.db.live().rows("VALUES CURRENT SCHEMA")[0][0]
                .clone()
                .unwrap_or_default()
                .trim()
                .to_string();
            let table = format!("{schema}.T_ITEMS");
            let command = format!("CALL SYSPROC.ADMIN_CMD('REORG TABLE {table}')");
            assert_eq!(
                pending,
                [ReorgPending {
                    table: table.clone(),
                    command: command.clone()
                }]
            );
            assert_eq!(
                pending[0].to_string(),
                format!(
                    "reorg pending: {table} cannot be used until it is reorganised (Db2 \
                     SQL0668N reason code 7); run {command}"
                )
            );
            let result = setup.with_runner(|runner| runner.up(Tier::Basic, &mut |_| {}));
            let text = result
                .as_ref()
                .err()
                .map(ToString::to_string)
                .unwrap_or_default();
            match result {
                Err(Error::MigrationFailed { id, message, .. }) => {
                    assert_eq!(id, "basic/0003_first_item");
                    assert!(message.contains("SQL0668N"), "{message}");
                    assert!(
                        message.ends_with(&format!(
                            "[tables in reorg-pending state: {table} ({command})]"
                        )),
                        "{message}"
                    );
                }
                other => panic!("expected SQL0668N, got {other:?}"),
            }
            assert!(
                text.contains("a table is in Db2's reorg-pending state"),
                "{text}"
            );
            setup.execute(&command);
            assert_eq!(
                setup
                    .with_runner(|runner| runner.reorg_pending())
                    .unwrap_or_else(|e| panic!("reorg pending: {e}")),
                []
            );
            setup
                .with_runner(|runner| runner.up(Tier::Basic, &mut |_| {}))
                .unwrap_or_else(|e| panic!("up after the REORG: {e}"));
        }
    }
    assert_eq!(setup.tracking_rows(), 3);
    assert_eq!(setup.count("SELECT COUNT(*) FROM t_items"), 1);
}

on_every_engine!(reorg_pending_tables_are_listed_and_named);
