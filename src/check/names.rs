//! Name tables and "did you mean".
//!
//! Each kind of id (party, cloud with its aliases, product, event, assumption, agreement,
//! amendment) has its own table. A duplicate is reported at the later occurrence, naming the
//! first; an unknown id suggests the nearest known id of the expected kind, or says which other
//! kind the name belongs to.

use rustc_hash::FxHashMap as HashMap;

use crate::diag::{nearest, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::Ident;

/// The kinds of top-level ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Party,
    Cloud,
    Product,
    Event,
    Assumption,
    Agreement,
    Amendment,
    Territory,
    Field,
}

impl Kind {
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Party => "party",
            Kind::Cloud => "cloud",
            Kind::Product => "product",
            Kind::Event => "event",
            Kind::Assumption => "assumption",
            Kind::Agreement => "agreement",
            Kind::Amendment => "amendment",
            Kind::Territory => "territory",
            Kind::Field => "field",
        }
    }

    pub fn article(self) -> &'static str {
        match self {
            Kind::Assumption | Kind::Agreement | Kind::Amendment | Kind::Event => "an",
            _ => "a",
        }
    }

    const ALL: [Kind; 9] = [
        Kind::Party,
        Kind::Cloud,
        Kind::Product,
        Kind::Event,
        Kind::Assumption,
        Kind::Agreement,
        Kind::Amendment,
        Kind::Territory,
        Kind::Field,
    ];
}

/// One table: name to index and the span that declared it.
#[derive(Default)]
pub struct Table {
    pub ids: HashMap<String, (u32, Span)>,
    pub count: u32,
}

#[derive(Default)]
pub struct Tables {
    tables: HashMap<Kind, Table>,
}

impl Tables {
    pub fn table(&self, kind: Kind) -> Option<&Table> {
        self.tables.get(&kind)
    }

    /// Declares a new id; a duplicate is reported and gets no index.
    pub fn declare(&mut self, kind: Kind, id: &Ident, diags: &mut Vec<Diagnostic>) -> Option<u32> {
        let table = self.tables.entry(kind).or_default();
        if let Some((_, first)) = table.ids.get(&id.name) {
            diags.push(duplicate(kind, id, *first, "declared again here"));
            return None;
        }
        let index = table.count;
        table.count += 1;
        table.ids.insert(id.name.clone(), (index, id.span));
        Some(index)
    }

    /// Declares another name for an existing index (a cloud alias).
    pub fn alias(&mut self, kind: Kind, id: &Ident, index: u32, diags: &mut Vec<Diagnostic>) {
        let table = self.tables.entry(kind).or_default();
        if let Some((_, first)) = table.ids.get(&id.name) {
            diags.push(duplicate(
                kind,
                id,
                *first,
                "declared again here as an alias",
            ));
            return;
        }
        table.ids.insert(id.name.clone(), (index, id.span));
    }

    /// Looks a name up, reporting an unknown one with a suggestion.
    pub fn resolve(&self, kind: Kind, id: &Ident, diags: &mut Vec<Diagnostic>) -> Option<u32> {
        if let Some((index, _)) = self.table(kind).and_then(|t| t.ids.get(&id.name)) {
            return Some(*index);
        }
        diags.push(self.unknown(kind, &id.name, id.span));
        None
    }

    /// The diagnostic for an unknown name.
    pub fn unknown(&self, kind: Kind, name: &str, span: Span) -> Diagnostic {
        let mut d = Diagnostic::error(
            crate::diag::Code::UnknownId,
            span,
            format!("unknown {} `{name}`", kind.noun()),
        )
        .label(format!("no {} of this name is declared", kind.noun()));
        if let Some(other) = Kind::ALL
            .into_iter()
            .find(|k| *k != kind && self.table(*k).is_some_and(|t| t.ids.contains_key(name)))
        {
            d = d.help(format!(
                "`{name}` is {} {}, not {} {}",
                other.article(),
                other.noun(),
                kind.article(),
                kind.noun()
            ));
        } else if let Some(best) = self.table(kind).and_then(|t| nearest(name, t.ids.keys())) {
            d = d.help(format!("did you mean `{best}`?"));
        }
        d
    }
}

/// A name declared twice, reported at the later declaration, naming the first.
fn duplicate(kind: Kind, id: &Ident, first: Span, label: &str) -> Diagnostic {
    Diagnostic::error(
        crate::diag::Code::DuplicateId,
        id.span,
        format!("{} `{}` is declared twice", kind.noun(), id.name),
    )
    .label(label)
    .related(first, "first declared here")
}
