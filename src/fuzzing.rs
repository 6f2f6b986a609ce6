//! Entry points for the fuzz targets (`fuzz/`) and for the test that replays their corpora in
//! CI: each takes arbitrary bytes through one input path end to end and must never panic.

use std::sync::OnceLock;

use crate::eval::{Engine, Options};
use crate::finance::{self, ledger::BadRows, Input, ReadOptions};
use crate::source::Sources;

fn shipped() -> Option<&'static Engine> {
    static ENGINE: OnceLock<Option<Engine>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let checked = crate::check::check(Sources::embedded()).ok()?;
            Engine::new(checked.rules, &Options::default()).ok()
        })
        .as_ref()
}

/// A rule file: parse, check, compile (and ask every *when* question of a small set), format.
pub fn rules(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = crate::fmt::format(text);
    let mut sources = Sources::new();
    sources.add("fuzz.cov", text);
    // A large rule set is checked from a lean tree, its agreements read again from the text:
    // it must give what the whole tree gives, problems included.
    let read = |lean: bool| {
        let (tree, errors) = if lean {
            crate::syntax::parse_lean(0, text)
        } else {
            crate::syntax::parse(0, text)
        };
        crate::check::check_parsed(sources.clone(), vec![tree], errors)
    };
    let shown = |r: &Result<crate::check::Checked, crate::check::Failure>| match r {
        Ok(c) => format!(
            "{:?}{:?}{:?}",
            c.rules.clauses, c.rules.agreements, c.warnings
        ),
        Err(f) => format!("{:?}", f.diagnostics),
    };
    let (lean, whole) = (read(true), read(false));
    assert_eq!(shown(&lean), shown(&whole));
    let Ok(checked) = whole else {
        return;
    };
    let Ok(engine) = Engine::new(checked.rules, &Options::default()) else {
        return;
    };
    let r = engine.rules();
    if r.products.len() <= 8 && r.clouds.len() <= 8 && r.parties.len() <= 8 {
        for subject in crate::eval::question::subjects(r) {
            let _ = engine.answer(&subject.when()).map(|a| a.to_string());
            // The tables answer as computing does, on every day that matters.
            assert_eq!(engine.table_disagreement(subject), None);
        }
        // Language 0.2: acts by every party, and every declared place and field.
        let words = |list: &[crate::model::Region]| -> Vec<String> {
            list.iter()
                .skip(1)
                .take(4)
                .map(|x| x.name.id.clone())
                .collect()
        };
        let mut places: Vec<String> = vec![String::new()];
        places.extend(
            words(&r.territories)
                .into_iter()
                .map(|t| format!(" in {t}")),
        );
        places.extend(
            words(&r.fields)
                .into_iter()
                .map(|f| format!(" in field {f}")),
        );
        let first = |list: &[crate::model::Named]| list.first().map(|n| n.id.clone());
        let products: Vec<crate::model::Named> =
            r.products.iter().map(|p| p.name.clone()).collect();
        let clouds: Vec<crate::model::Named> = r.clouds.iter().map(|c| c.name.clone()).collect();
        if let (Some(p), Some(c)) = (first(&products), first(&clouds)) {
            for party in r.parties.iter().take(4) {
                for place in &places {
                    let q = format!("deploy {p} on {c} by {}{place}", party.name.id);
                    let _ = engine.ask(&q).map(|a| (a.to_string(), a.to_json()));
                    let q = format!("use {p} by {}{place}", party.name.id);
                    let _ = engine.ask(&q).map(|a| a.to_string());
                    for to in r.parties.iter().take(3) {
                        let q =
                            format!("license {p} by {} to {}{place}", party.name.id, to.name.id);
                        let _ = engine.ask(&q).map(|a| a.to_string());
                    }
                }
            }
        }
    }
    let _ = crate::legal::chart::svg(engine.rules(), engine.consolidated(), engine.env());
}

/// A rule set in the terms of language 0.2 (the film slate of `examples/deals`): territories,
/// affiliates, sublicences, first offers, renewals.
fn deal() -> Option<&'static Engine> {
    static ENGINE: OnceLock<Option<Engine>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let mut sources = Sources::new();
            sources.add(
                "film_slate.cov",
                include_str!("../examples/deals/film_slate/rules.cov"),
            );
            let checked = crate::check::check(sources).ok()?;
            Engine::new(checked.rules, &Options::default()).ok()
        })
        .as_ref()
}

/// A question to the shipped rules and to a rule set in 0.2's terms, answered and rendered;
/// read as the engine reads it (whole, when its subject is one of the rule set's) and word by
/// word, which must agree exactly, errors included.
pub fn question(data: &[u8]) {
    let (Ok(text), Some(engine)) = (std::str::from_utf8(data), shipped()) else {
        return;
    };
    assert_eq!(
        engine.parse(text),
        crate::eval::question::parse(engine.rules(), text),
        "read whole and word by word differently: {text:?}"
    );
    if let Ok(answer) = engine.ask(text) {
        let _ = answer.to_string();
        let _ = answer.to_json();
    }
    let mut out = Vec::new();
    let _ = crate::eval::batch::answer_lines(engine, data, &mut out);
    if let Some(deal) = deal() {
        assert_eq!(
            deal.parse(text),
            crate::eval::question::parse(deal.rules(), text),
            "read whole and word by word differently: {text:?}"
        );
        if let Ok(answer) = deal.ask(text) {
            let _ = answer.to_string();
            let _ = answer.to_json();
        }
    }
}

/// A ledger summed against the shipped revenue shares, stopping and skipping bad rows; read as
/// a stream, as a stream through the CSV parser alone, and as a file split in two near an
/// offset the input picks, which must all agree exactly (the two-part reader may only split
/// between rows).
pub fn ledger(data: &[u8]) {
    let Some(engine) = shipped() else {
        return;
    };
    let near = data
        .first()
        .map_or(0, |&b| (u64::from(b) * data.len() as u64) / 255);
    static RUN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let run = RUN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("covenant-fuzz-{}-{run}.csv", std::process::id()));
    let written = std::fs::write(&path, data).is_ok();
    for bad in [BadRows::Stop, BadRows::Skip] {
        let options = ReadOptions::for_engine(engine, bad);
        let input = Input::Stream(
            "fuzz.csv".into(),
            Box::new(std::io::Cursor::new(data.to_vec())),
        );
        let one = summary(engine, input, &options);
        // The same bytes through the CSV parser alone: splitting plain lines without it must
        // change nothing.
        let parsed = ReadOptions {
            parser_only: true,
            ..options.clone()
        };
        let input = Input::Stream(
            "fuzz.csv".into(),
            Box::new(std::io::Cursor::new(data.to_vec())),
        );
        assert_eq!(
            one,
            summary(engine, input, &parsed),
            "plain lines read apart from the parser differ"
        );
        if written {
            let split = ReadOptions {
                split_from: 0,
                split_near: Some(near),
                ..options.clone()
            };
            let two = summary(engine, Input::File(path.clone()), &split)
                .replace(&path.display().to_string(), "fuzz.csv");
            assert_eq!(one, two, "the two-part read differs (split near {near})");
        }
    }
    let _ = std::fs::remove_file(&path);
}

/// A ledger's report, rendered, or its error: one comparable string.
fn summary(engine: &Engine, input: Input, options: &ReadOptions) -> String {
    let plans = finance::revshare::plans(engine);
    match finance::run(plans, vec![input], options) {
        Ok(report) => {
            let skipped: Vec<String> = report
                .skipped_examples
                .iter()
                .map(ToString::to_string)
                .collect();
            format!(
                "{} {} {skipped:?} {} {}",
                report.rows_read,
                report.rows_skipped,
                finance::render::json(&report),
                finance::render::text(engine, &report)
            )
        }
        Err(e) => format!("error {e}"),
    }
}

/// An assumption override.
pub fn set_value(data: &[u8]) {
    let (Ok(text), Some(engine)) = (std::str::from_utf8(data), shipped()) else {
        return;
    };
    if let Ok((id, value)) = crate::check::parse_override(engine.rules(), text) {
        let options = Options {
            overrides: vec![(id, value)],
            as_of: None,
        };
        if let Ok(e) = Engine::new(engine.rules().clone(), &options) {
            if let Ok(q) = e.parse("deploy gpt_5_5 on aws") {
                let _ = e.when(q.subject);
            }
        }
    }
}
