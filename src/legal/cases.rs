//! Case files: questions and revenue-share runs with the answers a reviewer expects, in YAML.
//!
//! ```yaml
//! rules: [../rules]        # optional, relative to this file; default: the embedded rules
//! cases:
//!   - name: bedrock after the restructuring
//!     ask: deploy gpt_5_5 on aws at 2026-05-01
//!     expect: permitted
//!     because: [msft_openai.azure_first]    # these clauses must be among the reasons
//!     set: { azure_lead: 30 days }          # optional what-if
//!     as_of: 2026-11-01                     # optional knowledge time
//!   - name: the cap used up before the day
//!     ask: pay openai to microsoft at 2026-07-02
//!     ledger: ledger.csv                    # ledgers read up to the day (one or a list)
//!     expect: not_due
//!     position: { owed: "1000.00", remaining: "0.00" }  # fields of the ledger position
//!   - name: capped total
//!     revshare: ledger.csv                  # relative to this file
//!     clause: msft_openai.openai_pays_microsoft
//!     expect: { cap_reached_on: "2027-06-30" }   # any fields of the revshare JSON entry
//!   - name: a quarter of the statement
//!     statement: ledger.csv                 # with `by`, `from`, `until` as `covenant statement`
//!     by: quarter
//!     clause: msft_openai.openai_pays_microsoft
//!     period: 2026-Q2                       # one line's fields; without clause and period,
//!     expect: { paid: "400.00" }            # the statement's own (`owed_in_all`)
//! ```
//!
//! Each case is answered by the same evaluator and finance engine as `ask` and `revshare`. A
//! file that cannot be read as cases (bad YAML, an unknown field, a bad question, a missing
//! ledger) is an error naming its line; a case that runs but answers otherwise fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::check::parse_override;
use crate::eval::{Engine, Options};
use crate::finance::{self, ledger::BadRows, Input, ReadOptions};
use crate::source::Sources;

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn list(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    rules: Option<OneOrMany>,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    ask: Option<String>,
    revshare: Option<OneOrMany>,
    /// Ledgers for a statement case (0.2).
    statement: Option<OneOrMany>,
    /// A statement's periods: `year`, `quarter`, `month`, `contract-year` (default `year`).
    by: Option<String>,
    /// A statement's first and last days.
    from: Option<serde_yaml::Value>,
    until: Option<serde_yaml::Value>,
    /// The statement period whose figures are expected (with `clause`).
    period: Option<String>,
    clause: Option<String>,
    set: Option<BTreeMap<String, serde_yaml::Value>>,
    as_of: Option<serde_yaml::Value>,
    expect: serde_yaml::Value,
    because: Option<Vec<String>>,
    ledger: Option<OneOrMany>,
    position: Option<serde_yaml::Value>,
}

/// The revenue-share entries among a position's clauses.
fn shares<'a>(engine: &Engine, clauses: &'a [serde_json::Value]) -> Vec<&'a serde_json::Value> {
    clauses
        .iter()
        .filter(|c| {
            let name = c.get("clause").and_then(|n| n.as_str()).unwrap_or_default();
            engine.rules().clauses.iter().any(|x| {
                x.qualified == name && matches!(x.terms.body, crate::model::Body::RevenueShare(_))
            })
        })
        .collect()
}

/// A case file that cannot be run: where and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[error("{}{message}", location(file, *line))]
pub struct CaseError {
    /// The case file.
    pub file: String,
    /// The line at fault (0: the file as a whole).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

fn location(file: &str, line: usize) -> String {
    if line == 0 {
        format!("{file}: ")
    } else {
        format!("{file}:{line}: ")
    }
}

/// One case's result.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    /// The case file.
    pub file: String,
    /// The case's name.
    pub name: String,
    /// The line of the case in its file.
    pub line: usize,
    /// Whether the answer was the one expected.
    pub passed: bool,
    /// What the case expects, in words.
    pub expected: String,
    /// What the rules answered, in words.
    pub got: String,
}

/// The run of several case files: text is its `Display` (the failing cases and the count),
/// JSON its `Serialize` (every case).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Run {
    /// Every case run, file by file.
    pub cases: Vec<Outcome>,
    /// Files that could not be run as cases.
    pub errors: Vec<CaseError>,
    /// Cases answered as expected.
    pub passed: usize,
    /// Cases answered otherwise.
    pub failed: usize,
    /// The JSON shape's version ([`crate::answer::SCHEMA`]).
    pub schema: u32,
}

/// Runs every case of every file, in order.
pub fn run_files(paths: &[PathBuf]) -> Run {
    let mut run = Run {
        schema: crate::answer::SCHEMA,
        ..Run::default()
    };
    for path in paths {
        match run_file(path) {
            Ok(outcomes) => {
                for o in outcomes {
                    if o.passed {
                        run.passed += 1;
                    } else {
                        run.failed += 1;
                    }
                    run.cases.push(o);
                }
            }
            Err(e) => run.errors.push(e),
        }
    }
    run
}

impl std::fmt::Display for Run {
    /// Each failing case with what was expected and what the rules said, then the count.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for o in self.cases.iter().filter(|o| !o.passed) {
            writeln!(f, "FAIL {}:{}: {}", o.file, o.line, o.name)?;
            writeln!(f, "  expected: {}", o.expected)?;
            writeln!(f, "  got:      {}", o.got)?;
        }
        write!(f, "{} passed, {} failed", self.passed, self.failed)?;
        match self.errors.len() {
            0 => writeln!(f),
            1 => writeln!(f, "; 1 case file not run (see the error)"),
            n => writeln!(f, "; {n} case files not run (see the errors)"),
        }
    }
}

/// Runs every case of a file.
pub fn run_file(path: &Path) -> Result<Vec<Outcome>, CaseError> {
    let name = path.display().to_string();
    let fail = |line: usize, message: String| CaseError {
        file: name.clone(),
        line,
        message,
    };
    let text = crate::source::read_text(path).map_err(|e| match e {
        crate::source::LoadError::Io { reason, .. } => fail(0, format!("cannot read: {reason}")),
        other => fail(0, other.to_string()),
    })?;
    if flow_depth(&text) > MAX_NESTING {
        return Err(fail(
            0,
            format!("brackets nested more than {MAX_NESTING} deep: not a case file"),
        ));
    }
    let file: CaseFile = serde_yaml::from_str(&text).map_err(|e| {
        let line = e.location().map_or(0, |l| l.line());
        fail(line, e.to_string())
    })?;
    let lines = case_lines(&text);
    let dir = path.parent().unwrap_or(Path::new("."));
    let sources = match &file.rules {
        None => Sources::embedded(),
        Some(list) => {
            if list.list().is_empty() {
                return Err(fail(
                    line_of(&text, "rules"),
                    "rules: the list is empty: name rule files or folders, or leave `rules` out for the shipped rules".into(),
                ));
            }
            let mut sources = Sources::new();
            for p in list.list() {
                sources
                    .load_path(&dir.join(&p))
                    .map_err(|e| fail(line_of(&text, "rules"), e.to_string()))?;
            }
            sources
        }
    };
    let checked = crate::check::check(sources).map_err(|f| {
        let first = f.diagnostics.first().map_or(String::new(), |d| {
            format!("{}: {}", f.sources.locate(d.span), d.message)
        });
        fail(
            line_of(&text, "rules"),
            format!("the rules do not check: {first}"),
        )
    })?;
    let mut outcomes = Vec::new();
    for (i, case) in file.cases.iter().enumerate() {
        let line = lines.get(i).copied().unwrap_or(0);
        exact_numbers(&case.expect, "expect").map_err(|m| fail(line, m))?;
        if let Some(p) = &case.position {
            exact_numbers(p, "position").map_err(|m| fail(line, m))?;
        }
        for v in case.set.iter().flat_map(|s| s.values()) {
            exact_numbers(v, "set").map_err(|m| fail(line, m))?;
        }
        let mut outcome = run_case(&checked.rules, dir, case, line)
            .map_err(|m| fail(field_line(&text, line, &m), m))?;
        outcome.file = name.clone();
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// The line of each item of the `cases:` list.
fn case_lines(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut in_cases = false;
    let mut indent: Option<usize> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("cases:") && line.len() == trimmed.len() {
            in_cases = true;
            continue;
        }
        if !in_cases || trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let at = line.len() - trimmed.len();
        if at == 0 && !trimmed.starts_with('-') {
            in_cases = false;
            continue;
        }
        if trimmed.starts_with("- ") || trimmed == "-" {
            match indent {
                None => {
                    indent = Some(at);
                    out.push(i + 1);
                }
                Some(n) if n == at => out.push(i + 1),
                _ => {}
            }
        }
    }
    out
}

/// The line of the field a case's error is about (`ask: column 8: …` is about `ask`), found
/// between the case's first line and the next case; the case's line if not found.
fn field_line(text: &str, case_line: usize, message: &str) -> usize {
    const FIELDS: [&str; 15] = [
        "name",
        "ask",
        "revshare",
        "clause",
        "set",
        "as_of",
        "expect",
        "because",
        "ledger",
        "position",
        "statement",
        "by",
        "from",
        "until",
        "period",
    ];
    let Some(key) = message
        .split_once(':')
        .map(|(k, _)| k)
        .filter(|k| FIELDS.contains(k))
    else {
        return case_line;
    };
    let lines: Vec<&str> = text.lines().collect();
    let Some(first) = case_line.checked_sub(1).and_then(|i| lines.get(i)) else {
        return case_line;
    };
    let indent = first.len() - first.trim_start().len();
    for (i, l) in lines.iter().enumerate().skip(case_line - 1) {
        let trimmed = l.trim_start();
        let at = l.len() - trimmed.len();
        if i > case_line - 1 && at <= indent && trimmed.starts_with('-') {
            break;
        }
        let field = trimmed.strip_prefix("- ").unwrap_or(trimmed);
        if field.starts_with(&format!("{key}:")) {
            return i + 1;
        }
    }
    case_line
}

fn line_of(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| l.trim_start().starts_with(&format!("{key}:")))
        .map_or(0, |i| i + 1)
}

/// YAML reads `620.10` as a floating-point number, which cannot hold every amount exactly:
/// numbers with a fraction or an exponent are refused, and money is written in quotes.
fn exact_numbers(v: &serde_yaml::Value, what: &str) -> Result<(), String> {
    match v {
        serde_yaml::Value::Number(n) if n.is_f64() => Err(format!(
            "{what}: `{n}` is a floating-point number in YAML and may lose digits: write it in quotes, such as `\"620.10\"`"
        )),
        serde_yaml::Value::Sequence(items) => items.iter().try_for_each(|i| exact_numbers(i, what)),
        serde_yaml::Value::Mapping(map) => map.values().try_for_each(|i| exact_numbers(i, what)),
        serde_yaml::Value::Tagged(t) => exact_numbers(&t.value, what),
        _ => Ok(()),
    }
}

/// Deepest nesting of YAML flow collections (`[`, `{`) accepted: the parser's time grows with
/// the square of the depth, and no case file needs more.
const MAX_NESTING: usize = 64;

/// The deepest nesting of flow brackets outside quotes and comments.
fn flow_depth(text: &str) -> usize {
    let (mut depth, mut most) = (0usize, 0usize);
    for line in text.lines() {
        let mut quote: Option<char> = None;
        let mut prev = ' ';
        for c in line.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '#') if prev.is_whitespace() => break,
                (None, '[' | '{') => {
                    depth += 1;
                    most = most.max(depth);
                }
                (None, ']' | '}') => depth = depth.saturating_sub(1),
                _ => {}
            }
            prev = c;
        }
    }
    most
}

fn scalar(v: &serde_yaml::Value) -> Option<String> {
    match v {
        serde_yaml::Value::String(s) => Some(s.clone()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        serde_yaml::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn engine_for(rules: &crate::model::RuleSet, case: &Case) -> Result<Engine, String> {
    let mut overrides = Vec::new();
    for (id, value) in case.set.iter().flatten() {
        let value = scalar(value).ok_or_else(|| format!("set: `{id}` needs a single value"))?;
        overrides.push(
            parse_override(rules, &format!("{id}={value}")).map_err(|e| format!("set: {e}"))?,
        );
    }
    let as_of = match &case.as_of {
        None => None,
        Some(v) => {
            let text = scalar(v).unwrap_or_default();
            Some(crate::time::parse_day(&text).ok_or_else(|| {
                format!("as_of: `{text}` is not a valid day; days are written YYYY-MM-DD")
            })?)
        }
    };
    Engine::new(rules.clone(), &Options { overrides, as_of }).map_err(|d| {
        format!(
            "the rules are inconsistent with these values: {}",
            d.first().map_or("", |d| d.message.as_str())
        )
    })
}

fn run_case(
    rules: &crate::model::RuleSet,
    dir: &Path,
    case: &Case,
    line: usize,
) -> Result<Outcome, String> {
    let engine = engine_for(rules, case)?;
    match (&case.ask, &case.revshare, &case.statement) {
        (Some(q), None, None) => ask_case(&engine, dir, case, q, line),
        (None, Some(ledgers), None) => revshare_case(&engine, dir, case, &ledgers.list(), line),
        (None, None, Some(ledgers)) => statement_case(&engine, dir, case, &ledgers.list(), line),
        _ => Err(format!(
            "case `{}` needs exactly one of `ask`, `revshare` and `statement`",
            case.name
        )),
    }
}

fn ask_case(
    engine: &Engine,
    dir: &Path,
    case: &Case,
    question: &str,
    line: usize,
) -> Result<Outcome, String> {
    let q = engine.parse(question).map_err(|e| format!("ask: {e}"))?;
    if q.at.is_none() {
        return Err("ask: a case asks about one day: add `at YYYY-MM-DD`".to_string());
    }
    let expected = scalar(&case.expect)
        .and_then(|e| e.parse::<crate::Decision>().ok())
        .ok_or_else(|| "expect: one of `permitted`, `forbidden`, `due`, `not_due`".to_string())?;
    let because = case.because.clone().unwrap_or_default();
    for c in &because {
        let rules = engine.rules();
        if rules.clause_named(c).is_none() {
            let mut msg = format!("because: no clause `{c}`");
            if let Some(best) = crate::diag::nearest(c, rules.clauses.iter().map(|c| &c.qualified))
            {
                msg.push_str(&format!("; did you mean `{best}`?"));
            }
            return Err(msg);
        }
    }
    let answer = match &case.ledger {
        None => {
            if case.position.is_some() {
                return Err("position: a position is read from ledgers: add `ledger`".into());
            }
            engine.ask(question).map_err(|e| format!("ask: {e}"))?
        }
        Some(ledgers) => {
            let inputs = ledger_inputs(dir, &ledgers.list(), "ledger")?;
            let options = ReadOptions::for_engine(engine, BadRows::Stop);
            finance::ask(engine, question, inputs, &options)
                .map_err(|e| format!("ledger: {e}"))?
                .0
        }
    };
    let Some(verdict) = answer.verdict() else {
        return Err("ask: a case asks about one day: add `at YYYY-MM-DD`".to_string());
    };
    let reasons: Vec<String> = verdict
        .reasons
        .iter()
        .map(|r| format!("{} {}", r.effect.as_str(), r.clause))
        .collect();
    let mut passed = verdict.decision == expected
        && because
            .iter()
            .all(|c| verdict.reasons.iter().any(|r| &r.clause == c));
    let with = |d: &str, list: &[String]| {
        if list.is_empty() {
            d.to_string()
        } else {
            format!("{d} ({})", list.join(", "))
        }
    };
    let because_text: Vec<String> = because.iter().map(|c| format!("because {c}")).collect();
    let mut expected_text = with(expected.as_str(), &because_text);
    let mut got_text = with(verdict.decision.as_str(), &reasons);
    if let (Some(want), Some(position)) = (&case.position, &answer.ledger) {
        let json = serde_json::to_value(position).unwrap_or_default();
        let clauses = json
            .get("clauses")
            .and_then(|c| c.as_array())
            .cloned()
            .unwrap_or_default();
        let entry = match &case.clause {
            Some(name) => clauses
                .iter()
                .find(|c| c.get("clause").and_then(|n| n.as_str()) == Some(name.as_str()))
                .cloned()
                .ok_or_else(|| {
                    format!("clause: `{name}` owes nothing from this payer to this payee")
                })?,
            None if clauses.len() == 1 => clauses.first().cloned().unwrap_or_default(),
            // Beside payments and commitments (0.2), a lone revenue share is the one meant.
            None if shares(engine, &clauses).len() == 1 => {
                shares(engine, &clauses).first().cloned().cloned().unwrap_or_default()
            }
            None => {
                return Err(format!(
                    "position: {} revenue shares owe from this payer to this payee: name one with `clause`",
                    clauses.len()
                ))
            }
        };
        let (ok, wanted, got) = compare_fields(want, &entry, "position", "ledger position")?;
        passed &= ok;
        expected_text.push_str(&format!("; {wanted}"));
        got_text.push_str(&format!("; {got}"));
    }
    Ok(Outcome {
        file: String::new(),
        name: case.name.clone(),
        line,
        passed,
        expected: expected_text,
        got: got_text,
    })
}

/// The ledgers a case names, relative to its file.
fn ledger_inputs(dir: &Path, ledgers: &[String], field: &str) -> Result<Vec<Input>, String> {
    let mut inputs = Vec::new();
    for l in ledgers {
        let path: PathBuf = dir.join(l);
        if !path.is_file() {
            return Err(format!("{field}: no ledger `{}`", path.display()));
        }
        inputs.push(Input::File(path));
    }
    Ok(inputs)
}

/// Compares the expected fields of a map with an entry of a JSON report: whether all match,
/// and both sides in words.
fn compare_fields(
    expect: &serde_yaml::Value,
    entry: &serde_json::Value,
    field: &str,
    what: &str,
) -> Result<(bool, String, String), String> {
    let serde_yaml::Value::Mapping(expect) = expect else {
        return Err(format!(
            "{field}: expects a map of fields of the {what}, such as `{{ owed: \"620.00\" }}`"
        ));
    };
    let mut passed = true;
    let mut wanted = Vec::new();
    let mut got = Vec::new();
    for (k, v) in expect {
        let key = scalar(k).unwrap_or_default();
        let Some(actual) = entry.get(&key) else {
            return Err(format!("{field}: the {what} has no field `{key}`"));
        };
        let want = serde_json::to_value(v).unwrap_or_default();
        if !same(&want, actual) {
            passed = false;
        }
        wanted.push(format!("{key}: {want}"));
        got.push(format!("{key}: {actual}"));
    }
    Ok((passed, wanted.join(", "), got.join(", ")))
}

fn revshare_case(
    engine: &Engine,
    dir: &Path,
    case: &Case,
    ledgers: &[String],
    line: usize,
) -> Result<Outcome, String> {
    let clause = case
        .clause
        .clone()
        .ok_or_else(|| "revshare: name the `clause` whose figures are expected".to_string())?;
    let plans = finance::plans(engine, std::slice::from_ref(&clause))
        .map_err(|e| format!("clause: {e}"))?;
    let inputs = ledger_inputs(dir, ledgers, "revshare")?;
    let report = finance::run(
        plans,
        inputs,
        &ReadOptions::for_engine(engine, BadRows::Stop),
    )
    .map_err(|e| format!("revshare: {e}"))?;
    let json = finance::render::json(&report);
    let entry = json
        .get("clauses")
        .and_then(|c| c.get(0))
        .cloned()
        .unwrap_or_default();
    if !matches!(case.expect, serde_yaml::Value::Mapping(_)) {
        return Err(
            "expect: a revshare case expects a map of fields, such as `{ paid: \"620.00\" }`"
                .into(),
        );
    }
    let (passed, wanted, got) = compare_fields(&case.expect, &entry, "expect", "revshare report")?;
    Ok(Outcome {
        file: String::new(),
        name: case.name.clone(),
        line,
        passed,
        expected: wanted,
        got,
    })
}

/// A statement case (0.2): the figures of one clause's period (`clause` and `period`), or,
/// without them, the statement's totals (`owed_in_all`).
fn statement_case(
    engine: &Engine,
    dir: &Path,
    case: &Case,
    ledgers: &[String],
    line: usize,
) -> Result<Outcome, String> {
    use crate::finance::statement::{statement, Scope};
    let day =
        |v: &Option<serde_yaml::Value>, key: &str| -> Result<Option<chrono::NaiveDate>, String> {
            match v {
                None => Ok(None),
                Some(v) => {
                    let text = match v {
                        serde_yaml::Value::String(s) => s.clone(),
                        other => serde_yaml::to_string(other)
                            .unwrap_or_default()
                            .trim()
                            .to_string(),
                    };
                    crate::time::parse_day(&text)
                        .map(Some)
                        .ok_or_else(|| format!("{key}: `{text}` is not a day YYYY-MM-DD"))
                }
            }
        };
    let by = match case.by.as_deref() {
        None | Some("year") => crate::vocab::Period::Year,
        Some("quarter") => crate::vocab::Period::Quarter,
        Some("month") => crate::vocab::Period::Month,
        Some("contract-year") => crate::vocab::Period::ContractYear,
        Some(other) => {
            return Err(format!(
                "by: `{other}` is not a period: `year`, `quarter`, `month` or `contract-year`"
            ))
        }
    };
    let scope = Scope {
        from: day(&case.from, "from")?,
        until: day(&case.until, "until")?,
        by,
        clauses: case.clause.iter().cloned().collect(),
    };
    let inputs = ledger_inputs(dir, ledgers, "statement")?;
    let s = statement(
        engine,
        inputs,
        &ReadOptions::for_engine(engine, BadRows::Stop),
        &scope,
    )
    .map_err(|e| format!("statement: {e}"))?;
    let json = s.json();
    let entry = match (&case.clause, &case.period) {
        (Some(clause), Some(period)) => json
            .get("entries")
            .and_then(|e| e.as_array())
            .and_then(|es| {
                es.iter()
                    .find(|e| e.get("clause").and_then(|c| c.as_str()) == Some(clause))
            })
            .and_then(|e| e.get("periods"))
            .and_then(|p| p.as_array())
            .and_then(|ps| {
                ps.iter()
                    .find(|p| p.get("period").and_then(|x| x.as_str()) == Some(period))
            })
            .cloned()
            .ok_or_else(|| format!("period: `{clause}` has no line for `{period}`"))?,
        (None, Some(_)) => return Err("period: name the `clause` whose period is expected".into()),
        _ => json,
    };
    if !matches!(case.expect, serde_yaml::Value::Mapping(_)) {
        return Err(
            "expect: a statement case expects a map of fields, such as `{ owed: \"620.00\" }`"
                .into(),
        );
    }
    let (passed, wanted, got) = compare_fields(&case.expect, &entry, "expect", "statement")?;
    Ok(Outcome {
        file: String::new(),
        name: case.name.clone(),
        line,
        passed,
        expected: wanted,
        got,
    })
}

/// Equal, with numbers compared as exact decimals (so `620` matches `"620.00"`).
fn same(want: &serde_json::Value, actual: &serde_json::Value) -> bool {
    use serde_json::Value;
    let dec = |v: &Value| match v {
        Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        Value::String(s) => Decimal::from_str(s).ok(),
        _ => None,
    };
    match (want, actual) {
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.iter().all(|(k, x)| b.get(k).is_some_and(|y| same(x, y)))
        }
        (Value::Number(_), _) | (_, Value::Number(_)) => {
            dec(want).is_some() && dec(want) == dec(actual)
        }
        (Value::String(a), Value::String(b)) => match (dec(want), dec(actual)) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
        _ => want == actual,
    }
}
