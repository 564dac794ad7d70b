//! The driver-neutral core: what `up`, `down`, `status`, `plan`, `validate` and `rebless` do.

use std::time::Instant;

use serde::Serialize;

use crate::driver::{AppliedMigration, Connection};
use crate::error::{Error, Result, RolledBack};
use crate::source::{Migration, MigrationSet};
use crate::tracking::{self, Tracking, TrackingTable};
use crate::transaction::{
    Begin, End, check_foreign_keys, foreign_keys_off_around, transaction, transaction_ending,
};
use migration_layout::Dialect;
use migration_layout::Tier;
use schema_shape::ShapesFile;

/// Something that happened during `up` or `down`, reported as it happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress<'a> {
    /// A migration is about to run.
    Applying(&'a str),
    /// A migration was applied and recorded (with [`Runner::up_grouped`]: in the run's
    /// transaction, which commits at the end).
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
    /// Recorded by an older runner without a checksum (see [`Runner::rebless_all_unverified`]).
    Unverified,
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
    /// Whether its up file runs without a transaction (the
    /// [`NO_TRANSACTION`](migration_layout::directive::NO_TRANSACTION) directive); in JSON
    /// only when it does.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_transaction: bool,
}

/// A Db2 table in reorg-pending state (see [`Runner::reorg_pending`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReorgPending {
    /// `SCHEMA.TABLE`.
    pub table: String,
    /// The statement that takes it out of that state.
    pub command: String,
}

impl std::fmt::Display for ReorgPending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "reorg pending: {} cannot be used until it is reorganised (Db2 SQL0668N reason code \
             7); run {}",
            self.table, self.command
        )
    }
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

    /// Tracks migrations in `table` instead of `_migrations` (see [`TrackingTable`]): sets
    /// it on the connection, so every tracking statement and lock of this runner names it.
    #[must_use]
    pub fn with_tracking_table(self, table: TrackingTable) -> Self {
        self.conn.set_tracking_table(table);
        self
    }

    /// The table migrations are tracked in (the connection's).
    pub fn tracking_table(&self) -> &TrackingTable {
        self.conn.tracking_table()
    }

    /// The dialect in use.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Applies every pending migration up to `tier`, each with its tracking row in its own
    /// transaction: a failure keeps the migrations before it. Refuses to start when an applied
    /// migration's file changed.
    pub fn up(&mut self, tier: Tier, progress: &mut dyn FnMut(Progress<'_>)) -> Result<Vec<Step>> {
        self.up_with(tier, None, false, progress)
    }

    /// Like [`up`](Runner::up) (or [`up_grouped`](Runner::up_grouped) when `group`), but stops
    /// after migration `id` (in apply order, among the migrations up to `tier`): the later ones
    /// stay pending. [`Error::UnknownMigration`] when `id` is not among them.
    pub fn up_until(
        &mut self,
        tier: Tier,
        id: &str,
        group: bool,
        progress: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Vec<Step>> {
        self.up_with(tier, Some(id), group, progress)
    }

    /// Like [`up`](Runner::up), but applies every pending migration and its tracking row in
    /// ONE transaction (Flyway's `group`): a failure leaves nothing of the run
    /// ([`Error::RunFailed`]), and the run costs one commit instead of one per migration. The
    /// trade-off: a failure or crash also discards the migrations that succeeded, and the
    /// write lock is held for the whole run.
    pub fn up_grouped(
        &mut self,
        tier: Tier,
        progress: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Vec<Step>> {
        self.up_with(tier, None, true, progress)
    }

    /// The migrations up to `tier`, in apply order, cut after `until` when given.
    fn ordered(&self, tier: Tier, until: Option<&str>) -> Result<Vec<&'a Migration>> {
        let mut plan = self.set.up_to(self.dialect, tier)?;
        if let Some(id) = until {
            let position = plan
                .iter()
                .position(|m| m.id == id)
                .ok_or_else(|| Error::UnknownMigration(id.to_string()))?;
            plan.truncate(position + 1);
        }
        Ok(plan)
    }

    fn up_with(
        &mut self,
        tier: Tier,
        until: Option<&str>,
        group: bool,
        progress: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Vec<Step>> {
        let set = self.set;
        let plan = self.ordered(tier, until)?;
        let result = self.locked(|runner| {
            let (mut tracking, applied) = tracking::read_applied(runner.conn)?;
            tracking::refuse_modified(set.all(runner.dialect), &applied)?;
            let pending: Vec<&Migration> = plan
                .into_iter()
                .filter(|m| !applied.contains_key(m.id.as_str()))
                .collect();
            refuse_transaction_control(pending.iter().map(|m| (m.up_path.clone(), &*m.up_sql)))?;
            // Parsed only when something is pending: `up` with nothing to do stays as cheap.
            let shapes = if pending.is_empty() {
                None
            } else {
                crate::drift::shapes(runner.conn, set)?
            };
            let shapes = shapes.as_ref();
            if group {
                let without: Vec<String> = pending
                    .iter()
                    .filter(|m| m.up_no_transaction())
                    .map(|m| m.id.clone())
                    .collect();
                if !without.is_empty() {
                    return Err(Error::GroupedNoTransaction(without));
                }
                return runner.apply_group(&pending, tracking, shapes, progress);
            }
            if tracking == Tracking::Older {
                tracking::upgrade(runner.conn)?;
                tracking = Tracking::Current;
            }
            let mut steps = Vec::new();
            for migration in pending {
                if let Some(step) = runner.apply(migration, tracking, shapes, progress)? {
                    steps.push(step);
                }
                tracking = Tracking::Current;
            }
            Ok(steps)
        });
        result.map_err(|error| self.naming_reorg_pending(error))
    }

    /// Db2's tables in reorg-pending state in the current schema, each with the command that
    /// takes it out of that state (`CALL SYSPROC.ADMIN_CMD('REORG TABLE ...')`): until then
    /// Db2 refuses most statements on them (SQL0668N reason code 7). None on other engines.
    pub fn reorg_pending(&mut self) -> Result<Vec<ReorgPending>> {
        if self.dialect != Dialect::Db2 {
            return Ok(Vec::new());
        }
        let during = "reading Db2's tables in reorg-pending state (SYSIBMADM.ADMINTABINFO)";
        let tables = transaction(self.conn, Begin::Read, during, |conn| {
            conn.reorg_pending_tables().map_err(|e| e.during(during))
        })?;
        Ok(tables
            .into_iter()
            .map(|table| ReorgPending {
                command: format!("CALL SYSPROC.ADMIN_CMD('REORG TABLE {table}')"),
                table,
            })
            .collect())
    }

    /// `error`, with the tables in reorg-pending state named in its message when it is a
    /// migration's failure on Db2's SQL0668N (a table waiting for REORG).
    fn naming_reorg_pending(&mut self, mut error: Error) -> Error {
        let (Error::MigrationFailed { message, .. }
        | Error::RunFailed { message, .. }
        | Error::NoTransactionFailed { message, .. }) = &mut error
        else {
            return error;
        };
        if !message.to_ascii_uppercase().contains("SQL0668N") {
            return error;
        }
        if let Ok(pending) = self.reorg_pending()
            && !pending.is_empty()
        {
            let named: Vec<String> = pending
                .iter()
                .map(|p| format!("{} ({})", p.table, p.command))
                .collect();
            message.push_str(&format!(
                " [tables in reorg-pending state: {}]",
                named.join(", ")
            ));
        }
        error
    }

    /// The migrations `up` would apply, in order, without changing anything.
    pub fn plan(&mut self, tier: Tier) -> Result<Vec<&'a Migration>> {
        self.plan_until(tier, None)
    }

    /// Like [`plan`](Runner::plan), stopping after `until` when given (as
    /// [`up_until`](Runner::up_until) would).
    pub fn plan_until(&mut self, tier: Tier, until: Option<&str>) -> Result<Vec<&'a Migration>> {
        Ok(self.pending(tier, until)?.1)
    }

    /// What `up` would apply as one SQL script a DBA can run with the database's own client
    /// (`sqlite3`, `psql -v ON_ERROR_STOP=1`, `db2 +c -tvf`): the tracking table's creation
    /// (or upgrade) when needed, then each pending migration in a transaction of its own with
    /// the INSERT of its tracking row (duration 0), so `migrate status` afterwards shows them
    /// applied with their checksums. SQLite migrations with the foreign-keys-off directive get
    /// the `PRAGMA`s around their transaction and a `PRAGMA foreign_key_check` before COMMIT; a
    /// migration without a transaction gets its statements bare (each committed on its own),
    /// then its tracking row in a transaction. Nothing is applied.
    pub fn plan_script(&mut self, tier: Tier, until: Option<&str>) -> Result<String> {
        let (tracking, pending) = self.pending(tier, until)?;
        let dialect = self.dialect;
        let tracking_sql = self.conn.tracking();
        let mut script = String::new();
        let statement_end = |sql: &str| {
            let sql = sql.trim_end();
            if sql.ends_with(';') {
                format!("{sql}\n")
            } else {
                format!("{sql};\n")
            }
        };
        match tracking {
            Tracking::Absent => {
                script.push_str(&statement_end(&tracking_sql.create_tracking_table()))
            }
            Tracking::Older => {
                let upgrades = tracking_sql.tracking_upgrades();
                let during = "reading the tracking table's columns";
                let needed = transaction(self.conn, Begin::Read, during, |conn| {
                    let mut needed = Vec::new();
                    for (done, statements) in upgrades {
                        if conn.query_count(&done).map_err(|e| e.during(during))? == 0 {
                            needed.extend(statements);
                        }
                    }
                    Ok(needed)
                })?;
                for sql in needed {
                    script.push_str(&statement_end(&sql));
                }
            }
            Tracking::Current => {}
        }
        let (begin, commit) = match dialect {
            Dialect::Db2 => ("", "COMMIT;\n"),
            Dialect::Sqlite | Dialect::Postgres => ("BEGIN;\n", "COMMIT;\n"),
        };
        for migration in pending {
            if migration.up_no_transaction() {
                script.push_str(&format!(
                    "\n-- {} ({}), without a transaction: each statement commits on its own\n",
                    migration.id, migration.up_path
                ));
                for statement in crate::split::split_statements(&migration.up_sql) {
                    script.push_str(&statement_end(statement.text));
                    if dialect == Dialect::Db2 {
                        script.push_str(commit);
                    }
                }
                script.push_str(begin);
                script.push_str(&statement_end(&tracking_sql.insert_applied(
                    &migration.id,
                    &migration.checksum,
                    0,
                )));
                script.push_str(commit);
                continue;
            }
            let fk_off = dialect == Dialect::Sqlite && migration.up_foreign_keys_off();
            script.push_str(&format!("\n-- {} ({})\n", migration.id, migration.up_path));
            if fk_off {
                script.push_str("PRAGMA foreign_keys = OFF;\n");
            }
            script.push_str(begin);
            script.push_str(&statement_end(&migration.up_sql));
            if fk_off {
                script.push_str("PRAGMA foreign_key_check;\n");
            }
            script.push_str(&statement_end(&tracking_sql.insert_applied(
                &migration.id,
                &migration.checksum,
                0,
            )));
            script.push_str(commit);
            if fk_off {
                script.push_str("PRAGMA foreign_keys = ON;\n");
            }
        }
        Ok(script)
    }

    /// The tracking table's shape and the pending migrations up to `tier` (and `until`).
    fn pending(
        &mut self,
        tier: Tier,
        until: Option<&str>,
    ) -> Result<(Tracking, Vec<&'a Migration>)> {
        let set = self.set;
        let plan = self.ordered(tier, until)?;
        let (tracking, applied) = tracking::read_applied(self.conn)?;
        tracking::refuse_modified(set.all(self.dialect), &applied)?;
        let pending: Vec<&Migration> = plan
            .into_iter()
            .filter(|m| !applied.contains_key(m.id.as_str()))
            .collect();
        refuse_transaction_control(pending.iter().map(|m| (m.up_path.clone(), &*m.up_sql)))?;
        Ok((tracking, pending))
    }

    /// Every migration of the dialect with its state, then applied ones that have no file.
    pub fn status(&mut self) -> Result<Vec<StatusEntry>> {
        self.set.up_to(self.dialect, Tier::Advanced)?;
        let (_, mut applied) = tracking::read_applied(self.conn)?;
        let mut entries: Vec<StatusEntry> = self
            .set
            .all(self.dialect)
            .iter()
            .map(|migration| match applied.remove(migration.id.as_str()) {
                Some(row) => StatusEntry {
                    id: row.id,
                    state: match row.checksum {
                        None => State::Unverified,
                        Some(checksum) if checksum == migration.checksum => State::Applied,
                        Some(_) => State::Modified,
                    },
                    applied_at: Some(row.applied_at),
                    duration_ms: row.duration_ms,
                    no_transaction: migration.up_no_transaction(),
                },
                None => StatusEntry {
                    id: migration.id.clone(),
                    state: State::Pending,
                    applied_at: None,
                    duration_ms: None,
                    no_transaction: migration.up_no_transaction(),
                },
            })
            .collect();
        entries.extend(applied.into_values().map(|row| StatusEntry {
            id: row.id,
            state: State::Missing,
            applied_at: Some(row.applied_at),
            duration_ms: row.duration_ms,
            no_transaction: false,
        }));
        Ok(entries)
    }

    /// Checks recorded checksums against the files: errors on modified, then on missing, then
    /// on unverified (no checksum recorded yet).
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
        let unverified = ids_in(State::Unverified);
        if !unverified.is_empty() {
            return Err(Error::Unverified(unverified));
        }
        Ok(entries)
    }

    /// Every difference between the live schema and the one the applied migrations should
    /// have produced (from the directory's `<dialect>/shapes.json`), one line each naming
    /// table and object; empty when they are equal. [`Error::NoShapes`] without that file.
    pub fn drift(&mut self) -> Result<Vec<String>> {
        crate::drift::drift(self.conn, self.set)
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
        let result = self.locked(|runner| {
            let (tracking, applied) = tracking::read_applied(runner.conn)?;
            if tracking == Tracking::Older {
                tracking::upgrade(runner.conn)?;
            }
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
            refuse_transaction_control(
                to_revert
                    .iter()
                    .map(|m| (m.down_path(), m.down_sql.as_deref().unwrap_or_default())),
            )?;
            let mut steps = Vec::new();
            for migration in to_revert {
                if let Some(step) = runner.revert(migration, progress)? {
                    steps.push(step);
                }
            }
            Ok(steps)
        });
        result.map_err(|error| self.naming_reorg_pending(error))
    }

    /// Records the current checksum of applied migration `id`, after a reviewed edit (or to
    /// verify a row an older runner wrote).
    pub fn rebless(&mut self, id: &str) -> Result<()> {
        if self.set.get(self.dialect, id).is_none() {
            return Err(Error::UnknownMigration(id.to_string()));
        }
        let reblessed = self
            .rebless_where(&format!("re-recording the checksum of {id}"), |row| {
                row.id == id
            })?;
        if reblessed.is_empty() {
            return Err(Error::NotApplied(id.to_string()));
        }
        Ok(())
    }

    /// Records the current checksum of every applied migration that has none (rows an older
    /// runner wrote, see [`State::Unverified`]) and has a file; returns their ids. Run it once
    /// the database is known to match those files.
    pub fn rebless_all_unverified(&mut self) -> Result<Vec<String>> {
        self.rebless_where("recording the checksums of unverified migrations", |row| {
            row.checksum.is_none()
        })
    }

    /// Re-records, in one locked transaction, the checksum of each applied row that has a file
    /// and satisfies `select`.
    fn rebless_where(
        &mut self,
        context: &str,
        select: impl Fn(&AppliedMigration) -> bool,
    ) -> Result<Vec<String>> {
        let set = self.set;
        let dialect = self.dialect;
        let tracking_sql = self.conn.tracking();
        self.locked(|runner| {
            let tracking = Tracking::detect(runner.conn)?;
            if tracking == Tracking::Absent {
                return Ok(Vec::new());
            }
            transaction(runner.conn, Begin::Locked(tracking), context, |conn| {
                let mut reblessed = Vec::new();
                let rows = conn
                    .query_applied(&tracking_sql.select_applied(None, false))
                    .map_err(|e| e.during(context))?;
                for row in rows {
                    if let Some(migration) = set.get(dialect, &row.id)
                        && select(&row)
                    {
                        conn.execute(&tracking_sql.update_checksum(&row.id, &migration.checksum))
                            .map_err(|e| e.during(context))?;
                        reblessed.push(row.id);
                    }
                }
                Ok(reblessed)
            })
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

    /// Applies one migration in its own transaction under the tracking-table lock (creating or
    /// upgrading the table in it, per `tracking`); `None` when another runner applied it first.
    /// With `shapes`, its tables must have the shape its entry gives before it is recorded.
    fn apply(
        &mut self,
        migration: &Migration,
        tracking: Tracking,
        shapes: Option<&ShapesFile>,
        progress: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Option<Step>> {
        if migration.up_no_transaction() {
            return self.apply_without_transaction(migration, tracking, progress);
        }
        let id = migration.id.as_str();
        let tracking_sql = self.conn.tracking();
        let recording = format!("recording {id} (rolled back)");
        let fk_off = migration.up_foreign_keys_off();
        let step = foreign_keys_off_around(self.conn, fk_off, |conn| {
            transaction_ending(conn, Begin::Locked(tracking), &recording, |conn| {
                if recorded(conn, migration)? {
                    return Ok(End::Rollback(None));
                }
                progress(Progress::Applying(id));
                let started = Instant::now();
                let check = shape_check(conn, shapes, id)?;
                conn.execute_script(&migration.up_sql)
                    .map_err(|failure| failure.into_error(id, RolledBack::Migration))?;
                if fk_off {
                    check_foreign_keys(conn, &format!("migration {id}"), RolledBack::Migration)?;
                }
                if let Some(shapes) = check {
                    crate::drift::check_migration(conn, shapes, id, RolledBack::Migration)?;
                }
                let duration_ms = elapsed_ms(started);
                conn.execute(&tracking_sql.insert_applied(id, &migration.checksum, duration_ms))
                    .map_err(|e| e.during(&recording))?;
                Ok(End::Commit(Some(Step {
                    id: id.to_string(),
                    duration_ms,
                })))
            })
        })?;
        match &step {
            Some(step) => progress(Progress::Applied(step)),
            None => progress(Progress::AppliedElsewhere(id)),
        }
        Ok(step)
    }

    /// Applies a migration with the
    /// [`NO_TRANSACTION`](migration_layout::directive::NO_TRANSACTION) directive: under the
    /// tracking-table lock, skips it when another runner recorded it; then runs its statements
    /// one by one, each committed on its own ([`Connection::execute_script_autocommit`]), and
    /// records it in a short locked transaction of its own once all succeeded (unless another
    /// runner recorded it meanwhile). A failure records nothing; the statements before it stay.
    fn apply_without_transaction(
        &mut self,
        migration: &Migration,
        tracking: Tracking,
        progress: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Option<Step>> {
        let id = migration.id.as_str();
        let tracking_sql = self.conn.tracking();
        let checking = format!("reading the tracking row of {id}");
        let already = transaction(self.conn, Begin::Locked(tracking), &checking, |conn| {
            recorded(conn, migration)
        })?;
        if already {
            progress(Progress::AppliedElsewhere(id));
            return Ok(None);
        }
        progress(Progress::Applying(id));
        let started = Instant::now();
        self.conn
            .execute_script_autocommit(&migration.up_sql)
            .map_err(|failure| failure.into_no_transaction_error(id, "up"))?;
        let duration_ms = elapsed_ms(started);
        let recording = format!(
            "recording {id}, whose statements all ran without a transaction (nothing recorded: \
             run `spine-migrate up` again, the file is written to be safe to run again)"
        );
        let step = transaction_ending(
            self.conn,
            Begin::Locked(Tracking::Current),
            &recording,
            |conn| {
                if recorded(conn, migration)? {
                    return Ok(End::Rollback(None));
                }
                conn.execute(&tracking_sql.insert_applied(id, &migration.checksum, duration_ms))
                    .map_err(|e| e.during(&recording))?;
                Ok(End::Commit(Some(Step {
                    id: id.to_string(),
                    duration_ms,
                })))
            },
        )?;
        match &step {
            Some(step) => progress(Progress::Applied(step)),
            None => progress(Progress::AppliedElsewhere(id)),
        }
        Ok(step)
    }

    /// Applies `pending` and their tracking rows in one transaction under the tracking-table
    /// lock (creating or upgrading the table in it); re-reads the tracking table once locked and
    /// skips what another runner applied meanwhile. Any failure rolls the whole run back.
    fn apply_group(
        &mut self,
        pending: &[&Migration],
        tracking: Tracking,
        shapes: Option<&ShapesFile>,
        progress: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Vec<Step>> {
        if pending.is_empty() && tracking != Tracking::Older {
            return Ok(Vec::new());
        }
        let dialect = self.dialect;
        let tracking_sql = self.conn.tracking();
        let all = self.set.all(dialect);
        let fk_off_for: Vec<&str> = pending
            .iter()
            .filter(|m| m.up_foreign_keys_off())
            .map(|m| m.id.as_str())
            .collect();
        let fk_off = !fk_off_for.is_empty();
        foreign_keys_off_around(self.conn, fk_off, |conn| {
            transaction(
                conn,
                Begin::Locked(tracking),
                "committing the run (rolled back)",
                |conn| {
                    let applied = tracking::read_applied_locked(conn)?;
                    tracking::refuse_modified(all, &applied)?;
                    let mut steps = Vec::new();
                    for migration in pending {
                        let id = migration.id.as_str();
                        if applied.contains_key(id) {
                            progress(Progress::AppliedElsewhere(id));
                            continue;
                        }
                        progress(Progress::Applying(id));
                        let started = Instant::now();
                        let check = shape_check(conn, shapes, id)?;
                        conn.execute_script(&migration.up_sql)
                            .map_err(|failure| failure.into_error(id, RolledBack::Run))?;
                        if let Some(shapes) = check {
                            crate::drift::check_migration(conn, shapes, id, RolledBack::Run)?;
                        }
                        let duration_ms = elapsed_ms(started);
                        conn.execute(&tracking_sql.insert_applied(
                            id,
                            &migration.checksum,
                            duration_ms,
                        ))
                        .map_err(|e| e.during(format!("recording {id} (run rolled back)")))?;
                        let step = Step {
                            id: id.to_string(),
                            duration_ms,
                        };
                        progress(Progress::Applied(&step));
                        steps.push(step);
                    }
                    if fk_off {
                        let after =
                            format!("the run (foreign keys off for {})", fk_off_for.join(", "));
                        check_foreign_keys(conn, &after, RolledBack::Run)?;
                    }
                    Ok(steps)
                },
            )
        })
    }

    /// Reverts one migration under the tracking-table lock; `None` when another runner
    /// reverted it first.
    fn revert(
        &mut self,
        migration: &Migration,
        progress: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Option<Step>> {
        if migration.down_no_transaction() {
            return self.revert_without_transaction(migration, progress);
        }
        let id = migration.id.as_str();
        let tracking_sql = self.conn.tracking();
        let down_sql = migration.down_sql.as_deref().unwrap_or_default();
        let locking = format!("locking the tracking table for {id}");
        let removing = format!("removing the tracking row of {id} (rolled back)");
        let fk_off = migration.down_foreign_keys_off();
        let step = foreign_keys_off_around(self.conn, fk_off, |conn| {
            transaction_ending(conn, Begin::Exclusive(&locking), &removing, |conn| {
                let rows = conn
                    .query_applied(&tracking_sql.select_applied(Some(id), false))
                    .map_err(|e| e.during(&locking))?;
                if rows.is_empty() {
                    return Ok(End::Rollback(None));
                }
                progress(Progress::Reverting(id));
                let started = Instant::now();
                conn.execute_script(down_sql).map_err(|failure| {
                    failure.into_error(format!("{id} (down)"), RolledBack::Migration)
                })?;
                if fk_off {
                    check_foreign_keys(
                        conn,
                        &format!("migration {id} (down)"),
                        RolledBack::Migration,
                    )?;
                }
                let duration_ms = elapsed_ms(started);
                conn.execute(&tracking_sql.delete_applied(id))
                    .map_err(|e| e.during(&removing))?;
                Ok(End::Commit(Some(Step {
                    id: id.to_string(),
                    duration_ms,
                })))
            })
        })?;
        if let Some(step) = &step {
            progress(Progress::Reverted(step));
        }
        Ok(step)
    }

    /// Reverts a migration whose down file has the
    /// [`NO_TRANSACTION`](migration_layout::directive::NO_TRANSACTION) directive, as
    /// [`apply_without_transaction`](Runner::apply_without_transaction) applies one: its
    /// statements one by one, then the removal of its tracking row in a short locked
    /// transaction; a failure keeps the row.
    fn revert_without_transaction(
        &mut self,
        migration: &Migration,
        progress: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Option<Step>> {
        let id = migration.id.as_str();
        let tracking_sql = self.conn.tracking();
        let down_sql = migration.down_sql.as_deref().unwrap_or_default();
        let locking = format!("locking the tracking table for {id}");
        let select = tracking_sql.select_applied(Some(id), false);
        let applied = transaction(self.conn, Begin::Exclusive(&locking), &locking, |conn| {
            conn.query_applied(&select)
                .map(|rows| !rows.is_empty())
                .map_err(|e| e.during(&locking))
        })?;
        if !applied {
            return Ok(None);
        }
        progress(Progress::Reverting(id));
        let started = Instant::now();
        self.conn
            .execute_script_autocommit(down_sql)
            .map_err(|failure| failure.into_no_transaction_error(format!("{id} (down)"), "down"))?;
        let duration_ms = elapsed_ms(started);
        let removing = format!(
            "removing the tracking row of {id}, whose down statements all ran without a \
             transaction (it is still recorded: run `spine-migrate down` again, the file is \
             written to be safe to run again)"
        );
        let step = transaction_ending(self.conn, Begin::Exclusive(&locking), &removing, |conn| {
            let rows = conn
                .query_applied(&select)
                .map_err(|e| e.during(&locking))?;
            if rows.is_empty() {
                return Ok(End::Rollback(None));
            }
            conn.execute(&tracking_sql.delete_applied(id))
                .map_err(|e| e.during(&removing))?;
            Ok(End::Commit(Some(Step {
                id: id.to_string(),
                duration_ms,
            })))
        })?;
        if let Some(step) = &step {
            progress(Progress::Reverted(step));
        }
        Ok(step)
    }
}

/// Whether `migration` is recorded, read inside the caller's locked transaction; fails with
/// [`Error::Modified`] when it is recorded with another checksum than its file's.
fn recorded(conn: &mut dyn Connection, migration: &Migration) -> Result<bool> {
    let id = migration.id.as_str();
    let rows = conn
        .query_applied(&conn.tracking().select_applied(Some(id), false))
        .map_err(|e| e.during(format!("reading the tracking row of {id}")))?;
    match rows.first() {
        Some(row)
            if row
                .checksum
                .as_ref()
                .is_some_and(|checksum| checksum != &migration.checksum) =>
        {
            Err(Error::Modified(vec![id.to_string()]))
        }
        Some(_) => Ok(true),
        None => Ok(false),
    }
}

/// [`Error::TransactionControl`] for the first of `files` (path, SQL) that begins, ends or
/// splits a transaction: checked for every file of a run before any of them runs.
fn refuse_transaction_control<'s>(
    files: impl IntoIterator<Item = (String, &'s str)>,
) -> Result<()> {
    for (path, sql) in files {
        if let Some(found) = crate::split::transaction_control(sql) {
            return Err(Error::TransactionControl {
                path,
                line: found.line,
                sql: found.statement.text.to_string(),
            });
        }
    }
    Ok(())
}

/// Before migration `id` runs: the shapes to compare its tables with afterwards, when the
/// directory has them and the migration meets objects that already exist.
fn shape_check<'s>(
    conn: &mut dyn Connection,
    shapes: Option<&'s ShapesFile>,
    id: &str,
) -> Result<Option<&'s ShapesFile>> {
    match shapes {
        Some(shapes) if crate::drift::meets_existing_objects(conn, shapes, id)? => Ok(Some(shapes)),
        Some(_) | None => Ok(None),
    }
}

fn elapsed_ms(started: Instant) -> i64 {
    i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX)
}
