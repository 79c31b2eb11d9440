//! The office's reading of the time: wall milliseconds for hybrid logical clocks and "today" in
//! Asia/Ho_Chi_Minh for validation. One room for both, so admin work and the HTTP layer read the
//! clock the same way without importing each other.

use chrono::{NaiveDate, Utc};

/// Wall clock, ms since the epoch.
pub fn now_ms() -> u64 {
    u64::try_from(Utc::now().timestamp_millis()).unwrap_or(0)
}

/// Today's date in Asia/Ho_Chi_Minh.
pub fn today_in_vietnam() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .date_naive()
}
