//! `covenant diff`: what changes between two rule sets, over every question and all time.

use std::path::PathBuf;

use covenant::eval::{Engine, Options};
use covenant::legal::diff;

use super::{load, report, Exit, Format, RulesArgs};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The rule set before the change: a file or a folder (repeatable)
    #[arg(long, value_name = "PATH", required = true)]
    before: Vec<PathBuf>,
    /// The rule set after the change: a file or a folder (repeatable)
    #[arg(long, value_name = "PATH", required = true)]
    after: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Report only windows whose decision changed (not those whose reasons alone changed)
    #[arg(long)]
    decisions: bool,
}

fn engine(paths: &[PathBuf]) -> Result<Engine, Exit> {
    let rules = load(&RulesArgs {
        rules: paths.to_vec(),
    })?;
    rules.engine(&Options::default()).map_err(|e| {
        report(&e.diagnostics, &e.sources);
        Exit::Error
    })
}

pub fn run(args: Args) -> Exit {
    let before = match engine(&args.before) {
        Ok(e) => e,
        Err(e) => return e,
    };
    let after = match engine(&args.after) {
        Ok(e) => e,
        Err(e) => return e,
    };
    let mut d = diff::diff(&before, &after);
    if args.decisions {
        d.changes.retain(|c| c.decision_changed);
    }
    match args.format {
        Format::Json => outln!("{}", serde_json::to_string(&d).unwrap_or_default()),
        Format::Text => out!("{d}"),
    }
    if d.is_empty() {
        Exit::Yes
    } else {
        Exit::No
    }
}
