//! Applying a migration file is linear in its size, counted, not timed: SQLite's largest single
//! allocation while the runner applies a 4 MB file stays small. Handed the script without a
//! NUL terminator, `sqlite3_prepare` copies the rest of the script before each statement (one
//! allocation as large as the file, and work quadratic in its size: an 8 MB file took 17 s).

#[allow(dead_code, reason = "shared with the other runner suites")]
mod runner_support;

use migrate::Tier;
use runner_support::Setup;
use spine_tests::engines::Engine;
use spine_tests::fixtures::write_migration;

/// SQLite's largest allocation (`SQLITE_STATUS_MALLOC_SIZE`) since the last call, resetting it.
fn largest_sqlite_allocation() -> i64 {
    let (mut current, mut highest) = (0i64, 0i64);
    // SAFETY: sqlite3_status64 only writes the two integers it is given.
    let rc = unsafe {
        rusqlite::ffi::sqlite3_status64(
            rusqlite::ffi::SQLITE_STATUS_MALLOC_SIZE,
            &mut current,
            &mut highest,
            1,
        )
    };
    assert_eq!(rc, rusqlite::ffi::SQLITE_OK);
    highest
}

#[test]
fn sqlite_does_not_copy_the_script_per_statement() {
    let setup = Setup::empty(Engine::Sqlite);
    let mut sql = String::from(
        "-- @generated\nCREATE TABLE big_rows (id INTEGER NOT NULL PRIMARY KEY, payload VARCHAR(200) NOT NULL);\n",
    );
    let mut id = 0;
    while sql.len() < 4 << 20 {
        id += 1;
        sql.push_str(&format!(
            "INSERT INTO big_rows (id, payload) VALUES ({id}, 'row {id:060}');\n"
        ));
    }
    write_migration(&setup.root, setup.dialect(), "basic/0001_big", &sql, None);
    let set = setup.set();
    let mut conn = setup.connect();
    largest_sqlite_allocation();
    migrate::Runner::new(conn.as_mut(), &set)
        .up(Tier::Advanced, &mut |_| {})
        .unwrap_or_else(|e| panic!("{e}"));
    let largest = largest_sqlite_allocation();
    assert_eq!(setup.count("SELECT COUNT(*) FROM big_rows"), id);
    assert!(
        largest < 256 << 10,
        "SQLite allocated {largest} bytes at once applying a {} byte file: it copied the script",
        sql.len()
    );
}
