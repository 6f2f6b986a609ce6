//! `covenant statement`: what every money clause came to over ledgers, period by period.

use covenant::finance::statement::{self, Scope};

use super::{Exit, ReadArgs};

#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Csv,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum By {
    Year,
    Quarter,
    Month,
    ContractYear,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    ledgers: super::LedgerArgs,
    #[command(flatten)]
    read: ReadArgs,
    /// The first day counted (YYYY-MM-DD)
    #[arg(long, value_name = "DAY")]
    from: Option<String>,
    /// The last day counted (YYYY-MM-DD); periods ending after it are still running
    #[arg(long, value_name = "DAY")]
    until: Option<String>,
    /// The periods of the statement's lines
    #[arg(long, value_enum, default_value = "year")]
    by: By,
    /// Only this money clause, as `agreement.clause` (repeatable)
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
    let day = |flag: &str, v: &Option<String>| match v {
        Some(t) => super::day_arg(flag, t).map(Some),
        None => Ok(None),
    };
    let (from, until) = match (day("--from", &args.from), day("--until", &args.until)) {
        (Ok(f), Ok(u)) => (f, u),
        (Err(e), _) | (_, Err(e)) => {
            errln!("error: {e}");
            return Exit::Error;
        }
    };
    if let (Some(f), Some(u)) = (from, until) {
        if u < f {
            errln!("error: --until {u} comes before --from {f}");
            return Exit::Error;
        }
    }
    let (inputs, options) = match super::ledger_reading(&engine, &args.ledgers) {
        Ok(r) => r,
        Err(exit) => return exit,
    };
    let scope = Scope {
        from,
        until,
        by: match args.by {
            By::Year => covenant::vocab::Period::Year,
            By::Quarter => covenant::vocab::Period::Quarter,
            By::Month => covenant::vocab::Period::Month,
            By::ContractYear => covenant::vocab::Period::ContractYear,
        },
        clauses: args.clauses,
    };
    let s = match statement::statement(&engine, inputs, &options, &scope) {
        Ok(s) => s,
        Err(e) => {
            errln!("error: {e}");
            return Exit::Error;
        }
    };
    if s.rows_skipped > 0 {
        errln!("skipped {} invalid rows", s.rows_skipped);
    }
    match args.format {
        Format::Json => outln!("{}", s.json()),
        Format::Text => out!("{}", s.text()),
        Format::Csv => out!("{}", s.csv()),
    }
    std::mem::forget(engine);
    Exit::Yes
}
