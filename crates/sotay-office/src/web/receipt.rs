//! Tra cứu biên lai: the public receipt check (no sign-in, rate-limited per address). A
//! participant types, or scans from the app's receipt screen, the receipt number and its check
//! code; the page says whether the office has received that payment and whether it was remitted.
//! A code that does not verify under the key of the device that recorded the payment (another
//! device's key, a changed character) gets the same answer as an unknown receipt, so the page
//! tells nothing about receipts the asker cannot prove they hold.

use axum::extract::{ConnectInfo, Query, State};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDate;
use maud::html;
use serde::Deserialize;
use std::net::SocketAddr;

use super::WebResult;
use super::format::{date, money};
use super::layout::{bare, field_error};
use crate::state::AppState;
use crate::storage::OfficeStore;
use crate::storage::dashboard::{DEFAULT_REMIT_DEADLINE_DAYS, REMIT_DEADLINE_KEY, ReceiptMatch};

/// Query of the receipt check.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReceiptQuery {
    so: Option<String>,
    ma: Option<String>,
}

/// What the check found.
#[derive(Debug, PartialEq)]
pub enum ReceiptAnswer {
    /// No payment with that number verifies with that code.
    NotFound,
    /// Received; not yet remitted.
    Received(ReceiptMatch),
    /// Received and remitted.
    Remitted(ReceiptMatch),
}

/// Checks `code` against every payment with `number`, under the key of the device that
/// recorded each.
pub fn answer(
    matches: Vec<ReceiptMatch>,
    code: &str,
) -> Result<ReceiptAnswer, sotay_receipt::ReceiptCodeError> {
    sotay_receipt::parse_code(code)?;
    for m in matches {
        let (Some(key), Some(day)) = (m.device_key.as_deref(), m.collected_on) else {
            continue;
        };
        let Ok(key) = URL_SAFE_NO_PAD.decode(key) else {
            continue;
        };
        let fields = sotay_receipt::ReceiptFields {
            receipt_number: &m.receipt_number,
            amount: m.amount,
            collected_on: day,
        };
        if sotay_receipt::verify(&key, &fields, code).unwrap_or(false) {
            return Ok(if m.remitted_on.is_some() {
                ReceiptAnswer::Remitted(m)
            } else {
                ReceiptAnswer::Received(m)
            });
        }
    }
    Ok(ReceiptAnswer::NotFound)
}

/// The last day a collector may hand in cash collected on `collected_on`, `deadline_days` later.
pub fn remit_due(collected_on: NaiveDate, deadline_days: i64) -> NaiveDate {
    collected_on + chrono::Days::new(u64::try_from(deadline_days).unwrap_or(0))
}

/// `GET /tra-cuu`.
pub async fn check<S: OfficeStore>(
    State(state): State<AppState<S>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(q): Query<ReceiptQuery>,
) -> WebResult<Response> {
    let number = q.so.as_deref().map(str::trim).unwrap_or("");
    let code = q.ma.as_deref().map(str::trim).unwrap_or("");
    let asked = !number.is_empty() || !code.is_empty();
    let mut number_error = None;
    let mut code_error = None;
    let mut result = None;
    if asked {
        let address = peer.ip().to_string();
        super::within_limit(&state.receipt_limiter, state.store.as_ref(), &address).await?;
        // Every check counts: the limit is on checks, not only on failures.
        state
            .receipt_limiter
            .fail(state.store.as_ref(), &address)
            .await?;
        if number.is_empty() || number.chars().count() > 40 {
            number_error = Some("Hãy nhập số biên lai in trên biên lai, ví dụ BL-00012.");
        }
        match sotay_receipt::parse_code(code) {
            Err(e) => code_error = Some(e.to_string()),
            Ok(_) if number_error.is_none() => {
                let matches = state.store.receipt_matches(number).await?;
                result = answer(matches, code).ok();
            }
            Ok(_) => {}
        }
    }
    let deadline = state
        .store
        .setting(REMIT_DEADLINE_KEY)
        .await?
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(DEFAULT_REMIT_DEADLINE_DAYS);
    let today = crate::clock::today_in_vietnam();
    let body = html! {
        div.card {
            p { "Nhập số biên lai và mã kiểm tra in trên biên lai (hoặc quét mã QR trên màn hình biên lai của người thu) để biết cơ quan BHXH đã nhận khoản tiền của bạn chưa." }
            form method="get" action="/tra-cuu" {
                p { label { "Số biên lai" input name="so" value=(number) maxlength="40" required; } (field_error(number_error)) }
                p { label { "Mã kiểm tra (8 ký tự)" input name="ma" value=(code) maxlength="20" placeholder="7K2M-9QXD" required; } (field_error(code_error.as_deref())) }
                button type="submit" { "Tra cứu" }
            }
        }
        @match &result {
            Some(ReceiptAnswer::Remitted(m)) => div id="ket-qua" class="card" data-ket-qua="da-nop" {
                p.ok { "Cơ quan đã nhận khoản tiền này." }
                p { "Biên lai số " (m.receipt_number) ": " (money(m.amount)) ", thu ngày " (m.collected_on.map(date).unwrap_or_default()) "." }
                p { "Người thu đã nộp tiền về cơ quan BHXH ngày " (m.remitted_on.map(date).unwrap_or_default()) "." }
            },
            Some(ReceiptAnswer::Received(m)) => div id="ket-qua" class="card" data-ket-qua="chua-nop" {
                p.ok { "Cơ quan đã nhận thông tin biên lai này." }
                p { "Biên lai số " (m.receipt_number) ": " (money(m.amount)) ", thu ngày " (m.collected_on.map(date).unwrap_or_default()) "." }
                @match m.collected_on.map(|day| remit_due(day, deadline)) {
                    Some(due) if due < today => p.error data-han-nop="qua-han" {
                        "Người thu chưa nộp khoản tiền này về cơ quan BHXH, dù đã quá hạn nộp (" (date(due)) "). Hãy báo cơ quan BHXH."
                    },
                    Some(due) => p data-han-nop="chua-den-han" {
                        "Người thu chưa nộp khoản tiền này về cơ quan BHXH. Hạn nộp: " (date(due)) " (chưa đến hạn)."
                    },
                    None => p { "Người thu chưa nộp khoản tiền này về cơ quan BHXH. Hạn nộp là " (deadline) " ngày sau khi thu." },
                }
            },
            Some(ReceiptAnswer::NotFound) => div id="ket-qua" class="card" data-ket-qua="chua-thay" {
                p.error { "Cơ quan chưa có biên lai với số và mã kiểm tra này." }
                p { "Hãy xem lại số và mã trên biên lai. Nếu bạn vừa nộp tiền, điện thoại của người thu có thể chưa đồng bộ: hãy tra lại sau 1–2 ngày. Nếu sau " (deadline) " ngày vẫn chưa có, hãy báo cơ quan BHXH." }
            },
            None => {}
        }
    };
    Ok(bare("Tra cứu biên lai", body).into_response())
}
