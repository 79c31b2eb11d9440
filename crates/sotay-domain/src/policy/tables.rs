//! The rows of the policy file, one Rust type per table: what each number means, its unit, and
//! the small rules that belong to one row (a deadline month, a pension step, a retirement age).
//! Loading and checking a whole edition is in `load`; finding the row in force on a
//! date is in `lookup`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{add_months, month_end, month_start};
use crate::entities::{PaymentMode, Sex, SupportGroup};
use crate::money::Vnd;

/// One policy row that has effective dates and a legal source.
pub trait PolicyPeriod {
    /// First day in force.
    fn effective_from(&self) -> NaiveDate;
    /// Last day in force (inclusive); `None` while in force until replaced.
    fn effective_to(&self) -> Option<NaiveDate>;
    /// The legal reference (decree, law article, resolution).
    fn legal_ref(&self) -> &str;
    /// "to confirm" and other remarks on the row.
    fn note(&self) -> Option<&str>;

    /// Whether the row is in force on `date`.
    fn covers(&self, date: NaiveDate) -> bool {
        self.effective_from() <= date && self.effective_to().is_none_or(|to| date <= to)
    }

    /// The row's citation, for the quote's list of sources.
    fn source(&self, table: &str) -> PolicySource {
        PolicySource {
            table: table.to_owned(),
            effective_from: self.effective_from(),
            effective_to: self.effective_to(),
            legal_ref: self.legal_ref().to_owned(),
            note: self.note().map(str::to_owned),
        }
    }
}

/// Which policy row a result used, with its legal reference: a quote shows its sources so a
/// collector (and an inspector) can see which decree and which period it was priced on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySource {
    /// The table in the policy file (`national_support`).
    pub table: String,
    /// First day of the row.
    pub effective_from: NaiveDate,
    /// Last day of the row, if it has ended.
    pub effective_to: Option<NaiveDate>,
    /// The legal reference.
    pub legal_ref: String,
    /// A "to confirm" note, if any.
    pub note: Option<String>,
}

macro_rules! group_rates {
    ($($ty:ty),+) => {$(
        impl $ty {
            /// The rates per group of this row.
            pub fn rates(&self) -> GroupRates {
                GroupRates {
                    poor_bp: self.poor_bp,
                    near_poor_bp: self.near_poor_bp,
                    ethnic_minority_bp: self.ethnic_minority_bp,
                    island_bp: self.island_bp,
                    other_bp: self.other_bp,
                }
            }
        }
    )+};
}

group_rates!(NationalSupport, LocalSupport);

macro_rules! policy_period {
    ($($ty:ty),+) => {$(
        impl PolicyPeriod for $ty {
            fn effective_from(&self) -> NaiveDate { self.effective_from }
            fn effective_to(&self) -> Option<NaiveDate> { self.effective_to }
            fn legal_ref(&self) -> &str { &self.legal_ref }
            fn note(&self) -> Option<&str> { self.note.as_deref() }
        }
    )+};
}

/// A percentage per support group, in basis points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRates {
    /// Hộ nghèo.
    pub poor_bp: u32,
    /// Hộ cận nghèo.
    pub near_poor_bp: u32,
    /// Người dân tộc thiểu số.
    pub ethnic_minority_bp: u32,
    /// Xã đảo, đặc khu.
    pub island_bp: u32,
    /// Everyone else.
    pub other_bp: u32,
}

impl GroupRates {
    /// The rate for one group.
    pub fn for_group(&self, group: SupportGroup) -> u32 {
        match group {
            SupportGroup::Poor => self.poor_bp,
            SupportGroup::NearPoor => self.near_poor_bp,
            SupportGroup::EthnicMinority => self.ethnic_minority_bp,
            SupportGroup::Island => self.island_bp,
            SupportGroup::Other => self.other_bp,
        }
    }

    /// The single highest rate among `groups` (a person in several groups gets one rate, the
    /// highest); no group at all means "everyone else".
    pub fn highest(&self, groups: &[SupportGroup]) -> u32 {
        groups
            .iter()
            .map(|g| self.for_group(*g))
            .max()
            .unwrap_or(self.other_bp)
    }

    pub(super) fn all(&self) -> [u32; 5] {
        [
            self.poor_bp,
            self.near_poor_bp,
            self.ethnic_minority_bp,
            self.island_bp,
            self.other_bp,
        ]
    }
}

/// Tỷ lệ đóng: the share of the chosen income that goes to the fund.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContributionRate {
    /// First day in force.
    pub effective_from: NaiveDate,
    /// Last day in force.
    pub effective_to: Option<NaiveDate>,
    /// 2200 = 22%.
    pub rate_bp: u32,
    /// Legal reference.
    pub legal_ref: String,
    /// Remark.
    pub note: Option<String>,
}

/// Mức thu nhập tối thiểu: the rural poverty line, also the base of every support.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncomeFloor {
    /// First day in force.
    pub effective_from: NaiveDate,
    /// Last day in force.
    pub effective_to: Option<NaiveDate>,
    /// The poverty line.
    pub amount: Vnd,
    /// Incomes are chosen in steps of this amount.
    pub income_step: Vnd,
    /// Legal reference.
    pub legal_ref: String,
    /// Remark.
    pub note: Option<String>,
}

/// Mức tham chiếu (lương cơ sở): sets the income ceiling and the health-insurance price.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceLevel {
    /// First day in force.
    pub effective_from: NaiveDate,
    /// Last day in force.
    pub effective_to: Option<NaiveDate>,
    /// The reference level.
    pub amount: Vnd,
    /// Ceiling of the chosen income = multiplier × amount.
    pub ceiling_multiplier: u32,
    /// Legal reference.
    pub legal_ref: String,
    /// Remark.
    pub note: Option<String>,
}

/// Mức hỗ trợ của Nhà nước, per group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NationalSupport {
    /// First day in force.
    pub effective_from: NaiveDate,
    /// Last day in force.
    pub effective_to: Option<NaiveDate>,
    /// Hộ nghèo.
    pub poor_bp: u32,
    /// Hộ cận nghèo.
    pub near_poor_bp: u32,
    /// Người dân tộc thiểu số.
    pub ethnic_minority_bp: u32,
    /// Xã đảo, đặc khu.
    pub island_bp: u32,
    /// Everyone else.
    pub other_bp: u32,
    /// Legal reference.
    pub legal_ref: String,
    /// Remark.
    pub note: Option<String>,
}

/// The number of months for which support is paid at most.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportCap {
    /// First day in force.
    pub effective_from: NaiveDate,
    /// Last day in force.
    pub effective_to: Option<NaiveDate>,
    /// 120.
    pub months: u16,
    /// Legal reference.
    pub legal_ref: String,
    /// Remark.
    pub note: Option<String>,
}

/// Payment-mode rules: deadlines and lump-sum limits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentModeRules {
    /// First day in force.
    pub effective_from: NaiveDate,
    /// Last day in force.
    pub effective_to: Option<NaiveDate>,
    /// Monthly: pay by the end of this month of the period (1).
    pub monthly_deadline_month: u32,
    /// 3-monthly (3).
    pub quarterly_deadline_month: u32,
    /// 6-monthly (4).
    pub semi_annual_deadline_month: u32,
    /// 12-monthly (7).
    pub annual_deadline_month: u32,
    /// A lump sum may cover at most this many years ahead (5).
    pub years_ahead_max: u8,
    /// A missing-period lump sum may cover at most this many months (60).
    pub missing_period_max_months: u16,
    /// Legal reference.
    pub legal_ref: String,
    /// Remark.
    pub note: Option<String>,
}

impl PaymentModeRules {
    /// The month of a period by whose end it must be paid [Luật 41/2024 Điều 36.3]: monthly —
    /// within the month (1); 3-monthly — within the 3 months (3); 6-monthly — within the first 4
    /// months (4); 12-monthly — within the first 7 months (7). A lump sum is paid at
    /// registration; the months after it are paid month by month (1).
    pub fn deadline_month(&self, mode: PaymentMode) -> u32 {
        match mode {
            PaymentMode::Quarterly => self.quarterly_deadline_month,
            PaymentMode::SemiAnnual => self.semi_annual_deadline_month,
            PaymentMode::Annual => self.annual_deadline_month,
            PaymentMode::Monthly | PaymentMode::YearsAhead(_) | PaymentMode::MissingPeriod(_) => {
                self.monthly_deadline_month
            }
        }
    }

    /// The last day to pay a period in `mode` that starts in the month of `period_start`: the
    /// end of its [`deadline_month`](Self::deadline_month).
    pub fn deadline(&self, mode: PaymentMode, period_start: NaiveDate) -> NaiveDate {
        let nth = self.deadline_month(mode).max(1);
        month_end(add_months(month_start(period_start), nth - 1))
    }
}

/// r: the fund's monthly average investment return of the previous year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LumpSumRate {
    /// First day in force.
    pub effective_from: NaiveDate,
    /// Last day in force.
    pub effective_to: Option<NaiveDate>,
    /// Parts per million per month (3100 = 0.31%).
    pub monthly_rate_ppm: u32,
    /// Legal reference.
    pub legal_ref: String,
    /// Remark.
    pub note: Option<String>,
}

/// A province's top-up (hỗ trợ thêm của địa phương), on the same base as the national support.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalSupport {
    /// The 2-digit province code (2025 list).
    pub province_code: String,
    /// First day in force.
    pub effective_from: NaiveDate,
    /// Last day in force.
    pub effective_to: Option<NaiveDate>,
    /// Hộ nghèo.
    pub poor_bp: u32,
    /// Hộ cận nghèo.
    pub near_poor_bp: u32,
    /// Người dân tộc thiểu số.
    pub ethnic_minority_bp: u32,
    /// Xã đảo, đặc khu.
    pub island_bp: u32,
    /// Everyone else.
    pub other_bp: u32,
    /// Legal reference.
    pub legal_ref: String,
    /// Remark.
    pub note: Option<String>,
}

/// One step of the retirement-age roadmap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetirementAgeStep {
    /// The calendar year in which the age is reached.
    pub year: i32,
    /// Whole years of the age.
    pub years: u32,
    /// Extra months of the age.
    pub months: u32,
}

impl RetirementAgeStep {
    /// The age in months.
    pub fn total_months(&self) -> u32 {
        self.years * 12 + self.months
    }
}

/// The retirement-age roadmap (lộ trình tuổi nghỉ hưu).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetirementAge {
    /// Legal reference.
    pub legal_ref: String,
    /// Men, one row per year.
    pub male: Vec<RetirementAgeStep>,
    /// Women, one row per year.
    pub female: Vec<RetirementAgeStep>,
}

impl RetirementAge {
    /// The roadmap as a quotable source (in force from the first year of the roadmap).
    pub fn source(&self) -> PolicySource {
        let first_year = self.male.first().map_or(2021, |s| s.year);
        PolicySource {
            table: "retirement_age".to_owned(),
            effective_from: NaiveDate::from_ymd_opt(first_year, 1, 1).unwrap_or(NaiveDate::MIN),
            effective_to: None,
            legal_ref: self.legal_ref.clone(),
            note: None,
        }
    }

    /// The age (in months) required of someone of `sex` who reaches it in `year`.
    pub fn age_months_in_year(&self, sex: Sex, year: i32) -> u32 {
        let steps = match sex {
            Sex::Male => &self.male,
            Sex::Female => &self.female,
        };
        // The loader guarantees a non-empty, year-consecutive list; before its first year the
        // first row applies.
        steps
            .iter()
            .rev()
            .find(|s| s.year <= year)
            .or(steps.first())
            .map_or(0, RetirementAgeStep::total_months)
    }
}

/// How the pension percentage grows with years of contribution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PensionFormula {
    /// First day in force.
    pub effective_from: NaiveDate,
    /// Last day in force.
    pub effective_to: Option<NaiveDate>,
    /// Years needed for a pension (15).
    pub min_years: u32,
    /// `[years, bp]` steps for women.
    pub female_steps: Vec<(u32, u32)>,
    /// `[years, bp]` steps for men.
    pub male_steps: Vec<(u32, u32)>,
    /// Each year past the last step adds this.
    pub per_year_after_bp: u32,
    /// The cap (7500 = 75%).
    pub max_bp: u32,
    /// Each year past the cap pays this share of the average income once.
    pub excess_year_lump_sum_bp: u32,
    /// A lump-sum withdrawal pays this share of the average income per year (from 2014).
    pub withdrawal_per_year_bp: u32,
    /// Legal reference.
    pub legal_ref: String,
    /// Remark.
    pub note: Option<String>,
}

impl PensionFormula {
    /// The pension percentage (bp) for `years` whole years, or `None` below the minimum.
    pub fn percent_bp(&self, sex: Sex, years: u32) -> Option<u32> {
        if years < self.min_years {
            return None;
        }
        let steps = match sex {
            Sex::Male => &self.male_steps,
            Sex::Female => &self.female_steps,
        };
        let (step_years, step_bp) = steps.iter().rev().find(|(y, _)| *y <= years).copied()?;
        let bp = step_bp + (years - step_years) * self.per_year_after_bp;
        Some(bp.min(self.max_bp))
    }

    /// The fewest whole years that reach the cap.
    pub fn years_for_max(&self, sex: Sex) -> u32 {
        (self.min_years..=self.min_years + 100)
            .find(|y| self.percent_bp(sex, *y) == Some(self.max_bp))
            .unwrap_or(u32::MAX)
    }
}

/// The maternity grant for voluntary participants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaternityGrant {
    /// First day in force.
    pub effective_from: NaiveDate,
    /// Last day in force.
    pub effective_to: Option<NaiveDate>,
    /// Per child.
    pub amount: Vnd,
    /// Months of contribution needed…
    pub min_months: u8,
    /// …within this many months before the birth.
    pub window_months: u8,
    /// Legal reference.
    pub legal_ref: String,
    /// Remark.
    pub note: Option<String>,
}

/// Household health insurance (BHYT hộ gia đình) prices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthInsuranceHousehold {
    /// First day in force.
    pub effective_from: NaiveDate,
    /// Last day in force.
    pub effective_to: Option<NaiveDate>,
    /// 450 = 4.5% of the reference level per month.
    pub rate_bp: u32,
    /// Share of the first member's price paid by the 1st, 2nd… member; the last entry repeats.
    pub ladder_bp: Vec<u32>,
    /// Allowed terms in months.
    pub terms_months: Vec<u8>,
    /// The most members one quote accepts (a bound on input, not a legal limit).
    pub max_members: u32,
    /// Legal reference.
    pub legal_ref: String,
    /// Remark.
    pub note: Option<String>,
}

policy_period!(
    ContributionRate,
    IncomeFloor,
    ReferenceLevel,
    NationalSupport,
    SupportCap,
    PaymentModeRules,
    LumpSumRate,
    LocalSupport,
    PensionFormula,
    MaternityGrant,
    HealthInsuranceHousehold
);
