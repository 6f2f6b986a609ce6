//! Audits of what happened: every recorded launch replayed against the rules as they were known
//! on the launch's day (knowledge time = that day), reporting each launch that was forbidden and
//! the clauses that forbade it.

use chrono::NaiveDate;

use crate::diag::Diagnostic;
use crate::eval::answer::Reason;
use crate::eval::{Engine, Options, Subject};
use crate::model::{Happening, RuleSet};

/// A launch that the rules known on its day forbade.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The day of the launch.
    pub day: NaiveDate,
    /// The record in words: `openai launches frontier on aws`.
    pub record: String,
    /// The record's note, if it has one.
    pub note: Option<String>,
    /// The clauses that forbade it.
    pub reasons: Vec<Reason>,
}

/// Replays every `launches` record; returns the forbidden ones and how many were replayed.
pub fn audit(rules: &RuleSet) -> Result<(Vec<Finding>, usize), Vec<Diagnostic>> {
    let mut launches: Vec<_> = rules
        .records
        .iter()
        .filter_map(|r| match &r.happening {
            Happening::Act {
                party,
                verb,
                product,
                cloud: Some(cloud),
            } if verb == "launches" => Some((r, *party, *product, *cloud)),
            _ => None,
        })
        .collect();
    launches.sort_by_key(|(r, ..)| (r.day, r.span));
    let mut findings = Vec::new();
    let mut engine: Option<(NaiveDate, Engine)> = None;
    for (record, party, product, cloud) in &launches {
        if engine.as_ref().is_none_or(|(d, _)| *d != record.day) {
            let options = Options {
                as_of: Some(record.day),
                ..Options::default()
            };
            engine = Some((record.day, Engine::new(rules.clone(), &options)?));
        }
        let Some((_, e)) = &engine else {
            continue;
        };
        let w = e.at(
            Subject::Launch {
                product: crate::eval::Product(*product),
                cloud: crate::eval::Cloud(*cloud),
            },
            record.day,
        );
        if !w.decision.is_yes() {
            findings.push(Finding {
                day: record.day,
                record: format!(
                    "{} launches {} on {}",
                    rules.party(*party),
                    rules.product(*product),
                    rules.cloud(*cloud)
                ),
                note: record.note.clone(),
                reasons: w.reasons.clone(),
            });
        }
    }
    Ok((findings, launches.len()))
}
