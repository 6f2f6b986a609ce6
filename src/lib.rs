//! covenant: a contract and licensing rules engine.
//!
//! Agreement terms are written in a small language (`.cov` files: parties, clouds, products,
//! exclusivities, licences, first-launch rights, revenue shares, amendments). covenant checks
//! them, consolidates the agreements as amended on any day, and answers questions such as
//! "may GPT-5.5 be deployed on Bedrock on 2026-05-01?" with the clauses that decided it and the
//! assumptions the answer rests on. The pipeline is one public step a stage:
//! [`syntax::parse`] → [`check::check`] → [`Engine::new`] → [`Engine::at`] / [`Engine::when`].
//!
//! ```
//! use covenant::{check, Engine, Options, Sources};
//! use covenant::eval::answer::Decision;
//!
//! let mut sources = Sources::new();
//! sources.add("terms.cov", r#"
//!     party microsoft
//!     party openai
//!     cloud azure operated by microsoft
//!     cloud aws operated by amazon_web_services alias bedrock
//!     party amazon_web_services
//!     product gpt_5_5 by openai tagged api
//!
//!     agreement msft_openai {
//!       between microsoft and openai
//!       signed 2019-07-22
//!       exclusivity azure_only {
//!         deploy products by openai tagged api only on azure
//!         until 2026-04-27
//!       }
//!     }
//! "#);
//! let checked = check(sources).map_err(|f| f.diagnostics).unwrap();
//! let engine = Engine::new(checked.rules, &Options::default()).unwrap();
//!
//! let q = engine.parse("deploy gpt_5_5 on bedrock at 2026-04-26").unwrap();
//! let answer = engine.at(q.subject, q.at.unwrap());
//! assert_eq!(answer.decision, Decision::Forbidden);
//! assert_eq!(answer.reasons[0].clause, "msft_openai.azure_only");
//!
//! let q = engine.parse("deploy gpt_5_5 on bedrock at 2026-04-27").unwrap();
//! assert_eq!(engine.at(q.subject, q.at.unwrap()).decision, Decision::Permitted);
//! ```
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod answer;
pub mod check;
pub mod consolidate;
pub mod diag;
pub mod eval;
pub mod finance;
pub mod fmt;
pub mod fuzzing;
pub mod legal;
pub mod model;
pub mod money;
pub mod source;
pub mod syntax;
pub mod time;

pub use answer::{Answer, Decision};
pub use check::{check, Checked, Failure};
pub use eval::{Engine, Options, Question, Subject};
pub use source::Sources;
