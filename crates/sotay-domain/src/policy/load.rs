//! Reading and checking a policy edition: the embedded one and those the office publishes.
//! The loader refuses anything doubtful — an unknown key, a format it does not know, a period
//! that ends before it starts, overlapping periods, a gap in a national table, a rate above
//! 100%, an unknown province, a broken retirement-age roadmap — with a message naming the table
//! and the dates, because a silently wrong policy is worse than none.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::NaiveDate;

use super::error::PolicyError;
use super::lookup::province_codes;
use super::tables::{LocalSupport, PolicyPeriod, RetirementAgeStep};
use super::{POLICY_FORMAT_VERSION, Policy};
use crate::calendar::vn_date;

/// The policy edition embedded in the binary.
const EMBEDDED_POLICY: &str = include_str!("../../policy/policy.toml");

fn invalid(message: String) -> PolicyError {
    PolicyError::Invalid { message }
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
) -> Result<(), PolicyError> {
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

fn check_required<T>(table: &str, rows: &[T]) -> Result<(), PolicyError> {
    if rows.is_empty() {
        return Err(invalid(format!("bảng {table} không có dòng nào")));
    }
    Ok(())
}

/// Checks a national table: at least one row when `required`, and rows that follow each other
/// without gap or overlap (sorted by [`check_periods`]).
fn check_dated_table<T: PolicyPeriod>(
    table: &str,
    rows: &mut [T],
    required: bool,
) -> Result<(), PolicyError> {
    if required {
        check_required(table, rows)?;
    }
    check_periods(table, rows, true)
}

fn check_rates(table: &str, from: NaiveDate, rates: &[u32]) -> Result<(), PolicyError> {
    if let Some(bad) = rates.iter().find(|r| **r > 10_000) {
        return Err(invalid(format!(
            "bảng {table}: dòng từ {}: tỷ lệ {bad} điểm cơ bản vượt quá 10000 (100%)",
            vn_date(from)
        )));
    }
    Ok(())
}

fn check_roadmap(sex: &str, steps: &[RetirementAgeStep]) -> Result<(), PolicyError> {
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
    /// province code in a top-up, a broken retirement-age roadmap, and in format 2 a pension row
    /// without its odd-months rule or withdrawal rates, or no transitional retirement row.
    pub fn from_toml_str(text: &str) -> Result<Policy, PolicyError> {
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
            // Format 1 (before the odd-months rule, the early withdrawal rate and the
            // transitional retirement condition were data) still loads: its editions compute as
            // they always did. Anything newer than this code knows is refused.
            Some(v) if (1..=i64::from(POLICY_FORMAT_VERSION)).contains(&v) => {}
            Some(v) => {
                return Err(PolicyError::FormatUnsupported {
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

    fn check(&mut self) -> Result<(), PolicyError> {
        if edition_key(&self.version).is_none() {
            return Err(invalid(format!(
                "nhãn phiên bản (version) {:?} phải có dạng NĂM-THÁNG-NGÀY.SỐ, ví dụ 2026-11-23.1",
                self.version
            )));
        }
        check_dated_table("contribution_rate", &mut self.contribution_rate, true)?;
        check_dated_table("income_floor", &mut self.income_floor, true)?;
        check_dated_table("reference_level", &mut self.reference_level, true)?;
        check_dated_table("national_support", &mut self.national_support, true)?;
        check_dated_table("support_cap", &mut self.support_cap, true)?;
        check_dated_table("payment_mode", &mut self.payment_mode, true)?;
        check_dated_table("lump_sum_rate", &mut self.lump_sum_rate, false)?;
        check_dated_table("pension_formula", &mut self.pension_formula, true)?;
        check_dated_table("maternity_grant", &mut self.maternity_grant, false)?;
        check_dated_table(
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
            if let Some(rule) = &row.odd_months
                && !(1 <= rule.half_year_from
                    && rule.half_year_from <= rule.full_year_from
                    && rule.full_year_from <= 12)
            {
                return Err(invalid(format!(
                    "bảng pension_formula: dòng từ {}: odd_months cần 1 ≤ half_year_from ≤ full_year_from ≤ 12",
                    vn_date(row.effective_from)
                )));
            }
            if self.format_version >= 2
                && (row.odd_months.is_none()
                    || row.withdrawal_early_years.is_none()
                    || row.withdrawal_under_one_year_max_bp.is_none())
            {
                return Err(invalid(format!(
                    "bảng pension_formula: dòng từ {}: định dạng 2 cần odd_months, withdrawal_early_years và withdrawal_under_one_year_max_bp",
                    vn_date(row.effective_from)
                )));
            }
        }
        check_dated_table(
            "transitional_retirement",
            &mut self.transitional_retirement,
            self.format_version >= 2,
        )?;

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
