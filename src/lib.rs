//! covenant
pub mod check;
pub mod consolidate;
pub mod diag;
pub mod eval;
pub mod fmt;
pub mod model;
pub mod money;
pub mod source;
pub mod syntax;
pub mod time;
