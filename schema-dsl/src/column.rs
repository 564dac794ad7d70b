//! Typed column handles (stub until the derive generates them).

use crate::{ColumnDef, Table};
use std::fmt;
use std::marker::PhantomData;

/// A column of table `T`, named in a migration step.
pub struct Column<T> {
    name: &'static str,
    table: PhantomData<fn() -> T>,
}

impl<T> Column<T> {
    /// The handle of the column `name`.
    pub const fn new(name: &'static str) -> Self {
        Column {
            name,
            table: PhantomData,
        }
    }

    /// The column's name.
    pub fn name(self) -> &'static str {
        self.name
    }

    /// The column as `T` declares it.
    pub fn definition(self) -> Option<ColumnDef>
    where
        T: Table,
    {
        T::definition().find_column(self.name).cloned()
    }
}

impl<T> Clone for Column<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Column<T> {}

impl<T> fmt::Debug for Column<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Column({})", self.name)
    }
}
