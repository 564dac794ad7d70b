//! The driver-neutral core: what `up`, `down`, `status`, `plan`, `validate` and `rebless` do.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;

use crate::dialect::Dialect;
use crate::driver::{AppliedMigration, Connection};
use crate::error::{DbError, Error, Result};
use crate::source::{Migration, MigrationSet, Tier};

/// Something that happened during `up` or `down`, reported as it happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress<'a> {
    /// A migration is about to run.
    Applying(&'a str),
    /// A migration was applied and recorded.
    Applied(&'a Step),
    /// Another runner applied this migration while this one waited for the lock.
    AppliedElsewhere(&'a str),
    /// A migration's down file is about to run.
    Reverting(&'a str),
    /// A migration was reverted and its tracking row removed.
    Reverted(&'a Step),
}

/// A migration applied or reverted by this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Migration id.
    pub id: String,
    /// Wall-clock time of its SQL, in milliseconds.
    pub duration_ms: i64,
}

/// Where a migration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Recorded, and the file still has the recorded checksum.
    Applied,
    /// Not recorded yet.
    Pending,
    /// Recorded, but the file changed since.
    Modified,
    /// Recorded, but there is no file for it.
    Missing,
}

/// One line of `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusEntry {
    /// Migration id.
    pub id: String,
    /// Where it stands.
    pub state: State,
    /// When it was applied, if it was.
    pub applied_at: Option<String>,
    /// How long it took, if it was applied.
    pub duration_ms: Option<i64>,
}

/// How far `down` goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DownTarget {
    /// Revert the last N applied migrations.
    Count(usize),
    /// Revert every migration applied after this id (the id itself stays applied).
    To(String),
    /// Revert everything.
    All,
}

/// Runs migrations from one [`MigrationSet`] on one [`Connection`].
pub struct Runner<'a> {
    conn: &'a mut dyn Connection,
    set: &'a MigrationSet,
    dialect: Dialect,
}

impl<'a> Runner<'a> {
    /// A runner for `set` on `conn`, in the connection's dialect.
    pub fn new(conn: &'a mut dyn Connection, set: &'a MigrationSet) -> Self {
        let dialect = conn.dialect();
        Runner { conn, set, dialect }
    }

    /// The dialect in use.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Applies every pending migration up to `tier`, each with its tracking row in one
    /// transaction. Refuses to start when an applied migration's file changed.
    pub fn up(&mut self, tier: Tier, progress: &mut dyn FnMut(Progress<'_>)) -> Result<Vec<Step>> {
        let set = self.set;
        let plan = set.up_to(self.dialect, tier)?;
        self.locked(|runner| {
            runner.ensure_tracking_table()?;
            let applied = runner.read_applied()?;
            runner.refuse_modified(&applied)?;
            let mut steps = Vec::new();
            for migration in plan {
                if applied.contains_key(migration.id.as_str()) {
                    continue;
                }
                if let Some(step) = runner.apply(migration, progress)? {
                    steps.push(step);
                }
            }
            Ok(steps)
        })
    }

    /// The migrations `up` would apply, in order, without changing anything.
    pub fn plan(&mut self, tier: Tier) -> Result<Vec<&'a Migration>> {
        let set = self.set;
        let plan = set.up_to(self.dialect, tier)?;
        let applied = self.read_applied()?;
        self.refuse_modified(&applied)?;
        Ok(plan
            .into_iter()
            .filter(|m| !applied.contains_key(m.id.as_str()))
            .collect())
    }

    /// Every migration of the dialect with its state, then applied ones that have no file.
    pub fn status(&mut self) -> Result<Vec<StatusEntry>> {
        self.set.up_to(self.dialect, Tier::Advanced)?;
        let mut applied = self.read_applied()?;
        let mut entries: Vec<StatusEntry> = self
            .set
            .all(self.dialect)
            .iter()
            .map(|migration| match applied.remove(migration.id.as_str()) {
                Some(row) => StatusEntry {
                    id: row.id,
                    state: if row.checksum == migration.checksum {
                        State::Applied
                    } else {
                        State::Modified
                    },
                    applied_at: Some(row.applied_at),
                    duration_ms: Some(row.duration_ms),
                },
                None => StatusEntry {
                    id: migration.id.clone(),
                    state: State::Pending,
                    applied_at: None,
                    duration_ms: None,
                },
            })
            .collect();
        entries.extend(applied.into_values().map(|row| StatusEntry {
            id: row.id,
            state: State::Missing,
            applied_at: Some(row.applied_at),
            duration_ms: Some(row.duration_ms),
        }));
        Ok(entries)
    }

    /// Checks recorded checksums against the files: errors on modified, then on missing.
    pub fn validate(&mut self) -> Result<Vec<StatusEntry>> {
        let entries = self.status()?;
        let ids_in = |state: State| -> Vec<String> {
            entries
                .iter()
                .filter(|e| e.state == state)
                .map(|e| e.id.clone())
                .collect()
        };
        let modified = ids_in(State::Modified);
        if !modified.is_empty() {
            return Err(Error::Modified(modified));
        }
        let missing = ids_in(State::Missing);
        if !missing.is_empty() {
            return Err(Error::Missing(missing));
        }
        Ok(entries)
    }

    /// Reverts applied migrations, newest first, each down file with the removal of its
    /// tracking row in one transaction.
    pub fn down(
        &mut self,
        target: &DownTarget,
        progress: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Vec<Step>> {
        let set = self.set;
        let dialect = self.dialect;
        if let DownTarget::To(id) = target
            && set.get(dialect, id).is_none()
        {
            return Err(Error::UnknownMigration(id.clone()));
        }
        self.locked(|runner| {
            let applied = runner.read_applied()?;
            let missing: Vec<String> = applied
                .keys()
                .filter(|id| set.get(dialect, id).is_none())
                .map(|id| id.to_string())
                .collect();
            if !missing.is_empty() {
                return Err(Error::Missing(missing));
            }
            let in_order: Vec<&Migration> = set
                .all(dialect)
                .iter()
                .filter(|m| applied.contains_key(m.id.as_str()))
                .collect();
            let keep = match target {
                DownTarget::Count(count) => in_order.len().saturating_sub(*count),
                DownTarget::All => 0,
                DownTarget::To(id) => {
                    in_order
                        .iter()
                        .position(|m| &m.id == id)
                        .ok_or_else(|| Error::NotApplied(id.clone()))?
                        + 1
                }
            };
            let to_revert: Vec<&Migration> = in_order[keep..].iter().rev().copied().collect();
            if let Some(without_down) = to_revert.iter().find(|m| m.down_sql.is_none()) {
                return Err(Error::MissingDown {
                    id: without_down.id.clone(),
                    expected: without_down.down_path(),
                });
            }
            let mut steps = Vec::new();
            for migration in to_revert {
                if let Some(step) = runner.revert(migration, progress)? {
                    steps.push(step);
                }
            }
            Ok(steps)
        })
    }

    /// Records the current checksum of applied migration `id`, after a reviewed edit.
    pub fn rebless(&mut self, id: &str) -> Result<()> {
        let migration = self
            .set
            .get(self.dialect, id)
            .ok_or_else(|| Error::UnknownMigration(id.to_string()))?;
        let dialect = self.dialect;
        self.locked(|runner| {
            if !runner.tracking_table_exists()? {
                return Err(Error::NotApplied(id.to_string()));
            }
            runner
                .in_exclusive_transaction(|conn| {
                    if conn
                        .query_applied(&dialect.select_applied(Some(id)))?
                        .is_empty()
                    {
                        return Ok(false);
                    }
                    conn.execute(&dialect.update_checksum(id, &migration.checksum))?;
                    Ok(true)
                })
                .map_err(|e| e.during(format!("re-recording the checksum of {id}")))?
                .then_some(())
                .ok_or_else(|| Error::NotApplied(id.to_string()))
        })
    }

    /// Runs `work` between the connection's session lock and unlock.
    fn locked<T>(&mut self, work: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        self.conn
            .lock_session()
            .map_err(|e| e.during("taking the migration lock"))?;
        let result = work(self);
        let unlocked = self.conn.unlock_session();
        let value = result?;
        unlocked.map_err(|e| e.during("releasing the migration lock"))?;
        Ok(value)
    }

    /// Runs `work` in a transaction that holds the tracking-table lock; commits when it returns
    /// `Ok`, rolls back otherwise.
    fn in_exclusive_transaction<T>(
        &mut self,
        work: impl FnOnce(&mut dyn Connection) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let result = self
            .conn
            .begin_exclusive()
            .and_then(|()| work(&mut *self.conn))
            .and_then(|value| self.conn.commit().map(|()| value));
        if result.is_err() {
            let _ = self.conn.rollback();
        }
        result
    }

    fn tracking_table_exists(&mut self) -> Result<bool> {
        let sql = self.dialect.tracking_table_exists();
        let result = self
            .conn
            .begin()
            .and_then(|()| self.conn.query_count(sql))
            .and_then(|count| self.conn.commit().map(|()| count > 0));
        if result.is_err() {
            let _ = self.conn.rollback();
        }
        result.map_err(|e| e.during("looking for the tracking table"))
    }

    /// Creates the tracking table unless it exists; tolerates another runner creating it at
    /// the same moment.
    fn ensure_tracking_table(&mut self) -> Result<()> {
        if self.tracking_table_exists()? {
            return Ok(());
        }
        let ddl = self.dialect.create_tracking_table();
        let created = self
            .conn
            .begin_create_tracking_table()
            .and_then(|()| self.conn.execute(&ddl))
            .and_then(|()| self.conn.commit());
        match created {
            Ok(()) => Ok(()),
            Err(error) => {
                let _ = self.conn.rollback();
                if self.tracking_table_exists()? {
                    Ok(())
                } else {
                    Err(error.during("creating the tracking table _migrations"))
                }
            }
        }
    }

    /// The tracking rows by id; empty when the table does not exist (nothing is created).
    fn read_applied(&mut self) -> Result<BTreeMap<String, AppliedMigration>> {
        if !self.tracking_table_exists()? {
            return Ok(BTreeMap::new());
        }
        let sql = self.dialect.select_applied(None);
        let result = self
            .conn
            .begin()
            .and_then(|()| self.conn.query_applied(&sql))
            .and_then(|rows| self.conn.commit().map(|()| rows));
        if result.is_err() {
            let _ = self.conn.rollback();
        }
        let rows = result.map_err(|e| e.during("reading the tracking table"))?;
        Ok(rows.into_iter().map(|row| (row.id.clone(), row)).collect())
    }

    fn refuse_modified(&self, applied: &BTreeMap<String, AppliedMigration>) -> Result<()> {
        let modified: Vec<String> = self
            .set
            .all(self.dialect)
            .iter()
            .filter(|m| {
                applied
                    .get(&m.id)
                    .is_some_and(|row| row.checksum != m.checksum)
            })
            .map(|m| m.id.clone())
            .collect();
        if modified.is_empty() {
            Ok(())
        } else {
            Err(Error::Modified(modified))
        }
    }

    /// Applies one migration under the tracking-table lock; `None` when another runner applied
    /// it first.
    fn apply(
        &mut self,
        migration: &Migration,
        progress: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Option<Step>> {
        let id = migration.id.as_str();
        let dialect = self.dialect;
        let locked = self
            .conn
            .begin_exclusive()
            .and_then(|()| self.conn.query_applied(&dialect.select_applied(Some(id))));
        let already = match locked {
            Ok(rows) => rows,
            Err(error) => {
                let _ = self.conn.rollback();
                return Err(error.during(format!("locking the tracking table for {id}")));
            }
        };
        if let Some(row) = already.first() {
            let _ = self.conn.rollback();
            if row.checksum != migration.checksum {
                return Err(Error::Modified(vec![id.to_string()]));
            }
            progress(Progress::AppliedElsewhere(id));
            return Ok(None);
        }
        progress(Progress::Applying(id));
        let started = Instant::now();
        if let Err(failure) = self.conn.execute_script(&migration.up_sql) {
            let _ = self.conn.rollback();
            return Err(Error::MigrationFailed {
                id: id.to_string(),
                statement: failure.statement,
                sql: failure.sql,
                message: failure.message,
            });
        }
        let duration_ms = elapsed_ms(started);
        let recorded = self
            .conn
            .execute(&dialect.insert_applied(id, &migration.checksum, duration_ms))
            .and_then(|()| self.conn.commit());
        if let Err(error) = recorded {
            let _ = self.conn.rollback();
            return Err(error.during(format!("recording {id} (rolled back)")));
        }
        let step = Step {
            id: id.to_string(),
            duration_ms,
        };
        progress(Progress::Applied(&step));
        Ok(Some(step))
    }

    /// Reverts one migration under the tracking-table lock; `None` when another runner
    /// reverted it first.
    fn revert(
        &mut self,
        migration: &Migration,
        progress: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Option<Step>> {
        let id = migration.id.as_str();
        let dialect = self.dialect;
        let down_sql = migration.down_sql.as_deref().unwrap_or_default();
        let locked = self
            .conn
            .begin_exclusive()
            .and_then(|()| self.conn.query_applied(&dialect.select_applied(Some(id))));
        match locked {
            Ok(rows) if rows.is_empty() => {
                let _ = self.conn.rollback();
                return Ok(None);
            }
            Ok(_) => {}
            Err(error) => {
                let _ = self.conn.rollback();
                return Err(error.during(format!("locking the tracking table for {id}")));
            }
        }
        progress(Progress::Reverting(id));
        let started = Instant::now();
        if let Err(failure) = self.conn.execute_script(down_sql) {
            let _ = self.conn.rollback();
            return Err(Error::MigrationFailed {
                id: format!("{id} (down)"),
                statement: failure.statement,
                sql: failure.sql,
                message: failure.message,
            });
        }
        let duration_ms = elapsed_ms(started);
        let removed = self
            .conn
            .execute(&dialect.delete_applied(id))
            .and_then(|()| self.conn.commit());
        if let Err(error) = removed {
            let _ = self.conn.rollback();
            return Err(error.during(format!("removing the tracking row of {id} (rolled back)")));
        }
        let step = Step {
            id: id.to_string(),
            duration_ms,
        };
        progress(Progress::Reverted(&step));
        Ok(Some(step))
    }
}

fn elapsed_ms(started: Instant) -> i64 {
    i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX)
}
