//! Apply order = release order: a dialect's `release-order.txt` decides the order `up`, `plan`,
//! `status` and `down` follow (tiers still filter it), a manifest and the files that disagree
//! are refused, and the generated tree's manifests list every migration.

#[allow(
    dead_code,
    reason = "shared with runner_scenarios, which uses the rest"
)]
mod runner_support;

use std::path::Path;

use migrate::{Dialect, DownTarget, MigrationSet, State, Tier};
use migration_layout::{MigrationFile, release_order};
use runner_support::Setup;
use spine_tests::engines::Engine;
use spine_tests::fixtures::{
    if_exists, if_not_exists, styled, write_migration, write_release_order,
};
use spine_tests::on_every_engine;

/// A tree released as basic/0001, then the dialect's overlay, then a tier migration that alters
/// the overlay's table: it only works when applied after the overlay, as released.
fn write_released_after_overlay(root: &Path, dialect: Dialect) -> Vec<String> {
    let overlay = format!("{}/0001_t_overlay", dialect.overlay_name());
    let ine = if_not_exists(dialect);
    let ie = if_exists(dialect);
    let key = "id VARCHAR(50) NOT NULL PRIMARY KEY";
    write_migration(
        root,
        dialect,
        "basic/0001_t_base",
        &styled(dialect, &format!("CREATE TABLE {ine}t_base ({key});\n")),
        Some(&styled(dialect, &format!("DROP TABLE {ie}t_base;\n"))),
    );
    write_migration(
        root,
        dialect,
        &overlay,
        &styled(dialect, &format!("CREATE TABLE {ine}t_overlay ({key});\n")),
        Some(&styled(dialect, &format!("DROP TABLE {ie}t_overlay;\n"))),
    );
    write_migration(
        root,
        dialect,
        "intermediate/0001_overlay_note",
        &styled(
            dialect,
            "ALTER TABLE t_overlay ADD COLUMN note VARCHAR(100);\n",
        ),
        Some(&styled(
            dialect,
            "ALTER TABLE t_overlay DROP COLUMN note;\n",
        )),
    );
    let order = vec![
        "basic/0001_t_base".to_string(),
        overlay,
        "intermediate/0001_overlay_note".to_string(),
    ];
    let ids: Vec<&str> = order.iter().map(String::as_str).collect();
    write_release_order(root, dialect, &ids);
    order
}

fn applies_in_release_order(engine: Engine) {
    applies_in_release_order_with(engine, false);
}

fn applies_in_release_order_grouped(engine: Engine) {
    applies_in_release_order_with(engine, true);
}

fn applies_in_release_order_with(engine: Engine, grouped: bool) {
    let setup = Setup::empty(engine);
    let order = write_released_after_overlay(&setup.root, setup.dialect());

    let planned = setup.with_runner(|runner| {
        runner
            .plan(Tier::Advanced)
            .map(|plan| plan.iter().map(|m| m.id.clone()).collect::<Vec<_>>())
            .unwrap_or_else(|e| panic!("plan: {e}"))
    });
    assert_eq!(planned, order, "plan follows the manifest");
    assert_eq!(
        setup
            .status()
            .iter()
            .map(|e| e.id.clone())
            .collect::<Vec<_>>(),
        order,
        "status lists in release order"
    );

    let steps = setup
        .with_runner(|runner| {
            if grouped {
                runner.up_grouped(Tier::Advanced, &mut |_| {})
            } else {
                runner.up(Tier::Advanced, &mut |_| {})
            }
        })
        .unwrap_or_else(|e| panic!("up: {e}"));
    assert_eq!(
        steps.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
        order,
        "up applies in release order: the tier migration after the overlay it alters"
    );
    assert_eq!(setup.ids_in(State::Applied), order);
    setup.execute(&styled(
        setup.dialect(),
        "INSERT INTO t_overlay (id, note) VALUES ('a', 'b')",
    ));
    assert_eq!(
        setup.count(&styled(
            setup.dialect(),
            "SELECT COUNT(*) FROM t_overlay WHERE note = 'b'"
        )),
        1
    );

    let reverted = setup
        .with_runner(|runner| runner.down(&DownTarget::Count(1), &mut |_| {}))
        .unwrap_or_else(|e| panic!("down: {e}"));
    assert_eq!(
        reverted.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        ["intermediate/0001_overlay_note"],
        "down reverts the last released first"
    );
    assert_eq!(
        setup.ids_in(State::Pending),
        ["intermediate/0001_overlay_note"]
    );
}

on_every_engine!(
    applies_in_release_order except [Db2Odbc],
    applies_in_release_order_grouped except [Db2Odbc],
);

fn refusal(root: &Path) -> String {
    match MigrationSet::from_dir(root) {
        Ok(_) => "accepted".to_string(),
        Err(error) => error.to_string(),
    }
}

#[test]
fn a_manifest_naming_a_migration_without_a_file_is_refused() {
    let scratch = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = scratch.path();
    write_released_after_overlay(root, Dialect::Postgres);
    write_release_order(
        root,
        Dialect::Postgres,
        &[
            "basic/0001_t_base",
            "pg/0001_t_overlay",
            "intermediate/0001_overlay_note",
            "intermediate/0002_gone",
        ],
    );
    let message = refusal(root);
    assert!(
        message.contains("postgres/release-order.txt lists intermediate/0002_gone")
            && message.contains("postgres/intermediate/0002_gone.up.sql"),
        "{message}"
    );
}

#[test]
fn a_file_missing_from_the_manifest_is_refused() {
    let scratch = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = scratch.path();
    write_released_after_overlay(root, Dialect::Postgres);
    write_release_order(
        root,
        Dialect::Postgres,
        &["basic/0001_t_base", "intermediate/0001_overlay_note"],
    );
    let message = refusal(root);
    assert!(
        message.contains(
            "postgres/pg/0001_t_overlay.up.sql is not listed in postgres/release-order.txt"
        ),
        "{message}"
    );
}

#[test]
fn without_a_manifest_tiers_come_first_then_the_overlay() {
    let scratch = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = scratch.path();
    write_released_after_overlay(root, Dialect::Postgres);
    std::fs::remove_file(root.join(release_order::path(Dialect::Postgres)))
        .unwrap_or_else(|e| panic!("{e}"));
    let set = MigrationSet::from_dir(root).unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = set
        .all(Dialect::Postgres)
        .iter()
        .map(|m| m.id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "basic/0001_t_base",
            "intermediate/0001_overlay_note",
            "pg/0001_t_overlay"
        ]
    );
}

/// Every up file of each dialect's generated directory, as migration ids.
fn up_files(root: &Path, dialect: Dialect) -> Vec<String> {
    let mut ids = Vec::new();
    let dir = root.join(dialect.dir_name());
    for group in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let group = group.unwrap_or_else(|e| panic!("{e}")).path();
        if !group.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&group).unwrap_or_else(|e| panic!("{e}")) {
            let path = file.unwrap_or_else(|e| panic!("{e}")).path();
            let relative = path
                .strip_prefix(root)
                .unwrap_or_else(|e| panic!("{e}"))
                .to_string_lossy()
                .replace('\\', "/");
            if let Ok(Some(file)) = MigrationFile::parse(&relative)
                && file.direction == migration_layout::Direction::Up
            {
                ids.push(file.id.to_string());
            }
        }
    }
    ids.sort();
    ids
}

#[test]
fn the_generated_manifests_list_every_migration_once() {
    let root = spine_tests::generated::root();
    let set = MigrationSet::from_dir(&root).unwrap_or_else(|e| panic!("{e}"));
    for dialect in Dialect::ALL {
        let path = root.join(release_order::path(dialect));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}: run `cargo run -p codegen`", path.display()));
        let listed: Vec<String> = release_order::parse(dialect, &text)
            .unwrap_or_else(|e| panic!("{e}"))
            .iter()
            .map(|entry| entry.id.to_string())
            .collect();
        let mut sorted = listed.clone();
        sorted.sort();
        assert_eq!(sorted, up_files(&root, dialect), "{}", path.display());
        let applied: Vec<String> = set.all(dialect).iter().map(|m| m.id.clone()).collect();
        assert_eq!(
            applied, listed,
            "{dialect}: the runner's order is the manifest's"
        );
    }
}
