//! `covenant revshare`: what the revenue shares owe over ledgers.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use covenant::finance::ledger::BadRows;
use covenant::finance::{self, render, Input, Progress, ReadOptions};

use super::{Exit, ReadArgs};

#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Csv,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Ledger CSV files (`date,party,stream,amount,currency`), read as one, in order; `-` is stdin
    #[arg(value_name = "LEDGER", required = true)]
    ledgers: Vec<PathBuf>,
    #[command(flatten)]
    read: ReadArgs,
    /// Only this revenue share, as `agreement.clause` (repeatable)
    #[arg(long = "clause", value_name = "ID")]
    clauses: Vec<String>,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Skip rows that are not valid (and count them) instead of stopping
    #[arg(long)]
    skip_invalid: bool,
}

/// The ledgers to read, and a progress bar when stderr is a terminal and the input is large.
pub fn inputs(paths: &[PathBuf]) -> Result<(Vec<Input>, Option<Progress>), String> {
    let mut inputs = Vec::new();
    let mut total = 0u64;
    // A ledger named twice would count its rows twice: refuse it (by the file it is, however
    // it is written).
    let mut seen: Vec<(PathBuf, &PathBuf)> = Vec::new();
    for path in paths {
        let same = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        if let Some((_, first)) = seen.iter().find(|(c, _)| *c == same) {
            return Err(format!(
                "the ledger `{}` is given twice (also as `{}`): its rows would count twice",
                path.display(),
                first.display()
            ));
        }
        seen.push((same, path));
        if path.as_os_str() == "-" {
            inputs.push(Input::Stream(
                "<stdin>".to_string(),
                Box::new(std::io::stdin()),
            ));
            continue;
        }
        let meta = std::fs::metadata(path).map_err(|e| {
            format!(
                "cannot read `{}`: {}",
                path.display(),
                covenant::source::describe_io(&e)
            )
        })?;
        if meta.is_dir() {
            return Err(format!("cannot read `{}`: it is a folder", path.display()));
        }
        total += meta.len();
        inputs.push(Input::File(path.clone()));
    }
    let progress: Option<Progress> = if std::io::stderr().is_terminal() && total > (64 << 20) {
        let style = indicatif::ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        let bar = indicatif::ProgressBar::new(total).with_style(style);
        Some(Arc::new(move |n| bar.inc(n)))
    } else {
        None
    };
    Ok((inputs, progress))
}

/// Prints the skipped rows' examples and count.
pub fn report_skips(report: &covenant::finance::revshare::Report) {
    for e in &report.skipped_examples {
        errln!("skipped: {e}");
    }
    if report.rows_skipped > 0 {
        errln!("skipped {} invalid rows", report.rows_skipped);
    }
}

pub fn run(args: Args) -> Exit {
    let engine = match args.read.engine() {
        Ok(e) => e,
        Err(e) => return e,
    };
    let plans = match finance::plans(&engine, &args.clauses) {
        Ok(p) => p,
        Err(msg) => {
            errln!("error: {msg}");
            return Exit::Error;
        }
    };
    let (inputs, progress) = match inputs(&args.ledgers) {
        Ok(i) => i,
        Err(msg) => {
            errln!("error: {msg}");
            return Exit::Error;
        }
    };
    let options = ReadOptions {
        progress,
        ..ReadOptions::for_engine(
            &engine,
            if args.skip_invalid {
                BadRows::Skip
            } else {
                BadRows::Stop
            },
        )
    };
    let report = match finance::run(plans, inputs, &options) {
        Ok(r) => r,
        Err(e) => {
            errln!("error: {e}");
            return Exit::Error;
        }
    };
    report_skips(&report);
    match args.format {
        Format::Json => outln!("{}", render::json(&report)),
        Format::Text => out!("{}", render::text(&engine, &report)),
        Format::Csv => out!("{}", render::csv(&report)),
    }
    std::mem::forget(engine);
    Exit::Yes
}
