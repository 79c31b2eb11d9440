//! Runs the real `sotay-office quote` binary: the JSON figures, the Vietnamese breakdown, and
//! the non-zero exit with an error code and the allowed range on bad input.

use std::process::Output;

use crate::harness::{command_json, command_text, run_command};

use serde_json::Value;

/// The words of a command line (no argument of these tests holds a space).
fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

fn run(line: &str) -> Output {
    run_command("quote", &words(line))
}

fn json_quote(line: &str) -> Value {
    command_json("quote", &words(line))
}

fn amounts(q: &Value) -> [i64; 7] {
    [
        "gross_monthly",
        "state_support_monthly",
        "local_support_monthly",
        "net_monthly",
        "period_months",
        "amount_due",
        "supported_months_left",
    ]
    .map(|key| {
        q[key]
            .as_i64()
            .unwrap_or_else(|| panic!("{key} is an integer in {q}"))
    })
}

#[test]
fn chi_lan_pays_198000_a_month_594000_a_quarter() {
    // stories.md: near-poor farmer, 1,500,000, 2026, every 3 months (Decree 159: 40% × 330,000).
    let q = json_quote("--date 2026-03-15 --income 1500000 --group near-poor --mode 3m");
    assert_eq!(amounts(&q), [330_000, 132_000, 0, 198_000, 3, 594_000, 117]);
    assert_eq!(
        q["deadline"], "2026-05-31",
        "end of the 3rd month (Law 41/2024 Art. 36.3)"
    );
}

#[test]
fn hanoi_top_up_and_group_mix() {
    // Hà Nội from 2026: +60% near-poor, so near-poor at the floor pays nothing; a mix of
    // near-poor and ethnic minority takes the higher rate of each table.
    let q = json_quote(
        "--date 2026-01-15 --income 1.500.000 --group ethnic-minority,near-poor --province 01 --supported-months 30",
    );
    assert_eq!(amounts(&q), [330_000, 132_000, 198_000, 0, 1, 0, 89]);
    assert_eq!(q["province_name"], "Thành phố Hà Nội");
}

#[test]
fn one_year_ahead_is_discounted() {
    // 198,000 × Σ_{i=0..11} 1.0031^−i = 2,336,027.545… → 2,336,028, due at registration.
    let q = json_quote("--date 2026-03-15 --income 1500000 --group near-poor --mode years:1");
    assert_eq!(q["amount_due"], 2_336_028);
    assert_eq!(q["deadline"], "2026-03-15");
}

fn text(line: &str) -> String {
    command_text("quote", &words(line))
}

fn shows(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "the quote shows {part:?}:\n{text}");
    }
}

#[test]
fn prints_a_quote_a_collector_can_read_aloud() {
    let text = text("--date 2026-03-15 --income 1500000 --group near-poor --mode 3m");
    shows(
        &text,
        &[
            "Nhóm hỗ trợ: hộ cận nghèo",
            "Nhà nước hỗ trợ 40% (hộ cận nghèo): 132.000 ₫ mỗi tháng",
            "Người tham gia đóng: 198.000 ₫ mỗi tháng",
            "cho 3 tháng, từ tháng 03/2026 đến tháng 05/2026",
            "SỐ TIỀN PHẢI ĐÓNG: 594.000 ₫",
            "Hạn đóng: 31/05/2026",
            "Căn cứ pháp lý:",
            "Mức Nhà nước hỗ trợ: Nghị định 159/2025/NĐ-CP",
        ],
    );
    // No local support: no "Địa phương (0%)" line; no table names, no internal notes.
    for absent in [
        "Địa phương",
        "national_support",
        "income_floor",
        "to confirm",
    ] {
        assert!(!text.contains(absent), "no {absent:?} in:\n{text}");
    }
}

#[test]
fn support_running_out_shows_both_monthly_amounts() {
    // 118 of 120 supported months used: a 3-month period has 2 supported months at 198.000 ₫
    // and 1 at the full 330.000 ₫; Hà Nội's near-poor top-up (60%) is named when it applies.
    let text = text(
        "--date 2026-03-15 --income 2000000 --group near-poor --mode 3m --supported-months 118",
    );
    shows(
        &text,
        &[
            "2 tháng × 308.000 ₫ (còn hỗ trợ) và 1 tháng × 440.000 ₫ (hết hỗ trợ)",
            "SỐ TIỀN PHẢI ĐÓNG: 1.056.000 ₫",
            "Còn được Nhà nước hỗ trợ: 0 tháng",
        ],
    );
    let text = self::text("--date 2026-03-15 --income 2000000 --group near-poor --province 01");
    shows(
        &text,
        &[
            "Tỉnh, thành phố: Thành phố Hà Nội",
            "Địa phương hỗ trợ thêm 60%: 198.000 ₫ mỗi tháng",
            "Người tham gia đóng: 110.000 ₫ mỗi tháng",
            "Mức địa phương hỗ trợ thêm: Nghị quyết HĐND Thành phố Hà Nội",
        ],
    );
}

#[test]
fn a_missing_period_states_its_conditions() {
    let text = text("--date 2026-03-15 --income 1500000 --group poor --mode missing:12");
    shows(
        &text,
        &[
            "không có Nhà nước hỗ trợ",
            "Điều kiện: người đã đủ tuổi nghỉ hưu, đóng vào tháng đủ tuổi hoặc tháng liền trước",
            "Tiền lãi do đóng bù: 80.708 ₫",
            "SỐ TIỀN PHẢI ĐÓNG: 4.040.708 ₫",
            "Hạn đóng: đóng một lần khi đăng ký (15/03/2026)",
        ],
    );
}

#[test]
fn bad_input_exits_non_zero_with_code_and_range() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "--date 2027-01-02 --income 1500000 --group poor",
            "income_below_floor",
            "2.200.000 ₫ đến 50.600.000 ₫",
        ),
        (
            "--date 2026-06-30 --income 50600000 --group other",
            "income_above_ceiling",
            "1.500.000 ₫ đến 46.800.000 ₫",
        ),
        (
            "--date 2026-03-15 --income 1500000 --group other --province 27",
            "unknown_province",
            "\"27\"",
        ),
        (
            "--date 2021-12-31 --income 1500000 --group other",
            "date_before_policy",
            "01/01/2022",
        ),
        (
            "--date 2026-03-15 --income 1500000 --group other --mode years:6",
            "years_ahead_out_of_range",
            "1 đến 5 năm",
        ),
        (
            "--date 2026-03-15 --income 1500000 --group other --mode missing:61",
            "missing_period_out_of_range",
            "1 đến 60 tháng",
        ),
        (
            "--date 2026-03-15 --income 1500000 --group rich",
            "invalid_choice",
            "near-poor",
        ),
        (
            "--date 15/03/2026 --income 1500000 --group poor",
            "invalid_date",
            "YYYY-MM-DD",
        ),
        (
            "--date 2026-03-15 --income 1,5tr --group poor",
            "invalid_amount",
            "1500000",
        ),
    ];
    for (args, code, range) in cases {
        let out = run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?} exits 1");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("[{code}]")) && stderr.contains(range),
            "{args:?}: stderr names {code} and {range}: {stderr}"
        );
    }
}

#[test]
fn json_errors_are_code_and_message() {
    let out = run("--date 2026-03-15 --income 1000000 --group poor --json");
    assert_eq!(out.status.code(), Some(1));
    let body: Value = serde_json::from_slice(&out.stdout).expect("error JSON on stdout");
    assert_eq!(body["code"], "income_below_floor");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("1.500.000 ₫"))
    );
}

#[test]
fn a_published_policy_file_is_checked_before_use() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("policy.toml");
    // A second Hà Nội top-up overlapping the first.
    let broken = format!(
        "{}\n[[local_support]]\nprovince_code = \"01\"\neffective_from = \"2026-06-01\"\npoor_bp = 1\nnear_poor_bp = 1\nethnic_minority_bp = 1\nisland_bp = 1\nother_bp = 1\nlegal_ref = \"test\"\n",
        sotay_domain::Policy::embedded_toml()
    );
    std::fs::write(&path, broken).expect("write policy");
    let policy = path.to_str().expect("utf-8 path");
    let with_policy = |line: &str| {
        let mut args = words(line);
        args.extend(["--policy", policy]);
        run_command("quote", &args)
    };
    let out = with_policy("--date 2026-03-15 --income 1500000 --group poor");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("[policy_data_invalid]") && stderr.contains("local_support (tỉnh 01)"),
        "{stderr}"
    );
    // The embedded edition written back out loads and prices the same as built in.
    std::fs::write(&path, sotay_domain::Policy::embedded_toml()).expect("write policy");
    let out = with_policy("--date 2026-03-15 --income 1500000 --group near-poor --json");
    let q: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(q["net_monthly"], 198_000);
}
