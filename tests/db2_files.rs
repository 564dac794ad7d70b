//! The generated Db2 files checked statically against the Db2 rules generators get wrong: an
//! oracle independent of any engine, so it always runs. (The files on a real Db2 are the Db2
//! engine of `roundtrip.rs`.)

#[path = "evolution_edits.rs"]
mod evolution_edits;

use migrate::split::split_statements;
use migration_layout::Direction;
use schema_dsl::{Dialect, Schema};
use schema_sql::backend::backend;
use spine_tests::generated;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Db2's longest identifier, in bytes of UTF-8.
const MAX_IDENTIFIER_BYTES: usize = 128;

/// A column as a generated `CREATE TABLE` writes it.
#[derive(Debug)]
struct Column {
    /// The type, e.g. `VARCHAR(50)`, `CLOB(1M)`.
    ty: String,
    /// Everything after the type, upper case.
    clauses: String,
}

/// What the generated statements (and the declarations) say, keyed by (table, column).
#[derive(Debug, Default)]
struct Facts {
    columns: BTreeMap<(String, String), Column>,
    /// Columns of a PRIMARY KEY or UNIQUE constraint.
    keys: BTreeSet<(String, String)>,
    /// Columns of a foreign key (either side).
    indexed: BTreeSet<(String, String)>,
    /// Each index's table and columns, by index name.
    indexes: BTreeMap<String, (String, Vec<String>)>,
    /// Tables a statement left reorg-pending (`DROP COLUMN`, `SET DATA TYPE` other than a
    /// longer VARCHAR, `SET` / `DROP NOT NULL`), waiting for their REORG in the same file,
    /// with the statement's kind.
    reorg_pending: BTreeMap<String, &'static str>,
    /// Columns whose type a `SET DATA TYPE` changed since their table's last REORG in the file.
    retyped: BTreeSet<(String, String)>,
    /// Named constraints (foreign keys, CHECKs), by (table, name).
    constraints: BTreeSet<(String, String)>,
}

/// Items of a list, split at commas outside parentheses.
fn top_level_items(list: &str) -> Vec<&str> {
    let (mut items, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in list.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                items.push(list[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(list[start..].trim());
    items
}

/// The names in the first `( … )` of `text`, upper case as Db2 folds them.
fn name_list(text: &str) -> Vec<String> {
    let open = text.find('(').expect("a name list");
    let close = open + text[open..].find(')').expect("a closed name list");
    top_level_items(&text[open + 1..close])
        .into_iter()
        .map(str::to_ascii_uppercase)
        .collect()
}

/// The words of a statement outside string literals, upper case.
fn words(statement: &str) -> Vec<String> {
    statement
        .split('\'')
        .step_by(2)
        .flat_map(|part| part.split(|c: char| !(c.is_alphanumeric() || "_$#@".contains(c))))
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_uppercase)
        .collect()
}

/// The part of `text` after its first `n` whitespace-separated words.
fn after_words(text: &str, n: usize) -> &str {
    let mut rest = text.trim_start();
    for _ in 0..n {
        rest = rest
            .trim_start()
            .split_once(char::is_whitespace)
            .map_or("", |(_, tail)| tail);
    }
    rest.trim()
}

impl Facts {
    /// Reads columns, keys and indexes from the generated statements; records each rule the
    /// text breaks on its own (`IF [NOT] EXISTS`, identifier length).
    fn read(&mut self, files: &[(&Path, &str)], problems: &mut Vec<String>) {
        for (path, sql) in files {
            let file = path.display();
            for statement in split_statements(sql) {
                let text = statement.text;
                let words = words(text);
                let is_reorg = text
                    .to_ascii_uppercase()
                    .starts_with("CALL SYSPROC.ADMIN_CMD('REORG TABLE ");
                if !is_reorg {
                    for (table, kind) in &self.reorg_pending {
                        if words.contains(table) {
                            problems.push(format!(
                                "{file}: `{}` touches {table}, reorg-pending since its {kind} (SQL0668N): REORG it first",
                                text.lines().next().unwrap_or_default()
                            ));
                        }
                    }
                }
                let if_exists =
                    |w: &[String]| w.starts_with(&["IF".into()]) && w.ends_with(&["EXISTS".into()]);
                if words.windows(2).any(if_exists) || words.windows(3).any(if_exists) {
                    problems.push(format!("{file}: IF [NOT] EXISTS in `{text}`"));
                }
                for word in words.iter().filter(|w| w.len() > MAX_IDENTIFIER_BYTES) {
                    problems.push(format!(
                        "{file}: identifier {word} is {} bytes, over {MAX_IDENTIFIER_BYTES}",
                        word.len()
                    ));
                }
                if words.starts_with(&["CREATE".into(), "TABLE".into()]) {
                    let open = text.find('(').expect("a table body");
                    let close = text.rfind(')').expect("a closed table body");
                    let name = self::words(&text[..open]).pop().expect("a table name");
                    for item in top_level_items(&text[open + 1..close]) {
                        self.read_table_item(&name, item, &file.to_string(), problems);
                    }
                } else if words.first().is_some_and(|w| w == "CREATE")
                    && words.iter().any(|w| w == "INDEX")
                {
                    let on = words
                        .iter()
                        .position(|w| w == "ON")
                        .expect("CREATE INDEX … ON");
                    let after_on = &text[text.to_ascii_uppercase().find(" ON ").expect("ON")..];
                    self.indexes.insert(
                        words[on - 1].clone(),
                        (words[on + 1].clone(), name_list(after_on)),
                    );
                } else {
                    self.read_change(&words, text, &file.to_string(), problems);
                }
            }
            for (table, kind) in std::mem::take(&mut self.reorg_pending) {
                problems.push(format!(
                    "{file}: {kind} leaves {table} reorg-pending (SQL0668N) without a REORG"
                ));
            }
            self.retyped.clear();
        }
    }

    /// A statement that changes what earlier ones created: ALTER TABLE (ADD / DROP / RENAME
    /// COLUMN), RENAME TABLE, DROP TABLE / INDEX, and the REORG a DROP COLUMN needs.
    fn read_change(
        &mut self,
        words: &[String],
        text: &str,
        file: &str,
        problems: &mut Vec<String>,
    ) {
        let is = |at: usize, expected: &[&str]| {
            expected
                .iter()
                .enumerate()
                .all(|(i, w)| words.get(at + i).is_some_and(|word| word == w))
        };
        if is(0, &["ALTER", "TABLE"]) && words.len() > 4 {
            let table = words[2].clone();
            if is(3, &["ADD", "COLUMN"]) {
                self.read_table_item(&table, after_words(text, 5), file, problems);
            } else if is(3, &["DROP", "COLUMN"]) {
                let column = words[5].clone();
                self.forget_column(&table, &column);
                self.reorg_pending.insert(table, "DROP COLUMN");
            } else if is(3, &["RENAME", "COLUMN"]) && words.len() > 7 {
                self.rename_column(&table, &words[5], &words[7]);
            } else if is(3, &["ALTER", "COLUMN"]) && words.len() > 7 {
                self.alter_column(&table, &words[5], &words[6..], text, file, problems);
            } else if is(3, &["ADD", "CONSTRAINT"]) {
                let name = words[5].clone();
                if self.constraints.contains(&(table.clone(), name.clone())) {
                    problems.push(format!(
                        "{file}: constraint {name} of {table} already exists (SQL0601N)"
                    ));
                }
                self.read_table_item(&table, after_words(text, 4), file, problems);
            } else if is(3, &["DROP", "CONSTRAINT"])
                || is(3, &["DROP", "FOREIGN", "KEY"])
                || is(3, &["DROP", "CHECK"])
            {
                // Of a table whose creation was read (a down file is read on its own).
                let name = words.last().expect("a constraint name").clone();
                let known = self.columns.keys().any(|(t, _)| *t == table);
                if !self.constraints.remove(&(table.clone(), name.clone())) && known {
                    problems.push(format!(
                        "{file}: {table} has no constraint {name} to drop (SQL0204N)"
                    ));
                }
            } else if is(3, &["ADD", "CHECK"]) {
            } else {
                problems.push(format!(
                    "{file}: statement the checker does not know: `{text}`"
                ));
            }
        } else if is(0, &["RENAME", "TABLE"]) && words.len() > 4 {
            self.rename_table(&words[2], &words[4]);
        } else if is(0, &["DROP", "TABLE"]) {
            let table = words[2].clone();
            self.columns.retain(|(t, _), _| *t != table);
            self.keys.retain(|(t, _)| *t != table);
            self.indexed.retain(|(t, _)| *t != table);
            self.indexes.retain(|_, (t, _)| *t != table);
            self.constraints.retain(|(t, _)| *t != table);
        } else if is(0, &["DROP", "INDEX"]) {
            self.indexes.remove(&words[2]);
        } else if let Some(rest) = text
            .to_ascii_uppercase()
            .strip_prefix("CALL SYSPROC.ADMIN_CMD('REORG TABLE ")
        {
            let table: String = rest.chars().take_while(|c| *c != '\'').collect();
            let table = table.trim();
            self.reorg_pending.remove(table);
            self.retyped.retain(|(t, _)| t != table);
        } else if !(is(0, &["UPDATE"]) || is(0, &["INSERT"]) || is(0, &["BEGIN", "ATOMIC"])) {
            problems.push(format!(
                "{file}: statement the checker does not know: `{text}`"
            ));
        }
    }

    /// `ALTER TABLE table ALTER COLUMN column <change>`: SET DATA TYPE (a longer VARCHAR
    /// in place, anything else reorg-pending; one per column between REORGs), SET / DROP
    /// NOT NULL (reorg-pending), SET / DROP DEFAULT.
    fn alter_column(
        &mut self,
        table: &str,
        column: &str,
        change: &[String],
        text: &str,
        file: &str,
        problems: &mut Vec<String>,
    ) {
        let at = (table.to_string(), column.to_string());
        let starts = |expected: &[&str]| {
            change.len() >= expected.len() && expected.iter().zip(change).all(|(e, w)| e == w)
        };
        if starts(&["SET", "DATA", "TYPE"]) {
            let upper = text.to_ascii_uppercase();
            let ty = upper
                .split_once("SET DATA TYPE")
                .map_or("", |(_, ty)| ty.trim().trim_end_matches(';').trim())
                .to_string();
            if !self.retyped.insert(at.clone()) {
                problems.push(format!(
                    "{file}: {table}.{column}: a second SET DATA TYPE before a REORG of {table} (a column's type changes once per REORG)"
                ));
            }
            let varchar_length = |ty: &str| {
                ty.strip_prefix("VARCHAR(")
                    .and_then(|rest| rest.strip_suffix(')'))
                    .and_then(|n| n.parse::<u32>().ok())
            };
            let known = self.columns.get(&at).map(|c| c.ty.clone());
            let longer_varchar = match (
                known.as_deref().and_then(varchar_length),
                varchar_length(&ty),
            ) {
                (Some(old), Some(new)) => new > old,
                // A column the file never created (a down file read alone): cannot tell.
                (None, Some(_)) => known.is_none(),
                (_, None) => false,
            };
            if !longer_varchar {
                self.reorg_pending
                    .insert(table.to_string(), "SET DATA TYPE");
            }
            if let Some(column) = self.columns.get_mut(&at) {
                column.ty = ty;
            }
        } else if starts(&["SET", "NOT", "NULL"]) || starts(&["DROP", "NOT", "NULL"]) {
            let set = change[0] == "SET";
            if let Some(column) = self.columns.get_mut(&at) {
                let clauses = column.clauses.replace("NOT NULL", "");
                column.clauses = if set {
                    format!("{} NOT NULL", clauses.trim())
                } else {
                    clauses.trim().to_string()
                };
            }
            let kind = if set { "SET NOT NULL" } else { "DROP NOT NULL" };
            self.reorg_pending.insert(table.to_string(), kind);
        } else if !(starts(&["SET", "DEFAULT"]) || starts(&["DROP", "DEFAULT"])) {
            problems.push(format!(
                "{file}: statement the checker does not know: `{text}`"
            ));
        }
    }

    fn forget_column(&mut self, table: &str, column: &str) {
        let at = (table.to_string(), column.to_string());
        self.columns.remove(&at);
        self.keys.remove(&at);
        self.indexed.remove(&at);
    }

    fn rename_column(&mut self, table: &str, from: &str, to: &str) {
        let (old, new) = (
            (table.to_string(), from.to_string()),
            (table.to_string(), to.to_string()),
        );
        if let Some(column) = self.columns.remove(&old) {
            self.columns.insert(new.clone(), column);
        }
        for set in [&mut self.keys, &mut self.indexed] {
            if set.remove(&old) {
                set.insert(new.clone());
            }
        }
        for (owner, columns) in self.indexes.values_mut() {
            if owner == table {
                columns
                    .iter_mut()
                    .filter(|c| *c == from)
                    .for_each(|c| *c = to.to_string());
            }
        }
    }

    fn rename_table(&mut self, from: &str, to: &str) {
        let rename = |(t, c): (String, String)| (if t == from { to.to_string() } else { t }, c);
        self.columns = std::mem::take(&mut self.columns)
            .into_iter()
            .map(|(at, column)| (rename(at), column))
            .collect();
        self.keys = std::mem::take(&mut self.keys)
            .into_iter()
            .map(rename)
            .collect();
        self.indexed = std::mem::take(&mut self.indexed)
            .into_iter()
            .map(rename)
            .collect();
        self.constraints = std::mem::take(&mut self.constraints)
            .into_iter()
            .map(rename)
            .collect();
        for (owner, _) in self.indexes.values_mut() {
            if owner == from {
                *owner = to.to_string();
            }
        }
    }

    /// One column or constraint of `table`'s CREATE TABLE (or of an ALTER TABLE … ADD): a
    /// foreign key may only take NO ACTION or RESTRICT on update.
    fn read_table_item(&mut self, table: &str, item: &str, file: &str, problems: &mut Vec<String>) {
        let upper = item.to_ascii_uppercase();
        let constraint = if upper.starts_with("CONSTRAINT") {
            let name = upper.split_whitespace().nth(1).expect("a constraint name");
            self.constraints
                .insert((table.to_string(), name.to_string()));
            after_words(&upper, 2)
        } else {
            upper.as_str()
        };
        let first = constraint.split_whitespace().next().unwrap_or_default();
        let at = |column: String| (table.to_string(), column);
        match first {
            "PRIMARY" | "UNIQUE" => self.keys.extend(name_list(constraint).into_iter().map(at)),
            "FOREIGN" => {
                let (own, references) = constraint
                    .split_once("REFERENCES")
                    .expect("FOREIGN KEY … REFERENCES");
                if let Some((_, action)) = references.split_once("ON UPDATE ")
                    && !(action.starts_with("NO ACTION") || action.starts_with("RESTRICT"))
                {
                    problems.push(format!(
                        "{file}: {table}: ON UPDATE takes only NO ACTION or RESTRICT in Db2: `{item}`"
                    ));
                }
                self.indexed.extend(name_list(own).into_iter().map(at));
                let ref_table = references.split(['(', ' ']).find(|w| !w.is_empty());
                let ref_table = ref_table.expect("a referenced table").to_string();
                for column in name_list(references) {
                    self.indexed.insert((ref_table.clone(), column));
                }
            }
            "CHECK" => {}
            _ => {
                let name = first.to_string();
                let rest = after_words(&upper, 1);
                let mut depth = 0;
                let end = rest
                    .char_indices()
                    .find(|&(_, c)| {
                        depth += i32::from(c == '(') - i32::from(c == ')');
                        c.is_whitespace() && depth == 0
                    })
                    .map_or(rest.len(), |(i, _)| i);
                let column = Column {
                    ty: rest[..end].to_string(),
                    clauses: rest[end..].trim().to_string(),
                };
                if column.clauses.contains("PRIMARY KEY") || column.clauses.contains("UNIQUE") {
                    self.keys.insert(at(name.clone()));
                }
                self.columns.insert(at(name), column);
            }
        }
    }

    /// Adds what the declarations say is a key or indexed, and checks their names' length and
    /// that every declared column was found in the text.
    fn declare(&mut self, schema: &Schema, problems: &mut Vec<String>) {
        let db2 = backend(Dialect::Db2);
        let id = |name: &str| db2.identifier(name);
        for table in schema.final_state(Some(Dialect::Db2)).tables() {
            let t = id(&table.name);
            let at = |column: &String| (t.clone(), id(column));
            let names = std::iter::once(&table.name)
                .chain(table.columns.iter().map(|c| &c.name))
                .chain(table.indexes.iter().map(|i| &i.name))
                .chain(table.foreign_keys.iter().map(|f| &f.name));
            for name in names.map(|n| id(n)) {
                if name.len() > MAX_IDENTIFIER_BYTES {
                    problems.push(format!("table {t}: name {name} is {} bytes", name.len()));
                }
            }
            for column in &table.columns {
                if !self.columns.contains_key(&at(&column.name)) {
                    problems.push(format!(
                        "column {t}.{} is declared but not in the generated DDL",
                        id(&column.name)
                    ));
                }
                if column.primary_key || column.unique {
                    self.keys.insert(at(&column.name));
                }
            }
            let built = table
                .indexes
                .iter()
                .filter(|i| db2.capabilities().supports_index_method(i.method));
            for index in built {
                self.indexed.extend(index.columns.iter().map(at));
                if !self.indexes.contains_key(&id(&index.name)) {
                    problems.push(format!(
                        "index {} of {t} is declared but not in the generated DDL",
                        id(&index.name)
                    ));
                }
            }
            for fk in &table.foreign_keys {
                self.indexed.extend(fk.columns.iter().map(at));
                let target = id(&fk.ref_table);
                self.indexed
                    .extend(fk.ref_columns.iter().map(|c| (target.clone(), id(c))));
            }
        }
    }

    /// The Db2 rules on types and keys.
    fn check(&self, problems: &mut Vec<String>) {
        for ((table, name), column) in &self.columns {
            let base = column.ty.split('(').next().unwrap_or_default();
            if ["TEXT", "BOOLEAN", "JSONB", "JSON"].contains(&base) {
                problems.push(format!(
                    "{table}.{name}: type {} does not exist in Db2",
                    column.ty
                ));
            }
        }
        let in_indexes: BTreeSet<(String, String)> = self
            .indexes
            .values()
            .flat_map(|(table, columns)| columns.iter().map(|c| (table.clone(), c.clone())))
            .collect();
        for (table, name) in self.keys.union(&self.indexed).chain(&in_indexes) {
            let Some(column) = self.columns.get(&(table.clone(), name.clone())) else {
                problems.push(format!(
                    "{table}.{name}: a key or index names an unknown column"
                ));
                continue;
            };
            let base = column.ty.split('(').next().unwrap_or_default();
            if ["CLOB", "BLOB", "DBCLOB"].contains(&base) {
                problems.push(format!(
                    "{table}.{name}: a {} column cannot be in an index or key (SQL0350N)",
                    column.ty
                ));
            }
        }
        for (table, name) in &self.keys {
            if let Some(column) = self.columns.get(&(table.clone(), name.clone()))
                && !column.clauses.contains("NOT NULL")
            {
                problems.push(format!(
                    "{table}.{name}: a PRIMARY KEY or UNIQUE column must be NOT NULL (SQL0542N)"
                ));
            }
        }
    }
}

/// Every Db2 rule `files` break, given the declarations in `schema`.
fn db2_problems(files: &[(&Path, &str)], schema: &Schema) -> Vec<String> {
    let mut problems = Vec::new();
    let mut facts = Facts::default();
    facts.read(files, &mut problems);
    facts.declare(schema, &mut problems);
    facts.check(&mut problems);
    problems
}

#[test]
fn generated_db2_files_keep_db2s_rules() {
    let ups = generated::files(Dialect::Db2, Direction::Up);
    let downs = generated::files(Dialect::Db2, Direction::Down);
    assert_eq!(
        ups.len() + downs.len(),
        16,
        "an up and a down file per seed table"
    );
    let problems = db2_problems(&texts(&ups), &schema_defs::schema());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let mut problems = Vec::new();
    Facts::default().read(&texts(&downs), &mut problems);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Each file's path and SQL.
fn texts(files: &[generated::GeneratedFile]) -> Vec<(&Path, &str)> {
    files
        .iter()
        .map(|file| (file.path.as_path(), file.sql.as_str()))
        .collect()
}

/// The Db2 files of the evolution sequence (every step kind after the released migrations),
/// read in release order, keep the same rules, and every DROP COLUMN is followed by its REORG.
#[test]
fn evolved_db2_files_keep_db2s_rules() {
    let schema = evolution_edits::schema_at(evolution_edits::edits().len());
    let generated = schema_sql::generate(&schema, &[Dialect::Db2]).expect("the sequence renders");
    let ups: Vec<(&Path, &str)> = schema
        .migrations_for(Dialect::Db2)
        .filter_map(|migration| {
            let path = format!("db2/{}.up.sql", migration.id);
            generated
                .files
                .iter()
                .find(|file| file.path == Path::new(&path))
        })
        .map(|file| (file.path.as_path(), file.contents.as_str()))
        .collect();
    assert_eq!(ups.len(), schema.migrations_for(Dialect::Db2).count());
    let problems = db2_problems(&ups, &schema);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let downs: Vec<(&Path, &str)> = generated
        .files
        .iter()
        .filter(|file| file.path.to_string_lossy().ends_with(".down.sql"))
        .map(|file| (file.path.as_path(), file.contents.as_str()))
        .collect();
    let mut facts = Facts::default();
    let mut problems = Vec::new();
    facts.read(&downs, &mut problems);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_db2_checks_catch_each_rule() {
    let long = "C".repeat(MAX_IDENTIFIER_BYTES + 1);
    let bad = format!(
        "CREATE TABLE IF NOT EXISTS T (\n    A CLOB(1M) PRIMARY KEY,\n    B TEXT UNIQUE,\n    \
         C BOOLEAN,\n    D JSONB,\n    X INTEGER,\n    {long} INTEGER\n);\nCREATE INDEX I ON T (E);\nDROP TABLE IF EXISTS T;\n"
    );
    let reorg = "CALL SYSPROC.ADMIN_CMD('REORG TABLE T');";
    let touched = format!(
        "ALTER TABLE T ALTER COLUMN X SET NOT NULL;\nUPDATE T SET X = 1;\n{reorg}\n\
         ALTER TABLE T ALTER COLUMN X DROP NOT NULL;\n\
         BEGIN ATOMIC\n    SIGNAL SQLSTATE '75001' SET MESSAGE_TEXT = (SELECT 'x' FROM T);\nEND;\n{reorg}\n"
    );
    let retyped = "CREATE TABLE T (\n    X INTEGER,\n    V VARCHAR(10)\n);\n\
         ALTER TABLE T ALTER COLUMN V SET DATA TYPE VARCHAR(20);\n\
         ALTER TABLE T ALTER COLUMN V SET DATA TYPE VARCHAR(30);\n\
         ALTER TABLE T ALTER COLUMN X SET DATA TYPE BIGINT;\n";
    let files = [
        (Path::new("bad.sql"), bad.as_str()),
        (Path::new("alter.sql"), "ALTER TABLE T DROP COLUMN X;\n"),
        (Path::new("touched.sql"), touched.as_str()),
        (Path::new("retyped.sql"), retyped),
        (
            Path::new("shorter.sql"),
            "CREATE TABLE S (\n    V VARCHAR(10)\n);\nALTER TABLE S ALTER COLUMN V SET DATA TYPE VARCHAR(5);\n",
        ),
        (
            Path::new("nullable.sql"),
            "ALTER TABLE N ALTER COLUMN X DROP NOT NULL;\nALTER TABLE N ALTER COLUMN X SET DEFAULT 1;\n",
        ),
        (
            Path::new("constraints.sql"),
            "CREATE TABLE T (X INTEGER NOT NULL);\n\
             ALTER TABLE T ADD CONSTRAINT FK_T FOREIGN KEY (X) REFERENCES U (Y) ON UPDATE CASCADE;\n\
             ALTER TABLE T ADD CONSTRAINT FK_T CHECK (X > 0);\n\
             ALTER TABLE T DROP CONSTRAINT CK_NONE;\n",
        ),
    ];
    let problems = db2_problems(&files, &Schema::default());
    let expected = [
        "alter.sql: DROP COLUMN leaves T reorg-pending (SQL0668N) without a REORG",
        "touched.sql: `UPDATE T SET X = 1` touches T, reorg-pending since its SET NOT NULL (SQL0668N): REORG it first",
        "touched.sql: `BEGIN ATOMIC` touches T, reorg-pending since its DROP NOT NULL (SQL0668N): REORG it first",
        "retyped.sql: T.V: a second SET DATA TYPE before a REORG of T",
        "retyped.sql: SET DATA TYPE leaves T reorg-pending (SQL0668N) without a REORG",
        "shorter.sql: SET DATA TYPE leaves S reorg-pending (SQL0668N) without a REORG",
        "nullable.sql: `ALTER TABLE N ALTER COLUMN X SET DEFAULT 1` touches N, reorg-pending since its DROP NOT NULL",
        "nullable.sql: DROP NOT NULL leaves N reorg-pending (SQL0668N) without a REORG",
        "bad.sql: IF [NOT] EXISTS in `CREATE TABLE",
        "bad.sql: IF [NOT] EXISTS in `DROP TABLE",
        &format!("identifier {long} is 129 bytes"),
        "T.B: type TEXT",
        "T.C: type BOOLEAN",
        "T.D: type JSONB",
        "T.A: a CLOB(1M) column cannot be in an index or key",
        "T.E: a key or index names an unknown column",
        "T.A: a PRIMARY KEY or UNIQUE column must be NOT NULL",
        "T.B: a PRIMARY KEY or UNIQUE column must be NOT NULL",
        "constraints.sql: T: ON UPDATE takes only NO ACTION or RESTRICT in Db2",
        "constraints.sql: constraint FK_T of T already exists (SQL0601N)",
        "constraints.sql: T has no constraint CK_NONE to drop (SQL0204N)",
        "U.Y: a key or index names an unknown column",
    ];
    for want in expected {
        assert!(
            problems.iter().any(|p| p.contains(want)),
            "no problem mentions `{want}`: {problems:#?}"
        );
    }
    assert_eq!(problems.len(), expected.len(), "{problems:#?}");
}
