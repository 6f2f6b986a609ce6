//! Derived events (language 0.2): an event that happens on the first matching record (`when
//! HAPPENING`), or the day after a deadline that passed without one (`when no HAPPENING by
//! DAY`), worked by hand at the edge days, with knowledge time and assumption values.

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

/// A patent licence that turns non-exclusive (here: an exclusivity that ends) when the licensee
/// misses its diligence deadline, and a royalty that starts on first sale.
fn deal(records: &str) -> String {
    format!(
        "party aurelia\nparty kestrel\nparty hoshi\ncloud eu_market\ncloud jp_market\nproduct kt101 by aurelia\n\
         assume diligence_day = 2031-12-31 \"the diligence deadline\"\n\
         event diligence_missed \"no launch of KT-101 by the deadline\" when no kestrel launches kt101 by $diligence_day\n\
         event first_sale when kestrel sells kt101\n\
         agreement patent {{\n  between aurelia and kestrel\n  signed 2026-01-01\n\
         exclusivity kestrel_only {{ deploy product kt101 only on eu_market until diligence_missed }}\n\
         revenue_share royalty {{ kestrel pays aurelia 5% of kestrel revenue from 2026-01-01 until first_sale }}\n}}\n{records}"
    )
}

fn engine(text: &str, set: &[&str], as_of: Option<&str>) -> Engine {
    let rules = Rules::from_text("deal.cov", text).unwrap_or_else(|f| panic!("{f}"));
    let options = rules
        .options(
            set.iter().copied(),
            as_of.and_then(covenant::time::parse_day),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    rules.engine(&options).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_missed_deadline_happens_the_day_after_it() {
    let e = engine(&deal(""), &[], None);
    // The exclusivity holds through the deadline, and ends the day after.
    assert_eq!(
        decision(&e, "deploy kt101 on jp_market at 2031-12-31"),
        Decision::Forbidden
    );
    assert_eq!(
        decision(&e, "deploy kt101 on jp_market at 2032-01-01"),
        Decision::Permitted
    );
    // The answer rests on the deadline's assumption.
    let answer = e
        .ask("deploy kt101 on jp_market at 2031-06-01")
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(
        answer.assumed.iter().any(|a| a.id == "diligence_day"),
        "{answer}"
    );
    // Another deadline moves the event with it.
    let later = engine(&deal(""), &["diligence_day=2032-06-30"], None);
    assert_eq!(
        decision(&later, "deploy kt101 on jp_market at 2032-06-30"),
        Decision::Forbidden
    );
    assert_eq!(
        decision(&later, "deploy kt101 on jp_market at 2032-07-01"),
        Decision::Permitted
    );
}

#[test]
fn a_launch_by_the_deadline_means_the_event_never_happens() {
    let on_time = engine(
        &deal("on 2031-12-31: kestrel launches kt101 on eu_market\n"),
        &[],
        None,
    );
    assert_eq!(
        decision(&on_time, "deploy kt101 on jp_market at 2040-01-01"),
        Decision::Forbidden
    );
    // A launch a day late does not stop it.
    let late = engine(
        &deal("on 2032-01-01: kestrel launches kt101 on eu_market\n"),
        &[],
        None,
    );
    assert_eq!(
        decision(&late, "deploy kt101 on jp_market at 2032-01-01"),
        Decision::Permitted
    );
}

#[test]
fn knowledge_time_does_not_know_a_deadline_not_yet_passed() {
    // As of the deadline itself, the event has not happened: the exclusivity has no end known.
    let as_of_deadline = engine(&deal(""), &[], Some("2031-12-31"));
    assert_eq!(
        decision(&as_of_deadline, "deploy kt101 on jp_market at 2035-01-01"),
        Decision::Forbidden
    );
    let day_after = engine(&deal(""), &[], Some("2032-01-01"));
    assert_eq!(
        decision(&day_after, "deploy kt101 on jp_market at 2035-01-01"),
        Decision::Permitted
    );
}

#[test]
fn an_event_that_happens_on_the_first_matching_record() {
    let e = engine(
        &deal("on 2027-03-01: kestrel sells kt101\non 2027-02-01: hoshi sells kt101\n"),
        &[],
        None,
    );
    // Only kestrel's sale matches; the royalty runs until it.
    assert_eq!(
        decision(&e, "pay kestrel to aurelia at 2027-02-28"),
        Decision::Due
    );
    assert_eq!(
        decision(&e, "pay kestrel to aurelia at 2027-03-01"),
        Decision::NotDue
    );
}

#[test]
fn derived_events_format_and_read_back() {
    let text = deal("");
    let once = covenant::fmt::format(&text).unwrap_or_else(|err| panic!("{err:?}"));
    assert!(
        once.contains("when no kestrel launches kt101 by $diligence_day"),
        "{once}"
    );
    assert!(
        once.contains("event first_sale when kestrel sells kt101"),
        "{once}"
    );
    assert_eq!(
        covenant::fmt::format(&once).ok().as_deref(),
        Some(once.as_str())
    );
}

#[test]
fn clauses_start_and_end_on_happenings_plus_a_duration() {
    let text = "party aurelia\nparty kestrel\ncloud eu_market\nproduct kt101 by aurelia\n\
        event diligence_missed when no kestrel launches kt101 by 2031-12-31\n\
        agreement patent {\n  between aurelia and kestrel\n  signed 2026-01-01\n\
        revenue_share royalty { kestrel pays aurelia 5% of kestrel revenue from kestrel sells kt101 + 30 days until diligence_missed + 90 days }\n}\n";
    let with = |records: &str| engine(&format!("{text}{records}"), &[], None);
    // No sale yet: the royalty never starts.
    let none = with("");
    assert_eq!(
        decision(&none, "pay kestrel to aurelia at 2030-01-01"),
        Decision::NotDue
    );
    // A first sale on 2027-03-01: due from 2027-03-31; the deadline passes on 2031-12-31, the
    // event happens 2032-01-01, and the royalty runs 90 days more, to 2032-03-31.
    let sold = with("on 2027-03-01: kestrel sells kt101\non 2028-01-01: kestrel sells kt101\n");
    for (day, want) in [
        ("2027-03-30", Decision::NotDue),
        ("2027-03-31", Decision::Due),
        ("2032-03-30", Decision::Due),
        ("2032-03-31", Decision::NotDue),
    ] {
        assert_eq!(
            decision(&sold, &format!("pay kestrel to aurelia at {day}")),
            want,
            "{day}"
        );
    }
    let once = covenant::fmt::format(text).unwrap_or_else(|err| panic!("{err:?}"));
    assert!(
        once.contains("from kestrel sells kt101 + 30 days"),
        "{once}"
    );
    assert!(once.contains("until diligence_missed + 90 days"), "{once}");
    assert_eq!(
        covenant::fmt::format(&once).ok().as_deref(),
        Some(once.as_str())
    );
}
