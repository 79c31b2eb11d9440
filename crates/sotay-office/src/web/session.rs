//! Sign-in, sessions, lock-out, CSRF and roles.
//!
//! Passwords are hashed with Argon2id (the `argon2` crate's defaults: 19 MiB, 2 passes), on the
//! blocking pool. A session is a random 32-byte token in an HttpOnly, SameSite=Lax cookie
//! (Secure when the office serves HTTPS); the database keeps only its SHA-256, the CSRF token
//! every form must carry, and its times: it ends [`SESSION_HOURS`] after sign-in or after
//! [`IDLE_MINUTES`] without a request, on every office instance at once. [`MAX_FAILURES`] wrong
//! passwords in a row lock the login for [`LOCK_MINUTES`] (counted in the database, so several
//! instances count together); failures per address are also limited in memory.
//!
//! Only office admins and supervisors sign in. An admin sees every commune; a supervisor the
//! whole communes assigned to them (`areas`), read again at every request.

use axum::Form;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, Utc};
use maud::html;
use serde::Deserialize;
use sotay_domain::{Role, User};
use std::net::SocketAddr;
use uuid::Uuid;

use super::layout::{bare, field_error};
use super::{WebError, WebResult};
use crate::auth::{hash_secret, new_device_token};
use crate::passwords::{check_login, check_password, hash_password, set_login, verify_password};
use crate::state::AppState;
use crate::storage::OfficeStore;
use crate::storage::dashboard::{AuditEntry, Visible, WebSession};

/// The session cookie.
pub const SESSION_COOKIE: &str = "sotay_phien";
/// The sign-in form's double-submit CSRF cookie.
pub const SIGN_IN_COOKIE: &str = "sotay_dang_nhap";
/// A session's longest life.
pub const SESSION_HOURS: i64 = 12;
/// A session's longest pause.
pub const IDLE_MINUTES: i64 = 60;
/// Wrong passwords in a row before the login is locked.
pub const MAX_FAILURES: i64 = 5;
/// How long a locked login waits.
pub const LOCK_MINUTES: i64 = 15;

/// The signed-in person of a request.
#[derive(Clone, Debug)]
pub struct Viewer {
    /// The signed-in user.
    pub user: User,
    /// Their session.
    pub session: WebSession,
    /// The communes they may see and change.
    pub visible: Visible,
}

impl Viewer {
    /// Refuses a form whose CSRF token is not the session's (compared in constant time).
    pub fn check_csrf(&self, sent: &str) -> WebResult<()> {
        if constant_time_eq(sent.as_bytes(), self.session.csrf_token.as_bytes()) {
            Ok(())
        } else {
            Err(WebError::Csrf)
        }
    }

    /// Whether this is an office admin.
    pub fn is_admin(&self) -> bool {
        self.user.role == Role::OfficeAdmin
    }

    /// Refuses unless the viewer may see `commune`.
    pub fn require_commune(&self, commune: &str) -> WebResult<()> {
        if self.visible.allows(commune) {
            Ok(())
        } else {
            Err(WebError::NotFound)
        }
    }

    /// What a page narrowed to one commune (`xa`, when given) may show: that commune, which
    /// the viewer must be allowed to see, or everything the viewer sees.
    pub fn narrowed_to(&self, commune: Option<&str>) -> WebResult<Visible> {
        match commune.map(str::trim).filter(|c| !c.is_empty()) {
            Some(code) => {
                self.require_commune(code)?;
                Ok(self.visible.only(code))
            }
            None => Ok(self.visible.clone()),
        }
    }

    /// The signed-in user as the author of an admin action.
    pub fn actor(&self) -> crate::admin::Actor {
        crate::admin::Actor {
            user_id: Some(self.user.id),
            name: self.user.full_name.clone(),
        }
    }

    /// An audit entry by this viewer.
    pub fn audit(&self, action: &str, commune: Option<&str>, detail: String) -> AuditEntry {
        AuditEntry {
            at: Utc::now(),
            user_id: Some(self.user.id),
            user_name: self.user.full_name.clone(),
            action: action.to_owned(),
            commune_code: commune.map(str::to_owned),
            detail,
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() || a.is_empty() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The value of cookie `name` in a request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// Adds a `Set-Cookie` of `name` to `response` (an empty `value` with age 0 removes it).
fn add_cookie(response: &mut Response, name: &str, value: &str, max_age_secs: i64, secure: bool) {
    let secure = if secure { "; Secure" } else { "" };
    let cookie = HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""));
    response.headers_mut().append(header::SET_COOKIE, cookie);
}

impl<S: OfficeStore> FromRequestParts<AppState<S>> for Viewer {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState<S>,
    ) -> Result<Self, Self::Rejection> {
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(WebError::SignIn)?;
        let session = state
            .store
            .session(
                &hash_secret(&token),
                Utc::now(),
                Duration::minutes(IDLE_MINUTES),
            )
            .await?
            .ok_or(WebError::SignIn)?;
        let user = state
            .store
            .user(session.user_id)
            .await?
            .ok_or(WebError::SignIn)?;
        let visible = match user.role {
            Role::OfficeAdmin => Visible::All,
            Role::OfficeSupervisor => Visible::Communes(state.store.scope(user.id).await?.communes),
            _ => return Err(WebError::Forbidden),
        };
        Ok(Viewer {
            user,
            session,
            visible,
        })
    }
}

/// The sign-in form (a field the browser leaves out is empty, and then refused as such).
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct SignInForm {
    login: String,
    password: String,
    #[serde(rename = "_csrf")]
    csrf: String,
}

fn sign_in_markup(token: &str, login: &str, error: Option<&str>) -> maud::Markup {
    bare(
        "Đăng nhập",
        html! {
            div.card {
                form method="post" action="/dang-nhap" {
                    input type="hidden" name="_csrf" value=(token);
                    p {
                        label { "Tên đăng nhập"
                            input name="login" value=(login) autocomplete="username" required;
                        }
                    }
                    p {
                        label { "Mật khẩu"
                            input name="password" type="password" autocomplete="current-password" required;
                        }
                        (field_error(error))
                    }
                    button type="submit" { "Đăng nhập" }
                }
            }
            p.muted { "Người tham gia muốn kiểm tra biên lai: " a href="/tra-cuu" { "Tra cứu biên lai" } }
        },
    )
}

/// A sign-in or set-up form made with a fresh form token, which also goes into the cookie the
/// form's answer is checked against (for an hour).
fn form_with_token<S>(state: &AppState<S>, markup: impl FnOnce(&str) -> maud::Markup) -> Response {
    let token = new_device_token();
    let mut response = markup(&token).into_response();
    add_cookie(
        &mut response,
        SIGN_IN_COOKIE,
        &token,
        3600,
        state.secure_cookies,
    );
    response
}

fn sign_in_response<S>(state: &AppState<S>, login: &str, error: Option<&str>) -> Response {
    let mut response = form_with_token(state, |token| sign_in_markup(token, login, error));
    if error.is_some() {
        *response.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
    }
    response
}

/// `GET /dang-nhap`.
pub async fn sign_in_page<S: OfficeStore>(State(state): State<AppState<S>>) -> WebResult {
    if state.store.count_logins().await? == 0 {
        return Ok(Redirect::to("/thiet-lap").into_response());
    }
    Ok(sign_in_response(&state, "", None))
}

/// Checks a signed-out form's CSRF token against the one its page set in the sign-in cookie
/// (the sign-in and first-run set-up forms, sent before any session exists). No cookie, no
/// token: refused ([`constant_time_eq`] never matches an empty token).
fn signed_out_csrf(headers: &HeaderMap, token: &str) -> Result<(), WebError> {
    let expected = cookie(headers, SIGN_IN_COOKIE).unwrap_or_default();
    if constant_time_eq(token.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(WebError::Csrf)
    }
}

/// `POST /dang-nhap`.
pub async fn sign_in<S: OfficeStore>(
    State(state): State<AppState<S>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> WebResult {
    signed_out_csrf(&headers, &form.csrf)?;
    let address = peer.ip().to_string();
    super::within_limit(&state.sign_in_limiter, state.store.as_ref(), &address).await?;
    let now = Utc::now();
    let login_name = form.login.trim().to_lowercase();
    let shown_login: String = login_name.chars().take(40).collect();
    let wrong = "Tên đăng nhập hoặc mật khẩu không đúng.";
    let Some(login) = state.store.login(&login_name).await? else {
        // The same work as a real check, so timing does not tell which logins exist.
        let _ = hash_password(form.password).await;
        state
            .sign_in_limiter
            .fail(state.store.as_ref(), &address)
            .await?;
        state
            .store
            .audit(&AuditEntry {
                at: now,
                user_id: None,
                user_name: shown_login.clone(),
                action: "sign_in_failed".into(),
                commune_code: None,
                detail: "Đăng nhập sai: không có tên đăng nhập này".into(),
            })
            .await?;
        return Ok(sign_in_response(&state, &shown_login, Some(wrong)));
    };
    if let Some(until) = login.locked_until
        && until > now
    {
        return Ok(sign_in_response(
            &state,
            &shown_login,
            Some(&format!(
                "Tài khoản đang tạm khoá vì nhập sai mật khẩu nhiều lần. Hãy thử lại sau {}.",
                super::format::instant(until)
            )),
        ));
    }
    let user = state.store.user(login.user_id).await?;
    let good = verify_password(form.password, login.password_hash.clone()).await;
    let Some(user) = user.filter(|_| good) else {
        state
            .sign_in_limiter
            .fail(state.store.as_ref(), &address)
            .await?;
        let locked = state
            .store
            .login_failed(
                login.user_id,
                now,
                MAX_FAILURES,
                Duration::minutes(LOCK_MINUTES),
            )
            .await?;
        state
            .store
            .audit(&AuditEntry {
                at: now,
                user_id: Some(login.user_id),
                user_name: shown_login.clone(),
                action: "sign_in_failed".into(),
                commune_code: None,
                detail: if locked {
                    format!("Đăng nhập sai; tài khoản bị khoá {LOCK_MINUTES} phút")
                } else {
                    "Đăng nhập sai mật khẩu".into()
                },
            })
            .await?;
        let message = if locked {
            format!("Bạn đã nhập sai {MAX_FAILURES} lần. Tài khoản tạm khoá {LOCK_MINUTES} phút.")
        } else {
            wrong.to_owned()
        };
        return Ok(sign_in_response(&state, &shown_login, Some(&message)));
    };
    state.store.login_succeeded(user.id).await?;
    let token = new_device_token();
    let session = WebSession {
        token_hash: hash_secret(&token),
        user_id: user.id,
        csrf_token: new_device_token(),
        created_at: now,
        expires_at: now + Duration::hours(SESSION_HOURS),
        last_seen_at: now,
    };
    state.store.insert_session(&session).await?;
    state
        .store
        .audit(&AuditEntry {
            at: now,
            user_id: Some(user.id),
            user_name: user.full_name.clone(),
            action: "sign_in".into(),
            commune_code: None,
            detail: format!("Đăng nhập từ {address}"),
        })
        .await?;
    let mut response = Redirect::to("/tong-quan").into_response();
    add_cookie(
        &mut response,
        SESSION_COOKIE,
        &token,
        SESSION_HOURS * 3600,
        state.secure_cookies,
    );
    add_cookie(&mut response, SIGN_IN_COOKIE, "", 0, state.secure_cookies);
    Ok(response)
}

/// A form that carries only its CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    /// The token.
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
}

/// `POST /dang-xuat`.
pub async fn sign_out<S: OfficeStore>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Form(form): Form<CsrfForm>,
) -> WebResult {
    viewer.check_csrf(&form.csrf)?;
    state
        .store
        .delete_session(&viewer.session.token_hash)
        .await?;
    state
        .store
        .audit(&viewer.audit("sign_out", None, "Đăng xuất".into()))
        .await?;
    let mut response = Redirect::to("/dang-nhap").into_response();
    add_cookie(&mut response, SESSION_COOKIE, "", 0, state.secure_cookies);
    Ok(response)
}

/// The first-run set-up form (a field the browser leaves out is empty, and then refused as
/// such).
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct SetupForm {
    name: String,
    login: String,
    password: String,
    #[serde(rename = "_csrf")]
    csrf: String,
}

fn setup_markup(token: &str, form: Option<&SetupForm>, error: Option<&str>) -> maud::Markup {
    bare(
        "Thiết lập lần đầu",
        html! {
            div.card {
                p { "Văn phòng chưa có tài khoản quản trị. Hãy tạo tài khoản quản trị đầu tiên." }
                form method="post" action="/thiet-lap" {
                    input type="hidden" name="_csrf" value=(token);
                    p { label { "Họ và tên" input name="name" value=[form.map(|f| f.name.as_str())] required; } }
                    p { label { "Tên đăng nhập" input name="login" value=[form.map(|f| f.login.as_str())] required; } }
                    p { label { "Mật khẩu (ít nhất 10 ký tự)" input name="password" type="password" required; } }
                    (field_error(error))
                    p { button type="submit" { "Tạo tài khoản quản trị" } }
                }
            }
        },
    )
}

/// `GET /thiet-lap`: the first-run admin set-up, only while no sign-in exists.
pub async fn setup_page<S: OfficeStore>(State(state): State<AppState<S>>) -> WebResult {
    if state.store.count_logins().await? > 0 {
        return Ok(Redirect::to("/dang-nhap").into_response());
    }
    Ok(form_with_token(&state, |token| {
        setup_markup(token, None, None)
    }))
}

/// `POST /thiet-lap`.
pub async fn setup<S: OfficeStore>(
    State(state): State<AppState<S>>,
    headers: HeaderMap,
    Form(form): Form<SetupForm>,
) -> WebResult {
    signed_out_csrf(&headers, &form.csrf)?;
    if state.store.count_logins().await? > 0 {
        return Ok(Redirect::to("/dang-nhap").into_response());
    }
    let problem = check_login(&form.login)
        .err()
        .or_else(|| check_password(&form.password).err());
    if let Some(problem) = problem {
        let mut response = setup_markup(&form.csrf, Some(&form), Some(&problem)).into_response();
        *response.status_mut() = axum::http::StatusCode::BAD_REQUEST;
        return Ok(response);
    }
    let user =
        match crate::admin::create_user(state.store.as_ref(), &form.name, Role::OfficeAdmin, None)
            .await
        {
            Ok(user) => user,
            Err(crate::OfficeError::Invalid(message)) => {
                let mut response =
                    setup_markup(&form.csrf, Some(&form), Some(&message)).into_response();
                *response.status_mut() = axum::http::StatusCode::BAD_REQUEST;
                return Ok(response);
            }
            Err(other) => return Err(other.into()),
        };
    set_login(state.store.as_ref(), &user, &form.login, &form.password).await?;
    state
        .store
        .audit(&AuditEntry {
            at: Utc::now(),
            user_id: Some(user.id),
            user_name: user.full_name.clone(),
            action: "setup".into(),
            commune_code: None,
            detail: "Tạo tài khoản quản trị đầu tiên".into(),
        })
        .await?;
    Ok(Redirect::to("/dang-nhap").into_response())
}

/// A user id from a form or URL, or a clear error.
pub fn parse_id(text: &str) -> WebResult<Uuid> {
    Uuid::parse_str(text.trim()).map_err(|_| WebError::NotFound)
}
