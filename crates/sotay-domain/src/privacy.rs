//! What a role's phone is never sent. A village board member does outreach: he needs every
//! household and person of his village, who has joined and whose period ends, but not the numbers
//! that identify a person or say what they earn and pay — ID numbers, chosen incomes, the quote
//! behind a sign-up, the amounts collected and remitted. A board member's phone is a grandson's
//! old phone; what it never holds, it cannot leak.
//!
//! The office withholds those values from the role's pulls ([`withhold`]): each is replaced by
//! the empty value of its type (`null`, `0`, `[]`, `""`) and keeps its field clock. Keeping the
//! clock keeps the record's version, so the scope checksum (which adds up versions) reads the
//! same on the phone and at the office, and the record still reads as its type on the phone.
//! The phone never sends the empty value back over the real one: the role may not write
//! sign-ups or money ([`Role::may_write`](crate::Role::may_write)), and the office drops from the
//! role's ops a withheld field set to its empty value over a value another phone wrote
//! ([`drop_blanks`]) — a phone resending a whole person must not erase an ID number it was never
//! shown. A value the board member types
//! himself (a new prospect's ID number) is not empty, and is taken.

use serde_json::{Map, Value};

use uuid::Uuid;

use crate::entities::Role;
use crate::kinds::EntityKind;
use crate::merge::RecordState;

/// The empty value a withheld field is replaced with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blank {
    /// `null`, for an optional field.
    Null,
    /// `0`, for an amount of money.
    Zero,
    /// `[]`, for a list.
    EmptyList,
    /// `""`, for text.
    EmptyText,
}

impl Blank {
    /// The JSON value.
    pub fn value(self) -> Value {
        match self {
            Blank::Null => Value::Null,
            Blank::Zero => Value::from(0),
            Blank::EmptyList => Value::Array(Vec::new()),
            Blank::EmptyText => Value::String(String::new()),
        }
    }
}

/// A board member's withheld fields: ID numbers (a person's 12-digit number and the old
/// insurance code), the sign-up's chosen income, support groups and quote, and every amount.
const BOARD_MEMBER: &[(EntityKind, &[(&str, Blank)])] = &[
    (
        EntityKind::Person,
        &[
            ("personal_id", Blank::Null),
            ("legacy_insurance_code", Blank::Null),
        ],
    ),
    (
        EntityKind::Enrollment,
        &[
            ("monthly_income", Blank::Zero),
            ("support_groups", Blank::EmptyList),
            ("quote", Blank::Null),
        ],
    ),
    (EntityKind::Payment, &[("amount", Blank::Zero)]),
    (
        EntityKind::Remittance,
        &[
            ("total", Blank::Zero),
            ("payment_ids", Blank::EmptyList),
            ("note", Blank::EmptyText),
        ],
    ),
];

/// The fields of `kind` that `role`'s phone is never sent, each with its empty value.
pub fn withheld(role: Role, kind: EntityKind) -> &'static [(&'static str, Blank)] {
    let table = match role {
        Role::BoardMember => BOARD_MEMBER,
        Role::Collector
        | Role::PostOfficeCollector
        | Role::OfficeSupervisor
        | Role::OfficeAdmin => &[],
    };
    table
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(&[], |(_, fields)| fields)
}

/// Replaces in `fields` (a record of `kind` on its way to `role`'s phone) each withheld field
/// present with its empty value. Fields absent stay absent; clocks are the caller's and stay.
pub fn withhold(role: Role, kind: EntityKind, fields: &mut Map<String, Value>) {
    for (name, blank) in withheld(role, kind) {
        if let Some(value) = fields.get_mut(*name) {
            *value = blank.value();
        }
    }
}

/// Takes out of `fields` (an op of `kind` written by `role` on the device `node`) each withheld
/// field set to its empty value where the record (`existing`) holds a value another device wrote:
/// that phone was never shown the value, so an empty one is not a decision to clear it. A value
/// the phone wrote itself it has seen, and may clear. Returns the names taken out.
pub fn drop_blanks(
    role: Role,
    kind: EntityKind,
    fields: &mut Map<String, Value>,
    existing: Option<&RecordState>,
    node: Uuid,
) -> Vec<String> {
    let Some(existing) = existing else {
        return Vec::new();
    };
    let mut dropped = Vec::new();
    for (name, blank) in withheld(role, kind) {
        let blank = blank.value();
        let hidden = existing
            .fields
            .get(*name)
            .is_some_and(|value| *value != blank)
            && existing.clocks.get(*name).is_some_and(|c| c.node != node);
        if hidden && fields.get(*name) == Some(&blank) {
            fields.remove(*name);
            dropped.push((*name).to_owned());
        }
    }
    dropped
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn a_board_member_is_not_sent_id_numbers_incomes_or_amounts() {
        let mut person = fields(json!({
            "full_name": "Trần Văn Hùng", "phone": "0912345678",
            "personal_id": "001085012345", "legacy_insurance_code": "0123456789"
        }));
        withhold(Role::BoardMember, EntityKind::Person, &mut person);
        assert_eq!(
            Value::Object(person),
            json!({"full_name": "Trần Văn Hùng", "phone": "0912345678",
                   "personal_id": null, "legacy_insurance_code": null})
        );
        let mut signup = fields(json!({
            "monthly_income": 1_500_000, "first_month": "2026-07-01", "status": "approved",
            "support_groups": ["near_poor"], "quote": {"amount_due": 594_000}
        }));
        withhold(Role::BoardMember, EntityKind::Enrollment, &mut signup);
        assert_eq!(
            Value::Object(signup),
            json!({"monthly_income": 0, "first_month": "2026-07-01", "status": "approved",
                   "support_groups": [], "quote": null})
        );
        let mut payment = fields(json!({"amount": 594_000, "months_from": "2026-07-01"}));
        withhold(Role::BoardMember, EntityKind::Payment, &mut payment);
        assert_eq!(
            Value::Object(payment),
            json!({"amount": 0, "months_from": "2026-07-01"})
        );
    }

    #[test]
    fn collectors_and_the_office_are_sent_everything() {
        for role in [
            Role::Collector,
            Role::PostOfficeCollector,
            Role::OfficeSupervisor,
            Role::OfficeAdmin,
        ] {
            for &kind in EntityKind::ALL {
                assert!(withheld(role, kind).is_empty(), "{role:?} {kind:?}");
            }
        }
        let before = fields(json!({"personal_id": "001085012345"}));
        let mut after = before.clone();
        withhold(Role::Collector, EntityKind::Person, &mut after);
        assert_eq!(after, before);
    }

    #[test]
    fn a_field_not_in_the_record_is_not_added() {
        let mut visit_like = fields(json!({"full_name": "Lò Thị Dung"}));
        withhold(Role::BoardMember, EntityKind::Person, &mut visit_like);
        assert_eq!(
            Value::Object(visit_like),
            json!({"full_name": "Lò Thị Dung"})
        );
    }

    fn hlc(wall_ms: u64, node: u8) -> crate::Hlc {
        crate::Hlc {
            wall_ms,
            counter: 0,
            node: Uuid::from_bytes([node; 16]),
        }
    }

    /// The office's person, its ID number written by the collector's phone (node 1).
    fn office_person() -> RecordState {
        let mut state = RecordState::default();
        state.apply_fields(
            &fields(json!({"full_name": "Trần Văn Hùng", "personal_id": "001085012345"})),
            hlc(1, 1),
        );
        state
    }

    #[test]
    fn an_empty_withheld_value_from_the_role_is_dropped_a_typed_one_is_kept() {
        let office = office_person();
        let board = Uuid::from_bytes([2; 16]);
        let mut resent = fields(json!({"full_name": "Trần Văn Hùng", "personal_id": null}));
        assert_eq!(
            drop_blanks(
                Role::BoardMember,
                EntityKind::Person,
                &mut resent,
                Some(&office),
                board
            ),
            ["personal_id"]
        );
        assert_eq!(Value::Object(resent), json!({"full_name": "Trần Văn Hùng"}));
        let mut typed = fields(json!({"personal_id": "001085012345"}));
        let dropped = drop_blanks(
            Role::BoardMember,
            EntityKind::Person,
            &mut typed,
            Some(&office),
            board,
        );
        assert!(dropped.is_empty());
        assert_eq!(typed.len(), 1);
        let mut collector = fields(json!({"personal_id": null}));
        let collector_node = Uuid::from_bytes([3; 16]);
        let dropped = drop_blanks(
            Role::Collector,
            EntityKind::Person,
            &mut collector,
            Some(&office),
            collector_node,
        );
        assert!(dropped.is_empty());
        assert_eq!(collector.len(), 1, "a collector may clear what he sees");
    }

    #[test]
    fn a_board_member_may_clear_what_his_own_phone_wrote_or_a_new_record() {
        let mut own = RecordState::default();
        own.apply_fields(&fields(json!({"personal_id": "001085012345"})), hlc(1, 2));
        let board = Uuid::from_bytes([2; 16]);
        let mut cleared = fields(json!({"personal_id": null}));
        let dropped = drop_blanks(
            Role::BoardMember,
            EntityKind::Person,
            &mut cleared,
            Some(&own),
            board,
        );
        assert!(dropped.is_empty(), "he typed it, he saw it");
        assert_eq!(cleared.len(), 1);
        let mut new = fields(json!({"full_name": "Lò Thị Dung", "personal_id": null}));
        assert!(
            drop_blanks(Role::BoardMember, EntityKind::Person, &mut new, None, board).is_empty()
        );
        assert_eq!(new.len(), 2);
    }
}
