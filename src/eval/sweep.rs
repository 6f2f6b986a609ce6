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

/// Turns effects over intervals into the pieces and windows of a *when* answer.
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
    let edge_deps = |w: &Window| {
        let mut deps = Deps::none();
        for edge in [w.from, w.until].into_iter().flatten() {
            if let Some(d) = edges.get(&edge) {
                deps.add(d);
            }
        }
        deps
    };
    for p in &mut pieces {
        let mut deps = edge_deps(p);
        for r in &p.reasons {
            deps.add(&r.deps);
        }
        p.assumptions = deps;
    }
    let windows = merge(&pieces, &edge_deps);
    When { windows, pieces }
}

/// The (clause, effect) pairs of a piece's reasons.
fn keys(w: &Window) -> Vec<(u32, Effect)> {
    w.reasons.iter().map(|r| (r.clause_id, r.effect)).collect()
}

/// Merges neighbouring pieces whose decision and (clause, effect) reasons are equal.
fn merge(pieces: &[Window], edge_deps: &dyn Fn(&Window) -> Deps) -> Vec<Window> {
    let mut windows: Vec<Window> = Vec::new();
    let mut group: Vec<&Window> = Vec::new();
    for p in pieces {
        if let Some(first) = group.first() {
            if first.decision != p.decision || keys(first) != keys(p) {
                windows.push(combine(&group, edge_deps));
                group.clear();
            }
        }
        group.push(p);
    }
    if !group.is_empty() {
        windows.push(combine(&group, edge_deps));
    }
    windows
}

/// One window from a run of pieces: each reason's detail is the pieces' details, stretch by
/// stretch where they differ; its span is the union of theirs.
fn combine(group: &[&Window], edge_deps: &dyn Fn(&Window) -> Deps) -> Window {
    let (Some(first), Some(last)) = (group.first(), group.last()) else {
        return Window {
            from: None,
            until: None,
            decision: Decision::Permitted,
            reasons: Vec::new(),
            assumptions: Deps::none(),
        };
    };
    let mut reasons = first.reasons.clone();
    for (i, r) in reasons.iter_mut().enumerate() {
        let parts: Vec<(&Window, &Reason)> = group
            .iter()
            .filter_map(|p| p.reasons.get(i).map(|pr| (*p, pr)))
            .collect();
        r.from = parts.iter().map(|(_, pr)| pr.from).min().flatten();
        if parts.iter().any(|(_, pr)| pr.from.is_none()) {
            r.from = None;
        }
        r.until = parts.iter().map(|(_, pr)| pr.until).max().flatten();
        if parts.iter().any(|(_, pr)| pr.until.is_none()) {
            r.until = None;
        }
        for (_, pr) in &parts {
            r.deps.add(&pr.deps);
        }
        let mut runs: Vec<(Option<NaiveDate>, &str)> = Vec::new();
        for (p, pr) in &parts {
            if runs.last().is_none_or(|(_, d)| *d != pr.detail) {
                runs.push((p.from, &pr.detail));
            }
        }
        if runs.len() > 1 {
            r.stretches = runs.iter().map(|(f, d)| (*f, d.to_string())).collect();
            r.detail = runs
                .iter()
                .map(|(from, d)| match from {
                    Some(f) => format!("from {}: {d}", crate::time::iso(*f)),
                    None => format!("at first: {d}"),
                })
                .collect::<Vec<_>>()
                .join("; ");
        }
    }
    let mut window = Window {
        from: first.from,
        until: last.until,
        decision: first.decision,
        reasons,
        assumptions: Deps::none(),
    };
    let mut deps = edge_deps(&window);
    for r in &window.reasons {
        deps.add(&r.deps);
    }
    window.assumptions = deps;
    window
}

/// Whether an interval covers the piece starting at `from` (pieces never straddle an edge).
fn covers(iv: &Interval, from: Option<NaiveDate>) -> bool {
    match from {
        None => iv.start.is_none(),
        Some(day) => iv.contains(day),
    }
}
