//! Fixed payments (language 0.2, section 6), worked by hand: a signing fee on a day, a
//! delivery fee on a happening plus a duration, fees every month, quarter, year and contract
//! year (from a 29 February), a payment on `end of` the agreement, payments that fall due only
//! inside their agreement's life, `--as-of` and `--set`, and what a ledger position adds up.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;
use common::decision;

use covenant::{Decision, Engine, Rules};
use Decision::{Due, NotDue};

const DEAL: &str = "party streamco
party halcyon
party other
product slate by halcyon
assume signing_day = 2026-03-01
assume fee = USD 1_000_000
agreement film {
  between streamco and halcyon
  signed 2026-02-15
  effective 2026-03-01
  term 2 years
  payment signing_fee { streamco pays halcyon $fee on $signing_day }
  payment delivery_fee { streamco pays halcyon USD 500_000 on halcyon delivers slate + 30 days }
  payment monthly { streamco pays halcyon USD 1_000 every month }
  payment closing { streamco pays halcyon USD 50_000 on end of film - 1 day }
  payment late { streamco pays halcyon USD 7 on 2031-01-01 }
}
on 2026-06-10: halcyon delivers slate
";

fn engine(extra: &str, set: &[&str], as_of: Option<&str>) -> Engine {
    let rules =
        Rules::from_text("film.cov", &format!("{DEAL}{extra}")).unwrap_or_else(|f| panic!("{f}"));
    let options = rules
        .options(
            set.iter().copied(),
            as_of.and_then(covenant::time::parse_day),
        )
        .unwrap();
    rules.engine(&options).unwrap_or_else(|e| panic!("{e}"))
}

fn expect(e: &Engine, days: &[(&str, Decision)]) {
    for (day, want) in days {
        let q = format!("pay streamco to halcyon at {day}");
        assert_eq!(decision(e, &q), *want, "{q}");
    }
}

fn owing(e: &Engine, day: &str) -> Vec<String> {
    let a = e.ask(&format!("pay streamco to halcyon at {day}")).unwrap();
    let v = a.verdict().unwrap_or_else(|| panic!("not a point answer"));
    v.reasons.iter().map(|r| r.clause.clone()).collect()
}

#[test]
fn each_payment_falls_due_on_its_own_day() {
    let e = engine("", &[], None);
    // The signing fee on 2026-03-01 (with the first monthly fee), the delivery fee 30 days
    // after the delivery of 2026-06-10 (2026-07-10), monthly fees on the first of each month
    // from 2026-03-01, the closing payment the day before the end (2028-02-29).
    assert_eq!(
        owing(&e, "2026-03-01"),
        ["film.monthly", "film.signing_fee"]
    );
    assert_eq!(owing(&e, "2026-07-10"), ["film.delivery_fee"]);
    assert_eq!(owing(&e, "2026-07-01"), ["film.monthly"]);
    assert_eq!(owing(&e, "2028-02-29"), ["film.closing"]);
    assert_eq!(owing(&e, "2028-02-01"), ["film.monthly"]);
    expect(
        &e,
        &[
            ("2026-02-28", NotDue),
            ("2026-03-02", NotDue),
            ("2026-07-09", NotDue),
            ("2026-07-11", NotDue),
            // The agreement ends on 2028-03-01: no monthly fee on that day.
            ("2028-03-01", NotDue),
            // A day after the end never falls due (and `check` warns).
            ("2031-01-01", NotDue),
        ],
    );
}

#[test]
fn a_payment_on_a_happening_waits_for_its_record() {
    // Known as of 2026-06-01 the delivery is not yet on record: no fee on 2026-07-10.
    let e = engine("", &[], Some("2026-06-01"));
    expect(&e, &[("2026-07-10", NotDue)]);
    let never = Rules::from_text(
        "film.cov",
        &DEAL.replace("on 2026-06-10: halcyon delivers slate\n", ""),
    )
    .unwrap_or_else(|f| panic!("{f}"));
    let e = never.engine(&Default::default()).unwrap();
    expect(&e, &[("2026-07-10", NotDue)]);
}

#[test]
fn set_values_move_the_day_and_the_amount() {
    let e = engine("", &["signing_day=2026-03-15", "fee=USD 2_000_000"], None);
    assert_eq!(owing(&e, "2026-03-15"), ["film.signing_fee"]);
    let a = e.ask("pay streamco to halcyon at 2026-03-15").unwrap();
    assert!(
        a.to_string().contains("USD 2,000,000.00 on 2026-03-15"),
        "{a}"
    );
    let ids: Vec<&str> = a.assumed.iter().map(|x| x.id.as_str()).collect();
    assert!(
        ids.contains(&"signing_day") && ids.contains(&"fee"),
        "{ids:?}"
    );
}

#[test]
fn a_termination_moves_a_payment_on_end_of() {
    let e = engine("", &[], None);
    assert_eq!(owing(&e, "2028-02-29"), ["film.closing"]);
    let text = DEAL.replace(
        "  term 2 years\n",
        "  term 2 years\n  terminable by streamco for convenience with notice 30 days\n",
    );
    let rules = Rules::from_text(
        "film.cov",
        &format!("{text}on 2027-01-01: streamco terminates film\n"),
    )
    .unwrap_or_else(|f| panic!("{f}"));
    let e = rules.engine(&Default::default()).unwrap();
    // Ends 2027-01-31: the closing payment on 2027-01-30, no monthly fee from February 2027.
    assert_eq!(owing(&e, "2027-01-30"), ["film.closing"]);
    expect(&e, &[("2027-02-01", NotDue), ("2028-02-29", NotDue)]);
}

#[test]
fn periods_start_where_the_calendar_says() {
    let text = "party a\nparty b\nagreement g {\n between a and b\n signed 2024-02-29\n term 5 years\n payment q { a pays b USD 1 every quarter }\n payment y { a pays b USD 2 every year }\n payment c { a pays b USD 3 every contract year }\n}\n";
    let rules = Rules::from_text("g.cov", text).unwrap_or_else(|f| panic!("{f}"));
    let e = rules.engine(&Default::default()).unwrap();
    let due = |day: &str| -> Vec<String> {
        let a = e.ask(&format!("pay a to b at {day}")).unwrap();
        let v = a.verdict().unwrap_or_else(|| panic!("not a point answer"));
        v.reasons.iter().map(|r| r.clause.clone()).collect()
    };
    // Contract years from 2024-02-29: on the day itself, then 2025-02-28 (clamped), 2026-02-28,
    // 2027-02-28, 2028-02-29.
    assert_eq!(due("2024-02-29"), ["g.c"]);
    assert_eq!(due("2025-02-28"), ["g.c"]);
    assert!(due("2025-03-01").is_empty());
    assert_eq!(due("2028-02-29"), ["g.c"]);
    // Quarters start on 1 April, 1 July, 1 October and 1 January; years on 1 January.
    assert_eq!(due("2024-04-01"), ["g.q"]);
    assert!(due("2024-03-01").is_empty());
    assert_eq!(due("2025-01-01"), ["g.q", "g.y"]);
    // The agreement ends 2029-02-28 (five years from 2024-02-29, clamped): nothing after.
    assert!(due("2029-04-01").is_empty());
    assert_eq!(due("2029-01-01"), ["g.q", "g.y"]);
}

#[test]
fn a_ledger_position_adds_the_payments_owed_up_to_the_day() {
    let e = engine("", &[], None);
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("l.csv");
    std::fs::write(&ledger, "date,party,stream,amount,currency\n").unwrap();
    let (answer, _) = covenant::finance::ask(
        &e,
        "pay streamco to halcyon at 2026-07-10",
        vec![covenant::finance::Input::File(ledger)],
        &covenant::finance::ReadOptions::for_engine(&e, covenant::finance::ledger::BadRows::Stop),
    )
    .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(answer.decision(), Some(Due));
    let position = answer.ledger.unwrap();
    let owed: Vec<(String, String)> = position
        .clauses
        .iter()
        .map(|c| (c.clause.clone(), c.owed.to_string()))
        .collect();
    // Signing fee 1,000,000; delivery fee 500,000 (due that very day); monthly fees March to
    // July: five of 1,000; nothing yet of the closing payment or the late one.
    assert_eq!(
        owed,
        [
            ("film.signing_fee".to_string(), "1000000".to_string()),
            ("film.delivery_fee".to_string(), "500000".to_string()),
            ("film.monthly".to_string(), "5000".to_string()),
            ("film.closing".to_string(), "0".to_string()),
            ("film.late".to_string(), "0".to_string()),
        ]
    );
}

#[test]
fn payments_check_their_parties_and_their_days() {
    let bad = "party a\nparty b\nparty c\nagreement g { between a and b signed 2026-01-01 term 1 year payment p { a pays c USD 5 on 2026-06-01 } }\n";
    let Err(f) = Rules::from_text("g.cov", bad) else {
        panic!("accepted");
    };
    assert!(
        f.to_string()
            .contains("`g.p` names `c` as its payee, but `c` is not a party of `g`"),
        "{f}"
    );
    let rules = Rules::from_text("film.cov", DEAL).unwrap();
    let warnings: Vec<String> = rules.warnings().iter().map(|w| w.message.clone()).collect();
    assert!(
        warnings.contains(
            &"payment `film.late` never falls due: 2031-01-01 lies outside the days it is in force"
                .to_string()
        ),
        "{warnings:?}"
    );
}
