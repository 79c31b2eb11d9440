//! Importing a list of prospects (a commune's poor and near-poor household list) from CSV or
//! XLSX, for the dashboard's upload and `sotay-office import`.
//!
//! The file must be UTF-8 (with or without BOM) or XLSX: a CSV in Windows-1258 or TCVN3 (what
//! old Excel and Vietnamese typing tools save) is not valid UTF-8, and is refused with a message
//! saying how to save it again as UTF-8 — guessing a legacy encoding would import wrong names.
//! Headers are matched ignoring case and diacritics. Every row becomes a household (the person
//! as its head, the poverty status and year) and a person at the prospect stage, checked with
//! `sotay-domain`'s `Validate` like every record; each bad row is reported with its row number,
//! column and reason in Vietnamese. Duplicates (same ID number, or same name, birth date and
//! village) are found within the file and against the database. Nothing is imported from a file
//! with errors unless only the good rows are asked for, and the import is one transaction (one
//! `apply_ops` batch).

use chrono::{Datelike, NaiveDate, Utc};
use serde::Serialize;
use sotay_domain::calendar::parse_typed_date;
use sotay_domain::validate::{Validate, ValidationContext};
use sotay_domain::{EntityKind, Household, Normalize, Person, PovertyStatus, Sex};
use sotay_sync::protocol::codes;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

use crate::admin::OfficeWriter;
use crate::error::{OfficeError, Result};
use crate::storage::OfficeStore;
use crate::storage::dashboard::Visible;

/// Largest file accepted (bytes).
pub const MAX_IMPORT_BYTES: usize = 20 * 1024 * 1024;
/// Most rows in one file.
pub const MAX_IMPORT_ROWS: usize = 100_000;

/// The columns of a list, as printed in its header.
pub const COLUMNS: [&str; 10] = [
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số CCCD",
    "Số điện thoại",
    "Mã xã",
    "Thôn/Tổ",
    "Địa chỉ",
    "Diện hộ",
    "Năm",
];

/// A problem with the whole file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    /// Not UTF-8: probably Windows-1258 or TCVN3.
    #[error(
        "Tệp không phải UTF-8 (có thể đang ở bảng mã Windows-1258 hoặc TCVN3/ABC). Hãy mở tệp \
         bằng Excel, chọn Lưu thành (Save As) → \"CSV UTF-8 (Comma delimited)\", rồi tải lên lại; \
         hoặc tải lên tệp .xlsx."
    )]
    Encoding,
    /// Neither CSV nor XLSX.
    #[error("Chỉ nhận tệp .csv (UTF-8) hoặc .xlsx.")]
    Format,
    /// Too large.
    #[error("Tệp lớn quá 20 MB hoặc quá 100.000 dòng. Hãy chia thành nhiều tệp.")]
    TooLarge,
    /// Empty or no header.
    #[error("Tệp không có dòng tiêu đề hoặc không có dòng dữ liệu nào.")]
    Empty,
    /// Required columns missing.
    #[error(
        "Thiếu cột: {0}. Dòng đầu tiên phải có các cột: Họ và tên, Ngày sinh, Giới tính, Số CCCD, Số điện thoại, Mã xã, Thôn/Tổ, Địa chỉ, Diện hộ, Năm."
    )]
    MissingColumns(String),
    /// The XLSX could not be read.
    #[error("Không đọc được tệp Excel: {0}")]
    Unreadable(String),
}

impl FileError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            FileError::Encoding => codes::IMPORT_NOT_UTF8,
            FileError::Format => codes::IMPORT_FORMAT,
            FileError::TooLarge => codes::IMPORT_TOO_LARGE,
            FileError::Empty => codes::IMPORT_EMPTY,
            FileError::MissingColumns(_) => codes::IMPORT_MISSING_COLUMNS,
            FileError::Unreadable(_) => codes::IMPORT_UNREADABLE,
        }
    }
}

/// A bad row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// Row number in the file (the header is row 1).
    pub row: usize,
    /// The column at fault (its Vietnamese header).
    pub column: String,
    /// Stable code.
    pub code: String,
    /// What is wrong, in Vietnamese.
    pub message: String,
}

/// What an import did (or would do, in a dry run).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Data rows read.
    pub rows: usize,
    /// Rows without errors.
    pub good_rows: usize,
    /// Rows imported (0 in a dry run, or when errors stopped it).
    pub imported: usize,
    /// Every problem, by row.
    pub errors: Vec<RowError>,
    /// Whether this was only a check.
    pub dry_run: bool,
}

/// Reads a CSV (UTF-8, with or without BOM) or XLSX file into rows of text, header first.
pub fn read_table(
    bytes: &[u8],
    filename: &str,
) -> std::result::Result<Vec<Vec<String>>, FileError> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(FileError::TooLarge);
    }
    let lower = filename.to_lowercase();
    let rows = if bytes.starts_with(b"PK\x03\x04") || lower.ends_with(".xlsx") {
        read_xlsx(bytes)?
    } else if lower.ends_with(".csv") || lower.ends_with(".txt") || lower.is_empty() {
        let text = std::str::from_utf8(bytes).map_err(|_| FileError::Encoding)?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if text.contains('\0') {
            return Err(FileError::Format);
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| FileError::Unreadable(e.to_string()))?;
            rows.push(record.iter().map(str::to_owned).collect());
            if rows.len() > MAX_IMPORT_ROWS + 1 {
                return Err(FileError::TooLarge);
            }
        }
        rows
    } else {
        return Err(FileError::Format);
    };
    if rows.len() < 2 {
        return Err(FileError::Empty);
    }
    Ok(rows)
}

fn read_xlsx(bytes: &[u8]) -> std::result::Result<Vec<Vec<String>>, FileError> {
    use calamine::{Data, Reader, Xlsx};
    let mut workbook: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| FileError::Unreadable(e.to_string()))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or(FileError::Empty)?
        .map_err(|e| FileError::Unreadable(e.to_string()))?;
    let mut rows = Vec::new();
    for row in range.rows() {
        if rows.len() > MAX_IMPORT_ROWS + 1 {
            return Err(FileError::TooLarge);
        }
        rows.push(
            row.iter()
                .map(|cell| match cell {
                    Data::Empty => String::new(),
                    Data::String(s) => s.clone(),
                    Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                    Data::Float(f) => f.to_string(),
                    Data::Int(i) => i.to_string(),
                    Data::Bool(b) => b.to_string(),
                    // Excel's serial day: days since 30/12/1899.
                    Data::DateTime(d) => NaiveDate::from_ymd_opt(1899, 12, 30)
                        .and_then(|epoch| {
                            epoch.checked_add_signed(chrono::Duration::days(d.as_f64() as i64))
                        })
                        .map(|t| t.format("%d/%m/%Y").to_string())
                        .unwrap_or_default(),
                    Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
                    Data::Error(_) => String::new(),
                })
                .collect(),
        );
    }
    Ok(rows)
}

/// Which column holds each of [`COLUMNS`], matching headers without case or diacritics.
fn header_map(header: &[String]) -> HashMap<usize, usize> {
    let keys: Vec<String> = COLUMNS
        .iter()
        .map(|c| sotay_domain::fold::fold(c))
        .collect();
    let mut map = HashMap::new();
    for (i, text) in header.iter().enumerate() {
        let folded = sotay_domain::fold::fold(text.trim());
        if let Some(k) = keys.iter().position(|k| {
            folded == *k
                || folded.starts_with(&format!("{k} "))
                || folded.starts_with(&format!("{k}("))
        }) {
            map.entry(k).or_insert(i);
        }
    }
    map
}

/// A row that passed every check, ready to write.
#[derive(Clone, Debug)]
pub struct GoodRow {
    /// Row number.
    pub row: usize,
    /// The household.
    pub household: Household,
    /// The person.
    pub person: Person,
}

fn column_of(field: &str) -> &'static str {
    match field {
        "full_name" | "head_name" => COLUMNS[0],
        "date_of_birth" => COLUMNS[1],
        "sex" => COLUMNS[2],
        "personal_id" => COLUMNS[3],
        "phone" => COLUMNS[4],
        "commune_code" => COLUMNS[5],
        "village_id" => COLUMNS[6],
        "address" => COLUMNS[7],
        "poverty_status" => COLUMNS[8],
        "poverty_year" => COLUMNS[9],
        _ => "",
    }
}

/// The villages a list may name: (commune, folded name) → id.
pub type VillageIndex = HashMap<(String, String), Uuid>;

/// Checks every data row of `table`; `commune` fills an empty Mã xã (or stands for every row
/// when the file has no such column).
pub fn check_rows(
    table: &[Vec<String>],
    commune: Option<&str>,
    villages: &VillageIndex,
    visible: &Visible,
    today: NaiveDate,
) -> std::result::Result<(Vec<GoodRow>, Vec<RowError>), FileError> {
    let header = &table[0];
    let map = header_map(header);
    let mut missing: Vec<&str> = [0usize, 1, 2, 6, 8]
        .iter()
        .filter(|k| !map.contains_key(k))
        .map(|k| COLUMNS[*k])
        .collect();
    if !map.contains_key(&5) && commune.is_none() {
        missing.push(COLUMNS[5]);
    }
    if !missing.is_empty() {
        return Err(FileError::MissingColumns(missing.join(", ")));
    }
    let ctx = ValidationContext::at(Utc::now());
    let mut good = Vec::new();
    let mut errors = Vec::new();
    for (i, cells) in table.iter().enumerate().skip(1) {
        let row = i + 1;
        let get = |k: usize| -> String {
            map.get(&k)
                .and_then(|c| cells.get(*c))
                .map(|s| s.trim().to_owned())
                .unwrap_or_default()
        };
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut row_errors = Vec::new();
        macro_rules! err {
            ($column:expr, $code:expr, $message:expr $(,)?) => {
                row_errors.push(RowError {
                    row,
                    column: ($column).to_owned(),
                    code: ($code).to_owned(),
                    message: $message,
                })
            };
        }
        let name = get(0);
        let dob_text = get(1);
        let date_of_birth = match parse_typed_date(&dob_text) {
            Ok(day) => Some(day),
            Err(e) => {
                err!(
                    COLUMNS[1],
                    codes::DATE_INVALID,
                    e.message("Ngày sinh", &dob_text)
                );
                None
            }
        };
        let sex = match sotay_domain::fold::fold(&get(2)).as_str() {
            "nam" => Some(Sex::Male),
            "nu" => Some(Sex::Female),
            other => {
                err!(
                    COLUMNS[2],
                    codes::SEX_INVALID,
                    format!("Giới tính \"{other}\" phải là Nam hoặc Nữ."),
                );
                None
            }
        };
        let commune_code = match get(5) {
            c if c.is_empty() => commune.unwrap_or("").to_owned(),
            c => c,
        };
        if !commune_code.is_empty() && !visible.allows(&commune_code) {
            err!(
                COLUMNS[5],
                codes::COMMUNE_NOT_YOURS,
                format!("Bạn không được nhập danh sách cho xã {commune_code}."),
            );
        }
        let village_name = get(6);
        let village_id = villages
            .get(&(
                commune_code.clone(),
                sotay_domain::fold::fold(&village_name),
            ))
            .copied();
        if village_id.is_none() {
            err!(
                COLUMNS[6],
                codes::VILLAGE_UNKNOWN,
                format!(
                    "Thôn/tổ \"{village_name}\" chưa có ở {} ({commune_code}). Hãy thêm thôn ở trang Địa bàn hoặc sửa tên thôn.",
                    sotay_domain::admin_units::commune(&commune_code).map_or("xã", |c| c.name)
                ),
            );
        }
        let poverty_status = match sotay_domain::fold::fold(&get(8)).as_str() {
            "ngheo" | "ho ngheo" => Some(PovertyStatus::Poor),
            "can ngheo" | "ho can ngheo" => Some(PovertyStatus::NearPoor),
            other => {
                err!(
                    COLUMNS[8],
                    codes::POVERTY_INVALID,
                    format!("Diện hộ \"{other}\" phải là \"nghèo\" hoặc \"cận nghèo\"."),
                );
                None
            }
        };
        let year_text = get(9);
        let poverty_year = if year_text.is_empty() {
            Some(today.year())
        } else {
            match year_text.parse::<i32>() {
                Ok(y) => Some(y),
                Err(_) => {
                    err!(
                        COLUMNS[9],
                        codes::YEAR_INVALID,
                        format!(
                            "Năm \"{year_text}\" phải là số năm, ví dụ {}.",
                            today.year()
                        ),
                    );
                    None
                }
            }
        };
        let personal_id = Some(get(3)).filter(|s| !s.is_empty());
        let phone = Some(get(4)).filter(|s| !s.is_empty());
        let address = get(7);
        let household = Household {
            id: Uuid::now_v7(),
            commune_code,
            village_id,
            address,
            head_name: name.clone(),
            poverty_status: poverty_status.unwrap_or(PovertyStatus::None),
            poverty_year,
            notes: String::new(),
            location: None,
        }
        .normalized();
        let person = Person {
            date_of_birth,
            personal_id,
            phone,
            ..Person::prospect(&household, name, sex.unwrap_or(Sex::Male))
        }
        .normalized();
        let mut seen_fields: HashSet<String> = HashSet::new();
        for result in [household.validate(&ctx), person.validate(&ctx)] {
            if let Err(list) = result {
                for e in list.0 {
                    let column = column_of(&e.field);
                    // One message per column; the parse errors above already name theirs.
                    if !seen_fields.insert(column.to_owned())
                        || row_errors.iter().any(|r| r.column == column)
                    {
                        continue;
                    }
                    err!(column, e.code.as_str(), e.message);
                }
            }
        }
        if row_errors.is_empty() {
            good.push(GoodRow {
                row,
                household,
                person,
            });
        } else {
            errors.extend(row_errors);
        }
    }
    Ok((good, errors))
}

/// Finds duplicates among `rows` and against `existing` persons: same ID number, or same folded
/// name, birth date and village. Returns the rows that are duplicates, as errors.
pub fn duplicates(
    rows: &[GoodRow],
    existing: &[crate::storage::dashboard::PersonMatch],
) -> Vec<RowError> {
    let mut errors = Vec::new();
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut keys: HashMap<(String, Option<NaiveDate>, Option<Uuid>), usize> = HashMap::new();
    for m in existing {
        if let Some(id) = &m.personal_id {
            ids.insert(id.clone(), 0);
        }
        if let Some(name) = &m.name_key {
            keys.insert((name.clone(), m.date_of_birth, m.village_id), 0);
        }
    }
    for r in rows {
        let p = &r.person;
        // This row repeats `what` of row `first` (0: of a person already stored).
        let duplicate = |column: &str, code: &str, what: String, first: usize| RowError {
            row: r.row,
            column: column.into(),
            code: code.into(),
            message: if first == 0 {
                format!("{what} đã có trong cơ sở dữ liệu.")
            } else {
                format!("{what} trùng với dòng {first}.")
            },
        };
        if let Some(id) = &p.personal_id {
            if let Some(&first) = ids.get(id) {
                errors.push(duplicate(
                    COLUMNS[3],
                    codes::DUPLICATE_PERSONAL_ID,
                    format!("Số CCCD {id}"),
                    first,
                ));
                continue;
            }
            ids.insert(id.clone(), r.row);
        }
        let key = (
            sotay_domain::fold::fold(&p.full_name),
            p.date_of_birth,
            p.village_id,
        );
        if let Some(&first) = keys.get(&key) {
            errors.push(duplicate(
                COLUMNS[0],
                codes::DUPLICATE_PERSON,
                "Người cùng họ tên, ngày sinh và thôn".to_owned(),
                first,
            ));
            continue;
        }
        keys.insert(key, r.row);
    }
    errors
}

/// How to import.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions<'a> {
    /// The commune of rows without a Mã xã.
    pub commune: Option<&'a str>,
    /// Only check; write nothing.
    pub dry_run: bool,
    /// Import the good rows even when some rows are bad.
    pub only_good: bool,
}

/// Checks a file and, unless `dry_run`, imports it in one transaction: all rows when none is
/// bad, or only the good ones with `only_good`. `progress(done, total)` is called while
/// checking and writing.
pub async fn import_file(
    store: &impl OfficeStore,
    bytes: &[u8],
    filename: &str,
    visible: &Visible,
    options: ImportOptions<'_>,
    mut progress: impl FnMut(usize, usize),
) -> Result<std::result::Result<ImportReport, FileError>> {
    let ImportOptions {
        commune,
        dry_run,
        only_good,
    } = options;
    let table = match read_table(bytes, filename) {
        Ok(t) => t,
        Err(e) => return Ok(Err(e)),
    };
    let villages: VillageIndex = store
        .villages(&Visible::All)
        .await?
        .into_iter()
        .map(|v| ((v.commune_code, sotay_domain::fold::fold(&v.name)), v.id))
        .collect();
    let today = crate::clock::today_in_vietnam();
    let (mut good, mut errors) = match check_rows(&table, commune, &villages, visible, today) {
        Ok(x) => x,
        Err(e) => return Ok(Err(e)),
    };
    let rows = table.len() - 1;
    progress(rows / 2, rows);
    let ids: Vec<String> = good
        .iter()
        .filter_map(|r| r.person.personal_id.clone())
        .collect();
    let names: Vec<String> = good
        .iter()
        .map(|r| sotay_domain::fold::fold(&r.person.full_name))
        .collect();
    let existing = store.persons_matching(ids, names).await?;
    let dup = duplicates(&good, &existing);
    let dup_rows: HashSet<usize> = dup.iter().map(|e| e.row).collect();
    good.retain(|r| !dup_rows.contains(&r.row));
    errors.extend(dup);
    errors.sort_by_key(|e| e.row);
    let bad_rows: HashSet<usize> = errors.iter().map(|e| e.row).collect();
    let mut report = ImportReport {
        rows,
        good_rows: good.len(),
        imported: 0,
        errors,
        dry_run,
    };
    if dry_run || (!bad_rows.is_empty() && !only_good) || good.is_empty() {
        progress(rows, rows);
        return Ok(Ok(report));
    }
    let mut writer = OfficeWriter::default();
    let mut ops = Vec::with_capacity(good.len() * 2);
    for r in &good {
        ops.push(writer.record_op(EntityKind::Household, &r.household)?);
        ops.push(writer.record_op(EntityKind::Person, &r.person)?);
    }
    let outcomes = writer.apply_batch(store, ops).await?;
    if let Some(refused) = outcomes.iter().find(|o| {
        !matches!(
            o,
            sotay_sync::protocol::OpOutcome::Applied | sotay_sync::protocol::OpOutcome::Duplicate
        )
    }) {
        // Every row was checked with the same rules first; a refusal here is a bug to report.
        return Err(OfficeError::Invalid(format!(
            "Văn phòng từ chối một dòng đã kiểm tra: {refused:?}"
        )));
    }
    report.imported = good.len();
    progress(rows, rows);
    Ok(Ok(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1258_and_tcvn3_files_are_refused_with_how_to_fix() {
        // "Nguyễn" in Windows-1258 is N g u y 0xD2 0xDE n (a base letter with combining marks).
        let cp1258 = b"H\xe4 v\xe0 t\xean\nNguy\xd2\xden\n";
        let err = read_table(cp1258, "ds.csv").expect_err("not UTF-8");
        assert_eq!(err, FileError::Encoding);
        assert!(err.to_string().contains("CSV UTF-8"), "{err}");
        // TCVN3: "Nguyễn" is N g u y 0xDC n.
        let tcvn3 = b"Ho va ten\nNguy\xdcn\n";
        assert_eq!(read_table(tcvn3, "ds.csv"), Err(FileError::Encoding));
    }

    #[test]
    fn a_bom_is_skipped_and_headers_match_without_diacritics() {
        let text = "\u{feff}HO VA TEN,ngay sinh,Giới Tính,Số CCCD,Số điện thoại,Mã xã,thon/to,Địa chỉ,Diện hộ (nghèo / cận nghèo),Năm\nA,01/01/1980,Nam,,,00376,Thôn Đông,,nghèo,2025\n";
        let table = read_table(text.as_bytes(), "ds.csv").expect("read");
        let map = header_map(&table[0]);
        assert_eq!(map.len(), 10, "every column found: {map:?}");
        assert_eq!(table[0][0], "HO VA TEN", "the BOM is gone");
    }

    #[test]
    fn other_formats_are_refused() {
        assert_eq!(read_table(b"%PDF-1.4", "ds.pdf"), Err(FileError::Format));
        assert_eq!(read_table(b"Ho va ten\n", "ds.csv"), Err(FileError::Empty));
    }
}
