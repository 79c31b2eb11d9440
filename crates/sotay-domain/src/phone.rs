//! Vietnamese mobile numbers. Agents copy numbers from notebooks, contacts and Zalo in every
//! shape (`+84 912.345.678`, `0912-345-678`, `84912345678`); Sotay stores one shape, `0XXXXXXXXX`,
//! so a number is found and deduplicated however it was typed.
//!
//! Valid: 10 digits starting with 0, with a known network prefix: 032–039, 052, 055, 056, 058,
//! 059, 070, 076–079, 081–089, 090–094, 096–099 (rules.md §6).

use crate::error::{ValidationCode, ValidationError};

/// The field name used in errors.
const FIELD: &str = "phone";

/// The 3-digit prefixes (with the leading 0) of Vietnamese mobile networks.
pub const MOBILE_PREFIXES: [&str; 36] = [
    "032", "033", "034", "035", "036", "037", "038", "039", // Viettel
    "052", "055", "056", "058", "059", // Vietnamobile, Reddi, Gmobile…
    "070", "076", "077", "078", "079", // MobiFone
    "081", "082", "083", "084", "085", "086", "087", "088", "089", // VinaPhone, others
    "090", "091", "092", "093", "094", "096", "097", "098", "099",
];

/// True when `prefix` (3 digits with the leading 0) is a known mobile prefix.
pub fn is_mobile_prefix(prefix: &str) -> bool {
    MOBILE_PREFIXES.contains(&prefix)
}

/// Normalises a mobile number to `0XXXXXXXXX`: removes spaces, dots, dashes and brackets, turns
/// `+84`/`84`/`0084` into `0`, then checks 10 digits and a known prefix. Idempotent on its
/// output. Codes: `phone_format` (not a 10-digit number), `phone_prefix` (unknown network).
///
/// ```
/// use sotay_domain::phone::normalize_phone;
/// assert_eq!(normalize_phone("+84 912.345.678").unwrap(), "0912345678");
/// ```
pub fn normalize_phone(text: &str) -> Result<String, ValidationError> {
    let compact: String = text
        .chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '.' | '-' | '(' | ')')))
        .collect();
    let (international, digits) = if let Some(rest) = compact.strip_prefix('+') {
        (true, rest)
    } else if let Some(rest) = compact.strip_prefix("00") {
        (true, rest)
    } else {
        (false, compact.as_str())
    };
    if let Some(bad) = digits.chars().find(|c| !c.is_ascii_digit()) {
        return Err(ValidationError::new(
            ValidationCode::PhoneFormat,
            FIELD,
            format!(
                "Số điện thoại chỉ gồm chữ số; có ký tự \"{bad}\". Hãy nhập 10 chữ số, ví dụ 0912345678."
            ),
        ));
    }
    let national = if international {
        match digits.strip_prefix("84") {
            // People often keep the 0 after the country code: +84 0912…
            Some(rest) if rest.starts_with('0') => rest.to_owned(),
            Some(rest) => format!("0{rest}"),
            None => {
                return Err(ValidationError::new(
                    ValidationCode::PhoneFormat,
                    FIELD,
                    "Chỉ nhận số di động Việt Nam (mã quốc gia +84). Hãy nhập 10 chữ số, ví dụ 0912345678.",
                ));
            }
        }
    } else if digits.len() == 11 && digits.starts_with("84") {
        format!("0{}", &digits[2..])
    } else {
        digits.to_owned()
    };
    if national.len() != 10 || !national.starts_with('0') {
        return Err(ValidationError::new(
            ValidationCode::PhoneFormat,
            FIELD,
            format!(
                "Số di động phải có đúng 10 chữ số, bắt đầu bằng 0 (đang có {} chữ số). Hãy nhập lại, ví dụ 0912345678.",
                national.len()
            ),
        ));
    }
    if !is_mobile_prefix(&national[..3]) {
        return Err(ValidationError::new(
            ValidationCode::PhonePrefix,
            FIELD,
            format!(
                "Đầu số \"{}\" không phải đầu số di động Việt Nam. Hãy kiểm tra lại số điện thoại.",
                &national[..3]
            ),
        ));
    }
    Ok(national)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    // Source: rules.md §6: 10 digits starting with 0; accept +84/84 and normalise.
    #[rstest]
    #[case::plain("0912345678", "0912345678")]
    #[case::spaces("091 234 5678", "0912345678")]
    #[case::dots("0912.345.678", "0912345678")]
    #[case::dashes("0912-345-678", "0912345678")]
    #[case::plus84("+84912345678", "0912345678")]
    #[case::plus84_spaced("+84 912 345 678", "0912345678")]
    #[case::plus84_bracket("(+84) 912 345 678", "0912345678")]
    #[case::plus84_kept_zero("+84 0912 345 678", "0912345678")]
    #[case::bare84("84912345678", "0912345678")]
    #[case::dial_out_0084("0084 912 345 678", "0912345678")]
    #[case::viettel_032("0321234567", "0321234567")]
    #[case::mobifone_070("0701234567", "0701234567")]
    #[case::vinaphone_081("0811234567", "0811234567")]
    #[case::gmobile_059("0591234567", "0591234567")]
    #[case::prefix_099("0991234567", "0991234567")]
    #[case::prefix_084_is_not_a_country_code("0841234567", "0841234567")]
    fn accepts(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(normalize_phone(input).as_deref(), Ok(expected), "{input:?}");
    }

    // Source: rules.md §6: prefixes 032–039, 052, 055, 056, 058, 059, 070, 076–079, 081–089,
    // 090–094, 096–099; exactly 10 digits.
    #[rstest]
    #[case::nine_digits("091234567", ValidationCode::PhoneFormat)]
    #[case::eleven_digits("09123456789", ValidationCode::PhoneFormat)]
    #[case::letters("0912abc678", ValidationCode::PhoneFormat)]
    #[case::empty("", ValidationCode::PhoneFormat)]
    #[case::foreign("+1 650 253 0000", ValidationCode::PhoneFormat)]
    #[case::no_leading_zero("9123456789", ValidationCode::PhoneFormat)]
    #[case::old_11_digit_mobile("01234567890", ValidationCode::PhoneFormat)]
    #[case::landline_024("0241234567", ValidationCode::PhonePrefix)]
    #[case::hanoi_landline_11_digits("024 3825 1234", ValidationCode::PhoneFormat)]
    #[case::prefix_095("0951234567", ValidationCode::PhonePrefix)]
    #[case::prefix_031("0311234567", ValidationCode::PhonePrefix)]
    #[case::prefix_080("0801234567", ValidationCode::PhonePrefix)]
    #[case::prefix_075("0751234567", ValidationCode::PhonePrefix)]
    #[case::prefix_057("0571234567", ValidationCode::PhonePrefix)]
    fn refuses(#[case] input: &str, #[case] code: ValidationCode) {
        let err = normalize_phone(input).expect_err("must be refused");
        assert_eq!(err.code, code, "{input:?}: {}", err.message);
        assert_eq!(err.field, "phone");
    }

    fn valid_national() -> impl Strategy<Value = String> {
        (
            prop::sample::select(MOBILE_PREFIXES.to_vec()),
            0..10_000_000u32,
        )
            .prop_map(|(prefix, rest)| format!("{prefix}{rest:07}"))
    }

    /// A valid number written the way people write it.
    fn messy(national: &str, style: u8) -> String {
        let rest = &national[1..];
        match style % 5 {
            0 => format!("+84 {} {} {}", &rest[..3], &rest[3..6], &rest[6..]),
            1 => format!("84{rest}"),
            2 => format!("{}.{}.{}", &national[..4], &national[4..7], &national[7..]),
            3 => format!(
                " {}-{}-{} ",
                &national[..4],
                &national[4..7],
                &national[7..]
            ),
            _ => format!("(+84){rest}"),
        }
    }

    proptest! {
        #[test]
        fn plus84_form_normalises_to_the_zero_form(national in valid_national()) {
            let international = format!("+84{}", &national[1..]);
            prop_assert_eq!(normalize_phone(&international), Ok(national));
        }

        #[test]
        fn normalise_is_idempotent(national in valid_national(), style in any::<u8>()) {
            let once = normalize_phone(&messy(&national, style));
            prop_assert_eq!(once.clone(), Ok(national));
            let once = once.expect("checked above");
            prop_assert_eq!(normalize_phone(&once), Ok(once.clone()));
        }

        #[test]
        fn any_accepted_text_is_a_known_mobile(text in "[0-9+ .()-]{0,16}") {
            if let Ok(number) = normalize_phone(&text) {
                prop_assert_eq!(number.len(), 10);
                prop_assert!(is_mobile_prefix(&number[..3]));
                prop_assert_eq!(normalize_phone(&number), Ok(number.clone()), "idempotent");
            }
        }
    }
}
