//! The language's closed lists of words, shared by its syntax tree and its checked model (both
//! import them from here, so neither layer reaches into the other for them).

/// The unit of a duration: `days`, `weeks`, `months`, `quarters`, `years`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DurationUnit {
    /// Days.
    Days,
    /// Weeks of seven days (0.2).
    Weeks,
    /// Calendar months.
    Months,
    /// Quarters of three calendar months (0.2).
    Quarters,
    /// Calendar years.
    Years,
}

/// What a `rule` clause forbids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// `deploy`: deploy (which includes launching).
    Deploy,
    /// `launch`: launch only.
    Launch,
    /// `use` (0.2): use of the product.
    Use,
    /// `license` (0.2): licensing the product to another party.
    License,
}

impl Action {
    /// The action's word.
    pub fn word(self) -> &'static str {
        match self {
            Action::Deploy => "deploy",
            Action::Launch => "launch",
            Action::Use => "use",
            Action::License => "license",
        }
    }
}

/// The kinds of clause.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClauseKind {
    /// `exclusivity`.
    Exclusivity,
    /// `licence`.
    Licence,
    /// `first_launch`.
    FirstLaunch,
    /// `revenue_share`.
    RevenueShare,
    /// `rule`.
    Rule,
    /// `first_offer` (0.2).
    FirstOffer,
    /// `payment` (0.2): a fixed sum owed on a day, on a happening, or every period.
    Payment,
    /// `commitment` (0.2): a party commits to spend a sum with another.
    Commitment,
}

/// A period money is counted over or falls due in (0.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    /// A calendar year.
    Year,
    /// A calendar quarter (January, April, July, October).
    Quarter,
    /// A calendar month.
    Month,
    /// A year from the agreement's effective day, on its anniversaries.
    ContractYear,
}

impl Period {
    /// The words that name it.
    pub fn words(self) -> &'static str {
        match self {
            Period::Year => "year",
            Period::Quarter => "quarter",
            Period::Month => "month",
            Period::ContractYear => "contract year",
        }
    }
}

impl ClauseKind {
    /// The keyword that opens a clause of this kind.
    pub fn keyword(self) -> &'static str {
        match self {
            ClauseKind::Exclusivity => "exclusivity",
            ClauseKind::Licence => "licence",
            ClauseKind::FirstLaunch => "first_launch",
            ClauseKind::RevenueShare => "revenue_share",
            ClauseKind::Rule => "rule",
            ClauseKind::FirstOffer => "first_offer",
            ClauseKind::Payment => "payment",
            ClauseKind::Commitment => "commitment",
        }
    }
}
