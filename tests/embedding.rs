//! Embedding the runner in an async (tokio) service: `migrate::run_blocking` and
//! `migrate::up_async` run the blocking drivers on tokio's blocking pool, on SQLite and
//! PostgreSQL, from inside a multi-threaded runtime (where the `postgres` crate's blocking
//! client, called directly, panics with "Cannot start a runtime from within a runtime").

use migrate::{Target, Tier};
use spine_tests::pg::fresh_database;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_async_migrates_postgres_inside_a_tokio_runtime() {
    // The harness's own blocking client would panic here too: it runs on the blocking pool.
    let database = tokio::task::spawn_blocking(fresh_database)
        .await
        .expect("a fresh database");
    let target: Target = database.url().parse().expect("target");
    let set = migrate::bundled().expect("embedded migrations");
    let steps = migrate::up_async(target.clone(), set.clone(), Tier::Advanced)
        .await
        .expect("up from async code");
    assert!(steps.len() > 5, "{steps:?}");
    // A second run applies nothing; status, read through run_blocking, shows every one applied.
    let again = migrate::up_async(target.clone(), set.clone(), Tier::Advanced)
        .await
        .expect("second up");
    assert!(again.is_empty(), "{again:?}");
    let status = migrate::run_blocking(move || {
        let mut conn = target.connect_read_only(None)?;
        migrate::Runner::new(conn.as_mut(), &set).status()
    })
    .await
    .expect("status from async code");
    assert!(
        status.iter().all(|e| e.state == migrate::State::Applied),
        "{status:?}"
    );
    assert_eq!(status.len(), steps.len());
}

#[tokio::test(flavor = "current_thread")]
async fn run_blocking_migrates_sqlite_and_returns_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("app.db");
    let target: Target = format!("sqlite:{}", path.display())
        .parse()
        .expect("target");
    let set = migrate::bundled().expect("embedded migrations");
    let steps = migrate::run_blocking(move || {
        let mut conn = target.connect(None)?;
        migrate::Runner::new(conn.as_mut(), &set).up(Tier::Basic, &mut |_| {})
    })
    .await
    .expect("up on SQLite from async code");
    assert!(!steps.is_empty());
    let tables: i64 = rusqlite::Connection::open(&path)
        .expect("open")
        .query_row("SELECT count(*) FROM _migrations", [], |row| row.get(0))
        .expect("count");
    assert_eq!(tables, steps.len() as i64);
    // An error inside comes back as the runner's error, not a panic.
    let error = migrate::run_blocking(|| {
        "sqlite:/nonexistent/dir/x.db"
            .parse::<Target>()?
            .connect(None)
            .map(drop)
    })
    .await
    .expect_err("an unreachable file fails");
    assert!(
        error.to_string().starts_with("cannot connect to"),
        "{error}"
    );
}
