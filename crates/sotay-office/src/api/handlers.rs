//! The HTTP handlers of `/health` and `/api/v1/...`. Each parses, checks, calls the store and
//! answers; every failure goes through [`ApiError`].

use axum::Json;
use axum::extract::{ConnectInfo, State};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use sotay_domain::{Op, PaymentMode, Quote, QuoteRequest, Role, SupportGroup, Vnd};
use sotay_sync::protocol::{
    EnrollRequest, EnrollResponse, ErrorBody, MAX_OPS_PER_PUSH, MAX_PULL_LIMIT, OpOutcome,
    PullQuery, PullResponse, PushRequest, PushResponse, UserInfo,
};
use std::net::SocketAddr;
use std::sync::Arc;
use uuid::Uuid;

use super::ApiError;
use super::extract::{ApiJson, ApiQuery, DeviceAuth, check_protocol};
use crate::apply::{ApplyContext, Writer};
use crate::auth::{hash_secret, new_device_token, normalize_code};
use crate::clock::{now_ms, today_in_vietnam};
use crate::state::AppState;
use crate::storage::dashboard::AuditEntry;
use crate::storage::lifecycle::SalvagedOp;
use crate::storage::{NewDevice, OfficeStore};

/// Default pull page size.
const DEFAULT_PULL_LIMIT: u32 = 500;

/// `GET /health` answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always "ok" when the database answers.
    pub status: String,
    /// Which storage backend serves.
    pub backend: String,
    /// Server version.
    pub version: String,
}

/// Liveness and database check.
#[utoipa::path(get, path = "/health", responses((status = 200, description = "The server and its database answer", body = Health)))]
pub async fn health<S: OfficeStore>(
    State(state): State<AppState<S>>,
) -> Result<Json<Health>, ApiError> {
    state.store.count_users().await?;
    Ok(Json(Health {
        status: "ok".into(),
        backend: state.backend.to_owned(),
        version: env!("CARGO_PKG_VERSION").into(),
    }))
}

/// Exchanges a one-time enrolment code for a device token.
#[utoipa::path(post, path = "/api/v1/devices/enroll", request_body = EnrollRequest,
    responses((status = 200, description = "The device is enrolled", body = EnrollResponse),
              (status = 403, description = "`invalid_code`: the code is wrong, used or expired", body = ErrorBody),
              (status = 429, description = "`rate_limited`: too many wrong codes from this address in a minute", body = ErrorBody)))]
pub async fn enroll<S: OfficeStore>(
    State(state): State<AppState<S>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(req): ApiJson<EnrollRequest>,
) -> Result<Json<EnrollResponse>, ApiError> {
    check_protocol(req.protocol)?;
    let code = normalize_code(&req.code);
    let address = peer.ip().to_string();
    if !state.limiter.allow(state.store.as_ref(), &address).await? {
        return Err(ApiError::RateLimited);
    }
    let device_name = req.device_name.trim();
    if device_name.is_empty()
        || device_name.chars().count() > 100
        || device_name.chars().any(char::is_control)
    {
        return Err(ApiError::InvalidRequest(
            "device_name phải có từ 1 đến 100 ký tự, không có ký tự điều khiển".into(),
        ));
    }
    let token = new_device_token();
    // The receipt key is a second random secret: the office keeps it (it verifies receipt check
    // codes with it), unlike the token, which it keeps only hashed.
    let receipt_key = new_device_token();
    let device = NewDevice {
        id: Uuid::now_v7(),
        name: device_name.to_owned(),
        token_hash: hash_secret(&token),
        receipt_key: Some(receipt_key.clone()),
    };
    let Some(user_id) = state
        .store
        .enroll(&hash_secret(&code), &device, Utc::now())
        .await?
    else {
        state.limiter.fail(state.store.as_ref(), &address).await?;
        return Err(ApiError::InvalidCode);
    };
    let user =
        state.store.user(user_id).await?.ok_or_else(|| {
            crate::OfficeError::Corrupt(format!("code for missing user {user_id}"))
        })?;
    let scope = state.store.scope(user_id).await?;
    tracing::info!(device = %device.id, user = %user_id, "device enrolled");
    Ok(Json(EnrollResponse {
        device_id: device.id,
        device_token: token,
        user: UserInfo {
            id: user.id,
            full_name: user.full_name,
            role: user.role,
        },
        scope,
        server_clock: state.tick(),
        receipt_key: Some(receipt_key),
    }))
}

/// Applies the device's ops in one transaction in which each op stands alone: one bad op is
/// rejected, the rest apply.
#[utoipa::path(post, path = "/api/v1/sync/push", request_body = PushRequest,
    security(("device_token" = [])),
    responses((status = 200, description = "One result per op, in order", body = PushResponse)))]
pub async fn push<S: OfficeStore>(
    State(state): State<AppState<S>>,
    auth: DeviceAuth,
    ApiJson(req): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    check_protocol(req.protocol)?;
    if req.ops.len() > MAX_OPS_PER_PUSH {
        return Err(ApiError::InvalidRequest(format!(
            "tối đa {MAX_OPS_PER_PUSH} thao tác mỗi lần gửi"
        )));
    }
    let scope = auth.scope.clone();
    let policy = state.policy().await;
    // The batch runs in its own task: if the client hangs up or the server is shutting down,
    // the batch still finishes (it commits or rolls back whole) instead of being dropped
    // half-way.
    let batch_state = state.clone();
    let ops: Arc<[Op]> = req.ops.into();
    let task = tokio::spawn(async move {
        let now_ms = now_ms();
        let ctx = ApplyContext {
            writer: Writer::Device {
                device_id: auth.device_id,
                user_id: auth.user_id,
                scope,
                role: auth.role,
            },
            today: today_in_vietnam(),
            now_ms,
            policy,
        };
        // One transaction for the whole batch: a fault rolls all of it back and answers 5xx, and
        // the client resends it (ops are idempotent).
        let outcomes = batch_state.store.apply_ops(Arc::clone(&ops), &ctx).await?;
        if auth.wipe {
            // The phone is about to erase itself: what the office refused is kept whole.
            for (op, outcome) in ops.iter().zip(&outcomes) {
                if let OpOutcome::Rejected { code, .. } = outcome {
                    let salvaged = SalvagedOp {
                        op_id: op.op_id,
                        device_id: auth.device_id,
                        code: code.clone(),
                        op: serde_json::to_string(op).unwrap_or_default(),
                    };
                    batch_state.store.salvage(&salvaged, Utc::now()).await?;
                }
            }
        }
        if outcomes.len() != ops.len() {
            return Err(ApiError::from(crate::OfficeError::Task(format!(
                "{} outcomes for {} ops",
                outcomes.len(),
                ops.len()
            ))));
        }
        if auth.role == Role::BoardMember {
            // Before the answer: a push the phone retries writes what a stop here missed.
            crate::referral::hand_over(batch_state.store.as_ref(), &ops, &outcomes, ctx.today)
                .await?;
        }
        let results: Vec<_> = ops
            .iter()
            .zip(outcomes)
            .map(|(op, outcome)| {
                if outcome.is_acknowledged() {
                    batch_state.observe(op.hlc, now_ms);
                }
                sotay_sync::protocol::OpResult {
                    op_id: op.op_id,
                    outcome,
                }
            })
            .collect();
        Ok::<_, ApiError>(results)
    });
    let results = task
        .await
        .map_err(|e| crate::OfficeError::Task(e.to_string()))??;
    tracing::info!(device = %auth.device_id, ops = results.len(), "push applied");
    Ok(Json(PushResponse {
        results,
        server_clock: state.tick(),
        epoch: Some(auth.epoch.clone()),
    }))
}

/// One page of the records in the device's scope changed after the cursor.
#[utoipa::path(get, path = "/api/v1/sync/pull", params(PullQuery),
    security(("device_token" = [])),
    responses((status = 200, description = "One page of changes", body = PullResponse),
              (status = 410, description = "`device_wipe`: the device was marked lost and must erase itself", body = ErrorBody)))]
pub async fn pull<S: OfficeStore>(
    State(state): State<AppState<S>>,
    auth: DeviceAuth,
    ApiQuery(query): ApiQuery<PullQuery>,
) -> Result<Json<PullResponse>, ApiError> {
    if auth.wipe {
        // Marked lost: its pushes came first in its sync and were taken; now it erases itself.
        if state.store.wipe_sent(auth.device_id, Utc::now()).await? {
            let user = state.store.user(auth.user_id).await?;
            state
                .store
                .audit(&AuditEntry {
                    at: Utc::now(),
                    user_id: Some(auth.user_id),
                    user_name: user.map(|u| u.full_name).unwrap_or_default(),
                    action: "device_wipe_sent".into(),
                    commune_code: None,
                    detail: format!("Đã gửi lệnh xoá dữ liệu tới thiết bị {}", auth.device_id),
                })
                .await?;
        }
        return Err(ApiError::DeviceWipe);
    }
    let after: i64 = match query.after.as_deref() {
        None | Some("") => 0,
        Some(text) => text.parse().ok().filter(|n: &i64| *n >= 0).ok_or_else(|| {
            ApiError::InvalidRequest("after phải là con trỏ do máy chủ trả về".into())
        })?,
    };
    if query
        .policy
        .as_ref()
        .is_some_and(|p| p.chars().count() > 64)
    {
        return Err(ApiError::InvalidRequest(
            "policy là nhãn phiên bản chính sách, tối đa 64 ký tự".into(),
        ));
    }
    let limit = query.limit.unwrap_or(DEFAULT_PULL_LIMIT);
    if limit == 0 || limit > MAX_PULL_LIMIT {
        return Err(ApiError::InvalidRequest(format!(
            "limit phải từ 1 đến {MAX_PULL_LIMIT}"
        )));
    }
    let scope = auth.scope.clone();
    let mut changes = state.store.pull(&scope, after, limit + 1).await?;
    let has_more = changes.len() > limit as usize;
    changes.truncate(limit as usize);
    // What the role's phone is never sent (a board member's: ID numbers, incomes, amounts) is
    // blanked here, clocks kept, so the checksum below still matches.
    for change in &mut changes {
        sotay_domain::privacy::withhold(auth.role, change.entity, &mut change.state.fields);
    }
    if query.compact == Some(true) {
        for change in &mut changes {
            change.state.clocks = change.state.compact_clocks();
        }
    }
    let last_seq = changes.last().map_or(after, |c| c.seq);
    let remaining = if query.count == Some(true) {
        Some(if has_more {
            state.store.count_after(&scope, last_seq).await?
        } else {
            0
        })
    } else {
        None
    };
    let next_cursor = last_seq.to_string();
    let (checksum, policy) = if has_more {
        (None, None)
    } else {
        (
            Some(state.store.checksum(&scope).await?),
            state.store.latest_policy(query.policy.as_deref()).await?,
        )
    };
    Ok(Json(PullResponse {
        changes,
        next_cursor,
        has_more,
        server_clock: state.tick(),
        scope,
        checksum,
        policy,
        device_id: auth.device_id,
        after: query.after.unwrap_or_default(),
        remaining,
        epoch: Some(auth.epoch.clone()),
    }))
}

/// The body of `POST /api/v1/quote`: the fields of [`QuoteRequest`], but strict — an unknown
/// field (a typo such as `monthly_incom`) is refused instead of silently quoting without it.
/// [`QuoteBody::into_request`] names every field, so a field added to `QuoteRequest` fails to
/// compile here until this mirror takes it too.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteBody {
    /// The day of registration or payment (YYYY-MM-DD).
    pub date: chrono::NaiveDate,
    /// The 2-digit province code (2025 list), if a provincial top-up is to be considered.
    #[serde(default)]
    #[schema(pattern = "^[0-9]{2}$")]
    pub province_code: Option<String>,
    /// The participant's support groups (each at most once; the highest rate applies).
    #[serde(default)]
    #[schema(max_items = 5)]
    pub support_groups: Vec<SupportGroup>,
    /// The chosen monthly income, in đồng.
    #[schema(value_type = i64, minimum = 1)]
    pub monthly_income: Vnd,
    /// How the period is paid.
    pub mode: PaymentMode,
    /// Months of support already received.
    #[serde(default)]
    #[schema(maximum = 1200)]
    pub supported_months_used: u32,
}

impl QuoteBody {
    /// The domain request.
    pub fn into_request(self) -> QuoteRequest {
        let QuoteBody {
            date,
            province_code,
            support_groups,
            monthly_income,
            mode,
            supported_months_used,
        } = self;
        QuoteRequest {
            date,
            province_code,
            support_groups,
            monthly_income,
            mode,
            supported_months_used,
        }
    }
}

/// The contribution calculator: what a participant pays for one period after the state's and
/// the province's support. Public (no device token): the office's web pages and the app before
/// enrolment use it.
#[utoipa::path(post, path = "/api/v1/quote", request_body = QuoteBody,
    responses((status = 200, description = "Quote: monthly gross, support, net and amount due, deadline, sources", body = Quote),
              (status = 422, description = "Refused by the policy data (`income_below_floor`, `unknown_province`, a date before the first period…)", body = ErrorBody)))]
pub async fn quote<S: OfficeStore>(
    State(state): State<AppState<S>>,
    ApiJson(body): ApiJson<QuoteBody>,
) -> Result<Json<Quote>, ApiError> {
    let policy = state.policy().await;
    Ok(Json(sotay_domain::quote(&policy, &body.into_request())?))
}
