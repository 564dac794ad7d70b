//! Drift: the live schema compared with the one the applied migrations should have produced.
//!
//! The expected schema comes from the migrations directory's `<dialect>/shapes.json` (written
//! by codegen from the declarations, never from the SQL's text): the entries of the applied
//! migrations folded in release order. The live one is read from the catalog through the
//! connection ([`Connection::query_rows`], [`schema_shape::catalog`]); the tracking table is
//! not part of it, and the monthly partitions maintenance creates are not drift. Both meet
//! in the one comparator, [`schema_shape::SchemaShape::differences`].
//!
//! `up` uses the same pieces on each migration before recording it ([`check_migration`]):
//! the tables it created or changed must have the shape its entry gives, so a table that
//! already existed in another shape (`CREATE TABLE IF NOT EXISTS` keeps it) is never adopted.
//! A migration whose tables, indexes and partitions did not exist before it ran (one query,
//! [`meets_existing_objects`]) made them from its own checksummed SQL and is not compared.

use schema_shape::catalog::{self, Scope};
use schema_shape::{SchemaShape, ShapesFile};

use crate::driver::Connection;
use crate::error::{DbError, Error, Result, RolledBack};
use crate::source::MigrationSet;
use crate::tracking;
use crate::transaction::{Begin, transaction};

/// The shape of the tables of `scope` on `conn`, without the tracking table.
pub(crate) fn live_shape(
    conn: &mut dyn Connection,
    scope: Scope<'_>,
) -> std::result::Result<SchemaShape, DbError> {
    let dialect = conn.dialect();
    let tracking = conn.tracking_table().name().to_string();
    let mut shape = catalog::read(dialect, scope, &mut |sql| conn.query_rows(sql))?;
    shape
        .tables
        .retain(|name, _| !name.eq_ignore_ascii_case(&tracking));
    Ok(shape)
}

/// The expected shapes of `set` in `conn`'s dialect, when the directory has them.
pub(crate) fn shapes(conn: &dyn Connection, set: &MigrationSet) -> Result<Option<ShapesFile>> {
    let dialect = conn.dialect();
    set.shapes(dialect)
        .map(|text| ShapesFile::parse(dialect, text))
        .transpose()
        .map_err(Error::from)
}

/// Every difference between the live schema on `conn` and the one the migrations of `set`
/// recorded as applied should have produced, one line each naming table and object.
pub(crate) fn drift(conn: &mut dyn Connection, set: &MigrationSet) -> Result<Vec<String>> {
    let dialect = conn.dialect();
    let shapes = shapes(conn, set)?.ok_or_else(|| Error::NoShapes {
        path: migration_layout::shapes::path(dialect),
        source_name: set.source_name().to_string(),
    })?;
    let (_, applied) = tracking::read_applied(conn)?;
    let missing: Vec<String> = applied
        .keys()
        .filter(|id| set.get(dialect, id).is_none())
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Err(Error::Missing(missing));
    }
    let expected = shapes.expected(dialect, applied.keys().map(String::as_str))?;
    let during = "reading the schema from the catalog";
    let live = transaction(conn, Begin::Read, during, |conn| {
        live_shape(conn, Scope::All).map_err(|e| e.during(during))
    })?;
    Ok(live.differences(&expected))
}

/// Inside migration `id`'s transaction, before its statements: whether its shapes must be
/// compared after them ([`check_migration`]), i.e. whether any table, index or partition its
/// entry in `shapes` names already exists (one catalog query). When none does, the migration's
/// own SQL, whose checksum is verified, creates them all, and the comparison is skipped.
pub(crate) fn meets_existing_objects(
    conn: &mut dyn Connection,
    shapes: &ShapesFile,
    id: &str,
) -> Result<bool> {
    let Some(entry) = shapes.entry(id) else {
        // No entry: check_migration names the stale file.
        return Ok(true);
    };
    let mut names: Vec<String> = entry.removed.clone();
    for (name, table) in &entry.tables {
        names.push(name.clone());
        names.extend(table.indexes.iter().map(|index| index.name.clone()));
        names.extend(table.partitions.iter().cloned());
    }
    let dialect = conn.dialect();
    let existing = catalog::existing(dialect, &names, &mut |sql| conn.query_rows(sql))
        .map_err(|e| e.during(format!("looking for the tables of {id} before it runs")))?;
    Ok(!existing.is_empty())
}

/// Inside migration `id`'s transaction, before its tracking row: an error when the tables its
/// entry in `shapes` describes are not in that shape (or a table it removes still exists).
/// Reads only those tables (a fixed number of catalog queries, whatever their number).
pub(crate) fn check_migration(
    conn: &mut dyn Connection,
    shapes: &ShapesFile,
    id: &str,
    rolled_back: RolledBack,
) -> Result<()> {
    let dialect = conn.dialect();
    let entry = shapes
        .entry(id)
        .ok_or_else(|| schema_shape::ShapesError::NotDescribed {
            path: migration_layout::shapes::path(dialect),
            id: id.to_string(),
        })?;
    if entry.tables.is_empty() && entry.removed.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = entry.tables.keys().chain(&entry.removed).cloned().collect();
    let during = format!("reading the tables of {id} from the catalog");
    let live = live_shape(conn, Scope::Only(&names)).map_err(|e| e.during(&during))?;
    let mut differences = Vec::new();
    for (name, expected) in &entry.tables {
        match live.tables.get(name) {
            Some(table) => differences.extend(table.differences(name, expected)),
            None => differences.push(format!("table `{name}`: missing")),
        }
    }
    for name in &entry.removed {
        if live.tables.contains_key(name) {
            differences.push(format!("table `{name}`: still exists, but {id} removes it"));
        }
    }
    if differences.is_empty() {
        Ok(())
    } else {
        Err(Error::ShapeMismatch {
            id: id.to_string(),
            differences,
            rolled_back,
        })
    }
}
