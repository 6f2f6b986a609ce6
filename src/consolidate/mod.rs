//! Point-in-time consolidation: what each clause says on each day.
//!
//! An agreement read on day D is its text as amended by exactly the amendments effective on or
//! before D, applied in order of `effective`, then `signed`. So each clause's life is a run of
//! [`Version`]s: the consolidated text that holds over one stretch of time (between two
//! amendments), and the days within that stretch on which that text puts the clause in force.
//! Values from assumptions are resolved here, against an [`Env`] that may override them, and
//! every resolved day remembers which assumptions it rests on ([`Deps`]), so that answers can
//! name them. Knowledge time (`as of K`) drops agreements and amendments signed after K and
//! events recorded after K.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::diag::Diagnostic;
use crate::model::*;
use crate::money::Money;

mod env;
mod events;
mod interval;
pub mod life;
mod payments;

pub use env::Env;
pub use interval::{earlier, Bound, Deps, Interval};
pub use payments::{day_of, due_days};

/// A clause's consolidated text over one stretch of time, and when that text puts it in force.
#[derive(Clone, Debug)]
pub struct Version {
    pub clause: ClauseId,
    /// The clause's own terms while no amendment changed them, shared.
    pub terms: std::sync::Arc<Terms>,
    /// The latest amendment that changed the clause, up to the end of this version (one id,
    /// not the whole history: a clause amended thousands of times keeps versions of constant
    /// size).
    pub last_amendment: Option<AmendmentId>,
    /// The stretch of time over which this is the consolidated text.
    pub stretch: Interval,
    /// The window this text gives the clause.
    pub window: Interval,
    /// `window ∩ stretch`: the days this version is in force (may be empty).
    pub in_force: Interval,
    /// The first day the cap counts, for a capped revenue share.
    pub cap_from: Option<Bound>,
}

/// A revenue share's terms in one version with the run's values filled in: the one reading of
/// them, for answers (`pay` questions) and for sums (ledgers) alike.
#[derive(Clone, Debug)]
pub struct ShareTerms {
    /// The rate, in percent.
    pub percent: Decimal,
    /// The cap and the first day it counts, when the version is capped.
    pub cap: Option<(Money, NaiveDate)>,
    /// The assumptions the rate and the cap (its amount and its counting day) rest on.
    pub deps: Deps,
}

impl Version {
    /// The version's revenue-share terms; `None` for a clause of another kind.
    pub fn share_terms(&self, env: &Env) -> Option<ShareTerms> {
        let Body::RevenueShare(share) = &self.terms.body else {
            return None;
        };
        let RevenueShare { rate, cap, .. } = &**share;
        let (percent, mut deps) = env.percent(*rate);
        let mut resolved = None;
        if let Some(cap) = cap {
            if let Some((money, d)) = env.money(cap.amount) {
                deps.add(&d);
                if let Some(from) = &self.cap_from {
                    deps.add(from.deps());
                    resolved = Some((money, from.day));
                }
            }
        }
        Some(ShareTerms {
            percent,
            cap: resolved,
            deps,
        })
    }
}

/// Every clause consolidated over all time, for one environment and knowledge time.
#[derive(Clone, Debug)]
pub struct Consolidated {
    /// Grouped by clause, each group in time order.
    pub versions: Vec<Version>,
    /// The day each event happens, within knowledge time (recorded, or derived).
    pub event_days: Vec<Option<Bound>>,
    pub as_of: Option<NaiveDate>,
    /// Each agreement's life (0.2), by agreement id.
    pub lives: Vec<life::Life>,
}

impl Consolidated {
    /// The versions of one clause.
    pub fn of(&self, clause: ClauseId) -> impl Iterator<Item = &Version> {
        // Versions are sorted by clause: a binary search, not a scan of every clause's.
        let start = self.versions.partition_point(|v| v.clause < clause);
        let end = self.versions.partition_point(|v| v.clause <= clause);
        self.versions.get(start..end).unwrap_or_default().iter()
    }
}

/// The day an amendment takes effect: its `effective` day (default its signing), or for a
/// conditional one (0.2: `effective on HAPPENING [+ DURATION]`) the day the happening is known
/// to have happened, plus the duration; `None` while it has not.
pub fn amendment_effective(
    a: &Amendment,
    env: &Env,
    event_days: &[Option<Bound>],
) -> Option<Bound> {
    match a.effective_on {
        None => Some(env.day(a.effective())),
        Some((e, plus)) => {
            let day = event_days.get(e as usize).cloned().flatten()?;
            match plus {
                Some(d) => life::shifted(&day, env, d),
                None => Some(day),
            }
        }
    }
}

/// Whether a record is known at knowledge time `as_of`.
pub fn known(day: NaiveDate, as_of: Option<NaiveDate>) -> bool {
    as_of.is_none_or(|k| day <= k)
}

/// Consolidates every agreement. Problems that make the consolidation meaningless are errors;
/// suspicious but meaningful ones are warnings.
pub fn consolidate(
    rules: &RuleSet,
    env: &Env,
    as_of: Option<NaiveDate>,
) -> (Consolidated, Vec<Diagnostic>) {
    let event_days = events::event_days(rules, env, as_of);
    let mut notices: Vec<Vec<life::Notice>> = vec![Vec::new(); rules.agreements.len()];
    for r in rules.records.iter().filter(|r| known(r.day, as_of)) {
        let Some((kind, party, a)) = r.happening.agreement_notice() else {
            continue;
        };
        let notice = match kind {
            AgreementNotice::Decline => life::Notice::Decline(party, r.day),
            AgreementNotice::Terminate => life::Notice::Terminate(party, r.day),
        };
        let party_of = rules
            .agreements
            .get(a as usize)
            .is_some_and(|ag| ag.parties.contains(&party));
        if let (true, Some(list)) = (party_of, notices.get_mut(a as usize)) {
            list.push(notice);
        }
    }
    // Amendments of each agreement's term (0.2), known and in effect, in order of effect.
    let mut term_amendments: Vec<Vec<life::TermAmendment<'_>>> =
        (0..rules.agreements.len()).map(|_| Vec::new()).collect();
    for (id, a) in (0..).zip(&rules.amendments) {
        let signed = env.day(a.signed);
        if !known(signed.day, as_of) {
            continue;
        }
        let Some(effective) = amendment_effective(a, env, &event_days) else {
            continue;
        };
        for (change, _) in &a.changes {
            if let (Edit::Term(change), Some(list)) =
                (change, term_amendments.get_mut(a.target as usize))
            {
                list.push(life::TermAmendment {
                    id,
                    effective: effective.clone(),
                    change,
                    signed: signed.day,
                });
            }
        }
    }
    for list in &mut term_amendments {
        list.sort_by_key(|t| (t.effective.day, t.signed, t.id));
    }
    let lives: Vec<life::Life> = rules
        .agreements
        .iter()
        .zip(&notices)
        .zip(&term_amendments)
        .map(|((a, n), ams)| {
            let signed = env.day(a.signed);
            let arises = |h: &Happening| events::first_day(rules, as_of, h, &event_days);
            life::life(
                a,
                env,
                &event_days,
                n,
                known(signed.day, as_of),
                &arises,
                ams,
            )
        })
        .collect();
    let mut out = Consolidated {
        versions: Vec::new(),
        event_days,
        as_of,
        lives,
    };
    let mut by_target: Vec<Vec<AmendmentId>> = vec![Vec::new(); rules.agreements.len()];
    for (i, a) in (0..).zip(&rules.amendments) {
        if let Some(list) = by_target.get_mut(a.target as usize) {
            list.push(i);
        }
    }
    // Clauses timed by `end of` / `start of` another clause (0.2) read that clause's span as
    // the last reading gave it. Within an agreement no amendment changes, clauses are read after
    // those they are timed by and their spans are final as soon as read, so one reading (and
    // one more to see that nothing moved) settles a chain of any length; amendments that
    // reorder a clause's life may need as many readings as the longest chain, plus one.
    let mut spans: Vec<Option<ClauseSpan>> = vec![None; rules.clauses.len()];
    let mut diags = Vec::new();
    // A version per clause, and one more for each change an amendment makes: reserved at that
    // size rather than grown by doubling (a version is large, and a rule set has many).
    let changes: usize = rules.amendments.iter().map(|a| a.changes.len()).sum();
    out.versions
        .reserve_exact(rules.clauses.len().saturating_add(changes));
    for _ in 0..=rules.clause_ref_depth {
        let before = spans.clone();
        out.versions.clear();
        diags.clear();
        for ((id, agreement), amendments) in (0..).zip(&rules.agreements).zip(&by_target) {
            let signed = env.day(agreement.signed);
            if !known(signed.day, as_of) {
                continue;
            }
            let (start, end) = match out.lives.get(id as usize) {
                Some(l) => (l.start.clone(), l.end.clone()),
                None => (signed.clone(), None),
            };
            // An agreement that says when it takes effect holds its clauses to that day (0.1
            // agreements, which cannot say, keep clauses that reach back before signing).
            let effective = agreement.life.effective.map(|_| start.clone());
            Consolidation {
                rules,
                env,
                id,
                start,
                effective,
                end,
                out: &mut out,
                diags: &mut diags,
                amendments,
                spans: &mut spans,
                last: rustc_hash::FxHashMap::default(),
                conflicted: rustc_hash::FxHashSet::default(),
                movable: Vec::new(),
            }
            .run();
        }
        sort_by_clause(&mut out.versions);
        if rules.clause_ref_depth == 0 {
            break;
        }
        spans = clause_spans(rules, &out);
        if spans == before {
            break;
        }
    }
    (out, diags)
}

/// When a clause is in force, first day to first day after: `None` when it never is; the end
/// `None` when it has none.
type ClauseSpan = (Bound, Option<Bound>);

/// Sorts versions by clause, keeping each clause's in the order written (time order). The
/// versions are large, so the sort orders small keys and the versions then move into place
/// along the permutation's cycles, in place (no second copy of them all).
fn sort_by_clause(versions: &mut [Version]) {
    if versions
        .windows(2)
        .all(|w| matches!(w, [a, b] if a.clause <= b.clause))
    {
        return;
    }
    let mut order: Vec<(ClauseId, usize)> = versions
        .iter()
        .enumerate()
        .map(|(i, v)| (v.clause, i))
        .collect();
    order.sort_unstable();
    // `from[k]`: where the version that belongs at `k` stands now.
    let mut from: Vec<usize> = order.into_iter().map(|(_, i)| i).collect();
    for start in 0..from.len() {
        let mut k = start;
        while let Some(slot) = from.get_mut(k) {
            let src = std::mem::replace(slot, k);
            if src == start || src == k {
                break;
            }
            versions.swap(k, src);
            k = src;
        }
    }
}

/// Each clause's span over all its versions.
fn clause_spans(rules: &RuleSet, cons: &Consolidated) -> Vec<Option<ClauseSpan>> {
    (0..)
        .take(rules.clauses.len())
        .map(|c| {
            let mut span: Option<ClauseSpan> = None;
            for v in cons.of(c).filter(|v| !v.in_force.is_empty()) {
                let start = v
                    .in_force
                    .start
                    .clone()
                    .unwrap_or_else(|| Bound::fixed(NaiveDate::MIN));
                span = Some(match span {
                    None => (start, v.in_force.end.clone()),
                    Some((s, _)) => (s, v.in_force.end.clone()),
                });
            }
            span
        })
        .collect()
}

/// The state of one clause while amendments are applied.
#[derive(Clone)]
struct State {
    clause: ClauseId,
    terms: std::sync::Arc<Terms>,
    default_start: Bound,
    alive: bool,
    ended_by: Option<AmendmentId>,
    amended_by: Vec<AmendmentId>,
    /// The counting day an amendment gave the cap, if it set one without `counting from`.
    cap_from: Option<Bound>,
}

/// One agreement being consolidated: its amendments applied in order of effect to its
/// clauses' states, versions written to `out`.
struct Consolidation<'a> {
    rules: &'a RuleSet,
    env: &'a Env,
    id: AgreementId,
    /// The agreement's effective day (its signing day unless it says `effective`): the
    /// default start of its clauses.
    start: Bound,
    /// The agreement's written effective day (0.2): no clause is in force before it.
    effective: Option<Bound>,
    /// The agreement's end, if it ends: its clauses end with it unless they survive.
    end: Option<Bound>,
    out: &'a mut Consolidated,
    diags: &'a mut Vec<Diagnostic>,
    /// The amendments of this agreement.
    amendments: &'a [AmendmentId],
    /// Each clause's span in the previous reading (0.2: `end of AGREEMENT.CLAUSE`), updated as
    /// clauses of an agreement no amendment changes are read.
    spans: &'a mut Vec<Option<ClauseSpan>>,
    /// Index in `out.versions` of each clause's latest version.
    last: rustc_hash::FxHashMap<ClauseId, usize>,
    /// Clauses already reported as changed twice on one day.
    conflicted: rustc_hash::FxHashSet<ClauseId>,
    /// Amendments whose effective day rests on an assumption: that day, and the clauses they
    /// change (sorted).
    movable: Vec<(Bound, Vec<ClauseId>)>,
}

impl Consolidation<'_> {
    fn run(mut self) {
        let rules = self.rules;
        let env = self.env;
        let as_of = self.out.as_of;
        let mut amendments: Vec<(AmendmentId, Bound, Bound)> = self
            .amendments
            .iter()
            .filter_map(|&id| {
                let a = rules.amendments.get(id as usize)?;
                let signed = env.day(a.signed);
                if !known(signed.day, as_of) {
                    return None;
                }
                let effective = amendment_effective(a, env, &self.out.event_days)?;
                Some((id, effective, signed))
            })
            .collect();
        amendments.sort_by_key(|a| (a.1.day, a.2.day, a.0));
        self.same_day_conflicts(&amendments);
        let mut states: Vec<State> = rules
            .agreements
            .get(self.id as usize)
            .map(|a| a.clauses.as_slice())
            .unwrap_or_default()
            .iter()
            .filter_map(|&c| {
                let clause = rules.clause(c)?;
                Some(State {
                    clause: c,
                    terms: std::sync::Arc::clone(&clause.terms),
                    default_start: self.start.clone(),
                    alive: clause.added_by.is_none(),
                    ended_by: None,
                    amended_by: Vec::new(),
                    cap_from: None,
                })
            })
            .collect();
        // Clauses timed by others of the agreement come after them (0.2).
        if !rules.clause_depth.is_empty() {
            states.sort_by_key(|s| {
                rules
                    .clause_depth
                    .get(s.clause as usize)
                    .copied()
                    .unwrap_or(0)
            });
        }
        // Amendments whose effective day rests on an assumption, with the clauses they change:
        // another value could reorder them, so each version of those clauses rests on them.
        let movable: Vec<(Bound, Vec<ClauseId>)> = amendments
            .iter()
            .filter(|(_, eff, _)| !eff.deps().is_empty())
            .filter_map(|(am, eff, _)| {
                let a = rules.amendments.get(*am as usize)?;
                let mut touched: Vec<ClauseId> = a
                    .changes
                    .iter()
                    .flat_map(|(c, _)| self.touched(c))
                    .collect();
                touched.sort_unstable();
                touched.dedup();
                Some((eff.clone(), touched))
            })
            .collect();
        self.movable = movable;
        let mut stretch_start: Option<Bound> = None;
        for (am, effective, signed) in &amendments {
            if effective.day < signed.day {
                if let Some(a) = rules.amendments.get(*am as usize) {
                    self.diags.push(
                        Diagnostic::warning(
                            crate::diag::Code::EffectiveBeforeSigned,
                            a.name.span,
                            format!(
                                "amendment `{}` takes effect on {}, before it is signed on {}",
                                a.name.id,
                                crate::time::iso(effective.day),
                                crate::time::iso(signed.day)
                            ),
                        )
                        .label("backdated")
                        .help("asked `--as-of` a day before the signing, the agreement reads without this amendment"),
                    );
                }
            }
            let stretch = Interval {
                start: stretch_start.clone(),
                end: Some(effective.clone()),
                rests_on: Deps::none(),
            };
            self.emit(&states, &stretch);
            self.apply(*am, effective, &mut states);
            stretch_start = Some(effective.clone());
        }
        let last = Interval {
            start: stretch_start,
            end: None,
            rests_on: Deps::none(),
        };
        self.emit(&states, &last);
    }

    /// A stretch as one clause reads it: another value of a movable amendment's day could
    /// reorder the amendments of the clause and so change its text on any day, so every
    /// version of the clause rests on those days.
    fn stretch_for(&self, clause: ClauseId, stretch: &Interval) -> Interval {
        let mut out = stretch.clone();
        for (eff, touched) in &self.movable {
            if touched.binary_search(&clause).is_ok() {
                out.rests_on.add(eff.deps());
            }
        }
        out
    }

    fn same_day_conflicts(&mut self, amendments: &[(AmendmentId, Bound, Bound)]) {
        for (i, (a, eff_a, sig_a)) in amendments.iter().enumerate() {
            for (b, eff_b, sig_b) in amendments.iter().skip(i + 1) {
                if (eff_a.day, sig_a.day) != (eff_b.day, sig_b.day) {
                    break;
                }
                let (Some(first), Some(second)) = (
                    self.rules.amendments.get(*a as usize),
                    self.rules.amendments.get(*b as usize),
                ) else {
                    continue;
                };
                for (change, span) in &second.changes {
                    for target in self.touched(change) {
                        let Some((_, first_span)) = first
                            .changes
                            .iter()
                            .find(|(c, _)| self.touched(c).contains(&target))
                        else {
                            continue;
                        };
                        self.conflicted.insert(target);
                        let name = self
                            .rules
                            .clause(target)
                            .map_or("?", |c| c.qualified.as_str());
                        self.diags.push(
                            Diagnostic::error(
                                crate::diag::Code::ConflictingAmendments,
                                *span,
                                format!(
                                    "amendments `{}` and `{}` both change `{name}` on the same effective and signed day",
                                    first.name.id, second.name.id
                                ),
                            )
                            .label("second change")
                            .related(*first_span, "first change")
                            .help("their order would be arbitrary: give them different effective or signing days, or merge them"),
                        );
                    }
                }
            }
        }
    }

    /// The clauses a change may alter: the one it names, or for a strike every clause of the
    /// agreement whose end mentions the event (as written or as any amendment writes it).
    fn touched(&self, change: &Edit) -> Vec<ClauseId> {
        match change {
            Edit::End(c) | Edit::Amend(c, _) | Edit::Add(c) => vec![*c],
            // The agreement's own term (0.2) is read by its life, not by its clauses.
            Edit::Term(_) => Vec::new(),
            Edit::Strike(event) => {
                let mentions = |alts: &[EndAlt]| alts.contains(&EndAlt::Event(*event));
                let clauses = self
                    .rules
                    .agreements
                    .get(self.id as usize)
                    .map(|a| a.clauses.as_slice())
                    .unwrap_or_default();
                clauses
                    .iter()
                    .copied()
                    .filter(|&c| {
                        self.rules.clause(c).is_some_and(|cl| mentions(&cl.terms.end))
                            || self.rules.amendments.iter().any(|am| {
                                am.changes.iter().any(|(ch, _)| {
                                    matches!(ch, Edit::Amend(t, terms) if *t == c
                                        && terms.iter().any(|term| matches!(term, AmendTerm::End(alts) if mentions(alts))))
                                })
                            })
                    })
                    .collect()
            }
        }
    }

    fn apply(&mut self, am: AmendmentId, effective: &Bound, states: &mut [State]) {
        let Some(amendment) = self.rules.amendments.get(am as usize) else {
            return;
        };
        for (change, span) in &amendment.changes {
            match change {
                Edit::Add(c) => {
                    self.warn_backdated_add(*c, amendment, effective);
                    if let Some(s) = states.iter_mut().find(|s| s.clause == *c) {
                        s.alive = true;
                        s.default_start = effective.clone();
                        s.amended_by.push(am);
                    }
                }
                Edit::End(c) | Edit::Amend(c, _) => {
                    let Some(s) = states.iter_mut().find(|s| s.clause == *c) else {
                        continue;
                    };
                    if !s.alive && self.conflicted.contains(c) {
                        continue;
                    }
                    if !s.alive {
                        let why = match s
                            .ended_by
                            .and_then(|e| self.rules.amendments.get(e as usize))
                        {
                            Some(e) => format!("it was ended by `{}`", e.name.id),
                            None => "it is added by a later amendment".to_string(),
                        };
                        let name = self.rules.clause(*c).map_or("?", |c| c.qualified.as_str());
                        self.diags.push(
                            Diagnostic::error(
                                crate::diag::Code::ClauseNotInForce,
                                *span,
                                format!(
                                    "amendment `{}` changes `{name}`, but {why}",
                                    amendment.name.id
                                ),
                            )
                            .label("no such clause at this point")
                            .help("an ended clause stays ended; add a new clause instead"),
                        );
                        continue;
                    }
                    s.amended_by.push(am);
                    match change {
                        Edit::End(_) => {
                            s.alive = false;
                            s.ended_by = Some(am);
                        }
                        Edit::Amend(_, terms) => amend(s, terms, effective),
                        _ => {}
                    }
                }
                Edit::Term(_) => {}
                Edit::Strike(event) => {
                    for s in states.iter_mut().filter(|s| s.alive) {
                        // Terms shared with the clause are copied only when the event is struck
                        // from them.
                        if s.terms.end.contains(&EndAlt::Event(*event)) {
                            std::sync::Arc::make_mut(&mut s.terms)
                                .end
                                .retain(|alt| *alt != EndAlt::Event(*event));
                            s.amended_by.push(am);
                        }
                    }
                }
            }
        }
    }

    /// An added clause cannot be in force before its amendment takes effect, whatever its
    /// `from` says: say so where it says otherwise.
    fn warn_backdated_add(&mut self, c: ClauseId, amendment: &Amendment, effective: &Bound) {
        let Some(clause) = self.rules.clause(c) else {
            return;
        };
        let Some(from) = clause.terms.from.and_then(|v| self.day(v)) else {
            return;
        };
        if from.day < effective.day {
            self.diags.push(
                Diagnostic::warning(
                    crate::diag::Code::AddedBeforeEffective,
                    clause.head,
                    format!(
                        "clause `{}` says from {}, but amendment `{}` adding it takes effect on {}",
                        clause.qualified,
                        crate::time::iso(from.day),
                        amendment.name.id,
                        crate::time::iso(effective.day)
                    ),
                )
                .label("in force only from the amendment's effective day")
                .help("to make the clause reach back, make the amendment effective earlier"),
            );
        }
    }

    fn emit(&mut self, states: &[State], stretch: &Interval) {
        if stretch.is_empty() {
            return;
        }
        for s in states.iter().filter(|s| s.alive) {
            let own;
            let stretch = if self.movable.is_empty() {
                stretch
            } else {
                own = self.stretch_for(s.clause, stretch);
                &own
            };
            let window = self.window(s);
            let in_force = window.intersect(stretch);
            let cap_from = match &s.terms.body {
                Body::RevenueShare(share) => {
                    share.cap.as_ref().map(|cap| match cap.counting_from {
                        Some(v) => self.env.day(v),
                        None => s
                            .cap_from
                            .clone()
                            .or_else(|| window.start.clone())
                            .unwrap_or_else(|| s.default_start.clone()),
                    })
                }
                _ => None,
            };
            // An amendment that leaves this clause's text as it was does not start a new
            // version: the clause reads the same across it.
            if let Some(prev) = self
                .last
                .get(&s.clause)
                .and_then(|&i| self.out.versions.get_mut(i))
            {
                let contiguous = match (&prev.stretch.end, &stretch.start) {
                    (Some(a), Some(b)) => a.day == b.day,
                    _ => false,
                };
                if contiguous
                    && prev.terms == s.terms
                    && prev.window == window
                    && prev.cap_from == cap_from
                {
                    prev.stretch.end = stretch.end.clone();
                    prev.in_force = window.intersect(&prev.stretch);
                    prev.last_amendment = s.amended_by.last().copied();
                    continue;
                }
            }
            // With no amendment, this is the clause's one version: its span is final.
            if self.amendments.is_empty() && !self.rules.clause_depth.is_empty() {
                if let Some(slot) = self.spans.get_mut(s.clause as usize) {
                    *slot = (!in_force.is_empty()).then(|| {
                        (
                            in_force
                                .start
                                .clone()
                                .unwrap_or_else(|| Bound::fixed(NaiveDate::MIN)),
                            in_force.end.clone(),
                        )
                    });
                }
            }
            self.last.insert(s.clause, self.out.versions.len());
            self.out.versions.push(Version {
                clause: s.clause,
                terms: std::sync::Arc::clone(&s.terms),
                last_amendment: s.amended_by.last().copied(),
                stretch: stretch.clone(),
                window,
                in_force,
                cap_from,
            });
        }
    }

    /// A day of a clause's terms: `end of` / `start of` an agreement or clause (0.2) read from
    /// the lives and the previous reading's spans; `None` when not known.
    fn day(&self, v: Val<NaiveDate>) -> Option<Bound> {
        payments::day_in(self.env, &self.out.lives, v, &|c| {
            self.spans.get(c as usize).cloned().flatten()
        })
    }

    /// The window a clause's text gives it: `from` (or its default) to the earliest end, and
    /// no later than its agreement's end (or that end plus its survival).
    fn window(&self, s: &State) -> Interval {
        let never = || {
            let never = Bound::fixed(NaiveDate::MAX);
            Interval {
                start: Some(never.clone()),
                end: Some(never),
                rests_on: Deps::none(),
            }
        };
        // `from end of …` (0.2) that is not known yet: the clause never starts.
        let mut start = match s.terms.from {
            Some(v) => match self.day(v) {
                Some(b) => b,
                None => return never(),
            },
            None => s.default_start.clone(),
        };
        // `from HAPPENING [+ DURATION]` (0.2): from the day it happens (plus the duration);
        // a happening not (yet) recorded leaves the clause never in force.
        if let Some((e, plus)) = s.terms.from_event {
            let day = self.out.event_days.get(e as usize).cloned().flatten();
            let day = match (day, plus) {
                (Some(b), Some(d)) => life::shifted(&b, self.env, d),
                (day, None) => day,
                (None, Some(_)) => None,
            };
            match day {
                Some(d) => start = d,
                None => return never(),
            }
        }
        if let Some(e) = self.effective.as_ref().filter(|e| e.day > start.day) {
            start = e.clone();
        }
        let mut end = life::end_of(&s.terms.end, self.env, &self.out.event_days, &|v| {
            self.day(v)
        });
        let agreement_end = match (&self.end, s.terms.survives) {
            (None, _) | (Some(_), Some(None)) => None,
            (Some(e), None) => Some(e.clone()),
            (Some(e), Some(Some(d))) => {
                let (d, deps) = self.env.duration(d);
                let mut all = e.deps().clone();
                all.add(&deps);
                // A survival beyond the calendar's range leaves the clause open-ended.
                d.after(e.day).map(|day| Bound::new(day, all))
            }
        };
        end = earlier(end.as_ref(), agreement_end.as_ref());
        Interval {
            start: Some(start),
            end,
            rests_on: Deps::none(),
        }
    }
}

/// Replaces the listed parts of a clause's terms and nothing else.
fn amend(s: &mut State, terms: &[AmendTerm], effective: &Bound) {
    // The clause's terms (or an earlier version's) are copied here, once, and changed.
    let own = std::sync::Arc::make_mut(&mut s.terms);
    for term in terms {
        match term {
            AmendTerm::From(v) => {
                own.from = Some(*v);
                own.from_event = None;
            }
            AmendTerm::End(alts) => own.end = alts.as_slice().into(),
            AmendTerm::Exclusive(x) => {
                if let Body::Licence { exclusive, .. } = &mut own.body {
                    *exclusive = *x;
                }
            }
            AmendTerm::Rate(v) => {
                // A flat rate replaces the whole schedule (0.2: tiers too).
                if let Body::RevenueShare(share) = &mut own.body {
                    share.rate = *v;
                    share.tiers.clear();
                    share.tiers_per = None;
                }
            }
            AmendTerm::Schedule(r, t, p) => {
                if let Body::RevenueShare(share) = &mut own.body {
                    share.rate = *r;
                    share.tiers = t.clone();
                    share.tiers_per = *p;
                }
            }
            AmendTerm::Cap(c) => {
                if let Body::RevenueShare(share) = &mut own.body {
                    share.cap = Some(c.clone());
                    s.cap_from = Some(effective.clone());
                }
            }
            AmendTerm::Lead(v) => {
                if let Body::FirstLaunch { lead, .. } = &mut own.body {
                    *lead = *v;
                }
            }
            AmendTerm::Places(places, except) => own.set_scope(Scope {
                places: places.clone(),
                except: except.clone(),
                ..own.scope().clone()
            }),
            AmendTerm::Fields(fields) => own.set_scope(Scope {
                fields: fields.clone(),
                ..own.scope().clone()
            }),
            AmendTerm::DoneBy(parties) => own.set_scope(Scope {
                done_by: parties.clone(),
                ..own.scope().clone()
            }),
            AmendTerm::Deploy(x) => {
                if let Body::Licence { deploy, .. } = &mut own.body {
                    *deploy = *x;
                }
            }
            AmendTerm::WithAffiliates(x) => {
                if let Body::Licence {
                    with_affiliates, ..
                } = &mut own.body
                {
                    *with_affiliates = *x;
                }
            }
            AmendTerm::Sublicensable(x) => {
                if let Body::Licence { sublicensable, .. } = &mut own.body {
                    *sublicensable = *x;
                }
            }
            AmendTerm::Within(v) => {
                if let Body::FirstOffer { within, .. } = &mut own.body {
                    *within = *v;
                }
            }
            AmendTerm::Survives(d) => own.survives = Some(*d),
            AmendTerm::PeriodCap(a, p) => {
                if let Body::RevenueShare(share) = &mut own.body {
                    share.period_cap = Some((*a, *p));
                }
            }
            AmendTerm::Recoup(a) => {
                if let Body::RevenueShare(share) = &mut own.body {
                    share.recoup = Some(*a);
                }
            }
            AmendTerm::Minimum(a, p) => {
                if let Body::RevenueShare(share) = &mut own.body {
                    share.minimum = Some((*a, *p));
                }
            }
        }
    }
}
