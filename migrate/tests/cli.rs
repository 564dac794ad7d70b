//! The command line's conventions, in separate processes on the embedded migrations: where the
//! target comes from (`--target`, `$SPINE_DATABASE_URL`, `$DATABASE_URL`), usage errors,
//! completions, logging, progress, `up --to` and `plan --sql`.

#![allow(
    clippy::panic,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod process;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Command, Stdio};

use migrate::{Dialect, Tier};
use process::{migrate, run, scratch, text};

/// The embedded SQLite migrations up to `tier`, in apply order.
fn sqlite_ids(tier: Tier) -> Vec<String> {
    let set = migrate::bundled().unwrap_or_else(|e| panic!("{e}"));
    set.up_to(Dialect::Sqlite, tier)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|m| m.id.clone())
        .collect()
}

fn applied_in_postgres(database: &spine_tests::pg::Database) -> i64 {
    database
        .client()
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE tablename = '_migrations'",
            &[],
        )
        .map(|row| row.get::<_, i64>(0))
        .and_then(|exists| {
            if exists == 0 {
                return Ok(0);
            }
            database
                .client()
                .query_one("SELECT count(*) FROM _migrations", &[])
                .map(|row| row.get(0))
        })
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn database_url_is_honoured_and_spine_database_url_takes_precedence() {
    let cwd = scratch();
    let database = spine_tests::pg::fresh_database();
    // A password in the URL (trust authentication ignores it) must be masked in the output.
    let url = database.url().replace("postgres@", "postgres:hunter2@");
    let output = run(migrate(cwd.path()).env("DATABASE_URL", &url).arg("up"));
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    let first = stdout.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("target: postgres://postgres:***@")
            && first.ends_with("(from $DATABASE_URL)"),
        "the target is printed first: {stdout}"
    );
    assert!(!stdout.contains("hunter2"), "{stdout}");
    assert!(
        !cwd.path().join("spine.db").exists(),
        "no fallback to ./spine.db"
    );
    assert_eq!(
        applied_in_postgres(&database),
        postgres_count(),
        "PostgreSQL was migrated"
    );

    // $SPINE_DATABASE_URL wins over $DATABASE_URL, and --target over both.
    let output = run(migrate(cwd.path())
        .env("DATABASE_URL", &url)
        .env("SPINE_DATABASE_URL", "sqlite:spine-env.db")
        .arg("up"));
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).starts_with("target: sqlite:spine-env.db (from $SPINE_DATABASE_URL)"),
        "{}",
        text(&output.stdout)
    );
    assert!(cwd.path().join("spine-env.db").is_file());
    let output = run(migrate(cwd.path())
        .env("DATABASE_URL", &url)
        .env("SPINE_DATABASE_URL", "sqlite:spine-env.db")
        .args(["--target", "sqlite:flag.db", "up", "--tier", "basic"]));
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).starts_with("target: sqlite:flag.db\n"),
        "{}",
        text(&output.stdout)
    );
    assert!(cwd.path().join("flag.db").is_file());
}

/// How many migrations PostgreSQL gets at the advanced tier (its overlay included).
fn postgres_count() -> i64 {
    let set = migrate::bundled().unwrap_or_else(|e| panic!("{e}"));
    set.up_to(Dialect::Postgres, Tier::Advanced)
        .unwrap_or_else(|e| panic!("{e}"))
        .len() as i64
}

#[test]
fn an_unusable_database_url_is_an_error_never_a_fallback_to_spine_db() {
    let cwd = scratch();
    let cases: [(&str, &OsStr, &str); 5] = [
        (
            "DATABASE_URL",
            OsStr::new("mysql://app:hunter2@h/d"),
            "$DATABASE_URL is set but is not a usable target (malformed target 'mysql://app:***@h/d': unsupported scheme 'mysql'",
        ),
        (
            "DATABASE_URL",
            OsStr::new(""),
            "$DATABASE_URL is set but is empty; fix or unset it",
        ),
        (
            "DATABASE_URL",
            OsStr::from_bytes(b"sqlite:spine-\xff.db"),
            "$DATABASE_URL is set but is not valid UTF-8",
        ),
        (
            "SPINE_DATABASE_URL",
            OsStr::new("postgres://app:hunter2@h:notaport/d"),
            "$SPINE_DATABASE_URL is set but is not a usable target",
        ),
        (
            "SPINE_DATABASE_URL",
            OsStr::from_bytes(b"\xfe"),
            "$SPINE_DATABASE_URL is set but is not valid UTF-8",
        ),
    ];
    for (variable, value, expected) in cases {
        for command in ["up", "status"] {
            let output = run(migrate(cwd.path()).env(variable, value).arg(command));
            let stderr = text(&output.stderr);
            assert_eq!(
                output.status.code(),
                Some(1),
                "{variable} {command}: {stderr}"
            );
            assert!(stderr.contains(expected), "{variable}: {stderr}");
            assert!(!stderr.contains("hunter2"), "{stderr}");
            assert!(output.stdout.is_empty(), "{}", text(&output.stdout));
            let files: Vec<_> = std::fs::read_dir(cwd.path())
                .map(|entries| {
                    entries
                        .filter_map(Result::ok)
                        .map(|e| e.file_name())
                        .collect()
                })
                .unwrap_or_default();
            assert!(files.is_empty(), "nothing created: {files:?}");
        }
    }
    // The bad SPINE_DATABASE_URL is reported even when DATABASE_URL is fine.
    let output = run(migrate(cwd.path())
        .env("SPINE_DATABASE_URL", "mysql://h/d")
        .env("DATABASE_URL", "sqlite:ok.db")
        .arg("up"));
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("$SPINE_DATABASE_URL"));
    assert!(!cwd.path().join("ok.db").exists());
}

#[test]
fn usage_errors_exit_2_and_help_lists_the_possible_values() {
    let cwd = scratch();
    for args in [
        &["up", "--tier", "nope"][..],
        &["--dialect", "oracle", "status"][..],
        &["plan", "--tier", "expert"][..],
        &["completions", "cmd.exe"][..],
    ] {
        let output = run(migrate(cwd.path()).args(args));
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("[possible values: "), "{args:?}: {stderr}");
    }
    let output = run(migrate(cwd.path()).args(["up", "--help"]));
    let help = text(&output.stdout);
    assert!(
        help.contains("[possible values: basic, intermediate, advanced]"),
        "{help}"
    );
    assert!(help.contains("[env: SPINE_DATABASE_URL]"), "{help}");
    assert!(help.contains("Usage: spine-migrate up"), "{help}");
    let output = run(migrate(cwd.path()).arg("--version"));
    assert!(
        text(&output.stdout).starts_with("spine-migrate "),
        "the binary names itself"
    );
    assert!(!cwd.path().join("spine.db").exists());
}

#[test]
fn completions_are_printed_for_each_shell() {
    let cwd = scratch();
    for (shell, marker) in [
        ("bash", "_spine__migrate()"),
        ("zsh", "#compdef spine-migrate"),
        ("fish", "complete -c spine-migrate"),
    ] {
        let output = run(migrate(cwd.path()).args(["completions", shell]));
        let script = text(&output.stdout);
        assert!(output.status.success(), "{shell}");
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(script.contains("rebless"), "{shell} lists subcommands");
    }
}

#[test]
fn progress_is_printed_before_and_after_each_migration_off_a_tty_with_a_total() {
    let cwd = scratch();
    let output = run(migrate(cwd.path()).args(["up", "--tier", "basic"]));
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    let ids = sqlite_ids(Tier::Basic);
    assert_eq!(
        lines.len(),
        2 + 2 * ids.len(),
        "target, two lines per migration, total: {stdout}"
    );
    assert_eq!(
        lines[0],
        "target: sqlite:spine.db (no --target, $SPINE_DATABASE_URL or $DATABASE_URL)"
    );
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(lines[1 + 2 * i], format!("applying  {id}"), "{stdout}");
        assert!(
            lines[2 + 2 * i].starts_with(&format!("applied   {id} (")),
            "{stdout}"
        );
    }
    let total = lines[lines.len() - 1];
    assert!(
        total.starts_with(&format!(
            "{} migration(s) applied to sqlite:spine.db in ",
            ids.len()
        )) && total.contains(" ms"),
        "{total}"
    );
}

#[test]
fn verbose_and_rust_log_log_to_stderr() {
    let cwd = scratch();
    let output = run(migrate(cwd.path()).args(["-v", "up", "--tier", "basic"]));
    let stderr = text(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("applying") && stderr.contains("basic/"),
        "{stderr}"
    );
    let output = run(migrate(cwd.path()).arg("status"));
    assert!(output.stderr.is_empty(), "quiet without -v");
    let output = run(migrate(cwd.path())
        .env("RUST_LOG", "migrate=info")
        .arg("status"));
    assert!(
        text(&output.stderr).contains("target chosen"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn up_to_stops_after_the_given_migration() {
    let cwd = scratch();
    let ids = sqlite_ids(Tier::Advanced);
    assert!(ids.len() > 3);
    let output = run(migrate(cwd.path()).args(["--json", "up", "--to", &ids[1]]));
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}"));
    let applied: Vec<&str> = report["steps"]
        .as_array()
        .map(|steps| steps.iter().filter_map(|s| s["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(applied, [ids[0].as_str(), ids[1].as_str()]);
    let output = run(migrate(cwd.path()).args(["--json", "plan"]));
    let plan: serde_json::Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        plan["pending"].as_array().map(Vec::len),
        Some(ids.len() - 2)
    );
}

#[test]
fn plan_sql_is_a_complete_script_that_sqlite3_applies_as_migrate_would() {
    let cwd = scratch();
    let output = run(migrate(cwd.path()).args(["plan", "--sql"]));
    let script = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let ids = sqlite_ids(Tier::Advanced);
    assert_eq!(script.matches("\nBEGIN;\n").count(), ids.len(), "{script}");
    assert_eq!(script.matches("COMMIT;\n").count(), ids.len());
    assert_eq!(script.matches("INSERT INTO _migrations").count(), ids.len());
    assert!(
        !cwd.path().join("spine.db").exists(),
        "plan applies nothing"
    );

    let db = cwd.path().join("dba.db");
    let mut sqlite3 = Command::new("sqlite3");
    sqlite3
        .arg("-bail")
        .arg(&db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = sqlite3
        .spawn()
        .unwrap_or_else(|e| panic!("sqlite3 (apt-get install sqlite3): {e}"));
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap_or_else(|| panic!("stdin"));
        stdin
            .write_all(script.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let done = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert!(done.status.success(), "{}", text(&done.stderr));

    // The runner sees every migration applied with its checksum, and has nothing left to do.
    let target = format!("sqlite:{}", db.display());
    let output = run(migrate(cwd.path()).args(["--target", &target, "validate"]));
    assert!(output.status.success(), "{}", text(&output.stderr));
    let output = run(migrate(cwd.path()).args(["--target", &target, "--json", "up"]));
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        report["steps"].as_array().map(Vec::len),
        Some(0),
        "{report}"
    );
    // On a database where part is applied, the script holds only the rest.
    let output = run(migrate(cwd.path()).args(["--target", &target, "plan", "--sql"]));
    let rest = text(&output.stdout);
    assert!(!rest.contains("BEGIN;"), "{rest}");
}

#[test]
fn plan_sql_for_postgres_runs_in_psql_and_the_runner_agrees() {
    let cwd = scratch();
    let database = spine_tests::pg::fresh_database();
    let target = database.url();
    let output = run(migrate(cwd.path()).args(["--target", &target, "plan", "--sql"]));
    assert!(output.status.success(), "{}", text(&output.stderr));
    let script_file = cwd.path().join("plan.sql");
    std::fs::write(&script_file, &output.stdout).unwrap_or_else(|e| panic!("{e}"));
    let psql = std::fs::read_dir("/usr/lib/postgresql")
        .unwrap_or_else(|e| panic!("PostgreSQL client: {e}"))
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("bin/psql"))
        .find(|path| path.is_file())
        .unwrap_or_else(|| panic!("psql not found"));
    let done = run(Command::new(psql)
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h"])
        .arg(&database.socket_dir)
        .args(["-p", &database.port.to_string(), "-U", "postgres", "-d"])
        .arg(&database.name)
        .arg("-f")
        .arg(&script_file)
        .stdin(Stdio::null()));
    assert!(done.status.success(), "psql: {}", text(&done.stderr));
    let output = run(migrate(cwd.path()).args(["--target", &target, "validate"]));
    assert!(output.status.success(), "{}", text(&output.stderr));
    let output = run(migrate(cwd.path()).args(["--target", &target, "--json", "status"]));
    let status: serde_json::Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}"));
    let states: Vec<&str> = status["migrations"]
        .as_array()
        .map(|all| all.iter().filter_map(|m| m["state"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(states.len() as i64, postgres_count());
    assert!(states.iter().all(|s| *s == "applied"), "{states:?}");
}

/// How many migrations `status --json` reports applied when the tracking table comes from
/// `tracking` (a `--tracking-table` value or, with `env`, `$SPINE_TRACKING_TABLE`).
fn applied_per_status(cwd: &Path, target: &str, tracking: Option<(&str, bool)>) -> usize {
    let mut command = migrate(cwd);
    command.args(["--target", target]);
    match tracking {
        Some((name, true)) => command.env("SPINE_TRACKING_TABLE", name),
        Some((name, false)) => command.args(["--tracking-table", name]),
        None => &mut command,
    };
    let output = run(command.args(["status", "--json"]));
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout)
        .matches("\"state\":\"applied\"")
        .count()
}

/// Whether `table` exists in the database `target` names, read through the library.
fn has_tracking_table(target: &str, table: &str, dialect: Dialect) -> bool {
    let table: migrate::TrackingTable = table.parse().unwrap_or_else(|e| panic!("{e}"));
    let mut conn = target
        .parse::<migrate::Target>()
        .and_then(|t| t.connect_read_only(None))
        .unwrap_or_else(|e| panic!("{e}"));
    conn.begin().unwrap_or_else(|e| panic!("{}", e.message));
    let count = conn
        .query_count(&table.sql(dialect).tracking_table_exists())
        .unwrap_or_else(|e| panic!("{}", e.message));
    let _ = conn.rollback();
    count > 0
}

#[test]
fn tracking_table_option_and_variable_name_the_tracking_table() {
    let cwd = scratch();
    let basic = sqlite_ids(Tier::Basic).len();
    let target = format!("sqlite:{}", cwd.path().join("t.db").display());
    let output = run(migrate(cwd.path()).args([
        "--target",
        &target,
        "--tracking-table",
        "ops_runs",
        "up",
        "--tier",
        "basic",
    ]));
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(has_tracking_table(&target, "ops_runs", Dialect::Sqlite));
    assert!(!has_tracking_table(&target, "_migrations", Dialect::Sqlite));
    let status = |tracking| applied_per_status(cwd.path(), &target, tracking);
    assert_eq!(status(Some(("ops_runs", false))), basic);
    assert_eq!(
        status(Some(("ops_runs", true))),
        basic,
        "$SPINE_TRACKING_TABLE"
    );
    assert_eq!(status(None), 0, "the default table tracks nothing");
    assert_eq!(status(Some(("main.ops_runs", false))), basic);
    // --tracking-table wins over the variable.
    let output = run(migrate(cwd.path())
        .env("SPINE_TRACKING_TABLE", "elsewhere")
        .args(["--target", &target, "--tracking-table", "ops_runs"])
        .args(["status", "--json"]));
    assert_eq!(
        text(&output.stdout)
            .matches("\"state\":\"applied\"")
            .count(),
        basic
    );
    // validate and down through the variable.
    for args in [&["validate"][..], &["down", "--all"][..]] {
        let output = run(migrate(cwd.path())
            .env("SPINE_TRACKING_TABLE", "ops_runs")
            .args(["--target", &target])
            .args(args));
        assert!(
            output.status.success(),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
    assert_eq!(status(Some(("ops_runs", true))), 0);
    assert!(!has_tracking_table(&target, "_migrations", Dialect::Sqlite));

    // A name that is not NAME or SCHEMA.NAME is a usage error saying what is allowed.
    for bad in ["1runs", "a.b.c", "runs;drop", ""] {
        for from_env in [false, true] {
            let mut command = migrate(cwd.path());
            command.args(["--target", &target]);
            if from_env {
                command.env("SPINE_TRACKING_TABLE", bad);
            } else {
                command.args(["--tracking-table", bad]);
            }
            let output = run(command.arg("status"));
            let stderr = text(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{bad:?}: {stderr}");
            assert!(
                stderr.contains(&format!(
                    "error: invalid value '{bad}' for '--tracking-table <NAME>': tracking table \
                     '{bad}' is not NAME or SCHEMA.NAME: each part must be a letter or '_' \
                     followed by letters, digits or '_' (e.g. _migrations, \
                     ops.schema_migrations)"
                )),
                "{bad:?} (env {from_env}): {stderr}"
            );
        }
    }

    // PostgreSQL, SCHEMA.NAME from the variable, in a schema that is not the current one.
    let database = spine_tests::pg::fresh_database();
    database
        .client()
        .batch_execute("CREATE SCHEMA spine_ops")
        .unwrap_or_else(|e| panic!("{e}"));
    let url = database.url();
    let output = run(migrate(cwd.path())
        .env("SPINE_TRACKING_TABLE", "spine_ops.runs")
        .args(["--target", &url, "up"]));
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(has_tracking_table(
        &url,
        "spine_ops.runs",
        Dialect::Postgres
    ));
    assert!(!has_tracking_table(&url, "runs", Dialect::Postgres));
    assert_eq!(applied_in_postgres(&database), 0, "no _migrations");
    let applied = applied_per_status(cwd.path(), &url, Some(("spine_ops.runs", false)));
    assert_eq!(applied as i64, postgres_count());
}
