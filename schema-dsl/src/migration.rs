//! Migrations: ordered, tiered groups of schema steps with stable ids.

use crate::{Dialect, Table, TableDef};
use std::fmt;

/// A product tier. Each tier includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// The embedded single-node setup.
    Basic,
    /// Scheduling, workflows and alerting.
    Intermediate,
    /// Dead-letter queue and circuit breakers.
    Advanced,
}

impl Tier {
    /// Every tier, lowest first.
    pub const ALL: [Tier; 3] = [Tier::Basic, Tier::Intermediate, Tier::Advanced];

    /// The tier's name, as used in migration ids and directories.
    pub fn name(self) -> &'static str {
        match self {
            Tier::Basic => "basic",
            Tier::Intermediate => "intermediate",
            Tier::Advanced => "advanced",
        }
    }
}

/// Where a migration belongs: a tier every dialect applies, or one dialect's overlay,
/// applied after the top tier by that dialect only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    /// A tier shared by every dialect.
    Tier(Tier),
    /// Migrations for one dialect only.
    Overlay(Dialect),
}

impl Group {
    /// The group's name, the first part of a migration id.
    pub fn name(self) -> &'static str {
        match self {
            Group::Tier(tier) => tier.name(),
            Group::Overlay(dialect) => dialect.overlay_name(),
        }
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

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
    /// The tier or overlay the migration belongs to.
    pub group: Group,
    /// Its position in the group, from 1.
    pub seq: u32,
    /// A short snake_case description.
    pub name: String,
    /// What the migration does, in order.
    pub steps: Vec<Step>,
}

impl Migration {
    /// An empty migration.
    pub fn new(group: Group, seq: u32, name: impl Into<String>) -> Self {
        Migration {
            group,
            seq,
            name: name.into(),
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

    /// The stable id: `<group>/<seq:04>_<name>`, as the runner computes it from the file path.
    pub fn id(&self) -> String {
        format!("{}/{:04}_{}", self.group, self.seq, self.name)
    }

    /// Whether `dialect` applies this migration.
    pub fn applies_to(&self, dialect: Dialect) -> bool {
        match self.group {
            Group::Tier(_) => true,
            Group::Overlay(only) => only == dialect,
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_design_documents_runner() {
        let basic = Migration::new(Group::Tier(Tier::Basic), 1, "source_configs");
        assert_eq!(basic.id(), "basic/0001_source_configs");
        let overlay = Migration::new(Group::Overlay(Dialect::Postgres), 1, "pg_optimizations");
        assert_eq!(overlay.id(), "pg/0001_pg_optimizations");
    }

    #[test]
    fn overlays_apply_to_their_dialect_only() {
        let overlay = Migration::new(Group::Overlay(Dialect::Postgres), 1, "x");
        assert!(overlay.applies_to(Dialect::Postgres));
        assert!(!overlay.applies_to(Dialect::Sqlite));
        let tier = Migration::new(Group::Tier(Tier::Advanced), 1, "x");
        assert!(Dialect::ALL.iter().all(|d| tier.applies_to(*d)));
    }

    #[test]
    fn tiers_are_ordered() {
        assert!(Tier::Basic < Tier::Intermediate && Tier::Intermediate < Tier::Advanced);
        assert!(Group::Tier(Tier::Advanced) < Group::Overlay(Dialect::Sqlite));
    }
}
