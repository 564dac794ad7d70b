//! A live database's schema, read from its catalog into one comparable form.
//!
//! [`sqlite`] reads SQLite's `PRAGMA`s, [`postgres`] reads PostgreSQL's `pg_catalog`, [`db2`]
//! reads Db2's `SYSCAT` views; each gives a
//! [`LiveSchema`] with every spelling as the engine reports it (types, defaults, actions), so
//! a suite can build the expected [`LiveSchema`] from its declarations and compare with
//! [`LiveSchema::differences`].

use std::collections::BTreeMap;

/// Every user table of a database, by name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LiveSchema {
    /// Tables by name.
    pub tables: BTreeMap<String, LiveTable>,
}

/// One table as the catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LiveTable {
    /// Columns in their physical order.
    pub columns: Vec<LiveColumn>,
    /// Primary-key columns in key order (empty when there is none).
    pub primary_key: Vec<String>,
    /// UNIQUE constraints, each its columns in key order; sorted.
    pub unique: Vec<Vec<String>>,
    /// Foreign keys, sorted.
    pub foreign_keys: Vec<LiveForeignKey>,
    /// Secondary indexes (those that back no constraint), sorted by name.
    pub indexes: Vec<LiveIndex>,
    /// The partition key as the engine prints it (`RANGE (created_at)`), if partitioned.
    pub partition_key: Option<String>,
    /// The table's partitions, by name, sorted (they are not listed as tables).
    pub partitions: Vec<String>,
    /// Named CHECK constraints, each its name and text as the engine reports it; sorted.
    pub checks: Vec<String>,
}

/// One column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveColumn {
    /// Column name.
    pub name: String,
    /// The type as the engine reports it (`TEXT`, `character varying(50)`).
    pub data_type: String,
    /// Whether the column is declared NOT NULL.
    pub not_null: bool,
    /// The default expression as the engine reports it, if any.
    pub default: Option<String>,
}

/// One foreign key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LiveForeignKey {
    /// Referencing columns, in key order.
    pub columns: Vec<String>,
    /// Constraint name, where the engine keeps one (not SQLite).
    pub name: Option<String>,
    /// Referenced table.
    pub ref_table: String,
    /// Referenced columns, in key order.
    pub ref_columns: Vec<String>,
    /// `ON DELETE` action: `NO ACTION`, `RESTRICT`, `CASCADE`, `SET NULL` or `SET DEFAULT`.
    pub on_delete: String,
    /// `ON UPDATE` action, spelled as `on_delete`.
    pub on_update: String,
}

/// One secondary index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LiveIndex {
    /// Index name.
    pub name: String,
    /// Indexed columns, in key order.
    pub columns: Vec<String>,
    /// Whether the index is UNIQUE.
    pub unique: bool,
    /// Access method, lower case (`btree`, `gin`).
    pub method: String,
}

impl LiveSchema {
    /// Every way `self` (the live schema) differs from `expected`, one line each, naming the
    /// table and column; empty when they are equal.
    pub fn differences(&self, expected: &LiveSchema) -> Vec<String> {
        let mut found = Vec::new();
        for name in self.tables.keys() {
            if !expected.tables.contains_key(name) {
                found.push(format!("table `{name}` exists but is not declared"));
            }
        }
        for (name, want) in &expected.tables {
            match self.tables.get(name) {
                None => found.push(format!("table `{name}` is declared but missing")),
                Some(live) => live.differences(name, want, &mut found),
            }
        }
        found
    }
}

impl LiveTable {
    /// Puts the unordered parts in their canonical order.
    pub fn sort(&mut self) {
        self.unique.sort();
        self.foreign_keys.sort();
        self.indexes.sort();
        self.checks.sort();
    }

    fn differences(&self, table: &str, expected: &LiveTable, found: &mut Vec<String>) {
        let names = |columns: &[LiveColumn]| columns.iter().map(|c| c.name.clone()).collect();
        let (live_names, want_names): (Vec<String>, Vec<String>) =
            (names(&self.columns), names(&expected.columns));
        if live_names != want_names {
            found.push(format!(
                "table `{table}`: columns {live_names:?}, declared {want_names:?}"
            ));
        }
        for (live, want) in self.columns.iter().zip(&expected.columns) {
            if live != want && live.name == want.name {
                found.push(format!(
                    "table `{table}`, column `{}`: live {live:?}, declared {want:?}",
                    live.name
                ));
            }
        }
        let mut compare = |what: &str, live: String, want: String| {
            if live != want {
                found.push(format!("table `{table}`: {what} {live}, declared {want}"));
            }
        };
        compare(
            "primary key",
            format!("{:?}", self.primary_key),
            format!("{:?}", expected.primary_key),
        );
        compare(
            "UNIQUE constraints",
            format!("{:?}", self.unique),
            format!("{:?}", expected.unique),
        );
        compare(
            "foreign keys",
            format!("{:?}", self.foreign_keys),
            format!("{:?}", expected.foreign_keys),
        );
        compare(
            "indexes",
            format!("{:?}", self.indexes),
            format!("{:?}", expected.indexes),
        );
        compare(
            "CHECK constraints",
            format!("{:?}", self.checks),
            format!("{:?}", expected.checks),
        );
        compare(
            "partition key",
            format!("{:?}", self.partition_key),
            format!("{:?}", expected.partition_key),
        );
        compare(
            "partitions",
            format!("{:?}", self.partitions),
            format!("{:?}", expected.partitions),
        );
    }
}

/// The schema of a SQLite database, from `sqlite_schema` and the `table_info`, `index_list`,
/// `index_info` and `foreign_key_list` pragmas. A UNIQUE constraint is the automatic index
/// SQLite builds for it (origin `u`); the primary key's automatic index is not listed.
pub fn sqlite(conn: &rusqlite::Connection) -> rusqlite::Result<LiveSchema> {
    let names: Vec<String> = query_strings(
        conn,
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
        &[],
    )?;
    let mut tables = BTreeMap::new();
    for name in names {
        let mut table = LiveTable::default();
        let mut primary_key = Vec::new();
        let mut info = conn.prepare(
            "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1) ORDER BY cid",
        )?;
        let mut rows = info.query([&name])?;
        while let Some(row) = rows.next()? {
            let column: String = row.get(0)?;
            let pk: i64 = row.get(4)?;
            if pk > 0 {
                primary_key.push((pk, column.clone()));
            }
            table.columns.push(LiveColumn {
                name: column,
                data_type: row.get(1)?,
                not_null: row.get::<_, i64>(2)? != 0,
                default: row.get(3)?,
            });
        }
        primary_key.sort();
        table.primary_key = primary_key.into_iter().map(|(_, c)| c).collect();

        let mut list =
            conn.prepare("SELECT name, \"unique\", origin FROM pragma_index_list(?1)")?;
        let indexes: Vec<(String, bool, String)> = list
            .query_map([&name], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (index, unique, origin) in indexes {
            let columns = query_strings(
                conn,
                "SELECT name FROM pragma_index_info(?1) ORDER BY seqno",
                &[&index],
            )?;
            match origin.as_str() {
                "u" => table.unique.push(columns),
                "pk" => {}
                _ => table.indexes.push(LiveIndex {
                    name: index,
                    columns,
                    unique,
                    method: "btree".to_string(),
                }),
            }
        }

        let mut fks = conn.prepare(
            "SELECT id, \"table\", \"from\", \"to\", on_delete, on_update \
             FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
        )?;
        let mut by_id: BTreeMap<i64, LiveForeignKey> = BTreeMap::new();
        let mut rows = fks.query([&name])?;
        while let Some(row) = rows.next()? {
            let fk = by_id.entry(row.get(0)?).or_insert_with(|| LiveForeignKey {
                columns: Vec::new(),
                name: None,
                ref_table: String::new(),
                ref_columns: Vec::new(),
                on_delete: String::new(),
                on_update: String::new(),
            });
            fk.ref_table = row.get(1)?;
            fk.columns.push(row.get(2)?);
            fk.ref_columns.push(row.get(3)?);
            fk.on_delete = row.get(4)?;
            fk.on_update = row.get(5)?;
        }
        table.foreign_keys = by_id.into_values().collect();
        // SQLite keeps no catalog of CHECKs: the named ones are the lines of the table's text.
        let sql = query_strings(
            conn,
            "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1",
            &[&name],
        )?;
        table.checks = sql
            .iter()
            .flat_map(|sql| sql.lines())
            .map(|line| line.trim().trim_end_matches(','))
            .filter(|line| line.starts_with("CONSTRAINT ") && line.contains(" CHECK ("))
            .map(str::to_string)
            .collect();
        table.sort();
        tables.insert(name, table);
    }
    Ok(LiveSchema { tables })
}

/// The schema of PostgreSQL's `public` schema, from `pg_catalog`: types by `format_type`,
/// defaults by `pg_get_expr`, keys from `pg_constraint`, secondary indexes from `pg_index`,
/// partitioning from `pg_get_partkeydef` and `pg_inherits`.
pub fn postgres(client: &mut postgres::Client) -> Result<LiveSchema, postgres::Error> {
    let names: Vec<String> = client
        .query(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition",
            &[],
        )?
        .iter()
        .map(|row| row.get(0))
        .collect();
    let mut tables = BTreeMap::new();
    for name in names {
        let mut table = LiveTable::default();
        let relation = format!("public.{name}");
        let row = client.query_one(
            "SELECT pg_get_partkeydef($1::text::regclass), \
                    ARRAY(SELECT i.inhrelid::regclass::text FROM pg_inherits i \
                          WHERE i.inhparent = $1::text::regclass ORDER BY 1)",
            &[&relation],
        )?;
        table.partition_key = row.get(0);
        table.partitions = row.get(1);
        for row in client.query(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull, \
                    pg_get_expr(d.adbin, d.adrelid) \
             FROM pg_attribute a \
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
             WHERE a.attrelid = $1::text::regclass AND a.attnum > 0 AND NOT a.attisdropped \
             ORDER BY a.attnum",
            &[&relation],
        )? {
            table.columns.push(LiveColumn {
                name: row.get(0),
                data_type: row.get(1),
                not_null: row.get(2),
                default: row.get(3),
            });
        }
        for row in client.query(
            "SELECT c.contype::text, c.conname::text, \
                    ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, o) \
                          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n \
                          ORDER BY k.o), \
                    c.confrelid::regclass::text, \
                    ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, o) \
                          JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n \
                          ORDER BY k.o), \
                    c.confdeltype::text, c.confupdtype::text, pg_get_constraintdef(c.oid) \
             FROM pg_constraint c WHERE c.conrelid = $1::text::regclass AND c.contype IN ('p', 'u', 'f', 'c')",
            &[&relation],
        )? {
            let kind: String = row.get(0);
            let columns: Vec<String> = row.get(2);
            match kind.as_str() {
                "p" => table.primary_key = columns,
                "u" => table.unique.push(columns),
                "c" => table
                    .checks
                    .push(format!("{}: {}", row.get::<_, String>(1), row.get::<_, String>(7))),
                _ => table.foreign_keys.push(LiveForeignKey {
                    columns,
                    name: Some(row.get(1)),
                    ref_table: row.get(3),
                    ref_columns: row.get(4),
                    on_delete: postgres_action(row.get(5)),
                    on_update: postgres_action(row.get(6)),
                }),
            }
        }
        for row in client.query(
            "SELECT i.relname::text, \
                    ARRAY(SELECT a.attname::text FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(n, o) \
                          JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n \
                          ORDER BY k.o), \
                    x.indisunique, am.amname::text \
             FROM pg_index x \
             JOIN pg_class i ON i.oid = x.indexrelid \
             JOIN pg_am am ON am.oid = i.relam \
             WHERE x.indrelid = $1::text::regclass \
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c \
                               WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid)",
            &[&relation],
        )? {
            table.indexes.push(LiveIndex {
                name: row.get(0),
                columns: row.get(1),
                unique: row.get(2),
                method: row.get(3),
            });
        }
        table.sort();
        tables.insert(name, table);
    }
    Ok(LiveSchema { tables })
}

/// `pg_constraint.confdeltype` / `confupdtype` as SQL spells the action.
fn postgres_action(code: String) -> String {
    match code.as_str() {
        "a" => "NO ACTION",
        "r" => "RESTRICT",
        "c" => "CASCADE",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        other => other,
    }
    .to_string()
}

fn query_strings(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[&dyn rusqlite::ToSql],
) -> rusqlite::Result<Vec<String>> {
    conn.prepare(sql)?
        .query_map(params, |row| row.get(0))?
        .collect()
}

/// The schema of a Db2 connection's current schema, from `SYSCAT`: columns from `COLUMNS`
/// (types spelled `VARCHAR(50)`, `CLOB(1048576)`, `TIMESTAMP(6)`; defaults as the catalog
/// keeps them; `NULLS` and `DEFAULT` quoted, being keywords), keys from `TABCONST` and `KEYCOLUSE`, foreign keys from `REFERENCES`,
/// secondary indexes (those Db2 did not create for a constraint) from `INDEXES` and
/// `INDEXCOLUSE`. Db2 does not partition here, so there are no partitions.
pub fn db2(conn: &odbc_api::Connection<'_>) -> Result<LiveSchema, odbc_api::Error> {
    let mut tables: BTreeMap<String, LiveTable> = BTreeMap::new();
    for row in odbc_rows(
        conn,
        "SELECT TABNAME FROM SYSCAT.TABLES WHERE TABSCHEMA = CURRENT SCHEMA AND TYPE = 'T'",
    )? {
        tables.insert(cell(&row, 0), LiveTable::default());
    }
    // Columns, constraints and indexes belong to the tables listed above; one of a table not
    // listed shows up as an undeclared table in the comparison rather than being dropped.

    for row in odbc_rows(
        conn,
        "SELECT TABNAME, COLNAME, TYPENAME, LENGTH, SCALE, \"NULLS\", \"DEFAULT\" \
         FROM SYSCAT.COLUMNS WHERE TABSCHEMA = CURRENT SCHEMA ORDER BY TABNAME, COLNO",
    )? {
        let type_name = cell(&row, 2);
        let data_type = match type_name.as_str() {
            "VARCHAR" | "CHARACTER" | "CLOB" | "BLOB" | "VARBINARY" | "BINARY" => {
                format!("{type_name}({})", cell(&row, 3))
            }
            "DECIMAL" => format!("DECIMAL({},{})", cell(&row, 3), cell(&row, 4)),
            "TIMESTAMP" => format!("TIMESTAMP({})", cell(&row, 4)),
            _ => type_name,
        };
        tables
            .entry(cell(&row, 0))
            .or_default()
            .columns
            .push(LiveColumn {
                name: cell(&row, 1),
                data_type,
                not_null: cell(&row, 5) == "N",
                default: row[6].clone(),
            });
    }

    for row in odbc_rows(
        conn,
        "SELECT C.TABNAME, K.COLNAME FROM SYSCAT.TABCONST C \
         JOIN SYSCAT.KEYCOLUSE K ON K.TABSCHEMA = C.TABSCHEMA AND K.TABNAME = C.TABNAME \
                                 AND K.CONSTNAME = C.CONSTNAME \
         WHERE C.TABSCHEMA = CURRENT SCHEMA AND C.TYPE = 'P' \
         ORDER BY C.TABNAME, K.COLSEQ",
    )? {
        tables
            .entry(cell(&row, 0))
            .or_default()
            .primary_key
            .push(cell(&row, 1));
    }
    let mut unique: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for row in odbc_rows(
        conn,
        "SELECT C.TABNAME, C.CONSTNAME, K.COLNAME FROM SYSCAT.TABCONST C \
         JOIN SYSCAT.KEYCOLUSE K ON K.TABSCHEMA = C.TABSCHEMA AND K.TABNAME = C.TABNAME \
                                 AND K.CONSTNAME = C.CONSTNAME \
         WHERE C.TABSCHEMA = CURRENT SCHEMA AND C.TYPE = 'U' \
         ORDER BY C.TABNAME, C.CONSTNAME, K.COLSEQ",
    )? {
        unique
            .entry((cell(&row, 0), cell(&row, 1)))
            .or_default()
            .push(cell(&row, 2));
    }
    for ((name, _), columns) in unique {
        tables.entry(name).or_default().unique.push(columns);
    }

    let mut foreign_keys: BTreeMap<(String, String), LiveForeignKey> = BTreeMap::new();
    for row in odbc_rows(
        conn,
        "SELECT R.TABNAME, R.CONSTNAME, R.REFTABNAME, R.DELETERULE, R.UPDATERULE, \
                K.COLNAME, P.COLNAME \
         FROM SYSCAT.REFERENCES R \
         JOIN SYSCAT.KEYCOLUSE K ON K.TABSCHEMA = R.TABSCHEMA AND K.TABNAME = R.TABNAME \
                                 AND K.CONSTNAME = R.CONSTNAME \
         JOIN SYSCAT.KEYCOLUSE P ON P.TABSCHEMA = R.REFTABSCHEMA AND P.TABNAME = R.REFTABNAME \
                                 AND P.CONSTNAME = R.REFKEYNAME AND P.COLSEQ = K.COLSEQ \
         WHERE R.TABSCHEMA = CURRENT SCHEMA \
         ORDER BY R.TABNAME, R.CONSTNAME, K.COLSEQ",
    )? {
        let fk = foreign_keys
            .entry((cell(&row, 0), cell(&row, 1)))
            .or_insert_with(|| LiveForeignKey {
                columns: Vec::new(),
                name: Some(cell(&row, 1)),
                ref_table: cell(&row, 2),
                ref_columns: Vec::new(),
                on_delete: db2_action(&cell(&row, 3)),
                on_update: db2_action(&cell(&row, 4)),
            });
        fk.columns.push(cell(&row, 5));
        fk.ref_columns.push(cell(&row, 6));
    }
    for ((name, _), fk) in foreign_keys {
        tables.entry(name).or_default().foreign_keys.push(fk);
    }

    // Named CHECKs only: Db2 names the unnamed ones (a boolean's 0/1) `SQL…` itself.
    for row in odbc_rows(
        conn,
        "SELECT TABNAME, CONSTNAME, TEXT FROM SYSCAT.CHECKS \
         WHERE TABSCHEMA = CURRENT SCHEMA AND TYPE = 'C' AND CONSTNAME NOT LIKE 'SQL%'",
    )? {
        tables
            .entry(cell(&row, 0))
            .or_default()
            .checks
            .push(format!("{}: {}", cell(&row, 1), cell(&row, 2)));
    }

    let mut indexes: BTreeMap<(String, String), LiveIndex> = BTreeMap::new();
    for row in odbc_rows(
        conn,
        "SELECT I.TABNAME, I.INDNAME, I.UNIQUERULE, I.INDEXTYPE, U.COLNAME \
         FROM SYSCAT.INDEXES I \
         JOIN SYSCAT.INDEXCOLUSE U ON U.INDSCHEMA = I.INDSCHEMA AND U.INDNAME = I.INDNAME \
         WHERE I.TABSCHEMA = CURRENT SCHEMA AND I.SYSTEM_REQUIRED = 0 \
         ORDER BY I.TABNAME, I.INDNAME, U.COLSEQ",
    )? {
        let index = indexes
            .entry((cell(&row, 0), cell(&row, 1)))
            .or_insert_with(|| LiveIndex {
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
    for ((name, _), index) in indexes {
        tables.entry(name).or_default().indexes.push(index);
    }

    tables.values_mut().for_each(LiveTable::sort);
    Ok(LiveSchema { tables })
}

/// `SYSCAT.REFERENCES.DELETERULE` / `UPDATERULE` as SQL spells the action.
fn db2_action(code: &str) -> String {
    match code {
        "A" => "NO ACTION",
        "R" => "RESTRICT",
        "C" => "CASCADE",
        "N" => "SET NULL",
        other => other,
    }
    .to_string()
}

/// Cell `i` of a catalog row, trimmed of Db2's CHAR padding; empty when NULL.
fn cell(row: &[Option<String>], i: usize) -> String {
    row[i].clone().unwrap_or_default()
}

/// Every row of `sql` on an ODBC connection, each cell as trimmed text (`None` for NULL).
pub fn odbc_rows(
    conn: &odbc_api::Connection<'_>,
    sql: &str,
) -> Result<Vec<Vec<Option<String>>>, odbc_api::Error> {
    use odbc_api::Cursor;

    let Some(mut cursor) = conn.execute(sql, (), None)? else {
        return Ok(Vec::new());
    };
    let buffer = odbc_api::buffers::TextRowSet::for_cursor(256, &mut cursor, Some(4096))?;
    let mut block = cursor.bind_buffer(buffer)?;
    let mut rows = Vec::new();
    while let Some(batch) = block.fetch()? {
        for row in 0..batch.num_rows() {
            rows.push(
                (0..batch.num_cols())
                    .map(|col| {
                        batch
                            .at(col, row)
                            .map(|bytes| String::from_utf8_lossy(bytes).trim().to_string())
                    })
                    .collect(),
            );
        }
    }
    Ok(rows)
}
