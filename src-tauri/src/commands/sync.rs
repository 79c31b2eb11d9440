//! Đồng bộ (Sync): what waits, the last success, progress, every change the office refused with
//! its reason and where to fix it, and "Đồng bộ ngay".

use sotay_domain::EntityKind;
use sotay_store::Store;
use tauri::State;

use crate::dto::{RejectionDto, SyncScreen, SyncStatusDto};
use crate::error::CmdResult;
use crate::state::AppState;

/// The refused changes that `keep` accepts, each with the household and person to open.
pub fn rejections_where(
    store: &Store,
    keep: impl Fn(&RejectionDto) -> bool,
) -> CmdResult<Vec<RejectionDto>> {
    let mut out = Vec::new();
    for rejection in store.list_rejections()? {
        let (entity, id) = (rejection.op.entity, rejection.op.entity_id);
        let person_id = match entity {
            EntityKind::Person => Some(id),
            EntityKind::Enrollment => store.get_enrollment(id)?.map(|e| e.person_id),
            EntityKind::Payment => store.get_payment(id)?.map(|p| p.person_id),
            _ => None,
        };
        let household_id = store.household_of(entity, id)?;
        // Whose record it is, as the list names it: the person, else the household's head.
        let name = match (person_id, household_id) {
            (Some(person), _) => store.get_person(person)?.map(|p| p.full_name),
            (None, Some(household)) => store.get_household(household)?.map(|h| h.head_name),
            (None, None) => None,
        };
        let dto = RejectionDto {
            entity: entity.as_str().to_owned(),
            entity_id: id,
            code: rejection.code,
            message: rejection.message,
            field: rejection.field,
            household_id,
            person_id,
            name,
        };
        if keep(&dto) {
            out.push(dto);
        }
    }
    Ok(out)
}

/// The sync status as the status line shows it (counts fresh from the store).
#[tauri::command(async)]
pub fn sync_status(state: State<'_, AppState>) -> SyncStatusDto {
    state.refresh_sync_counts();
    state.sync.status()
}

/// The Sync screen's data.
pub fn sync_screen_data(state: &AppState) -> CmdResult<SyncScreen> {
    let rejections = state.with_store(|store, _| rejections_where(store, |_| true))?;
    state.refresh_sync_counts();
    Ok(SyncScreen {
        status: state.sync.status(),
        rejections,
    })
}

/// The Sync screen (also its refresh).
#[tauri::command(async)]
pub fn sync_screen(state: State<'_, AppState>) -> CmdResult<SyncScreen> {
    sync_screen_data(&state)
}

/// "Đồng bộ ngay": sync at once; returns the Sync screen's data.
#[tauri::command(async)]
pub fn sync_now(state: State<'_, AppState>) -> CmdResult<SyncScreen> {
    state.sync.now();
    sync_screen_data(&state)
}
