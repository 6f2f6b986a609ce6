//! Territories and fields of use (language 0.2): a forbid speaks wherever its scope overlaps
//! the place asked about; a licence permits only where its scope covers it. Worked by hand.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;
use common::decision;

use covenant::{Decision, Engine, Rules};

const DEAL: &str = "party nordlicht
party atlas
party kestrel
channel atlas_store operated by atlas
product lens by nordlicht
product kt101 by nordlicht
territory europe
territory eu \"European Union\" within europe
territory fr \"France\" within eu
territory de within eu
territory uk within europe
territory ch within europe
field medicine
field oncology within medicine
field veterinary
agreement reseller_eu {
  between nordlicht and atlas
  signed 2026-01-01
  licence resale { nordlicht grants atlas deploy of product lens in eu except de }
  rule no_uk { forbid deploy product lens in uk }
}
agreement patent {
  between nordlicht and kestrel
  signed 2026-01-01
  licence onco { nordlicht grants kestrel use of product kt101 in field oncology }
}
";

fn engine() -> Engine {
    Rules::from_text("deal.cov", DEAL)
        .unwrap_or_else(|f| panic!("{f}"))
        .engine(&covenant::Options::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

use Decision::{Forbidden, Permitted};

#[test]
fn a_licence_permits_only_where_it_covers_the_place() {
    let e = engine();
    for (place, want) in [
        (" in fr", Permitted),
        (" in de", Forbidden),     // the exception
        (" in eu", Forbidden),     // Germany is in the EU and excepted
        ("", Forbidden),           // the whole world is not covered
        (" in uk", Forbidden),     // outside the EU
        (" in europe", Forbidden), // more than the EU
    ] {
        let q = format!("deploy lens on atlas_store by atlas{place} at 2026-06-01");
        assert_eq!(decision(&e, &q), want, "{q}");
    }
    let answer = e
        .ask("deploy lens on atlas_store by atlas in fr at 2026-06-01")
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(
        answer.to_string().contains(
            "nordlicht grants atlas non-exclusive deploy of product lens in eu except de"
        ),
        "{answer}"
    );
}

#[test]
fn a_forbid_speaks_wherever_its_scope_overlaps_the_place() {
    let e = engine();
    for (place, want) in [
        ("", Forbidden),           // the world holds the UK
        (" in europe", Forbidden), // so does Europe
        (" in uk", Forbidden),
        (" in fr", Permitted),
        (" in ch", Permitted),
    ] {
        let q = format!("deploy lens on atlas_store{place} at 2026-06-01");
        assert_eq!(decision(&e, &q), want, "{q}");
    }
    let answer = e
        .ask("deploy lens on atlas_store in europe at 2026-06-01")
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(answer.to_string().contains("in uk"), "{answer}");
}

#[test]
fn fields_of_use_cover_like_places() {
    let e = engine();
    for (field, want) in [
        (" in field oncology", Permitted),
        (" in field medicine", Forbidden), // more than oncology
        (" in field veterinary", Forbidden),
        ("", Forbidden),
    ] {
        let q = format!("use kt101 by kestrel{field} at 2026-06-01");
        assert_eq!(decision(&e, &q), want, "{q}");
    }
    // A place and a field together.
    assert_eq!(
        decision(
            &e,
            "use kt101 by kestrel in fr in field oncology at 2026-06-01"
        ),
        Permitted
    );
}

#[test]
fn places_in_questions_are_checked_and_echoed() {
    let e = engine();
    let err = e
        .ask("deploy lens on atlas_store in france at 2026-06-01")
        .err()
        .map(|x| x.to_string());
    assert!(
        err.as_deref()
            .is_some_and(|m| m.contains("unknown territory `france`")),
        "{err:?}"
    );
    let when = e
        .ask("deploy lens on atlas_store by atlas in fr")
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(
        when.to_string()
            .starts_with("deploy lens on atlas_store by atlas in fr\n"),
        "{when}"
    );
    // A batch line with a place is answered for that place.
    let mut out = Vec::new();
    covenant::eval::batch::answer_lines(
        &e,
        "deploy lens on atlas_store by atlas in fr at 2026-06-01\n".as_bytes(),
        &mut out,
    )
    .unwrap_or_else(|err| panic!("{err}"));
    assert!(
        String::from_utf8_lossy(&out).contains("\"decision\":\"permitted\""),
        "{}",
        String::from_utf8_lossy(&out)
    );
}

#[test]
fn regions_in_a_circle_and_money_with_a_place_are_refused() {
    let circle = Rules::from_text("c.cov", "territory a within b\nterritory b within a\n");
    let msg = circle.err().map(|f| f.to_string()).unwrap_or_default();
    assert!(msg.contains("error[cycle]"), "{msg}");
    let money = Rules::from_text(
        "m.cov",
        "party a\nparty b\nterritory fr\nagreement g {\n  between a and b\n  signed 2020-01-01\n  revenue_share s { a pays b 5% of a revenue in fr }\n}\n",
    );
    let msg = money.err().map(|f| f.to_string()).unwrap_or_default();
    assert!(
        msg.contains("a money clause takes no place or field"),
        "{msg}"
    );
    let world = Rules::from_text("w.cov", "territory world\n");
    let msg = world.err().map(|f| f.to_string()).unwrap_or_default();
    assert!(msg.contains("`world` is declared already"), "{msg}");
}

#[test]
fn scopes_format_and_read_back() {
    let once = covenant::fmt::format(DEAL).unwrap_or_else(|err| panic!("{err:?}"));
    assert!(
        once.contains("territory fr \"France\" within eu\n"),
        "{once}"
    );
    assert!(once.contains("    in eu except de\n"), "{once}");
    assert!(once.contains("    in field oncology\n"), "{once}");
    assert_eq!(
        covenant::fmt::format(&once).ok().as_deref(),
        Some(once.as_str())
    );
}

#[test]
fn licences_add_up_where_one_covers_what_another_excepts() {
    let text = DEAL.replace(
        "  rule no_uk { forbid deploy product lens in uk }",
        "  rule no_uk { forbid deploy product lens in uk }\n  licence germany { nordlicht grants atlas deploy of product lens in de }",
    );
    let e = Rules::from_text("deal.cov", &text)
        .unwrap_or_else(|f| panic!("{f}"))
        .engine(&covenant::Options::default())
        .unwrap_or_else(|err| panic!("{err}"));
    for (place, want) in [
        (" in eu", Permitted), // EU except DE, plus DE
        (" in de", Permitted),
        (" in fr", Permitted),
        (" in europe", Forbidden), // the UK, Switzerland: no licence
        ("", Forbidden),
    ] {
        let q = format!("deploy lens on atlas_store by atlas{place} at 2026-06-01");
        assert_eq!(decision(&e, &q), want, "{q}");
    }
    let answer = e
        .ask("deploy lens on atlas_store by atlas in eu at 2026-06-01")
        .unwrap_or_else(|err| panic!("{err}"));
    let text = answer.to_string();
    assert!(
        text.contains("reseller_eu.resale") && text.contains("reseller_eu.germany"),
        "{text}"
    );
}

// ----- random geographies against a literal, set-based reading --------------------------------

mod random {
    use std::collections::BTreeSet;

    use covenant::{Decision, Rules};
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    struct Geo {
        /// For territory i (named t{i}, i ≥ 1), the earlier territories it lies within.
        within: Vec<Vec<usize>>,
        /// Licences and forbid rules: (places, exceptions).
        licences: Vec<(Vec<usize>, Vec<usize>)>,
        rules: Vec<(Vec<usize>, Vec<usize>)>,
        /// The place asked about (0: the world).
        place: usize,
    }

    fn geo() -> impl Strategy<Value = Geo> {
        (2usize..7).prop_flat_map(|n| {
            let within = (1..=n)
                .map(|i| {
                    proptest::collection::vec(1..i.max(2), 0..3)
                        .prop_map(move |v| v.into_iter().filter(|p| *p < i).collect::<Vec<_>>())
                })
                .collect::<Vec<_>>();
            let scope = (
                proptest::collection::vec(1..=n, 0..3),
                proptest::collection::vec(1..=n, 0..2),
            );
            (
                within,
                proptest::collection::vec(scope.clone(), 0..4),
                proptest::collection::vec(scope, 0..3),
                0..=n,
            )
                .prop_map(|(within, licences, rules, place)| Geo {
                    within,
                    licences,
                    rules,
                    place,
                })
        })
    }

    fn render(g: &Geo) -> String {
        let mut t =
            String::from("party owner\nparty atlas\nchannel store\nproduct lens by owner\n");
        for (i, w) in g.within.iter().enumerate() {
            let i = i + 1;
            t.push_str(&format!("territory t{i}"));
            let mut w: Vec<usize> = w.clone();
            w.sort_unstable();
            w.dedup();
            if !w.is_empty() {
                let names: Vec<String> = w.iter().map(|p| format!("t{p}")).collect();
                t.push_str(&format!(" within {}", names.join(", ")));
            }
            t.push('\n');
        }
        let scope = |(places, except): &(Vec<usize>, Vec<usize>)| {
            let names = |v: &[usize]| {
                v.iter()
                    .map(|p| format!("t{p}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut s = String::new();
            if !places.is_empty() {
                s.push_str(&format!(" in {}", names(places)));
                if !except.is_empty() {
                    s.push_str(&format!(" except {}", names(except)));
                }
            }
            s
        };
        t.push_str("agreement g {\n  between owner and atlas\n  signed 2026-01-01\n");
        for (i, l) in g.licences.iter().enumerate() {
            t.push_str(&format!(
                "  licence l{i} {{ owner grants atlas deploy of product lens{} }}\n",
                scope(l)
            ));
        }
        for (i, r) in g.rules.iter().enumerate() {
            t.push_str(&format!(
                "  rule r{i} {{ forbid deploy product lens{} }}\n",
                scope(r)
            ));
        }
        t.push_str("}\n");
        t
    }

    /// The parts of each territory: itself and every territory within it (the world: all).
    fn parts(g: &Geo) -> Vec<BTreeSet<usize>> {
        let n = g.within.len();
        let mut out = vec![BTreeSet::new(); n + 1];
        out[0] = (0..=n).collect();
        for t in 1..=n {
            // t lies within every ancestor: walk up.
            let mut stack = vec![t];
            let mut seen = BTreeSet::new();
            while let Some(x) = stack.pop() {
                if !seen.insert(x) {
                    continue;
                }
                out[x].insert(t);
                stack.extend(g.within[x - 1].iter().copied());
            }
        }
        out
    }

    /// The parts a scope speaks of: its places' parts (everything when it names none), less
    /// its exceptions' parts (exceptions only count with places, as written).
    fn region(
        parts: &[BTreeSet<usize>],
        (places, except): &(Vec<usize>, Vec<usize>),
    ) -> BTreeSet<usize> {
        let mut r: BTreeSet<usize> = if places.is_empty() {
            parts[0].clone()
        } else {
            places
                .iter()
                .flat_map(|p| parts[*p].iter().copied())
                .collect()
        };
        if !places.is_empty() {
            for x in except {
                for a in &parts[*x] {
                    r.remove(a);
                }
            }
        }
        r
    }

    fn literal(g: &Geo) -> Decision {
        let parts = parts(g);
        let asked = &parts[g.place];
        let forbidden = g
            .rules
            .iter()
            .any(|r| !region(&parts, r).is_disjoint(asked));
        let licensed: BTreeSet<usize> = g.licences.iter().flat_map(|l| region(&parts, l)).collect();
        if forbidden || !asked.is_subset(&licensed) {
            Decision::Forbidden
        } else {
            Decision::Permitted
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        #[test]
        fn place_answers_agree_with_the_literal_reading(g in geo()) {
            let text = render(&g);
            let rules = Rules::from_text("g.cov", &text).map_err(|f| TestCaseError::fail(format!("{f}\n{text}")))?;
            let engine = rules
                .engine(&covenant::Options::default())
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let place = if g.place == 0 { String::new() } else { format!(" in t{}", g.place) };
            let q = format!("deploy lens on store by atlas{place} at 2026-06-01");
            let answer = engine.ask(&q).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(answer.decision(), Some(literal(&g)), "{}\n{}\n{}", q, text, answer);
        }
    }
}
