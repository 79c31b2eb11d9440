//! Interested people found by the village board become the collector's follow-ups.
//!
//! A board member walks the village and logs who is interested; the stories ask that each such
//! person becomes a follow-up for the collector of the village, who can sign them up and take
//! the money (a board member may do neither). The board member's phone knows only its village,
//! not who collects there; the office does (the areas it gives its users). So after a board
//! member's push is applied, the office writes a follow-up ("Ban vận động giới thiệu") as its own
//! op for each collector whose area covers the village, due the day it was logged, and it
//! reaches the collector's phone at their next pull. The collector's next visit to the
//! household closes it, as it closes a call-back.
//!
//! The follow-up's id is derived from the visit's and the collector's (UUID v5): a visit pushed
//! again, or a push the phone retries because the office stopped between applying it and
//! writing the follow-up, makes each follow-up once.

use chrono::NaiveDate;
use serde::Deserialize;
use sotay_domain::Op;
use sotay_domain::{EntityKind, FollowUp, FollowUpReason, VisitOutcome};
use sotay_sync::protocol::OpOutcome;
use uuid::Uuid;

use crate::admin::OfficeWriter;
use crate::error::Result;
use crate::storage::OfficeStore;

/// The namespace of the follow-ups' derived ids.
const REFERRAL_NAMESPACE: Uuid = Uuid::from_u128(0x5d3c_8a0e_4f6b_4e1a_9c2d_7b8e_1f0a_3c47);

/// A note's length on the follow-up: the board member's name and the start of their notes.
const NOTE_CHARS: usize = 500;

/// What the hand-over reads of a stored visit.
#[derive(Deserialize)]
struct VisitFacts {
    household_id: Uuid,
    commune_code: String,
    village_id: Option<Uuid>,
    visited_by: Uuid,
    #[serde(default)]
    persons_met: Vec<Uuid>,
    outcome: VisitOutcome,
    #[serde(default)]
    notes: String,
}

/// The id of the follow-up that hands `visit` to `collector`.
pub fn referral_id(visit: Uuid, collector: Uuid) -> Uuid {
    let mut name = [0u8; 32];
    name[..16].copy_from_slice(visit.as_bytes());
    name[16..].copy_from_slice(collector.as_bytes());
    Uuid::new_v5(&REFERRAL_NAMESPACE, &name)
}

/// Writes a follow-up for the village's collectors for each visit of `ops` the office holds
/// (applied now or before) whose outcome is "interested". Call it for a board member's push
/// only. Returns how many follow-ups were written.
pub async fn hand_over(
    store: &impl OfficeStore,
    ops: &[Op],
    outcomes: &[OpOutcome],
    today: NaiveDate,
) -> Result<usize> {
    let mut writer = OfficeWriter::default();
    let mut written = 0;
    for (op, outcome) in ops.iter().zip(outcomes) {
        if op.entity != EntityKind::Visit || !outcome.is_acknowledged() {
            continue;
        }
        let Some(record) = store.record(op.entity_id).await? else {
            continue;
        };
        if record
            .state
            .fields
            .get(sotay_domain::DELETED_FIELD)
            .and_then(serde_json::Value::as_bool)
            == Some(true)
        {
            continue;
        }
        let Ok(visit) = serde_json::from_value::<VisitFacts>(serde_json::Value::Object(
            record.state.fields.clone(),
        )) else {
            continue;
        };
        if visit.outcome != VisitOutcome::Interested {
            continue;
        }
        let board_member = store
            .user(visit.visited_by)
            .await?
            .map(|u| u.full_name)
            .unwrap_or_default();
        let note: String = format!("{board_member} (Ban vận động): {}", visit.notes)
            .trim_end_matches([' ', ':'])
            .chars()
            .take(NOTE_CHARS)
            .collect();
        for collector in store
            .collectors_of_village(&visit.commune_code, visit.village_id)
            .await?
        {
            let id = referral_id(op.entity_id, collector);
            if store.record(id).await?.is_some() {
                continue;
            }
            let follow_up = FollowUp {
                id,
                household_id: visit.household_id,
                person_id: match visit.persons_met.as_slice() {
                    [one] => Some(*one),
                    _ => None,
                },
                commune_code: visit.commune_code.clone(),
                village_id: visit.village_id,
                assigned_to: collector,
                due_date: today,
                reason: FollowUpReason::Referral,
                note: note.clone(),
                done: false,
            };
            writer
                .write_record(store, EntityKind::FollowUp, &follow_up)
                .await?;
            written += 1;
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_visit_and_collector_has_its_own_stable_id() {
        let visit = Uuid::from_u128(1);
        let (a, b) = (Uuid::from_u128(2), Uuid::from_u128(3));
        assert_eq!(referral_id(visit, a), referral_id(visit, a));
        assert_ne!(referral_id(visit, a), referral_id(visit, b));
        assert_ne!(referral_id(visit, a), referral_id(Uuid::from_u128(4), a));
    }
}
