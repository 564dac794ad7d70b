//! The validation pass: every declaration mistake the compiler cannot catch, found before
//! anything is rendered, each error naming the table and the column.

use crate::{
    ColumnDef, ColumnType, ForeignKeyAction, IndexMethod, Schema, SchemaState, Step, TableDef,
};
use migration_layout::TRACKING_TABLE;
use std::collections::{HashMap, HashSet};
use thiserror::Error;

/// A mistake in the schema declarations.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[allow(
    missing_docs,
    reason = "fields are named for what they hold, and each message shows them"
)]
pub enum SchemaError {
    /// Two migrations share an id.
    #[error("migration `{id}` is declared twice")]
    DuplicateMigration { id: String },
    /// Two migrations of a group share a number (with different names): the file names differ,
    /// but `migrate` refuses a group whose numbers repeat.
    #[error(
        "migration `{id}`: number {seq:04} of group {group} is already taken by migration `{first}`"
    )]
    DuplicateMigrationNumber {
        id: String,
        group: String,
        seq: u32,
        first: String,
    },
    /// A table takes the name of `migrate`'s tracking table.
    #[error("table `{table}`: the name is reserved for `migrate`'s tracking table: choose another")]
    TrackingTableName { table: String },
    /// An index has the name of a table (created earlier or later): tables and indexes share
    /// one namespace, so the second CREATE fails.
    #[error(
        "table `{table}`: index `{index}` has the name of a table: tables and indexes share one namespace"
    )]
    IndexNamedLikeTable { table: String, index: String },
    /// A text column of at most 0 characters.
    #[error("table `{table}`, column `{column}`: max_len = 0 allows no text: declare at least 1")]
    ZeroMaxLen { table: String, column: String },
    /// A foreign key that sets a NOT NULL column to NULL.
    #[error(
        "table `{table}`, column `{column}`: foreign key `{name}` sets it NULL ON {event}, but the column is NOT NULL: make it nullable or choose another action"
    )]
    SetNullOnNotNull {
        table: String,
        column: String,
        name: String,
        event: String,
    },
    /// A name is not lower-case snake_case (`[a-z_][a-z0-9_]*`), so it cannot be written unquoted.
    #[error("table `{table}`: name `{name}` must be lower-case snake_case ([a-z_][a-z0-9_]*)")]
    InvalidName { table: String, name: String },
    /// Two tables share a name.
    #[error("table `{table}` is declared twice (migrations `{first}` and `{second}`)")]
    DuplicateTable {
        table: String,
        first: String,
        second: String,
    },
    /// A table has no columns.
    #[error("table `{table}` has no columns")]
    NoColumns { table: String },
    /// Two columns of a table share a name.
    #[error("table `{table}`, column `{column}`: declared twice")]
    DuplicateColumn { table: String, column: String },
    /// A default that is not a value of its column's type.
    #[error("table `{table}`, column `{column}`: default {default} does not fit type {ty}")]
    DefaultMismatch {
        table: String,
        column: String,
        default: String,
        ty: ColumnType,
    },
    /// An auto-increment column that is not the table's sole integer primary key.
    #[error(
        "table `{table}`, column `{column}`: auto-increment needs a non-null integer column that is the table's only primary-key column"
    )]
    BadAutoIncrement { table: String, column: String },
    /// An index with no columns.
    #[error("table `{table}`: index `{index}` has no columns")]
    EmptyIndex { table: String, index: String },
    /// An index over a column the table does not have.
    #[error(
        "table `{table}`, column `{column}`: index `{index}` names a column the table does not have"
    )]
    IndexUnknownColumn {
        table: String,
        index: String,
        column: String,
    },
    /// Two indexes in the schema share a name (index names are schema-wide).
    #[error("table `{table}`: index `{index}` is already declared on table `{other_table}`")]
    DuplicateIndex {
        table: String,
        index: String,
        other_table: String,
    },
    /// A foreign key whose column lists differ in length.
    #[error(
        "table `{table}`: foreign key `{name}` has {columns} column(s) but references {ref_columns}"
    )]
    ForeignKeyArity {
        table: String,
        name: String,
        columns: usize,
        ref_columns: usize,
    },
    /// A foreign key over a column the table does not have.
    #[error(
        "table `{table}`, column `{column}`: foreign key `{name}` names a column the table does not have"
    )]
    ForeignKeyUnknownColumn {
        table: String,
        name: String,
        column: String,
    },
    /// A foreign key to a table that no earlier (or the same) migration creates.
    #[error(
        "table `{table}`: foreign key `{name}` references table `{ref_table}`, which no earlier migration creates"
    )]
    ForeignKeyUnknownTable {
        table: String,
        name: String,
        ref_table: String,
    },
    /// A foreign key to a column the referenced table does not have.
    #[error(
        "table `{table}`, column `{column}`: foreign key `{name}` references `{ref_table}.{ref_column}`, which does not exist"
    )]
    ForeignKeyUnknownTarget {
        table: String,
        name: String,
        column: String,
        ref_table: String,
        ref_column: String,
    },
    /// A foreign key to columns that are neither the primary key nor unique.
    #[error(
        "table `{table}`: foreign key `{name}` references `{ref_table}` ({ref_columns}), which is neither its primary key nor UNIQUE"
    )]
    ForeignKeyNotKey {
        table: String,
        name: String,
        ref_table: String,
        ref_columns: String,
    },
    /// A declared CHECK constraint whose column is missing or whose condition does not fit it.
    #[error("table `{table}`, column `{column}`: CHECK `{name}`: {problem}")]
    BadCheckDeclaration {
        table: String,
        column: String,
        name: String,
        problem: String,
    },
    /// Two constraints (foreign keys, CHECKs) of a table share a name.
    #[error("table `{table}`: constraint `{name}` is declared twice")]
    DuplicateConstraint { table: String, name: String },
    /// An online migration holds a step that has no form that leaves writers unblocked.
    #[error(
        "migration `{migration}`: table `{table}`: {step} has no online form that leaves writers unblocked: move it to a migration of its own, without `online()`"
    )]
    NotOnline {
        migration: String,
        table: String,
        step: String,
    },
    /// A partitioning or table-refining step that does not fit the declarations.
    #[error(transparent)]
    Step(#[from] StepError),
    /// A foreign key between columns of different types.
    #[error(
        "table `{table}`, column `{column}` ({ty}): foreign key `{name}` references `{ref_table}.{ref_column}` of type {ref_ty}"
    )]
    ForeignKeyTypeMismatch {
        table: String,
        name: String,
        column: String,
        ty: ColumnType,
        ref_table: String,
        ref_column: String,
        ref_ty: ColumnType,
    },
}

/// Mistakes in partitioning and in the steps that refine an existing table.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[allow(
    missing_docs,
    reason = "fields are named for what they hold, and each message shows them"
)]
pub enum StepError {
    /// The partition key is missing, nullable or not a timestamp.
    #[error(
        "table `{table}`, column `{column}`: a partition key must be a NOT NULL timestamp column of the table"
    )]
    BadPartitionKey { table: String, column: String },
    /// A step works on a table no earlier migration creates.
    #[error("migration `{migration}`: table `{table}` is not created by an earlier migration")]
    UnknownTable { migration: String, table: String },
    /// A step creates an index the table does not declare.
    #[error("migration `{migration}`: table `{table}` declares no index `{index}`")]
    UnknownIndex {
        migration: String,
        table: String,
        index: String,
    },
    /// A step partitions a table that declares no partitioning.
    #[error("migration `{migration}`: table `{table}` declares no partitioning")]
    NotPartitioned { migration: String, table: String },
    /// A step creates a table, or renames one to a name, that already exists.
    #[error("migration `{migration}`: table `{table}` already exists")]
    TableExists { migration: String, table: String },
    /// A step drops a table another table's foreign key references.
    #[error(
        "migration `{migration}`: table `{table}` is referenced by foreign key `{by}`: drop that first"
    )]
    TableReferenced {
        migration: String,
        table: String,
        by: String,
    },
    /// A step names a column the table does not have at that point.
    #[error("migration `{migration}`: table `{table}` has no column `{column}` at this point")]
    UnknownColumn {
        migration: String,
        table: String,
        column: String,
    },
    /// A step adds a column, or renames one to a name, that the table already has.
    #[error("migration `{migration}`: table `{table}` already has a column `{column}`")]
    ColumnExists {
        migration: String,
        table: String,
        column: String,
    },
    /// A step drops a column a key, index or partitioning still uses.
    #[error(
        "migration `{migration}`: table `{table}`, column `{column}` cannot be dropped: it is in {by}"
    )]
    ColumnInUse {
        migration: String,
        table: String,
        column: String,
        by: String,
    },
    /// A step adds a column that cannot be added to a table with rows as declared.
    #[error("migration `{migration}`: table `{table}`, column `{column}`: {problem}")]
    BadAddedColumn {
        migration: String,
        table: String,
        column: String,
        problem: String,
    },
    /// A step changes a column in a way that does not fit a table with rows as declared.
    #[error("migration `{migration}`: table `{table}`, column `{column}`: {problem}")]
    BadAlteredColumn {
        migration: String,
        table: String,
        column: String,
        problem: String,
    },
    /// A step creates an index whose name another index has.
    #[error(
        "migration `{migration}`: table `{table}`: index `{index}` already exists on table `{other_table}`"
    )]
    IndexExists {
        migration: String,
        table: String,
        index: String,
        other_table: String,
    },
    /// A step changes a table of another tier than its migration's.
    #[error(
        "migration `{migration}`: table `{table}` belongs to tier {tier}: change it in a migration of tier {tier} (this one applies at tier {expected}), so that databases upgraded tier by tier apply the changes in release order"
    )]
    OtherTiersTable {
        migration: String,
        table: String,
        tier: String,
        expected: String,
    },
    /// A step adds a foreign key that does not fit the table or its target.
    #[error("migration `{migration}`: table `{table}`: foreign key `{name}`: {problem}")]
    BadForeignKey {
        migration: String,
        table: String,
        name: String,
        problem: String,
    },
    /// A CHECK constraint whose column is missing or whose condition does not fit it.
    #[error(
        "migration `{migration}`: table `{table}`, column `{column}`: CHECK `{name}`: {problem}"
    )]
    BadCheck {
        migration: String,
        table: String,
        column: String,
        name: String,
        problem: String,
    },
    /// A step adds a constraint whose name the table already has.
    #[error("migration `{migration}`: table `{table}` already has a constraint `{name}`")]
    ConstraintExists {
        migration: String,
        table: String,
        name: String,
    },
    /// A step drops a constraint the table does not have at that point.
    #[error("migration `{migration}`: table `{table}` has no {kind} `{name}` at this point")]
    UnknownConstraint {
        migration: String,
        table: String,
        kind: &'static str,
        name: String,
    },
    /// A declared index that only a dialect-specific step builds, and no step builds.
    #[error(
        "table `{table}`: index `{index}` uses method {method}, which CREATE TABLE does not build; add a migration step `create_index` for it"
    )]
    IndexNeverCreated {
        table: String,
        index: String,
        method: IndexMethod,
    },
}

impl Schema {
    /// Checks the whole schema and returns every mistake found, in declaration order: each
    /// migration's steps are replayed on the state the earlier ones leave.
    pub fn validate(&self) -> Result<(), Vec<SchemaError>> {
        let mut errors = Vec::new();
        let mut ids = HashSet::new();
        let mut numbers: HashMap<(String, u32), String> = HashMap::new();
        let mut created_in: HashMap<String, String> = HashMap::new();
        let mut table_names: HashSet<String> = HashSet::new();
        let mut index_names: Vec<(String, String)> = Vec::new();
        let mut state = SchemaState::default();
        for migration in &self.migrations {
            let id = &migration.id;
            if !ids.insert(id.to_string()) {
                errors.push(SchemaError::DuplicateMigration { id: id.to_string() });
            } else if let Some(first) = numbers.get(&(id.group.to_string(), id.seq)) {
                errors.push(SchemaError::DuplicateMigrationNumber {
                    id: id.to_string(),
                    group: id.group.to_string(),
                    seq: id.seq,
                    first: first.clone(),
                });
            } else {
                numbers.insert((id.group.to_string(), id.seq), id.to_string());
            }
            for step in &migration.steps {
                if migration.online
                    && let Some(what) = offline_only(step)
                {
                    errors.push(SchemaError::NotOnline {
                        migration: id.to_string(),
                        table: step.table_name().to_string(),
                        step: what.to_string(),
                    });
                }
                check_names(step, &mut errors);
                collect_names(step, &mut table_names, &mut index_names);
                if let Step::CreateTable(table) = step {
                    if let Some(first) = created_in.get(&table.name)
                        && state.table(&table.name).is_some()
                    {
                        errors.push(SchemaError::DuplicateTable {
                            table: table.name.clone(),
                            first: first.clone(),
                            second: migration.id.to_string(),
                        });
                        continue;
                    }
                    created_in.insert(table.name.clone(), migration.id.to_string());
                    check_table(table, &mut errors);
                    for index in &table.indexes {
                        if let Some(other) = state.index_table(&index.name) {
                            errors.push(SchemaError::DuplicateIndex {
                                table: table.name.clone(),
                                index: index.name.clone(),
                                other_table: other.to_string(),
                            });
                        }
                    }
                    check_foreign_keys(table, &state, &mut errors);
                }
                if let Err(error) = state.apply(&migration.id, step) {
                    errors.push(error.into());
                }
            }
        }
        check_indexes_created(self, &state, &mut errors);
        let mut reported = HashSet::new();
        for (table, index) in index_names {
            if table_names.contains(&index) && reported.insert(index.clone()) {
                errors.push(SchemaError::IndexNamedLikeTable { table, index });
            }
        }
        errors.extend(self.inclusion_tiers().1.into_iter().map(SchemaError::from));
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The table names a step gives (created or renamed to) and the index names it gives, with
/// their table: an index may not take a table's name, whichever comes first.
fn collect_names(
    step: &Step,
    table_names: &mut HashSet<String>,
    index_names: &mut Vec<(String, String)>,
) {
    match step {
        Step::CreateTable(table) => {
            table_names.insert(table.name.clone());
            index_names
                .extend((table.indexes.iter()).map(|i| (table.name.clone(), i.name.clone())));
        }
        Step::RenameTable { to, .. } => {
            table_names.insert(to.clone());
        }
        Step::CreateIndex { table, index } => index_names.push((table.clone(), index.name.clone())),
        _ => {}
    }
}

/// The mistakes of one column whatever step declares it: a text column of no characters.
fn check_column(table: &str, column: &ColumnDef, errors: &mut Vec<SchemaError>) {
    if let ColumnType::Text { max_len: Some(0) } = column.ty {
        errors.push(SchemaError::ZeroMaxLen {
            table: table.to_string(),
            column: column.name.clone(),
        });
    }
}

/// The names a step introduces besides a created table's (which `check_table` covers), and a
/// column it adds.
fn check_names(step: &Step, errors: &mut Vec<SchemaError>) {
    let table = step.table_name();
    let invalid = |name: &str| SchemaError::InvalidName {
        table: table.to_string(),
        name: name.to_string(),
    };
    match step {
        Step::RenameTable { to, .. } | Step::RenameColumn { to, .. } => {
            if !is_snake_case(to) {
                errors.push(invalid(to));
            }
            if matches!(step, Step::RenameTable { .. }) && to == TRACKING_TABLE {
                errors.push(SchemaError::TrackingTableName { table: to.clone() });
            }
        }
        Step::CreateIndex { index, .. } => {
            if !is_snake_case(&index.name) {
                errors.push(invalid(&index.name));
            }
        }
        Step::AddForeignKey { foreign_key, .. } => {
            if !is_snake_case(&foreign_key.name) {
                errors.push(invalid(&foreign_key.name));
            }
        }
        Step::AddCheck { check, .. } => {
            if !is_snake_case(&check.name) {
                errors.push(invalid(&check.name));
            }
        }
        Step::AddColumn { column, .. } | Step::AlterColumn { column, .. } => {
            if !is_snake_case(&column.name) {
                errors.push(invalid(&column.name));
            }
            check_column(table, column, errors);
            if let Some(default) = &column.default
                && !default.fits(column.ty)
            {
                errors.push(SchemaError::DefaultMismatch {
                    table: table.to_string(),
                    column: column.name.clone(),
                    default: default.to_string(),
                    ty: column.ty,
                });
            }
        }
        // A created table's names are `check_table`'s; the rest introduce no name.
        Step::CreateTable(_)
        | Step::DropTable { .. }
        | Step::DropColumn { .. }
        | Step::DropIndex { .. }
        | Step::PartitionTable { .. }
        | Step::DropForeignKey { .. }
        | Step::DropCheck { .. } => {}
    }
}

/// What `step` is, when it has no form an online migration can run without blocking
/// writers: only index and constraint steps have one.
fn offline_only(step: &Step) -> Option<&'static str> {
    match step {
        Step::CreateTable(_) => Some("creating a table"),
        Step::DropTable { .. } => Some("dropping a table"),
        Step::RenameTable { .. } => Some("renaming a table"),
        Step::AddColumn { .. } => Some("adding a column"),
        Step::DropColumn { .. } => Some("dropping a column"),
        Step::RenameColumn { .. } => Some("renaming a column"),
        Step::AlterColumn { .. } => Some("changing a column"),
        Step::PartitionTable { .. } => Some("partitioning a table"),
        Step::CreateIndex { .. }
        | Step::DropIndex { .. }
        | Step::AddForeignKey { .. }
        | Step::DropForeignKey { .. }
        | Step::AddCheck { .. }
        | Step::DropCheck { .. } => None,
    }
}

fn is_snake_case(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_lowercase() || first == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn check_table(table: &TableDef, errors: &mut Vec<SchemaError>) {
    let name_of = |name: &str| SchemaError::InvalidName {
        table: table.name.clone(),
        name: name.to_string(),
    };
    let names = std::iter::once(&table.name)
        .chain(table.columns.iter().map(|c| &c.name))
        .chain(table.indexes.iter().map(|i| &i.name))
        .chain(table.foreign_keys.iter().map(|f| &f.name))
        .chain(table.checks.iter().map(|c| &c.name));
    errors.extend(names.filter(|n| !is_snake_case(n)).map(|n| name_of(n)));
    let mut constraints = HashSet::new();
    let constraint_names =
        (table.foreign_keys.iter().map(|f| &f.name)).chain(table.checks.iter().map(|c| &c.name));
    for name in constraint_names {
        if !constraints.insert(name) {
            errors.push(SchemaError::DuplicateConstraint {
                table: table.name.clone(),
                name: name.clone(),
            });
        }
    }
    for check in &table.checks {
        if let Some(problem) = crate::state::check_problem(table, check) {
            errors.push(SchemaError::BadCheckDeclaration {
                table: table.name.clone(),
                column: check.column.clone(),
                name: check.name.clone(),
                problem,
            });
        }
    }
    if table.name == TRACKING_TABLE {
        errors.push(SchemaError::TrackingTableName {
            table: table.name.clone(),
        });
    }

    if table.columns.is_empty() {
        errors.push(SchemaError::NoColumns {
            table: table.name.clone(),
        });
    }
    let mut seen = HashSet::new();
    let primary_key = table.primary_key();
    for column in &table.columns {
        check_column(&table.name, column, errors);
        if !seen.insert(column.name.as_str()) {
            errors.push(SchemaError::DuplicateColumn {
                table: table.name.clone(),
                column: column.name.clone(),
            });
        }
        if let Some(default) = &column.default
            && !default.fits(column.ty)
        {
            errors.push(SchemaError::DefaultMismatch {
                table: table.name.clone(),
                column: column.name.clone(),
                default: default.to_string(),
                ty: column.ty,
            });
        }
        let sole_integer_key = column.ty.is_integer()
            && !column.nullable
            && primary_key == [column.name.as_str()]
            && column.default.is_none();
        if column.auto_increment && !sole_integer_key {
            errors.push(SchemaError::BadAutoIncrement {
                table: table.name.clone(),
                column: column.name.clone(),
            });
        }
    }
    if let Some(partitioning) = &table.partitioning {
        let fits = table
            .find_column(&partitioning.column)
            .is_some_and(|c| c.ty == ColumnType::Timestamp && !c.nullable);
        if !fits {
            errors.push(
                StepError::BadPartitionKey {
                    table: table.name.clone(),
                    column: partitioning.column.clone(),
                }
                .into(),
            );
        }
    }
    for index in &table.indexes {
        if index.columns.is_empty() {
            errors.push(SchemaError::EmptyIndex {
                table: table.name.clone(),
                index: index.name.clone(),
            });
        }
        for column in index
            .columns
            .iter()
            .filter(|c| table.find_column(c).is_none())
        {
            errors.push(SchemaError::IndexUnknownColumn {
                table: table.name.clone(),
                index: index.name.clone(),
                column: column.clone(),
            });
        }
    }
}

/// Every declared index of a method `CREATE TABLE` does not build must be built by a step.
fn check_indexes_created(schema: &Schema, state: &SchemaState, errors: &mut Vec<SchemaError>) {
    let created: HashSet<(&str, &str)> = schema
        .migrations
        .iter()
        .flat_map(|migration| &migration.steps)
        .filter_map(|step| match step {
            Step::CreateIndex { table, index } => Some((table.as_str(), index.name.as_str())),
            _ => None,
        })
        .collect();
    for table in state.tables() {
        for index in &table.indexes {
            if index.method != IndexMethod::BTree
                && !created.contains(&(table.name.as_str(), index.name.as_str()))
            {
                errors.push(
                    StepError::IndexNeverCreated {
                        table: table.name.clone(),
                        index: index.name.clone(),
                        method: index.method,
                    }
                    .into(),
                );
            }
        }
    }
}

fn check_foreign_keys(table: &TableDef, state: &SchemaState, errors: &mut Vec<SchemaError>) {
    for fk in &table.foreign_keys {
        if fk.columns.len() != fk.ref_columns.len() {
            errors.push(SchemaError::ForeignKeyArity {
                table: table.name.clone(),
                name: fk.name.clone(),
                columns: fk.columns.len(),
                ref_columns: fk.ref_columns.len(),
            });
            continue;
        }
        for (event, action) in [("DELETE", fk.on_delete), ("UPDATE", fk.on_update)] {
            let not_null = fk
                .columns
                .iter()
                .filter_map(|c| table.find_column(c))
                .filter(|c| !c.nullable);
            for column in not_null.filter(|_| action == ForeignKeyAction::SetNull) {
                errors.push(SchemaError::SetNullOnNotNull {
                    table: table.name.clone(),
                    column: column.name.clone(),
                    name: fk.name.clone(),
                    event: event.to_string(),
                });
            }
        }
        let target = if fk.ref_table == table.name {
            Some(table)
        } else {
            state.table(&fk.ref_table)
        };
        let Some(target) = target else {
            errors.push(SchemaError::ForeignKeyUnknownTable {
                table: table.name.clone(),
                name: fk.name.clone(),
                ref_table: fk.ref_table.clone(),
            });
            continue;
        };
        let mut targets_known = true;
        for (column_name, ref_column_name) in fk.columns.iter().zip(&fk.ref_columns) {
            let column = table.find_column(column_name);
            let ref_column = target.find_column(ref_column_name);
            match (column, ref_column) {
                (None, _) => errors.push(SchemaError::ForeignKeyUnknownColumn {
                    table: table.name.clone(),
                    name: fk.name.clone(),
                    column: column_name.clone(),
                }),
                (Some(_), None) => {
                    targets_known = false;
                    errors.push(SchemaError::ForeignKeyUnknownTarget {
                        table: table.name.clone(),
                        name: fk.name.clone(),
                        column: column_name.clone(),
                        ref_table: fk.ref_table.clone(),
                        ref_column: ref_column_name.clone(),
                    });
                }
                (Some(column), Some(ref_column)) if column.ty != ref_column.ty => {
                    errors.push(SchemaError::ForeignKeyTypeMismatch {
                        table: table.name.clone(),
                        name: fk.name.clone(),
                        column: column.name.clone(),
                        ty: column.ty,
                        ref_table: fk.ref_table.clone(),
                        ref_column: ref_column.name.clone(),
                        ref_ty: ref_column.ty,
                    })
                }
                (Some(_), Some(_)) => {}
            }
        }
        if targets_known && !target.is_key(&fk.ref_columns) {
            errors.push(SchemaError::ForeignKeyNotKey {
                table: table.name.clone(),
                name: fk.name.clone(),
                ref_table: fk.ref_table.clone(),
                ref_columns: fk.ref_columns.join(", "),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{
        ColumnDef, ColumnType, Group, IndexDef, IndexMethod, Migration, Partitioning, Schema, Step,
        TableDef, Tier,
    };

    fn runs() -> TableDef {
        TableDef::new("runs")
            .column(ColumnDef::new("run_id", ColumnType::Integer).primary_key())
            .column(ColumnDef::new("created_at", ColumnType::Timestamp))
            .column(ColumnDef::new("ended_at", ColumnType::Timestamp).nullable(true))
            .column(ColumnDef::new(
                "params",
                ColumnType::Json {
                    size: Default::default(),
                },
            ))
            .index(IndexDef {
                method: IndexMethod::Gin,
                ..IndexDef::new("idx_runs_params", &["params"])
            })
    }

    fn errors(steps: Vec<Step>) -> Vec<String> {
        let mut migration = Migration::new(Group::Tier(Tier::Basic), 1, "runs");
        migration.steps = steps;
        match Schema::new(vec![migration]).validate() {
            Ok(()) => Vec::new(),
            Err(errors) => errors.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn partitioned_tables_and_their_steps_validate() {
        let table = runs().partitioned(Partitioning::monthly("created_at"));
        assert_eq!(
            errors(vec![
                Step::CreateTable(table.clone()),
                Step::PartitionTable {
                    table: "runs".into()
                },
                Step::CreateIndex {
                    table: "runs".into(),
                    index: table.indexes[0].clone(),
                },
            ]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_partition_key_is_a_not_null_timestamp() {
        for column in ["ended_at", "params", "missing"] {
            let table = runs().partitioned(Partitioning::monthly(column));
            assert_eq!(
                errors(vec![
                    Step::CreateTable(table.clone()),
                    Step::CreateIndex {
                        table: "runs".into(),
                        index: table.indexes[0].clone(),
                    },
                ]),
                [format!(
                    "table `runs`, column `{column}`: a partition key must be a NOT NULL timestamp column of the table"
                )]
            );
        }
    }

    #[test]
    fn steps_name_what_the_tables_declare() {
        let table = runs();
        assert_eq!(
            errors(vec![
                Step::PartitionTable {
                    table: "runs".into()
                },
                Step::CreateTable(table),
                Step::PartitionTable {
                    table: "runs".into()
                },
                Step::CreateIndex {
                    table: "runs".into(),
                    index: IndexDef::new("idx_nope", &[])
                },
            ]),
            [
                "migration `basic/0001_runs`: table `runs` is not created by an earlier migration",
                "migration `basic/0001_runs`: table `runs` declares no partitioning",
                "migration `basic/0001_runs`: table `runs` declares no index `idx_nope`",
                "table `runs`: index `idx_runs_params` uses method gin, which CREATE TABLE does not build; add a migration step `create_index` for it",
            ]
        );
    }
}
