//! The generated migrations on real engines (SQLite, PostgreSQL, and Db2 through ODBC when
//! `SPINE_DB2_ODBC` names one): every up file, every down file in reverse, every up file again,
//! with the live catalog compared to the declarations after each up pass; and the generated
//! SQLite DDL compared with the design document's own SQLite DDL.

use migrate::split::split_statements;
use migration_layout::Direction;
use odbc_api::ConnectionOptions;
use rusqlite::Connection;
use rusqlite::types::Value;
use schema_dsl::{ColumnDef, ColumnType, Dialect, TableDef};
use schema_shape::SchemaShape;
use schema_sql::backend::backend;
use spine_tests::engines::Engine;
use spine_tests::fixtures::design_document_sqlite_ddl;
use spine_tests::introspect;
use spine_tests::{db2, generated, on_every_engine, pg};
use std::path::Path;

/// A real database that takes one dialect's generated files.
trait LiveDatabase {
    /// The dialect whose files it takes.
    fn dialect(&self) -> Dialect;
    /// Applies one file in one transaction; panics naming the file on failure.
    fn apply(&mut self, file: &Path, sql: &str);
    /// The live schema.
    fn introspect(&mut self) -> SchemaShape;
    /// The first column of every row `sql` returns, as integers.
    fn query_integers(&mut self, sql: &str) -> Vec<i64>;
}

/// An in-memory SQLite database with foreign keys enforced.
struct Sqlite(Connection);

impl Sqlite {
    fn new() -> Self {
        let conn = Connection::open_in_memory().expect("open SQLite");
        conn.execute_batch("PRAGMA foreign_keys = ON")
            .expect("enable foreign keys");
        Sqlite(conn)
    }
}

impl LiveDatabase for Sqlite {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn apply(&mut self, file: &Path, sql: &str) {
        let tx = self.0.transaction().expect("BEGIN");
        tx.execute_batch(sql)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        tx.commit().expect("COMMIT");
    }

    fn introspect(&mut self) -> SchemaShape {
        introspect::sqlite(&self.0).expect("introspect SQLite")
    }

    fn query_integers(&mut self, sql: &str) -> Vec<i64> {
        let mut statement = self.0.prepare(sql).expect("prepare");
        statement
            .query_map([], |row| row.get(0))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("read rows")
    }
}

/// A fresh database in the harness's throwaway PostgreSQL cluster.
struct Postgres(postgres::Client);

impl LiveDatabase for Postgres {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn apply(&mut self, file: &Path, sql: &str) {
        let mut tx = self.0.transaction().expect("BEGIN");
        tx.batch_execute(sql)
            .unwrap_or_else(|e| panic!("{}: {e:?}", file.display()));
        tx.commit().expect("COMMIT");
    }

    fn introspect(&mut self) -> SchemaShape {
        introspect::postgres(&mut self.0).expect("introspect PostgreSQL")
    }

    fn query_integers(&mut self, sql: &str) -> Vec<i64> {
        let rows = self.0.query(sql, &[]).expect("query");
        rows.iter().map(|row| row.get(0)).collect()
    }
}

/// A fresh schema in the Db2 of `SPINE_DB2_ODBC`, through ODBC with autocommit off. Its
/// tables and the schema are dropped when it goes, leaving the shared Db2 as found.
struct Db2(odbc_api::Connection<'static>);

impl Db2 {
    fn connect() -> Self {
        let environment = odbc_api::environment().expect("ODBC environment");
        let conn = environment
            .connect_with_connection_string(
                &db2::fresh_schema_connection_string(),
                ConnectionOptions::default(),
            )
            .expect("connect to Db2");
        conn.set_autocommit(false).expect("autocommit off");
        Db2(conn)
    }

    fn rows(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        introspect::odbc_rows(&self.0, sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
}

impl LiveDatabase for Db2 {
    fn dialect(&self) -> Dialect {
        Dialect::Db2
    }

    /// One statement per execute (Db2's CLI takes one at a time), one COMMIT per file; a
    /// failing statement rolls the file back.
    fn apply(&mut self, file: &Path, sql: &str) {
        for statement in split_statements(sql) {
            if let Err(e) = self.0.execute(statement.text, (), None) {
                let rolled_back = self.0.rollback();
                panic!(
                    "{} statement {}: {e} (rollback: {rolled_back:?})\n{}",
                    file.display(),
                    statement.number,
                    statement.text
                );
            }
        }
        self.0.commit().expect("COMMIT");
    }

    fn introspect(&mut self) -> SchemaShape {
        introspect::db2(&self.0).expect("introspect Db2")
    }

    fn query_integers(&mut self, sql: &str) -> Vec<i64> {
        self.rows(sql)
            .into_iter()
            .map(|row| {
                let cell = row[0].as_deref().unwrap_or_else(|| panic!("{sql}: NULL"));
                cell.parse()
                    .unwrap_or_else(|e| panic!("{sql}: `{cell}` is not an integer: {e}"))
            })
            .collect()
    }
}

impl Drop for Db2 {
    /// Drops what the test created (DROP TABLE also drops the foreign keys that name the
    /// table), then the schema. Best effort: a failed cleanup must not hide the test's result.
    fn drop(&mut self) {
        let _ = self.0.rollback();
        let tables = introspect::odbc_rows(
            &self.0,
            "SELECT TABNAME FROM SYSCAT.TABLES WHERE TABSCHEMA = CURRENT SCHEMA AND TYPE = 'T'",
        )
        .unwrap_or_default();
        for table in tables.into_iter().filter_map(|row| row[0].clone()) {
            let _ = self.0.execute(&format!("DROP TABLE \"{table}\""), (), None);
        }
        let schema = introspect::odbc_rows(&self.0, "VALUES CURRENT SCHEMA").unwrap_or_default();
        if let Some(Some(schema)) = schema.first().map(|row| row[0].clone()) {
            let _ = self
                .0
                .execute(&format!("DROP SCHEMA \"{schema}\" RESTRICT"), (), None);
        }
        let _ = self.0.commit();
    }
}

/// The engine's database as a [`LiveDatabase`]. Only the engines the suite reaches natively
/// (and Db2) have one; the round trip of the ODBC ones would repeat their native twins.
fn live_database(engine: Engine) -> Box<dyn LiveDatabase> {
    match engine {
        Engine::Sqlite => Box::new(Sqlite::new()),
        Engine::Postgres => Box::new(Postgres(pg::fresh_database().client())),
        Engine::Db2Odbc => Box::new(Db2::connect()),
        Engine::SqliteOdbc | Engine::PostgresOdbc => {
            panic!("{engine:?} is excluded from this suite's on_every_engine!")
        }
    }
}

/// The schema the declarations promise after every migration of `db`'s dialect, as its
/// catalog reports it: schema-sql's expected shapes, the ones `migrate drift` folds from
/// `shapes.json`.
fn expected_schema(db: &dyn LiveDatabase) -> SchemaShape {
    let dialect = db.dialect();
    let state = schema_defs::schema().final_state(Some(dialect));
    schema_sql::shape::expected_schema(backend(dialect), &state)
        .unwrap_or_else(|e| panic!("{dialect}: the expected shapes: {e}"))
}

fn assert_matches_declarations(db: &mut dyn LiveDatabase, pass: &str) {
    let live = db.introspect();
    let expected = expected_schema(db);
    let mut differences = live.differences(&expected);
    differences.extend(introspect::column_order_differences(&live, &expected));
    assert!(
        differences.is_empty(),
        "{} after {pass}: the live schema differs from the declarations:\n{}",
        db.dialect(),
        differences.join("\n")
    );
}

/// Up, down in reverse, up again; the live schema must equal the declarations after each up
/// pass and hold no table after the down pass.
fn round_trip(db: &mut dyn LiveDatabase) {
    let ups = generated::files(db.dialect(), Direction::Up);
    let mut downs = generated::files(db.dialect(), Direction::Down);
    downs.reverse();

    for file in &ups {
        db.apply(&file.path, &file.sql);
    }
    assert_matches_declarations(db, "the first up pass");

    for file in &downs {
        db.apply(&file.path, &file.sql);
    }
    let left: Vec<String> = db.introspect().tables.into_keys().collect();
    assert!(
        left.is_empty(),
        "{}: tables left after every down file: {left:?}",
        db.dialect()
    );

    for file in &ups {
        db.apply(&file.path, &file.sql);
    }
    assert_matches_declarations(db, "the second up pass");
}

fn round_trip_matches_the_declarations(engine: Engine) {
    round_trip(live_database(engine).as_mut());
}

/// Auto ids are not used by the seed tables: a fixture table proves the database assigns
/// them on every engine here.
fn auto_ids_are_assigned(db: &mut dyn LiveDatabase) {
    let table = TableDef::new("audit_events")
        .column(
            ColumnDef::new("event_id", ColumnType::BigInt)
                .primary_key()
                .auto_increment(),
        )
        .column(ColumnDef::new(
            "kind",
            ColumnType::Text { max_len: Some(20) },
        ));
    let create = backend(db.dialect())
        .create_table(&table)
        .expect("the fixture renders");
    let inserts = "INSERT INTO audit_events (kind) VALUES ('a');\n\
                   INSERT INTO audit_events (kind) VALUES ('b');";
    db.apply(
        Path::new("audit_events fixture"),
        &format!("{create}\n{inserts}"),
    );
    assert_eq!(
        db.query_integers("SELECT event_id FROM audit_events ORDER BY event_id"),
        [1, 2]
    );
}

fn assigns_auto_ids(engine: Engine) {
    auto_ids_are_assigned(live_database(engine).as_mut());
}

// The ODBC twins of SQLite and PostgreSQL would run the same SQL on the same engines.
on_every_engine!(
    round_trip_matches_the_declarations except [SqliteOdbc, PostgresOdbc],
    assigns_auto_ids except [SqliteOdbc, PostgresOdbc],
);

/// The rows of `PRAGMA <pragma>(<arg>)`, each cell with its column name.
fn pragma_rows(conn: &Connection, pragma: &str, arg: &str) -> Vec<Vec<(String, Value)>> {
    let mut statement = conn
        .prepare(&format!("SELECT * FROM pragma_{pragma}(?1)"))
        .expect("prepare pragma");
    let names: Vec<String> = statement.column_names().map(str::to_string).collect();
    statement
        .query_map([arg], |row| {
            names
                .iter()
                .enumerate()
                .map(|(i, name)| Ok((name.clone(), row.get::<_, Value>(i)?)))
                .collect()
        })
        .expect("query pragma")
        .collect::<rusqlite::Result<_>>()
        .expect("read pragma")
}

/// The one deliberate difference from the design document: its `source_id TEXT PRIMARY KEY`
/// accepts NULL in SQLite (a legacy quirk: only INTEGER keys imply NOT NULL), so the
/// generated DDL writes NOT NULL on primary-key columns. Returns how many rows it changed.
fn with_not_null_keys(rows: &mut [Vec<(String, Value)>]) -> usize {
    let is_key = |row: &Vec<(String, Value)>| {
        row.iter()
            .any(|(name, value)| name == "pk" && *value != Value::Integer(0))
    };
    let mut changed = 0;
    for row in rows.iter_mut().filter(|row| is_key(row)) {
        for (name, value) in row.iter_mut() {
            if name == "notnull" && *value == Value::Integer(0) {
                *value = Value::Integer(1);
                changed += 1;
            }
        }
    }
    changed
}

/// Asserts the PRAGMA rows agree; returns how many key columns needed NOT NULL added.
fn assert_same_pragma(ours: &Connection, design: &Connection, pragma: &str, arg: &str) -> usize {
    let generated = pragma_rows(ours, pragma, arg);
    let mut documented = pragma_rows(design, pragma, arg);
    let not_null_keys = with_not_null_keys(&mut documented);
    assert_eq!(
        generated.len(),
        documented.len(),
        "PRAGMA {pragma}({arg}): generated {generated:?}, design document {documented:?}"
    );
    for (row, (generated, documented)) in generated.iter().zip(&documented).enumerate() {
        assert_eq!(
            generated, documented,
            "PRAGMA {pragma}({arg}), row {row}: generated (left) differs from the design document (right)"
        );
    }
    not_null_keys
}

#[test]
fn sqlite_output_equals_the_design_documents_sqlite_ddl() {
    let design = Connection::open_in_memory().expect("open SQLite");
    let blocks = design_document_sqlite_ddl();
    assert_eq!(blocks.len(), 8, "the design document's eight tables");
    for block in &blocks {
        design
            .execute_batch(block)
            .unwrap_or_else(|e| panic!("the design document's DDL fails: {e}\n{block}"));
    }
    let mut ours = Sqlite::new();
    for file in generated::files(Dialect::Sqlite, Direction::Up) {
        ours.apply(&file.path, &file.sql);
    }

    let table_names = |conn: &Connection| -> Vec<String> {
        let live = introspect::sqlite(conn).expect("introspect SQLite");
        live.tables.into_keys().collect()
    };
    let tables = table_names(&ours.0);
    assert_eq!(tables, table_names(&design), "the same tables");
    assert_eq!(tables.len(), 8);

    let mut not_null_keys = 0;
    for table in &tables {
        for pragma in ["table_info", "foreign_key_list", "index_list"] {
            not_null_keys += assert_same_pragma(&ours.0, &design, pragma, table);
        }
        for row in pragma_rows(&design, "index_list", table) {
            let Some((_, Value::Text(index))) = row.iter().find(|(name, _)| name == "name") else {
                panic!("index_list row without a name: {row:?}");
            };
            assert_same_pragma(&ours.0, &design, "index_info", index);
        }
    }
    assert_eq!(
        not_null_keys, 8,
        "exactly the eight TEXT primary keys differ (NOT NULL added)"
    );
}
