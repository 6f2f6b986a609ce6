//! From rulings to answers: the engine's tables hold ids and assumption sets; an [`Answer`]
//! holds names, words and values. This is the one place the one becomes the other, for every
//! channel (`ask`, batches, case files, diffs, the service).

use super::answer::{Reason as Inner, Ruling, When};
use super::{question, Engine, Question, QuestionError};
use crate::answer::{Alias, Answer, Assumption, Outcome, Reason, Stretch, Verdict, Window};
use crate::consolidate::Deps;

impl Engine {
    /// Reads a question in the language's words and answers it. The answer echoes the question
    /// as asked (an alias stays an alias, and is named) with its words separated by one space.
    pub fn ask(&self, text: &str) -> Result<Answer, QuestionError> {
        let q = self.parse(text)?;
        let asked = text.split_ascii_whitespace().collect::<Vec<_>>().join(" ");
        let mut answer = self.respond(&q, asked);
        answer.aliases = aliases(self, text);
        Ok(answer)
    }

    /// Answers a question read or built before; the answer echoes it in canonical words. A
    /// question built from another rule set's ids that this one does not have is refused
    /// rather than answered by default.
    pub fn answer(&self, q: &Question) -> Result<Answer, ForeignQuestion> {
        if !q.subject.fits(self.rules()) {
            return Err(ForeignQuestion);
        }
        let asked = question::Words {
            rules: self.rules(),
            question: *q,
        }
        .to_string();
        Ok(self.respond(q, asked))
    }

    fn respond(&self, q: &Question, asked: String) -> Answer {
        let when = self.when_in(q.subject, q.place);
        match q.at {
            Some(day) => match when.at(day) {
                Some(r) => self.point_answer(asked, r),
                None => self.point_answer(asked, &self.at(q.subject, day)),
            },
            None => self.when_answer(asked, &when),
        }
    }

    /// The answer on a day, from the ruling holding it.
    pub(crate) fn point_answer(&self, asked: String, r: &Ruling) -> Answer {
        Answer::new(
            asked,
            Outcome::Point(self.verdict(r)),
            self.assumed(&r.assumptions),
        )
    }

    /// The answer of a *when* question, from its windows.
    pub(crate) fn when_answer(&self, asked: String, when: &When) -> Answer {
        let mut all = Deps::none();
        for w in &when.windows {
            all.add(&w.assumptions);
        }
        let windows = when
            .windows
            .iter()
            .map(|w| Window {
                from: w.from,
                until: w.until,
                verdict: self.verdict(w),
            })
            .collect();
        Answer::new(asked, Outcome::When { windows }, self.assumed(&all))
    }

    pub(crate) fn verdict(&self, r: &Ruling) -> Verdict {
        Verdict {
            decision: r.decision,
            reasons: r.reasons.iter().map(public_reason).collect(),
            assumptions: r
                .assumptions
                .ids()
                .iter()
                .filter_map(|id| self.rules().assumption(*id))
                .map(|a| a.name.id.clone())
                .collect(),
        }
    }

    /// Every assumption of the rules, in the order declared, with its value for this engine
    /// (a `set` value, or one derived from it, shows as such): what a what-if form edits.
    pub fn assumptions(&self) -> Vec<Assumption> {
        let ids: Vec<u32> = (0..self.rules().assumptions.len())
            .filter_map(|i| u32::try_from(i).ok())
            .collect();
        self.assumed_ids(&ids)
    }

    /// Each assumption of a set with its value for this engine, its note, and whether the
    /// value was set for this run.
    pub fn assumed(&self, deps: &Deps) -> Vec<Assumption> {
        self.assumed_ids(deps.ids())
    }

    fn assumed_ids(&self, ids: &[u32]) -> Vec<Assumption> {
        ids.iter()
            .filter_map(|id| {
                let a = self.rules().assumption(*id)?;
                let value = self.env().value(*id)?;
                Some(Assumption {
                    id: a.name.id.clone(),
                    value: value.to_string(),
                    note: a.note.clone(),
                    set_for_run: self.env().is_set(*id),
                })
            })
            .collect()
    }
}

/// A question naming products, clouds or parties the engine's rules do not have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the question names ids these rules do not have: it was built from another rule set")]
pub struct ForeignQuestion;

/// A reason as answers show it.
pub(crate) fn public_reason(r: &Inner) -> Reason {
    Reason {
        clause: r.clause.clone(),
        title: r.title.clone(),
        effect: r.effect,
        detail: r.detail.clone(),
        from: r.from,
        until: r.until,
        stretches: r
            .stretches
            .iter()
            .map(|(from, detail)| Stretch {
                from: *from,
                detail: detail.clone(),
            })
            .collect(),
    }
}

/// The cloud aliases a question's words use, in the order written.
fn aliases(engine: &Engine, text: &str) -> Vec<Alias> {
    question::aliases(engine.rules(), text)
        .into_iter()
        .map(|(asked, cloud)| Alias { asked, cloud })
        .collect()
}
