//! PostgreSQL through the `postgres` crate.
//!
//! Locking: a session-level `pg_advisory_lock` taken before the tracking table is even created
//! and held for the whole command; the server releases it when the connection ends, so a killed
//! runner never leaves it behind. Each migration's transaction also takes
//! `LOCK TABLE <tracking table> IN EXCLUSIVE MODE`, which keeps out runners connected through
//! ODBC. The advisory lock is one key per database, whatever the tracking table: runners with
//! different tracking tables on one database queue behind each other (and track apart).

use postgres::error::ErrorPosition;

use super::{ADVISORY_LOCK_KEY, AppliedMigration, Connection};
use crate::error::{DbError, ScriptError};
use crate::split::split_statements;
use crate::tracking::TrackingTable;
use migration_layout::Dialect;

/// Sent in the same round trip before each script, so a failure can be replayed from there.
const SCRIPT_SAVEPOINT: &str = "SAVEPOINT spine_script;\n";

/// A PostgreSQL database.
pub struct PostgresConnection {
    client: postgres::Client,
    lock_timeout: Option<std::time::Duration>,
    notice: fn(&str),
    tracking: TrackingTable,
}

impl PostgresConnection {
    /// Connects without TLS (Unix sockets and trusted networks).
    pub fn connect(config: &postgres::Config) -> Result<Self, DbError> {
        let client = config.connect(postgres::NoTls).map_err(|e| describe(&e))?;
        Ok(Self::from_client(client))
    }

    /// Connects with TLS as `options` ask (see [`super::tls`]); `sslmode=disable` connects in
    /// plain text.
    pub fn connect_tls(
        config: &postgres::Config,
        options: &super::tls::TlsOptions,
    ) -> Result<Self, DbError> {
        if config.get_ssl_mode() == postgres::config::SslMode::Disable {
            return Self::connect(config);
        }
        let connector = super::tls::connector(options).map_err(DbError::new)?;
        let client = config.connect(connector).map_err(|e| describe(&e))?;
        Ok(Self::from_client(client))
    }

    /// Wraps an existing client (e.g. one connected with TLS).
    pub fn from_client(client: postgres::Client) -> Self {
        PostgresConnection {
            client,
            lock_timeout: None,
            notice: |_| {},
            tracking: TrackingTable::default(),
        }
    }

    /// Finds the statement a failed batch stopped at: from the error position when the server
    /// gives one, else by rolling back to the script's savepoint and replaying the statements
    /// one at a time (earlier work of the transaction stays; it is left failed, for the caller
    /// to roll back).
    fn locate_failure(&mut self, script: &str, error: &postgres::Error) -> ScriptError {
        let message = describe(error).message;
        let statements = split_statements(script);
        let prefix = SCRIPT_SAVEPOINT.chars().count();
        let position = error.as_db_error().and_then(|db| match db.position() {
            Some(ErrorPosition::Original(position)) => (*position as usize).checked_sub(prefix),
            _ => None,
        });
        if let Some(char_position) = position {
            let byte = script
                .char_indices()
                .nth(char_position.saturating_sub(1))
                .map_or(script.len(), |(byte, _)| byte);
            if let Some(statement) = statements.iter().rev().find(|s| s.offset <= byte) {
                return ScriptError {
                    statement: Some(statement.number),
                    sql: Some(statement.text.to_string()),
                    message,
                };
            }
        }
        let unknown = |message: String| ScriptError {
            statement: None,
            sql: None,
            message,
        };
        if self.execute("ROLLBACK TO SAVEPOINT spine_script").is_err() {
            return unknown(message);
        }
        let client = &mut self.client;
        match super::execute_split(script, |sql| {
            client.batch_execute(sql).map_err(|e| describe(&e))
        }) {
            Err(located) => located,
            Ok(()) => unknown(message),
        }
    }
}

/// The first column of the first row of `sql`, as text, by the simple query protocol: one
/// round trip, where a query with parameters prepares, executes and closes a statement.
fn first_cell(client: &mut postgres::Client, sql: &str) -> Result<Option<String>, DbError> {
    let rows = postgres_rows(client, sql).map_err(|e| describe(&e))?;
    Ok(rows
        .into_iter()
        .next()
        .and_then(|row| row.into_iter().next().flatten()))
}

/// Every row of `sql` by the simple query protocol, each cell as text (`None` for NULL): the
/// tracking table's rows and the rows `schema-shape`'s catalog queries read. (The test harness
/// has its own copy: it cannot depend on migrate.)
fn postgres_rows(
    client: &mut postgres::Client,
    sql: &str,
) -> Result<schema_shape::catalog::Rows, postgres::Error> {
    Ok(client
        .simple_query(sql)?
        .into_iter()
        .filter_map(|message| match message {
            postgres::SimpleQueryMessage::Row(row) => Some(
                (0..row.len())
                    .map(|i| row.get(i).map(str::to_string))
                    .collect(),
            ),
            _ => None,
        })
        .collect())
}

/// The server's own message with its SQLSTATE and detail, or the client's error.
fn describe(error: &postgres::Error) -> DbError {
    match error.as_db_error() {
        Some(db) => {
            let detail = db.detail().map(|d| format!(" ({d})")).unwrap_or_default();
            DbError::new(format!(
                "{} {}: {}{detail}",
                db.severity(),
                db.code().code(),
                db.message()
            ))
        }
        None => {
            let mut message = error.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                message = format!("{message}: {cause}");
                source = cause.source();
            }
            DbError::new(message)
        }
    }
}

impl Connection for PostgresConnection {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn tracking_table(&self) -> &TrackingTable {
        &self.tracking
    }

    fn set_tracking_table(&mut self, table: TrackingTable) {
        self.tracking = table;
    }

    /// Waits for the advisory lock (see [`super::wait_for_advisory_lock`]).
    fn lock_session(&mut self) -> Result<(), DbError> {
        let client = std::cell::RefCell::new(&mut self.client);
        super::wait_for_advisory_lock(
            self.lock_timeout,
            self.notice,
            || {
                let taken = first_cell(
                    &mut client.borrow_mut(),
                    &format!("SELECT pg_try_advisory_lock({ADVISORY_LOCK_KEY})"),
                )?;
                Ok(taken.as_deref() == Some("t"))
            },
            || {
                first_cell(&mut client.borrow_mut(), &super::advisory_lock_holder_sql())
                    .ok()
                    .flatten()
                    .and_then(|pid| pid.parse::<i64>().ok())
            },
        )
    }

    fn set_lock_wait(&mut self, timeout: Option<std::time::Duration>, notice: fn(&str)) {
        self.lock_timeout = timeout;
        self.notice = notice;
    }

    fn unlock_session(&mut self) -> Result<(), DbError> {
        self.execute(&format!("SELECT pg_advisory_unlock({ADVISORY_LOCK_KEY})"))
    }

    fn begin(&mut self) -> Result<(), DbError> {
        self.execute("BEGIN")
    }

    fn begin_exclusive(&mut self, create_tracking_table: bool) -> Result<(), DbError> {
        self.execute("BEGIN")?;
        let sql = self.tracking();
        if create_tracking_table {
            self.execute(&sql.create_tracking_table())?;
        }
        self.execute(&sql.lock_tracking_table())
    }

    fn commit(&mut self) -> Result<(), DbError> {
        self.execute("COMMIT")
    }

    fn rollback(&mut self) -> Result<(), DbError> {
        self.execute("ROLLBACK")
    }

    fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        self.client.batch_execute(sql).map_err(|e| describe(&e))
    }

    fn query_count(&mut self, sql: &str) -> Result<i64, DbError> {
        let cell = first_cell(&mut self.client, sql)?;
        cell.as_deref()
            .and_then(|count| count.parse().ok())
            .ok_or_else(|| DbError::new(format!("`{sql}` gave {cell:?}, not a count")))
    }

    /// By the simple query protocol: one round trip for the whole table.
    fn query_applied(&mut self, sql: &str) -> Result<Vec<AppliedMigration>, DbError> {
        let rows = postgres_rows(&mut self.client, sql).map_err(|e| describe(&e))?;
        super::applied_from_text(&self.tracking, rows)
    }

    /// Each statement in a simple query of its own, which PostgreSQL commits on its own.
    fn execute_script_autocommit(&mut self, sql: &str) -> Result<(), ScriptError> {
        let client = &mut self.client;
        super::execute_split(sql, |statement| {
            client.batch_execute(statement).map_err(|e| describe(&e))
        })
    }

    fn query_rows(&mut self, sql: &str) -> Result<schema_shape::catalog::Rows, DbError> {
        postgres_rows(&mut self.client, sql).map_err(|e| describe(&e))
    }

    /// Sends the whole script in one round trip (simple query protocol), after a savepoint.
    fn execute_script(&mut self, sql: &str) -> Result<(), ScriptError> {
        match self
            .client
            .batch_execute(&format!("{SCRIPT_SAVEPOINT}{sql}"))
        {
            Ok(()) => Ok(()),
            Err(error) => Err(self.locate_failure(sql, &error)),
        }
    }
}
