//! What a rule change changes: two rule sets compared over every question, over all time.
//!
//! Every question a rule set can be asked about its products, clouds and parties (deploy and
//! launch of each product on each cloud, use and licence of each product by and to each party,
//! payments between each pair of parties) is answered as a *when* question by both rule sets;
//! the days whose decision differs are reported as windows, with the reasons on both sides; so
//! are the days whose decision stays but whose reasons change (another clause decides, or the
//! deciding clause now says something else, such as a new rate), marked as such.
//! Questions are matched by the names of their ids; an id only one side declares is listed
//! apart.

use chrono::NaiveDate;

use crate::eval::answer::{Decision, Reason, Window};
use crate::eval::{Engine, Subject};
use crate::model::RuleSet;

/// One stretch of days whose decision changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub question: String,
    /// True when the decision changed; false when only the reasons did.
    pub decision_changed: bool,
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub before: Decision,
    pub after: Decision,
    pub reasons_before: Vec<Reason>,
    pub reasons_after: Vec<Reason>,
}

/// The comparison of two rule sets.
#[derive(Clone, Debug, Default)]
pub struct Diff {
    pub changes: Vec<Change>,
    /// Ids declared by only one side, as `kind id (before|after only)`.
    pub unmatched: Vec<String>,
}

fn names<'a>(list: impl Iterator<Item = &'a str>) -> Vec<String> {
    list.map(String::from).collect()
}

/// Names both sides declare, in the `after` side's order, and the names only one side declares.
fn matched(
    kind: &str,
    before: Vec<String>,
    after: Vec<String>,
    unmatched: &mut Vec<String>,
) -> Vec<String> {
    for b in &before {
        if !after.contains(b) {
            unmatched.push(format!("{kind} {b} (before only)"));
        }
    }
    for a in &after {
        if !before.contains(a) {
            unmatched.push(format!("{kind} {a} (after only)"));
        }
    }
    after.into_iter().filter(|a| before.contains(a)).collect()
}

fn id(map: &crate::model::NameMap, name: &str) -> u32 {
    map.get(name).copied().unwrap_or(0)
}

/// Every question both rule sets can answer, as (words, subject before, subject after).
fn questions(
    b: &RuleSet,
    a: &RuleSet,
    unmatched: &mut Vec<String>,
) -> Vec<(String, Subject, Subject)> {
    let products = matched(
        "product",
        names(b.products.iter().map(|p| p.name.id.as_str())),
        names(a.products.iter().map(|p| p.name.id.as_str())),
        unmatched,
    );
    let clouds = matched(
        "cloud",
        names(b.clouds.iter().map(|c| c.name.id.as_str())),
        names(a.clouds.iter().map(|c| c.name.id.as_str())),
        unmatched,
    );
    let parties = matched(
        "party",
        names(b.parties.iter().map(|p| p.name.id.as_str())),
        names(a.parties.iter().map(|p| p.name.id.as_str())),
        unmatched,
    );
    let mut out = Vec::new();
    for p in &products {
        let (pb, pa) = (id(&b.names.products, p), id(&a.names.products, p));
        for c in &clouds {
            let (cb, ca) = (id(&b.names.clouds, c), id(&a.names.clouds, c));
            out.push((
                format!("deploy {p} on {c}"),
                Subject::Deploy {
                    product: pb,
                    cloud: cb,
                },
                Subject::Deploy {
                    product: pa,
                    cloud: ca,
                },
            ));
            out.push((
                format!("launch {p} on {c}"),
                Subject::Launch {
                    product: pb,
                    cloud: cb,
                },
                Subject::Launch {
                    product: pa,
                    cloud: ca,
                },
            ));
        }
        for q in &parties {
            let (qb, qa) = (id(&b.names.parties, q), id(&a.names.parties, q));
            out.push((
                format!("use {p} by {q}"),
                Subject::Use {
                    product: pb,
                    party: qb,
                },
                Subject::Use {
                    product: pa,
                    party: qa,
                },
            ));
            out.push((
                format!("license {p} to {q}"),
                Subject::License {
                    product: pb,
                    party: qb,
                },
                Subject::License {
                    product: pa,
                    party: qa,
                },
            ));
        }
    }
    for x in &parties {
        for y in &parties {
            let s = |r: &RuleSet| Subject::Pay {
                payer: id(&r.names.parties, x),
                payee: id(&r.names.parties, y),
            };
            out.push((format!("pay {x} to {y}"), s(b), s(a)));
        }
    }
    out
}

fn window_at(windows: &[Window], day: Option<NaiveDate>) -> Option<&Window> {
    match day {
        None => windows.first(),
        Some(d) => windows.iter().find(|w| w.contains(d)),
    }
}

/// Compares two compiled rule sets.
pub fn diff(before: &Engine, after: &Engine) -> Diff {
    let mut out = Diff::default();
    for (question, sb, sa) in questions(before.rules(), after.rules(), &mut out.unmatched) {
        let wb = before.when(sb);
        let wa = after.when(sa);
        // Pieces, not windows: they split wherever a reason's detail changes too.
        let mut edges: Vec<NaiveDate> = wb
            .pieces
            .iter()
            .chain(wa.pieces.iter())
            .flat_map(|w| [w.from, w.until])
            .flatten()
            .collect();
        edges.sort();
        edges.dedup();
        let starts = std::iter::once(None).chain(edges.iter().copied().map(Some));
        let ends = edges.iter().copied().map(Some).chain(std::iter::once(None));
        for (from, until) in starts.zip(ends) {
            let (Some(b), Some(a)) = (window_at(&wb.pieces, from), window_at(&wa.pieces, from))
            else {
                continue;
            };
            let decision_changed = b.decision != a.decision;
            if !decision_changed && said(&b.reasons) == said(&a.reasons) {
                continue;
            }
            match out.changes.last_mut() {
                Some(last)
                    if last.question == question
                        && last.until == from
                        && last.before == b.decision
                        && last.after == a.decision
                        && said(&last.reasons_before) == said(&b.reasons)
                        && said(&last.reasons_after) == said(&a.reasons) =>
                {
                    last.until = until;
                }
                _ => out.changes.push(Change {
                    question: question.clone(),
                    decision_changed,
                    from,
                    until,
                    before: b.decision,
                    after: a.decision,
                    reasons_before: b.reasons.clone(),
                    reasons_after: a.reasons.clone(),
                }),
            }
        }
    }
    out
}

/// What reasons say: clause, effect and terms (not the clause's life, which another version
/// may extend without changing the answer on these days).
fn said(reasons: &[Reason]) -> Vec<(&str, crate::eval::answer::Effect, &str)> {
    reasons
        .iter()
        .map(|r| (r.clause.as_str(), r.effect, r.detail.as_str()))
        .collect()
}

/// The diff as JSON: `{"changes": [...], "unmatched": [...]}`.
pub fn json(d: &Diff) -> serde_json::Value {
    use crate::eval::render::reason_json;
    let day =
        |d: Option<NaiveDate>| d.map_or(serde_json::Value::Null, |d| crate::time::iso(d).into());
    let changes: Vec<serde_json::Value> = d
        .changes
        .iter()
        .map(|c| {
            serde_json::json!({
                "question": c.question,
                "kind": if c.decision_changed { "decision" } else { "reasons" },
                "from": day(c.from),
                "until": day(c.until),
                "before": c.before.as_str(),
                "after": c.after.as_str(),
                "reasons_before": c.reasons_before.iter().map(reason_json).collect::<Vec<_>>(),
                "reasons_after": c.reasons_after.iter().map(reason_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::json!({ "changes": changes, "unmatched": d.unmatched })
}

/// The diff for people, grouped by question.
pub fn text(d: &Diff) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let span = |c: &Change| match (c.from, c.until) {
        (None, None) => "at all times".to_string(),
        (Some(f), None) => format!("from {} on", crate::time::iso(f)),
        (None, Some(u)) => format!("until {}", crate::time::iso(u)),
        (Some(f), Some(u)) => format!("from {} until {}", crate::time::iso(f), crate::time::iso(u)),
    };
    let reasons = |rs: &[Reason]| {
        if rs.is_empty() {
            "no clause speaks".to_string()
        } else {
            rs.iter()
                .map(|r| format!("{} {}: {}", r.effect.as_str(), r.clause, r.detail))
                .collect::<Vec<_>>()
                .join("; ")
        }
    };
    let mut last = "";
    for c in &d.changes {
        if c.question != last {
            let _ = writeln!(out, "{}", c.question);
            last = &c.question;
        }
        if c.decision_changed {
            let (b, a) = (c.before.as_str(), c.after.as_str());
            let _ = writeln!(out, "  {}: {b} -> {a}", span(c));
        } else {
            let _ = writeln!(
                out,
                "  {}: still {}, for other reasons",
                span(c),
                c.after.as_str()
            );
        }
        let _ = writeln!(out, "    before: {}", reasons(&c.reasons_before));
        let _ = writeln!(out, "    after:  {}", reasons(&c.reasons_after));
    }
    for u in &d.unmatched {
        let _ = writeln!(out, "not compared: {u}");
    }
    let questions = {
        let mut q: Vec<&str> = d.changes.iter().map(|c| c.question.as_str()).collect();
        q.dedup();
        q.len()
    };
    let _ = writeln!(
        out,
        "{} changed windows in {} questions",
        d.changes.len(),
        questions
    );
    out
}
