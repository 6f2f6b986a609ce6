//! The revenue-share report for people (text), programs (JSON) and spreadsheets (CSV), from one
//! [`Report`] value. Every figure is rounded on its own, half to even, at its currency's minor
//! unit, from exact sums.

use std::fmt::Write as _;

use iso_currency::Currency;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::revshare::{Report, Tally};
use crate::consolidate::Deps;
use crate::eval::Engine;
use crate::money;

/// An amount as a plain decimal with the currency's minor-unit digits (two when no row fixed
/// the currency).
pub fn amount(currency: Option<Currency>, d: Decimal) -> String {
    money::plain(currency.unwrap_or(Currency::USD), d)
}

fn grouped(currency: Option<Currency>, d: Decimal) -> String {
    money::grouped(currency.unwrap_or(Currency::USD), d)
}

fn day(d: Option<chrono::NaiveDate>) -> Value {
    d.map_or(Value::Null, |d| Value::String(crate::time::iso(d)))
}

fn tally_json(t: &Tally) -> Value {
    let c = t.currency;
    let mut extra = serde_json::Map::new();
    if t.has_period_cap() {
        extra.insert(
            "period_caps_reached".into(),
            Value::Array(
                t.period_caps_reached
                    .iter()
                    .map(|(p, d)| json!({"period": p, "reached_on": crate::time::iso(*d)}))
                    .collect(),
            ),
        );
    }
    if t.has_minimum() {
        extra.insert(
            "true_ups".into(),
            Value::Array(
                t.true_ups
                    .iter()
                    .map(|(d, a)| json!({"due_on": crate::time::iso(*d), "amount": amount(c, *a)}))
                    .collect(),
            ),
        );
    }
    let years: Vec<Value> = t
        .years
        .iter()
        .map(|(y, v)| {
            json!({
                "year": y,
                "base": amount(c, v.base),
                "share": amount(c, v.share),
                "paid": amount(c, v.paid),
            })
        })
        .collect();
    let mut v = json!({
        "clause": t.plan.qualified,
        "payer": t.plan.payer,
        "payee": t.plan.payee,
        "currency": c.map(|c| c.code().to_string()),
        "rows": t.rows,
        "base": amount(c, t.base),
        "share": amount(c, t.share),
        "paid": amount(c, t.paid),
        "cap": t.plan.cap.map(|cap| amount(c, cap)),
        "cap_reached_on": day(t.cap_reached_on),
        "by_year": years,
    });
    if let Some(map) = v.as_object_mut() {
        map.extend(extra);
    }
    v
}

/// The report as JSON: one entry per revenue share, totals and years.
pub fn json(report: &Report) -> Value {
    json!({
        "rows_read": report.rows_read,
        "rows_skipped": report.rows_skipped,
        "clauses": report.tallies.iter().map(tally_json).collect::<Vec<_>>(),
    })
}

/// Per-year rows for spreadsheets.
pub fn csv(report: &Report) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "clause", "payer", "payee", "currency", "year", "base", "share", "paid",
    ]);
    for t in &report.tallies {
        let c = t.currency;
        let code = c.map_or(String::new(), |c| c.code().to_string());
        for (y, v) in &t.years {
            let _ = w.write_record([
                t.plan.qualified.as_str(),
                &t.plan.payer,
                &t.plan.payee,
                &code,
                &y.to_string(),
                &amount(c, v.base),
                &amount(c, v.share),
                &amount(c, v.paid),
            ]);
        }
    }
    w.into_inner()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// A table for people, with the assumptions the figures rest on.
pub fn text(engine: &Engine, report: &Report) -> String {
    let mut out = format!(
        "{} rows read, {} skipped\n",
        report.rows_read, report.rows_skipped
    );
    let mut deps = Deps::none();
    for t in &report.tallies {
        deps.add(&t.plan.deps);
        let c = t.currency;
        let code = c.map_or("(no rows)".to_string(), |c| c.code().to_string());
        let _ = writeln!(
            out,
            "\n{}: {} pays {}, {code}, {} row{}",
            t.plan.qualified,
            t.plan.payer,
            t.plan.payee,
            t.rows,
            if t.rows == 1 { "" } else { "s" }
        );
        if let Some(cap) = t.plan.cap {
            let reached = t.cap_reached_on.map_or("not reached".to_string(), |d| {
                format!("reached on {}", crate::time::iso(d))
            });
            let _ = writeln!(out, "  cap {} ({reached})", grouped(c, cap));
        }
        for (period, d) in &t.period_caps_reached {
            let _ = writeln!(
                out,
                "  cap for {period} reached on {}",
                crate::time::iso(*d)
            );
        }
        for (d, a) in &t.true_ups {
            let _ = writeln!(
                out,
                "  true-up of {} due on {} (below the minimum)",
                grouped(c, *a),
                crate::time::iso(*d)
            );
        }
        let rows: Vec<[String; 4]> = std::iter::once([
            "year".to_string(),
            "base".to_string(),
            "share".to_string(),
            "paid".to_string(),
        ])
        .chain(t.years.iter().map(|(y, v)| {
            [
                y.to_string(),
                grouped(c, v.base),
                grouped(c, v.share),
                grouped(c, v.paid),
            ]
        }))
        .chain(std::iter::once([
            "total".to_string(),
            grouped(c, t.base),
            grouped(c, t.share),
            grouped(c, t.paid),
        ]))
        .collect();
        let width = |i: usize| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(String::len)
                .max()
                .unwrap_or(0)
        };
        let widths = [width(0), width(1), width(2), width(3)];
        for r in &rows {
            let _ = writeln!(
                out,
                "  {:<w0$}  {:>w1$}  {:>w2$}  {:>w3$}",
                r[0],
                r[1],
                r[2],
                r[3],
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2],
                w3 = widths[3]
            );
        }
    }
    if !deps.is_empty() {
        out.push('\n');
        crate::answer::assumptions_text(&mut out, &engine.assumed(&deps), "");
    }
    out
}
