//! Keeping the app small in memory on a cheap machine, where the platform leaves it to us.
//!
//! The PIN's Argon2id needs a 19 MiB work area for a few milliseconds, and Today's answer, the
//! IPC buffers and a sync's pages are large blocks too. By default glibc raises its threshold for
//! mapping a block on its own after the first such block is freed, so later ones are carved from
//! the heap and stay there after use: the app process held 50 to 85 MiB of anonymous memory with
//! Today shown, run to run. `return_large_blocks_at_once` keeps the threshold at 128 KiB, so
//! every large block goes back to the system when it is freed (33 MiB with Today shown,
//! docs/benchmarks.md). [`release_freed`] hands back what small blocks leave free: after an
//! unlock or a PIN change, and with [`release_store`] after the store's page cache is handed
//! back: a second after the last command ([`IdleTrim`]) and at the lock (a locked app keeps no
//! decrypted page of the villagers' records in memory). (A phone's allocator is the system's
//! and is left alone.)
//!
//! The store's page cache is held to 8 MiB ([`STORE_CACHE_KIB`], a quarter of the store's
//! default): the system's page cache keeps the file's pages as well, and gives them back when
//! memory is short. And it is handed back whenever the app has had no command for a second
//! ([`IdleTrim`]): while a person reads a screen, the app keeps none of the pages the screen
//! was read from (11 MiB less after a morning's lists and searches, docs/benchmarks.md).
//!
//! On desktop Linux, WebKitGTK draws the page without GL compositing
//! (`draw_without_gl_compositing`). Sotay's screens are forms and lists, which WebKit's
//! software path paints in a few milliseconds; compositing would load a GL driver into both the
//! app and WebKit's web process (on a machine without a GPU, Mesa's software renderer and LLVM:
//! about 60 MiB) and keep layer buffers besides. docs/benchmarks.md has the numbers. Starting
//! the app with `SOTAY_GL_COMPOSITING=1` (or with WebKit's own variable already set) leaves
//! WebKit's choice alone. (WebKitWebDriver's screenshots need
//! compositing, so the real-webview tests read their screenshots from the X display instead.)
//!
//! WebKit's web process also runs the page's JavaScript without a JIT
//! (`run_javascript_without_jit`): Sotay's script is small and event-driven (a form, a list, a
//! search as you type), which JavaScriptCore's interpreter runs within the same frame, while the
//! JIT tiers keep compiled code and profiling data besides — 8 MiB of the web process at the PIN
//! screen and 24–29 MiB after the lists and searches (docs/benchmarks.md). No JIT is also the
//! hardening browsers offer for sensitive pages: no memory that is both written and run.
//! `SOTAY_JIT=1` (or JavaScriptCore's own `JSC_useJIT` already set) leaves it on.
//!
//! WebKit's frames also reach the window without its DMA-BUF renderer
//! (`show_frames_without_dmabuf`). That renderer exists to pass GPU buffers from the web process
//! to the window; with compositing off there are none to pass, and setting it up still made the
//! app process load Mesa's GLX driver, touch more of Mesa's software renderer and LLVM, and keep
//! a larger heap: 3 to 5 MiB of the whole at every moment the benchmark reads
//! (docs/benchmarks.md). `SOTAY_DMABUF=1` (or WebKit's own variable already set) leaves it on.
//!
//! With both off, the app's own process has no use for GL at all, yet two things loaded a GL
//! driver into it: GTK probing GLX when it opens the X display, and WebKit making an EGL display
//! there before it starts its web process. On a machine without a GPU that driver is Mesa's
//! software renderer with LLVM, 20 to 25 MiB of the app process, 8 MiB of it LLVM's relocated
//! data that no other process shares. `keep_gl_out_of_the_app_process` turns GTK's probe off
//! (`GDK_GL=disable`) and gives WebKit's EGL calls in the app process no driver to load; the
//! web process, started after, loads its EGL driver as before and paints the page with it
//! (docs/benchmarks.md, tenth session; the long-list webview test checks both processes and
//! the screen). `SOTAY_APP_GL=1` leaves both alone.
//!
//! [`set_up_at_start`] sets the allocator, WebKit's three variables and the app process's GL
//! first thing in [`crate::run`]. This is the one module where the workspace allows `unsafe`
//! (scripts/check-architecture.sh).
#![allow(unsafe_code)]

/// Asks WebKitGTK to draw without GL compositing, unless the environment already says (see the
/// module doc).
fn draw_without_gl_compositing() {
    set_unless_given(
        "WEBKIT_DISABLE_COMPOSITING_MODE",
        "1",
        "SOTAY_GL_COMPOSITING",
    );
}

/// Asks JavaScriptCore to interpret the page's script without compiling it (see the module doc),
/// unless the environment already says.
fn run_javascript_without_jit() {
    set_unless_given("JSC_useJIT", "false", "SOTAY_JIT");
}

/// Asks WebKitGTK to show the web process's frames without its DMA-BUF renderer (see the module
/// doc), unless the environment already says.
fn show_frames_without_dmabuf() {
    set_unless_given("WEBKIT_DISABLE_DMABUF_RENDERER", "1", "SOTAY_DMABUF");
}

/// Whether the environment sets `variable` to `1` (WebKit's switches and the app's opt-outs).
#[cfg(target_os = "linux")]
fn is_one(variable: &str) -> bool {
    std::env::var_os(variable).is_some_and(|v| v == "1")
}

/// Sets WebKit's `variable` to `value` on Linux, unless it is already set or `opt_out` is `1`.
fn set_unless_given(variable: &str, value: &str, opt_out: &str) {
    #[cfg(target_os = "linux")]
    if std::env::var_os(variable).is_none() && !is_one(opt_out) {
        // SAFETY: called from `set_up_at_start`, while the process has one thread: nothing reads
        // the environment concurrently.
        unsafe {
            std::env::set_var(variable, value);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (variable, value, opt_out);
}

/// Whether the environment now says WebKit draws without GL compositing and without its
/// DMA-BUF renderer (this module's defaults), the two things GL is for in the app's process.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn frames_need_no_gl() -> bool {
    is_one("WEBKIT_DISABLE_COMPOSITING_MODE") && is_one("WEBKIT_DISABLE_DMABUF_RENDERER")
}

/// Keeps the app's own process from loading a GL driver it has no use for (see the module
/// doc): GTK's probe of GLX at start (`GDK_GL=disable`), and WebKit's EGL display in the app's
/// process. For the second, the EGL dispatcher (libglvnd, which WebKitGTK links) is made to
/// load its vendors now, while `__EGL_VENDOR_LIBRARY_FILENAMES` names none; the variable is
/// then put back as it was, so the web process, started later, loads the system's EGL as
/// before. Only when frames need no GL ([`frames_need_no_gl`]); `SOTAY_APP_GL=1` leaves both
/// alone, and either variable already set in the environment is left as it is (and, for the
/// vendors' list, the dispatcher with it).
fn keep_gl_out_of_the_app_process() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const VENDORS: &str = "__EGL_VENDOR_LIBRARY_FILENAMES";
        if is_one("SOTAY_APP_GL") || !frames_need_no_gl() {
            return;
        }
        set_unless_given("GDK_GL", "disable", "SOTAY_APP_GL");
        if std::env::var_os(VENDORS).is_some() {
            return;
        }
        // SAFETY: called from `set_up_at_start`, while the process has one thread: nothing
        // reads the environment concurrently. `eglQueryString` is looked up in what the process
        // has already loaded (WebKitGTK links libEGL) and called with `EGL_NO_DISPLAY` and
        // `EGL_EXTENSIONS`, which only reads the dispatcher's vendor list; the string it
        // returns is the dispatcher's own and is not kept.
        unsafe {
            std::env::set_var(VENDORS, "/dev/null/sotay-no-egl-in-the-app-process.json");
            let query = libc::dlsym(libc::RTLD_DEFAULT, c"eglQueryString".as_ptr());
            if !query.is_null() {
                type QueryString =
                    unsafe extern "C" fn(*mut libc::c_void, i32) -> *const libc::c_char;
                const EGL_EXTENSIONS: i32 = 0x3055;
                let query: QueryString = std::mem::transmute(query);
                query(std::ptr::null_mut(), EGL_EXTENSIONS);
            }
            std::env::remove_var(VENDORS);
        }
    }
}

/// Everything this module sets before the app starts, called first thing in [`crate::run`],
/// while the process has one thread: the allocator's threshold, then WebKit's three variables
/// (read by WebKit when it starts and passed on to its web process), then no GL driver for the
/// app's own process.
pub fn set_up_at_start() {
    return_large_blocks_at_once();
    draw_without_gl_compositing();
    show_frames_without_dmabuf();
    run_javascript_without_jit();
    keep_gl_out_of_the_app_process();
}

/// The page cache the app's store keeps, in KiB: a quarter of the store's default. A village's
/// list, a search and a household page each touch well under 8 MiB of the file; what the cache
/// does not hold stays in the system's page cache, which a phone takes back when memory is
/// short, and costs a few microseconds to decrypt again. Measured with the app benchmark: 27 MiB
/// less after use, the same list and search times (docs/benchmarks.md).
pub const STORE_CACHE_KIB: u32 = 8 * 1024;

/// Gives a store just opened the app's page cache size ([`STORE_CACHE_KIB`]).
pub fn size_store_cache(store: &sotay_store::Store) -> sotay_store::Result<()> {
    store.set_page_cache_kib(STORE_CACHE_KIB)
}

/// Hands back the store's page cache, then what the allocator holds free (see the module doc):
/// after work that read much of the file once, and at the lock.
pub fn release_store(store: &sotay_store::Store) -> sotay_store::Result<()> {
    store.release_memory()?;
    release_freed();
    Ok(())
}

/// How long the app waits after its last command before it hands back the store's page cache
/// ([`IdleTrim`]): longer than the pause between two keystrokes of a search, shorter than a
/// person reading the screen that answered.
pub const IDLE_TRIM_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// Hands back the store's page cache once the app has had no command for [`IDLE_TRIM_AFTER`]:
/// what a screen read stays in the system's page cache, and the next screen decrypts the few
/// pages it needs again (a few microseconds each), so a person reading a list or a receipt does
/// not keep megabytes of the villagers' decrypted records in the app's memory. Commands
/// [`touch`](IdleTrim::touch) it; [`IdleTrim::run`] waits for a quiet second after each burst.
#[derive(Debug, Default)]
pub struct IdleTrim {
    /// Bumped by every command that used the store.
    uses: std::sync::atomic::AtomicU64,
    /// Wakes the trimming task after a use (a permit is kept if it is not waiting).
    used: tokio::sync::Notify,
}

impl IdleTrim {
    /// A command just used the store.
    pub fn touch(&self) {
        self.uses.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.used.notify_one();
    }

    /// Forever: after each burst of use, once [`IDLE_TRIM_AFTER`] passes with no further use,
    /// calls `trim` (which hands back the store's cache, if a store is open).
    pub async fn run(&self, after: std::time::Duration, trim: impl Fn()) {
        let uses = || self.uses.load(std::sync::atomic::Ordering::Relaxed);
        let mut trimmed_at = uses();
        loop {
            self.used.notified().await;
            loop {
                let seen = uses();
                tokio::time::sleep(after).await;
                if uses() == seen {
                    break;
                }
            }
            // A wake-up left from the burst just trimmed finds nothing new.
            if uses() != trimmed_at {
                trimmed_at = uses();
                trim();
            }
        }
    }
}

/// Keeps glibc's threshold for mapping a block on its own at 128 KiB, its default, instead of
/// letting it grow (see the module doc); nothing elsewhere.
fn return_large_blocks_at_once() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt takes two integers and only changes the allocator's settings; it is
    // thread-safe and called before any other thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
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

#[cfg(test)]
mod tests {
    use sotay_store::{DeviceIdentity, Store};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::time::Duration;
    use uuid::Uuid;

    use super::{IDLE_TRIM_AFTER, IdleTrim};

    #[tokio::test(start_paused = true)]
    async fn the_cache_goes_back_after_a_quiet_second_never_between_keystrokes() {
        let idle = Arc::new(IdleTrim::default());
        let trims = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn({
            let (idle, trims) = (Arc::clone(&idle), Arc::clone(&trims));
            async move {
                idle.run(IDLE_TRIM_AFTER, || {
                    trims.fetch_add(1, SeqCst);
                })
                .await;
            }
        });
        // Nothing used yet: nothing to hand back.
        tokio::time::sleep(Duration::from_secs(30)).await;
        assert_eq!(trims.load(SeqCst), 0);
        // A search typed for three seconds, a key every 300 ms: the cache stays.
        for _ in 0..10 {
            idle.touch();
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        assert_eq!(trims.load(SeqCst), 0, "no trim while typing");
        // Then the person reads the results.
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        assert_eq!(trims.load(SeqCst), 1, "one trim after a quiet second");
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert_eq!(trims.load(SeqCst), 1, "nothing more until the next use");
        idle.touch();
        tokio::time::sleep(Duration::from_millis(900)).await;
        assert_eq!(trims.load(SeqCst), 1);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(trims.load(SeqCst), 2);
        task.abort();
    }

    #[test]
    fn the_apps_store_keeps_an_eight_mib_page_cache() {
        let store = Store::open_in_memory(DeviceIdentity {
            device_id: Uuid::from_u128(1),
            user_id: Uuid::from_u128(2),
        })
        .expect("store");
        assert_eq!(store.page_cache_kib().expect("cache"), 32 * 1024);
        super::size_store_cache(&store).expect("sized");
        assert_eq!(store.page_cache_kib().expect("cache"), 8 * 1024);
    }
}
