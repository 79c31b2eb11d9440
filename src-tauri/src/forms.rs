//! Reading what people type into the forms: dates as `dd/mm/yyyy` (the Vietnamese habit), counts
//! and years as digits. A typo comes back as a message next to its field, never as a failure to
//! decode the whole form.

use chrono::NaiveDate;
use sotay_domain::Vnd;
use sotay_domain::calendar::{TypedDateError, parse_typed_date};

use crate::error::{CmdResult, CommandError};

/// Reads `dd/mm/yyyy` (also `d/m/yyyy`, `dd-mm-yyyy`, `dd.mm.yyyy`, and ISO `yyyy-mm-dd`, which
/// date pickers send; `sotay_domain::calendar::parse_typed_date`). Empty text is `None`.
pub fn date(field: &str, text: &str) -> CmdResult<Option<NaiveDate>> {
    let typed = text.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    parse_typed_date(typed).map(Some).map_err(|e| match e {
        TypedDateError::Unreadable => CommandError::date_format(field, typed),
        TypedDateError::NoSuchDay => CommandError::date_no_such_day(field, typed),
    })
}

/// A date the form shows: `dd/mm/yyyy`.
pub fn show_date(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// Reads a whole non-negative number (spaces and dots as thousands separators allowed). Empty
/// text is `None`.
pub fn count(field: &str, text: &str) -> CmdResult<Option<u32>> {
    let typed = text.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    let digits: String = typed.chars().filter(|c| !matches!(c, '.' | ' ')).collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CommandError::number_format(field, typed));
    }
    digits
        .parse()
        .map(Some)
        .map_err(|_| CommandError::number_format(field, typed))
}

/// Reads an amount in đồng as people type it: digits, grouped with `.`, `,` or spaces
/// (`1.500.000`), optionally followed by `đ`, `₫` or `VND`.
pub fn money(field: &str, text: &str) -> CmdResult<Vnd> {
    let typed = text.trim();
    let bare = typed
        .trim_end_matches(['₫', 'đ', 'Đ'])
        .trim_end_matches("VND")
        .trim_end_matches("vnd")
        .trim();
    let digits: String = bare
        .chars()
        .filter(|c| !matches!(c, '.' | ',' | ' ' | '\u{a0}'))
        .collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CommandError::amount_format(field, typed));
    }
    digits
        .parse::<i64>()
        .map(Vnd)
        .map_err(|_| CommandError::amount_format(field, typed))
}

/// `Some(text)` trimmed, `None` when empty.
pub fn optional(text: &str) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn dates_are_read_the_vietnamese_way() {
        // The reading itself is the domain's (`calendar::parse_typed_date`, tested there); the
        // form adds "nothing typed" and the message on the field.
        assert_eq!(
            date("date_of_birth", " 7/3/1985 ").expect("a date"),
            Some(d(1985, 3, 7))
        );
        assert_eq!(date("date_of_birth", "  ").expect("nothing typed"), None);
        for (typed, code, says) in [
            ("hôm qua", "date_format", "ngày/tháng/năm"),
            // Day, month and year, but not a day on the calendar: said so, not "wrong format".
            ("31/02/1985", "date_no_such_day", "không có thật"),
        ] {
            let err = date("date_of_birth", typed).expect_err(typed);
            assert_eq!(
                (err.code.as_str(), err.field.as_deref()),
                (code, Some("date_of_birth")),
                "{typed:?}"
            );
            assert!(err.message.contains(says), "{}", err.message);
        }
        assert_eq!(show_date(d(2026, 11, 23)), "23/11/2026");
    }

    #[test]
    fn amounts_are_read_as_typed() {
        for (typed, amount) in [
            ("1500000", 1_500_000),
            ("1.500.000", 1_500_000),
            ("1.500.000 ₫", 1_500_000),
            (" 3,000,000đ ", 3_000_000),
            ("2 000 000 VND", 2_000_000),
        ] {
            assert_eq!(
                money("monthly_income", typed).expect(typed),
                Vnd(amount),
                "{typed:?}"
            );
        }
        for bad in ["", "một triệu", "1.5e6", "-100000", "99999999999999999999"] {
            let err = money("monthly_income", bad).expect_err(bad);
            assert_eq!(
                (err.code.as_str(), err.field.as_deref()),
                ("invalid_amount", Some("monthly_income")),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn counts_are_digits() {
        assert_eq!(count("attendees", "43").expect("43"), Some(43));
        assert_eq!(count("attendees", "1.748").expect("1.748"), Some(1748));
        assert_eq!(count("attendees", " ").expect("empty"), None);
        for bad in ["-3", "bốn mươi", "4e2", "99999999999"] {
            assert_eq!(
                count("attendees", bad).expect_err(bad).code,
                "number_format",
                "{bad:?}"
            );
        }
    }
}
