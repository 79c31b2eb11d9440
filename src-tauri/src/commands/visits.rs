//! Thăm hộ (Log a visit): the outcome in a tap or two from the household, persons met, notes,
//! the next follow-up date, and GPS where the platform gives it.

use chrono::Utc;
use sotay_domain::{EntityKind, Visit, new_id};
use tauri::State;

use crate::dto::{VisitInput, VisitSaved};
use crate::error::{CmdResult, CommandError};
use crate::forms;
use crate::state::AppState;

/// Saves a visit with what it changes (see `Store::log_visit`).
#[tauri::command(async)]
pub fn log_visit(state: State<'_, AppState>, input: VisitInput) -> CmdResult<VisitSaved> {
    let next_follow_up = forms::date("next_follow_up", &input.next_follow_up)?;
    state.save(None, |store, enrolment| {
        let household = store.get_household(input.household_id)?.ok_or_else(|| {
            CommandError::from(sotay_store::StoreError::NotFound {
                entity: EntityKind::Household,
                id: input.household_id,
            })
        })?;
        let visit = Visit {
            id: new_id(),
            household_id: household.id,
            commune_code: household.commune_code,
            village_id: household.village_id,
            visited_at: Utc::now(),
            visited_by: enrolment.user.id,
            persons_met: input.persons_met,
            channel: input.channel,
            outcome: input.outcome,
            notes: input.notes,
            location: input.location,
            next_follow_up,
        };
        let logged = store.log_visit(&visit)?;
        Ok(VisitSaved {
            visit_id: visit.id,
            follow_ups_closed: logged.follow_ups_closed,
            follow_up_due: logged.follow_up.map(|f| f.due_date),
        })
    })
}
