//! The benefit estimate (ước tính quyền lợi): "at 62 you get about this pension". It is the
//! other half of the agent's argument at the door, next to the [`quote`](crate::quote::quote).
//!
//! It is an estimate in today's money, and says so: it assumes the planned income is the
//! average income over the whole career (the law revalues past incomes by prices, so in today's
//! money that is the honest simple assumption) and that the person pays every month from the
//! date of the estimate through the month the retirement age is reached. Every percentage, age
//! and amount comes from the [`Policy`]; the estimate lists the rows it used.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::calendar::{add_months, month_start};
use crate::entities::{PaymentMode, Sex};
use crate::money::Vnd;
use crate::policy::{Policy, PolicyPeriod, PolicySource};
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
    /// The monthly income the person plans to choose.
    pub planned_monthly_income: Vnd,
    /// The planned mode. Every month counts the same towards the pension, so only a
    /// missing-period lump sum (`MissingPeriod(t)`, paid at retirement) changes the estimate: it
    /// adds `t` months.
    pub mode: PaymentMode,
    /// Months paid in the 12 months before the date (for the maternity grant).
    #[serde(default)]
    pub months_paid_last_12: u32,
}

/// One thing the law offers to someone who reaches retirement age with fewer than 15 years.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ShortfallOption {
    /// Đóng một lần cho thời gian còn thiếu, then draw a pension (when at most 60 months short).
    PayMissingPeriod {
        /// Months to buy.
        months: u32,
        /// The lump sum at the planned income and today's r, if r is known.
        estimated_amount: Option<Vnd>,
    },
    /// Hưởng BHXH một lần: a lump-sum withdrawal.
    LumpSumWithdrawal {
        /// Withdrawal-rate × average income × years, before deducting the state support received.
        estimated_amount_before_support_deduction: Vnd,
    },
    /// Trợ cấp hằng tháng from one's own contributions, until the social pension age.
    MonthlyAllowance,
}

/// Pension or, below the minimum years, the alternatives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum PensionOutcome {
    /// Lương hưu hằng tháng.
    Pension {
        /// The pension percentage of the average income, basis points.
        percent_bp: u32,
        /// The estimated monthly pension in today's money.
        monthly_pension: Vnd,
        /// Whole years beyond those needed for the maximum percentage.
        years_beyond_max: u32,
        /// The one-off allowance for those years.
        lump_sum_for_years_beyond_max: Vnd,
    },
    /// Fewer years than the law requires for a pension.
    BelowMinimum {
        /// Months missing to reach the minimum.
        missing_months: u32,
        /// What the law offers instead.
        options: Vec<ShortfallOption>,
    },
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

/// The result of [`estimate_benefit`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BenefitEstimate {
    /// The date of the estimate.
    pub date: NaiveDate,
    /// The policy edition used.
    pub policy_version: String,
    /// Retirement age: whole years…
    pub retirement_age_years: u32,
    /// …and months.
    pub retirement_age_months: u32,
    /// The day the retirement age is reached.
    pub retirement_age_reached_on: NaiveDate,
    /// The pension starts the first day of the next month.
    pub pension_starts_on: NaiveDate,
    /// Months contributed by then.
    pub months_contributed_at_retirement: u32,
    /// Whole years of those months.
    pub years_contributed_at_retirement: u32,
    /// The average income assumed (the planned income).
    pub average_income_assumed: Vnd,
    /// Pension or alternatives.
    pub outcome: PensionOutcome,
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

fn bp_of(amount: Vnd, bp: u32, times: u32, per: u32) -> Vnd {
    let value = i128::from(amount.get()) * i128::from(bp) * i128::from(times);
    let den = 10_000i128 * i128::from(per.max(1));
    Vnd(i64::try_from((value + den / 2) / den).unwrap_or(i64::MAX))
}

/// Estimates the pension (or its alternatives) and the maternity grant.
///
/// Errors: a date of birth that makes the person younger than 15 on the date
/// (`date_of_birth_invalid`), a planned income outside the floor and ceiling or off the step,
/// a mode outside its limits, `months_paid_last_12` above 12 or above `months_contributed`
/// (`out_of_range`), and the policy errors of [`quote`](crate::quote::quote).
pub fn estimate_benefit(
    policy: &Policy,
    request: &BenefitRequest,
) -> Result<BenefitEstimate, QuoteError> {
    let date = request.date;
    if add_months(request.date_of_birth, 15 * 12) > date {
        return Err(QuoteError::DateOfBirth {
            date_of_birth: request.date_of_birth,
            date,
        });
    }
    let bounds = income_bounds(policy, date)?;
    check_income(&bounds, request.planned_monthly_income, date)?;
    check_mode(policy, request.mode, date)?;
    let rate = policy.contribution_rate_on(date)?;
    let formula = policy.pension_formula_on(date)?;
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

    let (age_months, reached) = policy.retirement_date(request.sex, request.date_of_birth);
    let pension_starts_on = add_months(month_start(reached), 1);
    let future = (months_index(reached) - months_index(date) + 1).max(0);
    let extra = match request.mode {
        PaymentMode::MissingPeriod(t) => u32::from(t),
        _ => 0,
    };
    let total = request
        .months_contributed
        .saturating_add(u32::try_from(future).unwrap_or(0))
        .saturating_add(extra);
    let years = total / 12;
    let mbq = request.planned_monthly_income;

    let mut sources = vec![
        policy.retirement_age.source(),
        formula.source("pension_formula"),
    ];

    let outcome = match formula.percent_bp(request.sex, years) {
        Some(percent_bp) => {
            let beyond = years.saturating_sub(formula.years_for_max(request.sex));
            PensionOutcome::Pension {
                percent_bp,
                monthly_pension: bp_of(mbq, percent_bp, 1, 1),
                years_beyond_max: beyond,
                lump_sum_for_years_beyond_max: bp_of(
                    mbq,
                    formula.excess_year_lump_sum_bp,
                    beyond,
                    1,
                ),
            }
        }
        None => {
            let missing = formula.min_years * 12 - total;
            let mode_rules = policy.payment_mode_on(date)?;
            let mut options = Vec::new();
            if missing <= u32::from(mode_rules.missing_period_max_months) {
                let gross = bp_of(mbq, rate.rate_bp, 1, 1);
                let estimated_amount = policy.lump_sum_rate_on(date).ok().map(|r| {
                    sources.push(r.source("lump_sum_rate"));
                    let months = vec![gross; usize::try_from(missing).unwrap_or(0)];
                    round_scaled(compounded_sum_scaled(&months, r.monthly_rate_ppm))
                });
                sources.push(mode_rules.source("payment_mode"));
                options.push(ShortfallOption::PayMissingPeriod {
                    months: missing,
                    estimated_amount,
                });
            }
            options.push(ShortfallOption::LumpSumWithdrawal {
                estimated_amount_before_support_deduction: bp_of(
                    mbq,
                    formula.withdrawal_per_year_bp,
                    total,
                    12,
                ),
            });
            options.push(ShortfallOption::MonthlyAllowance);
            PensionOutcome::BelowMinimum {
                missing_months: missing,
                options,
            }
        }
    };

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
        retirement_age_years: age_months / 12,
        retirement_age_months: age_months % 12,
        retirement_age_reached_on: reached,
        pension_starts_on,
        months_contributed_at_retirement: total,
        years_contributed_at_retirement: years,
        average_income_assumed: mbq,
        outcome,
        maternity,
        caveat: "Đây là ước tính theo giá trị tiền hôm nay, giả định đóng đều hằng tháng với mức thu nhập đã chọn đến khi đủ tuổi nghỉ hưu; số tiền thực nhận do cơ quan BHXH tính khi giải quyết chế độ.".to_owned(),
        sources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("valid test date")
    }

    fn estimate(
        sex: Sex,
        born: &str,
        months: u32,
        income: i64,
        mode: PaymentMode,
        last_12: u32,
    ) -> BenefitEstimate {
        let request = BenefitRequest {
            date: d("2026-03-15"),
            sex,
            date_of_birth: d(born),
            months_contributed: months,
            planned_monthly_income: Vnd(income),
            mode,
            months_paid_last_12: last_12,
        };
        estimate_benefit(Policy::embedded(), &request)
            .unwrap_or_else(|e| panic!("{request:?}: {e}"))
    }

    #[test]
    fn woman_born_1990_gets_a_pension_at_60() {
        // Decree 135/2020: women 60 from 2035. Paying from 3/2026 through 5/2050 = 291 months
        // = 24 years → 45% + 2% × 9 = 63% (Law 41/2024 Art. 99) of 1,500,000 = 945,000.
        let e = estimate(
            Sex::Female,
            "1990-05-10",
            0,
            1_500_000,
            PaymentMode::Monthly,
            0,
        );
        assert_eq!((e.retirement_age_years, e.retirement_age_months), (60, 0));
        assert_eq!(e.retirement_age_reached_on, d("2050-05-10"));
        assert_eq!(
            e.pension_starts_on,
            d("2050-06-01"),
            "the month after the age is reached"
        );
        assert_eq!(e.months_contributed_at_retirement, 291);
        assert_eq!(
            e.outcome,
            PensionOutcome::Pension {
                percent_bp: 6300,
                monthly_pension: Vnd(945_000),
                years_beyond_max: 0,
                lump_sum_for_years_beyond_max: Vnd::ZERO,
            }
        );
        assert!(e.caveat.contains("giá trị tiền hôm nay"));
    }

    #[test]
    fn man_born_1980_at_62() {
        // Men 62 from 2028: reached 20/1/2042; 120 + 191 months = 25 years → 45% + 2% × 5 = 55%.
        let e = estimate(
            Sex::Male,
            "1980-01-20",
            120,
            3_000_000,
            PaymentMode::Annual,
            0,
        );
        assert_eq!(e.retirement_age_reached_on, d("2042-01-20"));
        assert_eq!(e.years_contributed_at_retirement, 25);
        assert!(matches!(
            e.outcome,
            PensionOutcome::Pension {
                percent_bp: 5500,
                monthly_pension: Vnd(1_650_000),
                ..
            }
        ));
    }

    #[test]
    fn woman_beyond_the_cap_gets_the_excess_lump_sum() {
        // Born 1/1/1975: 59y8m in 2034 → 1/9/2034; 300 + 103 months = 33 years; women reach 75%
        // at 30 years, 3 years beyond pay 0.5 × 2,000,000 each (rules.md §4 [C]).
        let e = estimate(
            Sex::Female,
            "1975-01-01",
            300,
            2_000_000,
            PaymentMode::Monthly,
            0,
        );
        assert_eq!(e.retirement_age_reached_on, d("2034-09-01"));
        assert_eq!(
            e.outcome,
            PensionOutcome::Pension {
                percent_bp: 7500,
                monthly_pension: Vnd(1_500_000),
                years_beyond_max: 3,
                lump_sum_for_years_beyond_max: Vnd(3_000_000),
            }
        );
    }

    #[test]
    fn below_fifteen_years_lists_what_the_law_offers() {
        // Man born 15/3/1965 reaches 61y6m on 15/9/2026: 60 + 7 months = 67 < 180, 113 short
        // (more than the 60 a missing-period lump sum may buy).
        let e = estimate(
            Sex::Male,
            "1965-03-15",
            60,
            1_500_000,
            PaymentMode::Monthly,
            0,
        );
        assert_eq!(e.months_contributed_at_retirement, 67);
        assert_eq!(
            e.outcome,
            PensionOutcome::BelowMinimum {
                missing_months: 113,
                options: vec![
                    // 2 × 1,500,000 × 67 / 12 = 16,750,000 (Law 41/2024 Art. 102).
                    ShortfallOption::LumpSumWithdrawal {
                        estimated_amount_before_support_deduction: Vnd(16_750_000)
                    },
                    ShortfallOption::MonthlyAllowance,
                ],
            }
        );
        // 150 + 7 = 157 months: 23 short → the missing period can be bought:
        // 330,000 × Σ_{i=1..23} 1.0031^i = 7,878,872.483 9… → 7,878,872.
        let e = estimate(
            Sex::Male,
            "1965-03-15",
            150,
            1_500_000,
            PaymentMode::Monthly,
            0,
        );
        let PensionOutcome::BelowMinimum {
            missing_months,
            options,
        } = e.outcome
        else {
            panic!("157 months is below 15 years");
        };
        assert_eq!(missing_months, 23);
        assert_eq!(
            options[0],
            ShortfallOption::PayMissingPeriod {
                months: 23,
                estimated_amount: Some(Vnd(7_878_872))
            }
        );
        // Planning to pay those 23 months reaches exactly 15 years: men 40% (Art. 99).
        let e = estimate(
            Sex::Male,
            "1965-03-15",
            150,
            1_500_000,
            PaymentMode::MissingPeriod(23),
            0,
        );
        assert!(matches!(
            e.outcome,
            PensionOutcome::Pension {
                percent_bp: 4000,
                monthly_pension: Vnd(600_000),
                ..
            }
        ));
    }

    #[test]
    fn maternity_grant_needs_six_of_twelve_months() {
        let e = estimate(
            Sex::Female,
            "1998-02-02",
            20,
            1_500_000,
            PaymentMode::Monthly,
            6,
        );
        let m = e.maternity.expect("the grant exists from 1/7/2025");
        assert!(m.eligible_now);
        assert_eq!(m.amount_per_child, Vnd(2_000_000));
        let e = estimate(
            Sex::Female,
            "1998-02-02",
            2,
            1_500_000,
            PaymentMode::Monthly,
            2,
        );
        let m = e.maternity.expect("grant");
        assert!(!m.eligible_now);
        // Paying March–June brings 6 months: births from 1/7/2026.
        assert_eq!(m.eligible_for_births_from, d("2026-07-01"));
        // Before 1/7/2025 the voluntary scheme had no maternity benefit.
        let request = BenefitRequest {
            date: d("2025-06-30"),
            sex: Sex::Female,
            date_of_birth: d("1998-02-02"),
            months_contributed: 20,
            planned_monthly_income: Vnd(1_500_000),
            mode: PaymentMode::Monthly,
            months_paid_last_12: 6,
        };
        let err =
            estimate_benefit(Policy::embedded(), &request).expect_err("pension law of 2025-07");
        assert_eq!(err.code(), "policy_missing_for_date");
    }

    #[test]
    fn refuses_bad_input() {
        let mut request = BenefitRequest {
            date: d("2026-03-15"),
            sex: Sex::Female,
            date_of_birth: d("2015-01-01"),
            months_contributed: 0,
            planned_monthly_income: Vnd(1_500_000),
            mode: PaymentMode::Monthly,
            months_paid_last_12: 0,
        };
        let code = |r: &BenefitRequest| {
            estimate_benefit(Policy::embedded(), r)
                .map(|_| ())
                .map_err(|e| e.code())
        };
        assert_eq!(code(&request), Err("date_of_birth_invalid"));
        request.date_of_birth = d("1990-01-01");
        request.planned_monthly_income = Vnd(1_000_000);
        assert_eq!(code(&request), Err("income_below_floor"));
        request.planned_monthly_income = Vnd(1_500_000);
        request.months_paid_last_12 = 3;
        assert_eq!(
            code(&request),
            Err("out_of_range"),
            "3 paid months with 0 contributed"
        );
        request.months_contributed = 3;
        assert_eq!(code(&request), Ok(()));
    }

    fn percent(e: &BenefitEstimate) -> u32 {
        match e.outcome {
            PensionOutcome::Pension { percent_bp, .. } => percent_bp,
            PensionOutcome::BelowMinimum { .. } => 0,
        }
    }

    proptest::proptest! {
        #[test]
        fn more_months_never_lower_the_pension(
            born_days in 0i64..(60 * 365),
            months in 0u32..600,
            more in 1u32..120,
            female in proptest::bool::ANY,
        ) {
            let sex = if female { Sex::Female } else { Sex::Male };
            let mut request = BenefitRequest {
                date: d("2026-03-15"),
                sex,
                date_of_birth: d("1950-01-01") + chrono::Duration::days(born_days),
                months_contributed: months,
                planned_monthly_income: Vnd(2_000_000),
                mode: PaymentMode::Monthly,
                months_paid_last_12: 0,
            };
            let before = estimate_benefit(Policy::embedded(), &request);
            request.months_contributed += more;
            let after = estimate_benefit(Policy::embedded(), &request);
            let (before, after) = match (before, after) {
                (Ok(b), Ok(a)) => (b, a),
                // Everyone in range is at least 15 on the date, so nothing may be refused.
                (b, a) => return Err(proptest::test_runner::TestCaseError::fail(format!("{b:?} {a:?}"))),
            };
            proptest::prop_assert!(percent(&after) >= percent(&before));
            proptest::prop_assert!(after.pension_starts_on > after.retirement_age_reached_on);
        }
    }
}
