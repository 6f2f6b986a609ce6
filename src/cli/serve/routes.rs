//! The service's routes: questions (`/v1/ask`, `/v1/batch`), statements over a ledger sent in
//! the body, checks of rule text, what is loaded, the chart, health, readiness, metrics and
//! the analyst's page.
//!
//! Every answer is the library's [`Answer`] serialized by its one serializer, with the decision
//! id and the rule set's version beside it. Every refusal is JSON with the message the command
//! line gives and the field (or column) at fault: 400 for what was sent, 413 for a body over
//! the limit, 503 before the first rule set is read.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use covenant::Engine;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{json, Value};

use super::state::{Loaded, Shared};

/// The longest line of a batch.
const MAX_LINE: usize = 64 << 10;

/// The routes, as the metrics name them.
const ROUTES: [&str; 11] = [
    "/",
    "/v1/ask",
    "/v1/batch",
    "/v1/statement",
    "/v1/check",
    "/v1/rules",
    "/v1/chart.svg",
    "/health",
    "/ready",
    "/metrics",
    "unmatched",
];

/// The router over the shared state.
pub fn router(shared: Arc<Shared>) -> Router {
    let limit = shared.max_body;
    Router::new()
        .route("/", get(page))
        .route("/v1/ask", post(ask).get(ask_link))
        .route("/v1/batch", post(batch))
        .route("/v1/statement", post(statement))
        .route("/v1/check", post(check))
        .route("/v1/rules", get(rules))
        .route("/v1/chart.svg", get(chart))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .route_layer(axum::middleware::from_fn_with_state(
            Arc::clone(&shared),
            track,
        ))
        .fallback(not_found)
        .method_not_allowed_fallback(wrong_method)
        .layer(DefaultBodyLimit::max(limit))
        .with_state(shared)
}

/// Counts and times each request by its route's pattern.
async fn track(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .and_then(|p| ROUTES.iter().find(|r| **r == p.as_str()))
        .copied()
        .unwrap_or("unmatched");
    let started = Instant::now();
    let response = next.run(req).await;
    shared.metrics.request(
        route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

// ----- errors ------------------------------------------------------------------------------

/// A refusal: its status and the JSON body `{"error": {"message", "field"?, "column"?}}`.
pub struct ApiError {
    status: StatusCode,
    body: Value,
}

impl ApiError {
    fn new(status: StatusCode, field: Option<&str>, message: impl Into<String>) -> ApiError {
        let mut error = serde_json::Map::new();
        error.insert("message".into(), message.into().into());
        if let Some(field) = field {
            error.insert("field".into(), field.into());
        }
        ApiError {
            status,
            body: json!({ "error": error }),
        }
    }

    fn bad(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, Some(field), message)
    }

    fn column(mut self, column: usize) -> ApiError {
        if let Some(e) = self.body.get_mut("error").and_then(Value::as_object_mut) {
            e.insert("column".into(), column.into());
        }
        self
    }

    fn loading() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            None,
            "the rules are still being read; try again shortly",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}

/// A body that could not be had: too large (413) or cut off (400).
fn body_error(rejection: BytesRejection) -> ApiError {
    let status = rejection.status();
    let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
        "the request body is larger than the service accepts (--max-body)".to_string()
    } else {
        format!("cannot read the request body: {}", rejection.body_text())
    };
    ApiError::new(status, None, message)
}

/// Reads a JSON body into `T`; unknown fields and wrong types are refused with serde's words,
/// which name the field, line and column.
fn from_json<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, ApiError> {
    // A byte-order mark says nothing about the request.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // serde would take a struct from an array of its fields in order: only objects are asked.
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|b| *b != b'{') {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            None,
            "the body must be a JSON object, such as {\"question\": \"deploy gpt_5_5 on aws\"}",
        ));
    }
    let mut reader = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut reader).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let what = if inner.is_syntax() || inner.is_eof() {
            "the body is not valid JSON"
        } else {
            "the body does not fit this route"
        };
        // The field at fault: the path serde walked to it, or the field an unknown or missing
        // one names.
        let named = inner.to_string();
        let field = if path != "." {
            Some(path)
        } else {
            ["unknown field `", "missing field `", "duplicate field `"]
                .iter()
                .find_map(|p| named.strip_prefix(p))
                .and_then(|rest| rest.split('`').next())
                .map(str::to_string)
        };
        ApiError::new(
            StatusCode::BAD_REQUEST,
            field.as_deref(),
            format!("{what}: {inner}"),
        )
    })?;
    reader.end().map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            None,
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    Ok(value)
}

fn loaded(shared: &Shared) -> Result<Arc<Loaded>, ApiError> {
    shared.loaded().ok_or_else(ApiError::loading)
}

fn day(field: &str, text: &str) -> Result<NaiveDate, ApiError> {
    covenant::time::parse_day(text.trim()).ok_or_else(|| {
        ApiError::bad(
            field,
            format!("`{text}` is not a valid day: days are written YYYY-MM-DD"),
        )
    })
}

// ----- questions ---------------------------------------------------------------------------

/// A question, as `/v1/ask` takes it and as each line of `/v1/batch` gives it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AskRequest {
    question: String,
    /// Assumption values for this question: id → value in the language's words.
    #[serde(default, deserialize_with = "no_null")]
    set: BTreeMap<String, String>,
    /// Only what was signed, dated or recorded by this day exists.
    #[serde(default)]
    as_of: Option<String>,
}

/// `null` read as nothing set.
fn no_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(Option::<BTreeMap<String, String>>::deserialize(d)?.unwrap_or_default())
}

/// The engine for a request's settings: the service's own, or one made (off the async
/// workers) for other assumption values or a knowledge time.
async fn engine(
    shared: &Shared,
    loaded: &Arc<Loaded>,
    set: &BTreeMap<String, String>,
    as_of: Option<&str>,
) -> Result<Arc<Engine>, ApiError> {
    // An empty value is no value, as in a form.
    let as_of = as_of
        .filter(|d| !d.trim().is_empty())
        .map(|d| day("as_of", d))
        .transpose()?;
    let Some(key) = loaded.key(&shared.base_set, set, as_of) else {
        return Ok(Arc::clone(&loaded.engine));
    };
    if let Some(e) = loaded.cached(&key) {
        return Ok(e);
    }
    let for_build = Arc::clone(loaded);
    tokio::task::spawn_blocking(move || for_build.engine_for(&key))
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                None,
                "reading the rules under these settings stopped",
            )
        })?
        .map_err(|e| ApiError::bad(&e.field, e.message))
}

/// Answers one request: the answer's JSON with the decision id and the rule set's version in
/// front (and the decision logged).
async fn decide(
    shared: &Shared,
    loaded: &Arc<Loaded>,
    req: &AskRequest,
) -> Result<String, ApiError> {
    if let Some(why) = shared.log.as_ref().and_then(|l| l.broken()) {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            None,
            format!("{why}: no decision is given without its record"),
        ));
    }
    let engine = engine(shared, loaded, &req.set, req.as_of.as_deref()).await?;
    let text = req.question.trim();
    if text.is_empty() {
        return Err(ApiError::bad(
            "question",
            "no question given; try `deploy gpt_5_5 on aws at 2026-05-01`",
        ));
    }
    // The library's one rendering of an answer, `{"question":…}`, opened to put the id first.
    // The question is read as sent, so that a column counts from its first character.
    let answer = engine
        .ask_json(&req.question)
        .map_err(|e| ApiError::bad("question", e.message).column(e.column))?;
    let fields = answer.strip_prefix('{').unwrap_or(&answer);
    let id = uuid::Uuid::now_v7();
    let line = format!(
        "{{\"decision_id\":\"{id}\",\"rules_version\":\"{}\",{fields}",
        loaded.version
    );
    shared.metrics.decided();
    if let Some(log) = &shared.log {
        let mut entry = format!(
            "{{\"decision_id\":\"{id}\",\"time\":\"{}\",\"rules_version\":\"{}\",\"question\":{}",
            super::state::now(),
            loaded.version,
            Value::from(text)
        );
        if !req.set.is_empty() {
            entry.push_str(&format!(",\"set\":{}", json!(req.set)));
        }
        if let Some(as_of) = &req.as_of {
            entry.push_str(&format!(",\"as_of\":{}", Value::from(as_of.as_str())));
        }
        entry.push_str(&format!(",\"answer\":{answer}}}"));
        log.write(entry);
    }
    Ok(line)
}

fn json_response(text: String) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        text,
    )
        .into_response()
}

async fn ask(
    State(shared): State<Arc<Shared>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(body_error)?;
    let req: AskRequest = from_json(&body)?;
    let loaded = loaded(&shared)?;
    decide(&shared, &loaded, &req).await.map(json_response)
}

/// The same question as a link (`GET /v1/ask?question=…&as_of=…&set=ID=VALUE`), so that an
/// answer can be opened, shared and bookmarked as JSON.
async fn ask_link(State(shared): State<Arc<Shared>>, req: Request) -> Result<Response, ApiError> {
    let q = query(req.uri().query(), &["question", "as_of", "set"])?;
    let mut ask = AskRequest {
        question: String::new(),
        set: q.set,
        as_of: None,
    };
    let mut asked = false;
    for (key, value) in q.pairs {
        if key == "question" {
            ask.question = value;
            asked = true;
        } else {
            ask.as_of = Some(value);
        }
    }
    if !asked {
        return Err(ApiError::bad("question", "the query has no `question`"));
    }
    let loaded = loaded(&shared)?;
    decide(&shared, &loaded, &ask).await.map(json_response)
}

/// JSON lines in, JSON lines out, one for one and in order, streamed both ways: a line that
/// cannot be answered gives `{"line": N, "error": {…}}` in its place and the rest go on. Blank
/// lines are passed over. The whole batch is answered under the rule set serving when it
/// started.
async fn batch(State(shared): State<Arc<Shared>>, body: Body) -> Result<Response, ApiError> {
    let loaded = loaded(&shared)?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(64);
    tokio::spawn(async move {
        let mut input = body.into_data_stream();
        let mut pending: Vec<u8> = Vec::new();
        let mut line_no = 0usize;
        let mut done = false;
        while !done {
            let chunk = match input.next().await {
                Some(Ok(chunk)) => chunk,
                Some(Err(e)) => {
                    let line = json!({"line": line_no + 1, "error": {"message": format!("cannot read the request body: {e}")}});
                    let _ = tx.send(Bytes::from(format!("{line}\n"))).await;
                    return;
                }
                None => {
                    done = true;
                    Bytes::new()
                }
            };
            pending.extend_from_slice(&chunk);
            let mut start = 0;
            loop {
                let end = match memchr::memchr(b'\n', pending.get(start..).unwrap_or_default()) {
                    Some(i) => start + i,
                    None if done && start < pending.len() => pending.len(),
                    None => break,
                };
                line_no += 1;
                let line = pending.get(start..end).unwrap_or_default();
                start = (end + 1).min(pending.len());
                let out = batch_line(&shared, &loaded, line, line_no).await;
                if let Some(out) = out {
                    if tx.send(Bytes::from(out)).await.is_err() {
                        return;
                    }
                }
                if end == pending.len() {
                    break;
                }
            }
            pending.drain(..start);
            if pending.len() > MAX_LINE {
                let line = json!({"line": line_no + 1, "error": {"message": format!("the line is longer than {MAX_LINE} bytes; the batch stops here")}});
                let _ = tx.send(Bytes::from(format!("{line}\n"))).await;
                return;
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, Infallible>(b), rx))
    });
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-ndjson"),
        )],
        Body::from_stream(stream),
    )
        .into_response())
}

/// One line of a batch, answered: `None` for a blank line.
async fn batch_line(
    shared: &Shared,
    loaded: &Arc<Loaded>,
    line: &[u8],
    line_no: usize,
) -> Option<String> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let answered = match from_json::<AskRequest>(line) {
        Ok(req) => decide(shared, loaded, &req).await,
        Err(e) => Err(e),
    };
    Some(match answered {
        Ok(mut text) => {
            text.push('\n');
            text
        }
        Err(e) => {
            let error = e.body.get("error").cloned().unwrap_or(Value::Null);
            format!("{}\n", json!({"line": line_no, "error": error}))
        }
    })
}

/// A query read for a route: each pair as sent, in order. A key the route does not take is
/// refused, naming the ones it does; a key given twice is refused unless it repeats by nature
/// (`set`, `clause`); `set=ID=VALUE` pairs are gathered apart, each id once.
struct Query {
    pairs: Vec<(String, String)>,
    set: BTreeMap<String, String>,
}

fn query(raw: Option<&str>, takes: &[&str]) -> Result<Query, ApiError> {
    let all = serde_urlencoded::from_str::<Vec<(String, String)>>(raw.unwrap_or(""))
        .map_err(|e| ApiError::bad("query", format!("the query cannot be read: {e}")))?;
    let mut pairs: Vec<(String, String)> = Vec::with_capacity(all.len());
    let mut set = BTreeMap::new();
    for (key, value) in all {
        if !takes.contains(&key.as_str()) {
            return Err(ApiError::bad(
                &key,
                format!(
                    "unknown query parameter `{}`: this route takes {}",
                    covenant::diag::shown(&key, 40),
                    takes.join(", ")
                ),
            ));
        }
        if key == "set" {
            let (id, v) = value
                .split_once('=')
                .ok_or_else(|| ApiError::bad("set", format!("`{value}`: write ID=VALUE")))?;
            let id = id.trim().to_string();
            if set.insert(id.clone(), v.trim().to_string()).is_some() {
                return Err(ApiError::bad(
                    &format!("set.{id}"),
                    format!("`{id}` is set twice; set each assumption once"),
                ));
            }
            continue;
        }
        if key != "clause" && pairs.iter().any(|(k, _)| *k == key) {
            return Err(ApiError::bad(&key, format!("`{key}` is given twice")));
        }
        pairs.push((key, value));
    }
    Ok(Query { pairs, set })
}

/// A ledger in the body (CSV: `date,party,stream,amount,currency`), read as it arrives, and the
/// statement of every money clause (or those named) as JSON. Query: `from`, `until`, `by`
/// (`year`, `quarter`, `month`, `contract-year`), `clause` (repeatable), `skip_invalid`,
/// `as_of`, `set` (`ID=VALUE`, repeatable).
async fn statement(State(shared): State<Arc<Shared>>, req: Request) -> Result<Response, ApiError> {
    use covenant::finance::statement::Scope;
    let q = query(
        req.uri().query(),
        &[
            "from",
            "until",
            "by",
            "clause",
            "skip_invalid",
            "as_of",
            "set",
        ],
    )?;
    let mut scope = Scope {
        from: None,
        until: None,
        by: covenant::vocab::Period::Year,
        clauses: Vec::new(),
    };
    let mut skip = false;
    let set = q.set;
    let mut as_of = None;
    // An empty value is no value, as in a form (`skip_invalid` alone is true).
    let optional_day = |field: &str, value: &str| -> Result<Option<NaiveDate>, ApiError> {
        if value.trim().is_empty() {
            Ok(None)
        } else {
            day(field, value).map(Some)
        }
    };
    for (key, value) in &q.pairs {
        match key.as_str() {
            "from" => scope.from = optional_day("from", value)?,
            "until" => scope.until = optional_day("until", value)?,
            "by" => {
                scope.by = match value.as_str() {
                    "year" => covenant::vocab::Period::Year,
                    "quarter" => covenant::vocab::Period::Quarter,
                    "month" => covenant::vocab::Period::Month,
                    "contract-year" => covenant::vocab::Period::ContractYear,
                    other => {
                        return Err(ApiError::bad(
                            "by",
                            format!(
                            "`{other}` is no period: give year, quarter, month or contract-year"
                        ),
                        ))
                    }
                }
            }
            "clause" => scope.clauses.push(value.clone()),
            "skip_invalid" => {
                skip = match value.as_str() {
                    "true" | "1" | "" => true,
                    "false" | "0" => false,
                    other => {
                        return Err(ApiError::bad(
                            "skip_invalid",
                            format!("`{other}` is not true or false"),
                        ))
                    }
                }
            }
            _ => as_of = Some(value.clone()),
        }
    }
    if let (Some(f), Some(u)) = (scope.from, scope.until) {
        if u < f {
            return Err(ApiError::bad(
                "until",
                format!("until {u} comes before from {f}"),
            ));
        }
    }
    let loaded = loaded(&shared)?;
    let engine = engine(&shared, &loaded, &set, as_of.as_deref()).await?;
    let stream = req
        .into_body()
        .into_data_stream()
        .map(|r| r.map_err(std::io::Error::other));
    let reader = tokio_util::io::SyncIoBridge::new(tokio_util::io::StreamReader::new(stream));
    let version = loaded.version.clone();
    let made = tokio::task::spawn_blocking(move || {
        let bad = if skip {
            covenant::finance::ledger::BadRows::Skip
        } else {
            covenant::finance::ledger::BadRows::Stop
        };
        let options = covenant::finance::ReadOptions::for_engine(&engine, bad);
        let input = covenant::finance::Input::Stream(
            "ledger".to_string(),
            Box::new(std::io::BufReader::with_capacity(1 << 16, reader)),
        );
        covenant::finance::statement::statement(&engine, vec![input], &options, &scope)
            .map(|s| s.json())
    })
    .await
    .map_err(|_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            None,
            "the statement stopped",
        )
    })?;
    let mut json = match made {
        Ok(json) => json,
        Err(covenant::finance::statement::StatementError::UnknownClause(c)) => {
            return Err(ApiError::bad(
                "clause",
                format!("`{c}` is no revenue share, payment or commitment of these rules"),
            ))
        }
        Err(covenant::finance::statement::StatementError::Finance(
            covenant::finance::revshare::FinanceError::Row(row),
        )) => {
            // The row at fault: its line (the header is line 1) beside the message.
            let mut e = ApiError::bad("body", row.to_string());
            if let Some(o) = e.body.get_mut("error").and_then(Value::as_object_mut) {
                o.insert("line".into(), row.line.into());
            }
            return Err(e);
        }
        Err(e) => return Err(ApiError::bad("body", e.to_string())),
    };
    if let Some(o) = json.as_object_mut() {
        o.insert("rules_version".into(), version.into());
    }
    Ok(json_response(json.to_string()))
}

// ----- checks, rules, chart ----------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckRequest {
    /// One rule text (named `rules.cov` unless `name` says otherwise) …
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    name: Option<String>,
    /// … or several files, checked together.
    #[serde(default)]
    files: Vec<CheckFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckFile {
    name: String,
    text: String,
}

/// Checks rule text sent in the body (nothing is loaded or served from it): the diagnostics,
/// errors and warnings, with their places.
async fn check(body: Result<Bytes, BytesRejection>) -> Result<Response, ApiError> {
    let body = body.map_err(body_error)?;
    let req: CheckRequest = from_json(&body)?;
    let mut sources = covenant::Sources::new();
    match (req.text, req.files.is_empty()) {
        (Some(text), true) => {
            // A byte-order mark is dropped, as when the rules are read from a file.
            let text = text.strip_prefix('\u{feff}').map_or(text.clone(), str::to_string);
            sources.add(req.name.unwrap_or_else(|| "rules.cov".to_string()), text);
        }
        (None, false) if req.name.is_none() => {
            for f in req.files {
                let text = f.text.strip_prefix('\u{feff}').map_or(f.text.clone(), str::to_string);
                sources.add(f.name, text);
            }
        }
        _ => {
            return Err(ApiError::bad(
                if req.files.is_empty() { "text" } else { "files" },
                "send either `text` (and optionally `name`) or `files`: [{name, text}, …], not both and not neither",
            ))
        }
    }
    let checked = tokio::task::spawn_blocking(move || {
        let (valid, diags, sources) = match covenant::Rules::from_sources(sources) {
            Ok(rules) => (true, rules.warnings().to_vec(), rules.sources().clone()),
            Err(f) => (false, f.diagnostics, f.sources),
        };
        let errors = diags.iter().filter(|d| d.is_error()).count();
        let shown = diags.get(..super::MOST_DIAGNOSTICS).unwrap_or(&diags);
        json!({
            "valid": valid,
            "errors": errors,
            "warnings": diags.len() - errors,
            "diagnostics": covenant::diag::json(shown, &sources),
            "more": diags.len() - shown.len(),
        })
    })
    .await
    .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, None, "the check stopped"))?;
    Ok(json_response(checked.to_string()))
}

/// What is loaded: the version, the files, agreements, clauses, assumptions and the ids a
/// question may name; and how the last reload went.
async fn rules(State(shared): State<Arc<Shared>>) -> Result<Response, ApiError> {
    let loaded = loaded(&shared)?;
    let set = loaded.rules.rule_set();
    let name = |names: &covenant::model::NameMap, i: u32| -> String {
        names
            .iter()
            .find(|(_, v)| **v == i)
            .map_or_else(String::new, |(k, _)| k.clone())
    };
    let files: Vec<Value> = loaded
        .rules
        .sources()
        .iter()
        .map(|(_, s)| json!({"name": s.name, "bytes": s.text.len()}))
        .collect();
    let agreements: Vec<Value> = set
        .agreements
        .iter()
        .map(|a| {
            json!({
                "id": a.name.id,
                "parties": a.parties.iter().map(|p| name(&set.names.parties, *p)).collect::<Vec<_>>(),
                "signed": covenant::time::iso(loaded.engine.env().day(a.signed).day),
                "clauses": a.clauses.iter().filter_map(|c| set.clauses.get(*c as usize)).map(|c| c.qualified.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let clauses: Vec<Value> = set
        .clauses
        .iter()
        .map(|c| json!({"id": c.qualified, "title": c.title}))
        .collect();
    let assumptions = serde_json::to_value(loaded.engine.assumptions()).unwrap_or(Value::Null);
    let ids = |kind| loaded.rules.ids(kind);
    use covenant::rules::IdKind;
    let sorted = |names: &covenant::model::NameMap| {
        let mut v: Vec<(&u32, &String)> = names.iter().map(|(k, v)| (v, k)).collect();
        v.sort();
        v.into_iter().map(|(_, k)| k.clone()).collect::<Vec<_>>()
    };
    let reload = match shared.reload.lock() {
        Ok(s) => s.clone(),
        Err(p) => p.into_inner().clone(),
    };
    let body = json!({
        "version": loaded.version,
        "loaded_at": loaded.loaded_at,
        "files": files,
        "set": shared.base_set,
        "agreements": agreements,
        "clauses": clauses,
        "assumptions": assumptions,
        "ids": {
            "products": ids(IdKind::Product),
            "clouds": ids(IdKind::Cloud),
            "parties": ids(IdKind::Party),
            "agreements": ids(IdKind::Agreement),
            "territories": sorted(&set.names.territories),
            "fields": sorted(&set.names.fields),
        },
        "warnings": loaded.rules.warnings().len(),
        "watching": !shared.paths.is_empty(),
        "last_reload": {
            "at": reload.at,
            "ok": reload.at.as_ref().map(|_| reload.ok),
            "error": reload.error,
            "diagnostics": reload.diagnostics,
            "tried": reload.tried,
            "refused": reload.refused,
        },
    });
    Ok(json_response(body.to_string()))
}

/// The clauses in force over time as SVG, under the query's `as_of` and `set` values.
async fn chart(State(shared): State<Arc<Shared>>, req: Request) -> Result<Response, ApiError> {
    let q = query(req.uri().query(), &["as_of", "set"])?;
    let set = q.set;
    let as_of = q.pairs.into_iter().next().map(|(_, v)| v);
    let loaded = loaded(&shared)?;
    let engine = engine(&shared, &loaded, &set, as_of.as_deref()).await?;
    let svg = covenant::legal::chart::svg(engine.rules(), engine.consolidated(), engine.env());
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("image/svg+xml"),
        )],
        svg,
    )
        .into_response())
}

// ----- health, readiness, metrics, the page -------------------------------------------------

async fn health() -> Response {
    json_response(json!({"status": "live"}).to_string())
}

/// Ready while the rules are in and every decision can be recorded.
async fn ready(State(shared): State<Arc<Shared>>) -> Response {
    if let Some(why) = shared.log.as_ref().and_then(|l| l.broken()) {
        return ApiError::new(StatusCode::SERVICE_UNAVAILABLE, None, why).into_response();
    }
    match shared.loaded() {
        Some(l) => {
            json_response(json!({"status": "ready", "rules_version": l.version}).to_string())
        }
        None => ApiError::loading().into_response(),
    }
}

async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
    if let Some(log) = &shared.log {
        shared.metrics.log_errors(log.errors());
    }
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
        )],
        shared.metrics.render(),
    )
        .into_response()
}

async fn page() -> Html<&'static str> {
    Html(include_str!("page.html"))
}

async fn not_found(State(shared): State<Arc<Shared>>, req: Request) -> ApiError {
    shared.metrics.request("unmatched", 404, 0.0);
    ApiError::new(
        StatusCode::NOT_FOUND,
        None,
        format!(
            "no route {} {}: the service has {ROUTE_LIST}",
            req.method(),
            covenant::diag::shown(req.uri().path(), 80)
        ),
    )
}

/// A route asked with another method: 405 with the methods it takes (`Allow` is set too).
async fn wrong_method(req: Request) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        None,
        format!(
            "{} is not a method of {}: the service has {ROUTE_LIST}",
            req.method(),
            covenant::diag::shown(req.uri().path(), 80)
        ),
    )
}

const ROUTE_LIST: &str = "POST /v1/ask, /v1/batch, /v1/statement, /v1/check and GET /v1/ask, /v1/rules, /v1/chart.svg, /health, /ready, /metrics, /";
