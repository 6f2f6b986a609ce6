//! Money 0.2 in revenue shares: marginal tiers (over a clause's life or per period, refunds
//! walking back down), recoupment of an advance (re-opened by refunds), and both under a cap;
//! worked by hand, and against a literal row-by-row reading written apart from the engine.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use covenant::finance::ledger::BadRows;
use covenant::finance::revshare::Report;
use covenant::finance::{self, Input, ReadOptions};
use covenant::{Engine, Rules};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn engine(clause: &str) -> Engine {
    let text = format!(
        "party k\nparty a\nagreement g {{\n between k and a\n signed 2026-01-01\n revenue_share r {{ {clause} }}\n}}\n"
    );
    let rules = Rules::from_text("g.cov", &text).unwrap_or_else(|f| panic!("{f}"));
    rules.engine(&Default::default()).unwrap()
}

fn run(engine: &Engine, rows: &str) -> Report {
    let plans = finance::plans(engine, &[]).unwrap();
    let ledger = format!("date,party,stream,amount,currency\n{rows}");
    finance::run(
        plans,
        vec![Input::Stream(
            "l.csv".into(),
            Box::new(std::io::Cursor::new(ledger)),
        )],
        &ReadOptions::new(BadRows::Stop),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

#[test]
fn a_tier_crossed_mid_row_and_a_refund_walking_back() {
    let e = engine("k pays a 5% up to USD 1_000, 7% above per year of k revenue");
    // 800 at 5% = 40; 400 crosses 1,000: 200 at 5% + 200 at 7% = 24; a refund of 300 walks
    // back from 1,200 to 900: 200 at 7% + 100 at 5% = -19. 2026: 45. 2027 starts again:
    // 1,200 = 1,000 at 5% + 200 at 7% = 64.
    let r = run(
        &e,
        "2026-03-01,k,s,800.00,USD\n2026-04-01,k,s,400.00,USD\n2026-05-01,k,s,-300.00,USD\n2027-01-10,k,s,1200.00,USD\n",
    );
    let t = &r.tallies[0];
    assert_eq!(t.years[&2026].share, d("45.00"));
    assert_eq!(t.years[&2027].share, d("64.00"));
    assert_eq!(t.share, d("109.00"));
    assert_eq!(t.paid, d("109.00"));
}

#[test]
fn tiers_over_the_clause_life_do_not_restart() {
    let e = engine("k pays a 5% up to USD 1_000, 7% above of k revenue");
    let r = run(
        &e,
        "2026-03-01,k,s,800.00,USD\n2027-01-10,k,s,1200.00,USD\n",
    );
    // 800 at 5% = 40; then 200 at 5% + 1,000 at 7% = 80.
    assert_eq!(r.tallies[0].years[&2027].share, d("80.00"));
    assert_eq!(r.tallies[0].paid, d("120.00"));
}

#[test]
fn an_advance_recouped_then_reopened_by_a_refund() {
    let e = engine("k pays a 25% of k revenue after recouping USD 1_000");
    // Earned 750 (recouping), then 500 more: 250 paid; a refund of 1,000 takes back 250 of
    // earned shares: paid back to 0 (a negative day); 1,000 more: 250 paid again.
    let r = run(
        &e,
        "2026-02-01,k,s,3000.00,USD\n2026-03-01,k,s,2000.00,USD\n2026-04-01,k,s,-1000.00,USD\n2026-05-01,k,s,1000.00,USD\n",
    );
    let t = &r.tallies[0];
    assert_eq!(t.share, d("1250.00"));
    assert_eq!(t.paid, d("250.00"));
    // Before the refund came back in, the position on 2026-04-15 owes nothing.
    let r = run(
        &e,
        "2026-02-01,k,s,3000.00,USD\n2026-03-01,k,s,2000.00,USD\n2026-04-01,k,s,-1000.00,USD\n",
    );
    assert_eq!(r.tallies[0].paid, d("0.00"));
}

#[test]
fn the_cap_applies_to_what_recoupment_leaves() {
    let e = engine(
        "k pays a 10% up to USD 10_000, 20% above of k revenue capped at USD 500 after recouping USD 300",
    );
    // 5,000 → 500 earned, 200 after the advance; 10,000 more → 500 + 1,000 = 1,500 earned
    // (2,000 in all), 1,700 after the advance, capped at 500: 300 more that day, reached.
    let r = run(
        &e,
        "2026-02-01,k,s,5000.00,USD\n2026-03-01,k,s,10000.00,USD\n",
    );
    let t = &r.tallies[0];
    assert_eq!(t.share, d("2000.00"));
    assert_eq!(t.paid, d("500.00"));
    assert_eq!(
        t.cap_reached_on,
        NaiveDate::from_ymd_opt(2026, 3, 1),
        "reached with the second row"
    );
}

#[test]
fn bad_tiers_are_check_errors() {
    for (clause, want) in [
        (
            "k pays a 5% up to USD 1_000, 7% up to USD 900, 9% above of k revenue",
            "tier bounds must rise",
        ),
        (
            "k pays a 5% up to USD 1_000, 170% above of k revenue",
            "above 100%",
        ),
        (
            "k pays a 5% up to USD 1_000, 7% up to EUR 2_000, 9% above of k revenue",
            "a revenue share counts in one currency",
        ),
    ] {
        let text = format!("party k\nparty a\nagreement g {{ between k and a signed 2026-01-01 revenue_share r {{ {clause} }} }}\n");
        let Err(f) = Rules::from_text("g.cov", &text) else {
            panic!("accepted: {clause}");
        };
        assert!(f.to_string().contains(want), "{want}: {f}");
    }
}

/// The literal reading: rows in date order (file order within a day), each row's earned share
/// the change it makes to the tiered total of its period, each row's payment the change it
/// makes to what the running earned total leaves after the advance.
fn literal(
    rows: &[(NaiveDate, Decimal)],
    rates: &[Decimal],
    bounds: &[Decimal],
    per_year: bool,
    advance: Decimal,
) -> (Decimal, Decimal) {
    let f = |s: Decimal| -> Decimal {
        if s <= Decimal::ZERO {
            return s * rates[0] / Decimal::ONE_HUNDRED;
        }
        let mut total = Decimal::ZERO;
        for (i, rate) in rates.iter().enumerate() {
            let lo = if i == 0 { Decimal::ZERO } else { bounds[i - 1] };
            let hi = bounds.get(i).copied();
            let top = match hi {
                Some(h) => s.min(h),
                None => s,
            };
            if top > lo {
                total += (top - lo) * rate / Decimal::ONE_HUNDRED;
            }
        }
        total
    };
    let mut sorted: Vec<(usize, NaiveDate, Decimal)> = rows
        .iter()
        .enumerate()
        .map(|(i, (d, a))| (i, *d, *a))
        .collect();
    sorted.sort_by_key(|(i, d, _)| (*d, *i));
    let (mut s, mut year, mut earned, mut paid) = (Decimal::ZERO, 0, Decimal::ZERO, Decimal::ZERO);
    for (_, date, amount) in sorted {
        if per_year && date.year() != year {
            year = date.year();
            s = Decimal::ZERO;
        }
        let e = f(s + amount) - f(s);
        s += amount;
        let before = (earned - advance).max(Decimal::ZERO);
        earned += e;
        paid += (earned - advance).max(Decimal::ZERO) - before;
    }
    (earned, paid)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn tiers_and_recoupment_agree_with_the_literal_reading(
        rows in prop::collection::vec((0u32..900, -2_000i64..6_000), 1..40),
        rates in prop::collection::vec(0u32..=100, 1..4),
        steps in prop::collection::vec(1i64..5_000, 3),
        per_year in any::<bool>(),
        advance in 0i64..3_000,
    ) {
        let base = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let rows: Vec<(NaiveDate, Decimal)> = rows
            .iter()
            .map(|(day, cents)| (base + chrono::Days::new(u64::from(*day)), Decimal::new(*cents, 2) * Decimal::from(7)))
            .collect();
        let mut bounds = Vec::new();
        let mut at = 0i64;
        for s in steps.iter().take(rates.len() - 1) {
            at += s;
            bounds.push(Decimal::from(at));
        }
        let rates: Vec<Decimal> = rates.iter().map(|r| Decimal::from(*r)).collect();
        let mut schedule = format!("{}%", rates[0]);
        for (b, r) in bounds.iter().zip(rates.iter().skip(1)) {
            schedule.push_str(&format!(" up to USD {b}, {r}%"));
        }
        if !bounds.is_empty() {
            schedule.push_str(" above");
            if per_year {
                schedule.push_str(" per year");
            }
        }
        let clause = format!("k pays a {schedule} of k revenue after recouping USD {advance}");
        let e = engine(&clause);
        let ledger: String = rows.iter().map(|(d, a)| format!("{d},k,s,{a},USD\n")).collect();
        let report = run(&e, &ledger);
        let per_year = per_year && !bounds.is_empty();
        let (earned, paid) = literal(&rows, &rates, &bounds, per_year, Decimal::from(advance));
        prop_assert_eq!(report.tallies[0].share, earned);
        prop_assert_eq!(report.tallies[0].paid, paid);
    }
}

#[test]
fn a_cap_per_year_is_reached_and_restarts() {
    let e = engine("k pays a 10% of k revenue capped at USD 100 per year");
    // 2026: 60, then 60 of which 40 fit (reached 2026-06-01), then nothing; 2027 starts again.
    let r = run(
        &e,
        "2026-03-01,k,s,600.00,USD\n2026-06-01,k,s,600.00,USD\n2026-09-01,k,s,500.00,USD\n2027-02-01,k,s,500.00,USD\n",
    );
    let t = &r.tallies[0];
    assert_eq!(t.share, d("220.00"));
    assert_eq!(t.years[&2026].paid, d("100.00"));
    assert_eq!(t.years[&2027].paid, d("50.00"));
    assert_eq!(
        t.period_caps_reached,
        vec![(
            "2026".to_string(),
            NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
        )]
    );
}

#[test]
fn a_cap_per_period_used_up_owes_nothing_more_that_period() {
    let text = "party k\nparty a\nagreement g {\n between k and a\n signed 2026-01-01\n revenue_share r { k pays a 10% of k revenue capped at USD 100 per quarter }\n}\n";
    let rules = Rules::from_text("g.cov", text).unwrap();
    let e = rules.engine(&Default::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("l.csv");
    std::fs::write(
        &ledger,
        "date,party,stream,amount,currency\n2026-01-10,k,s,1500.00,USD\n2026-02-10,k,s,100.00,USD\n2026-04-10,k,s,100.00,USD\n",
    )
    .unwrap();
    let ask = |day: &str| {
        covenant::finance::ask(
            &e,
            &format!("pay k to a at {day}"),
            vec![Input::File(ledger.clone())],
            &ReadOptions::for_engine(&e, BadRows::Stop),
        )
        .unwrap_or_else(|err| panic!("{err}"))
        .0
    };
    // The first quarter's cap went on 2026-01-10: February owes nothing more.
    let a = ask("2026-02-10");
    assert_eq!(a.decision(), Some(covenant::Decision::NotDue), "{a}");
    assert!(
        a.to_string()
            .contains("its cap for this period was reached on 2026-01-10"),
        "{a}"
    );
    // A new quarter, a new cap.
    let a = ask("2026-04-10");
    assert_eq!(a.decision(), Some(covenant::Decision::Due), "{a}");
    assert_eq!(a.ledger.unwrap().clauses[0].owed, d("110.00"));
}

#[test]
fn a_floor_with_a_partial_first_year_owes_a_prorated_true_up() {
    let text = "party k\nparty a\nagreement g {\n between k and a\n signed 2026-07-01\n revenue_share r { k pays a 10% of k revenue minimum USD 1_000 per year }\n}\n";
    let rules = Rules::from_text("g.cov", text).unwrap();
    let e = rules.engine(&Default::default()).unwrap();
    // 2026 is in force from 1 July: 184 of its 365 days, so its minimum is 1,000 × 184 / 365
    // (504.1095890411 held to ten places, 504.11 shown); 300 was paid: the true-up, on
    // 2026-12-31, is the rest. 2027 paid 2,000, above its minimum; the ledger ends mid-2028, so
    // 2028 has not ended and owes no true-up.
    let r = run(
        &e,
        "2026-08-01,k,s,3000.00,USD\n2027-03-01,k,s,20000.00,USD\n2028-06-30,k,s,10.00,USD\n",
    );
    let t = &r.tallies[0];
    let prorated = d("504.1095890411");
    assert_eq!(
        t.true_ups,
        vec![(
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
            prorated - d("300.00")
        )]
    );
    let text = covenant::finance::render::text(&e, &r);
    assert!(
        text.contains("true-up of 204.11 due on 2026-12-31"),
        "{text}"
    );
}

#[test]
fn a_commitment_met_late_and_one_missed() {
    let text = "party o\nparty m\nagreement g {\n between o and m\n signed 2026-01-01\n term 2 years\n commitment yearly { o spends USD 1_000 with m from stream azure per year shortfall payable }\n commitment total { o spends USD 5_000 with m from stream azure }\n}\n";
    let rules = Rules::from_text("g.cov", text).unwrap();
    let e = rules.engine(&Default::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("l.csv");
    // 2026 counts 600 of 1,000 (a row of another stream does not count): 400 short, owed on
    // 2026-12-31. 2027 counts 1,500, met late in the year but met. The whole window counts
    // 2,100 of 5,000: 2,900 short, not payable.
    std::fs::write(
        &ledger,
        "date,party,stream,amount,currency\n2026-03-01,o,azure,400.00,USD\n2026-09-01,o,azure,200.00,USD\n2026-10-01,o,other,999.00,USD\n2027-11-30,o,azure,1500.00,USD\n",
    )
    .unwrap();
    let ask = |day: &str| {
        covenant::finance::ask(
            &e,
            &format!("pay o to m at {day}"),
            vec![Input::File(ledger.clone())],
            &ReadOptions::for_engine(&e, BadRows::Stop),
        )
        .unwrap_or_else(|err| panic!("{err}"))
        .0
    };
    let a = ask("2026-12-30");
    assert_eq!(a.decision(), Some(covenant::Decision::NotDue), "{a}");
    let a = ask("2026-12-31");
    assert_eq!(a.decision(), Some(covenant::Decision::Due), "{a}");
    assert!(
        a.to_string()
            .contains("its commitment fell short: USD 400.00"),
        "{a}"
    );
    let a = ask("2027-12-31");
    assert_eq!(a.decision(), Some(covenant::Decision::NotDue), "{a}");
    let p = a.ledger.unwrap();
    let yearly = p.clauses.iter().find(|c| c.clause == "g.yearly").unwrap();
    let total = p.clauses.iter().find(|c| c.clause == "g.total").unwrap();
    assert_eq!(yearly.owed, d("400.00"));
    assert_eq!(yearly.remaining, Some(Decimal::ZERO));
    assert_eq!(total.owed, Decimal::ZERO);
    assert_eq!(total.remaining, Some(d("2900.00")));
}

#[test]
fn a_statement_gathers_every_money_clause_by_period() {
    let text = "party k\nparty a\nagreement g {\n between k and a\n signed 2026-01-01\n term 2 years\n revenue_share r { k pays a 25% of k revenue after recouping USD 1_000 }\n payment fee { k pays a USD 100 every quarter }\n commitment c { k spends USD 1_000 with a from stream azure per year shortfall payable }\n}\n";
    let rules = Rules::from_text("g.cov", text).unwrap();
    let e = rules.engine(&Default::default()).unwrap();
    let ledger = "date,party,stream,amount,currency\n2026-02-01,k,s,3000.00,USD\n2026-05-01,k,s,2000.00,USD\n2026-08-01,k,azure,600.00,USD\n2027-01-05,k,s,-1000.00,USD\n";
    let s = covenant::finance::statement::statement(
        &e,
        vec![Input::Stream(
            "l.csv".into(),
            Box::new(std::io::Cursor::new(ledger.to_string())),
        )],
        &ReadOptions::for_engine(&e, BadRows::Stop),
        &covenant::finance::statement::Scope {
            from: None,
            until: NaiveDate::from_ymd_opt(2026, 12, 31),
            by: covenant::vocab::Period::Quarter,
            clauses: Vec::new(),
        },
    )
    .unwrap_or_else(|err| panic!("{err}"));
    let entry = |name: &str| s.entries.iter().find(|x| x.clause == name).unwrap();
    // The share: Q1 earns 750, all recouping; Q2 earns 500 (250 recouping, 250 paid); Q3's row
    // is of the azure stream, which the share counts too (it names no stream): 150 paid. The
    // refund of 2027 lies after `--until`.
    let r = entry("g.r");
    let q: Vec<(&str, String, String, String)> = r
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
        q,
        [
            ("2026-Q1", "750".into(), "750".into(), "0".into()),
            ("2026-Q2", "500".into(), "250".into(), "250".into()),
            ("2026-Q3", "150".into(), "0".into(), "150".into()),
        ]
    );
    // The fee on 1 January (the agreement starts on a quarter's first day), 1 April, 1 July
    // and 1 October.
    let fee = entry("g.fee");
    assert_eq!(fee.lines.len(), 4);
    // The commitment: 600 of 1,000 in 2026, which ended on the last day counted: 400 short.
    let c = entry("g.c");
    assert_eq!(c.lines[0].shortfall, Some(d("400.00")));
    assert_eq!(c.lines[0].owed, d("400.00"));
    // 400 paid on the share, 400 of fees, 400 of shortfall.
    assert_eq!(s.totals.get("USD"), Some(&d("1200.00")));
    let json = s.json();
    assert_eq!(json["owed_in_all"]["USD"], "1200.00");
    assert!(s
        .csv()
        .starts_with("payer,payee,clause,kind,currency,period,"));
    assert!(
        s.text().contains("falling due in all:\n  USD 1,200.00\n"),
        "{}",
        s.text()
    );
}

#[test]
fn without_a_ledger_a_pay_answer_says_what_it_did_not_compute() {
    let text = "party k\nparty a\nagreement g {\n between k and a\n signed 2026-01-01\n revenue_share r { k pays a 10% of k revenue minimum USD 1_000 per year }\n commitment c { k spends USD 5 with a per year shortfall payable }\n}\n";
    let rules = Rules::from_text("g.cov", text).unwrap();
    let e = rules.engine(&Default::default()).unwrap();
    let a = e.ask("pay k to a at 2026-12-31").unwrap();
    let v = a.verdict().unwrap();
    let said: Vec<(&str, &str)> = v
        .reasons
        .iter()
        .map(|r| (r.clause.as_str(), r.effect.as_str()))
        .collect();
    assert_eq!(
        said,
        [
            ("g.c", "needs_ledger"),
            ("g.r", "owe"),
            ("g.r", "needs_ledger")
        ],
        "{a}"
    );
    assert!(a
        .to_string()
        .contains("computed only from ledgers (ask with --ledger)"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Known relations of the pipeline (tiers per year, recoupment, a cap per quarter, a
    /// minimum per year): reading a ledger in two files gives what one file gives; rows of
    /// different days in any order give the same figures; ten times every amount and every
    /// money term gives ten times every figure.
    #[test]
    fn splits_reorders_and_scaling_keep_their_relations(
        rows in prop::collection::vec((0u32..700, -1_000i64..5_000), 1..30),
        cut in 0usize..30,
        seed in any::<u64>(),
    ) {
        let clause = |k: i64| format!(
            "k pays a 5% up to USD {}, 9% above per year of k revenue capped at USD {} per quarter after recouping USD {} minimum USD {} per year",
            1_000 * k, 150 * k, 200 * k, 300 * k
        );
        let base = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        // One row a day at most: rows of different days only.
        let mut days: Vec<(u32, i64)> = rows.clone();
        days.sort_by_key(|(d, _)| *d);
        days.dedup_by_key(|(d, _)| *d);
        let line = |(d, c): &(u32, i64), k: i64| {
            format!("{},k,s,{},USD\n", base + chrono::Days::new(u64::from(*d)), Decimal::new(*c * k, 2))
        };
        let e1 = engine(&clause(1));
        let whole: String = days.iter().map(|r| line(r, 1)).collect();
        let figures = |r: &Report| {
            let t = &r.tallies[0];
            (t.base, t.share, t.paid, t.true_ups.clone(), t.period_caps_reached.clone())
        };
        let one = figures(&run(&e1, &whole));
        // Two files, read one after the other.
        let cut = cut.min(days.len());
        let (a, b) = days.split_at(cut);
        let header = "date,party,stream,amount,currency\n";
        let first: String = a.iter().map(|r| line(r, 1)).collect();
        let second: String = b.iter().map(|r| line(r, 1)).collect();
        let plans = finance::plans(&e1, &[]).unwrap();
        let two = finance::run(
            plans,
            vec![
                Input::Stream("a.csv".into(), Box::new(std::io::Cursor::new(format!("{header}{first}")))),
                Input::Stream("b.csv".into(), Box::new(std::io::Cursor::new(format!("{header}{second}")))),
            ],
            &ReadOptions::new(BadRows::Stop),
        )
        .unwrap();
        prop_assert_eq!(&figures(&two), &one);
        // Reordered.
        let mut shuffled = days.clone();
        let mut s = seed;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        let reordered: String = shuffled.iter().map(|r| line(r, 1)).collect();
        prop_assert_eq!(&figures(&run(&e1, &reordered)), &one);
        // Ten times.
        let e10 = engine(&clause(10));
        let scaled: String = days.iter().map(|r| line(r, 10)).collect();
        let ten = figures(&run(&e10, &scaled));
        let x10 = |d: Decimal| d * Decimal::from(10);
        prop_assert_eq!(ten.0, x10(one.0));
        prop_assert_eq!(ten.1, x10(one.1));
        prop_assert_eq!(ten.2, x10(one.2));
        let ups: Vec<(NaiveDate, Decimal)> = one.3.iter().map(|(d, a)| (*d, x10(*a))).collect();
        prop_assert_eq!(ten.3, ups);
        prop_assert_eq!(ten.4, one.4);
    }
}

#[test]
fn an_amendment_replaces_the_tier_schedule_and_a_flat_rate_clears_it() {
    let text = "party k\nparty a\nagreement g {\n between k and a\n signed 2026-01-01\n revenue_share r { k pays a 10% of k revenue }\n}\namendment tiered amends g { signed 2026-07-01 amend r { rate 5% up to USD 1_000, 7% above per year } }\namendment flat amends g { signed 2027-01-01 amend r { rate 2% } }\n";
    let rules = Rules::from_text("g.cov", text).unwrap_or_else(|f| panic!("{f}"));
    let e = rules.engine(&Default::default()).unwrap();
    // March at 10%: 80. From July the tiers count the year's revenue so far (800): 400 more =
    // 200 × 5% + 200 × 7% = 24. From 2027 a flat 2%: 1,000 → 20.
    let r = run(
        &e,
        "2026-03-01,k,s,800.00,USD\n2026-08-01,k,s,400.00,USD\n2027-02-01,k,s,1000.00,USD\n",
    );
    let t = &r.tallies[0];
    assert_eq!(t.years[&2026].share, d("104.00"));
    assert_eq!(t.years[&2027].share, d("20.00"));
    let mut formatted = text.to_string();
    formatted = covenant::fmt::format(&formatted).unwrap_or(formatted);
    assert!(
        formatted.contains("amend r { rate 5% up to USD 1_000, 7% above per year }"),
        "{formatted}"
    );
}

#[test]
fn trial_findings_stay_fixed() {
    // A minimum amended into another currency than the cap is a check error.
    let text = "party k\nparty a\nagreement g {\n between k and a\n signed 2026-01-01\n revenue_share r { k pays a 10% of k revenue capped at USD 1_000 }\n}\namendment m amends g { signed 2026-06-01 amend r { minimum EUR 100 per year } }\n";
    let Err(f) = Rules::from_text("g.cov", text) else {
        panic!("accepted");
    };
    assert!(
        f.to_string().contains("its amended minimum in `EUR`"),
        "{f}"
    );
    // An amendment replaces the recoupment: 25% of 3,000 = 750, after 500 (not 1,000): 250.
    let text = "party k\nparty a\nagreement g {\n between k and a\n signed 2026-01-01\n revenue_share r { k pays a 25% of k revenue after recouping USD 1_000 }\n}\namendment m amends g { signed 2026-01-01 effective 2026-01-01 amend r { after recouping USD 500 } }\n";
    let rules = Rules::from_text("g.cov", text).unwrap_or_else(|f| panic!("{f}"));
    let e = rules.engine(&Default::default()).unwrap();
    assert_eq!(
        run(&e, "2026-02-01,k,s,3000.00,USD\n").tallies[0].paid,
        d("250.00")
    );
    // A statement's periods end by the ledgers' latest day, whoever's row it is: a row of
    // another party closes 2026 for the floor.
    let text = "party k\nparty a\nparty z\nagreement g {\n between k and a\n signed 2026-01-01\n revenue_share r { k pays a 10% of k revenue minimum USD 100 per year }\n}\n";
    let rules = Rules::from_text("g.cov", text).unwrap();
    let e = rules.engine(&Default::default()).unwrap();
    let ledger =
        "date,party,stream,amount,currency\n2026-03-01,k,s,500.00,USD\n2027-01-02,z,s,1.00,USD\n";
    let s = covenant::finance::statement::statement(
        &e,
        vec![Input::Stream(
            "l.csv".into(),
            Box::new(std::io::Cursor::new(ledger.to_string())),
        )],
        &ReadOptions::for_engine(&e, BadRows::Stop),
        &covenant::finance::statement::Scope {
            from: None,
            until: None,
            by: covenant::vocab::Period::Year,
            clauses: Vec::new(),
        },
    )
    .unwrap();
    assert_eq!(s.entries[0].lines[0].true_ups, d("50.00"));
}
