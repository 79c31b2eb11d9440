//! Keeping the app small in memory on a cheap machine, where the platform leaves it to us.
//!
//! The PIN's Argon2id needs a 19 MiB work area for a few milliseconds. glibc raises its threshold
//! for handing large blocks back to the system after the first one is freed, so later work areas
//! stay in the heap after use; [`release_freed`] hands them back after an unlock or a PIN change.
//! (A phone's allocator is the system's and is left alone.)
//!
//! Tried and left out: WebKitGTK without GL compositing (`WEBKIT_DISABLE_COMPOSITING_MODE`)
//! saves about 50 MiB in WebKit's web process on a machine without a GPU, but WebKitWebDriver's
//! screenshots never answer without it (the whole-story test hangs on one, the web process
//! idle); docs/benchmarks.md has the numbers. A user can still set it.
//!
//! This is the one module where the workspace allows `unsafe` (scripts/check-architecture.sh).
#![allow(unsafe_code)]

/// Hands the allocator's free memory back to the system (glibc); nothing elsewhere.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointer; it only returns free pages of the allocator's own
    // heaps to the system, and is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}
