//! What a dialect can do, as data: one [`Capabilities`] per backend, read by the rules and by
//! the statements every dialect shares.

use super::SqlValue;
use super::value::TIMESTAMP_TEXT;
use schema_dsl::{Dialect, ForeignKeyAction, IndexMethod};

/// Everything the rules and the shared statements need to know about one dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// The dialect described.
    pub dialect: Dialect,
    /// The longest identifier, in bytes of UTF-8, or `None` when unlimited.
    pub max_identifier_bytes: Option<usize>,
    /// Words that cannot be used as unquoted names: upper case, strictly ascending.
    pub reserved_words: &'static [&'static str],
    /// Whether `CREATE TABLE IF NOT EXISTS` and `DROP TABLE IF EXISTS` exist.
    pub table_if_not_exists: bool,
    /// Whether `CREATE INDEX IF NOT EXISTS` and `DROP INDEX IF EXISTS` exist.
    pub index_if_not_exists: bool,
    /// The methods an index may use.
    pub index_methods: &'static [IndexMethod],
    /// The actions a foreign key may take `ON DELETE`.
    pub on_delete_actions: &'static [ForeignKeyAction],
    /// The actions a foreign key may take `ON UPDATE`.
    pub on_update_actions: &'static [ForeignKeyAction],
    /// Whether a JSON column may be indexed or be part of a key.
    pub json_in_keys: bool,
    /// Whether every column of a PRIMARY KEY or UNIQUE constraint must be declared NOT NULL.
    pub not_null_keys_required: bool,
    /// Whether a PRIMARY KEY column is NOT NULL without saying so.
    pub primary_key_implies_not_null: bool,
    /// The order of the clauses after a column's type.
    pub column_clause_order: &'static [ColumnClause],
    /// Whether a table can be range-partitioned by month, with a default partition.
    pub monthly_partitions: bool,
    /// The longest row per page size, smallest page first; empty when rows are not bounded
    /// by pages.
    pub row_size_limits: &'static [RowSizeLimit],
    /// Whether BOOLEAN is stored as such, rather than as a 0/1 integer.
    pub native_boolean: bool,
    /// Whether JSON is stored as such, rather than as its text.
    pub native_json: bool,
    /// Whether TIMESTAMP is stored as such, rather than as ISO-8601 text.
    pub native_timestamp: bool,
    /// The clause that gives an added NOT NULL column a default for the existing rows, which
    /// `ALTER COLUMN … DROP DEFAULT` then removes; `None` where a default cannot be dropped
    /// without rebuilding the table (SQLite).
    pub temporary_default: Option<&'static str>,
    /// Whether `DROP COLUMN` leaves the table in reorg-pending state, so a `REORG TABLE`
    /// must follow it (Db2).
    pub drop_column_needs_reorg: bool,
    /// Whether a table that is the parent or the child of a foreign key can be renamed
    /// (Db2 refuses it: SQL0750N).
    pub rename_table_with_foreign_keys: bool,
    /// Whether `ALTER TABLE … ADD CONSTRAINT` / `DROP CONSTRAINT` exist for foreign keys and
    /// CHECKs; without them (SQLite) adding or dropping one rebuilds the table.
    pub alter_table_constraints: bool,
    /// Whether the dialect has lock-safe forms of index and constraint changes that must run
    /// outside a transaction (`CREATE INDEX CONCURRENTLY`, `NOT VALID` then `VALIDATE`), so an
    /// online migration's files carry the no-transaction directive (PostgreSQL).
    pub lock_safe_ddl: bool,
    /// How a column's type, nullability and default change in place; `None` where they
    /// cannot, so the table is rebuilt (SQLite).
    pub alter_column: Option<AlterColumnSyntax>,
}

/// How a dialect changes a column in place (`ALTER TABLE … ALTER COLUMN`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlterColumnSyntax {
    /// The words before the new type: `TYPE`, `SET DATA TYPE`.
    pub set_type: &'static str,
    /// Whether a change of type family (text ↔ integer) is one `ALTER` with
    /// `USING CAST(…)`; else the column is replaced: a new one added, the values copied by
    /// CAST, the old one dropped and the new one renamed (Db2: SET DATA TYPE cannot turn
    /// VARCHAR into a number).
    pub converts_in_place: bool,
    /// Whether SET / DROP NOT NULL and a SET DATA TYPE other than a longer VARCHAR leave the
    /// table reorg-pending, so a `REORG TABLE` must follow each at once (Db2).
    pub needs_reorg: bool,
    /// Whether SET NOT NULL is preceded by a validated `CHECK (c IS NOT NULL)`, which lets it
    /// skip its own scan (PostgreSQL 12+).
    pub not_null_behind_check: bool,
}

/// A clause of a column definition; each dialect orders them its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnClause {
    /// `NOT NULL`.
    NotNull,
    /// `DEFAULT …`.
    Default,
    /// The identity / autoincrement keyword.
    Identity,
    /// `PRIMARY KEY`, for a single-column key.
    PrimaryKey,
    /// `UNIQUE`.
    Unique,
}

/// Which referential event an action answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferentialEvent {
    /// `ON DELETE`.
    Delete,
    /// `ON UPDATE`.
    Update,
}

/// The longest row a table space of one page size holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowSizeLimit {
    /// The page size, in KiB.
    pub page_kib: u32,
    /// The longest row, in bytes.
    pub max_row_bytes: u32,
}

/// Every referential action.
pub const ALL_ACTIONS: &[ForeignKeyAction] = &[
    ForeignKeyAction::NoAction,
    ForeignKeyAction::Restrict,
    ForeignKeyAction::Cascade,
    ForeignKeyAction::SetNull,
    ForeignKeyAction::SetDefault,
];

impl Capabilities {
    /// Whether `word` is reserved.
    pub fn is_reserved(&self, word: &str) -> bool {
        self.reserved_words
            .binary_search(&word.to_ascii_uppercase().as_str())
            .is_ok()
    }

    /// Whether an index may use `method`.
    pub fn supports_index_method(&self, method: IndexMethod) -> bool {
        self.index_methods.contains(&method)
    }

    /// Whether `action` may answer `event` in a foreign key.
    pub fn supports_foreign_key_action(
        &self,
        event: ReferentialEvent,
        action: ForeignKeyAction,
    ) -> bool {
        match event {
            ReferentialEvent::Delete => self.on_delete_actions,
            ReferentialEvent::Update => self.on_update_actions,
        }
        .contains(&action)
    }

    /// `value` in the form this dialect stores it: 0/1 without BOOLEAN, text without JSON or
    /// TIMESTAMP.
    pub fn stored_value(&self, value: SqlValue) -> SqlValue {
        match value {
            SqlValue::Boolean(b) if !self.native_boolean => SqlValue::Integer(i64::from(b)),
            SqlValue::Json(json) if !self.native_json => SqlValue::Text(json.to_string()),
            SqlValue::Timestamp(t) if !self.native_timestamp => {
                SqlValue::Text(t.format(TIMESTAMP_TEXT).to_string())
            }
            other => other,
        }
    }
}
