//! When fixed payments fall due (language 0.2): on a day, on a happening plus a duration, or
//! on the first day of each period that starts inside the clause's days in force. One reading
//! for answers, ledger positions and the chart.

use chrono::NaiveDate;

use super::{life, Bound, Consolidated, Env, Version};
use crate::model::{Body, ClauseId, DayBase, Due, RuleSet, Val};

/// The most recurring payments drawn for one version whose days in force never end.
pub const MAX_RECURRING: usize = 1200;

/// The days a payment version falls due, within its days in force, in order.
pub fn due_days(rules: &RuleSet, cons: &Consolidated, env: &Env, v: &Version) -> Vec<Bound> {
    let Body::Payment { due, .. } = &v.terms.body else {
        return Vec::new();
    };
    let inside = |b: &Bound| v.in_force.contains(b.day);
    match due {
        Due::On(d) => day_of(cons, env, *d).filter(inside).into_iter().collect(),
        Due::OnEvent(e, plus) => {
            let day = cons.event_days.get(*e as usize).cloned().flatten();
            let day = match (day, plus) {
                (Some(b), Some(d)) => life::shifted(&b, env, *d),
                (day, None) => day,
                (None, Some(_)) => None,
            };
            day.filter(inside).into_iter().collect()
        }
        Due::Every(period) => {
            let Some(start) = v.in_force.start.as_ref() else {
                return Vec::new();
            };
            // Contract years run from the agreement's effective day.
            let anchor = rules
                .clause(v.clause)
                .and_then(|c| cons.lives.get(c.agreement as usize))
                .map_or(start.day, |l| l.start.day);
            let mut out = Vec::new();
            let mut day = crate::time::period_start_on_or_after(*period, anchor, start.day);
            while let Some(d) = day {
                if !v.in_force.contains(d) || out.len() >= MAX_RECURRING {
                    break;
                }
                out.push(Bound::new(d, start.deps().clone()));
                day = d
                    .succ_opt()
                    .and_then(|n| crate::time::period_start_on_or_after(*period, anchor, n));
            }
            out
        }
    }
}

/// A day of a clause's terms, `end of` / `start of` read from the consolidated lives and
/// clause windows; `None` when not known.
pub fn day_of(cons: &Consolidated, env: &Env, v: Val<NaiveDate>) -> Option<Bound> {
    day_in(env, &cons.lives, v, &|c| {
        let live: Vec<&Version> = cons.of(c).filter(|x| !x.in_force.is_empty()).collect();
        let first = live.first()?.in_force.start.clone()?;
        Some((first, live.last().and_then(|x| x.in_force.end.clone())))
    })
}

/// A day that may be `end of` / `start of` an agreement (from its life) or a clause (from
/// `span`: its first day in force and the day after its last, `None` when never in force).
pub fn day_in(
    env: &Env,
    lives: &[life::Life],
    v: Val<NaiveDate>,
    span: &dyn Fn(ClauseId) -> Option<(Bound, Option<Bound>)>,
) -> Option<Bound> {
    let of = |base: DayBase| -> Option<Bound> {
        let DayBase::Of {
            end,
            agreement,
            clause,
        } = base
        else {
            return None;
        };
        match clause {
            Some(c) => {
                let (s, e) = span(c)?;
                if end {
                    e
                } else {
                    Some(s)
                }
            }
            None => {
                let life = lives.get(agreement as usize).filter(|l| l.known)?;
                if end {
                    life.end.clone()
                } else {
                    Some(life.start.clone())
                }
            }
        }
    };
    env.day_with(v, &of)
}
