//! The expected shapes of one dialect's migrations: the file `<dialect>/shapes.json`.
//!
//! Written by codegen beside the release-order manifest; read by the runner (`migrate drift`,
//! and `up` before it records a migration) to know the shape each applied migration leaves
//! its tables in, in that dialect's catalog spellings. Its contents are the `schema-shape`
//! crate's; this module only owns where it lives.
//!
//! ```
//! use migration_layout::{Dialect, shapes};
//!
//! assert_eq!(shapes::path(Dialect::Db2), "db2/shapes.json");
//! assert_eq!(shapes::dialect_of_path("db2/shapes.json"), Some(Dialect::Db2));
//! assert_eq!(shapes::dialect_of_path("db2/basic/shapes.json"), None);
//! ```

use crate::Dialect;

/// The file's name, directly under each dialect's directory.
pub const FILE_NAME: &str = "shapes.json";

/// The shapes file of `dialect`, relative to the migrations root: `<dialect>/shapes.json`.
pub fn path(dialect: Dialect) -> String {
    format!("{}/{FILE_NAME}", dialect.dir_name())
}

/// The dialect whose shapes file `relative` (a path relative to the migrations root, `/` or
/// `\` separators) is; `None` for any other path.
pub fn dialect_of_path(relative: &str) -> Option<Dialect> {
    let (dialect, file) = relative.split_once(['/', '\\'])?;
    if file != FILE_NAME {
        return None;
    }
    Dialect::ALL.into_iter().find(|d| d.dir_name() == dialect)
}
