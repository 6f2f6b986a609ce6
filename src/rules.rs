//! A checked rule set: the one way in.
//!
//! [`Rules`] can only be made by reading and checking rule text, so everything that holds one
//! (an engine, a service, a Python object) holds rules that passed every check. It is immutable
//! and cheap to clone (the rules sit behind an `Arc`), and `Send + Sync`, so one value serves
//! any number of threads; each [`Engine`] made from it reads the rules for one set of
//! assumption values and one knowledge time.

use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::check::{Failure, SetError};
use crate::diag::Diagnostic;
use crate::eval::{Engine, Options, Subject};
use crate::model::RuleSet;
use crate::source::{LoadError, Sources};

/// Rules that were read and checked.
#[derive(Clone, Debug)]
pub struct Rules {
    set: Arc<RuleSet>,
    warnings: Arc<[Diagnostic]>,
}

/// The kinds of id a question or a `--set` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdKind {
    /// Parties.
    Party,
    /// Clouds and channels, with their aliases.
    Cloud,
    /// Products.
    Product,
    /// Agreements.
    Agreement,
    /// Assumptions.
    Assumption,
}

/// Why rules could not be had: a file could not be read, or the text does not check.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// A file or folder could not be read (or holds no rule files).
    #[error(transparent)]
    Read(#[from] LoadError),
    /// The rules do not check: every problem, with its place.
    #[error(transparent)]
    Check(#[from] Failure),
}

/// Assumption values that make the rules contradict themselves (two amendments of one
/// agreement on one day, say): each problem, rendered with the rules' sources.
#[derive(Debug, thiserror::Error)]
#[error("read with these assumption values and knowledge time, the rules are inconsistent:\n{}", crate::diag::render(.diagnostics, .sources, crate::diag::Style::Plain))]
pub struct Inconsistent {
    /// The problems found.
    pub diagnostics: Vec<Diagnostic>,
    /// The rules' sources, to place them.
    pub sources: Sources,
}

impl Options {
    /// Sets an assumption for this run: `ID=VALUE`, the value in the language's words
    /// (`azure_lead=30 days`). Each assumption can be set once.
    pub fn set(&mut self, rules: &Rules, text: &str) -> Result<&mut Options, SetError> {
        let (id, value) = crate::check::parse_override(&rules.set, text)?;
        if self.overrides.iter().any(|(seen, _)| *seen == id) {
            let name = rules.set.assumption(id).map(|a| a.name.id.clone());
            return Err(SetError::Twice {
                id: name.unwrap_or_default(),
            });
        }
        self.overrides.push((id, value));
        Ok(self)
    }
}

impl Rules {
    /// The rules shipped in the binary: the Microsoft–OpenAI partnership, its 2026
    /// restructuring and the Amazon–OpenAI agreement.
    pub fn shipped() -> Result<Rules, Failure> {
        Rules::from_sources(Sources::embedded())
    }

    /// Reads rule files and folders (every `*.cov` below a folder) and checks them together.
    pub fn load<P: AsRef<Path>>(paths: impl IntoIterator<Item = P>) -> Result<Rules, RulesError> {
        let mut sources = Sources::new();
        for path in paths {
            sources.load_path(path.as_ref())?;
        }
        Ok(Rules::from_sources(sources)?)
    }

    /// Checks rule texts already read. Their order does not matter: files are read in the
    /// order of their names.
    pub fn from_sources(sources: Sources) -> Result<Rules, Failure> {
        let checked = crate::check::check(sources)?;
        Ok(Rules {
            set: Arc::new(checked.rules),
            warnings: checked.warnings.into(),
        })
    }

    /// Checks rules whose files are parsed already (see [`crate::check::check_parsed`]).
    #[doc(hidden)]
    pub fn from_parsed<F: crate::check::Tree>(
        sources: Sources,
        files: Vec<F>,
        parse_errors: Vec<crate::diag::Diagnostic>,
    ) -> Result<Rules, Failure> {
        let checked = crate::check::check_parsed(sources, files, parse_errors)?;
        Ok(Rules {
            set: Arc::new(checked.rules),
            warnings: checked.warnings.into(),
        })
    }

    /// Checks one rule text, named as diagnostics should name it.
    pub fn from_text(name: &str, text: &str) -> Result<Rules, Failure> {
        let mut sources = Sources::new();
        sources.add(name, text);
        Rules::from_sources(sources)
    }

    /// The warnings the check found (collisions, unused assumptions, …).
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// The rule texts, by file: to render diagnostics with their lines.
    pub fn sources(&self) -> &Sources {
        &self.set.sources
    }

    /// An engine answering under these options (assumption values and knowledge time).
    pub fn engine(&self, options: &Options) -> Result<Engine, Inconsistent> {
        Engine::new(Arc::clone(&self.set), options).map_err(|diagnostics| Inconsistent {
            diagnostics,
            sources: self.set.sources.clone(),
        })
    }

    /// Options setting assumptions (`ID=VALUE`, the value in the language's words; each
    /// assumption once) and, optionally, a knowledge time.
    pub fn options<'a>(
        &self,
        set: impl IntoIterator<Item = &'a str>,
        as_of: Option<NaiveDate>,
    ) -> Result<Options, SetError> {
        let mut options = Options {
            as_of,
            ..Options::default()
        };
        for text in set {
            options.set(self, text)?;
        }
        Ok(options)
    }

    /// Every question the rules can be asked, without its day: for each product, deploy and
    /// launch on each cloud, use by and licence to each party; then each payment between two
    /// parties. The one list that `diff`, audits and tests walk.
    pub fn subjects(&self) -> Vec<Subject> {
        crate::eval::question::subjects(&self.set)
    }

    /// A subject in the language's words (`deploy gpt_5_5 on aws`).
    pub fn words(&self, subject: Subject) -> String {
        crate::eval::question::words(&self.set, subject)
    }

    /// The ids the rules declare, by kind, in the order declared: what a question may name
    /// (for completion, say). Cloud aliases come with the clouds.
    pub fn ids(&self, kind: IdKind) -> Vec<&str> {
        let names = &self.set.names;
        let map = match kind {
            IdKind::Party => &names.parties,
            IdKind::Cloud => &names.clouds,
            IdKind::Product => &names.products,
            IdKind::Agreement => &names.agreements,
            IdKind::Assumption => &names.assumptions,
        };
        let mut ids: Vec<(&u32, &str)> = map.iter().map(|(k, v)| (v, k.as_str())).collect();
        ids.sort();
        ids.into_iter().map(|(_, k)| k).collect()
    }

    /// The checked rule set itself, for the crate's own stages.
    #[doc(hidden)]
    pub fn rule_set(&self) -> &RuleSet {
        &self.set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_and_engines_cross_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<Rules>();
        shared::<Engine>();
        shared::<crate::Answer>();
    }

    #[test]
    fn each_assumption_is_set_once() {
        let rules = Rules::shipped().unwrap_or_else(|f| panic!("{f}"));
        let twice = rules.options(["azure_lead=3 days", "azure_lead = 30 days"], None);
        assert_eq!(
            twice.err(),
            Some(SetError::Twice {
                id: "azure_lead".into()
            })
        );
        let options = rules
            .options(["azure_lead=3 days", "revenue_share_rate=15%"], None)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(options.overrides.len(), 2);
        let err = rules.options(["azure_led=3 days"], None).err();
        assert_eq!(
            err.map(|e| e.to_string()),
            Some("unknown assumption `azure_led`; did you mean `azure_lead`?".to_string())
        );
    }
}
