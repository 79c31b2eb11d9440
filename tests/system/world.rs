//! A small world for whole-system tests: a real office server (in this process, on 127.0.0.1,
//! over a real SQLite file or a PostgreSQL schema), a fault proxy in front of it, and devices —
//! each a real `sotay_store::Store` on its own temp file with its own (possibly wrong) clock,
//! synced by the real `sotay_sync::SyncClient`.

use chrono::{DateTime, Duration, Utc};
use sotay_domain::*;
use sotay_office::admin;
use sotay_office::storage::postgres::PgStore;
use sotay_office::storage::sqlite::SqliteStore;
use sotay_office::{AnyStore, AppState, OfficeStore};
use sotay_store::{DeviceIdentity, SettableClock, Store, StoreKey};
use sotay_sync::{SyncClient, SyncConfig, SyncError, SyncReport};
use sotay_tests::office_seed::prepare_with_village;
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Xã Sóc Sơn, Hà Nội: the test commune.
pub const COMMUNE: &str = "00376";

/// Which office database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL at `SOTAY_PG_URL`.
    Postgres,
}

/// The office: its database and the server process-alike serving it.
pub struct Office {
    pub state: AppState<AnyStore>,
    server: Option<tokio::runtime::Runtime>,
    pub addr: std::net::SocketAddr,
    /// More instances serving the same PostgreSQL database (each in its own runtime).
    others: Vec<(tokio::runtime::Runtime, std::net::SocketAddr)>,
    pub db_path: Option<std::path::PathBuf>,
    /// PostgreSQL URL and schema, to reopen the store after a restart.
    pg: Option<(String, String)>,
    pub village: Uuid,
    _dir: tempfile::TempDir,
}

impl Office {
    /// A fresh office with the official units and one village; `None` when the backend is not
    /// available here (PostgreSQL without `SOTAY_PG_URL`, outside CI).
    pub async fn start(backend: Backend) -> Option<Office> {
        let dir = tempfile::tempdir().expect("temp dir");
        let (store, db_path, pg) = match backend {
            Backend::Sqlite => {
                let path = dir.path().join("office.sqlite3");
                (
                    AnyStore::Sqlite(SqliteStore::open(&path).expect("open SQLite")),
                    Some(path),
                    None,
                )
            }
            Backend::Postgres => {
                let (url, schema) = sotay_fixtures::postgres::test_database()?;
                (
                    AnyStore::Postgres(
                        PgStore::open(&url, Some(&schema))
                            .await
                            .expect("open PostgreSQL"),
                    ),
                    None,
                    Some((url, schema)),
                )
            }
        };
        let village = prepare_with_village(&store, COMMUNE).await;
        let name = store.backend_name();
        let state = AppState::new(store, name);
        let mut office = Office {
            state,
            server: None,
            addr: "127.0.0.1:0".parse().unwrap(),
            others: Vec::new(),
            db_path,
            pg,
            village: village.id,
            _dir: dir,
        };
        office.serve().await;
        Some(office)
    }

    /// Every instance's address: the first, then the others.
    pub fn addrs(&self) -> Vec<std::net::SocketAddr> {
        std::iter::once(self.addr)
            .chain(self.others.iter().map(|(_, addr)| *addr))
            .collect()
    }

    /// Starts one more instance serving the same PostgreSQL database, with nothing shared but
    /// the database (its own pool, clock, policy cache and rate limits), as a province runs
    /// several behind a load balancer.
    pub async fn add_instance(&mut self) {
        let (url, schema) = self
            .pg
            .clone()
            .expect("several instances share a PostgreSQL database");
        let store = AnyStore::Postgres(
            PgStore::open(&url, Some(&schema))
                .await
                .expect("open PostgreSQL"),
        );
        let state = AppState::new(store, "postgres");
        let (runtime, addr) = serve_in_own_runtime(state).await;
        self.others.push((runtime, addr));
    }

    /// Starts serving on a new port, in a runtime of its own (as if in its own process), so
    /// that a restart can stop everything the server was doing at once.
    async fn serve(&mut self) {
        let (runtime, addr) = serve_in_own_runtime(self.state.clone()).await;
        self.addr = addr;
        self.server = Some(runtime);
    }

    /// Kills the server abruptly and starts a new one over the same database on a new port:
    /// its runtime is shut down, so every connection is cut and every request in flight, a
    /// push's batch included, stops at its next await (a PostgreSQL transaction left open is
    /// rolled back when its connection drops; a SQLite batch already on the blocking pool runs
    /// to its commit or rollback, as SQLite itself guarantees). The store is reopened, as a new
    /// process would. The real-process SIGKILL is in sotay-office's `kill` test.
    pub async fn restart(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown_background();
        }
        let store = match (&self.db_path, &self.pg) {
            (Some(path), _) => AnyStore::Sqlite(SqliteStore::open(path).expect("reopen SQLite")),
            (None, Some((url, schema))) => AnyStore::Postgres(
                PgStore::open(url, Some(schema))
                    .await
                    .expect("reopen PostgreSQL"),
            ),
            (None, None) => unreachable!("an office has a database"),
        };
        let name = store.backend_name();
        self.state = AppState::new(store, name);
        self.serve().await;
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Copies the embedded database while the office serves (`sotay-office backup`).
    pub fn backup_to(&self, to: &std::path::Path) {
        let db = self
            .db_path
            .as_ref()
            .expect("backup is of the embedded database");
        sotay_office::backup::backup(db, to).expect("backup");
    }

    /// Stops the office, restores its database from `backup` (`sotay-office restore`: a new
    /// epoch) and serves again on a new port.
    pub async fn restore_from(&mut self, backup: &std::path::Path) {
        if let Some(server) = self.server.take() {
            server.shutdown_background();
        }
        // The old store's connection closes with its state, as a stopped process's would.
        let db = self
            .db_path
            .clone()
            .expect("restore is of the embedded database");
        let placeholder = AppState::new(
            AnyStore::Sqlite(SqliteStore::open_in_memory().expect("in memory")),
            "sqlite",
        );
        drop(std::mem::replace(&mut self.state, placeholder));
        sotay_office::backup::restore(backup, &db)
            .await
            .expect("restore");
        let store = AnyStore::Sqlite(SqliteStore::open(&db).expect("reopen SQLite"));
        self.state = AppState::new(store, "sqlite");
        self.serve().await;
    }

    /// A collector assigned the whole test commune, with a fresh enrolment code.
    pub async fn collector_code(&self, name: &str) -> String {
        let store: &AnyStore = &self.state.store;
        admin::user_with_code(
            store,
            name,
            Role::Collector,
            COMMUNE,
            None,
            Duration::hours(1),
        )
        .await
        .expect("user")
        .1
    }

    /// A collector's phone, enrolled and syncing straight to the office, its clock right.
    pub async fn device(&self, name: &str) -> Device {
        let code = self.collector_code(name).await;
        Device::enroll(
            &self.url(),
            &self.url(),
            &code,
            Duration::zero(),
            test_config(),
        )
        .await
    }

    /// The office's merged state of a record.
    pub async fn record_state(&self, id: Uuid) -> Option<sotay_domain::merge::RecordState> {
        self.state
            .store
            .record(id)
            .await
            .expect("office record")
            .map(|r| r.state)
    }

    /// Number of op ids the office has applied from these devices, read from its database.
    pub async fn applied_op_count(&self, devices: &[Uuid]) -> i64 {
        match (&self.db_path, &self.pg) {
            (Some(path), _) => {
                let conn = rusqlite::Connection::open(path).expect("open office db");
                let mut total = 0;
                for device in devices {
                    let n: i64 = conn
                        .query_row(
                            "SELECT count(*) FROM applied_ops WHERE device_id = ?1",
                            [device.to_string()],
                            |r| r.get(0),
                        )
                        .expect("count");
                    total += n;
                }
                total
            }
            (None, Some((url, schema))) => {
                let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .expect("connect PostgreSQL");
                let driver = tokio::spawn(connection);
                let devices = devices.to_vec();
                let row = client
                    .query_one(
                        &format!(
                            "SELECT count(*) FROM {schema}.applied_ops WHERE device_id = ANY($1)"
                        ),
                        &[&devices],
                    )
                    .await
                    .expect("count");
                drop(client);
                let _ = driver.await;
                row.get(0)
            }
            (None, None) => unreachable!("an office has a database"),
        }
    }
}

/// Serves `state` on a new port of 127.0.0.1 from a runtime of its own.
async fn serve_in_own_runtime(
    state: AppState<AnyStore>,
) -> (tokio::runtime::Runtime, std::net::SocketAddr) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("office")
        .enable_all()
        .build()
        .expect("office runtime");
    let (bound, addr) = tokio::sync::oneshot::channel();
    runtime.spawn(async move {
        let listener = sotay_office::bind("127.0.0.1:0").await.expect("bind");
        let _ = bound.send(listener.local_addr().expect("addr"));
        let _ = sotay_office::launch(listener, std::future::pending(), state).await;
    });
    (runtime, addr.await.expect("office listening"))
}

impl Drop for Office {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown_background();
        }
        for (runtime, _) in self.others.drain(..) {
            runtime.shutdown_background();
        }
    }
}

/// A phone: its store, its clock, its client.
pub struct Device {
    pub store: Arc<Mutex<Store>>,
    pub clock: SettableClock,
    pub identity: DeviceIdentity,
    pub client: SyncClient,
    /// The device's database file.
    pub path: std::path::PathBuf,
    /// Its key.
    pub key: StoreKey,
    _dir: tempfile::TempDir,
}

/// Fast retries for tests (the defaults are tuned for real villages).
pub fn test_config() -> SyncConfig {
    SyncConfig {
        push_batch_ops: 7,
        pull_page: 5,
        max_attempts: 12,
        base_backoff: std::time::Duration::from_millis(2),
        max_backoff: std::time::Duration::from_millis(40),
        request_timeout: std::time::Duration::from_secs(5),
        ..SyncConfig::default()
    }
}

/// Real wall time now, for records (the device's own clock may be wrong).
pub fn real_now() -> DateTime<Utc> {
    Utc::now()
}

impl Device {
    /// Enrols with `code` directly at the office, then syncs through `base_url` (e.g. a proxy).
    /// `skew` sets the device's clock wrong by that much.
    pub async fn enroll(
        office_url: &str,
        base_url: &str,
        code: &str,
        skew: Duration,
        config: SyncConfig,
    ) -> Device {
        let enrolled = sotay_sync::enroll(office_url, code, "Điện thoại thử")
            .await
            .expect("enrol");
        let dir = tempfile::tempdir().expect("temp dir");
        let clock = SettableClock::new(real_now() + skew);
        let identity = DeviceIdentity {
            device_id: enrolled.device_id,
            user_id: enrolled.user.id,
        };
        let path = dir.path().join("sotay.db");
        let key = StoreKey::generate();
        let store = Store::open_with_clock(&path, identity, &key, Arc::new(clock.clone()))
            .expect("open device store");
        store.observe_clock(enrolled.server_clock).expect("observe");
        let store = Arc::new(Mutex::new(store));
        // As the app does right after enrolment: a first sync, straight to the office, brings
        // the area's villages, which the phone's records must name.
        SyncClient::new(office_url, &enrolled.device_token, SyncConfig::default())
            .expect("client")
            .sync(&store, &|_| {}, &CancellationToken::new())
            .await
            .expect("first sync after enrolment");
        let client = SyncClient::new(base_url, &enrolled.device_token, config).expect("client");
        Device {
            store,
            clock,
            identity,
            client,
            path,
            key,
            _dir: dir,
        }
    }

    pub async fn sync(&self) -> Result<SyncReport, SyncError> {
        self.client
            .sync(&self.store, &|_| {}, &CancellationToken::new())
            .await
    }

    pub fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().expect("store lock")
    }

    /// Saves a record; returns the op it wrote, if any.
    pub fn save<E: sotay_store::Record>(&self, record: &E) -> Option<Op> {
        self.store().save(record).expect("save a valid record")
    }
}

/// A household of the test commune's village (the builders are `sotay-fixtures`').
pub fn household(village: Uuid, head: &str) -> Household {
    sotay_fixtures::records::household(COMMUNE, Some(village), head, "Thôn Đông, xã Sóc Sơn")
}

pub use sotay_fixtures::records::person;

/// A visit three days ago (in every device's past, whatever its clock skew of ±2 days).
pub fn visit(household: &Household, by: Uuid) -> Visit {
    sotay_fixtures::records::visit(household, by, real_now() - Duration::days(3))
}
