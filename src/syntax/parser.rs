//! Tokens to the syntax tree: a recursive-descent reader with recovery.
//!
//! Each declaration starts with a keyword, so after a mistake the reader skips to the next
//! declaration (or, inside an agreement, to the end of the broken clause) and goes on: one run
//! reports every problem of a file. Braces are skipped by counting, never by recursion, so deep
//! nesting in hostile input cannot exhaust the stack.

use rust_decimal::Decimal;

use crate::diag::Diagnostic;
use crate::source::Span;
use crate::syntax::ast::*;
use crate::syntax::lexer::{Tok, Token};

/// The reserved words of the language; none can be an id.
pub const KEYWORDS: &[&str] = &[
    "party",
    "cloud",
    "product",
    "event",
    "assume",
    "on",
    "operated",
    "by",
    "alias",
    "tagged",
    "agreement",
    "amendment",
    "amends",
    "between",
    "and",
    "signed",
    "effective",
    "end",
    "amend",
    "strike",
    "add",
    "exclusivity",
    "licence",
    "license",
    "first_launch",
    "revenue_share",
    "rule",
    "for",
    "deploy",
    "launch",
    "use",
    "pay",
    "only",
    "of",
    "grants",
    "exclusive",
    "non-exclusive",
    "products",
    "from",
    "until",
    "through",
    "or",
    "unless",
    "lead",
    "pays",
    "revenue",
    "stream",
    "streams",
    "capped",
    "at",
    "counting",
    "rate",
    "forbid",
    "to",
];

pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

const TOP_LEVEL: &[&str] = &[
    "party",
    "cloud",
    "product",
    "event",
    "assume",
    "on",
    "agreement",
    "amendment",
];

const CLAUSE_KINDS: &[&str] = &[
    "exclusivity",
    "licence",
    "license",
    "first_launch",
    "revenue_share",
    "rule",
];

/// What [`Parser::bump`] passed over.
struct Bumped<'a> {
    span: Span,
    text: &'a str,
    /// `Some(false)` for `{`, `Some(true)` for `}`.
    close: Option<bool>,
}

/// Marker: a problem was reported and the caller should recover.
pub struct Failed;
type PResult<T> = Result<T, Failed>;

pub struct Parser<'a> {
    toks: Vec<Token<'a>>,
    pos: usize,
    file: u32,
    eof: Span,
    last_end: u32,
    pub errors: Vec<Diagnostic>,
}

impl<'a> Parser<'a> {
    pub fn new(file: u32, toks: Vec<Token<'a>>, text_len: usize) -> Parser<'a> {
        Parser {
            toks,
            pos: 0,
            file,
            eof: Span::new(file, text_len, text_len),
            last_end: 0,
            errors: Vec::new(),
        }
    }

    // ----- token access -------------------------------------------------------------------

    fn peek(&self) -> Option<&Token<'a>> {
        self.toks.get(self.pos)
    }

    fn peek_at(&self, n: usize) -> Option<&Token<'a>> {
        self.toks.get(self.pos + n)
    }

    fn peek_word(&self) -> Option<&'a str> {
        match self.peek() {
            Some(Token {
                tok: Tok::Word,
                text,
                ..
            }) => Some(text),
            _ => None,
        }
    }

    fn at_word(&self, word: &str) -> bool {
        self.peek_word() == Some(word)
    }

    fn at(&self, tok: &Tok) -> bool {
        self.peek().is_some_and(|t| &t.tok == tok)
    }

    fn here(&self) -> Span {
        self.peek().map_or(self.eof, |t| t.span)
    }

    fn start(&self) -> u32 {
        self.here().start
    }

    fn span_from(&self, start: u32) -> Span {
        Span {
            file: self.file,
            start,
            end: self.last_end.max(start),
        }
    }

    /// Moves past the current token; returns its span and text (never cloning a token).
    fn bump(&mut self) -> Option<Bumped<'a>> {
        let t = self.toks.get(self.pos)?;
        let bumped = Bumped {
            span: t.span,
            text: t.text,
            close: match t.tok {
                Tok::LBrace => Some(false),
                Tok::RBrace => Some(true),
                _ => None,
            },
        };
        self.last_end = t.span.end;
        self.pos += 1;
        Some(bumped)
    }

    fn eat_word(&mut self, word: &str) -> bool {
        if self.at_word(word) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        if self.at(tok) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn found(&self) -> String {
        match self.peek() {
            None => "the end of the file".to_string(),
            Some(t) => match &t.tok {
                Tok::Str(_) => "a string".to_string(),
                Tok::Ref => format!("`${}`", t.text),
                _ => format!("`{}`", t.text),
            },
        }
    }

    fn fail<T>(&mut self, expected: &str) -> PResult<T> {
        let d = Diagnostic::error(
            "syntax",
            self.here(),
            format!("expected {expected}, found {}", self.found()),
        )
        .label(format!("expected {expected}"));
        self.errors.push(d);
        Err(Failed)
    }

    fn expect_word(&mut self, word: &str, expected: &str) -> PResult<Span> {
        if self.at_word(word) {
            Ok(self.bump().map_or(self.eof, |t| t.span))
        } else {
            self.fail(expected)
        }
    }

    fn expect(&mut self, tok: &Tok, expected: &str) -> PResult<Span> {
        if self.at(tok) {
            Ok(self.bump().map_or(self.eof, |t| t.span))
        } else {
            self.fail(expected)
        }
    }

    /// An identifier (a word that is not reserved).
    fn ident(&mut self, what: &str) -> PResult<Ident> {
        match self.peek() {
            Some(Token {
                tok: Tok::Word,
                text,
                span,
            }) => {
                let (text, span) = (*text, *span);
                if is_keyword(text) {
                    self.errors.push(
                        Diagnostic::error(
                            "reserved-word",
                            span,
                            format!("expected {what}, found the reserved word `{text}`"),
                        )
                        .label("reserved words cannot be ids")
                        .help(format!("choose another id, such as `{text}_1`")),
                    );
                    return Err(Failed);
                }
                self.bump();
                Ok(Ident {
                    name: text.to_string(),
                    span,
                })
            }
            _ => self.fail(what),
        }
    }

    /// The id a declaration declares. A reserved word is reported but still taken, so that the
    /// rest of the file (and every `$` reference to it) reads without a cascade of errors.
    fn declared_ident(&mut self, what: &str) -> PResult<Ident> {
        if let Some(Token {
            tok: Tok::Word,
            text,
            span,
        }) = self.peek()
        {
            if is_keyword(text) {
                let (text, span) = (*text, *span);
                let _ = self.ident(what);
                self.bump();
                return Ok(Ident {
                    name: text.to_string(),
                    span,
                });
            }
        }
        self.ident(what)
    }

    fn ident_list(&mut self, what: &str) -> PResult<Vec<Ident>> {
        let mut ids = vec![self.ident(what)?];
        while self.eat(&Tok::Comma) {
            ids.push(self.ident(what)?);
        }
        Ok(ids)
    }

    fn opt_text(&mut self) -> Option<Text> {
        match self.peek() {
            Some(Token {
                tok: Tok::Str(value),
                span,
                ..
            }) => {
                let text = Text {
                    value: value.clone(),
                    span: *span,
                };
                self.bump();
                Some(text)
            }
            _ => None,
        }
    }

    // ----- recovery -----------------------------------------------------------------------

    /// Skips a balanced `{ … }` block starting at the current `{`.
    fn skip_block(&mut self) {
        let mut depth = 0usize;
        while let Some(t) = self.bump() {
            match t.close {
                Some(false) => depth += 1,
                Some(true) => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return;
                    }
                }
                None => {}
            }
        }
    }

    /// Skips until a word of `stops` (or `}` when `stop_at_close`), skipping whole blocks.
    fn recover(&mut self, stops: &[&str], stop_at_close: bool) {
        while let Some(t) = self.peek() {
            match &t.tok {
                Tok::LBrace => self.skip_block(),
                Tok::RBrace if stop_at_close => return,
                Tok::Word if stops.contains(&t.text) && self.starts_here(t.text) => return,
                _ => {
                    self.bump();
                }
            }
        }
    }

    /// `on` starts a record only when a day follows it.
    fn starts_here(&self, word: &str) -> bool {
        word != "on"
            || matches!(
                self.peek_at(1),
                Some(Token {
                    tok: Tok::Day(_),
                    ..
                })
            )
    }

    /// Skips to the `}` closing a block whose `{` was already read, and reads it.
    fn close_block(&mut self) {
        let mut depth = 1usize;
        while let Some(t) = self.bump() {
            match t.close {
                Some(false) => depth += 1,
                Some(true) => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                None => {}
            }
        }
    }

    // ----- values -------------------------------------------------------------------------

    fn reference(&mut self) -> Option<Ident> {
        match self.peek() {
            Some(Token {
                tok: Tok::Ref,
                text,
                span,
            }) => {
                let id = Ident {
                    name: text.to_string(),
                    span: *span,
                };
                self.bump();
                Some(id)
            }
            _ => None,
        }
    }

    fn decimal(&mut self, raw: &str, span: Span) -> PResult<Decimal> {
        let clean: String = raw.chars().filter(|&c| c != '_').collect();
        clean.parse::<Decimal>().map_err(|_| {
            self.errors.push(
                Diagnostic::error(
                    "bad-number",
                    span,
                    format!("number `{raw}` is out of range"),
                )
                .label("too many digits")
                .help("numbers have at most 28 significant digits"),
            );
            Failed
        })
    }

    fn day_value(&mut self) -> PResult<Value> {
        if let Some(id) = self.reference() {
            return Ok(Value::Ref(id));
        }
        match self.peek() {
            Some(Token {
                tok: Tok::Day(d),
                text,
                span,
            }) => {
                let v = Value::Lit {
                    lit: Literal::Day(*d),
                    raw: text.to_string(),
                    span: *span,
                };
                self.bump();
                Ok(v)
            }
            _ => self.fail("a day (`YYYY-MM-DD`) or an `$assumption`"),
        }
    }

    fn percent_value(&mut self) -> PResult<Value> {
        if let Some(id) = self.reference() {
            return Ok(Value::Ref(id));
        }
        match self.peek().cloned() {
            Some(Token {
                tok: Tok::Percent,
                text,
                span,
            }) => {
                self.bump();
                let p = self.decimal(text.trim_end_matches('%'), span)?;
                Ok(Value::Lit {
                    lit: Literal::Percent(p),
                    raw: text.to_string(),
                    span,
                })
            }
            _ => self.fail("a percent (such as `20%`) or an `$assumption`"),
        }
    }

    fn money_value(&mut self) -> PResult<Value> {
        if let Some(id) = self.reference() {
            return Ok(Value::Ref(id));
        }
        match self.money_literal()? {
            Some(v) => Ok(v),
            None => self.fail("an amount (such as `USD 1_000`) or an `$assumption`"),
        }
    }

    fn money_literal(&mut self) -> PResult<Option<Value>> {
        let Some(Token {
            tok: Tok::Code,
            text: code,
            span,
        }) = self.peek().cloned()
        else {
            return Ok(None);
        };
        self.bump();
        match self.peek().cloned() {
            Some(Token {
                tok: Tok::Number,
                text,
                span: nspan,
            }) => {
                self.bump();
                let amount = self.decimal(text, nspan)?;
                Ok(Some(Value::Lit {
                    lit: Literal::Money {
                        currency: code.to_string(),
                        amount,
                    },
                    raw: format!("{code} {text}"),
                    span: span.to(nspan),
                }))
            }
            _ => self.fail(&format!("an amount after `{code}`")),
        }
    }

    fn duration_value(&mut self) -> PResult<Value> {
        if let Some(id) = self.reference() {
            return Ok(Value::Ref(id));
        }
        match self.duration_literal()? {
            Some(v) => Ok(v),
            None => self.fail("a duration (such as `30 days`) or an `$assumption`"),
        }
    }

    fn duration_literal(&mut self) -> PResult<Option<Value>> {
        let Some(Token {
            tok: Tok::Number,
            text,
            span,
        }) = self.peek().cloned()
        else {
            return Ok(None);
        };
        self.bump();
        let clean: String = text.chars().filter(|&c| c != '_').collect();
        let Ok(count) = clean.parse::<u32>() else {
            self.errors.push(
                Diagnostic::error(
                    "bad-number",
                    span,
                    format!("`{text}` is not a whole number of days, months or years"),
                )
                .label("expected a whole number up to 4294967295"),
            );
            return Err(Failed);
        };
        let unit = match self.peek_word() {
            Some("day" | "days") => DurationUnit::Days,
            Some("month" | "months") => DurationUnit::Months,
            Some("year" | "years") => DurationUnit::Years,
            _ => return self.fail("`days`, `months` or `years` after the number"),
        };
        let unit_tok = self.bump().map_or(self.eof, |t| t.span);
        Ok(Some(Value::Lit {
            lit: Literal::Duration { count, unit },
            raw: format!("{text} {}", self.toks[self.pos - 1].text),
            span: span.to(unit_tok),
        }))
    }

    /// Any literal, for `assume` and `--set`.
    pub fn literal(&mut self) -> PResult<Value> {
        if let Some(v) = self.money_literal()? {
            return Ok(v);
        }
        if self.at(&Tok::Percent) {
            return self.percent_value();
        }
        if matches!(
            self.peek(),
            Some(Token {
                tok: Tok::Day(_),
                ..
            })
        ) {
            return self.day_value();
        }
        if let Some(v) = self.duration_literal()? {
            return Ok(v);
        }
        self.fail("a value: a day, an amount, a percent or a duration")
    }

    fn period(&mut self) -> PResult<Period> {
        match self.peek().cloned() {
            Some(Token {
                tok: Tok::Month(year, month),
                span,
                ..
            }) => {
                self.bump();
                Ok(Period::Month { year, month, span })
            }
            Some(Token {
                tok: Tok::Number,
                text,
                span,
            }) if text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()) => {
                self.bump();
                let year = text.parse::<i32>().unwrap_or(0);
                Ok(Period::Year { year, span })
            }
            Some(Token {
                tok: Tok::Day(_) | Tok::Ref,
                ..
            }) => Ok(Period::Day(self.day_value()?)),
            _ => self.fail("a period: a day `YYYY-MM-DD`, a month `YYYY-MM` or a year `YYYY`"),
        }
    }

    // ----- time terms ---------------------------------------------------------------------

    fn end(&mut self) -> PResult<End> {
        let start = self.start();
        let through = self.at_word("through");
        self.bump();
        let mut alts = Vec::new();
        let first = if through {
            EndAlt::Period(self.period()?)
        } else {
            self.until_alt()?
        };
        alts.push(first);
        while self.eat_word("or") {
            if through && !matches!(self.peek(), Some(Token { tok: Tok::Word, .. })) {
                let d = Diagnostic::error(
                    "syntax",
                    self.here(),
                    format!(
                        "expected an event after `through … or`, found {}",
                        self.found()
                    ),
                )
                .label("expected an event")
                .help("write `until DAY or …` to end on a day (exclusive) and an event");
                self.errors.push(d);
                return Err(Failed);
            }
            alts.push(if through {
                EndAlt::Event(self.ident("an event")?)
            } else {
                self.until_alt()?
            });
        }
        Ok(End {
            through,
            alts,
            span: self.span_from(start),
        })
    }

    fn until_alt(&mut self) -> PResult<EndAlt> {
        match self.peek() {
            Some(Token { tok: Tok::Word, .. }) => Ok(EndAlt::Event(self.ident("an event")?)),
            Some(Token {
                tok: Tok::Day(_) | Tok::Ref,
                ..
            }) => Ok(EndAlt::Period(Period::Day(self.day_value()?))),
            _ => self.fail("a day (`YYYY-MM-DD`), an `$assumption` or an event"),
        }
    }

    // ----- selectors and sentences --------------------------------------------------------

    fn selector(&mut self) -> PResult<Selector> {
        if self.eat_word("product") {
            return Ok(Selector::Products(self.ident_list("a product id")?));
        }
        if self.eat_word("products") {
            let by = if self.eat_word("by") {
                Some(self.ident("a party id")?)
            } else {
                None
            };
            let tags = if self.eat_word("tagged") {
                self.ident_list("a tag")?
            } else {
                Vec::new()
            };
            return Ok(Selector::Matching { by, tags });
        }
        self.fail("`product ID` or `products [by PARTY] [tagged TAG]`")
    }

    fn sentence(&mut self, kind: ClauseKind) -> PResult<Sentence> {
        match kind {
            ClauseKind::Exclusivity => {
                let beneficiary = if self.eat_word("for") {
                    Some(self.ident("a party id")?)
                } else {
                    None
                };
                self.expect_word("deploy", "`deploy`")?;
                let selector = self.selector()?;
                self.expect_word("only", "`only on CLOUD`")?;
                self.expect_word("on", "`on`")?;
                let clouds = self.ident_list("a cloud id")?;
                Ok(Sentence::Exclusivity {
                    beneficiary,
                    selector,
                    clouds,
                })
            }
            ClauseKind::Licence => {
                let licensor = self.ident("the licensor's party id")?;
                self.expect_word("grants", "`grants`")?;
                let licensee = self.ident("the licensee's party id")?;
                let exclusive = if self.eat_word("exclusive") {
                    Some(true)
                } else if self.eat_word("non-exclusive") {
                    Some(false)
                } else {
                    None
                };
                self.expect_word("use", "`use of`")?;
                self.expect_word("of", "`of`")?;
                let selector = self.selector()?;
                Ok(Sentence::Licence {
                    licensor,
                    licensee,
                    exclusive,
                    selector,
                })
            }
            ClauseKind::FirstLaunch => {
                let selector = self.selector()?;
                self.expect_word("launch", "`launch first on CLOUD`")?;
                self.expect_word("first", "`first`")?;
                self.expect_word("on", "`on`")?;
                let cloud = self.ident("a cloud id")?;
                let mut unless = Vec::new();
                if self.eat_word("unless") {
                    loop {
                        let party = self.ident("a party id")?;
                        let verb = self.ident("a verb, such as `declines`")?;
                        unless.push(Act { party, verb });
                        if !self.eat_word("or") {
                            break;
                        }
                    }
                }
                let lead = if self.eat_word("lead") {
                    Some(self.duration_value()?)
                } else {
                    None
                };
                Ok(Sentence::FirstLaunch {
                    selector,
                    cloud,
                    unless,
                    lead,
                })
            }
            ClauseKind::RevenueShare => {
                let payer = self.ident("the paying party's id")?;
                self.expect_word("pays", "`pays`")?;
                let payee = self.ident("the paid party's id")?;
                let rate = self.percent_value()?;
                self.expect_word("of", "`of`")?;
                let earner = self.ident("the earning party's id")?;
                self.expect_word("revenue", "`revenue`")?;
                let mut streams = Vec::new();
                if self.at_word("from")
                    && matches!(self.peek_at(1).map(|t| t.text), Some("stream" | "streams"))
                {
                    self.bump();
                    self.bump();
                    streams = self.ident_list("a stream id")?;
                }
                let cap = if self.at_word("capped") {
                    Some(self.cap()?)
                } else {
                    None
                };
                Ok(Sentence::RevenueShare {
                    payer,
                    payee,
                    rate,
                    earner,
                    streams,
                    cap,
                })
            }
            ClauseKind::Rule => {
                self.expect_word("forbid", "`forbid`")?;
                let action = if self.eat_word("deploy") {
                    Action::Deploy
                } else if self.eat_word("launch") {
                    Action::Launch
                } else {
                    return self.fail("`deploy` or `launch`");
                };
                let selector = self.selector()?;
                let clouds = if self.eat_word("on") {
                    self.ident_list("a cloud id")?
                } else {
                    Vec::new()
                };
                Ok(Sentence::Rule {
                    action,
                    selector,
                    clouds,
                })
            }
        }
    }

    fn cap(&mut self) -> PResult<Cap> {
        let start = self.start();
        self.expect_word("capped", "`capped at`")?;
        self.expect_word("at", "`at`")?;
        let amount = self.money_value()?;
        let counting_from = if self.eat_word("counting") {
            self.expect_word("from", "`from`")?;
            Some(self.day_value()?)
        } else {
            None
        };
        Ok(Cap {
            amount,
            counting_from,
            span: self.span_from(start),
        })
    }

    fn duplicate(&mut self, what: &str, first: Span, again: Span) {
        self.errors.push(
            Diagnostic::error("duplicate-term", again, format!("{what} is given twice"))
                .label("given again here")
                .related(first, "first given here"),
        );
    }

    // ----- clauses ------------------------------------------------------------------------

    fn clause_kind(&mut self) -> PResult<(ClauseKind, String)> {
        let kind = match self.peek_word() {
            Some("exclusivity") => ClauseKind::Exclusivity,
            Some("licence" | "license") => ClauseKind::Licence,
            Some("first_launch") => ClauseKind::FirstLaunch,
            Some("revenue_share") => ClauseKind::RevenueShare,
            Some("rule") => ClauseKind::Rule,
            _ => {
                return self.fail(
                    "a clause kind (`exclusivity`, `licence`, `first_launch`, `revenue_share` or `rule`)",
                )
            }
        };
        let word = self.bump().map_or(String::new(), |t| t.text.to_string());
        Ok((kind, word))
    }

    /// A clause; on error, skips to its end.
    fn clause(&mut self) -> PResult<Clause> {
        let start = self.start();
        let (kind, kind_word) = self.clause_kind()?;
        let head = (|| {
            let id = self.declared_ident("a clause id")?;
            let title = self.opt_text();
            self.expect(&Tok::LBrace, "`{` to open the clause")?;
            Ok((id, title))
        })();
        let (id, title) = match head {
            Ok(h) => h,
            Err(Failed) => {
                self.recover(CLAUSE_KINDS, true);
                return Err(Failed);
            }
        };
        match self.clause_body(kind) {
            Ok((sentence, from, end)) => Ok(Clause {
                kind,
                kind_word,
                id,
                title,
                sentence,
                from,
                end,
                span: self.span_from(start),
            }),
            Err(Failed) => {
                self.close_block();
                Err(Failed)
            }
        }
    }

    fn clause_body(&mut self, kind: ClauseKind) -> PResult<(Sentence, Option<Value>, Option<End>)> {
        let sentence = self.sentence(kind)?;
        let mut from: Option<Value> = None;
        let mut end: Option<End> = None;
        loop {
            match self.peek_word() {
                Some("from") => {
                    let at = self.here();
                    self.bump();
                    let v = self.day_value()?;
                    match &from {
                        Some(first) => self.duplicate("the start (`from`)", first.span(), at),
                        None => from = Some(v),
                    }
                }
                Some("until" | "through") => {
                    let e = self.end()?;
                    match &end {
                        Some(first) => {
                            self.duplicate("the end (`until`/`through`)", first.span, e.span)
                        }
                        None => end = Some(e),
                    }
                }
                _ => break,
            }
        }
        self.expect(
            &Tok::RBrace,
            "`from`, `until`, `through` or `}` to close the clause",
        )?;
        Ok((sentence, from, end))
    }

    // ----- agreements and amendments ------------------------------------------------------

    fn agreement(&mut self, start: u32) -> PResult<Agreement> {
        let id = self.declared_ident("an agreement id")?;
        let title = self.opt_text();
        self.expect(&Tok::LBrace, "`{` to open the agreement")?;
        let mut parties = Vec::new();
        let mut between: Option<Span> = None;
        let mut signed: Option<Value> = None;
        let mut clauses = Vec::new();
        loop {
            match self.peek_word() {
                Some("between") => {
                    let at = self.here();
                    self.bump();
                    let r = (|| {
                        let mut ps = vec![self.ident("a party id")?];
                        loop {
                            if self.eat(&Tok::Comma) {
                                ps.push(self.ident("a party id")?);
                            } else if self.eat_word("and") {
                                ps.push(self.ident("a party id")?);
                                break;
                            } else {
                                return self.fail("`,` or `and` between the parties");
                            }
                        }
                        Ok(ps)
                    })();
                    match (r, between) {
                        (Ok(_), Some(first)) => {
                            self.duplicate("the parties (`between`)", first, at)
                        }
                        (Ok(ps), None) => {
                            parties = ps;
                            between = Some(at);
                        }
                        (Err(Failed), _) => self.recover(CLAUSE_KINDS, true),
                    }
                }
                Some("signed") => {
                    let at = self.here();
                    self.bump();
                    match self.day_value() {
                        Ok(v) => match &signed {
                            Some(first) => self.duplicate("the signing day", first.span(), at),
                            None => signed = Some(v),
                        },
                        Err(Failed) => self.recover(CLAUSE_KINDS, true),
                    }
                }
                Some(w) if CLAUSE_KINDS.contains(&w) => {
                    if let Ok(c) = self.clause() {
                        clauses.push(c);
                    }
                }
                _ => {
                    if self.eat(&Tok::RBrace) {
                        break;
                    }
                    if self.peek().is_none() {
                        return self.fail("`}` to close the agreement");
                    }
                    let _ = self.fail::<()>("`between`, `signed`, a clause or `}`");
                    self.bump();
                    self.recover(CLAUSE_KINDS, true);
                }
            }
        }
        let span = self.span_from(start);
        if between.is_none() {
            self.errors.push(
                Diagnostic::error(
                    "missing-term",
                    id.span,
                    format!("agreement `{}` does not say between whom it is", id.name),
                )
                .label("no `between` line")
                .help("add `between PARTY and PARTY`"),
            );
        }
        if signed.is_none() {
            self.errors.push(
                Diagnostic::error(
                    "missing-term",
                    id.span,
                    format!("agreement `{}` has no signing day", id.name),
                )
                .label("no `signed` line")
                .help("add `signed YYYY-MM-DD`"),
            );
        }
        Ok(Agreement {
            id,
            title,
            parties,
            signed,
            clauses,
            span,
        })
    }

    fn clause_ref(&mut self) -> PResult<ClauseRef> {
        let first = self.ident("a clause id")?;
        if self.eat(&Tok::Dot) {
            let clause = self.ident("a clause id")?;
            Ok(ClauseRef {
                agreement: Some(first),
                clause,
            })
        } else {
            Ok(ClauseRef {
                agreement: None,
                clause: first,
            })
        }
    }

    fn amend_terms(&mut self) -> PResult<Vec<AmendTerm>> {
        self.expect(&Tok::LBrace, "`{` and the terms to change")?;
        let mut terms = Vec::new();
        loop {
            let at = self.here();
            let term = match self.peek_word() {
                Some("from") => {
                    self.bump();
                    AmendTerm::From(self.day_value()?)
                }
                Some("until" | "through") => AmendTerm::End(self.end()?),
                Some("exclusive") => {
                    self.bump();
                    AmendTerm::Exclusive {
                        exclusive: true,
                        span: at,
                    }
                }
                Some("non-exclusive") => {
                    self.bump();
                    AmendTerm::Exclusive {
                        exclusive: false,
                        span: at,
                    }
                }
                Some("rate") => {
                    self.bump();
                    AmendTerm::Rate(self.percent_value()?)
                }
                Some("capped") => AmendTerm::Cap(self.cap()?),
                Some("lead") => {
                    self.bump();
                    AmendTerm::Lead(self.duration_value()?)
                }
                _ => break,
            };
            terms.push(term);
        }
        self.expect(
            &Tok::RBrace,
            "a term (`from`, `until`, `through`, `exclusive`, `non-exclusive`, `rate`, `capped at`, `lead`) or `}`",
        )?;
        Ok(terms)
    }

    fn change(&mut self) -> PResult<Change> {
        let start = self.start();
        match self.peek_word() {
            Some("end") => {
                self.bump();
                let clause = self.clause_ref()?;
                Ok(Change::End {
                    clause,
                    span: self.span_from(start),
                })
            }
            Some("amend") => {
                self.bump();
                let clause = self.clause_ref()?;
                let terms = match self.amend_terms() {
                    Ok(t) => t,
                    Err(Failed) => {
                        self.close_block();
                        return Err(Failed);
                    }
                };
                Ok(Change::Amend {
                    clause,
                    terms,
                    span: self.span_from(start),
                })
            }
            Some("strike") => {
                self.bump();
                let event = self.ident("an event id")?;
                Ok(Change::Strike {
                    event,
                    span: self.span_from(start),
                })
            }
            Some("add") => {
                self.bump();
                let clause = Box::new(self.clause()?);
                Ok(Change::Add {
                    clause,
                    span: self.span_from(start),
                })
            }
            _ => self.fail("a change: `end`, `amend`, `strike`, `add`, or `}`"),
        }
    }

    fn amendment(&mut self, start: u32) -> PResult<Amendment> {
        let id = self.declared_ident("an amendment id")?;
        let title = self.opt_text();
        self.expect_word("amends", "`amends AGREEMENT`")?;
        let target = self.ident("an agreement id")?;
        self.expect(&Tok::LBrace, "`{` to open the amendment")?;
        let mut signed: Option<Value> = None;
        let mut effective: Option<Value> = None;
        let mut changes = Vec::new();
        const CHANGES: &[&str] = &["end", "amend", "strike", "add", "signed", "effective"];
        loop {
            match self.peek_word() {
                Some(w @ ("signed" | "effective")) => {
                    let at = self.here();
                    self.bump();
                    match self.day_value() {
                        Ok(v) => {
                            let slot = if w == "signed" {
                                &mut signed
                            } else {
                                &mut effective
                            };
                            match slot {
                                Some(first) => {
                                    let first = first.span();
                                    let what = if w == "signed" {
                                        "the signing day"
                                    } else {
                                        "the effective day"
                                    };
                                    self.duplicate(what, first, at);
                                }
                                None => *slot = Some(v),
                            }
                        }
                        Err(Failed) => self.recover(CHANGES, true),
                    }
                }
                Some("end" | "amend" | "strike" | "add") => match self.change() {
                    Ok(c) => changes.push(c),
                    Err(Failed) => self.recover(CHANGES, true),
                },
                _ => {
                    if self.eat(&Tok::RBrace) {
                        break;
                    }
                    if self.peek().is_none() {
                        return self.fail("`}` to close the amendment");
                    }
                    let _ = self.fail::<()>("`signed`, `effective`, a change or `}`");
                    self.bump();
                    self.recover(CHANGES, true);
                }
            }
        }
        if signed.is_none() {
            self.errors.push(
                Diagnostic::error(
                    "missing-term",
                    id.span,
                    format!("amendment `{}` has no signing day", id.name),
                )
                .label("no `signed` line")
                .help("add `signed YYYY-MM-DD`"),
            );
        }
        Ok(Amendment {
            id,
            title,
            target,
            signed,
            effective,
            changes,
            span: self.span_from(start),
        })
    }

    // ----- declarations -------------------------------------------------------------------

    fn record(&mut self, start: u32) -> PResult<Item> {
        let (day, day_span) = match self.peek() {
            Some(Token {
                tok: Tok::Day(d),
                span,
                ..
            }) => (*d, *span),
            _ => return self.fail("a day (`YYYY-MM-DD`) after `on`"),
        };
        self.bump();
        self.expect(&Tok::Colon, "`:` after the day")?;
        let first = self.ident("an event id, or a party id and a verb")?;
        let happening = if matches!(self.peek(), Some(Token { tok: Tok::Word, text, .. }) if !is_keyword(text))
        {
            let verb = self.ident("a verb")?;
            let product = self.ident("a product id")?;
            let cloud = if self.at_word("on")
                && matches!(self.peek_at(1), Some(Token { tok: Tok::Word, .. }))
            {
                self.bump();
                Some(self.ident("a cloud id")?)
            } else {
                None
            };
            Happening::Act {
                party: first,
                verb,
                product,
                cloud,
            }
        } else {
            Happening::Event(first)
        };
        let note = self.opt_text();
        Ok(Item::Record {
            day,
            day_span,
            happening,
            note,
            span: self.span_from(start),
        })
    }

    fn item(&mut self) -> PResult<Item> {
        let start = self.start();
        let Some(word) = self.peek_word() else {
            return self.fail(
                "a declaration (`party`, `cloud`, `product`, `event`, `assume`, `on`, `agreement` or `amendment`)",
            );
        };
        match word {
            "party" => {
                self.bump();
                let id = self.declared_ident("a party id")?;
                let title = self.opt_text();
                Ok(Item::Party {
                    id,
                    title,
                    span: self.span_from(start),
                })
            }
            "cloud" => {
                self.bump();
                let id = self.declared_ident("a cloud id")?;
                let title = self.opt_text();
                self.expect_word("operated", "`operated by PARTY`")?;
                self.expect_word("by", "`by`")?;
                let operator = self.ident("a party id")?;
                let aliases = if self.eat_word("alias") {
                    self.ident_list("an alias")?
                } else {
                    Vec::new()
                };
                Ok(Item::Cloud {
                    id,
                    title,
                    operator,
                    aliases,
                    span: self.span_from(start),
                })
            }
            "product" => {
                self.bump();
                let id = self.declared_ident("a product id")?;
                let title = self.opt_text();
                self.expect_word("by", "`by PARTY`")?;
                let owner = self.ident("a party id")?;
                let tags = if self.eat_word("tagged") {
                    self.ident_list("a tag")?
                } else {
                    Vec::new()
                };
                Ok(Item::Product {
                    id,
                    title,
                    owner,
                    tags,
                    span: self.span_from(start),
                })
            }
            "event" => {
                self.bump();
                let id = self.declared_ident("an event id")?;
                let title = self.opt_text();
                Ok(Item::Event {
                    id,
                    title,
                    span: self.span_from(start),
                })
            }
            "assume" => {
                self.bump();
                let id = self.declared_ident("an assumption id")?;
                self.expect(&Tok::Eq, "`=`")?;
                let value = self.literal()?;
                let note = self.opt_text();
                Ok(Item::Assume {
                    id,
                    value,
                    note,
                    span: self.span_from(start),
                })
            }
            "on" => {
                self.bump();
                self.record(start)
            }
            "agreement" => {
                self.bump();
                Ok(Item::Agreement(self.agreement(start)?))
            }
            "amendment" => {
                self.bump();
                Ok(Item::Amendment(self.amendment(start)?))
            }
            _ => self.fail(
                "a declaration (`party`, `cloud`, `product`, `event`, `assume`, `on`, `agreement` or `amendment`)",
            ),
        }
    }

    /// Reads every item, recovering after each problem.
    pub fn items(&mut self) -> Vec<Item> {
        let mut items = Vec::new();
        while self.peek().is_some() {
            let before = self.pos;
            match self.item() {
                Ok(item) => items.push(item),
                Err(Failed) => {
                    if self.pos == before {
                        self.bump();
                    }
                    self.recover(TOP_LEVEL, false);
                }
            }
        }
        items
    }

    /// True when every token was read.
    pub fn at_end(&self) -> bool {
        self.peek().is_none()
    }
}
