//! Hội nghị (Meetings): outreach events — conferences, dialogues, loudspeaker broadcasts,
//! village meetings — with their attendance.

use sotay_domain::{OutreachEvent, OutreachKind, new_id};
use tauri::State;
use uuid::Uuid;

use crate::dto::{MeetingDto, MeetingInput};
use crate::error::{CmdResult, CommandError};
use crate::forms;
use crate::state::AppState;

/// Most events listed.
const LIMIT: usize = 200;

/// Outreach events, newest first.
#[tauri::command(async)]
pub fn meetings(state: State<'_, AppState>) -> CmdResult<Vec<MeetingDto>> {
    state.with_store(|store, _| {
        let villages = store.villages()?;
        Ok(store
            .outreach_events(LIMIT)?
            .into_iter()
            .map(|event| MeetingDto {
                village_name: event.village_id.and_then(|id| {
                    villages
                        .iter()
                        .find(|v| v.village.id == id)
                        .map(|v| v.village.name.clone())
                }),
                event,
            })
            .collect())
    })
}

/// Records an outreach event in a village of the user's area (or the first commune), or
/// corrects one (`input.id`). How many came is asked of every kind but a loudspeaker broadcast,
/// whose listeners nobody counts.
#[tauri::command(async)]
pub fn save_meeting(state: State<'_, AppState>, input: MeetingInput) -> CmdResult<Uuid> {
    let date = forms::date("date", &input.date)?.ok_or_else(|| {
        CommandError::new("required", "Hãy nhập ngày tổ chức (ngày/tháng/năm).").on_field("date")
    })?;
    let attendees = match forms::count("attendees", &input.attendees)? {
        Some(n) => n,
        None if input.kind == OutreachKind::LoudspeakerBroadcast => 0,
        None => {
            return Err(
                CommandError::new("required", "Hãy nhập số người dự (ví dụ 43).")
                    .on_field("attendees"),
            );
        }
    };
    state.save(None, |store, enrolment| {
        // A corrected event keeps its commune when no village says otherwise (a conference of
        // a colleague's commune is not moved to the user's first one).
        let stored = match input.id {
            Some(id) => store.get_outreach_event(id)?.map(|e| e.commune_code),
            None => None,
        };
        let commune_code = match input.village_id {
            Some(id) => store.get_village(id)?.map(|v| v.commune_code),
            None => None,
        }
        .or(stored)
        .or_else(|| enrolment.communes.first().cloned())
        .unwrap_or_default();
        let event = OutreachEvent {
            id: input.id.unwrap_or_else(new_id),
            kind: input.kind,
            commune_code,
            village_id: input.village_id,
            date,
            attendees,
            organiser: input.organiser,
            notes: input.notes,
        };
        store.save_outreach_event(&event)?;
        if input.broadcast_too && input.id.is_none() && event.kind == OutreachKind::VillageMeeting {
            store.save_outreach_event(&OutreachEvent {
                id: new_id(),
                kind: OutreachKind::LoudspeakerBroadcast,
                attendees: 0,
                notes: String::new(),
                ..event.clone()
            })?;
        }
        Ok(event.id)
    })
}
