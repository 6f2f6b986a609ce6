//! Audits of what happened: every recorded launch replayed against the rules as they were known
//! on the launch's day (knowledge time = that day), reporting each launch that was forbidden and
//! the clauses that forbade it.

use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

use crate::answer::Reason;
use crate::eval::{Engine, Options, Subject};
use crate::model::{Happening, Object};
use crate::rules::{Inconsistent, Rules};

/// The audit of every recorded launch: text is its `Display`, JSON its `Serialize`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Audit {
    /// Every launch the rules known on its day forbade, in the order of the days.
    pub findings: Vec<Finding>,
    /// How many launches were replayed.
    pub replayed: usize,
    /// The JSON shape's version ([`crate::answer::SCHEMA`]).
    pub schema: u32,
}

/// A launch that the rules known on its day forbade.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The day of the launch.
    #[serde(serialize_with = "iso_day")]
    pub day: NaiveDate,
    /// The record in words: `openai launches frontier on aws`.
    pub record: String,
    /// The record's note, if it has one.
    pub note: Option<String>,
    /// The clauses that forbade it.
    pub reasons: Vec<Reason>,
}

fn iso_day<S: serde::Serializer>(day: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::time::iso(*day))
}

impl fmt::Display for Audit {
    /// Each forbidden launch with the clauses that forbade it, then the count.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for finding in &self.findings {
            let note = finding
                .note
                .as_deref()
                .map(|n| format!(" \"{n}\""))
                .unwrap_or_default();
            writeln!(
                f,
                "{}: {} was forbidden{note}",
                crate::time::iso(finding.day),
                finding.record
            )?;
            for r in &finding.reasons {
                writeln!(f, "  {} {}: {}", r.effect.as_str(), r.clause, r.detail)?;
            }
        }
        writeln!(
            f,
            "{} launches replayed, {} forbidden",
            self.replayed,
            self.findings.len()
        )
    }
}

/// Replays every `launches` record against the rules known on its day.
pub fn audit(checked: &Rules) -> Result<Audit, Inconsistent> {
    let rules = checked.rule_set();
    let mut launches: Vec<_> = rules
        .records
        .iter()
        .filter_map(|r| match &r.happening {
            Happening::Act {
                party,
                verb,
                object: Object::Product(product),
                cloud: Some(cloud),
                ..
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
            engine = Some((record.day, checked.engine(&options)?));
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
                reasons: w.reasons.iter().map(crate::eval::public_reason).collect(),
            });
        }
    }
    Ok(Audit {
        findings,
        replayed: launches.len(),
        schema: crate::answer::SCHEMA,
    })
}
