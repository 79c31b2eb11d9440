//! The real app in WebKitGTK through tauri-driver, against a real `sotay-office` process: the
//! whole story, the offline story, bad input and `kill -9`, a lost phone wiped by the office,
//! the idle lock over a form being filled in, every main screen with the text at 150%, a
//! village of hundreds of households scrolled to its end, and the screenshots of every screen.

mod bad_input;
pub mod harness;
mod idle_lock;
mod large_text;
mod long_list;
mod lost_phone;
mod offline;
mod story;

use harness::AppSession;

/// The ID-card QR text of a man born 12/04/1985 in Hà Nội (001, 0 = male 1900s, 85).
pub const QR: &str =
    "001085001234||Nguyễn Văn Đức|12041985|Nam|Thôn Đông, xã Sóc Sơn, Hà Nội|15062021";

/// Enrols the app with a code on the first-run screen, sets the PIN it asks for right after
/// ([`crate::PIN`]), and waits for the first sync.
pub async fn enrol(app: &AppSession, office_url: &str, code: &str, screenshot: Option<&str>) {
    app.fill("office_url", office_url).await;
    app.fill("code", code).await;
    if let Some(name) = screenshot {
        app.screenshot(name).await;
    }
    app.click("enroll").await;
    app.testid("first-pin").await;
    app.fill("new_pin", crate::PIN).await;
    app.fill("confirm_pin", crate::PIN).await;
    if screenshot.is_some() {
        app.screenshot("22-dat-ma-pin").await;
    }
    app.click("set-first-pin").await;
    app.testid("welcome-user").await;
    app.testid("first-sync-done").await;
}

/// Types the PIN on the lock screen (at start the store opens with it).
pub async fn unlock(app: &AppSession, pin: &str) {
    app.testid("unlock").await;
    app.fill("pin", pin).await;
    app.click("unlock").await;
    app.testid("status-line").await;
}

/// The part of `location.hash` after `prefix` (a record id).
pub async fn hash_id(app: &AppSession, prefix: &str) -> String {
    let hash: String = app.eval("return location.hash", "the hash").await;
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

/// Starts recording, in the page, every text the first sync's progress line shows (a
/// MutationObserver: each render, however short, is kept).
pub async fn record_first_sync_progress(app: &AppSession) {
    app.driver
        .execute(
            "window.__progress=[];const seen=()=>{const e=document.querySelector(\"[data-testid='first-sync-count']\");\
             const b=document.querySelector(\"[data-testid='first-sync-bar']\");\
             if(e){const t=e.textContent.trim()+(b?' |'+b.getAttribute('aria-valuenow')+'/'+b.getAttribute('aria-valuemax'):'');\
             if(window.__progress[window.__progress.length-1]!==t)window.__progress.push(t)}};\
             new MutationObserver(seen).observe(document.body,{subtree:true,childList:true,characterData:true,attributes:true});",
            vec![],
        )
        .await
        .expect("observer");
}

/// The number in a Vietnamese count (`27.500` → 27500).
fn count_of(text: &str) -> u64 {
    text.replace('.', "").trim().parse().unwrap_or(0)
}

/// The first sync showed how much was left: "Đã tải X / Y bản ghi" with a determinate bar, X
/// below Y on the way, Y the same on every page and equal to what the sync received in the end.
pub async fn check_first_sync_progress(app: &AppSession) {
    let seen: Vec<String> = app
        .eval("return window.__progress", "the progress texts")
        .await;
    let done = app.text_of("first-sync-done").await;
    let received = done
        .split(':')
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .map(count_of)
        .unwrap_or_else(|| panic!("no count in {done:?}"));
    let shown: Vec<(u64, u64)> = seen
        .iter()
        .filter_map(|text| {
            let rest = text.strip_prefix("Đã tải ")?;
            let (of, bar) = rest.split_once(" bản ghi |")?;
            let (x, y) = of.split_once(" / ")?;
            let (x, y) = (count_of(x), count_of(y));
            assert_eq!(
                bar,
                format!("{x}/{y}"),
                "the bar shows what the words say: {text}"
            );
            Some((x, y))
        })
        .collect();
    assert!(
        shown.iter().any(|(x, y)| x < y),
        "the bar showed the download part way, with how much is left: {seen:?}"
    );
    assert!(
        shown.iter().all(|(_, y)| *y == received),
        "every page said the same total, the {received} records received: {seen:?}"
    );
    assert!(
        shown.windows(2).all(|w| w[0].0 <= w[1].0),
        "it only moves forward: {seen:?}"
    );
}
