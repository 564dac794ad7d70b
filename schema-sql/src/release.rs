//! The release record (`migrations-generated/releases.jsonl`): released means frozen.
//!
//! One JSON object a line, in release order, per released migration: its id, its resolved
//! steps as released, the SHA-256 of each of its generated files per dialect, and a chain hash
//! — SHA-256 of the previous line's chain and this entry's canonical JSON without the chain —
//! so editing or reordering an entry breaks it and every later one.
//!
//! A released migration is rendered from the record, never from today's structs
//! ([`Record::apply`]); its rendered files must keep the recorded checksums
//! ([`Record::check_files`]); [`Record::release`] appends the migrations declared after the
//! last entry. The runner never reads the record.

use crate::render::GeneratedFile;
use schema_dsl::{Dialect, Migration, Schema, Step};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::Path;
use thiserror::Error;

/// The record's file name, at the root of the migrations tree.
pub const RECORD_FILE: &str = "releases.jsonl";

/// One released migration, one line of the record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Release {
    /// The migration id, such as `intermediate/0003_workflow_runs`.
    pub id: String,
    /// The steps as released, definitions resolved.
    pub steps: Vec<Step>,
    /// Dialect directory → file path (relative to the migrations root) → SHA-256, hex.
    pub files: BTreeMap<String, BTreeMap<String, String>>,
    /// SHA-256 (hex) of the previous entry's chain followed by this entry's canonical JSON.
    pub chain: String,
}

/// What the chain hash covers: the entry without its chain, serialised compactly with
/// fields in this order and map keys sorted.
#[derive(Serialize)]
struct Body<'a> {
    id: &'a str,
    steps: &'a [Step],
    files: &'a BTreeMap<String, BTreeMap<String, String>>,
}

impl Release {
    /// The chain hash this entry must carry after `previous` (empty for the first entry).
    fn expected_chain(&self, previous: &str) -> String {
        let body = Body {
            id: &self.id,
            steps: &self.steps,
            files: &self.files,
        };
        // Serialising these types cannot fail (string keys, no non-finite floats).
        let canonical = serde_json::to_string(&body).unwrap_or_default();
        sha256_hex(format!("{previous}{canonical}").as_bytes())
    }
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// A problem with the record or with what the declarations do to a released migration.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[allow(
    missing_docs,
    reason = "fields are named for what they hold, and each message shows them"
)]
pub enum ReleaseError {
    /// A line that is not a release entry.
    #[error("{RECORD_FILE} line {line}: not a release entry: {problem}")]
    Unreadable { line: usize, problem: String },
    /// An entry whose chain hash does not follow from the entries before it.
    #[error(
        "{RECORD_FILE} line {line}: released migration `{id}`: the chain hash does not match: the record was edited or reordered from here on"
    )]
    BrokenChain { line: usize, id: String },
    /// Two entries with one id.
    #[error("{RECORD_FILE} line {line}: released migration `{id}` is recorded twice")]
    Duplicate { line: usize, id: String },
    /// A released migration the declarations no longer have.
    #[error(
        "released migration `{id}` is not declared: released migrations are never removed; declare it again in schema()"
    )]
    NotDeclared { id: String },
    /// Released migrations declared in another order than released.
    #[error(
        "released migration `{id}` is declared out of release order (position {declared}, released at position {released}): keep released migrations in their order and declare new ones after them"
    )]
    OutOfOrder {
        id: String,
        declared: usize,
        released: usize,
    },
    /// A migration declared between released ones.
    #[error(
        "migration `{id}` is declared before released migration `{released}`: declare new migrations after the last released one"
    )]
    InsertedBeforeReleased { id: String, released: String },
    /// A released migration whose steps were edited.
    #[error("released migration `{id}` was edited: add a new migration instead ({detail})")]
    Edited { id: String, detail: String },
    /// A released file that would be rendered differently.
    #[error(
        "released migration `{id}`: file `{path}` would change (its SHA-256 is not the released one): released files must stay byte-identical"
    )]
    FileChanged { id: String, path: String },
    /// A released file that is no longer rendered.
    #[error("released migration `{id}`: file `{path}` was released but is no longer generated")]
    FileMissing { id: String, path: String },
    /// A file of a released migration that was not released with it.
    #[error(
        "released migration `{id}`: file `{path}` is generated but was not released (a new dialect needs a new migration)"
    )]
    FileUnreleased { id: String, path: String },
}

/// The release record: every released migration, in release order, chain verified.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record {
    entries: Vec<Release>,
}

impl Record {
    /// Reads and verifies the record at `path`; an absent file is an empty record.
    pub fn load(path: &Path) -> io::Result<Result<Record, Vec<ReleaseError>>> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(Record::parse(&text)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(Ok(Record::default())),
            Err(error) => Err(error),
        }
    }

    /// Parses and verifies a record's text: every problem, the first broken chain only (every
    /// later entry breaks with it).
    pub fn parse(text: &str) -> Result<Record, Vec<ReleaseError>> {
        let mut errors = Vec::new();
        let mut entries: Vec<Release> = Vec::new();
        let mut previous = String::new();
        let mut chain_broken = false;
        for (at, line) in text.lines().enumerate() {
            let line_no = at + 1;
            if line.trim().is_empty() {
                continue;
            }
            let entry: Release = match serde_json::from_str(line) {
                Ok(entry) => entry,
                Err(error) => {
                    errors.push(ReleaseError::Unreadable {
                        line: line_no,
                        problem: error.to_string(),
                    });
                    chain_broken = true;
                    continue;
                }
            };
            if !chain_broken && entry.chain != entry.expected_chain(&previous) {
                errors.push(ReleaseError::BrokenChain {
                    line: line_no,
                    id: entry.id.clone(),
                });
                chain_broken = true;
            }
            if entries.iter().any(|e| e.id == entry.id) {
                errors.push(ReleaseError::Duplicate {
                    line: line_no,
                    id: entry.id.clone(),
                });
            }
            previous.clone_from(&entry.chain);
            entries.push(entry);
        }
        if errors.is_empty() {
            Ok(Record { entries })
        } else {
            Err(errors)
        }
    }

    /// The entries, in release order.
    pub fn entries(&self) -> &[Release] {
        &self.entries
    }

    /// The record's text: one entry a line.
    pub fn to_jsonl(&self) -> String {
        self.entries
            .iter()
            .map(|entry| serde_json::to_string(entry).unwrap_or_default() + "\n")
            .collect()
    }

    /// Writes the record to `path`.
    pub fn save(&self, path: &Path) -> io::Result<()> {
        std::fs::write(path, self.to_jsonl())
    }

    /// Appends `migration` as released with the files of `files` that belong to it, chaining
    /// the entry to the last one.
    pub fn append(&mut self, migration: &Migration, files: &[GeneratedFile]) {
        let id = migration.id.to_string();
        let mut by_dialect: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for (file_id, dialect, path, file) in files_of(files) {
            if file_id == id {
                by_dialect
                    .entry(dialect)
                    .or_default()
                    .insert(path, sha256_hex(file.contents.as_bytes()));
            }
        }
        let mut entry = Release {
            id,
            steps: migration.steps.clone(),
            files: by_dialect,
            chain: String::new(),
        };
        let previous = self
            .entries
            .last()
            .map(|e| e.chain.as_str())
            .unwrap_or_default();
        entry.chain = entry.expected_chain(previous);
        self.entries.push(entry);
    }

    /// The declared schema with every released migration's steps replaced by the recorded
    /// ones, so released migrations render as released whatever the structs say today.
    /// Refuses a released migration that is missing, moved or edited in shape (kind, table,
    /// column and index names, backfills, acknowledgements — not the resolved definitions,
    /// which drift with the structs), and a new migration declared between released ones.
    pub fn apply(&self, declared: &Schema) -> Result<Schema, Vec<ReleaseError>> {
        let mut errors = Vec::new();
        let ids: Vec<String> = declared
            .migrations
            .iter()
            .map(|m| m.id.to_string())
            .collect();
        for entry in &self.entries {
            if !ids.contains(&entry.id) {
                errors.push(ReleaseError::NotDeclared {
                    id: entry.id.clone(),
                });
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        for (released_at, entry) in self.entries.iter().enumerate() {
            match ids.iter().position(|id| *id == entry.id) {
                None => {}
                Some(declared_at) if declared_at != released_at => {
                    match ids.get(released_at) {
                        Some(other) if !self.entries.iter().any(|e| e.id == *other) => {
                            errors.push(ReleaseError::InsertedBeforeReleased {
                                id: other.clone(),
                                released: entry.id.clone(),
                            })
                        }
                        _ => errors.push(ReleaseError::OutOfOrder {
                            id: entry.id.clone(),
                            declared: declared_at + 1,
                            released: released_at + 1,
                        }),
                    }
                    // The first misplaced entry explains the rest.
                    break;
                }
                Some(_) => {}
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut merged = declared.clone();
        for (migration, entry) in merged.migrations.iter_mut().zip(&self.entries) {
            if let Some(detail) = shape_difference(&migration.steps, &entry.steps) {
                errors.push(ReleaseError::Edited {
                    id: entry.id.clone(),
                    detail,
                });
            }
            migration.steps.clone_from(&entry.steps);
        }
        if errors.is_empty() {
            Ok(merged)
        } else {
            Err(errors)
        }
    }

    /// Every released file that `files` (rendered from the merged schema) would change, drop
    /// or add.
    pub fn check_files(&self, files: &[GeneratedFile]) -> Vec<ReleaseError> {
        let mut errors = Vec::new();
        let rendered: BTreeMap<String, (String, &GeneratedFile)> = files_of(files)
            .map(|(id, _, path, file)| (path, (id, file)))
            .collect();
        for entry in &self.entries {
            for (path, hash) in entry.files.values().flatten() {
                match rendered.get(path) {
                    None => errors.push(ReleaseError::FileMissing {
                        id: entry.id.clone(),
                        path: path.clone(),
                    }),
                    Some((_, file)) if sha256_hex(file.contents.as_bytes()) != *hash => errors
                        .push(ReleaseError::FileChanged {
                            id: entry.id.clone(),
                            path: path.clone(),
                        }),
                    Some(_) => {}
                }
            }
            for (path, (id, _)) in &rendered {
                let recorded = entry.files.values().any(|files| files.contains_key(path));
                if *id == entry.id && !recorded {
                    errors.push(ReleaseError::FileUnreleased {
                        id: entry.id.clone(),
                        path: path.clone(),
                    });
                }
            }
        }
        errors
    }

    /// The latest released migration of `schema` that changes (or creates) `table`, by its
    /// name at that point: where a change to the table's struct would have to go were
    /// released migrations not frozen, named when the change lacks its new migration.
    pub fn released_owner<'a>(&self, schema: &'a Schema, table: &str) -> Option<&'a Migration> {
        let released = |m: &&Migration| self.entries.iter().any(|e| e.id == m.id.to_string());
        let mut name = table.to_string();
        for migration in schema.migrations.iter().rev() {
            for step in migration.steps.iter().rev() {
                if let Step::RenameTable { from, to } = step
                    && *to == name
                {
                    name.clone_from(from);
                }
                if step.table_name() == name && released(&migration) {
                    return Some(migration);
                }
            }
        }
        None
    }

    /// The migrations of `schema` declared after the last released one.
    pub fn unreleased<'a>(&self, schema: &'a Schema) -> &'a [Migration] {
        schema
            .migrations
            .get(self.entries.len()..)
            .unwrap_or_default()
    }

    /// Appends every migration of `merged` (the result of [`Record::apply`]) declared after
    /// the last released one, with its checksums from `files`; returns their ids (none when
    /// everything is released already).
    pub fn release(&mut self, merged: &Schema, files: &[GeneratedFile]) -> Vec<String> {
        let new: Vec<Migration> = self.unreleased(merged).to_vec();
        for migration in &new {
            self.append(migration, files);
        }
        new.iter().map(|m| m.id.to_string()).collect()
    }
}

/// Each generated migration file as (migration id, dialect directory, path with `/`, file).
fn files_of(
    files: &[GeneratedFile],
) -> impl Iterator<Item = (String, String, String, &GeneratedFile)> {
    files.iter().filter_map(|file| {
        let path = file
            .path
            .iter()
            .map(|part| part.to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let [dialect, group, name] = path.split('/').collect::<Vec<_>>()[..] else {
            return None;
        };
        Dialect::ALL.iter().find(|d| d.dir_name() == dialect)?;
        let stem = name
            .strip_suffix(".up.sql")
            .or_else(|| name.strip_suffix(".down.sql"))?;
        Some((
            format!("{group}/{stem}"),
            dialect.to_string(),
            path.clone(),
            file,
        ))
    })
}

/// What a step is, without the definitions it resolved: its kind and the names and literals
/// the declaration wrote.
#[derive(Debug, PartialEq)]
struct Shape(String);

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn shape(step: &Step) -> Shape {
    Shape(match step {
        Step::CreateTable(table) => format!("create_table `{}`", table.name),
        Step::DropTable { table, ack } => format!("drop_table `{table}` ({:?})", ack.reason),
        Step::RenameTable { from, to } => format!("rename_table `{from}` → `{to}`"),
        Step::AddColumn {
            table,
            column,
            backfill,
        } => match backfill {
            Some(value) => format!("add_column `{table}.{}` backfill {value}", column.name),
            None => format!("add_column `{table}.{}`", column.name),
        },
        Step::DropColumn { table, column, ack } => {
            format!("drop_column `{table}.{column}` ({:?})", ack.reason)
        }
        Step::RenameColumn { table, from, to } => {
            format!("rename_column `{table}.{from}` → `{to}`")
        }
        Step::AlterColumn {
            table,
            column,
            backfill,
            conversion,
            ack,
        } => {
            let mut text = format!("alter_column `{table}.{}`", column.name);
            if let Some(value) = backfill {
                text.push_str(&format!(" backfill {value}"));
            }
            if conversion.is_some() {
                text.push_str(" cast");
            }
            if let Some(ack) = ack {
                text.push_str(&format!(" ({:?})", ack.reason));
            }
            text
        }
        Step::CreateIndex { table, index } => format!("create_index `{table}.{}`", index.name),
        Step::DropIndex { table, index } => format!("drop_index `{table}.{index}`"),
        Step::PartitionTable { table } => format!("partition_table `{table}`"),
        Step::AddForeignKey { table, foreign_key } => {
            format!("add_foreign_key `{table}.{}`", foreign_key.name)
        }
        Step::DropForeignKey { table, name } => format!("drop_foreign_key `{table}.{name}`"),
        Step::AddCheck { table, check } => format!("add_check `{table}.{}`", check.name),
        Step::DropCheck { table, name } => format!("drop_check `{table}.{name}`"),
    })
}

/// How the declared steps differ in shape from the released ones, if they do.
fn shape_difference(declared: &[Step], released: &[Step]) -> Option<String> {
    let declared: Vec<Shape> = declared.iter().map(shape).collect();
    let released: Vec<Shape> = released.iter().map(shape).collect();
    if declared == released {
        return None;
    }
    let at = declared
        .iter()
        .zip(&released)
        .position(|(d, r)| d != r)
        .unwrap_or(declared.len().min(released.len()));
    let show = |steps: &[Shape]| {
        steps
            .get(at)
            .map_or_else(|| "nothing".to_string(), ToString::to_string)
    };
    Some(format!(
        "step {}: released {}, declared {}",
        at + 1,
        show(&released),
        show(&declared)
    ))
}
