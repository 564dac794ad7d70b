//! `<dialect>/shapes.json`: the shape each migration leaves the tables it creates or changes
//! in, in release order, so that the runner, which knows nothing of how files are made, can
//! fold the entries of the applied migrations into the schema they should have produced.

use crate::{SchemaShape, TableShape};
use migration_layout::Dialect;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use thiserror::Error;

/// What the file's `generated` field says.
const GENERATED: &str = "by codegen from schema-defs: do not edit; change the declarations and run `cargo run -p codegen`";

/// The expected shapes of one dialect's migrations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShapesFile {
    /// Who wrote the file, and that it must not be edited.
    pub generated: String,
    /// The dialect directory whose migrations it describes (`sqlite`, `postgres`, `db2`).
    pub dialect: String,
    /// One entry per migration of the dialect, in release order.
    pub migrations: Vec<MigrationShapes>,
}

/// What one migration leaves: the full shape of every table whose shape it changed (a table
/// it created included), and the tables it removed (dropped, or renamed away).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MigrationShapes {
    /// The migration id, `<group>/<NNNN>_<name>`.
    pub id: String,
    /// Tables by name (as the dialect spells it), each as the migration leaves it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tables: BTreeMap<String, TableShape>,
    /// Tables the migration removes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
}

/// A shapes file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ShapesError {
    /// The text is not a shapes file.
    #[error("{path}: not a shapes file ({problem}); regenerate it with `cargo run -p codegen`")]
    Unreadable {
        /// The file, relative to the migrations root.
        path: String,
        /// What the JSON parser said.
        problem: String,
    },
    /// An applied migration the file has no entry for.
    #[error(
        "{path} has no entry for migration {id}: the file is older than the migrations; regenerate it with `cargo run -p codegen`"
    )]
    NotDescribed {
        /// The file, relative to the migrations root.
        path: String,
        /// The migration.
        id: String,
    },
}

impl ShapesFile {
    /// An empty file for `dialect`.
    pub fn new(dialect: Dialect) -> ShapesFile {
        ShapesFile {
            generated: GENERATED.to_string(),
            dialect: dialect.dir_name().to_string(),
            migrations: Vec::new(),
        }
    }

    /// Reads the shapes file of `dialect` from its text.
    pub fn parse(dialect: Dialect, text: &str) -> Result<ShapesFile, ShapesError> {
        serde_json::from_str(text).map_err(|error| ShapesError::Unreadable {
            path: migration_layout::shapes::path(dialect),
            problem: error.to_string(),
        })
    }

    /// The file's text: pretty, stable JSON (maps sorted by key), ending with a newline.
    pub fn to_json(&self) -> String {
        // Serialising these types cannot fail (string keys, no floats).
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The entry of migration `id`.
    pub fn entry(&self, id: &str) -> Option<&MigrationShapes> {
        self.migrations.iter().find(|m| m.id == id)
    }

    /// The schema the migrations `applied` (ids, in any order) should have produced: their
    /// entries folded in release order. An error names the first applied id without entry.
    pub fn expected<'a>(
        &self,
        dialect: Dialect,
        applied: impl IntoIterator<Item = &'a str>,
    ) -> Result<SchemaShape, ShapesError> {
        let mut wanted: Vec<&str> = applied.into_iter().collect();
        wanted.sort_unstable();
        let mut schema = SchemaShape::default();
        let mut described = 0;
        for entry in &self.migrations {
            if wanted.binary_search(&entry.id.as_str()).is_err() {
                continue;
            }
            described += 1;
            for removed in &entry.removed {
                schema.tables.remove(removed);
            }
            for (name, table) in &entry.tables {
                schema.tables.insert(name.clone(), table.clone());
            }
        }
        if described < wanted.len()
            && let Some(id) = wanted.iter().find(|id| self.entry(id).is_none())
        {
            return Err(ShapesError::NotDescribed {
                path: migration_layout::shapes::path(dialect),
                id: id.to_string(),
            });
        }
        Ok(schema)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ColumnShape;

    fn table(columns: &[&str]) -> TableShape {
        TableShape {
            columns: columns
                .iter()
                .map(|name| ColumnShape {
                    name: name.to_string(),
                    data_type: "TEXT".to_string(),
                    not_null: true,
                    default: None,
                })
                .collect(),
            ..TableShape::default()
        }
    }

    fn file() -> ShapesFile {
        let mut file = ShapesFile::new(Dialect::Sqlite);
        let entry = |id: &str, tables: Vec<(&str, TableShape)>, removed: &[&str]| MigrationShapes {
            id: id.to_string(),
            tables: tables
                .into_iter()
                .map(|(name, shape)| (name.to_string(), shape))
                .collect(),
            removed: removed.iter().map(|r| r.to_string()).collect(),
        };
        file.migrations = vec![
            entry("basic/0001_a", vec![("a", table(&["x"]))], &[]),
            entry("intermediate/0001_b", vec![("b", table(&["y"]))], &[]),
            entry("basic/0002_a_z", vec![("a", table(&["x", "z"]))], &[]),
            entry("basic/0003_a_to_c", vec![("c", table(&["x", "z"]))], &["a"]),
        ];
        file
    }

    #[test]
    fn applied_entries_fold_in_release_order_and_tiers_fold_alone() {
        let file = file();
        let all = file
            .expected(
                Dialect::Sqlite,
                [
                    "basic/0003_a_to_c",
                    "basic/0001_a",
                    "basic/0002_a_z",
                    "intermediate/0001_b",
                ],
            )
            .expect("every id is described");
        assert_eq!(all.tables.keys().collect::<Vec<_>>(), ["b", "c"]);
        assert_eq!(all.tables["c"], table(&["x", "z"]));
        let basic_two = file
            .expected(Dialect::Sqlite, ["basic/0001_a", "basic/0002_a_z"])
            .expect("described");
        assert_eq!(basic_two.tables.keys().collect::<Vec<_>>(), ["a"]);
        assert_eq!(basic_two.tables["a"], table(&["x", "z"]));
    }

    #[test]
    fn an_applied_migration_without_entry_is_an_error_naming_it() {
        let error = file().expected(Dialect::Sqlite, ["basic/0001_a", "basic/0009_new"]);
        assert_eq!(
            error.map_err(|e| e.to_string()),
            Err(
                "sqlite/shapes.json has no entry for migration basic/0009_new: the file is \
                 older than the migrations; regenerate it with `cargo run -p codegen`"
                    .to_string()
            )
        );
    }

    #[test]
    fn the_text_reads_back_and_unknown_fields_are_refused() {
        let file = file();
        assert_eq!(
            ShapesFile::parse(Dialect::Sqlite, &file.to_json()),
            Ok(file)
        );
        let error = ShapesFile::parse(
            Dialect::Db2,
            "{\"generated\": \"\", \"dialect\": \"db2\", \"migrations\": [], \"x\": 1}",
        );
        assert!(error.map_err(|e| e.to_string()).is_err_and(|e| {
            e.starts_with("db2/shapes.json: not a shapes file (unknown field `x`")
        }),);
    }
}
