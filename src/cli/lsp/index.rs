//! Every id written in a rule set, where, and as what: the language server's map for go to
//! definition, find references, rename, hover and completion.
//!
//! It is read from the spanned syntax trees, not from the checked rules, so it is there for a
//! rule set with errors too (each file's tree holds every item its parser could read). An id's
//! kind comes from where it is written (`between P and Q` names parties, `on C` a channel,
//! `$a` an assumption); a clause is known by its qualified name `agreement.clause`, whether it
//! is written in its agreement, named by an amendment (`amend c` in an amendment of `g` is
//! `g.c`) or in a day (`end of g.c`). The one place the grammar leaves open, the object of an
//! act in a record (`launches lens`, `renews renewal of reseller`), is a product when a product
//! of that name is declared, else an agreement.

use std::collections::HashSet;

use covenant::source::Span;
use covenant::syntax::ast::{
    Act, AmendTerm, Cap, Change, Clause, ClauseRef, DayTerm, Due, End, EndAlt, EventWhen, File,
    Happening, Item, Period, Scope, Selector, Sentence, Term, Value,
};

/// What an id names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Party,
    Channel,
    Product,
    Territory,
    Field,
    Event,
    Assumption,
    Agreement,
    Amendment,
    Clause,
}

impl Kind {
    /// The word the language declares it with.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Party => "party",
            Kind::Channel => "channel",
            Kind::Product => "product",
            Kind::Territory => "territory",
            Kind::Field => "field",
            Kind::Event => "event",
            Kind::Assumption => "assumption",
            Kind::Agreement => "agreement",
            Kind::Amendment => "amendment",
            Kind::Clause => "clause",
        }
    }
}

/// One id as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence {
    pub kind: Kind,
    /// The id (`agreement.clause` for a clause).
    pub name: String,
    /// The span of the id itself (for a clause, its own part; for an assumption, without `$`).
    pub span: Span,
    /// The declaration, not a use.
    pub def: bool,
}

/// The ids of a rule set, file by file.
#[derive(Default)]
pub struct Index {
    pub occurrences: Vec<Occurrence>,
}

impl Index {
    /// The ids of parsed files (`trees[i]` is file `i`), with each file's text to place `$`.
    pub fn new(trees: &[(&File, &str)]) -> Index {
        let products: HashSet<&str> = trees
            .iter()
            .flat_map(|(f, _)| f.items.iter())
            .filter_map(|i| match i {
                Item::Product { id, .. } => Some(id.name.as_str()),
                _ => None,
            })
            .collect();
        let agreements: HashSet<&str> = trees
            .iter()
            .flat_map(|(f, _)| f.items.iter())
            .filter_map(|i| match i {
                Item::Agreement(a) => Some(a.id.name.as_str()),
                _ => None,
            })
            .collect();
        let mut w = Walker {
            out: Vec::new(),
            products: &products,
            agreements: &agreements,
            text: "",
        };
        for (file, text) in trees {
            w.text = text;
            for item in &file.items {
                w.item(item);
            }
        }
        Index { occurrences: w.out }
    }

    /// The id written at a byte offset of a file, if any.
    pub fn at(&self, file: u32, offset: usize) -> Option<&Occurrence> {
        self.occurrences.iter().find(|o| {
            o.span.file == file && o.span.start as usize <= offset && offset <= o.span.end as usize
        })
    }

    /// Every occurrence of an id of a kind.
    pub fn all<'a>(&'a self, kind: Kind, name: &'a str) -> impl Iterator<Item = &'a Occurrence> {
        self.occurrences
            .iter()
            .filter(move |o| o.kind == kind && o.name == name)
    }

    /// The declarations of ids of a kind, each name once, in order.
    pub fn declared(&self, kind: Kind) -> Vec<&Occurrence> {
        let mut seen = HashSet::new();
        self.occurrences
            .iter()
            .filter(|o| o.def && o.kind == kind && seen.insert(o.name.as_str()))
            .collect()
    }
}

struct Walker<'a> {
    out: Vec<Occurrence>,
    products: &'a HashSet<&'a str>,
    agreements: &'a HashSet<&'a str>,
    text: &'a str,
}

impl Walker<'_> {
    fn put(&mut self, kind: Kind, name: String, span: Span, def: bool) {
        self.out.push(Occurrence {
            kind,
            name,
            span,
            def,
        });
    }

    fn id(&mut self, kind: Kind, id: &covenant::syntax::ast::Ident, def: bool) {
        self.put(kind, id.name.clone(), id.span, def);
    }

    fn ids(&mut self, kind: Kind, ids: &[covenant::syntax::ast::Ident]) {
        for i in ids {
            self.id(kind, i, false);
        }
    }

    fn value(&mut self, v: &Value) {
        match v {
            Value::Lit { .. } => {}
            Value::Ref(id) => {
                // The span may hold the `$`; the id is what follows it.
                let mut span = id.span;
                let at = span.start as usize;
                if self.text.get(at..at + 1) == Some("$") {
                    span.start += 1;
                }
                self.put(Kind::Assumption, id.name.clone(), span, false);
            }
            Value::Expr(e) => {
                match &e.base {
                    DayTerm::Value(v) => self.value(v),
                    DayTerm::Of {
                        agreement, clause, ..
                    } => {
                        self.id(Kind::Agreement, agreement, false);
                        if let Some(c) = clause {
                            self.put(
                                Kind::Clause,
                                format!("{}.{}", agreement.name, c.name),
                                c.span,
                                false,
                            );
                        }
                    }
                }
                for (_, v) in &e.shifts {
                    self.value(v);
                }
            }
        }
    }

    fn opt(&mut self, v: Option<&Value>) {
        if let Some(v) = v {
            self.value(v);
        }
    }

    fn happening(&mut self, h: &Happening) {
        match h {
            Happening::Event(e) => self.id(Kind::Event, e, false),
            Happening::Act {
                party,
                object,
                renewal_of,
                to,
                cloud,
                place,
                ..
            } => {
                self.id(Kind::Party, party, false);
                // A product when one of that name is declared, else an agreement when one is;
                // else a word of the record's own (`undergoes change_of_control`), no id.
                let name = object.name.as_str();
                if !renewal_of && self.products.contains(name) {
                    self.id(Kind::Product, object, false);
                } else if self.agreements.contains(name) {
                    self.id(Kind::Agreement, object, false);
                }
                if let Some(t) = to {
                    self.id(Kind::Party, t, false);
                }
                if let Some(c) = cloud {
                    self.id(Kind::Channel, c, false);
                }
                if let Some(p) = place {
                    self.id(Kind::Territory, p, false);
                }
            }
        }
    }

    fn end(&mut self, e: &End) {
        for alt in &e.alts {
            match alt {
                EndAlt::Period(Period::Day(v)) => self.value(v),
                EndAlt::Period(_) => {}
                EndAlt::Event(id) => self.id(Kind::Event, id, false),
                EndAlt::Happens(h, d) => {
                    self.happening(h);
                    self.opt(d.as_ref());
                }
            }
        }
    }

    fn selector(&mut self, s: &Selector) {
        match s {
            Selector::Products(ids) => self.ids(Kind::Product, ids),
            Selector::Matching { by, except, .. } => {
                if let Some(b) = by {
                    self.id(Kind::Party, b, false);
                }
                self.ids(Kind::Product, except);
            }
        }
    }

    fn cap(&mut self, c: &Cap) {
        self.value(&c.amount);
        self.opt(c.counting_from.as_ref());
    }

    fn acts(&mut self, acts: &[Act]) {
        for a in acts {
            self.id(Kind::Party, &a.party, false);
        }
    }

    fn scope(&mut self, s: &Scope) {
        if let Some((places, except, _)) = &s.places {
            self.ids(Kind::Territory, places);
            self.ids(Kind::Territory, except);
        }
        if let Some((fields, _)) = &s.fields {
            self.ids(Kind::Field, fields);
        }
        if let Some((parties, _)) = &s.done_by {
            self.ids(Kind::Party, parties);
        }
    }

    fn sentence(&mut self, s: &Sentence) {
        match s {
            Sentence::Exclusivity {
                beneficiary,
                selector,
                clouds,
                only_by,
                ..
            } => {
                if let Some(b) = beneficiary {
                    self.id(Kind::Party, b, false);
                }
                self.selector(selector);
                self.ids(Kind::Channel, clouds);
                self.ids(Kind::Party, only_by);
            }
            Sentence::Licence {
                licensor,
                licensee,
                selector,
                sublicensable,
                ..
            } => {
                self.id(Kind::Party, licensor, false);
                self.id(Kind::Party, licensee, false);
                self.selector(selector);
                if let Some(c) = sublicensable.as_ref().and_then(|s| s.consent.as_ref()) {
                    self.id(Kind::Party, c, false);
                }
            }
            Sentence::FirstLaunch {
                selector,
                cloud,
                unless,
                lead,
            } => {
                self.selector(selector);
                self.id(Kind::Channel, cloud, false);
                self.acts(unless);
                self.opt(lead.as_ref());
            }
            Sentence::FirstOffer {
                selector,
                to,
                unless,
                within,
            } => {
                self.selector(selector);
                self.id(Kind::Party, to, false);
                self.acts(unless);
                self.opt(within.as_ref());
            }
            Sentence::RevenueShare {
                payer,
                payee,
                rate,
                earner,
                cap,
                tiers,
                recoup,
                period_cap,
                minimum,
                ..
            } => {
                self.id(Kind::Party, payer, false);
                self.id(Kind::Party, payee, false);
                self.value(rate);
                for (bound, rate) in tiers {
                    self.value(bound);
                    self.value(rate);
                }
                self.id(Kind::Party, earner, false);
                if let Some(c) = cap {
                    self.cap(c);
                }
                if let Some(r) = recoup {
                    self.value(r);
                }
                if let Some(c) = period_cap {
                    self.cap(c);
                }
                if let Some(m) = minimum {
                    self.value(&m.0);
                }
            }
            Sentence::Rule {
                selector, clouds, ..
            } => {
                self.selector(selector);
                self.ids(Kind::Channel, clouds);
            }
            Sentence::Commitment(c) => {
                self.id(Kind::Party, &c.spender, false);
                self.value(&c.amount);
                self.id(Kind::Party, &c.with, false);
            }
            Sentence::Payment {
                payer,
                payee,
                amount,
                due,
            } => {
                self.id(Kind::Party, payer, false);
                self.id(Kind::Party, payee, false);
                self.value(amount);
                match due {
                    Due::On(v) => self.value(v),
                    Due::OnHappening(h, d) => {
                        self.happening(h);
                        self.opt(d.as_ref());
                    }
                    Due::Every(..) => {}
                }
            }
        }
    }

    fn clause(&mut self, agreement: &str, c: &Clause) {
        self.put(
            Kind::Clause,
            format!("{agreement}.{}", c.id.name),
            c.id.span,
            true,
        );
        self.sentence(&c.sentence);
        self.opt(c.from.as_ref());
        if let Some((h, d)) = c.from_happening.as_deref() {
            self.happening(h);
            self.opt(d.as_ref());
        }
        if let Some(e) = &c.end {
            self.end(e);
        }
        if let Some(s) = &c.survives {
            self.opt(s.duration.as_ref());
        }
        self.scope(c.scope());
    }

    fn clause_ref(&mut self, target: &str, r: &ClauseRef) {
        // `amend term { … }` and `end renewal` name the agreement's term and renewal, no clause.
        if r.agreement.is_none() && matches!(r.clause.name.as_str(), "term" | "renewal") {
            return;
        }
        let agreement = match &r.agreement {
            Some(a) => {
                self.id(Kind::Agreement, a, false);
                a.name.as_str()
            }
            None => target,
        };
        self.put(
            Kind::Clause,
            format!("{agreement}.{}", r.clause.name),
            r.clause.span,
            false,
        );
    }

    fn amend_term(&mut self, t: &AmendTerm) {
        match t {
            AmendTerm::From(v)
            | AmendTerm::Rate(v)
            | AmendTerm::Lead(v)
            | AmendTerm::Within(v)
            | AmendTerm::Length(v, _)
            | AmendTerm::Minimum(v, ..)
            | AmendTerm::Recoup(v, _) => self.value(v),
            AmendTerm::End(e) => self.end(e),
            AmendTerm::Cap(c) => self.cap(c),
            AmendTerm::Renews(r) => {
                self.value(&r.every);
                self.value(&r.notice);
            }
            AmendTerm::Scope(s) => self.scope(s),
            AmendTerm::Sublicensable(s, _) => {
                if let Some(c) = s.as_ref().and_then(|s| s.consent.as_ref()) {
                    self.id(Kind::Party, c, false);
                }
            }
            AmendTerm::Survives(s) => self.opt(s.duration.as_ref()),
            AmendTerm::Schedule { rate, tiers, .. } => {
                self.value(rate);
                for (bound, rate) in tiers {
                    self.value(bound);
                    self.value(rate);
                }
            }
            AmendTerm::Exclusive { .. } | AmendTerm::Rights(_) | AmendTerm::Affiliates { .. } => {}
        }
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Region {
                field, id, within, ..
            } => {
                let kind = if *field { Kind::Field } else { Kind::Territory };
                self.id(kind, id, true);
                self.ids(kind, within);
            }
            Item::Party {
                id, affiliate_of, ..
            } => {
                self.id(Kind::Party, id, true);
                if let Some(p) = affiliate_of {
                    self.id(Kind::Party, p, false);
                }
            }
            Item::Cloud {
                id,
                operator,
                aliases,
                ..
            } => {
                self.id(Kind::Channel, id, true);
                if let Some(o) = operator {
                    self.id(Kind::Party, o, false);
                }
                for a in aliases {
                    self.id(Kind::Channel, a, true);
                }
            }
            Item::Product { id, owner, .. } => {
                self.id(Kind::Product, id, true);
                self.id(Kind::Party, owner, false);
            }
            Item::Event { id, when, .. } => {
                self.id(Kind::Event, id, true);
                match when {
                    Some(EventWhen::Happens(h)) => self.happening(h),
                    Some(EventWhen::NoneBy(h, v)) => {
                        self.happening(h);
                        self.value(v);
                    }
                    None => {}
                }
            }
            Item::Assume { id, value, .. } => {
                self.id(Kind::Assumption, id, true);
                self.value(value);
            }
            Item::Record { happening, .. } => self.happening(happening),
            Item::Agreement(a) => {
                self.id(Kind::Agreement, &a.id, true);
                self.ids(Kind::Party, &a.parties);
                self.opt(a.signed.as_ref());
                self.opt(a.life().effective.as_ref());
                match &a.life().term {
                    Some(Term::Length(v, _)) => self.value(v),
                    Some(Term::End(e)) => self.end(e),
                    None => {}
                }
                if let Some(r) = &a.life().renews {
                    self.value(&r.every);
                    self.value(&r.notice);
                }
                for t in &a.life().terminable {
                    self.ids(Kind::Party, &t.parties);
                    if let Some(h) = &t.on {
                        self.happening(h);
                    }
                    self.opt(t.notice.as_ref());
                }
                for c in &a.clauses {
                    self.clause(&a.id.name, c);
                }
            }
            Item::Amendment(m) => {
                self.id(Kind::Amendment, &m.id, true);
                self.id(Kind::Agreement, &m.target, false);
                self.opt(m.signed.as_ref());
                self.opt(m.effective.as_ref());
                if let Some((h, d, _)) = &m.effective_on {
                    self.happening(h);
                    self.opt(d.as_ref());
                }
                let target = m.target.name.as_str();
                for change in &m.changes {
                    match change {
                        Change::End { clause, .. } => self.clause_ref(target, clause),
                        Change::Amend { clause, terms, .. } => {
                            self.clause_ref(target, clause);
                            for t in terms {
                                self.amend_term(t);
                            }
                        }
                        Change::Strike { event, .. } => self.id(Kind::Event, event, false),
                        Change::Add { clause, .. } => self.clause(target, clause),
                    }
                }
            }
        }
    }
}
