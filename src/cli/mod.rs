//! Command-line arguments (clap) and the shared steps of every subcommand: loading the rule set
//! (files, folders, or the embedded rules), printing diagnostics, typing `--set` values. One
//! file per subcommand; the library has no clap types.

/// Writes to stdout; a closed pipe (`covenant … | head`) ends the run quietly instead of
/// panicking, and any other write error is an error.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::covenant_cli::write_out(format_args!($($arg)*))
    };
}

/// [`out!`] with a newline.
macro_rules! outln {
    () => { out!("\n") };
    ($($arg:tt)*) => {
        $crate::covenant_cli::write_out(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// Writes to stderr; a closed or full stderr is ignored (the exit code still tells), so that
/// reporting a problem can never become a crash.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::covenant_cli::write_err(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// [`errln!`] without the newline.
macro_rules! err {
    ($($arg:tt)*) => {
        $crate::covenant_cli::write_err(format_args!($($arg)*))
    };
}

pub fn write_out(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        // A full disk is not a closed pipe: what was not written is lost, so the run fails.
        write_err(format_args!(
            "error: cannot write to standard output: {}\n",
            covenant::source::describe_io(&e)
        ));
        std::process::exit(2);
    }
}

pub fn write_err(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_fmt(args).and_then(|()| stderr.flush());
}

mod ask;
mod audit;
mod chart;
mod check;
mod diff;
mod fmt;
#[cfg(feature = "lsp")]
mod lsp;
mod revshare;
#[cfg(feature = "serve")]
mod serve;
mod statement;
mod test;

use std::io::IsTerminal;
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};

use covenant::diag::{self, Diagnostic, Style};
use covenant::rules::RulesError;
use covenant::source::Sources;
use covenant::Rules;

/// Exit codes: 0 yes / valid, 1 no / changed / warnings denied, 2 any error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Yes,
    No,
    Error,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Yes => 0,
            Exit::No => 1,
            Exit::Error => 2,
        }
    }
}

#[derive(Parser, Debug)]
#[command(
    name = "covenant",
    version,
    about = "Contract and licensing rules: ask what the agreements permit, when, and why"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check a rule set: exit 0 when valid, 2 when not
    Check(check::Args),
    /// Rewrite rule files in the canonical layout
    Fmt(fmt::Args),
    /// Answer a question: `deploy gpt_5_5 on aws at 2026-05-01`
    Ask(ask::Args),
    /// What the revenue shares owe over ledgers (CSV: date,party,stream,amount,currency)
    Revshare(revshare::Args),
    /// Every money clause over ledgers, period by period: revenue, shares, recoupment, caps, paid, true-ups, payments, commitments
    Statement(statement::Args),
    /// Run case files (YAML) of questions and expected answers
    Test(test::Args),
    /// Compare two rule sets over every question and all time
    Diff(diff::Args),
    /// Replay every recorded launch against the rules known on its day
    Audit(audit::Args),
    /// Draw the clauses in force over time, as SVG
    Chart(chart::Args),
    /// Serve the rules over HTTP: questions, statements, checks, metrics and the analyst's page
    #[cfg(feature = "serve")]
    Serve(serve::Args),
    /// The language server for editors, over standard input and output
    #[cfg(feature = "lsp")]
    Lsp(lsp::Args),
    /// Print a shell completion script: `covenant completions bash > ~/.local/share/bash-completion/completions/covenant`
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `covenant man > covenant.1`
    Man,
}

impl Cli {
    pub fn run(self) -> Exit {
        match self.command {
            Command::Check(a) => check::run(a),
            Command::Fmt(a) => fmt::run(a),
            Command::Ask(a) => ask::run(a),
            Command::Revshare(a) => revshare::run(a),
            Command::Statement(a) => statement::run(a),
            Command::Test(a) => test::run(a),
            Command::Diff(a) => diff::run(a),
            Command::Audit(a) => audit::run(a),
            Command::Chart(a) => chart::run(a),
            #[cfg(feature = "serve")]
            Command::Serve(a) => serve::run(a),
            #[cfg(feature = "lsp")]
            Command::Lsp(a) => lsp::run(a),
            Command::Completions { shell } => {
                use clap::CommandFactory;
                let mut buf = Vec::new();
                clap_complete::generate(shell, &mut Cli::command(), "covenant", &mut buf);
                out!("{}", String::from_utf8_lossy(&buf));
                Exit::Yes
            }
            Command::Man => {
                use clap::CommandFactory;
                let mut buf = Vec::new();
                if let Err(e) = clap_mangen::Man::new(Cli::command()).render(&mut buf) {
                    errln!("error: cannot render the man page: {e}");
                    return Exit::Error;
                }
                out!("{}", String::from_utf8_lossy(&buf));
                Exit::Yes
            }
        }
    }
}

/// Where the rules come from.
#[derive(clap::Args, Debug, Clone)]
pub struct RulesArgs {
    /// A rule file or a folder of `*.cov` files (repeatable); default: the shipped rules
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
}

/// Where the rules come from and how they are read: what-ifs and knowledge time.
#[derive(clap::Args, Debug, Clone)]
pub struct ReadArgs {
    #[command(flatten)]
    pub rules: RulesArgs,
    /// Override an assumption for this run: ID=VALUE (repeatable)
    #[arg(long = "set", value_name = "ID=VALUE")]
    pub set: Vec<String>,
    /// Only agreements and amendments signed, and events dated, on or before this day exist
    #[arg(long, value_name = "DAY")]
    pub as_of: Option<String>,
}

impl ReadArgs {
    /// Loads, checks and compiles the rules; prints every problem.
    pub fn engine(&self) -> Result<covenant::Engine, Exit> {
        let rules = load(&self.rules)?;
        let as_of = self
            .as_of
            .as_deref()
            .map(|d| day_arg("--as-of", d))
            .transpose()
            .map_err(|msg| {
                errln!("error: {msg}");
                Exit::Error
            })?;
        let mut options = covenant::Options {
            as_of,
            ..covenant::Options::default()
        };
        for (i, set) in self.set.iter().enumerate() {
            if let Err(e) = options.set(&rules, set) {
                match e {
                    // Name the setting given first, as it was written.
                    covenant::check::SetError::Twice { id } => {
                        let first = self
                            .set
                            .iter()
                            .take(i)
                            .find(|s| s.split_once('=').is_some_and(|(k, _)| k.trim() == id));
                        errln!(
                            "error: --set `{set}`: this assumption is already set by `--set {}`; give each one once",
                            first.map_or("", String::as_str)
                        );
                    }
                    e => errln!("error: --set `{set}`: {e}"),
                }
                return Err(Exit::Error);
            }
        }
        rules.engine(&options).map_err(|e| {
            errln!("error: read with these --set and --as-of values, the rules are inconsistent:");
            report(&e.diagnostics, &e.sources);
            Exit::Error
        })
    }
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// Colour for diagnostics: on a terminal, unless `NO_COLOR` is set (no-color.org); always
/// with `CLICOLOR_FORCE` set to anything but `0`.
pub fn style() -> Style {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    let forced = std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0");
    if forced || (std::io::stderr().is_terminal() && !set("NO_COLOR")) {
        Style::Color
    } else {
        Style::Plain
    }
}

/// Prints diagnostics to stderr, at most 100 of them.
pub fn report(diags: &[Diagnostic], sources: &Sources) {
    const MOST: usize = 100;
    let shown = diags.get(..MOST).unwrap_or(diags);
    err!("{}", diag::render(shown, sources, style()));
    if diags.len() > MOST {
        errln!("… and {} more", diags.len() - MOST);
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    if errors > 0 {
        errln!(
            "{errors} error{}{}",
            if errors == 1 { "" } else { "s" },
            if warnings > 0 {
                format!(
                    ", {warnings} warning{}",
                    if warnings == 1 { "" } else { "s" }
                )
            } else {
                String::new()
            }
        );
    }
}

/// Loads and checks the rule set; prints every problem. Warnings are kept, not printed.
pub fn load(args: &RulesArgs) -> Result<Rules, Exit> {
    let loaded = if args.rules.is_empty() {
        Rules::shipped().map_err(RulesError::Check)
    } else {
        Rules::load(&args.rules)
    };
    loaded.map_err(|e| {
        match e {
            RulesError::Read(e) => errln!("error: {e}"),
            RulesError::Check(failure) => report(&failure.diagnostics, &failure.sources),
        }
        Exit::Error
    })
}

/// Parses a day given on the command line.
pub fn day_arg(flag: &str, text: &str) -> Result<NaiveDate, String> {
    covenant::time::parse_day(text.trim())
        .ok_or_else(|| format!("{flag} `{text}`: not a valid day; days are written YYYY-MM-DD"))
}

// ----- ledgers, shared by `revshare` and `ask --ledger` -----------------------------------

/// What makes two paths one file: its device and inode where the system has them (so that a
/// hard link is the same file), else its canonical path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum FileKey {
    Inode(u64, u64),
    Path(PathBuf),
}

fn file_key(path: &std::path::Path) -> FileKey {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if path.as_os_str() != "-" {
            if let Ok(meta) = std::fs::metadata(path) {
                return FileKey::Inode(meta.dev(), meta.ino());
            }
        }
    }
    FileKey::Path(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// The ledgers to read, and a progress bar when stderr is a terminal and the input is large.
pub fn inputs(
    paths: &[PathBuf],
) -> Result<
    (
        Vec<covenant::finance::Input>,
        Option<covenant::finance::Progress>,
    ),
    String,
> {
    let mut inputs = Vec::new();
    let mut total = 0u64;
    // A ledger named twice would count its rows twice: refuse it (by the file it is, however
    // it is written).
    let mut seen: Vec<(FileKey, &PathBuf)> = Vec::new();
    for path in paths {
        let same = file_key(path);
        if let Some((_, first)) = seen.iter().find(|(c, _)| *c == same) {
            return Err(format!(
                "the ledger `{}` is given twice (also as `{}`): its rows would count twice",
                path.display(),
                first.display()
            ));
        }
        seen.push((same, path));
        if path.as_os_str() == "-" {
            inputs.push(covenant::finance::Input::Stream(
                "<stdin>".to_string(),
                Box::new(std::io::stdin()),
            ));
            continue;
        }
        let meta = std::fs::metadata(path).map_err(|e| {
            format!(
                "cannot read `{}`: {}",
                path.display(),
                covenant::source::describe_io(&e)
            )
        })?;
        if meta.is_dir() {
            return Err(format!("cannot read `{}`: it is a folder", path.display()));
        }
        total += meta.len();
        inputs.push(covenant::finance::Input::File(path.clone()));
    }
    let progress: Option<covenant::finance::Progress> =
        if std::io::stderr().is_terminal() && total > (64 << 20) {
            let style = indicatif::ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            let bar = indicatif::ProgressBar::new(total).with_style(style);
            Some(std::sync::Arc::new(move |n| bar.inc(n)))
        } else {
            None
        };
    Ok((inputs, progress))
}

/// How ledger files are read (`--input-format`).
#[derive(Clone, Copy, Debug, Default, ValueEnum, PartialEq, Eq)]
pub enum InputFormat {
    /// Parquet for a `.parquet` file, CSV for any other
    #[default]
    Auto,
    /// CSV with the header `date,party,stream,amount,currency`
    Csv,
    /// Parquet with the same five columns
    Parquet,
}

impl From<InputFormat> for covenant::finance::Format {
    fn from(f: InputFormat) -> Self {
        match f {
            InputFormat::Auto => covenant::finance::Format::Auto,
            InputFormat::Csv => covenant::finance::Format::Csv,
            InputFormat::Parquet => covenant::finance::Format::Parquet,
        }
    }
}

/// The ledgers of `revshare` and `statement`, and how they are read.
#[derive(clap::Args, Debug)]
pub struct LedgerArgs {
    /// Ledgers (CSV `date,party,stream,amount,currency`, or Parquet with those columns), read as one, in order; `-` is stdin
    #[arg(value_name = "LEDGER", required = true)]
    pub ledgers: Vec<PathBuf>,
    /// Skip rows that are not valid (and count them) instead of stopping
    #[arg(long)]
    pub skip_invalid: bool,
    /// How ledger files are read: by extension (`.parquet` is Parquet), or as CSV or Parquet
    #[arg(long, value_enum, default_value = "auto")]
    pub input_format: InputFormat,
}

/// The ledgers to read and how (`revshare`, `statement`): bad rows stop the run unless asked to
/// be skipped; a large input gets a progress bar.
pub fn ledger_reading(
    engine: &covenant::Engine,
    args: &LedgerArgs,
) -> Result<
    (
        Vec<covenant::finance::Input>,
        covenant::finance::ReadOptions,
    ),
    Exit,
> {
    let (inputs, progress) = inputs(&args.ledgers).map_err(|msg| {
        errln!("error: {msg}");
        Exit::Error
    })?;
    let bad = if args.skip_invalid {
        covenant::finance::ledger::BadRows::Skip
    } else {
        covenant::finance::ledger::BadRows::Stop
    };
    let options = covenant::finance::ReadOptions {
        progress,
        format: args.input_format.into(),
        ..covenant::finance::ReadOptions::for_engine(engine, bad)
    };
    Ok((inputs, options))
}

/// Prints the skipped rows' examples and count.
pub fn report_skips(report: &covenant::finance::revshare::Report) {
    for e in &report.skipped_examples {
        errln!("skipped: {e}");
    }
    if report.rows_skipped > 0 {
        errln!("skipped {} invalid rows", report.rows_skipped);
    }
}
