//! The real `sotay-office serve` process killed with SIGKILL while a phone pushes, restarted on
//! the same database, and the phone's sync resumed: every op applied exactly once, the database
//! intact (sync promise 1 and 2 across a server crash, not just a dropped connection).

use chrono::Duration;
use sotay_domain::*;
use sotay_office::AnyStore;
use sotay_office::admin::{self, OfficeWriter};
use sotay_office::storage::sqlite::SqliteStore;
use sotay_store::{DeviceIdentity, Store};
use sotay_sync::{SyncClient, SyncConfig};
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

use crate::harness::{serve_process, wait_healthy};

const COMMUNE: &str = "00376";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_push_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("office.sqlite3");
    // Set up the office database with the library, then hand the file to the real binary.
    let (code, village) = {
        let store = AnyStore::Sqlite(SqliteStore::open(&db).expect("open"));
        admin::prepare(&store).await.expect("migrate");
        let village = admin::create_village(
            &store,
            &mut OfficeWriter::default(),
            COMMUNE,
            "Thôn Đông",
            VillageKind::Village,
        )
        .await
        .expect("village");
        let (_, code) = admin::user_with_code(
            &store,
            "Nguyễn Thị Lan",
            Role::Collector,
            COMMUNE,
            None,
            Duration::hours(1),
        )
        .await
        .expect("user");
        (code, village.id)
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = serve_process(&db, port, &[]);
    wait_healthy(&reqwest::Client::new(), &base).await;

    let enrolled = sotay_sync::enroll(&base, &code, "Điện thoại chị Lan")
        .await
        .expect("enrol");
    let phone_dir = tempfile::tempdir().expect("temp dir");
    let identity = DeviceIdentity {
        device_id: enrolled.device_id,
        user_id: enrolled.user.id,
    };
    let phone = Arc::new(Mutex::new(
        Store::open(
            phone_dir.path().join("sotay.db"),
            identity,
            &sotay_store::StoreKey::generate(),
        )
        .expect("phone store"),
    ));
    let households: Vec<Household> = (0..3_000)
        .map(|n| Household {
            id: new_id(),
            commune_code: COMMUNE.into(),
            village_id: Some(village),
            address: format!("Xóm {}, thôn Đông", n % 9 + 1),
            head_name: format!("Nguyễn Văn Hộ {n}"),
            poverty_status: PovertyStatus::None,
            poverty_year: None,
            notes: String::new(),
            location: None,
        })
        .collect();
    let config = SyncConfig {
        push_batch_ops: 100,
        max_attempts: 2,
        base_backoff: std::time::Duration::from_millis(5),
        max_backoff: std::time::Duration::from_millis(20),
        ..SyncConfig::default()
    };
    let client = SyncClient::new(&base, &enrolled.device_token, config).expect("client");
    // The first sync brings the area's villages, which the phone's records name.
    client
        .sync(&phone, &|_| {}, &CancellationToken::new())
        .await
        .expect("first sync");
    phone.lock().unwrap().save_batch(&households).expect("save");

    // Three crashes at different moments of the push, each followed by a restart.
    let mut interrupted = 0;
    for delay_ms in [40u64, 150, 300] {
        let syncing = {
            let client = client.clone();
            let phone = phone.clone();
            tokio::spawn(async move {
                client
                    .sync(&phone, &|_| {}, &CancellationToken::new())
                    .await
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
        server.kill().expect("SIGKILL the server");
        server.wait().expect("reap");
        let _ = syncing.await.expect("sync task");
        if phone.lock().unwrap().outbox_pending_count().expect("count") > 0 {
            interrupted += 1;
        }
        server = serve_process(&db, port, &[]);
        wait_healthy(&reqwest::Client::new(), &base).await;
    }
    assert!(
        interrupted >= 1,
        "at least one kill must land while ops were still unsent"
    );
    let report = client
        .sync(&phone, &|_| {}, &CancellationToken::new())
        .await
        .expect("final sync");
    assert!(
        report.synced,
        "after the crashes the phone syncs fully: {report:?}"
    );
    server.kill().expect("stop");
    server.wait().expect("reap");

    let conn = rusqlite::Connection::open(&db).expect("open office db");
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity");
    assert_eq!(
        integrity, "ok",
        "the office database survives SIGKILL intact"
    );
    let applied: i64 = conn
        .query_row(
            "SELECT count(*) FROM applied_ops WHERE device_id = ?1",
            [enrolled.device_id.to_string()],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(
        applied, 3_000,
        "every op applied exactly once across three crashes"
    );
    let households_at_office: i64 = conn
        .query_row(
            "SELECT count(*) FROM records WHERE entity = 'household'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(
        households_at_office, 3_000,
        "no household lost, none doubled"
    );
}
