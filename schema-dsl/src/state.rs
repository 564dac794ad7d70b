//! The schema as a sequence of steps leaves it: what every renderer reads a step against, so
//! that a step and its reverse are rendered from the state before it, never from today's
//! structs.

use crate::alter::check_altered_column;
use crate::validate::StepError;
use crate::{AlterOptions, ColumnDef, ForeignKeyDef, Step, TableDef};
use migration_layout::MigrationId;
use std::collections::{BTreeSet, HashMap};

/// The tables, in creation order, after some prefix of the migrations.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SchemaState {
    tables: Vec<TableDef>,
    positions: HashMap<String, usize>,
    index_tables: HashMap<String, String>,
    partitioned: BTreeSet<String>,
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

    /// The foreign keys of other tables (and of `table` itself) that reference `table`.
    pub fn referencing(&self, table: &str) -> Vec<(&TableDef, &ForeignKeyDef)> {
        self.tables
            .iter()
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
        }
        Ok(())
    }

    /// The table `name`, which the caller found.
    fn table_mut(&mut self, name: &str) -> &mut TableDef {
        let at = self.positions[name];
        &mut self.tables[at]
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
