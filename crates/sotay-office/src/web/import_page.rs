//! Nhập danh sách: upload a CSV or XLSX list of prospects, see every bad row with its reason,
//! and import all of it, or only the good rows, in one transaction (see [`crate::import`]).

use axum::extract::{Multipart, State};
use axum::response::IntoResponse;
use maud::{Markup, html};

use super::format::number;
use super::layout::{csrf_field, field_error, notice, page};
use super::{Viewer, WebError, WebResult};
use crate::import::{COLUMNS, ImportReport, MAX_IMPORT_BYTES, import_file};
use crate::state::AppState;
use crate::storage::OfficeStore;

fn form(viewer: &Viewer, file_error: Option<&str>) -> Markup {
    html! {
        div.card {
            p { "Tệp .csv (UTF-8) hoặc .xlsx, dòng đầu là tiêu đề với các cột: " (COLUMNS.join(", ")) ". Ngày theo dạng dd/mm/yyyy; Diện hộ là \"nghèo\" hoặc \"cận nghèo\"." }
            form method="post" action="/nhap" enctype="multipart/form-data" {
                (csrf_field(viewer))
                p { label { "Tệp danh sách" input type="file" name="file" accept=".csv,.xlsx" required; } (field_error(file_error)) }
                p { label { "Mã xã (khi tệp không có cột Mã xã)" input name="commune" maxlength="5" inputmode="numeric"; } }
                p { label.check {
                    input type="checkbox" name="only_good" value="1";
                    "Nếu có dòng lỗi, vẫn nhập các dòng đúng" } }
                p { label.check {
                    input type="checkbox" name="dry_run" value="1";
                    "Chỉ kiểm tra, chưa nhập" } }
                button type="submit" { "Tải lên" }
            }
        }
    }
}

fn report_markup(report: &ImportReport) -> Markup {
    html! {
        div.card id="bao-cao" {
            p { "Đã đọc " (number(report.rows as i64)) " dòng; " (number(report.good_rows as i64)) " dòng đúng; "
                (number(report.errors.len() as i64)) " lỗi." }
            @if report.imported > 0 {
                p.ok { "Đã nhập " (number(report.imported as i64)) " người vào danh sách tiềm năng." }
            } @else if report.dry_run {
                p { "Chỉ kiểm tra: chưa nhập gì." }
            } @else if !report.errors.is_empty() {
                p.error { "Chưa nhập gì vì tệp có dòng lỗi. Hãy sửa tệp, hoặc chọn \"vẫn nhập các dòng đúng\"." }
            }
            @if !report.errors.is_empty() {
                div.scroll { table {
                    thead { tr { th.num { "Dòng" } th { "Cột" } th { "Lỗi" } } }
                    tbody { @for e in &report.errors { tr { td.num { (e.row) } td { (e.column) } td { (e.message) } } } }
                } }
            }
        }
    }
}

/// `GET /nhap`.
pub async fn import_form<S: OfficeStore>(viewer: Viewer) -> WebResult {
    Ok(page(&viewer, "/nhap", "Nhập danh sách", form(&viewer, None)).into_response())
}

/// `POST /nhap` (multipart: `_csrf`, `file`, `commune`, `only_good`, `dry_run`).
pub async fn import_upload<S: OfficeStore>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    mut multipart: Multipart,
) -> WebResult {
    let mut csrf = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut commune = String::new();
    let mut only_good = false;
    let mut dry_run = false;
    let mut too_large = false;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| WebError::BadRequest("Tệp tải lên bị lỗi hoặc lớn quá 20 MB.".into()))?
    {
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "file" => {
                let filename = field.file_name().unwrap_or("").to_owned();
                let bytes = field.bytes().await.map_err(|_| {
                    WebError::BadRequest("Tệp tải lên bị lỗi hoặc lớn quá 20 MB.".into())
                })?;
                too_large = bytes.len() > MAX_IMPORT_BYTES;
                file = Some((filename, bytes.to_vec()));
            }
            _ => {
                let text = field.text().await.unwrap_or_default();
                match name.as_str() {
                    "_csrf" => csrf = text,
                    "commune" => commune = text.trim().to_owned(),
                    "only_good" => only_good = text == "1",
                    "dry_run" => dry_run = text == "1",
                    _ => {}
                }
            }
        }
    }
    viewer.check_csrf(&csrf)?;
    let problem = |m: String| -> WebResult {
        let mut response =
            page(&viewer, "/nhap", "Nhập danh sách", form(&viewer, Some(&m))).into_response();
        *response.status_mut() = axum::http::StatusCode::BAD_REQUEST;
        Ok(response)
    };
    let Some((filename, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return problem("Hãy chọn tệp danh sách.".into());
    };
    if too_large {
        return problem(crate::import::FileError::TooLarge.to_string());
    }
    if !commune.is_empty() {
        viewer.require_commune(&commune)?;
    }
    let commune = (!commune.is_empty()).then_some(commune.as_str());
    let report = match import_file(
        state.store.as_ref(),
        &bytes,
        &filename,
        &viewer.visible,
        crate::import::ImportOptions {
            commune,
            dry_run,
            only_good,
        },
        |_, _| {},
    )
    .await?
    {
        Ok(report) => report,
        Err(file_error) => return problem(file_error.to_string()),
    };
    if report.imported > 0 {
        state
            .store
            .audit(&viewer.audit(
                "import",
                commune,
                format!(
                    "Nhập {} người từ tệp {} ({} dòng lỗi bỏ qua)",
                    report.imported,
                    filename.chars().take(100).collect::<String>(),
                    report.errors.len()
                ),
            ))
            .await?;
    }
    let ok = report.errors.is_empty();
    let body = html! {
        (notice(None))
        (report_markup(&report))
        (form(&viewer, None))
    };
    let mut response = page(&viewer, "/nhap", "Nhập danh sách", body).into_response();
    if !ok && report.imported == 0 && !report.dry_run {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}
