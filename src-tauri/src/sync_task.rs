//! The background sync: one task for the life of the app that runs `SyncClient::sync` at start,
//! every few minutes while the office answers, a few seconds after the last save (debounced, so
//! ten quick saves make one sync), and at once on "Đồng bộ ngay". Failures back off (30 s,
//! doubling, to 5 minutes) and say why in plain words; a revoked device stops syncing by itself
//! and says so. Progress and state reach the UI as `sync://status` events. Closing the app
//! cancels a sync between requests (what the office acknowledged stays acknowledged).
//!
//! Before enrolment there is no store: the task waits and reports `not_enrolled`. A device the
//! office marked lost gets `device_wipe` once its pushed ops have arrived: the task has the app
//! erase its data (`AppState::wipe`) and tells the UI, which shows the first-run screen.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use sotay_sync::{SyncClient, SyncConfig, SyncError, SyncProgress};
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio_util::sync::CancellationToken;

use crate::commands::app::status;
use crate::dto::SyncStatusDto;
use crate::error::CommandError;
use crate::state::{AppState, Session, lock_store};

/// The event carrying [`SyncStatusDto`].
pub const STATUS_EVENT: &str = "sync://status";

/// Why the loop wakes up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// A record was saved.
    Saved,
    /// The user asked ("Đồng bộ ngay"), or the device was just enrolled.
    Now,
}

/// How often and how soon the task syncs. Tests shorten these through the environment.
#[derive(Clone, Copy, Debug)]
pub struct SyncTiming {
    /// Between syncs while the office answers (`SOTAY_SYNC_INTERVAL_SECS`, 300).
    pub interval: Duration,
    /// First wait after a failure, doubling (`SOTAY_SYNC_RETRY_SECS`, 30).
    pub retry_base: Duration,
    /// Longest wait after failures (5 minutes, or the interval if shorter).
    pub retry_max: Duration,
    /// Quiet time after the last save (`SOTAY_SYNC_DEBOUNCE_MS`, 3000).
    pub debounce: Duration,
}

impl SyncTiming {
    /// The defaults, overridden by the environment variables named on the fields.
    pub fn from_env() -> SyncTiming {
        let read = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let interval = Duration::from_secs(read("SOTAY_SYNC_INTERVAL_SECS").unwrap_or(300).max(1));
        SyncTiming {
            interval,
            retry_base: Duration::from_secs(read("SOTAY_SYNC_RETRY_SECS").unwrap_or(30).max(1)),
            retry_max: Duration::from_secs(300).min(interval.max(Duration::from_secs(1))),
            debounce: Duration::from_millis(read("SOTAY_SYNC_DEBOUNCE_MS").unwrap_or(3000)),
        }
    }
}

type Emit = Box<dyn Fn(&SyncStatusDto) + Send + Sync>;

/// The handle the commands and the shell hold.
pub struct SyncTask {
    trigger: UnboundedSender<Trigger>,
    receiver: Mutex<Option<UnboundedReceiver<Trigger>>>,
    cancel: CancellationToken,
    status: Arc<Mutex<SyncStatusDto>>,
    emit: OnceLock<Emit>,
    timing: SyncTiming,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
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

impl SyncTask {
    /// A task that has not started yet.
    pub fn new(timing: SyncTiming) -> SyncTask {
        let (trigger, receiver) = unbounded_channel();
        SyncTask {
            trigger,
            receiver: Mutex::new(Some(receiver)),
            cancel: CancellationToken::new(),
            status: Arc::new(Mutex::new(SyncStatusDto {
                state: "idle",
                ..SyncStatusDto::default()
            })),
            emit: OnceLock::new(),
            timing,
        }
    }

    /// A change was saved: sync after the debounce; the pending count shown now.
    pub fn saved(&self, pending: u64) {
        self.update(|s| s.pending = pending);
        let _ = self.trigger.send(Trigger::Saved);
    }

    /// Sync as soon as possible.
    pub fn now(&self) {
        let _ = self.trigger.send(Trigger::Now);
    }

    /// Stops the task (the app is closing).
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// The status as last reported.
    pub fn status(&self) -> SyncStatusDto {
        lock(&self.status).clone()
    }

    fn update(&self, change: impl FnOnce(&mut SyncStatusDto)) {
        let snapshot = {
            let mut status = lock(&self.status);
            change(&mut status);
            status.clone()
        };
        if let Some(emit) = self.emit.get() {
            emit(&snapshot);
        }
    }

    /// Refreshes the counts from the store and reports.
    pub fn refresh_counts(&self, session: Option<&Session>) {
        let counts = session.and_then(|s| {
            let store = lock_store(&s.store);
            Some((
                store.outbox_pending_count().ok()?,
                store.rejected_count().ok()?,
                store.last_sync_at().ok()?,
            ))
        });
        self.update(|s| match counts {
            Some((pending, rejected, last)) => {
                s.pending = pending;
                s.rejected = rejected;
                s.last_success = last;
                if s.state == "not_enrolled" {
                    s.state = "idle";
                }
            }
            None => s.state = "not_enrolled",
        });
    }

    /// Starts the loop on Tauri's async runtime (once).
    pub fn start<R: Runtime>(&self, app: AppHandle<R>) {
        let Some(receiver) = lock(&self.receiver).take() else {
            return;
        };
        let emitter = app.clone();
        let _ = self.emit.set(Box::new(move |status: &SyncStatusDto| {
            let _ = emitter.emit(STATUS_EVENT, status);
        }));
        let cancel = self.cancel.clone();
        let timing = self.timing;
        tauri::async_runtime::spawn(run(app, receiver, cancel, timing));
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

async fn run<R: Runtime>(
    app: AppHandle<R>,
    mut receiver: UnboundedReceiver<Trigger>,
    cancel: CancellationToken,
    timing: SyncTiming,
) {
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
        task.refresh_counts(session.as_ref());
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
                let _ = app.emit(crate::STATUS_EVENT, status(&state));
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
        task.refresh_counts(Some(&session));
    }
}
