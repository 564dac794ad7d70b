//! A live schema read from its catalog, over any driver that returns rows as text: SQLite's
//! PRAGMAs, PostgreSQL's `pg_catalog` (the connection's current schema), Db2's `SYSCAT` (its
//! CURRENT SCHEMA). A fixed number of queries whatever the number of tables (three on SQLite,
//! four on PostgreSQL, seven on Db2), optionally limited to some tables
//! ([`Scope::Only`], what `up` checks after each migration).
//!
//! Every spelling is the engine's: types (`format_type`, `SYSCAT.COLUMNS`, the declared
//! SQLite type), defaults, referential actions (as SQL spells them), index methods (lower
//! case; Db2's `REG` and SQLite's indexes are `btree`). Indexes that back a constraint are
//! the constraint, not an index; partitions are listed under their table, never as tables.

use crate::{ColumnShape, ForeignKeyShape, IndexShape, SchemaShape, TableShape};
use migration_layout::{Dialect, sql_string_literal};
use std::collections::BTreeMap;

/// Rows of a query, each cell as text (`None` for NULL), as every driver can give them.
pub type Rows = Vec<Vec<Option<String>>>;

/// Which tables to read.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Every table of the current schema.
    All,
    /// Only these tables (names as the engine spells them; absent ones are left out).
    Only(&'a [String]),
}

impl Scope<'_> {
    /// `AND <column> IN ('a', 'b')`, or nothing for every table. An empty list selects none.
    fn filter(self, column: &str) -> String {
        match self {
            Scope::All => String::new(),
            Scope::Only([]) => " AND 1 = 0".to_string(),
            Scope::Only(names) => format!(
                " AND {column} IN ({})",
                names
                    .iter()
                    .map(|n| sql_string_literal(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// The shape of the tables in `scope` of a `dialect` database, each query run by `query`.
pub fn read<E>(
    dialect: Dialect,
    scope: Scope<'_>,
    query: &mut dyn FnMut(&str) -> Result<Rows, E>,
) -> Result<SchemaShape, E> {
    let mut schema = match dialect {
        Dialect::Sqlite => sqlite(scope, query)?,
        Dialect::Postgres => postgres(scope, query)?,
        Dialect::Db2 => db2(scope, query)?,
    };
    schema.sort();
    Ok(schema)
}

/// Which of `names` (tables, indexes or partitions, as the engine spells them) already exist
/// in the current schema: one query. `up` asks it before a migration runs: objects that did
/// not exist are created by the migration's own (checksummed) SQL, so only a migration that
/// meets existing objects needs its shapes compared.
pub fn existing<E>(
    dialect: Dialect,
    names: &[String],
    query: &mut dyn FnMut(&str) -> Result<Rows, E>,
) -> Result<Vec<String>, E> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let sql = match dialect {
        Dialect::Sqlite => format!(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'index'){}",
            Scope::Only(names).filter("name")
        ),
        Dialect::Postgres => format!(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema(){}",
            Scope::Only(names).filter("c.relname")
        ),
        Dialect::Db2 => format!(
            "SELECT TABNAME FROM SYSCAT.TABLES WHERE TABSCHEMA = CURRENT SCHEMA{} \
             UNION ALL SELECT INDNAME FROM SYSCAT.INDEXES WHERE INDSCHEMA = CURRENT SCHEMA{}",
            Scope::Only(names).filter("TABNAME"),
            Scope::Only(names).filter("INDNAME")
        ),
    };
    Ok(query(&sql)?.iter().map(|row| cell(row, 0)).collect())
}

/// Cell `i` of `row` without trailing blanks (Db2 pads CHAR columns); `None` when NULL or
/// absent.
fn optional(row: &[Option<String>], i: usize) -> Option<String> {
    row.get(i)
        .and_then(Option::as_deref)
        .map(|text| text.trim_end().to_string())
}

/// [`optional`], empty when NULL or absent.
fn cell(row: &[Option<String>], i: usize) -> String {
    optional(row, i).unwrap_or_default()
}

/// Cell `i` of `row` as a flag: `1`, `t`, `true`, `Y` (as drivers print a boolean or an
/// integer flag).
fn flag(row: &[Option<String>], i: usize) -> bool {
    matches!(cell(row, i).as_str(), "1" | "t" | "true" | "TRUE" | "Y")
}

/// A comma-separated list cell (`string_agg` of names).
fn names(row: &[Option<String>], i: usize) -> Vec<String> {
    let text = cell(row, i);
    if text.is_empty() {
        Vec::new()
    } else {
        text.split(',').map(str::to_string).collect()
    }
}

/// A referential action as SQL spells it, from PostgreSQL's or Db2's one-letter code, or as
/// SQLite prints it.
fn action(code: &str) -> String {
    match code {
        "a" | "A" => "NO ACTION",
        "r" | "R" => "RESTRICT",
        "c" | "C" => "CASCADE",
        "n" | "N" => "SET NULL",
        "d" | "D" => "SET DEFAULT",
        other => other,
    }
    .to_string()
}

/// SQLite: `table_info`, `index_list` with `index_info`, `foreign_key_list`. A UNIQUE
/// constraint is the automatic index SQLite builds for it (origin `u`); the primary key's is
/// not listed. SQLite keeps no foreign key names, and no PRAGMA lists CHECKs: the named ones
/// are read from the `CREATE TABLE` text SQLite keeps ([`named_checks`]).
fn sqlite<E>(
    scope: Scope<'_>,
    query: &mut dyn FnMut(&str) -> Result<Rows, E>,
) -> Result<SchemaShape, E> {
    let filter = scope.filter("m.name");
    let mut tables: BTreeMap<String, TableShape> = BTreeMap::new();
    let mut keys: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
    for row in query(&format!(
        "SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk \
         FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'{filter} \
         ORDER BY m.name, p.cid"
    ))? {
        let table = cell(&row, 0);
        let position: i64 = cell(&row, 5).parse().unwrap_or(0);
        if position > 0 {
            keys.entry(table.clone())
                .or_default()
                .push((position, cell(&row, 1)));
        }
        tables.entry(table).or_default().columns.push(ColumnShape {
            name: cell(&row, 1),
            data_type: cell(&row, 2),
            not_null: flag(&row, 3),
            default: optional(&row, 4),
        });
    }
    for (table, mut columns) in keys {
        columns.sort();
        if let Some(shape) = tables.get_mut(&table) {
            shape.primary_key = columns.into_iter().map(|(_, c)| c).collect();
        }
    }
    let mut indexes: BTreeMap<(String, String), (String, bool, Vec<String>)> = BTreeMap::new();
    for row in query(&format!(
        "SELECT m.name, l.name, l.\"unique\", l.origin, i.name \
         FROM sqlite_master m JOIN pragma_index_list(m.name) l JOIN pragma_index_info(l.name) i \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'{filter} \
         ORDER BY m.name, l.name, i.seqno"
    ))? {
        indexes
            .entry((cell(&row, 0), cell(&row, 1)))
            .or_insert_with(|| (cell(&row, 3), flag(&row, 2), Vec::new()))
            .2
            .push(cell(&row, 4));
    }
    for ((table, name), (origin, unique, columns)) in indexes {
        let Some(shape) = tables.get_mut(&table) else {
            continue;
        };
        match origin.as_str() {
            "u" => shape.unique.push(columns),
            "pk" => {}
            _ => shape.indexes.push(IndexShape {
                name,
                columns,
                unique,
                method: "btree".to_string(),
            }),
        }
    }
    let mut foreign_keys: BTreeMap<(String, String), ForeignKeyShape> = BTreeMap::new();
    for row in query(&format!(
        "SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\", f.on_delete, f.on_update \
         FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'{filter} \
         ORDER BY m.name, f.id, f.seq"
    ))? {
        let fk = foreign_keys
            .entry((cell(&row, 0), cell(&row, 1)))
            .or_insert_with(|| ForeignKeyShape {
                name: None,
                columns: Vec::new(),
                ref_table: cell(&row, 2),
                ref_columns: Vec::new(),
                on_delete: action(&cell(&row, 5)),
                on_update: action(&cell(&row, 6)),
            });
        fk.columns.push(cell(&row, 3));
        fk.ref_columns.push(cell(&row, 4));
    }
    for ((table, _), fk) in foreign_keys {
        if let Some(shape) = tables.get_mut(&table) {
            shape.foreign_keys.push(fk);
        }
    }
    for row in query(&format!(
        "SELECT m.name, m.sql FROM sqlite_master m \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'{filter}"
    ))? {
        if let Some(shape) = tables.get_mut(&cell(&row, 0)) {
            shape.checks.extend(named_checks(&cell(&row, 1)));
        }
    }
    Ok(SchemaShape { tables })
}

/// The conditions of the named CHECK constraints (`CONSTRAINT <name> CHECK (<condition>)`) of a
/// `CREATE TABLE` statement, as written; an unnamed CHECK is left out, as Db2's generated ones
/// are. Words are matched outside string literals and quoted names only.
pub fn named_checks(create: &str) -> Vec<String> {
    let bytes = create.as_bytes();
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut checks = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            quote @ (b'\'' | b'"' | b'`') => i = closing_quote(bytes, i, quote),
            b'[' => i = closing_quote(bytes, i, b']'),
            b'(' => {
                let end = closing_paren(bytes, i);
                let named = match words.as_slice() {
                    [.., constraint, _, check] => {
                        create[constraint.0..constraint.1].eq_ignore_ascii_case("CONSTRAINT")
                            && create[check.0..check.1].eq_ignore_ascii_case("CHECK")
                    }
                    _ => false,
                };
                if named {
                    checks.push(create[i + 1..end.saturating_sub(1)].trim().to_string());
                    words.clear();
                    i = end;
                } else {
                    words.clear();
                    i += 1;
                }
            }
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                words.push((start, i));
            }
            b',' | b')' => {
                words.clear();
                i += 1;
            }
            _ => i += 1,
        }
    }
    checks
}

/// The position after the quote closing the one at `open` (a doubled quote escapes it).
fn closing_quote(bytes: &[u8], open: usize, close: u8) -> usize {
    let mut i = open + 1;
    while i < bytes.len() {
        if bytes[i] == close {
            if bytes.get(i + 1) == Some(&close) && close != b']' {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

/// The position after the parenthesis closing the one at `open`, strings skipped.
fn closing_paren(bytes: &[u8], open: usize) -> usize {
    let mut depth = 0;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            quote @ (b'\'' | b'"' | b'`') => {
                i = closing_quote(bytes, i, quote);
                continue;
            }
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// The tables of the current schema that are no partitions, as a join condition on `c`.
const PG_TABLES: &str = "JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition";

/// `string_agg` of the names of the attributes numbered `keys` (an int2 array) of `relation`.
fn pg_attribute_names(keys: &str, relation: &str) -> String {
    format!(
        "(SELECT string_agg(a.attname::text, ',' ORDER BY o.n) \
         FROM unnest({keys}) WITH ORDINALITY o(num, n) \
         JOIN pg_attribute a ON a.attrelid = {relation} AND a.attnum = o.num)"
    )
}

/// PostgreSQL: types by `format_type`, defaults by `pg_get_expr`, keys and CHECKs from
/// `pg_constraint` (those a partition inherits are its parent's), secondary indexes from
/// `pg_index`, partitioning from `pg_get_partkeydef` and `pg_inherits`, triggers from
/// `pg_trigger` (not the internal ones of foreign keys).
fn postgres<E>(
    scope: Scope<'_>,
    query: &mut dyn FnMut(&str) -> Result<Rows, E>,
) -> Result<SchemaShape, E> {
    let filter = scope.filter("c.relname");
    let mut tables: BTreeMap<String, TableShape> = BTreeMap::new();
    for row in query(&format!(
        "SELECT c.relname::text, pg_get_partkeydef(c.oid), \
                (SELECT string_agg(p.relname::text, ',' ORDER BY p.relname) FROM pg_inherits i \
                 JOIN pg_class p ON p.oid = i.inhrelid WHERE i.inhparent = c.oid), \
                (SELECT string_agg(t.tgname::text, ',' ORDER BY t.tgname) FROM pg_trigger t \
                 WHERE t.tgrelid = c.oid AND NOT t.tgisinternal) \
         FROM pg_class c {PG_TABLES}{filter}"
    ))? {
        tables.insert(
            cell(&row, 0),
            TableShape {
                partition_key: optional(&row, 1),
                partitions: names(&row, 2),
                triggers: names(&row, 3),
                ..TableShape::default()
            },
        );
    }
    for row in query(&format!(
        "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), \
                CASE WHEN a.attnotnull THEN '1' ELSE '0' END, pg_get_expr(d.adbin, d.adrelid) \
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         {PG_TABLES}{filter} AND a.attnum > 0 AND NOT a.attisdropped \
         ORDER BY c.relname, a.attnum"
    ))? {
        if let Some(table) = tables.get_mut(&cell(&row, 0)) {
            table.columns.push(ColumnShape {
                name: cell(&row, 1),
                data_type: cell(&row, 2),
                not_null: flag(&row, 3),
                default: optional(&row, 4),
            });
        }
    }
    for row in query(&format!(
        "SELECT c.relname::text, k.contype::text, k.conname::text, {}, r.relname::text, {}, \
                k.confdeltype::text, k.confupdtype::text, pg_get_constraintdef(k.oid) \
         FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid \
         LEFT JOIN pg_class r ON r.oid = k.confrelid \
         {PG_TABLES}{filter} AND k.contype IN ('p', 'u', 'f', 'c') AND k.conparentid = 0",
        pg_attribute_names("k.conkey", "k.conrelid"),
        pg_attribute_names("k.confkey", "k.confrelid"),
    ))? {
        let Some(table) = tables.get_mut(&cell(&row, 0)) else {
            continue;
        };
        let columns = names(&row, 3);
        match cell(&row, 1).as_str() {
            "p" => table.primary_key = columns,
            "u" => table.unique.push(columns),
            "f" => table.foreign_keys.push(ForeignKeyShape {
                name: Some(cell(&row, 2)),
                columns,
                ref_table: cell(&row, 4),
                ref_columns: names(&row, 5),
                on_delete: action(&cell(&row, 6)),
                on_update: action(&cell(&row, 7)),
            }),
            _ => {
                let definition = cell(&row, 8);
                let condition = definition
                    .strip_prefix("CHECK (")
                    .and_then(|rest| rest.strip_suffix(')'))
                    .unwrap_or(&definition);
                table.checks.push(condition.to_string());
            }
        }
    }
    for row in query(&format!(
        "SELECT c.relname::text, i.relname::text, {}, \
                CASE WHEN x.indisunique THEN '1' ELSE '0' END, am.amname::text \
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_am am ON am.oid = i.relam JOIN pg_class c ON c.oid = x.indrelid \
         {PG_TABLES}{filter} \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k \
                           WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid)",
        pg_attribute_names("x.indkey::int2[]", "x.indrelid"),
    ))? {
        if let Some(table) = tables.get_mut(&cell(&row, 0)) {
            table.indexes.push(IndexShape {
                name: cell(&row, 1),
                columns: names(&row, 2),
                unique: flag(&row, 3),
                method: cell(&row, 4),
            });
        }
    }
    Ok(SchemaShape { tables })
}

/// Db2: columns from `COLUMNS` (types spelled `VARCHAR(50)`, `CLOB(1048576)`,
/// `TIMESTAMP(6)`; defaults as the catalog keeps them), keys from `TABCONST` and `KEYCOLUSE`,
/// foreign keys from `REFERENCES`, CHECKs from `CHECKS`, secondary indexes (those Db2 did not
/// create for a constraint) from `INDEXES` and `INDEXCOLUSE`, triggers from `TRIGGERS`.
fn db2<E>(
    scope: Scope<'_>,
    query: &mut dyn FnMut(&str) -> Result<Rows, E>,
) -> Result<SchemaShape, E> {
    let filter = |column: &str| scope.filter(column);
    let mut tables: BTreeMap<String, TableShape> = BTreeMap::new();
    for row in query(&format!(
        "SELECT TABNAME FROM SYSCAT.TABLES WHERE TABSCHEMA = CURRENT SCHEMA AND TYPE = 'T'{}",
        filter("TABNAME")
    ))? {
        tables.insert(cell(&row, 0), TableShape::default());
    }
    for row in query(&format!(
        "SELECT TABNAME, COLNAME, TYPENAME, LENGTH, SCALE, \"NULLS\", \"DEFAULT\" \
         FROM SYSCAT.COLUMNS WHERE TABSCHEMA = CURRENT SCHEMA{} ORDER BY TABNAME, COLNO",
        filter("TABNAME")
    ))? {
        let type_name = cell(&row, 2);
        let data_type = match type_name.as_str() {
            "VARCHAR" | "CHARACTER" | "CLOB" | "BLOB" | "VARBINARY" | "BINARY" => {
                format!("{type_name}({})", cell(&row, 3))
            }
            "DECIMAL" => format!("DECIMAL({},{})", cell(&row, 3), cell(&row, 4)),
            "TIMESTAMP" => format!("TIMESTAMP({})", cell(&row, 4)),
            _ => type_name,
        };
        if let Some(table) = tables.get_mut(&cell(&row, 0)) {
            table.columns.push(ColumnShape {
                name: cell(&row, 1),
                data_type,
                not_null: cell(&row, 5) == "N",
                default: optional(&row, 6),
            });
        }
    }
    let mut constraints: BTreeMap<(String, String), (String, Vec<String>)> = BTreeMap::new();
    for row in query(&format!(
        "SELECT C.TABNAME, C.CONSTNAME, C.TYPE, K.COLNAME FROM SYSCAT.TABCONST C \
         JOIN SYSCAT.KEYCOLUSE K ON K.TABSCHEMA = C.TABSCHEMA AND K.TABNAME = C.TABNAME \
                                 AND K.CONSTNAME = C.CONSTNAME \
         WHERE C.TABSCHEMA = CURRENT SCHEMA AND C.TYPE IN ('P', 'U'){} \
         ORDER BY C.TABNAME, C.CONSTNAME, K.COLSEQ",
        filter("C.TABNAME")
    ))? {
        constraints
            .entry((cell(&row, 0), cell(&row, 1)))
            .or_insert_with(|| (cell(&row, 2), Vec::new()))
            .1
            .push(cell(&row, 3));
    }
    for ((table, _), (kind, columns)) in constraints {
        if let Some(table) = tables.get_mut(&table) {
            if kind == "P" {
                table.primary_key = columns;
            } else {
                table.unique.push(columns);
            }
        }
    }
    let mut foreign_keys: BTreeMap<(String, String), ForeignKeyShape> = BTreeMap::new();
    for row in query(&format!(
        "SELECT R.TABNAME, R.CONSTNAME, R.REFTABNAME, R.DELETERULE, R.UPDATERULE, \
                K.COLNAME, P.COLNAME \
         FROM SYSCAT.REFERENCES R \
         JOIN SYSCAT.KEYCOLUSE K ON K.TABSCHEMA = R.TABSCHEMA AND K.TABNAME = R.TABNAME \
                                 AND K.CONSTNAME = R.CONSTNAME \
         JOIN SYSCAT.KEYCOLUSE P ON P.TABSCHEMA = R.REFTABSCHEMA AND P.TABNAME = R.REFTABNAME \
                                 AND P.CONSTNAME = R.REFKEYNAME AND P.COLSEQ = K.COLSEQ \
         WHERE R.TABSCHEMA = CURRENT SCHEMA{} \
         ORDER BY R.TABNAME, R.CONSTNAME, K.COLSEQ",
        filter("R.TABNAME")
    ))? {
        let fk = foreign_keys
            .entry((cell(&row, 0), cell(&row, 1)))
            .or_insert_with(|| ForeignKeyShape {
                name: Some(cell(&row, 1)),
                columns: Vec::new(),
                ref_table: cell(&row, 2),
                ref_columns: Vec::new(),
                on_delete: action(&cell(&row, 3)),
                on_update: action(&cell(&row, 4)),
            });
        fk.columns.push(cell(&row, 5));
        fk.ref_columns.push(cell(&row, 6));
    }
    for ((table, _), fk) in foreign_keys {
        if let Some(table) = tables.get_mut(&table) {
            table.foreign_keys.push(fk);
        }
    }
    for row in query(&format!(
        "SELECT TABNAME, TEXT FROM SYSCAT.CHECKS \
         WHERE TABSCHEMA = CURRENT SCHEMA AND TYPE = 'C'{}",
        filter("TABNAME")
    ))? {
        if let Some(table) = tables.get_mut(&cell(&row, 0)) {
            table.checks.push(cell(&row, 1));
        }
    }
    let mut indexes: BTreeMap<(String, String), IndexShape> = BTreeMap::new();
    for row in query(&format!(
        "SELECT I.TABNAME, I.INDNAME, I.UNIQUERULE, I.INDEXTYPE, U.COLNAME \
         FROM SYSCAT.INDEXES I \
         JOIN SYSCAT.INDEXCOLUSE U ON U.INDSCHEMA = I.INDSCHEMA AND U.INDNAME = I.INDNAME \
         WHERE I.TABSCHEMA = CURRENT SCHEMA AND I.SYSTEM_REQUIRED = 0{} \
         ORDER BY I.TABNAME, I.INDNAME, U.COLSEQ",
        filter("I.TABNAME")
    ))? {
        let index = indexes
            .entry((cell(&row, 0), cell(&row, 1)))
            .or_insert_with(|| IndexShape {
                name: cell(&row, 1),
                columns: Vec::new(),
                unique: cell(&row, 2) == "U",
                method: match cell(&row, 3).as_str() {
                    "REG" => "btree".to_string(),
                    other => other.to_ascii_lowercase(),
                },
            });
        index.columns.push(cell(&row, 4));
    }
    for ((table, _), index) in indexes {
        if let Some(table) = tables.get_mut(&table) {
            table.indexes.push(index);
        }
    }
    for row in query(&format!(
        "SELECT TABNAME, TRIGNAME FROM SYSCAT.TRIGGERS WHERE TABSCHEMA = CURRENT SCHEMA{}",
        filter("TABNAME")
    ))? {
        if let Some(table) = tables.get_mut(&cell(&row, 0)) {
            table.triggers.push(cell(&row, 1));
        }
    }
    Ok(SchemaShape { tables })
}

#[cfg(test)]
mod tests {
    use super::named_checks;

    #[test]
    fn named_checks_are_read_from_the_create_text_strings_and_nesting_kept() {
        let create = "CREATE TABLE \"t\" (\n    code VARCHAR(10) NOT NULL DEFAULT 'a)',\n    \
                      n INTEGER CHECK (n > 0),\n    \
                      CONSTRAINT ck_code CHECK (code IN ('a', 'b''c', ')')),\n    \
                      constraint ck_n check ((n >= 0) AND (n <= 5)),\n    \
                      CONSTRAINT fk_x FOREIGN KEY (code) REFERENCES u (code)\n)";
        assert_eq!(
            named_checks(create),
            ["code IN ('a', 'b''c', ')')", "(n >= 0) AND (n <= 5)"]
        );
        assert_eq!(
            named_checks("CREATE TABLE t (x INTEGER)"),
            Vec::<String>::new()
        );
    }
}
