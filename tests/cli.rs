//! The `covenant` command as a user runs it: exit codes, messages naming the file, line and
//! column (or the flag), batch answers.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

fn covenant(args: &[&str]) -> (i32, String, String) {
    covenant_stdin(args, "")
}

fn covenant_stdin(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(stdin.as_bytes());
    }
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A file in this suite's scratch folder (see `common::scratch`).
fn temp(name: &str, text: &[u8]) -> std::path::PathBuf {
    common::scratch("cli", name, text)
}

#[test]
fn check_the_shipped_rules() {
    let (code, out, _) = covenant(&["check"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("ok: 5 files, 2 agreements, 1 amendment, 9 clauses"),
        "{out}"
    );
}

#[test]
fn ask_exits_0_when_permitted_and_1_when_forbidden() {
    assert_eq!(
        covenant(&[
            "ask",
            "deploy",
            "gpt_5_5",
            "on",
            "bedrock",
            "at",
            "2026-05-01"
        ])
        .0,
        0
    );
    assert_eq!(
        covenant(&["ask", "deploy gpt_5_5 on bedrock at 2026-04-26"]).0,
        1
    );
    assert_eq!(
        covenant(&["ask", "pay openai to microsoft at 2030-12-31"]).0,
        0
    );
    assert_eq!(
        covenant(&["ask", "pay openai to microsoft at 2031-01-01"]).0,
        1
    );
    // A when question is answered, whatever its windows say.
    assert_eq!(covenant(&["ask", "deploy frontier on aws"]).0, 0);
}

#[test]
fn what_if_and_as_of() {
    let q = "deploy gpt_5_5 on aws at 2026-05-01";
    let (code, out, _) = covenant(&["ask", q, "--set", "azure_lead=30 days", "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("\"assumptions\":[\"azure_lead\"]"), "{out}");
    assert_eq!(
        covenant(&[
            "ask",
            "deploy gpt_5_5 on aws at 2026-05-23",
            "--set",
            "azure_lead=30 days"
        ])
        .0,
        0
    );
    // As of March 2026 the restructuring had not been signed: Azure exclusivity still held.
    let (code, out, _) = covenant(&["ask", q, "--as-of", "2026-03-01"]);
    assert_eq!(code, 1);
    assert!(out.contains("msft_openai.azure_only"), "{out}");
}

#[test]
fn bad_questions_and_flags_exit_2_with_a_clear_message() {
    for (args, says) in [
        (
            vec!["ask", "deploy gpt_55 on aws at 2026-05-01"],
            "question:1:8: unknown product `gpt_55`; did you mean `gpt_5_5`?",
        ),
        (
            vec!["ask", "deploy gpt_5_5 on aws at 2026-02-30"],
            "question:1:26: `2026-02-30` is not a day of the calendar",
        ),
        (
            vec!["ask", "sell gpt_5_5 on aws"],
            "question:1:1: unknown question `sell`",
        ),
        (
            vec!["ask", "deploy gpt_5_5 at aws"],
            "question:1:16: expected `on`, found `at`",
        ),
        (
            vec![
                "ask",
                "deploy gpt_5_5 on aws at 2026-05-01",
                "--set",
                "azure_led=3 days",
            ],
            "--set `azure_led=3 days`: unknown assumption `azure_led`; did you mean `azure_lead`?",
        ),
        (
            vec![
                "ask",
                "deploy gpt_5_5 on aws at 2026-05-01",
                "--set",
                "azure_lead=30",
            ],
            "expected `days`, `weeks`, `months`, `quarters` or `years` after the number, found the end of the value",
        ),
        (
            vec![
                "ask",
                "deploy gpt_5_5 on aws at 2026-05-01",
                "--set",
                "azure_lead=USD 5",
            ],
            "`azure_lead` is a duration, but `USD 5` is an amount",
        ),
        (
            vec![
                "ask",
                "deploy gpt_5_5 on aws at 2026-05-01",
                "--set",
                "azure_lead",
            ],
            "expected ID=VALUE",
        ),
        (
            vec!["ask", "deploy gpt_5_5 on aws", "--as-of", "2026-5-1"],
            "--as-of `2026-5-1`: not a valid day",
        ),
        (
            vec!["ask", "deploy gpt_5_5 on aws", "--rules", "/no/such/rules"],
            "cannot read `/no/such/rules`: no such file or folder",
        ),
        (vec!["ask"], "no question given"),
        (
            vec!["ask", "deploy gpt_5_5 on aws", "--format", "xml"],
            "invalid value 'xml'",
        ),
    ] {
        let (code, _, err) = covenant(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn invalid_rules_name_file_line_and_column() {
    let path = temp("bad.cov", b"party a\ncloud c operated by b\n");
    let (code, _, err) = covenant(&["check", "--rules", path.to_str().unwrap_or_default()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("bad.cov:2:21: error[unknown-id]: unknown party `b`"),
        "{err}"
    );
    let (code, _, err) = covenant(&[
        "ask",
        "deploy p on c",
        "--rules",
        path.to_str().unwrap_or_default(),
    ]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn non_utf8_and_empty_inputs() {
    let path = temp("latin1.cov", b"party caf\xe9\n");
    let (code, _, err) = covenant(&["check", "--rules", path.to_str().unwrap_or_default()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("latin1.cov:1:10: the file is not UTF-8 text: byte 0xe9 (offset 9)"),
        "{err}"
    );
    assert!(err.contains("\n  party caf\n           ^"), "{err}");
    let dir = common::scratch_dir("cli", "empty");
    let (code, _, err) = covenant(&["check", "--rules", dir.to_str().unwrap_or_default()]);
    assert_eq!(code, 2);
    assert!(err.contains("holds no `.cov` files"), "{err}");
}

#[test]
fn warnings_are_shown_and_can_be_denied() {
    let path = temp("warn.cov", b"party a\nassume unused = 3 days\n");
    let p = path.to_str().unwrap_or_default();
    let (code, out, err) = covenant(&["check", "--rules", p]);
    assert_eq!(code, 0);
    assert!(out.contains("1 warning"), "{out}");
    assert!(err.contains("warning[unused-assumption]"), "{err}");
    assert_eq!(covenant(&["check", "--rules", p, "--deny-warnings"]).0, 1);
}

#[test]
fn batch_answers_each_line_and_reports_bad_ones_in_place() {
    let input = "# a comment\ndeploy gpt_5_5 on aws at 2026-05-01\n\nuse gpt_5_5 by nobody at 2026-05-01\npay openai to microsoft\n";
    let (code, out, err) = covenant_stdin(&["ask", "--batch", "-"], input);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].starts_with(
        "{\"question\":\"deploy gpt_5_5 on aws at 2026-05-01\",\"decision\":\"permitted\""
    ));
    assert!(
        lines[1].starts_with("{\"line\":4,\"error\":\"column 16: unknown party `nobody`"),
        "{}",
        lines[1]
    );
    assert!(lines[2].contains("\"windows\":["), "{}", lines[2]);
    // A missing batch file is an error.
    assert_eq!(covenant(&["ask", "--batch", "/no/such/file"]).0, 2);
}

#[test]
fn fmt_check_reports_files_that_would_change() {
    let path = temp("messy.cov", b"party a   party b\n");
    let p = path.to_str().unwrap_or_default();
    let (code, out, _) = covenant(&["fmt", "--check", p]);
    assert_eq!(code, 1);
    assert!(out.contains("would be reformatted"));
    assert_eq!(covenant(&["fmt", p]).0, 0);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap_or_default(),
        "party a\nparty b\n"
    );
    assert_eq!(covenant(&["fmt", "--check", p]).0, 0);
    let bad = temp("broken.cov", b"party\n");
    assert_eq!(covenant(&["fmt", bad.to_str().unwrap_or_default()]).0, 2);
}

fn fixture(name: &str) -> String {
    format!("{}/fixtures/ledgers/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn revshare_reports_and_stops_on_a_bad_row() {
    let (code, out, _) = covenant(&["revshare", &fixture("shipped.csv"), "--format", "json"]);
    assert_eq!(code, 0);
    assert!(out.contains("\"paid\":\"520.00\""), "{out}");
    let (code, out, err) = covenant(&["revshare", &fixture("bad_rows.csv")]);
    assert_eq!(code, 2);
    assert!(out.is_empty(), "no summary is printed: {out}");
    assert!(
        err.contains("bad_rows.csv:3: bad date `2026-13-01`"),
        "{err}"
    );
    let (code, out, err) = covenant(&[
        "revshare",
        &fixture("bad_rows.csv"),
        "--skip-invalid",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"rows_read\":2,\"rows_skipped\":6"), "{out}");
    assert!(err.contains("skipped 6 invalid rows"), "{err}");
}

#[test]
fn revshare_reads_several_ledgers_and_stdin_as_one() {
    let whole = covenant(&["revshare", &fixture("shipped.csv"), "--format", "csv"]).1;
    let text = std::fs::read_to_string(fixture("shipped.csv")).unwrap_or_default();
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let rest: Vec<&str> = lines.collect();
    let first = temp(
        "first.csv",
        format!("{header}\n{}\n", rest[..4].join("\n")).as_bytes(),
    );
    let (code, split, err) = covenant_stdin(
        &[
            "revshare",
            first.to_str().unwrap_or_default(),
            "-",
            "--format",
            "csv",
        ],
        &format!("{header}\n{}\n", rest[4..].join("\n")),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(split, whole);
    assert!(whole.starts_with("clause,payer,payee,currency,year,base,share,paid\n"));
}

#[test]
fn revshare_flags_are_checked() {
    let (code, _, err) = covenant(&[
        "revshare",
        &fixture("shipped.csv"),
        "--clause",
        "msft_openai.openai_pays_microsof",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("did you mean `msft_openai.openai_pays_microsoft`?"),
        "{err}"
    );
    let (code, _, err) = covenant(&["revshare", "/no/such/ledger.csv"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read `/no/such/ledger.csv`"), "{err}");
    let header_only = temp("header.csv", b"date,party,stream,amount,currency\n");
    let (code, out, _) = covenant(&[
        "revshare",
        header_only.to_str().unwrap_or_default(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("\"rows_read\":0"), "{out}");
}

#[test]
fn a_payment_with_a_ledger_says_what_is_owed_and_what_remains() {
    let cap = "revenue_share_cap=USD 210";
    let (code, out, _) = covenant(&[
        "ask",
        "pay openai to microsoft at 2030-12-30",
        "--ledger",
        &fixture("shipped.csv"),
        "--set",
        cap,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("\"owed\":\"500.00\",\"cap\":\"210.00\",\"remaining\":\"10.00\""),
        "{out}"
    );
    // On 2030-12-31 the last row uses the cap up, but that row still paid: due that day.
    let (code, out, _) = covenant(&[
        "ask",
        "pay openai to microsoft at 2030-12-31",
        "--ledger",
        &fixture("shipped.csv"),
        "--set",
        cap,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("\"remaining\":\"0.00\",\"cap_reached_on\":\"2030-12-31\""),
        "{out}"
    );
    // A cap used up before the day: revenue of the day owes nothing more.
    let small = "revenue_share_cap=USD 1_000";
    let (code, out, _) = covenant(&[
        "ask",
        "pay openai to microsoft at 2026-07-02",
        "--ledger",
        &fixture("refunds.csv"),
        "--set",
        small,
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("\"decision\":\"not_due\""), "{out}");
    assert!(
        out.contains("\"effect\":\"cap_reached\",\"detail\":\"its cap was reached on 2026-07-01"),
        "{out}"
    );
    // Refunds after it bring the total back under the cap: due again.
    let (code, _, _) = covenant(&[
        "ask",
        "pay openai to microsoft at 2026-09-02",
        "--ledger",
        &fixture("refunds.csv"),
        "--set",
        small,
    ]);
    assert_eq!(code, 0);
    // After the window, the ledger still says what was owed.
    let (code, out, _) = covenant(&[
        "ask",
        "pay openai to microsoft at 2031-01-01",
        "--ledger",
        &fixture("shipped.csv"),
    ]);
    assert_eq!(code, 1);
    assert!(
        out.contains("msft_openai.openai_pays_microsoft: owed USD 520.00"),
        "{out}"
    );
    let (code, _, err) = covenant(&[
        "ask",
        "deploy gpt_5_5 on aws at 2026-05-01",
        "--ledger",
        &fixture("shipped.csv"),
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--ledger goes with a `pay PAYER to PAYEE at DAY` question"),
        "{err}"
    );
}

#[test]
fn a_closed_output_pipe_ends_the_run_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .args(["ask", "deploy frontier on aws"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn fmt_keeps_trailing_comments_on_their_line() {
    let path = temp(
        "trailing.cov",
        b"party a \"A\" # two\ncloud c operated by a # three\n",
    );
    assert_eq!(covenant(&["fmt", path.to_str().unwrap_or_default()]).0, 0);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap_or_default(),
        "party a \"A\"  # two\n\ncloud c operated by a  # three\n"
    );
}

#[test]
fn chart_writes_svg_only() {
    let (code, out, _) = covenant(&["chart", "--out", "-", "--as-of", "2026-03-01"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("<svg"));
    // As of March 2026 the restructuring was not signed: no first-on-Azure row, no amendment.
    assert!(!out.contains("azure_first") && !out.contains("restructuring_2026"));
    let (code, _, err) = covenant(&["chart", "--out", "x.png"]);
    assert_eq!(code, 2);
    assert!(err.contains("the chart is SVG"), "{err}");
}

#[test]
fn a_ledger_row_of_an_undeclared_party_is_a_bad_row() {
    let (code, _, err) = covenant_stdin(
        &["revshare", "-"],
        "date,party,stream,amount,currency\n2026-05-01,opneai,api,5.00,USD\n",
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("<stdin>:2: unknown party `opneai`; did you mean `openai`?"),
        "{err}"
    );
}

#[test]
fn completions_and_the_man_page_name_every_subcommand() {
    let (code, bash, _) = covenant(&["completions", "bash"]);
    assert_eq!(code, 0);
    let (code, man, _) = covenant(&["man"]);
    assert_eq!(code, 0);
    assert!(
        man.starts_with(".ie") && man.contains(".TH covenant 1"),
        "{man}"
    );
    for sub in [
        "check", "fmt", "ask", "revshare", "test", "diff", "audit", "chart",
    ] {
        assert!(
            bash.contains(&format!("covenant__subcmd__{sub}")),
            "{sub} missing from completions"
        );
        assert!(man.contains(sub), "{sub} missing from the man page");
    }
    let (code, _, err) = covenant(&["completions", "tcsh"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn clicolor_force_colours_diagnostics_and_plain_is_the_default_off_a_terminal() {
    let bad = temp("colour.cov", b"party a\nproduct p by zz\n");
    let run = |force: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_covenant"));
        cmd.args(["check", "--rules", bad.to_str().unwrap_or_default()])
            .env_remove("CLICOLOR_FORCE")
            .env_remove("NO_COLOR");
        if let Some(v) = force {
            cmd.env("CLICOLOR_FORCE", v);
        }
        let out = cmd.output().unwrap_or_else(|e| panic!("{e}"));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(
        run(Some("1")).contains("\u{1b}["),
        "CLICOLOR_FORCE=1 colours"
    );
    assert!(!run(None).contains("\u{1b}["), "a pipe is plain");
    assert!(
        !run(Some("0")).contains("\u{1b}["),
        "CLICOLOR_FORCE=0 does not force"
    );
}

#[test]
fn an_answer_echoes_the_alias_asked_and_names_its_cloud() {
    let (code, out, _) = covenant(&["ask", "deploy  gpt_5_5 on bedrock at 2026-04-26"]);
    assert_eq!(code, 1);
    assert!(
        out.starts_with(
            "deploy gpt_5_5 on bedrock at 2026-04-26: forbidden\n  (bedrock is cloud aws)\n"
        ),
        "{out}"
    );
    let (_, out, _) = covenant(&["ask", "deploy gpt_5_5 on bedrock", "--format", "json"]);
    assert!(
        out.starts_with("{\"question\":\"deploy gpt_5_5 on bedrock\""),
        "{out}"
    );
    assert!(out.contains("\"aliases\":{\"bedrock\":\"aws\"}"), "{out}");
    let (_, out, _) = covenant(&[
        "ask",
        "deploy gpt_5_5 on aws at 2026-04-26",
        "--format",
        "json",
    ]);
    assert!(!out.contains("aliases"), "{out}");
}

/// A case file that cannot be read is an error, and the count says a file was not run (it
/// used to read "0 passed, 0 failed", as an empty run that passed).
#[test]
fn test_with_a_missing_case_file_says_it_was_not_run() {
    let (code, out, err) = covenant(&["test", "/no/such/cases.yaml"]);
    assert_eq!(code, 2);
    assert_eq!(
        out,
        "0 passed, 0 failed; 1 case file not run (see the error)\n"
    );
    assert!(err.contains("/no/such/cases.yaml"), "{err}");
}

/// A statement's clause with no row yet says so where its currency would be.
#[test]
fn a_statement_clause_without_rows_says_so() {
    let (code, out, _) = covenant(&[
        "statement",
        "fixtures/ledgers/refunds.csv",
        "--by",
        "quarter",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.contains(
            "microsoft → openai: msft_openai.microsoft_pays_openai (revenue share, no rows yet)\n  nothing in these days\n"
        ),
        "{out}"
    );
}
