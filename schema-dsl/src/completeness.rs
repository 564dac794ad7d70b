//! Completeness: the migrations must give the tables the structs declare today. Where they
//! do not, each difference is a [`Finding`] naming the table and the column, with the step to
//! add as Rust to paste — never a guess: a column that disappears while one of its type
//! appears is shown as a rename and as a drop and an add, for the engineer to choose.
//!
//! The destructive-change lint ([`unacknowledged_steps`]) belongs here too: a step that loses
//! data carries an [`Acknowledgement`](crate::Acknowledgement), and its reason must say why.

use crate::{ColumnChange, ColumnDef, ColumnType, Schema, Step, TableDef, TypeChange};
use std::fmt;

/// A table as the code declares it today: the Rust type's name (`WorkflowRun`) and its
/// definition.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclaredTable {
    /// The struct's name, without its module path, as a migration step spells it.
    pub rust_name: String,
    /// What the struct declares.
    pub definition: TableDef,
}

impl DeclaredTable {
    /// The table `T` as declared today, named by its type.
    pub fn of<T: crate::Table>() -> Self {
        let full = std::any::type_name::<T>();
        let rust_name = full.rsplit("::").next().unwrap_or(full).to_string();
        DeclaredTable {
            rust_name,
            definition: T::definition(),
        }
    }
}

/// What kind of difference a [`Finding`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingKind {
    /// A declared table no migration creates.
    TableNotCreated,
    /// A table the migrations create that no struct declares.
    TableNotDeclared,
    /// A declared column no migration adds.
    ColumnNotAdded,
    /// A column the migrations leave that the struct no longer declares.
    ColumnNotDropped,
    /// A column gone while one of the same type appeared: a rename, or a drop and an add.
    AmbiguousRename,
    /// A column whose type, nullability, key or default changed.
    ColumnChanged,
    /// A declared index no migration creates.
    IndexNotCreated,
    /// An index the migrations leave that the struct no longer declares.
    IndexNotDropped,
    /// An index whose columns, uniqueness or method changed.
    IndexChanged,
    /// A declared foreign key or CHECK constraint no migration adds.
    ConstraintNotAdded,
    /// A foreign key or CHECK constraint the migrations leave that the struct no longer
    /// declares.
    ConstraintNotDropped,
    /// A foreign key or CHECK constraint changed since the migrations added it.
    ConstraintChanged,
    /// A table whose partitioning changed.
    TableChanged,
    /// A step that loses data with an empty acknowledgement.
    EmptyAcknowledgement,
}

/// One difference between the declarations and what the migrations give, or one
/// destructive step without a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What kind of difference.
    pub kind: FindingKind,
    /// The table.
    pub table: String,
    /// The column (or index), when the difference is one.
    pub column: Option<String>,
    /// The whole one-line message, suggestion included.
    pub message: String,
    /// The Rust to paste into a new migration, when there is something to paste.
    pub suggestion: Option<String>,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Every difference between the state `schema`'s migrations replay to (all dialects'
/// migrations) and the tables `declared` today, in declaration order, then the tables only
/// the migrations have.
pub fn completeness(schema: &Schema, declared: &[DeclaredTable]) -> Vec<Finding> {
    let state = schema.final_state(None);
    let mut findings = Vec::new();
    for table in declared {
        let def = &table.definition;
        let rust = &table.rust_name;
        match state.table(&def.name) {
            None => {
                let suggestion = format!(".create_table::<{rust}>()");
                findings.push(Finding {
                    kind: FindingKind::TableNotCreated,
                    table: def.name.clone(),
                    column: None,
                    message: format!(
                        "table `{}` is declared by `{rust}` but no migration creates it: add `{suggestion}`",
                        def.name
                    ),
                    suggestion: Some(suggestion),
                });
            }
            Some(current) => compare_table(rust, current, def, &mut findings),
        }
    }
    for table in state.tables() {
        if !declared.iter().any(|d| d.definition.name == table.name) {
            let suggestion = format!(
                ".drop_table({:?}, Acknowledgement::data_loss(\"why\"))",
                table.name
            );
            findings.push(Finding {
                kind: FindingKind::TableNotDeclared,
                table: table.name.clone(),
                column: None,
                message: format!(
                    "table `{}` is created by the migrations but no declared struct has it: list its struct with the declared tables, or add `{suggestion}`",
                    table.name
                ),
                suggestion: Some(suggestion),
            });
        }
    }
    findings
}

/// The differences between table `current` (as the migrations leave it) and `declared`.
fn compare_table(rust: &str, current: &TableDef, declared: &TableDef, out: &mut Vec<Finding>) {
    let table = &declared.name;
    let finding = |kind, column: &str, problem: String, suggestion: Option<String>| {
        let message = match &suggestion {
            Some(rust) => format!("table `{table}`, column `{column}`: {problem}: add `{rust}`"),
            None => format!("table `{table}`, column `{column}`: {problem}"),
        };
        Finding {
            kind,
            table: table.clone(),
            column: Some(column.to_string()),
            message,
            suggestion,
        }
    };
    let added: Vec<&ColumnDef> = declared
        .columns
        .iter()
        .filter(|c| current.find_column(&c.name).is_none())
        .collect();
    let dropped: Vec<&ColumnDef> = current
        .columns
        .iter()
        .filter(|c| declared.find_column(&c.name).is_none())
        .collect();
    // A dropped column pairs with the first unpaired added column of its type.
    let mut paired_added = vec![false; added.len()];
    let mut partner_of_dropped = vec![None; dropped.len()];
    for (d, old) in dropped.iter().enumerate() {
        if let Some(a) = (0..added.len()).find(|&a| !paired_added[a] && added[a].ty == old.ty) {
            paired_added[a] = true;
            partner_of_dropped[d] = Some(a);
        }
    }
    let drop_step = |column: &str| {
        format!(".drop_column::<{rust}>({column:?}, Acknowledgement::data_loss(\"why\"))")
    };
    let add_step = |column: &ColumnDef| match (column.nullable, &column.default) {
        (false, None) => format!(
            ".add_column_with({rust}::COLUMNS.{}, {})",
            column.name,
            backfill_placeholder(column.ty)
        ),
        _ => format!(".add_column({rust}::COLUMNS.{})", column.name),
    };
    for column in &declared.columns {
        if let Some(existing) = current.find_column(&column.name) {
            if !same_column(existing, column) {
                let (problem, suggestion) = alter_step(rust, existing, column);
                out.push(finding(
                    FindingKind::ColumnChanged,
                    &column.name,
                    format!(
                        "{problem} (the migrations give {}, the struct declares {})",
                        describe(existing),
                        describe(column)
                    ),
                    suggestion,
                ));
            }
        } else if let Some(a) = added.iter().position(|c| c.name == column.name)
            && !paired_added[a]
        {
            out.push(finding(
                FindingKind::ColumnNotAdded,
                &column.name,
                format!("declared by `{rust}` but no migration adds it"),
                Some(add_step(column)),
            ));
        }
    }
    for (d, old) in dropped.iter().enumerate() {
        match partner_of_dropped[d] {
            Some(a) => {
                let new = added[a];
                let rename = format!(
                    ".rename_column::<{rust}>({:?}, {rust}::COLUMNS.{})",
                    old.name, new.name
                );
                let replace = format!("{}{}", drop_step(&old.name), add_step(new));
                out.push(Finding {
                    kind: FindingKind::AmbiguousRename,
                    table: table.clone(),
                    column: Some(old.name.clone()),
                    message: format!(
                        "table `{table}`, column `{}`: gone while column `{}` of the same type {} appeared; \
                         say which: a rename `{rename}` or a drop and an add `{replace}`",
                        old.name, new.name, new.ty
                    ),
                    suggestion: Some(format!("{rename}\n{replace}")),
                });
            }
            None => out.push(finding(
                FindingKind::ColumnNotDropped,
                &old.name,
                format!("the migrations give it but `{rust}` no longer declares it"),
                Some(drop_step(&old.name)),
            )),
        }
    }
    for index in &declared.indexes {
        match current.find_index(&index.name) {
            None => out.push(index_finding(
                table,
                &index.name,
                FindingKind::IndexNotCreated,
                format!("declared by `{rust}` but no migration creates it"),
                Some(format!(".create_index::<{rust}>({:?})", index.name)),
            )),
            Some(existing) if existing != index => out.push(index_finding(
                table,
                &index.name,
                FindingKind::IndexChanged,
                "changed since the migrations created it: drop it and create it again".to_string(),
                Some(format!(
                    ".drop_index::<{rust}>({0:?}).create_index::<{rust}>({0:?})",
                    index.name
                )),
            )),
            Some(_) => {}
        }
    }
    for index in &current.indexes {
        if declared.find_index(&index.name).is_none() {
            out.push(index_finding(
                table,
                &index.name,
                FindingKind::IndexNotDropped,
                format!("the migrations create it but `{rust}` no longer declares it"),
                Some(format!(".drop_index::<{rust}>({:?})", index.name)),
            ));
        }
    }
    compare_constraints(rust, current, declared, out);
    if current.partitioning != declared.partitioning {
        out.push(Finding {
            kind: FindingKind::TableChanged,
            table: table.clone(),
            column: None,
            message: format!(
                "table `{table}`: not supported yet: changing its partitioning needs Schema evolution II"
            ),
            suggestion: None,
        });
    }
}

/// The foreign keys and CHECK constraints the migrations leave on `current` against those
/// of `declared`, by name.
fn compare_constraints(
    rust: &str,
    current: &TableDef,
    declared: &TableDef,
    out: &mut Vec<Finding>,
) {
    let table = &declared.name;
    let finding = |kind, what: &str, name: &str, problem: String, rust: String| Finding {
        kind,
        table: table.clone(),
        column: None,
        message: format!("table `{table}`, {what} `{name}`: {problem}: add `{rust}`"),
        suggestion: Some(rust),
    };
    // (kind of constraint, step suffix, declared-and-current pairs by name)
    let foreign_keys = (
        "foreign key",
        "foreign_key",
        names_compared(&declared.foreign_keys, &current.foreign_keys, |fk| &fk.name),
    );
    let checks = (
        "CHECK",
        "check",
        names_compared(&declared.checks, &current.checks, |check| &check.name),
    );
    for (what, step, compared) in [foreign_keys, checks] {
        for (name, state) in compared {
            let add = format!(".add_{step}::<{rust}>({name:?})");
            let drop = format!(".drop_{step}::<{rust}>({name:?})");
            out.push(match state {
                Compared::NotAdded => finding(
                    FindingKind::ConstraintNotAdded,
                    what,
                    &name,
                    format!("declared by `{rust}` but no migration adds it"),
                    add,
                ),
                Compared::NotDropped => finding(
                    FindingKind::ConstraintNotDropped,
                    what,
                    &name,
                    format!("the migrations add it but `{rust}` no longer declares it"),
                    drop,
                ),
                Compared::Changed => finding(
                    FindingKind::ConstraintChanged,
                    what,
                    &name,
                    "changed since the migrations added it: drop it and add it again".to_string(),
                    format!("{drop}{add}"),
                ),
            });
        }
    }
}

/// How a named item compares between the declarations and the migrations.
enum Compared {
    NotAdded,
    NotDropped,
    Changed,
}

/// The names of `declared` and `current` items that differ: declared ones first, in order.
fn names_compared<T: PartialEq>(
    declared: &[T],
    current: &[T],
    name: impl Fn(&T) -> &String,
) -> Vec<(String, Compared)> {
    fn find<'a, T>(items: &'a [T], wanted: &str, name: &impl Fn(&T) -> &String) -> Option<&'a T> {
        items.iter().find(|item| name(item) == wanted)
    }
    let mut out: Vec<(String, Compared)> = declared
        .iter()
        .filter_map(|item| match find(current, name(item), &name) {
            None => Some((name(item).clone(), Compared::NotAdded)),
            Some(existing) if existing != item => Some((name(item).clone(), Compared::Changed)),
            Some(_) => None,
        })
        .collect();
    out.extend(
        current
            .iter()
            .filter(|item| find(declared, name(item), &name).is_none())
            .map(|item| (name(item).clone(), Compared::NotDropped)),
    );
    out
}

fn index_finding(
    table: &str,
    index: &str,
    kind: FindingKind,
    problem: String,
    suggestion: Option<String>,
) -> Finding {
    let message = match &suggestion {
        Some(rust) => format!("table `{table}`, index `{index}`: {problem}: add `{rust}`"),
        None => format!("table `{table}`, index `{index}`: {problem}"),
    };
    Finding {
        kind,
        table: table.to_string(),
        column: Some(index.to_string()),
        message,
        suggestion,
    }
}

/// What to say of a column the struct declares otherwise than the migrations give it, and
/// the `alter_column` step to paste, with the options the change needs (a placeholder
/// backfill and acknowledgement for the engineer to write); no step where none can change it.
fn alter_step(rust: &str, before: &ColumnDef, after: &ColumnDef) -> (String, Option<String>) {
    let change = ColumnChange { before, after };
    let type_change = match change.type_change() {
        Ok(type_change) => type_change,
        Err(problem) => return (format!("changed: {problem}"), None),
    };
    if before.primary_key != after.primary_key
        || before.unique != after.unique
        || before.auto_increment != after.auto_increment
    {
        return (
            "changed its key: a PRIMARY KEY, UNIQUE or auto-increment change needs a new column, copied, and the old one dropped"
                .to_string(),
            None,
        );
    }
    let mut options = String::new();
    if change.becomes_not_null() && after.default.is_none() {
        options.push_str(&format!(".backfill({})", backfill_placeholder(after.ty)));
    }
    match type_change {
        Some(TypeChange::Convert) => options.push_str(".cast()"),
        Some(TypeChange::Narrow) => {
            options.push_str(".acknowledge(Acknowledgement::data_loss(\"why\"))");
        }
        Some(TypeChange::Widen) | None => {}
    }
    let step = if options.is_empty() {
        format!(".alter_column({rust}::COLUMNS.{})", after.name)
    } else {
        format!(
            ".alter_column_with({rust}::COLUMNS.{}, AlterOptions::default(){options})",
            after.name
        )
    };
    (
        "changed since the migrations gave it".to_string(),
        Some(step),
    )
}

/// Everything but the name.
fn same_column(a: &ColumnDef, b: &ColumnDef) -> bool {
    a.ty == b.ty
        && a.nullable == b.nullable
        && a.primary_key == b.primary_key
        && a.unique == b.unique
        && a.default == b.default
        && a.auto_increment == b.auto_increment
}

/// `text(50) NOT NULL DEFAULT "x" PRIMARY KEY`, for a changed column's message.
fn describe(column: &ColumnDef) -> String {
    let mut text = format!(
        "{} {}",
        column.ty,
        if column.nullable { "NULL" } else { "NOT NULL" }
    );
    if let Some(default) = &column.default {
        text.push_str(&format!(" DEFAULT {default}"));
    }
    for (set, word) in [
        (column.primary_key, " PRIMARY KEY"),
        (column.unique, " UNIQUE"),
        (column.auto_increment, " AUTO INCREMENT"),
    ] {
        if set {
            text.push_str(word);
        }
    }
    text
}

/// The value existing rows get, for a NOT NULL column without a default: left for the
/// engineer to write (`…` does not compile until they do), except a timestamp's, which can
/// only be `now`.
fn backfill_placeholder(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Text { .. } | ColumnType::Json { .. } => "DefaultValue::Text(\"…\".into())",
        ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt => {
            "DefaultValue::Integer(…)"
        }
        ColumnType::Boolean => "DefaultValue::Boolean(…)",
        ColumnType::Timestamp => "DefaultValue::Now",
    }
}

/// The destructive-change lint: every step that loses data (dropping a table or a column)
/// whose acknowledgement gives no reason, naming the migration, the table and the column.
pub fn unacknowledged_steps(schema: &Schema) -> Vec<Finding> {
    let mut findings = Vec::new();
    for migration in &schema.migrations {
        for step in &migration.steps {
            let Some(ack) = step.acknowledgement() else {
                continue;
            };
            if !ack.reason.trim().is_empty() {
                continue;
            }
            let table = step.table_name().to_string();
            let (column, what) = match step {
                Step::DropColumn { column, .. } => (
                    Some(column.clone()),
                    format!("table `{table}`, column `{column}`: dropping it loses data"),
                ),
                Step::AlterColumn { column, .. } => (
                    Some(column.name.clone()),
                    format!(
                        "table `{table}`, column `{}`: narrowing it may lose data",
                        column.name
                    ),
                ),
                _ => (None, format!("table `{table}`: dropping it loses data")),
            };
            findings.push(Finding {
                kind: FindingKind::EmptyAcknowledgement,
                table,
                column,
                message: format!(
                    "migration `{}`: {what}, and its acknowledgement gives no reason: \
                     write why in `Acknowledgement::data_loss(\"…\")`",
                    migration.id
                ),
                suggestion: None,
            });
        }
    }
    findings
}
