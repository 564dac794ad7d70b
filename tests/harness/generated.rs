//! The workspace's generated migration files (`migrations-generated/`), as the suites read them.

use std::path::{Path, PathBuf};

use migration_layout::{Dialect, Direction, MigrationFile, release_order};

/// The root of the generated migrations: `migrations-generated/` at the workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations-generated")
}

/// One generated file: where it is, and its SQL.
#[derive(Debug, Clone)]
pub struct GeneratedFile {
    /// What the layout says the file is.
    pub file: MigrationFile,
    /// Its path on disk, for messages.
    pub path: PathBuf,
    /// Its text.
    pub sql: String,
}

/// Every generated file of `dialect` in `direction`, in apply order (the dialect's
/// release-order manifest; without one, tiers, then the dialect's overlay). Panics, naming the
/// command that writes them, when there are none.
pub fn files(dialect: Dialect, direction: Direction) -> Vec<GeneratedFile> {
    let root = root();
    let dialect_dir = root.join(dialect.dir_name());
    let mut files = Vec::new();
    for group in read_dir(&dialect_dir) {
        if !group.is_dir() {
            continue;
        }
        for path in read_dir(&group) {
            let relative = path
                .strip_prefix(&root)
                .unwrap_or(&path)
                .to_string_lossy()
                .into_owned();
            let file = MigrationFile::parse(&relative)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            if let Some(file) = file.filter(|file| file.direction == direction) {
                let sql = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                files.push(GeneratedFile { file, path, sql });
            }
        }
    }
    assert!(
        !files.is_empty(),
        "no {direction} files under {}: run `cargo run -p codegen`",
        dialect_dir.display()
    );
    files.sort_by(|a, b| a.file.cmp(&b.file));
    let manifest = dialect_dir.join(release_order::FILE_NAME);
    if let Ok(text) = std::fs::read_to_string(&manifest) {
        let order = release_order::parse(dialect, &text)
            .unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
        let position =
            |file: &GeneratedFile| order.iter().position(|entry| entry.id == file.file.id);
        files.sort_by_key(|file| position(file).unwrap_or(usize::MAX));
    }
    files
}

fn read_dir(dir: &Path) -> Vec<PathBuf> {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    entries
        .map(|entry| {
            entry
                .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
                .path()
        })
        .collect()
}
