//! Directives: lines among a migration file's leading comment lines that tell the runner how to
//! run the file. There is one, [`FOREIGN_KEYS_OFF`].
//!
//! ```
//! use migration_layout::directive;
//!
//! let rebuild = "-- @generated\n-- migrate: foreign_keys off\n\nCREATE TABLE t_new (x INT);\n";
//! assert!(directive::foreign_keys_off(rebuild));
//! assert!(!directive::foreign_keys_off("CREATE TABLE t (x INT);\n-- migrate: foreign_keys off\n"));
//! ```

use crate::LayoutError;

/// Every directive line starts with this.
pub const PREFIX: &str = "-- migrate:";

/// On SQLite, run this migration with foreign keys off (a table rebuild: create new, copy, drop
/// old, rename). SQLite ignores `PRAGMA foreign_keys` inside a transaction, and with foreign
/// keys on, dropping the old parent table deletes its `ON DELETE CASCADE` children. So the
/// runner turns them off before the migration's transaction begins, runs
/// `PRAGMA foreign_key_check` before its COMMIT (any row fails the migration, which rolls back
/// whole) and turns them back on after it ends. Other dialects ignore it.
pub const FOREIGN_KEYS_OFF: &str = "-- migrate: foreign_keys off";

/// On PostgreSQL, run this migration's statements one by one outside a transaction, recording
/// it only after all succeeded: an online migration's lock-safe statements
/// (`CREATE INDEX CONCURRENTLY` cannot run in a transaction; `VALIDATE CONSTRAINT` lets writes
/// go on only once the `NOT VALID` constraint has committed). Each statement is written so
/// that a run stopped half-way is completed by running the file again.
pub const NO_TRANSACTION: &str = "-- migrate: no-transaction";

/// The leading comment lines of `sql` (lines starting with `--`, blank lines skipped), trimmed.
fn leading_comments(sql: &str) -> impl Iterator<Item = &str> {
    sql.trim_start_matches('\u{feff}')
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .take_while(|line| line.starts_with("--"))
}

/// Whether `sql` has the [`FOREIGN_KEYS_OFF`] directive among its leading comment lines (the
/// exact text, surrounding whitespace aside). A directive after the first statement is no
/// directive.
pub fn foreign_keys_off(sql: &str) -> bool {
    leading_comments(sql).any(|line| line == FOREIGN_KEYS_OFF)
}

/// Refuses a leading comment line of the file at `path` that starts like a directive
/// ([`PREFIX`]) but is none, such as a misspelt [`FOREIGN_KEYS_OFF`], which would otherwise be
/// ignored.
pub fn check(path: &str, sql: &str) -> Result<(), LayoutError> {
    match leading_comments(sql).find(|line| line.starts_with(PREFIX) && *line != FOREIGN_KEYS_OFF) {
        Some(line) => Err(LayoutError::UnknownDirective {
            path: path.to_string(),
            line: line.to_string(),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_directive_counts_among_the_leading_comments_only() {
        assert!(foreign_keys_off(
            "-- migrate: foreign_keys off\nDROP TABLE t;"
        ));
        assert!(foreign_keys_off(
            "\u{feff}-- header\r\n\r\n  -- migrate: foreign_keys off  \r\nDROP TABLE t;"
        ));
        assert!(!foreign_keys_off(
            "DROP TABLE t;\n-- migrate: foreign_keys off\n"
        ));
        assert!(!foreign_keys_off(
            "-- migrate: foreign_keys on\nDROP TABLE t;"
        ));
        assert!(!foreign_keys_off(""));
    }

    #[test]
    fn unknown_directives_are_refused_naming_the_file_and_line() {
        assert_eq!(
            check("a.up.sql", "-- migrate: foreign_keys off\nSELECT 1;"),
            Ok(())
        );
        assert_eq!(
            check("a.up.sql", "-- migration: basic/0001_a\nSELECT 1;"),
            Ok(())
        );
        assert_eq!(
            check("a.up.sql", "SELECT 1;\n-- migrate: nonsense\n"),
            Ok(())
        );
        let error = check("a.up.sql", "-- migrate: foreign_keys=off\nSELECT 1;");
        assert_eq!(
            error,
            Err(LayoutError::UnknownDirective {
                path: "a.up.sql".into(),
                line: "-- migrate: foreign_keys=off".into(),
            })
        );
        assert!(
            error
                .err()
                .is_some_and(|e| e.to_string().contains("-- migrate: foreign_keys off"))
        );
    }
}
