//! What a table is: columns, keys and indexes, with no SQL text and no dialect in them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A table: its columns in declaration order, its foreign keys, indexes and CHECK constraints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableDef {
    /// The table name.
    pub name: String,
    /// Columns, in the order they are declared and created.
    pub columns: Vec<ColumnDef>,
    /// Foreign keys, in declaration order.
    pub foreign_keys: Vec<ForeignKeyDef>,
    /// Secondary indexes, in declaration order.
    pub indexes: Vec<IndexDef>,
    /// How the table is split into partitions, where the dialect can partition it.
    pub partitioning: Option<Partitioning>,
    /// CHECK constraints, in declaration order (left out of the release record when there
    /// are none, so that tables released before CHECKs existed read the same).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckDef>,
}

impl TableDef {
    /// An empty table named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        TableDef {
            name: name.into(),
            columns: Vec::new(),
            foreign_keys: Vec::new(),
            indexes: Vec::new(),
            partitioning: None,
            checks: Vec::new(),
        }
    }

    /// Adds a column.
    pub fn column(mut self, column: ColumnDef) -> Self {
        self.columns.push(column);
        self
    }

    /// Adds a foreign key.
    pub fn foreign_key(mut self, foreign_key: ForeignKeyDef) -> Self {
        self.foreign_keys.push(foreign_key);
        self
    }

    /// Adds an index.
    pub fn index(mut self, index: IndexDef) -> Self {
        self.indexes.push(index);
        self
    }

    /// Adds a CHECK constraint.
    pub fn check(mut self, check: CheckDef) -> Self {
        self.checks.push(check);
        self
    }

    /// Splits the table into partitions as `partitioning` says.
    pub fn partitioned(mut self, partitioning: Partitioning) -> Self {
        self.partitioning = Some(partitioning);
        self
    }

    /// The index named `name`, if there is one.
    pub fn find_index(&self, name: &str) -> Option<&IndexDef> {
        self.indexes.iter().find(|index| index.name == name)
    }

    /// The foreign key named `name`, if there is one.
    pub fn find_foreign_key(&self, name: &str) -> Option<&ForeignKeyDef> {
        self.foreign_keys.iter().find(|fk| fk.name == name)
    }

    /// The CHECK constraint named `name`, if there is one.
    pub fn find_check(&self, name: &str) -> Option<&CheckDef> {
        self.checks.iter().find(|check| check.name == name)
    }

    /// The column named `name`, if there is one.
    pub fn find_column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|column| column.name == name)
    }

    /// The primary key's columns, in declaration order (empty when there is none).
    pub fn primary_key(&self) -> Vec<&str> {
        self.columns
            .iter()
            .filter(|column| column.primary_key)
            .map(|column| column.name.as_str())
            .collect()
    }

    /// Whether `columns` is exactly a key of this table: the primary key, a UNIQUE column
    /// or a unique index, so that a foreign key may reference it.
    pub fn is_key(&self, columns: &[String]) -> bool {
        let same = |key: &[&str]| {
            key.len() == columns.len() && key.iter().all(|k| columns.iter().any(|c| c == k))
        };
        same(&self.primary_key())
            || matches!(columns, [only] if self.find_column(only).is_some_and(|c| c.unique))
            || self.indexes.iter().any(|index| {
                index.unique && same(&index.columns.iter().map(String::as_str).collect::<Vec<_>>())
            })
    }
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDef {
    /// The column name.
    pub name: String,
    /// What the column holds.
    pub ty: ColumnType,
    /// Whether the column accepts NULL (an `Option<_>` field).
    pub nullable: bool,
    /// Whether the column is (part of) the primary key.
    pub primary_key: bool,
    /// Whether the column carries its own UNIQUE constraint.
    pub unique: bool,
    /// The value used when an insert gives none.
    pub default: Option<DefaultValue>,
    /// Whether the database assigns the value (an identity / autoincrement key).
    pub auto_increment: bool,
}

impl ColumnDef {
    /// A NOT NULL column with no key, default or identity.
    pub fn new(name: impl Into<String>, ty: ColumnType) -> Self {
        ColumnDef {
            name: name.into(),
            ty,
            nullable: false,
            primary_key: false,
            unique: false,
            default: None,
            auto_increment: false,
        }
    }

    /// Sets whether the column accepts NULL.
    pub fn nullable(mut self, nullable: bool) -> Self {
        self.nullable = nullable;
        self
    }

    /// Marks the column as (part of) the primary key.
    pub fn primary_key(mut self) -> Self {
        self.primary_key = true;
        self
    }

    /// Gives the column its own UNIQUE constraint.
    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }

    /// Sets the column's default.
    pub fn default(mut self, default: DefaultValue) -> Self {
        self.default = Some(default);
        self
    }

    /// Lets the database assign the column's value.
    pub fn auto_increment(mut self) -> Self {
        self.auto_increment = true;
        self
    }
}

/// The logical type of a column; each dialect maps it to its own SQL type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ColumnType {
    /// Character data, bounded by `max_len` characters when given.
    Text {
        /// The longest value, in characters; `None` for unbounded text.
        max_len: Option<u32>,
    },
    /// A 16-bit integer.
    SmallInt,
    /// A 32-bit integer.
    Integer,
    /// A 64-bit integer.
    BigInt,
    /// True or false.
    Boolean,
    /// A date and time without time zone (UTC by convention).
    Timestamp,
    /// A JSON document of the given size class.
    Json {
        /// How large the documents may grow.
        size: JsonSize,
    },
}

impl ColumnType {
    /// Whether the type is one of the integer types.
    pub fn is_integer(self) -> bool {
        matches!(
            self,
            ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt
        )
    }
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnType::Text { max_len: Some(n) } => write!(f, "text({n})"),
            ColumnType::Text { max_len: None } => f.write_str("text"),
            ColumnType::SmallInt => f.write_str("smallint"),
            ColumnType::Integer => f.write_str("integer"),
            ColumnType::BigInt => f.write_str("bigint"),
            ColumnType::Boolean => f.write_str("boolean"),
            ColumnType::Timestamp => f.write_str("timestamp"),
            ColumnType::Json { size } => write!(f, "json({size})"),
        }
    }
}

/// How large a JSON column's documents may grow; dialects with sized LOBs use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum JsonSize {
    /// Up to 100 KiB: metrics, small result sets.
    Small,
    /// Up to 1 MiB: payloads, parameters, configuration.
    #[default]
    Large,
}

impl JsonSize {
    /// The largest document, in bytes.
    pub fn max_bytes(self) -> u32 {
        match self {
            JsonSize::Small => 100 * 1024,
            JsonSize::Large => 1024 * 1024,
        }
    }
}

impl fmt::Display for JsonSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonSize::Small => f.write_str("small"),
            JsonSize::Large => f.write_str("large"),
        }
    }
}

/// A column default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DefaultValue {
    /// A string literal.
    Text(String),
    /// An integer literal.
    Integer(i64),
    /// A boolean literal.
    Boolean(bool),
    /// The current date and time, in the dialect's own spelling.
    Now,
}

impl DefaultValue {
    /// Whether the default is a valid value of a column of type `ty`.
    pub fn fits(&self, ty: ColumnType) -> bool {
        match self {
            DefaultValue::Text(text) => match ty {
                ColumnType::Text { max_len } => {
                    max_len.is_none_or(|max| text.chars().count() <= max as usize)
                }
                _ => false,
            },
            DefaultValue::Integer(value) => match ty {
                ColumnType::SmallInt => i16::try_from(*value).is_ok(),
                ColumnType::Integer => i32::try_from(*value).is_ok(),
                ColumnType::BigInt => true,
                _ => false,
            },
            DefaultValue::Boolean(_) => ty == ColumnType::Boolean,
            DefaultValue::Now => ty == ColumnType::Timestamp,
        }
    }
}

impl fmt::Display for DefaultValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DefaultValue::Text(text) => write!(f, "{text:?}"),
            DefaultValue::Integer(value) => write!(f, "{value}"),
            DefaultValue::Boolean(value) => write!(f, "{value}"),
            DefaultValue::Now => f.write_str("now"),
        }
    }
}

/// A foreign key from columns of one table to a key of another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForeignKeyDef {
    /// The constraint name.
    pub name: String,
    /// The referencing columns, in this table.
    pub columns: Vec<String>,
    /// The referenced table.
    pub ref_table: String,
    /// The referenced columns, a key of `ref_table`.
    pub ref_columns: Vec<String>,
    /// What happens to referencing rows when the referenced row is deleted.
    pub on_delete: ForeignKeyAction,
    /// What happens to referencing rows when the referenced key changes.
    pub on_update: ForeignKeyAction,
}

/// A referential action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum ForeignKeyAction {
    /// Refuse the change at the end of the statement (the SQL default).
    #[default]
    NoAction,
    /// Refuse the change at once.
    Restrict,
    /// Delete or update the referencing rows too.
    Cascade,
    /// Set the referencing columns to NULL.
    SetNull,
    /// Set the referencing columns to their defaults.
    SetDefault,
}

impl fmt::Display for ForeignKeyAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ForeignKeyAction::NoAction => "NO ACTION",
            ForeignKeyAction::Restrict => "RESTRICT",
            ForeignKeyAction::Cascade => "CASCADE",
            ForeignKeyAction::SetNull => "SET NULL",
            ForeignKeyAction::SetDefault => "SET DEFAULT",
        })
    }
}

/// A CHECK constraint: a typed condition on one column, which every dialect renders. As in
/// SQL, a NULL value passes it (a nullable column stays nullable).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CheckDef {
    /// The constraint name.
    pub name: String,
    /// The column the condition is on.
    pub column: String,
    /// What every value of the column must satisfy.
    pub condition: CheckCondition,
}

impl CheckDef {
    /// The constraint `name`: `column` satisfies `condition`.
    pub fn new(
        name: impl Into<String>,
        column: impl Into<String>,
        condition: CheckCondition,
    ) -> Self {
        CheckDef {
            name: name.into(),
            column: column.into(),
            condition,
        }
    }
}

/// What a CHECK constraint asks of its column's values.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckCondition {
    /// An integer between `min` and `max`, both included.
    Between {
        /// The smallest value allowed.
        min: i64,
        /// The largest value allowed.
        max: i64,
    },
    /// A text that is one of `values`.
    OneOf(Vec<String>),
    /// A text that is not empty.
    NotEmpty,
}

impl CheckCondition {
    /// Why the condition cannot hold on a column of type `ty`, if it cannot.
    pub fn misfit(&self, ty: ColumnType) -> Option<String> {
        match self {
            CheckCondition::Between { min, max } => {
                if !ty.is_integer() {
                    return Some(format!("a range needs an integer column, not {ty}"));
                }
                if min > max {
                    return Some(format!("the range {min}..={max} is empty"));
                }
                let fits = |value: i64| DefaultValue::Integer(value).fits(ty);
                (!fits(*min) || !fits(*max))
                    .then(|| format!("the range {min}..={max} does not fit type {ty}"))
            }
            CheckCondition::OneOf(values) => {
                if !matches!(ty, ColumnType::Text { .. }) {
                    return Some(format!("a list of values needs a text column, not {ty}"));
                }
                if values.is_empty() {
                    return Some("the list of values is empty".to_string());
                }
                values
                    .iter()
                    .find(|value| !DefaultValue::Text((*value).clone()).fits(ty))
                    .map(|value| format!("the value {value:?} does not fit type {ty}"))
            }
            CheckCondition::NotEmpty => (!matches!(ty, ColumnType::Text { .. }))
                .then(|| format!("not empty needs a text column, not {ty}")),
        }
    }
}

impl fmt::Display for CheckCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckCondition::Between { min, max } => write!(f, "between {min} and {max}"),
            CheckCondition::OneOf(values) => write!(f, "one of {values:?}"),
            CheckCondition::NotEmpty => f.write_str("not empty"),
        }
    }
}

/// A secondary index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexDef {
    /// The index name, unique across the schema.
    pub name: String,
    /// The indexed columns, in key order.
    pub columns: Vec<String>,
    /// Whether the index enforces uniqueness.
    pub unique: bool,
    /// The access method.
    pub method: IndexMethod,
}

impl IndexDef {
    /// A plain (B-tree, non-unique) index.
    pub fn new(name: impl Into<String>, columns: &[&str]) -> Self {
        IndexDef {
            name: name.into(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            unique: false,
            method: IndexMethod::BTree,
        }
    }
}

/// An index access method. Every dialect has B-tree; the others are dialect capabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum IndexMethod {
    /// The ordered index every database has.
    #[default]
    BTree,
    /// A generalized inverted index over JSON documents (PostgreSQL).
    Gin,
}

impl fmt::Display for IndexMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IndexMethod::BTree => "btree",
            IndexMethod::Gin => "gin",
        })
    }
}

/// A table split into ranges of one timestamp column, one partition per interval, with a
/// default partition for rows outside every range.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Partitioning {
    /// The partition key: a NOT NULL timestamp column.
    pub column: String,
    /// How long each partition's range is.
    pub interval: PartitionInterval,
}

impl Partitioning {
    /// Monthly ranges of `column`.
    pub fn monthly(column: impl Into<String>) -> Self {
        Partitioning {
            column: column.into(),
            interval: PartitionInterval::Month,
        }
    }
}

/// The length of one partition's range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PartitionInterval {
    /// One calendar month, from the first day at midnight.
    Month,
}
