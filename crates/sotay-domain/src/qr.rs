//! The QR code on chip ID cards (CCCD gắn chip / thẻ căn cước). Scanning it fills the personal ID
//! number, name, date of birth, sex and address in one step instead of typing 12 digits on a
//! cheap phone, which is where most wrong ID numbers come from.
//!
//! Text layout (rules.md §6): `ID|old 9-digit ID|full name|ddMMyyyy|Nam or Nữ|permanent
//! address|issue date ddMMyyyy`. Readers and card batches differ, so parsing is tolerant: NFC or
//! NFD text, a byte-order mark, CRLF, spaces around fields, lower- or upper-case `Nam`/`Nữ`, an
//! empty old ID, a missing issue date, and extra trailing fields (kept, not interpreted). The
//! address often names pre-2025 units: it is kept as printed.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::cccd::check_personal_id;
use crate::entities::Sex;
use crate::error::{ValidationCode, ValidationError};
use crate::fold::fold;
use crate::text::normalize_name;

/// The field name used in errors about the QR text itself.
const FIELD: &str = "qr";

/// What an ID-card QR code says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdCardQr {
    /// Số định danh cá nhân (12 digits), checked against the date of birth and sex.
    pub personal_id: String,
    /// The old 9-digit ID (CMND), when printed; usually empty.
    pub old_id: Option<String>,
    /// Full name, NFC, single spaces.
    pub full_name: String,
    /// Date of birth.
    pub date_of_birth: NaiveDate,
    /// Sex, from "Nam" or "Nữ" on the card.
    pub sex: Sex,
    /// Permanent address as printed (may name units merged in 2025).
    pub address: String,
    /// Date of issue, when present.
    pub issue_date: Option<NaiveDate>,
    /// Fields after the seventh, cleaned like names; trailing empty ones are dropped.
    pub extra_fields: Vec<String>,
}

fn qr_error(message: String) -> ValidationError {
    ValidationError::new(ValidationCode::QrFormat, FIELD, message)
}

/// Reads `ddMMyyyy` (also `dd/MM/yyyy`, `dd-MM-yyyy`, `dd.MM.yyyy`).
fn parse_qr_date(what: &str, text: &str) -> Result<NaiveDate, ValidationError> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, '/' | '-' | '.'))
        .collect();
    let parsed = if digits.len() == 8 && digits.bytes().all(|b| b.is_ascii_digit()) {
        NaiveDate::parse_from_str(&digits, "%d%m%Y").ok()
    } else {
        None
    };
    parsed.ok_or_else(|| {
        qr_error(format!(
            "Không đọc được {what} trong mã QR (\"{text}\"; cần dạng ngày tháng năm, ví dụ 01021990). Hãy quét lại hoặc nhập tay."
        ))
    })
}

/// Reads a QR text from an ID card. Errors: `qr_format` (field `qr`) when the text is not an
/// ID-card QR code; a `cccd_*` code (field `personal_id`) when the ID number does not agree with
/// the date of birth and sex printed beside it.
pub fn parse_id_card_qr(text: &str) -> Result<IdCardQr, ValidationError> {
    let text = text.trim_start_matches('\u{feff}');
    let mut fields: Vec<String> = text.split('|').map(normalize_name).collect();
    while fields.len() > 7 && fields.last().is_some_and(String::is_empty) {
        fields.pop();
    }
    if fields.len() < 6 {
        return Err(qr_error(format!(
            "Mã QR này không phải của thẻ căn cước (cần ít nhất 6 phần ngăn bởi dấu \"|\", đọc được {}). Hãy quét lại mã QR ở mặt trước thẻ, hoặc nhập tay.",
            fields.len()
        )));
    }
    let mut fields = fields.into_iter();
    let mut next = || fields.next().unwrap_or_default();
    let personal_id = next();
    let old_id = Some(next()).filter(|s| !s.is_empty());
    let full_name = next();
    let date_of_birth_text = next();
    let sex_text = next();
    let address = next();
    let issue_text = next();
    let extra_fields: Vec<String> = fields.collect();

    if full_name.is_empty() {
        return Err(qr_error(
            "Mã QR không có họ tên. Hãy quét lại mã QR ở mặt trước thẻ, hoặc nhập tay.".to_owned(),
        ));
    }
    let date_of_birth = parse_qr_date("ngày sinh", &date_of_birth_text)?;
    let sex = match fold(&sex_text).as_str() {
        "nam" => Sex::Male,
        "nu" => Sex::Female,
        _ => {
            return Err(qr_error(format!(
                "Giới tính trong mã QR phải là \"Nam\" hoặc \"Nữ\" (đọc được \"{sex_text}\"). Hãy quét lại hoặc nhập tay."
            )));
        }
    };
    let issue_date = if issue_text.is_empty() {
        None
    } else {
        Some(parse_qr_date("ngày cấp", &issue_text)?)
    };
    let id = check_personal_id(&personal_id, Some(date_of_birth), Some(sex))?;
    Ok(IdCardQr {
        personal_id: id.number,
        old_id,
        full_name,
        date_of_birth,
        sex,
        address,
        issue_date,
        extra_fields,
    })
}

/// Writes the QR text of a card in the layout above (the inverse of [`parse_id_card_qr`]).
pub fn format_id_card_qr(card: &IdCardQr) -> String {
    let mut fields = vec![
        card.personal_id.clone(),
        card.old_id.clone().unwrap_or_default(),
        card.full_name.clone(),
        card.date_of_birth.format("%d%m%Y").to_string(),
        match card.sex {
            Sex::Male => "Nam".to_owned(),
            Sex::Female => "Nữ".to_owned(),
        },
        card.address.clone(),
        card.issue_date
            .map(|d| d.format("%d%m%Y").to_string())
            .unwrap_or_default(),
    ];
    fields.extend(card.extra_fields.iter().cloned());
    fields.join("|")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;
    use unicode_normalization::UnicodeNormalization;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn lan() -> IdCardQr {
        IdCardQr {
            personal_id: "024185001234".to_owned(),
            old_id: None,
            full_name: "Nguyễn Thị Lan".to_owned(),
            date_of_birth: date(1985, 3, 7),
            sex: Sex::Female,
            address: "Thôn Đông, Xã Tân Dĩnh, Huyện Lạng Giang, Bắc Giang".to_owned(),
            issue_date: Some(date(2021, 6, 15)),
            extra_fields: vec![],
        }
    }

    const LAN: &str = "024185001234||Nguyễn Thị Lan|07031985|Nữ|Thôn Đông, Xã Tân Dĩnh, Huyện Lạng Giang, Bắc Giang|15062021";

    // Source: rules.md §6: "Parse defensively: extra or trailing fields, NFC normalisation,
    // empty old ID"; issue: whitespace, CRLF, lower/upper-case Nam/Nữ, NFD input.
    #[rstest]
    #[case::as_printed(LAN.to_owned())]
    #[case::crlf(format!("{LAN}\r\n"))]
    #[case::bom_and_spaces(format!("\u{feff}  {}  ", LAN.replace('|', " | ")))]
    #[case::nfd(LAN.nfd().collect::<String>())]
    #[case::upper_sex(LAN.replace("|Nữ|", "|NỮ|"))]
    #[case::lower_sex(LAN.replace("|Nữ|", "|nữ|"))]
    #[case::trailing_pipes(format!("{LAN}||"))]
    #[case::slashed_dates(LAN.replace("07031985", "07/03/1985"))]
    fn tolerant_variants_read_the_same(#[case] text: String) {
        assert_eq!(parse_id_card_qr(&text), Ok(lan()), "{text:?}");
    }

    #[test]
    fn keeps_old_id_missing_issue_date_and_extra_fields() {
        let text = "001095012345|012345678|Trần Văn Minh|01011995|nam|Phường Ba Đình, Hà Nội||x|y";
        let card = parse_id_card_qr(text).expect("valid QR text");
        assert_eq!(card.old_id.as_deref(), Some("012345678"));
        assert_eq!(card.sex, Sex::Male);
        assert_eq!(card.issue_date, None);
        assert_eq!(card.extra_fields, vec!["x".to_owned(), "y".to_owned()]);
        let six_fields = "001095012345||Trần Văn Minh|01011995|Nam|Hà Nội";
        assert_eq!(
            parse_id_card_qr(six_fields).map(|c| c.issue_date),
            Ok(None),
            "a QR without the issue date field is read"
        );
    }

    // Source: rules.md §6 (field layout) and §6 CCCD rules for the cross-check.
    #[rstest]
    #[case::not_a_card("https://example.vn/abc", ValidationCode::QrFormat, "qr")]
    #[case::empty("", ValidationCode::QrFormat, "qr")]
    #[case::five_fields(
        "024185001234||Nguyễn Thị Lan|07031985|Nữ",
        ValidationCode::QrFormat,
        "qr"
    )]
    #[case::bad_date(
        "024185001234||Nguyễn Thị Lan|7/3/85|Nữ|x|",
        ValidationCode::QrFormat,
        "qr"
    )]
    #[case::impossible_date(
        "024185001234||Nguyễn Thị Lan|31021985|Nữ|x|",
        ValidationCode::QrFormat,
        "qr"
    )]
    #[case::bad_sex(
        "024185001234||Nguyễn Thị Lan|07031985|F|x|",
        ValidationCode::QrFormat,
        "qr"
    )]
    #[case::no_name("024185001234|||07031985|Nữ|x|", ValidationCode::QrFormat, "qr")]
    #[case::bad_issue_date(
        "024185001234||Nguyễn Thị Lan|07031985|Nữ|x|2021",
        ValidationCode::QrFormat,
        "qr"
    )]
    #[case::id_says_male(
        "024085001234||Nguyễn Thị Lan|07031985|Nữ|x|",
        ValidationCode::CccdSexCentury,
        "personal_id"
    )]
    #[case::id_says_1986(
        "024186001234||Nguyễn Thị Lan|07031985|Nữ|x|",
        ValidationCode::CccdBirthYear,
        "personal_id"
    )]
    #[case::short_id(
        "02418500123||Nguyễn Thị Lan|07031985|Nữ|x|",
        ValidationCode::CccdLength,
        "personal_id"
    )]
    fn refuses(#[case] text: &str, #[case] code: ValidationCode, #[case] field: &str) {
        let err = parse_id_card_qr(text).expect_err("must be refused");
        assert_eq!(
            (err.code, err.field.as_str()),
            (code, field),
            "{text:?}: {}",
            err.message
        );
        assert!(!err.message.is_empty());
    }

    fn words() -> impl Strategy<Value = String> {
        let letters: Vec<char> =
            "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạếềểễệốồổỗộứừửữựĐÂƠƯ ,.0123456789"
                .chars()
                .collect();
        prop::collection::vec(prop::sample::select(letters), 1..30)
            .prop_map(|chars| normalize_name(&chars.into_iter().collect::<String>()))
            .prop_filter("not empty after cleaning", |s| !s.is_empty())
    }

    fn card() -> impl Strategy<Value = IdCardQr> {
        (
            (
                0..63usize,
                1900..2100i32,
                1..=365u32,
                any::<bool>(),
                0..1_000_000u32,
            ),
            (proptest::option::of(0..1_000_000_000u32), words(), words()),
            (
                proptest::option::of(0..20_000u32),
                prop::collection::vec(words(), 0..3),
            ),
        )
            .prop_map(
                |((province, year, day, female, serial), (old, name, address), (issue, extra))| {
                    let sex = if female { Sex::Female } else { Sex::Male };
                    let old_province = &crate::admin_units::old_provinces()[province];
                    let digit = crate::cccd::sex_century_digit(year, sex).expect("year in range");
                    IdCardQr {
                        personal_id: format!(
                            "{}{}{:02}{:06}",
                            old_province.code,
                            digit,
                            year % 100,
                            serial
                        ),
                        old_id: old.map(|n| format!("{n:09}")),
                        full_name: name,
                        date_of_birth: NaiveDate::from_yo_opt(year, day)
                            .expect("day 1..=365 exists"),
                        sex,
                        address,
                        issue_date: issue
                            .map(|d| date(2000, 1, 1) + chrono::Days::new(u64::from(d))),
                        extra_fields: extra,
                    }
                },
            )
    }

    proptest! {
        #[test]
        fn print_then_parse_round_trips(card in card()) {
            let text = format_id_card_qr(&card);
            prop_assert_eq!(parse_id_card_qr(&text), Ok(card), "{}", text);
        }

        #[test]
        fn messy_scans_read_like_clean_ones(card in card(), crlf in any::<bool>(), upper in any::<bool>()) {
            let mut text = format_id_card_qr(&card);
            if upper {
                text = text.replacen("|Nam|", "|NAM|", 1).replacen("|Nữ|", "|nữ|", 1);
            }
            let mut text: String = text.nfd().collect();
            if crlf {
                text.push_str("\r\n");
            }
            prop_assert_eq!(parse_id_card_qr(&text), Ok(card));
        }

        #[test]
        fn never_panics_on_any_text(text in "(?s).{0,120}") {
            if let Ok(card) = parse_id_card_qr(&text) {
                prop_assert_eq!(card.personal_id.len(), 12, "an accepted card has a full ID");
            }
        }
    }
}
