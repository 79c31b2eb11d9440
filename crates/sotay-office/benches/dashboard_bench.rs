//! Dashboard benchmarks (issue 12), run with `cargo bench -p sotay-office --bench dashboard_bench`
//! (PostgreSQL rows need `SOTAY_PG_URL`; `scripts/bench.sh` starts a throwaway cluster).
//!
//! A province of 100 communes (10 villages each, 3 collectors each), 500,000 households with one
//! person each, 100,000 sign-ups, 200,000 payments (most remitted), 2,000,000 visits over the last
//! year, quotas and outreach events. Villages and users go through the office's own paths; the
//! bulk rows are loaded straight into the tables the dashboard reads — the typed facts for every
//! record (made by `RecordFacts::of` from the records' JSON, as the apply path makes them) and the
//! merged records of the sign-ups and their persons (what the export reads) — since pushing
//! 3 million ops through HTTP would measure the sync, not the dashboard.
//!
//! Measured: the overview (per commune, a year), the overview of one commune per village, the
//! evaluation (a half-year), each the median of 5 runs; the XLSX export of the 100,000 sign-ups
//! (time and the growth of the process's resident memory while it runs, beside an export of
//! 25,000 to show it is flat); the import of a 50,000-row list (CSV) in one transaction.
//! `SOTAY_BENCH_ONLY=postgres` (or `sqlite`) measures one backend. `SOTAY_BENCH_SCALE=0.1` runs a tenth of the province (quick look); without `--bench` it
//! runs a tiny smoke province.

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};
use sotay_domain::merge::RecordState;
use sotay_domain::*;
use sotay_office::admin::{self, OfficeWriter};
use sotay_office::facts::RecordFacts;
use sotay_office::storage::dashboard::{ExportKind, Period, Visible};
use sotay_office::storage::postgres::PgStore;
use sotay_office::storage::sqlite::SqliteStore;
use sotay_office::storage::{AnyStore, DashboardStore};
use std::time::Instant;
use uuid::Uuid;

/// One typed row of `record_facts` (and, for some, its merged record).
struct Row {
    id: Uuid,
    entity: EntityKind,
    commune: String,
    village: Option<Uuid>,
    facts: RecordFacts,
    state: Option<String>,
}

struct Province {
    communes: Vec<String>,
    villages: Vec<(Uuid, String)>,
    collectors: Vec<(Uuid, String)>,
}

fn scale() -> f64 {
    // Without `--bench` (as `cargo test --all-targets` runs it) a small smoke run.
    let default = if std::env::args().any(|a| a == "--bench") {
        1.0
    } else {
        0.002
    };
    std::env::var("SOTAY_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn n(full: usize) -> usize {
    ((full as f64) * scale()).round().max(1.0) as usize
}

async fn province(store: &AnyStore) -> Province {
    admin::prepare(store).await.expect("prepare");
    let communes: Vec<String> = sotay_domain::admin_units::communes()
        .iter()
        .filter(|c| c.province_code == "01")
        .take(100)
        .map(|c| c.code.to_owned())
        .collect();
    let mut writer = OfficeWriter::default();
    let mut villages = Vec::new();
    let mut collectors = Vec::new();
    for commune in &communes {
        for v in 0..10 {
            let village = admin::create_village(
                store,
                &mut writer,
                commune,
                &format!("Thôn {}", v + 1),
                VillageKind::Village,
            )
            .await
            .expect("village");
            villages.push((village.id, commune.clone()));
        }
        for c in 0..3 {
            let user = admin::create_user(
                store,
                &format!("Người Thu {} Xã {commune}", c + 1),
                Role::Collector,
                None,
            )
            .await
            .expect("user");
            admin::assign_area(store, user.id, commune, None)
                .await
                .expect("area");
            collectors.push((user.id, commune.clone()));
        }
    }
    Province {
        communes,
        villages,
        collectors,
    }
}

fn fields_of(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn state_text(fields: &Map<String, Value>) -> String {
    let mut state = RecordState::default();
    let hlc = Hlc {
        wall_ms: 1_767_225_600_000,
        counter: 0,
        node: sotay_office::apply::OFFICE_NODE,
    };
    state.apply_fields(fields, hlc);
    serde_json::to_string(&state).expect("state")
}

/// The province's bulk rows.
fn generate(p: &Province, today: NaiveDate) -> (Vec<Row>, Vec<(Uuid, Uuid, NaiveDate)>) {
    let mut rng = StdRng::seed_from_u64(12);
    let mut rows = Vec::new();
    let mut remitted = Vec::new();
    let households = n(500_000);
    let mut people: Vec<(Uuid, Uuid, Uuid, String)> = Vec::with_capacity(households);
    for i in 0..households {
        let (village, commune) = &p.villages[i % p.villages.len()];
        let household = Uuid::now_v7();
        let person = Uuid::now_v7();
        let name = format!("Nguyễn Văn Hộ {i}");
        rows.push(Row {
            id: household,
            entity: EntityKind::Household,
            commune: commune.clone(),
            village: Some(*village),
            facts: RecordFacts::of(
                EntityKind::Household,
                &fields_of(json!({"head_name": name, "poverty_status": "near_poor"})),
            ),
            state: None,
        });
        let stage = ["prospect", "contacted", "interested"][i % 3];
        let person_fields = fields_of(json!({
            "id": person, "household_id": household, "commune_code": commune,
            "village_id": village, "full_name": name, "sex": "male",
            "date_of_birth": format!("{}-0{}-1{}", 1960 + i % 40, 1 + i % 9, i % 9),
            "personal_id": null, "legacy_insurance_code": null, "phone": null,
            "occupation": "farmer", "ethnic_minority": false, "coverage": "none",
            "stage": stage, "decline_reason": null,
            "notes": ""
        }));
        people.push((person, household, *village, commune.clone()));
        rows.push(Row {
            id: person,
            entity: EntityKind::Person,
            commune: commune.clone(),
            village: Some(*village),
            facts: RecordFacts::of(EntityKind::Person, &person_fields),
            // Only the persons who sign up get their merged record (set below).
            state: (i % 5 == 0).then(|| state_text(&person_fields)),
        });
    }
    let signups = n(100_000);
    for (k, (person, household, village, commune)) in
        people.iter().step_by(5).take(signups).enumerate()
    {
        let collector = p
            .collectors
            .iter()
            .filter(|(_, c)| c == commune)
            .nth(k % 3)
            .map(|(id, _)| *id)
            .expect("a collector of the commune");
        let months_back = rng.random_range(0..24u32);
        let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).expect("month")
            - chrono::Months::new(months_back);
        let status = match k % 10 {
            0..=6 => "approved",
            7 | 8 => "submitted",
            _ => "needs_correction",
        };
        let id = Uuid::now_v7();
        let fields = fields_of(json!({
            "id": id, "person_id": person, "household_id": household, "commune_code": commune,
            "village_id": village, "collector_id": collector, "monthly_income": 1_500_000,
            "payment_mode": {"kind": "quarterly"}, "first_month": first.format("%Y-%m-%d").to_string(),
            "support_groups": ["near_poor"], "quote": null, "status": status, "status_reason": null
        }));
        let enrollment_row = rows.len();
        rows.push(Row {
            id,
            entity: EntityKind::Enrollment,
            commune: commune.clone(),
            village: Some(*village),
            facts: RecordFacts::of(EntityKind::Enrollment, &fields),
            state: Some(state_text(&fields)),
        });
        if status == "approved" {
            for q in 0..3u32 {
                let from = first + chrono::Months::new(3 * q);
                if from > today {
                    break;
                }
                let collected = Utc.from_utc_datetime(&from.and_hms_opt(3, 0, 0).expect("time"))
                    + Duration::days(rng.random_range(0..20));
                let payment = Uuid::now_v7();
                let months_to = from + chrono::Months::new(2);
                let fields = fields_of(json!({
                    "collector_id": collector, "enrollment_id": id,
                    "collected_at": collected.to_rfc3339(),
                    "months_from": from.format("%Y-%m-%d").to_string(),
                    "months_to": months_to.format("%Y-%m-%d").to_string(),
                    "amount": 742_500, "receipt_number": format!("BL-{k}-{q}"), "method": "cash"
                }));
                let mut facts = RecordFacts::of(EntityKind::Payment, &fields);
                // As the apply path does: a renewal when it starts after the sign-up's first
                // month; the sign-up keeps its last paid month.
                facts.set_renewal(Some(first));
                rows[enrollment_row].facts.day2 = Some(months_to);
                if rng.random_bool(0.85)
                    && let Some(day) = facts.day
                {
                    remitted.push((
                        payment,
                        Uuid::now_v7(),
                        day + Duration::days(rng.random_range(0..12)),
                    ));
                }
                rows.push(Row {
                    id: payment,
                    entity: EntityKind::Payment,
                    commune: commune.clone(),
                    village: Some(*village),
                    facts,
                    state: None,
                });
            }
        }
    }
    let visits = n(2_000_000);
    let mut by_commune: std::collections::HashMap<&str, Vec<Uuid>> =
        std::collections::HashMap::new();
    for (id, commune) in &p.collectors {
        by_commune.entry(commune.as_str()).or_default().push(*id);
    }
    for i in 0..visits {
        let (_, household, village, commune) = &people[(i * 7919) % people.len()];
        // One of the commune's own collectors.
        let collector = by_commune[commune.as_str()][i % 3];
        let day = today - Duration::days(rng.random_range(0..365));
        rows.push(Row {
            id: Uuid::now_v7(),
            entity: EntityKind::Visit,
            commune: commune.clone(),
            village: Some(*village),
            facts: RecordFacts {
                actor_id: Some(collector),
                ref_id: Some(*household),
                status: Some("informed".into()),
                day: Some(day),
                ..RecordFacts::default()
            },
            state: None,
        });
    }
    for (i, (village, commune)) in p.villages.iter().enumerate() {
        rows.push(Row {
            id: Uuid::now_v7(),
            entity: EntityKind::OutreachEvent,
            commune: commune.clone(),
            village: Some(*village),
            facts: RecordFacts {
                status: Some("village_meeting".into()),
                day: Some(today - Duration::days((i % 300) as i64)),
                amount: Some(30),
                ..RecordFacts::default()
            },
            state: None,
        });
        rows.push(quota_row(
            commune,
            json!({
                "period": {"kind": "year", "year": today.year()},
                "scope": {"kind": "village", "id": village},
                "target_signups": 40, "target_renewals": 20
            }),
        ));
    }
    for (collector, commune) in &p.collectors {
        rows.push(quota_row(
            commune,
            json!({
                "period": {"kind": "half_year", "year": today.year(), "half": if today.month() <= 6 { 1 } else { 2 }},
                "scope": {"kind": "collector", "id": collector},
                "target_signups": 60, "target_renewals": 30
            }),
        ));
    }
    (rows, remitted)
}

/// A quota of `commune` with the office's `fields` (its scope, period and targets).
fn quota_row(commune: &str, fields: Value) -> Row {
    Row {
        id: Uuid::now_v7(),
        entity: EntityKind::Quota,
        commune: commune.to_owned(),
        village: None,
        facts: RecordFacts::of(EntityKind::Quota, &fields_of(fields)),
        state: None,
    }
}

fn load_sqlite(path: &std::path::Path, rows: &[Row], remitted: &[(Uuid, Uuid, NaiveDate)]) {
    let mut conn = rusqlite::Connection::open(path).expect("open");
    let tx = conn.transaction().expect("tx");
    {
        let mut facts = tx
            .prepare(
                "INSERT INTO record_facts (entity_id, entity, commune_code, village_id, deleted,
                   actor_id, ref_id, status, day, day2, amount, amount2, ident, label, name_key,
                   origin_device)
                 VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, NULL)",
            )
            .expect("prepare");
        let mut records = tx
            .prepare(
                "INSERT INTO records (entity_id, entity, commune_code, village_id, state, version,
                   deleted, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, '', 0,
                   (SELECT COALESCE(MAX(seq), 0) + 1 FROM records))",
            )
            .expect("prepare");
        let d = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
        for r in rows {
            let f = &r.facts;
            facts
                .execute(rusqlite::params![
                    r.id.to_string(),
                    r.entity.as_str(),
                    r.commune,
                    r.village.map(|v| v.to_string()),
                    f.actor_id.map(|v| v.to_string()),
                    f.ref_id.map(|v| v.to_string()),
                    f.status,
                    d(f.day),
                    d(f.day2),
                    f.amount,
                    f.amount2,
                    f.ident,
                    f.label,
                    f.name_key,
                ])
                .expect("fact");
            if let Some(state) = &r.state {
                records
                    .execute(rusqlite::params![
                        r.id.to_string(),
                        r.entity.as_str(),
                        r.commune,
                        r.village.map(|v| v.to_string()),
                        state
                    ])
                    .expect("record");
            }
        }
        let mut links = tx
            .prepare(
                "INSERT INTO remitted_payments (payment_id, remittance_id, remitted_on)
                 VALUES (?1, ?2, ?3)",
            )
            .expect("prepare");
        for (p, r, day) in remitted {
            links
                .execute(rusqlite::params![
                    p.to_string(),
                    r.to_string(),
                    day.format("%Y-%m-%d").to_string()
                ])
                .expect("link");
        }
    }
    tx.commit().expect("commit");
    conn.execute_batch("ANALYZE").expect("analyze");
}

async fn load_postgres(
    url: &str,
    schema: &str,
    rows: &[Row],
    remitted: &[(Uuid, Uuid, NaiveDate)],
) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    let driver = tokio::spawn(connection);
    client
        .batch_execute(&format!("SET search_path = {schema}"))
        .await
        .expect("schema");
    for chunk in rows.chunks(50_000) {
        let ids: Vec<Uuid> = chunk.iter().map(|r| r.id).collect();
        let kinds: Vec<&str> = chunk.iter().map(|r| r.entity.as_str()).collect();
        let communes: Vec<&str> = chunk.iter().map(|r| r.commune.as_str()).collect();
        let villages: Vec<Option<Uuid>> = chunk.iter().map(|r| r.village).collect();
        let actors: Vec<Option<Uuid>> = chunk.iter().map(|r| r.facts.actor_id).collect();
        let refs: Vec<Option<Uuid>> = chunk.iter().map(|r| r.facts.ref_id).collect();
        let statuses: Vec<Option<&str>> = chunk.iter().map(|r| r.facts.status.as_deref()).collect();
        let days: Vec<Option<NaiveDate>> = chunk.iter().map(|r| r.facts.day).collect();
        let days2: Vec<Option<NaiveDate>> = chunk.iter().map(|r| r.facts.day2).collect();
        let amounts: Vec<Option<i64>> = chunk.iter().map(|r| r.facts.amount).collect();
        let amounts2: Vec<Option<i64>> = chunk.iter().map(|r| r.facts.amount2).collect();
        let idents: Vec<Option<&str>> = chunk.iter().map(|r| r.facts.ident.as_deref()).collect();
        let labels: Vec<Option<&str>> = chunk.iter().map(|r| r.facts.label.as_deref()).collect();
        let names: Vec<Option<&str>> = chunk.iter().map(|r| r.facts.name_key.as_deref()).collect();
        client
            .execute(
                "INSERT INTO record_facts (entity_id, entity, commune_code, village_id, deleted,
                   actor_id, ref_id, status, day, day2, amount, amount2, ident, label, name_key)
                 SELECT u.a, u.b, u.c, u.d, false, u.e, u.f, u.g, u.h, u.i, u.j, u.k, u.l, u.m, u.n
                 FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::uuid[], $6::uuid[],
                   $7::text[], $8::date[], $9::date[], $10::int8[], $11::int8[], $12::text[],
                   $13::text[], $14::text[]) AS u(a, b, c, d, e, f, g, h, i, j, k, l, m, n)",
                &[
                    &ids, &kinds, &communes, &villages, &actors, &refs, &statuses, &days, &days2,
                    &amounts, &amounts2, &idents, &labels, &names,
                ],
            )
            .await
            .expect("facts");
        let with_state: Vec<&Row> = chunk.iter().filter(|r| r.state.is_some()).collect();
        if !with_state.is_empty() {
            let ids: Vec<Uuid> = with_state.iter().map(|r| r.id).collect();
            let kinds: Vec<&str> = with_state.iter().map(|r| r.entity.as_str()).collect();
            let communes: Vec<&str> = with_state.iter().map(|r| r.commune.as_str()).collect();
            let villages: Vec<Option<Uuid>> = with_state.iter().map(|r| r.village).collect();
            let states: Vec<Value> = with_state
                .iter()
                .map(|r| serde_json::from_str(r.state.as_deref().unwrap_or("{}")).expect("json"))
                .collect();
            client
                .execute(
                    "INSERT INTO records (entity_id, entity, commune_code, village_id, state,
                       version, deleted, seq)
                     SELECT u.a, u.b, u.c, u.d, u.e, '', false, nextval('record_seq')
                     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::jsonb[])
                       AS u(a, b, c, d, e)",
                    &[&ids, &kinds, &communes, &villages, &states],
                )
                .await
                .expect("records");
        }
    }
    for chunk in remitted.chunks(50_000) {
        let p: Vec<Uuid> = chunk.iter().map(|x| x.0).collect();
        let r: Vec<Uuid> = chunk.iter().map(|x| x.1).collect();
        let d: Vec<NaiveDate> = chunk.iter().map(|x| x.2).collect();
        client
            .execute(
                "INSERT INTO remitted_payments (payment_id, remittance_id, remitted_on)
                 SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::date[])",
                &[&p, &r, &d],
            )
            .await
            .expect("links");
    }
    client.batch_execute("ANALYZE").await.expect("analyze");
    drop(client);
    let _ = driver.await;
}

/// Median of `runs` timings of `work`, in ms.
async fn median_ms<F, Fut, T>(runs: usize, mut work: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut times = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        std::hint::black_box(work().await);
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    times[times.len() / 2]
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Runs `work` while sampling the resident memory; (ms, peak growth in MiB).
async fn with_memory<Fut: std::future::Future<Output = T>, T>(work: Fut) -> (f64, f64, T) {
    let base = rss_kib();
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(base));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let peak = peak.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                peak.fetch_max(rss_kib(), std::sync::atomic::Ordering::Relaxed);
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        })
    };
    let start = Instant::now();
    let out = work.await;
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = sampler.join();
    let grown = peak
        .load(std::sync::atomic::Ordering::Relaxed)
        .saturating_sub(base);
    (ms, grown as f64 / 1024.0, out)
}

fn import_csv(p: &Province, rows: usize) -> Vec<u8> {
    let mut text = String::from(
        "Họ và tên,Ngày sinh,Giới tính,Số CCCD,Số điện thoại,Mã xã,Thôn/Tổ,Địa chỉ,Diện hộ (nghèo / cận nghèo),Năm\n",
    );
    let commune = &p.communes[0];
    for i in 0..rows {
        text.push_str(&format!(
            "Trần Thị Nhập {i},{:02}/{:02}/{},Nữ,,,{commune},Thôn {},Số {i},cận nghèo,2025\n",
            1 + i % 28,
            1 + i % 12,
            1950 + i % 50,
            1 + i % 10
        ));
    }
    text.into_bytes()
}

async fn run(
    label: &str,
    store: AnyStore,
    load: impl AsyncFnOnce(&[Row], &[(Uuid, Uuid, NaiveDate)]),
) {
    let started = Instant::now();
    let p = province(&store).await;
    let today = sotay_office::clock::today_in_vietnam();
    let (rows, remitted) = generate(&p, today);
    let count = |k: EntityKind| rows.iter().filter(|r| r.entity == k).count();
    eprintln!(
        "{label}: {} households, {} visits, {} sign-ups, {} payments generated; loading…",
        count(EntityKind::Household),
        count(EntityKind::Visit),
        count(EntityKind::Enrollment),
        count(EntityKind::Payment)
    );
    load(&rows, &remitted).await;
    drop(rows);
    sotay_office::storage::dashboard::rebuild_rollup(&store)
        .await
        .expect("rollup");
    sotay_office::storage::sql::SqlRunner::query(&store, "ANALYZE".into(), vec![])
        .await
        .expect("analyze");
    let load_s = started.elapsed().as_secs_f64();
    let year = Period {
        from: NaiveDate::from_ymd_opt(today.year(), 1, 1).expect("date"),
        to: NaiveDate::from_ymd_opt(today.year() + 1, 1, 1).expect("date"),
    };
    let half = if today.month() <= 6 {
        Period {
            from: year.from,
            to: NaiveDate::from_ymd_opt(today.year(), 7, 1).expect("date"),
        }
    } else {
        Period {
            from: NaiveDate::from_ymd_opt(today.year(), 7, 1).expect("date"),
            to: year.to,
        }
    };
    let overview = median_ms(5, || store.overview(&Visible::All, year, today, false)).await;
    let rows_seen = store
        .overview(&Visible::All, year, today, false)
        .await
        .expect("overview");
    assert_eq!(rows_seen.len(), p.communes.len(), "a row per commune");
    let one = Visible::All.only(&p.communes[0]);
    let villages = median_ms(5, || store.overview(&one, year, today, true)).await;
    let evaluation = median_ms(5, || store.evaluation(&Visible::All, half, today, 5)).await;
    let evaluated = store
        .evaluation(&Visible::All, half, today, 5)
        .await
        .expect("evaluation");
    assert!(
        evaluated.len() >= p.collectors.len() / 2,
        "collectors evaluated"
    );
    let (small_ms, small_mib, small) = with_memory(async {
        let visible = Visible::Communes(p.communes[..25.min(p.communes.len())].to_vec());
        sotay_office::web::export::export_bytes(&store, ExportKind::Enrollments, &visible, true)
            .await
            .map_err(|e| format!("{e:?}"))
            .expect("export")
    })
    .await;
    let (export_ms, export_mib, export) = with_memory(async {
        sotay_office::web::export::export_bytes(
            &store,
            ExportKind::Enrollments,
            &Visible::All,
            true,
        )
        .await
        .map_err(|e| format!("{e:?}"))
        .expect("export")
    })
    .await;
    let import_rows = n(50_000);
    let csv = import_csv(&p, import_rows);
    let (import_ms, _, report) = with_memory(async {
        sotay_office::import::import_file(
            &store,
            &csv,
            "danh-sach.csv",
            &Visible::All,
            sotay_office::import::ImportOptions::default(),
            |_, _| {},
        )
        .await
        .expect("import")
        .expect("a good file")
    })
    .await;
    assert_eq!(
        report.imported,
        import_rows,
        "every row imported: {:?}",
        report.errors.first()
    );
    println!(
        "| {label} | {load_s:.0} s | {overview:.0} ms | {villages:.0} ms | {evaluation:.0} ms | {:.1} s for {} rows, +{export_mib:.0} MiB ({} rows: {:.1} s, +{small_mib:.0} MiB; file {:.1} MB) | {:.1} s for {} rows |",
        export_ms / 1000.0,
        export.1,
        small.1,
        small_ms / 1000.0,
        export.0.len() as f64 / 1e6,
        import_ms / 1000.0,
        import_rows
    );
}

#[tokio::main]
async fn main() {
    println!(
        "| backend | generate + load | overview (100 communes, a year) | overview of one commune by village | evaluation (a half-year) | XLSX export of the sign-ups (time, memory growth) | import of a CSV list |"
    );
    println!("|---|---|---|---|---|---|---|");
    let only = std::env::var("SOTAY_BENCH_ONLY").unwrap_or_default();
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("office.sqlite3");
    if only != "postgres" {
        let store = AnyStore::Sqlite(SqliteStore::open(&path).expect("open"));
        let load_path = path.clone();
        run("SQLite", store, async move |rows, remitted| {
            load_sqlite(&load_path, rows, remitted)
        })
        .await;
    }
    if only == "sqlite" {
        return;
    }
    if let Ok(url) = std::env::var("SOTAY_PG_URL") {
        let schema = format!("bench_{}", Uuid::now_v7().simple());
        let store = AnyStore::Postgres(PgStore::open(&url, Some(&schema)).await.expect("open"));
        let (u, s) = (url.clone(), schema.clone());
        run("PostgreSQL", store, async move |rows, remitted| {
            load_postgres(&u, &s, rows, remitted).await
        })
        .await;
    } else {
        eprintln!("SOTAY_PG_URL not set: PostgreSQL not measured");
    }
}
