//! The one comparator: a live shape against the expected one, one line per difference.

use crate::{ColumnShape, ForeignKeyShape, IndexShape, SchemaShape, TableShape};
use std::collections::BTreeMap;

impl SchemaShape {
    /// Every way `self` (the live schema) differs from `expected`, one line each naming the
    /// table and the object; empty when they are equal. Column order is not compared (an
    /// engine that can only append a column puts a restored one last).
    pub fn differences(&self, expected: &SchemaShape) -> Vec<String> {
        let mut found = Vec::new();
        for name in self.tables.keys() {
            if !expected.tables.contains_key(name) {
                found.push(format!(
                    "table `{name}`: exists, but no applied migration creates it"
                ));
            }
        }
        for (name, want) in &expected.tables {
            match self.tables.get(name) {
                None => found.push(format!("table `{name}`: missing")),
                Some(live) => found.extend(live.differences(name, want)),
            }
        }
        found
    }
}

impl TableShape {
    /// Every way `self` (table `table` as it is) differs from `expected`, one line each naming
    /// the table and the object.
    pub fn differences(&self, table: &str, expected: &TableShape) -> Vec<String> {
        let mut found = Vec::new();
        self.column_differences(table, expected, &mut found);
        if self.primary_key != expected.primary_key {
            found.push(format!(
                "table `{table}`: primary key {}, expected {}",
                key_or_none(&self.primary_key),
                key_or_none(&expected.primary_key)
            ));
        }
        let unique = |columns: &Vec<String>| format!("UNIQUE {}", list(columns));
        set_differences(
            &mut found,
            &keyed(&self.unique, unique),
            &keyed(&expected.unique, unique),
            |label| format!("table `{table}`: {label} missing"),
            |label| format!("table `{table}`: {label} not declared"),
            |_, _, _| None,
        );
        set_differences(
            &mut found,
            &keyed(&self.foreign_keys, foreign_key_label),
            &keyed(&expected.foreign_keys, foreign_key_label),
            |label| format!("table `{table}`, {label}: missing"),
            |label| format!("table `{table}`, {label}: not declared"),
            |label, live, want| {
                (live != want).then(|| {
                    format!(
                        "table `{table}`, {label}: {}, expected {}",
                        references(live),
                        references(want)
                    )
                })
            },
        );
        set_differences(
            &mut found,
            &keyed(&self.indexes, |i| format!("index `{}`", i.name)),
            &keyed(&expected.indexes, |i| format!("index `{}`", i.name)),
            |label| format!("table `{table}`, {label}: missing"),
            |label| format!("table `{table}`, {label}: not declared"),
            |label, live, want| index_difference(table, label, live, want),
        );
        let check = |condition: &String| format!("CHECK ({condition})");
        set_differences(
            &mut found,
            &keyed(&self.checks, check),
            &keyed(&expected.checks, check),
            |label| format!("table `{table}`: {label} missing"),
            |label| format!("table `{table}`: {label} not declared"),
            |_, _, _| None,
        );
        if self.partition_key != expected.partition_key {
            let partitioned = |key: &Option<String>| match key {
                Some(key) => format!("partitioned by {key}"),
                None => "not partitioned".to_string(),
            };
            found.push(format!(
                "table `{table}`: {}, expected {}",
                partitioned(&self.partition_key),
                partitioned(&expected.partition_key)
            ));
        }
        let maintained = |name: &String| {
            expected
                .maintained_partitions
                .as_deref()
                .is_some_and(|prefix| name.strip_prefix(prefix).is_some_and(is_month_suffix))
        };
        let live_partitions: Vec<String> = self
            .partitions
            .iter()
            .filter(|name| !maintained(name))
            .cloned()
            .collect();
        let partition = |name: &String| format!("partition `{name}`");
        set_differences(
            &mut found,
            &keyed(&live_partitions, partition),
            &keyed(&expected.partitions, partition),
            |label| format!("table `{table}`, {label}: missing"),
            |label| format!("table `{table}`, {label}: not declared"),
            |_, _, _| None,
        );
        let trigger = |name: &String| format!("trigger `{name}`");
        set_differences(
            &mut found,
            &keyed(&self.triggers, trigger),
            &keyed(&expected.triggers, trigger),
            |label| format!("table `{table}`, {label}: missing"),
            |label| format!("table `{table}`, {label}: not declared"),
            |_, _, _| None,
        );
        found
    }

    fn column_differences(&self, table: &str, expected: &TableShape, found: &mut Vec<String>) {
        let by_name = |columns: &[ColumnShape]| -> BTreeMap<String, ColumnShape> {
            columns
                .iter()
                .map(|c| (c.name.clone(), c.clone()))
                .collect()
        };
        let (live, want) = (by_name(&self.columns), by_name(&expected.columns));
        for column in &expected.columns {
            let name = &column.name;
            let Some(live) = live.get(name) else {
                found.push(format!("table `{table}`, column `{name}`: missing"));
                continue;
            };
            let mut parts = Vec::new();
            if live.data_type != column.data_type {
                parts.push(format!(
                    "type {}, expected {}",
                    live.data_type, column.data_type
                ));
            }
            match (live.not_null, column.not_null) {
                (false, true) => parts.push("accepts NULL, expected NOT NULL".to_string()),
                (true, false) => parts.push("NOT NULL, expected to accept NULL".to_string()),
                _ => {}
            }
            if live.default != column.default {
                let default = |d: &Option<String>| d.clone().unwrap_or_else(|| "none".to_string());
                parts.push(format!(
                    "default {}, expected {}",
                    default(&live.default),
                    default(&column.default)
                ));
            }
            if !parts.is_empty() {
                found.push(format!(
                    "table `{table}`, column `{name}`: {}",
                    parts.join("; ")
                ));
            }
        }
        for column in &self.columns {
            if !want.contains_key(&column.name) {
                found.push(format!(
                    "table `{table}`, column `{}`: not declared",
                    column.name
                ));
            }
        }
    }
}

/// Whether `suffix` is a month's, `YYYY_MM` (as maintenance names partitions).
fn is_month_suffix(suffix: &str) -> bool {
    let bytes = suffix.as_bytes();
    bytes.len() == 7
        && bytes.iter().enumerate().all(|(i, b)| {
            if i == 4 {
                *b == b'_'
            } else {
                b.is_ascii_digit()
            }
        })
}

/// `(a, b)`.
fn list(columns: &[String]) -> String {
    format!("({})", columns.join(", "))
}

fn key_or_none(columns: &[String]) -> String {
    if columns.is_empty() {
        "none".to_string()
    } else {
        list(columns)
    }
}

/// A foreign key's label: its name where the engine keeps one, else its columns.
fn foreign_key_label(fk: &ForeignKeyShape) -> String {
    match &fk.name {
        Some(name) => format!("foreign key `{name}`"),
        None => format!("foreign key {}", list(&fk.columns)),
    }
}

/// What a foreign key says: `(a) references t (b) ON DELETE CASCADE ON UPDATE NO ACTION`.
fn references(fk: &ForeignKeyShape) -> String {
    format!(
        "{} references {} {} ON DELETE {} ON UPDATE {}",
        list(&fk.columns),
        fk.ref_table,
        list(&fk.ref_columns),
        fk.on_delete,
        fk.on_update
    )
}

fn index_difference(
    table: &str,
    label: &str,
    live: &IndexShape,
    want: &IndexShape,
) -> Option<String> {
    let mut parts = Vec::new();
    if live.columns != want.columns {
        parts.push(format!(
            "on {}, expected on {}",
            list(&live.columns),
            list(&want.columns)
        ));
    }
    let unique = |u: bool| if u { "UNIQUE" } else { "not unique" };
    if live.unique != want.unique {
        parts.push(format!(
            "{}, expected {}",
            unique(live.unique),
            unique(want.unique)
        ));
    }
    if live.method != want.method {
        parts.push(format!("method {}, expected {}", live.method, want.method));
    }
    (!parts.is_empty()).then(|| format!("table `{table}`, {label}: {}", parts.join("; ")))
}

/// `items` by their label (two items with one label: the later one wins, and the earlier one
/// shows as missing or undeclared against the other side).
fn keyed<T: Clone>(items: &[T], label: impl Fn(&T) -> String) -> BTreeMap<String, T> {
    items
        .iter()
        .map(|item| (label(item), item.clone()))
        .collect()
}

/// Lines for the labels only `want` has (`missing`), only `live` has (`extra`), and for the
/// ones both have, what `changed` says.
fn set_differences<T>(
    found: &mut Vec<String>,
    live: &BTreeMap<String, T>,
    want: &BTreeMap<String, T>,
    missing: impl Fn(&str) -> String,
    extra: impl Fn(&str) -> String,
    changed: impl Fn(&str, &T, &T) -> Option<String>,
) {
    for (label, wanted) in want {
        match live.get(label) {
            None => found.push(missing(label)),
            Some(live) => found.extend(changed(label, live, wanted)),
        }
    }
    for label in live.keys().filter(|label| !want.contains_key(*label)) {
        found.push(extra(label));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, data_type: &str, not_null: bool, default: Option<&str>) -> ColumnShape {
        ColumnShape {
            name: name.to_string(),
            data_type: data_type.to_string(),
            not_null,
            default: default.map(str::to_string),
        }
    }

    fn strings(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    fn runs() -> TableShape {
        TableShape {
            columns: vec![
                column("run_id", "character varying(50)", true, None),
                column("created_at", "timestamp", true, Some("now()")),
                column("parent", "character varying(50)", false, None),
            ],
            primary_key: strings(&["run_id", "created_at"]),
            unique: vec![strings(&["parent"])],
            foreign_keys: vec![ForeignKeyShape {
                name: Some("fk_parent".to_string()),
                columns: strings(&["parent"]),
                ref_table: "runs_keys".to_string(),
                ref_columns: strings(&["run_id"]),
                on_delete: "CASCADE".to_string(),
                on_update: "NO ACTION".to_string(),
            }],
            indexes: vec![IndexShape {
                name: "idx_created".to_string(),
                columns: strings(&["created_at"]),
                unique: false,
                method: "btree".to_string(),
            }],
            checks: strings(&["parent <> ''"]),
            partition_key: Some("RANGE (created_at)".to_string()),
            partitions: strings(&["runs_default"]),
            maintained_partitions: Some("runs_".to_string()),
            triggers: strings(&["runs_keys_sync"]),
        }
    }

    fn schema(table: TableShape) -> SchemaShape {
        SchemaShape {
            tables: [("runs".to_string(), table)].into_iter().collect(),
        }
    }

    #[test]
    fn equal_shapes_and_maintained_partitions_give_nothing_and_order_is_not_compared() {
        let mut live = runs();
        live.partitions.push("runs_2026_01".to_string());
        live.columns.reverse();
        assert_eq!(
            schema(live).differences(&schema(runs())),
            Vec::<String>::new()
        );
    }

    #[test]
    fn every_object_kind_gives_one_line_naming_table_and_object() {
        let mut live = runs();
        live.columns[0].data_type = "character varying(100)".to_string();
        live.columns[1].not_null = false;
        live.columns[1].default = None;
        live.columns.remove(2);
        live.columns.push(column("note", "text", false, None));
        live.primary_key = strings(&["run_id"]);
        live.unique.clear();
        live.foreign_keys[0].on_delete = "NO ACTION".to_string();
        live.indexes[0].columns = strings(&["run_id"]);
        live.indexes[0].unique = true;
        live.indexes.push(IndexShape {
            name: "idx_extra".to_string(),
            columns: strings(&["note"]),
            unique: false,
            method: "gin".to_string(),
        });
        live.checks.clear();
        live.partitions = strings(&["runs_old", "runs_2026_1"]);
        live.triggers.clear();
        let mut live = schema(live);
        live.tables
            .insert("other".to_string(), TableShape::default());
        assert_eq!(
            live.differences(&schema(runs())),
            [
                "table `other`: exists, but no applied migration creates it",
                "table `runs`, column `run_id`: type character varying(100), expected character varying(50)",
                "table `runs`, column `created_at`: accepts NULL, expected NOT NULL; default none, expected now()",
                "table `runs`, column `parent`: missing",
                "table `runs`, column `note`: not declared",
                "table `runs`: primary key (run_id), expected (run_id, created_at)",
                "table `runs`: UNIQUE (parent) missing",
                "table `runs`, foreign key `fk_parent`: (parent) references runs_keys (run_id) ON DELETE NO ACTION ON UPDATE NO ACTION, expected (parent) references runs_keys (run_id) ON DELETE CASCADE ON UPDATE NO ACTION",
                "table `runs`, index `idx_created`: on (run_id), expected on (created_at); UNIQUE, expected not unique",
                "table `runs`, index `idx_extra`: not declared",
                "table `runs`: CHECK (parent <> '') missing",
                "table `runs`, partition `runs_default`: missing",
                "table `runs`, partition `runs_2026_1`: not declared",
                "table `runs`, partition `runs_old`: not declared",
                "table `runs`, trigger `runs_keys_sync`: missing",
            ]
        );
        assert_eq!(
            SchemaShape::default().differences(&schema(runs())),
            ["table `runs`: missing"]
        );
    }
}
