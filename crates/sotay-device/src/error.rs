//! The crate's one error type: a stable snake_case code the UI decides on, and a Vietnamese
//! message that says what is wrong and what to do.

/// What can go wrong with the app's own files, the office address or the PIN.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceError {
    /// The office address is not an http(s) address.
    #[error(
        "Địa chỉ máy chủ \"{0}\" không hợp lệ. Hãy nhập dạng http://192.168.1.10:8080 hoặc \
         https://bhxh.example.vn (hỏi cán bộ BHXH)."
    )]
    OfficeUrl(String),
    /// The enrolment code is empty or has characters a code never has.
    #[error(
        "Mã kích hoạt không hợp lệ. Mã gồm 10 chữ và số, ví dụ K7QX2-M9PRA; hãy nhập lại \
         đúng mã cán bộ BHXH cấp."
    )]
    EnrolmentCode,
    /// A new PIN is not 4 to 6 digits.
    #[error("Mã PIN phải gồm 4 đến 6 chữ số. Hãy nhập lại.")]
    PinFormat,
    /// The two PIN entries differ.
    #[error("Hai lần nhập mã PIN không giống nhau. Hãy nhập lại.")]
    PinMismatch,
    /// The PIN is wrong.
    #[error("Mã PIN chưa đúng. Còn {remaining} lần thử trước khi phải chờ.")]
    PinWrong {
        /// Attempts left before a wait.
        remaining: u32,
    },
    /// Too many wrong PINs: wait.
    #[error("Nhập sai mã PIN nhiều lần. Hãy chờ {} rồi thử lại.", wait_vi(*seconds))]
    PinLockedOut {
        /// Seconds to wait.
        seconds: u64,
    },
    /// A file of the app could not be read or written.
    #[error(
        "Không đọc/ghi được tệp cài đặt của ứng dụng ({what}). Hãy kiểm tra bộ nhớ máy rồi mở \
         lại ứng dụng; dữ liệu đã lưu vẫn an toàn."
    )]
    File {
        /// Which file and why.
        what: String,
    },
    /// The PIN hashing failed (parameters refused by the library).
    #[error("Không tạo được mã PIN ({0}). Hãy thử lại.")]
    PinHash(String),
    /// No PIN is set yet: the data on the phone must be protected by one before use.
    #[error(
        "Chưa có mã PIN. Hãy đặt mã PIN (4 đến 6 chữ số) để bảo vệ dữ liệu của người dân trên \
         máy này."
    )]
    PinRequired,
    /// The file that holds the wrapped database key is damaged: the data cannot be opened, and
    /// nothing was changed.
    #[error(
        "Tệp khoá dữ liệu của ứng dụng bị hỏng ({what}) nên chưa mở được dữ liệu trên máy. Ứng \
         dụng không xoá hay sửa gì. Đừng gỡ ứng dụng; hãy mang máy đến cán bộ BHXH để được giúp."
    )]
    StoreKeyDamaged {
        /// What is wrong with it.
        what: String,
    },
    /// The phone's keystore refused to open the wrapped key (see [`crate::keystore`]).
    #[error(
        "Kho khoá bảo mật của điện thoại không mở được khoá dữ liệu ({0}). Dữ liệu vẫn còn \
         nguyên; hãy khởi động lại máy rồi mở ứng dụng."
    )]
    Keystore(String),
}

impl DeviceError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            DeviceError::OfficeUrl(_) => "office_url_invalid",
            DeviceError::EnrolmentCode => "enrolment_code_invalid",
            DeviceError::PinFormat => "pin_format",
            DeviceError::PinMismatch => "pin_mismatch",
            DeviceError::PinWrong { .. } => "pin_wrong",
            DeviceError::PinLockedOut { .. } => "pin_locked_out",
            DeviceError::File { .. } => "app_file",
            DeviceError::PinHash(_) => "pin_hash",
            DeviceError::PinRequired => "pin_required",
            DeviceError::StoreKeyDamaged { .. } => "store_key_damaged",
            DeviceError::Keystore(_) => "keystore",
        }
    }

    /// Every code this crate can produce (the UI checks it has a message for each).
    pub const CODES: &'static [&'static str] = &[
        "office_url_invalid",
        "enrolment_code_invalid",
        "pin_format",
        "pin_mismatch",
        "pin_wrong",
        "pin_locked_out",
        "app_file",
        "pin_hash",
        "pin_required",
        "store_key_damaged",
        "keystore",
    ];
}

/// A wait as people say it: `30 giây`, `khoảng 15 phút`.
fn wait_vi(seconds: u64) -> String {
    if seconds < 60 {
        format!("{seconds} giây")
    } else {
        format!("khoảng {} phút", seconds.div_ceil(60))
    }
}
