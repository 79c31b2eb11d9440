//! The background sync's handle, which the app state holds: what the commands and saves tell it
//! ("a change was saved", "sync now", "stop"), its timing, and the status it last reported
//! (`sync://status` events). The loop that does the syncing is [`crate::sync_loop`].

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use sotay_store::Store;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio_util::sync::CancellationToken;

use crate::dto::SyncStatusDto;

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

/// Where status reports go once the loop has started.
pub type Emit = Box<dyn Fn(&SyncStatusDto) + Send + Sync>;

/// What the loop runs on, handed over once by [`SyncTask::begin`].
pub struct LoopInput {
    /// The reasons to sync, as the commands send them.
    pub triggers: UnboundedReceiver<Trigger>,
    /// Cancelled when the app closes.
    pub cancel: CancellationToken,
    /// When to sync.
    pub timing: SyncTiming,
}

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

    /// Changes the status and reports it.
    pub fn update(&self, change: impl FnOnce(&mut SyncStatusDto)) {
        let snapshot = {
            let mut status = lock(&self.status);
            change(&mut status);
            status.clone()
        };
        if let Some(emit) = self.emit.get() {
            emit(&snapshot);
        }
    }

    /// Refreshes the counts from the store (`None`: not enrolled, or not open) and reports.
    pub fn refresh_counts(&self, store: Option<&Mutex<Store>>) {
        let counts = store.and_then(|store| {
            let store = lock(store);
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

    /// Hands the loop its triggers, cancellation and timing, and sends status reports to `emit`
    /// from now on; `None` when the loop has started already (it runs once).
    pub fn begin(&self, emit: Emit) -> Option<LoopInput> {
        let triggers = lock(&self.receiver).take()?;
        let _ = self.emit.set(emit);
        Some(LoopInput {
            triggers,
            cancel: self.cancel.clone(),
            timing: self.timing,
        })
    }
}
