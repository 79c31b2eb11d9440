//! The benefit estimate (ước tính quyền lợi): "at 62 you get about this pension". It is the
//! other half of the agent's argument at the door, next to the [`quote`](crate::quote::quote).
//!
//! It is an estimate in today's money, and says so: it assumes the planned income is the
//! average income over the whole career (the law revalues past incomes by prices each year, so
//! in today's money that is the honest simple assumption, without the yearly revaluation) and,
//! with `keep_paying`, that the person pays every month from the date of the estimate through
//! the month the retirement age is reached. Every percentage, age and amount comes from the
//! [`Policy`] in force on the date; the estimate lists the rows it used.
//!
//! Rules applied (rules.md §4 and issue 11):
//! - retirement at the roadmap age, or earlier by the transitional condition (first month paid
//!   before its `joined_before` and its minimum years paid by its age) when the first month is
//!   known;
//! - a pension needs `min_years` of months actually paid; the rate counts odd months as half a
//!   year (1–6) or a full year (7–11), a half year adding half a step;
//! - short of the minimum: the months missing and, within the limit in force, what buying them
//!   at once would cost (no state support, compounded at r);
//! - always the lump-sum alternative: 1.5 times the average income per whole year before 2014,
//!   2 times per year after (odd months carried over and counted by the rule), and under one
//!   year what was paid, at most 2 times.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::calendar::{add_months, month_start};
use crate::entities::{PaymentMode, Sex};
use crate::money::Vnd;
use crate::policy::{Policy, PolicyPeriod, PolicySource, WithdrawalBreakdown};
use crate::quote::{
    QuoteError, check_income, check_mode, compounded_sum_scaled, income_bounds, round_scaled,
};

/// What to estimate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BenefitRequest {
    /// Today (Asia/Ho_Chi_Minh): the law and the money of this date.
    pub date: NaiveDate,
    /// Sex, which sets the retirement age and the pension ladder.
    pub sex: Sex,
    /// Date of birth.
    pub date_of_birth: NaiveDate,
    /// Months of contribution already recorded (compulsory and voluntary).
    pub months_contributed: u32,
    /// The first month ever paid (any day of it), when known: it decides the transitional
    /// retirement condition and how many years count at the pre-2014 withdrawal rate (assuming
    /// the months were paid without a break from it).
    #[serde(default)]
    pub first_month: Option<NaiveDate>,
    /// The monthly income the person plans to choose, taken as the career average.
    pub planned_monthly_income: Vnd,
    /// Whether the person goes on paying every month until retirement (otherwise the months
    /// already paid are all that count).
    #[serde(default)]
    pub keep_paying: bool,
    /// The planned mode. Every month counts the same towards the pension, so only a
    /// missing-period lump sum (`MissingPeriod(t)`, paid at retirement) changes the estimate: it
    /// adds `t` months.
    pub mode: PaymentMode,
    /// Months paid in the 12 months before the date (for the maternity grant).
    #[serde(default)]
    pub months_paid_last_12: u32,
}

/// A percentage held in basis points, written in JSON as a number of percent (`54.5`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Percent(pub u32);

impl Serialize for Percent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_fraction(self.0, 100.0, serializer)
    }
}

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_fraction(deserializer, 100.0, "percent out of range").map(Percent)
    }
}

/// Years held as half years, written in JSON as a number of years (`19.5`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct HalfYears(pub u32);

impl Serialize for HalfYears {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_fraction(self.0, 2.0, serializer)
    }
}

impl<'de> Deserialize<'de> for HalfYears {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_fraction(deserializer, 2.0, "years out of range").map(HalfYears)
    }
}

/// Writes a count of `1/per_unit` parts as a JSON number of units (`54.5`, `19.5`).
fn serialize_fraction<S: Serializer>(
    parts: u32,
    per_unit: f64,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(f64::from(parts) / per_unit)
}

/// Reads a JSON number of units as the nearest count of `1/per_unit` parts; a count outside
/// `u32` is refused with `out_of_range`.
fn deserialize_fraction<'de, D: Deserializer<'de>>(
    deserializer: D,
    per_unit: f64,
    out_of_range: &'static str,
) -> Result<u32, D::Error> {
    let value = f64::deserialize(deserializer)?;
    let parts = (value * per_unit).round();
    if !(0.0..=f64::from(u32::MAX)).contains(&parts) {
        return Err(serde::de::Error::custom(out_of_range));
    }
    // In range by the check above.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(parts as u32)
}

/// Which rule set the retirement age.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetirementRule {
    /// The roadmap age (lộ trình tuổi nghỉ hưu).
    Normal,
    /// The transitional condition (joined early, enough years): an earlier, fixed age.
    Transitional,
}

/// Buying the missing months at once (đóng một lần cho thời gian còn thiếu).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingPeriodOption {
    /// Months to buy.
    pub months: u32,
    /// What it costs at the planned income and today's r (no state support); `None` when r is
    /// not known for the date.
    pub cost: Option<Vnd>,
    /// r used, parts per million per month.
    pub lump_sum_rate_ppm: Option<u32>,
}

/// Whether a birth would earn the maternity grant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaternityEligibility {
    /// The grant per child.
    pub amount_per_child: Vnd,
    /// Eligible for a birth on the date of the estimate.
    pub eligible_now: bool,
    /// First day a birth qualifies if the person pays every month from the date's month on
    /// (assuming the months already paid in the last 12 are the most recent ones).
    pub eligible_for_births_from: NaiveDate,
}

/// The result of [`estimate_benefit`]: plain fields, so the app's screen and
/// `sotay-office estimate --json` show the same thing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BenefitEstimate {
    /// The date of the estimate.
    pub date: NaiveDate,
    /// The policy edition used.
    pub policy_version: String,
    /// The roadmap age or the transitional one.
    pub retirement_rule: RetirementRule,
    /// Retirement age: whole years…
    pub retirement_age_years: u32,
    /// …and months.
    pub retirement_age_months: u32,
    /// The day the retirement age is reached.
    pub retirement_date: NaiveDate,
    /// The pension starts the first day of the next month.
    pub pension_starts_on: NaiveDate,
    /// Months paid by then.
    pub months_at_retirement: u32,
    /// The years those months count for the rate (odd months as half or whole years).
    pub years_counted: HalfYears,
    /// The pension rate, percent of the average income; `None` short of the minimum years.
    pub pension_rate_percent: Option<Percent>,
    /// The monthly pension at today's income, without the yearly revaluation.
    pub monthly_pension: Option<Vnd>,
    /// Years beyond those that reach the maximum rate.
    pub years_beyond_max: HalfYears,
    /// The one-off allowance for those years (0.5 times the average income per year).
    pub lump_sum_beyond_max: Vnd,
    /// Months missing to reach the minimum years (0 with a pension).
    pub months_missing: u32,
    /// Buying the missing months at once, when the law allows that many.
    pub missing_period: Option<MissingPeriodOption>,
    /// The lump-sum alternative (BHXH một lần) for the months at retirement, before deducting
    /// the state support received.
    pub lump_sum: Vnd,
    /// How the lump sum was counted.
    pub lump_sum_detail: WithdrawalBreakdown,
    /// The average income assumed (the planned income).
    pub average_income_assumed: Vnd,
    /// Whether the estimate assumes paying every month until retirement.
    pub keep_paying: bool,
    /// The maternity grant, where the law has one on the date.
    pub maternity: Option<MaternityEligibility>,
    /// The caveat a collector must say aloud.
    pub caveat: String,
    /// Policy rows used.
    pub sources: Vec<PolicySource>,
}

fn months_index(date: NaiveDate) -> i64 {
    i64::from(date.year()) * 12 + i64::from(date.month0())
}

/// Months from the month of `from` to the month of `to`, inclusive of both; 0 when `to` is
/// before `from`.
fn months_between_inclusive(from: NaiveDate, to: NaiveDate) -> u32 {
    u32::try_from((months_index(to) - months_index(from) + 1).max(0)).unwrap_or(u32::MAX)
}

fn bp_of(amount: Vnd, bp: u32) -> Vnd {
    let value = i128::from(amount.get()) * i128::from(bp);
    Vnd(i64::try_from((value + 5_000) / 10_000).unwrap_or(i64::MAX))
}

/// Estimates the retirement date, the pension (or the missing months and their price), the
/// lump-sum alternative and the maternity grant.
///
/// Errors: a date of birth that makes the person younger than 15 on the date
/// (`date_of_birth_invalid`), a first month before the person turned 15 or after the date
/// (`first_month_invalid`), more months paid than months since then (`out_of_range`), a
/// planned income outside the floor and ceiling or off the step, a mode outside its limits,
/// `months_paid_last_12` above 12 or above `months_contributed` (`out_of_range`), and the
/// policy errors of [`quote`](crate::quote::quote).
pub fn estimate_benefit(
    policy: &Policy,
    request: &BenefitRequest,
) -> Result<BenefitEstimate, QuoteError> {
    let date = request.date;
    let turned_15 = add_months(request.date_of_birth, 15 * 12);
    if turned_15 > date {
        return Err(QuoteError::DateOfBirth {
            date_of_birth: request.date_of_birth,
            date,
        });
    }
    let first_month = request.first_month.map(month_start);
    let earliest = first_month.unwrap_or(turned_15);
    if let Some(first) = first_month
        && (first < month_start(turned_15) || first > date)
    {
        return Err(QuoteError::FirstMonth {
            first_month: first,
            earliest: month_start(turned_15),
            date,
        });
    }
    let possible = months_between_inclusive(earliest, date);
    if request.months_contributed > possible {
        return Err(QuoteError::OutOfRange {
            field: "months_contributed".to_owned(),
            value: i64::from(request.months_contributed),
            min: 0,
            max: i64::from(possible),
        });
    }
    let bounds = income_bounds(policy, date)?;
    check_income(&bounds, request.planned_monthly_income, date)?;
    check_mode(policy, request.mode, date)?;
    let rate = policy.contribution_rate_on(date)?;
    let formula = policy.pension_formula_on(date)?;
    let mode_rules = policy.payment_mode_on(date)?;
    let maternity_row = policy.maternity_grant_on(date);
    let window = maternity_row.map_or(12, |m| u32::from(m.window_months));
    let paid_max = window.min(request.months_contributed);
    if request.months_paid_last_12 > paid_max {
        return Err(QuoteError::OutOfRange {
            field: "months_paid_last_12".to_owned(),
            value: i64::from(request.months_paid_last_12),
            min: 0,
            max: i64::from(paid_max),
        });
    }

    let extra = match request.mode {
        PaymentMode::MissingPeriod(t) => u32::from(t),
        _ => 0,
    };
    // Months paid by the month of `day`: those recorded, plus (when paying on) every month
    // from the date's month through that one.
    let months_by = |day: NaiveDate| {
        let future = if request.keep_paying {
            months_between_inclusive(date, day)
        } else {
            0
        };
        request
            .months_contributed
            .saturating_add(future)
            .saturating_add(extra)
    };

    let mut sources = vec![
        policy.retirement_age.source(),
        formula.source("pension_formula"),
    ];
    let (mut age_months, mut reached) = policy.retirement_date(request.sex, request.date_of_birth);
    let mut retirement_rule = RetirementRule::Normal;
    if let (Some(first), Some(rule)) = (first_month, policy.transitional_retirement_on(date))
        && first < rule.joined_before
    {
        let age = rule.age_months(request.sex);
        let day = add_months(request.date_of_birth, age);
        if day < reached && months_by(day) >= rule.min_years.saturating_mul(12) {
            (age_months, reached) = (age, day);
            retirement_rule = RetirementRule::Transitional;
            sources.push(rule.source("transitional_retirement"));
        }
    }
    let pension_starts_on = add_months(month_start(reached), 1);
    let total = months_by(reached);
    let mbq = request.planned_monthly_income;

    let percent = formula.pension_percent_bp(request.sex, total);
    let (beyond, beyond_amount) = formula.beyond_max(request.sex, total, mbq);
    let months_missing = formula.min_years.saturating_mul(12).saturating_sub(total);
    let missing_period = if months_missing > 0
        && months_missing <= u32::from(mode_rules.missing_period_max_months)
    {
        sources.push(mode_rules.source("payment_mode"));
        let gross = bp_of(mbq, rate.rate_bp);
        let r = policy.lump_sum_rate_on(date).ok();
        let cost = r.map(|r| {
            sources.push(r.source("lump_sum_rate"));
            let months = vec![gross; usize::try_from(months_missing).unwrap_or(0)];
            round_scaled(compounded_sum_scaled(&months, r.monthly_rate_ppm))
        });
        Some(MissingPeriodOption {
            months: months_missing,
            cost,
            lump_sum_rate_ppm: r.map(|r| r.monthly_rate_ppm),
        })
    } else {
        None
    };
    let months_early = match (first_month, formula.withdrawal_early_years.as_ref()) {
        (Some(first), Some(early)) if first < early.before => {
            months_between_inclusive(first, early.before) - 1
        }
        _ => 0,
    };
    let withdrawal = formula.withdrawal(total, months_early, mbq, rate.rate_bp);
    if withdrawal.under_one_year {
        sources.push(rate.source("contribution_rate"));
    }

    let maternity = maternity_row.map(|grant| {
        sources.push(grant.source("maternity_grant"));
        let min = u32::from(grant.min_months);
        let eligible_now = request.months_paid_last_12 >= min;
        let eligible_for_births_from = if eligible_now {
            date
        } else {
            add_months(month_start(date), min - request.months_paid_last_12)
        };
        MaternityEligibility {
            amount_per_child: grant.amount,
            eligible_now,
            eligible_for_births_from,
        }
    });

    Ok(BenefitEstimate {
        date,
        policy_version: policy.version.clone(),
        retirement_rule,
        retirement_age_years: age_months / 12,
        retirement_age_months: age_months % 12,
        retirement_date: reached,
        pension_starts_on,
        months_at_retirement: total,
        years_counted: HalfYears(formula.counted_half_years(total)),
        pension_rate_percent: percent.map(Percent),
        monthly_pension: percent.map(|bp| bp_of(mbq, bp)),
        years_beyond_max: HalfYears(beyond),
        lump_sum_beyond_max: beyond_amount,
        months_missing,
        missing_period,
        lump_sum: withdrawal.amount,
        lump_sum_detail: withdrawal,
        average_income_assumed: mbq,
        keep_paying: request.keep_paying,
        maternity,
        caveat: "Đây là ước tính theo giá trị tiền hôm nay: lấy mức thu nhập đã chọn làm thu nhập bình quân cả quá trình, chưa tính điều chỉnh (trượt giá) hằng năm; số tiền thực nhận do cơ quan BHXH tính khi giải quyết chế độ.".to_owned(),
        sources,
    })
}

#[cfg(test)]
mod tests;
