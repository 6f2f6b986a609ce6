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
    let to_stdout = args.out.as_os_str() == "-";
    if !to_stdout && args.out.extension().is_none_or(|e| e != "svg") {
        errln!(
            "error: --out `{}`: the chart is SVG; name the file `….svg` (or `-` for stdout)",
            args.out.display()
        );
        return Exit::Error;
    }
    let svg = covenant::legal::chart::svg(engine.rules(), engine.consolidated(), engine.env());
    if to_stdout {
        out!("{svg}");
        return Exit::Yes;
    }
    if let Err(e) = std::fs::write(&args.out, svg) {
        errln!(
            "error: cannot write `{}`: {}",
            args.out.display(),
            covenant::source::describe_io(&e)
        );
        return Exit::Error;
    }
    outln!("wrote {}", args.out.display());
    Exit::Yes
}
