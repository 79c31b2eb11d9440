//! The household health-insurance quote (BHYT hộ gia đình). Agents often sell it on the same
//! visit as voluntary social insurance, so it lives beside the [`quote`](crate::quote::quote)
//! and takes its prices from the same [`Policy`]: the first member pays rate × reference level ×
//! months; the 2nd, 3rd, 4th member pay 70/60/50% of that, the 5th and later 40%.
//!
//! Each member's amount is reference × rate × share × months / 10⁸, rounded half up to the đồng
//! (exact for every reference level so far).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::money::Vnd;
use crate::policy::{Policy, PolicyPeriod, PolicySource};
use crate::quote::QuoteError;

/// What to quote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthInsuranceRequest {
    /// The date of the sale: selects the reference level and the ladder.
    pub date: NaiveDate,
    /// Members of the household who buy (1..).
    pub members: u32,
    /// Term in months (3, 6 or 12).
    pub term_months: u8,
}

/// One member's line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthInsuranceMember {
    /// 1 for the first member.
    pub position: u32,
    /// Share of the first member's price, basis points.
    pub share_bp: u32,
    /// Amount for the term.
    pub amount: Vnd,
}

/// The result of [`quote_health_insurance`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthInsuranceQuote {
    /// The date quoted.
    pub date: NaiveDate,
    /// The reference level on the date.
    pub reference_level: Vnd,
    /// Rate, basis points (450).
    pub rate_bp: u32,
    /// Term in months.
    pub term_months: u8,
    /// One line per member.
    pub members: Vec<HealthInsuranceMember>,
    /// Sum of the lines.
    pub total: Vnd,
    /// Policy rows used.
    pub sources: Vec<PolicySource>,
}

/// Prices household health insurance for `members` people over `term_months`.
///
/// Errors: `out_of_range` for 0 members or more than the policy's `max_members`, `health_insurance_term_invalid` for a term the policy
/// does not allow, and the policy errors of [`quote`](crate::quote::quote).
pub fn quote_health_insurance(
    policy: &Policy,
    request: &HealthInsuranceRequest,
) -> Result<HealthInsuranceQuote, QuoteError> {
    let prices = policy.health_insurance_on(request.date)?;
    let reference = policy.reference_level_on(request.date)?;
    if request.members == 0 || request.members > prices.max_members {
        return Err(QuoteError::OutOfRange {
            field: "members".to_owned(),
            value: i64::from(request.members),
            min: 1,
            max: i64::from(prices.max_members),
        });
    }
    if !prices.terms_months.contains(&request.term_months) {
        let allowed: Vec<String> = prices.terms_months.iter().map(u8::to_string).collect();
        return Err(QuoteError::HealthInsuranceTerm {
            months: request.term_months,
            allowed: allowed.join(", "),
        });
    }
    let den = 100_000_000i128;
    let members: Vec<HealthInsuranceMember> = (1..=request.members)
        .map(|position| {
            let index = usize::try_from(position - 1).unwrap_or(usize::MAX);
            // The loader guarantees a non-empty ladder; its last entry repeats.
            let share_bp = prices
                .ladder_bp
                .get(index)
                .or(prices.ladder_bp.last())
                .copied()
                .unwrap_or(10_000);
            let value = i128::from(reference.amount.get())
                * i128::from(prices.rate_bp)
                * i128::from(share_bp)
                * i128::from(request.term_months);
            HealthInsuranceMember {
                position,
                share_bp,
                amount: Vnd(i64::try_from((value + den / 2) / den).unwrap_or(i64::MAX)),
            }
        })
        .collect();
    Ok(HealthInsuranceQuote {
        date: request.date,
        reference_level: reference.amount,
        rate_bp: prices.rate_bp,
        term_months: request.term_months,
        total: members.iter().map(|m| m.amount).sum(),
        members,
        sources: vec![
            prices.source("health_insurance_household"),
            reference.source("reference_level"),
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    // rules.md §5 [C]: 12 months from 1/7/2026 (reference 2,530,000): 1,366,200 / 956,340 /
    // 819,720 / 683,100 / 546,480, and 40% again for the 6th member.
    #[case::july_2026("2026-07-01", 12, &[1_366_200, 956_340, 819_720, 683_100, 546_480, 546_480])]
    // The day before, on 2,340,000 (Decree 73/2024): 4.5% × 2,340,000 × 12 = 1,263,600.
    #[case::june_2026("2026-06-30", 12, &[1_263_600, 884_520, 758_160, 631_800, 505_440])]
    // 3 and 6 months: 113,850 × 3 = 341,550; × 6 = 683,100.
    #[case::three_months("2026-07-01", 3, &[341_550, 239_085])]
    #[case::six_months("2026-07-01", 6, &[683_100])]
    fn household_ladder(#[case] date: &str, #[case] term: u8, #[case] amounts: &[i64]) {
        let request = HealthInsuranceRequest {
            date: NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("date"),
            members: u32::try_from(amounts.len()).expect("few members"),
            term_months: term,
        };
        let q = quote_health_insurance(Policy::embedded(), &request).expect("quote");
        let got: Vec<i64> = q.members.iter().map(|m| m.amount.get()).collect();
        assert_eq!(got, amounts, "ladder 100/70/60/50/40% on {date}");
        assert_eq!(q.total.get(), amounts.iter().sum::<i64>());
    }

    #[test]
    fn refuses_bad_terms_and_empty_households() {
        let date = NaiveDate::from_ymd_opt(2026, 7, 1).expect("date");
        let code = |members, term_months| {
            quote_health_insurance(
                Policy::embedded(),
                &HealthInsuranceRequest {
                    date,
                    members,
                    term_months,
                },
            )
            .map(|_| ())
            .map_err(|e| (e.code(), e.message()))
        };
        let (c, m) = code(2, 4).expect_err("4 months");
        assert_eq!(c, "health_insurance_term_invalid");
        assert!(m.contains("3, 6, 12"), "{m}");
        assert_eq!(code(0, 12).map_err(|e| e.0), Err("out_of_range"));
        let (c, m) = code(u32::MAX, 12).expect_err("absurd household");
        assert_eq!(c, "out_of_range");
        assert!(m.contains("1–30"), "{m}");
    }
}
