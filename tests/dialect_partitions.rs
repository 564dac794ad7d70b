//! PostgreSQL's `pg/0001_pg_optimizations` overlay on a real server: monthly partitions of
//! `workflow_runs` with a DEFAULT partition, the maintenance that creates the coming months,
//! the step cascade kept through `workflow_runs_keys`, and up → down → up keeping every row.

use postgres::Client;
use schema_dsl::Dialect;
use schema_sql::partition::{Month, maintenance_sql};
use schema_sql::render::GeneratedFile;
use spine_tests::pg;

const OVERLAY: &str = "pg/0001_pg_optimizations";

/// Every PostgreSQL file of `direction`, in apply order (tiers, then the overlay).
fn files(direction: &str) -> Vec<GeneratedFile> {
    schema_sql::generate(&schema_defs::schema(), &[Dialect::Postgres])
        .expect("the schema renders")
        .files
        .into_iter()
        .filter(|file| {
            file.path
                .to_string_lossy()
                .ends_with(&format!(".{direction}.sql"))
        })
        .collect()
}

fn is_overlay(file: &GeneratedFile) -> bool {
    file.path.to_string_lossy().contains(OVERLAY)
}

/// Applies `file` in one transaction, as the runner does.
fn apply(client: &mut Client, file: &GeneratedFile) {
    let mut tx = client.transaction().expect("BEGIN");
    tx.batch_execute(&file.contents)
        .unwrap_or_else(|e| panic!("{}: {e:?}", file.path.display()));
    tx.commit().expect("COMMIT");
}

/// A fresh database with every tier and the overlay applied.
fn migrated() -> Client {
    let mut client = pg::fresh_database().client();
    for file in files("up") {
        apply(&mut client, &file);
    }
    client
}

fn overlay(direction: &str) -> GeneratedFile {
    files(direction)
        .into_iter()
        .find(is_overlay)
        .expect("the pg overlay is generated")
}

fn maintenance(first: &str, months: u32) -> String {
    maintenance_sql(
        &schema_defs::schema(),
        Dialect::Postgres,
        first.parse::<Month>().expect("a month"),
        months,
    )
    .expect("PostgreSQL partitions")
}

fn insert_run(client: &mut Client, run_id: &str, created_at: &str) {
    client
        .execute(
            "INSERT INTO workflow_runs (run_id, workflow_name, status, triggered_by, created_at, params) \
             VALUES ($1, 'nightly', 'RUNNING', 'api', $2::text::timestamp, '{\"region\": \"eu\"}')",
            &[&run_id, &created_at],
        )
        .unwrap_or_else(|e| panic!("insert run {run_id}: {e:?}"));
}

fn insert_step(client: &mut Client, step_id: &str, run_id: &str) {
    client
        .execute(
            "INSERT INTO workflow_step_runs (step_id, run_id, step_name, step_type, step_order, status) \
             VALUES ($1, $2, 'load', 'lambda', 1, 'RUNNING')",
            &[&step_id, &run_id],
        )
        .unwrap_or_else(|e| panic!("insert step {step_id}: {e:?}"));
}

/// The partition (table) that holds run `run_id`.
fn partition_of(client: &mut Client, run_id: &str) -> String {
    client
        .query_one(
            "SELECT tableoid::regclass::text FROM workflow_runs WHERE run_id = $1",
            &[&run_id],
        )
        .expect("the run exists")
        .get(0)
}

fn count(client: &mut Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).expect(sql).get(0)
}

fn partitions(client: &mut Client) -> Vec<String> {
    client
        .query(
            "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
             WHERE i.inhparent = 'workflow_runs'::regclass ORDER BY 1",
            &[],
        )
        .expect("pg_inherits")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

#[test]
fn rows_land_in_their_months_partition_and_out_of_range_rows_in_default() {
    let mut client = migrated();
    client
        .batch_execute(&maintenance("2026-01", 3))
        .expect("maintenance");
    insert_run(&mut client, "r-jan", "2026-01-15 08:00:00");
    insert_run(&mut client, "r-feb", "2026-02-01 00:00:00");
    insert_run(&mut client, "r-mar", "2026-03-31 23:59:59.999999");
    insert_run(&mut client, "r-old", "2019-07-04 12:00:00");
    assert_eq!(partition_of(&mut client, "r-jan"), "workflow_runs_2026_01");
    assert_eq!(partition_of(&mut client, "r-feb"), "workflow_runs_2026_02");
    assert_eq!(partition_of(&mut client, "r-mar"), "workflow_runs_2026_03");
    assert_eq!(partition_of(&mut client, "r-old"), "workflow_runs_default");
}

#[test]
fn maintenance_run_twice_creates_each_partition_once_and_moves_rows_out_of_default() {
    let mut client = migrated();
    insert_run(&mut client, "r-early", "2026-05-02 10:00:00");
    insert_step(&mut client, "s-early", "r-early");
    assert_eq!(
        partition_of(&mut client, "r-early"),
        "workflow_runs_default"
    );

    let sql = maintenance("2026-04", 3);
    client.batch_execute(&sql).expect("first maintenance run");
    client.batch_execute(&sql).expect("second maintenance run");
    assert_eq!(
        partitions(&mut client),
        [
            "workflow_runs_2026_04",
            "workflow_runs_2026_05",
            "workflow_runs_2026_06",
            "workflow_runs_default",
        ]
    );
    assert_eq!(
        partition_of(&mut client, "r-early"),
        "workflow_runs_2026_05"
    );
    assert_eq!(
        count(
            &mut client,
            "SELECT count(*) FROM workflow_step_runs WHERE run_id = 'r-early'"
        ),
        1,
        "moving a run between partitions keeps its steps"
    );
    assert_eq!(count(&mut client, "SELECT count(*) FROM workflow_runs"), 1);
}

#[test]
fn deleting_a_run_deletes_its_steps_and_steps_need_a_run() {
    let mut client = migrated();
    client
        .batch_execute(&maintenance("2026-01", 1))
        .expect("maintenance");
    insert_run(&mut client, "r-1", "2026-01-10 00:00:00");
    insert_run(&mut client, "r-2", "2030-01-10 00:00:00");
    insert_step(&mut client, "s-1a", "r-1");
    insert_step(&mut client, "s-1b", "r-1");
    insert_step(&mut client, "s-2", "r-2");

    client
        .execute("DELETE FROM workflow_runs WHERE run_id = 'r-1'", &[])
        .expect("delete run");
    assert_eq!(
        count(&mut client, "SELECT count(*) FROM workflow_step_runs"),
        1
    );
    client
        .execute("DELETE FROM workflow_runs WHERE run_id = 'r-2'", &[])
        .expect("delete run in DEFAULT");
    assert_eq!(
        count(&mut client, "SELECT count(*) FROM workflow_step_runs"),
        0
    );

    let orphan = client
        .execute(
            "INSERT INTO workflow_step_runs (step_id, run_id, step_name, step_type, step_order, status) \
             VALUES ('s-x', 'no-such-run', 'load', 'lambda', 1, 'RUNNING')",
            &[],
        )
        .expect_err("a step needs its run");
    assert_eq!(
        orphan.code(),
        Some(&postgres::error::SqlState::FOREIGN_KEY_VIOLATION)
    );
}

#[test]
fn a_run_id_stays_unique_across_partitions_and_cannot_change() {
    let mut client = migrated();
    client
        .batch_execute(&maintenance("2026-01", 2))
        .expect("maintenance");
    insert_run(&mut client, "r-1", "2026-01-10 00:00:00");
    let duplicate = client
        .execute(
            "INSERT INTO workflow_runs (run_id, workflow_name, status, triggered_by, created_at) \
             VALUES ('r-1', 'nightly', 'RUNNING', 'api', '2026-02-10')",
            &[],
        )
        .expect_err("run_id is unique across partitions");
    assert_eq!(
        duplicate.code(),
        Some(&postgres::error::SqlState::UNIQUE_VIOLATION)
    );
    client
        .execute(
            "UPDATE workflow_runs SET created_at = '2026-02-11' WHERE run_id = 'r-1'",
            &[],
        )
        .expect("a run may move to another month");
    assert_eq!(partition_of(&mut client, "r-1"), "workflow_runs_2026_02");
    client
        .execute(
            "UPDATE workflow_runs SET run_id = 'r-9' WHERE run_id = 'r-1'",
            &[],
        )
        .expect_err("the key cannot change");
}

#[test]
fn the_gin_index_is_built_on_the_partitioned_table() {
    let mut client = migrated();
    let method: String = client
        .query_one(
            "SELECT am.amname::text FROM pg_class c JOIN pg_am am ON am.oid = c.relam \
             WHERE c.relname = 'idx_workflow_runs_params_gin'",
            &[],
        )
        .expect("the GIN index exists")
        .get(0);
    assert_eq!(method, "gin");
}

#[test]
fn overlay_up_down_up_keeps_every_row_and_its_steps() {
    let mut client = pg::fresh_database().client();
    let ups = files("up");
    for file in ups.iter().filter(|f| !is_overlay(f)) {
        apply(&mut client, file);
    }
    insert_run(&mut client, "r-a", "2026-01-10 00:00:00");
    insert_run(&mut client, "r-b", "2026-02-10 00:00:00");
    insert_step(&mut client, "s-a", "r-a");

    apply(&mut client, &overlay("up"));
    client
        .batch_execute(&maintenance("2026-01", 2))
        .expect("maintenance");
    assert_eq!(partition_of(&mut client, "r-b"), "workflow_runs_2026_02");
    insert_run(&mut client, "r-c", "2026-01-20 00:00:00");

    apply(&mut client, &overlay("down"));
    assert_eq!(
        count(
            &mut client,
            "SELECT count(*) FROM pg_class WHERE relname LIKE 'workflow_runs%' AND relkind = 'p'"
        ),
        0,
        "down leaves no partitioned table"
    );
    assert_eq!(count(&mut client, "SELECT count(*) FROM workflow_runs"), 3);
    client
        .execute("DELETE FROM workflow_runs WHERE run_id = 'r-a'", &[])
        .expect("delete after down");
    assert_eq!(
        count(&mut client, "SELECT count(*) FROM workflow_step_runs"),
        0,
        "the cascade holds after down"
    );
    insert_step(&mut client, "s-b", "r-b");

    apply(&mut client, &overlay("up"));
    assert_eq!(count(&mut client, "SELECT count(*) FROM workflow_runs"), 2);
    assert_eq!(
        count(&mut client, "SELECT count(*) FROM workflow_step_runs"),
        1
    );
    assert_eq!(partition_of(&mut client, "r-b"), "workflow_runs_default");
    let params: serde_json::Value = client
        .query_one("SELECT params FROM workflow_runs WHERE run_id = 'r-c'", &[])
        .expect("r-c survived")
        .get(0);
    assert_eq!(params, serde_json::json!({"region": "eu"}));
}

#[test]
fn concurrent_inserts_of_one_run_id_in_two_months_leave_one_row() {
    let db = pg::fresh_database();
    let mut client = db.client();
    for file in files("up") {
        apply(&mut client, &file);
    }
    client
        .batch_execute(&maintenance("2026-01", 2))
        .expect("maintenance");
    let mut first = db.client();
    let mut tx = first.transaction().expect("BEGIN");
    tx.execute(
        "INSERT INTO workflow_runs (run_id, workflow_name, status, triggered_by, created_at) \
         VALUES ('r-1', 'nightly', 'RUNNING', 'api', '2026-01-10')",
        &[],
    )
    .expect("first insert");
    let second = std::thread::spawn(move || {
        db.client().execute(
            "INSERT INTO workflow_runs (run_id, workflow_name, status, triggered_by, created_at) \
             VALUES ('r-1', 'nightly', 'RUNNING', 'api', '2026-02-10')",
            &[],
        )
    });
    std::thread::sleep(std::time::Duration::from_millis(300));
    tx.commit().expect("COMMIT");
    let error = second
        .join()
        .expect("the second insert returns")
        .expect_err("the second insert waits for the first and is refused");
    assert_eq!(
        error.code(),
        Some(&postgres::error::SqlState::UNIQUE_VIOLATION)
    );
    assert_eq!(count(&mut client, "SELECT count(*) FROM workflow_runs"), 1);
}
