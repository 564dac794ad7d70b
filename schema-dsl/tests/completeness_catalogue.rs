//! The catalogue of differences between the structs and what the migrations give, each with
//! the exact message (and Rust to paste) an engineer sees, and the destructive-change lint.
//! Every case starts from a `runs` table whose one migration gives exactly what is declared
//! and changes the declaration (or adds a step).

use schema_dsl::{
    Acknowledgement, CheckCondition, CheckDef, ColumnDef, ColumnType, DeclaredTable, DefaultValue,
    FindingKind, Group, IndexDef, Migration, Schema, Step, TableDef, Tier, completeness,
    unacknowledged_steps,
};

fn text(max_len: u32) -> ColumnType {
    ColumnType::Text {
        max_len: Some(max_len),
    }
}

fn runs() -> TableDef {
    TableDef::new("runs")
        .column(ColumnDef::new("run_id", text(50)).primary_key())
        .column(ColumnDef::new("name", text(100)))
        .column(ColumnDef::new("created_at", ColumnType::Timestamp).default(DefaultValue::Now))
        .index(IndexDef::new("idx_runs_name", &["name"]))
}

/// The released migrations: they create `runs` as [`runs`] declares it.
fn schema() -> Schema {
    Schema::new(vec![
        Migration::new(Group::Tier(Tier::Basic), 1, "runs").step(Step::CreateTable(runs())),
    ])
}

fn declared(definition: TableDef) -> Vec<DeclaredTable> {
    vec![DeclaredTable {
        rust_name: "Run".to_string(),
        definition,
    }]
}

/// The messages for the declaration `runs`, against [`schema`].
fn messages(runs: TableDef) -> Vec<String> {
    messages_of(&schema(), declared(runs))
}

fn messages_of(schema: &Schema, declared: Vec<DeclaredTable>) -> Vec<String> {
    completeness(schema, &declared)
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn the_starting_schema_is_complete() {
    assert_eq!(messages(runs()), Vec::<String>::new());
}

#[test]
fn a_declared_table_no_migration_creates() {
    let mut tables = declared(runs());
    tables.push(DeclaredTable {
        rust_name: "Step".to_string(),
        definition: TableDef::new("steps").column(ColumnDef::new("step_id", text(50))),
    });
    assert_eq!(
        messages_of(&schema(), tables),
        [
            "table `steps` is declared by `Step` but no migration creates it: add `.create_table::<Step>()`"
        ]
    );
}

#[test]
fn a_nullable_column_no_migration_adds() {
    let runs = runs().column(ColumnDef::new("note", text(200)).nullable(true));
    assert_eq!(
        messages(runs),
        [
            "table `runs`, column `note`: declared by `Run` but no migration adds it: add `.add_column(Run::COLUMNS.note)`"
        ]
    );
}

#[test]
fn a_column_with_a_default_no_migration_adds() {
    let runs = runs()
        .column(ColumnDef::new("retries", ColumnType::Integer).default(DefaultValue::Integer(0)));
    assert_eq!(
        messages(runs),
        [
            "table `runs`, column `retries`: declared by `Run` but no migration adds it: add `.add_column(Run::COLUMNS.retries)`"
        ]
    );
}

#[test]
fn a_not_null_column_without_default_needs_a_value_for_existing_rows() {
    let runs = runs().column(ColumnDef::new("retries", ColumnType::Integer));
    let findings = completeness(&schema(), &declared(runs));
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].kind, FindingKind::ColumnNotAdded);
    assert_eq!(findings[0].column.as_deref(), Some("retries"));
    assert_eq!(
        findings[0].suggestion.as_deref(),
        Some(".add_column_with(Run::COLUMNS.retries, DefaultValue::Integer(…))")
    );
    assert_eq!(
        findings[0].message,
        "table `runs`, column `retries`: declared by `Run` but no migration adds it: add `.add_column_with(Run::COLUMNS.retries, DefaultValue::Integer(…))`"
    );
}

#[test]
fn a_column_the_struct_no_longer_declares() {
    let mut runs = runs();
    runs.columns.retain(|c| c.name != "created_at");
    assert_eq!(
        messages(runs),
        [
            "table `runs`, column `created_at`: the migrations give it but `Run` no longer declares it: add `.drop_column::<Run>(\"created_at\", Acknowledgement::data_loss(\"why\"))`"
        ]
    );
}

#[test]
fn a_column_gone_while_one_of_its_type_appears_is_never_guessed_a_rename() {
    let mut runs = runs();
    runs.columns[1].name = "title".to_string();
    runs.indexes.clear();
    let findings = completeness(&schema(), &declared(runs));
    let shown: Vec<String> = findings.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "table `runs`, column `name`: gone while column `title` of the same type text(100) appeared; say which: a rename `.rename_column::<Run>(\"name\", Run::COLUMNS.title)` or a drop and an add `.drop_column::<Run>(\"name\", Acknowledgement::data_loss(\"why\")).add_column_with(Run::COLUMNS.title, DefaultValue::Text(\"…\".into()))`",
            "table `runs`, index `idx_runs_name`: the migrations create it but `Run` no longer declares it: add `.drop_index::<Run>(\"idx_runs_name\")`",
        ]
    );
    assert_eq!(findings[0].kind, FindingKind::AmbiguousRename);
}

#[test]
fn a_column_of_another_type_is_a_drop_and_an_add() {
    let mut runs = runs();
    runs.columns[2] = ColumnDef::new("finished_at", ColumnType::Integer).nullable(true);
    assert_eq!(
        messages(runs),
        [
            "table `runs`, column `finished_at`: declared by `Run` but no migration adds it: add `.add_column(Run::COLUMNS.finished_at)`",
            "table `runs`, column `created_at`: the migrations give it but `Run` no longer declares it: add `.drop_column::<Run>(\"created_at\", Acknowledgement::data_loss(\"why\"))`",
        ]
    );
}

#[test]
fn an_index_no_migration_creates() {
    let runs = runs().index(IndexDef::new("idx_runs_created", &["created_at"]));
    assert_eq!(
        messages(runs),
        [
            "table `runs`, index `idx_runs_created`: declared by `Run` but no migration creates it: add `.create_index::<Run>(\"idx_runs_created\")`"
        ]
    );
}

#[test]
fn an_index_the_struct_no_longer_declares() {
    let mut runs = runs();
    runs.indexes.clear();
    assert_eq!(
        messages(runs),
        [
            "table `runs`, index `idx_runs_name`: the migrations create it but `Run` no longer declares it: add `.drop_index::<Run>(\"idx_runs_name\")`"
        ]
    );
}

#[test]
fn a_changed_index_is_dropped_and_created_again() {
    let mut runs = runs();
    runs.indexes[0].unique = true;
    assert_eq!(
        messages(runs),
        [
            "table `runs`, index `idx_runs_name`: changed since the migrations created it: drop it and create it again: add `.drop_index::<Run>(\"idx_runs_name\").create_index::<Run>(\"idx_runs_name\")`"
        ]
    );
}

#[test]
fn a_widened_type_is_an_alter_column() {
    let mut runs = runs();
    runs.columns[1].ty = text(200);
    assert_eq!(
        messages(runs),
        [
            "table `runs`, column `name`: changed since the migrations gave it (the migrations give text(100) NOT NULL, the struct declares text(200) NOT NULL): add `.alter_column(Run::COLUMNS.name)`"
        ]
    );
}

#[test]
fn a_narrowed_type_is_an_acknowledged_alter_column() {
    let mut runs = runs();
    runs.columns[1].ty = text(20);
    assert_eq!(
        messages(runs),
        [
            "table `runs`, column `name`: changed since the migrations gave it (the migrations give text(100) NOT NULL, the struct declares text(20) NOT NULL): add `.alter_column_with(Run::COLUMNS.name, AlterOptions::default().acknowledge(Acknowledgement::data_loss(\"why\")))`"
        ]
    );
}

#[test]
fn a_text_column_made_integer_is_a_cast() {
    let mut runs = runs();
    runs.columns[1].ty = ColumnType::Integer;
    assert_eq!(
        messages(runs),
        [
            "table `runs`, column `name`: changed since the migrations gave it (the migrations give text(100) NOT NULL, the struct declares integer NOT NULL): add `.alter_column_with(Run::COLUMNS.name, AlterOptions::default().cast())`"
        ]
    );
}

#[test]
fn a_column_made_not_null_needs_a_backfill_and_key_changes_have_no_step() {
    let schema = Schema::new(vec![
        Migration::new(Group::Tier(Tier::Basic), 1, "runs").step(Step::CreateTable(
            runs().column(ColumnDef::new("note", text(10)).nullable(true)),
        )),
    ]);
    let mut declared_runs = runs().column(ColumnDef::new("note", text(10)));
    declared_runs.columns[1].unique = true;
    assert_eq!(
        messages_of(&schema, declared(declared_runs)),
        [
            "table `runs`, column `name`: changed its key: a PRIMARY KEY, UNIQUE or auto-increment change needs a new column, copied, and the old one dropped (the migrations give text(100) NOT NULL, the struct declares text(100) NOT NULL UNIQUE)",
            "table `runs`, column `note`: changed since the migrations gave it (the migrations give text(10) NULL, the struct declares text(10) NOT NULL): add `.alter_column_with(Run::COLUMNS.note, AlterOptions::default().backfill(DefaultValue::Text(\"…\".into())))`",
        ]
    );
}

#[test]
fn a_change_no_conversion_joins_has_no_step() {
    let mut runs = runs();
    runs.columns[2].ty = ColumnType::Boolean;
    runs.columns[2].default = None;
    assert_eq!(
        messages(runs),
        [
            "table `runs`, column `created_at`: changed: changing timestamp to boolean is not supported: add a new column, copy the values, then drop this one (the migrations give timestamp NOT NULL DEFAULT now, the struct declares boolean NOT NULL)"
        ]
    );
}

#[test]
fn a_changed_nullability_is_an_alter_column() {
    let mut runs = runs();
    runs.columns[1].nullable = true;
    assert_eq!(
        messages(runs),
        [
            "table `runs`, column `name`: changed since the migrations gave it (the migrations give text(100) NOT NULL, the struct declares text(100) NULL): add `.alter_column(Run::COLUMNS.name)`"
        ]
    );
}

#[test]
fn a_changed_default_is_an_alter_column() {
    let mut runs = runs();
    runs.columns[2].default = None;
    assert_eq!(
        messages(runs),
        [
            "table `runs`, column `created_at`: changed since the migrations gave it (the migrations give timestamp NOT NULL DEFAULT now, the struct declares timestamp NOT NULL): add `.alter_column(Run::COLUMNS.created_at)`"
        ]
    );
}

#[test]
fn a_table_no_struct_declares() {
    assert_eq!(
        messages_of(&schema(), Vec::new()),
        [
            "table `runs` is created by the migrations but no declared struct has it: list its struct with the declared tables, or add `.drop_table(\"runs\", Acknowledgement::data_loss(\"why\"))`"
        ]
    );
}

#[test]
fn the_suggested_steps_make_the_schema_complete() {
    let runs_now = runs().column(ColumnDef::new("note", text(200)).nullable(true));
    let mut schema = schema();
    schema.migrations.push(
        Migration::new(Group::Tier(Tier::Basic), 2, "run_notes").step(Step::AddColumn {
            table: "runs".to_string(),
            column: ColumnDef::new("note", text(200)).nullable(true),
            backfill: None,
        }),
    );
    assert_eq!(
        messages_of(&schema, declared(runs_now)),
        Vec::<String>::new()
    );
}

#[test]
fn a_table_is_named_by_its_rust_type() {
    #[derive(schema_dsl::Table)]
    #[table(name = "notes")]
    #[allow(dead_code, reason = "a declaration, never a row")]
    struct Note {
        #[column(primary_key, max_len = 50)]
        note_id: String,
    }
    let table = DeclaredTable::of::<Note>();
    assert_eq!(table.rust_name, "Note");
    assert_eq!(
        messages_of(&schema(), vec![table])[0],
        "table `notes` is declared by `Note` but no migration creates it: add `.create_table::<Note>()`"
    );
}

#[test]
fn a_destructive_step_needs_a_reason() {
    let mut schema = schema();
    schema.migrations.push(
        Migration::new(Group::Tier(Tier::Basic), 2, "drop_name")
            .step(Step::AlterColumn {
                table: "runs".to_string(),
                column: ColumnDef::new("name", text(50)),
                backfill: None,
                conversion: None,
                ack: Some(Acknowledgement::data_loss("")),
            })
            .step(Step::DropIndex {
                table: "runs".to_string(),
                index: "idx_runs_name".to_string(),
            })
            .step(Step::DropColumn {
                table: "runs".to_string(),
                column: "name".to_string(),
                ack: Acknowledgement::data_loss(" "),
            })
            .step(Step::DropTable {
                table: "runs".to_string(),
                ack: Acknowledgement::data_loss(""),
            }),
    );
    let shown: Vec<String> = unacknowledged_steps(&schema)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        shown,
        [
            "migration `basic/0002_drop_name`: table `runs`, column `name`: narrowing it may lose data, and its acknowledgement gives no reason: write why in `Acknowledgement::data_loss(\"…\")`",
            "migration `basic/0002_drop_name`: table `runs`, column `name`: dropping it loses data, and its acknowledgement gives no reason: write why in `Acknowledgement::data_loss(\"…\")`",
            "migration `basic/0002_drop_name`: table `runs`: dropping it loses data, and its acknowledgement gives no reason: write why in `Acknowledgement::data_loss(\"…\")`",
        ]
    );
}

#[test]
fn a_destructive_step_with_a_reason_passes() {
    let mut schema = schema();
    schema.migrations.push(
        Migration::new(Group::Tier(Tier::Basic), 2, "drop_runs").step(Step::DropTable {
            table: "runs".to_string(),
            ack: Acknowledgement::data_loss("runs moved to the warehouse"),
        }),
    );
    assert_eq!(unacknowledged_steps(&schema), Vec::new());
}

/// The `alter_column` steps completeness suggests, pasted: the struct's columns as declared
/// today, after which the migrations give what the struct declares.
#[test]
fn the_suggested_alter_column_steps_make_the_schema_complete() {
    use schema_dsl::{AlterOptions, Table};

    /// `runs` as declared later: a longer, optional name, and a required note.
    #[derive(Table)]
    #[table(name = "runs")]
    #[index(name = "idx_runs_name", columns(name))]
    #[allow(dead_code, reason = "the fields declare columns; no value is built")]
    struct Run {
        #[column(primary_key, max_len = 50)]
        run_id: String,
        #[column(max_len = 100)]
        name: Option<String>,
        #[column(default = now)]
        created_at: schema_dsl::Timestamp,
        #[column(max_len = 10)]
        note: String,
    }

    let mut schema = Schema::new(vec![
        Migration::new(Group::Tier(Tier::Basic), 1, "runs").step(Step::CreateTable(
            runs().column(ColumnDef::new("note", text(10)).nullable(true)),
        )),
    ]);
    let declared = vec![DeclaredTable::of::<Run>()];
    assert_eq!(
        messages_of(&schema, declared.clone()),
        [
            "table `runs`, column `name`: changed since the migrations gave it (the migrations give text(100) NOT NULL, the struct declares text(100) NULL): add `.alter_column(Run::COLUMNS.name)`",
            "table `runs`, column `note`: changed since the migrations gave it (the migrations give text(10) NULL, the struct declares text(10) NOT NULL): add `.alter_column_with(Run::COLUMNS.note, AlterOptions::default().backfill(DefaultValue::Text(\"…\".into())))`",
        ]
    );
    schema.migrations.push(
        Migration::new(Group::Tier(Tier::Basic), 2, "runs_changes")
            .alter_column(Run::COLUMNS.name)
            .alter_column_with(
                Run::COLUMNS.note,
                AlterOptions::default().backfill(DefaultValue::Text("none".into())),
            ),
    );
    assert_eq!(schema.validate(), Ok(()));
    assert_eq!(messages_of(&schema, declared), Vec::<String>::new());
}

fn self_fk() -> schema_dsl::ForeignKeyDef {
    schema_dsl::ForeignKeyDef {
        name: "fk_runs_parent".to_string(),
        columns: vec!["run_id".to_string()],
        ref_table: "runs".to_string(),
        ref_columns: vec!["run_id".to_string()],
        on_delete: schema_dsl::ForeignKeyAction::NoAction,
        on_update: schema_dsl::ForeignKeyAction::NoAction,
    }
}

#[test]
fn a_foreign_key_or_check_no_migration_adds() {
    let runs = runs().foreign_key(self_fk()).check(CheckDef::new(
        "ck_runs_name",
        "name",
        CheckCondition::NotEmpty,
    ));
    let findings = completeness(&schema(), &declared(runs));
    assert_eq!(
        findings.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "table `runs`, foreign key `fk_runs_parent`: declared by `Run` but no migration adds it: add `.add_foreign_key::<Run>(\"fk_runs_parent\")`",
            "table `runs`, CHECK `ck_runs_name`: declared by `Run` but no migration adds it: add `.add_check::<Run>(\"ck_runs_name\")`",
        ]
    );
    assert!(
        findings
            .iter()
            .all(|f| f.kind == FindingKind::ConstraintNotAdded)
    );
}

#[test]
fn a_foreign_key_or_check_the_struct_no_longer_declares_or_changed() {
    let check = CheckDef::new("ck_runs_name", "name", CheckCondition::NotEmpty);
    let schema = Schema::new(vec![
        Migration::new(Group::Tier(Tier::Basic), 1, "runs").step(Step::CreateTable(
            runs().foreign_key(self_fk()).check(check.clone()),
        )),
    ]);
    let changed = CheckDef {
        condition: CheckCondition::OneOf(vec!["a".into()]),
        ..check
    };
    assert_eq!(
        messages_of(&schema, declared(runs().check(changed))),
        [
            "table `runs`, foreign key `fk_runs_parent`: the migrations add it but `Run` no longer declares it: add `.drop_foreign_key::<Run>(\"fk_runs_parent\")`",
            "table `runs`, CHECK `ck_runs_name`: changed since the migrations added it: drop it and add it again: add `.drop_check::<Run>(\"ck_runs_name\").add_check::<Run>(\"ck_runs_name\")`",
        ]
    );
}

/// The derive's `#[check]` and `#[foreign_key]` become the table's constraints; the builders
/// the findings suggest add exactly those, and the schema is then complete and valid.
#[test]
fn the_suggested_constraint_steps_add_what_the_derive_declares() {
    #[derive(schema_dsl::Table)]
    #[table(name = "jobs")]
    #[allow(dead_code, reason = "a declaration, never a row")]
    struct Job {
        #[column(primary_key, max_len = 50)]
        job_id: String,
        #[column(max_len = 20)]
        state: String,
        attempts: i16,
    }
    #[derive(schema_dsl::Table)]
    #[table(name = "jobs")]
    #[foreign_key(name = "fk_jobs_parent", columns(parent_id), references = JobV2, ref_columns(job_id))]
    #[check(name = "ck_jobs_state", column = state, one_of("new", "done"))]
    #[check(name = "ck_jobs_attempts", column = attempts, between(-1, 10))]
    #[allow(dead_code, reason = "a declaration, never a row")]
    struct JobV2 {
        #[column(primary_key, max_len = 50)]
        job_id: String,
        #[column(max_len = 20)]
        state: String,
        attempts: i16,
        #[column(max_len = 50)]
        parent_id: Option<String>,
    }
    let definition = <JobV2 as schema_dsl::Table>::definition();
    assert_eq!(
        definition.checks,
        [
            CheckDef::new(
                "ck_jobs_state",
                "state",
                CheckCondition::OneOf(vec!["new".into(), "done".into()])
            ),
            CheckDef::new(
                "ck_jobs_attempts",
                "attempts",
                CheckCondition::Between { min: -1, max: 10 }
            ),
        ]
    );
    let released = Migration::new(Group::Tier(Tier::Basic), 1, "jobs").create_table::<Job>();
    let with_parent = Migration::new(Group::Tier(Tier::Basic), 2, "jobs_parent")
        .add_column(JobV2::COLUMNS.parent_id);
    let schema = Schema::new(vec![released.clone(), with_parent.clone()]);
    let declared = vec![DeclaredTable::of::<JobV2>()];
    let suggestions: Vec<String> = completeness(&schema, &declared)
        .into_iter()
        .filter_map(|finding| finding.suggestion)
        .collect();
    assert_eq!(
        suggestions,
        [
            ".add_foreign_key::<JobV2>(\"fk_jobs_parent\")",
            ".add_check::<JobV2>(\"ck_jobs_state\")",
            ".add_check::<JobV2>(\"ck_jobs_attempts\")",
        ]
    );
    let constraints = Migration::new(Group::Tier(Tier::Basic), 3, "jobs_constraints")
        .add_foreign_key::<JobV2>("fk_jobs_parent")
        .add_check::<JobV2>("ck_jobs_state")
        .add_check::<JobV2>("ck_jobs_attempts");
    let schema = Schema::new(vec![released, with_parent, constraints]);
    assert_eq!(schema.validate(), Ok(()));
    assert_eq!(completeness(&schema, &declared), Vec::new());
}
