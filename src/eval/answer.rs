//! The engine's answers as it computes them: rulings (a decision over a stretch of days, with
//! the reasons and assumption ids behind it) and the *when* tables built from them. The public
//! [`crate::Answer`] is made from these (`eval::respond`), with names in place of ids.

use chrono::NaiveDate;

use crate::consolidate::Deps;
use crate::model::ClauseId;

/// What the agreements say to a question on a day.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Decision {
    /// Nothing forbids it, or a licence covers it.
    Permitted,
    /// A clause forbids it, or (for use) no licence covers it.
    Forbidden,
    /// A revenue share in force owes on the day.
    Due,
    /// No revenue share in force owes on the day.
    NotDue,
    /// The agreement is in force on the day (0.2).
    InForce,
    /// The agreement is not in force on the day: not yet effective, or ended (0.2).
    NotInForce,
}

impl Decision {
    /// The decision's word: `permitted`, `forbidden`, `due`, `not_due`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Permitted => "permitted",
            Decision::Forbidden => "forbidden",
            Decision::Due => "due",
            Decision::NotDue => "not_due",
            Decision::InForce => "in_force",
            Decision::NotInForce => "not_in_force",
        }
    }

    /// Permitted, due and in force are the "yes" answers (exit code 0).
    pub fn is_yes(self) -> bool {
        matches!(
            self,
            Decision::Permitted | Decision::Due | Decision::InForce
        )
    }
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A word that is not a decision (`permitted`, `forbidden`, `due`, `not_due`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a decision: one of `permitted`, `forbidden`, `due`, `not_due`, `in_force`, `not_in_force`")]
pub struct NotADecision(pub String);

impl std::str::FromStr for Decision {
    type Err = NotADecision;

    fn from_str(s: &str) -> Result<Decision, NotADecision> {
        match s {
            "permitted" => Ok(Decision::Permitted),
            "forbidden" => Ok(Decision::Forbidden),
            "due" => Ok(Decision::Due),
            "not_due" => Ok(Decision::NotDue),
            "in_force" => Ok(Decision::InForce),
            "not_in_force" => Ok(Decision::NotInForce),
            other => Err(NotADecision(crate::diag::shown(other, 40))),
        }
    }
}

/// What a clause does to a question.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Effect {
    /// It forbids.
    Forbid,
    /// It permits (a licence, or a first-launch right met).
    Permit,
    /// It owes a share of revenue.
    Owe,
    /// A revenue share whose cap is used up on the day asked (answers with a ledger).
    CapReached,
    /// An agreement's effective day or initial term (0.2).
    Term,
    /// An agreement's renewal (0.2).
    Renewal,
    /// A notice of non-renewal that ended an agreement (0.2).
    Notice,
    /// A termination that ended an agreement (0.2).
    Termination,
    /// A licence granting the `deploy` right to the party that acts (0.2), or the right to
    /// license onward to the party asked about.
    Grant,
    /// A sublicensable licence that waits for a consent not yet on record, or a sublicence
    /// whose licensor may not yet license onward (0.2): why it does not yet permit.
    Awaits,
    /// A licence that grants nothing on these days: an exclusive licence of the same licensor
    /// to another party, signed before it, holds (0.2: conflicting grants).
    Overridden,
    /// A licence in force whose places or fields do not cover the whole place or field asked
    /// about (0.2): why it does not permit there.
    Short,
    /// A minimum or a payable commitment (0.2) whose true-ups or shortfall only a ledger can
    /// give: said when a `pay` question is asked without one.
    NeedsLedger,
}

impl Effect {
    /// The effect's word: `forbid`, `permit`, `owe`, `cap_reached`.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Forbid => "forbid",
            Effect::Permit => "permit",
            Effect::Owe => "owe",
            Effect::CapReached => "cap_reached",
            Effect::Term => "term",
            Effect::Renewal => "renewal",
            Effect::Notice => "notice",
            Effect::Termination => "termination",
            Effect::Grant => "grant",
            Effect::Awaits => "awaits",
            Effect::Overridden => "overridden",
            Effect::Short => "short",
            Effect::NeedsLedger => "needs_ledger",
        }
    }
}

/// One clause's part in an answer.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reason {
    /// `agreement.clause`.
    pub clause: String,
    pub effect: Effect,
    pub detail: String,
    pub clause_id: ClauseId,
    pub title: Option<String>,
    /// The clause's life: its first day in force and the day after its last, across every
    /// consolidated version, `[from, until)`.
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub deps: Deps,
    /// In a *when* window where an amendment (or a record) changed what the clause says: the
    /// detail of each stretch, from its first day (`None`: from the beginning of time).
    pub stretches: Vec<(Option<NaiveDate>, String)>,
}

/// A ruling: the answer over a stretch of days `[from, until)`, `None` for the beginning or end
/// of time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ruling {
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub decision: Decision,
    pub reasons: Vec<Reason>,
    /// Assumption ids, sorted.
    pub assumptions: Deps,
}

impl Ruling {
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from.is_none_or(|f| f <= day) && self.until.is_none_or(|u| day < u)
    }
}

/// The answer to a *when* question: windows covering all time, in order, split exactly where
/// the decision or the set of (clause, effect) reasons changes. Each window's reasons carry the
/// clause's terms over the whole window (where an amendment changed them inside the window, the
/// detail says so, stretch by stretch).
///
/// Beside the windows, the finer pieces: stretches over which the reasons' details are equal too.
/// A point question is answered by the piece holding its day, so its reasons say what each
/// clause said on exactly that day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct When {
    pub windows: Vec<Ruling>,
    pub pieces: Vec<Ruling>,
}

impl When {
    /// The piece holding a day (pieces cover all time, so there is always one).
    pub fn at(&self, day: NaiveDate) -> Option<&Ruling> {
        let i = self
            .pieces
            .partition_point(|w| w.from.is_none_or(|f| f <= day));
        self.pieces.get(i.checked_sub(1)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_read_back_as_written() {
        for d in [
            Decision::Permitted,
            Decision::Forbidden,
            Decision::Due,
            Decision::NotDue,
            Decision::InForce,
            Decision::NotInForce,
        ] {
            assert_eq!(d.to_string().parse::<Decision>(), Ok(d));
        }
        assert!("maybe".parse::<Decision>().is_err());
    }
}
