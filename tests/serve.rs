//! `covenant serve` as its users meet it: the binary started on an ephemeral loopback port,
//! every route asked over real HTTP, reloads (valid, invalid, by SIGHUP, and under load with a
//! 10,000-agreement rule set), the decision log, 400, 404 and 413, and a clean shutdown.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

#[path = "../benches/gen/mod.rs"]
mod gen;

mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A running service, stopped (SIGTERM) when dropped.
struct Server {
    child: Child,
    base: String,
    stderr: Arc<Mutex<String>>,
    agent: ureq::Agent,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_covenant"))
            .arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let base = first
            .trim()
            .strip_prefix("covenant serve: listening on ")
            .unwrap_or_else(|| panic!("first line: {first:?}"))
            .to_string();
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err = child.stderr.take().unwrap();
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let server = Server {
            child,
            base,
            stderr,
            agent: agent(),
        };
        server.wait_ready();
        server
    }

    fn wait_ready(&self) {
        let started = Instant::now();
        loop {
            let (status, _) = self.get("/ready");
            if status == 200 {
                return;
            }
            assert_eq!(status, 503, "before the rules are in, /ready says 503");
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "never ready: {}",
                self.stderr.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn get(&self, path: &str) -> (u16, String) {
        let mut r = self
            .agent
            .get(format!("{}{path}", self.base))
            .call()
            .unwrap();
        (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
    }

    fn post(&self, path: &str, body: &str) -> (u16, String) {
        let mut r = self
            .agent
            .post(format!("{}{path}", self.base))
            .send(body)
            .unwrap();
        (
            r.status().as_u16(),
            r.body_mut()
                .with_config()
                .limit(1 << 26)
                .read_to_string()
                .unwrap(),
        )
    }

    fn post_json(&self, path: &str, body: &str) -> (u16, Value) {
        let (status, text) = self.post(path, body);
        (
            status,
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
        )
    }

    fn version(&self) -> String {
        let (_, text) = self.get("/v1/rules");
        let rules: Value = serde_json::from_str(&text).unwrap();
        rules["version"].as_str().unwrap().to_string()
    }

    fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }

    /// SIGTERM, then the exit code and everything the service wrote to stderr.
    fn stop(mut self) -> (i32, String) {
        self.signal("TERM");
        let code = self.child.wait().unwrap().code().unwrap_or(-1);
        // The reader thread sees the end of the pipe once the process is gone.
        std::thread::sleep(Duration::from_millis(100));
        let err = self.stderr.lock().unwrap().clone();
        std::mem::forget(self);
        (code, err)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn cli(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .args(args)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

/// An answer without what only the service adds.
fn bare(mut answer: Value) -> Value {
    let o = answer.as_object_mut().unwrap();
    assert!(o.remove("decision_id").unwrap().is_string());
    assert!(o
        .remove("rules_version")
        .unwrap()
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
    answer
}

fn temp_dir(name: &str) -> PathBuf {
    common::scratch_dir("serve", name)
}

fn copy_shipped(to: &Path) {
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// Waits until the service serves another version than `old`; returns it.
fn wait_for_change(server: &Server, old: &str) -> String {
    let started = Instant::now();
    loop {
        let now = server.version();
        if now != old {
            return now;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no reload: {}",
            server.stderr.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn questions_are_answered_as_the_command_line_answers_them() {
    let server = Server::start(&[]);
    for question in [
        "deploy gpt_5_5 on bedrock at 2026-05-01",
        "deploy gpt_5_5 on bedrock",
        "pay openai to microsoft at 2026-06-01",
        "use gpt_5_5 by microsoft at 2030-01-01",
    ] {
        let body = serde_json::json!({ "question": question }).to_string();
        let (status, answer) = server.post_json("/v1/ask", &body);
        assert_eq!(status, 200);
        let expected: Value =
            serde_json::from_str(&cli(&["ask", "--format", "json", question])).unwrap();
        assert_eq!(bare(answer), expected, "{question}");
    }
    // What-if and knowledge time, in the request: as `--set` and `--as-of` give them.
    let body = r#"{"question": "deploy gpt_5_5 on bedrock at 2026-05-01", "set": {"azure_lead": "30 days"}, "as_of": "2026-06-01"}"#;
    let (status, answer) = server.post_json("/v1/ask", body);
    assert_eq!(status, 200);
    let expected: Value = serde_json::from_str(&cli(&[
        "ask",
        "--format",
        "json",
        "--set",
        "azure_lead=30 days",
        "--as-of",
        "2026-06-01",
        "deploy gpt_5_5 on bedrock at 2026-05-01",
    ]))
    .unwrap();
    assert_eq!(expected["decision"], "forbidden");
    assert_eq!(bare(answer), expected);
    // The same question as a link.
    let (status, text) = server.get(
        "/v1/ask?question=deploy%20gpt_5_5%20on%20bedrock%20at%202026-05-01&set=azure_lead%3D30%20days",
    );
    assert_eq!(status, 200, "{text}");
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(answer["decision"], "forbidden");
    assert_eq!(answer["assumed"][0]["set_for_run"], true);
    // Decision ids differ from answer to answer.
    let a = server.post_json(
        "/v1/ask",
        r#"{"question":"agreement msft_openai at 2026-05-01"}"#,
    );
    let b = server.post_json(
        "/v1/ask",
        r#"{"question":"agreement msft_openai at 2026-05-01"}"#,
    );
    assert_ne!(a.1["decision_id"], b.1["decision_id"]);
    assert_eq!(a.1["decision"], "in_force");
}

#[test]
fn what_was_sent_wrong_is_400_with_the_field_and_column() {
    let server = Server::start(&["--max-body", "2000"]);
    let cases = [
        (
            r#"{"question": "deploy gpt_5_5 on bedrok at 2026-05-01"}"#,
            "question",
            Some(19),
            "unknown cloud `bedrok`; did you mean `bedrock`?",
        ),
        (
            r#"{"question": "deploy gpt_5_5 on aws at 2026-02-30"}"#,
            "question",
            Some(26),
            "`2026-02-30` is not a day of the calendar",
        ),
        (
            r#"{"question": "deploy gpt_5_5 on aws", "as_of": "March"}"#,
            "as_of",
            None,
            "`March` is not a valid day",
        ),
        (
            r#"{"question": "deploy gpt_5_5 on aws", "set": {"azure_led": "3 days"}}"#,
            "set.azure_led",
            None,
            "did you mean `azure_lead`?",
        ),
        (
            r#"{"question": "deploy gpt_5_5 on aws", "set": {"azure_lead": "USD 3"}}"#,
            "set.azure_lead",
            None,
            "azure_lead",
        ),
        (r#"{"question": ""}"#, "question", None, "no question given"),
    ];
    for (body, field, column, words) in cases {
        let (status, error) = server.post_json("/v1/ask", body);
        assert_eq!(status, 400, "{body}");
        let e = &error["error"];
        assert_eq!(e["field"], field, "{body}: {e}");
        assert_eq!(e["column"].as_u64(), column.map(|c| c as u64), "{body}");
        assert!(
            e["message"].as_str().unwrap().contains(words),
            "{body}: {e}"
        );
    }
    // Malformed JSON, unknown fields and wrong types are refused with serde's place.
    for (body, words) in [
        (r#"{"question": "deploy"#, "not valid JSON"),
        (
            r#"{"question": "deploy gpt_5_5 on aws", "at": "2026-05-01"}"#,
            "unknown field `at`",
        ),
        (r#"{"question": 5}"#, "invalid type"),
        (
            r#"["deploy gpt_5_5 on aws", {}, null]"#,
            "must be a JSON object",
        ),
    ] {
        let (status, error) = server.post_json("/v1/ask", body);
        assert_eq!(status, 400, "{body}");
        assert!(
            error["error"]["message"].as_str().unwrap().contains(words),
            "{body}: {error}"
        );
    }
    // A body over --max-body is 413, on every JSON route.
    let big = format!(r#"{{"question": "{}"}}"#, "x".repeat(3000));
    for route in ["/v1/ask", "/v1/check"] {
        let (status, error) = server.post_json(route, &big);
        assert_eq!(status, 413, "{route}");
        assert!(error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--max-body"));
    }
    // Unknown routes are 404 with the routes there are; a wrong method is 405.
    let (status, text) = server.get("/v1/nothing");
    assert_eq!(status, 404);
    assert!(text.contains("POST /v1/ask"));
    let (status, _) = server.get("/v1/check");
    assert_eq!(status, 405);
    let (code, _) = server.stop();
    assert_eq!(code, 0);
}

#[test]
fn a_batch_answers_line_for_line_in_order() {
    let server = Server::start(&[]);
    let input = [
        r#"{"question": "deploy gpt_5_5 on aws at 2026-05-01"}"#,
        "",
        r#"{"question": "deploy gpt_5_5 on awz at 2026-05-01"}"#,
        "not json",
        r#"{"question": "deploy gpt_5_5 on bedrock at 2026-05-01", "set": {"azure_lead": "30 days"}}"#,
        r#"{"question": "launch gpt_5_5 on aws"}"#,
    ]
    .join("\n");
    let (status, text) = server.post("/v1/batch", &input);
    assert_eq!(status, 200);
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.len(),
        5,
        "a line out for each line in but the blank: {text}"
    );
    assert_eq!(lines[0]["decision"], "permitted");
    assert_eq!(lines[1]["line"], 3);
    assert_eq!(lines[1]["error"]["column"], 19);
    assert_eq!(lines[2]["line"], 4);
    assert!(lines[2]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("JSON object"));
    assert_eq!(lines[3]["decision"], "forbidden");
    assert!(lines[4]["windows"].is_array());
    // A large batch streams through and keeps its order.
    let many: String = (0..3000)
        .map(|i| {
            format!(
                "{{\"question\": \"deploy gpt_5_5 on aws at {}\"}}\n",
                if i % 2 == 0 {
                    "2026-05-01"
                } else {
                    "2025-05-01"
                }
            )
        })
        .collect();
    let (status, text) = server.post("/v1/batch", &many);
    assert_eq!(status, 200);
    let decisions: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["decision"].to_string())
        .collect();
    assert_eq!(decisions.len(), 3000);
    for (i, d) in decisions.iter().enumerate() {
        let expected = if i % 2 == 0 { "permitted" } else { "forbidden" };
        assert_eq!(d, &format!("\"{expected}\""), "line {}", i + 1);
    }
}

#[test]
fn statements_are_the_command_lines_and_bad_rows_stop_them() {
    let server = Server::start(&[]);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ledger = root.join("fixtures/ledgers/shipped.csv");
    let text = std::fs::read_to_string(&ledger).unwrap();
    let (status, mut got) = server.post_json("/v1/statement?by=quarter&until=2026-12-31", &text);
    assert_eq!(status, 200, "{got}");
    assert!(got
        .as_object_mut()
        .unwrap()
        .remove("rules_version")
        .is_some());
    let expected: Value = serde_json::from_str(&cli(&[
        "statement",
        ledger.to_str().unwrap(),
        "--by",
        "quarter",
        "--until",
        "2026-12-31",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(got, expected);
    // A bad row names its line; asked to, the service skips and counts.
    let bad = std::fs::read_to_string(root.join("fixtures/ledgers/bad_rows.csv")).unwrap();
    let (status, error) = server.post_json("/v1/statement", &bad);
    assert_eq!(status, 400);
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("ledger:"),
        "{error}"
    );
    let (status, skipped) = server.post_json("/v1/statement?skip_invalid=true", &bad);
    assert_eq!(status, 200);
    assert!(skipped["rows_skipped"].as_u64().unwrap() > 0);
    // Query mistakes name the parameter.
    for (query, field) in [
        ("by=week", "by"),
        ("from=2026-13-01", "from"),
        ("from=2026-05-01&until=2026-01-01", "until"),
        ("clause=msft_openai.nothing", "clause"),
        ("colour=red", "colour"),
    ] {
        let (status, error) = server.post_json(&format!("/v1/statement?{query}"), &text);
        assert_eq!(status, 400, "{query}");
        assert_eq!(error["error"]["field"], field, "{query}: {error}");
    }
}

#[test]
fn checks_rules_charts_health_and_metrics() {
    let server = Server::start(&[]);
    let (status, checked) = server.post_json(
        "/v1/check",
        r#"{"name": "deal.cov", "text": "party a\nparty a\n"}"#,
    );
    assert_eq!(status, 200);
    assert_eq!(checked["valid"], false);
    assert_eq!(checked["errors"], 1);
    let d = &checked["diagnostics"][0];
    assert_eq!(d["code"], "duplicate-id");
    assert_eq!(
        (d["file"].as_str(), d["line"].as_u64(), d["column"].as_u64()),
        (Some("deal.cov"), Some(2), Some(7))
    );
    assert_eq!(d["related"][0]["line"], 1);
    let (_, checked) = server.post_json(
        "/v1/check",
        r#"{"files": [{"name": "a.cov", "text": "party a\n"}, {"name": "b.cov", "text": "party b\n"}]}"#,
    );
    assert_eq!(checked["valid"], true);
    let (status, _) = server.post_json("/v1/check", r#"{"files": [], "text": null}"#);
    assert_eq!(status, 400);

    let (status, text) = server.get("/v1/rules");
    assert_eq!(status, 200);
    let rules: Value = serde_json::from_str(&text).unwrap();
    assert!(rules["version"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(rules["agreements"].as_array().unwrap().len(), 2);
    assert!(rules["ids"]["clouds"]
        .as_array()
        .unwrap()
        .contains(&Value::from("bedrock")));
    let lead = rules["assumptions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "azure_lead")
        .unwrap();
    assert_eq!(lead["value"], "0 days");

    let (status, svg) = server.get("/v1/chart.svg");
    assert_eq!(status, 200);
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains("azure_only"));
    let (status, _) = server.get("/v1/chart.svg?as_of=soon");
    assert_eq!(status, 400);

    assert_eq!(server.get("/health"), (200, r#"{"status":"live"}"#.into()));
    let (status, ready) = server.get("/ready");
    assert_eq!(status, 200);
    assert!(ready.contains(rules["version"].as_str().unwrap()));

    let (status, page) = server.get("/");
    assert_eq!(status, 200);
    assert!(page.contains("<title>covenant</title>"));
    // Everything the page needs is in it: no script, style or font from elsewhere.
    for outside in ["src=\"http", "href=\"http", "@import", "url(http"] {
        assert!(!page.contains(outside), "{outside}");
    }

    server.post_json("/v1/ask", r#"{"question":"deploy gpt_5_5 on aws"}"#);
    server.post_json("/v1/ask", r#"{"question":"deploy gpt_5_5 on awz"}"#);
    let (status, metrics) = server.get("/metrics");
    assert_eq!(status, 200);
    for line in [
        r#"covenant_http_requests_total{route="/v1/ask",status="200"} 1"#,
        r#"covenant_http_requests_total{route="/v1/ask",status="400"} 1"#,
        r#"covenant_http_request_duration_seconds_count{route="/v1/ask"} 2"#,
        "covenant_decisions_total 1",
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} in\n{metrics}");
    }
    assert!(metrics.contains(&format!(
        "covenant_rules_info{{version=\"{}\"}} 1",
        rules["version"].as_str().unwrap()
    )));
}

#[test]
fn reloads_take_valid_changes_and_keep_serving_through_invalid_ones() {
    let dir = temp_dir("reload");
    copy_shipped(&dir);
    let log = dir.join("decisions.jsonl");
    let server = Server::start(&[
        "--rules",
        dir.to_str().unwrap(),
        "--decision-log",
        log.to_str().unwrap(),
    ]);
    let first = server.version();
    let ask = || {
        server.post_json(
            "/v1/ask",
            r#"{"question":"deploy gpt_5_5 on bedrock at 2026-05-01"}"#,
        )
    };
    assert_eq!(ask().1["decision"], "permitted");

    // An invalid change: the last good rules go on serving, and /v1/rules says why.
    let world = dir.join("world.cov");
    let good = std::fs::read_to_string(&world).unwrap();
    std::fs::write(&world, format!("{good}\nparty openai\n")).unwrap();
    let started = Instant::now();
    let refused = loop {
        let (_, text) = server.get("/v1/rules");
        let rules: Value = serde_json::from_str(&text).unwrap();
        if rules["last_reload"]["ok"] == false {
            break rules;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no reload tried"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(refused["version"], first.as_str());
    assert_eq!(
        refused["last_reload"]["diagnostics"][0]["code"],
        "duplicate-id"
    );
    assert!(refused["last_reload"]["error"]
        .as_str()
        .unwrap()
        .contains("world.cov"));
    let (status, answer) = ask();
    assert_eq!(
        (status, answer["rules_version"].as_str()),
        (200, Some(first.as_str()))
    );

    // A valid change is swapped in: the answer changes with it.
    let terms = dir.join("assumptions.cov");
    let text = std::fs::read_to_string(&terms).unwrap();
    std::fs::write(&world, &good).unwrap();
    std::fs::write(
        &terms,
        text.replace("azure_lead = 0 days", "azure_lead = 30 days"),
    )
    .unwrap();
    let second = wait_for_change(&server, &first);
    let (_, answer) = ask();
    assert_eq!(answer["rules_version"], second.as_str());
    assert_eq!(answer["decision"], "forbidden");

    // SIGHUP reloads too (here: a file changed behind the watcher's back is read again).
    server.signal("HUP");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        server.version(),
        second,
        "nothing changed: the same version"
    );

    let (_, metrics) = server.get("/metrics");
    assert!(
        metrics.contains(r#"covenant_reloads_total{outcome="refused"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"covenant_reloads_total{outcome="applied"} 1"#),
        "{metrics}"
    );

    // A clean shutdown writes every decision to the log, each with its id and version.
    let (code, stderr) = server.stop();
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("decision log closed (3 lines written)"),
        "{stderr}"
    );
    let lines: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["rules_version"], first.as_str());
    assert_eq!(lines[2]["rules_version"], second.as_str());
    assert_eq!(lines[2]["answer"]["decision"], "forbidden");
    assert!(lines
        .iter()
        .all(|l| l["decision_id"].is_string() && l["time"].is_string()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_service_refuses_to_start_on_rules_that_do_not_check() {
    let dir = temp_dir("bad-start");
    std::fs::write(dir.join("a.cov"), "party a\nparty a\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .args(["serve", "--listen", "127.0.0.1:0", "--rules"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("a.cov:2:7"), "{err}");
    for args in [
        vec!["--listen", "nowhere"],
        vec!["--rules", "/no/such/folder"],
        vec!["--decision-log", "/no/such/folder/log.jsonl"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_covenant"))
            .arg("serve")
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(args[0]), "{args:?}: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The switch between two rule sets: one product, deployable only on c0 (A) or only on c1 (B).
fn switch(only_on: &str) -> String {
    format!(
        "party sw_owner\nproduct sw_p by sw_owner\n\nagreement sw {{\n  between sw_owner and p1\n  signed 2020-01-01\n\n  exclusivity only_here {{\n    deploy product sw_p only on {only_on}\n  }}\n}}\n"
    )
}

#[test]
fn a_reload_of_10000_agreements_under_load_drops_nothing_and_mixes_nothing() {
    let dir = temp_dir("load");
    std::fs::write(dir.join("big.cov"), gen::rules(10_000)).unwrap();
    std::fs::write(dir.join("switch.cov"), switch("c0")).unwrap();
    let server = Arc::new(Server::start(&["--rules", dir.to_str().unwrap()]));
    let a = server.version();
    let versions: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (server, versions, stop) = (
                Arc::clone(&server),
                Arc::clone(&versions),
                Arc::clone(&stop),
            );
            std::thread::spawn(move || {
                let mut asked = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    let (status, answer) = server.post_json(
                        "/v1/ask",
                        r#"{"question": "deploy sw_p on c1 at 2021-01-01"}"#,
                    );
                    assert_eq!(status, 200, "{answer}");
                    versions.lock().unwrap().push((
                        answer["rules_version"].as_str().unwrap().to_string(),
                        answer["decision"].as_str().unwrap().to_string(),
                    ));
                    asked += 1;
                }
                asked
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    std::fs::write(dir.join("switch.cov"), switch("c1")).unwrap();
    let b = wait_for_change(&server, &a);
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    let asked: u32 = workers.into_iter().map(|w| w.join().unwrap()).sum();
    let seen = versions.lock().unwrap();
    assert_eq!(seen.len() as u32, asked, "every request answered");
    // Each answer is wholly one rule set's: A forbids (only on c0), B permits.
    for (version, decision) in seen.iter() {
        match version {
            v if *v == a => assert_eq!(decision, "forbidden"),
            v if *v == b => assert_eq!(decision, "permitted"),
            other => panic!("an answer from neither rule set: {other}"),
        }
    }
    assert!(seen.iter().any(|(v, _)| *v == a) && seen.iter().any(|(v, _)| *v == b));
    drop(seen);
    let server = Arc::try_unwrap(server).unwrap_or_else(|_| panic!("still shared"));
    let (code, _) = server.stop();
    assert_eq!(code, 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn mistakes_name_their_field_and_every_refusal_is_json() {
    let server = Server::start(&[]);
    for (body, field) in [
        (
            r#"{"question": "deploy gpt_5_5 on aws", "as_of": 20260101}"#,
            "as_of",
        ),
        (
            r#"{"question": "deploy gpt_5_5 on aws", "set": {"azure_lead": 30}}"#,
            "set.azure_lead",
        ),
        (r#"{"set": {}}"#, "question"),
        (r#"{"question": "deploy gpt_5_5 on aws", "foo": 1}"#, "foo"),
    ] {
        let (status, error) = server.post_json("/v1/ask", body);
        assert_eq!(status, 400, "{body}");
        assert_eq!(error["error"]["field"], field, "{body}: {error}");
    }
    // `null` sets nothing; a byte-order mark is no part of the request.
    let (status, _) = server.post_json(
        "/v1/ask",
        r#"{"question": "deploy gpt_5_5 on aws", "set": null, "as_of": null}"#,
    );
    assert_eq!(status, 200);
    let (status, _) = server.post(
        "/v1/ask",
        "\u{feff}{\"question\": \"deploy gpt_5_5 on aws\"}",
    );
    assert_eq!(status, 200);
    // The column counts from the question as sent.
    let (_, error) = server.post_json("/v1/ask", r#"{"question": "   deploy gpt_5_5 on"}"#);
    assert_eq!(error["error"]["column"], 21);
    // A query names what it repeats or does not take.
    for (path, field) in [
        (
            "/v1/ask?question=deploy%20gpt_5_5%20on%20aws&set=azure_lead=1%20days&set=azure_lead=2%20days",
            "set.azure_lead",
        ),
        (
            "/v1/ask?question=deploy%20gpt_5_5%20on%20aws&question=launch%20gpt_5_5%20on%20aws",
            "question",
        ),
        ("/v1/ask?question=deploy%20gpt_5_5%20on%20aws&colour=red", "colour"),
        ("/v1/chart.svg?as_of=2026-01-01&as_of=2026-02-01", "as_of"),
    ] {
        let (status, text) = server.get(path);
        assert_eq!(status, 400, "{path}");
        let error: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(error["error"]["field"], field, "{path}: {error}");
    }
    // 405 and 404 say what there is, as JSON; both are counted.
    let mut r = server
        .agent
        .put(format!("{}/v1/ask", server.base))
        .send("")
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    let error: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .contains("PUT is not a method of /v1/ask"));
    server.get("/nothing");
    let (_, metrics) = server.get("/metrics");
    assert!(metrics.contains(r#"covenant_http_requests_total{route="unmatched",status="404"} 1"#));
    // A statement's bad row carries its line.
    let (status, error) = server.post_json(
        "/v1/statement",
        "date,party,stream,amount,currency\n2026-01-01,openai,api,12,USD\n2026-13-01,openai,api,1,USD\n",
    );
    assert_eq!(status, 400);
    assert_eq!(error["error"]["line"], 3);
    // A flood of errors in a rule text is counted whole and shown in part.
    let flood = serde_json::json!({ "text": "(".repeat(50_000) }).to_string();
    let (status, checked) = server.post_json("/v1/check", &flood);
    assert_eq!(status, 200);
    assert_eq!(checked["errors"], 50_000);
    assert_eq!(checked["diagnostics"].as_array().unwrap().len(), 100);
    assert_eq!(checked["more"], 49_900);
}

#[test]
fn a_request_whose_client_closed_its_sending_side_is_answered() {
    use std::io::Write;
    let server = Server::start(&[]);
    let address = server.base.strip_prefix("http://").unwrap();
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream.write_all(b"GET /health HTTP/1.0\r\n\r\n").unwrap();
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.0 200"), "{answer:?}");
}

#[cfg(unix)]
#[test]
fn a_decision_log_that_cannot_be_written_stops_decisions_and_sighup_reopens_it() {
    let dir = temp_dir("log");
    let log = dir.join("decisions.jsonl");
    let server = Server::start(&["--decision-log", log.to_str().unwrap()]);
    let ask = || {
        server.post_json(
            "/v1/ask",
            r#"{"question":"deploy gpt_5_5 on aws at 2026-05-01"}"#,
        )
    };
    assert_eq!(ask().0, 200);
    // Rotation: the file moved away, SIGHUP, and the next decision goes to a new file.
    std::fs::rename(&log, dir.join("decisions.jsonl.1")).unwrap();
    server.signal("HUP");
    let started = Instant::now();
    while !log.exists() {
        assert!(started.elapsed() < Duration::from_secs(10), "not reopened");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(ask().0, 200);
    let (code, stderr) = server.stop();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.join("decisions.jsonl.1"))
            .unwrap()
            .lines()
            .count(),
        1
    );
    assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 1);

    // A log on a full disk: no decision without its record, and not ready.
    if Path::new("/dev/full").exists() {
        let server = Server::start(&["--decision-log", "/dev/full"]);
        let first = server.post_json(
            "/v1/ask",
            r#"{"question":"deploy gpt_5_5 on aws at 2026-05-01"}"#,
        );
        assert_eq!(first.0, 200);
        let started = Instant::now();
        loop {
            let (status, answer) = server.post_json(
                "/v1/ask",
                r#"{"question":"deploy gpt_5_5 on aws at 2026-05-01"}"#,
            );
            if status == 503 {
                assert!(answer["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("No space left"));
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "never refused");
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(server.get("/ready").0, 503);
        let (_, metrics) = server.get("/metrics");
        assert!(
            metrics.contains("covenant_decision_log_errors 1"),
            "{metrics}"
        );
        let (code, stderr) = server.stop();
        assert_eq!(code, 2, "{stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn a_pipe_among_the_rule_files_blocks_neither_reloads_nor_shutdown() {
    let dir = temp_dir("fifo");
    copy_shipped(&dir);
    let server = Server::start(&["--rules", dir.to_str().unwrap()]);
    let first = server.version();
    let fifo = dir.join("p.cov");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    std::thread::sleep(Duration::from_millis(1500));
    std::fs::remove_file(&fifo).unwrap();
    let terms = dir.join("assumptions.cov");
    let text = std::fs::read_to_string(&terms).unwrap();
    std::fs::write(
        &terms,
        text.replace("azure_lead = 0 days", "azure_lead = 30 days"),
    )
    .unwrap();
    wait_for_change(&server, &first);
    let started = Instant::now();
    let (code, stderr) = server.stop();
    assert_eq!(code, 0, "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(stderr.contains("not a regular file"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
