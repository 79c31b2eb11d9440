//! The outbox and pull API the sync client builds on: order, acknowledgement, quarantine,
//! field-by-field merge of pulled records, the cursor, the clock and the scope checksum.

use crate::common::*;
use serde_json::{Map, json};
use sotay_domain::merge::{RecordState, record_digest};
use sotay_domain::*;
use sotay_store::{ApplyReport, RemoteChange};
use uuid::Uuid;

/// Applies one pulled record as a page of its own, with `cursor`.
fn apply_one(
    fx: &Fixture,
    entity: EntityKind,
    entity_id: Uuid,
    state: RecordState,
    cursor: &str,
) -> ApplyReport {
    fx.store
        .apply_remote(
            &[RemoteChange {
                entity,
                entity_id,
                state,
            }],
            cursor,
        )
        .expect("apply a pulled record")
}

#[test]
fn pending_ops_come_in_order_and_acks_are_idempotent() {
    let fx = Fixture::new();
    let a = household(None, "Hộ A", "Thôn 1");
    let b = household(None, "Hộ B", "Thôn 1");
    let op_a = fx.store.save_household(&a).unwrap().unwrap();
    let op_b = fx.store.save_household(&b).unwrap().unwrap();
    let op_a2 = fx
        .store
        .save_household(&Household {
            notes: "sửa".into(),
            ..a
        })
        .unwrap()
        .unwrap();
    let pending = fx.store.outbox_pending(10).unwrap();
    assert_eq!(
        pending,
        vec![op_a.clone(), op_b.clone(), op_a2.clone()],
        "in the order made"
    );
    assert_eq!(
        fx.store.outbox_pending(2).unwrap().len(),
        2,
        "limit respected"
    );
    assert_eq!(fx.store.outbox_pending_count().unwrap(), 3);
    fx.store.outbox_ack(&[op_a.op_id, op_b.op_id]).unwrap();
    fx.store.outbox_ack(&[op_a.op_id, Uuid::now_v7()]).unwrap();
    assert_eq!(fx.store.outbox_pending(10).unwrap(), vec![op_a2]);
}

#[test]
fn a_rejected_op_is_quarantined_shown_on_the_record_and_cleared_by_a_fix() {
    let fx = Fixture::new();
    let (_, p) = saved_family(&fx, "Lý Thị Yến", 11);
    let ops = fx.store.outbox_pending(10).unwrap();
    let person_op = ops
        .iter()
        .find(|o| o.entity == EntityKind::Person)
        .unwrap()
        .clone();
    let h2 = household(None, "Hộ sau", "Thôn 2");
    let later = fx.store.save_household(&h2).unwrap().unwrap();
    fx.store
        .outbox_reject(
            person_op.op_id,
            "validation",
            "Thiếu số điện thoại",
            Some("phone"),
        )
        .unwrap();
    fx.store
        .outbox_reject(person_op.op_id, "validation", "lặp lại", None)
        .expect("rejecting again is harmless");
    let pending = fx.pending_op_ids();
    assert!(
        !pending.contains(&person_op.op_id),
        "a quarantined op is not pushed again"
    );
    assert!(
        pending.contains(&later.op_id),
        "the queue behind it keeps flowing"
    );
    let shown = fx.store.rejections_for(EntityKind::Person, p.id).unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!(
        (shown[0].code.as_str(), shown[0].field.as_deref()),
        ("validation", Some("phone"))
    );
    assert_eq!(shown[0].op, person_op);
    assert_eq!(fx.store.list_rejections().unwrap().len(), 1);
    assert_eq!(
        fx.store.rejected_count().unwrap(),
        1,
        "the count agrees with the list"
    );

    // The user fixes the phone: the record goes back whole, and the rejection disappears.
    let fixed = Person {
        phone: Some("0987654321".into()),
        ..p
    };
    let op = fx
        .store
        .save_person(&fixed)
        .unwrap()
        .expect("a fix produces a fresh op");
    assert!(
        op.fields.contains_key("full_name"),
        "the whole record is sent again: {op:?}"
    );
    assert_eq!(op.fields["phone"], json!("0987654321"));
    assert!(
        fx.store
            .rejections_for(EntityKind::Person, fixed.id)
            .unwrap()
            .is_empty()
    );
    assert!(fx.store.list_rejections().unwrap().is_empty());
    assert_eq!(fx.store.rejected_count().unwrap(), 0);
}

#[test]
fn pulled_records_merge_field_by_field_and_local_unsent_edits_survive() {
    let fx = Fixture::new();
    let (h, p) = saved_family(&fx, "Hoàng Văn Quân", 12);
    // The office has an older phone edit and a newer decision on another field.
    let local_edit = Person {
        notes: "ghi chú mới trên máy".into(),
        ..p.clone()
    };
    let local_op = fx.store.save_person(&local_edit).unwrap().unwrap();
    let mut fields = Map::new();
    fields.insert("notes".into(), json!("ghi chú cũ ở văn phòng"));
    fields.insert("stage".into(), json!("enrolled"));
    let mut clocks = std::collections::BTreeMap::new();
    clocks.insert("notes".into(), office_hlc(1_000)); // older than the device's edit
    clocks.insert("stage".into(), office_hlc(local_op.hlc.wall_ms + 50));
    let mut office = fx
        .store
        .record_state(EntityKind::Person, p.id)
        .unwrap()
        .unwrap();
    office.fields.extend(fields);
    office.clocks.extend(clocks);
    let report = apply_one(&fx, EntityKind::Person, p.id, office.clone(), "cursor-1");
    assert_eq!(report.applied, 1);
    let merged = fx.store.get_person(p.id).unwrap().unwrap();
    assert_eq!(
        merged.notes, "ghi chú mới trên máy",
        "the newer local edit survives"
    );
    assert_eq!(
        merged.stage,
        Stage::Enrolled,
        "the office's newer field is taken"
    );
    assert_eq!(fx.store.sync_cursor().unwrap().as_deref(), Some("cursor-1"));
    assert!(
        fx.store.clock().unwrap() > office.version().unwrap(),
        "the device clock moved past what it saw"
    );
    assert!(
        fx.store
            .outbox_pending(10)
            .unwrap()
            .iter()
            .any(|o| o.op_id == local_op.op_id),
        "the unsent local op is still queued"
    );
    let again = apply_one(&fx, EntityKind::Person, p.id, office, "cursor-2");
    assert_eq!(
        (again.applied, again.unchanged),
        (0, 1),
        "a repeated page changes nothing"
    );
    // A record pulled for the first time is materialised, searchable and listed.
    let other = household(None, "Triệu Thị Vân", "Thôn Mới");
    apply_one(
        &fx,
        EntityKind::Household,
        other.id,
        remote_state(&other, office_hlc(5_000)),
        "cursor-3",
    );
    assert_eq!(
        fx.store.get_household(other.id).unwrap(),
        Some(other.clone())
    );
    assert!(
        fx.store
            .search("trieu van", 5)
            .unwrap()
            .iter()
            .any(|hit| hit.household == other)
    );
    assert_eq!(fx.store.get_household(h.id).unwrap(), Some(h));
}

#[test]
fn a_pulled_tombstone_hides_the_record() {
    let fx = Fixture::new();
    let (_, p) = saved_family(&fx, "Mai Văn Phúc", 13);
    let mut state = RecordState::default();
    state.fields.insert(DELETED_FIELD.into(), json!(true));
    state
        .clocks
        .insert(DELETED_FIELD.into(), office_hlc(u64::MAX / 4));
    let mut full = fx
        .store
        .record_state(EntityKind::Person, p.id)
        .unwrap()
        .unwrap();
    full.merge(&state);
    apply_one(&fx, EntityKind::Person, p.id, full, "c");
    assert_eq!(fx.store.get_person(p.id).unwrap(), None);
    assert!(
        fx.store
            .search("phuc", 5)
            .unwrap()
            .iter()
            .all(|hit| hit.person.is_none()),
        "deleted persons leave the index (the household still matches by its head's name)"
    );
}

#[test]
fn a_record_this_version_cannot_read_is_kept_and_reported_not_dropped() {
    let fx = Fixture::new();
    let h = household(None, "Hộ tương lai", "Thôn 9");
    let mut state = remote_state(&h, office_hlc(2_000));
    state
        .fields
        .insert("poverty_status".into(), json!("new_status_from_2027"));
    let report = apply_one(&fx, EntityKind::Household, h.id, state.clone(), "c1");
    assert_eq!(report.unreadable.len(), 1, "{report:?}");
    assert_eq!(report.unreadable[0].entity_id, h.id);
    assert_eq!(
        fx.store.record_state(EntityKind::Household, h.id).unwrap(),
        Some(state.clone()),
        "the raw merged state is kept"
    );
    assert_eq!(fx.store.unreadable_records().unwrap().len(), 1);
    let (count, _) = fx.store.scope_checksum().unwrap();
    assert_eq!(count, 1, "a kept raw record counts in the checksum");
    // The office later sends a value this version knows: the record becomes readable.
    let mut fix = RecordState::default();
    fix.fields.insert("poverty_status".into(), json!("poor"));
    fix.clocks
        .insert("poverty_status".into(), office_hlc(3_000));
    let report = apply_one(&fx, EntityKind::Household, h.id, fix, "c2");
    assert_eq!((report.applied, report.unreadable.len()), (1, 0));
    assert_eq!(
        fx.store
            .get_household(h.id)
            .unwrap()
            .map(|h| h.poverty_status),
        Some(PovertyStatus::Poor)
    );
    assert!(fx.store.unreadable_records().unwrap().is_empty());
}

#[test]
fn the_scope_checksum_matches_the_digests_of_every_record_held() {
    let fx = Fixture::new();
    let (h, p) = saved_family(&fx, "Cao Văn Trung", 14);
    let (_, q) = saved_family(&fx, "Cao Thị Hoa", 15);
    fx.store.delete_person(q.id).unwrap();
    let mut expected: u64 = 0;
    let mut count = 0;
    for (kind, id) in [
        (EntityKind::Household, h.id),
        (EntityKind::Person, p.id),
        (EntityKind::Household, q.household_id),
        (EntityKind::Person, q.id),
    ] {
        let state = fx.store.record_state(kind, id).unwrap().unwrap();
        expected = expected.wrapping_add(record_digest(kind.as_str(), &id, state.version()));
        count += 1;
    }
    assert_eq!(
        fx.store.scope_checksum().unwrap(),
        (count, expected),
        "tombstones included"
    );
}

#[test]
fn cursor_clock_and_last_sync_are_kept_across_restarts() {
    let mut fx = Fixture::new();
    assert_eq!(fx.store.sync_cursor().unwrap(), None);
    fx.store.set_sync_cursor(Some("seq:42")).unwrap();
    fx.store.set_last_sync_at(now()).unwrap();
    let seen = Hlc {
        wall_ms: 9_999_999_999_999,
        counter: 3,
        node: Uuid::from_bytes([9; 16]),
    };
    let after = fx.store.observe_clock(seen).unwrap();
    assert!(after > seen);
    fx.reopen();
    assert_eq!(fx.store.sync_cursor().unwrap().as_deref(), Some("seq:42"));
    assert_eq!(fx.store.last_sync_at().unwrap(), Some(now()));
    assert_eq!(fx.store.clock().unwrap(), after);
    let h = household(None, "Sau đồng bộ", "Thôn 3");
    let op = fx.store.save_household(&h).unwrap().unwrap();
    assert!(
        op.hlc > seen,
        "a slow phone's edit sorts after what it saw from the office"
    );
    fx.store.reset_sync_cursor().unwrap();
    assert_eq!(fx.store.sync_cursor().unwrap(), None);
}

/// Office writes made before December 2026 did not repeat the record id among their fields: the
/// phone reads them all the same (the change's entity id stands in), so a village made by the
/// office is on the phone and households can name it.
#[test]
fn a_pulled_record_without_its_id_field_is_read_with_the_change_id() {
    let fx = Fixture::new();
    let v = village("Thôn Đông");
    let mut state = remote_state(
        &v,
        Hlc {
            wall_ms: 1_795_000_000_000,
            counter: 0,
            node: Uuid::from_u128(0x0ff1),
        },
    );
    state.fields.remove("id");
    state.clocks.remove("id");
    let report = apply_one(&fx, EntityKind::Village, v.id, state, "cursor-1");
    assert_eq!((report.applied, report.unreadable.len()), (1, 0));
    assert_eq!(fx.store.get_village(v.id).unwrap(), Some(v.clone()));
    fx.store
        .save_household(&household(Some(v.id), "Lê Văn Mới", "Thôn Đông"))
        .expect("a household of the office's village saves");
}

/// After the office is restored from a backup, the device queues again every field it wrote
/// itself, each op at the clock the fields were written at (so the office merges exactly the
/// clocks the device has), forgets its cursor and notes the new epoch; fields written by others
/// are theirs to resend.
#[test]
fn an_office_restore_queues_the_devices_own_writes_at_their_clocks() {
    let fx = Fixture::new();
    fx.store.set_office_epoch("epoch-1").unwrap();
    let (h, p) = saved_family(&fx, "Phùng Văn Lưu", 8);
    // A field of the person edited later: a second clock of the device's own.
    fx.clock.advance(chrono::TimeDelta::minutes(5));
    fx.store
        .save_person(&Person {
            notes: "Hẹn Chủ nhật".into(),
            ..p.clone()
        })
        .unwrap();
    // A household written by another phone, pulled.
    let theirs = household(None, "Hộ của máy khác", "Thôn Đoài");
    let other = Hlc {
        wall_ms: 1_795_000_000_000,
        counter: 0,
        node: Uuid::now_v7(),
    };
    apply_one(
        &fx,
        EntityKind::Household,
        theirs.id,
        remote_state(&theirs, other),
        "41",
    );
    let pending = fx.pending_op_ids();
    fx.store.outbox_ack(&pending).unwrap();

    let queued = fx.store.office_restored("epoch-2").unwrap();
    let ops = fx.store.outbox_pending(100).unwrap();
    assert_eq!(queued, ops.len());
    assert_eq!(
        queued, 3,
        "the household, and the person at its two clocks: {ops:#?}"
    );
    assert!(
        ops.iter().all(|o| o.hlc.node == fx.identity.device_id),
        "own writes only"
    );
    assert!(
        ops.iter().all(|o| o.entity_id != theirs.id),
        "not the other phone's household"
    );
    let person_ops: Vec<_> = ops.iter().filter(|o| o.entity_id == p.id).collect();
    let local = fx
        .store
        .record_state(EntityKind::Person, p.id)
        .unwrap()
        .unwrap();
    for op in &person_ops {
        for field in op.fields.keys() {
            assert_eq!(
                local.clocks[field], op.hlc,
                "{field} goes at the clock it was written at"
            );
        }
    }
    assert!(ops.iter().any(|o| o.entity_id == h.id));
    assert_eq!(
        fx.store.sync_cursor().unwrap(),
        None,
        "pull again from the start"
    );
    assert_eq!(fx.store.office_epoch().unwrap().as_deref(), Some("epoch-2"));
}
