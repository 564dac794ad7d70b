//! The release record: the committed one verifies and freezes the nine released migrations;
//! a tampered copy is refused naming the first broken entry; a released migration renders
//! from the record whatever its struct says today, while the completeness check asks for the
//! step the change needs; an edit of a released migration is refused with its id.

#![allow(clippy::expect_used, reason = "a test or benchmark fails by panicking")]

use schema_dsl::{
    ColumnDef, ColumnType, DeclaredTable, Dialect, Group, IndexDef, Migration, Schema, Step,
    TableDef, Tier, completeness,
};
use schema_sql::release::{RECORD_FILE, Record, ReleaseError};
use std::path::Path;

fn committed_text() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrations-generated")
        .join(RECORD_FILE);
    std::fs::read_to_string(path).expect("the record is committed")
}

fn messages(errors: &[ReleaseError]) -> Vec<String> {
    errors.iter().map(ToString::to_string).collect()
}

#[test]
fn the_committed_record_verifies_and_holds_every_migration() {
    let text = committed_text();
    let record = Record::parse(&text).expect("the committed record verifies");
    assert_eq!(
        record.to_jsonl(),
        text,
        "the record is in its canonical form"
    );
    let schema = schema_defs::schema();
    let ids: Vec<String> = record.entries().iter().map(|e| e.id.clone()).collect();
    let declared: Vec<String> = schema.migrations.iter().map(|m| m.id.to_string()).collect();
    assert_eq!(ids, declared);
    let merged = record
        .apply(&schema)
        .expect("no released migration was edited");
    assert!(record.unreleased(&merged).is_empty());
    let files = schema_sql::generate(&merged, &Dialect::ALL)
        .expect("the schema renders")
        .files;
    assert_eq!(messages(&record.check_files(&files)), Vec::<String>::new());
    let recorded: usize = record
        .entries()
        .iter()
        .flat_map(|e| e.files.values())
        .map(|files| files.len())
        .sum();
    let migration_files = files
        .iter()
        .filter(|file| {
            migration_layout::MigrationFile::parse(&file.path.to_string_lossy())
                .is_ok_and(|parsed| parsed.is_some())
        })
        .count();
    assert_eq!(
        recorded, migration_files,
        "every generated migration file is released"
    );
}

#[test]
fn an_edited_entry_is_refused_naming_it() {
    let text = committed_text();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[2] = lines[2].replacen("\"max_len\":50", "\"max_len\":51", 1);
    let tampered = lines.join("\n") + "\n";
    let errors = Record::parse(&tampered).expect_err("an edited record is refused");
    assert_eq!(
        messages(&errors),
        [
            "releases.jsonl line 3: released migration `intermediate/0002_scheduler_runs`: the chain hash does not match: the record was edited or reordered from here on"
        ]
    );
}

#[test]
fn reordered_entries_are_refused_naming_the_first_moved() {
    let text = committed_text();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.swap(1, 2);
    let tampered = lines.join("\n") + "\n";
    let errors = Record::parse(&tampered).expect_err("a reordered record is refused");
    assert_eq!(
        messages(&errors),
        [
            "releases.jsonl line 2: released migration `intermediate/0002_scheduler_runs`: the chain hash does not match: the record was edited or reordered from here on"
        ]
    );
}

#[test]
fn a_removed_entry_breaks_the_next() {
    let text = committed_text();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.remove(4);
    let errors = Record::parse(&(lines.join("\n") + "\n")).expect_err("refused");
    assert_eq!(
        messages(&errors),
        [
            "releases.jsonl line 5: released migration `intermediate/0005_alert_history`: the chain hash does not match: the record was edited or reordered from here on"
        ]
    );
}

fn text(max_len: u32) -> ColumnType {
    ColumnType::Text {
        max_len: Some(max_len),
    }
}

/// `notes` as released.
fn notes_v1() -> TableDef {
    TableDef::new("notes")
        .column(ColumnDef::new("note_id", text(50)).primary_key())
        .column(ColumnDef::new("title", text(100)))
        .index(IndexDef::new("idx_notes_title", &["title"]))
}

/// `notes` after a field was added to its struct.
fn notes_v2() -> TableDef {
    notes_v1().column(ColumnDef::new("body", text(2000)).nullable(true))
}

fn notes_schema(notes: TableDef) -> Schema {
    Schema::new(vec![
        Migration::new(Group::Tier(Tier::Basic), 1, "notes").step(Step::CreateTable(notes)),
    ])
}

/// A record holding `basic/0001_notes` as created from [`notes_v1`], and its files.
fn released_notes() -> (Record, Vec<schema_sql::render::GeneratedFile>) {
    let schema = notes_schema(notes_v1());
    let files = schema_sql::generate(&schema, &Dialect::ALL)
        .expect("renders")
        .files;
    let mut record = Record::default();
    let merged = record.apply(&schema).expect("nothing released yet");
    assert_eq!(
        record.release(&merged, &files),
        ["basic/0001_notes".to_string()]
    );
    assert!(
        record.release(&merged, &files).is_empty(),
        "release is idempotent"
    );
    let reread = Record::parse(&record.to_jsonl()).expect("an appended record verifies");
    assert_eq!(reread, record);
    (record, files)
}

#[test]
fn a_released_migration_renders_from_the_record_when_its_struct_changed() {
    let (record, released_files) = released_notes();
    let declared = notes_schema(notes_v2());
    let merged = record.apply(&declared).expect("the shape is unchanged");
    assert_eq!(merged.migrations[0].steps, record.entries()[0].steps);
    let files = schema_sql::generate(&merged, &Dialect::ALL)
        .expect("renders")
        .files;
    assert_eq!(files, released_files, "the released files, byte for byte");
    assert_eq!(messages(&record.check_files(&files)), Vec::<String>::new());

    let findings = completeness(
        &merged,
        &[DeclaredTable {
            rust_name: "Note".to_string(),
            definition: notes_v2(),
        }],
    );
    let shown: Vec<String> = findings.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "table `notes`, column `body`: declared by `Note` but no migration adds it: add `.add_column(Note::COLUMNS.body)`"
        ]
    );
    assert_eq!(
        findings[0].suggestion.as_deref(),
        Some(".add_column(Note::COLUMNS.body)")
    );
}

#[test]
fn a_released_file_that_would_change_is_refused_naming_migration_and_file() {
    let (record, _) = released_notes();
    // Rendering today's struct instead of the record stands for any change of a released
    // file, such as a renderer's.
    let files = schema_sql::generate(&notes_schema(notes_v2()), &Dialect::ALL)
        .expect("renders")
        .files;
    assert_eq!(
        messages(&record.check_files(&files)),
        ["db2", "postgres", "sqlite"].map(|dialect| format!(
            "released migration `basic/0001_notes`: file `{dialect}/basic/0001_notes.up.sql` would change (its SHA-256 is not the released one): released files must stay byte-identical"
        ))
    );
}

#[test]
fn an_edit_of_a_released_migrations_shape_is_refused_with_its_id() {
    let (record, _) = released_notes();
    let edited = Schema::new(vec![
        Migration::new(Group::Tier(Tier::Basic), 1, "notes")
            .step(Step::CreateTable(notes_v2()))
            .step(Step::AddColumn {
                table: "notes".to_string(),
                column: ColumnDef::new("extra", text(10)).nullable(true),
                backfill: None,
            }),
    ]);
    assert_eq!(
        messages(&record.apply(&edited).expect_err("refused")),
        [
            "released migration `basic/0001_notes` was edited: add a new migration instead (step 2: released nothing, declared add_column `notes.extra`)"
        ]
    );
    let renamed = notes_schema(TableDef {
        name: "memos".to_string(),
        ..notes_v1()
    });
    assert_eq!(
        messages(&record.apply(&renamed).expect_err("refused")),
        [
            "released migration `basic/0001_notes` was edited: add a new migration instead (step 1: released create_table `notes`, declared create_table `memos`)"
        ]
    );
}

#[test]
fn released_migrations_stay_declared_and_in_order() {
    let (record, _) = released_notes();
    assert_eq!(
        messages(&record.apply(&Schema::default()).expect_err("refused")),
        [
            "released migration `basic/0001_notes` is not declared: released migrations are never removed; declare it again in schema()"
        ]
    );
    let inserted = Schema::new(vec![
        Migration::new(Group::Tier(Tier::Basic), 2, "other").step(Step::CreateTable(
            TableDef::new("other").column(ColumnDef::new("x", text(5))),
        )),
        Migration::new(Group::Tier(Tier::Basic), 1, "notes").step(Step::CreateTable(notes_v1())),
    ]);
    assert_eq!(
        messages(&record.apply(&inserted).expect_err("refused")),
        [
            "migration `basic/0002_other` is declared before released migration `basic/0001_notes`: declare new migrations after the last released one"
        ]
    );
}

#[test]
fn migrations_after_the_last_released_one_render_from_the_declarations() {
    let (mut record, _) = released_notes();
    let mut declared = notes_schema(notes_v1());
    declared
        .migrations
        .push(
            Migration::new(Group::Tier(Tier::Basic), 2, "tags").step(Step::CreateTable(
                TableDef::new("tags").column(ColumnDef::new("tag", text(30)).primary_key()),
            )),
        );
    let merged = record.apply(&declared).expect("valid");
    assert_eq!(record.unreleased(&merged).len(), 1);
    let files = schema_sql::generate(&merged, &Dialect::ALL)
        .expect("renders")
        .files;
    assert!(record.check_files(&files).is_empty());
    assert_eq!(
        record.release(&merged, &files),
        ["basic/0002_tags".to_string()]
    );
    assert_eq!(record.entries().len(), 2);
    Record::parse(&record.to_jsonl()).expect("the longer record verifies");
}

#[test]
fn the_command_refuses_a_tampered_record_in_one_line() {
    let dir = std::env::temp_dir().join(format!("codegen-release-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let record = dir.join(RECORD_FILE);
    let text = committed_text();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.swap(3, 4);
    std::fs::write(&record, lines.join("\n") + "\n").expect("write the copy");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_codegen"))
        .arg("--check")
        .arg("--record")
        .arg(&record)
        .output()
        .expect("codegen runs");
    std::fs::remove_dir_all(&dir).ok();
    assert!(!output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "codegen: releases.jsonl line 4: released migration `intermediate/0004_workflow_step_runs`: the chain hash does not match: the record was edited or reordered from here on\n"
    );
}

/// A change to a released table names the released migration that last changed it, following
/// renames back to the name it had then.
#[test]
fn a_change_to_a_released_table_names_its_released_migration() {
    let record = Record::parse(&committed_text()).expect("the committed record verifies");
    let schema = record
        .apply(&schema_defs::schema())
        .expect("no released migration was edited");
    let owner = |table: &str| {
        record
            .released_owner(&schema, table)
            .map(|m| m.id.to_string())
    };
    assert_eq!(
        owner("core_source_configs").as_deref(),
        Some("basic/0001_source_configs")
    );
    assert_eq!(
        owner("workflow_runs").as_deref(),
        Some("pg/0001_pg_optimizations")
    );
    assert_eq!(owner("no_such_table"), None);
    let mut renamed = schema.clone();
    renamed
        .migrations
        .push(
            Migration::new(Group::Tier(Tier::Basic), 2, "sources").step(Step::RenameTable {
                from: "core_source_configs".into(),
                to: "sources".into(),
            }),
        );
    assert_eq!(
        record
            .released_owner(&renamed, "sources")
            .map(|m| m.id.to_string())
            .as_deref(),
        Some("basic/0001_source_configs")
    );
}
