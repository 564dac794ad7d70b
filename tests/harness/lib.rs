//! Real-database test harness shared by the workspace's suites.
//!
//! - [`pg`]: a throwaway PostgreSQL cluster per test binary, a fresh database per test.
//! - [`odbc`]: connection strings for Debian's SQLite and PostgreSQL ODBC drivers.
//! - [`db2`]: the Db2 given by `SPINE_DB2_ODBC` (tests are ignored without it, see `build.rs`).
//! - [`engines`]: one [`engines::Engine`] per target, each giving a fresh empty database, so
//!   one test body runs on every target ([`on_every_engine!`]).
//! - [`fixtures`]: small migration trees in the runner's file layout.
//! - [`generated`]: the workspace's generated migration files, in apply order.
//! - [`live`]: a test's own connection to a database, for its catalog and rows.
//! - [`introspect`]: a live schema read from SQLite's, PostgreSQL's or Db2's catalog with
//!   `schema-shape`'s queries (those `migrate drift` runs), to compare with the declarations.
//!
//! A missing engine fails the test with the command that installs it; nothing passes by
//! doing nothing.

pub mod db2;
pub mod engines;
pub mod fixtures;
pub mod generated;
pub mod introspect;
pub mod live;
pub mod odbc;
pub mod pg;

/// A unique suffix for names created by this process (databases, schemas).
pub fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}
