//! `covenant test`: run case files and say which cases fail.

use std::path::PathBuf;

use super::{Exit, Format};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Case files (YAML)
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    /// Text lists the failing cases; JSON lists every case with its result
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub fn run(args: Args) -> Exit {
    let run = covenant::legal::cases::run_files(&args.files);
    for e in &run.errors {
        errln!("error: {e}");
    }
    match args.format {
        Format::Json => outln!("{}", serde_json::to_string(&run).unwrap_or_default()),
        Format::Text => out!("{run}"),
    }
    if !run.errors.is_empty() {
        Exit::Error
    } else if run.failed > 0 {
        Exit::No
    } else {
        Exit::Yes
    }
}
