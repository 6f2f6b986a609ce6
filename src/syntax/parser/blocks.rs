//! Agreements and amendments: their heads, their clauses and changes, and recovery inside them.

use super::*;

impl<'a> Parser<'a> {
    // ----- agreements and amendments ------------------------------------------------------

    pub(super) fn agreement(&mut self, start: u32) -> PResult<Agreement> {
        let id = self.declared_ident("an agreement id")?;
        let title = self.opt_text();
        self.expect(&Tok::LBrace, "`{` to open the agreement")?;
        let mut parties = Vec::new();
        let mut between: Option<Span> = None;
        let mut signed: Option<Value> = None;
        let mut life = Life::default();
        let mut clauses = Vec::new();
        let mut clause_spans = Vec::new();
        loop {
            match self.peek_word() {
                Some(
                    w @ ("effective" | "term" | "until" | "through" | "renews" | "terminable"),
                ) => {
                    let w = w.to_string();
                    if self.life_term(&w, &mut life).is_err() {
                        self.recover(AGREEMENT_STOPS, true);
                    }
                }
                Some("between") => {
                    let at = self.here();
                    self.bump();
                    let r = (|| {
                        let mut ps = vec![self.ident("a party id")?];
                        loop {
                            if self.eat(&Tok::Comma) {
                                ps.push(self.ident("a party id")?);
                            } else if self.eat_word("and") {
                                ps.push(self.ident("a party id")?);
                                break;
                            } else {
                                return self.fail("`,` or `and` between the parties");
                            }
                        }
                        Ok(ps)
                    })();
                    match (r, between) {
                        (Ok(_), Some(first)) => {
                            self.duplicate("the parties (`between`)", first, at)
                        }
                        (Ok(ps), None) => {
                            parties = ps;
                            between = Some(at);
                        }
                        (Err(Failed), _) => self.recover(CLAUSE_KINDS, true),
                    }
                }
                Some("signed") => {
                    let at = self.here();
                    self.bump();
                    match self.day_value() {
                        Ok(v) => match &signed {
                            Some(first) => self.duplicate("the signing day", first.span(), at),
                            None => signed = Some(v),
                        },
                        Err(Failed) => self.recover(CLAUSE_KINDS, true),
                    }
                }
                Some(w) if CLAUSE_KINDS.contains(&w) && self.keep == Keep::Head => {
                    // The clauses come in the order their bytes were kept.
                    let here = self.start();
                    let passed = self.skips.iter().take_while(|(s, _)| *s < here).count();
                    self.skips = self.skips.get(passed..).unwrap_or_default();
                    match self
                        .skips
                        .first()
                        .copied()
                        .filter(|(start, _)| *start == here)
                    {
                        // A clause read whole before: its bytes are passed over unread.
                        Some((_, end)) => self.jump(end),
                        // One that could not be: read again, to recover from it as the first
                        // reading did (a header term after it must be read as it was).
                        None => {
                            let _ = self.clause();
                        }
                    }
                }
                Some(w) if CLAUSE_KINDS.contains(&w) => {
                    if let Ok(c) = self.clause() {
                        match self.keep {
                            Keep::Whole => clauses.push(c),
                            Keep::Names | Keep::Head => {
                                clause_spans.push((c.span.start, c.span.end));
                            }
                        }
                    }
                }
                _ => {
                    if self.eat(&Tok::RBrace) {
                        break;
                    }
                    if self.peek().is_none() {
                        return self.fail("`}` to close the agreement");
                    }
                    let _ = self.fail::<()>(
                        "`between`, `signed`, `effective`, `term`, `renews`, `terminable`, a clause or `}`",
                    );
                    self.bump();
                    self.recover(CLAUSE_KINDS, true);
                }
            }
        }
        let span = self.span_from(start);
        if between.is_none() {
            self.errors.push(
                Diagnostic::error(
                    crate::diag::Code::MissingTerm,
                    id.span,
                    format!("agreement `{}` does not say between whom it is", id.name),
                )
                .label("no `between` line")
                .help("add `between PARTY and PARTY`"),
            );
        }
        if signed.is_none() {
            self.errors.push(
                Diagnostic::error(
                    crate::diag::Code::MissingTerm,
                    id.span,
                    format!("agreement `{}` has no signing day", id.name),
                )
                .label("no `signed` line")
                .help("add `signed YYYY-MM-DD`"),
            );
        }
        if self.keep == Keep::Names {
            return Ok(Agreement {
                id,
                title,
                parties: Vec::new(),
                signed: None,
                life: None,
                clauses: Vec::new(),
                clause_spans,
                hollow: true,
                span,
            });
        }
        Ok(Agreement {
            id,
            title,
            parties,
            signed,
            life: (life != Life::default()).then(|| {
                // A `Vec` grown by pushing holds room for four: a tree is held whole.
                life.terminable.shrink_to_fit();
                Box::new(life)
            }),
            clauses,
            clause_spans,
            hollow: false,
            span,
        })
    }

    /// One header term of an agreement's life (0.2): `effective`, `term` (or `until` /
    /// `through`), `renews …`, `terminable …`.
    fn life_term(&mut self, word: &str, life: &mut Life) -> PResult<()> {
        let at = self.here();
        match word {
            "effective" => {
                self.bump();
                let v = self.day_value()?;
                match &life.effective {
                    Some(first) => self.duplicate("the effective day", first.span(), at),
                    None => life.effective = Some(v),
                }
            }
            "term" | "until" | "through" => {
                let term = if word == "term" {
                    self.bump();
                    let v = self.duration_value()?;
                    Term::Length(v, self.span_from(at.start))
                } else {
                    Term::End(self.end()?)
                };
                match &life.term {
                    Some(first) => self.duplicate("the term", first.span(), at),
                    None => life.term = Some(term),
                }
            }
            "renews" => {
                self.bump();
                self.expect_word("every", "`every` after `renews`")?;
                let every = self.duration_value()?;
                let times = if self.eat_word("up") {
                    self.expect_word("to", "`to` after `up`")?;
                    let (n, span) = match self.peek() {
                        Some(Token {
                            tok: Tok::Number,
                            text,
                            span,
                        }) => (text.parse::<u32>().ok(), *span),
                        _ => (None, self.here()),
                    };
                    let Some(n) = n else {
                        return self.fail("a whole number of renewals after `up to`");
                    };
                    self.bump();
                    self.expect_word("times", "`times` after the number of renewals")?;
                    Some((n, span))
                } else {
                    None
                };
                self.expect_word("unless", "`unless notice DURATION` after the renewal")?;
                self.expect_word("notice", "`notice` after `unless`")?;
                let notice = self.duration_value()?;
                let renewal = Renewal {
                    every,
                    times,
                    notice,
                    span: self.span_from(at.start),
                };
                match &life.renews {
                    Some(first) => self.duplicate("the renewal (`renews`)", first.span, at),
                    None => life.renews = Some(renewal),
                }
            }
            _ => {
                self.bump();
                self.expect_word("by", "`by` after `terminable`")?;
                let mut parties = vec![self.ident("a party id")?];
                while self.eat(&Tok::Comma) {
                    parties.push(self.ident("a party id")?);
                }
                let on = if self.eat_word("on") {
                    Some(self.happening()?)
                } else {
                    self.expect_word(
                        "for",
                        "`for convenience` or `on HAPPENING` after the parties",
                    )?;
                    self.expect_word("convenience", "`convenience` after `for`")?;
                    None
                };
                let notice = if on.is_some() && !self.at_word("with") {
                    None
                } else {
                    self.expect_word(
                        "with",
                        if on.is_some() {
                            "`with notice DURATION` or the end of the right"
                        } else {
                            "`with notice DURATION` after `for convenience`"
                        },
                    )?;
                    self.expect_word("notice", "`notice` after `with`")?;
                    Some(self.duration_value()?)
                };
                life.terminable.push(Terminable {
                    parties,
                    on,
                    notice,
                    span: self.span_from(at.start),
                });
            }
        }
        Ok(())
    }

    pub(super) fn clause_ref(&mut self) -> PResult<ClauseRef> {
        let first = self.ident("a clause id")?;
        if self.eat(&Tok::Dot) {
            let clause = self.ident("a clause id")?;
            Ok(ClauseRef {
                agreement: Some(first),
                clause,
            })
        } else {
            Ok(ClauseRef {
                agreement: None,
                clause: first,
            })
        }
    }

    pub(super) fn amend_terms(&mut self) -> PResult<Vec<AmendTerm>> {
        self.expect(&Tok::LBrace, "`{` and the terms to change")?;
        let mut terms = Vec::new();
        loop {
            let at = self.here();
            let term = match self.peek_word() {
                Some("from") => {
                    self.bump();
                    AmendTerm::From(self.day_value()?)
                }
                Some("until" | "through") => AmendTerm::End(self.end()?),
                Some("exclusive") => {
                    self.bump();
                    AmendTerm::Exclusive {
                        exclusive: true,
                        span: at,
                    }
                }
                Some("non-exclusive") => {
                    self.bump();
                    AmendTerm::Exclusive {
                        exclusive: false,
                        span: at,
                    }
                }
                Some("rate") => {
                    self.bump();
                    let rate = self.percent_value()?;
                    let (tiers, per) = self.tier_schedule()?;
                    if tiers.is_empty() {
                        AmendTerm::Rate(rate)
                    } else {
                        AmendTerm::Schedule { rate, tiers, per }
                    }
                }
                Some("capped") => AmendTerm::Cap(self.cap()?),
                Some("lead") => {
                    self.bump();
                    AmendTerm::Lead(self.duration_value()?)
                }
                // Scope terms, rights and the like (0.2), each replacing its part.
                Some("in" | "done") => {
                    let mut scope = Scope::default();
                    self.scope_term(&mut scope)?;
                    AmendTerm::Scope(scope)
                }
                Some("use" | "deploy") => {
                    let mut rights = Vec::new();
                    loop {
                        let span = self.here();
                        match self.peek_word() {
                            Some(w @ ("use" | "deploy")) => {
                                rights.push(Ident {
                                    name: w.to_string(),
                                    span,
                                });
                                self.bump();
                            }
                            _ => return self.fail("a right: `use` or `deploy`"),
                        }
                        if !self.eat(&Tok::Comma) {
                            break;
                        }
                    }
                    AmendTerm::Rights(rights)
                }
                Some(w @ ("with" | "without"))
                    if matches!(
                        self.peek_at(1),
                        Some(Token {
                            tok: Tok::Word,
                            text: "affiliates",
                            ..
                        })
                    ) =>
                {
                    let with = w == "with";
                    self.bump();
                    self.bump();
                    AmendTerm::Affiliates {
                        with,
                        span: self.span_from(at.start),
                    }
                }
                Some("sublicensable") => {
                    let sub = self.sublicensable_term()?;
                    let span = sub.span;
                    AmendTerm::Sublicensable(Some(sub), span)
                }
                Some("not") => {
                    self.bump();
                    self.expect_word("sublicensable", "`sublicensable` after `not`")?;
                    AmendTerm::Sublicensable(None, self.span_from(at.start))
                }
                Some("within") => {
                    self.bump();
                    AmendTerm::Within(self.duration_value()?)
                }
                Some("survives") => AmendTerm::Survives(self.survives_term()?),
                Some("after") => {
                    self.bump();
                    self.expect_word("recouping", "`recouping MONEY`")?;
                    let amount = self.money_value()?;
                    AmendTerm::Recoup(amount, self.span_from(at.start))
                }
                Some("minimum") => {
                    self.bump();
                    let amount = self.money_value()?;
                    self.expect_word("per", "`per PERIOD` after the minimum")?;
                    let period = self.money_period()?;
                    AmendTerm::Minimum(amount, period, self.span_from(at.start))
                }
                // The agreement's own term (0.2, `amend term { … }`).
                Some(w @ ("term" | "renews")) => {
                    let mut life = Life::default();
                    self.life_term(w, &mut life)?;
                    match (life.term, life.renews) {
                        (Some(Term::Length(v, span)), _) => AmendTerm::Length(v, span),
                        (_, Some(r)) => AmendTerm::Renews(r),
                        _ => break,
                    }
                }
                _ => break,
            };
            terms.push(term);
        }
        terms.shrink_to_fit();
        self.expect(
            &Tok::RBrace,
            "a term to amend (`from`, `until`, `through`, `exclusive`, `rate`, `capped at`, `minimum`, `after recouping`, `lead`, `in`, `done by`, `use`, `deploy`, `with affiliates`, `sublicensable`, `within`, `survives`, `term`, `renews`) or `}`",
        )?;
        Ok(terms)
    }

    pub(super) fn change(&mut self) -> PResult<Change> {
        let start = self.start();
        match self.peek_word() {
            Some("end") => {
                self.bump();
                let clause = self.clause_ref()?;
                Ok(Change::End {
                    clause,
                    span: self.span_from(start),
                })
            }
            Some("amend") => {
                self.bump();
                let clause = self.clause_ref()?;
                let terms = match self.amend_terms() {
                    Ok(t) => t,
                    Err(Failed) => {
                        self.close_block();
                        return Err(Failed);
                    }
                };
                Ok(Change::Amend {
                    clause,
                    terms,
                    span: self.span_from(start),
                })
            }
            Some("strike") => {
                self.bump();
                let event = self.ident("an event id")?;
                Ok(Change::Strike {
                    event,
                    span: self.span_from(start),
                })
            }
            Some("add") => {
                self.bump();
                let clause = Box::new(self.clause()?);
                Ok(Change::Add {
                    clause,
                    span: self.span_from(start),
                })
            }
            _ => self.fail("a change: `end`, `amend`, `strike`, `add`, or `}`"),
        }
    }

    pub(super) fn amendment(&mut self, start: u32) -> PResult<Amendment> {
        let id = self.declared_ident("an amendment id")?;
        let title = self.opt_text();
        self.expect_word("amends", "`amends AGREEMENT`")?;
        let target = self.ident("an agreement id")?;
        self.expect(&Tok::LBrace, "`{` to open the amendment")?;
        let mut signed: Option<Value> = None;
        let mut effective: Option<Value> = None;
        let mut effective_on: Option<(Happening, Option<Value>, Span)> = None;
        let mut changes = Vec::new();
        const CHANGES: &[&str] = &["end", "amend", "strike", "add", "signed", "effective"];
        loop {
            match self.peek_word() {
                // `effective on HAPPENING [+ DURATION]` (0.2).
                Some("effective")
                    if matches!(
                        self.peek_at(1),
                        Some(Token {
                            tok: Tok::Word,
                            text: "on",
                            ..
                        })
                    ) =>
                {
                    let at = self.here();
                    self.bump();
                    self.bump();
                    let parsed = (|| {
                        let h = self.happening()?;
                        let plus = if self.eat(&Tok::Plus) {
                            Some(self.duration_value()?)
                        } else {
                            None
                        };
                        Ok((h, plus))
                    })();
                    match parsed {
                        Ok((h, plus)) => {
                            let span = self.span_from(at.start);
                            match (&effective, &effective_on) {
                                (Some(first), _) => {
                                    self.duplicate("the effective day", first.span(), at)
                                }
                                (_, Some((_, _, first))) => {
                                    self.duplicate("the effective day", *first, at)
                                }
                                _ => effective_on = Some((h, plus, span)),
                            }
                        }
                        Err(Failed) => self.recover(CHANGES, true),
                    }
                }
                Some(w @ ("signed" | "effective")) => {
                    let at = self.here();
                    self.bump();
                    match self.day_value() {
                        Ok(v) => {
                            let slot = if w == "signed" {
                                &mut signed
                            } else {
                                &mut effective
                            };
                            match slot {
                                Some(first) => {
                                    let first = first.span();
                                    let what = if w == "signed" {
                                        "the signing day"
                                    } else {
                                        "the effective day"
                                    };
                                    self.duplicate(what, first, at);
                                }
                                None if w == "effective" && effective_on.is_some() => {
                                    let first = effective_on.as_ref().map_or(at, |e| e.2);
                                    self.duplicate("the effective day", first, at);
                                }
                                None => *slot = Some(v),
                            }
                        }
                        Err(Failed) => self.recover(CHANGES, true),
                    }
                }
                Some("end" | "amend" | "strike" | "add") => match self.change() {
                    Ok(c) => changes.push(c),
                    Err(Failed) => self.recover(CHANGES, true),
                },
                _ => {
                    if self.eat(&Tok::RBrace) {
                        break;
                    }
                    if self.peek().is_none() {
                        return self.fail("`}` to close the amendment");
                    }
                    let _ = self.fail::<()>("`signed`, `effective`, a change or `}`");
                    self.bump();
                    self.recover(CHANGES, true);
                }
            }
        }
        if signed.is_none() {
            self.errors.push(
                Diagnostic::error(
                    crate::diag::Code::MissingTerm,
                    id.span,
                    format!("amendment `{}` has no signing day", id.name),
                )
                .label("no `signed` line")
                .help("add `signed YYYY-MM-DD`"),
            );
        }
        Ok(Amendment {
            id,
            title,
            target,
            signed,
            effective,
            effective_on,
            changes,
            span: self.span_from(start),
        })
    }
}
