//! Embedding migration files in a binary at compile time.
//!
//! A build script calls [`write_embedding`] on the migrations root; the crate then calls
//! `migrate::include_migrations!` with the same file name to get a `MigrationSet`. Nothing is
//! read from disk at run time.
//!
//! ```text
//! // build.rs (with migration-layout as a build-dependency)
//! fn main() -> std::io::Result<()> {
//!     migration_layout::embed::write_embedding("migrations-generated", "migrations.rs")
//! }
//! // main.rs
//! let set = migrate::include_migrations!("migrations.rs")?;
//! ```

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

/// Writes `$OUT_DIR/<out_file>`: a Rust slice expression of `(relative path, include_str!(..))`
/// for every `.sql` file, every release-order manifest
/// ([`crate::release_order::FILE_NAME`]) and every shapes file ([`crate::shapes::FILE_NAME`])
/// under `root`, and tells Cargo to re-run the build
/// script when anything under `root` changes. A missing `root`, or one holding no migration,
/// is an error (the build fails) rather than a binary that silently embeds nothing.
pub fn write_embedding(root: impl AsRef<Path>, out_file: &str) -> io::Result<()> {
    let root = std::path::absolute(root.as_ref())?;
    println!("cargo:rerun-if-changed={}", root.display());
    let nothing = || {
        io::Error::other(format!(
            "no migrations to embed under {}: generate them with `cargo run -p codegen`, \
             or set SPINE_MIGRATIONS_DIR to the root of the generated migrations",
            root.display()
        ))
    };
    if !root.is_dir() {
        return Err(nothing());
    }
    let mut files = Vec::new();
    collect_sql_files(&root, &mut files)?;
    if files.is_empty() {
        return Err(nothing());
    }
    files.sort();
    let out_dir = std::env::var_os("OUT_DIR")
        .map(PathBuf::from)
        .ok_or_else(|| io::Error::other("OUT_DIR is not set: call this from a build script"))?;
    let mut code = String::from("&[\n");
    for file in &files {
        let relative = file
            .strip_prefix(&root)
            .map_err(io::Error::other)?
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let _ = writeln!(
            code,
            "    ({relative:?}, include_str!({:?})),",
            file.display().to_string()
        );
    }
    code.push_str("]\n");
    std::fs::write(out_dir.join(out_file), code)
}

fn collect_sql_files(dir: &Path, files: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_sql_files(&path, files)?;
        } else if path
            .file_name()
            .is_some_and(|name| crate::names::looks_like_sql(&name.to_string_lossy()))
            || path.file_name().is_some_and(|name| {
                name == crate::release_order::FILE_NAME || name == crate::shapes::FILE_NAME
            })
        {
            files.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_empty_root_fails_the_build_with_what_to_do() {
        let empty = std::env::temp_dir().join(format!("spine-embed-{}", std::process::id()));
        std::fs::create_dir_all(empty.join("sqlite/basic")).expect("a scratch directory");
        for root in [empty.join("missing"), empty.clone()] {
            let error = write_embedding(&root, "x.rs").expect_err("nothing to embed");
            assert!(
                error
                    .to_string()
                    .starts_with("no migrations to embed under ")
                    && error.to_string().contains("cargo run -p codegen"),
                "{error}"
            );
        }
        std::fs::remove_dir_all(&empty).expect("removing the scratch directory");
    }
}
