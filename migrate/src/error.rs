//! Errors: each one a single line that says what went wrong and what to do.

use std::path::PathBuf;

/// The hint of a connection failure that nothing more precise explains.
pub const CONNECT_HINT: &str = "check that the database is running and the target is right";

/// Everything the runner can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A dialect, tier, migration id or file name that breaks the file layout.
    #[error(transparent)]
    Layout(#[from] migration_layout::LayoutError),
    /// The migrations root (or one of its directories or files) could not be read.
    #[error("cannot read {}: {source}; pass --dir with the root of the generated migrations", path.display())]
    Unreadable {
        /// What could not be read.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Two files claim the same id, or a down file has no up file.
    #[error("inconsistent migration files: {0}")]
    InconsistentFiles(String),
    /// There is nothing to run for the dialect.
    #[error(
        "no migrations for dialect {dialect} in {source_name}: generate them, or pass --dir with their root"
    )]
    NoMigrations {
        /// The dialect of the target.
        dialect: String,
        /// Where the runner looked.
        source_name: String,
    },
    /// `down` needs a down file that does not exist.
    #[error("migration {id} has no down file: write {expected} to revert it")]
    MissingDown {
        /// The migration id.
        id: String,
        /// The file that is missing.
        expected: String,
    },
    /// The target string cannot be understood.
    #[error("malformed target '{target}': {reason}")]
    BadTarget {
        /// The target, password redacted.
        target: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The target's driver is a cargo feature this build of `migrate` was compiled without.
    #[error(
        "{target}: this spine-migrate was built without the `{feature}` feature, which {kind} targets need; rebuild with `cargo build -p migrate --features {feature}`{extra}"
    )]
    DriverNotBuilt {
        /// The target, password redacted.
        target: String,
        /// The cargo feature of `migrate` that holds its driver.
        feature: &'static str,
        /// What kind of target it is (SQLite, PostgreSQL, ODBC).
        kind: &'static str,
        /// What else the feature needs, if anything (e.g. unixODBC).
        extra: &'static str,
    },
    /// An environment variable naming the target is set but unusable.
    #[error(
        "${variable} is set but {reason}; fix or unset it (it is used when --target is not given)"
    )]
    BadEnvironment {
        /// The variable's name.
        variable: &'static str,
        /// What is wrong with its value.
        reason: String,
    },
    /// The blocking task of an async entry point did not finish (its runtime shut down).
    #[error("the migration task did not finish: {0}")]
    TaskFailed(String),
    /// The database cannot be reached.
    #[error("cannot connect to {target}: {message}; {hint}")]
    Connect {
        /// The target, password redacted.
        target: String,
        /// The driver's message.
        message: String,
        /// What to do: [`CONNECT_HINT`], or a more precise hint (e.g. about `sslmode`).
        hint: String,
    },
    /// The ODBC driver names a DBMS the runner does not know.
    #[error(
        "cannot tell the dialect of ODBC data source '{0}': pass --dialect sqlite|postgres|db2"
    )]
    UnknownDbms(String),
    /// A database call outside a migration's own SQL failed.
    #[error("database error while {context}: {message}")]
    Database {
        /// What the runner was doing.
        context: String,
        /// The database's message.
        message: String,
    },
    /// A statement of a migration failed; the migration was rolled back and not recorded.
    #[error("migration {id} failed at {}: {message}; rolled back, nothing recorded: {}", statement_label(*.statement, sql), advice(message))]
    MigrationFailed {
        /// The migration id.
        id: String,
        /// 1-based number of the failing statement, when known.
        statement: Option<usize>,
        /// The failing statement's text, when known.
        sql: Option<String>,
        /// The database's message.
        message: String,
    },
    /// A statement failed in a grouped run ([`crate::Runner::up_grouped`]): the whole run was
    /// rolled back.
    #[error("migration {id} failed at {}: {message}; the whole run was rolled back (one transaction), nothing of it applied or recorded: {}", statement_label(*.statement, sql), advice(message))]
    RunFailed {
        /// The migration id.
        id: String,
        /// 1-based number of the failing statement, when known.
        statement: Option<usize>,
        /// The failing statement's text, when known.
        sql: Option<String>,
        /// The database's message.
        message: String,
    },
    /// A statement of a migration run without a transaction (the `-- migrate: no-transaction`
    /// directive) failed: the statements before it stayed committed and nothing was recorded.
    #[error("migration {id} (run without a transaction: `-- migrate: no-transaction`) failed at {}: {message}; {}, and nothing was recorded: {}; such a file is written to be safe to run again from its start, so run `spine-migrate {command}` again", statement_label(*.statement, sql), committed_before(*.statement), advice(message))]
    NoTransactionFailed {
        /// The migration id (`<id> (down)` for a down file).
        id: String,
        /// 1-based number of the failing statement, when known.
        statement: Option<usize>,
        /// The failing statement's text, when known.
        sql: Option<String>,
        /// The database's message.
        message: String,
        /// The command to run again: `up` or `down`.
        command: &'static str,
    },
    /// `up --group` with a pending migration that must run without a transaction: refused
    /// before anything runs (a usage error, exit 2).
    #[error("up --group runs every pending migration in one transaction, but {} must run without one (`-- migrate: no-transaction`): run `spine-migrate up` without --group (each migration commits on its own, that one statement by statement), or `spine-migrate up --group --to <the migration before it>` to group the ones before it. Nothing was run", .0.join(", "))]
    GroupedNoTransaction(Vec<String>),
    /// A migration run with foreign keys off (the `-- migrate: foreign_keys off` directive, on
    /// SQLite) left rows whose foreign key has no parent: `PRAGMA foreign_key_check` before the
    /// commit found them, and the transaction was rolled back.
    #[error("{after} left {count} row(s) violating a foreign key, the first in table {table} (rowid {}) with no parent row in {parent}; {}", rowid_label(*.rowid), rolled_back_label(*.rolled_back))]
    ForeignKeyCheckFailed {
        /// What ran with foreign keys off: `migration <id>`, or the grouped run.
        after: String,
        /// The table of the first violating row.
        table: String,
        /// Its rowid, when it has one.
        rowid: Option<i64>,
        /// The table its foreign key references.
        parent: String,
        /// How many rows violate a foreign key.
        count: usize,
        /// What the rollback discarded.
        rolled_back: RolledBack,
    },
    /// A migration file controls the transaction (`COMMIT`, `ROLLBACK`, `BEGIN`, `SAVEPOINT`
    /// ...; see [`crate::split::transaction_control`]), which would break all-or-nothing: it
    /// is refused before anything runs.
    #[error("{path} line {line}: `{}` controls the transaction, which the runner owns (each migration runs in one transaction, all or nothing, and this statement would end or split it); remove it from the file (to run a file's statements outside a transaction, each committed on its own, put the line `-- migrate: no-transaction` among its leading comments instead). Nothing was run", one_line(.sql, 80))]
    TransactionControl {
        /// The file, relative to the migrations root.
        path: String,
        /// 1-based line of the statement.
        line: usize,
        /// The statement.
        sql: String,
    },
    /// A migration left its tables in another shape than its entry in the directory's
    /// shapes file gives: a table it creates already existed in another shape (`CREATE TABLE
    /// IF NOT EXISTS` kept it), or the database was edited by hand. Rolled back, not recorded.
    #[error("migration {id} leaves its tables in another shape than it declares (a table that already existed in another shape is never adopted): {}; {}; run `spine-migrate drift` to list every difference, then repair or drop the table and run again", .differences.join("; "), shape_rolled_back_label(*.rolled_back))]
    ShapeMismatch {
        /// The migration id.
        id: String,
        /// Each difference, one line naming table and object.
        differences: Vec<String>,
        /// What the rollback discarded.
        rolled_back: RolledBack,
    },
    /// `drift` needs the expected shapes, which the migrations directory does not have.
    #[error(
        "no expected shapes in {source_name}: drift compares the database with {path}, which `cargo run -p codegen` writes beside the generated migrations; hand-written migration directories have none (pass --dir with a generated tree, or use the files embedded in spine-migrate)"
    )]
    NoShapes {
        /// The shapes file looked for, relative to the root.
        path: String,
        /// Where the migrations come from.
        source_name: String,
    },
    /// The shapes file cannot be read, or does not describe an applied migration.
    #[error(transparent)]
    Shapes(#[from] schema_shape::ShapesError),
    /// Applied migrations whose files changed since.
    #[error("applied migrations changed on disk: {}; revert the edits, or review them and run `spine-migrate rebless <ID>`", .0.join(", "))]
    Modified(Vec<String>),
    /// Applied migrations that no longer have files.
    #[error("applied migrations have no files: {}; restore the files or pass the --dir that has them", .0.join(", "))]
    Missing(Vec<String>),
    /// Applied migrations recorded without a checksum by an older runner.
    #[error("applied migrations have no recorded checksum (tracked by an earlier runner): {}; check that the database matches their files, then run `spine-migrate rebless --all-unverified`", .0.join(", "))]
    Unverified(Vec<String>),
    /// An id that is not in the migration set.
    #[error("unknown migration id '{0}': run `spine-migrate status` to list ids")]
    UnknownMigration(String),
    /// An id that is known but not applied.
    #[error("migration {0} is not applied: nothing to do")]
    NotApplied(String),
}

fn statement_label(statement: Option<usize>, sql: &Option<String>) -> String {
    match (statement, sql) {
        (Some(number), Some(sql)) => format!("statement {number} `{}`", one_line(sql, 160)),
        (Some(number), None) => format!("statement {number}"),
        _ => "an unknown statement".to_string(),
    }
}

/// What to do after a migration failed with the database's `message`: fix the environment
/// when the message says it is to blame (see [`environment_cause`]), declare the migration
/// without a transaction when the database refused a statement inside one, else fix the
/// migration.
fn advice(message: &str) -> String {
    match environment_cause(message) {
        Some(cause) => format!("{cause}; the migration itself may be fine"),
        None if refused_in_transaction(message) => format!(
            "the database refuses this statement inside a transaction: put the line `{}` among \
             the file's leading comments (its statements then run one by one, each committed on \
             its own, and it is recorded after the last; write it to be safe to run again, e.g. \
             `DROP INDEX CONCURRENTLY IF EXISTS i;` before `CREATE INDEX CONCURRENTLY i ON ...;`) \
             and run again",
            migration_layout::directive::NO_TRANSACTION
        ),
        None => "fix the migration and run again".to_string(),
    }
}

/// Whether the database's `message` says a statement cannot run inside a transaction
/// (PostgreSQL's `CREATE INDEX CONCURRENTLY`, SQLSTATE 25001; SQLite's `VACUUM`).
fn refused_in_transaction(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    lower.contains("cannot run inside a transaction block")
        || lower.contains("25001")
        || lower.contains("cannot vacuum from within a transaction")
}

/// What a failed no-transaction migration left: the statements before the failing one.
fn committed_before(statement: Option<usize>) -> String {
    match statement {
        Some(1) => "no statement before it ran".to_string(),
        Some(2) => "statement 1 of the file stayed applied (committed on its own)".to_string(),
        Some(number) => format!(
            "statements 1 to {} of the file stayed applied (each committed on its own)",
            number - 1
        ),
        None => "the statements before it stayed applied (each committed on its own)".to_string(),
    }
}

/// What to do when a database message says the environment failed, not the SQL: a read-only
/// file or directory, a full disk, an I/O error, a lost connection.
pub fn environment_cause(message: &str) -> Option<&'static str> {
    let lower = message.to_ascii_lowercase();
    let any = |needles: &[&str]| needles.iter().any(|needle| lower.contains(needle));
    if any(&[
        "readonly database",
        "read-only",
        "permission denied",
        "unable to open database file",
        "25006",
    ]) {
        Some(
            "the database (or the directory holding it) is not writable: give the runner \
             write access to both (SQLite writes a journal next to the file) and run again",
        )
    } else if any(&[
        "database or disk is full",
        "no space left",
        "disk full",
        "53100",
        "could not extend file",
    ]) {
        Some("the disk is full: free space on the database's disk and run again")
    } else if any(&["disk i/o error", "58030", "input/output error"]) {
        Some("the database's disk reported an I/O error: check the disk and run again")
    } else if any(&[
        "connection closed",
        "server closed the connection",
        "terminating connection",
        "57p01",
        "57p02",
        "57p03",
        "08006",
        "08003",
        "08001",
        "communication link failure",
        "connection reset",
        "broken pipe",
        "could not receive data",
        "no connection to the server",
    ]) {
        Some(
            "the connection to the database was lost (server stopped, killed or unreachable; \
             the server rolls back what was not committed): run again once it is back",
        )
    } else if any(&["sql0668n"]) && lower.contains("\"7\"") {
        Some(
            "a table is in Db2's reorg-pending state (SQL0668N reason code 7: a DROP COLUMN, SET \
             NOT NULL or SET DATA TYPE ran without REORG): run CALL \
             SYSPROC.ADMIN_CMD('REORG TABLE <table>') for each table named here (`spine-migrate \
             status` lists them too), then run again",
        )
    } else {
        None
    }
}

fn rowid_label(rowid: Option<i64>) -> String {
    rowid.map_or_else(|| "none".to_string(), |rowid| rowid.to_string())
}

fn shape_rolled_back_label(rolled_back: RolledBack) -> &'static str {
    match rolled_back {
        RolledBack::Migration => "rolled back, nothing recorded",
        RolledBack::Run => {
            "the whole run was rolled back (one transaction), nothing of it applied or recorded"
        }
    }
}

fn rolled_back_label(rolled_back: RolledBack) -> &'static str {
    match rolled_back {
        RolledBack::Migration => {
            "rolled back, nothing recorded: make the migration keep a parent for every child row \
             (copy them all, or delete the orphans in it) and run again"
        }
        RolledBack::Run => {
            "the whole run was rolled back (one transaction), nothing of it applied or \
             recorded: make the migrations keep a parent for every child row and run again"
        }
    }
}

/// `text` on one line (whitespace runs collapsed), cut to `max` characters.
pub fn one_line(text: &str, max: usize) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= max {
        collapsed
    } else {
        let cut: String = collapsed.chars().take(max).collect();
        format!("{cut}…")
    }
}

/// A failure reported by a database driver, with the password scrubbed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DbError {
    /// The database's own message.
    pub message: String,
}

impl Error {
    /// A [`Error::Connect`] with `hint` in place of its hint; other errors unchanged.
    pub fn with_hint(self, hint: &str) -> Error {
        match self {
            Error::Connect {
                target, message, ..
            } => Error::Connect {
                target,
                message,
                hint: hint.to_string(),
            },
            other => other,
        }
    }
}

impl DbError {
    /// Wraps a driver error's text.
    pub fn new(message: impl std::fmt::Display) -> Self {
        DbError {
            message: one_line(&message.to_string(), 2000),
        }
    }

    /// Turns this into an [`Error::Database`] saying what the runner was doing.
    pub fn during(self, context: impl Into<String>) -> Error {
        Error::Database {
            context: context.into(),
            message: self.message,
        }
    }
}

/// A failure while running a migration script.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failed at {}: {message}", statement_label(*.statement, sql))]
pub struct ScriptError {
    /// 1-based number of the failing statement, when known.
    pub statement: Option<usize>,
    /// Its text, when known.
    pub sql: Option<String>,
    /// The database's own message.
    pub message: String,
}

/// What a failed migration script's rollback discarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RolledBack {
    /// The migration alone ([`Error::MigrationFailed`]).
    Migration,
    /// The whole grouped run ([`Error::RunFailed`]).
    Run,
}

impl ScriptError {
    /// The runner's error for this failure of migration `id`, once `rolled_back` is rolled back.
    pub fn into_error(self, id: impl Into<String>, rolled_back: RolledBack) -> Error {
        let ScriptError {
            statement,
            sql,
            message,
        } = self;
        let id = id.into();
        match rolled_back {
            RolledBack::Migration => Error::MigrationFailed {
                id,
                statement,
                sql,
                message,
            },
            RolledBack::Run => Error::RunFailed {
                id,
                statement,
                sql,
                message,
            },
        }
    }
}

impl ScriptError {
    /// The runner's error for this failure of migration `id` run without a transaction
    /// ([`Error::NoTransactionFailed`]); `command` (`up`, `down`) is the one to run again.
    pub fn into_no_transaction_error(self, id: impl Into<String>, command: &'static str) -> Error {
        let ScriptError {
            statement,
            sql,
            message,
        } = self;
        Error::NoTransactionFailed {
            id: id.into(),
            statement,
            sql,
            message,
            command,
        }
    }
}

impl Error {
    /// Whether this is a mistake in how the command was asked for (exit code 2), not a failure
    /// of the database or the files.
    pub fn is_usage(&self) -> bool {
        match self {
            Error::GroupedNoTransaction(_) | Error::NoShapes { .. } => true,
            Error::Layout(_)
            | Error::Unreadable { .. }
            | Error::InconsistentFiles(_)
            | Error::NoMigrations { .. }
            | Error::MissingDown { .. }
            | Error::BadTarget { .. }
            | Error::DriverNotBuilt { .. }
            | Error::BadEnvironment { .. }
            | Error::TaskFailed(_)
            | Error::Connect { .. }
            | Error::UnknownDbms(_)
            | Error::Database { .. }
            | Error::MigrationFailed { .. }
            | Error::RunFailed { .. }
            | Error::NoTransactionFailed { .. }
            | Error::ForeignKeyCheckFailed { .. }
            | Error::TransactionControl { .. }
            | Error::Modified(_)
            | Error::Missing(_)
            | Error::Unverified(_)
            | Error::UnknownMigration(_)
            | Error::NotApplied(_)
            | Error::ShapeMismatch { .. }
            | Error::Shapes(_) => false,
        }
    }
}

/// Result of the runner.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::{Error, environment_cause, refused_in_transaction};

    #[test]
    fn environment_failures_get_environment_advice_and_sql_errors_the_migrations() {
        for (message, starts) in [
            (
                "attempt to write a readonly database",
                "the database (or the directory",
            ),
            (
                "unable to open database file",
                "the database (or the directory",
            ),
            ("database or disk is full", "the disk is full"),
            (
                "ERROR 53100: could not extend file \"base/1/2\": No space left on device",
                "the disk is full",
            ),
            (
                "disk I/O error",
                "the database's disk reported an I/O error",
            ),
            (
                "FATAL 57P01: terminating connection due to administrator command",
                "the connection",
            ),
            ("connection closed", "the connection"),
        ] {
            let cause = environment_cause(message).unwrap_or_default();
            assert!(cause.starts_with(starts), "{message}: {cause}");
        }
        assert_eq!(environment_cause("near \"CREAT\": syntax error"), None);
        let failed = |message: &str| {
            Error::MigrationFailed {
                id: "basic/0002_x".into(),
                statement: Some(1),
                sql: None,
                message: message.into(),
            }
            .to_string()
        };
        assert!(failed("no such table: t").ends_with("fix the migration and run again"));
        assert!(failed("database or disk is full").ends_with("the migration itself may be fine"));
    }

    /// Db2's SQL0668N reason code 7 (a table waiting for REORG) is the database's state, not
    /// the migration's fault: the advice names the command that fixes it. Other reason codes
    /// of SQL0668N (e.g. 1, a table in set-integrity pending state) get no such advice.
    #[test]
    fn db2_reorg_pending_gets_the_reorg_command() {
        let message = "[IBM][CLI Driver][DB2/LINUXX8664] SQL0668N  Operation not allowed for \
                       reason code \"7\" on table \"SPINE.T_ITEMS\".  SQLSTATE=57007";
        let cause = environment_cause(message).unwrap_or_default();
        assert!(
            cause.starts_with("a table is in Db2's reorg-pending state"),
            "{cause}"
        );
        assert!(
            cause.contains("CALL SYSPROC.ADMIN_CMD('REORG TABLE <table>')"),
            "{cause}"
        );
        let failed = Error::MigrationFailed {
            id: "basic/0003_x".into(),
            statement: Some(1),
            sql: Some("INSERT INTO T_ITEMS VALUES (1)".into()),
            message: message.into(),
        }
        .to_string();
        assert!(
            failed.ends_with("then run again; the migration itself may be fine"),
            "{failed}"
        );
        let set_integrity = message.replace("\"7\"", "\"1\"");
        assert_eq!(environment_cause(&set_integrity), None);
    }

    /// PostgreSQL's refusal of `CREATE INDEX CONCURRENTLY` inside a transaction names the
    /// directive to add; a grouped run gets the same advice.
    #[test]
    fn a_statement_refused_inside_a_transaction_gets_the_directive() {
        let message =
            "ERROR 25001: CREATE INDEX CONCURRENTLY cannot run inside a transaction block";
        for error in [
            Error::MigrationFailed {
                id: "basic/0002_idx".into(),
                statement: Some(1),
                sql: None,
                message: message.into(),
            },
            Error::RunFailed {
                id: "basic/0002_idx".into(),
                statement: Some(1),
                sql: None,
                message: message.into(),
            },
        ] {
            let text = error.to_string();
            assert!(
                text.contains(
                    "put the line `-- migrate: no-transaction` among the file's leading comments"
                ),
                "{text}"
            );
            assert!(!text.contains("fix the migration and run again"), "{text}");
        }
        assert!(refused_in_transaction(
            "cannot VACUUM from within a transaction"
        ));
        assert!(!refused_in_transaction("near \"VACUM\": syntax error"));
    }

    #[test]
    fn a_failed_no_transaction_migration_says_what_stayed_and_what_to_run() {
        let failed = |statement: Option<usize>, command: &'static str| {
            Error::NoTransactionFailed {
                id: "basic/0002_idx".into(),
                statement,
                sql: Some("INSERT INTO nope VALUES (1)".into()),
                message: "ERROR 42P01: relation \"nope\" does not exist".into(),
                command,
            }
            .to_string()
        };
        assert_eq!(
            failed(Some(3), "up"),
            "migration basic/0002_idx (run without a transaction: `-- migrate: no-transaction`) \
             failed at statement 3 `INSERT INTO nope VALUES (1)`: ERROR 42P01: relation \"nope\" \
             does not exist; statements 1 to 2 of the file stayed applied (each committed on its \
             own), and nothing was recorded: fix the migration and run again; such a file is \
             written to be safe to run again from its start, so run `spine-migrate up` again"
        );
        assert!(failed(Some(1), "down").contains("; no statement before it ran, and nothing"));
        assert!(failed(Some(1), "down").ends_with("run `spine-migrate down` again"));
    }

    #[test]
    fn only_command_mistakes_are_usage_errors() {
        assert!(Error::GroupedNoTransaction(vec!["basic/0002_idx".into()]).is_usage());
        assert!(!Error::UnknownMigration("x".into()).is_usage());
    }
}
