//! The checker: syntax trees to the checked model.
//!
//! [`check`] parses every source, declares every id (order of files and items does not matter),
//! resolves references and cloud aliases, types `$` references against their assumptions,
//! validates amendments, and finally consolidates the agreements once with the assumptions as
//! written, so that problems that only show in time (two amendments changing one clause on one
//! day, an amendment changing an ended clause) are reported here too. Errors and warnings travel
//! together; a rule set with any error is not returned for evaluation.

mod clauses;
mod collisions;
mod graph;
mod names;

use chrono::NaiveDate;

use crate::consolidate::{self, Env};
use crate::diag::{self, Diagnostic};
use crate::model::*;
use crate::money::{self, Money};
use crate::source::{Sources, Span};
use crate::syntax::{self, ast};
use crate::time::Duration;

use names::{Kind, Tables};

/// A rule set that failed to check: its sources (to render the diagnostics) and every problem.
#[derive(Debug)]
pub struct Failure {
    /// The rule texts, to place the diagnostics.
    pub sources: Sources,
    /// Every problem found, errors and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl std::fmt::Display for Failure {
    /// Every diagnostic, rendered plain (`FILE:LINE:COL: error[code]: message`, the line and a
    /// marker).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::diag::render(
            &self.diagnostics,
            &self.sources,
            crate::diag::Style::Plain,
        ))
    }
}

impl std::error::Error for Failure {}

/// The failure as a miette diagnostic: each problem is a related diagnostic.
impl miette::Diagnostic for Failure {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new("check"))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        Some(Box::new(
            self.diagnostics
                .iter()
                .map(|d| d as &dyn miette::Diagnostic),
        ))
    }
}

/// A checked rule set and its warnings.
#[derive(Debug)]
pub struct Checked {
    /// The checked rules.
    pub rules: RuleSet,
    /// The warnings the check found.
    pub warnings: Vec<Diagnostic>,
}

/// A parsed file as the checker reads it. An owned tree gives up each agreement's clauses as
/// soon as they are in the model, so that the tree and the model are not both whole at once
/// (the peak of a large rule set's memory); a shared one (the language server keeps its trees
/// between checks) is only read.
#[doc(hidden)]
pub trait Tree: std::borrow::Borrow<ast::File> {
    /// The clauses of the agreement that is item `item` of the file are in the model.
    fn lowered(&mut self, _item: usize) {}
}

impl Tree for ast::File {
    fn lowered(&mut self, item: usize) {
        if let Some(ast::Item::Agreement(a)) = self.items.get_mut(item) {
            a.clauses = Vec::new();
            a.clause_spans = Vec::new();
        }
    }
}

impl Tree for std::sync::Arc<ast::File> {}

impl Tree for std::rc::Rc<ast::File> {}

impl Tree for &ast::File {}

/// Rule texts from this size on are read lean ([`syntax::parse_lean`]): their agreements' heads
/// and clauses are read again from the text as the model is built, for about two thirds more
/// instructions and half the memory. Smaller rule sets (the shipped rules are 6 KB) are read
/// whole once: their trees take some twenty megabytes at most.
const LEAN_FROM: usize = 1 << 20;

/// Parses and checks a rule set.
pub fn check(mut sources: Sources) -> Result<Checked, Failure> {
    sources.sort_by_name();
    let lean = sources.iter().map(|(_, s)| s.text.len()).sum::<usize>() >= LEAN_FROM;
    let mut diags = Vec::new();
    let mut files = Vec::with_capacity(sources.len());
    for (id, src) in sources.iter() {
        let (file, errors) = if lean {
            syntax::parse_lean(id, &src.text)
        } else {
            syntax::parse(id, &src.text)
        };
        diags.extend(errors);
        files.push(file);
    }
    check_parsed(sources, files, diags)
}

/// Checks a rule set whose files are parsed already: `files[i]` is the tree of file `i` of
/// `sources`, which are in order of their names (as [`Sources::sort_by_name`] leaves them), and
/// `diags` holds the parse errors. For a caller that keeps the trees of unchanged files between
/// checks (the language server); [`check`] is this after parsing.
#[doc(hidden)]
pub fn check_parsed<F: Tree>(
    sources: Sources,
    mut files: Vec<F>,
    mut diags: Vec<Diagnostic>,
) -> Result<Checked, Failure> {
    if sources.is_empty() {
        diags.push(Diagnostic::error(
            crate::diag::Code::EmptyRuleSet,
            Span::default(),
            "the rule set is empty: no rule files were given",
        ));
        return Err(Failure {
            sources,
            diagnostics: diags,
        });
    }
    let mut checker = Checker {
        rules: RuleSet::default(),
        tables: Tables::default(),
        diags,
        used: Vec::new(),
        clause_ids: Default::default(),
        clause_days: false,
        pending_of: Vec::new(),
    };
    checker.run(&mut files, &sources);
    let declares_nothing = files.iter().all(|f| f.borrow().items.is_empty());
    // The syntax trees are done with: free them before consolidation builds its versions.
    drop(files);
    let (mut rules, mut diags, used) = checker.into_parts();
    rules.sources = sources;
    diags.extend(cap_currencies(&rules));
    // Cycles need no consolidation: they are reported whatever else is wrong.
    diags.extend(event_cycles(&rules));
    diags.extend(region_cycles(&rules.territories, "territory"));
    diags.extend(region_cycles(&rules.fields, "field"));
    // Affiliation too is a chain that may not close on itself.
    let affiliation: Vec<Region> = rules
        .parties
        .iter()
        .map(|p| Region {
            name: p.name.clone(),
            within: p.affiliate_of.into_iter().collect(),
        })
        .collect();
    diags.extend(region_cycles(&affiliation, "party"));
    diags.extend(day_orders(&mut rules));
    diags.extend(money_parties(&rules));
    diags.extend(money_currencies(&rules));
    if !diags.iter().any(Diagnostic::is_error) {
        diags.extend(derived_defaults(&mut rules));
    }
    if !diags.iter().any(Diagnostic::is_error) {
        let env = Env::defaults(&rules);
        let (cons, problems) = consolidate::consolidate(&rules, &env, None);
        diags.extend(problems);
        diags.extend(collisions::warnings(&rules, &cons));
        diags.extend(collisions::licence_warnings(&rules, &cons));
        diags.extend(only_by_unlicensed(&rules, &cons));
        diags.extend(payments_never_due(&rules, &cons));
        diags.extend(never_in_force(&rules, &cons));
        diags.extend(unused_assumptions(&rules, &used));
        diags.extend(notices_without_right(&rules));
        diags.extend(inert_records(&rules));
        diags.extend(needless_survival(&rules));
        diags.extend(unused_regions(&rules));
        diags.extend(selector_warnings(&rules));
    }
    diag::sort(&mut diags);
    if declares_nothing && !diags.iter().any(Diagnostic::is_error) {
        diags.push(
            Diagnostic::error(
                crate::diag::Code::EmptyRuleSet,
                Span::default(),
                "the rule set declares nothing: its files hold no declarations",
            )
            .label("empty"),
        );
    }
    if diags.iter().any(Diagnostic::is_error) {
        return Err(Failure {
            sources: rules.sources,
            diagnostics: diags,
        });
    }
    Ok(Checked {
        rules,
        warnings: diags,
    })
}

/// Orders derived assumptions after those they are defined over, and measures the longest
/// chain of clauses whose days are `end of` / `start of` another clause; a circle in either is
/// an error naming every member.
fn day_orders(rules: &mut RuleSet) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let exprs = &rules.day_exprs;
    let base_of = |v: Val<NaiveDate>| match v {
        Val::Expr(e) => exprs.get(e as usize).map(|x| x.base),
        _ => None,
    };
    // Derived assumptions: each is defined over at most one other (its base).
    let deps: Vec<Vec<usize>> = rules
        .assumptions
        .iter()
        .map(|a| match a.derived.and_then(|e| base_of(Val::Expr(e))) {
            Some(DayBase::Day(Val::Assumed(b))) => vec![b as usize],
            _ => Vec::new(),
        })
        .collect();
    match graph::order(&deps) {
        Ok((order, _)) => {
            rules.derived_order = order
                .into_iter()
                .filter_map(|i| AssumptionId::try_from(i).ok())
                .filter(|&i| {
                    rules
                        .assumptions
                        .get(i as usize)
                        .is_some_and(|a| a.derived.is_some())
                })
                .collect();
        }
        Err(circle) => {
            let names: Vec<&str> = circle
                .iter()
                .filter_map(|&i| rules.assumptions.get(i))
                .map(|a| a.name.id.as_str())
                .collect();
            if let Some(first) = circle.first().and_then(|&i| rules.assumptions.get(i)) {
                out.push(
                    Diagnostic::error(
                        crate::diag::Code::Cycle,
                        first.name.span,
                        format!(
                            "the assumptions `{}` → `{}` are defined through each other: none has a value",
                            names.join("` → `"),
                            first.name.id
                        ),
                    )
                    .label("its value leads back to itself")
                    .help("give one of them a day of its own"),
                );
            }
        }
    }
    // Clauses whose `from` or end is `end of` / `start of` another clause, as written or as
    // any amendment writes it.
    let mut deps: Vec<Vec<usize>> = vec![Vec::new(); rules.clauses.len()];
    let mut edge = |c: ClauseId, v: Val<NaiveDate>| {
        if let Some(DayBase::Of {
            clause: Some(d), ..
        }) = base_of(v)
        {
            if let Some(list) = deps.get_mut(c as usize) {
                list.push(d as usize);
            }
        }
    };
    let alt_days = |alts: &[EndAlt]| -> Vec<Val<NaiveDate>> {
        alts.iter()
            .filter_map(|a| match a {
                EndAlt::Until(v) | EndAlt::Through(v) => Some(*v),
                _ => None,
            })
            .collect()
    };
    for (c, clause) in (0..).zip(&rules.clauses) {
        for v in clause
            .terms
            .from
            .into_iter()
            .chain(alt_days(&clause.terms.end))
        {
            edge(c, v);
        }
    }
    for a in &rules.amendments {
        for (change, _) in &a.changes {
            if let Edit::Amend(c, terms) = change {
                for t in terms {
                    match t {
                        AmendTerm::From(v) => edge(*c, *v),
                        AmendTerm::End(alts) => {
                            alt_days(alts).into_iter().for_each(|v| edge(*c, v))
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    match graph::order(&deps) {
        Ok((_, depth)) => {
            rules.clause_ref_depth = depth.iter().copied().max().unwrap_or(0);
            rules.clause_depth = depth;
        }
        Err(circle) => {
            let names: Vec<&str> = circle
                .iter()
                .filter_map(|&i| rules.clauses.get(i))
                .map(|c| c.qualified.as_str())
                .collect();
            if let Some(first) = circle.first().and_then(|&i| rules.clauses.get(i)) {
                out.push(
                    Diagnostic::error(
                        crate::diag::Code::Cycle,
                        first.head,
                        format!(
                            "the clauses `{}` → `{}` are timed by each other: none of their days can be known",
                            names.join("` → `"),
                            first.qualified
                        ),
                    )
                    .label("its `end of` / `start of` leads back to itself")
                    .help("time one of them by a day, an event or its agreement instead"),
                );
            }
        }
    }
    out
}

/// Gives each derived assumption its value under the rules' own values, and refuses a day
/// expression that leaves the calendar with them.
fn derived_defaults(rules: &mut RuleSet) -> Vec<Diagnostic> {
    let env = Env::defaults(rules);
    for (i, a) in (0..).zip(rules.assumptions.iter_mut()) {
        if a.derived.is_some() {
            if let Some(v) = env.value(i) {
                a.value = v;
            }
        }
    }
    match env.out_of_range() {
        Some((_, span)) => vec![Diagnostic::error(
            crate::diag::Code::DayOutOfRange,
            span,
            "this day falls outside the calendar (0000-01-01 to 9999-12-31)",
        )
        .label("out of range")
        .help("a day expression must stay between 0000-01-01 and 9999-12-31")],
        None => Vec::new(),
    }
}

/// The currency of an amount as the rules write it (an assumption's own value).
fn written_currency(
    rules: &RuleSet,
    v: Val<crate::money::Money>,
) -> Option<iso_currency::Currency> {
    match v {
        Val::Lit(m) => Some(m.currency),
        Val::Assumed(id) => match rules.assumptions.get(id as usize).map(|a| a.value) {
            Some(Literal::Money(m)) => Some(m.currency),
            _ => None,
        },
        Val::Expr(_) => None,
    }
}

/// A revenue share counts in one currency: a cap amended into another currency than the cap it
/// replaces is an error at the amendment, naming both.
fn cap_currencies(rules: &RuleSet) -> Vec<Diagnostic> {
    let currency = |v: Val<crate::money::Money>| written_currency(rules, v);
    // The first cap of each clause: its own, else the first amendment's (in signing order).
    let mut first: Vec<Option<(iso_currency::Currency, Span)>> = rules
        .clauses
        .iter()
        .map(|c| match &c.terms.body {
            Body::RevenueShare(share) => share
                .cap
                .as_ref()
                .and_then(|cap| currency(cap.amount).map(|cur| (cur, c.head))),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    let mut amendments: Vec<&Amendment> = rules.amendments.iter().collect();
    let env = Env::defaults(rules);
    amendments.sort_by_key(|a| (env.day(a.effective()).day, env.day(a.signed).day, a.span));
    for a in amendments {
        for (change, span) in &a.changes {
            let Edit::Amend(clause, terms) = change else {
                continue;
            };
            for term in terms {
                let AmendTerm::Cap(cap) = term else {
                    continue;
                };
                let Some(cur) = currency(cap.amount) else {
                    continue;
                };
                match first.get_mut(*clause as usize) {
                    Some(Some((was, at))) if *was != cur => {
                        let name = rules.clause(*clause).map_or("", |c| c.qualified.as_str());
                        out.push(
                            Diagnostic::error(
                                crate::diag::Code::CapCurrency,
                                *span,
                                format!(
                                    "the cap of `{name}` is amended to {}, but it counts in {}: a revenue share counts in one currency",
                                    cur.code(),
                                    was.code()
                                ),
                            )
                            .label(format!("a cap in {}", cur.code()))
                            .related(*at, format!("the cap in {}", was.code()))
                            .help(format!("write the amended cap in {}", was.code())),
                        );
                    }
                    Some(slot @ None) => *slot = Some((cur, *span)),
                    _ => {}
                }
            }
        }
    }
    out
}

/// Clauses whose windows are empty in every consolidated version (`from` after `until`, say).
fn never_in_force(rules: &RuleSet, cons: &consolidate::Consolidated) -> Vec<Diagnostic> {
    let mut live = vec![false; rules.clauses.len()];
    for v in cons.versions.iter().filter(|v| !v.in_force.is_empty()) {
        if let Some(l) = live.get_mut(v.clause as usize) {
            *l = true;
        }
    }
    rules
        .clauses
        .iter()
        .zip(live)
        .filter(|(_, live)| !live)
        .map(|(c, _)| {
            Diagnostic::warning(
                crate::diag::Code::NeverInForce,
                c.head,
                format!("clause `{}` is never in force", c.qualified),
            )
            .label("its window is empty")
            .help("check its `from` and its end, and the amendments that change or end it")
        })
        .collect()
}

/// Selectors that match no product (a mistyped tag, say), and licences of products that the
/// licensor does not own.
fn selector_warnings(rules: &RuleSet) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let by_owner = rules.products_by_owner();
    // Who holds a sublicensable licence of which product (0.2): a licence such a party grants
    // is a sublicence, read through its rights, not a licence of another party's product.
    let mut holders: std::collections::HashSet<(ProductId, PartyId, bool)> = Default::default();
    for clause in &rules.clauses {
        if let Body::Licence {
            licensee,
            with_affiliates,
            sublicensable: Some(_),
            selector,
            ..
        } = &clause.terms.body
        {
            for p in rules.select(selector, &by_owner) {
                holders.insert((p, *licensee, *with_affiliates));
            }
        }
    }
    let sublicensor = |product: ProductId, party: PartyId| {
        holders.iter().any(|(p, holder, group)| {
            *p == product && (*holder == party || (*group && rules.within_group(party, *holder)))
        })
    };
    for clause in &rules.clauses {
        let Some(selector) = clause.terms.body.selector() else {
            continue;
        };
        let products = rules.select(selector, &by_owner);
        if products.is_empty() {
            out.push(
                Diagnostic::warning(
                    crate::diag::Code::SelectsNothing,
                    clause.head,
                    format!(
                        "clause `{}` speaks of no declared product",
                        clause.qualified
                    ),
                )
                .label("its selector matches no product")
                .help("check the party and tags of its `products` selector"),
            );
        }
        if let Body::Licence { licensor, .. } = &clause.terms.body {
            let foreign: Vec<&str> = products
                .iter()
                .filter(|p| {
                    rules
                        .products
                        .get(**p as usize)
                        .is_some_and(|p| p.owner != *licensor)
                        && !sublicensor(**p, *licensor)
                })
                .map(|p| rules.product(*p))
                .collect();
            if !foreign.is_empty() {
                out.push(
                    Diagnostic::warning(
                        crate::diag::Code::LicenceOfAnotherParty,
                        clause.head,
                        format!(
                            "`{}` licenses {} that `{}` does not own",
                            clause.qualified,
                            foreign.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", "),
                            rules.party(*licensor)
                        ),
                    )
                    .label("licensor is not the owner")
                    .help("an exclusive licence restricts only the owner's licensing; a licence from another party grants use but restricts no one"),
                );
            }
        }
    }
    out
}

/// A revenue share's own money terms (0.2: its cap, its cap per period, its minimum, its tier
/// bounds, its recoupment) are in one currency: the first written sets it.
fn money_currencies(rules: &RuleSet) -> Vec<Diagnostic> {
    let currency = |v: Val<crate::money::Money>| written_currency(rules, v);
    // The money terms amendments write, by clause.
    let mut amended: std::collections::HashMap<ClauseId, Vec<(&str, Val<crate::money::Money>)>> =
        std::collections::HashMap::new();
    for a in &rules.amendments {
        for (change, _) in &a.changes {
            let Edit::Amend(c, terms) = change else {
                continue;
            };
            for t in terms {
                let term = match t {
                    AmendTerm::Cap(cap) => Some(("amended cap", cap.amount)),
                    AmendTerm::PeriodCap(m, _) => Some(("amended cap per period", *m)),
                    AmendTerm::Minimum(m, _) => Some(("amended minimum", *m)),
                    AmendTerm::Schedule(_, tiers, _) => {
                        tiers.first().map(|(b, _)| ("amended tier bound", *b))
                    }
                    AmendTerm::Recoup(m) => Some(("amended recoupment", *m)),
                    _ => None,
                };
                if let Some(term) = term {
                    amended.entry(*c).or_default().push(term);
                }
            }
        }
    }
    let mut out = Vec::new();
    for (id, c) in (0..).zip(&rules.clauses) {
        let Body::RevenueShare(share) = &c.terms.body else {
            continue;
        };
        let RevenueShare {
            cap,
            tiers,
            recoup,
            period_cap,
            minimum,
            ..
        } = &**share;
        let mut terms: Vec<(&str, Val<crate::money::Money>)> = Vec::new();
        if let Some(cap) = cap {
            terms.push(("cap", cap.amount));
        }
        if let Some((m, _)) = period_cap {
            terms.push(("cap per period", *m));
        }
        if let Some((m, _)) = minimum {
            terms.push(("minimum", *m));
        }
        // Tier bounds among themselves are checked with the tiers: the first speaks for all.
        terms.extend(tiers.first().map(|(b, _)| ("tier bound", *b)));
        if let Some(r) = recoup {
            terms.push(("recoupment", *r));
        }
        // Caps amended into another currency are reported at the amendment (`cap_currencies`).
        terms.extend(
            amended
                .get(&id)
                .into_iter()
                .flatten()
                .filter(|(what, _)| *what != "amended cap")
                .copied(),
        );
        let mut first: Option<(&str, iso_currency::Currency)> = None;
        for (what, v) in terms {
            let Some(cur) = currency(v) else {
                continue;
            };
            match first {
                None => first = Some((what, cur)),
                Some((w, f)) if f != cur => {
                    out.push(
                        Diagnostic::error(
                            crate::diag::Code::CapCurrency,
                            c.head,
                            format!(
                                "`{}` writes its {w} in `{}` and its {what} in `{}`: a revenue share counts in one currency",
                                c.qualified,
                                f.code(),
                                cur.code()
                            ),
                        )
                        .label("two currencies")
                        .help("write every amount of the clause in one currency"),
                    );
                    break;
                }
                Some(_) => {}
            }
        }
    }
    out
}

/// The payer and payee of a payment (0.2) are parties of its agreement, or affiliates of one.
fn money_parties(rules: &RuleSet) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for c in &rules.clauses {
        let (Body::Payment { payer, payee, .. }
        | Body::Commitment {
            spender: payer,
            with: payee,
            ..
        }) = &c.terms.body
        else {
            continue;
        };
        let Some(a) = rules.agreements.get(c.agreement as usize) else {
            continue;
        };
        let roles = if matches!(c.terms.body, Body::Commitment { .. }) {
            ["spender", "party spent with"]
        } else {
            ["payer", "payee"]
        };
        for (who, role) in [(payer, roles[0]), (payee, roles[1])] {
            let party_of = a
                .parties
                .iter()
                .any(|p| p == who || rules.within_group(*who, *p));
            if !party_of {
                out.push(
                    Diagnostic::error(
                        crate::diag::Code::NotAParty,
                        c.head,
                        format!(
                            "`{}` names `{}` as its {role}, but `{}` is not a party of `{}` (nor an affiliate of one)",
                            c.qualified,
                            rules.party(*who),
                            rules.party(*who),
                            a.name.id
                        ),
                    )
                    .label(format!("{role} outside the agreement"))
                    .help("only the parties of an agreement (or their affiliates) owe or are owed under it"),
                );
            }
        }
    }
    out
}

/// Payments (0.2) on a fixed day that lies outside every day they are in force: they never
/// fall due. (A payment on a happening not yet recorded, or on `end of`, may still.)
fn payments_never_due(rules: &RuleSet, cons: &consolidate::Consolidated) -> Vec<Diagnostic> {
    let env = Env::defaults(rules);
    let fixed = |v: Val<NaiveDate>| match v {
        Val::Lit(_) | Val::Assumed(_) => true,
        Val::Expr(e) => rules
            .day_exprs
            .get(e as usize)
            .is_some_and(|x| matches!(x.base, DayBase::Day(_))),
    };
    let mut out = Vec::new();
    for (c, clause) in (0..).zip(&rules.clauses) {
        let Body::Payment {
            due: Due::On(d), ..
        } = &clause.terms.body
        else {
            continue;
        };
        if !fixed(*d) {
            continue;
        }
        let day = env.day(*d).day;
        let versions: Vec<&consolidate::Version> = cons.of(c).collect();
        if versions.is_empty() || versions.iter().any(|v| v.in_force.contains(day)) {
            continue;
        }
        out.push(
            Diagnostic::warning(
                crate::diag::Code::NeverInForce,
                clause.head,
                format!(
                    "payment `{}` never falls due: {} lies outside the days it is in force",
                    clause.qualified,
                    crate::time::iso(day)
                ),
            )
            .label("never owed")
            .help("a payment falls due only while its clause (and its agreement) is in force; move its day or its window"),
        );
    }
    out
}

/// Exclusivities whose `only by` parties (other than the product's owner) hold no licence to
/// deploy the product, in force some day the exclusivity is, over a scope overlapping its own:
/// the exclusivity then forbids everyone, the owner excepted.
fn only_by_unlicensed(rules: &RuleSet, cons: &consolidate::Consolidated) -> Vec<Diagnostic> {
    let geo = crate::eval::place::Geography {
        territories: crate::eval::place::Regions::new(&rules.territories),
        fields: crate::eval::place::Regions::new(&rules.fields),
    };
    let by_owner = rules.products_by_owner();
    let licences: Vec<(&consolidate::Version, Vec<ProductId>)> = cons
        .versions
        .iter()
        .filter(|v| !v.in_force.is_empty())
        .filter_map(|v| match &v.terms.body {
            Body::Licence {
                deploy: true,
                selector,
                ..
            } => Some((v, rules.select(selector, &by_owner))),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    let mut seen: std::collections::HashSet<(ClauseId, PartyId)> = Default::default();
    for v in cons.versions.iter().filter(|v| !v.in_force.is_empty()) {
        let Body::Exclusivity {
            only_by, selector, ..
        } = &v.terms.body
        else {
            continue;
        };
        let products = rules.select(selector, &by_owner);
        for party in only_by {
            let unlicensed = products.iter().any(|p| {
                let owner = rules.products.get(*p as usize).map(|x| x.owner);
                owner != Some(*party)
                    && !licences.iter().any(|(l, ps)| {
                        let Body::Licence {
                            licensee,
                            with_affiliates,
                            ..
                        } = &l.terms.body
                        else {
                            return false;
                        };
                        ps.contains(p)
                            && (*licensee == *party
                                || (*with_affiliates && rules.within_group(*party, *licensee)))
                            && !l.in_force.intersect(&v.in_force).is_empty()
                            && geo.scopes_overlap(l.terms.scope(), v.terms.scope())
                    })
            });
            if unlicensed && seen.insert((v.clause, *party)) {
                if let Some(c) = rules.clause(v.clause) {
                    out.push(
                        Diagnostic::warning(
                            crate::diag::Code::OnlyByUnlicensed,
                            c.head,
                            format!(
                                "`{}` lets only `{}` deploy, but `{}` holds no licence to deploy there while it is in force",
                                c.qualified,
                                rules.party(*party),
                                rules.party(*party)
                            ),
                        )
                        .label("only by an unlicensed party")
                        .help("grant that party a `deploy` licence over this scope, or name the licensee in `only by`"),
                    );
                }
            }
        }
    }
    out
}

/// Records whose verb nothing in the rules speaks of (no first-launch right, `unless`, derived
/// event or agreement term): a misspelt verb would otherwise be silently inert.
fn inert_records(rules: &RuleSet) -> Vec<Diagnostic> {
    let mut verbs: std::collections::HashSet<&str> =
        ["launches", "declines", "terminates"].into_iter().collect();
    for c in &rules.clauses {
        match &c.terms.body {
            Body::FirstLaunch { unless, .. } => {
                verbs.extend(unless.iter().map(|(_, v)| v.as_str()));
            }
            Body::Licence {
                sublicensable: Some(Some(_)),
                ..
            } => {
                verbs.insert("consents");
            }
            Body::FirstOffer { unless, .. } => {
                verbs.insert("offers");
                verbs.extend(unless.iter().map(|(_, v)| v.as_str()));
            }
            _ => {}
        }
    }
    for e in &rules.events {
        if let Some(
            EventWhen::Happens(Happening::Act { verb, .. })
            | EventWhen::NoneBy(Happening::Act { verb, .. }, _),
        ) = &e.when
        {
            verbs.insert(verb.as_str());
        }
    }
    for a in &rules.agreements {
        for t in &a.life.terminable {
            if let Some(Happening::Act { verb, .. }) = &t.on {
                verbs.insert(verb.as_str());
            }
        }
    }
    let mut known: Vec<String> = verbs.iter().map(|v| v.to_string()).collect();
    known.sort();
    rules
        .records
        .iter()
        .filter_map(|r| match &r.happening {
            Happening::Act { verb, .. } if !verbs.contains(verb.as_str()) => Some(
                Diagnostic::warning(
                    crate::diag::Code::InertRecord,
                    r.span,
                    format!("no rule speaks of `{verb}`: this record changes no answer"),
                )
                .label("nothing reads this verb")
                .help(match crate::diag::nearest(verb, known.iter()) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => "name the verb in a first-launch right's `unless` or a derived event"
                        .to_string(),
                }),
            ),
            _ => None,
        })
        .collect()
}

/// Territories and fields nothing speaks of: no clause scope, record or pattern names it, nor
/// a region it lies within or one within it (so a country within a licensed union counts as
/// used: questions may ask about it).
fn unused_regions(rules: &RuleSet) -> Vec<Diagnostic> {
    let mut named_t = vec![false; rules.territories.len()];
    let mut named_f = vec![false; rules.fields.len()];
    let mark = |list: &mut Vec<bool>, ids: &[u32]| {
        for i in ids {
            if let Some(m) = list.get_mut(*i as usize) {
                *m = true;
            }
        }
    };
    for c in &rules.clauses {
        mark(&mut named_t, &c.terms.scope().places);
        mark(&mut named_t, &c.terms.scope().except);
        mark(&mut named_f, &c.terms.scope().fields);
    }
    // Scopes amendments give (0.2).
    for a in &rules.amendments {
        for (change, _) in &a.changes {
            let Edit::Amend(_, terms) = change else {
                continue;
            };
            for t in terms {
                match t {
                    AmendTerm::Places(p, x) => {
                        mark(&mut named_t, p);
                        mark(&mut named_t, x);
                    }
                    AmendTerm::Fields(f) => mark(&mut named_f, f),
                    _ => {}
                }
            }
        }
    }
    let patterns = rules
        .records
        .iter()
        .map(|r| &r.happening)
        .chain(rules.events.iter().filter_map(|e| match &e.when {
            Some(EventWhen::Happens(h) | EventWhen::NoneBy(h, _)) => Some(h),
            None => None,
        }))
        .chain(
            rules
                .agreements
                .iter()
                .flat_map(|a| a.life.terminable.iter().filter_map(|t| t.on.as_ref())),
        );
    for h in patterns {
        if let Happening::Act { place: Some(p), .. } = h {
            mark(&mut named_t, &[*p]);
        }
    }
    let mut out = Vec::new();
    for (list, named, noun) in [
        (&rules.territories, &named_t, "territory"),
        (&rules.fields, &named_f, "field"),
    ] {
        // Each region's ancestors (itself included), by walking `within` (chains are short:
        // a walk remembers only what it met).
        let above = |r: usize| -> Vec<usize> {
            let mut met: Vec<usize> = Vec::new();
            let mut stack = vec![r];
            while let Some(x) = stack.pop() {
                if met.contains(&x) {
                    continue;
                }
                met.push(x);
                if let Some(region) = list.get(x) {
                    stack.extend(region.within.iter().map(|p| *p as usize));
                }
            }
            met
        };
        let is_named = |x: usize| x != 0 && named.get(x).copied().unwrap_or(false);
        // Regions that hold a named one (its ancestors) are used too.
        let mut holds_named = vec![false; list.len()];
        for (x, _) in named.iter().enumerate().filter(|(x, n)| **n && *x != 0) {
            for a in above(x) {
                if let Some(h) = holds_named.get_mut(a) {
                    *h = true;
                }
            }
        }
        for (r, region) in list.iter().enumerate().skip(1) {
            let used =
                holds_named.get(r).copied().unwrap_or(false) || above(r).into_iter().any(is_named);
            if !used {
                out.push(
                    Diagnostic::warning(
                        crate::diag::Code::UnusedRegion,
                        region.name.span,
                        format!("{noun} `{}` is never used", region.name.id),
                    )
                    .label("no clause, record or pattern speaks of it or of a place it holds or lies in"),
                );
            }
        }
    }
    out
}

/// `survives` on a clause of an agreement that never ends: it changes nothing.
fn needless_survival(rules: &RuleSet) -> Vec<Diagnostic> {
    rules
        .clauses
        .iter()
        .filter(|c| c.terms.survives.is_some())
        .filter_map(|c| {
            let a = rules.agreements.get(c.agreement as usize)?;
            let ends = a.life.term.is_some() || !a.life.terminable.is_empty();
            (!ends).then(|| {
                Diagnostic::warning(
                    crate::diag::Code::NeedlessSurvival,
                    c.head,
                    format!(
                        "`{}` survives an agreement that never ends: `survives` changes nothing",
                        c.qualified
                    ),
                )
                .label("its agreement has no term and no termination right")
                .related(a.name.span, "the agreement")
            })
        })
        .collect()
}

/// Territories (or fields) said to lie within each other in a circle: one error per cycle
/// found, at its first member, naming every member.
fn region_cycles(list: &[Region], noun: &str) -> Vec<Diagnostic> {
    let (relation, label, help) = if noun == "party" {
        (
            "is its own affiliate",
            "its `affiliate of` leads back to it",
            "a party is an affiliate of another only",
        )
    } else {
        (
            "lies within itself",
            "its `within` leads back to it",
            "a region lies within larger ones only",
        )
    };
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut mark = vec![Mark::New; list.len()];
    let mut out = Vec::new();
    for start in 0..list.len() {
        if mark.get(start) != Some(&Mark::New) {
            continue;
        }
        // Depth-first, with the path kept to name a cycle's members.
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        if let Some(m) = mark.get_mut(start) {
            *m = Mark::Open;
        }
        while let Some((r, i)) = stack.last().copied() {
            let parent = list
                .get(r)
                .and_then(|x| x.within.get(i))
                .map(|p| *p as usize);
            match parent {
                None => {
                    if let Some(m) = mark.get_mut(r) {
                        *m = Mark::Done;
                    }
                    stack.pop();
                }
                Some(p) => {
                    if let Some(top) = stack.last_mut() {
                        top.1 += 1;
                    }
                    match mark.get(p) {
                        Some(Mark::New) => {
                            if let Some(m) = mark.get_mut(p) {
                                *m = Mark::Open;
                            }
                            stack.push((p, 0));
                        }
                        Some(Mark::Open) => {
                            let at = stack.iter().position(|(x, _)| *x == p).unwrap_or(0);
                            let names: Vec<&str> = stack
                                .get(at..)
                                .unwrap_or_default()
                                .iter()
                                .filter_map(|(x, _)| list.get(*x))
                                .map(|x| x.name.id.as_str())
                                .collect();
                            if let Some(first) = list.get(p) {
                                out.push(
                                    Diagnostic::error(
                                        crate::diag::Code::Cycle,
                                        first.name.span,
                                        format!(
                                            "the {noun} `{}` {relation}: `{}` → `{}`",
                                            first.name.id,
                                            names.join("` → `"),
                                            first.name.id
                                        ),
                                    )
                                    .label(label)
                                    .help(help),
                                );
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    out
}

/// Derived events whose patterns name each other in a circle: none of them could happen
/// first. One error per cycle, at its first member, naming every member.
fn event_cycles(rules: &RuleSet) -> Vec<Diagnostic> {
    let next = |e: usize| -> Option<usize> {
        match rules.events.get(e)?.when.as_ref()? {
            EventWhen::Happens(Happening::Event(f)) | EventWhen::NoneBy(Happening::Event(f), _) => {
                Some(*f as usize)
            }
            _ => None,
        }
    };
    // Each event names at most one other: the graph is a set of chains, and a cycle is found
    // by walking each chain once.
    let mut seen = vec![0usize; rules.events.len()]; // 0 unvisited, else the walk's number
    let mut out = Vec::new();
    for start in 0..rules.events.len() {
        if seen.get(start).copied().unwrap_or(1) != 0 {
            continue;
        }
        let walk = start + 1;
        let mut path = Vec::new();
        let mut e = start;
        loop {
            match seen.get(e).copied() {
                Some(0) => {
                    if let Some(s) = seen.get_mut(e) {
                        *s = walk;
                    }
                    path.push(e);
                    match next(e) {
                        Some(f) => e = f,
                        None => break,
                    }
                }
                Some(w) if w == walk => {
                    let at = path.iter().position(|x| *x == e).unwrap_or(0);
                    let members: Vec<&str> = path
                        .get(at..)
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|m| rules.events.get(*m))
                        .map(|d| d.name.id.as_str())
                        .collect();
                    if let Some(first) = rules.events.get(e) {
                        let mut names = members.join("` → `");
                        names.push_str(&format!("` → `{}", first.name.id));
                        out.push(
                            Diagnostic::error(
                                crate::diag::Code::Cycle,
                                first.name.span,
                                format!("the derived events `{names}` form a cycle: none of them can happen first"),
                            )
                            .label("its pattern leads back to itself")
                            .help("make one of them happen on a record or a day, not on another of these events"),
                        );
                    }
                    break;
                }
                _ => break,
            }
        }
    }
    out
}

/// Records of a termination or a notice of non-renewal that no right of the agreement
/// answers: they end nothing, so a reader is told.
fn notices_without_right(rules: &RuleSet) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for r in &rules.records {
        let Some((kind, party, a)) = r.happening.agreement_notice() else {
            continue;
        };
        let Some(a) = rules.agreements.get(a as usize) else {
            continue;
        };
        let who = rules.party(party);
        let message = match kind {
            AgreementNotice::Terminate => {
                if a.life.terminable.iter().any(|t| t.parties.contains(&party)) {
                    continue;
                }
                format!(
                    "`{}` gives `{who}` no right to terminate it for convenience: this record ends nothing",
                    a.name.id
                )
            }
            AgreementNotice::Decline => {
                if a.life.renews.is_none() {
                    format!("`{}` does not renew: this notice ends nothing", a.name.id)
                } else if !a.parties.contains(&party) {
                    format!(
                        "`{who}` is not a party of `{}`: its notice ends nothing",
                        a.name.id
                    )
                } else {
                    continue;
                }
            }
        };
        out.push(
            Diagnostic::warning(crate::diag::Code::NoRight, r.span, message)
                .label("no right behind this record")
                .related(a.name.span, "the agreement"),
        );
    }
    out
}

fn unused_assumptions(rules: &RuleSet, used: &[bool]) -> Vec<Diagnostic> {
    rules
        .assumptions
        .iter()
        .enumerate()
        .filter(|(i, _)| !used.get(*i).copied().unwrap_or(false))
        .map(|(_, a)| {
            Diagnostic::warning(
                crate::diag::Code::UnusedAssumption,
                a.name.span,
                format!("assumption `{}` is never used", a.name.id),
            )
            .label("no `$` reference names it")
        })
        .collect()
}

pub(crate) struct Checker {
    pub rules: RuleSet,
    pub tables: Tables,
    pub diags: Vec<Diagnostic>,
    /// Which assumptions some `$` reference names.
    pub used: Vec<bool>,
    /// Clause ids within each agreement.
    pub clause_ids: rustc_hash::FxHashMap<(AgreementId, String), (ClauseId, Span)>,
    /// Whether days being read may be `end of` / `start of` (a clause's own terms).
    pub clause_days: bool,
    /// `end of AGREEMENT.CLAUSE` expressions whose clause is looked up once all are known.
    pub pending_of: Vec<(ExprId, ast::Ident)>,
}

/// An agreement with its head: as the tree holds it, or read again from its text when the tree
/// is lean ([`ast::Agreement::hollow`]), its clauses passed over.
fn whole_head<'a>(
    a: &'a ast::Agreement,
    sources: &Sources,
) -> Option<std::borrow::Cow<'a, ast::Agreement>> {
    if !a.hollow {
        return Some(std::borrow::Cow::Borrowed(a));
    }
    let text = sources.get(a.span.file)?;
    syntax::agreement_at(&text.text, a).map(std::borrow::Cow::Owned)
}

fn title(t: &Option<ast::Text>) -> Option<String> {
    t.as_ref().map(|t| t.value.clone())
}

fn named(id: &ast::Ident, t: &Option<ast::Text>) -> Named {
    Named {
        id: id.name.clone(),
        title: title(t),
        span: id.span,
    }
}

impl Checker {
    /// The model, the problems and the assumptions used; the name tables and the clause ids
    /// are freed here, before consolidation (a pattern with `..` would keep them to the end).
    fn into_parts(self) -> (RuleSet, Vec<Diagnostic>, Vec<bool>) {
        (self.rules, self.diags, self.used)
    }

    fn run<F: Tree>(&mut self, files: &mut [F], sources: &Sources) {
        // The implicit roots (0.2): every territory lies within `world`, every field within
        // `any_field`.
        for (kind, name, list) in [
            (Kind::Territory, "world", &mut self.rules.territories),
            (Kind::Field, "any_field", &mut self.rules.fields),
        ] {
            let id = ast::Ident {
                name: name.to_string(),
                span: Span::default(),
            };
            if self.tables.declare(kind, &id, &mut self.diags).is_some() {
                list.push(Region {
                    name: named(&id, &None),
                    within: Vec::new(),
                });
            }
        }
        // Agreements and amendments are most of a large rule set's declarations: their tables
        // at their size, not grown by doubling.
        let (agreements, amendments) =
            files
                .iter()
                .flat_map(|f| f.borrow().items.iter())
                .fold((0, 0), |(g, m), item| match item {
                    ast::Item::Agreement(_) => (g + 1, m),
                    ast::Item::Amendment(_) => (g, m + 1),
                    _ => (g, m),
                });
        self.rules.agreements.reserve_exact(agreements);
        self.rules.amendments.reserve_exact(amendments);
        for file in files.iter() {
            for item in &file.borrow().items {
                self.declare(item);
            }
        }
        self.used = vec![false; self.rules.assumptions.len()];
        for file in files.iter() {
            for item in &file.borrow().items {
                self.define(item, sources);
            }
        }
        // The clauses' table at its size (those written in agreements and those amendments
        // add): grown by doubling, it would hold up to twice that, and both the old and the
        // new buffer at once while it grows.
        let written: usize = files
            .iter()
            .flat_map(|f| f.borrow().items.iter())
            .map(|i| match i {
                ast::Item::Agreement(a) => a.clauses.len() + a.clause_spans.len(),
                ast::Item::Amendment(a) => a
                    .changes
                    .iter()
                    .filter(|c| matches!(c, ast::Change::Add { .. }))
                    .count(),
                _ => 0,
            })
            .sum();
        self.rules.clauses.reserve_exact(written);
        for file in files.iter_mut() {
            for i in 0..file.borrow().items.len() {
                if let Some(ast::Item::Agreement(a)) = file.borrow().items.get(i) {
                    self.agreement_clauses(a, sources);
                }
                file.lowered(i);
            }
        }
        let amendments: Vec<&ast::Amendment> = files
            .iter()
            .flat_map(|f| f.borrow().items.iter())
            .filter_map(|i| match i {
                ast::Item::Amendment(a) => Some(&**a),
                _ => None,
            })
            .collect();
        let resolved: Vec<Option<(AmendmentId, AgreementId)>> =
            amendments.iter().map(|a| self.amendment_head(a)).collect();
        for (a, r) in amendments.iter().zip(&resolved) {
            if let Some((am, agreement)) = r {
                self.amendment_additions(a, *am, *agreement);
            }
        }
        for (a, r) in amendments.iter().zip(&resolved) {
            if let Some((am, agreement)) = r {
                self.amendment_changes(a, *am, *agreement);
            }
        }
        self.resolve_clause_days();
        self.publish_names();
    }

    /// Looks up the clauses that `end of AGREEMENT.CLAUSE` expressions name, now that every
    /// clause (those amendments add included) is known.
    fn resolve_clause_days(&mut self) {
        for (e, clause) in std::mem::take(&mut self.pending_of) {
            let Some(DayBase::Of { agreement, .. }) =
                self.rules.day_exprs.get(e as usize).map(|x| x.base)
            else {
                continue;
            };
            let r = ast::ClauseRef {
                agreement: None,
                clause,
            };
            if let Some(c) = self.clause_ref(&r, agreement) {
                if let Some(DayBase::Of { clause: slot, .. }) = self
                    .rules
                    .day_exprs
                    .get_mut(e as usize)
                    .map(|x| &mut x.base)
                {
                    *slot = Some(c);
                }
            }
        }
    }

    /// First pass: every declared id gets its index.
    fn declare(&mut self, item: &ast::Item) {
        let d = &mut self.diags;
        let t = &mut self.tables;
        let r = &mut self.rules;
        match item {
            ast::Item::Region {
                field, id, title, ..
            } => {
                let (kind, root) = if *field {
                    (Kind::Field, "any_field")
                } else {
                    (Kind::Territory, "world")
                };
                if id.name == root {
                    d.push(
                        Diagnostic::error(
                            crate::diag::Code::DuplicateId,
                            id.span,
                            format!(
                                "`{root}` is declared already: it holds every other {}",
                                kind.noun()
                            ),
                        )
                        .label("declared by the language")
                        .help(format!("remove this line; `{root}` is always there")),
                    );
                } else if t.declare(kind, id, d).is_some() {
                    let list = if *field {
                        &mut r.fields
                    } else {
                        &mut r.territories
                    };
                    list.push(Region {
                        name: named(id, title),
                        within: Vec::new(),
                    });
                }
            }
            ast::Item::Party { id, title, .. } => {
                if t.declare(Kind::Party, id, d).is_some() {
                    r.parties.push(Party {
                        name: named(id, title),
                        affiliate_of: None,
                    });
                }
            }
            ast::Item::Cloud {
                id, title, aliases, ..
            } => {
                if let Some(index) = t.declare(Kind::Cloud, id, d) {
                    for alias in aliases {
                        t.alias(Kind::Cloud, alias, index, d);
                    }
                    r.clouds.push(Cloud {
                        name: named(id, title),
                        operator: None,
                        aliases: aliases.iter().map(|a| a.name.clone()).collect(),
                    });
                }
            }
            ast::Item::Product {
                id, title, tags, ..
            } => {
                if t.declare(Kind::Product, id, d).is_some() {
                    r.products.push(Product {
                        name: named(id, title),
                        owner: 0,
                        tags: tags.iter().map(|t| t.name.clone()).collect(),
                    });
                }
            }
            ast::Item::Event { id, title, .. } => {
                if t.declare(Kind::Event, id, d).is_some() {
                    r.events.push(EventDef {
                        name: named(id, title),
                        when: None,
                    });
                }
            }
            ast::Item::Assume {
                id, value, note, ..
            } => {
                if t.declare(Kind::Assumption, id, d).is_some() {
                    // A day over other assumptions (0.2) is computed once they are all known.
                    let value = match value {
                        ast::Value::Lit { .. } => {
                            literal(value, d).unwrap_or(Literal::Duration(Duration::ZERO))
                        }
                        ast::Value::Ref(_) | ast::Value::Expr(_) => Literal::Day(NaiveDate::MIN),
                    };
                    r.assumptions.push(Assumption {
                        name: named(id, &None),
                        value,
                        note: title(note),
                        derived: None,
                    });
                }
            }
            ast::Item::Agreement(a) => {
                if t.declare(Kind::Agreement, &a.id, d).is_some() {
                    r.agreements.push(Agreement {
                        name: named(&a.id, &a.title),
                        parties: Vec::new(),
                        signed: Val::Lit(NaiveDate::MIN),
                        life: Life::default(),
                        clauses: Vec::new(),
                    });
                }
            }
            ast::Item::Amendment(a) => {
                if t.declare(Kind::Amendment, &a.id, d).is_some() {
                    r.amendments.push(Amendment {
                        name: named(&a.id, &a.title),
                        target: 0,
                        signed: Val::Lit(NaiveDate::MIN),
                        effective: None,
                        effective_on: None,
                        changes: Vec::new(),
                        span: a.span,
                    });
                }
            }
            ast::Item::Record { .. } => {}
        }
    }

    /// Index of a declared item by its own id (only for the first declaration of a name).
    fn own_index(&self, kind: Kind, id: &ast::Ident) -> Option<u32> {
        let (index, span) = self.tables.table(kind)?.ids.get(&id.name)?;
        (*span == id.span).then_some(*index)
    }

    pub fn resolve(&mut self, kind: Kind, id: &ast::Ident) -> Option<u32> {
        self.tables.resolve(kind, id, &mut self.diags)
    }

    /// Second pass: the references of declarations and records.
    fn define(&mut self, item: &ast::Item, sources: &Sources) {
        match item {
            ast::Item::Party {
                id,
                affiliate_of: Some(of),
                ..
            } => {
                let of = self.resolve(Kind::Party, of);
                if let (Some(i), Some(of)) = (self.own_index(Kind::Party, id), of) {
                    if let Some(p) = self.rules.parties.get_mut(i as usize) {
                        p.affiliate_of = Some(of);
                    }
                }
            }
            ast::Item::Region {
                field, id, within, ..
            } => {
                let kind = if *field { Kind::Field } else { Kind::Territory };
                let parents: Vec<u32> = within
                    .iter()
                    .filter_map(|w| self.resolve(kind, w))
                    .collect();
                if let Some(i) = self.own_index(kind, id) {
                    let list = if *field {
                        &mut self.rules.fields
                    } else {
                        &mut self.rules.territories
                    };
                    if let Some(region) = list.get_mut(i as usize) {
                        region.within = parents;
                    }
                }
            }
            ast::Item::Event {
                id,
                when: Some(when),
                ..
            } => {
                let resolved = match when {
                    ast::EventWhen::Happens(h) => self.happening(h, true).map(EventWhen::Happens),
                    ast::EventWhen::NoneBy(h, by) => {
                        let h = self.happening(h, true);
                        let by = self.day(by);
                        match (h, by) {
                            (Some(h), Some(by)) => Some(EventWhen::NoneBy(h, by)),
                            _ => None,
                        }
                    }
                };
                if let (Some(i), Some(w)) = (self.own_index(Kind::Event, id), resolved) {
                    if let Some(e) = self.rules.events.get_mut(i as usize) {
                        e.when = Some(w);
                    }
                }
            }
            ast::Item::Cloud { id, operator, .. } => {
                let op = operator.as_ref().and_then(|o| self.resolve(Kind::Party, o));
                if let (Some(i), Some(op)) = (self.own_index(Kind::Cloud, id), op) {
                    if let Some(c) = self.rules.clouds.get_mut(i as usize) {
                        c.operator = Some(op);
                    }
                }
            }
            ast::Item::Product { id, owner, .. } => {
                let owner = self.resolve(Kind::Party, owner);
                if let (Some(i), Some(owner)) = (self.own_index(Kind::Product, id), owner) {
                    if let Some(p) = self.rules.products.get_mut(i as usize) {
                        p.owner = owner;
                    }
                }
            }
            ast::Item::Record {
                day,
                happening,
                note,
                span,
                ..
            } => {
                if let Some(happening) = self.happening(happening, false) {
                    self.rules.records.push(Record {
                        day: *day,
                        happening,
                        note: title(note),
                        span: *span,
                    });
                }
            }
            ast::Item::Agreement(a) => {
                if let Some(a) = whole_head(a, sources) {
                    self.agreement_head(&a);
                }
            }
            ast::Item::Assume {
                id,
                value: value @ (ast::Value::Ref(_) | ast::Value::Expr(_)),
                span,
                ..
            } => {
                let Some(index) = self.own_index(Kind::Assumption, id) else {
                    return;
                };
                let expr = match self.day(value) {
                    Some(Val::Expr(e)) => Some(e),
                    Some(base @ Val::Assumed(_)) => ExprId::try_from(self.rules.day_exprs.len())
                        .ok()
                        .inspect(|_| {
                            self.rules.day_exprs.push(DayExpr {
                                base: DayBase::Day(base),
                                shifts: Vec::new(),
                                span: value.span(),
                            })
                        }),
                    _ => None,
                };
                let _ = span;
                if let Some(a) = self.rules.assumptions.get_mut(index as usize) {
                    a.derived = expr;
                }
            }
            _ => {}
        }
    }

    /// A happening resolved: a record's (`pattern` false), which must say where a launch
    /// was, or a derived event's pattern, which may leave the place out.
    fn happening(&mut self, h: &ast::Happening, pattern: bool) -> Option<Happening> {
        match h {
            ast::Happening::Event(e) => Some(Happening::Event(self.resolve(Kind::Event, e)?)),
            ast::Happening::Act {
                party,
                verb,
                object,
                renewal_of,
                to,
                cloud,
                place,
            } => {
                let p = self.resolve(Kind::Party, party);
                let o = self.object(object, *renewal_of, &verb.name);
                let t = to.as_ref().map(|t| self.resolve(Kind::Party, t));
                let c = cloud.as_ref().map(|c| self.resolve(Kind::Cloud, c));
                let l = place.as_ref().map(|l| self.resolve(Kind::Territory, l));
                if verb.name == "launches" && cloud.is_none() && !pattern {
                    self.diags.push(
                        Diagnostic::error(
                            crate::diag::Code::LaunchWithoutCloud,
                            verb.span,
                            "a launch record must name the cloud",
                        )
                        .label("launches where?")
                        .help(format!(
                            "write `{} launches {} on CLOUD`",
                            party.name, object.name
                        )),
                    );
                    return None;
                }
                Some(Happening::Act {
                    party: p?,
                    verb: verb.name.clone(),
                    object: o?,
                    to: t.map_or(Some(None), |t| t.map(Some))?,
                    cloud: c.map_or(Some(None), |c| c.map(Some))?,
                    place: l.map_or(Some(None), |l| l.map(Some))?,
                })
            }
        }
    }

    /// What an act is about: a product, (0.2) an agreement or its renewal, or a free word
    /// that is no declared id (`atlas undergoes change_of_control`). A launch is always of a
    /// product, and a word near a declared product or agreement id reads as a misspelling of
    /// it (unknown, with the suggestion), not as a free word.
    fn object(&mut self, id: &ast::Ident, renewal_of: bool, verb: &str) -> Option<Object> {
        if renewal_of {
            return self.resolve(Kind::Agreement, id).map(Object::RenewalOf);
        }
        let table = |kind| self.tables.table(kind).map(|t| &t.ids);
        let declared = |kind| table(kind).is_some_and(|t| t.contains_key(&id.name));
        if declared(Kind::Product) {
            return self.resolve(Kind::Product, id).map(Object::Product);
        }
        if declared(Kind::Agreement) {
            return self.resolve(Kind::Agreement, id).map(Object::Agreement);
        }
        let near = |kind| {
            table(kind).is_some_and(|t| {
                let names: Vec<String> = t.keys().cloned().collect();
                crate::diag::nearest(&id.name, names.iter()).is_some()
            })
        };
        if verb == "launches" || near(Kind::Product) || near(Kind::Agreement) {
            return self.resolve(Kind::Product, id).map(Object::Product);
        }
        Some(Object::Word(id.name.clone()))
    }

    fn agreement_head(&mut self, a: &ast::Agreement) {
        for (i, p) in a.parties.iter().enumerate() {
            if let Some(first) = a.parties.iter().take(i).find(|q| q.name == p.name) {
                self.diags.push(
                    Diagnostic::error(
                        crate::diag::Code::DuplicateParty,
                        p.span,
                        format!("party `{}` is named twice in `between`", p.name),
                    )
                    .label("named again here")
                    .related(first.span, "first named here"),
                );
            }
        }
        let parties: Vec<PartyId> = a
            .parties
            .iter()
            .filter_map(|p| self.resolve(Kind::Party, p))
            .collect();
        let signed = a.signed.as_ref().and_then(|v| self.day(v));
        let life = self.life(a.life(), &parties);
        if let Some(i) = self.own_index(Kind::Agreement, &a.id) {
            if let Some(ag) = self.rules.agreements.get_mut(i as usize) {
                ag.parties = parties;
                if let Some(s) = signed {
                    ag.signed = s;
                }
                ag.life = life;
            }
        }
    }

    /// An agreement's life terms (0.2), typed; a party that may terminate must be a party of
    /// the agreement, and a renewal needs an initial term to renew from.
    /// `renews every … [up to N times] unless notice …`, typed; a period of no time is refused.
    pub(crate) fn renewal(&mut self, r: &ast::Renewal) -> Option<Renewal> {
        let every = self.duration(&r.every);
        if let Some(Val::Lit(d)) = every {
            if d.count == 0 {
                self.diags.push(
                    Diagnostic::error(
                        crate::diag::Code::BadPeriod,
                        r.every.span(),
                        "a renewal period of no time would renew for ever on one day",
                    )
                    .label("renews every what?")
                    .help("give the period between renewals, such as `1 year`"),
                );
                return None;
            }
        }
        let notice = self.duration(&r.notice);
        Some(Renewal {
            every: every?,
            times: r.times.map(|(n, _)| n),
            notice: notice?,
        })
    }

    fn life(&mut self, l: &ast::Life, parties: &[PartyId]) -> Life {
        let effective = l.effective.as_ref().and_then(|v| self.day(v));
        let term = match &l.term {
            Some(ast::Term::Length(v, _)) => self.duration(v).map(TermEnd::Length),
            Some(ast::Term::End(e)) => self.end(e).map(TermEnd::End),
            None => None,
        };
        let renews = l.renews.as_ref().and_then(|r| {
            if l.term.is_none() {
                self.diags.push(
                    Diagnostic::error(
                        crate::diag::Code::MissingTerm,
                        r.span,
                        "a renewal needs an initial term to renew at its end",
                    )
                    .label("renews from when?")
                    .help("add `term DURATION` (or `until DAY`) before `renews`"),
                );
                return None;
            }
            self.renewal(r)
        });
        // At their size: a `Vec` grown by pushing holds room for four.
        let mut terminable = Vec::with_capacity(l.terminable.len());
        for t in &l.terminable {
            let mut who = Vec::with_capacity(t.parties.len());
            for p in &t.parties {
                let Some(id) = self.resolve(Kind::Party, p) else {
                    continue;
                };
                if !parties.contains(&id) {
                    self.diags.push(
                        Diagnostic::error(
                            crate::diag::Code::NotAParty,
                            p.span,
                            format!("`{}` is not a party of this agreement", p.name),
                        )
                        .label("only the agreement's parties may terminate it")
                        .help("name a party from the agreement's `between` line"),
                    );
                    continue;
                }
                who.push(id);
            }
            let on = t.on.as_ref().map(|h| self.happening(h, true));
            let notice = match &t.notice {
                Some(n) => self.duration(n),
                None => Some(Val::Lit(Duration::ZERO)),
            };
            if let (Some(notice), Some(on)) = (notice, on.map_or(Some(None), |h| h.map(Some))) {
                terminable.push(Terminable {
                    parties: who,
                    on,
                    notice,
                });
            }
        }
        Life {
            effective,
            term,
            renews,
            terminable,
        }
    }

    // ----- typed values -------------------------------------------------------------------

    /// A `$` reference, checked against the type wanted.
    fn reference(
        &mut self,
        id: &ast::Ident,
        want: &'static str,
    ) -> Option<(AssumptionId, Literal)> {
        let index = self.resolve(Kind::Assumption, id)?;
        if let Some(u) = self.used.get_mut(index as usize) {
            *u = true;
        }
        let a = self.rules.assumptions.get(index as usize)?;
        if a.value.type_name() != want {
            let d = Diagnostic::error(
                crate::diag::Code::TypeMismatch,
                id.span,
                format!(
                    "`${}` is {}, but {want} is expected here",
                    id.name,
                    a.value.type_name()
                ),
            )
            .label(format!("expected {want}"))
            .related(a.name.span, format!("declared as {}", a.value.type_name()));
            self.diags.push(d);
            return None;
        }
        Some((index, a.value))
    }

    pub fn day(&mut self, v: &ast::Value) -> Option<Val<NaiveDate>> {
        match v {
            ast::Value::Ref(id) => self.reference(id, "a day").map(|(i, _)| Val::Assumed(i)),
            ast::Value::Lit {
                lit: ast::Literal::Day(d),
                ..
            } => Some(Val::Lit(*d)),
            ast::Value::Expr(e) => self.day_expr(e),
            other => self.mismatch(other, "a day"),
        }
    }

    /// A day expression (0.2). `end of` / `start of` are read only in clause terms
    /// (`self.clause_days`); a clause named after the agreement is looked up once every clause
    /// is known (`pending_of`).
    fn day_expr(&mut self, e: &ast::DayExpr) -> Option<Val<NaiveDate>> {
        let mut shifts = Vec::with_capacity(e.shifts.len());
        for (plus, d) in &e.shifts {
            shifts.push((*plus, self.duration(d)?));
        }
        let id = ExprId::try_from(self.rules.day_exprs.len()).ok()?;
        let base = match &e.base {
            ast::DayTerm::Value(v) => DayBase::Day(self.day(v)?),
            ast::DayTerm::Of {
                end,
                agreement,
                clause,
                span,
            } => {
                if !self.clause_days {
                    let word = if *end { "end" } else { "start" };
                    self.diags.push(
                        Diagnostic::error(
                            crate::diag::Code::DayNotKnownHere,
                            *span,
                            format!("`{word} of` cannot be read here: this day must be known without reading any agreement's life"),
                        )
                        .label("read only in a clause's `from`, `until` or `through`")
                        .help("write a day or an `$assumption` (with `+`/`-` durations) here"),
                    );
                    return None;
                }
                let agreement = self.resolve(Kind::Agreement, agreement)?;
                if let Some(c) = clause {
                    self.pending_of.push((id, c.clone()));
                }
                DayBase::Of {
                    end: *end,
                    agreement,
                    clause: None,
                }
            }
        };
        self.rules.day_exprs.push(DayExpr {
            base,
            shifts,
            span: e.span,
        });
        Some(Val::Expr(id))
    }

    pub fn percent(&mut self, v: &ast::Value) -> Option<Val<rust_decimal::Decimal>> {
        let val = match v {
            ast::Value::Ref(id) => self
                .reference(id, "a percent")
                .map(|(i, _)| Val::Assumed(i)),
            ast::Value::Lit {
                lit: ast::Literal::Percent(p),
                ..
            } => Some(Val::Lit(*p)),
            other => self.mismatch(other, "a percent"),
        }?;
        Some(val)
    }

    pub fn money(&mut self, v: &ast::Value) -> Option<Val<Money>> {
        match v {
            ast::Value::Ref(id) => self
                .reference(id, "an amount")
                .map(|(i, _)| Val::Assumed(i)),
            ast::Value::Lit { .. } => match literal(v, &mut self.diags)? {
                Literal::Money(m) => Some(Val::Lit(m)),
                _ => self.mismatch(v, "an amount"),
            },
            ast::Value::Expr(_) => self.mismatch(v, "an amount"),
        }
    }

    pub fn duration(&mut self, v: &ast::Value) -> Option<Val<Duration>> {
        match v {
            ast::Value::Ref(id) => self
                .reference(id, "a duration")
                .map(|(i, _)| Val::Assumed(i)),
            ast::Value::Lit {
                lit: ast::Literal::Duration { count, unit },
                ..
            } => Some(Val::Lit(Duration {
                count: *count,
                unit: *unit,
            })),
            other => self.mismatch(other, "a duration"),
        }
    }

    fn mismatch<T>(&mut self, v: &ast::Value, want: &str) -> Option<T> {
        self.diags.push(
            Diagnostic::error(
                crate::diag::Code::TypeMismatch,
                v.span(),
                format!("expected {want}"),
            )
            .label(format!("expected {want}")),
        );
        None
    }

    fn publish_names(&mut self) {
        let map = |t: &Tables, k: Kind| {
            t.table(k)
                .map(|t| {
                    t.ids
                        .iter()
                        .map(|(n, (i, _))| (n.clone(), *i))
                        .collect::<NameMap>()
                })
                .unwrap_or_default()
        };
        let names = &mut self.rules.names;
        names.parties = map(&self.tables, Kind::Party);
        names.clouds = map(&self.tables, Kind::Cloud);
        names.products = map(&self.tables, Kind::Product);
        names.events = map(&self.tables, Kind::Event);
        names.assumptions = map(&self.tables, Kind::Assumption);
        names.agreements = map(&self.tables, Kind::Agreement);
        names.amendments = map(&self.tables, Kind::Amendment);
        names.territories = map(&self.tables, Kind::Territory);
        names.fields = map(&self.tables, Kind::Field);
    }
}

/// Types a literal; money gets its currency checked.
pub fn literal(v: &ast::Value, diags: &mut Vec<Diagnostic>) -> Option<Literal> {
    let ast::Value::Lit { lit, span, .. } = v else {
        return None;
    };
    Some(match lit {
        ast::Literal::Day(d) => Literal::Day(*d),
        ast::Literal::Percent(p) => Literal::Percent(*p),
        ast::Literal::Duration { count, unit } => Literal::Duration(Duration {
            count: *count,
            unit: *unit,
        }),
        ast::Literal::Money { currency, amount } => match money::currency(currency) {
            Some(c) => Literal::Money(Money {
                currency: c,
                amount: *amount,
            }),
            None => {
                diags.push(
                    Diagnostic::error(
                        crate::diag::Code::UnknownCurrency,
                        Span {
                            end: span.start + 3,
                            ..*span
                        },
                        format!("unknown currency `{currency}`"),
                    )
                    .label("not an ISO 4217 code")
                    .help("currencies are ISO 4217 codes such as `USD`, `EUR` or `JPY`"),
                );
                return None;
            }
        },
    })
}

/// Why an assumption override (`ID=VALUE`) cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SetError {
    /// No `=` between the id and the value.
    #[error("expected ID=VALUE, such as azure_lead=30 days")]
    NotIdValue,
    /// No assumption has this id.
    #[error("unknown assumption `{id}`{}", did_you_mean(nearest.as_deref()))]
    Unknown {
        /// The id given.
        id: String,
        /// The nearest known id, if one is near.
        nearest: Option<String>,
    },
    /// The value is not a literal of the assumption's kind.
    #[error("`{id}` is {kind}, written like `{example}`: {why}")]
    Malformed {
        /// The assumption.
        id: String,
        /// What it holds: `a day`, `an amount`, `a percent`, `a duration`.
        kind: &'static str,
        /// A value of that kind.
        example: &'static str,
        /// What is wrong with the value given.
        why: String,
    },
    /// The value is a literal of another kind.
    #[error("`{id}` is {expected}, but `{value}` is {found}")]
    WrongKind {
        /// The assumption.
        id: String,
        /// What it holds.
        expected: &'static str,
        /// The value given.
        value: String,
        /// What the value is.
        found: &'static str,
    },
    /// An amount in another currency than the assumption's.
    #[error("`{id}` is in {expected}, but `{value}` is in {found}: write it in {expected}")]
    WrongCurrency {
        /// The assumption.
        id: String,
        /// Its currency.
        expected: &'static str,
        /// The value given.
        value: String,
        /// The value's currency.
        found: &'static str,
    },
    /// One assumption set twice in one run.
    #[error("`{id}` is already set for this run; give each assumption once")]
    Twice {
        /// The assumption.
        id: String,
    },
}

fn did_you_mean(nearest: Option<&str>) -> String {
    nearest.map_or(String::new(), |b| format!("; did you mean `{b}`?"))
}

/// Types an assumption override written `ID=VALUE`, the value in the language's own literal
/// syntax (`azure_lead=30 days`, `revenue_share_cap=USD 150`).
pub fn parse_override(rules: &RuleSet, text: &str) -> Result<(AssumptionId, Literal), SetError> {
    let Some((id, value)) = text.split_once('=') else {
        return Err(SetError::NotIdValue);
    };
    let id = id.trim();
    let unknown = || SetError::Unknown {
        id: crate::diag::shown(id, 80),
        nearest: crate::diag::nearest(id, rules.names.assumptions.keys()).map(str::to_string),
    };
    let Some(&index) = rules.names.assumptions.get(id) else {
        return Err(unknown());
    };
    let assumption = rules.assumption(index).ok_or_else(unknown)?;
    let value = value.trim();
    let first = |diags: &[Diagnostic]| {
        diags.first().map_or("not a value".to_string(), |e| {
            e.message
                .replace("the end of the file", "the end of the value")
        })
    };
    let malformed = |why: String| SetError::Malformed {
        id: id.to_string(),
        kind: assumption.value.type_name(),
        example: match assumption.value {
            Literal::Day(_) => "2026-02-27",
            Literal::Money(_) => "USD 1_000",
            Literal::Percent(_) => "20%",
            Literal::Duration(_) => "30 days",
        },
        why,
    };
    let ast = crate::syntax::parse_literal(0, value).map_err(|errors| malformed(first(&errors)))?;
    let mut diags = Vec::new();
    let lit = literal(&ast, &mut diags).ok_or_else(|| malformed(first(&diags)))?;
    if lit.type_name() != assumption.value.type_name() {
        return Err(SetError::WrongKind {
            id: id.to_string(),
            expected: assumption.value.type_name(),
            value: crate::diag::shown(value, 80),
            found: lit.type_name(),
        });
    }
    // Money keeps its currency: a cap or amount read in another would mix currencies.
    if let (Literal::Money(was), Literal::Money(now)) = (assumption.value, lit) {
        if was.currency != now.currency {
            return Err(SetError::WrongCurrency {
                id: id.to_string(),
                expected: was.currency.code(),
                value: crate::diag::shown(value, 80),
                found: now.currency.code(),
            });
        }
    }
    Ok((index, lit))
}
