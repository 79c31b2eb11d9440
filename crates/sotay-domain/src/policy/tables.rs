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
            label: table_label_vi(table).to_owned(),
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicySource {
    /// The table in the policy file (`national_support`).
    pub table: String,
    /// What the table is, in Vietnamese ("Mức Nhà nước hỗ trợ"), for a reader who does not know
    /// the file's table names.
    #[serde(default)]
    pub label: String,
    /// First day of the row.
    pub effective_from: NaiveDate,
    /// Last day of the row, if it has ended.
    pub effective_to: Option<NaiveDate>,
    /// The legal reference.
    pub legal_ref: String,
    /// A "to confirm" note, if any.
    pub note: Option<String>,
}

/// What a table of the policy file is, in Vietnamese, as a reader of a quote or of the policy
/// page understands it (the file's table names are for the program).
pub fn table_label_vi(table: &str) -> &'static str {
    match table {
        "contribution_rate" => "Tỷ lệ đóng vào quỹ hưu trí và tử tuất",
        "income_floor" => "Mức thu nhập thấp nhất (chuẩn nghèo khu vực nông thôn)",
        "reference_level" => "Mức tham chiếu (lương cơ sở) và mức thu nhập cao nhất",
        "national_support" => "Mức Nhà nước hỗ trợ",
        "support_cap" => "Số tháng được Nhà nước hỗ trợ tối đa",
        "payment_mode" => "Phương thức đóng, thời hạn đóng, đóng một lần",
        "lump_sum_rate" => "Lãi suất tính khi đóng một lần",
        "local_support" => "Mức địa phương hỗ trợ thêm",
        "retirement_age" => "Tuổi nghỉ hưu",
        "transitional_retirement" => "Điều kiện nghỉ hưu chuyển tiếp",
        "pension_formula" => "Tỷ lệ hưởng lương hưu và BHXH một lần",
        "maternity_grant" => "Trợ cấp thai sản",
        "health_insurance_household" => "BHYT hộ gia đình",
        _ => "Dữ liệu chính sách",
    }
}

/// Declares a table's row type with what every dated row has: the days it is in force, its legal
/// reference and its note (the four fields of [`PolicyPeriod`], which it implements), around the
/// table's own fields. Rows refuse unknown keys, so a misspelt key in a policy file is an error.
macro_rules! policy_row {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $($(#[$field_meta:meta])* pub $field:ident: $ty:ty,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            /// First day in force.
            pub effective_from: NaiveDate,
            /// Last day in force.
            pub effective_to: Option<NaiveDate>,
            $($(#[$field_meta])* pub $field: $ty,)*
            /// Legal reference.
            pub legal_ref: String,
            /// A note on the row: what is still to confirm and how, when anything is.
            pub note: Option<String>,
        }

        impl PolicyPeriod for $name {
            fn effective_from(&self) -> NaiveDate { self.effective_from }
            fn effective_to(&self) -> Option<NaiveDate> { self.effective_to }
            fn legal_ref(&self) -> &str { &self.legal_ref }
            fn note(&self) -> Option<&str> { self.note.as_deref() }
        }
    };
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

policy_row! {
    /// Tỷ lệ đóng: the share of the chosen income that goes to the fund.
    pub struct ContributionRate {
        /// 2200 = 22%.
        pub rate_bp: u32,
    }
}

policy_row! {
    /// Mức thu nhập tối thiểu: the rural poverty line, also the base of every support.
    pub struct IncomeFloor {
        /// The poverty line.
        pub amount: Vnd,
        /// Incomes are chosen in steps of this amount.
        pub income_step: Vnd,
    }
}

policy_row! {
    /// Mức tham chiếu (lương cơ sở): sets the income ceiling and the health-insurance price.
    pub struct ReferenceLevel {
        /// The reference level.
        pub amount: Vnd,
        /// Ceiling of the chosen income = multiplier × amount.
        pub ceiling_multiplier: u32,
    }
}

policy_row! {
    /// Mức hỗ trợ của Nhà nước, per group.
    pub struct NationalSupport {
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
}

policy_row! {
    /// The number of months for which support is paid at most.
    pub struct SupportCap {
        /// 120.
        pub months: u16,
    }
}

policy_row! {
    /// Payment-mode rules: deadlines and lump-sum limits.
    pub struct PaymentModeRules {
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
    }
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

policy_row! {
    /// r: the fund's monthly average investment return of the previous year.
    pub struct LumpSumRate {
        /// Parts per million per month (3100 = 0.31%).
        pub monthly_rate_ppm: u32,
    }
}

policy_row! {
    /// A province's top-up (hỗ trợ thêm của địa phương), on the same base as the national support.
    pub struct LocalSupport {
        /// The 2-digit province code (2025 list).
        pub province_code: String,
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
            label: table_label_vi("retirement_age").to_owned(),
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

policy_row! {
    /// How the pension percentage grows with years of contribution.
    pub struct PensionFormula {
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
        /// Under one year paid, a withdrawal returns what was paid, at most this share of the
        /// average income (format 2; a format-1 edition prorates `withdrawal_per_year_bp`).
        #[serde(default)]
        pub withdrawal_under_one_year_max_bp: Option<u32>,
        /// How odd months count (format 2; a format-1 edition counts whole years only).
        #[serde(default)]
        pub odd_months: Option<OddMonthsRule>,
        /// The lower withdrawal rate of the early years (format 2; a format-1 edition has one rate).
        #[serde(default)]
        pub withdrawal_early_years: Option<WithdrawalEarlyYears>,
    }
}

/// Tháng lẻ: months beyond whole years count as half a year from `half_year_from` months and
/// as a full year from `full_year_from` months (1–6 and 7–11 in every law so far).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OddMonthsRule {
    /// Odd months from which half a year counts (1).
    pub half_year_from: u32,
    /// Odd months from which a full year counts (7).
    pub full_year_from: u32,
    /// Legal reference of the rule.
    pub legal_ref: String,
}

/// Years paid before `before` pay a lower withdrawal rate (1.5 times the average income per
/// year before 2014); their odd months are moved to the later years.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalEarlyYears {
    /// First day of the later, higher rate (2014-01-01).
    pub before: NaiveDate,
    /// Share of the average income per whole year paid before that day (15000 = 1.5 times).
    pub per_year_bp: u32,
}

/// How a lump-sum withdrawal was counted ([`PensionFormula::withdrawal`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithdrawalBreakdown {
    /// The amount, before deducting the state support received.
    pub amount: Vnd,
    /// Whole years paid before the higher rate, counted at the early rate.
    pub early_years: u32,
    /// Years counted at the later rate (odd months rounded to half or whole years), ×2.
    pub later_half_years: u32,
    /// Less than one year paid: what was paid is returned, up to the cap.
    pub under_one_year: bool,
}

/// `value × num / den`, rounded half up, for non-negative amounts.
fn share(value: i128, num: i128, den: i128) -> Vnd {
    Vnd(i64::try_from((value * num + den / 2) / den).unwrap_or(i64::MAX))
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

    /// The years `months` paid count for, in half years: whole years, plus half a year or a
    /// full year for the odd months by [`OddMonthsRule`] (whole years only without the rule).
    /// 19 years 4 months → 39 (19½ years); 19 years 8 months → 40 (20 years).
    pub fn counted_half_years(&self, months: u32) -> u32 {
        let whole = months / 12 * 2;
        let odd = months % 12;
        match &self.odd_months {
            Some(rule) if odd >= rule.full_year_from => whole + 2,
            Some(rule) if odd >= rule.half_year_from => whole + 1,
            _ => whole,
        }
    }

    /// The pension percentage (bp) for `half_years` counted (see
    /// [`counted_half_years`](Self::counted_half_years)): a half year adds half the step to the
    /// next whole year. `None` below the minimum years.
    pub fn percent_bp_for_half_years(&self, sex: Sex, half_years: u32) -> Option<u32> {
        let years = half_years / 2;
        let low = self.percent_bp(sex, years)?;
        if half_years.is_multiple_of(2) {
            return Some(low);
        }
        let high = self.percent_bp(sex, years + 1)?;
        Some((low + high) / 2)
    }

    /// The pension percentage (bp) for `months` actually paid: `None` below `min_years` whole
    /// years of months (the odd-months rule sets the rate, not the right to a pension).
    pub fn pension_percent_bp(&self, sex: Sex, months: u32) -> Option<u32> {
        if months < self.min_years.saturating_mul(12) {
            return None;
        }
        self.percent_bp_for_half_years(sex, self.counted_half_years(months))
    }

    /// The fewest half years that reach the cap.
    pub fn half_years_for_max(&self, sex: Sex) -> u32 {
        let first = self.min_years * 2;
        (first..=first + 200)
            .find(|h| self.percent_bp_for_half_years(sex, *h) == Some(self.max_bp))
            .unwrap_or(u32::MAX)
    }

    /// The one-off allowance for the years paid beyond those that reach the cap:
    /// `excess_year_lump_sum_bp` of `average` per year (half of it per half year). Returns the
    /// half years beyond the cap and the amount.
    pub fn beyond_max(&self, sex: Sex, months: u32, average: Vnd) -> (u32, Vnd) {
        if self.pension_percent_bp(sex, months).is_none() {
            return (0, Vnd::ZERO);
        }
        let beyond = self
            .counted_half_years(months)
            .saturating_sub(self.half_years_for_max(sex));
        let amount = share(
            i128::from(average.get()),
            i128::from(self.excess_year_lump_sum_bp) * i128::from(beyond),
            2 * 10_000,
        );
        (beyond, amount)
    }

    /// The lump-sum withdrawal (BHXH một lần) for `months` paid, `months_early` of them before
    /// the higher rate began, at `average` income: per whole early year the early rate (its odd
    /// months move to the later years), per later year (odd months by the rule) the later rate;
    /// under one year paid, what was paid (`contribution_rate_bp` of the average per month) up
    /// to the cap. A format-1 edition prorates the later rate by month, as it always did.
    pub fn withdrawal(
        &self,
        months: u32,
        months_early: u32,
        average: Vnd,
        contribution_rate_bp: u32,
    ) -> WithdrawalBreakdown {
        let average = i128::from(average.get());
        let (Some(under_cap), Some(early)) = (
            self.withdrawal_under_one_year_max_bp,
            self.withdrawal_early_years.as_ref(),
        ) else {
            return WithdrawalBreakdown {
                amount: share(
                    average,
                    i128::from(self.withdrawal_per_year_bp) * i128::from(months),
                    12 * 10_000,
                ),
                early_years: 0,
                later_half_years: months * 2 / 12,
                under_one_year: false,
            };
        };
        if months < 12 {
            let paid = share(
                average,
                i128::from(contribution_rate_bp) * i128::from(months),
                10_000,
            );
            let cap = share(average, i128::from(under_cap), 10_000);
            return WithdrawalBreakdown {
                amount: paid.min(cap),
                early_years: 0,
                later_half_years: 0,
                under_one_year: true,
            };
        }
        let months_early = months_early.min(months);
        let early_years = months_early / 12;
        let later_half_years = self.counted_half_years(months - early_years * 12);
        let amount = share(
            average,
            i128::from(early_years) * i128::from(early.per_year_bp) * 2
                + i128::from(later_half_years) * i128::from(self.withdrawal_per_year_bp),
            2 * 10_000,
        );
        WithdrawalBreakdown {
            amount,
            early_years,
            later_half_years,
            under_one_year: false,
        }
    }
}

policy_row! {
    /// Điều kiện nghỉ hưu chuyển tiếp: someone who first paid before `joined_before` and has at
    /// least `min_years` paid may retire at a fixed age, earlier than the roadmap.
    pub struct TransitionalRetirement {
        /// The first month paid must be before this day (2021-01-01).
        pub joined_before: NaiveDate,
        /// Whole years paid needed (20).
        pub min_years: u32,
        /// The age for men, whole years (60).
        pub male_age_years: u32,
        /// The age for women, whole years (55).
        pub female_age_years: u32,
    }
}

impl TransitionalRetirement {
    /// The age (in months) for `sex`.
    pub fn age_months(&self, sex: Sex) -> u32 {
        match sex {
            Sex::Male => self.male_age_years * 12,
            Sex::Female => self.female_age_years * 12,
        }
    }
}

policy_row! {
    /// The maternity grant for voluntary participants.
    pub struct MaternityGrant {
        /// Per child.
        pub amount: Vnd,
        /// Months of contribution needed…
        pub min_months: u8,
        /// …within this many months before the birth.
        pub window_months: u8,
    }
}

policy_row! {
    /// Household health insurance (BHYT hộ gia đình) prices.
    pub struct HealthInsuranceHousehold {
        /// 450 = 4.5% of the reference level per month.
        pub rate_bp: u32,
        /// Share of the first member's price paid by the 1st, 2nd… member; the last entry repeats.
        pub ladder_bp: Vec<u32>,
        /// Allowed terms in months.
        pub terms_months: Vec<u8>,
        /// The most members one quote accepts (a bound on input, not a legal limit).
        pub max_members: u32,
    }
}
