//! Every database target the suites run on, each giving a fresh empty database.

use std::path::{Path, PathBuf};

use migration_layout::Dialect;

use tempfile::TempDir;

/// A database engine reached through one driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// A SQLite file through rusqlite.
    Sqlite,
    /// The throwaway PostgreSQL cluster through the `postgres` crate.
    Postgres,
    /// A SQLite file through Debian's SQLite3 ODBC driver.
    SqliteOdbc,
    /// The throwaway PostgreSQL cluster through Debian's PostgreSQL Unicode ODBC driver.
    PostgresOdbc,
    /// The Db2 of `SPINE_DB2_ODBC`, in a fresh schema.
    Db2Odbc,
}

/// A fresh database on one engine, with a scratch directory for files (fixtures, SQLite files).
pub struct TestDatabase {
    /// The engine.
    pub engine: Engine,
    /// The runner's target string for it.
    pub target: String,
    native: Native,
    scratch: TempDir,
}

/// How the test itself reaches the database, whatever driver the runner uses.
enum Native {
    Sqlite(PathBuf),
    Postgres(crate::pg::Database),
    Db2(String),
}

impl Engine {
    /// The dialect this engine speaks.
    pub fn dialect(self) -> Dialect {
        match self {
            Engine::Sqlite | Engine::SqliteOdbc => Dialect::Sqlite,
            Engine::Postgres | Engine::PostgresOdbc => Dialect::Postgres,
            Engine::Db2Odbc => Dialect::Db2,
        }
    }

    /// Whether this engine is reached through ODBC.
    pub fn is_odbc(self) -> bool {
        matches!(
            self,
            Engine::SqliteOdbc | Engine::PostgresOdbc | Engine::Db2Odbc
        )
    }

    /// A fresh, empty database.
    pub fn fresh(self) -> TestDatabase {
        let scratch = tempfile::Builder::new()
            .prefix("spine-test-")
            .tempdir()
            .unwrap_or_else(|e| panic!("creating a scratch directory: {e}"));
        let sqlite_file = scratch.path().join("test.db");
        let (target, native) = match self {
            Engine::Sqlite => (
                format!("sqlite:{}", sqlite_file.display()),
                Native::Sqlite(sqlite_file),
            ),
            Engine::SqliteOdbc => (
                format!(
                    "odbc:{}",
                    crate::odbc::sqlite_connection_string(&sqlite_file)
                ),
                Native::Sqlite(sqlite_file),
            ),
            Engine::Postgres => {
                let database = crate::pg::fresh_database();
                (database.key_value(), Native::Postgres(database))
            }
            Engine::PostgresOdbc => {
                let database = crate::pg::fresh_database();
                (
                    format!("odbc:{}", database.odbc_connection_string()),
                    Native::Postgres(database),
                )
            }
            Engine::Db2Odbc => {
                let connection_string = crate::db2::fresh_schema_connection_string();
                (
                    format!("odbc:{connection_string}"),
                    Native::Db2(connection_string),
                )
            }
        };
        TestDatabase {
            engine: self,
            target,
            native,
            scratch,
        }
    }
}

impl TestDatabase {
    /// A connection of the test's own (rusqlite, `postgres`, or ODBC for Db2) to this database,
    /// to look at what the runner did through whichever driver.
    pub fn live(&self) -> crate::live::Live {
        match &self.native {
            Native::Sqlite(path) => crate::live::Live::sqlite(path),
            Native::Postgres(database) => crate::live::Live::Postgres(database.client()),
            Native::Db2(connection_string) => crate::live::Live::db2(connection_string),
        }
    }

    /// A directory deleted with this value.
    pub fn scratch_dir(&self) -> &Path {
        self.scratch.path()
    }

    /// A path inside the scratch directory.
    pub fn scratch_path(&self, name: &str) -> PathBuf {
        self.scratch.path().join(name)
    }

    /// A query counting how many of `tables` exist in the database (current schema).
    pub fn count_tables_sql(&self, tables: &[&str]) -> String {
        let quoted = |fold: fn(&str) -> String| {
            tables
                .iter()
                .map(|t| format!("'{}'", fold(t)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self.engine.dialect() {
            Dialect::Sqlite => format!(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ({})",
                quoted(str::to_string)
            ),
            Dialect::Postgres => format!(
                "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name IN ({})",
                quoted(str::to_lowercase)
            ),
            Dialect::Db2 => format!(
                "SELECT COUNT(*) FROM SYSCAT.TABLES \
                 WHERE TABSCHEMA = CURRENT SCHEMA AND TABNAME IN ({})",
                quoted(str::to_uppercase)
            ),
        }
    }
}

/// Runs each scenario `fn(Engine)` as one `#[test]` per engine, in a module named after it
/// (`scenario::sqlite`, `scenario::postgres`, `scenario::sqlite_odbc`, `scenario::postgres_odbc`,
/// `scenario::db2`). `except [..]` leaves engines out of one scenario:
///
/// ```text
/// on_every_engine!(
///     life_cycle,
///     adopts_seed_table except [Db2Odbc],
///     round_trip except [SqliteOdbc, PostgresOdbc],
/// );
/// ```
///
/// The Db2 test is ignored unless `cfg(db2)` is set (the calling package's build script sets it
/// from `SPINE_DB2_ODBC`), so it is reported as ignored, never as passed. An excluded name that
/// is not an [`Engine`] variant does not compile.
#[macro_export]
macro_rules! on_every_engine {
    // `@unless ENGINE [EXCLUDED..] ITEM`: ITEM, unless ENGINE is among EXCLUDED.
    (@unless $engine:ident [] $($item:tt)*) => { $($item)* };
    (@unless Sqlite [Sqlite $(, $rest:ident)*] $($item:tt)*) => {};
    (@unless Postgres [Postgres $(, $rest:ident)*] $($item:tt)*) => {};
    (@unless SqliteOdbc [SqliteOdbc $(, $rest:ident)*] $($item:tt)*) => {};
    (@unless PostgresOdbc [PostgresOdbc $(, $rest:ident)*] $($item:tt)*) => {};
    (@unless Db2Odbc [Db2Odbc $(, $rest:ident)*] $($item:tt)*) => {};
    (@unless $engine:ident [$other:ident $(, $rest:ident)*] $($item:tt)*) => {
        $crate::on_every_engine!(@unless $engine [$($rest),*] $($item)*);
    };

    ($($scenario:ident $(except [$($excluded:ident),+ $(,)?])?),* $(,)?) => {$(
        mod $scenario {
            use $crate::engines::Engine;

            $($(const _: Engine = Engine::$excluded;)+)?

            $crate::on_every_engine!(@unless Sqlite [$($($excluded),+)?]
                #[test]
                fn sqlite() {
                    super::$scenario(Engine::Sqlite)
                }
            );

            $crate::on_every_engine!(@unless Postgres [$($($excluded),+)?]
                #[test]
                fn postgres() {
                    super::$scenario(Engine::Postgres)
                }
            );

            $crate::on_every_engine!(@unless SqliteOdbc [$($($excluded),+)?]
                #[test]
                fn sqlite_odbc() {
                    super::$scenario(Engine::SqliteOdbc)
                }
            );

            $crate::on_every_engine!(@unless PostgresOdbc [$($($excluded),+)?]
                #[test]
                fn postgres_odbc() {
                    super::$scenario(Engine::PostgresOdbc)
                }
            );

            $crate::on_every_engine!(@unless Db2Odbc [$($($excluded),+)?]
                #[test]
                #[cfg_attr(
                    not(db2),
                    ignore = "set SPINE_DB2_ODBC to an ODBC connection string of a real Db2"
                )]
                fn db2() {
                    super::$scenario(Engine::Db2Odbc)
                }
            );
        }
    )*};
}
