//! Cedar and regorus over HTTP, in the wrapper `covenant serve` uses (axum on tokio's
//! multi-threaded runtime, a JSON body `{"question": "deploy P on C at DAY"}` in, a JSON answer
//! out), so that a load against each measures the engines and not the stacks. `/fixed` answers
//! every request with one fixed body: the stack alone, the baseline.

use std::cell::RefCell;
use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use regorus::rvm::vm::RegoVM;
use serde::Deserialize;

use super::{fail, rvm, rvm_allows, Cedar, World};

#[derive(Deserialize)]
struct Ask {
    question: String,
}

const FIXED: &str = r#"{"question":"deploy gpt_5_5 on aws at 2026-05-01","decision":"permitted","reasons":[],"assumptions":[],"schema":1}"#;

/// The words of `deploy P on C at DAY`, `launch P on C at DAY` or `license P to Q at DAY`.
fn words(body: &[u8]) -> Option<(String, [String; 4])> {
    let ask: Ask = serde_json::from_slice(body).ok()?;
    let w: Vec<&str> = ask.question.split_ascii_whitespace().collect();
    match w.as_slice() {
        [action @ ("deploy" | "launch" | "license"), product, _, target, "at", date] => Some((
            ask.question.clone(),
            [
                (*action).to_string(),
                (*product).to_string(),
                (*target).to_string(),
                (*date).to_string(),
            ],
        )),
        _ => None,
    }
}

fn answer(question: &str, yes: bool) -> Response {
    let body = serde_json::json!({
        "question": question,
        "decision": if yes { "permitted" } else { "forbidden" },
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn bad() -> Response {
    (StatusCode::BAD_REQUEST, "bad question").into_response()
}

thread_local! {
    /// Each worker's own VM: a RegoVM holds its registers and is not shared between threads.
    static VM: RefCell<Option<RegoVM>> = const { RefCell::new(None) };
}

pub fn run(listen: &str, world: World) {
    let cedar = Arc::new(Cedar::load(&world));
    let world = Arc::new(world);
    let app = Router::new()
        .route(
            "/fixed",
            post(|_body: Bytes| async {
                ([(header::CONTENT_TYPE, "application/json")], FIXED).into_response()
            }),
        )
        .route(
            "/cedar",
            post(move |body: Bytes| {
                let cedar = Arc::clone(&cedar);
                async move {
                    let Some((q, [a, p, t, d])) = words(&body) else {
                        return bad();
                    };
                    answer(&q, cedar.allows(&Cedar::request_of(&a, &p, &t, &d)))
                }
            }),
        )
        .route(
            "/regorus",
            post(move |body: Bytes| {
                let world = Arc::clone(&world);
                async move {
                    let Some((q, [a, p, t, d])) = words(&body) else {
                        return bad();
                    };
                    let yes = VM.with(|vm| {
                        let mut vm = vm.borrow_mut();
                        let vm = vm.get_or_insert_with(|| rvm(&world));
                        rvm_allows(vm, super::rego_input_of(&a, &p, &t, &d))
                    });
                    answer(&q, yes)
                }
            }),
        );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(e));
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .unwrap_or_else(|e| fail(format!("--listen {listen}: {e}")));
        let address = listener.local_addr().unwrap_or_else(|e| fail(e));
        println!("peer-bench serve: listening on http://{address}");
        axum::serve(listener, app).await.unwrap_or_else(|e| fail(e));
    });
}
