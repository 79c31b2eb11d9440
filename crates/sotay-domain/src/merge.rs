//! Field-level merge of ops into a record: the rule that makes every device and the office
//! converge whatever order ops arrive in (sync promise 3).
//!
//! Each field keeps the HLC of the write that set it. An incoming field replaces the stored one
//! only if its HLC is greater (the HLC's node part breaks ties, so two writes never compare
//! equal unless they are the same write). Fields an op does not mention are untouched, so two
//! people editing different fields of one record both win. When two different devices wrote
//! different values to the same field, the older value is reported as a [`LostWrite`] for the
//! conflict log — whichever order the two arrived in.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

use crate::hlc::Hlc;
use crate::op::Op;

/// The merged state of one record: field values and the clock of the write behind each.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordState {
    /// Field values by JSON name.
    pub fields: Map<String, Value>,
    /// The HLC of the write that set each field.
    pub clocks: BTreeMap<String, Hlc>,
}

/// A value that lost to a later write by another device (kept for the office's conflict log).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LostWrite {
    /// The field.
    pub field: String,
    /// The losing value.
    pub value: Value,
    /// The losing write's clock.
    pub hlc: Hlc,
    /// The winning write's clock.
    pub winner: Hlc,
}

/// The key of the shared clock in the compact form of a record's clocks.
pub const SHARED_CLOCK: &str = "*";

impl RecordState {
    /// The clocks in compact form: most records were written at one clock for most fields (the
    /// write that created them), so that clock is kept once under [`SHARED_CLOCK`] and only the
    /// fields written at another clock are listed. A full clock is 57 characters; listing it
    /// for every field would double the size of a visit, on the phone and on the wire. Clocks
    /// that do not match the fields one to one are returned as they are.
    pub fn compact_clocks(&self) -> BTreeMap<String, Hlc> {
        let one_each = !self.clocks.is_empty()
            && self.clocks.len() == self.fields.len()
            && self
                .clocks
                .keys()
                .all(|k| self.fields.contains_key(k) && k != SHARED_CLOCK);
        if !one_each {
            return self.clocks.clone();
        }
        let mut counts: BTreeMap<Hlc, usize> = BTreeMap::new();
        for hlc in self.clocks.values() {
            *counts.entry(*hlc).or_default() += 1;
        }
        let Some(shared) = counts
            .iter()
            .max_by_key(|(hlc, n)| (**n, **hlc))
            .map(|(hlc, _)| *hlc)
        else {
            return self.clocks.clone();
        };
        let mut out = BTreeMap::new();
        out.insert(SHARED_CLOCK.to_owned(), shared);
        for (field, hlc) in &self.clocks {
            if *hlc != shared {
                out.insert(field.clone(), *hlc);
            }
        }
        out
    }

    /// One clock per field of `fields` from clocks in compact (or full) form.
    pub fn expand_clocks(
        mut clocks: BTreeMap<String, Hlc>,
        fields: &Map<String, Value>,
    ) -> BTreeMap<String, Hlc> {
        if let Some(shared) = clocks.remove(SHARED_CLOCK) {
            for field in fields.keys() {
                clocks.entry(field.clone()).or_insert(shared);
            }
        }
        clocks
    }

    /// Merges one op; returns the writes that lost a conflict. Applying the same op twice
    /// changes nothing the second time.
    pub fn apply(&mut self, op: &Op) -> Vec<LostWrite> {
        self.apply_fields(&op.fields, op.hlc)
    }

    /// Merges `fields` written at `hlc`.
    pub fn apply_fields(&mut self, fields: &Map<String, Value>, hlc: Hlc) -> Vec<LostWrite> {
        let mut lost = Vec::new();
        for (name, value) in fields {
            match self.clocks.get(name) {
                Some(current) if *current >= hlc => {
                    if *current != hlc
                        && current.node != hlc.node
                        && self.fields.get(name) != Some(value)
                    {
                        lost.push(LostWrite {
                            field: name.clone(),
                            value: value.clone(),
                            hlc,
                            winner: *current,
                        });
                    }
                }
                current => {
                    if let (Some(current), Some(old)) = (current, self.fields.get(name))
                        && current.node != hlc.node
                        && old != value
                    {
                        lost.push(LostWrite {
                            field: name.clone(),
                            value: old.clone(),
                            hlc: *current,
                            winner: hlc,
                        });
                    }
                    self.fields.insert(name.clone(), value.clone());
                    self.clocks.insert(name.clone(), hlc);
                }
            }
        }
        lost
    }

    /// Merges another replica's state of the same record (what a pull delivers): each field is
    /// taken with the clock it was written at, so merging states equals applying their ops.
    pub fn merge(&mut self, other: &RecordState) -> Vec<LostWrite> {
        let mut lost = Vec::new();
        for (name, hlc) in &other.clocks {
            if let Some(value) = other.fields.get(name) {
                let mut one = Map::new();
                one.insert(name.clone(), value.clone());
                lost.extend(self.apply_fields(&one, *hlc));
            }
        }
        lost
    }

    /// The greatest clock of any field: the record's version.
    pub fn version(&self) -> Option<Hlc> {
        self.clocks.values().max().copied()
    }
}

/// A stable 64-bit digest of one record's identity and version, for the order-independent scope
/// checksum (sync promise 10): the office and the device each add up (wrapping) the digests of
/// the records in a scope and compare the sums. FNV-1a, written out because it must never change
/// between versions or platforms.
pub fn record_digest(entity: &str, id: &uuid::Uuid, version: Option<Hlc>) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let version = version.map(|v| v.to_string()).unwrap_or_default();
    let mut hash = OFFSET;
    for byte in entity
        .bytes()
        .chain([0])
        .chain(*id.as_bytes())
        .chain([0])
        .chain(version.bytes())
    {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(PRIME);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::EntityKind;
    use proptest::prelude::*;
    use serde_json::json;
    use uuid::Uuid;

    fn op(node: u8, wall: u64, fields: Value) -> Op {
        Op {
            op_id: Uuid::now_v7(),
            entity: EntityKind::Person,
            entity_id: Uuid::from_bytes([7; 16]),
            fields: fields.as_object().unwrap().clone(),
            hlc: Hlc {
                wall_ms: wall,
                counter: 0,
                node: Uuid::from_bytes([node; 16]),
            },
            user_id: Uuid::from_bytes([node; 16]),
            device_id: Uuid::from_bytes([node; 16]),
        }
    }

    #[test]
    fn different_fields_both_win() {
        let mut state = RecordState::default();
        state.apply(&op(1, 10, json!({"phone": "0912345678"})));
        let lost = state.apply(&op(2, 5, json!({"notes": "gọi lại Chủ nhật"})));
        assert!(
            lost.is_empty(),
            "edits to different fields are not conflicts"
        );
        assert_eq!(state.fields["phone"], "0912345678");
        assert_eq!(state.fields["notes"], "gọi lại Chủ nhật");
    }

    #[test]
    fn same_field_later_clock_wins_and_loser_is_logged_in_either_order() {
        let older = op(1, 10, json!({"phone": "0911111111"}));
        let newer = op(2, 20, json!({"phone": "0922222222"}));
        for order in [[&older, &newer], [&newer, &older]] {
            let mut state = RecordState::default();
            let lost: Vec<LostWrite> = order.iter().flat_map(|o| state.apply(o)).collect();
            assert_eq!(state.fields["phone"], "0922222222", "the later HLC wins");
            assert_eq!(
                lost.len(),
                1,
                "the losing value is logged whatever the arrival order"
            );
            assert_eq!(lost[0].value, "0911111111");
        }
    }

    #[test]
    fn same_clock_on_two_devices_is_decided_by_device_id_in_either_order() {
        // Both phones wrote the same field in the same millisecond with the same counter.
        let low = op(1, 10, json!({"phone": "0911111111"}));
        let high = op(2, 10, json!({"phone": "0922222222"}));
        for order in [[&low, &high], [&high, &low]] {
            let mut state = RecordState::default();
            let lost: Vec<LostWrite> = order.iter().flat_map(|o| state.apply(o)).collect();
            assert_eq!(
                state.fields["phone"], "0922222222",
                "the greater device id wins the tie"
            );
            assert_eq!(lost.len(), 1);
            assert_eq!(lost[0].value, "0911111111");
        }
    }

    #[test]
    fn same_device_sequential_edits_are_not_conflicts() {
        let mut state = RecordState::default();
        state.apply(&op(1, 10, json!({"full_name": "Nguyen Van Duc"})));
        let lost = state.apply(&op(1, 11, json!({"full_name": "Nguyễn Văn Đức"})));
        assert!(
            lost.is_empty(),
            "a device correcting its own value is not a conflict"
        );
    }

    #[test]
    fn merging_states_equals_applying_ops() {
        let a = op(1, 10, json!({"phone": "0911111111", "notes": "a"}));
        let b = op(2, 20, json!({"phone": "0922222222"}));
        let mut one = RecordState::default();
        one.apply(&a);
        let mut two = RecordState::default();
        two.apply(&b);
        let mut both = RecordState::default();
        both.apply(&a);
        both.apply(&b);
        one.merge(&two);
        assert_eq!(
            one, both,
            "merging replica states must equal applying every op"
        );
    }

    #[test]
    fn digest_depends_on_identity_and_version() {
        let id = Uuid::from_bytes([1; 16]);
        let v1 = Some(Hlc {
            wall_ms: 1,
            counter: 0,
            node: id,
        });
        let v2 = Some(Hlc {
            wall_ms: 2,
            counter: 0,
            node: id,
        });
        assert_eq!(
            record_digest("person", &id, v1),
            record_digest("person", &id, v1)
        );
        assert_ne!(
            record_digest("person", &id, v1),
            record_digest("person", &id, v2)
        );
        assert_ne!(
            record_digest("person", &id, v1),
            record_digest("visit", &id, v1)
        );
    }

    fn arb_op() -> impl Strategy<Value = Op> {
        (
            1u8..4,
            0u64..6,
            prop::sample::subsequence(vec!["a", "b", "c", "deleted"], 1..4),
            0i64..3,
        )
            .prop_map(|(node, wall, names, v)| {
                let fields: Map<String, Value> = names
                    .into_iter()
                    .map(|n| (n.to_owned(), json!(v + node as i64)))
                    .collect();
                op(node, wall, Value::Object(fields))
            })
    }

    proptest! {
        #[test]
        fn any_order_with_duplicates_converges(mut ops in prop::collection::vec(arb_op(), 1..12), seed in any::<u64>()) {
            // A device's clock never issues the same timestamp twice, but two devices can: number
            // each device's ops on its own, so equal (wall, counter) pairs of different devices
            // occur and only the device id breaks the tie.
            let mut issued = std::collections::HashMap::new();
            for o in ops.iter_mut() {
                let n = issued.entry(o.hlc.node).or_insert(0u32);
                o.hlc.counter = *n;
                *n += 1;
            }
            let mut forward = RecordState::default();
            for o in &ops { forward.apply(o); }
            // A shuffled order with every op delivered twice.
            let mut shuffled: Vec<&Op> = ops.iter().chain(ops.iter()).collect();
            let mut s = seed;
            for i in (1..shuffled.len()).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                shuffled.swap(i, (s >> 33) as usize % (i + 1));
            }
            let mut other = RecordState::default();
            for o in shuffled { other.apply(o); }
            prop_assert_eq!(forward, other);
        }
    }
}
