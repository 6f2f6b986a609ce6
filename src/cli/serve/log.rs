//! The decision log: one JSON line per decision, written by a thread of its own so that a
//! request never waits on the disk.
//!
//! Requests hand their lines to an unbounded channel; the writer drains it in order, flushing
//! whenever it has caught up. [`DecisionLog::close`] (after the server has drained its
//! requests) ends the channel and waits for the last line to reach the file, so a clean
//! shutdown loses none. A write that fails marks the log broken: the service then gives no
//! decision without its record (503, and `/ready` says so) until [`DecisionLog::reopen`]
//! (SIGHUP, which also serves log rotation) opens the file again.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

enum Message {
    Line(String),
    /// Open the file again (after it was moved away, or after a failed write).
    Reopen,
}

/// What the writer and the requests both see.
#[derive(Default)]
struct Health {
    /// Why the last write failed, while the log is broken.
    broken: Mutex<Option<String>>,
    is_broken: AtomicBool,
    errors: AtomicU64,
}

pub struct DecisionLog {
    tx: Mutex<Option<Sender<Message>>>,
    writer: Mutex<Option<JoinHandle<Result<u64, String>>>>,
    health: Arc<Health>,
}

fn open(path: &Path) -> Result<std::fs::File, String> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| {
            format!(
                "--decision-log `{}`: {}",
                path.display(),
                covenant::source::describe_io(&e)
            )
        })
}

impl DecisionLog {
    /// Opens the file for appending (made if missing) and starts the writer.
    pub fn open(path: &Path) -> Result<DecisionLog, String> {
        let file = open(path)?;
        let (tx, rx) = channel::<Message>();
        let health = Arc::new(Health::default());
        let writer = {
            let (path, health) = (path.to_path_buf(), Arc::clone(&health));
            std::thread::Builder::new()
                .name("decision-log".into())
                .spawn(move || drain(file, &path, &rx, &health))
                .map_err(|e| format!("cannot start the decision log's writer: {e}"))?
        };
        Ok(DecisionLog {
            tx: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
            health,
        })
    }

    /// Why decisions cannot be recorded now, if they cannot.
    pub fn broken(&self) -> Option<String> {
        if !self.health.is_broken.load(Ordering::Acquire) {
            return None;
        }
        self.health.broken.lock().ok().and_then(|b| b.clone())
    }

    /// Writes that failed since the start.
    pub fn errors(&self) -> u64 {
        self.health.errors.load(Ordering::Relaxed)
    }

    /// Hands a line to the writer.
    pub fn write(&self, line: String) {
        self.send(Message::Line(line));
    }

    /// Asks the writer to open the file again, by its path.
    pub fn reopen(&self) {
        self.send(Message::Reopen);
    }

    fn send(&self, message: Message) {
        if let Ok(tx) = self.tx.lock() {
            if let Some(tx) = tx.as_ref() {
                let _ = tx.send(message);
            }
        }
    }

    /// Ends the log: every line handed over before is written and flushed. Returns how many
    /// lines were written, or why some could not be.
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

/// Writes lines as they come until the channel ends; flushes whenever it has caught up. A
/// failed write marks the log broken (the line is counted lost) until a reopen succeeds.
fn drain(
    file: std::fs::File,
    path: &Path,
    rx: &Receiver<Message>,
    health: &Health,
) -> Result<u64, String> {
    let mut out = Some(std::io::BufWriter::with_capacity(1 << 16, file));
    let mut lines = 0u64;
    let mut lost = 0u64;
    let fail = |e: &std::io::Error| {
        let why = format!(
            "cannot write the decision log `{}`: {}",
            path.display(),
            covenant::source::describe_io(e)
        );
        if !health.is_broken.swap(true, Ordering::AcqRel) {
            crate::covenant_cli::write_err(format_args!(
                "covenant serve: {why}; no decision is given until it can be (SIGHUP opens it again)\n"
            ));
        }
        if let Ok(mut b) = health.broken.lock() {
            *b = Some(why);
        }
        health.errors.fetch_add(1, Ordering::Relaxed);
    };
    let mut handle =
        |message: Message, out: &mut Option<std::io::BufWriter<std::fs::File>>| match message {
            Message::Line(line) => {
                let written = match out.as_mut() {
                    Some(w) => w
                        .write_all(line.as_bytes())
                        .and_then(|()| w.write_all(b"\n")),
                    None => Err(std::io::Error::other("the file is not open")),
                };
                match written {
                    Ok(()) => lines += 1,
                    Err(e) => {
                        lost += 1;
                        fail(&e);
                    }
                }
            }
            Message::Reopen => {
                if let Some(mut w) = out.take() {
                    if let Err(e) = w.flush() {
                        fail(&e);
                    }
                }
                match open(path) {
                    Ok(f) => {
                        *out = Some(std::io::BufWriter::with_capacity(1 << 16, f));
                        health.is_broken.store(false, Ordering::Release);
                        if let Ok(mut b) = health.broken.lock() {
                            *b = None;
                        }
                    }
                    Err(why) => fail(&std::io::Error::other(why)),
                }
            }
        };
    while let Ok(message) = rx.recv() {
        handle(message, &mut out);
        while let Ok(message) = rx.try_recv() {
            handle(message, &mut out);
        }
        if let Some(w) = out.as_mut() {
            if let Err(e) = w.flush() {
                fail(&e);
            }
        }
    }
    if let Some(w) = out.as_mut() {
        if let Err(e) = w.flush() {
            fail(&e);
        }
    }
    if lost > 0 || health.is_broken.load(Ordering::Acquire) {
        let why = health
            .broken
            .lock()
            .ok()
            .and_then(|b| b.clone())
            .unwrap_or_else(|| "the decision log could not be written".into());
        return Err(format!(
            "{why} ({lines} lines taken, {lost} refused; lines taken before a failed flush may be missing)"
        ));
    }
    Ok(lines)
}
