//! Questions: `deploy P on C at DAY`, `launch …`, `use P by PARTY …`, `license P to PARTY …`,
//! `pay PAYER to PAYEE …`, each with `at DAY` for a point question or without it for *when*.
//!
//! The same words serve the command line, batch files and case files. Ids are resolved here
//! (cloud aliases included), so that answering is a table look-up; an unknown id gets the nearest
//! known one as a suggestion, and every problem names its column.

use std::fmt;

use chrono::NaiveDate;

use crate::diag::nearest;
use crate::model::{CloudId, PartyId, ProductId, RuleSet};
use crate::time::parse_day;

/// A product of one rule set: had from [`Engine::product`](super::Engine::product) (or from
/// a question read by the engine), meaningful only to engines of that rule set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Product(pub(crate) ProductId);

/// A cloud of one rule set: had from [`Engine::cloud`](super::Engine::cloud).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cloud(pub(crate) CloudId);

/// A party of one rule set: had from [`Engine::party`](super::Engine::party).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Party(pub(crate) PartyId);

/// An agreement of one rule set: had from [`Engine::agreement`](super::Engine::agreement).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Agreement(pub(crate) crate::model::AgreementId);

macro_rules! index {
    ($($t:ty),*) => {$(
        impl $t {
            /// The id's index in its rule set's tables.
            #[doc(hidden)]
            pub fn index(self) -> u32 {
                self.0
            }
        }
    )*};
}
index!(Product, Cloud, Party, Agreement);

/// What a question asks about, without its day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Subject {
    /// May the product be deployed on the cloud?
    Deploy {
        /// The product.
        product: Product,
        /// The cloud.
        cloud: Cloud,
    },
    /// May the product be launched on the cloud?
    Launch {
        /// The product.
        product: Product,
        /// The cloud.
        cloud: Cloud,
    },
    /// May the party use the product?
    Use {
        /// The product.
        product: Product,
        /// The party.
        party: Party,
    },
    /// May the product's owner license it to the party?
    License {
        /// The product.
        product: Product,
        /// The party.
        party: Party,
    },
    /// Does the payer owe the payee a share of revenue?
    Pay {
        /// Who pays.
        payer: Party,
        /// Who is paid.
        payee: Party,
    },
    /// May this party (not the product's owner) deploy the product on the cloud (0.2)? Only
    /// under a licence granting it the `deploy` right, and nothing forbidding it.
    DeployBy {
        /// The product.
        product: Product,
        /// The cloud.
        cloud: Cloud,
        /// Who deploys.
        actor: Party,
    },
    /// May this party (not the product's owner) launch the product on the cloud (0.2)?
    LaunchBy {
        /// The product.
        product: Product,
        /// The cloud.
        cloud: Cloud,
        /// Who launches.
        actor: Party,
    },
    /// May this party (not the product's owner) license the product to another (0.2)? Only
    /// under a `sublicensable` licence in force that covers the place and field, with the
    /// consent it names on record, and nothing forbidding it.
    LicenseBy {
        /// The product.
        product: Product,
        /// Who grants the sublicence.
        licensor: Party,
        /// Who receives it.
        party: Party,
    },
    /// Is the agreement in force (0.2)?
    Agreement {
        /// The agreement.
        agreement: Agreement,
    },
}

impl Subject {
    /// Asked on one day.
    pub fn at(self, day: NaiveDate) -> Question {
        Question {
            subject: self,
            at: Some(day),
            place: super::place::Place::default(),
        }
    }

    /// Asked over all time: *when*.
    pub fn when(self) -> Question {
        Question {
            subject: self,
            at: None,
            place: super::place::Place::default(),
        }
    }

    /// Whether every id the subject names is one of the rule set's.
    pub(crate) fn fits(self, rules: &RuleSet) -> bool {
        let product = |p: Product| (p.0 as usize) < rules.products.len();
        let cloud = |c: Cloud| (c.0 as usize) < rules.clouds.len();
        let party = |p: Party| (p.0 as usize) < rules.parties.len();
        match self {
            Subject::Deploy {
                product: p,
                cloud: c,
            }
            | Subject::Launch {
                product: p,
                cloud: c,
            } => product(p) && cloud(c),
            Subject::Use {
                product: p,
                party: q,
            }
            | Subject::License {
                product: p,
                party: q,
            } => product(p) && party(q),
            Subject::LicenseBy {
                product: p,
                licensor,
                party: q,
            } => product(p) && party(licensor) && party(q),
            Subject::Pay { payer, payee } => party(payer) && party(payee),
            Subject::DeployBy {
                product: p,
                cloud: c,
                actor,
            }
            | Subject::LaunchBy {
                product: p,
                cloud: c,
                actor,
            } => product(p) && cloud(c) && party(actor),
            Subject::Agreement { agreement } => (agreement.0 as usize) < rules.agreements.len(),
        }
    }
}

/// Every subject a rule set can be asked about, in one order: for each product, deploy and
/// launch on each cloud, then use by and licence to each party; then each payment between two
/// parties. The one list that the engine's tables, `diff`, and the tests walk.
pub fn subjects(rules: &RuleSet) -> Vec<Subject> {
    let ids = |n: usize| (0..n).filter_map(|i| u32::try_from(i).ok());
    let (np, nc, nparty) = (
        rules.products.len(),
        rules.clouds.len(),
        rules.parties.len(),
    );
    let mut out = Vec::with_capacity(np * (2 * nc + 2 * nparty) + nparty * nparty);
    for product in ids(np).map(Product) {
        for cloud in ids(nc).map(Cloud) {
            out.push(Subject::Deploy { product, cloud });
            out.push(Subject::Launch { product, cloud });
        }
        for party in ids(nparty).map(Party) {
            out.push(Subject::Use { product, party });
            out.push(Subject::License { product, party });
        }
    }
    for payer in ids(nparty).map(Party) {
        for payee in ids(nparty).map(Party) {
            out.push(Subject::Pay { payer, payee });
        }
    }
    for agreement in ids(rules.agreements.len()).map(Agreement) {
        out.push(Subject::Agreement { agreement });
    }
    out
}

/// A subject in the language's words (`deploy gpt_5_5 on aws`): the one way a subject is
/// written, for answers, diffs and audits.
pub fn words(rules: &RuleSet, subject: Subject) -> String {
    Words {
        rules,
        question: subject.when(),
    }
    .to_string()
}

/// A resolved question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Question {
    /// What it asks about.
    pub subject: Subject,
    /// `None` asks *when*.
    pub at: Option<NaiveDate>,
    /// Where and in which field (0.2); everywhere by default.
    pub place: super::place::Place,
}

/// An id the rules do not have, with the nearest one they do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{id}`{}", nearest.as_ref().map_or(String::new(), |b| format!("; did you mean `{b}`?")))]
pub struct UnknownId {
    /// `product`, `cloud` or `party`.
    pub kind: &'static str,
    /// The id asked for.
    pub id: String,
    /// The nearest known id, if one is near.
    pub nearest: Option<String>,
}

pub(crate) fn find(
    names: &crate::model::NameMap,
    kind: &'static str,
    id: &str,
) -> Result<u32, UnknownId> {
    names.get(id).copied().ok_or_else(|| UnknownId {
        kind,
        id: crate::diag::shown(id, 80),
        nearest: nearest(id, names.keys()).map(str::to_string),
    })
}

/// Why a question could not be read: the 1-based column and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct QuestionError {
    /// The 1-based column, in characters, of the word at fault.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl QuestionError {
    /// The error placed as every other message is, `NAME:LINE:COLUMN: message`, the question
    /// being one line named `name` (`question:1:8: unknown product …`).
    pub fn placed(&self, name: &str) -> String {
        format!("{name}:1:{}: {}", self.column, self.message)
    }

    fn at(text: &str, word: &str, message: impl Into<String>) -> QuestionError {
        let offset = (word.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
        let column = text.get(..offset).map_or(1, |s| s.chars().count() + 1);
        QuestionError {
            column,
            message: crate::diag::escape_invisible(&message.into()).into_owned(),
        }
    }
}

const FORMS: &str = "`deploy P on C [by PARTY]`, `launch P on C [by PARTY]`, `use P by PARTY`, `license P [by PARTY] to PARTY`, `pay PAYER to PAYEE` or `agreement A`, optionally followed by `at YYYY-MM-DD`";

/// Reads a question against a rule set.
pub fn parse(rules: &RuleSet, text: &str) -> Result<Question, QuestionError> {
    // The longest question is thirteen words (`deploy P on C by Q in T in field F at DAY`): a
    // fourteenth starts what is left over. Those are read first, so that an error among them is the one
    // reported; only then does the leftover count, quoted whole.
    // Most questions have at most eight words: they stay in an array on the stack (a larger
    // array made every question measurably slower); the 0.2 forms with `in` go on to a vector.
    const MOST: usize = 14;
    let mut short = [""; 8];
    let mut long: Vec<&str> = Vec::new();
    let mut count = 0;
    let mut leftover: Option<&str> = None;
    for w in text.split_ascii_whitespace() {
        if count == MOST {
            leftover = Some(w);
            break;
        }
        match short.get_mut(count) {
            Some(slot) => *slot = w,
            None => {
                if long.is_empty() {
                    long.extend_from_slice(&short);
                }
                long.push(w);
            }
        }
        count += 1;
    }
    let words: &[&str] = if long.is_empty() {
        short.get(..count).unwrap_or_default()
    } else {
        &long
    };
    let end_word = text.get(text.len()..).unwrap_or("");
    let word = |i: usize| words.get(i).copied();
    let need = |i: usize, what: &str| -> Result<&str, QuestionError> {
        word(i).ok_or_else(|| {
            QuestionError::at(
                text,
                end_word,
                format!("expected {what}, found the end of the question"),
            )
        })
    };
    let keyword = |i: usize, kw: &str| -> Result<(), QuestionError> {
        if word(i) == Some(kw) {
            return Ok(());
        }
        let w = need(i, &format!("`{kw}`"))?;
        if w == kw {
            Ok(())
        } else {
            Err(QuestionError::at(
                text,
                w,
                format!("expected `{kw}`, found `{w}`"),
            ))
        }
    };
    let verb = need(0, "a question")?;
    let product = |i: usize| -> Result<Product, QuestionError> {
        lookup(
            rules,
            text,
            need(i, "a product id")?,
            "product",
            &rules.names.products,
        )
        .map(Product)
    };
    let party = |i: usize| -> Result<Party, QuestionError> {
        lookup(
            rules,
            text,
            need(i, "a party id")?,
            "party",
            &rules.names.parties,
        )
        .map(Party)
    };
    let subject = match verb {
        "deploy" | "launch" => {
            let product = product(1)?;
            keyword(2, "on")?;
            let cloud = Cloud(lookup(
                rules,
                text,
                need(3, "a cloud id")?,
                "cloud",
                &rules.names.clouds,
            )?);
            // `by PARTY` (0.2): who acts. The owner acting is the 0.1 question.
            let actor = if word(4) == Some("by") {
                let actor = party(5)?;
                let owner = rules.products.get(product.0 as usize).map(|p| p.owner);
                (owner != Some(actor.0)).then_some(actor)
            } else {
                None
            };
            match (verb == "deploy", actor) {
                (true, None) => Subject::Deploy { product, cloud },
                (false, None) => Subject::Launch { product, cloud },
                (true, Some(actor)) => Subject::DeployBy {
                    product,
                    cloud,
                    actor,
                },
                (false, Some(actor)) => Subject::LaunchBy {
                    product,
                    cloud,
                    actor,
                },
            }
        }
        "use" => {
            let product = product(1)?;
            keyword(2, "by")?;
            Subject::Use {
                product,
                party: party(3)?,
            }
        }
        "license" | "licence" => {
            let product = product(1)?;
            // `by LICENSOR` (0.2): who grants. The owner granting is the 0.1 question.
            let (licensor, to) = if word(2) == Some("by") {
                (Some(party(3)?), 4)
            } else {
                (None, 2)
            };
            keyword(to, "to")?;
            let party = party(to + 1)?;
            let owner = rules.products.get(product.0 as usize).map(|p| p.owner);
            match licensor.filter(|l| Some(l.0) != owner) {
                None => Subject::License { product, party },
                Some(licensor) => Subject::LicenseBy {
                    product,
                    licensor,
                    party,
                },
            }
        }
        "pay" => {
            let payer = party(1)?;
            keyword(2, "to")?;
            Subject::Pay {
                payer,
                payee: party(3)?,
            }
        }
        "agreement" => Subject::Agreement {
            agreement: Agreement(lookup(
                rules,
                text,
                need(1, "an agreement id")?,
                "agreement",
                &rules.names.agreements,
            )?),
        },
        other => {
            return Err(QuestionError::at(
                text,
                other,
                format!("unknown question `{other}`: a question is {FORMS}"),
            ))
        }
    };
    // `at DAY` follows the subject: four words, six with `by PARTY`, two for `agreement ID`.
    let mut next = match subject {
        Subject::Agreement { .. } => 2,
        // `by PARTY` follows only a deploy or launch (`use P by PARTY` has its own `by`), and
        // comes before `to` in a licence.
        _ if matches!(verb, "deploy" | "launch") && word(4) == Some("by") => 6,
        _ if matches!(verb, "license" | "licence") && word(2) == Some("by") => 6,
        _ => 4,
    };
    // `in TERRITORY` and `in field FIELD` (0.2), each at most once, before `at`.
    let mut place = super::place::Place::default();
    let (mut placed, mut fielded) = (false, false);
    while word(next) == Some("in") && !matches!(subject, Subject::Agreement { .. }) {
        if word(next + 1) == Some("field") {
            let w = need(next + 2, "a field id")?;
            if fielded {
                return Err(QuestionError::at(text, w, "the field is given twice"));
            }
            place.field = lookup(rules, text, w, "field", &rules.names.fields)?;
            fielded = true;
            next += 3;
        } else {
            let w = need(next + 1, "a territory id")?;
            if placed {
                return Err(QuestionError::at(text, w, "the place is given twice"));
            }
            place.territory = lookup(rules, text, w, "territory", &rules.names.territories)?;
            placed = true;
            next += 2;
        }
    }
    let at = match word(next) {
        None => None,
        Some("at") => {
            let day = need(next + 1, "a day `YYYY-MM-DD`")?;
            Some(parse_day(day).ok_or_else(|| {
                let shaped = day.len() == 10
                    && day.bytes().enumerate().all(|(i, b)| match i {
                        4 | 7 => b == b'-',
                        _ => b.is_ascii_digit(),
                    });
                let message = if shaped {
                    format!("`{day}` is not a day of the calendar")
                } else {
                    format!("`{day}` is not a valid day: days are written `YYYY-MM-DD`")
                };
                QuestionError::at(text, day, message)
            })?)
        }
        Some(w) => {
            return Err(QuestionError::at(
                text,
                w,
                format!("expected `at YYYY-MM-DD` or the end of the question, found `{w}`"),
            ))
        }
    };
    // A shorter question (`agreement ID at DAY`) leaves words of the six read over too.
    let leftover = if at.is_some() {
        word(next + 2).or(leftover)
    } else {
        leftover
    };
    if let Some(w) = leftover {
        let offset = (w.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
        let rest = text.get(offset..).unwrap_or(w).trim_end();
        return Err(QuestionError::at(
            text,
            w,
            format!(
                "unexpected `{}` after the question",
                crate::diag::shown(rest, 40)
            ),
        ));
    }
    Ok(Question { subject, at, place })
}

fn lookup(
    rules: &RuleSet,
    text: &str,
    word: &str,
    kind: &str,
    names: &crate::model::NameMap,
) -> Result<u32, QuestionError> {
    if let Some(id) = names.get(word) {
        return Ok(*id);
    }
    if let Some(message) = other_kind(rules, word, kind) {
        return Err(QuestionError::at(text, word, message));
    }
    let mut message = format!("unknown {kind} `{word}`");
    if let Some(best) = nearest(word, names.keys()) {
        message.push_str(&format!("; did you mean `{best}`?"));
    }
    Err(QuestionError::at(text, word, message))
}

/// An unknown id that names something of another kind: say so.
fn other_kind(rules: &RuleSet, word: &str, kind: &str) -> Option<String> {
    let n = &rules.names;
    [
        ("a party", &n.parties),
        ("a cloud", &n.clouds),
        ("a product", &n.products),
    ]
    .into_iter()
    .find(|(k, map)| !k.ends_with(kind) && map.contains_key(word))
    .map(|(k, _)| format!("unknown {kind} `{word}`: `{word}` is {k}, not a {kind}"))
}

/// A question written back in canonical words (`deploy gpt_5_5 on aws at 2026-05-01`).
pub struct Words<'a> {
    /// The rules whose ids the question uses.
    pub rules: &'a RuleSet,
    /// The question.
    pub question: Question,
}

impl fmt::Display for Words<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.rules;
        match self.question.subject {
            Subject::Deploy { product, cloud } => {
                write!(f, "deploy {} on {}", r.product(product.0), r.cloud(cloud.0))?
            }
            Subject::Launch { product, cloud } => {
                write!(f, "launch {} on {}", r.product(product.0), r.cloud(cloud.0))?
            }
            Subject::Use { product, party } => {
                write!(f, "use {} by {}", r.product(product.0), r.party(party.0))?
            }
            Subject::License { product, party } => write!(
                f,
                "license {} to {}",
                r.product(product.0),
                r.party(party.0)
            )?,
            Subject::Pay { payer, payee } => {
                write!(f, "pay {} to {}", r.party(payer.0), r.party(payee.0))?
            }
            Subject::LicenseBy {
                product,
                licensor,
                party,
            } => write!(
                f,
                "license {} by {} to {}",
                r.product(product.0),
                r.party(licensor.0),
                r.party(party.0)
            )?,
            Subject::DeployBy {
                product,
                cloud,
                actor,
            }
            | Subject::LaunchBy {
                product,
                cloud,
                actor,
            } => {
                let verb = if matches!(self.question.subject, Subject::DeployBy { .. }) {
                    "deploy"
                } else {
                    "launch"
                };
                write!(
                    f,
                    "{verb} {} on {} by {}",
                    r.product(product.0),
                    r.cloud(cloud.0),
                    r.party(actor.0)
                )?
            }
            Subject::Agreement { agreement } => {
                write!(f, "agreement {}", r.agreement_name(agreement.0))?
            }
        }
        let place = self.question.place;
        if place.territory != 0 {
            let name = r.territories.get(place.territory as usize);
            write!(f, " in {}", name.map_or("?", |t| t.name.id.as_str()))?;
        }
        if place.field != 0 {
            let name = r.fields.get(place.field as usize);
            write!(f, " in field {}", name.map_or("?", |t| t.name.id.as_str()))?;
        }
        if let Some(day) = self.question.at {
            write!(f, " at {}", crate::time::iso(day))?;
        }
        Ok(())
    }
}

/// The cloud aliases a question's words use, each with the cloud it stands for
/// (`bedrock` → `aws`), in the order written: answers echo what was asked and say this.
pub fn aliases(rules: &RuleSet, text: &str) -> Vec<(String, String)> {
    // Only `deploy` and `launch` name a cloud, as their fourth word: a party or product that
    // happens to share a cloud alias's name is not one.
    let mut words = text.split_ascii_whitespace();
    let verb = words.next();
    let Some(word) = words
        .nth(2)
        .filter(|_| matches!(verb, Some("deploy" | "launch")))
    else {
        return Vec::new();
    };
    match rules.names.clouds.get(word) {
        Some(&id) if rules.cloud(id) != word => {
            vec![(word.to_string(), rules.cloud(id).to_string())]
        }
        _ => Vec::new(),
    }
}
