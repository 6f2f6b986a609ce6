//! Sublicences (language 0.2): who other than a product's owner may license it onward, and
//! what a licence granted by such a party is worth.
//!
//! A licence written `sublicensable [with consent of C]` lets its licensee license the product
//! onward within the licence's own scope and window, once C's consent to that licensee is on
//! record (`C consents PRODUCT to PARTY`). A licence whose licensor is not the owner is a
//! sublicence when its licensor holds a sublicensable licence of the product: it grants only
//! where and when that licensor may license onward, so chains of sublicences are read link by
//! link (to a depth of [`MAX_DEPTH`]; a longer or circular chain grants nothing past it). A
//! licence from a non-owner that holds no sublicensable licence keeps 0.1's reading.

use chrono::NaiveDate;

use super::answer::{Decision, Effect, Reason, When};
use super::place::Place;
use super::sweep::{self, Rule};
use super::Engine;
use crate::consolidate::{self, Bound, Deps, Interval, Version};
use crate::model::*;

/// The longest chain of sublicences read (owner → licensee → … ), links counted from the owner.
pub const MAX_DEPTH: u32 = 8;

impl Engine {
    /// Whether the product has a sublicensable licence held by the party (so a licence the
    /// party grants is a sublicence, read through its own rights).
    pub(super) fn holds_sublicensable(&self, product: ProductId, party: PartyId) -> bool {
        self.clauses_for(product).any(|v| {
            matches!(&v.terms.body, Body::Licence { licensee, with_affiliates, sublicensable: Some(_), .. }
                if *licensee == party || (*with_affiliates && self.rules.within_group(party, *licensee)))
        })
    }

    /// When `licensor` (not the owner) may license the product to `to` in the place: the
    /// answer to `license PRODUCT by LICENSOR to TO`, read at chain depth `depth`.
    pub(super) fn sublicence_when(
        &self,
        product: ProductId,
        licensor: PartyId,
        to: PartyId,
        place: Place,
        depth: u32,
    ) -> When {
        let mut effects: Vec<(Interval, Reason)> = Vec::new();
        self.sublicence_effects(product, licensor, to, place, depth, &mut effects);
        let cover = |permits: &[Reason], day: Option<NaiveDate>| {
            let scopes: Vec<&Scope> = permits
                .iter()
                .map(|r| self.scope_at(r.clause_id, day))
                .collect();
            self.geo.covered(&scopes, place)
        };
        sweep::sweep(Rule::Licensed, &effects, &cover)
    }

    fn sublicence_effects(
        &self,
        product: ProductId,
        licensor: PartyId,
        to: PartyId,
        place: Place,
        depth: u32,
        out: &mut Vec<(Interval, Reason)>,
    ) {
        for v in self.clauses_for(product) {
            if !self.geo.overlaps(v.terms.scope(), place) {
                continue;
            }
            match &v.terms.body {
                // `forbid license` (0.2), done by this licensor or by anyone.
                Body::Rule {
                    action: Action::License,
                    ..
                } => {
                    let by = &v.terms.scope().done_by;
                    if by.is_empty() || by.contains(&licensor) {
                        let r = self.reason(v, Effect::Forbid, self.sentence(v), &Deps::none());
                        out.push((v.in_force.clone(), r));
                    }
                }
                Body::Licence {
                    licensor: granter,
                    licensee,
                    with_affiliates,
                    sublicensable: Some(consent),
                    ..
                } => {
                    let holds = *licensee == licensor
                        || (*with_affiliates && self.rules.within_group(licensor, *licensee));
                    if !holds {
                        continue;
                    }
                    for iv in self.licence_reach(v, product, *granter, *licensee, place, depth) {
                        self.consent_effects(v, iv, product, *consent, to, out);
                    }
                }
                _ => {}
            }
        }
    }

    /// The days a licence reaches: its days in force, and for a sublicence (its licensor not
    /// the owner but holding a sublicensable licence) only those on which its licensor may
    /// license onward to its licensee.
    pub(super) fn licence_reach(
        &self,
        v: &Version,
        product: ProductId,
        granter: PartyId,
        licensee: PartyId,
        place: Place,
        depth: u32,
    ) -> Vec<Interval> {
        let owner = self.rules.products.get(product as usize).map(|p| p.owner);
        let reach = if owner == Some(granter) || !self.holds_sublicensable(product, granter) {
            vec![v.in_force.clone()]
        } else if depth >= MAX_DEPTH {
            Vec::new()
        } else {
            let onward = self.sublicence_when(product, granter, licensee, place, depth + 1);
            onward
                .windows
                .iter()
                .filter(|w| w.decision == Decision::Permitted)
                .map(|w| {
                    v.in_force.intersect(&Interval {
                        start: w.from.map(|d| Bound::new(d, w.assumptions.clone())),
                        end: w.until.map(|d| Bound::new(d, w.assumptions.clone())),
                        rests_on: Deps::none(),
                    })
                })
                .filter(|iv| !iv.is_empty())
                .collect()
        };
        let conflicts: Vec<Interval> = self
            .conflicts(v, product, place)
            .into_iter()
            .map(|(iv, _)| iv)
            .collect();
        if conflicts.is_empty() {
            return reach;
        }
        reach.iter().flat_map(|r| minus(r, &conflicts)).collect()
    }

    /// Exclusive licences of the same licensor to another party, signed before this licence,
    /// in force while it is and overlapping the place asked about (0.2: conflicting grants):
    /// the days this licence grants nothing there, each with the clause that holds them.
    pub(super) fn conflicts(
        &self,
        v: &Version,
        product: ProductId,
        place: Place,
    ) -> Vec<(Interval, ClauseId)> {
        let Body::Licence {
            licensor, licensee, ..
        } = v.terms.body
        else {
            return Vec::new();
        };
        let signed = self.clause_signed(v.clause);
        let mut out = Vec::new();
        // Other clauses only (a clause amended ten thousand times is one clause), and their
        // versions in force some day.
        let others = self
            .exclusive_by_product
            .get(product as usize)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter(|c| **c != v.clause);
        let versions = others.flat_map(|c| self.versions(*c).iter());
        for e in versions.filter(|e| !e.in_force.is_empty() || e.in_force.is_assumed()) {
            let Body::Licence {
                licensor: l,
                licensee: holder,
                exclusive: true,
                ..
            } = e.terms.body
            else {
                continue;
            };
            if l != licensor
                || holder == licensee
                || e.clause == v.clause
                || !(written_in_0_2(v) || written_in_0_2(e))
                || self.clause_signed(e.clause) >= signed
                || !self.geo.overlaps(e.terms.scope(), place)
            {
                continue;
            }
            let iv = e.in_force.intersect(&v.in_force);
            if !iv.is_empty() {
                out.push((iv, e.clause));
            }
        }
        out
    }

    /// The day a clause was signed: its agreement's, or the amendment's that added it.
    fn clause_signed(&self, c: ClauseId) -> NaiveDate {
        let Some(clause) = self.rules.clause(c) else {
            return NaiveDate::MAX;
        };
        let v = match clause.added_by {
            Some(a) => self.rules.amendments.get(a as usize).map(|a| a.signed),
            None => self
                .rules
                .agreements
                .get(clause.agreement as usize)
                .map(|a| a.signed),
        };
        v.map_or(NaiveDate::MAX, |v| self.env.day(v).day)
    }

    /// A licence's effect over the days it reaches; for a sublicence, the days in force that it
    /// does not reach say why (`awaits`: its licensor may not license onward then).
    pub(super) fn reach_effects(
        &self,
        v: &Version,
        product: ProductId,
        place: Place,
        effect: Effect,
        out: &mut Vec<(Interval, Reason)>,
    ) {
        let Body::Licence {
            licensor: granter,
            licensee,
            ..
        } = v.terms.body
        else {
            return;
        };
        let reach = self.licence_reach(v, product, granter, licensee, place, 0);
        let sentence = self.sentence(v);
        let whole = reach.len() == 1 && reach.first() == Some(&v.in_force);
        let conflicts = if whole {
            Vec::new()
        } else {
            self.conflicts(v, product, place)
        };
        for (iv, by) in &conflicts {
            let name = self.rules.clause(*by).map_or("?", |c| c.qualified.as_str());
            let why = format!(
                "{sentence}: grants nothing here while `{name}`, an exclusive licence signed before it, holds"
            );
            out.push((
                iv.clone(),
                self.reason(v, Effect::Overridden, why, &Deps::none()),
            ));
        }
        let owner = self.rules.products.get(product as usize).map(|p| p.owner);
        let sublicence = owner != Some(granter) && self.holds_sublicensable(product, granter);
        if !whole && sublicence {
            let cut: Vec<Interval> = conflicts.iter().map(|(iv, _)| iv.clone()).collect();
            let mut covered = reach.clone();
            covered.extend(cut);
            let (who, whom) = (self.rules.party(granter), self.rules.party(licensee));
            let why = format!(
                "{sentence}: a sublicence, in force only while {who} may license {} onward to {whom}",
                self.rules.product(product)
            );
            for gap in gaps(&v.in_force, &reach) {
                out.push((
                    gap,
                    self.reason(v, Effect::Awaits, why.clone(), &Deps::none()),
                ));
            }
        }
        for iv in reach {
            out.push((iv, self.reason(v, effect, sentence.clone(), &Deps::none())));
        }
    }

    /// A sublicensable licence's grant to license onward to `to`, over `iv`: at once without a
    /// consent to wait for, else from the first consent on record (known at the knowledge
    /// time), awaiting it before.
    fn consent_effects(
        &self,
        v: &Version,
        iv: Interval,
        product: ProductId,
        consent: Option<PartyId>,
        to: PartyId,
        out: &mut Vec<(Interval, Reason)>,
    ) {
        let sentence = self.sentence(v);
        let Some(c) = consent else {
            out.push((iv, self.reason(v, Effect::Grant, sentence, &Deps::none())));
            return;
        };
        let as_of = self.cons.as_of;
        let day: Option<NaiveDate> = self
            .rules
            .records
            .iter()
            .filter(|r| consolidate::known(r.day, as_of))
            .filter(|r| {
                matches!(&r.happening, Happening::Act { party, verb, object, to: Some(t), .. }
                    if *party == c && verb == "consents" && *object == Object::Product(product) && *t == to)
            })
            .map(|r| r.day)
            .min();
        let (who, whom) = (self.rules.party(c), self.rules.party(to));
        let waiting = format!("{sentence}: awaits the consent of {who} to {whom}");
        match day {
            Some(d) => {
                let from = Interval {
                    start: Some(Bound::fixed(d)),
                    end: None,
                    rests_on: Deps::none(),
                };
                let before = Interval {
                    start: None,
                    end: Some(Bound::fixed(d)),
                    rests_on: Deps::none(),
                };
                let given = format!(
                    "{sentence}: {who} consented to {whom} on {}",
                    crate::time::iso(d)
                );
                out.push((
                    iv.intersect(&before),
                    self.reason(v, Effect::Awaits, waiting, &Deps::none()),
                ));
                out.push((
                    iv.intersect(&from),
                    self.reason(v, Effect::Grant, given, &Deps::none()),
                ));
            }
            None => out.push((iv, self.reason(v, Effect::Awaits, waiting, &Deps::none()))),
        }
    }
}

/// The parts of `whole` outside the sorted, disjoint intervals `parts` (each inside `whole`).
fn gaps(whole: &Interval, parts: &[Interval]) -> Vec<Interval> {
    let mut out = Vec::new();
    let mut from = whole.start.clone();
    for p in parts {
        let gap = Interval {
            start: from.clone(),
            end: p.start.clone(),
            rests_on: Deps::none(),
        };
        if p.start.is_some() && !gap.is_empty() {
            out.push(gap);
        }
        match &p.end {
            Some(e) => from = Some(e.clone()),
            None => return out,
        }
    }
    let last = Interval {
        start: from,
        end: whole.end.clone(),
        rests_on: Deps::none(),
    };
    if !last.is_empty() {
        out.push(last);
    }
    out
}

/// Sorted, merged: the days in any of the intervals.
fn union(mut ivs: Vec<Interval>) -> Vec<Interval> {
    ivs.retain(|i| !i.is_empty());
    ivs.sort_by_key(|i| i.start.as_ref().map(|b| b.day));
    let mut out: Vec<Interval> = Vec::with_capacity(ivs.len());
    for iv in ivs {
        if let Some(last) = out.last_mut() {
            let touches = match (&last.end, &iv.start) {
                (None, _) => true,
                (Some(e), Some(s)) => s.day <= e.day,
                (Some(_), None) => true,
            };
            if touches {
                let later = match (&last.end, &iv.end) {
                    (None, _) | (_, None) => None,
                    (Some(a), Some(b)) => Some(if b.day > a.day { b.clone() } else { a.clone() }),
                };
                last.end = later;
                continue;
            }
        }
        out.push(iv);
    }
    out
}

/// The days of `whole` in none of `cut`.
fn minus(whole: &Interval, cut: &[Interval]) -> Vec<Interval> {
    let inside: Vec<Interval> = cut.iter().map(|c| c.intersect(whole)).collect();
    gaps(whole, &union(inside))
}

/// Whether a licence uses a term of 0.2 (a scope, the `deploy` right, `with affiliates`,
/// `sublicensable`): between two licences written wholly in 0.1's terms, 0.1's reading stands
/// and a later licence grants use whatever an earlier exclusive one says.
fn written_in_0_2(v: &Version) -> bool {
    match &v.terms.body {
        Body::Licence {
            deploy,
            with_affiliates,
            sublicensable,
            ..
        } => {
            *deploy
                || *with_affiliates
                || sublicensable.is_some()
                || !v.terms.scope().is_everywhere()
        }
        _ => false,
    }
}
