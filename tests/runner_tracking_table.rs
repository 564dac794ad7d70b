//! A tracking table named by the operator (`Runner::with_tracking_table`, `--tracking-table`),
//! on every engine: it is created and used by up, status, validate and down, the default
//! `_migrations` is never created, and two runners with different tracking tables on one
//! database track independently.

#[allow(dead_code, reason = "shared with the other runner suites")]
mod runner_support;

use migrate::{DownTarget, Runner, State, Tier, TrackingTable};
use runner_support::Setup;
use spine_tests::engines::Engine;
use spine_tests::on_every_engine;

fn table(name: &str) -> TrackingTable {
    name.parse().unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `work` with a runner tracking in `tracking` over the current files.
fn with_table<T>(
    setup: &Setup,
    tracking: &TrackingTable,
    work: impl FnOnce(&mut Runner<'_>) -> T,
) -> T {
    let set = setup.set();
    let mut conn = setup.connect();
    let mut runner = Runner::new(conn.as_mut(), &set).with_tracking_table(tracking.clone());
    assert_eq!(runner.tracking_table(), tracking);
    work(&mut runner)
}

fn applied(setup: &Setup, tracking: &TrackingTable) -> Vec<String> {
    with_table(setup, tracking, |runner| runner.status())
        .unwrap_or_else(|e| panic!("status: {e}"))
        .into_iter()
        .filter(|entry| entry.state == State::Applied)
        .map(|entry| entry.id)
        .collect()
}

/// Everything up, status, validate, a rebless and down, all through `tracking`; the default
/// tracking table is never created.
fn lifecycle(setup: &Setup, tracking: &TrackingTable) {
    let steps = with_table(setup, tracking, |runner| {
        runner.up(Tier::Advanced, &mut |_| {})
    })
    .unwrap_or_else(|e| panic!("up: {e}"));
    assert!(!steps.is_empty());
    assert_eq!(setup.tracking_rows_in(tracking), steps.len() as i64);
    assert_eq!(
        setup.count(&setup.tracking_sql().tracking_table_exists()),
        0,
        "the default tracking table is not created"
    );
    assert_eq!(applied(setup, tracking).len(), steps.len());
    assert!(
        setup.ids_in(State::Applied).is_empty(),
        "the default table sees nothing"
    );
    with_table(setup, tracking, |runner| runner.validate())
        .unwrap_or_else(|e| panic!("validate: {e}"));
    let first = steps.first().map(|s| s.id.clone()).unwrap_or_default();
    with_table(setup, tracking, |runner| runner.rebless(&first))
        .unwrap_or_else(|e| panic!("rebless: {e}"));
    let again = with_table(setup, tracking, |runner| {
        runner.up(Tier::Advanced, &mut |_| {})
    })
    .unwrap_or_else(|e| panic!("second up: {e}"));
    assert!(again.is_empty(), "{again:?}");

    let reverted = with_table(setup, tracking, |runner| {
        runner.down(&DownTarget::Count(1), &mut |_| {})
    })
    .unwrap_or_else(|e| panic!("down: {e}"));
    assert_eq!(reverted.len(), 1);
    assert_eq!(setup.tracking_rows_in(tracking), steps.len() as i64 - 1);
    with_table(setup, tracking, |runner| {
        runner.down(&DownTarget::All, &mut |_| {})
    })
    .unwrap_or_else(|e| panic!("down --all: {e}"));
    assert_eq!(setup.tracking_rows_in(tracking), 0);
    assert_eq!(
        setup.count(&setup.tracking_sql().tracking_table_exists()),
        0
    );
}

fn custom_tracking_table_is_used_for_everything(engine: Engine) {
    let setup = Setup::standard(engine);
    lifecycle(&setup, &table("spine_runs"));
}

/// `schema.table`: PostgreSQL in a schema the test creates (not the current one), SQLite in
/// `main`, Db2 in a schema it creates.
fn schema_qualified_tracking_table(engine: Engine) {
    let setup = Setup::standard(engine);
    let tracking = match engine.dialect() {
        migrate::Dialect::Sqlite => table("main.spine_runs"),
        migrate::Dialect::Postgres => {
            setup.execute("CREATE SCHEMA spine_ops");
            table("spine_ops.spine_runs")
        }
        migrate::Dialect::Db2 => {
            setup.execute("CREATE SCHEMA SPINE_OPS");
            table("spine_ops.spine_runs")
        }
    };
    if engine.dialect() == migrate::Dialect::Postgres {
        let in_ops = "SELECT COUNT(*) FROM information_schema.tables \
                      WHERE table_schema = 'spine_ops' AND table_name = 'spine_runs'";
        let in_current = "SELECT COUNT(*) FROM information_schema.tables \
                          WHERE table_schema = current_schema() AND table_name = 'spine_runs'";
        with_table(&setup, &tracking, |runner| {
            runner.up(Tier::Basic, &mut |_| {})
        })
        .unwrap_or_else(|e| panic!("up: {e}"));
        assert_eq!(setup.count(in_ops), 1, "created in the given schema");
        assert_eq!(setup.count(in_current), 0, "not in the current schema");
        // The same name without the schema is another table: nothing applied there.
        assert!(applied(&setup, &table("spine_runs")).is_empty());
        with_table(&setup, &tracking, |runner| {
            runner.down(&DownTarget::All, &mut |_| {})
        })
        .unwrap_or_else(|e| panic!("down --all: {e}"));
    }
    lifecycle(&setup, &tracking);
}

/// Two runners with different tracking tables on one database: each sees only its own rows.
fn two_tracking_tables_track_independently(engine: Engine) {
    let setup = Setup::standard(engine);
    let (a, b) = (table("tracking_a"), table("tracking_b"));
    let basic = with_table(&setup, &a, |runner| runner.up(Tier::Basic, &mut |_| {}))
        .unwrap_or_else(|e| panic!("up a: {e}"));
    assert!(!basic.is_empty());
    assert_eq!(applied(&setup, &a).len(), basic.len());
    assert!(applied(&setup, &b).is_empty(), "b tracks nothing yet");
    assert_eq!(setup.tracking_rows_in(&b), 0);
    // b believes the basic tier pending and applies it (the fixtures are idempotent,
    // `CREATE TABLE IF NOT EXISTS`), as one group, recording it in b only.
    let grouped = with_table(&setup, &b, |runner| {
        runner.up_grouped(Tier::Basic, &mut |_| {})
    })
    .unwrap_or_else(|e| panic!("up b: {e}"));
    assert_eq!(grouped.len(), basic.len());
    assert_eq!(applied(&setup, &b).len(), basic.len());
    assert_eq!(setup.tracking_rows_in(&a), basic.len() as i64);
    // Reverting through a forgets a's rows, not b's.
    with_table(&setup, &a, |runner| {
        runner.down(&DownTarget::All, &mut |_| {})
    })
    .unwrap_or_else(|e| panic!("down a: {e}"));
    assert!(applied(&setup, &a).is_empty());
    assert_eq!(
        applied(&setup, &b).len(),
        basic.len(),
        "b still tracks its run"
    );
    assert_eq!(
        setup.tracking_rows(),
        0,
        "the default table is never created"
    );
}

on_every_engine!(
    custom_tracking_table_is_used_for_everything,
    schema_qualified_tracking_table,
    two_tracking_tables_track_independently,
);
