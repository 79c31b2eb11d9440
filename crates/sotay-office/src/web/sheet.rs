//! A spreadsheet being written: its cells ([`Cell`]: text, numbers, money, dates, shares,
//! progress, flagged text) and where rows go ([`Sink`]: an XLSX workbook in constant memory, or
//! CSV with a BOM so Excel reads the diacritics). Below the exports and the tables, which both
//! write through it.
//!
//! Formula injection: XLSX text is always written as a string cell (never a formula); a CSV
//! cell that starts with `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'`, as
//! OWASP advises, so a spreadsheet shows it as text.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet};

use super::format::{basis_points, permille};

/// One cell of an export.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A number.
    Number(i64),
    /// A date.
    Date(NaiveDate),
    /// A share in per mille (`125` is 12,5%): a percentage cell in XLSX.
    Permille(i64),
    /// A share in basis points (`5` is 0,05%): a percentage cell with two decimals in XLSX.
    BasisPoints(i64),
    /// An amount of đồng: a number cell with thousands grouped in XLSX.
    Money(i64),
    /// Progress `done` of `target`: a bar on a page, a percentage cell in a file (empty without
    /// a target).
    Progress(i64, i64),
    /// Text with a warning beside it (a tag on a page, in brackets in a file).
    Flagged(String, String),
    /// Nothing.
    Empty,
}

impl Cell {
    /// What a file holds for a cell a page draws: a progress is its share, a flag its text.
    fn for_file(&self) -> Cell {
        match self {
            Cell::Progress(_, target) if *target <= 0 => Cell::Empty,
            Cell::Progress(done, target) => Cell::Permille(done * 1000 / target),
            Cell::Flagged(text, flag) => Cell::Text(format!("{text} ({flag})")),
            other => other.clone(),
        }
    }
}

/// Where rows go.
pub enum Sink {
    /// An XLSX worksheet (constant memory) and the next row.
    Xlsx {
        /// The workbook.
        workbook: Box<Workbook>,
        /// Next row index.
        row: u32,
        /// The worksheet being written (the last one added).
        sheet: usize,
        /// The cell formats.
        formats: Box<Formats>,
    },
    /// CSV text.
    Csv(Box<csv::Writer<Vec<u8>>>),
}

/// The cell formats of an XLSX export.
pub struct Formats {
    /// Dates: dd/mm/yyyy.
    date: Format,
    /// Shares: 12.5% (Excel shows the separator of the reader's locale).
    percent: Format,
    /// Small shares: 0.05%.
    percent2: Format,
    /// Money: 1,500,000 (grouped as the reader's locale groups).
    money: Format,
    /// The header row.
    bold: Format,
}

/// A CSV cell made safe from formula injection.
pub fn csv_safe(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

impl Sink {
    /// A new XLSX sink with one worksheet named `sheet`.
    pub fn xlsx(sheet: &str) -> Result<Sink, rust_xlsxwriter::XlsxError> {
        let mut workbook = Workbook::new();
        let worksheet = workbook.add_worksheet_with_constant_memory()?;
        worksheet.set_name(sheet)?;
        Ok(Sink::Xlsx {
            workbook: Box::new(workbook),
            row: 0,
            sheet: 0,
            formats: Box::new(Formats {
                date: Format::new().set_num_format("dd/mm/yyyy"),
                percent: Format::new().set_num_format("0.0%"),
                percent2: Format::new().set_num_format("0.00%"),
                money: Format::new().set_num_format("#,##0"),
                bold: Format::new().set_bold(),
            }),
        })
    }

    /// Starts a second table: in XLSX a new worksheet named `sheet`, in CSV (one table per
    /// file) after an empty row of `width` cells. Its header follows with [`Sink::header`].
    pub fn next_table(&mut self, sheet: &str, width: usize) -> Result<(), String> {
        match self {
            Sink::Xlsx {
                workbook,
                row,
                sheet: index,
                ..
            } => {
                let worksheet = workbook
                    .add_worksheet_with_constant_memory()
                    .map_err(|e| e.to_string())?;
                worksheet.set_name(sheet).map_err(|e| e.to_string())?;
                *index += 1;
                *row = 0;
                Ok(())
            }
            Sink::Csv(w) => w.write_record(vec![""; width]).map_err(|e| e.to_string()),
        }
    }

    /// A new CSV sink (UTF-8 with BOM).
    pub fn csv() -> Sink {
        let mut buffer = Vec::new();
        buffer.extend_from_slice("\u{feff}".as_bytes());
        Sink::Csv(Box::new(csv::Writer::from_writer(buffer)))
    }

    fn worksheet(workbook: &mut Workbook, index: usize) -> Result<&mut Worksheet, String> {
        workbook
            .worksheet_from_index(index)
            .map_err(|e| e.to_string())
    }

    /// Writes the header row.
    pub fn header(&mut self, names: &[&str]) -> Result<(), String> {
        match self {
            Sink::Xlsx {
                workbook,
                row,
                sheet,
                formats,
            } => {
                let bold = &formats.bold;
                let sheet = Self::worksheet(workbook, *sheet)?;
                for (c, name) in names.iter().enumerate() {
                    sheet
                        .write_string_with_format(*row, c as u16, *name, bold)
                        .map_err(|e| e.to_string())?;
                    sheet
                        .set_column_width(c as u16, 16)
                        .map_err(|e| e.to_string())?;
                }
                *row += 1;
                Ok(())
            }
            Sink::Csv(w) => w.write_record(names).map_err(|e| e.to_string()),
        }
    }

    /// Writes one row.
    pub fn row(&mut self, cells: &[Cell]) -> Result<(), String> {
        match self {
            Sink::Xlsx {
                workbook,
                row,
                sheet,
                formats,
            } => {
                let Formats {
                    date,
                    percent,
                    percent2,
                    money,
                    ..
                } = formats.as_ref();
                let sheet = Self::worksheet(workbook, *sheet)?;
                let at = *row;
                let formatted = |sheet: &mut Worksheet, c: u16, value: f64, format: &Format| {
                    sheet
                        .write_number_with_format(at, c, value, format)
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                };
                for (c, cell) in cells.iter().enumerate() {
                    let c = c as u16;
                    match cell.for_file() {
                        Cell::Text(t) => {
                            sheet.write_string(*row, c, t).map_err(|e| e.to_string())?;
                        }
                        Cell::Number(n) => {
                            sheet
                                .write_number(*row, c, n as f64)
                                .map_err(|e| e.to_string())?;
                        }
                        // A formatted number: its value and how Excel shows it.
                        Cell::Money(n) => formatted(sheet, c, n as f64, money)?,
                        Cell::BasisPoints(bp) => {
                            formatted(sheet, c, bp as f64 / 10_000.0, percent2)?
                        }
                        Cell::Date(d) => {
                            let value = ExcelDateTime::from_ymd(
                                u16::try_from(d.year()).unwrap_or(1900),
                                d.month() as u8,
                                d.day() as u8,
                            )
                            .map_err(|e| e.to_string())?;
                            sheet
                                .write_datetime_with_format(*row, c, &value, date)
                                .map_err(|e| e.to_string())?;
                        }
                        Cell::Permille(p) => formatted(sheet, c, p as f64 / 1000.0, percent)?,
                        Cell::Empty | Cell::Progress(..) | Cell::Flagged(..) => {}
                    }
                }
                *row += 1;
                Ok(())
            }
            Sink::Csv(w) => {
                let texts: Vec<String> = cells
                    .iter()
                    .map(|cell| match cell.for_file() {
                        Cell::Text(t) => csv_safe(&t),
                        Cell::Number(n) | Cell::Money(n) => n.to_string(),
                        Cell::Date(d) => super::format::date(d),
                        Cell::Permille(p) => permille(p),
                        Cell::BasisPoints(bp) => basis_points(bp),
                        Cell::Empty | Cell::Progress(..) | Cell::Flagged(..) => String::new(),
                    })
                    .collect();
                w.write_record(&texts).map_err(|e| e.to_string())
            }
        }
    }

    /// The file's bytes.
    pub fn finish(self) -> Result<Vec<u8>, String> {
        match self {
            Sink::Xlsx { mut workbook, .. } => workbook.save_to_buffer().map_err(|e| e.to_string()),
            Sink::Csv(w) => w.into_inner().map_err(|e| e.to_string()),
        }
    }
}
