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
    let mut parser = parser::Parser::new(file, text);
    let items = parser.items();
    let (comments, mut errors) = parser.finish();
    crate::diag::sort(&mut errors);
    (ast::File { items, comments }, errors)
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
