//! covenant against Cedar (cedar-policy, datetime extension) and Rego (regorus, its VM) on the
//! shipped rules: the same deploy, launch and licence questions to all three, every answer
//! checked to agree, and the time per question printed side by side from one run.
//!
//! `cargo run --release -p peer-bench -- [--questions N] [--seed S]`
//!
//! `peer-bench serve` puts Cedar and regorus behind the same axum wrapper as `covenant serve`
//! (and a handler that returns a fixed body, the baseline); `peer-bench bodies N` prints request
//! bodies for a load. `peer-bench/serve-load.sh` runs wrk against all four.
//!
//! The Cedar and Rego encodings (policies/) are the shipped rules as consolidated with the
//! shipped assumptions; the facts they need (owners, tags, first Azure launch, Microsoft's
//! declines) are taken from covenant's own checked model, so all three read one world.

use std::hint::black_box;
use std::str::FromStr;
use std::time::Instant;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, EntityUid, PolicySet, Request, RestrictedExpression,
    Schema, ValidationMode, Validator,
};
use chrono::NaiveDate;
use covenant::model::Happening;
use covenant::{Engine, Options, Sources, Subject};
use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::vm::RegoVM;
use serde_json::json;

const SCHEMA: &str = include_str!("../policies/shipped.cedarschema");
const CEDAR: &str = include_str!("../policies/shipped.cedar");
const REGO: &str = include_str!("../policies/shipped.rego");
const ENTRY: &str = "data.contracts.allow";

mod serve;

/// One question in every engine's terms.
struct Question {
    action: &'static str,
    product: String,
    /// A cloud for deploy/launch, a party for license.
    target: String,
    date: String,
    subject: Subject,
    day: NaiveDate,
    text: String,
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }
}

fn fail(msg: impl std::fmt::Display) -> ! {
    eprintln!("peer-bench: {msg}");
    std::process::exit(2)
}

/// Facts of the shipped world, from covenant's model.
struct World {
    products: Vec<(String, String, Vec<String>)>,
    clouds: Vec<String>,
    parties: Vec<String>,
    azure_launch: Vec<(String, String)>,
    declined: Vec<(String, String)>,
}

fn world(engine: &Engine) -> World {
    let r = engine.rules();
    let mut azure_launch: Vec<(String, String)> = Vec::new();
    let mut declined: Vec<(String, String)> = Vec::new();
    let mut records: Vec<_> = r.records.iter().collect();
    records.sort_by_key(|x| x.day);
    for rec in records {
        if let Happening::Act {
            party,
            verb,
            object: covenant::model::Object::Product(product),
            cloud,
            ..
        } = &rec.happening
        {
            let p = r.product(*product).to_string();
            let day = covenant::time::iso(rec.day);
            if verb == "launches"
                && cloud.map(|c| r.cloud(c)) == Some("azure")
                && !azure_launch.iter().any(|(q, _)| *q == p)
            {
                azure_launch.push((p.clone(), day.clone()));
            }
            if r.party(*party) == "microsoft"
                && (verb == "declines" || verb == "cannot_support")
                && !declined.iter().any(|(q, _)| *q == p)
            {
                declined.push((p, day));
            }
        }
    }
    World {
        products: r
            .products
            .iter()
            .map(|p| {
                (
                    p.name.id.clone(),
                    r.party(p.owner).to_string(),
                    p.tags.clone(),
                )
            })
            .collect(),
        clouds: r.clouds.iter().map(|c| c.name.id.clone()).collect(),
        parties: r.parties.iter().map(|p| p.name.id.clone()).collect(),
        azure_launch,
        declined,
    }
}

fn questions(engine: &Engine, w: &World, n: usize, seed: u64) -> Vec<Question> {
    let mut rng = Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B);
    let start = NaiveDate::from_ymd_opt(2018, 1, 1).unwrap_or_default();
    let span =
        (NaiveDate::from_ymd_opt(2034, 12, 31).unwrap_or_default() - start).num_days() as usize + 1;
    (0..n)
        .map(|_| {
            let action = ["deploy", "deploy", "launch", "license"][rng.below(4)];
            let product = w.products[rng.below(w.products.len())].0.clone();
            let target = if action == "license" {
                w.parties[rng.below(w.parties.len())].clone()
            } else {
                w.clouds[rng.below(w.clouds.len())].clone()
            };
            let day = start + chrono::Days::new(rng.below(span) as u64);
            let date = covenant::time::iso(day);
            let text = match action {
                "license" => format!("license {product} to {target} at {date}"),
                _ => format!("{action} {product} on {target} at {date}"),
            };
            let q = engine
                .parse(&text)
                .unwrap_or_else(|e| fail(format!("{text}: {e}")));
            Question {
                action,
                product,
                target,
                date,
                subject: q.subject,
                day,
                text,
            }
        })
        .collect()
}

struct Cedar {
    authorizer: Authorizer,
    policies: PolicySet,
    entities: Entities,
}

impl Cedar {
    fn load(w: &World) -> Cedar {
        let (schema, _) =
            Schema::from_cedarschema_str(SCHEMA).unwrap_or_else(|e| fail(format!("schema: {e:?}")));
        let policies =
            PolicySet::from_str(CEDAR).unwrap_or_else(|e| fail(format!("policies: {e:?}")));
        let v = Validator::new(schema.clone()).validate(&policies, ValidationMode::Strict);
        if !v.validation_passed() {
            fail(format!(
                "cedar validation: {:?}",
                v.validation_errors()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
            ));
        }
        let dt = |d: &str| json!({"__extn": {"fn": "datetime", "arg": d}});
        let mut ents = Vec::new();
        for p in &w.parties {
            ents.push(json!({"uid": {"type": "Party", "id": p}, "attrs": {}, "parents": []}));
        }
        for c in &w.clouds {
            ents.push(json!({"uid": {"type": "Cloud", "id": c}, "attrs": {}, "parents": []}));
        }
        for (p, owner, tags) in &w.products {
            let mut attrs = serde_json::Map::new();
            attrs.insert("tags".into(), json!(tags));
            if let Some((_, d)) = w.azure_launch.iter().find(|(q, _)| q == p) {
                attrs.insert("azure_launch".into(), dt(d));
            }
            if let Some((_, d)) = w.declined.iter().find(|(q, _)| q == p) {
                attrs.insert("ms_declined".into(), dt(d));
            }
            ents.push(json!({"uid": {"type": "Product", "id": p}, "attrs": attrs, "parents": [{"type": "Party", "id": owner}]}));
        }
        let entities = Entities::from_json_value(serde_json::Value::Array(ents), Some(&schema))
            .unwrap_or_else(|e| fail(format!("entities: {e:?}")));
        Cedar {
            authorizer: Authorizer::new(),
            policies,
            entities,
        }
    }

    fn request(q: &Question) -> Request {
        Cedar::request_of(q.action, &q.product, &q.target, &q.date)
    }

    /// A request from a question's words (`deploy P on C at DAY`: action, product, cloud or
    /// party, day).
    fn request_of(action: &str, product: &str, target: &str, date: &str) -> Request {
        let uid = |t: &str, id: &str| {
            EntityUid::from_str(&format!("{t}::{id:?}")).unwrap_or_else(|e| fail(e))
        };
        let resource = if action == "license" {
            uid("Party", target)
        } else {
            uid("Cloud", target)
        };
        let ctx =
            Context::from_pairs([("date".to_string(), RestrictedExpression::new_datetime(date))])
                .unwrap_or_else(|e| fail(e));
        Request::new(
            uid("Product", product),
            uid("Action", action),
            resource,
            ctx,
            None,
        )
        .unwrap_or_else(|e| fail(e))
    }

    fn allows(&self, r: &Request) -> bool {
        self.authorizer
            .is_authorized(r, &self.policies, &self.entities)
            .decision()
            == Decision::Allow
    }
}

fn rego_data(w: &World) -> regorus::Value {
    let mut products = serde_json::Map::new();
    for (p, owner, tags) in &w.products {
        products.insert(p.clone(), json!({"owner": owner, "tags": tags}));
    }
    let map = |v: &[(String, String)]| {
        v.iter()
            .map(|(p, d)| (p.clone(), json!(d)))
            .collect::<serde_json::Map<_, _>>()
    };
    let data = json!({"products": products, "azure_launch": map(&w.azure_launch), "ms_declined": map(&w.declined)});
    regorus::Value::from_json_str(&data.to_string()).unwrap_or_else(|e| fail(e))
}

fn rego_input(q: &Question) -> regorus::Value {
    rego_input_of(q.action, &q.product, &q.target, &q.date)
}

/// The Rego input from a question's words.
fn rego_input_of(action: &str, product: &str, target: &str, date: &str) -> regorus::Value {
    let key = if action == "license" {
        "party"
    } else {
        "cloud"
    };
    let mut v = regorus::Value::new_object();
    if let Ok(o) = v.as_object_mut() {
        o.insert("action".into(), action.into());
        o.insert("product".into(), product.into());
        o.insert(key.into(), target.into());
        o.insert("date".into(), date.into());
    }
    v
}

fn rvm(w: &World) -> RegoVM {
    let mut engine = regorus::Engine::new();
    engine
        .add_policy("shipped.rego".into(), REGO.into())
        .unwrap_or_else(|e| fail(e));
    let compiled = engine
        .compile_with_entrypoint(&ENTRY.into())
        .unwrap_or_else(|e| fail(e));
    let program = Compiler::compile_from_policy(&compiled, &[ENTRY]).unwrap_or_else(|e| fail(e));
    let mut vm = RegoVM::new();
    vm.load_program(program);
    vm.set_data(rego_data(w)).unwrap_or_else(|e| fail(e));
    vm
}

fn rvm_allows(vm: &mut RegoVM, input: regorus::Value) -> bool {
    vm.set_input(input);
    matches!(vm.execute(), Ok(regorus::Value::Bool(true)))
}

/// Runs `f` over every question (after a warm-up pass) and returns ns per question.
fn time<T>(qs: &[T], mut f: impl FnMut(&T) -> bool) -> f64 {
    let warm = qs.len().min(10_000);
    for q in qs.iter().take(warm) {
        black_box(f(q));
    }
    let t = Instant::now();
    let mut yes = 0usize;
    for q in qs {
        yes += usize::from(f(black_box(q)));
    }
    black_box(yes);
    t.elapsed().as_nanos() as f64 / qs.len().max(1) as f64
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        // `peer-bench serve --listen ADDR`: Cedar, regorus and a fixed body over HTTP.
        Some("serve") => {
            let listen = args
                .iter()
                .position(|a| a == "--listen")
                .and_then(|i| args.get(i + 1))
                .map_or("127.0.0.1:0", String::as_str);
            let checked = covenant::check(Sources::embedded())
                .unwrap_or_else(|_| fail("the shipped rules do not check"));
            let engine =
                Engine::new(checked.rules, &Options::default()).unwrap_or_else(|_| fail("compile"));
            serve::run(listen, world(&engine));
            return;
        }
        // `peer-bench bodies N`: N request bodies `{"question": …}`, one a line, for a load.
        Some("bodies") => {
            let n = args
                .get(2)
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| fail("bodies takes a count"));
            let checked = covenant::check(Sources::embedded())
                .unwrap_or_else(|_| fail("the shipped rules do not check"));
            let engine =
                Engine::new(checked.rules, &Options::default()).unwrap_or_else(|_| fail("compile"));
            let w = world(&engine);
            for q in questions(&engine, &w, n, 42) {
                println!("{}", json!({ "question": q.text }));
            }
            return;
        }
        _ => {}
    }
    let flag = |name: &str, default: u64| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map_or(default, |v| {
                v.parse()
                    .unwrap_or_else(|_| fail(format!("{name} takes a number")))
            })
    };
    let n = flag("--questions", 200_000) as usize;
    let seed = flag("--seed", 42);
    let checked = covenant::check(Sources::embedded())
        .unwrap_or_else(|_| fail("the shipped rules do not check"));
    let engine =
        Engine::new(checked.rules, &Options::default()).unwrap_or_else(|_| fail("compile"));
    let w = world(&engine);
    let qs = questions(&engine, &w, n, seed);
    let cedar = Cedar::load(&w);
    let mut vm = rvm(&w);

    // Agreement on every question first.
    let requests: Vec<Request> = qs.iter().map(Cedar::request).collect();
    let inputs: Vec<regorus::Value> = qs.iter().map(rego_input).collect();
    let mut disagreements = 0;
    for (i, q) in qs.iter().enumerate() {
        let c = engine.at(q.subject, q.day).decision.is_yes();
        let ce = cedar.allows(&requests[i]);
        let re = rvm_allows(&mut vm, inputs[i].clone());
        if c != ce || c != re {
            disagreements += 1;
            if disagreements <= 5 {
                eprintln!("disagree: {}: covenant={c} cedar={ce} rego={re}", q.text);
            }
        }
    }
    // Read from its text, every question is the one built: the timed reading answers them.
    let misread = qs
        .iter()
        .filter(|q| {
            engine
                .parse(&q.text)
                .map_or(true, |p| p.subject != q.subject || p.at != Some(q.day))
        })
        .count();
    if misread > 0 {
        fail(format!("{misread} questions read otherwise than built"));
    }
    let permitted = qs
        .iter()
        .filter(|q| engine.at(q.subject, q.day).decision.is_yes())
        .count();
    println!(
        "questions={n} seed={seed} permitted={permitted} forbidden={} agree={}",
        n - permitted,
        disagreements == 0
    );

    // covenant's answer carries its reasons and assumptions: read them, so that the time is
    // that of a full answer, not of a decision alone.
    // Each engine's pre-built requests in a vector of their own, as Cedar's and regorus's are.
    let resolved: Vec<(Subject, NaiveDate)> = qs.iter().map(|q| (q.subject, q.day)).collect();
    let covenant_ns = time(&resolved, |(subject, day)| {
        let w = engine.at(*subject, *day);
        black_box(w.reasons.len() + w.assumptions.ids().len());
        w.decision.is_yes()
    });
    // The subject and the day both as read from the text.
    let covenant_text_ns = time(&qs, |q| {
        engine
            .parse(&q.text)
            .ok()
            .and_then(|p| Some(engine.at(p.subject, p.at?).decision.is_yes()))
            .unwrap_or(false)
    });
    let cedar_ns = time(&requests, |r| cedar.allows(r));
    let cedar_build_ns = time(&qs, |q| cedar.allows(&Cedar::request(q)));
    let rvm_ns = time(&inputs, |input| rvm_allows(&mut vm, input.clone()));
    let rvm_build_ns = time(&qs, |q| rvm_allows(&mut vm, rego_input(q)));
    println!("engine=covenant               ns_per_question={covenant_ns:.1}   (resolved question, with reasons and assumptions)");
    println!("engine=covenant+parse         ns_per_question={covenant_text_ns:.1}   (from the question's text)");
    println!("engine=cedar                  ns_per_question={cedar_ns:.1}");
    println!("engine=cedar+build            ns_per_question={cedar_build_ns:.1}");
    println!("engine=regorus_rvm            ns_per_question={rvm_ns:.1}");
    println!("engine=regorus_rvm+build      ns_per_question={rvm_build_ns:.1}");
    println!("ratio cedar/covenant={:.0}x regorus_rvm/covenant={:.0}x (pre-built requests against resolved questions)", cedar_ns / covenant_ns, rvm_ns / covenant_ns);
    println!("ratio cedar+build/covenant+parse={:.0}x regorus_rvm+build/covenant+parse={:.0}x (all from raw words)", cedar_build_ns / covenant_text_ns, rvm_build_ns / covenant_text_ns);
    if disagreements > 0 {
        std::process::exit(1);
    }
}
