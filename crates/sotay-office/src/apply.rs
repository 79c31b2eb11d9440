//! What one op may do to one record, decided the same way for every storage backend: the storage
//! layer loads the record, calls [`plan_op`] inside its transaction, and writes the plan or rolls
//! back. Pure: no IO, no clock (the caller passes today and now).
//!
//! The checks, in order: the op is the device's own (device id, user id, clock node); its clock is
//! not absurdly far in the future; devices do not write office-made reference records; the id is
//! not reused for another kind of record; the record is (and stays) inside the device's area;
//! office decisions on sign-ups stand; the merged record reads as its typed `sotay_domain` entity
//! with no unknown fields, is normalised (`Normalize`, as on the device) and passes `Validate`
//! under the office's policy edition; its village belongs to its commune; a remittance adds up
//! to its payments.
//!
//! A record's place is a pair — a commune and a village of that commune — and an area allows a
//! pair, never either half alone: a village-scoped user writes only records whose village is
//! theirs *and* whose commune is that village's. The village's commune comes from the office's
//! own village record, which the backend loads with the other records an op refers to
//! ([`related_ids`]).

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::de::value::MapDeserializer;
use serde_json::{Map, Value};
use sotay_domain::merge::{LostWrite, RecordState};
use sotay_domain::{Entity, EntityKind, Hlc, KindVisitor, Op, Policy, Role, ValidationContext};
use sotay_sync::protocol::{OpOutcome, Scope, codes};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// The node id of the office's own clock: office decisions are written with it, so a sign-up
/// status whose clock carries this node is an office decision.
pub const OFFICE_NODE: Uuid = Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_0ff1);

/// How far ahead of the office's wall clock a device's clock may be (phones are often wrong by
/// hours or days, but a month ahead would make its edits win every conflict for a month).
pub const MAX_CLOCK_AHEAD_MS: u64 = 7 * 24 * 60 * 60 * 1000;

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
        /// The user's role: a board member writes no sign-up and no money.
        role: Role,
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
    /// The policy edition in use at the office: its floors and ceilings bound money.
    pub policy: Arc<Policy>,
}

/// The records an op's checks read besides its own (see [`related_ids`]): each backend answers
/// from what it loaded inside the op's transaction.
pub trait Related {
    /// The stored record with this id, if the office has it.
    fn get(&self, id: Uuid) -> Option<&StoredRecord>;
}

impl Related for HashMap<Uuid, StoredRecord> {
    fn get(&self, id: Uuid) -> Option<&StoredRecord> {
        HashMap::get(self, &id)
    }
}

/// A stored record as the planner needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredRecord {
    /// The kind of record.
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
    /// Whether the record differs from what is stored: an op that changes nothing (a device
    /// resending its writes after the office was restored, say) is recorded as applied but
    /// writes no row and takes no feed number, so nobody pulls the record again for it.
    pub changed: bool,
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

    /// A rejection with the code's own message from the one list ([`codes::ALL`]).
    fn listed(code: &str, field: Option<&str>) -> Self {
        Rejection::new(code, codes::message_vi(code).unwrap_or_default(), field)
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

/// The commune of a village the office knows (tombstoned or not), from `related`.
pub fn village_commune(related: &dyn Related, village: Uuid) -> Option<&str> {
    related
        .get(village)
        .filter(|r| r.entity == EntityKind::Village)
        .map(|r| r.commune_code.as_str())
}

/// Whether the place (commune, village) is inside `scope`: the pair is consistent (its village,
/// if any, is one of its commune's) and either the whole commune or the village is the user's.
/// Never either half alone.
pub fn in_scope(
    scope: &Scope,
    commune_code: &str,
    village_id: Option<Uuid>,
    related: &dyn Related,
) -> bool {
    let consistent = village_id.is_none_or(|v| village_commune(related, v) == Some(commune_code));
    consistent
        && (scope.communes.iter().any(|c| c == commune_code)
            || village_id.is_some_and(|v| scope.villages.contains(&v)))
}

/// The ids of the records [`plan_op`] reads besides the op's own: the village of the record
/// before and after the op, and the payments of a remittance whose total or payments change.
/// Each backend loads them inside the op's transaction (records written earlier in the same
/// batch included).
pub fn related_ids(op: &Op, existing: Option<&StoredRecord>) -> Vec<Uuid> {
    let mut ids = Vec::new();
    let uuid = |v: &Value| v.as_str().and_then(|s| Uuid::parse_str(s).ok());
    if let Some(village) = op.fields.get("village_id").and_then(uuid) {
        ids.push(village);
    }
    if op.entity == EntityKind::Quota
        && let Some(Value::Object(scope)) = op.fields.get("scope")
        && scope.get("kind") == Some(&Value::from("village"))
        && let Some(village) = scope.get("id").and_then(uuid)
    {
        ids.push(village);
    }
    if let Some(existing) = existing
        && existing.entity != EntityKind::Village
        && let Some(village) = existing.village_id
    {
        ids.push(village);
    }
    if op.entity == EntityKind::Remittance
        && (op.fields.contains_key("payment_ids") || op.fields.contains_key("total"))
    {
        let listed = op
            .fields
            .get("payment_ids")
            .or_else(|| existing.and_then(|e| e.state.fields.get("payment_ids")));
        if let Some(Value::Array(items)) = listed {
            ids.extend(items.iter().filter_map(uuid));
        }
    }
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Sign-up statuses only the office sets.
const OFFICE_STATUSES: [&str; 4] = ["received", "approved", "rejected", "needs_correction"];

/// Decides what `op` does to `existing` (None: a new record); `related` holds the records of
/// [`related_ids`] that exist.
pub fn plan_op(
    op: &Op,
    existing: Option<&StoredRecord>,
    related: &dyn Related,
    ctx: &ApplyContext,
) -> Result<Plan, Rejection> {
    let device_scope = match &ctx.writer {
        Writer::Device {
            device_id,
            user_id,
            scope,
            role,
        } => {
            if op.device_id != *device_id || op.hlc.node != *device_id || op.user_id != *user_id {
                return Err(Rejection::listed(codes::DEVICE_MISMATCH, None));
            }
            if !role.may_write(op.entity) {
                return Err(Rejection::listed(codes::ROLE_FORBIDDEN, None));
            }
            Some(scope)
        }
        Writer::Office => None,
    };
    if op.hlc.wall_ms > ctx.now_ms.saturating_add(MAX_CLOCK_AHEAD_MS) {
        return Err(Rejection::listed(codes::CLOCK_SKEW, None));
    }
    if device_scope.is_some() && matches!(op.entity, EntityKind::Village | EntityKind::Quota) {
        return Err(Rejection::listed(codes::READ_ONLY, None));
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
            && !in_scope(scope, &existing.commune_code, existing.village_id, related)
        {
            return Err(out_of_scope());
        }
        if existing.entity == EntityKind::Village
            && let Some(Value::String(commune)) = op.fields.get("commune_code")
            && commune.trim() != existing.commune_code
        {
            return Err(Rejection::new(
                codes::VILLAGE_MISMATCH,
                "Không chuyển được thôn/tổ dân phố sang xã/phường khác: các hộ trong thôn vẫn \
                 thuộc xã cũ. Hãy tạo thôn mới trong xã mới.",
                Some("commune_code"),
            ));
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
    let mut kept_hidden: Vec<String> = Vec::new();
    if op.entity == EntityKind::Enrollment && device_scope.is_some() {
        lost = guard_office_decision(fields.to_mut(), op.hlc, existing)?;
    }
    if let Writer::Device { role, .. } = &ctx.writer
        && !sotay_domain::privacy::withheld(*role, op.entity).is_empty()
    {
        // The role's phone holds the empty value of what it was never sent; resending it is
        // not clearing the office's value.
        kept_hidden = sotay_domain::privacy::drop_blanks(
            *role,
            op.entity,
            fields.to_mut(),
            existing.map(|e| &e.state),
            op.hlc.node,
        );
    }

    let mut state = existing.map(|e| e.state.clone()).unwrap_or_default();
    lost.extend(state.apply_fields(&fields, op.hlc));
    // A blank taken out keeps the office's value, written again just after the op: the phone
    // pulls it (blanked) at a clock newer than its own blank, so both copies end at the same
    // version, and the value stays another device's.
    for name in &kept_hidden {
        if state.fields.contains_key(name) {
            state.clocks.insert(name.clone(), clock_after(op.hlc));
        }
    }

    let validation = ValidationContext::new(ctx.today).with_policy(&ctx.policy);
    let normalised = check_typed(op.entity, op.entity_id, &state, &validation)
        .map_err(|refusal| hide_withheld(refusal, &ctx.writer, op.entity))?;
    if !normalised.is_empty() {
        // The office stores the one clean form whichever client sent the op; writing it with a
        // clock just after the op's makes it win on the sender too, which gets it by pull.
        let hlc = clock_after(op.hlc);
        for (name, value) in normalised {
            state.fields.insert(name.clone(), value);
            state.clocks.insert(name, hlc);
        }
    }
    if op.entity == EntityKind::Remittance
        && (op.fields.contains_key("payment_ids") || op.fields.contains_key("total"))
    {
        check_remittance(&state, related)?;
    }

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
    if op.entity != EntityKind::Village
        && let Some(village) = village_id
    {
        match village_commune(related, village) {
            Some(commune) if commune == commune_code => {}
            Some(commune) => {
                return Err(Rejection::new(
                    codes::VILLAGE_MISMATCH,
                    format!(
                        "Thôn/tổ dân phố của bản ghi thuộc xã/phường {commune}, không thuộc xã/phường \
                         {commune_code}. Hãy chọn lại thôn trong đúng xã rồi lưu."
                    ),
                    Some("village_id"),
                ));
            }
            None => {
                return Err(Rejection::new(
                    codes::VILLAGE_MISMATCH,
                    "Thôn/tổ dân phố của bản ghi không có trong danh sách của cơ quan BHXH. Hãy \
                     đồng bộ để cập nhật danh sách thôn, rồi chọn lại thôn.",
                    Some("village_id"),
                ));
            }
        }
    }
    if let Some(scope) = device_scope
        && !in_scope(scope, &commune_code, village_id, related)
    {
        return Err(out_of_scope());
    }
    let deleted = state.fields.get(sotay_domain::DELETED_FIELD) == Some(&Value::Bool(true));
    let changed = existing.is_none_or(|e| {
        e.state != state || e.commune_code != commune_code || e.village_id != village_id
    });
    Ok(Plan {
        state,
        commune_code,
        village_id,
        deleted,
        lost,
        changed,
    })
}

/// A refusal about a field the writer's role is never sent (a board member's edit of a date of
/// birth that no longer matches the ID number the office holds) says so without quoting the
/// field's value, which the message would otherwise carry to that phone.
fn hide_withheld(refusal: Rejection, writer: &Writer, entity: EntityKind) -> Rejection {
    let Writer::Device { role, .. } = writer else {
        return refusal;
    };
    let hidden = refusal.field.as_deref().is_some_and(|field| {
        sotay_domain::privacy::withheld(*role, entity)
            .iter()
            .any(|(name, _)| *name == field)
    });
    if !hidden {
        return refusal;
    }
    Rejection::new(
        &refusal.code,
        "Thông tin vừa sửa không khớp với số định danh cơ quan BHXH đang giữ cho người này. Hãy \
         báo người thu của thôn để kiểm tra.",
        None,
    )
}

/// The clock just after `hlc`, on the office's node: the office's own write that follows a
/// device's op (its normalised values).
fn clock_after(hlc: Hlc) -> Hlc {
    // The text form holds six counter digits.
    if hlc.counter < 999_999 {
        Hlc {
            wall_ms: hlc.wall_ms,
            counter: hlc.counter + 1,
            node: OFFICE_NODE,
        }
    } else {
        Hlc {
            wall_ms: hlc.wall_ms + 1,
            counter: 0,
            node: OFFICE_NODE,
        }
    }
}

/// A remittance hands over exactly the cash of its payments: every payment is at the office,
/// is this collector's and not deleted, and the total is their sum to the đồng.
fn check_remittance(state: &RecordState, related: &dyn Related) -> Result<(), Rejection> {
    let refuse = |message: String, field: &str| {
        Err(Rejection::new(
            codes::REMITTANCE_MISMATCH,
            message,
            Some(field),
        ))
    };
    let collector = state.fields.get("collector_id");
    let ids: Vec<Uuid> = match state.fields.get("payment_ids") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().and_then(|s| Uuid::parse_str(s).ok()))
            .collect(),
        _ => Vec::new(),
    };
    let mut sum: i128 = 0;
    for id in ids {
        let Some(payment) = related
            .get(id)
            .filter(|r| r.entity == EntityKind::Payment && !is_tombstone(&r.state))
        else {
            return refuse(
                "Có biên lai trong lần nộp tiền chưa đến cơ quan BHXH (hoặc đã bị xoá). Hãy \
                 đồng bộ các khoản thu trước, rồi lưu lại lần nộp."
                    .into(),
                "payment_ids",
            );
        };
        if payment.state.fields.get("collector_id") != collector {
            return refuse(
                "Có biên lai do người khác thu trong lần nộp tiền. Hãy bỏ biên lai đó ra.".into(),
                "payment_ids",
            );
        }
        sum += payment
            .state
            .fields
            .get("amount")
            .and_then(Value::as_i64)
            .map_or(0, i128::from);
    }
    let total = state
        .fields
        .get("total")
        .and_then(Value::as_i64)
        .map_or(0, i128::from);
    if total != sum {
        let vnd = |v: i128| sotay_domain::Vnd(i64::try_from(v).unwrap_or(i64::MAX));
        return refuse(
            format!(
                "Tổng tiền nộp {} khác tổng các biên lai {}. Hãy kiểm tra lại số tiền.",
                vnd(total),
                vnd(sum)
            ),
            "total",
        );
    }
    Ok(())
}

fn is_tombstone(state: &RecordState) -> bool {
    state.fields.get(sotay_domain::DELETED_FIELD) == Some(&Value::Bool(true))
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
    Rejection::listed(codes::OUT_OF_SCOPE, Some("commune_code"))
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

/// Reads the merged fields as the typed entity, refuses unknown fields, normalises it as the
/// device does, and runs the domain's validation on the clean form. Returns the fields whose
/// clean value differs from the merged one (usually none).
fn check_typed(
    entity: EntityKind,
    id: Uuid,
    state: &RecordState,
    ctx: &ValidationContext,
) -> Result<Map<String, Value>, Rejection> {
    // The typed entity reads the merged fields in place, with its id added and the tombstone
    // flag left out, without copying the record.
    let id = Value::String(id.to_string());
    let entries = state
        .fields
        .iter()
        .filter(|(name, _)| name.as_str() != sotay_domain::DELETED_FIELD && name.as_str() != "id")
        .map(|(name, value)| (name.as_str(), value))
        .chain(std::iter::once(("id", &id)));
    struct TypedCheck<'a, I> {
        entries: I,
        ctx: &'a ValidationContext<'a>,
    }
    impl<'a, I: Iterator<Item = (&'a str, &'a Value)> + Clone> KindVisitor for TypedCheck<'a, I> {
        type Output = Result<Map<String, Value>, Rejection>;
        fn visit<E: Entity>(self) -> Self::Output {
            typed::<E>(self.entries, self.ctx)
        }
    }
    entity.visit(TypedCheck { entries, ctx })
}

fn typed<'a, T: Entity>(
    entries: impl Iterator<Item = (&'a str, &'a Value)> + Clone,
    ctx: &ValidationContext,
) -> Result<Map<String, Value>, Rejection> {
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
    let clean = record.clone().normalized();
    clean.validate(ctx).map_err(|errors| match errors.first() {
        Some(first) => Rejection {
            code: codes::VALIDATION.to_owned(),
            message: first.message.clone(),
            field: Some(first.field.clone()),
        },
        None => Rejection::new(codes::VALIDATION, "Bản ghi không hợp lệ.", None),
    })?;
    if clean == record {
        return Ok(Map::new());
    }
    // Only on this rare path: name the fields normalisation changed.
    let as_map = |value: &T| match serde_json::to_value(value) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    let before = as_map(&record);
    Ok(as_map(&clean)
        .into_iter()
        .filter(|(name, value)| name != "id" && before.get(name) != Some(value))
        .collect())
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

#[cfg(test)]
mod tests {
    //! The scope rule as a property: for random areas and random (commune, village) pairs before
    //! and after an op, the op applies exactly when both pairs are consistent (the village, if
    //! any, is one of the commune's) and inside the area. The oracle below is written from the
    //! rule, not from the code under test.

    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    const COMMUNES: [&str; 2] = ["00376", "00004"];
    /// Two villages of each commune: index / 2 is the commune.
    fn village(i: usize) -> Uuid {
        Uuid::from_u128(0x0191_0000_0000_7000_8000_0000_0000_0100 + i as u128)
    }
    fn village_commune_of(i: usize) -> &'static str {
        COMMUNES[i / 2]
    }

    fn villages() -> HashMap<Uuid, StoredRecord> {
        (0..4)
            .map(|i| {
                let mut state = RecordState::default();
                state
                    .fields
                    .insert("commune_code".into(), Value::from(village_commune_of(i)));
                (
                    village(i),
                    StoredRecord {
                        entity: EntityKind::Village,
                        state,
                        commune_code: village_commune_of(i).into(),
                        village_id: Some(village(i)),
                    },
                )
            })
            .collect()
    }

    const DEVICE: Uuid = Uuid::from_u128(0x0191_0000_0000_7000_8000_0000_0000_0d01);
    const USER: Uuid = Uuid::from_u128(0x0191_0000_0000_7000_8000_0000_0000_0a01);

    fn household(commune: &str, village: Option<usize>) -> Map<String, Value> {
        json!({
            "commune_code": commune, "village_id": village.map(self::village),
            "address": "Số 1", "head_name": "Nguyễn Văn An", "poverty_status": "none",
            "poverty_year": null, "notes": "", "location": null
        })
        .as_object()
        .cloned()
        .unwrap_or_default()
    }

    fn ctx(scope: Scope) -> ApplyContext {
        ApplyContext {
            writer: Writer::Device {
                device_id: DEVICE,
                user_id: USER,
                scope,
                role: Role::Collector,
            },
            today: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default(),
            now_ms: 1_795_000_000_000,
            policy: Arc::new(Policy::embedded().clone()),
        }
    }

    fn op(fields: Map<String, Value>, id: Uuid, wall_ms: u64) -> Op {
        Op {
            op_id: Uuid::now_v7(),
            entity: EntityKind::Household,
            entity_id: id,
            fields,
            hlc: Hlc {
                wall_ms,
                counter: 0,
                node: DEVICE,
            },
            user_id: USER,
            device_id: DEVICE,
        }
    }

    /// The rule, stated independently: a pair is consistent when its village (if any) is one of
    /// its commune's; it is in the area when the whole commune is assigned, or its village is
    /// assigned and the pair is consistent.
    fn allowed(
        communes: &[usize],
        assigned_villages: &[usize],
        commune: usize,
        village: Option<usize>,
    ) -> bool {
        let consistent = village.is_none_or(|v| v / 2 == commune);
        let in_area =
            communes.contains(&commune) || village.is_some_and(|v| assigned_villages.contains(&v));
        consistent && in_area
    }

    proptest! {
        #[test]
        fn an_op_applies_exactly_when_both_pairs_are_consistent_and_in_the_area(
            communes in proptest::sample::subsequence(vec![0usize, 1], 0..=2),
            assigned in proptest::sample::subsequence(vec![0usize, 1, 2, 3], 0..=4),
            before in proptest::option::of((0usize..2, proptest::option::of(0usize..4))),
            after in (0usize..2, proptest::option::of(0usize..4)),
        ) {
            let scope = Scope {
                communes: communes.iter().map(|&c| COMMUNES[c].to_owned()).collect(),
                villages: assigned.iter().map(|&v| village(v)).collect(),
            };
            let ctx = ctx(scope);
            let related = villages();
            let id = Uuid::now_v7();
            let existing = before.map(|(commune, village)| {
                let fields = household(COMMUNES[commune], village);
                let mut state = RecordState::default();
                state.apply_fields(&fields, Hlc { wall_ms: 1, counter: 0, node: OFFICE_NODE });
                StoredRecord {
                    entity: EntityKind::Household,
                    state,
                    commune_code: COMMUNES[commune].into(),
                    village_id: village.map(self::village),
                }
            });
            let mut fields = household(COMMUNES[after.0], after.1);
            fields.retain(|k, _| k == "commune_code" || k == "village_id" || existing.is_none());
            let op = op(fields, id, ctx.now_ms);
            let result = plan_op(&op, existing.as_ref(), &related, &ctx);
            let expected = allowed(&communes, &assigned, after.0, after.1)
                && before.is_none_or(|(c, v)| allowed(&communes, &assigned, c, v));
            prop_assert_eq!(
                result.is_ok(), expected,
                "area {:?}/{:?}, before {:?}, after {:?}: {:?}",
                communes, assigned, before, after, result.err()
            );
            if let Err(rejection) = result {
                prop_assert!(
                    rejection.code == codes::OUT_OF_SCOPE || rejection.code == codes::VILLAGE_MISMATCH,
                    "{:?}", rejection
                );
            }
        }
    }

    #[test]
    fn the_office_stores_the_normalised_form_at_a_clock_just_after_the_op() {
        let scope = Scope {
            communes: vec![COMMUNES[0].into()],
            villages: vec![],
        };
        let mut fields = household(COMMUNES[0], Some(0));
        // NFD ("e" + combining circumflex + combining tilde) and stray spaces.
        fields.insert(
            "head_name".into(),
            json!("  Nguye\u{302}\u{303}n  Văn   An "),
        );
        let op = op(fields, Uuid::now_v7(), 1_795_000_000_000);
        let plan = plan_op(&op, None, &villages(), &ctx(scope)).expect("applies");
        assert_eq!(plan.state.fields["head_name"], json!("Nguyễn Văn An"));
        let clock = plan.state.clocks["head_name"];
        assert!(clock > op.hlc && clock.node == OFFICE_NODE, "{clock:?}");
        assert_eq!(
            plan.state.clocks["address"], op.hlc,
            "fields already clean keep the op's clock"
        );
    }
}
