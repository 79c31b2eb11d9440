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
        MockApp::build(dir, false)
    }

    /// Starts the app with its background sync running, as the app's setup starts it (the mock
    /// runtime runs no event loop, so no setup): it syncs at once.
    pub fn start_with_sync(dir: tempfile::TempDir) -> MockApp {
        MockApp::build(dir, true)
    }

    fn build(dir: tempfile::TempDir, setup: bool) -> MockApp {
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
        if setup {
            sotay_app::sync_loop::start(app.handle().clone());
        }
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

    /// Starts the app on an enrolled folder and sets the tests' PIN, as a user does first.
    pub fn start_unlocked(dir: tempfile::TempDir) -> MockApp {
        let app = MockApp::start(dir);
        let status: Value = app
            .call(
                "set_pin",
                json!({ "input": { "current": "", "pin": crate::PIN, "confirm": crate::PIN } }),
            )
            .expect("the first PIN");
        assert_eq!(status["locked"], false, "{status}");
        app
    }

    /// Saves a new household of `village` through `save_household`, as its form sends it
    /// (`poverty` = the status and the list year as typed); its id.
    pub fn add_household(
        &self,
        village: Uuid,
        head_name: &str,
        address: &str,
        (poverty_status, poverty_year): (&str, &str),
    ) -> String {
        self.call(
            "save_household",
            json!({ "input": { "id": null, "village_id": village, "head_name": head_name,
                "address": address, "poverty_status": poverty_status, "poverty_year": poverty_year,
                "notes": "" } }),
        )
        .expect("a household")
    }

    pub fn error(&self, cmd: &str, args: Value) -> Value {
        match self.call::<Value>(cmd, args) {
            Ok(answer) => panic!("{cmd} should fail, answered {answer}"),
            Err(err) => err,
        }
    }
}

/// Asserts that a command's error is the refusal `code` on `field`: the two things the UI acts
/// on.
#[track_caller]
fn assert_refused(err: &Value, code: &str, field: &str) {
    assert_eq!(
        (err["code"].as_str(), err["field"].as_str()),
        (Some(code), Some(field)),
        "{err}"
    );
}

/// A data folder with an enrolment (for an office that is not running) and a store holding one
/// village, as after a first sync, its key raw in `store.key` as earlier versions kept it (the
/// app asks for a PIN to wrap it).
pub fn enrolled_dir(role: Role) -> (tempfile::TempDir, Uuid) {
    enrolled_dir_at(role, "http://127.0.0.1:9")
}

/// The same, enrolled with the office at `office_url`.
pub fn enrolled_dir_at(role: Role, office_url: &str) -> (tempfile::TempDir, Uuid) {
    enrolled_dir_with(role, office_url, |_, _| {})
}

/// The same, and `prepare` writes more into the store before the app opens it (as a sync
/// would have brought it), given the store and the user's id.
pub fn enrolled_dir_with(
    role: Role,
    office_url: &str,
    prepare: impl FnOnce(&Store, Uuid),
) -> (tempfile::TempDir, Uuid) {
    let dir = tempfile::tempdir().expect("temp dir");
    let enrolment = Enrolment {
        office_url: office_url.into(),
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
    let key = sotay_store::StoreKey::generate();
    let hex: String = key.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
    std::fs::write(dir.path().join(sotay_device::store_key::RAW_FILE_NAME), hex).expect("key");
    let store = Store::open(
        dir.path().join(sotay_app::state::STORE_FILE),
        DeviceIdentity {
            device_id: enrolment.device_id,
            user_id: enrolment.user.id,
        },
        &key,
    )
    .expect("open the store");
    let village = Village {
        id: new_id(),
        commune_code: "00376".into(),
        name: "Thôn Đông".into(),
        kind: VillageKind::Village,
    };
    store.save_village(&village).expect("village");
    prepare(&store, enrolment.user.id);
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
    // The forms start from today's income floor (Decree 351/2025: 1.500.000 ₫ to the end of
    // 2026, 2.200.000 ₫ from 2027).
    let today = (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive();
    let floor = if today < chrono::NaiveDate::from_ymd_opt(2027, 1, 1).expect("date") {
        1_500_000
    } else {
        2_200_000
    };
    assert_eq!(status["income_floor"], floor, "{status}");
    let err = app.error("today", json!({}));
    assert_eq!(err["code"], "not_enrolled", "{err}");
    assert!(
        err["message"].as_str().unwrap_or("").contains("Bắt đầu"),
        "{err}"
    );
    // Nothing listens at the address typed: said on the address field, with what to check.
    let err = app.error(
        "enroll",
        json!({ "input": { "office_url": "http://127.0.0.1:9", "code": "K7QX2-M9PRA" } }),
    );
    assert_refused(&err, "office_unreachable", "office_url");

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
    let app = MockApp::start_unlocked(dir);
    for head in ["Trần Văn Ba", "Nguyễn Văn Đức", "Lê Thị Hoa"] {
        app.add_household(village, head, "Thôn Đông", ("none", ""));
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
fn targets_come_the_users_own_first_then_the_communes_then_the_villages_by_name() {
    use chrono::Datelike;
    use sotay_domain::{QuotaPeriod, QuotaScope};
    let today = chrono::Utc::now().date_naive();
    let period = QuotaPeriod::HalfYear {
        year: today.year(),
        half: if today.month() <= 6 { 1 } else { 2 },
    };
    let (dir, _) = enrolled_dir_with(Role::Collector, "http://127.0.0.1:9", |store, user| {
        let mut scopes = Vec::new();
        for name in ["Thôn Hạ", "Thôn Đông", "Thôn Đoài"] {
            let village = Village {
                id: new_id(),
                commune_code: "00376".into(),
                name: name.into(),
                kind: VillageKind::Village,
            };
            store.save_village(&village).expect("village");
            scopes.push(QuotaScope::Village(village.id));
        }
        scopes.insert(1, QuotaScope::Collector(user));
        scopes.insert(3, QuotaScope::Commune("00376".into()));
        for scope in scopes {
            let quota = sotay_fixtures::records::quota("00376", scope, period, 20, 10);
            store.save_quota(&quota).expect("quota");
        }
    });
    let app = MockApp::start_unlocked(dir);
    let items: Value = app.call("targets", json!({})).expect("the targets");
    let order: Vec<(String, String)> = items
        .as_array()
        .expect("a list")
        .iter()
        .map(|q| {
            (
                q["scope_kind"].as_str().unwrap_or_default().to_owned(),
                q["scope_name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("collector", ""),
        ("commune", "Xã Sóc Sơn"),
        ("village", "Thôn Đoài"),
        ("village", "Thôn Đông"),
        ("village", "Thôn Hạ"),
    ]
    .map(|(k, n)| (k.to_owned(), n.to_owned()));
    assert_eq!(order, expected, "{items}");
}

#[test]
fn bad_input_gets_a_message_on_its_field_and_saves_nothing() {
    let (dir, village) = enrolled_dir(Role::Collector);
    let app = MockApp::start_unlocked(dir);
    let household = app.add_household(
        village,
        "Nguyễn Văn Đức",
        "Số 1 Thôn Đông",
        ("near_poor", "2025"),
    );
    let before = outbox_len(app.dir.path());
    let person = |pid: &str, phone: &str, dob: &str| {
        json!({ "input": { "id": null, "household_id": household, "full_name": "Nguyễn Văn Đức",
            "sex": "male", "date_of_birth": dob, "personal_id": pid, "phone": phone,
            "occupation": "farmer", "ethnic_minority": false, "coverage": "none", "stage": null,
            "notes": "" } })
    };
    let err = app.error("save_person", person("12345", "0912345678", "12/04/1985"));
    assert_refused(&err, "cccd_length", "personal_id");
    let err = app.error("save_person", person("001085001234", "0123", "12/04/1985"));
    assert_eq!(err["field"], "phone", "{err}");
    assert!(
        err["code"].as_str().unwrap_or("").starts_with("phone_"),
        "{err}"
    );
    let err = app.error("save_person", person("", "", "01/01/2099"));
    assert_refused(&err, "date_in_future", "date_of_birth");
    let err = app.error("save_person", person("", "", "31/02/1985"));
    assert_refused(&err, "date_no_such_day", "date_of_birth");
    let err = app.error("save_person", person("", "", "hôm qua"));
    assert_refused(&err, "date_format", "date_of_birth");
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
    assert_refused(&err, "income_below_floor", "monthly_income");
    let err = app.error(
        "save_meeting",
        json!({ "input": { "kind": "village_meeting", "village_id": village, "date": "15/11/2026",
            "attendees": "bốn mươi", "organiser": "", "notes": "" } }),
    );
    assert_refused(&err, "number_format", "attendees");
}

#[test]
fn a_board_member_handles_no_money() {
    let (dir, _) = enrolled_dir(Role::BoardMember);
    let app = MockApp::start_unlocked(dir);
    let status: Value = app.call("app_status", json!({})).expect("status");
    assert_eq!(status["actions"], json!([]));
    let err = app.error("cash_on_hand", json!({}));
    assert_eq!(err["code"], "forbidden_for_role");
    let err = app.error(
        "collect_payment",
        json!({ "input": { "enrollment_id": Uuid::now_v7(), "receipt_number": "1", "method": "cash" } }),
    );
    assert_eq!(err["code"], "forbidden_for_role");
    // Nor the terms money is worked out on.
    let err = app.error(
        "change_sign_up_terms",
        json!({ "input": { "enrollment_id": Uuid::now_v7(), "income": "2.200.000", "mode": { "kind": "quarterly" } } }),
    );
    assert_eq!(err["code"], "forbidden_for_role");
    let err = app.error("sign_up_terms", json!({ "enrollmentId": Uuid::now_v7() }));
    assert_eq!(err["code"], "forbidden_for_role");
    let today: Value = app.call("today", json!({})).expect("today works");
    assert_eq!(
        today["cash_on_hand"],
        Value::Null,
        "no cash line for a board member"
    );
}

#[test]
fn a_forgotten_pin_starts_over_with_the_old_data_set_aside() {
    let (dir, _) = enrolled_dir(Role::Collector);
    let app = MockApp::start_unlocked(dir);
    assert_eq!(
        app.error("start_over", json!({}))["code"],
        "not_locked",
        "an open app changes its PIN in Settings instead"
    );
    let _: Value = app.call("lock", json!({})).expect("lock");
    let status: Value = app.call("start_over", json!({})).expect("start over");
    assert_eq!(status["enrolled"], false, "{status}");
    assert_eq!(app.error("today", json!({}))["code"], "not_enrolled");
    // Nothing deleted: the store, its key and the enrolment are all beside, renamed.
    let names: Vec<String> = std::fs::read_dir(app.dir.path())
        .expect("the data folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let database = sotay_device::erase::DATABASE_FILE_NAME;
    assert!(!names.iter().any(|n| n == database), "{names:?}");
    assert!(
        names
            .iter()
            .any(|n| n.starts_with(&format!("{database}.forgotten-pin-"))),
        "the store set aside: {names:?}"
    );
    assert!(
        !sotay_device::Enrolment::path(app.dir.path()).exists(),
        "the enrolment set aside too: {names:?}"
    );
    assert!(
        names
            .iter()
            .filter(|n| n.contains(".forgotten-pin-"))
            .count()
            >= 3,
        "store, key and enrolment kept under the new names: {names:?}"
    );
}

#[test]
fn the_pin_locks_every_data_command_until_it_is_typed() {
    let (dir, _) = enrolled_dir(Role::Collector);
    let app = MockApp::start(dir);
    let status: Value = app.call("app_status", json!({})).expect("status");
    assert_eq!(
        (&status["locked"], &status["pin_set"]),
        (&json!(true), &json!(false)),
        "enrolled without a PIN: one must be set first: {status}"
    );
    assert_eq!(app.error("today", json!({}))["code"], "pin_required");
    assert_eq!(
        app.error("unlock", json!({ "pin": "2468" }))["code"],
        "pin_required"
    );
    let status: Value = app.call("lock", json!({})).expect("lock");
    assert_eq!(
        (&status["locked"], &status["pin_set"]),
        (&json!(true), &json!(false)),
        "still waiting for a PIN"
    );
    let err = app.error(
        "set_pin",
        json!({ "input": { "current": "", "pin": "12a4", "confirm": "12a4" } }),
    );
    assert_eq!(err["code"], "pin_format");
    let err = app.error(
        "set_pin",
        json!({ "input": { "current": "", "pin": "1234567", "confirm": "1234567" } }),
    );
    assert_eq!(err["code"], "pin_format", "a new PIN has 4 to 6 digits");
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
    assert_eq!(status["locked"], false);
    let dir = app.dir.path();
    assert!(
        !dir.join(sotay_device::store_key::RAW_FILE_NAME).exists(),
        "the raw key of the earlier version is gone"
    );
    let wrapped = std::fs::read_to_string(dir.join(sotay_device::store_key::WRAPPED_FILE_NAME))
        .expect("the wrapped key");
    let settings = std::fs::read_to_string(dir.join("settings.json")).unwrap_or_default();
    assert!(
        !wrapped.contains("2468") && !settings.contains("2468"),
        "the PIN is never stored"
    );
    let status: Value = app.call("lock", json!({})).expect("lock");
    assert_eq!(status["locked"], true);
    assert_eq!(app.error("today", json!({}))["code"], "locked");
    assert_eq!(
        app.error("search", json!({ "query": "nguyen" }))["code"],
        "locked"
    );
    // Drafts hold what was typed (names, ID numbers): they are data too.
    assert_eq!(
        app.error("load_draft", json!({ "form": "person:new:x" }))["code"],
        "locked"
    );
    assert_eq!(
        app.error(
            "save_draft",
            json!({ "form": "person:new:x", "data": "{}" })
        )["code"],
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

    // A restart asks for the PIN first, and the store opens only with it.
    let dir = app.dir;
    drop(app._app);
    let again = MockApp::start(dir);
    let status: Value = again.call("app_status", json!({})).expect("status");
    assert_eq!(status["locked"], true, "locked at start");
    assert_eq!(status["pin_set"], true);
    assert_eq!(again.error("today", json!({}))["code"], "locked");
    again
        .call::<Value>("unlock", json!({ "pin": "2468" }))
        .expect("unlock");
    again
        .call::<Value>("today", json!({}))
        .expect("the store is open");
}

/// The bytes of the database file and its write-ahead log.
fn database_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut bytes = std::fs::read(dir.join(sotay_app::state::STORE_FILE)).expect("db");
    bytes.extend(std::fs::read(dir.join("sotay.sqlite3-wal")).unwrap_or_default());
    bytes
}

#[test]
fn a_changed_pin_rewraps_the_key_and_leaves_the_database_as_it_was() {
    let (dir, village) = enrolled_dir(Role::Collector);
    let app = MockApp::start_unlocked(dir);
    app.add_household(village, "Trần Thị Bình", "Số 3 Thôn Đông", ("none", ""));
    let before = database_bytes(app.dir.path());
    let key_file = app
        .dir
        .path()
        .join(sotay_device::store_key::WRAPPED_FILE_NAME);
    let wrapped_before = std::fs::read(&key_file).expect("key file");

    let err = app.error(
        "set_pin",
        json!({ "input": { "current": "1111", "pin": "975310", "confirm": "975310" } }),
    );
    assert_eq!(err["code"], "pin_wrong", "the current PIN is asked: {err}");
    assert_eq!(std::fs::read(&key_file).expect("key file"), wrapped_before);
    app.call::<Value>(
        "set_pin",
        json!({ "input": { "current": crate::PIN, "pin": "975310", "confirm": "975310" } }),
    )
    .expect("change the PIN");
    assert_ne!(std::fs::read(&key_file).expect("key file"), wrapped_before);
    assert_eq!(
        database_bytes(app.dir.path()),
        before,
        "the database is not re-encrypted: not one byte changed"
    );

    let dir = app.dir;
    drop(app._app);
    let again = MockApp::start(dir);
    let err = again.error("unlock", json!({ "pin": crate::PIN }));
    assert_eq!(err["code"], "pin_wrong", "the old PIN opens nothing");
    again
        .call::<Value>("unlock", json!({ "pin": "975310" }))
        .expect("the new PIN opens");
    let found: Value = again
        .call("search", json!({ "query": "tran thi binh" }))
        .expect("search");
    assert_eq!(found.as_array().map(Vec::len), Some(1), "{found}");
}

#[test]
fn an_earlier_versions_raw_key_and_pin_are_wrapped_at_the_next_unlock() {
    let (dir, _) = enrolled_dir(Role::Collector);
    // Earlier versions kept the PIN's record in settings.json and the key raw beside it.
    let (legacy, _) = sotay_device::PinRecord::create(crate::PIN).expect("record");
    sotay_device::Settings {
        pin: Some(legacy),
        ..sotay_device::Settings::default()
    }
    .save(dir.path())
    .expect("settings");
    let raw = std::fs::read(dir.path().join(sotay_device::store_key::RAW_FILE_NAME)).expect("raw");
    let app = MockApp::start(dir);
    let status: Value = app.call("app_status", json!({})).expect("status");
    assert_eq!(
        (&status["locked"], &status["pin_set"]),
        (&json!(true), &json!(true)),
        "{status}"
    );
    assert_eq!(
        app.error("unlock", json!({ "pin": "1111" }))["code"],
        "pin_wrong"
    );
    let dir = app.dir.path();
    assert_eq!(
        std::fs::read(dir.join(sotay_device::store_key::RAW_FILE_NAME)).expect("raw"),
        raw,
        "a wrong PIN migrates nothing"
    );
    app.call::<Value>("unlock", json!({ "pin": crate::PIN }))
        .expect("the old PIN opens");
    app.call::<Value>("today", json!({}))
        .expect("the store is open");
    assert!(!dir.join(sotay_device::store_key::RAW_FILE_NAME).exists());
    assert!(
        dir.join(sotay_device::store_key::WRAPPED_FILE_NAME)
            .exists()
    );
    let settings = std::fs::read_to_string(dir.join("settings.json")).expect("settings");
    assert!(
        !settings.contains("verifier"),
        "the old PIN record is gone: {settings}"
    );

    let dir = app.dir;
    drop(app._app);
    let again = MockApp::start(dir);
    again
        .call::<Value>("unlock", json!({ "pin": crate::PIN }))
        .expect("the wrapped key opens with the same PIN");
    again.call::<Value>("today", json!({})).expect("open");
}

#[test]
fn a_damaged_key_file_is_a_clear_error_and_nothing_is_touched() {
    let (dir, _) = enrolled_dir(Role::Collector);
    let app = MockApp::start_unlocked(dir);
    let dir = app.dir;
    drop(app._app);
    let key_file = dir.path().join(sotay_device::store_key::WRAPPED_FILE_NAME);
    let mut wrapped: Value =
        serde_json::from_slice(&std::fs::read(&key_file).expect("key")).expect("json");
    let sealed = wrapped["ciphertext"]
        .as_str()
        .expect("ciphertext")
        .to_owned();
    // Another valid base64 text of the same length: the seal no longer opens.
    let flipped: String = sealed
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i == 2 {
                if c == 'A' { 'B' } else { 'A' }
            } else {
                c
            }
        })
        .collect();
    wrapped["ciphertext"] = json!(flipped);
    let damaged = serde_json::to_vec(&wrapped).expect("json");
    std::fs::write(&key_file, &damaged).expect("damage");
    let db = database_bytes(dir.path());

    let app = MockApp::start(dir);
    let err = app.error("unlock", json!({ "pin": crate::PIN }));
    assert_eq!(err["code"], "store_key_damaged", "{err}");
    assert!(
        err["message"].as_str().unwrap_or("").contains("không xoá"),
        "{err}"
    );
    let status: Value = app.call("app_status", json!({})).expect("status");
    assert_eq!(status["locked"], true);
    assert_eq!(status["store_error"]["code"], "store_key_damaged");
    assert_eq!(
        std::fs::read(&key_file).expect("key"),
        damaged,
        "key file untouched"
    );
    assert_eq!(database_bytes(app.dir.path()), db, "database untouched");

    // A key file that is not even JSON is reported at start.
    let dir = app.dir;
    drop(app._app);
    std::fs::write(&key_file, b"\x00\x01 not a key").expect("damage");
    let app = MockApp::start(dir);
    let status: Value = app.call("app_status", json!({})).expect("status");
    assert_eq!(
        status["store_error"]["code"], "store_key_damaged",
        "{status}"
    );
    assert_eq!(status["locked"], true);
    assert_eq!(
        app.error("unlock", json!({ "pin": crate::PIN }))["code"],
        "store_key_damaged"
    );
    assert_eq!(database_bytes(app.dir.path()), db, "database untouched");
}

#[test]
fn the_lock_out_after_wrong_pins_holds_even_for_the_right_one() {
    let (dir, _) = enrolled_dir(Role::Collector);
    let app = MockApp::start_unlocked(dir);
    app.call::<Value>("lock", json!({})).expect("lock");
    for left in (1..5).rev() {
        let err = app.error("unlock", json!({ "pin": "0000" }));
        assert_eq!(
            (err["code"].as_str(), err["params"]["remaining"].as_str()),
            (Some("pin_wrong"), Some(left.to_string().as_str())),
            "{err}"
        );
    }
    let err = app.error("unlock", json!({ "pin": "0000" }));
    assert_eq!(err["code"], "pin_locked_out", "{err}");
    assert_eq!(err["params"]["seconds"], "30");
    assert_eq!(
        err["params"]["minutes"], "0",
        "under a minute: said in seconds"
    );
    let err = app.error("unlock", json!({ "pin": crate::PIN }));
    assert_eq!(
        err["code"], "pin_locked_out",
        "during the wait even the right PIN is not tried"
    );
    assert_eq!(app.error("today", json!({}))["code"], "locked");
    let err = app.error(
        "set_pin",
        json!({ "input": { "current": crate::PIN, "pin": "1357", "confirm": "1357" } }),
    );
    assert_eq!(err["code"], "locked", "no PIN change while locked");
}

/// An office that answers every request as an office answers a device marked lost: 410 with the
/// wire code `device_wipe` (the office's side and the whole story with a real office are in the
/// webview tests).
fn office_ordering_a_wipe() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut buffer = [0u8; 65536];
            let _ = stream.set_read_timeout(Some(Duration::from_millis(300)));
            let _ = stream.read(&mut buffer);
            let body = json!({ "error": { "code": "device_wipe",
                "message": "Cơ quan BHXH đã báo mất thiết bị này." } })
            .to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 410 Gone\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

#[test]
fn a_wipe_order_erases_the_data_and_returns_to_the_first_run_screen() {
    let (dir, _) = enrolled_dir_at(Role::Collector, &office_ordering_a_wipe());
    // The app syncs at start (its store is open: an earlier version's key, no PIN yet).
    let app = MockApp::start_with_sync(dir);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let status = loop {
        let status: Value = app.call("app_status", json!({})).expect("status");
        if status["enrolled"] == false {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let sync: Value = app.call("sync_status", json!({})).expect("sync status");
            panic!("no wipe after 30 s: {status}; sync: {sync}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(status["locked"], false, "the first-run screen, not a lock");
    assert_eq!(status["pin_set"], false);
    assert_eq!(status["user"], Value::Null);
    assert_eq!(status["notice"]["code"], "device_wipe", "{status}");
    let left: Vec<String> = std::fs::read_dir(app.dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(left.is_empty(), "the data folder holds nothing: {left:?}");
    assert_eq!(app.error("today", json!({}))["code"], "not_enrolled");
    let sync: Value = app.call("sync_status", json!({})).expect("sync status");
    assert_eq!(sync["state"], "not_enrolled");
    // The calculator still works, as before any enrolment.
    app.call::<Value>(
        "quote",
        json!({ "input": { "income": "1.500.000", "mode": { "kind": "monthly" },
            "support_groups": [], "province_code": null, "sex": null, "date_of_birth": "",
            "months_contributed": "" } }),
    )
    .expect("quote");
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
