//! The day each event happens, as known at the knowledge time: the first record of it, or, for
//! a derived event (0.2), the day its pattern says: the first matching record (`when
//! HAPPENING`), or the day after a deadline that passed with no matching record (`when no
//! HAPPENING by DAY`). A derived day rests on the assumptions its deadline does.

use chrono::NaiveDate;

use super::{known, Bound, Env};
use crate::model::{EventWhen, Happening, RuleSet};

/// Each event's day (`None`: it has not happened, as far as is known).
pub fn event_days(rules: &RuleSet, env: &Env, as_of: Option<NaiveDate>) -> Vec<Option<Bound>> {
    let mut days: Vec<Option<Bound>> = vec![None; rules.events.len()];
    for r in &rules.records {
        if let (Happening::Event(e), true) = (&r.happening, known(r.day, as_of)) {
            if let Some(slot) = days.get_mut(*e as usize) {
                if slot.as_ref().is_none_or(|b| r.day < b.day) {
                    *slot = Some(Bound::fixed(r.day));
                }
            }
        }
    }
    // Derived events, each after the events its pattern names (the checker refuses cycles;
    // a cycle met here regardless leaves the event unhappened rather than looping).
    let mut state = vec![Visit::New; rules.events.len()];
    for e in 0..rules.events.len() {
        derive(rules, env, as_of, e, &mut days, &mut state);
    }
    days
}

/// The first known day a pattern happened, once every event's day is known.
pub fn first_day(
    rules: &RuleSet,
    as_of: Option<NaiveDate>,
    pattern: &Happening,
    event_days: &[Option<Bound>],
) -> Option<NaiveDate> {
    if let Happening::Event(e) = pattern {
        return event_days
            .get(*e as usize)
            .cloned()
            .flatten()
            .map(|b| b.day);
    }
    rules
        .records
        .iter()
        .filter(|r| {
            known(r.day, as_of) && pattern.matches(&r.happening, &|a, b| lies_within(rules, a, b))
        })
        .map(|r| r.day)
        .min()
}

/// Territory `a` lies within `b` (itself, an ancestor, or `world`).
fn lies_within(rules: &RuleSet, a: u32, b: u32) -> bool {
    if b == 0 || a == b {
        return true;
    }
    let mut seen = vec![false; rules.territories.len()];
    let mut stack = vec![a];
    while let Some(t) = stack.pop() {
        match seen.get_mut(t as usize) {
            Some(s) if !*s => *s = true,
            _ => continue,
        }
        if t == b {
            return true;
        }
        if let Some(r) = rules.territories.get(t as usize) {
            stack.extend(r.within.iter().copied());
        }
    }
    false
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    New,
    Open,
    Done,
}

fn derive(
    rules: &RuleSet,
    env: &Env,
    as_of: Option<NaiveDate>,
    e: usize,
    days: &mut [Option<Bound>],
    state: &mut [Visit],
) {
    match state.get(e) {
        Some(Visit::New) => {}
        _ => return,
    }
    if let Some(s) = state.get_mut(e) {
        *s = Visit::Open;
    }
    let when = rules.events.get(e).and_then(|d| d.when.as_ref());
    let derived = match when {
        None => None,
        Some(EventWhen::Happens(p)) => first(rules, env, as_of, p, None, days, state),
        Some(EventWhen::NoneBy(p, by)) => {
            let deadline = env.day(*by);
            let happened = first(rules, env, as_of, p, Some(deadline.day), days, state);
            match (happened, deadline.next_day()) {
                (None, Some(after)) if known(after.day, as_of) => Some(after),
                _ => None,
            }
        }
    };
    if let (Some(d), Some(slot)) = (derived, days.get_mut(e)) {
        if slot.as_ref().is_none_or(|b| d.day < b.day) {
            *slot = Some(d);
        }
    }
    if let Some(s) = state.get_mut(e) {
        *s = Visit::Done;
    }
}

/// The first known day a pattern happened (no later than `by`, if given).
fn first(
    rules: &RuleSet,
    env: &Env,
    as_of: Option<NaiveDate>,
    pattern: &Happening,
    by: Option<NaiveDate>,
    days: &mut [Option<Bound>],
    state: &mut [Visit],
) -> Option<Bound> {
    let within = |d: NaiveDate| by.is_none_or(|b| d <= b);
    if let Happening::Event(f) = pattern {
        derive(rules, env, as_of, *f as usize, days, state);
        return days
            .get(*f as usize)
            .cloned()
            .flatten()
            .filter(|b| within(b.day));
    }
    rules
        .records
        .iter()
        .filter(|r| {
            known(r.day, as_of)
                && within(r.day)
                && pattern.matches(&r.happening, &|a, b| lies_within(rules, a, b))
        })
        .map(|r| r.day)
        .min()
        .map(Bound::fixed)
}
