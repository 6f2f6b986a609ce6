//! Assumption values for one run, typed: the rules' own values, or those set for the run.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{Bound, Deps};
use std::sync::Arc;

use chrono::Datelike;

use crate::model::{AssumptionId, DayBase, DayExpr, ExprId, Literal, RuleSet, Val};
use crate::money::Money;
use crate::source::Span;
use crate::time::Duration;

/// Assumption values for one run: as written, or overridden (`--set`). A value is always of
/// its assumption's kind (the checker types the written ones, [`Env::set`] refuses others), so
/// the readers below never meet a value of another kind; their fallbacks are unreachable.
///
/// A derived assumption (0.2: `assume selloff_end = $term_end + 90 days`) is computed from the
/// values it is defined over, so setting `term_end` moves it too; its day rests on both.
#[derive(Clone, Debug)]
pub struct Env {
    values: Vec<Literal>,
    /// Which values were set for the run (`--set`), whatever they are.
    set: Vec<bool>,
    /// The assumptions each value rests on: itself, and for a derived one not set for the run,
    /// those its expression rests on.
    deps: Vec<Deps>,
    /// The rules' day expressions and derived assumptions, shared by every environment.
    days: Arc<Days>,
}

#[derive(Debug, Default)]
struct Days {
    exprs: Vec<DayExpr>,
    derived: Vec<Option<ExprId>>,
    order: Vec<AssumptionId>,
}

/// The first and last days a day expression may reach (0000-01-01 to 9999-12-31).
fn in_calendar(day: NaiveDate) -> bool {
    (0..=9999).contains(&day.year())
}

impl Env {
    pub fn defaults(rules: &RuleSet) -> Env {
        let mut env = Env {
            values: rules.assumptions.iter().map(|a| a.value).collect(),
            set: vec![false; rules.assumptions.len()],
            deps: (0..).take(rules.assumptions.len()).map(Deps::one).collect(),
            days: Arc::new(Days {
                exprs: rules.day_exprs.clone(),
                derived: rules.assumptions.iter().map(|a| a.derived).collect(),
                order: rules.derived_order.clone(),
            }),
        };
        env.derive();
        env
    }

    /// Computes each derived assumption not set for the run from what it is defined over.
    fn derive(&mut self) {
        let days = Arc::clone(&self.days);
        for &a in &days.order {
            let Some(Some(e)) = days.derived.get(a as usize).copied() else {
                continue;
            };
            let mut deps = Deps::one(a);
            if !self.is_set(a) {
                if let Some(b) = self.expr(e, &|_| None) {
                    deps.add(b.deps());
                    if let Some(v) = self.values.get_mut(a as usize) {
                        *v = Literal::Day(b.day);
                    }
                }
            }
            if let Some(d) = self.deps.get_mut(a as usize) {
                *d = deps;
            }
        }
    }

    /// Overrides one assumption with a value of its kind; a value of another kind, or an id
    /// the rules do not have, is refused (`false`) and nothing changes.
    pub fn set(&mut self, id: AssumptionId, value: Literal) -> bool {
        match self.values.get_mut(id as usize) {
            Some(v) if v.type_name() == value.type_name() => {
                *v = value;
                if let Some(s) = self.set.get_mut(id as usize) {
                    *s = true;
                }
                self.derive();
                true
            }
            _ => false,
        }
    }

    /// Whether the assumption was set for this run (even to the value the rules give it).
    pub fn is_set(&self, id: AssumptionId) -> bool {
        self.set.get(id as usize).copied().unwrap_or(false)
    }

    pub fn value(&self, id: AssumptionId) -> Option<Literal> {
        self.values.get(id as usize).copied()
    }

    /// The first day expression whose day these values put outside the calendar (0000-01-01
    /// to 9999-12-31), with the assumptions it rests on: the rules cannot be read with them.
    pub fn out_of_range(&self) -> Option<(ExprId, Span)> {
        (0..).zip(&self.days.exprs).find_map(|(i, e)| {
            let fixed = matches!(e.base, DayBase::Day(_));
            (fixed && self.expr(i, &|_| None).is_none()).then_some((i, e.span))
        })
    }

    pub fn day(&self, v: Val<NaiveDate>) -> Bound {
        match v {
            Val::Lit(day) => Bound::fixed(day),
            Val::Assumed(id) => Bound::new(
                match self.value(id) {
                    Some(Literal::Day(d)) => d,
                    _ => NaiveDate::MIN,
                },
                self.deps
                    .get(id as usize)
                    .cloned()
                    .unwrap_or_else(|| Deps::one(id)),
            ),
            // The checker reads `end of` only where [`Env::day_with`] is used, and refuses
            // the rules when a fixed expression leaves the calendar.
            Val::Expr(e) => self
                .expr(e, &|_| None)
                .unwrap_or_else(|| Bound::fixed(NaiveDate::MIN)),
        }
    }

    /// A day that may be `end of` / `start of` an agreement or clause: `of` gives those
    /// (`None`: not known, such as the end of an open-ended agreement). `None` when the day is
    /// not known or leaves the calendar.
    pub fn day_with(
        &self,
        v: Val<NaiveDate>,
        of: &dyn Fn(DayBase) -> Option<Bound>,
    ) -> Option<Bound> {
        match v {
            Val::Expr(e) => self.expr(e, of),
            v => Some(self.day(v)),
        }
    }

    fn expr(&self, e: ExprId, of: &dyn Fn(DayBase) -> Option<Bound>) -> Option<Bound> {
        let expr = self.days.exprs.get(e as usize)?;
        let mut b = match expr.base {
            DayBase::Day(v) => self.day(v),
            base => of(base)?,
        };
        for (plus, d) in &expr.shifts {
            let (d, deps) = self.duration(*d);
            b = b.shifted(
                |day| if *plus { d.after(day) } else { d.before(day) },
                &deps,
            )?;
            if !in_calendar(b.day) {
                return None;
            }
        }
        in_calendar(b.day).then_some(b)
    }

    pub fn percent(&self, v: Val<Decimal>) -> (Decimal, Deps) {
        match v {
            Val::Lit(p) => (p, Deps::none()),
            Val::Assumed(id) => match self.value(id) {
                Some(Literal::Percent(p)) => (p, Deps::one(id)),
                _ => (Decimal::ZERO, Deps::one(id)),
            },
            Val::Expr(_) => (Decimal::ZERO, Deps::none()),
        }
    }

    pub fn money(&self, v: Val<Money>) -> Option<(Money, Deps)> {
        match v {
            Val::Lit(m) => Some((m, Deps::none())),
            Val::Assumed(id) => match self.value(id) {
                Some(Literal::Money(m)) => Some((m, Deps::one(id))),
                _ => None,
            },
            Val::Expr(_) => None,
        }
    }

    pub fn duration(&self, v: Val<Duration>) -> (Duration, Deps) {
        match v {
            Val::Lit(d) => (d, Deps::none()),
            Val::Assumed(id) => match self.value(id) {
                Some(Literal::Duration(d)) => (d, Deps::one(id)),
                _ => (Duration::ZERO, Deps::one(id)),
            },
            Val::Expr(_) => (Duration::ZERO, Deps::none()),
        }
    }
}
