//! Revenue shares over generated ledgers, date-sorted and shuffled, read from files as the CLI
//! reads them (two parts on two threads). Rows default to 1,000,000; set COVENANT_BENCH_ROWS
//! (for example to 10000000) for the large run. Ledgers are written under target/bench-data.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use covenant::finance::ledger::BadRows;
use covenant::finance::{self, Input, ReadOptions};
use covenant::{check, Engine, Options, Sources};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[path = "gen/mod.rs"]
mod gen;

fn engine() -> Option<Engine> {
    let checked = check(Sources::embedded()).ok()?;
    Engine::new(checked.rules, &Options::default()).ok()
}

fn revshare(c: &mut Criterion) {
    let rows: usize = std::env::var("COVENANT_BENCH_ROWS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1_000_000);
    let Some(engine) = engine() else {
        return;
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    let _ = std::fs::create_dir_all(&dir);
    let mut group = c.benchmark_group("revshare");
    group.sample_size(10);
    group.throughput(Throughput::Elements(rows as u64));
    for sorted in [true, false] {
        let name = if sorted { "sorted" } else { "shuffled" };
        let path = dir.join(format!("ledger_{rows}_{name}.csv"));
        if !path.exists() {
            let _ = std::fs::write(&path, gen::ledger(rows, sorted));
        }
        group.bench_function(format!("{rows}_rows_{name}"), |b| {
            b.iter(|| {
                let plans = finance::plans(&engine, &[]).unwrap_or_default();
                let report = finance::run(
                    plans,
                    vec![Input::File(path.clone())],
                    &ReadOptions::new(BadRows::Stop),
                );
                assert!(report.as_ref().is_ok_and(|r| r.rows_read == rows as u64));
                report
            })
        });
    }
    group.finish();
}

criterion_group!(benches, revshare);
criterion_main!(benches);
