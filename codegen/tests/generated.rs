//! The generated trees, pinned: one insta snapshot per generated file, so a reviewer reads
//! every SQL and documentation change in the pull request, and a freshness check of each tree
//! on disk.

#![allow(clippy::expect_used, reason = "a test or benchmark fails by panicking")]

use schema_dsl::Dialect;
use schema_sql::files;
use schema_sql::release::{RECORD_FILE, Record};
use schema_sql::render::GeneratedFile;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A generated tree: where it lives in the workspace, where its snapshots live, its files.
struct Tree {
    root: &'static str,
    snapshots: &'static str,
    /// The extensions of the files the tree owns.
    owned: &'static [&'static str],
    files: Vec<GeneratedFile>,
}

/// The ids of the released migrations, from the committed record.
fn released() -> Vec<String> {
    let path = workspace_path("migrations-generated").join(RECORD_FILE);
    Record::load(&path)
        .expect("the record is readable")
        .expect("the record is valid")
        .entries()
        .iter()
        .map(|entry| entry.id.clone())
        .collect()
}

fn trees() -> [Tree; 3] {
    let schema = schema_defs::schema();
    let released = released();
    let released: Vec<&str> = released.iter().map(String::as_str).collect();
    [
        Tree {
            root: "migrations-generated",
            snapshots: "snapshots",
            owned: files::SQL,
            files: schema_sql::generate(&schema, &Dialect::ALL)
                .expect("the schema renders")
                .files,
        },
        Tree {
            root: "statements-generated",
            snapshots: "snapshots/statements",
            owned: files::SQL,
            files: schema_sql::statement_files(&schema, &Dialect::ALL),
        },
        Tree {
            root: "docs/schema",
            snapshots: "snapshots/docs",
            owned: schema_sql::docs::EXTENSIONS,
            files: schema_sql::docs::docs_files(&schema, &released),
        },
    ]
}

/// `sqlite/basic/0001_source_configs.up.sql` → `sqlite__basic__0001_source_configs.up`.
fn snapshot_name(file: &GeneratedFile) -> String {
    let path = file.path.with_extension("");
    path.iter()
        .map(|part| part.to_string_lossy())
        .collect::<Vec<_>>()
        .join("__")
}

fn workspace_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative)
}

#[test]
fn every_generated_file_matches_its_snapshot() {
    for tree in trees() {
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(tree.snapshots);
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.bind(|| {
            for file in &tree.files {
                insta::assert_snapshot!(snapshot_name(file), file.contents);
            }
        });
    }
}

#[test]
fn no_snapshot_is_orphaned() {
    for tree in trees() {
        let expected: BTreeSet<String> = tree
            .files
            .iter()
            .map(|file| format!("{}.snap", snapshot_name(file)))
            .collect();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests")
            .join(tree.snapshots);
        let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.expect("readable entry").file_name())
            .map(|name| name.to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".snap"))
            .collect();
        let orphans: Vec<&String> = on_disk.difference(&expected).collect();
        assert!(
            orphans.is_empty(),
            "snapshots in {} of files codegen no longer generates: {orphans:?}",
            dir.display()
        );
    }
}

#[test]
fn generated_trees_are_fresh() {
    for tree in trees() {
        let root = workspace_path(tree.root);
        let drift =
            files::diff_owning(&root, &tree.files, tree.owned).expect("the tree is readable");
        assert!(
            drift.is_empty(),
            "{} differs from the declarations; run `cargo run -p codegen`:\n{}",
            tree.root,
            drift
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

#[test]
fn generation_is_deterministic() {
    let [first, second] = [trees(), trees()];
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(a.files, b.files, "{}", a.root);
    }
}

/// The README shows the diagram of today's schema, as the docs give it.
#[test]
fn readme_shows_the_current_diagram() {
    let readme = std::fs::read_to_string(workspace_path("README.md")).expect("README.md");
    let schema = schema_defs::schema();
    let er = schema_sql::docs::er_diagram(&schema);
    assert!(
        readme.contains(&format!("```mermaid\n{er}```")),
        "README.md does not show the current ER diagram: copy docs/schema/er.mmd into its \
         ```mermaid block"
    );
    assert!(
        readme.contains("(docs/schema/SCHEMA.md)"),
        "README.md links to the docs"
    );
}

/// `codegen --check` finds stale, missing and extra documentation (extra: a page codegen
/// wrote, by its header; a hand-written diagram or file of another kind is not codegen's),
/// and the Db2 row sizes are one line pointing at the docs.
#[test]
fn check_fails_on_stale_docs_with_one_row_size_line() {
    let dir = std::env::temp_dir().join(format!("codegen-docs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("SCHEMA.md"), "# an old schema\n").expect("write");
    std::fs::write(dir.join("old.mmd"), "erDiagram\n").expect("write");
    std::fs::write(
        dir.join("OLD.md"),
        "<!-- Generated by `cargo run -p codegen` from schema-defs; never edit. -->\n# old\n",
    )
    .expect("write");
    std::fs::write(dir.join("notes.txt"), "hand-written\n").expect("write");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_codegen"))
        .arg("--check")
        .arg("--docs-out")
        .arg(&dir)
        .output()
        .expect("codegen runs");
    std::fs::remove_dir_all(&dir).ok();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    let drift: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("  "))
        .map(str::trim)
        .collect();
    assert_eq!(
        drift,
        [
            "missing: er-postgres.mmd",
            "missing: er.mmd",
            "stale:   SCHEMA.md",
            "extra:   OLD.md"
        ],
        "{stderr}"
    );
    let row_sizes: Vec<&str> = stderr.lines().filter(|l| l.contains("Db2")).collect();
    assert_eq!(
        row_sizes,
        [
            "codegen: note: 5 Db2 table(s) need pages over 4K unless extended_row_sz is enabled (scheduler_runs, workflow_runs, workflow_step_runs, alert_history, dead_letter_queue): see docs/schema/SCHEMA.md#db2-row-sizes"
        ],
        "{stderr}"
    );
}
