//! `covenant audit`: was every recorded launch allowed by the rules known on its day?

use super::{load, report, Exit, RulesArgs};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    rules: RulesArgs,
}

pub fn run(args: Args) -> Exit {
    let checked = match load(&args.rules) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let (findings, replayed) = match covenant::legal::audit::audit(checked.rule_set()) {
        Ok(f) => f,
        Err(diags) => {
            report(&diags, checked.sources());
            return Exit::Error;
        }
    };
    for f in &findings {
        let note = f
            .note
            .as_deref()
            .map(|n| format!(" \"{n}\""))
            .unwrap_or_default();
        outln!(
            "{}: {} was forbidden{note}",
            covenant::time::iso(f.day),
            f.record
        );
        for r in &f.reasons {
            outln!("  {} {}: {}", r.effect.as_str(), r.clause, r.detail);
        }
    }
    outln!("{replayed} launches replayed, {} forbidden", findings.len());
    if findings.is_empty() {
        Exit::Yes
    } else {
        Exit::No
    }
}
