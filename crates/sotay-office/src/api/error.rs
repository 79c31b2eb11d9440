//! The one place that decides the HTTP status of every failure. Handlers and extractors return
//! [`ApiError`]; its `IntoResponse` writes `{"error": {"code", "message"}}` with a stable code
//! the app decides on and a Vietnamese message that says what to do.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sotay_sync::protocol::{ErrorBody, ErrorInfo, PROTOCOL_VERSION, codes};

use sotay_domain::QuoteError;

use crate::error::OfficeError;

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No token, or one the office does not know.
    #[error("unauthorized")]
    Unauthorized,
    /// The device was revoked.
    #[error("device revoked")]
    DeviceRevoked,
    /// The device was marked lost: it must erase itself (410, on pull only).
    #[error("device to be wiped")]
    DeviceWipe,
    /// The client speaks another protocol version.
    #[error("protocol {0} unsupported")]
    ProtocolUnsupported(String),
    /// Wrong, used or expired enrolment code.
    #[error("invalid enrolment code")]
    InvalidCode,
    /// Too many attempts.
    #[error("rate limited")]
    RateLimited,
    /// The body or query is not what the endpoint takes.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The body is larger than allowed.
    #[error("body too large")]
    BodyTooLarge,
    /// The body is not sent as JSON.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// No such route.
    #[error("not found")]
    NotFound,
    /// The route exists but not with this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request took too long.
    #[error("timeout")]
    Timeout,
    /// The contribution calculator refused the request (income below the floor, unknown
    /// province…): the domain's code and Vietnamese message pass through unchanged.
    #[error("quote refused: {0}")]
    Quote(#[from] QuoteError),
    /// A fault of the server itself (database down, bug): never caused by input.
    #[error("internal: {0}")]
    Internal(#[from] OfficeError),
}

impl ApiError {
    /// Status, code and message. The message is the code's own from the one list
    /// ([`codes::ALL`]) unless the error knows something more precise to say.
    pub fn parts(&self) -> (StatusCode, &'static str, String) {
        let (status, code) = match self {
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, codes::UNAUTHORIZED),
            ApiError::DeviceRevoked => (StatusCode::UNAUTHORIZED, codes::DEVICE_REVOKED),
            ApiError::DeviceWipe => (StatusCode::GONE, codes::DEVICE_WIPE),
            ApiError::ProtocolUnsupported(got) => {
                return (
                    StatusCode::UPGRADE_REQUIRED,
                    codes::PROTOCOL_UNSUPPORTED,
                    format!(
                        "Ứng dụng dùng giao thức đồng bộ phiên bản {got}, máy chủ dùng phiên bản \
                         {PROTOCOL_VERSION}. Hãy cập nhật ứng dụng Sổ tay lên bản mới nhất."
                    ),
                );
            }
            ApiError::InvalidCode => (StatusCode::FORBIDDEN, codes::INVALID_CODE),
            ApiError::RateLimited => (StatusCode::TOO_MANY_REQUESTS, codes::RATE_LIMITED),
            ApiError::InvalidRequest(detail) => {
                return (
                    StatusCode::BAD_REQUEST,
                    codes::INVALID_REQUEST,
                    format!("Yêu cầu không đúng định dạng ({detail}). Hãy cập nhật ứng dụng."),
                );
            }
            ApiError::BodyTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, codes::BODY_TOO_LARGE),
            ApiError::UnsupportedMediaType => {
                return (
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    codes::INVALID_REQUEST,
                    "Dữ liệu phải gửi dạng JSON (Content-Type: application/json), không nén hoặc \
                     nén gzip."
                        .into(),
                );
            }
            ApiError::NotFound => (StatusCode::NOT_FOUND, codes::NOT_FOUND),
            ApiError::MethodNotAllowed => {
                (StatusCode::METHOD_NOT_ALLOWED, codes::METHOD_NOT_ALLOWED)
            }
            ApiError::Timeout => (StatusCode::REQUEST_TIMEOUT, codes::TIMEOUT),
            ApiError::Quote(err) => {
                return (StatusCode::UNPROCESSABLE_ENTITY, err.code(), err.message());
            }
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, codes::INTERNAL),
        };
        (
            status,
            code,
            codes::message_vi(code).unwrap_or_default().to_owned(),
        )
    }

    /// The JSON body.
    pub fn body(&self) -> ErrorBody {
        let (_, code, message) = self.parts();
        ErrorBody {
            error: ErrorInfo {
                code: code.to_owned(),
                message,
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(err) = &self {
            tracing::error!(error = %err, "internal error");
        }
        let status = self.parts().0;
        (status, Json(self.body())).into_response()
    }
}
