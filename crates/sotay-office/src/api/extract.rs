//! Request extractors that turn every malformed input into an [`ApiError`] (a JSON 4xx) instead
//! of axum's plain-text rejections, and the device-token check every sync call goes through.

use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use chrono::Utc;
use serde::de::DeserializeOwned;
use sotay_sync::protocol::{AUTHORIZATION, PROTOCOL_VERSION};
use uuid::Uuid;

use super::ApiError;
use crate::auth::hash_secret;
use crate::state::AppState;
use crate::storage::OfficeStore;

/// A JSON body; rejections become `invalid_request` (400), `body_too_large` (413) or 415.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = match Bytes::from_request(req, state).await {
            Ok(bytes) => bytes,
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ApiError::BodyTooLarge);
            }
            Err(rejection) => return Err(ApiError::InvalidRequest(rejection.body_text())),
        };
        // The plain parser first: a push of 500 ops parses measurably faster without the path
        // tracking. Only a body that fails is parsed again by axum for its message, which names
        // the path of the bad value (`ops[3].hlc: ...`).
        match serde_json::from_slice(&bytes) {
            Ok(value) => Ok(ApiJson(value)),
            Err(_) => {
                if let Some(value) = with_whole_numbers(&bytes) {
                    return Ok(ApiJson(value));
                }
                match axum::Json::<T>::from_bytes(&bytes) {
                    Ok(axum::Json(value)) => Ok(ApiJson(value)),
                    Err(rejection) => Err(json_rejection(rejection)),
                }
            }
        }
    }
}

/// The body read again with every number that has no fraction (`154.0`, `1.5e6`) taken as the
/// integer it is: JSON Schema's `integer` includes them, and a client (or a tool generating from
/// `/api/openapi.json`) may write them so. Only on the failure path, so a well-formed push never
/// pays for it.
fn with_whole_numbers<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    fn whole(value: &mut serde_json::Value) -> bool {
        match value {
            serde_json::Value::Number(n) if !(n.is_i64() || n.is_u64()) => {
                let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0) else {
                    return false;
                };
                if f.abs() < 9.0e15 {
                    *value = serde_json::Value::from(f as i64);
                    true
                } else {
                    false
                }
            }
            // Every number is looked at (no short circuit): `|=`, not `||`.
            serde_json::Value::Array(items) => {
                let mut changed = false;
                for item in items {
                    changed |= whole(item);
                }
                changed
            }
            serde_json::Value::Object(map) => {
                let mut changed = false;
                for item in map.values_mut() {
                    changed |= whole(item);
                }
                changed
            }
            _ => false,
        }
    }
    let mut value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    if !whole(&mut value) {
        return None;
    }
    serde_json::from_value(value).ok()
}

/// `application/json` or `application/<something>+json`, as axum's own `Json` accepts.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(mime) = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
    else {
        return false;
    };
    let Some(subtype) = mime.strip_prefix("application/") else {
        return false;
    };
    subtype == "json" || subtype.ends_with("+json")
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::BodyTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType,
        _ => ApiError::InvalidRequest(rejection.body_text()),
    }
}

/// A query string; rejections become `invalid_request` (400).
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(query_rejection(rejection)),
        }
    }
}

fn query_rejection(rejection: QueryRejection) -> ApiError {
    ApiError::InvalidRequest(rejection.body_text())
}

/// Refuses a protocol version other than ours.
pub fn check_protocol(version: u32) -> Result<(), ApiError> {
    if version == PROTOCOL_VERSION {
        Ok(())
    } else {
        Err(ApiError::ProtocolUnsupported(version.to_string()))
    }
}

/// An authenticated, not revoked device (from `Authorization: Bearer <token>`).
#[derive(Clone, Debug)]
pub struct DeviceAuth {
    /// The device.
    pub device_id: Uuid,
    /// Its user.
    pub user_id: Uuid,
    /// Whether an admin marked it lost (its pushes are taken, its pull orders the wipe).
    pub wipe: bool,
    /// Its user's role, from the office's users.
    pub role: sotay_domain::Role,
    /// Its user's area, read with the device (never as the device says).
    pub scope: sotay_sync::protocol::Scope,
    /// The office's epoch, read with the device: every answer carries it.
    pub epoch: String,
}

impl<S: OfficeStore> FromRequestParts<AppState<S>> for DeviceAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState<S>) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 256)
            .ok_or(ApiError::Unauthorized)?;
        let session = state
            .store
            .device_session(&hash_secret(token), Utc::now())
            .await?
            .ok_or(ApiError::Unauthorized)?;
        let device = session.device;
        // A lost device may also have been revoked: the wipe order still reaches it, and what it
        // pushes first is still taken, so nothing its user saved is lost.
        if device.revoked && !device.wipe_requested {
            return Err(ApiError::DeviceRevoked);
        }
        Ok(DeviceAuth {
            device_id: device.id,
            user_id: device.user_id,
            wipe: device.wipe_requested,
            role: device.role,
            scope: session.scope,
            epoch: session.epoch,
        })
    }
}
