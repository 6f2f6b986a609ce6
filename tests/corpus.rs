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

/// `check` reads agreements' clauses again one at a time from a lean tree (`parse_lean`); the
/// language server checks whole trees. Both must give the same model and the same problems, for
/// every corpus case (those whose clauses fail to parse included), the shipped rules and the
/// example deals.
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
        let lean = covenant::check(sources.clone());
        let mut errors = Vec::new();
        let mut trees = Vec::new();
        for (id, src) in sources.iter() {
            let (tree, e) = covenant::syntax::parse(id, &src.text);
            errors.extend(e);
            trees.push(tree);
        }
        let whole = covenant::check::check_parsed(sources, trees, errors);
        let shown = |r: &Result<covenant::check::Checked, covenant::check::Failure>| match r {
            Ok(c) => format!(
                "{:?}\n{:?}\n{:?}\n{:?}",
                c.rules.clauses, c.rules.agreements, c.rules.amendments, c.warnings
            ),
            Err(f) => format!("{:?}", f.diagnostics),
        };
        failing += usize::from(lean.is_err());
        assert_eq!(shown(&lean), shown(&whole), "{}", path.display());
    }
    // The cases that fail exercise trees with clauses that could not be read.
    assert!(failing > 20, "{failing} failing sets");
    assert!(sets.len() > 40, "{} sets", sets.len());
}
