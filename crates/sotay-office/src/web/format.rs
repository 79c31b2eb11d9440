//! How the dashboard writes numbers, money, dates and shares: the Vietnamese way
//! (`1.500.000 ₫`, `23/11/2026`, `3,2%`), in one place so every page and export agrees.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use sotay_domain::{EntityKind, labels};

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

/// A policy edition's label as people read it: `2026-12-01.1` → `01/12/2026`, a later edition of
/// the same day with its number (`01/12/2026 (lần 2)`); another label as it is.
pub fn policy_edition(version: &str) -> String {
    let Some((day, n)) = version.split_once('.') else {
        return version.to_owned();
    };
    match (NaiveDate::parse_from_str(day, "%Y-%m-%d"), n.parse::<u32>()) {
        (Ok(day), Ok(1)) => date(day),
        (Ok(day), Ok(n)) => format!("{} (lần {n})", date(day)),
        _ => version.to_owned(),
    }
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

/// A name as a table cell starts it: `tờ khai` → `Tờ khai`.
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// A label inside a sentence, the inverse of [`capitalised`]: `Năm 2026` → `năm 2026`.
pub fn in_sentence(label: &str) -> String {
    let mut chars = label.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_lowercase().chain(chars).collect()
    })
}

/// A commune by its official name (`Xã Sóc Sơn`), or its code when the list does not have it.
pub fn commune_name(code: &str) -> String {
    sotay_domain::admin_units::commune(code).map_or_else(|| code.to_owned(), |c| c.name.to_owned())
}

/// A field of a record as a person reads it (the sync-conflict log): its Vietnamese name and
/// its value written the Vietnamese way: a choice by its name (`Đã gửi`), a date `dd/mm/yyyy`,
/// an instant in Vietnam's time, money `1.500.000 ₫`, yes/no `Có`/`Không`, a list of records
/// by its count.
pub fn record_field(kind: EntityKind, field: &str, value: &Value) -> (String, String) {
    let name = labels::field_label_vi(kind, field).map_or_else(|| field.to_owned(), str::to_owned);
    (name, field_value(kind, field, value))
}

fn field_value(kind: EntityKind, field: &str, value: &Value) -> String {
    const MONEY: [&str; 3] = ["monthly_income", "amount", "total"];
    match value {
        Value::Null => "—".to_owned(),
        Value::Bool(true) => "Có".to_owned(),
        Value::Bool(false) => "Không".to_owned(),
        Value::Number(n) => match n.as_i64() {
            Some(n) if MONEY.contains(&field) => money(n),
            Some(n) => number(n),
            None => n.to_string(),
        },
        Value::String(s) => {
            if let Some(label) = labels::value_label_vi(kind, field, s) {
                label.to_owned()
            } else if let Ok(d) = s.parse::<NaiveDate>() {
                date(d)
            } else if let Ok(t) = s.parse::<DateTime<Utc>>() {
                instant(t)
            } else {
                s.clone()
            }
        }
        Value::Array(items) => {
            let named: Vec<&str> = items
                .iter()
                .filter_map(|v| labels::value_label_vi(kind, field, v.as_str()?))
                .collect();
            if items.is_empty() {
                "—".to_owned()
            } else if named.len() == items.len() {
                named.join(", ")
            } else {
                format!("{} mục", number(items.len() as i64))
            }
        }
        Value::Object(o) => {
            if let Some(label) = o
                .get("kind")
                .and_then(Value::as_str)
                .and_then(|k| labels::value_label_vi(kind, field, k))
            {
                match o.get("value").and_then(Value::as_i64) {
                    Some(n) => format!("{label} ({})", number(n)),
                    None => label.to_owned(),
                }
            } else if let (Some(lat), Some(lon)) = (
                o.get("lat").and_then(Value::as_f64),
                o.get("lon").and_then(Value::as_f64),
            ) {
                format!("{lat:.5}, {lon:.5}")
            } else {
                labels::field_label_vi(kind, field)
                    .unwrap_or("—")
                    .to_owned()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_edition_is_named_by_its_day() {
        for (label, shown) in [
            ("2026-12-01.1", "01/12/2026"),
            ("2026-12-01.2", "01/12/2026 (lần 2)"),
            ("thử nghiệm", "thử nghiệm"),
            ("2026-13-01.1", "2026-13-01.1"),
        ] {
            assert_eq!(policy_edition(label), shown, "{label}");
        }
    }

    #[test]
    fn a_record_field_reads_in_vietnamese() {
        use serde_json::json;
        let read = |kind, field, value: Value| record_field(kind, field, &value);
        assert_eq!(
            read(EntityKind::Enrollment, "status", json!("submitted")),
            ("Trạng thái hồ sơ".into(), "Đã gửi".into())
        );
        assert_eq!(
            read(EntityKind::Enrollment, "monthly_income", json!(1_500_000)),
            ("Mức thu nhập chọn đóng".into(), "1.500.000 ₫".into())
        );
        assert_eq!(
            read(
                EntityKind::Enrollment,
                "support_groups",
                json!(["near_poor", "ethnic_minority"])
            )
            .1,
            "Hộ cận nghèo, Người dân tộc thiểu số"
        );
        assert_eq!(
            read(
                EntityKind::Enrollment,
                "payment_mode",
                json!({"kind": "years_ahead", "value": 3})
            )
            .1,
            "Một lần cho nhiều năm về sau (3)"
        );
        assert_eq!(
            read(EntityKind::Person, "date_of_birth", json!("1985-04-12")),
            ("Ngày sinh".into(), "12/04/1985".into())
        );
        assert_eq!(
            read(
                EntityKind::Visit,
                "visited_at",
                json!("2026-12-02T17:09:00Z")
            )
            .1,
            "03/12/2026 00:09"
        );
        assert_eq!(read(EntityKind::FollowUp, "done", json!(true)).1, "Có");
        assert_eq!(read(EntityKind::Person, "phone", json!(null)).1, "—");
        assert_eq!(
            read(EntityKind::Visit, "persons_met", json!(["a", "b"])).1,
            "2 mục"
        );
        assert_eq!(
            read(EntityKind::Person, "full_name", json!("Nguyễn Văn Đức")).1,
            "Nguyễn Văn Đức"
        );
        assert_eq!(commune_name("00376"), "Xã Sóc Sơn");
        assert_eq!(capitalised("đã gửi"), "Đã gửi");
        assert_eq!(capitalised(""), "");
        assert_eq!(commune_name("99999"), "99999");
    }

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
