//! The idle lock covers the screen being filled in instead of closing it: a collector who
//! listens to a villager's questions for longer than the idle time finds, after the PIN, the
//! form as she left it, and nothing was saved meanwhile.

use super::harness::Stage;
use super::{add_household, app_db_count, enrol, unlock};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_being_filled_in_is_there_after_the_idle_lock() {
    let stage = Stage::new().await;
    let (data, office) = (&stage.data, &stage.office);
    let app = stage.app(&[]).await;
    enrol(&app, &office.url, &data.lan_code, None).await;
    app.click("go-today").await;
    // The shortest idle time the settings allow: one minute.
    app.go("settings").await;
    app.driver
        .execute(
            "const idle = document.getElementById('idle'); idle.value = '1';\
             idle.dispatchEvent(new Event('input', { bubbles: true }));\
             idle.dispatchEvent(new Event('change', { bubbles: true }))",
            vec![],
        )
        .await
        .expect("set the idle time");
    app.testid("settings-saved").await;
    app.wait_text("sau 1 phút không dùng").await;

    add_household(&app, "Lò Thị Xuân").await;
    app.click("add-person").await;
    app.fill("full_name", "Lò Văn Páo").await;
    app.fill("date_of_birth", "02091990").await;
    app.fill("notes", "Hỏi về lương hưu").await;
    // No touch for a minute: the PIN screen, and nothing of the form shows under it.
    let start = std::time::Instant::now();
    while !app.shows("unlock").await {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(100),
            "no lock after 100 s without a touch"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    let form_shows: bool = app
        .eval(
            "return document.getElementById('full_name').offsetParent !== null",
            "whether the form shows",
        )
        .await;
    assert!(!form_shows, "the locked screen shows nothing of the form");
    unlock(&app, crate::PIN).await;
    assert_eq!(app.value("full_name").await, "Lò Văn Páo");
    assert_eq!(app.value("date_of_birth").await, "02091990");
    assert_eq!(app.value("notes").await, "Hỏi về lương hưu");
    assert_eq!(
        app_db_count(
            &app,
            "SELECT count(*) FROM persons WHERE full_name = 'Lò Văn Páo'"
        ),
        0,
        "nothing was saved while locked"
    );
    app.click("save").await;
    app.testid("person-summary").await;
    assert_eq!(
        app_db_count(
            &app,
            "SELECT count(*) FROM persons WHERE full_name = 'Lò Văn Páo'"
        ),
        1
    );
    app.stop().await;
}
