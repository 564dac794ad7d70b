//! The runner's life cycle on every engine: up tier by tier, idempotence, down and up again,
//! with `status` checked after each step — one body, run once per engine.

mod runner_support;

use migrate::{DownTarget, MigrationSet, Runner, State, Tier};
use runner_support::Setup;
use spine_tests::engines::Engine;
use spine_tests::fixtures::{standard_for, standard_tables};
use spine_tests::on_every_engine;

fn ids(steps: &[migrate::Step]) -> Vec<String> {
    steps.iter().map(|s| s.id.clone()).collect()
}

fn life_cycle(engine: Engine) {
    let setup = Setup::standard(engine);
    let dialect = setup.dialect();
    let fixtures = standard_for(dialect);
    let all_tables = standard_tables(dialect);
    let up = |tier: Tier| {
        setup
            .with_runner(|runner| runner.up(tier, &mut |_| {}))
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
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations-generated");
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

on_every_engine!(life_cycle, generated_files);

/// The files embedded in the `migrate` binary are exactly the generated files on disk.
#[test]
fn bundled_set_matches_generated_files() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations-generated");
    let on_disk = MigrationSet::from_dir(&root).unwrap_or_else(|e| panic!("{e}"));
    let bundled = migrate::bundled().unwrap_or_else(|e| panic!("{e}"));
    for dialect in migrate::Dialect::ALL {
        assert_eq!(bundled.all(dialect), on_disk.all(dialect), "{dialect}");
    }
    assert!(!on_disk.all(migrate::Dialect::Sqlite).is_empty());
}
