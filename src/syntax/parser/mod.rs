//! Tokens to the syntax tree: a recursive-descent reader with recovery.
//!
//! This file holds the reader's state, token access and recovery; `values.rs` reads values and
//! time terms, `clauses.rs` selectors, sentences and clauses, `blocks.rs` agreements and
//! amendments, and `items.rs` the top-level declarations.
//!
//! Each declaration starts with a keyword, so after a mistake the reader skips to the next
//! declaration (or, inside an agreement, to the end of the broken clause) and goes on: one run
//! reports every problem of a file. Braces are skipped by counting, never by recursion, so deep
//! nesting in hostile input cannot exhaust the stack.

use rust_decimal::Decimal;

use crate::diag::Diagnostic;
use crate::source::Span;
use crate::syntax::ast::*;

mod blocks;
mod clauses;
mod items;
mod values;
use crate::syntax::lexer::{Lexer, Tok, Token};

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
    "channel",
    "territory",
    "field",
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
    "first_offer",
    "revenue_share",
    "rule",
    "payment",
    "commitment",
];

/// Where recovery inside an agreement may resume: a clause, or a header term.
const AGREEMENT_STOPS: &[&str] = &[
    "exclusivity",
    "licence",
    "license",
    "first_launch",
    "first_offer",
    "revenue_share",
    "rule",
    "payment",
    "commitment",
    "between",
    "signed",
    "effective",
    "term",
    "renews",
    "terminable",
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
    lexer: Lexer<'a>,
    /// The current token and the lookahead after it (two tokens are the most ever looked at).
    toks: std::collections::VecDeque<Token<'a>>,
    /// How many tokens have been read: progress, for recovery.
    pos: usize,
    file: u32,
    eof: Span,
    last_end: u32,
    pub errors: Vec<Diagnostic>,
    /// How much of each agreement the tree keeps.
    pub keep: Keep,
    /// Reading a head alone ([`Keep::Head`]): the bytes of the clauses to pass over.
    pub skips: &'a [(u32, u32)],
}

/// How much of each agreement a tree keeps: all of it, but for checking (see
/// [`crate::syntax::parse_lean`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    Whole,
    /// Its id, title and span, and the bytes of each clause that could be read
    /// ([`Agreement::hollow`], [`Agreement::clause_spans`]).
    Names,
    /// Its head alone: clauses are passed over unread (for an agreement already read whole
    /// once, whose problems are known).
    Head,
}

impl<'a> Parser<'a> {
    pub fn new(file: u32, text: &'a str) -> Parser<'a> {
        Parser::starting_at(file, text, 0)
    }

    /// A reader of `text` from byte `offset` on (a token's start), spans counted from the
    /// text's start.
    pub fn starting_at(file: u32, text: &'a str, offset: u32) -> Parser<'a> {
        let mut parser = Parser {
            lexer: Lexer::starting_at(file, text, offset),
            toks: std::collections::VecDeque::with_capacity(4),
            pos: 0,
            file,
            eof: Span::new(file, text.len(), text.len()),
            last_end: offset,
            errors: Vec::new(),
            keep: Keep::Whole,
            skips: &[],
        };
        parser.fill();
        parser
    }

    /// One clause, read from where it starts (for [`crate::syntax::clause_at`]).
    pub fn lone_clause(&mut self) -> Option<Clause> {
        self.clause().ok()
    }

    /// Goes on reading from byte `offset` (a token's start, or the text's end).
    fn jump(&mut self, offset: u32) {
        self.lexer.jump(offset);
        self.toks.clear();
        self.last_end = offset;
        // Progress, as recovery counts it.
        self.pos += 1;
        self.fill();
    }

    /// One agreement, read from where it starts (for [`crate::syntax::agreement_at`]).
    pub fn lone_agreement(&mut self) -> Option<Agreement> {
        match self.item() {
            Ok(Item::Agreement(a)) => Some(*a),
            _ => None,
        }
    }

    /// Keeps the current token and two of lookahead read.
    fn fill(&mut self) {
        while self.toks.len() < 3 {
            match self.lexer.next_token() {
                Some(t) => self.toks.push_back(t),
                None => break,
            }
        }
    }

    /// The comments and lexical problems met, once everything is read.
    pub fn finish(self) -> (Vec<crate::syntax::lexer::Comment>, Vec<Diagnostic>) {
        let mut errors = self.lexer.errors;
        errors.extend(self.errors);
        (self.lexer.comments, errors)
    }

    // ----- token access -------------------------------------------------------------------

    fn peek(&self) -> Option<&Token<'a>> {
        self.toks.front()
    }

    fn peek_at(&self, n: usize) -> Option<&Token<'a>> {
        self.toks.get(n)
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
        let t = self.toks.pop_front()?;
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
        self.fill();
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
            crate::diag::Code::Syntax,
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
                            crate::diag::Code::ReservedWord,
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
}
