//! The shape of a database schema as its catalog reports it, and the ONE comparator between a
//! live shape and the expected one.
//!
//! - [`SchemaShape`] / [`TableShape`]: tables, columns (type as the dialect stores it,
//!   nullability, default), primary key, UNIQUE constraints, foreign keys with their actions,
//!   secondary indexes (columns, uniqueness, method), CHECK constraints, partitioning and
//!   triggers, every name and spelling as the engine reports it.
//! - [`SchemaShape::differences`]: every way a live shape differs from the expected one, one
//!   line each naming the table and the object (`table `t`, index `i`: on (a), expected on
//!   (b)`); empty when equal. `migrate drift`, `migrate up`'s adoption check and the test
//!   suites' "introspects equal to the declarations" checks all use it.
//! - [`catalog`]: the catalog queries of SQLite (PRAGMAs), PostgreSQL (`pg_catalog`) and Db2
//!   (`SYSCAT`), over any driver that returns rows as text.
//! - [`ShapesFile`]: `<dialect>/shapes.json`, the shapes each migration leaves its tables in,
//!   written by codegen and folded by the runner over the applied migrations.
//!
//! No driver, no model: schema-sql produces expected shapes, migrate and the tests read live
//! ones.

pub mod catalog;
mod compare;
mod file;

pub use file::{MigrationShapes, ShapesError, ShapesFile};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Every table of a schema, by name as the engine spells it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SchemaShape {
    /// Tables by name.
    pub tables: BTreeMap<String, TableShape>,
}

/// One table as the catalog describes it. Lists other than `columns` and `primary_key` are
/// unordered: [`TableShape::sort`] puts them in their canonical order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableShape {
    /// Columns in their physical order.
    pub columns: Vec<ColumnShape>,
    /// Primary-key columns in key order (empty when there is none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub primary_key: Vec<String>,
    /// UNIQUE constraints, each its columns in key order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unique: Vec<Vec<String>>,
    /// Foreign keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKeyShape>,
    /// Secondary indexes (those that back no constraint).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<IndexShape>,
    /// Named CHECK constraints' conditions as the catalog reports them (PostgreSQL's
    /// `pg_get_constraintdef`, Db2's and SQLite's text as written), and Db2's column CHECKs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<String>,
    /// The partition key as the engine prints it (`RANGE (created_at)`), if partitioned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_key: Option<String>,
    /// The table's partitions that the schema manages (the DEFAULT one), by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partitions: Vec<String>,
    /// The prefix of the partitions routine maintenance creates (`workflow_runs_`, followed
    /// by `YYYY_MM`): such partitions are not drift, whichever months exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintained_partitions: Option<String>,
    /// Triggers on the table, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<String>,
}

/// One column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnShape {
    /// Column name.
    pub name: String,
    /// The type as the engine reports it (`TEXT`, `character varying(50)`, `VARCHAR(50)`).
    #[serde(rename = "type")]
    pub data_type: String,
    /// Whether the column is NOT NULL.
    pub not_null: bool,
    /// The default expression as the engine reports it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

/// One foreign key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForeignKeyShape {
    /// Constraint name, where the engine keeps one (not SQLite).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Referencing columns, in key order.
    pub columns: Vec<String>,
    /// Referenced table.
    pub ref_table: String,
    /// Referenced columns, in key order.
    pub ref_columns: Vec<String>,
    /// `ON DELETE` action: `NO ACTION`, `RESTRICT`, `CASCADE`, `SET NULL` or `SET DEFAULT`.
    pub on_delete: String,
    /// `ON UPDATE` action, spelled as `on_delete`.
    pub on_update: String,
}

/// One secondary index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexShape {
    /// Index name.
    pub name: String,
    /// Indexed columns, in key order.
    pub columns: Vec<String>,
    /// Whether the index is UNIQUE.
    pub unique: bool,
    /// Access method, lower case (`btree`, `gin`).
    pub method: String,
}

impl TableShape {
    /// Puts the unordered parts in their canonical order.
    pub fn sort(&mut self) {
        self.unique.sort();
        self.foreign_keys.sort();
        self.indexes.sort();
        self.checks.sort();
        self.partitions.sort();
        self.triggers.sort();
    }
}

impl SchemaShape {
    /// Puts every table's unordered parts in their canonical order.
    pub fn sort(&mut self) {
        self.tables.values_mut().for_each(TableShape::sort);
    }
}
