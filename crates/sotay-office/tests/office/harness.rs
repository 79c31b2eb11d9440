//! Starts a real office server on 127.0.0.1:0 over a fresh database of either backend, and
//! helpers to enrol a device and build ops.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sotay_domain::{EntityKind, Hlc, Op, Role, Village, VillageKind};
use sotay_office::admin::{self, OfficeWriter};
use sotay_office::storage::postgres::PgStore;
use sotay_office::storage::sqlite::SqliteStore;
use sotay_office::{AnyStore, AppState};
use sotay_sync::protocol::{EnrollResponse, PullResponse, PushResponse};
use tokio::sync::oneshot;
use uuid::Uuid;

/// A phone's store at `path` for the device `enrolled`, with a fresh key, shared as the sync
/// client wants it.
pub fn phone_store(
    path: std::path::PathBuf,
    enrolled: &EnrollResponse,
) -> std::sync::Arc<std::sync::Mutex<sotay_store::Store>> {
    let identity = sotay_store::DeviceIdentity {
        device_id: enrolled.device_id,
        user_id: enrolled.user.id,
    };
    let store = sotay_store::Store::open(path, identity, &sotay_store::StoreKey::generate())
        .expect("phone store");
    std::sync::Arc::new(std::sync::Mutex::new(store))
}

/// Asserts that the office refuses the device of `token` as revoked, on pull and on push.
pub async fn assert_device_revoked(office: &Office, token: &str) {
    for res in [
        office.pull_raw(token, "").await,
        office.push_raw(token, &[]).await,
    ] {
        let (status, code) = error_code(res).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNAUTHORIZED, "device_revoked")
        );
    }
}

/// Runs each named `async fn(Office)` of the calling module on both backends: SQLite always,
/// PostgreSQL when `SOTAY_PG_URL` is set.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() {
                   let office = crate::harness::start(crate::harness::Backend::Sqlite).await.expect("SQLite always runs");
                   super::$name(office).await;
               } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() {
                   if let Some(office) = crate::harness::start(crate::harness::Backend::Postgres).await {
                       super::$name(office).await;
                   }
               } )*
        }
    };
}

/// The demo commune code used by the tests (Xã Sóc Sơn, Hà Nội).
pub const COMMUNE: &str = "00376";
/// Another commune, outside the test user's area.
pub const OTHER_COMMUNE: &str = "00004";

/// Which storage backend a test runs on.
#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running server.
pub struct Office {
    pub base: String,
    pub state: AppState<AnyStore>,
    pub http: reqwest::Client,
    /// Where the database is, for tests that reach past the server (fault injection).
    pub database: Database,
    stop: Option<oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

/// The database under a test server.
#[derive(Clone, Debug)]
pub enum Database {
    Sqlite(std::path::PathBuf),
    Postgres { url: String, schema: String },
}

impl Database {
    /// Every row of `table`, as text (to look for what must not be stored).
    pub async fn dump(&self, table: &str) -> String {
        match self {
            Database::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).expect("open SQLite");
                let mut stmt = conn
                    .prepare(&format!("SELECT * FROM {table}"))
                    .expect("prepare");
                let columns = stmt.column_count();
                let mut rows = stmt.query([]).expect("query");
                let mut out = String::new();
                while let Some(row) = rows.next().expect("row") {
                    for i in 0..columns {
                        let value: rusqlite::types::Value = row.get(i).expect("value");
                        out.push_str(&format!("{value:?}|"));
                    }
                    out.push('\n');
                }
                out
            }
            Database::Postgres { url, schema } => {
                let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .expect("connect PostgreSQL");
                let driver = tokio::spawn(connection);
                let rows = client
                    .query(&format!("SELECT t::text FROM {schema}.{table} t"), &[])
                    .await
                    .expect("dump");
                drop(client);
                let _ = driver.await;
                rows.iter()
                    .map(|r| r.get::<_, String>(0))
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        }
    }

    /// Runs SQL on a connection of its own, as another program (or a failing disk) would.
    pub async fn execute(&self, sqlite: &str, postgres: &str) {
        match self {
            Database::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).expect("open SQLite");
                conn.execute_batch(sqlite).expect("SQLite statement");
            }
            Database::Postgres { url, schema } => {
                let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .expect("connect PostgreSQL");
                let driver = tokio::spawn(connection);
                client
                    .batch_execute(&format!("SET search_path = {schema}; {postgres}"))
                    .await
                    .expect("PostgreSQL statement");
                drop(client);
                let _ = driver.await;
            }
        }
    }
}

impl Drop for Office {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A fresh store; None when the backend is not available here (Postgres without SOTAY_PG_URL).
pub async fn store(backend: Backend, dir: &std::path::Path) -> Option<AnyStore> {
    Some(store_at(backend, dir).await?.0)
}

/// A fresh store and where its data is.
pub async fn store_at(backend: Backend, dir: &std::path::Path) -> Option<(AnyStore, Database)> {
    match backend {
        Backend::Sqlite => {
            let path = dir.join("office.sqlite3");
            Some((
                AnyStore::Sqlite(SqliteStore::open(&path).expect("open SQLite")),
                Database::Sqlite(path),
            ))
        }
        Backend::Postgres => {
            let (url, schema) = sotay_fixtures::postgres::test_database()?;
            Some((
                AnyStore::Postgres(
                    PgStore::open(&url, Some(&schema))
                        .await
                        .expect("open PostgreSQL"),
                ),
                Database::Postgres { url, schema },
            ))
        }
    }
}

/// Starts a server over a fresh database.
pub async fn start(backend: Backend) -> Option<Office> {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, database) = store_at(backend, dir.path()).await?;
    admin::prepare(&store).await.expect("migrate");
    let name = store.backend_name();
    let state = AppState::new(store, name);
    let listener = sotay_office::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let serve_state = state.clone();
    tokio::spawn(async move {
        sotay_office::launch(
            listener,
            async move {
                let _ = stopped.await;
            },
            serve_state,
        )
        .await
        .expect("server runs");
    });
    Some(Office {
        base: format!("http://{addr}"),
        state,
        http: reqwest::Client::new(),
        database,
        stop: Some(stop),
        _dir: dir,
    })
}

/// A field user with an enrolled device.
pub struct Field {
    pub user_id: Uuid,
    pub device_id: Uuid,
    pub token: String,
    pub village: Uuid,
    pub other_village: Uuid,
    pub clock: std::sync::Mutex<sotay_domain::HlcClock>,
}

impl Office {
    pub fn store(&self) -> &AnyStore {
        &self.state.store
    }

    /// An enrolled device as the office keeps it (it must exist).
    pub async fn device(&self, device_id: uuid::Uuid) -> sotay_office::storage::DeviceInfo {
        use sotay_office::storage::LifecycleStore;
        self.store()
            .device(device_id)
            .await
            .expect("read the device")
            .expect("the device exists")
    }

    /// The office's copy of a record, if it has one (the read itself must succeed).
    pub async fn record(&self, id: Uuid) -> Option<sotay_office::apply::StoredRecord> {
        use sotay_office::storage::OfficeStore;
        self.store().record(id).await.expect("read")
    }

    /// Starts a graceful shutdown: in-flight requests finish, new connections are refused.
    pub fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Two villages in COMMUNE; a collector assigned to the first only (or the whole commune).
    /// A GET of `path` without credentials, which must reach the server.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.expect("send")
    }

    /// A village of [`COMMUNE`] written by the office.
    pub async fn create_village(&self, writer: &mut OfficeWriter, name: &str) -> Village {
        admin::create_village(self.store(), writer, COMMUNE, name, VillageKind::Village)
            .await
            .expect("village")
    }

    pub async fn field_user(&self, whole_commune: bool) -> Field {
        let store = self.store();
        let mut writer = OfficeWriter::default();
        let village = self.create_village(&mut writer, "Thôn Đông").await;
        let other = self.create_village(&mut writer, "Thôn Đoài").await;
        let user = admin::create_user(store, "Nguyễn Thị Lan", Role::Collector, Some("0912345678"))
            .await
            .expect("user");
        let area_village = if whole_commune {
            None
        } else {
            Some(village.id)
        };
        let enrolled = self.enroll_in_area(user.id, COMMUNE, area_village).await;
        assert_eq!(
            enrolled.user.id, user.id,
            "the code belongs to the user it was issued for"
        );
        Field::enrolled(user.id, &enrolled, village.id, other.id)
    }

    /// Gives `user_id` the area (`commune`, or one `village` of it) and enrols a device with a
    /// fresh code for them.
    pub async fn enroll_in_area(
        &self,
        user_id: Uuid,
        commune: &str,
        village: Option<Uuid>,
    ) -> EnrollResponse {
        admin::assign_area(self.store(), user_id, commune, village)
            .await
            .expect("area");
        let code = admin::issue_code(self.store(), user_id, Duration::hours(1))
            .await
            .expect("code");
        self.enroll(&code).await
    }

    /// A new user (no area) and a fresh enrolment code for them.
    pub async fn user_code(&self, name: &str, role: Role) -> String {
        let user = admin::create_user(self.store(), name, role, None)
            .await
            .expect("user");
        admin::issue_code(self.store(), user.id, Duration::hours(1))
            .await
            .expect("code")
    }

    pub async fn enroll_raw(&self, code: &str) -> reqwest::Response {
        self.post_json(
            "/api/v1/devices/enroll",
            &json!({"code": code, "device_name": "Điện thoại chị Lan", "protocol": 1}),
        )
        .await
    }

    /// A POST of `body` as JSON to `path` without credentials, which must reach the server.
    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("send")
    }

    pub async fn enroll(&self, code: &str) -> EnrollResponse {
        let res = self.enroll_raw(code).await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "enrolment with a fresh code succeeds"
        );
        res.json().await.expect("enroll json")
    }

    pub async fn push_raw(&self, token: &str, ops: &[Op]) -> reqwest::Response {
        self.http
            .post(self.url("/api/v1/sync/push"))
            .bearer_auth(token)
            .json(&json!({"protocol": 1, "ops": ops}))
            .send()
            .await
            .expect("send")
    }

    /// A push whose body is `body` as it is, sent as JSON (`content-encoding` when given).
    pub async fn push_body(
        &self,
        token: &str,
        content_encoding: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        let mut request = self
            .http
            .post(self.url("/api/v1/sync/push"))
            .bearer_auth(token)
            .header("content-type", "application/json");
        if let Some(encoding) = content_encoding {
            request = request.header("content-encoding", encoding);
        }
        request.body(body).send().await.expect("send")
    }

    pub async fn push(&self, field: &Field, ops: &[Op]) -> PushResponse {
        let res = self.push_raw(&field.token, ops).await;
        assert_eq!(res.status(), StatusCode::OK, "push is accepted");
        res.json().await.expect("push json")
    }

    /// One pull page, which must succeed.
    pub async fn pull(&self, token: &str, query: &str) -> PullResponse {
        let res = self.pull_raw(token, query).await;
        assert_eq!(res.status(), StatusCode::OK, "pull is accepted");
        res.json().await.expect("pull json")
    }

    pub async fn pull_raw(&self, token: &str, query: &str) -> reqwest::Response {
        self.http
            .get(self.url(&format!("/api/v1/sync/pull{query}")))
            .bearer_auth(token)
            .send()
            .await
            .expect("send")
    }
}

impl Field {
    /// The device `enrolled` of `user_id`, whose own village is `village` and whose other
    /// village (outside the area) is `other_village`.
    pub fn enrolled(
        user_id: Uuid,
        enrolled: &EnrollResponse,
        village: Uuid,
        other_village: Uuid,
    ) -> Field {
        Field {
            user_id,
            device_id: enrolled.device_id,
            token: enrolled.device_token.clone(),
            village,
            other_village,
            clock: std::sync::Mutex::new(sotay_domain::HlcClock::new(enrolled.device_id)),
        }
    }

    /// An op by this device that creates a household (a new id) in `village`, headed by `head`.
    pub fn new_household(&self, village: Uuid, head: &str) -> Op {
        self.op(
            EntityKind::Household,
            Uuid::now_v7(),
            household(village, head),
        )
    }

    /// An op by this device.
    pub fn op(&self, entity: EntityKind, id: Uuid, fields: Value) -> Op {
        let now = u64::try_from(chrono::Utc::now().timestamp_millis()).expect("time");
        let hlc = self.clock.lock().expect("clock").tick(now);
        self.op_at(entity, id, fields, hlc)
    }

    pub fn op_at(&self, entity: EntityKind, id: Uuid, fields: Value, hlc: Hlc) -> Op {
        Op {
            op_id: Uuid::now_v7(),
            entity,
            entity_id: id,
            fields: fields.as_object().expect("object").clone(),
            hlc,
            user_id: self.user_id,
            device_id: self.device_id,
        }
    }
}

/// All fields of a valid household.
pub fn household(village: Uuid, head: &str) -> Value {
    json!({
        "commune_code": COMMUNE, "village_id": village, "address": "Số 1 Thôn Đông",
        "head_name": head, "poverty_status": "none", "poverty_year": null, "notes": "",
        "location": null
    })
}

/// All fields of a valid sign-up.
pub fn enrollment(village: Uuid, collector: Uuid) -> Value {
    json!({
        "person_id": Uuid::now_v7(), "household_id": Uuid::now_v7(), "commune_code": COMMUNE,
        "village_id": village, "collector_id": collector, "monthly_income": 1_500_000,
        "payment_mode": {"kind": "quarterly"}, "first_month": "2026-01-01",
        "support_groups": ["other"], "quote": null, "status": "submitted", "status_reason": null
    })
}

/// The real binary, `sotay-office --db <db> serve --listen 127.0.0.1:<port> <extra>`.
pub fn serve_process(
    db: &std::path::Path,
    port: u16,
    extra: &[&std::ffi::OsStr],
) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_sotay-office"))
        .arg("--db")
        .arg(db)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(extra)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start sotay-office serve")
}

/// Waits (up to 5 s) until `base` answers `/health`.
pub async fn wait_healthy(client: &reqwest::Client, base: &str) {
    for _ in 0..200 {
        if let Ok(res) = client.get(format!("{base}/health")).send().await
            && res.status().is_success()
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("sotay-office did not become healthy at {base}");
}

/// Runs the real binary's `command` (one that needs no database, such as `quote` or `estimate`)
/// with `args`.
pub fn run_command(command: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_sotay-office"))
        .arg(command)
        .args(args)
        .output()
        .expect("the sotay-office binary runs")
}

/// `command args --json`, which must succeed, as JSON.
pub fn command_json(command: &str, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = run_command(command, &all);
    assert!(
        out.status.success(),
        "{command} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON object")
}

/// `command args`, which must succeed, as text.
pub fn command_text(command: &str, args: &[&str]) -> String {
    let out = run_command(command, args);
    assert!(
        out.status.success(),
        "{command} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The status and `error.code` of an error answer, checking its `error.message` is set.
pub async fn error_code(res: reqwest::Response) -> (StatusCode, String) {
    let status = res.status();
    let body: Value = res.json().await.expect("error bodies are JSON");
    let code = body["error"]["code"]
        .as_str()
        .expect("error.code")
        .to_owned();
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "error.message is set"
    );
    (status, code)
}

/// A field user of `role` with `area` (a whole commune, or one village of it), enrolled.
pub async fn user_with_area(
    office: &Office,
    role: Role,
    commune: &str,
    village: Option<Uuid>,
) -> Field {
    named_user_with_area(office, "Người dùng thử", role, commune, village).await
}

/// [`user_with_area`] named `name`.
pub async fn named_user_with_area(
    office: &Office,
    name: &str,
    role: Role,
    commune: &str,
    village: Option<Uuid>,
) -> Field {
    let user = admin::create_user(office.store(), name, role, None)
        .await
        .expect("user");
    let enrolled = office.enroll_in_area(user.id, commune, village).await;
    Field::enrolled(user.id, &enrolled, village.unwrap_or_default(), Uuid::nil())
}

/// A new village named `name` in `commune`.
pub async fn village_in(office: &Office, commune: &str, name: &str) -> Uuid {
    admin::create_village(
        office.store(),
        &mut OfficeWriter::default(),
        commune,
        name,
        VillageKind::Village,
    )
    .await
    .expect("village")
    .id
}

/// Every record id a device's pulls return, from the start.
pub async fn pulled_ids(office: &Office, token: &str) -> Vec<Uuid> {
    let mut ids = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = office
            .pull(token, &format!("?after={cursor}&limit=500"))
            .await;
        ids.extend(page.changes.iter().map(|c| c.entity_id));
        cursor = page.next_cursor;
        if !page.has_more {
            return ids;
        }
    }
}
