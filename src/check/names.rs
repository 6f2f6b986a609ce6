//! Name tables and "did you mean".
//!
//! Each kind of id (party, cloud with its aliases, product, event, assumption, agreement,
//! amendment) has its own table. A duplicate is reported at the later occurrence, naming the
//! first; an unknown id suggests the nearest known id of the expected kind, or says which other
//! kind the name belongs to.

use std::collections::HashMap;

use crate::diag::Diagnostic;
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
        }
    }

    pub fn article(self) -> &'static str {
        match self {
            Kind::Assumption | Kind::Agreement | Kind::Amendment | Kind::Event => "an",
            _ => "a",
        }
    }

    const ALL: [Kind; 7] = [
        Kind::Party,
        Kind::Cloud,
        Kind::Product,
        Kind::Event,
        Kind::Assumption,
        Kind::Agreement,
        Kind::Amendment,
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
            "unknown-id",
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
        "duplicate-id",
        id.span,
        format!("{} `{}` is declared twice", kind.noun(), id.name),
    )
    .label(label)
    .related(first, "first declared here")
}

/// The known name nearest to `name`, if any is near enough to be a likely typo: at most one
/// edit (insertion, deletion, substitution or swap of neighbours) per three characters.
pub fn nearest<'a>(name: &str, known: impl Iterator<Item = &'a String>) -> Option<&'a str> {
    let most = (name.chars().count() / 3).max(1);
    let plain = squeeze(name);
    let mut best: Option<(usize, &str)> = None;
    for k in known {
        let d = distance(name, &plain, k);
        if d <= most && best.is_none_or(|(bd, b)| d < bd || (d == bd && k.as_str() < b)) {
            best = Some((d, k));
        }
    }
    best.map(|(_, k)| k)
}

/// How far a typed name is from a known id: the edit distance, or that of both without `_`
/// and `-` (`gpt5` is one edit from `gpt_5_5`), or 1 when the typed name, so squeezed, begins
/// the id (`gpt_5` for `gpt_5_5`, three letters at least).
fn distance(name: &str, plain: &str, known: &str) -> usize {
    let squeezed = squeeze(known);
    let mut d =
        strsim::damerau_levenshtein(name, known).min(strsim::damerau_levenshtein(plain, &squeezed));
    if plain.chars().count() >= 3 && squeezed.starts_with(plain) && squeezed != plain {
        d = d.min(1);
    }
    d
}

/// A name without `_` and `-`, in lowercase.
fn squeeze(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_find_their_id() {
        let known: Vec<String> = ["gpt_5_5", "gpt_4o", "bedrock", "aws", "azure", "openai_api"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let find = |n: &str| nearest(n, known.iter());
        assert_eq!(find("gpt5"), Some("gpt_5_5"));
        assert_eq!(find("bedrok"), Some("bedrock"));
        assert_eq!(find("openai"), Some("openai_api"));
        assert_eq!(find("GPT_5_5"), Some("gpt_5_5"));
        assert_eq!(find("xyz"), None);
        assert_eq!(find("az"), None);
    }
}
