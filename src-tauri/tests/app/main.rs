//! Tests of the field app, in one binary (one compile for all): the commands through Tauri's
//! mock runtime (no display), the list of error codes the UI must know, and the real app in
//! WebKitGTK through tauri-driver under Xvfb against a real `sotay-office` process.

mod codes;
mod mock;
mod webview;

/// A plain SQLite connection to an app's encrypted store, with the key kept beside it (to look
/// at what was saved, as the tests do).
pub fn raw_store(data_dir: &std::path::Path) -> rusqlite::Connection {
    let key = sotay_device::store_key::load_or_create(data_dir).expect("the store key");
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let conn = rusqlite::Connection::open(data_dir.join(sotay_app::state::STORE_FILE))
        .expect("open the app's store");
    conn.execute_batch(&format!("PRAGMA key = \"x'{hex}'\";"))
        .expect("key");
    conn
}
