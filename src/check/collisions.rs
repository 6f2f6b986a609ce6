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

/// One warning in the making: the clauses it names, the products and the days.
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

/// Clauses named in a warning's message at most; the rest are counted.
const NAMED: usize = 4;

/// `` `a` ``, `` `a` and `b` ``, `` `a`, `b` and `c` ``, or the first few and a count.
fn list(names: &[&str], others: &str) -> String {
    let quoted: Vec<String> = names.iter().take(NAMED).map(|n| format!("`{n}`")).collect();
    let rest = names.len().saturating_sub(NAMED);
    match (quoted.split_last(), rest) {
        (None, _) => String::new(),
        (Some((last, [])), 0) => last.clone(),
        (Some((last, init)), 0) => format!("{} and {last}", init.join(", ")),
        (Some(_), n) => format!("{} and {n} other {others}", quoted.join(", ")),
    }
}

/// The versions of exclusivities and first-launch rights that speak of each product.
fn per_product<'a>(rules: &RuleSet, cons: &'a Consolidated) -> Vec<Vec<&'a Version>> {
    let by_owner = rules.products_by_owner();
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
    per_product
}

/// Sweeps one product's exclusivities over time: where those in force together allow no cloud
/// at all, the set of them (clause ids, sorted) and the days. Counts of how many exclusivities
/// in force allow each cloud, and of how many clouds have each count, are kept as they start
/// and end, so the work follows the exclusivities, not their pairs.
fn no_cloud(exclusivities: &[(&Version, Vec<CloudId>)]) -> Vec<(Vec<ClauseId>, Days)> {
    let mut events: Vec<(NaiveDate, bool, usize)> = Vec::new();
    let mut active: std::collections::BTreeSet<usize> = std::collections::BTreeSet::new();
    for (i, (v, _)) in exclusivities.iter().enumerate() {
        match &v.in_force.start {
            Some(b) => events.push((b.day, true, i)),
            None => {
                active.insert(i);
            }
        }
        if let Some(b) = &v.in_force.end {
            events.push((b.day, false, i));
        }
    }
    // Ends before starts on one day: `[a, d)` and `[d, e)` do not overlap.
    events.sort_by_key(|(day, starts, i)| (*day, *starts, *i));
    let mut count: BTreeMap<CloudId, usize> = BTreeMap::new();
    let mut with_count: Vec<usize> = vec![0; exclusivities.len() + 2];
    let shift =
        |count: &mut BTreeMap<CloudId, usize>, with: &mut Vec<usize>, c: CloudId, up: bool| {
            let n = count.entry(c).or_insert(0);
            if let Some(w) = with.get_mut(*n) {
                *w = w.saturating_sub(1);
            }
            *n = if up { *n + 1 } else { n.saturating_sub(1) };
            if let Some(w) = with.get_mut(*n) {
                *w += 1;
            }
        };
    for &i in &active {
        for &c in exclusivities
            .get(i)
            .map(|(_, c)| c.as_slice())
            .unwrap_or_default()
        {
            shift(&mut count, &mut with_count, c, true);
        }
    }
    let mut out: Vec<(Vec<ClauseId>, Days)> = Vec::new();
    let mut from: Option<NaiveDate> = None;
    let mut k = 0;
    loop {
        let until = events.get(k).map(|(d, _, _)| *d);
        let empty = active.len() >= 2 && with_count.get(active.len()).copied().unwrap_or(0) == 0;
        if empty && until.is_none_or(|u| from.is_none_or(|f| f < u)) {
            let mut clauses: Vec<ClauseId> = active
                .iter()
                .filter_map(|&i| exclusivities.get(i).map(|(v, _)| v.clause))
                .collect();
            clauses.sort_unstable();
            clauses.dedup();
            match out.last_mut() {
                Some((last, (_, end))) if *last == clauses && *end == from => *end = until,
                _ => out.push((clauses, (from, until))),
            }
        }
        let Some(day) = until else {
            break;
        };
        while let Some(&(d, starts, i)) = events.get(k).filter(|(d, _, _)| *d == day) {
            let _ = d;
            let clouds = exclusivities
                .get(i)
                .map(|(_, c)| c.as_slice())
                .unwrap_or_default();
            let changed = if starts {
                active.insert(i)
            } else {
                active.remove(&i)
            };
            if changed {
                for &c in clouds {
                    shift(&mut count, &mut with_count, c, starts);
                }
            }
            k += 1;
        }
        from = Some(day);
    }
    out
}

/// The collision warnings of a consolidated rule set: one warning for each set of
/// exclusivities that together leave a product no cloud, and one for each first-launch right
/// whose cloud exclusivities forbid, naming those exclusivities.
pub fn warnings(rules: &RuleSet, cons: &Consolidated) -> Vec<Diagnostic> {
    collisions(rules, cons)
        .into_iter()
        .filter_map(|((first_launch, exclusive), c)| {
            let named: Vec<&Clause> = exclusive.iter().filter_map(|x| rules.clause(*x)).collect();
            match first_launch.and_then(|f| rules.clause(f)) {
                Some(right) => blocked_right(rules, right, &named, &c),
                None => Some(no_cloud_left(rules, &named, &c)),
            }
        })
        .collect()
}

/// A collision's key: the first-launch right it blocks (none: exclusivities that leave no
/// cloud), and the exclusivities, sorted.
type Key = (Option<ClauseId>, Vec<ClauseId>);

/// Every collision, product by product, grouped by the clauses that collide.
fn collisions(rules: &RuleSet, cons: &Consolidated) -> BTreeMap<Key, Collision> {
    let mut found: BTreeMap<Key, Collision> = BTreeMap::new();
    for (product, list) in (0..).zip(per_product(rules, cons).iter()) {
        let exclusivities: Vec<(&Version, Vec<CloudId>)> = list
            .iter()
            .filter_map(|v| match &v.terms.body {
                // An exclusivity that names no cloud (only who deploys) leaves every cloud.
                Body::Exclusivity { clouds, .. } if !clouds.is_empty() => {
                    let mut c = clouds.to_vec();
                    c.sort_unstable();
                    c.dedup();
                    Some((*v, c))
                }
                _ => None,
            })
            .collect();
        for (clauses, span) in no_cloud(&exclusivities) {
            let c = found.entry((None, clauses)).or_default();
            if !c.products.contains(&product) {
                c.products.push(product);
            }
            c.days.push(span);
        }
        for f in list.iter() {
            let Body::FirstLaunch { cloud, unless, .. } = &f.terms.body else {
                continue;
            };
            let (blocking, spans) = blocking(f, *cloud, &exclusivities);
            if blocking.is_empty() {
                continue;
            }
            let c = found.entry((Some(f.clause), blocking)).or_default();
            if !c.products.contains(&product) {
                c.products.push(product);
            }
            c.days.extend(spans);
            c.unless = unless.to_vec();
        }
    }
    found
}

/// The exclusivities (sorted) that forbid a first-launch right's cloud while the right is in
/// force, and the days each does.
fn blocking(
    right: &Version,
    cloud: CloudId,
    exclusivities: &[(&Version, Vec<CloudId>)],
) -> (Vec<ClauseId>, Vec<Days>) {
    let mut blocking: Vec<ClauseId> = Vec::new();
    let mut spans = Vec::new();
    for (e, clouds) in exclusivities {
        if clouds.binary_search(&cloud).is_ok() || e.clause == right.clause {
            continue;
        }
        let overlap = e.in_force.intersect(&right.in_force);
        if overlap.is_empty() {
            continue;
        }
        blocking.push(e.clause);
        spans.push(days(&overlap));
    }
    blocking.sort_unstable();
    blocking.dedup();
    (blocking, spans)
}

/// The products a collision concerns, as the warning names them.
fn products_text(rules: &RuleSet, c: &Collision) -> String {
    c.products
        .iter()
        .map(|p| format!("`{}`", rules.product(*p)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Exclusivities that together leave a product no cloud.
fn no_cloud_left(rules: &RuleSet, named: &[&Clause], c: &Collision) -> Diagnostic {
    let names: Vec<&str> = named.iter().map(|c| c.qualified.as_str()).collect();
    located(
        Diagnostic::warning(
            crate::diag::Code::ExclusivitiesCollide,
            crate::source::Span::default(),
            format!(
                "{} leave {} no cloud at all, {}",
                list(&names, "exclusivities"),
                products_text(rules, c),
                describe(&union(c.days.clone()))
            ),
        )
        .help(if names.len() == 2 {
            "each allows only clouds the other forbids: every deployment breaches one of them"
        } else {
            "together they allow no cloud: every deployment breaches one of them"
        }),
        named,
    )
}

/// Exclusivities that forbid the cloud a first-launch right requires.
fn blocked_right(
    rules: &RuleSet,
    right: &Clause,
    named: &[&Clause],
    c: &Collision,
) -> Option<Diagnostic> {
    let Body::FirstLaunch { cloud, .. } = &right.terms.body else {
        return None;
    };
    let names: Vec<&str> = named.iter().map(|c| c.qualified.as_str()).collect();
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
    let verb = if names.len() == 1 {
        "forbids"
    } else {
        "forbid"
    };
    // Shown at whichever of the clauses comes last in the files (by name, then place), with
    // the others beside it.
    let mut all = named.to_vec();
    all.push(right);
    Some(located(
        Diagnostic::warning(
            crate::diag::Code::ExclusivityBlocksFirstLaunch,
            crate::source::Span::default(),
            format!(
                "{} {verb} `{}`, where `{}` requires {} to launch first, {}",
                list(&names, "exclusivities"),
                rules.cloud(*cloud),
                right.qualified,
                products_text(rules, c),
                describe(&union(c.days.clone()))
            ),
        )
        .help(help),
        &all,
    ))
}

/// Points a warning at the last of its clauses in file order and labels a few others.
/// Two licences of one licensor over one product, to different parties, one of them exclusive,
/// whose rights, scopes and days overlap (0.2): the later one grants nothing over the overlap
/// (when either is written in 0.2's terms), and in any case one of them is breached. One warning
/// per pair, naming the products and the days.
pub fn licence_warnings(rules: &RuleSet, cons: &Consolidated) -> Vec<Diagnostic> {
    let geo = crate::eval::place::Geography {
        territories: crate::eval::place::Regions::new(&rules.territories),
        fields: crate::eval::place::Regions::new(&rules.fields),
    };
    let by_owner = rules.products_by_owner();
    // Licence versions in force some day, by (licensor, product).
    let mut groups: BTreeMap<(PartyId, ProductId), Vec<&Version>> = BTreeMap::new();
    for v in cons.versions.iter().filter(|v| !v.in_force.is_empty()) {
        let Body::Licence {
            licensor, selector, ..
        } = &v.terms.body
        else {
            continue;
        };
        for p in rules.select(selector, &by_owner) {
            groups.entry((*licensor, p)).or_default().push(v);
        }
    }
    let mut found: BTreeMap<(ClauseId, ClauseId), Collision> = BTreeMap::new();
    for ((_, product), list) in &groups {
        // Versions by clause: amendments make many versions of one clause, and a clause never
        // collides with itself.
        let mut by_clause: BTreeMap<ClauseId, Vec<&Version>> = BTreeMap::new();
        for v in list {
            by_clause.entry(v.clause).or_default().push(v);
        }
        let exclusive: Vec<(ClauseId, &Vec<&Version>)> = by_clause
            .iter()
            .filter(|(_, vs)| {
                vs.iter().any(|v| {
                    matches!(
                        v.terms.body,
                        Body::Licence {
                            exclusive: true,
                            ..
                        }
                    )
                })
            })
            .map(|(c, vs)| (*c, vs))
            .collect();
        for (ec, evs) in &exclusive {
            for (oc, ovs) in &by_clause {
                if oc == ec {
                    continue;
                }
                for e in evs.iter() {
                    let Body::Licence {
                        licensee: holder,
                        exclusive: true,
                        ..
                    } = e.terms.body
                    else {
                        continue;
                    };
                    for other in ovs.iter() {
                        let Body::Licence { licensee, .. } = other.terms.body else {
                            continue;
                        };
                        if licensee == holder {
                            continue;
                        }
                        let overlap = e.in_force.intersect(&other.in_force);
                        if overlap.is_empty()
                            || !geo.scopes_overlap(e.terms.scope(), other.terms.scope())
                        {
                            continue;
                        }
                        let key = ((*ec).min(*oc), (*ec).max(*oc));
                        let c = found.entry(key).or_default();
                        if !c.products.contains(product) {
                            c.products.push(*product);
                        }
                        c.days.push(days(&overlap));
                    }
                }
            }
        }
    }
    found
        .into_iter()
        .map(|((a, b), c)| {
            let named: Vec<&Clause> = [a, b].iter().filter_map(|x| rules.clause(*x)).collect();
            let names: Vec<&str> = named.iter().map(|c| c.qualified.as_str()).collect();
            located(
                Diagnostic::warning(
                    crate::diag::Code::LicencesCollide,
                    crate::source::Span::default(),
                    format!(
                        "{} license {} to different parties over overlapping places and days, one of them exclusively: {}",
                        list(&names, "licences"),
                        products_text(rules, &c),
                        describe(&union(c.days.clone()))
                    ),
                )
                .help("the licence signed later grants nothing where the exclusive one holds; narrow a scope or end one of them"),
                &named,
            )
        })
        .collect()
}

fn located(d: Diagnostic, clauses: &[&Clause]) -> Diagnostic {
    let mut sorted: Vec<&&Clause> = clauses.iter().collect();
    sorted.sort_by_key(|c| c.span);
    let Some((last, earlier)) = sorted.split_last() else {
        return d;
    };
    let mut d = Diagnostic {
        span: last.head,
        ..d
    }
    .label("collides");
    for c in earlier.iter().rev().take(NAMED) {
        d = d.related(c.head, format!("with `{}`", c.qualified));
    }
    d
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
