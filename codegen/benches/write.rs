//! Writing a fresh generated tree: `schema_sql::files::write` of every dialect's files for
//! synthetic schemas of 1 000, 2 000 and 5 000 tables (six files a table, plus the manifests)
//! into an empty directory. Must grow linearly with the number of files. Run with
//! `cargo bench -p codegen --bench write`; `WRITE_TABLES="1000 2000"` picks other sizes.
//! Rendering is done once, outside the timing; removing each tree is not timed either.

#![allow(clippy::expect_used, reason = "a test or benchmark fails by panicking")]

mod synthetic;

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use schema_dsl::Dialect;
use synthetic::synthetic_schema;

fn write(c: &mut Criterion) {
    let sizes: Vec<u32> = std::env::var("WRITE_TABLES")
        .unwrap_or_else(|_| "1000 2000 5000".to_string())
        .split_whitespace()
        .map(|n| n.parse().expect("WRITE_TABLES: table counts"))
        .collect();
    let mut group = c.benchmark_group("write_fresh_tree");
    group.sample_size(10);
    for tables in sizes {
        let files = schema_sql::generate(&synthetic_schema(tables), &Dialect::ALL)
            .expect("renders")
            .files;
        let id = BenchmarkId::new(format!("{}_files", files.len()), tables);
        group.bench_with_input(id, &files, |b, files| {
            b.iter_batched(
                || tempfile::tempdir().expect("temp dir"),
                |dir| {
                    schema_sql::files::write(dir.path(), files).expect("writes");
                    dir
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, write);
criterion_main!(benches);
