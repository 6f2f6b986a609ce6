//! Properties: hostile bytes never panic the front end; formatting round-trips; and *when*
//! answers agree with a day-by-day reference reading of random rule sets.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use chrono::{Datelike, Days, NaiveDate};
use covenant::eval::answer::Decision;
use covenant::{check, Sources, Subject};
use proptest::prelude::*;

fn check_text(text: &str) {
    let mut sources = Sources::new();
    sources.add("fuzz.cov", text);
    let _ = check(sources);
    let _ = covenant::fmt::format(text);
}

fn shipped_text() -> String {
    Sources::embedded()
        .iter()
        .map(|(_, s)| s.text.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        check_text(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn mutated_rules_never_panic(at in 0usize..6000, len in 0usize..40, insert in "[ -~\n]{0,12}") {
        let text = shipped_text();
        let start = at.min(text.len());
        let end = (start + len).min(text.len());
        if text.is_char_boundary(start) && text.is_char_boundary(end) {
            let mutated = format!("{}{}{}", &text[..start], insert, &text[end..]);
            check_text(&mutated);
        }
    }

    #[test]
    fn questions_never_panic(q in "[a-z_0-9 -]{0,60}") {
        let engine = common::shipped();
        let _ = engine.parse(&q);
    }
}

/// A question of one of the four 0.1 forms written with words from every kind, near misses
/// and bad days, between runs of any whitespace.
fn worded_question() -> impl Strategy<Value = (usize, Vec<String>, String)> {
    let ids = [
        "gpt_5_5",
        "openai_api",
        "codex",
        "frontier",
        "azure",
        "aws",
        "bedrock",
        "google_cloud",
        "microsoft",
        "openai",
        "amazon",
        "gpt_55",
        "on",
        "deploy",
        "at",
        "x",
        "a_word_longer_than_sixteen_bytes",
    ];
    let word = proptest::sample::select(ids.to_vec()).prop_map(str::to_string);
    let day = prop_oneof![
        Just("2026-05-01".to_string()),
        Just("2019-07-22".to_string()),
        Just("2026-02-30".to_string()),
        Just("2026-5-1".to_string()),
    ];
    // Mostly one space, the spelling the engine finds whole; else what only the reader reads.
    let space = prop_oneof![
        8 => Just(" "),
        1 => proptest::sample::select(vec!["  ", "\t", " \n ", "\r\n"]),
    ];
    (
        0usize..5,
        word.clone(),
        word,
        day,
        proptest::collection::vec(space, 6),
    )
        .prop_map(|(form, a, b, day, spaces)| {
            let (verb, middle) = [
                ("deploy", "on"),
                ("launch", "on"),
                ("use", "by"),
                ("license", "to"),
                ("pay", "to"),
            ][form];
            let words: Vec<String> = [verb, &a, middle, &b, "at", &day]
                .iter()
                .map(|w| w.to_string())
                .collect();
            let mut text = spaces[0].trim_start_matches(' ').to_string();
            for (w, s) in words.iter().zip(&spaces[1..]) {
                text.push_str(w);
                text.push_str(s);
            }
            text.push_str(&words[5]);
            (form, words, text)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// The question reader against a reading made here with the engine's name look-ups (one
    /// map per kind): the same subject and day, or an error at the first word that is wrong.
    #[test]
    fn questions_read_as_their_words_say((form, words, text) in worded_question()) {
        // One engine for every case: it writes out its phrases after a few questions, so that
        // most cases are read whole and the rest word by word.
        static ENGINE: std::sync::LazyLock<covenant::Engine> = std::sync::LazyLock::new(common::shipped);
        let engine = &*ENGINE;
        let got = engine.parse(&text);
        let (a, b) = (words[1].as_str(), words[3].as_str());
        let column = |i: usize| {
            let mut at = 0;
            for w in &words[..i] {
                at = text[at..].find(w.as_str()).unwrap() + at + w.len();
            }
            text[..text[at..].find(words[i].as_str()).unwrap() + at].chars().count() + 1
        };
        let expected: Result<Subject, usize> = match form {
            0 | 1 => match (engine.product(a), engine.cloud(b)) {
                (Err(_), _) => Err(1),
                (_, Err(_)) => Err(3),
                (Ok(product), Ok(cloud)) if form == 0 => Ok(Subject::Deploy { product, cloud }),
                (Ok(product), Ok(cloud)) => Ok(Subject::Launch { product, cloud }),
            },
            2 | 3 => match (engine.product(a), engine.party(b)) {
                (Err(_), _) => Err(1),
                (_, Err(_)) => Err(3),
                (Ok(product), Ok(party)) if form == 2 => Ok(Subject::Use { product, party }),
                (Ok(product), Ok(party)) => Ok(Subject::License { product, party }),
            },
            _ => match (engine.party(a), engine.party(b)) {
                (Err(_), _) => Err(1),
                (_, Err(_)) => Err(3),
                (Ok(payer), Ok(payee)) => Ok(Subject::Pay { payer, payee }),
            },
        };
        let day = covenant::time::parse_day(&words[5]);
        match (expected, day) {
            (Ok(subject), Some(day)) => {
                prop_assert_eq!(got, Ok(subject.at(day)), "{:?}", text);
            }
            (Ok(_), None) => {
                prop_assert_eq!(got.map_err(|e| e.column), Err(column(5)), "{:?}", text);
            }
            (Err(i), _) => {
                let e = got.unwrap_err();
                prop_assert_eq!(e.column, column(i), "{:?}: {}", text, e.message);
                prop_assert!(e.message.contains(&format!("`{}`", words[i])), "{}", e.message);
            }
        }
    }
}

// ----- when answers against a day-by-day reading ----------------------------------------------

/// A random rule set over two products and three clouds, with amendments and records.
fn rule_set() -> impl Strategy<Value = String> {
    let day = 0u64..40;
    let clause = (
        0usize..5,
        0usize..3,
        day.clone(),
        proptest::option::of(day.clone()),
        0u32..3,
    );
    let amendment = (day.clone(), 0usize..4, 0usize..6, day.clone());
    let record = (day.clone(), 0usize..4);
    (
        proptest::collection::vec(clause, 1..6),
        proptest::collection::vec(amendment, 0..4),
        proptest::collection::vec(record, 0..4),
    )
        .prop_map(|(clauses, amendments, records)| {
            let d = |n: u64| base().checked_add_days(Days::new(n)).unwrap_or(base());
            let mut s = String::from(
                "party a\nparty b\ncloud x operated by a\ncloud y operated by b\ncloud z operated by b\n\
                 product p by a tagged t\nproduct q by a\nevent ev\n\
                 agreement g {\n between a and b\n signed 2020-01-01\n",
            );
            for (i, (kind, cloud, from, until, lead)) in clauses.iter().enumerate() {
                let cloud = ["x", "y", "z"][*cloud];
                let sentence = match kind {
                    0 => format!("exclusivity c{i} {{ deploy products tagged t only on {cloud}"),
                    1 => format!("rule c{i} {{ forbid deploy product q on {cloud}"),
                    2 => format!("rule c{i} {{ forbid launch products by a on {cloud}"),
                    3 => format!("first_launch c{i} {{ products by a launch first on {cloud} unless b declines lead {lead} days"),
                    _ => format!("licence c{i} {{ a grants b exclusive use of product p"),
                };
                s.push_str(&format!(" {sentence} from {}", d(*from)));
                if let Some(u) = until {
                    s.push_str(&format!(" until {} or ev", d(*u)));
                }
                s.push_str(" }\n");
            }
            s.push_str("}\n");
            for (i, (eff, target, change, day)) in amendments.iter().enumerate() {
                let target = target % clauses.len();
                let change = match change {
                    0 => format!("end c{target}"),
                    1 => format!("amend c{target} {{ until {} }}", d(*day)),
                    2 => format!("amend c{target} {{ from {} }}", d(*day)),
                    3 => "strike ev".to_string(),
                    4 => format!("add rule n{i} {{ forbid deploy product p on y until {} }}", d(*day)),
                    _ => format!("amend c{target} {{ through {} }}", d(*day)),
                };
                s.push_str(&format!(
                    "amendment m{i} amends g {{ signed {} {change} }}\n",
                    d(*eff)
                ));
            }
            for (day, what) in records {
                let r = ["ev", "a launches p on x", "a launches q on y", "b declines p"][what];
                s.push_str(&format!("on {}: {r}\n", d(day)));
            }
            s
        })
}

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default()
}

/// Decides a question on one day straight from the consolidated versions, with no windows.
fn reference(engine: &covenant::Engine, subject: Subject, day: NaiveDate) -> Decision {
    use covenant::model::{Body, Happening, Object};
    let rules = engine.rules();
    let cons = engine.consolidated();
    let in_force = |v: &&covenant::consolidate::Version| v.in_force.contains(day);
    let matches = |v: &covenant::consolidate::Version, product: u32| {
        v.terms.body.selector().is_some_and(|s| {
            rules
                .products
                .get(product as usize)
                .is_some_and(|p| s.matches(product, p))
        })
    };
    match subject {
        Subject::Deploy { product, cloud } | Subject::Launch { product, cloud } => {
            let launch = matches!(subject, Subject::Launch { .. });
            let (product, cloud) = (product.index(), cloud.index());
            let forbidden = cons.versions.iter().filter(in_force).any(|v| {
                if !matches(v, product) {
                    return false;
                }
                match &v.terms.body {
                    Body::Exclusivity { clouds, .. } => !clouds.contains(&cloud),
                    Body::Rule { action, clouds, .. } => {
                        (launch || *action == covenant::model::Action::Deploy)
                            && (clouds.is_empty() || clouds.contains(&cloud))
                    }
                    Body::FirstLaunch {
                        cloud: first,
                        unless,
                        lead,
                        ..
                    } if *first != cloud => {
                        let lead = engine.env().duration(*lead).0;
                        let met = rules.records.iter().filter(|r| r.day <= day).any(|r| {
                            match &r.happening {
                                Happening::Act {
                                    party,
                                    verb,
                                    object,
                                    cloud: c,
                                    ..
                                } if *object == Object::Product(product) => {
                                    (verb == "launches"
                                        && *c == Some(*first)
                                        && lead.before(day).is_some_and(|d| r.day <= d))
                                        || unless.iter().any(|(up, uv)| up == party && uv == verb)
                                }
                                _ => false,
                            }
                        });
                        !met
                    }
                    _ => false,
                }
            });
            if forbidden {
                Decision::Forbidden
            } else {
                Decision::Permitted
            }
        }
        Subject::Use { product, party } => {
            let (product, party) = (product.index(), party.index());
            let owner = rules.products.get(product as usize).map(|p| p.owner);
            let licensed = cons.versions.iter().filter(in_force).any(|v| {
                matches(v, product)
                    && matches!(&v.terms.body, Body::Licence { licensee, .. } if *licensee == party)
            });
            if owner == Some(party) || licensed {
                Decision::Permitted
            } else {
                Decision::Forbidden
            }
        }
        Subject::License { product, party } => {
            let (product, party) = (product.index(), party.index());
            let owner = rules.products.get(product as usize).map(|p| p.owner);
            let blocked = owner != Some(party) && cons.versions.iter().filter(in_force).any(|v| {
                matches(v, product) && matches!(&v.terms.body,
                    Body::Licence { licensor, licensee, exclusive: true, .. } if Some(*licensor) == owner && *licensee != party)
            });
            if blocked {
                Decision::Forbidden
            } else {
                Decision::Permitted
            }
        }
        Subject::DeployBy { .. } | Subject::LaunchBy { .. } | Subject::LicenseBy { .. } => {
            panic!("acts by other parties are not in the list of subjects")
        }
        Subject::Agreement { agreement } => {
            // Random 0.1 rule sets: in force from the signing day, for ever.
            let signed = rules
                .agreements
                .get(agreement.index() as usize)
                .map(|a| engine.env().day(a.signed).day);
            if signed.is_some_and(|s| s <= day) {
                Decision::InForce
            } else {
                Decision::NotInForce
            }
        }
        Subject::Pay { payer, payee } => {
            let (payer, payee) = (payer.index(), payee.index());
            let due = cons.versions.iter().filter(in_force).any(|v| {
                match &v.terms.body {
                    Body::RevenueShare(share) => share.payer == payer && share.payee == payee,
                    // A payment (0.2) on its own day, read literally: that day, the day its event
                    // happened (plus the duration), or the first day of a calendar period.
                    Body::Payment {
                        payer: p,
                        payee: q,
                        due,
                        ..
                    } if *p == payer && *q == payee => {
                        use covenant::model::Due;
                        match due {
                            Due::On(d) => engine.env().day(*d).day == day,
                            Due::OnEvent(e, plus) => {
                                cons.event_days
                                    .get(*e as usize)
                                    .cloned()
                                    .flatten()
                                    .and_then(|b| match plus {
                                        Some(d) => engine.env().duration(*d).0.after(b.day),
                                        None => Some(b.day),
                                    })
                                    == Some(day)
                            }
                            Due::Every(covenant::vocab::Period::Month) => day.day() == 1,
                            Due::Every(covenant::vocab::Period::Quarter) => {
                                day.day() == 1 && day.month() % 3 == 1
                            }
                            Due::Every(covenant::vocab::Period::Year) => day.ordinal() == 1,
                            Due::Every(covenant::vocab::Period::ContractYear) => {
                                panic!("no contract years in the shipped rules")
                            }
                        }
                    }
                    _ => false,
                }
            });
            if due {
                Decision::Due
            } else {
                Decision::NotDue
            }
        }
    }
}

fn subjects(engine: &covenant::Engine) -> Vec<Subject> {
    covenant::eval::question::subjects(engine.rules())
}

/// Every window's first and last day, and every day of a range, agree with the reference.
fn agrees(
    engine: &covenant::Engine,
    days: impl Iterator<Item = NaiveDate> + Clone,
) -> Result<(), String> {
    for subject in subjects(engine) {
        let when = engine.when(subject);
        if when.windows.first().is_some_and(|w| w.from.is_some())
            || when.windows.last().is_some_and(|w| w.until.is_some())
        {
            return Err(format!("{subject:?}: windows do not cover all time"));
        }
        for pair in when.windows.windows(2) {
            if pair[0].until != pair[1].from
                || (pair[0].decision == pair[1].decision && pair[0].reasons == pair[1].reasons)
            {
                return Err(format!(
                    "{subject:?}: windows not adjacent or not merged at {:?}",
                    pair[0].until
                ));
            }
        }
        let mut probes: Vec<NaiveDate> = days.clone().collect();
        for w in &when.windows {
            probes.extend(w.from);
            probes.extend(w.until.and_then(|u| u.pred_opt()));
        }
        for day in probes {
            let point = engine.at(subject, day).decision;
            let want = reference(engine, subject, day);
            if point != want {
                return Err(format!(
                    "{subject:?} at {day}: windows say {point:?}, reference says {want:?}"
                ));
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn when_answers_agree_with_the_day_by_day_reading(text in rule_set()) {
        let mut sources = Sources::new();
        sources.add("random.cov", text.clone());
        // Random amendments may conflict or change ended clauses: those sets are rightly rejected.
        let Ok(checked) = check(sources) else { return Ok(()); };
        let engine = covenant::Engine::new(checked.rules, &covenant::Options::default())
            .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let days = (0..45u64).filter_map(|n| base().checked_add_days(Days::new(n)));
        agrees(&engine, days).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
    }
}

#[test]
fn shipped_when_answers_agree_with_the_day_by_day_reading() {
    let engine = common::shipped();
    let start = NaiveDate::from_ymd_opt(2019, 1, 1).unwrap_or_default();
    let days = (0..(365 * 15u64))
        .step_by(7)
        .filter_map(|n| start.checked_add_days(Days::new(n)));
    if let Err(e) = agrees(&engine, days) {
        panic!("{e}");
    }
}

#[test]
fn formatting_round_trips_and_is_idempotent() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for dir in ["rules", "tests/cases"] {
        collect(&root.join(dir), &mut files);
    }
    assert!(files.len() > 20);
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let Ok(once) = covenant::fmt::format(&text) else {
            continue; // files with syntax errors are not formatted
        };
        let twice = covenant::fmt::format(&once).unwrap_or_default();
        assert_eq!(once, twice, "{} is not stable under fmt", path.display());
        assert_eq!(
            tree(&text),
            tree(&once),
            "{}: fmt changed the tree",
            path.display()
        );
        assert_eq!(
            comments(&text),
            comments(&once),
            "{}: fmt lost a comment",
            path.display()
        );
        // Where the file checks, formatting keeps every answer.
        if let (Ok(a), Ok(b)) = (checked(&text), checked(&once)) {
            for s in subjects(&a) {
                assert_eq!(
                    a.when(s).windows,
                    b.when(s).windows,
                    "{}: {s:?}",
                    path.display()
                );
            }
        }
    }
}

fn checked(text: &str) -> Result<covenant::Engine, ()> {
    let mut sources = Sources::new();
    sources.add("x.cov", text);
    let c = check(sources).map_err(|_| ())?;
    covenant::Engine::new(c.rules, &covenant::Options::default()).map_err(|_| ())
}

fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|e| e == "cov") {
            out.push(p);
        }
    }
}

/// The syntax tree with spans blanked, as text.
fn tree(text: &str) -> String {
    let (file, _) = covenant::syntax::parse(0, text);
    let debug = format!("{:?}", file.items);
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug.as_str();
    while let Some(i) = rest.find("Span {") {
        out.push_str(&rest[..i]);
        out.push_str("Span");
        rest = rest[i..].find('}').map_or("", |j| &rest[i + j + 1..]);
    }
    out.push_str(rest);
    out
}

fn comments(text: &str) -> Vec<String> {
    covenant::syntax::parse(0, text)
        .0
        .comments
        .into_iter()
        .map(|c| c.text)
        .collect()
}

#[test]
fn most_random_rule_sets_check() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = rule_set();
    let mut ok = 0;
    for _ in 0..200 {
        let Ok(tree) = strategy.new_tree(&mut runner) else {
            continue;
        };
        let mut sources = Sources::new();
        sources.add("random.cov", tree.current());
        if check(sources).is_ok() {
            ok += 1;
        }
    }
    // The property above would be vacuous if random sets were mostly rejected.
    assert!(ok > 120, "only {ok} of 200 random rule sets check");
}

/// The text with a comment after every token, each token on its own line; a lone CR or a CRLF
/// ends some of the lines.
fn commented(text: &str, seed: usize) -> String {
    let lexed = covenant::syntax::lexer::lex(0, text);
    let mut out = String::new();
    for (i, t) in lexed.tokens.iter().enumerate() {
        let end = ["\n", "\r\n", "\r"][(i + seed) % 3];
        out.push_str(&format!(
            "{} # c{i}{end}",
            text.get(t.span.range()).unwrap_or_default()
        ));
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn fmt_is_idempotent_with_a_comment_after_every_token(seed in 0usize..3, which in 0usize..5) {
        let files: Vec<String> = Sources::embedded().iter().map(|(_, s)| s.text.to_string()).collect();
        let text = commented(&files[which % files.len()], seed);
        let once = covenant::fmt::format(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
        let twice = covenant::fmt::format(&once).unwrap_or_default();
        prop_assert_eq!(&once, &twice);
        prop_assert_eq!(tree(&text), tree(&once));
        prop_assert_eq!(comments(&text), comments(&once));
        // No line holds two comments.
        prop_assert!(once.lines().all(|l| l.matches("# c").count() <= 1), "{}", once);
    }
}
