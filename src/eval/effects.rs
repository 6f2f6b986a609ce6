//! The effects of clauses on one subject: for each clause that speaks to a question, the
//! days it is in force and what it does there (forbid, permit, owe), with the reason in
//! words. The sweep (`sweep.rs`) turns these into rulings; the engine (`mod.rs`) keeps them.

use super::answer::{Effect, Reason};
use chrono::NaiveDate;

use super::place::Place;
use super::{explain, Engine};
use crate::consolidate::{self, Bound, Deps, Interval, Version};
use crate::model::*;

impl Engine {
    pub(super) fn reason(
        &self,
        v: &Version,
        effect: Effect,
        detail: String,
        extra: &Deps,
    ) -> Reason {
        let clause = self.rules.clause(v.clause);
        let mut deps = extra.clone();
        deps.add(&v.in_force.all_deps());
        Reason {
            clause: clause.map_or_else(String::new, |c| c.qualified.clone()),
            effect,
            detail,
            clause_id: v.clause,
            title: clause.and_then(|c| c.title.clone()),
            from: self.life.get(v.clause as usize).and_then(|l| l.0),
            until: self.life.get(v.clause as usize).and_then(|l| l.1),
            deps,
            stretches: Vec::new(),
        }
    }

    pub(super) fn sentence(&self, v: &Version) -> String {
        let mut s = explain::sentence(
            &self.rules,
            &self.env,
            &v.terms.body,
            v.cap_from.as_ref().map(|b| b.day),
        );
        // Where it speaks (0.2): `in eu except fr`, `in field oncology`.
        let scope = v.terms.scope();
        let names = |ids: &[u32], list: &[crate::model::Region]| {
            ids.iter()
                .filter_map(|i| list.get(*i as usize))
                .map(|r| r.name.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !scope.places.is_empty() {
            s.push_str(&format!(
                " in {}",
                names(&scope.places, &self.rules.territories)
            ));
        }
        if !scope.except.is_empty() {
            s.push_str(&format!(
                " except {}",
                names(&scope.except, &self.rules.territories)
            ));
        }
        if !scope.fields.is_empty() {
            s.push_str(&format!(
                " in field {}",
                names(&scope.fields, &self.rules.fields)
            ));
        }
        if !scope.done_by.is_empty() {
            let parties: Vec<&str> = scope.done_by.iter().map(|p| self.rules.party(*p)).collect();
            s.push_str(&format!(" done by {}", parties.join(", ")));
        }
        s
    }

    pub(super) fn clauses_for(&self, product: ProductId) -> impl Iterator<Item = &Version> {
        self.by_product
            .get(product as usize)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .flat_map(|c| self.versions(*c).iter())
            .filter(|v| live_or_movable(&v.in_force))
    }

    pub(super) fn deploy_effects(
        &self,
        product: ProductId,
        cloud: CloudId,
        launch: bool,
        place: Place,
        actor: Option<PartyId>,
        out: &mut Vec<(Interval, Reason)>,
    ) {
        // Who acts: the party asked about, else the product's owner.
        let owner = self.rules.products.get(product as usize).map(|p| p.owner);
        let actor = actor.or(owner);
        for v in self.clauses_for(product) {
            // A rule `done by` some parties speaks only of their acts.
            let by = &v.terms.scope().done_by;
            if !by.is_empty() && !actor.is_some_and(|a| by.contains(&a)) {
                continue;
            }
            // Forbids speak wherever their scope overlaps the place asked about.
            if !self.geo.overlaps(v.terms.scope(), place) {
                continue;
            }
            match &v.terms.body {
                Body::Exclusivity {
                    clouds,
                    only_by,
                    by_affiliates,
                    ..
                } if (!clouds.is_empty() && !clouds.contains(&cloud))
                    || (!only_by.is_empty()
                        && !actor.is_some_and(|a| {
                            only_by.contains(&a)
                                || (*by_affiliates
                                    && only_by.iter().any(|p| self.rules.within_group(a, *p)))
                        })) =>
                {
                    let r = self.reason(v, Effect::Forbid, self.sentence(v), &Deps::none());
                    out.push((v.in_force.clone(), r));
                }
                Body::Rule {
                    action,
                    clouds,
                    except_clouds,
                    ..
                } if (*action == Action::Deploy || (launch && *action == Action::Launch))
                    && (if *except_clouds {
                        !clouds.contains(&cloud)
                    } else {
                        clouds.is_empty() || clouds.contains(&cloud)
                    }) =>
                {
                    let r = self.reason(v, Effect::Forbid, self.sentence(v), &Deps::none());
                    out.push((v.in_force.clone(), r));
                }
                Body::FirstLaunch {
                    cloud: first,
                    unless,
                    lead,
                    ..
                } if *first != cloud => {
                    self.first_launch(v, product, *first, unless, *lead, out);
                }
                _ => {}
            }
        }
    }

    /// A first-launch right: forbidden until a launch on its cloud (plus the lead) or an
    /// `unless` act is on record; from then on, permitted with that record as the reason.
    fn first_launch(
        &self,
        v: &Version,
        product: ProductId,
        first: CloudId,
        unless: &[(PartyId, String)],
        lead: Val<crate::time::Duration>,
        out: &mut Vec<(Interval, Reason)>,
    ) {
        let (lead, lead_deps) = self.env.duration(lead);
        let as_of = self.cons.as_of;
        let mut launch: Option<&Record> = None;
        let mut act: Option<&Record> = None;
        for r in &self.rules.records {
            if !consolidate::known(r.day, as_of) {
                continue;
            }
            if let Happening::Act {
                party,
                verb,
                object,
                cloud,
                ..
            } = &r.happening
            {
                if *object != Object::Product(product) {
                    continue;
                }
                if verb == "launches"
                    && *cloud == Some(first)
                    && launch.is_none_or(|l| r.day < l.day)
                {
                    launch = Some(r);
                }
                if unless.iter().any(|(up, uv)| up == party && uv == verb)
                    && act.is_none_or(|a| r.day < a.day)
                {
                    act = Some(r);
                }
            }
        }
        let sentence = self.sentence(v);
        let cloud_name = self.rules.cloud(first);
        let met_by_launch = launch.and_then(|l| Some((lead.first_day_after_lead(l.day)?, l)));
        // The record that met the right first (a launch on a tie), and the day it did.
        let met = match (met_by_launch, act) {
            (Some((d, l)), Some(a)) if d <= a.day => Some((d, l, true)),
            (_, Some(a)) => Some((a.day, a, false)),
            (Some((d, l)), None) => Some((d, l, true)),
            (None, None) => None,
        };
        let met_bound = met.map(|(day, _, by_launch)| {
            Bound::new(
                day,
                if by_launch {
                    lead_deps.clone()
                } else {
                    Deps::none()
                },
            )
        });
        // Forbidden until met: "not launched" before a launch is on record, then "launched …,
        // lead not yet met" while the lead runs.
        let launch_bound = launch
            .filter(|l| met_bound.as_ref().is_none_or(|m| l.day < m.day))
            .map(|l| Bound::fixed(l.day));
        let not_launched = format!("{sentence}: not launched on {cloud_name}");
        let span = |start: Option<Bound>, end: Option<Bound>| {
            v.in_force.intersect(&Interval {
                start,
                end,
                rests_on: Deps::none(),
            })
        };
        match (&launch_bound, launch) {
            (Some(lb), Some(l)) => {
                let running = format!(
                    "{sentence}: launched on {cloud_name} on {}, lead not yet met",
                    crate::time::iso(l.day)
                );
                out.push((
                    span(None, Some(lb.clone())),
                    self.reason(v, Effect::Forbid, not_launched, &lead_deps),
                ));
                out.push((
                    span(Some(lb.clone()), met_bound.clone()),
                    self.reason(v, Effect::Forbid, running, &lead_deps),
                ));
            }
            _ => out.push((
                span(None, met_bound.clone()),
                self.reason(v, Effect::Forbid, not_launched, &lead_deps),
            )),
        }
        if let (Some((_, record, by_launch)), Some(mb)) = (met, met_bound) {
            let detail = format!("{sentence}: met by {}", self.record_text(record));
            let deps = if by_launch { lead_deps } else { Deps::none() };
            out.push((
                span(Some(mb), None),
                self.reason(v, Effect::Permit, detail, &deps),
            ));
        }
    }

    /// A record in words: `openai launches gpt_5_5 on azure on 2026-04-23`.
    pub fn record_text(&self, r: &Record) -> String {
        let what = self.rules.happening_text(&r.happening);
        format!("{what} on {}", crate::time::iso(r.day))
    }

    pub(super) fn licence_effects(
        &self,
        product: ProductId,
        party: PartyId,
        for_use: bool,
        place: Place,
        out: &mut Vec<(Interval, Reason)>,
    ) {
        let owner = self.rules.products.get(product as usize).map(|p| p.owner);
        for v in self.clauses_for(product) {
            // A licence permits only where it covers the place; an exclusive one forbids others
            // wherever it overlaps it.
            let overlaps = self.geo.overlaps(v.terms.scope(), place);
            // A rule forbidding use or licensing (0.2), `done by` the user or the licensor.
            if let Body::Rule { action, .. } = &v.terms.body {
                let (wanted, actor) = if for_use {
                    (Action::Use, Some(party))
                } else {
                    (Action::License, owner)
                };
                let by = &v.terms.scope().done_by;
                let speaks = by.is_empty() || actor.is_some_and(|a| by.contains(&a));
                if *action == wanted && overlaps && speaks {
                    let r = self.reason(v, Effect::Forbid, self.sentence(v), &Deps::none());
                    out.push((v.in_force.clone(), r));
                }
                continue;
            }
            if let (false, true, Body::FirstOffer { to, .. }) = (for_use, overlaps, &v.terms.body) {
                if *to != party && owner != Some(party) {
                    self.first_offer(v, product, owner, out);
                }
                continue;
            }
            let Body::Licence {
                licensor,
                licensee,
                exclusive,
                with_affiliates,
                ..
            } = &v.terms.body
            else {
                continue;
            };
            // The licensee, or (with affiliates) one of its affiliates or theirs.
            let licensed = *licensee == party
                || (*with_affiliates && self.rules.within_group(party, *licensee));
            if for_use && overlaps && licensed {
                // A sublicence (0.2) reaches only where its licensor may license onward.
                self.reach_effects(v, product, place, Effect::Permit, out);
            }
            if !for_use
                && overlaps
                && *exclusive
                && Some(*licensor) == owner
                && *licensee != party
                && owner != Some(party)
            {
                let r = self.reason(v, Effect::Forbid, self.sentence(v), &Deps::none());
                out.push((v.in_force.clone(), r));
            }
        }
    }

    /// A right of first offer (0.2) against licensing to another party: forbidden until an
    /// offer of the product by its owner to the holder has lapsed (`within` after it), or an
    /// `unless` act about the product is on record.
    fn first_offer(
        &self,
        v: &Version,
        product: ProductId,
        owner: Option<PartyId>,
        out: &mut Vec<(Interval, Reason)>,
    ) {
        let Body::FirstOffer {
            to, unless, within, ..
        } = &v.terms.body
        else {
            return;
        };
        let (within, within_deps) = self.env.duration(*within);
        let as_of = self.cons.as_of;
        let mut offer: Option<NaiveDate> = None;
        let mut act: Option<NaiveDate> = None;
        for r in self
            .rules
            .records
            .iter()
            .filter(|r| consolidate::known(r.day, as_of))
        {
            let Happening::Act {
                party,
                verb,
                object,
                to: offered_to,
                ..
            } = &r.happening
            else {
                continue;
            };
            if *object != Object::Product(product) {
                continue;
            }
            if verb == "offers" && Some(*party) == owner && *offered_to == Some(*to) {
                offer = Some(offer.map_or(r.day, |d| d.min(r.day)));
            }
            if unless.iter().any(|(p, uv)| p == party && uv == verb) {
                act = Some(act.map_or(r.day, |d| d.min(r.day)));
            }
        }
        let lapsed = offer.and_then(|o| within.first_day_after_lead(o));
        let met = match (lapsed, act) {
            (Some(l), Some(a)) => Some(l.min(a)),
            (l, a) => l.or(a),
        };
        let sentence = self.sentence(v);
        let holder = self.rules.party(*to);
        let span = |start: Option<NaiveDate>, end: Option<NaiveDate>| {
            v.in_force.intersect(&Interval {
                start: start.map(|d| Bound::new(d, within_deps.clone())),
                end: end.map(|d| Bound::new(d, within_deps.clone())),
                rests_on: Deps::none(),
            })
        };
        let not_offered = format!("{sentence}: not yet offered to {holder}");
        match offer.filter(|o| met.is_none_or(|m| *o < m)) {
            Some(o) => {
                let waiting = format!(
                    "{sentence}: offered to {holder} on {}, the offer still open",
                    crate::time::iso(o)
                );
                out.push((
                    span(None, Some(o)),
                    self.reason(v, Effect::Forbid, not_offered, &within_deps),
                ));
                out.push((
                    span(Some(o), met),
                    self.reason(v, Effect::Forbid, waiting, &within_deps),
                ));
            }
            None => out.push((
                span(None, met),
                self.reason(v, Effect::Forbid, not_offered, &within_deps),
            )),
        }
    }

    /// Licences in force granting `party` the `deploy` right over the product (0.2).
    pub(super) fn grant_effects(
        &self,
        product: ProductId,
        party: PartyId,
        place: Place,
        out: &mut Vec<(Interval, Reason)>,
    ) {
        for v in self.clauses_for(product) {
            // Licences that overlap the place may cover it together (the sweep decides).
            if !self.geo.overlaps(v.terms.scope(), place) {
                continue;
            }
            // The owner grants the deploy right; anyone else only as a sublicence (0.2), where
            // and when it may license onward.
            let owner = self.rules.products.get(product as usize).map(|p| p.owner);
            if let Body::Licence {
                licensor,
                licensee,
                deploy: true,
                with_affiliates,
                ..
            } = &v.terms.body
            {
                let licensed = *licensee == party
                    || (*with_affiliates && self.rules.within_group(party, *licensee));
                // Whether the licensor holds a sublicensable licence is asked only of a licence
                // to this party: a scan of the product's clauses per licence would be quadratic.
                let grants = licensed
                    && (owner == Some(*licensor) || self.holds_sublicensable(product, *licensor));
                if grants {
                    self.reach_effects(v, product, place, Effect::Grant, out);
                }
            }
        }
    }

    pub(super) fn pay_effects(
        &self,
        payer: PartyId,
        payee: PartyId,
        out: &mut Vec<(Interval, Reason)>,
    ) {
        let clauses = self
            .by_payer
            .get(payer as usize)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let versions = clauses.iter().flat_map(|c| self.versions(*c).iter());
        for v in versions.filter(|v| live_or_movable(&v.in_force)) {
            if let Body::Payment {
                payer: p,
                payee: q,
                amount,
                ..
            } = &v.terms.body
            {
                if *p != payer || *q != payee {
                    continue;
                }
                let Some((_, deps)) = self.env.money(*amount) else {
                    continue;
                };
                let sentence = self.sentence(v);
                let on_its_day = matches!(
                    &v.terms.body,
                    Body::Payment {
                        due: Due::On(Val::Lit(_) | Val::Assumed(_)),
                        ..
                    }
                );
                for day in self.due_days(v) {
                    let detail = if on_its_day {
                        sentence.clone()
                    } else {
                        format!("{sentence}: due on {}", crate::time::iso(day.day))
                    };
                    let r = self.reason(v, Effect::Owe, detail, &deps.union(day.deps()));
                    let next = day
                        .day
                        .succ_opt()
                        .map(|d| Bound::new(d, day.deps().clone()));
                    let iv = Interval {
                        start: Some(day),
                        end: next,
                        rests_on: Deps::none(),
                    };
                    out.push((iv, r));
                }
                continue;
            }
            if let Body::Commitment {
                spender,
                with,
                payable: true,
                ..
            } = &v.terms.body
            {
                if *spender == payer && *with == payee {
                    let r = self.reason(
                        v,
                        Effect::NeedsLedger,
                        format!(
                            "{}: a shortfall is computed only from ledgers (ask with --ledger)",
                            self.sentence(v)
                        ),
                        &Deps::none(),
                    );
                    out.push((v.in_force.clone(), r));
                }
                continue;
            }
            let Body::RevenueShare(share) = &v.terms.body else {
                continue;
            };
            if share.payer == payer && share.payee == payee && share.minimum.is_some() {
                let r = self.reason(
                    v,
                    Effect::NeedsLedger,
                    format!(
                        "{}: true-ups below the minimum are computed only from ledgers (ask with --ledger)",
                        self.sentence(v)
                    ),
                    &Deps::none(),
                );
                out.push((v.in_force.clone(), r));
            }
            if share.payer != payer || share.payee != payee {
                continue;
            }
            let deps = v.share_terms(&self.env).map(|t| t.deps).unwrap_or_default();
            let r = self.reason(v, Effect::Owe, self.sentence(v), &deps);
            out.push((v.in_force.clone(), r));
        }
    }
}

impl Engine {
    /// What a payment clause owes on the days it falls due up to and including `through`
    /// (0.2), in its currency; `None` when no due day has come (or the sum cannot be held).
    pub(crate) fn payment_owed(
        &self,
        clause: ClauseId,
        through: NaiveDate,
    ) -> Option<crate::money::Money> {
        let mut owed: Option<crate::money::Money> = None;
        for v in self.versions(clause) {
            let Body::Payment { amount, .. } = &v.terms.body else {
                continue;
            };
            let Some((money, _)) = self.env.money(*amount) else {
                continue;
            };
            for day in self.due_days(v) {
                if day.day > through {
                    break;
                }
                owed = Some(match owed {
                    None => money,
                    Some(o) => crate::money::Money {
                        currency: o.currency,
                        amount: crate::money::exact_add(o.amount, money.amount)?,
                    },
                });
            }
        }
        owed
    }

    /// The days a payment clause falls due, with the amount due each (0.2), in order.
    pub(crate) fn payment_days(&self, clause: ClauseId) -> Vec<(NaiveDate, rust_decimal::Decimal)> {
        let mut out = Vec::new();
        for v in self.versions(clause) {
            let Body::Payment { amount, .. } = &v.terms.body else {
                continue;
            };
            let Some((money, _)) = self.env.money(*amount) else {
                continue;
            };
            out.extend(self.due_days(v).into_iter().map(|b| (b.day, money.amount)));
        }
        out
    }

    /// The days a payment version falls due within its days in force (0.2).
    pub(crate) fn due_days(&self, v: &Version) -> Vec<Bound> {
        consolidate::due_days(&self.rules, &self.cons, &self.env, v)
    }
}

/// A version in force some day, or one that another value of an assumption could put in force:
/// its effects are swept, the latter only for the assumptions it names.
fn live_or_movable(iv: &Interval) -> bool {
    !iv.is_empty() || iv.is_assumed()
}
