//! The evaluator: a checked rule set compiled for questions.
//!
//! [`Engine::new`] consolidates every agreement for one environment (assumption overrides) and
//! one knowledge time, then answers every *when* question ahead: the decision only changes on
//! known days, so each subject (deploy or launch of a product on a cloud, use or licence of a
//! product by or to a party, payments from a party to a party) becomes an ordered list of windows.
//! A point question is then a binary search in one short list, with its reasons and assumptions
//! already built. Only the clauses whose selector matches a product are ever looked at for it.

mod agreement;
#[doc(hidden)]
pub mod answer;
pub mod batch;
mod effects;
mod explain;
mod phrases;
pub mod place;
pub mod question;
mod respond;
mod sublicence;

pub(crate) use respond::public_reason;
pub use respond::ForeignQuestion;
mod sweep;
mod tables;

use std::borrow::Cow;
use std::ops::Range;

use chrono::NaiveDate;

use crate::consolidate::{self, Consolidated, Deps, Env, Interval, Version};
use crate::diag::Diagnostic;
use crate::model::*;
use answer::{Reason, Ruling, When};
pub use question::{Agreement, Cloud, Party, Product, Question, QuestionError, Subject, UnknownId};
use sweep::Rule;
use tables::{Kind, Tables};

/// How a rule set is read for one run.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Assumption overrides (`--set`), already typed.
    pub overrides: Vec<(AssumptionId, Literal)>,
    /// Knowledge time (`--as-of`).
    pub as_of: Option<NaiveDate>,
}

/// A clause's consolidated sentence in words, values filled in from `env`.
pub fn explain_terms(rules: &RuleSet, env: &Env, body: &Body) -> String {
    explain::sentence(rules, env, body, None)
}

/// Tables larger than this many subjects are answered on demand instead of ahead (a rule set with
/// thousands of parties would otherwise compile millions of answers nobody asks for).
const EAGER_LIMIT: usize = 1 << 12;

/// Answers are computed ahead only while the effects they would sweep stay under this many in
/// all: many clauses on one product over many clouds would otherwise cost a quadratic table
/// (2,000 exclusivities: 4 million reasons) before the first question.
const EAGER_EFFECTS: usize = 1 << 16;

/// Questions an engine reads word by word before it writes out its subjects' phrases.
const PHRASES_AFTER: u32 = 8;

/// A rule set compiled for questions.
pub struct Engine {
    rules: std::sync::Arc<RuleSet>,
    env: Env,
    cons: Consolidated,
    /// Versions of each clause: a range of `cons.versions`.
    by_clause: Vec<Range<usize>>,
    /// Clauses whose selector matches each product.
    by_product: Vec<Vec<ClauseId>>,
    /// For each product, the licences of it that are exclusive in some version (0.2: only
    /// they can hold back a later licence's grant).
    exclusive_by_product: Vec<Vec<ClauseId>>,
    /// Revenue-share clauses of each payer.
    by_payer: Vec<Vec<ClauseId>>,
    /// Each clause's first day in force and the day after its last, across all its versions.
    life: Vec<(Option<NaiveDate>, Option<NaiveDate>)>,
    /// Under a knowledge time: for each clause, the assumptions behind the signing days that
    /// decide whether its agreement, or an amendment changing it, is known at all. Every answer
    /// the clause could speak to rests on them.
    known_by: Vec<Deps>,
    /// Territories and fields (0.2), their closures computed once.
    geo: place::Geography,
    /// Every subject in its words, so that most questions are read whole: written out once the
    /// engine has read a few questions word by word (an engine made for one question, as a
    /// case file's or an audit's are, never pays for it).
    phrases: std::sync::OnceLock<phrases::Phrases>,
    /// Questions read so far, until the phrases are written out.
    reads: std::sync::atomic::AtomicU32,
    /// The windows of every subject of the kinds answered from tables (deploy, launch, use,
    /// licence, pay), computed once: see [`Tables`].
    tables: Tables,
    /// The JSON of point answers' verdicts and assumptions (see `batch::write_json`), made once
    /// per ruling of the tables the first time it is asked, keyed by the ruling's address,
    /// which holds for the engine's life.
    tails: std::sync::RwLock<rustc_hash::FxHashMap<usize, std::sync::Arc<str>>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("agreements", &self.rules.agreements.len())
            .field("clauses", &self.rules.clauses.len())
            .field("versions", &self.cons.versions.len())
            .field("as_of", &self.cons.as_of)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Compiles a checked rule set. Errors arise only from overrides that make the rules
    /// inconsistent (two amendments now on one day, say). The way in is
    /// [`Rules::engine`](crate::Rules::engine), which only checked rules can reach.
    #[doc(hidden)]
    pub fn new(
        rules: impl Into<std::sync::Arc<RuleSet>>,
        options: &Options,
    ) -> Result<Engine, Vec<Diagnostic>> {
        let rules: std::sync::Arc<RuleSet> = rules.into();
        let mut env = Env::defaults(&rules);
        for (id, value) in &options.overrides {
            if !env.set(*id, *value) {
                let (span, message) = match rules.assumption(*id) {
                    Some(a) => (
                        a.name.span,
                        format!(
                            "the value set for `{}` is {}, but `{}` is {}",
                            a.name.id,
                            value.type_name(),
                            a.name.id,
                            a.value.type_name()
                        ),
                    ),
                    None => (
                        crate::source::Span::default(),
                        format!("an assumption is set that the rules do not have (index {id})"),
                    ),
                };
                return Err(vec![Diagnostic::error(
                    crate::diag::Code::TypeMismatch,
                    span,
                    message,
                )]);
            }
        }
        if let Some((_, span)) = env.out_of_range() {
            return Err(vec![Diagnostic::error(
                crate::diag::Code::DayOutOfRange,
                span,
                "with the values set, this day falls outside the calendar (0000-01-01 to 9999-12-31)",
            )
            .label("out of range")
            .help("set the assumptions it rests on to days nearer the present")]);
        }
        let (cons, diags) = consolidate::consolidate(&rules, &env, options.as_of);
        let errors: Vec<Diagnostic> = diags.into_iter().filter(Diagnostic::is_error).collect();
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut by_clause = vec![0..0; rules.clauses.len()];
        let mut i = 0;
        while i < cons.versions.len() {
            let c = cons.versions.get(i).map_or(0, |v| v.clause);
            let start = i;
            while cons.versions.get(i).is_some_and(|v| v.clause == c) {
                i += 1;
            }
            if let Some(slot) = by_clause.get_mut(c as usize) {
                *slot = start..i;
            }
        }
        let mut by_product = vec![Vec::new(); rules.products.len()];
        let by_owner = rules.products_by_owner();
        for (ci, clause) in (0..).zip(&rules.clauses) {
            if let Some(sel) = clause.terms.body.selector() {
                let selected = rules.select(sel, &by_owner);
                for p in selected {
                    if let Some(list) = by_product.get_mut(p as usize) {
                        list.push(ci);
                    }
                }
            }
        }
        // Amendments change only time, exclusivity, rate, cap and lead, never a selector or the
        // parties of a revenue share, so these indexes hold for every version.
        let mut by_payer = vec![Vec::new(); rules.parties.len()];
        for (ci, clause) in (0..).zip(&rules.clauses) {
            let payer = match &clause.terms.body {
                Body::RevenueShare(share) => Some(share.payer),
                Body::Payment { payer, .. } | Body::Commitment { spender: payer, .. } => {
                    Some(*payer)
                }
                _ => None,
            };
            if let Some(payer) = payer {
                if let Some(list) = by_payer.get_mut(payer as usize) {
                    list.push(ci);
                }
            }
        }
        let geo = place::Geography {
            territories: place::Regions::new(&rules.territories),
            fields: place::Regions::new(&rules.fields),
        };
        let exclusive_by_product: Vec<Vec<ClauseId>> = by_product
            .iter()
            .map(|clauses| {
                clauses
                    .iter()
                    .copied()
                    .filter(|c| {
                        by_clause
                            .get(*c as usize)
                            .and_then(|r| cons.versions.get(r.clone()))
                            .unwrap_or_default()
                            .iter()
                            .any(|v| {
                                matches!(
                                    v.terms.body,
                                    Body::Licence {
                                        exclusive: true,
                                        ..
                                    }
                                )
                            })
                    })
                    .collect()
            })
            .collect();
        let mut engine = Engine {
            rules,
            env,
            cons,
            by_clause,
            by_product,
            exclusive_by_product,
            by_payer,
            life: Vec::new(),
            known_by: Vec::new(),
            geo,
            phrases: std::sync::OnceLock::new(),
            reads: std::sync::atomic::AtomicU32::new(0),
            tables: Tables::default(),
            tails: std::sync::RwLock::default(),
        };
        engine.life = (0..)
            .zip(&engine.rules.clauses)
            .map(|(c, _)| {
                let versions = engine.versions(c);
                let live = versions.iter().filter(|v| !v.in_force.is_empty());
                let mut first: Option<Option<NaiveDate>> = None;
                let mut last: Option<Option<NaiveDate>> = None;
                for v in live {
                    let start = v.in_force.start.as_ref().map(|b| b.day);
                    let end = v.in_force.end.as_ref().map(|b| b.day);
                    first = Some(match first {
                        None => start,
                        Some(f) => f.zip(start).map(|(a, b)| a.min(b)),
                    });
                    last = Some(match last {
                        None => end,
                        Some(l) => l.zip(end).map(|(a, b)| a.max(b)),
                    });
                }
                (first.flatten(), last.flatten())
            })
            .collect();
        if options.as_of.is_some() {
            engine.known_by = knowledge_deps(&engine.rules);
        }
        engine.precompute();
        Ok(engine)
    }

    fn precompute(&mut self) {
        let (np, nc, nparty) = (
            self.rules.products.len(),
            self.rules.clouds.len(),
            self.rules.parties.len(),
        );
        let ids = |n: usize| (0..n).filter_map(|i| u32::try_from(i).ok());
        // The versions that speak of each product, and of each payer, bound the effects.
        let versions_of = |index: &[Vec<ClauseId>]| -> usize {
            index
                .iter()
                .flatten()
                .map(|c| self.versions(*c).len())
                .sum()
        };
        let product_versions = versions_of(&self.by_product);
        let payer_versions = versions_of(&self.by_payer);
        let effects = product_versions
            .saturating_mul(nc.saturating_add(nparty))
            .saturating_add(payer_versions.saturating_mul(nparty));
        if effects > EAGER_EFFECTS {
            return;
        }
        let mut tables = Tables::default();
        for kind in Kind::TABLED {
            let (rows, columns) = match kind {
                Kind::Deploy | Kind::Launch => (np, nc),
                Kind::Use | Kind::License => (np, nparty),
                Kind::Pay | Kind::Other => (nparty, nparty),
            };
            if rows.saturating_mul(columns) <= EAGER_LIMIT {
                let whens = ids(rows)
                    .flat_map(|a| ids(columns).map(move |b| kind.subject(a, b)))
                    .map(|subject| self.compute(subject));
                tables.push(kind, columns, whens);
            }
        }
        self.tables = tables;
    }

    #[doc(hidden)]
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    #[doc(hidden)]
    pub fn env(&self) -> &Env {
        &self.env
    }

    #[doc(hidden)]
    pub fn consolidated(&self) -> &Consolidated {
        &self.cons
    }

    /// Reads a question in the language's words. A subject written with single spaces is found
    /// whole among the rule set's subjects; any other text is read word by word, with the same
    /// result and the same errors.
    pub fn parse(&self, text: &str) -> Result<Question, QuestionError> {
        let phrases = match self.phrases.get() {
            Some(p) => Some(p),
            None if self
                .reads
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                >= PHRASES_AFTER =>
            {
                Some(
                    self.phrases
                        .get_or_init(|| phrases::Phrases::new(&self.rules)),
                )
            }
            None => None,
        };
        match phrases.and_then(|p| p.read(text)) {
            Some(q) => Ok(q),
            None => question::parse(&self.rules, text),
        }
    }

    /// The product of this id.
    pub fn product(&self, id: &str) -> Result<Product, UnknownId> {
        question::find(&self.rules.names.products, "product", id).map(Product)
    }

    /// The cloud of this id or alias.
    pub fn cloud(&self, id: &str) -> Result<Cloud, UnknownId> {
        question::find(&self.rules.names.clouds, "cloud", id).map(Cloud)
    }

    /// The party of this id.
    pub fn party(&self, id: &str) -> Result<Party, UnknownId> {
        question::find(&self.rules.names.parties, "party", id).map(Party)
    }

    /// The agreement of this id.
    pub fn agreement(&self, id: &str) -> Result<Agreement, UnknownId> {
        question::find(&self.rules.names.agreements, "agreement", id).map(Agreement)
    }

    /// The windows of a subject asked about one place and field (0.2); everywhere is the
    /// table's answer.
    #[doc(hidden)]
    pub fn when_in(&self, subject: Subject, place: place::Place) -> Cow<'_, When> {
        if place.is_everywhere() {
            self.when(subject)
        } else {
            Cow::Owned(self.compute_in(subject, place))
        }
    }

    /// The windows of a subject over all time (the engine's own rulings: see
    /// [`Engine::answer`] for the answer).
    #[doc(hidden)]
    pub fn when(&self, subject: Subject) -> Cow<'_, When> {
        match self.tables.when(subject) {
            Some(w) => Cow::Borrowed(w),
            None => Cow::Owned(self.compute(subject)),
        }
    }

    /// The ruling on one day about one place and field (0.2).
    #[doc(hidden)]
    pub fn at_in(&self, subject: Subject, day: NaiveDate, place: place::Place) -> Ruling {
        match self.when_in(subject, place).at(day) {
            Some(w) => w.clone(),
            None => empty_window(),
        }
    }

    /// Whether a party holds a sublicensable licence of the product (0.2): a licence it
    /// grants is then a sublicence.
    pub(crate) fn holds_sublicensable_licence(&self, product: ProductId, party: PartyId) -> bool {
        self.holds_sublicensable(product, party)
    }

    /// The ruling on one day: the piece holding it.
    #[doc(hidden)]
    pub fn at(&self, subject: Subject, day: NaiveDate) -> Cow<'_, Ruling> {
        if let Some(ruling) = self.tables.at(subject, day) {
            return Cow::Borrowed(ruling);
        }
        let when = self.when(subject);
        Cow::Owned(when.at(day).cloned().unwrap_or_else(empty_window))
    }

    /// Where the tables answer a subject otherwise than computing it does: on the days its
    /// pieces change, the days either side, and the first and last days of the calendar. For
    /// the tests and the fuzz targets, which hold the tables to it.
    #[doc(hidden)]
    pub fn table_disagreement(&self, subject: Subject) -> Option<String> {
        let table = self.tables.when(subject)?;
        let computed = self.compute(subject);
        if *table != computed {
            return Some(format!(
                "{subject:?}: the table's windows are not computed ones"
            ));
        }
        let days = computed
            .pieces
            .iter()
            .filter_map(|p| p.from)
            .flat_map(|d| [d.pred_opt(), Some(d), d.succ_opt()])
            .flatten()
            .chain([NaiveDate::MIN, NaiveDate::MAX]);
        for day in days {
            let want = computed.at(day).cloned().unwrap_or_else(empty_window);
            if *self.at(subject, day) != want {
                return Some(format!(
                    "{subject:?} on {day}: the table's piece is not the computed one"
                ));
            }
        }
        None
    }

    /// A clause's scope as its text stands on a day (amendments may replace it, 0.2); from
    /// the beginning of time when no day is given.
    fn scope_at(&self, clause: ClauseId, day: Option<NaiveDate>) -> &crate::model::Scope {
        let versions = self.versions(clause);
        // Versions are in time order: the last one starting on or before the day.
        let at = match day {
            Some(d) => {
                let i = versions
                    .partition_point(|v| v.stretch.start.as_ref().is_none_or(|s| s.day <= d));
                i.checked_sub(1).and_then(|i| versions.get(i))
            }
            None => versions.first(),
        };
        match at.or(versions.first()) {
            Some(v) => v.terms.scope(),
            None => self
                .rules
                .clauses
                .get(clause as usize)
                .map_or(crate::model::Scope::everywhere(), |c| c.terms.scope()),
        }
    }

    fn versions(&self, clause: ClauseId) -> &[Version] {
        self.by_clause
            .get(clause as usize)
            .and_then(|r| self.cons.versions.get(r.clone()))
            .unwrap_or_default()
    }

    fn compute(&self, subject: Subject) -> When {
        self.compute_in(subject, place::Place::default())
    }

    /// The windows of a subject asked about one place and field (0.2).
    fn compute_in(&self, subject: Subject, place: place::Place) -> When {
        let mut effects: Vec<(Interval, Reason)> = Vec::new();
        let rule = match subject {
            Subject::Agreement { agreement } => return self.agreement_when(agreement.0),
            Subject::DeployBy {
                product,
                cloud,
                actor,
            } => {
                self.deploy_effects(
                    product.0,
                    cloud.0,
                    false,
                    place,
                    Some(actor.0),
                    &mut effects,
                );
                self.grant_effects(product.0, actor.0, place, &mut effects);
                Rule::Licensed
            }
            Subject::LaunchBy {
                product,
                cloud,
                actor,
            } => {
                self.deploy_effects(product.0, cloud.0, true, place, Some(actor.0), &mut effects);
                self.grant_effects(product.0, actor.0, place, &mut effects);
                Rule::Licensed
            }
            Subject::Deploy { product, cloud } => {
                self.deploy_effects(product.0, cloud.0, false, place, None, &mut effects);
                Rule::ForbidWins
            }
            Subject::Launch { product, cloud } => {
                self.deploy_effects(product.0, cloud.0, true, place, None, &mut effects);
                Rule::ForbidWins
            }
            Subject::Use {
                product: Product(product),
                party: Party(party),
            } => {
                let owner = self.rules.products.get(product as usize).map(|p| p.owner);
                if owner == Some(party) {
                    return When {
                        windows: vec![empty_window()],
                        pieces: vec![empty_window()],
                    };
                }
                self.licence_effects(product, party, true, place, &mut effects);
                Rule::NeedsPermit
            }
            Subject::License { product, party } => {
                self.licence_effects(product.0, party.0, false, place, &mut effects);
                Rule::ForbidWins
            }
            Subject::LicenseBy {
                product,
                licensor,
                party,
            } => {
                let mut when = self.sublicence_when(product.0, licensor.0, party.0, place, 0);
                let deps = self.knowledge_deps_of(subject);
                if !deps.is_empty() {
                    for w in when.windows.iter_mut().chain(when.pieces.iter_mut()) {
                        w.assumptions.add(&deps);
                    }
                }
                return when;
            }
            Subject::Pay { payer, payee } => {
                self.pay_effects(payer.0, payee.0, &mut effects);
                Rule::Owing
            }
        };
        let cover = |permits: &[Reason], day: Option<NaiveDate>| {
            let scopes: Vec<&crate::model::Scope> = permits
                .iter()
                .map(|r| self.scope_at(r.clause_id, day))
                .collect();
            self.geo.covered(&scopes, place)
        };
        let mut when = sweep::sweep(rule, &effects, &cover);
        let deps = self.knowledge_deps_of(subject);
        if !deps.is_empty() {
            for w in when.windows.iter_mut().chain(when.pieces.iter_mut()) {
                w.assumptions.add(&deps);
            }
        }
        when
    }

    /// The knowledge-time assumptions of every clause that could speak to a subject.
    fn knowledge_deps_of(&self, subject: Subject) -> Deps {
        let mut deps = Deps::none();
        if self.known_by.is_empty() {
            return deps;
        }
        let clauses: &[ClauseId] = match subject {
            Subject::Deploy { product, .. }
            | Subject::Launch { product, .. }
            | Subject::DeployBy { product, .. }
            | Subject::LaunchBy { product, .. }
            | Subject::Use { product, .. }
            | Subject::License { product, .. }
            | Subject::LicenseBy { product, .. } => self
                .by_product
                .get(product.0 as usize)
                .map(Vec::as_slice)
                .unwrap_or_default(),
            Subject::Pay { payer, .. } => self
                .by_payer
                .get(payer.0 as usize)
                .map(Vec::as_slice)
                .unwrap_or_default(),
            // An agreement's answer names its own signing assumptions (see `agreement.rs`).
            Subject::Agreement { .. } => &[],
        };
        for c in clauses {
            if let Some(d) = self.known_by.get(*c as usize) {
                deps.add(d);
            }
        }
        deps
    }
}

/// For each clause, the assumptions behind the signing days of its agreement and of the
/// amendments that change, end or add it.
fn knowledge_deps(rules: &RuleSet) -> Vec<Deps> {
    let env = crate::consolidate::Env::defaults(rules);
    let assumed = |v: Val<NaiveDate>| env.day(v).deps().clone();
    let mut out: Vec<Deps> = rules
        .clauses
        .iter()
        .map(|c| {
            rules
                .agreements
                .get(c.agreement as usize)
                .map_or_else(Deps::none, |a| assumed(a.signed))
        })
        .collect();
    for a in &rules.amendments {
        let deps = assumed(a.signed);
        if deps.is_empty() {
            continue;
        }
        for (change, _) in &a.changes {
            let clauses: Vec<ClauseId> = match change {
                Edit::End(c) | Edit::Amend(c, _) | Edit::Add(c) => vec![*c],
                Edit::Term(_) => Vec::new(),
                Edit::Strike(_) => rules
                    .agreements
                    .get(a.target as usize)
                    .map(|ag| ag.clauses.clone())
                    .unwrap_or_default(),
            };
            for c in clauses {
                if let Some(d) = out.get_mut(c as usize) {
                    d.add(&deps);
                }
            }
        }
    }
    out
}

fn empty_window() -> Ruling {
    Ruling {
        from: None,
        until: None,
        decision: answer::Decision::Permitted,
        reasons: Vec::new(),
        assumptions: Deps::none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every subject the tables hold has the windows computing it gives, and the piece of any
    /// day is the one its windows give: for the shipped rules and each worked deal.
    #[test]
    fn the_tables_hold_what_computing_gives() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/deals");
        let mut sets = vec![crate::Sources::embedded()];
        for deal in ["film_slate", "marketplace", "patent_licence", "reseller_eu"] {
            let mut sources = crate::Sources::new();
            let loaded = sources.load_path(&root.join(deal).join("rules.cov"));
            assert!(loaded.is_ok(), "{deal}: {loaded:?}");
            sets.push(sources);
        }
        // Where deploying and launching differ: a block holding the other's answers shows.
        let mut apart = crate::Sources::new();
        apart.add(
            "apart.cov",
            "party a\nparty b\ncloud home operated by a\ncloud away operated by b\n\
             product p by a\nproduct q by a\n\
             agreement g { between a and b signed 2020-01-01\n\
               rule r { forbid launch product q on away from 2021-03-01 } }\n",
        );
        sets.push(apart);
        for sources in sets {
            let checked = crate::check(sources);
            assert!(checked.is_ok(), "the rules check");
            let Ok(checked) = checked else { continue };
            let engine = Engine::new(checked.rules, &Options::default());
            assert!(engine.is_ok(), "the rules compile");
            let Ok(engine) = engine else { continue };
            let subjects = question::subjects(engine.rules());
            let tabled = subjects
                .iter()
                .filter(|s| engine.tables.when(**s).is_some())
                .count();
            for subject in subjects {
                assert_eq!(engine.table_disagreement(subject), None);
            }
            assert!(tabled > 0, "the tables hold the rule set's subjects");
        }
    }
}
