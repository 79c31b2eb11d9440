//! Calendar arithmetic the policy rules are written in: whole calendar months (a period, a
//! deadline, an age), the first and last day of a month, and dates as Vietnamese text write
//! them (`dd/mm/yyyy`). Kept apart from the policy so every rule module shares one definition.

use chrono::{Datelike, NaiveDate};

/// `date` plus `months` calendar months; the 29, 30 or 31 of a month that is too short becomes
/// its last day.
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(chrono::Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// The first day of `date`'s month.
pub fn month_start(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// The last day of `date`'s month.
pub fn month_end(date: NaiveDate) -> NaiveDate {
    add_months(month_start(date), 1)
        .pred_opt()
        .unwrap_or(NaiveDate::MAX)
}

/// `dd/mm/yyyy`, the way dates are written in Vietnamese messages.
pub fn vn_date(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}
