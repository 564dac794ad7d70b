//! Finding, reading and ordering migration files, from a directory or embedded in the binary.
//!
//! The layout (`<root>/<dialect>/<group>/<NNNN>_<name>.up.sql` with an optional matching
//! `.down.sql`; tiers, then the dialect's overlay at the top tier) is `migration_layout`'s.
//!
//! Order: a dialect's migrations apply in release order, the order of its manifest
//! `<root>/<dialect>/release-order.txt` ([`migration_layout::release_order`]), which must list
//! every up file of the dialect and nothing else. Without a manifest (hand-written trees) the
//! order is tiers, then the dialect's overlay: the release order of a tree released that way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use migration_layout::{
    Dialect, Direction, Group, LayoutError, MigrationFile, Tier, directive, looks_like_sql,
    release_order, shapes,
};

use crate::checksum::checksum;
use crate::error::{Error, Result};

/// One migration: its up SQL, its optional down SQL and the up file's checksum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// `<group>/<NNNN>_<name>`.
    pub id: String,
    /// The lowest tier that includes it: a tier migration's own; an overlay's from the
    /// release-order manifest (the top tier without one).
    pub tier: Tier,
    /// Path of the up file relative to the root, for messages.
    pub up_path: String,
    /// The up SQL.
    pub up_sql: String,
    /// The down SQL, when a down file exists.
    pub down_sql: Option<String>,
    /// Checksum of `up_sql`, see [`crate::checksum::checksum`].
    pub checksum: String,
}

impl Migration {
    /// Path of the down file relative to the root (whether or not it exists).
    pub fn down_path(&self) -> String {
        self.up_path.replace(".up.sql", ".down.sql")
    }

    /// Whether the up file carries [`directive::FOREIGN_KEYS_OFF`]: on SQLite it runs with
    /// foreign keys off and is checked with `PRAGMA foreign_key_check` before its commit.
    pub fn up_foreign_keys_off(&self) -> bool {
        directive::foreign_keys_off(&self.up_sql)
    }

    /// Whether the down file exists and carries [`directive::FOREIGN_KEYS_OFF`].
    pub fn down_foreign_keys_off(&self) -> bool {
        self.down_sql
            .as_deref()
            .is_some_and(directive::foreign_keys_off)
    }

    /// Whether the up file carries [`directive::NO_TRANSACTION`]: its statements run one by
    /// one, each committed on its own, and it is recorded afterwards in a transaction of its own.
    pub fn up_no_transaction(&self) -> bool {
        directive::no_transaction(&self.up_sql)
    }

    /// Whether the down file exists and carries [`directive::NO_TRANSACTION`].
    pub fn down_no_transaction(&self) -> bool {
        self.down_sql
            .as_deref()
            .is_some_and(directive::no_transaction)
    }
}

/// All migrations of every dialect found in one source.
#[derive(Debug, Clone, Default)]
pub struct MigrationSet {
    source_name: String,
    by_dialect: BTreeMap<Dialect, Vec<Migration>>,
    /// Each dialect's expected-shapes file (`<dialect>/shapes.json`), as text, when present.
    shapes: BTreeMap<Dialect, String>,
}

/// Which files a command reads: every dialect's (the default), or one dialect's, with or
/// without its down files. Files outside the selection are still checked by name (the
/// grammar is strict everywhere in the tree) but neither read nor hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selection {
    /// Only this dialect's files, or every dialect's.
    pub dialect: Option<Dialect>,
    /// Whether down files are read (`down` needs them; `up`, `plan`, `validate` do not). When
    /// not, every [`Migration::down_sql`] is `None`.
    pub downs: bool,
}

impl Selection {
    /// Every file of every dialect.
    pub const ALL: Selection = Selection {
        dialect: None,
        downs: true,
    };

    /// `dialect`'s files, its down files only when `downs`.
    pub fn of(dialect: Dialect, downs: bool) -> Selection {
        Selection {
            dialect: Some(dialect),
            downs,
        }
    }

    fn wants(self, file: &MigrationFile) -> bool {
        self.dialect.is_none_or(|d| d == file.dialect)
            && (self.downs || file.direction == Direction::Up)
    }

    fn wants_dialect(self, dialect: Dialect) -> bool {
        self.dialect.is_none_or(|d| d == dialect)
    }
}

impl MigrationSet {
    /// Reads every migration under `root` (the directory holding `sqlite/`, `postgres/`, `db2/`).
    pub fn from_dir(root: impl AsRef<Path>) -> Result<MigrationSet> {
        Self::from_dir_selected(root, Selection::ALL)
    }

    /// Reads the migrations under `root` that `selection` asks for. The whole tree is checked
    /// by name: under a dialect directory, anything that looks like a migration file but does
    /// not match the grammar exactly, a file in a sub-folder of a group, a folder that is no
    /// group, and any symbolic link are errors naming the path (never skipped).
    pub fn from_dir_selected(root: impl AsRef<Path>, selection: Selection) -> Result<MigrationSet> {
        let root = root.as_ref();
        if !root.is_dir() {
            return Err(Error::Unreadable {
                path: root.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "not a directory"),
            });
        }
        let mut files: Vec<(String, Option<String>)> = Vec::new();
        for dialect in Dialect::ALL {
            let dialect_dir = root.join(dialect.dir_name());
            refuse_symlink(root, &dialect_dir)?;
            if !dialect_dir.is_dir() {
                continue;
            }
            for (entry, kind) in read_dir_sorted(&dialect_dir)? {
                let relative = relative_path(root, &entry);
                refuse_symlink_kind(root, &entry, kind)?;
                let name = file_name(&entry);
                if name.starts_with('.') && !looks_like_sql(&name) {
                    continue;
                }
                if kind.is_dir() {
                    name.parse::<Group>()?;
                    for (file, kind) in read_dir_sorted(&entry)? {
                        refuse_symlink_kind(root, &file, kind)?;
                        let relative = relative_path(root, &file);
                        if kind.is_dir() {
                            return Err(Error::Layout(LayoutError::SubFolder(relative)));
                        }
                        if let Some(parsed) = MigrationFile::parse(&relative)? {
                            let contents = selection
                                .wants(&parsed)
                                .then(|| read_file(&file))
                                .transpose()?;
                            files.push((relative, contents));
                        }
                    }
                } else if name == release_order::FILE_NAME || name == shapes::FILE_NAME {
                    if selection.wants_dialect(dialect) {
                        files.push((relative, Some(read_file(&entry)?)));
                    }
                } else {
                    MigrationFile::parse(&relative)?;
                }
            }
        }
        let refs: Vec<(&str, Option<&str>)> = files
            .iter()
            .map(|(p, c)| (p.as_str(), c.as_deref()))
            .collect();
        Self::build(root.display().to_string(), &refs, selection)
    }

    /// Builds a set from `(path relative to the root, contents)` pairs (migration files and
    /// release-order manifests), as produced by [`crate::include_migrations!`].
    pub fn from_embedded(files: &[(&str, &str)]) -> Result<MigrationSet> {
        Self::from_embedded_selected(files, Selection::ALL)
    }

    /// [`MigrationSet::from_embedded`], keeping (and hashing) only what `selection` asks for.
    pub fn from_embedded_selected(
        files: &[(&str, &str)],
        selection: Selection,
    ) -> Result<MigrationSet> {
        let refs: Vec<(&str, Option<&str>)> = files.iter().map(|(p, c)| (*p, Some(*c))).collect();
        Self::build(
            "the migrations embedded in this binary".to_string(),
            &refs,
            selection,
        )
    }

    fn build(
        source_name: String,
        files: &[(&str, Option<&str>)],
        selection: Selection,
    ) -> Result<MigrationSet> {
        type Key = (Dialect, Group, u32);
        let mut ups: BTreeMap<Key, Migration> = BTreeMap::new();
        let mut downs: Vec<(Key, &str, Option<&str>)> = Vec::new();
        let mut manifests: BTreeMap<Dialect, &str> = BTreeMap::new();
        let mut shape_files: BTreeMap<Dialect, String> = BTreeMap::new();
        for (relative, contents) in files {
            if let Some(dialect) = shapes::dialect_of_path(relative) {
                if let (true, Some(contents)) = (selection.wants_dialect(dialect), contents) {
                    shape_files.insert(dialect, contents.to_string());
                }
                continue;
            }
            if let Some(dialect) = release_order::dialect_of_path(relative) {
                if let (true, Some(contents)) = (selection.wants_dialect(dialect), contents) {
                    manifests.insert(dialect, contents);
                }
                continue;
            }
            let Some(file) = MigrationFile::parse(relative)? else {
                continue;
            };
            if !selection.wants_dialect(file.dialect) {
                continue;
            }
            let key = (file.dialect, file.id.group, file.id.seq);
            let contents = contents.filter(|_| selection.wants(&file));
            if let Some(contents) = contents {
                directive::check(&file.path(), contents)?;
            }
            match (file.direction, contents) {
                (Direction::Up, contents) => {
                    let contents = contents.unwrap_or_default();
                    let migration = Migration {
                        id: file.id.to_string(),
                        tier: release_order::Entry::of(file.id.clone()).tier,
                        up_path: file.path(),
                        up_sql: contents.to_string(),
                        down_sql: None,
                        checksum: checksum(contents),
                    };
                    if let Some(other) = ups.insert(key, migration) {
                        return Err(Error::InconsistentFiles(format!(
                            "{} and {relative} share the number {:04}",
                            other.up_path, file.id.seq
                        )));
                    }
                }
                (Direction::Down, contents) => downs.push((key, relative, contents)),
            }
        }
        for (key, relative, contents) in downs {
            let up = ups
                .get_mut(&key)
                .filter(|up| up.down_path() == relative.replace('\\', "/"))
                .ok_or_else(|| {
                    Error::InconsistentFiles(format!("{relative} has no matching .up.sql file"))
                })?;
            up.down_sql = contents.map(str::to_string);
        }
        let mut by_dialect: BTreeMap<Dialect, Vec<Migration>> = BTreeMap::new();
        for ((dialect, _, _), migration) in ups {
            by_dialect.entry(dialect).or_default().push(migration);
        }
        for (dialect, manifest) in manifests {
            let migrations = by_dialect.remove(&dialect).unwrap_or_default();
            by_dialect.insert(dialect, in_release_order(dialect, manifest, migrations)?);
        }
        Ok(MigrationSet {
            source_name,
            by_dialect,
            shapes: shape_files,
        })
    }

    /// The text of `dialect`'s expected-shapes file (`<dialect>/shapes.json`, which codegen
    /// writes; hand-written trees have none).
    pub fn shapes(&self, dialect: Dialect) -> Option<&str> {
        self.shapes.get(&dialect).map(String::as_str)
    }

    /// Where the migrations come from, for messages.
    pub fn source_name(&self) -> &str {
        &self.source_name
    }

    /// Every migration of `dialect`, in apply order: its release order (the manifest), or
    /// without a manifest tiers, then overlays.
    pub fn all(&self, dialect: Dialect) -> &[Migration] {
        self.by_dialect.get(&dialect).map_or(&[], Vec::as_slice)
    }

    /// The migrations to reach `tier` on `dialect`, in apply order; errors when there are none.
    pub fn up_to(&self, dialect: Dialect, tier: Tier) -> Result<Vec<&Migration>> {
        let selected: Vec<&Migration> = self
            .all(dialect)
            .iter()
            .filter(|m| m.tier <= tier)
            .collect();
        if selected.is_empty() {
            return Err(Error::NoMigrations {
                dialect: dialect.to_string(),
                source_name: self.source_name.clone(),
            });
        }
        Ok(selected)
    }

    /// The migration with this id on `dialect`.
    pub fn get(&self, dialect: Dialect, id: &str) -> Option<&Migration> {
        self.all(dialect).iter().find(|m| m.id == id)
    }
}

/// `migrations` (of `dialect`, in tiers-then-overlays order) in the order of `manifest`, the
/// text of the dialect's release-order file; an error naming the manifest and the migration
/// when one lists what the other lacks.
fn in_release_order(
    dialect: Dialect,
    manifest: &str,
    migrations: Vec<Migration>,
) -> Result<Vec<Migration>> {
    let manifest_path = release_order::path(dialect);
    let order = release_order::parse(dialect, manifest)?;
    let mut by_id: BTreeMap<String, Migration> = migrations
        .into_iter()
        .map(|migration| (migration.id.clone(), migration))
        .collect();
    let mut ordered = Vec::with_capacity(order.len());
    for entry in order {
        let id = entry.id.to_string();
        let mut migration = by_id.remove(&id).ok_or_else(|| {
            Error::InconsistentFiles(format!(
                "{manifest_path} lists {id}, but there is no {dialect}/{id}.up.sql; \
                 restore the file or remove the line"
            ))
        })?;
        migration.tier = entry.tier;
        ordered.push(migration);
    }
    if let Some(unlisted) = by_id.values().next() {
        return Err(Error::InconsistentFiles(format!(
            "{} is not listed in {manifest_path}; append {} to it (release order)",
            unlisted.up_path, unlisted.id
        )));
    }
    Ok(ordered)
}

fn read_file(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| Error::Unreadable {
        path: path.to_path_buf(),
        source,
    })
}

/// The entries of `dir` sorted by path, each with its type as the directory listing gives it
/// (not following links; no `stat` per entry where the filesystem reports types, which with
/// 1 000 migrations was two of the three `statx` calls per file).
fn read_dir_sorted(dir: &Path) -> Result<Vec<(PathBuf, std::fs::FileType)>> {
    let unreadable = |source| Error::Unreadable {
        path: dir.to_path_buf(),
        source,
    };
    let mut paths = std::fs::read_dir(dir)
        .map_err(unreadable)?
        .map(|entry| entry.and_then(|e| Ok((e.path(), e.file_type()?))))
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(unreadable)?;
    paths.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(paths)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// An error naming `path` when `kind` (from its directory listing) is a symbolic link.
fn refuse_symlink_kind(root: &Path, path: &Path, kind: std::fs::FileType) -> Result<()> {
    if kind.is_symlink() {
        return Err(Error::Layout(LayoutError::Symlink(relative_path(
            root, path,
        ))));
    }
    Ok(())
}

/// An error naming `path` when it is a symbolic link (dangling, looping or not).
fn refuse_symlink(root: &Path, path: &Path) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(metadata) if metadata.file_type().is_symlink() => Err(Error::Layout(
            LayoutError::Symlink(relative_path(root, path)),
        )),
        _ => Ok(()),
    }
}

fn relative_path(root: &Path, file: &Path) -> String {
    file.strip_prefix(root)
        .unwrap_or(file)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILES: &[(&str, &str)] = &[
        ("sqlite/advanced/0001_dlq.up.sql", "CREATE TABLE d (x INT);"),
        ("sqlite/basic/0002_two.up.sql", "CREATE TABLE b2 (x INT);"),
        ("sqlite/basic/0001_one.up.sql", "CREATE TABLE b1 (x INT);"),
        ("sqlite/basic/0001_one.down.sql", "DROP TABLE b1;"),
        (
            "sqlite/intermediate/0001_mid.up.sql",
            "CREATE TABLE m (x INT);",
        ),
        ("postgres/pg/0001_pg_opt.up.sql", "SELECT 1;"),
        ("postgres/basic/0001_one.up.sql", "CREATE TABLE b1 (x INT);"),
        ("README.md", "ignored"),
    ];

    fn ids(migrations: &[&Migration]) -> Vec<String> {
        migrations.iter().map(|m| m.id.clone()).collect()
    }

    #[test]
    fn orders_by_tier_then_number_and_overlays_last() -> Result<()> {
        let set = MigrationSet::from_embedded(FILES)?;
        assert_eq!(
            ids(&set.up_to(Dialect::Sqlite, Tier::Advanced)?),
            [
                "basic/0001_one",
                "basic/0002_two",
                "intermediate/0001_mid",
                "advanced/0001_dlq"
            ]
        );
        assert_eq!(
            ids(&set.up_to(Dialect::Sqlite, Tier::Intermediate)?),
            ["basic/0001_one", "basic/0002_two", "intermediate/0001_mid"]
        );
        assert_eq!(
            ids(&set.up_to(Dialect::Postgres, Tier::Advanced)?),
            ["basic/0001_one", "pg/0001_pg_opt"]
        );
        assert_eq!(
            ids(&set.up_to(Dialect::Postgres, Tier::Basic)?),
            ["basic/0001_one"]
        );
        Ok(())
    }

    #[test]
    fn pairs_down_files_and_checksums_ups() -> Result<()> {
        let set = MigrationSet::from_embedded(FILES)?;
        let one = set.get(Dialect::Sqlite, "basic/0001_one");
        assert_eq!(
            one.and_then(|m| m.down_sql.as_deref()),
            Some("DROP TABLE b1;")
        );
        assert_eq!(
            one.map(|m| m.checksum.clone()),
            Some(checksum("CREATE TABLE b1 (x INT);"))
        );
        assert_eq!(
            set.get(Dialect::Sqlite, "basic/0002_two")
                .and_then(|m| m.down_sql.clone()),
            None
        );
        Ok(())
    }

    #[test]
    fn rejects_bad_names_orphan_downs_and_duplicate_numbers() {
        let bad = MigrationSet::from_embedded(&[("sqlite/basic/one.up.sql", "")]);
        assert!(matches!(bad, Err(Error::Layout(_))));
        let orphan = MigrationSet::from_embedded(&[("sqlite/basic/0001_a.down.sql", "")]);
        assert!(matches!(orphan, Err(Error::InconsistentFiles(_))));
        let duplicate = MigrationSet::from_embedded(&[
            ("sqlite/basic/0001_a.up.sql", ""),
            ("sqlite/basic/0001_b.up.sql", ""),
        ]);
        assert!(matches!(duplicate, Err(Error::InconsistentFiles(_))));
    }

    #[test]
    fn no_migrations_is_an_error() {
        let set = MigrationSet::from_embedded(&[]).unwrap_or_default();
        assert!(matches!(
            set.up_to(Dialect::Db2, Tier::Basic),
            Err(Error::NoMigrations { .. })
        ));
    }

    #[test]
    fn a_manifest_defines_the_order_and_tiers_still_filter_it() -> Result<()> {
        let manifest = "# release order\nbasic/0001_one\npg/0001_pg_opt\nintermediate/0001_late\n";
        let set = MigrationSet::from_embedded(&[
            ("postgres/intermediate/0001_late.up.sql", "SELECT 2;"),
            ("postgres/pg/0001_pg_opt.up.sql", "SELECT 1;"),
            ("postgres/basic/0001_one.up.sql", "CREATE TABLE b1 (x INT);"),
            ("postgres/release-order.txt", manifest),
            ("sqlite/basic/0002_two.up.sql", "SELECT 2;"),
            ("sqlite/basic/0001_one.up.sql", "SELECT 1;"),
        ])?;
        let all: Vec<&Migration> = set.all(Dialect::Postgres).iter().collect();
        assert_eq!(
            ids(&all),
            ["basic/0001_one", "pg/0001_pg_opt", "intermediate/0001_late"]
        );
        assert_eq!(
            ids(&set.up_to(Dialect::Postgres, Tier::Intermediate)?),
            ["basic/0001_one", "intermediate/0001_late"]
        );
        assert_eq!(
            ids(&set.up_to(Dialect::Sqlite, Tier::Advanced)?),
            ["basic/0001_one", "basic/0002_two"],
            "no manifest: tiers, then overlays"
        );
        Ok(())
    }

    fn message(result: Result<MigrationSet>) -> String {
        match result {
            Ok(_) => "accepted".to_string(),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn a_manifest_and_the_files_must_list_the_same_migrations() {
        let listed_without_file = MigrationSet::from_embedded(&[
            ("sqlite/basic/0001_one.up.sql", "SELECT 1;"),
            (
                "sqlite/release-order.txt",
                "basic/0001_one\nbasic/0002_gone\n",
            ),
        ]);
        assert_eq!(
            message(listed_without_file),
            "inconsistent migration files: sqlite/release-order.txt lists basic/0002_gone, \
             but there is no sqlite/basic/0002_gone.up.sql; restore the file or remove the line"
        );
        let file_not_listed = MigrationSet::from_embedded(&[
            ("sqlite/basic/0001_one.up.sql", "SELECT 1;"),
            ("sqlite/basic/0002_new.up.sql", "SELECT 2;"),
            ("sqlite/release-order.txt", "basic/0001_one\n"),
        ]);
        assert_eq!(
            message(file_not_listed),
            "inconsistent migration files: sqlite/basic/0002_new.up.sql is not listed in \
             sqlite/release-order.txt; append basic/0002_new to it (release order)"
        );
        let malformed = MigrationSet::from_embedded(&[
            ("sqlite/basic/0001_one.up.sql", "SELECT 1;"),
            (
                "sqlite/release-order.txt",
                "basic/0001_one\nbasic/0001_one\n",
            ),
        ]);
        assert!(matches!(malformed, Err(Error::Layout(_))));
        assert!(message(malformed).contains("sqlite/release-order.txt line 2"));
    }

    #[test]
    fn directives_are_read_and_misspelt_ones_refused() -> Result<()> {
        let set = MigrationSet::from_embedded(&[
            (
                "sqlite/basic/0001_one.up.sql",
                "-- migrate: foreign_keys off\nSELECT 1;",
            ),
            ("sqlite/basic/0001_one.down.sql", "SELECT 1;"),
            ("sqlite/basic/0002_two.up.sql", "SELECT 1;"),
            (
                "sqlite/basic/0002_two.down.sql",
                "-- migrate: no-transaction\nVACUUM;",
            ),
        ])?;
        let one = set.get(Dialect::Sqlite, "basic/0001_one");
        assert_eq!(one.map(|m| m.up_foreign_keys_off()), Some(true));
        assert_eq!(one.map(|m| m.down_foreign_keys_off()), Some(false));
        assert_eq!(one.map(|m| m.up_no_transaction()), Some(false));
        let two = set.get(Dialect::Sqlite, "basic/0002_two");
        assert_eq!(two.map(|m| m.up_foreign_keys_off()), Some(false));
        assert_eq!(two.map(|m| m.down_no_transaction()), Some(true));
        let misspelt = MigrationSet::from_embedded(&[(
            "sqlite/basic/0001_one.down.sql",
            "-- migrate: foreign keys off\nSELECT 1;",
        )]);
        assert!(message(misspelt).contains("sqlite/basic/0001_one.down.sql: unknown directive"));
        Ok(())
    }

    #[test]
    fn unreadable_directory_is_an_error() {
        let missing = MigrationSet::from_dir("/nonexistent/migrations-root");
        assert!(matches!(missing, Err(Error::Unreadable { .. })));
    }
}
