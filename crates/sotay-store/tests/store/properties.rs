//! Property tests: the outbox is a faithful log of every save (replaying it rebuilds each
//! record), and pulled pages merge to the same state whatever order they arrive in.

use crate::common::*;
use proptest::prelude::*;
use serde_json::{Value, json};
use sotay_domain::merge::RecordState;
use sotay_domain::*;
use sotay_store::{DeviceIdentity, RemoteChange, SettableClock, Store};
use std::sync::Arc;
use uuid::Uuid;

fn memory_store(clock: &SettableClock) -> Store {
    Store::open_in_memory_with_clock(
        DeviceIdentity {
            device_id: Uuid::now_v7(),
            user_id: Uuid::now_v7(),
        },
        Arc::new(clock.clone()),
    )
    .unwrap()
}

#[derive(Clone, Debug)]
enum Edit {
    Notes(String),
    Stage(Stage),
    Phone(Option<u32>),
    Name(String),
    Delete,
    ClockJump(i64),
}

fn arb_edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        "[a-zA-Zàáảãạăđêôơư ]{0,12}".prop_map(Edit::Notes),
        prop::sample::select(vec![
            Stage::Prospect,
            Stage::Contacted,
            Stage::Interested,
            Stage::Enrolled
        ])
        .prop_map(Edit::Stage),
        prop::option::of(0u32..999_999).prop_map(Edit::Phone),
        prop::sample::select(vec!["Nguyễn Văn A", "Trần Thị Bích", "Lê Đức Thọ"])
            .prop_map(|s| Edit::Name(s.into())),
        Just(Edit::Delete),
        (-100_000i64..100_000).prop_map(Edit::ClockJump),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn replaying_the_outbox_rebuilds_every_saved_record(edits in prop::collection::vec(arb_edit(), 1..25)) {
        let clock = SettableClock::new(now());
        let store = memory_store(&clock);
        let h = household(None, "Hộ thử", "Thôn thử");
        store.save_household(&h).unwrap();
        let mut current = person(&h, "Nguyễn Văn A", 1);
        store.save_person(&current).unwrap();
        let mut deleted = false;
        for edit in edits {
            match edit {
                Edit::Notes(n) => current.notes = n,
                Edit::Stage(s) => current.stage = s,
                Edit::Phone(p) => current.phone = p.map(|p| format!("0912{p:06}")),
                Edit::Name(n) => current.full_name = n,
                Edit::ClockJump(ms) => { clock.advance(chrono::TimeDelta::milliseconds(ms)); continue; }
                Edit::Delete => {
                    store.delete_person(current.id).unwrap();
                    deleted = true;
                    continue;
                }
            }
            store.save_person(&current).unwrap();
            deleted = false;
        }
        let ops = store.outbox_pending(10_000).unwrap();
        let mut replayed = RecordState::default();
        let mut last = None;
        for op in ops.iter().filter(|o| o.entity_id == current.id) {
            prop_assert!(last.is_none_or(|l| op.hlc > l), "ops of one record have increasing clocks");
            last = Some(op.hlc);
            replayed.apply(op);
        }
        let stored = store.record_state(EntityKind::Person, current.id).unwrap().unwrap();
        prop_assert_eq!(&replayed, &stored, "the outbox holds exactly what the record became");
        let expected = if deleted { None } else { Some(current.clone()) };
        prop_assert_eq!(store.get_person(current.id).unwrap(), expected);
        let by_name = store.search(&current.full_name, 50).unwrap();
        prop_assert_eq!(
            by_name.iter().any(|hit| hit.person.as_ref().is_some_and(|p| p.id == current.id)),
            !deleted,
            "the search index follows saves and deletes"
        );
    }

    #[test]
    fn pulled_pages_converge_in_any_order(
        writes in prop::collection::vec((0u8..3, 1u64..50, prop::sample::subsequence(vec!["head_name", "notes", "address", "poverty_status"], 1..4)), 1..10),
        seed in any::<u64>(),
    ) {
        let base = household(None, "Hộ gốc", "Thôn gốc");
        let Value::Object(base_fields) = serde_json::to_value(&base).unwrap() else { unreachable!() };
        // The office's first state holds every field; later states change a few fields each.
        let origin = Hlc { wall_ms: 1, counter: 0, node: Uuid::from_bytes([7; 16]) };
        let mut states = vec![RecordState {
            clocks: base_fields.keys().map(|k| (k.clone(), origin)).collect(),
            fields: base_fields,
        }];
        for (i, (node, wall, names)) in writes.into_iter().enumerate() {
            let hlc = Hlc { wall_ms: wall, counter: i as u32, node: Uuid::from_bytes([node + 1; 16]) };
            let mut state = RecordState::default();
            for name in names {
                let value = match name {
                    "poverty_status" => json!(["poor", "near_poor", "none"][usize::from(node)]),
                    _ => json!(format!("{name} {node}-{wall}")),
                };
                state.fields.insert(name.into(), value);
                state.clocks.insert(name.into(), hlc);
            }
            states.push(state);
        }
        let mut shuffled = states.clone();
        let mut s = seed;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            shuffled.swap(i, usize::try_from(s >> 33).unwrap() % (i + 1));
        }
        let clock = SettableClock::new(now());
        let (a, b) = (memory_store(&clock), memory_store(&clock));
        for (store, order) in [(&a, &states), (&b, &shuffled)] {
            for (page, state) in order.iter().enumerate() {
                store.apply_remote(
                    &[RemoteChange { entity: EntityKind::Household, entity_id: base.id, state: state.clone() }],
                    &format!("page-{page}"),
                ).unwrap();
            }
        }
        let state_a = a.record_state(EntityKind::Household, base.id).unwrap();
        prop_assert_eq!(&state_a, &b.record_state(EntityKind::Household, base.id).unwrap());
        prop_assert_eq!(a.get_household(base.id).unwrap(), b.get_household(base.id).unwrap());
        prop_assert!(a.get_household(base.id).unwrap().is_some(), "a complete record becomes readable whatever the order");
        prop_assert_eq!(a.scope_checksum().unwrap(), b.scope_checksum().unwrap());
        prop_assert!(a.unreadable_records().unwrap().is_empty() && b.unreadable_records().unwrap().is_empty());
    }
}
