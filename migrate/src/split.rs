//! SQL-aware statement splitter, for drivers that take one statement per call (ODBC), and the
//! check that a migration does not control its own transaction.
//!
//! A `;` ends a statement only outside single-quoted strings (with `''` escapes), double-quoted,
//! back-quoted and bracketed identifiers, `--` line comments, `/* */` block comments (nested, as
//! PostgreSQL allows) and PostgreSQL dollar-quoted strings (`$$ ... $$`, `$tag$ ... $tag$`).
//! Procedural bodies with bare `;` are kept whole the way SQLite's `sqlite3_complete` does it:
//! in a `CREATE [TEMP] TRIGGER`, `CREATE FUNCTION` or `CREATE PROCEDURE` with a top-level
//! `BEGIN` (SQLite triggers, PostgreSQL's `BEGIN ATOMIC`, Db2 SQL PL), and in a Db2 compound
//! statement (`BEGIN ATOMIC ... END`), a `;` ends the statement only after `; END` closing the
//! outermost `BEGIN`.
//!
//! Splitting is one pass over the script: linear in its size.

/// One statement of a script, without its terminating `;` and without leading comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement<'a> {
    /// 1-based position of the statement in the script.
    pub number: usize,
    /// Byte offset of `text` in the script.
    pub offset: usize,
    /// The statement text, trimmed.
    pub text: &'a str,
}

/// Splits `sql` into its statements; comment-only and empty chunks are dropped.
pub fn split_statements(sql: &str) -> Vec<Statement<'_>> {
    let bytes = sql.as_bytes();
    let mut statements = Vec::new();
    let mut start: Option<usize> = None;
    let mut body = Body::default();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let next = bytes.get(i + 1).copied();
        let skip_to = match (c, next) {
            (b'-', Some(b'-')) => Some(line_comment_end(bytes, i)),
            (b'/', Some(b'*')) => Some(block_comment_end(bytes, i)),
            _ => None,
        };
        if let Some(end) = skip_to {
            i = end;
            continue;
        }
        if c == b';' {
            if body.semicolon_ends_statement()
                && let Some(s) = start.take()
            {
                push_statement(&mut statements, sql, s, i);
                body = Body::default();
            }
            i += 1;
            continue;
        }
        if !c.is_ascii_whitespace() && start.is_none() {
            start = Some(i);
        }
        i = match c {
            b'\'' | b'"' | b'`' => quoted_end(bytes, i, c),
            b'[' => quoted_end(bytes, i, b']'),
            b'$' => dollar_quote_end(bytes, i).unwrap_or(i + 1),
            c if is_word_byte(c) => {
                let end = i + bytes[i..]
                    .iter()
                    .position(|&b| !is_word_byte(b))
                    .unwrap_or(bytes.len() - i);
                body.word(&bytes[i..end]);
                end
            }
            _ => i + 1,
        };
        if !is_word_byte(c) && !c.is_ascii_whitespace() {
            body.other();
        }
    }
    if let Some(s) = start {
        push_statement(&mut statements, sql, s, sql.len());
    }
    statements
}

/// A byte of an unquoted word (keyword, identifier or number).
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// What the splitter knows of the current statement's words, enough to keep a procedural body
/// (`BEGIN ... ; ... END`) whole.
#[derive(Debug, Default)]
struct Body {
    /// Top-level words seen so far in the statement.
    words: usize,
    /// It starts with CREATE.
    create: bool,
    /// It starts with BEGIN.
    begin: bool,
    /// A CREATE TRIGGER, FUNCTION or PROCEDURE: a top-level BEGIN opens a body.
    routine: bool,
    /// Nesting of open BEGINs of the body; 0 outside one.
    depth: usize,
    /// The last token: `;`, END right after a `;`, or something else.
    last: Last,
}

/// The token before the current one, inside a body.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Last {
    #[default]
    Other,
    Semicolon,
    EndAfterSemicolon,
}

impl Body {
    /// Whether a `;` here ends the statement (it always does outside a body); updates the
    /// nesting when it closes a BEGIN (`; END ;`).
    fn semicolon_ends_statement(&mut self) -> bool {
        if self.depth == 0 {
            return true;
        }
        if self.last == Last::EndAfterSemicolon {
            self.depth -= 1;
        }
        self.last = Last::Semicolon;
        self.depth == 0
    }

    /// A top-level word of the statement.
    fn word(&mut self, word: &[u8]) {
        let is = |keyword: &str| word.eq_ignore_ascii_case(keyword.as_bytes());
        self.words += 1;
        if self.depth > 0 {
            if is("END") && self.last == Last::Semicolon {
                self.last = Last::EndAfterSemicolon;
                return;
            }
            if is("BEGIN") {
                self.depth += 1;
            }
            self.last = Last::Other;
            return;
        }
        match self.words {
            1 => {
                self.create = is("CREATE");
                self.begin = is("BEGIN");
            }
            // A Db2 compound statement: BEGIN ATOMIC / BEGIN NOT ATOMIC.
            2 if self.begin && (is("ATOMIC") || is("NOT")) => self.depth = 1,
            2..=5 if self.create && (is("TRIGGER") || is("FUNCTION") || is("PROCEDURE")) => {
                self.routine = true;
            }
            _ if self.routine && is("BEGIN") => self.depth = 1,
            _ => {}
        }
    }

    /// Any other token (punctuation, quoted text).
    fn other(&mut self) {
        if self.depth > 0 {
            self.last = Last::Other;
        }
    }
}

/// A statement that controls the transaction (see [`transaction_control`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionControl<'a> {
    /// The statement.
    pub statement: Statement<'a>,
    /// 1-based line of the script on which it starts.
    pub line: usize,
}

/// The first statement of `sql` that begins, ends or splits a transaction: `BEGIN` (SQLite's
/// `BEGIN [DEFERRED|IMMEDIATE|EXCLUSIVE] [TRANSACTION]`, PostgreSQL's `BEGIN [WORK]`), `START
/// TRANSACTION`, `COMMIT`, `END`, `ROLLBACK`, `ABORT`, `SAVEPOINT`, `RELEASE [SAVEPOINT]`,
/// `PREPARE TRANSACTION`. Only statements count: the words inside strings, quoted identifiers,
/// comments, dollar-quoted function bodies (plpgsql's `BEGIN ... END;`) and the bodies kept
/// whole by [`split_statements`] (a SQLite trigger's `BEGIN ... END`, Db2's `BEGIN ATOMIC`) do
/// not. One pass over the script.
pub fn transaction_control(sql: &str) -> Option<TransactionControl<'_>> {
    let statement = split_statements(sql)
        .into_iter()
        .find(|s| controls_transaction(s.text))?;
    let line = 1 + sql.as_bytes()[..statement.offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    Some(TransactionControl { statement, line })
}

/// Whether a statement (as [`split_statements`] gives it) is transaction control.
fn controls_transaction(text: &str) -> bool {
    let mut words = leading_words(text);
    let first = words.next().unwrap_or_default().to_ascii_uppercase();
    let second = words.next().unwrap_or_default().to_ascii_uppercase();
    match first.as_str() {
        "BEGIN" => !matches!(second.as_str(), "ATOMIC" | "NOT"),
        "START" | "PREPARE" => second == "TRANSACTION",
        "COMMIT" | "END" | "ROLLBACK" | "ABORT" | "SAVEPOINT" | "RELEASE" => true,
        _ => false,
    }
}

/// The unquoted words a statement starts with, skipping comments between them; stops at the
/// first other token.
fn leading_words(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        loop {
            match (bytes.get(i).copied(), bytes.get(i + 1).copied()) {
                (Some(b'-'), Some(b'-')) => i = line_comment_end(bytes, i),
                (Some(b'/'), Some(b'*')) => i = block_comment_end(bytes, i),
                (Some(c), _) if c.is_ascii_whitespace() => i += 1,
                (Some(c), _) if is_word_byte(c) => {
                    let start = i;
                    while bytes.get(i).copied().is_some_and(is_word_byte) {
                        i += 1;
                    }
                    return text.get(start..i);
                }
                _ => return None,
            }
        }
    })
}

fn push_statement<'a>(statements: &mut Vec<Statement<'a>>, sql: &'a str, start: usize, end: usize) {
    let text = sql[start..end].trim_end();
    if !text.is_empty() {
        statements.push(Statement {
            number: statements.len() + 1,
            offset: start,
            text,
        });
    }
}

/// Index just past the newline ending the `--` comment at `i` (or the end of input).
fn line_comment_end(bytes: &[u8], i: usize) -> usize {
    bytes[i..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| i + p + 1)
}

/// Index just past the `*/` closing the (possibly nested) block comment at `i`.
fn block_comment_end(bytes: &[u8], i: usize) -> usize {
    let mut depth = 0usize;
    let mut j = i;
    while j < bytes.len() {
        match (bytes[j], bytes.get(j + 1).copied()) {
            (b'/', Some(b'*')) => {
                depth += 1;
                j += 2;
            }
            (b'*', Some(b'/')) => {
                depth -= 1;
                j += 2;
                if depth == 0 {
                    return j;
                }
            }
            _ => j += 1,
        }
    }
    bytes.len()
}

/// Index just past the quote closing the quoted run at `i`; a doubled quote is an escape.
fn quoted_end(bytes: &[u8], i: usize, close: u8) -> usize {
    let mut j = i + 1;
    while j < bytes.len() {
        if bytes[j] == close {
            if bytes.get(j + 1) == Some(&close) && close != b']' {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j += 1;
    }
    bytes.len()
}

/// If a dollar quote (`$tag$`) opens at `i`, the index just past its closing tag.
fn dollar_quote_end(bytes: &[u8], i: usize) -> Option<usize> {
    let tag_len = bytes[i + 1..]
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80))?;
    let tag_end = i + 1 + tag_len;
    if bytes.get(tag_end) != Some(&b'$') {
        return None;
    }
    if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let tag = &bytes[i..=tag_end];
    let body = tag_end + 1;
    let close = bytes[body..]
        .windows(tag.len())
        .position(|w| w == tag)
        .map_or(bytes.len(), |p| body + p + tag.len());
    Some(close)
}

#[cfg(test)]
mod tests {
    use super::{split_statements, transaction_control};

    fn texts(sql: &str) -> Vec<&str> {
        split_statements(sql).into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn splits_on_semicolons_and_drops_comment_only_chunks() {
        let sql = "-- @generated by codegen\n-- do not edit\nCREATE TABLE a (x INT);\n\nCREATE INDEX i ON a (x);\n-- trailing\n";
        assert_eq!(
            texts(sql),
            ["CREATE TABLE a (x INT)", "CREATE INDEX i ON a (x)"]
        );
    }

    #[test]
    fn numbers_and_offsets_point_into_the_script() {
        let sql = "SELECT 1;\n  SELECT 2;";
        let statements = split_statements(sql);
        assert_eq!(statements[1].number, 2);
        assert_eq!(&sql[statements[1].offset..], "SELECT 2;");
    }

    #[test]
    fn semicolons_inside_strings_and_identifiers_do_not_split() {
        let sql =
            "INSERT INTO t VALUES ('a;b', 'it''s;');\nSELECT \"odd;name\", `x;y`, [p;q] FROM t;";
        assert_eq!(
            texts(sql),
            [
                "INSERT INTO t VALUES ('a;b', 'it''s;')",
                "SELECT \"odd;name\", `x;y`, [p;q] FROM t"
            ]
        );
    }

    #[test]
    fn semicolons_inside_comments_do_not_split() {
        let sql = "SELECT 1 -- no; split\n; /* also; /* nested; */ not */ SELECT 2;";
        assert_eq!(texts(sql), ["SELECT 1 -- no; split", "SELECT 2"]);
    }

    #[test]
    fn dollar_quotes_keep_function_bodies_whole() {
        let sql = "CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql;\nDO $$ BEGIN PERFORM 1; END $$;";
        assert_eq!(
            texts(sql),
            [
                "CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql",
                "DO $$ BEGIN PERFORM 1; END $$"
            ]
        );
    }

    #[test]
    fn positional_parameters_are_not_dollar_quotes() {
        assert_eq!(texts("SELECT $1; SELECT $2;"), ["SELECT $1", "SELECT $2"]);
    }

    #[test]
    fn last_statement_needs_no_semicolon_and_unterminated_runs_end_at_eof() {
        assert_eq!(texts("SELECT 1; SELECT 2"), ["SELECT 1", "SELECT 2"]);
        assert_eq!(texts("SELECT 'open; string"), ["SELECT 'open; string"]);
    }

    #[test]
    fn crlf_and_empty_statements() {
        assert_eq!(
            texts("SELECT 1;\r\n;\r\n  ;SELECT 2;\r\n"),
            ["SELECT 1", "SELECT 2"]
        );
        assert!(texts("-- only a comment\n/* and another */\n").is_empty());
    }

    #[test]
    fn trigger_and_compound_bodies_stay_whole() {
        let sql = "CREATE TRIGGER tr AFTER INSERT ON a BEGIN UPDATE b SET n = CASE WHEN 1 THEN 2 END; DELETE FROM c; END;\n\
                   CREATE TEMP TRIGGER t2 BEFORE DELETE ON a BEGIN SELECT 1; END;\n\
                   BEGIN ATOMIC IF 1 = 1 THEN INSERT INTO a VALUES (1); END IF; BEGIN SELECT 1; END; END;\n\
                   CREATE TRIGGER pg BEFORE INSERT ON a FOR EACH ROW EXECUTE FUNCTION f();\n\
                   CREATE TABLE begin_end (x INT);\nSELECT 2;";
        assert_eq!(
            texts(sql),
            [
                "CREATE TRIGGER tr AFTER INSERT ON a BEGIN UPDATE b SET n = CASE WHEN 1 THEN 2 END; DELETE FROM c; END",
                "CREATE TEMP TRIGGER t2 BEFORE DELETE ON a BEGIN SELECT 1; END",
                "BEGIN ATOMIC IF 1 = 1 THEN INSERT INTO a VALUES (1); END IF; BEGIN SELECT 1; END; END",
                "CREATE TRIGGER pg BEFORE INSERT ON a FOR EACH ROW EXECUTE FUNCTION f()",
                "CREATE TABLE begin_end (x INT)",
                "SELECT 2",
            ]
        );
    }

    /// The keyword and line of the first transaction-control statement, if any.
    fn control(sql: &str) -> Option<(String, usize)> {
        transaction_control(sql).map(|found| (found.statement.text.to_string(), found.line))
    }

    #[test]
    fn transaction_control_statements_are_found_with_their_line() {
        let cases = [
            "COMMIT",
            "commit work",
            "END",
            "end transaction",
            "ROLLBACK",
            "ABORT",
            "SAVEPOINT s",
            "RELEASE SAVEPOINT s",
            "release s",
            "BEGIN",
            "begin transaction",
            "BEGIN IMMEDIATE TRANSACTION",
            "BEGIN WORK",
            "BEGIN ISOLATION LEVEL SERIALIZABLE",
            "START TRANSACTION",
            "PREPARE TRANSACTION 'x'",
        ];
        for case in cases {
            let sql = format!("-- @generated\nCREATE TABLE a (x INT);\n\n{case};\nSELECT 1;");
            assert_eq!(control(&sql), Some((case.to_string(), 4)), "{case}");
        }
        let commented = "SELECT 1;\n-- why\n/* and */ COMMIT /* here */;";
        assert_eq!(
            control(commented),
            Some(("COMMIT /* here */".to_string(), 3))
        );
    }

    #[test]
    fn transaction_words_in_strings_comments_and_bodies_are_allowed() {
        let sql = "-- COMMIT;\n/* ROLLBACK; */\nINSERT INTO t VALUES ('COMMIT;');\n\
                   SELECT \"commit\" FROM \"end\";\n\
                   CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql;\n\
                   CREATE FUNCTION g() RETURNS int AS $body$ BEGIN COMMIT; END; $body$ LANGUAGE plpgsql;\n\
                   DO $$ BEGIN PERFORM 1; END $$;\n\
                   CREATE TRIGGER tr AFTER INSERT ON a BEGIN DELETE FROM c; END;\n\
                   BEGIN ATOMIC INSERT INTO a VALUES (1); END;\n\
                   CREATE TABLE savepoints (id INT, commit_id INT);\n\
                   START WITH 1;";
        assert_eq!(control(sql), None);
    }
}
