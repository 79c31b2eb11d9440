//! The field app's benchmark (release build, real WebKitGTK under a private Xvfb): start to the
//! first usable screen with a 50,000-household area (split by phase), the PIN to Today, a
//! 2,000-household village's list on screen, a keystroke to search results drawn in the
//! webview, the JS+CSS bundle gzipped, and the app's memory (its process and its WebKit
//! processes). Prints a Markdown report for `docs/benchmarks.md`.
//!
//! Data: the store benchmark's generator (`sotay-fixtures`, same seed), written through the
//! store into the app's own encrypted database with a key wrapped by the PIN, as an enrolled
//! collector's phone holds its area after the first sync (every op acknowledged: an
//! empty outbox, then `VACUUM`). 2,000 households of one commune are gathered into one village
//! ("Thôn Đồng Lớn") before they are saved, members, visits and sign-ups with them. Generation
//! takes a minute or two; `SOTAY_APP_BENCH_DATA=<folder>` keeps the prepared data folder there
//! and reuses it on the next run.
//!
//! - Start: the release binary spawned `SOTAY_APP_BENCH_STARTS` times (15), each timed from
//!   spawn to the first usable screen drawn — the PIN lock, since the database key is wrapped
//!   by the PIN — with the marks of the way (Rust's `startup.rs`, the page's `lib/startup.ts`)
//!   written by `mark_ready` to `SOTAY_READY_FILE`. `SOTAY_APP_BENCH_ONLY=start` stops after
//!   this.
//! - PIN → Today: in WebDriver sessions, the PIN typed and "Mở khoá" tapped → Today drawn with
//!   its data, with the steps on the way (User Timing marks `sotay:*`): the first unlock of a
//!   fresh app (Argon2id, the store opened with an empty cache; 5 apps), then after a lock (10).
//! - Village list: route change → the first rows and the count in the DOM, then painted, from
//!   another tab and from the village list.
//! - Keystroke: the field holds a query but its last character and shows that prefix's
//!   results; the last key is pressed, and the time runs from the page's `keydown` to the new
//!   results drawn. Pressed three ways: a real X key event (`xdotool`, as a keyboard), through
//!   WebDriver (WebKitWebDriver injects it through the app's process, which delays some
//!   answers), and as the `input` event dispatched in the page. (A synthetic `input` event
//!   must bubble: Svelte 5 handles `oninput` by delegation at the root.)
//! - Memory: RSS (anonymous, file, shared), PSS and peak of the app process and every process
//!   under it, with Today shown, after the list visits and searches, and with a village's
//!   list of 2,000 households scrolled to its end (every page loaded; the list keeps only the
//!   rows near the screen in the page).
//!
//! Without `--bench` (as `cargo test --all-targets` would) it does nothing.

#[path = "../tests/app/webview/harness.rs"]
#[allow(dead_code)]
mod harness;

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use harness::{APP, AppSession, Display};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Value, json};
use sotay_domain::{Village, VillageKind, new_id};
use sotay_fixtures::area::{self, AreaSpec, search_query};
use sotay_store::{DeviceIdentity, Store, StoreKey};
use thirtyfour::prelude::*;
use uuid::Uuid;

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

/// The store benchmark's area: its size and its default seed.
const HOUSEHOLDS: usize = 50_000;
const SEED: u64 = 20_261_123;
/// The big village.
const VILLAGE_HOUSEHOLDS: usize = 2_000;
const VILLAGE_NAME: &str = "Thôn Đồng Lớn";
/// Searches typed (the store benchmark's query mix).
const SEARCHES: usize = 40;
/// Start-ups, first unlocks (each in a fresh app), unlocks after a lock and list visits.
const STARTS: usize = 15;
const FIRST_UNLOCKS: usize = 5;
const UNLOCKS: usize = 10;
const VISITS: usize = 11;
/// The PIN the benchmark's app is locked with (its database key is wrapped by it).
const BENCH_PIN: &str = "2468";
/// What `prepare` makes; a data folder kept from a run of another format is made again.
const FORMAT: u32 = 2;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn sorted(mut samples: Vec<f64>) -> Vec<f64> {
    samples.sort_by(|a, b| a.total_cmp(b));
    samples
}

fn summary(samples: &[f64]) -> String {
    let samples = sorted(samples.to_vec());
    format!(
        "p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms (n = {})",
        percentile(&samples, 50.0),
        percentile(&samples, 95.0),
        samples.last().copied().unwrap_or(0.0),
        samples.len()
    )
}

fn epoch_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

/// What `prepare` made (kept beside the data folder for the next run).
#[derive(serde::Serialize, serde::Deserialize)]
struct Prepared {
    format: u32,
    seed: u64,
    village: Uuid,
    households: usize,
    records: usize,
    queries: Vec<String>,
}

/// Generates the area into `data_dir` as an enrolled collector's phone holds it, or reuses what
/// an earlier run left there.
fn prepare(data_dir: &Path) -> AnyResult<Prepared> {
    let marker = data_dir.join("bench-area.json");
    if let Ok(text) = std::fs::read_to_string(&marker)
        && let Ok(prepared) = serde_json::from_str::<Prepared>(&text)
        && prepared.seed == SEED
        && prepared.format == FORMAT
    {
        eprintln!("reusing the area in {}", data_dir.display());
        return Ok(prepared);
    }
    if data_dir.exists() {
        std::fs::remove_dir_all(data_dir)?;
    }
    std::fs::create_dir_all(data_dir)?;
    let identity = DeviceIdentity {
        device_id: Uuid::now_v7(),
        user_id: Uuid::now_v7(),
    };
    let started = Instant::now();
    let mut area = area::generate(&AreaSpec::collector(HOUSEHOLDS, identity.user_id, SEED));
    // Gather 2,000 households of the first commune into one big village, with everything that
    // names their village.
    let commune = area.villages[0].commune_code.clone();
    let village = Village {
        id: new_id(),
        commune_code: commune.clone(),
        name: VILLAGE_NAME.into(),
        kind: VillageKind::Village,
    };
    let moved: HashSet<Uuid> = area
        .households
        .iter_mut()
        .filter(|h| h.commune_code == commune)
        .take(VILLAGE_HOUSEHOLDS)
        .map(|h| {
            h.village_id = Some(village.id);
            h.address = format!(
                "{}, {VILLAGE_NAME}",
                h.address.split(',').next().unwrap_or("")
            );
            h.id
        })
        .collect();
    if moved.len() < VILLAGE_HOUSEHOLDS {
        return Err(format!("only {} households in commune {commune}", moved.len()).into());
    }
    let into = Some(village.id);
    // Everything of a moved household names the big village.
    macro_rules! follow_households {
        ($($list:ident),*) => {$(
            for r in area.$list.iter_mut().filter(|r| moved.contains(&r.household_id)) {
                r.village_id = into;
            }
        )*};
    }
    follow_households!(persons, visits, follow_ups, enrollments, payments);
    area.villages.push(village.clone());

    let enrolment = sotay_device::Enrolment {
        office_url: "http://127.0.0.1:9".into(),
        device_id: identity.device_id,
        device_token: "bench".into(),
        user: sotay_device::EnrolledUser {
            id: identity.user_id,
            full_name: "Nguyễn Thị Lan".into(),
            role: sotay_domain::Role::Collector,
        },
        communes: area
            .villages
            .iter()
            .map(|v| v.commune_code.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect(),
        villages: vec![],
        enrolled_at: chrono::Utc::now(),
    };
    enrolment.save(data_dir)?;
    // As the app keeps it: a random key, wrapped by the PIN (Argon2id + XChaCha20-Poly1305).
    let key = StoreKey::generate();
    sotay_device::store_key::protect(
        data_dir,
        key.as_bytes(),
        BENCH_PIN,
        sotay_device::PinCost::DEFAULT,
        sotay_device::platform_keystore(),
    )?;
    let db = data_dir.join(sotay_app::state::STORE_FILE);
    let store = Store::open(&db, identity, &key)?;
    fn save_all<E: sotay_store::Record>(store: &Store, records: &[E]) -> AnyResult<()> {
        for chunk in records.chunks(1_000) {
            store.save_batch(chunk)?;
        }
        Ok(())
    }
    save_all(&store, &area.villages)?;
    save_all(&store, &area.households)?;
    save_all(&store, &area.persons)?;
    save_all(&store, &area.visits)?;
    save_all(&store, &area.follow_ups)?;
    save_all(&store, &area.enrollments)?;
    save_all(&store, &area.payments)?;
    drop(store);
    // As after the first sync: the office acknowledged every op.
    let raw = sotay_store::encryption::connect(&db, &key)?;
    raw.execute("DELETE FROM outbox", [])?;
    raw.execute_batch("VACUUM")?;
    drop(raw);
    let mut rng = StdRng::seed_from_u64(SEED ^ 0x5ea7c4);
    let queries = (0..SEARCHES)
        .map(|_| search_query(&mut rng, &area.persons))
        .collect();
    let prepared = Prepared {
        format: FORMAT,
        seed: SEED,
        village: village.id,
        households: area.households.len(),
        records: area.len(),
        queries,
    };
    std::fs::write(&marker, serde_json::to_string_pretty(&prepared)?)?;
    eprintln!(
        "generated {} records through the store in {:.0} s ({:.0} MiB)",
        prepared.records,
        started.elapsed().as_secs_f64(),
        std::fs::metadata(&db)?.len() as f64 / 1_048_576.0
    );
    Ok(prepared)
}

/// One start: spawn to the first usable screen drawn (the PIN lock: the database key is wrapped
/// by the PIN), with the marks on the way (ms after spawn): Rust's `run`, the app built, the
/// event loop's first turn, the state loaded, the page's navigation start, its script running,
/// the first IPC answered, the PIN screen in the DOM, painted.
fn start_once(
    display: &Display,
    home: &Path,
    run: usize,
) -> AnyResult<(BTreeMap<String, f64>, Vec<Memory>)> {
    let ready = home.join(format!("ready-{run}"));
    // The app writes the file only when it is missing (a kept data folder holds the last run's).
    if ready.exists() {
        std::fs::remove_file(&ready)?;
    }
    let spawned = epoch_ms();
    let mut child = Command::new(APP)
        .env("DISPLAY", &display.name)
        .env("XDG_DATA_HOME", home)
        .env("SOTAY_READY_FILE", &ready)
        .env("SOTAY_SYNC_INTERVAL_SECS", "3600")
        .env("SOTAY_SYNC_RETRY_SECS", "3600")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let deadline = Instant::now() + Duration::from_secs(60);
    let report: Value = loop {
        if let Ok(text) = std::fs::read_to_string(&ready)
            && let Ok(report) = serde_json::from_str::<Value>(&text)
        {
            break report;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err("the app did not report its first screen in 60 s".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // The memory of the app at its first screen, a second after it was drawn.
    std::thread::sleep(Duration::from_secs(1));
    let memory = app_memory("pin");
    let _ = child.kill();
    let _ = child.wait();
    let mut marks = BTreeMap::new();
    if let Some(object) = report["marks"].as_object() {
        for (name, at) in object {
            if let Some(at) = at.as_f64() {
                marks.insert(name.clone(), at - spawned);
            }
        }
    }
    let at = report["ready_at"]
        .as_f64()
        .ok_or("no ready_at in the ready file")?;
    marks.insert("ready".into(), at - spawned);
    Ok((marks, memory))
}

/// The phases of start, in order: (mark, what happened up to it since the previous mark).
const PHASES: [(&str, &str); 9] = [
    ("main", "process spawn → Rust `run` (exec, dynamic linking)"),
    (
        "built",
        "→ app built (Tauri's context and runtime, GTK initialised)",
    ),
    (
        "setup",
        "→ event loop started, the window and its webview made",
    ),
    (
        "state",
        "→ state loaded (settings, enrolment, the wrapped key's file; the store waits for the PIN)",
    ),
    (
        "navigation",
        "→ the page starts loading (WebKit's web process up: `performance.timeOrigin`)",
    ),
    (
        "script",
        "→ the UI's script runs (bundle loaded and parsed)",
    ),
    ("status", "→ first IPC answered (`app_status`)"),
    ("lock", "→ the PIN screen in the DOM"),
    (
        "ready",
        "→ the PIN screen painted (two animation frames later, `mark_ready`)",
    ),
];

/// The PIN typed and "Mở khoá" tapped → Today drawn with its data, timed in the page, with the
/// steps on the way (ms after the tap): the unlock answered (Argon2id unwraps the key; the
/// first time the store opens too), Today asks for its data, the data in the page, drawn.
async fn unlock_to_today(app: &AppSession) -> AnyResult<BTreeMap<String, f64>> {
    app.testid("unlock").await;
    app.fill("pin", BENCH_PIN).await;
    let steps: Value = app
        .driver
        .execute_async(
            "const done=arguments[arguments.length-1];const t0=performance.now();\
             document.querySelector(\"[data-testid='unlock']\").click();\
             const at=(name)=>{const e=performance.getEntriesByName('sotay:'+name);\
               return e.length&&e[e.length-1].startTime>=t0?e[e.length-1].startTime-t0:null};\
             const mo=new MutationObserver(()=>{if(document.querySelector(\"[data-testid='today-date']\")){mo.disconnect();\
               requestAnimationFrame(()=>done({drawn:performance.now()-t0,unlocked:at('unlocked'),\
                 today_asked:at('today_asked'),today:at('today')}))}});\
             mo.observe(document.body,{subtree:true,childList:true});\
             setTimeout(()=>{mo.disconnect();done(null)},30000);",
            vec![],
        )
        .await?
        .json()
        .clone();
    let Some(object) = steps.as_object() else {
        return Err(format!(
            "no Today screen 30 s after the PIN: {}",
            app.page_text().await
        )
        .into());
    };
    Ok(object
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), v.as_f64()?)))
        .collect())
}

/// The steps of an unlock, in order: (step, what happened up to it since the previous step).
const UNLOCK_STEPS: [(&str, &str); 4] = [
    (
        "unlocked",
        "tap → `unlock` answered (Argon2id unwraps the key; the first time, the store opens)",
    ),
    ("today_asked", "→ Today mounted, asks for its data"),
    (
        "today",
        "→ Today's data in the page (the `today` command, IPC, JSON)",
    ),
    ("drawn", "→ Today drawn (next animation frame)"),
];

/// Every process's pid.
fn all_pids() -> Vec<String> {
    std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
                .collect()
        })
        .unwrap_or_default()
}

/// A line of `/proc/<pid>/status` (`key` with its colon), trimmed; empty if there is none.
fn status_field(pid: &str, key: &str) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_owned()))
        .unwrap_or_default()
}

/// `roots` and every process under them, by pid.
fn with_descendants(roots: Vec<String>, pids: &[String]) -> Vec<String> {
    let mut tree = roots;
    let parents: Vec<(&String, String)> =
        pids.iter().map(|p| (p, status_field(p, "PPid:"))).collect();
    let mut grew = true;
    while grew {
        grew = false;
        for (pid, ppid) in &parents {
            if !tree.contains(pid) && tree.contains(ppid) {
                tree.push((*pid).clone());
                grew = true;
            }
        }
    }
    tree
}

/// The app process (this build's binary) and every process under it, by pid.
fn app_tree() -> Vec<String> {
    let pids = all_pids();
    let apps = pids
        .iter()
        .filter(|p| std::fs::read_link(format!("/proc/{p}/exe")).is_ok_and(|e| e == Path::new(APP)))
        .cloned()
        .collect();
    with_descendants(apps, &pids)
}

/// Memory of one process, in MiB.
#[derive(Clone, Debug)]
struct Memory {
    name: String,
    rss: f64,
    /// Of the RSS: anonymous memory (heaps: ours, JavaScript's, WebKit's), file pages (code of
    /// the shared libraries, shared with every other process using them) and shared memory.
    anon: f64,
    file: f64,
    shmem: f64,
    /// Proportional set size: shared pages divided among the processes sharing them.
    pss: f64,
    peak: f64,
}

/// How long the app is left alone before its memory is read (`SOTAY_APP_BENCH_SETTLE`, seconds;
/// 2 by default): a person reading the screen.
fn settle() -> Duration {
    Duration::from_secs(
        std::env::var("SOTAY_APP_BENCH_SETTLE")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(2),
    )
}

fn memory_of(pid: &str) -> Option<Memory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let mib = |text: &str, key: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|n| n.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    let name = status
        .lines()
        .find_map(|l| l.strip_prefix("Name:"))
        .map(|n| n.trim().to_owned())?;
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    Some(Memory {
        name,
        rss: mib(&status, "VmRSS:"),
        anon: mib(&status, "RssAnon:"),
        file: mib(&status, "RssFile:"),
        shmem: mib(&status, "RssShmem:"),
        pss: mib(&rollup, "Pss:"),
        peak: mib(&status, "VmHWM:"),
    })
}

/// The memory of the app's processes now, at `moment`. With `SOTAY_APP_BENCH_SMAPS=<folder>`,
/// each process's `/proc/<pid>/smaps` is copied there as `<moment>-<name>-<pid>.smaps`, to see
/// which mappings hold the memory (`scripts/smaps-summary.py` sums them).
fn app_memory(moment: &str) -> Vec<Memory> {
    let tree = app_tree();
    if let Some(folder) = std::env::var_os("SOTAY_APP_BENCH_SMAPS") {
        let folder = PathBuf::from(folder);
        let _ = std::fs::create_dir_all(&folder);
        for pid in &tree {
            let name = status_field(pid, "Name:");
            let _ = std::fs::copy(
                format!("/proc/{pid}/smaps"),
                folder.join(format!("{moment}-{name}-{pid}.smaps")),
            );
        }
    }
    tree.iter().filter_map(|pid| memory_of(pid)).collect()
}

fn sum_of(memory: &[Memory], field: impl Fn(&Memory) -> f64) -> f64 {
    memory.iter().map(field).sum()
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

/// Route change to the village → its first rows and its count in the DOM, then painted (the
/// next animation frame), timed in the page. `from` is where the visit starts.
async fn village_visit(app: &AppSession, from: &str, village: Uuid) -> AnyResult<f64> {
    app.go(from).await;
    let ms: f64 = app
        .driver
        .execute_async(
            "const done=arguments[arguments.length-1];const t0=performance.now();\
             location.hash=arguments[0];\
             const list=()=>document.querySelector(\"[data-testid='village-households']\");\
             const ready=()=>list()&&Number(list().dataset.loaded)>=60\
               &&list().querySelector(\"[role='listitem']\")&&document.querySelector(\"[data-testid='village-count']\");\
             const finish=()=>requestAnimationFrame(()=>done(performance.now()-t0));\
             const mo=new MutationObserver(()=>{if(ready()){mo.disconnect();finish()}});\
             mo.observe(document.body,{subtree:true,childList:true,attributes:true,characterData:true});\
             setTimeout(()=>{mo.disconnect();done(-Number(list()?.dataset.loaded??0)-1)},20000);",
            vec![json!(format!("#/households/village/{village}"))],
        )
        .await?
        .convert()?;
    if ms < 0.0 {
        return Err(format!(
            "the village list showed {} rows after 20 s; the page says: {}",
            -ms - 1.0,
            app.page_text().await
        )
        .into());
    }
    Ok(ms)
}

/// Waits (in the page) until the results drawn are those of `query`; returns ms since the last
/// keydown the page saw, taken at the next animation frame (or -1 after 10 s).
const WAIT_RESULTS: &str = "const done=arguments[arguments.length-1];const q=arguments[0];\
    const ready=()=>[...document.querySelectorAll('[data-results-for]')].some(e=>e.getAttribute('data-results-for')===q);\
    const finish=()=>{window.__sotayDom=performance.now();requestAnimationFrame(()=>{const now=performance.now();done(now-(window.__sotayKeydown??now))})};\
    if(ready()){finish()}else{const mo=new MutationObserver(()=>{if(ready()){mo.disconnect();finish()}});\
    mo.observe(document.body,{subtree:true,childList:true,attributes:true});\
    setTimeout(()=>{mo.disconnect();done(-1)},10000)}";

/// One keystroke: the field holds the query but its last character and shows that prefix's
/// results; the last key is typed as a real key press (WebDriver) and timed from the page's
/// keydown to the new results drawn.
/// How the last key of a query is pressed.
#[derive(Clone, Copy)]
enum KeyPress<'a> {
    /// WebDriver's Element Send Keys (WebKitWebDriver injects it through the app's process).
    WebDriver(&'a WebElement),
    /// A real X key event (XTEST, `xdotool type`) on the display, as a keyboard makes.
    X11(&'a Display),
}

async fn search_keystroke(app: &AppSession, press: KeyPress<'_>, query: &str) -> AnyResult<f64> {
    let last = query.chars().last().ok_or("an empty query")?;
    let prefix: String = query.chars().take(query.chars().count() - 1).collect();
    app.driver
        .execute(
            "const i=document.querySelector(\"[data-testid='search']\");i.value=arguments[0];\
             i.dispatchEvent(new Event('input',{bubbles:true}));",
            vec![json!(prefix)],
        )
        .await?;
    if !prefix.trim().is_empty() {
        let waited: f64 = app
            .driver
            .execute_async(WAIT_RESULTS, vec![json!(prefix)])
            .await?
            .convert()?;
        if waited < 0.0 {
            return Err(format!("no results drawn for {prefix:?}").into());
        }
    }
    app.driver
        .execute(
            "window.__sotayKeydown=undefined;window.__sotayInput=undefined;if(!window.__sotayKeys){window.__sotayKeys=true;\
             document.addEventListener('keydown',()=>{window.__sotayKeydown=performance.now()},true);\
             document.addEventListener('input',()=>{window.__sotayInput??=performance.now()},true)}",
            vec![],
        )
        .await?;
    match press {
        KeyPress::WebDriver(field) => field.send_keys(last.to_string()).await?,
        KeyPress::X11(display) => {
            let status = Command::new("xdotool")
                .args(["type", "--delay", "0", &last.to_string()])
                .env("DISPLAY", &display.name)
                .status()?;
            if !status.success() {
                return Err("xdotool type failed".into());
            }
        }
    }
    let ms: f64 = app
        .driver
        .execute_async(WAIT_RESULTS, vec![json!(query)])
        .await?
        .convert()?;
    if ms < 0.0 {
        return Err(format!(
            "no results drawn for {query:?} after 10 s; the page says: {}",
            app.page_text().await
        )
        .into());
    }
    Ok(ms)
}

/// How long each run took from mark `previous` (from the start when None) to mark `mark`, for
/// the runs that have both.
fn since_previous(runs: &[BTreeMap<String, f64>], previous: Option<&str>, mark: &str) -> Vec<f64> {
    runs.iter()
        .filter_map(|m| {
            let before = previous.map_or(Some(0.0), |p| m.get(p).copied())?;
            Some(m.get(mark)? - before)
        })
        .collect()
}

/// The start-up phases: the median moment of each mark and the median and p95 of each phase.
fn print_phases(starts: &[BTreeMap<String, f64>]) {
    println!("Start by phase (ms since spawn; median of each mark, and the median phase):");
    println!();
    println!("| phase | mark p50 | phase p50 | phase p95 |");
    println!("|---|---|---|---|");
    let mut previous: Option<&str> = None;
    for (mark, what) in PHASES {
        let at: Vec<f64> = starts.iter().filter_map(|m| m.get(mark).copied()).collect();
        if at.is_empty() {
            continue;
        }
        let phase = since_previous(starts, previous, mark);
        let (at, phase) = (sorted(at), sorted(phase));
        println!(
            "| {what} | {:.0} | {:.0} | {:.0} |",
            percentile(&at, 50.0),
            percentile(&phase, 50.0),
            percentile(&phase, 95.0)
        );
        previous = Some(mark);
    }
    println!();
}

/// The same keystroke dispatched in the page as the `input` event a key press makes (bubbling,
/// as the browser's own), without WebDriver in between: input → the new results drawn.
const INPUT_IN_PAGE: &str = "const done=arguments[arguments.length-1];const q=arguments[0];const prefix=arguments[1];\
    const field=document.querySelector(\"[data-testid='search']\");\
    const shows=(text)=>[...document.querySelectorAll('[data-results-for]')].some(e=>e.getAttribute('data-results-for')===text);\
    const when=(test,then)=>{if(test()){then();return}const mo=new MutationObserver(()=>{if(test()){mo.disconnect();then()}});\
      mo.observe(document.body,{subtree:true,childList:true,attributes:true});setTimeout(()=>{mo.disconnect();done(-1)},10000)};\
    const type=(text)=>{field.value=text;field.dispatchEvent(new InputEvent('input',{bubbles:true,data:text.slice(-1),inputType:'insertText'}))};\
    type(prefix);\
    when(()=>prefix.trim()===''||shows(prefix),()=>setTimeout(()=>{const t0=performance.now();type(q);\
      when(()=>shows(q),()=>requestAnimationFrame(()=>done(performance.now()-t0)))},50));";

async fn search_in_page(app: &AppSession, query: &str) -> AnyResult<f64> {
    let prefix: String = query.chars().take(query.chars().count() - 1).collect();
    let ms: f64 = app
        .driver
        .execute_async(INPUT_IN_PAGE, vec![json!(query), json!(prefix)])
        .await?
        .convert()?;
    if ms < 0.0 {
        return Err(format!("no results drawn for {query:?} after 10 s (in the page)").into());
    }
    Ok(ms)
}

/// The steps of the unlocks: the median and p95 of each step.
fn print_steps(title: &str, runs: &[BTreeMap<String, f64>]) {
    println!("{title} (ms since the tap; n = {}):", runs.len());
    println!();
    println!("| step | p50 | p95 |");
    println!("|---|---|---|");
    let mut previous: Option<&str> = None;
    for (step, what) in UNLOCK_STEPS {
        let took = since_previous(runs, previous, step);
        if !took.is_empty() {
            let took = sorted(took);
            println!(
                "| {what} | {:.0} | {:.0} |",
                percentile(&took, 50.0),
                percentile(&took, 95.0)
            );
        }
        previous = Some(step);
    }
    println!();
}

#[tokio::main]
async fn main() -> AnyResult<()> {
    if !std::env::args().any(|a| a == "--bench") {
        return Ok(());
    }
    let temp = tempfile::tempdir()?;
    let home: PathBuf = std::env::var_os("SOTAY_APP_BENCH_DATA")
        .map_or_else(|| temp.path().to_owned(), PathBuf::from);
    let data_dir = home.join("vn.sotay.field");
    let prepared = prepare(&data_dir)?;
    let display = Display::start();

    // Start, STARTS times (plus one not counted: the first start after generation also finds
    // the file's pages in no cache).
    let _ = start_once(&display, &home, 0)?;
    let mut at_pin = Vec::new();
    std::thread::sleep(Duration::from_millis(500));
    let mut starts = Vec::new();
    let runs = std::env::var("SOTAY_APP_BENCH_STARTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(STARTS);
    for run in 1..=runs {
        let (marks, memory) = start_once(&display, &home, run)?;
        at_pin = memory;
        eprintln!("start {run}: {marks:?}");
        starts.push(marks);
        std::thread::sleep(Duration::from_millis(500));
    }
    let total: Vec<f64> = starts.iter().map(|m| m["ready"]).collect();
    eprintln!("start: {}", summary(&total));
    if std::env::var("SOTAY_APP_BENCH_ONLY").as_deref() == Ok("start") {
        println!(
            "| process start → the first usable screen (the PIN lock) drawn | {} | ≤ 1.5 s |",
            summary(&total)
        );
        print_phases(&starts);
        return Ok(());
    }

    let quiet = [
        ("SOTAY_SYNC_INTERVAL_SECS", "3600"),
        ("SOTAY_SYNC_RETRY_SECS", "3600"),
    ];
    // The PIN → Today each morning: a fresh app, the store opened by the first unlock (its
    // cache empty), FIRST_UNLOCKS times; the last app goes on.
    let mut first_unlocks = Vec::new();
    let mut app = None;
    for n in 0..FIRST_UNLOCKS {
        let session = AppSession::start(&display, &home, &quiet).await;
        let steps = unlock_to_today(&session).await?;
        eprintln!("first unlock {n}: {steps:?}");
        first_unlocks.push(steps);
        if n + 1 < FIRST_UNLOCKS {
            session.stop().await;
        } else {
            app = Some(session);
        }
    }
    let app = app.ok_or("no app session")?;
    // After an idle lock: the store stays open, Argon2id unwraps the key again.
    let mut unlocks = Vec::new();
    for _ in 0..UNLOCKS {
        app.go("settings").await;
        app.click("lock-now").await;
        // Locked while on Today (the lock keeps the screen the user was on).
        app.testid("unlock").await;
        app.go("today").await;
        unlocks.push(unlock_to_today(&app).await?);
    }
    eprintln!("unlocks after a lock: {unlocks:?}");
    tokio::time::sleep(settle()).await;
    let at_start = app_memory("today");
    eprintln!("memory at start: {at_start:?}");
    let mut from_tab = Vec::new();
    let mut from_villages = Vec::new();
    // The first visit of each kind warms the webview's caches and is not counted.
    for n in 0..=VISITS {
        let a = village_visit(&app, "more", prepared.village).await?;
        app.go("households").await;
        app.testid("villages").await;
        let b = village_visit(&app, "households", prepared.village).await?;
        if n > 0 {
            from_tab.push(a);
            from_villages.push(b);
        }
    }
    eprintln!("list from another tab: {} {from_tab:?}", summary(&from_tab));
    eprintln!(
        "list from the village list: {} {from_villages:?}",
        summary(&from_villages)
    );
    app.go("households").await;
    let field = app.testid("search").await;
    let mut search = Vec::new();
    for (n, query) in prepared.queries.iter().enumerate() {
        let ms = search_keystroke(&app, KeyPress::WebDriver(&field), query).await?;
        let hits: Value = app
            .driver
            .execute(
                "return [document.querySelectorAll(\"[data-testid='search-results'] li\").length,\
                 Math.round(window.__sotayInput-window.__sotayKeydown),Math.round(window.__sotayDom-window.__sotayInput)]",
                vec![],
            )
            .await?
            .json()
            .clone();
        eprintln!("search {query:?}: {ms:.0} ms; [results, keydown→input, input→DOM]: {hits}");
        // The first keystroke warms the webview and is not counted.
        if n > 0 {
            search.push(ms);
        }
    }
    eprintln!("search: {}", summary(&search));
    let mut search_page = Vec::new();
    for (n, query) in prepared.queries.iter().enumerate() {
        let ms = search_in_page(&app, query).await?;
        eprintln!("search in the page {query:?}: {ms:.0} ms");
        if n > 0 {
            search_page.push(ms);
        }
    }
    eprintln!("search in the page: {}", summary(&search_page));
    // Real key presses: the app's window takes the X input focus, the field the page's focus.
    let focused = Command::new("xdotool")
        .args([
            "search",
            "--onlyvisible",
            "--name",
            "^Sotay",
            "windowfocus",
            "--sync",
        ])
        .env("DISPLAY", &display.name)
        .status()?;
    if !focused.success() {
        return Err("xdotool could not focus the app's window (is xdotool installed?)".into());
    }
    field.click().await?;
    let mut search_x11 = Vec::new();
    for (n, query) in prepared.queries.iter().enumerate() {
        let ms = search_keystroke(&app, KeyPress::X11(&display), query).await?;
        eprintln!("search by an X key press {query:?}: {ms:.0} ms");
        if n > 0 {
            search_x11.push(ms);
        }
    }
    eprintln!("search by an X key press: {}", summary(&search_x11));

    tokio::time::sleep(settle()).await;
    let after_use = app_memory("after-use");
    eprintln!("memory after use: {after_use:?}");
    // Then the worst case: the village's list scrolled to its end, every household loaded.
    village_visit(&app, "more", prepared.village).await?;
    let all: f64 = app
        .driver
        .execute_async(
            "const done=arguments[arguments.length-1];const t0=performance.now();const n=arguments[0];\
             const list=document.querySelector(\"[data-testid='village-households']\");\
             const step=()=>{const loaded=Number(list.dataset.loaded);\
             window.scrollTo(0,document.documentElement.scrollHeight);\
             if(loaded>=n){requestAnimationFrame(()=>done(performance.now()-t0))}\
             else if(performance.now()-t0>60000){done(-loaded)}\
             else{requestAnimationFrame(step)}};step();",
            vec![json!(VILLAGE_HOUSEHOLDS)],
        )
        .await?
        .convert()?;
    if all < 0.0 {
        return Err(format!("scrolling drew only {} of the village's rows", -all).into());
    }
    eprintln!("scrolled through all {VILLAGE_HOUSEHOLDS} rows in {all:.0} ms");

    tokio::time::sleep(settle()).await;
    let whole_list = app_memory("scrolled");
    eprintln!("memory with the whole list: {whole_list:?}");
    let sharing = others_sharing_pages();
    app.stop().await;
    let (raw, gz) = gzip_size(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/dist"))?;

    println!("## Field app (release build, WebKitGTK under Xvfb)");
    println!();
    println!(
        "Area: {} households, {} records (the store bench's generator, seed {SEED}), one village \
         of {VILLAGE_HOUSEHOLDS}; the app's encrypted store.",
        prepared.households, prepared.records
    );
    println!();
    println!("| measure | result | target |");
    println!("|---|---|---|");
    println!(
        "| process start → the first usable screen (the PIN lock) drawn | {} | ≤ 1.5 s |",
        summary(&total)
    );
    let drawn = |steps: &[BTreeMap<String, f64>]| -> Vec<f64> {
        steps
            .iter()
            .filter_map(|m| m.get("drawn").copied())
            .collect()
    };
    println!(
        "| PIN → Today drawn with its data, first unlock of a fresh app (store opened, its cache empty) | {} | |",
        summary(&drawn(&first_unlocks))
    );
    println!(
        "| PIN → Today drawn with its data, after an idle lock | {} | |",
        summary(&drawn(&unlocks))
    );
    println!(
        "| the village's list on screen, from another tab | {} | ≤ 100 ms |",
        summary(&from_tab)
    );
    println!(
        "| the village's list on screen, from the village list | {} | ≤ 100 ms |",
        summary(&from_villages)
    );
    println!(
        "| keystroke (an X key press, `xdotool`) → search results drawn | {} | ≤ 50 ms |",
        summary(&search_x11)
    );
    println!(
        "| keystroke (a key press through WebDriver) → search results drawn | {} | ≤ 50 ms |",
        summary(&search)
    );
    println!(
        "| the same keystroke's `input` event dispatched in the page → search results drawn | {} | ≤ 50 ms |",
        summary(&search_page)
    );
    println!(
        "| JS + CSS | {:.1} KB, {:.1} KB gzip | ≤ 150 KB gzip |",
        raw as f64 / 1024.0,
        gz as f64 / 1024.0
    );
    for (when, memory) in [
        ("the PIN screen shown (store not open yet)", &at_pin),
        ("Today shown (after the unlocks)", &at_start),
        ("after the list visits and the searches", &after_use),
        (
            "a village's 2,000 households scrolled to the end",
            &whole_list,
        ),
    ] {
        let app_only: Vec<Memory> = memory
            .iter()
            .filter(|m| m.name == "sotay-app")
            .cloned()
            .collect();
        println!(
            "| memory, {when}: RSS of the app process (anonymous) / with its WebKit processes (anonymous; PSS) | {:.0} MiB ({:.0} MiB) / {:.0} MiB ({:.0} MiB; {:.0} MiB) | ≤ 250 MB |",
            sum_of(&app_only, |m| m.rss),
            sum_of(&app_only, |m| m.anon),
            sum_of(memory, |m| m.rss),
            sum_of(memory, |m| m.anon),
            sum_of(memory, |m| m.pss),
        );
    }
    println!();
    print_phases(&starts);
    print_steps("First unlock of a fresh app", &first_unlocks);
    print_steps("Unlock after an idle lock", &unlocks);
    println!("Memory by process (MiB):");
    println!();
    println!("| when | process | RSS | anonymous | file | shared | PSS | peak RSS |");
    println!("|---|---|---|---|---|---|---|---|");
    for (when, memory) in [
        ("PIN screen", &at_pin),
        ("Today shown", &at_start),
        ("list visits, searches", &after_use),
        ("2,000 rows scrolled", &whole_list),
    ] {
        for m in memory {
            println!(
                "| {when} | {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} |",
                m.name, m.rss, m.anon, m.file, m.shmem, m.pss, m.peak
            );
        }
    }
    println!();
    if sharing.is_empty() {
        println!(
            "No process outside the benchmark (its Xvfb, the app and WebKit's processes) mapped \
             WebKit's or Mesa's libraries at the last moment."
        );
    } else {
        println!(
            "**Read the PSS above as low**: other processes mapped WebKit's or Mesa's libraries at \
             the last moment and took a share of their pages: {}.",
            sharing.join(", ")
        );
    }
    Ok(())
}

/// Processes outside this benchmark that map WebKit's or Mesa's libraries (`libwebkit2gtk`,
/// `libLLVM`): each takes a share of the pages those libraries' mappers share, so the app's PSS
/// reads lower while they run (another Xvfb with GLX maps Mesa's LLVM). The benchmark's own
/// processes (its Xvfb, tauri-driver, WebKitWebDriver, the app) are not counted.
fn others_sharing_pages() -> Vec<String> {
    let pids = all_pids();
    // The benchmark and everything under it (its Xvfb, tauri-driver, WebKitWebDriver, the app).
    let mut ours = with_descendants(vec![std::process::id().to_string()], &pids);
    ours.extend(app_tree());
    pids.iter()
        .filter(|pid| !ours.contains(pid))
        .filter(|pid| {
            let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
            maps.contains("libwebkit2gtk") || maps.contains("libLLVM")
        })
        .map(|pid| format!("{} ({pid})", status_field(pid, "Name:")))
        .collect()
}
