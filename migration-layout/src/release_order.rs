//! The release order of one dialect's migrations: the manifest `<dialect>/release-order.txt`.
//!
//! The runner applies a dialect's migrations in the order they were released, filtered by tier:
//! a tier migration released after an overlay runs after it on a fresh database too, as it did
//! on the databases that were upgraded. The file lists one migration id a line, oldest first;
//! `#` starts a comment line and blank lines are ignored. A new migration is appended; released
//! lines never move. An overlay's line may name the tier from which it applies (`pg/0001_x
//! intermediate`): the tier of the tables it changes, so that a database upgraded tier by tier
//! applies it in release order among that tier's migrations. Without one, an overlay applies
//! at the top tier ([`Group::included_at`](crate::Group::included_at)).
//!
//! ```
//! use migration_layout::release_order::{self, Entry};
//! use migration_layout::{Dialect, Group, MigrationId, Tier};
//!
//! let entries = [
//!     Entry::of(MigrationId::new(Group::Tier(Tier::Basic), 1, "source_configs")),
//!     Entry {
//!         id: MigrationId::new(Group::Overlay(Dialect::Postgres), 1, "pg_optimizations"),
//!         tier: Tier::Intermediate,
//!     },
//!     Entry::of(MigrationId::new(Group::Tier(Tier::Intermediate), 6, "run_labels")),
//! ];
//! let text = release_order::render(Dialect::Postgres, entries.clone());
//! assert!(text.contains("\npg/0001_pg_optimizations intermediate\n"));
//! assert_eq!(release_order::path(Dialect::Postgres), "postgres/release-order.txt");
//! assert_eq!(release_order::parse(Dialect::Postgres, &text), Ok(entries.to_vec()));
//! ```

use std::collections::BTreeMap;

use crate::{Dialect, Group, LayoutError, MigrationId, Tier};

/// One line of the manifest: a migration, and the lowest tier that includes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The migration.
    pub id: MigrationId,
    /// The lowest tier that includes it: a tier migration's own tier; an overlay's as listed.
    pub tier: Tier,
}

impl Entry {
    /// `id`, included from its group's default tier (an overlay: the top tier).
    pub fn of(id: MigrationId) -> Entry {
        Entry {
            tier: id.group.default_tier(),
            id,
        }
    }
}

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

/// The manifest of `dialect` listing `entries` in release order; an overlay's tier is written
/// after its id.
pub fn render(dialect: Dialect, entries: impl IntoIterator<Item = Entry>) -> String {
    let mut text = format!(
        "# Release order of the {dialect} migrations: the runner applies them in this order.\n\
         # One migration id a line, oldest first; a new migration is appended, lines never move.\n"
    );
    for entry in entries {
        text.push_str(&entry.id.to_string());
        if matches!(entry.id.group, Group::Overlay(_)) {
            text.push(' ');
            text.push_str(entry.tier.name());
        }
        text.push('\n');
    }
    text
}

/// The entries the manifest of `dialect` lists, in order. Refuses a line that is not a
/// migration id (and for an overlay, a tier), an id listed twice, a tier on a tier migration's
/// line, and another dialect's overlay, naming the line.
pub fn parse(dialect: Dialect, text: &str) -> Result<Vec<Entry>, LayoutError> {
    let error = |line: usize, problem: String| LayoutError::ReleaseOrder {
        path: path(dialect),
        line,
        problem,
    };
    let mut entries = Vec::new();
    let mut seen: BTreeMap<MigrationId, usize> = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (id_text, tier_text) = match line.split_once(char::is_whitespace) {
            Some((id, tier)) => (id, Some(tier.trim())),
            None => (line, None),
        };
        let id: MigrationId = id_text.parse().map_err(|_| {
            error(
                number,
                format!("'{id_text}' is not a migration id (expected <group>/NNNN_name)"),
            )
        })?;
        let mut entry = Entry::of(id.clone());
        match (id.group, tier_text) {
            (_, None) => {}
            (Group::Overlay(_), Some(tier)) => {
                entry.tier = tier
                    .parse()
                    .map_err(|e: LayoutError| error(number, e.to_string()))?;
            }
            (Group::Tier(_), Some(_)) => {
                return Err(error(
                    number,
                    format!("{id} is a tier migration: only an overlay's line names a tier"),
                ));
            }
        }
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
        entries.push(entry);
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Group, Tier};

    fn entry(text: &str) -> Entry {
        Entry::of(text.parse().unwrap_or_else(|e| panic!("{e}")))
    }

    #[test]
    fn renders_one_id_a_line_after_a_comment_and_parses_back() {
        let entries = [
            entry("basic/0001_a"),
            Entry {
                tier: Tier::Intermediate,
                ..entry("pg/0001_b")
            },
            entry("intermediate/0002_c"),
            entry("pg/0002_d"),
        ];
        let text = render(Dialect::Postgres, entries.clone());
        assert!(text.starts_with("# Release order of the postgres migrations"));
        assert!(
            text.ends_with("pg/0001_b intermediate\nintermediate/0002_c\npg/0002_d advanced\n")
        );
        assert_eq!(parse(Dialect::Postgres, &text), Ok(entries.to_vec()));
        assert_eq!(
            parse(Dialect::Postgres, "pg/0001_b\n").map(|e| e[0].tier),
            Ok(Tier::Advanced)
        );
        assert_eq!(render(Dialect::Sqlite, []).lines().count(), 2);
    }

    #[test]
    fn parsing_skips_blanks_comments_and_carriage_returns() {
        let text = "# comment\r\n\r\n  basic/0001_a  \r\n#basic/0002_b\r\nadvanced/0001_c\r\n";
        assert_eq!(
            parse(Dialect::Sqlite, text),
            Ok(vec![
                Entry::of(MigrationId::new(Group::Tier(Tier::Basic), 1, "a")),
                Entry::of(MigrationId::new(Group::Tier(Tier::Advanced), 1, "c")),
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
            (
                "basic/0001_a intermediate\n",
                1,
                "basic/0001_a is a tier migration: only an overlay's line names a tier",
            ),
            (
                "sqlite/0001_a expert\n",
                1,
                "unknown tier 'expert': use one of basic, intermediate, advanced",
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
