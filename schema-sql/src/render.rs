//! Migrations rendered as up and down files for one dialect.

use crate::backend::{Backend, Referencing, Unsupported};
use migration_layout::{Dialect, Direction, MigrationFile, directive, release_order};
use schema_dsl::{
    ColumnDef, DefaultValue, IndexDef, IndexMethod, Migration, SchemaState, Step, TableDef,
};
use std::path::PathBuf;

/// One generated file: where it goes under the output root, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// `<dialect>/<group>/<seq>_<name>.<up|down>.sql`, relative to the output root.
    pub path: PathBuf,
    /// The file's full text, header included.
    pub contents: String,
}

/// One step's statements and their reverse, rendered side by side from the schema state
/// before the step.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    /// What applies the step.
    pub up: Vec<String>,
    /// What reverts it, run in this order.
    pub down: Vec<String>,
    /// Whether `up` must run with foreign keys off (it rebuilds a SQLite table).
    pub up_foreign_keys_off: bool,
    /// Whether `down` must run with foreign keys off (it rebuilds a SQLite table).
    pub down_foreign_keys_off: bool,
    /// Lines both files' headers carry for the reviewer (without the `-- `): the data a
    /// step loses, as acknowledged, and what its reverse cannot give back.
    pub notes: Vec<String>,
}

impl Change {
    /// A change without rebuilds or notes.
    fn plain(up: Vec<String>, down: Vec<String>) -> Self {
        Change {
            up,
            down,
            ..Change::default()
        }
    }
}

/// The change `step` makes to `state` (the state before it), in `backend`'s dialect; the
/// step passed validation and the rules (`rules::check`).
pub fn render_step(
    backend: &dyn Backend,
    state: &SchemaState,
    step: &Step,
) -> Result<Change, Unsupported> {
    let capabilities = backend.capabilities();
    let table = || {
        state
            .table(step.table_name())
            .ok_or_else(|| Unsupported(format!("no table `{}` at this point", step.table_name())))
    };
    Ok(match step {
        Step::CreateTable(table) => Change::plain(
            create_table_with_indexes(backend, table)?,
            drop_table_with_indexes(backend, table, false)?,
        ),
        Step::CreateIndex { index, .. } if capabilities.supports_index_method(index.method) => {
            let table = table()?;
            Change::plain(
                vec![backend.create_index(table, index)],
                vec![backend.drop_index(table, index)],
            )
        }
        Step::CreateIndex { .. } => Change::default(),
        Step::PartitionTable { .. } if capabilities.monthly_partitions => {
            let table = table()?;
            let referencing: Vec<Referencing> = state
                .referencing(&table.name)
                .into_iter()
                .map(|(table, foreign_key)| Referencing { table, foreign_key })
                .collect();
            Change::plain(
                backend.partition_table(table, &referencing)?,
                backend.unpartition_table(table, &referencing)?,
            )
        }
        Step::PartitionTable { .. } => Change::default(),
        Step::DropIndex { index, .. } => {
            let table = table()?;
            let index = table
                .find_index(index)
                .ok_or_else(|| Unsupported(format!("no index `{index}` at this point")))?;
            if capabilities.supports_index_method(index.method) {
                Change::plain(
                    vec![backend.drop_index(table, index)],
                    vec![backend.create_index(table, index)],
                )
            } else {
                Change::default()
            }
        }
        Step::DropTable { ack, .. } => {
            let table = table()?;
            let partitioned = capabilities.monthly_partitions && state.is_partitioned(&table.name);
            let mut down = create_table_with_indexes(backend, table)?;
            if partitioned {
                down.extend(backend.partition_table(table, &[])?);
            }
            Change {
                up: drop_table_with_indexes(backend, table, partitioned)?,
                down,
                notes: vec![format!(
                    "acknowledged data loss: drop table {}: {}",
                    table.name, ack.reason
                )],
                ..Change::default()
            }
        }
        Step::RenameTable { from, to } => {
            let table = table()?;
            let renamed = TableDef {
                name: to.clone(),
                ..table.clone()
            };
            Change::plain(
                backend.rename_table(table, to),
                backend.rename_table(&renamed, from),
            )
        }
        Step::RenameColumn { from, to, .. } => {
            let table = table()?;
            Change::plain(
                vec![backend.rename_column(table, from, to)],
                vec![backend.rename_column(table, to, from)],
            )
        }
        Step::AlterColumn {
            column, backfill, ..
        } => alter::alter_column(backend, table()?, column, backfill.as_ref())?,
        Step::AddColumn {
            column, backfill, ..
        } => {
            let table = table()?;
            let mut after = table.clone();
            after.columns.push(column.clone());
            let (up, up_foreign_keys_off) =
                add_column(backend, table, &after, column, backfill.as_ref(), None)?;
            Change {
                up,
                down: backend.drop_column(&after, &column.name),
                up_foreign_keys_off,
                ..Change::default()
            }
        }
        Step::DropColumn { column, ack, .. } => {
            let table = table()?;
            let dropped = table
                .find_column(column)
                .ok_or_else(|| Unsupported(format!("no column `{column}` at this point")))?;
            let mut after = table.clone();
            after.columns.retain(|c| c.name != *column);
            let mut notes = vec![format!(
                "acknowledged data loss: drop column {column} of {}: {}",
                table.name, ack.reason
            )];
            let placeholder = (!dropped.nullable && dropped.default.is_none())
                .then(|| backend.placeholder(dropped.ty));
            if let Some(placeholder) = &placeholder {
                notes.push(format!(
                    "the down file gives existing rows {placeholder} in column {column} of {} (NOT NULL, its values are gone)",
                    table.name
                ));
            }
            let (down, down_foreign_keys_off) =
                add_column(backend, &after, table, dropped, None, placeholder)?;
            Change {
                up: backend.drop_column(table, column),
                down,
                up_foreign_keys_off: false,
                down_foreign_keys_off,
                notes,
            }
        }
        Step::AddForeignKey { .. }
        | Step::DropForeignKey { .. }
        | Step::AddCheck { .. }
        | Step::DropCheck { .. } => constraints::change(backend, state, step)?,
    })
}

/// `CREATE TABLE` and its B-tree indexes, which every dialect builds.
fn create_table_with_indexes(
    backend: &dyn Backend,
    table: &TableDef,
) -> Result<Vec<String>, Unsupported> {
    let mut sql = vec![backend.create_table(table)?];
    sql.extend(b_tree_indexes(table).map(|i| backend.create_index(table, i)));
    Ok(sql)
}

/// The B-tree indexes of `table`.
fn b_tree_indexes(table: &TableDef) -> impl Iterator<Item = &IndexDef> {
    table
        .indexes
        .iter()
        .filter(|index| index.method == IndexMethod::BTree)
}

/// The B-tree indexes of `table`, newest first, then the table (with what its partitioning
/// made, when `partitioned`); the table takes any other index with it.
fn drop_table_with_indexes(
    backend: &dyn Backend,
    table: &TableDef,
    partitioned: bool,
) -> Result<Vec<String>, Unsupported> {
    let indexes: Vec<&IndexDef> = b_tree_indexes(table).collect();
    let mut sql: Vec<String> = indexes
        .iter()
        .rev()
        .map(|index| backend.drop_index(table, index))
        .collect();
    if partitioned {
        sql.extend(backend.drop_partitioned_table(table)?);
    } else {
        sql.push(backend.drop_table(table));
    }
    Ok(sql)
}

/// Adds `column` to `table` (the state before), giving `after`: existing rows get `backfill`,
/// else `placeholder` (an SQL expression) when the column is NOT NULL without a default,
/// else the column's default, else NULL. SQLite, which cannot drop a default, rebuilds the
/// table where `ADD COLUMN` cannot give the rows their value or put the column where `after`
/// has it: the flag says so.
fn add_column(
    backend: &dyn Backend,
    table: &TableDef,
    after: &TableDef,
    column: &ColumnDef,
    backfill: Option<&DefaultValue>,
    placeholder: Option<String>,
) -> Result<(Vec<String>, bool), Unsupported> {
    let capabilities = backend.capabilities();
    let backfill = backfill.map(|value| backend.value_expression(value));
    let declared_default = column
        .default
        .as_ref()
        .and_then(|default| backend.default_value(default));
    let last = after
        .columns
        .last()
        .is_some_and(|last| last.name == column.name);
    let needs_fill = !column.nullable && declared_default.is_none();
    if capabilities.temporary_default.is_none() && (needs_fill || !last) {
        // Rows get the backfill, else the default (the application's, where the dialect
        // writes none), else the placeholder, else NULL.
        let fill = backfill
            .or_else(|| {
                column
                    .default
                    .as_ref()
                    .map(|default| backend.value_expression(default))
            })
            .or(placeholder)
            .unwrap_or_else(|| "NULL".to_string());
        return Ok((
            rebuild_table(backend, after, &[(column.name.as_str(), fill)])?,
            true,
        ));
    }
    if needs_fill && let Some(fill) = backfill.clone().or(placeholder) {
        let filled = backend
            .add_column_filled(table, column, &fill)?
            .ok_or_else(|| Unsupported("this dialect cannot drop a default".to_string()))?;
        return Ok((filled, false));
    }
    let mut sql = backend.add_column(table, column)?;
    if let Some(fill) = backfill {
        sql.push(format!(
            "UPDATE {} SET {} = {fill};",
            backend.identifier(&table.name),
            backend.identifier(&column.name)
        ));
    }
    Ok((sql, false))
}

/// SQLite's table rebuild (ALTER TABLE, "Making Other Kinds Of Table Schema Changes"): the
/// table is created as `after` under `<table>_new`, the rows copied (the columns in `fills`
/// get their expression), the old table dropped and the new one renamed, which SQLite 3.26+
/// leaves the other tables' foreign keys naming the table; then its indexes are built again
/// and the AUTOINCREMENT sequence kept. It must run with foreign keys off
/// ([`directive::FOREIGN_KEYS_OFF`]: a SQLite rebuild drops the table, which with foreign
/// keys on would cascade into the tables that reference it).
fn rebuild_table(
    backend: &dyn Backend,
    after: &TableDef,
    fills: &[(&str, String)],
) -> Result<Vec<String>, Unsupported> {
    let name = backend.identifier(&after.name);
    let new_name = format!("{}_new", after.name);
    let new_table = TableDef {
        name: new_name.clone(),
        ..after.clone()
    };
    let new_name = backend.identifier(&new_name);
    let columns: Vec<String> = after.columns.iter().map(|c| c.name.clone()).collect();
    let sources: Vec<String> = after
        .columns
        .iter()
        .map(|c| {
            fills
                .iter()
                .find(|(filled, _)| *filled == c.name)
                .map_or_else(|| backend.identifier(&c.name), |(_, fill)| fill.clone())
        })
        .collect();
    let mut sql = vec![
        backend.create_table(&new_table)?,
        format!(
            "INSERT INTO {new_name} ({}) SELECT {} FROM {name};",
            backend.identifier_list(&columns),
            sources.join(", ")
        ),
    ];
    if after.columns.iter().any(|c| c.auto_increment) {
        sql.push(format!(
            "DELETE FROM sqlite_sequence WHERE name = '{new_name}';"
        ));
        sql.push(format!(
            "INSERT INTO sqlite_sequence (name, seq) SELECT '{new_name}', seq FROM sqlite_sequence WHERE name = '{name}';"
        ));
    }
    sql.push(backend.drop_table(after));
    sql.push(format!("ALTER TABLE {new_name} RENAME TO {name};"));
    sql.extend(b_tree_indexes(after).map(|i| backend.create_index(after, i)));
    Ok(sql)
}

/// The up and down files of `migration`, rendered step by step from `state`, the state the
/// migrations before it leave, which it then advances past `migration`.
pub fn render_migration(
    backend: &dyn Backend,
    state: &mut SchemaState,
    migration: &Migration,
) -> Result<[GeneratedFile; 2], Unsupported> {
    let mut up = Vec::new();
    let mut down = Vec::new();
    let mut notes = Vec::new();
    let (mut up_foreign_keys_off, mut down_foreign_keys_off) = (false, false);
    let online = migration.online && backend.capabilities().lock_safe_ddl;
    for step in &migration.steps {
        let change = if online {
            constraints::online_change(backend, state, step)?
        } else {
            render_step(backend, state, step)?
        };
        up.extend(change.up);
        down.push(change.down);
        notes.extend(change.notes);
        up_foreign_keys_off |= change.up_foreign_keys_off;
        down_foreign_keys_off |= change.down_foreign_keys_off;
        state
            .apply(&migration.id, step)
            .map_err(|error| Unsupported(error.to_string()))?;
    }
    down.reverse();
    let down: Vec<String> = down.into_iter().flatten().collect();

    let notes: String = notes.iter().map(|note| format!("-- {note}\n")).collect();
    let file = |direction: Direction, statements: Vec<String>| {
        let foreign_keys_off = match direction {
            Direction::Up => up_foreign_keys_off,
            Direction::Down => down_foreign_keys_off,
        };
        let directive_line: String = [
            (foreign_keys_off, directive::FOREIGN_KEYS_OFF),
            (online, directive::NO_TRANSACTION),
        ]
        .iter()
        .filter(|(applies, _)| *applies)
        .map(|(_, directive)| format!("{directive}\n"))
        .collect();
        GeneratedFile {
            path: PathBuf::from(
                MigrationFile {
                    dialect: backend.dialect(),
                    id: migration.id.clone(),
                    direction,
                }
                .path(),
            ),
            contents: format!(
                "-- @generated by codegen from schema-defs: do not edit; change the declarations and run `cargo run -p codegen`.\n\
             -- migration: {} ({}), dialect: {}\n{directive_line}{notes}\n{}\n",
                migration.id,
                direction.name(),
                backend.dialect(),
                statements.join("\n\n"),
            ),
        }
    };
    Ok([file(Direction::Up, up), file(Direction::Down, down)])
}

/// The release-order manifest of `dialect` (`<dialect>/release-order.txt`) listing `entries`
/// ([`schema_dsl::Schema::release_order`]).
pub fn release_order_file(
    dialect: Dialect,
    entries: impl IntoIterator<Item = release_order::Entry>,
) -> GeneratedFile {
    GeneratedFile {
        path: PathBuf::from(release_order::path(dialect)),
        contents: release_order::render(dialect, entries),
    }
}

mod alter;
mod constraints;

#[cfg(test)]
mod tests;
