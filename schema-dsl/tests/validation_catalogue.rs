//! The catalogue of declaration mistakes the validation pass catches, each with the exact
//! message an engineer sees. Every case starts from a valid two-table schema and breaks
//! one thing.

#![allow(clippy::expect_used, reason = "a test or benchmark fails by panicking")]

use schema_dsl::{
    Acknowledgement, AlterOptions, CheckCondition, CheckDef, ColumnDef, ColumnType, DefaultValue,
    ForeignKeyAction, ForeignKeyDef, Group, IndexDef, Migration, Schema, Step, TableDef, Tier,
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

fn step_fk() -> ForeignKeyDef {
    ForeignKeyDef {
        name: "fk_steps_run".to_string(),
        columns: vec!["run_id".to_string()],
        ref_table: "runs".to_string(),
        ref_columns: vec!["run_id".to_string()],
        on_delete: ForeignKeyAction::Cascade,
        on_update: ForeignKeyAction::NoAction,
    }
}

fn steps() -> TableDef {
    TableDef::new("steps")
        .column(ColumnDef::new("step_id", text(50)).primary_key())
        .column(ColumnDef::new("run_id", text(50)))
        .foreign_key(step_fk())
}

fn schema_of(runs: TableDef, steps: TableDef) -> Schema {
    Schema::new(vec![
        Migration::new(Group::Tier(Tier::Basic), 1, "runs")
            .step(schema_dsl::Step::CreateTable(runs)),
        Migration::new(Group::Tier(Tier::Basic), 2, "steps")
            .step(schema_dsl::Step::CreateTable(steps)),
    ])
}

fn errors(schema: Schema) -> Vec<String> {
    schema
        .validate()
        .expect_err("the schema must be refused")
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn the_starting_schema_is_valid() {
    assert_eq!(schema_of(runs(), steps()).validate(), Ok(()));
}

#[test]
fn duplicate_table() {
    let schema = schema_of(
        runs(),
        TableDef {
            name: "runs".into(),
            ..steps()
        },
    );
    assert!(
        errors(schema).contains(
            &"table `runs` is declared twice (migrations `basic/0001_runs` and `basic/0002_steps`)"
                .to_string()
        )
    );
}

#[test]
fn duplicate_migration_id() {
    let mut schema = schema_of(runs(), steps());
    schema.migrations[1].id.seq = 1;
    schema.migrations[1].id.name = "runs".into();
    assert!(errors(schema).contains(&"migration `basic/0001_runs` is declared twice".to_string()));
}

#[test]
fn duplicate_column() {
    let runs = runs().column(ColumnDef::new("name", text(10)));
    assert_eq!(
        errors(schema_of(runs, steps())),
        ["table `runs`, column `name`: declared twice"]
    );
}

#[test]
fn name_not_snake_case() {
    let runs = runs().column(ColumnDef::new("runName", text(10)));
    assert_eq!(
        errors(schema_of(runs, steps())),
        ["table `runs`: name `runName` must be lower-case snake_case ([a-z_][a-z0-9_]*)"]
    );
}

#[test]
fn table_without_columns() {
    let steps = TableDef::new("steps").column(ColumnDef::new("step_id", text(50)).primary_key());
    assert_eq!(
        errors(schema_of(TableDef::new("runs"), steps)),
        ["table `runs` has no columns"]
    );
}

#[test]
fn default_of_the_wrong_type() {
    let runs = runs()
        .column(ColumnDef::new("enabled", ColumnType::Boolean).default(DefaultValue::Integer(1)));
    assert_eq!(
        errors(schema_of(runs, steps())),
        ["table `runs`, column `enabled`: default 1 does not fit type boolean"]
    );
}

#[test]
fn default_longer_than_the_column() {
    let runs = runs()
        .column(ColumnDef::new("state", text(4)).default(DefaultValue::Text("closed".into())));
    assert_eq!(
        errors(schema_of(runs, steps())),
        ["table `runs`, column `state`: default \"closed\" does not fit type text(4)"]
    );
}

#[test]
fn now_on_a_text_column() {
    let runs = runs().column(ColumnDef::new("stamp", text(30)).default(DefaultValue::Now));
    assert_eq!(
        errors(schema_of(runs, steps())),
        ["table `runs`, column `stamp`: default now does not fit type text(30)"]
    );
}

#[test]
fn auto_increment_on_text() {
    let steps = TableDef::new("steps")
        .column(
            ColumnDef::new("step_id", text(50))
                .primary_key()
                .auto_increment(),
        )
        .column(ColumnDef::new("run_id", text(50)))
        .foreign_key(step_fk());
    assert_eq!(
        errors(schema_of(runs(), steps)),
        [
            "table `steps`, column `step_id`: auto-increment needs a non-null integer column that is the table's only primary-key column"
        ]
    );
}

#[test]
fn index_over_an_unknown_column() {
    let runs = runs().index(IndexDef::new("idx_runs_status", &["status"]));
    assert_eq!(
        errors(schema_of(runs, steps())),
        [
            "table `runs`, column `status`: index `idx_runs_status` names a column the table does not have"
        ]
    );
}

#[test]
fn index_without_columns() {
    let runs = runs().index(IndexDef::new("idx_runs_nothing", &[]));
    assert_eq!(
        errors(schema_of(runs, steps())),
        ["table `runs`: index `idx_runs_nothing` has no columns"]
    );
}

#[test]
fn index_name_used_twice() {
    let steps = steps().index(IndexDef::new("idx_runs_name", &["run_id"]));
    assert_eq!(
        errors(schema_of(runs(), steps)),
        ["table `steps`: index `idx_runs_name` is already declared on table `runs`"]
    );
}

#[test]
fn foreign_key_to_an_unknown_table() {
    let steps = TableDef {
        foreign_keys: vec![ForeignKeyDef {
            ref_table: "jobs".into(),
            ..step_fk()
        }],
        ..steps()
    };
    assert_eq!(
        errors(schema_of(runs(), steps)),
        [
            "table `steps`: foreign key `fk_steps_run` references table `jobs`, which no earlier migration creates"
        ]
    );
}

#[test]
fn foreign_key_to_a_table_created_later() {
    let schema = Schema::new(vec![
        Migration::new(Group::Tier(Tier::Basic), 1, "steps")
            .step(schema_dsl::Step::CreateTable(steps())),
        Migration::new(Group::Tier(Tier::Basic), 2, "runs")
            .step(schema_dsl::Step::CreateTable(runs())),
    ]);
    assert_eq!(
        errors(schema),
        [
            "table `steps`: foreign key `fk_steps_run` references table `runs`, which no earlier migration creates"
        ]
    );
}

#[test]
fn foreign_key_over_an_unknown_column() {
    let steps = TableDef {
        foreign_keys: vec![ForeignKeyDef {
            columns: vec!["job_id".into()],
            ..step_fk()
        }],
        ..steps()
    };
    assert_eq!(
        errors(schema_of(runs(), steps)),
        [
            "table `steps`, column `job_id`: foreign key `fk_steps_run` names a column the table does not have"
        ]
    );
}

#[test]
fn foreign_key_to_an_unknown_column() {
    let steps = TableDef {
        foreign_keys: vec![ForeignKeyDef {
            ref_columns: vec!["id".into()],
            ..step_fk()
        }],
        ..steps()
    };
    assert_eq!(
        errors(schema_of(runs(), steps)),
        [
            "table `steps`, column `run_id`: foreign key `fk_steps_run` references `runs.id`, which does not exist"
        ]
    );
}

#[test]
fn foreign_key_to_a_column_that_is_not_a_key() {
    let steps = TableDef {
        columns: vec![
            ColumnDef::new("step_id", text(50)).primary_key(),
            ColumnDef::new("run_name", text(100)),
        ],
        foreign_keys: vec![ForeignKeyDef {
            columns: vec!["run_name".into()],
            ref_columns: vec!["name".into()],
            ..step_fk()
        }],
        ..steps()
    };
    assert_eq!(
        errors(schema_of(runs(), steps)),
        [
            "table `steps`: foreign key `fk_steps_run` references `runs` (name), which is neither its primary key nor UNIQUE"
        ]
    );
}

#[test]
fn foreign_key_type_mismatch() {
    let steps = TableDef {
        columns: vec![
            ColumnDef::new("step_id", text(50)).primary_key(),
            ColumnDef::new("run_id", ColumnType::Integer),
        ],
        ..steps()
    };
    assert_eq!(
        errors(schema_of(runs(), steps)),
        [
            "table `steps`, column `run_id` (integer): foreign key `fk_steps_run` references `runs.run_id` of type text(50)"
        ]
    );
}

#[test]
fn foreign_key_arity() {
    let steps = TableDef {
        foreign_keys: vec![ForeignKeyDef {
            columns: vec!["run_id".into(), "step_id".into()],
            ..step_fk()
        }],
        ..steps()
    };
    assert_eq!(
        errors(schema_of(runs(), steps)),
        ["table `steps`: foreign key `fk_steps_run` has 2 column(s) but references 1"]
    );
}

#[test]
fn every_mistake_is_reported_at_once() {
    let runs = runs()
        .column(ColumnDef::new("name", text(10)))
        .index(IndexDef::new("idx_runs_status", &["status"]));
    assert_eq!(errors(schema_of(runs, steps())).len(), 2);
}

/// `runs` and `steps` created, then the migrations `later` (their steps read against that).
fn evolved(later: Vec<Migration>) -> Vec<String> {
    let mut schema = schema_of(runs(), steps());
    schema.migrations.extend(later);
    errors(schema)
}

fn basic(seq: u32, step: Step) -> Migration {
    Migration::new(Group::Tier(Tier::Basic), seq, "change").step(step)
}

#[test]
fn evolution_steps_name_what_exists_at_their_point() {
    assert_eq!(
        evolved(vec![
            basic(
                3,
                Step::DropColumn {
                    table: "runs".into(),
                    column: "nope".into(),
                    ack: Acknowledgement::data_loss("gone"),
                }
            ),
            basic(
                4,
                Step::RenameColumn {
                    table: "runs".into(),
                    from: "name".into(),
                    to: "created_at".into(),
                }
            ),
            basic(
                5,
                Step::RenameTable {
                    from: "runs".into(),
                    to: "steps".into(),
                }
            ),
            basic(
                6,
                Step::DropTable {
                    table: "runs".into(),
                    ack: Acknowledgement::data_loss("gone"),
                }
            ),
            basic(
                7,
                Step::CreateIndex {
                    table: "steps".into(),
                    index: IndexDef::new("idx_runs_name", &["step_id"]),
                }
            ),
            basic(
                8,
                Step::DropIndex {
                    table: "runs".into(),
                    index: "idx_nope".into(),
                }
            ),
        ]),
        [
            "migration `basic/0003_change`: table `runs` has no column `nope` at this point",
            "migration `basic/0004_change`: table `runs` already has a column `created_at`",
            "migration `basic/0005_change`: table `steps` already exists",
            "migration `basic/0006_change`: table `runs` is referenced by foreign key `steps.fk_steps_run`: drop that first",
            "migration `basic/0007_change`: table `steps`: index `idx_runs_name` already exists on table `runs`",
            "migration `basic/0008_change`: table `runs` declares no index `idx_nope`",
        ]
    );
}

#[test]
fn a_column_in_use_is_not_dropped_and_an_added_column_fits_a_table_with_rows() {
    let drop = |column: &str| Step::DropColumn {
        table: "runs".into(),
        column: column.into(),
        ack: Acknowledgement::data_loss("gone"),
    };
    let add = |column: ColumnDef, backfill| Step::AddColumn {
        table: "runs".into(),
        column,
        backfill,
    };
    assert_eq!(
        evolved(vec![
            basic(3, drop("run_id")),
            basic(4, drop("name")),
            basic(5, add(ColumnDef::new("slug", text(10)).unique(), None)),
            basic(6, add(ColumnDef::new("owner", text(10)), None)),
            basic(
                7,
                add(
                    ColumnDef::new("tries", ColumnType::Integer),
                    Some(DefaultValue::Text("x".into()))
                )
            ),
        ]),
        [
            "migration `basic/0003_change`: table `runs`, column `run_id` cannot be dropped: it is in the primary key",
            "migration `basic/0004_change`: table `runs`, column `name` cannot be dropped: it is in index `idx_runs_name` (a `drop_index` step first)",
            "migration `basic/0005_change`: table `runs`, column `slug`: a PRIMARY KEY, UNIQUE or auto-increment column cannot be added to a table that has rows",
            "migration `basic/0006_change`: table `runs`, column `owner`: a NOT NULL column without a default needs a value for the existing rows: use `add_column_with(<Table>::COLUMNS.<column>, <value>)`",
            "migration `basic/0007_change`: table `runs`, column `tries`: the backfill value \"x\" does not fit type integer",
        ]
    );
}

#[test]
fn a_migration_changes_the_tables_of_its_own_tier() {
    assert_eq!(
        evolved(vec![
            Migration::new(Group::Tier(Tier::Advanced), 1, "runs_note").step(Step::AddColumn {
                table: "runs".into(),
                column: ColumnDef::new("note", text(10)).nullable(true),
                backfill: None,
            }),
        ]),
        [
            "migration `advanced/0001_runs_note`: table `runs` belongs to tier basic: change it in a migration of tier basic (this one applies at tier advanced), so that databases upgraded tier by tier apply the changes in release order"
        ]
    );
}

#[test]
fn two_migrations_with_one_number() {
    let mut schema = schema_of(runs(), steps());
    schema.migrations[1].id.seq = 1;
    assert_eq!(
        errors(schema),
        [
            "migration `basic/0001_steps`: number 0001 of group basic is already taken by migration `basic/0001_runs`"
        ]
    );
}

#[test]
fn an_index_named_like_a_table_created_earlier_or_later() {
    let steps_named_runs = steps().index(IndexDef::new("runs", &["run_id"]));
    assert_eq!(
        errors(schema_of(runs(), steps_named_runs)),
        [
            "table `steps`: index `runs` has the name of a table: tables and indexes share one namespace"
        ]
    );
    let runs_named_steps = runs().index(IndexDef::new("steps", &["name"]));
    assert_eq!(
        errors(schema_of(runs_named_steps, steps())),
        [
            "table `runs`: index `steps` has the name of a table: tables and indexes share one namespace"
        ]
    );
}

#[test]
fn text_of_no_characters() {
    let runs = runs().column(ColumnDef::new("code", text(0)).nullable(true));
    assert_eq!(
        errors(schema_of(runs, steps())),
        ["table `runs`, column `code`: max_len = 0 allows no text: declare at least 1"]
    );
    let added = evolved(vec![basic(
        3,
        Step::AddColumn {
            table: "runs".into(),
            column: ColumnDef::new("code", text(0)).nullable(true),
            backfill: None,
        },
    )]);
    assert_eq!(
        added,
        ["table `runs`, column `code`: max_len = 0 allows no text: declare at least 1"]
    );
}

#[test]
fn set_null_on_a_not_null_column() {
    let steps = TableDef {
        foreign_keys: vec![ForeignKeyDef {
            on_delete: ForeignKeyAction::SetNull,
            ..step_fk()
        }],
        ..steps()
    };
    assert_eq!(
        errors(schema_of(runs(), steps)),
        [
            "table `steps`, column `run_id`: foreign key `fk_steps_run` sets it NULL ON DELETE, but the column is NOT NULL: make it nullable or choose another action"
        ]
    );
}

#[test]
fn a_table_named_like_the_tracking_table() {
    let tracking = TableDef {
        name: "_migrations".into(),
        ..runs()
    };
    let steps = TableDef::new("steps").column(ColumnDef::new("step_id", text(50)).primary_key());
    assert_eq!(
        errors(schema_of(tracking, steps)),
        [
            "table `_migrations`: the name is reserved for `migrate`'s tracking table: choose another"
        ]
    );
    let renamed = evolved(vec![basic(
        3,
        Step::RenameTable {
            from: "steps".into(),
            to: "_migrations".into(),
        },
    )]);
    assert!(
        renamed.contains(
            &"table `_migrations`: the name is reserved for `migrate`'s tracking table: choose another"
                .to_string()
        ),
        "{renamed:?}"
    );
}

#[test]
fn an_altered_column_fits_a_table_with_rows() {
    let alter = |table: &str, column: ColumnDef, options: AlterOptions| Step::AlterColumn {
        table: table.into(),
        column,
        backfill: options.backfill,
        conversion: options.conversion,
        ack: options.ack,
    };
    let tries = || ColumnDef::new("tries", text(10)).nullable(true);
    let none = AlterOptions::default;
    let ack = || Acknowledgement::data_loss("short enough");
    assert_eq!(
        evolved(vec![
            basic(
                3,
                Step::AddColumn {
                    table: "runs".into(),
                    column: tries(),
                    backfill: None,
                }
            ),
            basic(4, alter("runs", ColumnDef::new("nope", text(5)), none())),
            basic(
                5,
                alter(
                    "runs",
                    ColumnDef::new("run_id", text(60)).primary_key(),
                    none()
                )
            ),
            basic(6, alter("runs", ColumnDef::new("name", text(200)), none())),
            basic(
                7,
                alter("steps", ColumnDef::new("run_id", text(60)), none())
            ),
            basic(
                8,
                alter(
                    "runs",
                    tries().unique().nullable(false),
                    none().backfill(DefaultValue::Text("0".into()))
                )
            ),
            basic(9, alter("runs", tries(), none())),
            basic(
                10,
                alter(
                    "runs",
                    ColumnDef::new("tries", ColumnType::Boolean).nullable(true),
                    none()
                )
            ),
            basic(
                11,
                alter(
                    "runs",
                    ColumnDef::new("tries", ColumnType::Integer).nullable(true),
                    none()
                )
            ),
            basic(
                12,
                alter(
                    "runs",
                    ColumnDef::new("tries", text(20)).nullable(true),
                    none().cast()
                )
            ),
            basic(
                13,
                alter(
                    "runs",
                    ColumnDef::new("tries", text(5)).nullable(true),
                    none()
                )
            ),
            basic(
                14,
                alter(
                    "runs",
                    ColumnDef::new("tries", text(20)).nullable(true),
                    none().acknowledge(ack())
                )
            ),
            basic(15, alter("runs", tries().nullable(false), none())),
            basic(
                16,
                alter(
                    "runs",
                    tries().nullable(false),
                    none().backfill(DefaultValue::Integer(3))
                )
            ),
            basic(
                17,
                alter(
                    "runs",
                    ColumnDef::new("tries", text(20)).nullable(true),
                    none().backfill(DefaultValue::Text("0".into()))
                )
            ),
            basic(
                18,
                alter("runs", tries().default(DefaultValue::Integer(1)), none())
            ),
            basic(
                19,
                alter(
                    "runs",
                    ColumnDef::new("run_id", text(50))
                        .primary_key()
                        .nullable(true),
                    none()
                )
            ),
        ]),
        [
            "migration `basic/0004_change`: table `runs` has no column `nope` at this point",
            "migration `basic/0005_change`: table `runs`, column `run_id`: its type cannot change while it is in the primary key: drop that first, change the column, then create it again",
            "migration `basic/0006_change`: table `runs`, column `name`: its type cannot change while it is in index `idx_runs_name`: drop that first, change the column, then create it again",
            "migration `basic/0007_change`: table `steps`, column `run_id`: its type cannot change while it is in foreign key `fk_steps_run`: drop that first, change the column, then create it again",
            "migration `basic/0008_change`: table `runs`, column `tries`: `alter_column` changes a column's type, nullability and default; a PRIMARY KEY, UNIQUE or auto-increment change needs a new column, copied, and the old one dropped",
            "migration `basic/0009_change`: table `runs`, column `tries`: the column is already so at this point: the step changes nothing",
            "migration `basic/0010_change`: table `runs`, column `tries`: changing text(10) to boolean is not supported: add a new column, copy the values, then drop this one",
            "migration `basic/0011_change`: table `runs`, column `tries`: changing text(10) to integer needs `Conversion::Cast`: use `alter_column_with(<Table>::COLUMNS.tries, AlterOptions::default().cast())`",
            "migration `basic/0012_change`: table `runs`, column `tries`: a conversion is for a change of type family (text ↔ integer): drop `cast()`",
            "migration `basic/0013_change`: table `runs`, column `tries`: narrowing text(10) to text(5) may not fit every value: acknowledge it with `AlterOptions::default().acknowledge(Acknowledgement::data_loss(\"why\"))` (rows that do not fit stop the migration)",
            "migration `basic/0014_change`: table `runs`, column `tries`: only a narrowing takes an acknowledgement: drop `acknowledge(…)`",
            "migration `basic/0015_change`: table `runs`, column `tries`: made NOT NULL, its rows holding NULL need a value: use `alter_column_with(<Table>::COLUMNS.tries, AlterOptions::default().backfill(<value>))`",
            "migration `basic/0016_change`: table `runs`, column `tries`: the backfill value 3 does not fit type text(10)",
            "migration `basic/0017_change`: table `runs`, column `tries`: a backfill is for a nullable column made NOT NULL: drop `backfill(…)`",
            "table `runs`, column `tries`: default 1 does not fit type text(10)",
            "migration `basic/0019_change`: table `runs`, column `run_id`: a primary-key column stays NOT NULL",
        ]
    );
}

/// The released two-table schema and a third migration of `steps`, run on it.
fn with_steps(steps: Vec<Step>) -> Schema {
    let mut schema = schema_of(runs(), steps_without_fk());
    let mut third = Migration::new(Group::Tier(Tier::Basic), 3, "constraints");
    third.steps = steps;
    schema.migrations.push(third);
    schema
}

fn steps_without_fk() -> TableDef {
    TableDef {
        foreign_keys: Vec::new(),
        ..steps()
    }
}

#[test]
fn check_declarations_name_table_column_and_constraint() {
    let runs = runs()
        .column(ColumnDef::new("attempts", ColumnType::SmallInt))
        .check(CheckDef::new(
            "ck_runs_name",
            "name",
            CheckCondition::NotEmpty,
        ))
        .check(CheckDef::new(
            "ck_runs_name",
            "name",
            CheckCondition::NotEmpty,
        ))
        .check(CheckDef::new(
            "ck_runs_nope",
            "nope",
            CheckCondition::NotEmpty,
        ))
        .check(CheckDef::new(
            "ck_runs_created",
            "created_at",
            CheckCondition::Between { min: 0, max: 1 },
        ))
        .check(CheckDef::new(
            "ck_runs_attempts",
            "attempts",
            CheckCondition::Between {
                min: 0,
                max: 40_000,
            },
        ))
        .check(CheckDef::new(
            "ck_runs_state",
            "attempts",
            CheckCondition::OneOf(vec!["a".into()]),
        ))
        .check(CheckDef::new(
            "ck_runs_kind",
            "name",
            CheckCondition::OneOf(vec!["x".repeat(101)]),
        ));
    assert_eq!(
        errors(schema_of(runs, steps())),
        [
            "table `runs`: constraint `ck_runs_name` is declared twice",
            "table `runs`, column `nope`: CHECK `ck_runs_nope`: table `runs` has no column `nope`",
            "table `runs`, column `created_at`: CHECK `ck_runs_created`: a range needs an integer column, not timestamp",
            "table `runs`, column `attempts`: CHECK `ck_runs_attempts`: the range 0..=40000 does not fit type smallint",
            "table `runs`, column `attempts`: CHECK `ck_runs_state`: a list of values needs a text column, not smallint",
            &format!(
                "table `runs`, column `name`: CHECK `ck_runs_kind`: the value {:?} does not fit type text(100)",
                "x".repeat(101)
            ),
        ]
    );
}

#[test]
fn added_foreign_keys_must_fit_the_state_before() {
    let to = |ref_table: &str, ref_column: &str| ForeignKeyDef {
        ref_table: ref_table.into(),
        ref_columns: vec![ref_column.into()],
        ..step_fk()
    };
    let add = |foreign_key| Step::AddForeignKey {
        table: "steps".into(),
        foreign_key,
    };
    assert_eq!(
        errors(with_steps(vec![
            add(to("nope", "run_id")),
            add(to("steps", "run_id")),
            add(to("runs", "created_at")),
            add(ForeignKeyDef {
                columns: Vec::new(),
                ..step_fk()
            }),
            add(step_fk()),
            add(step_fk()),
            Step::DropForeignKey {
                table: "steps".into(),
                name: "fk_nope".into(),
            },
        ])),
        [
            "migration `basic/0003_constraints`: table `steps`: foreign key `fk_steps_run`: it references table `nope`, which does not exist at this point",
            "migration `basic/0003_constraints`: table `steps`: foreign key `fk_steps_run`: it references `steps` (run_id), which is neither its primary key nor UNIQUE",
            "migration `basic/0003_constraints`: table `steps`: foreign key `fk_steps_run`: column `run_id` (text(50)) references `runs.created_at` of type timestamp",
            "migration `basic/0003_constraints`: table `steps`: foreign key `fk_steps_run`: table `steps` declares no foreign key `fk_steps_run`",
            "migration `basic/0003_constraints`: table `steps` already has a constraint `fk_steps_run`",
            "migration `basic/0003_constraints`: table `steps` has no foreign key `fk_nope` at this point",
        ]
    );
}

#[test]
fn added_checks_must_fit_the_state_before() {
    let add = |check| Step::AddCheck {
        table: "runs".into(),
        check,
    };
    assert_eq!(
        errors(with_steps(vec![
            add(CheckDef::new(
                "ck_runs_name",
                "name",
                CheckCondition::NotEmpty
            )),
            add(CheckDef::new(
                "ck_runs_name",
                "name",
                CheckCondition::NotEmpty
            )),
            add(CheckDef::new(
                "ck_runs_created",
                "created_at",
                CheckCondition::NotEmpty
            )),
            add(CheckDef::new("BadName", "name", CheckCondition::NotEmpty)),
            Step::DropColumn {
                table: "runs".into(),
                column: "name".into(),
                ack: Acknowledgement::data_loss("test"),
            },
            Step::DropCheck {
                table: "runs".into(),
                name: "ck_nope".into(),
            },
        ])),
        [
            "migration `basic/0003_constraints`: table `runs` already has a constraint `ck_runs_name`",
            "migration `basic/0003_constraints`: table `runs`, column `created_at`: CHECK `ck_runs_created`: not empty needs a text column, not timestamp",
            "table `runs`: name `BadName` must be lower-case snake_case ([a-z_][a-z0-9_]*)",
            "migration `basic/0003_constraints`: table `runs`, column `name` cannot be dropped: it is in index `idx_runs_name` (a `drop_index` step first)",
            "migration `basic/0003_constraints`: table `runs` has no CHECK constraint `ck_nope` at this point",
        ]
    );
}

#[test]
fn a_column_under_a_check_is_dropped_after_the_check() {
    let schema = with_steps(vec![
        Step::AddCheck {
            table: "steps".into(),
            check: CheckDef::new("ck_steps_run", "run_id", CheckCondition::NotEmpty),
        },
        Step::DropColumn {
            table: "steps".into(),
            column: "run_id".into(),
            ack: Acknowledgement::data_loss("test"),
        },
    ]);
    assert_eq!(
        errors(schema),
        [
            "migration `basic/0003_constraints`: table `steps`, column `run_id` cannot be dropped: it is in CHECK `ck_steps_run` (a `drop_check` step first)"
        ]
    );
}

#[test]
fn an_online_migration_holds_index_and_constraint_steps_only() {
    let mut schema = with_steps(vec![
        Step::AddForeignKey {
            table: "steps".into(),
            foreign_key: step_fk(),
        },
        Step::AddColumn {
            table: "steps".into(),
            column: ColumnDef::new("note", text(10)).nullable(true),
            backfill: None,
        },
    ]);
    schema.migrations[2] = schema.migrations[2].clone().online();
    assert_eq!(
        errors(schema),
        [
            "migration `basic/0003_constraints`: table `steps`: adding a column has no online form that leaves writers unblocked: move it to a migration of its own, without `online()`"
        ]
    );
}
