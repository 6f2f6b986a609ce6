//! Window arithmetic and point-in-time reading, worked at the edge days: the day before, of and
//! after every boundary.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;
use common::*;

const WORLD: &str = "
party a
party b
party c
cloud home operated by a alias house
cloud away operated by b
product p by a tagged api
product q by a tagged model
event ev
";

fn rules(body: &str) -> covenant::Engine {
    engine(&format!("{WORLD}\n{body}"))
}

fn exclusivity(terms: &str) -> covenant::Engine {
    rules(&format!(
        "agreement g {{ between a and b signed 2020-01-01
           exclusivity e {{ deploy products tagged api only on home {terms} }} }}"
    ))
}

#[test]
fn until_a_day_is_exclusive() {
    let e = exclusivity("until 2026-04-27");
    assert_eq!(
        decide(&e, "deploy p on away at 2019-12-31").as_str(),
        "permitted"
    );
    assert_eq!(
        decide(&e, "deploy p on away at 2020-01-01").as_str(),
        "forbidden"
    );
    assert_eq!(
        decide(&e, "deploy p on away at 2026-04-26").as_str(),
        "forbidden"
    );
    assert_eq!(
        decide(&e, "deploy p on away at 2026-04-27").as_str(),
        "permitted"
    );
    assert_eq!(
        decide(&e, "deploy p on home at 2026-04-26").as_str(),
        "permitted"
    );
}

#[test]
fn through_a_year_a_month_or_a_day_is_inclusive() {
    for (terms, last, first_free) in [
        ("through 2032", "2032-12-31", "2033-01-01"),
        ("through 2030-12", "2030-12-31", "2031-01-01"),
        ("through 2024-02", "2024-02-29", "2024-03-01"),
        ("through 2026-04-26", "2026-04-26", "2026-04-27"),
    ] {
        let e = exclusivity(terms);
        assert_eq!(
            decide(&e, &format!("deploy p on away at {last}")).as_str(),
            "forbidden",
            "{terms}"
        );
        assert_eq!(
            decide(&e, &format!("deploy p on away at {first_free}")).as_str(),
            "permitted",
            "{terms}"
        );
    }
}

#[test]
fn from_overrides_the_signing_day() {
    let e = exclusivity("from 2021-06-01");
    assert_eq!(
        decide(&e, "deploy p on away at 2021-05-31").as_str(),
        "permitted"
    );
    assert_eq!(
        decide(&e, "deploy p on away at 2021-06-01").as_str(),
        "forbidden"
    );
}

#[test]
fn until_an_event_ends_on_its_first_record() {
    let mut e = exclusivity("until ev");
    assert_eq!(
        decide(&e, "deploy p on away at 2999-01-01").as_str(),
        "forbidden"
    );
    e = rules(
        "agreement g { between a and b signed 2020-01-01
           exclusivity e { deploy products tagged api only on home until ev } }
         on 2025-03-01: ev
         on 2024-03-01: ev",
    );
    assert_eq!(
        decide(&e, "deploy p on away at 2024-02-29").as_str(),
        "forbidden"
    );
    assert_eq!(
        decide(&e, "deploy p on away at 2024-03-01").as_str(),
        "permitted"
    );
}

#[test]
fn until_a_day_or_an_event_is_whichever_comes_first() {
    let body = "agreement g { between a and b signed 2020-01-01
           exclusivity e { deploy products tagged api only on home until 2030-01-01 or ev } }";
    let e = rules(&format!("{body}\non 2025-01-01: ev"));
    assert_eq!(
        decide(&e, "deploy p on away at 2024-12-31").as_str(),
        "forbidden"
    );
    assert_eq!(
        decide(&e, "deploy p on away at 2025-01-01").as_str(),
        "permitted"
    );
    let e = rules(&format!("{body}\non 2031-01-01: ev"));
    assert_eq!(
        decide(&e, "deploy p on away at 2029-12-31").as_str(),
        "forbidden"
    );
    assert_eq!(
        decide(&e, "deploy p on away at 2030-01-01").as_str(),
        "permitted"
    );
}

#[test]
fn open_ended_windows_run_forever() {
    let e = exclusivity("");
    assert_eq!(
        when(&e, "deploy p on away"),
        ["*..2020-01-01 permitted", "2020-01-01..* forbidden"]
    );
}

#[test]
fn aliases_stand_for_their_cloud() {
    let e = exclusivity("");
    assert_eq!(
        decide(&e, "deploy p on house at 2021-01-01").as_str(),
        "permitted"
    );
    assert_eq!(
        window(&e, "deploy p on house at 2021-01-01"),
        window(&e, "deploy p on home at 2021-01-01")
    );
}

#[test]
fn selectors_match_by_party_and_every_tag() {
    let e = rules(
        "agreement g { between a and b signed 2020-01-01
           rule r { forbid deploy products by a tagged api, model } }
         product pq by a tagged api, model
         product other by b tagged api, model",
    );
    assert_eq!(
        decide(&e, "deploy pq on away at 2021-01-01").as_str(),
        "forbidden"
    );
    assert_eq!(
        decide(&e, "deploy p on away at 2021-01-01").as_str(),
        "permitted"
    );
    assert_eq!(
        decide(&e, "deploy other on away at 2021-01-01").as_str(),
        "permitted"
    );
}

#[test]
fn launching_deploys_but_forbid_launch_speaks_of_launches_only() {
    let e = rules(
        "agreement g { between a and b signed 2020-01-01
           exclusivity e { deploy product p only on home }
           rule r { forbid launch product q on away } }",
    );
    assert_eq!(
        decide(&e, "launch p on away at 2021-01-01").as_str(),
        "forbidden"
    );
    assert_eq!(
        decide(&e, "launch q on away at 2021-01-01").as_str(),
        "forbidden"
    );
    assert_eq!(
        decide(&e, "deploy q on away at 2021-01-01").as_str(),
        "permitted"
    );
    assert_eq!(
        decide(&e, "launch q on home at 2021-01-01").as_str(),
        "permitted"
    );
}

#[test]
fn a_rule_without_clouds_forbids_everywhere() {
    let e = rules(
        "agreement g { between a and b signed 2020-01-01 rule r { forbid deploy product q } }",
    );
    assert_eq!(
        decide(&e, "deploy q on home at 2021-01-01").as_str(),
        "forbidden"
    );
    assert_eq!(
        decide(&e, "deploy q on away at 2021-01-01").as_str(),
        "forbidden"
    );
    assert_eq!(
        decide(&e, "deploy p on away at 2021-01-01").as_str(),
        "permitted"
    );
}

#[test]
fn forbid_wins_over_a_met_first_launch_right() {
    let e = rules(
        "agreement g { between a and b signed 2020-01-01
           first_launch f { product p launch first on home }
           rule r { forbid deploy product p on away from 2021-01-01 } }
         on 2020-06-01: a launches p on home",
    );
    assert_eq!(
        reasons(&e, "deploy p on away at 2020-12-31"),
        ["permit g.f"]
    );
    assert_eq!(
        reasons(&e, "deploy p on away at 2021-01-01"),
        ["forbid g.r"]
    );
}

const FIRST: &str = "agreement g { between a and b signed 2020-01-01
  first_launch f { products by a launch first on home unless b declines or b cannot_support lead $lead_time } }";

#[test]
fn first_launch_waits_for_the_launch_plus_the_lead() {
    let e = rules(&format!(
        "assume lead_time = 30 days\n{FIRST}\non 2026-04-23: a launches p on home"
    ));
    assert_eq!(
        decide(&e, "deploy p on away at 2026-04-22").as_str(),
        "forbidden"
    );
    assert_eq!(
        decide(&e, "deploy p on away at 2026-05-22").as_str(),
        "forbidden"
    );
    assert_eq!(
        decide(&e, "deploy p on away at 2026-05-23").as_str(),
        "permitted"
    );
    assert_eq!(
        decide(&e, "deploy p on home at 2026-04-22").as_str(),
        "permitted"
    );
    assert_eq!(
        assumptions(&e, "deploy p on away at 2026-05-23"),
        ["lead_time"]
    );
    assert_eq!(
        when(&e, "deploy p on away"),
        [
            "*..2020-01-01 permitted",
            "2020-01-01..2026-05-23 forbidden",
            "2026-05-23..* permitted"
        ]
    );
    // One window for one (clause, effect), whose reason tells the two stretches apart; point
    // questions on either side say what held on their day.
    let q = e
        .parse("deploy p on away")
        .unwrap_or_else(|e| panic!("{e}"));
    let w = &e.when(q.subject).windows[1];
    let stretches: Vec<String> = w.reasons[0]
        .stretches
        .iter()
        .map(|(f, d)| format!("{f:?} {d}"))
        .collect();
    assert_eq!(stretches.len(), 2);
    assert!(
        stretches[0].starts_with("Some(2020-01-01) ")
            && stretches[0].ends_with("not launched on home"),
        "{stretches:?}"
    );
    assert!(
        stretches[1].starts_with("Some(2026-04-23) ")
            && stretches[1].ends_with("launched on home on 2026-04-23, lead not yet met"),
        "{stretches:?}"
    );
    assert!(window(&e, "deploy p on away at 2026-04-22").reasons[0]
        .detail
        .ends_with("not launched on home"));
    assert!(window(&e, "deploy p on away at 2026-04-23").reasons[0]
        .detail
        .ends_with("lead not yet met"));
}

#[test]
fn a_month_lead_clamps_to_the_month_end() {
    let e = rules(&format!(
        "assume lead_time = 1 month\n{FIRST}\non 2024-01-31: a launches p on home"
    ));
    assert_eq!(
        decide(&e, "deploy p on away at 2024-02-29").as_str(),
        "forbidden"
    );
    assert_eq!(
        decide(&e, "deploy p on away at 2024-03-01").as_str(),
        "permitted"
    );
}

#[test]
fn an_unless_act_meets_the_right_on_its_day_without_lead() {
    let e = rules(&format!(
        "assume lead_time = 30 days\n{FIRST}\non 2026-05-02: b declines q\non 2026-05-01: c declines q\non 2026-04-01: b declines p"
    ));
    assert_eq!(
        decide(&e, "deploy q on away at 2026-05-01").as_str(),
        "forbidden"
    );
    assert_eq!(
        decide(&e, "deploy q on away at 2026-05-02").as_str(),
        "permitted"
    );
    assert_eq!(
        reasons(&e, "deploy q on away at 2026-05-02"),
        ["permit g.f"]
    );
    // The act does not depend on the lead.
    assert!(assumptions(&e, "deploy q on away at 2026-05-02").is_empty());
}

#[test]
fn a_launch_on_another_cloud_does_not_meet_the_right() {
    let e = rules(&format!(
        "assume lead_time = 0 days\n{FIRST}\non 2026-04-23: a launches p on away"
    ));
    assert_eq!(
        decide(&e, "deploy p on away at 2026-05-01").as_str(),
        "forbidden"
    );
}

#[test]
fn use_is_the_owners_or_a_licensees() {
    let e = rules(
        "agreement g { between a and b signed 2020-01-01
           licence l { a grants b use of product p until 2030-01-01 } }",
    );
    assert_eq!(decide(&e, "use p by a at 2019-01-01").as_str(), "permitted");
    assert_eq!(decide(&e, "use p by b at 2019-12-31").as_str(), "forbidden");
    assert_eq!(decide(&e, "use p by b at 2020-01-01").as_str(), "permitted");
    assert_eq!(reasons(&e, "use p by b at 2020-01-01"), ["permit g.l"]);
    assert_eq!(decide(&e, "use p by b at 2030-01-01").as_str(), "forbidden");
    assert_eq!(decide(&e, "use q by b at 2025-01-01").as_str(), "forbidden");
    assert_eq!(decide(&e, "use p by c at 2025-01-01").as_str(), "forbidden");
}

#[test]
fn licensing_is_free_unless_someone_else_holds_an_exclusive_licence() {
    let e = rules(
        "agreement g { between a and b signed 2020-01-01
           license l { a grants b exclusive use of product p until 2030-01-01 } }
         agreement h { between a and c signed 2020-01-01
           licence m { a grants c use of product q } }",
    );
    assert_eq!(
        decide(&e, "license p to c at 2019-12-31").as_str(),
        "permitted"
    );
    assert_eq!(
        decide(&e, "license p to c at 2020-01-01").as_str(),
        "forbidden"
    );
    assert_eq!(reasons(&e, "license p to c at 2020-01-01"), ["forbid g.l"]);
    assert_eq!(
        decide(&e, "license p to b at 2020-01-01").as_str(),
        "permitted"
    );
    assert_eq!(
        decide(&e, "license p to c at 2030-01-01").as_str(),
        "permitted"
    );
    // A non-exclusive licence restricts nobody.
    assert_eq!(
        decide(&e, "license q to b at 2025-01-01").as_str(),
        "permitted"
    );
}

const AMENDED: &str = "
assume eff = 2026-04-27
agreement g { between a and b signed 2019-07-22
  exclusivity only_home { deploy products tagged api only on home until ev }
  licence ip { a grants b exclusive use of products by a until ev }
  revenue_share share { a pays b 20% of a revenue until ev }
}
amendment m amends g {
  signed 2026-04-20
  effective $eff
  end only_home
  amend ip { non-exclusive through 2032 }
  amend share { rate 10% through 2030 capped at USD 1_000 }
  strike ev
  add first_launch fl { products by a launch first on home }
}
";

#[test]
fn end_applies_from_the_effective_day() {
    let e = rules(AMENDED);
    assert_eq!(
        decide(&e, "deploy q on away at 2026-04-26").as_str(),
        "permitted"
    );
    assert_eq!(
        reasons(&e, "deploy p on away at 2026-04-26"),
        ["forbid g.only_home"]
    );
    // From the effective day the added first-launch right speaks instead.
    assert_eq!(
        reasons(&e, "deploy p on away at 2026-04-27"),
        ["forbid g.fl"]
    );
    assert_eq!(assumptions(&e, "deploy p on away at 2026-04-26"), ["eff"]);
}

#[test]
fn amend_replaces_only_the_listed_terms() {
    let e = rules(AMENDED);
    assert_eq!(
        decide(&e, "license p to c at 2026-04-26").as_str(),
        "forbidden"
    );
    assert_eq!(
        decide(&e, "license p to c at 2026-04-27").as_str(),
        "permitted"
    );
    assert_eq!(decide(&e, "use p by b at 2032-12-31").as_str(), "permitted");
    assert_eq!(decide(&e, "use p by b at 2033-01-01").as_str(), "forbidden");
    let w = window(&e, "pay a to b at 2026-04-26");
    assert!(
        w.reasons[0].detail.contains("20% of a revenue"),
        "{}",
        w.reasons[0].detail
    );
    let w = window(&e, "pay a to b at 2026-04-27");
    assert!(
        w.reasons[0]
            .detail
            .contains("10% of a revenue, capped at USD 1,000.00 counting from 2026-04-27"),
        "{}",
        w.reasons[0].detail
    );
    assert_eq!(decide(&e, "pay a to b at 2030-12-31").as_str(), "due");
    assert_eq!(decide(&e, "pay a to b at 2031-01-01").as_str(), "not_due");
}

#[test]
fn strike_revives_a_clause_the_event_had_ended() {
    let e = rules(&format!("{AMENDED}\non 2025-01-01: ev"));
    // Ended by the event on 2025-01-01 ...
    assert_eq!(decide(&e, "use p by b at 2024-12-31").as_str(), "permitted");
    assert_eq!(decide(&e, "use p by b at 2025-01-01").as_str(), "forbidden");
    assert_eq!(decide(&e, "use p by b at 2026-04-26").as_str(), "forbidden");
    // ... in force again once the amendment strikes the event from its end.
    assert_eq!(decide(&e, "use p by b at 2026-04-27").as_str(), "permitted");
    assert_eq!(decide(&e, "pay a to b at 2026-04-26").as_str(), "not_due");
    assert_eq!(decide(&e, "pay a to b at 2026-04-27").as_str(), "due");
}

#[test]
fn knowledge_time_hides_later_amendments_and_events() {
    use covenant::Options;
    let day = |s: &str| covenant::time::parse_day(s);
    let text = format!("{WORLD}\n{AMENDED}\non 2025-01-01: ev");
    let before = engine_with(
        &text,
        &Options {
            as_of: day("2026-04-19"),
            ..Options::default()
        },
    );
    // The amendment (signed 2026-04-20) does not exist yet: the exclusivity never ends...
    assert_eq!(
        decide(&before, "deploy p on away at 2026-05-01").as_str(),
        "permitted"
    );
    assert_eq!(
        decide(&before, "use p by b at 2027-01-01").as_str(),
        "forbidden"
    );
    // ... and as of a day before the event, the event has not happened either.
    let earlier = engine_with(
        &text,
        &Options {
            as_of: day("2024-06-01"),
            ..Options::default()
        },
    );
    assert_eq!(
        decide(&earlier, "deploy p on away at 2026-05-01").as_str(),
        "forbidden"
    );
    let signed = engine_with(
        &text,
        &Options {
            as_of: day("2026-04-20"),
            ..Options::default()
        },
    );
    assert_eq!(
        decide(&signed, "deploy q on away at 2026-05-01").as_str(),
        "forbidden"
    );
}

#[test]
fn an_agreement_signed_after_the_knowledge_day_does_not_exist() {
    use covenant::Options;
    let text = format!("{WORLD}\nagreement g {{ between a and b signed 2026-02-27 rule r {{ forbid deploy product p }} }}");
    let e = engine_with(
        &text,
        &Options {
            as_of: covenant::time::parse_day("2026-02-26"),
            ..Options::default()
        },
    );
    assert_eq!(
        decide(&e, "deploy p on away at 2026-03-01").as_str(),
        "permitted"
    );
}

#[test]
fn amendments_apply_in_order_of_effective_then_signed() {
    let e = rules(
        "agreement g { between a and b signed 2020-01-01
           revenue_share s { a pays b 20% of a revenue } }
         amendment late amends g { signed 2021-01-01 effective 2022-01-01 amend s { rate 5% } }
         amendment early amends g { signed 2021-06-01 effective 2021-06-01 amend s { rate 10% } }
         amendment same_day_later_signed amends g { signed 2021-12-01 effective 2022-01-01 amend s { rate 7% } }",
    );
    let rate = |q: &str| window(&e, q).reasons[0].detail.clone();
    assert!(rate("pay a to b at 2021-05-31").contains(" 20% "));
    assert!(rate("pay a to b at 2021-06-01").contains(" 10% "));
    // Both effective 2022-01-01: the one signed later is applied last.
    assert!(
        rate("pay a to b at 2022-01-01").contains(" 7% "),
        "{}",
        rate("pay a to b at 2022-01-01")
    );
}

#[test]
fn an_added_clause_starts_on_the_amendments_effective_day_unless_it_says_otherwise() {
    let e = rules(
        "agreement g { between a and b signed 2020-01-01 }
         amendment m amends g { signed 2021-01-01 effective 2021-03-01
           add rule r { forbid deploy product p }
           add rule s { forbid deploy product q from 2021-04-01 } }",
    );
    assert_eq!(
        decide(&e, "deploy p on away at 2021-02-28").as_str(),
        "permitted"
    );
    assert_eq!(
        decide(&e, "deploy p on away at 2021-03-01").as_str(),
        "forbidden"
    );
    assert_eq!(
        decide(&e, "deploy q on away at 2021-03-31").as_str(),
        "permitted"
    );
    assert_eq!(
        decide(&e, "deploy q on away at 2021-04-01").as_str(),
        "forbidden"
    );
}

#[test]
fn a_cap_set_by_an_amendment_counts_from_its_effective_day_and_a_rate_change_keeps_it() {
    let e = rules(
        "agreement g { between a and b signed 2020-01-01
           revenue_share s { a pays b 20% of a revenue capped at USD 100 } }
         amendment new_rate amends g { signed 2021-01-01 amend s { rate 10% } }
         amendment new_cap amends g { signed 2022-01-01 amend s { capped at USD 50 } }
         amendment counted amends g { signed 2023-01-01 amend s { capped at USD 70 counting from 2020-06-01 } }",
    );
    let detail = |q: &str| window(&e, q).reasons[0].detail.clone();
    assert!(detail("pay a to b at 2020-06-01").ends_with("USD 100.00 counting from 2020-01-01"));
    assert!(detail("pay a to b at 2021-06-01").ends_with("USD 100.00 counting from 2020-01-01"));
    assert!(detail("pay a to b at 2022-06-01").ends_with("USD 50.00 counting from 2022-01-01"));
    assert!(detail("pay a to b at 2023-06-01").ends_with("USD 70.00 counting from 2020-06-01"));
}

#[test]
fn the_pay_question_follows_the_revenue_share_window() {
    let e = rules("agreement g { between a and b signed 2020-01-01 revenue_share s { a pays b 20% of a revenue from stream x until 2021-01-01 } }");
    assert_eq!(decide(&e, "pay a to b at 2019-12-31").as_str(), "not_due");
    assert_eq!(decide(&e, "pay a to b at 2020-01-01").as_str(), "due");
    assert_eq!(decide(&e, "pay a to b at 2020-12-31").as_str(), "due");
    assert_eq!(decide(&e, "pay a to b at 2021-01-01").as_str(), "not_due");
    assert_eq!(decide(&e, "pay b to a at 2020-06-01").as_str(), "not_due");
    assert!(window(&e, "pay a to b at 2020-06-01").reasons[0]
        .detail
        .contains("from stream x"));
}

#[test]
fn an_amendment_that_leaves_a_clause_alone_does_not_split_its_windows() {
    let e = rules(
        "agreement g { between a and b signed 2025-01-01
           rule r1 { forbid deploy product p on away }
           rule r2 { forbid deploy product q on away } }
         amendment m amends g { signed 2025-06-01 amend r2 { until 2026-01-01 } }",
    );
    assert_eq!(
        when(&e, "deploy p on away"),
        ["*..2025-01-01 permitted", "2025-01-01..* forbidden"]
    );
    let w = window(&e, "deploy p on away at 2025-03-01");
    assert_eq!(
        (w.reasons[0].from, w.reasons[0].until),
        (covenant::time::parse_day("2025-01-01"), None)
    );
}

#[test]
fn a_one_year_lead_from_a_leap_day_clamps_when_subtracting() {
    let e = rules(&format!(
        "assume lead_time = 1 year\n{FIRST}\non 2024-02-29: a launches p on home"
    ));
    // 2025-02-28 - 1 year = 2024-02-28, before the launch.
    assert_eq!(
        decide(&e, "deploy p on away at 2025-02-28").as_str(),
        "forbidden"
    );
    assert_eq!(
        decide(&e, "deploy p on away at 2025-03-01").as_str(),
        "permitted"
    );
    let e = rules(&format!(
        "assume lead_time = 1 month\n{FIRST}\non 2024-03-31: a launches p on home"
    ));
    assert_eq!(
        decide(&e, "deploy p on away at 2024-04-30").as_str(),
        "forbidden"
    );
    assert_eq!(
        decide(&e, "deploy p on away at 2024-05-01").as_str(),
        "permitted"
    );
}

#[test]
fn a_decline_before_any_launch_says_not_launched() {
    let e = rules(&format!(
        "assume lead_time = 30 days\n{FIRST}\non 2022-03-01: a launches p on home\non 2022-03-10: b declines p"
    ));
    assert!(window(&e, "deploy p on away at 2022-02-01").reasons[0]
        .detail
        .ends_with("not launched on home"));
    assert!(window(&e, "deploy p on away at 2022-03-05").reasons[0]
        .detail
        .ends_with("lead not yet met"));
    assert!(window(&e, "deploy p on away at 2022-03-10").reasons[0]
        .detail
        .ends_with("met by b declines p on 2022-03-10"));
}

#[test]
fn under_a_knowledge_time_an_answer_rests_on_the_signing_days_that_decide_what_is_known() {
    use covenant::Options;
    let as_of = |d: &str| Options {
        as_of: covenant::time::parse_day(d),
        ..Options::default()
    };
    // Before the Amazon signing (an assumption), Frontier's AWS exclusivity is not known: the
    // permitted answer rests on that assumption, for moving it earlier would change it.
    let e = shipped_with(&as_of("2026-02-26"));
    assert_eq!(
        decide(&e, "deploy frontier on azure at 2026-03-01").as_str(),
        "permitted"
    );
    assert_eq!(
        assumptions(&e, "deploy frontier on azure at 2026-03-01"),
        ["amazon_signing"]
    );
    // GPT-5.5 is not a product that agreement speaks of.
    assert!(assumptions(&e, "deploy gpt_5_5 on azure at 2026-03-01").is_empty());
    // Without a knowledge time everything given is known, whatever the signing days.
    let all = shipped();
    assert!(assumptions(&all, "deploy frontier on azure at 2026-02-26")
        .contains(&"amazon_signing".to_string()));
}
