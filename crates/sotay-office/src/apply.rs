//! What one op may do to one record, decided the same way for every storage backend: the storage
//! layer loads the record, calls [`plan_op`] inside its transaction, and writes the plan or rolls
//! back. Pure: no IO, no clock (the caller passes today and now).
//!
//! The checks, in order: the op is the device's own (device id, user id, clock node); its clock is
//! not absurdly far in the future; devices do not write office-made reference records; the id is
//! not reused for another kind of record; the record is (and stays) inside the device's area;
//! office decisions on sign-ups stand; the merged record reads as its typed `sotay_domain` entity
//! with no unknown fields and passes `Validate`.

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::de::value::MapDeserializer;
use serde_json::{Map, Value};
use sotay_domain::merge::{LostWrite, RecordState};
use sotay_domain::{EntityKind, Hlc, Op, Validate, ValidationContext};
use sotay_sync::protocol::{OpOutcome, Scope, codes};
use std::borrow::Cow;
use uuid::Uuid;

/// The node id of the office's own clock: office decisions are written with it, so a sign-up
/// status whose clock carries this node is an office decision.
pub const OFFICE_NODE: Uuid = Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_0ff1);

/// How far ahead of the office's wall clock a device's clock may be (phones are often wrong by
/// hours or days, but a month ahead would make its edits win every conflict for a month).
pub const MAX_CLOCK_AHEAD_MS: u64 = 7 * 24 * 60 * 60 * 1000;

/// Rejection code: the op's clock is too far in the future.
pub const CLOCK_SKEW: &str = "clock_skew";
/// Rejection code: devices may not write office-made reference records (villages, quotas).
pub const READ_ONLY: &str = "read_only";
/// Rejection code: the op claims another device or user than the token's.
pub const DEVICE_MISMATCH: &str = "device_mismatch";

/// Who is writing.
#[derive(Clone, Debug)]
pub enum Writer {
    /// An enrolled device of a field user, limited to the user's area.
    Device {
        /// The authenticated device.
        device_id: Uuid,
        /// Its user.
        user_id: Uuid,
        /// The user's area.
        scope: Scope,
    },
    /// The office itself (admin commands, seeding, sign-up decisions): may write anything.
    Office,
}

/// Everything [`plan_op`] needs besides the op and the stored record.
#[derive(Clone, Debug)]
pub struct ApplyContext {
    /// Who writes.
    pub writer: Writer,
    /// Today in Asia/Ho_Chi_Minh, for validation.
    pub today: NaiveDate,
    /// The office's wall clock, ms since the epoch, for the clock-skew check.
    pub now_ms: u64,
}

/// A stored record as the planner needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredRecord {
    /// Kind.
    pub entity: EntityKind,
    /// Merged state.
    pub state: RecordState,
    /// Stored scope: commune.
    pub commune_code: String,
    /// Stored scope: village.
    pub village_id: Option<Uuid>,
}

/// What to write when an op is accepted.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The merged state to store.
    pub state: RecordState,
    /// Scope columns.
    pub commune_code: String,
    /// Scope columns.
    pub village_id: Option<Uuid>,
    /// Whether the record is a tombstone.
    pub deleted: bool,
    /// Values that lost a conflict, for the conflict log.
    pub lost: Vec<LostWrite>,
}

/// Why an op was refused; becomes [`OpOutcome::Rejected`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// Stable code.
    pub code: String,
    /// Vietnamese message: what is wrong and what to do.
    pub message: String,
    /// The field at fault, if one is.
    pub field: Option<String>,
}

impl Rejection {
    fn new(code: &str, message: impl Into<String>, field: Option<&str>) -> Self {
        Rejection {
            code: code.to_owned(),
            message: message.into(),
            field: field.map(str::to_owned),
        }
    }

    /// The wire form.
    pub fn into_outcome(self) -> OpOutcome {
        OpOutcome::Rejected {
            code: self.code,
            message: self.message,
            field: self.field,
        }
    }
}

/// Whether a record with this scope is inside `scope`.
pub fn in_scope(scope: &Scope, commune_code: &str, village_id: Option<Uuid>) -> bool {
    scope.communes.iter().any(|c| c == commune_code)
        || village_id.is_some_and(|v| scope.villages.contains(&v))
}

/// Sign-up statuses only the office sets.
const OFFICE_STATUSES: [&str; 4] = ["received", "approved", "rejected", "needs_correction"];

/// Decides what `op` does to `existing` (None: a new record).
pub fn plan_op(
    op: &Op,
    existing: Option<&StoredRecord>,
    ctx: &ApplyContext,
) -> Result<Plan, Rejection> {
    let device_scope = match &ctx.writer {
        Writer::Device {
            device_id,
            user_id,
            scope,
        } => {
            if op.device_id != *device_id || op.hlc.node != *device_id || op.user_id != *user_id {
                return Err(Rejection::new(
                    DEVICE_MISMATCH,
                    "Thao tác mang mã thiết bị hoặc người dùng khác với thiết bị đang đồng bộ. \
                     Hãy cập nhật ứng dụng; nếu vẫn lỗi, báo cơ quan BHXH.",
                    None,
                ));
            }
            Some(scope)
        }
        Writer::Office => None,
    };
    if op.hlc.wall_ms > ctx.now_ms.saturating_add(MAX_CLOCK_AHEAD_MS) {
        return Err(Rejection::new(
            CLOCK_SKEW,
            "Đồng hồ của điện thoại chạy nhanh hơn giờ thật quá 7 ngày. Hãy chỉnh lại ngày giờ \
             trên điện thoại (bật giờ tự động), rồi sửa và lưu lại bản ghi.",
            None,
        ));
    }
    if device_scope.is_some() && matches!(op.entity, EntityKind::Village | EntityKind::Quota) {
        return Err(Rejection::new(
            READ_ONLY,
            "Thôn và chỉ tiêu do cơ quan BHXH tạo; điện thoại không được sửa. Hãy báo cơ quan \
             nếu thông tin sai.",
            None,
        ));
    }
    if let Some(existing) = existing {
        if existing.entity != op.entity {
            return Err(Rejection::new(
                codes::ID_CONFLICT,
                format!(
                    "Mã bản ghi này đã được dùng cho một {} khác. Hãy tạo bản ghi mới.",
                    existing.entity.label_vi()
                ),
                None,
            ));
        }
        if let Some(scope) = device_scope
            && !in_scope(scope, &existing.commune_code, existing.village_id)
        {
            return Err(out_of_scope());
        }
    }
    if let Some(Value::String(id)) = op.fields.get("id")
        && Uuid::parse_str(id).ok() != Some(op.entity_id)
    {
        return Err(Rejection::new(
            codes::VALIDATION,
            "Trường id phải trùng với mã bản ghi.",
            Some("id"),
        ));
    }

    if let Some(field) = op
        .fields
        .iter()
        .find(|(k, v)| k.contains('\0') || has_nul(v))
    {
        // PostgreSQL cannot store NUL in text or jsonb, and no real value contains one.
        return Err(Rejection::new(
            codes::VALIDATION,
            "Trường có ký tự điều khiển không hợp lệ (NUL). Hãy nhập lại giá trị.",
            Some(field.0.replace('\0', "").as_str()),
        ));
    }
    if op
        .fields
        .get(sotay_domain::DELETED_FIELD)
        .is_some_and(|v| !v.is_boolean())
    {
        return Err(Rejection::new(
            codes::VALIDATION,
            "Trường deleted phải là true hoặc false.",
            Some(sotay_domain::DELETED_FIELD),
        ));
    }

    // Copied only when the office-decision guard may take fields out.
    let mut fields = Cow::Borrowed(&op.fields);
    let mut lost = Vec::new();
    if op.entity == EntityKind::Enrollment && device_scope.is_some() {
        lost = guard_office_decision(fields.to_mut(), op.hlc, existing)?;
    }

    let mut state = existing.map(|e| e.state.clone()).unwrap_or_default();
    lost.extend(state.apply_fields(&fields, op.hlc));

    check_typed(op.entity, op.entity_id, &state, ctx.today)?;

    let commune_code = match state.fields.get("commune_code") {
        Some(Value::String(code)) => code.clone(),
        _ => String::new(),
    };
    let village_id = if op.entity == EntityKind::Village {
        Some(op.entity_id)
    } else if op.entity == EntityKind::Quota {
        // A village's quota travels to the devices of that village's board too.
        match state.fields.get("scope") {
            Some(Value::Object(scope)) if scope.get("kind") == Some(&Value::from("village")) => {
                scope
                    .get("id")
                    .and_then(Value::as_str)
                    .and_then(|id| Uuid::parse_str(id).ok())
            }
            _ => None,
        }
    } else {
        match state.fields.get("village_id") {
            Some(Value::String(id)) => Uuid::parse_str(id).ok(),
            _ => None,
        }
    };
    if let Some(scope) = device_scope
        && !in_scope(scope, &commune_code, village_id)
    {
        return Err(out_of_scope());
    }
    let deleted = state.fields.get(sotay_domain::DELETED_FIELD) == Some(&Value::Bool(true));
    Ok(Plan {
        state,
        commune_code,
        village_id,
        deleted,
        lost,
    })
}

fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

fn out_of_scope() -> Rejection {
    Rejection::new(
        codes::OUT_OF_SCOPE,
        "Bản ghi nằm ngoài địa bàn được giao cho bạn. Hãy kiểm tra xã/thôn của bản ghi, hoặc nhờ \
         cơ quan BHXH giao thêm địa bàn.",
        Some("commune_code"),
    )
}

/// A device may set a sign-up's status only to draft or submitted, and may not overrule an
/// office decision except by resubmitting one that needs correction. Overruled values are taken
/// out of the op and returned as lost writes (so they show in the conflict log); the rest of the
/// op still applies.
fn guard_office_decision(
    fields: &mut Map<String, Value>,
    hlc: Hlc,
    existing: Option<&StoredRecord>,
) -> Result<Vec<LostWrite>, Rejection> {
    let mut lost = Vec::new();
    if let Some(Value::String(status)) = fields.get("status")
        && OFFICE_STATUSES.contains(&status.as_str())
    {
        return Err(Rejection::new(
            codes::VALIDATION,
            "Chỉ cơ quan BHXH mới được đặt trạng thái này cho tờ khai. Trên điện thoại chỉ lưu \
             nháp hoặc gửi.",
            Some("status"),
        ));
    }
    let Some(existing) = existing else {
        return Ok(lost);
    };
    let decided_by_office = existing
        .state
        .clocks
        .get("status")
        .is_some_and(|c| c.node == OFFICE_NODE);
    let current = existing.state.fields.get("status").and_then(Value::as_str);
    if !decided_by_office || !current.is_some_and(|s| OFFICE_STATUSES.contains(&s)) {
        return Ok(lost);
    }
    let resubmits = current == Some("needs_correction")
        && fields.get("status").and_then(Value::as_str) == Some("submitted");
    if resubmits {
        return Ok(lost);
    }
    for name in ["status", "status_reason"] {
        if let Some(value) = fields.remove(name)
            && existing.state.fields.get(name) != Some(&value)
        {
            let winner = existing.state.clocks.get(name).copied().unwrap_or(hlc);
            lost.push(LostWrite {
                field: name.to_owned(),
                value,
                hlc,
                winner,
            });
        }
    }
    Ok(lost)
}

/// Reads the merged fields as the typed entity, refuses unknown fields, and runs the domain's
/// validation.
fn check_typed(
    entity: EntityKind,
    id: Uuid,
    state: &RecordState,
    today: NaiveDate,
) -> Result<(), Rejection> {
    // The typed entity reads the merged fields in place, with its id added and the tombstone
    // flag left out, without copying the record.
    let id = Value::String(id.to_string());
    let entries = state
        .fields
        .iter()
        .filter(|(name, _)| name.as_str() != sotay_domain::DELETED_FIELD && name.as_str() != "id")
        .map(|(name, value)| (name.as_str(), value))
        .chain(std::iter::once(("id", &id)));
    let ctx = ValidationContext { today };
    use sotay_domain::*;
    match entity {
        EntityKind::Village => typed::<Village>(entries, &ctx),
        EntityKind::Household => typed::<Household>(entries, &ctx),
        EntityKind::Person => typed::<Person>(entries, &ctx),
        EntityKind::Visit => typed::<Visit>(entries, &ctx),
        EntityKind::FollowUp => typed::<FollowUp>(entries, &ctx),
        EntityKind::OutreachEvent => typed::<OutreachEvent>(entries, &ctx),
        EntityKind::Enrollment => typed::<Enrollment>(entries, &ctx),
        EntityKind::Payment => typed::<Payment>(entries, &ctx),
        EntityKind::Remittance => typed::<Remittance>(entries, &ctx),
        EntityKind::Quota => typed::<Quota>(entries, &ctx),
    }
}

fn typed<'a, T: DeserializeOwned + Validate>(
    entries: impl Iterator<Item = (&'a str, &'a Value)> + Clone,
    ctx: &ValidationContext,
) -> Result<(), Rejection> {
    // Read straight from the borrowed values, noting any field the type does not know: an
    // unknown field is refused rather than silently dropped.
    let fields = MapDeserializer::<_, serde_json::Error>::new(entries.clone());
    let mut unknown = None;
    let record: T = serde_ignored::deserialize(fields, |path| {
        unknown.get_or_insert_with(|| path.to_string());
    })
    .map_err(|err| type_rejection::<T>(&err, entries))?;
    if let Some(unknown) = unknown {
        return Err(Rejection::new(
            codes::VALIDATION,
            format!("Trường `{unknown}` không có trong loại bản ghi này. Hãy cập nhật ứng dụng."),
            Some(&unknown),
        ));
    }
    record.validate(ctx).map_err(|errors| match errors.first() {
        Some(first) => Rejection {
            code: codes::VALIDATION.to_owned(),
            message: first.message.clone(),
            field: Some(first.field.clone()),
        },
        None => Rejection::new(codes::VALIDATION, "Bản ghi không hợp lệ.", None),
    })
}

/// The rejection for fields that do not read as the entity: read them again with path tracking
/// (only on this rare path, it costs time on every op) to name the field at fault.
fn type_rejection<'a, T: DeserializeOwned>(
    err: &serde_json::Error,
    entries: impl Iterator<Item = (&'a str, &'a Value)>,
) -> Rejection {
    let mut track = serde_path_to_error::Track::new();
    let traced = serde_path_to_error::Deserializer::new(
        MapDeserializer::<_, serde_json::Error>::new(entries),
        &mut track,
    );
    let _ = T::deserialize(traced);
    let path = track.path().to_string();
    let text = err.to_string();
    let missing = text.starts_with("missing field");
    let field = if !missing && !path.is_empty() && path != "." {
        Some(path)
    } else {
        // "missing field `head_name`": the name is in the message.
        text.split('`').nth(1).map(str::to_owned)
    };
    let message = match (missing, field.as_deref()) {
        (true, Some(name)) => {
            format!("Bản ghi thiếu trường `{name}`. Hãy cập nhật ứng dụng rồi lưu lại bản ghi.")
        }
        (false, Some(name)) => format!(
            "Trường `{name}` có giá trị sai kiểu dữ liệu. Hãy cập nhật ứng dụng rồi sửa lại bản ghi."
        ),
        (_, None) => "Bản ghi không đọc được theo đúng loại của nó. Hãy cập nhật ứng dụng rồi \
                      sửa lại bản ghi."
            .to_owned(),
    };
    Rejection {
        code: codes::VALIDATION.to_owned(),
        message,
        field,
    }
}
