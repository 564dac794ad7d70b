//! Driver-neutral values, in the form a dialect stores them.

use schema_dsl::Timestamp;
use serde_json::Value as Json;

/// The ISO-8601 form of timestamps stored as text, as serde writes them.
pub(crate) const TIMESTAMP_TEXT: &str = "%Y-%m-%dT%H:%M:%S%.f";

/// A value bound to or read from a statement, independent of any driver.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    /// SQL NULL.
    Null,
    /// An integer of any width.
    Integer(i64),
    /// A boolean, where the dialect has BOOLEAN.
    Boolean(bool),
    /// Character data.
    Text(String),
    /// A JSON document, where the dialect has a JSON type.
    Json(Json),
    /// A timestamp, where the dialect has TIMESTAMP.
    Timestamp(Timestamp),
}

impl SqlValue {
    /// The value as text, for drivers that bind everything as text (ODBC): JSON as its
    /// text, booleans as 0/1, timestamps as `YYYY-MM-DD HH:MM:SS.ffffff`.
    pub fn to_text(&self) -> Option<String> {
        match self {
            SqlValue::Null => None,
            SqlValue::Integer(i) => Some(i.to_string()),
            SqlValue::Boolean(b) => Some(u8::from(*b).to_string()),
            SqlValue::Text(text) => Some(text.clone()),
            SqlValue::Json(json) => Some(json.to_string()),
            SqlValue::Timestamp(t) => Some(t.format("%Y-%m-%d %H:%M:%S%.6f").to_string()),
        }
    }
}
