//! Rendering speed: the eight seed tables, and a synthetic schema of 5 000 tables, for each
//! dialect. Run with `cargo bench -p codegen --bench render`.

#![allow(clippy::expect_used, reason = "a test or benchmark fails by panicking")]

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use schema_dsl::{
    ColumnDef, ColumnType, DefaultValue, Dialect, ForeignKeyAction, ForeignKeyDef, Group, IndexDef,
    JsonSize, Migration, Schema, Step, TableDef, Tier,
};
use std::hint::black_box;

/// `tables` tables of twelve columns, two indexes and a foreign key to the previous table.
fn synthetic_schema(tables: u32) -> Schema {
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

fn render(c: &mut Criterion) {
    let schemas = [
        ("seed_8_tables", schema_defs::schema()),
        ("synthetic_5000_tables", synthetic_schema(5_000)),
    ];
    let mut group = c.benchmark_group("render");
    group.sample_size(10);
    for (name, schema) in &schemas {
        for dialect in Dialect::ALL {
            group.bench_with_input(BenchmarkId::new(*name, dialect), schema, |b, schema| {
                b.iter(|| schema_sql::generate(black_box(schema), &[dialect]).expect("renders"))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
