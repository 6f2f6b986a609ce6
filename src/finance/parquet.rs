//! Parquet ledgers, and Arrow record batches from any producer: the CSV ledger's five columns (`date`, `party`, `stream`, `amount`,
//! `currency`), read with the `parquet` crate's Arrow reader one batch at a time, so memory
//! follows the batch, not the file.
//!
//! Each row is checked as a CSV row is and handed to the same counting; a bad row names its
//! row (1-based, counting data rows) and row group. Dates may be DATE or ISO text; amounts
//! DECIMAL, integers or exact text. A floating-point amount column is refused whole, naming
//! the column: money is never read through a float. A decimal beyond what covenant holds
//! exactly (28 digits) is a bad row, never rounded.

use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Date64Type, Decimal128Type, Int32Type, Int64Type};
use arrow_array::{Array, ArrayRef, PrimitiveArray, RecordBatch, StringArray};
use arrow_schema::DataType;
use chrono::NaiveDate;
use iso_currency::Currency;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;
use rust_decimal::Decimal;

use super::ledger::{BadRows, Ended, LedgerError, Reject, Row};

const COLUMNS: [&str; 5] = ["date", "party", "stream", "amount", "currency"];
/// Rows decoded at a time.
const BATCH: usize = 8192;
/// Characters of a bad value quoted in a message.
const QUOTED: usize = 40;

/// A column's values as the reader takes them, typed once per batch.
enum Column {
    /// Text (UTF-8, large or view), cast to one string array.
    Text(StringArray),
    /// Text kept as a dictionary: each row a key into a few distinct values.
    Dict {
        keys: PrimitiveArray<Int32Type>,
        values: StringArray,
    },
    Date32(PrimitiveArray<Date32Type>),
    Date64(PrimitiveArray<Date64Type>),
    Decimal(PrimitiveArray<Decimal128Type>, i8),
    Int32(PrimitiveArray<Int32Type>),
    Int64(PrimitiveArray<Int64Type>),
}

impl Column {
    fn is_null(&self, i: usize) -> bool {
        match self {
            Column::Text(a) => a.is_null(i),
            Column::Dict { keys, .. } => keys.is_null(i),
            Column::Date32(a) => a.is_null(i),
            Column::Date64(a) => a.is_null(i),
            Column::Decimal(a, _) => a.is_null(i),
            Column::Int32(a) => a.is_null(i),
            Column::Int64(a) => a.is_null(i),
        }
    }

    /// The row's text ("" for a column that is not text).
    fn text(&self, i: usize) -> &str {
        match self {
            Column::Text(a) => a.value(i),
            Column::Dict { keys, values } => usize::try_from(keys.value(i))
                .ok()
                .filter(|&k| k < values.len() && !values.is_null(k))
                .map_or("", |k| values.value(k)),
            _ => "",
        }
    }
}

fn whole(file: &str, message: String) -> LedgerError {
    LedgerError {
        file: file.to_string(),
        line: 0,
        message,
    }
}

/// Opens a Parquet file's reader (with these options: a schema hint, say).
fn open(
    file: &str,
    path: &Path,
    options: parquet::arrow::arrow_reader::ArrowReaderOptions,
) -> Result<ParquetRecordBatchReaderBuilder<std::fs::File>, LedgerError> {
    let opened = std::fs::File::open(path).map_err(|e| {
        whole(
            file,
            format!("cannot read: {}", crate::source::describe_io(&e)),
        )
    })?;
    let hint = |e: parquet::errors::ParquetError| {
        let csv = std::fs::read(path)
            .ok()
            .is_some_and(|b| !b.starts_with(b"PAR1"));
        let hint = if csv {
            "; if it is a CSV ledger, name it `….csv` or give `--input-format csv`"
        } else {
            ""
        };
        whole(file, format!("not a readable Parquet file: {e}{hint}"))
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ParquetRecordBatchReaderBuilder::try_new_with_options(opened, options).map_err(hint)
    }))
    .unwrap_or_else(|_| {
        Err(whole(
            file,
            "the Parquet file is corrupt: its footer cannot be decoded".into(),
        ))
    })
}

/// Keeps the messages of the Parquet and Arrow readers' panics out of standard error: covenant
/// catches them and reports the file as corrupt. Any other panic is reported as before. For a
/// program's `main` (the hook is the process's).
pub fn quiet_reader_panics() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let caught = info.location().is_some_and(|l| {
            let f = l.file();
            f.contains("/parquet-") || f.contains("/arrow-")
        });
        if !caught {
            report(info);
        }
    }));
}

/// The number of rows of each row group, from the file's footer.
pub fn row_groups(file: &str, path: &Path) -> Result<Vec<u64>, LedgerError> {
    Ok(open(file, path, Default::default())?
        .metadata()
        .row_groups()
        .iter()
        .map(|g| u64::try_from(g.num_rows()).unwrap_or(0))
        .collect())
}

/// Reads a run of a Parquet ledger's row groups: each valid row to `each`; bad rows stop the
/// read or, asked to, are skipped and handed to `skipped`. Rows are numbered in the whole file.
pub fn read(
    file: &str,
    path: &Path,
    groups: std::ops::Range<usize>,
    bad: BadRows,
    skipped: impl FnMut(&LedgerError),
    each: impl FnMut(&Row<'_>) -> Result<(), Reject>,
) -> Result<Ended, LedgerError> {
    // The Parquet reader panics on some corrupt files (a page header out of range, say): that
    // is a bad file, not a crash. What the rows counted before it is dropped with the error.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_groups(file, path, groups, bad, skipped, each)
    }))
    .unwrap_or_else(|_| {
        Err(whole(
            file,
            "the Parquet file is corrupt: its pages cannot be decoded".into(),
        ))
    })
}

fn read_groups(
    file: &str,
    path: &Path,
    groups: std::ops::Range<usize>,
    bad: BadRows,
    skipped: impl FnMut(&LedgerError),
    each: impl FnMut(&Row<'_>) -> Result<(), Reject>,
) -> Result<Ended, LedgerError> {
    let builder = open(file, path, Default::default())?;
    // Text columns are read as dictionaries: Parquet writers store them so, and a row is then
    // a key, not a copied string.
    let hint: Vec<arrow_schema::FieldRef> = builder
        .schema()
        .fields()
        .iter()
        .map(|f| {
            let text = matches!(f.data_type(), DataType::Utf8);
            let named = |n: &str| f.name().trim().eq_ignore_ascii_case(n);
            if text && (named("party") || named("stream") || named("currency")) {
                Arc::new(f.as_ref().clone().with_data_type(DataType::Dictionary(
                    Box::new(DataType::Int32),
                    Box::new(DataType::Utf8),
                )))
            } else {
                Arc::clone(f)
            }
        })
        .collect();
    let hint = Arc::new(arrow_schema::Schema::new_with_metadata(
        hint,
        builder.schema().metadata().clone(),
    ));
    let options = parquet::arrow::arrow_reader::ArrowReaderOptions::new().with_schema(hint);
    let builder = open(file, path, options)?;
    let roots = check_schema(file, builder.schema())?;
    let group_rows: Vec<u64> = builder
        .metadata()
        .row_groups()
        .iter()
        .map(|g| u64::try_from(g.num_rows()).unwrap_or(0))
        .collect();
    let before: u64 = group_rows.iter().take(groups.start).sum();
    let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
    let reader = builder
        .with_projection(mask)
        .with_row_groups(groups.clone().collect())
        .with_batch_size(BATCH)
        .build()
        .map_err(|e| whole(file, format!("not a readable Parquet file: {e}")))?;
    let place = Place {
        groups: group_rows,
        group: groups.start,
        group_start: before,
    };
    read_batches(file, reader, place, before, bad, skipped, each)
}

/// Reads Arrow record batches with the ledger's columns (from a Parquet file, or any Arrow
/// producer: a Python table, a Spark partition): each valid row to `each`; bad rows stop the
/// read or are skipped. `before` rows came before these in the ledger (for rows' numbers).
pub(crate) fn read_batches<E: std::fmt::Display>(
    file: &str,
    batches: impl Iterator<Item = Result<RecordBatch, E>>,
    mut place: Place,
    before: u64,
    bad: BadRows,
    mut skipped: impl FnMut(&LedgerError),
    mut each: impl FnMut(&Row<'_>) -> Result<(), Reject>,
) -> Result<Ended, LedgerError> {
    let mut rows = 0u64;
    let mut seen = before;
    let mut last_currency: Option<(String, Currency)> = None;
    let mut last_date: Option<(i32, NaiveDate)> = None;
    for batch in batches {
        let batch = batch
            .map_err(|e| whole(file, format!("cannot read the rows after row {seen}: {e}")))?;
        let columns = columns(file, &batch)?;
        for i in 0..batch.num_rows() {
            seen += 1;
            let outcome = match row(
                file,
                &columns,
                i,
                seen,
                &mut place,
                (&mut last_currency, &mut last_date),
            ) {
                Ok((date, party, stream, amount, currency)) => each(&Row {
                    date,
                    party,
                    stream,
                    amount,
                    currency,
                    line: seen,
                }),
                Err(e) => Err(Reject::Bad(e)),
            };
            rows += super::ledger::tally(outcome, bad, &mut skipped)?;
        }
    }
    Ok(Ended {
        rows,
        stopped: false,
        lines: seen - before,
        offset: 0,
    })
}

/// Where the ledger's five columns are in a schema, each of a type that can be read as it;
/// the refusal names the column.
pub fn check_schema(file: &str, schema: &arrow_schema::Schema) -> Result<Vec<usize>, LedgerError> {
    let mut roots = Vec::with_capacity(COLUMNS.len());
    for name in COLUMNS {
        // Names are matched as a CSV header's are: trimmed, in any case; two of one name are
        // refused (which is the money would be a guess).
        let matching: Vec<usize> = schema
            .fields()
            .iter()
            .enumerate()
            .filter(|(_, f)| f.name().trim().eq_ignore_ascii_case(name))
            .map(|(i, _)| i)
            .collect();
        if matching.len() > 1 {
            return Err(whole(
                file,
                format!("the ledger has more than one `{name}` column: keep one"),
            ));
        }
        let found = matching
            .first()
            .and_then(|&i| schema.fields().get(i).map(|f| (i, f)));
        let Some((i, field)) = found else {
            let has: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            return Err(whole(
                file,
                format!(
                    "the ledger has no `{name}` column; it has {}",
                    if has.is_empty() {
                        "none".to_string()
                    } else {
                        has.iter()
                            .map(|h| format!("`{}`", crate::diag::shown(h, QUOTED)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                ),
            ));
        };
        accepts(file, name, field.data_type())?;
        roots.push(i);
    }
    Ok(roots)
}

/// Whether a column's type can be read as the ledger's column; the refusal names it.
fn accepts(file: &str, name: &str, t: &DataType) -> Result<(), LedgerError> {
    // A column of nulls only (an empty pandas frame's object columns) is read as text: each
    // of its rows is a row with an empty field.
    let text = matches!(
        t,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null
    ) || matches!(t, DataType::Dictionary(_, v)
        if matches!(**v, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View));
    let ok = match name {
        "date" => text || matches!(t, DataType::Date32 | DataType::Date64),
        "amount" => {
            if matches!(t, DataType::Float16 | DataType::Float32 | DataType::Float64) {
                return Err(whole(
                    file,
                    format!(
                        "the `amount` column holds floating-point numbers ({t}), which cannot hold money exactly: write it as DECIMAL or as text"
                    ),
                ));
            }
            text || matches!(
                t,
                DataType::Decimal32(_, _)
                    | DataType::Decimal64(_, _)
                    | DataType::Decimal128(_, _)
                    | DataType::Decimal256(_, _)
                    | DataType::Int8
                    | DataType::Int16
                    | DataType::Int32
                    | DataType::Int64
                    | DataType::UInt8
                    | DataType::UInt16
                    | DataType::UInt32
                    | DataType::UInt64
            )
        }
        _ => text,
    };
    if ok {
        Ok(())
    } else {
        let want = match name {
            "date" => "DATE or ISO text (YYYY-MM-DD)",
            "amount" => "DECIMAL, an integer or exact text",
            _ => "text",
        };
        Err(whole(
            file,
            format!("the `{name}` column is {t}; it must be {want}"),
        ))
    }
}

/// The batch's five columns, typed for reading (text of every kind cast to one kind, but a
/// dictionary of text kept as one).
fn columns(file: &str, batch: &RecordBatch) -> Result<[Column; 5], LedgerError> {
    let get = |i: usize| -> Result<Column, LedgerError> {
        let name = COLUMNS.get(i).copied().unwrap_or_default();
        let at = batch
            .schema()
            .fields()
            .iter()
            .position(|f| f.name().trim().eq_ignore_ascii_case(name));
        let a = at
            .and_then(|at| batch.columns().get(at))
            .cloned()
            .ok_or_else(|| whole(file, format!("the ledger has no `{name}` column")))?;
        let odd = || {
            whole(
                file,
                format!("the `{name}` column cannot be read as its type says"),
            )
        };
        let cast = |a: &ArrayRef, t: &DataType| {
            arrow_cast::cast::cast(a, t)
                .map_err(|e| whole(file, format!("the `{name}` column: {e}")))
        };
        Ok(match a.data_type() {
            DataType::Date32 => Column::Date32(a.as_primitive_opt().ok_or_else(odd)?.clone()),
            DataType::Date64 => Column::Date64(a.as_primitive_opt().ok_or_else(odd)?.clone()),
            DataType::Decimal128(_, s) => {
                Column::Decimal(a.as_primitive_opt().ok_or_else(odd)?.clone(), *s)
            }
            DataType::Int32 => Column::Int32(a.as_primitive_opt().ok_or_else(odd)?.clone()),
            DataType::Int64 => Column::Int64(a.as_primitive_opt().ok_or_else(odd)?.clone()),
            DataType::Int8
            | DataType::Int16
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32 => Column::Int64(
                cast(&a, &DataType::Int64)?
                    .as_primitive_opt()
                    .ok_or_else(odd)?
                    .clone(),
            ),
            DataType::UInt64 => {
                let t = DataType::Decimal128(20, 0);
                Column::Decimal(cast(&a, &t)?.as_primitive_opt().ok_or_else(odd)?.clone(), 0)
            }
            DataType::Decimal32(_, s) | DataType::Decimal64(_, s) | DataType::Decimal256(_, s) => {
                // The same values as DECIMAL(38): a Decimal256 beyond 38 digits is an error.
                let t = DataType::Decimal128(38, *s);
                let options = arrow_cast::CastOptions {
                    safe: false,
                    ..Default::default()
                };
                let d = arrow_cast::cast::cast_with_options(&a, &t, &options).map_err(|e| {
                    whole(
                        file,
                        format!("the `{name}` column holds a value beyond 38 digits: {e}"),
                    )
                })?;
                Column::Decimal(d.as_primitive_opt().ok_or_else(odd)?.clone(), *s)
            }
            DataType::Dictionary(_, _) => {
                let d = cast(
                    &a,
                    &DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
                )?;
                let d = d.as_dictionary_opt::<Int32Type>().ok_or_else(odd)?;
                Column::Dict {
                    keys: d.keys().clone(),
                    values: d.values().as_string_opt::<i32>().ok_or_else(odd)?.clone(),
                }
            }
            _ => Column::Text(
                cast(&a, &DataType::Utf8)?
                    .as_string_opt::<i32>()
                    .ok_or_else(odd)?
                    .clone(),
            ),
        })
    };
    Ok([get(0)?, get(1)?, get(2)?, get(3)?, get(4)?])
}

/// Where a row is: its row group, found as rows go by.
pub(crate) struct Place {
    groups: Vec<u64>,
    group: usize,
    group_start: u64,
}

impl Place {
    /// A stream of batches with no row groups: rows are numbered from the first.
    pub(crate) fn none() -> Place {
        Place {
            groups: Vec::new(),
            group: 0,
            group_start: 0,
        }
    }

    /// `row N (row group G, row R of the group)` of the 1-based row `n`, both others 0-based
    /// as Parquet tools count them.
    fn of(&mut self, n: u64) -> String {
        if self.groups.is_empty() {
            return format!("row {n}");
        }
        while let Some(&len) = self.groups.get(self.group) {
            if n <= self.group_start + len {
                break;
            }
            self.group_start += len;
            self.group += 1;
        }
        format!(
            "row {n} (row group {}, row {} of the group)",
            self.group,
            n.saturating_sub(self.group_start + 1)
        )
    }
}

type Fields<'a> = (NaiveDate, &'a str, &'a str, Decimal, Currency);

/// The last currency (its code and value) and the last DATE (days and day) read.
type Memo<'m> = (
    &'m mut Option<(String, Currency)>,
    &'m mut Option<(i32, NaiveDate)>,
);

/// A DECIMAL value (`v` at `scale`) as covenant holds it: judged on its value, as a CSV amount
/// is (trailing zeros of the fraction are no digits; at most 28 significant digits), not on
/// its column's scale.
fn decimal(v: i128, scale: i8) -> Result<Decimal, String> {
    // The usual value (an i64 mantissa at a scale of 0 to 28) in 64-bit arithmetic: the same
    // decimal as the general reading below, without its 128-bit divisions.
    if let (Ok(mut m), Ok(mut s)) = (i64::try_from(v), u32::try_from(scale)) {
        while s > 0 && m != 0 && m % 10 == 0 {
            m /= 10;
            s -= 1;
        }
        if m == 0 {
            s = 0;
        }
        if let Ok(d) = Decimal::try_new(m, s) {
            return Ok(d);
        }
    }
    let (mut v, mut scale) = (v, i32::from(scale));
    while scale > 0 && v % 10 == 0 && v != 0 {
        v /= 10;
        scale -= 1;
    }
    if v == 0 {
        scale = 0;
    }
    let shown = || {
        let digits = v.unsigned_abs().to_string();
        let sign = if v < 0 { "-" } else { "" };
        match usize::try_from(scale) {
            Ok(s) if s > 0 => {
                let padded = format!("{digits:0>width$}", width = s + 1);
                let (int, frac) = padded.split_at(padded.len() - s);
                format!("{sign}{int}.{frac}")
            }
            _ => format!(
                "{sign}{digits}{}",
                "0".repeat(usize::try_from(-scale).unwrap_or(0))
            ),
        }
    };
    let digits = v
        .unsigned_abs()
        .checked_ilog10()
        .map_or(1, |d| d as usize + 1)
        + usize::try_from(-scale.min(0)).unwrap_or(0);
    let too_many = || {
        format!(
            "bad amount `{}`: expected a decimal number such as `1250.00` or `-3.5`, with at most 28 digits",
            crate::diag::shown(&shown(), QUOTED)
        )
    };
    if digits > 28 || scale > 28 {
        return Err(too_many());
    }
    let value = if scale >= 0 {
        u32::try_from(scale)
            .ok()
            .and_then(|s| Decimal::try_from_i128_with_scale(v, s).ok())
    } else {
        // A negative scale (10^-scale units): the integer times a power of ten.
        let factor = 10i128.checked_pow(u32::try_from(-scale).unwrap_or(u32::MAX));
        factor
            .and_then(|f| v.checked_mul(f))
            .and_then(|n| Decimal::try_from_i128_with_scale(n, 0).ok())
    };
    value.ok_or_else(too_many)
}

fn row<'a>(
    file: &str,
    columns: &'a [Column; 5],
    i: usize,
    n: u64,
    place: &mut Place,
    // The last currency and DATE read: rows of a ledger repeat them, and each is judged once.
    (last_currency, last_date): Memo<'_>,
) -> Result<Fields<'a>, LedgerError> {
    let mut fail = |message: String| LedgerError {
        file: file.to_string(),
        line: n,
        message: format!("{}: {message}", place.of(n)),
    };
    let [date, party, stream, amount, currency] = columns;
    for (c, name) in columns.iter().zip(COLUMNS) {
        // An empty stream is a stream, as in CSV (writers turn empty text into null).
        if c.is_null(i) && name != "stream" {
            return Err(fail(format!("the `{name}` field is empty (null)")));
        }
    }
    let text = |c: &'a Column| -> &'a str { c.text(i) };
    let in_calendar = |d: NaiveDate| (0..=9999).contains(&chrono::Datelike::year(&d));
    let day = match date {
        Column::Date32(a) => match (a.value(i), *last_date) {
            (raw, Some((last, d))) if raw == last => Ok(d),
            (raw, _) => match a.value_as_date(i) {
                Some(d) if in_calendar(d) => {
                    *last_date = Some((raw, d));
                    Ok(d)
                }
                _ => Err(format!(
                    "bad date (day {raw} from 1970-01-01): days run from 0000-01-01 to 9999-12-31"
                )),
            },
        },
        Column::Date64(a) => match a.value_as_date(i) {
            Some(d) if in_calendar(d) => Ok(d),
            _ => Err(format!(
                "bad date ({} ms from 1970-01-01): days run from 0000-01-01 to 9999-12-31",
                a.value(i)
            )),
        },
        _ => {
            let t = text(date).trim();
            crate::time::parse_day(t).ok_or_else(|| super::ledger::bad_date(t.as_bytes()))
        }
    };
    let day = day.map_err(&mut fail)?;
    let party = text(party).trim();
    if party.is_empty() {
        return Err(fail("the `party` field is empty".into()));
    }
    let stream = text(stream).trim();
    let value = match amount {
        Column::Decimal(a, scale) => decimal(a.value(i), *scale),
        Column::Int32(a) => Ok(Decimal::from(a.value(i))),
        Column::Int64(a) => Ok(Decimal::from(a.value(i))),
        _ if text(amount).trim().is_empty() => Err("the `amount` field is empty".to_string()),
        _ => {
            let t = text(amount).trim();
            crate::money::exact_decimal(t, false).ok_or_else(|| {
                format!(
                    "bad amount `{}`: expected a decimal number such as `1250.00` or `-3.5`, with at most 28 digits",
                    crate::diag::shown(t, QUOTED)
                )
            })
        }
    };
    let value = value.map_err(&mut fail)?;
    let code = text(currency).trim();
    let currency = match last_currency {
        Some((last, c)) if last == code => *c,
        _ => {
            let c = Currency::from_code(code).ok_or_else(|| {
                fail(format!(
                    "unknown currency `{}`: expected an ISO 4217 code such as `USD`",
                    crate::diag::shown(code, QUOTED)
                ))
            })?;
            *last_currency = Some((code.to_string(), c));
            c
        }
    };
    Ok((day, party, stream, value, currency))
}
