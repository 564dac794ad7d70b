//! Schema evolution on real engines: a scripted sequence of edits over the real tables, each a
//! new migration after the released ones, covering every step kind. For every edit k, on every
//! engine: a database upgraded step by step, holding rows inserted before each step, must
//! introspect equal to a database created fresh from the state at k; every earlier row must
//! read back, mapped by the step; no table may lose rows unless the step acknowledged it;
//! SQLite's foreign keys must check clean. Then down(k) must give the database at k-1, and
//! up(k) again the one at k. Also: upgrading tier by tier ends where a fresh database ends,
//! and the released files never change whatever is appended.

#[path = "evolution_edits.rs"]
mod evolution_edits;

use evolution_edits::{edits, schema_at};
use migrate::{DownTarget, MigrationSet, Runner, Target, Tier};
use schema_dsl::{
    ColumnDef, ColumnType, Dialect, Group, IndexMethod, Migration, Schema, SchemaState, Step,
    TableDef,
};
use schema_shape::SchemaShape;
use spine_tests::engines::{Engine, TestDatabase};
use spine_tests::introspect;
use spine_tests::live::Live;
use spine_tests::{generated, on_every_engine};
use std::collections::BTreeMap;
use std::path::Path;

/// A schema whose one migration creates `state` as it stands: every table with its indexes,
/// the partitioning the state has, then the indexes `CREATE TABLE` does not build.
fn fresh_schema(state: &SchemaState) -> Schema {
    let mut fresh = Migration::new(Group::Tier(Tier::Basic), 1, "fresh");
    for table in state.tables() {
        fresh = fresh.step(Step::CreateTable(table.clone()));
    }
    for table in state.tables().filter(|t| state.is_partitioned(&t.name)) {
        fresh = fresh.step(Step::PartitionTable {
            table: table.name.clone(),
        });
    }
    for table in state.tables() {
        let built_apart = table
            .indexes
            .iter()
            .filter(|i| i.method != IndexMethod::BTree);
        for index in built_apart {
            fresh = fresh.step(Step::CreateIndex {
                table: table.name.clone(),
                index: index.clone(),
            });
        }
    }
    Schema::new(vec![fresh])
}

/// `schema`'s files for `dialect`, written under `root`, as the runner reads them.
fn migration_set(schema: &Schema, dialect: Dialect, root: &Path) -> MigrationSet {
    let generated = schema_sql::generate(schema, &[dialect])
        .unwrap_or_else(|e| panic!("the schema renders:\n{e}"));
    if root.exists() {
        std::fs::remove_dir_all(root).unwrap_or_else(|e| panic!("{}: {e}", root.display()));
    }
    for file in &generated.files {
        let path = root.join(&file.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        }
        std::fs::write(&path, &file.contents).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    MigrationSet::from_dir(root).unwrap_or_else(|e| panic!("reading {}: {e}", root.display()))
}

/// Runs `work` with a runner of `set` on `db`.
fn with_runner(db: &TestDatabase, set: &MigrationSet, work: impl FnOnce(&mut Runner<'_>)) {
    let target: Target = db.target.parse().unwrap_or_else(|e| panic!("target: {e}"));
    let mut conn = target
        .connect(None)
        .unwrap_or_else(|e| panic!("connect: {e}"));
    work(&mut Runner::new(conn.as_mut(), set));
}

fn up(db: &TestDatabase, set: &MigrationSet, tier: Tier) {
    with_runner(db, set, |runner| {
        runner
            .up(tier, &mut |_| {})
            .unwrap_or_else(|e| panic!("up to {tier}: {e}"));
    });
}

fn down_one(db: &TestDatabase, set: &MigrationSet) {
    with_runner(db, set, |runner| {
        runner
            .down(&DownTarget::Count(1), &mut |_| {})
            .unwrap_or_else(|e| panic!("down: {e}"));
    });
}

/// The live schema, without the runner's tracking table.
fn shape(live: &mut Live) -> SchemaShape {
    let mut schema = live.introspect();
    schema
        .tables
        .retain(|name, _| !name.eq_ignore_ascii_case("_migrations"));
    schema.tables.values_mut().for_each(|t| t.sort());
    schema
}

/// The shape a database created fresh from `state` has on `engine`.
fn fresh_shape(engine: Engine, state: &SchemaState) -> SchemaShape {
    let db = engine.fresh();
    let set = migration_set(
        &fresh_schema(state),
        engine.dialect(),
        &db.scratch_path("fresh"),
    );
    up(&db, &set, Tier::Advanced);
    shape(&mut db.live())
}

fn assert_same_shape(engine: Engine, what: &str, live: &SchemaShape, expected: &SchemaShape) {
    let mut differences = live.differences(expected);
    differences.extend(introspect::column_order_differences(live, expected));
    assert!(
        differences.is_empty(),
        "{engine:?}: {what}:\n{}",
        differences.join("\n")
    );
}

/// `migrate drift` through the runner (the shapes file of `set` folded over the applied
/// migrations) finds nothing.
fn assert_no_drift(engine: Engine, db: &TestDatabase, set: &MigrationSet, what: &str) {
    let mut differences = Vec::new();
    with_runner(db, set, |runner| {
        differences = runner
            .drift()
            .unwrap_or_else(|e| panic!("{engine:?}: drift {what}: {e}"));
    });
    assert_eq!(
        differences,
        Vec::<String>::new(),
        "{engine:?}: drift {what}"
    );
}

/// The shape schema-sql expects of `state` in `dialect`: what `migrate drift` compares with.
fn expected_shape(dialect: Dialect, state: &SchemaState) -> SchemaShape {
    schema_sql::shape::expected_schema(schema_sql::backend::backend(dialect), state)
        .unwrap_or_else(|e| panic!("{dialect}: the expected shapes: {e}"))
}

/// One row: each column's value as text (`None` for NULL).
type Row = BTreeMap<String, Option<String>>;

/// A table's rows by primary key.
type Rows = BTreeMap<String, Row>;

/// Every row of every table of `state`.
fn snapshot(live: &mut Live, dialect: Dialect, state: &SchemaState) -> BTreeMap<String, Rows> {
    state
        .tables()
        .map(|table| {
            let names: Vec<String> = table
                .columns
                .iter()
                .map(|c| ident(dialect, &c.name))
                .collect();
            let sql = format!(
                "SELECT {} FROM {}",
                names.join(", "),
                ident(dialect, &table.name)
            );
            let key: Vec<usize> = table
                .columns
                .iter()
                .enumerate()
                .filter(|(_, c)| c.primary_key)
                .map(|(i, _)| i)
                .collect();
            let rows = live
                .rows(&sql)
                .into_iter()
                .map(|row| {
                    let id = key
                        .iter()
                        .map(|&i| row[i].clone().unwrap_or_default())
                        .collect::<Vec<_>>()
                        .join("|");
                    let values = table
                        .columns
                        .iter()
                        .map(|c| c.name.clone())
                        .zip(row)
                        .collect();
                    (id, values)
                })
                .collect();
            (table.name.clone(), rows)
        })
        .collect()
}

fn ident(dialect: Dialect, name: &str) -> String {
    match dialect {
        Dialect::Db2 => name.to_ascii_uppercase(),
        Dialect::Sqlite | Dialect::Postgres => name.to_string(),
    }
}

/// Inserts batch `batch` of rows into every table of `state`: two rows each, one with every
/// column at a boundary value, one with every nullable column NULL. Keys are unique per batch
/// and row, and a foreign key takes its parent's key of the same batch and row.
fn insert_rows(live: &mut Live, dialect: Dialect, state: &SchemaState, batch: usize) {
    for table in state.tables() {
        for row in 0..2 {
            let columns: Vec<&ColumnDef> =
                table.columns.iter().filter(|c| !c.auto_increment).collect();
            let values: Vec<String> = columns
                .iter()
                .map(|column| value(dialect, table, column, batch, row))
                .collect();
            live.execute(&format!(
                "INSERT INTO {} ({}) VALUES ({})",
                ident(dialect, &table.name),
                columns
                    .iter()
                    .map(|c| ident(dialect, &c.name))
                    .collect::<Vec<_>>()
                    .join(", "),
                values.join(", ")
            ));
        }
    }
}

/// The literal of `column` in row `row` of batch `batch`.
fn value(
    dialect: Dialect,
    table: &TableDef,
    column: &ColumnDef,
    batch: usize,
    row: usize,
) -> String {
    let key = format!("'k{batch}-{row}'");
    let referenced = table
        .foreign_keys
        .iter()
        .any(|fk| fk.columns.contains(&column.name));
    if column.primary_key || column.unique || referenced {
        return key;
    }
    if column.nullable && row == 1 {
        return "NULL".to_string();
    }
    let boundary = row == 0;
    match column.ty {
        ColumnType::Text { max_len } => {
            let len = max_len.map_or(300, |n| n.min(4000)) as usize;
            if boundary {
                format!("'{}'", "x".repeat(len))
            } else {
                "'it''s'".to_string()
            }
        }
        ColumnType::SmallInt => {
            if boundary {
                i16::MAX.to_string()
            } else {
                "-1".to_string()
            }
        }
        ColumnType::Integer => {
            if boundary {
                i32::MAX.to_string()
            } else {
                "-1".to_string()
            }
        }
        ColumnType::BigInt => {
            if boundary {
                i64::MAX.to_string()
            } else {
                "-1".to_string()
            }
        }
        ColumnType::Boolean => match (dialect, boundary) {
            (Dialect::Postgres, true) => "TRUE".to_string(),
            (Dialect::Postgres, false) => "FALSE".to_string(),
            (Dialect::Sqlite | Dialect::Db2, b) => u8::from(b).to_string(),
        },
        ColumnType::Timestamp => {
            let at = if boundary {
                "2026-01-31 23:59:59"
            } else {
                "1970-01-01 00:00:00"
            };
            match dialect {
                Dialect::Sqlite => format!("'{}'", at.replace(' ', "T")),
                Dialect::Postgres => format!("TIMESTAMP '{at}'"),
                Dialect::Db2 => format!("TIMESTAMP('{at}')"),
            }
        }
        ColumnType::Json { .. } => {
            if boundary {
                "'{\"k\": [1, 2]}'".to_string()
            } else {
                "'[]'".to_string()
            }
        }
    }
}

/// The rows `before` should read as after `step` (run on `state`, the state before it).
fn expected_rows(before: &BTreeMap<String, Rows>, step: &Step) -> BTreeMap<String, Rows> {
    let mut rows = before.clone();
    let each_row = |rows: &mut BTreeMap<String, Rows>, table: &str, f: &dyn Fn(&mut Row)| {
        if let Some(table) = rows.get_mut(table) {
            table.values_mut().for_each(f);
        }
    };
    match step {
        Step::DropTable { table, .. } => {
            rows.remove(table);
        }
        Step::RenameTable { from, to } => {
            if let Some(moved) = rows.remove(from) {
                rows.insert(to.clone(), moved);
            }
        }
        Step::DropColumn { table, column, .. } => each_row(&mut rows, table, &|row| {
            row.remove(column);
        }),
        Step::RenameColumn { table, from, to } => each_row(&mut rows, table, &|row| {
            if let Some(value) = row.remove(from) {
                row.insert(to.clone(), value);
            }
        }),
        Step::AddColumn { .. }
        | Step::CreateTable(_)
        | Step::CreateIndex { .. }
        | Step::DropIndex { .. }
        | Step::PartitionTable { .. } => {}
    }
    rows
}

/// Compares the rows after a step with the rows before it, mapped by the step. An added
/// column must hold one value in every row: NULL when nullable without backfill or default,
/// else the same non-NULL value.
fn assert_rows_kept(
    engine: Engine,
    step: &Step,
    expected: &BTreeMap<String, Rows>,
    mut after: BTreeMap<String, Rows>,
) {
    if let Step::AddColumn {
        table,
        column,
        backfill,
    } = step
    {
        let values: Vec<Option<String>> = after
            .get_mut(table)
            .map(|rows| {
                rows.values_mut()
                    .filter_map(|row| row.remove(&column.name))
                    .collect()
            })
            .unwrap_or_default();
        let filled = backfill.is_some() || column.default.is_some() || !column.nullable;
        assert!(
            values.windows(2).all(|pair| pair[0] == pair[1])
                && values.first().is_none_or(|v| v.is_some() == filled),
            "{engine:?}: {table}.{}: existing rows got {values:?}",
            column.name
        );
    }
    for (table, rows) in expected {
        let live = after.get(table);
        assert_eq!(
            live.map(BTreeMap::len),
            Some(rows.len()),
            "{engine:?}: table `{table}` lost or gained rows"
        );
        assert_eq!(live, Some(rows), "{engine:?}: rows of `{table}` changed");
    }
}

fn foreign_key_violations(live: &mut Live) -> Vec<Vec<Option<String>>> {
    match live {
        Live::Sqlite(_) => live.rows("SELECT * FROM pragma_foreign_key_check"),
        Live::Postgres(_) | Live::Db2(_) => Vec::new(),
    }
}

/// Every edit, one at a time, on a database holding rows; see the module documentation.
fn every_edit_upgrades_keeps_rows_and_reverts(engine: Engine) {
    let dialect = engine.dialect();
    let db = engine.fresh();
    let root = db.scratch_path("migrations");
    let released = schema_at(0);
    up(
        &db,
        &migration_set(&released, dialect, &root),
        Tier::Advanced,
    );
    let mut live = db.live();
    let mut state = released.final_state(Some(dialect));
    insert_rows(&mut live, dialect, &state, 0);
    drop(live);
    for (k, edit) in edits().into_iter().enumerate() {
        let k = k + 1;
        let schema = schema_at(k);
        let set = migration_set(&schema, dialect, &root);
        let applies = edit.applies_to(dialect);
        let mut live = db.live();
        insert_rows(&mut live, dialect, &state, k);
        let before = snapshot(&mut live, dialect, &state);
        let before_shape = shape(&mut live);
        drop(live);

        up(&db, &set, Tier::Advanced);
        let after_state = schema.final_state(Some(dialect));
        let mut live = db.live();
        let what = format!("after {}", edit.id);
        let upgraded = shape(&mut live);
        assert_same_shape(engine, &what, &upgraded, &fresh_shape(engine, &after_state));
        assert_same_shape(
            engine,
            &format!("{what}, against the declarations' expected shape (no drift)"),
            &upgraded,
            &expected_shape(dialect, &after_state),
        );
        assert_no_drift(engine, &db, &set, &what);
        let mut expected = before.clone();
        if applies {
            for step in &edit.steps {
                expected = expected_rows(&expected, step);
            }
        }
        let after = snapshot(&mut live, dialect, &after_state);
        for step in edit.steps.iter().filter(|_| applies) {
            assert_rows_kept(engine, step, &expected, after.clone());
        }
        if !applies {
            assert_eq!(after, before, "{engine:?}: {} is not {dialect}'s", edit.id);
        }
        assert_eq!(
            foreign_key_violations(&mut live),
            Vec::<Vec<Option<String>>>::new()
        );
        drop(live);

        if applies {
            down_one(&db, &set);
            let mut live = db.live();
            let mut reverted = shape(&mut live);
            let mut expected = before_shape.clone();
            if dialect != Dialect::Sqlite
                && edit
                    .steps
                    .iter()
                    .any(|step| matches!(step, Step::DropColumn { .. }))
            {
                // PostgreSQL and Db2 can only append a column: the down of a drop puts the
                // column back last (SQLite rebuilds the table to keep its place).
                for schema in [&mut reverted, &mut expected] {
                    for table in schema.tables.values_mut() {
                        table.columns.sort_by(|a, b| a.name.cmp(&b.name));
                    }
                }
            }
            assert_same_shape(
                engine,
                &format!("after reverting {}", edit.id),
                &reverted,
                &expected,
            );
            assert_no_drift(engine, &db, &set, &format!("after reverting {}", edit.id));
            assert_eq!(
                foreign_key_violations(&mut live),
                Vec::<Vec<Option<String>>>::new()
            );
            drop(live);
            up(&db, &set, Tier::Advanced);
            let mut live = db.live();
            assert_same_shape(
                engine,
                &format!("after re-applying {}", edit.id),
                &shape(&mut live),
                &fresh_shape(engine, &after_state),
            );
            assert_no_drift(engine, &db, &set, &format!("after re-applying {}", edit.id));
        }
        state = after_state;
    }
}

/// Tier by tier (basic, then intermediate, then advanced, each with its later releases) ends
/// where a database migrated to the top tier at once ends, and where one created fresh from
/// the final state ends; so does a database migrated in one run, which applies the edits in
/// release order (the column added to the partitioned table after the PostgreSQL overlay).
fn tier_by_tier_ends_where_fresh_ends(engine: Engine) {
    let dialect = engine.dialect();
    let schema = schema_at(edits().len());
    let stepwise = engine.fresh();
    let set = migration_set(&schema, dialect, &stepwise.scratch_path("migrations"));
    for tier in Tier::ALL {
        up(&stepwise, &set, tier);
        assert_no_drift(engine, &stepwise, &set, &format!("tier by tier, at {tier}"));
    }
    let at_once = engine.fresh();
    up(&at_once, &set, Tier::Advanced);
    let fresh = fresh_shape(engine, &schema.final_state(Some(dialect)));
    assert_same_shape(engine, "tier by tier", &shape(&mut stepwise.live()), &fresh);
    assert_same_shape(engine, "in one run", &shape(&mut at_once.live()), &fresh);
}

on_every_engine!(
    every_edit_upgrades_keeps_rows_and_reverts,
    tier_by_tier_ends_where_fresh_ends
);

/// Appending the edits changes no released file: every file on disk renders the same with
/// any number of edits after it.
#[test]
fn released_files_never_change_whatever_is_appended() {
    for k in 0..=edits().len() {
        let rendered = schema_sql::generate(&schema_at(k), &Dialect::ALL)
            .unwrap_or_else(|e| panic!("edit {k} renders:\n{e}"));
        for dialect in Dialect::ALL {
            for direction in [
                migration_layout::Direction::Up,
                migration_layout::Direction::Down,
            ] {
                for released in generated::files(dialect, direction) {
                    let now = rendered
                        .files
                        .iter()
                        .find(|file| file.path == Path::new(&released.file.path()))
                        .unwrap_or_else(|| panic!("edit {k}: {} is gone", released.file.path()));
                    assert_eq!(
                        now.contents,
                        released.sql,
                        "edit {k} changed the released {}",
                        released.file.path()
                    );
                }
            }
        }
    }
}
