//! Shared fixtures: a store on a temp file with a settable clock, and valid records built the
//! way the app builds them (real commune codes, valid ID numbers and phones).

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use sotay_domain::*;
use sotay_store::{DeviceIdentity, SettableClock, Store};
use std::path::PathBuf;
use std::sync::Arc;
use tempfile::TempDir;
use uuid::Uuid;

/// A commune in the official list (Phường Ba Đình, Hà Nội).
pub const COMMUNE: &str = "00004";

/// 10:00 in Hà Nội on Monday 23/11/2026.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 3, 0, 0).unwrap()
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A store on a temporary file.
pub struct Fixture {
    /// Keeps the directory alive while the store uses it.
    pub _dir: TempDir,
    pub path: PathBuf,
    pub store: Store,
    pub clock: SettableClock,
    pub identity: DeviceIdentity,
}

impl Fixture {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sotay.db");
        let clock = SettableClock::new(now());
        let identity = DeviceIdentity {
            device_id: Uuid::now_v7(),
            user_id: Uuid::now_v7(),
        };
        let store = Store::open_with_clock(&path, identity, Arc::new(clock.clone()))
            .expect("open a fresh store");
        Fixture {
            _dir: dir,
            path,
            store,
            clock,
            identity,
        }
    }

    /// Closes and opens the file again, as after an app restart.
    pub fn reopen(&mut self) {
        let store = Store::open_with_clock(&self.path, self.identity, Arc::new(self.clock.clone()))
            .expect("reopen the store");
        self.store = store;
    }

    /// A second connection on the same file, to look at the tables directly.
    pub fn raw(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.path).expect("raw connection")
    }

    pub fn outbox_len(&self) -> u64 {
        self.store.outbox_pending_count().expect("outbox count")
    }

    pub fn user(&self) -> Uuid {
        self.identity.user_id
    }
}

pub fn village(name: &str) -> Village {
    Village {
        id: new_id(),
        commune_code: COMMUNE.into(),
        name: name.into(),
        kind: VillageKind::Village,
    }
}

pub fn household(village: Option<Uuid>, head: &str, address: &str) -> Household {
    Household {
        id: new_id(),
        commune_code: COMMUNE.into(),
        village_id: village,
        address: address.into(),
        head_name: head.into(),
        poverty_status: PovertyStatus::NearPoor,
        poverty_year: Some(2025),
        notes: String::new(),
        location: None,
    }
}

/// A man born in 1985 with a valid 12-digit ID (001 Hà Nội, 0 = male 1900s, 85) and phone.
pub fn person(household: &Household, name: &str, serial: u32) -> Person {
    Person {
        id: new_id(),
        household_id: household.id,
        commune_code: household.commune_code.clone(),
        village_id: household.village_id,
        full_name: name.into(),
        sex: Sex::Male,
        date_of_birth: Some(date(1985, 4, 12)),
        personal_id: Some(format!("001085{serial:06}")),
        legacy_insurance_code: None,
        phone: Some(format!("0912{serial:06}")),
        occupation: Occupation::Farmer,
        ethnic_minority: false,
        coverage: Coverage::None,
        stage: Stage::Interested,
        decline_reason: None,
        notes: String::new(),
    }
}

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
        first_month: date(2026, 1, 1),
        support_groups: vec![SupportGroup::NearPoor],
        quote: None,
        status: EnrollmentStatus::Approved,
        status_reason: None,
    }
}

#[allow(clippy::too_many_arguments)]
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

pub fn remittance(collector: Uuid, payments: &[&Payment], total: i64) -> Remittance {
    Remittance {
        id: new_id(),
        collector_id: collector,
        commune_code: COMMUNE.into(),
        remitted_at: now(),
        payment_ids: payments.iter().map(|p| p.id).collect(),
        total: Vnd(total),
        note: String::new(),
    }
}

pub fn quota(scope: QuotaScope, period: QuotaPeriod, signups: u32, renewals: u32) -> Quota {
    Quota {
        id: new_id(),
        period,
        scope,
        commune_code: COMMUNE.into(),
        target_signups: signups,
        target_renewals: renewals,
    }
}

/// A household with one member saved, ready for visits and sign-ups.
pub fn saved_family(fx: &Fixture, head: &str, serial: u32) -> (Household, Person) {
    let h = household(None, head, "Thôn Đông, xã Yên Thế");
    fx.store.save_household(&h).expect("save household");
    let p = person(&h, head, serial);
    fx.store.save_person(&p).expect("save person");
    (h, p)
}
