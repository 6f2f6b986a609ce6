//! What a rule change changes: two rule sets compared over every question, over all time.
//!
//! Every question a rule set can be asked about its products, clouds and parties (deploy and
//! launch of each product on each cloud, use and licence of each product by and to each party,
//! payments between each pair of parties, each agreement's status; and, in 0.2, deployment by
//! each licensee granted `deploy`, and use, licensing and deployment by licensees in each
//! territory and field either side's clauses name) is answered as a *when* question by both rule sets;
//! the days whose decision differs are reported as windows, with the reasons on both sides; so
//! are the days whose decision stays but whose reasons change (another clause decides, or the
//! deciding clause now says something else, such as a new rate), marked as such.
//! Questions are matched by the names of their ids; a question only one side can be asked (an
//! id it alone declares) is a change too, listed with its answers on that side.

use chrono::NaiveDate;

use crate::eval::answer::{Decision, Reason, Ruling};
use crate::eval::place::Place;
use crate::eval::{Engine, Subject};
use crate::model::RuleSet;

/// One stretch of days whose decision changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangedWindow {
    /// The question without its day (`deploy gpt_5_5 on aws`).
    pub question: String,
    /// True when the decision changed; false when only the reasons did.
    pub decision_changed: bool,
    /// The first day of the change (`None`: the beginning of time).
    pub from: Option<NaiveDate>,
    /// The day after its last (`None`: the end of time).
    pub until: Option<NaiveDate>,
    /// The decision before the change.
    pub before: Decision,
    /// The decision after it.
    pub after: Decision,
    /// The reasons before.
    pub reasons_before: Vec<Reason>,
    /// The reasons after.
    pub reasons_after: Vec<Reason>,
}

/// Which rule set a question exists in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Only the rules before the change can ask it.
    Before,
    /// Only the rules after the change can ask it.
    After,
}

impl Side {
    /// `before` or `after`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Before => "before",
            Side::After => "after",
        }
    }
}

/// A question only one rule set can be asked (an id it alone declares), with its answers there.
#[derive(Clone, Debug)]
pub struct OneSided {
    /// The question without its day.
    pub question: String,
    /// Which side has it.
    pub side: Side,
    /// Its answer there, over all time.
    pub windows: Vec<Ruling>,
}

/// The comparison of two rule sets.
#[derive(Clone, Debug, Default)]
pub struct Diff {
    /// Every window whose decision or reasons changed.
    pub changes: Vec<ChangedWindow>,
    /// Questions only one side can be asked: changes too.
    pub one_sided: Vec<OneSided>,
    /// Ids declared by only one side, as `kind id (before|after only)`.
    pub unmatched: Vec<String>,
}

impl Diff {
    /// Whether anything changed: a window of a question both sides answer, or a question only
    /// one side has.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.one_sided.is_empty()
    }
}

/// Every question a rule set can be asked about its own ids, in words, with its subject and
/// place. Beside 0.1's questions (and each agreement's status), the questions of 0.2 that its
/// clauses speak to: deploying by each licensee on each cloud, and every use, licence and
/// deployment by a licensee in each territory and field a clause names.
fn questions(r: &RuleSet, named: &Named) -> Vec<(String, Subject, Place)> {
    let here = Place::default();
    let word = |s: Subject, place: Place| {
        crate::eval::question::Words {
            rules: r,
            question: crate::eval::question::Question {
                subject: s,
                at: None,
                place,
            },
        }
        .to_string()
    };
    let mut out: Vec<(String, Subject, Place)> = crate::eval::question::subjects(r)
        .into_iter()
        .map(|s| (word(s, here), s, here))
        .collect();
    // Places and fields the clauses of either side name, those this side declares.
    let mut places: Vec<Place> = Vec::new();
    places.extend(named.0.iter().filter_map(|t| {
        r.names.territories.get(t).map(|&territory| Place {
            territory,
            field: 0,
        })
    }));
    places.extend(named.1.iter().filter_map(|f| {
        r.names.fields.get(f).map(|&field| Place {
            territory: 0,
            field,
        })
    }));
    // Licensees of each product (as written or as any amendment adds), and those granted
    // the `deploy` right.
    let by_owner = r.products_by_owner();
    let mut licensees: Vec<Vec<(u32, bool)>> = vec![Vec::new(); r.products.len()];
    for c in &r.clauses {
        if let crate::model::Body::Licence {
            licensee,
            selector,
            deploy,
            ..
        } = &c.terms.body
        {
            for p in r.select(selector, &by_owner) {
                if let Some(list) = licensees.get_mut(p as usize) {
                    list.push((*licensee, *deploy));
                }
            }
        }
    }
    let ids = |n: usize| (0..n).filter_map(|i| u32::try_from(i).ok());
    for (product, list) in ids(r.products.len()).zip(licensees.iter_mut()) {
        list.sort_unstable();
        list.dedup();
        let owner = r.products.get(product as usize).map(|p| p.owner);
        let p = crate::eval::Product(product);
        let deployers: Vec<u32> = list.iter().filter(|(_, d)| *d).map(|(l, _)| *l).collect();
        let mut users: Vec<u32> = list.iter().map(|(l, _)| *l).collect();
        users.dedup();
        for &l in deployers.iter().filter(|l| Some(**l) != owner) {
            let actor = crate::eval::Party(l);
            for cloud in ids(r.clouds.len()).map(crate::eval::Cloud) {
                let s = Subject::DeployBy {
                    product: p,
                    cloud,
                    actor,
                };
                out.push((word(s, here), s, here));
                for place in &places {
                    out.push((word(s, *place), s, *place));
                }
            }
        }
        for &l in users.iter().filter(|l| Some(**l) != owner) {
            for place in &places {
                let s = Subject::Use {
                    product: p,
                    party: crate::eval::Party(l),
                };
                out.push((word(s, *place), s, *place));
            }
        }
        if !places.is_empty() {
            for party in ids(r.parties.len()).map(crate::eval::Party) {
                let s = Subject::License { product: p, party };
                for place in &places {
                    out.push((word(s, *place), s, *place));
                }
            }
        }
    }
    out
}

/// The territories and fields the clauses of a rule set name (by name, sorted).
type Named = (
    std::collections::BTreeSet<String>,
    std::collections::BTreeSet<String>,
);

fn named(r: &RuleSet, into: &mut Named) {
    let name =
        |list: &[crate::model::Region], i: &u32| list.get(*i as usize).map(|x| x.name.id.clone());
    for c in &r.clauses {
        let sc = c.terms.scope();
        into.0.extend(
            sc.places
                .iter()
                .chain(&sc.except)
                .filter_map(|i| name(&r.territories, i)),
        );
        into.1
            .extend(sc.fields.iter().filter_map(|i| name(&r.fields, i)));
    }
}

/// Ids declared by one side only, as `kind id (before|after only)`.
fn unmatched(b: &RuleSet, a: &RuleSet) -> Vec<String> {
    let mut out = Vec::new();
    let kinds: [(&str, &crate::model::NameMap, &crate::model::NameMap); 3] = [
        ("product", &b.names.products, &a.names.products),
        ("cloud", &b.names.clouds, &a.names.clouds),
        ("party", &b.names.parties, &a.names.parties),
    ];
    for (kind, nb, na) in kinds {
        let mut before: Vec<&String> = nb.keys().filter(|k| !na.contains_key(*k)).collect();
        let mut after: Vec<&String> = na.keys().filter(|k| !nb.contains_key(*k)).collect();
        before.sort();
        after.sort();
        out.extend(before.iter().map(|k| format!("{kind} {k} (before only)")));
        out.extend(after.iter().map(|k| format!("{kind} {k} (after only)")));
    }
    out
}

fn window_at(windows: &[Ruling], day: Option<NaiveDate>) -> Option<&Ruling> {
    match day {
        None => windows.first(),
        Some(d) => windows.iter().find(|w| w.contains(d)),
    }
}

/// Compares two compiled rule sets.
pub fn diff(before: &Engine, after: &Engine) -> Diff {
    let mut out = Diff {
        unmatched: unmatched(before.rules(), after.rules()),
        ..Diff::default()
    };
    let mut places = Named::default();
    named(before.rules(), &mut places);
    named(after.rules(), &mut places);
    let qb = questions(before.rules(), &places);
    let qa = questions(after.rules(), &places);
    let in_after: rustc_hash::FxHashMap<&str, (Subject, Place)> =
        qa.iter().map(|(q, s, p)| (q.as_str(), (*s, *p))).collect();
    let in_before: rustc_hash::FxHashSet<&str> = qb.iter().map(|(q, ..)| q.as_str()).collect();
    let names_after: rustc_hash::FxHashSet<&str> = in_after.keys().copied().collect();
    let sides = [
        (Side::Before, before, &qb, &names_after),
        (Side::After, after, &qa, &in_before),
    ];
    for (side, engine, list, other) in sides {
        for (question, subject, place) in list {
            if !other.contains(question.as_str()) {
                out.one_sided.push(OneSided {
                    question: question.clone(),
                    side,
                    windows: engine.when_in(*subject, *place).into_owned().windows,
                });
            }
        }
    }
    let both = qb.iter().filter_map(|(q, sb, pb)| {
        in_after
            .get(q.as_str())
            .map(|(sa, pa)| (q.clone(), (*sb, *pb), (*sa, *pa)))
    });
    for (question, (sb, pb), (sa, pa)) in both {
        let wb = before.when_in(sb, pb);
        let wa = after.when_in(sa, pa);
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
                _ => out.changes.push(ChangedWindow {
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

/// The diff as JSON: `{"changes": [...], "one_sided": [...], "unmatched": [...]}`.
impl serde::Serialize for Diff {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        json(self).serialize(s)
    }
}

/// The diff for people: decision changes, then changed terms, then other reasons.
impl std::fmt::Display for Diff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&text(self))
    }
}

fn json(d: &Diff) -> serde_json::Value {
    let reason_json =
        |r: &Reason| serde_json::to_value(crate::eval::public_reason(r)).unwrap_or_default();
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
    let one_sided: Vec<serde_json::Value> = d
        .one_sided
        .iter()
        .map(|o| {
            serde_json::json!({
                "question": o.question,
                "side": o.side.as_str(),
                "windows": o.windows.iter().map(|w| serde_json::json!({
                    "from": day(w.from),
                    "until": day(w.until),
                    "decision": w.decision.as_str(),
                    "reasons": w.reasons.iter().map(reason_json).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::json!({
        "changes": changes,
        "one_sided": one_sided,
        "unmatched": d.unmatched,
        "schema": crate::answer::SCHEMA,
    })
}

/// Which clauses decide, and how: the same on both sides means only their terms changed.
fn deciders(reasons: &[Reason]) -> Vec<(&str, crate::eval::answer::Effect)> {
    let mut v: Vec<_> = reasons
        .iter()
        .map(|r| (r.clause.as_str(), r.effect))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// What changed in a clause's terms, word by word: the differing middle of the two readings,
/// with a unit after it (`30 days`) and a term's keyword before it (`lead`, `at`) kept.
fn changed_words(before: &str, after: &str) -> String {
    const UNITS: [&str; 10] = [
        "day", "days", "week", "weeks", "month", "months", "quarter", "quarters", "year", "years",
    ];
    const KEYWORDS: [&str; 6] = ["lead", "at", "from", "until", "through", "counting"];
    let b: Vec<&str> = before.split(' ').collect();
    let a: Vec<&str> = after.split(' ').collect();
    let mut head = b.iter().zip(&a).take_while(|(x, y)| x == y).count();
    let mut tail = b
        .iter()
        .rev()
        .zip(a.iter().rev())
        .take(b.len().min(a.len()) - head)
        .take_while(|(x, y)| x == y)
        .count();
    let bare = |w: &&str| w.trim_end_matches([':', ',', ';']).to_string();
    if tail > 0
        && b.get(b.len() - tail)
            .is_some_and(|w| UNITS.contains(&bare(w).as_str()))
    {
        tail -= 1;
    }
    if head > 0 && b.get(head - 1).is_some_and(|w| KEYWORDS.contains(w)) {
        head -= 1;
    }
    let middle = |w: &[&str]| {
        let text = w.get(head..w.len() - tail).unwrap_or_default().join(" ");
        text.trim_end_matches([':', ',', ';']).to_string()
    };
    format!("`{}` became `{}`", middle(&b), middle(&a))
}

/// The diff for people: decision changes first, grouped by question; then the windows whose
/// decision stays but whose deciding clauses' terms changed, grouped by what changed; then those
/// now decided by other clauses.
fn text(d: &Diff) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let span = |c: &ChangedWindow| match (c.from, c.until) {
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
    for c in d.changes.iter().filter(|c| c.decision_changed) {
        if c.question != last {
            let _ = writeln!(out, "{}", c.question);
            last = &c.question;
        }
        let (b, a) = (c.before.as_str(), c.after.as_str());
        let _ = writeln!(out, "  {}: {b} -> {a}", span(c));
        let _ = writeln!(out, "    before: {}", reasons(&c.reasons_before));
        let _ = writeln!(out, "    after:  {}", reasons(&c.reasons_after));
    }
    // Same decision, same deciding clauses: what their terms now say, once for every window.
    let mut terms: Vec<(String, Vec<String>)> = Vec::new();
    let mut others: Vec<&ChangedWindow> = Vec::new();
    for c in d.changes.iter().filter(|c| !c.decision_changed) {
        if deciders(&c.reasons_before) != deciders(&c.reasons_after) {
            others.push(c);
            continue;
        }
        let what: Vec<String> = c
            .reasons_before
            .iter()
            .zip(&c.reasons_after)
            .filter(|(b, a)| b.detail != a.detail)
            .map(|(b, a)| format!("{}: {}", b.clause, changed_words(&b.detail, &a.detail)))
            .collect();
        let heading = what.join("; ");
        let line = format!("{}: {} (still {})", c.question, span(c), c.after.as_str());
        match terms.iter_mut().find(|(h, _)| *h == heading) {
            Some((_, lines)) => lines.push(line),
            None => terms.push((heading, vec![line])),
        }
    }
    if !terms.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        let _ = writeln!(out, "terms changed, decisions the same:");
        for (heading, lines) in &terms {
            let _ = writeln!(out, "{heading}");
            for l in lines {
                let _ = writeln!(out, "  {l}");
            }
        }
    }
    let mut last = "";
    for c in others {
        if c.question != last {
            let _ = writeln!(out, "{}", c.question);
            last = &c.question;
        }
        let _ = writeln!(
            out,
            "  {}: still {}, for other reasons",
            span(c),
            c.after.as_str()
        );
        let _ = writeln!(out, "    before: {}", reasons(&c.reasons_before));
        let _ = writeln!(out, "    after:  {}", reasons(&c.reasons_after));
    }
    for o in &d.one_sided {
        let _ = writeln!(out, "{} ({} only)", o.question, o.side.as_str());
        for w in &o.windows {
            let (from, until) = (w.from, w.until);
            let c = ChangedWindow {
                question: String::new(),
                decision_changed: false,
                from,
                until,
                before: w.decision,
                after: w.decision,
                reasons_before: Vec::new(),
                reasons_after: Vec::new(),
            };
            let _ = writeln!(out, "  {}: {}", span(&c), w.decision.as_str());
            let _ = writeln!(out, "    {}", reasons(&w.reasons));
        }
    }
    for u in &d.unmatched {
        let _ = writeln!(out, "only one side declares {u}");
    }
    let questions = {
        let mut q: Vec<&str> = d.changes.iter().map(|c| c.question.as_str()).collect();
        q.dedup();
        q.len()
    };
    let _ = write!(
        out,
        "{} changed windows in {} questions",
        d.changes.len(),
        questions
    );
    if !d.one_sided.is_empty() {
        let _ = write!(out, "; {} questions on one side only", d.one_sided.len());
    }
    out.push('\n');
    out
}
