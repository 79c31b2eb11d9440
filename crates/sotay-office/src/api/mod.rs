//! The sync API devices call: `/health`, `/api/openapi.json` and `/api/v1/...` (enrolment, push,
//! pull, the quote), its JSON errors ([`ApiError`] picks every status) and its OpenAPI document.
//! [`crate::server`] mounts [`routes`] beside the dashboard's.

pub mod error;
pub mod extract;
pub mod handlers;
pub mod openapi;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sotay_sync::protocol::{MAX_PUSH_BODY_BYTES, PROTOCOL_HEADER, PROTOCOL_VERSION};

pub use error::ApiError;

use crate::state::AppState;
use crate::storage::OfficeStore;

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

/// The API's routes (merged into the office's router beside the dashboard's).
pub fn routes<S: OfficeStore>() -> Router<AppState<S>> {
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
}
