//! One valid record of each kind, built the way the app builds it, for tests: real commune
//! codes, a personal ID number that agrees with the birth date and sex, a mobile number with a
//! real prefix. Scope fields (commune, village) come from the parent record, as in the app.

use chrono::{DateTime, NaiveDate, Utc};
use sotay_domain::*;
use uuid::Uuid;

/// A village (thôn) of `commune`.
pub fn village(commune: &str, name: &str) -> Village {
    Village {
        id: new_id(),
        commune_code: commune.into(),
        name: name.into(),
        kind: VillageKind::Village,
    }
}

/// A near-poor household of `commune` (in `village` when given), on the 2025 list.
pub fn household(commune: &str, village: Option<Uuid>, head: &str, address: &str) -> Household {
    Household {
        id: new_id(),
        commune_code: commune.into(),
        village_id: village,
        address: address.into(),
        head_name: head.into(),
        poverty_status: PovertyStatus::NearPoor,
        poverty_year: Some(2025),
        notes: String::new(),
        location: None,
    }
}

/// A man of `household` born 12/04/1985, with a valid personal ID number (001 Hà Nội, 0 = a
/// man born in the 1900s, 85) and phone, both ending in `serial`; interested in joining.
pub fn person(household: &Household, name: &str, serial: u32) -> Person {
    Person {
        date_of_birth: NaiveDate::from_ymd_opt(1985, 4, 12),
        personal_id: Some(format!("001085{serial:06}")),
        phone: Some(format!("0912{serial:06}")),
        stage: Stage::Interested,
        ..Person::prospect(household, name.into(), Sex::Male)
    }
}

/// A door-to-door visit to `household` by `by` at `at`: informed, to call back on Sunday.
pub fn visit(household: &Household, by: Uuid, at: DateTime<Utc>) -> Visit {
    Visit {
        id: new_id(),
        household_id: household.id,
        commune_code: household.commune_code.clone(),
        village_id: household.village_id,
        visited_at: at,
        visited_by: by,
        persons_met: vec![],
        channel: VisitChannel::DoorToDoor,
        outcome: VisitOutcome::Informed,
        notes: "Gọi lại Chủ nhật".into(),
        location: None,
        next_follow_up: None,
    }
}

/// A call-back for `household`, due on `due`.
pub fn follow_up(household: &Household, assigned_to: Uuid, due: NaiveDate) -> FollowUp {
    FollowUp {
        id: new_id(),
        household_id: household.id,
        person_id: None,
        commune_code: household.commune_code.clone(),
        village_id: household.village_id,
        assigned_to,
        due_date: due,
        reason: FollowUpReason::CallBack,
        note: "Hẹn gọi lại".into(),
        done: false,
    }
}

/// An approved sign-up of `person` at 1.500.000 ₫ a month from January 2026, near-poor.
pub fn enrollment(person: &Person, collector: Uuid, mode: PaymentMode) -> Enrollment {
    Enrollment {
        id: new_id(),
        person_id: person.id,
        household_id: person.household_id,
        commune_code: person.commune_code.clone(),
        village_id: person.village_id,
        collector_id: collector,
        monthly_income: Vnd(1_500_000),
        payment_mode: mode,
        first_month: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
        support_groups: vec![SupportGroup::NearPoor],
        quote: None,
        status: EnrollmentStatus::Approved,
        status_reason: None,
    }
}

/// A payment for `enrollment` covering `months` (first and last month), with its receipt.
pub fn payment(
    enrollment: &Enrollment,
    collector: Uuid,
    months: (NaiveDate, NaiveDate),
    amount: i64,
    receipt: &str,
    method: PaymentMethod,
    at: DateTime<Utc>,
) -> Payment {
    Payment {
        id: new_id(),
        enrollment_id: enrollment.id,
        person_id: enrollment.person_id,
        household_id: enrollment.household_id,
        commune_code: enrollment.commune_code.clone(),
        village_id: enrollment.village_id,
        collector_id: collector,
        months_from: months.0,
        months_to: months.1,
        amount: Vnd(amount),
        collected_at: at,
        receipt_number: receipt.into(),
        method,
    }
}

/// A remittance of `payments` by `collector` in `commune`, handing over `total`.
pub fn remittance(
    commune: &str,
    collector: Uuid,
    payments: &[&Payment],
    total: i64,
    at: DateTime<Utc>,
) -> Remittance {
    Remittance {
        id: new_id(),
        collector_id: collector,
        commune_code: commune.into(),
        remitted_at: at,
        payment_ids: payments.iter().map(|p| p.id).collect(),
        total: Vnd(total),
        note: String::new(),
    }
}

/// A quota of `commune` for `scope` and `period`.
pub fn quota(
    commune: &str,
    scope: QuotaScope,
    period: QuotaPeriod,
    signups: u32,
    renewals: u32,
) -> Quota {
    Quota {
        id: new_id(),
        period,
        scope,
        commune_code: commune.into(),
        target_signups: signups,
        target_renewals: renewals,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builder_makes_a_valid_record() {
        let ctx = ValidationContext::new(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default());
        let v = village("00376", "Thôn Đông");
        let h = household("00376", Some(v.id), "Nguyễn Văn An", "Thôn Đông");
        let p = person(&h, "Nguyễn Văn An", 1);
        let at = DateTime::<Utc>::from_timestamp(1_795_000_000, 0).unwrap_or_default();
        let e = enrollment(&p, Uuid::now_v7(), PaymentMode::Quarterly);
        let month = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
        let pay = payment(
            &e,
            e.collector_id,
            (month, month),
            198_000,
            "0001",
            PaymentMethod::Cash,
            at,
        );
        assert_eq!(v.validate(&ctx), Ok(()));
        assert_eq!(h.validate(&ctx), Ok(()));
        assert_eq!(p.validate(&ctx), Ok(()));
        assert_eq!(validate_enrollment_for(&p, &e, &ctx), Ok(()));
        assert_eq!(e.validate(&ctx), Ok(()));
        assert_eq!(visit(&h, e.collector_id, at).validate(&ctx), Ok(()));
        assert_eq!(pay.validate(&ctx), Ok(()));
        assert_eq!(
            remittance("00376", e.collector_id, &[&pay], 198_000, at).validate(&ctx),
            Ok(())
        );
    }
}
