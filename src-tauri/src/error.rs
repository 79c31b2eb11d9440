//! The one error shape that crosses to the UI: `{code, message, field?, fields?, params?}`. The
//! UI picks what to show by `code` (never by matching `message`), puts it next to `field`, marks
//! every field of `fields`, and fills its template with `params` (amounts already formatted the
//! Vietnamese way). `message` is the library's Vietnamese text, a fallback for a code the UI does
//! not know.

use std::collections::BTreeMap;

use serde::Serialize;
use sotay_device::DeviceError;
use sotay_domain::calendar::TypedDateError;
use sotay_domain::{QuoteError, ValidationError, ValidationErrors};
use sotay_store::StoreError;
use sotay_sync::SyncError;

/// One refused field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field, as named in the record's JSON (`personal_id`).
    pub field: String,
    /// Stable code (`cccd_length`).
    pub code: String,
    /// Vietnamese message.
    pub message: String,
}

/// An error as the UI receives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CommandError {
    /// Stable code the UI decides on.
    pub code: String,
    /// The Vietnamese message of the library that refused.
    pub message: String,
    /// The field at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every refused field, when a record had several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    /// Values for the UI's message template (`floor`, `ceiling`…).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
}

/// Result of a command.
pub type CmdResult<T> = Result<T, CommandError>;

impl CommandError {
    /// An error with a code and message only.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        CommandError {
            code: code.to_owned(),
            message: message.into(),
            field: None,
            fields: Vec::new(),
            params: BTreeMap::new(),
        }
    }

    /// The same error, about `field`.
    pub fn on_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }

    /// Before enrolment there is no store: say what to do.
    pub fn not_enrolled() -> Self {
        CommandError::new(
            "not_enrolled",
            "Thiết bị chưa được kích hoạt với cơ quan BHXH. Hãy nhập địa chỉ máy chủ và mã kích hoạt \
             ở màn hình Bắt đầu.",
        )
    }

    /// The PIN lock is on.
    pub fn locked() -> Self {
        CommandError::new("locked", "Ứng dụng đang khoá. Hãy nhập mã PIN để mở.")
    }

    /// The user's role may not do this.
    pub fn forbidden() -> Self {
        CommandError::new(
            "forbidden_for_role",
            "Việc này dành cho nhân viên thu (đại lý thu). Thành viên Ban vận động ghi thăm hộ, \
             người quan tâm và hội nghị.",
        )
    }

    /// The store could not be opened at start.
    pub fn store_unavailable(cause: &CommandError) -> Self {
        cause.clone()
    }

    /// A date typed in a form could not be read.
    pub fn date_format(field: &str, typed: &str) -> Self {
        CommandError::new(
            "date_format",
            TypedDateError::Unreadable.message("Ngày", typed),
        )
        .on_field(field)
    }

    /// The office did not answer an enrolment: most often a wrong address or no network.
    pub fn office_unreachable() -> Self {
        CommandError::new(
            "office_unreachable",
            "Chưa kết nối được máy chủ. Hãy kiểm tra địa chỉ máy chủ và mạng, rồi bấm Kích hoạt \
             thiết bị lại.",
        )
        .on_field("office_url")
    }

    /// A date typed in a form reads as day, month and year, but there is no such day.
    pub fn date_no_such_day(field: &str, typed: &str) -> Self {
        CommandError::new(
            "date_no_such_day",
            TypedDateError::NoSuchDay.message("Ngày", typed),
        )
        .on_field(field)
    }

    /// An amount typed in a form could not be read.
    pub fn amount_format(field: &str, typed: &str) -> Self {
        CommandError::new(
            "invalid_amount",
            format!("Số tiền \"{typed}\" không đọc được. Hãy nhập số đồng, ví dụ 1.500.000."),
        )
        .on_field(field)
    }

    /// A number typed in a form could not be read.
    pub fn number_format(field: &str, typed: &str) -> Self {
        CommandError::new(
            "number_format",
            format!("\"{typed}\" không phải là số. Hãy nhập chữ số, ví dụ 43."),
        )
        .on_field(field)
    }
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl From<ValidationError> for CommandError {
    fn from(err: ValidationError) -> Self {
        CommandError::from(ValidationErrors(vec![err]))
    }
}

impl From<ValidationErrors> for CommandError {
    fn from(errors: ValidationErrors) -> Self {
        let first = errors.first().cloned();
        CommandError {
            code: first
                .as_ref()
                .map_or_else(|| "validation".to_owned(), |e| e.code.as_str()),
            message: first
                .as_ref()
                .map_or_else(String::new, |e| e.message.clone()),
            field: first.map(|e| e.field),
            fields: errors
                .0
                .into_iter()
                .map(|e| FieldError {
                    code: e.code.as_str(),
                    field: e.field,
                    message: e.message,
                })
                .collect(),
            params: BTreeMap::new(),
        }
    }
}

impl From<QuoteError> for CommandError {
    fn from(err: QuoteError) -> Self {
        let mut params = BTreeMap::new();
        let mut field = None;
        match &err {
            QuoteError::IncomeBelowFloor { floor, ceiling, .. }
            | QuoteError::IncomeAboveCeiling { floor, ceiling, .. } => {
                params.insert("floor".into(), floor.to_string());
                params.insert("ceiling".into(), ceiling.to_string());
                field = Some("monthly_income".to_owned());
            }
            QuoteError::IncomeStep {
                step, below, above, ..
            } => {
                params.insert("step".into(), step.to_string());
                params.insert("below".into(), below.to_string());
                params.insert("above".into(), above.to_string());
                field = Some("monthly_income".to_owned());
            }
            QuoteError::YearsAheadOutOfRange { max, .. } => {
                params.insert("max".into(), max.to_string());
                field = Some("payment_mode".to_owned());
            }
            QuoteError::MissingPeriodOutOfRange { max, .. } => {
                params.insert("max".into(), max.to_string());
                field = Some("payment_mode".to_owned());
            }
            QuoteError::DateOfBirth { .. } => field = Some("date_of_birth".to_owned()),
            _ => {}
        }
        CommandError {
            code: err.code().to_owned(),
            message: err.message(),
            field,
            fields: Vec::new(),
            params,
        }
    }
}

impl From<StoreError> for CommandError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Invalid(errors) => CommandError::from(errors),
            StoreError::Quote(err) => CommandError::from(err),
            other => CommandError {
                code: other.code(),
                field: other.field().map(str::to_owned),
                message: other.to_string(),
                fields: Vec::new(),
                params: BTreeMap::new(),
            },
        }
    }
}

impl From<SyncError> for CommandError {
    fn from(err: SyncError) -> Self {
        match err {
            SyncError::Store(store) => CommandError::from(store),
            // The office's own codes that mean the same on the phone as at the office: the UI
            // has its message for each. Any other refusal is `refused`, with the office's text
            // (an office `not_found` is not the app's "no such record").
            SyncError::Refused { code, message } if OFFICE_CODES_AS_IS.contains(&code.as_str()) => {
                CommandError::new(&code, message)
            }
            SyncError::Refused { message, .. } => CommandError::new("refused", message),
            other => CommandError::new(other.code(), other.to_string()),
        }
    }
}

impl From<DeviceError> for CommandError {
    fn from(err: DeviceError) -> Self {
        let field = match &err {
            DeviceError::OfficeUrl(_) => Some("office_url"),
            DeviceError::EnrolmentCode => Some("code"),
            DeviceError::PinFormat | DeviceError::PinWrong { .. } | DeviceError::PinMismatch => {
                Some("pin")
            }
            _ => None,
        };
        let mut params = BTreeMap::new();
        match &err {
            DeviceError::PinWrong { remaining } => {
                params.insert("remaining".into(), remaining.to_string());
            }
            DeviceError::PinLockedOut { seconds } => {
                params.insert("seconds".into(), seconds.to_string());
                // People count a wait of 900 s in minutes (0: under a minute, said in seconds).
                let minutes = if *seconds < 60 {
                    0
                } else {
                    seconds.div_ceil(60)
                };
                params.insert("minutes".into(), minutes.to_string());
            }
            _ => {}
        }
        CommandError {
            code: err.code().to_owned(),
            message: err.to_string(),
            field: field.map(str::to_owned),
            fields: Vec::new(),
            params,
        }
    }
}

/// The office's refusals the app passes on under their own code (see `From<SyncError>`).
pub const OFFICE_CODES_AS_IS: &[&str] = &[
    sotay_sync::protocol::codes::INVALID_CODE,
    sotay_sync::protocol::codes::RATE_LIMITED,
    sotay_sync::protocol::codes::ROLE_FORBIDDEN,
];

/// Codes only the app shell sends (the libraries' own codes come with their errors).
pub const APP_CODES: &[&str] = &[
    "internal",
    "already_enrolled",
    "not_enrolled",
    "locked",
    "forbidden_for_role",
    "date_format",
    "date_no_such_day",
    "office_unreachable",
    "not_locked",
    "number_format",
    "invalid_amount",
    "not_found",
];
