//! Rendering speed: the eight seed tables, and synthetic schemas of 500, 5 000 and 20 000
//! tables, for each dialect. Run with `cargo bench -p codegen --bench render`; the time per
//! table must stay flat from 500 to 20 000 (linear growth).

#![allow(clippy::expect_used, reason = "a test or benchmark fails by panicking")]

mod synthetic;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use schema_dsl::Dialect;
use std::hint::black_box;
use synthetic::synthetic_schema;

fn render(c: &mut Criterion) {
    let schemas = [
        ("seed_8_tables".to_string(), schema_defs::schema()),
        ("synthetic_500_tables".to_string(), synthetic_schema(500)),
        ("synthetic_5000_tables".to_string(), synthetic_schema(5_000)),
        (
            "synthetic_20000_tables".to_string(),
            synthetic_schema(20_000),
        ),
    ];
    let mut group = c.benchmark_group("render");
    group.sample_size(10);
    for (name, schema) in &schemas {
        for dialect in Dialect::ALL {
            group.bench_with_input(BenchmarkId::new(name, dialect), schema, |b, schema| {
                b.iter(|| schema_sql::generate(black_box(schema), &[dialect]).expect("renders"))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
