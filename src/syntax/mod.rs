//! The front end: text to a spanned syntax tree, and nothing else.
//!
//! [`parse`] is the one entry point for rule files; [`parse_literal`] reads a single value (for
//! `--set ID=VALUE`), and [`lexer`] is shared with the question reader. nom's types never leave
//! this module.

pub mod ast;
pub mod lexer;
mod parser;

pub use parser::{is_keyword, KEYWORDS};

use crate::diag::Diagnostic;
use crate::source::Span;

/// Parses one rule file. The tree holds every item that could be read; the diagnostics say what
/// could not (a file with diagnostics is not to be evaluated).
pub fn parse(file: u32, text: &str) -> (ast::File, Vec<Diagnostic>) {
    read(file, text, parser::Keep::Whole)
}

/// Parses one rule file for checking alone: as [`parse`], with the same diagnostics, but each
/// agreement keeps only its id, title and span, and its clauses' bytes
/// ([`ast::Agreement::hollow`]); the checker reads its head again with [`agreement_at`], and
/// each clause with [`clause_at`], when it builds the model. A large rule set's agreements as
/// syntax took more memory than the checked model.
pub fn parse_lean(file: u32, text: &str) -> (ast::File, Vec<Diagnostic>) {
    read(file, text, parser::Keep::Names)
}

fn read(file: u32, text: &str, keep: parser::Keep) -> (ast::File, Vec<Diagnostic>) {
    let mut parser = parser::Parser::new(file, text);
    parser.keep = keep;
    let items = parser.items();
    let (comments, mut errors) = parser.finish();
    crate::diag::sort(&mut errors);
    (ast::File { items, comments }, errors)
}

/// The head of an agreement of a file read by [`parse_lean`], read again from its text, its
/// clauses passed over; its problems, if any, were reported by that reading.
pub fn agreement_at(text: &str, hollow: &ast::Agreement) -> Option<ast::Agreement> {
    let mut parser = parser::Parser::starting_at(hollow.span.file, text, hollow.span.start);
    parser.keep = parser::Keep::Head;
    parser.skips = &hollow.clause_spans;
    parser.lone_agreement()
}

/// The clause that starts at byte `start` of a file read by [`parse_lean`] (one of an
/// agreement's [`ast::Agreement::clause_spans`]), read again; its problems, if any, were
/// reported by that reading.
pub fn clause_at(file: u32, text: &str, start: u32) -> Option<ast::Clause> {
    parser::Parser::starting_at(file, text, start).lone_clause()
}

/// Parses one literal value (day, amount, percent or duration) filling the whole text.
pub fn parse_literal(file: u32, text: &str) -> Result<ast::Value, Vec<Diagnostic>> {
    let lexed = lexer::lex(file, text);
    if !lexed.errors.is_empty() {
        return Err(lexed.errors);
    }
    let mut parser = parser::Parser::new(file, text);
    let value = parser.literal();
    let at_end = parser.at_end();
    let (_, mut errors) = parser.finish();
    match value {
        Ok(v @ ast::Value::Lit { .. }) if errors.is_empty() => {
            if at_end {
                Ok(v)
            } else {
                let end = v.span().end as usize;
                errors.push(
                    Diagnostic::error(
                        crate::diag::Code::Syntax,
                        Span::new(file, end, text.len()),
                        "unexpected text after the value",
                    )
                    .label("not part of the value"),
                );
                Err(errors)
            }
        }
        _ => {
            if errors.is_empty() {
                errors.push(Diagnostic::error(
                    crate::diag::Code::Syntax,
                    Span::new(file, 0, text.len()),
                    "expected a value: a day, an amount, a percent or a duration",
                ));
            }
            Err(errors)
        }
    }
}
