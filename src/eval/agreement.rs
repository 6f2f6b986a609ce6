//! `agreement ID [at DAY]` (language 0.2): is the agreement in force, and why. The answer's
//! windows are the agreement's life as consolidated: not yet effective, its initial term, each
//! renewal with the notice deadline it passed, the renewals to come folded into one window,
//! and what ended it.

use chrono::NaiveDate;

use super::answer::{Decision, Effect, Reason, Ruling, When};
use super::Engine;
use crate::consolidate::life::{Life, Step};
use crate::consolidate::Deps;
use crate::model::{AgreementId, TermEnd};
use crate::time::iso;

impl Engine {
    /// The windows of an agreement's life.
    pub(super) fn agreement_when(&self, id: AgreementId) -> When {
        let name = self.rules.agreement_name(id).to_string();
        let windows = match self.cons.lives.get(id as usize) {
            Some(life) if life.known => self.life_windows(id, &name, life),
            _ => vec![ruling(
                None,
                None,
                Decision::NotInForce,
                reason(
                    &name,
                    Effect::Term,
                    match self.cons.as_of {
                        Some(k) => format!("not signed as of {}", iso(k)),
                        None => "not signed".to_string(),
                    },
                ),
                Deps::none(),
            )],
        };
        When {
            pieces: windows.clone(),
            windows,
        }
    }

    fn life_windows(&self, id: AgreementId, name: &str, life: &Life) -> Vec<Ruling> {
        let mut deps = life.deps.clone();
        if let Some(a) = self.rules.agreements.get(id as usize) {
            if self.cons.as_of.is_some() {
                deps.add(self.env.day(a.signed).deps());
            }
        }
        let agreement = self.rules.agreements.get(id as usize);
        let party = |p: crate::model::PartyId| self.rules.party(p).to_string();
        let start = life.start.day;
        let end = life.end.as_ref().map(|b| b.day);
        let mut out = vec![ruling(
            None,
            Some(start),
            Decision::NotInForce,
            reason(name, Effect::Term, format!("effective from {}", iso(start))),
            deps.clone(),
        )];
        // In-force windows: the initial term, then each renewal (or the folded rest).
        let term_text = match agreement.and_then(|a| a.life.term.as_ref()) {
            Some(TermEnd::Length(v)) => format!("initial term of {}", self.env.duration(*v).0),
            Some(TermEnd::End(_)) => "initial term".to_string(),
            None => "no term: in force until it is ended".to_string(),
        };
        let mut spans: Vec<(NaiveDate, Effect, String)> = Vec::new();
        // The initial term as first written: its end, unless an amendment came before it.
        let initial_end = life
            .steps
            .iter()
            .take_while(|s| !matches!(s, Step::Amended { .. }))
            .find_map(|s| match s {
                Step::InitialTerm(d) => Some(*d),
                _ => None,
            });
        spans.push((
            start,
            Effect::Term,
            match initial_end {
                Some(e) => format!("{term_text}, from {} until {}", iso(start), iso(e)),
                None => format!("in force from {}; {term_text}", iso(start)),
            },
        ));
        for step in &life.steps {
            match step {
                Step::Renewed {
                    on,
                    deadline,
                    number,
                } => spans.push((
                    *on,
                    Effect::Renewal,
                    format!(
                        "renewal {number}, on {}: no notice of non-renewal by {}",
                        iso(*on),
                        iso(*deadline)
                    ),
                )),
                Step::RenewsOn {
                    from,
                    every,
                    notice,
                } => {
                    spans.push((
                        *from,
                        Effect::Renewal,
                        format!(
                            "renews from {} every {every} unless notice {notice} before a renewal day",
                            iso(*from)
                        ),
                    ));
                }
                Step::Amended { by, on } => {
                    spans.push((*on, Effect::Term, self.amended_text(*by, *on, life)));
                }
                _ => {}
            }
        }
        let spans: Vec<_> = spans
            .into_iter()
            .filter(|(from, ..)| end.is_none_or(|e| *from < e))
            .collect();
        for (i, (from, effect, detail)) in spans.iter().enumerate() {
            let until = spans.get(i + 1).map(|(next, ..)| *next).or(end);
            out.push(ruling(
                Some(*from),
                until,
                Decision::InForce,
                reason(name, *effect, detail.clone()),
                deps.clone(),
            ));
        }
        if let Some(e) = end {
            let (effect, detail) = match life.steps.last() {
                Some(Step::Declined {
                    by,
                    noticed,
                    ends,
                    deadline,
                }) => (
                    Effect::Notice,
                    format!(
                        "{} gave notice of non-renewal on {}, by the deadline {}: ended on {}",
                        party(*by),
                        iso(*noticed),
                        iso(*deadline),
                        iso(*ends)
                    ),
                ),
                Some(Step::Terminated { by, on, ends }) => (
                    Effect::Termination,
                    format!(
                        "{} terminated it for convenience on {}: ended on {}",
                        party(*by),
                        iso(*on),
                        iso(*ends)
                    ),
                ),
                _ => (Effect::Term, format!("its term ended on {}", iso(e))),
            };
            out.push(ruling(
                Some(e),
                None,
                Decision::NotInForce,
                reason(name, effect, detail),
                deps,
            ));
        }
        // An agreement that ends on or before it starts has no in-force window at all.
        out.retain(|w| match (w.from, w.until) {
            (Some(f), Some(u)) => f < u,
            _ => true,
        });
        merge_same(out)
    }
}

impl Engine {
    /// What an amendment of the term changed, in words: `term as amended by `x` from D: term 5
    /// years, now ending 2031-02-01; no more renewals`.
    fn amended_text(&self, by: crate::model::AmendmentId, on: NaiveDate, life: &Life) -> String {
        let Some(a) = self.rules.amendments.get(by as usize) else {
            return format!("term as amended from {}", iso(on));
        };
        let mut parts: Vec<String> = Vec::new();
        for (change, _) in &a.changes {
            let crate::model::Edit::Term(t) = change else {
                continue;
            };
            match &t.term {
                Some(TermEnd::Length(v)) => {
                    parts.push(format!("a term of {}", self.env.duration(*v).0))
                }
                Some(TermEnd::End(_)) => parts.push("a new end of term".to_string()),
                None => {}
            }
            match &t.renews {
                Some(None) => parts.push("no more renewals".to_string()),
                Some(Some(r)) => parts.push(format!(
                    "renewal every {} unless notice {}",
                    self.env.duration(r.every).0,
                    self.env.duration(r.notice).0
                )),
                None => {}
            }
        }
        // The initial term's end as amended, when this amendment is the last word on it.
        let next_end = life
            .steps
            .iter()
            .skip_while(|s| !matches!(s, Step::Amended { by: b, .. } if *b == by))
            .skip(1)
            .take_while(|s| !matches!(s, Step::Amended { .. }))
            .find_map(|s| match s {
                Step::InitialTerm(d) => Some(*d),
                _ => None,
            });
        if let Some(e) = next_end.filter(|e| *e > on) {
            parts.push(format!("the term then running ends on {}", iso(e)));
        }
        format!(
            "term as amended by `{}` from {}: {}",
            a.name.id,
            iso(on),
            parts.join("; ")
        )
    }
}

/// Adjacent windows that say the same are one.
fn merge_same(windows: Vec<Ruling>) -> Vec<Ruling> {
    let mut out: Vec<Ruling> = Vec::with_capacity(windows.len());
    for w in windows {
        match out.last_mut() {
            Some(last) if last.decision == w.decision && last.reasons == w.reasons => {
                last.until = w.until;
            }
            Some(last) if last.until != w.from => {
                // Overlap from a start after the end: the later window starts where the last
                // ended.
                let mut w = w;
                w.from = last.until;
                out.push(w);
            }
            _ => out.push(w),
        }
    }
    out
}

fn reason(agreement: &str, effect: Effect, detail: String) -> Reason {
    Reason {
        clause: agreement.to_string(),
        effect,
        detail,
        // Agreement rulings are never swept: the clause index is not read.
        clause_id: 0,
        title: None,
        from: None,
        until: None,
        deps: Deps::none(),
        stretches: Vec::new(),
    }
}

fn ruling(
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
    decision: Decision,
    reason: Reason,
    assumptions: Deps,
) -> Ruling {
    Ruling {
        from,
        until,
        decision,
        reasons: vec![reason],
        assumptions,
    }
}
