//! The decision log: one JSON line per decision, written by a thread of its own so that a
//! request never waits on the disk.
//!
//! Requests hand their lines to an unbounded channel; the writer drains it in order, flushing
//! whenever it has caught up. [`DecisionLog::close`] (after the server has drained its
//! requests) ends the channel and waits for the last line to reach the file, so a clean
//! shutdown loses none.

use std::io::Write;
use std::path::Path;
use std::sync::mpsc::{channel, Sender};
use std::sync::Mutex;
use std::thread::JoinHandle;

pub struct DecisionLog {
    tx: Mutex<Option<Sender<String>>>,
    writer: Mutex<Option<JoinHandle<Result<u64, String>>>>,
}

impl DecisionLog {
    /// Opens the file for appending (made if missing) and starts the writer.
    pub fn open(path: &Path) -> Result<DecisionLog, String> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| {
                format!(
                    "--decision-log `{}`: {}",
                    path.display(),
                    covenant::source::describe_io(&e)
                )
            })?;
        let name = path.display().to_string();
        let (tx, rx) = channel::<String>();
        let writer = std::thread::Builder::new()
            .name("decision-log".into())
            .spawn(move || {
                let written = drain(file, &name, &rx);
                if let Err(e) = &written {
                    crate::covenant_cli::write_err(format_args!("covenant serve: {e}\n"));
                }
                written
            })
            .map_err(|e| format!("cannot start the decision log's writer: {e}"))?;
        Ok(DecisionLog {
            tx: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
        })
    }

    /// Hands a line to the writer.
    pub fn write(&self, line: String) {
        if let Ok(tx) = self.tx.lock() {
            if let Some(tx) = tx.as_ref() {
                let _ = tx.send(line);
            }
        }
    }

    /// Ends the log: every line handed over before is written and flushed. Returns how many
    /// lines were written, or why the file could not take them.
    pub fn close(&self) -> Result<u64, String> {
        if let Ok(mut tx) = self.tx.lock() {
            tx.take();
        }
        let writer = self.writer.lock().ok().and_then(|mut w| w.take());
        match writer {
            Some(w) => w
                .join()
                .map_err(|_| "the decision log's writer stopped".to_string())?,
            None => Ok(0),
        }
    }
}

/// Writes lines as they come until the channel ends; flushes whenever it has caught up.
fn drain(
    file: std::fs::File,
    name: &str,
    rx: &std::sync::mpsc::Receiver<String>,
) -> Result<u64, String> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
    let mut lines = 0u64;
    let fail = |e: std::io::Error| {
        format!(
            "cannot write the decision log `{name}`: {}",
            covenant::source::describe_io(&e)
        )
    };
    while let Ok(line) = rx.recv() {
        out.write_all(line.as_bytes()).map_err(fail)?;
        out.write_all(b"\n").map_err(fail)?;
        lines += 1;
        while let Ok(line) = rx.try_recv() {
            out.write_all(line.as_bytes()).map_err(fail)?;
            out.write_all(b"\n").map_err(fail)?;
            lines += 1;
        }
        out.flush().map_err(fail)?;
    }
    out.flush().map_err(fail)?;
    Ok(lines)
}
