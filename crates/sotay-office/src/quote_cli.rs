//! `sotay-office quote`: the contribution quote on the command line, for office staff checking
//! a collector's figures or a new policy edition. It parses arguments and prints; the price
//! itself comes from `sotay_domain::quote`, the one implementation the app and the API also
//! call. The command-line spellings (`near-poor`, `3m`, `1.500.000`) and the printed text live
//! here, where they are used, not in the domain: the app has forms and its own screen.

use std::process::ExitCode;

use chrono::NaiveDate;
use clap::Args;
use serde::Serialize;
use sotay_domain::policy::{Policy, PolicyError, PolicySource, table_label_vi, vn_date};
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

/// "tháng 03/2026".
fn month_text(date: NaiveDate) -> String {
    format!("tháng {}", date.format("%m/%Y"))
}

/// The legal basis of a result, in Vietnamese: what each rule is and the texts it rests on,
/// each text once, without the file's table names or its internal notes.
pub fn legal_basis_text(sources: &[PolicySource]) -> String {
    let mut rules: Vec<(String, Vec<String>)> = Vec::new();
    for source in sources {
        let label = if source.label.is_empty() {
            table_label_vi(&source.table).to_owned()
        } else {
            source.label.clone()
        };
        match rules.iter_mut().find(|(l, _)| *l == label) {
            Some((_, refs)) if refs.contains(&source.legal_ref) => {}
            Some((_, refs)) => refs.push(source.legal_ref.clone()),
            None => rules.push((label, vec![source.legal_ref.clone()])),
        }
    }
    let mut out = String::from("Căn cứ pháp lý:\n");
    for (label, refs) in rules {
        out.push_str(&format!("  - {label}: {}\n", refs.join("; ")));
    }
    out
}

/// A quote in plain Vietnamese sentences, in the order a collector reads it aloud at the door:
/// who, how much a month, what the state and the province give, what the person pays, for
/// which months, by when, and on what legal basis.
pub fn quote_text(q: &Quote) -> String {
    let mut out = format!("Báo giá BHXH tự nguyện ngày {}\n", vn_date(q.date));
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    let missing = matches!(q.mode, PaymentMode::MissingPeriod(_));
    line(format!("Nhóm hỗ trợ: {}", q.support_group_label));
    if let Some(name) = &q.province_name {
        line(format!("Tỉnh, thành phố: {name}"));
    }
    line(format!(
        "Thu nhập chọn đóng: {} mỗi tháng",
        q.monthly_income
    ));
    line(format!(
        "Mức đóng {}: {} mỗi tháng",
        percent_text(q.contribution_rate_bp),
        q.gross_monthly
    ));
    if q.state_support_monthly > Vnd::ZERO {
        line(format!(
            "Nhà nước hỗ trợ {} ({}): {} mỗi tháng",
            percent_text(q.state_support_rate_bp),
            q.support_group_label,
            q.state_support_monthly
        ));
    } else if missing {
        line("Đóng cho thời gian còn thiếu: không có Nhà nước hỗ trợ".to_owned());
    } else {
        line("Không còn tháng được Nhà nước hỗ trợ".to_owned());
    }
    if q.local_support_monthly > Vnd::ZERO {
        line(format!(
            "Địa phương hỗ trợ thêm {}: {} mỗi tháng",
            percent_text(q.local_support_rate_bp),
            q.local_support_monthly
        ));
    }
    line(format!("Người tham gia đóng: {} mỗi tháng", q.net_monthly));
    match (q.period_start, q.period_end) {
        (Some(start), Some(end)) if q.period_months > 1 => line(format!(
            "Phương thức đóng: {}, cho {} tháng, từ {} đến {}",
            q.mode_label,
            q.period_months,
            month_text(start),
            month_text(end)
        )),
        (Some(start), _) => line(format!(
            "Phương thức đóng: {}, cho {}",
            q.mode_label,
            month_text(start)
        )),
        _ => line(format!("Phương thức đóng: {}", q.mode_label)),
    }
    let unsupported = q.period_months - q.supported_months_in_period;
    if !missing && q.supported_months_in_period > 0 && unsupported > 0 {
        line(format!(
            "Trong kỳ này hết thời gian được hỗ trợ: {} tháng × {} (còn hỗ trợ) và {} tháng × {} (hết hỗ trợ)",
            q.supported_months_in_period, q.net_monthly, unsupported, q.gross_monthly
        ));
    }
    if q.lump_sum_adjustment != Vnd::ZERO {
        line(format!("Cộng các tháng: {}", q.amount_before_adjustment));
        if q.lump_sum_adjustment < Vnd::ZERO {
            line(format!(
                "Giảm trừ do đóng trước: {}",
                Vnd(-q.lump_sum_adjustment.get())
            ));
        } else {
            line(format!("Tiền lãi do đóng bù: {}", q.lump_sum_adjustment));
        }
    }
    line(format!("SỐ TIỀN PHẢI ĐÓNG: {}", q.amount_due));
    if q.lump_sum_rate_ppm.is_some() {
        line(format!(
            "Hạn đóng: đóng một lần khi đăng ký ({})",
            vn_date(q.deadline)
        ));
    } else {
        line(format!("Hạn đóng: {}", vn_date(q.deadline)));
    }
    if missing {
        line(
            "Điều kiện: người đã đủ tuổi nghỉ hưu, đóng vào tháng đủ tuổi hoặc tháng liền trước, \
             cho thời gian còn thiếu để đủ điều kiện hưởng lương hưu; không có Nhà nước hỗ trợ"
                .to_owned(),
        );
    } else {
        line(format!(
            "Còn được Nhà nước hỗ trợ: {} tháng",
            q.supported_months_left
        ));
    }
    line(format!(
        "Thu nhập được chọn: từ {} đến {}",
        q.income_floor, q.income_ceiling
    ));
    out.push_str(&legal_basis_text(&q.sources));
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
