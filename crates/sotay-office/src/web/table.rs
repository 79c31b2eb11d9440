//! A table as a page shows it and as its file holds it, from one list of columns and one list
//! of rows: what a supervisor downloads has the columns he was looking at ("every table exports
//! to Excel with the same columns", `ux.md`). Cells are the sheet's [`Cell`]s; a page draws
//! a progress as a bar and a flag as a tag, a file writes their share and text.

use maud::{Markup, html};

use super::charts;
use super::format::{basis_points, date, money, number, permille};
use super::sheet::{Cell, Sink};

/// A column: its Vietnamese header and whether it holds numbers (right-aligned on a page).
#[derive(Clone, Copy, Debug)]
pub struct Column {
    /// The header.
    pub name: &'static str,
    /// Numbers, right-aligned.
    pub numeric: bool,
}

/// A text column.
pub const fn text(name: &'static str) -> Column {
    Column {
        name,
        numeric: false,
    }
}

/// A number column.
pub const fn num(name: &'static str) -> Column {
    Column {
        name,
        numeric: true,
    }
}

/// A table: columns, rows of cells (the first cell of a row may link to a page of its own).
#[derive(Debug, Default)]
pub struct Table {
    columns: Vec<Column>,
    rows: Vec<(Vec<Cell>, Option<String>)>,
}

impl Table {
    /// An empty table of `columns`.
    pub fn new(columns: Vec<Column>) -> Table {
        Table {
            columns,
            rows: Vec::new(),
        }
    }

    /// Adds a row; `link` is where its first cell leads on the page.
    pub fn push(&mut self, cells: Vec<Cell>, link: Option<String>) {
        debug_assert_eq!(cells.len(), self.columns.len(), "one cell per column");
        self.rows.push((cells, link));
    }

    /// Whether it has no row.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table on a page; `empty` is said in its one row when it has none.
    pub fn html(&self, empty: &str) -> Markup {
        html! {
            div.scroll { table {
                thead { tr {
                    @for c in &self.columns {
                        @if c.numeric { th.num { (c.name) } } @else { th { (c.name) } }
                    }
                } }
                tbody {
                    @for (cells, link) in &self.rows {
                        tr {
                            @for (i, (cell, column)) in cells.iter().zip(&self.columns).enumerate() {
                                @let shown = cell_html(cell);
                                @let shown = match (i, link) {
                                    (0, Some(href)) => html! { a href=(href) { (shown) } },
                                    _ => shown,
                                };
                                @if column.numeric { td.num { (shown) } } @else { td { (shown) } }
                            }
                        }
                    }
                    @if self.rows.is_empty() {
                        tr { td colspan=(self.columns.len()) { (empty) } }
                    }
                }
            } }
        }
    }

    /// The table into a file: its header row, then its rows.
    pub fn write(&self, sink: &mut Sink) -> Result<(), String> {
        let names: Vec<&str> = self.columns.iter().map(|c| c.name).collect();
        sink.header(&names)?;
        for (cells, _) in &self.rows {
            sink.row(cells)?;
        }
        Ok(())
    }
}

/// A cell as a page shows it.
fn cell_html(cell: &Cell) -> Markup {
    match cell {
        Cell::Text(t) => html! { (t) },
        Cell::Number(n) => html! { (number(*n)) },
        Cell::Money(n) => html! { (money(*n)) },
        Cell::Date(d) => html! { (date(*d)) },
        Cell::Permille(p) => html! { (permille(*p)) },
        Cell::BasisPoints(bp) => html! { (basis_points(*bp)) },
        Cell::Progress(_, target) if *target <= 0 => html! { "—" },
        Cell::Progress(done, target) => charts::inline_progress(*done, *target),
        Cell::Flagged(text, flag) => html! { (text) " " span.tag.warn { (flag) } },
        Cell::Empty => html! { "—" },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut table = Table::new(vec![
            text("Xã/phường"),
            num("Tiền đã thu"),
            num("Bao phủ"),
            text("Tiến độ"),
        ]);
        table.push(
            vec![
                Cell::Text("Xã Sóc Sơn".into()),
                Cell::Money(3_514_500),
                Cell::BasisPoints(5),
                Cell::Progress(13, 250),
            ],
            Some("/tong-quan?xa=00376".into()),
        );
        table.push(
            vec![
                Cell::Flagged("Thôn Đông".into(), "Quá 7 ngày".into()),
                Cell::Empty,
                Cell::Empty,
                Cell::Progress(0, 0),
            ],
            None,
        );
        table
    }

    #[test]
    fn a_page_shows_what_the_file_holds_in_the_same_columns() {
        let page = sample().html("Không có").into_string();
        for shown in [
            "<th>Xã/phường</th>",
            "<th class=\"num\">Tiền đã thu</th>",
            "<a href=\"/tong-quan?xa=00376\">Xã Sóc Sơn</a>",
            "3.514.500 ₫",
            "0,05%",
            "aria-label=\"5%\"",
            "Thôn Đông <span class=\"tag warn\">Quá 7 ngày</span>",
        ] {
            assert!(page.contains(shown), "{shown}: {page}");
        }
        let mut sink = Sink::csv();
        sample().write(&mut sink).expect("write");
        let file = String::from_utf8(sink.finish().expect("finish")).expect("utf-8");
        assert_eq!(
            file,
            "\u{feff}Xã/phường,Tiền đã thu,Bao phủ,Tiến độ\n\
             Xã Sóc Sơn,3514500,\"0,05%\",\"5,2%\"\n\
             Thôn Đông (Quá 7 ngày),,,\n"
        );
    }

    #[test]
    fn an_empty_table_says_so_across_its_columns() {
        let page = Table::new(vec![text("A"), num("B")])
            .html("Chưa giao chỉ tiêu cho kỳ này.")
            .into_string();
        assert!(
            page.contains("<td colspan=\"2\">Chưa giao chỉ tiêu cho kỳ này.</td>"),
            "{page}"
        );
    }
}
