//! The corpus: one case a file under `tests/cases/<area>/`, with a snapshot of its rendered
//! diagnostics. A file named `*_fail.cov` must be rejected; any other must check (its warnings,
//! if any, are snapshotted too).

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
    assert!(checked.warnings.is_empty(), "{:?}", checked.warnings);
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
