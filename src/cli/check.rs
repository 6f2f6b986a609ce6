//! `covenant check`: is the rule set valid? Warnings are shown; `--deny-warnings` fails on them.

use super::{load, report, Exit, RulesArgs};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    rules: RulesArgs,
    /// Exit 1 when there are warnings
    #[arg(long)]
    deny_warnings: bool,
}

pub fn run(args: Args) -> Exit {
    let checked = match load(&args.rules) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let r = checked.rule_set();
    if !checked.warnings().is_empty() {
        report(checked.warnings(), &r.sources);
    }
    let count = |n: usize, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    outln!(
        "ok: {}, {}, {}, {}, {}, {}",
        count(r.sources.len(), "file"),
        count(r.agreements.len(), "agreement"),
        count(r.amendments.len(), "amendment"),
        count(r.clauses.len(), "clause"),
        count(r.records.len(), "record"),
        count(checked.warnings().len(), "warning")
    );
    if args.deny_warnings && !checked.warnings().is_empty() {
        Exit::No
    } else {
        Exit::Yes
    }
}
