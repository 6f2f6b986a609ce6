//! Questions found whole: every subject of a rule set in the words the reader accepts for it.
//!
//! Reading a question word by word (`question.rs`) splits its text and looks each id up in the
//! map of its kind: about a hundred nanoseconds, far more than answering it. But the subjects a
//! rule set can be asked about are few and known from its names, so each is written out once
//! (by an engine that has read a few questions word by word) in every spelling the reader
//! accepts with single spaces (cloud aliases, `licence`) and read by the reader itself; a
//! question whose subject is written so, followed or not by `at YYYY-MM-DD`, is then one hash
//! of its subject and a day. Anything else (other spacing, `by`, `in`, a bad word or day) is
//! not found and goes to the reader, which also gives every error. Rule sets with too many
//! subjects to write out (thousands of products times clouds) keep the groups that fit and
//! read the others word by word.

use rustc_hash::FxHashMap;

use crate::model::RuleSet;
use crate::time::parse_day_bytes;

use super::question::{self, Question, Subject};

/// At most this many phrases of one form (deploy and launch, use, licence, pay, agreement).
const LIMIT: usize = 1 << 12;

/// The subjects of a rule set, keyed by their words.
#[derive(Clone, Debug, Default)]
pub(crate) struct Phrases {
    subjects: FxHashMap<Box<str>, Subject>,
}

impl Phrases {
    pub(crate) fn new(rules: &RuleSet) -> Phrases {
        let n = &rules.names;
        fn keys(m: &crate::model::NameMap) -> Vec<&str> {
            let mut k: Vec<&str> = m.keys().map(String::as_str).collect();
            k.sort_unstable();
            k
        }
        let (products, clouds, parties) = (keys(&n.products), keys(&n.clouds), keys(&n.parties));
        let mut texts: Vec<String> = Vec::new();
        let mut form = |count: usize, texts_of: &mut dyn FnMut(&mut Vec<String>)| {
            if count <= LIMIT {
                texts_of(&mut texts);
            }
        };
        form(2 * products.len() * clouds.len(), &mut |out| {
            for verb in ["deploy", "launch"] {
                for p in &products {
                    out.extend(clouds.iter().map(|c| format!("{verb} {p} on {c}")));
                }
            }
        });
        form(3 * products.len() * parties.len(), &mut |out| {
            for p in &products {
                for q in &parties {
                    out.push(format!("use {p} by {q}"));
                    out.push(format!("license {p} to {q}"));
                    out.push(format!("licence {p} to {q}"));
                }
            }
        });
        form(parties.len() * parties.len(), &mut |out| {
            for a in &parties {
                out.extend(parties.iter().map(|b| format!("pay {a} to {b}")));
            }
        });
        form(n.agreements.len(), &mut |out| {
            out.extend(keys(&n.agreements).iter().map(|a| format!("agreement {a}")));
        });
        let mut subjects = FxHashMap::default();
        subjects.reserve(texts.len());
        for text in texts {
            // Only what the reader reads as this subject, asked everywhere, is kept.
            if let Ok(q) = question::parse(rules, &text) {
                if q.at.is_none() && q.place.is_everywhere() {
                    subjects.insert(text.into_boxed_str(), q.subject);
                }
            }
        }
        Phrases { subjects }
    }

    /// The question, if its subject is one of the phrases and what follows it, if anything, is
    /// ` at ` and a day of the calendar: exactly what the reader reads it as.
    #[inline]
    pub(crate) fn read(&self, text: &str) -> Option<Question> {
        let (subject, at) = match text.len().checked_sub(14).map(|k| text.split_at_checked(k)) {
            Some(Some((subject, tail))) if tail.as_bytes().starts_with(b" at ") => {
                (subject, Some(parse_day_bytes(tail.as_bytes().get(4..)?)?))
            }
            _ => (text, None),
        };
        let subject = *self.subjects.get(subject)?;
        Some(Question {
            subject,
            at,
            place: super::place::Place::default(),
        })
    }

    /// How many phrases there are.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.subjects.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> crate::Engine {
        let checked = crate::check(crate::Sources::embedded()).ok().unwrap();
        crate::Engine::new(checked.rules, &crate::Options::default())
            .ok()
            .unwrap()
    }

    #[test]
    fn every_shipped_subject_is_a_phrase_and_reads_as_the_reader_reads_it() {
        let engine = shipped();
        let rules = engine.rules();
        let phrases = Phrases::new(rules);
        let n = &rules.names;
        // Every spelling of every subject: aliases and `licence` included.
        let expected = 2 * n.products.len() * n.clouds.len()
            + 3 * n.products.len() * n.parties.len()
            + n.parties.len() * n.parties.len()
            + n.agreements.len();
        assert_eq!(phrases.len(), expected);
        for text in [
            "deploy gpt_5_5 on bedrock at 2026-05-01",
            "launch codex on azure",
            "licence gpt_5_5 to amazon at 2019-07-22",
            "pay openai to microsoft at 2030-12-31",
        ] {
            assert_eq!(
                phrases.read(text),
                question::parse(rules, text).ok(),
                "{text}"
            );
            assert!(phrases.read(text).is_some(), "{text}");
        }
        // Not phrases: the reader reads them, or refuses them.
        for text in [
            "deploy gpt_5_5 on bedrock at 2026-02-30",
            "deploy gpt_5_5 on bedrock  at 2026-05-01",
            "deploy gpt_5_5 on bedrock at 2026-05-01 ",
            "deploy gpt_5_5 on bedrock by openai at 2026-05-01",
            "deploy gpt_5_5 on bedrock ot 2026-05-01",
            "deploy gpt_5_5 on bedrock at 2026-05-011",
            " deploy gpt_5_5 on bedrock",
            "",
        ] {
            assert_eq!(phrases.read(text), None, "{text}");
        }
    }

    static SHIPPED: std::sync::LazyLock<(crate::Engine, Phrases)> =
        std::sync::LazyLock::new(|| {
            let engine = shipped();
            let phrases = Phrases::new(engine.rules());
            (engine, phrases)
        });

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 3000, ..Default::default() })]

        /// Whatever is found whole is read as the reader reads it; forms written right with
        /// ids of the right kinds and a day of the calendar are found.
        #[test]
        fn a_phrase_reads_as_the_reader_reads_it(
            form in 0usize..7,
            a in proptest::sample::select(IDS.to_vec()),
            b in proptest::sample::select(IDS.to_vec()),
            tail in proptest::sample::select(vec![
                "", " at 2026-05-01", " at 2026-02-30", " at 20260501", " at 2026-05-01 x",
                "  at 2026-05-01", " at  2026-05-01", " by openai", " in x",
            ]),
        ) {
            let (engine, phrases) = &*SHIPPED;
            let (verb, middle) = [
                ("deploy", "on"), ("launch", "on"), ("use", "by"), ("license", "to"),
                ("licence", "to"), ("pay", "to"), ("agreement", ""),
            ][form];
            let text = if middle.is_empty() {
                format!("{verb} {a}{tail}")
            } else {
                format!("{verb} {a} {middle} {b}{tail}")
            };
            let rules = engine.rules();
            let found = phrases.read(&text);
            let read = question::parse(rules, &text);
            if let Some(q) = found {
                proptest::prop_assert_eq!(Ok(q), read);
            } else {
                proptest::prop_assert!(
                    read.is_err() || !matches!(tail, "" | " at 2026-05-01"),
                    "{text} is read but not found"
                );
            }
        }
    }

    const IDS: [&str; 13] = [
        "gpt_5_5",
        "codex",
        "frontier",
        "bedrock",
        "aws",
        "azure",
        "openai",
        "amazon",
        "microsoft",
        "msft_openai",
        "x",
        "on",
        "2026-05-01",
    ];

    #[test]
    fn a_form_with_too_many_subjects_is_left_to_the_reader() {
        let mut text = String::from(
            "party p \"P\"\ncloud c \"C\" operated by p\ncloud d \"D\" operated by p\n",
        );
        for i in 0..1200 {
            text.push_str(&format!("product x{i} \"X\" by p\n"));
        }
        let mut sources = crate::Sources::new();
        sources.add("many.cov", &text);
        let checked = crate::check(sources).map_err(|f| format!("{:?}", f.diagnostics));
        let rules = checked.unwrap().rules;
        let phrases = Phrases::new(&rules);
        // 2 × 1,200 × 2 deploy and launch phrases are over the limit; use, licence and pay fit.
        assert_eq!(phrases.len(), 3 * 1200 + 1);
        assert_eq!(phrases.read("deploy x7 on c at 2026-05-01"), None);
        assert!(phrases.read("use x7 by p at 2026-05-01").is_some());
    }
}
