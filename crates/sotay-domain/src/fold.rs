//! Vietnamese search folding: turns `Nguyễn Văn Đức` and `nguyen  van duc` into the same key
//! `nguyen van duc`, so people can search by typing on a phone keyboard without diacritics.
//!
//! Why a dedicated function: Vietnamese text reaches us in both composed (NFC, from most
//! keyboards) and decomposed (NFD, from some iOS inputs, old fonts and QR readers) form, and
//! `đ`/`Đ` is a letter of its own that Unicode does not decompose into `d` + a mark. Folding
//! handles all three the same way, on the device (SQLite search columns) and at the office.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds text for search: lower case, diacritics removed (through NFD), `đ`/`Đ` → `d`,
/// whitespace trimmed and collapsed to single spaces. Idempotent. Vietnamese input gives ASCII
/// output; other letters keep their base form (lower-cased, without marks).
///
/// ```
/// use sotay_domain::fold::fold;
/// assert_eq!(fold("  Nguyễn   Văn ĐỨC "), "nguyen van duc");
/// ```
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // True while the last thing pushed was a space (or nothing yet): collapses runs and trims
    // the start; a trailing space is removed at the end.
    let mut at_space = true;
    // Lower case first, then decompose: lower-casing can produce a mark (`İ` → `i̇`) and NFD
    // then splits every accented letter into its base letter and marks, which are dropped.
    for ch in text.chars().flat_map(char::to_lowercase).nfd() {
        if is_combining_mark(ch) {
            continue;
        }
        if ch.is_whitespace() {
            if !at_space {
                out.push(' ');
                at_space = true;
            }
            continue;
        }
        at_space = false;
        match ch {
            // Đ/đ is its own letter; Ð/ð (Icelandic eth) is a common look-alike typed by
            // mistake from old keyboards and fonts.
            'đ' | 'ð' => out.push('d'),
            _ => out.push(ch),
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// True when `query`, folded, occurs in `text`, folded: `contains_folded("Phường Ba Đình",
/// "ba dinh")`. An empty query matches everything.
pub fn contains_folded(text: &str, query: &str) -> bool {
    fold(text).contains(&fold(query))
}

/// Text in NFC (composed) form, which is what Sotay stores: one form for one spelling, so
/// equality and uniqueness work byte for byte.
pub fn nfc(text: &str) -> String {
    text.nfc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;
    use unicode_normalization::UnicodeNormalization;

    // Source: rules.md §6 (names come from ID-card QR codes and keyboards in NFC or NFD) and the
    // issue: `nguyen van duc` must match `Nguyễn Văn Đức`.
    #[rstest]
    #[case::nfc_name("Nguyễn Văn Đức", "nguyen van duc")]
    #[case::upper("NGUYỄN VĂN ĐỨC", "nguyen van duc")]
    #[case::spaces("  Nguyễn \t Văn\n\nĐức  ", "nguyen van duc")]
    #[case::every_vowel_family(
        "ă â ê ô ơ ư ắ ằ ẳ ẵ ặ ấ ầ ẩ ẫ ậ ế ề ể ễ ệ",
        "a a e o o u a a a a a a a a a a e e e e e"
    )]
    #[case::more_vowels(
        "ố ồ ổ ỗ ộ ớ ờ ở ỡ ợ ứ ừ ử ữ ự í ì ỉ ĩ ị ý ỳ ỷ ỹ ỵ",
        "o o o o o o o o o o u u u u u i i i i i y y y y y"
    )]
    #[case::commune("Phường Văn Miếu - Quốc Tử Giám", "phuong van mieu - quoc tu giam")]
    #[case::d_lookalike("Ðức", "duc")]
    #[case::empty("   ", "")]
    #[case::ascii("Ha Noi", "ha noi")]
    fn folds(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(fold(input), expected, "folding {input:?}");
        let nfd: String = input.nfd().collect();
        assert_eq!(fold(&nfd), expected, "NFD input must fold like NFC input");
    }

    #[test]
    fn search_matches_without_diacritics() {
        assert!(contains_folded("Nguyễn Văn Đức", "nguyen van duc"));
        assert!(contains_folded("Nguyễn Văn Đức", "VĂN đức"));
        assert!(!contains_folded("Nguyễn Văn Đức", "nguyen van dung"));
    }

    /// Vietnamese letters (both cases, all tones) plus spaces and ASCII.
    fn vietnamese_text() -> impl Strategy<Value = String> {
        let letters: Vec<char> = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ AĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXYÁÀẢÃẠẮẰẲẴẶẤẦẨẪẬÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴ\t0123456789-"
            .chars()
            .collect();
        prop::collection::vec(prop::sample::select(letters), 0..40)
            .prop_map(|chars| chars.into_iter().collect())
    }

    proptest! {
        #[test]
        fn fold_is_idempotent(text in vietnamese_text()) {
            let once = fold(&text);
            prop_assert_eq!(fold(&once), once.clone(), "folding twice must change nothing");
        }

        #[test]
        fn vietnamese_folds_to_ascii(text in vietnamese_text()) {
            let folded = fold(&text);
            prop_assert!(folded.is_ascii(), "{text:?} folded to non-ASCII {folded:?}");
            prop_assert!(!folded.starts_with(' ') && !folded.ends_with(' ') && !folded.contains("  "));
        }

        #[test]
        fn fold_ignores_case_and_normal_form(text in vietnamese_text()) {
            let expected = fold(&text);
            prop_assert_eq!(fold(&text.to_uppercase()), expected.clone(), "upper case");
            prop_assert_eq!(fold(&text.to_lowercase()), expected.clone(), "lower case");
            let nfd: String = text.nfd().collect();
            prop_assert_eq!(fold(&nfd), expected, "NFD");
        }

        #[test]
        fn any_string_folds_idempotently(text in any::<String>()) {
            let once = fold(&text);
            prop_assert_eq!(fold(&once), once.clone());
        }
    }
}
