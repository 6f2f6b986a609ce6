//! The answer to a question, as one value.
//!
//! Every channel (the command line, batch files, case files, the decision service, the Python
//! package) hands out the same [`Answer`]: the question as asked, the decision (or, for a *when*
//! question, the windows of days with one decision each), the clauses behind it, the assumptions
//! it rests on with their values, and, when ledgers were read, where the revenue shares stand.
//! Its two renderings are its [`Display`](fmt::Display) (text for people) and its
//! [`Serialize`] (JSON for programs): they read the same fields, so neither can say more than
//! the other.

use std::fmt::{self, Write as _};

use chrono::NaiveDate;
use iso_currency::Currency;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use crate::eval::answer::{Decision, Effect, NotADecision};

/// The version of the JSON answers' shape: raised when a field changes meaning or goes away
/// (adding a field does not raise it).
pub const SCHEMA: u32 = 1;

/// An answer: what was asked, what the agreements say, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Answer {
    /// The question as asked, its words separated by single spaces (an alias stays an alias).
    pub question: String,
    /// Each cloud the question named by an alias, with the cloud it stands for.
    pub aliases: Vec<Alias>,
    /// The decision on a day, or the windows of a *when* question.
    pub outcome: Outcome,
    /// The value and note of every assumption named in the outcome, in the order of the rules.
    pub assumed: Vec<Assumption>,
    /// Where the revenue shares stand, when the question was asked with ledgers.
    pub ledger: Option<Position>,
}

/// What the agreements say: on one day, or over all time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Outcome {
    /// The answer on the day asked.
    Point(Verdict),
    /// A *when* question: windows covering all time, in order, split where the decision or the
    /// clauses behind it change.
    When {
        /// The windows, first to last.
        windows: Vec<Window>,
    },
}

/// A decision with the clauses and assumptions behind it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Verdict {
    /// Permitted, forbidden, due or not due.
    pub decision: Decision,
    /// The clauses that decided it (none: the language's default decided).
    pub reasons: Vec<Reason>,
    /// The ids of the assumptions the decision rests on: another value of any of them could
    /// change it.
    pub assumptions: Vec<String>,
}

/// Days `[from, until)` with one verdict; `None` is the beginning or the end of time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Window {
    /// The first day, or `None` for the beginning of time.
    #[serde(with = "days")]
    pub from: Option<NaiveDate>,
    /// The day after the last, or `None` for the end of time.
    #[serde(with = "days")]
    pub until: Option<NaiveDate>,
    /// The decision over these days and why.
    #[serde(flatten)]
    pub verdict: Verdict,
}

/// One clause's part in a verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Reason {
    /// `agreement.clause`.
    pub clause: String,
    /// The clause's title, if it has one.
    pub title: Option<String>,
    /// What the clause does to the question: forbid, permit, owe, or (with ledgers) owe no
    /// more because its cap was reached.
    pub effect: Effect,
    /// The clause's terms in words, values filled in.
    pub detail: String,
    /// The clause's first day in force, across every consolidated version.
    #[serde(with = "days")]
    pub from: Option<NaiveDate>,
    /// The day after the clause's last day in force.
    #[serde(with = "days")]
    pub until: Option<NaiveDate>,
    /// Where an amendment or a record changed the clause's terms inside a *when* window: the
    /// terms of each stretch, from its first day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stretches: Vec<Stretch>,
}

/// The terms of a clause from a day on (within one window).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Stretch {
    /// The stretch's first day (`None`: the window's first).
    #[serde(with = "days")]
    pub from: Option<NaiveDate>,
    /// The terms in words.
    pub detail: String,
}

/// A cloud named by an alias in the question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alias {
    /// The word asked (`bedrock`).
    pub asked: String,
    /// The cloud it stands for (`aws`).
    pub cloud: String,
}

/// An assumption an answer rests on, with the value it had for this answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Assumption {
    /// The assumption's id.
    pub id: String,
    /// Its value in the language's words (`30 days`, `2026-04-27`, `20%`, `USD 1,000.00`).
    pub value: String,
    /// Its note, if the rules give one.
    pub note: Option<String>,
    /// The value was set for this run (`--set`, or `set` in a request), not the rules'.
    pub set_for_run: bool,
}

/// Where the revenue shares from a payer to a payee stand on a day, from ledger rows dated up
/// to and including it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Position {
    /// The day asked: rows after it are read (and checked) but not counted.
    pub through: NaiveDate,
    /// Rows read.
    pub rows_read: u64,
    /// Invalid rows skipped (only when asked to skip them).
    pub rows_skipped: u64,
    /// Each revenue share from the payer to the payee, in the order of the rules.
    pub clauses: Vec<ClausePosition>,
}

/// One revenue share's position on a day. Amounts are exact here; both renderings (text and
/// JSON) round each one half to even at its currency's minor unit, as reports do, so a
/// position read back from JSON holds the rounded amounts.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClausePosition {
    /// `agreement.clause`.
    pub clause: String,
    /// The ledger's currency for this clause (`None`: no row was counted).
    pub currency: Option<Currency>,
    /// What the rows up to the day owe under the clause.
    pub owed: Decimal,
    /// The cap in force on the day.
    pub cap: Option<Decimal>,
    /// What remains under the cap after the day's rows.
    pub remaining: Option<Decimal>,
    /// The last day, up to the day asked, on which the cap was reached.
    pub cap_reached_on: Option<NaiveDate>,
}

impl Answer {
    pub(crate) fn new(question: String, outcome: Outcome, assumed: Vec<Assumption>) -> Answer {
        Answer {
            question,
            aliases: Vec::new(),
            outcome,
            assumed,
            ledger: None,
        }
    }

    /// The decision of a point question; `None` for a *when* question.
    pub fn decision(&self) -> Option<Decision> {
        match &self.outcome {
            Outcome::Point(v) => Some(v.decision),
            Outcome::When { .. } => None,
        }
    }

    /// The verdict of a point question; `None` for a *when* question.
    pub fn verdict(&self) -> Option<&Verdict> {
        match &self.outcome {
            Outcome::Point(v) => Some(v),
            Outcome::When { .. } => None,
        }
    }

    /// The windows of a *when* question; empty for a point question.
    pub fn windows(&self) -> &[Window] {
        match &self.outcome {
            Outcome::Point(_) => &[],
            Outcome::When { windows } => windows,
        }
    }

    /// The answer as one line of JSON (the same text `serde_json::to_string` gives).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The JSON fields after the question and its aliases, `,"decision":…,"schema":1}`: what
    /// batches write after each line's own question (and reuse for equal answers).
    pub(crate) fn json_tail(&self) -> String {
        let bare = Wire {
            question: "",
            aliases: Aliases(&[]),
            outcome: &self.outcome,
            assumed: &self.assumed,
            ledger: self.ledger.as_ref(),
            schema: SCHEMA,
        };
        let text = serde_json::to_string(&bare).unwrap_or_default();
        match text.strip_prefix("{\"question\":\"\"") {
            Some(tail) => tail.to_string(),
            None => text,
        }
    }
}

// ----- JSON ----------------------------------------------------------------------------------

/// Answers serialize in one order: question, aliases, the outcome, the assumptions' values,
/// the ledger, and last the schema.
#[derive(Serialize)]
struct Wire<'a> {
    question: &'a str,
    #[serde(skip_serializing_if = "Aliases::is_empty")]
    aliases: Aliases<'a>,
    #[serde(flatten)]
    outcome: &'a Outcome,
    #[serde(skip_serializing_if = "<[Assumption]>::is_empty")]
    assumed: &'a [Assumption],
    #[serde(skip_serializing_if = "Option::is_none")]
    ledger: Option<&'a Position>,
    schema: u32,
}

/// Aliases as a JSON object, `{"bedrock": "aws"}`.
struct Aliases<'a>(&'a [Alias]);

impl Aliases<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Aliases<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|a| (&a.asked, &a.cloud)))
    }
}

impl Serialize for Answer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Wire {
            question: &self.question,
            aliases: Aliases(&self.aliases),
            outcome: &self.outcome,
            assumed: &self.assumed,
            ledger: self.ledger.as_ref(),
            schema: SCHEMA,
        }
        .serialize(s)
    }
}

#[derive(Deserialize)]
struct WireIn {
    question: String,
    #[serde(default)]
    aliases: std::collections::BTreeMap<String, String>,
    #[serde(flatten)]
    outcome: Outcome,
    #[serde(default)]
    assumed: Vec<Assumption>,
    #[serde(default)]
    ledger: Option<Position>,
    schema: u32,
}

impl<'de> Deserialize<'de> for Answer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Answer, D::Error> {
        let w = WireIn::deserialize(d)?;
        if w.schema != SCHEMA {
            return Err(serde::de::Error::custom(format!(
                "an answer of schema {}; this version reads schema {SCHEMA}",
                w.schema
            )));
        }
        Ok(Answer {
            question: w.question,
            aliases: w
                .aliases
                .into_iter()
                .map(|(asked, cloud)| Alias { asked, cloud })
                .collect(),
            outcome: w.outcome,
            assumed: w.assumed,
            ledger: w.ledger,
        })
    }
}

/// The ledger position in JSON: amounts as exact decimal strings with the currency's
/// minor-unit digits, days as `YYYY-MM-DD`.
#[derive(Serialize, Deserialize)]
struct PositionWire {
    #[serde(with = "days")]
    through: Option<NaiveDate>,
    rows_read: u64,
    rows_skipped: u64,
    clauses: Vec<ClauseWire>,
}

#[derive(Serialize, Deserialize)]
struct ClauseWire {
    clause: String,
    currency: Option<String>,
    owed: String,
    cap: Option<String>,
    remaining: Option<String>,
    #[serde(with = "days")]
    cap_reached_on: Option<NaiveDate>,
}

impl Serialize for Position {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let clauses = self
            .clauses
            .iter()
            .map(|p| {
                let amount = |d: Decimal| crate::finance::render::amount(p.currency, d);
                ClauseWire {
                    clause: p.clause.clone(),
                    currency: p.currency.map(|c| c.code().to_string()),
                    owed: amount(p.owed),
                    cap: p.cap.map(amount),
                    remaining: p.remaining.map(amount),
                    cap_reached_on: p.cap_reached_on,
                }
            })
            .collect();
        PositionWire {
            through: Some(self.through),
            rows_read: self.rows_read,
            rows_skipped: self.rows_skipped,
            clauses,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Position {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Position, D::Error> {
        use serde::de::Error;
        let w = PositionWire::deserialize(d)?;
        let amount = |text: &str| {
            crate::money::exact_decimal(text, false)
                .ok_or_else(|| D::Error::custom(format!("`{text}` is not an exact amount")))
        };
        let mut clauses = Vec::with_capacity(w.clauses.len());
        for c in w.clauses {
            let currency = match &c.currency {
                Some(code) => Some(crate::money::currency(code).ok_or_else(|| {
                    D::Error::custom(format!("`{code}` is not an ISO 4217 currency"))
                })?),
                None => None,
            };
            clauses.push(ClausePosition {
                owed: amount(&c.owed)?,
                cap: c.cap.as_deref().map(amount).transpose()?,
                remaining: c.remaining.as_deref().map(amount).transpose()?,
                clause: c.clause,
                currency,
                cap_reached_on: c.cap_reached_on,
            });
        }
        Ok(Position {
            through: w
                .through
                .ok_or_else(|| D::Error::custom("a ledger position needs its `through` day"))?,
            rows_read: w.rows_read,
            rows_skipped: w.rows_skipped,
            clauses,
        })
    }
}

/// Days as `YYYY-MM-DD` or `null`.
mod days {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(day: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match day {
            Some(d) => s.serialize_str(&crate::time::iso(*d)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        text.map(|t| {
            crate::time::parse_day(&t).ok_or_else(|| {
                serde::de::Error::custom(format!("`{t}` is not a day written YYYY-MM-DD"))
            })
        })
        .transpose()
    }
}

// ----- text ----------------------------------------------------------------------------------

impl fmt::Display for Answer {
    /// The answer for people: the question and decision, each reason with its clause's life and
    /// terms, the assumptions with their values and notes, and the ledger position.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        let aliases: String = self
            .aliases
            .iter()
            .map(|a| format!("  ({} is cloud {})\n", a.asked, a.cloud))
            .collect();
        match &self.outcome {
            Outcome::Point(v) => {
                let _ = writeln!(out, "{}: {}", shown(&self.question), v.decision);
                out.push_str(&aliases);
                verdict_text(&mut out, v, &self.assumed, "  ");
            }
            Outcome::When { windows } => {
                let _ = writeln!(out, "{}", shown(&self.question));
                out.push_str(&aliases);
                for w in windows {
                    let _ = writeln!(
                        out,
                        "  {}: {}",
                        span_text(w.from, w.until),
                        w.verdict.decision
                    );
                    verdict_text(&mut out, &w.verdict, &self.assumed, "      ");
                }
            }
        }
        if let Some(p) = &self.ledger {
            position_text(&mut out, p);
        }
        f.write_str(&out)
    }
}

/// Text from rule files or questions as a terminal should show it: control characters and
/// other invisible ones escaped (JSON escapes them itself).
fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    crate::diag::escape_invisible(text)
}

fn span_text(from: Option<NaiveDate>, until: Option<NaiveDate>) -> String {
    use crate::time::iso;
    match (from, until) {
        (None, None) => "at all times".to_string(),
        (Some(f), None) => format!("from {} on", iso(f)),
        (None, Some(u)) => format!("until {}", iso(u)),
        (Some(f), Some(u)) => format!("from {} until {}", iso(f), iso(u)),
    }
}

fn verdict_text(out: &mut String, v: &Verdict, assumed: &[Assumption], indent: &str) {
    if v.reasons.is_empty() {
        let default = match v.decision {
            Decision::Permitted => "permitted by default",
            Decision::Forbidden => "no licence in force for this party",
            Decision::Due | Decision::NotDue => {
                "no revenue share from this payer to this payee is in force"
            }
            _ => "no term of the agreement speaks",
        };
        let _ = writeln!(out, "{indent}no clause speaks: {default}");
    }
    for r in &v.reasons {
        let title = r
            .title
            .as_deref()
            .map(|t| format!(" \"{}\"", shown(t)))
            .unwrap_or_default();
        let _ = writeln!(out, "{indent}{:<6} {}{title}", r.effect.as_str(), r.clause);
        // A clause's life; an agreement's own terms (its term, renewals, notices) have none.
        let agreement_term = matches!(
            r.effect,
            Effect::Term | Effect::Renewal | Effect::Notice | Effect::Termination
        );
        if !agreement_term {
            let _ = writeln!(
                out,
                "{indent}       in force {}",
                span_text(r.from, r.until)
            );
        }
        if r.stretches.is_empty() {
            let _ = writeln!(out, "{indent}       {}", shown(&r.detail));
        }
        for s in &r.stretches {
            let from = s.from.map_or("at first".to_string(), |f| {
                format!("from {}", crate::time::iso(f))
            });
            let _ = writeln!(out, "{indent}       {from}: {}", shown(&s.detail));
        }
    }
    let named = v
        .assumptions
        .iter()
        .filter_map(|id| assumed.iter().find(|a| &a.id == id));
    assumptions_text(out, named, indent);
}

/// Assumptions with their values (marked when set for this run) and notes, under a heading.
pub(crate) fn assumptions_text<'a>(
    out: &mut String,
    assumptions: impl IntoIterator<Item = &'a Assumption>,
    indent: &str,
) {
    let mut first = true;
    for a in assumptions {
        if first {
            let _ = writeln!(out, "{indent}assumptions:");
            first = false;
        }
        let changed = if a.set_for_run {
            " (set for this run)"
        } else {
            ""
        };
        let note = a
            .note
            .as_deref()
            .map(|n| format!(": {}", shown(n)))
            .unwrap_or_default();
        let _ = writeln!(out, "{indent}  {} = {}{changed}{note}", a.id, a.value);
    }
}

fn position_text(out: &mut String, p: &Position) {
    let _ = writeln!(
        out,
        "  ledger through {} ({} rows read, {} skipped):",
        crate::time::iso(p.through),
        p.rows_read,
        p.rows_skipped
    );
    for c in &p.clauses {
        // For people: the currency's code and grouped digits (`USD 38,000,000,000.00`).
        let money = |d: Decimal| match c.currency {
            Some(currency) => crate::money::Money {
                currency,
                amount: d,
            }
            .to_string(),
            None => crate::finance::render::amount(None, d),
        };
        match c.currency {
            Some(_) => {
                let _ = write!(out, "    {}: owed {}", c.clause, money(c.owed));
            }
            None => {
                let _ = write!(out, "    {}: owed nothing (no row counted)", c.clause);
            }
        }
        match (c.cap, c.remaining) {
            (Some(cap), Some(left)) => {
                let _ = write!(out, "; cap {}, remaining {}", money(cap), money(left));
            }
            // A commitment (0.2): what is left to spend in the period running on the day.
            (None, Some(left)) => {
                let _ = write!(out, "; {} left to spend", money(left));
            }
            _ => {}
        }
        if let Some(d) = c.cap_reached_on {
            let _ = write!(out, "; cap reached on {}", crate::time::iso(d));
        }
        out.push('\n');
    }
}
