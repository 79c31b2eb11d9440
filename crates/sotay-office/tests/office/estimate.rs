//! Runs the real `sotay-office estimate` binary: the JSON fields by their plain names, the
//! sentences a collector reads aloud, and bad input refused with a code and a Vietnamese
//! message. The figures are the domain's test vectors (Law 41/2024 Art. 98–99, 102; Decree
//! 159/2025 Art. 13).

use std::process::Output;

use crate::harness::{command_json, command_text, run_command};

use serde_json::Value;

fn run(args: &[&str]) -> Output {
    run_command("estimate", args)
}

fn json(args: &[&str]) -> Value {
    command_json("estimate", args)
}

fn text(args: &[&str]) -> String {
    command_text("estimate", args)
}

#[test]
fn odd_months_count_as_half_or_whole_years_for_both_sexes() {
    // Born 15/6/1980, nothing more paid: 19 years 4 months → 19½ years, 8 months → 20 years.
    for (sex, months, percent, pension) in [
        ("female", "232", 54.0, 810_000),
        ("female", "236", 55.0, 825_000),
        ("male", "232", 44.5, 667_500),
        ("male", "236", 45.0, 675_000),
        ("male", "180", 40.0, 600_000),
        ("male", "204", 42.0, 630_000),
        ("male", "228", 44.0, 660_000),
    ] {
        let e = json(&[
            "--date",
            "2026-03-15",
            "--sex",
            sex,
            "--born",
            "1980-06-15",
            "--months-paid",
            months,
        ]);
        assert_eq!(e["pension_rate_percent"], percent, "{sex} {months}: {e}");
        assert_eq!(e["monthly_pension"], pension, "{sex} {months}");
        assert_eq!(e["months_missing"], 0);
        assert_eq!(e["months_at_retirement"], months.parse::<u32>().unwrap());
    }
}

#[test]
fn transitional_retirement_at_55_for_an_early_joiner() {
    let args = [
        "--date",
        "2026-03-15",
        "--sex",
        "female",
        "--born",
        "1972-05-10",
        "--months-paid",
        "280",
        "--income",
        "1.500.000",
        "--first-month",
        "2001-01",
    ];
    let e = json(&args);
    assert_eq!(e["retirement_date"], "2027-05-10");
    assert_eq!(e["retirement_rule"], "transitional");
    assert_eq!(e["months_at_retirement"], 280);
    assert_eq!(e["pension_rate_percent"], 62.0);
    assert_eq!(e["monthly_pension"], 930_000);
    // 13 years before 2014 at 1.5 and 10½ after at 2, × 1,500,000.
    assert_eq!(e["lump_sum"], 60_750_000);
    let text = text(&args);
    for part in [
        "Nghỉ hưu: ngày 10/05/2027, khi đủ 55 tuổi (theo điều kiện chuyển tiếp",
        "khoảng 930.000 ₫ mỗi tháng",
        "tính theo thu nhập 1.500.000 ₫ của hôm nay, chưa tính điều chỉnh hằng năm",
        "Điều kiện nghỉ hưu chuyển tiếp: Nghị định 159/2025/NĐ-CP Điều 13",
    ] {
        assert!(text.contains(part), "{part:?} in:\n{text}");
    }
    // Without the first month the roadmap age stands (58 years 4 months in 2030).
    let e = json(&args[..10]);
    assert_eq!(e["retirement_date"], "2030-09-10");
    assert_eq!(e["retirement_rule"], "normal");
}

#[test]
fn short_of_fifteen_years_names_the_missing_months_and_their_price() {
    let args = [
        "--date",
        "2026-03-15",
        "--sex",
        "male",
        "--born",
        "1965-03-15",
        "--months-paid",
        "150",
        "--keep-paying",
    ];
    let e = json(&args);
    assert_eq!(e["retirement_date"], "2026-09-15");
    assert_eq!(e["months_at_retirement"], 157);
    assert_eq!(e["pension_rate_percent"], Value::Null);
    assert_eq!(e["monthly_pension"], Value::Null);
    assert_eq!(e["months_missing"], 23);
    assert_eq!(e["missing_period"]["cost"], 7_878_872);
    assert_eq!(e["lump_sum"], 40_500_000);
    let text = text(&args);
    for part in [
        "còn thiếu 23 tháng",
        "Đóng một lần cho 23 tháng còn thiếu (vào tháng đủ tuổi nghỉ hưu hoặc tháng liền trước, không có Nhà nước hỗ trợ): 7.878.872 ₫",
        "Nếu nhận BHXH một lần thay cho lương hưu: khoảng 40.500.000 ₫",
    ] {
        assert!(text.contains(part), "{part:?} in:\n{text}");
    }
}

#[test]
fn bad_input_exits_non_zero_with_a_code_and_a_vietnamese_message() {
    let base = [
        "--date",
        "2026-03-15",
        "--sex",
        "female",
        "--born",
        "1980-06-15",
        "--months-paid",
        "120",
    ];
    let with = |flag: &str, value: &str| {
        let mut args: Vec<String> = base.iter().map(|s| (*s).to_owned()).collect();
        match args.iter().position(|a| a == flag) {
            Some(at) => args[at + 1] = value.to_owned(),
            None => args.extend([flag.to_owned(), value.to_owned()]),
        }
        args
    };
    for (args, code, said) in [
        (with("--sex", "x"), "invalid_choice", "male, female"),
        (with("--born", "15/06/1980"), "invalid_date", "YYYY-MM-DD"),
        (with("--first-month", "2001/01"), "invalid_date", "YYYY-MM"),
        (
            with("--first-month", "1990-01"),
            "first_month_invalid",
            "06/1995",
        ),
        (with("--months-paid", "400"), "out_of_range", "0–370"),
        (with("--months-paid", "mười"), "invalid_choice", "số nguyên"),
        (
            with("--born", "2015-01-01"),
            "date_of_birth_invalid",
            "15 tuổi",
        ),
        (
            with("--income", "1.000.000"),
            "income_below_floor",
            "1.500.000 ₫",
        ),
        (
            with("--date", "2021-12-31"),
            "date_before_policy",
            "01/01/2022",
        ),
    ] {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(&refs);
        assert_eq!(out.status.code(), Some(1), "{args:?} exits 1");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("[{code}]")) && stderr.contains(said),
            "{args:?}: {stderr}"
        );
        let mut json_args = refs.clone();
        json_args.push("--json");
        let body: Value =
            serde_json::from_slice(&run(&json_args).stdout).expect("error JSON on stdout");
        assert_eq!(body["code"], code);
    }
}
