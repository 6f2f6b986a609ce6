//! Batch answering: one question a line in, one JSON answer a line out.
//!
//! Built for throughput: lines are read into one reused buffer, the verdict of each ruling of the
//! engine's tables is rendered once per engine and reused (by batches and by the service alike),
//! and output is written through the caller's buffered writer. Memory does not grow with the
//! number of lines. A bad line yields `{"line": N, "error": "…"}` in its
//! place and the run goes on.

use std::borrow::Cow;
use std::io::{BufRead, Write};
use std::sync::Arc;

use super::answer::Ruling;
use super::Engine;

/// Why a batch stopped: its input could not be read, or its output not written.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The questions could not be read.
    #[error("cannot read the questions: {0}")]
    Read(std::io::Error),
    /// The answers could not be written.
    #[error("cannot write the answers: {0}")]
    Write(std::io::Error),
}

/// Answers one question a line; a bad line yields `{"line": N, "error": "…"}`. Lines end at
/// LF, CRLF or a lone CR; a byte-order mark at the start is dropped.
pub fn answer_lines(
    engine: &Engine,
    mut reader: impl BufRead,
    out: &mut impl Write,
) -> Result<(), BatchError> {
    let mut buf = Vec::with_capacity(256);
    let mut line_no = 0usize;
    let mut first = true;
    loop {
        buf.clear();
        if reader
            .read_until(b'\n', &mut buf)
            .map_err(BatchError::Read)?
            == 0
        {
            break;
        }
        let mut chunk = buf.as_slice();
        if first {
            chunk = chunk.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(chunk);
            first = false;
        }
        let chunk = chunk.strip_suffix(b"\n").unwrap_or(chunk);
        let chunk = chunk.strip_suffix(b"\r").unwrap_or(chunk);
        // Lone CRs end lines too.
        for piece in chunk.split(|&b| b == b'\r') {
            line_no += 1;
            answer_line(engine, piece, line_no, out).map_err(BatchError::Write)?;
        }
    }
    out.flush().map_err(BatchError::Write)
}

fn answer_line(
    engine: &Engine,
    bytes: &[u8],
    line_no: usize,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let Ok(line) = std::str::from_utf8(bytes) else {
        return writeln!(
            out,
            "{{\"line\":{line_no},\"error\":\"the line is not UTF-8 text\"}}"
        );
    };
    // `#` starts a comment, on its own line or after a question.
    let text = line.split_once('#').map_or(line, |(q, _)| q).trim();
    if text.is_empty() {
        return Ok(());
    }
    let q = match engine.parse(text) {
        Ok(q) => q,
        Err(e) => {
            let err = serde_json::json!({"line": line_no, "error": e.to_string()});
            return writeln!(out, "{err}");
        }
    };
    write_json(engine, text, &q, out)?;
    out.write_all(b"\n")
}

/// Writes the JSON answer to a question read from `text`: the same bytes as
/// `serde_json::to_string(&engine.ask(text)?)`, made faster by writing the question as asked
/// and reusing the rendered verdict of a ruling of the engine's tables.
pub(crate) fn write_json(
    engine: &Engine,
    text: &str,
    q: &super::Question,
    out: &mut impl Write,
) -> std::io::Result<()> {
    // A cloud asked by an alias is named, as `ask` does.
    let aliases = super::question::aliases(engine.rules(), text);
    let alias = aliases.first().map(|(a, c)| (a.as_str(), c.as_str()));
    // The question echoed as `ask` echoes it: its words separated by one space.
    out.write_all(b"{\"question\":")?;
    let single_spaced =
        !text.contains("  ") && !text.bytes().any(|b| b.is_ascii_whitespace() && b != b' ');
    if single_spaced {
        serde_json::to_writer(&mut *out, text)?;
    } else {
        let words: Vec<&str> = text.split_ascii_whitespace().collect();
        serde_json::to_writer(&mut *out, &words.join(" "))?;
    }
    if let Some((asked, cloud)) = alias {
        out.write_all(b",\"aliases\":")?;
        serde_json::to_writer(&mut *out, &serde_json::json!({ asked: cloud }))?;
    }
    match q.at {
        // A question about one place or field (0.2) is answered on its own.
        Some(day) if !q.place.is_everywhere() => {
            let when = engine.when_in(q.subject, q.place);
            let tail = match when.at(day) {
                Some(w) => engine.point_answer(String::new(), w).json_tail(),
                None => engine
                    .point_answer(String::new(), &super::empty_window())
                    .json_tail(),
            };
            out.write_all(tail.as_bytes())?;
        }
        Some(day) => match engine.at(q.subject, day) {
            Cow::Borrowed(w) => out.write_all(tail_of(engine, w).as_bytes())?,
            Cow::Owned(w) => {
                out.write_all(
                    engine
                        .point_answer(String::new(), &w)
                        .json_tail()
                        .as_bytes(),
                )?;
            }
        },
        None => {
            let tail = engine
                .when_answer(String::new(), &engine.when_in(q.subject, q.place))
                .json_tail();
            out.write_all(tail.as_bytes())?;
        }
    }
    Ok(())
}

/// The rendered verdict of a ruling of the engine's tables: made the first time it is asked,
/// then shared by every thread.
fn tail_of(engine: &Engine, w: &Ruling) -> Arc<str> {
    let key = std::ptr::from_ref(w) as usize;
    if let Some(tail) = engine.tails.read().ok().and_then(|t| t.get(&key).cloned()) {
        return tail;
    }
    let tail: Arc<str> = engine.point_answer(String::new(), w).json_tail().into();
    if let Ok(mut tails) = engine.tails.write() {
        tails.insert(key, Arc::clone(&tail));
    }
    tail
}

impl Engine {
    /// Reads a question and answers it as JSON: the same text as
    /// [`Answer::to_json`](crate::Answer::to_json) of [`Engine::ask`], made without building
    /// the answer when the engine answered the same ruling before (what a service answering
    /// many questions wants).
    pub fn ask_json(&self, text: &str) -> Result<String, super::QuestionError> {
        let q = self.parse(text)?;
        let mut out = Vec::with_capacity(512);
        // Writing to a vector cannot fail.
        let _ = write_json(self, text.trim(), &q, &mut out);
        Ok(String::from_utf8(out).unwrap_or_default())
    }
}
