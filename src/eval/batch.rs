//! Batch answering: one question a line in, one JSON answer a line out.
//!
//! Built for throughput: lines are read into one reused buffer, each distinct answer's JSON is
//! rendered once and reused, and output is written through the caller's buffered writer. Memory
//! does not grow with the number of lines. A bad line yields `{"line": N, "error": "…"}` in its
//! place and the run goes on.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{BufRead, Write};

use super::answer::Window;
use super::{render, Engine};

/// Answers one question a line; a bad line yields `{"line": N, "error": "…"}`.
pub fn answer_lines(
    engine: &Engine,
    mut reader: impl BufRead,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let mut tails: HashMap<*const Window, String> = HashMap::new();
    let mut buf = Vec::with_capacity(256);
    let mut line_no = 0usize;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        line_no += 1;
        let Ok(line) = std::str::from_utf8(&buf) else {
            writeln!(
                out,
                "{{\"line\":{line_no},\"error\":\"the line is not UTF-8 text\"}}"
            )?;
            continue;
        };
        // `#` starts a comment, on its own line or after a question.
        let text = line.split_once('#').map_or(line, |(q, _)| q).trim();
        if text.is_empty() {
            continue;
        }
        let q = match engine.parse(text) {
            Ok(q) => q,
            Err(e) => {
                let err = serde_json::json!({"line": line_no, "error": format!("column {}: {}", e.column, e.message)});
                writeln!(out, "{err}")?;
                continue;
            }
        };
        match q.at {
            Some(day) => {
                let w = engine.at(q.subject, day);
                out.write_all(b"{\"question\":")?;
                serde_json::to_writer(&mut *out, text)?;
                match &w {
                    Cow::Borrowed(w) => {
                        let tail = tails
                            .entry(*w as *const Window)
                            .or_insert_with(|| render::point_json_tail(engine, w));
                        out.write_all(tail.as_bytes())?;
                    }
                    Cow::Owned(w) => {
                        out.write_all(render::point_json_tail(engine, w).as_bytes())?
                    }
                }
                out.write_all(b"\n")?;
            }
            None => {
                let when = engine.when(q.subject);
                writeln!(out, "{}", render::when_json(engine, text, &when))?;
            }
        }
    }
    out.flush()
}
