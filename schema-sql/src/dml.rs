//! Per-table statements rendered from the declarations: insert, upsert on the primary key,
//! select by key and delete by key, and the values of a row in the order they bind.
//!
//! An application writes a row without writing SQL:
//!
//! ```
//! use schema_sql::dml::statements_for;
//! use schema_defs::tables::SourceConfig;
//! use schema_dsl::Dialect;
//!
//! let statements = statements_for::<SourceConfig>(Dialect::Postgres).unwrap();
//! assert!(statements.upsert.starts_with("INSERT INTO \"core_source_configs\""));
//! assert!(statements.upsert.contains("ON CONFLICT (\"source_id\") DO UPDATE SET"));
//! ```
//!
//! Values are driver-neutral [`SqlValue`]s, already in the form the dialect stores
//! (booleans as 0/1 in SQLite and Db2, JSON and timestamps as text in SQLite); turning them
//! into one driver's parameter types is the driver side's job, so no driver is a dependency
//! of this crate.

pub use crate::backend::SqlValue;

use crate::backend::{Backend, DmlSql, TIMESTAMP_TEXT, Unsupported, backend};
use schema_dsl::{ColumnType, Dialect, Table, TableDef, Timestamp};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value as Json};
use thiserror::Error;

/// The statements of one table for one dialect, and how to bind and read its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statements {
    /// The dialect the SQL is written for.
    pub dialect: Dialect,
    /// The table name, as declared.
    pub table: String,
    /// Every column and its type, in declaration (bind and select) order.
    pub columns: Vec<(String, ColumnType)>,
    /// The primary key's columns, in declaration order.
    pub key: Vec<String>,
    /// Inserts one row; binds [`Statements::values`].
    pub insert: String,
    /// Inserts or updates one row by primary key; binds [`Statements::values`].
    pub upsert: String,
    /// Selects the row with a key, every column in order; binds [`Statements::key_values`].
    pub select_by_key: String,
    /// Deletes the row with a key; binds [`Statements::key_values`].
    pub delete_by_key: String,
}

/// A row that does not match its table's declaration.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct BindError(pub String);

/// The statements of the declared table `T` for `dialect`.
pub fn statements_for<T: Table>(dialect: Dialect) -> Result<Statements, Unsupported> {
    statements(dialect, &T::definition())
}

/// The statements of `table` for `dialect`; a table without a primary key has none.
pub fn statements(dialect: Dialect, table: &TableDef) -> Result<Statements, Unsupported> {
    let key: Vec<String> = table.primary_key().into_iter().map(String::from).collect();
    if key.is_empty() {
        return Err(Unsupported(format!(
            "table `{}` has no primary key to upsert, select or delete by",
            table.name
        )));
    }
    let DmlSql {
        insert,
        upsert,
        select_by_key,
        delete_by_key,
    } = backend(dialect).dml(table);
    Ok(Statements {
        dialect,
        table: table.name.clone(),
        columns: table
            .columns
            .iter()
            .map(|c| (c.name.clone(), c.ty))
            .collect(),
        key,
        insert,
        upsert,
        select_by_key,
        delete_by_key,
    })
}

impl Statements {
    /// The same statements with `?` for every placeholder, as ODBC binds them.
    pub fn with_question_marks(mut self) -> Self {
        for sql in [
            &mut self.insert,
            &mut self.upsert,
            &mut self.select_by_key,
            &mut self.delete_by_key,
        ] {
            *sql = numbered_to_question_marks(sql);
        }
        self
    }

    /// The values of `row` for [`Statements::insert`] and [`Statements::upsert`]: every
    /// column in declaration order, in the form the dialect stores.
    pub fn values(&self, row: &impl Serialize) -> Result<Vec<SqlValue>, BindError> {
        self.bind(row, self.columns.iter())
    }

    /// The key values of `row` for [`Statements::select_by_key`] and
    /// [`Statements::delete_by_key`].
    pub fn key_values(&self, row: &impl Serialize) -> Result<Vec<SqlValue>, BindError> {
        self.bind(
            row,
            self.columns.iter().filter(|(c, _)| self.key.contains(c)),
        )
    }

    /// The row read back by [`Statements::select_by_key`], from its values in column order.
    pub fn row<R: DeserializeOwned>(&self, values: Vec<SqlValue>) -> Result<R, BindError> {
        if values.len() != self.columns.len() {
            return Err(BindError(format!(
                "table `{}`: {} values read for {} columns",
                self.table,
                values.len(),
                self.columns.len()
            )));
        }
        let mut map = Map::new();
        for ((column, ty), value) in self.columns.iter().zip(values) {
            map.insert(column.clone(), self.field_value(column, *ty, value)?);
        }
        serde_json::from_value(Json::Object(map))
            .map_err(|e| BindError(format!("table `{}`: {e}", self.table)))
    }

    fn bind<'a>(
        &self,
        row: &impl Serialize,
        columns: impl Iterator<Item = &'a (String, ColumnType)>,
    ) -> Result<Vec<SqlValue>, BindError> {
        let fields = match serde_json::to_value(row) {
            Ok(Json::Object(fields)) => fields,
            Ok(_) => {
                return Err(BindError(format!(
                    "table `{}`: a row is a struct",
                    self.table
                )));
            }
            Err(e) => return Err(BindError(format!("table `{}`: {e}", self.table))),
        };
        let capabilities = backend(self.dialect).capabilities();
        columns
            .map(|(column, ty)| {
                let field = fields.get(column).ok_or_else(|| {
                    BindError(format!(
                        "table `{}`: the row has no field `{column}`",
                        self.table
                    ))
                })?;
                Ok(capabilities.stored_value(self.typed_value(column, *ty, field)?))
            })
            .collect()
    }

    /// The typed value of one serialized field.
    fn typed_value(
        &self,
        column: &str,
        ty: ColumnType,
        field: &Json,
    ) -> Result<SqlValue, BindError> {
        let mismatch = || {
            BindError(format!(
                "table `{}`, column `{column}`: {field} is not a {ty}",
                self.table
            ))
        };
        Ok(match (ty, field) {
            (_, Json::Null) => SqlValue::Null,
            (ColumnType::Json { .. }, value) => SqlValue::Json(value.clone()),
            (ColumnType::Boolean, Json::Bool(b)) => SqlValue::Boolean(*b),
            (ColumnType::Text { .. }, Json::String(text)) => SqlValue::Text(text.clone()),
            (ColumnType::Timestamp, Json::String(text)) => SqlValue::Timestamp(
                Timestamp::parse_from_str(text, TIMESTAMP_TEXT).map_err(|_| mismatch())?,
            ),
            (ty, Json::Number(n)) if ty.is_integer() => {
                SqlValue::Integer(n.as_i64().ok_or_else(mismatch)?)
            }
            _ => return Err(mismatch()),
        })
    }

    /// The serialized field of one value read back, whatever form the dialect stored.
    fn field_value(
        &self,
        column: &str,
        ty: ColumnType,
        value: SqlValue,
    ) -> Result<Json, BindError> {
        let mismatch = |value: &SqlValue| {
            BindError(format!(
                "table `{}`, column `{column}`: {value:?} read for a {ty}",
                self.table
            ))
        };
        Ok(match (ty, value) {
            (_, SqlValue::Null) => Json::Null,
            (ColumnType::Json { .. }, SqlValue::Json(json)) => json,
            (ColumnType::Json { .. }, SqlValue::Text(text)) => serde_json::from_str(&text)
                .map_err(|e| {
                    BindError(format!("table `{}`, column `{column}`: {e}", self.table))
                })?,
            (ColumnType::Boolean, SqlValue::Boolean(b)) => Json::Bool(b),
            (ColumnType::Boolean, SqlValue::Integer(i)) => Json::Bool(i != 0),
            (ColumnType::Timestamp, SqlValue::Timestamp(t)) => {
                Json::String(t.format(TIMESTAMP_TEXT).to_string())
            }
            (ColumnType::Timestamp, SqlValue::Text(text)) => {
                let parsed =
                    parse_timestamp(&text).ok_or_else(|| mismatch(&SqlValue::Text(text)))?;
                Json::String(parsed.format(TIMESTAMP_TEXT).to_string())
            }
            (ColumnType::Text { .. }, SqlValue::Text(text)) => Json::String(text),
            (ty, SqlValue::Integer(i)) if ty.is_integer() => Json::from(i),
            (_, other) => return Err(mismatch(&other)),
        })
    }
}

/// A timestamp in any of the text forms the dialects and drivers give back.
pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d-%H.%M.%S%.f",
    ]
    .iter()
    .find_map(|format| Timestamp::parse_from_str(text.trim(), format).ok())
}

/// `$1`, `$2`, … replaced by `?`; the statements hold no literals, so no `$` is quoted.
fn numbered_to_question_marks(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

/// The generated file of the statements of `table` for `backend`'s dialect.
pub(crate) fn statements_file(backend: &dyn Backend, table: &TableDef) -> Option<String> {
    let statements = statements(backend.dialect(), table).ok()?;
    let body = [
        ("insert", &statements.insert),
        ("upsert", &statements.upsert),
        ("select by key", &statements.select_by_key),
        ("delete by key", &statements.delete_by_key),
    ]
    .iter()
    .map(|(what, sql)| format!("-- {what}\n{sql};"))
    .collect::<Vec<_>>()
    .join("\n\n");
    Some(format!(
        "-- @generated by codegen from schema-defs: do not edit; change the declarations and run `cargo run -p codegen`.\n\
         -- statements: {} ({}), placeholders as the dialect's native driver binds them\n\n{body}\n",
        table.name,
        backend.dialect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use schema_defs::tables::SourceConfig;
    use serde_json::json;

    fn row() -> SourceConfig {
        SourceConfig {
            source_id: "src-1".into(),
            source_type: "http".into(),
            name: "prices".into(),
            config: json!({"url": "https://example.test"}),
            enabled: Some(true),
            created_at: parse_timestamp("2026-01-11 10:00:00.25").unwrap(),
            updated_at: parse_timestamp("2026-01-11 10:00:00").unwrap(),
        }
    }

    #[test]
    fn values_take_each_dialects_stored_form() {
        let values = |dialect| {
            statements_for::<SourceConfig>(dialect)
                .unwrap()
                .values(&row())
                .unwrap()
                .split_off(3)
        };
        let config = json!({"url": "https://example.test"});
        let created = row().created_at;
        let updated = row().updated_at;
        assert_eq!(
            values(Dialect::Sqlite),
            [
                SqlValue::Text(config.to_string()),
                SqlValue::Integer(1),
                SqlValue::Text("2026-01-11T10:00:00.250".into()),
                SqlValue::Text("2026-01-11T10:00:00".into()),
            ]
        );
        assert_eq!(
            values(Dialect::Postgres),
            [
                SqlValue::Json(config.clone()),
                SqlValue::Boolean(true),
                SqlValue::Timestamp(created),
                SqlValue::Timestamp(updated),
            ]
        );
        assert_eq!(
            values(Dialect::Db2),
            [
                SqlValue::Text(config.to_string()),
                SqlValue::Integer(1),
                SqlValue::Timestamp(created),
                SqlValue::Timestamp(updated),
            ]
        );
    }

    #[test]
    fn rows_read_back_from_every_stored_form() {
        for dialect in Dialect::ALL {
            let statements = statements_for::<SourceConfig>(dialect).unwrap();
            let values = statements.values(&row()).unwrap();
            assert_eq!(
                statements.row::<SourceConfig>(values).unwrap(),
                row(),
                "{dialect}"
            );
        }
        let statements = statements_for::<SourceConfig>(Dialect::Postgres).unwrap();
        let as_text: Vec<SqlValue> = statements
            .values(&row())
            .unwrap()
            .iter()
            .map(|v| v.to_text().map_or(SqlValue::Null, SqlValue::Text))
            .map(|v| match v {
                SqlValue::Text(text) if text == "1" => SqlValue::Integer(1),
                other => other,
            })
            .collect();
        assert_eq!(
            statements.row::<SourceConfig>(as_text).unwrap(),
            row(),
            "as ODBC reads"
        );
    }

    #[test]
    fn a_row_that_does_not_fit_is_refused() {
        let statements = statements_for::<SourceConfig>(Dialect::Sqlite).unwrap();
        assert_eq!(
            statements.values(&json!({"source_id": 1})),
            Err(BindError(
                "table `core_source_configs`, column `source_id`: 1 is not a text(50)".into()
            ))
        );
        assert_eq!(
            statements.key_values(&json!({})),
            Err(BindError(
                "table `core_source_configs`: the row has no field `source_id`".into()
            ))
        );
    }

    #[test]
    fn db2_upserts_with_a_merge_of_typed_markers() {
        let table = TableDef::new("notes")
            .column(schema_dsl::ColumnDef::new("note_id", ColumnType::Integer).primary_key())
            .column(schema_dsl::ColumnDef::new("done", ColumnType::Boolean));
        let statements = statements(Dialect::Db2, &table).unwrap();
        assert_eq!(
            statements.upsert,
            "MERGE INTO NOTES AS T USING (VALUES (CAST(? AS INTEGER), CAST(? AS SMALLINT))) AS S (NOTE_ID, DONE) \
             ON T.NOTE_ID = S.NOTE_ID WHEN MATCHED THEN UPDATE SET DONE = S.DONE \
             WHEN NOT MATCHED THEN INSERT (NOTE_ID, DONE) VALUES (S.NOTE_ID, S.DONE)"
        );
        assert_eq!(
            statements.select_by_key,
            "SELECT NOTE_ID, DONE FROM NOTES WHERE NOTE_ID = ?"
        );
        assert_eq!(
            statements.delete_by_key,
            "DELETE FROM NOTES WHERE NOTE_ID = ?"
        );
        assert_eq!(
            super::statements(Dialect::Db2, &TableDef::new("bare")),
            Err(Unsupported(
                "table `bare` has no primary key to upsert, select or delete by".into()
            ))
        );
    }

    #[test]
    fn postgres_placeholders_become_question_marks_for_odbc() {
        let statements = statements_for::<SourceConfig>(Dialect::Postgres)
            .unwrap()
            .with_question_marks();
        assert_eq!(
            statements.delete_by_key,
            "DELETE FROM \"core_source_configs\" WHERE \"source_id\" = ?"
        );
    }

    #[test]
    fn numbered_placeholders_become_question_marks() {
        assert_eq!(
            numbered_to_question_marks("VALUES ($1, $2, $10) WHERE \"a\" = $3"),
            "VALUES (?, ?, ?) WHERE \"a\" = ?"
        );
    }

    #[test]
    fn timestamps_parse_in_every_form_read_back() {
        let expected = Timestamp::parse_from_str("2026-01-11 10:00:00.5", "%Y-%m-%d %H:%M:%S%.f");
        for text in [
            "2026-01-11T10:00:00.5",
            "2026-01-11 10:00:00.500000",
            "2026-01-11-10.00.00.500000",
        ] {
            assert_eq!(parse_timestamp(text), expected.ok(), "{text}");
        }
    }
}
