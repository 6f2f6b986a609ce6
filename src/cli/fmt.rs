//! `covenant fmt`: rewrite rule files in the canonical layout, or `--check` that they are.

use std::path::PathBuf;

use super::Exit;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Change nothing; exit 1 when a file would change
    #[arg(long)]
    check: bool,
    /// The rule files to format
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
}

pub fn run(args: Args) -> Exit {
    let mut changed = false;
    let mut failed = false;
    for path in &args.files {
        let text = match covenant::source::read_text(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {e}");
                failed = true;
                continue;
            }
        };
        let name = path.display().to_string();
        match covenant::fmt::format(&text) {
            Ok(formatted) => {
                if formatted == text {
                    continue;
                }
                changed = true;
                if args.check {
                    println!("{name}: would be reformatted");
                } else if let Err(e) = std::fs::write(path, formatted) {
                    eprintln!("error: cannot write `{name}`: {e}");
                    failed = true;
                } else {
                    println!("{name}: formatted");
                }
            }
            Err(diags) => {
                let mut sources = covenant::source::Sources::new();
                sources.add(name, text);
                super::report(&diags, &sources);
                failed = true;
            }
        }
    }
    if failed {
        Exit::Error
    } else if changed && args.check {
        Exit::No
    } else {
        Exit::Yes
    }
}
