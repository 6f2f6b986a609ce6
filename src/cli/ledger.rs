//! `ask pay … at DAY --ledger`: the ledger's position on that day, rendered (the answer and the
//! position are computed by `covenant::finance::pay_on`).

use std::fmt::Write as _;
use std::path::PathBuf;

use chrono::NaiveDate;
use covenant::eval::answer::Window;
use covenant::eval::Engine;
use covenant::finance::ledger::BadRows;
use covenant::finance::render::amount;
use serde_json::json;

/// The ledger's part of an answer, rendered both ways.
pub struct LedgerPart {
    pub json: serde_json::Value,
    pub text: String,
}

/// Reads the ledgers up to `day` for the owing clauses of `window`. A clause whose cap is used
/// up that day owes nothing more: if every owing clause is so, the answer becomes `not_due`,
/// with the day each cap was reached as the reason.
pub fn apply(
    engine: &Engine,
    subject: covenant::Subject,
    window: &mut Window,
    day: NaiveDate,
    paths: &[PathBuf],
    skip_invalid: bool,
) -> Result<LedgerPart, String> {
    if !matches!(subject, covenant::Subject::Pay { .. }) {
        return Err("--ledger goes with a `pay PAYER to PAYEE at DAY` question".into());
    }
    let (inputs, progress) = crate::covenant_cli::inputs(paths)?;
    let bad = if skip_invalid {
        BadRows::Skip
    } else {
        BadRows::Stop
    };
    let options = covenant::finance::ReadOptions {
        progress,
        ..covenant::finance::ReadOptions::for_engine(engine, bad)
    };
    let (answer, report, positions) =
        covenant::finance::pay_on(engine, subject, window, day, inputs, &options)
            .map_err(|e| e.to_string())?;
    *window = answer;
    crate::covenant_cli::report_skips(&report);
    let mut text = format!(
        "  ledger through {} ({} rows read, {} skipped):\n",
        covenant::time::iso(day),
        report.rows_read,
        report.rows_skipped
    );
    let mut clauses = Vec::new();
    for p in &positions {
        let c = p.currency;
        // For people: the currency's code and grouped digits (`USD 38,000,000,000.00`).
        let money = |d| match c {
            Some(c) => covenant::money::Money {
                currency: c,
                amount: d,
            }
            .to_string(),
            None => amount(c, d),
        };
        match c {
            Some(_) => {
                let _ = write!(text, "    {}: owed {}", p.clause, money(p.owed));
            }
            None => {
                let _ = write!(text, "    {}: owed nothing (no row counted)", p.clause);
            }
        }
        if let Some((cap, left)) = p.cap {
            let _ = write!(text, "; cap {}, remaining {}", money(cap), money(left));
        }
        if let Some(d) = p.cap_reached_on {
            let _ = write!(text, "; cap reached on {}", covenant::time::iso(d));
        }
        text.push('\n');
        clauses.push(json!({
            "clause": p.clause,
            "currency": c.map(|c| c.code().to_string()),
            "owed": amount(c, p.owed),
            "cap": p.cap.map(|(cap, _)| amount(c, cap)),
            "remaining": p.cap.map(|(_, left)| amount(c, left)),
            "cap_reached_on": p.cap_reached_on.map(covenant::time::iso),
        }));
    }
    Ok(LedgerPart {
        json: json!({
            "rows_read": report.rows_read,
            "rows_skipped": report.rows_skipped,
            "clauses": clauses,
        }),
        text,
    })
}
