//! `covenant test`: run case files and say which cases fail.

use std::path::PathBuf;

use super::Exit;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Case files (YAML)
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
}

pub fn run(args: Args) -> Exit {
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut invalid = false;
    for path in &args.files {
        match covenant::legal::cases::run_file(path) {
            Ok(outcomes) => {
                for o in outcomes {
                    if o.passed {
                        passed += 1;
                    } else {
                        failed += 1;
                        outln!("FAIL {}:{}: {}", path.display(), o.line, o.name);
                        outln!("  expected: {}", o.expected);
                        outln!("  got:      {}", o.got);
                    }
                }
            }
            Err(e) => {
                errln!("error: {e}");
                invalid = true;
            }
        }
    }
    outln!("{passed} passed, {failed} failed");
    if invalid {
        Exit::Error
    } else if failed > 0 {
        Exit::No
    } else {
        Exit::Yes
    }
}
