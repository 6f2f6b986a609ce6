//! Places and fields of use (language 0.2): territories and fields form directed acyclic
//! graphs under the implicit `world` and `any_field`. A question asks about one place and one
//! field (by default `world` and `any_field`: everywhere, every field); a clause speaks of its
//! scope. A forbid applies where its scope overlaps the question's place; a permit (a licence)
//! only where its scope covers it.

use crate::model::{Region, Scope};

/// Where and in which field a question is asked (0.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Place {
    pub(crate) territory: u32,
    pub(crate) field: u32,
}

impl Place {
    /// Everywhere and every field: the 0.1 question.
    pub fn is_everywhere(self) -> bool {
        self.territory == 0 && self.field == 0
    }
}

/// One graph of regions, its closure computed once: each region's ancestors and descendants
/// (itself included), sorted.
#[derive(Clone, Debug, Default)]
pub struct Regions {
    above: Vec<Vec<u32>>,
    below: Vec<Vec<u32>>,
}

impl Regions {
    /// The closure of a graph whose region 0 is the root (a cycle, refused by `check`, is cut
    /// where a walk meets a region it is already inside).
    pub fn new(list: &[Region]) -> Regions {
        let n = list.len();
        let mut above: Vec<Vec<u32>> = Vec::with_capacity(n);
        for start in 0..n {
            let mut seen = vec![false; n];
            let mut stack = vec![start];
            let mut out = Vec::new();
            while let Some(r) = stack.pop() {
                match seen.get_mut(r) {
                    Some(s) if !*s => *s = true,
                    _ => continue,
                }
                if let Ok(id) = u32::try_from(r) {
                    out.push(id);
                }
                if let Some(region) = list.get(r) {
                    stack.extend(region.within.iter().map(|p| *p as usize));
                }
            }
            if start != 0 {
                out.push(0);
            }
            out.sort_unstable();
            out.dedup();
            above.push(out);
        }
        let mut below: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (r, ancestors) in (0u32..).zip(&above) {
            for a in ancestors {
                if let Some(list) = below.get_mut(*a as usize) {
                    list.push(r);
                }
            }
        }
        Regions { above, below }
    }

    /// `a` lies within `b` (every region lies within itself and within the root).
    pub fn within(&self, a: u32, b: u32) -> bool {
        b == 0
            || a == b
            || self
                .above
                .get(a as usize)
                .is_some_and(|l| l.binary_search(&b).is_ok())
    }

    /// `a` and `b` overlap: one lies within the other, or some region lies within both.
    pub fn overlap(&self, a: u32, b: u32) -> bool {
        if self.within(a, b) || self.within(b, a) {
            return true;
        }
        let (Some(x), Some(y)) = (self.below.get(a as usize), self.below.get(b as usize)) else {
            return false;
        };
        // Both sorted: a merge finds a common region.
        let (mut i, mut j) = (0, 0);
        while let (Some(p), Some(q)) = (x.get(i), y.get(j)) {
            match p.cmp(q) {
                std::cmp::Ordering::Equal => return true,
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
            }
        }
        false
    }
}

/// Territories and fields together.
#[derive(Clone, Debug, Default)]
pub struct Geography {
    /// Territories under `world`.
    pub territories: Regions,
    /// Fields of use under `any_field`.
    pub fields: Regions,
}

impl Geography {
    /// A forbid speaks of the place when its scope overlaps it: some of its places overlap the
    /// question's place (all do when it names none) and the place does not lie within one of
    /// its exceptions; likewise for fields.
    pub fn overlaps(&self, scope: &Scope, place: Place) -> bool {
        let t = &self.territories;
        let places =
            scope.places.is_empty() || scope.places.iter().any(|p| t.overlap(place.territory, *p));
        let excepted = scope.except.iter().any(|x| t.within(place.territory, *x));
        let fields = scope.fields.is_empty()
            || scope
                .fields
                .iter()
                .any(|f| self.fields.overlap(place.field, *f));
        places && !excepted && fields
    }

    /// Whether permits with these scopes together cover the place (the contract's reading):
    /// one permit's places contain it and, for each of that permit's exceptions overlapping
    /// it, the excepted part is covered by the other permits. Fields are covered by one permit.
    pub fn covered(&self, scopes: &[&Scope], place: Place) -> bool {
        scopes.iter().enumerate().any(|(i, s)| {
            let t = &self.territories;
            let places =
                s.places.is_empty() || s.places.iter().any(|p| t.within(place.territory, *p));
            let fields =
                s.fields.is_empty() || s.fields.iter().any(|f| self.fields.within(place.field, *f));
            if !places || !fields {
                return false;
            }
            let others: Vec<&Scope> = scopes
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, s)| *s)
                .collect();
            s.except
                .iter()
                .filter(|x| t.overlap(place.territory, **x))
                .all(|x| {
                    // The part of the place the exception takes out: the exception itself when
                    // it lies within the place, else the whole place.
                    let part = if t.within(*x, place.territory) {
                        *x
                    } else {
                        place.territory
                    };
                    self.covered(
                        &others,
                        Place {
                            territory: part,
                            field: place.field,
                        },
                    )
                })
        })
    }

    /// A permit speaks of the place only when its scope covers it: the place lies within one of
    /// its places (or it names none), no exception overlaps the place, and the field lies
    /// within one of its fields (or it names none).
    pub fn covers(&self, scope: &Scope, place: Place) -> bool {
        let t = &self.territories;
        let places =
            scope.places.is_empty() || scope.places.iter().any(|p| t.within(place.territory, *p));
        let excepted = scope.except.iter().any(|x| t.overlap(place.territory, *x));
        let fields = scope.fields.is_empty()
            || scope
                .fields
                .iter()
                .any(|f| self.fields.within(place.field, *f));
        places && !excepted && fields
    }
}
