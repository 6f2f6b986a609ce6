//! Text to tokens, with nom.
//!
//! The language's lexical rules are small: words (identifiers and keywords, read whole, with
//! `non-exclusive` as one word), currency codes, numbers, percents, days, months, strings,
//! `$` references, a few punctuation marks and `#` comments. The lexer keeps going after a bad
//! character so that one run reports every problem of a file; comments are kept (the formatter
//! needs them) in a list beside the tokens.

use chrono::NaiveDate;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::{char, digit1, satisfy};
use nom::combinator::{opt, recognize};
use nom::sequence::{pair, preceded, tuple};
use nom::IResult;

use crate::diag::Diagnostic;
use crate::source::Span;

/// What a token is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    /// An identifier or keyword: `[a-z][a-z0-9_]*`, or `non-exclusive`.
    Word,
    /// Three capital letters: an ISO 4217 currency code.
    Code,
    /// Digits with optional `_` groups and an optional fraction.
    Number,
    /// A number followed by `%`.
    Percent,
    /// `YYYY-MM-DD`.
    Day(NaiveDate),
    /// `YYYY-MM`.
    Month(i32, u32),
    /// A string literal, with escapes resolved.
    Str(String),
    /// `$name`; the token's text is the name without `$`.
    Ref,
    LBrace,
    RBrace,
    Comma,
    Colon,
    Eq,
    Dot,
    /// `+` (0.2): a duration after a happening or a day.
    Plus,
    /// `-` standing alone (0.2): a duration before a day.
    Minus,
}

/// A token and the text it covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    pub tok: Tok,
    pub text: &'a str,
    pub span: Span,
}

/// A `#` comment: its text (from `#`) and where it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub text: String,
    pub span: Span,
}

/// The tokens of a text, its comments, and the problems met.
pub struct Lexed<'a> {
    pub tokens: Vec<Token<'a>>,
    pub comments: Vec<Comment>,
    pub errors: Vec<Diagnostic>,
}

/// Splits a text into tokens, all at once.
pub fn lex(file: u32, text: &str) -> Lexed<'_> {
    let mut lexer = Lexer::new(file, text);
    let mut tokens = Vec::new();
    while let Some(t) = lexer.next_token() {
        tokens.push(t);
    }
    Lexed {
        tokens,
        comments: lexer.comments,
        errors: lexer.errors,
    }
}

/// Reads tokens one at a time, keeping comments and problems aside, so that a parser needs to
/// hold only its lookahead, never every token of a large file.
pub struct Lexer<'a> {
    file: u32,
    text: &'a str,
    rest: &'a str,
    pub comments: Vec<Comment>,
    pub errors: Vec<Diagnostic>,
}

impl<'a> Lexer<'a> {
    pub fn new(file: u32, text: &'a str) -> Lexer<'a> {
        Lexer::starting_at(file, text, 0)
    }

    /// A lexer of `text` from byte `offset` on (the whole text when it is not a character's
    /// start), offsets counted from the text's start.
    pub fn starting_at(file: u32, text: &'a str, offset: u32) -> Lexer<'a> {
        Lexer {
            file,
            text,
            rest: text.get(offset as usize..).unwrap_or(text),
            comments: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// Goes on from byte `offset` (left where it is when that is not a character's start).
    pub fn jump(&mut self, offset: u32) {
        if let Some(rest) = self.text.get(offset as usize..) {
            self.rest = rest;
        }
    }

    /// The next token, or `None` at the end of the text.
    pub fn next_token(&mut self) -> Option<Token<'a>> {
        let file = self.file;
        let text = self.text;
        let mut rest = self.rest;
        let out = self;
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_whitespace());
            let Some(first) = rest.chars().next() else {
                break;
            };
            let start = text.len() - rest.len();
            let span_of = |len: usize| Span::new(file, start, start + len);
            if first == '#' {
                // A comment runs to the end of its line: LF, CRLF or a lone CR.
                let len = rest.find(['\n', '\r']).unwrap_or(rest.len());
                let body = rest[..len].trim_end();
                out.comments.push(Comment {
                    text: body.to_string(),
                    span: span_of(body.len()),
                });
                rest = &rest[len..];
                continue;
            }
            if first == '"' {
                let (len, result) = lex_string(rest);
                match result {
                    Ok(s) => {
                        out.rest = &rest[len..];
                        return Some(Token {
                            tok: Tok::Str(s),
                            text: &rest[..len],
                            span: span_of(len),
                        });
                    }
                    Err((at, why)) => {
                        out.errors.push(
                            Diagnostic::error(
                                crate::diag::Code::BadString,
                                Span::new(file, start + at, start + at + 1),
                                why,
                            )
                            .label("here"),
                        );
                        out.rest = &rest[len..];
                        return Some(Token {
                            tok: Tok::Str(String::new()),
                            text: &rest[..len],
                            span: span_of(len),
                        });
                    }
                }
            }
            match token(rest) {
                Ok((after, (tok, len))) => {
                    let piece = &rest[..len];
                    // A malformed token is reported, and a token of the intended kind stands
                    // in for it, so that one bad date or word is one error, not a cascade.
                    let tok = match classify(tok, piece) {
                        Ok(tok) => Some(tok),
                        Err((why, help)) => {
                            let mut d =
                                Diagnostic::error(crate::diag::Code::BadToken, span_of(len), why)
                                    .label("not a valid token");
                            if let Some(help) = help {
                                d = d.help(help);
                            }
                            out.errors.push(d);
                            if tok == Raw::BadNumber && piece.ends_with('%') {
                                Some(Tok::Percent)
                            } else {
                                stand_in(tok)
                            }
                        }
                    };
                    if let Some(tok) = tok {
                        let text = if tok == Tok::Ref { &piece[1..] } else { piece };
                        out.rest = after;
                        return Some(Token {
                            tok,
                            text,
                            span: span_of(len),
                        });
                    }
                    rest = after;
                }
                Err(_) => {
                    let len = first.len_utf8();
                    out.errors.push(
                        Diagnostic::error(
                            crate::diag::Code::BadToken,
                            span_of(len),
                            if first.is_control()
                                || first.is_whitespace()
                                || crate::diag::invisible(first)
                            {
                                format!("unexpected character U+{:04X}", u32::from(first))
                            } else {
                                format!("unexpected character `{first}`")
                            },
                        )
                        .label("not part of the language"),
                    );
                    rest = &rest[len..];
                }
            }
        }
        out.rest = rest;
        None
    }
}

/// A well-formed token of the kind a malformed one was meant to be.
fn stand_in(raw: Raw) -> Option<Tok> {
    match raw {
        Raw::Word => Some(Tok::Word),
        Raw::Number => Some(Tok::Number),
        Raw::Percent => Some(Tok::Percent),
        Raw::Dated => Some(Tok::Day(NaiveDate::MIN)),
        Raw::Ref => Some(Tok::Ref),
        Raw::BadNumber => Some(Tok::Number),
        Raw::Punct(_) => None,
    }
}

/// Raw token shapes before validation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Raw {
    Word,
    Number,
    Percent,
    Dated,
    Ref,
    /// A number written in a way the language does not read (`1e6`, `10.`).
    BadNumber,
    Punct(char),
}

fn token<'a>(input: &'a str) -> IResult<&'a str, (Raw, usize)> {
    let (rest, (raw, piece)) = alt((
        |i| word(i).map(|(r, p)| (r, (Raw::Word, p))),
        |i| dated(i).map(|(r, p)| (r, (Raw::Dated, p))),
        |i| percent(i).map(|(r, p)| (r, (Raw::Percent, p))),
        |i| number(i).map(|(r, p)| (r, (Raw::Number, p))),
        |i| reference(i).map(|(r, p)| (r, (Raw::Ref, p))),
        |i: &'a str| {
            satisfy(|c| "{},:=.+-".contains(c))(i)
                .map(|(r, c)| (r, (Raw::Punct(c), &i[..c.len_utf8()])))
        },
    ))(input)?;
    // Words are read whole: a number glued to letters (`12abc`, `1e6`) is one bad token, with
    // a `%` after it; so is a number ending in a bare decimal point (`10.`).
    if matches!(raw, Raw::Number | Raw::Percent | Raw::Dated) {
        let tail: &str = take_while::<_, &str, nom::error::Error<&str>>(is_word_char)(rest)
            .map(|(_, t)| t)
            .unwrap_or("");
        if !tail.is_empty() {
            let mut len = piece.len() + tail.len();
            if input.get(len..).is_some_and(|r| r.starts_with('%')) {
                len += 1;
            }
            let bad = if piece.starts_with(|c: char| c.is_ascii_digit()) && raw != Raw::Dated {
                Raw::BadNumber
            } else {
                Raw::Word
            };
            return Ok((&input[len..], (bad, len)));
        }
        if raw == Raw::Number
            && rest.starts_with('.')
            && !rest[1..].starts_with(|c: char| c.is_ascii_digit())
        {
            let len = piece.len() + 1;
            return Ok((&input[len..], (Raw::BadNumber, len)));
        }
    }
    Ok((rest, (raw, piece.len())))
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn word(input: &str) -> IResult<&str, &str> {
    recognize(pair(
        satisfy(|c| c.is_ascii_alphabetic() || c == '_'),
        pair(
            take_while(is_word_char),
            opt(pair(tag("-"), take_while1(is_word_char))),
        ),
    ))(input)
}

fn digits(input: &str) -> IResult<&str, &str> {
    recognize(pair(
        digit1,
        take_while(|c: char| c.is_ascii_digit() || c == '_'),
    ))(input)
}

fn number(input: &str) -> IResult<&str, &str> {
    recognize(pair(digits, opt(pair(char('.'), digits))))(input)
}

fn percent(input: &str) -> IResult<&str, &str> {
    recognize(pair(number, char('%')))(input)
}

fn dated(input: &str) -> IResult<&str, &str> {
    recognize(tuple((
        digit1,
        char('-'),
        digit1,
        opt(pair(char('-'), digit1)),
    )))(input)
}

fn reference(input: &str) -> IResult<&str, &str> {
    recognize(preceded(char('$'), opt(word)))(input)
}

type LexProblem = (String, Option<String>);

fn classify(raw: Raw, piece: &str) -> Result<Tok, LexProblem> {
    match raw {
        Raw::Word => classify_word(piece),
        Raw::Number => {
            if piece.contains("__") || piece.ends_with('_') || piece.contains("_.") {
                return Err((
                    format!("malformed number `{piece}`"),
                    Some("`_` may only stand between digits, as in `38_000_000_000`".into()),
                ));
            }
            Ok(Tok::Number)
        }
        Raw::Percent => {
            classify(Raw::Number, piece.strip_suffix('%').unwrap_or(piece)).map(|_| Tok::Percent)
        }
        Raw::Dated => classify_dated(piece),
        Raw::BadNumber => Err(if piece.ends_with('.') {
            (
                format!("`{piece}`: a decimal point must be followed by digits"),
                Some(format!(
                    "write `{}` or `{}00`",
                    piece.trim_end_matches('.'),
                    piece
                )),
            )
        } else if piece.trim_end_matches('%').split(['e', 'E']).all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_digit() || c == '.' || c == '_')
        }) {
            (
                format!("`{piece}` is not a number covenant reads: exponents are not part of the language"),
                Some("write the number out in full, such as `1_000_000`".into()),
            )
        } else {
            (
                format!("`{piece}` is neither a number nor an identifier"),
                Some("identifiers start with a letter; numbers are digits, `_` and one `.`".into()),
            )
        }),
        Raw::Ref => {
            let name = &piece[1..];
            if name.is_empty() {
                return Err((
                    "`$` must be followed by an assumption id".into(),
                    Some("write `$revenue_share_cap`, naming an `assume` declaration".into()),
                ));
            }
            classify_word(name).and_then(|t| match t {
                Tok::Word => Ok(Tok::Ref),
                _ => Err((format!("`{name}` is not a valid assumption id"), None)),
            })
        }
        Raw::Punct(c) => Ok(match c {
            '{' => Tok::LBrace,
            '}' => Tok::RBrace,
            ',' => Tok::Comma,
            ':' => Tok::Colon,
            '=' => Tok::Eq,
            '+' => Tok::Plus,
            '-' => Tok::Minus,
            _ => Tok::Dot,
        }),
    }
}

fn classify_word(piece: &str) -> Result<Tok, LexProblem> {
    if piece == "non-exclusive" {
        return Ok(Tok::Word);
    }
    if piece.contains('-') {
        return Err((
            format!("`{piece}` is not a valid word"),
            Some(
                "identifiers use `_`, not `-`; the only hyphenated word is `non-exclusive`".into(),
            ),
        ));
    }
    if piece.len() == 3 && piece.chars().all(|c| c.is_ascii_uppercase()) {
        return Ok(Tok::Code);
    }
    let mut chars = piece.chars();
    let starts_lower = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    if starts_lower && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return Ok(Tok::Word);
    }
    let lower = piece.to_ascii_lowercase();
    let help = if lower.chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
        format!(
            "identifiers are lowercase letters, digits and `_`, starting with a letter: `{lower}`"
        )
    } else {
        "identifiers are lowercase letters, digits and `_`, starting with a letter".to_string()
    };
    Err((format!("`{piece}` is not a valid identifier"), Some(help)))
}

fn classify_dated(piece: &str) -> Result<Tok, LexProblem> {
    let parts: Vec<&str> = piece.split('-').collect();
    let shape_ok =
        parts.first().is_some_and(|y| y.len() == 4) && parts.iter().skip(1).all(|p| p.len() == 2);
    if !shape_ok {
        return Err((
            format!("malformed date `{piece}`"),
            Some("days are written `YYYY-MM-DD` and months `YYYY-MM`".into()),
        ));
    }
    let num = |i: usize| parts.get(i).and_then(|p| p.parse::<u32>().ok());
    let (Some(year), Some(month)) = (num(0), num(1)) else {
        return Err((format!("malformed date `{piece}`"), None));
    };
    let year = i32::try_from(year).unwrap_or(0);
    if !(1..=12).contains(&month) {
        return Err((
            format!("invalid date `{piece}`: there is no month {month}"),
            None,
        ));
    }
    match num(2) {
        None => Ok(Tok::Month(year, month)),
        Some(day) => NaiveDate::from_ymd_opt(year, month, day)
            .map(Tok::Day)
            .ok_or_else(|| {
                (
                    format!("invalid date `{piece}`: {year:04}-{month:02} has no day {day}"),
                    None,
                )
            }),
    }
}

/// Reads a string literal at the start of `input` (which begins with `"`). Returns the length
/// consumed and the value, or the offset and reason of the problem.
fn lex_string(input: &str) -> (usize, Result<String, (usize, String)>) {
    let mut value = String::new();
    let mut chars = input.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return (i + 1, Ok(value)),
            '\\' => match chars.next() {
                Some((_, '"')) => value.push('"'),
                Some((_, '\\')) => value.push('\\'),
                Some((_, 'n')) => value.push('\n'),
                Some((j, other)) => {
                    let end = input[j..].find('"').map_or(input.len(), |k| j + k + 1);
                    return (
                        end,
                        Err((
                            i,
                            format!(
                                "unknown escape `\\{}` in string; the escapes are `\\\"`, `\\\\` and `\\n`",
                                other.escape_debug()
                            ),
                        )),
                    );
                }
                None => break,
            },
            '\n' | '\r' => {
                return (
                    i,
                    Err((0, "string is not closed before the end of the line".into())),
                )
            }
            c => value.push(c),
        }
    }
    (
        input.len(),
        Err((0, "string is not closed before the end of the file".into())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Tok> {
        let lexed = lex(0, text);
        assert!(lexed.errors.is_empty(), "{:?}", lexed.errors);
        lexed.tokens.into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn words_are_read_whole() {
        let lexed = lex(0, "onprem non-exclusive gpt_5_5");
        let texts: Vec<&str> = lexed.tokens.iter().map(|t| t.text).collect();
        assert_eq!(texts, ["onprem", "non-exclusive", "gpt_5_5"]);
    }

    #[test]
    fn literals() {
        let day = NaiveDate::from_ymd_opt(2026, 4, 27).unwrap_or_default();
        assert_eq!(
            kinds("2026-04-27 2030-12 2032 12.5% USD 38_000_000_000 $cap"),
            [
                Tok::Day(day),
                Tok::Month(2030, 12),
                Tok::Number,
                Tok::Percent,
                Tok::Code,
                Tok::Number,
                Tok::Ref
            ]
        );
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(
            kinds(r#""a \"b\" \\ c\n""#),
            [Tok::Str("a \"b\" \\ c\n".into())]
        );
    }

    #[test]
    fn comments_are_kept_apart() {
        let lexed = lex(0, "party a # the first\n# alone\n");
        assert_eq!(lexed.tokens.len(), 2);
        let texts: Vec<&str> = lexed.comments.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["# the first", "# alone"]);
    }

    #[test]
    fn bad_input_is_reported_and_skipped() {
        let lexed = lex(0, "party Foo @ 2026-02-30 12ab \"open");
        let codes: Vec<&str> = lexed.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(codes.len(), 5, "{codes:?}");
        assert!(codes[0].contains("`Foo`"));
        assert!(codes[1].contains("`@`"));
        assert!(codes[2].contains("has no day 30"));
        assert!(codes[3].contains("`12ab`"));
        assert!(codes[4].contains("not closed"));
    }
}
