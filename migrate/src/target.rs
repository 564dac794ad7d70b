//! Where to migrate: parsing a target string and connecting to it.
//!
//! - nothing: the SQLite file `spine.db` in the current directory;
//! - `sqlite:PATH`, `sqlite://PATH` or a bare path: a SQLite file (created if missing, except
//!   by [`Target::connect_read_only`]);
//! - `postgres://...`, `postgresql://...` or a libpq key=value string (`host=/run/pg dbname=x`):
//!   PostgreSQL;
//! - `odbc:<connection string>`: any ODBC data source, e.g.
//!   `odbc:Driver={IBM DB2 ODBC DRIVER};Database=SPINE;Hostname=h;Port=50000;Uid=u;Pwd=p`.

use std::path::PathBuf;
use std::str::FromStr;

use crate::driver::Connection;
use crate::error::{CONNECT_HINT, Error, Result};
use crate::redact::{password_of, redact, scrub};
use migration_layout::Dialect;

/// The SQLite file used when no target is given.
pub const DEFAULT_SQLITE_FILE: &str = "spine.db";

/// A parsed target.
#[derive(Debug, Clone)]
pub enum Target {
    /// A SQLite database file.
    Sqlite(PathBuf),
    /// A PostgreSQL database (URL or key=value string, kept for messages).
    Postgres(String),
    /// An ODBC connection string (without the `odbc:` prefix).
    Odbc(String),
}

impl Default for Target {
    fn default() -> Self {
        Target::Sqlite(PathBuf::from(DEFAULT_SQLITE_FILE))
    }
}

impl FromStr for Target {
    type Err = Error;

    fn from_str(target: &str) -> Result<Self> {
        let malformed = |reason: &str| Error::BadTarget {
            target: redact(target),
            reason: reason.to_string(),
        };
        let trimmed = target.trim();
        if trimmed.is_empty() {
            return Err(malformed(
                "it is empty; omit --target to use sqlite:spine.db",
            ));
        }
        let lower = trimmed.to_ascii_lowercase();
        if let Some(path) = strip_prefix_ignore_case(trimmed, "sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(malformed("no file after sqlite:; write sqlite:PATH"));
            }
            return Ok(Target::Sqlite(PathBuf::from(path)));
        }
        if let Some(connection_string) = strip_prefix_ignore_case(trimmed, "odbc:") {
            if !connection_string.contains('=') {
                return Err(malformed(
                    "expected odbc:<connection string>, e.g. odbc:Driver={SQLite3};Database=spine.db",
                ));
            }
            return Ok(Target::Odbc(connection_string.to_string()));
        }
        let is_postgres_url =
            lower.starts_with("postgres://") || lower.starts_with("postgresql://");
        let has_equals = !lower.contains("://") && trimmed.contains('=');
        if has_equals && !starts_with_key(trimmed) {
            return Err(malformed(
                "a bare path containing '=' is ambiguous (PostgreSQL's key=value pairs use '='): \
                 write sqlite:PATH for a SQLite file, or postgres://... for PostgreSQL",
            ));
        }
        if is_postgres_url || has_equals {
            #[cfg(feature = "postgres")]
            crate::driver::tls::parse_target(trimmed).map_err(|error| {
                let sqlite = if has_equals {
                    " (for a SQLite file whose path contains '=', write sqlite:PATH)"
                } else {
                    ""
                };
                malformed(&format!(
                    "{}; use postgres://user@host/db or key=value pairs{sqlite}",
                    scrub(&error, password_of(trimmed).as_deref())
                ))
            })?;
            return Ok(Target::Postgres(trimmed.to_string()));
        }
        if let Some((scheme, _)) = trimmed.split_once("://") {
            return Err(malformed(&format!(
                "unsupported scheme '{scheme}'; use sqlite:PATH, postgres://... or odbc:<connection string>"
            )));
        }
        if let Some(scheme) = scheme_of(trimmed) {
            return Err(malformed(&format!(
                "unsupported scheme '{scheme}:'; use sqlite:PATH, postgres://... or \
                 odbc:<connection string> (for a SQLite file whose name starts with \
                 '{scheme}:', write sqlite:{trimmed})"
            )));
        }
        Ok(Target::Sqlite(PathBuf::from(trimmed)))
    }
}

/// Whether `text` starts like a libpq key=value string: a keyword, optional spaces, `=`.
fn starts_with_key(text: &str) -> bool {
    let key_end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    key_end > 0 && text[key_end..].trim_start().starts_with('=')
}

/// The scheme of `scheme:rest` (a letter, then letters, digits, `+`, `-` or `.`; two characters
/// at least, so a Windows drive letter is none).
fn scheme_of(text: &str) -> Option<&str> {
    let (scheme, _) = text.split_once(':')?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    (valid && scheme.len() >= 2).then_some(scheme)
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

impl Target {
    /// Whether this is an in-memory SQLite database (`:memory:`, `file::memory:…`), which ends
    /// with the connection: what is applied to it is kept nowhere.
    pub fn in_memory(&self) -> bool {
        match self {
            Target::Sqlite(path) => {
                let path = path.to_string_lossy();
                path == ":memory:"
                    || path.starts_with("file::memory:")
                    || path.contains("mode=memory")
            }
            _ => false,
        }
    }

    /// The target for messages, with any password masked.
    pub fn display(&self) -> String {
        match self {
            Target::Sqlite(path) => format!("sqlite:{}", path.display()),
            Target::Postgres(config) => redact(config),
            Target::Odbc(connection_string) => redact(&format!("odbc:{connection_string}")),
        }
    }

    /// Connects; `dialect` overrides the dialect of an ODBC source (otherwise read from the
    /// driver) and must match the engine for the other targets.
    pub fn connect(&self, dialect: Option<Dialect>) -> Result<Box<dyn Connection>> {
        self.connect_with(dialect, false)
    }

    /// Connects for reading only (`status`, `plan`, `validate`): a SQLite file is opened
    /// read-only and never created; one that does not exist reads as an empty database.
    pub fn connect_read_only(&self, dialect: Option<Dialect>) -> Result<Box<dyn Connection>> {
        self.connect_with(dialect, true)
    }

    #[cfg_attr(
        not(any(feature = "sqlite", feature = "postgres", feature = "odbc")),
        allow(unreachable_code, unused_variables)
    )]
    #[cfg_attr(not(feature = "sqlite"), allow(unused_variables))]
    fn connect_with(
        &self,
        dialect: Option<Dialect>,
        read_only: bool,
    ) -> Result<Box<dyn Connection>> {
        let connection: Box<dyn Connection> = match self {
            #[cfg(feature = "sqlite")]
            Target::Sqlite(path) => {
                use crate::driver::SqliteConnection;
                let opened = if read_only {
                    SqliteConnection::open_read_only(path)
                } else {
                    SqliteConnection::open(path)
                };
                Box::new(opened.map_err(|e| self.connect_error(e.message))?)
            }
            #[cfg(feature = "postgres")]
            Target::Postgres(config) => {
                use crate::driver::{PostgresConnection, tls};
                let (parsed, options) =
                    tls::parse_target(config).map_err(|e| Error::BadTarget {
                        target: self.display(),
                        reason: self.scrubbed(e),
                    })?;
                tracing::debug!(sslmode = ?options.mode, root_cert = ?options.root_cert, "connecting to PostgreSQL");
                Box::new(
                    PostgresConnection::connect_tls(&parsed, &options).map_err(|e| {
                        let hint = tls::hint(&e.message).unwrap_or(CONNECT_HINT);
                        self.connect_error(e.message).with_hint(hint)
                    })?,
                )
            }
            #[cfg(feature = "odbc")]
            Target::Odbc(connection_string) => Box::new(crate::driver::OdbcConnection::connect(
                connection_string,
                dialect,
            )?),
            #[allow(unreachable_patterns)]
            _ => return Err(self.not_built()),
        };
        if let Some(wanted) = dialect
            && wanted != connection.dialect()
        {
            return Err(Error::BadTarget {
                target: self.display(),
                reason: format!(
                    "--dialect {wanted} does not match this {} database",
                    connection.dialect()
                ),
            });
        }
        Ok(connection)
    }

    #[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
    fn scrubbed(&self, message: String) -> String {
        let raw = match self {
            Target::Sqlite(_) => return message,
            Target::Postgres(raw) | Target::Odbc(raw) => raw,
        };
        scrub(&message, password_of(raw).as_deref())
    }

    #[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
    fn connect_error(&self, message: String) -> Error {
        Error::Connect {
            target: self.display(),
            message: self.scrubbed(message),
            hint: CONNECT_HINT.to_string(),
        }
    }

    /// The cargo feature of `migrate` that holds this target's driver.
    pub fn driver_feature(&self) -> &'static str {
        match self {
            Target::Sqlite(_) => "sqlite",
            Target::Postgres(_) => "postgres",
            Target::Odbc(_) => "odbc",
        }
    }

    /// Whether this build of `migrate` has this target's driver.
    pub fn driver_built(&self) -> bool {
        match self {
            Target::Sqlite(_) => cfg!(feature = "sqlite"),
            Target::Postgres(_) => cfg!(feature = "postgres"),
            Target::Odbc(_) => cfg!(feature = "odbc"),
        }
    }

    /// The error for a target whose driver this build was compiled without.
    pub fn not_built(&self) -> Error {
        let (kind, extra) = match self {
            Target::Sqlite(_) => ("SQLite", ""),
            Target::Postgres(_) => ("PostgreSQL", ""),
            Target::Odbc(_) => (
                "ODBC",
                " (it links unixODBC: apt-get install unixodbc-dev to build, unixodbc to run)",
            ),
        };
        Error::DriverNotBuilt {
            target: self.display(),
            feature: self.driver_feature(),
            kind,
            extra,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Target;
    use crate::error::Error;

    fn parse(text: &str) -> Result<Target, Error> {
        text.parse()
    }

    #[test]
    fn recognises_each_kind() {
        assert!(
            matches!(parse("sqlite:app.db"), Ok(Target::Sqlite(p)) if p.to_str() == Some("app.db"))
        );
        assert!(
            matches!(parse("sqlite:///tmp/a.db"), Ok(Target::Sqlite(p)) if p.to_str() == Some("/tmp/a.db"))
        );
        assert!(matches!(parse("./data/app.db"), Ok(Target::Sqlite(_))));
        assert!(matches!(parse("C:/data/app.db"), Ok(Target::Sqlite(_))));
        assert!(
            matches!(parse("sqlite:/tmp/a=b.db"), Ok(Target::Sqlite(p)) if p.to_str() == Some("/tmp/a=b.db"))
        );
        assert!(matches!(parse("sqlite:pg:spine"), Ok(Target::Sqlite(_))));
        assert!(parse(":memory:").is_ok_and(|t| t.in_memory()));
        assert!(matches!(
            parse("postgres://u@localhost/spine"),
            Ok(Target::Postgres(_))
        ));
        assert!(matches!(
            parse("host=/tmp/pg port=5432 user=postgres dbname=d"),
            Ok(Target::Postgres(_))
        ));
        assert!(matches!(
            parse("odbc:Driver={SQLite3};Database=/tmp/x.db"),
            Ok(Target::Odbc(_))
        ));
    }

    #[test]
    fn malformed_targets_are_errors_without_passwords() {
        for bad in [
            "mysql://u:hunter2@h/d",
            "odbc:nonsense",
            "",
            "sqlite:",
            "pg:spine",
            "postgres:spine",
            "/tmp/a=b.db",
            "./x=1.db",
        ] {
            let message = parse(bad).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(message.starts_with("malformed target"), "{bad}: {message}");
            assert!(!message.contains("hunter2"), "{message}");
        }
        let message = parse("postgres://u:hunter2@h:notaport/d")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.starts_with("malformed target"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }

    #[test]
    fn display_masks_passwords() {
        let target = parse("odbc:Driver={X};Uid=a;Pwd=hunter2").map(|t| t.display());
        assert_eq!(
            target.ok().as_deref(),
            Some("odbc:Driver={X};Uid=a;Pwd=***")
        );
    }
}
