//! The spine migration runner: applies generated migration files to SQLite, PostgreSQL and
//! ODBC data sources (Db2, and SQLite/PostgreSQL through their ODBC drivers).
//!
//! # Files
//! `<root>/<dialect>/<group>/<NNNN>_<name>.up.sql` (+ optional `.down.sql`); groups are the
//! tiers `basic` < `intermediate` < `advanced`, other directories are dialect overlays applied
//! after all tiers at the top tier only, and `<root>/<dialect>/release-order.txt` lists the
//! dialect's migration ids in release order. Migration id: `<group>/<NNNN>_<name>`. See
//! [`MigrationSet::from_dir`], [`MigrationSet::from_embedded`] and [`include_migrations!`].
//!
//! The tracking table is `_migrations` unless [`Runner::with_tracking_table`] names another
//! ([`TrackingTable`]: `table` or `schema.table`); below, `_migrations` stands for it.
//!
//! # Guarantees
//! - **All or nothing per migration** (default, [`Runner::up`]): a migration's statements and
//!   its row in the tracking table `_migrations` commit in one transaction (all three engines
//!   have transactional DDL). A failure rolls back and reports the migration id, statement
//!   number and text, and the database's own message; the migrations before it stay applied,
//!   and a crashed run resumes where it stopped.
//! - **All or nothing per run** (`up --group`, [`Runner::up_grouped`], Flyway's `group`): every
//!   pending migration and its row commit in ONE transaction, so a failure leaves nothing of
//!   the run ([`Error::RunFailed`] names the migration, statement and text). It costs one
//!   commit instead of one per migration (on SQLite each commit is several `fsync`s), but a
//!   failure or crash also discards the migrations that succeeded, and the write lock is held
//!   for the whole run. Per-migration stays the default.
//! - **Apply order = release order**: a dialect's migrations apply in the order of its manifest
//!   `<dialect>/release-order.txt` ([`migration_layout::release_order`]), filtered by tier; `up`,
//!   `plan`, `status` and `down` all follow it, so a fresh database gets what upgraded ones got.
//!   A manifest and the files that disagree are refused ([`Error::InconsistentFiles`], naming
//!   both); without a manifest the order is tiers, then the dialect's overlay.
//! - **SQLite rebuilds keep child rows**: a file with the directive
//!   [`FOREIGN_KEYS_OFF`](migration_layout::directive::FOREIGN_KEYS_OFF) among its leading
//!   comments runs with foreign keys turned off before its transaction begins
//!   ([`Connection::set_foreign_keys`]), so dropping a rebuilt parent cascades into no child;
//!   before COMMIT, `PRAGMA foreign_key_check` ([`Connection::foreign_key_violations`]) must
//!   find nothing, else the migration (with `--group`: the run, checked once) rolls back whole
//!   ([`Error::ForeignKeyCheckFailed`], naming the table and rowid of the first violation and
//!   the count). Foreign keys are on again afterwards, whatever happened. Up and down files
//!   alike; PostgreSQL and Db2 ignore the directive.
//! - **Migrations without a transaction**: a file with the directive
//!   [`NO_TRANSACTION`](migration_layout::directive::NO_TRANSACTION) among its leading comments
//!   (for PostgreSQL's `CREATE / DROP INDEX CONCURRENTLY`, refused inside a transaction) runs
//!   its statements one by one, each committed on its own
//!   ([`Connection::execute_script_autocommit`]), on every dialect; it is recorded in a short
//!   locked transaction of its own once every statement succeeded. A failure records nothing
//!   and keeps the statements before it ([`Error::NoTransactionFailed`]): such a file is
//!   written to be safe to run again from its start. `up --group` refuses a pending one before
//!   anything runs ([`Error::GroupedNoTransaction`]); `down` honours the directive in down
//!   files. It cannot be combined with `foreign_keys off`.
//! - **No commit of its own for the tracking table**: on a fresh database `_migrations` is
//!   created inside the first migration's transaction (inside the run's with `--group`); if
//!   another runner creates it at the same moment, this one rolls back and retries on theirs.
//! - **No silent adoption**: where the migrations directory has `<dialect>/shapes.json`
//!   (codegen writes it; hand-written trees have none), each migration's tables must have the
//!   shape its entry gives before its tracking row is written, in its transaction: a table
//!   that already existed in another shape (kept by `CREATE TABLE IF NOT EXISTS`) rolls the
//!   migration back, recording nothing ([`Error::ShapeMismatch`], every difference named).
//!   [`Runner::drift`] compares the whole live schema with the applied migrations' shapes.
//! - **Checksums**: SHA-256 of the up file with CRLF normalised to LF. `up` refuses to run when
//!   an applied file changed; `status`/`validate` report it; `rebless` re-records one.
//! - **Adopting an older tracking table**: a `_migrations(migration_id, applied_at)` left by the
//!   design document's Python runner is upgraded in place by `up`, `down` and `rebless`
//!   (`ALTER TABLE ... ADD COLUMN` inside the locked transaction, see
//!   [`tracking::TrackingSql::tracking_upgrades`]); its rows count as applied, with no checksum:
//!   [`State::Unverified`] in `status`, an error for `validate`, until `rebless ID` or
//!   `rebless --all-unverified` ([`Runner::rebless_all_unverified`]) records them.
//! - **Read-only commands stay read-only**: `status`, `plan` and `validate` write nothing and
//!   ([`Target::connect_read_only`]) never create a SQLite file; a missing file reads as empty.
//! - **Locking** — two runners never apply at once, and a crashed runner never leaves a lock:
//!   - PostgreSQL (native driver and ODBC): session-level `pg_advisory_lock` for the whole
//!     command, released by the server when the connection dies, so a migration without a
//!     transaction is excluded whole; plus `LOCK TABLE _migrations IN EXCLUSIVE MODE` in each
//!     migration transaction.
//!   - SQLite (rusqlite): each migration runs in `BEGIN IMMEDIATE` (the database write lock,
//!     waited for with a busy timeout); the OS drops a dead process's file locks and the next
//!     connection rolls back its hot journal.
//!   - ODBC: each migration transaction first runs `LOCK TABLE "_migrations" IN EXCLUSIVE MODE`
//!     (Db2, PostgreSQL) or, on SQLite, a no-op `UPDATE` of the tracking table that takes the
//!     write lock before anything is read.
//!   - Every driver then re-reads the migration's tracking row inside the locked transaction
//!     and skips it if another runner got there first. No lock row or lock table exists, so
//!     nothing can stay stuck.
//!   - SQLite and Db2 have no lock that outlives a transaction: the statements of a migration
//!     without a transaction run outside any lock, so two runners may both run them (the file
//!     is written to be safe to run again); the recording transaction re-reads the tracking
//!     row under the lock, so it is recorded once.
//!
//! # Drivers (cargo features)
//! `sqlite` (rusqlite, SQLite compiled in) and `postgres` (pure Rust, TLS with rustls) are on by
//! default; `odbc` (odbc-api, links unixODBC's `libodbc.so.2`) is opt-in; `tokio` adds
//! [`run_blocking`] and [`up_async`]. A target whose driver was not compiled in fails with
//! [`Error::DriverNotBuilt`], naming the feature.
//!
//! # Use at start-up
//! From async code (tokio), use [`run_blocking`] or [`up_async`] instead.
//! ```no_run
//! # fn main() -> Result<(), migrate::Error> {
//! let set = migrate::bundled()?; // or MigrationSet::from_dir("migrations-generated")?
//! let target: migrate::Target = "sqlite:spine.db".parse()?;
//! let mut conn = target.connect(None)?;
//! migrate::Runner::new(conn.as_mut(), &set).up(migrate::Tier::Advanced, &mut |_| {})?;
//! # Ok(()) }
//! ```

pub mod checksum;
mod drift;
pub mod driver;
pub mod error;
pub mod redact;
pub mod runner;
pub mod source;
pub mod split;
pub mod target;
pub mod tracking;
mod transaction;

pub use driver::Connection;
pub use error::{Error, Result};
pub use migration_layout::{Dialect, Tier};
pub use runner::{DownTarget, Progress, ReorgPending, Runner, State, StatusEntry, Step};
pub use source::{Migration, MigrationSet, Selection};
pub use target::Target;
pub use tracking::TrackingTable;

/// Runs blocking migration work (connecting, [`Runner`] calls) on tokio's blocking thread pool
/// and awaits it: the way to migrate from async code. The drivers are blocking, and the
/// `postgres` crate's client runs a tokio runtime of its own, which panics ("Cannot start a
/// runtime from within a runtime") when called on a runtime's worker thread; on a
/// `spawn_blocking` thread it works. A panic in `work` resumes in the caller.
///
/// ```no_run
/// # async fn start() -> Result<(), migrate::Error> {
/// let steps = migrate::run_blocking(|| {
///     let set = migrate::bundled()?;
///     let mut conn = "postgres://app@db/spine?sslmode=verify-full"
///         .parse::<migrate::Target>()?
///         .connect(None)?;
///     migrate::Runner::new(conn.as_mut(), &set).up(migrate::Tier::Advanced, &mut |_| {})
/// })
/// .await?;
/// # Ok(()) }
/// ```
#[cfg(feature = "tokio")]
pub async fn run_blocking<T, F>(work: F) -> Result<T>
where
    F: FnOnce() -> Result<T> + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(error) => Err(Error::TaskFailed(error.to_string())),
    }
}

/// From async code: connects to `target` and applies `set`'s pending migrations up to `tier`
/// (each in its own transaction), on tokio's blocking thread pool (see [`run_blocking`]).
#[cfg(feature = "tokio")]
pub async fn up_async(target: Target, set: MigrationSet, tier: Tier) -> Result<Vec<Step>> {
    run_blocking(move || {
        let mut conn = target.connect(None)?;
        Runner::new(conn.as_mut(), &set).up(tier, &mut |_| {})
    })
    .await
}

/// The [`MigrationSet`] of the files a build script embedded with
/// [`migration_layout::embed::write_embedding`] under `$file` in `OUT_DIR`.
#[macro_export]
macro_rules! include_migrations {
    ($file:literal) => {
        $crate::MigrationSet::from_embedded(include!(concat!(env!("OUT_DIR"), "/", $file)))
    };
}

/// The migrations embedded in this crate at build time: the workspace's
/// `migrations-generated/` (or `$SPINE_MIGRATIONS_DIR`) as it was when `migrate` was compiled.
pub fn bundled() -> Result<MigrationSet> {
    include_migrations!("bundled_migrations.rs")
}

/// [`bundled`], keeping (and hashing) only what `selection` asks for.
pub fn bundled_selected(selection: Selection) -> Result<MigrationSet> {
    MigrationSet::from_embedded_selected(
        include!(concat!(env!("OUT_DIR"), "/bundled_migrations.rs")),
        selection,
    )
}
