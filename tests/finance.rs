//! Revenue shares over ledgers: the hand-worked fixtures, snapshots of the reports, and
//! properties against a literal row-by-row reading of the finance rules.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use std::str::FromStr;

use chrono::NaiveDate;
use covenant::finance::ledger::BadRows;
use covenant::finance::revshare::Report;
use covenant::finance::{self, render, Input, ReadOptions};
use covenant::{Engine, Options};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn engine(sets: &[&str]) -> Engine {
    let rules = covenant::check(covenant::Sources::embedded())
        .unwrap_or_else(|f| panic!("{:?}", f.diagnostics))
        .rules;
    let overrides = sets
        .iter()
        .map(|s| covenant::check::parse_override(&rules, s).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    Engine::new(
        rules,
        &Options {
            overrides,
            as_of: None,
        },
    )
    .unwrap_or_else(|e| panic!("{e:?}"))
}

fn run(engine: &Engine, ledgers: &[&str], bad: BadRows) -> Result<Report, String> {
    let plans = finance::plans(engine, &[]).map_err(|e| e.to_string())?;
    let inputs = ledgers
        .iter()
        .enumerate()
        .map(|(i, text)| {
            Input::Stream(
                format!("ledger{i}.csv"),
                Box::new(std::io::Cursor::new(text.to_string())),
            )
        })
        .collect();
    finance::run(plans, inputs, &ReadOptions::new(bad)).map_err(|e| e.to_string())
}

fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/ledgers")
        .join(name);
    std::fs::read_to_string(path).unwrap_or_default()
}

fn clause<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["clauses"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["clause"] == id))
        .unwrap_or_else(|| panic!("no {id} in {report}"))
}

const OPENAI: &str = "msft_openai.openai_pays_microsoft";
const MSFT: &str = "msft_openai.microsoft_pays_openai";

#[test]
fn shipped_ledger_matches_the_hand_worked_totals() {
    let e = engine(&[]);
    let r = render::json(
        &run(&e, &[&fixture("shipped.csv")], BadRows::Stop).unwrap_or_else(|e| panic!("{e}")),
    );
    let o = clause(&r, OPENAI);
    assert_eq!(
        (
            o["rows"].as_u64(),
            o["base"].as_str(),
            o["share"].as_str(),
            o["paid"].as_str()
        ),
        (Some(4), Some("2600.00"), Some("520.00"), Some("520.00"))
    );
    assert_eq!(o["cap"], "38000000000.00");
    assert_eq!(o["cap_reached_on"], serde_json::Value::Null);
    let years: Vec<String> = o["by_year"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|y| format!("{} {} {} {}", y["year"], y["base"], y["share"], y["paid"]))
        .collect();
    assert_eq!(
        years,
        [
            "2019 \"1000.00\" \"200.00\" \"200.00\"",
            "2026 \"1500.00\" \"300.00\" \"300.00\"",
            "2030 \"100.00\" \"20.00\" \"20.00\""
        ]
    );
    let m = clause(&r, MSFT);
    assert_eq!(
        (
            m["rows"].as_u64(),
            m["base"].as_str(),
            m["paid"].as_str(),
            m["currency"].as_str()
        ),
        (Some(1), Some("300.00"), Some("60.00"), Some("USD"))
    );
    assert_eq!(m["cap"], serde_json::Value::Null);
}

#[test]
fn a_row_that_crosses_the_cap_pays_only_up_to_it() {
    let e = engine(&["revenue_share_cap=USD 210"]);
    let r = render::json(
        &run(&e, &[&fixture("shipped.csv")], BadRows::Stop).unwrap_or_else(|e| panic!("{e}")),
    );
    let o = clause(&r, OPENAI);
    assert_eq!(
        (o["paid"].as_str(), o["cap_reached_on"].as_str()),
        (Some("510.00"), Some("2030-12-31"))
    );
    assert_eq!(o["by_year"][2]["paid"], "10.00");
}

#[test]
fn refunds_before_and_after_the_cap_is_reached() {
    let e = engine(&["revenue_share_cap=USD 1_000"]);
    let report =
        run(&e, &[&fixture("refunds.csv")], BadRows::Stop).unwrap_or_else(|e| panic!("{e}"));
    let t = &report.tallies[0];
    assert_eq!(t.base, Decimal::from_str("5000.005").unwrap_or_default());
    assert_eq!(t.share, Decimal::from_str("1000.001").unwrap_or_default());
    assert_eq!(t.paid, Decimal::from_str("1000").unwrap_or_default());
    assert_eq!(t.cap_reached_on, NaiveDate::from_ymd_opt(2026, 7, 1));
    let r = render::json(&report);
    let o = clause(&r, OPENAI);
    // Each figure rounded on its own, half to even.
    assert_eq!(
        (o["base"].as_str(), o["share"].as_str(), o["paid"].as_str()),
        (Some("5000.00"), Some("1000.00"), Some("1000.00"))
    );
    assert_eq!(o["by_year"][1]["base"], "1000.00");
}

#[test]
fn bad_rows_stop_the_run_unless_skipped_and_then_are_counted() {
    let e = engine(&[]);
    let err = run(&e, &[&fixture("bad_rows.csv")], BadRows::Stop)
        .err()
        .unwrap_or_default();
    assert_eq!(
        err,
        "ledger0.csv:3: bad date `2026-13-01`: no such day in the calendar"
    );
    let report =
        run(&e, &[&fixture("bad_rows.csv")], BadRows::Skip).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((report.rows_read, report.rows_skipped), (2, 6));
    assert_eq!(report.tallies[0].base, Decimal::from(200));
}

#[test]
fn ledger_shape_errors() {
    let e = engine(&[]);
    let missing = run(
        &e,
        &["date,party,amount,currency\n2026-01-01,openai,1,USD\n"],
        BadRows::Stop,
    )
    .err()
    .unwrap_or_default();
    assert!(
        missing.starts_with("ledger0.csv:1: the header has no `stream` column"),
        "{missing}"
    );
    let empty = run(&e, &[""], BadRows::Stop).err().unwrap_or_default();
    assert!(empty.contains("the ledger is empty"), "{empty}");
    // A header alone is a ledger of no rows.
    let report = run(&e, &["date,party,stream,amount,currency\n"], BadRows::Stop)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.rows_read, 0);
    // Columns may come in any order; names are matched, not positions.
    let report = run(
        &e,
        &["currency,amount,stream,party,date\nUSD,100,api,openai,2026-05-01\n"],
        BadRows::Stop,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.tallies[0].share, Decimal::from(20));
    let long = format!(
        "date,party,stream,amount,currency\n2026-05-01,openai,api,{},USD\n",
        "9".repeat(40)
    );
    let err = run(&e, &[&long], BadRows::Stop).err().unwrap_or_default();
    assert!(err.starts_with("ledger0.csv:2: bad amount"), "{err}");
}

#[test]
fn decimal_overflow_is_an_error_not_a_wrap() {
    let e = engine(&[]);
    // 28 nines (the most digits an amount has): the ninth such row overflows the sum, and
    // the error names its line.
    let big = "9".repeat(28);
    let mut ledger = String::from("date,party,stream,amount,currency\n");
    for day in 1..=9 {
        ledger.push_str(&format!("2026-05-0{day},openai,api,{big},USD\n"));
    }
    let err = run(&e, &[&ledger], BadRows::Stop).err().unwrap_or_default();
    assert!(
        err.starts_with("ledger0.csv:") && err.contains("exceed what 28 significant digits hold"),
        "{err}"
    );
}

#[test]
fn reports_snapshot() {
    let e = engine(&[]);
    let shipped =
        run(&e, &[&fixture("shipped.csv")], BadRows::Stop).unwrap_or_else(|e| panic!("{e}"));
    insta::assert_snapshot!("shipped_text", render::text(&e, &shipped));
    insta::assert_snapshot!(
        "shipped_json",
        serde_json::to_string_pretty(&render::json(&shipped)).unwrap_or_default()
    );
    insta::assert_snapshot!("shipped_csv", render::csv(&shipped));
    let e = engine(&["revenue_share_cap=USD 1_000"]);
    let refunds =
        run(&e, &[&fixture("refunds.csv")], BadRows::Stop).unwrap_or_else(|e| panic!("{e}"));
    insta::assert_snapshot!("refunds_text", render::text(&e, &refunds));
}

// ----- properties ------------------------------------------------------------------------------

/// A random ledger of OpenAI revenue (in cents) around the restructuring and the end of 2030.
fn ledger() -> impl Strategy<Value = Vec<(NaiveDate, i64)>> {
    let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
    proptest::collection::vec((0u64..2200, -50_000i64..200_000), 0..60).prop_map(move |rows| {
        rows.into_iter()
            .map(|(d, cents)| {
                (
                    start
                        .checked_add_days(chrono::Days::new(d))
                        .unwrap_or(start),
                    cents,
                )
            })
            .collect()
    })
}

fn csv_of(rows: &[(NaiveDate, i64)], scale: i64) -> String {
    let mut s = String::from("date,party,stream,amount,currency\n");
    for (d, cents) in rows {
        s.push_str(&format!(
            "{d},openai,api,{},USD\n",
            Decimal::new(cents * scale, 2)
        ));
    }
    s
}

/// The finance rules read literally: rows in date order (ties in file order), each paying the
/// change it makes to min(cap, max(0, S)); rows before the counting day owed in full.
fn literal(rows: &[(NaiveDate, i64)], cap: Decimal) -> (Decimal, Option<NaiveDate>) {
    let counting = NaiveDate::from_ymd_opt(2026, 4, 27).unwrap_or_default();
    let end = NaiveDate::from_ymd_opt(2031, 1, 1).unwrap_or_default();
    let mut sorted: Vec<(usize, &(NaiveDate, i64))> = rows.iter().enumerate().collect();
    sorted.sort_by_key(|(i, (d, _))| (*d, *i));
    let clamp = |s: Decimal| s.max(Decimal::ZERO).min(cap);
    let (mut s, mut paid, mut reached) = (Decimal::ZERO, Decimal::ZERO, None);
    for (_, (d, cents)) in sorted {
        if *d >= end {
            continue;
        }
        let share = Decimal::new(*cents, 2) * Decimal::new(2, 1);
        if *d < counting {
            paid += share;
            continue;
        }
        let before = clamp(s);
        s += share;
        paid += clamp(s) - before;
        if reached.is_none() && s >= cap {
            reached = Some(*d);
        }
    }
    (paid, reached)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, ..ProptestConfig::default() })]

    #[test]
    fn the_day_walk_agrees_with_the_literal_rules(rows in ledger(), cap in 1i64..300_000) {
        let cap = Decimal::new(cap, 2);
        let e = engine(&[&format!("revenue_share_cap=USD {cap}")]);
        let report = run(&e, &[&csv_of(&rows, 1)], BadRows::Stop).map_err(TestCaseError::fail)?;
        let t = &report.tallies[0];
        let (paid, reached) = literal(&rows, cap);
        prop_assert_eq!(t.paid, paid);
        prop_assert_eq!(t.cap_reached_on, reached);
        // Paid never exceeds the cap plus the uncapped part.
        let counting = NaiveDate::from_ymd_opt(2026, 4, 27).unwrap_or_default();
        let uncapped: Decimal = rows.iter().filter(|(d, _)| *d < counting).map(|(_, c)| Decimal::new(*c, 2) * Decimal::new(2, 1)).sum();
        prop_assert!(t.paid <= cap + uncapped);
        // The exact per-year figures sum to the exact totals.
        let years = t.years.values();
        prop_assert_eq!(years.clone().map(|y| y.base).sum::<Decimal>(), t.base);
        prop_assert_eq!(years.clone().map(|y| y.share).sum::<Decimal>(), t.share);
        prop_assert_eq!(years.map(|y| y.paid).sum::<Decimal>(), t.paid);
    }

    #[test]
    fn splitting_reordering_and_scaling(rows in ledger(), cut in 0usize..60, cap in 1i64..300_000) {
        let e = engine(&[&format!("revenue_share_cap=USD {}", Decimal::new(cap, 2))]);
        let whole = render::json(&run(&e, &[&csv_of(&rows, 1)], BadRows::Stop).map_err(TestCaseError::fail)?);
        // Splitting the ledger into two files changes nothing.
        let cut = cut.min(rows.len());
        let (a, b) = rows.split_at(cut);
        let split = render::json(&run(&e, &[&csv_of(a, 1), &csv_of(b, 1)], BadRows::Stop).map_err(TestCaseError::fail)?);
        prop_assert_eq!(&whole, &split);
        // Reordering rows with distinct dates changes nothing.
        let mut distinct = rows.clone();
        distinct.sort_by_key(|(d, _)| *d);
        distinct.dedup_by_key(|(d, _)| *d);
        let forward = render::json(&run(&e, &[&csv_of(&distinct, 1)], BadRows::Stop).map_err(TestCaseError::fail)?);
        distinct.reverse();
        let backward = render::json(&run(&e, &[&csv_of(&distinct, 1)], BadRows::Stop).map_err(TestCaseError::fail)?);
        prop_assert_eq!(forward, backward);
        // Scaling every amount by 10 scales base and share by 10.
        let one = run(&e, &[&csv_of(&rows, 1)], BadRows::Stop).map_err(TestCaseError::fail)?;
        let ten = run(&e, &[&csv_of(&rows, 10)], BadRows::Stop).map_err(TestCaseError::fail)?;
        prop_assert_eq!(ten.tallies[0].base, one.tallies[0].base * Decimal::TEN);
        prop_assert_eq!(ten.tallies[0].share, one.tallies[0].share * Decimal::TEN);
    }
}

// ----- files read in two parts ----------------------------------------------------------------

/// A file in this suite's scratch folder (see `common::scratch`).
fn file(name: &str, text: &str) -> std::path::PathBuf {
    common::scratch("finance", name, text.as_bytes())
}

fn run_file(
    engine: &Engine,
    path: &std::path::Path,
    bad: BadRows,
    split_from: u64,
) -> Result<Report, String> {
    let plans = finance::plans(engine, &[]).map_err(|e| e.to_string())?;
    let options = ReadOptions {
        split_from,
        ..ReadOptions::new(bad)
    };
    finance::run(plans, vec![Input::File(path.to_path_buf())], &options).map_err(|e| e.to_string())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn a_file_read_in_two_parts_sums_as_one(rows in ledger(), cap in 1i64..300_000) {
        let e = engine(&[&format!("revenue_share_cap=USD {}", Decimal::new(cap, 2))]);
        let text = csv_of(&rows, 1);
        let path = file(&format!("split{}.csv", rows.len()), &text);
        let whole = render::json(&run(&e, &[&text], BadRows::Stop).map_err(TestCaseError::fail)?);
        let split = render::json(&run_file(&e, &path, BadRows::Stop, 0).map_err(TestCaseError::fail)?);
        prop_assert_eq!(whole, split);
    }
}

#[test]
fn a_bad_row_in_the_second_part_is_reported_at_its_own_line() {
    let e = engine(&[]);
    let mut text = String::from("date,party,stream,amount,currency\n");
    for i in 0..200 {
        text.push_str(&format!("2026-05-01,openai,api,{i}.00,USD\n"));
    }
    text.push_str("2026-05-01,openai,api,oops,USD\n");
    let path = file("late_bad.csv", &text);
    let err = run_file(&e, &path, BadRows::Stop, 0)
        .err()
        .unwrap_or_default();
    assert!(err.ends_with("late_bad.csv:202: bad amount `oops`: expected a decimal number such as `1250.00` or `-3.5`, with at most 28 digits"), "{err}");
    let report = run_file(&e, &path, BadRows::Skip, 0).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((report.rows_read, report.rows_skipped), (200, 1));
    assert_eq!(report.skipped_examples[0].line, 202);
}

#[test]
fn quotes_and_mixed_currencies_fall_back_to_one_ordered_read() {
    let e = engine(&[]);
    // A quoted field spanning the middle of the file.
    let mut text = String::from("date,party,stream,amount,currency\n");
    for _ in 0..50 {
        text.push_str("2026-05-01,openai,api,10.00,USD\n");
    }
    text.push_str(&format!(
        "2026-05-02,openai,\"{}\",10.00,USD\n",
        "x\n".repeat(400)
    ));
    for _ in 0..50 {
        text.push_str("2026-05-03,openai,api,10.00,USD\n");
    }
    let path = file("quoted.csv", &text);
    let report = run_file(&e, &path, BadRows::Stop, 0).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.tallies[0].rows, 101);
    // Microsoft's share has no cap, so its currency is its first row's. The first half counts
    // in EUR and the second in USD: each part alone is consistent, only the ordered read can
    // say that the first USD row is the bad one.
    let mut text = String::from("date,party,stream,amount,currency\n");
    for _ in 0..100 {
        text.push_str("2020-01-01,microsoft,azure_openai,10.00,EUR\n");
    }
    for _ in 0..100 {
        text.push_str("2020-01-01,microsoft,azure_openai,10.00,USD\n");
    }
    let path = file("mixed.csv", &text);
    let err = run_file(&e, &path, BadRows::Stop, 0)
        .err()
        .unwrap_or_default();
    assert!(err.contains("mixed.csv:102: currency `USD`, but `msft_openai.microsoft_pays_openai` counts in `EUR`"), "{err}");
}

#[test]
fn a_lowered_cap_is_dated_by_when_it_was_reached() {
    let rules = "party a\nparty b\nagreement g { between a and b signed 2020-01-01 revenue_share s { a pays b 10% of a revenue capped at USD 100 } }\n\
                 amendment lower amends g { signed 2022-01-01 amend s { capped at USD 50 counting from 2020-01-01 } }\n";
    let e = common::engine(rules);
    // S reaches 100 on 2020-07-01 (old cap), 50 only... the lowered cap counts from 2020-01-01
    // too, so S was already 100 >= 50 when it took effect: reached on its first counted day.
    let ledger =
        "date,party,stream,amount,currency\n2020-07-01,a,x,1000.00,USD\n2023-02-01,a,x,10.00,USD\n";
    let report = run(&e, &[ledger], BadRows::Stop).unwrap_or_else(|e| panic!("{e}"));
    let t = &report.tallies[0];
    assert_eq!(t.plan.cap, Some(Decimal::from(50)));
    assert_eq!(t.cap_reached_on, NaiveDate::from_ymd_opt(2023, 2, 1));
    // 100 paid under the old cap; nothing more once the lowered cap is in force.
    assert_eq!(t.paid, Decimal::from(100));
}

#[test]
fn every_edge_day_of_the_window_and_the_cap() {
    let e = engine(&["revenue_share_cap=USD 50"]);
    let r = render::json(
        &run(&e, &[&fixture("edges.csv")], BadRows::Stop).unwrap_or_else(|e| panic!("{e}")),
    );
    let o = clause(&r, OPENAI);
    assert_eq!(
        (
            o["rows"].as_u64(),
            o["base"].as_str(),
            o["share"].as_str(),
            o["paid"].as_str(),
            o["cap_reached_on"].as_str()
        ),
        (
            Some(7),
            Some("700.00"),
            Some("140.00"),
            Some("110.00"),
            Some("2030-12-30")
        )
    );
    let years: Vec<String> = o["by_year"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|y| format!("{} {} {} {}", y["year"], y["base"], y["share"], y["paid"]))
        .collect();
    assert_eq!(
        years,
        [
            "2019 \"200.00\" \"40.00\" \"40.00\"",
            "2026 \"300.00\" \"60.00\" \"60.00\"",
            "2030 \"200.00\" \"40.00\" \"10.00\""
        ]
    );
}
