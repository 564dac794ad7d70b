//! IBM Db2 for LUW: upper-case names, no `IF [NOT] EXISTS`, SMALLINT booleans with a CHECK,
//! CLOB JSON, and NOT NULL on every key column (SQL0542N otherwise).

use super::{
    AlterColumnSyntax, Backend, Capabilities, ColumnClause, DmlSql, RowSizeLimit, Unsupported,
};
use migration_layout::sql_string_literal;
use schema_dsl::{
    ColumnDef, ColumnType, DefaultValue, Dialect, ForeignKeyAction, IndexMethod, JsonSize, TableDef,
};

/// The Db2 renderer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Db2;

/// The longest VARCHAR Db2 accepts.
const MAX_VARCHAR: u32 = 32_672;

/// The LOB descriptor a row holds for a LOB of up to so many bytes (CREATE TABLE, "Byte
/// counts of LOB columns"), smallest first.
const LOB_DESCRIPTORS: &[(u32, u32)] = &[
    (1_024, 68),
    (8_192, 92),
    (65_536, 116),
    (524_000, 140),
    (4_190_000, 164),
    (134_000_000, 196),
    (536_000_000, 220),
    (1_070_000_000, 252),
    (1_470_000_000, 276),
    (2_147_483_647, 312),
];

/// ISO SQL reserved words that Db2 LUW rejects or misparses as unquoted names. Db2 accepts
/// many keywords as names; this is the conservative core that breaks DDL or queries.
const RESERVED: &[&str] = &[
    "ALL",
    "AND",
    "ANY",
    "AS",
    "ASC",
    "BETWEEN",
    "BY",
    "CASE",
    "CAST",
    "CHECK",
    "COLUMN",
    "CONSTRAINT",
    "CREATE",
    "CROSS",
    "CURRENT",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "CURRENT_USER",
    "DEFAULT",
    "DELETE",
    "DESC",
    "DISTINCT",
    "DROP",
    "ELSE",
    "END",
    "EXCEPT",
    "EXISTS",
    "FETCH",
    "FOR",
    "FOREIGN",
    "FROM",
    "FULL",
    "GRANT",
    "GROUP",
    "HAVING",
    "IN",
    "INNER",
    "INSERT",
    "INTERSECT",
    "INTO",
    "IS",
    "JOIN",
    "KEY",
    "LEFT",
    "LIKE",
    "NOT",
    "NULL",
    "OF",
    "ON",
    "OR",
    "ORDER",
    "OUTER",
    "PRIMARY",
    "REFERENCES",
    "RIGHT",
    "SELECT",
    "SET",
    "SOME",
    "TABLE",
    "THEN",
    "TO",
    "UNION",
    "UNIQUE",
    "UPDATE",
    "USER",
    "USING",
    "VALUES",
    "WHEN",
    "WHERE",
    "WITH",
];

/// Names up to 128 bytes of UTF-8 (Db2 11.1+); no `IF [NOT] EXISTS`; B-tree indexes only;
/// ON UPDATE takes only NO ACTION and RESTRICT, ON DELETE has no SET DEFAULT; JSON is a CLOB,
/// and a LOB cannot be indexed or be part of a key (SQL0350N); key columns must be NOT NULL
/// (SQL0542N) and it is written even on a PRIMARY KEY; `DEFAULT … NOT NULL`, the order every
/// release accepts; range partitioning is bound to table spaces the DBA lays out, so not
/// rendered; rows are bounded by the page size of regular table spaces (CREATE TABLE,
/// "Table page sizes"), unless the database has `extended_row_sz` enabled (SQLSTATE 54010);
/// booleans are SMALLINT 0/1 and JSON CLOB text, TIMESTAMP is native.
const CAPABILITIES: Capabilities = Capabilities {
    dialect: Dialect::Db2,
    max_identifier_bytes: Some(128),
    reserved_words: RESERVED,
    table_if_not_exists: false,
    index_if_not_exists: false,
    index_methods: &[IndexMethod::BTree],
    on_delete_actions: &[
        ForeignKeyAction::NoAction,
        ForeignKeyAction::Restrict,
        ForeignKeyAction::Cascade,
        ForeignKeyAction::SetNull,
    ],
    on_update_actions: &[ForeignKeyAction::NoAction, ForeignKeyAction::Restrict],
    json_in_keys: false,
    not_null_keys_required: true,
    primary_key_implies_not_null: false,
    column_clause_order: &[
        ColumnClause::Default,
        ColumnClause::NotNull,
        ColumnClause::Identity,
        ColumnClause::PrimaryKey,
        ColumnClause::Unique,
    ],
    monthly_partitions: false,
    row_size_limits: &[
        RowSizeLimit {
            page_kib: 4,
            max_row_bytes: 4_005,
        },
        RowSizeLimit {
            page_kib: 8,
            max_row_bytes: 8_101,
        },
        RowSizeLimit {
            page_kib: 16,
            max_row_bytes: 16_293,
        },
        RowSizeLimit {
            page_kib: 32,
            max_row_bytes: 32_677,
        },
    ],
    native_boolean: false,
    native_json: false,
    native_timestamp: true,
    temporary_default: Some("WITH DEFAULT"),
    drop_column_needs_reorg: true,
    rename_table_with_foreign_keys: false,
    alter_column: Some(AlterColumnSyntax {
        set_type: "SET DATA TYPE",
        converts_in_place: false,
        needs_reorg: true,
        not_null_behind_check: false,
    }),
    alter_table_constraints: true,
    lock_safe_ddl: false,
};

impl Backend for Db2 {
    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }

    /// Unquoted names fold to upper case in Db2; writing them so keeps catalogs readable.
    fn identifier(&self, name: &str) -> String {
        name.to_ascii_uppercase()
    }

    /// Db2 has no unbounded TEXT and no BOOLEAN before 11.1.1.1.
    fn column_type(&self, ty: ColumnType) -> Result<String, Unsupported> {
        Ok(match ty {
            ColumnType::Text { max_len: Some(n) } if n <= MAX_VARCHAR => format!("VARCHAR({n})"),
            ColumnType::Text { max_len: Some(n) } => {
                return Err(Unsupported(format!(
                    "VARCHAR({n}) exceeds Db2's limit of {MAX_VARCHAR}"
                )));
            }
            ColumnType::Text { max_len: None } => {
                return Err(Unsupported(
                    "Db2 has no unbounded text type: declare `max_len`".to_string(),
                ));
            }
            ColumnType::SmallInt | ColumnType::Boolean => "SMALLINT".to_string(),
            ColumnType::Integer => "INTEGER".to_string(),
            ColumnType::BigInt => "BIGINT".to_string(),
            ColumnType::Timestamp => "TIMESTAMP".to_string(),
            ColumnType::Json {
                size: JsonSize::Small,
            } => "CLOB(100K)".to_string(),
            ColumnType::Json {
                size: JsonSize::Large,
            } => "CLOB(1M)".to_string(),
        })
    }

    fn default_value(&self, default: &DefaultValue) -> Option<String> {
        Some(match default {
            DefaultValue::Text(text) => sql_string_literal(text),
            DefaultValue::Integer(value) => value.to_string(),
            DefaultValue::Boolean(value) => u8::from(*value).to_string(),
            DefaultValue::Now => "CURRENT TIMESTAMP".to_string(),
        })
    }

    fn identity_keyword(&self) -> &'static str {
        "GENERATED ALWAYS AS IDENTITY"
    }

    /// `SYSCAT.COLUMNS` spellings: VARCHAR and CLOB with their length in bytes (`CLOB(100K)`
    /// is `CLOB(102400)`), TIMESTAMP with its scale.
    fn stored_type(&self, ty: ColumnType) -> Result<String, Unsupported> {
        Ok(match ty {
            ColumnType::Timestamp => "TIMESTAMP(6)".to_string(),
            ColumnType::Json {
                size: JsonSize::Small,
            } => "CLOB(102400)".to_string(),
            ColumnType::Json {
                size: JsonSize::Large,
            } => "CLOB(1048576)".to_string(),
            ColumnType::Text { .. }
            | ColumnType::SmallInt
            | ColumnType::Boolean
            | ColumnType::Integer
            | ColumnType::BigInt => self.column_type(ty)?,
        })
    }

    /// `RENAME TABLE`: Db2 has no `ALTER TABLE … RENAME TO`.
    fn rename_table(&self, table: &TableDef, to: &str) -> Vec<String> {
        vec![format!(
            "RENAME TABLE {} TO {};",
            self.identifier(&table.name),
            self.identifier(to)
        )]
    }

    /// An inline compound statement (the runner keeps `BEGIN ATOMIC … END` whole) signalling
    /// SQLSTATE 75001; Db2 keeps 70 bytes of the message, so the count comes first.
    fn pre_check(&self, table: &str, offending: &str, problem: &str) -> String {
        let table = self.identifier(table);
        format!(
            "BEGIN ATOMIC\n\
             \x20   DECLARE OFFENDING BIGINT;\n\
             \x20   SET OFFENDING = (SELECT COUNT(*) FROM {table} WHERE {offending});\n\
             \x20   IF OFFENDING > 0 THEN\n\
             \x20       SIGNAL SQLSTATE '75001' SET MESSAGE_TEXT = VARCHAR(OFFENDING) || ' {}';\n\
             \x20   END IF;\n\
             END;",
            problem.replace('\'', "''")
        )
    }

    /// `REGEXP_LIKE` (Db2 11.1+), then the range (the cast runs only on digits).
    fn not_integer_text(&self, column: &str, (min, max): (i64, i64)) -> String {
        let column = self.identifier(column);
        format!(
            "CASE WHEN NOT REGEXP_LIKE({column}, '^-?(0|[1-9][0-9]*)$') THEN 1 \
             WHEN DECFLOAT({column}) NOT BETWEEN {min} AND {max} THEN 1 ELSE 0 END = 1"
        )
    }

    /// Db2's own timestamp string form.
    fn epoch_literal(&self) -> &'static str {
        "'1970-01-01-00.00.00'"
    }

    /// Byte counts per data type from CREATE TABLE ("Byte counts of columns by data type"):
    /// one more byte when the column is nullable; VARCHAR(n) takes n + 4, TIMESTAMP(6) 10,
    /// a CLOB its LOB descriptor.
    fn column_row_bytes(&self, column: &ColumnDef) -> u32 {
        let bytes = match column.ty {
            ColumnType::SmallInt | ColumnType::Boolean => 2,
            ColumnType::Integer => 4,
            ColumnType::BigInt => 8,
            ColumnType::Timestamp => 10,
            ColumnType::Text { max_len } => max_len.unwrap_or(MAX_VARCHAR) + 4,
            ColumnType::Json { size } => LOB_DESCRIPTORS
                .iter()
                .find(|(max, _)| size.max_bytes() <= *max)
                .map_or(312, |(_, descriptor)| *descriptor),
        };
        bytes + u32::from(column.nullable)
    }

    /// A boolean stored as SMALLINT accepts only 0 and 1.
    fn column_checks(&self, column: &ColumnDef) -> Option<String> {
        (column.ty == ColumnType::Boolean)
            .then(|| format!("CHECK ({} IN (0, 1))", self.identifier(&column.name)))
    }

    /// Db2 has no ON CONFLICT: the upsert is a MERGE from a one-row VALUES table whose
    /// parameter markers are cast to the column types (untyped markers are SQL0418N there).
    fn dml(&self, table: &TableDef) -> DmlSql {
        let name = self.identifier(&table.name);
        let columns: Vec<String> = table
            .columns
            .iter()
            .map(|c| self.identifier(&c.name))
            .collect();
        let key: Vec<String> = table
            .primary_key()
            .into_iter()
            .map(|c| self.identifier(c))
            .collect();
        let list = columns.join(", ");
        let markers = vec!["?"; columns.len()].join(", ");
        let typed_markers = table
            .columns
            .iter()
            .map(|c| match self.column_type(c.ty) {
                Ok(ty) => format!("CAST(? AS {ty})"),
                Err(_) => "?".to_string(),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let by_key = key
            .iter()
            .map(|k| format!("{k} = ?"))
            .collect::<Vec<_>>()
            .join(" AND ");
        let on = key
            .iter()
            .map(|k| format!("T.{k} = S.{k}"))
            .collect::<Vec<_>>()
            .join(" AND ");
        let updates: Vec<String> = columns
            .iter()
            .filter(|c| !key.contains(c))
            .map(|c| format!("{c} = S.{c}"))
            .collect();
        let when_matched = if updates.is_empty() {
            String::new()
        } else {
            format!(" WHEN MATCHED THEN UPDATE SET {}", updates.join(", "))
        };
        let sources = columns
            .iter()
            .map(|c| format!("S.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        DmlSql {
            insert: format!("INSERT INTO {name} ({list}) VALUES ({markers})"),
            upsert: format!(
                "MERGE INTO {name} AS T USING (VALUES ({typed_markers})) AS S ({list}) ON {on}{when_matched} WHEN NOT MATCHED THEN INSERT ({list}) VALUES ({sources})"
            ),
            select_by_key: format!("SELECT {list} FROM {name} WHERE {by_key}"),
            delete_by_key: format!("DELETE FROM {name} WHERE {by_key}"),
        }
    }
}
