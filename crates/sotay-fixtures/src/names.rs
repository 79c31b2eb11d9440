//! Vietnamese names with roughly the shares they have in the population, village names, and
//! mobile prefixes: generated people read like the lists a commune sends.

use rand::Rng;
use rand::seq::IndexedRandom;
use sotay_domain::Sex;

/// Family names with rough shares of the population (per mille).
pub const FAMILY: &[(&str, u32)] = &[
    ("Nguyễn", 380),
    ("Trần", 110),
    ("Lê", 95),
    ("Phạm", 70),
    ("Hoàng", 50),
    ("Huỳnh", 30),
    ("Phan", 45),
    ("Vũ", 40),
    ("Võ", 30),
    ("Đặng", 21),
    ("Bùi", 20),
    ("Đỗ", 14),
    ("Hồ", 13),
    ("Ngô", 13),
    ("Dương", 10),
    ("Lý", 5),
    ("Đinh", 8),
    ("Trịnh", 6),
    ("Lương", 5),
    ("Đào", 5),
    ("Mai", 4),
    ("Hà", 6),
    ("Lò", 3),
    ("Cao", 4),
    ("Lục", 2),
    ("Triệu", 3),
];
const MIDDLE_MALE: &[&str] = &[
    "Văn", "Đức", "Hữu", "Minh", "Quang", "Xuân", "Thanh", "Công", "Đình", "Ngọc", "Trọng", "Mạnh",
];
const MIDDLE_FEMALE: &[&str] = &[
    "Thị", "Ngọc", "Thu", "Thanh", "Hồng", "Kim", "Mai", "Phương", "Bích", "Diệu",
];
const GIVEN_MALE: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Đức", "Giang", "Hải", "Hùng", "Huy", "Khoa", "Khánh", "Long",
    "Minh", "Nam", "Nghĩa", "Phúc", "Quân", "Sơn", "Tài", "Thắng", "Thành", "Tiến", "Trung",
    "Tuấn", "Việt", "Vinh", "Hoàng", "Lâm", "Kiên", "Đạt",
];
const GIVEN_FEMALE: &[&str] = &[
    "Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hiền", "Hoa", "Hồng", "Hương", "Huyền", "Lan",
    "Liên", "Linh", "Loan", "Mai", "Nga", "Ngọc", "Nhung", "Oanh", "Phương", "Quyên", "Thảo",
    "Thủy", "Trang", "Tuyết", "Vân", "Yến", "Xuân", "Lụa",
];
/// Names villages are given ("Thôn Đông 2").
pub const VILLAGE_NAMES: &[&str] = &[
    "Đông",
    "Tây",
    "Nam",
    "Bắc",
    "Trung",
    "Thượng",
    "Hạ",
    "Mới",
    "Chợ",
    "Cầu",
    "Đình",
    "Đồng Sen",
    "Hòa Bình",
    "Tân Lập",
    "Phú Mỹ",
];
/// Mobile prefixes of the three large networks.
pub const PHONE_PREFIXES: &[&str] = &[
    "032", "033", "034", "035", "036", "037", "038", "039", "086", "088", "090", "091", "093",
    "094", "096", "097", "098",
];

/// A family name drawn with the population's shares.
pub fn family(rng: &mut impl Rng) -> &'static str {
    let total: u32 = FAMILY.iter().map(|(_, w)| w).sum();
    let mut pick = rng.random_range(0..total);
    for (name, weight) in FAMILY {
        if pick < *weight {
            return name;
        }
        pick -= weight;
    }
    FAMILY[0].0
}

/// A full name in `family` for a person of `sex` ("Nguyễn Thị Lan").
pub fn full_name(rng: &mut impl Rng, family: &str, sex: Sex) -> String {
    let (middle, given) = match sex {
        Sex::Male => (MIDDLE_MALE, GIVEN_MALE),
        Sex::Female => (MIDDLE_FEMALE, GIVEN_FEMALE),
    };
    format!(
        "{family} {} {}",
        middle.choose(rng).copied().unwrap_or("Văn"),
        given.choose(rng).copied().unwrap_or("An")
    )
}

/// A mobile number with a real prefix (`0912345678`).
pub fn phone(rng: &mut impl Rng) -> String {
    format!(
        "{}{:07}",
        PHONE_PREFIXES.choose(rng).copied().unwrap_or("091"),
        rng.random_range(0..10_000_000)
    )
}
