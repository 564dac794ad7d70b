//! PostgreSQL: JSONB, BOOLEAN and TIMESTAMP created directly, as in the design document's
//! PostgreSQL `core_source_configs`.

use super::query::{primary_key_conflict, sea_query_dml};
use super::{
    ALL_ACTIONS, AlterColumnSyntax, Backend, Capabilities, ColumnClause, DmlSql, Month,
    PartitionedShape, Referencing, Unsupported, index_using,
};
use migration_layout::sql_string_literal;
use schema_dsl::{
    CheckCondition, CheckDef, ColumnDef, ColumnType, DefaultValue, Dialect, ForeignKeyDef,
    IndexDef, IndexMethod, Partitioning, TableDef,
};
use sea_query::{OnConflict, PostgresQueryBuilder};

/// The PostgreSQL renderer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Postgres;

/// Keywords of categories R (reserved) and T (reserved, can be function or type) in
/// PostgreSQL 15's `pg_get_keywords()`: neither may name a table or column unquoted.
const RESERVED: &[&str] = &[
    "ALL",
    "ANALYSE",
    "ANALYZE",
    "AND",
    "ANY",
    "ARRAY",
    "AS",
    "ASC",
    "ASYMMETRIC",
    "AUTHORIZATION",
    "BINARY",
    "BOTH",
    "CASE",
    "CAST",
    "CHECK",
    "COLLATE",
    "COLLATION",
    "COLUMN",
    "CONCURRENTLY",
    "CONSTRAINT",
    "CREATE",
    "CROSS",
    "CURRENT_CATALOG",
    "CURRENT_DATE",
    "CURRENT_ROLE",
    "CURRENT_SCHEMA",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "CURRENT_USER",
    "DEFAULT",
    "DEFERRABLE",
    "DESC",
    "DISTINCT",
    "DO",
    "ELSE",
    "END",
    "EXCEPT",
    "FALSE",
    "FETCH",
    "FOR",
    "FOREIGN",
    "FREEZE",
    "FROM",
    "FULL",
    "GRANT",
    "GROUP",
    "HAVING",
    "ILIKE",
    "IN",
    "INITIALLY",
    "INNER",
    "INTERSECT",
    "INTO",
    "IS",
    "ISNULL",
    "JOIN",
    "LATERAL",
    "LEADING",
    "LEFT",
    "LIKE",
    "LIMIT",
    "LOCALTIME",
    "LOCALTIMESTAMP",
    "NATURAL",
    "NOT",
    "NOTNULL",
    "NULL",
    "OFFSET",
    "ON",
    "ONLY",
    "OR",
    "ORDER",
    "OUTER",
    "OVERLAPS",
    "PLACING",
    "PRIMARY",
    "REFERENCES",
    "RETURNING",
    "RIGHT",
    "SELECT",
    "SESSION_USER",
    "SIMILAR",
    "SOME",
    "SYMMETRIC",
    "TABLE",
    "TABLESAMPLE",
    "THEN",
    "TO",
    "TRAILING",
    "TRUE",
    "UNION",
    "UNIQUE",
    "USER",
    "USING",
    "VARIADIC",
    "VERBOSE",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
];

/// Names up to `NAMEDATALEN - 1` bytes (longer ones are silently truncated, so refused);
/// B-tree and GIN indexes; declarative range partitioning with a DEFAULT partition
/// (PostgreSQL 11+); rows are TOASTed, never refused for their size; BOOLEAN, JSONB and
/// TIMESTAMP are native.
const CAPABILITIES: Capabilities = Capabilities {
    dialect: Dialect::Postgres,
    max_identifier_bytes: Some(63),
    reserved_words: RESERVED,
    table_if_not_exists: true,
    index_if_not_exists: true,
    index_methods: &[IndexMethod::BTree, IndexMethod::Gin],
    on_delete_actions: ALL_ACTIONS,
    on_update_actions: ALL_ACTIONS,
    json_in_keys: true,
    not_null_keys_required: false,
    primary_key_implies_not_null: true,
    column_clause_order: &[
        ColumnClause::NotNull,
        ColumnClause::Default,
        ColumnClause::Identity,
        ColumnClause::PrimaryKey,
        ColumnClause::Unique,
    ],
    monthly_partitions: true,
    row_size_limits: &[],
    native_boolean: true,
    native_json: true,
    native_timestamp: true,
    temporary_default: Some("DEFAULT"),
    drop_column_needs_reorg: false,
    rename_table_with_foreign_keys: true,
    alter_column: Some(AlterColumnSyntax {
        set_type: "TYPE",
        converts_in_place: true,
        needs_reorg: false,
        not_null_behind_check: true,
    }),
    alter_table_constraints: true,
    lock_safe_ddl: true,
};

impl Backend for Postgres {
    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }

    fn column_type(&self, ty: ColumnType) -> Result<String, Unsupported> {
        Ok(match ty {
            ColumnType::Text { max_len: Some(n) } => format!("VARCHAR({n})"),
            ColumnType::Text { max_len: None } => "TEXT".to_string(),
            ColumnType::SmallInt => "SMALLINT".to_string(),
            ColumnType::Integer => "INTEGER".to_string(),
            ColumnType::BigInt => "BIGINT".to_string(),
            ColumnType::Boolean => "BOOLEAN".to_string(),
            ColumnType::Timestamp => "TIMESTAMP".to_string(),
            ColumnType::Json { .. } => "JSONB".to_string(),
        })
    }

    fn default_value(&self, default: &DefaultValue) -> Option<String> {
        Some(match default {
            DefaultValue::Text(text) => sql_string_literal(text),
            DefaultValue::Integer(value) => value.to_string(),
            DefaultValue::Boolean(value) => value.to_string().to_ascii_uppercase(),
            DefaultValue::Now => "NOW()".to_string(),
        })
    }

    fn identity_keyword(&self) -> &'static str {
        "GENERATED ALWAYS AS IDENTITY"
    }

    /// An anonymous PL/pgSQL block raising an exception with the count.
    fn pre_check(&self, table: &str, offending: &str, problem: &str) -> String {
        let table = self.identifier(table);
        format!(
            "DO $$\nDECLARE offending bigint;\nBEGIN\n\
             \x20   SELECT count(*) INTO offending FROM {table} WHERE {offending};\n\
             \x20   IF offending > 0 THEN\n\
             \x20       RAISE EXCEPTION 'migration stopped: % {}', offending;\n\
             \x20   END IF;\n\
             END\n$$;",
            problem.replace('\'', "''").replace('%', "%%")
        )
    }

    /// A regular expression, then the range (the cast runs only on digits).
    fn not_integer_text(&self, column: &str, (min, max): (i64, i64)) -> String {
        format!(
            "CASE WHEN {column} !~ '^-?(0|[1-9][0-9]*)$' THEN TRUE \
             ELSE CAST({column} AS NUMERIC) NOT BETWEEN {min} AND {max} END"
        )
    }

    /// As `pg_get_constraintdef` prints the condition: a VARCHAR column cast to `text`,
    /// literals typed, BETWEEN as two comparisons, IN as `= ANY (ARRAY[…])` (one value: `=`).
    fn stored_check(&self, table: &TableDef, check: &CheckDef) -> Option<String> {
        let bounded = table
            .find_column(&check.column)
            .is_some_and(|c| matches!(c.ty, ColumnType::Text { max_len: Some(_) }));
        let column = if bounded {
            format!("({})::text", check.column)
        } else {
            check.column.clone()
        };
        let integer = |value: i64| match i32::try_from(value) {
            Ok(small) if small >= 0 => value.to_string(),
            Ok(_) => format!("'{value}'::integer"),
            Err(_) => format!("'{value}'::bigint"),
        };
        Some(match &check.condition {
            CheckCondition::Between { min, max } => {
                format!(
                    "(({column} >= {}) AND ({column} <= {}))",
                    integer(*min),
                    integer(*max)
                )
            }
            CheckCondition::NotEmpty => format!("({column} <> ''::text)"),
            CheckCondition::OneOf(values) => match values.as_slice() {
                [one] => format!("({column} = {}::text)", sql_string_literal(one)),
                _ => {
                    let element = if bounded { "character varying" } else { "text" };
                    let items: Vec<String> = values
                        .iter()
                        .map(|v| format!("{}::{element}", sql_string_literal(v)))
                        .collect();
                    let items = items.join(", ");
                    if bounded {
                        format!("({column} = ANY ((ARRAY[{items}])::text[]))")
                    } else {
                        format!("({column} = ANY (ARRAY[{items}]))")
                    }
                }
            },
        })
    }

    /// As `format_type` spells it.
    fn stored_type(&self, ty: ColumnType) -> Result<String, Unsupported> {
        Ok(match ty {
            ColumnType::Text { max_len: Some(n) } => format!("character varying({n})"),
            ColumnType::Text { max_len: None } => "text".to_string(),
            ColumnType::SmallInt => "smallint".to_string(),
            ColumnType::Integer => "integer".to_string(),
            ColumnType::BigInt => "bigint".to_string(),
            ColumnType::Boolean => "boolean".to_string(),
            ColumnType::Timestamp => "timestamp without time zone".to_string(),
            ColumnType::Json { .. } => "jsonb".to_string(),
        })
    }

    /// As `pg_get_expr` prints it: text with its cast, booleans in lower case, `now()`.
    fn stored_default(&self, column: &ColumnDef) -> Option<String> {
        column.default.as_ref().map(|default| match default {
            DefaultValue::Text(text) => {
                let cast = match column.ty {
                    ColumnType::Text { max_len: Some(_) } => "character varying",
                    ColumnType::Text { max_len: None }
                    | ColumnType::SmallInt
                    | ColumnType::Integer
                    | ColumnType::BigInt
                    | ColumnType::Boolean
                    | ColumnType::Timestamp
                    | ColumnType::Json { .. } => "text",
                };
                format!("{}::{cast}", sql_string_literal(text))
            }
            DefaultValue::Integer(value) if *value < 0 => {
                format!(
                    "'{value}'::{}",
                    self.stored_type(column.ty).unwrap_or_default()
                )
            }
            DefaultValue::Integer(value) => value.to_string(),
            DefaultValue::Boolean(value) => value.to_string(),
            DefaultValue::Now => "now()".to_string(),
        })
    }

    /// The partitioned table with its key extended, `RANGE (column)`, the DEFAULT partition,
    /// the monthly ones' prefix (`<table>_`), the two triggers that keep `<table>_keys`.
    fn partitioned_shape(&self, table: &TableDef) -> Result<PartitionedShape, Unsupported> {
        let plan = PartitionPlan::new(self, table)?;
        let function = &plan.keys_function;
        Ok(PartitionedShape {
            partition_key: format!("RANGE ({})", plan.partitioning.column),
            partitions: vec![plan.default_partition.clone()],
            maintained_prefix: format!("{}_", table.name),
            triggers: vec![function.clone(), format!("{function}_key")],
            table: plan.partitioned,
            keys: plan.keys,
        })
    }

    /// The primary key constraint is named `<table>_pkey` (which partitioning and the upsert
    /// of a partitionable table name), so it follows the table.
    fn rename_table(&self, table: &TableDef, to: &str) -> Vec<String> {
        let from = &table.name;
        let mut sql = vec![format!("ALTER TABLE {from} RENAME TO {to};")];
        if !table.primary_key().is_empty() {
            sql.push(format!(
                "ALTER TABLE {to} RENAME CONSTRAINT {from}_pkey TO {to}_pkey;"
            ));
        }
        sql
    }

    fn keys_table(&self, table: &TableDef) -> Result<String, Unsupported> {
        Ok(PartitionPlan::new(self, table)?.keys.name)
    }

    /// `ADD … NOT VALID` takes its lock for an instant; `VALIDATE CONSTRAINT` scans under
    /// SHARE UPDATE EXCLUSIVE, which lets writes go on, once the first has committed.
    fn add_constraint_not_valid(
        &self,
        table: &TableDef,
        constraint: &str,
        name: &str,
    ) -> Result<Vec<String>, Unsupported> {
        let table = self.identifier(&table.name);
        Ok(vec![
            format!("ALTER TABLE {table} ADD {constraint} NOT VALID;"),
            format!(
                "ALTER TABLE {table} VALIDATE CONSTRAINT {};",
                self.identifier(name)
            ),
        ])
    }

    fn drop_constraint_if_exists(
        &self,
        table: &TableDef,
        name: &str,
    ) -> Result<String, Unsupported> {
        Ok(format!(
            "ALTER TABLE {} DROP CONSTRAINT IF EXISTS {};",
            self.identifier(&table.name),
            self.identifier(name)
        ))
    }

    /// An INVALID index a killed `CREATE INDEX CONCURRENTLY` left is dropped and built again.
    fn create_index_online(
        &self,
        table: &TableDef,
        index: &IndexDef,
    ) -> Result<Vec<String>, Unsupported> {
        Ok(vec![
            self.drop_index_online(index)?,
            format!(
                "CREATE {}INDEX CONCURRENTLY {} ON {}{} ({});",
                if index.unique { "UNIQUE " } else { "" },
                self.identifier(&index.name),
                self.identifier(&table.name),
                index_using(index.method),
                self.identifier_list(&index.columns),
            ),
        ])
    }

    fn drop_index_online(&self, index: &IndexDef) -> Result<String, Unsupported> {
        Ok(format!(
            "DROP INDEX CONCURRENTLY IF EXISTS {};",
            self.identifier(&index.name)
        ))
    }

    /// Dropping the table drops its partitions and triggers; the trigger function and the
    /// keys table go after it (no other table references the keys: the state refuses to
    /// drop a referenced table).
    fn drop_partitioned_table(&self, table: &TableDef) -> Result<Vec<String>, Unsupported> {
        let plan = PartitionPlan::new(self, table)?;
        Ok(vec![
            self.drop_table(table),
            format!("DROP FUNCTION {}();", plan.keys_function),
            format!("DROP TABLE {};", plan.keys.name),
        ])
    }

    /// A partitioned table's primary key must contain the partition key, so the declared key
    /// `K` becomes `(K, partition key)`. `K` stays unique through `<table>_keys`, a table of
    /// the keys kept by triggers, and the foreign keys that referenced the table reference it
    /// instead, keeping their ON DELETE action. The rows are copied into the DEFAULT partition;
    /// [`Backend::create_monthly_partitions`] moves them into monthly ones.
    fn partition_table(
        &self,
        table: &TableDef,
        referencing: &[Referencing],
    ) -> Result<Vec<String>, Unsupported> {
        let plan = PartitionPlan::new(self, table)?;
        let name = &table.name;
        let old = format!("{name}_unpartitioned");
        let mut sql = plan.set_aside(self, table, referencing, &old);
        let create = self.create_table(&plan.partitioned)?;
        sql.push(format!(
            "{}\nPARTITION BY RANGE ({});",
            create.trim_end_matches(';'),
            plan.partitioning.column
        ));
        sql.push(format!(
            "CREATE TABLE {} PARTITION OF {name} DEFAULT;",
            plan.default_partition
        ));
        sql.extend(
            plan.indexes(table)
                .map(|index| self.create_index(table, index)),
        );
        sql.extend(plan.keys_table(self)?);
        sql.push(plan.copy_rows(name, &old));
        sql.push(format!("DROP TABLE {old};"));
        sql.extend(referencing.iter().map(|r| {
            add_foreign_key(
                self,
                r.table,
                &ForeignKeyDef {
                    ref_table: plan.keys.name.clone(),
                    ..r.foreign_key.clone()
                },
            )
        }));
        Ok(sql)
    }

    /// The table is rebuilt unpartitioned under its name, every row copied back (the keys
    /// table kept them unique), and the foreign keys reference it again.
    fn unpartition_table(
        &self,
        table: &TableDef,
        referencing: &[Referencing],
    ) -> Result<Vec<String>, Unsupported> {
        let plan = PartitionPlan::new(self, table)?;
        let name = &table.name;
        let old = format!("{name}_partitioned");
        let mut sql = plan.set_aside(self, table, referencing, &old);
        sql.push(self.create_table(table)?);
        sql.extend(
            plan.indexes(table)
                .map(|index| self.create_index(table, index)),
        );
        sql.push(plan.copy_rows(name, &old));
        sql.push(format!("DROP TABLE {old};"));
        sql.push(format!("DROP FUNCTION {}();", plan.keys_function));
        sql.extend(
            referencing
                .iter()
                .map(|r| add_foreign_key(self, r.table, r.foreign_key)),
        );
        sql.push(format!("DROP TABLE {};", plan.keys.name));
        Ok(sql)
    }

    /// PostgreSQL refuses to create a partition while the DEFAULT partition holds rows of
    /// its range, so (under a lock) the DEFAULT partition is detached, the missing
    /// partitions created, their rows moved out of it (inserted before they are deleted, so
    /// the keys table, and the rows that reference it, never lose them) and it is attached
    /// again. `CREATE TABLE IF NOT EXISTS` makes a second run create nothing.
    fn create_monthly_partitions(
        &self,
        table: &TableDef,
        first: Month,
        months: u32,
    ) -> Result<Vec<String>, Unsupported> {
        let plan = PartitionPlan::new(self, table)?;
        let name = &table.name;
        let default = plan.default_partition.clone();
        let column = &plan.partitioning.column;
        let mut sql = vec![
            format!("LOCK TABLE {name} IN ACCESS EXCLUSIVE MODE;"),
            format!("ALTER TABLE {name} DETACH PARTITION {default};"),
        ];
        let range = first.range(months).ok_or_else(|| {
            Unsupported(format!(
                "{months} month(s) from {first} run past 9999-12, the last month a partition can have"
            ))
        })?;
        for (month, next) in range {
            let (from, to) = (month.start(), next.start());
            let range = format!("{column} >= '{from}' AND {column} < '{to}'");
            sql.push(format!(
                "CREATE TABLE IF NOT EXISTS {name}_{} PARTITION OF {name} FOR VALUES FROM ('{from}') TO ('{to}');",
                month.suffix()
            ));
            sql.push(format!(
                "{} WHERE {range};",
                plan.copy_rows(name, &default).trim_end_matches(';')
            ));
            sql.push(format!("DELETE FROM {default} WHERE {range};"));
        }
        sql.push(format!(
            "ALTER TABLE {name} ATTACH PARTITION {default} DEFAULT;"
        ));
        Ok(sql)
    }

    /// sea-query's PostgreSQL builder: `$n` placeholders, `ON CONFLICT … DO UPDATE`. A
    /// partitionable table names its primary key constraint, `<table>_pkey` both before and
    /// after partitioning adds the partition key to it.
    fn dml(&self, table: &TableDef) -> DmlSql {
        let conflict = match table.partitioning {
            Some(_) => OnConflict::constraint(&format!("{}_pkey", table.name)),
            None => primary_key_conflict(table),
        };
        sea_query_dml(&PostgresQueryBuilder, table, conflict)
    }
}

/// What [`Backend::partition_table`] makes of a table in PostgreSQL, for readers (the
/// schema documentation): the same plan the statements are rendered from.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionObjects {
    /// The partitioned table: its primary key extended by the partition key.
    pub partitioned: TableDef,
    /// `<table>_keys`: the declared primary key, kept unique across partitions by triggers;
    /// the foreign keys that referenced the table reference it instead.
    pub keys: TableDef,
    /// The trigger function that keeps `keys` in step with the table.
    pub keys_function: String,
    /// The DEFAULT partition, for rows outside every monthly partition.
    pub default_partition: String,
    /// The partition key.
    pub partition_column: String,
}

impl Postgres {
    /// What partitioning `table` creates; refused when the table declares no partitioning.
    pub fn partition_objects(&self, table: &TableDef) -> Result<PartitionObjects, Unsupported> {
        let plan = PartitionPlan::new(self, table)?;
        Ok(PartitionObjects {
            partition_column: plan.partitioning.column.clone(),
            partitioned: plan.partitioned,
            keys: plan.keys,
            keys_function: plan.keys_function,
            default_partition: plan.default_partition,
        })
    }
}

/// What partitioning one table takes: its partitioned form and the table of its keys.
struct PartitionPlan<'a> {
    partitioning: &'a Partitioning,
    /// The table with the partition key added to its primary key.
    partitioned: TableDef,
    /// `<table>_keys`: the declared primary key, unique across all partitions.
    keys: TableDef,
    /// The trigger function that keeps `keys` in step with the table.
    keys_function: String,
    /// `<table>_default`: the DEFAULT partition, for rows outside every monthly one.
    default_partition: String,
    columns: String,
}

impl<'a> PartitionPlan<'a> {
    /// The plan of `table`; the rules have refused what it cannot keep (see
    /// `rules::check_partitioning`).
    fn new(backend: &Postgres, table: &'a TableDef) -> Result<Self, Unsupported> {
        let partitioning = table
            .partitioning
            .as_ref()
            .ok_or_else(|| Unsupported("declares no partitioning".to_string()))?;
        let mut partitioned = table.clone();
        for column in &mut partitioned.columns {
            column.primary_key |= column.name == partitioning.column;
        }
        let mut keys = TableDef::new(format!("{}_keys", table.name));
        for column in table.columns.iter().filter(|c| c.primary_key) {
            keys.columns.push(ColumnDef {
                default: None,
                auto_increment: false,
                ..column.clone()
            });
        }
        Ok(PartitionPlan {
            partitioning,
            partitioned,
            keys_function: format!("{}_keys_sync", table.name),
            default_partition: format!("{}_default", table.name),
            keys,
            columns: backend.identifier_list(
                &table
                    .columns
                    .iter()
                    .map(|c| c.name.clone())
                    .collect::<Vec<_>>(),
            ),
        })
    }

    /// The B-tree indexes CREATE TABLE builds, rebuilt on the new table.
    fn indexes<'t>(&self, table: &'t TableDef) -> impl Iterator<Item = &'t IndexDef> + use<'t, 'a> {
        table
            .indexes
            .iter()
            .filter(|index| index.method == IndexMethod::BTree)
    }

    /// Frees the table's name for its rebuilt form: drops the foreign keys that reference
    /// it, renames it to `aside`, and drops its primary key and declared indexes (whose
    /// names the rebuilt table takes).
    fn set_aside(
        &self,
        backend: &Postgres,
        table: &TableDef,
        referencing: &[Referencing],
        aside: &str,
    ) -> Vec<String> {
        let name = &table.name;
        let mut sql: Vec<String> = referencing
            .iter()
            .map(|r| drop_constraint(&r.table.name, &r.foreign_key.name))
            .collect();
        sql.push(format!("ALTER TABLE {name} RENAME TO {aside};"));
        sql.push(drop_constraint(aside, &format!("{name}_pkey")));
        sql.extend(
            self.indexes(table)
                .map(|index| backend.drop_index(table, index)),
        );
        sql
    }

    /// `INSERT INTO to (columns) SELECT columns FROM from;`
    fn copy_rows(&self, to: &str, from: &str) -> String {
        let columns = &self.columns;
        format!("INSERT INTO {to} ({columns}) SELECT {columns} FROM {from};")
    }

    /// The keys table, and the triggers that keep it: an insert adds the key and refuses a
    /// key another partition holds; a delete removes it once no row has it (so a row moved
    /// between partitions keeps it, and the rows that reference it); the key never changes.
    fn keys_table(&self, backend: &Postgres) -> Result<Vec<String>, Unsupported> {
        let table = self.partitioned.name.as_str();
        let keys = &self.keys.name;
        let function = &self.keys_function;
        let key: Vec<String> = self.keys.columns.iter().map(|c| c.name.clone()).collect();
        let list = key.join(", ");
        let of = |row: &str| {
            key.iter()
                .map(|k| format!("{row}.{k}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (new, old) = (of("NEW"), of("OLD"));
        let create = backend.create_table(&self.keys)?;
        Ok(vec![
            create,
            format!(
                "CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\n\
                 BEGIN\n\
                 \x20   IF TG_OP = 'UPDATE' THEN\n\
                 \x20       IF ROW({new}) IS DISTINCT FROM ROW({old}) THEN\n\
                 \x20           RAISE EXCEPTION '{table}: the key ({list}) cannot change';\n\
                 \x20       END IF;\n\
                 \x20       RETURN NEW;\n\
                 \x20   ELSIF TG_OP = 'INSERT' THEN\n\
                 \x20       INSERT INTO {keys} ({list}) VALUES ({new}) ON CONFLICT DO NOTHING;\n\
                 \x20       IF (SELECT count(*) FROM {table} WHERE ({list}) = ({new})) > 1 THEN\n\
                 \x20           RAISE unique_violation USING MESSAGE = format('duplicate key value in {table}: ({list})=(%s)', ROW({new}));\n\
                 \x20       END IF;\n\
                 \x20   ELSE\n\
                 \x20       DELETE FROM {keys} WHERE ({list}) = ({old})\n\
                 \x20           AND NOT EXISTS (SELECT 1 FROM {table} WHERE ({list}) = ({old}));\n\
                 \x20   END IF;\n\
                 \x20   RETURN NULL;\n\
                 END;\n\
                 $$;"
            ),
            format!(
                "CREATE TRIGGER {function}_key BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION {function}();"
            ),
            format!(
                "CREATE TRIGGER {function} AFTER INSERT OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {function}();"
            ),
        ])
    }
}

/// `ALTER TABLE table DROP CONSTRAINT name;`
fn drop_constraint(table: &str, name: &str) -> String {
    format!("ALTER TABLE {table} DROP CONSTRAINT {name};")
}

/// `ALTER TABLE table ADD CONSTRAINT … FOREIGN KEY …;`
fn add_foreign_key(backend: &Postgres, table: &TableDef, fk: &ForeignKeyDef) -> String {
    format!(
        "ALTER TABLE {} ADD {};",
        backend.identifier(&table.name),
        backend.foreign_key(fk)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs() -> TableDef {
        TableDef::new("runs")
            .column(ColumnDef::new("run_id", ColumnType::Integer).primary_key())
            .column(ColumnDef::new("created_at", ColumnType::Timestamp))
            .partitioned(Partitioning::monthly("created_at"))
    }

    #[test]
    fn maintenance_creates_each_month_once_around_a_detached_default() {
        let sql = Postgres
            .create_monthly_partitions(&runs(), Month::new(2026, 12).unwrap(), 2)
            .unwrap();
        let creates: Vec<&String> = sql.iter().filter(|s| s.starts_with("CREATE")).collect();
        assert_eq!(
            creates,
            [
                "CREATE TABLE IF NOT EXISTS runs_2026_12 PARTITION OF runs FOR VALUES FROM ('2026-12-01 00:00:00') TO ('2027-01-01 00:00:00');",
                "CREATE TABLE IF NOT EXISTS runs_2027_01 PARTITION OF runs FOR VALUES FROM ('2027-01-01 00:00:00') TO ('2027-02-01 00:00:00');",
            ]
        );
        assert_eq!(
            sql.first().map(String::as_str),
            Some("LOCK TABLE runs IN ACCESS EXCLUSIVE MODE;")
        );
        assert_eq!(
            sql.last().map(String::as_str),
            Some("ALTER TABLE runs ATTACH PARTITION runs_default DEFAULT;")
        );
    }
}
