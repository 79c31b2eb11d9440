//! The background sync's loop: one task for the life of the app that runs `SyncClient::sync` at start,
//! every few minutes while the office answers, a few seconds after the last save (debounced, so
//! ten quick saves make one sync), and at once on "Đồng bộ ngay". Failures back off (30 s,
//! doubling, to 5 minutes) and say why in plain words; a revoked device stops syncing by itself
//! and says so. Progress and state reach the UI as `sync://status` events. Closing the app
//! cancels a sync between requests (what the office acknowledged stays acknowledged).
//!
//! Before enrolment there is no store: the task waits and reports `not_enrolled`. A device the
//! office marked lost gets `device_wipe` once its pushed ops have arrived: the task has the app
//! erase its data (`AppState::wipe`) and tells the UI, which shows the first-run screen.
//!
//! The handle the app state holds (triggers, status) is [`crate::sync_task`].

use std::time::Duration;

use sotay_sync::{SyncClient, SyncConfig, SyncError, SyncProgress};
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio_util::sync::CancellationToken;

use crate::dto::SyncStatusDto;
use crate::error::CommandError;
use crate::state::AppState;
use crate::sync_task::{LoopInput, STATUS_EVENT, Trigger};

/// Starts the loop on Tauri's async runtime (once: a second call does nothing).
pub fn start<R: Runtime>(app: AppHandle<R>) {
    let emitter = app.clone();
    let emit = Box::new(move |status: &SyncStatusDto| {
        let _ = emitter.emit(STATUS_EVENT, status);
    });
    let Some(input) = app.state::<AppState>().sync.begin(emit) else {
        return;
    };
    tauri::async_runtime::spawn(run(app, input));
}

/// The client's tuning in the app: fewer attempts per request than the library's default, since
/// the task itself retries with a growing wait. `SOTAY_SYNC_PULL_PAGE` caps the pull's page size
/// (the tests use small pages to watch the first sync's progress).
fn client_config() -> SyncConfig {
    let defaults = SyncConfig::default();
    SyncConfig {
        max_attempts: 3,
        request_timeout: Duration::from_secs(30),
        pull_page: std::env::var("SOTAY_SYNC_PULL_PAGE")
            .ok()
            .and_then(|v| v.trim().parse::<u32>().ok())
            .filter(|&n| n > 0)
            .unwrap_or(defaults.pull_page),
        ..defaults
    }
}

/// Waits for the next reason to sync; `None` when the app is closing.
async fn next_trigger(
    receiver: &mut UnboundedReceiver<Trigger>,
    cancel: &CancellationToken,
    wait: Duration,
    debounce: Duration,
) -> Option<Trigger> {
    let first = tokio::select! {
        _ = cancel.cancelled() => return None,
        trigger = receiver.recv() => trigger?,
        _ = tokio::time::sleep(wait) => return Some(Trigger::Now),
    };
    if first == Trigger::Now {
        return Some(Trigger::Now);
    }
    // Debounce: wait until saves stop for `debounce`; "sync now" cuts the wait short.
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return None,
            trigger = receiver.recv() => match trigger? {
                Trigger::Now => return Some(Trigger::Now),
                Trigger::Saved => continue,
            },
            _ = tokio::time::sleep(debounce) => return Some(Trigger::Saved),
        }
    }
}

async fn run<R: Runtime>(app: AppHandle<R>, input: LoopInput) {
    let LoopInput {
        triggers: mut receiver,
        cancel,
        timing,
    } = input;
    let mut failures: u32 = 0;
    let mut revoked = false;
    // The first sync runs at start.
    let mut wait = Duration::ZERO;
    loop {
        let Some(trigger) = next_trigger(&mut receiver, &cancel, wait, timing.debounce).await
        else {
            return;
        };
        let state = app.state::<AppState>();
        let task = &state.sync;
        let session = state.session();
        task.refresh_counts(session.as_ref().map(|s| &*s.store));
        let Some(session) = session else {
            wait = timing.interval;
            continue;
        };
        // A revoked device does not keep knocking; the user can still ask.
        if revoked && trigger != Trigger::Now {
            wait = timing.interval;
            continue;
        }
        task.update(|s| {
            s.state = "syncing";
            s.progress = None;
        });
        let result = match SyncClient::new(
            &session.enrolment.office_url,
            &session.enrolment.device_token,
            client_config(),
        ) {
            Ok(client) => {
                let progress = |p: SyncProgress| task.update(|s| s.progress = Some(p));
                client.sync(&session.store, &progress, &cancel).await
            }
            Err(err) => Err(err),
        };
        // What the sync read and merged stays in the page cache only until the app is idle.
        state.idle_trim.touch();
        match result {
            Ok(report) => {
                failures = 0;
                revoked = false;
                wait = timing.interval;
                if let Ok(store) = session.store.lock() {
                    let _ = store.checkpoint();
                }
                task.update(|s| {
                    s.state = if report.synced { "synced" } else { "idle" };
                    s.progress = None;
                    s.error = None;
                    s.last_pulled = report.pulled;
                    if report.clock_offset_s.is_some() {
                        s.clock_offset_s = report.clock_offset_s;
                    }
                    if report.pulled > 0 || report.rejected > 0 {
                        s.revision += 1;
                    }
                });
            }
            Err(SyncError::Cancelled) => return,
            Err(SyncError::WipeOrdered) => {
                // Everything this device pushed has arrived; the office now wants its copy gone.
                tracing::warn!("the office ordered this device wiped");
                drop(session);
                let handle = app.clone();
                let wiped = tauri::async_runtime::spawn_blocking(move || {
                    handle
                        .state::<AppState>()
                        .wipe(CommandError::from(SyncError::WipeOrdered))
                })
                .await;
                if let Ok(Err(err)) | Err(err) =
                    wiped.map_err(|e| CommandError::new("internal", e.to_string()))
                {
                    tracing::error!(%err, "the wipe did not finish");
                }
                failures = 0;
                revoked = false;
                wait = timing.interval;
                task.update(|s| {
                    *s = SyncStatusDto {
                        state: "not_enrolled",
                        ..SyncStatusDto::default()
                    };
                });
                let _ = app.emit(crate::state::STATUS_EVENT, state.status());
                continue;
            }
            Err(err) => {
                let (label, backoff) = match &err {
                    SyncError::DeviceRevoked | SyncError::Unauthorized => {
                        revoked = true;
                        ("revoked", false)
                    }
                    SyncError::Network(_) => ("offline", true),
                    _ => ("failed", true),
                };
                failures = failures.saturating_add(1);
                wait = if backoff {
                    timing
                        .retry_base
                        .saturating_mul(1 << (failures - 1).min(8))
                        .min(timing.retry_max)
                } else {
                    timing.interval
                };
                tracing::info!(%err, "sync did not finish");
                let error = CommandError::from(err);
                task.update(|s| {
                    s.state = label;
                    s.progress = None;
                    s.error = Some(error);
                });
            }
        }
        task.refresh_counts(Some(&*session.store));
    }
}
