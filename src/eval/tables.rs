//! The answers an engine computes once: every subject of the kinds a rule set can be asked
//! about in bulk (deploy and launch of a product on a cloud, use and licence of a product by a
//! party, pay between parties), all time's windows of each, in one table.
//!
//! A point question is then a look-up and the choice of the piece holding its day, and neither
//! branches on the question's kind or day: the kind picks a block by its number, not by a jump,
//! and each subject keeps the first days of its pieces after the first in a row of eight beside
//! the table, so the piece is the count of those on or before the day. (What branches is bound
//! checks, taken the same way every time.) Questions come in any order of kinds and days, and a
//! branch that guesses wrong costs more than the rest of the answer. A subject with more pieces
//! than a row holds, or pieces not in the order the engine makes them, is searched as before.

use chrono::NaiveDate;

use super::answer::{Ruling, When};
use super::question::{Cloud, Party, Product, Subject};

/// The kinds a table holds, in their block order.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    Deploy,
    Launch,
    Use,
    License,
    Pay,
    /// The subjects answered on demand: agreements, and acts by other parties than the owner.
    Other,
}

const KINDS: usize = 6;

impl Kind {
    /// The kinds whose subjects a table holds.
    pub(crate) const TABLED: [Kind; 5] = [
        Kind::Deploy,
        Kind::Launch,
        Kind::Use,
        Kind::License,
        Kind::Pay,
    ];

    /// The subject `(a, b)` of a tabled kind: product and cloud, product and party, or payer
    /// and payee. (The other kind's block is empty: its subjects are not made.)
    pub(crate) fn subject(self, a: u32, b: u32) -> Subject {
        match self {
            Kind::Deploy => Subject::Deploy {
                product: Product(a),
                cloud: Cloud(b),
            },
            Kind::Launch => Subject::Launch {
                product: Product(a),
                cloud: Cloud(b),
            },
            Kind::Use => Subject::Use {
                product: Product(a),
                party: Party(b),
            },
            Kind::License => Subject::License {
                product: Product(a),
                party: Party(b),
            },
            Kind::Pay | Kind::Other => Subject::Pay {
                payer: Party(a),
                payee: Party(b),
            },
        }
    }
}

/// Pieces a row can tell apart: a subject with at most this many is answered by counting.
const ROW: usize = 8;

/// A subject's row: the first days of its pieces after the first, then days no question
/// reaches. A subject with more pieces has every day the earliest, so that its count is `ROW`
/// whatever the day, and it is searched.
type Row = [NaiveDate; ROW];

/// Where a kind's subjects sit in the table: `rows × columns` of them from `start`, the subject
/// `(a, b)` at `start + a × columns + b`.
#[derive(Clone, Copy, Debug, Default)]
struct Block {
    start: usize,
    columns: usize,
    len: usize,
}

#[derive(Debug, Default)]
pub(crate) struct Tables {
    blocks: [Block; KINDS],
    whens: Vec<When>,
    rows: Vec<Row>,
}

impl Tables {
    /// Adds a kind's block: the windows of its subjects, row by row, `columns` to a row.
    pub(crate) fn push(&mut self, kind: Kind, columns: usize, whens: impl Iterator<Item = When>) {
        let start = self.whens.len();
        for when in whens {
            self.rows.push(row(&when));
            self.whens.push(when);
        }
        if let Some(block) = self.blocks.get_mut(kind as usize) {
            *block = Block {
                start,
                columns,
                len: self.whens.len() - start,
            };
        }
    }

    /// The place of a subject in the table, if its kind has a block and its ids are in it.
    #[inline]
    fn index(&self, subject: Subject) -> Option<usize> {
        // The kind from the subject's variant alone, then its two ids: so that the kind is a
        // look-up and the ids a choice, not one jump for all three.
        let kind = kind(&subject);
        let (a, b) = match subject {
            Subject::Deploy { product, cloud }
            | Subject::Launch { product, cloud }
            | Subject::DeployBy { product, cloud, .. }
            | Subject::LaunchBy { product, cloud, .. } => (product.0, cloud.0),
            Subject::Use { product, party } | Subject::License { product, party } => {
                (product.0, party.0)
            }
            Subject::Pay { payer, payee } => (payer.0, payee.0),
            // Kind::Other's block is empty: any ids will do.
            Subject::LicenseBy {
                product, licensor, ..
            } => (product.0, licensor.0),
            Subject::Agreement { agreement } => (agreement.0, 0),
        };
        let block = self.blocks.get(kind as usize)?;
        let i = (a as usize)
            .checked_mul(block.columns)?
            .checked_add(b as usize)?;
        // Ids of another rule set may be out of range: never another subject's place.
        ((b as usize) < block.columns && i < block.len).then_some(block.start + i)
    }

    /// All time's windows of a subject, if the table holds it.
    pub(crate) fn when(&self, subject: Subject) -> Option<&When> {
        self.whens.get(self.index(subject)?)
    }

    /// The piece holding a day, if the table holds the subject.
    #[inline]
    pub(crate) fn at(&self, subject: Subject, day: NaiveDate) -> Option<&Ruling> {
        let i = self.index(subject)?;
        let (when, row) = (self.whens.get(i)?, self.rows.get(i)?);
        let piece: usize = row.iter().map(|first| usize::from(*first <= day)).sum();
        if piece < ROW {
            when.pieces.get(piece)
        } else {
            when.at(day)
        }
    }
}

/// The kind of a subject: a function of its own, so that it stays a look-up by variant
/// rather than being merged into a jump with what follows it.
#[inline(never)]
fn kind(subject: &Subject) -> Kind {
    match subject {
        Subject::Deploy { .. } => Kind::Deploy,
        Subject::Launch { .. } => Kind::Launch,
        Subject::Use { .. } => Kind::Use,
        Subject::License { .. } => Kind::License,
        Subject::Pay { .. } => Kind::Pay,
        Subject::Agreement { .. }
        | Subject::DeployBy { .. }
        | Subject::LaunchBy { .. }
        | Subject::LicenseBy { .. } => Kind::Other,
    }
}

/// A subject's row of first days (see [`Row`]). The engine's pieces start at the beginning of
/// time and then on days each later than the last: what counting assumes. Any others (none
/// today) are searched, as [`When::at`] searches them.
fn row(when: &When) -> Row {
    let search = [NaiveDate::MIN; ROW];
    let mut row = [NaiveDate::MAX; ROW];
    let (Some(first), true) = (when.pieces.first(), when.pieces.len() <= ROW) else {
        return search;
    };
    let mut last = None;
    for (slot, piece) in row.iter_mut().zip(when.pieces.iter().skip(1)) {
        match piece.from {
            Some(day) if last.is_none_or(|l| l < day) && day < NaiveDate::MAX => {
                *slot = day;
                last = Some(day);
            }
            _ => return search,
        }
    }
    if first.from.is_some() {
        return search;
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consolidate::Deps;
    use crate::eval::answer::Decision;
    use crate::eval::question::Agreement;
    use proptest::prelude::*;

    /// Windows whose pieces start on these days (the first from the beginning of time), each
    /// piece told apart by its decision and its end.
    fn when(starts: &[i32]) -> When {
        let day = |d: i32| NaiveDate::from_num_days_from_ce_opt(730_000 + d);
        let mut pieces = Vec::new();
        let mut from = None;
        for (i, next) in starts.iter().map(|d| day(*d)).chain([None]).enumerate() {
            pieces.push(Ruling {
                from,
                until: next,
                decision: if i % 2 == 0 {
                    Decision::Permitted
                } else {
                    Decision::Forbidden
                },
                reasons: Vec::new(),
                assumptions: Deps::none(),
            });
            from = next;
        }
        When {
            windows: pieces.clone(),
            pieces,
        }
    }

    proptest! {
        /// The piece counted from a subject's row is the piece a search of its windows finds,
        /// for subjects with fewer pieces than a row holds, as many, and more; and on the first
        /// day of a piece, the day before and the day after.
        #[test]
        fn the_piece_counted_is_the_piece_searched(
            subjects in proptest::collection::vec(
                proptest::collection::btree_set(-500i32..500, 0..20), 1..12),
            asked in proptest::collection::vec((0usize..12, -520i32..520, -1i32..=1), 1..200),
        ) {
            let whens: Vec<When> = subjects
                .iter()
                .map(|s| when(&s.iter().copied().collect::<Vec<_>>()))
                .collect();
            let mut tables = Tables::default();
            // A block before, so that the one asked does not start at 0; then two columns a
            // row: deploy of product a on cloud b at a × 2 + b.
            tables.push(Kind::Pay, 1, (0..3).map(|_| when(&[7])));
            tables.push(Kind::Deploy, 2, whens.clone().into_iter());
            for (i, d, shift) in asked {
                // A day asked, or the first day of one of the subject's pieces moved by `shift`.
                let set = subjects.get(i % subjects.len());
                let d = set.and_then(|s| s.iter().nth(d.unsigned_abs() as usize % 24)).map_or(d, |f| f + shift);
                let day = NaiveDate::from_num_days_from_ce_opt(730_000 + d);
                let (Some(day), Some(want)) = (day, whens.get(i % whens.len())) else { continue };
                let n = (i % whens.len()) as u32;
                let subject = Subject::Deploy { product: Product(n / 2), cloud: Cloud(n % 2) };
                prop_assert_eq!(tables.at(subject, day), want.at(day));
                prop_assert_eq!(tables.when(subject), Some(want));
                // The last day of the calendar is past every row's spare days: searched.
                prop_assert_eq!(tables.at(subject, NaiveDate::MAX), want.at(NaiveDate::MAX));
            }
        }
    }

    /// Pieces the engine does not make (none, a first one with a first day, days out of order
    /// or missing) are searched, as `When::at` searches them.
    #[test]
    fn pieces_out_of_the_engine_s_order_are_searched() {
        let day = |d| NaiveDate::from_num_days_from_ce_opt(730_000 + d);
        let mut odd = vec![When {
            windows: Vec::new(),
            pieces: Vec::new(),
        }];
        let mut starting = when(&[5, 9]);
        if let Some(p) = starting.pieces.first_mut() {
            p.from = day(1);
        }
        odd.push(starting);
        let mut unordered = when(&[5, 9, 12]);
        if let Some(p) = unordered.pieces.get_mut(2) {
            p.from = day(3);
        }
        odd.push(unordered);
        let mut open = when(&[5, 9]);
        if let Some(p) = open.pieces.get_mut(1) {
            p.from = None;
        }
        odd.push(open);
        let mut tables = Tables::default();
        tables.push(Kind::Deploy, 1, odd.clone().into_iter());
        for (n, want) in (0..).zip(&odd) {
            let subject = Subject::Deploy {
                product: Product(n),
                cloud: Cloud(0),
            };
            for d in -2..16 {
                let Some(d) = day(d) else { continue };
                assert_eq!(tables.at(subject, d), want.at(d), "subject {n}, day {d}");
            }
        }
    }

    #[test]
    fn a_tabled_kind_s_subjects_are_of_that_kind() {
        for k in Kind::TABLED {
            assert_eq!(kind(&k.subject(1, 2)) as usize, k as usize);
        }
    }

    #[test]
    fn subjects_outside_a_block_are_not_in_the_table() {
        let mut tables = Tables::default();
        tables.push(Kind::Deploy, 2, (0..4).map(|_| when(&[1])));
        tables.push(Kind::Use, 3, (0..6).map(|_| when(&[2, 3])));
        let day = NaiveDate::MIN;
        let deploy = |p, c| Subject::Deploy {
            product: Product(p),
            cloud: Cloud(c),
        };
        assert!(tables.at(deploy(1, 1), day).is_some());
        // A cloud past the row would be the next product's subject: not found.
        assert_eq!(tables.at(deploy(0, 2), day), None);
        assert_eq!(tables.at(deploy(2, 0), day), None);
        assert_eq!(tables.when(deploy(u32::MAX, u32::MAX)), None);
        // The use block starts after the deploy block (its first subject is not the deploy
        // block's first); licence has none.
        for (product, party) in [(0, 0), (1, 2)] {
            let used = tables.when(Subject::Use {
                product: Product(product),
                party: Party(party),
            });
            assert_eq!(used.map(|w| w.pieces.len()), Some(3));
        }
        let licensed = Subject::License {
            product: Product(0),
            party: Party(0),
        };
        assert_eq!(tables.when(licensed), None);
        let agreement = Subject::Agreement {
            agreement: Agreement(0),
        };
        assert_eq!(tables.at(agreement, day), None);
    }
}
