//! The schema as a sequence of steps leaves it: what every renderer reads a step against, so
//! that a step and its reverse are rendered from the state before it, never from today's
//! structs.

use crate::alter::check_altered_column;
use crate::validate::StepError;
use crate::{AlterOptions, CheckDef, ColumnDef, ForeignKeyAction, ForeignKeyDef, Step, TableDef};
use migration_layout::MigrationId;
use std::collections::{BTreeSet, HashMap};

/// The tables, in creation order, after some prefix of the migrations.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SchemaState {
    tables: Vec<TableDef>,
    positions: HashMap<String, usize>,
    index_tables: HashMap<String, String>,
    partitioned: BTreeSet<String>,
    /// For each referenced table, the tables with a foreign key to it: what makes
    /// [`SchemaState::referencing`] independent of the number of tables.
    referrers: HashMap<String, BTreeSet<String>>,
}

impl SchemaState {
    /// The table named `name`.
    pub fn table(&self, name: &str) -> Option<&TableDef> {
        self.positions.get(name).map(|&at| &self.tables[at])
    }

    /// Every table, in creation order.
    pub fn tables(&self) -> impl Iterator<Item = &TableDef> {
        self.tables.iter()
    }

    /// The table holding the index named `index` (index names are schema-wide).
    pub fn index_table(&self, index: &str) -> Option<&str> {
        self.index_tables.get(index).map(String::as_str)
    }

    /// Whether a step partitioned `table` (in the dialects that partition).
    pub fn is_partitioned(&self, table: &str) -> bool {
        self.partitioned.contains(table)
    }

    /// The foreign keys of other tables (and of `table` itself) that reference `table`, the
    /// tables in creation order.
    pub fn referencing(&self, table: &str) -> Vec<(&TableDef, &ForeignKeyDef)> {
        let mut from: Vec<usize> = self
            .referrers
            .get(table)
            .into_iter()
            .flatten()
            .filter_map(|name| self.positions.get(name).copied())
            .collect();
        from.sort_unstable();
        from.into_iter()
            .map(|at| &self.tables[at])
            .flat_map(|from| {
                from.foreign_keys
                    .iter()
                    .filter(|fk| fk.ref_table == table)
                    .map(move |fk| (from, fk))
            })
            .collect()
    }

    /// Applies `step` of `migration`, or explains why it does not fit this state (which then
    /// stays as it was).
    pub fn apply(&mut self, migration: &MigrationId, step: &Step) -> Result<(), StepError> {
        let id = || migration.to_string();
        let table_name = step.table_name().to_string();
        let unknown_table = || StepError::UnknownTable {
            migration: id(),
            table: table_name.clone(),
        };
        let unknown_column = |column: &str| StepError::UnknownColumn {
            migration: id(),
            table: table_name.clone(),
            column: column.to_string(),
        };
        let in_use = |column: &str, by: String| StepError::ColumnInUse {
            migration: id(),
            table: table_name.clone(),
            column: column.to_string(),
            by,
        };
        match step {
            Step::CreateTable(table) => {
                if self.table(&table.name).is_some() {
                    return Err(StepError::TableExists {
                        migration: id(),
                        table: table.name.clone(),
                    });
                }
                self.positions.insert(table.name.clone(), self.tables.len());
                for index in &table.indexes {
                    self.index_tables
                        .insert(index.name.clone(), table.name.clone());
                }
                for fk in &table.foreign_keys {
                    self.link(&table.name, &fk.ref_table);
                }
                self.tables.push(table.clone());
            }
            Step::DropTable { table, .. } => {
                self.table(table).ok_or_else(unknown_table)?;
                if let Some((from, fk)) = self
                    .referencing(table)
                    .into_iter()
                    .find(|(from, _)| from.name != *table)
                {
                    return Err(StepError::TableReferenced {
                        migration: id(),
                        table: table.clone(),
                        by: format!("{}.{}", from.name, fk.name),
                    });
                }
                self.tables.retain(|t| t.name != *table);
                self.partitioned.remove(table);
                self.index_tables.retain(|_, owner| owner != table);
                self.reindex();
                self.relink();
            }
            Step::RenameTable { from, to } => {
                self.table(from).ok_or_else(unknown_table)?;
                if self.table(to).is_some() {
                    return Err(StepError::TableExists {
                        migration: id(),
                        table: to.clone(),
                    });
                }
                for table in &mut self.tables {
                    if table.name == *from {
                        table.name.clone_from(to);
                    }
                    for fk in &mut table.foreign_keys {
                        if fk.ref_table == *from {
                            fk.ref_table.clone_from(to);
                        }
                    }
                }
                if self.partitioned.remove(from) {
                    self.partitioned.insert(to.clone());
                }
                if let Some(at) = self.positions.remove(from) {
                    self.positions.insert(to.clone(), at);
                }
                for owner in self.index_tables.values_mut() {
                    if owner == from {
                        owner.clone_from(to);
                    }
                }
                self.relink();
            }
            Step::AddColumn {
                table,
                column,
                backfill,
            } => {
                let current = self.table(table).ok_or_else(unknown_table)?;
                if current.find_column(&column.name).is_some() {
                    return Err(StepError::ColumnExists {
                        migration: id(),
                        table: table.clone(),
                        column: column.name.clone(),
                    });
                }
                check_added_column(&id(), table, column, backfill.as_ref())?;
                self.table_mut(table).columns.push(column.clone());
            }
            Step::DropColumn { table, column, .. } => {
                let current = self.table(table).ok_or_else(unknown_table)?;
                let dropped = current
                    .find_column(column)
                    .ok_or_else(|| unknown_column(column))?;
                if dropped.primary_key {
                    return Err(in_use(column, "the primary key".to_string()));
                }
                if dropped.unique {
                    return Err(in_use(column, "its UNIQUE constraint".to_string()));
                }
                if let Some(index) = current.indexes.iter().find(|i| i.columns.contains(column)) {
                    return Err(in_use(
                        column,
                        format!("index `{}` (a `drop_index` step first)", index.name),
                    ));
                }
                if let Some(fk) = current
                    .foreign_keys
                    .iter()
                    .find(|f| f.columns.contains(column))
                {
                    return Err(in_use(column, format!("foreign key `{}`", fk.name)));
                }
                if let Some((from, fk)) = self
                    .referencing(table)
                    .into_iter()
                    .find(|(_, fk)| fk.ref_columns.contains(column))
                {
                    return Err(in_use(
                        column,
                        format!("foreign key `{}` of table `{}`", fk.name, from.name),
                    ));
                }
                if current
                    .partitioning
                    .as_ref()
                    .is_some_and(|p| p.column == *column)
                {
                    return Err(in_use(column, "the partition key".to_string()));
                }
                if let Some(check) = current.checks.iter().find(|c| c.column == *column) {
                    return Err(in_use(
                        column,
                        format!("CHECK `{}` (a `drop_check` step first)", check.name),
                    ));
                }
                self.table_mut(table).columns.retain(|c| c.name != *column);
            }
            Step::RenameColumn { table, from, to } => {
                let current = self.table(table).ok_or_else(unknown_table)?;
                current
                    .find_column(from)
                    .ok_or_else(|| unknown_column(from))?;
                if current.find_column(to).is_some() {
                    return Err(StepError::ColumnExists {
                        migration: id(),
                        table: table.clone(),
                        column: to.clone(),
                    });
                }
                let rename = |name: &mut String| {
                    if name == from {
                        name.clone_from(to);
                    }
                };
                for other in &mut self.tables {
                    for fk in &mut other.foreign_keys {
                        if fk.ref_table == *table {
                            fk.ref_columns.iter_mut().for_each(rename);
                        }
                    }
                }
                let renamed = self.table_mut(table);
                renamed.columns.iter_mut().for_each(|c| rename(&mut c.name));
                for index in &mut renamed.indexes {
                    index.columns.iter_mut().for_each(rename);
                }
                for fk in &mut renamed.foreign_keys {
                    fk.columns.iter_mut().for_each(rename);
                }
                for check in &mut renamed.checks {
                    rename(&mut check.column);
                }
                if let Some(partitioning) = &mut renamed.partitioning {
                    rename(&mut partitioning.column);
                }
            }
            Step::AlterColumn {
                table,
                column,
                backfill,
                conversion,
                ack,
            } => {
                let current = self.table(table).ok_or_else(unknown_table)?;
                let before = current
                    .find_column(&column.name)
                    .ok_or_else(|| unknown_column(&column.name))?;
                let options = AlterOptions {
                    backfill: backfill.clone(),
                    conversion: *conversion,
                    ack: ack.clone(),
                };
                check_altered_column(&id(), current, before, column, &options)?;
                if let Some(altered) = self
                    .table_mut(table)
                    .columns
                    .iter_mut()
                    .find(|c| c.name == column.name)
                {
                    *altered = column.clone();
                }
            }
            Step::CreateIndex { table, index } => {
                let current = self.table(table).ok_or_else(unknown_table)?;
                if index.columns.is_empty() {
                    return Err(StepError::UnknownIndex {
                        migration: id(),
                        table: table.clone(),
                        index: index.name.clone(),
                    });
                }
                if let Some(column) = index
                    .columns
                    .iter()
                    .find(|c| current.find_column(c).is_none())
                {
                    return Err(unknown_column(column));
                }
                match self.index_table(&index.name) {
                    Some(owner)
                        if owner == table && current.find_index(&index.name) == Some(index) => {}
                    Some(owner) => {
                        return Err(StepError::IndexExists {
                            migration: id(),
                            table: table.clone(),
                            index: index.name.clone(),
                            other_table: owner.to_string(),
                        });
                    }
                    None => {
                        self.index_tables.insert(index.name.clone(), table.clone());
                        self.table_mut(table).indexes.push(index.clone());
                    }
                }
            }
            Step::DropIndex { table, index } => {
                let current = self.table(table).ok_or_else(unknown_table)?;
                if current.find_index(index).is_none() {
                    return Err(StepError::UnknownIndex {
                        migration: id(),
                        table: table.clone(),
                        index: index.clone(),
                    });
                }
                self.table_mut(table).indexes.retain(|i| i.name != *index);
                self.index_tables.remove(index);
            }
            Step::PartitionTable { table } => {
                let current = self.table(table).ok_or_else(unknown_table)?;
                if current.partitioning.is_none() {
                    return Err(StepError::NotPartitioned {
                        migration: id(),
                        table: table.clone(),
                    });
                }
                self.partitioned.insert(table.clone());
            }
            Step::AddForeignKey { table, foreign_key } => {
                let current = self.table(table).ok_or_else(unknown_table)?;
                let bad = |problem: String| StepError::BadForeignKey {
                    migration: id(),
                    table: table.clone(),
                    name: foreign_key.name.clone(),
                    problem,
                };
                if foreign_key.columns.is_empty() {
                    return Err(bad(format!(
                        "table `{table}` declares no foreign key `{}`",
                        foreign_key.name
                    )));
                }
                if constraint_named(current, &foreign_key.name) {
                    return Err(StepError::ConstraintExists {
                        migration: id(),
                        table: table.clone(),
                        name: foreign_key.name.clone(),
                    });
                }
                let target = self.table(&foreign_key.ref_table).ok_or_else(|| {
                    bad(format!(
                        "it references table `{}`, which does not exist at this point",
                        foreign_key.ref_table
                    ))
                })?;
                if let Some(problem) = foreign_key_problem(current, target, foreign_key) {
                    return Err(bad(problem));
                }
                self.table_mut(table).foreign_keys.push(foreign_key.clone());
                self.link(table, &foreign_key.ref_table);
            }
            Step::DropForeignKey { table, name } => {
                let current = self.table(table).ok_or_else(unknown_table)?;
                if current.find_foreign_key(name).is_none() {
                    return Err(StepError::UnknownConstraint {
                        migration: id(),
                        table: table.clone(),
                        kind: "foreign key",
                        name: name.clone(),
                    });
                }
                let changed = self.table_mut(table);
                changed.foreign_keys.retain(|fk| fk.name != *name);
                let still: BTreeSet<String> = changed
                    .foreign_keys
                    .iter()
                    .map(|fk| fk.ref_table.clone())
                    .collect();
                self.referrers.retain(|_, referrers| {
                    referrers.remove(table);
                    !referrers.is_empty()
                });
                for target in still {
                    self.link(table, &target);
                }
            }
            Step::AddCheck { table, check } => {
                let current = self.table(table).ok_or_else(unknown_table)?;
                if constraint_named(current, &check.name) {
                    return Err(StepError::ConstraintExists {
                        migration: id(),
                        table: table.clone(),
                        name: check.name.clone(),
                    });
                }
                if let Some(problem) = check_problem(current, check) {
                    return Err(StepError::BadCheck {
                        migration: id(),
                        table: table.clone(),
                        column: check.column.clone(),
                        name: check.name.clone(),
                        problem,
                    });
                }
                self.table_mut(table).checks.push(check.clone());
            }
            Step::DropCheck { table, name } => {
                let current = self.table(table).ok_or_else(unknown_table)?;
                if current.find_check(name).is_none() {
                    return Err(StepError::UnknownConstraint {
                        migration: id(),
                        table: table.clone(),
                        kind: "CHECK constraint",
                        name: name.clone(),
                    });
                }
                self.table_mut(table).checks.retain(|c| c.name != *name);
            }
        }
        Ok(())
    }

    /// The table `name`, which the caller found.
    fn table_mut(&mut self, name: &str) -> &mut TableDef {
        let at = self.positions[name];
        &mut self.tables[at]
    }

    /// Records that `from` has a foreign key to `to`.
    fn link(&mut self, from: &str, to: &str) {
        self.referrers
            .entry(to.to_string())
            .or_default()
            .insert(from.to_string());
    }

    /// Recomputes which tables reference which, after a table was removed or renamed.
    fn relink(&mut self) {
        self.referrers.clear();
        let links: Vec<(String, String)> = self
            .tables
            .iter()
            .flat_map(|from| {
                from.foreign_keys
                    .iter()
                    .map(move |fk| (from.name.clone(), fk.ref_table.clone()))
            })
            .collect();
        for (from, to) in links {
            self.link(&from, &to);
        }
    }

    /// Recomputes every table's position, after a table was removed.
    fn reindex(&mut self) {
        self.positions = self
            .tables
            .iter()
            .enumerate()
            .map(|(at, table)| (table.name.clone(), at))
            .collect();
    }
}

/// Why `column` cannot be added to the existing `table` as declared.
fn check_added_column(
    migration: &str,
    table: &str,
    column: &ColumnDef,
    backfill: Option<&crate::DefaultValue>,
) -> Result<(), StepError> {
    let error = |problem: &str| StepError::BadAddedColumn {
        migration: migration.to_string(),
        table: table.to_string(),
        column: column.name.clone(),
        problem: problem.to_string(),
    };
    if column.primary_key || column.unique || column.auto_increment {
        return Err(error(
            "a PRIMARY KEY, UNIQUE or auto-increment column cannot be added to a table that has rows",
        ));
    }
    if let Some(value) = backfill
        && !value.fits(column.ty)
    {
        return Err(error(&format!(
            "the backfill value {value} does not fit type {}",
            column.ty
        )));
    }
    if !column.nullable && column.default.is_none() && backfill.is_none() {
        return Err(error(
            "a NOT NULL column without a default needs a value for the existing rows: \
             use `add_column_with(<Table>::COLUMNS.<column>, <value>)`",
        ));
    }
    Ok(())
}

/// Whether `table` has a foreign key or CHECK constraint named `name` (they share a
/// namespace per table).
fn constraint_named(table: &TableDef, name: &str) -> bool {
    table.find_foreign_key(name).is_some() || table.find_check(name).is_some()
}

/// Why `fk` of `table` cannot reference `target` (which is `table` itself for a
/// self-reference): its columns must exist, match the referenced ones in number and type,
/// and reference a key; SET NULL needs nullable columns.
pub(crate) fn foreign_key_problem(
    table: &TableDef,
    target: &TableDef,
    fk: &ForeignKeyDef,
) -> Option<String> {
    if fk.columns.len() != fk.ref_columns.len() {
        return Some(format!(
            "it has {} column(s) but references {}",
            fk.columns.len(),
            fk.ref_columns.len()
        ));
    }
    for (column_name, ref_name) in fk.columns.iter().zip(&fk.ref_columns) {
        let Some(column) = table.find_column(column_name) else {
            return Some(format!("column `{column_name}` does not exist"));
        };
        let Some(ref_column) = target.find_column(ref_name) else {
            return Some(format!(
                "it references `{}.{ref_name}`, which does not exist",
                target.name
            ));
        };
        if column.ty != ref_column.ty {
            return Some(format!(
                "column `{column_name}` ({}) references `{}.{ref_name}` of type {}",
                column.ty, target.name, ref_column.ty
            ));
        }
        let sets_null =
            fk.on_delete == ForeignKeyAction::SetNull || fk.on_update == ForeignKeyAction::SetNull;
        if sets_null && !column.nullable {
            return Some(format!(
                "it sets column `{column_name}` NULL, but the column is NOT NULL"
            ));
        }
    }
    (!target.is_key(&fk.ref_columns)).then(|| {
        format!(
            "it references `{}` ({}), which is neither its primary key nor UNIQUE",
            target.name,
            fk.ref_columns.join(", ")
        )
    })
}

/// Why `check` cannot hold on `table`: its column must exist and fit the condition.
pub(crate) fn check_problem(table: &TableDef, check: &CheckDef) -> Option<String> {
    match table.find_column(&check.column) {
        None => Some(format!(
            "table `{}` has no column `{}`",
            table.name, check.column
        )),
        Some(column) => check.condition.misfit(column.ty),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Acknowledgement, ColumnType, Group, Tier};

    fn fk(name: &str, to: &str) -> ForeignKeyDef {
        ForeignKeyDef {
            name: name.into(),
            columns: vec!["id".into()],
            ref_table: to.into(),
            ref_columns: vec!["id".into()],
            on_delete: ForeignKeyAction::NoAction,
            on_update: ForeignKeyAction::NoAction,
        }
    }

    fn table(name: &str, fks: &[ForeignKeyDef]) -> TableDef {
        let mut table =
            TableDef::new(name).column(ColumnDef::new("id", ColumnType::Integer).primary_key());
        table.foreign_keys = fks.to_vec();
        table
    }

    /// Every foreign key to `to`, found by reading every table: what the index must give.
    fn scanned(state: &SchemaState, to: &str) -> Vec<(String, String)> {
        state
            .tables()
            .flat_map(|from| {
                from.foreign_keys
                    .iter()
                    .filter(|fk| fk.ref_table == to)
                    .map(|fk| (from.name.clone(), fk.name.clone()))
            })
            .collect()
    }

    /// The index of referencing tables follows every step that creates, renames or drops a
    /// table or a foreign key, self-references included, in creation order.
    #[test]
    fn referencing_follows_every_step_that_moves_a_foreign_key() {
        let id = MigrationId::new(Group::Tier(Tier::Basic), 1, "steps");
        let steps = [
            Step::CreateTable(table("a", &[])),
            Step::CreateTable(table("b", &[fk("fk_b_a", "a")])),
            Step::CreateTable(table("c", &[fk("fk_c_a", "a"), fk("fk_c_self", "c")])),
            Step::RenameTable {
                from: "a".into(),
                to: "z".into(),
            },
            Step::AddForeignKey {
                table: "b".into(),
                foreign_key: fk("fk_b_c", "c"),
            },
            Step::DropForeignKey {
                table: "c".into(),
                name: "fk_c_a".into(),
            },
            Step::RenameTable {
                from: "c".into(),
                to: "y".into(),
            },
            Step::DropForeignKey {
                table: "b".into(),
                name: "fk_b_c".into(),
            },
            Step::DropTable {
                table: "y".into(),
                ack: Acknowledgement::data_loss("test"),
            },
        ];
        let mut state = SchemaState::default();
        for step in &steps {
            state
                .apply(&id, step)
                .unwrap_or_else(|e| panic!("{step:?}: {e}"));
            for to in ["a", "b", "c", "y", "z"] {
                let indexed: Vec<(String, String)> = state
                    .referencing(to)
                    .into_iter()
                    .map(|(from, fk)| (from.name.clone(), fk.name.clone()))
                    .collect();
                assert_eq!(indexed, scanned(&state, to), "after {step:?}, to {to}");
            }
        }
        assert_eq!(
            state.referencing("z").len(),
            1,
            "b still references the renamed a"
        );
    }
}
