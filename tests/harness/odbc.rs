//! Connection strings for Debian's ODBC drivers, and a check that they are installed.

use std::path::Path;
use std::process::Command;

/// unixODBC name of Debian's SQLite 3 driver (`libsqliteodbc`).
pub const SQLITE_DRIVER: &str = "SQLite3";
/// unixODBC name of Debian's PostgreSQL driver (`odbc-postgresql`).
pub const POSTGRES_DRIVER: &str = "PostgreSQL Unicode";

const INSTALL: &str = "apt-get install unixodbc odbc-postgresql libsqliteodbc";

/// Panics (failing the test) unless both drivers are registered with unixODBC.
pub fn require_drivers() {
    let listed = Command::new("odbcinst")
        .args(["-q", "-d"])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default();
    for driver in [SQLITE_DRIVER, POSTGRES_DRIVER] {
        assert!(
            listed.contains(&format!("[{driver}]")),
            "ODBC driver {driver} not found: {INSTALL}"
        );
    }
}

/// DSN-less connection string for a SQLite file through the ODBC driver.
pub fn sqlite_connection_string(database: &Path) -> String {
    require_drivers();
    format!("Driver={{{SQLITE_DRIVER}}};Database={}", database.display())
}
