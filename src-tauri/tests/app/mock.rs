//! The commands through Tauri's mock runtime: the real `build_app`, the real capabilities and
//! command permissions, real store files in temp folders; no display. What a user can send from
//! any form comes back as a `{code, message, field}` error and saves nothing.

use chrono::Utc;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sotay_app::{AppOptions, build_app, sync_task::SyncTiming};
use sotay_device::{EnrolledUser, Enrolment};
use sotay_domain::{Role, Village, VillageKind, new_id};
use sotay_store::{DeviceIdentity, Store};
use std::time::Duration;
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use uuid::Uuid;

/// A mock app over a temp data folder.
pub struct MockApp {
    _app: tauri::App<MockRuntime>,
    webview: tauri::WebviewWindow<MockRuntime>,
    pub dir: tempfile::TempDir,
}

/// No background sync during these tests (the office address points nowhere anyway).
fn quiet_timing() -> SyncTiming {
    SyncTiming {
        interval: Duration::from_secs(3600),
        retry_base: Duration::from_secs(3600),
        retry_max: Duration::from_secs(3600),
        debounce: Duration::from_secs(3600),
    }
}

impl MockApp {
    pub fn start(dir: tempfile::TempDir) -> MockApp {
        let app = build_app(
            mock_builder(),
            AppOptions {
                data_dir: Some(dir.path().to_owned()),
                timing: quiet_timing(),
                enrol_at_start: None,
            },
        )
        .build(tauri::generate_context!())
        .expect("build the app on the mock runtime");
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("the main window");
        MockApp {
            _app: app,
            webview,
            dir,
        }
    }

    /// Invokes `cmd` as the UI does; the error is the JSON the UI receives.
    pub fn call<T: DeserializeOwned>(&self, cmd: &str, args: Value) -> Result<T, Value> {
        get_ipc_response(
            &self.webview,
            InvokeRequest {
                cmd: cmd.into(),
                callback: tauri::ipc::CallbackFn(0),
                error: tauri::ipc::CallbackFn(1),
                url: "tauri://localhost".parse().expect("url"),
                body: args.into(),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_owned(),
            },
        )
        .map(|body| body.deserialize::<T>().expect("the answer decodes"))
    }

    pub fn error(&self, cmd: &str, args: Value) -> Value {
        match self.call::<Value>(cmd, args) {
            Ok(answer) => panic!("{cmd} should fail, answered {answer}"),
            Err(err) => err,
        }
    }
}

/// A data folder with an enrolment (for an office that is not running) and a store holding one
/// village, as after a first sync.
pub fn enrolled_dir(role: Role) -> (tempfile::TempDir, Uuid) {
    let dir = tempfile::tempdir().expect("temp dir");
    let enrolment = Enrolment {
        office_url: "http://127.0.0.1:9".into(),
        device_id: Uuid::now_v7(),
        device_token: "token".into(),
        user: EnrolledUser {
            id: Uuid::now_v7(),
            full_name: "Nguyễn Thị Lan".into(),
            role,
        },
        communes: vec!["00376".into()],
        villages: vec![],
        enrolled_at: Utc::now(),
    };
    enrolment.save(dir.path()).expect("save the enrolment");
    let key = sotay_device::store_key::load_or_create(dir.path()).expect("key");
    let store = Store::open(
        dir.path().join(sotay_app::state::STORE_FILE),
        DeviceIdentity {
            device_id: enrolment.device_id,
            user_id: enrolment.user.id,
        },
        &sotay_store::StoreKey::from_bytes(key),
    )
    .expect("open the store");
    let village = Village {
        id: new_id(),
        commune_code: "00376".into(),
        name: "Thôn Đông".into(),
        kind: VillageKind::Village,
    };
    store.save_village(&village).expect("village");
    (dir, village.id)
}

fn outbox_len(dir: &std::path::Path) -> i64 {
    let conn = crate::raw_store(dir);
    conn.query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
        .expect("count")
}

const QR: &str = "001085001234||Nguyễn Văn Đức|12041985|Nam|Thôn Đông, xã Sóc Sơn, Hà Nội|15062021";

#[test]
fn before_enrolment_the_calculator_works_and_the_rest_says_what_to_do() {
    let app = MockApp::start(tempfile::tempdir().expect("dir"));
    let status: Value = app.call("app_status", json!({})).expect("status");
    assert_eq!(status["enrolled"], false);
    assert_eq!(status["locked"], false);
    let err = app.error("today", json!({}));
    assert_eq!(err["code"], "not_enrolled", "{err}");
    assert!(
        err["message"].as_str().unwrap_or("").contains("Bắt đầu"),
        "{err}"
    );

    let quote: Value = app
        .call(
            "quote",
            json!({ "input": { "income": "1.500.000", "mode": { "kind": "quarterly" },
                "support_groups": ["near_poor"], "province_code": null, "sex": "male",
                "date_of_birth": "12/04/1985", "months_contributed": "" } }),
        )
        .expect("quote before enrolment");
    // rules.md §2: 22% × 1,500,000 = 330,000; near-poor support 40% of that = 132,000.
    assert_eq!(quote["quote"]["gross_monthly"], 330_000);
    assert_eq!(quote["quote"]["state_support_monthly"], 132_000);
    assert_eq!(quote["quote"]["net_monthly"], 198_000);
    assert_eq!(
        quote["quote"]["amount_due"], 594_000,
        "3 months: the story's 594.000 ₫"
    );
    assert!(
        quote["benefit"].is_object(),
        "the pension estimate comes with it"
    );

    let err = app.error(
        "quote",
        json!({ "input": { "income": "1.000.000", "mode": { "kind": "monthly" },
            "support_groups": [], "province_code": null, "sex": null, "date_of_birth": "",
            "months_contributed": "" } }),
    );
    assert_eq!(err["code"], "income_below_floor");
    assert_eq!(err["field"], "monthly_income");
    assert_eq!(err["params"]["floor"], "1.500.000 ₫");

    let fill: Value = app
        .call("read_id_card_qr", json!({ "text": QR }))
        .expect("a QR text");
    assert_eq!(fill["full_name"], "Nguyễn Văn Đức");
    assert_eq!(fill["date_of_birth"], "12/04/1985");
    let err = app.error("read_id_card_qr", json!({ "text": "not a card" }));
    assert_eq!(err["code"], "qr_format");
}

#[test]
fn a_village_list_comes_a_page_at_a_time_with_the_village_on_the_first() {
    let (dir, village) = enrolled_dir(Role::Collector);
    let app = MockApp::start(dir);
    for head in ["Trần Văn Ba", "Nguyễn Văn Đức", "Lê Thị Hoa"] {
        app.call::<String>(
            "save_household",
            json!({ "input": { "id": null, "village_id": village, "head_name": head,
                "address": "Thôn Đông", "poverty_status": "none", "poverty_year": "",
                "notes": "" } }),
        )
        .expect("a household");
    }
    let first: Value = app
        .call(
            "village_households",
            json!({ "villageId": village, "after": null, "limit": 2 }),
        )
        .expect("the first page");
    assert_eq!(first["village"]["name"], "Thôn Đông", "{first}");
    assert_eq!(first["village"]["households"], 3, "{first}");
    let names = |page: &Value| -> Vec<String> {
        page["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| r["head_name"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(names(&first), ["Lê Thị Hoa", "Nguyễn Văn Đức"]);
    assert_eq!(first["next"]["head_name"], "Nguyễn Văn Đức", "{first}");
    let second: Value = app
        .call(
            "village_households",
            json!({ "villageId": village, "after": first["next"], "limit": 2 }),
        )
        .expect("the second page");
    assert_eq!(names(&second), ["Trần Văn Ba"]);
    assert_eq!(second["next"], Value::Null, "the last page: {second}");
    assert_eq!(
        second["village"],
        Value::Null,
        "the village comes once: {second}"
    );
    let err = app.error(
        "village_households",
        json!({ "villageId": Uuid::now_v7(), "after": null, "limit": 60 }),
    );
    assert_eq!(err["code"], "not_found", "{err}");
}

#[test]
fn bad_input_gets_a_message_on_its_field_and_saves_nothing() {
    let (dir, village) = enrolled_dir(Role::Collector);
    let app = MockApp::start(dir);
    let household: String = app
        .call(
            "save_household",
            json!({ "input": { "id": null, "village_id": village, "head_name": "Nguyễn Văn Đức",
                "address": "Số 1 Thôn Đông", "poverty_status": "near_poor", "poverty_year": "2025",
                "notes": "" } }),
        )
        .expect("a household");
    let before = outbox_len(app.dir.path());
    let person = |pid: &str, phone: &str, dob: &str| {
        json!({ "input": { "id": null, "household_id": household, "full_name": "Nguyễn Văn Đức",
            "sex": "male", "date_of_birth": dob, "personal_id": pid, "phone": phone,
            "occupation": "farmer", "ethnic_minority": false, "coverage": "none", "stage": null,
            "notes": "" } })
    };
    let err = app.error("save_person", person("12345", "0912345678", "12/04/1985"));
    assert_eq!(
        (err["code"].as_str(), err["field"].as_str()),
        (Some("cccd_length"), Some("personal_id")),
        "{err}"
    );
    let err = app.error("save_person", person("001085001234", "0123", "12/04/1985"));
    assert_eq!(err["field"], "phone", "{err}");
    assert!(
        err["code"].as_str().unwrap_or("").starts_with("phone_"),
        "{err}"
    );
    let err = app.error("save_person", person("", "", "01/01/2099"));
    assert_eq!(
        (err["code"].as_str(), err["field"].as_str()),
        (Some("date_in_future"), Some("date_of_birth")),
        "{err}"
    );
    let err = app.error("save_person", person("", "", "31/02/1985"));
    assert_eq!(err["code"], "date_format", "{err}");
    let err = app.error("save_person", person("12345", "0123", "12/04/1985"));
    let fields: Vec<&str> = err["fields"]
        .as_array()
        .map(|f| f.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        fields.contains(&"personal_id") && fields.contains(&"phone"),
        "every wrong field is marked: {err}"
    );
    assert_eq!(outbox_len(app.dir.path()), before, "nothing was saved");

    let person_id: String = app
        .call(
            "save_person",
            person("001085001234", "0912345678", "12/04/1985"),
        )
        .expect("a valid person");
    let err = app.error(
        "sign_up",
        json!({ "input": { "person_id": person_id, "income": "1.000.000",
            "mode": { "kind": "quarterly" }, "support_groups": ["near_poor"] } }),
    );
    assert_eq!(
        (err["code"].as_str(), err["field"].as_str()),
        (Some("income_below_floor"), Some("monthly_income"))
    );
    let err = app.error(
        "save_meeting",
        json!({ "input": { "kind": "village_meeting", "village_id": village, "date": "15/11/2026",
            "attendees": "bốn mươi", "organiser": "", "notes": "" } }),
    );
    assert_eq!(
        (err["code"].as_str(), err["field"].as_str()),
        (Some("number_format"), Some("attendees"))
    );
}

#[test]
fn a_board_member_handles_no_money() {
    let (dir, _) = enrolled_dir(Role::BoardMember);
    let app = MockApp::start(dir);
    let status: Value = app.call("app_status", json!({})).expect("status");
    assert_eq!(status["actions"], json!([]));
    let err = app.error("cash_on_hand", json!({}));
    assert_eq!(err["code"], "forbidden_for_role");
    let err = app.error(
        "collect_payment",
        json!({ "input": { "enrollment_id": Uuid::now_v7(), "receipt_number": "1", "method": "cash" } }),
    );
    assert_eq!(err["code"], "forbidden_for_role");
    let today: Value = app.call("today", json!({})).expect("today works");
    assert_eq!(
        today["cash_on_hand"],
        Value::Null,
        "no cash line for a board member"
    );
}

#[test]
fn the_pin_locks_every_data_command_until_it_is_typed() {
    let (dir, _) = enrolled_dir(Role::Collector);
    let app = MockApp::start(dir);
    let err = app.error(
        "set_pin",
        json!({ "input": { "current": "", "pin": "12a4", "confirm": "12a4" } }),
    );
    assert_eq!(err["code"], "pin_format");
    let err = app.error(
        "set_pin",
        json!({ "input": { "current": "", "pin": "2468", "confirm": "2469" } }),
    );
    assert_eq!(err["code"], "pin_mismatch");
    let status: Value = app
        .call(
            "set_pin",
            json!({ "input": { "current": "", "pin": "2468", "confirm": "2468" } }),
        )
        .expect("set the PIN");
    assert_eq!(status["pin_set"], true);
    let stored = std::fs::read_to_string(app.dir.path().join("settings.json")).expect("settings");
    assert!(!stored.contains("2468"), "the PIN is never stored");
    let status: Value = app.call("lock", json!({})).expect("lock");
    assert_eq!(status["locked"], true);
    assert_eq!(app.error("today", json!({}))["code"], "locked");
    assert_eq!(
        app.error("search", json!({ "query": "nguyen" }))["code"],
        "locked"
    );
    let err = app.error("unlock", json!({ "pin": "1111" }));
    assert_eq!(err["code"], "pin_wrong");
    assert_eq!(err["params"]["remaining"], "4");
    let status: Value = app
        .call("unlock", json!({ "pin": "2468" }))
        .expect("unlock");
    assert_eq!(status["locked"], false);
    app.call::<Value>("today", json!({})).expect("open again");

    // A restart asks for the PIN first.
    let dir = app.dir;
    drop(app._app);
    let again = MockApp::start(dir);
    let status: Value = again.call("app_status", json!({})).expect("status");
    assert_eq!(status["locked"], true, "locked at start");
}

#[test]
fn every_declared_command_is_registered_and_allowed() {
    let app = MockApp::start(tempfile::tempdir().expect("dir"));
    let names: Vec<String> = serde_json::from_str::<Vec<String>>(
        &include_str!("../../src/command_names.in").replace(",\n]", "\n]"),
    )
    .expect("the command list");
    for name in names {
        if name == "enroll" {
            continue; // would try the network
        }
        if let Err(err) = app.call::<Value>(&name, json!({})) {
            let text = err.to_string();
            assert!(
                !text.contains("not allowed") && !text.contains("not found"),
                "{name}: {text}"
            );
        }
    }
    let err = app.error("no_such_command", json!({}));
    assert!(err.to_string().contains("not found"), "{err}");
}
