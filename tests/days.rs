//! Day expressions (language 0.2), worked by hand at the edge days: days shifted by durations,
//! assumptions over assumptions (and `--set` moving what derives from them), and `end of` /
//! `start of` agreements and clauses, which move when a termination moves the end.

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

const DEAL: &str = "party nordlicht
party atlas
channel atlas_store operated by atlas
product ledgerly by nordlicht
assume launch_day = 2026-02-01
assume first_review = $launch_day + 1 quarter - 1 day
assume selloff = 6 months
agreement reseller_eu {
  between nordlicht and atlas
  signed 2026-01-15
  effective $launch_day
  term 3 years
  terminable by nordlicht, atlas for convenience with notice 90 days
  licence resale { nordlicht grants atlas deploy of product ledgerly }
  licence selloff_period {
    nordlicht grants atlas deploy of product ledgerly
    from end of reseller_eu until end of reseller_eu + $selloff
    survives
  }
  rule review_hold {
    forbid deploy product ledgerly on atlas_store
    from $first_review - 2 weeks through $first_review
  }
  licence support_tail {
    nordlicht grants atlas use of product ledgerly
    from end of reseller_eu.selloff_period + 1 day
    until start of reseller_eu.resale + 5 years
    survives
  }
}
";

fn engine(extra: &str, set: &[&str]) -> Engine {
    let rules =
        Rules::from_text("deal.cov", &format!("{DEAL}{extra}")).unwrap_or_else(|f| panic!("{f}"));
    let options = rules
        .options(set.iter().copied(), None)
        .unwrap_or_else(|e| panic!("{e}"));
    rules.engine(&options).unwrap_or_else(|e| panic!("{e}"))
}

fn expect(engine: &Engine, question: &str, days: &[(&str, Decision)]) {
    for (day, want) in days {
        let q = format!("{question} at {day}");
        assert_eq!(decision(engine, &q), *want, "{q}");
    }
}

use Decision::{Forbidden, Permitted};

const DEPLOY: &str = "deploy ledgerly on atlas_store by atlas";
const USE: &str = "use ledgerly by atlas";

#[test]
fn shifted_assumptions_place_the_review_hold() {
    // first_review = 2026-02-01 + 1 quarter - 1 day = 2026-04-30; the hold runs from two
    // weeks before (2026-04-16) through 2026-04-30.
    let e = engine("", &[]);
    expect(
        &e,
        DEPLOY,
        &[
            ("2026-04-15", Permitted),
            ("2026-04-16", Forbidden),
            ("2026-04-30", Forbidden),
            ("2026-05-01", Permitted),
        ],
    );
}

#[test]
fn setting_an_assumption_moves_what_derives_from_it_and_answers_name_both() {
    // launch_day 2026-03-01: first_review = 2026-05-31, the hold from 2026-05-17.
    let e = engine("", &["launch_day=2026-03-01"]);
    expect(
        &e,
        DEPLOY,
        &[
            ("2026-05-16", Permitted),
            ("2026-05-17", Forbidden),
            ("2026-05-31", Forbidden),
            ("2026-06-01", Permitted),
        ],
    );
    let a = e.ask(&format!("{DEPLOY} at 2026-05-20")).unwrap();
    let named: Vec<(&str, bool)> = a
        .assumed
        .iter()
        .map(|x| (x.id.as_str(), x.set_for_run))
        .collect();
    assert!(named.contains(&("launch_day", true)), "{named:?}");
    assert!(named.contains(&("first_review", false)), "{named:?}");
    let first = a.assumed.iter().find(|x| x.id == "first_review").unwrap();
    assert_eq!(first.value, "2026-05-31");
    // Setting the derived one itself holds it, whatever launch_day says.
    let e = engine("", &["launch_day=2026-03-01", "first_review=2026-04-30"]);
    expect(
        &e,
        DEPLOY,
        &[("2026-04-16", Forbidden), ("2026-05-17", Permitted)],
    );
}

#[test]
fn end_of_the_agreement_opens_the_selloff_and_the_tail() {
    // Term 2026-02-01 + 3 years: ends 2029-02-01. Sell-off 2029-02-01 until 2029-08-01;
    // support tail from 2029-08-02 until 2026-02-01 + 5 years = 2031-02-01.
    let e = engine("", &[]);
    expect(
        &e,
        DEPLOY,
        &[
            ("2029-01-31", Permitted),
            ("2029-02-01", Permitted),
            ("2029-07-31", Permitted),
            ("2029-08-01", Forbidden),
        ],
    );
    expect(
        &e,
        USE,
        &[
            ("2029-07-31", Permitted),
            ("2029-08-01", Forbidden),
            ("2029-08-02", Permitted),
            ("2031-01-31", Permitted),
            ("2031-02-01", Forbidden),
        ],
    );
}

#[test]
fn a_termination_moves_every_end_of_with_it() {
    // Terminated 2027-03-10 with 90 days' notice: ends 2027-06-08; sell-off until 2027-12-08;
    // the tail from 2027-12-09.
    let e = engine("on 2027-03-10: atlas terminates reseller_eu\n", &[]);
    expect(
        &e,
        DEPLOY,
        &[
            ("2027-06-07", Permitted),
            ("2027-06-08", Permitted),
            ("2027-12-07", Permitted),
            ("2027-12-08", Forbidden),
        ],
    );
    expect(
        &e,
        USE,
        &[("2027-12-08", Forbidden), ("2027-12-09", Permitted)],
    );
    let a = e.ask(&format!("{DEPLOY} at 2027-07-01")).unwrap();
    assert!(a.to_string().contains("reseller_eu.selloff_period"), "{a}");
}

#[test]
fn an_open_ended_agreement_has_no_end_to_start_from() {
    // Without a term the agreement never ends: the sell-off never starts, the tail neither.
    let open = DEAL.replace("  term 3 years\n", "");
    let rules = Rules::from_text("deal.cov", &open).unwrap_or_else(|f| panic!("{f}"));
    let e = rules.engine(&Default::default()).unwrap();
    expect(&e, USE, &[("2040-01-01", Permitted)]);
    let a = e.ask(&format!("{USE} at 2040-01-01")).unwrap();
    assert!(a.to_string().contains("reseller_eu.resale"), "{a}");
    assert!(!a.to_string().contains("support_tail"), "{a}");
}

#[test]
fn month_ends_do_not_drift_through_shifts() {
    let rules = Rules::from_text(
        "d.cov",
        "party p\nparty q\nproduct x by p\nassume start = 2024-01-31\nassume finish = $start + 1 month + 1 month\nagreement g { between p and q signed 2024-01-01 licence l { p grants q use of product x until $finish } }\n",
    )
    .unwrap_or_else(|f| panic!("{f}"));
    let e = rules.engine(&Default::default()).unwrap();
    // 2024-01-31 + 1 month = 2024-02-29 (clamped), + 1 month = 2024-03-29: each step in turn.
    expect(
        &e,
        "use x by q",
        &[("2024-03-28", Permitted), ("2024-03-29", Forbidden)],
    );
}

#[test]
fn a_set_value_that_leaves_the_calendar_stops_the_run() {
    let rules = Rules::from_text("deal.cov", DEAL).unwrap_or_else(|f| panic!("{f}"));
    let options = rules.options(["launch_day=9999-11-15"], None).unwrap();
    let Err(err) = rules.engine(&options) else {
        panic!("a day out of range was accepted");
    };
    let text = err.to_string();
    assert!(text.contains("day-out-of-range"), "{text}");
    assert!(text.contains("deal.cov:6:"), "{text}");
}

#[test]
fn ten_thousand_clauses_timed_by_each_other_read_in_one_pass() {
    // Each clause starts at the end of the one before it and lasts a day: a chain of 10,000.
    let mut text = String::from("party a\nparty b\nproduct p by a\nagreement g {\n between a and b\n signed 2026-01-01\n licence c0 { a grants b use of product p until 2026-02-01 }\n");
    for i in 1..10_000 {
        text.push_str(&format!(
            " licence c{i} {{ a grants b use of product p from end of g.c{} until end of g.c{} + 1 day }}\n",
            i - 1,
            i - 1
        ));
    }
    text.push_str("}\n");
    let started = std::time::Instant::now();
    let rules = Rules::from_text("chain.cov", &text).unwrap_or_else(|f| panic!("{f}"));
    let e = rules.engine(&Default::default()).unwrap();
    // c9999 runs 9,998 days after 2026-02-01: on 2053-06-17 only.
    let a = e.ask("use p by b at 2053-06-17").unwrap();
    assert!(a.to_string().contains("permit g.c9999"), "{a}");
    assert_eq!(
        decision(&e, "use p by b at 2053-06-18"),
        Decision::Forbidden
    );
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
}

#[test]
fn an_answer_outside_a_window_names_the_duration_that_could_bring_it_in() {
    // The hold starts `$gap` before February 1 and ends `$grace` after March 1: with the values
    // given, from January 22 until March 11. On January 20 and on March 15 nothing forbids,
    // but a gap of 15 days (or a grace of 20) would: each answer rests on that duration.
    let text = "party p
party q
cloud c operated by q
product x by p
assume gap = 10 days
assume grace = 10 days
agreement a {
  between p and q
  signed 2024-01-01
  rule hold {
    forbid deploy product x on c
    from 2024-02-01 - $gap until 2024-03-01 + $grace
  }
}
";
    let rules = Rules::from_text("hold.cov", text).unwrap_or_else(|f| panic!("{f}"));
    let engine = rules
        .engine(&Default::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let named = |day: &str| {
        let a = engine.ask(&format!("deploy x on c at {day}")).unwrap();
        let ids: Vec<String> = a.assumed.iter().map(|x| x.id.clone()).collect();
        (a.decision().unwrap(), ids)
    };
    assert_eq!(named("2024-01-20"), (Permitted, vec!["gap".to_string()]));
    assert_eq!(
        named("2024-01-22"),
        (Forbidden, vec!["gap".to_string(), "grace".to_string()])
    );
    assert_eq!(
        named("2024-03-10"),
        (Forbidden, vec!["gap".to_string(), "grace".to_string()])
    );
    assert_eq!(named("2024-03-15"), (Permitted, vec!["grace".to_string()]));
}
