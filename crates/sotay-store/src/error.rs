//! The store's one error type. Each variant has a stable snake_case code (what the UI decides on)
//! and a Vietnamese message that says what is wrong and what to do.

use sotay_domain::{EntityKind, ValidationErrors};
use uuid::Uuid;

/// Everything that can go wrong in the device database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database file was written by a newer version of the app.
    #[error(
        "Dữ liệu trên máy được tạo bởi phiên bản Sotay mới hơn (phiên bản dữ liệu {found}, \
         ứng dụng này chỉ đọc được đến {supported}). Hãy cập nhật ứng dụng Sotay rồi mở lại; \
         dữ liệu của bạn vẫn được giữ nguyên."
    )]
    SchemaTooNew {
        /// The schema version found in the file.
        found: i64,
        /// The newest schema version this build knows.
        supported: i64,
    },
    /// The database belongs to another device or user.
    #[error(
        "Dữ liệu trên máy thuộc về thiết bị hoặc người dùng khác. Không mở để tránh lẫn dữ liệu; \
         hãy liên hệ cán bộ BHXH để được hướng dẫn."
    )]
    IdentityMismatch,
    /// The record failed the domain's validation; nothing was saved.
    #[error("Chưa lưu được vì thông tin chưa hợp lệ: {0}")]
    Invalid(ValidationErrors),
    /// The record breaks a rule the store checks against other records (duplicate receipt,
    /// remittance total, missing parent…); nothing was saved.
    #[error("{message}")]
    Rule {
        /// Stable code, e.g. `receipt_duplicate`.
        code: &'static str,
        /// The field at fault, as in the entity's JSON.
        field: String,
        /// What is wrong and what to do, in Vietnamese.
        message: String,
    },
    /// No record with this id (or it was deleted).
    #[error(
        "Không tìm thấy bản ghi ({entity:?} {id}). Có thể bản ghi đã bị xoá; hãy tải lại danh sách."
    )]
    NotFound {
        /// Kind of record.
        entity: EntityKind,
        /// Its id.
        id: Uuid,
    },
    /// The phone's storage is full; nothing already saved was lost.
    #[error(
        "Bộ nhớ máy đã đầy nên chưa lưu được. Dữ liệu đã lưu trước đó vẫn an toàn; hãy xoá bớt \
         ảnh hoặc ứng dụng không dùng rồi lưu lại."
    )]
    DiskFull,
    /// A stored record could not be read back.
    #[error(
        "Một bản ghi trên máy không đọc được ({entity:?} {id}: {reason}). Hãy đồng bộ lại; nếu \
         vẫn lỗi, hãy cập nhật ứng dụng."
    )]
    Unreadable {
        /// Kind of record.
        entity: EntityKind,
        /// Its id.
        id: Uuid,
        /// Why it does not read (the parser's words).
        reason: String,
    },
    /// Bookkeeping data of the store itself is damaged (the device row, a clock).
    #[error("Dữ liệu hệ thống trên máy bị hỏng ({what}). Hãy đồng bộ rồi liên hệ cán bộ BHXH.")]
    Corrupt {
        /// What could not be read.
        what: String,
    },
    /// Any other SQLite failure.
    #[error(
        "Lỗi cơ sở dữ liệu trên máy: {0}. Hãy thử lại; nếu vẫn lỗi, hãy khởi động lại ứng dụng."
    )]
    Sqlite(rusqlite::Error),
    /// A schema migration failed.
    #[error("Không nâng cấp được dữ liệu trên máy: {0}. Hãy cập nhật ứng dụng Sotay rồi mở lại.")]
    Migration(rusqlite_migration::Error),
    /// JSON encoding failed.
    #[error("Lỗi mã hoá dữ liệu: {0}.")]
    Json(#[from] serde_json::Error),
    /// The key does not open the database (or the file is not a database); nothing was
    /// touched.
    #[error(
        "Không mở được dữ liệu trên máy bằng khoá này. Hãy nhập lại mã PIN; dữ liệu vẫn được giữ \
         nguyên."
    )]
    WrongKey,
    /// A file operation on the database failed (encrypting a plain database in place).
    #[error("Không ghi được tệp dữ liệu trên máy: {0}. Hãy kiểm tra bộ nhớ máy rồi mở lại.")]
    Io(String),
}

impl StoreError {
    /// The stable code the UI decides on. For an invalid record it is the first field's
    /// validation code (`cccd_length`, `required`…).
    pub fn code(&self) -> String {
        match self {
            StoreError::SchemaTooNew { .. } => "schema_too_new".into(),
            StoreError::WrongKey => "wrong_key".into(),
            StoreError::Io(_) => "io".into(),
            StoreError::IdentityMismatch => "identity_mismatch".into(),
            StoreError::Invalid(errors) => errors
                .first()
                .map(|e| e.code.as_str())
                .unwrap_or_else(|| "validation".into()),
            StoreError::Rule { code, .. } => (*code).into(),
            StoreError::NotFound { .. } => "not_found".into(),
            StoreError::DiskFull => "disk_full".into(),
            StoreError::Unreadable { .. } => "record_unreadable".into(),
            StoreError::Corrupt { .. } => "store_corrupt".into(),
            StoreError::Sqlite(_) => "database".into(),
            StoreError::Migration(_) => "migration".into(),
            StoreError::Json(_) => "encoding".into(),
        }
    }

    /// The field at fault, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            StoreError::Invalid(errors) => errors.first().map(|e| e.field.as_str()),
            StoreError::Rule { field, .. } => Some(field),
            _ => None,
        }
    }

    pub(crate) fn rule(code: &'static str, field: &str, message: impl Into<String>) -> Self {
        StoreError::Rule {
            code,
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        match err.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => StoreError::DiskFull,
            _ => StoreError::Sqlite(err),
        }
    }
}

impl From<rusqlite_migration::Error> for StoreError {
    fn from(err: rusqlite_migration::Error) -> Self {
        match err {
            rusqlite_migration::Error::RusqliteError { err, .. } => StoreError::from(err),
            other => StoreError::Migration(other),
        }
    }
}

/// Result with [`StoreError`].
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
