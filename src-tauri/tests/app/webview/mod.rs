//! The real app in WebKitGTK through tauri-driver, against a real `sotay-office` process: the
//! whole story, the offline story, bad input and `kill -9`, and the screenshots of every screen.

mod bad_input;
pub mod harness;
mod offline;
mod story;

use harness::AppSession;

/// The ID-card QR text of a man born 12/04/1985 in Hà Nội (001, 0 = male 1900s, 85).
pub const QR: &str =
    "001085001234||Nguyễn Văn Đức|12041985|Nam|Thôn Đông, xã Sóc Sơn, Hà Nội|15062021";

/// Enrols the app with a code on the first-run screen and waits for the first sync.
pub async fn enrol(app: &AppSession, office_url: &str, code: &str, screenshot: Option<&str>) {
    app.fill("office_url", office_url).await;
    app.fill("code", code).await;
    if let Some(name) = screenshot {
        app.screenshot(name).await;
    }
    app.click("enroll").await;
    app.testid("welcome-user").await;
    app.testid("first-sync-done").await;
}

/// The part of `location.hash` after `prefix` (a record id).
pub async fn hash_id(app: &AppSession, prefix: &str) -> String {
    let hash: String = app
        .driver
        .execute("return location.hash", vec![])
        .await
        .expect("hash")
        .convert()
        .expect("a string");
    hash.trim_start_matches(&format!("#/{prefix}/"))
        .split(['/', '?'])
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Adds a household in the village "Thôn Đông" through the UI; returns its id.
pub async fn add_household(app: &AppSession, head: &str) -> String {
    app.go("households").await;
    app.click_text("Thôn Đông").await;
    app.click("add-household").await;
    app.fill("head_name", head).await;
    app.fill("address", "Số 12 Thôn Đông, xã Sóc Sơn").await;
    app.select("poverty_status", "near_poor").await;
    app.fill("poverty_year", "2025").await;
    app.click("save").await;
    app.testid("household-summary").await;
    hash_id(app, "household").await
}

/// Rows of the app's own database (to check what was saved, and that nothing else was).
pub fn app_db_count(app: &AppSession, sql: &str) -> i64 {
    let conn = crate::raw_store(&app.data_dir());
    conn.query_row(sql, [], |r| r.get(0)).expect("count")
}
