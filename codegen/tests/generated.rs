//! The generated tree, pinned: one insta snapshot per generated file, so a reviewer reads
//! every SQL change in the pull request, and a freshness check of `migrations-generated/`.

use codegen::files;
use codegen::render::GeneratedFile;
use schema_dsl::Dialect;
use std::collections::BTreeSet;
use std::path::Path;

fn generated() -> Vec<GeneratedFile> {
    codegen::generate(&schema_defs::schema(), &Dialect::ALL).expect("the schema renders")
}

/// `sqlite/basic/0001_source_configs.up.sql` → `sqlite__basic__0001_source_configs.up`.
fn snapshot_name(file: &GeneratedFile) -> String {
    let path = file.path.with_extension("");
    path.iter()
        .map(|part| part.to_string_lossy())
        .collect::<Vec<_>>()
        .join("__")
}

#[test]
fn every_generated_file_matches_its_snapshot() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for file in generated() {
            insta::assert_snapshot!(snapshot_name(&file), file.contents);
        }
    });
}

#[test]
fn no_snapshot_is_orphaned() {
    let expected: BTreeSet<String> = generated()
        .iter()
        .map(|file| format!("{}.snap", snapshot_name(file)))
        .collect();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .expect("tests/snapshots exists")
        .map(|entry| entry.expect("readable entry").file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".snap"))
        .collect();
    let orphans: Vec<&String> = on_disk.difference(&expected).collect();
    assert!(
        orphans.is_empty(),
        "snapshots of files codegen no longer generates: {orphans:?}"
    );
}

#[test]
fn migrations_generated_is_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations-generated");
    let drift = files::diff(&root, &generated()).expect("migrations-generated/ is readable");
    assert!(
        drift.is_empty(),
        "migrations-generated/ differs from the declarations; run `cargo run -p codegen`:\n{}",
        drift
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn generation_is_deterministic() {
    assert_eq!(generated(), generated());
}
