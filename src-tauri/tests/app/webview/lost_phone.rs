//! A lost phone (issue 13): the collector saved a household that has not reached the office yet;
//! the office marks the phone lost (`sotay-office wipe-device`); at its next sync the phone
//! pushes its last work — the household arrives, once — and is then told to erase itself: it
//! comes back to the first-run screen with a plain message, and its data folder holds none of
//! the app's files. Started again, it is a new phone.

use super::harness::{Stage, office_cli};
use super::{add_household, enrol};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_phone_sends_its_last_work_then_erases_itself() {
    let stage = Stage::new().await;
    let (data, office) = (&stage.data, &stage.office);
    // No sync by itself after the first one: the household waits on the phone until the test
    // asks, after the office has marked the phone lost.
    let quiet = [
        ("SOTAY_SYNC_INTERVAL_SECS", "3600"),
        ("SOTAY_SYNC_DEBOUNCE_MS", "3600000"),
    ];
    let app = stage.app(&quiet).await;
    enrol(&app, &office.url, &data.lan_code, None).await;
    app.click("go-today").await;
    let household = add_household(&app, "Lò Văn Páo").await;
    let at_office = || {
        data.query(&format!(
            "SELECT entity_id FROM records WHERE entity = 'household' AND entity_id = '{household}'"
        ))
    };
    assert!(
        at_office().is_empty(),
        "the household has not been sent yet"
    );
    let device = sotay_device::Enrolment::load(&app.data_dir())
        .expect("the enrolment")
        .expect("enrolled")
        .device_id;

    let (ok, out, err) = office_cli(&data.db, &["wipe-device", "--device", &device.to_string()]);
    assert!(ok, "wipe-device: {out} {err}");
    app.click("sync-now").await;
    app.testid("wiped").await;
    app.wait_text("Cơ quan BHXH đã báo mất thiết bị này").await;
    app.testid("enroll").await;
    app.screenshot("23-da-xoa-du-lieu").await;

    assert_eq!(
        at_office().len(),
        1,
        "the household saved before the wipe reached the office, once"
    );
    let left: Vec<String> = std::fs::read_dir(app.data_dir())
        .expect("the data folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    for name in &left {
        assert!(
            !(name.starts_with("sotay.sqlite3")
                || name.starts_with("store")
                || name == "device.json"
                || name == "settings.json"),
            "{name} is left in the data folder: {left:?}"
        );
    }
    app.stop().await;

    // Started again, it is a phone that was never enrolled: no lock, the enrolment form.
    let again = stage.app(&quiet).await;
    again.testid("enroll").await;
    let page = again.page_text().await;
    assert!(
        !page.contains("Lò Văn Páo") && !page.contains("Nguyễn Thị Lan"),
        "nothing of the collector is shown: {page}"
    );
    again.stop().await;
}
