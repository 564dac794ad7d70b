//! The scripted evolution sequence over the real tables, shared by the suites that apply it
//! (`evolution.rs`) and check its Db2 files statically (`db2_files.rs`).

use schema_dsl::{
    Acknowledgement, AlterOptions, CheckCondition, CheckDef, ColumnDef, ColumnType, DefaultValue,
    Dialect, ForeignKeyAction, ForeignKeyDef, Group, IndexDef, IndexMethod, JsonSize, Migration,
    Schema, Step, TableDef, Tier,
};

/// The edits, in release order, each one migration after the released ones.
pub fn edits() -> Vec<Migration> {
    let tier = |tier, seq, name| Migration::new(Group::Tier(tier), seq, name);
    let text = |n| ColumnType::Text { max_len: Some(n) };
    let audit = TableDef::new("audit_log")
        .column(ColumnDef::new("audit_id", text(50)).primary_key())
        .column(ColumnDef::new("action", text(50)))
        .column(ColumnDef::new("at", ColumnType::Timestamp).default(DefaultValue::Now))
        .index(IndexDef::new("idx_audit_log_action", &["action"]));
    let mut edits = vec![
        // A column added to the table PostgreSQL partitioned, released after the overlay.
        tier(Tier::Intermediate, 6, "workflow_runs_retry_count").step(Step::AddColumn {
            table: "workflow_runs".into(),
            column: ColumnDef::new("retry_count", ColumnType::Integer)
                .default(DefaultValue::Integer(0)),
            backfill: None,
        }),
        tier(Tier::Basic, 2, "source_configs_owner").step(Step::AddColumn {
            table: "core_source_configs".into(),
            column: ColumnDef::new("owner", text(100)).nullable(true),
            backfill: None,
        }),
        // A boolean, NOT NULL without a default: existing rows get the backfill.
        tier(Tier::Intermediate, 7, "alert_history_acknowledged").step(Step::AddColumn {
            table: "alert_history".into(),
            column: ColumnDef::new("acknowledged", ColumnType::Boolean),
            backfill: Some(DefaultValue::Boolean(false)),
        }),
        // A JSON column.
        tier(Tier::Advanced, 3, "dead_letter_context").step(Step::AddColumn {
            table: "dead_letter_queue".into(),
            column: ColumnDef::new(
                "context",
                ColumnType::Json {
                    size: JsonSize::Small,
                },
            )
            .nullable(true),
            backfill: None,
        }),
        tier(Tier::Intermediate, 8, "schedules_time_zone").step(Step::RenameColumn {
            table: "scheduler_schedules".into(),
            from: "timezone".into(),
            to: "time_zone".into(),
        }),
        tier(Tier::Advanced, 4, "breakers_name_state_index").step(Step::CreateIndex {
            table: "circuit_breakers".into(),
            index: IndexDef {
                unique: true,
                ..IndexDef::new("idx_breakers_name_state", &["name", "state"])
            },
        }),
        tier(Tier::Advanced, 5, "dead_letter_next_retry").step(Step::DropIndex {
            table: "dead_letter_queue".into(),
            index: "idx_dlq_next_retry".into(),
        }),
        tier(Tier::Advanced, 6, "dead_letter_drop_next_retry").step(Step::DropColumn {
            table: "dead_letter_queue".into(),
            column: "next_retry_at".into(),
            ack: Acknowledgement::data_loss("retries are scheduled by the queue now"),
        }),
        tier(Tier::Advanced, 7, "audit_log").step(Step::CreateTable(audit)),
        tier(Tier::Advanced, 8, "audit_events").step(Step::RenameTable {
            from: "audit_log".into(),
            to: "audit_events".into(),
        }),
        Migration::new(
            Group::Overlay(Dialect::Postgres),
            2,
            "dead_letter_context_gin",
        )
        .step(Step::CreateIndex {
            table: "dead_letter_queue".into(),
            index: IndexDef {
                method: IndexMethod::Gin,
                ..IndexDef::new("idx_dlq_context_gin", &["context"])
            },
        }),
        tier(Tier::Advanced, 9, "drop_audit_events").step(Step::DropTable {
            table: "audit_events".into(),
            ack: Acknowledgement::data_loss("the audit trail moved to the event store"),
        }),
    ];
    edits.extend(constraint_edits());
    edits.extend(online_edits());
    edits.extend(column_change_edits());
    edits
}

/// The released schema and the first `k` edits.
pub fn schema_at(k: usize) -> Schema {
    let mut schema = schema_defs::schema();
    schema.migrations.extend(edits().into_iter().take(k));
    schema
}

// ----- Schema evolution II: columns changed in place -----

/// The table the column changes work on: one column for each change.
fn column_changes_table() -> TableDef {
    let text = |n| ColumnType::Text { max_len: Some(n) };
    TableDef::new("column_changes")
        .column(ColumnDef::new("change_id", text(50)).primary_key())
        .column(ColumnDef::new("label", text(40)))
        .column(ColumnDef::new("code", text(20)).nullable(true))
        .column(ColumnDef::new("amount", text(20)).nullable(true))
        .column(ColumnDef::new("note", text(30)).nullable(true))
        .column(ColumnDef::new("tally", ColumnType::Integer).default(DefaultValue::Integer(0)))
}

/// `AlterColumn` of `column_changes`.
fn alter_column_changes(column: ColumnDef, options: AlterOptions) -> Step {
    Step::AlterColumn {
        table: "column_changes".into(),
        column,
        backfill: options.backfill,
        conversion: options.conversion,
        ack: options.ack,
    }
}

/// The code narrowed to 8 characters.
fn shorter_code() -> Step {
    alter_column_changes(
        ColumnDef::new("code", ColumnType::Text { max_len: Some(8) }).nullable(true),
        AlterOptions::default().acknowledge(Acknowledgement::data_loss("codes are short now")),
    )
}

/// The amount, text, made an integer.
fn integer_amount() -> Step {
    alter_column_changes(
        ColumnDef::new("amount", ColumnType::Integer).nullable(true),
        AlterOptions::default().cast(),
    )
}

/// The column changes, each one migration: a VARCHAR widened, narrowed, text made integer,
/// a nullable column made NOT NULL with a backfill, a default changed.
fn column_change_edits() -> Vec<Migration> {
    let tier = |seq, name| Migration::new(Group::Tier(Tier::Advanced), seq, name);
    let text = |n| ColumnType::Text { max_len: Some(n) };
    vec![
        tier(21, "column_changes").step(Step::CreateTable(column_changes_table())),
        tier(22, "column_changes_longer_label").step(alter_column_changes(
            ColumnDef::new("label", text(80)),
            AlterOptions::default(),
        )),
        tier(23, "column_changes_shorter_code").step(shorter_code()),
        tier(24, "column_changes_integer_amount").step(integer_amount()),
        tier(25, "column_changes_note_required").step(alter_column_changes(
            ColumnDef::new("note", text(30)),
            AlterOptions::default().backfill(DefaultValue::Text("none".into())),
        )),
        tier(26, "column_changes_tally_default").step(alter_column_changes(
            ColumnDef::new("tally", ColumnType::Integer).default(DefaultValue::Integer(7)),
            AlterOptions::default(),
        )),
    ]
}

// ----- Schema evolution II: constraints and online migrations -----

/// The foreign key from the runs of a schedule to it, as the release declares it.
fn schedule_foreign_key() -> ForeignKeyDef {
    ForeignKeyDef {
        name: "fk_scheduler_runs_schedule_name".into(),
        columns: vec!["schedule_name".into()],
        ref_table: "scheduler_schedules".into(),
        ref_columns: vec!["name".into()],
        on_delete: ForeignKeyAction::NoAction,
        on_update: ForeignKeyAction::NoAction,
    }
}

/// The foreign key from the step runs to their run, as the release declares it (PostgreSQL
/// redirects it to `workflow_runs_keys` once the runs are partitioned).
fn step_run_foreign_key() -> ForeignKeyDef {
    ForeignKeyDef {
        name: "fk_step_run".into(),
        columns: vec!["run_id".into()],
        ref_table: "workflow_runs".into(),
        ref_columns: vec!["run_id".into()],
        on_delete: ForeignKeyAction::Cascade,
        on_update: ForeignKeyAction::NoAction,
    }
}

/// Foreign keys and CHECKs dropped and added on tables holding rows.
fn constraint_edits() -> Vec<Migration> {
    let tier = |tier, seq, name| Migration::new(Group::Tier(tier), seq, name);
    vec![
        // A foreign key dropped from a table whose rows reference their parent.
        tier(Tier::Intermediate, 9, "scheduler_runs_drop_schedule_fk").step(Step::DropForeignKey {
            table: "scheduler_runs".into(),
            name: "fk_scheduler_runs_schedule_name".into(),
        }),
        // Added back, now cascading, over the rows inserted meanwhile.
        tier(Tier::Intermediate, 10, "scheduler_runs_schedule_fk").step(Step::AddForeignKey {
            table: "scheduler_runs".into(),
            foreign_key: ForeignKeyDef {
                name: "fk_scheduler_runs_schedule".into(),
                on_delete: ForeignKeyAction::Cascade,
                ..schedule_foreign_key()
            },
        }),
        // A CHECK on the parent of ON DELETE CASCADE children (the step runs), which SQLite
        // rebuilds, and on the table PostgreSQL partitioned.
        tier(Tier::Intermediate, 11, "workflow_runs_name_check").step(Step::AddCheck {
            table: "workflow_runs".into(),
            check: CheckDef::new(
                "ck_workflow_runs_name",
                "workflow_name",
                CheckCondition::NotEmpty,
            ),
        }),
        tier(Tier::Intermediate, 12, "workflow_runs_drop_name_check").step(Step::DropCheck {
            table: "workflow_runs".into(),
            name: "ck_workflow_runs_name".into(),
        }),
    ]
}

/// Online migrations, released last: an index built and a foreign key (to the table PostgreSQL partitioned,
/// so to its keys table there) dropped and added without blocking writers.
fn online_edits() -> Vec<Migration> {
    let tier = |tier, seq, name| Migration::new(Group::Tier(tier), seq, name);
    vec![
        tier(Tier::Advanced, 10, "breakers_state_index")
            .step(Step::CreateIndex {
                table: "circuit_breakers".into(),
                index: IndexDef::new("idx_breakers_state", &["state"]),
            })
            .online(),
        tier(Tier::Intermediate, 13, "step_runs_drop_run_fk")
            .step(Step::DropForeignKey {
                table: "workflow_step_runs".into(),
                name: "fk_step_run".into(),
            })
            .online(),
        tier(Tier::Intermediate, 14, "step_runs_run_fk")
            .step(Step::AddForeignKey {
                table: "workflow_step_runs".into(),
                foreign_key: step_run_foreign_key(),
            })
            .online(),
    ]
}
