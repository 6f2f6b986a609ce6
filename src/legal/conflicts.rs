//! Warnings where clauses collide, found over consolidated windows.
//!
//! Two exclusivities that cover one product over overlapping days and leave it no cloud at all;
//! an exclusivity that forbids the very cloud a first-launch right requires the product to launch
//! on first (then only the right's `unless` acts can free the product). Each warning names both
//! clauses, the products and the days of the collision.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::consolidate::{Consolidated, Interval, Version};
use crate::diag::Diagnostic;
use crate::model::*;
use crate::time::iso;

/// Days `[from, until)`, `None` for open ends.
type Days = (Option<NaiveDate>, Option<NaiveDate>);

#[derive(Default)]
struct Collision {
    products: Vec<ProductId>,
    days: Vec<Days>,
    unless: Vec<(PartyId, String)>,
}

fn days(iv: &Interval) -> Days {
    (
        iv.start.as_ref().map(|b| b.day),
        iv.end.as_ref().map(|b| b.day),
    )
}

/// Merges overlapping or touching stretches of days.
fn union(mut spans: Vec<Days>) -> Vec<Days> {
    spans.sort_by_key(|(f, _)| f.unwrap_or(NaiveDate::MIN));
    let mut out: Vec<Days> = Vec::new();
    for (f, u) in spans {
        match out.last_mut() {
            Some((_, last_u)) if last_u.is_none_or(|lu| f.is_none_or(|f| f <= lu)) => {
                if last_u.is_some() {
                    *last_u = match (*last_u, u) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        _ => None,
                    };
                }
            }
            _ => out.push((f, u)),
        }
    }
    out
}

fn describe(spans: &[Days]) -> String {
    spans
        .iter()
        .map(|(f, u)| match (f, u) {
            (Some(f), Some(u)) => format!(
                "from {} until {} ({} days)",
                iso(*f),
                iso(*u),
                (*u - *f).num_days()
            ),
            (Some(f), None) => format!("from {} on", iso(*f)),
            (None, Some(u)) => format!("until {}", iso(*u)),
            (None, None) => "at all times".to_string(),
        })
        .collect::<Vec<_>>()
        .join(", and ")
}

/// What a version allows, for grouping: only some clouds, or a first launch on one.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Allows {
    Only(Vec<CloudId>),
    FirstOn(CloudId),
}

/// Whether versions allowing `a` and `b` collide: two exclusivities with no cloud in common, or
/// an exclusivity that forbids the cloud a first launch needs.
fn collide(a: &Allows, b: &Allows) -> bool {
    match (a, b) {
        (Allows::Only(x), Allows::Only(y)) => !x.iter().any(|c| y.contains(c)),
        (Allows::Only(x), Allows::FirstOn(c)) | (Allows::FirstOn(c), Allows::Only(x)) => {
            !x.contains(c)
        }
        (Allows::FirstOn(_), Allows::FirstOn(_)) => false,
    }
}

/// The collision warnings of a consolidated rule set.
pub fn warnings(rules: &RuleSet, cons: &Consolidated) -> Vec<Diagnostic> {
    let by_owner = rules.products_by_owner();
    // The exclusivity and first-launch versions that speak of each product.
    let mut per_product: Vec<Vec<&Version>> = vec![Vec::new(); rules.products.len()];
    for v in cons.versions.iter().filter(|v| !v.in_force.is_empty()) {
        if !matches!(
            v.terms.body,
            Body::Exclusivity { .. } | Body::FirstLaunch { .. }
        ) {
            continue;
        }
        if let Some(sel) = v.terms.body.selector() {
            for p in rules.select(sel, &by_owner) {
                if let Some(list) = per_product.get_mut(p as usize) {
                    list.push(v);
                }
            }
        }
    }
    let mut found: BTreeMap<(ClauseId, ClauseId, bool), Collision> = BTreeMap::new();
    for (p, list) in per_product.iter().enumerate() {
        let product = ProductId::try_from(p).unwrap_or(0);
        // Versions that allow the same clouds never collide with each other: compare groups
        // first, and versions only across groups whose clouds collide. Many clauses on one
        // product cost a pass over them, not a comparison of every pair.
        let mut groups: BTreeMap<Allows, Vec<&Version>> = BTreeMap::new();
        for v in list {
            let key = match &v.terms.body {
                Body::Exclusivity { clouds, .. } => {
                    let mut c = clouds.clone();
                    c.sort_unstable();
                    c.dedup();
                    Allows::Only(c)
                }
                Body::FirstLaunch { cloud, .. } => Allows::FirstOn(*cloud),
                _ => continue,
            };
            groups.entry(key).or_default().push(v);
        }
        let groups: Vec<(Allows, Vec<&Version>)> = groups.into_iter().collect();
        let pairs = groups
            .iter()
            .enumerate()
            .flat_map(|(i, g)| groups.iter().skip(i + 1).map(move |h| (g, h)));
        for ((ka, va), (kb, vb)) in pairs {
            if !collide(ka, kb) {
                continue;
            }
            for a in va {
                for b in vb {
                    if a.clause == b.clause {
                        continue;
                    }
                    let overlap = a.in_force.intersect(&b.in_force);
                    if overlap.is_empty() {
                        continue;
                    }
                    let hit = match (&a.terms.body, &b.terms.body) {
                        (Body::Exclusivity { .. }, Body::Exclusivity { .. }) => {
                            Some(((a.clause, b.clause, false), Vec::new()))
                        }
                        (Body::Exclusivity { .. }, Body::FirstLaunch { unless, .. }) => {
                            Some(((a.clause, b.clause, true), unless.clone()))
                        }
                        (Body::FirstLaunch { unless, .. }, Body::Exclusivity { .. }) => {
                            Some(((b.clause, a.clause, true), unless.clone()))
                        }
                        _ => None,
                    };
                    if let Some((key, unless)) = hit {
                        let key = if key.2 || key.0 < key.1 {
                            key
                        } else {
                            (key.1, key.0, false)
                        };
                        let c = found.entry(key).or_default();
                        if !c.products.contains(&product) {
                            c.products.push(product);
                        }
                        c.days.push(days(&overlap));
                        c.unless = unless;
                    }
                }
            }
        }
    }
    found
        .into_iter()
        .filter_map(|((x, y, first_launch), c)| {
            let (cx, cy) = (rules.clause(x)?, rules.clause(y)?);
            let products = c
                .products
                .iter()
                .map(|p| format!("`{}`", rules.product(*p)))
                .collect::<Vec<_>>()
                .join(", ");
            let when = describe(&union(c.days));
            let (later, earlier) = if cx.span <= cy.span { (cy, cx) } else { (cx, cy) };
            let d = if first_launch {
                let Body::FirstLaunch { cloud, .. } = &cy.terms.body else {
                    return None;
                };
                let product = match c.products.as_slice() {
                    [one] => rules.product(*one),
                    _ => "PRODUCT",
                };
                let resolve = c
                    .unless
                    .iter()
                    .map(|(party, verb)| format!("`{} {verb} {product}`", rules.party(*party)))
                    .collect::<Vec<_>>();
                let help = if resolve.is_empty() {
                    "the right has no `unless`: nothing on record can resolve this".to_string()
                } else {
                    format!(
                        "resolved for a product once one of these is recorded: {}",
                        resolve.join(", ")
                    )
                };
                Diagnostic::warning(
                    "exclusivity-blocks-first-launch",
                    later.head,
                    format!(
                        "`{}` forbids `{}`, where `{}` requires {products} to launch first, {when}",
                        cx.qualified,
                        rules.cloud(*cloud),
                        cy.qualified
                    ),
                )
                .help(help)
            } else {
                Diagnostic::warning(
                    "exclusivities-collide",
                    later.head,
                    format!(
                        "`{}` and `{}` leave {products} no cloud at all, {when}",
                        cx.qualified, cy.qualified
                    ),
                )
                .help("each allows only clouds the other forbids: every deployment breaches one of them")
            };
            Some(
                d.label("collides")
                    .related(earlier.head, format!("with `{}`", earlier.qualified)),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<NaiveDate> {
        crate::time::parse_day(s)
    }

    #[test]
    fn touching_and_overlapping_stretches_merge() {
        let spans = vec![
            (d("2026-03-01"), d("2026-04-01")),
            (d("2026-01-01"), d("2026-03-01")),
            (d("2026-05-01"), None),
            (d("2026-06-01"), d("2026-07-01")),
        ];
        assert_eq!(
            union(spans),
            vec![(d("2026-01-01"), d("2026-04-01")), (d("2026-05-01"), None)]
        );
    }
}
