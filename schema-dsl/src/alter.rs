//! Changing a column in place (`Step::AlterColumn`): what the change is, told apart from the
//! column before and the column as it becomes, and why a change does not fit a table with
//! rows. Dialect-free: renderers read [`ColumnChange`] to choose their statements.

use crate::validate::StepError;
use crate::{Acknowledgement, ColumnDef, ColumnType, DefaultValue, TableDef};
use serde::{Deserialize, Serialize};

/// How the values of a column that changes type family (text ↔ integer) become values of the
/// new type. Explicit, so that no conversion happens by accident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Conversion {
    /// The SQL `CAST`; a value that does not convert exactly (text that is not an integer as
    /// integers are written, a number out of range, text too long) stops the migration
    /// before anything changes, naming the count of such rows.
    Cast,
}

/// The options of an `alter_column` step beyond the column as declared: the value for rows
/// holding NULL, the conversion and the acknowledgement.
///
/// ```
/// use schema_dsl::{Acknowledgement, AlterOptions, DefaultValue};
///
/// let options = AlterOptions::default()
///     .backfill(DefaultValue::Integer(0))
///     .cast()
///     .acknowledge(Acknowledgement::data_loss("ids fit in 32 bits"));
/// assert!(options.conversion.is_some());
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlterOptions {
    /// The value rows holding NULL get when the column becomes NOT NULL.
    pub backfill: Option<DefaultValue>,
    /// How values change type family.
    pub conversion: Option<Conversion>,
    /// The acknowledgement a narrowing needs.
    pub ack: Option<Acknowledgement>,
}

impl AlterOptions {
    /// Rows holding NULL get `value` (a column made NOT NULL needs it, or a default).
    pub fn backfill(mut self, value: DefaultValue) -> Self {
        self.backfill = Some(value);
        self
    }

    /// Values change type family by [`Conversion::Cast`].
    pub fn cast(mut self) -> Self {
        self.conversion = Some(Conversion::Cast);
        self
    }

    /// Acknowledges that the change narrows the column, for `ack`'s reason.
    pub fn acknowledge(mut self, ack: Acknowledgement) -> Self {
        self.ack = Some(ack);
        self
    }
}

/// How a column's type changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeChange {
    /// Every old value is a value of the new type: longer text, a wider integer, larger JSON.
    Widen,
    /// Some old values may not fit: shorter or bounded text, a smaller integer, smaller JSON.
    Narrow,
    /// Another type family (text ↔ integer), by a [`Conversion`].
    Convert,
}

/// One column before and after an `AlterColumn` step.
#[derive(Debug, Clone, Copy)]
pub struct ColumnChange<'a> {
    /// The column before the step.
    pub before: &'a ColumnDef,
    /// The column as it becomes.
    pub after: &'a ColumnDef,
}

impl ColumnChange<'_> {
    /// How the type changes; `None` when it stays, `Err` for a pair of types no conversion
    /// joins.
    pub fn type_change(&self) -> Result<Option<TypeChange>, String> {
        let (from, to) = (self.before.ty, self.after.ty);
        if from == to {
            return Ok(None);
        }
        let widen_if = |wider: bool| {
            Ok(Some(if wider {
                TypeChange::Widen
            } else {
                TypeChange::Narrow
            }))
        };
        use ColumnType::{BigInt, Boolean, Integer, Json, SmallInt, Text, Timestamp};
        match (from, to) {
            (Text { max_len: old }, Text { max_len: new }) => widen_if(match (old, new) {
                (_, None) => true,
                (None, Some(_)) => false,
                (Some(old), Some(new)) => new > old,
            }),
            (Json { size: old }, Json { size: new }) => widen_if(new.max_bytes() > old.max_bytes()),
            (SmallInt | Integer | BigInt, SmallInt | Integer | BigInt) => {
                widen_if(integer_range(to).1 > integer_range(from).1)
            }
            (Text { .. }, SmallInt | Integer | BigInt)
            | (SmallInt | Integer | BigInt, Text { .. }) => Ok(Some(TypeChange::Convert)),
            (
                Text { .. } | SmallInt | Integer | BigInt | Boolean | Timestamp | Json { .. },
                Text { .. } | SmallInt | Integer | BigInt | Boolean | Timestamp | Json { .. },
            ) => Err(format!(
                "changing {from} to {to} is not supported: add a new column, copy the values, then drop this one"
            )),
        }
    }

    /// Whether values of the old type may not be values of the new one, so that a pre-check
    /// must count them before the change: a narrowing, text to integer, or an integer to text
    /// too short for every integer.
    pub fn needs_pre_check(&self) -> bool {
        match self.type_change() {
            Ok(Some(TypeChange::Narrow)) => true,
            Ok(Some(TypeChange::Convert)) => match self.after.ty {
                ColumnType::Text { max_len: Some(n) } => {
                    integer_text_len(self.before.ty) > n as usize
                }
                ColumnType::Text { max_len: None } => false,
                // Text to integer.
                ColumnType::SmallInt
                | ColumnType::Integer
                | ColumnType::BigInt
                | ColumnType::Boolean
                | ColumnType::Timestamp
                | ColumnType::Json { .. } => true,
            },
            Ok(Some(TypeChange::Widen) | None) | Err(_) => false,
        }
    }

    /// Whether the column goes from nullable to NOT NULL.
    pub fn becomes_not_null(&self) -> bool {
        self.before.nullable && !self.after.nullable
    }

    /// Whether the column goes from NOT NULL to nullable.
    pub fn becomes_nullable(&self) -> bool {
        !self.before.nullable && self.after.nullable
    }

    /// Whether the default changes.
    pub fn default_changes(&self) -> bool {
        self.before.default != self.after.default
    }

    /// The same change the other way round, for the down file.
    pub fn reversed(&self) -> Self {
        ColumnChange {
            before: self.after,
            after: self.before,
        }
    }
}

/// The smallest and largest value of the integer type `ty` (of a 64-bit integer for any
/// other type).
pub fn integer_range(ty: ColumnType) -> (i64, i64) {
    match ty {
        ColumnType::SmallInt => (i16::MIN.into(), i16::MAX.into()),
        ColumnType::Integer => (i32::MIN.into(), i32::MAX.into()),
        ColumnType::BigInt
        | ColumnType::Text { .. }
        | ColumnType::Boolean
        | ColumnType::Timestamp
        | ColumnType::Json { .. } => (i64::MIN, i64::MAX),
    }
}

/// The longest text form of a value of the integer type `ty` (its minimum, with the sign).
fn integer_text_len(ty: ColumnType) -> usize {
    integer_range(ty).0.to_string().len()
}

/// Why the column `after` cannot replace `before` in `table` (the state before the step), with
/// the options given; `migration` names the step's migration.
pub(crate) fn check_altered_column(
    migration: &str,
    table: &TableDef,
    before: &ColumnDef,
    after: &ColumnDef,
    options: &AlterOptions,
) -> Result<(), StepError> {
    let error = |problem: String| StepError::BadAlteredColumn {
        migration: migration.to_string(),
        table: table.name.clone(),
        column: after.name.clone(),
        problem,
    };
    let change = ColumnChange { before, after };
    if before.primary_key != after.primary_key
        || before.unique != after.unique
        || before.auto_increment != after.auto_increment
    {
        return Err(error(
            "`alter_column` changes a column's type, nullability and default; a PRIMARY KEY, UNIQUE \
             or auto-increment change needs a new column, copied, and the old one dropped"
                .to_string(),
        ));
    }
    if after.primary_key && after.nullable {
        return Err(error("a primary-key column stays NOT NULL".to_string()));
    }
    if before == after {
        return Err(error(
            "the column is already so at this point: the step changes nothing".to_string(),
        ));
    }
    let type_change = change.type_change().map_err(&error)?;
    if type_change.is_some() {
        if let Some(used_by) = uses(table, &after.name) {
            return Err(error(format!(
                "its type cannot change while it is in {used_by}: drop that first, change the column, then create it again"
            )));
        }
    }
    if (type_change.is_some() || change.becomes_nullable())
        && table
            .partitioning
            .as_ref()
            .is_some_and(|p| p.column == after.name)
    {
        return Err(error(
            "it is the partition key, which must stay a NOT NULL timestamp".to_string(),
        ));
    }
    match (type_change, options.conversion) {
        (Some(TypeChange::Convert), None) => {
            return Err(error(format!(
                "changing {} to {} needs `Conversion::Cast`: use `alter_column_with(<Table>::COLUMNS.{}, AlterOptions::default().cast())`",
                before.ty, after.ty, after.name
            )));
        }
        (Some(TypeChange::Widen | TypeChange::Narrow) | None, Some(_)) => {
            return Err(error(
                "a conversion is for a change of type family (text ↔ integer): drop `cast()`"
                    .to_string(),
            ));
        }
        (Some(TypeChange::Convert), Some(Conversion::Cast))
        | (Some(TypeChange::Widen | TypeChange::Narrow) | None, None) => {}
    }
    if type_change == Some(TypeChange::Narrow) && options.ack.is_none() {
        return Err(error(format!(
            "narrowing {} to {} may not fit every value: acknowledge it with `AlterOptions::default().acknowledge(Acknowledgement::data_loss(\"why\"))` (rows that do not fit stop the migration)",
            before.ty, after.ty
        )));
    }
    if type_change != Some(TypeChange::Narrow) && options.ack.is_some() {
        return Err(error(
            "only a narrowing takes an acknowledgement: drop `acknowledge(…)`".to_string(),
        ));
    }
    if let Some(value) = &options.backfill {
        if !change.becomes_not_null() {
            return Err(error(
                "a backfill is for a nullable column made NOT NULL: drop `backfill(…)`".to_string(),
            ));
        }
        if !value.fits(after.ty) {
            return Err(error(format!(
                "the backfill value {value} does not fit type {}",
                after.ty
            )));
        }
    }
    if change.becomes_not_null() && options.backfill.is_none() && after.default.is_none() {
        return Err(error(format!(
            "made NOT NULL, its rows holding NULL need a value: use `alter_column_with(<Table>::COLUMNS.{}, AlterOptions::default().backfill(<value>))`",
            after.name
        )));
    }
    Ok(())
}

/// What of `table` uses the column `column` so that its type cannot change: a key, an index,
/// a foreign key.
fn uses(table: &TableDef, column: &str) -> Option<String> {
    let def = table.find_column(column)?;
    if def.primary_key {
        return Some("the primary key".to_string());
    }
    if def.unique {
        return Some("its UNIQUE constraint".to_string());
    }
    if let Some(index) = table
        .indexes
        .iter()
        .find(|i| i.columns.iter().any(|c| c == column))
    {
        return Some(format!("index `{}`", index.name));
    }
    table
        .foreign_keys
        .iter()
        .find(|fk| fk.columns.iter().any(|c| c == column))
        .map(|fk| format!("foreign key `{}`", fk.name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::JsonSize;

    fn change(from: ColumnType, to: ColumnType) -> Result<Option<TypeChange>, String> {
        let (before, after) = (ColumnDef::new("c", from), ColumnDef::new("c", to));
        ColumnChange {
            before: &before,
            after: &after,
        }
        .type_change()
    }

    fn text(n: u32) -> ColumnType {
        ColumnType::Text { max_len: Some(n) }
    }

    #[test]
    fn type_changes_are_told_apart() {
        let unbounded = ColumnType::Text { max_len: None };
        assert_eq!(change(text(5), text(9)), Ok(Some(TypeChange::Widen)));
        assert_eq!(change(text(9), text(5)), Ok(Some(TypeChange::Narrow)));
        assert_eq!(change(text(9), unbounded), Ok(Some(TypeChange::Widen)));
        assert_eq!(change(unbounded, text(9)), Ok(Some(TypeChange::Narrow)));
        assert_eq!(
            change(ColumnType::SmallInt, ColumnType::BigInt),
            Ok(Some(TypeChange::Widen))
        );
        assert_eq!(
            change(ColumnType::BigInt, ColumnType::Integer),
            Ok(Some(TypeChange::Narrow))
        );
        let json = |size| ColumnType::Json { size };
        assert_eq!(
            change(json(JsonSize::Large), json(JsonSize::Small)),
            Ok(Some(TypeChange::Narrow))
        );
        assert_eq!(
            change(text(9), ColumnType::Integer),
            Ok(Some(TypeChange::Convert))
        );
        assert_eq!(
            change(ColumnType::Integer, text(9)),
            Ok(Some(TypeChange::Convert))
        );
        assert_eq!(change(text(9), text(9)), Ok(None));
        assert_eq!(
            change(text(9), ColumnType::Boolean),
            Err("changing text(9) to boolean is not supported: add a new column, copy the values, then drop this one".to_string())
        );
    }

    /// The step is recorded in `releases.jsonl` as JSON, like the others.
    #[test]
    fn an_alter_column_step_round_trips_through_serde() {
        let step = crate::Step::AlterColumn {
            table: "runs".into(),
            column: ColumnDef::new("tries", ColumnType::Integer),
            backfill: Some(crate::DefaultValue::Integer(0)),
            conversion: Some(Conversion::Cast),
            ack: None,
        };
        let json = serde_json::to_string(&step).expect("serialises");
        assert!(
            json.contains("\"alter_column\"") && json.contains("\"cast\""),
            "{json}"
        );
        assert_eq!(
            serde_json::from_str::<crate::Step>(&json).expect("deserialises"),
            step
        );
    }

    #[test]
    fn pre_checks_are_needed_where_a_value_may_not_fit() {
        let needs = |from, to| {
            let (before, after) = (ColumnDef::new("c", from), ColumnDef::new("c", to));
            ColumnChange {
                before: &before,
                after: &after,
            }
            .needs_pre_check()
        };
        assert!(needs(text(9), text(5)));
        assert!(!needs(text(5), text(9)));
        assert!(needs(text(9), ColumnType::Integer));
        assert!(needs(ColumnType::Integer, text(10)), "-2147483648 is 11");
        assert!(!needs(ColumnType::Integer, text(11)));
        assert!(needs(ColumnType::BigInt, ColumnType::SmallInt));
    }
}
