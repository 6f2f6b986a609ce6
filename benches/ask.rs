//! Point questions through the library on the shipped rules, against a hand-written Rust check
//! of the same three deployment rules measured in the same run; and batch answering.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;

use chrono::NaiveDate;
use covenant::{check, Engine, Options, Sources, Subject};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[path = "gen/mod.rs"]
mod gen;

fn shipped() -> Engine {
    let checked = check(Sources::embedded()).map_err(|f| f.diagnostics);
    let Ok(checked) = checked else {
        panic!("shipped rules do not check");
    };
    match Engine::new(checked.rules, &Options::default()) {
        Ok(e) => e,
        Err(_) => panic!("shipped rules do not compile"),
    }
}

/// The baseline: the deployment rules of the shipped agreements written by hand, as the peers'
/// harness does (Azure exclusivity, Frontier on AWS, first on Azure with the launches on record).
struct Native {
    bounds: (i32, i32, i32),
    api: [bool; 4],
    frontier: [bool; 4],
    azure_launch: [i32; 4],
}

fn days(d: NaiveDate) -> i32 {
    chrono::Datelike::num_days_from_ce(&d)
}

impl Native {
    fn new() -> Native {
        let d = |s: &str| covenant::time::parse_day(s).map_or(i32::MAX, days);
        Native {
            bounds: (
                days_of(2019, 7, 22),
                days_of(2026, 4, 27),
                days_of(2026, 2, 27),
            ),
            api: [true; 4],
            frontier: [false, false, false, true],
            azure_launch: [d("2020-06-11"), d("2026-04-23"), d("2025-05-16"), i32::MAX],
        }
    }

    #[inline]
    fn permitted(&self, product: usize, cloud: usize, day: i32) -> bool {
        let (a_start, a_end, b_start) = self.bounds;
        let off_azure = cloud != 0;
        if off_azure && self.api[product] && day >= a_start && day < a_end {
            return false;
        }
        if self.frontier[product] && day >= b_start && cloud != 1 {
            return false;
        }
        !(off_azure && day >= a_end && self.azure_launch[product] > day)
    }
}

fn days_of(y: i32, m: u32, d: u32) -> i32 {
    NaiveDate::from_ymd_opt(y, m, d).map_or(0, days)
}

fn questions(engine: &Engine, n: usize) -> Vec<(Subject, NaiveDate, String)> {
    gen::questions(n)
        .lines()
        .filter_map(|line| {
            let q = engine.parse(line).ok()?;
            Some((q.subject, q.at?, line.to_string()))
        })
        .collect()
}

fn point(c: &mut Criterion) {
    let engine = shipped();
    let qs = questions(&engine, 4096);
    let native = Native::new();
    let deploys: Vec<(usize, usize, i32, Subject, NaiveDate)> = qs
        .iter()
        .filter_map(|(s, d, _)| match s {
            Subject::Deploy { product, cloud } => Some((
                product.index() as usize,
                cloud.index() as usize,
                days(*d),
                *s,
                *d,
            )),
            _ => None,
        })
        .collect();
    let mut group = c.benchmark_group("point");
    group.throughput(Throughput::Elements(deploys.len() as u64));
    group.bench_function("native_deploy_baseline", |b| {
        b.iter(|| {
            let mut yes = 0u32;
            for (p, c, d, _, _) in &deploys {
                yes += u32::from(native.permitted(black_box(*p), black_box(*c), black_box(*d)));
            }
            yes
        })
    });
    group.bench_function("covenant_deploy_with_reasons", |b| {
        b.iter(|| {
            let mut reasons = 0usize;
            for (_, _, _, s, d) in &deploys {
                let w = engine.at(black_box(*s), black_box(*d));
                reasons += w.reasons.len() + w.assumptions.ids().len();
            }
            reasons
        })
    });
    group.throughput(Throughput::Elements(qs.len() as u64));
    group.bench_function("covenant_any_question_with_reasons", |b| {
        b.iter(|| {
            let mut reasons = 0usize;
            for (s, d, _) in &qs {
                reasons += engine.at(black_box(*s), black_box(*d)).reasons.len();
            }
            reasons
        })
    });
    group.bench_function("covenant_parse_text", |b| {
        b.iter(|| {
            let mut read = 0u32;
            for (_, _, text) in &qs {
                read += u32::from(engine.parse(black_box(text)).is_ok());
            }
            read
        })
    });
    group.bench_function("covenant_parse_and_answer_text", |b| {
        b.iter(|| {
            let mut yes = 0u32;
            for (_, _, text) in &qs {
                if let Ok(q) = engine.parse(black_box(text)) {
                    if let Some(day) = q.at {
                        yes += u32::from(engine.at(q.subject, day).decision.is_yes());
                    }
                }
            }
            yes
        })
    });
    group.finish();
}

fn batch(c: &mut Criterion) {
    let engine = shipped();
    let input = gen::questions(100_000);
    let mut group = c.benchmark_group("batch");
    group.sample_size(10);
    group.throughput(Throughput::Elements(100_000));
    group.bench_function("100k_lines_to_json", |b| {
        b.iter(|| {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::sink());
            covenant::eval::batch::answer_lines(&engine, input.as_bytes(), &mut out)
        })
    });
    group.finish();
}

criterion_group!(benches, point, batch);
criterion_main!(benches);
