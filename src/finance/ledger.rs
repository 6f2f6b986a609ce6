//! Reading ledgers: CSV with the header `date,party,stream,amount,currency`, read with the `csv`
//! crate into validated rows. A bad row is an error naming its file and line; nothing is dropped
//! unless the caller asked to skip bad rows, and then every skip is counted.

use std::io::Read;

use chrono::NaiveDate;
use iso_currency::Currency;
use rust_decimal::Decimal;

use crate::time::parse_day;

/// One valid ledger row, borrowing its text fields from the record being read.
#[derive(Clone, Copy, Debug)]
pub struct Row<'a> {
    pub date: NaiveDate,
    pub party: &'a str,
    pub stream: &'a str,
    pub amount: Decimal,
    pub currency: Currency,
    /// 1-based line of the row in its file.
    pub line: u64,
}

/// A problem with a ledger: where, and what.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct LedgerError {
    pub file: String,
    pub line: u64,
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
    Stop,
    Skip,
}

const COLUMNS: [&str; 5] = ["date", "party", "stream", "amount", "currency"];

/// Positions of the five columns in a file's header.
struct Layout {
    at: [usize; 5],
    width: usize,
}

fn layout(file: &str, header: &csv::ByteRecord) -> Result<Layout, LedgerError> {
    let names: Vec<String> = header
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_ascii_lowercase())
        .collect();
    let mut at = [0usize; 5];
    for (slot, col) in at.iter_mut().zip(COLUMNS) {
        *slot = names.iter().position(|n| n == col).ok_or_else(|| LedgerError {
            file: file.to_string(),
            line: 1,
            message: format!(
                "the header has no `{col}` column (found `{}`; expected `date,party,stream,amount,currency`)",
                names.join(",")
            ),
        })?;
    }
    Ok(Layout {
        at,
        width: names.len(),
    })
}

/// Where a part of a ledger starts.
#[derive(Clone, Copy, Debug)]
pub enum Start<'h> {
    /// At the beginning of the file: the header comes first.
    Header,
    /// Past the header (a later part of a file read in parallel): the file's header, and the
    /// number of lines before this part (added to every line number it reports).
    Body {
        header: &'h csv::ByteRecord,
        lines_before: u64,
    },
}

/// Reads the header of a ledger.
pub fn header(file: &str, input: impl Read) -> Result<csv::ByteRecord, LedgerError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(input);
    let header = reader
        .byte_headers()
        .map_err(|e| csv_error(file, &e))?
        .clone();
    layout(file, &header)?;
    Ok(header)
}

/// Reads one ledger (or one part of it), calling `each` with every valid row in file order. Bad
/// rows stop the read with an error, or are skipped and reported to `skipped` (with their
/// error) when asked.
pub fn read(
    file: &str,
    input: impl Read,
    start: Start<'_>,
    bad: BadRows,
    mut skipped: impl FnMut(&LedgerError),
    mut each: impl FnMut(&Row<'_>) -> Result<(), Reject>,
) -> Result<u64, LedgerError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(matches!(start, Start::Header))
        .flexible(true)
        .buffer_capacity(1 << 17)
        .from_reader(input);
    let (header, lines_before) = match start {
        Start::Header => (
            reader
                .byte_headers()
                .map_err(|e| csv_error(file, &e))?
                .clone(),
            0,
        ),
        Start::Body {
            header,
            lines_before,
        } => (header.clone(), lines_before),
    };
    if header.is_empty() {
        return Err(LedgerError {
            file: file.to_string(),
            line: 1,
            message: "the ledger is empty: expected the header `date,party,stream,amount,currency`"
                .into(),
        });
    }
    let layout = layout(file, &header)?;
    let mut record = csv::ByteRecord::new();
    let mut rows = 0u64;
    let mut last_currency: Option<([u8; 3], Currency)> = None;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let mut err = csv_error(file, &e);
                err.line += lines_before;
                match bad {
                    BadRows::Stop => return Err(err),
                    BadRows::Skip => {
                        skipped(&err);
                        continue;
                    }
                }
            }
        }
        let line = record.position().map_or(0, |p| p.line()) + lines_before;
        let outcome = match parse_row(file, line, &record, &layout, &mut last_currency) {
            Ok(row) => each(&row),
            Err(err) => Err(Reject::Bad(err)),
        };
        match outcome {
            Ok(()) => rows += 1,
            Err(Reject::Fatal(err)) => return Err(err),
            Err(Reject::Bad(err)) => match bad {
                BadRows::Stop => return Err(err),
                BadRows::Skip => skipped(&err),
            },
        }
    }
    Ok(rows)
}

fn csv_error(file: &str, e: &csv::Error) -> LedgerError {
    let line = e.position().map_or(0, |p| p.line());
    let message = match e.kind() {
        csv::ErrorKind::Io(io) => format!("cannot read: {io}"),
        csv::ErrorKind::Utf8 { .. } => "the row is not UTF-8 text".to_string(),
        _ => e.to_string(),
    };
    LedgerError {
        file: file.to_string(),
        line,
        message,
    }
}

fn parse_row<'r>(
    file: &str,
    line: u64,
    record: &'r csv::ByteRecord,
    layout: &Layout,
    last_currency: &mut Option<([u8; 3], Currency)>,
) -> Result<Row<'r>, LedgerError> {
    let fail = |message: String| LedgerError {
        file: file.to_string(),
        line,
        message,
    };
    if record.len() != layout.width {
        return Err(fail(format!(
            "expected {} fields, found {}",
            layout.width,
            record.len()
        )));
    }
    let bytes = |i: usize| -> &'r [u8] {
        layout
            .at
            .get(i)
            .and_then(|&at| record.get(at))
            .unwrap_or_default()
            .trim_ascii()
    };
    let text = |i: usize| -> Result<&'r str, LedgerError> {
        std::str::from_utf8(bytes(i))
            .map_err(|_| fail(format!("the `{}` field is not UTF-8 text", COLUMNS[i])))
    };
    let date = match parse_day_bytes(bytes(0)) {
        Some(d) => d,
        None => {
            return Err(fail(format!(
                "bad date `{}`: dates are written YYYY-MM-DD",
                String::from_utf8_lossy(bytes(0))
            )))
        }
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
            String::from_utf8_lossy(amount_text)
        ))
    })?;
    let code = bytes(4);
    let currency = match last_currency {
        Some((last, c)) if last.as_slice() == code => *c,
        _ => {
            let c = std::str::from_utf8(code)
                .ok()
                .and_then(Currency::from_code)
                .ok_or_else(|| {
                    fail(format!(
                        "unknown currency `{}`: expected an ISO 4217 code such as `USD`",
                        String::from_utf8_lossy(code)
                    ))
                })?;
            if let Ok(key) = <[u8; 3]>::try_from(code) {
                *last_currency = Some((key, c));
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

fn parse_day_bytes(b: &[u8]) -> Option<NaiveDate> {
    std::str::from_utf8(b).ok().and_then(parse_day)
}

fn parse_amount_bytes(b: &[u8]) -> Option<Decimal> {
    std::str::from_utf8(b).ok().and_then(parse_amount)
}

/// A plain decimal: optional sign, digits, optional fraction. No exponent, no separators.
fn parse_amount(text: &str) -> Option<Decimal> {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let ok = !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && (frac.is_empty() != digits.contains('.'));
    if !ok {
        return None;
    }
    Decimal::from_str_exact(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_plain_decimals() {
        assert_eq!(
            parse_amount("1250.00").map(|d| d.to_string()),
            Some("1250.00".into())
        );
        assert_eq!(
            parse_amount("-3.5").map(|d| d.to_string()),
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
        ] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
    }
}
