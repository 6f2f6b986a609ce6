//! The formatter: one canonical layout for rule files.
//!
//! Two-space indent, one statement a line, consecutive declarations of one kind kept together,
//! one blank line between groups, agreements, amendments and clauses. Every comment is kept: a
//! comment that stood at the end of a statement's last line stays at the end of that statement's
//! line; a comment between a statement's tokens (one written over several lines) stands on its
//! own line just before the statement; any other stands on its own line before the statement
//! that followed it. No two comments ever share a line, so formatting twice changes nothing. Literals are written back as
//! their author wrote them. Formatting never changes meaning: the tests parse the output back
//! and compare the trees.

use crate::diag::Diagnostic;
use crate::syntax::ast::*;
use crate::syntax::lexer::Comment;
use crate::syntax::parse;

/// Formats a rule file, or returns the syntax errors that prevent it.
pub fn format(text: &str) -> Result<String, Vec<Diagnostic>> {
    let (file, errors) = parse(0, text);
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut w = Writer {
        text,
        comments: file.comments.clone(),
        next_comment: 0,
        lines: Vec::new(),
        last_end: 0,
    };
    let mut prev: Option<&'static str> = None;
    for item in &file.items {
        let group = group(item);
        let block = matches!(group, "agreement" | "amendment");
        if prev.is_some() && (prev != Some(group) || block) {
            w.blank();
        }
        w.item(item);
        prev = Some(if block { "block" } else { group });
    }
    w.comments_before(u32::MAX, "");
    let mut out = w.lines.join("\n");
    out.push('\n');
    Ok(out)
}

fn group(item: &Item) -> &'static str {
    match item {
        Item::Party { .. } => "party",
        Item::Cloud { .. } => "cloud",
        Item::Region { field: false, .. } => "territory",
        Item::Region { field: true, .. } => "field",
        Item::Product { .. } => "product",
        Item::Event { .. } => "event",
        Item::Assume { .. } => "assume",
        Item::Record { .. } => "on",
        Item::Agreement(_) => "agreement",
        Item::Amendment(_) => "amendment",
    }
}

struct Writer<'a> {
    text: &'a str,
    comments: Vec<Comment>,
    next_comment: usize,
    lines: Vec<String>,
    /// Source offset where the last written statement ended.
    last_end: u32,
}

impl Writer<'_> {
    fn blank(&mut self) {
        self.trailing();
        if self.lines.last().is_some_and(|l| !l.is_empty()) {
            self.lines.push(String::new());
        }
    }

    fn same_line(&self, a: u32, b: u32) -> bool {
        let (a, b) = (a.min(b) as usize, a.max(b) as usize);
        self.text
            .get(a..b)
            .is_some_and(|s| !s.contains(['\n', '\r']))
    }

    fn blank_between(&self, a: u32, b: u32) -> bool {
        let (a, b) = (a.min(b) as usize, a.max(b) as usize);
        self.text
            .get(a..b)
            .is_some_and(|s| crate::source::line_starts(s).len() > 2)
    }

    /// Attaches the comments that stand on the last statement's line to it.
    fn trailing(&mut self) {
        while let Some(c) = self.comments.get(self.next_comment) {
            let on_line = self.last_end > 0
                && c.span.start >= self.last_end
                && self.same_line(self.last_end, c.span.start)
                && self.lines.last().is_some_and(|l| !l.trim().is_empty());
            if !on_line {
                break;
            }
            let text = c.text.clone();
            let end = c.span.end;
            self.next_comment += 1;
            if let Some(last) = self.lines.last_mut() {
                last.push_str("  ");
                last.push_str(&text);
            }
            self.last_end = end;
        }
    }

    /// Writes the comments that start before `offset`: at the end of the last line when they
    /// stood on its statement's line, else on lines of their own.
    fn comments_before(&mut self, offset: u32, indent: &str) {
        while let Some(c) = self.comments.get(self.next_comment) {
            if c.span.start >= offset {
                break;
            }
            let c = c.clone();
            self.next_comment += 1;
            let trailing = self.last_end > 0
                && self.same_line(self.last_end, c.span.start)
                && self.lines.last().is_some_and(|l| !l.trim().is_empty());
            if trailing {
                if let Some(last) = self.lines.last_mut() {
                    last.push_str("  ");
                    last.push_str(&c.text);
                }
            } else {
                self.lines.push(format!("{indent}{}", c.text));
                let next = self
                    .comments
                    .get(self.next_comment)
                    .map_or(offset, |n| n.span.start.min(offset));
                if offset != u32::MAX && self.blank_between(c.span.end, next) {
                    self.blank();
                }
            }
            self.last_end = c.span.end;
        }
    }

    /// The end of the last token in `[start, end)`: white space and comments after it belong to
    /// what follows.
    fn content_end(&self, start: u32, end: u32) -> u32 {
        let mut end = end;
        loop {
            let trimmed = self
                .text
                .get(start as usize..end as usize)
                .map_or(0, |s| s.trim_end().len());
            end = start + u32::try_from(trimmed).unwrap_or(0);
            let before = self.comments.partition_point(|c| c.span.start < end);
            match before
                .checked_sub(1)
                .and_then(|i| self.comments.get(i))
                .filter(|c| c.span.start >= start && c.span.end == end)
            {
                Some(c) => end = c.span.start,
                None => return end,
            }
        }
    }

    /// Writes one statement line that covers `[start, end)` of the source.
    fn line(&mut self, indent: &str, start: u32, end: u32, text: String) {
        self.comments_before(start, indent);
        // Comments between the statement's own tokens (it may have spanned several lines):
        // each on a line of its own, before the statement, in order; never two on one line.
        while let Some(c) = self.comments.get(self.next_comment) {
            if c.span.start >= end {
                break;
            }
            let text = format!("{indent}{}", c.text);
            self.next_comment += 1;
            self.lines.push(text);
        }
        self.lines.push(format!("{indent}{text}"));
        self.last_end = end;
    }

    fn item(&mut self, item: &Item) {
        let sp = item.span();
        match item {
            Item::Region {
                field,
                id,
                title,
                within,
                ..
            } => {
                let mut s = format!(
                    "{} {}{}",
                    if *field { "field" } else { "territory" },
                    id.name,
                    opt_text(title)
                );
                if !within.is_empty() {
                    s.push_str(&format!(" within {}", ids(within)));
                }
                self.line("", sp.start, sp.end, s);
            }
            Item::Party {
                id,
                title,
                affiliate_of,
                ..
            } => {
                let of = affiliate_of
                    .as_ref()
                    .map(|o| format!(" affiliate of {}", o.name))
                    .unwrap_or_default();
                self.line(
                    "",
                    sp.start,
                    sp.end,
                    format!("party {}{}{of}", id.name, opt_text(title)),
                )
            }
            Item::Cloud {
                keyword,
                id,
                title,
                operator,
                aliases,
                ..
            } => {
                let mut s = format!("{keyword} {}{}", id.name, opt_text(title));
                if let Some(op) = operator {
                    s.push_str(&format!(" operated by {}", op.name));
                }
                if !aliases.is_empty() {
                    s.push_str(&format!(" alias {}", ids(aliases)));
                }
                self.line("", sp.start, sp.end, s);
            }
            Item::Product {
                id,
                title,
                owner,
                tags,
                ..
            } => {
                let mut s = format!("product {}{} by {}", id.name, opt_text(title), owner.name);
                if !tags.is_empty() {
                    s.push_str(&format!(" tagged {}", ids(tags)));
                }
                self.line("", sp.start, sp.end, s);
            }
            Item::Event {
                id, title, when, ..
            } => {
                let when = match when {
                    None => String::new(),
                    Some(EventWhen::Happens(h)) => format!(" when {}", happening_text(h)),
                    Some(EventWhen::NoneBy(h, by)) => {
                        format!(" when no {} by {}", happening_text(h), value_text(by))
                    }
                };
                self.line(
                    "",
                    sp.start,
                    sp.end,
                    format!("event {}{}{when}", id.name, opt_text(title)),
                )
            }
            Item::Assume {
                id, value, note, ..
            } => self.line(
                "",
                sp.start,
                sp.end,
                format!(
                    "assume {} = {}{}",
                    id.name,
                    value_text(value),
                    opt_text(note)
                ),
            ),
            Item::Record {
                day,
                happening,
                note,
                ..
            } => {
                let what = happening_text(happening);
                self.line(
                    "",
                    sp.start,
                    sp.end,
                    format!("on {}: {what}{}", day.format("%Y-%m-%d"), opt_text(note)),
                );
            }
            Item::Agreement(a) => self.agreement(a),
            Item::Amendment(a) => self.amendment(a),
        }
    }

    fn open(&mut self, indent: &str, start: u32, head_end: u32, text: String) {
        self.line(indent, start, head_end, format!("{text} {{"));
    }

    fn close(&mut self, indent: &str, end: u32) {
        let inner = format!("{indent}  ");
        self.comments_before(end.saturating_sub(1), &inner);
        self.lines.push(format!("{indent}}}"));
        self.last_end = end;
    }

    fn agreement(&mut self, a: &Agreement) {
        let head_end = a.title.as_ref().map_or(a.id.span.end, |t| t.span.end);
        self.open(
            "",
            a.span.start,
            head_end,
            format!("agreement {}{}", a.id.name, opt_text(&a.title)),
        );
        if let (Some(first), Some(last)) = (a.parties.first(), a.parties.last()) {
            let names: Vec<&str> = a.parties.iter().map(|p| p.name.as_str()).collect();
            let list = match names.split_last() {
                Some((last_name, rest)) if !rest.is_empty() => {
                    format!("{} and {last_name}", rest.join(", "))
                }
                _ => names.join(""),
            };
            self.line(
                "  ",
                first.span.start,
                last.span.end,
                format!("between {list}"),
            );
        }
        if let Some(s) = &a.signed {
            self.line(
                "  ",
                s.span().start,
                s.span().end,
                format!("signed {}", value_text(s)),
            );
        }
        self.life(a.life());
        for c in &a.clauses {
            self.blank();
            self.clause("  ", c, None);
        }
        self.close("", a.span.end);
    }

    /// An agreement's life terms (0.2), in the order effective, term, renewal, termination.
    fn life(&mut self, life: &Life) {
        if let Some(e) = &life.effective {
            let span = e.span();
            self.line(
                "  ",
                span.start,
                span.end,
                format!("effective {}", value_text(e)),
            );
        }
        match &life.term {
            Some(Term::Length(v, span)) => {
                self.line(
                    "  ",
                    span.start,
                    span.end,
                    format!("term {}", value_text(v)),
                );
            }
            Some(Term::End(e)) => self.line("  ", e.span.start, e.span.end, end_text(e)),
            None => {}
        }
        if let Some(r) = &life.renews {
            self.line("  ", r.span.start, r.span.end, renewal_text(r));
        }
        for t in &life.terminable {
            let parties: Vec<&str> = t.parties.iter().map(|p| p.name.as_str()).collect();
            let when = match &t.on {
                Some(h) => format!("on {}", happening_text(h)),
                None => "for convenience".to_string(),
            };
            let notice = t
                .notice
                .as_ref()
                .map(|n| format!(" with notice {}", value_text(n)))
                .unwrap_or_default();
            self.line(
                "  ",
                t.span.start,
                t.span.end,
                format!("terminable by {} {when}{notice}", parties.join(", ")),
            );
        }
    }

    fn clause(&mut self, indent: &str, c: &Clause, prefix: Option<&str>) {
        let head_end = c.title.as_ref().map_or(c.id.span.end, |t| t.span.end);
        let head = format!(
            "{}{} {}{}",
            prefix.unwrap_or(""),
            c.kind_word,
            c.id.name,
            opt_text(&c.title)
        );
        self.open(indent, c.span.start, head_end, head);
        let inner = format!("{indent}  ");
        let (beneficiary, sentence) = sentence_text(&c.sentence);
        if let Some((span, b)) = beneficiary {
            self.line(&inner, span.start, span.end, format!("for {b}"));
        }
        let sentence_start = self.last_end.max(head_end);
        let sentence_end = self.content_end(sentence_start, sentence_end(c));
        self.line(&inner, sentence_start, sentence_end, sentence);
        for (span, text) in money_lines(&c.sentence) {
            self.line(&inner, span.start, span.end, text);
        }
        if let Some(f) = &c.from {
            self.line(
                &inner,
                f.span().start,
                f.span().end,
                format!("from {}", value_text(f)),
            );
        }
        if let Some((h, plus)) = c.from_happening.as_deref() {
            let text = match plus {
                Some(p) => format!("from {} + {}", happening_text(h), value_text(p)),
                None => format!("from {}", happening_text(h)),
            };
            let end = plus.as_ref().map_or(happening_end(h), |p| p.span().end);
            self.line(&inner, happening_start(h), end, text);
        }
        if let Some(e) = &c.end {
            self.line(&inner, e.span.start, e.span.end, end_text(e));
        }
        if let Some((places, except, span)) = &c.scope().places {
            let mut text = format!("in {}", ids(places));
            if !except.is_empty() {
                text.push_str(&format!(" except {}", ids(except)));
            }
            self.line(&inner, span.start, span.end, text);
        }
        if let Some((fields, span)) = &c.scope().fields {
            self.line(
                &inner,
                span.start,
                span.end,
                format!("in field {}", ids(fields)),
            );
        }
        if let Some((parties, span)) = &c.scope().done_by {
            self.line(
                &inner,
                span.start,
                span.end,
                format!("done by {}", ids(parties)),
            );
        }
        if let Some(sv) = &c.survives {
            let text = match &sv.duration {
                Some(d) => format!("survives {}", value_text(d)),
                None => "survives".to_string(),
            };
            self.line(&inner, sv.span.start, sv.span.end, text);
        }
        self.close(indent, c.span.end);
    }

    fn amendment(&mut self, a: &Amendment) {
        let head_end = a.target.span.end;
        self.open(
            "",
            a.span.start,
            head_end,
            format!(
                "amendment {}{} amends {}",
                a.id.name,
                opt_text(&a.title),
                a.target.name
            ),
        );
        if let Some(s) = &a.signed {
            self.line(
                "  ",
                s.span().start,
                s.span().end,
                format!("signed {}", value_text(s)),
            );
        }
        if let Some(e) = &a.effective {
            self.line(
                "  ",
                e.span().start,
                e.span().end,
                format!("effective {}", value_text(e)),
            );
        }
        if let Some((h, plus, span)) = &a.effective_on {
            let plus = plus
                .as_ref()
                .map(|d| format!(" + {}", value_text(d)))
                .unwrap_or_default();
            self.line(
                "  ",
                span.start,
                span.end,
                format!("effective on {}{plus}", happening_text(h)),
            );
        }
        if !a.changes.is_empty() {
            self.blank();
        }
        let mut prev_add = false;
        for change in &a.changes {
            let sp = change.span();
            match change {
                Change::End { clause, .. } => {
                    if prev_add {
                        self.blank();
                    }
                    self.line(
                        "  ",
                        sp.start,
                        sp.end,
                        format!("end {}", clause_ref(clause)),
                    );
                    prev_add = false;
                }
                Change::Amend { clause, terms, .. } => {
                    if prev_add {
                        self.blank();
                    }
                    let terms: Vec<String> = terms.iter().map(amend_term).collect();
                    self.line(
                        "  ",
                        sp.start,
                        sp.end,
                        format!("amend {} {{ {} }}", clause_ref(clause), terms.join(" ")),
                    );
                    prev_add = false;
                }
                Change::Strike { event, .. } => {
                    if prev_add {
                        self.blank();
                    }
                    self.line("  ", sp.start, sp.end, format!("strike {}", event.name));
                    prev_add = false;
                }
                Change::Add { clause, .. } => {
                    self.blank();
                    self.clause("  ", clause, Some("add "));
                    prev_add = true;
                }
            }
        }
        self.close("", a.span.end);
    }
}

/// Where a clause's sentence ends: before its first time term, or at the clause's last token.
/// The optional money terms of 0.2 a revenue share writes (a cap per period, the recoupment,
/// the minimum), each on its own line, in the order written.
fn money_lines(s: &Sentence) -> Vec<(crate::source::Span, String)> {
    let Sentence::RevenueShare {
        period_cap,
        recoup,
        minimum,
        ..
    } = s
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(c) = period_cap {
        out.push((c.span, cap_text(c)));
    }
    if let Some(r) = recoup {
        out.push((r.span(), format!("after recouping {}", value_text(r))));
    }
    if let Some(m) = minimum {
        out.push((
            m.2,
            format!("minimum {} per {}", value_text(&m.0), m.1.words()),
        ));
    }
    // In the order written, so that comments stay beside the terms they follow.
    out.sort_by_key(|(span, _)| span.start);
    out
}

fn sentence_end(c: &Clause) -> u32 {
    let mut end = c.span.end.saturating_sub(1);
    for (span, _) in money_lines(&c.sentence) {
        end = end.min(span.start);
    }
    if let Some(f) = &c.from {
        end = end.min(f.span().start);
    }
    if let Some(e) = &c.end {
        end = end.min(e.span.start);
    }
    end
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn opt_text(t: &Option<Text>) -> String {
    t.as_ref()
        .map_or(String::new(), |t| format!(" {}", quote(&t.value)))
}

fn ids(list: &[Ident]) -> String {
    list.iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where a happening's words start and end in the source.
fn happening_start(h: &Happening) -> u32 {
    match h {
        Happening::Event(e) => e.span.start,
        Happening::Act { party, .. } => party.span.start,
    }
}

fn happening_end(h: &Happening) -> u32 {
    match h {
        Happening::Event(e) => e.span.end,
        Happening::Act {
            object,
            to,
            cloud,
            place,
            ..
        } => [Some(object), to.as_ref(), cloud.as_ref(), place.as_ref()]
            .into_iter()
            .flatten()
            .map(|i| i.span.end)
            .max()
            .unwrap_or(object.span.end),
    }
}

/// A happening in the language's words, as a record or a derived event writes it.
fn happening_text(h: &Happening) -> String {
    match h {
        Happening::Event(e) => e.name.clone(),
        Happening::Act {
            party,
            verb,
            object,
            renewal_of,
            to,
            cloud,
            place,
        } => {
            let of = if *renewal_of { "renewal of " } else { "" };
            let mut s = format!("{} {} {of}{}", party.name, verb.name, object.name);
            if let Some(t) = to {
                s.push_str(&format!(" to {}", t.name));
            }
            if let Some(c) = cloud {
                s.push_str(&format!(" on {}", c.name));
            }
            if let Some(p) = place {
                s.push_str(&format!(" in {}", p.name));
            }
            s
        }
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::Lit { raw, .. } => raw.clone(),
        Value::Ref(id) => format!("${}", id.name),
        Value::Expr(e) => {
            let mut s = match &e.base {
                DayTerm::Value(v) => value_text(v),
                DayTerm::Of {
                    end,
                    agreement,
                    clause,
                    ..
                } => {
                    let word = if *end { "end" } else { "start" };
                    match clause {
                        Some(c) => format!("{word} of {}.{}", agreement.name, c.name),
                        None => format!("{word} of {}", agreement.name),
                    }
                }
            };
            for (plus, d) in &e.shifts {
                s.push_str(if *plus { " + " } else { " - " });
                s.push_str(&value_text(d));
            }
            s
        }
    }
}

fn period_text(p: &Period) -> String {
    match p {
        Period::Day(v) => value_text(v),
        Period::Month { year, month, .. } => format!("{year:04}-{month:02}"),
        Period::Year { year, .. } => format!("{year:04}"),
    }
}

fn end_text(e: &End) -> String {
    let alts: Vec<String> = e
        .alts
        .iter()
        .map(|a| match a {
            EndAlt::Period(p) => period_text(p),
            EndAlt::Event(id) => id.name.clone(),
            EndAlt::Happens(h, plus) => match plus {
                Some(p) => format!("{} + {}", happening_text(h), value_text(p)),
                None => happening_text(h),
            },
        })
        .collect();
    format!(
        "{} {}",
        if e.through { "through" } else { "until" },
        alts.join(" or ")
    )
}

fn selector_text(s: &Selector) -> String {
    match s {
        Selector::Products(list) => format!("product {}", ids(list)),
        Selector::Matching { by, tags, except } => {
            let mut out = String::from("products");
            if let Some(b) = by {
                out.push_str(&format!(" by {}", b.name));
            }
            if !tags.is_empty() {
                out.push_str(&format!(" tagged {}", ids(tags)));
            }
            if !except.is_empty() {
                out.push_str(&format!(" except product {}", ids(except)));
            }
            out
        }
    }
}

/// ` unless PARTY VERB or …`, or nothing.
fn unless_text(unless: &[Act]) -> String {
    if unless.is_empty() {
        return String::new();
    }
    let acts: Vec<String> = unless
        .iter()
        .map(|a| format!("{} {}", a.party.name, a.verb.name))
        .collect();
    format!(" unless {}", acts.join(" or "))
}

fn cap_text(c: &Cap) -> String {
    let mut s = format!("capped at {}", value_text(&c.amount));
    if let Some((p, _)) = &c.per {
        s.push_str(&format!(" per {}", p.words()));
    }
    if let Some(d) = &c.counting_from {
        s.push_str(&format!(" counting from {}", value_text(d)));
    }
    s
}

fn sentence_text(s: &Sentence) -> (Option<(crate::source::Span, String)>, String) {
    match s {
        Sentence::Exclusivity {
            beneficiary,
            selector,
            clouds,
            only_by,
            by_affiliates,
        } => {
            let mut s = format!("deploy {}", selector_text(selector));
            if !clouds.is_empty() {
                s.push_str(&format!(" only on {}", ids(clouds)));
            }
            if !only_by.is_empty() {
                s.push_str(&format!(" only by {}", ids(only_by)));
                if *by_affiliates {
                    s.push_str(" with affiliates");
                }
            }
            (beneficiary.as_ref().map(|b| (b.span, b.name.clone())), s)
        }
        Sentence::Commitment(c) => {
            let mut out = format!(
                "{} spends {} with {}",
                c.spender.name,
                value_text(&c.amount),
                c.with.name
            );
            if !c.streams.is_empty() {
                let word = if c.streams.len() == 1 {
                    "stream"
                } else {
                    "streams"
                };
                out.push_str(&format!(" from {word} {}", ids(&c.streams)));
            }
            if let Some((p, _)) = &c.per {
                out.push_str(&format!(" per {}", p.words()));
            }
            if c.payable {
                out.push_str(" shortfall payable");
            }
            (None, out)
        }
        Sentence::Payment {
            payer,
            payee,
            amount,
            due,
        } => {
            let due = match due {
                Due::On(v) => format!("on {}", value_text(v)),
                Due::OnHappening(h, plus) => match plus {
                    Some(p) => format!("on {} + {}", happening_text(h), value_text(p)),
                    None => format!("on {}", happening_text(h)),
                },
                Due::Every(p, _) => format!("every {}", p.words()),
            };
            (
                None,
                format!(
                    "{} pays {} {} {due}",
                    payer.name,
                    payee.name,
                    value_text(amount)
                ),
            )
        }
        Sentence::Licence {
            licensor,
            licensee,
            with_affiliates,
            exclusive,
            rights,
            selector,
            sublicensable,
        } => {
            let rights: Vec<&str> = rights.iter().map(|r| r.name.as_str()).collect();
            let rights = rights.join(", ");
            let x = match exclusive {
                Some(true) => " exclusive",
                Some(false) => " non-exclusive",
                None => "",
            };
            (
                None,
                format!(
                    "{} grants {}{}{x} {rights} of {}",
                    licensor.name,
                    licensee.name,
                    if *with_affiliates {
                        " with affiliates"
                    } else {
                        ""
                    },
                    selector_text(selector)
                ) + &match sublicensable {
                    None => String::new(),
                    Some(Sublicensable { consent: None, .. }) => " sublicensable".to_string(),
                    Some(Sublicensable {
                        consent: Some(c), ..
                    }) => format!(" sublicensable with consent of {}", c.name),
                },
            )
        }
        Sentence::FirstLaunch {
            selector,
            cloud,
            unless,
            lead,
        } => {
            let mut out = format!("{} launch first on {}", selector_text(selector), cloud.name);
            out.push_str(&unless_text(unless));
            if let Some(l) = lead {
                out.push_str(&format!(" lead {}", value_text(l)));
            }
            (None, out)
        }
        Sentence::FirstOffer {
            selector,
            to,
            unless,
            within,
        } => {
            let mut out = format!("{} offered first to {}", selector_text(selector), to.name);
            out.push_str(&unless_text(unless));
            if let Some(w) = within {
                out.push_str(&format!(" within {}", value_text(w)));
            }
            (None, out)
        }
        Sentence::RevenueShare {
            payer,
            payee,
            rate,
            earner,
            streams,
            cap,
            tiers,
            tiers_per,
            recoup,
            period_cap,
            minimum,
        } => {
            let mut rates = value_text(rate);
            for (bound, next) in tiers {
                rates.push_str(&format!(
                    " up to {}, {}",
                    value_text(bound),
                    value_text(next)
                ));
            }
            if !tiers.is_empty() {
                rates.push_str(" above");
            }
            if let Some((p, _)) = tiers_per {
                rates.push_str(&format!(" per {}", p.words()));
            }
            let mut out = format!(
                "{} pays {} {rates} of {} revenue",
                payer.name, payee.name, earner.name
            );
            if !streams.is_empty() {
                let word = if streams.len() == 1 {
                    "stream"
                } else {
                    "streams"
                };
                out.push_str(&format!(" from {word} {}", ids(streams)));
            }
            if let Some(c) = cap {
                out.push(' ');
                out.push_str(&cap_text(c));
            }
            // The terms of 0.2 (a cap per period, recoupment, a minimum) go on lines of their
            // own: see `money_lines`.
            let _ = (period_cap, recoup, minimum);
            (None, out)
        }
        Sentence::Rule {
            action,
            selector,
            clouds,
            except_clouds,
        } => {
            let verb = action.word();
            let mut out = format!("forbid {verb} {}", selector_text(selector));
            if *except_clouds {
                out.push_str(&format!(" on any channel except {}", ids(clouds)));
            } else if !clouds.is_empty() {
                out.push_str(&format!(" on {}", ids(clouds)));
            }
            (None, out)
        }
    }
}

fn clause_ref(r: &ClauseRef) -> String {
    match &r.agreement {
        Some(a) => format!("{}.{}", a.name, r.clause.name),
        None => r.clause.name.clone(),
    }
}

fn renewal_text(r: &Renewal) -> String {
    let times = r
        .times
        .map(|(n, _)| format!(" up to {n} times"))
        .unwrap_or_default();
    format!(
        "renews every {}{times} unless notice {}",
        value_text(&r.every),
        value_text(&r.notice)
    )
}

fn amend_term(t: &AmendTerm) -> String {
    match t {
        AmendTerm::Scope(scope) => {
            let mut parts = Vec::new();
            if let Some((places, except, _)) = &scope.places {
                let mut text = format!("in {}", ids(places));
                if !except.is_empty() {
                    text.push_str(&format!(" except {}", ids(except)));
                }
                parts.push(text);
            }
            if let Some((fields, _)) = &scope.fields {
                parts.push(format!("in field {}", ids(fields)));
            }
            if let Some((parties, _)) = &scope.done_by {
                parts.push(format!("done by {}", ids(parties)));
            }
            parts.join(" ")
        }
        AmendTerm::Rights(rights) => ids(rights),
        AmendTerm::Affiliates { with, .. } => if *with {
            "with affiliates"
        } else {
            "without affiliates"
        }
        .to_string(),
        AmendTerm::Sublicensable(None, _) => "not sublicensable".to_string(),
        AmendTerm::Sublicensable(Some(Sublicensable { consent: None, .. }), _) => {
            "sublicensable".to_string()
        }
        AmendTerm::Sublicensable(
            Some(Sublicensable {
                consent: Some(c), ..
            }),
            _,
        ) => format!("sublicensable with consent of {}", c.name),
        AmendTerm::Within(v) => format!("within {}", value_text(v)),
        AmendTerm::Minimum(v, p, _) => format!("minimum {} per {}", value_text(v), p.words()),
        AmendTerm::Recoup(v, _) => format!("after recouping {}", value_text(v)),
        AmendTerm::Survives(sv) => match &sv.duration {
            Some(d) => format!("survives {}", value_text(d)),
            None => "survives".to_string(),
        },
        AmendTerm::Length(v, _) => format!("term {}", value_text(v)),
        AmendTerm::Renews(r) => renewal_text(r),
        AmendTerm::From(v) => format!("from {}", value_text(v)),
        AmendTerm::End(e) => end_text(e),
        AmendTerm::Exclusive { exclusive, .. } => if *exclusive {
            "exclusive"
        } else {
            "non-exclusive"
        }
        .to_string(),
        AmendTerm::Rate(v) => format!("rate {}", value_text(v)),
        AmendTerm::Schedule { rate, tiers, per } => {
            let mut s = format!("rate {}", value_text(rate));
            for (bound, next) in tiers {
                s.push_str(&format!(
                    " up to {}, {}",
                    value_text(bound),
                    value_text(next)
                ));
            }
            s.push_str(" above");
            if let Some((p, _)) = per {
                s.push_str(&format!(" per {}", p.words()));
            }
            s
        }
        AmendTerm::Cap(c) => cap_text(c),
        AmendTerm::Lead(v) => format!("lead {}", value_text(v)),
    }
}
