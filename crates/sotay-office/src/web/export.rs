//! Exports (offices live in Excel): sign-ups with their participants, visits, payments with
//! their remittance, the evaluation report and the pages' tables, as XLSX (rust_xlsxwriter,
//! constant-memory mode: rows go to a temporary file as they are written, read from the store a
//! page at a time) or CSV, through `sheet.rs`. Headers are Vietnamese; numbers and dates are real
//! number and date cells in XLSX.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use chrono::NaiveDate;
use serde_json::{Map, Value};
use sotay_domain::{EntityKind, labels};
use std::collections::HashMap;
use uuid::Uuid;

use super::pages::{
    CollectorsQuery, EVALUATION_COLUMNS, REVIEW_FILTERS, collectors_report, default_period_key,
    evaluation_report, evaluation_tables, overview_table, parse_period, quotas_report,
    review_statuses, user_names,
};
pub use super::sheet::{Cell, Sink, csv_safe};
use super::{Viewer, WebError, WebResult};
use crate::clock::today_in_vietnam;
use crate::state::AppState;
use crate::storage::OfficeStore;
use crate::storage::dashboard::{EvaluationRow, ExportFilter, ExportKind, ExportRow, Visible};

/// Rows read from the store at a time.
pub const EXPORT_PAGE: i64 = 5_000;

fn text(fields: &Map<String, Value>, name: &str) -> Cell {
    match fields.get(name).and_then(Value::as_str) {
        Some(t) if !t.is_empty() => Cell::Text(t.to_owned()),
        _ => Cell::Empty,
    }
}

fn date_cell(fields: &Map<String, Value>, name: &str) -> Cell {
    let Some(t) = fields.get(name).and_then(Value::as_str) else {
        return Cell::Empty;
    };
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Cell::Date(d);
    }
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|t| Cell::Date(t.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh).date_naive()))
        .unwrap_or(Cell::Empty)
}

fn money_cell(fields: &Map<String, Value>, name: &str) -> Cell {
    fields
        .get(name)
        .and_then(Value::as_i64)
        .map(Cell::Money)
        .unwrap_or(Cell::Empty)
}

/// A choice in Vietnamese, as the app and the dashboard name it (`sotay_domain::labels`).
fn vi(fields: &Map<String, Value>, kind: EntityKind, name: &str) -> Cell {
    let Some(t) = fields.get(name).and_then(Value::as_str) else {
        return Cell::Empty;
    };
    Cell::Text(labels::value_label_vi(kind, name, t).map_or_else(|| t.to_owned(), str::to_owned))
}

fn mode(fields: &Map<String, Value>) -> Cell {
    fields
        .get("payment_mode")
        .and_then(|v| serde_json::from_value::<sotay_domain::PaymentMode>(v.clone()).ok())
        .map(|m| Cell::Text(m.label_vi()))
        .unwrap_or(Cell::Empty)
}

/// The headers and one row of an export of `kind`.
pub fn export_columns(kind: ExportKind) -> &'static [&'static str] {
    match kind {
        ExportKind::Enrollments => &[
            "Họ và tên",
            "Ngày sinh",
            "Giới tính",
            "Số CCCD",
            "Số điện thoại",
            "Mã xã",
            "Thôn/Tổ",
            "Mức thu nhập làm căn cứ đóng",
            "Phương thức đóng",
            "Từ tháng",
            "Trạng thái",
            "Lý do",
            "Người thu",
        ],
        ExportKind::Visits => &[
            "Ngày thăm",
            "Chủ hộ",
            "Địa chỉ",
            "Mã xã",
            "Thôn/Tổ",
            "Hình thức",
            "Kết quả",
            "Ghi chú",
            "Người thăm",
        ],
        ExportKind::Payments => &[
            "Số biên lai",
            "Ngày thu",
            "Họ và tên",
            "Số tiền",
            "Từ tháng",
            "Đến tháng",
            "Hình thức",
            "Mã xã",
            "Ngày nộp về cơ quan",
            "Người thu",
        ],
    }
}

/// The cells of one exported record; `names` are the users' names by id (who collected or
/// visited).
pub fn export_cells(kind: ExportKind, row: &ExportRow, names: &HashMap<Uuid, String>) -> Vec<Cell> {
    let f = &row.fields;
    let s = &row.subject;
    let user = |field: &str| {
        f.get(field)
            .and_then(Value::as_str)
            .and_then(|id| Uuid::parse_str(id).ok())
            .and_then(|id| names.get(&id).cloned())
            .map_or(Cell::Empty, Cell::Text)
    };
    let village = row
        .village_name
        .clone()
        .map(Cell::Text)
        .unwrap_or(Cell::Empty);
    match kind {
        ExportKind::Enrollments => vec![
            text(s, "full_name"),
            date_cell(s, "date_of_birth"),
            vi(s, EntityKind::Person, "sex"),
            text(s, "personal_id"),
            text(s, "phone"),
            Cell::Text(row.commune_code.clone()),
            village,
            money_cell(f, "monthly_income"),
            mode(f),
            date_cell(f, "first_month"),
            vi(f, EntityKind::Enrollment, "status"),
            text(f, "status_reason"),
            user("collector_id"),
        ],
        ExportKind::Visits => vec![
            date_cell(f, "visited_at"),
            text(s, "head_name"),
            text(s, "address"),
            Cell::Text(row.commune_code.clone()),
            village,
            vi(f, EntityKind::Visit, "channel"),
            vi(f, EntityKind::Visit, "outcome"),
            text(f, "notes"),
            user("visited_by"),
        ],
        ExportKind::Payments => vec![
            text(f, "receipt_number"),
            date_cell(f, "collected_at"),
            text(s, "full_name"),
            money_cell(f, "amount"),
            date_cell(f, "months_from"),
            date_cell(f, "months_to"),
            vi(f, EntityKind::Payment, "method"),
            Cell::Text(row.commune_code.clone()),
            row.remitted_on.map(Cell::Date).unwrap_or(Cell::Empty),
            user("collector_id"),
        ],
    }
}

/// Writes every record of `kind` visible in `visible` and kept by `filter` into `sink`, a page
/// at a time; how many.
pub async fn write_records(
    store: &impl OfficeStore,
    kind: ExportKind,
    visible: &Visible,
    filter: &ExportFilter,
    sink: &mut Sink,
) -> Result<u64, WebError> {
    sink.header(export_columns(kind))
        .map_err(WebError::BadRequest)?;
    let names = user_names(store).await?;
    let mut after: Option<Uuid> = None;
    let mut count = 0u64;
    loop {
        let page = store
            .export_page(kind, visible, filter, after, EXPORT_PAGE)
            .await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for row in &page {
            sink.row(&export_cells(kind, row, &names))
                .map_err(WebError::BadRequest)?;
            count += 1;
        }
        if (page.len() as i64) < EXPORT_PAGE {
            break;
        }
    }
    Ok(count)
}

/// The query of a download, as the page it came from was filtered: one commune (any export),
/// a period (the evaluation's; a record export's when given), the review queue's status
/// (`loc`, sign-ups) and one collector or visitor (`nguoi`).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ExportQuery {
    ky: Option<String>,
    xa: Option<String>,
    loc: Option<String>,
    nguoi: Option<String>,
}

/// A query value that was given (not absent, not blank), trimmed.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl ExportQuery {
    /// The records a record export of `kind` keeps, and how the audit log names the filters
    /// (`names`: the users' names by id).
    fn filter(
        &self,
        kind: ExportKind,
        names: &HashMap<Uuid, String>,
    ) -> Result<(ExportFilter, String), WebError> {
        let mut filter = ExportFilter::default();
        let mut said = Vec::new();
        if let Some(ky) = given(&self.ky) {
            let (period, label) =
                parse_period(Some(ky), today_in_vietnam()).map_err(WebError::BadRequest)?;
            filter.period = Some(period);
            said.push(label);
        }
        if let Some(loc) = given(&self.loc)
            && kind == ExportKind::Enrollments
        {
            filter.statuses = review_statuses(loc)
                .iter()
                .map(|s| (*s).to_owned())
                .collect();
            let name = REVIEW_FILTERS
                .iter()
                .find(|(key, _)| *key == loc)
                .map_or("Chờ duyệt", |(_, name)| name);
            said.push(name.to_owned());
        }
        if let Some(id) = given(&self.nguoi) {
            let id = Uuid::parse_str(id)
                .map_err(|_| WebError::BadRequest("Người thu không hợp lệ.".into()))?;
            filter.actor = Some(id);
            said.push(names.get(&id).cloned().unwrap_or_else(|| id.to_string()));
        }
        let said = if said.is_empty() {
            String::new()
        } else {
            format!(", {}", said.join(", "))
        };
        Ok((filter, said))
    }
}

/// An export of records, as `GET /xuat/{file}` offers it.
struct RecordExport {
    /// The file's name, before `.xlsx` or `.csv`.
    file: &'static str,
    /// The records it holds.
    kind: ExportKind,
    /// The name of its XLSX sheet.
    sheet: &'static str,
    /// What the audit log says was exported.
    what: &'static str,
}

/// The exports of records; `danh-gia` (the evaluation report) is built apart.
const RECORD_EXPORTS: [RecordExport; 3] = [
    RecordExport {
        file: "dang-ky",
        kind: ExportKind::Enrollments,
        sheet: "Đăng ký",
        what: "danh sách đăng ký",
    },
    RecordExport {
        file: "tham-ho",
        kind: ExportKind::Visits,
        sheet: "Thăm hộ",
        what: "lượt thăm hộ",
    },
    RecordExport {
        file: "thu-tien",
        kind: ExportKind::Payments,
        sheet: "Thu tiền",
        what: "thu tiền và nộp tiền",
    },
];

/// `GET /xuat/{file}`: the records `dang-ky`, `tham-ho`, `thu-tien`; the evaluation report
/// `danh-gia`; the tables of the overview (`tong-quan`), collectors (`nguoi-thu`, every page of
/// it) and quotas (`chi-tieu`) pages, with the page's filters; each
/// `.xlsx` or `.csv`.
pub async fn download<S: OfficeStore>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Path(file): Path<String>,
    Query(q): Query<ExportQuery>,
    Query(people): Query<CollectorsQuery>,
) -> WebResult {
    // One commune's records, when the page it came from showed one.
    let visible = viewer.narrowed_to(q.xa.as_deref())?;
    let (name, ext) = file.rsplit_once('.').ok_or(WebError::NotFound)?;
    let records = RECORD_EXPORTS.iter().find(|export| export.file == name);
    let sheet = match (records, name) {
        (Some(export), _) => export.sheet,
        (None, "tong-quan") => "Tổng quan",
        (None, "chi-tieu") => "Chỉ tiêu",
        (None, "nguoi-thu") => "Người thu",
        _ => "Đánh giá",
    };
    let mut sink = match ext {
        "xlsx" => Sink::xlsx(sheet).map_err(|e| WebError::BadRequest(e.to_string()))?,
        "csv" => Sink::csv(),
        _ => return Err(WebError::NotFound),
    };
    let what = match (records, name) {
        (Some(export), _) => {
            let names = user_names(state.store.as_ref()).await?;
            let (filter, said) = q.filter(export.kind, &names)?;
            write_records(
                state.store.as_ref(),
                export.kind,
                &visible,
                &filter,
                &mut sink,
            )
            .await?;
            format!("{}{said}", export.what)
        }
        // The tables of the overview and quotas pages, as the page shows them.
        (None, "tong-quan") => {
            let today = today_in_vietnam();
            let ky = given(&q.ky).map_or_else(|| default_period_key(today), str::to_owned);
            let (period, label) = parse_period(Some(&ky), today).map_err(WebError::BadRequest)?;
            let commune = given(&q.xa);
            let rows = state
                .store
                .overview(&visible, period, today, commune.is_some())
                .await?;
            overview_table(&rows, commune, &ky)
                .write(&mut sink)
                .map_err(WebError::BadRequest)?;
            format!("bảng tổng quan, {}", label.to_lowercase())
        }
        (None, "chi-tieu") => {
            let today = today_in_vietnam();
            let (period, label) =
                parse_period(q.ky.as_deref(), today).map_err(WebError::BadRequest)?;
            quotas_report(&state, &viewer, period, today)
                .await?
                .write(&mut sink)
                .map_err(WebError::BadRequest)?;
            format!("bảng chỉ tiêu, {}", label.to_lowercase())
        }
        (None, "nguoi-thu") => {
            let report = collectors_report(&state, &viewer, &people).await?;
            report
                .table(report.users())
                .write(&mut sink)
                .map_err(WebError::BadRequest)?;
            format!("bảng người thu, {}", report.period_label().to_lowercase())
        }
        (None, "danh-gia") => {
            let today = today_in_vietnam();
            let (period, _) = parse_period(q.ky.as_deref(), today).map_err(WebError::BadRequest)?;
            let (people, orgs) = evaluation_report(&state, &visible, period).await?;
            write_evaluation(&mut sink, &people, &orgs).map_err(WebError::BadRequest)?;
            "báo cáo đánh giá".to_owned()
        }
        _ => return Err(WebError::NotFound),
    };
    let bytes = sink.finish().map_err(WebError::BadRequest)?;
    state
        .store
        .audit(&viewer.audit("export", None, format!("Xuất {what} ({ext})")))
        .await?;
    let content_type = if ext == "xlsx" {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "text/csv; charset=utf-8"
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.{ext}\"", file_stem(name, &q)),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// A downloaded file's name: what it is and what it holds (`danh-gia-2026-H1`,
/// `dang-ky-cho-duyet-00376`), so the files of two periods or two communes are told apart in
/// a folder. Only letters, digits and dashes.
fn file_stem(name: &str, q: &ExportQuery) -> String {
    let today = today_in_vietnam();
    let period = given(&q.ky).map(str::to_owned).or_else(|| {
        // The reports are of a period even when the link named none: the page's default.
        matches!(name, "danh-gia" | "tong-quan" | "chi-tieu" | "nguoi-thu")
            .then(|| default_period_key(today))
    });
    let parts = [
        Some(name.to_owned()),
        period,
        given(&q.loc).map(str::to_owned),
        given(&q.xa).map(str::to_owned),
    ];
    parts
        .into_iter()
        .flatten()
        .map(|part| {
            part.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .take(40)
                .collect::<String>()
        })
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The evaluation report into a file: its collectors, then (a second worksheet in XLSX) its
/// organisations.
fn write_evaluation(
    sink: &mut Sink,
    people: &[(String, String, EvaluationRow)],
    orgs: &[(String, EvaluationRow)],
) -> Result<(), String> {
    let (by_person, by_org) = evaluation_tables(people, orgs);
    by_person.write(sink)?;
    sink.next_table("Theo tổ chức", EVALUATION_COLUMNS.len() + 2)?;
    by_org.write(sink)
}

/// Builds an export file in memory for a command line or a test.
pub async fn export_bytes(
    store: &impl OfficeStore,
    kind: ExportKind,
    visible: &Visible,
    xlsx: bool,
) -> Result<(Vec<u8>, u64), WebError> {
    let mut sink = if xlsx {
        Sink::xlsx("Xuất").map_err(|e| WebError::BadRequest(e.to_string()))?
    } else {
        Sink::csv()
    };
    let count = write_records(store, kind, visible, &ExportFilter::default(), &mut sink).await?;
    Ok((sink.finish().map_err(WebError::BadRequest)?, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_that_look_like_formulas_become_text() {
        assert_eq!(csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_safe("+84912"), "'+84912");
        assert_eq!(csv_safe("Nguyễn Văn A"), "Nguyễn Văn A");
        let mut sink = Sink::csv();
        sink.header(&["Họ và tên"]).expect("header");
        sink.row(&[Cell::Text("=1+1".into())]).expect("row");
        let bytes = sink.finish().expect("finish");
        let text = String::from_utf8(bytes).expect("utf-8");
        assert!(text.starts_with('\u{feff}'), "a BOM for Excel");
        assert!(text.contains("'=1+1"), "{text}");
    }

    /// Every channel and outcome a visit can carry is written in Vietnamese, never as its code.
    #[test]
    fn visit_channels_and_outcomes_are_in_vietnamese() {
        use sotay_domain::{VisitChannel, VisitOutcome};
        let channels = [
            VisitChannel::DoorToDoor,
            VisitChannel::Phone,
            VisitChannel::Meeting,
        ];
        let outcomes = VisitOutcome::ALL;
        for (field, value) in channels
            .iter()
            .map(|c| ("channel", serde_json::to_value(c).expect("json")))
            .chain(
                outcomes
                    .iter()
                    .map(|o| ("outcome", serde_json::to_value(o).expect("json"))),
            )
        {
            let mut fields = Map::new();
            fields.insert(field.into(), value.clone());
            let Cell::Text(shown) = vi(&fields, EntityKind::Visit, field) else {
                panic!("{value} has a cell");
            };
            assert_ne!(Value::String(shown.clone()), value, "{value} is translated");
            assert!(!shown.contains('_'), "{shown}");
        }
    }
}
