//! Text fields: names, free notes and receipt numbers. Names are stored in one clean form (NFC,
//! trimmed, single spaces) because the same person typed on two phones, or scanned from an ID
//! card, must compare equal; length limits keep a stray paste from filling a cheap phone's
//! storage or the office's export.

use unicode_normalization::UnicodeNormalization;

use crate::error::{ValidationCode, ValidationError};

/// Longest name, in characters (Unicode scalar values after NFC).
pub const NAME_MAX_CHARS: usize = 100;
/// Longest free text (notes, reasons, addresses), in characters.
pub const NOTES_MAX_CHARS: usize = 2_000;
/// Longest address, in characters.
pub const ADDRESS_MAX_CHARS: usize = 300;
/// Longest receipt number, in characters.
pub const RECEIPT_MAX_CHARS: usize = 30;

/// A name as stored: NFC, control characters dropped, trimmed, inner whitespace collapsed to
/// one space. Idempotent.
pub fn normalize_name(text: &str) -> String {
    // Controls go first and NFC comes last: dropping a character between a letter and its mark
    // can create a new composition, and NFC never creates whitespace or controls.
    let mut collapsed = String::with_capacity(text.len());
    for word in text
        .chars()
        .filter(|c| c.is_whitespace() || !c.is_control())
        .collect::<String>()
        .split_whitespace()
    {
        if !collapsed.is_empty() {
            collapsed.push(' ');
        }
        collapsed.push_str(word);
    }
    collapsed.nfc().collect()
}

/// Free text as stored: NFC, `\r\n` and lone `\r` → `\n`, trimmed at both ends; line breaks
/// inside are kept.
pub fn normalize_free_text(text: &str) -> String {
    let nfc: String = text
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .nfc()
        .collect();
    nfc.trim().to_owned()
}

/// A required name: normalised, not empty, at most [`NAME_MAX_CHARS`]. Returns the clean form.
/// Codes: `required`, `too_long`.
pub fn check_name(field: &str, text: &str) -> Result<String, ValidationError> {
    let name = normalize_name(text);
    check_filled(
        field,
        &name,
        NAME_MAX_CHARS,
        "Chưa nhập tên. Hãy nhập đầy đủ họ và tên.",
    )?;
    Ok(name)
}

/// Characters that reorder how the text around them is displayed (the Unicode bidirectional
/// embeddings, overrides and isolates). No Vietnamese text needs them, and in a name they make
/// "Nguyễn Văn A" show as something else on the office's screens and exports ("Trojan source").
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A stored text: at most `max` characters (after normalisation), with no control character
/// but line breaks and tabs and no bidirectional override. Codes: `too_long`,
/// `invalid_characters`.
pub fn check_max_chars(field: &str, text: &str, max: usize) -> Result<(), ValidationError> {
    if let Some(bad) = text
        .chars()
        .find(|&c| is_bidi_control(c) || (c.is_control() && c != '\n' && c != '\t'))
    {
        return Err(ValidationError::new(
            ValidationCode::InvalidCharacters,
            field,
            format!(
                "Nội dung có ký tự điều khiển không in được (mã U+{:04X}), thường do dán từ nơi \
                 khác. Hãy xoá rồi gõ lại phần chữ đó.",
                u32::from(bad)
            ),
        ));
    }
    let count = text.chars().count();
    if count > max {
        return Err(ValidationError::new(
            ValidationCode::TooLong,
            field,
            format!("Nội dung dài quá: tối đa {max} ký tự (đang có {count}). Hãy rút gọn lại."),
        ));
    }
    Ok(())
}

/// A required text, already normalised: not empty (`required`, with `when_empty`, which says
/// what to enter), then as [`check_max_chars`].
fn check_filled(
    field: &str,
    clean: &str,
    max: usize,
    when_empty: &'static str,
) -> Result<(), ValidationError> {
    if clean.is_empty() {
        return Err(ValidationError::new(
            ValidationCode::Required,
            field,
            when_empty,
        ));
    }
    check_max_chars(field, clean, max)
}

/// Free notes: at most [`NOTES_MAX_CHARS`] once normalised. Code: `too_long`.
pub fn check_notes(field: &str, text: &str) -> Result<(), ValidationError> {
    check_max_chars(field, &normalize_free_text(text), NOTES_MAX_CHARS)
}

/// A required free text (a reason, a note the office must read): not empty, at most
/// [`NOTES_MAX_CHARS`]. Codes: `required`, `too_long`.
pub fn check_required_text(field: &str, text: &str) -> Result<(), ValidationError> {
    check_filled(
        field,
        &normalize_free_text(text),
        NOTES_MAX_CHARS,
        "Không được để trống. Hãy ghi rõ nội dung.",
    )
}

/// A receipt number as stored: trimmed, ASCII letters upper-cased (`bl/25` and `BL/25` are the
/// same receipt).
pub fn normalize_receipt_number(text: &str) -> String {
    text.trim().to_ascii_uppercase()
}

/// A receipt number (số biên lai): not empty, at most [`RECEIPT_MAX_CHARS`], only ASCII letters,
/// digits, `-` and `/`. Returns the clean form. Codes: `required`, `too_long`,
/// `invalid_characters`.
pub fn check_receipt_number(field: &str, text: &str) -> Result<String, ValidationError> {
    let receipt = normalize_receipt_number(text);
    check_filled(
        field,
        &receipt,
        RECEIPT_MAX_CHARS,
        "Chưa nhập số biên lai. Hãy nhập số in trên biên lai thu tiền.",
    )?;
    if let Some(bad) = receipt
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '/')))
    {
        return Err(ValidationError::new(
            ValidationCode::InvalidCharacters,
            field,
            format!(
                "Số biên lai chỉ gồm chữ cái không dấu, chữ số, dấu \"-\" và \"/\"; có ký tự \"{bad}\". Hãy nhập đúng như trên biên lai."
            ),
        ));
    }
    Ok(receipt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    // Source: issue (names: trim, collapse inner spaces, NFC, not empty, ≤ 100 chars).
    #[rstest]
    #[case::trims("  Nguyễn Văn Đức ", "Nguyễn Văn Đức")]
    #[case::collapses("Nguyễn \t Văn\n Đức", "Nguyễn Văn Đức")]
    #[case::nfd_to_nfc("Nguye\u{302}\u{303}n", "Nguyễn")]
    #[case::drops_controls("Lê\u{0}Thị", "LêThị")]
    fn names_are_cleaned(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(check_name("full_name", input).as_deref(), Ok(expected));
    }

    // Source: issue (names ≤ 100 chars; notes ≤ 2000 chars).
    #[rstest]
    #[case::empty("", ValidationCode::Required)]
    #[case::blank(" \t ", ValidationCode::Required)]
    #[case::too_long(&"a".repeat(101), ValidationCode::TooLong)]
    fn bad_names(#[case] input: &str, #[case] code: ValidationCode) {
        assert_eq!(
            check_name("full_name", input).map_err(|e| e.code),
            Err(code)
        );
    }

    // Source: issue 8 (U+202E was accepted in a name); Unicode UAX #9 lists the embedding,
    // override and isolate controls.
    #[rstest]
    #[case::right_to_left_override("Nguyễn\u{202E}Văn A")]
    #[case::left_to_right_embedding("\u{202A}Lê Thị B")]
    #[case::first_strong_isolate("Trần \u{2068}C")]
    #[case::pop_isolate("Phạm D\u{2069}")]
    fn names_refuse_bidi_controls(#[case] input: &str) {
        assert_eq!(
            check_name("full_name", input).map_err(|e| e.code),
            Err(ValidationCode::InvalidCharacters)
        );
        assert_eq!(
            check_notes("notes", input).map_err(|e| e.code),
            Err(ValidationCode::InvalidCharacters)
        );
    }

    #[test]
    fn notes_keep_line_breaks_and_refuse_other_controls() {
        assert!(check_notes("notes", "Gọi lại\nChủ nhật\tsáng").is_ok());
        let err = check_notes("notes", "chuông\u{7}").expect_err("bell");
        assert_eq!(err.code, ValidationCode::InvalidCharacters);
        assert!(err.message.contains("U+0007"), "{}", err.message);
        // A name loses its controls in normalisation, so it is stored clean, never refused.
        assert_eq!(
            check_name("full_name", "Lê\u{1b}Thị").as_deref(),
            Ok("LêThị")
        );
    }

    #[test]
    fn limits_count_characters_not_bytes() {
        // 100 Vietnamese letters are 200+ bytes but exactly at the limit.
        assert!(check_name("full_name", &"Đ".repeat(NAME_MAX_CHARS)).is_ok());
        assert!(check_notes("notes", &"ệ".repeat(NOTES_MAX_CHARS)).is_ok());
        let err = check_notes("notes", &"ệ".repeat(NOTES_MAX_CHARS + 1)).expect_err("too long");
        assert_eq!(err.code, ValidationCode::TooLong);
        assert!(err.message.contains("2001"), "{}", err.message);
        assert_eq!(
            check_required_text("status_reason", "  \n").map_err(|e| e.code),
            Err(ValidationCode::Required)
        );
    }

    // Source: issue (receipt numbers: non-empty, ≤ 30 chars, letters/digits/-/ only).
    #[rstest]
    #[case::digits("0001234", Ok("0001234"))]
    #[case::series(" bl/2026-0001 ", Ok("BL/2026-0001"))]
    #[case::empty("  ", Err(ValidationCode::Required))]
    #[case::thirty_one(&"1".repeat(31), Err(ValidationCode::TooLong))]
    #[case::space_inside("BL 0001", Err(ValidationCode::InvalidCharacters))]
    #[case::vietnamese_letter("Đ0001", Err(ValidationCode::InvalidCharacters))]
    #[case::hash("#0001", Err(ValidationCode::InvalidCharacters))]
    fn receipt_numbers(#[case] input: &str, #[case] expected: Result<&str, ValidationCode>) {
        let got = check_receipt_number("receipt_number", input);
        assert_eq!(got.as_deref().map_err(|e| e.code), expected, "{input:?}");
    }

    proptest! {
        #[test]
        fn name_normalisation_is_idempotent(text in "\\PC{0,60}") {
            let once = normalize_name(&text);
            prop_assert_eq!(normalize_name(&once), once.clone());
            prop_assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
        }

        #[test]
        fn free_text_normalisation_is_idempotent(text in "(?s).{0,60}") {
            let once = normalize_free_text(&text);
            prop_assert_eq!(normalize_free_text(&once), once);
        }
    }
}
