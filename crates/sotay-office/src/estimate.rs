//! `sotay-office estimate`: the pension estimate on the command line, for office staff
//! answering "when can I retire, and for how much?" It parses arguments and prints; the
//! estimate itself is `sotay_domain::estimate_benefit`, which the app calls too, and `--json`
//! prints its fields as they are (`retirement_date`, `months_at_retirement`,
//! `pension_rate_percent`, `monthly_pension`, `months_missing`, `lump_sum`…).

use std::process::ExitCode;

use chrono::NaiveDate;
use clap::Args;
use sotay_domain::benefit::{BenefitEstimate, HalfYears, RetirementRule};
use sotay_domain::policy::vn_date;
use sotay_domain::{BenefitRequest, PaymentMode, Sex, Vnd, estimate_benefit};

use crate::quote_cli::{
    CliError, legal_basis_text, load_policy, parse_count, parse_date, parse_vnd, percent_text,
    print_outcome,
};

/// Arguments of `sotay-office estimate`.
#[derive(Debug, Args)]
pub struct EstimateArgs {
    /// Ngày tính, YYYY-MM-DD (luật và giá trị tiền của ngày đó).
    #[arg(long)]
    date: String,
    /// Giới tính: male | female (nam | nữ).
    #[arg(long)]
    sex: String,
    /// Ngày sinh, YYYY-MM-DD.
    #[arg(long)]
    born: String,
    /// Số tháng đã đóng BHXH (bắt buộc và tự nguyện).
    #[arg(long = "months-paid")]
    months_paid: String,
    /// Tháng bắt đầu đóng, YYYY-MM (quyết định điều kiện nghỉ hưu chuyển tiếp và số năm
    /// trước 2014 khi tính BHXH một lần).
    #[arg(long = "first-month")]
    first_month: Option<String>,
    /// Thu nhập chọn đóng hằng tháng, đồng (mặc định: mức thấp nhất tại ngày tính).
    #[arg(long)]
    income: Option<String>,
    /// Giả định tiếp tục đóng đều hằng tháng đến khi nghỉ hưu.
    #[arg(long = "keep-paying")]
    keep_paying: bool,
    /// Tệp dữ liệu chính sách (TOML) thay cho bản đóng gói trong chương trình.
    #[arg(long)]
    policy: Option<std::path::PathBuf>,
    /// In kết quả dạng JSON (số tiền là số nguyên đồng).
    #[arg(long)]
    json: bool,
}

/// Reads a sex: `male`/`nam` or `female`/`nữ`.
fn parse_sex(text: &str) -> Result<Sex, CliError> {
    match text.trim().to_lowercase().as_str() {
        "male" | "nam" => Ok(Sex::Male),
        "female" | "nữ" | "nu" => Ok(Sex::Female),
        _ => Err(CliError::InvalidChoice {
            field: "sex".to_owned(),
            value: text.to_owned(),
            allowed: "male, female".to_owned(),
        }),
    }
}

/// Reads a month `YYYY-MM` as its first day.
fn parse_month(text: &str) -> Result<NaiveDate, CliError> {
    NaiveDate::parse_from_str(&format!("{}-01", text.trim()), "%Y-%m-%d").map_err(|_| {
        CliError::InvalidDate {
            value: text.to_owned(),
            format: "YYYY-MM",
            example: "2001-01",
        }
    })
}

fn estimate(args: &EstimateArgs) -> Result<BenefitEstimate, CliError> {
    let policy = load_policy(args.policy.as_deref())?;
    let date = parse_date(&args.date)?;
    let income = match &args.income {
        Some(text) => parse_vnd(text)?,
        None => policy.income_floor_on(date)?.amount,
    };
    let request = BenefitRequest {
        date,
        sex: parse_sex(&args.sex)?,
        date_of_birth: parse_date(&args.born)?,
        months_contributed: parse_count("months-paid", &args.months_paid)?,
        first_month: args.first_month.as_deref().map(parse_month).transpose()?,
        planned_monthly_income: income,
        keep_paying: args.keep_paying,
        mode: PaymentMode::Monthly,
        months_paid_last_12: 0,
    };
    Ok(estimate_benefit(&policy, &request)?)
}

/// Runs the subcommand: prints the estimate (text or JSON) and exits 0, or the error code and
/// message and exits 1.
pub fn run(args: &EstimateArgs) -> ExitCode {
    print_outcome(estimate(args), args.json, estimate_text)
}

/// "24 năm 3 tháng".
fn months_text(months: u32) -> String {
    match (months / 12, months % 12) {
        (0, m) => format!("{m} tháng"),
        (y, 0) => format!("{y} năm"),
        (y, m) => format!("{y} năm {m} tháng"),
    }
}

/// "24,5 năm".
fn years_text(years: HalfYears) -> String {
    if years.0.is_multiple_of(2) {
        format!("{} năm", years.0 / 2)
    } else {
        format!("{},5 năm", years.0 / 2)
    }
}

/// The estimate in plain Vietnamese sentences, as a collector reads it aloud.
pub fn estimate_text(e: &BenefitEstimate) -> String {
    let mut out = format!(
        "Ước tính quyền lợi BHXH tự nguyện ngày {} (dữ liệu chính sách {})\n",
        vn_date(e.date),
        e.policy_version
    );
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    let age = if e.retirement_age_months == 0 {
        format!("{} tuổi", e.retirement_age_years)
    } else {
        format!(
            "{} tuổi {} tháng",
            e.retirement_age_years, e.retirement_age_months
        )
    };
    let rule = match e.retirement_rule {
        RetirementRule::Normal => "theo lộ trình tuổi nghỉ hưu",
        RetirementRule::Transitional => {
            "theo điều kiện chuyển tiếp: đóng từ trước năm 2021 và đủ 20 năm"
        }
    };
    line(format!(
        "Nghỉ hưu: ngày {}, khi đủ {age} ({rule})",
        vn_date(e.retirement_date)
    ));
    let paying = if e.keep_paying {
        "nếu đóng đều hằng tháng đến khi nghỉ hưu"
    } else {
        "nếu không đóng thêm"
    };
    line(format!(
        "Thời gian đóng khi nghỉ hưu: {} tháng ({}, tính {}), {paying}",
        e.months_at_retirement,
        months_text(e.months_at_retirement),
        years_text(e.years_counted)
    ));
    match (e.pension_rate_percent, e.monthly_pension) {
        (Some(rate), Some(pension)) => {
            line(format!(
                "Lương hưu từ ngày {}: {} thu nhập bình quân, khoảng {pension} mỗi tháng",
                vn_date(e.pension_starts_on),
                percent_text(rate.0)
            ));
            line(format!(
                "  (tính theo thu nhập {} của hôm nay, chưa tính điều chỉnh hằng năm)",
                e.average_income_assumed
            ));
            if e.lump_sum_beyond_max > Vnd::ZERO {
                line(format!(
                    "Trợ cấp một lần cho {} đóng vượt mức hưởng cao nhất: {}",
                    years_text(e.years_beyond_max),
                    e.lump_sum_beyond_max
                ));
            }
        }
        _ => {
            line(format!(
                "Chưa đủ thời gian đóng để hưởng lương hưu: còn thiếu {} tháng",
                e.months_missing
            ));
            match &e.missing_period {
                Some(option) => match option.cost {
                    Some(cost) => line(format!(
                        "Đóng một lần cho {} tháng còn thiếu (vào tháng đủ tuổi nghỉ hưu hoặc tháng liền trước, không có Nhà nước hỗ trợ): {cost}",
                        option.months
                    )),
                    None => line(format!(
                        "Có thể đóng một lần cho {} tháng còn thiếu (vào tháng đủ tuổi nghỉ hưu hoặc tháng liền trước, không có Nhà nước hỗ trợ); chưa có lãi suất của quỹ để tính số tiền",
                        option.months
                    )),
                },
                None => line(
                    "Số tháng còn thiếu nhiều hơn mức được đóng một lần: cần đóng tiếp hoặc nhận BHXH một lần"
                        .to_owned(),
                ),
            }
        }
    }
    let detail = &e.lump_sum_detail;
    let how = if detail.under_one_year {
        "đóng chưa đủ một năm: nhận lại số đã đóng, tối đa 2 lần thu nhập bình quân".to_owned()
    } else if detail.early_years > 0 {
        format!(
            "{} năm trước 2014 và {} từ 2014",
            detail.early_years,
            years_text(HalfYears(detail.later_half_years))
        )
    } else {
        years_text(HalfYears(detail.later_half_years))
    };
    line(format!(
        "Nếu nhận BHXH một lần thay cho lương hưu: khoảng {} ({how}; chưa trừ số tiền Nhà nước đã hỗ trợ)",
        e.lump_sum
    ));
    line(format!("Lưu ý: {}", e.caveat));
    // The maternity grant is the app's to show (it needs the months paid in the last year).
    let sources: Vec<_> = e
        .sources
        .iter()
        .filter(|s| s.table != "maternity_grant")
        .cloned()
        .collect();
    out.push_str(&legal_basis_text(&sources));
    out
}
