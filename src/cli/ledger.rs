//! `ask pay … at DAY --ledger`: a payment answer with the ledger's position on that day.

use std::fmt::Write as _;
use std::path::PathBuf;

use chrono::NaiveDate;
use covenant::eval::answer::{Decision, Effect, Reason, Window};
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
    // Every revenue share from the payer to the payee, in force on the day or not: what the
    // ledger owes under each up to the day.
    let covenant::Subject::Pay { payer, payee } = subject else {
        return Err("--ledger goes with a `pay PAYER to PAYEE at DAY` question".into());
    };
    let owing: Vec<u32> = engine
        .rules()
        .clauses
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            matches!(&c.terms.body, covenant::model::Body::RevenueShare { payer: p, payee: q, .. } if *p == payer && *q == payee)
        })
        .filter_map(|(i, _)| u32::try_from(i).ok())
        .collect();
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
    let (report, positions) = covenant::finance::positions(engine, &owing, day, inputs, &options)
        .map_err(|e| e.to_string())?;
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
        let code = c.map_or("", |c| c.code());
        let _ = write!(text, "    {}: owed {code} {}", p.clause, amount(c, p.owed));
        if let Some((cap, left)) = p.cap {
            let _ = write!(
                text,
                "; cap {}, remaining {}",
                amount(c, cap),
                amount(c, left)
            );
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
    let exhausted: std::collections::HashMap<&str, &covenant::finance::Position> = positions
        .iter()
        .filter(|p| p.exhausted)
        .map(|p| (p.clause.as_str(), p))
        .collect();
    if !positions.is_empty() && exhausted.len() == positions.len() {
        let reasons: Vec<Reason> = window
            .reasons
            .iter()
            .filter(|r| r.effect == Effect::Owe)
            .map(|r| {
                let p = exhausted.get(r.clause.as_str());
                let when = p
                    .and_then(|p| p.cap_reached_on)
                    .map_or("before this day".to_string(), covenant::time::iso);
                Reason {
                    effect: Effect::CapReached,
                    detail: format!(
                        "its cap was reached on {when}: revenue of this day owes nothing more"
                    ),
                    ..r.clone()
                }
            })
            .collect();
        window.decision = Decision::NotDue;
        window.reasons = reasons;
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
