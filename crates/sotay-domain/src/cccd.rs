//! The personal ID number (số định danh cá nhân, printed on the CCCD / căn cước card): 12 digits
//! that since 1/8/2025 are also the social insurance number, so a wrong one sends a participant's
//! money to nobody.
//!
//! Layout (Decree 137/2015/NĐ-CP, Circular 59/2021/TT-BCA; rules.md §6):
//! `PPP` province where the birth was registered (old 63-province list, still valid after the
//! 2025 mergers) · `G` century and sex (0/1 = male/female born 1900–1999, 2/3 = 2000–2099,
//! 4/5 = 2100–2199, 6/7 = 2200–2299, 8/9 = 2300–2399) · `YY` last two digits of the birth year ·
//! six random digits. There is no check digit, so the only checks are the province code and the
//! agreement of `G` and `YY` with the date of birth and sex that were entered.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::admin_units::{OldProvince, old_province};
use crate::entities::Sex;
use crate::error::{ValidationCode, ValidationError};

/// The field name used in errors.
const FIELD: &str = "personal_id";

/// A personal ID number split into its parts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PersonalId {
    /// The 12 digits.
    pub number: String,
    /// Where the birth was registered (old 63-province list).
    pub province: &'static OldProvince,
    /// Sex encoded in the 4th digit.
    pub sex: Sex,
    /// Birth year encoded by the 4th digit (century) and the 5th–6th digits.
    pub birth_year: i32,
    /// The last six digits.
    pub serial: String,
}

/// The number as stored: spaces, dots and dashes that people type to group digits are removed.
/// Anything else is kept so [`parse_personal_id`] can say what is wrong.
pub fn normalize_personal_id(text: &str) -> String {
    text.chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '.' | '-')))
        .collect()
}

/// The century/sex digit for a birth year and sex, if the year is in 1900–2399.
pub fn sex_century_digit(birth_year: i32, sex: Sex) -> Option<u8> {
    if !(1900..2400).contains(&birth_year) {
        return None;
    }
    let century = u8::try_from((birth_year - 1900) / 100).ok()?;
    Some(century * 2 + u8::from(sex == Sex::Female))
}

fn sex_word(sex: Sex) -> &'static str {
    match sex {
        Sex::Male => "Nam",
        Sex::Female => "Nữ",
    }
}

/// Splits a personal ID number into its parts, checking the length and the province code.
/// Codes: `cccd_length` (not 12 digits), `cccd_province` (unknown province code).
pub fn parse_personal_id(text: &str) -> Result<PersonalId, ValidationError> {
    let number = normalize_personal_id(text);
    if let Some(bad) = number.chars().find(|c| !c.is_ascii_digit()) {
        return Err(ValidationError::new(
            ValidationCode::CccdLength,
            FIELD,
            format!(
                "Số định danh chỉ gồm chữ số; có ký tự \"{bad}\". Hãy nhập đúng 12 chữ số in trên thẻ căn cước."
            ),
        ));
    }
    if number.len() != 12 {
        return Err(ValidationError::new(
            ValidationCode::CccdLength,
            FIELD,
            format!(
                "Số định danh phải có đúng 12 chữ số (đang có {}). Hãy đối chiếu lại với thẻ căn cước.",
                number.len()
            ),
        ));
    }
    let province_code = &number[0..3];
    let Some(province) = old_province(province_code) else {
        return Err(ValidationError::new(
            ValidationCode::CccdProvince,
            FIELD,
            format!(
                "Ba chữ số đầu \"{province_code}\" không phải mã tỉnh nơi đăng ký khai sinh. Hãy kiểm tra lại số định danh trên thẻ căn cước."
            ),
        ));
    };
    // All ASCII digits: the byte arithmetic below cannot go wrong.
    let digit = |i: usize| i32::from(number.as_bytes()[i] - b'0');
    let sex_century = digit(3);
    let sex = if sex_century % 2 == 0 {
        Sex::Male
    } else {
        Sex::Female
    };
    let birth_year = 1900 + (sex_century / 2) * 100 + digit(4) * 10 + digit(5);
    Ok(PersonalId {
        serial: number[6..].to_owned(),
        number,
        province,
        sex,
        birth_year,
    })
}

/// Parses the number and checks it against what else is known about the person: the 4th digit
/// must match the sex and the birth century, the 5th–6th digits the birth year. Either may be
/// unknown (a prospect without a date of birth): then only length and province are checked.
/// Codes: `cccd_length`, `cccd_province`, `cccd_sex_century`, `cccd_birth_year`.
pub fn check_personal_id(
    text: &str,
    date_of_birth: Option<NaiveDate>,
    sex: Option<Sex>,
) -> Result<PersonalId, ValidationError> {
    let id = parse_personal_id(text)?;
    let encoded = &id.number[3..4];
    let century_of = |year: i32| {
        let start = year.div_euclid(100) * 100;
        format!("{}–{}", start, start + 99)
    };
    if let Some(sex) = sex
        && sex != id.sex
    {
        return Err(ValidationError::new(
            ValidationCode::CccdSexCentury,
            FIELD,
            format!(
                "Chữ số thứ 4 (\"{encoded}\") của số định danh ghi giới tính {}, nhưng hồ sơ ghi {}. Hãy kiểm tra lại số định danh và giới tính.",
                sex_word(id.sex),
                sex_word(sex)
            ),
        ));
    }
    if let Some(date_of_birth) = date_of_birth {
        let year = date_of_birth.year();
        if year.div_euclid(100) != id.birth_year.div_euclid(100) {
            return Err(ValidationError::new(
                ValidationCode::CccdSexCentury,
                FIELD,
                format!(
                    "Chữ số thứ 4 (\"{encoded}\") của số định danh ghi người sinh trong các năm {}, nhưng ngày sinh là năm {year}. Hãy kiểm tra lại số định danh và ngày sinh.",
                    century_of(id.birth_year)
                ),
            ));
        }
        if year != id.birth_year {
            return Err(ValidationError::new(
                ValidationCode::CccdBirthYear,
                FIELD,
                format!(
                    "Chữ số thứ 5–6 (\"{}\") của số định danh phải là hai số cuối của năm sinh {year}. Hãy kiểm tra lại số định danh và ngày sinh.",
                    &id.number[4..6]
                ),
            ));
        }
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    // Source: rules.md §6 (Decree 137/2015, Circular 59/2021): PPP province, G century/sex,
    // YY birth year, 6 random digits.
    #[rstest]
    #[case::hanoi_man_1995("001095012345", "001", Sex::Male, 1995)]
    #[case::hanoi_woman_1995("001195012345", "001", Sex::Female, 1995)]
    #[case::camau_boy_2008("096208000001", "096", Sex::Male, 2008)]
    #[case::camau_girl_2000("096300999999", "096", Sex::Female, 2000)]
    #[case::born_2100_male("001400000000", "001", Sex::Male, 2100)]
    #[case::born_2199_female("001599000000", "001", Sex::Female, 2199)]
    #[case::born_2200_male("001600000000", "001", Sex::Male, 2200)]
    #[case::born_2399_female("001999123456", "001", Sex::Female, 2399)]
    // Hà Giang merged into Tuyên Quang in 2025; its code stays valid (rules.md §6).
    #[case::merged_province_kept("002084123456", "002", Sex::Male, 1984)]
    #[case::spaces_are_ignored(" 001 095 012 345 ", "001", Sex::Male, 1995)]
    fn parses(
        #[case] text: &str,
        #[case] province: &str,
        #[case] sex: Sex,
        #[case] birth_year: i32,
    ) {
        let id = parse_personal_id(text).expect("a valid personal ID number");
        assert_eq!(id.province.code, province);
        assert_eq!((id.sex, id.birth_year), (sex, birth_year), "{text}");
        assert_eq!(id.number.len(), 12);
        assert_eq!(id.serial, &id.number[6..]);
    }

    // Source: rules.md §6: 12 digits, province from the old 63-province list.
    #[rstest]
    #[case::eleven_digits("00109501234", ValidationCode::CccdLength, "(đang có 11)")]
    #[case::thirteen_digits("0010950123456", ValidationCode::CccdLength, "(đang có 13)")]
    #[case::old_nine_digit_cmnd("012345678", ValidationCode::CccdLength, "(đang có 9)")]
    #[case::letter("00109501234O", ValidationCode::CccdLength, "\"O\"")]
    #[case::empty("", ValidationCode::CccdLength, "(đang có 0)")]
    #[case::never_assigned_003("003095012345", ValidationCode::CccdProvince, "\"003\"")]
    #[case::beyond_096("097095012345", ValidationCode::CccdProvince, "\"097\"")]
    #[case::two_digit_code_shifted("010950123456", ValidationCode::CccdSexCentury, "")]
    fn refuses(#[case] text: &str, #[case] code: ValidationCode, #[case] hint: &str) {
        // 010 is Lào Cai, so the last case parses; it fails only against its date of birth.
        let err = check_personal_id(text, Some(date(1995, 1, 1)), Some(Sex::Male))
            .expect_err("must be refused");
        assert_eq!(err.code, code, "{text}: {}", err.message);
        assert_eq!(err.field, "personal_id");
        assert!(
            err.message.contains(hint),
            "message {:?} should contain {hint:?}",
            err.message
        );
    }

    // Source: rules.md §6: "Validate: … century/sex digit and birth-year digits agree with the
    // date of birth and sex entered."
    #[rstest]
    #[case::matches("001095012345", Some(date(1995, 6, 1)), Some(Sex::Male), None)]
    #[case::woman_marked_as_man(
        "001195012345",
        Some(date(1995, 6, 1)),
        Some(Sex::Male),
        Some(ValidationCode::CccdSexCentury)
    )]
    #[case::wrong_century(
        "001095012345",
        Some(date(2095, 6, 1)),
        Some(Sex::Male),
        Some(ValidationCode::CccdSexCentury)
    )]
    #[case::born_2001_with_1900s_digit(
        "001001012345",
        Some(date(2001, 6, 1)),
        Some(Sex::Male),
        Some(ValidationCode::CccdSexCentury)
    )]
    #[case::wrong_year(
        "001095012345",
        Some(date(1996, 1, 1)),
        Some(Sex::Male),
        Some(ValidationCode::CccdBirthYear)
    )]
    #[case::no_date_only_sex("001095012345", None, Some(Sex::Male), None)]
    #[case::no_date_wrong_sex(
        "001095012345",
        None,
        Some(Sex::Female),
        Some(ValidationCode::CccdSexCentury)
    )]
    #[case::nothing_known("001195012345", None, None, None)]
    fn agrees_with_birth_and_sex(
        #[case] text: &str,
        #[case] dob: Option<NaiveDate>,
        #[case] sex: Option<Sex>,
        #[case] expected: Option<ValidationCode>,
    ) {
        let got = check_personal_id(text, dob, sex).err().map(|e| e.code);
        assert_eq!(got, expected, "{text} vs {dob:?} {sex:?}");
    }

    proptest! {
        #[test]
        fn a_number_built_from_its_parts_checks_out(
            province in 0..63usize,
            year in 1900..2400i32,
            female in any::<bool>(),
            serial in 0..1_000_000u32,
        ) {
            let old = &crate::admin_units::old_provinces()[province];
            let sex = if female { Sex::Female } else { Sex::Male };
            let g = sex_century_digit(year, sex).expect("year in range");
            let number = format!("{}{}{:02}{:06}", old.code, g, year % 100, serial);
            let dob = date(year, 2, 28);
            let id = check_personal_id(&number, Some(dob), Some(sex));
            prop_assert!(id.is_ok(), "{number}: {id:?}");
            let id = id.expect("checked above");
            prop_assert_eq!((id.birth_year, id.sex, id.province.code), (year, sex, old.code));
            // A different year in the same century is caught by the year digits.
            let other = if year % 100 == 0 { year + 1 } else { year - 1 };
            let err = check_personal_id(&number, Some(date(other, 1, 1)), Some(sex)).err().map(|e| e.code);
            prop_assert_eq!(err, Some(ValidationCode::CccdBirthYear));
        }

        #[test]
        fn only_twelve_digits_are_accepted(text in "[0-9 .a-z-]{0,16}") {
            if let Ok(id) = check_personal_id(&text, Some(date(1990, 1, 1)), Some(Sex::Male)) {
                prop_assert_eq!(id.number.len(), 12);
                prop_assert!(id.number.bytes().all(|b| b.is_ascii_digit()));
                prop_assert_eq!(&id.number[3..6], "090", "male born 1990");
            }
        }
    }
}
