//! The library façade as a user of the crate meets it: rules read and checked, engines for
//! what-ifs, questions typed or built from ids, answers rendered both ways and read back.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use chrono::NaiveDate;
use covenant::{Answer, Decision, Options, Rules, Subject};

fn day(text: &str) -> NaiveDate {
    covenant::time::parse_day(text).unwrap_or_else(|| panic!("{text}"))
}

fn shipped() -> Rules {
    Rules::shipped().unwrap_or_else(|f| panic!("{f}"))
}

#[test]
fn a_built_question_is_answered_as_its_words_are() {
    let rules = shipped();
    let engine = rules
        .engine(&Options::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let gpt = engine.product("gpt_5_5").unwrap_or_else(|e| panic!("{e}"));
    let aws = engine.cloud("bedrock").unwrap_or_else(|e| panic!("{e}"));
    let built = Subject::Deploy {
        product: gpt,
        cloud: aws,
    }
    .at(day("2026-04-26"));
    let answer = engine.answer(&built).unwrap_or_else(|e| panic!("{e}"));
    let asked = engine
        .ask("deploy gpt_5_5 on aws at 2026-04-26")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answer, asked);
    assert_eq!(answer.decision(), Some(Decision::Forbidden));
    // A *when* question: windows over all time, the first forbidden and the last permitted.
    let when = engine
        .answer(
            &Subject::Deploy {
                product: gpt,
                cloud: aws,
            }
            .when(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(when.decision(), None);
    let windows = when.windows();
    assert!(windows.len() >= 2, "{when}");
    assert_eq!(windows.first().map(|w| w.from), Some(None));
    assert_eq!(windows.last().map(|w| w.until), Some(None));
}

#[test]
fn unknown_ids_name_the_nearest() {
    let engine = shipped()
        .engine(&Options::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let err = engine.product("gpt5").err().map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("unknown product `gpt5`; did you mean `gpt_5_5`?")
    );
    assert!(engine.cloud("bedrok").is_err());
    assert!(engine.party("openai").is_ok());
}

#[test]
fn a_question_built_for_other_rules_is_refused_not_answered_by_default() {
    let big = shipped()
        .engine(&Options::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let small = Rules::from_text(
        "small.cov",
        "party a\nparty b\ncloud c operated by a\nproduct p by a\n",
    )
    .unwrap_or_else(|f| panic!("{f}"))
    .engine(&Options::default())
    .unwrap_or_else(|e| panic!("{e}"));
    let last = big
        .rules()
        .products
        .len()
        .checked_sub(1)
        .and_then(|i| big.product(&big.rules().products[i].name.id).ok());
    let Some(product) = last else {
        panic!("no product")
    };
    let aws = big.cloud("aws").unwrap_or_else(|e| panic!("{e}"));
    let q = Subject::Deploy {
        product,
        cloud: aws,
    }
    .at(day("2026-05-01"));
    assert!(big.answer(&q).is_ok());
    assert!(small.answer(&q).is_err());
}

#[test]
fn what_ifs_are_options_of_the_same_rules() {
    let rules = shipped();
    let base = rules
        .engine(&Options::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let options = rules
        .options(["azure_lead=30 days"], None)
        .unwrap_or_else(|e| panic!("{e}"));
    let what_if = rules.engine(&options).unwrap_or_else(|e| panic!("{e}"));
    let q = "deploy gpt_5_5 on aws at 2026-05-01";
    let a = base.ask(q).unwrap_or_else(|e| panic!("{e}"));
    let b = what_if.ask(q).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a.decision(), Some(Decision::Permitted));
    // Launched on Azure 2026-04-23: with a 30-day lead, Bedrock waits until 2026-05-23.
    assert_eq!(b.decision(), Some(Decision::Forbidden));
    let lead = b.assumed.iter().find(|x| x.id == "azure_lead");
    assert_eq!(
        lead.map(|x| (x.value.as_str(), x.set_for_run)),
        Some(("30 days", true))
    );
    assert!(
        b.to_string()
            .contains("azure_lead = 30 days (set for this run)"),
        "{b}"
    );
}

#[test]
fn an_answer_with_a_ledger_position_reads_back() {
    let rules = shipped();
    let options = rules
        .options(["revenue_share_cap=USD 1_000"], None)
        .unwrap_or_else(|e| panic!("{e}"));
    let engine = rules.engine(&options).unwrap_or_else(|e| panic!("{e}"));
    let ledger =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/ledgers/refunds.csv");
    let read = covenant::finance::ReadOptions::for_engine(
        &engine,
        covenant::finance::ledger::BadRows::Stop,
    );
    let (answer, _) = covenant::finance::ask(
        &engine,
        "pay openai to microsoft at 2026-07-02",
        vec![covenant::finance::Input::File(ledger)],
        &read,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answer.decision(), Some(Decision::NotDue));
    let position = answer
        .ledger
        .as_ref()
        .unwrap_or_else(|| panic!("no position"));
    // The revenue share, and (language 0.2) OpenAI's Azure commitment, not yet ended.
    assert_eq!(position.clauses.len(), 2);
    assert_eq!(position.clauses[1].clause, "msft_openai.azure_purchase");
    assert_eq!(
        position.clauses[0].remaining.map(|d| d.to_string()),
        Some("0".into())
    );
    let back: Answer = serde_json::from_str(&answer.to_json()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back.to_json(), answer.to_json());
    assert_eq!(back.to_string(), answer.to_string());
    // Another schema is refused, not misread.
    let other = answer.to_json().replace("\"schema\":1", "\"schema\":2");
    assert!(serde_json::from_str::<Answer>(&other).is_err());
}

#[test]
fn only_a_cloud_word_is_an_alias_and_a_batch_echoes_as_ask_does() {
    let rules = Rules::from_text(
        "r.cov",
        "party bedrock\nparty acme\ncloud aws operated by acme alias bedrock\nproduct p by acme\n",
    )
    .unwrap_or_else(|f| panic!("{f}"));
    let engine = rules
        .engine(&Options::default())
        .unwrap_or_else(|e| panic!("{e}"));
    // `bedrock` the party is no alias; `bedrock` the cloud word is.
    let used = engine
        .ask("use p by bedrock at 2026-01-01")
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(used.aliases.is_empty(), "{used}");
    let deployed = engine
        .ask("deploy p on bedrock at 2026-01-01")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(deployed.aliases.len(), 1);
    // A batch line with tabs and double spaces echoes the question as ask does.
    for line in [
        "deploy\tp on bedrock at 2026-01-01",
        "use p  by bedrock at 2026-01-01",
    ] {
        let mut out = Vec::new();
        covenant::eval::batch::answer_lines(&engine, line.as_bytes(), &mut out)
            .unwrap_or_else(|e| panic!("{e}"));
        let asked = engine.ask(line).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            String::from_utf8_lossy(&out),
            format!("{}\n", asked.to_json())
        );
    }
}

#[test]
fn an_assumption_set_to_its_own_value_is_still_set_for_the_run() {
    let rules = shipped();
    let options = rules
        .options(["azure_lead=0 days"], None)
        .unwrap_or_else(|e| panic!("{e}"));
    let engine = rules.engine(&options).unwrap_or_else(|e| panic!("{e}"));
    let answer = engine
        .ask("deploy gpt_5_5 on aws at 2026-05-01")
        .unwrap_or_else(|e| panic!("{e}"));
    let lead = answer.assumed.iter().find(|a| a.id == "azure_lead");
    assert_eq!(lead.map(|a| a.set_for_run), Some(true), "{answer}");
}

#[test]
fn ids_by_kind_in_declaration_order() {
    let rules = shipped();
    let agreements = rules.ids(covenant::rules::IdKind::Agreement);
    // Files are read in the order of their names (`amazon_openai.cov` first).
    assert_eq!(agreements, ["amazon_openai", "msft_openai"]);
    let clouds = rules.ids(covenant::rules::IdKind::Cloud);
    assert!(
        clouds.contains(&"aws") && clouds.contains(&"bedrock"),
        "{clouds:?}"
    );
}

#[test]
fn control_characters_in_titles_are_escaped_in_text_answers() {
    let rules = Rules::from_text(
        "r.cov",
        "party a\nparty b\ncloud x operated by a\nproduct p by a\nagreement g {\n  between a and b\n  signed 2020-01-01\n  rule r \"bell\u{7}\" { forbid deploy product p on x }\n}\n",
    )
    .unwrap_or_else(|f| panic!("{f}"));
    let engine = rules
        .engine(&Options::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let answer = engine
        .ask("deploy p on x at 2021-01-01")
        .unwrap_or_else(|e| panic!("{e}"));
    let text = answer.to_string();
    assert!(!text.contains('\u{7}'), "{text:?}");
    assert!(answer.to_json().contains("\\u0007"), "{}", answer.to_json());
}

#[test]
fn ask_json_writes_what_the_answer_serializes_to_cold_and_warm() {
    // The shipped rules over generated questions of every form, and each worked deal over its
    // own case questions (places, fields, actors, agreements), with and without the day.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sets: Vec<(Rules, Vec<String>)> = vec![(
        shipped(),
        std::fs::read_to_string(root.join("fixtures/questions.txt"))
            .unwrap_or_else(|e| panic!("{e}"))
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect(),
    )];
    for deal in ["reseller_eu", "patent_licence", "film_slate", "marketplace"] {
        let dir = root.join("examples/deals").join(deal);
        let rules = Rules::load([dir.join("rules.cov")]).unwrap_or_else(|e| panic!("{e}"));
        let cases =
            std::fs::read_to_string(dir.join("cases.yaml")).unwrap_or_else(|e| panic!("{e}"));
        let mut asked: Vec<String> = cases
            .lines()
            .filter_map(|l| l.trim().strip_prefix("ask: "))
            .map(|q| q.trim_matches('"').to_string())
            .collect();
        // Each again without its day: the *when* answer.
        let whens: Vec<String> = asked
            .iter()
            .filter_map(|q| q.split_once(" at ").map(|(w, _)| w.to_string()))
            .collect();
        asked.extend(whens);
        sets.push((rules, asked));
    }
    let mut compared = 0;
    for (rules, questions) in sets {
        let engine = rules
            .engine(&Options::default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(questions.len() >= 10);
        for pass in 0..2 {
            for q in &questions {
                let Ok(answer) = engine.ask(q) else {
                    assert!(engine.ask_json(q).is_err(), "{q}");
                    continue;
                };
                let json = engine.ask_json(q).unwrap_or_else(|e| panic!("{q}: {e}"));
                assert_eq!(json, answer.to_json(), "pass {pass}: {q}");
                compared += 1;
            }
        }
    }
    assert!(compared > 200, "{compared}");
}
