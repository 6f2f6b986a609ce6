//! The questions of `fixtures/questions.txt` over the shipped rules, answered in text and in
//! JSON, snapshotted. Every answer was checked by hand against the language page before its
//! snapshot was accepted; a change to `rules/` or to the evaluator shows up here for review.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

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
        let answer = engine.ask(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        if json {
            out.push_str(&answer.to_json());
            out.push('\n');
        } else {
            out.push_str(&answer.to_string());
            out.push('\n');
        }
    }
    out
}

/// JSON is a rendering of the answer, not a lossy summary: read back, it is the same answer
/// (amounts aside, which JSON rounds to the minor unit, no fixture question has ledgers).
#[test]
fn json_answers_read_back_as_the_same_answer() {
    let engine = common::shipped();
    for text in questions() {
        let answer = engine.ask(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let back: covenant::Answer =
            serde_json::from_str(&answer.to_json()).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(back, answer, "{text}");
        assert_eq!(back.to_string(), answer.to_string(), "{text}");
    }
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
