//! Tests of the field app, in one binary (one compile for all): the commands through Tauri's
//! mock runtime (no display), the lists the UI is built with (error codes, provinces), and the real app in
//! WebKitGTK through tauri-driver under Xvfb against a real `sotay-office` process.

mod codes;
mod mock;
mod provinces;
mod webview;

/// A file the UI is built with, written by a test from the Rust side: rewritten with
/// `SOTAY_BLESS=1`, otherwise compared with `fresh` (the test fails with `how_to_bless` when the
/// committed file is out of date).
pub fn generated_for_the_ui(path: &str, fresh: &str, how_to_bless: &str) {
    if std::env::var_os("SOTAY_BLESS").is_some() {
        std::fs::write(path, fresh).expect("write the generated file");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert_eq!(committed, fresh, "{path} is out of date: {how_to_bless}");
}

/// The PIN the tests set.
pub const PIN: &str = "2468";

/// The database key of an app's data folder: unwrapped with [`PIN`], or an earlier version's raw
/// key.
pub fn store_key(data_dir: &std::path::Path) -> [u8; 32] {
    use sotay_device::store_key::{self, StoredKey, Unlocked};
    match store_key::load(data_dir).expect("the key file") {
        StoredKey::Raw(key) => *key,
        StoredKey::Wrapped(wrapped) => {
            match wrapped
                .open(PIN, &sotay_device::NoPlatformKeystore)
                .expect("unwrap")
            {
                Unlocked::Key(key) => *key,
                Unlocked::WrongPin => panic!("the tests' PIN does not open the key"),
            }
        }
        StoredKey::Missing => panic!("no key in {}", data_dir.display()),
    }
}

/// A plain SQLite connection to an app's encrypted store, with its key (to look at what was
/// saved, as the tests do).
pub fn raw_store(data_dir: &std::path::Path) -> rusqlite::Connection {
    sotay_store::encryption::connect(
        &data_dir.join(sotay_app::state::STORE_FILE),
        &sotay_store::StoreKey::from_bytes(store_key(data_dir)),
    )
    .expect("open the app's store with its key")
}
