//! The shape a schema state leaves in a dialect's catalog, in that catalog's own spellings
//! (types, defaults, actions, case folding: the backend's `stored_*` methods), and the
//! `<dialect>/shapes.json` file that carries it to the runner: per migration, the full
//! expected shape of every table whose shape it changed, and the tables it removed.

use crate::backend::{Backend, Unsupported};
use crate::render::GeneratedFile;
use schema_dsl::{IndexMethod, Migration, SchemaState, Step, TableDef};
use schema_shape::{
    ColumnShape, ForeignKeyShape, IndexShape, MigrationShapes, SchemaShape, ShapesFile, TableShape,
};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// Every table of `state` as `backend`'s catalog should report it (a partitioned table's
/// keys table included), every declared index built: the schema of a database that applied
/// every migration up to `state` (the steps that build indexes `CREATE TABLE` does not, such
/// as GIN, included).
pub fn expected_schema(
    backend: &dyn Backend,
    state: &SchemaState,
) -> Result<SchemaShape, Unsupported> {
    let names: BTreeSet<String> = state.tables().map(|t| t.name.clone()).collect();
    Ok(SchemaShape {
        tables: shapes_of(backend, state, &names, &BTreeSet::new())?,
    })
}

/// The names of the tables whose shape `migration` may change, read on `state` (before or
/// after it): the tables its steps name, and the tables whose foreign keys reference them.
pub fn touched(state: &SchemaState, migration: &Migration) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for step in &migration.steps {
        names.insert(step.table_name().to_string());
        if let Step::RenameTable { from, to } = step {
            names.insert(from.clone());
            names.insert(to.clone());
        }
    }
    let referencing: Vec<String> = names
        .iter()
        .flat_map(|name| state.referencing(name))
        .map(|(table, _)| table.name.clone())
        .collect();
    names.extend(referencing);
    names
}

/// The shapes of the tables of `state` named in `names` (absent ones left out), each with the
/// keys table its partitioning adds, by name as the dialect spells it; the indexes named in
/// `unbuilt` (declared, but not built yet) left out.
fn shapes_of(
    backend: &dyn Backend,
    state: &SchemaState,
    names: &BTreeSet<String>,
    unbuilt: &BTreeSet<String>,
) -> Result<BTreeMap<String, TableShape>, Unsupported> {
    let mut shapes = BTreeMap::new();
    for table in names.iter().filter_map(|name| state.table(name)) {
        let mut table = table.clone();
        table.indexes.retain(|index| !unbuilt.contains(&index.name));
        let table = &table;
        if partitioned(backend, state, &table.name) {
            let partitioned = backend.partitioned_shape(table)?;
            let mut shape = table_shape(backend, state, &partitioned.table)?;
            shape.partition_key = Some(partitioned.partition_key);
            shape.partitions = partitioned.partitions;
            shape.maintained_partitions = Some(partitioned.maintained_prefix);
            shape.triggers = partitioned.triggers;
            shape.sort();
            shapes.insert(
                backend.identifier(&partitioned.keys.name),
                table_shape(backend, state, &partitioned.keys)?,
            );
            shapes.insert(backend.identifier(&table.name), shape);
        } else {
            shapes.insert(
                backend.identifier(&table.name),
                table_shape(backend, state, table)?,
            );
        }
    }
    Ok(shapes)
}

/// Whether `table` is partitioned in `backend`'s dialect.
fn partitioned(backend: &dyn Backend, state: &SchemaState, table: &str) -> bool {
    backend.capabilities().monthly_partitions && state.is_partitioned(table)
}

/// `table` as the catalog reports it; a foreign key to a partitioned table references its
/// keys table. Indexes of a method the dialect lacks are left out, as codegen skips them.
fn table_shape(
    backend: &dyn Backend,
    state: &SchemaState,
    table: &TableDef,
) -> Result<TableShape, Unsupported> {
    let ids = |names: &[String]| names.iter().map(|n| backend.identifier(n)).collect();
    let mut columns = Vec::with_capacity(table.columns.len());
    for column in &table.columns {
        columns.push(ColumnShape {
            name: backend.identifier(&column.name),
            data_type: backend.stored_type(column.ty)?,
            not_null: !column.nullable,
            default: backend.stored_default(column),
        });
    }
    let mut foreign_keys = Vec::new();
    for fk in &table.foreign_keys {
        let ref_table = match state.table(&fk.ref_table) {
            Some(target) if partitioned(backend, state, &target.name) => {
                backend.partitioned_shape(target)?.keys.name
            }
            _ => fk.ref_table.clone(),
        };
        foreign_keys.push(ForeignKeyShape {
            name: backend
                .keeps_constraint_names()
                .then(|| backend.identifier(&fk.name)),
            columns: ids(&fk.columns),
            ref_table: backend.identifier(&ref_table),
            ref_columns: ids(&fk.ref_columns),
            on_delete: fk.on_delete.to_string(),
            on_update: fk.on_update.to_string(),
        });
    }
    let primary_key: Vec<String> = table.primary_key().iter().map(|c| c.to_string()).collect();
    let mut shape = TableShape {
        columns,
        primary_key: ids(&primary_key),
        unique: table
            .columns
            .iter()
            .filter(|c| c.unique)
            .map(|c| vec![backend.identifier(&c.name)])
            .collect(),
        foreign_keys,
        indexes: table
            .indexes
            .iter()
            .filter(|index| backend.capabilities().supports_index_method(index.method))
            .map(|index| IndexShape {
                name: backend.identifier(&index.name),
                columns: ids(&index.columns),
                unique: index.unique,
                method: index.method.to_string(),
            })
            .collect(),
        checks: table
            .columns
            .iter()
            .flat_map(|c| backend.stored_checks(c))
            .chain(
                table
                    .checks
                    .iter()
                    .filter_map(|check| backend.stored_check(table, check)),
            )
            .collect(),
        ..TableShape::default()
    };
    shape.sort();
    Ok(shape)
}

/// Builds a dialect's shapes file migration by migration, beside the rendering of its files.
#[derive(Debug)]
pub struct ShapesWriter {
    file: ShapesFile,
    before: BTreeMap<String, TableShape>,
    names: BTreeSet<String>,
    /// Declared indexes not built yet: `CREATE TABLE` builds only the B-tree ones, a
    /// `create_index` step the others (the PostgreSQL overlay's GIN index).
    unbuilt: BTreeSet<String>,
}

impl ShapesWriter {
    /// An empty file for `backend`'s dialect.
    pub fn new(backend: &dyn Backend) -> ShapesWriter {
        ShapesWriter {
            file: ShapesFile::new(backend.dialect()),
            before: BTreeMap::new(),
            names: BTreeSet::new(),
            unbuilt: BTreeSet::new(),
        }
    }

    /// Call with the state before `migration`, before rendering it.
    pub fn before(
        &mut self,
        backend: &dyn Backend,
        state: &SchemaState,
        migration: &Migration,
    ) -> Result<(), Unsupported> {
        self.names = touched(state, migration);
        self.before = shapes_of(backend, state, &self.names, &self.unbuilt)?;
        for step in &migration.steps {
            match step {
                Step::CreateTable(table) => self.unbuilt.extend(
                    table
                        .indexes
                        .iter()
                        .filter(|index| index.method != IndexMethod::BTree)
                        .map(|index| index.name.clone()),
                ),
                Step::CreateIndex { index, .. } => {
                    self.unbuilt.remove(&index.name);
                }
                Step::DropTable { .. }
                | Step::RenameTable { .. }
                | Step::AddColumn { .. }
                | Step::DropColumn { .. }
                | Step::RenameColumn { .. }
                | Step::AlterColumn { .. }
                | Step::DropIndex { .. }
                | Step::PartitionTable { .. }
                | Step::AddForeignKey { .. }
                | Step::DropForeignKey { .. }
                | Step::AddCheck { .. }
                | Step::DropCheck { .. } => {}
            }
        }
        Ok(())
    }

    /// Call with the state after `migration`: records its entry, the tables whose shape
    /// changed and the ones that are gone.
    pub fn after(
        &mut self,
        backend: &dyn Backend,
        state: &SchemaState,
        migration: &Migration,
    ) -> Result<(), Unsupported> {
        let mut names = std::mem::take(&mut self.names);
        names.extend(touched(state, migration));
        let after = shapes_of(backend, state, &names, &self.unbuilt)?;
        let before = std::mem::take(&mut self.before);
        let removed = before
            .keys()
            .filter(|name| !after.contains_key(*name))
            .cloned()
            .collect();
        let tables = after
            .into_iter()
            .filter(|(name, shape)| before.get(name) != Some(shape))
            .collect();
        self.file.migrations.push(MigrationShapes {
            id: migration.id.to_string(),
            tables,
            removed,
        });
        Ok(())
    }

    /// The file: `<dialect>/shapes.json`.
    pub fn finish(self, backend: &dyn Backend) -> GeneratedFile {
        GeneratedFile {
            path: PathBuf::from(migration_layout::shapes::path(backend.dialect())),
            contents: self.file.to_json(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::backend;
    use schema_dsl::{
        ColumnDef, ColumnType, Dialect, Group, IndexDef, IndexMethod, JsonSize, Partitioning,
        Schema, Tier,
    };
    use schema_shape::ShapesFile;

    /// A partitionable table with a GIN index, which CREATE TABLE does not build.
    fn runs() -> TableDef {
        let mut table = TableDef::new("runs")
            .column(ColumnDef::new("run_id", ColumnType::Text { max_len: Some(50) }).primary_key())
            .column(ColumnDef::new("created_at", ColumnType::Timestamp))
            .column(
                ColumnDef::new(
                    "params",
                    ColumnType::Json {
                        size: JsonSize::Large,
                    },
                )
                .nullable(true),
            );
        let mut gin = IndexDef::new("idx_runs_params", &["params"]);
        gin.method = IndexMethod::Gin;
        table = table.index(gin.clone());
        table.partitioning = Some(Partitioning::monthly("created_at"));
        table
    }

    fn shapes_file(dialect: Dialect, schema: &Schema) -> ShapesFile {
        let generated = crate::generate(schema, &[dialect]).expect("renders");
        let file = generated
            .files
            .iter()
            .find(|f| f.path.ends_with("shapes.json"))
            .expect("a shapes file");
        ShapesFile::parse(dialect, &file.contents).expect("reads back")
    }

    #[test]
    fn an_index_built_apart_and_partitioning_appear_in_the_migration_that_makes_them() {
        let gin = runs().indexes[0].clone();
        let schema = Schema::new(vec![
            Migration::new(Group::Tier(Tier::Basic), 1, "runs").step(Step::CreateTable(runs())),
            Migration::new(Group::Overlay(Dialect::Postgres), 1, "pg")
                .step(Step::PartitionTable {
                    table: "runs".to_string(),
                })
                .step(Step::CreateIndex {
                    table: "runs".to_string(),
                    index: gin,
                }),
        ]);
        let file = shapes_file(Dialect::Postgres, &schema);
        let ids: Vec<&str> = file.migrations.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["basic/0001_runs", "pg/0001_pg"]);
        let created = &file.migrations[0].tables["runs"];
        assert!(created.indexes.is_empty(), "{created:?}");
        assert_eq!(created.partition_key, None);
        let overlay = &file.migrations[1];
        assert_eq!(
            overlay.tables.keys().collect::<Vec<_>>(),
            ["runs", "runs_keys"]
        );
        let partitioned = &overlay.tables["runs"];
        assert_eq!(partitioned.indexes[0].method, "gin");
        assert_eq!(partitioned.primary_key, ["run_id", "created_at"]);
        assert_eq!(
            partitioned.partition_key.as_deref(),
            Some("RANGE (created_at)")
        );

        let everything = file
            .expected(Dialect::Postgres, ids.iter().copied())
            .expect("every id is described");
        let state = schema.final_state(Some(Dialect::Postgres));
        assert_eq!(
            everything,
            expected_schema(backend(Dialect::Postgres), &state).expect("shapes"),
            "the folded entries are the final state's shape"
        );
        let without_overlay = file
            .expected(Dialect::Postgres, ["basic/0001_runs"])
            .expect("described");
        assert_eq!(without_overlay.tables["runs"], *created);
    }

    #[test]
    fn a_renamed_table_is_removed_under_its_old_name_and_its_referrers_follow() {
        let parent = TableDef::new("runs")
            .column(ColumnDef::new("run_id", ColumnType::Text { max_len: Some(50) }).primary_key());
        let child = TableDef::new("steps")
            .column(ColumnDef::new("step_id", ColumnType::Text { max_len: Some(50) }).primary_key())
            .column(ColumnDef::new(
                "run_id",
                ColumnType::Text { max_len: Some(50) },
            ))
            .foreign_key(schema_dsl::ForeignKeyDef {
                name: "fk_steps_run".into(),
                columns: vec!["run_id".into()],
                ref_table: "runs".into(),
                ref_columns: vec!["run_id".into()],
                on_delete: schema_dsl::ForeignKeyAction::Cascade,
                on_update: schema_dsl::ForeignKeyAction::NoAction,
            });
        let schema = Schema::new(vec![
            Migration::new(Group::Tier(Tier::Basic), 1, "tables")
                .step(Step::CreateTable(parent))
                .step(Step::CreateTable(child)),
            Migration::new(Group::Tier(Tier::Basic), 2, "rename").step(Step::RenameTable {
                from: "runs".to_string(),
                to: "jobs".to_string(),
            }),
        ]);
        // Db2 refuses to rename a table in a foreign key (SQL0750N).
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            let file = shapes_file(dialect, &schema);
            let fold = |name: &str| backend(dialect).identifier(name);
            let renamed = &file.migrations[1];
            assert_eq!(renamed.removed, [fold("runs")], "{dialect}");
            assert_eq!(
                renamed.tables.keys().cloned().collect::<Vec<_>>(),
                [fold("jobs"), fold("steps")],
                "{dialect}: the child's foreign key now names jobs"
            );
            assert_eq!(
                renamed.tables[&fold("steps")].foreign_keys[0].ref_table,
                fold("jobs")
            );
        }
    }
}
