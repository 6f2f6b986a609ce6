//! docs/diagnostics.md documents every diagnostic code with an example; this test holds it to
//! the truth: each example gives exactly its section's code, rendered exactly as shown, and
//! every code of `covenant::diag::Code` has its section.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use covenant::diag::{render, Code, Severity, Style};
use covenant::Rules;

struct Section {
    code: String,
    severity: Severity,
    example: Option<String>,
    shown: Option<String>,
}

fn sections() -> Vec<Section> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/diagnostics.md");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{e}"));
    let mut out: Vec<Section> = Vec::new();
    let mut severity = Severity::Error;
    let mut block: Option<(String, String)> = None;
    for line in text.lines() {
        if let Some((kind, body)) = &mut block {
            if line == "```" {
                let (kind, body) = (kind.clone(), std::mem::take(body));
                if let Some(s) = out.last_mut() {
                    match kind.as_str() {
                        "cov" => s.example = Some(body),
                        "text" => s.shown = Some(body),
                        _ => {}
                    }
                }
                block = None;
            } else {
                body.push_str(line);
                body.push('\n');
            }
            continue;
        }
        if line == "## Warnings" {
            severity = Severity::Warning;
        } else if let Some(code) = line.strip_prefix("### `").and_then(|l| l.strip_suffix('`')) {
            out.push(Section {
                code: code.to_string(),
                severity,
                example: None,
                shown: None,
            });
        } else if let Some(kind) = line.strip_prefix("```") {
            block = Some((kind.to_string(), String::new()));
        }
    }
    out
}

#[test]
fn every_code_has_a_section_in_order() {
    let documented: Vec<String> = sections().into_iter().map(|s| s.code).collect();
    let codes: Vec<String> = Code::ALL.iter().map(|c| c.as_str().to_string()).collect();
    assert_eq!(documented, codes);
}

#[test]
fn every_example_gives_its_code_as_shown() {
    let mut checked = 0;
    for s in sections() {
        let Some(example) = &s.example else {
            panic!("`{}` has no example", s.code);
        };
        let (diags, sources) = match Rules::from_text("example.cov", example) {
            Ok(rules) => (rules.warnings().to_vec(), rules.sources().clone()),
            Err(failure) => (failure.diagnostics, failure.sources),
        };
        let codes: Vec<&str> = diags.iter().map(|d| d.code.as_str()).collect();
        assert!(
            !codes.is_empty() && codes.iter().all(|c| *c == s.code),
            "`{}`: the example gives {codes:?}",
            s.code
        );
        assert!(
            diags.iter().all(|d| d.severity == s.severity),
            "`{}` is listed with the wrong severity",
            s.code
        );
        let rendered = render(&diags, &sources, Style::Plain);
        assert_eq!(
            Some(rendered.as_str()),
            s.shown.as_deref(),
            "`{}`: the rendering differs",
            s.code
        );
        checked += 1;
    }
    assert_eq!(checked, Code::ALL.len());
}
