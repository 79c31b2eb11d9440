//! `sotay-office quote`: the contribution quote on the command line, for office staff checking
//! a collector's figures or a new policy edition. It parses arguments and prints; the price
//! itself comes from `sotay_domain::quote`, the one implementation the app and the API also
//! call. The command-line spellings (`near-poor`, `3m`, `1.500.000`) and the printed text live
//! here, where they are used, not in the domain: the app has forms and its own screen.

use std::process::ExitCode;

use chrono::NaiveDate;
use clap::Args;
use serde::Serialize;
use sotay_domain::policy::{Policy, PolicyError, vn_date};
use sotay_domain::quote::{QuoteError, QuoteErrorBody};
use sotay_domain::{PaymentMode, Quote, QuoteRequest, SupportGroup, Vnd, quote};

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

/// Why a command-line calculation stopped: an argument it could not read, or the domain's
/// refusal (whose code and message pass through unchanged).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A value is not one of the allowed choices.
    #[error("Giá trị \"{value}\" của {field} không hợp lệ. Hãy chọn một trong: {allowed}.")]
    InvalidChoice {
        /// The argument.
        field: String,
        /// The value given.
        value: String,
        /// The allowed values.
        allowed: String,
    },
    /// An amount could not be read.
    #[error("Số tiền \"{value}\" không đọc được. Hãy nhập số đồng, ví dụ 1500000.")]
    InvalidAmount {
        /// The text given.
        value: String,
    },
    /// A date could not be read.
    #[error("Ngày \"{value}\" không đọc được. Hãy nhập theo dạng {format}, ví dụ {example}.")]
    InvalidDate {
        /// The text given.
        value: String,
        /// The expected form (`YYYY-MM-DD`).
        format: &'static str,
        /// An example of it.
        example: &'static str,
    },
    /// The policy file given with `--policy` could not be read from disk.
    #[error("Dữ liệu chính sách không hợp lệ: không đọc được tệp {path}: {reason}")]
    PolicyFile {
        /// The path given.
        path: String,
        /// The system's reason.
        reason: String,
    },
    /// The domain refused the request.
    #[error(transparent)]
    Domain(#[from] QuoteError),
}

impl From<PolicyError> for CliError {
    fn from(err: PolicyError) -> Self {
        CliError::Domain(QuoteError::Policy(err))
    }
}

impl CliError {
    /// The stable code (the domain's own for its refusals).
    pub fn code(&self) -> &'static str {
        match self {
            CliError::InvalidChoice { .. } => "invalid_choice",
            CliError::InvalidAmount { .. } => "invalid_amount",
            CliError::InvalidDate { .. } => "invalid_date",
            CliError::PolicyFile { .. } => "policy_data_invalid",
            CliError::Domain(err) => err.code(),
        }
    }

    /// `{ "code", "message" }`, as `--json` prints a refusal.
    pub fn body(&self) -> QuoteErrorBody {
        QuoteErrorBody {
            code: self.code().to_owned(),
            message: self.to_string(),
        }
    }
}

/// The command-line spelling of the groups.
pub const SUPPORT_GROUP_CHOICES: &str = "poor, near-poor, ethnic-minority, island, other";

/// The command-line spelling of the modes.
pub const PAYMENT_MODE_CHOICES: &str = "monthly, 3m, 6m, 12m, years:N (N = 1..5), missing:N";

/// Reads a support group as written on the command line (`near-poor`; `near_poor` too).
pub fn parse_support_group(text: &str) -> Result<SupportGroup, CliError> {
    match text.trim().to_ascii_lowercase().replace('_', "-").as_str() {
        "poor" => Ok(SupportGroup::Poor),
        "near-poor" => Ok(SupportGroup::NearPoor),
        "ethnic-minority" => Ok(SupportGroup::EthnicMinority),
        "island" => Ok(SupportGroup::Island),
        "other" => Ok(SupportGroup::Other),
        _ => Err(CliError::InvalidChoice {
            field: "group".to_owned(),
            value: text.to_owned(),
            allowed: SUPPORT_GROUP_CHOICES.to_owned(),
        }),
    }
}

/// Reads a payment mode: `monthly`, `3m`, `6m`, `12m`, `years:N`, `missing:N`. The number's
/// range is checked by the quote against the policy, so the error names the limit in force.
pub fn parse_mode(text: &str) -> Result<PaymentMode, CliError> {
    let invalid = || CliError::InvalidChoice {
        field: "mode".to_owned(),
        value: text.to_owned(),
        allowed: PAYMENT_MODE_CHOICES.to_owned(),
    };
    let lower = text.trim().to_ascii_lowercase();
    let number = |digits: &str| -> Result<u32, CliError> {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        digits.parse::<u32>().map_err(|_| invalid())
    };
    match lower.as_str() {
        "monthly" | "1m" => Ok(PaymentMode::Monthly),
        "3m" => Ok(PaymentMode::Quarterly),
        "6m" => Ok(PaymentMode::SemiAnnual),
        "12m" => Ok(PaymentMode::Annual),
        other => {
            // A number too large for the mode's field is unreadable; a number that fits is
            // range-checked by the quote against the limit in force.
            if let Some(n) = other.strip_prefix("years:") {
                u8::try_from(number(n)?)
                    .map(PaymentMode::YearsAhead)
                    .map_err(|_| invalid())
            } else if let Some(t) = other.strip_prefix("missing:") {
                u16::try_from(number(t)?)
                    .map(PaymentMode::MissingPeriod)
                    .map_err(|_| invalid())
            } else {
                Err(invalid())
            }
        }
    }
}

/// Reads an amount in đồng: digits, optionally grouped with `.`, `,`, `_` or spaces
/// (`1.500.000`), optionally followed by `đ`, `₫` or `VND`.
pub fn parse_vnd(text: &str) -> Result<Vnd, CliError> {
    let invalid = || CliError::InvalidAmount {
        value: text.to_owned(),
    };
    let trimmed = text
        .trim()
        .trim_end_matches(['₫', 'đ', 'Đ'])
        .trim_end_matches("VND")
        .trim_end_matches("vnd")
        .trim();
    let digits: String = trimmed
        .chars()
        .filter(|c| !matches!(c, '.' | ',' | '_' | ' '))
        .collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    digits.parse::<i64>().map(Vnd).map_err(|_| invalid())
}

/// Reads an ISO date `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<NaiveDate, CliError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| CliError::InvalidDate {
        value: text.to_owned(),
        format: "YYYY-MM-DD",
        example: "2026-03-15",
    })
}

/// Reads a whole number for `field` (`--supported-months 30`).
pub fn parse_count(field: &str, text: &str) -> Result<u32, CliError> {
    text.trim()
        .parse::<u32>()
        .map_err(|_| CliError::InvalidChoice {
            field: field.to_owned(),
            value: text.to_owned(),
            allowed: "số nguyên từ 0".to_owned(),
        })
}

/// The built-in policy edition, or the one in `path` (checked whole before use).
pub fn load_policy(path: Option<&std::path::Path>) -> Result<Policy, CliError> {
    match path {
        None => Ok(Policy::embedded().clone()),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| CliError::PolicyFile {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
            Ok(Policy::from_toml_str(&text)?)
        }
    }
}

/// Prints `value` as JSON (`--json`) or `text`, and exits 0; on a refusal prints the code and
/// message to stderr (and as `{ "code", "message" }` on stdout with `--json`) and exits 1.
pub fn print_outcome<T: Serialize>(
    result: Result<T, CliError>,
    json: bool,
    text: impl FnOnce(&T) -> String,
) -> ExitCode {
    match result {
        Ok(value) => {
            if json {
                match serde_json::to_string_pretty(&value) {
                    Ok(out) => println!("{out}"),
                    Err(err) => {
                        eprintln!("lỗi json: {err}");
                        return ExitCode::FAILURE;
                    }
                }
            } else {
                print!("{}", text(&value));
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("lỗi [{}]: {err}", err.code());
            if json {
                println!("{}", serde_json::json!(err.body()));
            }
            ExitCode::FAILURE
        }
    }
}

fn build_request(args: &QuoteArgs) -> Result<QuoteRequest, CliError> {
    Ok(QuoteRequest {
        date: parse_date(&args.date)?,
        province_code: args.province.as_ref().map(|p| p.trim().to_owned()),
        support_groups: args
            .groups
            .iter()
            .map(|g| parse_support_group(g))
            .collect::<Result<_, _>>()?,
        monthly_income: parse_vnd(&args.income)?,
        mode: parse_mode(&args.mode)?,
        supported_months_used: parse_count("supported-months", &args.supported_months)?,
    })
}

/// Runs the subcommand: prints the quote (text or JSON) and exits 0, or prints the error code
/// and message (to stderr, and as `{ "code", "message" }` on stdout with `--json`) and exits 1.
pub fn run(args: &QuoteArgs) -> ExitCode {
    let result = load_policy(args.policy.as_deref()).and_then(|policy| {
        let request = build_request(args)?;
        Ok(quote(&policy, &request)?)
    });
    print_outcome(result, args.json, quote_text)
}

/// Percent text of basis points: 4000 → `40%`, 2250 → `22,5%`.
pub fn percent_text(bp: u32) -> String {
    if bp.is_multiple_of(100) {
        format!("{}%", bp / 100)
    } else {
        format!(
            "{},{}%",
            bp / 100,
            format!("{:02}", bp % 100).trim_end_matches('0')
        )
    }
}

/// `-132.000 ₫`, or `0 ₫` for nothing.
fn minus(amount: Vnd) -> String {
    if amount == Vnd::ZERO {
        amount.to_string()
    } else {
        format!("-{amount}")
    }
}

/// A readable Vietnamese breakdown of a quote, as a collector reads it at the door.
pub fn quote_text(q: &Quote) -> String {
    let mut out = String::new();
    let mut line = |label: &str, value: String| {
        out.push_str(&format!("{label:<34}{value:>18}\n"));
    };
    line("Ngày tính", vn_date(q.date));
    if let Some(name) = &q.province_name {
        line("Tỉnh, thành phố", name.clone());
    }
    line("Thu nhập chọn đóng / tháng", q.monthly_income.to_string());
    line(
        &format!("Mức đóng {} / tháng", percent_text(q.contribution_rate_bp)),
        q.gross_monthly.to_string(),
    );
    line(
        &format!(
            "Nhà nước hỗ trợ ({}) / tháng",
            percent_text(q.state_support_rate_bp)
        ),
        minus(q.state_support_monthly),
    );
    line(
        &format!(
            "Địa phương hỗ trợ ({}) / tháng",
            percent_text(q.local_support_rate_bp)
        ),
        minus(q.local_support_monthly),
    );
    line("Người tham gia đóng / tháng", q.net_monthly.to_string());
    line("Phương thức đóng", q.mode.label_vi());
    line("Số tháng", q.period_months.to_string());
    if q.supported_months_in_period < q.period_months
        && !matches!(q.mode, PaymentMode::MissingPeriod(_))
    {
        line(
            "Số tháng được hỗ trợ trong kỳ",
            q.supported_months_in_period.to_string(),
        );
    }
    if q.lump_sum_adjustment != Vnd::ZERO {
        line("Cộng các tháng", q.amount_before_adjustment.to_string());
        let label = if q.lump_sum_adjustment < Vnd::ZERO {
            "Giảm trừ do đóng trước"
        } else {
            "Lãi do đóng bù"
        };
        line(label, q.lump_sum_adjustment.to_string());
    }
    line("SỐ TIỀN PHẢI ĐÓNG", q.amount_due.to_string());
    line("Hạn đóng", vn_date(q.deadline));
    line(
        "Số tháng còn được hỗ trợ",
        q.supported_months_left.to_string(),
    );
    line(
        "Khung thu nhập",
        format!("{} – {}", q.income_floor, q.income_ceiling),
    );
    out.push_str(&format!(
        "Căn cứ (dữ liệu chính sách {}):\n",
        q.policy_version
    ));
    for source in &q.sources {
        out.push_str(&format!("  - {}: {}", source.table, source.legal_ref));
        if let Some(note) = &source.note {
            out.push_str(&format!(" [ghi chú: {note}]"));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_spellings() {
        for (text, mode) in [
            ("monthly", PaymentMode::Monthly),
            ("1m", PaymentMode::Monthly),
            ("3m", PaymentMode::Quarterly),
            ("6M", PaymentMode::SemiAnnual),
            ("12m", PaymentMode::Annual),
            ("years:1", PaymentMode::YearsAhead(1)),
            ("years:5", PaymentMode::YearsAhead(5)),
            ("missing:60", PaymentMode::MissingPeriod(60)),
        ] {
            assert_eq!(parse_mode(text).ok(), Some(mode), "{text}");
        }
        for bad in [
            "",
            "2m",
            "years:",
            "years:x",
            "years:256",
            "missing:-1",
            "weekly",
        ] {
            let err = parse_mode(bad).expect_err(bad);
            assert_eq!(err.code(), "invalid_choice", "{bad}");
        }
        assert_eq!(
            parse_support_group("near_poor").ok(),
            Some(SupportGroup::NearPoor)
        );
        assert_eq!(
            parse_support_group("rich").map_err(|e| e.code()).err(),
            Some("invalid_choice")
        );
        assert_eq!(parse_vnd("1.500.000").ok(), Some(Vnd(1_500_000)));
        assert_eq!(parse_vnd("1500000đ").ok(), Some(Vnd(1_500_000)));
        assert!(parse_vnd("-5").is_err() && parse_vnd("1,5tr").is_err());
        assert_eq!(percent_text(4000), "40%");
        assert_eq!(percent_text(2250), "22,5%");
    }
}
