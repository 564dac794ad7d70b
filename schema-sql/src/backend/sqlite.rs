//! SQLite: the embedded default. Types follow the design document's SQLite DDL.

use super::query::{primary_key_conflict, sea_query_dml};
use super::{ALL_ACTIONS, Backend, Capabilities, ColumnClause, DmlSql, Unsupported};
use migration_layout::sql_string_literal;
use schema_dsl::{ColumnType, DefaultValue, Dialect, IndexMethod, TableDef};
use sea_query::SqliteQueryBuilder;

/// The SQLite renderer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sqlite;

/// Keywords SQLite 3.40 refuses as unquoted table, column or index names.
const RESERVED: &[&str] = &[
    "ADD",
    "ALL",
    "ALTER",
    "AND",
    "AS",
    "AUTOINCREMENT",
    "BETWEEN",
    "CASE",
    "CHECK",
    "COLLATE",
    "COMMIT",
    "CONSTRAINT",
    "CREATE",
    "DEFAULT",
    "DEFERRABLE",
    "DELETE",
    "DISTINCT",
    "DROP",
    "ELSE",
    "ESCAPE",
    "EXCEPT",
    "EXISTS",
    "FOREIGN",
    "FROM",
    "GROUP",
    "HAVING",
    "IF",
    "IN",
    "INDEX",
    "INSERT",
    "INTERSECT",
    "INTO",
    "IS",
    "ISNULL",
    "JOIN",
    "LIMIT",
    "NOT",
    "NOTHING",
    "NOTNULL",
    "NULL",
    "ON",
    "OR",
    "ORDER",
    "PRIMARY",
    "REFERENCES",
    "RETURNING",
    "SELECT",
    "SET",
    "TABLE",
    "THEN",
    "TO",
    "TRANSACTION",
    "UNION",
    "UNIQUE",
    "UPDATE",
    "USING",
    "VALUES",
    "WHEN",
    "WHERE",
];

/// No IF-EXISTS limits, B-tree indexes only, and no BOOLEAN, JSON or TIMESTAMP: 0/1, JSON
/// text and ISO-8601 text. A non-integer PRIMARY KEY accepts NULL unless NOT NULL is written
/// (a legacy quirk SQLite keeps for compatibility).
const CAPABILITIES: Capabilities = Capabilities {
    dialect: Dialect::Sqlite,
    max_identifier_bytes: None,
    reserved_words: RESERVED,
    table_if_not_exists: true,
    index_if_not_exists: true,
    index_methods: &[IndexMethod::BTree],
    on_delete_actions: ALL_ACTIONS,
    on_update_actions: ALL_ACTIONS,
    json_in_keys: true,
    not_null_keys_required: false,
    primary_key_implies_not_null: false,
    column_clause_order: &[
        ColumnClause::NotNull,
        ColumnClause::Default,
        ColumnClause::PrimaryKey,
        ColumnClause::Identity,
        ColumnClause::Unique,
    ],
    monthly_partitions: false,
    row_size_limits: &[],
    native_boolean: false,
    native_json: false,
    native_timestamp: false,
    temporary_default: None,
    drop_column_needs_reorg: false,
    rename_table_with_foreign_keys: true,
    alter_column: None,
    alter_table_constraints: false,
    lock_safe_ddl: false,
};

impl Backend for Sqlite {
    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }

    /// Integers of every width are `INTEGER` (an autoincrement key must be exactly that);
    /// booleans are `INTEGER` 0/1; timestamps and JSON are `TEXT` (ISO-8601, JSON text).
    fn column_type(&self, ty: ColumnType) -> Result<String, Unsupported> {
        Ok(match ty {
            ColumnType::Text { .. } | ColumnType::Timestamp | ColumnType::Json { .. } => "TEXT",
            ColumnType::SmallInt
            | ColumnType::Integer
            | ColumnType::BigInt
            | ColumnType::Boolean => "INTEGER",
        }
        .to_string())
    }

    /// `now` is left to the application: SQLite's `CURRENT_TIMESTAMP` is not ISO-8601
    /// (`2026-01-11 10:00:00`, no `T`), and the design document's SQLite DDL has no default.
    fn default_value(&self, default: &DefaultValue) -> Option<String> {
        match default {
            DefaultValue::Text(text) => Some(sql_string_literal(text)),
            DefaultValue::Integer(value) => Some(value.to_string()),
            DefaultValue::Boolean(value) => Some(u8::from(*value).to_string()),
            DefaultValue::Now => None,
        }
    }

    fn identity_keyword(&self) -> &'static str {
        "AUTOINCREMENT"
    }

    /// `PRAGMA foreign_key_list` has no constraint names.
    fn keeps_constraint_names(&self) -> bool {
        false
    }

    /// `now` as the ISO-8601 text the application writes.
    fn value_expression(&self, value: &DefaultValue) -> String {
        match value {
            DefaultValue::Now => "strftime('%Y-%m-%dT%H:%M:%f', 'now')".to_string(),
            other => self
                .default_value(other)
                .unwrap_or_else(|| "NULL".to_string()),
        }
    }

    /// SQLite has no procedural SQL, and `RAISE()` works only in triggers with a literal
    /// message before 3.48: the error is JSON's, whose message quotes the path it was given,
    /// computed here to carry the count (SQLite 3.40: "JSON path error near '…'", later:
    /// "bad JSON path: '…'"). `CASE` evaluates the path only when rows offend.
    fn pre_check(&self, table: &str, offending: &str, problem: &str) -> String {
        let table = self.identifier(table);
        format!(
            "SELECT CASE WHEN offending > 0 THEN json_extract('{{}}', 'migration stopped: ' || offending || ' {}') END \
             FROM (SELECT count(*) AS offending FROM {table} WHERE {offending});",
            problem.replace('\'', "''")
        )
    }

    /// The text must read back the same through an integer, which refuses what `CAST` turns
    /// silently into another number ('abc' into 0, '1.5' into 1, '007' into 7).
    fn not_integer_text(&self, column: &str, (min, max): (i64, i64)) -> String {
        format!(
            "({column} IS NOT NULL AND (CAST(CAST({column} AS INTEGER) AS TEXT) IS NOT {column} \
             OR CAST({column} AS INTEGER) NOT BETWEEN {min} AND {max}))"
        )
    }

    /// Timestamps are ISO-8601 text.
    fn epoch_literal(&self) -> &'static str {
        "'1970-01-01T00:00:00'"
    }

    /// sea-query's SQLite builder: `?` placeholders, `ON CONFLICT … DO UPDATE`.
    fn dml(&self, table: &TableDef) -> DmlSql {
        sea_query_dml(&SqliteQueryBuilder, table, primary_key_conflict(table))
    }
}
