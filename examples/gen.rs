//! Writes generated benchmark inputs to stdout, for runs by hand:
//! `cargo run --release --example gen -- rules 10000 > /tmp/rules.cov` (0.1 terms; `rules-0.2`
//! for agreements with terms, renewals, notices and territories),
//! `cargo run --release --example gen -- questions 1000000 > /tmp/q.txt`.

#![allow(clippy::indexing_slicing)]

use std::io::Write;

#[path = "../benches/gen/mod.rs"]
mod gen;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n = args.get(1).and_then(|n| n.parse::<usize>().ok());
    let text = match (args.first().map(String::as_str), n) {
        (Some("rules"), Some(n)) => gen::rules(n),
        (Some("rules-0.2"), Some(n)) => gen::rules_02(n),
        (Some("questions"), Some(n)) => gen::questions(n),
        _ => {
            eprintln!("usage: gen rules N | gen rules-0.2 N | gen questions N");
            return std::process::ExitCode::from(2);
        }
    };
    let mut out = std::io::stdout().lock();
    if out.write_all(text.as_bytes()).is_err() {
        return std::process::ExitCode::from(2);
    }
    std::process::ExitCode::SUCCESS
}
