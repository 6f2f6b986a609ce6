//! `ask pay … at DAY --ledger`: the ledgers to read and the rows skipped, around
//! `covenant::finance::ask`, which answers with the ledger position.

use std::path::PathBuf;

use covenant::finance::ledger::BadRows;
use covenant::{Answer, Engine};

/// Reads the ledgers up to the question's day and answers it with the position (the question
/// itself was read before: its errors are the caller's to show).
pub fn ask(
    engine: &Engine,
    text: &str,
    paths: &[PathBuf],
    skip_invalid: bool,
) -> Result<Answer, String> {
    let (inputs, progress) = crate::covenant_cli::inputs(paths)?;
    let bad = if skip_invalid {
        BadRows::Skip
    } else {
        BadRows::Stop
    };
    let options = covenant::finance::ReadOptions {
        progress,
        ..covenant::finance::ReadOptions::for_engine(engine, bad)
    };
    let (answer, report) =
        covenant::finance::ask(engine, text, inputs, &options).map_err(|e| e.to_string())?;
    crate::covenant_cli::report_skips(&report);
    Ok(answer)
}
