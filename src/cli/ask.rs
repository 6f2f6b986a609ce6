//! `covenant ask`: one question, or a batch of them, answered from the compiled rules; a
//! payment question with `--ledger` is answered with the ledgers' position.

use std::io::{BufRead, BufWriter};
use std::path::PathBuf;

use covenant::{Answer, Engine};

use covenant::finance::ledger::BadRows;

use super::{Exit, Format, ReadArgs};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The question, e.g. `deploy gpt_5_5 on aws at 2026-05-01`; without `at DAY` it asks when
    #[arg(value_name = "QUESTION", num_args = 0..)]
    question: Vec<String>,
    #[command(flatten)]
    read: ReadArgs,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Answer one question a line from FILE (`-` for stdin), one JSON answer a line (always
    /// JSON; a bad line is answered in place with its error and the run goes on)
    #[arg(long, value_name = "FILE", conflicts_with = "question")]
    batch: Option<PathBuf>,
    /// With `pay PAYER to PAYEE at DAY`: what these ledgers owe up to DAY and what remains
    /// under each cap (repeatable; `-` is stdin)
    #[arg(long = "ledger", value_name = "LEDGER", conflicts_with = "batch")]
    ledgers: Vec<PathBuf>,
    /// With --ledger: skip rows that are not valid (and count them) instead of stopping
    #[arg(long, requires = "ledgers")]
    skip_invalid: bool,
    /// With --ledger: how ledger files are read (by extension, or as CSV or Parquet)
    #[arg(long, value_enum, default_value = "auto", requires = "ledgers")]
    input_format: super::InputFormat,
}

pub fn run(args: Args) -> Exit {
    let engine = match args.read.engine() {
        Ok(e) => e,
        Err(e) => return e,
    };
    let exit = match &args.batch {
        Some(path) => batch(&engine, path),
        None => single(&engine, &args, args.format),
    };
    // The process ends here: leave the compiled tables to the operating system rather than
    // freeing them one by one (measurable on large rule sets).
    std::mem::forget(engine);
    exit
}

fn single(engine: &Engine, args: &Args, format: Format) -> Exit {
    let text = args.question.join(" ");
    let text = text.trim();
    if text.is_empty() {
        errln!("error: no question given; try `covenant ask deploy gpt_5_5 on aws at 2026-05-01`");
        return Exit::Error;
    }
    let asked = if args.ledgers.is_empty() {
        engine.ask(text).map_err(Some)
    } else {
        // The question is read first, so that its errors show their column like any other.
        match engine.parse(text) {
            Ok(_) => ask_with_ledgers(engine, text, args).map_err(|msg| {
                errln!("error: {msg}");
                None
            }),
            Err(e) => Err(Some(e)),
        }
    };
    let answer = match asked {
        Ok(a) => a,
        Err(Some(e)) => {
            errln!("error: {}", e.placed("question"));
            // The question as typed, invisible characters shown, and the marker under the
            // column (counted in the shown text).
            let before: String = text.chars().take(e.column.saturating_sub(1)).collect();
            let shown = covenant::diag::shown(text, usize::MAX);
            let at = covenant::diag::shown(&before, usize::MAX).chars().count();
            errln!("  {shown}");
            errln!("  {}^", " ".repeat(at));
            return Exit::Error;
        }
        Err(None) => return Exit::Error,
    };
    match format {
        Format::Json => outln!("{}", answer.to_json()),
        Format::Text => out!("{answer}"),
    }
    match answer.decision() {
        Some(d) if !d.is_yes() => Exit::No,
        _ => Exit::Yes,
    }
}

fn batch(engine: &Engine, path: &std::path::Path) -> Exit {
    let stdin;
    let reader: Box<dyn BufRead> = if path.as_os_str() == "-" {
        stdin = std::io::stdin();
        Box::new(stdin.lock())
    } else {
        match std::fs::File::open(path) {
            Ok(f) => Box::new(std::io::BufReader::with_capacity(1 << 16, f)),
            Err(e) => {
                errln!(
                    "error: cannot read `{}`: {}",
                    path.display(),
                    covenant::source::describe_io(&e)
                );
                return Exit::Error;
            }
        }
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    use covenant::eval::batch::{answer_lines, BatchError};
    match answer_lines(engine, reader, &mut out) {
        Ok(()) => Exit::Yes,
        Err(BatchError::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Exit::Yes,
        Err(BatchError::Write(e)) => {
            errln!(
                "error: cannot write to standard output: {}",
                covenant::source::describe_io(&e)
            );
            Exit::Error
        }
        Err(BatchError::Read(e)) => {
            errln!(
                "error: cannot read `{}`: {}",
                path.display(),
                covenant::source::describe_io(&e)
            );
            Exit::Error
        }
    }
}

/// Reads the ledgers up to the question's day and answers it with the position (the question
/// itself was read before: its errors are the caller's to show).
fn ask_with_ledgers(engine: &Engine, text: &str, args: &Args) -> Result<Answer, String> {
    let (inputs, progress) = crate::covenant_cli::inputs(&args.ledgers)?;
    let bad = if args.skip_invalid {
        BadRows::Skip
    } else {
        BadRows::Stop
    };
    let options = covenant::finance::ReadOptions {
        progress,
        format: args.input_format.into(),
        ..covenant::finance::ReadOptions::for_engine(engine, bad)
    };
    let (answer, report) =
        covenant::finance::ask(engine, text, inputs, &options).map_err(|e| e.to_string())?;
    crate::covenant_cli::report_skips(&report);
    Ok(answer)
}
