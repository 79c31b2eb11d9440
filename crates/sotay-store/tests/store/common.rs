//! Shared fixtures: a store on a temp file with a settable clock, and valid records built the
//! way the app builds them (real commune codes, valid ID numbers and phones).

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde_json::Value;
use sotay_domain::merge::RecordState;
use sotay_domain::*;
use sotay_store::{DeviceIdentity, SettableClock, Store, StoreKey};
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

/// The key every test store is encrypted with (a test key, never a real one): the store's
/// whole test suite runs on encrypted files.
pub fn test_key() -> StoreKey {
    StoreKey::from_bytes([0x42; 32])
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
        let store = Store::open_with_clock(&path, identity, &test_key(), Arc::new(clock.clone()))
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
        let store = Store::open_with_clock(
            &self.path,
            self.identity,
            &test_key(),
            Arc::new(self.clock.clone()),
        )
        .expect("reopen the store");
        self.store = store;
    }

    /// A second connection on the same file, to look at the tables directly.
    pub fn raw(&self) -> rusqlite::Connection {
        sotay_store::encryption::connect(&self.path, &test_key()).expect("raw connection")
    }

    pub fn outbox_len(&self) -> u64 {
        self.store.outbox_pending_count().expect("outbox count")
    }

    pub fn user(&self) -> Uuid {
        self.identity.user_id
    }

    /// The op ids of everything waiting to be pushed, oldest first.
    pub fn pending_op_ids(&self) -> Vec<Uuid> {
        self.store
            .outbox_pending(1_000)
            .expect("pending ops")
            .iter()
            .map(|o| o.op_id)
            .collect()
    }
}

/// The persons among the first `limit` hits of a search for `query`, in order (None for a
/// household that matched itself).
pub fn found_persons(store: &Store, query: &str, limit: usize) -> Vec<Option<Person>> {
    store
        .search(query, limit)
        .expect("search")
        .into_iter()
        .map(|h| h.person)
        .collect()
}

/// Asserts that `err` is the refusal `code` on `field`: the two things the UI acts on.
#[track_caller]
pub fn assert_refused(err: &sotay_store::StoreError, code: &str, field: &str) {
    assert_eq!((err.code().as_str(), err.field()), (code, Some(field)));
}

/// The first quarter of 2026 paid in full (three months, 594 000 đ) in cash, with receipt
/// `receipt`: the usual payment of a quarterly sign-up.
pub fn first_quarter_cash(e: &Enrollment, collector: Uuid, receipt: &str) -> Payment {
    payment(
        e,
        collector,
        (date(2026, 1, 1), date(2026, 3, 1)),
        594_000,
        receipt,
        PaymentMethod::Cash,
        now(),
    )
}

// Valid records, from the one set of builders the store, sync and office tests share
// (`sotay-fixtures`), in this file's commune.
pub use sotay_fixtures::records::{enrollment, follow_up, payment, person, visit};

pub fn village(name: &str) -> Village {
    sotay_fixtures::records::village(COMMUNE, name)
}

pub fn household(village: Option<Uuid>, head: &str, address: &str) -> Household {
    sotay_fixtures::records::household(COMMUNE, village, head, address)
}

pub fn remittance(collector: Uuid, payments: &[&Payment], total: i64) -> Remittance {
    sotay_fixtures::records::remittance(COMMUNE, collector, payments, total, now())
}

pub fn quota(scope: QuotaScope, period: QuotaPeriod, signups: u32, renewals: u32) -> Quota {
    sotay_fixtures::records::quota(COMMUNE, scope, period, signups, renewals)
}

/// Half `half` (1 or 2) of `year`, the period most quotas are set for.
pub fn half_year(year: i32, half: u8) -> QuotaPeriod {
    QuotaPeriod::HalfYear { year, half }
}

/// A household with one member saved, ready for visits and sign-ups.
pub fn saved_family(fx: &Fixture, head: &str, serial: u32) -> (Household, Person) {
    let h = household(None, head, "Thôn Đông, xã Yên Thế");
    fx.store.save_household(&h).expect("save household");
    let p = person(&h, head, serial);
    fx.store.save_person(&p).expect("save person");
    (h, p)
}

/// A saved family (see [`saved_family`]) whose person has a saved sign-up with `collector`,
/// paying in `mode`.
pub fn saved_signup(
    fx: &Fixture,
    head: &str,
    serial: u32,
    collector: Uuid,
    mode: PaymentMode,
) -> Enrollment {
    let (_, p) = saved_family(fx, head, serial);
    let e = enrollment(&p, collector, mode);
    fx.store.save_enrollment(&e).expect("save enrollment");
    e
}

/// A clock of the office's node.
pub fn office_hlc(wall_ms: u64) -> Hlc {
    Hlc {
        wall_ms,
        counter: 0,
        node: Uuid::from_bytes([9; 16]),
    }
}

/// The office's full state of a record, every field written at `hlc`.
pub fn remote_state<T: serde::Serialize>(record: &T, hlc: Hlc) -> RecordState {
    let Value::Object(fields) = serde_json::to_value(record).unwrap() else {
        panic!("entities serialize to objects")
    };
    let clocks = fields.keys().map(|k| (k.clone(), hlc)).collect();
    RecordState { fields, clocks }
}
