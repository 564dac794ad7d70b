//! Foreign keys and CHECK constraints added to and dropped from existing tables, and the
//! lock-safe forms an online migration's steps take in a dialect that has them (PostgreSQL).
//! As every step, each is rendered with its reverse from the schema state before it.

use super::{Change, rebuild_table};
use crate::backend::{Backend, Unsupported};
use schema_dsl::{CheckDef, ForeignKeyDef, SchemaState, Step, TableDef};

/// A constraint a step adds or drops, as the state before the step (or the step) has it.
#[derive(Debug, Clone, Copy)]
enum Constraint<'a> {
    ForeignKey(&'a ForeignKeyDef),
    Check(&'a CheckDef),
}

impl Constraint<'_> {
    fn name(&self) -> &str {
        match self {
            Constraint::ForeignKey(fk) => &fk.name,
            Constraint::Check(check) => &check.name,
        }
    }
}

/// A constraint step read against the state before it: the table, the constraint, and
/// whether the step adds it (or drops it).
struct ConstraintStep<'a> {
    table: &'a TableDef,
    constraint: Constraint<'a>,
    adds: bool,
}

impl<'a> ConstraintStep<'a> {
    /// `step` read against `state`; `None` when it is no constraint step.
    fn of(state: &'a SchemaState, step: &'a Step) -> Result<Option<Self>, Unsupported> {
        let table = || {
            state.table(step.table_name()).ok_or_else(|| {
                Unsupported(format!("no table `{}` at this point", step.table_name()))
            })
        };
        let missing = |name: &str| Unsupported(format!("no constraint `{name}` at this point"));
        let (table, constraint, adds) = match step {
            Step::AddForeignKey { foreign_key, .. } => {
                (table()?, Constraint::ForeignKey(foreign_key), true)
            }
            Step::DropForeignKey { name, .. } => {
                let table = table()?;
                let fk = table.find_foreign_key(name).ok_or_else(|| missing(name))?;
                (table, Constraint::ForeignKey(fk), false)
            }
            Step::AddCheck { check, .. } => (table()?, Constraint::Check(check), true),
            Step::DropCheck { name, .. } => {
                let table = table()?;
                let check = table.find_check(name).ok_or_else(|| missing(name))?;
                (table, Constraint::Check(check), false)
            }
            Step::CreateTable(_)
            | Step::DropTable { .. }
            | Step::RenameTable { .. }
            | Step::AddColumn { .. }
            | Step::DropColumn { .. }
            | Step::RenameColumn { .. }
            | Step::AlterColumn { .. }
            | Step::CreateIndex { .. }
            | Step::DropIndex { .. }
            | Step::PartitionTable { .. } => return Ok(None),
        };
        Ok(Some(ConstraintStep {
            table,
            constraint,
            adds,
        }))
    }

    /// The table after the step (the state before it is `self.table`).
    fn after(&self) -> TableDef {
        let mut after = self.table.clone();
        match self.constraint {
            Constraint::ForeignKey(fk) => {
                after.foreign_keys.retain(|f| f.name != fk.name);
                if self.adds {
                    after.foreign_keys.push(fk.clone());
                }
            }
            Constraint::Check(check) => {
                after.checks.retain(|c| c.name != check.name);
                if self.adds {
                    after.checks.push(check.clone());
                }
            }
        }
        after
    }

    /// Whether the constraint is a foreign key from a table partitioned in this dialect,
    /// which PostgreSQL refuses to add `NOT VALID`.
    fn foreign_key_from_partitioned(&self, backend: &dyn Backend, state: &SchemaState) -> bool {
        matches!(self.constraint, Constraint::ForeignKey(_))
            && backend.capabilities().monthly_partitions
            && state.is_partitioned(&self.table.name)
    }
}

/// The change of a foreign key or CHECK step in one transaction. Without
/// `ALTER TABLE … ADD/DROP CONSTRAINT` (SQLite) the table is rebuilt with foreign keys off,
/// keeping every row: a new foreign key's orphans then fail the runner's
/// `foreign_key_check`, a new CHECK's violating rows the copy. Otherwise the constraint is
/// added `NOT VALID` and validated where the dialect can
/// ([`Backend::add_constraint_not_valid`]), except a foreign key from a partitioned table.
pub(super) fn change(
    backend: &dyn Backend,
    state: &SchemaState,
    step: &Step,
) -> Result<Change, Unsupported> {
    let constraint_step = ConstraintStep::of(state, step)?
        .ok_or_else(|| Unsupported("not a foreign key or CHECK step".to_string()))?;
    if !backend.capabilities().alter_table_constraints {
        return Ok(Change {
            up: rebuild_table(backend, &constraint_step.after(), &[])?,
            down: rebuild_table(backend, constraint_step.table, &[])?,
            up_foreign_keys_off: true,
            down_foreign_keys_off: true,
            notes: Vec::new(),
        });
    }
    let table = constraint_step.table;
    let sql = constraint_sql(backend, state, constraint_step.constraint)?;
    let add = if backend.capabilities().lock_safe_ddl
        && !constraint_step.foreign_key_from_partitioned(backend, state)
    {
        backend.add_constraint_not_valid(table, &sql, constraint_step.constraint.name())?
    } else {
        vec![backend.add_constraint(table, &sql)]
    };
    let drop = vec![backend.drop_constraint(table, constraint_step.constraint.name())];
    Ok(if constraint_step.adds {
        Change::plain(add, drop)
    } else {
        Change::plain(drop, add)
    })
}

/// The lock-safe, idempotent form of `step` in an online migration: each statement commits
/// on its own, and a run killed half-way is completed by the next (`DROP … IF EXISTS` first).
/// Validation and the rules refused what has no such form.
pub(super) fn online_change(
    backend: &dyn Backend,
    state: &SchemaState,
    step: &Step,
) -> Result<Change, Unsupported> {
    let table = state
        .table(step.table_name())
        .ok_or_else(|| Unsupported(format!("no table `{}` at this point", step.table_name())))?;
    let partitioned =
        backend.capabilities().monthly_partitions && state.is_partitioned(&table.name);
    let refused = |what: &str| {
        Unsupported(format!(
            "table `{}`: {what} has no online form: move it to a migration without `online()`",
            table.name
        ))
    };
    match step {
        Step::CreateIndex { index, .. } if !partitioned => Ok(Change::plain(
            backend.create_index_online(table, index)?,
            vec![backend.drop_index_online(index)?],
        )),
        Step::DropIndex { index, .. } if !partitioned => {
            let index = table
                .find_index(index)
                .ok_or_else(|| Unsupported(format!("no index `{index}` at this point")))?;
            Ok(Change::plain(
                vec![backend.drop_index_online(index)?],
                backend.create_index_online(table, index)?,
            ))
        }
        Step::CreateIndex { .. } | Step::DropIndex { .. } => {
            Err(refused("an index of a partitioned table"))
        }
        Step::CreateTable(_)
        | Step::DropTable { .. }
        | Step::RenameTable { .. }
        | Step::AddColumn { .. }
        | Step::DropColumn { .. }
        | Step::RenameColumn { .. }
        | Step::AlterColumn { .. }
        | Step::PartitionTable { .. } => Err(refused("this step")),
        Step::AddForeignKey { .. }
        | Step::DropForeignKey { .. }
        | Step::AddCheck { .. }
        | Step::DropCheck { .. } => {
            let constraint_step =
                ConstraintStep::of(state, step)?.ok_or_else(|| refused("this step"))?;
            if constraint_step.foreign_key_from_partitioned(backend, state) {
                return Err(refused("a foreign key of a partitioned table"));
            }
            let name = constraint_step.constraint.name();
            let sql = constraint_sql(backend, state, constraint_step.constraint)?;
            let drop = backend.drop_constraint_if_exists(table, name)?;
            let mut add = vec![drop.clone()];
            add.extend(backend.add_constraint_not_valid(table, &sql, name)?);
            Ok(if constraint_step.adds {
                Change::plain(add, vec![drop])
            } else {
                Change::plain(vec![drop], add)
            })
        }
    }
}

/// The constraint as `CREATE TABLE` writes it; a foreign key to a table this dialect
/// partitioned references its keys table instead, as partitioning redirected the others.
fn constraint_sql(
    backend: &dyn Backend,
    state: &SchemaState,
    constraint: Constraint,
) -> Result<String, Unsupported> {
    Ok(match constraint {
        Constraint::ForeignKey(fk)
            if backend.capabilities().monthly_partitions && state.is_partitioned(&fk.ref_table) =>
        {
            let target = state
                .table(&fk.ref_table)
                .ok_or_else(|| Unsupported(format!("no table `{}` at this point", fk.ref_table)))?;
            backend.foreign_key(&ForeignKeyDef {
                ref_table: backend.keys_table(target)?,
                ..fk.clone()
            })
        }
        Constraint::ForeignKey(fk) => backend.foreign_key(fk),
        Constraint::Check(check) => backend.check_constraint(check),
    })
}
