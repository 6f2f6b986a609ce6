//! Clause terms in words, with assumption values filled in, for reasons.

use crate::consolidate::Env;
use crate::model::*;
use crate::money;

pub fn selector(rules: &RuleSet, s: &Selector) -> String {
    match s {
        Selector::Products(ids) => {
            let names: Vec<&str> = ids.iter().map(|p| rules.product(*p)).collect();
            format!("product {}", names.join(", "))
        }
        Selector::Matching { by, tags, except } => {
            let mut out = String::from("products");
            if let Some(p) = by {
                out.push_str(" by ");
                out.push_str(rules.party(*p));
            }
            if !tags.is_empty() {
                out.push_str(" tagged ");
                out.push_str(&tags.join(", "));
            }
            if !except.is_empty() {
                let names: Vec<&str> = except.iter().map(|p| rules.product(*p)).collect();
                out.push_str(&format!(" except product {}", names.join(", ")));
            }
            out
        }
    }
}

pub fn clouds(rules: &RuleSet, ids: &[CloudId]) -> String {
    let names: Vec<&str> = ids.iter().map(|c| rules.cloud(*c)).collect();
    names.join(", ")
}

/// A day as a clause writes it: the day, or for `end of` / `start of` (0.2) the words (the
/// day itself depends on the agreement's life).
pub fn day_text(rules: &RuleSet, env: &Env, v: crate::model::Val<chrono::NaiveDate>) -> String {
    if let crate::model::Val::Expr(e) = v {
        if let Some(crate::model::DayExpr {
            base:
                crate::model::DayBase::Of {
                    end,
                    agreement,
                    clause,
                },
            shifts,
            ..
        }) = rules.day_exprs.get(e as usize)
        {
            let mut out = format!(
                "{} of {}",
                if *end { "end" } else { "start" },
                rules.agreement_name(*agreement)
            );
            if let Some(c) = clause.and_then(|c| rules.clause(c)) {
                out = format!("{} of {}", if *end { "end" } else { "start" }, c.qualified);
            }
            for (plus, d) in shifts {
                out.push_str(&format!(
                    " {} {}",
                    if *plus { "+" } else { "-" },
                    env.duration(*d).0
                ));
            }
            return out;
        }
    }
    crate::time::iso(env.day(v).day)
}

/// ` from stream s` / ` from streams s, t`, or nothing when no stream is named.
fn streams_text(streams: &[String]) -> String {
    match streams {
        [] => String::new(),
        [one] => format!(" from stream {one}"),
        many => format!(" from streams {}", many.join(", ")),
    }
}

/// The consolidated sentence of a clause, values resolved.
pub fn sentence(
    rules: &RuleSet,
    env: &Env,
    body: &Body,
    cap_from: Option<chrono::NaiveDate>,
) -> String {
    match body {
        Body::Commitment {
            spender,
            with,
            amount,
            streams,
            per,
            payable,
        } => {
            let amount = env
                .money(*amount)
                .map_or_else(|| "an amount".to_string(), |(m, _)| m.to_string());
            let mut out = format!(
                "{} spends {amount} with {}",
                rules.party(*spender),
                rules.party(*with)
            );
            out.push_str(&streams_text(streams));
            if let Some(p) = per {
                out.push_str(&format!(" per {}", p.words()));
            }
            out.push_str(if *payable {
                ", shortfall payable"
            } else {
                ", shortfall not payable"
            });
            out
        }
        Body::Payment {
            payer,
            payee,
            amount,
            due,
        } => {
            let amount = env
                .money(*amount)
                .map_or_else(|| "an amount".to_string(), |(m, _)| m.to_string());
            let due = match due {
                crate::model::Due::On(v) => format!("on {}", day_text(rules, env, *v)),
                crate::model::Due::OnEvent(e, None) => format!("on {}", rules.event(*e)),
                crate::model::Due::OnEvent(e, Some(d)) => {
                    format!("on {} + {}", rules.event(*e), env.duration(*d).0)
                }
                crate::model::Due::Every(p) => format!("every {}", p.words()),
            };
            format!(
                "{} pays {} {amount} {due}",
                rules.party(*payer),
                rules.party(*payee)
            )
        }
        Body::Exclusivity {
            beneficiary,
            selector: s,
            clouds: c,
            only_by,
            by_affiliates,
        } => {
            let mut out = format!("deploy {}", selector(rules, s));
            if !c.is_empty() {
                out.push_str(&format!(" only on {}", clouds(rules, c)));
            }
            if !only_by.is_empty() {
                let names: Vec<&str> = only_by.iter().map(|p| rules.party(*p)).collect();
                out.push_str(&format!(" only by {}", names.join(", ")));
                if *by_affiliates {
                    out.push_str(" with affiliates");
                }
            }
            if let Some(b) = beneficiary {
                out.push_str(&format!(" (for {})", rules.party(*b)));
            }
            out
        }
        Body::Licence {
            licensor,
            licensee,
            with_affiliates,
            exclusive,
            deploy,
            selector: s,
            sublicensable,
        } => format!(
            "{} grants {}{} {} {} of {}{}",
            rules.party(*licensor),
            rules.party(*licensee),
            if *with_affiliates {
                " with affiliates"
            } else {
                ""
            },
            if *exclusive {
                "exclusive"
            } else {
                "non-exclusive"
            },
            if *deploy { "deploy" } else { "use" },
            selector(rules, s),
            match sublicensable {
                None => String::new(),
                Some(None) => " sublicensable".to_string(),
                Some(Some(c)) => format!(" sublicensable with consent of {}", rules.party(*c)),
            }
        ),
        Body::FirstLaunch {
            selector: s,
            cloud,
            unless,
            lead,
        } => {
            let mut out = format!(
                "{} launch first on {}",
                selector(rules, s),
                rules.cloud(*cloud)
            );
            out.push_str(&unless_words(rules, unless));
            out.push_str(&format!(", lead {}", env.duration(*lead).0));
            out
        }
        Body::FirstOffer {
            selector: s,
            to,
            unless,
            within,
        } => {
            let mut out = format!(
                "{} offered first to {}",
                selector(rules, s),
                rules.party(*to)
            );
            out.push_str(&unless_words(rules, unless));
            out.push_str(&format!(", within {}", env.duration(*within).0));
            out
        }
        Body::RevenueShare(share) => {
            let RevenueShare {
                payer,
                payee,
                rate,
                earner,
                streams,
                cap,
                tiers,
                tiers_per,
                recoup,
                period_cap,
                minimum,
            } = &**share;
            let mut rates = format!("{}%", env.percent(*rate).0.normalize());
            for (bound, next) in tiers {
                let bound = env
                    .money(*bound)
                    .map_or_else(String::new, |(m, _)| m.to_string());
                rates.push_str(&format!(
                    " up to {bound}, {}%",
                    env.percent(*next).0.normalize()
                ));
            }
            if !tiers.is_empty() {
                rates.push_str(" above");
            }
            if let Some(p) = tiers_per {
                rates.push_str(&format!(" per {}", p.words()));
            }
            let mut out = format!(
                "{} pays {} {rates} of {} revenue",
                rules.party(*payer),
                rules.party(*payee),
                rules.party(*earner)
            );

            out.push_str(&streams_text(streams));
            if let Some(cap) = cap {
                if let Some((m, _)) = env.money(cap.amount) {
                    out.push_str(&format!(
                        ", capped at {} {}",
                        m.currency.code(),
                        money::grouped(m.currency, m.amount)
                    ));
                }
                if let Some(d) = cap_from {
                    out.push_str(&format!(" counting from {}", crate::time::iso(d)));
                }
            }
            if let Some((cap, per)) = period_cap {
                if let Some((m, _)) = env.money(*cap) {
                    out.push_str(&format!(", capped at {m} per {}", per.words()));
                }
            }
            if let Some((m, _)) = recoup.and_then(|r| env.money(r)) {
                out.push_str(&format!(", after recouping {m}"));
            }
            if let Some((min, per)) = minimum {
                if let Some((m, _)) = env.money(*min) {
                    out.push_str(&format!(", minimum {m} per {}", per.words()));
                }
            }
            out
        }
        Body::Rule {
            action,
            selector: s,
            clouds: c,
            except_clouds,
        } => {
            let verb = action.word();
            let on = if *except_clouds {
                format!(" on any channel except {}", clouds(rules, c))
            } else if c.is_empty() {
                " on any cloud".to_string()
            } else {
                format!(" on {}", clouds(rules, c))
            };
            format!("forbid {verb} {}{on}", selector(rules, s))
        }
    }
}

/// ` unless PARTY VERB or …` in words, or nothing.
fn unless_words(rules: &RuleSet, unless: &[(PartyId, String)]) -> String {
    if unless.is_empty() {
        return String::new();
    }
    let acts: Vec<String> = unless
        .iter()
        .map(|(p, v)| format!("{} {v}", rules.party(*p)))
        .collect();
    format!(" unless {}", acts.join(" or "))
}
