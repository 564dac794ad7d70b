//! IBM Db2 for LUW: upper-case names, no `IF [NOT] EXISTS`, SMALLINT booleans with a CHECK,
//! CLOB JSON, and NOT NULL on every key column (SQL0542N otherwise).

use super::{Backend, ColumnClause, ReferentialEvent, UnsupportedType};
use schema_dsl::{
    ColumnDef, ColumnType, DefaultValue, Dialect, ForeignKeyAction, IndexMethod, JsonSize,
};

/// The Db2 renderer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Db2;

/// The longest VARCHAR Db2 accepts.
pub const MAX_VARCHAR: u32 = 32_672;

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

impl Backend for Db2 {
    fn dialect(&self) -> Dialect {
        Dialect::Db2
    }

    /// 128 bytes of UTF-8 for tables, columns, indexes and constraints (Db2 11.1+).
    fn max_identifier_bytes(&self) -> Option<usize> {
        Some(128)
    }

    fn reserved_words(&self) -> &'static [&'static str] {
        RESERVED
    }

    fn supports_if_exists(&self) -> bool {
        false
    }

    fn supports_index_method(&self, method: IndexMethod) -> bool {
        method == IndexMethod::BTree
    }

    /// JSON is a CLOB, and a LOB cannot be indexed or be part of a key (SQL0350N).
    fn supports_json_in_keys(&self) -> bool {
        false
    }

    /// ON UPDATE takes only NO ACTION and RESTRICT; ON DELETE has no SET DEFAULT.
    fn supports_foreign_key_action(
        &self,
        event: ReferentialEvent,
        action: ForeignKeyAction,
    ) -> bool {
        match event {
            ReferentialEvent::Delete => action != ForeignKeyAction::SetDefault,
            ReferentialEvent::Update => {
                matches!(
                    action,
                    ForeignKeyAction::NoAction | ForeignKeyAction::Restrict
                )
            }
        }
    }

    fn requires_not_null_keys(&self) -> bool {
        true
    }

    /// `DEFAULT … NOT NULL`, the order every Db2 release accepts.
    fn column_clause_order(&self) -> &'static [ColumnClause] {
        &[
            ColumnClause::Default,
            ColumnClause::NotNull,
            ColumnClause::Identity,
            ColumnClause::PrimaryKey,
            ColumnClause::Unique,
        ]
    }

    /// Unquoted names fold to upper case in Db2; writing them so keeps catalogs readable.
    fn identifier(&self, name: &str) -> String {
        name.to_ascii_uppercase()
    }

    /// Db2 has no unbounded TEXT and no BOOLEAN before 11.1.1.1.
    fn column_type(&self, ty: ColumnType) -> Result<String, UnsupportedType> {
        Ok(match ty {
            ColumnType::Text { max_len: Some(n) } if n <= MAX_VARCHAR => format!("VARCHAR({n})"),
            ColumnType::Text { max_len: Some(n) } => {
                return Err(UnsupportedType(format!(
                    "VARCHAR({n}) exceeds Db2's limit of {MAX_VARCHAR}"
                )));
            }
            ColumnType::Text { max_len: None } => {
                return Err(UnsupportedType(
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
            DefaultValue::Text(text) => super::quote_text(text),
            DefaultValue::Integer(value) => value.to_string(),
            DefaultValue::Boolean(value) => u8::from(*value).to_string(),
            DefaultValue::Now => "CURRENT TIMESTAMP".to_string(),
        })
    }

    fn identity_keyword(&self) -> &'static str {
        "GENERATED ALWAYS AS IDENTITY"
    }

    /// A boolean stored as SMALLINT accepts only 0 and 1.
    fn column_checks(&self, column: &ColumnDef) -> Option<String> {
        (column.ty == ColumnType::Boolean)
            .then(|| format!("CHECK ({} IN (0, 1))", self.identifier(&column.name)))
    }
}
