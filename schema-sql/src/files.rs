//! The generated tree on disk: writing it, and telling how the disk differs from it.

use crate::render::GeneratedFile;
use std::collections::BTreeSet;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// How one file on disk differs from what the declarations give.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Drift {
    /// Generated, but not on disk.
    Missing(PathBuf),
    /// On disk with other contents.
    Stale(PathBuf),
    /// On disk, but no longer generated.
    Extra(PathBuf),
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Drift::Missing(path) => write!(f, "missing: {}", path.display()),
            Drift::Stale(path) => write!(f, "stale:   {}", path.display()),
            Drift::Extra(path) => write!(f, "extra:   {}", path.display()),
        }
    }
}

/// The extensions of the files the migrations and statements trees own: `.sql` only (the
/// release record and the manifests beside them are not extra files).
pub const SQL: &[&str] = &["sql"];

/// Every way the `.sql` files under `root` differ from `files`, sorted by path.
pub fn diff(root: &Path, files: &[GeneratedFile]) -> io::Result<Vec<Drift>> {
    diff_owning(root, files, SQL)
}

/// Every way the files under `root` differ from `files`, sorted by path; a file on disk that
/// is not generated is extra when its extension is one of `owned`.
pub fn diff_owning(root: &Path, files: &[GeneratedFile], owned: &[&str]) -> io::Result<Vec<Drift>> {
    let mut drift = Vec::new();
    let generated: BTreeSet<&Path> = files.iter().map(|f| f.path.as_path()).collect();
    for file in files {
        match fs::read_to_string(root.join(&file.path)) {
            Ok(text) if text == file.contents => {}
            Ok(_) => drift.push(Drift::Stale(file.path.clone())),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                drift.push(Drift::Missing(file.path.clone()))
            }
            Err(error) => return Err(error),
        }
    }
    for path in owned_files(root, owned)? {
        if !generated.contains(path.as_path()) {
            drift.push(Drift::Extra(path));
        }
    }
    drift.sort();
    Ok(drift)
}

/// Brings the tree under `root` to `files`: writes what is missing or stale, removes extra
/// `.sql` files, and returns what it changed. Unchanged files are not touched.
pub fn write(root: &Path, files: &[GeneratedFile]) -> io::Result<Vec<Drift>> {
    write_owning(root, files, SQL)
}

/// [`write`], removing the extra files whose extension is one of `owned`.
pub fn write_owning(
    root: &Path,
    files: &[GeneratedFile],
    owned: &[&str],
) -> io::Result<Vec<Drift>> {
    let drift = diff_owning(root, files, owned)?;
    for change in &drift {
        match change {
            Drift::Missing(path) | Drift::Stale(path) => {
                let target = root.join(path);
                if let Some(parent) = target.parent() {
                    fs::create_dir_all(parent)?;
                }
                let contents = files
                    .iter()
                    .find(|f| &f.path == path)
                    .map(|f| f.contents.as_str())
                    .unwrap_or_default();
                fs::write(target, contents)?;
            }
            Drift::Extra(path) => {
                fs::remove_file(root.join(path))?;
                let mut dir = root.join(path);
                while dir.pop() && dir != root && fs::remove_dir(&dir).is_ok() {}
            }
        }
    }
    Ok(drift)
}

/// The files under `root` with an extension in `owned`, relative to it; none when `root`
/// does not exist.
fn owned_files(root: &Path, owned: &[&str]) -> io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
            Err(error) => return Err(error),
        };
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .is_some_and(|e| owned.iter().any(|o| e == *o))
            {
                found.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tree owns the files of its extensions only: another kind of file is never extra.
    #[test]
    fn only_owned_extensions_are_extra() {
        let root = std::env::temp_dir().join(format!("schema-sql-files-{}", std::process::id()));
        fs::create_dir_all(root.join("sub")).expect("temp dir");
        fs::write(root.join("kept.md"), "same\n").expect("write");
        fs::write(root.join("sub/old.mmd"), "old\n").expect("write");
        fs::write(root.join("notes.txt"), "hand-written\n").expect("write");
        let files = [GeneratedFile {
            path: PathBuf::from("kept.md"),
            contents: "same\n".to_string(),
        }];
        let drift = diff_owning(&root, &files, &["md", "mmd"]).expect("readable");
        let as_sql = diff(&root, &files).expect("readable");
        let written = write_owning(&root, &files, &["md", "mmd"]).expect("writable");
        let left = (root.join("notes.txt").exists(), root.join("sub").exists());
        fs::remove_dir_all(&root).ok();
        assert_eq!(drift, [Drift::Extra(PathBuf::from("sub/old.mmd"))]);
        assert_eq!(as_sql, [], "no .sql file is extra");
        assert_eq!(written, drift);
        assert_eq!(
            left,
            (true, false),
            "the extra file and its empty directory are gone"
        );
    }
}
