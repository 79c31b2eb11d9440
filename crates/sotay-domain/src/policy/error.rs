//! Why a policy edition could not be read, or has no answer for a date. The policy's own error,
//! so the policy depends on nothing that uses it: the quote, the benefit estimate and the
//! health-insurance quote wrap it ([`crate::quote::QuoteError::Policy`]) and keep its code.

use chrono::NaiveDate;

use crate::calendar::vn_date;

/// A policy edition that does not load, or a date it does not cover. [`PolicyError::code`] is
/// the stable code the UI and HTTP clients decide on; the `Display` text is the Vietnamese
/// message for the user.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The policy file is malformed.
    #[error("Dữ liệu chính sách không hợp lệ: {message}")]
    Invalid {
        /// What is wrong, naming the table and the dates.
        message: String,
    },
    /// The policy file has a format this code does not read.
    #[error(
        "Dữ liệu chính sách có định dạng phiên bản {found}, ứng dụng này chỉ đọc phiên bản {supported}. Hãy cập nhật ứng dụng."
    )]
    FormatUnsupported {
        /// The version in the file.
        found: i64,
        /// The newest version this code reads.
        supported: u32,
    },
    /// The date is before the first policy period.
    #[error(
        "Ngày {} trước kỳ chính sách đầu tiên có dữ liệu ({}). Hãy chọn ngày từ {} trở đi.",
        vn_date(*date), vn_date(*first_day), vn_date(*first_day)
    )]
    DateBeforePolicy {
        /// The date asked for.
        date: NaiveDate,
        /// The first day with data.
        first_day: NaiveDate,
    },
    /// A policy table has no row for the date.
    #[error(
        "Chưa có dữ liệu chính sách ({table}) cho ngày {}. Hãy đồng bộ để nhận dữ liệu chính sách mới.",
        vn_date(*date)
    )]
    MissingForDate {
        /// The table.
        table: &'static str,
        /// The date.
        date: NaiveDate,
    },
    /// No r for a lump sum on that date.
    #[error(
        "Chưa có lãi suất đầu tư bình quân của quỹ để tính đóng một lần vào ngày {}. Hãy chọn đóng hằng tháng, 3, 6 hoặc 12 tháng.",
        vn_date(*date)
    )]
    LumpSumRateMissing {
        /// The date.
        date: NaiveDate,
    },
    /// The province code is not in the 2025 list.
    #[error(
        "Mã tỉnh \"{code}\" không có trong danh mục 34 tỉnh, thành phố từ 1/7/2025 (ví dụ 01 là Hà Nội). Hãy kiểm tra lại mã tỉnh."
    )]
    UnknownProvince {
        /// The code given.
        code: String,
    },
}

impl PolicyError {
    /// The stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            PolicyError::Invalid { .. } => "policy_data_invalid",
            PolicyError::FormatUnsupported { .. } => "policy_format_unsupported",
            PolicyError::DateBeforePolicy { .. } => "date_before_policy",
            PolicyError::MissingForDate { .. } => "policy_missing_for_date",
            PolicyError::LumpSumRateMissing { .. } => "lump_sum_rate_missing",
            PolicyError::UnknownProvince { .. } => "unknown_province",
        }
    }
}
