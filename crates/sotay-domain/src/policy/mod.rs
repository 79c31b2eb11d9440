//! Policy data: every number the quote and the benefit estimate use (rates, income floor and
//! ceiling, support rates, provincial top-ups, deadlines, retirement ages…), each with its
//! effective dates and legal reference.
//!
//! Why data and not constants: the numbers change by decree, sometimes mid-year (7/2025, 7/2026,
//! 1/2027), and a province can add a top-up at any time. A change must be a data update that the
//! office publishes and devices receive by sync, never a code change. The edition shipped with
//! the binary is `policy/policy.toml` ([`Policy::embedded`]); [`Policy::from_toml_str`] loads a
//! published one.
//!
//! The module is in three rooms: [`tables`] (one type per table of the file), `load` (reading
//! and checking an edition) and `lookup` (the row in force on a date). Its errors are its own
//! ([`PolicyError`]), so nothing here depends on the calculators that use it.

mod error;
mod load;
mod lookup;
pub mod tables;

use serde::{Deserialize, Serialize};

pub use crate::calendar::{add_months, month_end, month_start, vn_date};
pub use error::PolicyError;
pub use load::edition_is_newer;
pub use lookup::{province_codes, province_name};
pub use tables::*;

/// The newest policy file format this code reads. Bump it when the shape changes; a device that
/// does not know the new shape refuses the file instead of misreading it.
/// Format 2 added the odd-months rule, the withdrawal rates and the transitional retirement
/// condition; format-1 editions still load (see `load`).
pub const POLICY_FORMAT_VERSION: u32 = 2;

/// A whole, checked policy edition. Build it with [`Policy::from_toml_str`] or
/// [`Policy::embedded`]; the fields are public for reading, and every table is sorted by date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The file format (1).
    pub format_version: u32,
    /// The edition label (`2026-11-23.1`).
    pub version: String,
    /// Contribution rate.
    pub contribution_rate: Vec<ContributionRate>,
    /// Income floor (rural poverty line).
    pub income_floor: Vec<IncomeFloor>,
    /// Reference level and income ceiling.
    pub reference_level: Vec<ReferenceLevel>,
    /// National support rates.
    pub national_support: Vec<NationalSupport>,
    /// Support months cap.
    pub support_cap: Vec<SupportCap>,
    /// Payment-mode deadlines and limits.
    pub payment_mode: Vec<PaymentModeRules>,
    /// r for lump sums.
    pub lump_sum_rate: Vec<LumpSumRate>,
    /// Provincial top-ups.
    #[serde(default)]
    pub local_support: Vec<LocalSupport>,
    /// Retirement-age roadmap.
    pub retirement_age: RetirementAge,
    /// Transitional retirement conditions (format 2; none in a format-1 edition).
    #[serde(default)]
    pub transitional_retirement: Vec<TransitionalRetirement>,
    /// Pension formula.
    pub pension_formula: Vec<PensionFormula>,
    /// Maternity grant.
    pub maternity_grant: Vec<MaternityGrant>,
    /// Household health insurance.
    pub health_insurance_household: Vec<HealthInsuranceHousehold>,
}

#[cfg(test)]
mod tests;
