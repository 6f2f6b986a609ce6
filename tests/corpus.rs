//! The corpus: one case a file under `tests/cases/<area>/`, with a snapshot of its rendered
//! diagnostics. A file named `*_fail.cov` must be rejected; any other must check (its warnings,
//! if any, are snapshotted too).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

#[test]
fn corpus() {
    insta::glob!("cases/**/*.cov", |path| {
        let (failed, rendered) = common::diagnostics_of(path);
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        if name.ends_with("_fail") {
            assert!(failed, "{} should be rejected", path.display());
            assert!(rendered.contains("error["), "{rendered}");
        } else {
            assert!(!failed, "{} should check:\n{rendered}", path.display());
        }
        insta::assert_snapshot!(rendered);
    });
}

#[test]
fn every_shipped_rule_file_checks_clean() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut sources = covenant::Sources::new();
    sources.load_path(&dir).unwrap_or_else(|e| panic!("{e}"));
    let checked = covenant::check(sources).unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
    // The shipped rules check clean but for the collisions the public story describes: Frontier's
    // AWS exclusivity against Azure exclusivity from the Amazon signing to the restructuring, and
    // against the first-on-Azure right after it.
    let warnings: Vec<String> = checked
        .warnings
        .iter()
        .map(|w| format!("{}: {}", w.code, w.message))
        .collect();
    assert_eq!(
        warnings,
        [
            "exclusivities-collide: `amazon_openai.frontier_on_aws` and `msft_openai.azure_only` leave `frontier` no cloud at all, from 2026-02-27 until 2026-04-27 (59 days)",
            "exclusivity-blocks-first-launch: `amazon_openai.frontier_on_aws` forbids `azure`, where `msft_openai.azure_first` requires `frontier` to launch first, from 2026-04-27 on",
        ]
    );
    assert_eq!(
        checked.rules.sources.len(),
        covenant::Sources::embedded().len()
    );
}

#[test]
fn an_empty_rule_set_is_an_error() {
    let failure = covenant::check(covenant::Sources::new()).err();
    assert!(failure.is_some_and(|f| f.diagnostics[0].code == "empty-rule-set"));
}

type Checked = Result<covenant::check::Checked, covenant::check::Failure>;

/// Checks sources read whole, or lean (agreements hollow, read again as the model is built).
fn read(sources: &covenant::Sources, lean: bool) -> Checked {
    let mut errors = Vec::new();
    let mut trees = Vec::new();
    for (id, src) in sources.iter() {
        let (tree, e) = if lean {
            covenant::syntax::parse_lean(id, &src.text)
        } else {
            covenant::syntax::parse(id, &src.text)
        };
        if lean {
            for item in &tree.items {
                if let covenant::syntax::ast::Item::Agreement(a) = item {
                    assert!(a.hollow && a.clauses.is_empty() && a.parties.is_empty());
                }
            }
        }
        errors.extend(e);
        trees.push(tree);
    }
    covenant::check::check_parsed(sources.clone(), trees, errors)
}

/// What a check gives, in full: the model's clauses, agreements and amendments and every
/// warning, or every problem.
fn shown(r: &Checked) -> String {
    match r {
        Ok(c) => format!(
            "{:?}\n{:?}\n{:?}\n{:?}",
            c.rules.clauses, c.rules.agreements, c.rules.amendments, c.warnings
        ),
        Err(f) => format!("{:?}", f.diagnostics),
    }
}

/// `check` reads a large rule set's agreements again one at a time from a lean tree
/// (`parse_lean`), a small one and the language server's whole trees. Both must give the same
/// model and the same problems, for every corpus case (those whose clauses fail to parse
/// included), the shipped rules and the example deals.
#[test]
fn a_lean_tree_checks_as_a_whole_one() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sets: Vec<std::path::PathBuf> = vec![root.join("rules")];
    let deals = root.join("examples/deals");
    for entry in std::fs::read_dir(&deals).unwrap() {
        sets.push(entry.unwrap().path());
    }
    let mut stack = vec![root.join("tests/cases")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "cov") {
                sets.push(path);
            }
        }
    }
    let mut failing = 0;
    for path in &sets {
        let mut sources = covenant::Sources::new();
        sources.load_path(path).unwrap();
        sources.sort_by_name();
        let (lean, whole) = (read(&sources, true), read(&sources, false));
        failing += usize::from(lean.is_err());
        assert_eq!(shown(&lean), shown(&whole), "{}", path.display());
    }
    // The cases that fail exercise trees with clauses that could not be read.
    assert!(failing > 20, "{failing} failing sets");
    assert!(sets.len() > 40, "{} sets", sets.len());
}

#[path = "../benches/gen/mod.rs"]
mod gen;

/// A rule set over a megabyte is read lean by `check` itself, and checks as it does whole:
/// agreements of both generated shapes (0.1 terms; 0.2 terms, renewals, records, territories).
#[test]
fn a_large_rule_set_is_read_lean_and_checks_alike() {
    for text in [gen::rules(2200), gen::rules_02(2000)] {
        assert!(text.len() > 1 << 20);
        let mut sources = covenant::Sources::new();
        sources.add("large.cov", text);
        let checked = covenant::check(sources.clone());
        assert!(checked.is_ok(), "{}", shown(&checked));
        assert_eq!(shown(&checked), shown(&read(&sources, false)));
    }
}

/// Header terms may follow clauses, and a clause may be broken: the head read again from a lean
/// tree passes over exactly the clauses read the first time.
#[test]
fn a_head_after_clauses_is_read_again_alike() {
    let texts = [
        "party a\nparty b\ncloud c operated by a\nproduct p by a\n\
         agreement g {\n  licence l { a grants b use of product p }\n  between a and b\n\
         exclusivity term { deploy product p only on c }\n  signed 2024-01-31\n  term 1 year\n\
         renews every 1 month unless notice 10 days\n}\n",
        "party a\nparty b\nproduct p by a\n\
         agreement g {\n  licence l { a grants b use of }\n  between a and b\n\
         licence m  a grants b use of product p }\n  signed 2024-01-31\n  term 1 year\n}\n",
        // Two broken clauses, then a header term the first reading reads after them.
        "party a\nagreement g {\n  between a and b\n  signed 2020-01-01\n\
         exclusivity e { deploy produc d }\n  license l { or b }\n until 2030-01-01 or ev\n}\n",
    ];
    for text in texts {
        let mut sources = covenant::Sources::new();
        sources.add("head.cov", text);
        let (lean, whole) = (read(&sources, true), read(&sources, false));
        assert_eq!(shown(&lean), shown(&whole), "{text}");
    }
    let mut sources = covenant::Sources::new();
    sources.add("head.cov", texts[0]);
    let checked = read(&sources, true);
    assert!(checked.is_ok(), "{}", shown(&checked));
}
