//! Partial statements: pieces of a ledger read apart, merged in any order and grouping, through
//! their bytes, finish as the statement one read of the whole ledger gives — to the cent, in
//! every figure, in every rendering; pieces read under other terms are refused.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use chrono::NaiveDate;
use covenant::finance::ledger::BadRows;
use covenant::finance::partial::{finish, partial, Partial};
use covenant::finance::statement::{statement, Scope, Statement};
use covenant::finance::{Input, ReadOptions};
use covenant::{Engine, Rules};
use proptest::prelude::*;

/// Every money term a statement walks: tiers per year, recoupment, a cap per quarter, a total
/// cap, a minimum per year; a commitment; a fixed payment; two more earners, one of a clause
/// with no currency of its own.
const RULES: &str = "party k\nparty a\nparty m\nparty n\n\
assume low_rate = 5% \"a rate\"\n\
agreement g {\n between k and a\n signed 2026-01-01\n term 3 years\n\
 revenue_share r { k pays a $low_rate up to USD 1_000, 9% above per year of k revenue capped at USD 400 per quarter after recouping USD 150 minimum USD 100 per year }\n\
 revenue_share t { m pays a 12% of m revenue capped at USD 900 }\n\
 revenue_share u { n pays a 3% of n revenue }\n\
 payment fee { k pays a USD 10 every quarter }\n\
 commitment c { k spends USD 700 with a from stream azure per year shortfall payable }\n}\n";

fn engine(set: &[&str]) -> Engine {
    let rules = Rules::from_text("g.cov", RULES).unwrap_or_else(|f| panic!("{f}"));
    let options = rules.options(set.iter().copied(), None).unwrap();
    rules.engine(&options).unwrap()
}

fn scope(until: Option<NaiveDate>) -> Scope {
    Scope {
        from: None,
        until,
        by: covenant::vocab::Period::Quarter,
        clauses: Vec::new(),
    }
}

fn csv(rows: &[String]) -> Input {
    let text = format!("date,party,stream,amount,currency\n{}", rows.concat());
    Input::Stream("l.csv".into(), Box::new(std::io::Cursor::new(text)))
}

fn csv_named(name: &str, rows: &[String]) -> Input {
    let text = format!("date,party,stream,amount,currency\n{}", rows.concat());
    Input::Stream(name.into(), Box::new(std::io::Cursor::new(text)))
}

fn whole(e: &Engine, rows: &[String], bad: BadRows, until: Option<NaiveDate>) -> Statement {
    statement(
        e,
        vec![csv(rows)],
        &ReadOptions::for_engine(e, bad),
        &scope(until),
    )
    .unwrap_or_else(|err| panic!("{err}"))
}

fn piece(e: &Engine, name: &str, rows: &[String], until: Option<NaiveDate>) -> Partial {
    partial(
        e,
        vec![csv_named(name, rows)],
        &ReadOptions::for_engine(e, BadRows::Skip),
        &scope(until),
    )
    .unwrap_or_else(|err| panic!("{err}"))
}

fn row(day: u32, party: &str, stream: &str, cents: i64) -> String {
    let base = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    format!(
        "{},{party},{stream},{},USD\n",
        base + chrono::Days::new(u64::from(day)),
        rust_decimal::Decimal::new(cents, 2)
    )
}

/// A deterministic shuffle.
fn shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        items.swap(i, (seed >> 33) as usize % (i + 1));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// Rows (several a day, refunds, two earners, two streams) dealt into pieces at random;
    /// each piece read apart, turned to bytes and back; the pieces merged in a shuffled order
    /// as a random tree; the statement finished from the merge equals the statement of one
    /// read of all rows, in its value and in its three renderings.
    #[test]
    fn pieces_merged_in_any_order_and_grouping_finish_as_one_read(
        rows in prop::collection::vec(
            (0u32..900, 0usize..3, -30_000i64..90_000),
            1..60,
        ),
        pieces in 1usize..6,
        deal in any::<u64>(),
        order in any::<u64>(),
        until in prop::option::of(200u32..1_000),
    ) {
        let e = engine(&[]);
        let until = until.map(|d| NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(u64::from(d)));
        let lines: Vec<String> = rows
            .iter()
            .map(|(day, who, cents)| match who {
                0 => row(*day, "k", "s", *cents),
                1 => row(*day, "k", "azure", *cents),
                _ => row(*day, "m", "s", *cents),
            })
            .collect();
        let one = whole(&e, &lines, BadRows::Stop, until);
        // Deal rows into pieces, keeping no order.
        let mut dealt: Vec<Vec<String>> = vec![Vec::new(); pieces];
        let mut s = deal;
        for l in &lines {
            s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            dealt[(s >> 33) as usize % pieces].push(l.clone());
        }
        let mut states: Vec<Partial> = dealt
            .iter()
            .enumerate()
            .map(|(i, rows)| {
                let p = piece(&e, &format!("piece {i}"), rows, until);
                Partial::from_bytes(&p.to_bytes()).unwrap()
            })
            .collect();
        shuffle(&mut states, order);
        // A random tree: merge a random neighbouring pair until one is left.
        let mut s = order ^ deal;
        while states.len() > 1 {
            s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let i = (s >> 33) as usize % (states.len() - 1);
            let b = states.remove(i + 1);
            let a = states.remove(i);
            let (a, b) = if s & 1 == 0 { (a, b) } else { (b, a) };
            let merged = a.merge(&b).unwrap();
            states.insert(i, Partial::from_bytes(&merged.to_bytes()).unwrap());
        }
        let merged = states.pop().unwrap();
        prop_assert_eq!(merged.rows_read(), lines.len() as u64);
        let finished = finish(&e, &merged, &scope(until)).unwrap();
        prop_assert_eq!(&finished, &one);
        prop_assert_eq!(finished.csv(), one.csv());
        prop_assert_eq!(finished.json(), one.json());
        prop_assert_eq!(finished.text(), one.text());
    }
}

#[test]
fn a_worked_statement_in_three_pieces() {
    // By hand: k's revenue of 2026-Q1 is 1,000 + 1,000 − 200 = 1,800 over two days; tiers per
    // year earn 5% of the first 1,000 and 9% of the 800 above: 50 + 72 = 122; recouping 150
    // holds all of it back. Q2's 1,000 earns 90; 28 more is recouped, 62 paid.
    let e = engine(&[]);
    let a = vec![row(10, "k", "s", 100_000)];
    let b = vec![row(10, "k", "s", 100_000), row(40, "k", "s", -20_000)];
    let c = vec![row(100, "k", "s", 100_000)];
    let all: Vec<String> = [a.clone(), b.clone(), c.clone()].concat();
    let one = whole(&e, &all, BadRows::Stop, None);
    let pieces = [
        piece(&e, "a", &a, None),
        piece(&e, "b", &b, None),
        piece(&e, "c", &c, None),
    ];
    let merged = Partial::merge_all(pieces.iter().rev()).unwrap();
    let s = finish(&e, &merged, &scope(None)).unwrap();
    assert_eq!(s, one);
    let r = s.entries.iter().find(|x| x.clause == "g.r").unwrap();
    let figures: Vec<(&str, String, String, String)> = r
        .lines
        .iter()
        .map(|l| {
            (
                l.period.as_str(),
                l.earned.normalize().to_string(),
                l.recouped.normalize().to_string(),
                l.paid.normalize().to_string(),
            )
        })
        .collect();
    assert_eq!(
        figures,
        [
            ("2026-Q1", "122".into(), "122".into(), "0".into()),
            ("2026-Q2", "90".into(), "28".into(), "62".into()),
        ]
    );
}

#[test]
fn pieces_under_other_terms_are_refused() {
    let e = engine(&[]);
    let rows = vec![row(10, "k", "s", 100_000)];
    let p = piece(&e, "a", &rows, None);
    // Another rate (an assumption set for the run).
    let other = engine(&["low_rate=6%"]);
    let q = piece(&other, "b", &rows, None);
    let err = p.clone().merge(&q).unwrap_err().to_string();
    assert!(err.contains("cannot be merged"), "{err}");
    let err = finish(&other, &p, &scope(None)).unwrap_err().to_string();
    assert!(err.contains("different rules, assumptions"), "{err}");
    // Another last day counted.
    let later = NaiveDate::from_ymd_opt(2026, 6, 30);
    let err = finish(&e, &p, &scope(later)).unwrap_err().to_string();
    assert!(err.contains("`until`"), "{err}");
    // Other clauses.
    let only = Scope {
        clauses: vec!["g.r".into()],
        ..scope(None)
    };
    assert!(finish(&e, &p, &only).is_err());
    // Nothing to merge; bytes of something else; damaged bytes.
    assert!(Partial::merge_all(std::iter::empty()).is_err());
    let err = Partial::from_bytes(b"PAR1 not this")
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a partial statement"), "{err}");
    let mut bytes = p.to_bytes();
    bytes.truncate(bytes.len() - 3);
    let err = Partial::from_bytes(&bytes).unwrap_err().to_string();
    assert!(err.contains("damaged"), "{err}");
    // A forged day in the sums is refused at finish, not walked.
    let text = String::from_utf8(p.to_bytes())
        .unwrap()
        .replace("2026-01-11", "2026-13-11");
    let forged = Partial::from_bytes(text.as_bytes()).unwrap();
    let err = finish(&e, &forged, &scope(None)).unwrap_err().to_string();
    assert!(err.contains("damaged"), "{err}");
}

#[test]
fn skipped_rows_are_counted_and_the_same_examples_kept_in_any_order() {
    let e = engine(&[]);
    let bad = |n: u32| format!("2026-02-{n:02},k,s,not money,USD\n");
    let a: Vec<String> = (1..=8).map(bad).chain([row(5, "k", "s", 100)]).collect();
    let b: Vec<String> = (10..=17).map(bad).collect();
    let pa = piece(&e, "a", &a, None);
    let pb = piece(&e, "b", &b, None);
    let ab = pa.clone().merge(&pb).unwrap();
    let ba = pb.merge(&pa).unwrap();
    assert_eq!(ab, ba);
    assert_eq!(ab.rows_skipped(), 16);
    assert_eq!(ab.rows_read(), 1);
    assert_eq!(ab.to_bytes(), ba.to_bytes());
    let s = finish(&e, &ab, &scope(None)).unwrap();
    assert_eq!(s.rows_skipped, 16);
}

#[test]
fn a_clause_counting_two_currencies_in_two_pieces_is_an_error() {
    let e = engine(&[]);
    let usd = vec![row(5, "n", "s", 100)];
    let eur = vec!["2026-01-07,n,s,1.00,EUR\n".to_string()];
    let pa = piece(&e, "a", &usd, None);
    let pb = piece(&e, "b", &eur, None);
    let err = pa.clone().merge(&pb).unwrap_err().to_string();
    let err2 = pb.merge(&pa).unwrap_err().to_string();
    assert_eq!(err, err2);
    assert!(
        err.contains("`g.u` counts rows in both `EUR` and `USD`"),
        "{err}"
    );
}
