//! The contract between the writer (`codegen`) and the reader (`migrate`) of migration files,
//! in the spirit of Diesel's `migrations_internals`: the dialects, tiers and groups, migration
//! ids, the file-name grammar and the embedding of a tree in a binary. It uses `std` only, so
//! build scripts can use it too.
//!
//! Layout: `<root>/<dialect>/<group>/<NNNN>_<name>.<up|down>.sql`, and per dialect the
//! manifest `<root>/<dialect>/release-order.txt` listing its migration ids in release order,
//! the order they are applied in ([`release_order`]), and the shapes its migrations leave the
//! tables in, `<root>/<dialect>/shapes.json` ([`shapes`]). A migration file may carry a directive
//! among its leading comment lines ([`directive`]). A group is a tier (`basic`
//! < `intermediate` < `advanced`, each including the ones before it) or one dialect's overlay
//! (`pg/`), applied by that dialect only, at the top tier. Migration id: `<group>/<NNNN>_<name>`.
//!
//! ```
//! use migration_layout::{Dialect, Direction, Group, MigrationFile, MigrationId, Tier};
//!
//! let id = MigrationId::new(Group::Tier(Tier::Basic), 1, "source_configs");
//! let file = MigrationFile { dialect: Dialect::Sqlite, id, direction: Direction::Up };
//! assert_eq!(file.path(), "sqlite/basic/0001_source_configs.up.sql");
//! assert_eq!(MigrationFile::parse(&file.path()), Ok(Some(file)));
//! ```

/// The table `migrate` tracks applied migrations in (Db2 quotes it: its ordinary identifiers
/// cannot start with `_`); no declared table may take its name.
pub const TRACKING_TABLE: &str = "_migrations";

pub mod directive;
pub mod embed;
mod names;
pub mod release_order;
pub mod shapes;

pub use names::{
    Dialect, Direction, Group, LayoutError, MigrationFile, MigrationId, Tier, looks_like_sql,
    sql_string_literal,
};
