//! SQLite: the embedded default. Types follow the design document's SQLite DDL.

use super::{Backend, ColumnClause, ReferentialEvent, UnsupportedType};
use crate::dml::{self, DmlSql, SqlValue};
use migration_layout::sql_string_literal;
use schema_dsl::{ColumnType, DefaultValue, Dialect, ForeignKeyAction, IndexMethod, TableDef};
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

impl Backend for Sqlite {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn max_identifier_bytes(&self) -> Option<usize> {
        None
    }

    fn reserved_words(&self) -> &'static [&'static str] {
        RESERVED
    }

    fn supports_if_exists(&self) -> bool {
        true
    }

    fn supports_index_method(&self, method: IndexMethod) -> bool {
        method == IndexMethod::BTree
    }

    fn supports_json_in_keys(&self) -> bool {
        true
    }

    fn supports_foreign_key_action(&self, _: ReferentialEvent, _: ForeignKeyAction) -> bool {
        true
    }

    fn requires_not_null_keys(&self) -> bool {
        false
    }

    /// A non-integer PRIMARY KEY accepts NULL unless NOT NULL is written.
    fn primary_key_implies_not_null(&self) -> bool {
        false
    }

    fn column_clause_order(&self) -> &'static [ColumnClause] {
        &[
            ColumnClause::NotNull,
            ColumnClause::Default,
            ColumnClause::PrimaryKey,
            ColumnClause::Identity,
            ColumnClause::Unique,
        ]
    }

    fn supports_monthly_partitions(&self) -> bool {
        false
    }

    fn row_size_limits(&self) -> &'static [(u32, u32)] {
        &[]
    }

    /// Integers of every width are `INTEGER` (an autoincrement key must be exactly that);
    /// booleans are `INTEGER` 0/1; timestamps and JSON are `TEXT` (ISO-8601, JSON text).
    fn column_type(&self, ty: ColumnType) -> Result<String, UnsupportedType> {
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

    /// No BOOLEAN, JSON or TIMESTAMP: 0/1, JSON text and ISO-8601 text.
    fn stored_value(&self, value: SqlValue) -> SqlValue {
        dml::timestamp_as_text(dml::without_boolean_or_json(value))
    }

    /// sea-query's SQLite builder: `?` placeholders, `ON CONFLICT … DO UPDATE`.
    fn dml(&self, table: &TableDef) -> DmlSql {
        dml::sea_query_dml(&SqliteQueryBuilder, table, dml::primary_key_conflict(table))
    }
}
