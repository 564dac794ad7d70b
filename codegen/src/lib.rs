//! The `codegen` command's library part: [`files`] writes a generated tree, or tells how the
//! tree on disk differs from it; [`release`] keeps the release record, which freezes released
//! migrations. What the files contain comes from `schema-sql`; which schema,
//! from `schema-defs` (in `main.rs` only, so an edit of a table rebuilds only the binary).

pub mod files;
pub mod release;
