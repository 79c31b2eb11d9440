//! Cài đặt (Settings): office address, language, the PIN lock (the PIN wraps the database key,
//! through `sotay-device`; there is no way to remove it), and "about" (versions, policy edition,
//! device id, from `app_status`).

use sotay_device::{DeviceError, Language, check_pin_format, normalize_office_url};
use tauri::State;

use crate::dto::{AppStatus, PinInput};
use crate::error::CmdResult;
use crate::state::AppState;

/// Writes the settings after `change`, and returns the new status.
fn change_settings(
    state: &AppState,
    change: impl FnOnce(&mut sotay_device::Settings) -> Result<(), DeviceError>,
) -> CmdResult<AppStatus> {
    {
        let mut settings = state.settings();
        let mut next = settings.clone();
        change(&mut next)?;
        next.save(&state.data_dir)?;
        *settings = next;
    }
    Ok(state.status())
}

/// The Settings screen.
#[tauri::command(async)]
pub fn settings(state: State<'_, AppState>) -> CmdResult<AppStatus> {
    state.require_unlocked()?;
    Ok(state.status())
}

/// Vietnamese or English.
#[tauri::command(async)]
pub fn set_language(state: State<'_, AppState>, language: Language) -> CmdResult<AppStatus> {
    state.require_unlocked()?;
    change_settings(&state, |s| {
        s.language = language;
        Ok(())
    })
}

/// Minutes idle before the PIN is asked again.
#[tauri::command(async)]
pub fn set_idle_lock(state: State<'_, AppState>, minutes: u32) -> CmdResult<AppStatus> {
    state.require_unlocked()?;
    change_settings(&state, |s| {
        s.idle_lock_minutes = minutes.clamp(1, 120);
        Ok(())
    })
}

/// Moves the device to another office address (same office, new address).
#[tauri::command(async)]
pub fn set_office_url(state: State<'_, AppState>, office_url: String) -> CmdResult<AppStatus> {
    let mut session = state.require_session()?;
    session.enrolment.office_url = normalize_office_url(&office_url)?;
    session.enrolment.save(&state.data_dir)?;
    state.set_session(session);
    state.sync.now();
    Ok(state.status())
}

/// Sets the first PIN (asked right after enrolment, or of an earlier version's user) or changes
/// it (the current one is asked): the database key is wrapped again, the database untouched.
#[tauri::command(async)]
pub fn set_pin(state: State<'_, AppState>, input: PinInput) -> CmdResult<AppStatus> {
    check_pin_format(&input.pin)?;
    if input.pin != input.confirm {
        return Err(DeviceError::PinMismatch.into());
    }
    let set = state.set_pin(&input.current, &input.pin);
    crate::memory::release_freed();
    set?;
    Ok(state.status())
}

/// Locks the app now (the UI calls it after the idle time).
#[tauri::command(async)]
pub fn lock(state: State<'_, AppState>) -> AppStatus {
    state.lock_now();
    state.status()
}

/// "Quên mã PIN": the locked device's data is moved aside (not deleted) and the app goes back
/// to the first-run screen, to be activated again (see [`AppState::start_over`]).
#[tauri::command(async)]
pub fn start_over(state: State<'_, AppState>) -> CmdResult<AppStatus> {
    state.start_over()?;
    Ok(state.status())
}

/// Opens the lock with the PIN (at start, this unwraps the key and opens the store).
#[tauri::command(async)]
pub fn unlock(state: State<'_, AppState>, pin: String) -> CmdResult<AppStatus> {
    let unlocked = state.unlock(&pin);
    crate::memory::release_freed();
    unlocked?;
    Ok(state.status())
}
