//! A change to one record, as it sits in the device's outbox and travels to the office. An op
//! carries only the fields it changed; a delete is the `deleted` field set to true (a tombstone),
//! so deletes merge by the same rule as every other field.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::hlc::Hlc;
use crate::kinds::EntityKind;

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
    /// A new op (with a fresh uuid v7 id) writing `fields` of the record `entity_id`, made at
    /// `hlc` by `user_id` on `device_id`.
    pub fn new(
        entity: EntityKind,
        entity_id: Uuid,
        fields: Map<String, Value>,
        hlc: Hlc,
        user_id: Uuid,
        device_id: Uuid,
    ) -> Op {
        Op {
            op_id: Uuid::now_v7(),
            entity,
            entity_id,
            fields,
            hlc,
            user_id,
            device_id,
        }
    }

    /// Whether this op marks the record deleted.
    pub fn is_delete(&self) -> bool {
        self.fields.get(DELETED_FIELD) == Some(&Value::Bool(true))
    }
}
