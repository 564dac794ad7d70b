//! The runner's life cycle on every engine: up tier by tier (per migration and grouped),
//! idempotence, down and up again, with `status` checked after each step; adopting the design
//! document's Python runner's tracking table; read-only commands on a SQLite file that does
//! not exist — one body, run once per engine.

mod runner_support;

use migrate::{Dialect, DownTarget, Error, MigrationSet, Runner, State, Target, Tier};
use runner_support::Setup;
use spine_tests::engines::Engine;
use spine_tests::fixtures::{standard_for, standard_tables};
use spine_tests::on_every_engine;

fn ids(steps: &[migrate::Step]) -> Vec<String> {
    steps.iter().map(|s| s.id.clone()).collect()
}

fn life_cycle(engine: Engine) {
    life_cycle_with(engine, false);
}

/// The same life cycle with every `up` grouped into one transaction.
fn grouped_life_cycle(engine: Engine) {
    life_cycle_with(engine, true);
}

fn life_cycle_with(engine: Engine, grouped: bool) {
    let setup = Setup::standard(engine);
    let dialect = setup.dialect();
    let fixtures = standard_for(dialect);
    let all_tables = standard_tables(dialect);
    let up = |tier: Tier| {
        setup
            .with_runner(|runner| {
                if grouped {
                    runner.up_grouped(tier, &mut |_| {})
                } else {
                    runner.up(tier, &mut |_| {})
                }
            })
            .unwrap_or_else(|e| panic!("up {tier}: {e}"))
    };
    let down = |target: DownTarget| {
        setup
            .with_runner(|runner| runner.down(&target, &mut |_| {}))
            .unwrap_or_else(|e| panic!("down {target:?}: {e}"))
    };

    assert_eq!(setup.ids_in(State::Applied).len(), 0);
    let mut applied_so_far = 0;
    for (tier, top_level) in [
        (Tier::Basic, 0),
        (Tier::Intermediate, 1),
        (Tier::Advanced, 3),
    ] {
        let expected: Vec<&str> = fixtures
            .iter()
            .filter(|m| m.level <= top_level)
            .map(|m| m.id)
            .collect();
        let steps = up(tier);
        assert_eq!(ids(&steps), expected[applied_so_far..], "up to {tier}");
        applied_so_far = expected.len();
        assert_eq!(
            setup.ids_in(State::Applied),
            expected,
            "status after up {tier}"
        );
        assert_eq!(
            setup.ids_in(State::Pending).len(),
            fixtures.len() - expected.len()
        );
        assert_eq!(setup.tables(&all_tables), expected.len() as i64);
        assert_eq!(setup.tracking_rows(), expected.len() as i64);
    }

    assert!(up(Tier::Advanced).is_empty(), "second run applies nothing");
    assert_eq!(setup.tracking_rows(), fixtures.len() as i64);

    let reverted = down(DownTarget::Count(2));
    let last_two: Vec<&str> = fixtures.iter().rev().take(2).map(|m| m.id).collect();
    assert_eq!(ids(&reverted), last_two);
    assert_eq!(setup.ids_in(State::Pending).len(), 2);

    let reverted = down(DownTarget::To("basic/0001_source_configs".to_string()));
    assert_eq!(reverted.len(), fixtures.len() - 3);
    assert_eq!(setup.ids_in(State::Applied), ["basic/0001_source_configs"]);

    assert_eq!(down(DownTarget::All).len(), 1);
    assert_eq!(setup.tables(&all_tables), 0);
    assert_eq!(setup.tracking_rows(), 0);
    assert_eq!(setup.ids_in(State::Pending).len(), fixtures.len());

    assert_eq!(
        up(Tier::Advanced).len(),
        fixtures.len(),
        "up again after down"
    );
    assert_eq!(setup.ids_in(State::Applied).len(), fixtures.len());
    assert_eq!(setup.tables(&all_tables), fixtures.len() as i64);
}

/// The real generated files, once codegen has written them: every tier applies, the second run
/// applies nothing, and (where down files exist) everything reverts and re-applies.
fn generated_files(engine: Engine) {
    let root = spine_tests::generated::root();
    assert!(
        root.is_dir(),
        "{} is missing: run codegen to generate the migration files",
        root.display()
    );
    let set = MigrationSet::from_dir(&root).unwrap_or_else(|e| panic!("{e}"));
    let setup = Setup::empty(engine);
    let target: migrate::Target = setup.db.target.parse().unwrap_or_else(|e| panic!("{e}"));
    let mut conn = target.connect(None).unwrap_or_else(|e| panic!("{e}"));
    let mut runner = Runner::new(conn.as_mut(), &set);
    let total = set.up_to(runner.dialect(), Tier::Advanced).map(|m| m.len());
    for tier in Tier::ALL {
        runner
            .up(tier, &mut |_| {})
            .unwrap_or_else(|e| panic!("up {tier}: {e}"));
    }
    assert!(
        runner
            .up(Tier::Advanced, &mut |_| {})
            .is_ok_and(|s| s.is_empty())
    );
    let status = runner.status().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        status.iter().all(|e| e.state == State::Applied),
        "{status:?}"
    );
    assert_eq!(Ok(status.len()), total.map_err(|e| e.to_string()));
    let all = set.all(runner.dialect());
    if all.iter().all(|m| m.down_sql.is_some()) {
        let reverted = runner.down(&DownTarget::All, &mut |_| {});
        assert_eq!(
            reverted.map(|r| r.len()).map_err(|e| e.to_string()),
            Ok(all.len())
        );
        let again = runner.up(Tier::Advanced, &mut |_| {});
        assert_eq!(
            again.map(|r| r.len()).map_err(|e| e.to_string()),
            Ok(all.len())
        );
    }
}

on_every_engine!(life_cycle, grouped_life_cycle, generated_files);

/// A database migrated by the seed runner: `status`/`validate` read its table as it is and
/// report its rows as unverified; `up` upgrades the table in place, keeps those rows and
/// applies the rest; `rebless ID` and `rebless --all-unverified` record their checksums; the
/// upgraded table still takes the seed runner's two-column inserts.
fn adopts_seed_tracking_table(engine: Engine, grouped: bool) {
    let setup = Setup::standard(engine);
    let dialect = setup.dialect();
    setup.seed_runner_database();
    let seeded = ["basic/0001_source_configs", "intermediate/0001_schedules"];
    let fixtures = standard_for(setup.dialect());

    assert_eq!(setup.ids_in(State::Unverified), seeded);
    assert_eq!(setup.ids_in(State::Pending).len(), fixtures.len() - 2);
    let validated = setup.with_runner(|runner| runner.validate());
    assert!(
        matches!(&validated, Err(Error::Unverified(ids)) if ids == &seeded),
        "{validated:?}"
    );
    assert_eq!(
        setup.count(&setup.tracking_sql().tracking_columns()),
        1,
        "status and validate left the table as it was"
    );

    let applied = setup
        .with_runner(|runner| {
            if grouped {
                runner.up_grouped(Tier::Advanced, &mut |_| {})
            } else {
                runner.up(Tier::Advanced, &mut |_| {})
            }
        })
        .unwrap_or_else(|e| panic!("up on the seed runner's table: {e}"));
    let expected: Vec<&str> = fixtures
        .iter()
        .map(|m| m.id)
        .filter(|id| !seeded.contains(id))
        .collect();
    assert_eq!(ids(&applied), expected);
    assert_eq!(
        setup.count(&setup.tracking_sql().tracking_columns()),
        4,
        "table upgraded"
    );
    let status = setup.status();
    let seeded_rows: Vec<_> = status
        .iter()
        .filter(|e| e.state == State::Unverified)
        .collect();
    assert_eq!(seeded_rows.len(), 2, "{status:?}");
    assert!(
        seeded_rows.iter().all(|e| e
            .applied_at
            .as_deref()
            .is_some_and(|at| at.starts_with("2026-11-20"))
            && e.duration_ms.is_none()),
        "{seeded_rows:?}"
    );
    assert_eq!(setup.ids_in(State::Applied), expected);

    let reblessed = setup.with_runner(|runner| runner.rebless(seeded[0]));
    assert!(reblessed.is_ok(), "{reblessed:?}");
    assert_eq!(setup.ids_in(State::Unverified), [seeded[1]]);
    let all = setup.with_runner(|runner| runner.rebless_all_unverified());
    assert_eq!(
        all.map_err(|e| e.to_string()),
        Ok(vec![seeded[1].to_string()])
    );
    assert!(setup.with_runner(|runner| runner.validate()).is_ok());
    assert_eq!(setup.ids_in(State::Applied).len(), fixtures.len());

    setup.execute(&format!(
        "INSERT INTO {} (migration_id, applied_at) VALUES ('basic/0999_seed_only', {})",
        setup.tracking_sql().tracking_table(),
        match dialect {
            Dialect::Postgres => "now()",
            Dialect::Sqlite | Dialect::Db2 => "'2026-11-21T10:00:00'",
        }
    ));
    assert_eq!(setup.ids_in(State::Missing), ["basic/0999_seed_only"]);
}

/// Adopting the seed runner's table, one migration per transaction.
fn adopts_seed_table(engine: Engine) {
    adopts_seed_tracking_table(engine, false);
}

/// Adopting the seed runner's table, every `up` grouped into one transaction.
fn adopts_seed_table_grouped(engine: Engine) {
    adopts_seed_tracking_table(engine, true);
}

// Db2 is left out: the seed runner's unquoted `_migrations` is not a valid Db2 name.
on_every_engine!(
    adopts_seed_table except [Db2Odbc],
    adopts_seed_table_grouped except [Db2Odbc],
);

/// `status`, `plan` and `validate` through [`Target::connect_read_only`] on a SQLite file that
/// does not exist report everything pending and do not create the file.
#[test]
fn read_only_commands_do_not_create_a_sqlite_file() {
    let setup = Setup::standard(Engine::Sqlite);
    let file = setup.db.scratch_path("test.db");
    assert!(!file.exists());
    let target: Target = setup.db.target.parse().unwrap_or_else(|e| panic!("{e}"));
    let set = setup.set();
    let total = standard_for(Dialect::Sqlite).len();
    let mut conn = target
        .connect_read_only(None)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut runner = Runner::new(conn.as_mut(), &set);
    let status = runner.status().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(status.len(), total);
    assert!(
        status.iter().all(|e| e.state == State::Pending),
        "{status:?}"
    );
    assert_eq!(
        runner.plan(Tier::Advanced).map(|p| p.len()).ok(),
        Some(total)
    );
    assert!(runner.validate().is_ok());
    assert!(
        !file.exists(),
        "a read-only command created {}",
        file.display()
    );

    let missing_dir: Target = format!(
        "sqlite:{}",
        setup.db.scratch_path("no/such/dir.db").display()
    )
    .parse()
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        missing_dir.connect_read_only(None),
        Err(Error::Connect { .. })
    ));
}

/// The files embedded in the `migrate` binary are exactly the generated files on disk.
#[test]
fn bundled_set_matches_generated_files() {
    let root = spine_tests::generated::root();
    let on_disk = MigrationSet::from_dir(&root).unwrap_or_else(|e| panic!("{e}"));
    let bundled = migrate::bundled().unwrap_or_else(|e| panic!("{e}"));
    for dialect in migrate::Dialect::ALL {
        assert_eq!(bundled.all(dialect), on_disk.all(dialect), "{dialect}");
    }
    assert!(!on_disk.all(migrate::Dialect::Sqlite).is_empty());
}
