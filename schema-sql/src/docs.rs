//! The schema documentation, generated from the model like the SQL: an ER diagram (Mermaid
//! `erDiagram`) of the schema the migrations give, its PostgreSQL variant with the objects
//! partitioning adds, each table's columns with their type in every dialect, the Db2 row
//! sizes, the dialect differences read from the backends' [`Capabilities`], and the release
//! history. Text only, no I/O: `codegen` writes it under `docs/schema/` and `--check` finds it
//! stale like the migrations.

use crate::backend::{
    Backend, Capabilities, ColumnClause, Db2, PartitionObjects, Postgres, backend,
};
use crate::render::GeneratedFile;
use crate::rules::row_size;
use schema_dsl::{
    ColumnDef, ColumnType, DefaultValue, Dialect, ForeignKeyDef, Group, IndexDef, IndexMethod,
    JsonSize, Schema, SchemaState, Step, TableDef, Tier,
};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

/// The extensions of the files the documentation tree owns (a file of these under its root
/// that is not generated is extra).
pub const EXTENSIONS: &[&str] = &["md", "mmd"];

/// The overview, with both diagrams, the tables, the dialect differences and the history.
pub const SCHEMA_FILE: &str = "SCHEMA.md";
/// The ER diagram of the schema every dialect gets, alone, for tools that read `.mmd`.
pub const ER_FILE: &str = "er.mmd";
/// The PostgreSQL ER diagram, after its overlay.
pub const ER_POSTGRES_FILE: &str = "er-postgres.mmd";

/// The documentation of `schema` (the schema as released: `Record::apply`'s result), marking
/// the migrations named in `released` as released: `SCHEMA.md` and the two diagrams.
pub fn docs_files(schema: &Schema, released: &[&str]) -> Vec<GeneratedFile> {
    let er = er_diagram(schema);
    let er_postgres = postgres_er_diagram(schema);
    let overview = overview(schema, released, &er, &er_postgres);
    [
        (SCHEMA_FILE, overview),
        (ER_FILE, er),
        (ER_POSTGRES_FILE, er_postgres),
    ]
    .into_iter()
    .map(|(path, contents)| GeneratedFile {
        path: PathBuf::from(path),
        contents,
    })
    .collect()
}

/// Where each table, column and index came from, replaying every migration's steps in
/// release order.
#[derive(Debug, Default)]
struct History {
    /// Table → the tier of the migration that created it (`None`: an overlay created it).
    tiers: BTreeMap<String, Option<Tier>>,
    /// Table → the migration that created it.
    created_by: BTreeMap<String, String>,
    /// (table, column) → the migration that created, added or renamed it.
    columns: BTreeMap<(String, String), String>,
    /// (table, index) → the migration whose step builds it.
    indexes: BTreeMap<(String, String), String>,
    /// Table → the migration that partitioned it.
    partitioned_by: BTreeMap<String, String>,
}

impl History {
    fn replay(schema: &Schema) -> History {
        let mut history = History::default();
        for migration in &schema.migrations {
            let id = migration.id.to_string();
            let tier = match migration.id.group {
                Group::Tier(tier) => Some(tier),
                Group::Overlay(_) => None,
            };
            for step in &migration.steps {
                history.step(&id, tier, step);
            }
        }
        history
    }

    fn step(&mut self, id: &str, tier: Option<Tier>, step: &Step) {
        let key = |table: &str, name: &str| (table.to_string(), name.to_string());
        match step {
            Step::CreateTable(table) => {
                let name = &table.name;
                self.tiers.insert(name.clone(), tier);
                self.created_by.insert(name.clone(), id.to_string());
                for column in &table.columns {
                    self.columns.insert(key(name, &column.name), id.to_string());
                }
                for index in &table.indexes {
                    self.indexes.insert(key(name, &index.name), id.to_string());
                }
            }
            Step::DropTable { table, .. } => {
                self.tiers.remove(table);
                self.created_by.remove(table);
                self.partitioned_by.remove(table);
                self.columns.retain(|(t, _), _| t != table);
                self.indexes.retain(|(t, _), _| t != table);
            }
            Step::RenameTable { from, to } => {
                if let Some(tier) = self.tiers.remove(from) {
                    self.tiers.insert(to.clone(), tier);
                }
                for map in [&mut self.created_by, &mut self.partitioned_by] {
                    if let Some(value) = map.remove(from) {
                        map.insert(to.clone(), value);
                    }
                }
                for map in [&mut self.columns, &mut self.indexes] {
                    *map = std::mem::take(map)
                        .into_iter()
                        .map(|((t, c), v)| (if t == *from { (to.clone(), c) } else { (t, c) }, v))
                        .collect();
                }
            }
            Step::AddColumn { table, column, .. } => {
                self.columns
                    .insert(key(table, &column.name), id.to_string());
            }
            Step::DropColumn { table, column, .. } => {
                self.columns.remove(&key(table, column));
            }
            Step::RenameColumn { table, from, to } => {
                self.columns.remove(&key(table, from));
                self.columns.insert(key(table, to), id.to_string());
            }
            // The column keeps the migration that added it.
            Step::AlterColumn { .. } => {}
            Step::CreateIndex { table, index } => {
                self.indexes.insert(key(table, &index.name), id.to_string());
            }
            Step::DropIndex { table, index } => {
                self.indexes.remove(&key(table, index));
            }
            Step::PartitionTable { table } => {
                self.partitioned_by.insert(table.clone(), id.to_string());
            }
            // Constraints are not part of the history the documentation shows.
            Step::AddForeignKey { .. }
            | Step::DropForeignKey { .. }
            | Step::AddCheck { .. }
            | Step::DropCheck { .. } => {}
        }
    }

    /// The tier of `table`, as a word.
    fn tier(&self, table: &str) -> &'static str {
        match self.tiers.get(table) {
            Some(Some(tier)) => tier.name(),
            _ => "overlay",
        }
    }

    fn column(&self, table: &str, column: &str) -> &str {
        self.columns
            .get(&(table.to_string(), column.to_string()))
            .map_or("", String::as_str)
    }

    fn index(&self, table: &str, index: &str) -> &str {
        self.indexes
            .get(&(table.to_string(), index.to_string()))
            .map_or("", String::as_str)
    }
}

// ----- the diagrams -----

/// The colour of each tier's tables in the diagrams (fill, stroke).
const TIER_STYLES: &[(&str, &str, &str)] = &[
    ("basic", "#e3f2fd", "#1565c0"),
    ("intermediate", "#e8f5e9", "#2e7d32"),
    ("advanced", "#fff3e0", "#e65100"),
    ("overlay", "#f3e5f5", "#6a1b9a"),
];

/// The Mermaid ER diagram of the schema the migrations give (every migration's steps, so the
/// declared partitioning is noted but the tables are the ones every dialect has).
pub fn er_diagram(schema: &Schema) -> String {
    let state = schema.final_state(None);
    let history = History::replay(schema);
    let mut out = diagram_header("logical types; tables coloured by tier");
    for table in state.tables() {
        let tier = history.tier(&table.name);
        entity(&mut out, table, tier, |c| c.ty.to_string(), column_comment);
    }
    for table in state.tables() {
        for fk in &table.foreign_keys {
            relationship(&mut out, table, fk, &fk.ref_table);
        }
    }
    tier_classes(&mut out, state.tables().map(|t| t.name.as_str()), &history);
    out
}

/// The Mermaid ER diagram of PostgreSQL after its overlay: PostgreSQL types, each partitioned
/// table with its key extended by the partition key, its keys table (which the foreign keys
/// reference instead) and its DEFAULT partition, and the GIN indexes.
pub fn postgres_er_diagram(schema: &Schema) -> String {
    let state = schema.final_state(Some(Dialect::Postgres));
    let history = History::replay(schema);
    let partitions = partition_objects(&state);
    let mut out = diagram_header("PostgreSQL types, after pg/0001_pg_optimizations");
    let mut names = Vec::new();
    for table in state.tables() {
        let objects = partitions.get(&table.name);
        let shown = objects.map_or(table, |o| &o.partitioned);
        let gin: Vec<&IndexDef> = table
            .indexes
            .iter()
            .filter(|i| i.method != IndexMethod::BTree)
            .collect();
        let comment = |column: &ColumnDef| {
            let mut notes = Vec::new();
            if objects.is_some_and(|o| o.partition_column == column.name) {
                notes.push("partition key (monthly)".to_string());
            }
            notes.extend(
                gin.iter()
                    .filter(|i| i.columns.contains(&column.name))
                    .map(|i| format!("{} index {}", i.method.to_string().to_uppercase(), i.name)),
            );
            notes.extend(column_comment(column));
            (!notes.is_empty()).then(|| notes.join(", "))
        };
        let postgres_type = |column: &ColumnDef| {
            Postgres
                .column_type(column.ty)
                .unwrap_or_default()
                .to_lowercase()
        };
        entity(
            &mut out,
            shown,
            history.tier(&table.name),
            postgres_type,
            comment,
        );
        names.push((table.name.clone(), history.tier(&table.name)));
        if let Some(objects) = objects {
            let label = format!("keys of {}", table.name);
            entity(&mut out, &objects.keys, &label, postgres_type, |_| {
                Some(format!("kept by trigger {}", objects.keys_function))
            });
            let _ = writeln!(
                out,
                "    {}[\"{} · DEFAULT partition\"]",
                objects.default_partition, objects.default_partition
            );
            names.push((objects.keys.name.clone(), "overlay"));
            names.push((objects.default_partition.clone(), "overlay"));
        }
    }
    for table in state.tables() {
        for fk in &table.foreign_keys {
            let target = partitions
                .get(&fk.ref_table)
                .map_or(fk.ref_table.as_str(), |o| o.keys.name.as_str());
            relationship(&mut out, table, fk, target);
        }
        if let Some(objects) = partitions.get(&table.name) {
            let key: Vec<&str> = objects
                .keys
                .columns
                .iter()
                .map(|c| c.name.as_str())
                .collect();
            let _ = writeln!(
                out,
                "    {} ||--|{{ {} : \"one row per {}\"",
                objects.keys.name,
                table.name,
                key.join(", ")
            );
            let _ = writeln!(
                out,
                "    {} ||--|| {} : \"partition of\"",
                table.name, objects.default_partition
            );
        }
    }
    let mut by_tier: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (name, tier) in &names {
        by_tier.entry(tier).or_default().push(name);
    }
    class_lines(&mut out, &by_tier);
    out
}

/// The diagram's first lines: the kind, its title as a comment, and the layout.
fn diagram_header(title: &str) -> String {
    format!("---\ntitle: {title}\n---\nerDiagram\n    direction TB\n")
}

/// One entity: `name["name · tier"] { type column KEYS "comment" }`.
fn entity(
    out: &mut String,
    table: &TableDef,
    label: &str,
    type_of: impl Fn(&ColumnDef) -> String,
    comment_of: impl Fn(&ColumnDef) -> Option<String>,
) {
    let _ = writeln!(out, "    {}[\"{} · {label}\"] {{", table.name, table.name);
    for column in &table.columns {
        let _ = write!(out, "        {} {}", type_of(column), column.name);
        let keys = column_keys(table, column);
        if !keys.is_empty() {
            let _ = write!(out, " {}", keys.join(", "));
        }
        if let Some(comment) = comment_of(column) {
            let _ = write!(out, " \"{}\"", comment.replace('"', "'"));
        }
        out.push('\n');
    }
    out.push_str("    }\n");
}

/// PK, FK and UK, as Mermaid marks the keys a column is in.
fn column_keys(table: &TableDef, column: &ColumnDef) -> Vec<&'static str> {
    let mut keys = Vec::new();
    if column.primary_key {
        keys.push("PK");
    }
    if table
        .foreign_keys
        .iter()
        .any(|fk| fk.columns.contains(&column.name))
    {
        keys.push("FK");
    }
    if column.unique
        || table
            .indexes
            .iter()
            .any(|i| i.unique && i.columns == [column.name.clone()])
    {
        keys.push("UK");
    }
    keys
}

/// What the diagram says of a column beside its type: nullable, its default, identity.
fn column_comment(column: &ColumnDef) -> Option<String> {
    let mut notes = Vec::new();
    if column.nullable {
        notes.push("nullable".to_string());
    }
    if let Some(default) = &column.default {
        notes.push(format!("default {}", default_text(default)));
    }
    if column.auto_increment {
        notes.push("identity".to_string());
    }
    (!notes.is_empty()).then(|| notes.join(", "))
}

/// A logical default as the docs write it: text in single quotes.
fn default_text(default: &DefaultValue) -> String {
    match default {
        DefaultValue::Text(text) => format!("'{}'", text.replace(['\'', '"'], "")),
        other => other.to_string(),
    }
}

/// `parent ||--o{ child : "fk, ON DELETE action"`: exactly one parent when every referencing
/// column is NOT NULL, else zero or one.
fn relationship(out: &mut String, table: &TableDef, fk: &ForeignKeyDef, target: &str) {
    let required = fk
        .columns
        .iter()
        .all(|c| table.find_column(c).is_some_and(|c| !c.nullable));
    let parent = if required { "||" } else { "|o" };
    let _ = writeln!(
        out,
        "    {target} {parent}--o{{ {} : \"{} ({}) ON DELETE {}\"",
        table.name,
        fk.name,
        fk.columns.join(", "),
        fk.on_delete
    );
}

/// The tier classes of the tables `names`.
fn tier_classes<'a>(out: &mut String, names: impl Iterator<Item = &'a str>, history: &History) {
    let mut by_tier: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for name in names {
        by_tier.entry(history.tier(name)).or_default().push(name);
    }
    class_lines(out, &by_tier);
}

/// `classDef` of each tier present and `class` of its tables.
fn class_lines(out: &mut String, by_tier: &BTreeMap<&str, Vec<&str>>) {
    for (tier, fill, stroke) in TIER_STYLES {
        if let Some(tables) = by_tier.get(tier) {
            let _ = writeln!(out, "    classDef {tier} fill:{fill},stroke:{stroke}");
            let _ = writeln!(out, "    class {} {tier}", tables.join(","));
        }
    }
}

/// What PostgreSQL's partitioning creates for each partitioned table of `state`.
fn partition_objects(state: &SchemaState) -> BTreeMap<String, PartitionObjects> {
    state
        .tables()
        .filter(|table| state.is_partitioned(&table.name))
        .filter_map(|table| {
            Postgres
                .partition_objects(table)
                .ok()
                .map(|objects| (table.name.clone(), objects))
        })
        .collect()
}

// ----- the overview -----

/// The dialects in the order the tables list them.
const DIALECTS: [Dialect; 3] = [Dialect::Sqlite, Dialect::Postgres, Dialect::Db2];

/// A dialect's name in the docs.
fn dialect_title(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "SQLite",
        Dialect::Postgres => "PostgreSQL",
        Dialect::Db2 => "Db2",
    }
}

/// A concrete definition as code, a refusal as prose.
fn code(definition: &str) -> String {
    if definition.starts_with("refused: ") {
        definition.to_string()
    } else {
        format!("`{definition}`")
    }
}

/// `n thing` or `n things`.
fn count(n: usize, thing: &str) -> String {
    format!("{n} {thing}{}", if n == 1 { "" } else { "s" })
}

/// `text` fit for a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// `| a | b |` and its separator line.
fn table_head(out: &mut String, headers: &[&str]) {
    let _ = writeln!(out, "| {} |", headers.join(" | "));
    let _ = writeln!(
        out,
        "|{}",
        headers.iter().map(|_| "---|").collect::<String>()
    );
}

/// One row of a Markdown table.
fn table_row(out: &mut String, cells: &[String]) {
    let cells: Vec<String> = cells.iter().map(|c| cell(c)).collect();
    let _ = writeln!(out, "| {} |", cells.join(" | "));
}

fn overview(schema: &Schema, released: &[&str], er: &str, er_postgres: &str) -> String {
    let history = History::replay(schema);
    let state = schema.final_state(None);
    let released_count = schema
        .migrations
        .iter()
        .filter(|m| released.contains(&m.id.to_string().as_str()))
        .count();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!-- Generated by `cargo run -p codegen` from schema-defs; never edit. \
         `cargo run -p codegen -- --check` fails when it is stale. -->\n\
         # The spine schema\n\n\
         {} tables in {} tiers (each tier includes the ones before it), from {} migrations, \
         {released_count} of them released. Everything here is generated from the declarations \
         (`schema-defs`) and the backends that render them (`schema-sql`), like the SQL in \
         `migrations-generated/`.\n\n\
         [Diagram](#diagram) · [PostgreSQL after its overlay](#postgresql-after-its-overlay) · \
         [Tables](#tables) · [Db2 row sizes](#db2-row-sizes) · \
         [Dialect differences](#dialect-differences) · [Release history](#release-history)\n",
        state.tables().count(),
        Tier::ALL.len(),
        schema.migrations.len(),
    );
    diagram_section(&mut out, &state, &history, er);
    postgres_section(&mut out, schema, &history, er_postgres);
    tables_section(&mut out, schema, &state, &history);
    row_size_section(&mut out, schema);
    differences_section(&mut out);
    history_section(&mut out, schema, released);
    out
}

fn diagram_section(out: &mut String, state: &SchemaState, history: &History, er: &str) {
    let _ = writeln!(
        out,
        "## Diagram\n\n\
         The schema every dialect gets once every migration is applied, in logical types \
         (`{ER_FILE}`). A line is a foreign key, from the referenced table to the referencing \
         one, labelled with its name, columns and ON DELETE action; `PK`, `FK` and `UK` mark \
         the keys a column is in.\n\n```mermaid\n{er}```\n"
    );
    table_head(out, &["tier", "tables"]);
    for tier in Tier::ALL {
        let tables: Vec<String> = state
            .tables()
            .filter(|t| history.tier(&t.name) == tier.name())
            .map(|t| format!("[`{}`](#{})", t.name, t.name))
            .collect();
        table_row(out, &[tier.name().to_string(), tables.join(", ")]);
    }
    out.push('\n');
}

fn postgres_section(out: &mut String, schema: &Schema, history: &History, er_postgres: &str) {
    let state = schema.final_state(Some(Dialect::Postgres));
    let partitions = partition_objects(&state);
    let _ = writeln!(
        out,
        "## PostgreSQL after its overlay\n\n\
         PostgreSQL applies its overlay migrations too (`{ER_POSTGRES_FILE}`).\n"
    );
    for (table, objects) in &partitions {
        let by = history
            .partitioned_by
            .get(table)
            .map_or(String::new(), |id| format!(" by `{id}`"));
        let key: Vec<&str> = objects.partitioned.primary_key();
        let _ = writeln!(
            out,
            "`{table}` is partitioned{by} by month of `{}`: its primary key becomes ({}); \
             `{}` keeps its declared key unique across partitions (trigger function `{}()`), \
             and the foreign keys that referenced `{table}` reference it instead, with the same \
             ON DELETE action. Rows outside every monthly partition go to `{}`; \
             `cargo run -p codegen -- partitions` creates the monthly ones.\n",
            objects.partition_column,
            key.join(", "),
            objects.keys.name,
            objects.keys_function,
            objects.default_partition,
        );
    }
    for table in state.tables() {
        for index in table
            .indexes
            .iter()
            .filter(|i| i.method != IndexMethod::BTree)
        {
            let _ = writeln!(
                out,
                "`{}` is a {} index on `{}` ({}), built by `{}`.\n",
                index.name,
                index.method.to_string().to_uppercase(),
                table.name,
                index.columns.join(", "),
                history.index(&table.name, &index.name)
            );
        }
    }
    let _ = writeln!(out, "```mermaid\n{er_postgres}```\n");
}

/// A column's concrete definition in `backend`'s dialect: type, default, identity, checks.
fn concrete(backend: &dyn Backend, column: &ColumnDef) -> String {
    let mut text = match backend.column_type(column.ty) {
        Ok(ty) => ty,
        Err(refused) => return format!("refused: {refused}"),
    };
    if let Some(default) = &column.default {
        match backend.default_value(default) {
            Some(value) => {
                let _ = write!(text, " DEFAULT {value}");
            }
            None => text.push_str(" (default written by the application)"),
        }
    }
    if column.auto_increment {
        let _ = write!(text, " {}", backend.identity_keyword());
    }
    if let Some(check) = backend.column_checks(column) {
        let _ = write!(text, " + {check}");
    }
    text
}

fn tables_section(out: &mut String, schema: &Schema, state: &SchemaState, history: &History) {
    out.push_str("## Tables\n\n");
    let postgres = schema.final_state(Some(Dialect::Postgres));
    for table in state.tables() {
        let name = &table.name;
        let _ = writeln!(out, "### {name}\n");
        let mut facts = vec![
            format!("Tier **{}**", history.tier(name)),
            format!(
                "created by `{}`",
                history.created_by.get(name).map_or("", String::as_str)
            ),
            format!("primary key ({})", table.primary_key().join(", ")),
        ];
        if let Some(partitioning) = &table.partitioning {
            let where_ = if postgres.is_partitioned(name) {
                "partitioned in PostgreSQL"
            } else {
                "declared partitioned, but no migration partitions it"
            };
            facts.push(format!("{where_} by month of `{}`", partitioning.column));
        }
        if let Some(size) = schema
            .final_state(Some(Dialect::Db2))
            .table(name)
            .and_then(|t| row_size(&Db2, t))
        {
            facts.push(format!(
                "Db2 row at most {} bytes: {}",
                size.bytes,
                page_need(&size)
            ));
        }
        let _ = writeln!(out, "{}.\n", facts.join(" · "));
        let mut headers = vec!["column", "type", "null", "default", "key"];
        headers.extend(DIALECTS.map(dialect_title));
        headers.push("added / last changed by");
        table_head(out, &headers);
        for column in &table.columns {
            let mut cells = vec![
                format!("`{}`", column.name),
                column.ty.to_string(),
                if column.nullable { "NULL" } else { "NOT NULL" }.to_string(),
                column
                    .default
                    .as_ref()
                    .map(default_text)
                    .unwrap_or_default(),
                column_keys(table, column).join(", "),
            ];
            cells.extend(DIALECTS.map(|d| code(&concrete(backend(d), column))));
            cells.push(format!("`{}`", history.column(name, &column.name)));
            table_row(out, &cells);
        }
        out.push('\n');
        for fk in &table.foreign_keys {
            let _ = writeln!(
                out,
                "Foreign key `{}`: ({}) → [`{}`](#{}) ({}), ON DELETE {}, ON UPDATE {}.\n",
                fk.name,
                fk.columns.join(", "),
                fk.ref_table,
                fk.ref_table,
                fk.ref_columns.join(", "),
                fk.on_delete,
                fk.on_update
            );
        }
        let referenced: Vec<String> = state
            .referencing(name)
            .iter()
            .map(|(from, fk)| format!("`{}.{}`", from.name, fk.name))
            .collect();
        if !referenced.is_empty() {
            let _ = writeln!(out, "Referenced by {}.\n", referenced.join(", "));
        }
        if !table.indexes.is_empty() {
            let mut headers = vec!["index", "columns", "unique", "method"];
            headers.extend(DIALECTS.map(dialect_title));
            headers.push("built by");
            table_head(out, &headers);
            for index in &table.indexes {
                let mut cells = vec![
                    format!("`{}`", index.name),
                    index.columns.join(", "),
                    if index.unique { "unique" } else { "" }.to_string(),
                    index.method.to_string(),
                ];
                cells.extend(DIALECTS.map(|d| {
                    let builds = backend(d)
                        .capabilities()
                        .supports_index_method(index.method)
                        && schema
                            .final_state(Some(d))
                            .table(name)
                            .and_then(|t| t.find_index(&index.name))
                            .is_some();
                    if builds { "yes" } else { "skipped" }.to_string()
                }));
                cells.push(format!("`{}`", history.index(name, &index.name)));
                table_row(out, &cells);
            }
            out.push('\n');
        }
    }
}

/// What page a Db2 row of `size` needs.
fn page_need(size: &crate::rules::RowSize) -> String {
    match size.page_kib {
        _ if size.fits_smallest_page() => format!("fits {}K pages", size.smallest.page_kib),
        Some(kib) => format!("needs {kib}K pages"),
        None => "needs extended_row_sz".to_string(),
    }
}

fn row_size_section(out: &mut String, schema: &Schema) {
    let state = schema.final_state(Some(Dialect::Db2));
    let Some(smallest) = Db2.capabilities().row_size_limits.first() else {
        return;
    };
    let _ = writeln!(
        out,
        "## Db2 row sizes\n\n\
         Db2 refuses a table whose longest row exceeds its table space's page ({} bytes in \
         {}K pages) unless the database has `extended_row_sz` enabled; `codegen` prints one \
         line pointing here instead of a warning per table. Row limits per page: {}.\n",
        smallest.max_row_bytes,
        smallest.page_kib,
        Db2.capabilities()
            .row_size_limits
            .iter()
            .map(|l| format!("{}K: {} bytes", l.page_kib, l.max_row_bytes))
            .collect::<Vec<_>>()
            .join(", ")
    );
    table_head(out, &["table", "max row bytes", "needs"]);
    for table in state.tables() {
        if let Some(size) = row_size(&Db2, table) {
            table_row(
                out,
                &[
                    format!("[`{}`](#{})", table.name, table.name),
                    size.bytes.to_string(),
                    page_need(&size),
                ],
            );
        }
    }
    out.push('\n');
}

/// Every logical type once, JSON in both sizes; the match stops the build when a type is
/// added, so the table of types cannot miss it.
fn type_examples() -> Vec<ColumnType> {
    let all = vec![
        ColumnType::Text { max_len: Some(50) },
        ColumnType::Text { max_len: None },
        ColumnType::SmallInt,
        ColumnType::Integer,
        ColumnType::BigInt,
        ColumnType::Boolean,
        ColumnType::Timestamp,
        ColumnType::Json {
            size: JsonSize::Small,
        },
        ColumnType::Json {
            size: JsonSize::Large,
        },
    ];
    for ty in &all {
        match ty {
            ColumnType::Text { .. }
            | ColumnType::SmallInt
            | ColumnType::Integer
            | ColumnType::BigInt
            | ColumnType::Boolean
            | ColumnType::Timestamp
            | ColumnType::Json { .. } => {}
        }
    }
    all
}

/// One row per field of [`Capabilities`], read from the backend: destructured whole, so a
/// capability added to the struct stops the build until it is documented here.
fn capability_rows(backend: &dyn Backend) -> Vec<(&'static str, String)> {
    let Capabilities {
        dialect: _,
        max_identifier_bytes,
        reserved_words,
        table_if_not_exists,
        index_if_not_exists,
        index_methods,
        on_delete_actions,
        on_update_actions,
        json_in_keys,
        not_null_keys_required,
        primary_key_implies_not_null,
        column_clause_order,
        monthly_partitions,
        row_size_limits,
        native_boolean,
        native_json,
        native_timestamp,
        temporary_default,
        drop_column_needs_reorg,
        rename_table_with_foreign_keys,
        alter_column,
        alter_table_constraints,
        lock_safe_ddl,
    } = *backend.capabilities();
    let yes = |b: bool| if b { "yes" } else { "no" }.to_string();
    let list = |items: Vec<String>| items.join(", ");
    vec![
        (
            "names are written",
            format!(
                "`workflow_runs` → `{}`",
                backend.identifier("workflow_runs")
            ),
        ),
        (
            "longest name",
            max_identifier_bytes.map_or("unlimited".to_string(), |n| format!("{n} bytes")),
        ),
        (
            "reserved words refused as names",
            reserved_words.len().to_string(),
        ),
        (
            "CREATE/DROP TABLE IF [NOT] EXISTS",
            yes(table_if_not_exists),
        ),
        (
            "CREATE/DROP INDEX IF [NOT] EXISTS",
            yes(index_if_not_exists),
        ),
        (
            "index methods",
            list(index_methods.iter().map(ToString::to_string).collect()),
        ),
        (
            "ON DELETE actions",
            list(on_delete_actions.iter().map(ToString::to_string).collect()),
        ),
        (
            "ON UPDATE actions",
            list(on_update_actions.iter().map(ToString::to_string).collect()),
        ),
        ("JSON in a key or an index", yes(json_in_keys)),
        ("key columns must say NOT NULL", yes(not_null_keys_required)),
        (
            "PRIMARY KEY implies NOT NULL",
            yes(primary_key_implies_not_null),
        ),
        (
            "column clause order",
            list(
                column_clause_order
                    .iter()
                    .map(|clause| {
                        match clause {
                            ColumnClause::NotNull => "NOT NULL",
                            ColumnClause::Default => "DEFAULT",
                            ColumnClause::Identity => "identity",
                            ColumnClause::PrimaryKey => "PRIMARY KEY",
                            ColumnClause::Unique => "UNIQUE",
                        }
                        .to_string()
                    })
                    .collect(),
            ),
        ),
        ("monthly range partitions", yes(monthly_partitions)),
        (
            "row size limits",
            if row_size_limits.is_empty() {
                "not bounded by pages".to_string()
            } else {
                list(
                    row_size_limits
                        .iter()
                        .map(|l| format!("{}K: {} B", l.page_kib, l.max_row_bytes))
                        .collect(),
                )
            },
        ),
        ("native BOOLEAN", yes(native_boolean)),
        ("native JSON", yes(native_json)),
        ("native TIMESTAMP", yes(native_timestamp)),
        (
            "NOT NULL column added with a temporary default",
            temporary_default.map_or("no: the table is rebuilt".to_string(), |k| {
                format!("yes ({k} … then DROP DEFAULT)")
            }),
        ),
        (
            "DROP COLUMN needs REORG TABLE",
            yes(drop_column_needs_reorg),
        ),
        (
            "RENAME TABLE of a table in a foreign key",
            yes(rename_table_with_foreign_keys),
        ),
        (
            "column changed in place",
            alter_column.map_or("no: the table is rebuilt".to_string(), |syntax| {
                let mut text = format!("yes (ALTER COLUMN … {})", syntax.set_type);
                if !syntax.converts_in_place {
                    text.push_str("; text ↔ integer by a new column, copied");
                }
                if syntax.needs_reorg {
                    text.push_str("; REORG TABLE after each");
                }
                if syntax.not_null_behind_check {
                    text.push_str("; SET NOT NULL behind a validated CHECK");
                }
                text
            }),
        ),
        (
            "foreign key or CHECK added in place",
            if alter_table_constraints {
                "yes"
            } else {
                "no: the table is rebuilt"
            }
            .to_string(),
        ),
        (
            "online (lock-safe) migrations",
            if lock_safe_ddl {
                "yes: outside a transaction, CONCURRENTLY / NOT VALID"
            } else {
                "no: applied in one transaction"
            }
            .to_string(),
        ),
    ]
}

fn differences_section(out: &mut String) {
    let _ = writeln!(
        out,
        "## Dialect differences\n\n\
         Read from the backends that render the SQL (`schema-sql/src/backend/`): each \
         type is `column_type`, each default `default_value`, each capability a field of \
         `Capabilities`, so the table cannot disagree with the files.\n"
    );
    let mut headers = vec!["logical type"];
    headers.extend(DIALECTS.map(dialect_title));
    table_head(out, &headers);
    for ty in type_examples() {
        let column = ColumnDef::new("flag", ty);
        let mut cells = vec![ty.to_string()];
        cells.extend(DIALECTS.map(|d| code(&concrete(backend(d), &column))));
        table_row(out, &cells);
    }
    let defaults = [
        DefaultValue::Now,
        DefaultValue::Text("UTC".to_string()),
        DefaultValue::Integer(1),
        DefaultValue::Boolean(true),
    ];
    for default in defaults {
        let mut cells = vec![format!("default {}", default_text(&default))];
        cells.extend(DIALECTS.map(|d| {
            backend(d)
                .default_value(&default)
                .map_or("— (the application writes it)".to_string(), |v| {
                    format!("`{v}`")
                })
        }));
        table_row(out, &cells);
    }
    let mut cells = vec!["auto id".to_string()];
    cells.extend(DIALECTS.map(|d| format!("`{}`", backend(d).identity_keyword())));
    table_row(out, &cells);
    out.push('\n');
    let mut headers = vec!["capability"];
    headers.extend(DIALECTS.map(dialect_title));
    table_head(out, &headers);
    let rows: Vec<Vec<(&str, String)>> = DIALECTS
        .iter()
        .map(|&d| capability_rows(backend(d)))
        .collect();
    for (at, (label, _)) in rows[0].iter().enumerate() {
        let mut cells = vec![label.to_string()];
        cells.extend(rows.iter().map(|r| r[at].1.clone()));
        table_row(out, &cells);
    }
    out.push('\n');
}

/// One step, one line: what it does and to what.
fn describe(step: &Step, state: &SchemaState) -> String {
    match step {
        Step::CreateTable(table) => {
            let built = table
                .indexes
                .iter()
                .filter(|i| i.method == IndexMethod::BTree)
                .count();
            let mut parts = vec![count(table.columns.len(), "column")];
            if !table.foreign_keys.is_empty() {
                parts.push(count(table.foreign_keys.len(), "foreign key"));
            }
            if built > 0 {
                parts.push(count(built, "index").replace("indexs", "indexes"));
            }
            format!("create table `{}` ({})", table.name, parts.join(", "))
        }
        Step::DropTable { table, ack } => {
            format!("drop table `{table}` (data loss: {})", ack.reason)
        }
        Step::RenameTable { from, to } => format!("rename table `{from}` to `{to}`"),
        Step::AddColumn {
            table,
            column,
            backfill,
        } => format!(
            "add column `{table}.{}` {}{}{}",
            column.name,
            column.ty,
            if column.nullable { "" } else { " NOT NULL" },
            backfill
                .as_ref()
                .map(|v| format!(", existing rows get {}", default_text(v)))
                .unwrap_or_default()
        ),
        Step::DropColumn { table, column, ack } => {
            format!("drop column `{table}.{column}` (data loss: {})", ack.reason)
        }
        Step::RenameColumn { table, from, to } => {
            format!("rename column `{table}.{from}` to `{to}`")
        }
        Step::AlterColumn {
            table,
            column,
            backfill,
            conversion,
            ack,
        } => {
            let mut text = format!(
                "change column `{table}.{}` to {}{}",
                column.name,
                column.ty,
                if column.nullable { "" } else { " NOT NULL" },
            );
            if let Some(default) = &column.default {
                text.push_str(&format!(" DEFAULT {}", default_text(default)));
            }
            if let Some(value) = backfill {
                text.push_str(&format!(", rows holding NULL get {}", default_text(value)));
            }
            if conversion.is_some() {
                text.push_str(", values converted by CAST");
            }
            if let Some(ack) = ack {
                text.push_str(&format!(" (narrowing: {})", ack.reason));
            }
            text
        }
        Step::CreateIndex { table, index } => format!(
            "create {}{} index `{}` on `{table}` ({})",
            if index.unique { "unique " } else { "" },
            index.method,
            index.name,
            index.columns.join(", ")
        ),
        Step::DropIndex { table, index } => format!("drop index `{index}` of `{table}`"),
        Step::PartitionTable { table } => format!(
            "partition `{table}` by month of `{}`",
            state
                .table(table)
                .and_then(|t| t.partitioning.as_ref())
                .map_or("", |p| p.column.as_str())
        ),
        Step::AddForeignKey { table, foreign_key } => format!(
            "add foreign key `{}` on `{table}` ({}) to `{}` ({})",
            foreign_key.name,
            foreign_key.columns.join(", "),
            foreign_key.ref_table,
            foreign_key.ref_columns.join(", ")
        ),
        Step::DropForeignKey { table, name } => format!("drop foreign key `{name}` of `{table}`"),
        Step::AddCheck { table, check } => format!(
            "add CHECK `{}` on `{table}.{}`: {}",
            check.name, check.column, check.condition
        ),
        Step::DropCheck { table, name } => format!("drop CHECK `{name}` of `{table}`"),
    }
}

fn history_section(out: &mut String, schema: &Schema, released: &[&str]) {
    let _ = writeln!(
        out,
        "## Release history\n\n\
         Every migration in release order (the order `migrate` applies them), with its steps; \
         released ones are in `migrations-generated/releases.jsonl` and never change.\n"
    );
    table_head(
        out,
        &["#", "migration", "applies to", "tier", "released", "steps"],
    );
    let mut state = SchemaState::default();
    for (at, migration) in schema.migrations.iter().enumerate() {
        let id = migration.id.to_string();
        let applies = match migration.id.group {
            Group::Tier(_) => "every dialect".to_string(),
            Group::Overlay(dialect) => format!("{} only", dialect_title(dialect)),
        };
        let tier = DIALECTS
            .iter()
            .flat_map(|&d| schema.release_order(d))
            .find(|entry| entry.id == migration.id)
            .map_or("", |entry| entry.tier.name());
        let mut steps = Vec::new();
        for step in &migration.steps {
            steps.push(describe(step, &state));
            let _reported_by_validation = state.apply(&migration.id, step);
        }
        table_row(
            out,
            &[
                (at + 1).to_string(),
                format!("`{id}`"),
                applies,
                tier.to_string(),
                if released.contains(&id.as_str()) {
                    "released"
                } else {
                    "not yet"
                }
                .to_string(),
                steps.join("; "),
            ],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use schema_dsl::{Acknowledgement, Migration};

    fn tier(seq: u32, name: &str) -> Migration {
        Migration::new(Group::Tier(Tier::Basic), seq, name)
    }

    fn text(n: u32) -> ColumnType {
        ColumnType::Text { max_len: Some(n) }
    }

    /// A table created, then changed column by column over three migrations.
    fn evolved() -> Schema {
        let notes = TableDef::new("notes")
            .column(ColumnDef::new("note_id", text(50)).primary_key())
            .column(ColumnDef::new("title", text(200)))
            .column(ColumnDef::new("body", text(4000)).nullable(true));
        Schema::new(vec![
            tier(1, "notes").step(Step::CreateTable(notes)),
            tier(2, "notes_author").step(Step::AddColumn {
                table: "notes".to_string(),
                column: ColumnDef::new("author", text(100)).nullable(true),
                backfill: None,
            }),
            tier(3, "notes_heading")
                .step(Step::RenameColumn {
                    table: "notes".to_string(),
                    from: "title".to_string(),
                    to: "heading".to_string(),
                })
                .step(Step::DropColumn {
                    table: "notes".to_string(),
                    column: "body".to_string(),
                    ack: Acknowledgement::data_loss("bodies moved to object storage"),
                })
                .step(Step::CreateIndex {
                    table: "notes".to_string(),
                    index: IndexDef::new("idx_notes_author", &["author"]),
                }),
        ])
    }

    fn overview_of(schema: &Schema, released: &[&str]) -> String {
        docs_files(schema, released)
            .into_iter()
            .find(|f| f.path == std::path::Path::new(SCHEMA_FILE))
            .map(|f| f.contents)
            .unwrap_or_default()
    }

    /// The row of `column` in the overview's table of `notes`.
    fn row<'a>(overview: &'a str, column: &str) -> &'a str {
        overview
            .lines()
            .find(|line| line.starts_with(&format!("| `{column}` |")))
            .unwrap_or_default()
    }

    #[test]
    fn each_column_names_the_migration_that_added_or_last_changed_it() {
        let overview = overview_of(&evolved(), &["basic/0001_notes"]);
        assert!(row(&overview, "note_id").ends_with("| `basic/0001_notes` |"));
        assert!(row(&overview, "author").ends_with("| `basic/0002_notes_author` |"));
        assert!(row(&overview, "heading").ends_with("| `basic/0003_notes_heading` |"));
        assert_eq!(row(&overview, "title"), "", "renamed away");
        assert_eq!(row(&overview, "body"), "", "dropped");
        assert!(row(&overview, "idx_notes_author").ends_with("| `basic/0003_notes_heading` |"));
    }

    #[test]
    fn the_history_lists_every_step_and_what_is_released() {
        let overview = overview_of(&evolved(), &["basic/0001_notes"]);
        let history: Vec<&str> = overview
            .lines()
            .skip_while(|line| *line != "## Release history")
            .filter(|line| line.starts_with("| ") && !line.starts_with("| #"))
            .collect();
        assert_eq!(
            history,
            [
                "| 1 | `basic/0001_notes` | every dialect | basic | released | create table `notes` (3 columns) |",
                "| 2 | `basic/0002_notes_author` | every dialect | basic | not yet | add column `notes.author` text(100) |",
                "| 3 | `basic/0003_notes_heading` | every dialect | basic | not yet | rename column `notes.title` to `heading`; drop column `notes.body` (data loss: bodies moved to object storage); create btree index `idx_notes_author` on `notes` (author) |",
            ]
        );
    }

    #[test]
    fn the_diagram_marks_keys_nullability_and_the_foreign_key_action() {
        let runs = TableDef::new("runs").column(ColumnDef::new("run_id", text(50)).primary_key());
        let steps = TableDef::new("steps")
            .column(ColumnDef::new("step_id", text(50)).primary_key())
            .column(ColumnDef::new("run_id", text(50)).nullable(true))
            .foreign_key(ForeignKeyDef {
                name: "fk_step_run".to_string(),
                columns: vec!["run_id".to_string()],
                ref_table: "runs".to_string(),
                ref_columns: vec!["run_id".to_string()],
                on_delete: schema_dsl::ForeignKeyAction::SetNull,
                on_update: schema_dsl::ForeignKeyAction::NoAction,
            });
        let schema = Schema::new(vec![
            tier(1, "runs").step(Step::CreateTable(runs)),
            tier(2, "steps").step(Step::CreateTable(steps)),
        ]);
        let er = er_diagram(&schema);
        assert!(
            er.contains("        text(50) run_id FK \"nullable\"\n"),
            "{er}"
        );
        assert!(
            er.contains("    runs |o--o{ steps : \"fk_step_run (run_id) ON DELETE SET NULL\"\n"),
            "{er}"
        );
        assert!(er.contains("    class runs,steps basic\n"), "{er}");
    }
}
