//! One-line helpers so that each test reads as one fact.
#![allow(dead_code)]

use std::path::Path;

use covenant::diag::{self, Style};
use covenant::eval::answer::{Decision, Ruling};
use covenant::{check, Engine, Options, Sources};

/// Checks a rule text; panics with the rendered diagnostics if it has errors.
pub fn engine(text: &str) -> Engine {
    engine_with(text, &Options::default())
}

pub fn engine_with(text: &str, options: &Options) -> Engine {
    let mut sources = Sources::new();
    sources.add("test.cov", text);
    let checked = match check(sources) {
        Ok(c) => c,
        Err(f) => panic!("{}", diag::render(&f.diagnostics, &f.sources, Style::Plain)),
    };
    match Engine::new(checked.rules, options) {
        Ok(e) => e,
        Err(d) => panic!("{d:?}"),
    }
}

/// The embedded (shipped) rules.
pub fn shipped() -> Engine {
    shipped_with(&Options::default())
}

pub fn shipped_with(options: &Options) -> Engine {
    let checked = check(Sources::embedded()).unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
    Engine::new(checked.rules, options).unwrap_or_else(|d| panic!("{d:?}"))
}

/// The answer window of a point question.
pub fn window(engine: &Engine, question: &str) -> Ruling {
    let q = engine
        .parse(question)
        .unwrap_or_else(|e| panic!("{question}: {e}"));
    let day = q.at.unwrap_or_else(|| panic!("{question}: no day"));
    engine.at(q.subject, day).into_owned()
}

pub fn decide(engine: &Engine, question: &str) -> Decision {
    window(engine, question).decision
}

/// The clauses named by the reasons of a point answer.
pub fn reasons(engine: &Engine, question: &str) -> Vec<String> {
    window(engine, question)
        .reasons
        .iter()
        .map(|r| format!("{} {}", r.effect.as_str(), r.clause))
        .collect()
}

/// The assumption ids an answer rests on.
pub fn assumptions(engine: &Engine, question: &str) -> Vec<String> {
    let w = window(engine, question);
    w.assumptions
        .ids()
        .iter()
        .filter_map(|id| engine.rules().assumption(*id))
        .map(|a| a.name.id.clone())
        .collect()
}

/// The windows of a when question as `FROM..UNTIL decision`.
pub fn when(engine: &Engine, question: &str) -> Vec<String> {
    let q = engine
        .parse(question)
        .unwrap_or_else(|e| panic!("{question}: {e}"));
    let day = |d: Option<chrono::NaiveDate>| d.map_or("*".to_string(), |d| d.to_string());
    engine
        .when(q.subject)
        .windows
        .iter()
        .map(|w| format!("{}..{} {}", day(w.from), day(w.until), w.decision.as_str()))
        .collect()
}

/// Checks a rule file on disk and renders every diagnostic, errors and warnings.
pub fn diagnostics_of(path: &Path) -> (bool, String) {
    let mut sources = Sources::new();
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    sources.add(name, text);
    match check(sources) {
        Ok(c) => (
            false,
            diag::render(&c.warnings, &c.rules.sources, Style::Plain),
        ),
        Err(f) => (true, diag::render(&f.diagnostics, &f.sources, Style::Plain)),
    }
}

/// The decision of a point question asked as a user asks it (the public `ask`).
pub fn decision(engine: &Engine, question: &str) -> covenant::Decision {
    engine
        .ask(question)
        .unwrap_or_else(|e| panic!("{question}: {e}"))
        .decision()
        .unwrap_or_else(|| panic!("{question}: not a point question"))
}

/// A file in a suite's own folder under Cargo's scratch folder for integration tests
/// (`target/tmp/SUITE`, emptied once per run of the suite; each test names its files apart).
/// Not the system's temporary folder: a static is never dropped, so a `TempDir` kept in one
/// would be left behind by every run.
pub fn scratch(suite: &str, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = scratch_root(suite).join(name);
    std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{e}"));
    path
}

/// A fresh, empty folder in a suite's scratch folder (see [`scratch`]).
pub fn scratch_dir(suite: &str, name: &str) -> std::path::PathBuf {
    let dir = scratch_root(suite).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

/// `target/tmp/SUITE`, emptied the first time a run of the suite asks for it (tests running
/// at once share it: each names its files apart).
pub fn scratch_root(suite: &str) -> std::path::PathBuf {
    static DIRS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(suite);
    let mut emptied = DIRS.lock().unwrap_or_else(|e| e.into_inner());
    if !emptied.iter().any(|s| s == suite) {
        let _ = std::fs::remove_dir_all(&dir);
        emptied.push(suite.to_string());
    }
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}
