//! Values (days, amounts, percents, durations, periods, `$` references) and time terms.

use super::*;

impl<'a> Parser<'a> {
    // ----- values -------------------------------------------------------------------------

    pub(super) fn reference(&mut self) -> Option<Ident> {
        match self.peek() {
            Some(Token {
                tok: Tok::Ref,
                text,
                span,
            }) => {
                let id = Ident {
                    name: text.to_string(),
                    span: *span,
                };
                self.bump();
                Some(id)
            }
            _ => None,
        }
    }

    pub(super) fn decimal(&mut self, raw: &str, span: Span) -> PResult<Decimal> {
        // A malformed number (`1e6`, `10.`, `1__000`) was reported by the lexer and stands in
        // here: one error, not two.
        let plain = raw
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'_' || b == b'.');
        let underscores_between_digits = !raw.contains("__")
            && !raw.contains("_.")
            && !raw.contains("._")
            && !raw.starts_with('_')
            && !raw.ends_with('_');
        if !plain || raw.ends_with('.') || !underscores_between_digits {
            return Ok(Decimal::ZERO);
        }
        crate::money::exact_decimal(raw, true).ok_or_else(|| {
            self.errors.push(
                Diagnostic::error(
                    crate::diag::Code::BadNumber,
                    span,
                    format!("number `{raw}` is out of range"),
                )
                .label("too many digits")
                .help("numbers have at most 28 significant digits, held exactly"),
            );
            Failed
        })
    }

    /// Whether the next tokens are `end of` or `start of` (a day expression's base, 0.2).
    pub(super) fn at_day_of(&self) -> bool {
        matches!(self.peek_word(), Some("end" | "start"))
            && matches!(
                self.peek_at(1),
                Some(Token {
                    tok: Tok::Word,
                    text: "of",
                    ..
                })
            )
    }

    /// Whether the next token can start a day expression.
    pub(super) fn at_day(&self) -> bool {
        matches!(
            self.peek(),
            Some(Token {
                tok: Tok::Day(_) | Tok::Ref,
                ..
            })
        ) || self.at_day_of()
    }

    /// A day expression (0.2): `DAYTERM {+ DURATION | - DURATION}`, DAYTERM a day, a `$`
    /// reference, `end of AGREEMENT[.CLAUSE]` or `start of …`. A bare day or reference stays
    /// the 0.1 value it was.
    pub(super) fn day_value(&mut self) -> PResult<Value> {
        let start = self.start();
        let base = if self.at_day_of() {
            let end = self.at_word("end");
            self.bump();
            self.bump();
            let agreement = self.ident("an agreement")?;
            let clause = if self.eat(&Tok::Dot) {
                Some(self.ident("a clause of the agreement")?)
            } else {
                None
            };
            DayTerm::Of {
                end,
                agreement,
                clause,
                span: self.span_from(start),
            }
        } else {
            DayTerm::Value(self.day_term()?)
        };
        let mut shifts = Vec::new();
        loop {
            let plus = if self.eat(&Tok::Plus) {
                true
            } else if self.eat(&Tok::Minus) {
                false
            } else {
                break;
            };
            shifts.push((plus, self.duration_value()?));
        }
        Ok(match (base, shifts.is_empty()) {
            (DayTerm::Value(v), true) => v,
            (base, _) => Value::Expr(Box::new(DayExpr {
                base,
                shifts,
                span: self.span_from(start),
            })),
        })
    }

    fn day_term(&mut self) -> PResult<Value> {
        if let Some(id) = self.reference() {
            return Ok(Value::Ref(id));
        }
        match self.peek() {
            Some(Token {
                tok: Tok::Day(d),
                text,
                span,
            }) => {
                let v = Value::Lit {
                    lit: Literal::Day(*d),
                    raw: text.to_string(),
                    span: *span,
                };
                self.bump();
                Ok(v)
            }
            _ => self.fail("a day (`YYYY-MM-DD`), an `$assumption`, `end of …` or `start of …`"),
        }
    }

    pub(super) fn percent_value(&mut self) -> PResult<Value> {
        if let Some(id) = self.reference() {
            return Ok(Value::Ref(id));
        }
        match self.peek().cloned() {
            Some(Token {
                tok: Tok::Percent,
                text,
                span,
            }) => {
                self.bump();
                let p = self.decimal(text.trim_end_matches('%'), span)?;
                // A rate is the percentage divided by 100, exactly: two more places.
                if p.scale() > 26 {
                    self.errors.push(
                        Diagnostic::error(
                            crate::diag::Code::BadNumber,
                            span,
                            format!("percentage `{text}` has more than 26 digits after the point"),
                        )
                        .label("too many decimal places")
                        .help("a percentage is divided by 100 exactly, which adds two places to the 28 a number holds"),
                    );
                    return Err(Failed);
                }
                Ok(Value::Lit {
                    lit: Literal::Percent(p),
                    raw: text.to_string(),
                    span,
                })
            }
            _ => self.fail("a percent (such as `20%`) or an `$assumption`"),
        }
    }

    pub(super) fn money_value(&mut self) -> PResult<Value> {
        if let Some(id) = self.reference() {
            return Ok(Value::Ref(id));
        }
        match self.money_literal()? {
            Some(v) => Ok(v),
            None => self.fail("an amount (such as `USD 1_000`) or an `$assumption`"),
        }
    }

    pub(super) fn money_literal(&mut self) -> PResult<Option<Value>> {
        let Some(Token {
            tok: Tok::Code,
            text: code,
            span,
        }) = self.peek().cloned()
        else {
            return Ok(None);
        };
        self.bump();
        match self.peek().cloned() {
            Some(Token {
                tok: Tok::Number,
                text,
                span: nspan,
            }) => {
                self.bump();
                let amount = self.decimal(text, nspan)?;
                Ok(Some(Value::Lit {
                    lit: Literal::Money {
                        currency: code.to_string(),
                        amount,
                    },
                    raw: format!("{code} {text}"),
                    span: span.to(nspan),
                }))
            }
            _ => self.fail(&format!("an amount after `{code}`")),
        }
    }

    pub(super) fn duration_value(&mut self) -> PResult<Value> {
        if let Some(id) = self.reference() {
            return Ok(Value::Ref(id));
        }
        match self.duration_literal()? {
            Some(v) => Ok(v),
            None => self.fail("a duration (such as `30 days`) or an `$assumption`"),
        }
    }

    pub(super) fn duration_literal(&mut self) -> PResult<Option<Value>> {
        let Some(Token {
            tok: Tok::Number,
            text,
            span,
        }) = self.peek().cloned()
        else {
            return Ok(None);
        };
        self.bump();
        let clean: String = text.chars().filter(|&c| c != '_').collect();
        let Ok(count) = clean.parse::<u32>() else {
            self.errors.push(
                Diagnostic::error(
                    crate::diag::Code::BadNumber,
                    span,
                    format!(
                        "`{text}` is not a whole number of days, weeks, months, quarters or years"
                    ),
                )
                .label("expected a whole number up to 4294967295"),
            );
            return Err(Failed);
        };
        let unit = match self.peek_word() {
            Some("day" | "days") => DurationUnit::Days,
            Some("week" | "weeks") => DurationUnit::Weeks,
            Some("month" | "months") => DurationUnit::Months,
            Some("quarter" | "quarters") => DurationUnit::Quarters,
            Some("year" | "years") => DurationUnit::Years,
            _ => {
                return self
                    .fail("`days`, `weeks`, `months`, `quarters` or `years` after the number")
            }
        };
        let (unit_span, unit_text) = self.bump().map_or((self.eof, ""), |t| (t.span, t.text));
        Ok(Some(Value::Lit {
            lit: Literal::Duration { count, unit },
            raw: format!("{text} {unit_text}"),
            span: span.to(unit_span),
        }))
    }

    /// Any literal, for `assume` and `--set`.
    pub fn literal(&mut self) -> PResult<Value> {
        if let Some(v) = self.money_literal()? {
            return Ok(v);
        }
        if self.at(&Tok::Percent) {
            return self.percent_value();
        }
        if self.at_day() {
            return self.day_value();
        }
        if let Some(v) = self.duration_literal()? {
            return Ok(v);
        }
        self.fail("a value: a day, an amount, a percent or a duration")
    }

    pub(super) fn period(&mut self) -> PResult<Period> {
        match self.peek().cloned() {
            Some(Token {
                tok: Tok::Month(year, month),
                span,
                ..
            }) => {
                self.bump();
                Ok(Period::Month { year, month, span })
            }
            Some(Token {
                tok: Tok::Number,
                text,
                span,
            }) if text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()) => {
                self.bump();
                let year = text.parse::<i32>().unwrap_or(0);
                Ok(Period::Year { year, span })
            }
            Some(Token {
                tok: Tok::Day(_) | Tok::Ref,
                ..
            }) => Ok(Period::Day(self.day_value()?)),
            _ if self.at_day_of() => Ok(Period::Day(self.day_value()?)),
            _ => self.fail("a period: a day `YYYY-MM-DD`, a month `YYYY-MM` or a year `YYYY`"),
        }
    }

    // ----- time terms ---------------------------------------------------------------------

    pub(super) fn end(&mut self) -> PResult<End> {
        let start = self.start();
        let through = self.at_word("through");
        self.bump();
        let mut alts = Vec::new();
        let first = if through {
            EndAlt::Period(self.period()?)
        } else {
            self.until_alt()?
        };
        alts.push(first);
        while self.eat_word("or") {
            if through && !matches!(self.peek(), Some(Token { tok: Tok::Word, .. })) {
                let d = Diagnostic::error(
                    crate::diag::Code::Syntax,
                    self.here(),
                    format!(
                        "expected an event after `through … or`, found {}",
                        self.found()
                    ),
                )
                .label("expected an event")
                .help("write `until DAY or …` to end on a day (exclusive) and an event");
                self.errors.push(d);
                return Err(Failed);
            }
            alts.push(if through {
                EndAlt::Event(self.ident("an event")?)
            } else {
                self.until_alt()?
            });
        }
        // Most ends have one alternative: not the four a growing vector starts with (a tree
        // holds every clause's end).
        alts.shrink_to_fit();
        Ok(End {
            through,
            alts,
            span: self.span_from(start),
        })
    }

    pub(super) fn until_alt(&mut self) -> PResult<EndAlt> {
        if self.at_day_of() {
            return Ok(EndAlt::Period(Period::Day(self.day_value()?)));
        }
        match self.peek() {
            Some(Token { tok: Tok::Word, .. }) => {
                // An event, or (0.2) a happening, either with `+ DURATION` after it.
                let h = self.happening()?;
                let plus = if self.eat(&Tok::Plus) {
                    Some(self.duration_value()?)
                } else {
                    None
                };
                Ok(match (h, plus) {
                    (Happening::Event(id), None) => EndAlt::Event(id),
                    (h, plus) => EndAlt::Happens(Box::new(h), plus),
                })
            }
            Some(Token {
                tok: Tok::Day(_) | Tok::Ref,
                ..
            }) => Ok(EndAlt::Period(Period::Day(self.day_value()?))),
            _ => self.fail("a day (`YYYY-MM-DD`), an `$assumption` or an event"),
        }
    }
}
