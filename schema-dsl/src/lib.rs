//! The spine schema model.
//!
//! Tables are Rust structs with `#[derive(Table)]`; the derive turns the struct into a
//! [`TableDef`], the dialect-free description of a table that renderers turn into SQL.
//! Migrations group table definitions into the tiers operators apply, and
//! [`Schema::validate`] catches every declaration mistake the compiler cannot, naming
//! the table and the column, before anything is rendered.
//!
//! ```
//! use schema_dsl::{Table, Timestamp};
//!
//! #[derive(Table)]
//! #[table(name = "notes")]
//! #[index(name = "idx_notes_title", columns(title))]
//! pub struct Note {
//!     #[column(primary_key, max_len = 50)]
//!     pub note_id: String,
//!     #[column(max_len = 200)]
//!     pub title: String,
//!     #[column(default = now)]
//!     pub created_at: Timestamp,
//! }
//!
//! let def = Note::definition();
//! assert_eq!(def.name, "notes");
//! assert_eq!(def.columns.len(), 3);
//! ```

mod alter;
mod column;
mod completeness;
mod migration;
mod model;
mod state;
mod types;
mod validate;

pub use alter::{AlterOptions, ColumnChange, Conversion, TypeChange, integer_range};
pub use column::Column;
pub use completeness::{DeclaredTable, Finding, FindingKind, completeness, unacknowledged_steps};
pub use migration::{Acknowledgement, Migration, Schema, Step};
pub use migration_layout::{Dialect, Group, MigrationId, Tier};
pub use model::{
    CheckCondition, CheckDef, ColumnDef, ColumnType, DefaultValue, ForeignKeyAction, ForeignKeyDef,
    IndexDef, IndexMethod, JsonSize, PartitionInterval, Partitioning, TableDef,
};
pub use schema_dsl_derive::Table;
pub use state::SchemaState;
pub use types::{Json, JsonType, SqlType, TextType, Timestamp};
pub use validate::{SchemaError, StepError};

/// A Rust type that is also a table: implemented by `#[derive(Table)]`.
pub trait Table {
    /// The table's name in every dialect (renderers may fold its case).
    const NAME: &'static str;

    /// The table's full definition: columns, keys and indexes.
    fn definition() -> TableDef;
}
