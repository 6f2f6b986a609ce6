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

    /// The parts of a region: itself (its own rest) and every region within it.
    pub fn parts(&self, x: u32) -> &[u32] {
        self.below.get(x as usize).map_or(&[], Vec::as_slice)
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
    /// A forbid speaks of the place when its scope overlaps it: some part of the place (a
    /// territory within it, or its own rest) lies in the scope's places and in none of its
    /// exceptions, and likewise some part of the field.
    pub fn overlaps(&self, scope: &Scope, place: Place) -> bool {
        let t = &self.territories;
        let f = &self.fields;
        let q = place.territory;
        let excepted = |a: u32| scope.except.iter().any(|x| t.within(a, *x));
        // Quick answers first: the place's own part, or a named place's own part within it,
        // settles most questions without walking every part of the place.
        let places = if scope.places.is_empty() {
            !excepted(q) || t.parts(q).iter().any(|a| !excepted(*a))
        } else if scope
            .places
            .iter()
            .any(|p| (t.within(q, *p) && !excepted(q)) || (t.within(*p, q) && !excepted(*p)))
        {
            true
        } else {
            t.parts(q)
                .iter()
                .any(|a| scope.places.iter().any(|p| t.within(*a, *p)) && !excepted(*a))
        };
        let fields = scope.fields.is_empty()
            || f.parts(place.field)
                .iter()
                .any(|b| scope.fields.iter().any(|g| f.within(*b, *g)));
        places && fields
    }

    /// Whether two scopes share some place and field: a territory of one overlaps one of the
    /// other (`world` when a scope names none) and lies within no exception of the other; and
    /// likewise for fields.
    pub fn scopes_overlap(&self, a: &Scope, b: &Scope) -> bool {
        let t = &self.territories;
        let f = &self.fields;
        let world = [0u32];
        let places = |s: &Scope| -> Vec<u32> {
            if s.places.is_empty() {
                world.to_vec()
            } else {
                s.places.clone()
            }
        };
        let fields = |s: &Scope| -> Vec<u32> {
            if s.fields.is_empty() {
                world.to_vec()
            } else {
                s.fields.clone()
            }
        };
        let (pa, pb) = (places(a), places(b));
        let territory = pa.iter().any(|x| {
            pb.iter().any(|y| {
                t.overlap(*x, *y)
                    && !b.except.iter().any(|e| t.within(*x, *e))
                    && !a.except.iter().any(|e| t.within(*y, *e))
            })
        });
        let (fa, fb) = (fields(a), fields(b));
        territory && fa.iter().any(|x| fb.iter().any(|y| f.overlap(*x, *y)))
    }

    /// Whether permits with these scopes together cover the place and field: every part of
    /// the place (each territory within it, and the place's own rest that no declared
    /// territory names) lies in some permit's places and in none of its exceptions, and, with
    /// it, every part of the field in that permit's fields. So a licence for the EU except
    /// Germany and one for Germany cover the EU together; territories declared within a place
    /// never add up to it (its own rest stays uncovered).
    pub fn covered(&self, scopes: &[&Scope], place: Place) -> bool {
        let t = &self.territories;
        let f = &self.fields;
        let in_places = |s: &Scope, a: u32| {
            (s.places.is_empty() || s.places.iter().any(|p| t.within(a, *p)))
                && !s.except.iter().any(|x| t.within(a, *x))
        };
        let in_fields =
            |s: &Scope, b: u32| s.fields.is_empty() || s.fields.iter().any(|g| f.within(b, *g));
        // The place's own part must be held by one permit: most uncovered questions stop here.
        if !scopes
            .iter()
            .any(|s| in_places(s, place.territory) && in_fields(s, place.field))
        {
            return false;
        }
        let fields = f.parts(place.field);
        t.parts(place.territory).iter().all(|a| {
            fields
                .iter()
                .all(|b| scopes.iter().any(|s| in_places(s, *a) && in_fields(s, *b)))
        })
    }
}
