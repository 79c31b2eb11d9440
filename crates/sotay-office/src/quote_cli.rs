//! `sotay-office quote`: the contribution quote on the command line, for office staff checking
//! a collector's figures or a new policy edition. It only parses arguments and prints; the
//! price itself comes from `sotay_domain::quote`, the one implementation the app and the API
//! also call.

use std::process::ExitCode;

use clap::Args;
use sotay_domain::policy::Policy;
use sotay_domain::quote::{QuoteError, parse_date, parse_support_group, parse_vnd};
use sotay_domain::{PaymentMode, QuoteRequest, quote};

/// Arguments of `sotay-office quote`.
#[derive(Debug, Args)]
pub struct QuoteArgs {
    /// Ngày tính, YYYY-MM-DD (chọn dữ liệu chính sách có hiệu lực ngày đó).
    #[arg(long)]
    date: String,
    /// Thu nhập chọn đóng hằng tháng, đồng (1500000 hoặc 1.500.000).
    #[arg(long)]
    income: String,
    /// Nhóm hỗ trợ: poor | near-poor | ethnic-minority | island | other. Lặp lại hoặc ngăn
    /// bằng dấu phẩy khi thuộc nhiều nhóm (áp dụng mức cao nhất).
    #[arg(long = "group", required = true, value_delimiter = ',')]
    groups: Vec<String>,
    /// Mã tỉnh, thành phố 2 chữ số (danh mục 2025), để tính hỗ trợ thêm của địa phương.
    #[arg(long)]
    province: Option<String>,
    /// Phương thức đóng: monthly | 3m | 6m | 12m | years:N | missing:N.
    #[arg(long, default_value = "monthly")]
    mode: String,
    /// Số tháng đã được Nhà nước hỗ trợ trước đây.
    #[arg(long = "supported-months", default_value = "0")]
    supported_months: String,
    /// Tệp dữ liệu chính sách (TOML) thay cho bản đóng gói trong chương trình.
    #[arg(long)]
    policy: Option<std::path::PathBuf>,
    /// In kết quả dạng JSON (số tiền là số nguyên đồng).
    #[arg(long)]
    json: bool,
}

fn build_request(args: &QuoteArgs) -> Result<QuoteRequest, QuoteError> {
    let supported_months_used =
        args.supported_months
            .trim()
            .parse::<u32>()
            .map_err(|_| QuoteError::InvalidChoice {
                field: "supported-months".to_owned(),
                value: args.supported_months.clone(),
                allowed: "số nguyên từ 0".to_owned(),
            })?;
    Ok(QuoteRequest {
        date: parse_date(&args.date)?,
        province_code: args.province.as_ref().map(|p| p.trim().to_owned()),
        support_groups: args
            .groups
            .iter()
            .map(|g| parse_support_group(g))
            .collect::<Result<_, _>>()?,
        monthly_income: parse_vnd(&args.income)?,
        mode: args.mode.parse::<PaymentMode>()?,
        supported_months_used,
    })
}

fn load_policy(args: &QuoteArgs) -> Result<Policy, QuoteError> {
    match &args.policy {
        None => Ok(Policy::embedded().clone()),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| QuoteError::PolicyData {
                message: format!("không đọc được tệp {}: {e}", path.display()),
            })?;
            Policy::from_toml_str(&text)
        }
    }
}

/// Runs the subcommand: prints the quote (text or JSON) and exits 0, or prints the error code
/// and message (to stderr, and as `{ "code", "message" }` on stdout with `--json`) and exits 1.
pub fn run(args: &QuoteArgs) -> ExitCode {
    let result = load_policy(args).and_then(|policy| {
        let request = build_request(args)?;
        quote(&policy, &request)
    });
    match result {
        Ok(q) => {
            if args.json {
                match serde_json::to_string_pretty(&q) {
                    Ok(text) => println!("{text}"),
                    Err(err) => {
                        eprintln!("lỗi json: {err}");
                        return ExitCode::FAILURE;
                    }
                }
            } else {
                print!("{}", q.to_vietnamese_text());
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("lỗi [{}]: {}", err.code(), err.message());
            if args.json {
                println!("{}", serde_json::json!(err.body()));
            }
            ExitCode::FAILURE
        }
    }
}
