//! Issue 13's runner classes, in separate processes: files that look like migrations but break
//! the grammar are errors (4), targets that would migrate the wrong database are refused (5),
//! a closed stdout ends quietly with every migration applied (6), the PostgreSQL lock wait
//! says so and times out, and read-only commands work right after a crash on SQLite (8).

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a test fails by panicking"
)]

mod process;

use process::{migrate, run, scratch, text};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// PostgreSQL's advisory lock key ("SPINEMIG"), as the runner takes it.
const ADVISORY_LOCK_KEY: i64 = 0x5350_494E_454D_4947;

fn write(path: &Path, contents: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

/// A small valid tree: two SQLite migrations.
fn small_tree(root: &Path) {
    write(
        &root.join("sqlite/basic/0001_a.up.sql"),
        b"CREATE TABLE a (x INTEGER);\n",
    );
    write(
        &root.join("sqlite/basic/0002_b.up.sql"),
        b"CREATE TABLE b (x INTEGER);\n",
    );
}

/// Class 4: each lookalike is an error naming the file, for `up` and `status`; nothing is
/// applied (failed before: `.UP.SQL`, `.up.SQL`, a trailing space, a sub-folder and the
/// symlinks were skipped, exit 0).
#[test]
fn files_that_look_like_migrations_but_break_the_grammar_are_errors_naming_them() {
    type Spoil = fn(&Path);
    let cases: [(&str, Spoil, &str); 9] = [
        (
            "upper-case suffix",
            |root| write(&root.join("sqlite/basic/0003_c.UP.SQL"), b"SELECT 1;"),
            "malformed migration file name 'sqlite/basic/0003_c.UP.SQL'",
        ),
        (
            "mixed-case suffix",
            |root| write(&root.join("sqlite/basic/0003_c.up.SQL"), b"SELECT 1;"),
            "malformed migration file name 'sqlite/basic/0003_c.up.SQL'",
        ),
        (
            "trailing space",
            |root| write(&root.join("sqlite/basic/0003_c.up.sql "), b"SELECT 1;"),
            "malformed migration file name 'sqlite/basic/0003_c.up.sql '",
        ),
        (
            "space in the name",
            |root| write(&root.join("sqlite/basic/0003_c d.up.sql"), b"SELECT 1;"),
            "malformed migration file name 'sqlite/basic/0003_c d.up.sql'",
        ),
        (
            "sub-folder of a tier",
            |root| write(&root.join("sqlite/basic/old/0003_c.up.sql"), b"SELECT 1;"),
            "'sqlite/basic/old' is in a sub-folder of a group folder",
        ),
        (
            "dangling symlink",
            |root| {
                std::os::unix::fs::symlink(
                    root.join("nowhere.sql"),
                    root.join("sqlite/basic/0003_c.up.sql"),
                )
                .unwrap()
            },
            "'sqlite/basic/0003_c.up.sql' is a symbolic link",
        ),
        (
            "self-referencing symlink",
            |root| {
                let link = root.join("sqlite/basic/0003_c.up.sql");
                std::os::unix::fs::symlink(&link, &link).unwrap()
            },
            "'sqlite/basic/0003_c.up.sql' is a symbolic link",
        ),
        (
            "misspelt tier folder",
            |root| write(&root.join("sqlite/intermedate/0001_c.up.sql"), b"SELECT 1;"),
            "unknown migration group 'intermedate'",
        ),
        (
            "migration file outside any group",
            |root| write(&root.join("sqlite/0003_c.up.sql"), b"SELECT 1;"),
            "malformed migration file name 'sqlite/0003_c.up.sql'",
        ),
    ];
    for (case, spoil, expected) in cases {
        let cwd = scratch();
        let root = cwd.path().join("migrations");
        small_tree(&root);
        spoil(&root);
        for command in ["up", "status"] {
            let output = run(migrate(cwd.path()).args([
                "--dir",
                "migrations",
                "-t",
                "sqlite:x.db",
                command,
            ]));
            let stderr = text(&output.stderr);
            assert_eq!(output.status.code(), Some(1), "{case} {command}: {stderr}");
            assert!(stderr.contains(expected), "{case} {command}: {stderr}");
            assert!(!cwd.path().join("x.db").exists(), "{case}: nothing created");
        }
    }
}

/// Class 4 (read only what is needed): another dialect's unreadable file does not stop a
/// SQLite run, and down files are read by `down` only (failed before: every dialect's files
/// and every down file were read).
#[test]
fn only_the_target_dialects_files_are_read_and_down_files_only_by_down() {
    let cwd = scratch();
    let root = cwd.path().join("migrations");
    small_tree(&root);
    write(
        &root.join("postgres/basic/0001_a.up.sql"),
        b"CREATE TABLE a (x \xff);",
    );
    write(
        &root.join("sqlite/basic/0002_b.down.sql"),
        b"\xfe not UTF-8",
    );
    let migrate_with = |args: &[&str]| {
        let mut command = migrate(cwd.path());
        command
            .args(["--dir", "migrations", "-t", "sqlite:x.db"])
            .args(args);
        run(&mut command)
    };
    for args in [&["up"][..], &["status"], &["validate"], &["plan"]] {
        let output = migrate_with(args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
    let output = migrate_with(&["down", "--count", "1"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("sqlite/basic/0002_b.down.sql"),
        "{}",
        text(&output.stderr)
    );
}

/// Class 5 (failed before: `:memory:` reported 2 applied, `pg:spine` created a SQLite file of
/// that name, `a=b.db` was read as PostgreSQL key=value pairs).
#[test]
fn targets_that_would_migrate_the_wrong_database_are_refused() {
    let cwd = scratch();
    let root = cwd.path().join("migrations");
    small_tree(&root);
    let dir = cwd.path().display().to_string();
    let cases: [(String, &[&str], &str); 6] = [
        (
            ":memory:".into(),
            &["up"],
            "malformed target 'sqlite::memory:': an in-memory SQLite database ends with this command, so nothing it applied would be kept; give a file (sqlite:PATH)",
        ),
        (
            ":memory:".into(),
            &["down", "--all"],
            "an in-memory SQLite database",
        ),
        (
            ":memory:".into(),
            &["rebless", "basic/0001_a"],
            "an in-memory SQLite database",
        ),
        (
            "pg:spine".into(),
            &["up"],
            "malformed target 'pg:spine': unsupported scheme 'pg:'; use sqlite:PATH, postgres://... or odbc:<connection string> (for a SQLite file whose name starts with 'pg:', write sqlite:pg:spine)",
        ),
        (
            format!("{dir}/a=b.db"),
            &["up"],
            "a bare path containing '=' is ambiguous (PostgreSQL's key=value pairs use '='): write sqlite:PATH for a SQLite file, or postgres://... for PostgreSQL",
        ),
        (
            "postgres:spine".into(),
            &["status"],
            "unsupported scheme 'postgres:'",
        ),
    ];
    for (target, args, expected) in &cases {
        let output = run(migrate(cwd.path())
            .args(["--dir", "migrations", "-t", target])
            .args(*args));
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{target} {args:?}: {stderr}");
        assert!(stderr.contains(expected), "{target}: {stderr}");
        assert!(output.stdout.is_empty(), "{}", text(&output.stdout));
    }
    let names: Vec<_> = std::fs::read_dir(cwd.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, [OsStr::new("migrations")], "nothing created");
    // The rule's ways out work: sqlite: before a path with '=' or a scheme-like name.
    for target in ["sqlite:a=b.db", "sqlite:pg:spine"] {
        let output = run(migrate(cwd.path()).args(["--dir", "migrations", "-t", target, "up"]));
        assert!(
            output.status.success(),
            "{target}: {}",
            text(&output.stderr)
        );
    }
    assert!(cwd.path().join("a=b.db").is_file() && cwd.path().join("pg:spine").is_file());
    // A non-UTF-8 byte in --target is an error, never a fallback to ./spine.db.
    let output = run(migrate(cwd.path())
        .args(["--dir", "migrations", "-t"])
        .arg(OsStr::from_bytes(b"sqlite:x\xff.db"))
        .arg("up"));
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("it is not valid UTF-8"));
    assert!(!cwd.path().join("spine.db").exists());
}

/// `migrate ARGS` with its stdout a pipe whose reading end is already closed: every write
/// fails with EPIPE, as in `migrate up | head -1` once `head` has gone.
fn with_closed_stdout(cwd: &Path, args: &[&str]) -> Output {
    // The writing end of a pipe whose only reader, `true`, has exited.
    let mut reader = Command::new("true").stdin(Stdio::piped()).spawn().unwrap();
    let writer = reader.stdin.take().unwrap();
    assert!(reader.wait().unwrap().success());
    let child = migrate(cwd)
        .args(args)
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Class 6 (failed before: exit 101, "failed printing to stdout: Broken pipe" panics, after
/// the first migration).
#[test]
fn a_closed_stdout_ends_quietly_and_every_migration_is_applied() {
    let cwd = scratch();
    let ids = migrate::bundled()
        .unwrap()
        .up_to(migrate::Dialect::Sqlite, migrate::Tier::Advanced)
        .unwrap()
        .len();
    for args in [
        &["-t", "sqlite:x.db", "plan"][..],
        &["-t", "sqlite:x.db", "up"],
        &["-t", "sqlite:x.db", "status"],
        &["-t", "sqlite:x.db", "plan", "--sql"],
        &["-t", "sqlite:x.db", "--json", "validate"],
        &["completions", "bash"],
    ] {
        let output = with_closed_stdout(cwd.path(), args);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    let status = run(migrate(cwd.path()).args(["-t", "sqlite:x.db", "status"]));
    assert!(
        text(&status.stdout).contains(&format!("{ids} applied, 0 pending")),
        "{}",
        text(&status.stdout)
    );
}

/// Class 8: a runner waiting for PostgreSQL's migration lock says so after a second and
/// gives up after --lock-timeout (failed before: no such flag, and it waited silently forever).
#[test]
fn a_runner_waiting_for_the_postgres_lock_says_so_and_times_out() {
    let cwd = scratch();
    let database = spine_tests::pg::fresh_database();
    let mut holder = database.client();
    holder
        .execute("SELECT pg_advisory_lock($1)", &[&ADVISORY_LOCK_KEY])
        .unwrap();
    let started = std::time::Instant::now();
    let output =
        run(migrate(cwd.path()).args(["-t", &database.url(), "--lock-timeout", "2", "up"]));
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("waiting for the migration lock held by another runner…"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "database error while taking the migration lock: timed out after 2 s waiting for \
             the migration lock held by another runner (PostgreSQL backend pid "
        ) && stderr
            .contains("let that runner finish (or stop it) and run again, or raise --lock-timeout"),
        "{stderr}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    // Once the lock is free the same command applies everything.
    holder
        .execute("SELECT pg_advisory_unlock($1)", &[&ADVISORY_LOCK_KEY])
        .unwrap();
    let output =
        run(migrate(cwd.path()).args(["-t", &database.url(), "--lock-timeout", "2", "up"]));
    assert!(output.status.success(), "{}", text(&output.stderr));
}

/// Class 8: right after a crash mid-transaction on SQLite (a hot journal beside the file),
/// `status`, `validate` and `plan` work and see the database as before the crashed
/// transaction (failed before: "attempt to write a readonly database").
#[test]
fn read_only_commands_work_right_after_a_crash_on_sqlite() {
    let cwd = scratch();
    let output = run(migrate(cwd.path()).args(["-t", "sqlite:live.db", "up", "--tier", "basic"]));
    assert!(output.status.success(), "{}", text(&output.stderr));
    // The crash: a transaction that spilled pages into the file, its journal written; the
    // files copied as they are then (no process holds a lock on the copies), as a killed
    // process leaves them.
    let mut sqlite3 = Command::new("sqlite3")
        .arg("live.db")
        .current_dir(cwd.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        sqlite3.stdin.as_mut().unwrap(),
        b"PRAGMA cache_size=1;\nBEGIN;\nCREATE TABLE big(x);\n\
          WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<3000) \
          INSERT INTO big SELECT randomblob(1000) FROM n;\n\
          DELETE FROM _migrations;\n\
          .shell cp live.db crashed.db; cp live.db-journal crashed.db-journal\n\
          ROLLBACK;\n",
    )
    .unwrap();
    drop(sqlite3.stdin.take());
    assert!(sqlite3.wait().unwrap().success());
    assert!(
        cwd.path().join("crashed.db-journal").is_file(),
        "a hot journal"
    );
    for command in ["status", "validate", "plan"] {
        let output = run(migrate(cwd.path()).args(["-t", "sqlite:crashed.db", command]));
        let stderr = text(&output.stderr);
        assert!(output.status.success(), "{command}: {stderr}");
        assert!(!stderr.contains("readonly"), "{stderr}");
    }
    let status = run(migrate(cwd.path()).args(["-t", "sqlite:crashed.db", "status"]));
    assert!(
        text(&status.stdout).contains("1 applied, "),
        "the crashed transaction is rolled back: {}",
        text(&status.stdout)
    );
}
