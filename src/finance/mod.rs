//! Finance: what revenue shares owe over ledgers, exactly, to the cent.
//!
//! [`ledger`] reads and validates rows; [`revshare`] sums them against every `revenue_share`
//! clause as consolidated on each row's date; [`render`] writes the report as text, JSON or CSV.
//! [`run`] ties them together for a list of ledgers read as one.

pub mod ledger;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod partial;
pub mod records;
pub mod render;
pub mod revshare;
pub mod statement;

use std::io::{BufRead, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::eval::Engine;
use ledger::{BadRows, LedgerError, Reject, Start};
use revshare::{FinanceError, Plan, Report, Tally};

use crate::answer::{Answer, ClausePosition, Outcome, Position};

/// A callback told how many bytes were read, as they are read.
pub type Progress = Arc<dyn Fn(u64) + Send + Sync>;

/// How to read ledgers.
#[derive(Clone)]
pub struct ReadOptions {
    /// What a bad row does: stop the read or be skipped.
    pub bad_rows: BadRows,
    /// Only rows dated on or before this day count (for payments "as at" a day).
    pub through: Option<NaiveDate>,
    /// Called with the number of bytes read, as they are read (for a progress bar).
    pub progress: Option<Progress>,
    /// Files of at least this many bytes are read in two parts on two threads.
    pub split_from: u64,
    /// Where to try the split (the first line start at or after this offset) instead of the
    /// middle: for tests that split a file at every offset.
    #[doc(hidden)]
    pub split_near: Option<u64>,
    /// Read CSV through its parser alone (never split a plain line without it): for tests
    /// that compare the two readings.
    #[doc(hidden)]
    pub parser_only: bool,
    /// The declared parties: a row of any other party is a bad row (a typo in a ledger must not
    /// silently drop revenue). Empty: any party is accepted.
    pub parties: Arc<rustc_hash::FxHashSet<String>>,
    /// How ledger files are read: by their extension (`.parquet` is Parquet), or as asked.
    pub format: Format,
}

/// A ledger file's format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// Parquet for a `.parquet` file, CSV for any other.
    #[default]
    Auto,
    /// CSV with the header `date,party,stream,amount,currency`.
    Csv,
    /// Parquet with the same five columns (feature `parquet`).
    Parquet,
}

impl ReadOptions {
    /// Options with this policy for bad rows, and no limit on days.
    pub fn new(bad_rows: BadRows) -> ReadOptions {
        ReadOptions {
            bad_rows,
            through: None,
            progress: None,
            split_from: 16 << 20,
            split_near: None,
            parser_only: false,
            parties: Arc::default(),
            format: Format::Auto,
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
    /// A file, read (on two threads when large) from disk.
    File(PathBuf),
    /// A named stream, read once in order (standard input, a pipe).
    Stream(String, Box<dyn Read + Send>),
    /// Arrow record batches with the ledger's five columns (feature `parquet`): a table handed
    /// over from Python, a Spark partition. Read once, in order, on the caller's thread.
    #[cfg(feature = "parquet")]
    Batches(String, Box<dyn arrow_array::RecordBatchReader + Send>),
}

/// Most skipped rows kept as examples for the report.
const EXAMPLES: usize = 10;

/// Reads ledgers, in order and as one ledger, against the given plans.
pub fn run(
    plans: Vec<Plan>,
    inputs: Vec<Input>,
    options: &ReadOptions,
) -> Result<Report, FinanceError> {
    complete(read(plans, inputs, options)?, options.through)
}

/// Reads ledgers, in order and as one ledger, into sums not yet walked.
fn read(plans: Vec<Plan>, inputs: Vec<Input>, options: &ReadOptions) -> Result<Part, FinanceError> {
    let mut state = Part::new(
        plans
            .into_iter()
            .map(|mut p| {
                p.horizon = options.through;
                Tally::new(p)
            })
            .collect(),
    );
    for input in inputs {
        state = match input {
            Input::File(path) if is_parquet(&path, options.format) => {
                read_parquet(state, &path, options)?
            }
            Input::File(path) => read_file(state, &path, options)?,
            Input::Stream(name, _) if options.format == Format::Parquet => {
                return Err(FinanceError::Row(LedgerError {
                    file: name,
                    line: 0,
                    message: "a Parquet ledger is read from a file, not a stream: give its path"
                        .into(),
                }))
            }
            Input::Stream(name, reader) => {
                read_part(state, &name, reader, Start::Header, None, options).into_result()?
            }
            #[cfg(feature = "parquet")]
            Input::Batches(name, reader) => {
                parquet::check_schema(&name, &reader.schema()).map_err(FinanceError::Row)?;
                let source = ArrowBatches {
                    name: &name,
                    reader,
                    bad: options.bad_rows,
                };
                count_rows(state, &name, options, source).into_result()?
            }
        };
    }
    Ok(state)
}

/// Walks the days of every tally once all rows are summed: the report.
fn complete(state: Part, through: Option<NaiveDate>) -> Result<Report, FinanceError> {
    // Periods end, for minimums and commitments, by the day asked about, else the ledgers'
    // last day.
    let horizon = through.or(state.last_day);
    let tallies = state
        .tallies
        .into_iter()
        .map(|mut t| {
            t.plan.horizon = horizon;
            t.finish()
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Report {
        last_day: state.last_day,
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
    /// How the last read ended (where it stopped, and the lines it read).
    ended: Option<ledger::Ended>,
    /// The latest day of a valid row read (counted or not, up to `through`).
    last_day: Option<NaiveDate>,
}

impl Part {
    fn new(tallies: Vec<Tally>) -> Part {
        Part {
            tallies,
            rows_read: 0,
            rows_skipped: 0,
            examples: Vec::new(),
            error: None,
            ended: None,
            last_day: None,
        }
    }

    fn into_result(mut self) -> Result<Part, FinanceError> {
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(self),
        }
    }
}

/// A reader that reports progress.
struct Counted<R> {
    inner: R,
    progress: Option<Progress>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(p) = &self.progress {
            p(n as u64);
        }
        Ok(n)
    }
}

/// Reads rows from one reader into a running state.
fn read_part(
    state: Part,
    name: &str,
    input: impl Read,
    start: Start<'_>,
    stop_at: Option<u64>,
    options: &ReadOptions,
) -> Part {
    let counted = Counted {
        inner: input,
        progress: options.progress.clone(),
    };
    let part = CsvPart {
        name,
        input: counted,
        start,
        how: ledger::How {
            stop_at,
            bad: options.bad_rows,
            parser_only: options.parser_only,
        },
    };
    count_rows(state, name, options, part)
}

/// Where rows come from: a CSV part or a Parquet file. Each gives its valid rows to `each`
/// and its skipped bad rows to `skipped`, with static dispatch (the row loop is the hot one).
trait RowSource {
    fn rows(
        self,
        skipped: impl FnMut(&LedgerError),
        each: impl FnMut(&ledger::Row<'_>) -> Result<(), Reject>,
    ) -> Result<ledger::Ended, LedgerError>;
}

/// A CSV ledger, or a part of one.
struct CsvPart<'a, R> {
    name: &'a str,
    input: R,
    start: Start<'a>,
    how: ledger::How,
}

impl<R: Read> RowSource for CsvPart<'_, R> {
    fn rows(
        self,
        skipped: impl FnMut(&LedgerError),
        each: impl FnMut(&ledger::Row<'_>) -> Result<(), Reject>,
    ) -> Result<ledger::Ended, LedgerError> {
        ledger::read(self.name, self.input, self.start, self.how, skipped, each)
    }
}

/// A Parquet ledger file, or a run of its row groups.
#[cfg(feature = "parquet")]
struct ParquetFile<'a> {
    name: &'a str,
    path: &'a std::path::Path,
    groups: std::ops::Range<usize>,
    bad: BadRows,
}

/// Arrow record batches handed over by a caller.
#[cfg(feature = "parquet")]
struct ArrowBatches<'a> {
    name: &'a str,
    reader: Box<dyn arrow_array::RecordBatchReader + Send>,
    bad: BadRows,
}

#[cfg(feature = "parquet")]
impl RowSource for ArrowBatches<'_> {
    fn rows(
        self,
        skipped: impl FnMut(&LedgerError),
        each: impl FnMut(&ledger::Row<'_>) -> Result<(), Reject>,
    ) -> Result<ledger::Ended, LedgerError> {
        parquet::read_batches(
            self.name,
            Guarded(self.reader),
            parquet::Place::none(),
            0,
            self.bad,
            skipped,
            each,
        )
    }
}

/// A caller's batches, each taken with the reader's panics caught: the Arrow C stream import
/// panics on a batch that does not match the stream's schema (a producer's defect), and that is
/// a bad ledger, not a crash.
#[cfg(feature = "parquet")]
struct Guarded(Box<dyn arrow_array::RecordBatchReader + Send>);

#[cfg(feature = "parquet")]
impl Iterator for Guarded {
    type Item = Result<arrow_array::RecordBatch, String>;

    fn next(&mut self) -> Option<Self::Item> {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.0.next())) {
            Ok(next) => next.map(|r| r.map_err(|e| e.to_string())),
            Err(_) => Some(Err(
                "the Arrow stream is malformed: a batch does not match the stream's schema".into(),
            )),
        }
    }
}

/// Parquet files of at least this many rows are read on two threads.
#[cfg(feature = "parquet")]
const PARQUET_SPLIT_ROWS: u64 = 1 << 20;

#[cfg(feature = "parquet")]
impl RowSource for ParquetFile<'_> {
    fn rows(
        self,
        skipped: impl FnMut(&LedgerError),
        each: impl FnMut(&ledger::Row<'_>) -> Result<(), Reject>,
    ) -> Result<ledger::Ended, LedgerError> {
        parquet::read(self.name, self.path, self.groups, self.bad, skipped, each)
    }
}

/// Whether a ledger file is read as Parquet.
fn is_parquet(path: &std::path::Path, format: Format) -> bool {
    match format {
        Format::Parquet => true,
        Format::Csv => false,
        Format::Auto => path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet")),
    }
}

/// Reads a Parquet ledger into a running state.
fn read_parquet(
    state: Part,
    path: &std::path::Path,
    options: &ReadOptions,
) -> Result<Part, FinanceError> {
    let name = path.display().to_string();
    #[cfg(feature = "parquet")]
    {
        let groups = parquet::row_groups(&name, path).map_err(FinanceError::Row)?;
        let total: u64 = groups.iter().sum();
        let part = |range: std::ops::Range<usize>| ParquetFile {
            name: &name,
            path,
            groups: range,
            bad: options.bad_rows,
        };
        // Large files are read in two runs of row groups on two threads, joined as a CSV
        // file's two parts are (the second part's rows trusted only when a read in order
        // would count them the same).
        let mut before = 0u64;
        let split = groups.iter().position(|&n| {
            before += n;
            before * 2 >= total
        });
        let split = split.map(|i| i + 1).filter(|&i| i < groups.len());
        match split {
            Some(at) if total >= PARQUET_SPLIT_ROWS => {
                let fresh = fresh(&state);
                let (first, second) = std::thread::scope(|scope| {
                    let second = scope.spawn(|| {
                        count_rows(Part::new(fresh), &name, options, part(at..groups.len()))
                    });
                    let first = count_rows(state, &name, options, part(0..at));
                    (first, second.join())
                });
                let first = first.into_result()?;
                let read_on = |first: Part| {
                    count_rows(first, &name, options, part(at..groups.len())).into_result()
                };
                // Skipped rows of the second part already carry their numbers in the file.
                join(first, second, &name, 0, read_on)
            }
            _ => count_rows(state, &name, options, part(0..groups.len())).into_result(),
        }
    }
    #[cfg(not(feature = "parquet"))]
    {
        let _ = (state, options);
        Err(FinanceError::Row(LedgerError {
            file: name,
            line: 0,
            message: "this build reads no Parquet (feature `parquet`)".into(),
        }))
    }
}

/// Counts the rows a source gives (a CSV part, a Parquet file) into a running state: each row
/// checked against the declared parties and the clauses' currencies, then added to every
/// clause that counts it.
fn count_rows(mut state: Part, name: &str, options: &ReadOptions, source: impl RowSource) -> Part {
    let mut skips: Vec<LedgerError> = Vec::new();
    let mut skipped = 0u64;
    let mut failure: Option<FinanceError> = None;
    let tallies = &mut state.tallies;
    let last_day = &mut state.last_day;
    // The tallies that count each earner's rows: a row is compared only with the clauses that
    // could count it, not with every clause.
    let mut earners: rustc_hash::FxHashMap<String, Vec<usize>> = rustc_hash::FxHashMap::default();
    for (i, t) in tallies.iter().enumerate() {
        earners.entry(t.plan.earner.clone()).or_default().push(i);
    }
    let on_skip = |e: &LedgerError| {
        skipped += 1;
        if skips.len() < EXAMPLES {
            skips.push(e.clone());
        }
    };
    // The parties read so far (the first few), whether each is declared, and the tallies
    // counting its rows: a short list compared byte for byte costs less than two hash
    // look-ups a row.
    let mut seen: Vec<(String, bool, &[usize])> = Vec::new();
    let on_row = |row: &ledger::Row<'_>| {
        let found = seen.iter().find(|(p, _, _)| p == row.party);
        let (known, counting) = match found {
            Some((_, known, counting)) => (*known, *counting),
            None => {
                let known = options.parties.is_empty() || options.parties.contains(row.party);
                let counting = earners
                    .get(row.party)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                if seen.len() < 8 {
                    seen.push((row.party.to_string(), known, counting));
                }
                (known, counting)
            }
        };
        // Rows after `through` are checked like any other (a bad row is bad whatever its
        // day) but counted by no clause.
        if !known {
            let mut message = format!("unknown party `{}`", crate::diag::shown(row.party, 40));
            if let Some(best) = crate::diag::nearest(row.party, options.parties.iter()) {
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
        if let Some(e) = counting
            .iter()
            .filter_map(|&i| tallies.get(i))
            .find_map(|t| t.mismatch(name, row))
        {
            return Err(Reject::Bad(e));
        }
        if options.through.is_some_and(|t| row.date > t) {
            return Ok(());
        }
        if last_day.is_none_or(|d| row.date > d) {
            *last_day = Some(row.date);
        }
        for &i in counting {
            let Some(t) = tallies.get_mut(i) else {
                continue;
            };
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
    };
    let result = source.rows(on_skip, on_row);
    match result {
        Ok(ended) => {
            state.rows_read += ended.rows;
            state.ended = Some(ended);
        }
        Err(e) => state.error = Some(failure.take().unwrap_or(FinanceError::Row(e))),
    }
    state.rows_skipped += skipped;
    for e in skips {
        if state.examples.len() < EXAMPLES {
            state.examples.push(e);
        }
    }
    state
}

fn cannot_read(name: &str, e: &std::io::Error) -> FinanceError {
    FinanceError::Row(LedgerError {
        file: name.to_string(),
        line: 1,
        message: format!("cannot read: {}", crate::source::describe_io(e)),
    })
}

/// Reads a file: in two parts on two threads when it is large, else as a stream.
///
/// The second part starts at the first line after the middle, but its rows are trusted only if
/// the first part, parsing the file from its start, finds that offset between two rows: then the
/// parse of the second part from there is the parse a one-thread read would make. If the offset
/// falls inside a row (a quoted field across lines), the first part reads on to the end and the
/// second part is dropped. If the second part met an error, or its currencies disagree with the
/// first's, the first part's state reads the second part again in file order, so errors and
/// skips are exactly those of a one-thread read.
fn read_file(
    state: Part,
    path: &std::path::Path,
    options: &ReadOptions,
) -> Result<Part, FinanceError> {
    let name = path.display().to_string();
    let open = || std::fs::File::open(path).map_err(|e| cannot_read(&name, &e));
    let file = open()?;
    let meta = file.metadata().map_err(|e| cannot_read(&name, &e))?;
    if !(meta.is_file() || crate::source::is_pipe(&meta)) {
        return Err(FinanceError::Row(LedgerError {
            file: name.clone(),
            line: 1,
            message: "not a regular file: a ledger is a CSV file (or `-` for standard input)"
                .into(),
        }));
    }
    let size = meta.len();
    let split = if meta.is_file() && size >= options.split_from {
        split_point(&name, &file, size, options.split_near)
    } else {
        None
    };
    drop(file);
    let Some((header, at)) = split else {
        return read_part(state, &name, open()?, Start::Header, None, options).into_result();
    };
    let first_file = open()?;
    let mut second_file = open()?;
    second_file
        .seek(SeekFrom::Start(at))
        .map_err(|e| cannot_read(&name, &e))?;
    // The second part starts with fresh sums but the currencies known so far.
    let fresh = fresh(&state);
    let body = |lines_before| Start::Body {
        header: &header,
        offset: at,
        lines_before,
    };
    let (first, second) = std::thread::scope(|scope| {
        let second =
            scope.spawn(|| read_part(Part::new(fresh), &name, second_file, body(0), None, options));
        let first = read_part(state, &name, first_file, Start::Header, Some(at), options);
        (first, second.join())
    });
    let first = first.into_result()?;
    let Some(ended) = first.ended.filter(|e| e.stopped) else {
        // The middle fell inside a row: the first part read the whole file.
        return Ok(first);
    };
    let read_on = |first: Part| -> Result<Part, FinanceError> {
        let mut rest = open()?;
        rest.seek(SeekFrom::Start(at))
            .map_err(|e| cannot_read(&name, &e))?;
        read_part(first, &name, rest, body(ended.lines), None, options).into_result()
    };
    join(first, second, &name, ended.lines, read_on)
}

/// The second part's fresh state: no sums yet, but the currencies the first part's state knows.
fn fresh(state: &Part) -> Vec<Tally> {
    state
        .tallies
        .iter()
        .map(|t| {
            let mut f = Tally::new(t.plan.clone());
            f.currency = t.currency;
            f
        })
        .collect()
}

/// Joins two parts of one ledger read on two threads into what a read in order gives: the
/// second part's sums are merged into the first's, unless the second met an error, holds
/// values near the limit of what is held exactly, or disagrees on a clause's currency; then
/// `read_on` reads the second part again in order from the first's state, so errors and skips
/// are exactly those of a one-thread read. `offset` is the count of lines (or rows) before the
/// second part, added to its skipped examples' places.
fn join(
    mut first: Part,
    second: std::thread::Result<Part>,
    name: &str,
    offset: u64,
    read_on: impl FnOnce(Part) -> Result<Part, FinanceError>,
) -> Result<Part, FinanceError> {
    let second = match second {
        Ok(second) if second.error.is_none() => second,
        Ok(_) => return read_on(first),
        Err(_) => {
            return Err(FinanceError::Worker {
                file: name.to_string(),
            })
        }
    };
    // Values near the limit of what is held exactly: only a read in file order overflows at
    // the row a read in order does.
    for (a, b) in first.tallies.iter().zip(&second.tallies) {
        if Tally::near_limit(&[a, b]) {
            return read_on(first);
        }
    }
    let mut merged = Vec::with_capacity(first.tallies.len());
    for (a, b) in first.tallies.iter().zip(&second.tallies) {
        let mut a = a.clone();
        if a.merge(b.clone()).is_err() {
            // The parts disagree on a clause's currency: only a read in file order can say
            // which row is the bad one.
            return read_on(first);
        }
        merged.push(a);
    }
    first.tallies = merged;
    first.rows_read += second.rows_read;
    first.last_day = first.last_day.max(second.last_day);
    first.rows_skipped += second.rows_skipped;
    for mut e in second.examples {
        e.line += offset;
        if first.examples.len() < EXAMPLES {
            first.examples.push(e);
        }
    }
    Ok(first)
}

/// The header and the byte offset of the first line after the middle of a file. The offset is
/// only a candidate: [`read_file`] trusts it only if the first part's parse finds a row
/// boundary there.
fn split_point(
    name: &str,
    file: &std::fs::File,
    size: u64,
    near: Option<u64>,
) -> Option<(ledger::Header, u64)> {
    let mut reader = std::io::BufReader::new(file);
    let (header, body, _) = ledger::header(name, &mut reader).ok()?;
    let middle = body.max(near.unwrap_or(size / 2));
    let mut reader = std::io::BufReader::new(file);
    reader.seek(SeekFrom::Start(middle)).ok()?;
    let mut line = Vec::new();
    let skipped = reader.read_until(b'\n', &mut line).ok()? as u64;
    let at = middle + skipped;
    // A byte-order mark at the second part's start would be dropped by a fresh parser.
    let mut head = [0u8; 3];
    let n = reader.read(&mut head).ok()?;
    let bom = n == 3 && head == [0xef, 0xbb, 0xbf];
    (skipped > 0 && at < size && at > body && !bom).then_some((header, at))
}

/// The plans of every revenue share, or of those named (`agreement.clause`).
pub fn plans(engine: &Engine, named: &[String]) -> Result<Vec<Plan>, UnknownShare> {
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
                return Err(UnknownShare {
                    name: crate::diag::shown(name, 60),
                    nearest: crate::diag::nearest(name, known.iter()).map(str::to_string),
                    known,
                });
            }
        }
    }
    Ok(out)
}

/// A revenue share asked for by a name no revenue share has: the nearest name, or all of them.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{name}`: no revenue share of this name{}", hint(nearest.as_deref(), known))]
pub struct UnknownShare {
    /// The name asked for.
    pub name: String,
    /// The nearest revenue share's name, if one is near.
    pub nearest: Option<String>,
    /// Every revenue share's name.
    pub known: Vec<String>,
}

fn hint(nearest: Option<&str>, known: &[String]) -> String {
    match nearest {
        Some(best) => format!("; did you mean `{best}`?"),
        None if known.is_empty() => " (the rules have none)".to_string(),
        None => format!(" (the revenue shares are {})", known.join(", ")),
    }
}

/// Where a revenue share stands on a day, from the ledger rows dated up to and including it.
#[derive(Clone, Debug)]
struct Standing {
    position: ClausePosition,
    /// The cap in force on the day (total, or the period's) was used up by the rows before
    /// it: revenue of the day owes nothing.
    exhausted: bool,
    /// A true-up (0.2) falls due on the day.
    true_up_today: bool,
    /// Its amount, for a revenue share's true-up.
    true_up: Option<Decimal>,
    /// The cap of the day's period (0.2) was the one used up, and when it was reached.
    period_used_up: bool,
    period_reached_on: Option<NaiveDate>,
}

/// Why a question asked with ledgers has no answer.
#[derive(Debug, thiserror::Error)]
pub enum AskError {
    /// The question could not be read.
    #[error(transparent)]
    Question(#[from] crate::eval::QuestionError),
    /// Ledgers answer only `pay PAYER to PAYEE at DAY`.
    #[error("--ledger goes with a `pay PAYER to PAYEE at DAY` question")]
    NotPay,
    /// A *when* question cannot be read against ledgers.
    #[error("--ledger needs a day: `pay PAYER to PAYEE at DAY`")]
    NoDay,
    /// A ledger could not be read, or its sums overflow.
    #[error(transparent)]
    Finance(#[from] FinanceError),
}

/// Answers `pay PAYER to PAYEE at DAY` with ledgers: what the rows up to the day owe under
/// every revenue share from the payer to the payee (in force that day or not), and the answer
/// itself. A share owing that day whose cap in force was used up by the rows before it owes
/// nothing more (its reason says when the cap was reached); the day is `not_due` when no share
/// in force that day still owes. The answer's [`Position`] carries the figures.
pub fn ask(
    engine: &Engine,
    text: &str,
    inputs: Vec<Input>,
    options: &ReadOptions,
) -> Result<(Answer, Report), AskError> {
    use crate::eval::answer::{Decision, Effect, Reason};
    let q = engine.parse(text)?;
    let crate::Subject::Pay { payer, payee } = q.subject else {
        return Err(AskError::NotPay);
    };
    let day = q.at.ok_or(AskError::NoDay)?;
    let mut answer = engine.ask(text)?;
    let mut ruling = engine.at(q.subject, day).into_owned();
    let owing: Vec<crate::model::ClauseId> = engine
        .rules()
        .clauses
        .iter()
        .enumerate()
        .filter(|(_, c)| match &c.terms.body {
            crate::model::Body::RevenueShare(share) => {
                share.payer == payer.0 && share.payee == payee.0
            }
            crate::model::Body::Commitment {
                spender: p,
                with: q,
                ..
            } => *p == payer.0 && *q == payee.0,
            _ => false,
        })
        .filter_map(|(i, _)| crate::model::ClauseId::try_from(i).ok())
        .collect();
    let (report, standings) = standings(engine, &owing, day, inputs, options)?;
    // A share whose cap was used up owes nothing more, unless a true-up falls due that day.
    let exhausted: rustc_hash::FxHashMap<&str, &Standing> = standings
        .iter()
        .filter(|s| s.exhausted && !s.true_up_today)
        .map(|s| (s.position.clause.as_str(), s))
        .collect();
    // Each clause's life, as the reasons without ledgers give it (for the reasons added below).
    let lives: rustc_hash::FxHashMap<
        crate::model::ClauseId,
        (Option<NaiveDate>, Option<NaiveDate>),
    > = ruling
        .reasons
        .iter()
        .map(|r| (r.clause_id, (r.from, r.until)))
        .collect();
    // With ledgers, true-ups and shortfalls are computed: no reason says they are not.
    ruling.reasons.retain(|r| r.effect != Effect::NeedsLedger);
    let mut owes = false;
    for r in ruling.reasons.iter_mut() {
        if r.effect != Effect::Owe {
            continue;
        }
        match exhausted.get(r.clause.as_str()) {
            Some(s) => {
                let detail = if s.period_used_up {
                    let when = s
                        .period_reached_on
                        .map_or("before this day".to_string(), |d| {
                            format!("on {}", crate::time::iso(d))
                        });
                    format!("its cap for this period was reached {when}: revenue of this day owes nothing more")
                } else {
                    let when = s
                        .position
                        .cap_reached_on
                        .map_or("before this day".to_string(), crate::time::iso);
                    format!("its cap was reached on {when}: revenue of this day owes nothing more")
                };
                *r = Reason {
                    effect: Effect::CapReached,
                    detail,
                    ..r.clone()
                };
            }
            None => owes = true,
        }
    }
    // A commitment's payable shortfall (0.2) falling due on the day.
    for s in standings.iter().filter(|s| s.true_up_today) {
        let Some(id) = engine
            .rules()
            .clauses
            .iter()
            .position(|c| c.qualified == s.position.clause)
            .and_then(|i| crate::model::ClauseId::try_from(i).ok())
        else {
            continue;
        };
        let money = |amount: Decimal| {
            s.position.currency.map_or_else(
                || amount.to_string(),
                |c| {
                    crate::money::Money {
                        currency: c,
                        amount,
                    }
                    .to_string()
                },
            )
        };
        // What falls due that day: a revenue share's true-up, or a commitment's shortfall.
        let detail = match (s.true_up, engine.rules().clause(id).map(|c| &c.terms.body)) {
            (Some(amount), Some(crate::model::Body::RevenueShare(_))) => format!(
                "a true-up of {} falls due this day: the period paid below its minimum",
                money(amount)
            ),
            (_, Some(crate::model::Body::Commitment { .. })) => format!(
                "its commitment fell short: {} owed in all through this day",
                money(s.position.owed)
            ),
            _ => continue,
        };
        ruling.reasons.push(Reason {
            clause: s.position.clause.clone(),
            effect: Effect::Owe,
            detail,
            clause_id: id,
            title: engine.rules().clause(id).and_then(|c| c.title.clone()),
            from: lives.get(&id).and_then(|l| l.0),
            until: lives.get(&id).and_then(|l| l.1),
            deps: crate::consolidate::Deps::none(),
            stretches: Vec::new(),
        });
        owes = true;
        ruling.decision = Decision::Due;
    }
    if ruling.decision == Decision::Due && !owes {
        ruling.decision = Decision::NotDue;
    }
    answer.outcome = Outcome::Point(engine.verdict(&ruling));
    answer.assumed = engine.assumed(&ruling.assumptions);
    // Fixed payments (0.2) owed on the days they fell due, up to and including the day.
    let mut clauses: Vec<ClausePosition> = standings.into_iter().map(|s| s.position).collect();
    for (i, c) in engine.rules().clauses.iter().enumerate() {
        let crate::model::Body::Payment {
            payer: p,
            payee: q,
            amount,
            ..
        } = &c.terms.body
        else {
            continue;
        };
        let currency = engine.env().money(*amount).map(|(m, _)| m.currency);
        if *p != payer.0 || *q != payee.0 {
            continue;
        }
        let Ok(id) = crate::model::ClauseId::try_from(i) else {
            continue;
        };
        let owed = engine.payment_owed(id, day);
        clauses.push(ClausePosition {
            clause: c.qualified.clone(),
            currency: owed.map(|m| m.currency).or(currency),
            owed: owed.map_or(Decimal::ZERO, |m| m.amount),
            cap: None,
            remaining: None,
            cap_reached_on: None,
        });
    }
    answer.ledger = Some(Position {
        through: day,
        rows_read: report.rows_read,
        rows_skipped: report.rows_skipped,
        clauses,
    });
    Ok((answer, report))
}

/// The standings, on `day`, of the given revenue-share clauses.
fn standings(
    engine: &Engine,
    clauses: &[crate::model::ClauseId],
    day: NaiveDate,
    inputs: Vec<Input>,
    options: &ReadOptions,
) -> Result<(Report, Vec<Standing>), FinanceError> {
    let wanted: rustc_hash::FxHashSet<crate::model::ClauseId> = clauses.iter().copied().collect();
    let plans: Vec<Plan> = revshare::plans(engine)
        .into_iter()
        .chain(revshare::commitment_plans(engine))
        .filter(|p| wanted.contains(&p.clause))
        .collect();
    let options = ReadOptions {
        through: Some(day),
        ..options.clone()
    };
    let report = run(plans, inputs, &options)?;
    let mut out = Vec::with_capacity(report.tallies.len());
    for t in &report.tallies {
        // A commitment (0.2): payable shortfalls of periods ended up to the day are owed; what
        // is left to spend in the period running on the day remains.
        if let Some(c) = t.plan.commitment {
            let periods = t.commitment_periods();
            let mut owed = Decimal::ZERO;
            let mut today = false;
            for p in periods.iter().filter(|p| p.ended && c.payable) {
                owed = crate::money::exact_add(owed, p.remaining).ok_or_else(|| {
                    FinanceError::Overflow {
                        clause: t.plan.qualified.clone(),
                    }
                })?;
                today |= p.last == day && p.remaining > Decimal::ZERO;
            }
            out.push(Standing {
                true_up_today: today,
                true_up: None,
                period_used_up: false,
                period_reached_on: None,
                position: ClausePosition {
                    clause: t.plan.qualified.clone(),
                    currency: Some(c.currency),
                    owed,
                    cap: None,
                    remaining: periods.last().map(|p| p.remaining),
                    cap_reached_on: None,
                },
                exhausted: false,
            });
            continue;
        }
        let before = t.cap_before(day)?;
        let cap = t.remaining_at(day);
        // True-ups (0.2) that fell due up to and including the day are owed too.
        let mut owed = t.paid;
        for (_, a) in t.true_ups.iter().filter(|(d, _)| *d <= day) {
            owed = crate::money::exact_add(owed, *a).ok_or_else(|| FinanceError::Overflow {
                clause: t.plan.qualified.clone(),
            })?;
        }
        let period_used_up = t
            .period_cap_before(day)
            .is_some_and(|(sum, cap)| sum >= cap);
        out.push(Standing {
            true_up_today: t.true_ups.iter().any(|(d, _)| *d == day),
            true_up: t.true_ups.iter().find(|(d, _)| *d == day).map(|(_, a)| *a),
            period_used_up,
            period_reached_on: t
                .period_caps_reached
                .iter()
                .map(|(_, d)| *d)
                .filter(|d| *d < day)
                .max(),
            position: ClausePosition {
                clause: t.plan.qualified.clone(),
                currency: t.currency,
                owed,
                cap: cap.map(|(cap, _)| cap),
                remaining: cap.map(|(_, left)| left),
                cap_reached_on: before.and_then(|b| b.reached_on),
            },
            exhausted: before.is_some_and(|b| b.exhausted()) || period_used_up,
        });
    }
    Ok((report, out))
}
