//! Statements (language 0.2): for finance, what every money clause came to over ledgers, period
//! by period — per payer → payee and per clause, the revenue counted, the shares earned, what
//! recoupment and caps held back, what was paid, true-ups, fixed payments, and each
//! commitment's progress and shortfall — with totals per currency. One value, three renderings
//! (text for people, JSON for programs, CSV for spreadsheets); every figure exact and rounded
//! once, half to even, where it is shown.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use iso_currency::Currency;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::revshare::{self, FinanceError, Report};
use super::{Input, ReadOptions};
use crate::eval::Engine;
use crate::model::Body;
use crate::vocab::Period;

/// What a statement covers. Fixed payments are listed up to `until`, or without it up to the
/// last day a row was counted.
#[derive(Clone, Debug)]
pub struct Scope {
    /// The first day counted (`None`: from the first row).
    pub from: Option<NaiveDate>,
    /// The last day counted (`None`: to the last row); periods ending after it are open.
    pub until: Option<NaiveDate>,
    /// The periods of the lines.
    pub by: Period,
    /// Only these clauses (`agreement.clause`); all money clauses when empty.
    pub clauses: Vec<String>,
}

/// One period's figures under one clause.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Line {
    /// The period (`2026`, `2026-Q2`, `2026-05`, `contract year from 2026-03-01`).
    pub period: String,
    /// Its first day.
    pub from: Option<NaiveDate>,
    /// Revenue counted (revenue shares), or spending counted (commitments).
    pub counted: Decimal,
    /// Shares earned.
    pub earned: Decimal,
    /// Held back to recoup the advance.
    pub recouped: Decimal,
    /// Held back by caps (per period and total).
    pub capped: Decimal,
    /// Paid on the shares.
    pub paid: Decimal,
    /// True-ups falling due in the period.
    pub true_ups: Decimal,
    /// Fixed payments falling due in the period.
    pub payments: Decimal,
    /// For a commitment: what was committed for the period (or the window).
    pub committed: Option<Decimal>,
    /// For a commitment: its shortfall, once the period has ended.
    pub shortfall: Option<Decimal>,
    /// What falls due in the period in all: paid, true-ups, payments and payable shortfalls.
    pub owed: Decimal,
}

/// One money clause's lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// `agreement.clause`.
    pub clause: String,
    /// `revenue_share`, `payment` or `commitment`.
    pub kind: &'static str,
    /// Who pays (or spends).
    pub payer: String,
    /// Who is paid (or spent with).
    pub payee: String,
    /// Its currency (`None`: nothing counted or due yet).
    pub currency: Option<Currency>,
    /// By period, in order.
    pub lines: Vec<Line>,
}

/// A statement: entries by payer → payee and clause, and what falls due in all per currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// Rows read, counted or not.
    pub rows_read: u64,
    /// Invalid rows skipped (when asked to skip them).
    pub rows_skipped: u64,
    /// The entries, by payer, payee and clause.
    pub entries: Vec<Entry>,
    /// What falls due in all, per currency.
    pub totals: BTreeMap<String, Decimal>,
}

/// A period's label and first day, for a day.
fn period_of(by: Period, day: NaiveDate, anchor: NaiveDate) -> (NaiveDate, String) {
    let start = match by {
        Period::Year => NaiveDate::from_ymd_opt(day.year(), 1, 1),
        Period::Quarter => NaiveDate::from_ymd_opt(day.year(), (day.month() - 1) / 3 * 3 + 1, 1),
        Period::Month => NaiveDate::from_ymd_opt(day.year(), day.month(), 1),
        Period::ContractYear => {
            let mut n = (day.year() - anchor.year()).max(0);
            loop {
                let s = u32::try_from(n)
                    .ok()
                    .and_then(|k| k.checked_mul(12))
                    .and_then(|m| anchor.checked_add_months(chrono::Months::new(m)));
                match s {
                    Some(s) if s <= day || n == 0 => break Some(s),
                    _ => n -= 1,
                }
            }
        }
    }
    .unwrap_or(day);
    let label = match by {
        Period::Year => format!("{}", day.year()),
        Period::Quarter => format!("{}-Q{}", day.year(), (day.month() - 1) / 3 + 1),
        Period::Month => format!("{}-{:02}", day.year(), day.month()),
        Period::ContractYear => format!("contract year from {}", crate::time::iso(start)),
    };
    (start, label)
}

fn overflow(clause: &str) -> FinanceError {
    FinanceError::Overflow {
        clause: clause.to_string(),
    }
}

fn add(a: Decimal, b: Decimal, clause: &str) -> Result<Decimal, FinanceError> {
    crate::money::exact_add(a, b).ok_or_else(|| overflow(clause))
}

/// Why a statement could not be made.
#[derive(Debug, thiserror::Error)]
pub enum StatementError {
    /// `--clause` names no money clause of the rules.
    #[error("--clause `{0}` is no revenue share, payment or commitment of these rules")]
    UnknownClause(String),
    /// A ledger could not be read, or its sums overflow.
    #[error(transparent)]
    Finance(#[from] FinanceError),
    /// Partial statements that cannot be merged or finished together, or bytes that are none.
    #[error("{0}")]
    Partial(String),
}

/// Reads the ledgers once against every money clause (or those named) and gathers the
/// statement.
pub fn statement(
    engine: &Engine,
    inputs: Vec<Input>,
    options: &ReadOptions,
    scope: &Scope,
) -> Result<Statement, StatementError> {
    let plans = plans_for(engine, scope)?;
    let options = ReadOptions {
        through: scope.until,
        ..options.clone()
    };
    let report: Report = super::run(plans, inputs, &options)?;
    gather(engine, &report, scope)
}

/// The plans of every money clause read from ledgers (or of those named), each keeping its
/// days' figures.
pub(crate) fn plans_for(
    engine: &Engine,
    scope: &Scope,
) -> Result<Vec<revshare::Plan>, StatementError> {
    for name in &scope.clauses {
        let known = engine.rules().clauses.iter().any(|c| {
            &c.qualified == name
                && matches!(
                    c.terms.body,
                    Body::RevenueShare(_) | Body::Payment { .. } | Body::Commitment { .. }
                )
        });
        if !known {
            return Err(StatementError::UnknownClause(crate::diag::shown(name, 60)));
        }
    }
    Ok(revshare::plans(engine)
        .into_iter()
        .map(revshare::Plan::recording)
        .chain(revshare::commitment_plans(engine))
        .filter(|p| scope.wants(&p.qualified))
        .collect())
}

impl Scope {
    /// Whether the statement covers this clause.
    fn wants(&self, name: &str) -> bool {
        self.clauses.is_empty() || self.clauses.iter().any(|c| c == name)
    }
}

/// The statement from what the ledgers came to under each clause.
pub(crate) fn gather(
    engine: &Engine,
    report: &Report,
    scope: &Scope,
) -> Result<Statement, StatementError> {
    let inside =
        |d: NaiveDate| scope.from.is_none_or(|f| d >= f) && scope.until.is_none_or(|u| d <= u);
    let mut entries = Vec::new();
    for t in &report.tallies {
        let clause = t.plan.qualified.as_str();
        let anchor = t.plan.anchor();
        let mut lines: BTreeMap<NaiveDate, Line> = BTreeMap::new();
        fn line(
            lines: &mut BTreeMap<NaiveDate, Line>,
            by: Period,
            day: NaiveDate,
            anchor: NaiveDate,
        ) -> &mut Line {
            let (start, label) = period_of(by, day, anchor);
            lines.entry(start).or_insert_with(|| Line {
                period: label,
                from: Some(start),
                ..Line::default()
            })
        }
        if let Some(c) = t.plan.commitment {
            // A commitment's lines follow its own periods (its window when it has none).
            for p in t.commitment_periods() {
                if !inside(p.from) {
                    continue;
                }
                let label = match c.per {
                    Some(per) => period_of(per, p.from, anchor).1,
                    None => format!("window from {}", crate::time::iso(p.from)),
                };
                let l = lines.entry(p.from).or_insert_with(|| Line {
                    period: label,
                    from: Some(p.from),
                    ..Line::default()
                });
                l.counted = add(l.counted, p.counted, clause)?;
                l.committed = Some(c.amount);
                if p.ended {
                    l.shortfall = Some(p.remaining);
                    if c.payable {
                        l.owed = add(l.owed, p.remaining, clause)?;
                    }
                }
            }
            entries.push(Entry {
                clause: clause.to_string(),
                kind: "commitment",
                payer: t.plan.payer.clone(),
                payee: t.plan.payee.clone(),
                currency: Some(c.currency),
                lines: lines.into_values().collect(),
            });
            continue;
        }
        for (day, f) in t.figures.iter().filter(|(d, _)| inside(**d)) {
            let l = line(&mut lines, scope.by, *day, anchor);
            l.counted = add(l.counted, f.revenue, clause)?;
            l.earned = add(l.earned, f.earned, clause)?;
            let recouped = f
                .earned
                .checked_sub(f.after_recoup)
                .ok_or_else(|| overflow(clause))?;
            l.recouped = add(l.recouped, recouped, clause)?;
            let capped = f
                .after_recoup
                .checked_sub(f.paid)
                .ok_or_else(|| overflow(clause))?;
            l.capped = add(l.capped, capped, clause)?;
            l.paid = add(l.paid, f.paid, clause)?;
            l.owed = add(l.owed, f.paid, clause)?;
        }
        for (day, a) in t.true_ups.iter().filter(|(d, _)| inside(*d)) {
            let l = line(&mut lines, scope.by, *day, anchor);
            l.true_ups = add(l.true_ups, *a, clause)?;
            l.owed = add(l.owed, *a, clause)?;
        }
        entries.push(Entry {
            clause: clause.to_string(),
            kind: "revenue_share",
            payer: t.plan.payer.clone(),
            payee: t.plan.payee.clone(),
            currency: t.currency.or(t.plan.cap_currency()),
            lines: lines.into_values().collect(),
        });
    }
    // Fixed payments, on the days they fall due up to the last day (`--until`, else the last
    // day of the ledgers read: their horizon).
    let horizon = scope.until.or(report.last_day);
    let rules = engine.rules();
    for (i, c) in rules.clauses.iter().enumerate() {
        let Body::Payment {
            payer,
            payee,
            amount,
            ..
        } = &c.terms.body
        else {
            continue;
        };
        if !scope.wants(&c.qualified) {
            continue;
        }
        let Ok(id) = crate::model::ClauseId::try_from(i) else {
            continue;
        };
        let anchor = engine
            .consolidated()
            .lives
            .get(c.agreement as usize)
            .map_or(NaiveDate::MIN, |l| l.start.day);
        let currency = engine.env().money(*amount).map(|(m, _)| m.currency);
        let mut lines: BTreeMap<NaiveDate, Line> = BTreeMap::new();
        for (day, money) in engine.payment_days(id) {
            if !inside(day) || horizon.is_none_or(|h| day > h) {
                continue;
            }
            let (start, label) = period_of(scope.by, day, anchor);
            let l = lines.entry(start).or_insert_with(|| Line {
                period: label,
                from: Some(start),
                ..Line::default()
            });
            l.payments = add(l.payments, money, &c.qualified)?;
            l.owed = add(l.owed, money, &c.qualified)?;
        }
        entries.push(Entry {
            clause: c.qualified.clone(),
            kind: "payment",
            payer: rules.party(*payer).to_string(),
            payee: rules.party(*payee).to_string(),
            currency,
            lines: lines.into_values().collect(),
        });
    }
    entries.sort_by(|a, b| (&a.payer, &a.payee, &a.clause).cmp(&(&b.payer, &b.payee, &b.clause)));
    let mut totals: BTreeMap<String, Decimal> = BTreeMap::new();
    for e in &entries {
        let Some(c) = e.currency else {
            continue;
        };
        for l in &e.lines {
            let t = totals.entry(c.code().to_string()).or_default();
            *t = add(*t, l.owed, &e.clause)?;
        }
    }
    Ok(Statement {
        rows_read: report.rows_read,
        rows_skipped: report.rows_skipped,
        entries,
        totals,
    })
}

fn money(currency: Option<Currency>, d: Decimal) -> String {
    crate::money::grouped(currency.unwrap_or(Currency::USD), d)
}

fn plain(currency: Option<Currency>, d: Decimal) -> String {
    crate::money::plain(currency.unwrap_or(Currency::USD), d)
}

impl Statement {
    /// The statement for people: a table per clause, aligned, with thousands separators.
    pub fn text(&self) -> String {
        let mut out = format!(
            "{} rows read, {} skipped\n",
            self.rows_read, self.rows_skipped
        );
        for e in &self.entries {
            let code = e
                .currency
                .map_or("no rows yet".to_string(), |c| c.code().to_string());
            let _ = writeln!(
                out,
                "\n{} → {}: {} ({}, {code})",
                e.payer,
                e.payee,
                e.clause,
                e.kind.replace('_', " ")
            );
            let c = e.currency;
            let (head, rows): (Vec<&str>, Vec<Vec<String>>) = match e.kind {
                "commitment" => (
                    vec!["period", "committed", "counted", "shortfall", "owed"],
                    e.lines
                        .iter()
                        .map(|l| {
                            vec![
                                l.period.clone(),
                                l.committed.map_or(String::new(), |x| money(c, x)),
                                money(c, l.counted),
                                l.shortfall.map_or("(running)".into(), |x| money(c, x)),
                                money(c, l.owed),
                            ]
                        })
                        .collect(),
                ),
                "payment" => (
                    vec!["period", "payments"],
                    e.lines
                        .iter()
                        .map(|l| vec![l.period.clone(), money(c, l.payments)])
                        .collect(),
                ),
                _ => (
                    vec![
                        "period", "revenue", "earned", "recouped", "capped", "paid", "true-ups",
                        "owed",
                    ],
                    e.lines
                        .iter()
                        .map(|l| {
                            vec![
                                l.period.clone(),
                                money(c, l.counted),
                                money(c, l.earned),
                                money(c, l.recouped),
                                money(c, l.capped),
                                money(c, l.paid),
                                money(c, l.true_ups),
                                money(c, l.owed),
                            ]
                        })
                        .collect(),
                ),
            };
            if rows.is_empty() {
                out.push_str("  nothing in these days\n");
                continue;
            }
            let mut all = vec![head.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
            all.extend(rows);
            let widths: Vec<usize> = (0..head.len())
                .map(|i| {
                    all.iter()
                        .filter_map(|r| r.get(i))
                        .map(|s| s.chars().count())
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            for r in &all {
                let mut line = String::from(" ");
                for (i, cell) in r.iter().enumerate() {
                    let w = widths.get(i).copied().unwrap_or(0);
                    if i == 0 {
                        let _ = write!(line, " {cell:<w$}");
                    } else {
                        let _ = write!(line, "  {cell:>w$}");
                    }
                }
                out.push_str(line.trim_end());
                out.push('\n');
            }
        }
        if !self.totals.is_empty() {
            out.push_str("\nfalling due in all:\n");
            for (code, t) in &self.totals {
                let c = Currency::from_code(code);
                let _ = writeln!(out, "  {code} {}", money(c, *t));
            }
        }
        out
    }

    /// The statement for programs.
    pub fn json(&self) -> Value {
        let entries: Vec<Value> = self
            .entries
            .iter()
            .map(|e| {
                let c = e.currency;
                let lines: Vec<Value> = e
                    .lines
                    .iter()
                    .map(|l| {
                        json!({
                            "period": l.period,
                            "from": l.from.map(crate::time::iso),
                            "counted": plain(c, l.counted),
                            "earned": plain(c, l.earned),
                            "recouped": plain(c, l.recouped),
                            "capped": plain(c, l.capped),
                            "paid": plain(c, l.paid),
                            "true_ups": plain(c, l.true_ups),
                            "payments": plain(c, l.payments),
                            "committed": l.committed.map(|x| plain(c, x)),
                            "shortfall": l.shortfall.map(|x| plain(c, x)),
                            "owed": plain(c, l.owed),
                        })
                    })
                    .collect();
                json!({
                    "clause": e.clause,
                    "kind": e.kind,
                    "payer": e.payer,
                    "payee": e.payee,
                    "currency": c.map(|c| c.code().to_string()),
                    "periods": lines,
                })
            })
            .collect();
        let totals: serde_json::Map<String, Value> = self
            .totals
            .iter()
            .map(|(code, t)| {
                (
                    code.clone(),
                    Value::String(plain(Currency::from_code(code), *t)),
                )
            })
            .collect();
        json!({
            "rows_read": self.rows_read,
            "rows_skipped": self.rows_skipped,
            "entries": entries,
            "owed_in_all": totals,
            "schema": crate::answer::SCHEMA,
        })
    }

    /// The statement for spreadsheets: one row per clause and period.
    pub fn csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record([
            "payer",
            "payee",
            "clause",
            "kind",
            "currency",
            "period",
            "counted",
            "earned",
            "recouped",
            "capped",
            "paid",
            "true_ups",
            "payments",
            "committed",
            "shortfall",
            "owed",
        ]);
        for e in &self.entries {
            let c = e.currency;
            let code = c.map_or(String::new(), |c| c.code().to_string());
            for l in &e.lines {
                let _ = w.write_record([
                    e.payer.as_str(),
                    &e.payee,
                    &e.clause,
                    e.kind,
                    &code,
                    &l.period,
                    &plain(c, l.counted),
                    &plain(c, l.earned),
                    &plain(c, l.recouped),
                    &plain(c, l.capped),
                    &plain(c, l.paid),
                    &plain(c, l.true_ups),
                    &plain(c, l.payments),
                    &l.committed.map_or(String::new(), |x| plain(c, x)),
                    &l.shortfall.map_or(String::new(), |x| plain(c, x)),
                    &plain(c, l.owed),
                ]);
            }
        }
        w.into_inner()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }
}
