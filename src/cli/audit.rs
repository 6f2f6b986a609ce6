//! `covenant audit`: was every recorded launch allowed by the rules known on its day?

use super::{load, report, Exit, Format, RulesArgs};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    rules: RulesArgs,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub fn run(args: Args) -> Exit {
    let rules = match load(&args.rules) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let audit = match covenant::legal::audit::audit(&rules) {
        Ok(a) => a,
        Err(e) => {
            report(&e.diagnostics, &e.sources);
            return Exit::Error;
        }
    };
    match args.format {
        Format::Json => outln!("{}", serde_json::to_string(&audit).unwrap_or_default()),
        Format::Text => out!("{audit}"),
    }
    if audit.findings.is_empty() {
        Exit::Yes
    } else {
        Exit::No
    }
}
