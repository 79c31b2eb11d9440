//! Tests of record validation: one valid fixture per entity, then table tests that break one
//! field each and expect exactly one error on that field with a stable code.

use super::*;
use crate::EntityKind;
use chrono::TimeZone;
use proptest::prelude::*;
use rstest::rstest;
use uuid::Uuid;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("valid test instant")
}

/// Today in every test: 23/11/2026.
fn ctx() -> ValidationContext<'static> {
    ValidationContext::new(date(2026, 11, 23))
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// Phường Ba Đình, Hà Nội.
const COMMUNE: &str = "00004";

fn village() -> Village {
    Village {
        id: id(1),
        commune_code: COMMUNE.into(),
        name: "Tổ dân phố số 5".into(),
        kind: VillageKind::ResidentialGroup,
    }
}

fn household() -> Household {
    Household {
        id: id(2),
        commune_code: COMMUNE.into(),
        village_id: Some(id(1)),
        address: "Số 5 ngõ 12 Đội Cấn".into(),
        head_name: "Trần Văn Minh".into(),
        poverty_status: PovertyStatus::NearPoor,
        poverty_year: Some(2026),
        notes: String::new(),
        location: Some(GeoPoint {
            lat: 21.0358,
            lon: 105.8142,
        }),
    }
}

/// Chị Lan's prospect: a man born 7/3/1985 in Hà Nội (ID 001 0 85 …).
fn person() -> Person {
    Person {
        id: id(3),
        date_of_birth: Some(date(1985, 3, 7)),
        personal_id: Some("001085012345".into()),
        phone: Some("0912345678".into()),
        stage: Stage::Interested,
        ..Person::prospect(&household(), "Trần Văn Minh".into(), Sex::Male)
    }
}

fn visit() -> Visit {
    Visit {
        id: id(4),
        household_id: id(2),
        commune_code: COMMUNE.into(),
        village_id: Some(id(1)),
        visited_at: utc(2026, 11, 23, 2, 0),
        visited_by: id(9),
        persons_met: vec![id(3)],
        channel: VisitChannel::DoorToDoor,
        outcome: VisitOutcome::Interested,
        notes: "Gọi lại Chủ nhật".into(),
        location: None,
        next_follow_up: Some(date(2026, 11, 29)),
    }
}

fn follow_up() -> FollowUp {
    FollowUp {
        id: id(5),
        household_id: id(2),
        person_id: Some(id(3)),
        commune_code: COMMUNE.into(),
        village_id: Some(id(1)),
        assigned_to: id(9),
        due_date: date(2026, 11, 29),
        reason: FollowUpReason::CallBack,
        note: String::new(),
        done: false,
    }
}

fn outreach() -> OutreachEvent {
    OutreachEvent {
        id: id(6),
        kind: OutreachKind::VillageMeeting,
        commune_code: COMMUNE.into(),
        village_id: Some(id(1)),
        date: date(2026, 11, 15),
        attendees: 43,
        organiser: "Ban vận động tổ dân phố số 5".into(),
        notes: String::new(),
    }
}

fn enrollment() -> Enrollment {
    Enrollment {
        id: id(7),
        person_id: id(3),
        household_id: id(2),
        commune_code: COMMUNE.into(),
        village_id: Some(id(1)),
        collector_id: id(9),
        monthly_income: Vnd(1_500_000),
        payment_mode: PaymentMode::Quarterly,
        first_month: date(2026, 12, 1),
        support_groups: vec![SupportGroup::NearPoor],
        quote: None,
        status: EnrollmentStatus::Submitted,
        status_reason: None,
    }
}

fn payment() -> Payment {
    Payment {
        id: id(8),
        enrollment_id: id(7),
        person_id: id(3),
        household_id: id(2),
        commune_code: COMMUNE.into(),
        village_id: Some(id(1)),
        collector_id: id(9),
        months_from: date(2026, 12, 1),
        months_to: date(2027, 2, 1),
        amount: Vnd(594_000),
        collected_at: utc(2026, 11, 23, 3, 0),
        receipt_number: "0001234".into(),
        method: PaymentMethod::Cash,
    }
}

fn remittance() -> Remittance {
    Remittance {
        id: id(10),
        collector_id: id(9),
        commune_code: COMMUNE.into(),
        remitted_at: utc(2026, 11, 23, 9, 0),
        payment_ids: vec![id(8)],
        total: Vnd(594_000),
        note: String::new(),
    }
}

fn quota() -> Quota {
    Quota {
        id: id(11),
        period: QuotaPeriod::HalfYear {
            year: 2026,
            half: 2,
        },
        scope: QuotaScope::Collector(id(9)),
        commune_code: COMMUNE.into(),
        target_signups: 60,
        target_renewals: 40,
    }
}

fn user() -> User {
    User {
        id: id(9),
        full_name: "Nguyễn Thị Lan".into(),
        role: Role::PostOfficeCollector,
        phone: Some("0987654321".into()),
        organisation: Some("Bưu điện xã".into()),
    }
}

/// The (field, code) pairs of a validation result.
fn problems(result: Result<(), ValidationErrors>) -> Vec<(String, ValidationCode)> {
    match result {
        Ok(()) => Vec::new(),
        Err(errors) => errors.0.into_iter().map(|e| (e.field, e.code)).collect(),
    }
}

/// Breaks one thing in a valid record and expects exactly one error, on `field` with `code`.
fn check<T: Validate>(mut record: T, change: fn(&mut T), field: &str, code: ValidationCode) {
    assert_eq!(
        problems(record.validate(&ctx())),
        vec![],
        "the fixture is valid"
    );
    change(&mut record);
    let errors = record
        .validate(&ctx())
        .expect_err("the change must be refused");
    let got: Vec<(&str, ValidationCode)> = errors
        .0
        .iter()
        .map(|e| (e.field.as_str(), e.code))
        .collect();
    assert_eq!(got, vec![(field, code)], "one error on {field}");
    let message = &errors.0[0].message;
    assert!(
        message.ends_with('.') && !message.is_ascii(),
        "a Vietnamese sentence telling what to do: {message:?}"
    );
}

#[test]
fn every_fixture_is_valid() {
    let c = ctx();
    assert_eq!(problems(village().validate(&c)), vec![]);
    assert_eq!(problems(household().validate(&c)), vec![]);
    assert_eq!(problems(person().validate(&c)), vec![]);
    assert_eq!(problems(visit().validate(&c)), vec![]);
    assert_eq!(problems(follow_up().validate(&c)), vec![]);
    assert_eq!(problems(outreach().validate(&c)), vec![]);
    assert_eq!(problems(enrollment().validate(&c)), vec![]);
    assert_eq!(problems(payment().validate(&c)), vec![]);
    assert_eq!(problems(remittance().validate(&c)), vec![]);
    assert_eq!(problems(quota().validate(&c)), vec![]);
    assert_eq!(problems(user().validate(&c)), vec![]);
    assert_eq!(
        problems(validate_enrollment_for(&person(), &enrollment(), &c)),
        vec![]
    );
}

// Sources: rules.md §6 (personal ID, phone), §7 (commune codes), the issue text (names ≤ 100,
// notes ≤ 2000, decline reason required when declined, birth not before 1900 nor in the future).
#[rstest]
#[case::commune_unknown(|p: &mut Person| p.commune_code = "99999".into(), "commune_code", ValidationCode::UnknownAdminUnit)]
#[case::commune_old_district(|p: &mut Person| p.commune_code = "001".into(), "commune_code", ValidationCode::UnknownAdminUnit)]
#[case::name_empty(|p: &mut Person| p.full_name = "  ".into(), "full_name", ValidationCode::Required)]
#[case::name_too_long(|p: &mut Person| p.full_name = "Ạ".repeat(101), "full_name", ValidationCode::TooLong)]
#[case::born_tomorrow(|p: &mut Person| { p.date_of_birth = Some(date(2026, 11, 24)); p.personal_id = None; }, "date_of_birth", ValidationCode::DateInFuture)]
#[case::born_1899(|p: &mut Person| { p.date_of_birth = Some(date(1899, 12, 31)); p.personal_id = None; }, "date_of_birth", ValidationCode::OutOfRange)]
#[case::id_eleven_digits(|p: &mut Person| p.personal_id = Some("00108501234".into()), "personal_id", ValidationCode::CccdLength)]
#[case::id_unknown_province(|p: &mut Person| p.personal_id = Some("003085012345".into()), "personal_id", ValidationCode::CccdProvince)]
#[case::id_says_female(|p: &mut Person| p.personal_id = Some("001185012345".into()), "personal_id", ValidationCode::CccdSexCentury)]
#[case::id_says_1986(|p: &mut Person| p.personal_id = Some("001086012345".into()), "personal_id", ValidationCode::CccdBirthYear)]
#[case::id_without_birth_date_wrong_sex(|p: &mut Person| { p.date_of_birth = None; p.personal_id = Some("001185012345".into()); }, "personal_id", ValidationCode::CccdSexCentury)]
#[case::id_without_birth_date_short(|p: &mut Person| { p.date_of_birth = None; p.personal_id = Some("0010850123".into()); }, "personal_id", ValidationCode::CccdLength)]
#[case::legacy_code_nine_digits(|p: &mut Person| p.legacy_insurance_code = Some("012345678".into()), "legacy_insurance_code", ValidationCode::InsuranceCodeFormat)]
#[case::phone_short(|p: &mut Person| p.phone = Some("091234567".into()), "phone", ValidationCode::PhoneFormat)]
#[case::phone_landline(|p: &mut Person| p.phone = Some("024 3825 123".into()), "phone", ValidationCode::PhonePrefix)]
#[case::declined_without_reason(|p: &mut Person| p.stage = Stage::Declined, "decline_reason", ValidationCode::Required)]
#[case::declined_blank_reason(|p: &mut Person| { p.stage = Stage::Declined; p.decline_reason = Some(" ".into()); }, "decline_reason", ValidationCode::Required)]
#[case::notes_too_long(|p: &mut Person| p.notes = "x".repeat(2_001), "notes", ValidationCode::TooLong)]
fn person_rules(
    #[case] change: fn(&mut Person),
    #[case] field: &str,
    #[case] code: ValidationCode,
) {
    check(person(), change, field, code);
}

#[test]
fn person_with_only_a_name_is_a_valid_prospect() {
    let prospect = Person {
        date_of_birth: None,
        personal_id: None,
        phone: None,
        stage: Stage::Prospect,
        ..person()
    };
    assert_eq!(problems(prospect.validate(&ctx())), vec![]);
    let declined = Person {
        stage: Stage::Declined,
        decline_reason: Some("Đã có BHXH bắt buộc".into()),
        ..person()
    };
    assert_eq!(problems(declined.validate(&ctx())), vec![]);
}

#[test]
fn a_wrong_birth_date_is_not_blamed_on_the_id() {
    // Born "tomorrow" with an ID that says 1985: one error, on the date, not two.
    let mut p = person();
    p.date_of_birth = Some(date(2085, 3, 7));
    assert_eq!(
        problems(p.validate(&ctx())),
        vec![("date_of_birth".to_owned(), ValidationCode::DateInFuture)]
    );
}

#[test]
fn messages_say_what_to_do() {
    let mut p = person();
    p.personal_id = Some("00108501234".into());
    let errors = p.validate(&ctx()).expect_err("11 digits");
    assert_eq!(
        errors.0[0].message,
        "Số định danh phải có đúng 12 chữ số (đang có 11). Hãy đối chiếu lại với thẻ căn cước."
    );
    assert_eq!(errors.0[0].code.as_str(), "cccd_length");
}

#[test]
fn all_problems_are_reported_at_once() {
    let mut p = person();
    p.full_name = String::new();
    p.phone = Some("123".into());
    p.commune_code = String::new();
    let fields: Vec<String> = problems(p.validate(&ctx()))
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    assert_eq!(fields, vec!["commune_code", "full_name", "phone"]);
}

// Source: issue: visit date (Asia/Ho_Chi_Minh) ≤ today; next follow-up not before the visit.
#[rstest]
#[case::tomorrow_in_vietnam(|v: &mut Visit| v.visited_at = utc(2026, 11, 23, 17, 0), "visited_at", ValidationCode::DateInFuture)]
#[case::follow_up_before_visit(|v: &mut Visit| v.next_follow_up = Some(date(2026, 11, 22)), "next_follow_up", ValidationCode::PeriodOrder)]
#[case::bad_gps(|v: &mut Visit| v.location = Some(GeoPoint { lat: 91.0, lon: 105.0 }), "location", ValidationCode::InvalidLocation)]
#[case::nan_gps(|v: &mut Visit| v.location = Some(GeoPoint { lat: f64::NAN, lon: 105.0 }), "location", ValidationCode::InvalidLocation)]
#[case::unknown_commune(|v: &mut Visit| v.commune_code = "".into(), "commune_code", ValidationCode::UnknownAdminUnit)]
#[case::notes_too_long(|v: &mut Visit| v.notes = "ê".repeat(2_001), "notes", ValidationCode::TooLong)]
fn visit_rules(#[case] change: fn(&mut Visit), #[case] field: &str, #[case] code: ValidationCode) {
    check(visit(), change, field, code);
}

#[test]
fn visit_day_is_the_vietnamese_calendar_day() {
    let mut v = visit();
    // 16:59 UTC is 23:59 in Hà Nội: still today.
    v.visited_at = utc(2026, 11, 23, 16, 59);
    v.next_follow_up = Some(date(2026, 11, 23));
    assert_eq!(problems(v.validate(&ctx())), vec![]);
    // 17:00 UTC is midnight: tomorrow.
    assert_eq!(vietnam_date(utc(2026, 11, 23, 17, 0)), date(2026, 11, 24));
    assert_eq!(
        ValidationContext::at(utc(2026, 11, 23, 17, 0)).today,
        date(2026, 11, 24)
    );
    // 23:00 UTC on the 22nd is already the 23rd in Vietnam: a follow-up on the 22nd is before.
    v.visited_at = utc(2026, 11, 22, 23, 0);
    v.next_follow_up = Some(date(2026, 11, 22));
    assert_eq!(
        problems(v.validate(&ctx())),
        vec![("next_follow_up".to_owned(), ValidationCode::PeriodOrder)]
    );
}

// Source: issue (payment: amount > 0, months_to ≥ months_from, both first-of-month; receipts).
#[rstest]
#[case::zero_amount(|p: &mut Payment| p.amount = Vnd(0), "amount", ValidationCode::MoneyNotPositive)]
#[case::negative_amount(|p: &mut Payment| p.amount = Vnd(-594_000), "amount", ValidationCode::MoneyNotPositive)]
#[case::from_mid_month(|p: &mut Payment| p.months_from = date(2026, 12, 15), "months_from", ValidationCode::NotFirstOfMonth)]
#[case::to_mid_month(|p: &mut Payment| p.months_to = date(2027, 2, 28), "months_to", ValidationCode::NotFirstOfMonth)]
#[case::to_before_from(|p: &mut Payment| p.months_to = date(2026, 11, 1), "months_to", ValidationCode::PeriodOrder)]
#[case::collected_tomorrow(|p: &mut Payment| p.collected_at = utc(2026, 11, 24, 3, 0), "collected_at", ValidationCode::DateInFuture)]
#[case::no_receipt(|p: &mut Payment| p.receipt_number = " ".into(), "receipt_number", ValidationCode::Required)]
#[case::receipt_too_long(|p: &mut Payment| p.receipt_number = "1".repeat(31), "receipt_number", ValidationCode::TooLong)]
#[case::receipt_with_space(|p: &mut Payment| p.receipt_number = "BL 01".into(), "receipt_number", ValidationCode::InvalidCharacters)]
#[case::amount_no_payment_reaches(|p: &mut Payment| p.amount = Vnd(i64::MAX), "amount", ValidationCode::OutOfRange)]
#[case::more_than_120_months(|p: &mut Payment| p.months_from = date(2016, 12, 1), "months_to", ValidationCode::OutOfRange)]
fn payment_rules(
    #[case] change: fn(&mut Payment),
    #[case] field: &str,
    #[case] code: ValidationCode,
) {
    check(payment(), change, field, code);
}

#[test]
fn a_one_month_payment_is_valid() {
    let p = Payment {
        months_to: date(2026, 12, 1),
        amount: Vnd(198_000),
        ..payment()
    };
    assert_eq!(problems(p.validate(&ctx())), vec![]);
}

// Source: issue (enrollment: income > 0, first_month first of month, status_reason required
// for rejected/needs_correction); rules.md §3 (≤ 5 years ahead, missing period ≤ 60 months).
#[rstest]
#[case::zero_income(|e: &mut Enrollment| e.monthly_income = Vnd(0), "monthly_income", ValidationCode::MoneyNotPositive)]
#[case::first_month_mid_month(|e: &mut Enrollment| e.first_month = date(2026, 12, 2), "first_month", ValidationCode::NotFirstOfMonth)]
#[case::rejected_without_reason(|e: &mut Enrollment| e.status = EnrollmentStatus::Rejected, "status_reason", ValidationCode::Required)]
#[case::correction_blank_reason(|e: &mut Enrollment| { e.status = EnrollmentStatus::NeedsCorrection; e.status_reason = Some("  ".into()); }, "status_reason", ValidationCode::Required)]
#[case::six_years_ahead(|e: &mut Enrollment| e.payment_mode = PaymentMode::YearsAhead(6), "payment_mode", ValidationCode::OutOfRange)]
#[case::zero_years_ahead(|e: &mut Enrollment| e.payment_mode = PaymentMode::YearsAhead(0), "payment_mode", ValidationCode::OutOfRange)]
#[case::missing_61_months(|e: &mut Enrollment| e.payment_mode = PaymentMode::MissingPeriod(61), "payment_mode", ValidationCode::OutOfRange)]
#[case::same_group_twice(|e: &mut Enrollment| e.support_groups = vec![SupportGroup::Poor, SupportGroup::Poor], "support_groups", ValidationCode::InvalidChoice)]
#[case::unknown_commune(|e: &mut Enrollment| e.commune_code = "0004".into(), "commune_code", ValidationCode::UnknownAdminUnit)]
#[case::income_below_floor(|e: &mut Enrollment| e.monthly_income = Vnd(1_499_999), "monthly_income", ValidationCode::IncomeBelowFloor)]
#[case::income_above_ceiling(|e: &mut Enrollment| e.monthly_income = Vnd(50_600_001), "monthly_income", ValidationCode::IncomeAboveCeiling)]
#[case::quote_snapshot_too_big(|e: &mut Enrollment| e.quote = Some(serde_json::json!({"x": "y".repeat(MAX_QUOTE_SNAPSHOT_BYTES)})), "quote", ValidationCode::TooLong)]
fn enrollment_rules(
    #[case] change: fn(&mut Enrollment),
    #[case] field: &str,
    #[case] code: ValidationCode,
) {
    check(enrollment(), change, field, code);
}

#[test]
fn a_correction_request_with_its_reason_is_valid() {
    let e = Enrollment {
        status: EnrollmentStatus::NeedsCorrection,
        status_reason: Some("Thiếu số điện thoại".into()),
        payment_mode: PaymentMode::YearsAhead(5),
        ..enrollment()
    };
    assert_eq!(problems(e.validate(&ctx())), vec![]);
}

// Source: Law 41/2024 Art. 2 and the issue: voluntary insurance from age 15 → too_young.
#[rstest]
#[case::fifteen_on_the_first_day(date(2011, 12, 1), EnrollmentStatus::Submitted, None)]
#[case::fifteen_a_day_later(date(2011, 12, 2), EnrollmentStatus::Submitted, Some(("first_month", ValidationCode::TooYoung)))]
#[case::leap_day_birth_turns_15_on_1_march(date(2012, 2, 29), EnrollmentStatus::Draft, Some(("first_month", ValidationCode::TooYoung)))]
#[case::draft_fourteen(date(2012, 6, 1), EnrollmentStatus::Draft, Some(("first_month", ValidationCode::TooYoung)))]
#[case::pensioner_age(date(1960, 1, 1), EnrollmentStatus::Approved, None)]
fn enrollment_minimum_age(
    #[case] dob: NaiveDate,
    #[case] status: EnrollmentStatus,
    #[case] expected: Option<(&str, ValidationCode)>,
) {
    let p = Person {
        date_of_birth: Some(dob),
        personal_id: None,
        ..person()
    };
    let e = Enrollment {
        status,
        first_month: date(2026, 12, 1),
        ..enrollment()
    };
    let mut got: Vec<(String, ValidationCode)> = problems(validate_enrollment_for(&p, &e, &ctx()));
    // The missing ID is reported for non-drafts; this test is about age.
    got.retain(|(field, _)| field != "personal_id");
    let expected: Vec<(String, ValidationCode)> = expected
        .map(|(f, c)| (f.to_owned(), c))
        .into_iter()
        .collect();
    assert_eq!(got, expected, "born {dob}");
}

#[test]
fn too_young_message_says_when_the_person_comes_of_age() {
    let p = Person {
        date_of_birth: Some(date(2012, 2, 29)),
        ..person()
    };
    let e = Enrollment {
        first_month: date(2027, 2, 1),
        ..enrollment()
    };
    let errors = validate_enrollment_for(&p, &e, &ctx()).expect_err("14 in February 2027");
    let message = &errors.0[0].message;
    assert!(message.contains("01/03/2027"), "{message}");
    assert!(message.contains("mới 14 tuổi"), "{message}");
}

#[test]
fn a_submitted_enrollment_needs_birth_date_and_id() {
    let p = Person {
        date_of_birth: None,
        personal_id: None,
        ..person()
    };
    assert_eq!(
        problems(validate_enrollment_for(&p, &enrollment(), &ctx())),
        vec![
            ("date_of_birth".to_owned(), ValidationCode::Required),
            ("personal_id".to_owned(), ValidationCode::Required),
        ]
    );
    let draft = Enrollment {
        status: EnrollmentStatus::Draft,
        ..enrollment()
    };
    assert_eq!(
        problems(validate_enrollment_for(&p, &draft, &ctx())),
        vec![]
    );
    let other = Person {
        id: id(99),
        ..person()
    };
    assert_eq!(
        problems(validate_enrollment_for(&other, &enrollment(), &ctx())),
        vec![("person_id".to_owned(), ValidationCode::RecordMismatch)]
    );
}

// Source: issue (remittance: total > 0, non-empty payment_ids).
#[rstest]
#[case::zero_total(|r: &mut Remittance| r.total = Vnd(0), "total", ValidationCode::MoneyNotPositive)]
#[case::no_payments(|r: &mut Remittance| r.payment_ids.clear(), "payment_ids", ValidationCode::Required)]
#[case::payment_twice(|r: &mut Remittance| r.payment_ids.push(id(8)), "payment_ids", ValidationCode::InvalidChoice)]
#[case::tomorrow(|r: &mut Remittance| r.remitted_at = utc(2026, 11, 24, 1, 0), "remitted_at", ValidationCode::DateInFuture)]
fn remittance_rules(
    #[case] change: fn(&mut Remittance),
    #[case] field: &str,
    #[case] code: ValidationCode,
) {
    check(remittance(), change, field, code);
}

// Source: issue (quota: half in 1..=2); entities.rs (the commune scope is the sync scope).
#[rstest]
#[case::half_zero(|q: &mut Quota| q.period = QuotaPeriod::HalfYear { year: 2026, half: 0 }, "period", ValidationCode::OutOfRange)]
#[case::half_three(|q: &mut Quota| q.period = QuotaPeriod::HalfYear { year: 2026, half: 3 }, "period", ValidationCode::OutOfRange)]
#[case::year_typo(|q: &mut Quota| q.period = QuotaPeriod::Year { year: 226 }, "period", ValidationCode::OutOfRange)]
#[case::other_commune_scope(|q: &mut Quota| q.scope = QuotaScope::Commune("00008".into()), "scope", ValidationCode::RecordMismatch)]
#[case::unknown_commune(|q: &mut Quota| q.commune_code = "12".into(), "commune_code", ValidationCode::UnknownAdminUnit)]
fn quota_rules(#[case] change: fn(&mut Quota), #[case] field: &str, #[case] code: ValidationCode) {
    check(quota(), change, field, code);
}

// Source: issue (outreach attendees ≤ 100000; events are recorded after they happen).
#[rstest]
#[case::too_many(|o: &mut OutreachEvent| o.attendees = 100_001, "attendees", ValidationCode::OutOfRange)]
#[case::future(|o: &mut OutreachEvent| o.date = date(2026, 11, 24), "date", ValidationCode::DateInFuture)]
#[case::notes(|o: &mut OutreachEvent| o.notes = "x".repeat(2_001), "notes", ValidationCode::TooLong)]
fn outreach_rules(
    #[case] change: fn(&mut OutreachEvent),
    #[case] field: &str,
    #[case] code: ValidationCode,
) {
    check(outreach(), change, field, code);
}

// Source: issue (names, GPS ranges, commune codes for every entity).
#[rstest]
#[case::village_name(|v: &mut Village| v.name = String::new(), "name", ValidationCode::Required)]
#[case::village_commune(|v: &mut Village| v.commune_code = "31079".into(), "commune_code", ValidationCode::UnknownAdminUnit)]
fn village_rules(
    #[case] change: fn(&mut Village),
    #[case] field: &str,
    #[case] code: ValidationCode,
) {
    check(village(), change, field, code);
}

#[rstest]
#[case::head_name(|h: &mut Household| h.head_name = " ".into(), "head_name", ValidationCode::Required)]
#[case::poverty_year_typo(|h: &mut Household| h.poverty_year = Some(206), "poverty_year", ValidationCode::OutOfRange)]
#[case::poverty_year_future(|h: &mut Household| h.poverty_year = Some(2028), "poverty_year", ValidationCode::OutOfRange)]
#[case::gps_lon(|h: &mut Household| h.location = Some(GeoPoint { lat: 21.0, lon: 181.0 }), "location", ValidationCode::InvalidLocation)]
#[case::address(|h: &mut Household| h.address = "a".repeat(301), "address", ValidationCode::TooLong)]
fn household_rules(
    #[case] change: fn(&mut Household),
    #[case] field: &str,
    #[case] code: ValidationCode,
) {
    check(household(), change, field, code);
}

#[rstest]
#[case::follow_up_commune(|f: &mut FollowUp| f.commune_code = "x".into(), "commune_code", ValidationCode::UnknownAdminUnit)]
#[case::follow_up_note(|f: &mut FollowUp| f.note = "x".repeat(2_001), "note", ValidationCode::TooLong)]
fn follow_up_rules(
    #[case] change: fn(&mut FollowUp),
    #[case] field: &str,
    #[case] code: ValidationCode,
) {
    check(follow_up(), change, field, code);
}

#[rstest]
#[case::user_name(|u: &mut User| u.full_name = String::new(), "full_name", ValidationCode::Required)]
#[case::user_phone(|u: &mut User| u.phone = Some("+1 555 0100".into()), "phone", ValidationCode::PhoneFormat)]
fn user_rules(#[case] change: fn(&mut User), #[case] field: &str, #[case] code: ValidationCode) {
    check(user(), change, field, code);
}

#[test]
fn normalize_cleans_what_people_type() {
    let mut p = person();
    p.full_name = "  tra\u{300}n   Văn\tMinh ".into();
    p.personal_id = Some(" 001 085 012 345 ".into());
    p.phone = Some("+84 912.345.678".into());
    p.decline_reason = Some("   ".into());
    p.legacy_insurance_code = Some(String::new());
    p.notes = " gọi lại\r\nChủ nhật ".into();
    p.commune_code = " 00004 ".into();
    let p = p.normalized();
    assert_eq!(p.full_name, "tràn Văn Minh");
    assert_eq!(p.personal_id.as_deref(), Some("001085012345"));
    assert_eq!(p.phone.as_deref(), Some("0912345678"));
    assert_eq!(p.decline_reason, None, "blank optional text becomes None");
    assert_eq!(p.legacy_insurance_code, None);
    assert_eq!(p.notes, "gọi lại\nChủ nhật");
    assert_eq!(p.commune_code, "00004");
    assert_eq!(problems(p.validate(&ctx())), vec![]);

    let bad_phone = Person {
        phone: Some(" 0912 ".into()),
        ..person()
    }
    .normalized();
    assert_eq!(
        bad_phone.phone.as_deref(),
        Some("0912"),
        "an unreadable phone is kept for validation to report"
    );

    let pay = Payment {
        receipt_number: " bl/26-01 ".into(),
        ..payment()
    }
    .normalized();
    assert_eq!(pay.receipt_number, "BL/26-01");
}

/// Text as people type it: padding, doubled spaces, NFD, mixed separators.
fn messy_text(parts: &'static [&'static str]) -> impl Strategy<Value = String> {
    (
        prop::sample::select(parts),
        prop::sample::select(&["", " ", "  ", "\t", "\n"][..]),
    )
        .prop_map(|(part, pad)| {
            use unicode_normalization::UnicodeNormalization;
            format!(
                "{pad}{}{pad}",
                part.nfd()
                    .collect::<String>()
                    .replace(' ', &format!(" {pad}"))
            )
        })
}

fn messy_person() -> impl Strategy<Value = Person> {
    (
        messy_text(&["Trần Văn Minh", "Đỗ Thị Hà", "", "a b"]),
        proptest::option::of(messy_text(&[
            "001 085 012 345",
            "001085012345",
            "00108501234",
            "001.185.012.345",
            "abc",
        ])),
        proptest::option::of(messy_text(&[
            "+84 912 345 678",
            "0912.345.678",
            "84912345678",
            "0241234567",
            "12",
        ])),
        proptest::option::of(messy_text(&["Đã có BHXH bắt buộc", ""])),
        any::<bool>(),
        prop::option::of(0..30_000i64),
    )
        .prop_map(
            |(name, personal_id, phone, reason, declined, dob_days)| Person {
                full_name: name,
                personal_id,
                phone,
                decline_reason: reason,
                stage: if declined {
                    Stage::Declined
                } else {
                    Stage::Contacted
                },
                date_of_birth: dob_days.map(|d| date(1930, 1, 1) + chrono::Duration::days(d)),
                ..person()
            },
        )
}

proptest! {
    #[test]
    fn normalizing_never_changes_the_verdict(p in messy_person()) {
        let before = problems(p.validate(&ctx()));
        let clean = p.normalized();
        prop_assert_eq!(problems(clean.validate(&ctx())), before);
        prop_assert_eq!(clean.clone().normalized(), clean, "normalize is idempotent");
    }
}

// Sources: the floor is the rural poverty line, 1.500.000 ₫ to 31/12/2026 (Decree 07/2021/NĐ-CP)
// and 2.200.000 ₫ from 1/1/2027 (the 2026–2030 standard); the ceiling is 20 × the reference
// level, 2.340.000 ₫ from 1/7/2024 (Decree 73/2024/NĐ-CP) and 2.530.000 ₫ from 1/7/2026
// (Decree 161/2026/NĐ-CP): Law 41/2024 Art. 31.2. Each bound on both sides of its date.
#[rstest]
#[case::floor_2026_below(date(2026, 12, 1), 1_499_999, Some(ValidationCode::IncomeBelowFloor))]
#[case::floor_2026_at(date(2026, 12, 1), 1_500_000, None)]
#[case::floor_2027_below(date(2027, 1, 1), 2_199_999, Some(ValidationCode::IncomeBelowFloor))]
#[case::floor_2027_at(date(2027, 1, 1), 2_200_000, None)]
#[case::ceiling_june_2026_at(date(2026, 6, 1), 46_800_000, None)]
#[case::ceiling_june_2026_above(
    date(2026, 6, 1),
    46_800_001,
    Some(ValidationCode::IncomeAboveCeiling)
)]
#[case::ceiling_july_2026_at(date(2026, 7, 1), 50_600_000, None)]
#[case::ceiling_july_2026_above(
    date(2026, 7, 1),
    50_600_001,
    Some(ValidationCode::IncomeAboveCeiling)
)]
fn income_bounds_follow_the_dated_policy(
    #[case] month: NaiveDate,
    #[case] income: i64,
    #[case] expected: Option<ValidationCode>,
) {
    let got = check_income_bounds("monthly_income", Vnd(income), month, Policy::embedded());
    assert_eq!(got.err().map(|e| e.code), expected);
}

#[test]
fn the_income_messages_name_the_bound_in_vietnamese_money() {
    let err = check_income_bounds(
        "monthly_income",
        Vnd(1_000_000),
        date(2026, 12, 1),
        Policy::embedded(),
    )
    .expect_err("below the floor");
    assert!(err.message.contains("1.500.000 ₫"), "{}", err.message);
    assert!(err.message.contains("12/2026"), "{}", err.message);
}

// The bound by hand: one month of December 2026 at the ceiling, 22% × 50.600.000 = 11.132.000,
// grown by one month of the fund's return r = 0,31% (Decree 159/2025 Art. 7 form; r from the
// policy data): 11.132.000 × 1,0031 = 11.166.509,2 → 11.166.510 rounded up. Three months
// compound: 11.132.000 × (1,0031 + 1,0031² + 1,0031³).
#[test]
fn the_payment_bound_is_the_ceiling_months_grown_by_the_funds_return() {
    let policy = Policy::embedded();
    let one = max_payment_amount(
        policy,
        date(2026, 12, 1),
        date(2026, 12, 1),
        date(2026, 11, 23),
    );
    assert_eq!(one, Some(Vnd(11_166_510)));
    let three = max_payment_amount(
        policy,
        date(2026, 12, 1),
        date(2027, 2, 1),
        date(2026, 11, 23),
    )
    .expect("bounded");
    let by_hand = 11_132_000f64 * (1.0031 + 1.0031f64.powi(2) + 1.0031f64.powi(3));
    assert!(
        (three.get() as f64 - by_hand).abs() <= 3.0,
        "{three} vs {by_hand}"
    );
    // Paid in June 2026 for July (the new reference level): July's ceiling counts.
    let july = max_payment_amount(
        policy,
        date(2026, 7, 1),
        date(2026, 7, 1),
        date(2026, 6, 20),
    )
    .expect("bounded");
    assert_eq!(july, Vnd(11_166_510));
    // A month before the policy's tables is still bounded, by the largest ceiling it knows.
    assert!(
        max_payment_amount(
            policy,
            date(2015, 1, 1),
            date(2015, 1, 1),
            date(2015, 1, 20)
        )
        .is_some()
    );
}

proptest! {
    /// A real quarterly contribution (any income between floor and ceiling, any support) is
    /// always within the bound: the bound never refuses a real payment.
    #[test]
    fn a_real_contribution_is_within_the_bound(income in 1_500_000i64..=50_600_000) {
        let policy = Policy::embedded();
        let gross = income * 22 / 100 * 3;
        let bound = max_payment_amount(policy, date(2026, 12, 1), date(2027, 2, 1), date(2026, 11, 23))
            .expect("bounded");
        prop_assert!(Vnd(gross) <= bound);
    }
}

/// Every field of every kind of record has a Vietnamese name, and every chosen value in the
/// samples a Vietnamese name too (`labels`: the dashboard's conflict log shows them).
#[test]
fn every_field_and_choice_has_a_vietnamese_name() {
    use crate::labels::{field_label_vi, value_label_vi};
    let samples: Vec<(EntityKind, serde_json::Value)> = vec![
        (
            EntityKind::Village,
            serde_json::to_value(village()).unwrap(),
        ),
        (
            EntityKind::Household,
            serde_json::to_value(household()).unwrap(),
        ),
        (EntityKind::Person, serde_json::to_value(person()).unwrap()),
        (EntityKind::Visit, serde_json::to_value(visit()).unwrap()),
        (
            EntityKind::FollowUp,
            serde_json::to_value(follow_up()).unwrap(),
        ),
        (
            EntityKind::OutreachEvent,
            serde_json::to_value(outreach()).unwrap(),
        ),
        (
            EntityKind::Enrollment,
            serde_json::to_value(enrollment()).unwrap(),
        ),
        (
            EntityKind::Payment,
            serde_json::to_value(payment()).unwrap(),
        ),
        (
            EntityKind::Remittance,
            serde_json::to_value(remittance()).unwrap(),
        ),
        (EntityKind::Quota, serde_json::to_value(quota()).unwrap()),
    ];
    assert_eq!(
        samples.len(),
        EntityKind::ALL.len(),
        "a sample of every kind"
    );
    let mut choices = 0;
    for (kind, sample) in samples {
        for (field, value) in sample.as_object().expect("a record is an object") {
            assert!(
                field_label_vi(kind, field).is_some(),
                "{kind:?}.{field} has no Vietnamese name"
            );
            let chosen: Vec<&str> = match value {
                serde_json::Value::String(s) => vec![s.as_str()],
                serde_json::Value::Array(items) => {
                    items.iter().filter_map(|v| v.as_str()).collect()
                }
                serde_json::Value::Object(o) => {
                    o.get("kind").and_then(|k| k.as_str()).into_iter().collect()
                }
                _ => vec![],
            };
            for value in chosen {
                if value_label_vi(kind, field, value).is_some() {
                    choices += 1;
                }
            }
        }
    }
    // sex, occupation, coverage, stage, poverty status, channel, outcome, reason, outreach
    // kind, village kind, support group, payment mode, status, method.
    assert!(choices >= 14, "the samples' choices were named: {choices}");
    assert_eq!(
        value_label_vi(EntityKind::Enrollment, "status", "submitted"),
        Some("Đã gửi")
    );
    assert_eq!(
        value_label_vi(EntityKind::Enrollment, "status", "bogus"),
        None
    );
    assert_eq!(
        value_label_vi(EntityKind::Person, "full_name", "male"),
        None
    );
}

/// The dashboard names each choice as the field app does: the app's `vi.json` has the same
/// names for the same values.
#[test]
fn choices_are_named_as_the_app_names_them() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/src/lib/i18n/vi.json");
    let app: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("the app's vi.json")).unwrap();
    let app = app["enum"].as_object().expect("an enum section");
    let mut compared = 0;
    for (name, values) in crate::labels::CHOICES {
        let Some(theirs) = app.get(*name) else {
            assert_eq!(
                *name, "village_kind",
                "{name} is missing in the app's vi.json"
            );
            continue;
        };
        let ours: serde_json::Map<String, serde_json::Value> = values
            .iter()
            .map(|(v, label)| ((*v).to_owned(), serde_json::Value::from(*label)))
            .collect();
        assert_eq!(theirs.as_object(), Some(&ours), "the names of {name}");
        compared += 1;
    }
    assert_eq!(compared, crate::labels::CHOICES.len() - 1);
}
