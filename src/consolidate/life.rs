//! An agreement's life (language 0.2): when it starts, when its initial term ends, each
//! renewal and the notice deadline before it, and what ended it (a notice of non-renewal, a
//! termination for convenience, renewals used up, the term's end).
//!
//! Computed once per agreement for one environment (assumption values) and knowledge time,
//! from the agreement's header terms and the records about it; every clause of the agreement
//! ends with it (unless it `survives`), and `agreement ID` questions read it.

use chrono::NaiveDate;

use super::{earlier, Bound, Deps, Env};
use crate::model::{Agreement, AmendmentId, EndAlt, PartyId, TermChange, TermEnd, Val};
use crate::time::Duration;

/// What happened in an agreement's life, in order: the reasons of `agreement` answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// In force from this day (its effective day).
    Starts(NaiveDate),
    /// The initial term, up to the day after its last.
    InitialTerm(NaiveDate),
    /// Renewed on this day, no notice of non-renewal having come by the deadline.
    Renewed {
        /// The renewal day.
        on: NaiveDate,
        /// The last day a notice could stop it.
        deadline: NaiveDate,
        /// The renewal's number (1 for the first).
        number: u32,
    },
    /// From this renewal day on, it renews every period unless notice: no record ends it.
    RenewsOn {
        /// The first renewal day not drawn one by one.
        from: NaiveDate,
        /// The renewal period and the notice, as in force then.
        every: Duration,
        notice: Duration,
    },
    /// An amendment of the term (0.2) took effect on this day; what follows reads the term as
    /// amended.
    Amended {
        /// The amendment.
        by: AmendmentId,
        /// Its effective day.
        on: NaiveDate,
    },
    /// A party's notice of non-renewal, in time for a renewal day, ended it on that day.
    Declined {
        /// Who gave notice.
        by: PartyId,
        /// The notice's day.
        noticed: NaiveDate,
        /// The renewal day it stopped (the day the agreement ended).
        ends: NaiveDate,
        /// The notice deadline it met.
        deadline: NaiveDate,
    },
    /// A party terminated it for convenience, effective after the notice.
    Terminated {
        /// Who terminated.
        by: PartyId,
        /// The termination's day.
        on: NaiveDate,
        /// The day it ended.
        ends: NaiveDate,
    },
    /// Its term ended (no renewal, or the renewals written are used up).
    TermEnded(NaiveDate),
}

/// An agreement's life under one reading.
#[derive(Clone, Debug)]
pub struct Life {
    /// Whether the agreement is signed as of the knowledge time.
    pub known: bool,
    /// The first day in force: the effective day (default the signing day).
    pub start: Bound,
    /// The first day no longer in force; `None`: open-ended.
    pub end: Option<Bound>,
    /// The assumptions the start, the renewals and the end rest on.
    pub deps: Deps,
    /// Its story, in order.
    pub steps: Vec<Step>,
}

/// A record about an agreement that its life reads.
#[derive(Clone, Copy, Debug)]
pub enum Notice {
    /// `PARTY declines renewal of AGREEMENT`.
    Decline(PartyId, NaiveDate),
    /// `PARTY terminates AGREEMENT`.
    Terminate(PartyId, NaiveDate),
}

/// The most renewals an answer draws one by one; later ones are one window ("renews every …").
const DRAWN: u32 = 256;

/// The first day of a clause's or term's end alternatives (days, `through` days, events
/// recorded), as a bound; `None` when none has come.
pub fn end_of(
    alts: &[EndAlt],
    env: &Env,
    event_days: &[Option<Bound>],
    day: &dyn Fn(Val<NaiveDate>) -> Option<Bound>,
) -> Option<Bound> {
    let mut end: Option<Bound> = None;
    for alt in alts {
        // A day not known (the end of an open-ended agreement, 0.2) ends nothing.
        let b = match alt {
            EndAlt::Until(v) => day(*v),
            EndAlt::Through(v) => day(*v).and_then(|b| b.next_day()),
            EndAlt::Event(e) => event_days.get(*e as usize).cloned().flatten(),
            EndAlt::After(e, d) => event_days
                .get(*e as usize)
                .cloned()
                .flatten()
                .and_then(|b| shifted(&b, env, *d)),
        };
        end = earlier(end.as_ref(), b.as_ref());
    }
    end
}

/// A day plus a duration, resting on what both rest on (`None` beyond the calendar).
pub fn shifted(b: &Bound, env: &Env, d: crate::model::Val<Duration>) -> Option<Bound> {
    let (d, deps) = env.duration(d);
    let mut all = b.deps().clone();
    all.add(&deps);
    d.after(b.day).map(|day| Bound::new(day, all))
}

/// The `k`-th renewal day (`k` = 0 is the initial term's end). With a term written as a
/// duration of the same kind as the renewal period (both in months, or both in days), it is
/// computed from the effective day in one step, so that month ends never drift; otherwise from
/// the term's end.
fn renewal_day(
    start: NaiveDate,
    term: Option<Duration>,
    first: NaiveDate,
    every: Duration,
    k: u32,
) -> Option<NaiveDate> {
    if let Some(term) = term {
        if let Some(total) = term.plus(every.times(k)?) {
            return total.after(start);
        }
    }
    every.times(k)?.after(first)
}

/// An amendment of an agreement's term (0.2), with its effective day.
pub struct TermAmendment<'a> {
    pub id: AmendmentId,
    pub effective: Bound,
    pub change: &'a TermChange,
    /// Its signing day, to order amendments effective on one day.
    pub signed: NaiveDate,
}

/// The day a step of a life speaks of (its effect's day).
fn step_day(s: &Step) -> NaiveDate {
    match s {
        Step::Starts(d) | Step::InitialTerm(d) | Step::TermEnded(d) => *d,
        Step::Renewed { on, .. } | Step::Amended { on, .. } => *on,
        Step::RenewsOn { from, .. } => *from,
        Step::Declined { ends, .. } | Step::Terminated { ends, .. } => *ends,
    }
}

/// Reads an agreement's life: its own terms, then each amendment of its term (in order of
/// effect) from its effective day on. An amendment that takes effect once the agreement has
/// ended changes nothing; one whose term has already run out by its effective day ends the
/// agreement on that day (no amendment ends an agreement before it is made effective).
pub fn life(
    agreement: &Agreement,
    env: &Env,
    event_days: &[Option<Bound>],
    notices: &[Notice],
    known: bool,
    arises: &dyn Fn(&crate::model::Happening) -> Option<NaiveDate>,
    amendments: &[TermAmendment<'_>],
) -> Life {
    let mut terms = agreement.life.clone();
    let mut out = life_with(agreement, &terms, env, event_days, notices, known, arises);
    for am in amendments {
        let on = am.effective.day;
        if out.end.as_ref().is_some_and(|e| e.day <= on) {
            continue;
        }
        if let Some(t) = &am.change.term {
            terms.term = Some(t.clone());
        }
        if let Some(r) = &am.change.renews {
            // A new renewal (or none) speaks of renewal days on or after the amendment: the
            // period running when it takes effect runs out on its own day, and the schedule
            // goes on from there.
            if am.change.term.is_none() {
                if let Some(next) = next_term_day(&out.steps, on) {
                    terms.term = Some(TermEnd::End(vec![EndAlt::Until(Val::Lit(next))]));
                }
            }
            terms.renews = r.clone();
        }
        let next = life_with(agreement, &terms, env, event_days, notices, known, arises);
        let mut steps: Vec<Step> = out
            .steps
            .into_iter()
            .filter(|s| matches!(s, Step::Starts(_)) || step_day(s) < on)
            .collect();
        if on > out.start.day {
            steps.push(Step::Amended { by: am.id, on });
        }
        steps.extend(
            next.steps
                .into_iter()
                .filter(|s| !matches!(s, Step::Starts(_)) && step_day(s) >= on),
        );
        let mut deps = out.deps;
        deps.add(&next.deps);
        deps.add(am.effective.deps());
        let end = match next.end {
            Some(e) if e.day <= on => {
                steps.retain(|s| !matches!(s, Step::TermEnded(_)));
                steps.push(Step::TermEnded(on));
                Some(Bound::new(on, deps.clone()))
            }
            e => e.map(|e| Bound::new(e.day, deps.clone())),
        };
        out = Life {
            known,
            start: out.start,
            end,
            deps,
            steps,
        };
    }
    out
}

/// The first day on or after `on` on which the life's current term runs out: its initial
/// term's end or a renewal day (drawn, or on the folded schedule).
fn next_term_day(steps: &[Step], on: NaiveDate) -> Option<NaiveDate> {
    for s in steps {
        match s {
            Step::InitialTerm(d) | Step::Renewed { on: d, .. } if *d >= on => return Some(*d),
            Step::RenewsOn { from, every, .. } => {
                let mut k = 0u32;
                loop {
                    let day = every.times(k)?.after(*from)?;
                    if day >= on {
                        return Some(day);
                    }
                    k = k.checked_add(1)?;
                }
            }
            _ => {}
        }
    }
    None
}

/// Reads an agreement's life under one version of its terms.
fn life_with(
    agreement: &Agreement,
    l: &crate::model::Life,
    env: &Env,
    event_days: &[Option<Bound>],
    notices: &[Notice],
    known: bool,
    arises: &dyn Fn(&crate::model::Happening) -> Option<NaiveDate>,
) -> Life {
    let mut deps = Deps::none();
    let signed = env.day(agreement.signed);
    let start = match l.effective {
        Some(v) => env.day(v),
        None => signed,
    };
    deps.add(start.deps());
    let mut steps = vec![Step::Starts(start.day)];
    // The initial term's end.
    let mut term_length = None;
    let first = match &l.term {
        None => None,
        Some(TermEnd::Length(v)) => {
            let (d, x) = env.duration(*v);
            deps.add(&x);
            term_length = Some(d);
            d.after(start.day)
        }
        Some(TermEnd::End(alts)) => end_of(alts, env, event_days, &|v| Some(env.day(v))).map(|b| {
            deps.add(b.deps());
            b.day
        }),
    };
    let mut end: Option<NaiveDate> = first;
    if let Some(first) = first {
        steps.push(Step::InitialTerm(first));
    }
    // Renewals, and the notices that stop them.
    let mut last_renewal: Option<(u32, NaiveDate)> = None;
    // A renewal period of no time renews for ever on one day: `check` refuses it, and one set
    // for a run (`--set`) is read as no renewal at all.
    let renews = l
        .renews
        .as_ref()
        .filter(|r| env.duration(r.every).0.after(NaiveDate::MIN) != Some(NaiveDate::MIN));
    if let (Some(r), Some(first)) = (renews, first) {
        let (every, x) = env.duration(r.every);
        deps.add(&x);
        let (notice, x) = env.duration(r.notice);
        deps.add(&x);
        let day = |k: u32| renewal_day(start.day, term_length, first, every, k);
        let deadline = |e: NaiveDate| notice.before(e);
        // Renewals written as `up to N times` end at the N-th renewal day's successor.
        end = match r.times {
            Some(n) => day(n),
            None => None,
        };
        let mut stopped: Option<Step> = None;
        for n in notices {
            let Notice::Decline(by, noticed) = *n else {
                continue;
            };
            // The first renewal day whose deadline the notice meets.
            let Some(k) = first_k(|k| day(k).and_then(deadline).map(|d| noticed <= d)) else {
                continue;
            };
            if r.times.is_some_and(|n| k >= n) {
                continue;
            }
            let (Some(e), Some(dl)) = (day(k), day(k).and_then(deadline)) else {
                continue;
            };
            if end.is_none_or(|x| e < x) {
                end = Some(e);
                stopped = Some(Step::Declined {
                    by,
                    noticed,
                    ends: e,
                    deadline: dl,
                });
            }
        }
        // The renewals that happened before the end, one by one up to the last record
        // (or the first renewal); beyond that, one folded step.
        let last_record = notices
            .iter()
            .map(|n| match n {
                Notice::Decline(_, d) | Notice::Terminate(_, d) => *d,
            })
            .max();
        let mut k = 0u32;
        while let Some(e) = day(k) {
            if end.is_some_and(|x| e >= x) {
                break;
            }
            // Renewals are drawn one by one up to the last record (at most `DRAWN` of them);
            // the rest are one window.
            if k > 0 && (k >= DRAWN || (end.is_none() && last_record.is_none_or(|d| e > d))) {
                steps.push(Step::RenewsOn {
                    from: e,
                    every,
                    notice,
                });
                break;
            }
            let Some(dl) = deadline(e) else { break };
            steps.push(Step::Renewed {
                on: e,
                deadline: dl,
                number: k + 1,
            });
            last_renewal = Some((k + 1, e));
            k += 1;
        }
        match stopped {
            Some(s) if end.is_some() => steps.push(s),
            _ => {}
        }
    }
    let _ = last_renewal;
    // Terminations for convenience.
    let mut terminated: Option<Step> = None;
    for n in notices {
        let Notice::Terminate(by, on) = *n else {
            continue;
        };
        for right in l.terminable.iter().filter(|t| t.parties.contains(&by)) {
            // A right `on HAPPENING` arises once the happening is recorded: a termination
            // dated before it ends nothing under that right.
            if let Some(pattern) = &right.on {
                if arises(pattern).is_none_or(|day| on < day) {
                    continue;
                }
            }
            let (notice, x) = env.duration(right.notice);
            let Some(ends) = notice.after(on) else {
                continue;
            };
            if end.is_none_or(|e| ends < e) {
                deps.add(&x);
                end = Some(ends);
                terminated = Some(Step::Terminated { by, on, ends });
            }
        }
    }
    match terminated {
        Some(t) => {
            // The termination came first: drop what the term would have done after it.
            steps.retain(|s| !matches!(s, Step::Declined { .. }));
            steps.push(t);
        }
        None => {
            let declined = steps.iter().any(|s| matches!(s, Step::Declined { .. }));
            if let (Some(e), false) = (end, declined) {
                steps.push(Step::TermEnded(e));
            }
        }
    }
    if let Some(e) = end {
        steps.retain(|s| match s {
            Step::Renewed { on, .. } => *on < e,
            Step::InitialTerm(d) => *d <= e,
            _ => true,
        });
    }
    Life {
        known,
        end: end.map(|e| Bound::new(e, deps.clone())),
        start,
        deps,
        steps,
    }
}

/// The least `k` for which `holds(k)` is true, when `holds` is monotone (false, then true);
/// `None` when no day in the calendar's range has it (`holds` gives `None` out of range).
fn first_k(holds: impl Fn(u32) -> Option<bool>) -> Option<u32> {
    let mut hi = 1u32;
    loop {
        match holds(hi) {
            Some(true) => break,
            Some(false) => hi = hi.checked_mul(2)?,
            None => break,
        }
    }
    if holds(0) == Some(true) {
        return Some(0);
    }
    // holds(lo) is false; holds(hi) is true or out of range.
    let mut lo = 0u32;
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        match holds(mid) {
            Some(true) | None => hi = mid,
            Some(false) => lo = mid,
        }
    }
    (holds(hi) == Some(true)).then_some(hi)
}
