//! Revenue shares over ledgers: exact, capped, in one pass with memory bounded by days, not rows.
//!
//! Each row is read against each `revenue_share` clause as consolidated on the row's date: its
//! share is `amount × rate`, exactly. Under a cap the total owed is `min(cap, max(0, S))`, S the
//! running sum of the shares the cap counts, and each row pays the change it makes to that total.
//! That change telescopes: what a run of rows pays is `clamp(S_after) − clamp(S_before)`, whatever
//! their order within the run. So rows are never sorted or buffered: shares the cap counts are
//! summed per day (with the highest running sum within the day, in file order, to find the day
//! the cap is first reached) and the days are walked in order at the end. Uncapped shares are
//! plain sums. Memory grows with the number of distinct days, not rows, and an unsorted ledger
//! costs the same as a sorted one.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use iso_currency::Currency;
use rust_decimal::Decimal;

use super::ledger::{LedgerError, Row};
use crate::consolidate::Deps;
use crate::eval::Engine;
use crate::model::{Body, ClauseId, RevenueShare};

/// One consolidated stretch of a revenue share.
#[derive(Clone, Debug)]
struct Stretch {
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
    /// The rate as a fraction (`0.2` for 20%).
    rate: Decimal,
    streams: Vec<String>,
    /// The cap and the first day it counts.
    cap: Option<(Decimal, NaiveDate)>,
    /// Tiers (0.2): each bound with the rate (a fraction) above it.
    tiers: Vec<(Decimal, Decimal)>,
    /// The period within which tiers count revenue (`None`: the clause's whole life).
    tiers_per: Option<crate::vocab::Period>,
    /// The advance earned shares recoup before anything is paid (0.2).
    recoup: Option<Decimal>,
    /// A cap on what is paid within each period (0.2).
    period_cap: Option<(Decimal, crate::vocab::Period)>,
    /// The least paid within each period (0.2): a true-up owes the difference.
    minimum: Option<(Decimal, crate::vocab::Period)>,
}

/// A revenue-share clause ready for rows.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The clause's index in the rules.
    pub clause: ClauseId,
    /// `agreement.clause`.
    pub qualified: String,
    /// Who pays.
    pub payer: String,
    /// Who is paid.
    pub payee: String,
    /// Whose revenue is counted.
    pub earner: String,
    stretches: Vec<Stretch>,
    /// The cap's currency, when some stretch is capped.
    cap_currency: Option<Currency>,
    /// The latest cap written, for reports.
    pub cap: Option<Decimal>,
    /// The earliest counting day of any cap: rows from then on go through the day walk.
    first_cap_day: Option<NaiveDate>,
    /// Distinct counting days.
    cap_days: Vec<NaiveDate>,
    /// Assumptions behind the rates, caps and windows.
    pub deps: Deps,
    /// Whether some stretch has tiers or a recoupment (0.2): then every row is summed by day
    /// as revenue, and shares are earned, recouped and capped in a walk of the days.
    pipeline: bool,
    /// The agreement's effective day, from which contract years run.
    anchor: NaiveDate,
    /// The last day whose periods have ended for minimums and commitments (0.2): the day asked
    /// about, else the latest day of the ledgers read (set by [`crate::finance::run`]).
    pub horizon: Option<NaiveDate>,
    /// For a commitment (0.2), read as the spender's rows at 100%: what was committed.
    pub commitment: Option<Commitment>,
    /// Keep each day's figures (for statements): rows are then summed by day as revenue and
    /// walked in order, whatever the clause's terms.
    pub record: bool,
}

/// What one day's rows came to under a clause, at each step of the pipeline (0.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// Revenue counted.
    pub revenue: Decimal,
    /// Shares earned (rate or tiers).
    pub earned: Decimal,
    /// Left after recoupment.
    pub after_recoup: Decimal,
    /// Left after the cap per period.
    pub after_period_cap: Decimal,
    /// Paid, after the total cap too.
    pub paid: Decimal,
}

impl Plan {
    /// The agreement's effective day, from which contract years run.
    pub fn anchor(&self) -> NaiveDate {
        self.anchor
    }

    /// The currency the clause's own terms fix (its cap, or a money term of 0.2), if any.
    pub fn cap_currency(&self) -> Option<Currency> {
        self.cap_currency
    }

    /// Reads every row by day and keeps each day's figures (for statements).
    pub fn recording(mut self) -> Plan {
        self.record = true;
        self.pipeline = true;
        self
    }
}

/// A commitment's terms (0.2).
#[derive(Clone, Copy, Debug)]
pub struct Commitment {
    /// The sum committed (per period, with `per`).
    pub amount: Decimal,
    /// Its currency.
    pub currency: Currency,
    /// Counted per period, else over the window.
    pub per: Option<crate::vocab::Period>,
    /// A shortfall is owed to the other party.
    pub payable: bool,
}

/// Where a commitment stands for one period (or its whole window) (0.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommitmentPeriod {
    /// The first day in force of the period.
    pub from: NaiveDate,
    /// The last day in force of the period.
    pub last: NaiveDate,
    /// What the spender's rows of the period count.
    pub counted: Decimal,
    /// What is left to spend (never below zero).
    pub remaining: Decimal,
    /// Whether the period has ended on or before the horizon: then `remaining` is the shortfall.
    pub ended: bool,
}

/// Sums for one year.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Year {
    /// Revenue counted.
    pub base: Decimal,
    /// The share of it at the rate in force, before any cap.
    pub share: Decimal,
    /// What is owed after the cap.
    pub paid: Decimal,
}

/// Shares of one day that a cap may count, in file order.
#[derive(Clone, Copy, Debug)]
struct Day {
    sum: Decimal,
    /// The highest running sum within the day.
    peak: Decimal,
    stretch: usize,
}

/// What one clause owes over the rows read so far.
#[derive(Clone, Debug)]
pub struct Tally {
    /// The revenue share.
    pub plan: Plan,
    /// The currency of its rows (`None`: no row counted).
    pub currency: Option<Currency>,
    /// Rows counted.
    pub rows: u64,
    /// Revenue counted.
    pub base: Decimal,
    /// The share of it at the rate in force, before any cap.
    pub share: Decimal,
    /// What is owed after the cap.
    pub paid: Decimal,
    /// The day the cap was last reached, if it was.
    pub cap_reached_on: Option<NaiveDate>,
    /// The same figures by calendar year.
    pub years: BTreeMap<i32, Year>,
    days: BTreeMap<NaiveDate, Day>,
    /// Per-period caps reached (0.2): the period and the day, in order.
    pub period_caps_reached: Vec<(String, NaiveDate)>,
    /// For each day of a clause with a per-period cap (0.2): what the day's period had paid
    /// before the cap, before the day and after it.
    period_paid: BTreeMap<NaiveDate, (Decimal, Decimal)>,
    /// True-ups (0.2): the last day in force of each period paid below its minimum, and what
    /// it owes; counted in no cap.
    pub true_ups: Vec<(NaiveDate, Decimal)>,
    /// Each day's figures, when the plan records them (statements).
    pub figures: BTreeMap<NaiveDate, Figures>,
    /// The most digits before the point, and after it, of any amount or running sum counted:
    /// when together they near the 28 digits a decimal holds, sums of two parts of a file read
    /// apart could overflow where a read in file order does not (or the other way), so the
    /// file is read again in order ([`Tally::near_limit`]).
    pub digits: (u32, u32),
    /// After [`Tally::finish`]: the running sum S of each cap's count.
    cap_sums: Vec<(NaiveDate, Decimal)>,
}

/// Why a sum could not be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FinanceError {
    /// A row could not be read or used.
    #[error(transparent)]
    Row(#[from] LedgerError),
    /// A sum beyond 28 significant digits.
    #[error("decimal overflow while summing `{clause}`: the totals exceed what 28 significant digits hold")]
    Overflow {
        /// The revenue share whose sum overflowed.
        clause: String,
    },
    /// The thread reading the second half of a large file panicked: a defect, reported as
    /// one rather than hidden by reading the half again.
    #[error("the thread reading the second half of `{file}` stopped unexpectedly; this is a defect in covenant, and nothing was summed")]
    Worker {
        /// The ledger being read.
        file: String,
    },
}

/// The plans of every commitment (0.2): the spender's rows in the streams, at 100%, counted by
/// day.
pub fn commitment_plans(engine: &Engine) -> Vec<Plan> {
    let rules = engine.rules();
    let env = engine.env();
    let cons = engine.consolidated();
    let mut out = Vec::new();
    for (id, clause) in (0..).zip(&rules.clauses) {
        let Body::Commitment {
            spender,
            with,
            amount,
            streams,
            per,
            payable,
        } = &clause.terms.body
        else {
            continue;
        };
        let Some((money, deps)) = env.money(*amount) else {
            continue;
        };
        let mut plan = Plan {
            clause: id,
            qualified: clause.qualified.clone(),
            payer: rules.party(*spender).to_string(),
            payee: rules.party(*with).to_string(),
            earner: rules.party(*spender).to_string(),
            stretches: Vec::new(),
            cap_currency: Some(money.currency),
            cap: None,
            first_cap_day: None,
            cap_days: Vec::new(),
            deps,
            pipeline: true,
            horizon: None,
            record: false,
            commitment: Some(Commitment {
                amount: money.amount,
                currency: money.currency,
                per: *per,
                payable: *payable,
            }),
            anchor: cons
                .lives
                .get(clause.agreement as usize)
                .map_or(NaiveDate::MIN, |l| l.start.day),
        };
        for v in cons.of(id).filter(|v| !v.in_force.is_empty()) {
            plan.deps.add(&v.in_force.all_deps());
            plan.stretches.push(Stretch {
                from: v.in_force.start.as_ref().map(|b| b.day),
                until: v.in_force.end.as_ref().map(|b| b.day),
                rate: Decimal::ONE,
                streams: streams.to_vec(),
                cap: None,
                tiers: Vec::new(),
                tiers_per: None,
                recoup: None,
                period_cap: None,
                minimum: None,
            });
        }
        out.push(plan);
    }
    out
}

/// The plans of every revenue share in an engine's rules (or only those named).
pub fn plans(engine: &Engine) -> Vec<Plan> {
    let rules = engine.rules();
    let env = engine.env();
    let cons = engine.consolidated();
    let mut out = Vec::new();
    for (id, clause) in (0..).zip(&rules.clauses) {
        let Body::RevenueShare(share) = &clause.terms.body else {
            continue;
        };
        let RevenueShare {
            payer,
            payee,
            earner,
            ..
        } = &**share;
        let mut plan = Plan {
            clause: id,
            qualified: clause.qualified.clone(),
            payer: rules.party(*payer).to_string(),
            payee: rules.party(*payee).to_string(),
            earner: rules.party(*earner).to_string(),
            stretches: Vec::new(),
            cap_currency: None,
            cap: None,
            first_cap_day: None,
            cap_days: Vec::new(),
            deps: Deps::none(),
            pipeline: false,
            horizon: None,
            commitment: None,
            record: false,
            anchor: cons
                .lives
                .get(clause.agreement as usize)
                .map_or(NaiveDate::MIN, |l| l.start.day),
        };
        for v in cons.of(id).filter(|v| !v.in_force.is_empty()) {
            let (Body::RevenueShare(share), Some(terms)) = (&v.terms.body, v.share_terms(env))
            else {
                continue;
            };
            let RevenueShare {
                streams,
                tiers,
                tiers_per,
                recoup,
                period_cap,
                minimum,
                ..
            } = &**share;
            let mut steps = Vec::with_capacity(tiers.len());
            for (bound, rate) in tiers {
                let (p, d) = env.percent(*rate);
                plan.deps.add(&d);
                if let Some((m, d)) = env.money(*bound) {
                    plan.deps.add(&d);
                    steps.push((m.amount, p / Decimal::ONE_HUNDRED));
                }
            }
            let recoup = recoup.and_then(|r| env.money(r)).map(|(m, d)| {
                plan.deps.add(&d);
                m.amount
            });
            let per_money =
                |x: &Option<(crate::model::Val<crate::money::Money>, crate::vocab::Period)>| {
                    x.and_then(|(v, p)| env.money(v).map(|(m, _)| (m.amount, p)))
                };
            // The clause's currency, when its 0.2 money terms fix it (and no cap did).
            if plan.cap_currency.is_none() {
                plan.cap_currency = period_cap
                    .and_then(|(v, _)| env.money(v))
                    .or_else(|| minimum.and_then(|(v, _)| env.money(v)))
                    .or_else(|| tiers.first().and_then(|(v, _)| env.money(*v)))
                    .map(|(m, _)| m.currency);
            }
            let period_cap = per_money(period_cap);
            let minimum = per_money(minimum);
            plan.pipeline |=
                !steps.is_empty() || recoup.is_some() || period_cap.is_some() || minimum.is_some();
            plan.deps.add(&terms.deps);
            plan.deps.add(&v.in_force.all_deps());
            if let Some((money, from)) = terms.cap {
                plan.cap_currency = Some(money.currency);
                plan.cap = Some(money.amount);
                plan.cap_days.push(from);
                plan.first_cap_day = Some(plan.first_cap_day.map_or(from, |d| d.min(from)));
            }
            plan.stretches.push(Stretch {
                from: v.in_force.start.as_ref().map(|b| b.day),
                until: v.in_force.end.as_ref().map(|b| b.day),
                rate: terms.percent / Decimal::ONE_HUNDRED,
                streams: streams.clone(),
                cap: terms.cap.map(|(m, from)| (m.amount, from)),
                tiers: steps,
                tiers_per: *tiers_per,
                recoup,
                period_cap,
                minimum,
            });
        }
        plan.cap_days.sort();
        plan.cap_days.dedup();
        out.push(plan);
    }
    out
}

impl Plan {
    fn stretch_at(&self, day: NaiveDate) -> Option<(usize, &Stretch)> {
        let i = self
            .stretches
            .partition_point(|s| s.from.is_none_or(|f| f <= day));
        let i = i.checked_sub(1)?;
        let s = self.stretches.get(i)?;
        s.until.is_none_or(|u| day < u).then_some((i, s))
    }
}

impl Tally {
    /// An empty tally for a revenue share.
    pub fn new(plan: Plan) -> Tally {
        Tally {
            currency: plan.cap_currency,
            plan,
            rows: 0,
            base: Decimal::ZERO,
            share: Decimal::ZERO,
            paid: Decimal::ZERO,
            cap_reached_on: None,
            years: BTreeMap::new(),
            days: BTreeMap::new(),
            period_caps_reached: Vec::new(),
            period_paid: BTreeMap::new(),
            true_ups: Vec::new(),
            figures: BTreeMap::new(),
            digits: (0, 0),
            cap_sums: Vec::new(),
        }
    }

    /// An error at a row: its file and line, and what is wrong.
    fn at_row(&self, file: &str, row: &Row<'_>, message: String) -> FinanceError {
        FinanceError::Row(LedgerError {
            file: file.to_string(),
            line: row.line,
            message,
        })
    }

    /// The sums cannot take a row: they would need more digits than a decimal holds.
    fn sums_too_long(&self, file: &str, row: &Row<'_>) -> FinanceError {
        self.at_row(
            file,
            row,
            format!(
                "the sums of `{}` exceed what 28 significant digits hold exactly",
                self.plan.qualified
            ),
        )
    }

    fn overflow(&self) -> FinanceError {
        FinanceError::Overflow {
            clause: self.plan.qualified.clone(),
        }
    }

    /// The stretch that counts a row, if this clause counts it at all.
    fn counts(&self, row: &Row<'_>) -> Option<usize> {
        if row.party != self.plan.earner {
            return None;
        }
        let (index, stretch) = self.plan.stretch_at(row.date)?;
        let stream_ok =
            stretch.streams.is_empty() || stretch.streams.iter().any(|s| s == row.stream);
        stream_ok.then_some(index)
    }

    /// A row this clause would count in another currency than its own: the error to report.
    pub fn mismatch(&self, file: &str, row: &Row<'_>) -> Option<LedgerError> {
        let c = self.currency?;
        (c != row.currency && self.counts(row).is_some()).then(|| LedgerError {
            file: file.to_string(),
            line: row.line,
            message: format!(
                "currency `{}`, but `{}` counts in `{}`: currencies never mix",
                row.currency.code(),
                self.plan.qualified,
                c.code()
            ),
        })
    }

    /// Counts one row, if this clause counts it. `file` names the ledger for errors.
    pub fn add(&mut self, file: &str, row: &Row<'_>) -> Result<(), FinanceError> {
        let Some(index) = self.counts(row) else {
            return Ok(());
        };
        if let Some(e) = self.mismatch(file, row) {
            return Err(e.into());
        }
        let Some(stretch) = self.plan.stretches.get(index) else {
            return Ok(());
        };
        if self.currency.is_none() {
            self.currency = Some(row.currency);
        }
        if self.plan.pipeline {
            return self.add_revenue(file, row, index);
        }
        let share = crate::money::exact_mul(row.amount, stretch.rate).ok_or_else(|| {
            self.at_row(
                file,
                row,
                format!(
                    "{} × {} (the rate of `{}`) needs more than 28 significant digits: it cannot be held exactly",
                    row.amount, stretch.rate, self.plan.qualified
                ),
            )
        })?;
        let counted_by_cap = self.plan.first_cap_day.is_some_and(|f| row.date >= f);
        self.rows += 1;
        let add = crate::money::exact_add;
        let sums = (|| {
            self.base = add(self.base, row.amount)?;
            self.share = add(self.share, share)?;
            let year = self.years.entry(row.date.year()).or_default();
            year.base = add(year.base, row.amount)?;
            year.share = add(year.share, share)?;
            if counted_by_cap {
                let day = self.days.entry(row.date).or_insert(Day {
                    sum: Decimal::ZERO,
                    peak: share,
                    stretch: index,
                });
                day.sum = add(day.sum, share)?;
                day.peak = higher(day.peak, day.sum);
            } else {
                year.paid = add(year.paid, share)?;
                self.paid = add(self.paid, share)?;
            }
            for x in [row.amount, share, self.base, self.share, self.paid] {
                widen(&mut self.digits, x);
            }
            Some(())
        })();
        sums.ok_or_else(|| self.sums_too_long(file, row))
    }

    /// A row of a clause with tiers or a recoupment (0.2): its revenue summed by day, the shares
    /// earned in the walk of the days ([`Tally::finish`]).
    fn add_revenue(&mut self, file: &str, row: &Row<'_>, index: usize) -> Result<(), FinanceError> {
        self.rows += 1;
        let add = crate::money::exact_add;
        let sums = (|| {
            self.base = add(self.base, row.amount)?;
            let year = self.years.entry(row.date.year()).or_default();
            year.base = add(year.base, row.amount)?;
            let day = self.days.entry(row.date).or_insert(Day {
                sum: Decimal::ZERO,
                peak: row.amount,
                stretch: index,
            });
            day.sum = add(day.sum, row.amount)?;
            day.peak = higher(day.peak, day.sum);
            for x in [row.amount, self.base, day.sum] {
                widen(&mut self.digits, x);
            }
            Some(())
        })();
        sums.ok_or_else(|| self.sums_too_long(file, row))
    }

    /// For a clause with tiers or a recoupment (0.2): the days' revenue turned into what each
    /// day pays before caps. Tiers apply marginally to the running revenue of the period (or of
    /// the clause's life), continued below zero at the first rate, so a refund walks back down
    /// the tiers it climbed; the running sum of earned shares first recoups the advance, and a
    /// refund re-opens it. Each day keeps its highest point within the day, mapped the same
    /// way, for the day a cap is reached.
    fn earn(&mut self) -> Result<(), FinanceError> {
        let overflow = self.overflow();
        let ov = || overflow.clone();
        let add = |a: Decimal, b: Decimal| crate::money::exact_add(a, b).ok_or_else(ov);
        let mut running = Decimal::ZERO;
        let mut period: Option<(i32, u32)> = None;
        let mut earned_total = Decimal::ZERO;
        let mut cap_period: Option<(i32, u32)> = None;
        let mut in_period = Decimal::ZERO;
        let mut seen: Vec<(NaiveDate, Decimal)> = Vec::new();
        let days = std::mem::take(&mut self.days);
        for (date, day) in days {
            let Some(stretch) = self.plan.stretches.get(day.stretch) else {
                continue;
            };
            let key = period_key(stretch.tiers_per, date, self.plan.anchor);
            if period != Some(key) {
                // A new period, or (after an amendment) another way of counting periods: the
                // running revenue is the period's revenue so far, under the terms now in force.
                period = Some(key);
                running = Decimal::ZERO;
                for (d, r) in &seen {
                    if period_key(stretch.tiers_per, *d, self.plan.anchor) == key {
                        running = add(running, *r)?;
                    }
                }
            }
            seen.push((date, day.sum));
            let f = |s: Decimal| tiered(stretch.rate, &stretch.tiers, s).ok_or_else(ov);
            let before = f(running)?;
            let after_revenue = add(running, day.sum)?;
            let earned = f(after_revenue)?.checked_sub(before).ok_or_else(ov)?;
            let peak_earned = f(add(running, day.peak)?)?
                .checked_sub(before)
                .ok_or_else(ov)?;
            running = after_revenue;
            let advance = stretch.recoup.unwrap_or(Decimal::ZERO);
            let owed = |e: Decimal| e.checked_sub(advance).map(|x| x.max(Decimal::ZERO));
            let paid_before = owed(earned_total).ok_or_else(ov)?;
            let peak_total = add(earned_total, peak_earned)?;
            earned_total = add(earned_total, earned)?;
            let pays = owed(earned_total)
                .ok_or_else(ov)?
                .checked_sub(paid_before)
                .ok_or_else(ov)?;
            let mut peak = owed(peak_total)
                .ok_or_else(ov)?
                .checked_sub(paid_before)
                .ok_or_else(ov)?;
            let after_recoup = pays;
            let mut pays = pays;
            // A cap per period (0.2): 0.1's rule within each period.
            if let Some((cap, per)) = stretch.period_cap {
                let key = period_key(Some(per), date, self.plan.anchor);
                if cap_period != Some(key) {
                    cap_period = Some(key);
                    in_period = Decimal::ZERO;
                }
                let before = clamp(in_period, cap);
                let top = add(in_period, peak)?;
                if in_period < cap && top >= cap {
                    self.period_caps_reached
                        .push((period_label(per, date, self.plan.anchor), date));
                }
                let was = in_period;
                in_period = add(in_period, pays)?;
                self.period_paid.insert(date, (was, in_period));
                pays = clamp(in_period, cap).checked_sub(before).ok_or_else(ov)?;
                peak = clamp(top, cap).checked_sub(before).ok_or_else(ov)?;
            }
            self.share = add(self.share, earned)?;
            let year = self.years.entry(date.year()).or_default();
            year.share = add(year.share, earned)?;
            if self.plan.record {
                self.figures.insert(
                    date,
                    Figures {
                        revenue: day.sum,
                        earned,
                        after_recoup,
                        after_period_cap: pays,
                        paid: Decimal::ZERO,
                    },
                );
            }
            self.days.insert(
                date,
                Day {
                    sum: pays,
                    peak: peak.max(pays),
                    stretch: day.stretch,
                },
            );
        }
        Ok(())
    }

    /// Folds another tally of the same clause, read from rows that come after this one's in file
    /// order (for reading parts of a ledger in parallel).
    pub fn merge(&mut self, other: Tally) -> Result<(), FinanceError> {
        let overflow = self.overflow();
        match (self.currency, other.currency) {
            (Some(a), Some(b)) if a != b => {
                return Err(FinanceError::Row(LedgerError {
                    file: String::new(),
                    line: 0,
                    message: format!(
                        "`{}` counts rows in both `{}` and `{}`: currencies never mix",
                        self.plan.qualified,
                        a.code(),
                        b.code()
                    ),
                }))
            }
            (None, b) => self.currency = b,
            _ => {}
        }
        let add =
            |a: Decimal, b: Decimal| crate::money::exact_add(a, b).ok_or_else(|| overflow.clone());
        self.rows += other.rows;
        self.digits = (
            self.digits.0.max(other.digits.0),
            self.digits.1.max(other.digits.1),
        );
        self.base = add(self.base, other.base)?;
        self.share = add(self.share, other.share)?;
        self.paid = add(self.paid, other.paid)?;
        for (y, o) in other.years {
            let e = self.years.entry(y).or_default();
            e.base = add(e.base, o.base)?;
            e.share = add(e.share, o.share)?;
            e.paid = add(e.paid, o.paid)?;
        }
        for (d, o) in other.days {
            match self.days.get_mut(&d) {
                Some(e) => {
                    let peak = add(e.sum, o.peak)?;
                    e.sum = add(e.sum, o.sum)?;
                    e.peak = e.peak.max(peak);
                }
                None => {
                    self.days.insert(d, o);
                }
            }
        }
        Ok(())
    }

    /// Walks the capped days in order: what each pays, and when the cap is first reached.
    pub fn finish(mut self) -> Result<Tally, FinanceError> {
        if self.plan.pipeline {
            self.earn()?;
        }
        let overflow = self.overflow();
        let ov = || overflow.clone();
        // The running sum S of a cap counting from day F, before a day D, is the total of all
        // capped days before D less the total before F: one running total and, for each
        // counting day, the total when the walk reached it (so the walk is linear in the days
        // and counting days, however many caps an agreement's amendments wrote).
        let mut total = Decimal::ZERO;
        let mut base: BTreeMap<NaiveDate, Decimal> = BTreeMap::new();
        let mut next_cap = 0usize;
        // The first day each cap (amount and counting day) was reached; the report gives the
        // day for the cap written last, so that a lowered cap is not dated by the old one.
        let mut reached: BTreeMap<(Decimal, NaiveDate), NaiveDate> = BTreeMap::new();
        let days = std::mem::take(&mut self.days);
        let floors = self.plan.stretches.iter().any(|s| s.minimum.is_some());
        let mut paid_by_day: Vec<(NaiveDate, Decimal)> = Vec::new();
        for (date, day) in &days {
            while let Some(&from) = self.plan.cap_days.get(next_cap).filter(|f| **f <= *date) {
                base.insert(from, total);
                next_cap += 1;
            }
            let stretch = self.plan.stretches.get(day.stretch);
            let cap = stretch.and_then(|s| s.cap).filter(|(_, from)| date >= from);
            let paid = match cap {
                Some((cap, from)) => {
                    let start = base.get(&from).copied().unwrap_or(total);
                    let before = total.checked_sub(start).ok_or_else(ov)?;
                    let after = crate::money::exact_add(before, day.sum).ok_or_else(ov)?;
                    let peak = crate::money::exact_add(before, day.peak).ok_or_else(ov)?;
                    if peak >= cap {
                        reached.entry((cap, from)).or_insert(*date);
                    }
                    clamp(after, cap)
                        .checked_sub(clamp(before, cap))
                        .ok_or_else(ov)?
                }
                None => day.sum,
            };
            total = crate::money::exact_add(total, day.sum).ok_or_else(ov)?;
            if floors {
                paid_by_day.push((*date, paid));
            }
            if let Some(f) = self.figures.get_mut(date) {
                f.paid = paid;
            }
            self.paid = crate::money::exact_add(self.paid, paid).ok_or_else(ov)?;
            let year = self.years.entry(date.year()).or_default();
            year.paid = crate::money::exact_add(year.paid, paid).ok_or_else(ov)?;
        }
        let mut sums = Vec::with_capacity(self.plan.cap_days.len());
        for from in &self.plan.cap_days {
            let start = base.get(from).copied().unwrap_or(total);
            sums.push((*from, total.checked_sub(start).ok_or_else(ov)?));
        }
        self.days = days;
        self.cap_sums = sums;
        let last = self.plan.stretches.iter().rev().find_map(|s| s.cap);
        self.cap_reached_on = last.and_then(|key| reached.get(&key).copied());
        if floors {
            self.true_ups = self.floors(&paid_by_day)?;
        }
        Ok(self)
    }

    /// True-ups (0.2): for each period of a minimum that ended (its last day in force) on or
    /// before the horizon, the minimum (prorated by days in force over days in the period when
    /// the clause's days cut it short, exactly) less what the period paid after recoupment and
    /// caps (never below zero), when positive, owed on that last day in force.
    fn floors(
        &self,
        paid: &[(NaiveDate, Decimal)],
    ) -> Result<Vec<(NaiveDate, Decimal)>, FinanceError> {
        let overflow = self.overflow();
        let ov = || overflow.clone();
        let horizon = self.plan.horizon.or_else(|| paid.last().map(|(d, _)| *d));
        let Some(horizon) = horizon else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for s in &self.plan.stretches {
            let (Some((minimum, per)), Some(from)) = (s.minimum, s.from) else {
                continue;
            };
            let until = s.until;
            let mut start = period_start(per, from, self.plan.anchor);
            while let Some(next) = next_period(per, start, self.plan.anchor) {
                let first = start.max(from);
                let end = until.map_or(next, |u| u.min(next));
                if end <= first {
                    break;
                }
                let last_day = end.pred_opt().ok_or_else(ov)?;
                if last_day > horizon {
                    break;
                }
                let in_force = (end - first).num_days();
                let length = (next - start).num_days();
                // Prorated exactly, then held to ten places (half to even), so that sums with it
                // stay within the 28 digits a decimal holds.
                let due = if in_force == length {
                    minimum
                } else {
                    minimum
                        .checked_mul(Decimal::from(in_force))
                        .and_then(|x| x.checked_div(Decimal::from(length)))
                        .ok_or_else(ov)?
                        .round_dp_with_strategy(
                            10,
                            rust_decimal::RoundingStrategy::MidpointNearestEven,
                        )
                };
                let mut paid_in = Decimal::ZERO;
                for (_, p) in paid.iter().filter(|(d, _)| *d >= first && *d < end) {
                    paid_in = crate::money::exact_add(paid_in, *p).ok_or_else(ov)?;
                }
                let short = due.checked_sub(paid_in.max(Decimal::ZERO)).ok_or_else(ov)?;
                if short > Decimal::ZERO {
                    out.push((last_day, short));
                }
                if until.is_some_and(|u| next >= u) {
                    break;
                }
                start = next;
            }
        }
        Ok(out)
    }

    /// A commitment's periods (0.2), each with what was counted and what is left, up to the
    /// horizon (the day asked about, or the last day counted): those that ended, and the one
    /// running then. Empty for a revenue share.
    pub fn commitment_periods(&self) -> Vec<CommitmentPeriod> {
        let Some(c) = self.plan.commitment else {
            return Vec::new();
        };
        let horizon = self
            .plan
            .horizon
            .or_else(|| self.days.keys().next_back().copied());
        let (Some(from), Some(horizon)) =
            (self.plan.stretches.first().and_then(|s| s.from), horizon)
        else {
            return Vec::new();
        };
        let until = self.plan.stretches.last().and_then(|s| s.until);
        let mut out = Vec::new();
        let mut start = match c.per {
            Some(per) => period_start(per, from, self.plan.anchor),
            None => from,
        };
        loop {
            let next = match c.per {
                Some(per) => next_period(per, start, self.plan.anchor),
                None => None,
            };
            let first = start.max(from);
            let end = match (next, until) {
                (Some(n), Some(u)) => Some(n.min(u)),
                (n, u) => n.or(u),
            };
            if end.is_some_and(|e| e <= first) || first > horizon {
                break;
            }
            let counted = self
                .days
                .range(first..end.unwrap_or(NaiveDate::MAX))
                .filter(|(d, _)| **d <= horizon)
                .try_fold(Decimal::ZERO, |s, (_, day)| {
                    crate::money::exact_add(s, day.sum)
                });
            let Some(counted) = counted else {
                break;
            };
            let last = end.and_then(|e| e.pred_opt()).unwrap_or(NaiveDate::MAX);
            out.push(CommitmentPeriod {
                from: first,
                last,
                counted,
                remaining: c
                    .amount
                    .checked_sub(counted)
                    .unwrap_or(Decimal::ZERO)
                    .max(Decimal::ZERO),
                ended: last <= horizon,
            });
            match next {
                Some(n) if until.is_none_or(|u| n < u) && n <= horizon => start = n,
                _ => break,
            }
        }
        out
    }

    /// The last day a row was counted (kept by day: statements, and clauses of 0.2's terms).
    pub fn last_day(&self) -> Option<NaiveDate> {
        self.days.keys().next_back().copied()
    }

    /// Whether some stretch caps what each period pays (0.2).
    pub fn has_period_cap(&self) -> bool {
        self.plan.stretches.iter().any(|s| s.period_cap.is_some())
    }

    /// Whether some stretch sets a minimum per period (0.2).
    pub fn has_minimum(&self) -> bool {
        self.plan.stretches.iter().any(|s| s.minimum.is_some())
    }

    /// Before `day`, what its period had paid (before the period's cap) and the cap: the cap
    /// per period in force that day (0.2).
    pub fn period_cap_before(&self, day: NaiveDate) -> Option<(Decimal, Decimal)> {
        let (_, stretch) = self.plan.stretch_at(day)?;
        let (cap, per) = stretch.period_cap?;
        let key = period_key(Some(per), day, self.plan.anchor);
        let sum = self
            .period_paid
            .range(..day)
            .next_back()
            .filter(|(d, _)| period_key(Some(per), **d, self.plan.anchor) == key)
            .map_or(Decimal::ZERO, |(_, (_, after))| *after);
        Some((sum, cap))
    }

    /// The cap in force on a day and what remains under it after the rows counted (a finished
    /// tally of rows up to that day).
    pub fn remaining_at(&self, day: NaiveDate) -> Option<(Decimal, Decimal)> {
        let (cap, from) = self.plan.stretch_at(day)?.1.cap?;
        let s = self
            .cap_sums
            .iter()
            .find(|(f, _)| *f == from)
            .map_or(Decimal::ZERO, |(_, s)| *s);
        Some((cap, cap - clamp(s, cap)))
    }
}

/// Where a capped share stands on a day, from the rows counted before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapBefore {
    /// The cap in force on the day.
    pub cap: Decimal,
    /// The running sum the cap counts, over the rows dated before the day.
    pub sum: Decimal,
    /// The last day, up to and including this one, on which the running sum rose to the cap
    /// from below.
    pub reached_on: Option<NaiveDate>,
}

impl CapBefore {
    /// Nothing is left under the cap for the day's own revenue.
    pub fn exhausted(&self) -> bool {
        self.sum >= self.cap
    }
}

impl Tally {
    /// The cap in force on `day` and the running sum it counts from rows dated before the day
    /// (a finished tally). `None` when no cap is in force that day.
    pub fn cap_before(&self, day: NaiveDate) -> Result<Option<CapBefore>, FinanceError> {
        let Some((cap, from)) = self.plan.stretch_at(day).and_then(|(_, s)| s.cap) else {
            return Ok(None);
        };
        let mut sum = Decimal::ZERO;
        let mut reached_on = None;
        let mut sum_before = Decimal::ZERO;
        for (date, d) in self.days.range(from..=day) {
            let peak = crate::money::exact_add(sum, d.peak).ok_or_else(|| self.overflow())?;
            if sum < cap && peak >= cap {
                reached_on = Some(*date);
            }
            if *date < day {
                sum = crate::money::exact_add(sum, d.sum).ok_or_else(|| self.overflow())?;
                sum_before = sum;
            }
        }
        let sum = sum_before;
        Ok(Some(CapBefore {
            cap,
            sum,
            reached_on,
        }))
    }
}

/// A period's key (0.2): the year, quarter, month or contract year a day falls in; one key
/// for all days when tiers count over the clause's life.
fn period_key(per: Option<crate::vocab::Period>, day: NaiveDate, anchor: NaiveDate) -> (i32, u32) {
    use crate::vocab::Period;
    match per {
        None => (0, 0),
        Some(Period::Year) => (day.year(), 0),
        Some(Period::Quarter) => (day.year(), (day.month() - 1) / 3),
        Some(Period::Month) => (day.year(), day.month()),
        Some(Period::ContractYear) => {
            // The last anniversary on or before the day (a day before the anchor is year 0).
            let mut n = (day.year() - anchor.year()).max(0);
            while n > 0 {
                let start = u32::try_from(n)
                    .ok()
                    .and_then(|k| k.checked_mul(12))
                    .and_then(|m| anchor.checked_add_months(chrono::Months::new(m)));
                if start.is_some_and(|s| s <= day) {
                    break;
                }
                n -= 1;
            }
            (n, 0)
        }
    }
}

/// The share earned on a running revenue `s` under tiers: `rate` up to the first bound, each
/// next rate above its bound; below zero, the first rate. `None` beyond 28 digits.
fn tiered(rate: Decimal, tiers: &[(Decimal, Decimal)], s: Decimal) -> Option<Decimal> {
    let mut earned = Decimal::ZERO;
    let mut low = Decimal::ZERO;
    let mut r = rate;
    if s <= Decimal::ZERO {
        return crate::money::exact_mul(s, rate);
    }
    for (bound, next) in tiers {
        if s <= *bound {
            break;
        }
        let slice = crate::money::exact_mul(bound.checked_sub(low)?, r)?;
        earned = crate::money::exact_add(earned, slice)?;
        low = *bound;
        r = *next;
    }
    let last = crate::money::exact_mul(s.checked_sub(low)?, r)?;
    crate::money::exact_add(earned, last)
}

/// The first day of the period holding `day` (0.2).
fn period_start(per: crate::vocab::Period, day: NaiveDate, anchor: NaiveDate) -> NaiveDate {
    use crate::vocab::Period;
    let first = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(day);
    match per {
        Period::Year => first(day.year(), 1),
        Period::Quarter => first(day.year(), (day.month() - 1) / 3 * 3 + 1),
        Period::Month => first(day.year(), day.month()),
        Period::ContractYear => {
            let (n, _) = period_key(Some(per), day, anchor);
            u32::try_from(n)
                .ok()
                .and_then(|k| k.checked_mul(12))
                .and_then(|m| anchor.checked_add_months(chrono::Months::new(m)))
                .unwrap_or(anchor)
        }
    }
}

/// The first day of the period after the one starting on `start` (0.2).
fn next_period(
    per: crate::vocab::Period,
    start: NaiveDate,
    anchor: NaiveDate,
) -> Option<NaiveDate> {
    crate::time::period_start_on_or_after(per, anchor, start.succ_opt()?)
}

/// How a period is named in reports: `2026`, `2026-Q2`, `2026-05`, `contract year from
/// 2026-03-01`.
fn period_label(per: crate::vocab::Period, day: NaiveDate, anchor: NaiveDate) -> String {
    use crate::vocab::Period;
    match per {
        Period::Year => format!("{}", day.year()),
        Period::Quarter => format!("{}-Q{}", day.year(), (day.month() - 1) / 3 + 1),
        Period::Month => format!("{}-{:02}", day.year(), day.month()),
        Period::ContractYear => format!(
            "contract year from {}",
            crate::time::iso(period_start(per, day, anchor))
        ),
    }
}

/// Records the digits a value has before and after its point.
fn widen(digits: &mut (u32, u32), x: Decimal) {
    let m = x.mantissa().unsigned_abs();
    let scale = x.scale();
    // Most values, once the sums have grown, have no more digits on either side than seen
    // before: one comparison says so (below 10^(before + scale), at least one digit).
    let within = digits.0 + scale;
    if scale <= digits.1
        && within >= 1
        && POWERS_OF_TEN.get(within as usize).is_some_and(|&p| m < p)
    {
        return;
    }
    let all = m.checked_ilog10().map_or(1, |d| d + 1);
    digits.0 = digits.0.max(all.saturating_sub(scale));
    digits.1 = digits.1.max(scale);
}

/// 10^0 to 10^38.
// Indexing in a constant's evaluation: an index out of range fails the build, not a run.
#[allow(clippy::indexing_slicing)]
const POWERS_OF_TEN: [u128; 39] = {
    let mut p = [1u128; 39];
    let mut i = 1;
    while i < 39 {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

/// What a tally has summed before [`Tally::finish`], apart from its plan: the part of a
/// statement that partitions of a ledger read apart can carry, merge in any order and finish
/// once ([`crate::finance::partial`]). Each day keeps its sum and the stretch that counted it;
/// the order of rows within a day is not kept (no figure of a statement depends on it).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Sums {
    /// The currency code of the rows counted (`None`: no row counted).
    pub currency: Option<String>,
    pub rows: u64,
    pub base: Decimal,
    pub share: Decimal,
    pub paid: Decimal,
    /// By calendar year: revenue, share and paid.
    pub years: BTreeMap<i32, (Decimal, Decimal, Decimal)>,
    /// By day (ISO): the day's sum and the index of the stretch that counted it.
    pub days: BTreeMap<String, (Decimal, usize)>,
    pub digits: (u32, u32),
}

impl Sums {
    /// Adds another part's sums: the same whichever comes first. `clause` names the clause
    /// for errors.
    pub fn merge(&mut self, other: &Sums, clause: &str) -> Result<(), FinanceError> {
        let overflow = || FinanceError::Overflow {
            clause: clause.to_string(),
        };
        let add = |a: Decimal, b: Decimal| crate::money::exact_add(a, b).ok_or_else(overflow);
        match (&self.currency, &other.currency) {
            (Some(a), Some(b)) if a != b => {
                let (a, b) = if a < b { (a, b) } else { (b, a) };
                return Err(FinanceError::Row(LedgerError {
                    file: String::new(),
                    line: 0,
                    message: format!(
                        "`{clause}` counts rows in both `{a}` and `{b}` in different parts of the ledger: currencies never mix"
                    ),
                }));
            }
            (None, Some(b)) => self.currency = Some(b.clone()),
            _ => {}
        }
        self.rows = self.rows.checked_add(other.rows).ok_or_else(overflow)?;
        self.base = add(self.base, other.base)?;
        self.share = add(self.share, other.share)?;
        self.paid = add(self.paid, other.paid)?;
        for (y, o) in &other.years {
            let e = self.years.entry(*y).or_default();
            *e = (add(e.0, o.0)?, add(e.1, o.1)?, add(e.2, o.2)?);
        }
        for (d, o) in &other.days {
            match self.days.get_mut(d) {
                // One day is counted by one stretch, whichever part read it.
                Some(e) if e.1 == o.1 => e.0 = add(e.0, o.0)?,
                Some(_) => {
                    return Err(FinanceError::Row(LedgerError {
                        file: String::new(),
                        line: 0,
                        message: format!(
                            "`{clause}`: two parts count {d} under different terms; they were not made by the same rules"
                        ),
                    }))
                }
                None => {
                    self.days.insert(d.clone(), *o);
                }
            }
        }
        self.digits = (
            self.digits.0.max(other.digits.0),
            self.digits.1.max(other.digits.1),
        );
        Ok(())
    }
}

impl Tally {
    /// What this tally has summed so far (before [`Tally::finish`]).
    pub(crate) fn sums(&self) -> Sums {
        Sums {
            currency: self.currency.map(|c| c.code().to_string()),
            rows: self.rows,
            base: self.base,
            share: self.share,
            paid: self.paid,
            years: self
                .years
                .iter()
                .map(|(y, v)| (*y, (v.base, v.share, v.paid)))
                .collect(),
            days: self
                .days
                .iter()
                .map(|(d, v)| (crate::time::iso(*d), (v.sum, v.stretch)))
                .collect(),
            digits: self.digits,
        }
    }

    /// A tally of this plan holding sums read elsewhere, ready for [`Tally::finish`]. Sums that
    /// this plan could not have made (an unknown currency, a day not a day, a stretch it does
    /// not have) are refused.
    pub(crate) fn from_sums(plan: Plan, sums: Sums) -> Result<Tally, String> {
        let mut t = Tally::new(plan);
        if let Some(code) = &sums.currency {
            let c =
                Currency::from_code(code).ok_or_else(|| format!("unknown currency `{code}`"))?;
            if t.currency.is_some_and(|own| own != c) {
                return Err(format!(
                    "`{}` counts in `{}`, not `{code}`",
                    t.plan.qualified,
                    t.currency.map_or("", |c| c.code())
                ));
            }
            t.currency = Some(c);
        }
        t.rows = sums.rows;
        t.base = sums.base;
        t.share = sums.share;
        t.paid = sums.paid;
        t.digits = sums.digits;
        for (y, (base, share, paid)) in sums.years {
            t.years.insert(y, Year { base, share, paid });
        }
        for (d, (sum, stretch)) in sums.days {
            let date = crate::time::parse_day(&d).ok_or_else(|| format!("`{d}` is not a day"))?;
            // Only a day this plan counts, under the terms in force that day, can have a sum.
            if t.plan.stretch_at(date).map(|(i, _)| i) != Some(stretch) {
                return Err(format!(
                    "`{}` counts no rows on {d} under terms {stretch}",
                    t.plan.qualified
                ));
            }
            t.days.insert(
                date,
                Day {
                    sum,
                    peak: sum,
                    stretch,
                },
            );
        }
        Ok(t)
    }
}

impl Plan {
    /// A stable description of what this plan counts and how (its stretches, days and terms):
    /// partial statements made under other terms are not merged or finished together.
    pub(crate) fn fingerprint(&self) -> String {
        let p = self;
        format!(
            "{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{}|{}|{:?}",
            p.qualified,
            p.stretches,
            p.cap_currency,
            p.first_cap_day,
            p.cap_days,
            p.anchor,
            p.commitment,
            p.pipeline,
            p.record,
            p.earner
        )
    }
}

impl Tally {
    /// Whether the values counted have so many digits, before and after the point together,
    /// that a sum of two of them (or of a part's total and another part's running sum) might
    /// not be held exactly: 27 or more of the 28 a decimal holds.
    pub fn near_limit(parts: &[&Tally]) -> bool {
        let int = parts.iter().map(|t| t.digits.0).max().unwrap_or(0);
        let frac = parts.iter().map(|t| t.digits.1).max().unwrap_or(0);
        int + frac >= 27
    }
}

#[cfg(test)]
mod digit_tests {
    use rust_decimal::Decimal;

    /// The quick test of `widen` agrees with counting the digits every time.
    #[test]
    fn widening_skips_only_what_counting_would_not_change() {
        let slow = |d: &mut (u32, u32), x: Decimal| {
            let m = x.mantissa().unsigned_abs();
            let all = m.checked_ilog10().map_or(1, |d| d + 1);
            d.0 = d.0.max(all.saturating_sub(x.scale()));
            d.1 = d.1.max(x.scale());
        };
        let values = [
            Decimal::ZERO,
            Decimal::new(0, 3),
            Decimal::new(9, 0),
            Decimal::new(10, 0),
            Decimal::new(-99, 1),
            Decimal::new(100, 1),
            Decimal::new(12345, 2),
            Decimal::new(99999, 2),
            Decimal::new(100000, 2),
            Decimal::new(7, 6),
            Decimal::MAX,
            Decimal::MIN,
            Decimal::from_i128_with_scale(10i128.pow(27), 28),
        ];
        for a in values {
            for b in values {
                for c in values {
                    let (mut fast, mut want) = ((0, 0), (0, 0));
                    for x in [a, b, c] {
                        super::widen(&mut fast, x);
                        slow(&mut want, x);
                    }
                    assert_eq!(fast, want, "{a} {b} {c}");
                }
            }
        }
    }

    #[test]
    fn digits_before_and_after_the_point() {
        let mut d = (0, 0);
        super::widen(&mut d, Decimal::new(-12345, 2));
        assert_eq!(d, (3, 2));
        super::widen(&mut d, Decimal::new(7, 6));
        assert_eq!(d, (3, 6));
        super::widen(&mut d, Decimal::ZERO);
        assert_eq!(d, (3, 6));
    }
}

/// `a.max(b)`, comparing the integers when the two share a scale (a day's running sums nearly
/// always do; then equal sums are written alike, and which is kept makes no difference).
fn higher(a: Decimal, b: Decimal) -> Decimal {
    if a.scale() == b.scale() {
        if b.mantissa() > a.mantissa() {
            b
        } else {
            a
        }
    } else {
        a.max(b)
    }
}

/// `min(cap, max(0, s))`.
fn clamp(s: Decimal, cap: Decimal) -> Decimal {
    s.max(Decimal::ZERO).min(cap)
}

/// The outcome of reading ledgers against revenue shares.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The latest day of a valid row read (the ledgers' horizon).
    pub last_day: Option<NaiveDate>,
    /// Rows read, counted or not.
    pub rows_read: u64,
    /// Invalid rows skipped (only when asked to skip them).
    pub rows_skipped: u64,
    /// The first few skipped rows, with why.
    pub skipped_examples: Vec<LedgerError>,
    /// One tally per revenue share, in the order of the rules.
    pub tallies: Vec<Tally>,
}
