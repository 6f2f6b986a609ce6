//! `covenant fmt`: rewrite rule files in the canonical layout, or `--check` that they are.

use std::path::PathBuf;

use super::Exit;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Change nothing; exit 1 when a file would change
    #[arg(long)]
    check: bool,
    /// The rule files to format (a folder: every `*.cov` file below it)
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
}

pub fn run(args: Args) -> Exit {
    let mut changed = false;
    let mut failed = false;
    // A folder stands for every `*.cov` file below it.
    let mut files = Vec::new();
    for path in &args.files {
        if path.is_dir() {
            let mut sources = covenant::source::Sources::new();
            match sources.load_path(path) {
                Ok(()) => files.extend(sources.iter().map(|(_, s)| PathBuf::from(&s.name))),
                Err(e) => {
                    errln!("error: {e}");
                    failed = true;
                }
            }
        } else {
            files.push(path.clone());
        }
    }
    // Every file is formatted before any is written: a run that fails writes nothing.
    let mut rewrites: Vec<(&PathBuf, String)> = Vec::new();
    for path in &files {
        let text = match covenant::source::read_text(path) {
            Ok(t) => t,
            Err(e) => {
                errln!("error: {e}");
                failed = true;
                continue;
            }
        };
        let name = path.display().to_string();
        match covenant::fmt::format(&text) {
            Ok(formatted) => {
                if formatted != text {
                    changed = true;
                    rewrites.push((path, formatted));
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
    if failed && !args.check && !rewrites.is_empty() {
        errln!(
            "error: nothing was written ({} files would be reformatted): fix the errors first",
            rewrites.len()
        );
    }
    for (path, formatted) in rewrites {
        let name = path.display().to_string();
        if args.check {
            outln!("{name}: would be reformatted");
        } else if failed {
            continue;
        } else if let Err(e) = std::fs::write(path, formatted) {
            errln!(
                "error: cannot write `{name}`: {}",
                covenant::source::describe_io(&e)
            );
            failed = true;
        } else {
            outln!("{name}: formatted");
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
