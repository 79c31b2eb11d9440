//! Cài đặt (Settings): office address, language, the PIN lock (Argon2id through
//! `sotay-device`), and "about" (versions, policy edition, device id, from `app_status`).

use std::time::Instant;

use sotay_device::{DeviceError, Language, PinRecord, check_pin_format, normalize_office_url};
use tauri::State;

use crate::commands::app::status;
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
    Ok(status(state))
}

/// The Settings screen.
#[tauri::command(async)]
pub fn settings(state: State<'_, AppState>) -> CmdResult<AppStatus> {
    state.require_unlocked()?;
    Ok(status(&state))
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
    Ok(status(&state))
}

/// Sets or changes the PIN (the current one is asked when one is set).
#[tauri::command(async)]
pub fn set_pin(state: State<'_, AppState>, input: PinInput) -> CmdResult<AppStatus> {
    state.require_unlocked()?;
    check_pin_format(&input.pin)?;
    if input.pin != input.confirm {
        return Err(DeviceError::PinMismatch.into());
    }
    verify_current(&state, &input.current)?;
    let record = PinRecord::create(&input.pin)?;
    change_settings(&state, |s| {
        s.pin = Some(record);
        Ok(())
    })
}

/// Removes the PIN (the current one is asked).
#[tauri::command(async)]
pub fn clear_pin(state: State<'_, AppState>, current: String) -> CmdResult<AppStatus> {
    state.require_unlocked()?;
    verify_current(&state, &current)?;
    change_settings(&state, |s| {
        s.pin = None;
        Ok(())
    })
}

/// Checks `pin` against the PIN in use (if any), counting wrong attempts.
fn verify_current(state: &AppState, pin: &str) -> CmdResult<()> {
    let Some(record) = state.settings().pin.clone() else {
        return Ok(());
    };
    state.lock_state().attempts.check(Instant::now())?;
    if record.verify(pin)? {
        state.lock_state().attempts.right();
        Ok(())
    } else {
        Err(state.lock_state().attempts.wrong(Instant::now()).into())
    }
}

/// Locks the app now (the UI calls it after the idle time); without a PIN it stays open.
#[tauri::command(async)]
pub fn lock(state: State<'_, AppState>) -> AppStatus {
    if state.settings().pin.is_some() {
        state.lock_state().locked = true;
    }
    status(&state)
}

/// Opens the lock with the PIN.
#[tauri::command(async)]
pub fn unlock(state: State<'_, AppState>, pin: String) -> CmdResult<AppStatus> {
    verify_current(&state, &pin)?;
    state.lock_state().locked = false;
    Ok(status(&state))
}
