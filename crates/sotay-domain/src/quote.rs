//! The contribution quote (báo giá mức đóng BHXH tự nguyện): what a participant pays for a
//! period, after the state's and the province's support, and by when.
//!
//! This is the one implementation: the field app, the office API (`POST /api/v1/quote`) and the
//! office command line all call [`quote`]; nothing else computes a quote. Every number comes
//! from the [`Policy`] in force on the quote's date, and the quote lists the policy rows (with
//! their legal references and "to confirm" notes) it used. A period already paid keeps the
//! quote it was made with; a later policy never re-prices it.
//!
//! Arithmetic is in whole đồng with integer rates (basis points, parts per million), so the
//! result is exact to the đồng on every platform:
//! - gross = income × rate; support = group rate × contribution rate × poverty line. Both are
//!   exact for the incomes allowed (multiples of the 50,000 step); if a policy ever made them
//!   inexact, they round half up to the đồng.
//! - Lump sums discount (years ahead) or compound (missing period) month by month at r. Each
//!   month's factor is kept as a fixed-point integer with 18 decimals (truncated at each step,
//!   an error below 10⁻⁸ đồng over 60 months); the sum is rounded half up to the đồng once, at
//!   the end.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{add_months, month_end, month_start, vn_date};
use crate::entities::{PaymentMode, SupportGroup};
use crate::money::Vnd;
use crate::policy::{LocalSupport, Policy, PolicyError, PolicyPeriod, PolicySource, province_name};

/// Why a quote (or a benefit estimate, a health-insurance quote) was refused.
/// [`QuoteError::code`] is the stable code the UI and HTTP clients decide on; the `Display` text
/// is the Vietnamese message for the user, naming the allowed range where there is one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QuoteError {
    /// The policy data refused the request or has no answer for its date (the policy's own
    /// code and message pass through).
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The chosen income is below the floor.
    #[error(
        "Mức thu nhập {income} thấp hơn mức tối thiểu (chuẩn nghèo nông thôn) áp dụng ngày {}. Hãy chọn từ {floor} đến {ceiling}.",
        vn_date(*date)
    )]
    IncomeBelowFloor {
        /// The income asked for.
        income: Vnd,
        /// The floor on the date.
        floor: Vnd,
        /// The ceiling on the date.
        ceiling: Vnd,
        /// The date.
        date: NaiveDate,
    },
    /// The chosen income is above the ceiling.
    #[error(
        "Mức thu nhập {income} cao hơn mức tối đa (20 lần mức tham chiếu) áp dụng ngày {}. Hãy chọn từ {floor} đến {ceiling}.",
        vn_date(*date)
    )]
    IncomeAboveCeiling {
        /// The income asked for.
        income: Vnd,
        /// The floor on the date.
        floor: Vnd,
        /// The ceiling on the date.
        ceiling: Vnd,
        /// The date.
        date: NaiveDate,
    },
    /// The chosen income is not a whole number of steps.
    #[error("Mức thu nhập {income} phải là bội số của {step}. Hãy chọn {below} hoặc {above}.")]
    IncomeStep {
        /// The income asked for.
        income: Vnd,
        /// The step.
        step: Vnd,
        /// The nearest allowed income below.
        below: Vnd,
        /// The nearest allowed income above.
        above: Vnd,
    },
    /// Paying ahead for 0 or too many years.
    #[error("Chỉ được đóng trước từ 1 đến {max} năm; đã chọn {years} năm.")]
    YearsAheadOutOfRange {
        /// Years asked for.
        years: u32,
        /// The maximum.
        max: u8,
    },
    /// A missing period of 0 or too many months.
    #[error(
        "Đóng một lần cho thời gian còn thiếu chỉ được từ 1 đến {max} tháng; đã chọn {months} tháng."
    )]
    MissingPeriodOutOfRange {
        /// Months asked for.
        months: u32,
        /// The maximum.
        max: u16,
    },
    /// More supported months used than the cap allows.
    #[error(
        "Số tháng đã được hỗ trợ ({used}) vượt quá số tháng hỗ trợ tối đa ({cap}). Hãy nhập từ 0 đến {cap}."
    )]
    SupportedMonthsOutOfRange {
        /// Months given.
        used: u32,
        /// The cap.
        cap: u16,
    },
    /// A number is outside its range.
    #[error("{field} = {value} nằm ngoài khoảng cho phép {min}–{max}.")]
    OutOfRange {
        /// The field.
        field: String,
        /// The value given.
        value: i64,
        /// The minimum.
        min: i64,
        /// The maximum.
        max: i64,
    },
    /// The date of birth is impossible for the request.
    #[error(
        "Ngày sinh {} không hợp lệ so với ngày {}: người tham gia phải từ đủ 15 tuổi.",
        vn_date(*date_of_birth), vn_date(*date)
    )]
    DateOfBirth {
        /// The date of birth.
        date_of_birth: NaiveDate,
        /// The date of the request.
        date: NaiveDate,
    },
    /// The first month paid is before the person turned 15 or after the date.
    #[error(
        "Tháng bắt đầu đóng {} không hợp lệ: phải từ tháng đủ 15 tuổi ({}) đến tháng của ngày tính ({}).",
        first_month.format("%m/%Y"), earliest.format("%m/%Y"), date.format("%m/%Y")
    )]
    FirstMonth {
        /// The month given (its first day).
        first_month: NaiveDate,
        /// The month the person turned 15.
        earliest: NaiveDate,
        /// The date of the request.
        date: NaiveDate,
    },
    /// A household health-insurance term that is not allowed.
    #[error("Thời hạn BHYT hộ gia đình {months} tháng không hợp lệ. Hãy chọn: {allowed} tháng.")]
    HealthInsuranceTerm {
        /// Months asked for.
        months: u8,
        /// The allowed terms.
        allowed: String,
    },
}

impl QuoteError {
    /// The stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            QuoteError::Policy(err) => err.code(),
            QuoteError::IncomeBelowFloor { .. } => "income_below_floor",
            QuoteError::IncomeAboveCeiling { .. } => "income_above_ceiling",
            QuoteError::IncomeStep { .. } => "income_step",
            QuoteError::YearsAheadOutOfRange { .. } => "years_ahead_out_of_range",
            QuoteError::MissingPeriodOutOfRange { .. } => "missing_period_out_of_range",
            QuoteError::SupportedMonthsOutOfRange { .. } => "supported_months_out_of_range",
            QuoteError::OutOfRange { .. } => "out_of_range",
            QuoteError::DateOfBirth { .. } => "date_of_birth_invalid",
            QuoteError::FirstMonth { .. } => "first_month_invalid",
            QuoteError::HealthInsuranceTerm { .. } => "health_insurance_term_invalid",
        }
    }

    /// The Vietnamese message.
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// The `{ "code", "message" }` body that crosses to the UI and over HTTP.
    pub fn body(&self) -> QuoteErrorBody {
        QuoteErrorBody {
            code: self.code().to_owned(),
            message: self.message(),
        }
    }
}

/// The wire form of a [`QuoteError`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteErrorBody {
    /// Stable code.
    pub code: String,
    /// Vietnamese message.
    pub message: String,
}

impl Serialize for QuoteError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.body().serialize(serializer)
    }
}

/// What to quote. `support_groups` empty means "everyone else"; `province_code` absent means no
/// provincial top-up is considered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteRequest {
    /// The day of registration or payment (Asia/Ho_Chi_Minh); selects the policy in force.
    pub date: NaiveDate,
    /// The 2-digit province code (2025 list) of the participant's residence.
    #[serde(default)]
    pub province_code: Option<String>,
    /// The support groups the participant belongs to.
    #[serde(default)]
    pub support_groups: Vec<SupportGroup>,
    /// The chosen monthly income (mức thu nhập làm căn cứ đóng).
    pub monthly_income: Vnd,
    /// How the period is paid.
    pub mode: PaymentMode,
    /// Months of support already received (of the cap of 120).
    #[serde(default)]
    pub supported_months_used: u32,
}

/// The result of [`quote`]. Amounts are whole đồng. The "monthly" figures are those of the
/// period's first month: a supported month when support months are left, else an unsupported
/// one (support 0, net = gross). When the last supported month falls inside the period, the
/// later months pay gross: `amount_before_adjustment` = supported × net + rest × gross.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quote {
    /// The date quoted.
    pub date: NaiveDate,
    /// The policy edition used.
    pub policy_version: String,
    /// Province code, if given.
    pub province_code: Option<String>,
    /// Province name, if given.
    pub province_name: Option<String>,
    /// The chosen monthly income.
    pub monthly_income: Vnd,
    /// The income floor on the date (rural poverty line).
    pub income_floor: Vnd,
    /// The income ceiling on the date.
    pub income_ceiling: Vnd,
    /// Contribution rate, basis points (2200).
    pub contribution_rate_bp: u32,
    /// The support group whose rate applies (the highest of those given; "everyone else" when
    /// none is given).
    pub support_group: SupportGroup,
    /// Its Vietnamese name ("hộ cận nghèo"), for the screen and the printed quote.
    pub support_group_label: String,
    /// National support rate applied, basis points (0 when no supported month is left).
    pub state_support_rate_bp: u32,
    /// Provincial top-up rate applied, basis points (before the cap at what is due).
    pub local_support_rate_bp: u32,
    /// Mức đóng: rate × income.
    pub gross_monthly: Vnd,
    /// Nhà nước hỗ trợ, per supported month.
    pub state_support_monthly: Vnd,
    /// Địa phương hỗ trợ, per supported month (reduced so total support never exceeds gross).
    pub local_support_monthly: Vnd,
    /// Người tham gia đóng, per supported month.
    pub net_monthly: Vnd,
    /// The payment mode.
    pub mode: PaymentMode,
    /// Its Vietnamese name ("3 tháng một lần").
    pub mode_label: String,
    /// Months the payment covers.
    pub period_months: u32,
    /// First month covered (first day), for modes that pay ahead.
    pub period_start: Option<NaiveDate>,
    /// Last day covered, for modes that pay ahead.
    pub period_end: Option<NaiveDate>,
    /// Months of the period that receive support (the rest pay gross).
    pub supported_months_in_period: u32,
    /// Σ of each month's net, before any lump-sum discount or interest.
    pub amount_before_adjustment: Vnd,
    /// amount_due − amount_before_adjustment: negative for the years-ahead discount, positive
    /// for the missing-period interest, zero otherwise.
    pub lump_sum_adjustment: Vnd,
    /// Số tiền phải đóng.
    pub amount_due: Vnd,
    /// r used for the lump sum, parts per million per month.
    pub lump_sum_rate_ppm: Option<u32>,
    /// Hạn đóng.
    pub deadline: NaiveDate,
    /// Support months left after this period.
    pub supported_months_left: u32,
    /// Every policy row used, with its legal reference.
    pub sources: Vec<PolicySource>,
}

const BP: i128 = 10_000;
const PPM: u128 = 1_000_000;
/// Fixed-point scale for lump-sum factors: 18 decimals.
const SCALE: u128 = 1_000_000_000_000_000_000;

/// `value × num / den`, rounded half up (values here are never negative).
fn mul_div_round(value: i128, num: i128, den: i128) -> i64 {
    let product = value * num;
    let rounded = (product + den / 2) / den;
    i64::try_from(rounded).unwrap_or(i64::MAX)
}

/// Σ `amounts[i]` / (1 + r)^i for i = 0.. — the years-ahead lump sum, in đồng × 10¹⁸ (unrounded).
/// `rate_ppm` is r in parts per million per month.
pub fn discounted_sum_scaled(amounts: &[Vnd], rate_ppm: u32) -> u128 {
    let mut factor = SCALE;
    let mut sum = 0u128;
    for amount in amounts {
        sum += u128::try_from(amount.get()).unwrap_or(0) * factor;
        factor = factor * PPM / (PPM + u128::from(rate_ppm));
    }
    sum
}

/// Σ `amounts[i]` × (1 + r)^(i+1) for i = 0.. — the missing-period lump sum, in đồng × 10¹⁸
/// (unrounded).
pub fn compounded_sum_scaled(amounts: &[Vnd], rate_ppm: u32) -> u128 {
    let grow = |f: u128| f * (PPM + u128::from(rate_ppm)) / PPM;
    let mut factor = grow(SCALE);
    let mut sum = 0u128;
    for amount in amounts {
        sum += u128::try_from(amount.get()).unwrap_or(0) * factor;
        factor = grow(factor);
    }
    sum
}

/// A fixed-point sum rounded half up to the đồng.
pub fn round_scaled(scaled: u128) -> Vnd {
    Vnd(i64::try_from((scaled + SCALE / 2) / SCALE).unwrap_or(i64::MAX))
}

/// Months a mode covers.
pub fn mode_months(mode: PaymentMode) -> u32 {
    match mode {
        PaymentMode::Monthly => 1,
        PaymentMode::Quarterly => 3,
        PaymentMode::SemiAnnual => 6,
        PaymentMode::Annual => 12,
        PaymentMode::YearsAhead(n) => 12 * u32::from(n),
        PaymentMode::MissingPeriod(t) => u32::from(t),
    }
}

/// The income bounds on `date`: floor, ceiling and step, with their sources. Shared by the
/// quote and the benefit estimate.
pub(crate) struct IncomeBounds {
    pub floor: Vnd,
    pub ceiling: Vnd,
    pub step: Vnd,
    pub sources: Vec<PolicySource>,
}

pub(crate) fn income_bounds(policy: &Policy, date: NaiveDate) -> Result<IncomeBounds, QuoteError> {
    let floor = policy.income_floor_on(date)?;
    let reference = policy.reference_level_on(date)?;
    Ok(IncomeBounds {
        floor: floor.amount,
        ceiling: Vnd(reference.amount.get() * i64::from(reference.ceiling_multiplier)),
        step: floor.income_step,
        sources: vec![
            floor.source("income_floor"),
            reference.source("reference_level"),
        ],
    })
}

/// Refuses an income outside the floor and ceiling on `date`, or off the step.
pub(crate) fn check_income(
    bounds: &IncomeBounds,
    income: Vnd,
    date: NaiveDate,
) -> Result<(), QuoteError> {
    if income < bounds.floor {
        return Err(QuoteError::IncomeBelowFloor {
            income,
            floor: bounds.floor,
            ceiling: bounds.ceiling,
            date,
        });
    }
    if income > bounds.ceiling {
        return Err(QuoteError::IncomeAboveCeiling {
            income,
            floor: bounds.floor,
            ceiling: bounds.ceiling,
            date,
        });
    }
    let step = bounds.step.get();
    if income.get() % step != 0 {
        let below = Vnd(income.get() / step * step);
        return Err(QuoteError::IncomeStep {
            income,
            step: bounds.step,
            below,
            above: Vnd(below.get() + step),
        });
    }
    Ok(())
}

/// Checks the mode's own limits on `date` (years ahead, missing-period length).
pub(crate) fn check_mode(
    policy: &Policy,
    mode: PaymentMode,
    date: NaiveDate,
) -> Result<(), QuoteError> {
    let rules = policy.payment_mode_on(date)?;
    match mode {
        PaymentMode::YearsAhead(n) if n == 0 || n > rules.years_ahead_max => {
            Err(QuoteError::YearsAheadOutOfRange {
                years: u32::from(n),
                max: rules.years_ahead_max,
            })
        }
        PaymentMode::MissingPeriod(t) if t == 0 || t > rules.missing_period_max_months => {
            Err(QuoteError::MissingPeriodOutOfRange {
                months: u32::from(t),
                max: rules.missing_period_max_months,
            })
        }
        _ => Ok(()),
    }
}

/// Prices one period of voluntary social insurance. See the module doc for the arithmetic.
///
/// Rules applied (rules.md §1–3):
/// - gross = contribution rate × chosen income; the income must lie between the rural poverty
///   line and 20 × the reference level on the date, in whole steps.
/// - support per month = group rate × contribution rate × poverty line; several groups take the
///   single highest rate, for the national support and the provincial top-up separately. The
///   top-up is reduced first so that support never exceeds gross.
/// - support is paid for at most the cap (120) months in total; months of the period beyond the
///   cap pay gross. The provincial top-up follows the same cap (to confirm per resolution).
/// - years ahead: Σ_{i=1..12n} net_i / (1 + r)^(i−1); missing period: Σ_{i=1..t} gross ×
///   (1 + r)^i, with no support (the formula has none) and no use of the support months.
/// - deadline: end of the 1st/3rd/4th/7th month of the period for monthly/3/6/12-monthly (Law
///   41/2024 Art. 36.3); a lump sum is due at registration, so its deadline is the date itself.
pub fn quote(policy: &Policy, request: &QuoteRequest) -> Result<Quote, QuoteError> {
    let date = request.date;
    let rate = policy.contribution_rate_on(date)?;
    let bounds = income_bounds(policy, date)?;
    let national = policy.national_support_on(date)?;
    let cap = policy.support_cap_on(date)?;
    let mode_rules = policy.payment_mode_on(date)?;
    let local: Option<&LocalSupport> = match &request.province_code {
        Some(code) => policy.local_support_on(code, date)?,
        None => None,
    };
    check_income(&bounds, request.monthly_income, date)?;
    check_mode(policy, request.mode, date)?;
    if request.supported_months_used > u32::from(cap.months) {
        return Err(QuoteError::SupportedMonthsOutOfRange {
            used: request.supported_months_used,
            cap: cap.months,
        });
    }

    let mut sources = vec![rate.source("contribution_rate")];
    sources.extend(bounds.sources.iter().cloned());
    sources.push(national.source("national_support"));
    sources.push(cap.source("support_cap"));
    sources.push(mode_rules.source("payment_mode"));
    if let Some(local) = local {
        sources.push(local.source("local_support"));
    }

    let rate_bp = i128::from(rate.rate_bp);
    let gross = Vnd(mul_div_round(
        i128::from(request.monthly_income.get()),
        rate_bp,
        BP,
    ));
    let missing = matches!(request.mode, PaymentMode::MissingPeriod(_));
    let months = mode_months(request.mode);
    let left_before = u32::from(cap.months) - request.supported_months_used;
    let supported_in_period = if missing { 0 } else { months.min(left_before) };
    // No support for a missing period (its formula has none); with no supported month left,
    // the monthly figures are those of an unsupported month.
    let groups = &request.support_groups;
    let (state_rate_bp, local_rate_bp) = if supported_in_period == 0 {
        (0, 0)
    } else {
        (
            national.rates().highest(groups),
            local.map_or(0, |local| local.rates().highest(groups)),
        )
    };
    let support_base = i128::from(bounds.floor.get()) * rate_bp;
    let state = Vnd(mul_div_round(
        support_base,
        i128::from(state_rate_bp),
        BP * BP,
    ))
    .min(gross);
    let local_amount = Vnd(mul_div_round(
        support_base,
        i128::from(local_rate_bp),
        BP * BP,
    ))
    .min(gross - state);
    let net = gross - state - local_amount;
    let national_rates = national.rates();
    let support_group = groups
        .iter()
        .copied()
        .max_by_key(|g| national_rates.for_group(*g))
        .unwrap_or(SupportGroup::Other);

    let per_month: Vec<Vnd> = (0..months)
        .map(|i| if i < supported_in_period { net } else { gross })
        .collect();
    let before_adjustment: Vnd = per_month.iter().copied().sum();

    let start = month_start(date);
    let (amount_due, rate_ppm, deadline) = match request.mode {
        PaymentMode::YearsAhead(_) | PaymentMode::MissingPeriod(_) => {
            let r = policy.lump_sum_rate_on(date)?;
            sources.push(r.source("lump_sum_rate"));
            let scaled = if missing {
                compounded_sum_scaled(&per_month, r.monthly_rate_ppm)
            } else {
                discounted_sum_scaled(&per_month, r.monthly_rate_ppm)
            };
            (round_scaled(scaled), Some(r.monthly_rate_ppm), date)
        }
        mode => {
            let deadline = mode_rules.deadline(mode, start);
            (before_adjustment, None, deadline)
        }
    };
    let (period_start, period_end) = if missing {
        (None, None)
    } else {
        (
            Some(start),
            Some(month_end(add_months(start, months.saturating_sub(1)))),
        )
    };

    Ok(Quote {
        date,
        policy_version: policy.version.clone(),
        province_code: request.province_code.clone(),
        province_name: request
            .province_code
            .as_deref()
            .and_then(province_name)
            .map(str::to_owned),
        monthly_income: request.monthly_income,
        income_floor: bounds.floor,
        income_ceiling: bounds.ceiling,
        contribution_rate_bp: rate.rate_bp,
        support_group,
        support_group_label: support_group.label_vi().to_owned(),
        state_support_rate_bp: state_rate_bp,
        local_support_rate_bp: local_rate_bp,
        gross_monthly: gross,
        state_support_monthly: state,
        local_support_monthly: local_amount,
        net_monthly: net,
        mode: request.mode,
        mode_label: request.mode.label_vi(),
        period_months: months,
        period_start,
        period_end,
        supported_months_in_period: supported_in_period,
        amount_before_adjustment: before_adjustment,
        lump_sum_adjustment: amount_due - before_adjustment,
        amount_due,
        lump_sum_rate_ppm: rate_ppm,
        deadline,
        supported_months_left: left_before - supported_in_period,
        sources,
    })
}

#[cfg(test)]
mod tests;
