//! Finance: what revenue shares owe over ledgers, exactly, to the cent.
//!
//! [`ledger`] reads and validates rows; [`revshare`] sums them against every `revenue_share`
//! clause as consolidated on each row's date; [`render`] writes the report as text, JSON or CSV.
//! [`run`] ties them together for a list of ledgers read as one.

pub mod ledger;
pub mod render;
pub mod revshare;

use std::io::Read;

use chrono::NaiveDate;

use crate::eval::Engine;
use ledger::{BadRows, LedgerError};
use revshare::{FinanceError, Plan, Report, Tally};

/// How to read ledgers.
#[derive(Clone, Copy, Debug)]
pub struct ReadOptions {
    pub bad_rows: BadRows,
    /// Only rows dated on or before this day count (for payments "as at" a day).
    pub through: Option<NaiveDate>,
}

/// Reads ledgers (name and reader, in order, as one ledger) against the given plans.
pub fn run<R: Read>(
    plans: Vec<Plan>,
    ledgers: impl IntoIterator<Item = (String, R)>,
    options: ReadOptions,
    skipped: impl FnMut(&LedgerError),
) -> Result<Report, FinanceError> {
    // Both the reader (bad rows) and the row handler (mixed currencies) report skips.
    let skipped = std::cell::RefCell::new(skipped);
    let skip = |e: &LedgerError| (skipped.borrow_mut())(e);
    let mut tallies: Vec<Tally> = plans.into_iter().map(Tally::new).collect();
    let mut rows_read = 0u64;
    let mut rows_skipped = 0u64;
    for (name, input) in ledgers {
        let mut failure: Option<FinanceError> = None;
        let mut mismatched = 0u64;
        let result = ledger::read(
            &name,
            input,
            options.bad_rows,
            |e| {
                rows_skipped += 1;
                skip(e);
            },
            |row| {
                if options.through.is_some_and(|t| row.date > t) {
                    return Ok(());
                }
                // A row in another currency than a clause that counts it is a bad row: no
                // clause counts it, and it stops the run unless bad rows are skipped.
                if let Some(e) = tallies.iter().find_map(|t| t.mismatch(&name, row)) {
                    return match options.bad_rows {
                        BadRows::Stop => Err(e),
                        BadRows::Skip => {
                            mismatched += 1;
                            skip(&e);
                            Ok(())
                        }
                    };
                }
                for t in tallies.iter_mut() {
                    match t.add(&name, row) {
                        Ok(()) => {}
                        Err(FinanceError::Row(e)) => return Err(e),
                        Err(other) => {
                            failure = Some(other);
                            return Err(LedgerError {
                                file: name.clone(),
                                line: row.line,
                                message: "decimal overflow".into(),
                            });
                        }
                    }
                }
                Ok(())
            },
        );
        rows_skipped += mismatched;
        match result {
            Ok(n) => rows_read += n - mismatched,
            Err(e) => return Err(failure.unwrap_or(FinanceError::Row(e))),
        }
    }
    let tallies = tallies
        .into_iter()
        .map(Tally::finish)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Report {
        rows_read,
        rows_skipped,
        tallies,
    })
}

/// The plans of every revenue share, or of those named (`agreement.clause`).
pub fn plans(engine: &Engine, named: &[String]) -> Result<Vec<Plan>, String> {
    let all = revshare::plans(engine);
    if named.is_empty() {
        return Ok(all);
    }
    let mut out = Vec::new();
    for name in named {
        match all.iter().find(|p| &p.qualified == name) {
            Some(p) => out.push(p.clone()),
            None => {
                let known: Vec<String> = all.iter().map(|p| p.qualified.clone()).collect();
                let mut msg = format!("--clause `{name}`: no revenue share of this name");
                if let Some(best) = crate::check::nearest(name, known.iter()) {
                    msg.push_str(&format!("; did you mean `{best}`?"));
                } else if !known.is_empty() {
                    msg.push_str(&format!(" (the revenue shares are {})", known.join(", ")));
                }
                return Err(msg);
            }
        }
    }
    Ok(out)
}

/// Where a revenue share stands on a day, from the ledger rows dated up to and including it.
#[derive(Clone, Debug)]
pub struct Position {
    pub clause: String,
    pub currency: Option<iso_currency::Currency>,
    /// What the rows up to the day owe under the clause.
    pub owed: rust_decimal::Decimal,
    /// The cap in force on the day and what remains under it.
    pub cap: Option<(rust_decimal::Decimal, rust_decimal::Decimal)>,
    pub cap_reached_on: Option<NaiveDate>,
    /// True when the cap in force on the day is used up: more revenue that day owes nothing.
    pub exhausted: bool,
}

/// The positions, on `day`, of the given revenue-share clauses.
pub fn positions<R: Read>(
    engine: &Engine,
    clauses: &[crate::model::ClauseId],
    day: NaiveDate,
    ledgers: impl IntoIterator<Item = (String, R)>,
    bad_rows: BadRows,
    skipped: impl FnMut(&LedgerError),
) -> Result<(Report, Vec<Position>), FinanceError> {
    let plans: Vec<Plan> = revshare::plans(engine)
        .into_iter()
        .filter(|p| clauses.contains(&p.clause))
        .collect();
    let options = ReadOptions {
        bad_rows,
        through: Some(day),
    };
    let report = run(plans, ledgers, options, skipped)?;
    let positions = report
        .tallies
        .iter()
        .map(|t| {
            let cap = t.remaining_at(day);
            Position {
                clause: t.plan.qualified.clone(),
                currency: t.currency,
                owed: t.paid,
                cap,
                cap_reached_on: t.cap_reached_on,
                exhausted: cap.is_some_and(|(_, left)| left <= rust_decimal::Decimal::ZERO),
            }
        })
        .collect();
    Ok((report, positions))
}
