//! `spine-migrate drift` as CI runs it, on every engine: exit 0 and one line on a freshly
//! migrated database; exit 1 with one line per difference (and `--json`) after hand edits;
//! exit 2, saying how to get one, for a directory without shapes. (Here because only this
//! package's tests get `CARGO_BIN_EXE_spine-migrate`.)

#![allow(
    clippy::panic,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod process;

use process::{migrate, run, scratch, text};
use spine_tests::engines::Engine;
use spine_tests::on_every_engine;

/// `name` as the engine's dialect stores it.
fn n(engine: Engine, name: &str) -> String {
    match engine {
        Engine::Db2Odbc => name.to_ascii_uppercase(),
        Engine::Sqlite | Engine::SqliteOdbc | Engine::Postgres | Engine::PostgresOdbc => {
            name.to_string()
        }
    }
}

fn exit_codes_and_json(engine: Engine) {
    let db = engine.fresh();
    let cwd = scratch();
    let drift = |json: bool| {
        let mut command = migrate(cwd.path());
        command.args(["--target", &db.target]);
        if json {
            command.arg("--json");
        }
        run(command.arg("drift"))
    };
    let up = run(migrate(cwd.path()).args(["--target", &db.target, "up"]));
    assert!(up.status.success(), "{}", text(&up.stderr));

    let equal = drift(false);
    assert_eq!(equal.status.code(), Some(0), "{}", text(&equal.stderr));
    assert!(
        text(&equal.stdout)
            .ends_with(": no drift: the schema is what the applied migrations give\n"),
        "{}",
        text(&equal.stdout)
    );

    let mut live = db.live();
    live.execute(&format!("DROP INDEX {}", n(engine, "idx_alerts_source")));
    live.execute(&format!("DROP TABLE {}", n(engine, "circuit_breakers")));
    drop(live);
    let expected = [
        format!(
            "table `{}`, index `{}`: missing",
            n(engine, "alert_history"),
            n(engine, "idx_alerts_source")
        ),
        format!("table `{}`: missing", n(engine, "circuit_breakers")),
    ];
    let found = drift(false);
    assert_eq!(found.status.code(), Some(1), "{}", text(&found.stderr));
    let stdout = text(&found.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert_eq!(lines[..2], [expected[0].as_str(), expected[1].as_str()]);
    assert!(
        lines[2].ends_with(": 2 difference(s) from what the applied migrations give"),
        "{stdout}"
    );

    let json = drift(true);
    assert_eq!(json.status.code(), Some(1));
    let document: serde_json::Value = serde_json::from_slice(&json.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", text(&json.stdout)));
    assert_eq!(document["ok"], true);
    assert_eq!(document["command"], "drift");
    assert_eq!(document["equal"], false);
    assert_eq!(document["differences"], serde_json::json!(expected));
    assert!(document["target"].is_string());
}

on_every_engine!(exit_codes_and_json);

/// A hand-written directory has no shapes file: exit 2 and what to do; a bad command line
/// exits 2 too (clap).
#[test]
fn without_shapes_or_with_a_wrong_flag_drift_exits_2() {
    let cwd = scratch();
    let root = cwd.path().join("migrations");
    spine_tests::fixtures::write_standard(&root, migrate::Dialect::Sqlite);
    let target = format!("sqlite:{}", cwd.path().join("db.sqlite").display());
    let up = run(migrate(cwd.path())
        .args(["--target", &target, "--dir"])
        .arg(&root)
        .arg("up"));
    assert!(up.status.success(), "{}", text(&up.stderr));
    let drift = run(migrate(cwd.path())
        .args(["--target", &target, "--dir"])
        .arg(&root)
        .arg("drift"));
    assert_eq!(drift.status.code(), Some(2));
    assert!(
        text(&drift.stderr).starts_with("error: no expected shapes in ")
            && text(&drift.stderr).contains("`cargo run -p codegen` writes"),
        "{}",
        text(&drift.stderr)
    );
    let usage = run(migrate(cwd.path()).args(["drift", "--no-such-flag"]));
    assert_eq!(usage.status.code(), Some(2));
}
