//! The per-table statements of `schema_sql::dml`, executed for real: one body over every target
//! (SQLite through rusqlite, PostgreSQL through the `postgres` crate, both through their ODBC
//! drivers, and Db2 through ODBC when `SPINE_DB2_ODBC` names one). The schema is applied by
//! the runner from `migrations-generated/` (PostgreSQL with its `pg` overlay, so the
//! partitioned `workflow_runs` is written too).
//!
//! Binding lives here, on the driver side: codegen gives driver-neutral [`SqlValue`]s in the
//! form the dialect stores, and each driver below maps them to its own parameter types.

use migrate::{MigrationSet, Runner, Target, Tier};
use odbc_api::buffers::TextRowSet;
use odbc_api::parameter::VarCharBox;
use odbc_api::{ConnectionOptions, Cursor};
use postgres::types::{ToSql, Type};
use schema_defs::tables::{AlertHistory, SourceConfig, WorkflowRun, WorkflowStepRun};
use schema_dsl::{ColumnType, Dialect, Table, Timestamp};
use schema_sql::dml::{SqlValue, Statements, statements_for};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use spine_tests::engines::{Engine, TestDatabase};
use spine_tests::on_every_engine;
use std::fmt::Debug;

/// A connection that runs statements with bound values and reads rows back as values.
trait Database {
    /// Runs `sql` with `params`; the number of rows it changed.
    fn execute(&mut self, sql: &str, params: &[SqlValue]) -> u64;
    /// The rows of `sql`, each column read as the given type.
    fn query(&mut self, sql: &str, params: &[SqlValue], types: &[ColumnType])
    -> Vec<Vec<SqlValue>>;
}

/// rusqlite: integers and text (the SQLite dialect already stores booleans as 0/1, JSON and
/// timestamps as text).
struct Sqlite(rusqlite::Connection);

impl Database for Sqlite {
    fn execute(&mut self, sql: &str, params: &[SqlValue]) -> u64 {
        let params: Vec<rusqlite::types::Value> = params.iter().map(to_sqlite).collect();
        self.0
            .execute(sql, rusqlite::params_from_iter(params))
            .unwrap_or_else(|e| panic!("{sql}: {e}")) as u64
    }

    fn query(
        &mut self,
        sql: &str,
        params: &[SqlValue],
        types: &[ColumnType],
    ) -> Vec<Vec<SqlValue>> {
        let params: Vec<rusqlite::types::Value> = params.iter().map(to_sqlite).collect();
        let mut statement = self.0.prepare(sql).expect(sql);
        let rows = statement
            .query_map(rusqlite::params_from_iter(params), |row| {
                (0..types.len())
                    .map(|i| {
                        Ok(match row.get::<_, rusqlite::types::Value>(i)? {
                            rusqlite::types::Value::Integer(n) => SqlValue::Integer(n),
                            rusqlite::types::Value::Text(text) => SqlValue::Text(text),
                            rusqlite::types::Value::Null => SqlValue::Null,
                            other => panic!("{sql}: unexpected {other:?}"),
                        })
                    })
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .expect(sql);
        rows.collect::<rusqlite::Result<_>>().expect(sql)
    }
}

fn to_sqlite(value: &SqlValue) -> rusqlite::types::Value {
    match value {
        SqlValue::Integer(n) => rusqlite::types::Value::Integer(*n),
        other => other
            .to_text()
            .map_or(rusqlite::types::Value::Null, rusqlite::types::Value::Text),
    }
}

/// The `postgres` crate: each value as the Rust type of its parameter's PostgreSQL type
/// (BOOLEAN, JSONB and TIMESTAMP natively).
struct Postgres(postgres::Client);

impl Database for Postgres {
    fn execute(&mut self, sql: &str, params: &[SqlValue]) -> u64 {
        let statement = self.0.prepare(sql).expect(sql);
        let values = to_postgres(statement.params(), params);
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v.as_ref()).collect();
        self.0
            .execute(&statement, &refs)
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
    }

    fn query(
        &mut self,
        sql: &str,
        params: &[SqlValue],
        types: &[ColumnType],
    ) -> Vec<Vec<SqlValue>> {
        let statement = self.0.prepare(sql).expect(sql);
        let values = to_postgres(statement.params(), params);
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v.as_ref()).collect();
        let rows = self
            .0
            .query(&statement, &refs)
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
        rows.iter()
            .map(|row| {
                types
                    .iter()
                    .enumerate()
                    .map(|(i, ty)| {
                        let value = match ty {
                            ColumnType::SmallInt => row
                                .get::<_, Option<i16>>(i)
                                .map(|n| SqlValue::Integer(n.into())),
                            ColumnType::Integer => row
                                .get::<_, Option<i32>>(i)
                                .map(|n| SqlValue::Integer(n.into())),
                            ColumnType::BigInt => {
                                row.get::<_, Option<i64>>(i).map(SqlValue::Integer)
                            }
                            ColumnType::Boolean => {
                                row.get::<_, Option<bool>>(i).map(SqlValue::Boolean)
                            }
                            ColumnType::Text { .. } => {
                                row.get::<_, Option<String>>(i).map(SqlValue::Text)
                            }
                            ColumnType::Timestamp => {
                                row.get::<_, Option<Timestamp>>(i).map(SqlValue::Timestamp)
                            }
                            ColumnType::Json { .. } => row
                                .get::<_, Option<serde_json::Value>>(i)
                                .map(SqlValue::Json),
                        };
                        value.unwrap_or(SqlValue::Null)
                    })
                    .collect()
            })
            .collect()
    }
}

type PgParam = Box<dyn ToSql + Sync>;

fn to_postgres(types: &[Type], params: &[SqlValue]) -> Vec<PgParam> {
    types
        .iter()
        .zip(params)
        .map(|(ty, value)| -> PgParam {
            let int = || match value {
                SqlValue::Integer(n) => Some(*n),
                _ => None,
            };
            match *ty {
                Type::INT2 => Box::new(int().map(|n| n as i16)),
                Type::INT4 => Box::new(int().map(|n| n as i32)),
                Type::INT8 => Box::new(int()),
                Type::BOOL => Box::new(match value {
                    SqlValue::Boolean(b) => Some(*b),
                    _ => None,
                }),
                Type::TIMESTAMP => Box::new(match value {
                    SqlValue::Timestamp(t) => Some(*t),
                    _ => None,
                }),
                Type::JSONB | Type::JSON => Box::new(match value {
                    SqlValue::Json(json) => Some(json.clone()),
                    _ => None,
                }),
                _ => Box::new(value.to_text()),
            }
        })
        .collect()
}

/// ODBC: every value bound as text and read back as text, then typed by its column.
struct Odbc(odbc_api::Connection<'static>);

impl Database for Odbc {
    fn execute(&mut self, sql: &str, params: &[SqlValue]) -> u64 {
        let params = to_odbc(params);
        let mut statement = self.0.preallocate().expect("ODBC statement");
        statement
            .execute(sql, params.as_slice())
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        statement
            .row_count()
            .expect("row count")
            .unwrap_or_default() as u64
    }

    fn query(
        &mut self,
        sql: &str,
        params: &[SqlValue],
        types: &[ColumnType],
    ) -> Vec<Vec<SqlValue>> {
        let params = to_odbc(params);
        let Some(mut cursor) = self
            .0
            .execute(sql, params.as_slice(), None)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
        else {
            return Vec::new();
        };
        let buffer = TextRowSet::for_cursor(16, &mut cursor, Some(64 * 1024)).expect(sql);
        let mut block = cursor.bind_buffer(buffer).expect(sql);
        let mut rows = Vec::new();
        while let Some(batch) = block.fetch().expect(sql) {
            for row in 0..batch.num_rows() {
                rows.push(
                    types
                        .iter()
                        .enumerate()
                        .map(
                            |(col, ty)| match batch.at_as_str(col, row).expect("UTF-8") {
                                None => SqlValue::Null,
                                Some(text) if ty.is_integer() => {
                                    SqlValue::Integer(text.trim().parse().expect("an integer"))
                                }
                                Some(text) if *ty == ColumnType::Boolean => SqlValue::Boolean(
                                    matches!(text.trim(), "1" | "t" | "true" | "TRUE"),
                                ),
                                Some(text) => SqlValue::Text(text.to_string()),
                            },
                        )
                        .collect(),
                );
            }
        }
        rows
    }
}

fn to_odbc(params: &[SqlValue]) -> Vec<VarCharBox> {
    params
        .iter()
        .map(|value| {
            value
                .to_text()
                .map_or_else(VarCharBox::null, VarCharBox::from_string)
        })
        .collect()
}

/// Applies every tier (and the dialect's overlay) with the runner, then connects.
fn migrated(db: &TestDatabase) -> Box<dyn Database> {
    let root = spine_tests::generated::root();
    let set = MigrationSet::from_dir(&root).expect("migrations-generated/");
    let target: Target = db.target.parse().expect("a target");
    {
        let mut conn = target.connect(None).expect("connect the runner");
        Runner::new(conn.as_mut(), &set)
            .up(Tier::Advanced, &mut |_| {})
            .unwrap_or_else(|e| panic!("up: {e}"));
    }
    match target {
        Target::Sqlite(path) => {
            let conn = rusqlite::Connection::open(path).expect("open SQLite");
            conn.execute_batch("PRAGMA foreign_keys = ON")
                .expect("foreign keys");
            Box::new(Sqlite(conn))
        }
        Target::Postgres(config) => Box::new(Postgres(
            postgres::Client::connect(&config, postgres::NoTls).expect("connect PostgreSQL"),
        )),
        Target::Odbc(connection_string) => {
            let environment = odbc_api::environment().expect("ODBC environment");
            let conn = environment
                .connect_with_connection_string(&connection_string, ConnectionOptions::default())
                .expect("connect ODBC");
            if db.engine.dialect() == Dialect::Sqlite {
                conn.execute("PRAGMA foreign_keys = ON", (), None)
                    .expect("foreign keys");
            }
            Box::new(Odbc(conn))
        }
    }
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").expect("a timestamp")
}

/// Upsert twice (insert, then update in place), read back equal, one row; delete by key;
/// insert and read back again.
fn round_trip<R>(db: &mut dyn Database, engine: Engine, first: R, second: R)
where
    R: Table + Serialize + DeserializeOwned + PartialEq + Debug,
{
    let mut statements: Statements =
        statements_for::<R>(engine.dialect()).expect("a table with a primary key");
    if engine.is_odbc() {
        statements = statements.with_question_marks();
    }
    let types: Vec<ColumnType> = statements.columns.iter().map(|(_, ty)| *ty).collect();
    let read = |db: &mut dyn Database, row: &R| -> Option<R> {
        let keys = statements.key_values(row).expect("key values");
        let mut rows = db.query(&statements.select_by_key, &keys, &types);
        assert!(rows.len() <= 1, "{}: one row per key", R::NAME);
        rows.pop()
            .map(|values| statements.row(values).expect("a row"))
    };
    let count = |db: &mut dyn Database| {
        db.query(
            &format!("SELECT COUNT(*) FROM {}", R::NAME),
            &[],
            &[ColumnType::BigInt],
        )[0][0]
            .clone()
    };

    // Runs `sql` (an insert or upsert) for `row` and asserts the row reads back equal.
    let write = |db: &mut dyn Database, sql: &str, row: &R, step: &str| {
        db.execute(sql, &statements.values(row).expect("values"));
        assert_eq!(read(db, row).as_ref(), Some(row), "{}: {step}", R::NAME);
    };

    write(db, &statements.upsert, &first, "first upsert");
    write(db, &statements.upsert, &second, "second upsert");
    assert_eq!(
        count(db),
        SqlValue::Integer(1),
        "{}: the second upsert updated",
        R::NAME
    );

    let deleted = db.execute(
        &statements.delete_by_key,
        &statements.key_values(&second).expect("key values"),
    );
    assert_eq!(deleted, 1, "{}: delete by key", R::NAME);
    assert_eq!(read(db, &second), None, "{}: deleted", R::NAME);

    write(db, &statements.insert, &first, "insert");
}

fn source_config(enabled: bool, name: &str) -> SourceConfig {
    SourceConfig {
        source_id: "src-1".into(),
        source_type: "http".into(),
        name: name.into(),
        config: json!({"url": "https://example.test/feed", "retries": 3, "headers": {"x": ["a", "b"]}, "quote": "it's \"ok\""}),
        enabled: Some(enabled),
        created_at: at("2026-01-11 10:00:00.123456"),
        updated_at: at("2026-01-11 10:00:00"),
    }
}

fn workflow_run(status: &str, outputs: Option<serde_json::Value>) -> WorkflowRun {
    WorkflowRun {
        run_id: "run-1".into(),
        workflow_name: "nightly".into(),
        domain: Some("finra".into()),
        partition_key: None,
        status: status.into(),
        started_at: Some(at("2026-02-01 00:00:01.5")),
        completed_at: None,
        params: Some(json!({"date": "2026-02-01", "full": true})),
        outputs,
        error: None,
        error_category: None,
        metrics: Some(json!({"rows": 12345, "ratio": 0.25})),
        triggered_by: "schedule".into(),
        created_at: at("2026-02-01 00:00:00"),
    }
}

fn step(quality_passed: Option<bool>, records: Option<i32>) -> WorkflowStepRun {
    WorkflowStepRun {
        step_id: "step-1".into(),
        run_id: "run-1".into(),
        step_name: "load".into(),
        step_type: "lambda".into(),
        step_order: 1,
        status: "COMPLETED".into(),
        started_at: Some(at("2026-02-01 00:00:02")),
        completed_at: Some(at("2026-02-01 00:05:00.000001")),
        input_params: None,
        output_data: Some(json!([1, 2, 3])),
        error: None,
        error_category: None,
        records_processed: records,
        quality_passed,
        quality_metrics: Some(json!({})),
    }
}

fn alert(success: bool, error: Option<&str>) -> AlertHistory {
    AlertHistory {
        alert_id: "alert-1".into(),
        severity: "ERROR".into(),
        title: "Load failed".into(),
        message: "ünïcödé and 'quotes'".into(),
        source: "nightly".into(),
        execution_id: Some("run-1".into()),
        channel: "slack".into(),
        sent_at: at("2026-02-01 00:06:00"),
        success,
        error: error.map(str::to_string),
        metadata: None,
    }
}

fn statements_round_trip(engine: Engine) {
    let db = engine.fresh();
    let mut conn = migrated(&db);
    let conn = conn.as_mut();
    round_trip(
        conn,
        engine,
        source_config(false, "prices"),
        source_config(true, "prices-v2"),
    );
    round_trip(
        conn,
        engine,
        alert(true, None),
        alert(false, Some("timeout")),
    );
    round_trip(
        conn,
        engine,
        workflow_run("RUNNING", None),
        workflow_run("COMPLETED", Some(json!({"files": ["a.csv"]}))),
    );
    round_trip(conn, engine, step(None, None), step(Some(true), Some(7)));
}

on_every_engine!(statements_round_trip);
