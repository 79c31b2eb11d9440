//! How the dashboard writes numbers, money, dates and shares: the Vietnamese way
//! (`1.500.000 ₫`, `23/11/2026`, `3,2%`), in one place so every page and export agrees.

use chrono::{DateTime, NaiveDate, Utc};

/// `1234567` → `1.234.567`: counts are grouped as the domain groups money
/// ([`sotay_domain::Vnd::grouped`]).
pub fn number(n: i64) -> String {
    sotay_domain::Vnd(n).grouped()
}

/// `1500000` → `1.500.000 ₫`.
pub fn money(n: i64) -> String {
    format!("{} ₫", number(n))
}

/// `dd/mm/yyyy`.
pub fn date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// An optional date, or a dash.
pub fn opt_date(d: Option<NaiveDate>) -> String {
    d.map(date).unwrap_or_else(|| "—".to_owned())
}

/// `mm/yyyy`.
pub fn month(d: NaiveDate) -> String {
    d.format("%m/%Y").to_string()
}

/// An instant as `dd/mm/yyyy HH:MM` in Asia/Ho_Chi_Minh.
pub fn instant(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// Per mille as a percentage with a decimal comma: `32` → `3,2%`.
pub fn permille(p: i64) -> String {
    format!("{},{}%", p / 10, (p % 10).abs())
}

/// Basis points as a percentage with two decimals: `205` → `2,05%`.
pub fn basis_points(bp: i64) -> String {
    format!("{},{:02}%", bp / 100, (bp % 100).abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_number_formats() {
        assert_eq!(money(1_500_000), "1.500.000 ₫");
        assert_eq!(number(999), "999");
        assert_eq!(number(1000), "1.000");
        assert_eq!(number(-1_234_567), "-1.234.567");
        assert_eq!(permille(32), "3,2%");
        assert_eq!(permille(1000), "100,0%");
        assert_eq!(basis_points(5), "0,05%");
        assert_eq!(basis_points(1234), "12,34%");
        let d = NaiveDate::from_ymd_opt(2026, 11, 3).expect("date");
        assert_eq!(date(d), "03/11/2026");
        assert_eq!(month(d), "11/2026");
    }
}
