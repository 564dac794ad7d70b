//! One renderer per dialect, in the shape of sea-query's `backend/`: a unit struct per
//! dialect implementing [`Backend`], declaring what it can do once as [`Capabilities`] and
//! overriding only what it spells differently; the default methods hold the SQL every
//! dialect shares. This module is a leaf: the value types its methods take and give live
//! here, and the modules above (rules, rendering, statements, partitions) depend on it.

mod capabilities;
mod db2;
mod month;
mod postgres;
mod query;
mod sqlite;
mod value;

pub use capabilities::{
    ALL_ACTIONS, AlterColumnSyntax, Capabilities, ColumnClause, ReferentialEvent, RowSizeLimit,
};
pub use db2::Db2;
pub use month::Month;
pub use postgres::{PartitionObjects, Postgres};
pub use query::DmlSql;
pub use sqlite::Sqlite;
pub use value::SqlValue;
pub(crate) use value::TIMESTAMP_TEXT;

use migration_layout::sql_string_literal;
use schema_dsl::{
    CheckCondition, CheckDef, ColumnDef, ColumnType, DefaultValue, Dialect, ForeignKeyAction,
    ForeignKeyDef, IndexDef, IndexMethod, TableDef,
};
use thiserror::Error;

/// The renderer of `dialect`.
pub fn backend(dialect: Dialect) -> &'static dyn Backend {
    match dialect {
        Dialect::Sqlite => &Sqlite,
        Dialect::Postgres => &Postgres,
        Dialect::Db2 => &Db2,
    }
}

/// Something a dialect does not have or cannot render, with the reason; the caller names
/// the dialect and the table.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct Unsupported(pub String);

/// A foreign key of another table that references the table a step changes.
#[derive(Debug, Clone, Copy)]
pub struct Referencing<'a> {
    /// The referencing table.
    pub table: &'a TableDef,
    /// Its foreign key.
    pub foreign_key: &'a ForeignKeyDef,
}

/// What partitioning makes of a table, as the catalog shows it (for the expected shapes).
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionedShape {
    /// The partitioned table as declared for the catalog: its primary key extended by the
    /// partition key.
    pub table: TableDef,
    /// The partition key as the catalog prints it (`RANGE (created_at)`).
    pub partition_key: String,
    /// The partitions the migrations create (the DEFAULT one).
    pub partitions: Vec<String>,
    /// The prefix of the monthly partitions maintenance creates, followed by `YYYY_MM`.
    pub maintained_prefix: String,
    /// The triggers partitioning puts on the table.
    pub triggers: Vec<String>,
    /// The table that keeps the declared key unique; foreign keys to the table reference it.
    pub keys: TableDef,
}

/// `text` where the dialect has the clause, else nothing.
fn clause(supported: bool, text: &'static str) -> &'static str {
    if supported { text } else { "" }
}

/// Renders the schema model as one dialect's DDL.
pub trait Backend: Sync {
    /// What this dialect can do.
    fn capabilities(&self) -> &'static Capabilities;

    /// The dialect this backend renders.
    fn dialect(&self) -> Dialect {
        self.capabilities().dialect
    }

    // ----- types and values -----

    /// How a name is written: as declared, or case-folded.
    fn identifier(&self, name: &str) -> String {
        name.to_string()
    }

    /// The SQL type of a column of type `ty`.
    fn column_type(&self, ty: ColumnType) -> Result<String, Unsupported>;

    /// The SQL expression of `default`, or `None` where the dialect leaves it to the application.
    fn default_value(&self, default: &DefaultValue) -> Option<String>;

    /// The keyword that makes the database assign a key.
    fn identity_keyword(&self) -> &'static str;

    /// The bytes `column` takes at most in a stored row, where the dialect bounds rows.
    fn column_row_bytes(&self, _column: &ColumnDef) -> u32 {
        0
    }

    /// Extra table constraints the dialect needs for `column` (Db2's boolean CHECK).
    fn column_checks(&self, _column: &ColumnDef) -> Option<String> {
        None
    }

    // ----- the catalog's spellings (the expected shapes `migrate drift` compares) -----

    /// The type of a column of type `ty` as the catalog reports it: as written, unless the
    /// dialect overrides it.
    fn stored_type(&self, ty: ColumnType) -> Result<String, Unsupported> {
        self.column_type(ty)
    }

    /// `column`'s default as the catalog reports it: as written, unless the dialect overrides
    /// it.
    fn stored_default(&self, column: &ColumnDef) -> Option<String> {
        column
            .default
            .as_ref()
            .and_then(|default| self.default_value(default))
    }

    /// Whether the catalog keeps foreign-key constraint names.
    fn keeps_constraint_names(&self) -> bool {
        true
    }

    /// The CHECK conditions the catalog reports for `column` (the ones
    /// [`column_checks`](Backend::column_checks) writes, without `CHECK (…)`).
    fn stored_checks(&self, column: &ColumnDef) -> Vec<String> {
        self.column_checks(column)
            .and_then(|check| {
                check
                    .strip_prefix("CHECK (")
                    .and_then(|rest| rest.strip_suffix(')'))
                    .map(str::to_string)
            })
            .into_iter()
            .collect()
    }

    /// The condition of CHECK `check` of `table` as the catalog reports it, or `None` where the
    /// catalog reports none. Db2 and SQLite keep the text the DDL wrote.
    fn stored_check(&self, _table: &TableDef, check: &CheckDef) -> Option<String> {
        Some(self.check_condition(check))
    }

    /// What partitioning makes of `table` in the catalog.
    fn partitioned_shape(&self, _table: &TableDef) -> Result<PartitionedShape, Unsupported> {
        Err(no_partitions())
    }

    // ----- statements -----

    /// One line of a CREATE TABLE: the column's name, type and clauses.
    fn column_definition(
        &self,
        column: &ColumnDef,
        inline_primary_key: bool,
    ) -> Result<String, Unsupported> {
        let mut sql = format!(
            "{} {}",
            self.identifier(&column.name),
            self.column_type(column.ty)?
        );
        for clause in self.capabilities().column_clause_order {
            let text = match clause {
                ColumnClause::NotNull => {
                    let implied =
                        inline_primary_key && self.capabilities().primary_key_implies_not_null;
                    (!column.nullable && !implied).then(|| "NOT NULL".to_string())
                }
                ColumnClause::Default => column
                    .default
                    .as_ref()
                    .and_then(|default| self.default_value(default))
                    .map(|value| format!("DEFAULT {value}")),
                ColumnClause::Identity => column
                    .auto_increment
                    .then(|| self.identity_keyword().to_string()),
                ColumnClause::PrimaryKey => inline_primary_key.then(|| "PRIMARY KEY".to_string()),
                ColumnClause::Unique => column.unique.then(|| "UNIQUE".to_string()),
            };
            if let Some(text) = text {
                sql.push(' ');
                sql.push_str(&text);
            }
        }
        Ok(sql)
    }

    /// A table-level foreign key constraint.
    fn foreign_key(&self, fk: &ForeignKeyDef) -> String {
        let mut sql = format!(
            "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
            self.identifier(&fk.name),
            self.identifier_list(&fk.columns),
            self.identifier(&fk.ref_table),
            self.identifier_list(&fk.ref_columns),
        );
        for (event, action) in [("DELETE", fk.on_delete), ("UPDATE", fk.on_update)] {
            if action != ForeignKeyAction::NoAction {
                sql.push_str(&format!(" ON {event} {action}"));
            }
        }
        sql
    }

    /// A table-level CHECK constraint.
    fn check_constraint(&self, check: &CheckDef) -> String {
        format!(
            "CONSTRAINT {} CHECK ({})",
            self.identifier(&check.name),
            self.check_condition(check)
        )
    }

    /// The condition of a CHECK constraint, as the DDL writes it.
    fn check_condition(&self, check: &CheckDef) -> String {
        let column = self.identifier(&check.column);
        match &check.condition {
            CheckCondition::Between { min, max } => format!("{column} BETWEEN {min} AND {max}"),
            CheckCondition::OneOf(values) => format!(
                "{column} IN ({})",
                values
                    .iter()
                    .map(|value| sql_string_literal(value))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            CheckCondition::NotEmpty => format!("{column} <> ''"),
        }
    }

    /// `ALTER TABLE … ADD constraint;`, the constraint as CREATE TABLE writes it.
    fn add_constraint(&self, table: &TableDef, constraint: &str) -> String {
        format!(
            "ALTER TABLE {} ADD {constraint};",
            self.identifier(&table.name)
        )
    }

    /// `ALTER TABLE … DROP CONSTRAINT name;` (a foreign key or a CHECK).
    fn drop_constraint(&self, table: &TableDef, name: &str) -> String {
        format!(
            "ALTER TABLE {} DROP CONSTRAINT {};",
            self.identifier(&table.name),
            self.identifier(name)
        )
    }

    /// The keys table that foreign keys to the partitioned `table` reference instead of it.
    fn keys_table(&self, _table: &TableDef) -> Result<String, Unsupported> {
        Err(no_partitions())
    }

    /// Adds `constraint` (named `name`) to `table` without checking the rows, then checks
    /// them apart, so that writes go on during the scan when the two commit separately.
    fn add_constraint_not_valid(
        &self,
        _table: &TableDef,
        _constraint: &str,
        _name: &str,
    ) -> Result<Vec<String>, Unsupported> {
        Err(no_lock_safe_form())
    }

    /// Drops the constraint `name` of `table` if it is there (a retry's first statement).
    fn drop_constraint_if_exists(
        &self,
        _table: &TableDef,
        _name: &str,
    ) -> Result<String, Unsupported> {
        Err(no_lock_safe_form())
    }

    /// Builds `index` without blocking writes, after dropping what a killed earlier run left.
    fn create_index_online(
        &self,
        _table: &TableDef,
        _index: &IndexDef,
    ) -> Result<Vec<String>, Unsupported> {
        Err(no_lock_safe_form())
    }

    /// Drops `index`, if it is there, without blocking writes.
    fn drop_index_online(&self, _index: &IndexDef) -> Result<String, Unsupported> {
        Err(no_lock_safe_form())
    }

    /// `CREATE TABLE`, one column or constraint per line.
    fn create_table(&self, table: &TableDef) -> Result<String, Unsupported> {
        let primary_key = table.primary_key();
        let inline_primary_key = primary_key.len() == 1;
        let mut lines = Vec::new();
        for column in &table.columns {
            lines.push(self.column_definition(column, inline_primary_key && column.primary_key)?);
        }
        if primary_key.len() > 1 {
            let names: Vec<String> = primary_key.iter().map(|c| c.to_string()).collect();
            lines.push(format!("PRIMARY KEY ({})", self.identifier_list(&names)));
        }
        lines.extend(table.foreign_keys.iter().map(|fk| self.foreign_key(fk)));
        lines.extend(table.columns.iter().filter_map(|c| self.column_checks(c)));
        lines.extend(
            table
                .checks
                .iter()
                .map(|check| self.check_constraint(check)),
        );
        Ok(format!(
            "CREATE TABLE {}{} (\n    {}\n);",
            clause(self.capabilities().table_if_not_exists, "IF NOT EXISTS "),
            self.identifier(&table.name),
            lines.join(",\n    ")
        ))
    }

    /// `CREATE INDEX` on `table`.
    fn create_index(&self, table: &TableDef, index: &IndexDef) -> String {
        let using = index_using(index.method);
        format!(
            "CREATE {}INDEX {}{} ON {}{} ({});",
            clause(index.unique, "UNIQUE "),
            clause(self.capabilities().index_if_not_exists, "IF NOT EXISTS "),
            self.identifier(&index.name),
            self.identifier(&table.name),
            using,
            self.identifier_list(&index.columns),
        )
    }

    /// `DROP INDEX` of `index` on `table` (the table is unused here, but some dialects need
    /// it).
    fn drop_index(&self, _table: &TableDef, index: &IndexDef) -> String {
        format!(
            "DROP INDEX {}{};",
            clause(self.capabilities().index_if_not_exists, "IF EXISTS "),
            self.identifier(&index.name)
        )
    }

    /// `DROP TABLE`.
    fn drop_table(&self, table: &TableDef) -> String {
        format!(
            "DROP TABLE {}{};",
            clause(self.capabilities().table_if_not_exists, "IF EXISTS "),
            self.identifier(&table.name)
        )
    }

    /// `ALTER TABLE … ADD COLUMN` of `column`, written as CREATE TABLE writes it, then the
    /// table constraints the column needs (Db2's boolean CHECK).
    fn add_column(&self, table: &TableDef, column: &ColumnDef) -> Result<Vec<String>, Unsupported> {
        let name = self.identifier(&table.name);
        let mut sql = vec![format!(
            "ALTER TABLE {name} ADD COLUMN {};",
            self.column_definition(column, false)?
        )];
        sql.extend(
            self.column_checks(column)
                .map(|check| format!("ALTER TABLE {name} ADD {check};")),
        );
        Ok(sql)
    }

    /// Adds the NOT NULL `column`, which declares no default, giving the existing rows
    /// `value` (an SQL expression) through a default dropped right after; `None` where the
    /// dialect cannot drop a default (the table is rebuilt instead).
    fn add_column_filled(
        &self,
        table: &TableDef,
        column: &ColumnDef,
        value: &str,
    ) -> Result<Option<Vec<String>>, Unsupported> {
        let Some(keyword) = self.capabilities().temporary_default else {
            return Ok(None);
        };
        let name = self.identifier(&table.name);
        let column_name = self.identifier(&column.name);
        let mut sql = vec![format!(
            "ALTER TABLE {name} ADD COLUMN {column_name} {} NOT NULL {keyword} {value};",
            self.column_type(column.ty)?
        )];
        sql.extend(
            self.column_checks(column)
                .map(|check| format!("ALTER TABLE {name} ADD {check};")),
        );
        sql.push(format!(
            "ALTER TABLE {name} ALTER COLUMN {column_name} DROP DEFAULT;"
        ));
        Ok(Some(sql))
    }

    /// `ALTER TABLE … DROP COLUMN`, and the reorganisation the dialect then needs.
    fn drop_column(&self, table: &TableDef, column: &str) -> Vec<String> {
        let name = self.identifier(&table.name);
        let mut sql = vec![format!(
            "ALTER TABLE {name} DROP COLUMN {};",
            self.identifier(column)
        )];
        if self.capabilities().drop_column_needs_reorg {
            sql.push(self.reorg_table(&table.name));
        }
        sql
    }

    /// `REORG TABLE`, run right after a statement that leaves `table` reorg-pending (Db2).
    fn reorg_table(&self, table: &str) -> String {
        format!(
            "CALL SYSPROC.ADMIN_CMD('REORG TABLE {}');",
            self.identifier(table)
        )
    }

    /// A statement that stops the migration when rows of `table` meet `offending` (an SQL
    /// condition), with an error naming their count followed by `problem`: the pre-check
    /// before a change not every value survives.
    fn pre_check(&self, table: &str, offending: &str, problem: &str) -> String;

    /// The SQL condition that the text in `column` is not an integer from `range.0` to
    /// `range.1` written as integers are (an optional `-`, digits, no leading zero).
    fn not_integer_text(&self, column: &str, range: (i64, i64)) -> String;

    /// `ALTER TABLE … RENAME COLUMN from TO to`.
    fn rename_column(&self, table: &TableDef, from: &str, to: &str) -> String {
        format!(
            "ALTER TABLE {} RENAME COLUMN {} TO {};",
            self.identifier(&table.name),
            self.identifier(from),
            self.identifier(to)
        )
    }

    /// Renames `table` to `to`, with whatever is named after the table.
    fn rename_table(&self, table: &TableDef, to: &str) -> Vec<String> {
        vec![format!(
            "ALTER TABLE {} RENAME TO {};",
            self.identifier(&table.name),
            self.identifier(to)
        )]
    }

    /// The SQL expression that stores `value` in a column (a backfill): the default's
    /// spelling, or what the application would write where the dialect leaves a default to it.
    fn value_expression(&self, value: &DefaultValue) -> String {
        self.default_value(value)
            .unwrap_or_else(|| "NULL".to_string())
    }

    /// The value existing rows get in a restored NOT NULL column whose values are gone:
    /// '' / 0 / false / the epoch / an empty JSON object.
    fn placeholder(&self, ty: ColumnType) -> String {
        match ty {
            ColumnType::Text { .. } => "''".to_string(),
            ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt => "0".to_string(),
            ColumnType::Boolean if self.capabilities().native_boolean => "FALSE".to_string(),
            ColumnType::Boolean => "0".to_string(),
            ColumnType::Timestamp => self.epoch_literal().to_string(),
            ColumnType::Json { .. } => "'{}'".to_string(),
        }
    }

    /// 1970-01-01 00:00:00 as a timestamp literal.
    fn epoch_literal(&self) -> &'static str {
        "'1970-01-01 00:00:00'"
    }

    /// Drops the partitioned `table` with what its partitioning made (the keys table and its
    /// trigger function).
    fn drop_partitioned_table(&self, _table: &TableDef) -> Result<Vec<String>, Unsupported> {
        Err(no_partitions())
    }

    /// Statements that turn the existing, unpartitioned `table` into its declared
    /// partitioning, keeping its rows and the guarantees of the foreign keys in `referencing`.
    fn partition_table(
        &self,
        _table: &TableDef,
        _referencing: &[Referencing],
    ) -> Result<Vec<String>, Unsupported> {
        Err(no_partitions())
    }

    /// Statements that undo [`Backend::partition_table`], keeping every row.
    fn unpartition_table(
        &self,
        _table: &TableDef,
        _referencing: &[Referencing],
    ) -> Result<Vec<String>, Unsupported> {
        Err(no_partitions())
    }

    /// Statements that create the partitions of `months` months from `first` that do not
    /// exist yet, moving the rows of their ranges out of the default partition; they must
    /// run in one transaction.
    fn create_monthly_partitions(
        &self,
        _table: &TableDef,
        _first: Month,
        _months: u32,
    ) -> Result<Vec<String>, Unsupported> {
        Err(no_partitions())
    }

    /// Insert, upsert on the primary key, select by key and delete by key for `table`, with
    /// this dialect's native placeholders.
    fn dml(&self, table: &TableDef) -> DmlSql;

    /// Names, each written as this dialect writes identifiers, comma-separated.
    fn identifier_list(&self, names: &[String]) -> String {
        names
            .iter()
            .map(|name| self.identifier(name))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// ` USING <METHOD>` of an index, nothing for a B-tree.
fn index_using(method: IndexMethod) -> String {
    match method {
        IndexMethod::BTree => String::new(),
        method => format!(" USING {}", method.to_string().to_ascii_uppercase()),
    }
}

/// Why a dialect without lock-safe DDL cannot render a step of an online migration so.
fn no_lock_safe_form() -> Unsupported {
    Unsupported("this dialect has no lock-safe form of the step".to_string())
}

/// Why a dialect without monthly partitioning cannot partition a table.
fn no_partitions() -> Unsupported {
    Unsupported("this dialect has no monthly partitioning".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `is_reserved` binary-searches the list, so it must be upper case and strictly
    /// ascending; each backend also describes its own dialect.
    #[test]
    fn every_reserved_word_list_is_sorted_upper_case() {
        for dialect in Dialect::ALL {
            let capabilities = backend(dialect).capabilities();
            assert_eq!(capabilities.dialect, dialect);
            let words = capabilities.reserved_words;
            for word in words {
                assert_eq!(*word, word.to_ascii_uppercase(), "{dialect}: {word}");
            }
            for pair in words.windows(2) {
                assert!(
                    pair[0] < pair[1],
                    "{dialect}: {} before {}",
                    pair[0],
                    pair[1]
                );
            }
            assert!(
                words
                    .iter()
                    .all(|w| capabilities.is_reserved(&w.to_ascii_lowercase()))
            );
        }
    }
}
