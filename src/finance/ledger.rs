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

/// Reads one ledger, calling `each` with every valid row in file order. Bad rows stop the read
/// with an error, or are skipped and reported to `skipped` (with their error) when asked.
pub fn read(
    file: &str,
    input: impl Read,
    bad: BadRows,
    mut skipped: impl FnMut(&LedgerError),
    mut each: impl FnMut(&Row<'_>) -> Result<(), LedgerError>,
) -> Result<u64, LedgerError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(input);
    let header = reader
        .byte_headers()
        .map_err(|e| csv_error(file, &e))?
        .clone();
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
    let mut last_currency: Option<(Vec<u8>, Currency)> = None;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let err = csv_error(file, &e);
                match bad {
                    BadRows::Stop => return Err(err),
                    BadRows::Skip => {
                        skipped(&err);
                        continue;
                    }
                }
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        match parse_row(file, line, &record, &layout, &mut last_currency) {
            Ok(row) => {
                rows += 1;
                each(&row)?;
            }
            Err(err) => match bad {
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
    last_currency: &mut Option<(Vec<u8>, Currency)>,
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
    let field = |i: usize| -> Result<&'r str, LedgerError> {
        let bytes = record.get(layout.at[i]).unwrap_or_default();
        std::str::from_utf8(bytes)
            .map(str::trim)
            .map_err(|_| fail(format!("the `{}` field is not UTF-8 text", COLUMNS[i])))
    };
    let date_text = field(0)?;
    let date = parse_day(date_text).ok_or_else(|| {
        fail(format!(
            "bad date `{date_text}`: dates are written YYYY-MM-DD"
        ))
    })?;
    let party = field(1)?;
    if party.is_empty() {
        return Err(fail("the `party` field is empty".into()));
    }
    let stream = field(2)?;
    let amount_text = field(3)?;
    if amount_text.is_empty() {
        return Err(fail("the `amount` field is empty".into()));
    }
    let amount = parse_amount(amount_text).ok_or_else(|| {
        fail(format!(
            "bad amount `{amount_text}`: expected a decimal number such as `1250.00` or `-3.5`"
        ))
    })?;
    let code = field(4)?;
    let currency = match last_currency {
        Some((last, c)) if last.as_slice() == code.as_bytes() => *c,
        _ => {
            let c = Currency::from_code(code).ok_or_else(|| {
                fail(format!(
                    "unknown currency `{code}`: expected an ISO 4217 code such as `USD`"
                ))
            })?;
            *last_currency = Some((code.as_bytes().to_vec(), c));
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
