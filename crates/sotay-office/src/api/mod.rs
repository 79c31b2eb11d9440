//! The HTTP server: router, middleware (request ids, tracing, compression, body and time limits,
//! JSON errors everywhere), OpenAPI, and `launch` functions that take their listener and shutdown
//! signal as arguments so tests run a real server on 127.0.0.1:0.

pub mod error;
pub mod extract;
pub mod handlers;
pub mod limit;
pub mod openapi;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sotay_domain::{Hlc, HlcClock, Policy};
use sotay_sync::protocol::{MAX_PUSH_BODY_BYTES, PROTOCOL_HEADER, PROTOCOL_VERSION};
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use error::ApiError;

use crate::apply::OFFICE_NODE;
use crate::storage::OfficeStore;
use crate::storage::lifecycle::AttemptKind;

/// Largest request body, after gzip decompression (a push is held to
/// [`MAX_PUSH_BODY_BYTES`], as `docs/sync-protocol.md` says).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Longest a request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Failed enrolment attempts (wrong or used codes) allowed per client address per minute.
pub const ENROLL_ATTEMPTS_PER_MINUTE: i64 = 10;

/// Failed dashboard sign-ins allowed per client address per minute (the per-login lock-out is
/// in the database).
pub const SIGN_IN_FAILURES_PER_MINUTE: i64 = 20;
/// Receipt checks allowed per client address per minute on the public page.
pub const RECEIPT_CHECKS_PER_MINUTE: i64 = 10;

/// What every handler shares.
pub struct AppState<S> {
    /// The database.
    pub store: Arc<S>,
    /// Which backend, for `/health`.
    pub backend: &'static str,
    /// The office's hybrid logical clock (node [`OFFICE_NODE`]).
    pub clock: Arc<Mutex<HlcClock>>,
    /// Enrolment attempts.
    pub limiter: Arc<limit::RateLimiter>,
    /// The policy edition in use: the quote prices with it and pushes are bounded by it.
    pub policy: Arc<PolicyInUse>,
    /// How long one request may take, body included ([`REQUEST_TIMEOUT`]).
    pub request_timeout: Duration,
    /// Whether the dashboard's cookies are `Secure` (the office serves HTTPS).
    pub secure_cookies: bool,
    /// Failed dashboard sign-ins per address.
    pub sign_in_limiter: Arc<limit::RateLimiter>,
    /// Receipt checks per address (the public page).
    pub receipt_limiter: Arc<limit::RateLimiter>,
}

impl<S> Clone for AppState<S> {
    fn clone(&self) -> Self {
        AppState {
            store: Arc::clone(&self.store),
            backend: self.backend,
            clock: Arc::clone(&self.clock),
            limiter: Arc::clone(&self.limiter),
            policy: Arc::clone(&self.policy),
            request_timeout: self.request_timeout,
            secure_cookies: self.secure_cookies,
            sign_in_limiter: Arc::clone(&self.sign_in_limiter),
            receipt_limiter: Arc::clone(&self.receipt_limiter),
        }
    }
}

impl<S: OfficeStore> AppState<S> {
    /// State over `store`.
    pub fn new(store: S, backend: &'static str) -> Self {
        AppState {
            store: Arc::new(store),
            backend,
            clock: Arc::new(Mutex::new(HlcClock::new(OFFICE_NODE))),
            limiter: Arc::new(limit::RateLimiter::per_minute(
                AttemptKind::Enrol,
                ENROLL_ATTEMPTS_PER_MINUTE,
            )),
            policy: Arc::new(PolicyInUse::new(Arc::new(Policy::embedded().clone()))),
            request_timeout: REQUEST_TIMEOUT,
            secure_cookies: false,
            sign_in_limiter: Arc::new(limit::RateLimiter::per_minute(
                AttemptKind::SignIn,
                SIGN_IN_FAILURES_PER_MINUTE,
            )),
            receipt_limiter: Arc::new(limit::RateLimiter::per_minute(
                AttemptKind::ReceiptCheck,
                RECEIPT_CHECKS_PER_MINUTE,
            )),
        }
    }

    /// The policy edition in use, looking for a newer published one at most every
    /// [`POLICY_RECHECK`] (`publish-policy` runs in another process, and every instance serving
    /// the database must take the edition up without a restart).
    pub async fn policy(&self) -> Arc<Policy> {
        let current = self.policy.current();
        if !self.policy.due() {
            return current;
        }
        match crate::admin::newer_policy(self.store.as_ref(), &current.version).await {
            Ok(Some(newer)) => {
                let newer = Arc::new(newer);
                self.policy.set(Arc::clone(&newer));
                newer
            }
            Ok(None) => current,
            Err(err) => {
                // The edition in use stands; the next request looks again.
                tracing::warn!(error = %err, "could not read the published policy");
                current
            }
        }
    }

    /// A fresh office timestamp.
    pub fn tick(&self) -> Hlc {
        let now = crate::clock::now_ms();
        match self.clock.lock() {
            Ok(mut clock) => clock.tick(now),
            Err(poisoned) => poisoned.into_inner().tick(now),
        }
    }

    /// Folds a device's timestamp into the office clock.
    pub fn observe(&self, remote: Hlc, now_ms: u64) {
        match self.clock.lock() {
            Ok(mut clock) => clock.observe(remote, now_ms),
            Err(poisoned) => poisoned.into_inner().observe(remote, now_ms),
        };
    }
}

/// How often a serving office looks for a newly published policy edition.
pub const POLICY_RECHECK: Duration = Duration::from_secs(30);

/// The policy edition a serving office uses, replaced when a newer one is published.
pub struct PolicyInUse {
    current: Mutex<Arc<Policy>>,
    checked: Mutex<Option<std::time::Instant>>,
}

impl PolicyInUse {
    /// Starts with `policy`; the first [`AppState::policy`] looks for a newer one.
    pub fn new(policy: Arc<Policy>) -> Self {
        PolicyInUse {
            current: Mutex::new(policy),
            checked: Mutex::new(None),
        }
    }

    /// The edition in use now.
    pub fn current(&self) -> Arc<Policy> {
        Arc::clone(&self.current.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Puts `policy` in use.
    pub fn set(&self, policy: Arc<Policy>) {
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = policy;
    }

    /// Whether it is time to look for a newer edition (and notes that it is being done).
    fn due(&self) -> bool {
        let mut checked = self.checked.lock().unwrap_or_else(|p| p.into_inner());
        let now = std::time::Instant::now();
        if checked.is_some_and(|at| now.duration_since(at) < POLICY_RECHECK) {
            return false;
        }
        *checked = Some(now);
        true
    }
}

/// The OpenAPI description of the server.
pub fn openapi() -> utoipa::openapi::OpenApi {
    openapi::document()
}

/// Refuses a request whose `x-sotay-protocol` header names another version, before its body is
/// read (a newer app's body may not parse at all).
async fn protocol_header(req: Request, next: Next) -> Response {
    if let Some(value) = req.headers().get(PROTOCOL_HEADER) {
        let text = value.to_str().unwrap_or("").trim();
        // Another version is an app to update; anything that is not a version at all is a
        // malformed request.
        match text.parse::<u32>() {
            Ok(version) if version == PROTOCOL_VERSION => {}
            Ok(version) => {
                return ApiError::ProtocolUnsupported(version.to_string()).into_response();
            }
            Err(_) => {
                return ApiError::InvalidRequest(format!(
                    "{PROTOCOL_HEADER} phải là số phiên bản giao thức ({PROTOCOL_VERSION})"
                ))
                .into_response();
            }
        }
    }
    next.run(req).await
}

/// Gives every error response without a JSON body (from tower layers: timeout, unknown content
/// encoding, 405…) the JSON error body, so clients always get `{"error": {...}}`.
async fn json_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    // JSON bodies, and the dashboard's HTML pages, already say what went wrong.
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| {
            v.as_bytes().starts_with(b"application/json") || v.as_bytes().starts_with(b"text/html")
        });
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let error = match status {
        StatusCode::NOT_FOUND => ApiError::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
        StatusCode::REQUEST_TIMEOUT => ApiError::Timeout,
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::BodyTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType,
        s if s.is_client_error() => ApiError::InvalidRequest(s.to_string()),
        s => ApiError::Internal(crate::OfficeError::Task(s.to_string())),
    };
    let (parts, _) = response.into_parts();
    let mut fresh = error.into_response();
    *fresh.status_mut() = status;
    // Keep what the layer said besides its body: `Allow` on a 405, the request id.
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            fresh.headers_mut().insert(name, value.clone());
        }
    }
    fresh
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// The whole HTTP application.
pub fn router<S: OfficeStore>(state: AppState<S>) -> Router {
    let timeout = state.request_timeout;
    let v1 = Router::new()
        .route("/devices/enroll", post(handlers::enroll::<S>))
        .route(
            "/sync/push",
            post(handlers::push::<S>).layer(DefaultBodyLimit::max(MAX_PUSH_BODY_BYTES)),
        )
        .route("/sync/pull", get(handlers::pull::<S>))
        .route("/quote", post(handlers::quote::<S>))
        .layer(middleware::from_fn(protocol_header));
    Router::new()
        .route("/health", get(handlers::health::<S>))
        .route("/api/openapi.json", get(openapi::openapi_json))
        .nest("/api/v1", v1)
        .merge(crate::web::routes::<S>())
        .fallback(not_found)
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|req: &Request| {
                            let id = req
                                .headers()
                                .get("x-request-id")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or("-");
                            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
                        })
                        .on_response(DefaultOnResponse::new().level(Level::INFO)),
                )
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(middleware::from_fn(json_errors))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    timeout,
                ))
                .layer(CompressionLayer::new())
                .layer(RequestDecompressionLayer::new())
                .layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
}

/// How many connections may wait to be accepted. The standard library (and tokio's `bind`)
/// listen with 128: when a training session ends and 200 phones sync at once, the connections
/// past 128 were dropped and their phones waited for TCP's one-second retry.
pub const LISTEN_BACKLOG: u32 = 1024;

/// Opens the listening socket for `addr` (`host:port`) with [`LISTEN_BACKLOG`].
pub async fn bind(addr: &str) -> std::io::Result<tokio::net::TcpListener> {
    let mut last = None;
    for resolved in tokio::net::lookup_host(addr).await? {
        let socket = if resolved.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        #[cfg(unix)]
        socket.set_reuseaddr(true)?;
        match socket.bind(resolved) {
            Ok(()) => return socket.listen(LISTEN_BACKLOG),
            Err(err) => last = Some(err),
        }
    }
    Err(last.unwrap_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::AddrNotAvailable,
            format!("{addr} names no address"),
        )
    }))
}

/// Serves plain HTTP on `listener` until `shutdown` resolves; in-flight requests finish first.
pub async fn launch<S: OfficeStore>(
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    state: AppState<S>,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Serves HTTPS (rustls, ring) with the PEM certificate chain and key until `shutdown`
/// resolves; in-flight requests get up to 30 s to finish.
pub async fn launch_tls<S: OfficeStore>(
    listener: std::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    state: AppState<S>,
    cert: &Path,
    key: &Path,
) -> std::io::Result<()> {
    // Another part of the process may have installed it already; either way ring is in place.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key).await?;
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopper.graceful_shutdown(Some(Duration::from_secs(30)));
    });
    listener.set_nonblocking(true)?;
    axum_server::from_tcp_rustls(listener, config)?
        .handle(handle)
        .serve(router(state).into_make_service_with_connect_info::<SocketAddr>())
        .await
}
