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

/// Why a typed date was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypedDateError {
    /// Not day, month and year (`7/3/1985`, `07-03-1985`, `1985-03-07`).
    Unreadable,
    /// Day, month and year, but no such day (`31/02/1985`, `00/13/1985`).
    NoSuchDay,
}

impl TypedDateError {
    /// What to tell the person who typed `typed` as the field `what` (`Ngày sinh`), in
    /// Vietnamese, with what to do.
    pub fn message(self, what: &str, typed: &str) -> String {
        match self {
            TypedDateError::Unreadable => format!(
                "{what} \"{typed}\" không đọc được. Hãy nhập theo dạng ngày/tháng/năm, ví dụ 07/03/1985."
            ),
            TypedDateError::NoSuchDay => format!(
                "{what} \"{typed}\" không có thật trên lịch. Hãy xem lại ngày và tháng, ví dụ 07/03/1985."
            ),
        }
    }
}

/// Reads a date as people type it: `dd/mm/yyyy`, also `d/m/yyyy`, `dd-mm-yyyy`, `dd.mm.yyyy`,
/// `ddmmyyyy` (eight digits: many phones' number keyboards have no `/`), and ISO `yyyy-mm-dd`
/// (what date pickers send).
pub fn parse_typed_date(text: &str) -> Result<NaiveDate, TypedDateError> {
    let typed = text.trim();
    if let Ok(date) = NaiveDate::parse_from_str(typed, "%Y-%m-%d") {
        return Ok(date);
    }
    let parts: Vec<&str> = if typed.len() == 8 && typed.bytes().all(|b| b.is_ascii_digit()) {
        vec![&typed[..2], &typed[2..4], &typed[4..]]
    } else {
        typed.split(['/', '-', '.']).map(str::trim).collect()
    };
    let number = |part: &str, most: usize| {
        (!part.is_empty() && part.len() <= most && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse::<u32>().ok())
            .flatten()
    };
    let (day, month, year) = match parts.as_slice() {
        [d, m, y] if y.len() == 4 => match (number(d, 2), number(m, 2), number(y, 4)) {
            (Some(d), Some(m), Some(y)) => (d, m, y),
            _ => return Err(TypedDateError::Unreadable),
        },
        // Shaped like an ISO date but not one (`1985-02-31`).
        [y, m, d] if y.len() == 4 && typed.split('-').count() == 3 => {
            match (number(d, 2), number(m, 2), number(y, 4)) {
                (Some(d), Some(m), Some(y)) => (d, m, y),
                _ => return Err(TypedDateError::Unreadable),
            }
        }
        _ => return Err(TypedDateError::Unreadable),
    };
    i32::try_from(year)
        .ok()
        .and_then(|year| NaiveDate::from_ymd_opt(year, month, day))
        .ok_or(TypedDateError::NoSuchDay)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_dates_are_read_the_vietnamese_way() {
        for (typed, iso) in [
            ("07/03/1985", "1985-03-07"),
            (" 7/3/1985 ", "1985-03-07"),
            ("07-03-1985", "1985-03-07"),
            ("07.03.1985", "1985-03-07"),
            ("1985-03-07", "1985-03-07"),
            ("29/02/2024", "2024-02-29"),
            ("07031985", "1985-03-07"),
            (" 29022024 ", "2024-02-29"),
        ] {
            let read = parse_typed_date(typed).map(|day| day.to_string());
            assert_eq!(read.as_deref(), Ok(iso), "{typed:?}");
        }
    }

    #[test]
    fn a_day_that_is_not_on_the_calendar_is_told_apart_from_text_that_is_not_a_date() {
        for typed in [
            "31/02/1985",
            "29/02/2026",
            "00/03/1985",
            "07/13/1985",
            "1985-02-31",
            "31021985",
            "19850307",
        ] {
            assert_eq!(
                parse_typed_date(typed),
                Err(TypedDateError::NoSuchDay),
                "{typed}"
            );
        }
        for typed in [
            "",
            "7/3/85",
            "hôm qua",
            "07/03",
            "a7/03/1985",
            "07/03/1985/1",
            "+7/03/1985",
            "1985/03/07",
            "0703198",
            "070319850",
            "0703 1985",
        ] {
            assert_eq!(
                parse_typed_date(typed),
                Err(TypedDateError::Unreadable),
                "{typed}"
            );
        }
        assert_eq!(
            TypedDateError::NoSuchDay.message("Ngày sinh", "31/02/1985"),
            "Ngày sinh \"31/02/1985\" không có thật trên lịch. Hãy xem lại ngày và tháng, ví dụ 07/03/1985."
        );
    }
}
