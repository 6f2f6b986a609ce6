//! Assumption values for one run, typed: the rules' own values, or those set for the run.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{Bound, Deps};
use crate::model::{AssumptionId, Literal, RuleSet, Val};
use crate::money::Money;
use crate::time::Duration;

/// Assumption values for one run: as written, or overridden (`--set`). A value is always of
/// its assumption's kind (the checker types the written ones, [`Env::set`] refuses others), so
/// the readers below never meet a value of another kind; their fallbacks are unreachable.
#[derive(Clone, Debug)]
pub struct Env {
    values: Vec<Literal>,
    /// Which values were set for the run (`--set`), whatever they are.
    set: Vec<bool>,
}

impl Env {
    pub fn defaults(rules: &RuleSet) -> Env {
        Env {
            values: rules.assumptions.iter().map(|a| a.value).collect(),
            set: vec![false; rules.assumptions.len()],
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

    pub fn day(&self, v: Val<NaiveDate>) -> Bound {
        match v {
            Val::Lit(day) => Bound::fixed(day),
            Val::Assumed(id) => Bound::new(
                match self.value(id) {
                    Some(Literal::Day(d)) => d,
                    _ => NaiveDate::MIN,
                },
                Deps::one(id),
            ),
        }
    }

    pub fn percent(&self, v: Val<Decimal>) -> (Decimal, Deps) {
        match v {
            Val::Lit(p) => (p, Deps::none()),
            Val::Assumed(id) => match self.value(id) {
                Some(Literal::Percent(p)) => (p, Deps::one(id)),
                _ => (Decimal::ZERO, Deps::one(id)),
            },
        }
    }

    pub fn money(&self, v: Val<Money>) -> Option<(Money, Deps)> {
        match v {
            Val::Lit(m) => Some((m, Deps::none())),
            Val::Assumed(id) => match self.value(id) {
                Some(Literal::Money(m)) => Some((m, Deps::one(id))),
                _ => None,
            },
        }
    }

    pub fn duration(&self, v: Val<Duration>) -> (Duration, Deps) {
        match v {
            Val::Lit(d) => (d, Deps::none()),
            Val::Assumed(id) => match self.value(id) {
                Some(Literal::Duration(d)) => (d, Deps::one(id)),
                _ => (Duration::ZERO, Deps::one(id)),
            },
        }
    }
}
