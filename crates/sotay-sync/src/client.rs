//! The device's sync client: pushes the outbox, pulls the changes of the user's area, verifies
//! the result against the office's checksum, and reports progress — keeping the promises in
//! `docs/sync-protocol.md`.
//!
//! Why it is shaped like this:
//! - **Nothing is lost, nothing is applied twice.** Ops leave the outbox only when the office
//!   answered `applied` or `duplicate` for them; a lost answer means the same ops are sent again
//!   and the office reports them as duplicates.
//! - **One bad op never blocks the rest.** A rejected op is moved aside (quarantined) with the
//!   office's reason, and the ops behind it keep flowing.
//! - **Resumable.** Acknowledgements are stored after every batch and the pull cursor is stored
//!   in the same transaction as each page, so an interrupted sync resumes where it stopped.
//! - **Truthful.** `SyncReport::synced` is true only when the outbox is empty, no refused op
//!   waits for a fix, and the device's checksum of its area equals the office's.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use rand::Rng;
use reqwest::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sotay_domain::Op;
use sotay_store::{RemoteChange, Store, StoreError};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::protocol::{
    EnrollRequest, EnrollResponse, ErrorBody, MAX_PUSH_BODY_BYTES, OpOutcome, PROTOCOL_HEADER,
    PROTOCOL_VERSION, PullResponse, PushRequest, PushResponse, codes,
};
use sotay_domain::merge::RecordState;

/// The first pull page's size, before the link's speed is known.
const FIRST_PULL_PAGE: u32 = 200;
/// The smallest pull page the client asks for on a link that keeps cutting.
const MIN_PULL_PAGE: u32 = 25;
/// How long a pull page should take on the link: long enough that round trips do not dominate,
/// short enough that a cut loses little.
const PULL_PAGE_SECONDS: f64 = 6.0;

/// Tuning of the client. The defaults suit a 2G/3G link: few round trips, bounded batches.
#[derive(Clone, Debug)]
pub struct SyncConfig {
    /// Most ops in one push.
    pub push_batch_ops: usize,
    /// Most JSON bytes (before gzip) in one push.
    pub push_batch_bytes: usize,
    /// Changes asked for per pull page.
    pub pull_page: u32,
    /// Attempts per request before giving up for this sync.
    pub max_attempts: u32,
    /// First retry delay; doubles each attempt, with full jitter.
    pub base_backoff: Duration,
    /// Longest retry delay.
    pub max_backoff: Duration,
    /// Timeout of one request.
    pub request_timeout: Duration,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            push_batch_ops: 500,
            // The ops' JSON, leaving room for the envelope around them.
            push_batch_bytes: MAX_PUSH_BODY_BYTES - 1024,
            pull_page: 1000,
            max_attempts: 6,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            request_timeout: Duration::from_secs(60),
        }
    }
}

/// Where a sync is, for a progress bar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "phase")]
pub enum SyncProgress {
    /// Sending changes: `sent` of `total` ops acknowledged.
    Pushing {
        /// Ops acknowledged so far.
        sent: u64,
        /// Ops waiting when the sync started.
        total: u64,
    },
    /// Receiving changes: pages and records so far, and how many are left when the office said.
    Pulling {
        /// Pages received.
        pages: u64,
        /// Records received.
        changes: u64,
        /// Records still to come (from the office's count at the start of the pull), for a bar
        /// that says how much is left.
        remaining: Option<u64>,
    },
    /// Comparing the device's copy with the office's.
    Verifying,
}

/// What one sync did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// Ops the office applied now.
    pub applied: u64,
    /// Ops the office already had (retries).
    pub duplicates: u64,
    /// Ops the office refused; they wait on their records for the user to fix.
    pub rejected: u64,
    /// Records received.
    pub pulled: u64,
    /// HTTP requests made (round trips), retries included.
    pub requests: u64,
    /// Whether a checksum mismatch made the client pull everything again.
    pub repaired: bool,
    /// Ops still waiting to be sent (rejected ones excluded).
    pub pending_after: u64,
    /// Whether the device's copy of its area equals the office's.
    pub checksum_matches: bool,
    /// True only when everything was acknowledged and verified.
    pub synced: bool,
    /// Whether the last comparison differed although the office sent nothing new (drift, as
    /// opposed to a busy office that moved on during the sync).
    pub quiet_mismatch: bool,
    /// The policy edition this sync brought and the device now uses, if any.
    pub policy_received: Option<String>,
    /// Ops this device queued again because the office had been restored from a backup (its
    /// epoch changed): everything the device wrote itself, sent again and merged idempotently.
    pub resent_after_restore: u64,
    /// How far the phone's clock is ahead of the office's (negative: behind), in seconds, by
    /// the last answer's `Date` header (to the second). Cheap phones' clocks are often wrong,
    /// and receipts and Hôm nay are dated by them: the app says so past a few minutes.
    pub clock_offset_s: Option<i64>,
}

/// How a pull ended.
enum PullEnd {
    /// The last page came; whether the checksums matched.
    Done(bool),
    /// The office's epoch changed (it was restored from a backup): this device queued its own
    /// writes again and forgot its cursor, so the sync starts over.
    OfficeRestored,
}

/// Why a sync stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// No connection, or the office did not answer in time after every retry.
    #[error(
        "Không kết nối được máy chủ ({0}). Dữ liệu vẫn an toàn trên máy; sẽ thử lại khi có mạng."
    )]
    Network(String),
    /// The device token is unknown.
    #[error("Thiết bị chưa được kích hoạt với cơ quan. Hãy nhập mã kích hoạt mới.")]
    Unauthorized,
    /// The office revoked this device.
    #[error("Thiết bị này đã bị thu hồi quyền đồng bộ. Hãy liên hệ cơ quan BHXH.")]
    DeviceRevoked,
    /// The office marked this device lost: everything it pushed has arrived; the app must now
    /// erase its database, keys and caches and return to the first-run screen.
    #[error("Cơ quan BHXH đã báo mất thiết bị này: dữ liệu trên máy sẽ được xoá.")]
    WipeOrdered,
    /// The app is too old or too new for the office.
    #[error("Phiên bản ứng dụng không tương thích với máy chủ. Hãy cập nhật ứng dụng.")]
    ProtocolUnsupported,
    /// The office refused the request itself (not one op).
    #[error("Máy chủ từ chối yêu cầu ({code}): {message}")]
    Refused {
        /// Stable code from the office.
        code: String,
        /// The office's message.
        message: String,
    },
    /// The local database failed (e.g. the disk is full); nothing saved was lost.
    #[error("Lỗi lưu trữ trên máy: {0}")]
    Store(#[from] StoreError),
    /// The app's own work on the store stopped unexpectedly (a bug); nothing saved was lost.
    #[error("Lỗi trong ứng dụng khi đồng bộ: {0}")]
    Internal(String),
    /// After a full repair pull the device still differs from the office.
    #[error("Dữ liệu trên máy chưa khớp với cơ quan sau khi tải lại; sẽ thử lại lần sau.")]
    ChecksumMismatch,
    /// The user or the app cancelled the sync.
    #[error("Đã dừng đồng bộ.")]
    Cancelled,
    /// Something answered at the address, but not a Sotay office (a page, another service).
    #[error(
        "Địa chỉ này trả lời nhưng không phải máy chủ Sổ tay BHXH (HTTP {status}). Hãy kiểm tra \
         lại địa chỉ máy chủ."
    )]
    NotAnOffice {
        /// The HTTP status it answered with.
        status: u16,
    },
    /// The office answered with an error of its own (it is down or failing): try again later.
    #[error(
        "Máy chủ của cơ quan đang gặp lỗi (HTTP {status}). Hãy thử lại sau ít phút; nếu vẫn \
         vậy, hãy báo cán bộ BHXH."
    )]
    OfficeFailing {
        /// The HTTP status it answered with.
        status: u16,
    },
}

impl SyncError {
    /// A stable code for the UI.
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::Network(_) => "network",
            SyncError::Unauthorized => codes::UNAUTHORIZED,
            SyncError::DeviceRevoked => codes::DEVICE_REVOKED,
            SyncError::WipeOrdered => codes::DEVICE_WIPE,
            SyncError::ProtocolUnsupported => codes::PROTOCOL_UNSUPPORTED,
            SyncError::Refused { .. } => "refused",
            SyncError::Store(_) => "store",
            SyncError::Internal(_) => codes::INTERNAL,
            SyncError::ChecksumMismatch => "checksum_mismatch",
            SyncError::Cancelled => "cancelled",
            SyncError::NotAnOffice { .. } => "not_an_office",
            SyncError::OfficeFailing { .. } => "office_failing",
        }
    }
}

/// Exchanges a one-time enrolment code for a device token.
pub async fn enroll(
    base_url: &str,
    code: &str,
    device_name: &str,
) -> Result<EnrollResponse, SyncError> {
    let http = http_client(&SyncConfig::default())?;
    let request = EnrollRequest {
        code: code.trim().to_owned(),
        device_name: device_name.to_owned(),
        protocol: PROTOCOL_VERSION,
    };
    let response = http
        .post(format!(
            "{}/api/v1/devices/enroll",
            base_url.trim_end_matches('/')
        ))
        .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
        .json(&request)
        .send()
        .await
        .map_err(|e| SyncError::Network(e.to_string()))?;
    let status = response.status();
    if status == StatusCode::TOO_MANY_REQUESTS {
        // A person typing codes, not a sync that retries by itself: say so now.
        return Err(SyncError::Refused {
            code: codes::RATE_LIMITED.to_owned(),
            message: codes::message_vi(codes::RATE_LIMITED)
                .unwrap_or_default()
                .to_owned(),
        });
    }
    // A person is waiting at the first screen: an answer that is not the office's is said as
    // such, not retried as if the network had failed.
    let answer_is_ours = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|t| t.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if status.is_server_error() {
        return Err(SyncError::OfficeFailing {
            status: status.as_u16(),
        });
    }
    if !answer_is_ours
        || status == StatusCode::NOT_FOUND
        || status == StatusCode::METHOD_NOT_ALLOWED
    {
        return Err(SyncError::NotAnOffice {
            status: status.as_u16(),
        });
    }
    // A body cut on the way (the link failed mid-answer) is a network failure.
    read_json(response).await.map_err(Attempt::into_error)
}

fn http_client(config: &SyncConfig) -> Result<reqwest::Client, SyncError> {
    reqwest::Client::builder()
        .timeout(config.request_timeout)
        .connect_timeout(Duration::from_secs(15))
        .gzip(true)
        .build()
        .map_err(|e| SyncError::Network(e.to_string()))
}

/// A sync client for one enrolled device.
#[derive(Clone)]
pub struct SyncClient {
    http: reqwest::Client,
    base_url: String,
    token: String,
    config: SyncConfig,
    /// The office's time (its answers' `Date` header) and when the answer came, for
    /// [`SyncReport::clock_offset_s`].
    office_time: Arc<Mutex<Option<OfficeTime>>>,
}

/// The office's time by an answer's `Date` header, and when that answer came.
type OfficeTime = (chrono::DateTime<Utc>, std::time::Instant);

/// The time an answer's `Date` header gives (the office's clock, to the second), if any.
fn office_date(response: &reqwest::Response) -> Option<chrono::DateTime<Utc>> {
    let text = response
        .headers()
        .get(reqwest::header::DATE)?
        .to_str()
        .ok()?;
    chrono::DateTime::parse_from_rfc2822(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The outcome of one HTTP attempt: retry it or give up.
enum Attempt {
    Retry(String),
    Fatal(SyncError),
}

impl Attempt {
    fn into_error(self) -> SyncError {
        match self {
            Attempt::Retry(reason) => SyncError::Network(reason),
            Attempt::Fatal(err) => err,
        }
    }
}

async fn read_json<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, Attempt> {
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| Attempt::Retry(e.to_string()))?;
    if status.is_success() {
        // A body cut mid-way by a bad link fails to parse: that is a retry, not a fatal error.
        return serde_json::from_slice(&bytes).map_err(|e| Attempt::Retry(e.to_string()));
    }
    let body: Option<ErrorBody> = serde_json::from_slice(&bytes).ok();
    let (code, message) = body
        .map(|b| (b.error.code, b.error.message))
        .unwrap_or_else(|| (String::new(), String::from_utf8_lossy(&bytes).into_owned()));
    if status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
    {
        return Err(Attempt::Retry(format!("HTTP {status}: {message}")));
    }
    Err(Attempt::Fatal(match code.as_str() {
        codes::DEVICE_REVOKED => SyncError::DeviceRevoked,
        codes::DEVICE_WIPE => SyncError::WipeOrdered,
        codes::UNAUTHORIZED => SyncError::Unauthorized,
        codes::PROTOCOL_UNSUPPORTED => SyncError::ProtocolUnsupported,
        // A 401 without a code of ours (a proxy's, say) still means the token is not taken.
        "" if status == StatusCode::UNAUTHORIZED => SyncError::Unauthorized,
        _ => SyncError::Refused { code, message },
    }))
}

fn gzip_json<T: Serialize>(value: &T) -> Vec<u8> {
    let json = serde_json::to_vec(value).expect("protocol types always serialize");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder
        .write_all(&json)
        .expect("writing to a Vec cannot fail");
    encoder.finish().expect("writing to a Vec cannot fail")
}

impl SyncClient {
    /// A client for the office at `base_url` with the device's token.
    pub fn new(base_url: &str, token: &str, config: SyncConfig) -> Result<Self, SyncError> {
        Ok(SyncClient {
            http: http_client(&config)?,
            base_url: base_url.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            config,
            office_time: Arc::new(Mutex::new(None)),
        })
    }

    /// Runs one request with retries: exponential backoff with full jitter, stopping early on
    /// cancellation or on an answer that retrying cannot change.
    async fn with_retry<T, F, Fut>(
        &self,
        cancel: &CancellationToken,
        report: &mut SyncReport,
        mut attempt: F,
    ) -> Result<T, SyncError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, Attempt>>,
    {
        let mut last = String::new();
        for n in 0..self.config.max_attempts {
            if cancel.is_cancelled() {
                return Err(SyncError::Cancelled);
            }
            report.requests += 1;
            match attempt().await {
                Ok(value) => return Ok(value),
                Err(Attempt::Fatal(err)) => return Err(err),
                Err(Attempt::Retry(reason)) => {
                    tracing::debug!(attempt = n, %reason, "sync request failed; retrying");
                    last = reason;
                }
            }
            let cap = self
                .config
                .base_backoff
                .saturating_mul(1 << n.min(16))
                .min(self.config.max_backoff);
            let wait = cap.mul_f64(rand::rng().random::<f64>());
            tokio::select! {
                _ = cancel.cancelled() => return Err(SyncError::Cancelled),
                _ = tokio::time::sleep(wait) => {}
            }
        }
        Err(SyncError::Network(last))
    }

    /// Keeps the office's time an answer gives, with when it came.
    fn note_office_time(&self, response: &reqwest::Response) {
        if let Some(date) = office_date(response) {
            *self
                .office_time
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) =
                Some((date, std::time::Instant::now()));
        }
    }

    async fn push_once(&self, body: &[u8], sent: &[Uuid]) -> Result<PushResponse, Attempt> {
        let response = self
            .http
            .post(format!("{}/api/v1/sync/push", self.base_url))
            .bearer_auth(&self.token)
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::CONTENT_ENCODING, "gzip")
            .body(body.to_vec())
            .send()
            .await
            .map_err(|e| Attempt::Retry(e.to_string()))?;
        self.note_office_time(&response);
        let answer: PushResponse = read_json(response).await?;
        // One result per op sent, in order: anything else is not the answer to this batch (a
        // proxy or cache on the way served another one), so nothing of it is believed.
        if answer.results.len() != sent.len()
            || answer
                .results
                .iter()
                .zip(sent)
                .any(|(r, id)| r.op_id != *id)
        {
            return Err(Attempt::Retry(
                "câu trả lời nhận được không khớp với lô thay đổi đã gửi".into(),
            ));
        }
        Ok(answer)
    }

    async fn pull_once(
        &self,
        after: Option<&str>,
        policy: &str,
        device: Uuid,
        limit: u32,
        count: bool,
    ) -> Result<PullResponse, Attempt> {
        let mut query: Vec<(&str, String)> = vec![
            ("limit", limit.to_string()),
            ("policy", policy.to_owned()),
            ("compact", "true".to_owned()),
        ];
        if count {
            query.push(("count", "true".to_owned()));
        }
        if let Some(after) = after {
            query.push(("after", after.to_owned()));
        }
        let response = self
            .http
            .get(format!("{}/api/v1/sync/pull", self.base_url))
            .bearer_auth(&self.token)
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .query(&query)
            .send()
            .await
            .map_err(|e| Attempt::Retry(e.to_string()))?;
        self.note_office_time(&response);
        let page: PullResponse = read_json(response).await?;
        if page.device_id != device || page.after != after.unwrap_or_default() {
            return Err(Attempt::Retry(
                "trang dữ liệu nhận được không phải trang đã yêu cầu".into(),
            ));
        }
        Ok(page)
    }

    /// Pushes every pending op, then pulls every change, then verifies. `progress` is called as
    /// work advances; `cancel` stops between requests (what was acknowledged stays acknowledged).
    pub async fn sync(
        &self,
        store: &Arc<Mutex<Store>>,
        progress: &(dyn Fn(SyncProgress) + Send + Sync),
        cancel: &CancellationToken,
    ) -> Result<SyncReport, SyncError> {
        let mut report = SyncReport::default();
        // An office restored from a backup mid-sync starts the sync over (push what it forgot,
        // pull from the start); a second restore within one sync is not expected, so twice at most.
        let mut checksum_matches = false;
        for round in 0..3 {
            self.push_all(store, progress, cancel, &mut report).await?;
            match self.catch_up(store, progress, cancel, &mut report).await {
                Ok(Some(matches)) => {
                    checksum_matches = matches;
                    break;
                }
                Ok(None) if round < 2 => continue,
                Ok(None) => {
                    return Err(SyncError::Internal("máy chủ đổi kỷ nguyên liên tục".into()));
                }
                // The wipe is ordered only after this sync's push went through; a record saved
                // since then goes out first.
                Err(SyncError::WipeOrdered)
                    if round < 2 && self.outbox_state(store).await?.0 > 0 =>
                {
                    continue;
                }
                Err(err) => return Err(err),
            }
        }
        let (mut pending, rejected) = self.outbox_state(store).await?;
        if !checksum_matches && pending == 0 && rejected == 0 && report.quiet_mismatch {
            // The office was quiet and nothing local explains the difference: the device's copy
            // drifted. Pull everything again (a repair pull) and compare once more.
            report.repaired = true;
            on_store(store, |s| s.reset_sync_cursor()).await?;
            checksum_matches = self
                .catch_up(store, progress, cancel, &mut report)
                .await?
                .unwrap_or(false);
            pending = self.outbox_state(store).await?.0;
            if !checksum_matches && pending == 0 && report.quiet_mismatch {
                return Err(SyncError::ChecksumMismatch);
            }
        }
        let office_time = self
            .office_time
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some((office, at)) = office_time {
            // The phone's clock when the office answered, against the office's.
            let local = on_store(store, |s| Ok(s.now())).await?
                - chrono::Duration::from_std(at.elapsed()).unwrap_or_default();
            report.clock_offset_s = Some((local - office).num_seconds());
        }
        report.pending_after = pending;
        report.checksum_matches = checksum_matches;
        report.synced = pending == 0 && rejected == 0 && checksum_matches;
        if report.synced {
            on_store(store, |s| s.set_last_sync_at(Utc::now())).await?;
        }
        Ok(report)
    }

    /// Pulls until the checksums match or the office is quiet. Other devices may push between
    /// the last page and the checksum, so a mismatch while changes keep arriving only means
    /// "not verified yet": pull again (a few times) before calling it drift. Sets
    /// `report.quiet_mismatch` when a pull that brought nothing new still differs.
    async fn catch_up(
        &self,
        store: &Arc<Mutex<Store>>,
        progress: &(dyn Fn(SyncProgress) + Send + Sync),
        cancel: &CancellationToken,
        report: &mut SyncReport,
    ) -> Result<Option<bool>, SyncError> {
        report.quiet_mismatch = false;
        for _ in 0..3 {
            let before = report.pulled;
            match self.pull_all(store, progress, cancel, report).await? {
                PullEnd::OfficeRestored => return Ok(None),
                PullEnd::Done(true) => return Ok(Some(true)),
                PullEnd::Done(false) => {}
            }
            if report.pulled == before {
                report.quiet_mismatch = true;
                return Ok(Some(false));
            }
        }
        Ok(Some(false))
    }

    /// Compares the office's epoch with the one this device last synced with. The first one
    /// seen is noted; a different one means the office was restored from a backup: the store
    /// queues every field this device wrote again and forgets its cursor (one transaction).
    /// Returns whether that happened.
    async fn check_epoch(
        &self,
        store: &Arc<Mutex<Store>>,
        epoch: Option<String>,
        report: &mut SyncReport,
    ) -> Result<bool, SyncError> {
        let Some(epoch) = epoch else {
            return Ok(false);
        };
        let requeued = on_store(store, move |s| match s.office_epoch()? {
            None => s.set_office_epoch(&epoch).map(|()| None),
            Some(known) if known == epoch => Ok(None),
            Some(_) => s.office_restored(&epoch).map(Some),
        })
        .await?;
        match requeued {
            Some(count) => {
                tracing::warn!(
                    count,
                    "the office was restored from a backup: sending again"
                );
                report.resent_after_restore += count as u64;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Ops waiting to be sent, and ops the office refused (waiting for the user to fix).
    async fn outbox_state(&self, store: &Arc<Mutex<Store>>) -> Result<(u64, u64), SyncError> {
        on_store(store, |s| {
            Ok((s.outbox_pending_count()?, s.rejected_count()?))
        })
        .await
    }

    async fn push_all(
        &self,
        store: &Arc<Mutex<Store>>,
        progress: &(dyn Fn(SyncProgress) + Send + Sync),
        cancel: &CancellationToken,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let mut total = on_store(store, |s| s.outbox_pending_count()).await?;
        let mut sent = 0u64;
        progress(SyncProgress::Pushing { sent, total });
        loop {
            let batch = self.next_batch(store).await?;
            if batch.is_empty() {
                return Ok(());
            }
            let batch_ids: Vec<Uuid> = batch.iter().map(|op| op.op_id).collect();
            let body = gzip_json(&PushRequest {
                protocol: PROTOCOL_VERSION,
                ops: batch,
            });
            let mut response = self
                .with_retry(cancel, report, || self.push_once(&body, &batch_ids))
                .await?;
            let results = std::mem::take(&mut response.results);
            let sent_now = results.len() as u64;
            let server_clock = response.server_clock;
            let (applied, duplicates, rejected) = on_store(store, move |s| {
                s.observe_clock(server_clock)?;
                let (mut applied, mut duplicates, mut rejected) = (0u64, 0u64, 0u64);
                let mut acknowledged: Vec<Uuid> = Vec::with_capacity(results.len());
                for result in &results {
                    match &result.outcome {
                        OpOutcome::Applied => {
                            applied += 1;
                            acknowledged.push(result.op_id);
                        }
                        OpOutcome::Duplicate => {
                            duplicates += 1;
                            acknowledged.push(result.op_id);
                        }
                        OpOutcome::Rejected {
                            code,
                            message,
                            field,
                        } => {
                            rejected += 1;
                            s.outbox_reject(result.op_id, code, message, field.as_deref())?;
                        }
                    }
                }
                s.outbox_ack(&acknowledged)?;
                Ok((applied, duplicates, rejected))
            })
            .await?;
            report.applied += applied;
            report.duplicates += duplicates;
            report.rejected += rejected;
            // A restored office: what it forgot is queued again and goes out in this same loop.
            if self.check_epoch(store, response.epoch, report).await? {
                let queued = on_store(store, |s| s.outbox_pending_count()).await?;
                total = sent + sent_now + queued;
            }
            // An office that answered for none of the ops sent would make this loop spin.
            if sent_now == 0 {
                return Err(SyncError::Refused {
                    code: "empty_push_result".into(),
                    message: "Máy chủ không trả kết quả cho các thay đổi đã gửi.".into(),
                });
            }
            sent += sent_now;
            progress(SyncProgress::Pushing {
                sent: sent.min(total.max(sent)),
                total: total.max(sent),
            });
        }
    }

    /// The next batch: outbox order, bounded by count and by JSON size. An op too large to send
    /// at all (the office would refuse its body) is set aside on its record with a reason, so
    /// it never blocks the ops behind it.
    async fn next_batch(&self, store: &Arc<Mutex<Store>>) -> Result<Vec<Op>, SyncError> {
        loop {
            let count = self.config.push_batch_ops;
            let ops = on_store(store, move |s| s.outbox_pending(count)).await?;
            let mut bytes = 0usize;
            let mut batch = Vec::with_capacity(ops.len());
            let mut oversized = None;
            for op in ops {
                let size = serde_json::to_vec(&op).map(|v| v.len()).unwrap_or(0);
                if batch.is_empty() && size > self.config.push_batch_bytes {
                    oversized = Some((op.op_id, size));
                    break;
                }
                if !batch.is_empty() && bytes + size > self.config.push_batch_bytes {
                    break;
                }
                bytes += size;
                batch.push(op);
            }
            let Some((op_id, size)) = oversized else {
                return Ok(batch);
            };
            let message = format!(
                "Bản ghi quá lớn để gửi ({} KB, tối đa {} KB). Hãy rút gọn ghi chú rồi lưu lại.",
                size / 1024,
                self.config.push_batch_bytes / 1024
            );
            on_store(store, move |s| {
                s.outbox_reject(op_id, codes::BODY_TOO_LARGE, &message, None)
            })
            .await?;
        }
    }

    /// Pulls pages until the office has no more; returns whether the final checksum matched.
    async fn pull_all(
        &self,
        store: &Arc<Mutex<Store>>,
        progress: &(dyn Fn(SyncProgress) + Send + Sync),
        cancel: &CancellationToken,
        report: &mut SyncReport,
    ) -> Result<PullEnd, SyncError> {
        let mut pages = 0u64;
        let mut changes = 0u64;
        let mut remaining: Option<u64> = None;
        progress(SyncProgress::Pulling {
            pages,
            changes,
            remaining,
        });
        let (policy, device) =
            on_store(store, |s| Ok((s.policy_version()?, s.identity().device_id))).await?;
        // Pages sized for the link: start small, then aim at a few seconds a page, so a cut
        // costs little to resend and a good link still takes big pages.
        let mut limit = self.config.pull_page.min(FIRST_PULL_PAGE);
        loop {
            let cursor = on_store(store, |s| s.sync_cursor()).await?;
            let started = std::time::Instant::now();
            let requests_before = report.requests;
            let page = self
                .with_retry(cancel, report, || {
                    self.pull_once(cursor.as_deref(), &policy, device, limit, pages == 0)
                })
                .await?;
            let seconds = started.elapsed().as_secs_f64();
            // A page from another epoch answers a cursor the office never issued: not taken.
            if self.check_epoch(store, page.epoch.clone(), report).await? {
                return Ok(PullEnd::OfficeRestored);
            }
            // The configured page size is the ceiling (and a floor below it never applies).
            let smallest = MIN_PULL_PAGE.min(self.config.pull_page);
            if report.requests > requests_before + 1 {
                // The link cut a page: smaller ones until it holds.
                limit = (limit / 2).max(smallest);
            } else if seconds > 0.0 && !page.changes.is_empty() {
                let per_second = page.changes.len() as f64 / seconds;
                let fitting = (per_second * PULL_PAGE_SECONDS) as u32;
                limit = fitting.clamp(smallest, self.config.pull_page);
            }
            if let Some(left) = page.remaining {
                remaining = Some(left);
            }
            let remote: Vec<RemoteChange> = page
                .changes
                .into_iter()
                .map(|c| RemoteChange {
                    entity: c.entity,
                    entity_id: c.entity_id,
                    // Asked for compact clocks: one per field again, as the store merges them.
                    state: RecordState {
                        clocks: RecordState::expand_clocks(c.state.clocks, &c.state.fields),
                        fields: c.state.fields,
                    },
                })
                .collect();
            let received = remote.len() as u64;
            let next_cursor = page.next_cursor.clone();
            let server_clock = page.server_clock;
            on_store(store, move |s| {
                s.apply_remote(&remote, &next_cursor)?;
                s.observe_clock(server_clock)
            })
            .await?;
            pages += 1;
            changes += received;
            report.pulled += received;
            if pages > 1 {
                remaining = remaining.map(|left| left.saturating_sub(received));
            }
            progress(SyncProgress::Pulling {
                pages,
                changes,
                remaining,
            });
            if !page.has_more {
                if let Some(edition) = page.policy {
                    // A newer edition of the rates and rules, published by the office. One that
                    // does not load is refused by the store and the sync goes on without it.
                    let version = edition.version.clone();
                    match on_store(store, move |s| s.accept_policy_edition(&edition.toml)).await {
                        Ok(true) => report.policy_received = Some(version),
                        Ok(false) => {}
                        Err(err) => tracing::warn!(%err, %version, "policy edition refused"),
                    }
                }
                progress(SyncProgress::Verifying);
                let Some(office) = page.checksum else {
                    return Ok(PullEnd::Done(false));
                };
                let (records, digest) = on_store(store, |s| s.scope_checksum()).await?;
                return Ok(PullEnd::Done(
                    records == office.records && format!("{digest:016x}") == office.digest,
                ));
            }
        }
    }
}

/// Runs `work` on the store on tokio's blocking pool: SQLite writes (acks, merged pages) take
/// milliseconds on a cheap phone, and the app's runtime threads must stay free for the UI's own
/// calls meanwhile.
async fn on_store<T: Send + 'static>(
    store: &Arc<Mutex<Store>>,
    work: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, SyncError> {
    let store = Arc::clone(store);
    tokio::task::spawn_blocking(move || work(&lock(&store)))
        .await
        .map_err(|e| SyncError::Internal(format!("tác vụ lưu trữ dừng bất thường ({e})")))?
        .map_err(SyncError::from)
}

fn lock(store: &Arc<Mutex<Store>>) -> std::sync::MutexGuard<'_, Store> {
    // A panic while holding the lock cannot leave SQLite half-written (transactions roll back),
    // so a poisoned lock is safe to keep using.
    store
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
