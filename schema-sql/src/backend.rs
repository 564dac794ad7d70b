//! One renderer per dialect, in the shape of sea-query's `backend/`: a unit struct per
//! dialect implementing [`Backend`], whose default methods hold the SQL every dialect
//! shares; a dialect overrides only its capabilities and what it spells differently.
//! Each dialect module declares its items in the same order, so they read side by side.

mod db2;
mod postgres;
mod sqlite;

pub use db2::Db2;
pub use postgres::Postgres;
pub use sqlite::Sqlite;

use crate::dml::{DmlSql, SqlValue};
use crate::partition::Month;
use schema_dsl::{
    ColumnDef, ColumnType, DefaultValue, Dialect, ForeignKeyAction, ForeignKeyDef, IndexDef,
    IndexMethod, TableDef,
};

/// The renderer of `dialect`.
pub fn backend(dialect: Dialect) -> &'static dyn Backend {
    match dialect {
        Dialect::Sqlite => &Sqlite,
        Dialect::Postgres => &Postgres,
        Dialect::Db2 => &Db2,
    }
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

/// A column type a dialect cannot store, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsupportedType(pub String);

/// A feature a dialect does not have, or cannot give a table, with the reason (the caller
/// names the dialect and the table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported(pub String);

/// A foreign key of another table that references the table a step changes.
#[derive(Debug, Clone, Copy)]
pub struct Referencing<'a> {
    /// The referencing table.
    pub table: &'a TableDef,
    /// Its foreign key.
    pub foreign_key: &'a ForeignKeyDef,
}

/// Renders the schema model as one dialect's DDL.
pub trait Backend: Sync {
    // ----- capabilities -----

    /// The dialect this backend renders.
    fn dialect(&self) -> Dialect;

    /// The longest identifier, in bytes of UTF-8, or `None` when unlimited.
    fn max_identifier_bytes(&self) -> Option<usize>;

    /// Words that cannot be used as unquoted names, upper case, sorted.
    fn reserved_words(&self) -> &'static [&'static str];

    /// Whether `CREATE … IF NOT EXISTS` and `DROP … IF EXISTS` exist.
    fn supports_if_exists(&self) -> bool;

    /// Whether an index may use `method`.
    fn supports_index_method(&self, method: IndexMethod) -> bool;

    /// Whether a JSON column may be indexed or be part of a key.
    fn supports_json_in_keys(&self) -> bool;

    /// Whether `action` may answer `event` in a foreign key.
    fn supports_foreign_key_action(
        &self,
        event: ReferentialEvent,
        action: ForeignKeyAction,
    ) -> bool;

    /// Whether every column of a PRIMARY KEY or UNIQUE constraint must be declared NOT NULL.
    fn requires_not_null_keys(&self) -> bool;

    /// Whether a PRIMARY KEY column is NOT NULL without saying so. SQLite's is not (a legacy
    /// quirk its documentation keeps for compatibility), and Db2 wants it written.
    fn primary_key_implies_not_null(&self) -> bool;

    /// The order of the clauses after a column's type.
    fn column_clause_order(&self) -> &'static [ColumnClause];

    /// Whether a table can be range-partitioned by month, with a default partition.
    fn supports_monthly_partitions(&self) -> bool;

    /// The longest row, in bytes, per page size in KiB, smallest page first; empty when the
    /// dialect does not bound rows by pages.
    fn row_size_limits(&self) -> &'static [(u32, u32)];

    // ----- types and values -----

    /// Whether `word` is reserved in this dialect.
    fn is_reserved(&self, word: &str) -> bool {
        self.reserved_words()
            .binary_search(&word.to_ascii_uppercase().as_str())
            .is_ok()
    }

    /// How a name is written: as declared, or case-folded.
    fn identifier(&self, name: &str) -> String {
        name.to_string()
    }

    /// The SQL type of a column of type `ty`.
    fn column_type(&self, ty: ColumnType) -> Result<String, UnsupportedType>;

    /// The SQL expression of `default`, or `None` where the dialect leaves it to the application.
    fn default_value(&self, default: &DefaultValue) -> Option<String>;

    /// The keyword that makes the database assign a key.
    fn identity_keyword(&self) -> &'static str;

    /// The bytes `column` takes at most in a stored row, where the dialect bounds rows.
    fn column_row_bytes(&self, _column: &ColumnDef) -> u32 {
        0
    }

    /// A value in the form this dialect stores it (booleans as 0/1 where there is no
    /// BOOLEAN, JSON as text where there is no JSON type, …).
    fn stored_value(&self, value: SqlValue) -> SqlValue {
        value
    }

    /// Extra table constraints the dialect needs for `column` (Db2's boolean CHECK).
    fn column_checks(&self, _column: &ColumnDef) -> Option<String> {
        None
    }

    // ----- statements -----

    /// `IF NOT EXISTS ` where the dialect has it.
    fn if_not_exists(&self) -> &'static str {
        if self.supports_if_exists() {
            "IF NOT EXISTS "
        } else {
            ""
        }
    }

    /// `IF EXISTS ` where the dialect has it.
    fn if_exists(&self) -> &'static str {
        if self.supports_if_exists() {
            "IF EXISTS "
        } else {
            ""
        }
    }

    /// One line of a CREATE TABLE: the column's name, type and clauses.
    fn column_definition(
        &self,
        column: &ColumnDef,
        inline_primary_key: bool,
    ) -> Result<String, UnsupportedType> {
        let mut sql = format!(
            "{} {}",
            self.identifier(&column.name),
            self.column_type(column.ty)?
        );
        for clause in self.column_clause_order() {
            let text = match clause {
                ColumnClause::NotNull => {
                    let implied = inline_primary_key && self.primary_key_implies_not_null();
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

    /// `CREATE TABLE`, one column or constraint per line.
    fn create_table(&self, table: &TableDef) -> Result<String, UnsupportedType> {
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
        Ok(format!(
            "CREATE TABLE {}{} (\n    {}\n);",
            self.if_not_exists(),
            self.identifier(&table.name),
            lines.join(",\n    ")
        ))
    }

    /// `CREATE INDEX` on `table`.
    fn create_index(&self, table: &TableDef, index: &IndexDef) -> String {
        let using = match index.method {
            IndexMethod::BTree => String::new(),
            method => format!(" USING {}", method.to_string().to_ascii_uppercase()),
        };
        format!(
            "CREATE {}INDEX {}{} ON {}{} ({});",
            if index.unique { "UNIQUE " } else { "" },
            self.if_not_exists(),
            self.identifier(&index.name),
            self.identifier(&table.name),
            using,
            self.identifier_list(&index.columns),
        )
    }

    /// `DROP INDEX`.
    fn drop_index(&self, index: &IndexDef) -> String {
        format!(
            "DROP INDEX {}{};",
            self.if_exists(),
            self.identifier(&index.name)
        )
    }

    /// `DROP TABLE`.
    fn drop_table(&self, table: &TableDef) -> String {
        format!(
            "DROP TABLE {}{};",
            self.if_exists(),
            self.identifier(&table.name)
        )
    }

    /// Statements that turn the existing, unpartitioned `table` into its declared
    /// partitioning, keeping its rows and the guarantees of the foreign keys in `referencing`.
    fn partition_table(
        &self,
        table: &TableDef,
        _referencing: &[Referencing],
    ) -> Result<Vec<String>, Unsupported> {
        Err(self.no_partitions(table))
    }

    /// Statements that undo [`Backend::partition_table`], keeping every row.
    fn unpartition_table(
        &self,
        table: &TableDef,
        _referencing: &[Referencing],
    ) -> Result<Vec<String>, Unsupported> {
        Err(self.no_partitions(table))
    }

    /// Statements that create the partitions of `months` months from `first` that do not
    /// exist yet, moving the rows of their ranges out of the default partition; they must
    /// run in one transaction.
    fn create_monthly_partitions(
        &self,
        table: &TableDef,
        _first: Month,
        _months: u32,
    ) -> Result<Vec<String>, Unsupported> {
        Err(self.no_partitions(table))
    }

    /// Why `_table` cannot be partitioned here.
    fn no_partitions(&self, _table: &TableDef) -> Unsupported {
        Unsupported("this dialect has no monthly partitioning".to_string())
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
