//! The synthetic schema the rendering and writing benches share.

use schema_dsl::{
    ColumnDef, ColumnType, DefaultValue, ForeignKeyAction, ForeignKeyDef, Group, IndexDef,
    JsonSize, Migration, Schema, Step, TableDef, Tier,
};

/// `tables` tables of twelve columns, two indexes and a foreign key to the previous table.
pub fn synthetic_schema(tables: u32) -> Schema {
    let migrations = (1..=tables)
        .map(|n| {
            let mut table = TableDef::new(format!("table_{n:05}"))
                .column(ColumnDef::new("id", ColumnType::Text { max_len: Some(50) }).primary_key())
                .column(
                    ColumnDef::new("parent_id", ColumnType::Text { max_len: Some(50) })
                        .nullable(true),
                )
                .column(ColumnDef::new("name", ColumnType::Text { max_len: Some(200) }).unique())
                .column(
                    ColumnDef::new("status", ColumnType::Text { max_len: Some(20) })
                        .default(DefaultValue::Text("new".into())),
                )
                .column(
                    ColumnDef::new("count", ColumnType::Integer).default(DefaultValue::Integer(0)),
                )
                .column(ColumnDef::new("total", ColumnType::BigInt).nullable(true))
                .column(
                    ColumnDef::new("enabled", ColumnType::Boolean)
                        .default(DefaultValue::Boolean(true)),
                )
                .column(
                    ColumnDef::new(
                        "payload",
                        ColumnType::Json {
                            size: JsonSize::Large,
                        },
                    )
                    .nullable(true),
                )
                .column(
                    ColumnDef::new(
                        "metrics",
                        ColumnType::Json {
                            size: JsonSize::Small,
                        },
                    )
                    .nullable(true),
                )
                .column(
                    ColumnDef::new(
                        "note",
                        ColumnType::Text {
                            max_len: Some(4000),
                        },
                    )
                    .nullable(true),
                )
                .column(
                    ColumnDef::new("created_at", ColumnType::Timestamp).default(DefaultValue::Now),
                )
                .column(ColumnDef::new("updated_at", ColumnType::Timestamp).nullable(true))
                .index(IndexDef::new(format!("idx_{n:05}_status"), &["status"]))
                .index(IndexDef::new(
                    format!("idx_{n:05}_created"),
                    &["created_at", "status"],
                ));
            if n > 1 {
                table = table.foreign_key(ForeignKeyDef {
                    name: format!("fk_{n:05}_parent"),
                    columns: vec!["parent_id".into()],
                    ref_table: format!("table_{:05}", n - 1),
                    ref_columns: vec!["id".into()],
                    on_delete: ForeignKeyAction::Cascade,
                    on_update: ForeignKeyAction::NoAction,
                });
            }
            Migration::new(Group::Tier(Tier::Advanced), n, format!("table_{n:05}"))
                .step(Step::CreateTable(table))
        })
        .collect();
    Schema::new(migrations)
}
