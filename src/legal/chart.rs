//! A timeline picture of a rule set, as SVG: one row per clause with its consolidated stretches,
//! coloured by kind; amendments as dashed lines at their effective days; recorded events as
//! marks; years along the axis. Written as plain SVG text (deterministic, byte for byte).

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};

use crate::consolidate::Consolidated;
use crate::model::{ClauseKind, RuleSet};
use crate::time::iso;

const WIDTH: f64 = 1280.0;
const LABEL: f64 = 430.0;
const RIGHT: f64 = 40.0;
const ROW: f64 = 46.0;
const TOP: f64 = 120.0;

fn colour(kind: ClauseKind) -> &'static str {
    match kind {
        ClauseKind::Exclusivity => "#4e79a7",
        ClauseKind::Licence => "#59a14f",
        ClauseKind::FirstLaunch => "#f28e2b",
        ClauseKind::RevenueShare => "#b07aa1",
        ClauseKind::Rule => "#e15759",
        ClauseKind::FirstOffer => "#76b7b2",
        ClauseKind::Payment => "#9c755f",
        ClauseKind::Commitment => "#bab0ac",
    }
}

fn kind_name(kind: ClauseKind) -> &'static str {
    match kind {
        ClauseKind::Exclusivity => "exclusivity",
        ClauseKind::Licence => "licence",
        ClauseKind::FirstLaunch => "first launch",
        ClauseKind::RevenueShare => "revenue share",
        ClauseKind::Rule => "rule",
        ClauseKind::FirstOffer => "first offer",
        ClauseKind::Payment => "payment",
        ClauseKind::Commitment => "commitment",
    }
}

/// Breaks a title into at most `lines` lines of about `width` characters, at spaces; what does
/// not fit ends in an ellipsis.
fn wrap(text: &str, width: usize, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push(line);
    }
    if out.len() > lines {
        let rest = out.split_off(lines - 1).join(" ");
        out.push(clip(&rest, width));
    }
    out
}

fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// Text as XML holds it: markup characters as entities, and characters XML 1.0 forbids
/// (controls, U+FFFE, U+FFFF) and other invisible ones written out as `\u{…}`, so that a title
/// with a stray control character still makes a valid SVG.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\u{fffe}' | '\u{ffff}' => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c if crate::diag::invisible(c) => {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// The years the picture spans: from the first dated thing to a few years past the last.
fn span(rules: &RuleSet, cons: &Consolidated) -> (i32, i32) {
    let mut days: Vec<NaiveDate> = Vec::new();
    for v in &cons.versions {
        days.extend(v.in_force.start.as_ref().map(|b| b.day));
        days.extend(v.in_force.end.as_ref().map(|b| b.day));
    }
    days.extend(rules.records.iter().map(|r| r.day));
    // Only days of the language's calendar: a bound that stands for "never" is not drawn.
    days.retain(|d| (0..=9999).contains(&d.year()));
    let first = days.iter().min().map_or(2020, |d| d.year());
    let last = days.iter().max().map_or(2030, |d| d.year());
    (first, (last + 2).min(10_000))
}

/// Draws the consolidated rule set.
pub fn svg(rules: &RuleSet, cons: &Consolidated, env: &crate::consolidate::Env) -> String {
    let (y0, y1) = span(rules, cons);
    // Never an end before the start, whatever the days.
    let start = NaiveDate::from_ymd_opt(y0, 1, 1).unwrap_or(NaiveDate::MIN);
    let end = NaiveDate::from_ymd_opt(y1, 1, 1)
        .unwrap_or(NaiveDate::MAX)
        .max(start);
    // Each agreement whose life the rules write (0.2: effective day, term, renewals, rights to
    // terminate) gets a row of its own above its clauses; a 0.1 agreement, in force from its
    // signing for ever, needs none.
    let mut rows: Vec<Row> = Vec::new();
    for (a, agreement) in (0..).zip(&rules.agreements) {
        let l = &agreement.life;
        let written = l.effective.is_some()
            || l.term.is_some()
            || l.renews.is_some()
            || !l.terminable.is_empty();
        if written && cons.lives.get(a as usize).is_some_and(|x| x.known) {
            rows.push(Row::Life(a));
        }
        for c in &agreement.clauses {
            if let Some(cl) = rules.clause(*c) {
                if cons.versions.iter().any(|v| v.clause == *c) {
                    rows.push(Row::Clause(*c as usize, cl));
                }
            }
        }
    }
    let clauses = rows.iter().filter(|r| matches!(r, Row::Clause(..))).count();
    let chart = Chart {
        rules,
        cons,
        env,
        start,
        end,
        total: (end - start).num_days().max(1) as f64,
        events_y: TOP + ROW * rows.len() as f64 + 30.0,
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="HEIGHT" viewBox="0 0 {WIDTH} HEIGHT" font-family="Helvetica, Arial, sans-serif">"#
    );
    let _ = writeln!(s, r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
    chart.heading(&mut s, clauses);
    chart.legend(&mut s, rows.iter().any(|r| matches!(r, Row::Life(_))));
    chart.grid(&mut s, y0, y1);
    for (row, r) in rows.iter().enumerate() {
        match r {
            Row::Life(a) => chart.life_row(&mut s, row, *a),
            Row::Clause(id, clause) => chart.clause_row(&mut s, row, *id, clause),
        }
    }
    chart.amendments(&mut s);
    let lines = chart.events(&mut s);
    let height = chart.events_y + 60.0 + 15.0 * lines as f64;
    s = s.replacen("HEIGHT", &format!("{height:.0}"), 2);
    s.push_str("</svg>\n");
    s
}

/// A row of the chart: an agreement's life, or a clause.
enum Row<'a> {
    Life(crate::model::AgreementId),
    Clause(usize, &'a crate::model::Clause),
}

/// The colour of an agreement's own life (its term and renewals).
const LIFE: &str = "#7f7f7f";

/// One drawing: the rules, the scale from days to x, and where the events start.
struct Chart<'a> {
    rules: &'a RuleSet,
    cons: &'a Consolidated,
    env: &'a crate::consolidate::Env,
    start: NaiveDate,
    end: NaiveDate,
    total: f64,
    events_y: f64,
}

impl Chart<'_> {
    /// A day's x position, days outside the drawn years at its edges.
    fn x(&self, d: NaiveDate) -> f64 {
        let clamped = d.clamp(self.start, self.end);
        LABEL + (WIDTH - LABEL - RIGHT) * ((clamped - self.start).num_days() as f64 / self.total)
    }

    fn known(&self, day: NaiveDate) -> bool {
        crate::consolidate::known(day, self.cons.as_of)
    }

    /// The title: what is drawn, counted.
    fn heading(&self, s: &mut String, clauses: usize) {
        let rules = self.rules;
        let _ = writeln!(
            s,
            r##"<text x="20" y="32" font-size="20" font-weight="bold" fill="#222">Clauses in force, as amended ({}, {}, {})</text>"##,
            count(
                rules
                    .agreements
                    .iter()
                    .filter(|a| self.known(self.env.day(a.signed).day))
                    .count(),
                "agreement"
            ),
            count(
                rules
                    .amendments
                    .iter()
                    .filter(|a| self.known(self.env.day(a.signed).day))
                    .count(),
                "amendment"
            ),
            count(clauses, "clause")
        );
    }

    /// The colour of each kind of clause.
    fn legend(&self, s: &mut String, lives: bool) {
        let mut lx = 20.0;
        for kind in [
            ClauseKind::Exclusivity,
            ClauseKind::Licence,
            ClauseKind::FirstLaunch,
            ClauseKind::RevenueShare,
            ClauseKind::Rule,
            ClauseKind::FirstOffer,
            ClauseKind::Payment,
            ClauseKind::Commitment,
        ] {
            // The kinds of 0.1 always; those of 0.2 only where the rules have one.
            let present = self.rules.clauses.iter().any(|c| c.kind() == kind);
            if matches!(
                kind,
                ClauseKind::FirstOffer | ClauseKind::Payment | ClauseKind::Commitment
            ) && !present
            {
                continue;
            }
            let _ = writeln!(
                s,
                r##"<rect x="{lx}" y="48" width="14" height="14" fill="{}"/><text x="{}" y="60" font-size="13" fill="#333">{}</text>"##,
                colour(kind),
                lx + 20.0,
                kind_name(kind)
            );
            lx += 30.0 + 8.0 * kind_name(kind).len() as f64;
        }
        if lives {
            let _ = writeln!(
                s,
                r##"<rect x="{lx}" y="48" width="14" height="14" fill="{LIFE}"/><text x="{}" y="60" font-size="13" fill="#333">agreement term and renewals</text>"##,
                lx + 20.0
            );
        }
    }

    /// A line and a label at each new year.
    fn grid(&self, s: &mut String, y0: i32, y1: i32) {
        for year in y0..=y1 {
            let Some(d) = NaiveDate::from_ymd_opt(year, 1, 1) else {
                continue;
            };
            let gx = self.x(d);
            let _ = writeln!(
                s,
                r##"<line x1="{gx:.1}" y1="{}" x2="{gx:.1}" y2="{:.0}" stroke="#e6e6e6"/><text x="{gx:.1}" y="{}" font-size="12" text-anchor="middle" fill="#555">{year}</text>"##,
                TOP - 16.0,
                self.events_y + 10.0,
                TOP - 22.0
            );
        }
    }

    /// One clause: its name and title, and a bar for each version in force.
    fn clause_row(&self, s: &mut String, row: usize, id: usize, clause: &crate::model::Clause) {
        let top = TOP + ROW * row as f64;
        if row.is_multiple_of(2) {
            let _ = writeln!(
                s,
                r##"<rect x="10" y="{top:.0}" width="{:.0}" height="{ROW}" fill="#f7f7f7"/>"##,
                WIDTH - 20.0
            );
        }
        let title = clause.title.as_deref().unwrap_or("");
        let _ = writeln!(
            s,
            r##"<text x="20" y="{:.0}" font-size="13" font-weight="bold" fill="#222">{}</text>"##,
            top + 15.0,
            escape(&clause.qualified)
        );
        for (i, line) in wrap(title, 64, 2).iter().enumerate() {
            let _ = writeln!(
                s,
                r##"<text x="20" y="{:.0}" font-size="11" fill="#666">{}</text>"##,
                top + 29.0 + 12.0 * i as f64,
                escape(line)
            );
        }
        let versions = self
            .cons
            .versions
            .iter()
            .filter(|v| v.clause as usize == id && !v.in_force.is_empty());
        // A payment (0.2) is owed on days, not over them: a faint line while it is in force and
        // a mark on each day it falls due.
        if clause.kind() == ClauseKind::Payment {
            for v in versions {
                let from = v.in_force.start.as_ref().map_or(self.start, |b| b.day);
                let until = v.in_force.end.as_ref().map_or(self.end, |b| b.day);
                let (bx, ex) = (self.x(from), self.x(until));
                let _ = writeln!(
                    s,
                    r##"<line x1="{bx:.1}" y1="{y:.0}" x2="{ex:.1}" y2="{y:.0}" stroke="{c}" stroke-opacity="0.35" stroke-width="2"/>"##,
                    y = top + 17.0,
                    c = colour(clause.kind())
                );
                for day in crate::consolidate::due_days(self.rules, self.cons, self.env, v) {
                    let dx = self.x(day.day);
                    let _ = writeln!(
                        s,
                        r##"<path d="M {dx:.1} {:.0} l 7 8 l -7 8 l -7 -8 z" fill="{}"><title>{} due on {}</title></path>"##,
                        top + 9.0,
                        colour(clause.kind()),
                        escape(&clause.qualified),
                        iso(day.day)
                    );
                }
            }
            return;
        }
        for (i, v) in versions.enumerate() {
            let from = v.in_force.start.as_ref().map_or(self.start, |b| b.day);
            let until = v.in_force.end.as_ref().map_or(self.end, |b| b.day);
            let (bx, ex) = (self.x(from), self.x(until));
            let _ = writeln!(
                s,
                r##"<rect x="{bx:.1}" y="{:.0}" width="{:.1}" height="18" rx="3" fill="{}" fill-opacity="{}"><title>{} {}</title></rect>"##,
                top + 8.0,
                (ex - bx).max(2.0),
                colour(clause.kind()),
                if i == 0 { "0.95" } else { "0.7" },
                escape(&clause.qualified),
                escape(&crate::eval::explain_terms(
                    self.rules,
                    self.env,
                    &v.terms.body
                ))
            );
            if v.in_force.end.is_none() {
                let _ = writeln!(
                    s,
                    r##"<path d="M {:.1} {:.0} l 8 9 l -8 9 z" fill="{}"/>"##,
                    ex,
                    top + 8.0,
                    colour(clause.kind())
                );
            }
            let amendment = v
                .last_amendment
                .and_then(|a| self.rules.amendments.get(a as usize));
            let label = match (i, amendment) {
                (0, _) => format!("from {}", iso(from)),
                (_, Some(a)) => format!("as amended by {}", a.name.id),
                _ => String::new(),
            };
            if ex - bx > 7.0 * label.len() as f64 {
                let _ = writeln!(
                    s,
                    r##"<text x="{:.1}" y="{:.0}" font-size="11" fill="#ffffff">{}</text>"##,
                    bx + 5.0,
                    top + 21.0,
                    escape(&label)
                );
            }
        }
    }

    /// An agreement's life: its initial term and each renewal as bars, a folded run of
    /// renewals as an open bar, and its end (a notice, a termination, the term) as a mark.
    fn life_row(&self, s: &mut String, row: usize, a: crate::model::AgreementId) {
        use crate::consolidate::life::Step;
        let (Some(agreement), Some(life)) = (
            self.rules.agreements.get(a as usize),
            self.cons.lives.get(a as usize),
        ) else {
            return;
        };
        let top = TOP + ROW * row as f64;
        let _ = writeln!(
            s,
            r##"<rect x="10" y="{top:.0}" width="{:.0}" height="{ROW}" fill="#eeeeee"/>"##,
            WIDTH - 20.0
        );
        let _ = writeln!(
            s,
            r##"<text x="20" y="{:.0}" font-size="13" font-weight="bold" fill="#222">agreement {}</text>"##,
            top + 15.0,
            escape(&agreement.name.id)
        );
        if let Some(title) = &agreement.name.title {
            let _ = writeln!(
                s,
                r##"<text x="20" y="{:.0}" font-size="11" fill="#666">{}</text>"##,
                top + 29.0,
                escape(&clip(title, 64))
            );
        }
        let end = life.end.as_ref().map(|b| b.day);
        // The stretches: from the start to the first renewal, then renewal to renewal.
        let mut cuts: Vec<(NaiveDate, String)> =
            vec![(life.start.day, format!("from {}", iso(life.start.day)))];
        let mut open_from: Option<(NaiveDate, String)> = None;
        for step in &life.steps {
            match step {
                Step::Renewed { on, number, .. } => cuts.push((*on, format!("renewal {number}"))),
                Step::Amended { on, by } => {
                    let name = self
                        .rules
                        .amendments
                        .get(*by as usize)
                        .map_or("?", |x| x.name.id.as_str());
                    cuts.push((*on, format!("as amended by {name}")));
                }
                Step::RenewsOn { from, every, .. } => {
                    open_from = Some((*from, format!("renews every {every}")));
                }
                _ => {}
            }
        }
        let last = open_from.as_ref().map(|(d, _)| *d).or(end);
        for (i, (from, label)) in cuts.iter().enumerate() {
            let until = cuts.get(i + 1).map(|(d, _)| *d).or(last);
            let (bx, ex) = (self.x(*from), self.x(until.unwrap_or(self.end)));
            let _ = writeln!(
                s,
                r##"<rect x="{bx:.1}" y="{:.0}" width="{:.1}" height="18" rx="3" fill="{LIFE}" fill-opacity="{}"><title>agreement {} {label}</title></rect>"##,
                top + 8.0,
                (ex - bx).max(2.0),
                if i % 2 == 0 { "0.9" } else { "0.6" },
                escape(&agreement.name.id)
            );
            if ex - bx > 7.0 * label.len() as f64 {
                let _ = writeln!(
                    s,
                    r##"<text x="{:.1}" y="{:.0}" font-size="11" fill="#ffffff">{}</text>"##,
                    bx + 5.0,
                    top + 21.0,
                    escape(label)
                );
            }
        }
        if let Some((from, label)) = &open_from {
            let (bx, ex) = (self.x(*from), self.x(self.end));
            let _ = writeln!(
                s,
                r##"<rect x="{bx:.1}" y="{:.0}" width="{:.1}" height="18" rx="3" fill="{LIFE}" fill-opacity="0.35"><title>agreement {} {label}</title></rect><path d="M {ex:.1} {:.0} l 8 9 l -8 9 z" fill="{LIFE}"/>"##,
                top + 8.0,
                (ex - bx).max(2.0),
                escape(&agreement.name.id),
                top + 8.0
            );
        } else if end.is_none() {
            let ex = self.x(self.end);
            let _ = writeln!(
                s,
                r##"<path d="M {ex:.1} {:.0} l 8 9 l -8 9 z" fill="{LIFE}"/>"##,
                top + 8.0
            );
        }
        if let Some(e) = end {
            let why = match life.steps.last() {
                Some(Step::Declined { .. }) => "ended by notice",
                Some(Step::Terminated { .. }) => "terminated",
                _ => "term ended",
            };
            let ex = self.x(e);
            let _ = writeln!(
                s,
                r##"<line x1="{ex:.1}" y1="{:.0}" x2="{ex:.1}" y2="{:.0}" stroke="#c0392b" stroke-width="2"/><text x="{:.1}" y="{:.0}" font-size="11" fill="#c0392b">{why} {}</text>"##,
                top + 4.0,
                top + 30.0,
                ex + 4.0,
                top + 40.0,
                iso(e)
            );
        }
    }

    /// A dashed line at each amendment known at the knowledge time, on its effective day (a
    /// conditional one only once its happening is known).
    fn amendments(&self, s: &mut String) {
        let mut shown: Vec<(NaiveDate, &crate::model::Amendment)> = self
            .rules
            .amendments
            .iter()
            .filter(|a| self.known(self.env.day(a.signed).day))
            .filter_map(|a| {
                crate::consolidate::amendment_effective(a, self.env, &self.cons.event_days)
                    .map(|b| (b.day, a))
            })
            .collect();
        shown.sort_by_key(|(d, a)| (*d, a.span));
        // A label that would run into the one before it goes at the foot of the line.
        let mut free_from = f64::MIN;
        for (day, a) in shown {
            let ax = self.x(day);
            let label = format!("{} ({})", a.name.id, iso(day));
            let at_top = ax >= free_from;
            let ly = if at_top {
                TOP - 6.0
            } else {
                self.events_y - 2.0
            };
            if at_top {
                free_from = ax + 7.0 * label.len() as f64;
            }
            let _ = writeln!(
                s,
                r##"<line x1="{ax:.1}" y1="{}" x2="{ax:.1}" y2="{:.0}" stroke="#333" stroke-dasharray="5,4"/><text x="{:.1}" y="{ly:.0}" font-size="12" fill="#333">{}</text>"##,
                TOP - 8.0,
                self.events_y - 10.0,
                ax + 4.0,
                escape(&label)
            );
        }
    }

    /// The recorded events under the clauses, labels stacked on as few lines as fit; returns
    /// how many lines the labels took.
    fn events(&self, s: &mut String) -> usize {
        let events_y = self.events_y;
        let _ = writeln!(
            s,
            r##"<text x="20" y="{:.0}" font-size="13" font-weight="bold" fill="#222">recorded events</text><line x1="{LABEL}" y1="{:.0}" x2="{:.0}" y2="{:.0}" stroke="#999"/>"##,
            events_y + 30.0,
            events_y + 26.0,
            WIDTH - RIGHT,
            events_y + 26.0
        );
        let mut records: Vec<_> = self
            .rules
            .records
            .iter()
            .filter(|r| self.known(r.day))
            .collect();
        records.sort_by_key(|r| (r.day, r.span));
        // Each label goes on the first line whose last label ends before it starts.
        let mut line_ends: Vec<f64> = Vec::new();
        for r in &records {
            let ex = self.x(r.day);
            let what = self.rules.happening_text(&r.happening);
            let text = format!("{} {}", iso(r.day), what);
            let width = 6.8 * text.chars().count() as f64;
            let line = match line_ends.iter().position(|end| *end < ex) {
                Some(i) => i,
                None => {
                    line_ends.push(f64::MIN);
                    line_ends.len() - 1
                }
            };
            if let Some(end) = line_ends.get_mut(line) {
                *end = ex + 3.0 + width;
            }
            let ly = events_y + 46.0 + 15.0 * line as f64;
            // A label that would run off the right edge ends at its mark instead.
            let (tx, anchor) = if ex + 3.0 + width > WIDTH - 10.0 {
                (ex - 3.0, "end")
            } else {
                (ex + 3.0, "start")
            };
            let _ = writeln!(
                s,
                r##"<path d="M {ex:.1} {:.0} l 5 5 l -5 5 l -5 -5 z" fill="#333"/><line x1="{ex:.1}" y1="{:.0}" x2="{ex:.1}" y2="{:.0}" stroke="#bbb"/><text x="{tx:.1}" y="{ly:.0}" font-size="11" text-anchor="{anchor}" fill="#333">{}</text>"##,
                events_y + 21.0,
                events_y + 31.0,
                ly - 10.0,
                escape(&text)
            );
        }
        line_ends.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_keeps_the_svg_valid() {
        assert_eq!(
            escape("a\u{1}b<c>&\"\u{ffff}\u{200b}"),
            "a\\u{1}b&lt;c&gt;&amp;&quot;\\u{ffff}\\u{200b}"
        );
    }
}
