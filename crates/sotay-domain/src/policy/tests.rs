//! Tests of loading, checking and looking up policy editions.

use chrono::NaiveDate;

use super::*;
use crate::calendar::{add_months, month_end};
use crate::entities::{PaymentMode, Sex};

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
    let policy =
        Policy::from_toml_str(Policy::embedded_toml()).expect("the embedded data is valid");
    assert_eq!(policy.format_version, POLICY_FORMAT_VERSION);
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
        Policy::embedded_toml().contains(from),
        "fixture text {from:?} present"
    );
    Policy::embedded_toml().replacen(from, to, 1)
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
        "effective_from = \"2022-01-01\"\neffective_to = \"2025-12-31\"",
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
    let err = load_error(&replace("format_version = 2", "format_version = 3"));
    assert!(
        err.starts_with("policy_format_unsupported") && err.contains('3'),
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

/// Editions the office published in format 1 still load, and compute as their code did: the
/// format-2 parts are absent, not guessed.
#[test]
fn format_one_editions_still_load() {
    let old = Policy::from_toml_str(include_str!("../../policy/editions/2026-11-23.1.toml"))
        .expect("format 1 loads");
    assert_eq!(
        (old.format_version, old.version.as_str()),
        (1, "2026-11-23.1")
    );
    assert!(old.transitional_retirement.is_empty());
    assert!(old.pension_formula.iter().all(|f| f.odd_months.is_none()));
    // A format-2 edition must carry the new rules.
    let err = load_error(&replace(
        "odd_months = { half_year_from = 1, full_year_from = 7, legal_ref = \"Luật BHXH 41/2024/QH15",
        "# odd_months = { half_year_from = 1, full_year_from = 7, legal_ref = \"Luật BHXH 41/2024/QH15",
    ));
    assert!(
        err.starts_with("policy_data_invalid") && err.contains("odd_months"),
        "{err}"
    );
    let start = Policy::embedded_toml()
        .find("[[transitional_retirement]]")
        .expect("the table is in the file");
    let end = Policy::embedded_toml()
        .find("# Maternity grant")
        .expect("the next table follows");
    let without = Policy::embedded_toml()[..start].to_owned() + &Policy::embedded_toml()[end..];
    let err = load_error(&without);
    assert!(
        err.contains("transitional_retirement") && err.contains("không có dòng nào"),
        "format 2 needs the transitional table: {err}"
    );
    let err = load_error(&replace(
        "half_year_from = 1, full_year_from = 7, legal_ref = \"Luật BHXH 41",
        "half_year_from = 8, full_year_from = 7, legal_ref = \"Luật BHXH 41",
    ));
    assert!(err.contains("half_year_from"), "{err}");
}

/// Each legal text on both sides of its effective date: the row in force and what it cites
/// (issue 11, item 4).
#[test]
fn rows_cite_the_text_in_force() {
    let p = Policy::embedded();
    let cites = |legal_ref: &str, text: &str| {
        assert!(legal_ref.contains(text), "{legal_ref:?} cites {text:?}");
    };
    let floor = |y, m, day| p.income_floor_on(d(y, m, day)).expect("floor");
    cites(&floor(2025, 12, 31).legal_ref, "07/2021/NĐ-CP");
    cites(&floor(2026, 1, 1).legal_ref, "351/2025/NĐ-CP");
    assert_eq!(floor(2026, 12, 31).amount, crate::Vnd(1_500_000));
    assert_eq!(floor(2027, 1, 1).amount, crate::Vnd(2_200_000));
    cites(&floor(2027, 1, 1).legal_ref, "351/2025/NĐ-CP");
    let reference = |y, m, day| p.reference_level_on(d(y, m, day)).expect("reference");
    cites(&reference(2026, 6, 30).legal_ref, "73/2024/NĐ-CP");
    cites(&reference(2026, 7, 1).legal_ref, "161/2026/NĐ-CP");
    assert_eq!(reference(2026, 7, 1).note, None, "161/2026 is confirmed");
    let modes = |y, m, day| p.payment_mode_on(d(y, m, day)).expect("modes");
    assert_eq!(modes(2025, 6, 30).missing_period_max_months, 120);
    cites(
        &modes(2025, 6, 30).legal_ref,
        "134/2015/NĐ-CP Điều 9 khoản 1",
    );
    cites(&modes(2025, 6, 30).legal_ref, "Điều 12");
    assert_eq!(modes(2025, 7, 1).missing_period_max_months, 60);
    cites(&modes(2025, 7, 1).legal_ref, "41/2024/QH15");
    let health = |y, m, day| p.health_insurance_on(d(y, m, day)).expect("health");
    cites(&health(2025, 6, 30).legal_ref, "146/2018/NĐ-CP");
    cites(&health(2025, 7, 1).legal_ref, "51/2024/QH15");
    cites(&health(2025, 7, 1).legal_ref, "146/2018/NĐ-CP");
    cites(&health(2025, 8, 15).legal_ref, "188/2025/NĐ-CP");
    assert!(p.transitional_retirement_on(d(2025, 6, 30)).is_none());
    let rule = p
        .transitional_retirement_on(d(2025, 7, 1))
        .expect("Decree 159/2025 Art. 13");
    cites(&rule.legal_ref, "159/2025/NĐ-CP Điều 13");
    assert_eq!(
        (
            rule.joined_before,
            rule.min_years,
            rule.male_age_years,
            rule.female_age_years
        ),
        (d(2021, 1, 1), 20, 60, 55)
    );
    // r is one year's figure: 2026 has it, 2027 does not yet.
    assert!(p.lump_sum_rate_on(d(2026, 12, 31)).is_ok());
    assert!(p.lump_sum_rate_on(d(2027, 1, 1)).is_err());
    // What stays to confirm is exactly what no text confirms yet.
    let notes: Vec<&str> = p
        .income_floor
        .iter()
        .filter_map(|r| r.note.as_deref())
        .chain(p.lump_sum_rate.iter().filter_map(|r| r.note.as_deref()))
        .chain(p.payment_mode.iter().filter_map(|r| r.note.as_deref()))
        .collect();
    assert!(notes.iter().any(|n| n.contains("50.000")));
    assert!(notes.iter().any(|n| n.contains("0,31%")));
    assert!(notes.iter().any(|n| n.contains("5 năm")));
}
