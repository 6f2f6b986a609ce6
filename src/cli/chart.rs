//! `covenant chart`: a timeline picture of the rule set, as SVG.

use std::path::PathBuf;

use covenant::eval::{Engine, Options};

use super::{day_arg, load, overrides, report, Exit, RulesArgs};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    rules: RulesArgs,
    /// Where to write the SVG
    #[arg(long, value_name = "FILE.svg", required = true)]
    out: PathBuf,
    /// Override an assumption for this picture: ID=VALUE (repeatable)
    #[arg(long = "set", value_name = "ID=VALUE")]
    set: Vec<String>,
    /// Draw the rules as known on this day
    #[arg(long, value_name = "DAY")]
    as_of: Option<String>,
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
        Err(d) => {
            report(&d, &sources);
            return Exit::Error;
        }
    };
    let svg = covenant::legal::chart::svg(engine.rules(), engine.consolidated(), engine.env());
    if let Err(e) = std::fs::write(&args.out, svg) {
        eprintln!("error: cannot write `{}`: {e}", args.out.display());
        return Exit::Error;
    }
    println!("wrote {}", args.out.display());
    Exit::Yes
}
