//! The sync protocol, version 1: the JSON bodies of `/api/v1/...`. The office server and the
//! device client both use these types, so the wire format has exactly one definition.
//!
//! Requests are strict (`deny_unknown_fields`): a client that sends something the office does not
//! understand gets a clear 4xx instead of a silently ignored field.

use serde::{Deserialize, Serialize};
use sotay_domain::merge::RecordState;
use sotay_domain::{EntityKind, Hlc, Op, Role};
use uuid::Uuid;

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// Header that carries the device token: `Authorization: Bearer <token>`.
pub const AUTHORIZATION: &str = "authorization";

/// Header that carries the protocol version a client speaks.
pub const PROTOCOL_HEADER: &str = "x-sotay-protocol";

/// Most ops one push may carry.
pub const MAX_OPS_PER_PUSH: usize = 500;

/// Largest push body the office reads, in bytes of JSON before gzip.
pub const MAX_PUSH_BODY_BYTES: usize = 512 * 1024;

/// Most changes one pull page may carry.
pub const MAX_PULL_LIMIT: u32 = 1000;

/// `POST /api/v1/devices/enroll`: exchange a one-time code for a device token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    /// The one-time code an office admin issued for the user (`K7QX2-M9PRA`; case, spaces and
    /// dashes do not matter).
    #[schema(min_length = 1, max_length = 64, pattern = "[A-Za-z0-9]")]
    pub code: String,
    /// A name for the device ("Điện thoại chị Lan"): 1 to 100 characters, not only spaces, no
    /// control characters.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$"
    )]
    pub device_name: String,
    /// The protocol version the app speaks; this office speaks only
    /// [`PROTOCOL_VERSION`] (1).
    #[schema(minimum = 1, maximum = 1)]
    pub protocol: u32,
}

/// The answer to an enrolment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EnrollResponse {
    /// The new device's id (the node of its hybrid logical clock).
    pub device_id: Uuid,
    /// The secret to send with every sync call. Shown once; the office keeps only its hash.
    pub device_token: String,
    /// Who the device belongs to.
    pub user: UserInfo,
    /// The area the device may read and write.
    pub scope: Scope,
    /// The office's clock, to fold into the device's.
    #[schema(value_type = String)]
    pub server_clock: Hlc,
    /// The device's receipt key (base64url of 32 random bytes): the device makes each receipt's
    /// check code with it (`sotay_receipt`), offline, and the office verifies the code on its
    /// public receipt page. Added in protocol 1 without a version change: an older office
    /// sends none and an older app ignores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_key: Option<String>,
}

/// The enrolled user, as the device needs to know them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserInfo {
    /// The user's id.
    pub id: Uuid,
    /// Full name.
    pub full_name: String,
    /// What the user does (it decides what the app shows).
    pub role: Role,
}

/// A user's area: the communes and villages assigned to them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Scope {
    /// Whole communes (5-digit codes).
    pub communes: Vec<String>,
    /// Single villages (in communes not assigned whole).
    pub villages: Vec<Uuid>,
}

/// `POST /api/v1/sync/push`: ops from the outbox, in outbox order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// The protocol version the app speaks (1).
    #[schema(minimum = 1, maximum = 1)]
    pub protocol: u32,
    /// The ops, in outbox order, at most [`MAX_OPS_PER_PUSH`].
    #[schema(max_items = 500)]
    pub ops: Vec<Op>,
}

/// Per-op results, in the order of the request, and the office's clock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PushResponse {
    /// One result per op sent.
    pub results: Vec<OpResult>,
    /// The office's clock.
    #[schema(value_type = String)]
    pub server_clock: Hlc,
    /// The office's epoch: a new one after the office was restored from a backup, when the
    /// device must send again what it holds and pull from the start (see `docs/sync-protocol.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<String>,
}

/// What the office did with one op.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OpResult {
    /// The op.
    pub op_id: Uuid,
    /// Its outcome.
    pub outcome: OpOutcome,
}

/// Applied, already applied before, or refused with a reason the device shows on the record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum OpOutcome {
    /// Applied now.
    Applied,
    /// Applied by an earlier request (a retry): nothing changed.
    Duplicate,
    /// Refused; the device keeps the op aside with this reason and lets the user fix the record.
    Rejected {
        /// Stable error code.
        code: String,
        /// What is wrong, in Vietnamese.
        message: String,
        /// The field at fault, when one is.
        field: Option<String>,
    },
}

impl OpOutcome {
    /// Whether the office holds the op's effect (so the device may drop it from the outbox).
    pub fn is_acknowledged(&self) -> bool {
        matches!(self, OpOutcome::Applied | OpOutcome::Duplicate)
    }
}

/// `GET /api/v1/sync/pull?after=<cursor>&limit=<n>&policy=<edition>` query; every parameter
/// is optional.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PullQuery {
    /// The cursor from the previous page (`next_cursor`); absent or empty for the first pull.
    #[param(pattern = "^[0-9]{0,18}$")]
    pub after: Option<String>,
    /// Page size, 1 to [`MAX_PULL_LIMIT`] (default 500).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// The edition of the policy data the device uses; the last page carries the office's
    /// latest edition when it is another one.
    #[serde(default)]
    #[param(max_length = 64)]
    pub policy: Option<String>,
    /// `true`: each change's clocks in compact form — the clock most fields share under `"*"`,
    /// then only the fields written at another one (`RecordState::compact_clocks`). Clients
    /// that do not ask get one clock per field.
    #[serde(default)]
    pub compact: Option<bool>,
    /// `true`: the page says how many changes are left after it (`remaining`), for a progress
    /// bar; asked once per sync, it costs the office a count.
    #[serde(default)]
    pub count: Option<bool>,
}

/// An edition of the policy data (rates, floors, support, deadlines…) the office published:
/// the TOML text `sotay_domain::Policy::from_toml_str` reads, and its version label.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PolicyEdition {
    /// The edition label (`version` in the file).
    pub version: String,
    /// The whole policy file.
    pub toml: String,
}

/// One page of changes in the device's scope.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PullResponse {
    /// Changed records, each with its full merged state.
    pub changes: Vec<Change>,
    /// The cursor to ask for the next page (store it with the changes, in one transaction).
    pub next_cursor: String,
    /// Whether more pages follow.
    pub has_more: bool,
    /// The office's clock.
    #[schema(value_type = String)]
    pub server_clock: Hlc,
    /// The device's scope now (it may have changed since enrolment).
    pub scope: Scope,
    /// On the last page: the checksum of everything in scope, to verify the device's copy.
    pub checksum: Option<ScopeChecksum>,
    /// On the last page: the office's latest policy edition, when the device named another.
    #[serde(default)]
    pub policy: Option<PolicyEdition>,
    /// Which request this page answers: the device that asked and the cursor it sent (`""` for
    /// the first page), so a client never takes another request's page (a proxy or cache on the
    /// way may serve one) for its own.
    pub device_id: Uuid,
    /// The cursor the request sent.
    pub after: String,
    /// When asked (`count=true`): how many changes in scope are left after this page.
    #[serde(default)]
    pub remaining: Option<u64>,
    /// The office's epoch (as in [`PushResponse::epoch`]): a page from another epoch than the
    /// device's cursor belongs to must not be taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<String>,
}

/// The office's current state of one record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Change {
    /// The change feed's sequence number.
    pub seq: i64,
    /// Kind of record.
    pub entity: EntityKind,
    /// Record id.
    pub entity_id: Uuid,
    /// All fields with the clock each was written at.
    #[schema(value_type = Object)]
    pub state: RecordState,
}

/// An order-independent checksum of a scope: the count of records and the wrapping sum of
/// `sotay_domain::merge::record_digest` over them, in hex.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScopeChecksum {
    /// Number of records.
    pub records: u64,
    /// Wrapping sum of record digests, 16 hex digits.
    pub digest: String,
}

/// Every 4xx/5xx body: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorInfo,
}

/// A stable code the app decides on, and a Vietnamese message for people.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorInfo {
    /// Stable code, e.g. `device_revoked`, `protocol_unsupported`.
    pub code: String,
    /// What is wrong and what to do.
    pub message: String,
}

macro_rules! wire_codes {
    ($($(#[$doc:meta])* $name:ident = $code:literal, $message:literal;)*) => {
        /// Every code the office sends — HTTP errors (`{"error": {"code", "message"}}`) and the
        /// reasons a pushed op is refused — in one list, each with the Vietnamese message the
        /// app shows for it when it has nothing more specific. The office may send a more
        /// precise message (naming the field or the amount); the app decides by the code,
        /// never by the text. Each code is documented in `docs/sync-protocol.md` (a test checks).
        pub mod codes {
            $( $(#[$doc])* pub const $name: &str = $code; )*

            /// Every code with its Vietnamese message, for the app's error table and the docs.
            pub const ALL: &[(&str, &str)] = &[$(($code, $message)),*];

            /// The Vietnamese message of a code, if it is one of ours.
            pub fn message_vi(code: &str) -> Option<&'static str> {
                ALL.iter().find(|(c, _)| *c == code).map(|(_, m)| *m)
            }
        }
    };
}

wire_codes! {
    /// No token, or a token the office does not know (401).
    UNAUTHORIZED = "unauthorized", "Thiết bị chưa được kích hoạt với cơ quan BHXH hoặc mã thiết bị sai. Hãy kích hoạt lại bằng mã kích hoạt do cơ quan cấp.";
    /// The device was revoked by an office admin: stop syncing, tell the user to see the office
    /// (401).
    DEVICE_REVOKED = "device_revoked", "Thiết bị này đã bị cơ quan BHXH thu hồi quyền đồng bộ. Dữ liệu trên máy vẫn còn; hãy liên hệ cơ quan để được cấp lại.";
    /// The device was marked lost by an office admin (410). The office still takes its pushes;
    /// a pull is answered with this code, and the device then erases its database, keys and
    /// caches and returns to the first-run screen.
    DEVICE_WIPE = "device_wipe", "Cơ quan BHXH đã báo mất thiết bị này. Mọi dữ liệu đã lưu đã được gửi về cơ quan; ứng dụng xoá dữ liệu trên máy và trở về màn hình đăng ký.";
    /// The app is too old (or too new) for this office: update the app (426).
    PROTOCOL_UNSUPPORTED = "protocol_unsupported", "Ứng dụng cần cập nhật lên bản mới nhất để đồng bộ với máy chủ này.";
    /// The enrolment code is wrong, used or expired (403).
    INVALID_CODE = "invalid_code", "Mã kích hoạt không đúng, đã dùng hoặc đã hết hạn. Hãy kiểm tra lại, hoặc xin cơ quan BHXH cấp mã mới.";
    /// Too many attempts; wait and try again (429).
    RATE_LIMITED = "rate_limited", "Thử quá nhiều lần. Hãy đợi một phút rồi thử lại.";
    /// The body or query is not valid JSON of the expected shape (400, 415).
    INVALID_REQUEST = "invalid_request", "Yêu cầu gửi lên không đúng định dạng. Hãy cập nhật ứng dụng.";
    /// The body is larger than the office accepts (413); also set on an op too large to send.
    BODY_TOO_LARGE = "body_too_large", "Dữ liệu quá lớn để gửi. Hãy rút gọn ghi chú rồi lưu lại.";
    /// No such address on the server (404).
    NOT_FOUND = "not_found", "Không có địa chỉ này trên máy chủ. Hãy kiểm tra địa chỉ máy chủ trong phần Cài đặt.";
    /// The address does not take that HTTP method (405).
    METHOD_NOT_ALLOWED = "method_not_allowed", "Địa chỉ này không nhận phương thức HTTP đó.";
    /// The request took too long (408).
    TIMEOUT = "timeout", "Máy chủ chờ quá lâu. Ứng dụng sẽ tự thử lại.";
    /// A fault of the server itself, never caused by input (500).
    INTERNAL = "internal", "Máy chủ gặp lỗi. Dữ liệu trên điện thoại vẫn được giữ; ứng dụng sẽ tự thử lại sau.";
    /// An op writes outside the device's area.
    OUT_OF_SCOPE = "out_of_scope", "Bản ghi nằm ngoài địa bàn được giao cho bạn. Hãy kiểm tra xã/thôn của bản ghi, hoặc nhờ cơ quan BHXH giao thêm địa bàn.";
    /// The user's role may not write this kind of record: a board member takes no sign-up and
    /// handles no money.
    ROLE_FORBIDDEN = "role_forbidden", "Vai trò của bạn không được ghi loại hồ sơ này: tờ khai, thu tiền và nộp tiền là việc của đại lý thu.";
    /// The record's village is not one of its commune's, or not known to the office.
    VILLAGE_MISMATCH = "village_mismatch", "Thôn/tổ dân phố của bản ghi không thuộc xã/phường ghi kèm. Hãy chọn lại thôn trong đúng xã.";
    /// An op reuses a record id that belongs to another kind of record.
    ID_CONFLICT = "id_conflict", "Mã bản ghi này đã được dùng cho một bản ghi khác. Hãy tạo bản ghi mới.";
    /// A record failed the domain's validation at the office (the field is named).
    VALIDATION = "validation", "Bản ghi có thông tin không hợp lệ. Hãy mở bản ghi, sửa ô được đánh dấu rồi lưu lại.";
    /// The op's clock is more than 7 days ahead of the office's.
    CLOCK_SKEW = "clock_skew", "Đồng hồ của điện thoại chạy nhanh hơn giờ thật quá 7 ngày. Hãy bật giờ tự động trên điện thoại, rồi sửa và lưu lại bản ghi.";
    /// Devices may not write office-made reference records (villages, quotas).
    READ_ONLY = "read_only", "Thôn và chỉ tiêu do cơ quan BHXH tạo; điện thoại không được sửa. Hãy báo cơ quan nếu thông tin sai.";
    /// The op claims another device or user than the token's.
    DEVICE_MISMATCH = "device_mismatch", "Thao tác mang mã thiết bị hoặc người dùng khác với thiết bị đang đồng bộ. Hãy cập nhật ứng dụng; nếu vẫn lỗi, báo cơ quan BHXH.";
    /// A remittance's total is not the sum of its payments, or names a payment that is not at
    /// the office or not this collector's.
    REMITTANCE_MISMATCH = "remittance_mismatch", "Lần nộp tiền không khớp với các biên lai đã gửi. Hãy đồng bộ các khoản thu trước, kiểm tra tổng tiền rồi lưu lại.";
    /// The receipt key given at enrolment is not 32 bytes of base64url (the device keeps none).
    RECEIPT_KEY_INVALID = "receipt_key_invalid", "Khoá biên lai của thiết bị không hợp lệ. Hãy kích hoạt lại thiết bị để in mã kiểm tra trên biên lai.";
    /// The device enrolled before receipt keys existed and cannot make check codes.
    RECEIPT_KEY_MISSING = "receipt_key_missing", "Máy này chưa có khoá biên lai. Hãy kích hoạt lại thiết bị để in mã kiểm tra trên biên lai.";
    /// A typed receipt check code is not eight Crockford base-32 characters.
    RECEIPT_CODE_MALFORMED = "receipt_code_malformed", "Mã kiểm tra phải gồm 8 ký tự chữ và số, ví dụ 7K2M-9QXD.";
    /// An imported list is not UTF-8 (Windows-1258, TCVN3): save it again as CSV UTF-8.
    IMPORT_NOT_UTF8 = "import_not_utf8", "Tệp không phải UTF-8. Hãy lưu lại bằng Excel dạng CSV UTF-8 hoặc tải lên tệp .xlsx.";
    /// An imported file is neither CSV nor XLSX.
    IMPORT_FORMAT = "import_format", "Chỉ nhận tệp danh sách dạng .csv (UTF-8) hoặc .xlsx.";
    /// An imported file is larger than 20 MB or 100,000 rows.
    IMPORT_TOO_LARGE = "import_too_large", "Tệp lớn quá 20 MB hoặc quá 100.000 dòng. Hãy chia thành nhiều tệp.";
    /// An imported file has no header or no data row.
    IMPORT_EMPTY = "import_empty", "Tệp không có dòng tiêu đề hoặc không có dòng dữ liệu nào.";
    /// An imported file lacks required columns.
    IMPORT_MISSING_COLUMNS = "import_missing_columns", "Tệp thiếu cột bắt buộc. Dòng đầu phải có các cột của danh sách hộ nghèo, cận nghèo.";
    /// An imported XLSX could not be read.
    IMPORT_UNREADABLE = "import_unreadable", "Không đọc được tệp Excel. Hãy mở tệp, lưu lại rồi tải lên lại.";
    /// An imported row's date is not dd/mm/yyyy.
    DATE_INVALID = "date_invalid", "Ngày không đúng dạng ngày/tháng/năm (dd/mm/yyyy).";
    /// An imported row's sex is neither Nam nor Nữ.
    SEX_INVALID = "sex_invalid", "Giới tính phải là Nam hoặc Nữ.";
    /// An imported row's poverty status is neither nghèo nor cận nghèo.
    POVERTY_INVALID = "poverty_invalid", "Diện hộ phải là nghèo hoặc cận nghèo.";
    /// An imported row's year is not a year.
    YEAR_INVALID = "year_invalid", "Năm phải là số năm, ví dụ 2026.";
    /// An imported row names a village its commune does not have.
    VILLAGE_UNKNOWN = "village_unknown", "Thôn/tổ chưa có ở xã này. Hãy thêm thôn ở trang Địa bàn hoặc sửa tên thôn.";
    /// An imported row is in a commune the importing supervisor does not have.
    COMMUNE_NOT_YOURS = "commune_not_yours", "Bạn không được nhập danh sách cho xã này.";
    /// An imported row has an ID number already in the file or the database.
    DUPLICATE_PERSONAL_ID = "duplicate_personal_id", "Số CCCD đã có trong tệp hoặc trong cơ sở dữ liệu.";
    /// An imported row has the name, birth date and village of a known person.
    DUPLICATE_PERSON = "duplicate_person", "Người cùng họ tên, ngày sinh và thôn đã có trong tệp hoặc trong cơ sở dữ liệu.";
}

#[cfg(test)]
mod tests {
    use super::codes;

    #[test]
    fn every_wire_code_is_documented_and_has_a_message() {
        let doc = include_str!("../../../docs/sync-protocol.md");
        let mut seen = std::collections::HashSet::new();
        for (code, message) in codes::ALL {
            assert!(seen.insert(code), "{code} is listed once");
            assert!(
                doc.contains(&format!("`{code}`")),
                "docs/sync-protocol.md documents `{code}`"
            );
            assert!(
                message.len() > 20 && message.ends_with('.'),
                "{code} has a whole Vietnamese sentence: {message}"
            );
            assert_eq!(codes::message_vi(code), Some(*message));
        }
        assert_eq!(codes::message_vi("no_such_code"), None);
    }
}
