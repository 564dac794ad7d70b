//! A real Db2 reached through ODBC, when `SPINE_DB2_ODBC` holds its connection string.
//!
//! Db2 tests carry `#[cfg_attr(not(db2), ignore = "...")]`; `build.rs` sets `cfg(db2)` when the
//! variable is set, so without it they are reported as ignored, never as passed.

/// The variable holding the Db2 ODBC connection string.
pub const ENV: &str = "SPINE_DB2_ODBC";

/// The configured connection string; panics (failing the test) when unset.
pub fn connection_string() -> String {
    std::env::var(ENV).unwrap_or_else(|_| {
        panic!("{ENV} is not set: set it to an ODBC connection string of a real Db2")
    })
}

/// The configured connection string with a fresh current schema, so tests do not collide.
pub fn fresh_schema_connection_string() -> String {
    let base = connection_string();
    let separator = if base.trim_end().ends_with(';') {
        ""
    } else {
        ";"
    };
    format!(
        "{base}{separator}CurrentSchema=SPINE_T{}",
        crate::unique_suffix()
    )
}
