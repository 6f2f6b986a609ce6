//! The questions of `fixtures/questions.txt` over the shipped rules, answered in text and in
//! JSON, snapshotted. Every answer was checked by hand against the language page before its
//! snapshot was accepted; a change to `rules/` or to the evaluator shows up here for review.

mod common;

use covenant::eval::render;

fn questions() -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/questions.txt");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

fn answers(json: bool) -> String {
    let engine = common::shipped();
    let mut out = String::new();
    for text in questions() {
        let q = engine
            .parse(&text)
            .unwrap_or_else(|e| panic!("{text}: {e}"));
        let rendered = match (q.at, json) {
            (Some(day), false) => render::point_text(&engine, &text, &engine.at(q.subject, day)),
            (Some(day), true) => {
                render::point_json(&engine, &text, &engine.at(q.subject, day)).to_string() + "\n"
            }
            (None, false) => render::when_text(&engine, &text, &engine.when(q.subject)),
            (None, true) => {
                render::when_json(&engine, &text, &engine.when(q.subject)).to_string() + "\n"
            }
        };
        out.push_str(&rendered);
        if !json {
            out.push('\n');
        }
    }
    out
}

#[test]
fn text_answers() {
    insta::assert_snapshot!(answers(false));
}

#[test]
fn json_answers() {
    insta::assert_snapshot!(answers(true));
}

#[test]
fn the_fixture_has_a_few_dozen_questions() {
    assert!(questions().len() >= 40);
}
