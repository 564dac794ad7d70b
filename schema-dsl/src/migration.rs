//! Migrations: ordered, tiered groups of schema steps with stable ids.

use crate::{Table, TableDef};
use migration_layout::{Dialect, Group, MigrationId};

/// One change to the schema.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Create a table together with its B-tree indexes, which every dialect builds.
    CreateTable(TableDef),
    /// Create one declared index of a method not every dialect has (GIN); a dialect without
    /// the method skips the step.
    CreateIndex {
        /// The table, as declared.
        table: TableDef,
        /// The name of one of its declared indexes.
        index: String,
    },
    /// Turn an existing table into its declared partitioning, keeping its rows; a dialect
    /// that cannot partition skips the step.
    PartitionTable(TableDef),
}

impl Step {
    /// The table the step works on.
    pub fn table(&self) -> &TableDef {
        match self {
            Step::CreateTable(table)
            | Step::CreateIndex { table, .. }
            | Step::PartitionTable(table) => table,
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
}

impl Migration {
    /// An empty migration.
    pub fn new(group: Group, seq: u32, name: impl Into<String>) -> Self {
        Migration {
            id: MigrationId::new(group, seq, name),
            steps: Vec::new(),
        }
    }

    /// Adds a step that creates the table `T` with its indexes.
    pub fn create_table<T: Table>(self) -> Self {
        self.step(Step::CreateTable(T::definition()))
    }

    /// Adds a step that creates the declared index `index` of table `T`.
    pub fn create_index<T: Table>(self, index: &str) -> Self {
        self.step(Step::CreateIndex {
            table: T::definition(),
            index: index.to_string(),
        })
    }

    /// Adds a step that partitions the existing table `T` as it declares.
    pub fn partition_table<T: Table>(self) -> Self {
        self.step(Step::PartitionTable(T::definition()))
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

    /// The tables this migration creates.
    pub fn created_tables(&self) -> impl Iterator<Item = &TableDef> {
        self.steps.iter().filter_map(|step| match step {
            Step::CreateTable(table) => Some(table),
            Step::CreateIndex { .. } | Step::PartitionTable(_) => None,
        })
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

    /// Every table the schema creates, in creation order.
    pub fn tables(&self) -> impl Iterator<Item = &TableDef> {
        self.migrations.iter().flat_map(Migration::created_tables)
    }

    /// The migrations `dialect` applies, in order.
    pub fn migrations_for(&self, dialect: Dialect) -> impl Iterator<Item = &Migration> {
        self.migrations
            .iter()
            .filter(move |migration| migration.applies_to(dialect))
    }
}
