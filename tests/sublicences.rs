//! Sublicences (language 0.2), worked by hand: who may license a product onward, when a
//! consent is needed and when it is on record, how far a sublicence reaches (only where and
//! when its licensor may license onward, link by link), and what `--as-of` hides.

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
use Decision::{Forbidden, Permitted};

const DEAL: &str = "party kestrel
party lumen
party hoshi
party mori
party nordwind
party lumen_jp affiliate of lumen
territory asia
territory jp within asia
territory kr within asia
territory eu
product kt101 by kestrel
agreement kt_licence {
  between kestrel and lumen
  signed 2026-01-10
  term 5 years
  licence main {
    kestrel grants lumen with affiliates use, deploy of product kt101
    in asia
    sublicensable with consent of kestrel
  }
}
agreement lumen_hoshi {
  between lumen and hoshi
  signed 2026-03-01
  licence sub { lumen grants hoshi use of product kt101 in jp sublicensable }
}
agreement hoshi_mori {
  between hoshi and mori
  signed 2026-03-01
  licence subsub { hoshi grants mori use of product kt101 in jp }
}
agreement kt_eu {
  between kestrel and nordwind
  signed 2026-01-10
  licence eu_free { kestrel grants nordwind deploy of product kt101 in eu sublicensable }
}
on 2026-04-15: kestrel consents kt101 to hoshi
";

fn engine(extra: &str, as_of: Option<&str>) -> Engine {
    let rules =
        Rules::from_text("deal.cov", &format!("{DEAL}{extra}")).unwrap_or_else(|f| panic!("{f}"));
    let options = rules
        .options([], as_of.and_then(covenant::time::parse_day))
        .unwrap();
    rules.engine(&options).unwrap_or_else(|e| panic!("{e}"))
}

fn expect(e: &Engine, question: &str, days: &[(&str, Decision)]) {
    for (day, want) in days {
        let q = format!("{question} at {day}");
        assert_eq!(decision(e, &q), *want, "{q}");
    }
}

#[test]
fn a_consent_opens_licensing_onward_on_its_day() {
    let e = engine("", None);
    expect(
        &e,
        "license kt101 by lumen to hoshi in jp",
        &[
            ("2026-01-09", Forbidden),
            ("2026-04-14", Forbidden),
            ("2026-04-15", Permitted),
            // The licence ends with its five-year term.
            ("2031-01-09", Permitted),
            ("2031-01-10", Forbidden),
        ],
    );
    let a = e
        .ask("license kt101 by lumen to hoshi in jp at 2026-04-14")
        .unwrap();
    assert!(
        a.to_string()
            .contains("awaits the consent of kestrel to hoshi"),
        "{a}"
    );
    // A consent names its party: none is on record for mori.
    expect(
        &e,
        "license kt101 by lumen to mori in jp",
        &[("2027-01-01", Forbidden)],
    );
}

#[test]
fn licensing_onward_only_within_the_licence_scope() {
    let e = engine("", None);
    // Asia covers jp and kr, not the world or the eu.
    expect(
        &e,
        "license kt101 by lumen to hoshi in kr",
        &[("2026-05-01", Permitted)],
    );
    expect(
        &e,
        "license kt101 by lumen to hoshi",
        &[("2026-05-01", Forbidden)],
    );
    expect(
        &e,
        "license kt101 by lumen to hoshi in eu",
        &[("2026-05-01", Forbidden)],
    );
}

#[test]
fn without_a_consent_clause_the_licensee_may_license_onward_at_once() {
    let e = engine("", None);
    expect(
        &e,
        "license kt101 by nordwind to hoshi in eu",
        &[("2026-01-09", Forbidden), ("2026-01-10", Permitted)],
    );
}

#[test]
fn the_owner_asked_by_name_is_the_owners_question() {
    let e = engine("", None);
    let a = e
        .ask("license kt101 by kestrel to hoshi at 2026-05-01")
        .unwrap();
    let b = e.ask("license kt101 to hoshi at 2026-05-01").unwrap();
    assert_eq!(a.decision(), b.decision());
    assert_eq!(a.decision(), Some(Permitted));
}

#[test]
fn affiliates_license_onward_under_with_affiliates() {
    let e = engine("on 2026-06-01: kestrel consents kt101 to mori\n", None);
    expect(
        &e,
        "license kt101 by lumen_jp to mori in jp",
        &[("2026-05-31", Forbidden), ("2026-06-01", Permitted)],
    );
}

#[test]
fn a_sublicence_reaches_only_while_its_licensor_may_license_onward() {
    let e = engine("", None);
    // hoshi's use under lumen's sublicence: signed 2026-03-01, but lumen may license onward
    // to hoshi only from the consent, 2026-04-15.
    expect(
        &e,
        "use kt101 by hoshi in jp",
        &[
            ("2026-02-28", Forbidden),
            ("2026-03-01", Forbidden),
            ("2026-04-14", Forbidden),
            ("2026-04-15", Permitted),
            ("2031-01-09", Permitted),
            ("2031-01-10", Forbidden),
        ],
    );
    let a = e.ask("use kt101 by hoshi in jp at 2026-04-01").unwrap();
    assert!(
        a.to_string()
            .contains("in force only while lumen may license kt101 onward to hoshi"),
        "{a}"
    );
    // And a sublicence of the sublicence: mori through hoshi through lumen.
    expect(
        &e,
        "use kt101 by mori in jp",
        &[
            ("2026-04-14", Forbidden),
            ("2026-04-15", Permitted),
            ("2031-01-10", Forbidden),
        ],
    );
    // Outside the sublicence's own scope nothing reaches.
    expect(&e, "use kt101 by mori in kr", &[("2026-05-01", Forbidden)]);
}

#[test]
fn a_consent_not_yet_recorded_is_hidden_as_of_an_earlier_day() {
    let e = engine("", Some("2026-04-01"));
    expect(
        &e,
        "license kt101 by lumen to hoshi in jp",
        &[("2026-05-01", Forbidden)],
    );
    expect(&e, "use kt101 by hoshi in jp", &[("2026-05-01", Forbidden)]);
}

#[test]
fn a_forbid_license_rule_done_by_the_licensee_wins() {
    let e = engine(
        "agreement hold { between kestrel and lumen signed 2026-05-01 rule no_onward { forbid license product kt101 done by lumen } }\n",
        None,
    );
    expect(
        &e,
        "license kt101 by lumen to hoshi in jp",
        &[("2026-04-30", Permitted), ("2026-05-01", Forbidden)],
    );
}

#[test]
fn a_licensee_without_a_sublicensable_licence_licenses_nothing_onward() {
    let e = engine("", None);
    expect(
        &e,
        "license kt101 by mori to nordwind in jp",
        &[("2026-05-01", Forbidden)],
    );
}
