//! Two renderers of one answer value: text for people, JSON for programs.

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::answer::{Reason, When, Window};
use super::Engine;
use crate::consolidate::Deps;
use crate::time::iso;

fn day(d: Option<chrono::NaiveDate>) -> Value {
    d.map_or(Value::Null, |d| Value::String(iso(d)))
}

/// The version of the JSON answers' shape: raised when a field changes meaning or goes away
/// (adding a field does not raise it).
pub const SCHEMA: u32 = 1;

/// A reason as JSON: what the text shows of it, its title and, where an amendment or a record
/// changed what the clause says inside the window, each stretch from its first day.
pub fn reason_json(r: &Reason) -> Value {
    let mut v = json!({
        "clause": r.clause,
        "title": r.title,
        "effect": r.effect.as_str(),
        "detail": r.detail,
        "from": day(r.from),
        "until": day(r.until),
    });
    if let (false, Some(obj)) = (r.stretches.is_empty(), v.as_object_mut()) {
        let stretches: Vec<Value> = r
            .stretches
            .iter()
            .map(|(from, detail)| json!({ "from": day(*from), "detail": detail }))
            .collect();
        obj.insert("stretches".into(), Value::Array(stretches));
    }
    v
}

fn assumptions_json(engine: &Engine, deps: &Deps) -> Value {
    Value::Array(
        deps.ids()
            .iter()
            .filter_map(|id| engine.rules().assumption(*id))
            .map(|a| Value::String(a.name.id.clone()))
            .collect(),
    )
}

/// The JSON object of a point answer.
pub fn point_json(engine: &Engine, question: &str, w: &Window) -> Value {
    json!({
        "question": question,
        "decision": w.decision.as_str(),
        "reasons": w.reasons.iter().map(reason_json).collect::<Vec<_>>(),
        "assumptions": assumptions_json(engine, &w.assumptions),
        "schema": SCHEMA,
    })
}

/// The JSON fields after `"question"` of a point answer, pre-rendered for batch output:
/// `,"decision":…,"reasons":[…],"assumptions":[…]}`.
pub fn point_json_tail(engine: &Engine, w: &Window) -> String {
    let v = json!({
        "decision": w.decision.as_str(),
        "reasons": w.reasons.iter().map(reason_json).collect::<Vec<_>>(),
        "assumptions": assumptions_json(engine, &w.assumptions),
        "schema": SCHEMA,
    });
    let s = v.to_string();
    format!(",{}", s.strip_prefix('{').unwrap_or(&s))
}

/// The JSON object of a *when* answer.
pub fn when_json(engine: &Engine, question: &str, when: &When) -> Value {
    let windows: Vec<Value> = when
        .windows
        .iter()
        .map(|w| {
            json!({
                "from": day(w.from),
                "until": day(w.until),
                "decision": w.decision.as_str(),
                "reasons": w.reasons.iter().map(reason_json).collect::<Vec<_>>(),
                "assumptions": assumptions_json(engine, &w.assumptions),
            })
        })
        .collect();
    json!({ "question": question, "windows": windows, "schema": SCHEMA })
}

fn span_text(from: Option<chrono::NaiveDate>, until: Option<chrono::NaiveDate>) -> String {
    match (from, until) {
        (None, None) => "at all times".to_string(),
        (Some(f), None) => format!("from {} on", iso(f)),
        (None, Some(u)) => format!("until {}", iso(u)),
        (Some(f), Some(u)) => format!("from {} until {}", iso(f), iso(u)),
    }
}

fn reasons_text(out: &mut String, w: &Window, indent: &str) {
    for r in &w.reasons {
        let title = r
            .title
            .as_deref()
            .map(|t| format!(" \"{t}\""))
            .unwrap_or_default();
        let _ = writeln!(out, "{indent}{:<6} {}{title}", r.effect.as_str(), r.clause);
        let _ = writeln!(
            out,
            "{indent}       in force {}",
            span_text(r.from, r.until)
        );
        if r.stretches.is_empty() {
            let _ = writeln!(out, "{indent}       {}", r.detail);
        }
        for (from, detail) in &r.stretches {
            let from = from.map_or("at first".to_string(), |f| format!("from {}", iso(f)));
            let _ = writeln!(out, "{indent}       {from}: {detail}");
        }
    }
}

/// The assumptions an answer rests on, with their values (marked when set for this run) and
/// notes.
pub fn assumptions_text(out: &mut String, engine: &Engine, deps: &Deps, indent: &str) {
    if deps.is_empty() {
        return;
    }
    let _ = writeln!(out, "{indent}assumptions:");
    for id in deps.ids() {
        let Some(a) = engine.rules().assumption(*id) else {
            continue;
        };
        let value = engine
            .env()
            .value(*id)
            .map(|v| v.to_string())
            .unwrap_or_default();
        let changed = if engine.env().value(*id) != Some(a.value) {
            " (set for this run)"
        } else {
            ""
        };
        let note = a
            .note
            .as_deref()
            .map(|n| format!(": {n}"))
            .unwrap_or_default();
        let _ = writeln!(out, "{indent}  {} = {value}{changed}{note}", a.name.id);
    }
}

/// A point answer for people.
pub fn point_text(engine: &Engine, question: &str, w: &Window) -> String {
    let mut out = format!("{}: {}\n", question, w.decision.as_str());
    if w.reasons.is_empty() {
        let _ = writeln!(out, "  no clause speaks: {}", default_text(w));
    }
    reasons_text(&mut out, w, "  ");
    assumptions_text(&mut out, engine, &w.assumptions, "  ");
    out
}

fn default_text(w: &Window) -> &'static str {
    use super::answer::Decision::*;
    match w.decision {
        Permitted => "permitted by default",
        Forbidden => "no licence in force for this party",
        Due | NotDue => "no revenue share from this payer to this payee is in force",
    }
}

/// A *when* answer for people.
pub fn when_text(engine: &Engine, question: &str, when: &When) -> String {
    let mut out = format!("{question}\n");
    for w in &when.windows {
        let _ = writeln!(
            out,
            "  {}: {}",
            span_text(w.from, w.until),
            w.decision.as_str()
        );
        if w.reasons.is_empty() {
            let _ = writeln!(out, "      no clause speaks: {}", default_text(w));
        }
        reasons_text(&mut out, w, "      ");
        assumptions_text(&mut out, engine, &w.assumptions, "      ");
    }
    out
}
