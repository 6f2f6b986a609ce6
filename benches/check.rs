//! Parsing and checking grow linearly: generated rule sets of 1,000 and 10,000 agreements.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[path = "gen/mod.rs"]
mod gen;

fn check(c: &mut Criterion) {
    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    for n in [1_000usize, 10_000] {
        let text = gen::rules(n);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(format!("{n}_agreements"), |b| {
            b.iter(|| {
                let mut sources = covenant::Sources::new();
                sources.add("gen.cov", text.as_str());
                let checked = covenant::check(sources);
                assert!(checked.is_ok());
                checked
            })
        });
        group.bench_function(format!("{n}_agreements_compiled"), |b| {
            b.iter(|| {
                let mut sources = covenant::Sources::new();
                sources.add("gen.cov", text.as_str());
                let checked = covenant::check(sources).map_err(|f| f.diagnostics);
                checked
                    .map(|c| covenant::Engine::new(c.rules, &covenant::Options::default()).is_ok())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, check);
criterion_main!(benches);
