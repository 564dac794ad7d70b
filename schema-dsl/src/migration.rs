//! Migrations: ordered, tiered groups of schema steps with stable ids.

use crate::StepError;
use crate::{
    AlterOptions, CheckCondition, CheckDef, Column, ColumnDef, Conversion, DefaultValue,
    ForeignKeyAction, ForeignKeyDef, IndexDef, SchemaState, Table, TableDef,
};
use migration_layout::{Dialect, Group, MigrationId, Tier, release_order};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One change to the schema. Steps name tables and columns; what they hold comes from the
/// schema state before the step ([`crate::SchemaState`]), which replaying every earlier step
/// gives, so a released step renders the same SQL whatever the structs say today.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Create a table together with its B-tree indexes, which every dialect builds.
    CreateTable(TableDef),
    /// Drop a table and every row in it.
    DropTable {
        /// The table.
        table: String,
        /// Why losing its rows is intended.
        ack: Acknowledgement,
    },
    /// Rename a table; its rows, indexes and foreign keys stay.
    RenameTable {
        /// The current name.
        from: String,
        /// The new name.
        to: String,
    },
    /// Add a column. Existing rows get `backfill` (a NOT NULL column without a default
    /// needs one), else the column's default, else NULL.
    AddColumn {
        /// The table.
        table: String,
        /// The column, as declared.
        column: ColumnDef,
        /// The value existing rows get.
        backfill: Option<DefaultValue>,
    },
    /// Drop a column and every value in it.
    DropColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Why losing its values is intended.
        ack: Acknowledgement,
    },
    /// Rename a column; its values, and the indexes and keys over it, stay.
    RenameColumn {
        /// The table.
        table: String,
        /// The current name.
        from: String,
        /// The new name.
        to: String,
    },
    /// Change a column in place: its type (widened, narrowed or converted), its nullability
    /// or its default; its values stay, converted. A value that does not fit the new type
    /// stops the migration before anything changes.
    AlterColumn {
        /// The table.
        table: String,
        /// The column as it becomes (same name).
        column: ColumnDef,
        /// The value rows holding NULL get when the column becomes NOT NULL.
        backfill: Option<DefaultValue>,
        /// How values change type family; required for text ↔ integer.
        conversion: Option<Conversion>,
        /// Why a narrowing is intended; required for one.
        ack: Option<Acknowledgement>,
    },
    /// Build an index: a new one, or one the table declares but `CREATE TABLE` does not build
    /// (a method not every dialect has, such as GIN: a dialect without it skips the step).
    CreateIndex {
        /// The table.
        table: String,
        /// The index.
        index: IndexDef,
    },
    /// Drop an index.
    DropIndex {
        /// The table.
        table: String,
        /// The index's name.
        index: String,
    },
    /// Turn an existing table into its declared partitioning, keeping its rows; a dialect
    /// that cannot partition skips the step.
    PartitionTable {
        /// The table.
        table: String,
    },
    /// Add a foreign key to an existing table; its rows must satisfy it.
    AddForeignKey {
        /// The referencing table.
        table: String,
        /// The foreign key.
        foreign_key: ForeignKeyDef,
    },
    /// Drop a foreign key; the rows stay.
    DropForeignKey {
        /// The referencing table.
        table: String,
        /// The foreign key's name.
        name: String,
    },
    /// Add a CHECK constraint to an existing table; its rows must satisfy it.
    AddCheck {
        /// The table.
        table: String,
        /// The constraint.
        check: CheckDef,
    },
    /// Drop a CHECK constraint; the rows stay.
    DropCheck {
        /// The table.
        table: String,
        /// The constraint's name.
        name: String,
    },
}

impl Step {
    /// The name of the table the step works on (for a rename, its name before the step).
    pub fn table_name(&self) -> &str {
        match self {
            Step::CreateTable(table) => &table.name,
            Step::RenameTable { from, .. } => from,
            Step::DropTable { table, .. }
            | Step::AddColumn { table, .. }
            | Step::DropColumn { table, .. }
            | Step::RenameColumn { table, .. }
            | Step::AlterColumn { table, .. }
            | Step::CreateIndex { table, .. }
            | Step::DropIndex { table, .. }
            | Step::PartitionTable { table }
            | Step::AddForeignKey { table, .. }
            | Step::DropForeignKey { table, .. }
            | Step::AddCheck { table, .. }
            | Step::DropCheck { table, .. } => table,
        }
    }

    /// The acknowledgement of a step that loses data.
    pub fn acknowledgement(&self) -> Option<&Acknowledgement> {
        match self {
            Step::DropTable { ack, .. } | Step::DropColumn { ack, .. } => Some(ack),
            Step::AlterColumn { ack, .. } => ack.as_ref(),
            Step::CreateTable(_)
            | Step::RenameTable { .. }
            | Step::AddColumn { .. }
            | Step::RenameColumn { .. }
            | Step::CreateIndex { .. }
            | Step::DropIndex { .. }
            | Step::PartitionTable { .. }
            | Step::AddForeignKey { .. }
            | Step::DropForeignKey { .. }
            | Step::AddCheck { .. }
            | Step::DropCheck { .. } => None,
        }
    }
}

/// The declaration that a step's loss of data is intended, with the reason, which the
/// generated files' headers repeat for the reviewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    /// Why the data may go.
    pub reason: String,
}

impl Acknowledgement {
    /// Acknowledges that the step loses data, for `reason`.
    pub fn data_loss(reason: impl Into<String>) -> Self {
        Acknowledgement {
            reason: reason.into(),
        }
    }
}

/// A migration: an ordered list of steps with a stable id such as `basic/0001_source_configs`.
#[derive(Debug, Clone, PartialEq)]
pub struct Migration {
    /// The stable id: group, position in the group, short snake_case description.
    pub id: MigrationId,
    /// What the migration does, in order.
    pub steps: Vec<Step>,
    /// Whether the migration must not block writers ([`Migration::online`]).
    pub online: bool,
}

impl Migration {
    /// An empty migration.
    pub fn new(group: Group, seq: u32, name: impl Into<String>) -> Self {
        Migration {
            id: MigrationId::new(group, seq, name),
            steps: Vec::new(),
            online: false,
        }
    }

    /// Declares that the migration must not block writers: on PostgreSQL its files run
    /// outside a transaction, statement by statement, each step in a lock-safe, idempotent
    /// form that a retry after a failure completes (`CREATE INDEX CONCURRENTLY`, `NOT VALID`
    /// constraints validated apart). Validation refuses the steps that have no such form
    /// (creating, dropping or renaming tables and columns, partitioning): they go in a
    /// migration of their own. Other dialects apply it as usual, in one transaction.
    pub fn online(mut self) -> Self {
        self.online = true;
        self
    }

    /// Adds a step that creates the table `T` with its indexes.
    pub fn create_table<T: Table>(self) -> Self {
        self.step(Step::CreateTable(T::definition()))
    }

    /// Adds a step that builds the index `index` that table `T` declares. (An index `T` does
    /// not declare resolves to one without columns, which validation refuses.)
    pub fn create_index<T: Table>(self, index: &str) -> Self {
        let index = T::definition()
            .find_index(index)
            .cloned()
            .unwrap_or_else(|| IndexDef::new(index, &[]));
        self.step(Step::CreateIndex {
            table: T::NAME.to_string(),
            index,
        })
    }

    /// Adds a step that drops the index `index` of table `T`.
    pub fn drop_index<T: Table>(self, index: &str) -> Self {
        self.step(Step::DropIndex {
            table: T::NAME.to_string(),
            index: index.to_string(),
        })
    }

    /// Adds a step that adds the foreign key `name` that table `T` declares to the existing
    /// table. (A foreign key `T` does not declare resolves to one without columns, which
    /// validation refuses.)
    pub fn add_foreign_key<T: Table>(self, name: &str) -> Self {
        let foreign_key = T::definition()
            .find_foreign_key(name)
            .cloned()
            .unwrap_or_else(|| ForeignKeyDef {
                name: name.to_string(),
                columns: Vec::new(),
                ref_table: T::NAME.to_string(),
                ref_columns: Vec::new(),
                on_delete: ForeignKeyAction::NoAction,
                on_update: ForeignKeyAction::NoAction,
            });
        self.step(Step::AddForeignKey {
            table: T::NAME.to_string(),
            foreign_key,
        })
    }

    /// Adds a step that drops the foreign key `name` of table `T`.
    pub fn drop_foreign_key<T: Table>(self, name: &str) -> Self {
        self.step(Step::DropForeignKey {
            table: T::NAME.to_string(),
            name: name.to_string(),
        })
    }

    /// Adds a step that adds the CHECK constraint `name` that table `T` declares to the
    /// existing table. (A constraint `T` does not declare resolves to one on no column, which
    /// validation refuses.)
    pub fn add_check<T: Table>(self, name: &str) -> Self {
        let check = T::definition()
            .find_check(name)
            .cloned()
            .unwrap_or_else(|| CheckDef::new(name, "", CheckCondition::NotEmpty));
        self.step(Step::AddCheck {
            table: T::NAME.to_string(),
            check,
        })
    }

    /// Adds a step that drops the CHECK constraint `name` of table `T`.
    pub fn drop_check<T: Table>(self, name: &str) -> Self {
        self.step(Step::DropCheck {
            table: T::NAME.to_string(),
            name: name.to_string(),
        })
    }

    /// Adds a step that partitions the existing table `T` as it declares.
    pub fn partition_table<T: Table>(self) -> Self {
        self.step(Step::PartitionTable {
            table: T::NAME.to_string(),
        })
    }

    /// Adds a step that adds `column` of table `T`, as `T` declares it; existing rows get the
    /// column's default, or NULL.
    pub fn add_column<T: Table>(self, column: Column<T>) -> Self {
        self.add_column_step(column, None)
    }

    /// Adds a step that adds `column` of table `T`, as `T` declares it, giving existing rows
    /// `backfill` (a NOT NULL column without a default needs one).
    pub fn add_column_with<T: Table>(self, column: Column<T>, backfill: DefaultValue) -> Self {
        self.add_column_step(column, Some(backfill))
    }

    /// The handle comes from `T`'s derive, so `T` declares the column; were it not so, the step
    /// would add a NOT NULL text column without a default, which validation refuses.
    fn add_column_step<T: Table>(self, column: Column<T>, backfill: Option<DefaultValue>) -> Self {
        let definition = column.definition().unwrap_or_else(|| {
            ColumnDef::new(column.name(), crate::ColumnType::Text { max_len: None })
        });
        self.step(Step::AddColumn {
            table: T::NAME.to_string(),
            column: definition,
            backfill,
        })
    }

    /// Adds a step that drops the column `column` of table `T` and its values.
    pub fn drop_column<T: Table>(self, column: &str, ack: Acknowledgement) -> Self {
        self.step(Step::DropColumn {
            table: T::NAME.to_string(),
            column: column.to_string(),
            ack,
        })
    }

    /// Adds a step that renames the column `from` of table `T` to `to`, which `T` declares.
    pub fn rename_column<T: Table>(self, from: &str, to: Column<T>) -> Self {
        self.step(Step::RenameColumn {
            table: T::NAME.to_string(),
            from: from.to_string(),
            to: to.name().to_string(),
        })
    }

    /// Adds a step that changes `column` of table `T` in place to what `T` declares: a
    /// widening, or a change of default or to nullable.
    pub fn alter_column<T: Table>(self, column: Column<T>) -> Self {
        self.alter_column_with(column, AlterOptions::default())
    }

    /// Adds a step that changes `column` of table `T` in place to what `T` declares, with
    /// `options`: the backfill of a column made NOT NULL, the conversion of a change of type
    /// family, the acknowledgement of a narrowing.
    pub fn alter_column_with<T: Table>(self, column: Column<T>, options: AlterOptions) -> Self {
        // A handle from `T::COLUMNS` always has a definition; a hand-made one resolves to a
        // column the table does not have, which validation refuses.
        let definition = column.definition().unwrap_or_else(|| {
            ColumnDef::new(column.name(), crate::ColumnType::Text { max_len: None })
        });
        self.step(Step::AlterColumn {
            table: T::NAME.to_string(),
            column: definition,
            backfill: options.backfill,
            conversion: options.conversion,
            ack: options.ack,
        })
    }

    /// Adds a step that renames the table `from` to `T`'s name.
    pub fn rename_table<T: Table>(self, from: &str) -> Self {
        self.step(Step::RenameTable {
            from: from.to_string(),
            to: T::NAME.to_string(),
        })
    }

    /// Adds a step that drops the table `table` and its rows.
    pub fn drop_table(self, table: &str, ack: Acknowledgement) -> Self {
        self.step(Step::DropTable {
            table: table.to_string(),
            ack,
        })
    }

    /// Adds a step.
    pub fn step(mut self, step: Step) -> Self {
        self.steps.push(step);
        self
    }

    /// Whether `dialect` applies this migration.
    pub fn applies_to(&self, dialect: Dialect) -> bool {
        self.id.group.applies_to(dialect)
    }
}

/// The whole schema: every migration, in the order they are applied.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    /// Migrations in apply order: tiers lowest first, overlays last.
    pub migrations: Vec<Migration>,
}

impl Schema {
    /// A schema made of `migrations`, in apply order.
    pub fn new(migrations: Vec<Migration>) -> Self {
        Schema { migrations }
    }

    /// Each migration `dialect` applies, in release order (declaration order), with the lowest
    /// tier that includes it, as the release-order manifest lists it: a tier migration's own
    /// tier; an overlay's, the tier of the tables it changes, so that a database upgraded
    /// tier by tier applies it where a fresh one does (the top tier when it changes none).
    pub fn release_order(&self, dialect: Dialect) -> Vec<release_order::Entry> {
        self.migrations
            .iter()
            .zip(self.inclusion_tiers().0)
            .filter(|(migration, _)| migration.applies_to(dialect))
            .map(|(migration, tier)| release_order::Entry {
                id: migration.id.clone(),
                tier,
            })
            .collect()
    }

    /// The lowest tier that includes each migration, in order, and the steps that change a
    /// table of another tier than their migration's (a tier migration must change its own
    /// tier's tables only, and an overlay the tables of one tier: otherwise a database that
    /// gets the tiers one by one would apply them out of release order).
    pub(crate) fn inclusion_tiers(&self) -> (Vec<Tier>, Vec<StepError>) {
        let mut table_tiers: HashMap<String, Tier> = HashMap::new();
        let mut tiers = Vec::with_capacity(self.migrations.len());
        let mut errors = Vec::new();
        for migration in &self.migrations {
            let own = match migration.id.group {
                Group::Tier(tier) => Some(tier),
                Group::Overlay(_) => None,
            };
            let mut touched: Option<Tier> = None;
            for step in &migration.steps {
                match step {
                    Step::CreateTable(table) => {
                        table_tiers.insert(table.name.clone(), migration.id.group.default_tier());
                        continue;
                    }
                    Step::RenameTable { from, to } => {
                        if let Some(tier) = table_tiers.remove(from) {
                            table_tiers.insert(to.clone(), tier);
                        }
                    }
                    _ => {}
                }
                let name = match step {
                    Step::RenameTable { to, .. } => to.as_str(),
                    _ => step.table_name(),
                };
                let Some(&tier) = table_tiers.get(name) else {
                    continue;
                };
                let expected = own.or(touched).unwrap_or(tier);
                if tier != expected {
                    errors.push(StepError::OtherTiersTable {
                        migration: migration.id.to_string(),
                        table: name.to_string(),
                        tier: tier.name().to_string(),
                        expected: expected.name().to_string(),
                    });
                }
                touched.get_or_insert(tier);
            }
            tiers.push(own.or(touched).unwrap_or(migration.id.group.default_tier()));
        }
        (tiers, errors)
    }

    /// The state the migrations `dialect` applies leave (every migration's, for `None`).
    /// Steps that do not fit are skipped: [`Schema::validate`] reports them.
    pub fn final_state(&self, dialect: Option<Dialect>) -> SchemaState {
        let mut state = SchemaState::default();
        for migration in &self.migrations {
            if dialect.is_none_or(|dialect| migration.applies_to(dialect)) {
                for step in &migration.steps {
                    let _skipped = state.apply(&migration.id, step);
                }
            }
        }
        state
    }

    /// The migrations `dialect` applies, in order.
    pub fn migrations_for(&self, dialect: Dialect) -> impl Iterator<Item = &Migration> {
        self.migrations
            .iter()
            .filter(move |migration| migration.applies_to(dialect))
    }
}
