//! Keeping the app small in memory on a cheap machine, where the platform leaves it to us.
//!
//! Two things cost memory for nothing in this app, and both are Linux desktop matters (a phone's
//! WebView and allocator are the system's):
//! - WebKitGTK composites pages with OpenGL. With no GPU (many cheap laptops' drivers under
//!   WebKit, and always under Xvfb) that is Mesa's software GL: about 40 MiB more in WebKit's web
//!   process and a slower first paint, for an app of lists and forms with no animation that
//!   needs it. [`webview_defaults`] turns compositing off, unless the user set WebKit's variable
//!   themselves or `SOTAY_WEBKIT_GL=1` (to compare, or on a machine where GL is fast). Only the
//!   environment reaches WebKit's web process before it starts: the per-view setting
//!   (`hardware-acceleration-policy`) comes after its GL is up and was measured to save nothing.
//! - The PIN's Argon2id needs a 19 MiB work area for a few milliseconds. glibc raises its
//!   threshold for handing large blocks back to the system after the first one is freed, so
//!   later work areas stay in the heap after use; [`release_freed`] hands them back after an
//!   unlock or a PIN change.
//!
//! This is the one module where the workspace allows `unsafe` (scripts/check-architecture.sh).
#![allow(unsafe_code)]

/// WebKit's variable that turns GL compositing off.
#[cfg(target_os = "linux")]
const NO_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// Sets WebKitGTK's environment for this app. Call it first thing in `run`, before any thread
/// starts, so WebKit's processes inherit it.
pub fn webview_defaults() {
    #[cfg(target_os = "linux")]
    if std::env::var_os(NO_COMPOSITING).is_none()
        && std::env::var("SOTAY_WEBKIT_GL").as_deref() != Ok("1")
    {
        // SAFETY: called at the start of `run`, before Tauri, tokio or GTK start a thread, so
        // nothing reads or writes the environment at the same time.
        unsafe { std::env::set_var(NO_COMPOSITING, "1") };
    }
}

/// Hands the allocator's free memory back to the system (glibc); nothing elsewhere.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointer; it only returns free pages of the allocator's own
    // heaps to the system, and is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}
