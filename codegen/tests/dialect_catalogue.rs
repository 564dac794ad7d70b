//! The catalogue of declarations a dialect cannot render, each with the exact message.
//! Every case is one table in the basic tier, rendered for every dialect.

#![allow(
    clippy::panic,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use schema_dsl::{
    Acknowledgement, AlterOptions, CheckCondition, CheckDef, ColumnDef, ColumnType, DefaultValue,
    Dialect, ForeignKeyAction, ForeignKeyDef, Group, IndexDef, IndexMethod, JsonSize, Migration,
    Schema, Step, TableDef, Tier,
};
use schema_sql::{GenerateError, generate};

fn text(max_len: u32) -> ColumnType {
    ColumnType::Text {
        max_len: Some(max_len),
    }
}

fn notes() -> TableDef {
    TableDef::new("notes").column(ColumnDef::new("note_id", text(50)).primary_key())
}

/// The dialect errors `table` gives, as printed, or an empty list when it renders.
fn dialect_errors(table: TableDef) -> Vec<String> {
    let schema = Schema::new(vec![
        Migration::new(Group::Tier(Tier::Basic), 1, "notes").step(Step::CreateTable(table)),
    ]);
    match generate(&schema, &Dialect::ALL) {
        Ok(_) => Vec::new(),
        Err(GenerateError::Dialect(errors)) => errors.iter().map(ToString::to_string).collect(),
        Err(other) => panic!("expected dialect errors, got: {other}"),
    }
}

#[test]
fn a_plain_table_renders_everywhere() {
    assert_eq!(dialect_errors(notes()), Vec::<String>::new());
}

#[test]
fn postgres_refuses_names_it_would_truncate() {
    let long = "a".repeat(64);
    let errors = dialect_errors(notes().column(ColumnDef::new(long.clone(), text(10))));
    assert_eq!(
        errors,
        [format!(
            "postgres: table `notes`, column `{long}`: column name `{long}` is 64 bytes; the limit is 63"
        )]
    );
}

#[test]
fn db2_refuses_names_over_128_bytes() {
    let long = format!("idx_{}", "n".repeat(125));
    let errors = dialect_errors(notes().index(IndexDef::new(long.clone(), &["note_id"])));
    assert_eq!(
        errors,
        [
            format!("postgres: table `notes`: index name `{long}` is 129 bytes; the limit is 63"),
            format!("db2: table `notes`: index name `{long}` is 129 bytes; the limit is 128"),
        ]
    );
}

#[test]
fn reserved_words_are_refused_where_they_break() {
    let errors = dialect_errors(notes().column(ColumnDef::new("order", ColumnType::Integer)));
    assert_eq!(
        errors,
        [
            "sqlite: table `notes`, column `order`: column name `order` is a reserved word",
            "postgres: table `notes`, column `order`: column name `order` is a reserved word",
            "db2: table `notes`, column `order`: column name `order` is a reserved word",
        ]
    );
    let errors = dialect_errors(notes().column(ColumnDef::new("analyze", ColumnType::Integer)));
    assert_eq!(
        errors,
        ["postgres: table `notes`, column `analyze`: column name `analyze` is a reserved word"]
    );
}

/// A GIN index is created by its own step; dialects that cannot build it skip the step
/// by rule, with a warning, and still render everything else.
#[test]
fn gin_is_a_postgres_capability() {
    let table = notes()
        .column(ColumnDef::new(
            "body",
            ColumnType::Json {
                size: Default::default(),
            },
        ))
        .index(IndexDef {
            method: IndexMethod::Gin,
            ..IndexDef::new("idx_notes_body", &["body"])
        });
    let schema = Schema::new(vec![
        Migration::new(Group::Tier(Tier::Basic), 1, "notes").step(Step::CreateTable(table.clone())),
        Migration::new(Group::Tier(Tier::Basic), 2, "notes_body_gin").step(Step::CreateIndex {
            table: "notes".into(),
            index: table.indexes[0].clone(),
        }),
    ]);
    let generated = generate(&schema, &Dialect::ALL).expect("renders");
    let gin = generated
        .files
        .iter()
        .find(|f| {
            f.path
                .ends_with("postgres/basic/0002_notes_body_gin.up.sql")
        })
        .expect("the PostgreSQL file of the GIN step");
    assert!(
        gin.contents.contains("USING GIN (body)"),
        "{}",
        gin.contents
    );
    let warnings: Vec<String> = generated.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "warning: sqlite: table `notes`: index `idx_notes_body` uses method gin, which this dialect cannot build: skipped",
            "warning: postgres: table `notes`: migration `basic/0002_notes_body_gin`: CREATE INDEX `idx_notes_body` blocks writes to the table while it scans it: declare the migration `online()` to run it without blocking writers",
            "warning: db2: table `notes`: index `idx_notes_body` uses method gin, which this dialect cannot build: skipped",
        ]
    );
}

#[test]
fn db2_needs_a_length_on_text() {
    let errors =
        dialect_errors(notes().column(ColumnDef::new("body", ColumnType::Text { max_len: None })));
    assert_eq!(
        errors,
        ["db2: table `notes`, column `body`: Db2 has no unbounded text type: declare `max_len`"]
    );
}

#[test]
fn postgres_refuses_system_column_names() {
    for name in ["xmin", "xmax", "cmin", "cmax", "ctid", "tableoid"] {
        let errors = dialect_errors(notes().column(ColumnDef::new(name, ColumnType::Integer)));
        assert_eq!(
            errors,
            [format!(
                "postgres: table `notes`, column `{name}`: column name `{name}` is the name of a system column every table has"
            )]
        );
    }
}

/// `notes` with the columns the column changes below start from, then `changes`, one
/// migration each: the warnings of every dialect, as printed.
fn column_change_warnings(changes: Vec<Step>) -> Vec<String> {
    let table = notes()
        .column(ColumnDef::new("body", text(50)).nullable(true))
        .column(ColumnDef::new("tally", ColumnType::Integer))
        .column(ColumnDef::new("code", text(10)))
        .column(
            ColumnDef::new(
                "doc",
                ColumnType::Json {
                    size: JsonSize::Large,
                },
            )
            .nullable(true),
        );
    let mut migrations =
        vec![Migration::new(Group::Tier(Tier::Basic), 1, "notes").step(Step::CreateTable(table))];
    for (seq, step) in (2..).zip(changes) {
        migrations.push(Migration::new(Group::Tier(Tier::Basic), seq, "change").step(step));
    }
    match generate(&Schema::new(migrations), &Dialect::ALL) {
        Ok(generated) => generated.warnings.iter().map(ToString::to_string).collect(),
        Err(error) => vec![error.to_string()],
    }
}

fn alter(column: ColumnDef, options: AlterOptions) -> Step {
    Step::AlterColumn {
        table: "notes".into(),
        column,
        backfill: options.backfill,
        conversion: options.conversion,
        ack: options.ack,
    }
}

#[test]
fn a_longer_varchar_and_a_new_default_change_in_place_without_a_warning() {
    assert_eq!(
        column_change_warnings(vec![
            alter(
                ColumnDef::new("body", text(200)).nullable(true),
                AlterOptions::default()
            ),
            alter(
                ColumnDef::new("tally", ColumnType::Integer).default(DefaultValue::Integer(1)),
                AlterOptions::default()
            ),
        ]),
        Vec::<String>::new()
    );
}

#[test]
fn column_changes_that_rewrite_lock_or_reorganise_the_table_warn() {
    assert_eq!(
        column_change_warnings(vec![
            alter(
                ColumnDef::new("tally", ColumnType::BigInt),
                AlterOptions::default()
            ),
            alter(
                ColumnDef::new("body", text(50)),
                AlterOptions::default().backfill(DefaultValue::Text("".into()))
            ),
            alter(
                ColumnDef::new("code", ColumnType::Integer),
                AlterOptions::default().cast()
            ),
        ]),
        [
            "warning: postgres: table `notes`: column `tally`: changing INTEGER to BIGINT rewrites the table under an ACCESS EXCLUSIVE lock: its readers and writers wait until the migration commits",
            "warning: postgres: table `notes`: column `body`: SET NOT NULL scans the table once, to validate a CHECK (body IS NOT NULL) first; in the migration's transaction the table stays locked until it commits",
            "warning: postgres: table `notes`: column `code`: changing VARCHAR(10) to INTEGER rewrites the table under an ACCESS EXCLUSIVE lock: its readers and writers wait until the migration commits",
            "warning: db2: table `notes`: column `tally`: SET DATA TYPE BIGINT leaves the table reorg-pending: the file runs CALL SYSPROC.ADMIN_CMD('REORG TABLE NOTES'); right after it, which rewrites the table",
            "warning: db2: table `notes`: column `body`: SET NOT NULL leaves the table reorg-pending: the file runs CALL SYSPROC.ADMIN_CMD('REORG TABLE NOTES'); right after it, which rewrites the table",
            "warning: db2: table `notes`: column `code`: this dialect cannot SET DATA TYPE from VARCHAR(10) to INTEGER: the file adds `code_new`, copies the values by CAST, drops `code` (then runs CALL SYSPROC.ADMIN_CMD('REORG TABLE NOTES');) and renames `code_new`; the column moves to the end of the table",
        ]
    );
}

#[test]
fn column_changes_a_dialect_cannot_make_are_refused() {
    let shrink = alter(
        ColumnDef::new(
            "doc",
            ColumnType::Json {
                size: JsonSize::Small,
            },
        )
        .nullable(true),
        AlterOptions::default().acknowledge(Acknowledgement::data_loss("small documents")),
    );
    let unbounded = alter(
        ColumnDef::new("code", ColumnType::Text { max_len: None }),
        AlterOptions::default(),
    );
    assert_eq!(
        column_change_warnings(vec![shrink, unbounded]),
        [
            "db2: table `notes`, column `doc`: cannot shorten CLOB(1M) to CLOB(100K): this dialect only lengthens a CLOB; add a new column, copy, and drop this one\n\
          db2: table `notes`, column `code`: Db2 has no unbounded text type: declare `max_len`"
        ]
    );
}

/// On PostgreSQL, an index built or a constraint added to an existing table in a migration
/// run in one transaction blocks writes for the scan: a warning says to declare the migration
/// `online()`, which then renders without it. A table created in the same migration has no
/// writers to block.
#[test]
fn postgres_warns_of_scans_that_block_writers() {
    let notes = notes()
        .column(ColumnDef::new("title", text(50)))
        .column(ColumnDef::new("parent_id", text(50)).nullable(true));
    let steps = vec![
        Step::CreateIndex {
            table: "notes".into(),
            index: IndexDef::new("idx_notes_title", &["title"]),
        },
        Step::AddForeignKey {
            table: "notes".into(),
            foreign_key: ForeignKeyDef {
                name: "fk_notes_parent".into(),
                columns: vec!["parent_id".into()],
                ref_table: "notes".into(),
                ref_columns: vec!["note_id".into()],
                on_delete: ForeignKeyAction::Cascade,
                on_update: ForeignKeyAction::NoAction,
            },
        },
        Step::AddCheck {
            table: "notes".into(),
            check: CheckDef::new("ck_notes_title", "title", CheckCondition::NotEmpty),
        },
        Step::DropCheck {
            table: "notes".into(),
            name: "ck_notes_title".into(),
        },
    ];
    let warnings = |online: bool, created_alongside: bool| {
        let mut second = Migration::new(Group::Tier(Tier::Basic), 2, "notes_constraints");
        second.steps = steps.clone();
        second.online = online;
        let mut first = Migration::new(Group::Tier(Tier::Basic), 1, "notes");
        first = first.step(Step::CreateTable(notes.clone()));
        let migrations = if created_alongside {
            first.steps.extend(second.steps);
            vec![first]
        } else {
            vec![first, second]
        };
        generate(&Schema::new(migrations), &Dialect::ALL)
            .expect("renders")
            .warnings
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    };
    let blocks = |what: &str| {
        format!(
            "warning: postgres: table `notes`: migration `basic/0002_notes_constraints`: {what} blocks writes to the table while it scans it: declare the migration `online()` to run it without blocking writers"
        )
    };
    assert_eq!(
        warnings(false, false),
        [
            blocks("CREATE INDEX `idx_notes_title`"),
            blocks("ADD FOREIGN KEY `fk_notes_parent`"),
            blocks("ADD CHECK `ck_notes_title`"),
        ]
    );
    assert_eq!(warnings(true, false), Vec::<String>::new());
    assert_eq!(warnings(false, true), Vec::<String>::new());
}

/// A foreign key added to an existing table meets the same dialect rules as one created
/// with it: Db2's ON UPDATE takes only NO ACTION and RESTRICT; names fit each dialect.
#[test]
fn an_added_foreign_key_keeps_each_dialects_rules() {
    let notes = notes().column(ColumnDef::new("parent_id", text(50)).nullable(true));
    let add = |name: String, on_update| Step::AddForeignKey {
        table: "notes".into(),
        foreign_key: ForeignKeyDef {
            name,
            columns: vec!["parent_id".into()],
            ref_table: "notes".into(),
            ref_columns: vec!["note_id".into()],
            on_delete: ForeignKeyAction::NoAction,
            on_update,
        },
    };
    let long = format!("fk_{}", "n".repeat(61));
    let schema = Schema::new(vec![
        Migration::new(Group::Tier(Tier::Basic), 1, "notes").step(Step::CreateTable(notes)),
        Migration::new(Group::Tier(Tier::Basic), 2, "notes_parent")
            .step(add("fk_notes_parent".into(), ForeignKeyAction::Cascade))
            .step(add(long.clone(), ForeignKeyAction::NoAction)),
    ]);
    let errors: Vec<String> = match generate(&schema, &Dialect::ALL) {
        Err(GenerateError::Dialect(errors)) => errors.iter().map(ToString::to_string).collect(),
        other => panic!("expected dialect errors, got: {other:?}"),
    };
    assert_eq!(
        errors,
        [
            format!(
                "postgres: table `notes`: foreign key name `{long}` is 64 bytes; the limit is 63"
            ),
            "db2: table `notes`: foreign key `fk_notes_parent`: ON UPDATE CASCADE is not supported"
                .to_string(),
        ]
    );
}
