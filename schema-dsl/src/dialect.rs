//! The SQL dialects the toolkit targets, by name only: how each renders lives in `codegen`.

use std::fmt;

/// A database dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dialect {
    /// SQLite 3, the embedded default.
    Sqlite,
    /// PostgreSQL 12 or later.
    Postgres,
    /// IBM Db2 for Linux, UNIX and Windows.
    Db2,
}

impl Dialect {
    /// Every dialect, in a fixed order.
    pub const ALL: [Dialect; 3] = [Dialect::Sqlite, Dialect::Postgres, Dialect::Db2];

    /// The directory that holds this dialect's migration files.
    pub fn dir_name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
            Dialect::Db2 => "db2",
        }
    }

    /// The group name of this dialect's own overlay migrations (`pg/0001_…` in the design).
    pub fn overlay_name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "pg",
            Dialect::Db2 => "db2",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.dir_name())
    }
}
