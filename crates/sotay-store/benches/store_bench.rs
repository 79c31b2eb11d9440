//! The device store benchmark: builds a realistic collector's area (50,000 households, 150,000
//! persons with Vietnamese names, 300,000 visits, sign-ups and payments) through the store, then
//! measures the store beside raw SQLite doing the same SQL work on the same file in the same
//! run: a single visit insert with its outbox op, bulk inserts, search, today's list, and the
//! database size. Prints a Markdown report for `docs/benchmarks.md`.
//!
//! Run: `cargo bench -p sotay-store --bench store_bench` (about 3 minutes on 2 cores). Without
//! `--bench` (as `cargo test --all-targets` runs it) it does a small smoke run.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rusqlite::{Connection, TransactionBehavior, params};
use sotay_domain::fold::fold;
use sotay_domain::*;
use sotay_store::queries::{FOLLOW_UPS_DUE_SQL, RENEWAL_CANDIDATES_SQL, RENEWAL_RECORDS_SQL};
use sotay_store::search::{HOUSEHOLD_SEARCH_SQL, PERSON_SEARCH_SQL};
use sotay_store::{DeviceIdentity, SettableClock, Store, TodayOptions};
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Family names with rough shares of the population.
const FAMILY: &[(&str, u32)] = &[
    ("Nguyễn", 380),
    ("Trần", 110),
    ("Lê", 95),
    ("Phạm", 70),
    ("Hoàng", 50),
    ("Huỳnh", 30),
    ("Phan", 45),
    ("Vũ", 40),
    ("Võ", 30),
    ("Đặng", 21),
    ("Bùi", 20),
    ("Đỗ", 14),
    ("Hồ", 13),
    ("Ngô", 13),
    ("Dương", 10),
    ("Lý", 5),
    ("Đinh", 8),
    ("Trịnh", 6),
    ("Lương", 5),
    ("Đào", 5),
    ("Mai", 4),
    ("Hà", 6),
    ("Lò", 3),
    ("Cao", 4),
    ("Lục", 2),
    ("Triệu", 3),
];
const MIDDLE_MALE: &[&str] = &[
    "Văn", "Đức", "Hữu", "Minh", "Quang", "Xuân", "Thanh", "Công", "Đình", "Ngọc", "Trọng", "Mạnh",
];
const MIDDLE_FEMALE: &[&str] = &[
    "Thị", "Ngọc", "Thu", "Thanh", "Hồng", "Kim", "Mai", "Phương", "Bích", "Diệu",
];
const GIVEN_MALE: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Đức", "Giang", "Hải", "Hùng", "Huy", "Khoa", "Khánh", "Long",
    "Minh", "Nam", "Nghĩa", "Phúc", "Quân", "Sơn", "Tài", "Thắng", "Thành", "Tiến", "Trung",
    "Tuấn", "Việt", "Vinh", "Hoàng", "Lâm", "Kiên", "Đạt",
];
const GIVEN_FEMALE: &[&str] = &[
    "Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hiền", "Hoa", "Hồng", "Hương", "Huyền", "Lan",
    "Liên", "Linh", "Loan", "Mai", "Nga", "Ngọc", "Nhung", "Oanh", "Phương", "Quyên", "Thảo",
    "Thủy", "Trang", "Tuyết", "Vân", "Yến", "Xuân", "Lụa",
];
const VILLAGE_NAMES: &[&str] = &[
    "Đông",
    "Tây",
    "Nam",
    "Bắc",
    "Trung",
    "Thượng",
    "Hạ",
    "Mới",
    "Chợ",
    "Cầu",
    "Đình",
    "Đồng Sen",
    "Hòa Bình",
    "Tân Lập",
    "Phú Mỹ",
];
/// Communes of Bắc Giang (now Bắc Ninh), from the official list.
const COMMUNES: &[&str] = &["07246", "07264", "07282", "07288", "07294", "07306"];
const PHONE_PREFIXES: &[&str] = &[
    "032", "033", "034", "035", "036", "037", "038", "039", "086", "088", "090", "091", "093",
    "094", "096", "097", "098",
];

struct Size {
    households: usize,
    visits: usize,
    my_households: usize,
    other_enrollments: usize,
    single_inserts: usize,
    bulk_visits: usize,
    searches: usize,
    today_runs: usize,
}

const FULL: Size = Size {
    households: 50_000,
    visits: 300_000,
    my_households: 2_000,
    other_enrollments: 6_000,
    single_inserts: 2_000,
    bulk_visits: 20_000,
    searches: 1_000,
    today_runs: 200,
};
const SMOKE: Size = Size {
    households: 600,
    visits: 1_200,
    my_households: 200,
    other_enrollments: 100,
    single_inserts: 50,
    bulk_visits: 500,
    searches: 50,
    today_runs: 5,
};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 3, 0, 0).unwrap()
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

struct NameMaker {
    total: u32,
}

impl NameMaker {
    fn new() -> Self {
        NameMaker {
            total: FAMILY.iter().map(|(_, w)| w).sum(),
        }
    }
    fn family(&self, rng: &mut StdRng) -> &'static str {
        let mut pick = rng.random_range(0..self.total);
        for (name, weight) in FAMILY {
            if pick < *weight {
                return name;
            }
            pick -= weight;
        }
        FAMILY[0].0
    }
    fn full(&self, rng: &mut StdRng, family: &str, sex: Sex) -> String {
        let (middle, given) = match sex {
            Sex::Male => (MIDDLE_MALE, GIVEN_MALE),
            Sex::Female => (MIDDLE_FEMALE, GIVEN_FEMALE),
        };
        format!(
            "{family} {} {}",
            middle.choose(rng).unwrap(),
            given.choose(rng).unwrap()
        )
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

struct Timing {
    p50: f64,
    p99: f64,
    max: f64,
}

fn timing(mut samples: Vec<f64>) -> Timing {
    samples.sort_by(|a, b| a.total_cmp(b));
    Timing {
        p50: percentile(&samples, 50.0),
        p99: percentile(&samples, 99.0),
        max: samples.last().copied().unwrap_or(0.0),
    }
}

fn bar(len: usize, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len as u64);
    bar.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} {per_sec} eta {eta}")
            .unwrap()
            .progress_chars("=> "),
    );
    bar.set_message(what.to_owned());
    bar
}

/// Saves records through the store in transactions of 1,000; returns records per second.
fn save_all<E: sotay_store::Record>(store: &Store, records: &[E], what: &str) -> AnyResult<f64> {
    let progress = bar(records.len(), what);
    let start = Instant::now();
    for chunk in records.chunks(1_000) {
        store.save_batch(chunk)?;
        progress.inc(chunk.len() as u64);
    }
    let secs = start.elapsed().as_secs_f64();
    progress.finish();
    Ok(records.len() as f64 / secs)
}

struct Area {
    households: Vec<Household>,
    persons: Vec<Person>,
    my_households: Vec<Household>,
}

fn main() -> AnyResult<()> {
    let full = std::env::args().any(|a| a == "--bench");
    let size = if full { FULL } else { SMOKE };
    let seed: u64 = std::env::var("SOTAY_BENCH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_123);
    let mut rng = StdRng::seed_from_u64(seed);
    // SOTAY_BENCH_DB=<file> keeps the generated database for a look afterwards.
    let dir = tempfile::tempdir()?;
    let path = std::env::var_os("SOTAY_BENCH_DB")
        .map_or_else(|| dir.path().join("bench.db"), std::path::PathBuf::from);
    if path.exists() {
        return Err(format!("{} exists; give a new file name", path.display()).into());
    }
    let me = Uuid::now_v7();
    let identity = DeviceIdentity {
        device_id: Uuid::now_v7(),
        user_id: me,
    };
    let clock = SettableClock::new(now());
    let store = Store::open_with_clock(&path, identity, Arc::new(clock.clone()))?;
    let names = NameMaker::new();
    let collectors: Vec<Uuid> = (0..8).map(|_| Uuid::now_v7()).collect();

    // ---- Generate the area through the store. ----
    let villages: Vec<Village> = COMMUNES
        .iter()
        .flat_map(|commune| {
            (0..55).map(move |i| Village {
                id: new_id(),
                commune_code: (*commune).to_owned(),
                name: format!(
                    "Thôn {} {}",
                    VILLAGE_NAMES[i % VILLAGE_NAMES.len()],
                    i / VILLAGE_NAMES.len() + 1
                ),
                kind: VillageKind::Village,
            })
        })
        .collect();
    store.save_batch(&villages)?;
    let mut area = Area {
        households: Vec::new(),
        persons: Vec::new(),
        my_households: Vec::new(),
    };
    let mut family_of: Vec<&'static str> = Vec::new();
    for n in 0..size.households {
        let v = villages.choose(&mut rng).unwrap();
        let family = names.family(&mut rng);
        let head = names.full(&mut rng, family, Sex::Male);
        let status = match rng.random_range(0..100) {
            0..6 => PovertyStatus::Poor,
            6..14 => PovertyStatus::NearPoor,
            _ => PovertyStatus::None,
        };
        area.households.push(Household {
            id: new_id(),
            commune_code: v.commune_code.clone(),
            village_id: Some(v.id),
            address: format!("Số {}, {}", n % 400 + 1, v.name),
            head_name: head,
            poverty_status: status,
            poverty_year: (status != PovertyStatus::None).then_some(2025),
            notes: String::new(),
            location: None,
        });
        family_of.push(family);
    }
    // Every household has its head; the other 2 × N persons are spread at random (1–6 a house).
    let mut members = vec![1u32; area.households.len()];
    let mut extra = area.households.len() * 2;
    while extra > 0 {
        let i = rng.random_range(0..members.len());
        if members[i] < 6 {
            members[i] += 1;
            extra -= 1;
        }
    }
    for ((h, family), count) in area.households.iter().zip(&family_of).zip(&members) {
        for k in 0..*count {
            let sex = match k {
                0 => Sex::Male,
                1 => Sex::Female,
                _ if rng.random_bool(0.5) => Sex::Male,
                _ => Sex::Female,
            };
            let year = rng.random_range(1956..2008);
            let dob = ymd(year, rng.random_range(1..=12), rng.random_range(1..=28));
            let century_sex = match (year >= 2000, sex) {
                (false, Sex::Male) => 0,
                (false, Sex::Female) => 1,
                (true, Sex::Male) => 2,
                (true, Sex::Female) => 3,
            };
            let known = rng.random_bool(0.7);
            let full_name = if k == 0 {
                h.head_name.clone()
            } else {
                names.full(&mut rng, family, sex)
            };
            area.persons.push(Person {
                id: new_id(),
                household_id: h.id,
                commune_code: h.commune_code.clone(),
                village_id: h.village_id,
                full_name,
                sex,
                date_of_birth: Some(dob),
                personal_id: known.then(|| {
                    format!(
                        "024{century_sex}{:02}{:06}",
                        year % 100,
                        rng.random_range(0..1_000_000)
                    )
                }),
                legacy_insurance_code: None,
                phone: rng.random_bool(0.6).then(|| {
                    format!(
                        "{}{:07}",
                        PHONE_PREFIXES.choose(&mut rng).unwrap(),
                        rng.random_range(0..10_000_000)
                    )
                }),
                occupation: Occupation::Farmer,
                ethnic_minority: rng.random_bool(0.05),
                coverage: Coverage::None,
                stage: Stage::Prospect,
                decline_reason: None,
                notes: String::new(),
            });
        }
    }
    let mut visits: Vec<Visit> = (0..size.visits)
        .map(|_| {
            let h = area.households.choose(&mut rng).unwrap();
            let by = *collectors.choose(&mut rng).unwrap();
            random_visit(&mut rng, h, by)
        })
        .collect();
    visits.sort_by_key(|v| v.id);
    area.my_households = area
        .households
        .choose_multiple(&mut rng, size.my_households)
        .cloned()
        .collect();

    let t0 = Instant::now();
    let rate_households = save_all(&store, &area.households, "households")?;
    let rate_persons = save_all(&store, &area.persons, "persons")?;
    let rate_visits = save_all(&store, &visits, "visits")?;
    // My work: follow-ups and sign-ups with payments in my 2,000 households; other collectors'
    // sign-ups elsewhere.
    // Only people whose personal ID number is known can sign up (the store checks a sign-up
    // against its person with `validate_enrollment_for`); everyone generated is 17 or older.
    let can_sign_up: Vec<&Person> = area
        .persons
        .iter()
        .filter(|p| p.personal_id.is_some())
        .collect();
    let persons_by_household = {
        let mut map = std::collections::HashMap::<Uuid, Vec<&Person>>::new();
        for p in &can_sign_up {
            map.entry(p.household_id).or_default().push(p);
        }
        map
    };
    let mut follow_ups = Vec::new();
    let mut enrollments = Vec::new();
    let mut payments = Vec::new();
    let today = ymd(2026, 11, 23);
    for h in &area.my_households {
        for _ in 0..rng.random_range(0..3) {
            let due = today + Duration::days(rng.random_range(-21..45));
            follow_ups.push(FollowUp {
                id: new_id(),
                household_id: h.id,
                person_id: None,
                commune_code: h.commune_code.clone(),
                village_id: h.village_id,
                assigned_to: me,
                due_date: due,
                reason: FollowUpReason::CallBack,
                note: "Hẹn quay lại".into(),
                // Most past follow-ups were done; some were forgotten.
                done: due < today && rng.random_bool(0.85),
            });
        }
        if rng.random_bool(0.6)
            && let Some(p) = persons_by_household
                .get(&h.id)
                .and_then(|members| members.choose(&mut rng))
        {
            sign_up(&mut rng, p, me, &mut enrollments, &mut payments);
        }
    }
    for _ in 0..size.other_enrollments {
        let p = can_sign_up.choose(&mut rng).unwrap();
        let collector = *collectors.choose(&mut rng).unwrap();
        sign_up(&mut rng, p, collector, &mut enrollments, &mut payments);
    }
    save_all(&store, &follow_ups, "follow-ups")?;
    save_all(&store, &enrollments, "sign-ups")?;
    save_all(&store, &payments, "payments")?;
    let generation_secs = t0.elapsed().as_secs_f64();
    // Measure as the app runs: a store opened on an existing file (not the connection that
    // just wrote half a million records).
    drop(store);
    let store = Store::open_with_clock(&path, identity, Arc::new(clock.clone()))?;
    let total_records = villages.len()
        + area.households.len()
        + area.persons.len()
        + visits.len()
        + follow_ups.len()
        + enrollments.len()
        + payments.len();

    // ---- Size on disk (after a checkpoint folds the WAL into the file). ----
    let raw = open_raw(&path)?;
    let _: i64 = raw.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    let file_bytes = std::fs::metadata(&path)?.len();
    // ---- Single visit insert with its outbox op: store vs raw, alternating. ----
    let mut raw_clock = HlcClock::new(Uuid::now_v7());
    let mut store_ms = Vec::new();
    let mut raw_ms = Vec::new();
    for _ in 0..size.single_inserts {
        let h = area.households.choose(&mut rng).unwrap();
        let v = random_visit(&mut rng, h, me);
        let start = Instant::now();
        store.save_visit(&v)?;
        store_ms.push(start.elapsed().as_secs_f64() * 1e3);
        let v = random_visit(&mut rng, h, me);
        let start = Instant::now();
        raw_insert_visits(&raw, &mut raw_clock, std::slice::from_ref(&v), identity)?;
        raw_ms.push(start.elapsed().as_secs_f64() * 1e3);
    }
    let insert_store = timing(store_ms);
    let insert_raw = timing(raw_ms);

    // ---- Bulk visits: store batches vs raw batches of 1,000. ----
    let bulk: Vec<Visit> = (0..size.bulk_visits * 2)
        .map(|_| {
            let h = area.households.choose(&mut rng).unwrap();
            random_visit(&mut rng, h, me)
        })
        .collect();
    let (bulk_store, bulk_raw) = bulk.split_at(size.bulk_visits);
    let start = Instant::now();
    for chunk in bulk_store.chunks(1_000) {
        store.save_batch(chunk)?;
    }
    let bulk_store_rate = bulk_store.len() as f64 / start.elapsed().as_secs_f64();
    let start = Instant::now();
    for chunk in bulk_raw.chunks(1_000) {
        raw_insert_visits(&raw, &mut raw_clock, chunk, identity)?;
    }
    let bulk_raw_rate = bulk_raw.len() as f64 / start.elapsed().as_secs_f64();

    // ---- Search: 1,000 random queries, store vs the same FTS5 SQL. ----
    let queries: Vec<String> = (0..size.searches)
        .map(|_| random_query(&mut rng, &area))
        .collect();
    // Both sides search on a connection opened for it, as an app opened to look someone up:
    // a connection that has just run the insert phases answers searches in a state of SQLite's
    // page cache we could not reproduce on the store's side (see docs/benchmarks.md).
    let store = Store::open_with_clock(&path, identity, Arc::new(clock.clone()))?;
    let search_raw_conn = open_raw(&path)?;
    let mut store_ms = Vec::new();
    let mut raw_ms = Vec::new();
    let mut hits_total = 0usize;
    let mut stmt = search_raw_conn.prepare(PERSON_SEARCH_SQL)?;
    let mut households_stmt = search_raw_conn.prepare(HOUSEHOLD_SEARCH_SQL)?;
    for (i, q) in queries.iter().enumerate() {
        // Alternate who goes first, so neither pays more for pages not yet in the OS cache.
        for side in [i % 2, 1 - i % 2] {
            if side == 0 {
                let start = Instant::now();
                hits_total += store.search(q, 20)?.len();
                store_ms.push(start.elapsed().as_secs_f64() * 1e3);
                continue;
            }
            let expr = raw_match_expression(q);
            let start = Instant::now();
            let mut rows = stmt.query(params![expr, 20])?;
            let mut n = 0;
            let mut hits = 0;
            while let Some(row) = rows.next()? {
                let (a, b): (String, String) = (row.get(0)?, row.get(1)?);
                n += a.len() + b.len();
                hits += 1;
            }
            // Like the store: households by head name or address fill the rest of the page.
            if hits < 20 {
                let mut rows = households_stmt.query(params![expr, 20 - hits])?;
                while let Some(row) = rows.next()? {
                    n += row.get::<_, String>(0)?.len();
                }
            }
            std::hint::black_box(n);
            raw_ms.push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    drop(stmt);
    drop(households_stmt);
    drop(search_raw_conn);
    let search_store = timing(store_ms);
    let search_raw = timing(raw_ms);

    // ---- Today's list for the collector with 2,000 households. ----
    let mut store_ms = Vec::new();
    let mut raw_ms = Vec::new();
    let mut list_sizes = (0, 0, 0);
    for _ in 0..size.today_runs {
        let start = Instant::now();
        let list = store.today_list_on(me, today, TodayOptions::default())?;
        store_ms.push(start.elapsed().as_secs_f64() * 1e3);
        list_sizes = (
            list.follow_ups.len(),
            list.renewals_due.len(),
            list.lapsed.len(),
        );
        let start = Instant::now();
        std::hint::black_box(raw_today(&raw, me, today)?);
        raw_ms.push(start.elapsed().as_secs_f64() * 1e3);
    }
    let today_store = timing(store_ms);
    let today_raw = timing(raw_ms);

    // Per-table sizes, read last so the scan does not warm the raw connection's cache.
    let table_bytes: Vec<(String, i64)> = {
        let mut stmt = raw
            .prepare("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 8");
        match stmt.as_mut() {
            Ok(stmt) => stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?,
            Err(_) => Vec::new(),
        }
    };

    // ---- Report. ----
    let ratio = |s: f64, r: f64| if r > 0.0 { s / r } else { 0.0 };
    println!(
        "\n## Store benchmark ({} run, seed {seed})\n",
        if full { "full" } else { "smoke" }
    );
    println!(
        "Area: {} villages, {} households, {} persons, {} visits, {} follow-ups, {} sign-ups, {} payments ({} records) generated through the store in {:.1} s.\n",
        villages.len(),
        area.households.len(),
        area.persons.len(),
        visits.len(),
        follow_ups.len(),
        enrollments.len(),
        payments.len(),
        total_records,
        generation_secs
    );
    println!("| measure | store | raw SQLite | store / raw | target |");
    println!("|---|---|---|---|---|");
    println!(
        "| visit insert + outbox op, p50 | {:.3} ms | {:.3} ms | {:.2}× | |",
        insert_store.p50,
        insert_raw.p50,
        ratio(insert_store.p50, insert_raw.p50)
    );
    println!(
        "| visit insert + outbox op, p99 | {:.3} ms | {:.3} ms | {:.2}× | ≤ 2 ms |",
        insert_store.p99,
        insert_raw.p99,
        ratio(insert_store.p99, insert_raw.p99)
    );
    println!(
        "| visit insert + outbox op, max | {:.3} ms | {:.3} ms | | |",
        insert_store.max, insert_raw.max
    );
    println!(
        "| bulk visit insert (batches of 1,000) | {:.0} /s | {:.0} /s | {:.2}× | |",
        bulk_store_rate,
        bulk_raw_rate,
        ratio(bulk_raw_rate, bulk_store_rate)
    );
    println!(
        "| search p50 ({} queries) | {:.3} ms | {:.3} ms | {:.2}× | |",
        queries.len(),
        search_store.p50,
        search_raw.p50,
        ratio(search_store.p50, search_raw.p50)
    );
    println!(
        "| search p99 | {:.3} ms | {:.3} ms | {:.2}× | ≤ 10 ms |",
        search_store.p99,
        search_raw.p99,
        ratio(search_store.p99, search_raw.p99)
    );
    println!(
        "| today's list p50 ({} households) | {:.3} ms | {:.3} ms | {:.2}× | |",
        area.my_households.len(),
        today_store.p50,
        today_raw.p50,
        ratio(today_store.p50, today_raw.p50)
    );
    println!(
        "| today's list p99 | {:.3} ms | {:.3} ms | {:.2}× | |",
        today_store.p99,
        today_raw.p99,
        ratio(today_store.p99, today_raw.p99)
    );
    println!(
        "\nGeneration rates through the store (batches of 1,000): households {:.0}/s, persons {:.0}/s, visits {:.0}/s.",
        rate_households, rate_persons, rate_visits
    );
    println!(
        "Search returned {:.1} hits per query on average. Today's list: {} follow-ups due, {} renewals due, {} lapsed.",
        hits_total as f64 / queries.len().max(1) as f64,
        list_sizes.0,
        list_sizes.1,
        list_sizes.2
    );
    println!(
        "\nDatabase size on disk after generation: {:.1} MiB ({} bytes, {:.0} bytes per record).",
        file_bytes as f64 / 1_048_576.0,
        file_bytes,
        file_bytes as f64 / total_records as f64
    );
    // Steady state: once sync has acknowledged every op, the outbox is empty.
    drop(store);
    raw.execute("DELETE FROM outbox", [])?;
    raw.execute_batch("VACUUM")?;
    let synced_bytes = std::fs::metadata(&path)?.len();
    println!(
        "After every op is acknowledged by sync (empty outbox, VACUUM): {:.1} MiB ({:.0} bytes per record).",
        synced_bytes as f64 / 1_048_576.0,
        synced_bytes as f64 / total_records as f64
    );
    // The same records written by raw SQL into a fresh file of the same schema: each row with
    // its JSON data, a clock per field, its typed columns and search text, and an outbox op —
    // what the store writes, without its validation, diff and compaction.
    let raw_path = path.with_extension("raw.db");
    drop(Store::open_with_clock(
        &raw_path,
        identity,
        Arc::new(clock.clone()),
    )?);
    let raw_file = open_raw(&raw_path)?;
    let mut raw_clock = HlcClock::new(Uuid::now_v7());
    let started = Instant::now();
    raw_fill(&raw_file, &mut raw_clock, &villages, identity)?;
    raw_fill(&raw_file, &mut raw_clock, &area.households, identity)?;
    raw_fill(&raw_file, &mut raw_clock, &area.persons, identity)?;
    raw_fill(&raw_file, &mut raw_clock, &visits, identity)?;
    raw_fill(&raw_file, &mut raw_clock, &follow_ups, identity)?;
    raw_fill(&raw_file, &mut raw_clock, &enrollments, identity)?;
    raw_fill(&raw_file, &mut raw_clock, &payments, identity)?;
    let _: i64 = raw_file.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    let raw_bytes = std::fs::metadata(&raw_path)?.len();
    raw_file.execute("DELETE FROM outbox", [])?;
    raw_file.execute_batch("VACUUM")?;
    let raw_synced_bytes = std::fs::metadata(&raw_path)?.len();
    drop(raw_file);
    let _ = std::fs::remove_file(&raw_path);
    println!(
        "Raw SQLite, the same {total_records} records written in {:.1} s: {:.1} MiB after generation \
         (store / raw {:.2}×), {:.1} MiB with an empty outbox (store / raw {:.2}×).",
        started.elapsed().as_secs_f64(),
        raw_bytes as f64 / 1_048_576.0,
        file_bytes as f64 / raw_bytes as f64,
        raw_synced_bytes as f64 / 1_048_576.0,
        synced_bytes as f64 / raw_synced_bytes as f64
    );
    if !table_bytes.is_empty() {
        println!(
            "Largest tables and indexes: {}.",
            table_bytes
                .iter()
                .map(|(n, b)| format!("{n} {:.1} MiB", *b as f64 / 1_048_576.0))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(())
}

fn random_visit(rng: &mut StdRng, h: &Household, by: Uuid) -> Visit {
    let outcomes = [
        VisitOutcome::NotAtHome,
        VisitOutcome::Informed,
        VisitOutcome::Interested,
        VisitOutcome::Declined,
        VisitOutcome::SignedUp,
    ];
    Visit {
        id: new_id(),
        household_id: h.id,
        commune_code: h.commune_code.clone(),
        village_id: h.village_id,
        visited_at: now() - Duration::minutes(rng.random_range(60..730 * 24 * 60)),
        visited_by: by,
        persons_met: vec![],
        channel: VisitChannel::DoorToDoor,
        outcome: *outcomes.choose(rng).unwrap(),
        notes: [
            "Không có nhà",
            "Đã tư vấn, hẹn Chủ nhật",
            "Quan tâm, cần hỏi ý kiến gia đình",
            "",
        ]
        .choose(rng)
        .unwrap()
        .to_string(),
        location: None,
        next_follow_up: None,
    }
}

fn sign_up(
    rng: &mut StdRng,
    p: &Person,
    collector: Uuid,
    enrollments: &mut Vec<Enrollment>,
    payments: &mut Vec<Payment>,
) {
    let mode = *[
        PaymentMode::Monthly,
        PaymentMode::Quarterly,
        PaymentMode::SemiAnnual,
        PaymentMode::Annual,
    ]
    .choose(rng)
    .unwrap();
    let step = match mode {
        PaymentMode::Quarterly => 3,
        PaymentMode::SemiAnnual => 6,
        PaymentMode::Annual => 12,
        _ => 1,
    };
    let first = ymd(2025, rng.random_range(1..=12), 1);
    let e = Enrollment {
        id: new_id(),
        person_id: p.id,
        household_id: p.household_id,
        commune_code: p.commune_code.clone(),
        village_id: p.village_id,
        collector_id: collector,
        monthly_income: Vnd(1_500_000),
        payment_mode: mode,
        first_month: first,
        support_groups: vec![SupportGroup::Other],
        quote: None,
        status: EnrollmentStatus::Approved,
        status_reason: None,
    };
    let mut from = first;
    for _ in 0..rng.random_range(1..=4) {
        let to = from
            .checked_add_months(chrono::Months::new(step - 1))
            .unwrap();
        let collected = Utc.from_utc_datetime(&from.and_hms_opt(3, 0, 0).unwrap());
        if collected > now() {
            break;
        }
        payments.push(Payment {
            id: new_id(),
            enrollment_id: e.id,
            person_id: p.id,
            household_id: p.household_id,
            commune_code: p.commune_code.clone(),
            village_id: p.village_id,
            collector_id: collector,
            months_from: from,
            months_to: to,
            amount: Vnd(264_000 * i64::from(step)),
            collected_at: collected,
            receipt_number: format!("{:07}", payments.len() + 1),
            method: if rng.random_bool(0.8) {
                PaymentMethod::Cash
            } else {
                PaymentMethod::Transfer
            },
        });
        from = to.checked_add_months(chrono::Months::new(1)).unwrap();
    }
    enrollments.push(e);
}

fn random_query(rng: &mut StdRng, area: &Area) -> String {
    let p = area.persons.choose(rng).unwrap();
    let words: Vec<&str> = p.full_name.split(' ').collect();
    let prefix = |w: &str, n: usize| w.chars().take(n).collect::<String>();
    match rng.random_range(0..6) {
        // Family + given name prefixes, typed without accents ("nguyen tu").
        0 => fold(&format!(
            "{} {}",
            words[0],
            prefix(words[words.len() - 1], 2)
        )),
        // The full name with accents.
        1 => p.full_name.clone(),
        // Given name and middle name prefix, no accents.
        2 => fold(&format!(
            "{} {}",
            prefix(words[1], 2),
            words[words.len() - 1]
        )),
        // Phone prefix (first 6–8 digits).
        3 => match &p.phone {
            Some(phone) => phone[..rng.random_range(6..=8)].to_owned(),
            None => fold(words[words.len() - 1]),
        },
        // ID number prefix (first 8–10 digits).
        4 => match &p.personal_id {
            Some(id) => id[..rng.random_range(8..=10)].to_owned(),
            None => p.full_name.clone(),
        },
        // A single given name.
        _ => fold(words[words.len() - 1]),
    }
}

/// The FTS5 expression the raw baseline runs (the same words, prefix-matched).
/// A plain connection with the store's WAL and cache settings, so both pay for checkpoints and
/// cache misses alike.
fn open_raw(path: &std::path::Path) -> AnyResult<Connection> {
    let raw = Connection::open(path)?;
    raw.busy_timeout(std::time::Duration::from_secs(5))?;
    raw.pragma_update(None, "synchronous", "NORMAL")?;
    let _: i64 = raw.query_row("PRAGMA wal_autocheckpoint = 4000", [], |r| r.get(0))?;
    raw.pragma_update(None, "cache_size", -8192)?;
    Ok(raw)
}

/// Raw SQL writing `records` the way a store without a store layer would: one transaction per
/// 1,000, the row (JSON data, a full clock per field, typed columns), its search row, its outbox
/// op.
fn raw_fill<E: sotay_store::Record>(
    conn: &Connection,
    clock: &mut HlcClock,
    records: &[E],
    identity: DeviceIdentity,
) -> AnyResult<()> {
    let table = match E::KIND {
        EntityKind::FollowUp => "follow_ups".to_owned(),
        EntityKind::OutreachEvent => "outreach_events".to_owned(),
        kind => format!("{}s", kind.as_str()),
    };
    let search_table = match E::KIND {
        EntityKind::Person => Some("person_search"),
        EntityKind::Household => Some("household_search"),
        _ => None,
    };
    for chunk in records.chunks(1_000) {
        let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
        for record in chunk {
            let hlc = clock
                .tick(u64::try_from(now().timestamp_millis()).unwrap_or(0))
                .to_string();
            let Value::Object(fields) = serde_json::to_value(record)? else {
                unreachable!("records are JSON objects")
            };
            let data = Value::Object(fields.clone()).to_string();
            let clocks: serde_json::Map<String, Value> = fields
                .keys()
                .map(|k| (k.clone(), Value::String(hlc.clone())))
                .collect();
            let columns = record.columns();
            let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
            let marks: Vec<String> = (6..6 + names.len()).map(|i| format!("?{i}")).collect();
            let mut values: Vec<rusqlite::types::Value> = vec![
                rusqlite::types::Value::Blob(record.id().as_bytes().to_vec()),
                rusqlite::types::Value::Text(data.clone()),
                rusqlite::types::Value::Text(Value::Object(clocks).to_string()),
                rusqlite::types::Value::Text(hlc.clone()),
                rusqlite::types::Value::Integer(0),
            ];
            values.extend(columns.into_iter().map(|(_, v)| v));
            let rowid: i64 = tx
                .prepare_cached(&format!(
                    "INSERT INTO {table} (id, data, field_clocks, version, deleted, {}) \
                     VALUES (?1, ?2, ?3, ?4, ?5, {}) RETURNING rowid",
                    names.join(", "),
                    marks.join(", ")
                ))?
                .query_row(rusqlite::params_from_iter(values), |r| r.get(0))?;
            if let (Some(search), Some(text)) = (search_table, record.search_text()) {
                tx.prepare_cached(&format!(
                    "INSERT INTO {search} (rowid, text) VALUES (?1, ?2)"
                ))?
                .execute(params![rowid, text])?;
            }
            tx.prepare_cached(
                "INSERT INTO outbox (op_id, entity, entity_id, fields, hlc, user_id, device_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                Uuid::now_v7().as_bytes(),
                E::KIND.as_str(),
                record.id().as_bytes(),
                data,
                hlc,
                identity.user_id.as_bytes(),
                identity.device_id.as_bytes()
            ])?;
        }
        tx.commit()?;
    }
    Ok(())
}

fn raw_match_expression(query: &str) -> String {
    fold(query)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\"*"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Raw SQL doing what a visit save does: the row, its outbox op, the device clock.
fn raw_insert_visits(
    conn: &Connection,
    clock: &mut HlcClock,
    visits: &[Visit],
    identity: DeviceIdentity,
) -> AnyResult<()> {
    let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    for v in visits {
        let hlc = clock
            .tick(u64::try_from(now().timestamp_millis()).unwrap_or(0))
            .to_string();
        let data = serde_json::to_string(v)?;
        let Value::Object(fields) = serde_json::to_value(v)? else {
            unreachable!()
        };
        let clocks: serde_json::Map<String, Value> = fields
            .keys()
            .map(|k| (k.clone(), Value::String(hlc.clone())))
            .collect();
        tx.prepare_cached(
            "INSERT INTO visits (id, data, field_clocks, version, deleted, household_id, commune_code, village_id, visited_at, visited_by, outcome) \
             VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .execute(params![
            v.id.as_bytes(), data, Value::Object(clocks).to_string(), hlc, v.household_id.as_bytes(), v.commune_code,
            v.village_id.map(|id| id.as_bytes().to_vec()), v.visited_at.timestamp_millis(), v.visited_by.as_bytes(), "informed"
        ])?;
        tx.prepare_cached(
            "INSERT INTO outbox (op_id, entity, entity_id, fields, hlc, user_id, device_id) VALUES (?1, 'visit', ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![Uuid::now_v7().as_bytes(), v.id.as_bytes(), data, hlc, identity.user_id.as_bytes(), identity.device_id.as_bytes()])?;
    }
    tx.prepare_cached("UPDATE device SET hlc = hlc WHERE id = 1")?
        .execute([])?;
    tx.commit()?;
    Ok(())
}

use serde_json::Value;

/// Raw SQL doing what today's list does: the same two queries, then each due sign-up's person
/// and household by id.
fn raw_today(conn: &Connection, me: Uuid, today: NaiveDate) -> AnyResult<usize> {
    let mut n = 0;
    let today_text = today.format("%Y-%m-%d").to_string();
    let mut stmt = conn.prepare_cached(FOLLOW_UPS_DUE_SQL)?;
    let mut rows = stmt.query(params![me.as_bytes(), today_text])?;
    while let Some(row) = rows.next()? {
        let (a, b): (String, String) = (row.get(0)?, row.get(1)?);
        n += a.len() + b.len();
    }
    let window = (today + Duration::days(30)).format("%Y-%m-01").to_string();
    let floor = (today - Duration::days(62 + 220))
        .format("%Y-%m-01")
        .to_string();
    let mut picked = Vec::new();
    let mut stmt = conn.prepare_cached(RENEWAL_CANDIDATES_SQL)?;
    let mut rows = stmt.query([me.as_bytes()])?;
    while let Some(row) = rows.next()? {
        let paid_to: Option<String> = row.get(2)?;
        if let Some(paid_to) = paid_to
            && paid_to <= window
            && paid_to >= floor
        {
            picked.push(row.get::<_, Vec<u8>>(0)?);
        }
    }
    let mut fetch = conn.prepare_cached(RENEWAL_RECORDS_SQL)?;
    for id in picked {
        let mut rows = fetch.query([id])?;
        while let Some(row) = rows.next()? {
            let (a, b, c): (String, String, String) = (row.get(0)?, row.get(1)?, row.get(2)?);
            n += a.len() + b.len() + c.len();
        }
    }
    Ok(n)
}
