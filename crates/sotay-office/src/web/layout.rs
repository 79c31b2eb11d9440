//! The page frame every dashboard page shares: the header with the signed-in person, the
//! navigation, the sign-out form, a small stylesheet that works from a tablet to an office PC
//! (tables scroll sideways inside their box instead of widening the page), and helpers for
//! forms (the CSRF field), messages next to fields and pagination.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::Viewer;

/// The stylesheet: system fonts with full Vietnamese coverage, line height 1.5 for stacked
/// diacritics, high contrast.
const STYLE: &str = r#"
*{box-sizing:border-box}
body{margin:0;font-family:"Noto Sans","DejaVu Sans","Segoe UI",Arial,sans-serif;line-height:1.5;color:#1a1a1a;background:#f4f6f8;font-size:16px}
header{background:#0b4f8a;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between}
header .brand{font-weight:700;font-size:1.1rem}
header form{display:inline;margin:0}
header button{background:#fff;color:#0b4f8a;border:0;padding:.35rem .8rem;border-radius:4px;cursor:pointer;font:inherit}
nav{background:#fff;border-bottom:1px solid #d0d7de;padding:.3rem .6rem;display:flex;flex-wrap:wrap;gap:.2rem}
nav a{color:#0b4f8a;text-decoration:none;padding:.35rem .6rem;border-radius:4px;white-space:nowrap}
nav a.active{background:#0b4f8a;color:#fff}
main{padding:1rem;max-width:1400px;margin:0 auto}
h1{font-size:1.45rem;margin:.2rem 0 .8rem}
h2{font-size:1.15rem;margin:1.2rem 0 .5rem}
.card{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:1rem;margin-bottom:1rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(210px,1fr));gap:.8rem;margin-bottom:1rem}
.big{font-size:clamp(1.2rem,2.2vw,1.6rem);font-weight:700;color:#0b4f8a;white-space:nowrap}
.pbar{display:grid;grid-template-columns:minmax(6rem,10rem) 1fr auto;gap:.6rem;align-items:center;margin:.35rem 0}
.pbar .name{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.pbar .track{background:#eef2f6;height:18px;display:block}
.pbar .fill{background:#0b4f8a;height:100%;display:block}
.pbar .fill.done{background:#1b6b2f}
.pbar .value{white-space:nowrap}
.muted{color:#4a5560}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #d0d7de;padding:.4rem .5rem;text-align:left;vertical-align:top;font-size:.95rem}
th{background:#eef2f6;font-weight:600;vertical-align:bottom}
td.num{text-align:right;white-space:nowrap}
th.num{text-align:right}
tfoot td{font-weight:600;border-top:2px solid #8a96a3}
td:first-child{min-width:9rem}
form.inline{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end}
label{display:flex;flex-direction:column;font-size:.92rem;gap:.15rem}
label.check{flex-direction:row;gap:.5rem;align-items:center;min-height:2.5rem}
input[type=checkbox]{min-height:auto;width:1.2rem;height:1.2rem}
input,select,textarea{font:inherit;padding:.4rem .5rem;border:1px solid #8a96a3;border-radius:4px;min-height:2.5rem;background:#fff}
button,.button{font:inherit;padding:.45rem 1rem;border-radius:4px;border:1px solid #0b4f8a;background:#0b4f8a;color:#fff;cursor:pointer;min-height:2.5rem;text-decoration:none;display:inline-block}
button.secondary{background:#fff;color:#0b4f8a}
button.danger{background:#a4161a;border-color:#a4161a}
.error{color:#a4161a;font-weight:600}
.field-error{color:#a4161a;font-size:.9rem}
.ok{color:#1b6b2f;font-weight:600}
.notice{padding:.6rem .8rem;border-radius:4px;margin-bottom:1rem}
.notice.ok{background:#e6f4ea}
.notice.error{background:#fdecea}
.pager{display:flex;gap:.5rem;align-items:center;margin:.6rem 0}
.tag{display:inline-block;padding:.05rem .45rem;border-radius:3px;background:#eef2f6;font-size:.9rem}
.tag.warn{background:#fff1cc;color:#5c4300}
.exports{align-self:center;padding:.4rem 0}
td .line{display:block;font-size:.88rem;white-space:nowrap}
form.decide{display:grid;gap:.35rem;min-width:17rem}
form.decide .actions{display:flex;gap:.35rem}
form.decide button{padding:.35rem .7rem}
svg text{font-family:inherit}
@media (max-width:700px){main{padding:.6rem}h1{font-size:1.25rem}}
"#;

/// The pages of the navigation: (path, Vietnamese name).
pub const NAV: &[(&str, &str)] = &[
    ("/tong-quan", "Tổng quan"),
    ("/nguoi-thu", "Người thu và Ban vận động"),
    ("/danh-gia", "Đánh giá"),
    ("/duyet", "Duyệt đăng ký"),
    ("/chi-tieu", "Chỉ tiêu"),
    ("/dia-ban", "Địa bàn"),
    ("/thiet-bi", "Thiết bị"),
    ("/chinh-sach", "Chính sách"),
    ("/nhap", "Nhập danh sách"),
    ("/nhat-ky", "Nhật ký"),
];

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " — Sổ tay BHXH" }
            style { (PreEscaped(STYLE)) }
        }
    }
}

/// A full page for a signed-in person: header, navigation (`active` is the current path) and
/// `body`.
pub fn page(viewer: &Viewer, active: &str, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="vi" {
            (head(title))
            body {
                header {
                    span.brand { "Sổ tay BHXH — Bảng điều khiển" }
                    span {
                        (viewer.user.full_name) " · " (viewer.user.role.label_vi()) " "
                        form method="post" action="/dang-xuat" {
                            (csrf_field(viewer))
                            button type="submit" { "Đăng xuất" }
                        }
                    }
                }
                nav {
                    @for (path, name) in NAV {
                        a href=(path) class=[(*path == active).then_some("active")] { (name) }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// A page with no navigation (sign-in, errors, the public receipt check).
pub fn bare_page(title: &str, message: &str) -> Markup {
    bare(
        title,
        html! { div.card { p { (message) } p { a href="/" { "Về trang chủ" } } } },
    )
}

/// A page with no navigation around `body`.
pub fn bare(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="vi" {
            (head(title))
            body {
                header { span.brand { "Sổ tay BHXH" } }
                main style="max-width:720px" {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// The hidden CSRF field every form carries.
pub fn csrf_field(viewer: &Viewer) -> Markup {
    html! { input type="hidden" name="_csrf" value=(viewer.session.csrf_token); }
}

/// A message under a field, when there is one.
pub fn field_error(message: Option<&str>) -> Markup {
    html! {
        @if let Some(m) = message { span.field-error role="alert" { (m) } }
    }
}

/// A notice at the top of a page after an action (`ok` green, else red).
pub fn notice(message: Option<&(bool, String)>) -> Markup {
    html! {
        @if let Some((ok, m)) = message {
            div class=(if *ok { "notice ok" } else { "notice error" }) role="status" { (m) }
        }
    }
}

/// Previous/next links for page `page` (from 1) of `total` rows, `per_page` a page, keeping
/// the other query parameters in `base` (which ends with `?` or `&`).
pub fn pager(base: &str, page: i64, per_page: i64, total: i64) -> Markup {
    let pages = ((total + per_page - 1) / per_page).max(1);
    html! {
        div.pager {
            @if page > 1 { a.button href={ (base) "trang=" (page - 1) } { "‹ Trang trước" } }
            span.muted { "Trang " (page) " / " (pages) " · " (super::format::number(total)) " dòng" }
            @if page < pages { a.button href={ (base) "trang=" (page + 1) } { "Trang sau ›" } }
        }
    }
}
