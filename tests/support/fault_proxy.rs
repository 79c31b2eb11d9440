//! A fault-injecting HTTP/1.1 proxy on 127.0.0.1.
//!
//! Each client connection carries one request (the proxy forwards it with `Connection: close`,
//! so the server closes after its response and the client opens a new connection for the next
//! request). For every request a seeded random plan decides what goes wrong: the request is
//! dropped or cut mid-body before the server sees it; the server's response is dropped, cut
//! mid-body, delayed, or replaced by an earlier response (a response delivered twice and out of
//! order, as a broken cache on the way would) after the server applied the request; the request
//! is delayed, sent to the server twice, or kept and replayed later, out of order. A link shape
//! adds latency each way and limits bandwidth. The upstream address can be changed while
//! running, so a test can restart the server on a new port; with several upstreams (office
//! instances behind one address, as a load balancer serves them) each request goes to one of
//! them at random.
//!
//! The same seed gives the same sequence of decisions, so a failing seed can be replayed.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// How often each fault happens (probabilities per request, 0.0..=1.0).
#[derive(Clone, Copy, Debug, Default)]
pub struct Faults {
    /// Close the client connection without forwarding the request.
    pub drop_request: f64,
    /// Forward only part of the request to the server, then close both sides.
    pub cut_request: f64,
    /// Forward the request, then close the client connection without the response.
    pub drop_response: f64,
    /// Forward the request, then send the client only part of the response.
    pub cut_response: f64,
    /// Send the request to the server twice.
    pub duplicate: f64,
    /// Keep a copy of the request and send it to the server later, after another request.
    pub replay_later: f64,
    /// Delay the request by up to `max_delay`.
    pub delay: f64,
    /// Delay the response by up to `max_delay` (after the server has answered).
    pub delay_response: f64,
    /// Answer the client with the previous response the proxy relayed instead of its own.
    pub stale_response: f64,
    /// Upper bound of a random delay.
    pub max_delay: Duration,
}

impl Faults {
    /// No faults at all.
    pub fn none() -> Self {
        Faults::default()
    }

    /// A hostile mix for randomized sync rounds.
    pub fn hostile() -> Self {
        Faults {
            drop_request: 0.08,
            cut_request: 0.06,
            drop_response: 0.10,
            cut_response: 0.08,
            duplicate: 0.10,
            replay_later: 0.08,
            delay: 0.15,
            delay_response: 0.10,
            stale_response: 0.05,
            max_delay: Duration::from_millis(30),
        }
    }
}

/// A slow link: latency added each way and a bandwidth limit.
#[derive(Clone, Copy, Debug)]
pub struct LinkShape {
    /// Added to each direction of every request.
    pub latency: Duration,
    /// Bytes per second in each direction.
    pub bytes_per_second: u64,
}

impl LinkShape {
    /// 64 kbit/s with 300 ms each way: a poor 2G/3G link in an upland village.
    pub fn bad_village_link() -> Self {
        LinkShape {
            latency: Duration::from_millis(300),
            bytes_per_second: 64_000 / 8,
        }
    }
}

/// Counters of what the proxy did.
#[derive(Debug, Default)]
pub struct ProxyStats {
    /// Requests received from clients.
    pub requests: AtomicU64,
    /// Requests that reached the server (counting duplicates and replays).
    pub forwarded: AtomicU64,
    /// Faults injected.
    pub faults: AtomicU64,
    /// Bytes from clients.
    pub bytes_up: AtomicU64,
    /// Bytes to clients.
    pub bytes_down: AtomicU64,
}

struct Shared {
    upstream: Mutex<Vec<SocketAddr>>,
    rng: Mutex<StdRng>,
    faults: Mutex<Faults>,
    shape: Mutex<Option<LinkShape>>,
    replay: Mutex<Vec<Vec<u8>>>,
    last_response: Mutex<Option<Vec<u8>>>,
    stats: ProxyStats,
}

/// A running proxy; stops when dropped.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl FaultProxy {
    /// Starts a proxy on 127.0.0.1 (a free port) in front of `upstream`.
    pub async fn start(upstream: SocketAddr, seed: u64, faults: Faults) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            upstream: Mutex::new(vec![upstream]),
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            faults: Mutex::new(faults),
            shape: Mutex::new(None),
            replay: Mutex::new(Vec::new()),
            last_response: Mutex::new(None),
            stats: ProxyStats::default(),
        });
        let accept_shared = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let shared = accept_shared.clone();
                tokio::spawn(async move {
                    // A connection that fails mid-way is exactly what this proxy is for.
                    let _ = handle(client, shared).await;
                });
            }
        });
        Ok(FaultProxy { addr, shared, task })
    }

    /// The address clients should use.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Points the proxy at a new server (after a restart).
    pub fn set_upstream(&self, upstream: SocketAddr) {
        *self.shared.upstream.lock().expect("proxy lock") = vec![upstream];
    }

    /// Sends each request to one of `upstreams`, chosen at random (seeded): several office
    /// instances behind one address, as a load balancer serves them.
    pub fn set_upstreams(&self, upstreams: Vec<SocketAddr>) {
        assert!(!upstreams.is_empty(), "at least one upstream");
        *self.shared.upstream.lock().expect("proxy lock") = upstreams;
    }

    /// Changes the fault mix (e.g. `Faults::none()` for the final clean sync).
    pub fn set_faults(&self, faults: Faults) {
        *self.shared.faults.lock().expect("proxy lock") = faults;
    }

    /// Shapes the link, or removes the shaping with `None`.
    pub fn set_shape(&self, shape: Option<LinkShape>) {
        *self.shared.shape.lock().expect("proxy lock") = shape;
    }

    /// What the proxy has done so far.
    pub fn stats(&self) -> &ProxyStats {
        &self.shared.stats
    }

    /// Sends every request kept for a later replay to the server now.
    pub async fn flush_replays(&self) {
        let pending: Vec<Vec<u8>> =
            std::mem::take(&mut *self.shared.replay.lock().expect("proxy lock"));
        for request in pending {
            let _ = forward(&self.shared, &request).await;
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What to do with one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    DropRequest,
    CutRequest,
    DropResponse,
    CutResponse,
    Duplicate,
    ReplayLater,
    Pass,
}

/// What happens to one exchange.
struct Plan {
    fate: Fate,
    delay: Duration,
    response_delay: Duration,
    stale_response: bool,
    cut_at: f64,
}

fn decide(shared: &Shared) -> Plan {
    let faults = *shared.faults.lock().expect("proxy lock");
    let mut rng = shared.rng.lock().expect("proxy lock");
    let roll: f64 = rng.random();
    let mut edge = 0.0;
    let mut fate = Fate::Pass;
    for (p, f) in [
        (faults.drop_request, Fate::DropRequest),
        (faults.cut_request, Fate::CutRequest),
        (faults.drop_response, Fate::DropResponse),
        (faults.cut_response, Fate::CutResponse),
        (faults.duplicate, Fate::Duplicate),
        (faults.replay_later, Fate::ReplayLater),
    ] {
        edge += p;
        if roll < edge {
            fate = f;
            break;
        }
    }
    let mut random_delay = |p: f64| {
        if rng.random::<f64>() < p && !faults.max_delay.is_zero() {
            faults.max_delay.mul_f64(rng.random())
        } else {
            Duration::ZERO
        }
    };
    let delay = random_delay(faults.delay);
    let response_delay = random_delay(faults.delay_response);
    Plan {
        fate,
        delay,
        response_delay,
        stale_response: rng.random::<f64>() < faults.stale_response,
        cut_at: rng.random(),
    }
}

async fn handle(mut client: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let Some(request) = read_request(&mut client).await? else {
        return Ok(());
    };
    shared.stats.requests.fetch_add(1, Ordering::Relaxed);
    shared
        .stats
        .bytes_up
        .fetch_add(request.len() as u64, Ordering::Relaxed);
    let Plan {
        fate,
        delay,
        response_delay,
        stale_response,
        cut_at,
    } = decide(&shared);
    if fate != Fate::Pass || stale_response || !response_delay.is_zero() {
        shared.stats.faults.fetch_add(1, Ordering::Relaxed);
    }
    let shape = *shared.shape.lock().expect("proxy lock");
    if let Some(shape) = shape {
        tokio::time::sleep(shape.latency + transfer_time(request.len(), shape)).await;
    }
    tokio::time::sleep(delay).await;

    // A request kept earlier goes to the server now, out of order.
    let stale = {
        let mut replay = shared.replay.lock().expect("proxy lock");
        if replay.is_empty() || fate == Fate::ReplayLater {
            None
        } else {
            Some(replay.remove(0))
        }
    };
    if let Some(stale) = stale {
        let _ = forward(&shared, &stale).await;
    }

    let response = match fate {
        Fate::DropRequest => return Ok(()),
        Fate::CutRequest => {
            let upstream = pick_upstream(&shared);
            if let Ok(mut server) = TcpStream::connect(upstream).await {
                let cut = ((request.len() as f64) * cut_at) as usize;
                let _ = server
                    .write_all(&request[..cut.min(request.len().saturating_sub(1))])
                    .await;
            }
            return Ok(());
        }
        Fate::ReplayLater => {
            shared
                .replay
                .lock()
                .expect("proxy lock")
                .push(request.clone());
            forward(&shared, &request).await?
        }
        Fate::Duplicate => {
            let first = forward(&shared, &request).await?;
            let _ = forward(&shared, &request).await;
            first
        }
        Fate::Pass | Fate::DropResponse | Fate::CutResponse => forward(&shared, &request).await?,
    };

    // The response the client gets: its own, or the one relayed before it.
    let response = {
        let mut last = shared.last_response.lock().expect("proxy lock");
        let previous = last.replace(response.clone());
        match previous {
            Some(previous) if stale_response => previous,
            _ => response,
        }
    };
    tokio::time::sleep(response_delay).await;
    if let Some(shape) = shape {
        tokio::time::sleep(shape.latency).await;
    }
    let to_send = match fate {
        Fate::DropResponse => return Ok(()),
        Fate::CutResponse => &response[..((response.len() as f64) * cut_at) as usize],
        _ => &response[..],
    };
    write_shaped(&mut client, to_send, shape).await?;
    shared
        .stats
        .bytes_down
        .fetch_add(to_send.len() as u64, Ordering::Relaxed);
    client.shutdown().await
}

fn transfer_time(bytes: usize, shape: LinkShape) -> Duration {
    Duration::from_secs_f64(bytes as f64 / shape.bytes_per_second.max(1) as f64)
}

async fn write_shaped(
    client: &mut TcpStream,
    bytes: &[u8],
    shape: Option<LinkShape>,
) -> std::io::Result<()> {
    match shape {
        None => client.write_all(bytes).await,
        Some(shape) => {
            for chunk in bytes.chunks(512) {
                tokio::time::sleep(transfer_time(chunk.len(), shape)).await;
                client.write_all(chunk).await?;
            }
            Ok(())
        }
    }
}

/// The upstream for one request: the only one, or one of several at random.
fn pick_upstream(shared: &Shared) -> SocketAddr {
    let upstreams = shared.upstream.lock().expect("proxy lock").clone();
    if upstreams.len() == 1 {
        return upstreams[0];
    }
    let i = shared
        .rng
        .lock()
        .expect("proxy lock")
        .random_range(0..upstreams.len());
    upstreams[i]
}

/// Sends one request to the current upstream and reads the whole response (the server closes
/// the connection after it, because the request says `Connection: close`).
async fn forward(shared: &Shared, request: &[u8]) -> std::io::Result<Vec<u8>> {
    let upstream = pick_upstream(shared);
    let mut server = TcpStream::connect(upstream).await?;
    shared.stats.forwarded.fetch_add(1, Ordering::Relaxed);
    server.write_all(request).await?;
    let mut response = Vec::new();
    server.read_to_end(&mut response).await?;
    Ok(response)
}

/// Reads one HTTP/1.1 request (headers and a Content-Length body) and rewrites its
/// `Connection` header to `close`. `None` when the client closed without sending one.
async fn read_request(client: &mut TcpStream) -> std::io::Result<Option<Vec<u8>>> {
    let mut buf = Vec::with_capacity(4096);
    let header_end = loop {
        if let Some(pos) = find(&buf, b"\r\n\r\n") {
            break pos + 4;
        }
        let mut chunk = [0u8; 4096];
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > 64 * 1024 {
            return Err(std::io::Error::other(
                "request headers too large for the test proxy",
            ));
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let mut content_length = 0usize;
    let mut lines: Vec<String> = Vec::new();
    for line in head.split("\r\n").filter(|l| !l.is_empty()) {
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            content_length = v.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("connection:") {
            continue;
        }
        lines.push(line.to_owned());
    }
    while buf.len() < header_end + content_length {
        let mut chunk = vec![0u8; 64 * 1024];
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let mut out = lines.join("\r\n").into_bytes();
    out.extend_from_slice(b"\r\nConnection: close\r\n\r\n");
    out.extend_from_slice(&buf[header_end..header_end + content_length]);
    Ok(Some(out))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
