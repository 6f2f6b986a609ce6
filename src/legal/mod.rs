//! Legal review: what a rule change changes, what happened against what was allowed, and where
//! clauses collide. Everything here is built on the evaluator; nothing decides a question a
//! second way.

pub mod audit;
pub mod cases;
pub mod chart;
pub mod diff;
