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
use migrate::{DownTarget, MigrationSet, Runner, State, Target, Tier};
use schema_dsl::{
    CheckCondition, CheckDef, ColumnDef, ColumnType, DefaultValue, Dialect, Group, IndexMethod,
    Migration, Schema, SchemaState, Step, TableDef,
};
use schema_shape::SchemaShape;
use spine_tests::engines::{Engine, TestDatabase};
use spine_tests::introspect;
use spine_tests::live::Live;
use spine_tests::{generated, on_every_engine};
use std::collections::{BTreeMap, BTreeSet};
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

/// The columns, by table, that a foreign key covers at some point of the sequence: they hold
/// their parent's key in every batch, so that a foreign key dropped and added again later, or
/// added to a table holding rows, finds every parent.
fn referencing_columns() -> BTreeSet<(String, String)> {
    (0..=edits().len())
        .flat_map(|k| {
            let state = schema_at(k).final_state(None);
            state
                .tables()
                .flat_map(|table| {
                    table.foreign_keys.iter().flat_map(|fk| {
                        fk.columns
                            .iter()
                            .map(|column| (table.name.clone(), column.clone()))
                    })
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Inserts batch `batch` of rows into every table of `state`: two rows each, one with every
/// column at a boundary value, one with every nullable column NULL. Keys are unique per batch
/// and row, and a column a foreign key covers at some point ([`referencing_columns`]) takes
/// its parent's key of the same batch and row.
fn insert_rows(live: &mut Live, dialect: Dialect, state: &SchemaState, batch: usize) {
    let referencing = referencing_columns();
    for table in state.tables() {
        for row in 0..2 {
            let columns: Vec<&ColumnDef> =
                table.columns.iter().filter(|c| !c.auto_increment).collect();
            let values: Vec<String> = columns
                .iter()
                .map(|column| {
                    let keyed = referencing.contains(&(table.name.clone(), column.name.clone()));
                    value(dialect, column, batch, row, keyed)
                })
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

/// The literal of `column` in row `row` of batch `batch`; `referencing` when a foreign key
/// covers the column at some point.
fn value(
    dialect: Dialect,
    column: &ColumnDef,
    batch: usize,
    row: usize,
    referencing: bool,
) -> String {
    let key = format!("'k{batch}-{row}'");
    if column.primary_key || column.unique || referencing {
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
        Step::AlterColumn {
            table,
            column,
            backfill,
            ..
        } => {
            let fill = backfill
                .as_ref()
                .or(column.default.as_ref())
                .map(|value| match value {
                    DefaultValue::Text(text) => text.clone(),
                    other => other.to_string(),
                });
            if let Some(fill) = fill.filter(|_| !column.nullable) {
                each_row(&mut rows, table, &|row| {
                    if let Some(value @ None) = row.get_mut(&column.name) {
                        *value = Some(fill.clone());
                    }
                });
            }
        }
        Step::AddColumn { .. }
        | Step::CreateTable(_)
        | Step::CreateIndex { .. }
        | Step::DropIndex { .. }
        | Step::PartitionTable { .. }
        | Step::AddForeignKey { .. }
        | Step::DropForeignKey { .. }
        | Step::AddCheck { .. }
        | Step::DropCheck { .. } => {}
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

/// The value the rows of a table hold in a column before an edit, where the rows the
/// sequence inserts would stop it: `(table, column, SQL literal)`, set in every row not NULL.
/// The edit must convert such rows; the refusals of those it cannot are tested apart
/// (`a_column_change_that_would_lose_values_is_refused_with_their_count`).
fn values_before(edit: &Migration) -> Option<(&'static str, &'static str, &'static str)> {
    match edit.id.name.as_str() {
        "column_changes_shorter_code" => Some(("column_changes", "code", "'short'")),
        "column_changes_integer_amount" => Some(("column_changes", "amount", "'-42'")),
        _ => None,
    }
}

/// After a step that gives a column a new default, a row inserted without the column gets
/// it (the row is deleted after).
fn assert_new_default(engine: Engine, live: &mut Live, state: &SchemaState, step: &Step, k: usize) {
    let Step::AlterColumn { table, column, .. } = step else {
        return;
    };
    let Some(default) = &column.default else {
        return;
    };
    let dialect = engine.dialect();
    let Some(table) = state.table(table) else {
        panic!("{engine:?}: no table `{table}` after its column changed");
    };
    let others: Vec<&ColumnDef> = table
        .columns
        .iter()
        .filter(|c| c.name != column.name && !c.auto_increment)
        .collect();
    let batch = 1000 + k;
    let values: Vec<String> = others
        .iter()
        .map(|c| {
            let referencing = table
                .foreign_keys
                .iter()
                .any(|fk| fk.columns.contains(&c.name));
            value(dialect, c, batch, 0, referencing)
        })
        .collect();
    let name = ident(dialect, &table.name);
    let key = table.primary_key();
    let [key] = key.as_slice() else {
        panic!("{engine:?}: `{}` has a one-column key", table.name);
    };
    let key = ident(dialect, key);
    live.execute(&format!(
        "INSERT INTO {name} ({}) VALUES ({})",
        others
            .iter()
            .map(|c| ident(dialect, &c.name))
            .collect::<Vec<_>>()
            .join(", "),
        values.join(", ")
    ));
    let read = live.rows(&format!(
        "SELECT {} FROM {name} WHERE {key} = 'k{batch}-0'",
        ident(dialect, &column.name)
    ));
    let expected = match default {
        DefaultValue::Text(text) => text.clone(),
        other => other.to_string(),
    };
    assert_eq!(
        read,
        [[Some(expected)]],
        "{engine:?}: {}.{}: a row inserted without it",
        table.name,
        column.name
    );
    live.execute(&format!("DELETE FROM {name} WHERE {key} = 'k{batch}-0'"));
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
        if let Some((table, column, value)) = values_before(&edit) {
            let (table, column) = (ident(dialect, table), ident(dialect, column));
            live.execute(&format!(
                "UPDATE {table} SET {column} = {value} WHERE {column} IS NOT NULL"
            ));
        }
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
        for step in edit.steps.iter().filter(|_| applies) {
            assert_new_default(engine, &mut live, &after_state, step, k);
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

/// The migration of the evolution sequence named `name`.
fn edit_named(name: &str) -> Migration {
    edits()
        .into_iter()
        .find(|edit| edit.id.name == name)
        .unwrap_or_else(|| panic!("no edit `{name}`"))
}

/// A column change that some rows' values would not survive stops the migration, naming
/// their count (in the database's own error message, which the runner reports): the table
/// stays as it was and nothing is recorded. Once the rows fit, the change applies and the
/// values read back converted.
fn a_column_change_that_would_lose_values_is_refused_with_their_count(engine: Engine) {
    let dialect = engine.dialect();
    let db = engine.fresh();
    let root = db.scratch_path("migrations");
    let create = edit_named("column_changes");
    up(
        &db,
        &migration_set(&Schema::new(vec![create.clone()]), dialect, &root),
        Tier::Advanced,
    );
    let mut live = db.live();
    live.execute(
        "INSERT INTO column_changes (change_id, label, code, amount, note, tally) VALUES \
         ('a', 'x', 'much too long', 'abc', NULL, 1), ('b', 'y', 'ok', '12', NULL, 2), \
         ('c', 'z', NULL, NULL, 'n', 3)",
    );
    let read = "SELECT change_id, code, amount FROM column_changes ORDER BY change_id";
    let rows = live.rows(read);
    let before = shape(&mut live);
    drop(live);
    for (name, problem) in [
        (
            "column_changes_shorter_code",
            "1 row(s) of table column_changes, column code hold text longer than 8 characters",
        ),
        (
            "column_changes_integer_amount",
            "1 row(s) of table column_changes, column amount hold text that is not an integer",
        ),
    ] {
        let edit = edit_named(name);
        let set = migration_set(
            &Schema::new(vec![create.clone(), edit.clone()]),
            dialect,
            &root,
        );
        let mut outcome = None;
        with_runner(&db, &set, |runner| {
            let refused = runner.up(Tier::Advanced, &mut |_| {});
            let status = runner.status().unwrap_or_else(|e| panic!("status: {e}"));
            outcome = Some((refused, status));
        });
        let Some((refused, status)) = outcome else {
            panic!("{engine:?}: the runner ran");
        };
        let error = refused
            .err()
            .unwrap_or_else(|| panic!("{engine:?}: {name} applied over rows it cannot hold"))
            .to_string();
        // Db2 keeps the first 70 bytes of a signalled message.
        let shown = if dialect == Dialect::Db2 {
            &problem[..45]
        } else {
            problem
        };
        assert!(error.contains(shown), "{engine:?}: {name}: {error}");
        let state = status
            .iter()
            .find(|entry| entry.id == edit.id.to_string())
            .map(|entry| entry.state);
        assert_eq!(state, Some(State::Pending), "{engine:?}: {name} recorded");
        let mut live = db.live();
        assert_same_shape(
            engine,
            &format!("after refusing {name}"),
            &shape(&mut live),
            &before,
        );
        assert_eq!(live.rows(read), rows, "{engine:?}: {name} changed rows");
    }

    let mut live = db.live();
    live.execute("UPDATE column_changes SET code = 'short', amount = '-7' WHERE change_id = 'a'");
    drop(live);
    let fitted = Schema::new(vec![
        create,
        edit_named("column_changes_shorter_code"),
        edit_named("column_changes_integer_amount"),
    ]);
    up(&db, &migration_set(&fitted, dialect, &root), Tier::Advanced);
    let mut live = db.live();
    assert_eq!(
        live.rows(read),
        [
            [Some("a"), Some("short"), Some("-7")],
            [Some("b"), Some("ok"), Some("12")],
            [Some("c"), None, None],
        ]
        .map(|row| row.map(|cell| cell.map(str::to_string)).to_vec())
    );
    let fresh = fresh_shape(engine, &fitted.final_state(Some(dialect)));
    assert_same_shape(
        engine,
        "after the fitted changes",
        &shape(&mut live),
        &fresh,
    );
}

/// The position in [`edits`] of the edit named `name`.
fn edit_position(name: &str) -> usize {
    edits()
        .iter()
        .position(|edit| edit.id.name == name)
        .unwrap_or_else(|| panic!("no edit {name}"))
}

/// The state of migration `id` in `set` on `db`.
fn migration_state(db: &TestDatabase, set: &MigrationSet, id: &str) -> Option<State> {
    let mut state = None;
    with_runner(db, set, |runner| {
        state = runner
            .status()
            .unwrap_or_else(|e| panic!("status: {e}"))
            .into_iter()
            .find(|entry| entry.id == id)
            .map(|entry| entry.state);
    });
    state
}

/// Runs `set` up to the top tier on `db`, expecting it to be refused: the error, after
/// checking that the edit `id` was not recorded and that the schema and rows are as they were.
fn refused_up(db: &TestDatabase, set: &MigrationSet, id: &str, state: &SchemaState) -> String {
    let dialect = db.engine.dialect();
    let mut live = db.live();
    let (shape_before, rows_before) = (shape(&mut live), snapshot(&mut live, dialect, state));
    drop(live);
    let mut error = None;
    with_runner(db, set, |runner| {
        error = runner.up(Tier::Advanced, &mut |_| {}).err();
    });
    let error = error
        .unwrap_or_else(|| panic!("{id} was applied"))
        .to_string();
    assert_eq!(
        migration_state(db, set, id),
        Some(State::Pending),
        "{error}"
    );
    let mut live = db.live();
    assert_same_shape(
        db.engine,
        &format!("after {id} was refused"),
        &shape(&mut live),
        &shape_before,
    );
    assert_eq!(snapshot(&mut live, dialect, state), rows_before, "{error}");
    error
}

/// A foreign key added over an orphan row, or a CHECK over a row that breaks it, is refused:
/// the migration fails naming the table or the constraint, rolls back whole and is not
/// recorded, leaving schema and rows as they were; once the row is mended it applies.
fn constraints_refuse_rows_that_break_them(engine: Engine) {
    let dialect = engine.dialect();
    let add_fk = edit_position("scheduler_runs_schedule_fk");
    let add_check = edit_position("workflow_runs_name_check");
    let db = engine.fresh();
    let root = db.scratch_path("migrations");
    let before = schema_at(add_fk);
    up(&db, &migration_set(&before, dialect, &root), Tier::Advanced);
    let state = before.final_state(Some(dialect));
    let mut live = db.live();
    insert_rows(&mut live, dialect, &state, 0);
    let set_where = |table: &str, column: &str, value: &str, key: &str, id: &str| {
        format!(
            "UPDATE {} SET {} = {value} WHERE {} = '{id}'",
            ident(dialect, table),
            ident(dialect, column),
            ident(dialect, key)
        )
    };
    // A run of a schedule that does not exist.
    live.execute(&set_where(
        "scheduler_runs",
        "schedule_name",
        "'orphan'",
        "run_id",
        "k0-0",
    ));
    drop(live);

    let set = migration_set(&schema_at(add_fk + 1), dialect, &root);
    let id = edits()[add_fk].id.to_string();
    let error = refused_up(&db, &set, &id, &state);
    assert!(
        error.to_ascii_lowercase().contains("scheduler_runs"),
        "{engine:?}: {error}"
    );
    db.live().execute(&set_where(
        "scheduler_runs",
        "schedule_name",
        "'k0-0'",
        "run_id",
        "k0-0",
    ));
    up(&db, &set, Tier::Advanced);
    assert_eq!(migration_state(&db, &set, &id), Some(State::Applied));

    let set = migration_set(&schema_at(add_check + 1), dialect, &root);
    up(
        &db,
        &migration_set(&schema_at(add_check), dialect, &root),
        Tier::Advanced,
    );
    let state = schema_at(add_check).final_state(Some(dialect));
    db.live().execute(&set_where(
        "workflow_runs",
        "workflow_name",
        "''",
        "run_id",
        "k0-1",
    ));
    let id = edits()[add_check].id.to_string();
    let error = refused_up(&db, &set, &id, &state);
    assert!(
        error.to_ascii_lowercase().contains("ck_workflow_runs_name"),
        "{engine:?}: {error}"
    );
}

/// The CHECK added to `workflow_runs` rebuilds it on SQLite, the parent of ON DELETE CASCADE
/// step runs: applied in one grouped run (`up --group`), every child row stays.
fn a_rebuilt_parent_keeps_its_children_in_a_grouped_run(engine: Engine) {
    let dialect = engine.dialect();
    let add_check = edit_position("workflow_runs_name_check");
    let db = engine.fresh();
    let root = db.scratch_path("migrations");
    let before = schema_at(add_check);
    up(&db, &migration_set(&before, dialect, &root), Tier::Advanced);
    let state = before.final_state(Some(dialect));
    let mut live = db.live();
    insert_rows(&mut live, dialect, &state, 0);
    let rows = snapshot(&mut live, dialect, &state);
    drop(live);
    let set = migration_set(&schema_at(add_check + 1), dialect, &root);
    with_runner(&db, &set, |runner| {
        runner
            .up_grouped(Tier::Advanced, &mut |_| {})
            .unwrap_or_else(|e| panic!("up --group: {e}"));
    });
    let mut live = db.live();
    assert_eq!(snapshot(&mut live, dialect, &state), rows);
    assert_eq!(rows.get("workflow_step_runs").map(BTreeMap::len), Some(2));
    assert_eq!(
        foreign_key_violations(&mut live),
        Vec::<Vec<Option<String>>>::new()
    );
}

/// Every kind of CHECK condition, over bounded and (where the dialect has it) unbounded text
/// and every integer width with negative and beyond-32-bit bounds, reads back from the catalog
/// as the expected shapes spell it: no drift, and the database introspects as expected.
fn every_check_condition_reads_back_as_declared(engine: Engine) {
    let dialect = engine.dialect();
    let text = |max_len| ColumnType::Text { max_len };
    let check = |name: &str, column: &str, condition| CheckDef::new(name, column, condition);
    let one_of =
        |values: &[&str]| CheckCondition::OneOf(values.iter().map(|v| v.to_string()).collect());
    let mut table = TableDef::new("check_kinds")
        .column(ColumnDef::new("kind_id", text(Some(20))).primary_key())
        .column(ColumnDef::new("code", text(Some(10))))
        .column(ColumnDef::new("small", ColumnType::SmallInt))
        .column(ColumnDef::new("count", ColumnType::Integer))
        .column(ColumnDef::new("big", ColumnType::BigInt))
        .check(check("ck_code_one_of", "code", one_of(&["a", "b'c"])))
        .check(check("ck_code_single", "code", one_of(&["a"])))
        .check(check("ck_code_not_empty", "code", CheckCondition::NotEmpty))
        .check(check(
            "ck_small_range",
            "small",
            CheckCondition::Between { min: -3, max: 3 },
        ))
        .check(check(
            "ck_count_range",
            "count",
            CheckCondition::Between { min: 0, max: 5 },
        ))
        .check(check(
            "ck_big_range",
            "big",
            CheckCondition::Between {
                min: -3_000_000_000,
                max: 3_000_000_000,
            },
        ));
    if dialect != Dialect::Db2 {
        // Db2 has no unbounded text.
        table = table
            .column(ColumnDef::new("label", text(None)))
            .check(check("ck_label_one_of", "label", one_of(&["x", "y"])))
            .check(check("ck_label_single", "label", one_of(&["x"])))
            .check(check(
                "ck_label_not_empty",
                "label",
                CheckCondition::NotEmpty,
            ));
    }
    let schema = Schema::new(vec![
        Migration::new(Group::Tier(Tier::Basic), 1, "check_kinds").step(Step::CreateTable(table)),
    ]);
    let db = engine.fresh();
    let set = migration_set(&schema, dialect, &db.scratch_path("migrations"));
    up(&db, &set, Tier::Advanced);
    assert_no_drift(engine, &db, &set, "after creating every kind of CHECK");
    let mut live = db.live();
    assert_same_shape(
        engine,
        "every kind of CHECK",
        &shape(&mut live),
        &expected_shape(dialect, &schema.final_state(Some(dialect))),
    );
}

on_every_engine!(
    every_edit_upgrades_keeps_rows_and_reverts,
    tier_by_tier_ends_where_fresh_ends,
    a_column_change_that_would_lose_values_is_refused_with_their_count,
    constraints_refuse_rows_that_break_them,
    a_rebuilt_parent_keeps_its_children_in_a_grouped_run except [Postgres, PostgresOdbc, Db2Odbc],
    every_check_condition_reads_back_as_declared,
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
