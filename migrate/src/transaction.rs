//! The one way the runner uses a transaction: begin, run the work, commit, and roll back on any
//! error (in the shape of Diesel's `transaction(|conn| ...)`).

use crate::driver::Connection;
use crate::error::{Error, Result, RolledBack};
use crate::tracking::{self, Tracking};

/// How a transaction starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Begin<'a> {
    /// A plain transaction, for reading ([`Connection::begin`]); a failure to start it is
    /// reported like a failed commit.
    Read,
    /// The write lock on an existing tracking table ([`Connection::begin_exclusive`] without
    /// creating it); a failure to take it is reported as a database error while doing `.0`.
    Exclusive(&'a str),
    /// The write lock on a tracking table in the runner's shape, created or upgraded in the
    /// transaction as the table's state requires (see [`tracking::begin_locked`]).
    Locked(Tracking),
}

/// How a transaction whose work succeeded ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End<T> {
    /// Commit it, then return the value.
    Commit(T),
    /// Roll it back (nothing to keep, e.g. another runner did the work), then return the value.
    Rollback(T),
}

/// Runs `work` in a transaction started as `begin` and commits it; rolls back on any error from
/// the start, the work or the commit. `during` says what the transaction does: a failed commit
/// (and a failed [`Begin::Read`]) is reported as a database error while doing it.
pub(crate) fn transaction<T>(
    conn: &mut dyn Connection,
    begin: Begin<'_>,
    during: &str,
    work: impl FnOnce(&mut dyn Connection) -> Result<T>,
) -> Result<T> {
    transaction_ending(conn, begin, during, |conn| work(conn).map(End::Commit))
}

/// Like [`transaction`], but `work` decides whether its transaction commits or rolls back.
pub(crate) fn transaction_ending<T>(
    conn: &mut dyn Connection,
    begin: Begin<'_>,
    during: &str,
    work: impl FnOnce(&mut dyn Connection) -> Result<End<T>>,
) -> Result<T> {
    match begin {
        Begin::Read => {
            let started = conn.begin();
            rolled_back(conn, started).map_err(|e| e.during(during))?;
        }
        Begin::Exclusive(context) => {
            let started = conn.begin_exclusive(false);
            rolled_back(conn, started).map_err(|e| e.during(context))?;
        }
        Begin::Locked(tracking) => tracking::begin_locked(conn, tracking)?,
    }
    let result = work(conn).and_then(|end| match end {
        End::Commit(value) => conn.commit().map(|()| value).map_err(|e| e.during(during)),
        End::Rollback(value) => {
            let _ = conn.rollback();
            Ok(value)
        }
    });
    rolled_back(conn, result)
}

/// `result`, after rolling back the current transaction when it is an error. The rollback's own
/// failure is ignored: the error that caused it is the one to report.
pub(crate) fn rolled_back<T, E>(conn: &mut dyn Connection, result: Result<T, E>) -> Result<T, E> {
    if result.is_err() {
        let _ = conn.rollback();
    }
    result
}

/// Runs `run`, which opens and ends one transaction, with foreign keys off when `off`: they are
/// turned off before it begins (SQLite ignores the setting inside a transaction) and back on
/// after it ends, whatever happened (see [`Connection::set_foreign_keys`]). `run` calls
/// [`check_foreign_keys`] before its commit.
pub(crate) fn foreign_keys_off_around<T>(
    conn: &mut dyn Connection,
    off: bool,
    run: impl FnOnce(&mut dyn Connection) -> Result<T>,
) -> Result<T> {
    if !off {
        return run(conn);
    }
    conn.set_foreign_keys(false)
        .map_err(|e| e.during("turning foreign keys off before the transaction"))?;
    let result = run(conn);
    let restored = conn.set_foreign_keys(true);
    let value = result?;
    restored.map_err(|e| e.during("turning foreign keys back on after the transaction"))?;
    Ok(value)
}

/// Inside a transaction run with foreign keys off, before its commit: fails with
/// [`Error::ForeignKeyCheckFailed`] when a row violates a foreign key, so the transaction rolls
/// back. `after` names what ran.
pub(crate) fn check_foreign_keys(
    conn: &mut dyn Connection,
    after: &str,
    rolled_back: RolledBack,
) -> Result<()> {
    let violations = conn
        .foreign_key_violations()
        .map_err(|e| e.during(format!("checking foreign keys after {after} (rolled back)")))?;
    match violations {
        None => Ok(()),
        Some(found) => Err(Error::ForeignKeyCheckFailed {
            after: after.to_string(),
            table: found.table,
            rowid: found.rowid,
            parent: found.parent,
            count: found.count,
            rolled_back,
        }),
    }
}
