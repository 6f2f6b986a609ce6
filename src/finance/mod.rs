//! Finance: what revenue shares owe over ledgers, exactly, to the cent.
//!
//! [`ledger`] reads and validates rows; [`revshare`] sums them against every `revenue_share`
//! clause as consolidated on each row's date; [`render`] writes the report as text, JSON or CSV.
//! [`run`] ties them together for a list of ledgers read as one.

pub mod ledger;
pub mod render;
pub mod revshare;

use std::io::{BufRead, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::eval::Engine;
use ledger::{BadRows, LedgerError, Reject, Start};
use revshare::{FinanceError, Plan, Report, Tally};

/// A callback told how many bytes were read, as they are read.
pub type Progress = Arc<dyn Fn(u64) + Send + Sync>;

/// How to read ledgers.
#[derive(Clone)]
pub struct ReadOptions {
    pub bad_rows: BadRows,
    /// Only rows dated on or before this day count (for payments "as at" a day).
    pub through: Option<NaiveDate>,
    /// Called with the number of bytes read, as they are read (for a progress bar).
    pub progress: Option<Progress>,
    /// Files of at least this many bytes are read in two parts on two threads.
    pub split_from: u64,
    /// The declared parties: a row of any other party is a bad row (a typo in a ledger must not
    /// silently drop revenue). Empty: any party is accepted.
    pub parties: Arc<rustc_hash::FxHashSet<String>>,
}

impl ReadOptions {
    pub fn new(bad_rows: BadRows) -> ReadOptions {
        ReadOptions {
            bad_rows,
            through: None,
            progress: None,
            split_from: 16 << 20,
            parties: Arc::default(),
        }
    }

    /// Options that accept only the parties an engine's rules declare.
    pub fn for_engine(engine: &Engine, bad_rows: BadRows) -> ReadOptions {
        ReadOptions {
            parties: Arc::new(engine.rules().names.parties.keys().cloned().collect()),
            ..ReadOptions::new(bad_rows)
        }
    }
}

/// A ledger to read: a file (large ones are read in two parts in parallel) or a stream.
pub enum Input {
    File(PathBuf),
    Stream(String, Box<dyn Read + Send>),
}

/// Most skipped rows kept as examples for the report.
const EXAMPLES: usize = 10;

/// Reads ledgers, in order and as one ledger, against the given plans.
pub fn run(
    plans: Vec<Plan>,
    inputs: Vec<Input>,
    options: &ReadOptions,
) -> Result<Report, FinanceError> {
    let mut state = Part::new(plans.into_iter().map(Tally::new).collect());
    for input in inputs {
        state = match input {
            Input::File(path) => read_file(state, &path, options)?,
            Input::Stream(name, reader) => {
                let part = read_part(state, &name, reader, Start::Header, options, false);
                part.into_result()?
            }
        };
    }
    let tallies = state
        .tallies
        .into_iter()
        .map(Tally::finish)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Report {
        rows_read: state.rows_read,
        rows_skipped: state.rows_skipped,
        skipped_examples: state.examples,
        tallies,
    })
}

/// What reading a ledger, or a part of one, has summed so far.
#[derive(Clone)]
struct Part {
    tallies: Vec<Tally>,
    rows_read: u64,
    rows_skipped: u64,
    examples: Vec<LedgerError>,
    error: Option<FinanceError>,
    /// Newlines and quote characters seen (counted for the first part of a split file).
    newlines: u64,
    quotes: u64,
}

impl Part {
    fn new(tallies: Vec<Tally>) -> Part {
        Part {
            tallies,
            rows_read: 0,
            rows_skipped: 0,
            examples: Vec::new(),
            error: None,
            newlines: 0,
            quotes: 0,
        }
    }

    fn into_result(mut self) -> Result<Part, FinanceError> {
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(self),
        }
    }
}

/// A reader that reports progress and, when asked, counts newlines and quotes.
struct Counted<R> {
    inner: R,
    count: bool,
    newlines: u64,
    quotes: u64,
    progress: Option<Progress>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let got = buf.get(..n).unwrap_or_default();
        if self.count {
            for &b in got {
                self.newlines += u64::from(b == b'\n');
                self.quotes += u64::from(b == b'"');
            }
        }
        if let Some(p) = &self.progress {
            p(n as u64);
        }
        Ok(n)
    }
}

/// Reads rows from one reader into a running state.
fn read_part(
    mut state: Part,
    name: &str,
    input: impl Read,
    start: Start<'_>,
    options: &ReadOptions,
    count: bool,
) -> Part {
    let mut counted = Counted {
        inner: input,
        count,
        newlines: 0,
        quotes: 0,
        progress: options.progress.clone(),
    };
    let mut skips: Vec<LedgerError> = Vec::new();
    let mut skipped = 0u64;
    let mut failure: Option<FinanceError> = None;
    let tallies = &mut state.tallies;
    let result = ledger::read(
        name,
        &mut counted,
        start,
        options.bad_rows,
        |e| {
            skipped += 1;
            if skips.len() < EXAMPLES {
                skips.push(e.clone());
            }
        },
        |row| {
            if options.through.is_some_and(|t| row.date > t) {
                return Ok(());
            }
            if !options.parties.is_empty() && !options.parties.contains(row.party) {
                let mut message = format!("unknown party `{}`", row.party);
                if let Some(best) = crate::check::nearest(row.party, options.parties.iter()) {
                    message.push_str(&format!("; did you mean `{best}`?"));
                }
                return Err(Reject::Bad(LedgerError {
                    file: name.to_string(),
                    line: row.line,
                    message,
                }));
            }
            // A row in another currency than a clause that counts it is a bad row: no clause
            // counts it, and it stops the run unless bad rows are skipped.
            if let Some(e) = tallies.iter().find_map(|t| t.mismatch(name, row)) {
                return Err(Reject::Bad(e));
            }
            for t in tallies.iter_mut() {
                if let Err(e) = t.add(name, row) {
                    let stop = LedgerError {
                        file: name.to_string(),
                        line: row.line,
                        message: e.to_string(),
                    };
                    failure = Some(e);
                    return Err(Reject::Fatal(stop));
                }
            }
            Ok(())
        },
    );
    let _ = result.map(|rows| state.rows_read += rows).map_err(|e| {
        state.error = Some(failure.take().unwrap_or(FinanceError::Row(e)));
    });
    state.rows_skipped += skipped;
    for e in skips {
        if state.examples.len() < EXAMPLES {
            state.examples.push(e);
        }
    }
    state.newlines = counted.newlines;
    state.quotes = counted.quotes;
    state
}

/// Reads a file: in two parts on two threads when it is large, else as a stream.
fn read_file(
    state: Part,
    path: &std::path::Path,
    options: &ReadOptions,
) -> Result<Part, FinanceError> {
    let name = path.display().to_string();
    let open = || {
        std::fs::File::open(path).map_err(|e| {
            FinanceError::Row(LedgerError {
                file: name.clone(),
                line: 0,
                message: format!("cannot read: {}", crate::source::describe_io(&e)),
            })
        })
    };
    let file = open()?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let split = if size >= options.split_from {
        split_point(&name, &file, size)
    } else {
        None
    };
    let Some((header, at)) = split else {
        // A fresh handle: looking for a split point may have moved `file`'s cursor.
        return read_part(state, &name, open()?, Start::Header, options, false).into_result();
    };
    drop(file);
    let before = state.clone();
    // Fresh handles: finding the split moved `file`'s cursor.
    let first_file = open()?;
    let mut second_file = open()?;
    second_file.seek(SeekFrom::Start(at)).map_err(|e| {
        FinanceError::Row(LedgerError {
            file: name.clone(),
            line: 0,
            message: format!("cannot read: {e}"),
        })
    })?;
    // The second part starts with fresh sums but the currencies known so far.
    let mut fresh: Vec<Tally> = state
        .tallies
        .iter()
        .map(|t| Tally::new(t.plan.clone()))
        .collect();
    for (f, t) in fresh.iter_mut().zip(&state.tallies) {
        f.currency = t.currency;
    }
    let (first, second) = std::thread::scope(|scope| {
        let second = scope.spawn(|| {
            let start = Start::Body {
                header: &header,
                lines_before: 0,
            };
            read_part(Part::new(fresh), &name, second_file, start, options, false)
        });
        let first = read_part(
            state,
            &name,
            first_file.take(at),
            Start::Header,
            options,
            true,
        );
        (first, second.join())
    });
    let Ok(mut second) = second else {
        return read_part(before, &name, open()?, Start::Header, options, false).into_result();
    };
    // An odd number of quotes before the split means it fell inside a quoted field: read the
    // file again on one thread.
    if first.quotes % 2 == 1 {
        return read_part(before, &name, open()?, Start::Header, options, false).into_result();
    }
    let mut first = first.into_result()?;
    for e in second.examples.iter_mut() {
        e.line += first.newlines;
    }
    if let Some(FinanceError::Row(e)) = second.error.as_mut() {
        e.line += first.newlines;
    }
    let second = second.into_result()?;
    let mut merged = Vec::with_capacity(first.tallies.len());
    for (a, b) in std::mem::take(&mut first.tallies)
        .into_iter()
        .zip(second.tallies)
    {
        let mut a = a;
        if a.merge(b).is_err() {
            // The parts disagree on a clause's currency: only a read in file order can say
            // which row is the bad one.
            return read_part(before, &name, open()?, Start::Header, options, false).into_result();
        }
        merged.push(a);
    }
    first.tallies = merged;
    first.rows_read += second.rows_read;
    first.rows_skipped += second.rows_skipped;
    for e in second.examples {
        if first.examples.len() < EXAMPLES {
            first.examples.push(e);
        }
    }
    Ok(first)
}

/// The header and the byte offset of the first line after the middle of a file.
fn split_point(name: &str, file: &std::fs::File, size: u64) -> Option<(csv::ByteRecord, u64)> {
    let mut reader = std::io::BufReader::new(file);
    let mut line = Vec::new();
    reader.read_until(b'\n', &mut line).ok()?;
    if line.contains(&b'"') {
        return None;
    }
    let header = ledger::header(name, line.as_slice()).ok()?;
    let body = line.len() as u64;
    let middle = body + (size - body) / 2;
    reader.seek(SeekFrom::Start(middle)).ok()?;
    line.clear();
    let skipped = reader.read_until(b'\n', &mut line).ok()? as u64;
    let at = middle + skipped;
    (skipped > 0 && at < size).then_some((header, at))
}

/// The plans of every revenue share, or of those named (`agreement.clause`).
pub fn plans(engine: &Engine, named: &[String]) -> Result<Vec<Plan>, String> {
    let all = revshare::plans(engine);
    if named.is_empty() {
        return Ok(all);
    }
    let mut out = Vec::new();
    for name in named {
        match all.iter().find(|p| &p.qualified == name) {
            Some(p) => out.push(p.clone()),
            None => {
                let known: Vec<String> = all.iter().map(|p| p.qualified.clone()).collect();
                let mut msg = format!("--clause `{name}`: no revenue share of this name");
                if let Some(best) = crate::check::nearest(name, known.iter()) {
                    msg.push_str(&format!("; did you mean `{best}`?"));
                } else if !known.is_empty() {
                    msg.push_str(&format!(" (the revenue shares are {})", known.join(", ")));
                }
                return Err(msg);
            }
        }
    }
    Ok(out)
}

/// Where a revenue share stands on a day, from the ledger rows dated up to and including it.
#[derive(Clone, Debug)]
pub struct Position {
    pub clause: String,
    pub currency: Option<iso_currency::Currency>,
    /// What the rows up to the day owe under the clause.
    pub owed: rust_decimal::Decimal,
    /// The cap in force on the day and what remains under it.
    pub cap: Option<(rust_decimal::Decimal, rust_decimal::Decimal)>,
    pub cap_reached_on: Option<NaiveDate>,
    /// True when the cap in force on the day was used up before it: revenue of the day owes
    /// nothing.
    pub exhausted: bool,
}

/// The positions, on `day`, of the given revenue-share clauses.
pub fn positions(
    engine: &Engine,
    clauses: &[crate::model::ClauseId],
    day: NaiveDate,
    inputs: Vec<Input>,
    options: &ReadOptions,
) -> Result<(Report, Vec<Position>), FinanceError> {
    let plans: Vec<Plan> = revshare::plans(engine)
        .into_iter()
        .filter(|p| clauses.contains(&p.clause))
        .collect();
    let options = ReadOptions {
        through: Some(day),
        ..options.clone()
    };
    let report = run(plans, inputs, &options)?;
    let positions = report
        .tallies
        .iter()
        .map(|t| {
            let cap = t.remaining_at(day);
            Position {
                clause: t.plan.qualified.clone(),
                currency: t.currency,
                owed: t.paid,
                cap,
                cap_reached_on: t.cap_reached_on,
                // Used up before the day: the day's own rows may still have paid.
                exhausted: cap.is_some_and(|(_, left)| left <= rust_decimal::Decimal::ZERO)
                    && t.cap_reached_on.is_some_and(|d| d < day),
            }
        })
        .collect();
    Ok((report, positions))
}
