//! The dashboard's pages: overview, collectors, evaluation, sign-up review, quotas, areas,
//! devices, policy and the audit log. Each handler checks the viewer's communes for every id it
//! is given, asks the store, and renders with maud (which escapes every value).

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, Duration, NaiveDate, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use sotay_domain::{
    EnrollmentStatus, EntityKind, Policy, Quota, QuotaPeriod, QuotaScope, Role, SupportGroup,
    VillageKind,
};
use std::collections::HashMap;
use uuid::Uuid;

use super::format::{
    basis_points, capitalised, commune_name, date, in_sentence, instant, money, month, number,
    opt_date, permille, policy_edition, record_field,
};
use super::layout::{csrf_field, field_error, notice, page, pager};
use super::session::parse_id;
use super::sheet::Cell;
use super::table::{self, Column, Table};
use super::{Viewer, WebError, WebResult, charts};
use crate::admin::{self, OfficeWriter, UserListing};
use crate::clock::today_in_vietnam;
use crate::state::AppState;
use crate::storage::OfficeStore;
use crate::storage::dashboard::{
    CashHeld, DEFAULT_REMIT_DEADLINE_DAYS, EvaluationRow, OverviewRow, Period, QuotaRow,
    REMIT_DEADLINE_KEY, Visible,
};

/// Rows per page of a list.
pub const PER_PAGE: i64 = 25;

/// The period every page opens on: this half-year, the period of the collectors' quotas (so
/// the overview, the quotas and the evaluation show the same quotas until one is chosen).
pub fn default_period_key(today: NaiveDate) -> String {
    format!(
        "{}-H{}",
        today.year(),
        if today.month() <= 6 { 1 } else { 2 }
    )
}

/// The period named by `ky`: `2026`, `2026-H1`, `2026-H2` or `2026-11`; this year by default.
pub fn parse_period(ky: Option<&str>, today: NaiveDate) -> Result<(Period, String), String> {
    let ky = ky.map(str::trim).filter(|k| !k.is_empty());
    let Some(ky) = ky else {
        return parse_period(Some(&default_period_key(today)), today);
    };
    let bad = || {
        "Kỳ không hợp lệ: hãy chọn năm (2026), nửa năm (2026-H1, 2026-H2) hoặc tháng (2026-11)."
            .to_owned()
    };
    let ymd = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(bad);
    let (year, rest) = ky.split_once('-').map_or((ky, None), |(y, r)| (y, Some(r)));
    let year: i32 = year.parse().map_err(|_| bad())?;
    if !(2000..=2100).contains(&year) {
        return Err(bad());
    }
    Ok(match rest {
        None => (
            Period {
                from: ymd(year, 1)?,
                to: ymd(year + 1, 1)?,
            },
            format!("Năm {year}"),
        ),
        Some("H1") | Some("h1") => (
            Period {
                from: ymd(year, 1)?,
                to: ymd(year, 7)?,
            },
            format!("6 tháng đầu năm {year}"),
        ),
        Some("H2") | Some("h2") => (
            Period {
                from: ymd(year, 7)?,
                to: ymd(year + 1, 1)?,
            },
            format!("6 tháng cuối năm {year}"),
        ),
        Some(m) => {
            let m: u32 = m.parse().map_err(|_| bad())?;
            if !(1..=12).contains(&m) {
                return Err(bad());
            }
            let to = if m == 12 {
                ymd(year + 1, 1)?
            } else {
                ymd(year, m + 1)?
            };
            (
                Period {
                    from: ymd(year, m)?,
                    to,
                },
                format!("Tháng {m:02}/{year}"),
            )
        }
    })
}

/// The periods offered in the period menus.
fn period_choices(today: NaiveDate) -> Vec<(String, String)> {
    let y = today.year();
    let mut out = Vec::new();
    for year in [y, y - 1] {
        out.push((year.to_string(), format!("Năm {year}")));
        out.push((format!("{year}-H1"), format!("6 tháng đầu năm {year}")));
        out.push((format!("{year}-H2"), format!("6 tháng cuối năm {year}")));
    }
    out
}

fn period_select(current: &str, today: NaiveDate) -> Markup {
    let choices = period_choices(today);
    let known = choices.iter().any(|(k, _)| k == current);
    html! {
        label { "Kỳ"
            select name="ky" {
                @if !known && !current.is_empty() { option value=(current) selected { (current) } }
                @for (key, name) in &choices {
                    option value=(key) selected[key == current] { (name) }
                }
            }
        }
    }
}

/// The menu of the communes a page can be narrowed to (`xa`), "all" first.
fn commune_select(communes: &[(String, String)], current: Option<&str>) -> Markup {
    html! {
        label { "Xã/phường"
            select name="xa" {
                option value="" { "Tất cả xã được giao" }
                @for (code, name) in communes {
                    option value=(code) selected[Some(code.as_str()) == current] { (name) " (" (code) ")" }
                }
            }
        }
    }
}

/// `?xa=<commune>` for a link to a page or file of one commune; empty for all.
fn commune_query(commune: Option<&str>) -> String {
    commune
        .map(|c| {
            format!(
                "?xa={}",
                form_urlencoded::byte_serialize(c.as_bytes()).collect::<String>()
            )
        })
        .unwrap_or_default()
}

/// Links to the record exports (sign-ups, payments, visits) of the period `ky` (named `label`),
/// of one commune when one is shown.
fn export_links(commune: Option<&str>, ky: &str, label: &str) -> Markup {
    let ky = form_urlencoded::byte_serialize(ky.as_bytes()).collect::<String>();
    let query = match commune_query(commune).strip_prefix('?') {
        Some(xa) => format!("?ky={ky}&{xa}"),
        None => format!("?ky={ky}"),
    };
    html! {
        span.exports {
            "Tải Excel " (label.to_lowercase()) ": "
            a href={ "/xuat/dang-ky.xlsx" (query) } { "đăng ký" } " · "
            a href={ "/xuat/thu-tien.xlsx" (query) } { "thu tiền và nộp tiền" } " · "
            a href={ "/xuat/tham-ho.xlsx" (query) } { "lượt thăm hộ" }
        }
    }
}

/// `GET /`: the overview, which sends a visitor who is not signed in to the sign-in page.
pub async fn home<S: OfficeStore>() -> Response {
    Redirect::to("/tong-quan").into_response()
}

/// Query of the overview.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OverviewQuery {
    ky: Option<String>,
    xa: Option<String>,
}

/// A sign-up's status in Vietnamese (`sotay_domain::labels`, as the app names it).
fn status_vi(status: &str) -> &'static str {
    sotay_domain::labels::value_label_vi(EntityKind::Enrollment, "status", status)
        .unwrap_or("Không rõ")
}

/// A sign-up's status as the office reviews it: one the phone sent and the office has not
/// decided on is waiting for review, whatever the phone called it.
fn review_status_vi(status: &str) -> &'static str {
    match status {
        "submitted" | "received" => "Chờ duyệt",
        other => status_vi(other),
    }
}

/// The overview's table: one row per commune, or per village of the one commune shown, with
/// the period `ky`'s numbers (a commune's name leads to its villages).
pub fn overview_table(rows: &[OverviewRow], commune: Option<&str>, ky: &str) -> Table {
    let mut columns = vec![
        table::text(if commune.is_some() {
            "Thôn/tổ"
        } else {
            "Xã/phường"
        }),
        table::num("Hộ"),
        table::num("Tiềm năng"),
        table::num("Lượt thăm"),
        table::num("Tuyên truyền"),
        table::num("Người dự"),
        table::num("Đăng ký mới"),
        table::num("Tái tục"),
        table::num("Dừng đóng"),
        table::num("Tiền đã thu"),
        table::num("Người tham gia"),
        table::num("Chỉ tiêu"),
    ];
    if commune.is_none() {
        columns.extend([
            table::num("Lao động"),
            table::num("Bao phủ"),
            table::num("Mục tiêu bao phủ"),
            table::num("Cần thêm (người)"),
        ]);
    }
    let mut out = Table::new(columns);
    for r in rows {
        let mut cells = vec![
            Cell::Text(r.name.clone()),
            Cell::Number(r.households),
            Cell::Number(r.prospects),
            Cell::Number(r.visits),
            Cell::Number(r.events),
            Cell::Number(r.attendance),
            Cell::Number(r.signups),
            Cell::Number(r.renewals),
            Cell::Number(r.lapses),
            Cell::Money(r.collected),
            Cell::Number(r.participants),
            Cell::Number(r.quota_signups),
        ];
        if commune.is_none() {
            cells.push(r.labour_force.map_or(Cell::Empty, Cell::Number));
            cells.push(r.coverage_bp().map_or(Cell::Empty, Cell::BasisPoints));
            cells.push(r.target_permille.map_or(Cell::Empty, Cell::Permille));
            cells.push(r.short_of_target().map_or(Cell::Empty, Cell::Number));
        }
        let link = r.village_id.is_none().then(|| {
            format!(
                "/tong-quan?ky={}&xa={}",
                encode(ky),
                encode(&r.commune_code)
            )
        });
        out.push(cells, link);
    }
    out
}

/// A query value, URL-encoded.
fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// `GET /tong-quan`.
pub async fn overview<S: OfficeStore>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Query(q): Query<OverviewQuery>,
) -> WebResult {
    render_overview(&state, &viewer, q, None, None).await
}

/// A labour-force form that was refused: what was typed and the message of each wrong field.
type RefusedLabour<'a> = (&'a LabourForm, HashMap<&'static str, String>);

/// The overview; `refused` is a labour-force form shown again as it was typed beside its errors.
async fn render_overview<S: OfficeStore>(
    state: &AppState<S>,
    viewer: &Viewer,
    q: OverviewQuery,
    message: Option<(bool, String)>,
    refused: Option<RefusedLabour<'_>>,
) -> WebResult {
    let today = today_in_vietnam();
    let (period, label) = parse_period(q.ky.as_deref(), today).map_err(WebError::BadRequest)?;
    let ky =
        q.ky.clone()
            .filter(|k| !k.trim().is_empty())
            .unwrap_or_else(|| default_period_key(today));
    let commune = q.xa.as_deref().map(str::trim).filter(|c| !c.is_empty());
    let visible = viewer.narrowed_to(commune)?;
    let communes = state.store.known_communes(&viewer.visible).await?;
    let rows = state
        .store
        .overview(&visible, period, today, commune.is_some())
        .await?;
    let commune_rows = if commune.is_some() {
        state.store.overview(&visible, period, today, false).await?
    } else {
        rows.clone()
    };
    let months = state.store.signups_per_month(&visible, period).await?;
    let total = |f: fn(&OverviewRow) -> i64| -> i64 { commune_rows.iter().map(f).sum() };
    let participants = total(|r| r.participants);
    let labour: i64 = commune_rows.iter().filter_map(|r| r.labour_force).sum();
    let coverage = (labour > 0).then(|| participants * 10_000 / labour);
    // One target when the communes shown share it; several are each on their row below.
    let targets: Vec<i64> = commune_rows
        .iter()
        .filter_map(|r| r.target_permille)
        .collect();
    let target = targets
        .first()
        .copied()
        .filter(|first| targets.iter().all(|t| t == first));
    let short: Option<i64> = commune_rows
        .iter()
        .filter_map(OverviewRow::short_of_target)
        .reduce(|a, b| a + b);
    let body = html! {
        (notice(message.as_ref()))
        form.inline.card method="get" action="/tong-quan" {
            (period_select(&ky, today))
            (commune_select(&communes, commune))
            button type="submit" { "Xem" }
            (export_links(commune, &ky, &label))
        }
        p.muted { (label) ": từ " (date(period.from)) " đến " (date(period.to - Duration::days(1))) "." }
        div.cards {
            div.card { div.muted { "Độ bao phủ" } div.big { (coverage.map(basis_points).unwrap_or_else(|| "—".into())) }
                div.muted {
                    @if labour > 0 { (number(participants)) " người tham gia / " (number(labour)) " lao động" }
                    @else { (number(participants)) " người tham gia · chưa nhập số lao động (ở cuối trang)" }
                    @if let Some(t) = target { " · mục tiêu " (permille(t)) }
                    @else if !targets.is_empty() { " · mục tiêu theo từng xã (bảng dưới)" }
                    @if let Some(n) = short.filter(|n| *n > 0) { " · cần thêm " (number(n)) " người" } } }
            div.card { div.muted { "Đăng ký mới" } div.big { (number(total(|r| r.signups))) } }
            div.card { div.muted { "Tái tục" } div.big { (number(total(|r| r.renewals))) } }
            div.card { div.muted { "Dừng đóng" } div.big { (number(total(|r| r.lapses))) } }
            div.card { div.muted { "Tiền đã thu" } div.big { (money(total(|r| r.collected))) } }
            div.card { div.muted { "Lượt thăm hộ" } div.big { (number(total(|r| r.visits))) } }
            div.card { div.muted { "Buổi tuyên truyền" } div.big { (number(total(|r| r.events))) } }
            div.card { div.muted { "Người dự tuyên truyền" } div.big { (number(total(|r| r.attendance))) } }
            div.card { div.muted { "Hộ gia đình" } div.big { (number(total(|r| r.households))) } }
            div.card { div.muted { "Người tiềm năng" } div.big { (number(total(|r| r.prospects))) } }
        }
        div.cards {
            div.card {
                h2 { "Đăng ký mới theo tháng" }
                (charts::monthly_bars(&months, period))
            }
            div.card {
                h2 { "Tiến độ chỉ tiêu đăng ký theo xã" }
                (charts::progress_bars(&commune_rows.iter().map(|r| (r.name.clone(), r.signups, r.quota_signups)).collect::<Vec<_>>()))
            }
        }
        h2 { @if commune.is_some() { "Theo thôn/tổ dân phố" } @else { "Theo xã/phường" } }
        (overview_table(&rows, commune, &ky).html("Chưa có dữ liệu cho các xã được giao."))
        p { a href={ "/xuat/tong-quan.xlsx?ky=" (encode(&ky)) (commune.map(|c| format!("&xa={}", encode(c))).unwrap_or_default()) } { "Tải Excel bảng này" } }
        h2 { "Lao động trong độ tuổi (mẫu số độ bao phủ)" }
        @let (typed, errors) = match &refused {
            Some((form, errors)) => (Some(*form), Some(errors)),
            None => (None, None),
        };
        @let error = |field: &str| errors.and_then(|e| e.get(field)).map(String::as_str);
        form.inline.card method="post" action="/tong-quan/lao-dong" {
            (csrf_field(viewer))
            // The page comes back on the period and commune it was sent from.
            input type="hidden" name="ky" value=(ky);
            input type="hidden" name="xa" value=(commune.unwrap_or(""));
            label { "Xã/phường"
                select name="commune" required {
                    @for (code, name) in &communes {
                        @let chosen = typed.map_or(commune == Some(code.as_str()), |f| f.commune.trim() == code);
                        option value=(code) selected[chosen] { (name) " (" (code) ")" }
                    }
                }
            }
            label { "Số lao động trong độ tuổi"
                input name="labour_force" inputmode="numeric" required value=(typed.map_or("", |f| f.labour_force.as_str()));
                (field_error(error("labour_force")))
            }
            label { "Mục tiêu bao phủ (%)"
                input name="target_percent" inputmode="decimal" required value=(typed.map_or("3", |f| f.target_percent.as_str()));
                (field_error(error("target_percent")))
            }
            button type="submit" { "Lưu" }
        }
    };
    Ok(page(viewer, "/tong-quan", "Tổng quan", body).into_response())
}

/// The labour-force form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LabourForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    commune: String,
    labour_force: String,
    target_percent: String,
    /// The overview's period and commune filter the form was sent from.
    ky: Option<String>,
    xa: Option<String>,
}

/// Reads a whole number typed with or without thousands dots.
pub fn parse_count(text: &str) -> Option<i64> {
    let digits: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, '.' | ' ' | ','))
        .collect();
    if digits.is_empty() || digits.len() > 12 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Reads a percentage like `3`, `3,5` or `10.0` into per mille.
pub fn parse_percent(text: &str) -> Option<i64> {
    let text = text.trim().trim_end_matches('%').replace(',', ".");
    let value: f64 = text.parse().ok()?;
    (0.0..=100.0)
        .contains(&value)
        .then(|| (value * 10.0).round() as i64)
}

/// `POST /tong-quan/lao-dong`.
pub async fn set_labour_force<S: OfficeStore>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Form(form): Form<LabourForm>,
) -> WebResult {
    viewer.check_csrf(&form.csrf)?;
    viewer.require_commune(form.commune.trim())?;
    // Back to the period and commune the form was sent from (when they still make sense).
    let today = today_in_vietnam();
    let back_to = OverviewQuery {
        ky: form
            .ky
            .clone()
            .filter(|k| parse_period(Some(k), today).is_ok()),
        xa: form
            .xa
            .clone()
            .filter(|c| !c.trim().is_empty() && viewer.require_commune(c.trim()).is_ok()),
    };
    let labour = parse_count(&form.labour_force).filter(|n| *n > 0);
    let target = parse_percent(&form.target_percent);
    let mut errors: HashMap<&'static str, String> = HashMap::new();
    if labour.is_none() {
        errors.insert(
            "labour_force",
            "Số lao động trong độ tuổi phải là số nguyên dương, ví dụ 12.500.".into(),
        );
    }
    if target.is_none() {
        errors.insert(
            "target_percent",
            "Mục tiêu bao phủ là phần trăm từ 0 đến 100, ví dụ 3 hoặc 10.".into(),
        );
    }
    let (Some(labour), Some(target)) = (labour, target) else {
        return bad(render_overview(&state, &viewer, back_to, None, Some((&form, errors))).await);
    };
    state
        .store
        .set_commune_target(form.commune.trim(), labour, target, Utc::now())
        .await?;
    state
        .store
        .audit(&viewer.audit(
            "labour_force",
            Some(form.commune.trim()),
            format!(
                "Lao động trong độ tuổi {}, mục tiêu {}",
                number(labour),
                permille(target)
            ),
        ))
        .await?;
    let message = (true, "Đã lưu số lao động và mục tiêu bao phủ.".to_owned());
    render_overview(&state, &viewer, back_to, Some(message), None).await
}

/// The field users the viewer may see (assigned in one of the viewer's communes), with the
/// communes of their area.
async fn visible_field_users<S: OfficeStore>(
    state: &AppState<S>,
    viewer: &Viewer,
) -> WebResult<Vec<(UserListing, Vec<String>)>> {
    let villages = state.store.villages(&Visible::All).await?;
    let village_commune: HashMap<Uuid, String> = villages
        .into_iter()
        .map(|v| (v.id, v.commune_code))
        .collect();
    let mut out = Vec::new();
    for listing in admin::list_users(state.store.as_ref()).await? {
        let mut communes: Vec<String> = listing.scope.communes.clone();
        for v in &listing.scope.villages {
            if let Some(c) = village_commune.get(v)
                && !communes.contains(c)
            {
                communes.push(c.clone());
            }
        }
        let visible = match &viewer.visible {
            Visible::All => true,
            v => communes.iter().any(|c| v.allows(c)),
        };
        if listing.user.role.is_field_role() && visible {
            out.push((listing, communes));
        }
    }
    Ok(out)
}

/// Query of the collectors page.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CollectorsQuery {
    ky: Option<String>,
    /// One commune's people only.
    xa: Option<String>,
    /// A name to look for (case and diacritics ignored).
    ten: Option<String>,
    /// `1`: only those whose devices have not synced for [`STALE_SYNC_DAYS`] days.
    cham: Option<String>,
    trang: Option<i64>,
}

impl CollectorsQuery {
    /// The commune chosen, when any.
    fn commune(&self) -> Option<&str> {
        self.xa.as_deref().map(str::trim).filter(|c| !c.is_empty())
    }

    /// The name looked for (empty: anyone).
    fn name(&self) -> &str {
        self.ten.as_deref().map(str::trim).unwrap_or("")
    }

    /// Whether only those not synced for a week are asked for.
    fn stale_only(&self) -> bool {
        self.cham.as_deref() == Some("1")
    }
}

/// Days of conflicts the collectors page counts (a number that only grows says nothing).
pub const CONFLICT_DAYS: i64 = 30;

/// Days without a sync after which the collectors page flags a person.
pub const STALE_SYNC_DAYS: i64 = 7;

/// `GET /nguoi-thu`: the field people of the visible communes with their devices, last sync
/// and results; narrowed by commune, name and "not synced for a week", a page at a time.
pub async fn collectors<S: OfficeStore>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Query(q): Query<CollectorsQuery>,
) -> WebResult {
    render_collectors(&state, &viewer, q, None).await
}

/// The transfer form: whose records go to whom.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TransferForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    tu: String,
    den: String,
}

/// The organisation form: whose, and which.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OrganisationForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    nguoi: String,
    to_chuc: String,
}

/// `POST /nguoi-thu/to-chuc`: sets the collection organisation a collector (of the viewer's
/// communes) works for; logged.
pub async fn set_organisation<S: OfficeStore>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Form(form): Form<OrganisationForm>,
) -> WebResult {
    viewer.check_csrf(&form.csrf)?;
    let users = visible_field_users(&state, &viewer).await?;
    let Some(user) = Uuid::parse_str(form.nguoi.trim()).ok().and_then(|id| {
        users
            .iter()
            .map(|(l, _)| &l.user)
            .find(|u| u.id == id && u.role.may_write(EntityKind::Enrollment))
    }) else {
        return collectors_answer(
            &state,
            &viewer,
            "organisation",
            Err(refused("Hãy chọn người thu.")),
        )
        .await;
    };
    let done = admin::set_organisation(state.store.as_ref(), user.id, &form.to_chuc)
        .await
        .map(|organisation| match organisation {
            Some(org) => format!("{} thu cho {org}.", user.full_name),
            None => format!("Đã xoá tổ chức của {}.", user.full_name),
        });
    collectors_answer(&state, &viewer, "organisation", done).await
}

/// A refusal of a collectors-page form, said on the page.
fn refused(message: &str) -> crate::OfficeError {
    crate::OfficeError::Invalid(message.to_owned())
}

/// The collectors page after one of its forms: what was done (logged as `action`), or why it
/// was refused (a 400 with the reason on the page).
async fn collectors_answer<S: OfficeStore>(
    state: &AppState<S>,
    viewer: &Viewer,
    action: &str,
    done: crate::error::Result<String>,
) -> WebResult {
    match done {
        Ok(text) => {
            state
                .store
                .audit(&viewer.audit(action, None, text.clone()))
                .await?;
            render_collectors(
                state,
                viewer,
                CollectorsQuery::default(),
                Some((true, text)),
            )
            .await
        }
        Err(crate::OfficeError::Invalid(message)) => bad(render_collectors(
            state,
            viewer,
            CollectorsQuery::default(),
            Some((false, message)),
        )
        .await),
        Err(other) => Err(other.into()),
    }
}

/// `POST /nguoi-thu/chuyen`: a collector's sign-ups and open follow-ups (in the viewer's
/// communes) go to another collector; the page says what moved and what stayed.
pub async fn transfer<S: OfficeStore>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Form(form): Form<TransferForm>,
) -> WebResult {
    viewer.check_csrf(&form.csrf)?;
    let users = visible_field_users(&state, &viewer).await?;
    let name_of = |id: &str| {
        let id = Uuid::parse_str(id.trim()).ok()?;
        users
            .iter()
            .find(|(l, _)| l.user.id == id)
            .map(|(l, _)| (id, l.user.full_name.clone()))
    };
    let (Some((from, from_name)), Some((to, to_name))) = (name_of(&form.tu), name_of(&form.den))
    else {
        let why = refused("Hãy chọn người đang giữ hồ sơ và người nhận.");
        return collectors_answer(&state, &viewer, "transfer", Err(why)).await;
    };
    let done = admin::transfer_participants(state.store.as_ref(), &viewer.visible, from, to)
        .await
        .map(|moved| {
            let mut text = format!(
                "Đã chuyển {} hồ sơ đăng ký và {} việc cần làm của {from_name} sang {to_name}; điện thoại của hai người nhận thay đổi ở lần đồng bộ tới.",
                number(moved.signups as i64),
                number(moved.follow_ups as i64)
            );
            if moved.outside_area > 0 {
                text.push_str(&format!(
                    " {} hồ sơ ngoài địa bàn của {to_name} vẫn do {from_name} giữ.",
                    number(moved.outside_area as i64)
                ));
            }
            text
        });
    collectors_answer(&state, &viewer, "transfer", done).await
}

/// The last sync of any of a user's devices.
fn last_sync(listing: &UserListing) -> Option<chrono::DateTime<Utc>> {
    listing.devices.iter().filter_map(|d| d.last_seen_at).max()
}

/// Whether a user's devices have not synced since `before` (or never).
fn is_stale(listing: &UserListing, before: chrono::DateTime<Utc>) -> bool {
    last_sync(listing).is_none_or(|t| t < before)
}

/// The collectors page's people, as its filters (`q`) choose them, with the table of their
/// results in the period; what the page and its file show.
pub(crate) struct CollectorsReport {
    /// The period's key and its name.
    ky: String,
    label: String,
    /// Those the filters keep, by name.
    users: Vec<(UserListing, Vec<String>)>,
    /// How many of those before the "not synced" filter have not synced for a week.
    stale_count: i64,
    /// Results by user.
    results: HashMap<Uuid, EvaluationRow>,
    /// Conflicts each device lost to another in the last [`CONFLICT_DAYS`] days.
    conflicts: HashMap<Uuid, i64>,
    /// Cash each holds today, whatever the period: money not handed in does not leave the page
    /// when a new half-year starts.
    held: HashMap<Uuid, CashHeld>,
    /// Days a collector has to remit cash, and today.
    deadline: i64,
    today: NaiveDate,
}

pub(crate) async fn collectors_report<S: OfficeStore>(
    state: &AppState<S>,
    viewer: &Viewer,
    q: &CollectorsQuery,
) -> WebResult<CollectorsReport> {
    let today = today_in_vietnam();
    let ky =
        q.ky.clone()
            .filter(|k| !k.trim().is_empty())
            .unwrap_or_else(|| default_period_key(today));
    let (period, label) = parse_period(Some(&ky), today).map_err(WebError::BadRequest)?;
    let commune = q.commune();
    if let Some(code) = commune {
        viewer.require_commune(code)?;
    }
    let wanted = sotay_domain::fold::fold(q.name());
    let stale_before = Utc::now() - Duration::days(STALE_SYNC_DAYS);
    let mut users = visible_field_users(state, viewer).await?;
    users.retain(|(listing, communes)| {
        commune.is_none_or(|c| communes.iter().any(|x| x == c))
            && (wanted.is_empty()
                || sotay_domain::fold::fold(&listing.user.full_name).contains(&wanted))
    });
    users.sort_by(|a, b| a.0.user.full_name.cmp(&b.0.user.full_name));
    let stale_count = users
        .iter()
        .filter(|(l, _)| is_stale(l, stale_before))
        .count() as i64;
    if q.stale_only() {
        users.retain(|(l, _)| is_stale(l, stale_before));
    }
    let deadline = remit_deadline(state).await?;
    let results = state
        .store
        .evaluation(&viewer.visible, period, today, deadline)
        .await?
        .into_iter()
        .map(|r| (r.collector_id, r))
        .collect();
    // Cash is handed in within days: a year back holds all of it, and keeps the query to the
    // payments of a year.
    let held = state
        .store
        .cash_held(&viewer.visible, today - Duration::days(366))
        .await?;
    Ok(CollectorsReport {
        ky,
        label,
        users,
        stale_count,
        results,
        conflicts: state
            .store
            .conflicts_by_device(Utc::now() - Duration::days(CONFLICT_DAYS))
            .await?,
        held,
        deadline,
        today,
    })
}

impl CollectorsReport {
    /// Everyone the filters keep.
    pub(crate) fn users(&self) -> impl Iterator<Item = &(UserListing, Vec<String>)> {
        self.users.iter()
    }

    /// The name of the period the results are of.
    pub(crate) fn period_label(&self) -> &str {
        &self.label
    }

    /// The table of `users` (all of them, or a page).
    pub(crate) fn table<'a>(
        &self,
        users: impl Iterator<Item = &'a (UserListing, Vec<String>)>,
    ) -> Table {
        let stale_before = Utc::now() - Duration::days(STALE_SYNC_DAYS);
        let mut out = Table::new(vec![
            table::text("Họ và tên"),
            table::text("Vai trò"),
            table::text("Tổ chức"),
            table::text("Địa bàn"),
            table::num("Thiết bị"),
            table::text("Đồng bộ lần cuối"),
            table::num("Xung đột (30 ngày)"),
            table::num("Đăng ký mới"),
            table::num("Tiền đã thu"),
            table::num("Tiền mặt đang giữ"),
            table::text("Giữ từ ngày"),
        ]);
        for (listing, communes) in users {
            let result = self.results.get(&listing.user.id);
            let held = self.held.get(&listing.user.id);
            let synced = last_sync(listing).map_or_else(|| "Chưa đồng bộ".into(), instant);
            let waiting: i64 = listing
                .devices
                .iter()
                .map(|d| self.conflicts.get(&d.id).copied().unwrap_or(0))
                .sum();
            out.push(
                vec![
                    Cell::Text(listing.user.full_name.clone()),
                    Cell::Text(listing.user.role.label_vi().to_owned()),
                    listing
                        .user
                        .organisation
                        .clone()
                        .map_or(Cell::Empty, Cell::Text),
                    Cell::Text(
                        communes
                            .iter()
                            .map(|c| commune_name(c))
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                    Cell::Number(
                        listing
                            .devices
                            .iter()
                            .filter(|d| d.revoked_at.is_none())
                            .count() as i64,
                    ),
                    if is_stale(listing, stale_before) {
                        Cell::Flagged(synced, format!("Quá {STALE_SYNC_DAYS} ngày"))
                    } else {
                        Cell::Text(synced)
                    },
                    Cell::Number(waiting),
                    Cell::Number(result.map_or(0, |r| r.signups)),
                    Cell::Money(result.map_or(0, |r| r.cash_collected)),
                    Cell::Money(held.map_or(0, |h| h.total)),
                    match held.and_then(|h| h.oldest) {
                        None => Cell::Empty,
                        Some(day) if (self.today - day).num_days() > self.deadline => {
                            Cell::Flagged(date(day), "Quá hạn nộp".into())
                        }
                        Some(day) => Cell::Date(day),
                    },
                ],
                None,
            );
        }
        out
    }
}

async fn render_collectors<S: OfficeStore>(
    state: &AppState<S>,
    viewer: &Viewer,
    q: CollectorsQuery,
    message: Option<(bool, String)>,
) -> WebResult {
    let today = today_in_vietnam();
    let report = collectors_report(state, viewer, &q).await?;
    let (ky, label, users, stale_count) =
        (&report.ky, &report.label, &report.users, report.stale_count);
    let commune = q.commune();
    let name = q.name();
    let stale_only = q.stale_only();
    let total = users.len() as i64;
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let page_no = q.trang.unwrap_or(1).clamp(1, pages);
    let shown = users
        .iter()
        .skip(((page_no - 1) * PER_PAGE) as usize)
        .take(PER_PAGE as usize);
    let communes = state.store.known_communes(&viewer.visible).await?;
    let filters = |stale: bool| {
        let mut out = format!("/nguoi-thu?ky={}&", encode(ky));
        if let Some(code) = commune {
            out.push_str(&format!("xa={}&", encode(code)));
        }
        if !name.is_empty() {
            out.push_str(&format!("ten={}&", encode(name)));
        }
        if stale {
            out.push_str("cham=1&");
        }
        out
    };
    let mut collectors: Vec<(Uuid, &str)> = users
        .iter()
        .filter(|(l, _)| l.user.role.may_write(EntityKind::Enrollment))
        .map(|(l, _)| (l.user.id, l.user.full_name.as_str()))
        .collect();
    collectors.sort_by(|a, b| a.1.cmp(b.1));
    let body = html! {
        (notice(message.as_ref()))
        form.inline.card method="get" action="/nguoi-thu" {
            (period_select(ky, today))
            (commune_select(&communes, commune))
            label { "Tên" input type="search" name="ten" value=(name) maxlength="100"; }
            label.check { input type="checkbox" name="cham" value="1" checked[stale_only];
                "Chưa đồng bộ " (STALE_SYNC_DAYS) " ngày" }
            button type="submit" { "Xem" }
        }
        p.muted {
            "Kết quả tính cho " (in_sentence(label)) ". "
            @if stale_count > 0 {
                a href={ (filters(true)) } { (number(stale_count)) " người chưa đồng bộ " (STALE_SYNC_DAYS) " ngày trở lên" }
                "."
            } @else {
                "Mọi người đều đã đồng bộ trong " (STALE_SYNC_DAYS) " ngày qua."
            }
        }
        (report.table(shown).html(
            if stale_only || commune.is_some() || !name.is_empty() { "Không có ai khớp với bộ lọc." }
            else { "Chưa có người thu hoặc thành viên Ban vận động trong các xã được giao." }))
        p { a href={ "/xuat/nguoi-thu.xlsx" (filters(stale_only).trim_start_matches("/nguoi-thu")) } { "Tải Excel bảng này" } }
        (pager(&filters(stale_only), page_no, PER_PAGE, total))
        h2 { "Chuyển hồ sơ sang người thu khác" }
        form.inline.card method="post" action="/nguoi-thu/chuyen" {
            (csrf_field(viewer))
            label { "Người đang giữ"
                select name="tu" required {
                    option value="" { "— Chọn —" }
                    @for (id, name) in &collectors { option value=(id) { (name) } }
                }
            }
            label { "Người nhận"
                select name="den" required {
                    option value="" { "— Chọn —" }
                    @for (id, name) in &collectors { option value=(id) { (name) } }
                }
            }
            button type="submit" { "Chuyển hồ sơ" }
            p.muted { "Các tờ khai (trừ tờ khai bị từ chối) và việc cần làm chưa xong trong các xã bạn quản lý; hồ sơ ngoài địa bàn của người nhận giữ nguyên." }
        }
        h2 { "Tổ chức dịch vụ thu" }
        form.inline.card method="post" action="/nguoi-thu/to-chuc" {
            (csrf_field(viewer))
            label { "Người thu"
                select name="nguoi" required {
                    option value="" { "— Chọn —" }
                    @for (id, name) in &collectors { option value=(id) { (name) } }
                }
            }
            label { "Tổ chức (để trống để xoá)"
                input name="to_chuc" maxlength="200" placeholder="Ví dụ: Bưu điện văn hoá xã Sóc Sơn";
            }
            button type="submit" { "Lưu tổ chức" }
            p.muted { "Trang Đánh giá cộng kết quả của người thu theo tổ chức họ thu cho." }
        }
    };
    Ok(page(viewer, "/nguoi-thu", "Người thu và Ban vận động", body).into_response())
}

async fn remit_deadline<S: OfficeStore>(state: &AppState<S>) -> WebResult<i64> {
    Ok(state
        .store
        .setting(REMIT_DEADLINE_KEY)
        .await?
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_REMIT_DEADLINE_DAYS))
}

/// Query with a period.
#[derive(Deserialize, Default)]
pub struct PeriodQuery {
    #[serde(default)]
    pub(crate) ky: Option<String>,
}

/// Evaluation rows with names and organisations, and the per-organisation totals.
pub async fn evaluation_report<S: OfficeStore>(
    state: &AppState<S>,
    visible: &Visible,
    period: Period,
) -> WebResult<(
    Vec<(String, String, EvaluationRow)>,
    Vec<(String, EvaluationRow)>,
)> {
    let today = today_in_vietnam();
    let deadline = remit_deadline(state).await?;
    let rows = state
        .store
        .evaluation(visible, period, today, deadline)
        .await?;
    let users: HashMap<Uuid, sotay_domain::User> = state
        .store
        .list_users()
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut named: Vec<(String, String, EvaluationRow)> = rows
        .into_iter()
        .map(|r| {
            let (name, org) = users
                .get(&r.collector_id)
                .map(|u| {
                    (
                        u.full_name.clone(),
                        u.organisation
                            .clone()
                            .unwrap_or_else(|| u.role.label_vi().to_owned()),
                    )
                })
                .unwrap_or_else(|| (r.collector_id.to_string(), "Không rõ".to_owned()));
            (name, org, r)
        })
        .collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    let mut org_names: Vec<&String> = named.iter().map(|(_, org, _)| org).collect();
    org_names.sort();
    org_names.dedup();
    let orgs = org_names
        .into_iter()
        .map(|org| {
            let rows = named.iter().filter(|(_, o, _)| o == org).map(|(_, _, r)| r);
            (org.clone(), EvaluationRow::total(rows))
        })
        .collect();
    Ok((named, orgs))
}

/// The evaluation report's columns after the two that name a row.
pub(crate) const EVALUATION_COLUMNS: [&str; 12] = [
    "Lượt thăm",
    "Đăng ký mới",
    "Tái tục",
    "Người tham gia",
    "Dừng đóng",
    "Tỷ lệ dừng đóng",
    "Chỉ tiêu",
    "Đạt chỉ tiêu",
    "Tiền mặt đã thu",
    "Đã nộp",
    "Khoản nộp trễ",
    "Trễ nhiều nhất (ngày)",
];

/// The evaluation report's two tables, as the page shows them and the file holds them: one row
/// per collector (with the organisation they collect for), and one per organisation with a
/// grand total. Rates are percentage cells.
pub fn evaluation_tables(
    people: &[(String, String, EvaluationRow)],
    orgs: &[(String, EvaluationRow)],
) -> (Table, Table) {
    let cells = |first: String, second: Cell, r: &EvaluationRow| {
        vec![
            Cell::Text(first),
            second,
            Cell::Number(r.visits),
            Cell::Number(r.signups),
            Cell::Number(r.renewals),
            Cell::Number(r.participants),
            Cell::Number(r.lapses),
            Cell::Permille(r.lapse_permille()),
            Cell::Number(r.quota_signups),
            r.quota_permille().map_or(Cell::Empty, Cell::Permille),
            Cell::Money(r.cash_collected),
            Cell::Money(r.cash_remitted),
            Cell::Number(r.late_payments),
            Cell::Number(r.max_days_late),
        ]
    };
    let columns = |first: &'static str, second: Column| {
        let mut columns = vec![table::text(first), second];
        columns.extend(EVALUATION_COLUMNS.map(table::num));
        columns
    };
    let mut by_person = Table::new(columns("Người thu", table::text("Tổ chức")));
    for (person, org, r) in people {
        by_person.push(cells(person.clone(), Cell::Text(org.clone()), r), None);
    }
    let mut by_org = Table::new(columns("Tổ chức", table::num("Số người thu")));
    let count = |org: &str| people.iter().filter(|(_, o, _)| o == org).count() as i64;
    for (org, r) in orgs {
        by_org.push(cells(org.clone(), Cell::Number(count(org)), r), None);
    }
    if !orgs.is_empty() {
        let total = EvaluationRow::total(orgs.iter().map(|(_, r)| r));
        by_org.push(
            cells(
                "Tổng cộng".to_owned(),
                Cell::Number(people.len() as i64),
                &total,
            ),
            None,
        );
    }
    (by_person, by_org)
}

/// Every user's full name by id (exports and pages name who collected or visited).
pub(crate) async fn user_names(
    store: &impl OfficeStore,
) -> Result<HashMap<Uuid, String>, WebError> {
    Ok(store
        .list_users()
        .await?
        .into_iter()
        .map(|u| (u.id, u.full_name))
        .collect())
}

/// Query of the evaluation page: its period and, when one is chosen, one commune.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EvaluationQuery {
    ky: Option<String>,
    xa: Option<String>,
}

/// `GET /danh-gia`.
pub async fn evaluation<S: OfficeStore>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Query(q): Query<EvaluationQuery>,
) -> WebResult {
    let today = today_in_vietnam();
    let ky =
        q.ky.clone()
            .filter(|k| !k.trim().is_empty())
            .unwrap_or_else(|| default_period_key(today));
    let (period, label) = parse_period(Some(&ky), today).map_err(WebError::BadRequest)?;
    let commune = q.xa.as_deref().map(str::trim).filter(|c| !c.is_empty());
    let visible = viewer.narrowed_to(commune)?;
    let communes = state.store.known_communes(&viewer.visible).await?;
    let (people, orgs) = evaluation_report(&state, &visible, period).await?;
    // The files hold what the page shows: its period and commune.
    let files = format!(
        "?ky={}{}",
        encode(&ky),
        commune
            .map(|c| format!("&xa={}", encode(c)))
            .unwrap_or_default()
    );
    let deadline = remit_deadline(&state).await?;
    let (by_person, by_org) = evaluation_tables(&people, &orgs);
    let body = html! {
        form.inline.card method="get" action="/danh-gia" {
            (period_select(&ky, today))
            (commune_select(&communes, commune))
            button type="submit" { "Xem" }
            a.button href={ "/xuat/danh-gia.xlsx" (files) } { "Tải Excel" }
            a.button href={ "/xuat/danh-gia.csv" (files) } { "Tải CSV" }
        }
        p.muted { "Đánh giá " (label) ". Hạn nộp tiền: " (deadline) " ngày sau khi thu." }
        h2 { "Theo người thu" }
        (by_person.html("Chưa có kết quả trong kỳ này."))
        h2 { "Theo tổ chức dịch vụ thu" }
        (by_org.html("Chưa có kết quả trong kỳ này."))
    };
    Ok(page(&viewer, "/danh-gia", "Đánh giá", body).into_response())
}

/// What a supervisor checks on a sign-up beyond the queue's columns: a phone to call, and the
/// support claimed beside the household's place on the poverty lists.
#[derive(Default)]
struct ReviewDetail {
    phone: Option<String>,
    groups: Vec<SupportGroup>,
    /// The household's poverty status and list year, as the household record says.
    poverty: Option<(String, Option<i64>)>,
}

impl ReviewDetail {
    /// Poor or near-poor support claimed for a household the records do not list so.
    fn support_unlisted(&self) -> bool {
        let listed = self.poverty.as_ref().map(|(status, _)| status.as_str());
        (self.groups.contains(&SupportGroup::Poor) && listed != Some("poor"))
            || (self.groups.contains(&SupportGroup::NearPoor) && listed != Some("near_poor"))
    }
}

/// The sign-up's person's phone, its support groups and its household's poverty status, read
/// from the merged records (a page of the queue is at most [`PER_PAGE`] sign-ups).
async fn review_detail<S: OfficeStore>(
    state: &AppState<S>,
    enrollment_id: Uuid,
) -> WebResult<ReviewDetail> {
    let Some(enrollment) = state.store.record(enrollment_id).await? else {
        return Ok(ReviewDetail::default());
    };
    let fields = &enrollment.state.fields;
    let id_of = |name: &str| {
        fields
            .get(name)
            .and_then(|v| v.as_str())
            .and_then(|t| t.parse::<Uuid>().ok())
    };
    let groups = fields
        .get("support_groups")
        .and_then(|v| serde_json::from_value::<Vec<SupportGroup>>(v.clone()).ok())
        .unwrap_or_default();
    let phone = match id_of("person_id") {
        Some(id) => state.store.record(id).await?.and_then(|p| {
            p.state
                .fields
                .get("phone")
                .and_then(|v| v.as_str())
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        }),
        None => None,
    };
    let poverty = match id_of("household_id") {
        Some(id) => state.store.record(id).await?.and_then(|h| {
            let status = h.state.fields.get("poverty_status")?.as_str()?.to_owned();
            Some((
                status,
                h.state.fields.get("poverty_year").and_then(|v| v.as_i64()),
            ))
        }),
        None => None,
    };
    Ok(ReviewDetail {
        phone,
        groups,
        poverty,
    })
}

/// Query of the review queue.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReviewQuery {
    trang: Option<i64>,
    loc: Option<String>,
    /// One commune's sign-ups only.
    xa: Option<String>,
    /// One collector's sign-ups only (their user id).
    nguoi: Option<String>,
    /// The decision just made (`duyet`, `tu-choi`, `bo-sung`), said at the top: a decision
    /// redirects here, so reloading the page does not send it again.
    da: Option<String>,
}

impl ReviewQuery {
    /// The commune chosen, when any (it must be visible to the viewer).
    fn commune(&self) -> Option<&str> {
        self.xa.as_deref().map(str::trim).filter(|c| !c.is_empty())
    }

    /// The collector chosen, when any (an id that does not parse chooses nobody).
    fn collector(&self) -> Option<Uuid> {
        self.nguoi
            .as_deref()
            .and_then(|n| Uuid::parse_str(n.trim()).ok())
    }

    /// The query string of the filters (without the page), ending in `&` for the pager.
    fn filters(&self, loc: &str) -> String {
        let mut out = format!("loc={loc}&");
        if let Some(code) = self.commune() {
            out.push_str(&format!(
                "xa={}&",
                form_urlencoded::byte_serialize(code.as_bytes()).collect::<String>()
            ));
        }
        if let Some(id) = self.collector() {
            out.push_str(&format!("nguoi={id}&"));
        }
        out
    }
}

/// The review queue's filters (`loc`), with their Vietnamese names.
pub(crate) const REVIEW_FILTERS: [(&str, &str); 4] = [
    ("cho-duyet", "Chờ duyệt"),
    ("can-bo-sung", "Cần bổ sung"),
    ("tu-choi", "Bị từ chối"),
    ("da-duyet", "Đã duyệt"),
];

/// The sign-up statuses a review filter (`loc`) shows.
pub(crate) fn review_statuses(filter: &str) -> &'static [&'static str] {
    match filter {
        "can-bo-sung" => &["needs_correction"],
        "tu-choi" => &["rejected"],
        "da-duyet" => &["approved"],
        _ => &["submitted", "received"],
    }
}

/// `GET /duyet`.
pub async fn review<S: OfficeStore>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Query(q): Query<ReviewQuery>,
) -> WebResult {
    let decided = match q.da.as_deref() {
        Some("duyet") => Some("approved"),
        Some("tu-choi") => Some("rejected"),
        Some("bo-sung") => Some("needs_correction"),
        _ => None,
    };
    let message = decided.map(|status| {
        (
            true,
            format!(
                "Đã ghi quyết định: {}. Người thu nhận được ở lần đồng bộ tới.",
                status_vi(status)
            ),
        )
    });
    render_review(&state, &viewer, q, message, None).await
}

async fn render_review<S: OfficeStore>(
    state: &AppState<S>,
    viewer: &Viewer,
    q: ReviewQuery,
    message: Option<(bool, String)>,
    row_error: Option<(Uuid, String)>,
) -> WebResult {
    let filter = q
        .loc
        .as_deref()
        .filter(|loc| ["can-bo-sung", "tu-choi", "da-duyet"].contains(loc))
        .unwrap_or("cho-duyet");
    let mut page_no = q.trang.unwrap_or(1).max(1);
    let commune = q.commune();
    let collector = q.collector();
    let visible = viewer.narrowed_to(commune)?;
    let queue = |page_no: i64| {
        state.store.review_queue(
            &visible,
            review_statuses(filter),
            collector,
            (page_no - 1) * PER_PAGE,
            PER_PAGE,
        )
    };
    let (mut items, total) = queue(page_no).await?;
    // A decision took the last row of the last page away: show the page that is now last.
    if items.is_empty() && page_no > 1 && total > 0 {
        page_no = (total + PER_PAGE - 1) / PER_PAGE;
        items = queue(page_no).await?.0;
    }
    let names = user_names(state.store.as_ref()).await?;
    let mut details: HashMap<Uuid, ReviewDetail> = HashMap::new();
    for item in &items {
        details.insert(
            item.enrollment_id,
            review_detail(state, item.enrollment_id).await?,
        );
    }
    let waiting = filter == "cho-duyet";
    let communes = state.store.known_communes(&viewer.visible).await?;
    let mut collectors: Vec<(Uuid, String)> = visible_field_users(state, viewer)
        .await?
        .into_iter()
        .filter(|(_, communes)| commune.is_none_or(|c| communes.iter().any(|x| x == c)))
        .map(|(listing, _)| (listing.user.id, listing.user.full_name))
        .collect();
    collectors.sort_by(|a, b| a.1.cmp(&b.1));
    let body = html! {
        (notice(message.as_ref()))
        form.inline.card method="get" action="/duyet" {
            label { "Trạng thái"
                select name="loc" {
                    @for (key, name) in REVIEW_FILTERS { option value=(key) selected[key == filter] { (name) } }
                }
            }
            (commune_select(&communes, commune))
            label { "Người thu"
                select name="nguoi" {
                    option value="" { "Tất cả" }
                    @for (id, name) in &collectors {
                        option value=(id) selected[Some(*id) == collector] { (name) }
                    }
                }
            }
            button type="submit" { "Lọc" }
            // The file holds what the queue shows (status, commune, collector), every page of it.
            a.button href={ "/xuat/dang-ky.xlsx?" (q.filters(filter)) } { "Tải Excel danh sách này" }
        }
        div.scroll { table {
            thead { tr {
                th { "Người tham gia" } th { "Địa bàn" } th { "Người thu" } th { "Từ tháng" }
                th.num { "Mức thu nhập" } th { "Nhóm được hỗ trợ" }
                // Every row of the waiting queue is waiting: its status column would say so 20 times.
                @if waiting { th { "Quyết định" } } @else { th { "Trạng thái" } }
            } }
            tbody {
                @for item in &items {
                    tr id={ "dk-" (item.enrollment_id) } {
                        @let detail = details.get(&item.enrollment_id);
                        // What a reviewer compares (the ID number's birth year against the date
                        // of birth) sits on one line under the name.
                        td.who {
                            strong { (item.person_name.as_deref().unwrap_or("—")) }
                            span.line { "Sinh " (opt_date(item.date_of_birth)) " · CCCD "
                                @match item.personal_id.as_deref() {
                                    Some(id) => span data-testid="review-cccd" { (id) },
                                    None => span.tag.warn { "chưa có" },
                                }
                            }
                            span.line.muted { "ĐT " (detail.and_then(|d| d.phone.as_deref()).unwrap_or("—")) }
                        }
                        // Village names repeat across a province's communes ("Thôn Đông").
                        td { (item.village_name.as_deref().unwrap_or("—")) span.line.muted { (commune_name(&item.commune_code)) } }
                        td { (item.collector_id.and_then(|c| names.get(&c)).map(String::as_str).unwrap_or("—")) }
                        td { (item.first_month.map(month).unwrap_or_else(|| "—".into())) }
                        td.num { (money(item.monthly_income)) }
                        td {
                            @if let Some(d) = detail {
                                (d.groups.iter().map(|g| capitalised(g.label_vi())).collect::<Vec<_>>().join(", "))
                                @if d.support_unlisted() {
                                    " " span.tag.warn data-testid="support-unlisted" {
                                        "Hồ sơ hộ ghi: "
                                        @match &d.poverty {
                                            Some((status, year)) => {
                                                (sotay_domain::labels::value_label_vi(EntityKind::Household, "poverty_status", status).unwrap_or(status))
                                                @if let Some(y) = year { " năm " (y) }
                                            }
                                            None => "chưa có hộ",
                                        }
                                    }
                                }
                            }
                        }
                        @if waiting {
                            td {
                                @let refused = row_error.as_ref().filter(|(id, _)| *id == item.enrollment_id);
                                form.decide method="post" action={ "/duyet/" (item.enrollment_id) } {
                                    (csrf_field(viewer))
                                    // The decision comes back to this filter and page.
                                    input type="hidden" name="loc" value=(filter);
                                    input type="hidden" name="trang" value=(page_no);
                                    input type="hidden" name="xa" value=(commune.unwrap_or(""));
                                    input type="hidden" name="nguoi" value=(collector.map(|c| c.to_string()).unwrap_or_default());
                                    // A refused decision brings the reader to its row.
                                    input name="reason" maxlength="500" autofocus[refused.is_some()]
                                        aria-label="Lý do (khi từ chối hoặc cần bổ sung)"
                                        placeholder="Lý do, khi từ chối hoặc cần bổ sung";
                                    span.actions {
                                        button type="submit" name="action" value="approve" { "Duyệt" }
                                        button.secondary type="submit" name="action" value="correct" { "Cần bổ sung" }
                                        button.danger type="submit" name="action" value="reject" { "Từ chối" }
                                    }
                                }
                                @if let Some((_, m)) = refused { (field_error(Some(m))) }
                            }
                        } @else {
                            td { span.tag { (review_status_vi(&item.status)) } }
                        }
                    }
                }
                @if items.is_empty() { tr { td colspan="7" { "Không có hồ sơ nào ở trạng thái này." } } }
            }
        } }
        (pager(&format!("/duyet?{}", q.filters(filter)), page_no, PER_PAGE, total))
    };
    Ok(page(viewer, "/duyet", "Duyệt đăng ký", body).into_response())
}

/// A review decision.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    action: String,
    reason: String,
    /// The queue's filters and page the decision was made on, shown again after it.
    loc: Option<String>,
    trang: Option<i64>,
    xa: Option<String>,
    nguoi: Option<String>,
}

/// `POST /duyet/{id}`: approve, reject with a reason or ask for a correction; the decision is an
/// office op that reaches the collector's phone at its next sync.
pub async fn decide<S: OfficeStore>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> WebResult {
    viewer.check_csrf(&form.csrf)?;
    let id = parse_id(&id)?;
    let record = state.store.record(id).await?.ok_or(WebError::NotFound)?;
    if record.entity != EntityKind::Enrollment {
        return Err(WebError::NotFound);
    }
    viewer.require_commune(&record.commune_code)?;
    let reason = sotay_domain::text::normalize_free_text(&form.reason);
    let status = match form.action.as_str() {
        "approve" => EnrollmentStatus::Approved,
        "reject" => EnrollmentStatus::Rejected,
        "correct" => EnrollmentStatus::NeedsCorrection,
        _ => return Err(WebError::BadRequest("Quyết định không hợp lệ.".into())),
    };
    let back_to = ReviewQuery {
        trang: form.trang,
        loc: form.loc.clone(),
        xa: form.xa.clone(),
        nguoi: form.nguoi.clone(),
        da: None,
    };
    // Decided already (another supervisor, or the same form sent twice): said, not done again.
    let current = record
        .state
        .fields
        .get("status")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("");
    if !matches!(current, "submitted" | "received") {
        let message = format!(
            "Tờ khai này đã có quyết định: {}. Không ghi thêm quyết định nào.",
            status_vi(current)
        );
        return bad(render_review(&state, &viewer, back_to, Some((false, message)), None).await);
    }
    let needs_reason = status != EnrollmentStatus::Approved;
    if needs_reason && reason.trim().is_empty() {
        return bad(render_review(
            &state,
            &viewer,
            back_to,
            None,
            Some((
                id,
                "Hãy ghi lý do để người thu báo lại cho người tham gia.".into(),
            )),
        )
        .await);
    }
    if reason.chars().count() > 500 {
        return Err(WebError::BadRequest("Lý do dài quá 500 ký tự.".into()));
    }
    let mut writer = OfficeWriter::default();
    writer
        .decide_enrollment(
            state.store.as_ref(),
            id,
            status,
            needs_reason.then_some(reason.as_str()),
        )
        .await?;
    let word = status_vi(match status {
        EnrollmentStatus::Approved => "approved",
        EnrollmentStatus::Rejected => "rejected",
        _ => "needs_correction",
    });
    // The log names the participant, as a supervisor looks them up (the id if the person's
    // record is not at the office).
    let person = record
        .state
        .fields
        .get("person_id")
        .and_then(serde_json::Value::as_str)
        .and_then(|p| p.parse::<Uuid>().ok());
    let who = match person {
        Some(p) => state
            .store
            .record(p)
            .await?
            .and_then(|r| r.state.fields.get("full_name")?.as_str().map(str::to_owned)),
        None => None,
    }
    .unwrap_or_else(|| id.to_string());
    state
        .store
        .audit(&viewer.audit(
            "decision",
            Some(&record.commune_code),
            format!(
                "Tờ khai của {who}: {word}{}",
                if needs_reason {
                    format!(" — {reason}")
                } else {
                    String::new()
                }
            ),
        ))
        .await?;
    // Back to the queue as it was (filters and page), by a redirect: reloading it shows the
    // queue again instead of sending the decision twice.
    let key = match status {
        EnrollmentStatus::Approved => "duyet",
        EnrollmentStatus::Rejected => "tu-choi",
        _ => "bo-sung",
    };
    let loc = REVIEW_FILTERS
        .iter()
        .map(|(key, _)| *key)
        .find(|key| back_to.loc.as_deref() == Some(*key))
        .unwrap_or("cho-duyet");
    Ok(Redirect::to(&format!(
        "/duyet?{}trang={}&da={key}",
        back_to.filters(loc),
        back_to.trang.unwrap_or(1).max(1)
    ))
    .into_response())
}

/// `GET /chi-tieu`.
pub async fn quotas<S: OfficeStore>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Query(q): Query<PeriodQuery>,
) -> WebResult {
    render_quotas(&state, &viewer, q.ky, None, None, HashMap::new()).await
}

/// The quotas page's table: each quota of `period` the viewer sees, with its progress.
pub(crate) async fn quotas_report<S: OfficeStore>(
    state: &AppState<S>,
    viewer: &Viewer,
    period: Period,
    today: NaiveDate,
) -> WebResult<Table> {
    let rows = state.store.quotas(&viewer.visible, period).await?;
    let villages: HashMap<Uuid, String> = state
        .store
        .villages(&viewer.visible)
        .await?
        .into_iter()
        .map(|v| (v.id, v.name))
        .collect();
    let users: HashMap<Uuid, String> = visible_field_users(state, viewer)
        .await?
        .into_iter()
        .map(|(l, _)| (l.user.id, l.user.full_name))
        .collect();
    Ok(quotas_table(&rows, &villages, &users, today))
}

/// [`quotas_report`]'s table of `rows` (`villages` and `users`: names by id).
fn quotas_table(
    rows: &[QuotaRow],
    villages: &HashMap<Uuid, String>,
    users: &HashMap<Uuid, String>,
    today: NaiveDate,
) -> Table {
    let mut out = Table::new(vec![
        table::text("Xã/phường"),
        table::text("Giao cho"),
        table::text("Kỳ"),
        table::num("Chỉ tiêu đăng ký mới"),
        table::num("Đã đăng ký"),
        table::text("Tiến độ"),
        table::num("Chỉ tiêu tái tục"),
        table::num("Đã tái tục"),
        table::text("Tiến độ tái tục"),
    ]);
    let name = |names: &HashMap<Uuid, String>, id: Uuid| {
        names.get(&id).cloned().unwrap_or_else(|| "—".into())
    };
    for r in rows {
        let assigned = match (r.scope_kind.as_str(), r.scope_id) {
            ("village", Some(id)) => name(villages, id),
            ("collector", Some(id)) => format!("Người thu: {}", name(users, id)),
            _ => "Cả xã".to_owned(),
        };
        let period = parse_period(Some(&r.period_key), today)
            .map_or_else(|_| r.period_key.clone(), |(_, label)| label);
        out.push(
            vec![
                Cell::Text(commune_name(&r.commune_code)),
                Cell::Text(assigned),
                Cell::Text(period),
                Cell::Number(r.target_signups),
                Cell::Number(r.achieved_signups),
                Cell::Progress(r.achieved_signups, r.target_signups),
                Cell::Number(r.target_renewals),
                Cell::Number(r.achieved_renewals),
                Cell::Progress(r.achieved_renewals, r.target_renewals),
            ],
            None,
        );
    }
    out
}

/// The quota page; `typed` is a refused form, shown again as it was typed beside its errors.
async fn render_quotas<S: OfficeStore>(
    state: &AppState<S>,
    viewer: &Viewer,
    ky: Option<String>,
    message: Option<(bool, String)>,
    typed: Option<&QuotaForm>,
    errors: HashMap<&'static str, String>,
) -> WebResult {
    let today = today_in_vietnam();
    let ky = ky
        .filter(|k| !k.trim().is_empty())
        .unwrap_or_else(|| default_period_key(today));
    let (period, label) = parse_period(Some(&ky), today).map_err(WebError::BadRequest)?;
    let quotas = quotas_report(state, viewer, period, today).await?;
    let villages = state.store.villages(&viewer.visible).await?;
    let users = visible_field_users(state, viewer).await?;
    let communes = state.store.known_communes(&viewer.visible).await?;
    let body = html! {
        (notice(message.as_ref()))
        form.inline.card method="get" action="/chi-tieu" {
            (period_select(&ky, today))
            button type="submit" { "Xem" }
        }
        p.muted { "Chỉ tiêu " (in_sentence(&label)) "." }
        (quotas.html("Chưa giao chỉ tiêu cho kỳ này."))
        p { a href={ "/xuat/chi-tieu.xlsx?ky=" (encode(&ky)) } { "Tải Excel bảng này" } }
        h2 { "Giao chỉ tiêu" }
        form.card method="post" action="/chi-tieu" {
            (csrf_field(viewer))
            input type="hidden" name="ky" value=(ky);
            div.inline style="display:flex;flex-wrap:wrap;gap:.6rem" {
                label { "Xã/phường"
                    select name="commune" {
                        @for (code, name) in &communes {
                            option value=(code) selected[typed.is_some_and(|f| f.commune.trim() == code)] { (name) " (" (code) ")" }
                        }
                    }
                    (field_error(errors.get("commune").map(String::as_str)))
                }
                @let scope_typed = |value: &str| typed.is_some_and(|f| f.scope == value);
                label { "Giao cho"
                    select name="scope" {
                        option value="commune" { "Cả xã" }
                        @for v in &villages {
                            @let value = format!("village:{}", v.id);
                            option value=(value) selected[scope_typed(&value)] { (v.name) }
                        }
                        @for (l, _) in &users {
                            @let value = format!("collector:{}", l.user.id);
                            option value=(value) selected[scope_typed(&value)] { "Người thu: " (l.user.full_name) }
                        }
                    }
                    (field_error(errors.get("scope").map(String::as_str)))
                }
                label { "Số đăng ký mới"
                    input name="target_signups" inputmode="numeric" required value=(typed.map_or("", |f| f.target_signups.as_str()));
                    (field_error(errors.get("target_signups").map(String::as_str))) }
                label { "Số tái tục"
                    input name="target_renewals" inputmode="numeric" value=(typed.map_or("0", |f| f.target_renewals.as_str()));
                    (field_error(errors.get("target_renewals").map(String::as_str))) }
            }
            p { button type="submit" { "Giao chỉ tiêu" } }
        }
    };
    Ok(page(viewer, "/chi-tieu", "Chỉ tiêu", body).into_response())
}

/// The quota form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct QuotaForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    ky: String,
    commune: String,
    scope: String,
    target_signups: String,
    target_renewals: String,
}

/// `POST /chi-tieu`.
pub async fn add_quota<S: OfficeStore>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Form(form): Form<QuotaForm>,
) -> WebResult {
    viewer.check_csrf(&form.csrf)?;
    let commune = form.commune.trim().to_owned();
    viewer.require_commune(&commune)?;
    let today = today_in_vietnam();
    let ky = if form.ky.trim().is_empty() {
        default_period_key(today)
    } else {
        form.ky.trim().to_owned()
    };
    let (period, label) = parse_period(Some(&ky), today).map_err(WebError::BadRequest)?;
    let mut errors: HashMap<&'static str, String> = HashMap::new();
    let signups = parse_count(&form.target_signups);
    if signups.is_none_or(|n| n > 1_000_000) {
        errors.insert(
            "target_signups",
            "Hãy nhập số người đăng ký mới, là số nguyên từ 0.".into(),
        );
    }
    let renewals = if form.target_renewals.trim().is_empty() {
        Some(0)
    } else {
        parse_count(&form.target_renewals)
    };
    if renewals.is_none_or(|n| n > 1_000_000) {
        errors.insert("target_renewals", "Số tái tục là số nguyên từ 0.".into());
    }
    let scope = match form.scope.split_once(':') {
        None if form.scope == "commune" => Some(QuotaScope::Commune(commune.clone())),
        Some(("village", id)) => {
            let id = parse_id(id)?;
            // The village must be one of this commune's.
            match state.store.record(id).await? {
                Some(r) if r.entity == EntityKind::Village && r.commune_code == commune => {
                    Some(QuotaScope::Village(id))
                }
                Some(r) if r.entity == EntityKind::Village => {
                    viewer.require_commune(&r.commune_code)?;
                    errors.insert("scope", "Thôn này không thuộc xã đã chọn.".into());
                    None
                }
                _ => return Err(WebError::NotFound),
            }
        }
        Some(("collector", id)) => {
            let id = parse_id(id)?;
            let users = visible_field_users(&state, &viewer).await?;
            match users.iter().find(|(l, _)| l.user.id == id) {
                Some((_, communes)) if communes.contains(&commune) => {
                    Some(QuotaScope::Collector(id))
                }
                Some(_) => {
                    errors.insert(
                        "scope",
                        "Người thu này không được giao địa bàn ở xã đã chọn.".into(),
                    );
                    None
                }
                None => return Err(WebError::NotFound),
            }
        }
        _ => {
            errors.insert(
                "scope",
                "Hãy chọn giao cho cả xã, một thôn hoặc một người thu.".into(),
            );
            None
        }
    };
    let (Some(scope), Some(signups), Some(renewals), true) =
        (scope, signups, renewals, errors.is_empty())
    else {
        return bad(render_quotas(&state, &viewer, Some(ky), None, Some(&form), errors).await);
    };
    let period = match period.quota_key().split_once("-H") {
        Some((_, half)) => QuotaPeriod::HalfYear {
            year: period.from.year(),
            half: if half == "1" { 1 } else { 2 },
        },
        None => QuotaPeriod::Year {
            year: period.from.year(),
        },
    };
    let quota = Quota {
        id: Uuid::now_v7(),
        period,
        scope,
        commune_code: commune.clone(),
        target_signups: u32::try_from(signups).unwrap_or(u32::MAX),
        target_renewals: u32::try_from(renewals).unwrap_or(u32::MAX),
    };
    let mut writer = OfficeWriter::default();
    writer
        .write_record(state.store.as_ref(), EntityKind::Quota, &quota)
        .await?;
    state
        .store
        .audit(&viewer.audit(
            "quota",
            Some(&commune),
            format!(
                "Giao chỉ tiêu {}: {signups} đăng ký mới, {renewals} tái tục",
                in_sentence(&label)
            ),
        ))
        .await?;
    render_quotas(
        &state,
        &viewer,
        Some(ky),
        Some((true, "Đã giao chỉ tiêu.".into())),
        None,
        HashMap::new(),
    )
    .await
}

/// `GET /dia-ban`.
pub async fn areas<S: OfficeStore>(State(state): State<AppState<S>>, viewer: Viewer) -> WebResult {
    render_areas(&state, &viewer, None).await
}

async fn render_areas<S: OfficeStore>(
    state: &AppState<S>,
    viewer: &Viewer,
    message: Option<(bool, String)>,
) -> WebResult {
    let communes = state.store.known_communes(&viewer.visible).await?;
    let villages = state.store.villages(&viewer.visible).await?;
    let users = visible_field_users(state, viewer).await?;
    let all_field_users: Vec<sotay_domain::User> = if viewer.is_admin() {
        state
            .store
            .list_users()
            .await?
            .into_iter()
            .filter(|u| u.role.is_field_role())
            .collect()
    } else {
        users.iter().map(|(l, _)| l.user.clone()).collect()
    };
    let body = html! {
        (notice(message.as_ref()))
        @for (code, name) in &communes {
            div.card {
                h2 { (name) " (" (code) ")" }
                p { strong { "Thôn/tổ dân phố: " }
                    @let vs: Vec<&str> = villages.iter().filter(|v| &v.commune_code == code).map(|v| v.name.as_str()).collect();
                    @if vs.is_empty() { "chưa có" } @else { (vs.join(", ")) } }
                p { strong { "Người được giao: " }
                    @let us: Vec<String> = users.iter().filter(|(_, c)| c.contains(code)).map(|(l, _)| format!("{} ({})", l.user.full_name, l.user.role.label_vi())).collect();
                    @if us.is_empty() { "chưa có" } @else { (us.join("; ")) } }
            }
        }
        @if communes.is_empty() { p { "Chưa có xã nào được giao." } }
        // The communes already in use, offered as the code is typed (a new one is typed whole).
        datalist id="communes" { @for (code, name) in &communes { option value=(code) { (name) } } }
        h2 { "Thêm thôn/tổ dân phố" }
        form.inline.card method="post" action="/dia-ban/thon" {
            (csrf_field(viewer))
            label { "Xã/phường (mã 5 số)" input name="commune" list="communes" inputmode="numeric" maxlength="5" required; }
            label { "Tên thôn/tổ" input name="name" maxlength="100" required; }
            label { "Loại" select name="kind" { option value="village" { "Thôn" } option value="residential_group" { "Tổ dân phố" } } }
            button type="submit" { "Thêm" }
        }
        h2 { "Giao địa bàn" }
        form.inline.card method="post" action="/dia-ban/phan-cong" {
            (csrf_field(viewer))
            label { "Người"
                select name="user" { @for u in &all_field_users { option value=(u.id) { (u.full_name) " — " (u.role.label_vi()) } } }
            }
            label { "Xã/phường (mã 5 số)" input name="commune" list="communes" inputmode="numeric" maxlength="5" required; }
            label { "Thôn (để trống: cả xã)"
                select name="village" { option value="" { "Cả xã" } @for v in &villages { option value=(v.id) { (v.name) " (" (v.commune_code) ")" } } }
            }
            button type="submit" { "Giao" }
        }
    };
    Ok(page(viewer, "/dia-ban", "Địa bàn", body).into_response())
}

/// The village form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VillageForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    commune: String,
    name: String,
    kind: String,
}

/// `POST /dia-ban/thon`.
pub async fn add_village<S: OfficeStore>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Form(form): Form<VillageForm>,
) -> WebResult {
    viewer.check_csrf(&form.csrf)?;
    let commune = form.commune.trim();
    viewer.require_commune(commune)?;
    if !state.store.commune_exists(commune).await? {
        return bad(render_areas(
            &state,
            &viewer,
            Some((
                false,
                format!("Mã xã {commune} không có trong danh mục đơn vị hành chính."),
            )),
        )
        .await);
    }
    let kind = if form.kind == "residential_group" {
        VillageKind::ResidentialGroup
    } else {
        VillageKind::Village
    };
    let mut writer = OfficeWriter::default();
    let outcome =
        admin::create_village(state.store.as_ref(), &mut writer, commune, &form.name, kind)
            .await
            .map(|village| AreaChange {
                action: "village",
                detail: format!("Thêm thôn {}", village.name),
                done: format!("Đã thêm {}.", village.name),
            });
    areas_after(&state, &viewer, commune, outcome).await
}

/// What a change on the areas page did: its audit entry's action and detail, and the message
/// the page shows.
struct AreaChange {
    action: &'static str,
    detail: String,
    done: String,
}

/// The areas page after a change in `commune`: the change audited and its message shown, or,
/// when the office refused the input, the page with the refusal (400).
async fn areas_after<S: OfficeStore>(
    state: &AppState<S>,
    viewer: &Viewer,
    commune: &str,
    outcome: Result<AreaChange, crate::OfficeError>,
) -> WebResult {
    match outcome {
        Ok(change) => {
            state
                .store
                .audit(&viewer.audit(change.action, Some(commune), change.detail))
                .await?;
            render_areas(state, viewer, Some((true, change.done))).await
        }
        Err(crate::OfficeError::Invalid(m)) => {
            bad(render_areas(state, viewer, Some((false, m))).await)
        }
        Err(other) => Err(other.into()),
    }
}

/// A page that shows refused input: the same page, answered 400.
fn bad(result: WebResult) -> WebResult {
    let mut response = result?;
    *response.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    Ok(response)
}

/// The assignment form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AssignForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    user: String,
    commune: String,
    village: String,
}

/// `POST /dia-ban/phan-cong`.
pub async fn assign<S: OfficeStore>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Form(form): Form<AssignForm>,
) -> WebResult {
    viewer.check_csrf(&form.csrf)?;
    let commune = form.commune.trim();
    viewer.require_commune(commune)?;
    let user_id = parse_id(&form.user)?;
    let user = state.store.user(user_id).await?.ok_or(WebError::NotFound)?;
    if !user.role.is_field_role() {
        return Err(WebError::NotFound);
    }
    // A supervisor assigns only people already working in one of their communes.
    if !viewer.is_admin() {
        let users = visible_field_users(&state, &viewer).await?;
        if !users.iter().any(|(l, _)| l.user.id == user_id) {
            return Err(WebError::NotFound);
        }
    }
    let village = match form.village.trim() {
        "" => None,
        id => Some(parse_id(id)?),
    };
    let outcome = admin::assign_area(state.store.as_ref(), user_id, commune, village)
        .await
        .map(|()| AreaChange {
            action: "assign_area",
            detail: format!("Giao địa bàn cho {}", user.full_name),
            done: format!("Đã giao địa bàn cho {}.", user.full_name),
        });
    areas_after(&state, &viewer, commune, outcome).await
}

/// `GET /thiet-bi`.
pub async fn devices<S: OfficeStore>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
) -> WebResult {
    render_devices(&state, &viewer, None, None).await
}

async fn render_devices<S: OfficeStore>(
    state: &AppState<S>,
    viewer: &Viewer,
    message: Option<(bool, String)>,
    issued: Option<IssuedCode>,
) -> WebResult {
    let users = visible_field_users(state, viewer).await?;
    let body = html! {
        (notice(message.as_ref()))
        @if let Some(issued) = &issued {
            div.card {
                h2 { "Mã kích hoạt cho " (issued.name) }
                p { "Mã dùng một lần, hết hạn sau 72 giờ: " strong style="font-size:1.4rem;letter-spacing:.1em" { (issued.code) } }
                p { "Địa chỉ máy chủ: " strong data-dia-chi-may-chu { (issued.office) } }
                @if issued.office_is_this_machine {
                    p.error { "Địa chỉ này chỉ dùng được trên chính máy chủ, điện thoại không tới được. Hãy mở bảng điều khiển bằng địa chỉ của máy chủ trong mạng (ví dụ http://192.168.1.10:8080), hoặc chạy máy chủ với SOTAY_PUBLIC_URL là địa chỉ đó, rồi cấp mã lại." }
                }
                p.muted { "Mở ứng dụng Sổ tay BHXH trên điện thoại và quét mã QR này ở màn hình Bắt đầu (mã điền sẵn cả địa chỉ máy chủ), hoặc gõ địa chỉ máy chủ và mã ở trên, rồi chọn Kích hoạt thiết bị." }
                (charts::qr_svg(&enrol_qr_text(&issued.code, &issued.office)))
            }
        }
        h2 { "Cấp mã kích hoạt" }
        form.inline.card method="post" action="/thiet-bi/ma" {
            (csrf_field(viewer))
            label { "Người dùng"
                select name="user" { @for (l, _) in &users { option value=(l.user.id) { (l.user.full_name) " — " (l.user.role.label_vi()) } } }
            }
            button type="submit" { "Cấp mã" }
        }
        h2 { "Thiết bị đã kích hoạt" }
        div.scroll { table {
            thead { tr { th { "Người dùng" } th { "Tên thiết bị" } th { "Kích hoạt" } th { "Đồng bộ lần cuối" } th { "Trạng thái" } th {} } }
            tbody {
                @for (l, _) in &users {
                    @for d in &l.devices {
                        tr {
                            td { (l.user.full_name) }
                            td { (d.name) }
                            td { (instant(d.enrolled_at)) }
                            td { (d.last_seen_at.map(instant).unwrap_or_else(|| "Chưa đồng bộ".into())) }
                            td {
                                @if let Some(at) = d.wipe_sent_at { "Báo mất — đã xoá dữ liệu trên máy " (instant(at)) }
                                @else if let Some(at) = d.wipe_requested_at { "Báo mất " (instant(at)) " — chờ máy kết nối để xoá" }
                                @else if let Some(at) = d.revoked_at { "Đã thu hồi " (instant(at)) }
                                @else { "Đang dùng" }
                            }
                            td.actions {
                                @if d.revoked_at.is_none() && d.wipe_requested_at.is_none() {
                                    form method="post" action={ "/thiet-bi/" (d.id) "/thu-hoi" } {
                                        (csrf_field(viewer))
                                        button.danger type="submit" { "Thu hồi" }
                                    }
                                }
                                @if d.wipe_requested_at.is_none() {
                                    form method="post" action={ "/thiet-bi/" (d.id) "/bao-mat" }
                                        onsubmit="return confirm('Báo mất thiết bị này? Máy chủ nhận nốt dữ liệu máy gửi lên rồi yêu cầu máy xoá toàn bộ dữ liệu.')" {
                                        (csrf_field(viewer))
                                        button.danger type="submit" title="Máy chủ nhận nốt dữ liệu máy gửi lên, rồi máy tự xoá toàn bộ dữ liệu" { "Báo mất, xoá dữ liệu" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        } }
    };
    Ok(page(viewer, "/thiet-bi", "Thiết bị", body).into_response())
}

/// What the enrolment QR code holds: the office's address and the code, as a URL the app reads.
pub fn enrol_qr_text(code: &str, office: &str) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("ma", code)
        .append_pair("may-chu", office)
        .finish();
    format!("sotay://kich-hoat?{query}")
}

/// The address phones reach the office at, for an enrolment code's card and QR code: the
/// office's public address when it was given one (`SOTAY_PUBLIC_URL`), else the address this
/// browser used. The flag says whether it is this machine's own (`localhost`, `127.0.0.1`),
/// which a phone cannot use.
pub fn office_address_for_phones(headers: &HeaderMap, uri: &Uri) -> (String, bool) {
    office_address_from(std::env::var("SOTAY_PUBLIC_URL").ok(), headers, uri)
}

/// [`office_address_for_phones`] with the public address given.
fn office_address_from(
    public_url: Option<String>,
    headers: &HeaderMap,
    uri: &Uri,
) -> (String, bool) {
    let address = public_url
        .map(|url| url.trim().trim_end_matches('/').to_owned())
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| {
            // HTTP/1.1 names the host in `Host`, HTTP/2 in the request's authority.
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_owned)
                .or_else(|| uri.authority().map(ToString::to_string))
                .unwrap_or_else(|| "127.0.0.1".into());
            let https = uri.scheme_str() == Some("https")
                || headers
                    .get("x-forwarded-proto")
                    .is_some_and(|p| p.as_bytes().eq_ignore_ascii_case(b"https"));
            format!("{}://{host}", if https { "https" } else { "http" })
        });
    let authority = address
        .split_once("://")
        .map_or(address.as_str(), |(_, rest)| rest)
        .split('/')
        .next()
        .unwrap_or_default();
    // The host without its port (`[::1]:8080` → `::1`, `127.0.0.1:8080` → `127.0.0.1`).
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    let own = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified());
    (address, own)
}

/// A form naming a user.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UserForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    user: String,
}

/// `POST /thiet-bi/ma`.
pub async fn issue_code<S: OfficeStore>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    headers: HeaderMap,
    uri: Uri,
    Form(form): Form<UserForm>,
) -> WebResult {
    viewer.check_csrf(&form.csrf)?;
    let user_id = parse_id(&form.user)?;
    let users = visible_field_users(&state, &viewer).await?;
    let (listing, communes) = users
        .iter()
        .find(|(l, _)| l.user.id == user_id)
        .ok_or(WebError::NotFound)?;
    let code = admin::issue_code(state.store.as_ref(), user_id, Duration::hours(72)).await?;
    state
        .store
        .audit(&viewer.audit(
            "device_code",
            communes.first().map(String::as_str),
            format!("Cấp mã kích hoạt cho {}", listing.user.full_name),
        ))
        .await?;
    let (office, office_is_this_machine) = office_address_for_phones(&headers, &uri);
    let issued = IssuedCode {
        name: listing.user.full_name.clone(),
        code,
        office,
        office_is_this_machine,
    };
    render_devices(&state, &viewer, None, Some(issued)).await
}

/// A code just issued, for its card on the devices page.
struct IssuedCode {
    /// Whose phone it is for.
    name: String,
    /// The one-time code.
    code: String,
    /// The office's address for phones ([`office_address_for_phones`]).
    office: String,
    /// Whether that address is this machine's own.
    office_is_this_machine: bool,
}

/// The device a `/thiet-bi/{id}/...` form names, with its owner's listing and communes, when
/// the viewer may see that owner (anything else is "not found", whether or not it exists).
async fn visible_device<S: OfficeStore>(
    state: &AppState<S>,
    viewer: &Viewer,
    id: &str,
    csrf: &str,
) -> WebResult<(Uuid, String, Option<String>)> {
    viewer.check_csrf(csrf)?;
    let device_id = parse_id(id)?;
    let users = visible_field_users(state, viewer).await?;
    let (listing, communes) = users
        .into_iter()
        .find(|(l, _)| l.devices.iter().any(|d| d.id == device_id))
        .ok_or(WebError::NotFound)?;
    Ok((
        device_id,
        listing.user.full_name,
        communes.into_iter().next(),
    ))
}

/// `POST /thiet-bi/{id}/thu-hoi`.
pub async fn revoke<S: OfficeStore>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<crate::web::session::CsrfForm>,
) -> WebResult {
    let (device_id, owner, commune) = visible_device(&state, &viewer, &id, &form.csrf).await?;
    admin::revoke_device(state.store.as_ref(), device_id).await?;
    state
        .store
        .audit(&viewer.audit(
            "device_revoked",
            commune.as_deref(),
            format!("Thu hồi thiết bị của {owner}"),
        ))
        .await?;
    let done = "Đã thu hồi thiết bị. Lần đồng bộ tới của máy đó sẽ bị từ chối.";
    render_devices(&state, &viewer, Some((true, done.into())), None).await
}

/// `POST /thiet-bi/{id}/bao-mat`: marks a device lost (wiped at its next contact, after its last
/// push is taken; `admin::wipe_device` writes the audit log).
pub async fn wipe<S: OfficeStore>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<crate::web::session::CsrfForm>,
) -> WebResult {
    let (device_id, _, _) = visible_device(&state, &viewer, &id, &form.csrf).await?;
    admin::wipe_device(state.store.as_ref(), device_id, &viewer.actor()).await?;
    let done = "Đã báo mất thiết bị. Ở lần kết nối tới, máy chủ nhận nốt dữ liệu máy gửi lên rồi \
                máy tự xoá toàn bộ dữ liệu.";
    render_devices(&state, &viewer, Some((true, done.into())), None).await
}

/// Query of the policy page.
#[derive(Deserialize, Default)]
pub struct PolicyQuery {
    #[serde(default)]
    ngay: Option<String>,
}

/// Reads `dd/mm/yyyy` or `yyyy-mm-dd`.
pub fn parse_day(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y-%m-%d"))
        .ok()
}

/// `GET /chinh-sach`.
pub async fn policy<S: OfficeStore>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Query(q): Query<PolicyQuery>,
) -> WebResult {
    let day = match q.ngay.as_deref().filter(|d| !d.trim().is_empty()) {
        Some(text) => Some(parse_day(text).ok_or_else(|| {
            WebError::BadRequest("Ngày không hợp lệ: hãy nhập theo dạng dd/mm/yyyy.".into())
        })?),
        None => None,
    };
    render_policy(&state, &viewer, day, None, None, HashMap::new()).await
}

fn bp(n: u32) -> String {
    permille(i64::from(n) / 10)
}

async fn render_policy<S: OfficeStore>(
    state: &AppState<S>,
    viewer: &Viewer,
    day: Option<NaiveDate>,
    message: Option<(bool, String)>,
    typed: Option<&TopUpForm>,
    errors: HashMap<&'static str, String>,
) -> WebResult {
    let policy = state.policy().await;
    // A refused top-up comes back as it was typed, each error beside its field.
    let typed_or = |get: fn(&TopUpForm) -> &str, default: &'static str| -> String {
        typed.map_or_else(|| default.to_owned(), |f| get(f).to_owned())
    };
    let error = |name: &str| field_error(errors.get(name).map(String::as_str));
    let chosen_province = typed_or(|f| f.province.trim(), "");
    // A supervisor publishes the top-up of the provinces of his communes (the story's Anh Minh
    // enters Hà Nội's); an admin any province's.
    let mut provinces: Vec<(&str, &str)> = sotay_domain::policy::province_codes()
        .iter()
        .filter(|code| may_publish_for(viewer, code))
        .map(|code| {
            let name = sotay_domain::policy::province_name(code).unwrap_or(code.as_str());
            (code.as_str(), name)
        })
        .collect();
    provinces.sort_by_key(|(_, name)| sotay_domain::fold::fold(name));
    let day = day.unwrap_or_else(today_in_vietnam);
    let rate = policy.contribution_rate_on(day).ok();
    let floor = policy.income_floor_on(day).ok();
    let national = policy.national_support_on(day).ok();
    let locals: Vec<_> = policy
        .local_support
        .iter()
        .filter(|row| row.effective_from <= day && row.effective_to.is_none_or(|to| day <= to))
        .collect();
    let body = html! {
        (notice(message.as_ref()))
        form.inline.card method="get" action="/chinh-sach" {
            label { "Ngày áp dụng" input name="ngay" value=(date(day)) placeholder="dd/mm/yyyy"; }
            button type="submit" { "Xem" }
        }
        div.card {
            p { "Dữ liệu chính sách đang dùng: bản ngày " strong title=(policy.version) { (policy_edition(&policy.version)) } }
            @if let Some(r) = rate { p { "Tỷ lệ đóng: " strong { (bp(r.rate_bp)) } " — " span.muted { (r.legal_ref) } } }
            @if let Some(f) = floor { p { "Mức thu nhập thấp nhất làm căn cứ đóng: " strong { (money(f.amount.0)) } " — " span.muted { (f.legal_ref) } } }
            @if let Some(n) = national {
                p { "Nhà nước hỗ trợ: hộ nghèo " (bp(n.poor_bp)) ", hộ cận nghèo " (bp(n.near_poor_bp))
                    ", người dân tộc thiểu số " (bp(n.ethnic_minority_bp)) ", xã đảo, đặc khu " (bp(n.island_bp))
                    ", đối tượng khác " (bp(n.other_bp))
                    " — " span.muted { (n.legal_ref) } }
            }
            @if rate.is_none() { p.error { "Không có dữ liệu chính sách cho ngày " (date(day)) "." } }
        }
        h2 { "Hỗ trợ thêm của tỉnh/thành phố đang áp dụng ngày " (date(day)) }
        div.scroll { table {
            thead { tr { th { "Tỉnh" } th { "Từ ngày" } th { "Đến ngày" } th.num { "Hộ nghèo" } th.num { "Cận nghèo" } th.num { "Dân tộc thiểu số" } th.num { "Xã đảo, đặc khu" } th.num { "Khác" } th { "Căn cứ" } } }
            tbody {
                @for l in &locals {
                    tr {
                        td { (sotay_domain::policy::province_name(&l.province_code).unwrap_or(&l.province_code)) }
                        td { (date(l.effective_from)) } td { (opt_date(l.effective_to)) }
                        td.num { (bp(l.poor_bp)) } td.num { (bp(l.near_poor_bp)) }
                        td.num { (bp(l.ethnic_minority_bp)) } td.num { (bp(l.island_bp)) } td.num { (bp(l.other_bp)) }
                        td { (l.legal_ref) }
                    }
                }
                @if locals.is_empty() { tr { td colspan="9" { "Không có." } } }
            }
        } }
        @if !provinces.is_empty() {
            h2 { "Thêm hỗ trợ của tỉnh (phát hành phiên bản mới)" }
            form.card method="post" action="/chinh-sach" {
                (csrf_field(viewer))
                div style="display:flex;flex-wrap:wrap;gap:.6rem" {
                    label { "Tỉnh, thành phố"
                        select name="province" required {
                            option value="" { "— Chọn tỉnh —" }
                            @for (code, name) in &provinces {
                                option value=(code) selected[*code == chosen_province] { (name) " (" (code) ")" }
                            }
                        }
                        (error("province")) }
                    label { "Số nghị quyết" input name="resolution" maxlength="200" required value=(typed_or(|f| &f.resolution, "")); (error("resolution")) }
                    label { "Từ ngày" input name="from" placeholder="dd/mm/yyyy" required value=(typed_or(|f| &f.from, "")); (error("from")) }
                    label { "Đến ngày (có thể để trống)" input name="to" placeholder="dd/mm/yyyy" value=(typed_or(|f| &f.to, "")); (error("to")) }
                    label { "Hộ nghèo (%)" input name="poor" inputmode="decimal" value=(typed_or(|f| &f.poor, "0")); (error("poor")) }
                    label { "Hộ cận nghèo (%)" input name="near_poor" inputmode="decimal" value=(typed_or(|f| &f.near_poor, "0")); (error("near_poor")) }
                    label { "Dân tộc thiểu số (%)" input name="ethnic_minority" inputmode="decimal" value=(typed_or(|f| &f.ethnic_minority, "0")); (error("ethnic_minority")) }
                    label { "Xã đảo, đặc khu (%)" input name="island" inputmode="decimal" value=(typed_or(|f| &f.island, "0")); (error("island")) }
                    label { "Đối tượng khác (%)" input name="other" inputmode="decimal" value=(typed_or(|f| &f.other, "0")); (error("other")) }
                }
                (field_error(errors.get("edition").map(String::as_str)))
                p { button type="submit" { "Phát hành phiên bản mới" } }
                p.muted { "Điện thoại nhận phiên bản mới ở lần đồng bộ tới." }
            }
        }
    };
    Ok(page(viewer, "/chinh-sach", "Chính sách", body).into_response())
}

/// The provincial top-up form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TopUpForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    province: String,
    resolution: String,
    from: String,
    to: String,
    poor: String,
    near_poor: String,
    ethnic_minority: String,
    island: String,
    other: String,
}

/// The next edition label after `current` for `today`: `YYYY-MM-DD.N`.
pub fn next_edition_label(current: &str, today: NaiveDate) -> String {
    let day = today.format("%Y-%m-%d").to_string();
    let n = match current.split_once('.') {
        Some((d, n)) if d == day => n.parse::<u32>().unwrap_or(0) + 1,
        _ => 1,
    };
    format!("{day}.{n}")
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// Whether `viewer` may publish the top-up of `province`: an admin any, a supervisor that of a
/// province one of his communes is in.
fn may_publish_for(viewer: &Viewer, province: &str) -> bool {
    match &viewer.visible {
        Visible::All => true,
        Visible::Communes(communes) => communes.iter().any(|code| {
            sotay_domain::admin_units::commune(code).is_some_and(|c| c.province_code == province)
        }),
    }
}

/// `POST /chinh-sach`: a provincial top-up as a new edition through the publish path.
pub async fn publish_top_up<S: OfficeStore>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Form(form): Form<TopUpForm>,
) -> WebResult {
    viewer.check_csrf(&form.csrf)?;
    let mut errors: HashMap<&'static str, String> = HashMap::new();
    let province = form.province.trim().to_owned();
    if !sotay_domain::policy::province_codes().contains(&province) {
        errors.insert(
            "province",
            "Mã tỉnh không có trong danh mục 34 tỉnh, thành phố từ 1/7/2025.".into(),
        );
    } else if !may_publish_for(&viewer, &province) {
        errors.insert(
            "province",
            "Bạn chỉ phát hành được mức hỗ trợ của tỉnh có xã bạn quản lý.".into(),
        );
    }
    let resolution = sotay_domain::text::normalize_free_text(&form.resolution);
    if resolution.trim().is_empty() {
        errors.insert("resolution", "Hãy ghi số nghị quyết của HĐND tỉnh.".into());
    }
    let from = parse_day(&form.from);
    if from.is_none() {
        errors.insert("from", "Ngày bắt đầu theo dạng dd/mm/yyyy.".into());
    }
    let to = match form.to.trim() {
        "" => None,
        text => match parse_day(text) {
            Some(d) if from.is_none_or(|f| d >= f) => Some(d),
            _ => {
                errors.insert(
                    "to",
                    "Ngày kết thúc theo dạng dd/mm/yyyy, không trước ngày bắt đầu.".into(),
                );
                None
            }
        },
    };
    let pct = |t: &str| parse_percent(if t.trim().is_empty() { "0" } else { t }).map(|pm| pm * 10);
    let typed_rates = [
        ("poor", &form.poor),
        ("near_poor", &form.near_poor),
        ("ethnic_minority", &form.ethnic_minority),
        ("island", &form.island),
        ("other", &form.other),
    ];
    let rates = typed_rates.map(|(name, text)| {
        let rate = pct(text);
        if rate.is_none() {
            errors.insert(
                name,
                "Mức hỗ trợ là phần trăm từ 0 đến 100, ví dụ 50 hoặc 12,5.".into(),
            );
        }
        rate
    });
    let policy = state.policy().await;
    if errors.is_empty()
        && let Some(from) = from
    {
        let base = match state.store.latest_policy(None).await? {
            Some(edition) => edition.toml,
            None => Policy::embedded_toml().to_owned(),
        };
        let label = next_edition_label(&policy.version, today_in_vietnam());
        // The edition's label is the top-level `version` key, before the first table.
        let mut toml_text = String::new();
        let mut in_tables = false;
        let mut relabelled = false;
        for line in base.lines() {
            let trimmed = line.trim_start();
            in_tables |= trimmed.starts_with('[');
            if !in_tables
                && !relabelled
                && trimmed.starts_with("version")
                && trimmed["version".len()..].trim_start().starts_with('=')
            {
                toml_text.push_str(&format!("version = {}\n", toml_string(&label)));
                relabelled = true;
            } else {
                toml_text.push_str(line);
                toml_text.push('\n');
            }
        }
        let r: Vec<i64> = rates.iter().map(|r| r.unwrap_or(0)).collect();
        toml_text.push_str(&format!(
            "\n[[local_support]]\nprovince_code = {}\neffective_from = \"{}\"\n{}poor_bp = {}\nnear_poor_bp = {}\nethnic_minority_bp = {}\nisland_bp = {}\nother_bp = {}\nlegal_ref = {}\n",
            toml_string(&province),
            from.format("%Y-%m-%d"),
            to.map(|t| format!("effective_to = \"{}\"\n", t.format("%Y-%m-%d"))).unwrap_or_default(),
            r[0], r[1], r[2], r[3], r[4],
            toml_string(&resolution),
        ));
        match admin::publish_policy(state.store.as_ref(), &toml_text).await {
            Ok(version) => {
                state
                    .store
                    .audit(&viewer.audit(
                        "policy",
                        None,
                        format!("Phát hành chính sách {version}: hỗ trợ tỉnh {province} theo {resolution}"),
                    ))
                    .await?;
                if let Ok(p) = Policy::from_toml_str(&toml_text) {
                    state.policy.set(std::sync::Arc::new(p));
                }
                return render_policy(
                    &state,
                    &viewer,
                    Some(from),
                    Some((
                        true,
                        format!(
                            "Đã phát hành phiên bản {version}. Điện thoại nhận ở lần đồng bộ tới."
                        ),
                    )),
                    None,
                    HashMap::new(),
                )
                .await;
            }
            Err(crate::OfficeError::Invalid(m)) => {
                errors.insert("edition", m);
            }
            Err(other) => return Err(other.into()),
        }
    }
    let message = (false, "Chưa phát hành: hãy sửa các ô báo lỗi.".to_owned());
    bad(render_policy(&state, &viewer, from, Some(message), Some(&form), errors).await)
}

/// Query with a page number.
#[derive(Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    trang: Option<i64>,
}

fn action_vi(action: &str) -> &str {
    match action {
        "sign_in" => "Đăng nhập",
        "sign_in_failed" => "Đăng nhập sai",
        "sign_out" => "Đăng xuất",
        "setup" => "Thiết lập",
        "decision" => "Quyết định hồ sơ",
        "export" => "Xuất dữ liệu",
        "import" => "Nhập danh sách",
        "device_code" => "Cấp mã thiết bị",
        "device_revoked" => "Thu hồi thiết bị",
        "device_wipe_requested" => "Báo mất thiết bị",
        "device_wipe_sent" => "Đã gửi lệnh xoá",
        "quota" => "Giao chỉ tiêu",
        "transfer" => "Chuyển hồ sơ",
        "organisation" => "Tổ chức dịch vụ thu",
        "village" => "Thêm thôn",
        "assign_area" => "Giao địa bàn",
        "labour_force" => "Số lao động",
        "policy" => "Chính sách",
        other => other,
    }
}

/// `GET /nhat-ky`.
pub async fn audit<S: OfficeStore>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Query(q): Query<PageQuery>,
) -> WebResult {
    let page_no = q.trang.unwrap_or(1).max(1);
    let entries = state
        .store
        .audit_log(&viewer.visible, (page_no - 1) * PER_PAGE, PER_PAGE + 1)
        .await?;
    let more = entries.len() as i64 > PER_PAGE;
    let conflicts = state
        .store
        .conflict_log(&viewer.visible, 0, PER_PAGE)
        .await?;
    let body = html! {
        div.scroll { table {
            thead { tr { th { "Thời gian" } th { "Người" } th { "Việc" } th { "Xã/phường" } th { "Chi tiết" } } }
            tbody {
                @for e in entries.iter().take(PER_PAGE as usize) {
                    tr { td { (instant(e.at)) } td { (e.user_name) } td { (action_vi(&e.action)) }
                         td { (e.commune_code.as_deref().map_or_else(|| "—".to_owned(), commune_name)) } td { (e.detail) } }
                }
                @if entries.is_empty() { tr { td colspan="5" { "Chưa có." } } }
            }
        } }
        div.pager {
            @if page_no > 1 { a.button href={ "/nhat-ky?trang=" (page_no - 1) } { "‹ Trang trước" } }
            span.muted { "Trang " (page_no) }
            @if more { a.button href={ "/nhat-ky?trang=" (page_no + 1) } { "Trang sau ›" } }
        }
        h2 { "Xung đột đồng bộ gần đây" }
        div.scroll { table {
            thead { tr { th { "Thời gian" } th { "Loại" } th { "Trường" } th { "Giá trị bị thay" } th { "Xã/phường" } } }
            tbody {
                @for c in &conflicts {
                    @let kind = EntityKind::parse(&c.entity);
                    @let (field, value) = match (kind, serde_json::from_str::<serde_json::Value>(&c.losing_value)) {
                        (Some(kind), Ok(value)) => record_field(kind, &c.field, &value),
                        _ => (c.field.clone(), c.losing_value.clone()),
                    };
                    tr { td { (instant(c.logged_at)) }
                         td { (kind.map(|k| capitalised(k.label_vi())).unwrap_or_else(|| "—".into())) }
                         td { (field) } td { (value) } td { (commune_name(&c.commune_code)) } }
                }
                @if conflicts.is_empty() { tr { td colspan="5" { "Không có xung đột." } } }
            }
        } }
    };
    Ok(page(&viewer, "/nhat-ky", "Nhật ký", body).into_response())
}

/// Roles that may sign in to the dashboard.
pub fn dashboard_role(role: Role) -> bool {
    matches!(role, Role::OfficeAdmin | Role::OfficeSupervisor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_enrolment_qr_code_carries_the_code_and_the_office_address() {
        assert_eq!(
            enrol_qr_text("K7QX2-M9PRA", "http://192.168.1.10:8080"),
            "sotay://kich-hoat?ma=K7QX2-M9PRA&may-chu=http%3A%2F%2F192.168.1.10%3A8080"
        );
        let host = |h: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::HOST, axum::http::HeaderValue::from_static(h));
            headers
        };
        let path: Uri = "/thiet-bi/ma".parse().expect("uri");
        for (browser_host, address, own) in [
            ("192.168.1.10:8080", "http://192.168.1.10:8080", false),
            ("127.0.0.1:8080", "http://127.0.0.1:8080", true),
            ("localhost:8080", "http://localhost:8080", true),
            ("[::1]:8080", "http://[::1]:8080", true),
            ("0.0.0.0:8080", "http://0.0.0.0:8080", true),
            ("localhost.bhxh.vn", "http://localhost.bhxh.vn", false),
        ] {
            assert_eq!(
                office_address_from(None, &host(browser_host), &path),
                (address.into(), own),
                "{browser_host}"
            );
        }
        let public = Some("https://bhxh.example.vn/ ".to_owned());
        assert_eq!(
            office_address_from(public, &host("localhost"), &path),
            ("https://bhxh.example.vn".into(), false)
        );
        let mut proxied = host("bhxh.example.vn");
        proxied.insert(
            "x-forwarded-proto",
            axum::http::HeaderValue::from_static("https"),
        );
        assert_eq!(
            office_address_from(None, &proxied, &path),
            ("https://bhxh.example.vn".into(), false)
        );
        // HTTP/2: no Host header, the authority in the request.
        let http2: Uri = "https://10.0.0.5:8443/thiet-bi/ma".parse().expect("uri");
        assert_eq!(
            office_address_from(None, &HeaderMap::new(), &http2),
            ("https://10.0.0.5:8443".into(), false)
        );
    }

    #[test]
    fn a_period_inside_a_sentence_starts_in_lower_case() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
        let (_, label) = parse_period(Some("2026"), today).expect("year");
        assert_eq!(
            format!("Chỉ tiêu {}.", in_sentence(&label)),
            "Chỉ tiêu năm 2026."
        );
        assert_eq!(in_sentence("Đợt 1"), "đợt 1");
        assert_eq!(in_sentence(""), "");
    }

    #[test]
    fn periods_parse_to_half_open_ranges() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
        let (p, label) = parse_period(Some("2026-H2"), today).expect("H2");
        assert_eq!(p.from, NaiveDate::from_ymd_opt(2026, 7, 1).expect("date"));
        assert_eq!(p.to, NaiveDate::from_ymd_opt(2027, 1, 1).expect("date"));
        assert_eq!(label, "6 tháng cuối năm 2026");
        assert_eq!(p.quota_key(), "2026-H2");
        let (p, _) = parse_period(Some("2026-12"), today).expect("month");
        assert_eq!(p.to, NaiveDate::from_ymd_opt(2027, 1, 1).expect("date"));
        let (p, _) = parse_period(None, today).expect("default");
        assert_eq!(
            p.quota_key(),
            "2026-H2",
            "every page opens on this half-year"
        );
        let june = NaiveDate::from_ymd_opt(2026, 6, 30).expect("date");
        assert_eq!(default_period_key(june), "2026-H1");
        assert!(parse_period(Some("2026-13"), today).is_err());
        assert!(parse_period(Some("<script>"), today).is_err());
    }

    #[test]
    fn counts_and_percentages_read_as_typed() {
        assert_eq!(parse_count("12.500"), Some(12_500));
        assert_eq!(parse_count("-3"), None);
        assert_eq!(parse_count("abc"), None);
        assert_eq!(parse_percent("3,5"), Some(35));
        assert_eq!(parse_percent("10%"), Some(100));
        assert_eq!(parse_percent("101"), None);
    }

    #[test]
    fn edition_labels_move_forward() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
        assert_eq!(next_edition_label("2026-12-01.1", today), "2026-12-01.2");
        assert_eq!(next_edition_label("2026-11-23.4", today), "2026-12-01.1");
    }
}
