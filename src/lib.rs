//! covenant: a contract and licensing rules engine.
//!
//! Agreement terms are written in a small language (`.cov` files: parties, clouds, products,
//! exclusivities, licences, first-launch rights, revenue shares, amendments). covenant checks
//! them, consolidates the agreements as amended on any day, and answers questions such as
//! "may GPT-5.5 be deployed on Bedrock on 2026-05-01?" with the clauses that decided it and the
//! assumptions the answer rests on.
//!
//! The way in is [`Rules`] (read and checked rule text), an [`Engine`] made from it for one
//! set of assumption values and one knowledge time, and the [`Answer`] it gives: text is its
//! `Display`, JSON its `Serialize`.
//!
//! ```
//! use covenant::{Decision, Options, Rules};
//!
//! let rules = Rules::from_text("terms.cov", r#"
//!     party microsoft
//!     party openai
//!     party amazon_web_services
//!     cloud azure operated by microsoft
//!     cloud aws operated by amazon_web_services alias bedrock
//!     product gpt_5_5 by openai tagged api
//!
//!     agreement msft_openai {
//!       between microsoft and openai
//!       signed 2019-07-22
//!       exclusivity azure_only "API products on Azure only" {
//!         deploy products by openai tagged api only on azure
//!         until 2026-04-27
//!       }
//!     }
//! "#).map_err(|failure| failure.to_string())?;
//! let engine = rules.engine(&Options::default())?;
//!
//! let answer = engine.ask("deploy gpt_5_5 on bedrock at 2026-04-26")?;
//! assert_eq!(answer.decision(), Some(Decision::Forbidden));
//! assert!(answer.to_string().starts_with(
//!     "deploy gpt_5_5 on bedrock at 2026-04-26: forbidden\n  (bedrock is cloud aws)\n"
//! ));
//! assert!(answer.to_json().contains(r#""clause":"msft_openai.azure_only""#));
//!
//! let answer = engine.ask("deploy gpt_5_5 on bedrock at 2026-04-27")?;
//! assert_eq!(answer.decision(), Some(Decision::Permitted));
//!
//! // What if: another value of an assumption, read from the language's own words.
//! let what_if = rules.options(["azure_first_lead=30 days"], None);
//! assert!(what_if.is_err()); // these rules have no such assumption
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
// The lints (no unwrap, expect, panic or unchecked index) are set in Cargo.toml; unit tests,
// where a panic is the failure report, are exempt.
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod answer;
pub mod check;
#[doc(hidden)]
pub mod consolidate;
pub mod diag;
pub mod eval;
pub mod finance;
pub mod fmt;
#[doc(hidden)]
pub mod fuzzing;
pub mod legal;
#[doc(hidden)]
pub mod model;
pub mod money;
pub mod rules;
pub mod source;
#[doc(hidden)]
pub mod syntax;
pub mod time;
pub mod vocab;

pub use answer::{Answer, Decision};
pub use check::{check, Checked, Failure};
pub use eval::{Engine, Options, Question, QuestionError, Subject};
pub use rules::Rules;
pub use source::Sources;
