//! Directives: lines among a migration file's leading comment lines that tell the runner how to
//! run the file: [`FOREIGN_KEYS_OFF`] and [`NO_TRANSACTION`] (at most one of them in a file).
//!
//! ```
//! use migration_layout::directive;
//!
//! let rebuild = "-- @generated\n-- migrate: foreign_keys off\n\nCREATE TABLE t_new (x INT);\n";
//! assert!(directive::foreign_keys_off(rebuild));
//! assert!(!directive::foreign_keys_off("CREATE TABLE t (x INT);\n-- migrate: foreign_keys off\n"));
//! let index = "-- migrate: no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);\n";
//! assert!(directive::no_transaction(index));
//! assert!(!directive::no_transaction(rebuild));
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

/// Run this migration outside a transaction, on every dialect: for statements a database
/// refuses inside one, such as PostgreSQL's `CREATE INDEX CONCURRENTLY` and `DROP INDEX
/// CONCURRENTLY` (or SQLite's `VACUUM`). The runner runs the file's statements one by one,
/// each committed on its own, and records the migration in a short transaction of its own
/// only once every statement succeeded. A failure leaves the statements before it applied and
/// records nothing, so such a file must be safe to run again from its start (`DROP INDEX
/// CONCURRENTLY IF EXISTS i;` before `CREATE INDEX CONCURRENTLY i ...;`).
pub const NO_TRANSACTION: &str = "-- migrate: no-transaction";

/// Every directive, in the order the error for an unknown one lists them.
pub const ALL: [&str; 2] = [FOREIGN_KEYS_OFF, NO_TRANSACTION];

/// The leading comment lines of `sql` (lines starting with `--`, blank lines skipped), trimmed.
fn leading_comments(sql: &str) -> impl Iterator<Item = &str> {
    sql.trim_start_matches('\u{feff}')
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .take_while(|line| line.starts_with("--"))
}

/// Whether `directive` is among the leading comment lines of `sql` (the exact text, surrounding
/// whitespace aside). A directive after the first statement is no directive.
fn has(sql: &str, directive: &str) -> bool {
    leading_comments(sql).any(|line| line == directive)
}

/// Whether `sql` has the [`FOREIGN_KEYS_OFF`] directive among its leading comment lines.
pub fn foreign_keys_off(sql: &str) -> bool {
    has(sql, FOREIGN_KEYS_OFF)
}

/// Whether `sql` has the [`NO_TRANSACTION`] directive among its leading comment lines.
pub fn no_transaction(sql: &str) -> bool {
    has(sql, NO_TRANSACTION)
}

/// Refuses a leading comment line of the file at `path` that starts like a directive
/// ([`PREFIX`]) but is none, such as a misspelt [`FOREIGN_KEYS_OFF`], which would otherwise be
/// ignored; and a file with both directives: a rebuild with foreign keys off must run in one
/// transaction, which [`NO_TRANSACTION`] takes away.
pub fn check(path: &str, sql: &str) -> Result<(), LayoutError> {
    if let Some(line) =
        leading_comments(sql).find(|line| line.starts_with(PREFIX) && !ALL.contains(line))
    {
        return Err(LayoutError::UnknownDirective {
            path: path.to_string(),
            line: line.to_string(),
        });
    }
    if foreign_keys_off(sql) && no_transaction(sql) {
        return Err(LayoutError::ConflictingDirectives {
            path: path.to_string(),
        });
    }
    Ok(())
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
        assert!(no_transaction(
            "-- header\n  -- migrate: no-transaction \nCREATE INDEX CONCURRENTLY i ON t (x);"
        ));
        assert!(!no_transaction(
            "CREATE INDEX i ON t (x);\n-- migrate: no-transaction\n"
        ));
        assert!(!no_transaction("-- migrate: no transaction\nSELECT 1;"));
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

    #[test]
    fn both_directives_are_refused_in_one_file() {
        assert_eq!(
            check("a.up.sql", "-- migrate: no-transaction\nSELECT 1;"),
            Ok(())
        );
        let error = check(
            "a.up.sql",
            "-- migrate: foreign_keys off\n-- migrate: no-transaction\nSELECT 1;",
        );
        assert_eq!(
            error,
            Err(LayoutError::ConflictingDirectives {
                path: "a.up.sql".into()
            })
        );
        let message = error.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.starts_with("a.up.sql: "), "{message}");
        assert!(message.contains("-- migrate: no-transaction"), "{message}");
    }
}
