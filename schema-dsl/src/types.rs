//! The mapping from a field's Rust type to its column type, used by `#[derive(Table)]`.
//!
//! A field type that has no [`SqlType`] does not compile as a column, and `max_len` or
//! `json_size` on a field of the wrong type does not compile either: only [`TextType`]s
//! take a length and only [`JsonType`]s take a size.

use crate::model::{ColumnType, JsonSize};
use serde::{Deserialize, Serialize};

/// A date and time without time zone; UTC by convention.
pub type Timestamp = chrono::NaiveDateTime;

/// A Rust type that can be stored in a column.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a column type",
    label = "not a column type",
    note = "columns are String, i16, i32, i64, bool, Timestamp, Json<T>, serde_json::Value, or Option of one of them"
)]
pub trait SqlType {
    /// Whether the column accepts NULL.
    const NULLABLE: bool = false;

    /// The column type when the declaration adds no length or size.
    fn column_type() -> ColumnType;
}

/// A column type that takes a maximum length in characters.
#[diagnostic::on_unimplemented(
    message = "`max_len` applies to text columns, not to `{Self}`",
    label = "not a text column"
)]
pub trait TextType: SqlType {
    /// The column type bounded to `max_len` characters.
    fn with_max_len(max_len: u32) -> ColumnType {
        ColumnType::Text {
            max_len: Some(max_len),
        }
    }
}

/// A column type that holds JSON documents of a size class.
#[diagnostic::on_unimplemented(
    message = "`json_size` applies to JSON columns, not to `{Self}`",
    label = "not a JSON column"
)]
pub trait JsonType: SqlType {
    /// The column type holding documents of `size`.
    fn with_size(size: JsonSize) -> ColumnType {
        ColumnType::Json { size }
    }
}

/// A JSON document column holding a `T`, stored as the dialect's JSON type.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Json<T>(pub T);

impl<T: SqlType> SqlType for Option<T> {
    const NULLABLE: bool = true;

    fn column_type() -> ColumnType {
        T::column_type()
    }
}

impl<T: TextType> TextType for Option<T> {}
impl<T: JsonType> JsonType for Option<T> {}

impl SqlType for String {
    fn column_type() -> ColumnType {
        ColumnType::Text { max_len: None }
    }
}
impl TextType for String {}

impl SqlType for i16 {
    fn column_type() -> ColumnType {
        ColumnType::SmallInt
    }
}

impl SqlType for i32 {
    fn column_type() -> ColumnType {
        ColumnType::Integer
    }
}

impl SqlType for i64 {
    fn column_type() -> ColumnType {
        ColumnType::BigInt
    }
}

impl SqlType for bool {
    fn column_type() -> ColumnType {
        ColumnType::Boolean
    }
}

impl SqlType for Timestamp {
    fn column_type() -> ColumnType {
        ColumnType::Timestamp
    }
}

impl<T> SqlType for Json<T> {
    fn column_type() -> ColumnType {
        ColumnType::Json {
            size: JsonSize::default(),
        }
    }
}
impl<T> JsonType for Json<T> {}

impl SqlType for serde_json::Value {
    fn column_type() -> ColumnType {
        ColumnType::Json {
            size: JsonSize::default(),
        }
    }
}
impl JsonType for serde_json::Value {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_makes_a_column_nullable_and_keeps_its_type() {
        const { assert!(!<String as SqlType>::NULLABLE) };
        const { assert!(<Option<String> as SqlType>::NULLABLE) };
        assert_eq!(<Option<i64> as SqlType>::column_type(), ColumnType::BigInt);
    }

    #[test]
    fn lengths_and_sizes_refine_the_type() {
        assert_eq!(
            <Option<String> as TextType>::with_max_len(20),
            ColumnType::Text { max_len: Some(20) }
        );
        assert_eq!(
            <Json<Vec<u8>> as JsonType>::with_size(JsonSize::Small),
            ColumnType::Json {
                size: JsonSize::Small
            }
        );
    }

    #[test]
    fn json_is_transparent_in_serde() {
        let value = Json(vec![1, 2]);
        let text = serde_json::to_string(&value).unwrap();
        assert_eq!(text, "[1,2]");
        assert_eq!(
            serde_json::from_str::<Json<Vec<i32>>>(&text).unwrap(),
            value
        );
    }
}
