//! The office's one HTTP application: the sync API ([`crate::api`]) and the dashboard
//! ([`crate::web`]) on one router and port, under the layers every request passes (request ids,
//! tracing, JSON errors everywhere, time and body limits, compression), and the `launch`
//! functions that take their listener and shutdown signal as arguments so tests run a real
//! server on 127.0.0.1:0.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::api::ApiError;
use crate::state::AppState;
use crate::storage::OfficeStore;

/// Largest request body, after gzip decompression (a push is held to
/// [`MAX_PUSH_BODY_BYTES`](sotay_sync::protocol::MAX_PUSH_BODY_BYTES), as
/// `docs/sync-protocol.md` says).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

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
    Router::new()
        .merge(crate::api::routes::<S>())
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
