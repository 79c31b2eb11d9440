//! Text that grows with the system (issue 10): Bác Tư reads with glasses and sets his phone's
//! text to the largest size. At 360×740 with the page's root font size at 150% (what Android's
//! font scale does to a webview's `rem`s), every main screen still fits the width: nothing sticks
//! out sideways, and no box cuts its text off. A screenshot of some of them at that size.

use serde_json::Value;

use super::harness::{AppSession, Stage};
use super::{add_household, hash_id};

/// What on the page does not fit its 360 px: the page scrolling sideways, elements sticking out
/// of the screen, boxes that clip their text (scroll boxes such as wide tables are allowed: they
/// scroll, the page does not).
const OVERFLOW_JS: &str = r#"
const width = document.documentElement.clientWidth;
const found = [];
if (document.documentElement.scrollWidth > width + 1) {
  found.push(`the page is ${document.documentElement.scrollWidth}px wide on a ${width}px screen`);
}
const name = (el) => el.tagName.toLowerCase() + (el.dataset.testid ? `[${el.dataset.testid}]` : '')
  + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '')
  + ` "${(el.textContent || '').trim().slice(0, 40)}"`;
const scrolls = (el) => {
  for (let p = el.parentElement; p; p = p.parentElement) {
    const o = getComputedStyle(p).overflowX;
    if (o === 'auto' || o === 'scroll') return true;
  }
  return false;
};
for (const el of document.querySelectorAll('body *')) {
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0 || el.closest('.progress, .bar') || scrolls(el)) continue;
  const style = getComputedStyle(el);
  if (style.visibility === 'hidden') continue;
  if (r.right > width + 1 || r.left < -1) {
    found.push(`${name(el)} spans ${Math.round(r.left)}..${Math.round(r.right)}px`);
  } else if ((style.overflowX === 'hidden' || style.overflowX === 'clip')
      && el.scrollWidth > el.clientWidth + 1 && style.textOverflow !== 'ellipsis') {
    found.push(`${name(el)} cuts off its content (${el.scrollWidth} > ${el.clientWidth}px)`);
  }
}
return found.slice(0, 12);
"#;

/// Starts noting, every 50 ms, the status line's height with what it says: sync comes a few
/// seconds after each save, and the line must not grow or shrink then, or the screen below it
/// moves under a finger about to tap a button.
const WATCH_STATUS_JS: &str = r#"
window.__statusSeen = [];
setInterval(() => {
  const el = document.querySelector("[data-testid='status-line']");
  if (!el) return;
  const seen = `${el.offsetHeight}px ${el.textContent.replace(/\s+/g, ' ').trim()}`;
  if (window.__statusSeen[window.__statusSeen.length - 1] !== seen) window.__statusSeen.push(seen);
}, 50);
"#;

async fn set_text_size(app: &AppSession, percent: u32) {
    app.driver
        .execute(
            "document.documentElement.style.fontSize = arguments[0]",
            vec![serde_json::json!(format!("{percent}%"))],
        )
        .await
        .expect("text size");
}

/// Checks the screen on show fits its width at the raised text size.
async fn fits(app: &AppSession, screen: &str) {
    // Two frames: the layout after the last change.
    app.two_frames().await;
    let found: Value = app.eval(OVERFLOW_JS, "the overflowing elements").await;
    assert_eq!(
        found,
        serde_json::json!([]),
        "{screen} does not fit 360 px with the text at 150%"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_main_screen_fits_a_phone_with_the_text_at_150_percent() {
    let stage = Stage::new().await;
    let (data, office) = (&stage.data, &stage.office);
    let app = stage.app(&[]).await;
    set_text_size(&app, 150).await;
    fits(&app, "Bắt đầu").await;
    app.screenshot("24-chu-lon-bat-dau").await;
    app.fill("office_url", &office.url).await;
    app.fill("code", &data.lan_code).await;
    app.click("enroll").await;
    app.testid("first-pin").await;
    fits(&app, "Đặt mã PIN").await;
    app.fill("new_pin", crate::PIN).await;
    app.fill("confirm_pin", crate::PIN).await;
    app.click("set-first-pin").await;
    app.testid("first-sync-done").await;
    fits(&app, "Đồng bộ lần đầu").await;
    app.click("go-today").await;
    app.testid("today-date").await;
    app.wait_text("Đã đồng bộ lúc").await;
    fits(&app, "Hôm nay").await;
    app.screenshot("25-chu-lon-hom-nay").await;
    let _: Value = app.eval(WATCH_STATUS_JS, "watching the status line").await;

    app.go("households").await;
    app.testid("villages").await;
    fits(&app, "Hộ gia đình").await;
    app.click_text("Thôn Đông").await;
    app.testid("village-households").await;
    fits(&app, "Danh sách hộ của thôn").await;
    app.click("add-household").await;
    app.testid("save").await;
    fits(&app, "Thêm hộ").await;
    let household = add_household(&app, "Nguyễn Thị Phương Thảo").await;
    fits(&app, "Trang hộ").await;
    app.screenshot("26-chu-lon-trang-ho").await;
    app.click("add-person").await;
    app.testid("save").await;
    fits(&app, "Thêm người").await;
    app.fill("full_name", "Nguyễn Thị Phương Thảo").await;
    app.fill("date_of_birth", "02/09/1980").await;
    app.click("save").await;
    app.testid("person-summary").await;
    fits(&app, "Trang người").await;
    let person = hash_id(&app, "person").await;

    app.go(&format!("household/{household}")).await;
    app.click("log-visit").await;
    app.testid("outcomes").await;
    fits(&app, "Thăm hộ").await;
    app.go(&format!("person/{person}")).await;
    app.click("quote-person").await;
    app.fill("monthly_income", "3000000").await;
    app.click("calculate").await;
    app.testid("quote-result").await;
    fits(&app, "Tính mức đóng").await;
    app.screenshot("27-chu-lon-tinh-muc-dong").await;
    app.click_text("Đăng ký với mức này").await;
    app.testid("signup-form").await;
    fits(&app, "Đăng ký").await;

    for (route, ready, screen) in [
        ("cash", "cash-total", "Tiền mặt"),
        ("meetings", "add-meeting", "Hội nghị"),
        ("targets", "target", "Chỉ tiêu"),
        ("sync", "sync-now-big", "Đồng bộ"),
        ("more", "more-settings", "Thêm"),
        ("settings", "about", "Cài đặt"),
    ] {
        app.go(route).await;
        app.testid(ready).await;
        fits(&app, screen).await;
    }

    let seen: Vec<String> = app
        .eval("return window.__statusSeen", "what the status line showed")
        .await;
    let heights: std::collections::BTreeSet<&str> = seen
        .iter()
        .map(|s| s.split(' ').next().expect("a height"))
        .collect();
    assert!(
        seen.len() >= 2,
        "the saves changed what the status line says: {seen:?}"
    );
    assert_eq!(
        heights.len(),
        1,
        "the status line kept its height through the saves and their syncs: {seen:?}"
    );

    app.click("lock-now").await;
    app.testid("unlock").await;
    fits(&app, "Khoá").await;
    app.stop().await;
}
