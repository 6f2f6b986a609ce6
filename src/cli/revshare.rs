//! `covenant revshare`: what the revenue shares owe over ledgers.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;

use covenant::eval::{Engine, Options};
use covenant::finance::ledger::BadRows;
use covenant::finance::{self, render, ReadOptions};

use super::{day_arg, load, overrides, report, Exit, RulesArgs};

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
    rules: RulesArgs,
    /// Override an assumption for this run: ID=VALUE (repeatable)
    #[arg(long = "set", value_name = "ID=VALUE")]
    set: Vec<String>,
    /// Read the agreements as known on this day
    #[arg(long, value_name = "DAY")]
    as_of: Option<String>,
    /// Only this revenue share, as `agreement.clause` (repeatable)
    #[arg(long = "clause", value_name = "ID")]
    clauses: Vec<String>,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Skip rows that are not valid (and count them) instead of stopping
    #[arg(long)]
    skip_invalid: bool,
}

/// Opens a ledger (or stdin), with a progress bar when stderr is a terminal and the file is big.
pub fn open(path: &std::path::Path) -> Result<(String, Box<dyn Read>), String> {
    if path.as_os_str() == "-" {
        return Ok(("<stdin>".to_string(), Box::new(std::io::stdin().lock())));
    }
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read `{name}`: {e}"))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let reader: Box<dyn Read> = if std::io::stderr().is_terminal() && size > (64 << 20) {
        let bar = indicatif::ProgressBar::new(size).with_style(
            indicatif::ProgressStyle::with_template(
                "{msg} {bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message(name.clone());
        Box::new(bar.wrap_read(file))
    } else {
        Box::new(file)
    };
    Ok((name, reader))
}

pub fn run(args: Args) -> Exit {
    let checked = match load(&args.rules) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let rules = checked.rules;
    let as_of = match args
        .as_of
        .as_deref()
        .map(|d| day_arg("--as-of", d))
        .transpose()
    {
        Ok(d) => d,
        Err(msg) => {
            eprintln!("error: {msg}");
            return Exit::Error;
        }
    };
    let overrides = match overrides(&rules, &args.set) {
        Ok(o) => o,
        Err(msg) => {
            eprintln!("error: {msg}");
            return Exit::Error;
        }
    };
    let sources = rules.sources.clone();
    let engine = match Engine::new(rules, &Options { overrides, as_of }) {
        Ok(e) => e,
        Err(diags) => {
            eprintln!(
                "error: read with these --set and --as-of values, the rules are inconsistent:"
            );
            report(&diags, &sources);
            return Exit::Error;
        }
    };
    let plans = match finance::plans(&engine, &args.clauses) {
        Ok(p) => p,
        Err(msg) => {
            eprintln!("error: {msg}");
            return Exit::Error;
        }
    };
    let mut ledgers = Vec::new();
    for path in &args.ledgers {
        match open(path) {
            Ok(l) => ledgers.push(l),
            Err(msg) => {
                eprintln!("error: {msg}");
                return Exit::Error;
            }
        }
    }
    let options = ReadOptions {
        bad_rows: if args.skip_invalid {
            BadRows::Skip
        } else {
            BadRows::Stop
        },
        through: None,
    };
    let mut shown = 0;
    let result = finance::run(plans, ledgers, options, |e| {
        if shown < 10 {
            eprintln!("skipped: {e}");
        }
        shown += 1;
    });
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Error;
        }
    };
    if report.rows_skipped > 0 {
        eprintln!("skipped {} invalid rows", report.rows_skipped);
    }
    match args.format {
        Format::Json => println!("{}", render::json(&report)),
        Format::Text => print!("{}", render::text(&engine, &report)),
        Format::Csv => print!("{}", render::csv(&report)),
    }
    std::mem::forget(engine);
    Exit::Yes
}
