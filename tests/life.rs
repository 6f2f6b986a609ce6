//! Agreements that start, renew and end (language 0.2), worked by hand at the edge days: the
//! day before, of and after every notice deadline, renewal day, termination and survival end.

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

const HEAD: &str = "party nordlicht\nparty atlas\nparty other\ncloud atlas_store operated by atlas\ncloud other_cloud operated by other\nproduct ledgerly by nordlicht\n";

fn engine(text: &str, as_of: Option<&str>) -> Engine {
    let rules =
        Rules::from_text("deal.cov", &format!("{HEAD}{text}")).unwrap_or_else(|f| panic!("{f}"));
    let options = rules
        .options([], as_of.and_then(covenant::time::parse_day))
        .unwrap_or_else(|e| panic!("{e}"));
    rules.engine(&options).unwrap_or_else(|e| panic!("{e}"))
}

/// Asserts the agreement's decision on each day.
fn days(engine: &Engine, expect: &[(&str, Decision)]) {
    for (day, want) in expect {
        let q = format!("agreement reseller_eu at {day}");
        assert_eq!(decision(engine, &q), *want, "{q}");
    }
}

const RESELLER: &str = "agreement reseller_eu {
  between nordlicht and atlas
  signed 2026-01-15
  effective 2026-02-01
  term 3 years
  renews every 1 year unless notice 90 days
  terminable by nordlicht, atlas for convenience with notice 180 days
  revenue_share royalty { atlas pays nordlicht 30% of atlas revenue survives 60 days }
  exclusivity store_only { deploy product ledgerly only on atlas_store }
}
";

use Decision::{InForce, NotInForce};

#[test]
fn effective_day_and_open_renewals() {
    let e = engine(RESELLER, None);
    // Signed 2026-01-15, effective 2026-02-01: not in force in between.
    days(
        &e,
        &[
            ("2026-01-15", NotInForce),
            ("2026-01-31", NotInForce),
            ("2026-02-01", InForce),
            // No notice at all: it renews for ever.
            ("2029-02-01", InForce),
            ("2040-06-01", InForce),
        ],
    );
    // Its clauses start on the effective day too.
    assert_eq!(
        decision(&e, "pay atlas to nordlicht at 2026-01-31"),
        Decision::NotDue
    );
    assert_eq!(
        decision(&e, "pay atlas to nordlicht at 2026-02-01"),
        Decision::Due
    );
    // The when answer folds the renewals to come into one open window.
    let when = e
        .ask("agreement reseller_eu")
        .unwrap_or_else(|err| panic!("{err}"));
    let last = when
        .windows()
        .last()
        .unwrap_or_else(|| panic!("no windows"));
    assert_eq!(last.until, None);
    assert_eq!(last.verdict.decision, InForce);
    assert!(
        last.verdict.reasons[0]
            .detail
            .contains("every 1 year unless notice 90 days"),
        "{when}"
    );
}

#[test]
fn a_notice_on_the_deadline_stops_that_renewal_and_a_day_late_the_next() {
    // The first renewal day is 2029-02-01; 90 days before it is 2028-11-03.
    let on_time = format!("{RESELLER}on 2028-11-03: atlas declines renewal of reseller_eu\n");
    let e = engine(&on_time, None);
    days(&e, &[("2029-01-31", InForce), ("2029-02-01", NotInForce)]);
    let late = format!("{RESELLER}on 2028-11-04: atlas declines renewal of reseller_eu\n");
    let e = engine(&late, None);
    days(
        &e,
        &[
            ("2029-02-01", InForce),
            ("2030-01-31", InForce),
            ("2030-02-01", NotInForce),
        ],
    );
    let answer = e
        .ask("agreement reseller_eu at 2030-02-01")
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(
        answer.to_string().contains(
            "atlas gave notice of non-renewal on 2028-11-04, by the deadline 2029-11-03: ended on 2030-02-01"
        ),
        "{answer}"
    );
    // The renewal it passed is named with its deadline.
    let renewed = e
        .ask("agreement reseller_eu at 2029-06-01")
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(
        renewed
            .to_string()
            .contains("renewal 1, on 2029-02-01: no notice of non-renewal by 2028-11-03"),
        "{renewed}"
    );
}

#[test]
fn clauses_end_with_the_agreement_unless_they_survive() {
    let text = format!("{RESELLER}on 2028-11-03: nordlicht declines renewal of reseller_eu\n");
    let e = engine(&text, None);
    // The exclusivity ends with the agreement on 2029-02-01.
    assert_eq!(
        decision(&e, "deploy ledgerly on other_cloud at 2029-01-31"),
        Decision::Forbidden
    );
    assert_eq!(
        decision(&e, "deploy ledgerly on other_cloud at 2029-02-01"),
        Decision::Permitted
    );
    // The royalty survives 60 days: through 2029-04-01.
    assert_eq!(
        decision(&e, "pay atlas to nordlicht at 2029-04-01"),
        Decision::Due
    );
    assert_eq!(
        decision(&e, "pay atlas to nordlicht at 2029-04-02"),
        Decision::NotDue
    );
}

#[test]
fn a_termination_for_convenience_ends_after_its_notice() {
    let text = format!("{RESELLER}on 2027-06-01: nordlicht terminates reseller_eu\n");
    let e = engine(&text, None);
    // 2027-06-01 + 180 days = 2027-11-28.
    days(&e, &[("2027-11-27", InForce), ("2027-11-28", NotInForce)]);
    let answer = e
        .ask("agreement reseller_eu at 2028-01-01")
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(
        answer
            .to_string()
            .contains("nordlicht terminated it for convenience on 2027-06-01: ended on 2027-11-28"),
        "{answer}"
    );
    // A party without the right ends nothing.
    let text = format!("{RESELLER}on 2027-06-01: other terminates reseller_eu\n");
    let e = engine(&text, None);
    days(&e, &[("2028-06-01", InForce)]);
}

#[test]
fn knowledge_time_hides_notices_not_yet_given() {
    let text = format!("{RESELLER}on 2028-11-03: atlas declines renewal of reseller_eu\n");
    let before = engine(&text, Some("2028-11-02"));
    days(&before, &[("2029-02-01", InForce)]);
    let after = engine(&text, Some("2028-11-03"));
    days(&after, &[("2029-02-01", NotInForce)]);
    // Before it was signed, the agreement is not known at all.
    let unsigned = engine(&text, Some("2026-01-14"));
    days(&unsigned, &[("2027-01-01", NotInForce)]);
}

#[test]
fn month_end_renewals_never_drift() {
    let text = "agreement reseller_eu {
  between nordlicht and atlas
  signed 2024-01-31
  term 1 month
  renews every 1 month up to 3 times unless notice 0 days
}
";
    let e = engine(text, None);
    let answer = e
        .ask("agreement reseller_eu")
        .unwrap_or_else(|err| panic!("{err}"));
    let starts: Vec<String> = answer
        .windows()
        .iter()
        .filter_map(|w| w.from.map(|d| d.to_string()))
        .collect();
    // Effective 2024-01-31: renewals on 02-29, 03-31, 04-30 (each from the effective day, not
    // from the clamped day before), and after three renewals the agreement ends on 05-31.
    assert_eq!(
        starts,
        [
            "2024-01-31",
            "2024-02-29",
            "2024-03-31",
            "2024-04-30",
            "2024-05-31"
        ],
        "{answer}"
    );
    days(&e, &[("2024-05-30", InForce), ("2024-05-31", NotInForce)]);
}

#[test]
fn weeks_and_quarters_are_durations() {
    let text = "agreement reseller_eu {
  between nordlicht and atlas
  signed 2026-01-01
  term 1 quarter
  terminable by atlas for convenience with notice 2 weeks
}
on 2026-02-01: atlas terminates reseller_eu
";
    let e = engine(text, None);
    // The term would end 2026-04-01; the termination ends it on 2026-02-15 first.
    days(&e, &[("2026-02-14", InForce), ("2026-02-15", NotInForce)]);
    let no_termination = engine(
        "agreement reseller_eu {\n  between nordlicht and atlas\n  signed 2026-01-01\n  term 1 quarter\n}\n",
        None,
    );
    days(
        &no_termination,
        &[("2026-03-31", InForce), ("2026-04-01", NotInForce)],
    );
}

#[test]
fn a_0_1_agreement_is_in_force_from_its_signing_for_ever() {
    let e = engine(
        "agreement reseller_eu {\n  between nordlicht and atlas\n  signed 2026-01-15\n}\n",
        None,
    );
    days(
        &e,
        &[
            ("2026-01-14", NotInForce),
            ("2026-01-15", InForce),
            ("9999-12-31", InForce),
        ],
    );
}

#[test]
fn an_agreement_question_reads_back_and_renders_in_json() {
    let e = engine(RESELLER, None);
    let answer = e
        .ask("agreement reseller_eu at 2027-01-01")
        .unwrap_or_else(|err| panic!("{err}"));
    let json = answer.to_json();
    assert!(json.contains("\"decision\":\"in_force\""), "{json}");
    assert!(json.contains("\"effect\":\"term\""), "{json}");
    let back: covenant::Answer = serde_json::from_str(&json).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(back, answer);
    let err = e.ask("agreement resseller_eu").err().map(|x| x.to_string());
    assert_eq!(
        err.as_deref(),
        Some("column 11: unknown agreement `resseller_eu`; did you mean `reseller_eu`?")
    );
    assert!(e.ask("agreement reseller_eu at 2027-01-01 now").is_err());
}

// ----- random agreements against a literal reading --------------------------------------------

mod random {
    use chrono::{Days, Months, NaiveDate};
    use covenant::{Decision, Rules};
    use proptest::prelude::*;

    fn base() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, 31).unwrap_or_default()
    }

    fn day(n: u64) -> NaiveDate {
        base().checked_add_days(Days::new(n)).unwrap_or_default()
    }

    /// An agreement's life terms: months or days for the term and the renewal period alike.
    #[derive(Clone, Debug)]
    struct Deal {
        signed: u64,
        effective: Option<u64>,
        in_months: bool,
        term: u32,
        renew: Option<(u32, Option<u32>, u64)>,
        /// Who may terminate (bit 0: a, bit 1: b) and with what notice, in days.
        rights: Vec<(u8, u64)>,
        /// (party 0..3, day): notices of non-renewal; party 2 is not a party of the agreement.
        declines: Vec<(usize, u64)>,
        terminations: Vec<(usize, u64)>,
        as_of: Option<u64>,
    }

    fn deal() -> impl Strategy<Value = Deal> {
        (
            (
                0u64..40,
                proptest::option::of(0u64..80),
                any::<bool>(),
                1u32..8,
            ),
            proptest::option::of((1u32..5, proptest::option::of(1u32..4), 0u64..70)),
            proptest::collection::vec((1u8..4, 0u64..120), 0..3),
            proptest::collection::vec((0usize..3, 0u64..900), 0..3),
            proptest::collection::vec((0usize..3, 0u64..900), 0..2),
            proptest::option::of(0u64..900),
            proptest::option::of((0usize..2, 0u32..3, 0u64..3)),
        )
            .prop_map(
                |(
                    (signed, effective, in_months, term),
                    renew,
                    rights,
                    mut declines,
                    terminations,
                    as_of,
                    edge,
                )| {
                    let effective = effective.map(|e| e.max(signed));
                    // A notice on, or a day either side of, a renewal deadline: where a wrong
                    // reading of "on or before" shows.
                    if let (Some((party, k, offset)), Some((every, _, notice))) = (edge, renew) {
                        let start = day(effective.unwrap_or(signed));
                        let units = term + k * every;
                        let e = if in_months {
                            start.checked_add_months(Months::new(units))
                        } else {
                            start.checked_add_days(Days::new(u64::from(units) * 30))
                        };
                        let deadline = e.and_then(|e| e.checked_sub_days(Days::new(notice)));
                        if let Some(dl) = deadline {
                            let n = (dl - base()).num_days() + offset as i64 - 1;
                            if let Ok(n) = u64::try_from(n) {
                                declines.push((party, n));
                            }
                        }
                    }
                    Deal {
                        signed,
                        effective,
                        in_months,
                        term,
                        renew,
                        rights,
                        declines,
                        terminations,
                        as_of,
                    }
                },
            )
    }

    const PARTIES: [&str; 3] = ["a", "b", "c"];

    fn render(d: &Deal) -> String {
        let unit = if d.in_months { "months" } else { "days" };
        let scale = |n: u32| if d.in_months { n } else { n * 30 };
        let mut t = format!(
            "party a\nparty b\nparty c\nagreement g {{\n  between a and b\n  signed {}\n",
            day(d.signed)
        );
        if let Some(e) = d.effective {
            t.push_str(&format!("  effective {}\n", day(e)));
        }
        t.push_str(&format!("  term {} {unit}\n", scale(d.term)));
        if let Some((every, times, notice)) = d.renew {
            let times = times
                .map(|n| format!(" up to {n} times"))
                .unwrap_or_default();
            t.push_str(&format!(
                "  renews every {} {unit}{times} unless notice {notice} days\n",
                scale(every)
            ));
        }
        for (who, notice) in &d.rights {
            let names: Vec<&str> = [(1u8, "a"), (2, "b")]
                .iter()
                .filter(|(bit, _)| who & bit != 0)
                .map(|(_, n)| *n)
                .collect();
            t.push_str(&format!(
                "  terminable by {} for convenience with notice {notice} days\n",
                names.join(", ")
            ));
        }
        t.push_str("}\n");
        for (p, n) in &d.declines {
            t.push_str(&format!(
                "on {}: {} declines renewal of g\n",
                day(*n),
                PARTIES[*p]
            ));
        }
        for (p, n) in &d.terminations {
            t.push_str(&format!("on {}: {} terminates g\n", day(*n), PARTIES[*p]));
        }
        t
    }

    /// The page read literally: the agreement is in force from its effective day until the
    /// first of: a renewal day (the initial term's end, then every period after it, counted
    /// from the effective day) that a notice by one of its parties, dated on or before that day
    /// less the notice, stops; the renewal day after the last renewal written; the term's end
    /// when it does not renew; a termination's day plus the notice of a right its party holds.
    fn in_force(d: &Deal, on: NaiveDate) -> bool {
        let known = |n: u64| d.as_of.is_none_or(|k| n <= k);
        if !known(d.signed) {
            return false;
        }
        let start = day(d.effective.unwrap_or(d.signed));
        if on < start {
            return false;
        }
        let add = |units: u32| -> Option<NaiveDate> {
            if d.in_months {
                start.checked_add_months(Months::new(units))
            } else {
                start.checked_add_days(Days::new(u64::from(units) * 30))
            }
        };
        let mut end: Option<NaiveDate> = None;
        let mut earliest = |x: Option<NaiveDate>| {
            if let Some(x) = x {
                end = Some(end.map_or(x, |e: NaiveDate| e.min(x)));
            }
        };
        match d.renew {
            None => earliest(add(d.term)),
            Some((every, times, notice)) => {
                let declines: Vec<NaiveDate> = d
                    .declines
                    .iter()
                    .filter(|(p, n)| *p < 2 && known(*n))
                    .map(|(_, n)| day(*n))
                    .collect();
                let mut k = 0u32;
                while let Some(e) = add(d.term + k * every) {
                    if times.is_some_and(|t| k >= t) {
                        earliest(Some(e));
                        break;
                    }
                    let deadline = e.checked_sub_days(Days::new(notice));
                    if declines.iter().any(|n| deadline.is_some_and(|dl| *n <= dl)) {
                        earliest(Some(e));
                        break;
                    }
                    if e > on {
                        break; // later renewals cannot end it before `on`
                    }
                    k += 1;
                }
            }
        }
        for (p, n) in &d.terminations {
            if !known(*n) {
                continue;
            }
            for (who, notice) in &d.rights {
                let holds = (*p == 0 && who & 1 != 0) || (*p == 1 && who & 2 != 0);
                if holds {
                    earliest(day(*n).checked_add_days(Days::new(*notice)));
                }
            }
        }
        end.is_none_or(|e| on < e)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        #[test]
        fn agreement_answers_agree_with_the_literal_reading(d in deal()) {
            let text = render(&d);
            let rules = Rules::from_text("g.cov", &text).map_err(|f| TestCaseError::fail(format!("{f}\n{text}")))?;
            let options = rules
                .options([], d.as_of.map(day))
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let engine = rules.engine(&options).map_err(|e| TestCaseError::fail(e.to_string()))?;
            // Every day around the life, then one day in a later year.
            for n in (0..1100u64).chain([4000]) {
                let on = day(n);
                let answer = engine
                    .ask(&format!("agreement g at {on}"))
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                let want = if in_force(&d, on) { Decision::InForce } else { Decision::NotInForce };
                prop_assert_eq!(answer.decision(), Some(want), "on {}\n{}\n{}", on, text, answer);
            }
        }
    }
}

// ----- who acts: `deploy P on C by PARTY` ------------------------------------------------------

const RESALE: &str = "agreement reseller_eu {
  between nordlicht and atlas
  signed 2026-01-15
  effective 2026-02-01
  terminable by nordlicht for convenience with notice 180 days
  licence resale { nordlicht grants atlas non-exclusive deploy of product ledgerly }
}
on 2027-06-01: nordlicht terminates reseller_eu
";

#[test]
fn a_reseller_may_deploy_only_while_its_licence_is_in_force() {
    let e = engine(RESALE, None);
    let ask = |d: &str| {
        decision(
            &e,
            &format!("deploy ledgerly on atlas_store by atlas at {d}"),
        )
    };
    assert_eq!(ask("2026-01-31"), Decision::Forbidden); // not yet effective
    assert_eq!(ask("2026-02-01"), Decision::Permitted);
    // Terminated on 2027-06-01 with 180 days' notice: the licence ends 2027-11-28.
    assert_eq!(ask("2027-11-27"), Decision::Permitted);
    assert_eq!(ask("2027-11-28"), Decision::Forbidden);
    // Another party never had a licence; the owner needs none (the 0.1 question).
    assert_eq!(
        decision(&e, "deploy ledgerly on atlas_store by other at 2026-06-01"),
        Decision::Forbidden
    );
    assert_eq!(
        decision(
            &e,
            "deploy ledgerly on atlas_store by nordlicht at 2030-01-01"
        ),
        Decision::Permitted
    );
    // The deploy right includes use.
    assert_eq!(
        decision(&e, "use ledgerly by atlas at 2026-06-01"),
        Decision::Permitted
    );
    let answer = e
        .ask("deploy ledgerly on atlas_store by atlas at 2026-06-01")
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(
        answer.to_json().contains("\"effect\":\"grant\""),
        "{answer}"
    );
    assert!(
        answer
            .to_string()
            .contains("nordlicht grants atlas non-exclusive deploy of product ledgerly"),
        "{answer}"
    );
}

#[test]
fn a_forbid_wins_over_a_grant() {
    let text = RESALE.replace(
        "  licence resale",
        "  exclusivity elsewhere { deploy product ledgerly only on other_cloud }\n  licence resale",
    );
    let e = engine(&text, None);
    assert_eq!(
        decision(&e, "deploy ledgerly on atlas_store by atlas at 2026-06-01"),
        Decision::Forbidden
    );
    assert_eq!(
        decision(&e, "deploy ledgerly on other_cloud by atlas at 2026-06-01"),
        Decision::Permitted
    );
}

#[test]
fn questions_name_who_acts_and_say_when_they_cannot() {
    let e = engine(RESALE, None);
    let err = e
        .ask("deploy ledgerly on atlas_store by atlass at 2026-06-01")
        .err()
        .map(|x| x.to_string());
    assert_eq!(
        err.as_deref(),
        Some("column 35: unknown party `atlass`; did you mean `atlas`?")
    );
    assert!(e
        .ask("deploy ledgerly on atlas_store by atlas at 2026-06-01 now")
        .is_err());
    // Formatting keeps the rights as written.
    let text = format!("{HEAD}{RESALE}");
    let once = covenant::fmt::format(&text).unwrap_or_else(|err| panic!("{err:?}"));
    assert!(
        once.contains("nordlicht grants atlas non-exclusive deploy of product ledgerly"),
        "{once}"
    );
    assert_eq!(
        covenant::fmt::format(&once).ok().as_deref(),
        Some(once.as_str())
    );
}

#[test]
fn channels_are_places_like_clouds() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/valid/channels.cov");
    let rules = Rules::load([&path]).unwrap_or_else(|e| panic!("{e}"));
    let e = rules
        .engine(&covenant::Options::default())
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(
        decision(&e, "deploy widget on store at 2026-02-01"),
        Decision::Permitted
    );
    assert_eq!(
        decision(&e, "deploy widget on marketplace at 2026-02-01"),
        Decision::Forbidden
    );
    let answer = e
        .ask("deploy widget on store at 2026-02-01")
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(
        answer.to_string().contains("(store is cloud webshop)"),
        "{answer}"
    );
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let once = covenant::fmt::format(&text).unwrap_or_else(|err| panic!("{err:?}"));
    assert!(
        once.contains("channel webshop \"Acme's web store\" alias store\n"),
        "{once}"
    );
    assert!(once.contains("cloud plain_cloud\n"), "{once}");
}

// ----- regressions from a review of the 0.2 work ------------------------------------------------

#[test]
fn a_renewal_period_of_no_time_is_refused_and_never_loops() {
    let text = format!(
        "{HEAD}agreement reseller_eu {{\n  between nordlicht and atlas\n  signed 2026-01-01\n  term 1 year\n  renews every 0 days unless notice 0 days\n}}\non 2028-01-01: atlas declines renewal of reseller_eu\n"
    );
    let err = Rules::from_text("deal.cov", &text)
        .err()
        .map(|f| f.to_string())
        .unwrap_or_default();
    assert!(err.contains("error[bad-period]"), "{err}");
    // Set for a run through an assumption, a period of no time reads as no renewal.
    let text = format!(
        "{HEAD}assume every = 1 year\nagreement reseller_eu {{\n  between nordlicht and atlas\n  signed 2026-01-01\n  term 1 year\n  renews every $every unless notice 0 days\n}}\non 2028-01-01: atlas terminates reseller_eu\n"
    );
    let rules = Rules::from_text("deal.cov", &text).unwrap_or_else(|f| panic!("{f}"));
    let options = rules
        .options(["every=0 days"], None)
        .unwrap_or_else(|e| panic!("{e}"));
    let e = rules.engine(&options).unwrap_or_else(|err| panic!("{err}"));
    days(&e, &[("2026-12-31", InForce), ("2027-01-01", NotInForce)]);
}

#[test]
fn daily_renewals_to_a_far_record_stay_small() {
    let text = format!(
        "{HEAD}agreement reseller_eu {{\n  between nordlicht and atlas\n  signed 2026-01-01\n  term 1 day\n  renews every 1 day unless notice 0 days\n  terminable by atlas for convenience with notice 0 days\n}}\non 9999-01-01: atlas terminates reseller_eu\n"
    );
    let e = engine(&text[HEAD.len()..], None);
    let start = std::time::Instant::now();
    let answer = e
        .ask("agreement reseller_eu")
        .unwrap_or_else(|err| panic!("{err}"));
    // Renewals are drawn one by one only so far; the rest are one window.
    assert!(answer.windows().len() < 300, "{}", answer.windows().len());
    assert!(start.elapsed() < std::time::Duration::from_secs(2));
    days(&e, &[("9998-12-31", InForce), ("9999-01-01", NotInForce)]);
}

#[test]
fn by_belongs_to_deploy_and_launch_only() {
    let e = engine(RESALE, None);
    for q in [
        "use ledgerly by atlas by other at 2026-06-01",
        "license ledgerly to atlas by other at 2026-06-01",
        "pay atlas to nordlicht by other at 2026-06-01",
    ] {
        assert!(e.ask(q).is_err(), "{q} should be refused");
    }
}

#[test]
fn only_the_owner_grants_the_deploy_right() {
    let text = "agreement reseller_eu {
  between nordlicht and atlas
  signed 2026-01-01
  licence onward { atlas grants other deploy of product ledgerly }
}
";
    let e = engine(text, None);
    assert_eq!(
        decision(&e, "deploy ledgerly on other_cloud by other at 2026-06-01"),
        Decision::Forbidden
    );
}

#[test]
fn with_an_effective_day_no_clause_is_in_force_before_it() {
    let text = "agreement reseller_eu {
  between nordlicht and atlas
  signed 2026-01-15
  effective 2026-02-01
  revenue_share early { atlas pays nordlicht 10% of atlas revenue from 2025-06-01 }
}
";
    let e = engine(text, None);
    assert_eq!(
        decision(&e, "pay atlas to nordlicht at 2026-01-31"),
        Decision::NotDue
    );
    assert_eq!(
        decision(&e, "pay atlas to nordlicht at 2026-02-01"),
        Decision::Due
    );
}

// ----- termination on a happening, and happenings with `to` and `in` ------------------------

#[test]
fn a_right_to_terminate_on_a_change_of_control_arises_once_it_is_recorded() {
    let text = |termination: &str| {
        format!(
            "agreement reseller_eu {{
  between nordlicht and atlas
  signed 2026-01-01
  terminable by nordlicht on atlas undergoes change_of_control with notice 30 days
}}
on 2028-03-01: atlas undergoes change_of_control
on {termination}: nordlicht terminates reseller_eu
"
        )
    };
    let e = engine(&text("2028-04-01"), None);
    days(&e, &[("2028-04-30", InForce), ("2028-05-01", NotInForce)]);
    // Before the change of control, the right has not arisen: the termination ends nothing.
    let early = engine(&text("2028-02-01"), None);
    days(&early, &[("2030-01-01", InForce)]);
    // As of a day before the change of control, it is not known either.
    let as_of = engine(&text("2028-04-01"), Some("2028-02-15"));
    days(&as_of, &[("2028-06-01", InForce)]);
    let once = covenant::fmt::format(&format!("{HEAD}{}", text("2028-04-01")))
        .unwrap_or_else(|err| panic!("{err:?}"));
    assert!(
        once.contains(
            "terminable by nordlicht on atlas undergoes change_of_control with notice 30 days"
        ),
        "{once}"
    );
}

#[test]
fn a_pattern_in_a_territory_matches_records_in_places_within_it() {
    let text = |place: &str| {
        format!(
            "territory eu
territory fr within eu
territory ch
event eu_launch when atlas launches ledgerly on atlas_store in eu
agreement reseller_eu {{
  between nordlicht and atlas
  signed 2026-01-01
  exclusivity store_only {{ deploy product ledgerly only on atlas_store until eu_launch }}
}}
on 2027-01-01: atlas launches ledgerly on atlas_store in {place}
on 2027-01-01: atlas offers ledgerly to nordlicht
"
        )
    };
    let ask = |place: &str| {
        decision(
            &engine(&text(place), None),
            "deploy ledgerly on other_cloud at 2027-06-01",
        )
    };
    assert_eq!(ask("fr"), Decision::Permitted); // France lies in the EU: the event happened
    assert_eq!(ask("ch"), Decision::Forbidden); // Switzerland does not
}

#[test]
fn a_selector_may_leave_products_out() {
    let text = "product tools by nordlicht
agreement reseller_eu {
  between nordlicht and atlas
  signed 2026-01-01
  exclusivity store_only { deploy products by nordlicht except product tools only on atlas_store }
}
";
    let e = engine(text, None);
    assert_eq!(
        decision(&e, "deploy ledgerly on other_cloud at 2026-06-01"),
        Decision::Forbidden
    );
    assert_eq!(
        decision(&e, "deploy tools on other_cloud at 2026-06-01"),
        Decision::Permitted
    );
    let answer = e
        .ask("deploy ledgerly on other_cloud at 2026-06-01")
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(
        answer
            .to_string()
            .contains("products by nordlicht except product tools"),
        "{answer}"
    );
    let once =
        covenant::fmt::format(&format!("{HEAD}{text}")).unwrap_or_else(|err| panic!("{err:?}"));
    assert!(
        once.contains("deploy products by nordlicht except product tools only on atlas_store"),
        "{once}"
    );
}

#[test]
fn a_rule_done_by_some_parties_speaks_only_of_their_acts() {
    let text = "agreement reseller_eu {
  between nordlicht and atlas
  signed 2026-01-01
  licence resale { nordlicht grants atlas deploy of product ledgerly }
  licence other_resale { nordlicht grants other deploy of product ledgerly }
  rule not_atlas_elsewhere { forbid deploy product ledgerly on other_cloud done by atlas }
}
";
    let e = engine(text, None);
    assert_eq!(
        decision(&e, "deploy ledgerly on other_cloud by atlas at 2026-06-01"),
        Decision::Forbidden
    );
    assert_eq!(
        decision(&e, "deploy ledgerly on other_cloud by other at 2026-06-01"),
        Decision::Permitted
    );
    // The owner is not atlas: the rule does not speak of the owner's own deployment.
    assert_eq!(
        decision(&e, "deploy ledgerly on other_cloud at 2026-06-01"),
        Decision::Permitted
    );
    let answer = e
        .ask("deploy ledgerly on other_cloud by atlas at 2026-06-01")
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(answer.to_string().contains("done by atlas"), "{answer}");
    let bad = Rules::from_text(
        "bad.cov",
        &format!("{HEAD}agreement g {{\n  between nordlicht and atlas\n  signed 2026-01-01\n  licence l {{ nordlicht grants atlas use of product ledgerly done by atlas }}\n}}\n"),
    );
    let msg = bad.err().map(|f| f.to_string()).unwrap_or_default();
    assert!(msg.contains("only a rule says who acts"), "{msg}");
    let once =
        covenant::fmt::format(&format!("{HEAD}{text}")).unwrap_or_else(|err| panic!("{err:?}"));
    assert!(once.contains("    done by atlas\n"), "{once}");
}

#[test]
fn a_rule_on_any_channel_except_some() {
    let text = "agreement reseller_eu {
  between nordlicht and atlas
  signed 2026-01-01
  rule store_only { forbid deploy product ledgerly on any channel except atlas_store }
}
";
    let e = engine(text, None);
    assert_eq!(
        decision(&e, "deploy ledgerly on other_cloud at 2026-06-01"),
        Decision::Forbidden
    );
    assert_eq!(
        decision(&e, "deploy ledgerly on atlas_store at 2026-06-01"),
        Decision::Permitted
    );
    let once =
        covenant::fmt::format(&format!("{HEAD}{text}")).unwrap_or_else(|err| panic!("{err:?}"));
    assert!(
        once.contains("forbid deploy product ledgerly on any channel except atlas_store"),
        "{once}"
    );
    // A 0.1 cloud called `any` still reads as a cloud.
    let old = engine(
        "cloud any operated by atlas\nagreement reseller_eu {\n  between nordlicht and atlas\n  signed 2026-01-01\n  rule r { forbid deploy product ledgerly on any }\n}\n",
        None,
    );
    assert_eq!(
        decision(&old, "deploy ledgerly on any at 2026-06-01"),
        Decision::Forbidden
    );
    assert_eq!(
        decision(&old, "deploy ledgerly on atlas_store at 2026-06-01"),
        Decision::Permitted
    );
}

#[test]
fn affiliates_are_reached_only_with_affiliates() {
    let text = "party atlas_be affiliate of atlas
party atlas_lux affiliate of atlas_be
agreement reseller_eu {
  between nordlicht and atlas
  signed 2026-01-01
  licence group { nordlicht grants atlas with affiliates deploy of product ledgerly }
}
";
    let e = engine(text, None);
    for (who, want) in [
        ("atlas", Decision::Permitted),
        ("atlas_be", Decision::Permitted),
        ("atlas_lux", Decision::Permitted), // an affiliate's affiliate
        ("other", Decision::Forbidden),
    ] {
        let q = format!("deploy ledgerly on atlas_store by {who} at 2026-06-01");
        assert_eq!(decision(&e, &q), want, "{q}");
    }
    let alone = engine(&text.replace(" with affiliates", ""), None);
    assert_eq!(
        decision(
            &alone,
            "deploy ledgerly on atlas_store by atlas_be at 2026-06-01"
        ),
        Decision::Forbidden
    );
    let once =
        covenant::fmt::format(&format!("{HEAD}{text}")).unwrap_or_else(|err| panic!("{err:?}"));
    assert!(
        once.contains("party atlas_lux affiliate of atlas_be\n"),
        "{once}"
    );
    assert!(
        once.contains(
            "nordlicht grants atlas with affiliates non-exclusive deploy of product ledgerly"
        ) || once.contains("nordlicht grants atlas with affiliates deploy of product ledgerly"),
        "{once}"
    );
}

#[test]
fn an_exclusivity_only_by_some_parties() {
    let text = "party atlas_be affiliate of atlas
agreement reseller_eu {
  between nordlicht and atlas
  signed 2026-01-01
  licence resale { nordlicht grants atlas with affiliates deploy of product ledgerly }
  licence other_resale { nordlicht grants other deploy of product ledgerly }
  exclusivity atlas_alone { deploy product ledgerly only by atlas }
}
";
    let e = engine(text, None);
    for (who, want) in [
        (" by atlas", Decision::Permitted),
        (" by other", Decision::Forbidden), // licensed, but the exclusivity is atlas's
        (" by atlas_be", Decision::Forbidden), // affiliates only `with affiliates`
        ("", Decision::Forbidden),          // not even the owner
    ] {
        let q = format!("deploy ledgerly on other_cloud{who} at 2026-06-01");
        assert_eq!(decision(&e, &q), want, "{q}");
    }
    let group = engine(
        &text.replace("only by atlas }", "only by atlas with affiliates }"),
        None,
    );
    assert_eq!(
        decision(
            &group,
            "deploy ledgerly on other_cloud by atlas_be at 2026-06-01"
        ),
        Decision::Permitted
    );
    // Both `only`s together: by atlas, and on its store.
    let both = engine(
        &text.replace("only by atlas }", "only on atlas_store only by atlas }"),
        None,
    );
    assert_eq!(
        decision(
            &both,
            "deploy ledgerly on other_cloud by atlas at 2026-06-01"
        ),
        Decision::Forbidden
    );
    assert_eq!(
        decision(
            &both,
            "deploy ledgerly on atlas_store by atlas at 2026-06-01"
        ),
        Decision::Permitted
    );
    let once =
        covenant::fmt::format(&format!("{HEAD}{text}")).unwrap_or_else(|err| panic!("{err:?}"));
    assert!(
        once.contains("deploy product ledgerly only by atlas\n"),
        "{once}"
    );
}

#[test]
fn a_right_of_first_offer_holds_until_the_offer_lapses() {
    let text = |records: &str| {
        format!(
            "agreement reseller_eu {{
  between nordlicht and atlas
  signed 2026-01-01
  first_offer atlas_first {{ product ledgerly offered first to atlas unless atlas declines within 30 days }}
}}
{records}"
        )
    };
    let ask = |e: &Engine, who: &str, day: &str| {
        decision(e, &format!("license ledgerly to {who} at {day}"))
    };
    // Never offered: nobody else may be licensed; the holder may.
    let e = engine(&text(""), None);
    assert_eq!(ask(&e, "other", "2027-01-01"), Decision::Forbidden);
    assert_eq!(ask(&e, "atlas", "2027-01-01"), Decision::Permitted);
    // Offered on 2026-03-01: the offer stays open 30 days, lapsing on 2026-03-31.
    let e = engine(
        &text("on 2026-03-01: nordlicht offers ledgerly to atlas\n"),
        None,
    );
    assert_eq!(ask(&e, "other", "2026-03-30"), Decision::Forbidden);
    assert_eq!(ask(&e, "other", "2026-03-31"), Decision::Permitted);
    let answer = e
        .ask("license ledgerly to other at 2026-03-15")
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(
        answer
            .to_string()
            .contains("offered to atlas on 2026-03-01, the offer still open"),
        "{answer}"
    );
    // Declined on 2026-03-10: free at once.
    let e = engine(
        &text("on 2026-03-01: nordlicht offers ledgerly to atlas\non 2026-03-10: atlas declines ledgerly\n"),
        None,
    );
    assert_eq!(ask(&e, "other", "2026-03-10"), Decision::Permitted);
    // An offer to someone else is no offer to the holder.
    let e = engine(
        &text("on 2026-03-01: nordlicht offers ledgerly to other\n"),
        None,
    );
    assert_eq!(ask(&e, "other", "2026-06-01"), Decision::Forbidden);
    let once = covenant::fmt::format(&format!("{HEAD}{}", text("")))
        .unwrap_or_else(|err| panic!("{err:?}"));
    assert!(
        once.contains(
            "product ledgerly offered first to atlas unless atlas declines within 30 days"
        ),
        "{once}"
    );
}

#[test]
fn rules_may_forbid_use_and_licensing() {
    let text = "agreement reseller_eu {
  between nordlicht and atlas
  signed 2026-01-01
  licence resale { nordlicht grants atlas deploy of product ledgerly }
  licence other_use { nordlicht grants other use of product ledgerly }
  rule no_use_by_other { forbid use product ledgerly done by other from 2027-01-01 }
  rule no_licensing { forbid license product ledgerly until 2026-07-01 }
}
";
    let e = engine(text, None);
    // A forbid wins over the licence to use.
    assert_eq!(
        decision(&e, "use ledgerly by other at 2026-12-31"),
        Decision::Permitted
    );
    assert_eq!(
        decision(&e, "use ledgerly by other at 2027-01-01"),
        Decision::Forbidden
    );
    // `done by other` does not speak of atlas.
    assert_eq!(
        decision(&e, "use ledgerly by atlas at 2027-01-01"),
        Decision::Permitted
    );
    // Licensing is forbidden until July.
    assert_eq!(
        decision(&e, "license ledgerly to other at 2026-06-30"),
        Decision::Forbidden
    );
    assert_eq!(
        decision(&e, "license ledgerly to other at 2026-07-01"),
        Decision::Permitted
    );
    // A launch question is not a use question.
    assert_eq!(
        decision(&e, "launch ledgerly on atlas_store at 2027-06-01"),
        Decision::Permitted
    );
    let once =
        covenant::fmt::format(&format!("{HEAD}{text}")).unwrap_or_else(|err| panic!("{err:?}"));
    assert!(once.contains("forbid use product ledgerly\n"), "{once}");
    assert!(once.contains("forbid license product ledgerly\n"), "{once}");
}

// ----- amendments of the term and conditional amendments (0.2) ---------------------------

const TERM3: &str = "agreement reseller_eu {
  between nordlicht and atlas
  signed 2026-01-15
  effective 2026-02-01
  term 3 years
  licence resale { nordlicht grants atlas exclusive deploy of product ledgerly }
}
";

#[test]
fn an_amended_term_runs_from_the_effective_day() {
    let text = format!(
        "{TERM3}amendment extension amends reseller_eu {{ signed 2027-05-01 amend term {{ term 5 years }} }}\n"
    );
    let e = engine(&text, None);
    days(
        &e,
        &[
            ("2029-02-01", InForce),
            ("2031-01-31", InForce),
            ("2031-02-01", NotInForce),
        ],
    );
    // Known as of the day before its signing, the term is the old one.
    let before = engine(&text, Some("2027-04-30"));
    days(
        &before,
        &[("2029-01-31", InForce), ("2029-02-01", NotInForce)],
    );
    // The licence lives with the agreement.
    assert_eq!(
        decision(&e, "license ledgerly to other at 2030-06-01"),
        Decision::Forbidden
    );
    let a = e.ask("agreement reseller_eu at 2030-01-01").unwrap();
    assert!(
        a.to_string()
            .contains("term as amended by `extension` from 2027-05-01: a term of 5 years"),
        "{a}"
    );
}

#[test]
fn an_amendment_after_the_end_changes_nothing() {
    let text = format!(
        "{TERM3}amendment late amends reseller_eu {{ signed 2029-06-01 amend term {{ term 5 years }} }}\n"
    );
    let e = engine(&text, None);
    days(
        &e,
        &[
            ("2029-01-31", InForce),
            ("2029-02-01", NotInForce),
            ("2030-01-01", NotInForce),
        ],
    );
}

#[test]
fn a_term_cut_short_ends_on_the_amendments_day() {
    let text = format!(
        "{}amendment cut amends reseller_eu {{ signed 2028-06-01 amend term {{ term 2 years }} }}\n",
        TERM3.replace("term 3 years", "term 5 years")
    );
    let e = engine(&text, None);
    // Two years from 2026-02-01 ran out on 2028-02-01, before the amendment: it ends on its day.
    days(&e, &[("2028-05-31", InForce), ("2028-06-01", NotInForce)]);
}

#[test]
fn end_renewal_stops_the_renewals_after_it() {
    let text = format!(
        "{RESELLER}amendment no_more amends reseller_eu {{ signed 2029-06-01 end renewal }}\n"
    );
    let e = engine(&text, None);
    // Renewed on 2029-02-01 (before the amendment), not on 2030-02-01.
    days(
        &e,
        &[
            ("2029-02-01", InForce),
            ("2030-01-31", InForce),
            ("2030-02-01", NotInForce),
        ],
    );
}

#[test]
fn an_amended_renewal_moves_the_renewal_days_and_deadlines() {
    // Renewals every 2 years with 30 days' notice from 2028-01-01: renewal days 2029-02-01,
    // 2031-02-01 (the term plus k periods); a notice on 2031-01-02 is in time for 2031-02-01
    // (deadline 2031-01-02), one on 2031-01-03 is not.
    let amend = "amendment longer amends reseller_eu { signed 2028-01-01 amend term { renews every 2 years unless notice 30 days } }\n";
    let in_time = engine(
        &format!("{RESELLER}{amend}on 2031-01-02: atlas declines renewal of reseller_eu\n"),
        None,
    );
    days(
        &in_time,
        &[
            ("2030-02-01", InForce),
            ("2031-01-31", InForce),
            ("2031-02-01", NotInForce),
        ],
    );
    let late = engine(
        &format!("{RESELLER}{amend}on 2031-01-03: atlas declines renewal of reseller_eu\n"),
        None,
    );
    days(
        &late,
        &[
            ("2031-02-01", InForce),
            ("2033-01-31", InForce),
            ("2033-02-01", NotInForce),
        ],
    );
}

#[test]
fn a_conditional_amendment_applies_once_its_happening_is_known() {
    let amend = "amendment coc amends reseller_eu { signed 2026-01-15 effective on atlas undergoes change_of_control + 30 days amend resale { non-exclusive } }\n";
    let text = format!("{TERM3}{amend}on 2028-03-01: atlas undergoes change_of_control\n");
    let e = engine(&text, None);
    let q = |d: &str| format!("license ledgerly to other at {d}");
    assert_eq!(decision(&e, &q("2028-03-30")), Decision::Forbidden);
    assert_eq!(decision(&e, &q("2028-03-31")), Decision::Permitted);
    // Not yet known: the licence stays exclusive.
    let before = engine(&text, Some("2028-02-28"));
    assert_eq!(decision(&before, &q("2028-06-01")), Decision::Forbidden);
    // Never recorded: it never applies.
    let never = engine(&format!("{TERM3}{amend}"), None);
    assert_eq!(decision(&never, &q("2028-06-01")), Decision::Forbidden);
}
