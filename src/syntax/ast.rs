//! The spanned syntax tree of one rule file.
//!
//! It says what was written and where, nothing more: ids are not resolved, `$` references are
//! not looked up, windows are not computed. Literals keep their source text so that the
//! formatter can write them back exactly as the author grouped them (`38_000_000_000`).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::source::Span;
use crate::syntax::lexer::Comment;
pub use crate::vocab::{Action, ClauseKind, DurationUnit, Period as MoneyPeriod};

/// An identifier as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A string literal: its value and its span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    pub value: String,
    pub span: Span,
}

/// A literal value of one of the language's value types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Literal {
    Day(NaiveDate),
    Money { currency: String, amount: Decimal },
    Percent(Decimal),
    Duration { count: u32, unit: DurationUnit },
}

/// A literal or a `$` reference standing for one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Lit {
        lit: Literal,
        raw: String,
        span: Span,
    },
    Ref(Ident),
    /// A day expression (0.2) with at least one shift or an `end of` / `start of` base.
    Expr(Box<DayExpr>),
}

impl Value {
    pub fn span(&self) -> Span {
        match self {
            Value::Lit { span, .. } => *span,
            Value::Ref(id) => id.span,
            Value::Expr(e) => e.span,
        }
    }
}

/// `DAYTERM {+ DURATION | - DURATION}` (0.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayExpr {
    pub base: DayTerm,
    /// Each shift: `true` for `+`, and the duration.
    pub shifts: Vec<(bool, Value)>,
    pub span: Span,
}

/// What a day expression starts from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DayTerm {
    /// A day or a `$` reference.
    Value(Value),
    /// `end of AGREEMENT[.CLAUSE]` (`end` true) or `start of …`.
    Of {
        end: bool,
        agreement: Ident,
        clause: Option<Ident>,
        span: Span,
    },
}

/// A period: a day, a month or a year (for `through`), or a reference to a day assumption.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Period {
    Day(Value),
    Month { year: i32, month: u32, span: Span },
    Year { year: i32, span: Span },
}

impl Period {
    pub fn span(&self) -> Span {
        match self {
            Period::Day(v) => v.span(),
            Period::Month { span, .. } | Period::Year { span, .. } => *span,
        }
    }
}

/// One alternative of a clause's end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndAlt {
    /// For `until`, always a `Period::Day`; for `through`, any period.
    Period(Period),
    Event(Ident),
    /// `HAPPENING [+ DURATION]` (0.2): a happening (or an event plus a duration).
    Happens(Box<Happening>, Option<Value>),
}

/// `until A or B…` or `through P or B…`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct End {
    pub through: bool,
    pub alts: Vec<EndAlt>,
    pub span: Span,
}

/// `product a, b` or `products [by P] [tagged t, u]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selector {
    Products(Vec<Ident>),
    Matching {
        by: Option<Ident>,
        tags: Vec<Ident>,
        /// `except product ID {, ID}` (0.2).
        except: Vec<Ident>,
    },
}

/// `capped at MONEY [counting from DAY]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cap {
    pub amount: Value,
    /// `per PERIOD` (0.2): a cap on what is paid within each period.
    pub per: Option<(MoneyPeriod, Span)>,
    pub counting_from: Option<Value>,
    pub span: Span,
}

/// `sublicensable [with consent of PARTY]` (0.2): the licensee may license onward.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sublicensable {
    pub consent: Option<Ident>,
    pub span: Span,
}

/// `PARTY VERB` in an `unless`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Act {
    pub party: Ident,
    pub verb: Ident,
}

/// The sentence of a clause, by kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sentence {
    Exclusivity {
        beneficiary: Option<Ident>,
        selector: Selector,
        /// `only on …` (empty: any cloud, 0.2).
        clouds: Vec<Ident>,
        /// `only by …` (0.2), and whether `with affiliates` follows.
        only_by: Vec<Ident>,
        by_affiliates: bool,
    },
    Licence {
        licensor: Ident,
        licensee: Ident,
        /// `with affiliates` (0.2): the licensee's affiliates (and theirs) are licensed too.
        with_affiliates: bool,
        exclusive: Option<bool>,
        /// The rights granted, as written: `use`, `deploy` (0.2).
        rights: Vec<Ident>,
        selector: Selector,
        /// `sublicensable [with consent of PARTY]` (0.2).
        sublicensable: Option<Sublicensable>,
    },
    FirstLaunch {
        selector: Selector,
        cloud: Ident,
        unless: Vec<Act>,
        lead: Option<Value>,
    },
    /// `SELECTOR offered first to PARTY [unless …] [within DURATION]` (0.2).
    FirstOffer {
        selector: Selector,
        to: Ident,
        unless: Vec<Act>,
        within: Option<Value>,
    },
    RevenueShare {
        payer: Ident,
        payee: Ident,
        rate: Value,
        earner: Ident,
        streams: Vec<Ident>,
        cap: Option<Box<Cap>>,
        /// `RATE up to MONEY, RATE up to MONEY, …, RATE above [per PERIOD]` (0.2): each bound
        /// with the rate above it.
        tiers: Vec<(Value, Value)>,
        /// `per PERIOD` after the tiers (0.2).
        tiers_per: Option<(MoneyPeriod, Span)>,
        /// `after recouping MONEY` (0.2).
        recoup: Option<Box<Value>>,
        /// `capped at MONEY per PERIOD` (0.2), beside the total cap.
        period_cap: Option<Box<Cap>>,
        /// `minimum MONEY per PERIOD` (0.2).
        minimum: Option<Box<(Value, MoneyPeriod, Span)>>,
    },
    Rule {
        action: Action,
        selector: Selector,
        clouds: Vec<Ident>,
        /// `on any channel except …` (0.2): `clouds` are the ones left out.
        except_clouds: bool,
    },
    /// A commitment to spend (0.2).
    Commitment(Box<CommitmentSentence>),
    /// `PAYER pays PAYEE MONEY (on DAY | on HAPPENING [+ DURATION] | every PERIOD)` (0.2).
    Payment {
        payer: Ident,
        payee: Ident,
        amount: Value,
        due: Due,
    },
}

/// `PARTY spends MONEY with PARTY [from stream(s) …] [per PERIOD] [shortfall payable]` (0.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitmentSentence {
    pub spender: Ident,
    pub amount: Value,
    pub with: Ident,
    pub streams: Vec<Ident>,
    pub per: Option<(MoneyPeriod, Span)>,
    pub payable: bool,
}

/// When a payment falls due (0.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Due {
    /// `on DAYEXPR`.
    On(Value),
    /// `on HAPPENING [+ DURATION]`.
    OnHappening(Box<Happening>, Option<Value>),
    /// `every PERIOD`.
    Every(MoneyPeriod, Span),
}

/// `KIND ID [TITLE] { SENTENCE TERMS }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clause {
    pub kind: ClauseKind,
    /// How the kind was spelled (`licence` or `license`).
    pub kind_word: &'static str,
    pub id: Ident,
    pub title: Option<Text>,
    pub sentence: Sentence,
    pub from: Option<Value>,
    /// `from HAPPENING [+ DURATION]` (0.2), instead of a day.
    /// Boxed, as the other terms most clauses lack: a tree holds every clause of a rule set.
    pub from_happening: Option<Box<(Happening, Option<Value>)>>,
    pub end: Option<End>,
    /// `survives [DURATION]` (0.2): in force after its agreement ends (for that long).
    pub survives: Option<Box<Survives>>,
    /// `in TERRITORY {, …} [except TERRITORY {, …}]` and `in field FIELD {, …}` (0.2); `None`
    /// when the clause has none (see [`Clause::scope`]).
    pub scope: Option<Box<Scope>>,
    pub span: Span,
}

impl Clause {
    /// The clause's scope terms (none for most clauses).
    pub fn scope(&self) -> &Scope {
        static NONE: Scope = Scope {
            places: None,
            fields: None,
            done_by: None,
        };
        self.scope.as_deref().unwrap_or(&NONE)
    }
}

/// A clause's scope terms (0.2), as written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    /// `in T {, T} [except X {, X}]`, with its span.
    pub places: Option<(Vec<Ident>, Vec<Ident>, Span)>,
    /// `in field F {, F}`, with its span.
    pub fields: Option<(Vec<Ident>, Span)>,
    /// `done by PARTY {, PARTY}` (rules only), with its span.
    pub done_by: Option<(Vec<Ident>, Span)>,
}

/// `survives [DURATION]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Survives {
    pub duration: Option<Value>,
    pub span: Span,
}

/// A term of an `amend CLAUSE { … }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AmendTerm {
    From(Value),
    End(End),
    Exclusive {
        exclusive: bool,
        span: Span,
    },
    Rate(Value),
    Cap(Cap),
    Lead(Value),
    /// `term DURATION` (0.2, `amend term { … }`).
    Length(Value, Span),
    /// `renews every …` (0.2, `amend term { … }`).
    Renews(Renewal),
    /// `in …` / `in field …` / `done by …` (0.2): the parts of the scope written, each
    /// replacing its part.
    Scope(Scope),
    /// `use`, `deploy` (0.2): a licence's rights, replaced as a whole.
    Rights(Vec<Ident>),
    /// `with affiliates` / `without affiliates` (0.2).
    Affiliates {
        with: bool,
        span: Span,
    },
    /// `sublicensable [with consent of P]` (`Some`) or `not sublicensable` (`None`) (0.2).
    Sublicensable(Option<Sublicensable>, Span),
    /// `within DURATION` (0.2, first offers).
    Within(Value),
    /// `survives [DURATION]` (0.2).
    Survives(Survives),
    /// `minimum MONEY per PERIOD` (0.2).
    Minimum(Value, MoneyPeriod, Span),
    /// `after recouping MONEY` (0.2).
    Recoup(Value, Span),
    /// `rate RATE up to MONEY, RATE … above [per PERIOD]` (0.2): a tier schedule.
    Schedule {
        rate: Value,
        tiers: Vec<(Value, Value)>,
        per: Option<(MoneyPeriod, Span)>,
    },
}

/// A clause named in an amendment: `clause` or `agreement.clause`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClauseRef {
    pub agreement: Option<Ident>,
    pub clause: Ident,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    End {
        clause: ClauseRef,
        span: Span,
    },
    Amend {
        clause: ClauseRef,
        terms: Vec<AmendTerm>,
        span: Span,
    },
    Strike {
        event: Ident,
        span: Span,
    },
    Add {
        clause: Box<Clause>,
        span: Span,
    },
}

impl Change {
    pub fn span(&self) -> Span {
        match self {
            Change::End { span, .. }
            | Change::Amend { span, .. }
            | Change::Strike { span, .. }
            | Change::Add { span, .. } => *span,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agreement {
    pub id: Ident,
    pub title: Option<Text>,
    pub parties: Vec<Ident>,
    pub signed: Option<Value>,
    /// The agreement's life (0.2): effective day, term, renewal, termination rights; `None`
    /// when it has none of them, as 0.1 agreements and most large rule sets' do (held inline,
    /// it was more than half of every agreement's tree). Read it through [`Agreement::life`].
    pub life: Option<Box<Life>>,
    pub clauses: Vec<Clause>,
    /// In a tree read for checking alone ([`crate::syntax::parse_lean`]): the bytes of each
    /// clause that could be read, `clauses` being empty. The checker reads them again one at a
    /// time ([`crate::syntax::clause_at`]) as it builds the model, so that a large rule set's
    /// clauses are never all held as syntax at once.
    pub clause_spans: Vec<(u32, u32)>,
    /// In a tree read for checking alone: only the id, the title, the span and the clauses'
    /// bytes are kept; the checker reads the head again from the text
    /// ([`crate::syntax::agreement_at`]) when it needs it.
    pub hollow: bool,
    pub span: Span,
}

impl Agreement {
    /// The agreement's life terms (none written: every one absent).
    pub fn life(&self) -> &Life {
        static NONE: Life = Life {
            effective: None,
            term: None,
            renews: None,
            terminable: Vec::new(),
        };
        self.life.as_deref().unwrap_or(&NONE)
    }
}

/// The header terms that give an agreement its life (0.2), each optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Life {
    /// `effective DAY`.
    pub effective: Option<Value>,
    /// `term DURATION`, or `until …` / `through …`.
    pub term: Option<Term>,
    /// `renews every DURATION [up to N times] unless notice DURATION`.
    pub renews: Option<Renewal>,
    /// `terminable by PARTY {, PARTY} for convenience with notice DURATION` (repeatable).
    pub terminable: Vec<Terminable>,
}

/// How an agreement's initial term ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Term {
    /// `term DURATION`, from the effective day.
    Length(Value, Span),
    /// `until …` or `through …`.
    End(End),
}

impl Term {
    pub fn span(&self) -> Span {
        match self {
            Term::Length(_, span) => *span,
            Term::End(e) => e.span,
        }
    }
}

/// `renews every DURATION [up to N times] unless notice DURATION`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Renewal {
    pub every: Value,
    pub times: Option<(u32, Span)>,
    pub notice: Value,
    pub span: Span,
}

/// `terminable by PARTY {, PARTY} for convenience with notice DURATION`, or `… on HAPPENING
/// [with notice DURATION]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Terminable {
    pub parties: Vec<Ident>,
    /// `on HAPPENING`: the right arises once it is recorded; `None`: for convenience.
    pub on: Option<Happening>,
    /// The notice; `None` (only with `on`): none.
    pub notice: Option<Value>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Amendment {
    pub id: Ident,
    pub title: Option<Text>,
    pub target: Ident,
    pub signed: Option<Value>,
    pub effective: Option<Value>,
    /// `effective on HAPPENING [+ DURATION]` (0.2): a conditional amendment.
    pub effective_on: Option<(Happening, Option<Value>, Span)>,
    pub changes: Vec<Change>,
    pub span: Span,
}

/// What an `on DAY:` record says happened.
// An act is larger than an event id; records are few and short-lived in the tree, so the
// size is not worth a box per record.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Happening {
    Event(Ident),
    Act {
        party: Ident,
        verb: Ident,
        /// A product or (0.2) an agreement.
        object: Ident,
        /// `renewal of AGREEMENT` (0.2): the object is the agreement's renewal.
        renewal_of: bool,
        /// `to PARTY` (0.2).
        to: Option<Ident>,
        cloud: Option<Ident>,
        /// `in TERRITORY` (0.2).
        place: Option<Ident>,
    },
}

/// When a derived event happens (0.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventWhen {
    /// `when HAPPENING`: on the day of the first matching record.
    Happens(Box<Happening>),
    /// `when no HAPPENING by DAY`: the day after DAY, if no matching record is dated on or
    /// before it.
    NoneBy(Box<Happening>, Value),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// `territory ID [TITLE] [within ID {, ID}]` or `field …` (0.2).
    Region {
        /// `field` (true) or `territory`.
        field: bool,
        id: Ident,
        title: Option<Text>,
        within: Vec<Ident>,
        span: Span,
    },
    Party {
        id: Ident,
        title: Option<Text>,
        /// `affiliate of PARTY` (0.2).
        affiliate_of: Option<Ident>,
        span: Span,
    },
    /// `cloud`, or (0.2) `channel`: a place where products are made available.
    Cloud {
        /// `cloud` or `channel`, as written.
        keyword: &'static str,
        id: Ident,
        title: Option<Text>,
        /// Optional from 0.2.
        operator: Option<Ident>,
        aliases: Vec<Ident>,
        span: Span,
    },
    Product {
        id: Ident,
        title: Option<Text>,
        owner: Ident,
        tags: Vec<Ident>,
        span: Span,
    },
    Event {
        id: Ident,
        title: Option<Text>,
        /// A derived event (0.2): `when HAPPENING` or `when no HAPPENING by DAY`.
        when: Option<EventWhen>,
        span: Span,
    },
    Assume {
        id: Ident,
        value: Value,
        note: Option<Text>,
        span: Span,
    },
    Record {
        day: NaiveDate,
        day_span: Span,
        /// Boxed, as the happenings of events are: a tree holds every item of a rule set.
        happening: Box<Happening>,
        note: Option<Text>,
        span: Span,
    },
    Agreement(Box<Agreement>),
    Amendment(Box<Amendment>),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Party { span, .. }
            | Item::Region { span, .. }
            | Item::Cloud { span, .. }
            | Item::Product { span, .. }
            | Item::Event { span, .. }
            | Item::Assume { span, .. }
            | Item::Record { span, .. } => *span,
            Item::Agreement(a) => a.span,
            Item::Amendment(a) => a.span,
        }
    }
}

/// One parsed file: its items in order and its comments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct File {
    pub items: Vec<Item>,
    pub comments: Vec<Comment>,
}
