//! Parquet ledgers: the same ledger written as Parquet in every accepted shape (DATE or text
//! dates; DECIMAL, integer or text amounts; plain or dictionary text; snappy, zstd, lz4;
//! several row groups) gives the statement the CSV gives, figure for figure; and every bad
//! shape is refused with the column, or the row and its row group, named.

#![cfg(feature = "parquet")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{Date32Builder, Decimal128Builder, Int64Builder};
use arrow_array::{ArrayRef, DictionaryArray, Float64Array, RecordBatch, StringArray};
use arrow_schema::{Field, Schema};
use covenant::finance::ledger::BadRows;
use covenant::finance::statement::{statement, Scope};
use covenant::finance::{Input, ReadOptions};
use covenant::{Options, Rules};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

/// Named columns of a file to write.
type Columns = Vec<(&'static str, ArrayRef)>;

struct Ledger {
    date: Vec<String>,
    party: Vec<String>,
    stream: Vec<String>,
    amount: Vec<String>,
    currency: Vec<String>,
}

fn read_csv(path: &Path) -> Ledger {
    let mut l = Ledger {
        date: vec![],
        party: vec![],
        stream: vec![],
        amount: vec![],
        currency: vec![],
    };
    let mut reader = csv::Reader::from_path(path).unwrap();
    for record in reader.records() {
        let r = record.unwrap();
        l.date.push(r[0].to_string());
        l.party.push(r[1].to_string());
        l.stream.push(r[2].to_string());
        l.amount.push(r[3].to_string());
        l.currency.push(r[4].to_string());
    }
    l
}

fn text(values: &[String]) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(values))
}

fn dictionary(values: &[String]) -> ArrayRef {
    Arc::new(
        values
            .iter()
            .map(String::as_str)
            .collect::<DictionaryArray<arrow_array::types::Int32Type>>(),
    )
}

fn dates(values: &[String]) -> ArrayRef {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
    let mut b = Date32Builder::new();
    for v in values {
        let d = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").unwrap();
        b.append_value(i32::try_from((d - epoch).num_days()).unwrap());
    }
    Arc::new(b.finish())
}

/// Amounts as DECIMAL(precision, scale): the text's digits at that scale.
fn decimals(values: &[String], precision: u8, scale: i8) -> ArrayRef {
    let mut b = Decimal128Builder::new()
        .with_precision_and_scale(precision, scale)
        .unwrap();
    for v in values {
        let mut d: rust_decimal::Decimal = v.parse().unwrap();
        d.rescale(u32::try_from(scale).unwrap());
        b.append_value(d.mantissa());
    }
    Arc::new(b.finish())
}

fn write(path: &Path, columns: Vec<(&str, ArrayRef)>, props: WriterProperties) {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(
        Arc::clone(&schema),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, schema, Some(props)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

fn dir() -> PathBuf {
    common::scratch_root("parquet")
}

fn statement_json(rules: &Rules, ledger: &Path) -> Result<String, String> {
    let engine = rules.engine(&Options::default()).unwrap();
    let options = ReadOptions::for_engine(&engine, BadRows::Stop);
    let scope = Scope {
        from: None,
        until: None,
        by: covenant::vocab::Period::Quarter,
        clauses: vec![],
    };
    statement(
        &engine,
        vec![Input::File(ledger.to_path_buf())],
        &options,
        &scope,
    )
    .map(|s| s.json().to_string())
    .map_err(|e| e.to_string())
}

#[test]
fn every_accepted_shape_gives_the_csv_statement() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = dir();
    let cases: Vec<(Rules, PathBuf)> = vec![
        (
            Rules::shipped().unwrap(),
            root.join("fixtures/ledgers/shipped.csv"),
        ),
        (
            Rules::load([root.join("fixtures/money/rules.cov")]).unwrap(),
            root.join("fixtures/money/tiers.csv"),
        ),
        (
            Rules::load([root.join("fixtures/money/rules.cov")]).unwrap(),
            root.join("fixtures/money/commitment.csv"),
        ),
        (
            Rules::load([root.join("fixtures/money/rules.cov")]).unwrap(),
            root.join("fixtures/money/quarterly_cap.csv"),
        ),
    ];
    let mut compared = 0;
    for (i, (rules, csv)) in cases.iter().enumerate() {
        let expected = statement_json(rules, csv).unwrap();
        let l = read_csv(csv);
        let whole: Vec<String> = l
            .amount
            .iter()
            .map(|a| a.split('.').next().unwrap().to_string())
            .collect();
        let integral = l.amount == whole;
        let shapes: Vec<(&str, Columns, Compression)> = vec![
            (
                "typed",
                vec![
                    ("date", dates(&l.date)),
                    ("party", text(&l.party)),
                    ("stream", text(&l.stream)),
                    ("amount", decimals(&l.amount, 18, 2)),
                    ("currency", text(&l.currency)),
                ],
                Compression::ZSTD(ZstdLevel::default()),
            ),
            (
                "text",
                vec![
                    // Another column order, and an extra column, change nothing.
                    ("note", text(&l.stream)),
                    ("currency", text(&l.currency)),
                    ("amount", text(&l.amount)),
                    ("stream", text(&l.stream)),
                    ("party", text(&l.party)),
                    ("date", text(&l.date)),
                ],
                Compression::SNAPPY,
            ),
            (
                "dictionary",
                vec![
                    ("date", dates(&l.date)),
                    ("party", dictionary(&l.party)),
                    ("stream", dictionary(&l.stream)),
                    ("amount", decimals(&l.amount, 38, 6)),
                    ("currency", dictionary(&l.currency)),
                ],
                Compression::LZ4_RAW,
            ),
        ];
        for (name, columns, compression) in shapes {
            let path = out.join(format!("{i}-{name}.parquet"));
            // Row groups of three rows: the reader crosses their bounds.
            let props = WriterProperties::builder()
                .set_compression(compression)
                .set_max_row_group_row_count(Some(3))
                .build();
            write(&path, columns, props);
            assert_eq!(
                statement_json(rules, &path).unwrap(),
                expected,
                "{} as {name}",
                csv.display()
            );
            compared += 1;
        }
        if integral {
            let path = out.join(format!("{i}-integers.parquet"));
            let mut b = Int64Builder::new();
            for a in &whole {
                b.append_value(a.parse().unwrap());
            }
            write(
                &path,
                vec![
                    ("date", text(&l.date)),
                    ("party", text(&l.party)),
                    ("stream", text(&l.stream)),
                    ("amount", Arc::new(b.finish())),
                    ("currency", text(&l.currency)),
                ],
                WriterProperties::builder().build(),
            );
            assert_eq!(statement_json(rules, &path).unwrap(), expected);
        }
    }
    assert_eq!(compared, 12);
}

fn one_row(amount: ArrayRef, currency: &str) -> Vec<(&'static str, ArrayRef)> {
    let n = amount.len();
    let day = vec!["2026-05-01".to_string(); n];
    vec![
        ("date", text(&day)),
        ("party", text(&vec!["openai".to_string(); n])),
        ("stream", text(&vec!["api".to_string(); n])),
        ("amount", amount),
        ("currency", text(&vec![currency.to_string(); n])),
    ]
}

#[test]
fn bad_shapes_are_refused_naming_the_column_or_the_row() {
    let rules = Rules::shipped().unwrap();
    let out = dir();
    let plain = || WriterProperties::builder().build();

    // A float amount column: refused whole, before any row.
    let path = out.join("float.parquet");
    write(
        &path,
        one_row(Arc::new(Float64Array::from(vec![1.5])), "USD"),
        plain(),
    );
    let e = statement_json(&rules, &path).unwrap_err();
    assert!(
        e.contains("the `amount` column holds floating-point numbers (Float64)"),
        "{e}"
    );

    // A missing column: the ones there are are named.
    let path = out.join("missing.parquet");
    let mut columns = one_row(text(&["1.00".to_string()]), "USD");
    columns.remove(4);
    write(&path, columns, plain());
    let e = statement_json(&rules, &path).unwrap_err();
    assert!(
        e.contains("no `currency` column; it has `date`, `party`, `stream`, `amount`"),
        "{e}"
    );

    // A decimal with more digits than covenant holds: its row and row group.
    let path = out.join("wide.parquet");
    let mut b = Decimal128Builder::new()
        .with_precision_and_scale(38, 0)
        .unwrap();
    b.append_value(1);
    b.append_value(1);
    b.append_value(10i128.pow(30));
    write(&path, one_row(Arc::new(b.finish()), "USD"), {
        WriterProperties::builder()
            .set_max_row_group_row_count(Some(2))
            .build()
    });
    let e = statement_json(&rules, &path).unwrap_err();
    assert!(
        e.contains(":3: row 3 (row group 1, row 0 of the group): bad amount `1000000000000000000000000000000`: expected a decimal number such as `1250.00` or `-3.5`, with at most 28 digits"),
        "{e}"
    );

    // An unknown currency and a null: bad rows, skipped and counted when asked.
    let path = out.join("bad-rows.parquet");
    let amounts: ArrayRef = Arc::new(StringArray::from(vec![Some("1.00"), None, Some("2.00")]));
    write(&path, one_row(amounts, "USD"), plain());
    let e = statement_json(&rules, &path).unwrap_err();
    assert!(
        e.contains("row 2 (row group 0, row 1 of the group): the `amount` field is empty (null)"),
        "{e}"
    );
    let engine = rules.engine(&Options::default()).unwrap();
    let options = ReadOptions::for_engine(&engine, BadRows::Skip);
    let scope = Scope {
        from: None,
        until: None,
        by: covenant::vocab::Period::Year,
        clauses: vec![],
    };
    let s = statement(&engine, vec![Input::File(path.clone())], &options, &scope).unwrap();
    assert_eq!((s.rows_read, s.rows_skipped), (2, 1));

    // Not Parquet at all, and a date column of another type.
    let path = out.join("not.parquet");
    std::fs::write(&path, "date,party,stream,amount,currency\n").unwrap();
    let e = statement_json(&rules, &path).unwrap_err();
    assert!(e.contains("not a readable Parquet file"), "{e}");
    let path = out.join("int-dates.parquet");
    let mut columns = one_row(text(&["1.00".to_string()]), "USD");
    columns[0] = (
        "date",
        Arc::new(arrow_array::Int64Array::from(vec![20260501])),
    );
    write(&path, columns, plain());
    let e = statement_json(&rules, &path).unwrap_err();
    assert!(
        e.contains("the `date` column is Int64; it must be DATE or ISO text (YYYY-MM-DD)"),
        "{e}"
    );
}

#[test]
fn the_command_line_reads_parquet_by_extension_or_when_told() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let csv = root.join("fixtures/ledgers/shipped.csv");
    let l = read_csv(&csv);
    let out = dir();
    let path = out.join("cli.parquet");
    write(
        &path,
        vec![
            ("date", dates(&l.date)),
            ("party", text(&l.party)),
            ("stream", text(&l.stream)),
            ("amount", decimals(&l.amount, 18, 2)),
            ("currency", text(&l.currency)),
        ],
        WriterProperties::builder().build(),
    );
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_covenant"))
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let p = path.to_str().unwrap();
    let c = csv.to_str().unwrap();
    for command in [
        vec!["revshare", "--format", "json"],
        vec!["statement", "--by", "quarter", "--format", "json"],
    ] {
        let from_csv = run(&[command.clone(), vec![c]].concat());
        let from_parquet = run(&[command.clone(), vec![p]].concat());
        assert_eq!(from_csv.0, Some(0), "{}", from_csv.2);
        assert_eq!(from_parquet, from_csv, "{command:?}");
    }
    let asked = run(&[
        "ask",
        "pay openai to microsoft at 2030-12-31",
        "--ledger",
        p,
    ]);
    let expected = run(&[
        "ask",
        "pay openai to microsoft at 2030-12-31",
        "--ledger",
        c,
    ]);
    assert_eq!(asked, expected);
    // Told: a Parquet file without the extension, and a CSV file read as Parquet.
    let renamed = out.join("cli.bin");
    std::fs::copy(&path, &renamed).unwrap();
    let told = run(&[
        "revshare",
        "--format",
        "json",
        "--input-format",
        "parquet",
        renamed.to_str().unwrap(),
    ]);
    assert_eq!(told.1, run(&["revshare", "--format", "json", c]).1);
    let wrong = run(&["revshare", "--input-format", "parquet", c]);
    assert_eq!(wrong.0, Some(2));
    assert!(
        wrong.2.contains("not a readable Parquet file"),
        "{}",
        wrong.2
    );
}

/// A small typed ledger of three row groups, as bytes.
fn small_file(dir: &Path) -> Vec<u8> {
    let path = dir.join("small.parquet");
    let n = 40;
    let days: Vec<String> = (0..n)
        .map(|i| format!("2026-05-{:02}", 1 + i % 28))
        .collect();
    let amounts: Vec<String> = (0..n).map(|i| format!("{i}.25")).collect();
    write(
        &path,
        vec![
            ("date", dates(&days)),
            ("party", dictionary(&vec!["openai".to_string(); n])),
            ("stream", text(&vec!["api".to_string(); n])),
            ("amount", decimals(&amounts, 18, 2)),
            ("currency", dictionary(&vec!["USD".to_string(); n])),
        ],
        WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(15))
            .build(),
    );
    std::fs::read(&path).unwrap()
}

#[test]
fn a_corrupt_file_is_an_error_at_every_byte_never_a_panic() {
    // The readers' own panics are caught and become errors: keep their messages out of the
    // test's output, as the command line does.
    covenant::finance::parquet::quiet_reader_panics();
    let rules = Rules::shipped().unwrap();
    let engine = rules.engine(&Options::default()).unwrap();
    let options = ReadOptions::for_engine(&engine, BadRows::Stop);
    let scope = Scope {
        from: None,
        until: None,
        by: covenant::vocab::Period::Year,
        clauses: vec![],
    };
    let out = dir().join("corrupt");
    std::fs::create_dir_all(&out).unwrap();
    let good = small_file(&out);
    let path = out.join("mutated.parquet");
    let mut errors = 0;
    for at in 0..good.len() {
        let mut bytes = good.clone();
        bytes[at] ^= if at % 2 == 0 { 0xFF } else { 0x01 };
        std::fs::write(&path, &bytes).unwrap();
        // Whatever the byte, the read ends in figures or an error: a panic fails the test.
        let read = statement(&engine, vec![Input::File(path.clone())], &options, &scope);
        if read.is_err() {
            errors += 1;
        }
    }
    assert!(
        errors > good.len() / 4,
        "{errors} errors over {} bytes",
        good.len()
    );
}

#[test]
fn columns_are_matched_as_a_csv_header_is_and_values_judged_as_csv_amounts() {
    let rules = Rules::shipped().unwrap();
    let out = dir();
    let one = |v: &str| vec![v.to_string()];
    // Names in any case and with spaces, as a CSV header; two of one name refused.
    let path = out.join("case.parquet");
    write(
        &path,
        vec![
            ("Date", text(&one("2026-05-01"))),
            (" PARTY ", text(&one("openai"))),
            ("Stream", text(&one("api"))),
            ("AMOUNT", text(&one("100.00"))),
            ("currency", text(&one("USD"))),
        ],
        WriterProperties::builder().build(),
    );
    assert!(statement_json(&rules, &path).is_ok());
    let path = out.join("twice.parquet");
    write(
        &path,
        vec![
            ("Amount", text(&one("1"))),
            ("date", text(&one("2026-05-01"))),
            ("party", text(&one("openai"))),
            ("stream", text(&one("api"))),
            ("amount", text(&one("100.00"))),
            ("currency", text(&one("USD"))),
        ],
        WriterProperties::builder().build(),
    );
    let e = statement_json(&rules, &path).unwrap_err();
    assert!(e.contains("more than one `amount` column"), "{e}");
    // A null stream is an empty one, as in CSV.
    let path = out.join("null-stream.parquet");
    let stream: ArrayRef = Arc::new(StringArray::from(vec![None::<&str>]));
    write(
        &path,
        vec![
            ("date", text(&one("2026-05-01"))),
            ("party", text(&one("openai"))),
            ("stream", stream),
            ("amount", text(&one("100.00"))),
            ("currency", text(&one("USD"))),
        ],
        WriterProperties::builder().build(),
    );
    assert!(statement_json(&rules, &path).is_ok());
    // Amounts judged on their value: Spark's DECIMAL(38,18) holds 80 billion exactly; 29
    // significant digits are refused as in CSV.
    for (v, scale, ok) in [
        (80_000_000_000i128 * 10i128.pow(18), 18, true),
        (15 * 10i128.pow(28), 29, true),
        (10i128.pow(28), 0, false),
    ] {
        let path = out.join("scale.parquet");
        let mut b = Decimal128Builder::new()
            .with_precision_and_scale(38, scale)
            .unwrap();
        b.append_value(v);
        write(
            &path,
            one_row(Arc::new(b.finish()), "USD"),
            WriterProperties::builder().build(),
        );
        let got = statement_json(&rules, &path);
        assert_eq!(got.is_ok(), ok, "{v} at scale {scale}: {got:?}");
        if !ok {
            assert!(got.unwrap_err().contains("at most 28 digits"));
        }
    }
    // A DATE beyond 9999 is refused, as a CSV date is.
    let path = out.join("far.parquet");
    let far: ArrayRef = Arc::new(arrow_array::Date32Array::from(vec![2_932_897]));
    let mut columns = one_row(text(&one("1.00")), "USD");
    columns[0] = ("date", far);
    write(&path, columns, WriterProperties::builder().build());
    let e = statement_json(&rules, &path).unwrap_err();
    assert!(e.contains("days run from 0000-01-01 to 9999-12-31"), "{e}");
}
