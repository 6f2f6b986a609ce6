//! Amendments that replace a clause's 0.2 terms (section 8): its scope, a licence's rights,
//! `with affiliates` and `sublicensable`, a first offer's period, a clause's survival. Each
//! takes effect on the amendment's day and leaves every other part as it was.

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

const HEAD: &str = "party kestrel
party lumen
party lumen_kk affiliate of lumen
party hoshi
party mori
territory asia
territory jp within asia
territory kr within asia
field oncology
field cardiology
channel pharmacies
product kt101 by kestrel
agreement kt {
  between kestrel and lumen
  signed 2026-01-10
  term 4 years
  licence main { kestrel grants lumen use of product kt101 in jp in field oncology }
  first_offer rofo { product kt101 offered first to lumen within 30 days }
  rule no_mori { forbid use product kt101 done by mori }
}
on 2027-03-01: kestrel offers kt101 to lumen
";

fn engine(amendment: &str) -> Engine {
    let text = format!("{HEAD}amendment widen amends kt {{ signed 2027-01-01 {amendment} }}\n");
    let rules = Rules::from_text("kt.cov", &text).unwrap_or_else(|f| panic!("{f}"));
    rules.engine(&Default::default()).unwrap()
}

fn expect(e: &Engine, cases: &[(&str, Decision)]) {
    for (q, want) in cases {
        assert_eq!(decision(e, q), *want, "{q}");
    }
}

#[test]
fn a_new_place_and_field_take_effect_on_the_amendments_day() {
    let e = engine("amend main { in asia except kr in field cardiology }");
    expect(
        &e,
        &[
            // Before: Japan, oncology only.
            (
                "use kt101 by lumen in jp in field oncology at 2026-12-31",
                Permitted,
            ),
            (
                "use kt101 by lumen in jp in field cardiology at 2026-12-31",
                Forbidden,
            ),
            // After: Asia but Korea, cardiology only (the fields are replaced, not added to).
            (
                "use kt101 by lumen in jp in field cardiology at 2027-01-01",
                Permitted,
            ),
            (
                "use kt101 by lumen in jp in field oncology at 2027-01-01",
                Forbidden,
            ),
            (
                "use kt101 by lumen in kr in field cardiology at 2027-01-01",
                Forbidden,
            ),
            (
                "use kt101 by lumen in asia in field cardiology at 2027-01-01",
                Forbidden,
            ),
        ],
    );
}

#[test]
fn rights_and_affiliates_are_replaced() {
    let e = engine("amend main { deploy with affiliates }");
    expect(
        &e,
        &[
            (
                "deploy kt101 on pharmacies by lumen in jp in field oncology at 2026-12-31",
                Forbidden,
            ),
            (
                "deploy kt101 on pharmacies by lumen in jp in field oncology at 2027-01-01",
                Permitted,
            ),
            (
                "use kt101 by lumen_kk in jp in field oncology at 2026-12-31",
                Forbidden,
            ),
            (
                "use kt101 by lumen_kk in jp in field oncology at 2027-01-01",
                Permitted,
            ),
        ],
    );
}

#[test]
fn sublicensing_is_granted_and_withdrawn() {
    let granted = engine("amend main { sublicensable }");
    expect(
        &granted,
        &[
            (
                "license kt101 by lumen to hoshi in jp in field oncology at 2026-12-31",
                Forbidden,
            ),
            (
                "license kt101 by lumen to hoshi in jp in field oncology at 2027-01-01",
                Permitted,
            ),
        ],
    );
    let text = format!(
        "{}amendment later amends kt {{ signed 2027-06-01 amend main {{ not sublicensable }} }}\n",
        HEAD.replace(
            "use of product kt101 in jp in field oncology }",
            "use of product kt101 in jp in field oncology sublicensable }"
        )
    );
    let rules = Rules::from_text("kt.cov", &text).unwrap_or_else(|f| panic!("{f}"));
    let e = rules.engine(&Default::default()).unwrap();
    expect(
        &e,
        &[
            (
                "license kt101 by lumen to hoshi in jp in field oncology at 2027-05-31",
                Permitted,
            ),
            (
                "license kt101 by lumen to hoshi in jp in field oncology at 2027-06-01",
                Forbidden,
            ),
        ],
    );
}

#[test]
fn a_longer_offer_period_moves_the_lapse() {
    // Offered 2027-03-01: within 30 days it lapses on 2027-03-31, within 60 days on 2027-04-30.
    let e = engine("amend rofo { within 60 days }");
    expect(
        &e,
        &[
            ("license kt101 to hoshi at 2027-04-29", Forbidden),
            ("license kt101 to hoshi at 2027-04-30", Permitted),
        ],
    );
}

#[test]
fn survival_added_by_amendment_outlives_the_agreement() {
    // The agreement ends 2030-01-10; the licence survives it by a year.
    let e = engine("amend main { survives 1 year }");
    expect(
        &e,
        &[
            (
                "use kt101 by lumen in jp in field oncology at 2031-01-09",
                Permitted,
            ),
            (
                "use kt101 by lumen in jp in field oncology at 2031-01-10",
                Forbidden,
            ),
        ],
    );
}

#[test]
fn who_a_rule_speaks_of_is_replaced() {
    let text = HEAD.replace(
        "term 4 years\n",
        "term 4 years\n  licence to_mori { kestrel grants mori use of product kt101 }\n  licence to_hoshi { kestrel grants hoshi use of product kt101 }\n",
    );
    let text = format!(
        "{text}amendment swap amends kt {{ signed 2027-01-01 amend no_mori {{ done by hoshi }} }}\n"
    );
    let rules = Rules::from_text("kt.cov", &text).unwrap_or_else(|f| panic!("{f}"));
    let e = rules.engine(&Default::default()).unwrap();
    expect(
        &e,
        &[
            ("use kt101 by mori at 2026-12-31", Forbidden),
            ("use kt101 by hoshi at 2026-12-31", Permitted),
            ("use kt101 by mori at 2027-01-01", Permitted),
            ("use kt101 by hoshi at 2027-01-01", Forbidden),
        ],
    );
}

#[test]
fn terms_that_do_not_fit_the_clause_are_errors() {
    let text = format!(
        "{HEAD}amendment bad amends kt {{ signed 2027-01-01 amend rofo {{ deploy sublicensable }} amend main {{ done by hoshi within 10 days }} }}\n"
    );
    let Err(failure) = Rules::from_text("kt.cov", &text) else {
        panic!("accepted");
    };
    let text = failure.to_string();
    for want in [
        "has no rights to amend",
        "has no sublicensing to amend",
        "has no who acts to amend",
        "has no offer period to amend",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
}
