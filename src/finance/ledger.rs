//! Reading ledgers: CSV with the header `date,party,stream,amount,currency`, read by the
//! `records` reader (the `csv` crate's state machine) into validated rows. A bad row is an error
//! naming its file and line; nothing is dropped unless the caller asked to skip bad rows, and
//! then every skip is counted.

use std::io::Read;

use chrono::NaiveDate;
use iso_currency::Currency;
use rust_decimal::Decimal;

use super::records::{Next, Record, Records};

/// One valid ledger row, borrowing its text fields from the record being read.
#[derive(Clone, Copy, Debug)]
pub struct Row<'a> {
    /// The row's day.
    pub date: NaiveDate,
    /// The party whose revenue it is.
    pub party: &'a str,
    /// The revenue stream (free text).
    pub stream: &'a str,
    /// The amount, exact.
    pub amount: Decimal,
    /// The amount's currency.
    pub currency: Currency,
    /// 1-based line of the row in its file.
    pub line: u64,
}

/// A problem with a ledger: where, and what.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {message}", crate::diag::shown(file, usize::MAX), if *line > 0 { format!(":{line}") } else { String::new() })]
pub struct LedgerError {
    /// The ledger's name as given (`<stdin>` for standard input).
    pub file: String,
    /// The physical line of the row (or of its start, for a quoted field spanning lines); in a
    /// Parquet ledger, the row's number (1-based). 0: the whole file.
    pub line: u64,
    /// What is wrong with the row.
    pub message: String,
}

/// Why the caller of [`read`] turned a row down.
#[derive(Clone, Debug)]
pub enum Reject {
    /// A bad row: stops the read, or is skipped and counted when bad rows are skipped.
    Bad(LedgerError),
    /// Stops the read whatever the policy (an overflow, say).
    Fatal(LedgerError),
}

/// What the reader does with a bad row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadRows {
    /// A bad row stops the read with its error.
    Stop,
    /// A bad row is skipped and counted; the run goes on.
    Skip,
}

const COLUMNS: [&str; 5] = ["date", "party", "stream", "amount", "currency"];

/// The longest header line read: a first line longer than this is no ledger header.
const HEADER_LIMIT: usize = 64 << 10;
/// The longest row kept: a longer row is a bad row (memory stays bounded by this, not the file).
pub const ROW_LIMIT: usize = 16 << 20;
/// Characters of a bad field quoted in a message.
const QUOTED: usize = 40;

/// A ledger's header: where its five columns are, and how many fields a row has.
#[derive(Clone, Debug)]
pub struct Header {
    at: [usize; 5],
    width: usize,
}

fn layout(file: &str, header: &Record) -> Result<Header, LedgerError> {
    let fail = |message: String| LedgerError {
        file: file.to_string(),
        line: header.line,
        message,
    };
    if header.too_long {
        return Err(fail(format!(
            "the first line is longer than {} KiB: a ledger starts with the header `date,party,stream,amount,currency`",
            HEADER_LIMIT >> 10
        )));
    }
    let names: Vec<String> = header
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_ascii_lowercase())
        .collect();
    let mut at = [0usize; 5];
    for (slot, col) in at.iter_mut().zip(COLUMNS) {
        *slot = names.iter().position(|n| n == col).ok_or_else(|| {
            let parquet = header.iter().next().is_some_and(|h| h.starts_with(b"PAR1"));
            if parquet {
                return fail(
                    "this is a Parquet file: name it `….parquet` or give `--input-format parquet`"
                        .into(),
                );
            }
            fail(format!(
                "the header has no `{col}` column (found `{}`; expected `date,party,stream,amount,currency`)",
                crate::diag::shown(&names.join(","), 120)
            ))
        })?;
        // Two columns of one name (whatever their case): which one is the money is anyone's
        // guess, so neither is taken.
        if names.iter().filter(|n| *n == col).count() > 1 {
            return Err(fail(format!(
                "the header has more than one `{col}` column: keep one"
            )));
        }
    }
    Ok(Header {
        at,
        width: names.len(),
    })
}

/// Where a part of a ledger starts.
#[derive(Clone, Copy, Debug)]
pub enum Start<'h> {
    /// At the beginning of the file: the header comes first.
    Header,
    /// Past the header (a later part of a file read in parallel): the file's header, the byte
    /// offset the part starts at, and the number of lines before it (added to every line
    /// number it reports).
    Body {
        /// The file's header, read by the first part.
        header: &'h Header,
        /// The byte offset the part starts at.
        offset: u64,
        /// Lines before the part.
        lines_before: u64,
    },
}

/// How to read a part: where to stop, what a bad row does.
#[derive(Clone, Copy, Debug)]
pub struct How {
    /// Stop at this byte offset if it falls between two rows (else read on to the end).
    pub stop_at: Option<u64>,
    /// What a bad row does.
    pub bad: BadRows,
    /// Read every line through the CSV parser, never splitting a plain line without it (for
    /// tests that compare the two).
    pub parser_only: bool,
}

/// How a read ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ended {
    /// Rows read and accepted.
    pub rows: u64,
    /// The read stopped at the offset it was asked to stop at, which fell between two rows.
    pub stopped: bool,
    /// Line ends read (the lines before the stop, when it stopped).
    pub lines: u64,
    /// The offset the read ended at.
    pub offset: u64,
}

fn io_error(file: &str, line: u64, e: &std::io::Error) -> LedgerError {
    LedgerError {
        file: file.to_string(),
        line,
        message: format!("cannot read: {}", crate::source::describe_io(e)),
    }
}

/// Reads the header of a ledger: its layout, and the byte offset and line count after it.
pub fn header(file: &str, input: impl Read) -> Result<(Header, u64, u64), LedgerError> {
    let mut records = Records::new(input, 0, HEADER_LIMIT);
    let mut record = Record::default();
    match records.next(&mut record) {
        Ok(Next::Record) => {}
        Ok(_) => return Err(empty(file)),
        Err(e) => return Err(io_error(file, 1, &e)),
    }
    let header = layout(file, &record)?;
    Ok((header, records.offset(), records.lines()))
}

fn empty(file: &str) -> LedgerError {
    LedgerError {
        file: file.to_string(),
        line: 1,
        message: "the ledger is empty: expected the header `date,party,stream,amount,currency`"
            .into(),
    }
}

/// Reads one ledger (or one part of it), calling `each` with every valid row in file order. Bad
/// rows stop the read with an error, or are skipped and reported to `skipped` (with their
/// error) when asked. With `how.stop_at`, the read stops at that byte offset if it falls between
/// two rows, and reads on to the end if not ([`Ended::stopped`] says which).
pub fn read(
    file: &str,
    input: impl Read,
    start: Start<'_>,
    how: How,
    mut skipped: impl FnMut(&LedgerError),
    mut each: impl FnMut(&Row<'_>) -> Result<(), Reject>,
) -> Result<Ended, LedgerError> {
    let (offset, lines_before) = match start {
        Start::Header => (0, 0),
        Start::Body {
            offset,
            lines_before,
            ..
        } => (offset, lines_before),
    };
    let How {
        stop_at,
        bad,
        parser_only,
    } = how;
    let mut records = Records::new(input, offset, HEADER_LIMIT);
    if let Some(at) = stop_at {
        records.stop_at(at);
    }
    if parser_only {
        records.parser_only();
    }
    let mut record = Record::default();
    let owned;
    let layout = match start {
        Start::Body { header, .. } => header,
        Start::Header => {
            match records.next(&mut record) {
                Ok(Next::Record) => {}
                Ok(_) => return Err(empty(file)),
                Err(e) => return Err(io_error(file, 1, &e)),
            }
            owned = layout(file, &record)?;
            &owned
        }
    };
    records.set_limit(ROW_LIMIT);
    let mut rows = 0u64;
    let mut recent = Recent::default();
    let stopped = loop {
        match records.next(&mut record) {
            Ok(Next::Record) => {}
            Ok(Next::End) => break false,
            Ok(Next::Stopped) => break true,
            Err(e) => return Err(io_error(file, records.lines() + 1 + lines_before, &e)),
        }
        let line = record.line + lines_before;
        let outcome = match parse_row(file, line, &record, layout, &mut recent) {
            Ok(row) => each(&row),
            Err(err) => Err(Reject::Bad(err)),
        };
        rows += tally(outcome, bad, &mut skipped)?;
    };
    Ok(Ended {
        rows,
        stopped,
        lines: records.lines(),
        offset: records.offset(),
    })
}

/// What a row's outcome does to the read: an accepted row counts 1; a bad row stops the read
/// or is skipped (and told to `skipped`); a fatal one stops it whatever the policy.
pub(crate) fn tally(
    outcome: Result<(), Reject>,
    bad: BadRows,
    skipped: &mut impl FnMut(&LedgerError),
) -> Result<u64, LedgerError> {
    match outcome {
        Ok(()) => Ok(1),
        Err(Reject::Fatal(err)) => Err(err),
        Err(Reject::Bad(err)) => match bad {
            BadRows::Stop => Err(err),
            BadRows::Skip => {
                skipped(&err);
                Ok(0)
            }
        },
    }
}

/// What the rows before repeat most: the last date's text and day, the last currency's code.
#[derive(Default)]
struct Recent {
    date: Option<([u8; 10], NaiveDate)>,
    currency: Option<([u8; 3], Currency)>,
}

fn parse_row<'r>(
    file: &str,
    line: u64,
    record: &'r Record,
    layout: &Header,
    recent: &mut Recent,
) -> Result<Row<'r>, LedgerError> {
    let fail = |message: String| LedgerError {
        file: file.to_string(),
        line,
        message,
    };
    if record.too_long {
        return Err(fail(format!(
            "the row is longer than {} MiB",
            ROW_LIMIT >> 20
        )));
    }
    if record.len() != layout.width {
        return Err(fail(format!(
            "expected {} fields, found {}",
            layout.width,
            record.len()
        )));
    }
    // Each column's bytes, found once. Only party and stream must be text: a date, an amount
    // or a currency code that is not ASCII fails its own parse with its own message.
    let all = record.all();
    let mut at = [(0usize, 0usize); 5];
    for (slot, &column) in at.iter_mut().zip(&layout.at) {
        *slot = record.bounds(column).unwrap_or_default();
    }
    let bytes = |i: usize| -> &'r [u8] {
        at.get(i)
            .and_then(|&(a, b)| all.get(a..b))
            .unwrap_or_default()
            .trim_ascii()
    };
    // One UTF-8 check of the whole row; a field of a row that is not all text is checked on
    // its own, so the message names the first field (in column order) that is not.
    let whole = std::str::from_utf8(all).ok();
    let text = |i: usize| -> Result<&'r str, LedgerError> {
        if let Some(t) = whole.and_then(|w| at.get(i).and_then(|&(a, b)| w.get(a..b))) {
            return Ok(t.trim_ascii());
        }
        std::str::from_utf8(bytes(i)).map_err(|_| {
            let column = COLUMNS.get(i).copied().unwrap_or_default();
            fail(format!("the `{column}` field is not UTF-8 text"))
        })
    };
    let day_text = bytes(0);
    let date = match (&recent.date, <[u8; 10]>::try_from(day_text)) {
        (Some((last, d)), Ok(key)) if *last == key => *d,
        (_, key) => match crate::time::parse_day_bytes(day_text) {
            Some(d) => {
                if let Ok(key) = key {
                    recent.date = Some((key, d));
                }
                d
            }
            None => return Err(fail(bad_date(day_text))),
        },
    };
    let party = text(1)?;
    if party.is_empty() {
        return Err(fail("the `party` field is empty".into()));
    }
    let stream = text(2)?;
    let amount_text = bytes(3);
    if amount_text.is_empty() {
        return Err(fail("the `amount` field is empty".into()));
    }
    let amount = parse_amount_bytes(amount_text).ok_or_else(|| {
        fail(format!(
            "bad amount `{}`: expected a decimal number such as `1250.00` or `-3.5`, with at most 28 digits",
            crate::diag::shown_bytes(amount_text, QUOTED)
        ))
    })?;
    let code = bytes(4);
    let currency = match &recent.currency {
        Some((last, c)) if last.as_slice() == code => *c,
        _ => {
            let c = std::str::from_utf8(code)
                .ok()
                .and_then(Currency::from_code)
                .ok_or_else(|| {
                    fail(format!(
                        "unknown currency `{}`: expected an ISO 4217 code such as `USD`",
                        crate::diag::shown_bytes(code, QUOTED)
                    ))
                })?;
            if let Ok(key) = <[u8; 3]>::try_from(code) {
                recent.currency = Some((key, c));
            }
            c
        }
    };
    Ok(Row {
        date,
        party,
        stream,
        amount,
        currency,
        line,
    })
}

/// Why a ledger's date is not one: a date of the right shape that names no day (`2026-02-30`)
/// is said so.
pub(crate) fn bad_date(b: &[u8]) -> String {
    let shaped = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        });
    let why = if shaped {
        "no such day in the calendar"
    } else {
        "dates are written YYYY-MM-DD"
    };
    format!("bad date `{}`: {why}", crate::diag::shown_bytes(b, QUOTED))
}

/// A plain decimal: optional sign, digits, optional fraction. No exponent, no separators, at
/// most 28 significant digits (what is held exactly).
fn parse_amount_bytes(b: &[u8]) -> Option<Decimal> {
    crate::money::exact_decimal_bytes(b, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_plain_decimals() {
        assert_eq!(
            parse_amount_bytes(b"1250.00").map(|d| d.to_string()),
            Some("1250.00".into())
        );
        assert_eq!(
            parse_amount_bytes(b"-3.5").map(|d| d.to_string()),
            Some("-3.5".into())
        );
        for bad in [
            "",
            "1e5",
            "1,000",
            "12.",
            ".5",
            "abc",
            "1.2.3",
            "--1",
            "99999999999999999999999999999999999999",
            "12345678901234567890123456789",
        ] {
            assert_eq!(parse_amount_bytes(bad.as_bytes()), None, "{bad}");
        }
    }
}
