//! Legal review: case files, decision diffs, audits, the timeline picture, and the snapshot of
//! every *when* answer over the shipped rules.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn covenant(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A file of this name and text in a folder of its own (removed when the guard drops).
fn temp(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    (dir, path)
}

/// The shipped rules with one piece of text replaced, in a folder of their own (removed when
/// the returned guard drops).
fn shipped_with(from: &str, to: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut replaced = false;
    for entry in std::fs::read_dir(root().join("rules"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        replaced |= text.contains(from);
        let _ = std::fs::write(dir.path().join(entry.file_name()), text.replace(from, to));
    }
    assert!(replaced, "no shipped rule file holds `{from}`");
    dir
}

#[test]
fn every_shipped_case_file_passes() {
    let dir = root().join("fixtures/cases");
    let mut ran = 0;
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let outcomes =
            covenant::legal::cases::run_file(&entry.path()).unwrap_or_else(|e| panic!("{e}"));
        for o in &outcomes {
            assert!(
                o.passed,
                "{}:{}: {}: expected {}, got {}",
                entry.path().display(),
                o.line,
                o.name,
                o.expected,
                o.got
            );
        }
        ran += outcomes.len();
    }
    assert!(ran >= 16, "only {ran} cases ran");
}

/// The worked deals of examples/deals: each folder's questions, answered by hand in its
/// README, must pass.
#[test]
fn every_worked_deal_passes() {
    let dir = root().join("examples/deals");
    let mut ran = 0;
    let mut deals = 0;
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        deals += 1;
        let cases = entry.path().join("cases.yaml");
        let outcomes = covenant::legal::cases::run_file(&cases).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            outcomes.len() >= 10,
            "{}: fewer than 10 cases",
            cases.display()
        );
        for o in &outcomes {
            assert!(
                o.passed,
                "{}:{}: {}\n  expected: {}\n  got:      {}",
                cases.display(),
                o.line,
                o.name,
                o.expected,
                o.got
            );
            ran += 1;
        }
    }
    assert!(ran >= 40, "too few worked questions ran: {ran}");
    assert_eq!(deals, 4, "the four worked deals of examples/deals");
}

/// The worked deals are written in the layout `covenant fmt` gives, so that a user who formats
/// a copy sees no change (and the layout it gives reads as written: the cases above run on it).
#[test]
fn every_worked_deal_is_formatted() {
    let dir = root().join("examples/deals");
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let path = entry.path().join("rules.cov");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        let formatted = covenant::fmt::format(&text).unwrap_or_else(|d| panic!("{d:?}"));
        assert!(
            text == formatted,
            "{} is not as `covenant fmt` writes it",
            path.display()
        );
    }
}

#[test]
fn failing_cases_are_shown_and_counted() {
    let (_dir, path) = temp(
        "fail.yaml",
        "cases:\n  - name: right\n    ask: deploy gpt_5_5 on aws at 2026-05-01\n    expect: permitted\n  - name: wrong decision\n    ask: deploy frontier on aws at 2026-05-01\n    expect: permitted\n  - name: wrong reason\n    ask: deploy gpt_5_5 on aws at 2026-04-26\n    expect: forbidden\n    because: [amazon_openai.frontier_on_aws]\n",
    );
    let (code, out, _) = covenant(&["test", path.to_str().unwrap_or_default()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("fail.yaml:5: wrong decision\n  expected: permitted\n  got:      forbidden (forbid msft_openai.azure_first)"), "{out}");
    assert!(out.contains("fail.yaml:8: wrong reason\n  expected: forbidden (because amazon_openai.frontier_on_aws)\n  got:      forbidden (forbid msft_openai.azure_only)"), "{out}");
    assert!(out.ends_with("1 passed, 2 failed\n"), "{out}");
    // JSON lists every case, passed or not, with the same words.
    let (code, out, _) = covenant(&[
        "test",
        "--format",
        "json",
        path.to_str().unwrap_or_default(),
    ]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(
        (v["passed"].clone(), v["failed"].clone()),
        (1.into(), 2.into())
    );
    assert_eq!(v["cases"][1]["line"], 5);
    assert_eq!(v["cases"][1]["passed"], false);
    assert_eq!(
        v["cases"][1]["got"],
        "forbidden (forbid msft_openai.azure_first)"
    );
}

#[test]
fn a_case_can_expect_the_ledger_position() {
    let ledger = root().join("fixtures/ledgers/refunds.csv");
    let ledger = ledger.to_str().unwrap_or_default();
    let case = |position: &str| {
        format!("cases:\n  - name: cap used up\n    ask: pay openai to microsoft at 2026-07-02\n    ledger: {ledger}\n    set: {{ revenue_share_cap: USD 1_000 }}\n    expect: not_due\n    position: {position}\n")
    };
    let (_dir, path) = temp("ledger.yaml", &case(r#"{ owed: "1000.00", remaining: 0 }"#));
    let (code, out, err) = covenant(&["test", path.to_str().unwrap_or_default()]);
    assert_eq!(code, 0, "{out}{err}");
    let (_dir, path) = temp("ledger.yaml", &case(r#"{ owed: "999.99" }"#));
    let (code, out, _) = covenant(&["test", path.to_str().unwrap_or_default()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("expected: not_due; owed: \"999.99\"\n  got:      not_due (cap_reached msft_openai.openai_pays_microsoft); owed: \"1000.00\""),
        "{out}"
    );
    let (_dir, path) = temp("ledger.yaml", &case("{ owing: 1 }"));
    let (code, _, err) = covenant(&["test", path.to_str().unwrap_or_default()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("ledger.yaml:7: position: the ledger position has no field `owing`"),
        "{err}"
    );
}

#[test]
fn invalid_case_files_exit_2_with_their_line() {
    for (text, says) in [
        ("cases:\n  - name: a\n    ask: deploy gpt_5_5 on aws at 2026-05-01\n    expct: permitted\n", "unknown field `expct`"),
        ("cases:\n  - name: a\n    ask: deploy gpt_55 on aws at 2026-05-01\n    expect: permitted\n", "bad.yaml:3: ask: column 8: unknown product `gpt_55`; did you mean `gpt_5_5`?"),
        ("cases:\n  - name: a\n    ask: deploy gpt_5_5 on aws at 2026-05-01\n    expect: maybe\n", "bad.yaml:4: expect: one of"),
        ("cases:\n  - name: ok\n    ask: deploy gpt_5_5 on aws at 2026-05-01\n    expect: permitted\n  - name: a\n    ask: deploy gpt_5_5 on aws at 2026-05-01\n    set: { azure_led: 3 days }\n    expect: permitted\n", "bad.yaml:7: set: unknown assumption `azure_led`; did you mean `azure_lead`?"),
        ("cases:\n  - name: a\n    revshare: nowhere.csv\n    clause: msft_openai.openai_pays_microsoft\n    expect: { paid: 1 }\n", "revshare: no ledger"),
        ("cases: [\n", "bad.yaml:2"),
        ("rules: [no_such_dir]\ncases: []\n", "bad.yaml:1: cannot read"),
    ] {
        let (_dir, path) = temp("bad.yaml", text);
        let (code, _, err) = covenant(&["test", path.to_str().unwrap_or_default()]);
        assert_eq!(code, 2, "{text}: {err}");
        assert!(err.contains(says), "{text}: {err}");
    }
}

#[test]
fn diff_reports_each_changed_window() {
    let rules = root().join("rules");
    let after = shipped_with("assume azure_lead = 0 days", "assume azure_lead = 30 days");
    let (code, out, _) = covenant(&[
        "diff",
        "--before",
        rules.to_str().unwrap_or_default(),
        "--after",
        after.path().to_str().unwrap_or_default(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
    let changes = v["changes"].as_array().cloned().unwrap_or_default();
    // GPT-5.5 launched on Azure on 2026-04-23: with a 30-day lead, deploying or launching it
    // elsewhere waits until 2026-05-23. Codex and the API launched long before: unchanged.
    // The first-launch right now reads "lead 30 days" wherever it speaks (reasons changes);
    // the decisions change only for GPT-5.5, whose Azure launch was four days before.
    assert!(changes
        .iter()
        .any(|c| c["kind"] == "reasons" && c["question"] == "deploy codex on aws"));
    let got: Vec<String> = changes
        .iter()
        .filter(|c| c["kind"] == "decision")
        .map(|c| {
            format!(
                "{} {}..{} {}->{}",
                c["question"].as_str().unwrap_or(""),
                c["from"].as_str().unwrap_or("*"),
                c["until"].as_str().unwrap_or("*"),
                c["before"].as_str().unwrap_or(""),
                c["after"].as_str().unwrap_or("")
            )
        })
        .collect();
    let want: Vec<String> = ["aws", "google_cloud", "oracle_cloud"]
        .iter()
        .flat_map(|c| {
            ["deploy", "launch"]
                .map(|v| format!("{v} gpt_5_5 on {c} 2026-04-27..2026-05-23 permitted->forbidden"))
        })
        .collect();
    let mut got_sorted = got.clone();
    got_sorted.sort();
    let mut want_sorted = want;
    want_sorted.sort();
    assert_eq!(got_sorted, want_sorted);
    assert_eq!(
        changes[0]["reasons_after"][0]["clause"],
        "msft_openai.azure_first"
    );
    let (code, out, _) = covenant(&[
        "diff",
        "--before",
        rules.to_str().unwrap_or_default(),
        "--after",
        rules.to_str().unwrap_or_default(),
    ]);
    assert_eq!(code, 0);
    assert!(out.ends_with("0 changed windows in 0 questions\n"), "{out}");
}

#[test]
fn audit_replays_launches_against_the_rules_known_on_their_day() {
    let (code, out, _) = covenant(&["audit"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "5 launches replayed, 0 forbidden\n")
    );
    // With a 30-day lead, GPT-5.5 reached Bedrock five days after Azure: too early.
    let after = shipped_with("assume azure_lead = 0 days", "assume azure_lead = 30 days");
    let (code, out, _) = covenant(&[
        "audit",
        "--rules",
        after.path().to_str().unwrap_or_default(),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("2026-04-28: openai launches gpt_5_5 on aws was forbidden \"GPT-5.5 available on Amazon Bedrock\"\n  forbid msft_openai.azure_first:"), "{out}");
    assert!(out.ends_with("5 launches replayed, 1 forbidden\n"), "{out}");
    // The same audit as JSON: the same finding, field by field.
    let (code, out, _) = covenant(&[
        "audit",
        "--format",
        "json",
        "--rules",
        after.path().to_str().unwrap_or_default(),
    ]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(v["replayed"], 5);
    assert_eq!(v["findings"][0]["day"], "2026-04-28");
    assert_eq!(v["findings"][0]["record"], "openai launches gpt_5_5 on aws");
    assert_eq!(
        v["findings"][0]["note"],
        "GPT-5.5 available on Amazon Bedrock"
    );
    assert_eq!(
        v["findings"][0]["reasons"][0]["clause"],
        "msft_openai.azure_first"
    );
    assert_eq!(v["findings"][0]["reasons"][0]["effect"], "forbid");
}

#[test]
fn the_shipped_timeline_picture() {
    let engine = common::shipped();
    let svg = covenant::legal::chart::svg(engine.rules(), engine.consolidated(), engine.env());
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    // One bar per consolidated stretch: seven clauses (OpenAI's Azure commitment among them),
    // two of them amended; and a mark on the day Amazon's first investment falls due (the
    // second waits for its conditions).
    assert_eq!(svg.matches("<title>").count(), 10);
    assert!(svg.contains("<title>amazon_openai.first_tranche due on 2026-02-27</title>"));
    assert_eq!(svg.matches("stroke-dasharray").count(), 1, "one amendment");
    assert_eq!(
        svg.matches("l 5 5 l -5 5 l -5 -5 z").count(),
        5,
        "five records"
    );
    insta::assert_snapshot!(svg);
}

/// Every question over the shipped rules, as when answers: any change to `rules/` shows up here.
#[test]
fn every_when_answer_of_the_shipped_rules() {
    use std::fmt::Write as _;
    let engine = common::shipped();
    let r = engine.rules();
    // The library's one list of subjects, in its one way of writing them; each reads back as
    // itself.
    let mut questions = Vec::new();
    for s in covenant::eval::question::subjects(r) {
        let text = covenant::eval::question::words(r, s);
        let back = engine.parse(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.subject, s, "{text}");
        questions.push(text);
    }
    let mut out = String::new();
    for text in &questions {
        let q = engine.parse(text).unwrap_or_else(|e| panic!("{e}"));
        let _ = write!(out, "{text}:");
        for w in &engine.when(q.subject).windows {
            let day = |d: Option<chrono::NaiveDate>| d.map_or("*".to_string(), |d| d.to_string());
            let reasons: Vec<String> = w
                .reasons
                .iter()
                .map(|r| format!("{} {}", r.effect.as_str(), r.clause))
                .collect();
            let _ = write!(
                out,
                " [{}..{} {}{}]",
                day(w.from),
                day(w.until),
                w.decision.as_str(),
                if reasons.is_empty() {
                    String::new()
                } else {
                    format!(": {}", reasons.join(", "))
                }
            );
        }
        out.push('\n');
    }
    insta::assert_snapshot!(out);
}

#[test]
fn diff_reports_a_changed_rate_though_every_decision_stays() {
    let rules = root().join("rules");
    let after = shipped_with(
        "assume revenue_share_rate = 20%",
        "assume revenue_share_rate = 15%",
    );
    let (code, out, _) = covenant(&[
        "diff",
        "--before",
        rules.to_str().unwrap_or_default(),
        "--after",
        after.path().to_str().unwrap_or_default(),
    ]);
    assert_eq!(code, 1, "{out}");
    // Only the terms of the deciding clause changed: said once, with every window it touches.
    assert!(
        out.starts_with(
            "terms changed, decisions the same:\n\
             msft_openai.openai_pays_microsoft: `20%` became `15%`\n\
             \x20 pay openai to microsoft: from 2019-07-22 until 2026-04-27 (still due)\n"
        ),
        "{out}"
    );
    assert!(!out.contains("for other reasons"), "{out}");
}

#[test]
fn diff_decisions_only_ignores_a_change_that_changes_no_decision() {
    // `for PARTY` names a beneficiary: shown in reasons, deciding nothing.
    let rules = root().join("rules");
    let after = shipped_with("    for microsoft\n", "    for openai\n");
    let (r, a) = (
        rules.to_str().unwrap_or_default(),
        after.path().to_str().unwrap_or_default(),
    );
    let (code, out, _) = covenant(&["diff", "--before", r, "--after", a]);
    assert_eq!(code, 1, "the reasons changed: {out}");
    let (code, out, _) = covenant(&["diff", "--before", r, "--after", a, "--decisions"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "0 changed windows in 0 questions\n")
    );
}

#[test]
fn diff_leads_with_decision_changes_and_names_a_changed_lead_once() {
    let rules = root().join("rules");
    let after = shipped_with("assume azure_lead = 0 days", "assume azure_lead = 30 days");
    let (code, out, _) = covenant(&[
        "diff",
        "--before",
        rules.to_str().unwrap_or_default(),
        "--after",
        after.path().to_str().unwrap_or_default(),
    ]);
    assert_eq!(code, 1, "{out}");
    // Decisions first: the lead now runs until 2026-05-23 (30 days after the Azure launch).
    assert!(
        out.starts_with(
            "deploy gpt_5_5 on aws\n  from 2026-04-27 until 2026-05-23: permitted -> forbidden\n"
        ),
        "{out}"
    );
    let terms = out
        .find("terms changed, decisions the same:\n")
        .unwrap_or(0);
    let last_decision = out.rfind("-> ").unwrap_or(usize::MAX);
    assert!(terms > last_decision, "{out}");
    assert_eq!(
        out.matches("msft_openai.azure_first: `lead 0 days` became `lead 30 days`\n")
            .count(),
        1,
        "{out}"
    );
    assert!(!out.contains("for other reasons"), "{out}");
}

/// Audits replay terminations and sublicences too (0.2): a sublicence signed before the consent
/// its licensor needed, a termination without a right, one before its right arose.
#[test]
fn audit_replays_terminations_and_sublicences() {
    let deal = root().join("examples/deals/film_slate");
    let (code, out, _) = covenant(&["audit", "--rules", deal.to_str().unwrap_or_default()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("2027-05-01: cinemaxx licenses northern_lights to vega in fr (vega_streaming.stream_fr) was signed before its licensor could license onward"), "{out}");
    assert!(out.contains("awaits slate.distribution"), "{out}");
    assert!(out.ends_with("0 launches replayed, 0 forbidden; 1 sublicences replayed, 1 not grantable when signed\n"), "{out}");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let text = "party n\nparty a\nproduct l by n\nagreement r {\n between n and a\n signed 2026-01-01\n term 3 years\n terminable by n on a undergoes change_of_control with notice 30 days\n}\non 2026-06-01: a terminates r\non 2026-07-01: n terminates r\non 2026-08-01: a undergoes change_of_control\non 2026-09-01: n terminates r\n";
    let path = dir.path().join("r.cov");
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    let (code, out, _) = covenant(&["audit", "--rules", path.to_str().unwrap_or_default()]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        out,
        "2026-06-01: a terminates r ended nothing: `r` gives `a` no right to terminate it\n\
         2026-07-01: n terminates r ended nothing: no right of `n` had arisen that would end `r` before 2029-01-01\n\
         0 launches replayed, 0 forbidden; 3 terminations replayed, 2 ended nothing\n"
    );
}

/// A rule change that narrows a licence's territories shows in `diff` as questions about the
/// licensee, in the place it lost (0.2), and about licensing there.
#[test]
fn diff_asks_about_actors_and_places() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let text = "party n\nparty a\nparty b\nchannel store\nterritory eu\nterritory fr within eu\nterritory de within eu\nproduct l by n\nagreement r {\n between n and a\n signed 2026-01-01\n licence resale { n grants a exclusive deploy of product l in fr, de }\n}\n";
    let before = dir.path().join("before.cov");
    let after = dir.path().join("after.cov");
    std::fs::write(&before, text).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&after, text.replace("in fr, de", "in fr")).unwrap_or_else(|e| panic!("{e}"));
    let (code, out, _) = covenant(&[
        "diff",
        "--before",
        before.to_str().unwrap_or_default(),
        "--after",
        after.to_str().unwrap_or_default(),
    ]);
    assert_eq!(code, 1, "{out}");
    for want in [
        "deploy l on store by a in de\n  from 2026-01-01 on: permitted -> forbidden",
        "use l by a in de\n  from 2026-01-01 on: permitted -> forbidden",
        "license l to b in de\n  from 2026-01-01 on: forbidden -> permitted",
    ] {
        assert!(out.contains(want), "{want}\n{out}");
    }
    assert!(!out.contains(" in fr\n"), "{out}");
}
