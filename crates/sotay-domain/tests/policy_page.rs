//! The Vietnamese page `docs/chinh-sach.md` lists every number the program uses with its legal
//! source. It is rendered here from the embedded policy data, and this test fails when the
//! committed page differs, so the page cannot drift from the data. After changing
//! `policy/policy.toml`, write the page again with
//! `SOTAY_WRITE_POLICY_PAGE=1 cargo test -p sotay-domain --test policy_page`.

use std::fmt::Write as _;

use chrono::NaiveDate;
use sotay_domain::policy::{Policy, PolicyPeriod, province_name, table_label_vi};

fn date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn period(row: &impl PolicyPeriod) -> String {
    match row.effective_to() {
        Some(to) => format!("{} – {}", date(row.effective_from()), date(to)),
        None => format!("từ {}", date(row.effective_from())),
    }
}

/// Basis points as Vietnamese percent text: 4000 → 40%, 4050 → 40,5%, 15000 → 150%.
fn bp(value: u32) -> String {
    if value.is_multiple_of(100) {
        format!("{}%", value / 100)
    } else {
        let frac = format!("{:02}", value % 100);
        format!("{},{}%", value / 100, frac.trim_end_matches('0'))
    }
}

/// Parts per million as percent: 3100 → 0,31%.
fn ppm(value: u32) -> String {
    let frac = format!("{:04}", value % 10_000);
    format!("{},{}%", value / 10_000, frac.trim_end_matches('0'))
}

fn note(row: &impl PolicyPeriod) -> String {
    row.note()
        .map(|n| n.replacen("to confirm: ", "Chưa xác nhận: ", 1))
        .unwrap_or_default()
}

struct Page(String);

impl Page {
    fn table(&mut self, name: &str, what: &str) {
        let _ = write!(
            self.0,
            "\n## {}\n\n{what}\n\n| Hiệu lực | Số liệu | Căn cứ pháp lý | Ghi chú |\n|---|---|---|---|\n",
            table_label_vi(name)
        );
    }

    fn row(&mut self, row: &impl PolicyPeriod, numbers: &str) {
        let _ = writeln!(
            self.0,
            "| {} | {numbers} | {} | {} |",
            period(row),
            row.legal_ref(),
            note(row)
        );
    }
}

fn groups(poor: u32, near_poor: u32, ethnic: u32, island: u32, other: u32) -> String {
    format!(
        "hộ nghèo {}; hộ cận nghèo {}; người dân tộc thiểu số {}; cư dân xã đảo, đặc khu {}; đối tượng khác {}",
        bp(poor),
        bp(near_poor),
        bp(ethnic),
        bp(island),
        bp(other)
    )
}

fn render(p: &Policy) -> String {
    let mut page = Page(format!(
        "# Các con số chính sách BHXH tự nguyện mà Sổ tay dùng\n\n\
         Trang này được tạo tự động từ dữ liệu chính sách `crates/sotay-domain/policy/policy.toml` \
         (phiên bản {}, định dạng {}); đừng sửa tay. Sau khi sửa dữ liệu, tạo lại trang bằng \
         `SOTAY_WRITE_POLICY_PAGE=1 cargo test -p sotay-domain --test policy_page`.\n\n\
         Mỗi con số có ngày hiệu lực và căn cứ pháp lý. \"Chưa xác nhận\" là điều tin là đúng nhưng \
         chưa đối chiếu được với văn bản. Số tiền tính bằng đồng; tỷ lệ tính theo phần trăm.\n",
        p.version, p.format_version
    ));
    page.table("contribution_rate", "Phần trăm của mức thu nhập chọn đóng.");
    for r in &p.contribution_rate {
        page.row(r, &bp(r.rate_bp));
    }
    page.table(
        "income_floor",
        "Thu nhập chọn đóng thấp nhất; cũng là cơ sở tính mức hỗ trợ. Thu nhập chọn theo bước.",
    );
    for r in &p.income_floor {
        page.row(r, &format!("{} (bước {})", r.amount, r.income_step));
    }
    page.table(
        "reference_level",
        "Thu nhập chọn đóng cao nhất = hệ số × mức tham chiếu; mức tham chiếu cũng là cơ sở của BHYT hộ gia đình.",
    );
    for r in &p.reference_level {
        let ceiling = sotay_domain::Vnd(r.amount.get() * i64::from(r.ceiling_multiplier));
        page.row(
            r,
            &format!(
                "{}; cao nhất {} × = {ceiling}",
                r.amount, r.ceiling_multiplier
            ),
        );
    }
    page.table(
        "national_support",
        "Hỗ trợ mỗi tháng = tỷ lệ × tỷ lệ đóng × chuẩn nghèo nông thôn; người thuộc nhiều nhóm hưởng một mức cao nhất.",
    );
    for r in &p.national_support {
        page.row(
            r,
            &groups(
                r.poor_bp,
                r.near_poor_bp,
                r.ethnic_minority_bp,
                r.island_bp,
                r.other_bp,
            ),
        );
    }
    page.table(
        "support_cap",
        "Số tháng tham gia được Nhà nước hỗ trợ nhiều nhất.",
    );
    for r in &p.support_cap {
        page.row(r, &format!("{} tháng", r.months));
    }
    page.table(
        "payment_mode",
        "Hạn đóng là cuối tháng thứ n của kỳ đóng; đóng một lần thì đóng khi đăng ký.",
    );
    for r in &p.payment_mode {
        page.row(
            r,
            &format!(
                "hằng tháng: tháng {}; 3 tháng: tháng thứ {}; 6 tháng: tháng thứ {}; 12 tháng: tháng thứ {}; đóng trước tối đa {} năm; đóng một lần cho thời gian còn thiếu tối đa {} tháng",
                r.monthly_deadline_month,
                r.quarterly_deadline_month,
                r.semi_annual_deadline_month,
                r.annual_deadline_month,
                r.years_ahead_max,
                r.missing_period_max_months
            ),
        );
    }
    page.table(
        "lump_sum_rate",
        "Lãi suất r mỗi tháng dùng khi đóng trước hoặc đóng bù; mỗi năm một số. Ngày không có số thì không tính đóng một lần.",
    );
    for r in &p.lump_sum_rate {
        page.row(r, &format!("{} mỗi tháng", ppm(r.monthly_rate_ppm)));
    }
    page.table(
        "local_support",
        "Tỉnh, thành phố hỗ trợ thêm cho cư dân của mình, cùng cơ sở tính với mức Nhà nước hỗ trợ.",
    );
    for r in &p.local_support {
        page.row(
            r,
            &format!(
                "{} ({}): {}",
                province_name(&r.province_code).unwrap_or("?"),
                r.province_code,
                groups(
                    r.poor_bp,
                    r.near_poor_bp,
                    r.ethnic_minority_bp,
                    r.island_bp,
                    r.other_bp
                )
            ),
        );
    }
    let _ = write!(
        page.0,
        "\n## {}\n\nTheo năm đạt tuổi; trước năm đầu dùng dòng đầu, sau năm cuối dùng dòng cuối. Căn cứ: {}.\n\n| Năm | Nam | Nữ |\n|---|---|---|\n",
        table_label_vi("retirement_age"),
        p.retirement_age.legal_ref
    );
    let years = p
        .retirement_age
        .male
        .iter()
        .chain(&p.retirement_age.female)
        .map(|s| s.year);
    let (first, last) = (years.clone().min().unwrap_or(0), years.max().unwrap_or(0));
    for year in first..=last {
        let age = |steps: &[sotay_domain::policy::RetirementAgeStep]| {
            steps
                .iter()
                .find(|s| s.year == year)
                .map(|s| format!("{} tuổi {} tháng", s.years, s.months))
                .unwrap_or_else(|| "như năm trước".to_owned())
        };
        let _ = writeln!(
            page.0,
            "| {year} | {} | {} |",
            age(&p.retirement_age.male),
            age(&p.retirement_age.female)
        );
    }
    page.table(
        "transitional_retirement",
        "Người bắt đầu đóng trước ngày nêu và đủ số năm đóng được nghỉ hưu ở tuổi cố định.",
    );
    for r in &p.transitional_retirement {
        page.row(
            r,
            &format!(
                "bắt đầu đóng trước {}; đủ {} năm đóng; nam {} tuổi, nữ {} tuổi",
                date(r.joined_before),
                r.min_years,
                r.male_age_years,
                r.female_age_years
            ),
        );
    }
    page.table(
        "pension_formula",
        "Tỷ lệ hưởng lương hưu theo số năm đóng; tháng lẻ tính nửa năm hoặc một năm; BHXH một lần tính theo lần thu nhập bình quân mỗi năm.",
    );
    for r in &p.pension_formula {
        let steps = |s: &[(u32, u32)]| {
            s.iter()
                .map(|(y, b)| format!("{y} năm {}", bp(*b)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut numbers = format!(
            "cần đủ {} năm đóng; nữ: {}; nam: {}; sau đó thêm {} mỗi năm, tối đa {}; mỗi năm vượt mức tối đa: trợ cấp {} thu nhập bình quân; BHXH một lần: {} mỗi năm",
            r.min_years,
            steps(&r.female_steps),
            steps(&r.male_steps),
            bp(r.per_year_after_bp),
            bp(r.max_bp),
            bp(r.excess_year_lump_sum_bp),
            bp(r.withdrawal_per_year_bp)
        );
        if let Some(early) = &r.withdrawal_early_years {
            let _ = write!(
                numbers,
                ", {} mỗi năm đóng trước {}",
                bp(early.per_year_bp),
                date(early.before)
            );
        }
        if let Some(cap) = r.withdrawal_under_one_year_max_bp {
            let _ = write!(numbers, "; chưa đủ một năm: số đã đóng, tối đa {}", bp(cap));
        }
        if let Some(odd) = &r.odd_months {
            let _ = write!(
                numbers,
                "; tháng lẻ: từ {} tháng tính nửa năm, từ {} tháng tính một năm ({})",
                odd.half_year_from, odd.full_year_from, odd.legal_ref
            );
        }
        page.row(r, &numbers);
    }
    page.table(
        "maternity_grant",
        "Trợ cấp mỗi con khi đã đóng đủ số tháng trong khoảng thời gian trước khi sinh.",
    );
    for r in &p.maternity_grant {
        page.row(
            r,
            &format!(
                "{} mỗi con; đóng đủ {} tháng trong {} tháng trước khi sinh",
                r.amount, r.min_months, r.window_months
            ),
        );
    }
    page.table(
        "health_insurance_household",
        "Người thứ nhất đóng tỷ lệ × mức tham chiếu × số tháng; người thứ hai trở đi đóng theo phần trăm của người thứ nhất.",
    );
    for r in &p.health_insurance_household {
        let ladder = r
            .ladder_bp
            .iter()
            .map(|b| bp(*b))
            .collect::<Vec<_>>()
            .join(", ");
        let terms = r
            .terms_months
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        page.row(
            r,
            &format!(
                "{} mức tham chiếu mỗi tháng; người thứ 1, 2, 3…: {ladder}; kỳ hạn {terms} tháng",
                bp(r.rate_bp)
            ),
        );
    }
    page.0
}

#[test]
fn the_policy_page_is_the_policy_data() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/chinh-sach.md");
    let page = render(Policy::embedded());
    if std::env::var_os("SOTAY_WRITE_POLICY_PAGE").is_some() {
        std::fs::write(&path, &page).expect("write docs/chinh-sach.md");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == page,
        "docs/chinh-sach.md differs from the policy data: run \
         SOTAY_WRITE_POLICY_PAGE=1 cargo test -p sotay-domain --test policy_page"
    );
    // Every row of every dated table is on the page with its legal source.
    let p = Policy::embedded();
    for legal_ref in p
        .income_floor
        .iter()
        .map(|r| r.legal_ref.as_str())
        .chain(p.reference_level.iter().map(|r| r.legal_ref.as_str()))
        .chain(p.pension_formula.iter().map(|r| r.legal_ref.as_str()))
        .chain(
            p.transitional_retirement
                .iter()
                .map(|r| r.legal_ref.as_str()),
        )
    {
        assert!(page.contains(legal_ref), "{legal_ref} on the page");
    }
}
