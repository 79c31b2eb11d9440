//! Vietnam's administrative units: the 34 provinces and 3,321 communes in force since 1/7/2025
//! (Resolution 202/2025/QH15; codes from Decision 19/2025/QĐ-TTg), and the old 63-province list
//! whose 3-digit codes still begin every personal ID number.
//!
//! Why it is embedded: every record carries a commune code, and both the phone (offline) and the
//! office must check it against the same list. The list is a CSV file compiled into the binary
//! (`data/admin-units-2025.csv`, from the National Statistics Office list) and parsed once on
//! first use. Codes are strings because their leading zeros matter (`00004`).
//!
//! The district level no longer exists, and old addresses name merged units: Sotay keeps old
//! address text as given and attaches the current commune code.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::fold::fold;

/// The embedded 2025 list: `province_code,province_name,province_type,commune_code,commune_name,
/// commune_type`, one row per commune, grouped by province.
const ADMIN_UNITS_2025_CSV: &str = include_str!("../data/admin-units-2025.csv");

/// Kind of a province-level unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProvinceKind {
    /// Thành phố trực thuộc trung ương (6 since 2025).
    CentralCity,
    /// Tỉnh (28 since 2025).
    Province,
}

/// Kind of a commune-level unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommuneKind {
    /// Xã (rural commune).
    Commune,
    /// Phường (urban ward).
    Ward,
    /// Đặc khu (special zone, all islands): residents get the highest state support tier.
    SpecialZone,
}

/// A province-level unit (tỉnh / thành phố) of the 2025 list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Province {
    /// 2-digit code, e.g. `"01"` (Hà Nội).
    pub code: &'static str,
    /// Official name, e.g. `"Thành phố Hà Nội"`.
    pub name: &'static str,
    /// City or province.
    pub kind: ProvinceKind,
    /// Index range of its communes in the commune table (see [`communes_of`]).
    #[serde(skip)]
    communes: std::ops::Range<usize>,
}

/// A commune-level unit (xã / phường / đặc khu) of the 2025 list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Commune {
    /// 5-digit code, e.g. `"00004"` (Phường Ba Đình).
    pub code: &'static str,
    /// Official name with its kind word, e.g. `"Phường Ba Đình"`.
    pub name: &'static str,
    /// Xã, phường or đặc khu.
    pub kind: CommuneKind,
    /// The 2-digit code of its province.
    pub province_code: &'static str,
    /// The name folded for search (`"phuong ba dinh"`).
    #[serde(skip)]
    folded_name: String,
    /// The name without its kind word, folded (`"ba dinh"`).
    #[serde(skip)]
    folded_short_name: String,
    /// Index of its province in the province table.
    #[serde(skip)]
    province_index: usize,
}

impl Commune {
    /// The province the commune belongs to.
    pub fn province(&self) -> &'static Province {
        // Set when the tables were built, from the same row as the province.
        &TABLES.provinces[self.province_index]
    }

    /// The name without the kind word: `"Ba Đình"` for `"Phường Ba Đình"`.
    pub fn short_name(&self) -> &'static str {
        short_name(self.name, self.kind)
    }
}

/// `name` without the kind word of `kind`.
fn short_name(name: &'static str, kind: CommuneKind) -> &'static str {
    let prefix = match kind {
        CommuneKind::Commune => "Xã ",
        CommuneKind::Ward => "Phường ",
        CommuneKind::SpecialZone => "Đặc khu ",
    };
    name.strip_prefix(prefix).unwrap_or(name)
}

/// A province of the old 63-province list (before 1/7/2025), keyed by the 3-digit code that
/// begins personal ID numbers (Circular 59/2021/TT-BCA). These codes stay valid for life: a
/// person born in Hà Giang in 1990 keeps `002…` although Hà Giang is now part of Tuyên Quang.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct OldProvince {
    /// 3-digit code, e.g. `"002"`.
    pub code: &'static str,
    /// Name as it was, e.g. `"Hà Giang"`.
    pub name: &'static str,
    /// The 2-digit code of the 2025 province it is now part of (`"08"`, Tuyên Quang).
    pub current_province_code: &'static str,
}

impl OldProvince {
    /// The 2025 province it is now part of.
    pub fn current_province(&self) -> Option<&'static Province> {
        province(self.current_province_code)
    }
}

/// The old 63 provinces in code order, with the 2025 province each became part of
/// (Resolution 202/2025/QH15). The 34 surviving provinces kept their 2-digit statistics code, so
/// an old code `0XY` whose province survived maps to `XY`.
const OLD_PROVINCES: [OldProvince; 63] = {
    const fn p(
        code: &'static str,
        name: &'static str,
        current_province_code: &'static str,
    ) -> OldProvince {
        OldProvince {
            code,
            name,
            current_province_code,
        }
    }
    [
        p("001", "Hà Nội", "01"),
        p("002", "Hà Giang", "08"),
        p("004", "Cao Bằng", "04"),
        p("006", "Bắc Kạn", "19"),
        p("008", "Tuyên Quang", "08"),
        p("010", "Lào Cai", "15"),
        p("011", "Điện Biên", "11"),
        p("012", "Lai Châu", "12"),
        p("014", "Sơn La", "14"),
        p("015", "Yên Bái", "15"),
        p("017", "Hòa Bình", "25"),
        p("019", "Thái Nguyên", "19"),
        p("020", "Lạng Sơn", "20"),
        p("022", "Quảng Ninh", "22"),
        p("024", "Bắc Giang", "24"),
        p("025", "Phú Thọ", "25"),
        p("026", "Vĩnh Phúc", "25"),
        p("027", "Bắc Ninh", "24"),
        p("030", "Hải Dương", "31"),
        p("031", "Hải Phòng", "31"),
        p("033", "Hưng Yên", "33"),
        p("034", "Thái Bình", "33"),
        p("035", "Hà Nam", "37"),
        p("036", "Nam Định", "37"),
        p("037", "Ninh Bình", "37"),
        p("038", "Thanh Hóa", "38"),
        p("040", "Nghệ An", "40"),
        p("042", "Hà Tĩnh", "42"),
        p("044", "Quảng Bình", "44"),
        p("045", "Quảng Trị", "44"),
        p("046", "Thừa Thiên Huế", "46"),
        p("048", "Đà Nẵng", "48"),
        p("049", "Quảng Nam", "48"),
        p("051", "Quảng Ngãi", "51"),
        p("052", "Bình Định", "52"),
        p("054", "Phú Yên", "66"),
        p("056", "Khánh Hòa", "56"),
        p("058", "Ninh Thuận", "56"),
        p("060", "Bình Thuận", "68"),
        p("062", "Kon Tum", "51"),
        p("064", "Gia Lai", "52"),
        p("066", "Đắk Lắk", "66"),
        p("067", "Đắk Nông", "68"),
        p("068", "Lâm Đồng", "68"),
        p("070", "Bình Phước", "75"),
        p("072", "Tây Ninh", "80"),
        p("074", "Bình Dương", "79"),
        p("075", "Đồng Nai", "75"),
        p("077", "Bà Rịa - Vũng Tàu", "79"),
        p("079", "Hồ Chí Minh", "79"),
        p("080", "Long An", "80"),
        p("082", "Tiền Giang", "82"),
        p("083", "Bến Tre", "86"),
        p("084", "Trà Vinh", "86"),
        p("086", "Vĩnh Long", "86"),
        p("087", "Đồng Tháp", "82"),
        p("089", "An Giang", "91"),
        p("091", "Kiên Giang", "91"),
        p("092", "Cần Thơ", "92"),
        p("093", "Hậu Giang", "92"),
        p("094", "Sóc Trăng", "92"),
        p("095", "Bạc Liêu", "96"),
        p("096", "Cà Mau", "96"),
    ]
};

/// The parsed 2025 list.
struct Tables {
    /// Sorted by code.
    provinces: Vec<Province>,
    /// Grouped by province (in province code order), sorted by code within a province.
    communes: Vec<Commune>,
    /// Commune code → index in `communes`.
    commune_index: HashMap<&'static str, usize>,
}

static TABLES: LazyLock<Tables> = LazyLock::new(|| parse_tables(ADMIN_UNITS_2025_CSV));

/// Parses the embedded CSV. The file is ours and fixed at build time; a malformed row is
/// skipped rather than panicking, and the tests pin the exact counts so a bad file cannot ship.
fn parse_tables(csv: &'static str) -> Tables {
    let mut rows: Vec<(Province, Commune)> = Vec::with_capacity(3_400);
    for line in csv.lines().skip(1) {
        let fields: Vec<&'static str> = line.trim_end_matches('\r').split(',').collect();
        let [
            province_code,
            province_name,
            province_type,
            code,
            name,
            commune_type,
        ] = fields[..]
        else {
            continue;
        };
        let province_kind = match province_type {
            "thành phố trung ương" => ProvinceKind::CentralCity,
            "tỉnh" => ProvinceKind::Province,
            _ => continue,
        };
        let kind = match commune_type {
            "xã" => CommuneKind::Commune,
            "phường" => CommuneKind::Ward,
            "đặc khu" => CommuneKind::SpecialZone,
            _ => continue,
        };
        rows.push((
            Province {
                code: province_code,
                name: province_name,
                kind: province_kind,
                communes: 0..0,
            },
            Commune {
                code,
                name,
                kind,
                province_code,
                folded_name: fold(name),
                folded_short_name: fold(short_name(name, kind)),
                province_index: 0,
            },
        ));
    }
    rows.sort_by(|a, b| (a.1.province_code, a.1.code).cmp(&(b.1.province_code, b.1.code)));
    rows.dedup_by(|a, b| a.1.code == b.1.code);

    let mut provinces: Vec<Province> = Vec::with_capacity(34);
    let mut communes = Vec::with_capacity(rows.len());
    for (index, (province, mut commune)) in rows.into_iter().enumerate() {
        match provinces.last_mut() {
            Some(last) if last.code == province.code => last.communes.end = index + 1,
            _ => provinces.push(Province {
                communes: index..index + 1,
                ..province
            }),
        }
        commune.province_index = provinces.len() - 1;
        communes.push(commune);
    }
    let commune_index = communes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.code, i))
        .collect();
    Tables {
        provinces,
        communes,
        commune_index,
    }
}

/// All 34 provinces of the 2025 list, by code.
pub fn provinces() -> &'static [Province] {
    &TABLES.provinces
}

/// The province with this 2-digit code (`"01"`), if it exists since 1/7/2025.
pub fn province(code: &str) -> Option<&'static Province> {
    let tables = &*TABLES;
    tables
        .provinces
        .binary_search_by(|p| p.code.cmp(code.trim()))
        .ok()
        .map(|i| &tables.provinces[i])
}

/// All 3,321 communes, grouped by province.
pub fn communes() -> &'static [Commune] {
    &TABLES.communes
}

/// The commune with this 5-digit code (`"00004"`); [`Commune::province`] gives its province.
pub fn commune(code: &str) -> Option<&'static Commune> {
    let tables = &*TABLES;
    tables
        .commune_index
        .get(code.trim())
        .map(|&i| &tables.communes[i])
}

/// True when `code` is a commune of the 2025 list.
pub fn is_known_commune(code: &str) -> bool {
    commune(code).is_some()
}

/// The communes of a province (by code); empty for an unknown province.
pub fn communes_of(province_code: &str) -> &'static [Commune] {
    match province(province_code) {
        Some(p) => &TABLES.communes[p.communes.clone()],
        None => &[],
    }
}

/// Communes whose name contains the folded query (`"ba dinh"` finds `Phường Ba Đình`), best
/// first: the name without its kind word equal to the query, then starting with it, then a
/// match starting at a word, then any match; ties by province and code. At most `limit` results; an empty query finds nothing.
pub fn search_communes(query: &str, limit: usize) -> Vec<&'static Commune> {
    search_in(communes(), query, limit)
}

/// Like [`search_communes`], within one province (a collector works inside one province).
pub fn search_communes_in(province_code: &str, query: &str, limit: usize) -> Vec<&'static Commune> {
    search_in(communes_of(province_code), query, limit)
}

fn search_in(candidates: &'static [Commune], query: &str, limit: usize) -> Vec<&'static Commune> {
    let query = fold(query);
    if query.is_empty() {
        return Vec::new();
    }
    let mut hits: Vec<(u8, &'static Commune)> = candidates
        .iter()
        .filter_map(|c| {
            let short = &c.folded_short_name;
            let rank = if *short == query || c.folded_name == query {
                0
            } else if short.starts_with(&query) || c.folded_name.starts_with(&query) {
                1
            } else if contains_at_word_start(&c.folded_name, &query) {
                2
            } else if c.folded_name.contains(&query) {
                // Mid-word ("an phu" inside "tan phu"): kept, but last.
                3
            } else {
                return None;
            };
            Some((rank, c))
        })
        .collect();
    // The commune list is already in (province, code) order and the sort is stable.
    hits.sort_by_key(|(rank, _)| *rank);
    hits.into_iter().take(limit).map(|(_, c)| c).collect()
}

/// True when `needle` occurs in `haystack` right at the start or after a space.
fn contains_at_word_start(haystack: &str, needle: &str) -> bool {
    haystack
        .match_indices(needle)
        .any(|(i, _)| i == 0 || haystack.as_bytes()[i - 1] == b' ')
}

/// The old 63 provinces (3-digit codes), in code order.
pub fn old_provinces() -> &'static [OldProvince] {
    &OLD_PROVINCES
}

/// The old province with this 3-digit code (`"001"`), as used in personal ID numbers.
pub fn old_province(code: &str) -> Option<&'static OldProvince> {
    OLD_PROVINCES
        .binary_search_by(|p| p.code.cmp(code))
        .ok()
        .map(|i| &OLD_PROVINCES[i])
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[test]
    fn counts_match_resolution_202() {
        // Source: rules.md §7: 34 provinces (6 centrally-run cities, 28 provinces) and 3,321
        // communes (2,621 xã, 687 phường, 13 đặc khu).
        assert_eq!(provinces().len(), 34, "provinces since 1/7/2025");
        let cities = provinces()
            .iter()
            .filter(|p| p.kind == ProvinceKind::CentralCity)
            .count();
        assert_eq!(cities, 6, "centrally-run cities");
        assert_eq!(communes().len(), 3_321, "communes since 1/7/2025");
        let count = |kind| communes().iter().filter(|c| c.kind == kind).count();
        assert_eq!(count(CommuneKind::Commune), 2_621, "xã");
        assert_eq!(count(CommuneKind::Ward), 687, "phường");
        assert_eq!(count(CommuneKind::SpecialZone), 13, "đặc khu");
        let by_province: usize = provinces().iter().map(|p| communes_of(p.code).len()).sum();
        assert_eq!(
            by_province, 3_321,
            "every commune belongs to exactly one province"
        );
    }

    // Source: data/admin-units-2025.csv (National Statistics Office list, Decision 19/2025).
    #[rstest]
    #[case("00004", "Phường Ba Đình", CommuneKind::Ward, "01", "Thành phố Hà Nội")]
    #[case("00376", "Xã Sóc Sơn", CommuneKind::Commune, "01", "Thành phố Hà Nội")]
    #[case(
        "31078",
        "Đặc khu Phú Quốc",
        CommuneKind::SpecialZone,
        "91",
        "Tỉnh An Giang"
    )]
    #[case(
        "26732",
        "Đặc khu Côn Đảo",
        CommuneKind::SpecialZone,
        "79",
        "Thành phố Hồ Chí Minh"
    )]
    #[case("32248", "Xã Đất Mũi", CommuneKind::Commune, "96", "Tỉnh Cà Mau")]
    fn known_communes(
        #[case] code: &str,
        #[case] name: &str,
        #[case] kind: CommuneKind,
        #[case] province_code: &str,
        #[case] province_name: &str,
    ) {
        let found = commune(code).expect("the commune is in the 2025 list");
        assert_eq!((found.name, found.kind), (name, kind), "commune {code}");
        assert_eq!(found.province().code, province_code);
        assert_eq!(found.province().name, province_name);
        assert!(
            communes_of(province_code).iter().any(|c| c.code == code),
            "listed under its province"
        );
    }

    // Source: rules.md §7: codes are strings with leading zeros; the district level is gone.
    #[rstest]
    #[case::without_leading_zeros("4")]
    #[case::old_district_code("001")]
    #[case::empty("")]
    #[case::unknown("99999")]
    fn unknown_commune_codes(#[case] code: &str) {
        assert!(
            commune(code).is_none(),
            "{code:?} is not a 2025 commune code"
        );
    }

    #[test]
    fn province_lookup() {
        assert_eq!(province("01").map(|p| p.name), Some("Thành phố Hà Nội"));
        assert_eq!(province("46").map(|p| p.name), Some("Thành phố Huế"));
        assert_eq!(
            province("02"),
            None,
            "Hà Giang merged into Tuyên Quang on 1/7/2025"
        );
        assert!(communes_of("02").is_empty());
    }

    #[test]
    fn search_by_folded_name_puts_exact_names_first() {
        let hits = search_communes("ba dinh", 10);
        assert_eq!(hits.first().map(|c| c.code), Some("00004"), "{hits:?}");
        let hits = search_communes("PHU QUOC", 10);
        assert_eq!(hits.first().map(|c| c.name), Some("Đặc khu Phú Quốc"));
        let hits = search_communes("an", 5);
        assert_eq!(hits.len(), 5, "limit is honoured");
        assert!(
            search_communes("  ", 10).is_empty(),
            "empty query finds nothing"
        );
        assert!(search_communes("zzzz", 10).is_empty());
    }

    #[test]
    fn search_within_a_province() {
        // "An Phú" exists in several provinces; within An Giang (91) every hit is there.
        let everywhere = search_communes("an phu", 100);
        let in_an_giang = search_communes_in("91", "an phu", 100);
        assert!(!in_an_giang.is_empty(), "An Giang has an An Phú");
        assert!(
            in_an_giang.len() < everywhere.len(),
            "other provinces have one too"
        );
        assert!(in_an_giang.iter().all(|c| c.province_code == "91"));
        assert!(
            search_communes_in("02", "an phu", 100).is_empty(),
            "no province 02 since 2025"
        );
        let in_hcm: Vec<&str> = search_communes_in("79", "AN PHU", 10)
            .iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(
            in_hcm.get(..2),
            Some(&["Phường An Phú", "Phường An Phú Đông"][..]),
            "exact name first, then names starting with the query"
        );
    }

    #[test]
    fn word_matches_come_before_mid_word_matches() {
        let word_match: Vec<bool> = search_communes("an phu", 200)
            .iter()
            .map(|c| contains_at_word_start(&c.folded_name, "an phu"))
            .collect();
        assert!(
            word_match.contains(&false),
            "mid-word matches (Tân Phú) are found too"
        );
        assert!(
            word_match.windows(2).all(|w| w[0] || !w[1]),
            "no word match after a mid-word match: {word_match:?}"
        );
    }

    #[test]
    fn old_provinces_are_the_63_and_map_onto_the_34() {
        // Source: rules.md §6: old 63-province list, 001 Hà Nội … 096 Cà Mau; keep old codes.
        assert_eq!(old_provinces().len(), 63);
        assert!(
            old_provinces().windows(2).all(|w| w[0].code < w[1].code),
            "sorted for lookup"
        );
        assert_eq!(old_province("001").map(|p| p.name), Some("Hà Nội"));
        assert_eq!(old_province("096").map(|p| p.name), Some("Cà Mau"));
        assert_eq!(old_province("003"), None, "003 was never assigned");
        for old in old_provinces() {
            assert!(
                old.current_province().is_some(),
                "{} {} must map onto a 2025 province",
                old.code,
                old.name
            );
        }
        // Every 2025 province kept the statistics code of one old province.
        for p in provinces() {
            let old = old_province(&format!("0{}", p.code)).expect("surviving old code");
            assert_eq!(
                old.current_province_code, p.code,
                "{} keeps its code",
                old.name
            );
        }
        assert_eq!(
            old_province("002")
                .and_then(OldProvince::current_province)
                .map(|p| p.name),
            Some("Tỉnh Tuyên Quang"),
            "Hà Giang merged into Tuyên Quang"
        );
    }
}
