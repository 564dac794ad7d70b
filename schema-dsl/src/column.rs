//! Typed column handles: a column of a table, named so that the compiler checks the name.
//!
//! `#[derive(Table)]` gives every table `T` a `T::COLUMNS` constant with one [`Column<T>`]
//! field per column, so a migration step that names a column of `T` writes
//! `T::COLUMNS.title` and a misspelt column is a compile error, not a validation error.
//!
//! ```
//! use schema_dsl::{Column, Table};
//!
//! #[derive(Table)]
//! #[table(name = "notes")]
//! pub struct Note {
//!     #[column(primary_key, max_len = 50)]
//!     pub note_id: String,
//!     #[column(max_len = 200)]
//!     pub title: String,
//! }
//!
//! let title: Column<Note> = Note::COLUMNS.title;
//! assert_eq!(title.name(), "title");
//!
//! let def = title.definition().expect("the derive makes handles of real columns");
//! assert_eq!(def.name, "title");
//! assert!(!def.nullable);
//! assert_eq!(Some(def), Note::definition().columns.into_iter().nth(1));
//! ```

use std::fmt;
use std::marker::PhantomData;

use crate::{ColumnDef, Table};

/// A column of the table `T`, by its SQL name.
///
/// Made by `#[derive(Table)]` (as the fields of `T::COLUMNS`); the type parameter ties the
/// handle to its table, so a step on one table cannot be given a column of another.
pub struct Column<T> {
    name: &'static str,
    table: PhantomData<fn() -> T>,
}

impl<T> Column<T> {
    /// A handle on the column `name` of `T`.
    ///
    /// Nothing checks here that `T` has such a column: use the handles in `T::COLUMNS`,
    /// which the derive makes from the table's own fields.
    pub const fn new(name: &'static str) -> Self {
        Column {
            name,
            table: PhantomData,
        }
    }

    /// The column's SQL name.
    pub fn name(self) -> &'static str {
        self.name
    }

    /// The column's full definition, from `T::definition()`.
    ///
    /// Always `Some` for a handle from `T::COLUMNS`. It is an `Option` because
    /// [`Column::new`] is public (the derive's generated code calls it), so a hand-made
    /// handle can name a column `T` does not have; `None` says so rather than panicking.
    pub fn definition(self) -> Option<ColumnDef>
    where
        T: Table,
    {
        T::definition()
            .columns
            .into_iter()
            .find(|column| column.name == self.name)
    }
}

// By hand rather than derived: a derive would demand `T: Clone` (and so on) of the table.
impl<T> Clone for Column<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Column<T> {}

impl<T> PartialEq for Column<T> {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl<T> Eq for Column<T> {}

impl<T> fmt::Debug for Column<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Column")
            .field("table", &std::any::type_name::<T>())
            .field("name", &self.name)
            .finish()
    }
}
