//! The checked model: what the rules say, with every id resolved and every value typed.
//!
//! This is what the evaluator and the finance engine consume; they never see the syntax tree.
//! Values that may come from an assumption stay symbolic ([`Val`]) so that one checked model
//! serves every what-if (`--set`) and every knowledge time (`--as-of`): those are applied when
//! the model is compiled for questions.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use thin_vec::ThinVec;

use crate::money::Money;
use crate::source::{Sources, Span};
use crate::time::Duration;
pub use crate::vocab::{Action, ClauseKind};

// Ids are indexes into the rule set's tables, as `u32`: tables are numbered by zipping them with
// `0..` (never by a conversion with a fallback), and the names below return `?` only for an id
// that no checked rule set hands out.
pub type PartyId = u32;
pub type CloudId = u32;
pub type ProductId = u32;
pub type EventId = u32;
pub type AssumptionId = u32;
pub type AgreementId = u32;
pub type AmendmentId = u32;
pub type ClauseId = u32;

/// An id as declared: its name, optional title, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    pub id: String,
    pub title: Option<String>,
    pub span: Span,
}

impl Named {
    /// The title, or else the id.
    pub fn display(&self) -> &str {
        self.title.as_deref().unwrap_or(&self.id)
    }
}

#[derive(Clone, Debug)]
pub struct Party {
    pub name: Named,
    /// `affiliate of PARTY` (0.2).
    pub affiliate_of: Option<PartyId>,
}

#[derive(Clone, Debug)]
pub struct Cloud {
    pub name: Named,
    /// Who operates it, if the rules say (optional from 0.2).
    pub operator: Option<PartyId>,
    pub aliases: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Product {
    pub name: Named,
    pub owner: PartyId,
    pub tags: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct EventDef {
    pub name: Named,
    /// A derived event (0.2): what makes it happen.
    pub when: Option<EventWhen>,
}

/// When a derived event happens (0.2).
#[derive(Clone, Debug)]
pub enum EventWhen {
    /// On the day of the first record matching the pattern.
    Happens(Happening),
    /// On the day after the day, if no record matching the pattern is dated on or before it.
    NoneBy(Happening, Val<NaiveDate>),
}

/// What a record about an agreement's life says (0.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgreementNotice {
    /// `PARTY declines renewal of AGREEMENT`.
    Decline,
    /// `PARTY terminates AGREEMENT`.
    Terminate,
}

impl Happening {
    /// A notice of non-renewal or a termination: its kind, who gave it and of which agreement.
    pub fn agreement_notice(&self) -> Option<(AgreementNotice, PartyId, AgreementId)> {
        let Happening::Act {
            party,
            verb,
            object,
            ..
        } = self
        else {
            return None;
        };
        match (verb.as_str(), object) {
            ("declines", Object::RenewalOf(a)) => Some((AgreementNotice::Decline, *party, *a)),
            ("terminates", Object::Agreement(a)) => Some((AgreementNotice::Terminate, *party, *a)),
            _ => None,
        }
    }

    /// Whether a record's happening matches this one as a pattern: the same event; or the
    /// same party, verb and object, the same `to` and cloud where the pattern names them, and
    /// a place within the pattern's (`within(record's, pattern's)`) where it names one; a
    /// record lacking a part the pattern names does not match.
    pub fn matches(&self, record: &Happening, within: &dyn Fn(u32, u32) -> bool) -> bool {
        match (self, record) {
            (Happening::Event(a), Happening::Event(b)) => a == b,
            (
                Happening::Act {
                    party,
                    verb,
                    object,
                    to,
                    cloud,
                    place,
                },
                Happening::Act {
                    party: p,
                    verb: v,
                    object: o,
                    to: t,
                    cloud: c,
                    place: l,
                },
            ) => {
                party == p
                    && verb == v
                    && object == o
                    && to.is_none_or(|x| *t == Some(x))
                    && cloud.is_none_or(|x| *c == Some(x))
                    && place.is_none_or(|x| l.is_some_and(|l| within(l, x)))
            }
            _ => false,
        }
    }
}

/// A typed value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Literal {
    Day(NaiveDate),
    Money(Money),
    /// The percent as written (`20` for `20%`).
    Percent(Decimal),
    Duration(Duration),
}

impl Literal {
    pub fn type_name(&self) -> &'static str {
        match self {
            Literal::Day(_) => "a day",
            Literal::Money(_) => "an amount",
            Literal::Percent(_) => "a percent",
            Literal::Duration(_) => "a duration",
        }
    }
}

impl std::fmt::Display for Literal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Literal::Day(d) => write!(f, "{}", crate::time::iso(*d)),
            Literal::Money(m) => write!(f, "{m}"),
            Literal::Percent(p) => write!(f, "{}%", p.normalize()),
            Literal::Duration(d) => write!(f, "{d}"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Assumption {
    pub name: Named,
    /// Its value as the rules give it (for a derived one, computed from the defaults).
    pub value: Literal,
    pub note: Option<String>,
    /// A day defined over other assumptions (0.2: `assume b = $a + 90 days`): its expression.
    pub derived: Option<ExprId>,
}

/// A literal, or the value of an assumption.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Val<T> {
    Lit(T),
    Assumed(AssumptionId),
    /// A day expression (0.2), by its index in [`RuleSet::day_exprs`]; only days take one.
    Expr(ExprId),
}

/// Index of a day expression in [`RuleSet::day_exprs`].
pub type ExprId = u32;

/// A day expression (0.2): a base day and the durations added to or taken from it, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayExpr {
    pub base: DayBase,
    /// `true` for `+`.
    pub shifts: Vec<(bool, Val<Duration>)>,
    pub span: Span,
}

/// What a day expression starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayBase {
    /// A day or an assumption (never another expression).
    Day(Val<NaiveDate>),
    /// `end of AGREEMENT[.CLAUSE]` (`end` true) or `start of …`: known only once the
    /// agreement's life (or the clause's window) is, so read only in clause terms.
    Of {
        end: bool,
        agreement: AgreementId,
        clause: Option<ClauseId>,
    },
}

/// What an `on DAY:` record says happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Happening {
    Event(EventId),
    Act {
        party: PartyId,
        verb: String,
        object: Object,
        /// `to PARTY` (0.2).
        to: Option<PartyId>,
        cloud: Option<CloudId>,
        /// `in TERRITORY` (0.2).
        place: Option<u32>,
    },
}

/// What an act is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Object {
    /// A product (`openai launches gpt_5_5 on azure`).
    Product(ProductId),
    /// An agreement (`nordlicht terminates reseller_eu`, 0.2).
    Agreement(AgreementId),
    /// An agreement's renewal (`atlas declines renewal of reseller_eu`, 0.2).
    RenewalOf(AgreementId),
    /// A word that is no declared id (`atlas undergoes change_of_control`, 0.2).
    Word(String),
}

#[derive(Clone, Debug)]
pub struct Record {
    pub day: NaiveDate,
    pub happening: Happening,
    pub note: Option<String>,
    pub span: Span,
}

/// Which products a clause speaks of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selector {
    Products(ThinVec<ProductId>),
    Matching {
        by: Option<PartyId>,
        tags: ThinVec<String>,
        /// Products left out (0.2: `except product …`).
        except: ThinVec<ProductId>,
    },
}

impl Selector {
    pub fn matches(&self, id: ProductId, product: &Product) -> bool {
        match self {
            Selector::Products(ids) => ids.contains(&id),
            Selector::Matching { except, .. } if except.contains(&id) => false,
            Selector::Matching { by, tags, .. } => {
                by.is_none_or(|p| p == product.owner)
                    && tags.iter().all(|t| product.tags.contains(t))
            }
        }
    }
}

/// One alternative of a clause's end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndAlt {
    /// The first day no longer in force.
    Until(Val<NaiveDate>),
    /// The last day in force (`through DAY`).
    Through(Val<NaiveDate>),
    Event(EventId),
    /// An event's day plus a duration (0.2: `until HAPPENING + DURATION`).
    After(EventId, Val<Duration>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cap {
    pub amount: Val<Money>,
    /// `None`: from the clause's start, or from the amendment that set the cap.
    pub counting_from: Option<Val<NaiveDate>>,
}

/// When a payment falls due (0.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    /// On this day.
    On(Val<NaiveDate>),
    /// On the day this (possibly hidden derived) event happens, plus the duration.
    OnEvent(EventId, Option<Val<Duration>>),
    /// On the first day of each period that starts inside the clause's window.
    Every(crate::vocab::Period),
}

/// The part of a clause that says what it does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// A commitment to spend (0.2): the spender's rows (in the streams) count toward the
    /// amount, within the window or each period; a shortfall is owed to `with` when payable.
    Commitment {
        spender: PartyId,
        with: PartyId,
        amount: Val<Money>,
        streams: ThinVec<String>,
        per: Option<crate::vocab::Period>,
        payable: bool,
    },
    /// A fixed sum (0.2).
    Payment {
        payer: PartyId,
        payee: PartyId,
        amount: Val<Money>,
        due: Due,
    },
    Exclusivity {
        beneficiary: Option<PartyId>,
        selector: Selector,
        /// `only on …`; empty (0.2: with `only by` alone): any cloud.
        clouds: ThinVec<CloudId>,
        /// `only by …` (0.2): who alone may deploy; empty: anyone.
        only_by: ThinVec<PartyId>,
        /// `only by … with affiliates`.
        by_affiliates: bool,
    },
    Licence {
        licensor: PartyId,
        licensee: PartyId,
        /// `with affiliates` (0.2).
        with_affiliates: bool,
        exclusive: bool,
        /// Grants the `deploy` right (0.2), which includes launch and use; else `use` only.
        deploy: bool,
        selector: Selector,
        /// `sublicensable` (0.2): `None` not; `Some(None)` freely; `Some(Some(c))` with the
        /// consent of `c` (a record `c consents PRODUCT to PARTY`).
        sublicensable: Option<Option<PartyId>>,
    },
    FirstLaunch {
        selector: Selector,
        cloud: CloudId,
        unless: ThinVec<(PartyId, String)>,
        lead: Val<Duration>,
    },
    /// A right of first offer (0.2): licensing a matching product to anyone but `to` is
    /// forbidden until an offer to `to` has lapsed (`within` after it) or an `unless` act is
    /// recorded.
    FirstOffer {
        selector: Selector,
        to: PartyId,
        unless: ThinVec<(PartyId, String)>,
        within: Val<Duration>,
    },
    /// Boxed: a revenue share's terms are the largest of any clause's, and held inline they
    /// made every clause's terms as large.
    RevenueShare(Box<RevenueShare>),
    Rule {
        action: Action,
        selector: Selector,
        clouds: ThinVec<CloudId>,
        /// `on any channel except …` (0.2): `clouds` are the ones left out.
        except_clouds: bool,
    },
}

/// A revenue share's terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevenueShare {
    pub payer: PartyId,
    pub payee: PartyId,
    /// The percent as written.
    pub rate: Val<Decimal>,
    pub earner: PartyId,
    pub streams: Vec<String>,
    pub cap: Option<Cap>,
    /// Tiers (0.2): each bound with the rate above it; `rate` applies below the first.
    pub tiers: Vec<(Val<Money>, Val<Decimal>)>,
    /// `per PERIOD` (0.2): the tiers count revenue within each period, else over the
    /// clause's life.
    pub tiers_per: Option<crate::vocab::Period>,
    /// `after recouping MONEY` (0.2).
    pub recoup: Option<Val<Money>>,
    /// `capped at MONEY per PERIOD` (0.2).
    pub period_cap: Option<(Val<Money>, crate::vocab::Period)>,
    /// `minimum MONEY per PERIOD` (0.2).
    pub minimum: Option<(Val<Money>, crate::vocab::Period)>,
}

impl Body {
    pub fn kind(&self) -> ClauseKind {
        match self {
            Body::Exclusivity { .. } => ClauseKind::Exclusivity,
            Body::Licence { .. } => ClauseKind::Licence,
            Body::FirstLaunch { .. } => ClauseKind::FirstLaunch,
            Body::RevenueShare(_) => ClauseKind::RevenueShare,
            Body::Rule { .. } => ClauseKind::Rule,
            Body::FirstOffer { .. } => ClauseKind::FirstOffer,
            Body::Payment { .. } => ClauseKind::Payment,
            Body::Commitment { .. } => ClauseKind::Commitment,
        }
    }

    pub fn selector(&self) -> Option<&Selector> {
        match self {
            Body::Exclusivity { selector, .. }
            | Body::Licence { selector, .. }
            | Body::FirstLaunch { selector, .. }
            | Body::Rule { selector, .. }
            | Body::FirstOffer { selector, .. } => Some(selector),
            Body::RevenueShare(_) | Body::Payment { .. } | Body::Commitment { .. } => None,
        }
    }
}

/// The terms of a clause that amendments may replace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Terms {
    pub from: Option<Val<NaiveDate>>,
    /// `from HAPPENING [+ DURATION]` (0.2): the event (a hidden derived one for a pattern)
    /// and the duration after it; the clause never starts if it never happens.
    pub from_event: Option<(EventId, Option<Val<Duration>>)>,
    /// Empty: open-ended.
    pub end: ThinVec<EndAlt>,
    pub body: Body,
    /// Where and in which fields the clause speaks (0.2); `None` everywhere, as most clauses
    /// are (an empty scope would take 96 bytes in every clause's terms). Read it through
    /// [`Terms::scope`].
    pub scope: Option<Box<Scope>>,
    /// `survives` (0.2): `None` ends with the agreement; `Some(None)` survives it for as long
    /// as its own terms say; `Some(Some(d))` for `d` after the agreement's end.
    pub survives: Option<Option<Val<Duration>>>,
}

impl Terms {
    /// Where and in which fields the clause speaks.
    pub fn scope(&self) -> &Scope {
        self.scope.as_deref().unwrap_or(Scope::everywhere())
    }

    /// Sets the clause's scope, kept only when it is not everywhere (so that equal terms stay
    /// equal).
    pub fn set_scope(&mut self, scope: Scope) {
        self.scope = (!scope.is_everywhere()).then(|| Box::new(scope));
    }
}

#[derive(Clone, Debug)]
pub struct Clause {
    pub agreement: AgreementId,
    pub id: String,
    /// `agreement.clause`.
    pub qualified: String,
    pub title: Option<String>,
    /// Shared with the consolidated versions that keep them unchanged (most versions): a
    /// rule set's memory is mostly its clauses and their versions.
    pub terms: std::sync::Arc<Terms>,
    /// The amendment that added it, if it was added.
    pub added_by: Option<AmendmentId>,
    pub span: Span,
    /// Its kind and id, for diagnostics about the whole clause.
    pub head: Span,
}

impl Clause {
    pub fn kind(&self) -> ClauseKind {
        self.terms.body.kind()
    }
}

#[derive(Clone, Debug)]
pub struct Agreement {
    pub name: Named,
    pub parties: Vec<PartyId>,
    pub signed: Val<NaiveDate>,
    /// Its life (0.2): effective day, term, renewal, termination rights.
    pub life: Life,
    /// Its clauses, those written in it and those added by amendments.
    pub clauses: Vec<ClauseId>,
}

/// One term of an `amend`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AmendTerm {
    From(Val<NaiveDate>),
    End(Vec<EndAlt>),
    Exclusive(bool),
    Rate(Val<Decimal>),
    Cap(Cap),
    Lead(Val<Duration>),
    /// `in …` (0.2): places and exceptions.
    Places(Vec<u32>, Vec<u32>),
    /// `in field …` (0.2).
    Fields(Vec<u32>),
    /// `done by …` (0.2).
    DoneBy(Vec<PartyId>),
    /// A licence's rights (0.2): grants `deploy` (else `use` only).
    Deploy(bool),
    /// `with affiliates` / `without affiliates` (0.2).
    WithAffiliates(bool),
    /// `sublicensable …` / `not sublicensable` (0.2).
    Sublicensable(Option<Option<PartyId>>),
    /// `within DURATION` (0.2).
    Within(Val<Duration>),
    /// `survives [DURATION]` (0.2).
    Survives(Option<Val<Duration>>),
    /// `capped at MONEY per PERIOD` (0.2).
    PeriodCap(Val<Money>, crate::vocab::Period),
    /// `minimum MONEY per PERIOD` (0.2).
    Minimum(Val<Money>, crate::vocab::Period),
    /// `after recouping MONEY` (0.2).
    Recoup(Val<Money>),
    /// A tier schedule (0.2): the first rate, each bound with the rate above it, the period.
    Schedule(
        Val<Decimal>,
        Vec<(Val<Money>, Val<Decimal>)>,
        Option<crate::vocab::Period>,
    ),
}

/// What an amendment does to its agreement, resolved to ids (the syntax's `ast::Change`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edit {
    End(ClauseId),
    Amend(ClauseId, Vec<AmendTerm>),
    Strike(EventId),
    Add(ClauseId),
    /// `amend term { … }` or `end renewal` (0.2): the agreement's own term.
    Term(TermChange),
}

/// What an amendment of an agreement's term replaces (0.2); `None`: left as it was.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct TermChange {
    /// `term DURATION`, `until …` or `through …`.
    pub term: Option<TermEnd>,
    /// `renews every …` (`Some(Some(_))`) or `end renewal` (`Some(None)`).
    pub renews: Option<Option<Renewal>>,
}

#[derive(Clone, Debug)]
pub struct Amendment {
    pub name: Named,
    pub target: AgreementId,
    pub signed: Val<NaiveDate>,
    pub effective: Option<Val<NaiveDate>>,
    /// `effective on HAPPENING [+ DURATION]` (0.2): the (hidden derived) event and the
    /// duration after it; the amendment applies only once the event is known.
    pub effective_on: Option<(EventId, Option<Val<Duration>>)>,
    pub changes: Vec<(Edit, Span)>,
    pub span: Span,
}

/// An agreement's life (0.2). Everything `None` or empty is 0.1's agreement: in force from
/// its signing for ever.
#[derive(Clone, Debug, Default)]
pub struct Life {
    /// `effective DAY`; `None`: the signing day.
    pub effective: Option<Val<NaiveDate>>,
    /// How the initial term ends.
    pub term: Option<TermEnd>,
    /// `renews every … [up to N times] unless notice …`.
    pub renews: Option<Renewal>,
    /// `terminable by … for convenience with notice …`.
    pub terminable: Vec<Terminable>,
}

/// The end of an agreement's initial term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TermEnd {
    /// `term DURATION` from the effective day.
    Length(Val<Duration>),
    /// `until …` / `through …`: the first of these ends.
    End(Vec<EndAlt>),
}

/// `renews every EVERY [up to TIMES times] unless notice NOTICE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Renewal {
    pub every: Val<Duration>,
    pub times: Option<u32>,
    pub notice: Val<Duration>,
}

/// `terminable by PARTIES for convenience with notice NOTICE`, or `… on HAPPENING [with
/// notice NOTICE]` (notice none when not written).
#[derive(Clone, Debug)]
pub struct Terminable {
    pub parties: Vec<PartyId>,
    pub on: Option<Happening>,
    pub notice: Val<Duration>,
}

impl Amendment {
    pub fn effective(&self) -> Val<NaiveDate> {
        self.effective.unwrap_or(self.signed)
    }
}

/// A territory or a field of use (0.2): its name and the regions it lies within directly.
/// Index 0 of each list is the implicit `world` / `any_field`, within which everything lies.
#[derive(Clone, Debug)]
pub struct Region {
    pub name: Named,
    pub within: Vec<u32>,
}

/// What a clause speaks of (0.2): places (none: everywhere) less exceptions, and fields (none:
/// every field).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    pub places: Vec<u32>,
    pub except: Vec<u32>,
    pub fields: Vec<u32>,
    /// `done by` (rules): the clause speaks only of acts by these parties (none: anyone).
    pub done_by: Vec<PartyId>,
}

impl Scope {
    /// Everywhere, in every field, by anyone: the scope of a clause that names none.
    pub fn everywhere() -> &'static Scope {
        static EVERYWHERE: Scope = Scope {
            places: Vec::new(),
            except: Vec::new(),
            fields: Vec::new(),
            done_by: Vec::new(),
        };
        &EVERYWHERE
    }

    pub fn is_everywhere(&self) -> bool {
        self.places.is_empty()
            && self.except.is_empty()
            && self.fields.is_empty()
            && self.done_by.is_empty()
    }
}

/// A checked rule set.
#[derive(Clone, Debug, Default)]
pub struct RuleSet {
    pub sources: Sources,
    /// Territories (0.2), `world` first.
    pub territories: Vec<Region>,
    /// Fields of use (0.2), `any_field` first.
    pub fields: Vec<Region>,
    pub parties: Vec<Party>,
    pub clouds: Vec<Cloud>,
    pub products: Vec<Product>,
    pub events: Vec<EventDef>,
    pub assumptions: Vec<Assumption>,
    pub records: Vec<Record>,
    pub agreements: Vec<Agreement>,
    pub amendments: Vec<Amendment>,
    pub clauses: Vec<Clause>,
    /// Day expressions (0.2), referred to by [`Val::Expr`].
    pub day_exprs: Vec<DayExpr>,
    /// Derived assumptions in an order where each comes after the one it is defined over.
    pub derived_order: Vec<AssumptionId>,
    /// The longest chain of clauses whose days are `end of` / `start of` another clause: how
    /// many times consolidation reads the clause windows again (0 when none is).
    pub clause_ref_depth: u32,
    /// Each clause's place in that chain (0 when it is timed by no other clause), so that an
    /// agreement's clauses can be read after those they are timed by.
    pub clause_depth: Vec<u32>,
    pub names: Names,
}

/// A name table. Names are short and looked up on every question, so the hash is FxHash, not
/// SipHash (these maps are built from checked rules, not from attacker-chosen keys).
pub type NameMap = HashMap<String, u32, rustc_hash::FxBuildHasher>;

/// Name lookup, one map per kind of id (cloud aliases included with the clouds).
#[derive(Clone, Debug, Default)]
pub struct Names {
    pub parties: NameMap,
    pub clouds: NameMap,
    pub products: NameMap,
    pub events: NameMap,
    pub assumptions: NameMap,
    pub agreements: NameMap,
    pub amendments: NameMap,
    pub territories: NameMap,
    pub fields: NameMap,
}

impl RuleSet {
    pub fn party(&self, id: PartyId) -> &str {
        self.parties.get(id as usize).map_or("?", |p| &p.name.id)
    }

    pub fn cloud(&self, id: CloudId) -> &str {
        self.clouds.get(id as usize).map_or("?", |c| &c.name.id)
    }

    pub fn product(&self, id: ProductId) -> &str {
        self.products.get(id as usize).map_or("?", |p| &p.name.id)
    }

    pub fn event(&self, id: EventId) -> &str {
        self.events.get(id as usize).map_or("?", |e| &e.name.id)
    }

    pub fn assumption(&self, id: AssumptionId) -> Option<&Assumption> {
        self.assumptions.get(id as usize)
    }

    /// Whether `party` is `of` itself or one of its affiliates, or theirs (0.2).
    pub fn within_group(&self, party: PartyId, of: PartyId) -> bool {
        let mut p = Some(party);
        // Affiliation is a chain upward; a cycle (refused by `check`) is cut by the count.
        for _ in 0..=self.parties.len() {
            match p {
                Some(x) if x == of => return true,
                Some(x) => p = self.parties.get(x as usize).and_then(|q| q.affiliate_of),
                None => return false,
            }
        }
        false
    }

    pub fn agreement_name(&self, id: AgreementId) -> &str {
        self.agreements.get(id as usize).map_or("?", |a| &a.name.id)
    }

    pub fn clause(&self, id: ClauseId) -> Option<&Clause> {
        self.clauses.get(id as usize)
    }

    /// The clause an `agreement.clause` name names, found through its agreement's own clauses
    /// (a map of every clause's name was the largest of a rule set's maps, for this one use).
    pub fn clause_named(&self, qualified: &str) -> Option<ClauseId> {
        let (agreement, clause) = qualified.split_once('.')?;
        let agreement = self
            .agreements
            .get(*self.names.agreements.get(agreement)? as usize)?;
        agreement
            .clauses
            .iter()
            .copied()
            .find(|&c| self.clause(c).is_some_and(|c| c.id == clause))
    }

    /// A happening in words: `openai launches gpt_5_5 on azure`, or the event's id.
    pub fn happening_text(&self, h: &Happening) -> String {
        match h {
            Happening::Event(e) => self.event(*e).to_string(),
            Happening::Act {
                party,
                verb,
                object,
                to,
                cloud,
                place,
            } => {
                let object = match object {
                    Object::Product(p) => self.product(*p).to_string(),
                    Object::Agreement(a) => self.agreement_name(*a).to_string(),
                    Object::RenewalOf(a) => format!("renewal of {}", self.agreement_name(*a)),
                    Object::Word(w) => w.clone(),
                };
                let mut s = format!("{} {verb} {object}", self.party(*party));
                if let Some(t) = to {
                    s.push_str(&format!(" to {}", self.party(*t)));
                }
                if let Some(c) = cloud {
                    s.push_str(&format!(" on {}", self.cloud(*c)));
                }
                if let Some(p) = place.and_then(|p| self.territories.get(p as usize)) {
                    s.push_str(&format!(" in {}", p.name.id));
                }
                s
            }
        }
    }

    /// Each party's products, in declaration order (an index for [`RuleSet::select`]).
    pub fn products_by_owner(&self) -> Vec<Vec<ProductId>> {
        let mut by_owner: Vec<Vec<ProductId>> = vec![Vec::new(); self.parties.len()];
        for (i, p) in self.products.iter().enumerate() {
            if let (Some(list), Ok(id)) =
                (by_owner.get_mut(p.owner as usize), ProductId::try_from(i))
            {
                list.push(id);
            }
        }
        by_owner
    }

    /// Products a selector matches, using an owner index so that `products by P` looks only at
    /// P's products.
    pub fn select(&self, selector: &Selector, by_owner: &[Vec<ProductId>]) -> Vec<ProductId> {
        match selector {
            Selector::Products(ids) => ids.to_vec(),
            Selector::Matching {
                by: Some(owner), ..
            } => by_owner
                .get(*owner as usize)
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .copied()
                .filter(|p| {
                    self.products
                        .get(*p as usize)
                        .is_some_and(|prod| selector.matches(*p, prod))
                })
                .collect(),
            Selector::Matching { by: None, .. } => self.selected(selector),
        }
    }

    /// Products a selector matches, in declaration order.
    pub fn selected(&self, selector: &Selector) -> Vec<ProductId> {
        self.products
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let id = ProductId::try_from(i).ok()?;
                selector.matches(id, p).then_some(id)
            })
            .collect()
    }
}
