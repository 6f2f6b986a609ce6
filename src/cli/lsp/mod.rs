//! `covenant lsp`: the language server for rule authors, over standard input and output.
//!
//! An editor starts it and speaks the Language Server Protocol to it. It reads every `.cov` file
//! of the workspace folder, and keeps the editor's unsaved text of open files in their place;
//! at every change it checks the whole rule set again (milliseconds for the shipped rules) and
//! publishes each file's diagnostics — the messages, codes and help of `covenant check`, placed
//! in UTF-16 columns as the protocol counts them. On that one view it answers go to definition,
//! find references, hover (a clause's consolidated life, an assumption's value and the clauses
//! that use it, what a record triggered), completion of ids by kind and of keywords, rename
//! across files, whole-document formatting (`covenant fmt`) and quick fixes for "did you mean".
//!
//! Messages are handled one at a time, in order (lsp-server's model); changes queued behind one
//! another are checked once. A message that is not JSON, or not a request the server knows, is
//! answered with the protocol's error and the server goes on: nothing an editor sends stops it
//! but `exit` or the end of its input.

mod index;
mod server;

use std::io::{BufRead, Read, Write};
use std::sync::mpsc;

use super::Exit;

/// `covenant lsp` takes no options: it speaks over standard input and output.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Speak over standard input and output (the only transport; editors pass it)
    #[arg(long)]
    stdio: bool,
}

/// The largest message accepted (a rule file of many megabytes fits).
const MAX_MESSAGE: usize = 256 << 20;

/// What the reading thread hands the server.
pub(crate) enum Incoming {
    Message(lsp_server::Message),
    /// A frame whose body is not a protocol message: answered with a parse error.
    Garbled(String),
}

/// Reads one framed message: headers (`Content-Length`), a blank line, the body. `None` at the
/// end of the input.
fn read_frame(input: &mut impl BufRead) -> std::io::Result<Option<Result<Vec<u8>, String>>> {
    let mut length: Option<usize> = None;
    let mut bad_header: Option<String> = None;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = input.by_ref().take(8192).read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if length.is_none() && bad_header.is_none() {
                // Blank lines between messages are tolerated.
                continue;
            }
            break;
        }
        // `Content-Length:` is looked for anywhere in the line: after a frame whose length was
        // wrong, the rest of its body and the next header share a line, and finding the header
        // there is how the reader falls back in step with the editor.
        let lower = text.to_ascii_lowercase();
        match lower.rfind("content-length:") {
            Some(at) => {
                let value = text
                    .get(at + "content-length:".len()..)
                    .unwrap_or("")
                    .trim();
                match value.parse::<usize>() {
                    Ok(v) => {
                        length = Some(v);
                        bad_header = None;
                    }
                    Err(_) => {
                        length = None;
                        bad_header = Some(format!(
                            "bad Content-Length `{}`",
                            covenant::diag::shown(value, 40)
                        ));
                    }
                }
            }
            // Other headers (Content-Type) are read past.
            None if length.is_some() || bad_header.is_some() || is_header(text) => {}
            None => {
                bad_header = Some(format!(
                    "not a header: `{}`",
                    covenant::diag::shown(text, 60)
                ))
            }
        }
    }
    let Some(length) = length else {
        return Ok(Some(Err(
            bad_header.unwrap_or_else(|| "a message without Content-Length".into())
        )));
    };
    if length > MAX_MESSAGE {
        // Skip the body to stay in step with the next message.
        std::io::copy(
            &mut input.by_ref().take(length as u64),
            &mut std::io::sink(),
        )?;
        return Ok(Some(Err(format!(
            "a message of {length} bytes: at most {MAX_MESSAGE} are read"
        ))));
    }
    let mut body = vec![0u8; length];
    input.read_exact(&mut body)?;
    Ok(Some(Ok(body)))
}

/// A line shaped as a header: a name of letters and `-`, a colon.
fn is_header(text: &str) -> bool {
    text.split_once(':').is_some_and(|(name, _)| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

/// Reads framed messages from `input` until it ends, handing each to `tx`.
pub(crate) fn read_messages(mut input: impl BufRead, tx: mpsc::Sender<Incoming>) {
    loop {
        let frame = match read_frame(&mut input) {
            Ok(Some(f)) => f,
            Ok(None) | Err(_) => return,
        };
        let incoming = match frame {
            Ok(body) => match serde_json::from_slice::<lsp_server::Message>(&body) {
                Ok(m) => Incoming::Message(m),
                Err(e) => Incoming::Garbled(format!("not a protocol message: {e}")),
            },
            Err(why) => Incoming::Garbled(why),
        };
        if tx.send(incoming).is_err() {
            return;
        }
    }
}

/// Writes one message with its header.
pub(crate) fn write_message(out: &mut impl Write, body: &serde_json::Value) -> std::io::Result<()> {
    let text = body.to_string();
    write!(out, "Content-Length: {}\r\n\r\n{}", text.len(), text)?;
    out.flush()
}

pub fn run(args: Args) -> Exit {
    let _ = args.stdio;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || read_messages(std::io::stdin().lock(), tx));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match server::Server::new().serve(&rx, &mut out) {
        Ok(true) => Exit::Yes,
        Ok(false) => Exit::No,
        Err(e) => {
            errln!("error: covenant lsp: cannot write to the editor: {e}");
            Exit::Error
        }
    }
}
