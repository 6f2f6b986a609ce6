//! Audits of what happened: every recorded launch replayed against the rules as they were known
//! on the launch's day (knowledge time = that day), reporting each launch that was forbidden and
//! the clauses that forbade it; every termination (0.2) replayed against the agreement's life
//! as known that day, reporting one that ended nothing; and every sublicence (0.2: a licence by
//! a party that does not own the product) replayed on its signing day, reporting one its
//! licensor could not then grant.

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
    /// How many terminations were replayed (0.2).
    pub terminations: usize,
    /// How many sublicences were replayed (0.2).
    pub sublicences: usize,
    /// The JSON shape's version ([`crate::answer::SCHEMA`]).
    pub schema: u32,
}

/// What a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FindingKind {
    /// A launch the rules known on its day forbade.
    Launch,
    /// A termination that ended nothing (0.2).
    Termination,
    /// A sublicence granted when its licensor could not license onward (0.2).
    Sublicence,
}

/// A launch that the rules known on its day forbade, a termination that ended nothing, or a
/// sublicence its licensor could not grant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What the finding is about.
    pub kind: FindingKind,
    /// The day of the launch.
    #[serde(serialize_with = "iso_day")]
    pub day: NaiveDate,
    /// The record in words: `openai launches frontier on aws`.
    pub record: String,
    /// The record's note, if it has one.
    pub note: Option<String>,
    /// What is wrong with it, in words (`was forbidden`, `ended nothing: …`).
    pub verdict: String,
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
                "{}: {} {}{note}",
                crate::time::iso(finding.day),
                finding.record,
                finding.verdict
            )?;
            for r in &finding.reasons {
                writeln!(f, "  {} {}: {}", r.effect.as_str(), r.clause, r.detail)?;
            }
        }
        let count = |k: FindingKind| self.findings.iter().filter(|x| x.kind == k).count();
        write!(
            f,
            "{} launches replayed, {} forbidden",
            self.replayed,
            count(FindingKind::Launch)
        )?;
        if self.terminations > 0 {
            write!(
                f,
                "; {} terminations replayed, {} ended nothing",
                self.terminations,
                count(FindingKind::Termination)
            )?;
        }
        if self.sublicences > 0 {
            write!(
                f,
                "; {} sublicences replayed, {} not grantable when signed",
                self.sublicences,
                count(FindingKind::Sublicence)
            )?;
        }
        writeln!(f)
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
        // The launch as the record says it: by its party (the owner's own launch is the 0.1
        // question) and in its place, if it names one.
        let owner = rules.products.get(*product as usize).map(|p| p.owner);
        let subject = if owner == Some(*party) {
            Subject::Launch {
                product: crate::eval::Product(*product),
                cloud: crate::eval::Cloud(*cloud),
            }
        } else {
            Subject::LaunchBy {
                product: crate::eval::Product(*product),
                cloud: crate::eval::Cloud(*cloud),
                actor: crate::eval::Party(*party),
            }
        };
        let place = match &record.happening {
            Happening::Act { place: Some(p), .. } => crate::eval::place::Place {
                territory: *p,
                field: 0,
            },
            _ => crate::eval::place::Place::default(),
        };
        let w = e.at_in(subject, record.day, place);
        if !w.decision.is_yes() {
            findings.push(Finding {
                kind: FindingKind::Launch,
                verdict: "was forbidden".to_string(),
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
    let terminations = terminations(checked, &mut findings)?;
    let sublicences = sublicences(checked, &mut findings)?;
    findings.sort_by_key(|f| f.day);
    Ok(Audit {
        findings,
        replayed: launches.len(),
        terminations,
        sublicences,
        schema: crate::answer::SCHEMA,
    })
}

/// Replays every `terminates` record against the agreement's life as known on its day: one
/// that ended nothing (no right behind it, a right not yet arisen, or an agreement already
/// over) is a finding. Returns how many were replayed.
fn terminations(checked: &Rules, findings: &mut Vec<Finding>) -> Result<usize, Inconsistent> {
    use crate::consolidate::life::Step;
    use crate::model::AgreementNotice;
    let rules = checked.rule_set();
    let mut records: Vec<_> = rules
        .records
        .iter()
        .filter_map(|r| match r.happening.agreement_notice() {
            Some((AgreementNotice::Terminate, party, a)) => Some((r, party, a)),
            _ => None,
        })
        .collect();
    records.sort_by_key(|(r, ..)| (r.day, r.span));
    for (record, party, a) in &records {
        let options = Options {
            as_of: Some(record.day),
            ..Options::default()
        };
        let engine = checked.engine(&options)?;
        let Some(life) = engine.consolidated().lives.get(*a as usize) else {
            continue;
        };
        let ended = life.steps.iter().any(
            |s| matches!(s, Step::Terminated { by, on, .. } if by == party && on == &record.day),
        );
        if ended {
            continue;
        }
        let agreement = rules.agreement_name(*a);
        let rights = rules
            .agreements
            .get(*a as usize)
            .map(|x| {
                x.life
                    .terminable
                    .iter()
                    .filter(|t| t.parties.contains(party))
                    .count()
            })
            .unwrap_or(0);
        let why = match life.end.as_ref().map(|b| b.day) {
            Some(end) if end <= record.day => {
                format!(
                    "ended nothing: `{agreement}` had ended on {}",
                    crate::time::iso(end)
                )
            }
            _ if rights == 0 => format!(
                "ended nothing: `{agreement}` gives `{}` no right to terminate it",
                rules.party(*party)
            ),
            Some(end) => format!(
                "ended nothing: no right of `{}` had arisen that would end `{agreement}` before {}",
                rules.party(*party),
                crate::time::iso(end)
            ),
            None => format!(
                "ended nothing: no right of `{}` to terminate `{agreement}` had arisen",
                rules.party(*party)
            ),
        };
        findings.push(Finding {
            kind: FindingKind::Termination,
            day: record.day,
            record: format!("{} terminates {agreement}", rules.party(*party)),
            note: record.note.clone(),
            verdict: why,
            reasons: Vec::new(),
        });
    }
    Ok(records.len())
}

/// Replays every sublicence (a licence whose licensor holds a sublicensable licence of the
/// product it does not own) on the day it was signed, as known then: where its licensor could
/// not then license onward to its licensee (in each of its places), it is a finding, with the
/// reasons. Returns how many were replayed.
fn sublicences(checked: &Rules, findings: &mut Vec<Finding>) -> Result<usize, Inconsistent> {
    use crate::model::Body;
    let rules = checked.rule_set();
    let base = checked.engine(&Options::default())?;
    let by_owner = rules.products_by_owner();
    let mut replayed = 0;
    for (c, clause) in (0..).zip(&rules.clauses) {
        let Body::Licence {
            licensor,
            licensee,
            selector,
            ..
        } = &clause.terms.body
        else {
            continue;
        };
        let products: Vec<_> = rules
            .select(selector, &by_owner)
            .into_iter()
            .filter(|p| {
                rules.products.get(*p as usize).map(|x| x.owner) != Some(*licensor)
                    && base.holds_sublicensable_licence(*p, *licensor)
            })
            .collect();
        if products.is_empty() {
            continue;
        }
        let signed = match clause.added_by {
            Some(am) => rules.amendments.get(am as usize).map(|a| a.signed),
            None => rules
                .agreements
                .get(clause.agreement as usize)
                .map(|a| a.signed),
        };
        let Some(signed) = signed.map(|v| base.env().day(v).day) else {
            continue;
        };
        let options = Options {
            as_of: Some(signed),
            ..Options::default()
        };
        let engine = checked.engine(&options)?;
        let _ = c;
        let places: Vec<u32> = if clause.terms.scope().places.is_empty() {
            vec![0]
        } else {
            clause.terms.scope().places.clone()
        };
        for product in products {
            replayed += 1;
            for territory in &places {
                let place = crate::eval::place::Place {
                    territory: *territory,
                    field: clause.terms.scope().fields.first().copied().unwrap_or(0),
                };
                let subject = Subject::LicenseBy {
                    product: crate::eval::Product(product),
                    licensor: crate::eval::Party(*licensor),
                    party: crate::eval::Party(*licensee),
                };
                let w = engine.at_in(subject, signed, place);
                if w.decision.is_yes() {
                    continue;
                }
                let place_text = match rules.territories.get(*territory as usize) {
                    Some(t) if *territory != 0 => format!(" in {}", t.name.id),
                    _ => String::new(),
                };
                findings.push(Finding {
                    kind: FindingKind::Sublicence,
                    day: signed,
                    record: format!(
                        "{} licenses {} to {}{place_text} ({})",
                        rules.party(*licensor),
                        rules.product(product),
                        rules.party(*licensee),
                        clause.qualified
                    ),
                    note: clause.title.clone(),
                    verdict: "was signed before its licensor could license onward".to_string(),
                    reasons: w.reasons.iter().map(crate::eval::public_reason).collect(),
                });
                break;
            }
        }
    }
    Ok(replayed)
}
