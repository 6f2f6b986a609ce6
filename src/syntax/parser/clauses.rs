//! Selectors, the sentence of each clause kind, and clauses with their time terms.

use super::*;

/// A clause body's parts: its sentence, start, end, `survives` and scope.
type BodyParts = (Sentence, Start, Option<End>, Option<Survives>, Scope);

/// A clause's start: a day, or (0.2) a happening with a duration after it.
type Start = (Option<Value>, Option<(Happening, Option<Value>)>);

impl<'a> Parser<'a> {
    // ----- selectors and sentences --------------------------------------------------------

    pub(super) fn selector(&mut self) -> PResult<Selector> {
        if self.eat_word("product") {
            return Ok(Selector::Products(self.ident_list("a product id")?));
        }
        if self.eat_word("products") {
            let by = if self.eat_word("by") {
                Some(self.ident("a party id")?)
            } else {
                None
            };
            let tags = if self.eat_word("tagged") {
                self.ident_list("a tag")?
            } else {
                Vec::new()
            };
            // `except product ID {, ID}` (0.2): `except` followed by `product` belongs to the
            // selector (a scope's `except` follows its places).
            let except = if self.at_word("except")
                && matches!(
                    self.peek_at(1),
                    Some(Token {
                        tok: Tok::Word,
                        text: "product" | "products",
                        ..
                    })
                ) {
                self.bump();
                self.bump();
                self.ident_list("a product id")?
            } else {
                Vec::new()
            };
            return Ok(Selector::Matching { by, tags, except });
        }
        self.fail("`product ID` or `products [by PARTY] [tagged TAG]`")
    }

    pub(super) fn sentence(&mut self, kind: ClauseKind) -> PResult<Sentence> {
        match kind {
            ClauseKind::Exclusivity => {
                let beneficiary = if self.eat_word("for") {
                    Some(self.ident("a party id")?)
                } else {
                    None
                };
                self.expect_word("deploy", "`deploy`")?;
                let selector = self.selector()?;
                // `only on CLOUDS` and (0.2) `only by PARTIES [with affiliates]`: at least one.
                let (mut clouds, mut only_by, mut by_affiliates) = (Vec::new(), Vec::new(), false);
                self.expect_word("only", "`only on CLOUD` or `only by PARTY`")?;
                loop {
                    if self.eat_word("on") && clouds.is_empty() {
                        clouds = self.ident_list("a cloud id")?;
                    } else if self.eat_word("by") && only_by.is_empty() {
                        only_by = self.ident_list("a party id")?;
                        if self.at_word("with")
                            && matches!(
                                self.peek_at(1),
                                Some(Token {
                                    tok: Tok::Word,
                                    text: "affiliates",
                                    ..
                                })
                            )
                        {
                            self.bump();
                            self.bump();
                            by_affiliates = true;
                        }
                    } else {
                        return self.fail("`on CLOUD` or `by PARTY` after `only`");
                    }
                    if !self.eat_word("only") {
                        break;
                    }
                }
                Ok(Sentence::Exclusivity {
                    beneficiary,
                    selector,
                    clouds,
                    only_by,
                    by_affiliates,
                })
            }
            ClauseKind::Licence => {
                let licensor = self.ident("the licensor's party id")?;
                self.expect_word("grants", "`grants`")?;
                let licensee = self.ident("the licensee's party id")?;
                let with_affiliates = self.at_word("with")
                    && matches!(
                        self.peek_at(1),
                        Some(Token {
                            tok: Tok::Word,
                            text: "affiliates",
                            ..
                        })
                    );
                if with_affiliates {
                    self.bump();
                    self.bump();
                }
                let exclusive = if self.eat_word("exclusive") {
                    Some(true)
                } else if self.eat_word("non-exclusive") {
                    Some(false)
                } else {
                    None
                };
                // The rights: `use` (0.1), or `deploy`, or both (0.2).
                let mut rights = Vec::new();
                loop {
                    match self.peek_word() {
                        Some(w @ ("use" | "deploy")) => {
                            let span = self.here();
                            self.bump();
                            rights.push(Ident {
                                name: w.to_string(),
                                span,
                            });
                        }
                        _ => return self.fail("a right: `use` or `deploy`"),
                    }
                    if !self.eat(&Tok::Comma) {
                        break;
                    }
                }
                self.expect_word("of", "`of`")?;
                let selector = self.selector()?;
                Ok(Sentence::Licence {
                    licensor,
                    licensee,
                    with_affiliates,
                    exclusive,
                    rights,
                    selector,
                    sublicensable: None,
                })
            }
            ClauseKind::FirstLaunch => {
                let selector = self.selector()?;
                self.expect_word("launch", "`launch first on CLOUD`")?;
                self.expect_word("first", "`first`")?;
                self.expect_word("on", "`on`")?;
                let cloud = self.ident("a cloud id")?;
                let unless = self.unless_acts()?;
                let lead = if self.eat_word("lead") {
                    Some(self.duration_value()?)
                } else {
                    None
                };
                Ok(Sentence::FirstLaunch {
                    selector,
                    cloud,
                    unless,
                    lead,
                })
            }
            ClauseKind::FirstOffer => {
                let selector = self.selector()?;
                self.expect_word("offered", "`offered first to PARTY`")?;
                self.expect_word("first", "`first`")?;
                self.expect_word("to", "`to`")?;
                let to = self.ident("a party id")?;
                let unless = self.unless_acts()?;
                let within = if self.eat_word("within") {
                    Some(self.duration_value()?)
                } else {
                    None
                };
                Ok(Sentence::FirstOffer {
                    selector,
                    to,
                    unless,
                    within,
                })
            }
            ClauseKind::Commitment => {
                let spender = self.ident("the spending party's id")?;
                self.expect_word("spends", "`spends`")?;
                let amount = self.money_value()?;
                self.expect_word("with", "`with PARTY`")?;
                let with = self.ident("the party spent with")?;
                let streams = self.streams()?;
                let per = self.opt_per()?;
                let payable = if self.at_word("shortfall") {
                    self.bump();
                    self.expect_word("payable", "`payable` after `shortfall`")?;
                    true
                } else {
                    false
                };
                Ok(Sentence::Commitment(Box::new(CommitmentSentence {
                    spender,
                    amount,
                    with,
                    streams,
                    per,
                    payable,
                })))
            }
            ClauseKind::Payment => {
                let payer = self.ident("the paying party's id")?;
                self.expect_word("pays", "`pays`")?;
                let payee = self.ident("the paid party's id")?;
                let amount = self.money_value()?;
                let due = if self.at_word("every") {
                    let at = self.here();
                    self.bump();
                    let period = self.money_period()?;
                    Due::Every(period, self.span_from(at.start))
                } else {
                    self.expect_word("on", "`on DAY`, `on HAPPENING` or `every PERIOD`")?;
                    if self.at_day() {
                        Due::On(self.day_value()?)
                    } else {
                        let h = self.happening()?;
                        let plus = if self.eat(&Tok::Plus) {
                            Some(self.duration_value()?)
                        } else {
                            None
                        };
                        Due::OnHappening(Box::new(h), plus)
                    }
                };
                Ok(Sentence::Payment {
                    payer,
                    payee,
                    amount,
                    due,
                })
            }
            ClauseKind::RevenueShare => {
                let payer = self.ident("the paying party's id")?;
                self.expect_word("pays", "`pays`")?;
                let payee = self.ident("the paid party's id")?;
                let rate = self.percent_value()?;
                let (tiers, tiers_per) = self.tier_schedule()?;
                self.expect_word("of", "`of`")?;
                let earner = self.ident("the earning party's id")?;
                self.expect_word("revenue", "`revenue`")?;
                let streams = self.streams()?;
                // A total cap and (0.2) a cap per period, each at most once.
                let mut cap: Option<Box<Cap>> = None;
                let mut period_cap: Option<Box<Cap>> = None;
                while self.at_word("capped") {
                    let at = self.here();
                    let c = self.cap()?;
                    let first = if c.per.is_some() {
                        period_cap.as_ref().map(|x| x.span)
                    } else {
                        cap.as_ref().map(|x| x.span)
                    };
                    match first {
                        Some(first) => self.duplicate("the cap", first, at),
                        None if c.per.is_some() => period_cap = Some(Box::new(c)),
                        None => cap = Some(Box::new(c)),
                    }
                }
                Ok(Sentence::RevenueShare {
                    payer,
                    payee,
                    rate,
                    earner,
                    streams,
                    cap,
                    tiers,
                    tiers_per,
                    recoup: None,
                    period_cap,
                    minimum: None,
                })
            }
            ClauseKind::Rule => {
                self.expect_word("forbid", "`forbid`")?;
                let action = if self.eat_word("deploy") {
                    Action::Deploy
                } else if self.eat_word("launch") {
                    Action::Launch
                } else if self.eat_word("use") {
                    Action::Use
                } else if self.eat_word("license") || self.eat_word("licence") {
                    Action::License
                } else {
                    return self.fail("`deploy`, `launch`, `use` or `license`");
                };
                let selector = self.selector()?;
                let mut except_clouds = false;
                let clouds = if self.eat_word("on") {
                    // `on any channel except C {, C}` (0.2): `any` then `channel` cannot be a
                    // 0.1 cloud list.
                    let any = self.at_word("any")
                        && matches!(
                            self.peek_at(1),
                            Some(Token {
                                tok: Tok::Word,
                                text: "channel" | "cloud",
                                ..
                            })
                        );
                    if any {
                        self.bump();
                        self.bump();
                        self.expect_word("except", "`except` after `on any channel`")?;
                        except_clouds = true;
                    }
                    self.ident_list("a cloud id")?
                } else {
                    Vec::new()
                };
                Ok(Sentence::Rule {
                    action,
                    selector,
                    clouds,
                    except_clouds,
                })
            }
        }
    }

    /// `unless PARTY VERB {or PARTY VERB}`, if written.
    fn unless_acts(&mut self) -> PResult<Vec<Act>> {
        let mut unless = Vec::new();
        if self.eat_word("unless") {
            loop {
                let party = self.ident("a party id")?;
                let verb = self.ident("a verb, such as `declines`")?;
                unless.push(Act { party, verb });
                if !self.eat_word("or") {
                    break;
                }
            }
        }
        Ok(unless)
    }

    pub(super) fn cap(&mut self) -> PResult<Cap> {
        let start = self.start();
        self.expect_word("capped", "`capped at`")?;
        self.expect_word("at", "`at`")?;
        let amount = self.money_value()?;
        let per = self.opt_per()?;
        let counting_from = if self.eat_word("counting") {
            self.expect_word("from", "`from`")?;
            Some(self.day_value()?)
        } else {
            None
        };
        Ok(Cap {
            amount,
            per,
            counting_from,
            span: self.span_from(start),
        })
    }

    pub(super) fn duplicate(&mut self, what: &str, first: Span, again: Span) {
        self.errors.push(
            Diagnostic::error(
                crate::diag::Code::DuplicateTerm,
                again,
                format!("{what} is given twice"),
            )
            .label("given again here")
            .related(first, "first given here"),
        );
    }

    // ----- clauses ------------------------------------------------------------------------

    pub(super) fn clause_kind(&mut self) -> PResult<(ClauseKind, &'static str)> {
        let (kind, word) = match self.peek_word() {
            Some("exclusivity") => (ClauseKind::Exclusivity, "exclusivity"),
            Some("licence") => (ClauseKind::Licence, "licence"),
            Some("license") => (ClauseKind::Licence, "license"),
            Some("first_launch") => (ClauseKind::FirstLaunch, "first_launch"),
            Some("revenue_share") => (ClauseKind::RevenueShare, "revenue_share"),
            Some("rule") => (ClauseKind::Rule, "rule"),
            Some("first_offer") => (ClauseKind::FirstOffer, "first_offer"),
            Some("payment") => (ClauseKind::Payment, "payment"),
            Some("commitment") => (ClauseKind::Commitment, "commitment"),
            _ => {
                return self.fail(
                    "a clause kind (`exclusivity`, `licence`, `first_launch`, `first_offer`, `revenue_share`, `payment`, `commitment` or `rule`)",
                )
            }
        };
        self.bump();
        Ok((kind, word))
    }

    /// A clause; on error, skips to its end.
    pub(super) fn clause(&mut self) -> PResult<Clause> {
        let start = self.start();
        let (kind, kind_word) = self.clause_kind()?;
        let head = (|| {
            let id = self.declared_ident("a clause id")?;
            let title = self.opt_text();
            self.expect(&Tok::LBrace, "`{` to open the clause")?;
            Ok((id, title))
        })();
        let (id, title) = match head {
            Ok(h) => h,
            Err(Failed) => {
                self.recover(CLAUSE_KINDS, true);
                return Err(Failed);
            }
        };
        match self.clause_body(kind) {
            Ok((sentence, (from, from_happening), end, survives, scope)) => Ok(Clause {
                kind,
                kind_word,
                id,
                title,
                sentence,
                from,
                from_happening: from_happening.map(Box::new),
                end,
                survives: survives.map(Box::new),
                scope: (scope != Scope::default()).then(|| Box::new(scope)),
                span: self.span_from(start),
            }),
            Err(Failed) => {
                self.close_block();
                Err(Failed)
            }
        }
    }

    /// Tiers after a first rate (0.2): `up to MONEY, RATE {up to MONEY, RATE} above [per
    /// PERIOD]`; none when no `up` follows.
    #[allow(clippy::type_complexity)]
    pub(super) fn tier_schedule(
        &mut self,
    ) -> PResult<(Vec<(Value, Value)>, Option<(MoneyPeriod, Span)>)> {
        let mut tiers = Vec::new();
        if !self.at_word("up") {
            return Ok((tiers, None));
        }
        loop {
            self.expect_word("up", "`up to MONEY`")?;
            self.expect_word("to", "`to`")?;
            let bound = self.money_value()?;
            self.expect(&Tok::Comma, "`,` and the rate above the bound")?;
            let next = self.percent_value()?;
            tiers.push((bound, next));
            if self.eat_word("above") {
                break;
            }
        }
        Ok((tiers, self.opt_per()?))
    }

    /// `from stream(s) ID {, ID}`, if it comes next; none otherwise.
    pub(super) fn streams(&mut self) -> PResult<Vec<Ident>> {
        if self.at_word("from")
            && matches!(self.peek_at(1).map(|t| t.text), Some("stream" | "streams"))
        {
            self.bump();
            self.bump();
            return self.ident_list("a stream id");
        }
        Ok(Vec::new())
    }

    /// `per PERIOD` (0.2), if it comes next, with its span.
    pub(super) fn opt_per(&mut self) -> PResult<Option<(MoneyPeriod, Span)>> {
        if !self.at_word("per") {
            return Ok(None);
        }
        let at = self.here();
        self.bump();
        let period = self.money_period()?;
        Ok(Some((period, self.span_from(at.start))))
    }

    /// A period of money (0.2): `year`, `quarter`, `month` or `contract year`.
    pub(super) fn money_period(&mut self) -> PResult<MoneyPeriod> {
        let period = match self.peek_word() {
            Some("year") => MoneyPeriod::Year,
            Some("quarter") => MoneyPeriod::Quarter,
            Some("month") => MoneyPeriod::Month,
            Some("contract") => {
                self.bump();
                if !self.at_word("year") {
                    return self.fail("`year` after `contract`");
                }
                MoneyPeriod::ContractYear
            }
            _ => return self.fail("a period: `year`, `quarter`, `month` or `contract year`"),
        };
        self.bump();
        Ok(period)
    }

    /// A scope term (0.2): `in T {, T} [except X {, X}]`, `in field F {, F}` or `done by P {, P}`,
    /// each at most once in `scope`.
    pub(super) fn scope_term(&mut self, scope: &mut Scope) -> PResult<()> {
        let at = self.here();
        if self.eat_word("done") {
            self.expect_word("by", "`by`")?;
            let parties = self.ident_list("a party id")?;
            let span = self.span_from(at.start);
            match &scope.done_by {
                Some((_, first)) => self.duplicate("who acts (`done by`)", *first, at),
                None => scope.done_by = Some((parties, span)),
            }
            return Ok(());
        }
        self.expect_word("in", "`in`")?;
        if self.eat_word("field") {
            let fields = self.ident_list("a field id")?;
            let span = self.span_from(at.start);
            match &scope.fields {
                Some((_, first)) => self.duplicate("the fields (`in field`)", *first, at),
                None => scope.fields = Some((fields, span)),
            }
        } else {
            let places = self.ident_list("a territory id")?;
            let except = if self.eat_word("except") {
                self.ident_list("a territory id")?
            } else {
                Vec::new()
            };
            let span = self.span_from(at.start);
            match &scope.places {
                Some((_, _, first)) => self.duplicate("the places (`in`)", *first, at),
                None => scope.places = Some((places, except, span)),
            }
        }
        Ok(())
    }

    /// `sublicensable [with consent of PARTY]` (0.2).
    pub(super) fn sublicensable_term(&mut self) -> PResult<Sublicensable> {
        let at = self.here();
        self.expect_word("sublicensable", "`sublicensable`")?;
        let consent = if self.eat_word("with") {
            self.expect_word("consent", "`consent of PARTY`")?;
            self.expect_word("of", "`of`")?;
            Some(self.ident("the party whose consent is needed")?)
        } else {
            None
        };
        Ok(Sublicensable {
            consent,
            span: self.span_from(at.start),
        })
    }

    /// `survives [DURATION]` (0.2).
    pub(super) fn survives_term(&mut self) -> PResult<Survives> {
        let at = self.here();
        self.expect_word("survives", "`survives`")?;
        let duration = if matches!(
            self.peek(),
            Some(Token {
                tok: Tok::Number | Tok::Ref,
                ..
            })
        ) {
            Some(self.duration_value()?)
        } else {
            None
        };
        Ok(Survives {
            duration,
            span: self.span_from(at.start),
        })
    }

    pub(super) fn clause_body(&mut self, kind: ClauseKind) -> PResult<BodyParts> {
        let mut sentence = self.sentence(kind)?;
        let mut from: Option<Value> = None;
        let mut from_happening: Option<(Happening, Option<Value>)> = None;
        let mut end: Option<End> = None;
        let mut survives: Option<Survives> = None;
        let mut scope = Scope::default();
        loop {
            match self.peek_word() {
                Some("in") => self.scope_term(&mut scope)?,
                Some("done")
                    if matches!(
                        self.peek_at(1),
                        Some(Token {
                            tok: Tok::Word,
                            text: "by",
                            ..
                        })
                    ) =>
                {
                    self.scope_term(&mut scope)?
                }
                Some("sublicensable") if kind == ClauseKind::Licence => {
                    let at = self.here();
                    let sub = self.sublicensable_term()?;
                    if let Sentence::Licence { sublicensable, .. } = &mut sentence {
                        match sublicensable {
                            Some(first) => self.duplicate("`sublicensable`", first.span, at),
                            None => *sublicensable = Some(sub),
                        }
                    }
                }
                // A cap (0.2: any order among the optional parts), total or per period.
                Some("capped") if kind == ClauseKind::RevenueShare => {
                    let at = self.here();
                    let c = self.cap()?;
                    if let Sentence::RevenueShare {
                        cap, period_cap, ..
                    } = &mut sentence
                    {
                        let first = if c.per.is_some() {
                            period_cap.as_ref().map(|x| x.span)
                        } else {
                            cap.as_ref().map(|x| x.span)
                        };
                        match first {
                            Some(first) => self.duplicate("the cap", first, at),
                            None if c.per.is_some() => *period_cap = Some(Box::new(c)),
                            None => *cap = Some(Box::new(c)),
                        }
                    }
                }
                Some("minimum") if kind == ClauseKind::RevenueShare => {
                    let at = self.here();
                    self.bump();
                    let amount = self.money_value()?;
                    self.expect_word("per", "`per PERIOD` after the minimum")?;
                    let period = self.money_period()?;
                    let span = self.span_from(at.start);
                    if let Sentence::RevenueShare { minimum, .. } = &mut sentence {
                        match minimum {
                            Some(first) => self.duplicate("the minimum", first.2, at),
                            None => *minimum = Some(Box::new((amount, period, span))),
                        }
                    }
                }
                Some("after") if kind == ClauseKind::RevenueShare => {
                    let at = self.here();
                    self.bump();
                    self.expect_word("recouping", "`recouping MONEY`")?;
                    let amount = self.money_value()?;
                    if let Sentence::RevenueShare { recoup, .. } = &mut sentence {
                        match recoup {
                            Some(first) => self.duplicate("the recoupment", first.span(), at),
                            None => *recoup = Some(Box::new(amount)),
                        }
                    }
                }
                Some("survives") => {
                    let at = self.here();
                    let term = self.survives_term()?;
                    match &survives {
                        Some(first) => self.duplicate("`survives`", first.span, at),
                        None => survives = Some(term),
                    }
                }
                Some("from") => {
                    let at = self.here();
                    self.bump();
                    if from.is_some() || from_happening.is_some() {
                        let first = from.as_ref().map_or(at, |f| f.span());
                        self.duplicate("the start (`from`)", first, at);
                    }
                    if !self.at_day_of()
                        && matches!(self.peek(), Some(Token { tok: Tok::Word, .. }))
                    {
                        // `from HAPPENING [+ DURATION]` (0.2).
                        let h = self.happening()?;
                        let plus = if self.eat(&Tok::Plus) {
                            Some(self.duration_value()?)
                        } else {
                            None
                        };
                        from_happening = Some((h, plus));
                    } else {
                        from = Some(self.day_value()?);
                    }
                }
                Some("until" | "through") => {
                    let e = self.end()?;
                    match &end {
                        Some(first) => {
                            self.duplicate("the end (`until`/`through`)", first.span, e.span)
                        }
                        None => end = Some(e),
                    }
                }
                _ => break,
            }
        }
        self.expect(
            &Tok::RBrace,
            "`from`, `until`, `through`, `in`, `survives` or `}` to close the clause",
        )?;
        Ok((sentence, (from, from_happening), end, survives, scope))
    }
}
