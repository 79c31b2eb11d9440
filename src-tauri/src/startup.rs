//! Start-up marks for the start benchmark: the wall-clock moments (ms since the epoch) when the
//! process entered `run`, when the app was built, when setup began and when the state was
//! loaded. Wall-clock, so they line up with the moment the benchmark spawned the process and
//! with the webview's own marks (`performance.timeOrigin + performance.now()`), which the UI
//! hands to `mark_ready`. A handful of pushes at start; nothing else reads them.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

static MARKS: Mutex<Vec<(&str, f64)>> = Mutex::new(Vec::new());

/// Milliseconds since the epoch, now.
pub fn epoch_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

/// Records `name` now (the first time only).
pub fn mark(name: &'static str) {
    let mut marks = MARKS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if !marks.iter().any(|(n, _)| *n == name) {
        marks.push((name, epoch_ms()));
    }
}

/// The marks recorded so far.
pub fn marks() -> Vec<(&'static str, f64)> {
    MARKS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone()
}
