//! From clause effects to windows.
//!
//! Each clause in force contributes effects over intervals of days; the sweep cuts time at every
//! interval edge, decides each piece, and merges neighbours whose decision and reasons are equal.
//! An edge that survives the merge and was set by an assumption makes the windows on both sides
//! depend on it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::answer::{Decision, Effect, Reason, Ruling, When};
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
    /// Any forbid forbids; else permitted only with a grant (deploy or launch by a party other
    /// than the owner, 0.2).
    Licensed,
}

/// Whether the permits in force together cover the place asked about (0.2: several licences
/// may add up; with no scopes, any permit covers).
/// The day is the first of the stretch of time decided (`None`: from the beginning), so that
/// each licence's scope is read as its text stands then.
pub type Cover<'a> = &'a dyn Fn(&[Reason], Option<NaiveDate>) -> bool;

/// Why licences in force do not permit: consents awaited, sublicences out of reach, grants
/// overridden by earlier exclusive licences (0.2).
fn why_not(with: &dyn Fn(Effect) -> Vec<Reason>, short: &[Reason]) -> Vec<Reason> {
    let mut v = with(Effect::Awaits);
    v.extend(with(Effect::Overridden));
    v.extend(short.iter().map(|r| Reason {
        effect: Effect::Short,
        detail: format!(
            "{}: covers only part of the place or field asked about",
            r.detail
        ),
        ..r.clone()
    }));
    v.sort();
    v
}

fn decide(
    rule: Rule,
    active: &[&Reason],
    cover: Cover<'_>,
    day: Option<NaiveDate>,
) -> (Decision, Vec<Reason>) {
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
        Rule::Licensed => {
            let forbids = with(Effect::Forbid);
            let grants = with(Effect::Grant);
            if !forbids.is_empty() {
                (Decision::Forbidden, forbids)
            } else if grants.is_empty() || !cover(&grants, day) {
                // A consent not yet on record says why (0.2 sublicences), or grants that cover
                // only part of the place.
                (Decision::Forbidden, why_not(&with, &grants))
            } else {
                let mut reasons = grants;
                reasons.extend(with(Effect::Permit));
                reasons.sort();
                (Decision::Permitted, reasons)
            }
        }
        Rule::NeedsPermit => {
            let forbids = with(Effect::Forbid);
            let permits = with(Effect::Permit);
            if !forbids.is_empty() {
                (Decision::Forbidden, forbids)
            } else if permits.is_empty() || !cover(&permits, day) {
                (Decision::Forbidden, why_not(&with, &permits))
            } else {
                (Decision::Permitted, permits)
            }
        }
        Rule::Owing => {
            let owes = with(Effect::Owe);
            // Minimums and payable commitments (0.2) say that only a ledger gives their sums.
            let unknown = with(Effect::NeedsLedger);
            if owes.is_empty() {
                (Decision::NotDue, unknown)
            } else {
                let mut reasons = owes;
                reasons.extend(unknown);
                reasons.sort();
                (Decision::Due, reasons)
            }
        }
    }
}

/// Turns effects over intervals into the pieces and windows of a *when* answer.
///
/// Time is cut at every edge of an effect in force some day, and at every day where a part of
/// an edge that rests on an assumption starts or stops holding; one pass over the cuts keeps the
/// set of effects in force (added at their start, dropped at their end), so the work follows the
/// cuts and the effects in force at each, never every effect at every cut.
pub fn sweep(rule: Rule, effects: &[(Interval, Reason)], cover: Cover<'_>) -> When {
    // Every edge day, with the assumptions behind it.
    let mut edges: BTreeMap<NaiveDate, Deps> = BTreeMap::new();
    let mut opens: Vec<(NaiveDate, usize)> = Vec::new();
    let mut closes: Vec<(NaiveDate, usize)> = Vec::new();
    let mut active: BTreeSet<usize> = BTreeSet::new();
    for (i, (iv, _)) in effects.iter().enumerate() {
        if iv.is_empty() {
            continue;
        }
        for b in [&iv.start, &iv.end].into_iter().flatten() {
            edges.entry(b.day).or_default().add(&b.binding_deps());
        }
        match &iv.start {
            Some(b) => opens.push((b.day, i)),
            None => {
                active.insert(i);
            }
        }
        if let Some(b) = &iv.end {
            closes.push((b.day, i));
        }
    }
    opens.sort_unstable();
    closes.sort_unstable();
    // Effects whose edges rest on assumptions, in force or not: another value could move them
    // across a day and change its answer.
    let movable: Vec<usize> = effects
        .iter()
        .enumerate()
        .filter(|(_, (iv, _))| iv.is_assumed())
        .map(|(i, _)| i)
        .collect();
    let mut cuts: BTreeSet<NaiveDate> = edges.keys().copied().collect();
    for &i in &movable {
        if let Some((iv, _)) = effects.get(i) {
            cuts.extend(iv.part_days());
        }
    }
    let mut pieces: Vec<Ruling> = Vec::with_capacity(cuts.len() + 1);
    let (mut next_open, mut next_close) = (0usize, 0usize);
    let starts = std::iter::once(None).chain(cuts.iter().copied().map(Some));
    let ends = cuts.iter().copied().map(Some).chain(std::iter::once(None));
    for (from, until) in starts.zip(ends) {
        if let Some(day) = from {
            while let Some(&(_, i)) = closes.get(next_close).filter(|(d, _)| *d <= day) {
                active.remove(&i);
                next_close += 1;
            }
            while let Some(&(_, i)) = opens.get(next_open).filter(|(d, _)| *d <= day) {
                if effects
                    .get(i)
                    .is_some_and(|(iv, _)| iv.end.as_ref().is_none_or(|e| day < e.day))
                {
                    active.insert(i);
                }
                next_open += 1;
            }
        }
        let in_force: Vec<&Reason> = active
            .iter()
            .filter_map(|&i| effects.get(i).map(|(_, r)| r))
            .collect();
        let (decision, reasons) = decide(rule, &in_force, cover, from);
        // What the piece rests on: the edges of every effect in force, the terms of the
        // reasons, and the assumptions that could move another effect across it.
        let mut deps = Deps::none();
        for &i in &active {
            if let Some((iv, _)) = effects.get(i) {
                deps.add(&iv.all_deps());
            }
        }
        for r in &reasons {
            deps.add(&r.deps);
        }
        let day = from.unwrap_or(NaiveDate::MIN);
        for &i in movable.iter().filter(|i| !active.contains(i)) {
            if let Some((iv, _)) = effects.get(i) {
                deps.add(&iv.deps_at(day));
            }
        }
        match pieces.last_mut() {
            Some(last)
                if last.decision == decision
                    && last.reasons == reasons
                    && last.assumptions == deps =>
            {
                last.until = until;
            }
            _ => pieces.push(Ruling {
                from,
                until,
                decision,
                reasons,
                assumptions: deps,
            }),
        }
    }
    let edge_deps = |w: &Ruling| {
        let mut deps = Deps::none();
        for edge in [w.from, w.until].into_iter().flatten() {
            if let Some(d) = edges.get(&edge) {
                deps.add(d);
            }
        }
        deps
    };
    let windows = merge(&pieces, &edge_deps);
    When { windows, pieces }
}

/// The (clause, effect) pairs of a piece's reasons.
fn keys(w: &Ruling) -> Vec<(u32, Effect)> {
    w.reasons.iter().map(|r| (r.clause_id, r.effect)).collect()
}

/// Merges neighbouring pieces whose decision and (clause, effect) reasons are equal.
fn merge(pieces: &[Ruling], edge_deps: &dyn Fn(&Ruling) -> Deps) -> Vec<Ruling> {
    let mut windows: Vec<Ruling> = Vec::new();
    let mut group: Vec<&Ruling> = Vec::new();
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
fn combine(group: &[&Ruling], edge_deps: &dyn Fn(&Ruling) -> Deps) -> Ruling {
    let (Some(first), Some(last)) = (group.first(), group.last()) else {
        return Ruling {
            from: None,
            until: None,
            decision: Decision::Permitted,
            reasons: Vec::new(),
            assumptions: Deps::none(),
        };
    };
    let mut reasons = first.reasons.clone();
    for (i, r) in reasons.iter_mut().enumerate() {
        let parts: Vec<(&Ruling, &Reason)> = group
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
    let mut window = Ruling {
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
    for p in group {
        deps.add(&p.assumptions);
    }
    window.assumptions = deps;
    window
}
