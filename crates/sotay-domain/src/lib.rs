//! `sotay-domain` is the business of Sotay in one place: the entities the field app and the office
//! keep, the rules that make a record valid, the hybrid logical clock and field-level merge that
//! sync relies on, Vietnamese identity data (personal ID numbers, ID-card QR codes, mobile numbers,
//! the 2025 administrative units), search folding and Vietnamese alphabetical order, the dated
//! policy data with its legal sources, and what is computed from it: the contribution quote,
//! the pension and lump-sum estimate and the household health-insurance quote.
//!
//! Inside the crate, dependencies run one way: `calendar` and `money` at the bottom, then the
//! entities, then `policy` (which knows nothing of its users), then the calculators (`quote`,
//! `benefit`, `health_insurance`). `scripts/check-architecture.sh` checks that no module
//! imports, directly or through others, a module that imports it.
//!
//! Architecture invariant: this crate does no IO and has no async. It takes "today" and "now" as
//! arguments instead of reading a clock, so the app, the office and the tests all get the same
//! answer for the same input.

pub mod admin_units;
pub mod benefit;
pub mod calendar;
pub mod cccd;
pub mod collate;
pub mod entities;
pub mod error;
pub mod fold;
pub mod health_insurance;
pub mod hlc;
pub mod kinds;
pub mod labels;
pub mod merge;
pub mod money;
pub mod op;
#[cfg(feature = "openapi")]
mod openapi;
pub mod phone;
pub mod policy;
pub mod privacy;
pub mod qr;
pub mod quote;
pub mod text;
pub mod validate;

pub use benefit::{BenefitEstimate, BenefitRequest, estimate_benefit};
pub use entities::*;
pub use error::{ValidationCode, ValidationError, ValidationErrors};
pub use health_insurance::{HealthInsuranceQuote, HealthInsuranceRequest, quote_health_insurance};
pub use hlc::{Hlc, HlcClock};
pub use kinds::{Entity, EntityKind, KindVisitor};
pub use money::Vnd;
pub use op::{DELETED_FIELD, Op};
pub use policy::{Policy, PolicyError};
pub use quote::{Quote, QuoteError, QuoteRequest, quote};
pub use validate::{Normalize, Validate, ValidationContext, validate_enrollment_for};
