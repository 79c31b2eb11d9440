//! The office dashboard: server-rendered pages in Vietnamese at `/`, on the same port as the
//! sync API (which stays under `/api`). Sign-in, sessions, CSRF and roles are in [`session`];
//! the page layout and formatting in [`layout`]; each page in its own module. Handlers are thin:
//! they parse the request, ask the store (through [`crate::storage::DashboardStore`], whose
//! queries always take the communes the signed-in person may see) and render.
//!
//! Architecture invariant: every request is checked on the server. A supervisor's communes are
//! read from the `areas` table at each request; every id in a URL or a form is looked up and its
//! commune checked before anything is shown or changed. Hiding links is never the check.
//!
//! Architecture invariant: every POST carries the session's CSRF token (the sign-in form a
//! double-submit cookie) and is refused without it; output is escaped by the template engine
//! (maud), never written by hand.

pub mod charts;
pub mod export;
pub mod format;
pub mod import_page;
pub mod layout;
pub mod pages;
pub mod receipt;
pub mod session;
pub mod sheet;
pub mod table;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::state::AppState;
use crate::storage::OfficeStore;

pub use session::Viewer;

/// An error a dashboard page answers with: an HTML page with its status, never a stack trace.
#[derive(Debug)]
pub enum WebError {
    /// Not signed in: go to the sign-in page.
    SignIn,
    /// No such thing (or not one the viewer may see: the two look the same on purpose).
    NotFound,
    /// The viewer's role may not do this.
    Forbidden,
    /// The form's CSRF token is missing or wrong.
    Csrf,
    /// Too many attempts.
    RateLimited,
    /// A request that cannot be understood.
    BadRequest(String),
    /// The office failed.
    Internal(crate::OfficeError),
}

impl From<crate::OfficeError> for WebError {
    fn from(err: crate::OfficeError) -> Self {
        match err {
            crate::OfficeError::Invalid(message) => WebError::BadRequest(message),
            other => WebError::Internal(other),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            WebError::SignIn => return Redirect::to("/dang-nhap").into_response(),
            WebError::NotFound => (
                StatusCode::NOT_FOUND,
                "Không tìm thấy",
                "Không có trang hoặc dữ liệu này, hoặc bạn không được xem. Hãy quay lại trang \
                 trước."
                    .to_owned(),
            ),
            WebError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Không được phép",
                "Tài khoản của bạn không được làm việc này. Hãy nhờ quản trị viên.".to_owned(),
            ),
            WebError::Csrf => (
                StatusCode::FORBIDDEN,
                "Biểu mẫu đã hết hạn",
                "Biểu mẫu không còn hợp lệ (mã chống giả mạo không đúng). Hãy tải lại trang và \
                 gửi lại."
                    .to_owned(),
            ),
            WebError::RateLimited => (
                StatusCode::TOO_MANY_REQUESTS,
                "Quá nhiều lần thử",
                "Bạn đã thử quá nhiều lần. Hãy đợi một phút rồi thử lại.".to_owned(),
            ),
            WebError::BadRequest(message) => {
                (StatusCode::BAD_REQUEST, "Yêu cầu không hợp lệ", message)
            }
            WebError::Internal(err) => {
                tracing::error!(error = %err, "dashboard request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Có lỗi ở máy chủ",
                    "Máy chủ chưa làm được việc này. Dữ liệu không bị thay đổi; hãy thử lại sau \
                     ít phút."
                        .to_owned(),
                )
            }
        };
        (status, layout::bare_page(title, &message)).into_response()
    }
}

/// Shorthand for dashboard handlers.
pub type WebResult<T = Response> = Result<T, WebError>;

/// Refuses with [`WebError::RateLimited`] a client `address` that used up what `limiter` allows
/// it this minute.
async fn within_limit(
    limiter: &crate::limit::RateLimiter,
    store: &impl crate::storage::LifecycleStore,
    address: &str,
) -> WebResult<()> {
    if limiter.allow(store, address).await? {
        Ok(())
    } else {
        Err(WebError::RateLimited)
    }
}

/// The dashboard's routes (merged into the office's router beside `/api` and `/health`).
pub fn routes<S: OfficeStore>() -> Router<AppState<S>> {
    Router::new()
        .route("/", get(pages::home::<S>))
        .route(
            "/dang-nhap",
            get(session::sign_in_page::<S>).post(session::sign_in::<S>),
        )
        .route("/dang-xuat", post(session::sign_out::<S>))
        .route(
            "/thiet-lap",
            get(session::setup_page::<S>).post(session::setup::<S>),
        )
        .route("/tong-quan", get(pages::overview::<S>))
        .route("/tong-quan/lao-dong", post(pages::set_labour_force::<S>))
        .route("/nguoi-thu", get(pages::collectors::<S>))
        .route("/nguoi-thu/chuyen", post(pages::transfer::<S>))
        .route("/nguoi-thu/to-chuc", post(pages::set_organisation::<S>))
        .route("/danh-gia", get(pages::evaluation::<S>))
        .route("/duyet", get(pages::review::<S>))
        .route("/duyet/{id}", post(pages::decide::<S>))
        .route(
            "/chi-tieu",
            get(pages::quotas::<S>).post(pages::add_quota::<S>),
        )
        .route("/dia-ban", get(pages::areas::<S>))
        .route("/dia-ban/thon", post(pages::add_village::<S>))
        .route("/dia-ban/phan-cong", post(pages::assign::<S>))
        .route("/thiet-bi", get(pages::devices::<S>))
        .route("/thiet-bi/ma", post(pages::issue_code::<S>))
        .route("/thiet-bi/{id}/thu-hoi", post(pages::revoke::<S>))
        .route("/thiet-bi/{id}/bao-mat", post(pages::wipe::<S>))
        .route(
            "/chinh-sach",
            get(pages::policy::<S>).post(pages::publish_top_up::<S>),
        )
        .route(
            "/nhap",
            get(import_page::import_form::<S>).post(import_page::import_upload::<S>),
        )
        .route("/nhat-ky", get(pages::audit::<S>))
        .route("/xuat/{file}", get(export::download::<S>))
        .route("/tra-cuu", get(receipt::check::<S>))
}
