//! Record validation: the one place that decides whether a record may be saved (on the device)
//! or applied (at the office, which never trusts the device). Every check returns a
//! [`ValidationError`] with a stable code, the field, and a Vietnamese message.
//!
//! Two steps, in this order, wherever a record is saved:
//! 1. [`Normalize::normalize`] cleans what people type (NFC names, single spaces, phone numbers
//!    as `0XXXXXXXXX`, ID numbers without spaces, blank optionals as `None`) so stores keep one
//!    form of every value;
//! 2. [`Validate::validate`] reports every remaining problem at once.
//!
//! Validation is lenient about form: `x.validate()` gives the same codes as
//! `x.normalized().validate()` (a property test checks this for persons). A sign-up also needs
//! its person: the store calls [`validate_enrollment_for`] in addition to
//! `Enrollment::validate` whenever it saves an enrollment that is not a draft.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};

use crate::admin_units::is_known_commune;
use crate::cccd::{check_personal_id, normalize_personal_id};
use crate::entities::*;
use crate::error::{ValidationCode, ValidationError, ValidationErrors};
use crate::money::Vnd;
use crate::phone::normalize_phone;
use crate::policy::Policy;
use crate::text::{
    ADDRESS_MAX_CHARS, NAME_MAX_CHARS, check_max_chars, check_name, check_notes,
    check_receipt_number, check_required_text, normalize_free_text, normalize_name,
    normalize_receipt_number,
};

/// Minimum age for voluntary social insurance: Vietnamese citizens from 15 (Law 41/2024/QH15
/// Art. 2). A law value, not a yearly parameter, so it is a constant here.
pub const MIN_AGE_VOLUNTARY: u32 = 15;
/// Most attendees recorded for one outreach event (a typo guard: the largest province
/// conference is a few thousand).
pub const MAX_ATTENDEES: u32 = 100_000;
/// Earliest date of birth accepted.
pub const EARLIEST_BIRTH: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(date) => date,
    None => NaiveDate::MIN,
};

/// Most persons one visit may name as met (a household, or a small meeting; a typo guard).
pub const MAX_PERSONS_MET: usize = 50;
/// Most receipts one remittance may settle (a post office's week of cash is a few hundred).
pub const MAX_PAYMENTS_PER_REMITTANCE: usize = 1_000;
/// Largest quote snapshot kept on a sign-up, in bytes of JSON (a real one is under 2 KiB).
pub const MAX_QUOTE_SNAPSHOT_BYTES: usize = 16 * 1024;
/// Most months one payment may cover: the longest period the law ever allowed in one payment
/// (the missing period of up to 10 years under Decree 134/2015 Art. 9.1.e).
pub const MAX_MONTHS_PER_PAYMENT: u32 = 120;

/// What validation needs from outside: today's date in Asia/Ho_Chi_Minh (the domain reads no
/// clock) and the policy edition in use, whose floors and ceilings bound money.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValidationContext<'p> {
    /// Today, Asia/Ho_Chi_Minh.
    pub today: NaiveDate,
    /// The policy edition in force where the record is saved (the device's, the office's).
    pub policy: &'p Policy,
}

impl ValidationContext<'static> {
    /// A context for `today` (Asia/Ho_Chi_Minh calendar day) under the built-in policy edition.
    pub fn new(today: NaiveDate) -> Self {
        ValidationContext {
            today,
            policy: Policy::embedded(),
        }
    }

    /// A context for the instant `now` (whose calendar day in Asia/Ho_Chi_Minh is today). The
    /// caller reads the clock; the domain does not.
    pub fn at(now: DateTime<Utc>) -> Self {
        ValidationContext::new(vietnam_date(now))
    }
}

impl ValidationContext<'_> {
    /// The same day under another policy edition (one received by sync or published).
    pub fn with_policy(self, policy: &Policy) -> ValidationContext<'_> {
        ValidationContext {
            today: self.today,
            policy,
        }
    }
}

/// A record that can check itself.
pub trait Validate {
    /// All problems with the record, or `Ok(())`.
    fn validate(&self, ctx: &ValidationContext) -> Result<(), ValidationErrors>;
}

/// A record whose typed values can be put in the one form Sotay stores. Never fails: a value
/// that cannot be cleaned (a phone number with 9 digits) is left for [`Validate`] to report.
pub trait Normalize {
    /// Cleans the record in place. Idempotent.
    fn normalize(&mut self);

    /// The cleaned record.
    fn normalized(mut self) -> Self
    where
        Self: Sized,
    {
        self.normalize();
        self
    }
}

/// A required text: trimmed, not empty.
pub fn required_text(field: &str, value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        Err(ValidationError::new(
            ValidationCode::Required,
            field,
            "Không được để trống.",
        ))
    } else {
        Ok(())
    }
}

/// The calendar day of an instant in Asia/Ho_Chi_Minh. Vietnam has kept UTC+7 without daylight
/// saving since 1975, so a fixed offset is exact for every date Sotay records.
pub fn vietnam_date(at: DateTime<Utc>) -> NaiveDate {
    match FixedOffset::east_opt(7 * 3600) {
        Some(offset) => at.with_timezone(&offset).date_naive(),
        None => at.date_naive(),
    }
}

/// The commune code is one of the 3,321 of the 2025 list. Code: `unknown_admin_unit`.
pub fn check_commune_code(field: &str, code: &str) -> Result<(), ValidationError> {
    if is_known_commune(code) {
        Ok(())
    } else {
        Err(ValidationError::new(
            ValidationCode::UnknownAdminUnit,
            field,
            format!(
                "Mã xã/phường \"{}\" không có trong danh mục đơn vị hành chính từ 1/7/2025. Hãy chọn lại xã/phường trong danh sách.",
                code.trim()
            ),
        ))
    }
}

/// The date is not after today. Code: `date_in_future`.
pub fn check_not_in_future(
    field: &str,
    date: NaiveDate,
    today: NaiveDate,
) -> Result<(), ValidationError> {
    if date > today {
        Err(ValidationError::new(
            ValidationCode::DateInFuture,
            field,
            format!(
                "Ngày {} chưa tới (hôm nay là {}). Hãy kiểm tra lại ngày, và ngày giờ của điện thoại.",
                date.format("%d/%m/%Y"),
                today.format("%d/%m/%Y")
            ),
        ))
    } else {
        Ok(())
    }
}

/// A date of birth: not in the future, not before 1900. Codes: `date_in_future`, `out_of_range`.
pub fn check_date_of_birth(
    field: &str,
    date_of_birth: NaiveDate,
    today: NaiveDate,
) -> Result<(), ValidationError> {
    check_not_in_future(field, date_of_birth, today)?;
    if date_of_birth < EARLIEST_BIRTH {
        return Err(ValidationError::new(
            ValidationCode::OutOfRange,
            field,
            format!(
                "Ngày sinh {} quá xa (phải từ năm 1900). Hãy kiểm tra lại năm sinh.",
                date_of_birth.format("%d/%m/%Y")
            ),
        ));
    }
    Ok(())
}

/// Completed years of age on `on` (0 before the first birthday; a 29 February birthday counts
/// on 1 March in other years).
pub fn age_on(date_of_birth: NaiveDate, on: NaiveDate) -> u32 {
    on.years_since(date_of_birth).unwrap_or(0)
}

/// The person is at least [`MIN_AGE_VOLUNTARY`] on `on`. Code: `too_young`.
pub fn check_min_age(
    field: &str,
    date_of_birth: NaiveDate,
    on: NaiveDate,
) -> Result<(), ValidationError> {
    let age = age_on(date_of_birth, on);
    if age < MIN_AGE_VOLUNTARY {
        let min_age = MIN_AGE_VOLUNTARY as i32;
        // 29 February: the birthday counts on 1 March in other years.
        let comes_of_age = date_of_birth
            .with_year(date_of_birth.year() + min_age)
            .or_else(|| {
                date_of_birth
                    .succ_opt()?
                    .with_year(date_of_birth.year() + min_age)
            });
        let when = comes_of_age
            .map(|d| {
                format!(
                    " Người này đủ {MIN_AGE_VOLUNTARY} tuổi từ ngày {}.",
                    d.format("%d/%m/%Y")
                )
            })
            .unwrap_or_default();
        return Err(ValidationError::new(
            ValidationCode::TooYoung,
            field,
            format!(
                "Người tham gia BHXH tự nguyện phải từ đủ {MIN_AGE_VOLUNTARY} tuổi (vào ngày {} mới {age} tuổi).{when} Hãy chọn tháng bắt đầu đóng từ khi đủ tuổi.",
                on.format("%d/%m/%Y")
            ),
        ));
    }
    Ok(())
}

/// A whole amount of đồng greater than zero. Code: `money_not_positive`.
pub fn check_money_positive(field: &str, amount: Vnd) -> Result<(), ValidationError> {
    if amount.get() > 0 {
        Ok(())
    } else {
        Err(ValidationError::new(
            ValidationCode::MoneyNotPositive,
            field,
            format!("Số tiền phải lớn hơn 0 ₫ (đang là {amount}). Hãy nhập lại số tiền."),
        ))
    }
}

/// A date that stands for a month must be its first day. Code: `not_first_of_month`.
pub fn check_first_of_month(field: &str, date: NaiveDate) -> Result<(), ValidationError> {
    if date.day() == 1 {
        Ok(())
    } else {
        Err(ValidationError::new(
            ValidationCode::NotFirstOfMonth,
            field,
            format!(
                "Tháng phải ghi bằng ngày mùng 1 (đang là {}). Hãy chọn lại tháng {}.",
                date.format("%d/%m/%Y"),
                date.format("%m/%Y")
            ),
        ))
    }
}

/// A GPS position: finite, latitude −90..=90, longitude −180..=180. Code: `invalid_location`.
pub fn check_location(field: &str, point: GeoPoint) -> Result<(), ValidationError> {
    let ok = point.lat.is_finite()
        && point.lon.is_finite()
        && (-90.0..=90.0).contains(&point.lat)
        && (-180.0..=180.0).contains(&point.lon);
    if ok {
        Ok(())
    } else {
        Err(ValidationError::new(
            ValidationCode::InvalidLocation,
            field,
            "Vị trí GPS không hợp lệ. Hãy lấy lại vị trí, hoặc để trống.",
        ))
    }
}

/// The old social insurance code (mã số BHXH cũ): 10 digits. Code: `insurance_code_format`.
pub fn check_legacy_insurance_code(field: &str, code: &str) -> Result<(), ValidationError> {
    let code = code.trim();
    if code.len() == 10 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ValidationError::new(
            ValidationCode::InsuranceCodeFormat,
            field,
            format!(
                "Mã số BHXH cũ phải có đúng 10 chữ số (đang có {} ký tự). Hãy đối chiếu với sổ BHXH, hoặc để trống.",
                code.chars().count()
            ),
        ))
    }
}

/// `Some` only when the text has something besides whitespace.
fn non_blank(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|s| !s.trim().is_empty())
}

/// Cleans an optional free text: blank becomes `None`.
fn normalize_optional_text(value: &mut Option<String>, clean: fn(&str) -> String) {
    *value = value.as_deref().map(clean).filter(|s| !s.is_empty());
}

/// Normalises a phone number when it can be read; leaves it (trimmed) for validation otherwise.
fn normalize_optional_phone(phone: &mut Option<String>) {
    normalize_optional_text(phone, |text| {
        normalize_phone(text).unwrap_or_else(|_| text.trim().to_owned())
    });
}

fn check_optional_phone(errors: &mut ValidationErrors, phone: &Option<String>) {
    if let Some(phone) = non_blank(phone) {
        errors.check(normalize_phone(phone));
    }
}

fn check_optional_location(errors: &mut ValidationErrors, location: Option<GeoPoint>) {
    if let Some(point) = location {
        errors.check(check_location("location", point));
    }
}

/// The row of a dated policy table in force on `date`, else the row that gives `pick` its
/// largest (or smallest) value: a date outside the tables (an old record) is bounded by the
/// most generous value the edition knows, never left unbounded.
fn value_on<R>(
    rows: &[R],
    date: NaiveDate,
    from: impl Fn(&R) -> (NaiveDate, Option<NaiveDate>),
    pick: impl Fn(&R) -> i128,
    largest: bool,
) -> Option<i128> {
    let in_force = rows.iter().find(|row| {
        let (start, end) = from(row);
        start <= date && end.is_none_or(|end| date <= end)
    });
    match in_force {
        Some(row) => Some(pick(row)),
        None if largest => rows.iter().map(&pick).max(),
        None => rows.iter().map(&pick).min(),
    }
}

/// The income ceiling (20 × the reference level) in force on `date`.
fn ceiling_on(policy: &Policy, date: NaiveDate) -> Option<i128> {
    value_on(
        &policy.reference_level,
        date,
        |r| (r.effective_from, r.effective_to),
        |r| i128::from(r.amount.get()) * i128::from(r.ceiling_multiplier),
        true,
    )
}

/// The chosen income lies between the floor (the rural poverty line) and the ceiling (20 × the
/// reference level) in force on `month` (Law 41/2024 Art. 31.2), with the bound in the message.
/// Codes: `income_below_floor`, `income_above_ceiling`.
pub fn check_income_bounds(
    field: &str,
    income: Vnd,
    month: NaiveDate,
    policy: &Policy,
) -> Result<(), ValidationError> {
    let floor = value_on(
        &policy.income_floor,
        month,
        |r| (r.effective_from, r.effective_to),
        |r| i128::from(r.amount.get()),
        false,
    );
    let ceiling = ceiling_on(policy, month);
    let income_value = i128::from(income.get());
    let vnd = |v: i128| Vnd(i64::try_from(v).unwrap_or(i64::MAX));
    if let Some(floor) = floor
        && income_value < floor
    {
        return Err(ValidationError::new(
            ValidationCode::IncomeBelowFloor,
            field,
            format!(
                "Mức thu nhập làm căn cứ đóng thấp nhất là {} (chuẩn nghèo khu vực nông thôn) từ tháng {}; đang là {income}. Hãy chọn mức từ {} trở lên.",
                vnd(floor),
                month.format("%m/%Y"),
                vnd(floor)
            ),
        ));
    }
    if let Some(ceiling) = ceiling
        && income_value > ceiling
    {
        return Err(ValidationError::new(
            ValidationCode::IncomeAboveCeiling,
            field,
            format!(
                "Mức thu nhập làm căn cứ đóng cao nhất là {} (20 lần mức tham chiếu) vào tháng {}; đang là {income}. Hãy chọn mức thấp hơn.",
                vnd(ceiling),
                month.format("%m/%Y")
            ),
        ));
    }
    Ok(())
}

/// The most a payment for the months `from..=to` can be: every month at the contribution rate
/// times the income ceiling (the ceiling of that month or of the day of payment, whichever is
/// higher), grown by the fund's monthly return for each month as a lump sum for a missing
/// period is (Decree 159/2025 Art. 7), rounded up. No support is taken off: it is a bound, not
/// a price. `None` when the policy has no rows to bound with.
pub fn max_payment_amount(
    policy: &Policy,
    from: NaiveDate,
    to: NaiveDate,
    paid_on: NaiveDate,
) -> Option<Vnd> {
    const SCALE: i128 = 1_000_000_000_000;
    let paid_ceiling = ceiling_on(policy, paid_on)?;
    let r_ppm = value_on(
        &policy.lump_sum_rate,
        paid_on,
        |r| (r.effective_from, r.effective_to),
        |r| i128::from(r.monthly_rate_ppm),
        true,
    )
    .unwrap_or(0);
    let mut factor = SCALE;
    let mut total: i128 = 0;
    let mut month = from;
    while month <= to {
        let rate_bp = value_on(
            &policy.contribution_rate,
            month,
            |r| (r.effective_from, r.effective_to),
            |r| i128::from(r.rate_bp),
            true,
        )?;
        let ceiling = ceiling_on(policy, month)?.max(paid_ceiling);
        factor = div_ceil(factor * (1_000_000 + r_ppm), 1_000_000);
        total += div_ceil(ceiling * rate_bp * factor, 10_000 * SCALE);
        month = month.checked_add_months(chrono::Months::new(1))?;
    }
    Some(Vnd(i64::try_from(total).unwrap_or(i64::MAX)))
}

/// `a / b` rounded up, for non-negative `a` and positive `b`.
fn div_ceil(a: i128, b: i128) -> i128 {
    (a + b - 1) / b
}

/// A payment is no more than its months can cost ([`max_payment_amount`]) and covers at most
/// [`MAX_MONTHS_PER_PAYMENT`] months. Code: `out_of_range`.
pub fn check_payment_bound(
    amount: Vnd,
    from: NaiveDate,
    to: NaiveDate,
    paid_on: NaiveDate,
    policy: &Policy,
) -> Result<(), ValidationError> {
    let months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32 + 1;
    if months > MAX_MONTHS_PER_PAYMENT as i32 {
        return Err(ValidationError::new(
            ValidationCode::OutOfRange,
            "months_to",
            format!(
                "Một khoản thu trả cho tối đa {MAX_MONTHS_PER_PAYMENT} tháng (đang là {months} tháng). Hãy chia thành nhiều khoản thu."
            ),
        ));
    }
    match max_payment_amount(policy, from, to, paid_on) {
        Some(max) if amount > max => Err(ValidationError::new(
            ValidationCode::OutOfRange,
            "amount",
            format!(
                "Số tiền {amount} lớn hơn mức cao nhất có thể của {months} tháng đóng ({max}, tính ở mức thu nhập cao nhất). Hãy kiểm tra lại số tiền."
            ),
        )),
        _ => Ok(()),
    }
}

impl Validate for Village {
    fn validate(&self, _ctx: &ValidationContext) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        errors.check(check_commune_code("commune_code", &self.commune_code));
        errors.check(check_name("name", &self.name));
        errors.into_result()
    }
}

impl Normalize for Village {
    fn normalize(&mut self) {
        self.commune_code = self.commune_code.trim().to_owned();
        self.name = normalize_name(&self.name);
    }
}

impl Validate for User {
    fn validate(&self, _ctx: &ValidationContext) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        errors.check(check_name("full_name", &self.full_name));
        check_optional_phone(&mut errors, &self.phone);
        if let Some(organisation) = &self.organisation {
            errors.check(check_max_chars(
                "organisation",
                &normalize_name(organisation),
                NAME_MAX_CHARS * 2,
            ));
        }
        errors.into_result()
    }
}

impl Normalize for User {
    fn normalize(&mut self) {
        self.full_name = normalize_name(&self.full_name);
        normalize_optional_phone(&mut self.phone);
        normalize_optional_text(&mut self.organisation, normalize_name);
    }
}

impl Validate for Household {
    fn validate(&self, ctx: &ValidationContext) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        errors.check(check_commune_code("commune_code", &self.commune_code));
        errors.check(check_name("head_name", &self.head_name));
        errors.check(check_max_chars(
            "address",
            &normalize_name(&self.address),
            ADDRESS_MAX_CHARS,
        ));
        if let Some(year) = self.poverty_year
            && !(2000..=ctx.today.year() + 1).contains(&year)
        {
            errors.push(ValidationError::new(
                ValidationCode::OutOfRange,
                "poverty_year",
                format!(
                    "Năm của danh sách hộ nghèo/cận nghèo phải từ 2000 đến {} (đang là {year}). Hãy ghi năm của quyết định công nhận.",
                    ctx.today.year() + 1
                ),
            ));
        }
        errors.check(check_notes("notes", &self.notes));
        check_optional_location(&mut errors, self.location);
        errors.into_result()
    }
}

impl Normalize for Household {
    fn normalize(&mut self) {
        self.commune_code = self.commune_code.trim().to_owned();
        self.address = normalize_name(&self.address);
        self.head_name = normalize_name(&self.head_name);
        self.notes = normalize_free_text(&self.notes);
    }
}

impl Validate for Person {
    fn validate(&self, ctx: &ValidationContext) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        errors.check(check_commune_code("commune_code", &self.commune_code));
        errors.check(check_name("full_name", &self.full_name));
        let birth_ok = match self.date_of_birth {
            Some(dob) => errors
                .check(check_date_of_birth("date_of_birth", dob, ctx.today))
                .is_some(),
            None => true,
        };
        if let Some(id) = non_blank(&self.personal_id) {
            // A wrong date of birth is reported on its own field; comparing the ID with it
            // would only add a second, misleading error.
            let dob = self.date_of_birth.filter(|_| birth_ok);
            errors.check(check_personal_id(id, dob, Some(self.sex)));
        }
        if let Some(code) = non_blank(&self.legacy_insurance_code) {
            errors.check(check_legacy_insurance_code("legacy_insurance_code", code));
        }
        check_optional_phone(&mut errors, &self.phone);
        match (self.stage, non_blank(&self.decline_reason)) {
            (Stage::Declined, None) => errors.push(ValidationError::new(
                ValidationCode::Required,
                "decline_reason",
                "Hãy ghi lý do từ chối (ví dụ: chưa có tiền, đã có BHXH bắt buộc) để lần sau tư vấn cho đúng.",
            )),
            (_, Some(reason)) => {
                errors.check(check_notes("decline_reason", reason));
            }
            (_, None) => {}
        }
        errors.check(check_notes("notes", &self.notes));
        errors.into_result()
    }
}

impl Normalize for Person {
    fn normalize(&mut self) {
        self.commune_code = self.commune_code.trim().to_owned();
        self.full_name = normalize_name(&self.full_name);
        normalize_optional_text(&mut self.personal_id, normalize_personal_id);
        normalize_optional_text(&mut self.legacy_insurance_code, |s| s.trim().to_owned());
        normalize_optional_phone(&mut self.phone);
        normalize_optional_text(&mut self.decline_reason, normalize_free_text);
        self.notes = normalize_free_text(&self.notes);
    }
}

impl Validate for Visit {
    fn validate(&self, ctx: &ValidationContext) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        errors.check(check_commune_code("commune_code", &self.commune_code));
        let visited_on = vietnam_date(self.visited_at);
        errors.check(check_not_in_future("visited_at", visited_on, ctx.today));
        if let Some(next) = self.next_follow_up
            && next < visited_on
        {
            errors.push(ValidationError::new(
                ValidationCode::PeriodOrder,
                "next_follow_up",
                format!(
                    "Ngày hẹn quay lại ({}) phải từ ngày tiếp cận ({}) trở đi. Hãy chọn lại ngày hẹn.",
                    next.format("%d/%m/%Y"),
                    visited_on.format("%d/%m/%Y")
                ),
            ));
        }
        if self.persons_met.len() > MAX_PERSONS_MET {
            errors.push(ValidationError::new(
                ValidationCode::OutOfRange,
                "persons_met",
                format!(
                    "Một lượt tiếp cận ghi tối đa {MAX_PERSONS_MET} người đã gặp (đang là {}). Hãy bỏ bớt, hoặc ghi buổi họp thành hoạt động tuyên truyền.",
                    self.persons_met.len()
                ),
            ));
        }
        errors.check(check_notes("notes", &self.notes));
        check_optional_location(&mut errors, self.location);
        errors.into_result()
    }
}

impl Normalize for Visit {
    fn normalize(&mut self) {
        self.commune_code = self.commune_code.trim().to_owned();
        self.notes = normalize_free_text(&self.notes);
    }
}

impl Validate for FollowUp {
    fn validate(&self, _ctx: &ValidationContext) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        errors.check(check_commune_code("commune_code", &self.commune_code));
        errors.check(check_notes("note", &self.note));
        errors.into_result()
    }
}

impl Normalize for FollowUp {
    fn normalize(&mut self) {
        self.commune_code = self.commune_code.trim().to_owned();
        self.note = normalize_free_text(&self.note);
    }
}

impl Validate for OutreachEvent {
    /// An event is recorded after it happened (with its attendance), so its date may not be in
    /// the future.
    fn validate(&self, ctx: &ValidationContext) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        errors.check(check_commune_code("commune_code", &self.commune_code));
        errors.check(check_not_in_future("date", self.date, ctx.today));
        if self.attendees > MAX_ATTENDEES {
            errors.push(ValidationError::new(
                ValidationCode::OutOfRange,
                "attendees",
                format!(
                    "Số người dự tối đa {} (đang là {}). Hãy kiểm tra lại số người dự.",
                    Vnd(i64::from(MAX_ATTENDEES)).grouped(),
                    Vnd(i64::from(self.attendees)).grouped()
                ),
            ));
        }
        errors.check(check_max_chars(
            "organiser",
            &normalize_name(&self.organiser),
            NAME_MAX_CHARS * 2,
        ));
        errors.check(check_notes("notes", &self.notes));
        errors.into_result()
    }
}

impl Normalize for OutreachEvent {
    fn normalize(&mut self) {
        self.commune_code = self.commune_code.trim().to_owned();
        self.organiser = normalize_name(&self.organiser);
        self.notes = normalize_free_text(&self.notes);
    }
}

impl Validate for Enrollment {
    /// Checks the sign-up on its own: the chosen income lies between the floor and the ceiling
    /// in force in its first month ([`check_income_bounds`]). The person's age and ID are
    /// checked by [`validate_enrollment_for`].
    fn validate(&self, ctx: &ValidationContext) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        errors.check(check_commune_code("commune_code", &self.commune_code));
        if errors
            .check(check_money_positive("monthly_income", self.monthly_income))
            .is_some()
        {
            errors.check(check_income_bounds(
                "monthly_income",
                self.monthly_income,
                self.first_month,
                ctx.policy,
            ));
        }
        errors.check(check_first_of_month("first_month", self.first_month));
        if let Some(quote) = &self.quote {
            let size = serde_json::to_vec(quote).map_or(usize::MAX, |bytes| bytes.len());
            if size > MAX_QUOTE_SNAPSHOT_BYTES {
                errors.push(ValidationError::new(
                    ValidationCode::TooLong,
                    "quote",
                    format!(
                        "Bản tính mức đóng kèm tờ khai quá lớn ({size} byte, tối đa {MAX_QUOTE_SNAPSHOT_BYTES}). Hãy tính lại mức đóng trên ứng dụng."
                    ),
                ));
            }
        }
        match self.payment_mode {
            PaymentMode::YearsAhead(years) if !(1..=5).contains(&years) => {
                errors.push(ValidationError::new(
                    ValidationCode::OutOfRange,
                    "payment_mode",
                    format!(
                        "Đóng một lần cho nhiều năm về sau chỉ được từ 1 đến 5 năm (đang là {years}). Hãy chọn lại số năm."
                    ),
                ));
            }
            PaymentMode::MissingPeriod(months) if !(1..=60).contains(&months) => {
                errors.push(ValidationError::new(
                    ValidationCode::OutOfRange,
                    "payment_mode",
                    format!(
                        "Đóng một lần cho thời gian còn thiếu chỉ được từ 1 đến 60 tháng (đang là {months}). Hãy chọn lại số tháng."
                    ),
                ));
            }
            _ => {}
        }
        let mut seen = HashSet::new();
        if self.support_groups.iter().any(|g| !seen.insert(*g)) {
            errors.push(ValidationError::new(
                ValidationCode::InvalidChoice,
                "support_groups",
                "Một nhóm hỗ trợ được chọn hai lần. Hãy bỏ bớt lựa chọn trùng.",
            ));
        }
        match self.status {
            EnrollmentStatus::Rejected | EnrollmentStatus::NeedsCorrection => {
                let reason = self.status_reason.as_deref().unwrap_or_default();
                errors.check(check_required_text("status_reason", reason).map_err(|err| {
                    if err.code == ValidationCode::Required {
                        ValidationError::new(
                            ValidationCode::Required,
                            "status_reason",
                            "Hãy ghi lý do từ chối hoặc nội dung cần bổ sung, để người thu biết phải sửa gì.",
                        )
                    } else {
                        err
                    }
                }));
            }
            _ => {
                if let Some(reason) = non_blank(&self.status_reason) {
                    errors.check(check_notes("status_reason", reason));
                }
            }
        }
        errors.into_result()
    }
}

impl Normalize for Enrollment {
    fn normalize(&mut self) {
        self.commune_code = self.commune_code.trim().to_owned();
        normalize_optional_text(&mut self.status_reason, normalize_free_text);
    }
}

/// Checks a sign-up together with its person: it is theirs, and (unless it is still a draft)
/// the person has a date of birth, is at least 15 in the first month covered, and has a
/// personal ID number (the social insurance number since 1/8/2025). The store calls this, with
/// [`Validate::validate`] on both records, whenever it saves an enrollment.
/// Codes: `record_mismatch`, `required`, `too_young`.
pub fn validate_enrollment_for(
    person: &Person,
    enrollment: &Enrollment,
    _ctx: &ValidationContext,
) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if enrollment.person_id != person.id || enrollment.household_id != person.household_id {
        errors.push(ValidationError::new(
            ValidationCode::RecordMismatch,
            "person_id",
            "Tờ khai này không thuộc người đang chọn. Hãy mở lại tờ khai từ trang của người tham gia.",
        ));
    }
    match person.date_of_birth {
        Some(dob) => {
            errors.check(check_min_age("first_month", dob, enrollment.first_month));
        }
        None if enrollment.status != EnrollmentStatus::Draft => {
            errors.push(ValidationError::new(
                ValidationCode::Required,
                "date_of_birth",
                "Chưa có ngày sinh của người tham gia. Hãy quét mã QR trên thẻ căn cước hoặc nhập ngày sinh.",
            ));
        }
        None => {}
    }
    if enrollment.status != EnrollmentStatus::Draft && non_blank(&person.personal_id).is_none() {
        errors.push(ValidationError::new(
            ValidationCode::Required,
            "personal_id",
            "Chưa có số định danh cá nhân (cũng là mã số BHXH). Hãy quét mã QR trên thẻ căn cước hoặc nhập 12 chữ số.",
        ));
    }
    errors.into_result()
}

impl Validate for Payment {
    fn validate(&self, ctx: &ValidationContext) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        errors.check(check_commune_code("commune_code", &self.commune_code));
        errors.check(check_money_positive("amount", self.amount));
        let from_ok = errors
            .check(check_first_of_month("months_from", self.months_from))
            .is_some();
        let to_ok = errors
            .check(check_first_of_month("months_to", self.months_to))
            .is_some();
        if from_ok && to_ok && self.months_to < self.months_from {
            errors.push(ValidationError::new(
                ValidationCode::PeriodOrder,
                "months_to",
                format!(
                    "Tháng cuối ({}) phải từ tháng đầu ({}) trở đi. Hãy chọn lại kỳ đóng.",
                    self.months_to.format("%m/%Y"),
                    self.months_from.format("%m/%Y")
                ),
            ));
        }
        let collected_on = vietnam_date(self.collected_at);
        errors.check(check_not_in_future("collected_at", collected_on, ctx.today));
        if from_ok && to_ok && self.months_to >= self.months_from && self.amount.get() > 0 {
            errors.check(check_payment_bound(
                self.amount,
                self.months_from,
                self.months_to,
                collected_on,
                ctx.policy,
            ));
        }
        errors.check(check_receipt_number("receipt_number", &self.receipt_number));
        errors.into_result()
    }
}

impl Normalize for Payment {
    fn normalize(&mut self) {
        self.commune_code = self.commune_code.trim().to_owned();
        self.receipt_number = normalize_receipt_number(&self.receipt_number);
    }
}

impl Validate for Remittance {
    /// Checks what the record alone can show; that `total` equals the sum of its payments needs
    /// the payments, so the store checks it.
    fn validate(&self, ctx: &ValidationContext) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        errors.check(check_commune_code("commune_code", &self.commune_code));
        errors.check(check_money_positive("total", self.total));
        if self.payment_ids.is_empty() {
            errors.push(ValidationError::new(
                ValidationCode::Required,
                "payment_ids",
                "Chưa chọn khoản thu nào để nộp. Hãy chọn các biên lai cần nộp tiền.",
            ));
        }
        if self.payment_ids.len() > MAX_PAYMENTS_PER_REMITTANCE {
            errors.push(ValidationError::new(
                ValidationCode::OutOfRange,
                "payment_ids",
                format!(
                    "Một lần nộp tiền gồm tối đa {} biên lai (đang là {}). Hãy chia thành nhiều lần nộp.",
                    Vnd(MAX_PAYMENTS_PER_REMITTANCE as i64).grouped(),
                    Vnd(self.payment_ids.len() as i64).grouped()
                ),
            ));
        }
        let mut seen = HashSet::new();
        if self.payment_ids.iter().any(|id| !seen.insert(*id)) {
            errors.push(ValidationError::new(
                ValidationCode::InvalidChoice,
                "payment_ids",
                "Một biên lai được chọn hai lần. Hãy bỏ bớt lựa chọn trùng.",
            ));
        }
        errors.check(check_not_in_future(
            "remitted_at",
            vietnam_date(self.remitted_at),
            ctx.today,
        ));
        errors.check(check_notes("note", &self.note));
        errors.into_result()
    }
}

impl Normalize for Remittance {
    fn normalize(&mut self) {
        self.commune_code = self.commune_code.trim().to_owned();
        self.note = normalize_free_text(&self.note);
    }
}

impl Validate for Quota {
    fn validate(&self, _ctx: &ValidationContext) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        errors.check(check_commune_code("commune_code", &self.commune_code));
        let year = match self.period {
            QuotaPeriod::HalfYear { year, half } => {
                if !(1..=2).contains(&half) {
                    errors.push(ValidationError::new(
                        ValidationCode::OutOfRange,
                        "period",
                        format!(
                            "Nửa năm phải là 1 (tháng 1–6) hoặc 2 (tháng 7–12), đang là {half}. Hãy chọn lại kỳ chỉ tiêu."
                        ),
                    ));
                }
                year
            }
            QuotaPeriod::Year { year } => year,
        };
        if !(2000..=2100).contains(&year) {
            errors.push(ValidationError::new(
                ValidationCode::OutOfRange,
                "period",
                format!(
                    "Năm của chỉ tiêu phải từ 2000 đến 2100 (đang là {year}). Hãy chọn lại năm."
                ),
            ));
        }
        if let QuotaScope::Commune(code) = &self.scope
            && code.trim() != self.commune_code.trim()
        {
            errors.push(ValidationError::new(
                ValidationCode::RecordMismatch,
                "scope",
                format!(
                    "Chỉ tiêu giao cho xã/phường \"{}\" nhưng ghi thuộc xã/phường \"{}\". Hãy chọn lại xã/phường.",
                    code.trim(),
                    self.commune_code.trim()
                ),
            ));
        }
        errors.into_result()
    }
}

impl Normalize for Quota {
    fn normalize(&mut self) {
        self.commune_code = self.commune_code.trim().to_owned();
        if let QuotaScope::Commune(code) = &mut self.scope {
            *code = code.trim().to_owned();
        }
    }
}

#[cfg(test)]
mod tests;
