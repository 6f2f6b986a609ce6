//! Checking agreements, clauses and amendments.
//!
//! Clause ids are unique within their agreement, counting clauses that amendments add. An
//! amendment's `end` and `amend` name clauses of the agreement it amends; each `amend` term must
//! fit the clause's kind (`rate` for revenue shares, `lead` for first-launch rights, …).

use super::names::Kind;
use super::Checker;
use crate::diag::Diagnostic;
use crate::model::*;
use crate::source::Sources;
use crate::syntax::ast;
use thin_vec::ThinVec;

impl Checker {
    /// Lowers an agreement's clauses: those in its tree, or those of a lean tree, read again one
    /// at a time from the agreement's text.
    pub(super) fn agreement_clauses(&mut self, a: &ast::Agreement, sources: &Sources) {
        let Some(agreement) = self.tables.table(Kind::Agreement).and_then(|t| {
            t.ids
                .get(&a.id.name)
                .filter(|(_, s)| *s == a.id.span)
                .map(|(i, _)| *i)
        }) else {
            return;
        };
        for clause in &a.clauses {
            self.add_clause(agreement, clause, None);
        }
        let text = sources.get(a.span.file).map_or("", |s| &*s.text);
        for &(start, _) in &a.clause_spans {
            if let Some(clause) = crate::syntax::clause_at(a.span.file, text, start) {
                self.add_clause(agreement, &clause, None);
            }
        }
    }

    /// Registers and checks one clause; returns its id.
    fn add_clause(
        &mut self,
        agreement: AgreementId,
        c: &ast::Clause,
        added_by: Option<AmendmentId>,
    ) -> Option<ClauseId> {
        let key = (agreement, c.id.name.clone());
        let agreement_name = self
            .rules
            .agreements
            .get(agreement as usize)
            .map(|a| a.name.id.clone())
            .unwrap_or_default();
        if let Some((_, first)) = self.clause_ids.get(&key) {
            self.diags.push(
                Diagnostic::error(
                    crate::diag::Code::DuplicateId,
                    c.id.span,
                    format!(
                        "clause `{}` is declared twice in agreement `{agreement_name}`",
                        c.id.name
                    ),
                )
                .label("declared again here")
                .related(*first, "first declared here"),
            );
            return None;
        }
        let terms = self.terms(c)?;
        let id = ClauseId::try_from(self.rules.clauses.len()).ok()?;
        self.clause_ids.insert(key, (id, c.id.span));
        self.rules.clauses.push(Clause {
            agreement,
            id: c.id.name.clone(),
            qualified: format!("{agreement_name}.{}", c.id.name),
            title: c.title.as_ref().map(|t| t.value.clone()),
            terms: std::sync::Arc::new(terms),
            added_by,
            span: c.span,
            head: crate::source::Span {
                end: c.id.span.end,
                ..c.span
            },
        });
        if let Some(a) = self.rules.agreements.get_mut(agreement as usize) {
            a.clauses.push(id);
        }
        Some(id)
    }

    fn terms(&mut self, c: &ast::Clause) -> Option<Terms> {
        // A clause's own days may be `end of` / `start of` an agreement or clause (0.2).
        self.clause_days = true;
        let from = c.from.as_ref().map(|v| self.day(v));
        let end = match &c.end {
            Some(e) => self.end(e),
            None => Some(Vec::new()),
        };
        self.clause_days = false;
        let body = self.body(&c.sentence);
        let from_event = match c.from_happening.as_deref() {
            None => Some(None),
            Some((h, plus)) => {
                let e = self.happening_event(h);
                let plus = match plus {
                    Some(p) => self.duration(p).map(Some),
                    None => Some(None),
                };
                match (e, plus) {
                    (Some(e), Some(p)) => Some(Some((e, p))),
                    _ => None,
                }
            }
        };
        let survives = match &c.survives {
            None => Some(None),
            Some(sv) => match &sv.duration {
                None => Some(Some(None)),
                Some(d) => self.duration(d).map(|d| Some(Some(d))),
            },
        };
        let from = match from {
            Some(v) => Some(v?),
            None => None,
        };
        let scope = self.scope(c.scope(), &c.sentence);
        let mut terms = Terms {
            from,
            from_event: from_event?,
            end: end?.into(),
            body: body?,
            survives: survives?,
            scope: None,
        };
        terms.set_scope(scope?);
        Some(terms)
    }

    /// Tiers (0.2): bounds that rise, in one currency, and rates from 0% to 100%.
    fn tiers(
        &mut self,
        first: Option<Val<rust_decimal::Decimal>>,
        first_span: crate::source::Span,
        tiers: &[(ast::Value, ast::Value)],
    ) -> Option<Vec<(Val<crate::money::Money>, Val<rust_decimal::Decimal>)>> {
        let mut out = Vec::with_capacity(tiers.len());
        let mut ok = true;
        let env_value = |this: &Self, v: Val<rust_decimal::Decimal>| match v {
            Val::Lit(p) => Some(p),
            Val::Assumed(a) => match this.rules.assumptions.get(a as usize).map(|x| x.value) {
                Some(crate::model::Literal::Percent(p)) => Some(p),
                _ => None,
            },
            Val::Expr(_) => None,
        };
        let money_value = |this: &Self, v: Val<crate::money::Money>| match v {
            Val::Lit(m) => Some(m),
            Val::Assumed(a) => match this.rules.assumptions.get(a as usize).map(|x| x.value) {
                Some(crate::model::Literal::Money(m)) => Some(m),
                _ => None,
            },
            Val::Expr(_) => None,
        };
        let mut rates: Vec<(Option<rust_decimal::Decimal>, crate::source::Span)> = Vec::new();
        // The rate below the first bound, marked where it is written (not on the next rate).
        if let Some(r) = first.filter(|_| !tiers.is_empty()) {
            rates.push((env_value(self, r), first_span));
        }
        let mut last: Option<(crate::money::Money, crate::source::Span)> = None;
        for (bound, next) in tiers {
            let b = self.money(bound);
            let r = self.percent(next);
            let (Some(b), Some(r)) = (b, r) else {
                ok = false;
                continue;
            };
            rates.push((env_value(self, r), next.span()));
            if let Some(m) = money_value(self, b) {
                if let Some((prev, prev_span)) = last {
                    if prev.currency != m.currency {
                        self.diags.push(
                            Diagnostic::error(
                                crate::diag::Code::CapCurrency,
                                bound.span(),
                                format!(
                                    "tier bounds in `{}` and `{}`: a revenue share counts in one currency",
                                    prev.currency.code(),
                                    m.currency.code()
                                ),
                            )
                            .label("another currency")
                            .related(prev_span, "the bound before"),
                        );
                        ok = false;
                    } else if m.amount <= prev.amount {
                        self.diags.push(
                            Diagnostic::error(
                                crate::diag::Code::BadTiers,
                                bound.span(),
                                format!("tier bounds must rise: {m} is not above {prev}"),
                            )
                            .label("not above the bound before")
                            .related(prev_span, "the bound before")
                            .help("write the tiers from the lowest bound up"),
                        );
                        ok = false;
                    }
                }
                last = Some((m, bound.span()));
            }
            out.push((b, r));
        }
        for (rate, span) in rates {
            if let Some(p) = rate {
                if p > rust_decimal::Decimal::ONE_HUNDRED {
                    self.diags.push(
                        Diagnostic::error(
                            crate::diag::Code::BadTiers,
                            span,
                            format!("a tier's rate of {}% is above 100%", p.normalize()),
                        )
                        .label("above 100%")
                        .help("a share of revenue is between 0% and 100%"),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    /// A clause's scope (0.2): territories and fields resolved; money clauses take none.
    fn scope(&mut self, s: &ast::Scope, sentence: &ast::Sentence) -> Option<Scope> {
        let money = matches!(
            sentence,
            ast::Sentence::RevenueShare { .. }
                | ast::Sentence::Payment { .. }
                | ast::Sentence::Commitment(_)
        );
        let span = s
            .places
            .as_ref()
            .map(|p| p.2)
            .or(s.fields.as_ref().map(|f| f.1));
        if let (true, Some(span)) = (money, span) {
            self.diags.push(
                Diagnostic::error(
                    crate::diag::Code::TermDoesNotFit,
                    span,
                    "a money clause takes no place or field: ledgers have no place column",
                )
                .label("not on a revenue share")
                .help("split the revenue by `from stream …` instead"),
            );
            return None;
        }
        let mut ok = true;
        let mut list = |ids: &[ast::Ident], kind: Kind, this: &mut Self| -> Vec<u32> {
            ids.iter()
                .filter_map(|i| {
                    let r = this.resolve(kind, i);
                    ok &= r.is_some();
                    r
                })
                .collect()
        };
        let (places, except) = match &s.places {
            Some((p, x, _)) => (
                list(p, Kind::Territory, self),
                list(x, Kind::Territory, self),
            ),
            None => (Vec::new(), Vec::new()),
        };
        let fields = match &s.fields {
            Some((f, _)) => list(f, Kind::Field, self),
            None => Vec::new(),
        };
        let done_by = match &s.done_by {
            Some((_, span)) if !matches!(sentence, ast::Sentence::Rule { .. }) => {
                self.diags.push(
                    Diagnostic::error(
                        crate::diag::Code::TermDoesNotFit,
                        *span,
                        "only a rule says who acts (`done by`)",
                    )
                    .label("not on this kind of clause")
                    .help("put the restriction in a `rule` clause"),
                );
                return None;
            }
            Some((p, _)) => list(p, Kind::Party, self),
            None => Vec::new(),
        };
        ok.then_some(Scope {
            places,
            except,
            fields,
            done_by,
        })
    }

    /// The event a happening in a clause's `from` or `until` stands for: a declared event,
    /// or, for a pattern, a derived event made for it (unnamed: no question or strike can name
    /// it; it shows as the pattern's words).
    pub(super) fn happening_event(&mut self, h: &ast::Happening) -> Option<EventId> {
        let resolved = self.happening(h, true)?;
        if let Happening::Event(e) = resolved {
            return Some(e);
        }
        let id = EventId::try_from(self.rules.events.len()).ok()?;
        let words = self.rules.happening_text(&resolved);
        self.rules.events.push(EventDef {
            name: Named {
                id: words,
                title: None,
                span: crate::source::Span::default(),
            },
            when: Some(EventWhen::Happens(resolved)),
        });
        Some(id)
    }

    pub(super) fn end(&mut self, e: &ast::End) -> Option<Vec<EndAlt>> {
        let mut alts = Vec::new();
        let mut ok = true;
        for alt in &e.alts {
            let r = match alt {
                ast::EndAlt::Event(id) => self.resolve(Kind::Event, id).map(EndAlt::Event),
                ast::EndAlt::Happens(h, plus) => {
                    let e = self.happening_event(h);
                    let plus = plus.as_ref().map(|p| self.duration(p));
                    match (e, plus) {
                        (Some(e), None) => Some(EndAlt::Event(e)),
                        (Some(e), Some(Some(d))) => Some(EndAlt::After(e, d)),
                        _ => None,
                    }
                }
                ast::EndAlt::Period(p) => self.period(p, e.through),
            };
            match r {
                Some(a) => alts.push(a),
                None => ok = false,
            }
        }
        ok.then_some(alts)
    }

    fn period(&mut self, p: &ast::Period, through: bool) -> Option<EndAlt> {
        let after = match p {
            ast::Period::Day(v) => {
                let day = self.day(v)?;
                return Some(if through {
                    EndAlt::Through(day)
                } else {
                    EndAlt::Until(day)
                });
            }
            ast::Period::Month { year, month, .. } => crate::time::after_month(*year, *month),
            ast::Period::Year { year, .. } => crate::time::after_year(*year),
        };
        match after {
            Some(d) => Some(EndAlt::Until(Val::Lit(d))),
            None => {
                self.diags.push(
                    Diagnostic::error(
                        crate::diag::Code::BadPeriod,
                        p.span(),
                        "this period ends out of range",
                    )
                    .label("no day follows it"),
                );
                None
            }
        }
    }

    fn selector(&mut self, s: &ast::Selector) -> Option<Selector> {
        match s {
            ast::Selector::Products(ids) => {
                let resolved: Vec<Option<ProductId>> = ids
                    .iter()
                    .map(|id| self.resolve(Kind::Product, id))
                    .collect();
                resolved
                    .into_iter()
                    .collect::<Option<ThinVec<_>>>()
                    .map(Selector::Products)
            }
            ast::Selector::Matching { by, tags, except } => {
                let by = match by {
                    Some(p) => Some(self.resolve(Kind::Party, p)?),
                    None => None,
                };
                let except: Vec<Option<ProductId>> = except
                    .iter()
                    .map(|p| self.resolve(Kind::Product, p))
                    .collect();
                Some(Selector::Matching {
                    by,
                    tags: tags.iter().map(|t| t.name.clone()).collect(),
                    except: except.into_iter().collect::<Option<ThinVec<_>>>()?,
                })
            }
        }
    }

    fn parties(&mut self, ids: &[&ast::Ident]) -> Option<Vec<PartyId>> {
        let r: Vec<Option<PartyId>> = ids.iter().map(|p| self.resolve(Kind::Party, p)).collect();
        r.into_iter().collect()
    }

    fn clouds(&mut self, ids: &[ast::Ident]) -> Option<Vec<CloudId>> {
        let r: Vec<Option<CloudId>> = ids.iter().map(|c| self.resolve(Kind::Cloud, c)).collect();
        r.into_iter().collect()
    }

    fn body(&mut self, s: &ast::Sentence) -> Option<Body> {
        match s {
            ast::Sentence::Exclusivity {
                beneficiary,
                selector,
                clouds,
                only_by,
                by_affiliates,
            } => {
                let beneficiary = beneficiary.as_ref().map(|p| self.resolve(Kind::Party, p));
                let selector = self.selector(selector);
                let clouds = self.clouds(clouds);
                let refs: Vec<&ast::Ident> = only_by.iter().collect();
                let only_by = self.parties(&refs);
                Some(Body::Exclusivity {
                    beneficiary: match beneficiary {
                        Some(b) => Some(b?),
                        None => None,
                    },
                    selector: selector?,
                    clouds: clouds?.into(),
                    only_by: only_by?.into(),
                    by_affiliates: *by_affiliates,
                })
            }
            ast::Sentence::Licence {
                licensor,
                licensee,
                with_affiliates,
                exclusive,
                rights,
                selector,
                sublicensable,
            } => {
                for (i, r) in rights.iter().enumerate() {
                    if let Some(first) = rights.iter().take(i).find(|x| x.name == r.name) {
                        self.diags.push(
                            Diagnostic::error(
                                crate::diag::Code::DuplicateTerm,
                                r.span,
                                format!("the right `{}` is granted twice", r.name),
                            )
                            .label("granted again here")
                            .related(first.span, "first granted here"),
                        );
                    }
                }
                let deploy = rights.iter().any(|r| r.name == "deploy");
                let parties = self.parties(&[licensor, licensee]);
                let selector = self.selector(selector);
                let sublicensable = match sublicensable {
                    None => Some(None),
                    Some(ast::Sublicensable { consent: None, .. }) => Some(Some(None)),
                    Some(ast::Sublicensable {
                        consent: Some(c), ..
                    }) => self.resolve(Kind::Party, c).map(|c| Some(Some(c))),
                };
                let p = parties?;
                Some(Body::Licence {
                    licensor: *p.first()?,
                    licensee: *p.get(1)?,
                    with_affiliates: *with_affiliates,
                    exclusive: exclusive.unwrap_or(false),
                    deploy,
                    selector: selector?,
                    sublicensable: sublicensable?,
                })
            }
            ast::Sentence::FirstLaunch {
                selector,
                cloud,
                unless,
                lead,
            } => {
                let selector = self.selector(selector);
                let cloud = self.resolve(Kind::Cloud, cloud);
                let acts = self.acts(unless);
                let lead = match lead {
                    Some(v) => self.duration(v),
                    None => Some(Val::Lit(crate::time::Duration::ZERO)),
                };
                Some(Body::FirstLaunch {
                    selector: selector?,
                    cloud: cloud?,
                    unless: acts?.into(),
                    lead: lead?,
                })
            }
            ast::Sentence::FirstOffer {
                selector,
                to,
                unless,
                within,
            } => {
                let selector = self.selector(selector);
                let to = self.resolve(Kind::Party, to);
                let acts = self.acts(unless);
                let within = match within {
                    Some(v) => self.duration(v),
                    None => Some(Val::Lit(crate::time::Duration::ZERO)),
                };
                Some(Body::FirstOffer {
                    selector: selector?,
                    to: to?,
                    unless: acts?.into(),
                    within: within?,
                })
            }
            ast::Sentence::Commitment(c) => {
                let parties = self.parties(&[&c.spender, &c.with]);
                let amount = self.money(&c.amount);
                let p = parties?;
                Some(Body::Commitment {
                    spender: *p.first()?,
                    with: *p.get(1)?,
                    amount: amount?,
                    streams: c.streams.iter().map(|s| s.name.clone()).collect(),
                    per: c.per.map(|(p, _)| p),
                    payable: c.payable,
                })
            }
            ast::Sentence::Payment {
                payer,
                payee,
                amount,
                due,
            } => {
                let parties = self.parties(&[payer, payee]);
                let amount = self.money(amount);
                let due = match due {
                    ast::Due::On(v) => {
                        // A payment's day may be `end of` an agreement or clause.
                        self.clause_days = true;
                        let d = self.day(v).map(Due::On);
                        self.clause_days = false;
                        d
                    }
                    ast::Due::OnHappening(h, plus) => {
                        let e = self.happening_event(h);
                        let plus = match plus {
                            Some(p) => self.duration(p).map(Some),
                            None => Some(None),
                        };
                        e.zip(plus).map(|(e, p)| Due::OnEvent(e, p))
                    }
                    ast::Due::Every(period, _) => Some(Due::Every(*period)),
                };
                let p = parties?;
                Some(Body::Payment {
                    payer: *p.first()?,
                    payee: *p.get(1)?,
                    amount: amount?,
                    due: due?,
                })
            }
            ast::Sentence::RevenueShare {
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
            } => {
                let parties = self.parties(&[payer, payee, earner]);
                let period_cap = match period_cap {
                    Some(c) => {
                        if let Some(from) = &c.counting_from {
                            self.diags.push(
                                Diagnostic::error(
                                    crate::diag::Code::TermDoesNotFit,
                                    from.span(),
                                    "a cap per period counts from the start of each period",
                                )
                                .label("no counting day for a cap per period")
                                .help("remove `counting from …`, or write a total cap"),
                            );
                        }
                        let amount = self.money(&c.amount);
                        match (amount, &c.per, &c.counting_from) {
                            (Some(a), Some((p, _)), None) => Some(Some((a, *p))),
                            _ => None,
                        }
                    }
                    None => Some(None),
                };
                let minimum = match minimum {
                    Some(m) => self.money(&m.0).map(|a| Some((a, m.1))),
                    None => Some(None),
                };
                let rate_span = rate.span();
                let rate = self.percent(rate);
                let cap = cap.as_ref().map(|c| self.cap(c));
                let tiers = self.tiers(rate, rate_span, tiers);
                let recoup = match recoup {
                    Some(r) => self.money(r).map(Some),
                    None => Some(None),
                };
                let p = parties?;
                Some(Body::RevenueShare(Box::new(RevenueShare {
                    payer: *p.first()?,
                    payee: *p.get(1)?,
                    rate: rate?,
                    earner: *p.get(2)?,
                    streams: streams.iter().map(|s| s.name.clone()).collect(),
                    cap: match cap {
                        Some(c) => Some(c?),
                        None => None,
                    },
                    tiers: tiers?,
                    tiers_per: tiers_per.map(|(p, _)| p),
                    recoup: recoup?,
                    period_cap: period_cap?,
                    minimum: minimum?,
                })))
            }
            ast::Sentence::Rule {
                action,
                selector,
                clouds,
                except_clouds,
            } => {
                let selector = self.selector(selector);
                let clouds = self.clouds(clouds);
                Some(Body::Rule {
                    action: *action,
                    selector: selector?,
                    clouds: clouds?.into(),
                    except_clouds: *except_clouds,
                })
            }
        }
    }

    /// `unless` acts resolved: each party and its verb.
    fn acts(&mut self, unless: &[ast::Act]) -> Option<Vec<(PartyId, String)>> {
        let acts: Vec<Option<(PartyId, String)>> = unless
            .iter()
            .map(|a| {
                self.resolve(Kind::Party, &a.party)
                    .map(|p| (p, a.verb.name.clone()))
            })
            .collect();
        acts.into_iter().collect()
    }

    fn cap(&mut self, c: &ast::Cap) -> Option<Cap> {
        let amount = self.money(&c.amount);
        let counting_from = c.counting_from.as_ref().map(|v| self.day(v));
        Some(Cap {
            amount: amount?,
            counting_from: match counting_from {
                Some(d) => Some(d?),
                None => None,
            },
        })
    }

    // ----- amendments ---------------------------------------------------------------------

    fn own_amendment(&self, a: &ast::Amendment) -> Option<AmendmentId> {
        self.tables
            .table(Kind::Amendment)?
            .ids
            .get(&a.id.name)
            .filter(|(_, s)| *s == a.id.span)
            .map(|(i, _)| *i)
    }

    /// The amendment's target and days.
    pub(super) fn amendment_head(
        &mut self,
        a: &ast::Amendment,
    ) -> Option<(AmendmentId, AgreementId)> {
        let id = self.own_amendment(a)?;
        let target = self.resolve(Kind::Agreement, &a.target);
        let signed = a.signed.as_ref().and_then(|v| self.day(v));
        let effective = a.effective.as_ref().map(|v| self.day(v));
        // `effective on HAPPENING [+ DURATION]` (0.2): a hidden derived event.
        let effective_on = match &a.effective_on {
            None => None,
            Some((h, plus, _)) => {
                let e = self.happening_event(h);
                let plus = match plus {
                    Some(p) => self.duration(p).map(Some),
                    None => Some(None),
                };
                e.zip(plus)
            }
        };
        let am = self.rules.amendments.get_mut(id as usize)?;
        am.effective_on = effective_on;
        if let Some(s) = signed {
            am.signed = s;
        }
        am.effective = effective.flatten();
        let target = target?;
        am.target = target;
        Some((id, target))
    }

    /// Registers the clauses an amendment adds (before any `end`/`amend` is resolved, so those
    /// may name added clauses).
    pub(super) fn amendment_additions(
        &mut self,
        a: &ast::Amendment,
        id: AmendmentId,
        agreement: AgreementId,
    ) {
        for change in &a.changes {
            if let ast::Change::Add { clause, span } = change {
                if let Some(c) = self.add_clause(agreement, clause, Some(id)) {
                    if let Some(am) = self.rules.amendments.get_mut(id as usize) {
                        am.changes.push((Edit::Add(c), *span));
                    }
                }
            }
        }
    }

    pub(super) fn amendment_changes(
        &mut self,
        a: &ast::Amendment,
        id: AmendmentId,
        agreement: AgreementId,
    ) {
        let mut changes = Vec::new();
        for change in &a.changes {
            let resolved = match change {
                // `end renewal` and `amend term { … }` (0.2) speak of the agreement's own term,
                // unless it has a clause of that name (0.1 files keep their meaning).
                ast::Change::End { clause, .. }
                    if self.names_own_term(clause, agreement, "renewal") =>
                {
                    Some(Edit::Term(TermChange {
                        term: None,
                        renews: Some(None),
                    }))
                }
                ast::Change::Amend { clause, terms, .. }
                    if self.names_own_term(clause, agreement, "term") =>
                {
                    self.term_change(terms).map(Edit::Term)
                }
                ast::Change::End { clause, .. } => {
                    self.clause_ref(clause, agreement).map(Edit::End)
                }
                ast::Change::Amend { clause, terms, .. } => {
                    let target = self.clause_ref(clause, agreement);
                    target.and_then(|c| {
                        let terms = self.amend_terms(c, terms)?;
                        Some(Edit::Amend(c, terms))
                    })
                }
                ast::Change::Strike { event, .. } => {
                    self.resolve(Kind::Event, event).map(Edit::Strike)
                }
                ast::Change::Add { .. } => None,
            };
            if let Some(c) = resolved {
                changes.push((c, change.span()));
            }
        }
        if let Some(am) = self.rules.amendments.get_mut(id as usize) {
            am.changes.extend(changes);
            am.changes.sort_by_key(|(_, span)| span.start);
        }
    }

    pub(super) fn clause_ref(
        &mut self,
        r: &ast::ClauseRef,
        agreement: AgreementId,
    ) -> Option<ClauseId> {
        let agreement_name = self
            .rules
            .agreements
            .get(agreement as usize)
            .map(|a| a.name.id.clone())
            .unwrap_or_default();
        if let Some(named) = &r.agreement {
            if named.name != agreement_name {
                self.diags.push(
                    Diagnostic::error(
                        crate::diag::Code::WrongAgreement,
                        named.span,
                        format!(
                            "this amendment amends `{agreement_name}`, not `{}`",
                            named.name
                        ),
                    )
                    .label("another agreement")
                    .help("an amendment changes only the clauses of the agreement it amends"),
                );
                return None;
            }
        }
        let key = (agreement, r.clause.name.clone());
        if let Some((id, _)) = self.clause_ids.get(&key) {
            return Some(*id);
        }
        let known: Vec<String> = self
            .clause_ids
            .keys()
            .filter(|(a, _)| *a == agreement)
            .map(|(_, n)| n.clone())
            .collect();
        let mut d = Diagnostic::error(
            crate::diag::Code::UnknownId,
            r.clause.span,
            format!(
                "agreement `{agreement_name}` has no clause `{}`",
                r.clause.name
            ),
        )
        .label("no clause of this name");
        if let Some(best) = crate::diag::nearest(&r.clause.name, known.iter()) {
            d = d.help(format!("did you mean `{best}`?"));
        }
        self.diags.push(d);
        None
    }

    /// Whether `clause` is the bare word `word` and the agreement has no clause of that name.
    fn names_own_term(&self, clause: &ast::ClauseRef, agreement: AgreementId, word: &str) -> bool {
        clause.agreement.is_none()
            && clause.clause.name == word
            && !self.clause_ids.contains_key(&(agreement, word.to_string()))
    }

    /// The terms of `amend term { … }` (0.2): `term DURATION`, `until …` / `through …`, and
    /// `renews …`, each at most once.
    fn term_change(&mut self, terms: &[ast::AmendTerm]) -> Option<TermChange> {
        let mut out = TermChange::default();
        let mut ok = true;
        let mut seen: Vec<(&'static str, crate::source::Span)> = Vec::new();
        for term in terms {
            let (name, span) = match term {
                ast::AmendTerm::Length(_, span) => ("term", *span),
                ast::AmendTerm::End(e) => ("term", e.span),
                ast::AmendTerm::Renews(r) => ("renewal", r.span),
                ast::AmendTerm::From(v) | ast::AmendTerm::Rate(v) | ast::AmendTerm::Lead(v) => {
                    ("", v.span())
                }
                ast::AmendTerm::Exclusive { span, .. } => ("", *span),
                ast::AmendTerm::Cap(c) => ("", c.span),
                other => ("", amend_span(other)),
            };
            if name.is_empty() {
                self.diags.push(
                    Diagnostic::error(
                        crate::diag::Code::TermDoesNotFit,
                        span,
                        "an agreement's term is amended by `term`, `until`, `through` or `renews`",
                    )
                    .label("not a term of the agreement's life")
                    .help("amend a clause by its id to change its own terms"),
                );
                ok = false;
                continue;
            }
            if !self.first_amended(&mut seen, name, span) {
                ok = false;
                continue;
            }
            match term {
                ast::AmendTerm::Length(v, _) => match self.duration(v) {
                    Some(d) => out.term = Some(TermEnd::Length(d)),
                    None => ok = false,
                },
                ast::AmendTerm::End(e) => match self.end(e) {
                    Some(alts) => out.term = Some(TermEnd::End(alts)),
                    None => ok = false,
                },
                ast::AmendTerm::Renews(r) => match self.renewal(r) {
                    Some(r) => out.renews = Some(Some(r)),
                    None => ok = false,
                },
                _ => {}
            }
        }
        ok.then_some(out)
    }

    fn amend_terms(
        &mut self,
        clause: ClauseId,
        terms: &[ast::AmendTerm],
    ) -> Option<Vec<AmendTerm>> {
        let kind = self.rules.clause(clause)?.kind();
        let mut out = Vec::new();
        let mut seen: Vec<(&'static str, crate::source::Span)> = Vec::new();
        let mut ok = true;
        for term in terms {
            let (name, span, fits) = match term {
                ast::AmendTerm::From(v) => ("from", v.span(), true),
                ast::AmendTerm::End(e) => ("end", e.span, true),
                ast::AmendTerm::Exclusive { span, .. } => {
                    ("exclusivity", *span, kind == ClauseKind::Licence)
                }
                ast::AmendTerm::Rate(v) | ast::AmendTerm::Schedule { rate: v, .. } => {
                    ("rate", v.span(), kind == ClauseKind::RevenueShare)
                }
                ast::AmendTerm::Cap(c) if c.per.is_some() => {
                    ("cap per period", c.span, kind == ClauseKind::RevenueShare)
                }
                ast::AmendTerm::Cap(c) => ("cap", c.span, kind == ClauseKind::RevenueShare),
                ast::AmendTerm::Minimum(_, _, span) => {
                    ("minimum", *span, kind == ClauseKind::RevenueShare)
                }
                ast::AmendTerm::Recoup(_, span) => {
                    ("recoupment", *span, kind == ClauseKind::RevenueShare)
                }
                ast::AmendTerm::Lead(v) => ("lead", v.span(), kind == ClauseKind::FirstLaunch),
                ast::AmendTerm::Length(_, span) => ("term", *span, false),
                ast::AmendTerm::Renews(r) => ("renewal", r.span, false),
                ast::AmendTerm::Scope(sc) => {
                    let money = kind == ClauseKind::RevenueShare;
                    let fields_ok = matches!(
                        kind,
                        ClauseKind::Licence
                            | ClauseKind::Exclusivity
                            | ClauseKind::Rule
                            | ClauseKind::FirstOffer
                    );
                    let fits = !(money && sc.places.is_some())
                        && (sc.fields.is_none() || fields_ok)
                        && (sc.done_by.is_none() || kind == ClauseKind::Rule);
                    let name = if sc.done_by.is_some() {
                        "who acts"
                    } else if sc.fields.is_some() {
                        "fields"
                    } else {
                        "places"
                    };
                    (name, amend_span(term), fits)
                }
                ast::AmendTerm::Rights(_) => {
                    ("rights", amend_span(term), kind == ClauseKind::Licence)
                }
                ast::AmendTerm::Affiliates { span, .. } => {
                    ("affiliates", *span, kind == ClauseKind::Licence)
                }
                ast::AmendTerm::Sublicensable(_, span) => {
                    ("sublicensing", *span, kind == ClauseKind::Licence)
                }
                ast::AmendTerm::Within(v) => {
                    ("offer period", v.span(), kind == ClauseKind::FirstOffer)
                }
                ast::AmendTerm::Survives(sv) => ("survival", sv.span, true),
            };
            if !fits {
                self.diags.push(
                    Diagnostic::error(
                        crate::diag::Code::TermDoesNotFit,
                        span,
                        format!(
                            "{} {} clause has no {name} to amend",
                            article(kind.keyword()),
                            kind.keyword()
                        ),
                    )
                    .label(format!(
                        "not a term of {} {}",
                        article(kind.keyword()),
                        kind.keyword()
                    )),
                );
                ok = false;
                continue;
            }
            if !self.first_amended(&mut seen, name, span) {
                ok = false;
                continue;
            }
            let t = match term {
                ast::AmendTerm::From(v) => {
                    self.clause_days = true;
                    let v = self.day(v).map(AmendTerm::From);
                    self.clause_days = false;
                    v
                }
                ast::AmendTerm::End(e) => {
                    self.clause_days = true;
                    let e = self.end(e).map(AmendTerm::End);
                    self.clause_days = false;
                    e
                }
                ast::AmendTerm::Exclusive { exclusive, .. } => {
                    Some(AmendTerm::Exclusive(*exclusive))
                }
                ast::AmendTerm::Rate(v) => self.percent(v).map(AmendTerm::Rate),
                ast::AmendTerm::Schedule { rate, tiers, per } => {
                    let r = self.percent(rate);
                    let t = self.tiers(r, rate.span(), tiers);
                    r.zip(t)
                        .map(|(r, t)| AmendTerm::Schedule(r, t, per.map(|(p, _)| p)))
                }
                ast::AmendTerm::Cap(c) => match &c.per {
                    Some((p, _)) => self.money(&c.amount).map(|a| AmendTerm::PeriodCap(a, *p)),
                    None => self.cap(c).map(AmendTerm::Cap),
                },
                ast::AmendTerm::Minimum(v, p, _) => {
                    self.money(v).map(|a| AmendTerm::Minimum(a, *p))
                }
                ast::AmendTerm::Recoup(v, _) => self.money(v).map(AmendTerm::Recoup),
                ast::AmendTerm::Lead(v) => self.duration(v).map(AmendTerm::Lead),
                ast::AmendTerm::Length(..) | ast::AmendTerm::Renews(_) => None,
                ast::AmendTerm::Scope(sc) => {
                    let resolve =
                        |this: &mut Self, list: &[ast::Ident], k: Kind| -> Option<Vec<u32>> {
                            list.iter().map(|i| this.resolve(k, i)).collect()
                        };
                    if let Some((places, except, _)) = &sc.places {
                        let p = resolve(self, places, Kind::Territory);
                        let x = resolve(self, except, Kind::Territory);
                        p.zip(x).map(|(p, x)| AmendTerm::Places(p, x))
                    } else if let Some((fields, _)) = &sc.fields {
                        resolve(self, fields, Kind::Field).map(AmendTerm::Fields)
                    } else if let Some((parties, _)) = &sc.done_by {
                        resolve(self, parties, Kind::Party).map(AmendTerm::DoneBy)
                    } else {
                        None
                    }
                }
                ast::AmendTerm::Rights(rights) => {
                    Some(AmendTerm::Deploy(rights.iter().any(|r| r.name == "deploy")))
                }
                ast::AmendTerm::Affiliates { with, .. } => Some(AmendTerm::WithAffiliates(*with)),
                ast::AmendTerm::Sublicensable(None, _) => Some(AmendTerm::Sublicensable(None)),
                ast::AmendTerm::Sublicensable(Some(sub), _) => match &sub.consent {
                    None => Some(AmendTerm::Sublicensable(Some(None))),
                    Some(c) => self
                        .resolve(Kind::Party, c)
                        .map(|c| AmendTerm::Sublicensable(Some(Some(c)))),
                },
                ast::AmendTerm::Within(v) => self.duration(v).map(AmendTerm::Within),
                ast::AmendTerm::Survives(sv) => match &sv.duration {
                    None => Some(AmendTerm::Survives(None)),
                    Some(d) => self.duration(d).map(|d| AmendTerm::Survives(Some(d))),
                },
            };
            match t {
                Some(t) => out.push(t),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }
}

impl Checker {
    /// Records a term of one `amend`; one amended twice is an error at its second writing
    /// (`false`).
    fn first_amended(
        &mut self,
        seen: &mut Vec<(&'static str, crate::source::Span)>,
        name: &'static str,
        span: crate::source::Span,
    ) -> bool {
        if let Some((_, first)) = seen.iter().find(|(n, _)| *n == name) {
            self.diags.push(
                Diagnostic::error(
                    crate::diag::Code::DuplicateTerm,
                    span,
                    format!("the {name} is amended twice in one `amend`"),
                )
                .label("given again here")
                .related(*first, "first given here"),
            );
            return false;
        }
        seen.push((name, span));
        true
    }
}

/// Where an amendment's term is written.
fn amend_span(t: &ast::AmendTerm) -> crate::source::Span {
    match t {
        ast::AmendTerm::From(v)
        | ast::AmendTerm::Rate(v)
        | ast::AmendTerm::Lead(v)
        | ast::AmendTerm::Within(v) => v.span(),
        ast::AmendTerm::End(e) => e.span,
        ast::AmendTerm::Exclusive { span, .. }
        | ast::AmendTerm::Affiliates { span, .. }
        | ast::AmendTerm::Sublicensable(_, span)
        | ast::AmendTerm::Length(_, span) => *span,
        ast::AmendTerm::Cap(c) => c.span,
        ast::AmendTerm::Renews(r) => r.span,
        ast::AmendTerm::Survives(sv) => sv.span,
        ast::AmendTerm::Minimum(_, _, span) | ast::AmendTerm::Recoup(_, span) => *span,
        ast::AmendTerm::Schedule { rate, .. } => rate.span(),
        ast::AmendTerm::Rights(rights) => match (rights.first(), rights.last()) {
            (Some(a), Some(b)) => a.span.to(b.span),
            _ => crate::source::Span::default(),
        },
        ast::AmendTerm::Scope(sc) => sc
            .places
            .as_ref()
            .map(|p| p.2)
            .or(sc.fields.as_ref().map(|f| f.1))
            .or(sc.done_by.as_ref().map(|d| d.1))
            .unwrap_or_default(),
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}
