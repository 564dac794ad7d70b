//! PostgreSQL: JSONB, BOOLEAN and TIMESTAMP created directly, as in the design document's
//! PostgreSQL `core_source_configs`.

use super::{Backend, ColumnClause, ReferentialEvent, UnsupportedType};
use schema_dsl::{ColumnType, DefaultValue, Dialect, ForeignKeyAction, IndexMethod};

/// The PostgreSQL renderer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Postgres;

/// Keywords of categories R (reserved) and T (reserved, can be function or type) in
/// PostgreSQL 15's `pg_get_keywords()`: neither may name a table or column unquoted.
const RESERVED: &[&str] = &[
    "ALL",
    "ANALYSE",
    "ANALYZE",
    "AND",
    "ANY",
    "ARRAY",
    "AS",
    "ASC",
    "ASYMMETRIC",
    "AUTHORIZATION",
    "BINARY",
    "BOTH",
    "CASE",
    "CAST",
    "CHECK",
    "COLLATE",
    "COLLATION",
    "COLUMN",
    "CONCURRENTLY",
    "CONSTRAINT",
    "CREATE",
    "CROSS",
    "CURRENT_CATALOG",
    "CURRENT_DATE",
    "CURRENT_ROLE",
    "CURRENT_SCHEMA",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "CURRENT_USER",
    "DEFAULT",
    "DEFERRABLE",
    "DESC",
    "DISTINCT",
    "DO",
    "ELSE",
    "END",
    "EXCEPT",
    "FALSE",
    "FETCH",
    "FOR",
    "FOREIGN",
    "FREEZE",
    "FROM",
    "FULL",
    "GRANT",
    "GROUP",
    "HAVING",
    "ILIKE",
    "IN",
    "INITIALLY",
    "INNER",
    "INTERSECT",
    "INTO",
    "IS",
    "ISNULL",
    "JOIN",
    "LATERAL",
    "LEADING",
    "LEFT",
    "LIKE",
    "LIMIT",
    "LOCALTIME",
    "LOCALTIMESTAMP",
    "NATURAL",
    "NOT",
    "NOTNULL",
    "NULL",
    "OFFSET",
    "ON",
    "ONLY",
    "OR",
    "ORDER",
    "OUTER",
    "OVERLAPS",
    "PLACING",
    "PRIMARY",
    "REFERENCES",
    "RETURNING",
    "RIGHT",
    "SELECT",
    "SESSION_USER",
    "SIMILAR",
    "SOME",
    "SYMMETRIC",
    "TABLE",
    "TABLESAMPLE",
    "THEN",
    "TO",
    "TRAILING",
    "TRUE",
    "UNION",
    "UNIQUE",
    "USER",
    "USING",
    "VARIADIC",
    "VERBOSE",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
];

impl Backend for Postgres {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    /// `NAMEDATALEN - 1`; PostgreSQL silently truncates longer names, so they are refused.
    fn max_identifier_bytes(&self) -> Option<usize> {
        Some(63)
    }

    fn reserved_words(&self) -> &'static [&'static str] {
        RESERVED
    }

    fn supports_if_exists(&self) -> bool {
        true
    }

    fn supports_index_method(&self, method: IndexMethod) -> bool {
        matches!(method, IndexMethod::BTree | IndexMethod::Gin)
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

    fn column_clause_order(&self) -> &'static [ColumnClause] {
        &[
            ColumnClause::NotNull,
            ColumnClause::Default,
            ColumnClause::Identity,
            ColumnClause::PrimaryKey,
            ColumnClause::Unique,
        ]
    }

    fn column_type(&self, ty: ColumnType) -> Result<String, UnsupportedType> {
        Ok(match ty {
            ColumnType::Text { max_len: Some(n) } => format!("VARCHAR({n})"),
            ColumnType::Text { max_len: None } => "TEXT".to_string(),
            ColumnType::SmallInt => "SMALLINT".to_string(),
            ColumnType::Integer => "INTEGER".to_string(),
            ColumnType::BigInt => "BIGINT".to_string(),
            ColumnType::Boolean => "BOOLEAN".to_string(),
            ColumnType::Timestamp => "TIMESTAMP".to_string(),
            ColumnType::Json { .. } => "JSONB".to_string(),
        })
    }

    fn default_value(&self, default: &DefaultValue) -> Option<String> {
        Some(match default {
            DefaultValue::Text(text) => super::quote_text(text),
            DefaultValue::Integer(value) => value.to_string(),
            DefaultValue::Boolean(value) => value.to_string().to_ascii_uppercase(),
            DefaultValue::Now => "NOW()".to_string(),
        })
    }

    fn identity_keyword(&self) -> &'static str {
        "GENERATED ALWAYS AS IDENTITY"
    }
}
