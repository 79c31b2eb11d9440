//! The device store benchmark: builds a realistic collector's area (50,000 households, 150,000
//! persons with Vietnamese names, 300,000 visits, sign-ups and payments, from `sotay-fixtures`'
//! generator) through the store, then measures the store beside raw SQLite doing the same SQL
//! work on the same file in the same run: a single visit insert with its outbox op, bulk
//! inserts, search, today's list, and the database size. Prints a Markdown report for
//! `docs/benchmarks.md`.
//!
//! Run: `cargo bench -p sotay-store --bench store_bench` (about 3 minutes on 2 cores). Without
//! `--bench` (as `cargo test --all-targets` runs it) it does a small smoke run.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rusqlite::{Connection, TransactionBehavior, params};
use sotay_domain::fold::fold;
use sotay_domain::*;
use sotay_fixtures::area::{self, Area, AreaSpec, random_visit, search_query};
use sotay_store::queries::{FOLLOW_UPS_DUE_SQL, RENEWAL_CANDIDATES_SQL, RENEWAL_RECORDS_SQL};
use sotay_store::search::{HOUSEHOLD_SEARCH_SQL, PERSON_SEARCH_SQL};
use sotay_store::{DeviceIdentity, SettableClock, Store, StoreKey, TodayOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

/// How much to do: the full run for `docs/benchmarks.md`, a smoke run otherwise.
struct Size {
    households: usize,
    single_inserts: usize,
    bulk_visits: usize,
    searches: usize,
    today_runs: usize,
}

const FULL: Size = Size {
    households: 50_000,
    single_inserts: 2_000,
    bulk_visits: 20_000,
    searches: 1_000,
    today_runs: 200,
};
const SMOKE: Size = Size {
    households: 600,
    single_inserts: 50,
    bulk_visits: 500,
    searches: 50,
    today_runs: 5,
};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 3, 0, 0).unwrap()
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

/// The database under measurement: its file (encrypted with `key`, or plain), the device's
/// identity and clock, the area in it.
struct Bench {
    path: PathBuf,
    key: Option<StoreKey>,
    identity: DeviceIdentity,
    clock: SettableClock,
    area: Area,
    rng: StdRng,
}

impl Bench {
    /// The store as the app opens it: on the existing file, with a fresh connection.
    fn open(&self) -> AnyResult<Store> {
        let clock = Arc::new(self.clock.clone());
        Ok(match &self.key {
            Some(key) => Store::open_with_clock(&self.path, self.identity, key, clock)?,
            None => Store::open_plain_with_clock(&self.path, self.identity, clock)?,
        })
    }

    /// A raw connection on the same file, with the same key: the baseline pays for the same
    /// encryption as the store.
    fn raw(&self) -> AnyResult<Connection> {
        open_raw(&self.path, self.key.as_ref())
    }

    fn me(&self) -> Uuid {
        self.identity.user_id
    }
}

/// Phase 1: generates the area and writes it through the store; returns the save rates
/// (households, persons, visits per second) and the seconds it took.
fn fill(bench: &Bench) -> AnyResult<([f64; 3], f64)> {
    let store = bench.open()?;
    let area = &bench.area;
    let started = Instant::now();
    store.save_batch(&area.villages)?;
    let rates = [
        save_all(&store, &area.households, "households")?,
        save_all(&store, &area.persons, "persons")?,
        save_all(&store, &area.visits, "visits")?,
    ];
    save_all(&store, &area.follow_ups, "follow-ups")?;
    save_all(&store, &area.enrollments, "sign-ups")?;
    save_all(&store, &area.payments, "payments")?;
    Ok((rates, started.elapsed().as_secs_f64()))
}

/// A new visit to a household of the area chosen at random.
fn visit_somewhere(bench: &mut Bench, me: Uuid) -> Visit {
    let h = bench.area.households.choose(&mut bench.rng).unwrap();
    random_visit(&mut bench.rng, h, me, now())
}

/// Phase 2: a single visit insert with its outbox op, `n` through the store, then `n` raw.
fn single_inserts(
    bench: &mut Bench,
    store: &Store,
    raw: &Connection,
    n: usize,
) -> AnyResult<(Timing, Timing)> {
    let mut raw_clock = HlcClock::new(Uuid::now_v7());
    let me = bench.me();
    // The store's inserts, then the raw ones: interleaved, each connection's commit would empty
    // the other's page cache (SQLite starts a connection's cache again when another connection
    // wrote), which the app — one connection — never does, and on the encrypted file every page
    // read again is decrypted and checked again.
    let mut store_ms = Vec::with_capacity(n);
    for _ in 0..n {
        let v = visit_somewhere(bench, me);
        let start = Instant::now();
        store.save_visit(&v)?;
        store_ms.push(start.elapsed().as_secs_f64() * 1e3);
    }
    let mut raw_ms = Vec::with_capacity(n);
    for _ in 0..n {
        let v = visit_somewhere(bench, me);
        let start = Instant::now();
        raw_insert_visits(
            raw,
            &mut raw_clock,
            std::slice::from_ref(&v),
            bench.identity,
        )?;
        raw_ms.push(start.elapsed().as_secs_f64() * 1e3);
    }
    Ok((timing(store_ms), timing(raw_ms)))
}

/// Phase 3: bulk visits, store batches vs raw batches of 1,000; visits per second each.
fn bulk_inserts(
    bench: &mut Bench,
    store: &Store,
    raw: &Connection,
    n: usize,
) -> AnyResult<(f64, f64)> {
    let mut raw_clock = HlcClock::new(Uuid::now_v7());
    let me = bench.me();
    let bulk: Vec<Visit> = (0..n * 2)
        .map(|_| {
            let h = bench.area.households.choose(&mut bench.rng).unwrap();
            random_visit(&mut bench.rng, h, me, now())
        })
        .collect();
    let (bulk_store, bulk_raw) = bulk.split_at(n);
    let start = Instant::now();
    for chunk in bulk_store.chunks(1_000) {
        store.save_batch(chunk)?;
    }
    let store_rate = bulk_store.len() as f64 / start.elapsed().as_secs_f64();
    let start = Instant::now();
    for chunk in bulk_raw.chunks(1_000) {
        raw_insert_visits(raw, &mut raw_clock, chunk, bench.identity)?;
    }
    let raw_rate = bulk_raw.len() as f64 / start.elapsed().as_secs_f64();
    Ok((store_rate, raw_rate))
}

/// Phase 4: `n` random searches, store vs the same FTS5 SQL, each on a connection opened for the
/// search phase, as an app opened to look someone up: a connection that has just run the insert
/// phases answers searches in a state of SQLite's page cache we could not reproduce on the
/// store's side (see docs/benchmarks.md). Returns the timings and the hits per query.
fn searches(bench: &mut Bench, n: usize) -> AnyResult<(Timing, Timing, f64)> {
    let queries: Vec<String> = (0..n)
        .map(|_| search_query(&mut bench.rng, &bench.area.persons))
        .collect();
    let store = bench.open()?;
    let conn = bench.raw()?;
    let (mut store_ms, mut raw_ms) = (Vec::new(), Vec::new());
    let mut hits_total = 0usize;
    let mut persons = conn.prepare(PERSON_SEARCH_SQL)?;
    let mut households = conn.prepare(HOUSEHOLD_SEARCH_SQL)?;
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
            let mut rows = persons.query(params![expr, 20])?;
            let (mut bytes, mut hits) = (0, 0);
            while let Some(row) = rows.next()? {
                let (a, b): (String, String) = (row.get(0)?, row.get(1)?);
                bytes += a.len() + b.len();
                hits += 1;
            }
            // Like the store: households by head name or address fill the rest of the page.
            if hits < 20 {
                let mut rows = households.query(params![expr, 20 - hits])?;
                while let Some(row) = rows.next()? {
                    bytes += row.get::<_, String>(0)?.len();
                }
            }
            std::hint::black_box(bytes);
            raw_ms.push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    Ok((
        timing(store_ms),
        timing(raw_ms),
        hits_total as f64 / queries.len().max(1) as f64,
    ))
}

/// Phase 5: today's list of the collector with the area's own households, store vs raw SQL.
fn todays_lists(
    bench: &Bench,
    store: &Store,
    raw: &Connection,
    runs: usize,
) -> AnyResult<(Timing, Timing, (usize, usize, usize))> {
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let (mut store_ms, mut raw_ms) = (Vec::new(), Vec::new());
    let mut sizes = (0, 0, 0);
    for _ in 0..runs {
        let start = Instant::now();
        let list = store.today_list_on(bench.me(), today, TodayOptions::default())?;
        store_ms.push(start.elapsed().as_secs_f64() * 1e3);
        sizes = (
            list.follow_ups.len(),
            list.renewals_due.len(),
            list.lapsed.len(),
        );
        let start = Instant::now();
        std::hint::black_box(raw_today(raw, bench.me(), today)?);
        raw_ms.push(start.elapsed().as_secs_f64() * 1e3);
    }
    Ok((timing(store_ms), timing(raw_ms), sizes))
}

/// Phase 6: the same records written by raw SQL into a fresh file of the same schema — each row
/// with its JSON data, a clock per field, its typed columns and search text, and an outbox op:
/// what the store writes, without its validation, diff and compaction. Returns the file's
/// bytes after generation and with an empty outbox, and the seconds it took.
fn raw_file_sizes(bench: &Bench) -> AnyResult<(u64, u64, f64)> {
    let raw_path = bench.path.with_extension("raw.db");
    let clock = Arc::new(bench.clock.clone());
    drop(match &bench.key {
        Some(key) => Store::open_with_clock(&raw_path, bench.identity, key, clock)?,
        None => Store::open_plain_with_clock(&raw_path, bench.identity, clock)?,
    });
    let raw_file = open_raw(&raw_path, bench.key.as_ref())?;
    let mut raw_clock = HlcClock::new(Uuid::now_v7());
    let started = Instant::now();
    let area = &bench.area;
    raw_fill(&raw_file, &mut raw_clock, &area.villages, bench.identity)?;
    raw_fill(&raw_file, &mut raw_clock, &area.households, bench.identity)?;
    raw_fill(&raw_file, &mut raw_clock, &area.persons, bench.identity)?;
    raw_fill(&raw_file, &mut raw_clock, &area.visits, bench.identity)?;
    raw_fill(&raw_file, &mut raw_clock, &area.follow_ups, bench.identity)?;
    raw_fill(&raw_file, &mut raw_clock, &area.enrollments, bench.identity)?;
    raw_fill(&raw_file, &mut raw_clock, &area.payments, bench.identity)?;
    let secs = started.elapsed().as_secs_f64();
    let _: i64 = raw_file.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    let raw_bytes = std::fs::metadata(&raw_path)?.len();
    raw_file.execute("DELETE FROM outbox", [])?;
    raw_file.execute_batch("VACUUM")?;
    let raw_synced_bytes = std::fs::metadata(&raw_path)?.len();
    drop(raw_file);
    let _ = std::fs::remove_file(&raw_path);
    Ok((raw_bytes, raw_synced_bytes, secs))
}

/// The largest tables and indexes of the file (`dbstat`, when SQLite has it).
fn table_sizes(raw: &Connection) -> AnyResult<Vec<(String, i64)>> {
    let mut stmt =
        raw.prepare("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 8");
    Ok(match stmt.as_mut() {
        Ok(stmt) => stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?,
        Err(_) => Vec::new(),
    })
}

/// What one run measured.
struct Results {
    total_records: usize,
    generation_secs: f64,
    rates: [f64; 3],
    file_bytes: u64,
    synced_bytes: u64,
    raw_bytes: u64,
    raw_synced_bytes: u64,
    raw_secs: f64,
    insert: (Timing, Timing),
    bulk: (f64, f64),
    search: (Timing, Timing, f64),
    today: (Timing, Timing, (usize, usize, usize)),
    table_bytes: Vec<(String, i64)>,
}

/// Every phase on one file, encrypted with `key` or plain.
fn run(size: &Size, seed: u64, key: Option<StoreKey>) -> AnyResult<(Bench, Results)> {
    // SOTAY_BENCH_DB=<file> keeps the generated database for a look afterwards.
    let dir = tempfile::tempdir()?;
    let path = match std::env::var_os("SOTAY_BENCH_DB") {
        Some(file) => {
            let mut name = file;
            name.push(if key.is_some() {
                ".encrypted"
            } else {
                ".plain"
            });
            PathBuf::from(name)
        }
        None => dir.path().join("bench.db"),
    };
    if path.exists() {
        return Err(format!("{} exists; give a new file name", path.display()).into());
    }
    let identity = DeviceIdentity {
        device_id: Uuid::now_v7(),
        user_id: Uuid::now_v7(),
    };
    let area = area::generate(&AreaSpec::collector(
        size.households,
        identity.user_id,
        seed,
    ));
    let mut bench = Bench {
        path,
        key,
        identity,
        clock: SettableClock::new(now()),
        area,
        rng: StdRng::seed_from_u64(seed ^ 0x5eed),
    };
    let (rates, generation_secs) = fill(&bench)?;
    // Measure as the app runs: a store opened on the existing file.
    let store = bench.open()?;
    let raw = bench.raw()?;
    let _: i64 = raw.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    let file_bytes = std::fs::metadata(&bench.path)?.len();
    let insert = single_inserts(&mut bench, &store, &raw, size.single_inserts)?;
    let bulk = bulk_inserts(&mut bench, &store, &raw, size.bulk_visits)?;
    drop(store);
    let search = searches(&mut bench, size.searches)?;
    let store = bench.open()?;
    let today = todays_lists(&bench, &store, &raw, size.today_runs)?;
    // Per-table sizes, read last so the scan does not warm the raw connection's cache.
    let table_bytes = table_sizes(&raw)?;
    // Steady state: once sync has acknowledged every op, the outbox is empty.
    drop(store);
    raw.execute("DELETE FROM outbox", [])?;
    raw.execute_batch("VACUUM")?;
    let synced_bytes = std::fs::metadata(&bench.path)?.len();
    let (raw_bytes, raw_synced_bytes, raw_secs) = raw_file_sizes(&bench)?;
    let results = Results {
        total_records: bench.area.len(),
        generation_secs,
        rates,
        file_bytes,
        synced_bytes,
        raw_bytes,
        raw_synced_bytes,
        raw_secs,
        insert,
        bulk,
        search,
        today,
        table_bytes,
    };
    drop(dir);
    Ok((bench, results))
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

/// The Markdown report of one run.
fn report(title: &str, size: &Size, bench: &Bench, r: &Results) {
    let area = &bench.area;
    println!("\n### {title}\n");
    println!(
        "Area: {} villages, {} households, {} persons, {} visits, {} follow-ups, {} sign-ups, {} payments ({} records) generated through the store in {:.1} s.\n",
        area.villages.len(),
        area.households.len(),
        area.persons.len(),
        area.visits.len(),
        area.follow_ups.len(),
        area.enrollments.len(),
        area.payments.len(),
        r.total_records,
        r.generation_secs
    );
    let (insert_store, insert_raw) = &r.insert;
    let (search_store, search_raw, hits_per_query) = &r.search;
    let (today_store, today_raw, list_sizes) = &r.today;
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
        r.bulk.0,
        r.bulk.1,
        ratio(r.bulk.1, r.bulk.0)
    );
    println!(
        "| search p50 ({} queries) | {:.3} ms | {:.3} ms | {:.2}× | |",
        size.searches,
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
        r.rates[0], r.rates[1], r.rates[2]
    );
    println!(
        "Search returned {hits_per_query:.1} hits per query on average. Today's list: {} follow-ups due, {} renewals due, {} lapsed.",
        list_sizes.0, list_sizes.1, list_sizes.2
    );
    println!(
        "\nDatabase size on disk after generation: {:.1} MiB ({} bytes, {:.0} bytes per record).",
        r.file_bytes as f64 / 1_048_576.0,
        r.file_bytes,
        r.file_bytes as f64 / r.total_records as f64
    );
    println!(
        "After every op is acknowledged by sync (empty outbox, VACUUM): {:.1} MiB ({:.0} bytes per record).",
        r.synced_bytes as f64 / 1_048_576.0,
        r.synced_bytes as f64 / r.total_records as f64
    );
    println!(
        "Raw SQLite, the same {} records written in {:.1} s: {:.1} MiB after generation \
         (store / raw {:.2}×), {:.1} MiB with an empty outbox (store / raw {:.2}×).",
        r.total_records,
        r.raw_secs,
        r.raw_bytes as f64 / 1_048_576.0,
        r.file_bytes as f64 / r.raw_bytes as f64,
        r.raw_synced_bytes as f64 / 1_048_576.0,
        r.synced_bytes as f64 / r.raw_synced_bytes as f64
    );
    if !r.table_bytes.is_empty() {
        println!(
            "Largest tables and indexes: {}.",
            r.table_bytes
                .iter()
                .map(|(n, b)| format!("{n} {:.1} MiB", *b as f64 / 1_048_576.0))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}

fn main() -> AnyResult<()> {
    let full = std::env::args().any(|a| a == "--bench");
    let size = if full { FULL } else { SMOKE };
    let seed: u64 = std::env::var("SOTAY_BENCH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_123);
    println!(
        "\n## Store benchmark ({} run, seed {seed})",
        if full { "full" } else { "smoke" }
    );
    let (plain_bench, plain) = run(&size, seed, None)?;
    report("Plain file", &size, &plain_bench, &plain);
    let (encrypted_bench, encrypted) = run(&size, seed, Some(StoreKey::generate()))?;
    report(
        "Encrypted file (SQLCipher)",
        &size,
        &encrypted_bench,
        &encrypted,
    );
    println!("\n### Encrypted beside plain (the store on each; target ≤ 1.3×)\n");
    println!("| measure | plain | encrypted | encrypted / plain |");
    println!("|---|---|---|---|");
    let rows = [
        (
            "visit insert p50 (ms)",
            plain.insert.0.p50,
            encrypted.insert.0.p50,
        ),
        (
            "visit insert p99 (ms)",
            plain.insert.0.p99,
            encrypted.insert.0.p99,
        ),
        (
            "bulk insert (s per 1,000)",
            1_000.0 / plain.bulk.0,
            1_000.0 / encrypted.bulk.0,
        ),
        (
            "search p50 (ms)",
            plain.search.0.p50,
            encrypted.search.0.p50,
        ),
        (
            "search p99 (ms)",
            plain.search.0.p99,
            encrypted.search.0.p99,
        ),
        (
            "today's list p50 (ms)",
            plain.today.0.p50,
            encrypted.today.0.p50,
        ),
        (
            "today's list p99 (ms)",
            plain.today.0.p99,
            encrypted.today.0.p99,
        ),
        (
            "size after generation (MiB)",
            plain.file_bytes as f64 / 1_048_576.0,
            encrypted.file_bytes as f64 / 1_048_576.0,
        ),
        (
            "generation through the store (s)",
            plain.generation_secs,
            encrypted.generation_secs,
        ),
    ];
    for (what, p, e) in rows {
        println!("| {what} | {p:.3} | {e:.3} | {:.2}× |", ratio(e, p));
    }
    Ok(())
}

/// The FTS5 expression the raw baseline runs (the same words, prefix-matched).
/// A plain connection with the store's WAL and cache settings (and its key, on an encrypted
/// file), so both pay for checkpoints, cache misses and decryption alike.
fn open_raw(path: &Path, key: Option<&StoreKey>) -> AnyResult<Connection> {
    let raw = match key {
        Some(key) => sotay_store::encryption::connect(path, key)?,
        None => Connection::open(path)?,
    };
    raw.busy_timeout(std::time::Duration::from_secs(5))?;
    raw.pragma_update(None, "synchronous", "NORMAL")?;
    let _: i64 = raw.query_row("PRAGMA wal_autocheckpoint = 4000", [], |r| r.get(0))?;
    raw.pragma_update(None, "cache_size", sotay_store::store::STORE_CACHE_KIB)?;
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
    let table = E::KIND.plural();
    let search_table = E::SEARCH_TABLE;
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
            let columns = record.row_columns();
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
