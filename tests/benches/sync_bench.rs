//! Sync benchmarks (issue 4), run with `cargo bench -p sotay-tests --bench sync_bench`
//! (PostgreSQL rows need `SOTAY_PG_URL`; `scripts/bench.sh` starts a throwaway cluster).
//!
//! 1. Push 10,000 ops over loopback to each backend, beside a raw batched insert of the same rows
//!    into the same tables in the same run.
//! 2. Bytes on the wire per visit op (gzip), alone and in a day's batch of 50.
//! 3. 200 devices syncing at once: errors, p50/p99 latency of a whole sync.
//! 4. A day's sync (50 visits, 5 sign-ups, 5 payments, then pull) through the fault proxy shaped to
//!    64 kbit/s with 300 ms each way, without and with 2% of connections cut.
//! 5. A replacement phone's first sync of a collector's whole area (2,000 households, 6,000
//!    persons, 12,000 visits, 1,500 sign-ups, 6,000 payments) over a post office's 3G (1 Mbit/s,
//!    150 ms each way), with 2% of connections cut, and over 64 kbit/s with 300 ms each way
//!    (`SOTAY_BENCH_ONLY=first`).
//! 6. Several office instances on one PostgreSQL (`SOTAY_BENCH_ONLY=instances`): 500 devices
//!    syncing at once, and two phones pushing at once, with one and with two instances.

use chrono::{Duration, NaiveDate, Utc};
use sotay_domain::*;
use sotay_office::admin::{self, OfficeWriter};
use sotay_office::auth;
use sotay_office::storage::NewDevice;
use sotay_office::storage::postgres::PgStore;
use sotay_office::storage::sqlite::SqliteStore;
use sotay_office::{AnyStore, AppState, OfficeStore};
use sotay_store::{DeviceIdentity, SettableClock, Store};
use sotay_sync::protocol::PushRequest;
use sotay_sync::{SyncClient, SyncConfig};
use sotay_tests::fault_proxy::{FaultProxy, Faults, LinkShape};
use sotay_tests::office_seed::prepare_with_village;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const COMMUNE: &str = "00376";

struct Office {
    state: AppState<AnyStore>,
    url: String,
    /// Every instance's address, the first included (more with [`add_instance`]).
    urls: Vec<String>,
    village: Uuid,
    _dir: tempfile::TempDir,
}

async fn office(pg_schema: Option<&str>) -> Office {
    let dir = tempfile::tempdir().unwrap();
    let store = match pg_schema {
        None => AnyStore::Sqlite(SqliteStore::open(&dir.path().join("office.sqlite3")).unwrap()),
        Some(schema) => AnyStore::Postgres(
            PgStore::open(&std::env::var("SOTAY_PG_URL").unwrap(), Some(schema))
                .await
                .unwrap(),
        ),
    };
    let village = prepare_with_village(&store, COMMUNE).await;
    let name = store.backend_name();
    let state = AppState::new(store, name);
    let listener = sotay_office::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let serve = state.clone();
    tokio::spawn(
        async move { sotay_office::launch(listener, std::future::pending(), serve).await },
    );
    Office {
        state,
        urls: vec![url.clone()],
        url,
        village: village.id,
        _dir: dir,
    }
}

/// One more `serve` instance over the same PostgreSQL schema: its own pool, clock, policy cache;
/// nothing shared with the first but the database (as behind a load balancer).
async fn add_instance(office: &mut Office, pg_schema: &str) {
    let store = AnyStore::Postgres(
        PgStore::open(&std::env::var("SOTAY_PG_URL").unwrap(), Some(pg_schema))
            .await
            .unwrap(),
    );
    let state = AppState::new(store, "postgres");
    let listener = sotay_office::bind("127.0.0.1:0").await.unwrap();
    office
        .urls
        .push(format!("http://{}", listener.local_addr().unwrap()));
    tokio::spawn(
        async move { sotay_office::launch(listener, std::future::pending(), state).await },
    );
}

struct Device {
    store: Arc<Mutex<Store>>,
    token: String,
    user: Uuid,
    _dir: tempfile::TempDir,
}

async fn device(office: &Office, name: &str) -> Device {
    device_in(office, name, None).await
}

/// A collector assigned the whole commune, or one village of it.
async fn device_in(office: &Office, name: &str, village: Option<Uuid>) -> Device {
    let store: &AnyStore = &office.state.store;
    let (user, code) = admin::user_with_code(
        store,
        name,
        Role::Collector,
        COMMUNE,
        village,
        Duration::hours(1),
    )
    .await
    .unwrap();
    // Enrol through the store, as the endpoint does: this benchmark measures sync, and the
    // contract tests cover the endpoint.
    let token = auth::new_device_token();
    let device_id = Uuid::now_v7();
    let new_device = NewDevice {
        id: device_id,
        name: "bench".into(),
        token_hash: auth::hash_secret(&token),
        receipt_key: None,
    };
    let code_hash = auth::hash_secret(&auth::normalize_code(&code));
    let enrolled = store
        .enroll(&code_hash, &new_device, Utc::now())
        .await
        .unwrap();
    assert_eq!(enrolled, Some(user.id), "the code belongs to the user");
    let dir = tempfile::tempdir().unwrap();
    let identity = DeviceIdentity {
        device_id,
        user_id: user.id,
    };
    let local = Store::open_with_clock(
        dir.path().join("d.db"),
        identity,
        &sotay_store::StoreKey::generate(),
        Arc::new(SettableClock::new(Utc::now())),
    )
    .unwrap();
    // The village the device writes in, as its first sync after enrolment brings it: not part
    // of what is measured.
    let home = village.unwrap_or(office.village);
    let village_record = store
        .record(home)
        .await
        .unwrap()
        .expect("the office's village");
    local
        .apply_remote(
            &[sotay_store::RemoteChange {
                entity: EntityKind::Village,
                entity_id: home,
                state: village_record.state,
            }],
            "0",
        )
        .unwrap();
    Device {
        store: Arc::new(Mutex::new(local)),
        token,
        user: user.id,
        _dir: dir,
    }
}

fn household(village: Uuid, n: usize) -> Household {
    Household {
        address: format!("Xóm {}, thôn Đông", n % 9 + 1),
        poverty_status: PovertyStatus::None,
        poverty_year: None,
        ..sotay_fixtures::records::household(
            COMMUNE,
            Some(village),
            &format!("Nguyễn Văn Hộ {n}"),
            "",
        )
    }
}

fn visit(house: &Household, by: Uuid) -> Visit {
    Visit {
        notes: "Đã tư vấn, hẹn gọi lại".into(),
        location: Some(GeoPoint {
            lat: 21.2634,
            lon: 105.8486,
        }),
        ..sotay_fixtures::records::visit(house, by, Utc::now() - Duration::hours(2))
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn gzip_len(bytes: &[u8]) -> usize {
    gzip(bytes).len()
}

/// `dev`'s outbox after it saved `households` households in the office's village and visits to
/// them (in turn) up to `ops` records in all.
fn outbox_of_visits(office: &Office, dev: &Device, households: usize, ops: usize) -> Vec<Op> {
    let store = dev.store.lock().unwrap();
    let houses: Vec<Household> = (0..households)
        .map(|n| household(office.village, n))
        .collect();
    store.save_batch(&houses).unwrap();
    let visits: Vec<Visit> = (0..ops - households)
        .map(|n| visit(&houses[n % households], dev.user))
        .collect();
    store.save_batch(&visits).unwrap();
    store.outbox_pending(ops).unwrap()
}

/// Push bodies of 500 ops each, as a phone sends them (JSON, gzip).
fn push_bodies(ops: &[Op]) -> Vec<Vec<u8>> {
    ops.chunks(500)
        .map(|chunk| {
            gzip(
                &serde_json::to_vec(&PushRequest {
                    protocol: 1,
                    ops: chunk.to_vec(),
                })
                .unwrap(),
            )
        })
        .collect()
}

/// Sends one gzipped push body to the office at `url`; it must be accepted.
async fn push_gzipped(http: &reqwest::Client, url: &str, token: &str, body: Vec<u8>) {
    let res = http
        .post(format!("{url}/api/v1/sync/push"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success(),
        "push: {}",
        res.text().await.unwrap()
    );
}

/// 1. 10,000 ops pushed over loopback, and the same rows inserted raw.
async fn push_throughput(pg_schema: Option<&str>) -> (f64, f64) {
    let office = office(pg_schema).await;
    let dev = device(&office, "Bench").await;
    let ops = outbox_of_visits(&office, &dev, 100, 10_000);
    assert_eq!(ops.len(), 10_000);
    // The batches are encoded (JSON, gzip) before the clock starts: in the field each phone
    // compresses its own batches, so the office's rate is what is measured here.
    let bodies = push_bodies(&ops);
    let http = reqwest::Client::new();
    let started = Instant::now();
    for body in bodies {
        push_gzipped(&http, &office.url, &dev.token, body).await;
    }
    let push_rate = 10_000.0 / started.elapsed().as_secs_f64();
    let raw_rate = match pg_schema {
        None => raw_sqlite(&office).await,
        Some(schema) => raw_postgres(schema).await,
    };
    (push_rate, raw_rate)
}

/// Two phones each pushing 5,000 ops at once (batches of 500), to `instances` instances over one
/// PostgreSQL schema (phone i to instance i mod n): the office's combined rate in ops/s.
async fn push_parallel(schema: &str, instances: usize) -> f64 {
    let mut office = office(Some(schema)).await;
    for _ in 1..instances {
        add_instance(&mut office, schema).await;
    }
    let mut jobs = Vec::new();
    for phone in 0..2 {
        let dev = device(&office, &format!("Bench {phone}")).await;
        let bodies = push_bodies(&outbox_of_visits(&office, &dev, 50, 5_000));
        jobs.push((
            office.urls[phone % office.urls.len()].clone(),
            dev.token,
            bodies,
        ));
    }
    let started = Instant::now();
    let tasks: Vec<_> = jobs
        .into_iter()
        .map(|(url, token, bodies)| {
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                for body in bodies {
                    push_gzipped(&http, &url, &token, body).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    10_000.0 / started.elapsed().as_secs_f64()
}

/// Several office instances on one PostgreSQL (`SOTAY_BENCH_ONLY=instances`, item 6): 500
/// devices syncing at once and two phones pushing at once, with one and with two instances.
async fn instances() {
    if std::env::var("SOTAY_PG_URL").is_err() {
        println!("| several instances | not run: SOTAY_PG_URL unset | |");
        return;
    }
    // SOTAY_BENCH_PHONES=light (or =full) runs just that kind, for comparing two builds.
    let only = std::env::var("SOTAY_BENCH_PHONES").ok();
    for (phones, what) in [
        (Phones::Light, "the office's requests only"),
        (Phones::Full, "with the phones' own work on the same cores"),
    ] {
        let name = if phones == Phones::Light {
            "light"
        } else {
            "full"
        };
        if only.as_deref().is_some_and(|only| only != name) {
            continue;
        }
        for n in [1, 2] {
            let schema = format!("bench_{}", Uuid::now_v7().simple());
            let (errors, p50, p99) = many_phones(500, Some(&schema), n, phones).await;
            println!(
                "| 500 devices syncing at once, PostgreSQL, {n} instance(s), {what} | {errors} errors, p50 {p50:.0} ms, p99 {p99:.0} ms | 0 errors, p99 ≤ 1000 ms |"
            );
        }
    }
    for n in [1, 2] {
        let schema = format!("bench_{}", Uuid::now_v7().simple());
        let rate = push_parallel(&schema, n).await;
        println!(
            "| two phones pushing 5,000 ops each at once, PostgreSQL, {n} instance(s) | {rate:.0} ops/s | |"
        );
    }
}

/// One `records` row as stored: id, entity, commune, village, state, version, deleted, seq.
type RawRecord = (
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    i64,
    i64,
);

/// The same rows (records and applied op ids) inserted with prepared statements in batched
/// transactions of 500 into a fresh copy of the office schema.
async fn raw_sqlite(office: &Office) -> f64 {
    let src = rusqlite::Connection::open(office._dir.path().join("office.sqlite3")).unwrap();
    let records: Vec<RawRecord> = src
        .prepare("SELECT entity_id, entity, commune_code, village_id, state, version, deleted, seq FROM records WHERE entity <> 'village'")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let applied: Vec<(String, String, String, String)> = src
        .prepare("SELECT op_id, device_id, entity_id, applied_at FROM applied_ops")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let path = office._dir.path().join("raw.sqlite3");
    SqliteStore::open(&path).unwrap().migrate().await.unwrap();
    let mut conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
    let started = Instant::now();
    for (rows, ops) in records.chunks(500).zip(applied.chunks(500)) {
        let tx = conn.transaction().unwrap();
        {
            let mut rec = tx.prepare_cached("INSERT INTO records (entity_id, entity, commune_code, village_id, state, version, deleted, seq) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)").unwrap();
            for r in rows {
                rec.execute(rusqlite::params![r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7])
                    .unwrap();
            }
            let mut app = tx.prepare_cached("INSERT INTO applied_ops (op_id, device_id, entity_id, applied_at) VALUES (?1,?2,?3,?4)").unwrap();
            for o in ops {
                app.execute(rusqlite::params![o.0, o.1, o.2, o.3]).unwrap();
            }
        }
        tx.commit().unwrap();
    }
    records.len() as f64 / started.elapsed().as_secs_f64()
}

async fn raw_postgres(schema: &str) -> f64 {
    let url = std::env::var("SOTAY_PG_URL").unwrap();
    let raw_schema = format!("{schema}_raw");
    PgStore::open(&url, Some(&raw_schema))
        .await
        .unwrap()
        .migrate()
        .await
        .unwrap();
    let (mut client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let records = client
        .query(&format!("SELECT entity_id, entity, commune_code, village_id, state, version, deleted, seq FROM {schema}.records WHERE entity <> 'village'"), &[])
        .await
        .unwrap();
    let applied = client
        .query(
            &format!("SELECT op_id, device_id, entity_id, applied_at FROM {schema}.applied_ops"),
            &[],
        )
        .await
        .unwrap();
    // Each batch of 500 as two multi-row inserts (arrays unnested), the fastest way to send rows
    // to PostgreSQL short of COPY: one round trip per statement, not per row.
    let started = Instant::now();
    for (rows, ops) in records.chunks(500).zip(applied.chunks(500)) {
        let tx = client.transaction().await.unwrap();
        let column = |i: usize| -> Vec<_> { rows.iter().map(|r| r.get::<_, Uuid>(i)).collect() };
        let text = |i: usize| -> Vec<String> { rows.iter().map(|r| r.get(i)).collect() };
        let (ids, kinds, communes, versions) = (column(0), text(1), text(2), text(5));
        let villages: Vec<Option<Uuid>> = rows.iter().map(|r| r.get(3)).collect();
        let states: Vec<serde_json::Value> = rows.iter().map(|r| r.get(4)).collect();
        let deleted: Vec<bool> = rows.iter().map(|r| r.get(6)).collect();
        let seqs: Vec<i64> = rows.iter().map(|r| r.get(7)).collect();
        tx.execute(
            &format!(
                "INSERT INTO {raw_schema}.records (entity_id, entity, commune_code, village_id, state, version, deleted, seq)
                 SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::jsonb[], $6::text[], $7::bool[], $8::bigint[])"
            ),
            &[&ids, &kinds, &communes, &villages, &states, &versions, &deleted, &seqs],
        )
        .await
        .unwrap();
        let op_ids: Vec<Uuid> = ops.iter().map(|o| o.get(0)).collect();
        let devices: Vec<Uuid> = ops.iter().map(|o| o.get(1)).collect();
        let entities: Vec<Uuid> = ops.iter().map(|o| o.get(2)).collect();
        let at: Vec<chrono::DateTime<Utc>> = ops.iter().map(|o| o.get(3)).collect();
        tx.execute(
            &format!(
                "INSERT INTO {raw_schema}.applied_ops (op_id, device_id, entity_id, applied_at)
                 SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[])"
            ),
            &[&op_ids, &devices, &entities, &at],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    records.len() as f64 / started.elapsed().as_secs_f64()
}

/// Benchmark 2, bytes per visit op: a day's 50 visits, all different (10 households, varied outcomes, notes,
/// GPS, times, people met, follow-up dates), pushed by the real client through the proxy, which
/// counts every byte the phone sends (HTTP headers and the gzip body of the push, and the pull
/// that follows). Also one visit op alone, gzip, and its plain JSON.
async fn bytes_per_visit_op() -> (usize, usize, usize) {
    use rand::{Rng, SeedableRng};
    const NOTES: [&str; 8] = [
        "Đã tư vấn, hẹn gọi lại",
        "Chủ hộ đi làm xa, gặp vợ",
        "Quan tâm mức đóng 1.500.000 đồng, cần bàn với gia đình",
        "Đã có BHYT hộ gia đình, chưa tham gia BHXH",
        "Hẹn sau vụ gặt sẽ đăng ký",
        "Con trai đang học nghề, muốn tham gia cho cả hai người",
        "Không có nhà",
        "Đã đóng tiền tháng 11, cấp biên lai",
    ];
    let office = office(None).await;
    let dev = device(&office, "Bytes").await;
    let proxy = FaultProxy::start(
        office.url.trim_start_matches("http://").parse().unwrap(),
        1,
        Faults::none(),
    )
    .await
    .unwrap();
    let client = SyncClient::new(&proxy.url(), &dev.token, SyncConfig::default()).unwrap();
    let houses: Vec<Household> = (0..10).map(|n| household(office.village, n)).collect();
    dev.store.lock().unwrap().save_batch(&houses).unwrap();
    let cancel = CancellationToken::new();
    client.sync(&dev.store, &|_| {}, &cancel).await.unwrap();

    let mut rng = rand::rngs::StdRng::seed_from_u64(50);
    let outcomes = VisitOutcome::ALL;
    {
        let store = dev.store.lock().unwrap();
        for n in 0..50 {
            let house = &houses[n % houses.len()];
            let mut v = visit(house, dev.user);
            v.visited_at = Utc::now() - Duration::minutes(rng.random_range(10..600));
            v.outcome = outcomes[rng.random_range(0..outcomes.len())];
            v.channel = if rng.random_bool(0.8) {
                VisitChannel::DoorToDoor
            } else {
                VisitChannel::Phone
            };
            v.notes = NOTES[rng.random_range(0..NOTES.len())].into();
            v.location = Some(GeoPoint {
                lat: 21.2634 + rng.random_range(-0.02..0.02),
                lon: 105.8486 + rng.random_range(-0.02..0.02),
            });
            if rng.random_bool(0.4) {
                v.persons_met = vec![new_id()];
            }
            if rng.random_bool(0.3) {
                v.next_follow_up =
                    Some(Utc::now().date_naive() + Duration::days(rng.random_range(1..30)));
            }
            store.save(&v).unwrap();
        }
    }
    let ops: Vec<Op> = dev.store.lock().unwrap().outbox_pending(100).unwrap();
    assert_eq!(ops.len(), 50, "only the day's visits wait");
    let up_before = proxy
        .stats()
        .bytes_up
        .load(std::sync::atomic::Ordering::Relaxed);
    let report = client.sync(&dev.store, &|_| {}, &cancel).await.unwrap();
    assert!(report.synced && report.applied == 50, "{report:?}");
    let up = proxy
        .stats()
        .bytes_up
        .load(std::sync::atomic::Ordering::Relaxed)
        - up_before;
    let one = serde_json::to_vec(&PushRequest {
        protocol: 1,
        ops: vec![ops[0].clone()],
    })
    .unwrap();
    (
        serde_json::to_vec(&ops[0]).unwrap().len(),
        gzip_len(&one),
        usize::try_from(up).unwrap() / ops.len(),
    )
}

/// Item 3: `count` devices syncing at once, each pushing a household and 4 visits and pulling
/// its area, against `instances` office instances (more than one: PostgreSQL), each device's
/// requests going to one of them in turn.
async fn many_devices(
    count: usize,
    pg_schema: Option<&str>,
    instances: usize,
) -> (usize, f64, f64) {
    many_phones(count, pg_schema, instances, Phones::Full).await
}

/// What a simulated phone does during the timed sync.
#[derive(Clone, Copy, PartialEq)]
enum Phones {
    /// The real sync client over the phone's own encrypted store: the phone's work (reading the
    /// outbox, merging pulled pages, the checksum) runs on this machine's two cores beside the
    /// office and the database.
    Full,
    /// The same requests as the sync client makes (a push of the phone's pending ops, then pull
    /// pages until the last, with its checksum), its outbox read and gzipped and its HTTP client
    /// built before the clock starts, and the pages decoded but not merged: what the office sees from phones whose own
    /// work happens on their own CPUs.
    Light,
}

/// One light phone's sync (see [`Phones::Light`]): a push, then every pull page.
/// `http` is the phone's client, built before the clock starts as a phone's is built once when
/// the app starts (building one reads its root certificates: CPU the office would not see).
async fn light_sync(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    body: Vec<u8>,
    sent: usize,
) -> Result<(), String> {
    use sotay_sync::protocol::{PROTOCOL_HEADER, PROTOCOL_VERSION, PullResponse, PushResponse};
    // A device's request: its token and protocol version, the answer read as JSON.
    async fn answer<T: serde::de::DeserializeOwned>(
        request: reqwest::RequestBuilder,
        token: &str,
    ) -> Result<T, String> {
        request
            .bearer_auth(token)
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())
    }
    let push = http
        .post(format!("{url}/api/v1/sync/push"))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(reqwest::header::CONTENT_ENCODING, "gzip")
        .body(body);
    let pushed: PushResponse = answer(push, token).await?;
    if pushed.results.len() != sent {
        return Err(format!("{} results for {sent} ops", pushed.results.len()));
    }
    let mut after = String::new();
    loop {
        let pull = http.get(format!("{url}/api/v1/sync/pull")).query(&[
            ("limit", "500"),
            ("compact", "true"),
            ("after", &after),
        ]);
        let page: PullResponse = answer(pull, token).await?;
        after = page.next_cursor;
        if !page.has_more {
            return match page.checksum {
                Some(_) => Ok(()),
                None => Err("the last page carries no checksum".into()),
            };
        }
    }
}

async fn many_phones(
    count: usize,
    pg_schema: Option<&str>,
    instances: usize,
    phones: Phones,
) -> (usize, f64, f64) {
    let mut office = office(pg_schema).await;
    for _ in 1..instances {
        add_instance(
            &mut office,
            pg_schema.expect("several instances share PostgreSQL"),
        )
        .await;
    }
    let mut devices = Vec::new();
    // Each collector covers their own village, as in a province office: one area per device.
    let mut writer = OfficeWriter::default();
    for i in 0..count {
        let store: &AnyStore = &office.state.store;
        let village = admin::create_village(
            store,
            &mut writer,
            COMMUNE,
            &format!("Thôn {i}"),
            VillageKind::Village,
        )
        .await
        .unwrap();
        let dev = device_in(&office, &format!("Cộng tác viên {i}"), Some(village.id)).await;
        {
            let store = dev.store.lock().unwrap();
            let house = household(village.id, i);
            store.save(&house).unwrap();
            for _ in 0..4 {
                store.save(&visit(&house, dev.user)).unwrap();
            }
        }
        devices.push(dev);
    }
    if std::env::var_os("SOTAY_BENCH_VERBOSE").is_some() {
        eprintln!("{count} devices ready, syncing");
    }
    // Every phone gets ready first (its request read and gzipped, its HTTP client built), then
    // all start together: the clock of each starts at the barrier, and no phone's preparation
    // runs on the cores while the others sync.
    let start = Arc::new(tokio::sync::Barrier::new(devices.len() + 1));
    let mut tasks = Vec::new();
    for (i, dev) in devices.into_iter().enumerate() {
        let url = office.urls[i % office.urls.len()].clone();
        let start = Arc::clone(&start);
        if phones == Phones::Light {
            let ops = dev.store.lock().unwrap().outbox_pending(500).unwrap();
            let sent = ops.len();
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            serde_json::to_writer(&mut gz, &PushRequest { protocol: 1, ops }).unwrap();
            let body = gz.finish().unwrap();
            let http = reqwest::Client::builder().gzip(true).build().unwrap();
            tasks.push(tokio::spawn(async move {
                start.wait().await;
                let started = Instant::now();
                let result = light_sync(&http, &url, &dev.token, body, sent).await;
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                (result.err(), ms, dev)
            }));
            continue;
        }
        tasks.push(tokio::spawn(async move {
            let client = SyncClient::new(
                &url,
                &dev.token,
                SyncConfig {
                    max_attempts: 1,
                    ..SyncConfig::default()
                },
            )
            .unwrap();
            start.wait().await;
            let started = Instant::now();
            let result = client
                .sync(&dev.store, &|_| {}, &CancellationToken::new())
                .await;
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            // The device (its store) is handed back and closed after every device is done: a
            // phone closing its database does not happen on the office's CPU.
            (result.err().map(|e| e.to_string()), ms, dev)
        }));
    }
    start.wait().await;
    let mut errors = 0;
    let mut latencies = Vec::new();
    let mut finished = Vec::new();
    for t in tasks {
        let (error, ms, dev) = t.await.unwrap();
        finished.push(dev);
        if let Some(error) = error {
            if errors == 0 {
                eprintln!("first error of a device: {error}");
            }
            errors += 1;
        }
        latencies.push(ms);
    }
    latencies.sort_by(f64::total_cmp);
    if std::env::var_os("SOTAY_BENCH_VERBOSE").is_some() {
        let at = |p: f64| percentile(&latencies, p);
        eprintln!(
            "{count} devices, ms: p10 {:.0}, p25 {:.0}, p50 {:.0}, p75 {:.0}, p90 {:.0}, p95 {:.0}, p99 {:.0}, max {:.0}",
            at(0.1),
            at(0.25),
            at(0.5),
            at(0.75),
            at(0.9),
            at(0.95),
            at(0.99),
            at(1.0)
        );
    }
    (
        errors,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
    )
}

/// A proxy to `office` that drops `cut / 2` of the requests and cuts `cut / 2` of the responses.
async fn flaky_proxy(office: &Office, cut: f64, seed: u64) -> FaultProxy {
    let addr = office.url.trim_start_matches("http://").parse().unwrap();
    let faults = Faults {
        drop_request: cut / 2.0,
        cut_response: cut / 2.0,
        ..Faults::none()
    };
    FaultProxy::start(addr, seed, faults).await.unwrap()
}

/// 4. A day's work synced over a bad village link.
async fn days_sync(cut: f64, seed: u64) -> (f64, u64, bool) {
    let office = office(None).await;
    let dev = device(&office, "Nguyễn Thị Lan").await;
    {
        let store = dev.store.lock().unwrap();
        let houses: Vec<Household> = (0..10).map(|n| household(office.village, n)).collect();
        store.save_batch(&houses).unwrap();
        for n in 0..50 {
            store.save(&visit(&houses[n % 10], dev.user)).unwrap();
        }
        for n in 0..5u32 {
            let house = &houses[n as usize];
            let man = Person {
                id: new_id(),
                household_id: house.id,
                commune_code: COMMUNE.into(),
                village_id: house.village_id,
                full_name: format!("Trần Văn Đức {n}"),
                sex: Sex::Male,
                date_of_birth: NaiveDate::from_ymd_opt(1985, 4, 12),
                personal_id: Some(format!("001085{:06}", 100 + n)),
                legacy_insurance_code: None,
                phone: Some(format!("0912{:06}", 100 + n)),
                occupation: Occupation::Farmer,
                ethnic_minority: false,
                coverage: Coverage::None,
                stage: Stage::Enrolled,
                decline_reason: None,
                notes: String::new(),
            };
            store.save(&man).unwrap();
            let month = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
            let enrollment = Enrollment {
                id: new_id(),
                person_id: man.id,
                household_id: house.id,
                commune_code: COMMUNE.into(),
                village_id: house.village_id,
                collector_id: dev.user,
                monthly_income: Vnd(1_500_000),
                payment_mode: PaymentMode::Quarterly,
                first_month: month,
                support_groups: vec![SupportGroup::NearPoor],
                quote: None,
                status: EnrollmentStatus::Submitted,
                status_reason: None,
            };
            store.save(&enrollment).unwrap();
            store
                .save(&Payment {
                    id: new_id(),
                    enrollment_id: enrollment.id,
                    person_id: man.id,
                    household_id: house.id,
                    commune_code: COMMUNE.into(),
                    village_id: house.village_id,
                    collector_id: dev.user,
                    months_from: month,
                    months_to: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
                    amount: Vnd(594_000),
                    collected_at: Utc::now() - Duration::hours(1),
                    receipt_number: format!("0001{:03}", 234 + n),
                    method: PaymentMethod::Cash,
                })
                .unwrap();
        }
    }
    let proxy = flaky_proxy(&office, cut, seed).await;
    proxy.set_shape(Some(LinkShape::bad_village_link()));
    let client = SyncClient::new(&proxy.url(), &dev.token, SyncConfig::default()).unwrap();
    let started = Instant::now();
    let report = client
        .sync(&dev.store, &|_| {}, &CancellationToken::new())
        .await
        .unwrap();
    (
        started.elapsed().as_secs_f64(),
        report.requests,
        report.synced,
    )
}

/// What a first sync cost.
struct FirstSync {
    secs: f64,
    records: u64,
    bytes_down: u64,
    bytes_up: u64,
    requests: u64,
    cuts: u64,
    synced: bool,
}

/// An office holding a collector's whole area, and its size in records.
async fn office_with_area() -> (Office, usize) {
    let office = office(None).await;
    let spec = sotay_fixtures::area::AreaSpec {
        communes: vec![COMMUNE.into()],
        villages_per_commune: 12,
        households: 2_000,
        visits: 12_000,
        my_households: 0,
        other_enrollments: 1_500,
        payments_per_sign_up: Some(4),
        me: Uuid::now_v7(),
        now: Utc::now(),
        seed: 2026,
    };
    let area = sotay_fixtures::area::generate(&spec);
    let store: &AnyStore = &office.state.store;
    let written = sotay_tests::office_seed::write_area(store, &area).await;
    (office, written)
}

/// A replacement phone enrolled for a collector of the whole commune syncs everything through a
/// link of `shape` with `cut` of the connections cut.
async fn first_sync(office: &Office, shape: LinkShape, cut: f64, seed: u64) -> FirstSync {
    let dev = device(office, "Điện thoại mới của chị Lan").await;
    let proxy = flaky_proxy(office, cut, seed).await;
    proxy.set_shape(Some(shape));
    let config = SyncConfig {
        max_attempts: 1_000,
        ..SyncConfig::default()
    };
    let client = SyncClient::new(&proxy.url(), &dev.token, config).unwrap();
    let started = Instant::now();
    let report = client
        .sync(&dev.store, &|_| {}, &CancellationToken::new())
        .await
        .unwrap();
    let stats = proxy.stats();
    FirstSync {
        secs: started.elapsed().as_secs_f64(),
        records: report.pulled,
        bytes_down: stats.bytes_down.load(std::sync::atomic::Ordering::Relaxed),
        bytes_up: stats.bytes_up.load(std::sync::atomic::Ordering::Relaxed),
        requests: report.requests,
        cuts: stats.faults.load(std::sync::atomic::Ordering::Relaxed),
        synced: report.synced,
    }
}

fn print_first_sync(what: &str, shape: LinkShape, run: &FirstSync, target: &str) {
    let floor = run.bytes_down as f64 / shape.bytes_per_second as f64;
    println!(
        "| first sync, {what} | {:.1} s, {} records, {:.0} B per record down ({:.2} MB down, {:.0} kB up), {} requests, {} cuts, synced={} | {target}; the link alone needs {floor:.1} s for these bytes |",
        run.secs,
        run.records,
        run.bytes_down as f64 / run.records.max(1) as f64,
        run.bytes_down as f64 / 1e6,
        run.bytes_up as f64 / 1e3,
        run.requests,
        run.cuts,
        run.synced
    );
}

/// 5. The replacement phone's first sync over three links.
async fn first_syncs() {
    let (office, records) = office_with_area().await;
    eprintln!("the office holds {records} records of the area");
    // What one record costs on the wire, one clock per field and compact, in a page of 1,000.
    let store: &AnyStore = &office.state.store;
    let scope = sotay_sync::protocol::Scope {
        communes: vec![COMMUNE.into()],
        villages: vec![],
    };
    let page = store.pull(&scope, 0, 1_000).await.unwrap();
    let full = serde_json::to_vec(&page).unwrap();
    let compact: Vec<_> = page
        .iter()
        .cloned()
        .map(|mut c| {
            c.state.clocks = c.state.compact_clocks();
            c
        })
        .collect();
    let compact = serde_json::to_vec(&compact).unwrap();
    let n = page.len() as f64;
    println!(
        "| a pulled record on the wire (page of {}) | {:.0} B gzip compact ({:.0} B JSON); one clock per field {:.0} B gzip ({:.0} B JSON) | |",
        page.len(),
        gzip_len(&compact) as f64 / n,
        compact.len() as f64 / n,
        gzip_len(&full) as f64 / n,
        full.len() as f64 / n,
    );
    let post_office_3g = LinkShape {
        latency: std::time::Duration::from_millis(150),
        bytes_per_second: 1_000_000 / 8,
    };
    let run = first_sync(&office, post_office_3g, 0.0, 1).await;
    print_first_sync("1 Mbit/s + 150 ms each way", post_office_3g, &run, "≤ 60 s");
    let run = first_sync(&office, post_office_3g, 0.02, 2).await;
    print_first_sync(
        "same, 2% of connections cut",
        post_office_3g,
        &run,
        "≤ 75 s",
    );
    if std::env::var_os("SOTAY_BENCH_SLOW").is_some() {
        // 5% of connections cut, so that a run of about a hundred pages surely meets several.
        let village = LinkShape::bad_village_link();
        let run = first_sync(&office, village, 0.05, 3).await;
        print_first_sync(
            "64 kbit/s + 300 ms each way, 5% cut",
            village,
            &run,
            "completes",
        );
    }
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return; // `cargo test --benches` asks benches to list or test themselves: nothing to do.
    }
    println!("| measure | result | limit / baseline |\n|---|---|---|");
    // SOTAY_BENCH_ONLY=devices runs just the 200-device part, =push just the push rates, =bytes
    // just the bytes per visit op.
    if std::env::var("SOTAY_BENCH_ONLY").as_deref() == Ok("instances") {
        instances().await;
        return;
    }
    if std::env::var("SOTAY_BENCH_ONLY").as_deref() == Ok("devices") {
        let (errors, p50, p99) = many_devices(200, None, 1).await;
        println!(
            "| 200 devices syncing at once | {errors} errors, p50 {p50:.0} ms, p99 {p99:.0} ms | 0 errors, p99 ≤ 1000 ms |"
        );
        return;
    }
    if std::env::var("SOTAY_BENCH_ONLY").as_deref() == Ok("first") {
        first_syncs().await;
        return;
    }
    if std::env::var("SOTAY_BENCH_ONLY").as_deref() == Ok("bytes") {
        let (json, one, batch) = bytes_per_visit_op().await;
        println!(
            "| bytes per visit op | {batch} B sent per visit ({one} B alone gzip, {json} B JSON) | ≤ 200 B |"
        );
        return;
    }
    let push_only = std::env::var("SOTAY_BENCH_ONLY").as_deref() == Ok("push");
    let (push, raw) = push_throughput(None).await;
    println!(
        "| push 10,000 ops, SQLite | {push:.0} ops/s | raw batched insert {raw:.0} rows/s ({:.1}×) |",
        raw / push
    );
    if std::env::var("SOTAY_PG_URL").is_ok() {
        let schema = format!("bench_{}", Uuid::now_v7().simple());
        let (push, raw) = push_throughput(Some(&schema)).await;
        println!(
            "| push 10,000 ops, PostgreSQL | {push:.0} ops/s | raw batched insert {raw:.0} rows/s ({:.1}×) |",
            raw / push
        );
    } else {
        println!("| push 10,000 ops, PostgreSQL | not run: SOTAY_PG_URL unset | |");
    }
    if push_only {
        return;
    }
    let (json, one, batch) = bytes_per_visit_op().await;
    println!(
        "| bytes per visit op | {batch} B sent per visit for a day of 50 different visits (whole sync, headers included; one op alone {one} B gzip, {json} B plain JSON) | ≤ 200 B |"
    );
    let (errors, p50, p99) = many_devices(200, None, 1).await;
    println!(
        "| 200 devices syncing at once | {errors} errors, p50 {p50:.0} ms, p99 {p99:.0} ms | 0 errors, p99 ≤ 1000 ms |"
    );
    let (secs, trips, synced) = days_sync(0.0, 42).await;
    println!(
        "| day's sync, 64 kbit/s + 300 ms each way | {secs:.1} s, {trips} round trips, synced={synced} | ≤ 10 s, ≤ 2 round trips |"
    );
    // With 2% of connections cut, 40 days (seeds) so that some syncs meet a cut.
    let mut times = Vec::new();
    let mut most_trips = 0;
    let mut all_synced = true;
    for seed in 0..40 {
        let (secs, trips, synced) = days_sync(0.02, seed).await;
        times.push(secs);
        most_trips = most_trips.max(trips);
        all_synced &= synced;
    }
    times.sort_by(f64::total_cmp);
    println!(
        "| same with 2% of connections cut, 40 days | median {:.1} s, worst {:.1} s, up to {most_trips} round trips, all synced={all_synced} | ≤ 10 s |",
        percentile(&times, 0.5),
        times[times.len() - 1]
    );
}
