//! The real app in a real webview: a private Xvfb display, `tauri-driver` (which starts
//! WebKitWebDriver, which starts the app binary built with `custom-protocol`), a fresh data
//! folder per app, and a real `sotay-office` process on 127.0.0.1 over a temp SQLite file.
//! Screens are 360×740 (a cheap phone); screenshots wait two animation frames so they are not
//! stale, and go to `docs/screens/` when `SOTAY_SCREENSHOTS=1`. They are read from the X
//! display (the window sits at its top-left corner and no window manager draws a frame), not
//! through WebDriver: WebKitWebDriver's screenshot never answers when WebKit draws without GL
//! compositing, which the app turns off on Linux to save memory (`src-tauri/src/memory.rs`).

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use thirtyfour::prelude::*;

/// The window's size, a cheap phone's screen: the app is laid out for it and screenshots are
/// taken of it.
pub const PHONE_SCREEN: (u16, u16) = (360, 740);

/// Webview tests run one at a time: each starts a whole app and an office on 2 cores.
pub static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The app binary of this package, built with the same features as the tests.
pub const APP: &str = env!("CARGO_BIN_EXE_sotay-app");

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn wait_for_port(port: u16, what: &str, timeout: Duration) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < timeout, "{what} did not listen on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends SIGTERM (tauri-driver must stop its WebKitWebDriver) and waits.
fn terminate(child: &mut Child) {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The pids whose parent is `pid`.
fn children_of(pid: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .map(|dir| {
            dir.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
                .filter(|p| {
                    std::fs::read_to_string(format!("/proc/{p}/status")).is_ok_and(|status| {
                        status
                            .lines()
                            .any(|l| l.strip_prefix("PPid:").map(str::trim) == Some(pid))
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A private X display.
pub struct Display {
    child: Child,
    pub name: String,
}

impl Display {
    pub fn start() -> Display {
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (scripts/test.sh installs the xvfb package)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("Xvfb prints its display number");
        Display {
            child,
            name: format!(":{}", line.trim()),
        }
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        terminate(&mut self.child);
    }
}

/// The `sotay-office` binary beside this test's own build (`cargo test --workspace` builds it
/// with everything else); built here only when it is missing (`cargo test -p sotay-app`).
pub fn office_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let exe = std::env::current_exe().expect("test exe");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target/<profile>");
        let bin = profile_dir.join("sotay-office");
        if !bin.exists() {
            let status = Command::new(env!("CARGO"))
                .args([
                    "build",
                    "--locked",
                    "-p",
                    "sotay-office",
                    "--bin",
                    "sotay-office",
                ])
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .status()
                .expect("cargo build sotay-office");
            assert!(status.success(), "building sotay-office failed");
        }
        bin
    })
}

/// Runs an office command on `db`: (success, stdout, stderr).
pub fn office_cli(db: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(office_bin())
        .arg("--db")
        .arg(db)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run sotay-office");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A seeded office database with the demo commune and its enrolment codes.
pub struct OfficeData {
    /// Keeps the folder of the database alive.
    _dir: tempfile::TempDir,
    pub db: PathBuf,
    /// Code of the collector Nguyễn Thị Lan.
    pub lan_code: String,
    /// Code of the board member Lê Thị Mai.
    pub board_code: String,
}

impl OfficeData {
    pub fn seed() -> OfficeData {
        OfficeData::seed_with(30)
    }

    /// The demo commune with `households` households, spread over its six villages in turn.
    pub fn seed_with(households: usize) -> OfficeData {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("office.sqlite3");
        let count = households.to_string();
        let (ok, out, err) = office_cli(&db, &["seed-demo", "--households", &count]);
        assert!(ok, "seed-demo: {err}");
        let code = |name: &str| {
            out.lines()
                .find(|l| l.contains(name))
                .and_then(|l| l.split_whitespace().next())
                .unwrap_or_else(|| panic!("no code for {name} in {out}"))
                .to_owned()
        };
        OfficeData {
            lan_code: code("Nguyễn Thị Lan"),
            board_code: code("Lê Thị Mai"),
            _dir: dir,
            db,
        }
    }

    /// One row of the office database as text (to check what arrived).
    pub fn query(&self, sql: &str) -> Vec<String> {
        let conn = rusqlite::Connection::open(&self.db).expect("open office db");
        let mut stmt = conn.prepare(sql).expect("prepare");
        stmt.query_map([], |r| r.get::<_, String>(0))
            .expect("query")
            .map(|r| r.expect("row"))
            .collect()
    }
}

/// A running `sotay-office serve`.
pub struct Office {
    child: Child,
    pub url: String,
}

impl Office {
    pub fn serve(data: &OfficeData, port: u16) -> Office {
        let child = Command::new(office_bin())
            .arg("--db")
            .arg(&data.db)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start sotay-office serve");
        wait_for_port(port, "sotay-office", Duration::from_secs(30));
        Office {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    pub fn stop(mut self) {
        terminate(&mut self.child);
    }
}

impl Drop for Office {
    fn drop(&mut self) {
        terminate(&mut self.child);
    }
}

/// What a real-app test stands on: its turn (the tests run one at a time), the seeded office
/// serving on a free port, a private X display and an empty data folder for the app. Dropped
/// in this order: the folder, the display, the office, then the turn passes.
pub struct Stage {
    pub home: tempfile::TempDir,
    pub display: Display,
    pub office: Office,
    pub data: OfficeData,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

impl Stage {
    pub async fn new() -> Stage {
        Stage::with_households(30).await
    }

    /// A stage whose demo commune has `households` households (see [`OfficeData::seed_with`]).
    pub async fn with_households(households: usize) -> Stage {
        let turn = SERIAL.lock().await;
        let data = OfficeData::seed_with(households);
        let office = Office::serve(&data, free_port());
        Stage {
            home: tempfile::tempdir().expect("data home"),
            display: Display::start(),
            office,
            data,
            _turn: turn,
        }
    }

    /// The app on this stage's display and data folder, with `env` added.
    pub async fn app(&self, env: &[(&str, &str)]) -> AppSession {
        AppSession::start(&self.display, self.home.path(), env).await
    }
}

/// One app session: tauri-driver, the app in its webview, and the WebDriver client.
pub struct AppSession {
    driver_process: Child,
    pub driver: WebDriver,
    pub data_home: PathBuf,
    /// The X display the app draws on (screenshots are read from it).
    display: String,
}

/// Where screenshots go.
fn screens_dir() -> PathBuf {
    if std::env::var_os("SOTAY_SCREENSHOTS").is_some() {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/screens"))
    } else {
        std::env::temp_dir().join("sotay-screens")
    }
}

impl AppSession {
    /// Starts the app with `data_home` as its `XDG_DATA_HOME` (a fresh folder, or one kept from
    /// an earlier session to check what survived).
    pub async fn start(
        display: &Display,
        data_home: &Path,
        extra_env: &[(&str, &str)],
    ) -> AppSession {
        // tauri-driver sometimes drops the very first request while WebKitWebDriver comes up on
        // a loaded machine: try a fresh driver a few times before calling it a failure.
        let mut last_error = String::new();
        for attempt in 0..5 {
            let port = free_port();
            let native = free_port();
            let mut command = Command::new("tauri-driver");
            command
                .args([
                    "--port",
                    &port.to_string(),
                    "--native-port",
                    &native.to_string(),
                ])
                .env("DISPLAY", &display.name)
                .env("XDG_DATA_HOME", data_home)
                .env("SOTAY_SYNC_RETRY_SECS", "2")
                .env("SOTAY_SYNC_INTERVAL_SECS", "5")
                .env("SOTAY_SYNC_DEBOUNCE_MS", "300")
                .env("RUST_LOG", "warn")
                .env("LIBGL_ALWAYS_SOFTWARE", "1")
                .stdout(Stdio::null())
                .stderr(
                    std::fs::File::create(data_home.join(format!("tauri-driver-{attempt}.log")))
                        .map_or_else(|_| Stdio::null(), Stdio::from),
                );
            for (k, v) in extra_env {
                command.env(k, v);
            }
            let mut driver_process = command
                .spawn()
                .expect("tauri-driver (scripts/test.sh installs it with cargo install)");
            wait_for_port(port, "tauri-driver", Duration::from_secs(20));
            let mut caps = Capabilities::new();
            caps.set("browserName", "wry").expect("caps");
            caps.set("tauri:options", json!({ "application": APP }))
                .expect("caps");
            match WebDriver::new(format!("http://127.0.0.1:{port}"), caps).await {
                Ok(driver) => {
                    driver
                        .set_window_rect(0, 0, u32::from(PHONE_SCREEN.0), u32::from(PHONE_SCREEN.1))
                        .await
                        .expect("phone size");
                    let session = AppSession {
                        driver_process,
                        driver,
                        data_home: data_home.to_owned(),
                        display: display.name.clone(),
                    };
                    session.wait_css("#app > *").await;
                    return session;
                }
                Err(err) => {
                    let log = std::fs::read_to_string(
                        data_home.join(format!("tauri-driver-{attempt}.log")),
                    )
                    .unwrap_or_default();
                    last_error = format!("{err}; tauri-driver said: {log}");
                    terminate(&mut driver_process);
                    tokio::time::sleep(Duration::from_secs(1 + attempt)).await;
                }
            }
        }
        panic!("no WebDriver session with the app after 5 attempts: {last_error}");
    }

    /// Ends the session and tauri-driver (the app closes with its window).
    pub async fn stop(mut self) {
        let _ = self.driver.clone().quit().await;
        terminate(&mut self.driver_process);
        // Let WebKitWebDriver and the app's WebKit processes go before the next session.
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    /// The app's data folder.
    pub fn data_dir(&self) -> PathBuf {
        self.data_home.join("vn.sotay.field")
    }

    /// This session's app process: the one running the app binary with this session's data
    /// folder.
    pub fn app_pid(&self) -> String {
        let needle = format!("XDG_DATA_HOME={}", self.data_home.display());
        let mut found = Vec::new();
        for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
            let path = entry.path();
            let Ok(exe) = std::fs::read_link(path.join("exe")) else {
                continue;
            };
            if exe != Path::new(APP) {
                continue;
            }
            let mut environ = Vec::new();
            if std::fs::File::open(path.join("environ"))
                .and_then(|mut f| f.read_to_end(&mut environ))
                .is_err()
            {
                continue;
            }
            if environ
                .split(|b| *b == 0)
                .any(|var| var == needle.as_bytes())
            {
                found.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        assert_eq!(found.len(), 1, "one app process of this session: {found:?}");
        found.remove(0)
    }

    /// The app's WebKit processes (its children), each with its name (`/proc/<pid>/comm`).
    pub fn webkit_processes(&self) -> Vec<(String, String)> {
        children_of(&self.app_pid())
            .into_iter()
            .map(|pid| {
                let name = std::fs::read_to_string(format!("/proc/{pid}/comm"))
                    .unwrap_or_default()
                    .trim()
                    .to_owned();
                (pid, name)
            })
            .collect()
    }

    /// Kills the app process with SIGKILL, as a dead battery or the system would.
    pub async fn kill_app(mut self) {
        // The app and its WebKit processes go together, as when the system kills an app: an
        // orphaned WebKit process could keep web storage locked for the next run.
        let pid = self.app_pid();
        let mut victims = children_of(&pid);
        victims.push(pid);
        let status = Command::new("kill")
            .arg("-KILL")
            .args(&victims)
            .status()
            .expect("kill");
        assert!(status.success());
        tokio::time::sleep(Duration::from_millis(300)).await;
        let _ = self.driver.clone().quit().await;
        terminate(&mut self.driver_process);
    }

    pub async fn wait_css(&self, css: &str) -> WebElement {
        let start = Instant::now();
        loop {
            if let Ok(el) = self.driver.find(By::Css(css)).await {
                return el;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "waited 30 s for {css}; the page says: {}",
                self.page_text().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Whether an element with this test id is on the page now (no waiting).
    pub async fn shows(&self, id: &str) -> bool {
        !self
            .driver
            .find_all(By::Css(format!("[data-testid='{id}']")))
            .await
            .expect("find")
            .is_empty()
    }

    pub async fn testid(&self, id: &str) -> WebElement {
        self.wait_css(&format!("[data-testid='{id}']")).await
    }

    /// Clicks an element after scrolling it to the middle of the screen (the tab bar is fixed at
    /// the bottom, as on a phone, and would take a click meant for a button under it), once it
    /// has stayed in place for two frames: a tap lands where the button is, not where it was.
    pub async fn click(&self, id: &str) {
        let el = self.testid(id).await;
        self.driver
            .execute_async(
                "const el=arguments[0],done=arguments[arguments.length-1];\
                 el.scrollIntoView({block:'center'});\
                 let last='',same=0;const t0=performance.now();\
                 const step=()=>{const r=el.getBoundingClientRect();\
                   const at=[r.x,r.y,r.width,r.height].join();\
                   if(at===last){if(++same>=2)return done(true)}else{same=0;last=at}\
                   if(performance.now()-t0>2000)return done(false);\
                   requestAnimationFrame(step)};\
                 requestAnimationFrame(step);",
                vec![el.to_json().expect("element")],
            )
            .await
            .expect("scroll");
        el.click()
            .await
            .unwrap_or_else(|e| panic!("click {id}: {e}"));
    }

    /// Clicks the first button whose text contains `text`.
    pub async fn click_text(&self, text: &str) {
        let start = Instant::now();
        loop {
            let found: Value = self
                .driver
                .execute(
                    "const b=[...document.querySelectorAll('button,a')].find(e=>e.textContent.includes(arguments[0]));\
                     if(b){b.scrollIntoView({block:'center'});b.click();return true}return false",
                    vec![json!(text)],
                )
                .await
                .expect("script")
                .json()
                .clone();
            if found == json!(true) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "no button \"{text}\"; the page says: {}",
                self.page_text().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Types into the field with this id (after clearing it; empty text leaves it empty).
    pub async fn fill(&self, id: &str, text: &str) {
        let el = self.wait_css(&format!("#{id}")).await;
        el.clear().await.expect("clear");
        if text.is_empty() {
            return;
        }
        el.send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {id}: {e}"));
    }

    pub async fn value(&self, id: &str) -> String {
        self.wait_css(&format!("#{id}"))
            .await
            .prop("value")
            .await
            .expect("value")
            .unwrap_or_default()
    }

    pub async fn select(&self, id: &str, value: &str) {
        self.driver
            .execute(
                "const s=document.getElementById(arguments[0]);s.value=arguments[1];\
                 s.dispatchEvent(new Event('change',{bubbles:true}));",
                vec![json!(id), json!(value)],
            )
            .await
            .expect("select");
    }

    /// What the page's script `js` (`return …`) returns, as `T` (`what` names it when it fails).
    pub async fn eval<T: serde::de::DeserializeOwned>(&self, js: &str, what: &str) -> T {
        self.driver
            .execute(js, vec![])
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"))
            .convert()
            .unwrap_or_else(|e| panic!("{what} as expected: {e}"))
    }

    pub async fn page_text(&self) -> String {
        match self.driver.find(By::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits until the page shows `text`.
    pub async fn wait_text(&self, text: &str) {
        let start = Instant::now();
        loop {
            let page = self.page_text().await.replace('\u{a0}', " ");
            if page.contains(text) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(40),
                "waited 40 s for \"{text}\"; the page says: {page}"
            );
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Waits until the element with this test id shows exactly `expected`.
    pub async fn wait_testid_text(&self, id: &str, expected: &str) {
        let start = Instant::now();
        loop {
            let text = self.text_of(id).await;
            if text == expected {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(40),
                "waited 40 s for {id} = {expected:?}, it shows {text:?}"
            );
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    pub async fn text_of(&self, id: &str) -> String {
        self.testid(id)
            .await
            .text()
            .await
            .expect("text")
            .replace('\u{a0}', " ")
    }

    pub async fn go(&self, route: &str) {
        self.driver
            .execute(
                "location.hash = arguments[0]",
                vec![json!(format!("#/{route}"))],
            )
            .await
            .expect("navigate");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    /// The phone's back button (`history.back()`): the route it lands on.
    pub async fn back(&self) -> String {
        let before: String = self.eval("return location.hash", "the route").await;
        self.driver
            .execute("history.back()", vec![])
            .await
            .expect("back");
        let start = Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let now: String = self.eval("return location.hash", "the route").await;
            if now != before || start.elapsed() > Duration::from_secs(5) {
                return now;
            }
        }
    }

    /// Waits two animation frames: the page is laid out and painted after the last change.
    pub async fn two_frames(&self) {
        self.driver
            .execute_async(
                "const done=arguments[arguments.length-1];\
                 requestAnimationFrame(()=>requestAnimationFrame(()=>done(true)))",
                vec![],
            )
            .await
            .expect("two frames");
    }

    /// A 360×740 screenshot, taken after two animation frames.
    pub async fn screenshot(&self, name: &str) {
        self.two_frames().await;
        let (width, height) = PHONE_SCREEN;
        let png = screen_png(&self.display, width, height);
        let dir = screens_dir();
        std::fs::create_dir_all(&dir).expect("screens dir");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
    }

    /// How many different colours the phone-sized screen shows now: a page drawn on it has
    /// hundreds (text, its anti-aliasing, buttons), an empty window one.
    pub fn screen_colours(&self) -> usize {
        let (width, height) = PHONE_SCREEN;
        screen_rgb(&self.display, width, height)
            .chunks_exact(3)
            .collect::<std::collections::HashSet<_>>()
            .len()
    }
}

/// The top-left `width`×`height` pixels of X `display` as a PNG: the app's window, which the
/// harness puts at (0, 0) on a display without a window manager.
fn screen_png(display: &str, width: u16, height: u16) -> Vec<u8> {
    let rgb = screen_rgb(display, width, height);
    let mut png = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png, u32::from(width), u32::from(height));
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("png header");
        writer.write_image_data(&rgb).expect("png data");
    }
    png
}

/// The top-left `width`×`height` pixels of X `display`, 3 bytes (red, green, blue) a pixel.
fn screen_rgb(display: &str, width: u16, height: u16) -> Vec<u8> {
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{ConnectionExt, ImageFormat};
    let (conn, screen) = x11rb::connect(Some(display)).expect("X display");
    let root = conn.setup().roots[screen].root;
    let image = conn
        .get_image(ImageFormat::Z_PIXMAP, root, 0, 0, width, height, !0)
        .expect("get_image request")
        .reply()
        .expect("get_image reply");
    // Xvfb's 24-bit screen: 4 bytes a pixel, blue, green, red, unused.
    let rgb: Vec<u8> = image
        .data
        .chunks_exact(4)
        .flat_map(|p| [p[2], p[1], p[0]])
        .collect();
    assert_eq!(
        rgb.len(),
        usize::from(width) * usize::from(height) * 3,
        "a whole screen"
    );
    rgb
}
