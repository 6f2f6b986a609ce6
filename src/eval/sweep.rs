//! From clause effects to windows.
//!
//! Each clause in force contributes effects over intervals of days; the sweep cuts time at every
//! interval edge, decides each piece, and merges neighbours whose decision and reasons are equal.
//! An edge that survives the merge and was set by an assumption makes the windows on both sides
//! depend on it.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::answer::{Decision, Effect, Reason, When, Window};
use crate::consolidate::{Deps, Interval};

/// How a subject turns active effects into a decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Any forbid forbids; else permitted (deploy, launch, license).
    ForbidWins,
    /// Permitted only with a permit (use by another than the owner).
    NeedsPermit,
    /// Due with any owe (pay).
    Owing,
}

fn decide(rule: Rule, active: &[&Reason]) -> (Decision, Vec<Reason>) {
    let with = |e: Effect| -> Vec<Reason> {
        let mut v: Vec<Reason> = active
            .iter()
            .filter(|r| r.effect == e)
            .map(|r| (*r).clone())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    match rule {
        Rule::ForbidWins => {
            let forbids = with(Effect::Forbid);
            if forbids.is_empty() {
                (Decision::Permitted, with(Effect::Permit))
            } else {
                (Decision::Forbidden, forbids)
            }
        }
        Rule::NeedsPermit => {
            let permits = with(Effect::Permit);
            if permits.is_empty() {
                (Decision::Forbidden, Vec::new())
            } else {
                (Decision::Permitted, permits)
            }
        }
        Rule::Owing => {
            let owes = with(Effect::Owe);
            if owes.is_empty() {
                (Decision::NotDue, Vec::new())
            } else {
                (Decision::Due, owes)
            }
        }
    }
}

/// Turns effects over intervals into the windows of a *when* answer.
pub fn sweep(rule: Rule, effects: &[(Interval, Reason)]) -> When {
    // Every edge day, with the assumptions behind it.
    let mut edges: BTreeMap<NaiveDate, Deps> = BTreeMap::new();
    for (iv, _) in effects.iter().filter(|(iv, _)| !iv.is_empty()) {
        for b in [&iv.start, &iv.end].into_iter().flatten() {
            edges.entry(b.day).or_default().add(&b.deps);
        }
    }
    let mut pieces: Vec<Window> = Vec::with_capacity(edges.len() + 1);
    let starts = std::iter::once(None).chain(edges.keys().copied().map(Some));
    let ends = edges.keys().copied().map(Some).chain(std::iter::once(None));
    for (from, until) in starts.zip(ends) {
        let active: Vec<&Reason> = effects
            .iter()
            .filter(|(iv, _)| !iv.is_empty() && covers(iv, from))
            .map(|(_, r)| r)
            .collect();
        let (decision, reasons) = decide(rule, &active);
        match pieces.last_mut() {
            Some(last) if last.decision == decision && last.reasons == reasons => {
                last.until = until;
            }
            _ => pieces.push(Window {
                from,
                until,
                decision,
                reasons,
                assumptions: Deps::none(),
            }),
        }
    }
    for w in &mut pieces {
        let mut deps = Deps::none();
        for r in &w.reasons {
            deps.add(&r.deps);
        }
        for edge in [w.from, w.until].into_iter().flatten() {
            if let Some(d) = edges.get(&edge) {
                deps.add(d);
            }
        }
        w.assumptions = deps;
    }
    When { windows: pieces }
}

/// Whether an interval covers the piece starting at `from` (pieces never straddle an edge).
fn covers(iv: &Interval, from: Option<NaiveDate>) -> bool {
    match from {
        None => iv.start.is_none(),
        Some(day) => iv.contains(day),
    }
}
