//! The field app's benchmark (release build, real WebKitGTK under a private Xvfb): start to the
//! first usable screen (the PIN lock) and the PIN to the Today screen with a 50,000-household
//! area (Argon2id unwraps the key, the store opens), a 2,000-household village's list on
//! screen, keystroke to search results in the webview, the JS+CSS bundle gzipped, and the app's
//! memory (RSS). Prints a Markdown report for `docs/benchmarks.md`.
//!
//! Data: the store benchmark's generator (`SOTAY_BENCH_DB=<file> cargo bench -p sotay-store
//! --bench store_bench` keeps its 50,000-household database); this benchmark opens it as the
//! app's database and adds one village of 2,000 households through the store.
//! `scripts/bench.sh` runs both. Without `--bench` (as `cargo test --all-targets` would) it
//! does nothing.

#[path = "../tests/app/webview/harness.rs"]
#[allow(dead_code)]
mod harness;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use harness::{APP, AppSession, Display};
use serde_json::{Value, json};
use sotay_domain::{Household, PovertyStatus, Village, VillageKind, new_id};
use sotay_store::{DeviceIdentity, Store};
use uuid::Uuid;

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

/// The PIN the benchmark's app is locked with.
const BENCH_PIN: &str = "2468";

/// Types the PIN on the lock screen and times the tap to the Today screen drawn with its data.
async fn unlock_to_today(app: &AppSession) -> AnyResult<f64> {
    app.fill("pin", BENCH_PIN).await;
    let ms: f64 = app
        .driver
        .execute_async(
            "const done=arguments[arguments.length-1];const t0=performance.now();\
             document.querySelector(\"[data-testid='unlock']\").click();\
             const tick=()=>{if(document.querySelector(\"[data-testid='today-date']\")){requestAnimationFrame(()=>done(performance.now()-t0))}\
             else if(performance.now()-t0>30000){done(-1)}else{requestAnimationFrame(tick)}};tick();",
            vec![],
        )
        .await?
        .convert()?;
    if ms < 0.0 {
        return Err(format!(
            "no Today screen 30 s after the PIN: {}",
            app.page_text().await
        )
        .into());
    }
    Ok(ms)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn summary(mut samples: Vec<f64>) -> String {
    samples.sort_by(|a, b| a.total_cmp(b));
    format!(
        "p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms (n = {})",
        percentile(&samples, 50.0),
        percentile(&samples, 95.0),
        samples.last().copied().unwrap_or(0.0),
        samples.len()
    )
}

fn epoch_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

/// Opens the store bench's database as an enrolled app's data folder and adds a village of
/// 2,000 households; returns the village id and the households in the area.
fn prepare(source: &Path, data_dir: &Path) -> AnyResult<(Uuid, i64)> {
    std::fs::create_dir_all(data_dir)?;
    let db = data_dir.join("sotay.sqlite3");
    std::fs::copy(source, &db)?;
    let conn = rusqlite::Connection::open(&db)?;
    let (device, user): (Vec<u8>, Vec<u8>) = conn.query_row(
        "SELECT device_id, user_id FROM device WHERE id = 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let households_before: i64 = conn.query_row(
        "SELECT count(*) FROM households WHERE deleted = 0",
        [],
        |r| r.get(0),
    )?;
    drop(conn);
    let identity = DeviceIdentity {
        device_id: Uuid::from_slice(&device)?,
        user_id: Uuid::from_slice(&user)?,
    };
    let enrolment = sotay_device::Enrolment {
        office_url: "http://127.0.0.1:9".into(),
        device_id: identity.device_id,
        device_token: "bench".into(),
        user: sotay_device::EnrolledUser {
            id: identity.user_id,
            full_name: "Nguyễn Thị Lan".into(),
            role: sotay_domain::Role::Collector,
        },
        communes: vec!["07246".into()],
        villages: vec![],
        enrolled_at: chrono::Utc::now(),
    };
    enrolment.save(data_dir)?;
    let key = sotay_store::StoreKey::generate();
    sotay_device::store_key::protect(
        data_dir,
        key.as_bytes(),
        BENCH_PIN,
        sotay_device::PinCost::DEFAULT,
        sotay_device::platform_keystore(),
    )?;
    let store = Store::open(&db, identity, &key)?;
    let village = Village {
        id: new_id(),
        commune_code: "07246".into(),
        name: "Thôn Đồng Lớn".into(),
        kind: VillageKind::Village,
    };
    store.save_village(&village)?;
    let households: Vec<Household> = (0..2_000)
        .map(|n| Household {
            id: new_id(),
            commune_code: "07246".into(),
            village_id: Some(village.id),
            address: format!("Số {}, Thôn Đồng Lớn", n + 1),
            head_name: format!("Nguyễn Văn Hộ {n:04}"),
            poverty_status: if n % 9 == 0 {
                PovertyStatus::NearPoor
            } else {
                PovertyStatus::None
            },
            poverty_year: (n % 9 == 0).then_some(2025),
            notes: String::new(),
            location: None,
        })
        .collect();
    for chunk in households.chunks(500) {
        store.save_batch(chunk)?;
    }
    store.checkpoint()?;
    Ok((village.id, households_before + 2_000))
}

/// Process start (spawn) to the Today screen drawn with its data (the UI's `mark_ready`).
fn start_times(display: &Display, home: &Path, runs: usize) -> AnyResult<Vec<f64>> {
    let mut samples = Vec::new();
    for run in 0..runs {
        let ready = home.join(format!("ready-{run}"));
        let spawned = epoch_ms();
        let mut child = Command::new(APP)
            .env("DISPLAY", &display.name)
            .env("XDG_DATA_HOME", home)
            .env("SOTAY_READY_FILE", &ready)
            .env("SOTAY_SYNC_INTERVAL_SECS", "3600")
            .env("SOTAY_SYNC_RETRY_SECS", "3600")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let deadline = Instant::now() + Duration::from_secs(60);
        let at: u128 = loop {
            if let Ok(text) = std::fs::read_to_string(&ready)
                && let Ok(at) = text.trim().parse()
            {
                break at;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                return Err("the app did not report its first screen in 60 s".into());
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        samples.push(at.saturating_sub(spawned) as f64);
        let _ = child.kill();
        let _ = child.wait();
        std::thread::sleep(Duration::from_millis(500));
    }
    Ok(samples)
}

/// RSS of the app and of the WebKit processes it started, in MiB.
fn rss_mib(root_exe: &str) -> (f64, f64) {
    let read = |pid: &str, key: &str| -> Option<String> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find(|l| l.starts_with(key))
            .map(|l| l[key.len()..].trim().to_owned())
    };
    let kib = |text: Option<String>| -> f64 {
        text.and_then(|t| {
            t.split_whitespace()
                .next()
                .and_then(|n| n.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
    };
    let pids: Vec<String> = std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
                .collect()
        })
        .unwrap_or_default();
    let app: Vec<&String> = pids
        .iter()
        .filter(|p| {
            std::fs::read_link(format!("/proc/{p}/exe")).is_ok_and(|e| e == Path::new(root_exe))
        })
        .collect();
    let app_kib: f64 = app.iter().map(|p| kib(read(p, "VmRSS:"))).sum();
    let children_kib: f64 = pids
        .iter()
        .filter(|p| read(p, "PPid:").is_some_and(|ppid| app.iter().any(|a| a.as_str() == ppid)))
        .map(|p| kib(read(p, "VmRSS:")))
        .sum();
    (app_kib / 1024.0, (app_kib + children_kib) / 1024.0)
}

fn gzip_size(dir: &Path) -> AnyResult<(usize, usize)> {
    let mut raw = 0;
    let mut gz = 0;
    for entry in std::fs::read_dir(dir.join("assets"))? {
        let path = entry?.path();
        if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("js" | "css")
        ) {
            let bytes = std::fs::read(&path)?;
            raw += bytes.len();
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            encoder.write_all(&bytes)?;
            gz += encoder.finish()?.len();
        }
    }
    Ok((raw, gz))
}

#[tokio::main]
async fn main() -> AnyResult<()> {
    if !std::env::args().any(|a| a == "--bench") {
        return Ok(());
    }
    let source = std::env::var_os("SOTAY_APP_BENCH_DB")
        .ok_or("set SOTAY_APP_BENCH_DB to the store bench's database (scripts/bench.sh does)")?;
    let home = tempfile::tempdir()?;
    let data_dir = home.path().join("vn.sotay.field");
    let (village, households) = prepare(Path::new(&source), &data_dir)?;
    let display = Display::start();

    let start = start_times(&display, home.path(), 7)?;
    eprintln!("start: {}", summary(start.clone()));

    let app = AppSession::start(
        &display,
        home.path(),
        &[
            ("SOTAY_SYNC_INTERVAL_SECS", "3600"),
            ("SOTAY_SYNC_RETRY_SECS", "3600"),
        ],
    )
    .await;
    app.testid("unlock").await;
    let first_unlock = unlock_to_today(&app).await?;
    let mut unlocks = Vec::new();
    for _ in 0..7 {
        app.go("settings").await;
        app.click("lock-now").await;
        app.testid("unlock").await;
        unlocks.push(unlock_to_today(&app).await?);
    }
    eprintln!(
        "unlock: first {first_unlock:.0} ms; after a lock {}",
        summary(unlocks.clone())
    );
    let mut list = Vec::new();
    for _ in 0..7 {
        app.go("more").await;
        let ms: f64 = app
            .driver
            .execute_async(
                "const done=arguments[arguments.length-1];const t0=performance.now();\
                 location.hash=arguments[0];\
                 const tick=()=>{const l=document.querySelectorAll(\"[data-testid='village-households'] li\");\
                 if(l.length>=60&&document.querySelector(\"[data-testid='village-count']\")){requestAnimationFrame(()=>done(performance.now()-t0))}\
                 else if(performance.now()-t0>20000){done(-l.length)}else{requestAnimationFrame(tick)}};tick();",
                vec![json!(format!("#/households/village/{village}"))],
            )
            .await?
            .convert()?;
        if ms < 0.0 {
            return Err(format!(
                "the village list showed {} rows after 20 s; the page says: {}",
                -ms,
                app.page_text().await
            )
            .into());
        }
        list.push(ms);
    }
    eprintln!("list: {}", summary(list.clone()));
    app.go("households").await;
    app.testid("search").await;
    let mut search = Vec::new();
    for query in [
        "nguyen van",
        "tran thi h",
        "pham",
        "le van nam",
        "hoang",
        "nguyen thi lan",
        "do",
        "bui van",
    ]
    .iter()
    .cycle()
    .take(40)
    {
        let ms: Value = app
            .driver
            .execute_async(
                "const done=arguments[arguments.length-1];const input=document.querySelector(\"[data-testid='search']\");\
                 const before=document.querySelector(\"[data-testid='search-results']\");\
                 const old=before?before.textContent:'';input.value='';input.dispatchEvent(new Event('input'));\
                 setTimeout(()=>{const t0=performance.now();input.value=arguments[0];input.dispatchEvent(new Event('input'));\
                 const tick=()=>{const r=document.querySelector(\"[data-testid='search-results'],[data-testid='no-results']\");\
                 if(r){requestAnimationFrame(()=>done(performance.now()-t0))}else{requestAnimationFrame(tick)}};tick();},50);",
                vec![json!(query)],
            )
            .await?
            .json()
            .clone();
        search.push(ms.as_f64().unwrap_or(0.0));
    }
    let (app_rss, total_rss) = rss_mib(APP);
    app.stop().await;
    let (raw, gz) = gzip_size(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/dist"))?;

    println!("## Field app (release build, WebKitGTK under Xvfb)");
    println!();
    println!("Area: {households} households (the store bench's 50,000 plus a village of 2,000).");
    println!();
    println!("| measure | result | target |");
    println!("|---|---|---|");
    println!(
        "| process start → the PIN screen drawn | {} | ≤ 1.5 s |",
        summary(start)
    );
    println!(
        "| PIN → Today drawn with its data, first unlock (Argon2id, store opened) | {first_unlock:.0} ms (n = 1) | |"
    );
    println!(
        "| PIN → Today drawn, after an idle lock (Argon2id) | {} | |",
        summary(unlocks)
    );
    println!(
        "| the 2,000-household village's list on screen | {} | ≤ 100 ms |",
        summary(list)
    );
    println!(
        "| keystroke → search results drawn | {} | ≤ 50 ms |",
        summary(search)
    );
    println!(
        "| JS + CSS | {:.1} KB, {:.1} KB gzip | ≤ 150 KB gzip |",
        raw as f64 / 1024.0,
        gz as f64 / 1024.0
    );
    println!(
        "| memory (RSS): app process / with its WebKit processes | {app_rss:.0} MiB / {total_rss:.0} MiB | ≤ 250 MB |"
    );
    Ok(())
}
