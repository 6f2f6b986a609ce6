//! The `covenant` command: parse the arguments, run one subcommand, exit 0, 1 or 2.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // The Parquet and Arrow readers panic on some corrupt files; covenant catches those panics
    // and reports the file as corrupt (exit 2), so their message would only be noise.
    #[cfg(feature = "parquet")]
    covenant::finance::parquet::quiet_reader_panics();
    let cli = match covenant_cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            let _ = e.print();
            return ExitCode::from(2);
        }
        // `--help` and `--version`: written like any output, so a full stdout is exit 2.
        Err(e) => {
            let help = e.render();
            if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                covenant_cli::write_out(format_args!("{}", help.ansi()));
            } else {
                covenant_cli::write_out(format_args!("{help}"));
            }
            return ExitCode::from(0);
        }
    };
    ExitCode::from(cli.run().code())
}

#[path = "cli/mod.rs"]
mod covenant_cli;
