//! Top-level declarations and records, and the loop that reads them all.

use super::*;

/// Words of 0.2 that may follow a happening, and so are never read as its verb (the 0.1
/// reserved words are not either).
const AFTER_HAPPENING: &[&str] = &[
    "in",
    "survives",
    "done",
    "with",
    "term",
    "renews",
    "terminable",
    "first_offer",
    "payment",
    "commitment",
];

impl<'a> Parser<'a> {
    // ----- declarations -------------------------------------------------------------------

    pub(super) fn record(&mut self, start: u32) -> PResult<Item> {
        let (day, day_span) = match self.peek() {
            Some(Token {
                tok: Tok::Day(d),
                span,
                ..
            }) => (*d, *span),
            _ => return self.fail("a day (`YYYY-MM-DD`) after `on`"),
        };
        self.bump();
        self.expect(&Tok::Colon, "`:` after the day")?;
        let happening = self.happening()?;
        let note = self.opt_text();
        Ok(Item::Record {
            day,
            day_span,
            happening: Box::new(happening),
            note,
            span: self.span_from(start),
        })
    }

    /// `EVENT`, or `PARTY VERB [renewal of] OBJECT [on CLOUD]`: what a record, or a derived
    /// event's pattern, says happened.
    /// `EVENT` or `PARTY VERB OBJECT [to PARTY] [on CHANNEL] [in TERRITORY]`. An id followed by
    /// a word that 0.2 puts after a happening (a clause's `in` scope, `survives`, `done by`, a
    /// termination right's `with notice`, the next term or clause) is an event: no verb is
    /// spelled so, and reading one there would take `until lapsed in europe` for a party
    /// `lapsed` doing `in` to `europe`.
    pub(super) fn happening(&mut self) -> PResult<Happening> {
        let first = self.ident("an event id, or a party id and a verb")?;
        let happening = if matches!(self.peek(), Some(Token { tok: Tok::Word, text, .. })
            if !is_keyword(text) && !AFTER_HAPPENING.contains(text))
        {
            let verb = self.ident("a verb")?;
            // `renewal of AGREEMENT` (0.2): `of` right after `renewal` cannot follow a 0.1
            // product id, so a product called `renewal` reads as before.
            let renewal_of = self.at_word("renewal")
                && matches!(
                    self.peek_at(1),
                    Some(Token {
                        tok: Tok::Word,
                        text: "of",
                        ..
                    })
                );
            if renewal_of {
                self.bump();
                self.bump();
            }
            let object = self.ident(if renewal_of {
                "an agreement id"
            } else {
                "a product or agreement id"
            })?;
            // `to PARTY`, `on CHANNEL`, `in TERRITORY` (0.2 for `to` and `in`), in that order.
            let word_follows =
                |p: &Self| matches!(p.peek_at(1), Some(Token { tok: Tok::Word, .. }));
            let to = if self.at_word("to") && word_follows(self) {
                self.bump();
                Some(self.ident("a party id")?)
            } else {
                None
            };
            let cloud = if self.at_word("on") && word_follows(self) {
                self.bump();
                Some(self.ident("a cloud id")?)
            } else {
                None
            };
            let place = if self.at_word("in") && word_follows(self) {
                self.bump();
                Some(self.ident("a territory id")?)
            } else {
                None
            };
            Happening::Act {
                party: first,
                verb,
                object,
                renewal_of,
                to,
                cloud,
                place,
            }
        } else {
            Happening::Event(first)
        };
        Ok(happening)
    }

    pub(super) fn item(&mut self) -> PResult<Item> {
        let start = self.start();
        let Some(word) = self.peek_word() else {
            return self.fail(
                "a declaration (`party`, `cloud`, `channel`, `territory`, `field`, `product`, `event`, `assume`, `on`, `agreement` or `amendment`)",
            );
        };
        match word {
            "party" => {
                self.bump();
                let id = self.declared_ident("a party id")?;
                let title = self.opt_text();
                let affiliate_of = if self.eat_word("affiliate") {
                    self.expect_word("of", "`of PARTY` after `affiliate`")?;
                    Some(self.ident("a party id")?)
                } else {
                    None
                };
                Ok(Item::Party {
                    id,
                    title,
                    affiliate_of,
                    span: self.span_from(start),
                })
            }
            "territory" | "field" => {
                let field = word == "field";
                self.bump();
                let id = self.declared_ident(if field {
                    "a field id"
                } else {
                    "a territory id"
                })?;
                let title = self.opt_text();
                let within = if self.eat_word("within") {
                    self.ident_list(if field { "a field id" } else { "a territory id" })?
                } else {
                    Vec::new()
                };
                Ok(Item::Region {
                    field,
                    id,
                    title,
                    within,
                    span: self.span_from(start),
                })
            }
            "cloud" | "channel" => {
                let keyword = if word == "cloud" { "cloud" } else { "channel" };
                self.bump();
                let id = self.declared_ident(if keyword == "cloud" {
                    "a cloud id"
                } else {
                    "a channel id"
                })?;
                let title = self.opt_text();
                // `operated by PARTY` is optional from 0.2.
                let operator = if self.eat_word("operated") {
                    self.expect_word("by", "`by`")?;
                    Some(self.ident("a party id")?)
                } else {
                    None
                };
                let aliases = if self.eat_word("alias") {
                    self.ident_list("an alias")?
                } else {
                    Vec::new()
                };
                Ok(Item::Cloud {
                    keyword,
                    id,
                    title,
                    operator,
                    aliases,
                    span: self.span_from(start),
                })
            }
            "product" => {
                self.bump();
                let id = self.declared_ident("a product id")?;
                let title = self.opt_text();
                self.expect_word("by", "`by PARTY`")?;
                let owner = self.ident("a party id")?;
                let tags = if self.eat_word("tagged") {
                    self.ident_list("a tag")?
                } else {
                    Vec::new()
                };
                Ok(Item::Product {
                    id,
                    title,
                    owner,
                    tags,
                    span: self.span_from(start),
                })
            }
            "event" => {
                self.bump();
                let id = self.declared_ident("an event id")?;
                let title = self.opt_text();
                let when = if self.eat_word("when") {
                    if self.eat_word("no") {
                        let happening = self.happening()?;
                        self.expect_word("by", "`by DAY` after the happening")?;
                        Some(EventWhen::NoneBy(Box::new(happening), self.day_value()?))
                    } else {
                        Some(EventWhen::Happens(Box::new(self.happening()?)))
                    }
                } else {
                    None
                };
                Ok(Item::Event {
                    id,
                    title,
                    when,
                    span: self.span_from(start),
                })
            }
            "assume" => {
                self.bump();
                let id = self.declared_ident("an assumption id")?;
                self.expect(&Tok::Eq, "`=`")?;
                let value = self.literal()?;
                let note = self.opt_text();
                Ok(Item::Assume {
                    id,
                    value,
                    note,
                    span: self.span_from(start),
                })
            }
            "on" => {
                self.bump();
                self.record(start)
            }
            "agreement" => {
                self.bump();
                Ok(Item::Agreement(Box::new(self.agreement(start)?)))
            }
            "amendment" => {
                self.bump();
                Ok(Item::Amendment(Box::new(self.amendment(start)?)))
            }
            _ => self.fail(
                "a declaration (`party`, `cloud`, `channel`, `territory`, `field`, `product`, `event`, `assume`, `on`, `agreement` or `amendment`)",
            ),
        }
    }

    /// Reads every item, recovering after each problem.
    pub fn items(&mut self) -> Vec<Item> {
        let mut items = Vec::new();
        while self.peek().is_some() {
            let before = self.pos;
            match self.item() {
                Ok(item) => items.push(item),
                Err(Failed) => {
                    if self.pos == before {
                        self.bump();
                    }
                    self.recover(TOP_LEVEL, false);
                }
            }
        }
        items
    }

    /// True when every token was read.
    pub fn at_end(&self) -> bool {
        self.peek().is_none()
    }
}
