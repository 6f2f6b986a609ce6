//! Partial statements: a statement read in pieces, where the data lives.
//!
//! A statement is a mergeable aggregation. Reading a piece of a ledger (a Spark partition, one
//! file of many, a day's batch) against the money clauses sums its rows by clause and day;
//! those sums add up, in any order and any grouping, to what one read of the whole ledger
//! sums; the walk of the days (tiers, recoupment, caps, minimums, commitments) then runs once,
//! in [`finish`]. A [`Partial`] is that state: opaque, serializable ([`Partial::to_bytes`]),
//! and stamped with a fingerprint of the clauses' terms and the last day counted, so that
//! pieces read under other rules, assumptions or options are refused rather than mixed.
//!
//! What a piece does not keep is the order of rows within a day: no figure of a statement
//! depends on it (a day owes what its rows sum to). Skipped rows are counted in every piece and
//! the first few kept by place (file, then row), so merged pieces report the same examples
//! whatever their order. A clause that counts rows of two currencies in two pieces is an error
//! when they merge: only a read in order could say which row was the bad one.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::ledger::LedgerError;
use super::revshare::{Sums, Tally};
use super::statement::{gather, plans_for, Scope, Statement, StatementError};
use super::{complete, read, Input, Part, ReadOptions, EXAMPLES};
use crate::eval::Engine;

/// What the first line of a partial statement's bytes says: the format and its version.
const MAGIC: &str = "covenant partial statement 1\n";

/// The sums of a piece of a ledger under every money clause of a statement, before the walk
/// of the days: merged with others in any order, finished once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partial {
    /// SHA-256 of the clauses' terms as read.
    fingerprint: String,
    /// The last day counted (`until`), if one was given.
    until: Option<String>,
    /// The clauses, in the statement's order.
    clauses: Vec<String>,
    rows_read: u64,
    rows_skipped: u64,
    /// The first few skipped rows, by place: file, row, why.
    examples: Vec<(String, u64, String)>,
    /// The latest day of a valid row read.
    last_day: Option<String>,
    /// One per clause, in the order of `clauses`.
    sums: Vec<Sums>,
}

fn fingerprint(plans: &[super::revshare::Plan], until: Option<NaiveDate>) -> String {
    let mut hash = Sha256::new();
    for p in plans {
        hash.update(p.fingerprint().as_bytes());
        hash.update(b"\n");
    }
    hash.update(until.map(crate::time::iso).unwrap_or_default().as_bytes());
    hash.finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
}

fn refuse(message: impl Into<String>) -> StatementError {
    StatementError::Partial(message.into())
}

/// Reads ledgers (a piece of a larger one) against every money clause of the statement (or
/// those named in `scope`) and keeps their sums for [`Partial::merge`] and [`finish`]. Bad rows
/// stop the read, or are skipped and counted, as `options` say; rows after `scope.until` count
/// for nothing. `scope.from` and `scope.by` play no part until [`finish`].
pub fn partial(
    engine: &Engine,
    inputs: Vec<Input>,
    options: &ReadOptions,
    scope: &Scope,
) -> Result<Partial, StatementError> {
    let plans = plans_for(engine, scope)?;
    let fingerprint = fingerprint(&plans, scope.until);
    let options = ReadOptions {
        through: scope.until,
        ..options.clone()
    };
    let part = read(plans, inputs, &options)?;
    let mut examples: Vec<(String, u64, String)> = part
        .examples
        .iter()
        .map(|e| (e.file.clone(), e.line, e.message.clone()))
        .collect();
    examples.sort();
    Ok(Partial {
        fingerprint,
        until: scope.until.map(crate::time::iso),
        clauses: part
            .tallies
            .iter()
            .map(|t| t.plan.qualified.clone())
            .collect(),
        rows_read: part.rows_read,
        rows_skipped: part.rows_skipped,
        examples,
        last_day: part.last_day.map(crate::time::iso),
        sums: part.tallies.iter().map(Tally::sums).collect(),
    })
}

impl Partial {
    /// Rows read in the pieces so far, counted or not.
    pub fn rows_read(&self) -> u64 {
        self.rows_read
    }

    /// Invalid rows skipped in the pieces so far.
    pub fn rows_skipped(&self) -> u64 {
        self.rows_skipped
    }

    /// Adds another piece's sums. The result is the same whichever piece comes first and
    /// however pieces are grouped; pieces read under other terms (rules, assumptions, clauses,
    /// `until`) are refused.
    pub fn merge(mut self, other: &Partial) -> Result<Partial, StatementError> {
        if self.fingerprint != other.fingerprint || self.clauses != other.clauses {
            return Err(refuse(
                "these partial statements were read under different rules, assumptions, clauses or `until`: they cannot be merged",
            ));
        }
        self.rows_read = self
            .rows_read
            .checked_add(other.rows_read)
            .ok_or_else(|| refuse("too many rows to count"))?;
        self.rows_skipped = self
            .rows_skipped
            .checked_add(other.rows_skipped)
            .ok_or_else(|| refuse("too many rows to count"))?;
        self.examples.extend(other.examples.iter().cloned());
        self.examples.sort();
        self.examples.dedup();
        self.examples.truncate(EXAMPLES);
        // ISO days order as days do.
        self.last_day = self.last_day.clone().max(other.last_day.clone());
        for ((mine, theirs), clause) in self.sums.iter_mut().zip(&other.sums).zip(&self.clauses) {
            mine.merge(theirs, clause).map_err(|e| match e {
                super::revshare::FinanceError::Row(e) => refuse(e.message),
                other => other.into(),
            })?;
        }
        Ok(self)
    }

    /// Merges any number of pieces (at least one).
    pub fn merge_all<'a>(
        pieces: impl IntoIterator<Item = &'a Partial>,
    ) -> Result<Partial, StatementError> {
        let mut pieces = pieces.into_iter();
        let first = pieces
            .next()
            .ok_or_else(|| refuse("no partial statements to merge"))?;
        pieces.try_fold(first.clone(), |acc, p| acc.merge(p))
    }

    /// The piece as bytes: a first line naming the format, then its sums as JSON (exact
    /// decimals as text).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = MAGIC.as_bytes().to_vec();
        // Serializing plain strings, numbers and maps cannot fail.
        if serde_json::to_writer(&mut out, self).is_err() {
            out.truncate(MAGIC.len());
        }
        out
    }

    /// A piece from its bytes ([`Partial::to_bytes`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Partial, StatementError> {
        let body = bytes.strip_prefix(MAGIC.as_bytes()).ok_or_else(|| {
            refuse("not a partial statement of covenant (or one of another version)")
        })?;
        let value: serde_json::Value = serde_json::from_slice(body)
            .map_err(|e| refuse(format!("a damaged partial statement: {e}")))?;
        exact_figures(&value).map_err(|e| refuse(format!("a damaged partial statement: {e}")))?;
        let p: Partial = serde_json::from_value(value)
            .map_err(|e| refuse(format!("a damaged partial statement: {e}")))?;
        if p.sums.len() != p.clauses.len() {
            return Err(refuse(
                "a damaged partial statement: clauses and sums disagree",
            ));
        }
        Ok(p)
    }
}

/// Every figure of a piece's sums is written as an exact decimal in text (as [`Partial::to_bytes`]
/// writes it): a JSON number would pass through a binary float, and `1e3` is no ledger amount.
fn exact_figures(value: &serde_json::Value) -> Result<(), String> {
    use serde_json::Value;
    let exact = |v: &Value| match v {
        Value::String(s) if crate::money::exact_decimal(s, false).is_some() => Ok(()),
        other => Err(format!("`{other}` is not an exact decimal")),
    };
    let sums = value
        .get("sums")
        .and_then(Value::as_array)
        .ok_or("no sums")?;
    for s in sums {
        for key in ["base", "share", "paid"] {
            exact(s.get(key).ok_or("a figure is missing")?)?;
        }
        for year in s
            .get("years")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            for v in year.1.as_array().ok_or("a year is not a list")? {
                exact(v)?;
            }
        }
        for day in s
            .get("days")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            exact(day.1.get(0).ok_or("a day has no sum")?)?;
        }
    }
    Ok(())
}

/// The statement of merged pieces: the walk of the days under each clause, as one read of all
/// their rows would make it. `scope` must name the clauses and `until` the pieces were read
/// with (its `from` and `by` choose the lines).
pub fn finish(
    engine: &Engine,
    partial: &Partial,
    scope: &Scope,
) -> Result<Statement, StatementError> {
    let plans = plans_for(engine, scope)?;
    if fingerprint(&plans, scope.until) != partial.fingerprint || plans.len() != partial.sums.len()
    {
        return Err(refuse(
            "this partial statement was read under different rules, assumptions, clauses or `until` than these",
        ));
    }
    let day = |d: &Option<String>| -> Result<Option<NaiveDate>, StatementError> {
        d.as_deref()
            .map(|d| {
                crate::time::parse_day(d)
                    .ok_or_else(|| refuse(format!("a damaged partial statement: `{d}`")))
            })
            .transpose()
    };
    if plans
        .iter()
        .map(|p| p.qualified.as_str())
        .ne(partial.clauses.iter().map(String::as_str))
    {
        return Err(refuse(
            "a damaged partial statement: its clauses are not these",
        ));
    }
    let last_day = day(&partial.last_day)?;
    // No day counted after the last day counted (`until`), nor after the piece's last day.
    let latest = partial
        .sums
        .iter()
        .flat_map(|s| s.days.keys())
        .max()
        .map(|d| day(&Some(d.clone())))
        .transpose()?
        .flatten();
    if latest.is_some_and(|d| scope.until.is_some_and(|u| d > u) || last_day.is_none_or(|l| d > l))
    {
        return Err(refuse(
            "a damaged partial statement: it counts a day after its last day",
        ));
    }
    let mut tallies = Vec::with_capacity(plans.len());
    for (plan, sums) in plans.into_iter().zip(&partial.sums) {
        let t = Tally::from_sums(plan, sums.clone())
            .map_err(|e| refuse(format!("a damaged partial statement: {e}")))?;
        tallies.push(t);
    }
    let mut part = Part::new(tallies);
    part.rows_read = partial.rows_read;
    part.rows_skipped = partial.rows_skipped;
    part.last_day = last_day;
    part.examples = partial
        .examples
        .iter()
        .map(|(file, line, message)| LedgerError {
            file: file.clone(),
            line: *line,
            message: message.clone(),
        })
        .collect();
    let report = complete(part, scope.until)?;
    gather(engine, &report, scope)
}
