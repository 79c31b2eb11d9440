//! Test vectors for the benefit estimate, each from its legal text and on both sides of its
//! effective date: the pension ladder with odd months (Law 58/2014 until 30/6/2025, Law 41/2024
//! from 1/7/2025), the lump-sum withdrawal, the transitional retirement condition (Decree
//! 159/2025 Art. 13), the missing-period limit (10 years, then 5); property tests.

use proptest::prelude::*;
use rstest::rstest;

use super::*;
use crate::entities::Sex::{Female, Male};

fn d(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("valid test date")
}

fn request(date: &str, sex: Sex, born: &str, months: u32, income: i64) -> BenefitRequest {
    BenefitRequest {
        date: d(date),
        sex,
        date_of_birth: d(born),
        months_contributed: months,
        first_month: None,
        planned_monthly_income: Vnd(income),
        keep_paying: false,
        mode: PaymentMode::Monthly,
        months_paid_last_12: 0,
    }
}

fn estimate(request: &BenefitRequest) -> BenefitEstimate {
    estimate_benefit(Policy::embedded(), request).unwrap_or_else(|e| panic!("{request:?}: {e}"))
}

#[rstest]
// Law 41/2024 Art. 98–99 (from 1/7/2025): 15 years paid; women 45% at 15 years, +2% a year;
// men 40% at 15, +1% a year to 19, 45% at 20, +2% a year; at most 75%. Odd months: 1–6 count
// as half a year (half a step), 7–11 as a full year.
#[case::woman_15("2025-07-01", Female, 180, Some(4500))]
#[case::woman_14y11m("2025-07-01", Female, 179, None)]
#[case::woman_15y4m_half("2025-07-01", Female, 184, Some(4600))]
#[case::woman_15y8m_full("2025-07-01", Female, 188, Some(4700))]
#[case::woman_19y4m_half("2025-07-01", Female, 232, Some(5400))]
// The example: 19 years 8 months is 20 years, 55%, not 53%.
#[case::woman_19y8m_full("2025-07-01", Female, 236, Some(5500))]
#[case::woman_29y4m("2025-07-01", Female, 352, Some(7400))]
#[case::woman_29y8m_cap("2025-07-01", Female, 356, Some(7500))]
#[case::man_15("2025-07-01", Male, 180, Some(4000))]
#[case::man_15y4m_half("2025-07-01", Male, 184, Some(4050))]
#[case::man_15y8m_full("2025-07-01", Male, 188, Some(4100))]
#[case::man_16("2025-07-01", Male, 192, Some(4100))]
#[case::man_17("2025-07-01", Male, 204, Some(4200))]
#[case::man_17y4m_half("2025-07-01", Male, 208, Some(4250))]
#[case::man_18("2025-07-01", Male, 216, Some(4300))]
#[case::man_18y8m_full("2025-07-01", Male, 224, Some(4400))]
#[case::man_19("2025-07-01", Male, 228, Some(4400))]
#[case::man_19y4m_half("2025-07-01", Male, 232, Some(4450))]
#[case::man_19y8m_full("2025-07-01", Male, 236, Some(4500))]
#[case::man_20("2025-07-01", Male, 240, Some(4500))]
#[case::man_20y4m_half("2025-07-01", Male, 244, Some(4600))]
#[case::man_20y8m_full("2025-07-01", Male, 248, Some(4700))]
#[case::man_34y4m("2025-07-01", Male, 412, Some(7400))]
#[case::man_34y8m_cap("2025-07-01", Male, 416, Some(7500))]
// Law 58/2014 Art. 73–74 (until 30/6/2025): 20 years paid; women 45% at 15 years (55% at 20),
// men 45% at 20 years (from 2022), +2% a year; the same odd-months rule.
#[case::old_woman_19y8m("2025-06-30", Female, 236, None)]
#[case::old_woman_20("2025-06-30", Female, 240, Some(5500))]
#[case::old_woman_20y4m_half("2025-06-30", Female, 244, Some(5600))]
#[case::old_man_15("2025-06-30", Male, 180, None)]
#[case::old_man_20("2025-06-30", Male, 240, Some(4500))]
#[case::old_man_20y8m_full("2025-06-30", Male, 248, Some(4700))]
fn pension_rate_by_months_paid(
    #[case] date: &str,
    #[case] sex: Sex,
    #[case] months: u32,
    #[case] bp: Option<u32>,
) {
    let formula = Policy::embedded()
        .pension_formula_on(d(date))
        .expect("a pension formula on the date");
    assert_eq!(
        formula.pension_percent_bp(sex, months),
        bp,
        "{sex:?}, {} years {} months, on {date}",
        months / 12,
        months % 12
    );
}

#[rstest]
// Law 41/2024 Art. 102 / Law 58/2014 Art. 77, at 2,000,000 average income: 2 times per year
// from 2014, 1.5 times per whole year before (its odd months move to the later years), odd
// months as half or whole years; under one year, what was paid (22%), at most 2 times.
#[case::ten_years(120, 0, 40_000_000, false)]
#[case::six_years_4_months_half(76, 0, 26_000_000, false)]
#[case::six_years_8_months_full(80, 0, 28_000_000, false)]
// 3 years 5 months before 2014 (3 × 1.5 × 2,000,000 = 9,000,000) and 48 months after: the 5
// odd months join them, 4 years 5 months → 4½ years × 2 × 2,000,000 = 18,000,000.
#[case::before_and_after_2014(89, 41, 27_000_000, false)]
#[case::all_before_2014(120, 120, 30_000_000, false)]
// 8 months: 22% × 2,000,000 × 8 = 3,520,000; 11 months: 4,840,000, capped at 4,000,000.
#[case::eight_months(8, 0, 3_520_000, true)]
#[case::eleven_months_capped(11, 0, 4_000_000, true)]
#[case::one_year(12, 0, 4_000_000, false)]
fn lump_sum_withdrawal(
    #[case] months: u32,
    #[case] early: u32,
    #[case] amount: i64,
    #[case] under_one_year: bool,
) {
    for date in ["2025-06-30", "2025-07-01"] {
        let formula = Policy::embedded()
            .pension_formula_on(d(date))
            .expect("formula");
        let w = formula.withdrawal(months, early, Vnd(2_000_000), 2200);
        assert_eq!(
            (w.amount, w.under_one_year),
            (Vnd(amount), under_one_year),
            "{months} months, {early} before 2014, on {date}: {w:?}"
        );
    }
}

#[test]
fn a_format_one_edition_counts_whole_years_as_it_did() {
    let old = Policy::from_toml_str(include_str!("../../policy/editions/2026-11-23.1.toml"))
        .expect("a format-1 edition still loads");
    assert_eq!(old.format_version, 1);
    assert!(old.transitional_retirement.is_empty());
    let formula = old.pension_formula_on(d("2026-03-15")).expect("formula");
    assert_eq!(formula.pension_percent_bp(Female, 236), Some(5300));
    // 67 months prorated: 2 × 1,500,000 × 67 / 12 = 16,750,000, as the edition's code did.
    let w = formula.withdrawal(67, 0, Vnd(1_500_000), 2200);
    assert_eq!(w.amount, Vnd(16_750_000));
}

#[rstest]
// Half and full years on the estimate, at 1,500,000, both sexes: born 15/6/1980, nothing more
// paid after the date.
#[case::woman_19y4m(Female, 232, 5400, 810_000)]
#[case::woman_19y8m(Female, 236, 5500, 825_000)]
#[case::man_19y4m(Male, 232, 4450, 667_500)]
#[case::man_19y8m(Male, 236, 4500, 675_000)]
// The men's ladder from 15 to 20 years.
#[case::man_15(Male, 180, 4000, 600_000)]
#[case::man_16(Male, 192, 4100, 615_000)]
#[case::man_17(Male, 204, 4200, 630_000)]
#[case::man_18(Male, 216, 4300, 645_000)]
#[case::man_19(Male, 228, 4400, 660_000)]
#[case::man_20(Male, 240, 4500, 675_000)]
fn estimate_counts_odd_months(
    #[case] sex: Sex,
    #[case] months: u32,
    #[case] bp: u32,
    #[case] pension: i64,
) {
    let e = estimate(&request("2026-03-15", sex, "1980-06-15", months, 1_500_000));
    assert_eq!(e.months_at_retirement, months);
    assert_eq!(e.pension_rate_percent, Some(Percent(bp)));
    assert_eq!(e.monthly_pension, Some(Vnd(pension)));
    assert_eq!(e.months_missing, 0);
    assert_eq!(e.retirement_rule, RetirementRule::Normal);
}

#[test]
fn woman_born_1990_paying_on_gets_a_pension_at_60() {
    // Decree 135/2020: women 60 from 2035. Paying from 3/2026 through 5/2050 = 291 months =
    // 24 years 3 months → 24½ years: 45% + 2% × 9.5 = 64% (Law 41/2024 Art. 99) of 1,500,000.
    let mut r = request("2026-03-15", Female, "1990-05-10", 0, 1_500_000);
    r.keep_paying = true;
    let e = estimate(&r);
    assert_eq!((e.retirement_age_years, e.retirement_age_months), (60, 0));
    assert_eq!(e.retirement_date, d("2050-05-10"));
    assert_eq!(
        e.pension_starts_on,
        d("2050-06-01"),
        "the month after the age is reached"
    );
    assert_eq!(e.months_at_retirement, 291);
    assert_eq!(e.years_counted, HalfYears(49));
    assert_eq!(e.pension_rate_percent, Some(Percent(6400)));
    assert_eq!(e.monthly_pension, Some(Vnd(960_000)));
    assert!(e.caveat.contains("giá trị tiền hôm nay"));
    let json = serde_json::to_value(&e).expect("json");
    assert_eq!(json["pension_rate_percent"], 64.0);
    assert_eq!(json["years_counted"], 24.5);
    assert_eq!(json["retirement_date"], "2050-05-10");
}

#[test]
fn woman_beyond_the_cap_gets_the_excess_lump_sum() {
    // Born 1/1/1975: 59y8m in 2034 → 1/9/2034; 300 + 103 months = 33 years 7 months → 34
    // years; women reach 75% at 30 years, 4 years beyond pay 0.5 × 2,000,000 each [C].
    let mut r = request("2026-03-15", Female, "1975-01-01", 300, 2_000_000);
    r.keep_paying = true;
    let e = estimate(&r);
    assert_eq!(e.retirement_date, d("2034-09-01"));
    assert_eq!(e.months_at_retirement, 403);
    assert_eq!(e.pension_rate_percent, Some(Percent(7500)));
    assert_eq!(e.years_beyond_max, HalfYears(8));
    assert_eq!(e.lump_sum_beyond_max, Vnd(4_000_000));
}

#[test]
fn short_of_fifteen_years_shows_the_missing_months_and_their_price() {
    // Man born 15/3/1965 reaches 61y6m on 15/9/2026: 150 + 7 months paying on = 157, 23 short:
    // 330,000 × Σ_{i=1..23} 1.0031^i = 7,878,872.483 9… → 7,878,872.
    let mut r = request("2026-03-15", Male, "1965-03-15", 150, 1_500_000);
    r.keep_paying = true;
    let e = estimate(&r);
    assert_eq!(e.months_at_retirement, 157);
    assert_eq!(e.pension_rate_percent, None);
    assert_eq!(e.months_missing, 23);
    assert_eq!(
        e.missing_period,
        Some(MissingPeriodOption {
            months: 23,
            cost: Some(Vnd(7_878_872)),
            lump_sum_rate_ppm: Some(3100),
        })
    );
    // The lump sum: 13 years 1 month → 13½ years × 2 × 1,500,000 = 40,500,000.
    assert_eq!(e.lump_sum, Vnd(40_500_000));
    // Planning to buy those 23 months reaches exactly 15 years: men 40% (Art. 99).
    r.mode = PaymentMode::MissingPeriod(23);
    let e = estimate(&r);
    assert_eq!(e.pension_rate_percent, Some(Percent(4000)));
    assert_eq!(e.monthly_pension, Some(Vnd(600_000)));
    // 60 + 7 = 67 months: 113 short, more than the 60 a missing-period payment may buy.
    let mut r = request("2026-03-15", Male, "1965-03-15", 60, 1_500_000);
    r.keep_paying = true;
    let e = estimate(&r);
    assert_eq!((e.months_missing, e.missing_period), (113, None));
    // 5 years 7 months → 6 years × 2 × 1,500,000.
    assert_eq!(e.lump_sum, Vnd(18_000_000));
}

#[test]
fn missing_period_limit_was_ten_years_before_july_2025() {
    // Decree 134/2015 Art. 9.1.e (under Law 58/2014, 20 years needed): up to 120 months.
    // A man born 1/9/1964 reaches 61y3m on 1/12/2025.
    let e = estimate(&request("2025-06-30", Male, "1964-09-01", 130, 1_500_000));
    assert_eq!(e.retirement_date, d("2025-12-01"));
    assert_eq!(e.months_missing, 110);
    assert_eq!(
        e.missing_period,
        Some(MissingPeriodOption {
            months: 110,
            cost: None,
            lump_sum_rate_ppm: None
        }),
        "110 ≤ 120 may be bought (r for 2025 is not in the data, so no price)"
    );
    // From 1/7/2025 (Law 41/2024, 15 years needed): at most 60 months.
    let e = estimate(&request("2025-07-01", Male, "1964-09-01", 100, 1_500_000));
    assert_eq!((e.months_missing, e.missing_period), (80, None));
    let e = estimate(&request("2025-07-01", Male, "1964-09-01", 130, 1_500_000));
    assert_eq!(e.months_missing, 50);
    assert!(e.missing_period.is_some());
}

#[test]
fn transitional_retirement_for_early_joiners_with_twenty_years() {
    // Decree 159/2025 Art. 13: first paid before 1/1/2021, 20 years paid → women retire at 55.
    // Born 10/5/1972, first paid 1/2001, 280 months (23 years 4 months → 23½: 62%).
    let mut r = request("2026-03-15", Female, "1972-05-10", 280, 1_500_000);
    let normal = estimate(&r);
    assert_eq!(normal.retirement_rule, RetirementRule::Normal);
    assert_eq!(
        normal.retirement_date,
        d("2030-09-10"),
        "58y4m in 2030 (Decree 135/2020)"
    );
    r.first_month = Some(d("2001-01-01"));
    let e = estimate(&r);
    assert_eq!(e.retirement_rule, RetirementRule::Transitional);
    assert_eq!((e.retirement_age_years, e.retirement_age_months), (55, 0));
    assert_eq!(e.retirement_date, d("2027-05-10"));
    assert_eq!(e.pension_starts_on, d("2027-06-01"));
    assert_eq!(e.pension_rate_percent, Some(Percent(6200)));
    assert!(
        e.sources
            .iter()
            .any(|s| s.table == "transitional_retirement")
    );
    // A man who joined in 2001 with 20 years retires at 60.
    let mut m = request("2026-03-15", Male, "1967-02-01", 250, 1_500_000);
    m.first_month = Some(d("2001-01-01"));
    let e = estimate(&m);
    assert_eq!(
        (e.retirement_rule, e.retirement_date),
        (RetirementRule::Transitional, d("2027-02-01"))
    );
    // Fewer than 20 years by 55 (239 months): the roadmap age.
    r.months_contributed = 239;
    assert_eq!(estimate(&r).retirement_rule, RetirementRule::Normal);
    // Paying on from 3/2026 reaches 240 months by 5/2027 (239 + 15 = 254).
    r.keep_paying = true;
    assert_eq!(estimate(&r).retirement_rule, RetirementRule::Transitional);
    // Joined in 2021: the roadmap age.
    let mut late = request("2026-03-15", Female, "1972-05-10", 60, 1_500_000);
    late.first_month = Some(d("2021-01-01"));
    assert_eq!(estimate(&late).retirement_rule, RetirementRule::Normal);
    // The day before Decree 159/2025 took effect, the condition is not in the data.
    let mut before = request("2025-06-30", Female, "1972-05-10", 270, 1_500_000);
    before.first_month = Some(d("2001-01-01"));
    assert_eq!(estimate(&before).retirement_rule, RetirementRule::Normal);
    before.date = d("2025-07-01");
    assert_eq!(
        estimate(&before).retirement_rule,
        RetirementRule::Transitional
    );
}

#[test]
fn first_month_before_2014_counts_at_the_lower_withdrawal_rate() {
    // First paid 8/2010, 89 months without a break: 41 before 2014 (3 years 5 months), 48 after.
    let mut r = request("2026-03-15", Male, "1980-06-15", 89, 2_000_000);
    r.first_month = Some(d("2010-08-01"));
    let e = estimate(&r);
    assert_eq!(e.lump_sum_detail.early_years, 3);
    assert_eq!(e.lump_sum, Vnd(27_000_000));
    r.first_month = None;
    assert_eq!(
        estimate(&r).lump_sum,
        Vnd(30_000_000),
        "7½ years at 2 times"
    );
}

#[test]
fn maternity_grant_needs_six_of_twelve_months() {
    let mut r = request("2026-03-15", Female, "1998-02-02", 20, 1_500_000);
    r.months_paid_last_12 = 6;
    let m = estimate(&r)
        .maternity
        .expect("the grant exists from 1/7/2025");
    assert!(m.eligible_now);
    assert_eq!(m.amount_per_child, Vnd(2_000_000));
    let mut r = request("2026-03-15", Female, "1998-02-02", 2, 1_500_000);
    r.months_paid_last_12 = 2;
    let m = estimate(&r).maternity.expect("grant");
    assert!(!m.eligible_now);
    // Paying March–June brings 6 months: births from 1/7/2026.
    assert_eq!(m.eligible_for_births_from, d("2026-07-01"));
    // Before 1/7/2025 the voluntary scheme had no maternity benefit.
    let mut r = request("2025-06-30", Female, "1998-02-02", 20, 1_500_000);
    r.months_paid_last_12 = 6;
    assert_eq!(estimate(&r).maternity, None);
}

#[test]
fn refuses_bad_input() {
    let mut r = request("2026-03-15", Female, "2015-01-01", 0, 1_500_000);
    let code = |r: &BenefitRequest| {
        estimate_benefit(Policy::embedded(), r)
            .map(|_| ())
            .map_err(|e| e.code())
    };
    assert_eq!(code(&r), Err("date_of_birth_invalid"));
    r.date_of_birth = d("1990-01-01");
    r.planned_monthly_income = Vnd(1_000_000);
    assert_eq!(code(&r), Err("income_below_floor"));
    r.planned_monthly_income = Vnd(1_500_000);
    r.months_paid_last_12 = 3;
    assert_eq!(
        code(&r),
        Err("out_of_range"),
        "3 paid months with 0 contributed"
    );
    r.months_contributed = 3;
    assert_eq!(code(&r), Ok(()));
    // Turned 15 on 1/1/2005: at most 255 months by 3/2026.
    r.months_contributed = 256;
    assert_eq!(code(&r), Err("out_of_range"));
    r.months_contributed = 255;
    assert_eq!(code(&r), Ok(()));
    r.first_month = Some(d("2004-12-01"));
    assert_eq!(code(&r), Err("first_month_invalid"), "before 15");
    r.first_month = Some(d("2026-04-01"));
    assert_eq!(code(&r), Err("first_month_invalid"), "after the date");
    r.first_month = Some(d("2020-01-01"));
    assert_eq!(code(&r), Err("out_of_range"), "255 months since 1/2020");
    let err = estimate_benefit(Policy::embedded(), &r).expect_err("too many months");
    assert!(err.message().contains("0–75"), "{err}");
}

proptest! {
    /// One more month paid never lowers the pension rate, under every pension row of the data
    /// and for both sexes (odd months only ever add).
    #[test]
    fn one_more_month_never_lowers_the_rate(
        row in 0usize..8,
        months in 0u32..900,
        female in proptest::bool::ANY,
    ) {
        let formulas = &Policy::embedded().pension_formula;
        let formula = &formulas[row % formulas.len()];
        let sex = if female { Female } else { Male };
        let now = formula.pension_percent_bp(sex, months);
        let more = formula.pension_percent_bp(sex, months + 1);
        prop_assert!(more >= now, "{sex:?} {months}: {now:?} then {more:?}");
        prop_assert!(
            formula.withdrawal(months + 1, 0, Vnd(2_000_000), 2200).amount
                >= formula.withdrawal(months, 0, Vnd(2_000_000), 2200).amount
                || months + 1 == 12,
            "the lump sum grows with months paid (past the under-one-year cap)"
        );
    }

    #[test]
    fn more_months_never_lower_the_estimated_pension(
        born_days in 0i64..(25 * 365),
        months in 0u32..300,
        more in 1u32..120,
        female in proptest::bool::ANY,
        keep_paying in proptest::bool::ANY,
    ) {
        let sex = if female { Female } else { Male };
        let mut r = request("2026-03-15", sex, "1950-01-01", months, 2_000_000);
        r.date_of_birth = d("1950-01-01") + chrono::Duration::days(born_days);
        r.keep_paying = keep_paying;
        let before = estimate_benefit(Policy::embedded(), &r);
        r.months_contributed += more;
        let after = estimate_benefit(Policy::embedded(), &r);
        let (before, after) = match (before, after) {
            (Ok(b), Ok(a)) => (b, a),
            // Everyone here is 51 to 76 on the date, so 420 months fit: nothing is refused.
            (b, a) => return Err(TestCaseError::fail(format!("{b:?} {a:?}"))),
        };
        prop_assert!(after.pension_rate_percent >= before.pension_rate_percent);
        prop_assert!(after.months_missing <= before.months_missing);
        prop_assert!(after.pension_starts_on > after.retirement_date);
    }
}
