//! A village of many households (issue 10): its list shows the first page at once and the next
//! ones as it is scrolled, all the way to the last household, while only the rows near the
//! screen are in the page — what keeps a 2,000-household village from costing the webview
//! 2,000 rows of memory. The last row opens its household, and scrolling back shows the first.
//! Screenshots of the list's top and of its end.

use serde_json::Value;

use super::enrol;
use super::harness::{AppSession, Stage};

/// Scrolls the window to its end, a frame at a time, until the list has loaded `count` rows
/// (or 30 s pass); answers what the page then holds.
const SCROLL_TO_END_JS: &str = r#"
const done = arguments[arguments.length - 1];
const count = arguments[0];
const list = document.querySelector("[data-testid='village-households']");
const t0 = performance.now();
let most = 0;
const step = () => {
  const rows = list.querySelectorAll("[role='listitem']");
  most = Math.max(most, rows.length);
  if (Number(list.dataset.loaded) >= count || performance.now() - t0 > 30000) {
    window.scrollTo(0, document.documentElement.scrollHeight);
    requestAnimationFrame(() => requestAnimationFrame(() => {
      const drawn = list.querySelectorAll("[role='listitem']");
      done({
        loaded: Number(list.dataset.loaded),
        most: Math.max(most, drawn.length),
        last: drawn[drawn.length - 1].querySelector('.title').textContent,
      });
    }));
    return;
  }
  window.scrollTo(0, document.documentElement.scrollHeight);
  requestAnimationFrame(step);
};
step();
"#;

/// The first row the list shows, and how many rows are in the page.
const FIRST_ROW_JS: &str = r#"
const rows = document.querySelectorAll("[data-testid='village-households'] [role='listitem']");
return { first: rows[0].querySelector('.title').textContent, drawn: rows.length };
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_village_of_many_households_scrolls_to_its_end_with_few_rows_in_the_page() {
    // 720 households over the six villages: 120 in Thôn Đông, the board member's area — two
    // pages of 60 and the start of a third.
    let stage = Stage::with_households(720).await;
    let app = stage.app(&[]).await;
    enrol(&app, &stage.office.url, &stage.data.board_code, None).await;
    app.click("go-today").await;
    app.testid("today-date").await;

    app.go("households").await;
    app.testid("villages").await;
    app.click_text("Thôn Đông").await;
    app.testid("village-households").await;
    app.wait_testid_text("village-count", "120 hộ").await;
    let route: String = app.eval("return location.hash", "the list's route").await;
    app.two_frames().await;
    app.screenshot("28-ho-trong-thon").await;
    the_app_process_draws_without_a_gl_driver(&app);
    let top: Value = app.eval(FIRST_ROW_JS, "the first row").await;
    let first = top["first"].as_str().expect("a first row").to_owned();
    assert!(
        (5..=30).contains(&top["drawn"].as_u64().unwrap_or(0)),
        "a screenful of rows is drawn at first, not the page of 60: {top}"
    );

    let end: Value = app
        .driver
        .execute_async(SCROLL_TO_END_JS, vec![serde_json::json!(120)])
        .await
        .expect("scroll to the end")
        .convert()
        .expect("what the page holds");
    assert_eq!(end["loaded"], 120, "every household loaded: {end}");
    let most = end["most"].as_u64().unwrap_or(u64::MAX);
    assert!(
        most <= 40,
        "at most the rows near the screen are in the page, never the 120: {end}"
    );
    let last = end["last"].as_str().expect("a last row").to_owned();
    app.screenshot("29-cuoi-danh-sach-thon").await;
    // The last row drawn is the village's last household, whose name is one of the office's.
    let names = stage.data.query(
        "SELECT json_extract(h.state, '$.fields.head_name') FROM records h
         JOIN records v ON v.entity_id = h.village_id AND v.entity = 'village'
         WHERE h.entity = 'household' AND json_extract(v.state, '$.fields.name') = 'Thôn Đông'",
    );
    assert_eq!(names.len(), 120, "the office's households of Thôn Đông");
    assert!(
        names.contains(&last),
        "{last:?} is a household of Thôn Đông"
    );

    // The last row opens its household.
    app.driver
        .execute(
            "const rows = document.querySelectorAll(\"[data-testid='village-households'] [role='listitem'] button\");\
             rows[rows.length - 1].click();",
            vec![],
        )
        .await
        .expect("tap the last row");
    app.testid("household-summary").await;
    assert!(
        app.page_text().await.contains(&last),
        "the household page of {last}"
    );

    // Back in the list and at its top, the first household is there again.
    app.go(route.trim_start_matches("#/")).await;
    app.testid("village-households").await;
    app.driver
        .execute("window.scrollTo(0, 0)", vec![])
        .await
        .expect("scroll to the top");
    app.two_frames().await;
    let again: Value = app.eval(FIRST_ROW_JS, "the first row again").await;
    assert_eq!(again["first"], first.as_str(), "{again}");

    // A round by the poverty lists: the chip keeps those households (each row says which list),
    // and "Tất cả" brings the whole village back.
    let office_listed = stage.data.query(
        "SELECT h.entity_id FROM records h
         JOIN records v ON v.entity_id = h.village_id AND v.entity = 'village'
         WHERE h.entity = 'household' AND json_extract(v.state, '$.fields.name') = 'Thôn Đông'
           AND json_extract(h.state, '$.fields.poverty_status') IN ('poor', 'near_poor')",
    );
    assert!(!office_listed.is_empty(), "the demo has listed households");
    app.click("filter-poor_or_near_poor").await;
    let shown = |expected: usize| {
        let app = &app;
        async move {
            for _ in 0..100 {
                let loaded: String = app
                    .eval(
                        "return document.querySelector(\"[data-testid='village-households']\")?.dataset.loaded ?? ''",
                        "rows loaded",
                    )
                    .await;
                if loaded == expected.to_string() {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            panic!("the list did not come to {expected} rows");
        }
    };
    shown(office_listed.len()).await;
    let tags: Value = app
        .eval(
            "return [...document.querySelectorAll(\"[data-testid='village-households'] [role='listitem']\")]\
             .every(r => r.textContent.includes('nghèo'))",
            "every row on a list",
        )
        .await;
    assert_eq!(tags, Value::Bool(true));
    app.click("filter-all").await;
    shown(60).await;
    app.stop().await;
}

/// The frames reach the window while the app's own process has loaded no GL driver (issue 10's
/// memory; `memory::keep_gl_out_of_the_app_process`): GTK's GLX probe and WebKit's EGL display
/// there are kept out, and only WebKit's web process, which paints the page, loads EGL.
fn the_app_process_draws_without_a_gl_driver(app: &AppSession) {
    let maps = |pid: &str| std::fs::read_to_string(format!("/proc/{pid}/maps")).expect("maps");
    let app_maps = maps(&app.app_pid());
    for driver in ["libGLX_mesa", "libEGL_mesa", "swrast_dri", "libLLVM"] {
        assert!(
            !app_maps.contains(driver),
            "the app's own process maps {driver}"
        );
    }
    let web = app
        .webkit_processes()
        .into_iter()
        .find(|(_, name)| name.starts_with("WebKitWebProces"))
        .expect("WebKit's web process");
    assert!(
        maps(&web.0).contains("libEGL_"),
        "the web process has its EGL driver"
    );
    let colours = app.screen_colours();
    assert!(
        colours > 50,
        "the list is on the screen ({colours} colours)"
    );
}
