//! Deterministic generators of large inputs for benchmarks: rule sets, question files, ledgers.
//! Shared by the criterion benches and `examples/gen.rs` (for runs by hand); nothing generated is
//! committed.
#![allow(dead_code)]

use std::fmt::Write as _;

/// SplitMix64: small, fast, deterministic.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }
}

/// A day between 2018-01-01 and 2034-12-31 as `YYYY-MM-DD`.
pub fn day(rng: &mut Rng) -> String {
    let base = chrono::NaiveDate::from_ymd_opt(2018, 1, 1).unwrap_or_default();
    let d = base
        .checked_add_days(chrono::Days::new(rng.below(17 * 365)))
        .unwrap_or(base);
    d.format("%Y-%m-%d").to_string()
}

/// A day between 2018-01-01 and 2029-12-30.
pub fn day_before_2030(rng: &mut Rng) -> String {
    let base = chrono::NaiveDate::from_ymd_opt(2018, 1, 1).unwrap_or_default();
    let d = base
        .checked_add_days(chrono::Days::new(rng.below(12 * 365)))
        .unwrap_or(base);
    d.format("%Y-%m-%d").to_string()
}

/// A rule set of `n` agreements, each between two of `n / 10 + 2` parties, with an exclusivity,
/// a licence, a revenue share and a first-launch right, and an amendment for every third one.
pub fn rules(n: usize) -> String {
    let mut rng = Rng::new(7);
    let parties = n / 10 + 2;
    let mut s = String::with_capacity(n * 560);
    for p in 0..parties {
        let _ = writeln!(s, "party p{p} \"Party {p}\"");
    }
    for c in 0..4 {
        let _ = writeln!(s, "cloud c{c} operated by p{c}");
    }
    for p in 0..parties {
        let _ = writeln!(s, "product x{p} by p{p} tagged api, model");
    }
    let _ = writeln!(s, "event ended \"the end\"");
    let _ = writeln!(s, "assume share_rate = 15% \"a rate\"");
    for i in 0..n {
        let (a, b) = (i % parties, (i * 7 + 1) % parties);
        let b = if a == b { (b + 1) % parties } else { b };
        // Signed before 2030 and amended in 2031, so that every clause is in force for a while.
        let signed = day_before_2030(&mut rng);
        let _ = write!(
            s,
            "agreement g{i} \"Agreement {i}\" {{\n  between p{a} and p{b}\n  signed {signed}\n\n  \
             exclusivity only{i} {{\n    deploy product x{a} only on c{c}\n    until ended\n  }}\n\n  \
             licence use{i} {{\n    p{a} grants p{b} exclusive use of product x{a}\n    through 2030\n  }}\n\n  \
             revenue_share pay{i} {{\n    p{b} pays p{a} $share_rate of p{b} revenue from stream s{i}\n  }}\n\n  \
             first_launch first{i} {{\n    product x{a} launch first on c{c} lead 30 days\n  }}\n}}\n",
            // One cloud per product, so that the generated agreements never collide.
            c = a % 4
        );
        if i % 3 == 0 {
            let _ = write!(
                s,
                "amendment m{i} amends g{i} {{\n  signed 2031-01-01\n  end only{i}\n  amend use{i} {{ non-exclusive }}\n  amend pay{i} {{ rate 10% capped at USD 1_000_000 }}\n}}\n"
            );
        }
    }
    s
}

/// A rule set of `n` agreements in the terms of language 0.2, each between two of `n / 10 + 2`
/// parties: an effective day, a three-year term renewing yearly unless notice, a termination
/// right for convenience, a licence to deploy in the EU but Germany, an exclusivity to two
/// channels and a revenue share that survives the agreement by 60 days. Every fifth agreement is
/// declined renewal of (some in time, some late) and every third amended.
pub fn rules_02(n: usize) -> String {
    let mut rng = Rng::new(11);
    let parties = n / 10 + 2;
    let mut s = String::with_capacity(n * 760);
    for p in 0..parties {
        let _ = writeln!(s, "party p{p} \"Party {p}\"");
    }
    for c in 0..4 {
        let _ = writeln!(s, "channel c{c} operated by p{c}");
    }
    for p in 0..parties {
        let _ = writeln!(s, "product x{p} by p{p} tagged api, model");
    }
    for (t, within) in [
        ("europe", ""),
        ("eu", " within europe"),
        ("fr", " within eu"),
    ]
    .into_iter()
    .chain([
        ("de", " within eu"),
        ("be", " within eu"),
        ("ch", " within europe"),
    ]) {
        let _ = writeln!(s, "territory {t}{within}");
    }
    for i in 0..n {
        let (a, b) = (i % parties, (i * 7 + 1) % parties);
        let b = if a == b { (b + 1) % parties } else { b };
        let signed = day_before_2030(&mut rng);
        let _ = write!(
            s,
            "agreement g{i} \"Agreement {i}\" {{\n  between p{a} and p{b}\n  signed {signed}\n  \
             effective {signed} + 1 month\n  term 3 years\n  renews every 1 year unless notice 90 days\n  \
             terminable by p{a}, p{b} for convenience with notice 180 days\n\n  \
             licence resale{i} {{\n    p{a} grants p{b} non-exclusive deploy of product x{a}\n    in eu except de\n  }}\n\n  \
             exclusivity stores{i} {{\n    deploy product x{a} only on c{c}, c{d}\n  }}\n\n  \
             revenue_share royalty{i} {{\n    p{b} pays p{a} 30% of p{b} revenue from stream s{i}\n    survives 60 days\n  }}\n}}\n",
            c = a % 4,
            d = (a + 1) % 4
        );
        if i % 5 == 0 {
            let _ = writeln!(s, "on {}: p{b} declines renewal of g{i}", day(&mut rng));
        }
        if i % 3 == 0 {
            let _ = write!(
                s,
                "amendment m{i} amends g{i} {{\n  signed 2035-01-01\n  amend royalty{i} {{ rate 25% }}\n  amend resale{i} {{ in europe except de }}\n}}\n"
            );
        }
    }
    s
}

/// `n` questions over the shipped rules, one a line, mixed across every form.
pub fn questions(n: usize) -> String {
    let mut rng = Rng::new(42);
    let products = ["openai_api", "gpt_5_5", "codex", "frontier"];
    let clouds = ["azure", "aws", "bedrock", "google_cloud", "oracle_cloud"];
    let parties = ["microsoft", "openai", "amazon", "google", "oracle"];
    let mut s = String::with_capacity(n * 40);
    for _ in 0..n {
        let pick = |rng: &mut Rng, xs: &[&'static str]| xs[rng.below(xs.len() as u64) as usize];
        let d = day(&mut rng);
        let _ = match rng.below(10) {
            0..=4 => writeln!(
                s,
                "deploy {} on {} at {d}",
                pick(&mut rng, &products),
                pick(&mut rng, &clouds)
            ),
            5..=6 => writeln!(
                s,
                "launch {} on {} at {d}",
                pick(&mut rng, &products),
                pick(&mut rng, &clouds)
            ),
            7 => writeln!(
                s,
                "use {} by {} at {d}",
                pick(&mut rng, &products),
                pick(&mut rng, &parties)
            ),
            8 => writeln!(
                s,
                "license {} to {} at {d}",
                pick(&mut rng, &products),
                pick(&mut rng, &parties)
            ),
            _ => writeln!(
                s,
                "pay {} to {} at {d}",
                pick(&mut rng, &parties),
                pick(&mut rng, &parties)
            ),
        };
    }
    s
}

/// A ledger of `n` rows shaped like the peers' (dates 2019-2032, OpenAI and Microsoft revenue,
/// about 1% refunds), in date order when `sorted`, else shuffled.
pub fn ledger(n: usize, sorted: bool) -> String {
    let mut rng = Rng::new(11);
    let base = chrono::NaiveDate::from_ymd_opt(2019, 1, 1).unwrap_or_default();
    let days = 14 * 365;
    let parties = ["openai", "microsoft"];
    let streams = ["api", "chatgpt", "azure_openai"];
    let mut rows: Vec<(u64, String)> = (0..n)
        .map(|_| {
            let d = rng.below(days);
            let date = base.checked_add_days(chrono::Days::new(d)).unwrap_or(base);
            let mut cents = (rng.below(2_000_000) + 100) as i64 * (1 + d as i64 / 365);
            if rng.below(100) == 0 {
                cents = -cents / 3;
            }
            let line = format!(
                "{},{},{},{}.{:02},USD\n",
                date.format("%Y-%m-%d"),
                parties[rng.below(2) as usize],
                streams[rng.below(3) as usize],
                cents / 100,
                (cents % 100).abs()
            );
            (d, line)
        })
        .collect();
    if sorted {
        rows.sort_by_key(|(d, _)| *d);
    }
    let mut s = String::with_capacity(n * 45 + 40);
    s.push_str("date,party,stream,amount,currency\n");
    for (_, line) in rows {
        s.push_str(&line);
    }
    s
}
