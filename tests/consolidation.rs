//! Consolidation against an oracle written apart from it.
//!
//! Random agreements (exclusivities, rules, revenue shares; days written or taken from `$`
//! assumptions; ends that are days or an event) are amended at random (end, amend `from`,
//! `until`, `through`, `rate`, strike the event, add a clause), read with random assumption
//! values and knowledge times. For every clause and every day, the oracle reads the language
//! page literally: the agreement as amended by exactly the amendments effective on or before
//! the day (and known at the knowledge time), the clause in force when it exists, is not ended,
//! and its window holds the day. The engine's consolidated versions must say the same, and a
//! `pay` question must be `due` exactly on the days a revenue share is in force, at the rate
//! the oracle reads.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use chrono::{Days, NaiveDate};
use covenant::{Decision, Rules};
use proptest::prelude::*;

const SPAN: u64 = 50;

fn day(n: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 1, 1)
        .and_then(|d| d.checked_add_days(Days::new(n)))
        .unwrap_or_default()
}

/// A day written in a clause: a literal, or the assumption `$s`.
#[derive(Clone, Copy, Debug)]
enum When {
    Lit(u64),
    Assumed,
}

#[derive(Clone, Debug)]
struct Clause {
    kind: usize,
    from: Option<When>,
    until: Option<u64>,
    or_event: bool,
    rate: u32,
}

#[derive(Clone, Debug)]
enum Change {
    End(usize),
    From(usize, u64),
    Until(usize, u64),
    Through(usize, u64),
    Rate(usize, u32),
    Strike,
    Add(u64),
}

#[derive(Clone, Debug)]
struct Amendment {
    signed: u64,
    change: Change,
}

#[derive(Clone, Debug)]
struct Case {
    clauses: Vec<Clause>,
    amendments: Vec<Amendment>,
    /// Days the event `ev` is recorded.
    events: Vec<u64>,
    /// The assumption `s`: its written day, and the day set for the run, if any.
    s: u64,
    s_set: Option<u64>,
    as_of: Option<u64>,
}

fn case() -> impl Strategy<Value = Case> {
    let d = 0..SPAN;
    let when = prop_oneof![d.clone().prop_map(When::Lit), Just(When::Assumed)];
    let clause = (
        0usize..3,
        proptest::option::of(when),
        proptest::option::of(d.clone()),
        any::<bool>(),
        1u32..30,
    )
        .prop_map(|(kind, from, until, or_event, rate)| Clause {
            kind,
            from,
            until,
            or_event,
            rate,
        });
    let change = (0usize..7, 0usize..2, d.clone(), 1u32..30).prop_map(|(k, t, n, r)| match k {
        0 => Change::End(t),
        1 => Change::From(t, n),
        2 => Change::Until(t, n),
        3 => Change::Through(t, n),
        4 => Change::Rate(t, r),
        5 => Change::Strike,
        _ => Change::Add(n),
    });
    let amendment = (d.clone(), change).prop_map(|(signed, change)| Amendment { signed, change });
    (
        proptest::collection::vec(clause, 1..5),
        proptest::collection::vec(amendment, 0..5),
        proptest::collection::vec(d.clone(), 0..3),
        d.clone(),
        proptest::option::of(d.clone()),
        proptest::option::of(d),
    )
        .prop_map(|(clauses, amendments, events, s, s_set, as_of)| Case {
            clauses,
            amendments,
            events,
            s,
            s_set,
            as_of,
        })
}

fn render(c: &Case) -> String {
    let mut t = format!(
        "party a\nparty b\ncloud x operated by a\nproduct p by a\nevent ev\nassume s = {}\n\
         agreement g {{\n  between a and b\n  signed {}\n",
        day(c.s),
        day(0)
    );
    for (i, cl) in c.clauses.iter().enumerate() {
        let sentence = match cl.kind {
            0 => format!("exclusivity c{i} {{ deploy product p only on x"),
            1 => format!("rule c{i} {{ forbid launch product p on x"),
            _ => format!("revenue_share c{i} {{ a pays b {}% of a revenue", cl.rate),
        };
        t.push_str(&format!("  {sentence}"));
        match cl.from {
            Some(When::Lit(n)) => t.push_str(&format!(" from {}", day(n))),
            Some(When::Assumed) => t.push_str(" from $s"),
            None => {}
        }
        match (cl.until, cl.or_event) {
            (Some(n), true) => t.push_str(&format!(" until {} or ev", day(n))),
            (Some(n), false) => t.push_str(&format!(" until {}", day(n))),
            (None, true) => t.push_str(" until ev"),
            (None, false) => {}
        }
        t.push_str(" }\n");
    }
    t.push_str("}\n");
    let n = c.clauses.len();
    for (i, a) in c.amendments.iter().enumerate() {
        let change = match &a.change {
            Change::End(k) => format!("end c{}", k % n),
            Change::From(k, d) => format!("amend c{} {{ from {} }}", k % n, day(*d)),
            Change::Until(k, d) => format!("amend c{} {{ until {} }}", k % n, day(*d)),
            Change::Through(k, d) => format!("amend c{} {{ through {} }}", k % n, day(*d)),
            Change::Rate(k, r) => format!("amend c{} {{ rate {r}% }}", k % n),
            Change::Strike => "strike ev".to_string(),
            Change::Add(d) => format!(
                "add revenue_share n{i} {{ a pays b 7% of a revenue until {} }}",
                day(*d)
            ),
        };
        t.push_str(&format!(
            "amendment m{i} amends g {{ signed {} {change} }}\n",
            day(a.signed)
        ));
    }
    for e in &c.events {
        t.push_str(&format!("on {}: ev\n", day(*e)));
    }
    t
}

/// A clause as the oracle reads it on one day.
#[derive(Clone, Debug)]
struct Reading {
    name: String,
    revenue: bool,
    start: u64,
    ends: Vec<u64>,
    event: bool,
    rate: u32,
    ended: bool,
}

/// The language page, read literally for one day: every clause's text as amended by the
/// amendments effective (= signed, here) on or before the day and known at the knowledge time.
fn oracle(c: &Case, d: u64) -> Vec<Reading> {
    let known = |n: u64| c.as_of.is_none_or(|k| n <= k);
    if !known(0) {
        return Vec::new(); // the agreement itself is not yet signed
    }
    let s = c.s_set.unwrap_or(c.s);
    let mut clauses: Vec<Reading> = c
        .clauses
        .iter()
        .enumerate()
        .map(|(i, cl)| Reading {
            name: format!("g.c{i}"),
            revenue: cl.kind == 2,
            start: match cl.from {
                Some(When::Lit(n)) => n,
                Some(When::Assumed) => s,
                None => 0,
            },
            ends: cl.until.into_iter().collect(),
            event: cl.or_event,
            rate: cl.rate,
            ended: false,
        })
        .collect();
    let n = c.clauses.len();
    let mut order: Vec<(usize, &Amendment)> = c.amendments.iter().enumerate().collect();
    order.sort_by_key(|(i, a)| (a.signed, *i));
    for (i, a) in order {
        if a.signed > d || !known(a.signed) {
            continue;
        }
        let target = |k: &usize| k % n;
        match &a.change {
            Change::End(k) => {
                if let Some(r) = clauses.get_mut(target(k)) {
                    r.ended = true;
                }
            }
            Change::From(k, x) => {
                if let Some(r) = clauses.get_mut(target(k)) {
                    r.start = *x;
                }
            }
            Change::Until(k, x) => {
                if let Some(r) = clauses.get_mut(target(k)) {
                    r.ends = vec![*x];
                    r.event = false;
                }
            }
            Change::Through(k, x) => {
                if let Some(r) = clauses.get_mut(target(k)) {
                    r.ends = vec![x + 1];
                    r.event = false;
                }
            }
            Change::Rate(k, rate) => {
                if let Some(r) = clauses.get_mut(target(k)) {
                    r.rate = *rate;
                }
            }
            Change::Strike => {
                for r in clauses.iter_mut() {
                    r.event = false;
                }
            }
            Change::Add(x) => clauses.push(Reading {
                name: format!("g.n{i}"),
                revenue: true,
                start: a.signed,
                ends: vec![*x],
                event: false,
                rate: 7,
                ended: false,
            }),
        }
    }
    clauses
}

fn in_force(c: &Case, r: &Reading, d: u64) -> bool {
    let known = |n: u64| c.as_of.is_none_or(|k| n <= k);
    let first_event = c.events.iter().copied().filter(|e| known(*e)).min();
    !r.ended
        && r.start <= d
        && r.ends.iter().all(|e| d < *e)
        && !(r.event && first_event.is_some_and(|e| e <= d))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn consolidated_versions_agree_with_the_literal_reading(c in case()) {
        let text = render(&c);
        // Random amendments may conflict (two on one day changing one clause) or change an
        // ended clause: those rule sets are rightly refused.
        let Ok(rules) = Rules::from_text("random.cov", &text) else { return Ok(()); };
        let set: Vec<String> = c.s_set.map(|n| format!("s={}", day(n))).into_iter().collect();
        let options = rules
            .options(set.iter().map(String::as_str), c.as_of.map(day))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let Ok(engine) = rules.engine(&options) else { return Ok(()); };
        let cons = engine.consolidated();
        let rule_set = engine.rules();
        for d in 0..SPAN + 2 {
            let readings = oracle(&c, d);
            let mut due = false;
            for r in &readings {
                let want = in_force(&c, r, d);
                due |= want && r.revenue;
                let got = rule_set.clause_named(&r.name).is_some_and(|id| {
                    cons.of(id).any(|v| v.in_force.contains(day(d)))
                });
                prop_assert_eq!(got, want, "{} on {}\n{}", r.name, day(d), text);
                if want && r.revenue {
                    let answer = engine
                        .ask(&format!("pay a to b at {}", day(d)))
                        .map_err(|e| TestCaseError::fail(e.to_string()))?;
                    let rate = format!("{}%", r.rate);
                    let speaks = answer.verdict().is_some_and(|v| {
                        v.reasons.iter().any(|x| x.clause == r.name && x.detail.contains(&rate))
                    });
                    prop_assert!(speaks, "{} on {}: no reason at {rate}: {}\n{}", r.name, day(d), answer, text);
                }
            }
            let answer = engine
                .ask(&format!("pay a to b at {}", day(d)))
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let want = if due { Decision::Due } else { Decision::NotDue };
            prop_assert_eq!(answer.decision(), Some(want), "pay on {}\n{}", day(d), text);
        }
    }
}
