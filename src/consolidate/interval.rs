//! The algebra of days that rest on assumptions: [`Deps`] (the assumptions something rests
//! on), [`Bound`] (a day with the other days it would be under other values) and
//! [`Interval`] (the days something is in force), with intersection and the reading of a day.
//! Consolidation and the evaluator compute with these; nothing here knows about clauses.

use chrono::NaiveDate;

use crate::model::AssumptionId;

/// The assumptions an answer or a day rests on: sorted, without repeats.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Deps(thin_vec::ThinVec<AssumptionId>);

impl Deps {
    pub fn none() -> Deps {
        Deps(thin_vec::ThinVec::new())
    }

    pub fn one(id: AssumptionId) -> Deps {
        Deps(thin_vec::thin_vec![id])
    }

    pub fn add(&mut self, other: &Deps) {
        for id in &other.0 {
            if let Err(pos) = self.0.binary_search(id) {
                self.0.insert(pos, *id);
            }
        }
    }

    pub fn union(&self, other: &Deps) -> Deps {
        let mut d = self.clone();
        d.add(other);
        d
    }

    pub fn ids(&self) -> &[AssumptionId] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A day and the assumptions it came from.
///
/// A bound is often the latest of several starts or the earliest of several ends (a clause's
/// `from` and its amendment's day, `until X or EVENT`). Which assumptions can move a given day
/// across it depends on that day: for a day before the latest of two starts, only an
/// assumption behind every start still after the day can let it in. So a bound keeps its parts:
/// the tightest part that rests on no assumption, and each part that rests on some.
///
/// Most bounds are a fixed day and nothing else; they hold no parts (16 bytes, no allocation):
/// every consolidated version holds six of them, and a rule set's memory is mostly versions.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Bound {
    pub day: NaiveDate,
    /// `None`: a fixed day, resting on no assumption (its one part is the day itself).
    parts: Option<Box<Parts>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Parts {
    /// Every assumption behind any part.
    deps: Deps,
    /// The tightest part that rests on no assumption.
    fixed: Option<NaiveDate>,
    /// The parts that rest on assumptions, with their own days.
    assumed: Vec<(NaiveDate, Deps)>,
}

static NO_DEPS: Deps = Deps(thin_vec::ThinVec::new());

impl Bound {
    /// A day resting on the given assumptions (none: a fixed day).
    pub fn new(day: NaiveDate, deps: Deps) -> Bound {
        if deps.is_empty() {
            Bound::fixed(day)
        } else {
            Bound::of(
                day,
                Parts {
                    assumed: vec![(day, deps.clone())],
                    deps,
                    fixed: None,
                },
            )
        }
    }

    /// A day that rests on no assumption.
    pub fn fixed(day: NaiveDate) -> Bound {
        Bound { day, parts: None }
    }

    /// A bound of these parts, held as a fixed day when that is all they are.
    fn of(day: NaiveDate, parts: Parts) -> Bound {
        let plain = parts.deps.is_empty() && parts.assumed.is_empty() && parts.fixed == Some(day);
        Bound {
            day,
            parts: (!plain).then(|| Box::new(parts)),
        }
    }

    fn parts(&self) -> Parts {
        match &self.parts {
            Some(p) => (**p).clone(),
            None => Parts {
                deps: Deps::none(),
                fixed: Some(self.day),
                assumed: Vec::new(),
            },
        }
    }

    /// Every assumption behind any part.
    pub fn deps(&self) -> &Deps {
        self.parts.as_ref().map_or(&NO_DEPS, |p| &p.deps)
    }

    /// The tightest part that rests on no assumption.
    fn fixed_part(&self) -> Option<NaiveDate> {
        self.parts.as_ref().map_or(Some(self.day), |p| p.fixed)
    }

    /// The parts that rest on assumptions, with their own days.
    fn assumed(&self) -> &[(NaiveDate, Deps)] {
        self.parts.as_ref().map_or(&[], |p| &p.assumed)
    }

    /// The bound `± DURATION` (`shift` moves a day by the duration; `more` are the duration's
    /// assumptions). Every part moves, as the day does. A fixed part moved by an assumed
    /// duration rests on it: it is an assumed part from then on, since another value of the
    /// duration moves it (`2024-02-01 - $gap` keeps a day out only as long as `$gap` does).
    /// `None` when the day leaves the calendar; a part that would leave it while the day does
    /// not makes the whole day rest on every assumption behind it.
    pub fn shifted(
        &self,
        shift: impl Fn(NaiveDate) -> Option<NaiveDate>,
        more: &Deps,
    ) -> Option<Bound> {
        let day = shift(self.day)?;
        let parts = self.parts();
        let mut deps = parts.deps.clone();
        deps.add(more);
        let moved = || -> Option<Parts> {
            let mut assumed = parts
                .assumed
                .iter()
                .map(|(d, x)| Some((shift(*d)?, x.union(more))))
                .collect::<Option<Vec<_>>>()?;
            let fixed = match parts.fixed {
                Some(f) if more.is_empty() => Some(shift(f)?),
                Some(f) => {
                    assumed.push((shift(f)?, more.clone()));
                    None
                }
                None => None,
            };
            assumed.sort();
            assumed.dedup();
            Some(Parts {
                deps: deps.clone(),
                fixed,
                assumed,
            })
        };
        let parts = moved().unwrap_or_else(|| Parts {
            fixed: deps.is_empty().then_some(day),
            assumed: if deps.is_empty() {
                Vec::new()
            } else {
                vec![(day, deps.clone())]
            },
            deps: deps.clone(),
        });
        Some(Bound::of(day, parts))
    }

    /// The assumptions behind the parts that set the day (all of them on a tie): those that
    /// move the day itself when changed a little.
    pub fn binding_deps(&self) -> Deps {
        let mut deps = Deps::none();
        for (d, x) in self.assumed() {
            if *d == self.day {
                deps.add(x);
            }
        }
        deps
    }

    /// The next day (for `through`): every part moves by one day.
    pub fn next_day(&self) -> Option<Bound> {
        let parts = self.parts();
        Some(Bound::of(
            self.day.succ_opt()?,
            Parts {
                deps: parts.deps,
                fixed: match parts.fixed {
                    Some(f) => Some(f.succ_opt()?),
                    None => None,
                },
                assumed: parts
                    .assumed
                    .into_iter()
                    .map(|(d, deps)| Some((d.succ_opt()?, deps)))
                    .collect::<Option<Vec<_>>>()?,
            },
        ))
    }
}

/// Days `[start, end)`; `None` is the beginning or the end of time.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Interval {
    pub start: Option<Bound>,
    pub end: Option<Bound>,
    /// Assumptions behind what holds over the interval whatever the day (amendment days that
    /// another value could reorder, changing a clause's text).
    pub rests_on: Deps,
}

impl Interval {
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start.as_ref().is_none_or(|s| s.day <= day)
            && self.end.as_ref().is_none_or(|e| day < e.day)
    }

    pub fn is_empty(&self) -> bool {
        matches!((&self.start, &self.end), (Some(s), Some(e)) if s.day >= e.day)
    }

    /// Whether an edge rests on an assumption (so that another value could move it).
    pub fn is_assumed(&self) -> bool {
        !self.rests_on.is_empty()
            || [&self.start, &self.end]
                .into_iter()
                .flatten()
                .any(|b| !b.deps().is_empty())
    }

    /// Every assumption behind the interval: its edges' and what it rests on.
    pub fn all_deps(&self) -> Deps {
        let mut all = self.rests_on.clone();
        for b in [&self.start, &self.end].into_iter().flatten() {
            all.add(b.deps());
        }
        all
    }

    /// The days on which the parts of the edges start or stop holding (where
    /// [`Interval::deps_at`] can change).
    pub fn part_days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        [&self.start, &self.end]
            .into_iter()
            .flatten()
            .flat_map(|b| b.assumed().iter().map(|(d, _)| *d).chain(b.fixed_part()))
    }

    /// The assumptions that another value of (one at a time) could move across `day`, letting
    /// the day into the interval or out of it. In the interval: every assumption behind an edge.
    /// Outside: only an assumption behind every part that keeps the day out (none, if a fixed
    /// part keeps it out). Always: what the interval rests on.
    pub fn deps_at(&self, day: NaiveDate) -> Deps {
        let mut failing: Vec<&Deps> = Vec::new();
        let mut fixed_fails = false;
        if let Some(s) = &self.start {
            fixed_fails |= s.fixed_part().is_some_and(|f| f > day);
            failing.extend(s.assumed().iter().filter(|(d, _)| *d > day).map(|(_, x)| x));
        }
        if let Some(e) = &self.end {
            fixed_fails |= e.fixed_part().is_some_and(|f| f <= day);
            failing.extend(
                e.assumed()
                    .iter()
                    .filter(|(d, _)| *d <= day)
                    .map(|(_, x)| x),
            );
        }
        if fixed_fails {
            return self.rests_on.clone();
        }
        let Some((first, rest)) = failing.split_first() else {
            return self.all_deps();
        };
        let shared = Deps(
            first
                .ids()
                .iter()
                .copied()
                .filter(|id| rest.iter().all(|d| d.ids().contains(id)))
                .collect(),
        );
        shared.union(&self.rests_on)
    }

    /// The overlap of two intervals; each edge rests on the assumptions of both sides' edges.
    pub fn intersect(&self, other: &Interval) -> Interval {
        Interval {
            start: later(self.start.as_ref(), other.start.as_ref()),
            end: earlier(self.end.as_ref(), other.end.as_ref()),
            rests_on: self.rests_on.union(&other.rests_on),
        }
    }
}

fn later(a: Option<&Bound>, b: Option<&Bound>) -> Option<Bound> {
    match (a, b) {
        (None, x) | (x, None) => x.cloned(),
        (Some(a), Some(b)) => Some(pick(a, b, true)),
    }
}

/// The earlier of two bounds (`None` is the end of time).
pub fn earlier(a: Option<&Bound>, b: Option<&Bound>) -> Option<Bound> {
    match (a, b) {
        (None, x) | (x, None) => x.cloned(),
        (Some(a), Some(b)) => Some(pick(a, b, false)),
    }
}

/// The later (or earlier) of two bounds, keeping the parts of both.
fn pick(a: &Bound, b: &Bound, latest: bool) -> Bound {
    let tighter = |x: NaiveDate, y: NaiveDate| if latest { x.max(y) } else { x.min(y) };
    let mut assumed = a.assumed().to_vec();
    for part in b.assumed() {
        if !assumed.contains(part) {
            assumed.push(part.clone());
        }
    }
    assumed.sort();
    Bound::of(
        tighter(a.day, b.day),
        Parts {
            deps: a.deps().union(b.deps()),
            fixed: match (a.fixed_part(), b.fixed_part()) {
                (Some(x), Some(y)) => Some(tighter(x, y)),
                (x, y) => x.or(y),
            },
            assumed,
        },
    )
}
