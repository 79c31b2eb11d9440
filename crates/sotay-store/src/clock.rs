//! Where the store gets "now". Writes tick the hybrid logical clock from the wall clock, and
//! validation needs today's date in Asia/Ho_Chi_Minh; both come from a [`WallClock`] the app
//! passes in, so tests can set a phone's clock wrong on purpose.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Asia::Ho_Chi_Minh;
use std::sync::{Arc, Mutex, PoisonError};

/// A source of wall time.
pub trait WallClock: Send + Sync {
    /// The current time as the device believes it.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl WallClock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that reads a time someone sets: for a phone whose clock is wrong, or a test that
/// moves through days. Clones share the same time.
#[derive(Clone, Debug)]
pub struct SettableClock {
    now: Arc<Mutex<DateTime<Utc>>>,
}

impl SettableClock {
    /// A clock stopped at `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        SettableClock {
            now: Arc::new(Mutex::new(now)),
        }
    }

    /// Sets the time.
    pub fn set(&self, now: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = now;
    }

    /// Moves the time by `delta` (negative to go back).
    pub fn advance(&self, delta: chrono::TimeDelta) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now += delta;
    }
}

impl WallClock for SettableClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The calendar day of `at` in Asia/Ho_Chi_Minh.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Ho_Chi_Minh).date_naive()
}

/// Midnight at the start of `day` in Asia/Ho_Chi_Minh, as milliseconds since the Unix epoch.
pub fn local_midnight_ms(day: NaiveDate) -> i64 {
    use chrono::TimeZone;
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    // Viet Nam has had no daylight saving since 1975: the local midnight always exists once.
    Ho_Chi_Minh
        .from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.timestamp_millis())
        .unwrap_or_else(|| midnight.and_utc().timestamp_millis() - 7 * 3_600_000)
}

/// Wall time as HLC milliseconds (a clock set before 1970 counts as 0).
pub(crate) fn hlc_millis(at: DateTime<Utc>) -> u64 {
    u64::try_from(at.timestamp_millis()).unwrap_or(0)
}
