//! Policy data: every number the quote and the benefit estimate use (rates, income floor and
//! ceiling, support rates, provincial top-ups, deadlines, retirement ages…), each with its
//! effective dates and legal reference.
//!
//! Why data and not constants: the numbers change by decree, sometimes mid-year (7/2025, 7/2026,
//! 1/2027), and a province can add a top-up at any time. A change must be a data update that the
//! office publishes and devices receive by sync, never a code change. The edition shipped with
//! the binary is `policy/policy.toml` ([`Policy::embedded`]); [`Policy::from_toml_str`] loads a
//! published one. The loader refuses anything doubtful — unknown keys, overlapping or gapped
//! periods, a period that ends before it starts, an unknown province — with a message naming the
//! table and the dates, because a silently wrong policy is worse than none.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::admin_units;
use crate::entities::{PaymentMode, Sex, SupportGroup};
use crate::money::Vnd;
use crate::quote::QuoteError;

/// The policy file format this code reads. Bump it when the shape changes; a device that does
/// not know the new shape refuses the file instead of misreading it.
pub const POLICY_FORMAT_VERSION: u32 = 1;

/// The policy edition embedded in the binary.
const EMBEDDED_POLICY: &str = include_str!("../policy/policy.toml");

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

    fn all(&self) -> [u32; 5] {
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
    /// Pension formula.
    pub pension_formula: Vec<PensionFormula>,
    /// Maternity grant.
    pub maternity_grant: Vec<MaternityGrant>,
    /// Household health insurance.
    pub health_insurance_household: Vec<HealthInsuranceHousehold>,
}

fn invalid(message: String) -> QuoteError {
    QuoteError::PolicyData { message }
}

/// `dd/mm/yyyy`, the way dates are written in Vietnamese messages.
pub fn vn_date(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

fn period_text(from: NaiveDate, to: Option<NaiveDate>) -> String {
    match to {
        Some(to) => format!("{} – {}", vn_date(from), vn_date(to)),
        None => format!("{} – (chưa hết hiệu lực)", vn_date(from)),
    }
}

/// Checks that a table's rows each start before they end and do not overlap; with
/// `contiguous`, that each row starts the day after the previous one ends. Sorts the rows.
fn check_periods<T: PolicyPeriod>(
    table: &str,
    rows: &mut [T],
    contiguous: bool,
) -> Result<(), QuoteError> {
    for row in rows.iter() {
        if let Some(to) = row.effective_to()
            && to < row.effective_from()
        {
            return Err(invalid(format!(
                "bảng {table}: dòng {} kết thúc trước khi bắt đầu (effective_to < effective_from)",
                period_text(row.effective_from(), row.effective_to())
            )));
        }
        if row.legal_ref().trim().is_empty() {
            return Err(invalid(format!(
                "bảng {table}: dòng {} thiếu căn cứ pháp lý (legal_ref)",
                period_text(row.effective_from(), row.effective_to())
            )));
        }
    }
    rows.sort_by_key(PolicyPeriod::effective_from);
    for pair in rows.windows(2) {
        let (prev, next) = (&pair[0], &pair[1]);
        let prev_text = period_text(prev.effective_from(), prev.effective_to());
        let next_text = period_text(next.effective_from(), next.effective_to());
        let Some(prev_to) = prev.effective_to() else {
            return Err(invalid(format!(
                "bảng {table}: dòng {prev_text} chưa có ngày kết thúc nhưng dòng {next_text} bắt đầu sau nó (các kỳ chồng lên nhau)"
            )));
        };
        if next.effective_from() <= prev_to {
            return Err(invalid(format!(
                "bảng {table}: các kỳ chồng lên nhau: {prev_text} và {next_text}"
            )));
        }
        if contiguous && prev_to.succ_opt() != Some(next.effective_from()) {
            return Err(invalid(format!(
                "bảng {table}: có khoảng trống giữa {prev_text} và {next_text}; kỳ sau phải bắt đầu ngày {}",
                prev_to.succ_opt().map(vn_date).unwrap_or_default()
            )));
        }
    }
    Ok(())
}

fn check_required<T>(table: &str, rows: &[T]) -> Result<(), QuoteError> {
    if rows.is_empty() {
        return Err(invalid(format!("bảng {table} không có dòng nào")));
    }
    Ok(())
}

fn check_rates(table: &str, from: NaiveDate, rates: &[u32]) -> Result<(), QuoteError> {
    if let Some(bad) = rates.iter().find(|r| **r > 10_000) {
        return Err(invalid(format!(
            "bảng {table}: dòng từ {}: tỷ lệ {bad} điểm cơ bản vượt quá 10000 (100%)",
            vn_date(from)
        )));
    }
    Ok(())
}

fn check_roadmap(sex: &str, steps: &[RetirementAgeStep]) -> Result<(), QuoteError> {
    if steps.is_empty() {
        return Err(invalid(format!(
            "bảng retirement_age.{sex} không có dòng nào"
        )));
    }
    for pair in steps.windows(2) {
        if pair[1].year != pair[0].year + 1 {
            return Err(invalid(format!(
                "bảng retirement_age.{sex}: năm {} được theo sau bởi năm {} (phải liên tiếp, không trùng, không thiếu)",
                pair[0].year, pair[1].year
            )));
        }
        let step = pair[1].total_months().abs_diff(pair[0].total_months());
        if pair[1].total_months() < pair[0].total_months() || step > 11 {
            return Err(invalid(format!(
                "bảng retirement_age.{sex}: tuổi năm {} phải bằng hoặc cao hơn năm {} và tăng không quá 11 tháng mỗi năm",
                pair[1].year, pair[0].year
            )));
        }
    }
    if steps.iter().any(|s| s.months > 11) {
        return Err(invalid(format!(
            "bảng retirement_age.{sex}: số tháng phải từ 0 đến 11"
        )));
    }
    Ok(())
}

/// The 2-digit province codes of the 2025 list (from [`crate::admin_units`]).
pub fn province_codes() -> &'static BTreeSet<String> {
    static CODES: OnceLock<BTreeSet<String>> = OnceLock::new();
    CODES.get_or_init(|| {
        admin_units::provinces()
            .iter()
            .map(|p| p.code.to_owned())
            .collect()
    })
}

/// The name of a province of the 2025 list (`Thành phố Hà Nội`), if the code is known. The code
/// must match exactly (no surrounding spaces), like [`province_codes`].
pub fn province_name(code: &str) -> Option<&'static str> {
    admin_units::province(code)
        .filter(|p| p.code == code)
        .map(|p| p.name)
}

fn find<T: PolicyPeriod>(rows: &[T], date: NaiveDate) -> Option<&T> {
    rows.iter().find(|row| row.covers(date))
}

impl Policy {
    /// The edition shipped in the binary. Checked by a test, so it always loads.
    pub fn embedded() -> &'static Policy {
        static POLICY: OnceLock<Policy> = OnceLock::new();
        POLICY.get_or_init(|| match Policy::from_toml_str(EMBEDDED_POLICY) {
            Ok(policy) => policy,
            // The embedded file is checked by `embedded_policy_loads` in the tests; reaching this
            // would mean the binary was built from a broken data file, which CI prevents.
            Err(err) => panic!("embedded policy data is invalid: {err}"),
        })
    }

    /// The embedded policy file's text, for the office to publish as the first edition.
    pub fn embedded_toml() -> &'static str {
        EMBEDDED_POLICY
    }

    /// Reads and checks a policy edition.
    ///
    /// Errors (`policy_data_invalid`, `policy_format_unsupported`) name the table and the dates:
    /// a wrong format version, an unknown key, a missing table, a period that ends before it
    /// starts, overlapping periods, a gap in a national table, a rate above 100%, an unknown
    /// province code in a top-up, a broken retirement-age roadmap.
    pub fn from_toml_str(text: &str) -> Result<Policy, QuoteError> {
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            invalid(format!(
                "không đọc được tệp TOML: {}",
                e.to_string().trim_end()
            ))
        })?;
        match table
            .get("format_version")
            .and_then(toml::Value::as_integer)
        {
            Some(v) if v == i64::from(POLICY_FORMAT_VERSION) => {}
            Some(v) => {
                return Err(QuoteError::PolicyFormatUnsupported {
                    found: v,
                    supported: POLICY_FORMAT_VERSION,
                });
            }
            None => return Err(invalid("thiếu khoá format_version (số nguyên)".to_owned())),
        }
        let mut policy: Policy =
            toml::from_str(text).map_err(|e| invalid(e.to_string().trim_end().to_owned()))?;
        policy.check()?;
        Ok(policy)
    }

    fn check(&mut self) -> Result<(), QuoteError> {
        if edition_key(&self.version).is_none() {
            return Err(invalid(format!(
                "nhãn phiên bản (version) {:?} phải có dạng NĂM-THÁNG-NGÀY.SỐ, ví dụ 2026-11-23.1",
                self.version
            )));
        }
        check_required("contribution_rate", &self.contribution_rate)?;
        check_periods("contribution_rate", &mut self.contribution_rate, true)?;
        check_required("income_floor", &self.income_floor)?;
        check_periods("income_floor", &mut self.income_floor, true)?;
        check_required("reference_level", &self.reference_level)?;
        check_periods("reference_level", &mut self.reference_level, true)?;
        check_required("national_support", &self.national_support)?;
        check_periods("national_support", &mut self.national_support, true)?;
        check_required("support_cap", &self.support_cap)?;
        check_periods("support_cap", &mut self.support_cap, true)?;
        check_required("payment_mode", &self.payment_mode)?;
        check_periods("payment_mode", &mut self.payment_mode, true)?;
        check_periods("lump_sum_rate", &mut self.lump_sum_rate, true)?;
        check_required("pension_formula", &self.pension_formula)?;
        check_periods("pension_formula", &mut self.pension_formula, true)?;
        check_periods("maternity_grant", &mut self.maternity_grant, true)?;
        check_required(
            "health_insurance_household",
            &self.health_insurance_household,
        )?;
        check_periods(
            "health_insurance_household",
            &mut self.health_insurance_household,
            true,
        )?;

        for row in &self.contribution_rate {
            check_rates("contribution_rate", row.effective_from, &[row.rate_bp])?;
            if row.rate_bp == 0 {
                return Err(invalid(format!(
                    "bảng contribution_rate: dòng từ {}: tỷ lệ đóng phải lớn hơn 0",
                    vn_date(row.effective_from)
                )));
            }
        }
        for row in &self.income_floor {
            if row.amount.get() <= 0 || row.income_step.get() <= 0 {
                return Err(invalid(format!(
                    "bảng income_floor: dòng từ {}: mức tối thiểu và bước thu nhập phải lớn hơn 0",
                    vn_date(row.effective_from)
                )));
            }
        }
        for row in &self.reference_level {
            if row.amount.get() <= 0 || row.ceiling_multiplier == 0 {
                return Err(invalid(format!(
                    "bảng reference_level: dòng từ {}: mức tham chiếu và hệ số trần phải lớn hơn 0",
                    vn_date(row.effective_from)
                )));
            }
        }
        for row in &self.national_support {
            check_rates("national_support", row.effective_from, &row.rates().all())?;
        }
        for row in &self.health_insurance_household {
            check_rates(
                "health_insurance_household",
                row.effective_from,
                &row.ladder_bp,
            )?;
            check_rates(
                "health_insurance_household",
                row.effective_from,
                &[row.rate_bp],
            )?;
            if row.ladder_bp.is_empty() || row.terms_months.is_empty() {
                return Err(invalid(format!(
                    "bảng health_insurance_household: dòng từ {}: ladder_bp và terms_months không được rỗng",
                    vn_date(row.effective_from)
                )));
            }
        }
        for row in &self.pension_formula {
            let sorted = |steps: &[(u32, u32)]| {
                !steps.is_empty()
                    && steps
                        .windows(2)
                        .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1)
                    && steps[0].0 == row.min_years
            };
            if !sorted(&row.male_steps) || !sorted(&row.female_steps) {
                return Err(invalid(format!(
                    "bảng pension_formula: dòng từ {}: các bậc [số năm, tỷ lệ] phải bắt đầu ở min_years và tăng dần",
                    vn_date(row.effective_from)
                )));
            }
        }

        // Local top-ups: per province, no overlap; gaps are fine (no top-up in that period).
        let known = province_codes();
        let mut by_province: BTreeMap<String, Vec<LocalSupport>> = BTreeMap::new();
        for row in &self.local_support {
            if !known.contains(&row.province_code) {
                return Err(invalid(format!(
                    "bảng local_support: mã tỉnh \"{}\" không có trong danh mục đơn vị hành chính 2025",
                    row.province_code
                )));
            }
            check_rates("local_support", row.effective_from, &row.rates().all())?;
            by_province
                .entry(row.province_code.clone())
                .or_default()
                .push(row.clone());
        }
        for (code, rows) in &mut by_province {
            check_periods(&format!("local_support (tỉnh {code})"), rows, false)?;
        }
        self.local_support = by_province.into_values().flatten().collect();

        check_roadmap("male", &self.retirement_age.male)?;
        check_roadmap("female", &self.retirement_age.female)?;
        Ok(())
    }

    /// The first day the contribution tables cover: quotes before it are refused.
    pub fn first_day(&self) -> NaiveDate {
        [
            self.contribution_rate
                .first()
                .map(PolicyPeriod::effective_from),
            self.income_floor.first().map(PolicyPeriod::effective_from),
            self.reference_level
                .first()
                .map(PolicyPeriod::effective_from),
            self.national_support
                .first()
                .map(PolicyPeriod::effective_from),
            self.support_cap.first().map(PolicyPeriod::effective_from),
            self.payment_mode.first().map(PolicyPeriod::effective_from),
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(NaiveDate::MIN)
    }

    fn need<'a, T: PolicyPeriod>(
        &self,
        table: &'static str,
        rows: &'a [T],
        date: NaiveDate,
    ) -> Result<&'a T, QuoteError> {
        if date < self.first_day() {
            return Err(QuoteError::DateBeforePolicy {
                date,
                first_day: self.first_day(),
            });
        }
        find(rows, date).ok_or(QuoteError::PolicyMissingForDate { table, date })
    }

    /// The contribution rate on `date`.
    pub fn contribution_rate_on(&self, date: NaiveDate) -> Result<&ContributionRate, QuoteError> {
        self.need("contribution_rate", &self.contribution_rate, date)
    }

    /// The income floor on `date`.
    pub fn income_floor_on(&self, date: NaiveDate) -> Result<&IncomeFloor, QuoteError> {
        self.need("income_floor", &self.income_floor, date)
    }

    /// The reference level on `date`.
    pub fn reference_level_on(&self, date: NaiveDate) -> Result<&ReferenceLevel, QuoteError> {
        self.need("reference_level", &self.reference_level, date)
    }

    /// The national support rates on `date`.
    pub fn national_support_on(&self, date: NaiveDate) -> Result<&NationalSupport, QuoteError> {
        self.need("national_support", &self.national_support, date)
    }

    /// The support months cap on `date`.
    pub fn support_cap_on(&self, date: NaiveDate) -> Result<&SupportCap, QuoteError> {
        self.need("support_cap", &self.support_cap, date)
    }

    /// The payment-mode rules on `date`.
    pub fn payment_mode_on(&self, date: NaiveDate) -> Result<&PaymentModeRules, QuoteError> {
        self.need("payment_mode", &self.payment_mode, date)
    }

    /// The last day to pay the period that follows a participant's last paid month
    /// (`paid_to_month`, any day of it) in `mode`: the end of the period's deadline month
    /// ([`PaymentModeRules::deadline_month`]), by the rules in force when that period starts.
    /// Paying later suspends participation. Periods that start before the policy data (2022)
    /// take its earliest rules: the deadlines have not changed since Decree 134/2015.
    pub fn renewal_deadline(&self, mode: PaymentMode, paid_to_month: NaiveDate) -> NaiveDate {
        let next_period = month_start(add_months(month_start(paid_to_month), 1));
        match self
            .payment_mode_on(next_period)
            .ok()
            .or_else(|| self.payment_mode.first())
        {
            Some(rules) => rules.deadline(mode, next_period),
            // No payment-mode rules at all cannot pass `check`; month by month otherwise.
            None => month_end(next_period),
        }
    }

    /// r on `date` (only lump sums need it).
    pub fn lump_sum_rate_on(&self, date: NaiveDate) -> Result<&LumpSumRate, QuoteError> {
        find(&self.lump_sum_rate, date).ok_or(QuoteError::LumpSumRateMissing { date })
    }

    /// The top-up of `province_code` on `date`, if it has one. The code must be known.
    pub fn local_support_on(
        &self,
        province_code: &str,
        date: NaiveDate,
    ) -> Result<Option<&LocalSupport>, QuoteError> {
        if !province_codes().contains(province_code) {
            return Err(QuoteError::UnknownProvince {
                code: province_code.to_owned(),
            });
        }
        Ok(self
            .local_support
            .iter()
            .find(|row| row.province_code == province_code && row.covers(date)))
    }

    /// The pension formula on `date`.
    pub fn pension_formula_on(&self, date: NaiveDate) -> Result<&PensionFormula, QuoteError> {
        find(&self.pension_formula, date).ok_or(QuoteError::PolicyMissingForDate {
            table: "pension_formula",
            date,
        })
    }

    /// The maternity grant on `date`, if the law had one then.
    pub fn maternity_grant_on(&self, date: NaiveDate) -> Option<&MaternityGrant> {
        find(&self.maternity_grant, date)
    }

    /// Household health-insurance prices on `date`.
    pub fn health_insurance_on(
        &self,
        date: NaiveDate,
    ) -> Result<&HealthInsuranceHousehold, QuoteError> {
        self.need(
            "health_insurance_household",
            &self.health_insurance_household,
            date,
        )
    }

    /// The date on which someone born on `date_of_birth` reaches the retirement age of the
    /// roadmap. The required age depends on the year in which it is reached, so this finds the
    /// year `Y` where birth + age(Y) falls in `Y`. Such a year always exists and is unique because
    /// the age grows by less than a year per year (checked by the loader).
    pub fn retirement_date(&self, sex: Sex, date_of_birth: NaiveDate) -> (u32, NaiveDate) {
        let ages = &self.retirement_age;
        let start = date_of_birth.year() + 40;
        let mut last = (0, date_of_birth);
        for year in start..start + 40 {
            let age = ages.age_months_in_year(sex, year);
            let reached = add_months(date_of_birth, age);
            last = (age, reached);
            if reached.year() == year {
                return last;
            }
        }
        last
    }
}

/// An edition label `YYYY-MM-DD.N` (the day the edition was made and its number that day) as
/// something that sorts: (day, number), so `.10` follows `.9`. `None` for any other form.
fn edition_key(label: &str) -> Option<(NaiveDate, u32)> {
    let (day, n) = label.split_once('.')?;
    if day.len() != 10 || n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((
        NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?,
        n.parse().ok()?,
    ))
}

/// Whether edition label `a` is newer than `b` (labels as [`Policy::from_toml_str`] requires
/// them: `YYYY-MM-DD.N`). A label of another form is never newer, and any label is newer than one
/// of another form.
pub fn edition_is_newer(a: &str, b: &str) -> bool {
    match (edition_key(a), edition_key(b)) {
        (Some(a), Some(b)) => a > b,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// `date` plus `months` calendar months; the 29, 30 or 31 of a month that is too short becomes
/// its last day.
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(chrono::Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// The first day of `date`'s month.
pub fn month_start(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// The last day of `date`'s month.
pub fn month_end(date: NaiveDate) -> NaiveDate {
    add_months(month_start(date), 1)
        .pred_opt()
        .unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    #[test]
    fn edition_labels_compare_by_day_then_number() {
        assert!(edition_is_newer("2026-11-23.2", "2026-11-23.1"));
        assert!(edition_is_newer("2026-11-23.10", "2026-11-23.9"));
        assert!(edition_is_newer("2027-01-01.1", "2026-12-31.5"));
        assert!(!edition_is_newer("2026-11-23.1", "2026-11-23.1"));
        assert!(!edition_is_newer("2025-07-01.3", "2026-11-23.1"));
        assert!(
            !edition_is_newer("v2", "2026-11-23.1"),
            "a stray label is never newer"
        );
        assert!(!edition_is_newer("2026-2-1.1", "2026-11-23.1"));
        assert!(edition_is_newer("2026-11-23.1", "v2"));
        let text = Policy::embedded_toml().replacen(
            &format!("version = \"{}\"", Policy::embedded().version),
            "version = \"v2\"",
            1,
        );
        assert!(
            Policy::from_toml_str(&text).is_err(),
            "a file whose label is not YYYY-MM-DD.N is refused"
        );
    }

    /// Luật 41/2024 Điều 36.3 (rules.md §3): monthly — within the month; 3-monthly — within the
    /// 3 months; 6-monthly — within the first 4 months; 12-monthly — within the first 7 months.
    /// Paid through March 2026, the next period starts on 1/4/2026.
    #[test]
    fn renewal_deadlines_follow_law_41_article_36() {
        let policy = Policy::embedded();
        for (mode, deadline) in [
            (PaymentMode::Monthly, d(2026, 4, 30)),
            (PaymentMode::Quarterly, d(2026, 6, 30)),
            (PaymentMode::SemiAnnual, d(2026, 7, 31)),
            (PaymentMode::Annual, d(2026, 10, 31)),
            // After a lump sum, month by month.
            (PaymentMode::YearsAhead(2), d(2026, 4, 30)),
            (PaymentMode::MissingPeriod(12), d(2026, 4, 30)),
        ] {
            for paid_to in [d(2026, 3, 1), d(2026, 3, 31)] {
                assert_eq!(policy.renewal_deadline(mode, paid_to), deadline, "{mode:?}");
            }
        }
        // Paid through January of a leap year: monthly, due by 29/2.
        assert_eq!(
            policy.renewal_deadline(PaymentMode::Monthly, d(2028, 1, 15)),
            d(2028, 2, 29)
        );
        // A 12-month period starting in September runs into the next year: due by 31/3.
        assert_eq!(
            policy.renewal_deadline(PaymentMode::Annual, d(2026, 8, 1)),
            d(2027, 3, 31)
        );
        // Either side of the 1/7/2025 change of law, and before the data (2016 rules): same.
        assert_eq!(
            policy.renewal_deadline(PaymentMode::SemiAnnual, d(2025, 5, 1)),
            d(2025, 9, 30)
        );
        assert_eq!(
            policy.renewal_deadline(PaymentMode::SemiAnnual, d(2025, 6, 1)),
            d(2025, 10, 31)
        );
        assert_eq!(
            policy.renewal_deadline(PaymentMode::Quarterly, d(2019, 12, 1)),
            d(2020, 3, 31)
        );
    }

    #[test]
    fn embedded_policy_loads() {
        let policy = Policy::from_toml_str(EMBEDDED_POLICY).expect("the embedded data is valid");
        assert_eq!(policy.format_version, 1);
        assert_eq!(
            policy.first_day(),
            d(2022, 1, 1),
            "the contribution tables start with Decree 07/2021's poverty line"
        );
    }

    #[test]
    fn province_codes_come_from_the_2025_list() {
        let codes = province_codes();
        assert_eq!(codes.len(), 34, "34 provinces since 1/7/2025");
        assert!(codes.contains("01") && codes.contains("24") && codes.contains("96"));
        assert_eq!(province_name("24"), Some("Tỉnh Bắc Ninh"));
        assert_eq!(province_name("99"), None, "not a 2025 province");
        assert_eq!(
            province_name(" 24"),
            None,
            "codes match exactly, as in province_codes"
        );
        for code in codes {
            assert!(
                province_name(code).is_some_and(|n| !n.is_empty()),
                "{code} has a name"
            );
        }
    }

    fn replace(from: &str, to: &str) -> String {
        assert!(
            EMBEDDED_POLICY.contains(from),
            "fixture text {from:?} present"
        );
        EMBEDDED_POLICY.replacen(from, to, 1)
    }

    fn load_error(text: &str) -> String {
        match Policy::from_toml_str(text) {
            Ok(_) => String::from("<loaded>"),
            Err(err) => format!("{}: {err}", err.code()),
        }
    }

    #[test]
    fn refuses_overlapping_periods() {
        // The first reference-level row now ends after the second starts.
        let text = replace(
            "effective_to = \"2023-06-30\"\namount = 1490000",
            "effective_to = \"2023-07-31\"\namount = 1490000",
        );
        let err = load_error(&text);
        assert!(
            err.starts_with("policy_data_invalid")
                && err.contains("reference_level")
                && err.contains("chồng lên nhau")
                && err.contains("01/01/2022 – 31/07/2023")
                && err.contains("01/07/2023 – 30/06/2024"),
            "overlap names table and both periods: {err}"
        );
    }

    #[test]
    fn refuses_gaps() {
        let text = replace(
            "effective_to = \"2023-06-30\"\namount = 1490000",
            "effective_to = \"2023-05-31\"\namount = 1490000",
        );
        let err = load_error(&text);
        assert!(
            err.contains("khoảng trống")
                && err.contains("reference_level")
                && err.contains("01/06/2023"),
            "gap names the table and the first uncovered day: {err}"
        );
    }

    #[test]
    fn refuses_unknown_keys() {
        let text = replace("rate_bp = 2200\n", "rate_bp = 2200\nrate_pct = 22\n");
        let err = load_error(&text);
        assert!(
            err.starts_with("policy_data_invalid") && err.contains("rate_pct"),
            "the unknown key is named: {err}"
        );
        let text = replace(
            "poor_bp = 5000\nnear_poor_bp = 4000",
            "poor_bp = 5000\nnear_poor_bp = 4000\nfarmer_bp = 1",
        );
        let err = load_error(&text);
        assert!(err.contains("farmer_bp"), "unknown group key named: {err}");
    }

    #[test]
    fn refuses_a_period_that_ends_before_it_starts() {
        let text = replace(
            "effective_from = \"2022-01-01\"\neffective_to = \"2026-12-31\"",
            "effective_from = \"2022-01-01\"\neffective_to = \"2021-12-31\"",
        );
        let err = load_error(&text);
        assert!(
            err.contains("income_floor") && err.contains("kết thúc trước khi bắt đầu"),
            "order error names the table: {err}"
        );
    }

    #[test]
    fn refuses_other_format_versions_and_unknown_provinces() {
        let err = load_error(&replace("format_version = 1", "format_version = 2"));
        assert!(
            err.starts_with("policy_format_unsupported") && err.contains('2'),
            "{err}"
        );
        let err = load_error(&replace("province_code = \"01\"", "province_code = \"99\""));
        assert!(err.contains("\"99\""), "unknown province named: {err}");
        let err = load_error(&replace("{ year = 2023, years = 60, months = 9 },\n", ""));
        assert!(err.contains("retirement_age.male"), "{err}");
    }

    #[test]
    fn retirement_dates_follow_the_roadmap() {
        let policy = Policy::embedded();
        // Decree 135/2020 Art. 4: a man born 15/3/1965 reaches 61y6m on 15/9/2026 (2026 row).
        assert_eq!(
            policy.retirement_date(Sex::Male, d(1965, 3, 15)),
            (61 * 12 + 6, d(2026, 9, 15))
        );
        // A woman born 10/5/1970 reaches 57y4m? 57y4m in 2027 → 10/9/2027 (2027 row).
        assert_eq!(
            policy.retirement_date(Sex::Female, d(1970, 5, 10)),
            (57 * 12 + 4, d(2027, 9, 10))
        );
        // Born 1990: past the roadmap, 62 and 60.
        assert_eq!(
            policy.retirement_date(Sex::Male, d(1990, 1, 31)),
            (62 * 12, d(2052, 1, 31))
        );
        assert_eq!(
            policy.retirement_date(Sex::Female, d(1990, 1, 31)),
            (60 * 12, d(2050, 1, 31))
        );
    }

    #[test]
    fn month_helpers() {
        assert_eq!(month_end(d(2026, 2, 10)), d(2026, 2, 28));
        assert_eq!(month_end(d(2028, 2, 1)), d(2028, 2, 29));
        assert_eq!(add_months(d(2026, 1, 31), 1), d(2026, 2, 28));
    }
}
