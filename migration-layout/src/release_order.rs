//! The release order of one dialect's migrations: the manifest `<dialect>/release-order.txt`.
//!
//! The runner applies a dialect's migrations in the order they were released, filtered by tier
//! ([`Group::included_at`](crate::Group::included_at)): a tier migration released after an
//! overlay runs after it on a fresh database too, as it did on the databases that were
//! upgraded. The file lists one migration id a line, oldest first; `#` starts a comment line
//! and blank lines are ignored. A new migration is appended; released lines never move.
//!
//! ```
//! use migration_layout::{Dialect, Group, MigrationId, Tier, release_order};
//!
//! let ids = [
//!     MigrationId::new(Group::Tier(Tier::Basic), 1, "source_configs"),
//!     MigrationId::new(Group::Overlay(Dialect::Postgres), 1, "pg_optimizations"),
//!     MigrationId::new(Group::Tier(Tier::Intermediate), 6, "run_labels"),
//! ];
//! let text = release_order::render(Dialect::Postgres, &ids);
//! assert_eq!(release_order::path(Dialect::Postgres), "postgres/release-order.txt");
//! assert_eq!(release_order::parse(Dialect::Postgres, &text), Ok(ids.to_vec()));
//! ```

use std::collections::BTreeMap;

use crate::{Dialect, LayoutError, MigrationId};

/// The manifest's file name, directly under each dialect's directory.
pub const FILE_NAME: &str = "release-order.txt";

/// The manifest of `dialect`, relative to the migrations root: `<dialect>/release-order.txt`.
pub fn path(dialect: Dialect) -> String {
    format!("{}/{FILE_NAME}", dialect.dir_name())
}

/// The dialect whose manifest `relative` (a path relative to the migrations root, `/` or `\`
/// separators) is; `None` for any other path.
pub fn dialect_of_path(relative: &str) -> Option<Dialect> {
    let (dialect, file) = relative.split_once(['/', '\\'])?;
    if file != FILE_NAME {
        return None;
    }
    Dialect::ALL.into_iter().find(|d| d.dir_name() == dialect)
}

/// The manifest of `dialect` listing `ids`, oldest first: two comment lines, then one id a
/// line, each line ending in `\n`.
pub fn render<'a>(dialect: Dialect, ids: impl IntoIterator<Item = &'a MigrationId>) -> String {
    let mut text = format!(
        "# Release order of the {dialect} migrations: the runner applies them in this order.\n\
         # One migration id a line, oldest first; a new migration is appended, lines never move.\n"
    );
    for id in ids {
        text.push_str(&id.to_string());
        text.push('\n');
    }
    text
}

/// The ids the manifest of `dialect` lists, in order. Refuses a line that is not a migration
/// id, an id listed twice, and another dialect's overlay, naming the line.
pub fn parse(dialect: Dialect, text: &str) -> Result<Vec<MigrationId>, LayoutError> {
    let error = |line: usize, problem: String| LayoutError::ReleaseOrder {
        path: path(dialect),
        line,
        problem,
    };
    let mut ids = Vec::new();
    let mut seen: BTreeMap<MigrationId, usize> = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let id: MigrationId = line.parse().map_err(|_| {
            error(
                number,
                format!("'{line}' is not a migration id (expected <group>/NNNN_name)"),
            )
        })?;
        if !id.group.applies_to(dialect) {
            return Err(error(
                number,
                format!("{id} is another dialect's overlay, not a {dialect} migration"),
            ));
        }
        if let Some(first) = seen.insert(id.clone(), number) {
            return Err(error(
                number,
                format!("{id} is listed twice (first on line {first})"),
            ));
        }
        ids.push(id);
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Group, Tier};

    fn id(text: &str) -> MigrationId {
        text.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn renders_one_id_a_line_after_a_comment_and_parses_back() {
        let ids = [
            id("basic/0001_a"),
            id("pg/0001_b"),
            id("intermediate/0002_c"),
        ];
        let text = render(Dialect::Postgres, &ids);
        assert!(text.starts_with("# Release order of the postgres migrations"));
        assert!(text.ends_with("pg/0001_b\nintermediate/0002_c\n"));
        assert_eq!(parse(Dialect::Postgres, &text), Ok(ids.to_vec()));
        assert_eq!(render(Dialect::Sqlite, &[]).lines().count(), 2);
    }

    #[test]
    fn parsing_skips_blanks_comments_and_carriage_returns() {
        let text = "# comment\r\n\r\n  basic/0001_a  \r\n#basic/0002_b\r\nadvanced/0001_c\r\n";
        assert_eq!(
            parse(Dialect::Sqlite, text),
            Ok(vec![
                MigrationId::new(Group::Tier(Tier::Basic), 1, "a"),
                MigrationId::new(Group::Tier(Tier::Advanced), 1, "c"),
            ])
        );
    }

    #[test]
    fn parsing_refuses_bad_ids_duplicates_and_other_overlays_naming_the_line() {
        let cases = [
            (
                "basic/0001_a\nbasic/one\n",
                2,
                "'basic/one' is not a migration id (expected <group>/NNNN_name)",
            ),
            (
                "basic/0001_a\n\nbasic/0001_a\n",
                3,
                "basic/0001_a is listed twice (first on line 1)",
            ),
            (
                "pg/0001_x\n",
                1,
                "pg/0001_x is another dialect's overlay, not a sqlite migration",
            ),
            (
                "nope/0001_x\n",
                1,
                "'nope/0001_x' is not a migration id (expected <group>/NNNN_name)",
            ),
        ];
        for (text, line, problem) in cases {
            let error = parse(Dialect::Sqlite, text);
            assert_eq!(
                error,
                Err(LayoutError::ReleaseOrder {
                    path: "sqlite/release-order.txt".into(),
                    line,
                    problem: problem.into(),
                }),
                "{text}"
            );
            let message = error.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(
                message.starts_with(&format!("sqlite/release-order.txt line {line}: ")),
                "{message}"
            );
        }
    }

    #[test]
    fn manifest_paths_are_recognised_under_their_dialect_only() {
        for dialect in Dialect::ALL {
            assert_eq!(dialect_of_path(&path(dialect)), Some(dialect));
        }
        assert_eq!(
            dialect_of_path("postgres\\release-order.txt"),
            Some(Dialect::Postgres)
        );
        for other in [
            "release-order.txt",
            "oracle/release-order.txt",
            "sqlite/basic/release-order.txt",
            "sqlite/basic/0001_a.up.sql",
        ] {
            assert_eq!(dialect_of_path(other), None, "{other}");
        }
    }
}
