//! `covenant chart`: a timeline picture of the rule set, as SVG.

use std::path::PathBuf;

use super::{Exit, ReadArgs};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    read: ReadArgs,
    /// Where to write the SVG
    #[arg(long, value_name = "FILE.svg", required = true)]
    out: PathBuf,
}

pub fn run(args: Args) -> Exit {
    let engine = match args.read.engine() {
        Ok(e) => e,
        Err(e) => return e,
    };
    let svg = covenant::legal::chart::svg(engine.rules(), engine.consolidated(), engine.env());
    if let Err(e) = std::fs::write(&args.out, svg) {
        eprintln!("error: cannot write `{}`: {e}", args.out.display());
        return Exit::Error;
    }
    println!("wrote {}", args.out.display());
    Exit::Yes
}
