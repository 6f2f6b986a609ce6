//! Hostile input: huge files, lines and numbers, deep nesting, extreme dates, empty ledgers. Each
//! gets a clear answer or a clear error, never a panic; and the fuzz corpora replayed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use covenant::finance::ledger::BadRows;
use covenant::finance::{self, Input, ReadOptions};
use covenant::{check, Sources};

fn rules(text: &str) -> Result<covenant::Checked, Vec<String>> {
    let mut sources = Sources::new();
    sources.add("hostile.cov", text);
    check(sources).map_err(|f| f.diagnostics.iter().map(|d| d.message.clone()).collect())
}

fn ledger(text: &[u8]) -> Result<covenant::finance::revshare::Report, String> {
    let engine = common::shipped();
    let plans = finance::plans(&engine, &[]).map_err(|e| e.to_string())?;
    let input = Input::Stream(
        "hostile.csv".into(),
        Box::new(std::io::Cursor::new(text.to_vec())),
    );
    finance::run(plans, vec![input], &ReadOptions::new(BadRows::Stop)).map_err(|e| e.to_string())
}

#[test]
fn ten_thousand_nested_braces() {
    let text = format!(
        "party a\nagreement g {}{}\n",
        "{".repeat(10_000),
        "}".repeat(10_000)
    );
    let errors = rules(&text).err().unwrap_or_default();
    assert!(!errors.is_empty());
    assert!(errors.iter().all(|e| e.len() < 300), "{errors:?}");
    let unclosed = format!("party a\nagreement g {}", "{".repeat(10_000));
    assert!(rules(&unclosed).is_err());
}

#[test]
fn a_large_rule_file_checks() {
    // 5 MB here (50 MB is measured by hand in BENCHMARKS.md).
    let mut text = String::from("party a\nparty b\ncloud c operated by a\nproduct p by a\n");
    let mut i = 0;
    while text.len() < 5_000_000 {
        text.push_str(&format!(
            "agreement g{i} {{ between a and b signed 2020-01-01 rule r {{ forbid deploy product p on c until 2030-01-01 }} }}\n"
        ));
        i += 1;
    }
    let checked = rules(&text).unwrap_or_else(|e| panic!("{:?}", &e[..e.len().min(3)]));
    assert_eq!(checked.rules.agreements.len(), i);
}

#[test]
fn a_megabyte_question() {
    let engine = common::shipped();
    let long = format!("deploy {} on aws at 2026-05-01", "x".repeat(1 << 20));
    let err = engine
        .parse(&long)
        .err()
        .map(|e| e.message)
        .unwrap_or_default();
    assert!(
        err.starts_with("unknown product `xxx"),
        "{}",
        &err[..err.len().min(80)]
    );
    let words = "deploy ".repeat(150_000);
    assert!(engine.parse(&words).is_err());
}

#[test]
fn a_ten_megabyte_ledger_line() {
    let mut text = b"date,party,stream,amount,currency\n2026-05-01,openai,".to_vec();
    text.extend(std::iter::repeat_n(b'x', 10 << 20));
    text.extend(b",100.00,USD\n");
    let report = ledger(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.rows_read, 1);
    let mut text = b"date,party,stream,amount,currency\n2026-05-01,openai,api,".to_vec();
    text.extend(std::iter::repeat_n(b'9', 10 << 20));
    text.extend(b",USD\n");
    let err = ledger(&text).err().unwrap_or_default();
    assert!(
        err.starts_with("hostile.csv:2: bad amount"),
        "{}",
        &err[..err.len().min(80)]
    );
}

#[test]
fn forty_digit_amounts() {
    let forty = "1234567890123456789012345678901234567890";
    let errors = rules(&format!("assume cap = USD {forty}\n"))
        .err()
        .unwrap_or_default();
    assert!(errors[0].contains("out of range"), "{errors:?}");
    let err = ledger(
        format!("date,party,stream,amount,currency\n2026-05-01,openai,api,{forty},USD\n")
            .as_bytes(),
    )
    .err()
    .unwrap_or_default();
    assert!(err.contains("bad amount"), "{err}");
    let engine = common::shipped();
    let err =
        covenant::check::parse_override(engine.rules(), &format!("revenue_share_cap=USD {forty}"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
    assert!(err.contains("out of range"), "{err}");
}

#[test]
fn years_zero_and_9999() {
    let text = "party a\nparty b\ncloud c operated by a\ncloud d operated by b\nproduct p by a\n\
                agreement g { between a and b signed 0000-01-01 exclusivity e { deploy product p only on c through 9999 } }\n\
                on 9999-12-31: a launches p on d\n";
    let checked = rules(text).unwrap_or_else(|e| panic!("{e:?}"));
    let engine = covenant::Engine::new(checked.rules, &covenant::Options::default())
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        common::decide(&engine, "deploy p on d at 9999-12-31").as_str(),
        "forbidden"
    );
    assert_eq!(
        common::decide(&engine, "deploy p on d at 0000-01-01").as_str(),
        "forbidden"
    );
    // A lead that would run past the calendar's end is never met, never a panic.
    let text = "party a\nparty b\ncloud c operated by a\ncloud d operated by b\nproduct p by a\n\
                agreement g { between a and b signed 2020-01-01 first_launch f { product p launch first on c lead 4000000000 years } }\n\
                on 2020-01-01: a launches p on c\n";
    let checked = rules(text).unwrap_or_else(|e| panic!("{e:?}"));
    let engine = covenant::Engine::new(checked.rules, &covenant::Options::default())
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        common::decide(&engine, "deploy p on d at 9999-12-31").as_str(),
        "forbidden"
    );
    let shipped = common::shipped();
    assert_eq!(
        common::decide(&shipped, "deploy gpt_5_5 on aws at 9999-12-31").as_str(),
        "permitted"
    );
    assert_eq!(
        common::decide(&shipped, "deploy gpt_5_5 on aws at 0000-01-01").as_str(),
        "permitted"
    );
    let report = ledger(b"date,party,stream,amount,currency\n9999-12-31,openai,api,1.00,USD\n0000-01-01,openai,api,1.00,USD\n")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.rows_read, 2);
}

#[test]
fn empty_and_header_only_ledgers() {
    assert!(ledger(b"")
        .err()
        .unwrap_or_default()
        .contains("the ledger is empty"));
    let report = ledger(b"date,party,stream,amount,currency\n").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.rows_read, 0);
    assert!(report.tallies.iter().all(|t| t.rows == 0));
}

#[test]
fn the_fuzz_corpora_replay_without_panics() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut replayed = 0;
    for (target, run) in [
        ("rules", covenant::fuzzing::rules as fn(&[u8])),
        ("question", covenant::fuzzing::question),
        ("ledger", covenant::fuzzing::ledger),
        ("set_value", covenant::fuzzing::set_value),
    ] {
        for entry in std::fs::read_dir(root.join(target))
            .into_iter()
            .flatten()
            .flatten()
        {
            let bytes = std::fs::read(entry.path()).unwrap_or_default();
            run(&bytes);
            replayed += 1;
        }
    }
    assert!(replayed >= 60, "only {replayed} corpus entries");
}

/// An event ended by a word 0.2 puts after a happening is an event, not a party acting: a
/// clause's `until EVENT` before its `in` scope (the order `covenant fmt` writes), `from EVENT`
/// before `survives`, and a termination right `on EVENT with notice` all read as written, and
/// the formatted text keeps every answer.
#[test]
fn an_event_before_a_term_is_an_event() {
    let rules = |terms: &str, right: &str| {
        format!(
            r#"party a "A"
party b "B"
product p "P" by a
territory europe "Europe"
territory asia "Asia"
event missed "Missed"
agreement ag "Ag" {{
  between a and b
  signed 2024-01-01
  {right}
  licence l {{
    a grants b use of product p
    {terms}
  }}
}}
on 2026-06-01: missed
"#
        )
    };
    let questions = [
        (
            "use p by b in europe at 2025-01-01",
            covenant::Decision::Permitted,
        ),
        (
            "use p by b in asia at 2025-01-01",
            covenant::Decision::Forbidden,
        ),
        (
            "use p by b in europe at 2026-06-01",
            covenant::Decision::Forbidden,
        ),
    ];
    for terms in [
        "in europe\n    until missed",
        "until missed\n    in europe",
        "until missed in europe",
        "until missed + 0 days in europe",
    ] {
        for right in ["", "terminable by b on missed with notice 30 days"] {
            let text = rules(terms, right);
            let formatted =
                covenant::fmt::format(&text).unwrap_or_else(|d| panic!("{terms}: {d:?}"));
            for text in [&text, &formatted] {
                let engine = common::engine(text);
                for (q, want) in questions {
                    assert_eq!(common::decision(&engine, q), want, "{q} under\n{text}");
                }
            }
        }
    }
}

/// A rate above 100% is marked where it is written, the first (below the first bound) too: it
/// used to be marked on the rate of the next tier.
#[test]
fn a_bad_tier_rate_is_marked_where_it_is() {
    for (text, bad) in [
        ("150% up to USD 10, 7% up to USD 100, 5% above", "150%"),
        ("5% up to USD 10, 170% up to USD 100, 5% above", "170%"),
        ("5% up to USD 10, 7% up to USD 100, 190% above", "190%"),
    ] {
        let rules = format!(
            "party a \"A\"\nparty b \"B\"\nagreement g {{\n  between a and b\n  signed 2026-01-01\n  revenue_share r {{ a pays b {text} of a revenue }}\n}}\n"
        );
        let mut sources = Sources::new();
        sources.add("tiers.cov", rules.as_str());
        let failure = check(sources)
            .err()
            .unwrap_or_else(|| panic!("{text}: accepted"));
        let d = &failure.diagnostics[0];
        let at = rules.find(bad).unwrap_or_else(|| panic!("{bad}"));
        assert_eq!(
            (d.span.start as usize, d.message.as_str()),
            (
                at,
                format!("a tier's rate of {} is above 100%", bad).as_str()
            ),
            "{text}"
        );
    }
}
