//! Charts as inline SVG, drawn on the server (no JavaScript, no chart library): bars of sign-ups
//! per month and progress toward quotas. Every label is escaped by maud like any other text.
//! Also the enrolment QR code, as SVG from the `qrcode` crate.

use chrono::NaiveDate;
use maud::{Markup, PreEscaped, html};

use super::format::{month, number};
use crate::storage::dashboard::Period;

/// Vertical bars: sign-ups per month of `period` (months with none drawn as zero).
pub fn monthly_bars(counts: &[(NaiveDate, i64)], period: Period) -> Markup {
    let mut months = Vec::new();
    let mut m = period.from;
    while m < period.to && months.len() < 24 {
        months.push((
            m,
            counts.iter().find(|(d, _)| *d == m).map_or(0, |(_, c)| *c),
        ));
        m = m + chrono::Months::new(1);
    }
    let max = months.iter().map(|(_, c)| *c).max().unwrap_or(0).max(1);
    let height = 160;
    let top = 20;
    // Places across in percent of the chart's width, sizes down in pixels and no viewBox: the
    // bars share whatever width the card has, and the labels keep their size on a tablet.
    let slot = 100.0 / months.len().max(1) as f64;
    html! {
        svg role="img" aria-label="Biểu đồ đăng ký mới theo tháng" width="100%" height=(height + top + 30) {
            @for (i, (m, c)) in months.iter().enumerate() {
                @let h = c * height / max;
                @let centre = format!("{:.2}%", slot * (i as f64 + 0.5));
                rect x={ (format!("{:.2}", slot * (i as f64 + 0.15))) "%" } y=(top + height - h) width={ (format!("{:.2}", slot * 0.7)) "%" } height=(h.max(1)) fill="#0b4f8a" {}
                text x=(centre) y=(top + height - h - 5) text-anchor="middle" font-size="13" fill="#1a1a1a" { (number(*c)) }
                text x=(centre) y=(top + height + 18) text-anchor="middle" font-size="13" fill="#4a5560" { (month(*m).get(..2).unwrap_or("")) }
            }
        }
        p.muted { "Các tháng " (month(period.from)) " – " (month(period.to - chrono::Months::new(1))) "." }
    }
}

/// The most rows [`progress_bars`] draws (a province has about a hundred communes; the table
/// under the chart lists them all).
pub const PROGRESS_ROWS: usize = 30;

/// Horizontal bars: achieved against quota per named row. HTML rather than SVG, so the names and
/// numbers keep their size however narrow the card is and the bar takes the width left. Rows with
/// a quota come first, furthest behind it first (those a supervisor acts on); at most
/// [`PROGRESS_ROWS`], with a line saying how many more there are.
pub fn progress_bars(rows: &[(String, i64, i64)]) -> Markup {
    let mut rows: Vec<&(String, i64, i64)> = rows.iter().collect();
    // Progress as a fraction compared without division: done₁ × target₂ against done₂ × target₁.
    rows.sort_by(|(_, d1, t1), (_, d2, t2)| {
        (*t1 <= 0).cmp(&(*t2 <= 0)).then_with(|| {
            (i128::from(*d1) * i128::from(*t2)).cmp(&(i128::from(*d2) * i128::from(*t1)))
        })
    });
    let hidden = rows.len().saturating_sub(PROGRESS_ROWS);
    rows.truncate(PROGRESS_ROWS);
    html! {
        @if rows.is_empty() { p.muted { "Chưa có xã nào." } }
        @else {
            div.pbars role="img" aria-label="Biểu đồ tiến độ chỉ tiêu theo xã" {
                @for (name, done, target) in &rows {
                    @let pct = if *target > 0 { (done * 100 / target).min(100) } else { 0 };
                    div.pbar {
                        span.name title=(name) { (truncate(name, 24)) }
                        span.track { span.fill.done[pct >= 100] style={ "width:" (pct) "%" } {} }
                        span.value {
                            (number(*done)) " / " @if *target > 0 { (number(*target)) } @else { "chưa giao" }
                        }
                    }
                }
            }
            @if hidden > 0 {
                p.muted {
                    "Biểu đồ cho thấy " (PROGRESS_ROWS) " xã chậm nhất so với chỉ tiêu; " (number(hidden as i64))
                    " xã khác có trong bảng bên dưới."
                }
            }
        }
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

/// A small progress bar for a table cell: the bar stops full, the number says how far beyond
/// the quota it went (130%).
pub fn inline_progress(done: i64, target: i64) -> Markup {
    let pct = if target > 0 { done * 100 / target } else { 0 };
    let bar = pct.clamp(0, 100);
    html! {
        svg role="img" aria-label={ (pct) "%" } viewBox="0 0 120 14" width="120" height="14" {
            rect x="0" y="0" width="120" height="14" fill="#eef2f6" {}
            rect x="0" y="0" width=(bar * 120 / 100) height="14" fill="#0b4f8a" {}
        }
        " " (pct) "%"
    }
}

/// A QR code of `text` as inline SVG.
pub fn qr_svg(text: &str) -> Markup {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(220, 220)
                .quiet_zone(true)
                .build();
            // The qrcode crate writes the SVG from the code's modules only (no text of ours).
            let svg = svg
                .split_once("?>")
                .map_or(svg.as_str(), |(_, rest)| rest)
                .to_owned();
            html! { div aria-label="Mã QR kích hoạt" { (PreEscaped(svg)) } }
        }
        Err(_) => html! { p.error { "Không tạo được mã QR; hãy gõ mã." } },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bars_show_the_communes_furthest_behind_and_say_how_many_more_there_are() {
        let mut rows: Vec<(String, i64, i64)> = (0..34)
            .map(|i| (format!("Xã số {i}"), 10 + i, 100))
            .collect();
        rows.push(("Xã chưa giao".into(), 5, 0));
        rows.push(("Xã chậm nhất".into(), 1, 100));
        rows.push(("Xã vượt".into(), 130, 100));
        let html = progress_bars(&rows).into_string();
        assert_eq!(html.matches("class=\"pbar\"").count(), PROGRESS_ROWS);
        let slowest = html.find("Xã chậm nhất").expect("the slowest is drawn");
        assert!(
            slowest < html.find("Xã số 0").expect("drawn"),
            "furthest behind first"
        );
        assert!(
            !html.contains("Xã chưa giao"),
            "no quota: after every commune with one"
        );
        assert!(
            !html.contains("Xã vượt"),
            "ahead of its quota: past the thirty"
        );
        assert!(html.contains("7 xã khác có trong bảng bên dưới"), "{html}");
        let few = progress_bars(&rows[..3]).into_string();
        assert!(!few.contains("xã khác"), "nothing hidden, nothing said");
    }

    #[test]
    fn a_cell_says_how_far_beyond_its_quota_it_went() {
        let over = inline_progress(130, 100).into_string();
        assert!(over.contains(" 130%"), "{over}");
        assert!(
            over.contains("width=\"120\" height=\"14\" fill=\"#0b4f8a\""),
            "the bar stops full: {over}"
        );
        assert!(inline_progress(5, 0).into_string().contains(" 0%"));
    }
}
