//! The shell and the first-run screen (Bắt đầu): the app's status, enrolment with a one-time
//! code, and the start-up mark the benchmark reads.

use std::sync::{Arc, Mutex};

use chrono::Utc;
use sotay_device::{EnrolledUser, Enrolment, normalize_office_url};
use sotay_store::StoreKey;
use tauri::State;

use crate::dto::{AppStatus, EnrollInput};
use crate::error::{CmdResult, CommandError};
use crate::state::{AppState, Session, open_store, set_aside};

/// The app's status.
#[tauri::command(async)]
pub fn app_status(state: State<'_, AppState>) -> AppStatus {
    state.status()
}

/// Exchanges a one-time code for a device token, makes the device's store with a new random key
/// (held in memory until the PIN asked next wraps it) and starts the first sync. A store file
/// left in the folder is moved aside with its key, never deleted.
#[tauri::command]
pub async fn enroll(state: State<'_, AppState>, input: EnrollInput) -> CmdResult<AppStatus> {
    enroll_with(&state, input).await
}

/// The enrolment itself (also run at start when `SOTAY_ENROLL_URL` and `SOTAY_ENROLL_CODE` are
/// set, as `scripts/run.sh` does for the demo).
pub async fn enroll_with(state: &AppState, input: EnrollInput) -> CmdResult<AppStatus> {
    let office_url = normalize_office_url(&input.office_url)?;
    let code = sotay_device::enrolment::normalize_enrolment_code(&input.code)?;
    if state.enrolment().is_some() {
        return Err(CommandError::new(
            "already_enrolled",
            "Thiết bị đã được kích hoạt. Muốn kích hoạt lại, hãy liên hệ cán bộ BHXH.",
        ));
    }
    let device_name = format!("Sotay ({})", std::env::consts::OS);
    let answer = sotay_sync::enroll(&office_url, &code, &device_name)
        .await
        .map_err(|e| match e {
            sotay_sync::SyncError::Network(_) => CommandError::office_unreachable(),
            // Something else answers at that address: the address is what to fix.
            err @ sotay_sync::SyncError::NotAnOffice { .. } => {
                CommandError::from(err).on_field("office_url")
            }
            sotay_sync::SyncError::Refused { code, message }
                if code == sotay_sync::protocol::codes::INVALID_CODE =>
            {
                CommandError::new(&code, message).on_field("code")
            }
            other => other.into(),
        })?;
    let enrolment = Enrolment {
        office_url,
        device_id: answer.device_id,
        device_token: answer.device_token,
        user: EnrolledUser {
            id: answer.user.id,
            full_name: answer.user.full_name,
            role: answer.user.role,
        },
        communes: answer.scope.communes,
        villages: answer.scope.villages,
        enrolled_at: Utc::now(),
    };
    let data_dir = state.data_dir.clone();
    let (session, key) =
        tauri::async_runtime::spawn_blocking(move || -> CmdResult<(Session, StoreKey)> {
            set_aside(&data_dir, "before")?;
            let key = StoreKey::generate();
            let store = open_store(&data_dir, &enrolment, &key)?;
            store.observe_clock(answer.server_clock)?;
            // The one-time code is spent by now: a bad receipt key costs the receipts their
            // check codes (the receipt says so), never the activation.
            if let Some(receipt_key) = &answer.receipt_key
                && let Err(err) = store.set_receipt_key(receipt_key)
            {
                tracing::warn!(%err, "the office's receipt key was not kept");
            }
            enrolment.save(&data_dir)?;
            Ok((
                Session {
                    enrolment,
                    store: Arc::new(Mutex::new(store)),
                },
                key,
            ))
        })
        .await
        .map_err(|e| CommandError::new("internal", e.to_string()))??;
    state.enrolled(session, key);
    state.sync.now();
    Ok(state.status())
}

/// The UI drew its first usable screen. With `SOTAY_READY_FILE` set (the start-up benchmark),
/// writes to that file, once, `{"ready_at": ms, "marks": {name: ms}}`: the wall-clock time now
/// (ms since the epoch) and the start-up marks, the app's own ([`crate::startup`]) and the
/// webview's (`marks`, from the UI); the benchmark subtracts the moment it spawned the process.
/// Returns the ms since the app state was loaded.
#[tauri::command(async)]
pub fn mark_ready(
    state: State<'_, AppState>,
    marks: Option<std::collections::BTreeMap<String, f64>>,
) -> u64 {
    let elapsed = u64::try_from(state.started.elapsed().as_millis()).unwrap_or(u64::MAX);
    if let Some(path) = std::env::var_os("SOTAY_READY_FILE")
        && !std::path::Path::new(&path).exists()
    {
        let mut all = marks.unwrap_or_default();
        for (name, at) in crate::startup::marks() {
            all.insert(name.to_owned(), at);
        }
        let report = serde_json::json!({ "ready_at": crate::startup::epoch_ms(), "marks": all });
        let _ = std::fs::write(&path, report.to_string());
    }
    elapsed
}
