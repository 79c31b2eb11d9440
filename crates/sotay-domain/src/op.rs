//! A change to one record, as it sits in the device's outbox and travels to the office. An op
//! carries only the fields it changed; a delete is the `deleted` field set to true (a tombstone),
//! so deletes merge by the same rule as every other field.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::hlc::Hlc;

/// The kinds of record that sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// Thôn / tổ dân phố (made by the office).
    Village,
    /// Hộ gia đình.
    Household,
    /// Người.
    Person,
    /// Lượt tiếp cận.
    Visit,
    /// Việc cần làm.
    FollowUp,
    /// Hoạt động tuyên truyền.
    OutreachEvent,
    /// Tờ khai.
    Enrollment,
    /// Khoản thu.
    Payment,
    /// Nộp tiền.
    Remittance,
    /// Chỉ tiêu (made by the office).
    Quota,
}

impl EntityKind {
    /// Every kind, in an order where parents come before children.
    pub const ALL: [EntityKind; 10] = [
        EntityKind::Village,
        EntityKind::Household,
        EntityKind::Person,
        EntityKind::Visit,
        EntityKind::FollowUp,
        EntityKind::OutreachEvent,
        EntityKind::Enrollment,
        EntityKind::Payment,
        EntityKind::Remittance,
        EntityKind::Quota,
    ];

    /// The Vietnamese name users know the kind by, for messages.
    pub fn label_vi(self) -> &'static str {
        match self {
            EntityKind::Village => "thôn/tổ dân phố",
            EntityKind::Household => "hộ gia đình",
            EntityKind::Person => "người",
            EntityKind::Visit => "lượt tiếp cận",
            EntityKind::FollowUp => "việc cần làm",
            EntityKind::OutreachEvent => "hoạt động tuyên truyền",
            EntityKind::Enrollment => "tờ khai",
            EntityKind::Payment => "khoản thu",
            EntityKind::Remittance => "lần nộp tiền",
            EntityKind::Quota => "chỉ tiêu",
        }
    }

    /// The snake_case name, as on the wire and in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Village => "village",
            EntityKind::Household => "household",
            EntityKind::Person => "person",
            EntityKind::Visit => "visit",
            EntityKind::FollowUp => "follow_up",
            EntityKind::OutreachEvent => "outreach_event",
            EntityKind::Enrollment => "enrollment",
            EntityKind::Payment => "payment",
            EntityKind::Remittance => "remittance",
            EntityKind::Quota => "quota",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(name: &str) -> Option<EntityKind> {
        EntityKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// The field that marks a record deleted (a tombstone: user data is never hard-deleted).
pub const DELETED_FIELD: &str = "deleted";

/// One change to one record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Op {
    /// Unique id of this change (uuid v7, made on the device): the office applies it once.
    pub op_id: Uuid,
    /// What kind of record.
    pub entity: EntityKind,
    /// Which record.
    pub entity_id: Uuid,
    /// The fields changed, by their JSON names, with their new values.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub fields: Map<String, Value>,
    /// When, by the device's hybrid logical clock: `WWWWWWWWWWWWW-CCCCCC-<node uuid>` (wall
    /// milliseconds, counter, node).
    #[cfg_attr(
        feature = "openapi",
        schema(
            value_type = String,
            pattern = "^[0-9]{13}-[0-9]{6}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
        )
    )]
    pub hlc: Hlc,
    /// Who made it.
    pub user_id: Uuid,
    /// On which device.
    pub device_id: Uuid,
}

impl Op {
    /// Whether this op marks the record deleted.
    pub fn is_delete(&self) -> bool {
        self.fields.get(DELETED_FIELD) == Some(&Value::Bool(true))
    }
}
