//! `covenant revshare`: what the revenue shares owe over ledgers.

use covenant::finance::{self, render};

use super::{report_skips, Exit, ReadArgs};

#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Csv,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    ledgers: super::LedgerArgs,
    #[command(flatten)]
    read: ReadArgs,
    /// Only this revenue share, as `agreement.clause` (repeatable)
    #[arg(long = "clause", value_name = "ID")]
    clauses: Vec<String>,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub fn run(args: Args) -> Exit {
    let engine = match args.read.engine() {
        Ok(e) => e,
        Err(e) => return e,
    };
    let plans = match finance::plans(&engine, &args.clauses) {
        Ok(p) => p,
        Err(e) => {
            errln!("error: --clause {e}");
            return Exit::Error;
        }
    };
    let (inputs, options) = match super::ledger_reading(&engine, &args.ledgers) {
        Ok(r) => r,
        Err(exit) => return exit,
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
