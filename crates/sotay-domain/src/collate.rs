//! Vietnamese alphabetical order, for every list sorted by a name: a village's households, the
//! villages of an area.
//!
//! Why not the database's order: SQLite and PostgreSQL's `C` collation compare code points, and
//! `Đ` (U+0110) comes after every unaccented letter, so "Đỗ Văn Hải" was listed after "Vũ" —
//! where a clerk scanning a printed list from the commune never looks. The Vietnamese alphabet
//! is a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y: `Đ` follows `D`, `Ă` and `Â`
//! follow `A`, `Ơ` follows `O`, `Ư` follows `U`, and the tone marks only break ties (in the order
//! of the Unicode CLDR's Vietnamese collation: none, grave, hook, tilde, acute, dot below).
//!
//! The order is CLDR's Vietnamese collation through ICU4X (`icu_collator`), not a table of our
//! own. [`sort_key`] turns a name into bytes that compare (as bytes, as SQLite compares blobs)
//! in that order, so the device store keeps a key beside each name and pages a long list
//! through an index; [`compare`] orders two names directly.

use std::cmp::Ordering;
use std::sync::LazyLock;

use icu_collator::options::CollatorOptions;
use icu_collator::{CollatorBorrowed, CollatorPreferences};
use icu_locale_core::locale;

/// The Vietnamese collator, made once (from data compiled into the binary: nothing to load).
static VIETNAMESE: LazyLock<CollatorBorrowed<'static>> = LazyLock::new(|| {
    CollatorBorrowed::try_new(
        CollatorPreferences::from(locale!("vi")),
        CollatorOptions::default(),
    )
    .expect("the Vietnamese collation is compiled into icu_collator's data")
});

/// Orders two texts in Vietnamese alphabetical order.
///
/// ```
/// use sotay_domain::collate::compare;
/// use std::cmp::Ordering;
/// assert_eq!(compare("Đỗ Văn Hải", "Hoàng Minh"), Ordering::Less);
/// assert_eq!(compare("Dương Văn An", "Đỗ Văn Hải"), Ordering::Less);
/// ```
pub fn compare(a: &str, b: &str) -> Ordering {
    VIETNAMESE.compare(a, b)
}

/// The bytes that sort `text` in Vietnamese alphabetical order: for any two texts,
/// `sort_key(a).cmp(&sort_key(b)) == compare(a, b)`. Kept beside a name in a database, it lets
/// an index page a list in that order. A key is only comparable with keys made by the same
/// collation data: the device store keeps the [`fingerprint`] of the data its keys were made
/// with and makes them again when it changes.
pub fn sort_key(text: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(text.len() * 2 + 8);
    // Writing into a Vec cannot fail.
    let _ = VIETNAMESE.write_sort_key_to(text, &mut key);
    key
}

/// Names whose keys show any change in the collation data that matters here: the letters with
/// marks, the tones, `Đ`, case and spacing.
const PROBES: [&str; 8] = [
    "An Ăn Ân",
    "Đỗ Đức",
    "Dương",
    "ma mà mả mã má mạ",
    "Ơn Ưng Ôn",
    "Êm Yến",
    "nguyễn VĂN",
    "Lò Văn Páo",
];

/// What the keys of a few probe names are, as hex text: equal for the same collation data, and
/// different when an update of it changes how these names sort (then stored keys are made
/// again).
pub fn fingerprint() -> String {
    let mut text = String::new();
    for probe in PROBES {
        for byte in sort_key(probe) {
            text.push_str(&format!("{byte:02x}"));
        }
        text.push('.');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 29 letters of the Vietnamese alphabet in their order (the alphabet taught in primary
    /// school, as in CLDR's `vi` collation), each as the first letter of a name.
    const ALPHABET: [&str; 29] = [
        "An", "Ăn", "Ân", "Bình", "Cúc", "Dung", "Đức", "Em", "Êm", "Giang", "Hà", "Inh", "Kiên",
        "Lan", "Minh", "Nam", "Oanh", "Ôn", "Ơn", "Phúc", "Quang", "Rạng", "Sơn", "Tâm", "Uyên",
        "Ưng", "Vân", "Xuân", "Yến",
    ];

    #[test]
    fn the_alphabet_is_in_its_vietnamese_order() {
        let mut shuffled: Vec<&str> = ALPHABET.iter().rev().copied().collect();
        shuffled.sort_by(|a, b| compare(a, b));
        assert_eq!(shuffled, ALPHABET);
        let mut by_key: Vec<&str> = ALPHABET.iter().rev().copied().collect();
        by_key.sort_by_key(|name| sort_key(name));
        assert_eq!(by_key, ALPHABET, "the keys sort as the names do");
    }

    #[test]
    fn d_with_stroke_follows_d_not_z() {
        let mut names = vec![
            "Vũ Văn Nam",
            "Đỗ Văn Hải",
            "Dương Thị Hoa",
            "Hoàng Minh",
            "Bùi Công",
        ];
        names.sort_by_key(|name| sort_key(name));
        assert_eq!(
            names,
            [
                "Bùi Công",
                "Dương Thị Hoa",
                "Đỗ Văn Hải",
                "Hoàng Minh",
                "Vũ Văn Nam"
            ]
        );
    }

    #[test]
    fn tones_break_ties_in_their_order() {
        // ma, mà (huyền), mả (hỏi), mã (ngã), má (sắc), mạ (nặng).
        let tones = ["ma", "mà", "mả", "mã", "má", "mạ"];
        let mut sorted: Vec<&str> = tones.iter().rev().copied().collect();
        sorted.sort_by_key(|t| sort_key(t));
        assert_eq!(sorted, tones);
        // A base letter decides before a tone does: "mạnh" after "màn".
        assert_eq!(compare("mạnh", "màn"), Ordering::Greater);
    }

    #[test]
    fn the_fingerprint_is_stable_and_tells_keys_apart() {
        assert_eq!(fingerprint(), fingerprint());
        assert_eq!(fingerprint().matches('.').count(), PROBES.len());
        assert_ne!(
            sort_key("Đỗ Đức"),
            sort_key("Do Duc"),
            "the stroke is in the key"
        );
    }

    #[test]
    fn composed_and_decomposed_names_sort_alike() {
        let composed = "Nguyễn Văn Đức";
        let decomposed = "Nguye\u{302}\u{303}n Va\u{306}n \u{110}u\u{31b}\u{301}c";
        assert_eq!(compare(composed, decomposed), Ordering::Equal);
        assert_eq!(sort_key(composed), sort_key(decomposed));
    }
}
