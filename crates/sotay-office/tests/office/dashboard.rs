//! The office dashboard over HTTP on both backends: sign-in, sessions, CSRF, lock-out, a
//! supervisor's communes, hostile names, review decisions reaching a real phone store, quotas,
//! import, exports read back with calamine, the receipt check, and the numbers of the overview
//! and the evaluation.

use base64::Engine;
use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, SET_COOKIE};
use sotay_domain::*;
use sotay_fixtures::records;
use sotay_office::OfficeStore;
use sotay_office::admin::{self, OfficeWriter};
use sotay_office::storage::DashboardStore;
use sotay_office::storage::dashboard::{Period, Visible};
use std::collections::HashMap;
use std::sync::Mutex;
use uuid::Uuid;

use crate::harness::{COMMUNE, Field, OTHER_COMMUNE, Office, phone_store};

/// A browser-like client: keeps cookies, follows no redirects (tests look at them).
struct Web {
    base: String,
    http: reqwest::Client,
    cookies: Mutex<HashMap<String, String>>,
}

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn csrf(&self) -> String {
        let at = self
            .body
            .find("name=\"_csrf\" value=\"")
            .unwrap_or_else(|| panic!("the page has a form with a CSRF field: {}", self.body));
        let rest = &self.body[at + "name=\"_csrf\" value=\"".len()..];
        rest[..rest.find('"').expect("closing quote")].to_owned()
    }
    /// Asserts a form was refused (400) with `message` on the page, next to what it is about.
    #[track_caller]
    fn assert_refused_saying(&self, message: &str, why: &str) {
        assert_eq!(self.status, StatusCode::BAD_REQUEST, "{why}");
        assert!(self.body.contains(message), "{why}: {}", self.body);
    }
    fn location(&self) -> String {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    }
}

impl Web {
    fn new(office: &Office) -> Web {
        Web {
            base: office.base.clone(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookies: Mutex::new(HashMap::new()),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .lock()
            .expect("cookies")
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn absorb(&self, res: reqwest::Response) -> Page {
        let status = res.status();
        let headers = res.headers().clone();
        for value in headers.get_all(SET_COOKIE) {
            let text = value.to_str().expect("cookie text");
            let pair = text.split(';').next().expect("pair");
            let (k, v) = pair.split_once('=').expect("name=value");
            let mut cookies = self.cookies.lock().expect("cookies");
            if v.is_empty() {
                cookies.remove(k);
            } else {
                cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let body = res.text().await.expect("body");
        Page {
            status,
            headers,
            body,
        }
    }

    /// A request to `path` carrying this browser's cookies.
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
    }

    async fn get(&self, path: &str) -> Page {
        let res = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .expect("GET");
        self.absorb(res).await
    }

    async fn bytes(&self, path: &str) -> (StatusCode, Vec<u8>) {
        let res = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .expect("GET");
        let status = res.status();
        (status, res.bytes().await.expect("bytes").to_vec())
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let res = self
            .request(reqwest::Method::POST, path)
            .form(form)
            .send()
            .await
            .expect("POST");
        self.absorb(res).await
    }

    /// Posts a review decision, which answers with a redirect back to the queue (so a reload
    /// does not send it again), and follows it as a browser does.
    async fn decide(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let answer = self.post(path, form).await;
        if answer.status != StatusCode::SEE_OTHER {
            return answer;
        }
        let location = answer.location();
        assert!(
            location.starts_with("/duyet?"),
            "back to the queue: {location}"
        );
        self.get(&location).await
    }

    /// Posts `fields` to `path` with the session's CSRF `token` last, as a page's form sends
    /// them.
    async fn submit(&self, path: &str, token: &str, fields: &[(&str, &str)]) -> Page {
        let mut form = fields.to_vec();
        form.push(("_csrf", token));
        self.post(path, &form).await
    }

    async fn upload(&self, path: &str, fields: &[(&str, &str)], file: (&str, &[u8])) -> Page {
        let boundary = "----sotayBoundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                file.0
            )
            .as_bytes(),
        );
        body.extend_from_slice(file.1);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let res = self
            .request(reqwest::Method::POST, path)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .expect("POST multipart");
        self.absorb(res).await
    }

    async fn sign_in(&self, login: &str, password: &str) -> Page {
        let form = self.get("/dang-nhap").await;
        assert_eq!(form.status, StatusCode::OK, "the sign-in page opens");
        let token = form.csrf();
        self.post(
            "/dang-nhap",
            &[("login", login), ("password", password), ("_csrf", &token)],
        )
        .await
    }

    /// Signs in, which must succeed (a redirect to the overview).
    async fn sign_in_ok(&self, login: &str, password: &str) {
        assert_eq!(
            self.sign_in(login, password).await.status,
            StatusCode::SEE_OTHER
        );
    }

    /// A new browser of `office`, signed in as `login`.
    async fn signed_in(office: &Office, login: &str, password: &str) -> Web {
        let web = Web::new(office);
        web.sign_in_ok(login, password).await;
        web
    }

    /// The CSRF token of the signed-in session (from any page's forms).
    async fn token(&self) -> String {
        self.get("/tong-quan").await.csrf()
    }
}

const ADMIN_PASSWORD: &str = "mat-khau-quan-tri-2026";
const SUPERVISOR_PASSWORD: &str = "mat-khau-giam-sat-2026";

/// An admin (`quantri`) and a supervisor of COMMUNE (`giamsat`).
async fn accounts(office: &Office) -> (User, User) {
    let store = office.store();
    let admin_user = admin::create_user(store, "Vũ Thu Hà", Role::OfficeAdmin, None)
        .await
        .expect("admin");
    sotay_office::passwords::set_login(store, &admin_user, "quantri", ADMIN_PASSWORD)
        .await
        .expect("admin login");
    let supervisor = admin::create_user(store, "Phạm Minh Đức", Role::OfficeSupervisor, None)
        .await
        .expect("supervisor");
    sotay_office::passwords::set_login(store, &supervisor, "giamsat", SUPERVISOR_PASSWORD)
        .await
        .expect("supervisor login");
    admin::assign_area(store, supervisor.id, COMMUNE, None)
        .await
        .expect("area");
    (admin_user, supervisor)
}

struct Signup {
    household: Household,
    person: Person,
    enrollment: Enrollment,
}

/// The office's accounts, a field user of the whole commune and a sign-up by that user for
/// `name` (see [`field_signup`]); the writer goes on writing the test's own records.
async fn accounts_and_signup(office: &Office, name: &str) -> (Field, OfficeWriter, Signup) {
    accounts(office).await;
    let field = office.field_user(true).await;
    let mut writer = OfficeWriter::default();
    let signup = field_signup(office, &mut writer, &field, name).await;
    (field, writer, signup)
}

/// A sign-up in this month, by `field` in its village (see [`signup`]).
async fn field_signup(
    office: &Office,
    writer: &mut OfficeWriter,
    field: &Field,
    name: &str,
) -> Signup {
    signup(
        office,
        writer,
        COMMUNE,
        field.village,
        field.user_id,
        name,
        this_month(),
    )
    .await
}

/// A household, its person and a submitted sign-up, written by the office.
async fn signup(
    office: &Office,
    writer: &mut OfficeWriter,
    commune: &str,
    village: Uuid,
    collector: Uuid,
    name: &str,
    first_month: NaiveDate,
) -> Signup {
    let household = Household {
        poverty_year: Some(2026),
        ..records::household(commune, Some(village), name, "Số 3 Thôn Đông")
    };
    let person = Person {
        sex: Sex::Female,
        personal_id: None,
        phone: None,
        ..records::person(&household, name, 0)
    };
    let enrollment = Enrollment {
        first_month,
        status: EnrollmentStatus::Submitted,
        ..records::enrollment(&person, collector, PaymentMode::Quarterly)
    };
    let store = office.store();
    writer
        .write_record(store, EntityKind::Household, &household)
        .await
        .expect("household");
    writer
        .write_record(store, EntityKind::Person, &person)
        .await
        .expect("person");
    writer
        .write_record(store, EntityKind::Enrollment, &enrollment)
        .await
        .expect("enrollment");
    Signup {
        household,
        person,
        enrollment,
    }
}

fn this_month() -> NaiveDate {
    let today = sotay_office::clock::today_in_vietnam();
    NaiveDate::from_ymd_opt(today.year(), today.month(), 1).expect("month")
}

async fn sign_in_cookie_flags_and_sign_out(office: Office) {
    accounts(&office).await;
    let web = Web::new(&office);
    let first = web.get("/tong-quan").await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "not signed in");
    assert_eq!(first.location(), "/dang-nhap");

    let wrong = web.sign_in("quantri", "khong-dung-mat-khau").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        wrong
            .body
            .contains("Tên đăng nhập hoặc mật khẩu không đúng."),
        "a wrong password says so in Vietnamese: {}",
        wrong.body
    );

    let ok = web.sign_in("QuanTri", ADMIN_PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let cookie = ok
        .headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().expect("text").to_owned())
        .find(|c| c.starts_with("sotay_phien="))
        .expect("a session cookie");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "session cookie has {flag}: {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP: no Secure flag (HTTPS sets it): {cookie}"
    );
    let token = cookie["sotay_phien=".len()..]
        .split(';')
        .next()
        .expect("value")
        .to_owned();
    let sessions = office.database.dump("web_sessions").await;
    assert!(
        !sessions.contains(&token) && sessions.contains(&sotay_office::auth::hash_secret(&token)),
        "the database keeps only the token's hash: {sessions}"
    );

    // Sessions expire: after an hour without a request, and 12 hours after sign-in.
    let hash = sotay_office::auth::hash_secret(&token);
    let idle = chrono::Duration::minutes(60);
    let store = office.store();
    assert!(
        store
            .session(&hash, Utc::now() + chrono::Duration::minutes(61), idle)
            .await
            .expect("read")
            .is_none(),
        "an idle session has ended"
    );
    assert!(
        store
            .session(
                &hash,
                Utc::now() + chrono::Duration::hours(13),
                chrono::Duration::hours(24)
            )
            .await
            .expect("read")
            .is_none(),
        "a session ends 12 hours after sign-in whatever happens"
    );
    assert!(
        store
            .session(&hash, Utc::now(), idle)
            .await
            .expect("read")
            .is_some(),
        "a live session works"
    );
    let overview = web.get("/tong-quan").await;
    assert_eq!(overview.status, StatusCode::OK);
    assert!(overview.body.contains("Tổng quan") && overview.body.contains("Vũ Thu Hà"));

    let csrf = overview.csrf();
    let out = web.post("/dang-xuat", &[("_csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let after = web.get("/tong-quan").await;
    assert_eq!(
        after.status,
        StatusCode::SEE_OTHER,
        "after sign-out the session no longer works"
    );
    let log = office.database.dump("audit_log").await;
    assert!(
        log.contains("sign_in") && log.contains("sign_in_failed") && log.contains("sign_out"),
        "sign-ins, failures and sign-outs are in the audit log: {log}"
    );
}

async fn forms_without_the_right_csrf_token_are_refused(office: Office) {
    let (_, _, s) = accounts_and_signup(&office, "Trần Thị Bình").await;
    let web = Web::new(&office);
    // The sign-in form itself needs its double-submit token.
    let no_cookie = web
        .post(
            "/dang-nhap",
            &[("login", "quantri"), ("password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(no_cookie.status, StatusCode::FORBIDDEN);
    web.sign_in_ok("quantri", ADMIN_PASSWORD).await;
    let path = format!("/duyet/{}", s.enrollment.id);
    let missing = web.post(&path, &[("action", "approve")]).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN, "no token: refused");
    assert!(
        missing.body.contains("mã chống giả mạo"),
        "{}",
        missing.body
    );
    let wrong = web
        .post(&path, &[("action", "approve"), ("_csrf", "not-the-token")])
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN, "wrong token: refused");
    let record = office.record(s.enrollment.id).await.expect("exists");
    assert_eq!(
        record.state.fields["status"], "submitted",
        "nothing changed without the token"
    );
    let token = web.token().await;
    let done = web
        .decide(&path, &[("action", "approve"), ("_csrf", &token)])
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
}

async fn repeated_failures_lock_the_login(office: Office) {
    accounts(&office).await;
    let web = Web::new(&office);
    for attempt in 1..=5 {
        let page = web.sign_in("giamsat", "sai-mat-khau-roi").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let locked = web.sign_in("giamsat", SUPERVISOR_PASSWORD).await;
    assert_eq!(
        locked.status,
        StatusCode::UNAUTHORIZED,
        "the right password is refused while locked"
    );
    assert!(locked.body.contains("tạm khoá"), "{}", locked.body);
    // Another login is not locked by these failures.
    web.sign_in_ok("quantri", ADMIN_PASSWORD).await;
}

async fn a_supervisor_cannot_reach_another_commune(office: Office) {
    accounts(&office).await;
    let field = office.field_user(true).await;
    let mut writer = OfficeWriter::default();
    let other_village = admin::create_village(
        office.store(),
        &mut writer,
        OTHER_COMMUNE,
        "Tổ dân phố 5",
        VillageKind::ResidentialGroup,
    )
    .await
    .expect("village");
    let mine = field_signup(&office, &mut writer, &field, "Lê Văn Mình").await;
    let theirs = signup(
        &office,
        &mut writer,
        OTHER_COMMUNE,
        other_village.id,
        field.user_id,
        "Hoàng Thị Khác",
        this_month(),
    )
    .await;
    let web = Web::signed_in(&office, "giamsat", SUPERVISOR_PASSWORD).await;
    let token = web.token().await;

    let review = web.get("/duyet").await;
    assert!(review.body.contains("Lê Văn Mình"));
    assert!(
        !review.body.contains("Hoàng Thị Khác"),
        "another commune's sign-up is not listed"
    );
    let url = web.get(&format!("/tong-quan?xa={OTHER_COMMUNE}")).await;
    assert_eq!(
        url.status,
        StatusCode::NOT_FOUND,
        "a commune in the URL is checked"
    );

    let decided = web
        .post(
            &format!("/duyet/{}", theirs.enrollment.id),
            &[("action", "approve"), ("_csrf", &token)],
        )
        .await;
    assert_eq!(
        decided.status,
        StatusCode::NOT_FOUND,
        "an id in the URL is checked"
    );
    let record = office.record(theirs.enrollment.id).await.expect("exists");
    assert_eq!(record.state.fields["status"], "submitted", "unchanged");

    for (path, form) in [
        (
            "/chi-tieu",
            vec![
                ("commune", OTHER_COMMUNE),
                ("scope", "commune"),
                ("target_signups", "10"),
            ],
        ),
        (
            "/dia-ban/thon",
            vec![("commune", OTHER_COMMUNE), ("name", "Thôn Lạ")],
        ),
        (
            "/tong-quan/lao-dong",
            vec![
                ("commune", OTHER_COMMUNE),
                ("labour_force", "1000"),
                ("target_percent", "3"),
            ],
        ),
    ] {
        let page = web.submit(path, &token, &form).await;
        assert_eq!(
            page.status,
            StatusCode::NOT_FOUND,
            "{path}: a commune in a form is checked"
        );
    }
    // A village of another commune named in a quota of one's own commune.
    let scope = format!("village:{}", other_village.id);
    let page = web
        .submit(
            "/chi-tieu",
            &token,
            &[
                ("commune", COMMUNE),
                ("scope", &scope),
                ("target_signups", "10"),
            ],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::NOT_FOUND,
        "a village id in a form is checked"
    );

    let (status, csv) = web.bytes("/xuat/dang-ky.csv").await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).expect("utf-8");
    assert!(
        csv.contains("Lê Văn Mình") && !csv.contains("Hoàng Thị Khác"),
        "{csv}"
    );
    let _ = mine;
}

async fn hostile_names_are_text_everywhere(office: Office) {
    accounts(&office).await;
    let field = office.field_user(true).await;
    let mut writer = OfficeWriter::default();
    let script = "<script>alert(1)</script>";
    let formula = "=HYPERLINK(\"http://x\",\"y\")";
    field_signup(&office, &mut writer, &field, script).await;
    field_signup(&office, &mut writer, &field, formula).await;
    let web = Web::signed_in(&office, "quantri", ADMIN_PASSWORD).await;
    for path in ["/duyet", "/tong-quan", "/nhat-ky"] {
        let page = web.get(path).await;
        assert!(
            !page.body.contains(script),
            "{path} never contains the raw script tag"
        );
    }
    let review = web.get("/duyet").await;
    assert!(
        review
            .body
            .contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the name shows escaped, as text"
    );
    let (_, csv) = web.bytes("/xuat/dang-ky.csv").await;
    let csv = String::from_utf8(csv).expect("utf-8");
    assert!(csv.contains(script), "CSV keeps the name as text");
    assert!(
        csv.contains(&format!("\"'{}\"", formula.replace('"', "\"\""))),
        "a CSV cell starting with = is prefixed with ': {csv}"
    );
    let (_, xlsx) = web.bytes("/xuat/dang-ky.xlsx").await;
    let cells = read_xlsx(&xlsx);
    assert!(
        cells
            .iter()
            .any(|row| row.first() == Some(&Cell::Text(formula.into()))),
        "the XLSX cell is the text itself: {cells:?}"
    );
    assert!(
        xlsx_formulas(&xlsx).is_empty(),
        "no formula in the worksheet"
    );
}

/// A read-back XLSX cell.
#[derive(Clone, Debug, PartialEq)]
enum Cell {
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Empty,
}

fn read_xlsx(bytes: &[u8]) -> Vec<Vec<Cell>> {
    read_xlsx_sheet(bytes, 0)
}

/// The cells of the XLSX's worksheet number `index` (from 0).
fn read_xlsx_sheet(bytes: &[u8], index: usize) -> Vec<Vec<Cell>> {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let range = book
        .worksheet_range_at(index)
        .expect("a sheet")
        .expect("read");
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Data::String(s) => Cell::Text(s.clone()),
                    Data::Float(f) => Cell::Number(*f),
                    Data::Int(i) => Cell::Number(*i as f64),
                    Data::DateTime(d) => Cell::Date(
                        NaiveDate::from_ymd_opt(1899, 12, 30).expect("epoch")
                            + chrono::Duration::days(d.as_f64() as i64),
                    ),
                    Data::Empty => Cell::Empty,
                    other => Cell::Text(format!("{other:?}")),
                })
                .collect()
        })
        .collect()
}

/// Every formula of the first worksheet of an XLSX.
fn xlsx_formulas(bytes: &[u8]) -> Vec<String> {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_formula(&name).expect("formulas");
    range
        .used_cells()
        .map(|(_, _, f)| f.clone())
        .filter(|f| !f.is_empty())
        .collect()
}

async fn a_decision_reaches_the_collectors_phone(office: Office) {
    use sotay_sync::{SyncClient, SyncConfig};
    use tokio_util::sync::CancellationToken;
    accounts(&office).await;
    let store = office.store();
    let mut writer = OfficeWriter::default();
    let village = office.create_village(&mut writer, "Thôn Đông").await;
    let lan = admin::create_user(store, "Nguyễn Thị Lan", Role::Collector, None)
        .await
        .expect("user");
    admin::assign_area(store, lan.id, COMMUNE, None)
        .await
        .expect("area");
    let code = admin::issue_code(store, lan.id, chrono::Duration::hours(1))
        .await
        .expect("code");
    let enrolled = sotay_sync::enroll(&office.base, &code, "Điện thoại chị Lan")
        .await
        .expect("enrol");
    let dir = tempfile::tempdir().expect("dir");
    let phone = phone_store(dir.path().join("sotay.db"), &enrolled);
    let client = SyncClient::new(&office.base, &enrolled.device_token, SyncConfig::default())
        .expect("client");
    client
        .sync(&phone, &|_| {}, &CancellationToken::new())
        .await
        .expect("first sync");
    let household = Household {
        poverty_status: PovertyStatus::Poor,
        poverty_year: Some(2026),
        ..records::household(COMMUNE, Some(village.id), "Đỗ Thị Duyên", "Số 9 Thôn Đông")
    };
    let person = Person {
        sex: Sex::Female,
        date_of_birth: NaiveDate::from_ymd_opt(1979, 8, 1),
        personal_id: Some("001179003456".into()),
        phone: None,
        ..records::person(&household, "Đỗ Thị Duyên", 0)
    };
    let enrollment = Enrollment {
        first_month: this_month(),
        support_groups: vec![SupportGroup::Poor],
        status: EnrollmentStatus::Submitted,
        ..records::enrollment(&person, lan.id, PaymentMode::Quarterly)
    };
    {
        let phone = phone.lock().expect("phone");
        phone.save_household(&household).expect("save");
        phone.save_person(&person).expect("save");
        phone.save_enrollment(&enrollment).expect("save");
    }
    client
        .sync(&phone, &|_| {}, &CancellationToken::new())
        .await
        .expect("push the sign-up");

    let web = Web::signed_in(&office, "giamsat", SUPERVISOR_PASSWORD).await;
    let queue = web.get("/duyet").await;
    assert!(
        queue.body.contains("Đỗ Thị Duyên"),
        "the pushed sign-up waits for review"
    );
    let commune = sotay_domain::admin_units::commune(COMMUNE).expect("a real commune");
    assert!(
        queue.body.contains(&format!(
            "<span class=\"line muted\">{}</span>",
            commune.name
        )),
        "the row names its commune: village names repeat across a province"
    );
    let token = queue.csrf();
    let path = format!("/duyet/{}", enrollment.id);
    let no_reason = web
        .post(&path, &[("action", "reject"), ("_csrf", &token)])
        .await;
    no_reason.assert_refused_saying(
        "Hãy ghi lý do",
        "a rejection needs a reason, said next to the row",
    );
    let answer = web
        .post(&path, &[("action", "approve"), ("_csrf", &token)])
        .await;
    assert_eq!(
        answer.status,
        StatusCode::SEE_OTHER,
        "back to the queue by a redirect: a reload does not send the decision again"
    );
    let approved = web.get(&answer.location()).await;
    assert_eq!(approved.status, StatusCode::OK);
    assert!(
        approved.body.contains("Đã ghi quyết định: Đã duyệt"),
        "{}",
        approved.body
    );
    // The same form sent again (a second supervisor, a double click) decides nothing more.
    let again = web
        .post(
            &path,
            &[("action", "reject"), ("reason", "Sai"), ("_csrf", &token)],
        )
        .await;
    again.assert_refused_saying(
        "Tờ khai này đã có quyết định: Đã duyệt.",
        "a decided sign-up is not decided again",
    );
    let record = office.record(enrollment.id).await.expect("exists");
    assert_eq!(record.state.fields["status"], "approved");

    let report = client
        .sync(&phone, &|_| {}, &CancellationToken::new())
        .await
        .expect("pull the decision");
    assert!(report.synced, "{report:?}");
    let on_phone: Enrollment = phone
        .lock()
        .expect("phone")
        .get(enrollment.id)
        .expect("read")
        .expect("exists");
    assert_eq!(
        on_phone.status,
        EnrollmentStatus::Approved,
        "the office's decision reached the phone by sync"
    );
}

async fn a_quota_shows_on_the_overview(office: Office) {
    accounts(&office).await;
    let _field = office.field_user(true).await;
    let web = Web::signed_in(&office, "giamsat", SUPERVISOR_PASSWORD).await;
    let token = web.token().await;
    let bad = web
        .submit(
            "/chi-tieu",
            &token,
            &[
                ("commune", COMMUNE),
                ("scope", "commune"),
                ("target_signups", "nhiều"),
            ],
        )
        .await;
    bad.assert_refused_saying("Hãy nhập số người đăng ký mới", "message next to the field");
    assert!(
        bad.body
            .contains(r#"name="target_signups" inputmode="numeric" required value="nhiều""#),
        "what was typed stays in the field: {}",
        bad.body
    );
    assert!(
        bad.body.contains(&format!(r#"value="{COMMUNE}" selected"#)),
        "the chosen commune stays chosen"
    );
    let added = web
        .submit(
            "/chi-tieu",
            &token,
            &[
                ("commune", COMMUNE),
                ("scope", "commune"),
                ("target_signups", "137"),
                ("target_renewals", "20"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    assert!(added.body.contains("Đã giao chỉ tiêu"));
    assert!(
        added.body.contains("Đã tái tục") && added.body.contains("Tiến độ tái tục"),
        "the renewal quota shows its progress too"
    );
    let log = office.database.dump("audit_log").await;
    assert!(
        log.contains("Giao chỉ tiêu 6 tháng") && log.contains("137 đăng ký mới, 20 tái tục"),
        "the log names the period as people say it: {log}"
    );
    let overview = web.get("/tong-quan").await;
    assert!(
        overview.body.contains("0 / 137"),
        "the overview's quota chart shows the new quota: {}",
        overview.body
    );

    // Each page's table downloads with the page's columns and numbers.
    let ky = sotay_office::web::pages::default_period_key(sotay_office::clock::today_in_vietnam());
    assert!(
        overview
            .body
            .contains(&format!("href=\"/xuat/tong-quan.xlsx?ky={ky}\"")),
        "{}",
        overview.body
    );
    let headers = |body: &str| -> Vec<String> {
        let table = &body[body.find("<thead>").expect("a table")..];
        let head = &table[..table.find("</thead>").expect("its head")];
        head.split("</th>")
            .filter_map(|cell| cell.rsplit('>').next())
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let (status, csv) = web.bytes("/xuat/tong-quan.csv").await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).expect("utf-8");
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    assert_eq!(
        lines
            .next()
            .map(|h| h.split(',').map(str::to_owned).collect::<Vec<_>>()),
        Some(headers(&overview.body)),
        "the same columns as the page"
    );
    let row = lines.next().expect("the commune's row");
    assert!(
        row.starts_with("Xã Sóc Sơn,") && row.contains(",137,"),
        "{row}"
    );
    let quotas = web.get("/chi-tieu").await;
    let (status, bytes) = web.bytes(&format!("/xuat/chi-tieu.xlsx?ky={ky}")).await;
    assert_eq!(status, StatusCode::OK);
    let rows = read_xlsx(&bytes);
    let names: Vec<String> = rows[0]
        .iter()
        .map(|c| match c {
            Cell::Text(t) => t.clone(),
            other => panic!("a header is text: {other:?}"),
        })
        .collect();
    assert_eq!(names, headers(&quotas.body), "the same columns as the page");
    assert_eq!(rows[1][0], Cell::Text("Xã Sóc Sơn".into()));
    assert_eq!(rows[1][3], Cell::Number(137.0), "a number cell");
    assert_eq!(
        rows[1][5],
        Cell::Number(0.0),
        "progress as a share: none yet"
    );
}

fn list_csv(rows: &[&str]) -> Vec<u8> {
    let mut text = String::from(
        "Họ và tên,Ngày sinh,Giới tính,Số CCCD,Số điện thoại,Mã xã,Thôn/Tổ,Địa chỉ,Diện hộ (nghèo / cận nghèo),Năm\n",
    );
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    text.into_bytes()
}

async fn an_import_reports_each_bad_row_and_imports_only_when_told(office: Office) {
    accounts(&office).await;
    let _field = office.field_user(true).await;
    let web = Web::signed_in(&office, "giamsat", SUPERVISOR_PASSWORD).await;
    let token = web.token().await;
    let file = list_csv(&[
        "Nguyễn Văn An,01/02/1980,Nam,,0912345678,00376,Thôn Đông,Số 1,nghèo,2025",
        "Trần Thị Bích,31/02/1985,Nữ,,,00376,Thôn Đông,Số 2,cận nghèo,2025",
        "Lê Văn Cường,03/03/1975,Nam,,,00376,Thôn Không Có,Số 3,nghèo,2025",
        "Phạm Thị Dung,04/04/1990,Khác,,,00376,thon dong,Số 4,giàu,2025",
        "Nguyễn Văn An,01/02/1980,Nam,,,00376,Thôn Đông,Số 5,nghèo,2025",
        "Hoàng Văn Em,05/05/1988,Nam,,0123,00376,Thôn Đoài,Số 6,nghèo,2025",
    ]);
    let page = web
        .upload("/nhap", &[("_csrf", &token)], ("ds.csv", &file))
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    for (row, reason) in [
        ("3", "không có thật trên lịch"),
        ("4", "chưa có ở Xã Sóc Sơn (00376)"),
        ("5", "phải là Nam hoặc Nữ"),
        ("5", "phải là \"nghèo\" hoặc \"cận nghèo\""),
        ("6", "trùng với dòng 2"),
        ("7", "Số điện thoại"),
    ] {
        assert!(
            page.body.contains(&format!("<td class=\"num\">{row}</td>"))
                && page.body.contains(&reason.replace('"', "&quot;")),
            "row {row}: {reason} is reported: {}",
            page.body
        );
    }
    assert!(
        page.body.contains("Chưa nhập gì"),
        "nothing imported from a file with errors"
    );
    let before = office
        .store()
        .persons_matching(vec![], vec!["nguyen van an".into()])
        .await
        .expect("query");
    assert!(before.is_empty(), "nothing half-imported");

    let only_good = web
        .upload(
            "/nhap",
            &[("_csrf", &token), ("only_good", "1")],
            ("ds.csv", &file),
        )
        .await;
    assert_eq!(only_good.status, StatusCode::OK, "{}", only_good.body);
    assert!(
        only_good.body.contains("Đã nhập 1 người"),
        "{}",
        only_good.body
    );
    let again = web
        .upload(
            "/nhap",
            &[("_csrf", &token)],
            (
                "ds.csv",
                &list_csv(&["Nguyễn Văn An,01/02/1980,Nam,,,00376,Thôn Đông,Số 1,nghèo,2025"]),
            ),
        )
        .await;
    assert!(
        again.body.contains("đã có trong cơ sở dữ liệu"),
        "a duplicate of a stored person is found: {}",
        again.body
    );
    let cp1258 = b"H\xe4 v\xe0 t\xean,Ng\xe0y sinh\nNguy\xd2\xden,01/01/1980\n";
    let legacy = web
        .upload("/nhap", &[("_csrf", &token)], ("ds.csv", cp1258))
        .await;
    legacy.assert_refused_saying("CSV UTF-8", "how to save as UTF-8 is said");
    let pdf = web
        .upload("/nhap", &[("_csrf", &token)], ("ds.pdf", b"%PDF-1.4"))
        .await;
    assert!(pdf.body.contains("Chỉ nhận tệp .csv"), "{}", pdf.body);
    let other = web
        .upload(
            "/nhap",
            &[("_csrf", &token), ("only_good", "1")],
            (
                "ds.csv",
                &list_csv(&["Vũ Văn Giang,01/02/1980,Nam,,,00004,Tổ 1,Số 1,nghèo,2025"]),
            ),
        )
        .await;
    assert!(
        other
            .body
            .contains("Bạn không được nhập danh sách cho xã 00004"),
        "a supervisor imports only into their communes"
    );
}

/// Three months from this one of `s`'s sign-up, paid in cash to `field` at `collected`.
fn quarter_in_cash(
    field: &Field,
    s: &Signup,
    amount: i64,
    collected: chrono::DateTime<Utc>,
    receipt: &str,
) -> Payment {
    Payment {
        id: new_id(),
        enrollment_id: s.enrollment.id,
        person_id: s.person.id,
        household_id: s.household.id,
        commune_code: COMMUNE.into(),
        village_id: Some(field.village),
        collector_id: field.user_id,
        months_from: this_month(),
        months_to: this_month() + chrono::Months::new(2),
        amount: Vnd(amount),
        collected_at: collected,
        receipt_number: receipt.into(),
        method: PaymentMethod::Cash,
    }
}

async fn the_xlsx_export_has_real_numbers_and_dates(office: Office) {
    let (field, mut writer, s) = accounts_and_signup(&office, "Bùi Thị Hoa").await;
    let payment = quarter_in_cash(&field, &s, 742_500, Utc::now(), "BL-00077");
    writer
        .write_record(office.store(), EntityKind::Payment, &payment)
        .await
        .expect("payment");
    let web = Web::signed_in(&office, "quantri", ADMIN_PASSWORD).await;
    let (status, bytes) = web.bytes("/xuat/thu-tien.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let rows = read_xlsx(&bytes);
    assert_eq!(
        rows[0][0],
        Cell::Text("Số biên lai".into()),
        "Vietnamese headers"
    );
    assert_eq!(rows[1][0], Cell::Text("BL-00077".into()));
    assert_eq!(rows[1][2], Cell::Text("Bùi Thị Hoa".into()));
    assert_eq!(
        rows[1][3],
        Cell::Number(742_500.0),
        "the amount is a number cell"
    );
    assert_eq!(
        rows[1][4],
        Cell::Date(this_month()),
        "months are date cells"
    );
    assert_eq!(rows[0][9], Cell::Text("Người thu".into()));
    assert_eq!(
        rows[1][9],
        Cell::Text("Nguyễn Thị Lan".into()),
        "who collected it"
    );
    // One commune's file of the period shown, as the overview of that commune links it.
    let ky = sotay_office::web::pages::default_period_key(sotay_office::clock::today_in_vietnam());
    let overview = web.get(&format!("/tong-quan?xa={COMMUNE}")).await;
    let link = format!("/xuat/thu-tien.xlsx?ky={ky}&amp;xa={COMMUNE}");
    assert!(overview.body.contains(&link), "{link}: {}", overview.body);
    let (_, bytes) = web
        .bytes(&format!("/xuat/thu-tien.xlsx?ky={ky}&xa={COMMUNE}"))
        .await;
    assert_eq!(
        read_xlsx(&bytes).len(),
        2,
        "collected today: in this period"
    );
    let (_, bytes) = web.bytes("/xuat/thu-tien.xlsx?ky=2020").await;
    assert_eq!(read_xlsx(&bytes).len(), 1, "not collected in 2020");
    let (status, bytes) = web
        .bytes(&format!("/xuat/thu-tien.xlsx?xa={OTHER_COMMUNE}"))
        .await;
    assert_eq!(status, StatusCode::OK, "an admin sees every commune");
    assert_eq!(
        read_xlsx(&bytes).len(),
        1,
        "another commune's file has no payment"
    );
    let supervisor = Web::signed_in(&office, "giamsat", SUPERVISOR_PASSWORD).await;
    let (status, _) = supervisor
        .bytes(&format!("/xuat/thu-tien.xlsx?xa={OTHER_COMMUNE}"))
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "not a commune of the supervisor's"
    );
    let (_, bytes) = web.bytes("/xuat/danh-gia.xlsx").await;
    let rows = read_xlsx(&bytes);
    assert_eq!(rows[0][0], Cell::Text("Người thu".into()));
    let lan = rows
        .iter()
        .find(|r| r[0] == Cell::Text("Nguyễn Thị Lan".into()))
        .expect("the collector's row");
    assert_eq!(lan[3], Cell::Number(1.0), "one new sign-up");
    assert_eq!(rows[0][7], Cell::Text("Tỷ lệ dừng đóng".into()));
    assert_eq!(lan[7], Cell::Number(0.0), "the lapse rate is a number");
    assert_eq!(lan[10], Cell::Number(742_500.0), "cash collected");
    assert_eq!(lan[11], Cell::Number(0.0), "nothing remitted yet");
    // The organisations' totals are the second worksheet, with a grand total.
    let orgs = read_xlsx_sheet(&bytes, 1);
    assert_eq!(orgs[0][0], Cell::Text("Tổ chức".into()));
    let org = orgs
        .iter()
        .find(|r| r[0] == lan[1])
        .expect("the collector's organisation");
    assert_eq!(org[1], Cell::Number(1.0), "one collector in it");
    let total = orgs.last().expect("a total row");
    assert_eq!(total[0], Cell::Text("Tổng cộng".into()));
    assert_eq!(total[10], Cell::Number(742_500.0), "{orgs:?}");
    let (_, csv) = web.bytes("/xuat/danh-gia.csv").await;
    let csv = String::from_utf8(csv).expect("utf-8");
    assert!(csv.contains("\nTổ chức,Số người thu,"), "{csv}");
    assert!(csv.contains("\nTổng cộng,"), "{csv}");
    let log = office.database.dump("audit_log").await;
    assert!(log.contains("export"), "exports are in the audit log");
}

async fn receipt_codes_verify_only_with_the_recording_devices_key(office: Office) {
    let field = office.field_user(true).await;
    let second = office
        .enroll(&office.user_code("Trần Văn Hùng", Role::Collector).await)
        .await;
    // The devices' keys as the office stored them.
    let stored = |device: Uuid| {
        let office = &office;
        async move {
            let rows = sotay_office::storage::sql::SqlRunner::query(
                office.store(),
                "SELECT receipt_key FROM devices WHERE id = $1".into(),
                vec![device.into()],
            )
            .await
            .expect("query");
            rows[0][0].text().expect("key")
        }
    };
    let key = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(stored(field.device_id).await)
        .expect("base64");
    let other_key = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(stored(second.device_id).await)
        .expect("base64");
    assert_eq!(key.len(), 32);
    let person = Uuid::now_v7();
    let household = Uuid::now_v7();
    let enrollment = Uuid::now_v7();
    let payment = Uuid::now_v7();
    let collected = Utc.with_ymd_and_hms(2026, 1, 5, 3, 0, 0).unwrap();
    let mut signup = crate::harness::enrollment(field.village, field.user_id);
    signup["person_id"] = person.to_string().into();
    signup["household_id"] = household.to_string().into();
    let ops = vec![
        field.op(EntityKind::Enrollment, enrollment, signup),
        field.op(
            EntityKind::Payment,
            payment,
            serde_json::json!({
                "enrollment_id": enrollment, "person_id": person, "household_id": household,
                "commune_code": COMMUNE, "village_id": field.village, "collector_id": field.user_id,
                "months_from": "2026-01-01", "months_to": "2026-03-01", "amount": 742_500,
                "collected_at": collected, "receipt_number": "BL-00012", "method": "cash"
            }),
        ),
    ];
    let pushed = office.push(&field, &ops).await;
    assert!(
        pushed
            .results
            .iter()
            .all(|r| matches!(r.outcome, sotay_sync::protocol::OpOutcome::Applied)),
        "{pushed:?}"
    );
    let fields = sotay_receipt::ReceiptFields {
        receipt_number: "BL-00012",
        amount: 742_500,
        collected_on: NaiveDate::from_ymd_opt(2026, 1, 5).expect("date"),
    };
    let code = sotay_receipt::check_code(&key, &fields).expect("code");
    let forged = sotay_receipt::check_code(&other_key, &fields).expect("code");
    let mut altered: Vec<char> = code.chars().collect();
    altered[2] = if altered[2] == '7' { '8' } else { '7' };
    let altered: String = altered.into_iter().collect();
    let client = reqwest::Client::new();
    let check = |code: String| {
        let client = client.clone();
        let url = office.url(&format!("/tra-cuu?so=BL-00012&ma={code}"));
        async move {
            client
                .get(url)
                .send()
                .await
                .expect("GET")
                .text()
                .await
                .expect("body")
        }
    };
    let page = check(code.clone()).await;
    assert!(
        page.contains("data-ket-qua=\"chua-nop\""),
        "received, not remitted: {page}"
    );
    assert!(page.contains("742.500 ₫"), "{page}");
    // Collected on 05/01/2026 with 5 days to hand it in: the page says the deadline has passed.
    assert!(
        page.contains("data-han-nop=\"qua-han\"") && page.contains("quá hạn nộp (10/01/2026)"),
        "{page}"
    );
    let page = check(forged).await;
    assert!(
        page.contains("data-ket-qua=\"chua-thay\""),
        "a code made with another device's key is refused"
    );
    let page = check(altered).await;
    assert!(
        page.contains("data-ket-qua=\"chua-thay\""),
        "one changed character is refused"
    );
    let page = check("12".into()).await;
    assert!(
        page.contains("8 ký tự"),
        "a malformed code is said next to the field"
    );
    // Remitted: the page says so.
    let remittance = Uuid::now_v7();
    office
        .push(
            &field,
            &[field.op(
                EntityKind::Remittance,
                remittance,
                serde_json::json!({
                    "collector_id": field.user_id, "commune_code": COMMUNE,
                    "remitted_at": Utc.with_ymd_and_hms(2026, 1, 7, 3, 0, 0).unwrap(),
                    "payment_ids": [payment], "total": 742_500, "note": ""
                }),
            )],
        )
        .await;
    let page = check(code).await;
    assert!(page.contains("data-ket-qua=\"da-nop\""), "remitted: {page}");
    assert!(page.contains("07/01/2026"), "{page}");
    // Rate limit: the page refuses after 10 checks a minute from one address.
    let mut limited = false;
    for _ in 0..12 {
        let res = client
            .get(office.url("/tra-cuu?so=BL-1&ma=1234-5678"))
            .send()
            .await
            .expect("GET");
        limited |= res.status() == StatusCode::TOO_MANY_REQUESTS;
    }
    assert!(limited, "receipt checks are rate-limited");
}

async fn overview_and_evaluation_count_what_happened(office: Office) {
    let field = office.field_user(true).await;
    let store = office.store();
    let mut writer = OfficeWriter::default();
    let jan = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    let s1 = signup(
        &office,
        &mut writer,
        COMMUNE,
        field.village,
        field.user_id,
        "Một",
        jan,
    )
    .await;
    let s2 = signup(
        &office,
        &mut writer,
        COMMUNE,
        field.village,
        field.user_id,
        "Hai",
        jan,
    )
    .await;
    writer
        .decide_enrollment(store, s1.enrollment.id, EnrollmentStatus::Approved, None)
        .await
        .expect("approve");
    writer
        .decide_enrollment(store, s2.enrollment.id, EnrollmentStatus::Approved, None)
        .await
        .expect("approve");
    let pay = |s: &Signup, from: u32, amount: i64, day: u32, receipt: &str| Payment {
        id: new_id(),
        enrollment_id: s.enrollment.id,
        person_id: s.person.id,
        household_id: s.household.id,
        commune_code: COMMUNE.into(),
        village_id: Some(field.village),
        collector_id: field.user_id,
        months_from: NaiveDate::from_ymd_opt(2026, from, 1).expect("date"),
        months_to: NaiveDate::from_ymd_opt(2026, from + 2, 1).expect("date"),
        amount: Vnd(amount),
        collected_at: Utc.with_ymd_and_hms(2026, from, day, 3, 0, 0).unwrap(),
        receipt_number: receipt.into(),
        method: PaymentMethod::Cash,
    };
    // s1 pays Jan–Mar and renews Apr–Jun; s2 pays Jan–Mar only and lapses from April.
    let p1 = pay(&s1, 1, 742_500, 5, "BL-1");
    let p2 = pay(&s1, 4, 742_500, 3, "BL-2");
    let p3 = pay(&s2, 1, 742_500, 6, "BL-3");
    for p in [&p1, &p2, &p3] {
        writer
            .write_record(store, EntityKind::Payment, p)
            .await
            .expect("payment");
    }
    // p1 remitted after 3 days, p3 after 20 (late against 5 days); p2 not yet.
    for (p, day) in [(&p1, 8), (&p3, 26)] {
        let r = Remittance {
            id: new_id(),
            collector_id: field.user_id,
            commune_code: COMMUNE.into(),
            remitted_at: Utc.with_ymd_and_hms(2026, 1, day, 3, 0, 0).unwrap(),
            payment_ids: vec![p.id],
            total: p.amount,
            note: String::new(),
        };
        writer
            .write_record(store, EntityKind::Remittance, &r)
            .await
            .expect("remittance");
    }
    let visit = Visit {
        id: new_id(),
        household_id: s1.household.id,
        commune_code: COMMUNE.into(),
        village_id: Some(field.village),
        visited_at: Utc.with_ymd_and_hms(2026, 2, 1, 3, 0, 0).unwrap(),
        visited_by: field.user_id,
        persons_met: vec![],
        channel: VisitChannel::DoorToDoor,
        outcome: VisitOutcome::Interested,
        notes: String::new(),
        location: None,
        next_follow_up: None,
    };
    writer
        .write_record(store, EntityKind::Visit, &visit)
        .await
        .expect("visit");
    store
        .set_commune_target(COMMUNE, 100, 30, Utc::now())
        .await
        .expect("target");
    let h1 = Period {
        from: jan,
        to: NaiveDate::from_ymd_opt(2026, 7, 1).expect("date"),
    };
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
    // The commune's row of the overview of `period` as it stands on `today`.
    let commune_row = async |period: Period, today: NaiveDate| {
        store
            .overview(&Visible::All, period, today, false)
            .await
            .expect("overview")
            .into_iter()
            .find(|r| r.commune_code == COMMUNE)
            .expect("the commune's row")
    };
    let row = commune_row(h1, today).await;
    assert_eq!(row.households, 2);
    assert_eq!(row.visits, 1);
    assert_eq!(row.signups, 2);
    assert_eq!(row.renewals, 1, "s1's second payment continues its first");
    assert_eq!(row.lapses, 1, "s2's months ran out at the end of March");
    assert_eq!(row.collected, 3 * 742_500);
    assert_eq!(
        row.participants, 1,
        "at the half-year's last month (June) s1 is paid up; s2 lapsed and is not covered"
    );
    assert_eq!(row.coverage_bp(), Some(100), "1 of 100: 1,00%");
    // While the half-year runs, coverage counts this month's participants: in February both
    // are paid up (to March); in May only s1.
    for (day, covered) in [((2026, 2, 10), 2), ((2026, 5, 15), 1)] {
        let today = NaiveDate::from_ymd_opt(day.0, day.1, day.2).expect("date");
        assert_eq!(h1.census_month(today).day(), 1);
        let row = commune_row(h1, today).await;
        assert_eq!(row.participants, covered, "on {today}");
        let lan = store
            .evaluation(&Visible::All, h1, today, 5)
            .await
            .expect("evaluation")
            .into_iter()
            .find(|r| r.collector_id == field.user_id)
            .expect("the collector");
        assert_eq!(lan.participants, covered, "on {today}");
    }
    // A year before the sign-ups began: nobody was covered yet.
    let y2025 = Period {
        from: NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"),
        to: jan,
    };
    let before = store
        .overview(&Visible::All, y2025, today, false)
        .await
        .expect("overview");
    assert!(before.iter().all(|r| r.participants == 0), "{before:?}");
    let villages = store
        .overview(&Visible::All.only(COMMUNE), h1, today, true)
        .await
        .expect("per village");
    let v = villages
        .iter()
        .find(|r| r.village_id == Some(field.village))
        .expect("the village's row");
    assert_eq!((v.households, v.signups), (2, 2));
    let none = store
        .overview(
            &Visible::Communes(vec![OTHER_COMMUNE.into()]),
            h1,
            today,
            false,
        )
        .await
        .expect("overview");
    assert!(
        none.iter().all(|r| r.signups == 0),
        "another commune sees none of it"
    );

    // The collector's row of the evaluation, as the office has it now.
    let evaluate = async || {
        store
            .evaluation(&Visible::All, h1, today, 5)
            .await
            .expect("evaluation")
            .into_iter()
            .find(|r| r.collector_id == field.user_id)
            .expect("the collector")
    };
    let lan = evaluate().await;
    assert_eq!(lan.visits, 1);
    assert_eq!(lan.signups, 2);
    assert_eq!(lan.renewals, 1);
    assert_eq!((lan.participants, lan.lapses), (1, 1));
    assert_eq!(
        lan.lapse_permille(),
        500,
        "one of the half-year's two participants lapsed"
    );
    assert_eq!(lan.cash_collected, 3 * 742_500);
    assert_eq!(lan.cash_remitted, 2 * 742_500);
    // p3: 20 days (15 late); p2: unremitted since 3 April, late by today.
    assert_eq!(lan.late_payments, 2);
    let p2_days = (today - NaiveDate::from_ymd_opt(2026, 4, 3).expect("date")).num_days();
    assert_eq!(lan.max_days_late, p2_days - 5);
    let months = store
        .signups_per_month(&Visible::All, h1)
        .await
        .expect("months");
    assert_eq!(months, vec![(jan, 2)]);

    // Quotas of the half-year count what was reached: two sign-ups and one renewal (s1's
    // April payment), for the commune, the village and the collector alike.
    let scopes = [
        QuotaScope::Commune(COMMUNE.into()),
        QuotaScope::Village(field.village),
        QuotaScope::Collector(field.user_id),
    ];
    for scope in &scopes {
        let quota = Quota {
            id: new_id(),
            period: QuotaPeriod::HalfYear {
                year: 2026,
                half: 1,
            },
            scope: scope.clone(),
            commune_code: COMMUNE.into(),
            target_signups: 10,
            target_renewals: 4,
        };
        writer
            .write_record(store, EntityKind::Quota, &quota)
            .await
            .expect("quota");
    }
    let quotas = store.quotas(&Visible::All, h1).await.expect("quotas");
    assert_eq!(quotas.len(), scopes.len());
    for q in &quotas {
        assert_eq!(
            (q.achieved_signups, q.achieved_renewals, q.target_renewals),
            (2, 1, 4),
            "{} quota",
            q.scope_kind
        );
    }
    let h2 = Period {
        from: NaiveDate::from_ymd_opt(2026, 7, 1).expect("date"),
        to: NaiveDate::from_ymd_opt(2027, 1, 1).expect("date"),
    };
    assert!(
        store
            .quotas(&Visible::All, h2)
            .await
            .expect("quotas")
            .is_empty(),
        "the half-year's quotas are not the next half's"
    );

    // A correction of p2's amount alone names no sign-up: the office reads it for the payment,
    // and p2 still counts as a renewal.
    let mut amount = serde_json::Map::new();
    amount.insert("amount".into(), serde_json::json!(750_000));
    writer
        .write(store, EntityKind::Payment, p2.id, amount)
        .await
        .expect("correction");
    let lan = evaluate().await;
    assert_eq!(lan.renewals, 1, "the corrected payment is still a renewal");
    assert_eq!(lan.cash_collected, 2 * 742_500 + 750_000);
}

async fn the_first_run_sets_up_an_admin_once(office: Office) {
    let web = Web::new(&office);
    let first = web.get("/dang-nhap").await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert_eq!(
        first.location(),
        "/thiet-lap",
        "no sign-in yet: the set-up opens"
    );
    let form = web.get("/thiet-lap").await;
    let token = form.csrf();
    let short = web
        .submit(
            "/thiet-lap",
            &token,
            &[
                ("name", "Vũ Thu Hà"),
                ("login", "quantri"),
                ("password", "ngan"),
            ],
        )
        .await;
    short.assert_refused_saying("ít nhất 10 ký tự", "a short password is refused");
    let made = web
        .submit(
            "/thiet-lap",
            &token,
            &[
                ("name", "Vũ Thu Hà"),
                ("login", "quantri"),
                ("password", ADMIN_PASSWORD),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    web.sign_in_ok("quantri", ADMIN_PASSWORD).await;
    let again = Web::new(&office);
    let closed = again.get("/thiet-lap").await;
    assert_eq!(
        closed.location(),
        "/dang-nhap",
        "the set-up closes once an admin exists"
    );
}

async fn a_provincial_top_up_becomes_a_new_edition(office: Office) {
    accounts(&office).await;
    let web = Web::signed_in(&office, "giamsat", SUPERVISOR_PASSWORD).await;
    let token = web.token().await;
    let form = [
        ("province", "79"),
        (
            "resolution",
            "Nghị quyết 12/2026/NQ-HĐND Thành phố Hồ Chí Minh",
        ),
        ("from", "01/01/2027"),
        ("to", ""),
        ("poor", "20"),
        ("near_poor", "10"),
        ("ethnic_minority", "0"),
        ("island", "0"),
        ("other", "5"),
    ];
    // A supervisor publishes the top-up of his communes' province (Hà Nội), not another's.
    let page = web.get("/chinh-sach").await;
    assert!(
        page.body.contains(r#"<option value="01">"#)
            && !page.body.contains(r#"<option value="79">"#),
        "his province only: {}",
        page.body
    );
    let refused = web.submit("/chinh-sach", &token, &form).await;
    refused.assert_refused_saying(
        "Bạn chỉ phát hành được mức hỗ trợ của tỉnh có xã bạn quản lý.",
        "another province's top-up is not his",
    );
    let mut his = form.to_vec();
    his[0] = ("province", "01");
    let page = web.submit("/chinh-sach", &token, &his).await;
    assert!(
        page.body.contains("Tệp chính sách không hợp lệ"),
        "Hà Nội's is his to publish, and this one overlaps the one in force: {}",
        page.body
    );

    let web = Web::signed_in(&office, "quantri", ADMIN_PASSWORD).await;
    let token = web.token().await;
    let mut bad = form.to_vec();
    bad[2] = ("from", "32/13/2027");
    bad[5] = ("near_poor", "nhiều");
    let page = web.submit("/chinh-sach", &token, &bad).await;
    page.assert_refused_saying("Ngày bắt đầu theo dạng dd/mm/yyyy.", "next to the field");
    assert!(
        page.body.contains("Mức hỗ trợ là phần trăm"),
        "the wrong rate is named too: {}",
        page.body
    );
    for kept in [
        r#"<option value="79" selected>"#,
        r#"value="Nghị quyết 12/2026/NQ-HĐND Thành phố Hồ Chí Minh""#,
        r#"value="32/13/2027""#,
        r#"name="poor" inputmode="decimal" value="20""#,
        r#"name="near_poor" inputmode="decimal" value="nhiều""#,
        r#"name="other" inputmode="decimal" value="5""#,
    ] {
        assert!(
            page.body.contains(kept),
            "what was typed stays ({kept}): {}",
            page.body
        );
    }
    let page = web.submit("/chinh-sach", &token, &form).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("Đã phát hành phiên bản"),
        "{}",
        page.body
    );
    let edition = office
        .store()
        .latest_policy(None)
        .await
        .expect("read")
        .expect("a published edition");
    let policy = Policy::from_toml_str(&edition.toml).expect("the edition loads");
    let top_up = policy
        .local_support_on("79", NaiveDate::from_ymd_opt(2027, 3, 1).expect("date"))
        .expect("known province")
        .expect("the new top-up is in force in 2027");
    assert_eq!(
        (top_up.poor_bp, top_up.near_poor_bp, top_up.other_bp),
        (2000, 1000, 500)
    );
    assert!(top_up.legal_ref.contains("12/2026/NQ-HĐND"));
    // Hà Nội already has an open-ended top-up: an overlapping one is refused by the domain.
    let mut overlap = form.to_vec();
    overlap[0] = ("province", "01");
    let page = web.submit("/chinh-sach", &token, &overlap).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(
        page.body.contains("Tệp chính sách không hợp lệ"),
        "{}",
        page.body
    );
}

/// "Báo mất" on the Thiết bị page: refused without the CSRF token and for a supervisor of
/// another commune; done, the device is marked lost (its next pull orders the wipe) and the
/// audit log names who did it.
async fn a_device_is_marked_lost_from_the_devices_page(office: Office) {
    let (admin_user, _) = accounts(&office).await;
    let field = office.field_user(true).await;
    let path = format!("/thiet-bi/{}/bao-mat", field.device_id);
    let web = Web::signed_in(&office, "quantri", ADMIN_PASSWORD).await;
    let page = web.get("/thiet-bi").await;
    assert!(page.body.contains(&path), "each device has the button");
    let refused = web.post(&path, &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "no token: refused");
    let token = web.token().await;
    let unknown = web
        .post(
            &format!("/thiet-bi/{}/bao-mat", uuid::Uuid::now_v7()),
            &[("_csrf", &token)],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let done = web.post(&path, &[("_csrf", &token)]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("Đã báo mất thiết bị"), "{}", done.body);
    assert!(
        done.body.contains("chờ máy kết nối để xoá"),
        "{}",
        done.body
    );
    let device = office.device(field.device_id).await;
    assert!(device.wipe_requested_at.is_some());
    let (status, code) = crate::harness::error_code(office.pull_raw(&field.token, "").await).await;
    assert_eq!((status, code.as_str()), (StatusCode::GONE, "device_wipe"));
    let log = office
        .store()
        .audit_log(&Visible::All, 0, 50)
        .await
        .expect("audit log");
    assert!(
        log.iter().any(|e| e.action == "device_wipe_requested"
            && e.user_id == Some(admin_user.id)
            && e.commune_code.as_deref() == Some(COMMUNE)),
        "{log:?}"
    );
}

/// A decision taken on a later page of the queue comes back to that page: a refusal with its
/// message beside the row (and the reason box focused, so the browser scrolls to it), an
/// approval with the queue where it was — or its new last page once the row has left it.
async fn a_decision_on_a_later_page_comes_back_to_that_page(office: Office) {
    let (field, mut writer, _first) = accounts_and_signup(&office, "Nguyễn Thị Một").await;
    for n in 2..=26 {
        field_signup(&office, &mut writer, &field, &format!("Nguyễn Văn Số {n}")).await;
    }
    let web = Web::signed_in(&office, "giamsat", SUPERVISOR_PASSWORD).await;
    let second = web.get("/duyet?loc=cho-duyet&trang=2").await;
    assert!(second.body.contains("Trang 2 / 2"), "{}", second.body);
    let at = second.body.find("id=\"dk-").expect("a row on page 2") + "id=\"dk-".len();
    let id = &second.body[at..at + 36];
    let path = format!("/duyet/{id}");
    let token = second.csrf();
    let refused = web
        .post(
            &path,
            &[
                ("action", "reject"),
                ("loc", "cho-duyet"),
                ("trang", "2"),
                ("_csrf", &token),
            ],
        )
        .await;
    refused.assert_refused_saying(
        "Hãy ghi lý do",
        "the refusal is shown on the page it came from",
    );
    assert!(refused.body.contains("Trang 2 / 2"), "{}", refused.body);
    let row = &refused.body[refused
        .body
        .find(&format!("id=\"dk-{id}\""))
        .expect("the row")..];
    let row = &row[..row.find("</tr>").expect("end of the row")];
    assert!(
        row.contains("autofocus"),
        "the reason box of that row is focused: {row}"
    );
    assert!(
        row.contains("Hãy ghi lý do"),
        "the message is in that row: {row}"
    );

    let approved = web
        .decide(
            &path,
            &[
                ("action", "approve"),
                ("loc", "cho-duyet"),
                ("trang", "2"),
                ("_csrf", &token),
            ],
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert!(
        approved.body.contains("Đã ghi quyết định"),
        "{}",
        approved.body
    );
    assert!(
        approved.body.contains("Trang 1 / 1"),
        "page 2 emptied: its new last page is shown: {}",
        approved.body
    );
    assert!(
        !approved.body.contains(&format!("id=\"dk-{id}\"")),
        "the decided row left the queue"
    );
}

/// The review queue narrows to one commune and one collector, and a decision comes back to
/// the queue as it was narrowed.
async fn the_review_queue_narrows_to_a_commune_and_a_collector(office: Office) {
    let (field, mut writer, _lan) = accounts_and_signup(&office, "Nguyễn Thị Một").await;
    let store = office.store();
    let hung = admin::create_user(store, "Trần Văn Hùng", Role::Collector, None)
        .await
        .expect("second collector");
    admin::assign_area(store, hung.id, COMMUNE, None)
        .await
        .expect("area");
    let month = this_month();
    signup(
        &office,
        &mut writer,
        COMMUNE,
        field.village,
        hung.id,
        "Lê Văn Hai",
        month,
    )
    .await;
    let web = Web::signed_in(&office, "giamsat", SUPERVISOR_PASSWORD).await;
    let all = web.get("/duyet").await;
    assert!(all.body.contains("Nguyễn Thị Một") && all.body.contains("Lê Văn Hai"));
    assert!(
        all.body.contains(&format!(
            r#"<option value="{}">Trần Văn Hùng</option>"#,
            hung.id
        )),
        "the collectors of the commune are offered: {}",
        all.body
    );
    let hungs = web.get(&format!("/duyet?nguoi={}", hung.id)).await;
    assert!(hungs.body.contains("Lê Văn Hai"), "{}", hungs.body);
    assert!(
        !hungs.body.contains("Nguyễn Thị Một"),
        "only Hùng's sign-ups"
    );
    assert!(hungs.body.contains("1 dòng"), "{}", hungs.body);
    let here = web.get(&format!("/duyet?xa={COMMUNE}")).await;
    assert!(here.body.contains("Nguyễn Thị Một") && here.body.contains("Lê Văn Hai"));
    let elsewhere = web.get(&format!("/duyet?xa={OTHER_COMMUNE}")).await;
    assert_eq!(
        elsewhere.status,
        StatusCode::NOT_FOUND,
        "a supervisor cannot narrow to a commune not theirs (as if it did not exist)"
    );
    let admin_web = Web::signed_in(&office, "quantri", ADMIN_PASSWORD).await;
    let other = admin_web.get(&format!("/duyet?xa={OTHER_COMMUNE}")).await;
    assert_eq!(other.status, StatusCode::OK);
    assert!(
        !other.body.contains("Nguyễn Thị Một") && !other.body.contains("Lê Văn Hai"),
        "the other commune has none of them"
    );

    // A decision on Hùng's queue comes back to Hùng's queue.
    let at = hungs.body.find("id=\"dk-").expect("Hùng's row") + "id=\"dk-".len();
    let id = &hungs.body[at..at + 36];
    let token = hungs.csrf();
    let hung_id = hung.id.to_string();
    let decided = web
        .decide(
            &format!("/duyet/{id}"),
            &[
                ("action", "correct"),
                ("reason", "Thiếu ảnh CCCD"),
                ("loc", "cho-duyet"),
                ("trang", "1"),
                ("xa", COMMUNE),
                ("nguoi", &hung_id),
                ("_csrf", &token),
            ],
        )
        .await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.body);
    assert!(decided.body.contains("Đã ghi quyết định"));
    assert!(
        decided.body.contains(&format!(
            r#"<option value="{hung_id}" selected>Trần Văn Hùng</option>"#
        )),
        "still narrowed to Hùng: {}",
        decided.body
    );
    assert!(
        !decided.body.contains("Nguyễn Thị Một"),
        "Lan's sign-up is not on Hùng's queue"
    );

    // The queue's file holds what the queue shows, every page of it.
    let link =
        format!("/xuat/dang-ky.xlsx?loc=cho-duyet&amp;xa={COMMUNE}&amp;nguoi={hung_id}&amp;");
    assert!(decided.body.contains(&link), "{link}: {}", decided.body);
    let csv = |query: String| {
        let web = &web;
        async move {
            let (status, bytes) = web.bytes(&format!("/xuat/dang-ky.csv?{query}")).await;
            assert_eq!(status, StatusCode::OK, "{query}");
            String::from_utf8(bytes).expect("utf-8")
        }
    };
    let hungs_corrections = csv(format!("loc=can-bo-sung&xa={COMMUNE}&nguoi={hung_id}")).await;
    assert!(
        hungs_corrections.contains("Lê Văn Hai"),
        "{hungs_corrections}"
    );
    assert!(!hungs_corrections.contains("Nguyễn Thị Một"));
    let hungs_waiting = csv(format!("loc=cho-duyet&nguoi={hung_id}")).await;
    assert!(
        !hungs_waiting.contains("Lê Văn Hai"),
        "sent back: no longer waiting"
    );
    let waiting = csv("loc=cho-duyet".into()).await;
    assert!(waiting.contains("Nguyễn Thị Một") && !waiting.contains("Lê Văn Hai"));
    let this_year = csv(format!("ky={}", month.format("%Y"))).await;
    assert!(this_year.contains("Nguyễn Thị Một") && this_year.contains("Lê Văn Hai"));
    let long_ago = csv("ky=2020".into()).await;
    assert_eq!(
        long_ago.lines().count(),
        1,
        "no sign-up starts in 2020: {long_ago}"
    );
    // A file's name says what it holds, so two of them are told apart in a folder.
    let named = |page: &Page| {
        page.headers
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let file = web
        .get(&format!("/xuat/dang-ky.csv?loc=can-bo-sung&xa={COMMUNE}"))
        .await;
    assert_eq!(
        named(&file),
        format!("attachment; filename=\"dang-ky-can-bo-sung-{COMMUNE}.csv\"")
    );
    let ky = sotay_office::web::pages::default_period_key(sotay_office::clock::today_in_vietnam());
    let report = web.get("/xuat/danh-gia.xlsx").await;
    assert_eq!(
        named(&report),
        format!("attachment; filename=\"danh-gia-{ky}.xlsx\""),
        "a report is of a period even when the link named none"
    );
    let (status, _) = web.bytes("/xuat/dang-ky.csv?nguoi=ai-do").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let audit = office
        .store()
        .audit_log(&Visible::All, 0, 50)
        .await
        .expect("audit log");
    assert!(
        audit.iter().any(|e| e.action == "export"
            && e.detail.contains("Cần bổ sung")
            && e.detail.contains("Trần Văn Hùng")),
        "the log says what the file held: {audit:?}"
    );
}

/// The review queue shows the participant's phone (to call about a correction) and the support
/// claimed, flagged when the household is not on that poverty list.
async fn the_review_queue_flags_support_the_household_lists_do_not_show(office: Office) {
    let (field, mut writer, listed) = accounts_and_signup(&office, "Nguyễn Thị Cận").await;
    let store = office.store();
    // The same near-poor household, but a sign-up that claims the poor's support.
    let person = Person {
        phone: Some("0912000777".into()),
        ..records::person(&listed.household, "Nguyễn Văn Nghèo", 777)
    };
    let claimed = Enrollment {
        first_month: this_month(),
        status: EnrollmentStatus::Submitted,
        support_groups: vec![SupportGroup::Poor],
        ..records::enrollment(&person, field.user_id, PaymentMode::Quarterly)
    };
    writer
        .write_record(store, EntityKind::Person, &person)
        .await
        .expect("person");
    writer
        .write_record(store, EntityKind::Enrollment, &claimed)
        .await
        .expect("enrollment");
    let web = Web::signed_in(&office, "giamsat", SUPERVISOR_PASSWORD).await;
    let page = web.get("/duyet").await;
    let row = |id: Uuid| {
        let at = page
            .body
            .find(&format!("id=\"dk-{id}\""))
            .expect("the sign-up's row");
        let rest = &page.body[at..];
        rest[..rest.find("</tr>").expect("end of row")].to_owned()
    };
    let flagged = row(claimed.id);
    assert!(
        flagged.contains("0912000777"),
        "the phone to call: {flagged}"
    );
    assert!(
        flagged.contains("Hộ nghèo"),
        "the support claimed: {flagged}"
    );
    assert!(
        flagged.contains("Hồ sơ hộ ghi: Hộ cận nghèo năm 2026"),
        "{flagged}"
    );
    let plain = row(listed.enrollment.id);
    assert!(
        !plain.contains("support-unlisted"),
        "near-poor support for a near-poor household: {plain}"
    );
}

/// A collector's participants move to another collector from the collectors page: sign-ups and
/// open follow-ups in the new collector's area, nothing else; a board member cannot take them.
async fn a_collectors_participants_move_to_another_collector(office: Office) {
    let (field, mut writer, here) = accounts_and_signup(&office, "Nguyễn Văn Ở Đây").await;
    let store = office.store();
    let there = signup(
        &office,
        &mut writer,
        COMMUNE,
        field.other_village,
        field.user_id,
        "Trần Thị Ở Kia",
        this_month(),
    )
    .await;
    let today = sotay_office::clock::today_in_vietnam();
    let open = records::follow_up(&here.household, field.user_id, today);
    let done = FollowUp {
        done: true,
        ..records::follow_up(&here.household, field.user_id, today)
    };
    for f in [&open, &done] {
        writer
            .write_record(store, EntityKind::FollowUp, f)
            .await
            .expect("follow-up");
    }
    // Hùng collects in the first village only; Mai is on the board.
    let hung = admin::create_user(store, "Trần Văn Hùng", Role::Collector, None)
        .await
        .expect("collector");
    admin::assign_area(store, hung.id, COMMUNE, Some(field.village))
        .await
        .expect("area");
    let mai = admin::create_user(store, "Lê Thị Mai", Role::BoardMember, None)
        .await
        .expect("board member");
    admin::assign_area(store, mai.id, COMMUNE, None)
        .await
        .expect("area");
    let web = Web::signed_in(&office, "giamsat", SUPERVISOR_PASSWORD).await;
    let token = web.token().await;
    let lan = field.user_id.to_string();
    let refused = web
        .submit(
            "/nguoi-thu/chuyen",
            &token,
            &[("tu", &lan), ("den", &mai.id.to_string())],
        )
        .await;
    refused.assert_refused_saying("không thu tiền được", "a board member takes no sign-up");
    let moved = web
        .submit(
            "/nguoi-thu/chuyen",
            &token,
            &[("tu", &lan), ("den", &hung.id.to_string())],
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert!(
        moved.body.contains(
            "Đã chuyển 1 hồ sơ đăng ký và 1 việc cần làm của Nguyễn Thị Lan sang Trần Văn Hùng"
        ) && moved
            .body
            .contains("1 hồ sơ ngoài địa bàn của Trần Văn Hùng vẫn do Nguyễn Thị Lan giữ"),
        "{}",
        moved.body
    );
    let field_of = |id: Uuid, name: &'static str| {
        let office = &office;
        async move {
            office
                .record(id)
                .await
                .expect("kept")
                .state
                .fields
                .get(name)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
                .expect("field")
        }
    };
    let hung_id = hung.id.to_string();
    assert_eq!(field_of(here.enrollment.id, "collector_id").await, hung_id);
    assert_eq!(
        field_of(there.enrollment.id, "collector_id").await,
        lan,
        "outside Hùng's area"
    );
    assert_eq!(field_of(open.id, "assigned_to").await, hung_id);
    assert_eq!(
        field_of(done.id, "assigned_to").await,
        lan,
        "a done follow-up stays"
    );
    let log = office.database.dump("audit_log").await;
    assert!(log.contains("Đã chuyển 1 hồ sơ đăng ký"), "{log}");
    // Without the form's token nothing moves.
    let forged = web
        .post(
            "/nguoi-thu/chuyen",
            &[
                ("tu", hung_id.as_str()),
                ("den", lan.as_str()),
                ("_csrf", "sai"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(field_of(here.enrollment.id, "collector_id").await, hung_id);
}

/// The collectors page says who has not synced for a week, narrows to them, to a commune or a
/// name typed without diacritics, and shows the people a page at a time.
async fn the_collectors_page_finds_who_has_not_synced_for_a_week(office: Office) {
    accounts(&office).await;
    let field = office.field_user(true).await;
    let store = office.store();
    // Lan synced just now; Hùng's phone last reached the office ten days ago.
    office.push(&field, &[]).await;
    let hung = office
        .enroll(&office.user_code("Trần Văn Hùng", Role::Collector).await)
        .await;
    admin::assign_area(store, hung.user.id, COMMUNE, None)
        .await
        .expect("area");
    sotay_office::storage::sql::SqlRunner::query(
        store,
        "UPDATE devices SET last_seen_at = $1 WHERE user_id = $2".into(),
        vec![
            (Utc::now() - chrono::Duration::days(10)).into(),
            hung.user.id.into(),
        ],
    )
    .await
    .expect("an old sync");
    let lan_row = |body: &str| body.contains("<td>Nguyễn Thị Lan</td>");
    let hung_row = |body: &str| body.contains("<td>Trần Văn Hùng</td>");
    let web = Web::signed_in(&office, "giamsat", SUPERVISOR_PASSWORD).await;
    let page = web.get("/nguoi-thu").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(lan_row(&page.body) && hung_row(&page.body), "{}", page.body);
    assert!(
        page.body.contains("1 người chưa đồng bộ 7 ngày trở lên"),
        "{}",
        page.body
    );
    let stale = web.get("/nguoi-thu?cham=1").await;
    assert!(hung_row(&stale.body), "{}", stale.body);
    assert!(!lan_row(&stale.body), "Lan synced today");
    assert!(stale.body.contains("Quá 7 ngày"));
    let found = web.get("/nguoi-thu?ten=tran%20van%20hung").await;
    assert!(
        hung_row(&found.body) && !lan_row(&found.body),
        "{}",
        found.body
    );
    let elsewhere = web.get(&format!("/nguoi-thu?xa={OTHER_COMMUNE}")).await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);

    // A board of 25 more: 27 people make two pages, and the filters follow the pages.
    for n in 1..=25 {
        let member = admin::create_user(
            store,
            &format!("Thành viên Ban số {n:02}"),
            Role::BoardMember,
            None,
        )
        .await
        .expect("member");
        admin::assign_area(store, member.id, COMMUNE, None)
            .await
            .expect("area");
    }
    let first = web.get("/nguoi-thu").await;
    assert!(
        first.body.contains("Trang 1 / 2 · 27 dòng"),
        "{}",
        first.body
    );
    assert!(first.body.contains("trang=2"), "a link to the next page");
    let second = web.get("/nguoi-thu?trang=2").await;
    assert!(second.body.contains("Trang 2 / 2"), "{}", second.body);
    assert!(
        hung_row(&second.body),
        "sorted by name, Trần comes last: {}",
        second.body
    );
    let never = web.get("/nguoi-thu?cham=1").await;
    assert!(
        never.body.contains("Trang 1 / 2 · 26 dòng"),
        "people who never synced are flagged too: {}",
        never.body
    );
    assert!(never.body.contains("cham=1&amp;trang=2"), "{}", never.body);

    // The file holds every page of what the filters keep, in the page's columns.
    assert!(
        never.body.contains("href=\"/xuat/nguoi-thu.xlsx?ky="),
        "{}",
        never.body
    );
    let (status, csv) = web.bytes("/xuat/nguoi-thu.csv?cham=1").await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).expect("utf-8");
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "Họ và tên,Vai trò,Tổ chức,Địa bàn,Thiết bị,Đồng bộ lần cuối,Xung đột (30 ngày),Đăng ký mới,Tiền đã thu,Tiền mặt đang giữ,Giữ từ ngày"
    );
    assert_eq!(lines.len(), 27, "26 rows over the page's two pages: {csv}");
    let hung_line = lines
        .iter()
        .find(|l| l.starts_with("Trần Văn Hùng,"))
        .expect("Hùng");
    assert!(hung_line.contains("(Quá 7 ngày)"), "{hung_line}");
    assert!(!csv.contains("Nguyễn Thị Lan,"), "Lan synced: {csv}");
}

/// Cash collected in an earlier half-year and never handed in stays on the collectors page in
/// the new one, flagged past the deadline; handed in, it leaves.
async fn cash_not_handed_in_stays_on_the_collectors_page(office: Office) {
    let (field, mut writer, s) = accounts_and_signup(&office, "Bùi Thị Hoa").await;
    let collected = Utc::now() - chrono::Duration::days(200);
    let payment = quarter_in_cash(&field, &s, 693_000, collected, "BL-00200");
    writer
        .write_record(office.store(), EntityKind::Payment, &payment)
        .await
        .expect("payment");
    let web = Web::signed_in(&office, "giamsat", SUPERVISOR_PASSWORD).await;
    let lan_row = |body: &str| -> String {
        let at = body.find("<td>Nguyễn Thị Lan</td>").expect("Lan's row");
        let row = &body[at..];
        row[..row.find("</tr>").expect("row end")].to_owned()
    };
    let page = web.get("/nguoi-thu").await;
    let row = lan_row(&page.body);
    assert!(row.contains("693.000 ₫"), "held whatever the period: {row}");
    let day = collected
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .format("%d/%m/%Y")
        .to_string();
    assert!(
        row.contains(&day) && row.contains("Quá hạn nộp"),
        "since when, and late: {row}"
    );
    let remittance = Remittance {
        id: new_id(),
        collector_id: field.user_id,
        commune_code: COMMUNE.into(),
        remitted_at: Utc::now(),
        payment_ids: vec![payment.id],
        total: Vnd(693_000),
        note: String::new(),
    };
    writer
        .write_record(office.store(), EntityKind::Remittance, &remittance)
        .await
        .expect("remittance");
    let row = lan_row(&web.get("/nguoi-thu").await.body);
    assert!(
        !row.contains("693.000 ₫") && !row.contains("Quá hạn nộp"),
        "handed in: {row}"
    );
}

/// The evaluation groups collectors by the organisation they collect for, set on the collectors
/// page (a board member has none to set); the evaluation page and its file have the same columns.
async fn a_collectors_organisation_groups_the_evaluation(office: Office) {
    let (field, _writer, _s) = accounts_and_signup(&office, "Bùi Thị Hoa").await;
    let web = Web::signed_in(&office, "giamsat", SUPERVISOR_PASSWORD).await;
    let token = web.token().await;
    let id = field.user_id.to_string();
    let set = web
        .submit(
            "/nguoi-thu/to-chuc",
            &token,
            &[("nguoi", &id), ("to_chuc", "Bưu điện văn hoá xã Sóc Sơn")],
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert!(
        set.body
            .contains("Nguyễn Thị Lan thu cho Bưu điện văn hoá xã Sóc Sơn."),
        "{}",
        set.body
    );
    assert!(set.body.contains("<td>Bưu điện văn hoá xã Sóc Sơn</td>"));
    let long = "x".repeat(201);
    let refused = web
        .submit(
            "/nguoi-thu/to-chuc",
            &token,
            &[("nguoi", &id), ("to_chuc", &long)],
        )
        .await;
    refused.assert_refused_saying("dài quá 200 ký tự", "a name too long");
    let board = admin::create_user(office.store(), "Lê Thị Mai", Role::BoardMember, None)
        .await
        .expect("board member");
    admin::assign_area(office.store(), board.id, COMMUNE, None)
        .await
        .expect("area");
    let board_id = board.id.to_string();
    let refused = web
        .submit(
            "/nguoi-thu/to-chuc",
            &token,
            &[("nguoi", &board_id), ("to_chuc", "Hội Nông dân")],
        )
        .await;
    refused.assert_refused_saying("Hãy chọn người thu.", "a board member collects for nobody");

    let evaluation = web.get("/danh-gia").await;
    let by_org = &evaluation.body[evaluation
        .body
        .find("Theo tổ chức dịch vụ thu")
        .expect("the organisations")..];
    assert!(
        by_org.contains("<td>Bưu điện văn hoá xã Sóc Sơn</td>") && by_org.contains("Tổng cộng"),
        "{by_org}"
    );
    let (_, csv) = web.bytes("/xuat/danh-gia.csv").await;
    let csv = String::from_utf8(csv).expect("utf-8");
    let header = csv
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .expect("a header");
    let page_header: String = {
        let head = &evaluation.body[evaluation.body.find("<thead>").expect("a table")..];
        let head = &head[..head.find("</thead>").expect("its head")];
        head.split("</th>")
            .filter_map(|cell| cell.rsplit('>').next())
            .filter(|name| !name.is_empty())
            .collect::<Vec<_>>()
            .join(",")
    };
    assert_eq!(header, page_header, "the page's columns are the file's");
    assert!(
        csv.contains("Nguyễn Thị Lan,Bưu điện văn hoá xã Sóc Sơn,"),
        "{csv}"
    );
    let log = office.database.dump("audit_log").await;
    assert!(log.contains("thu cho Bưu điện văn hoá xã Sóc Sơn"), "{log}");
    // One commune's evaluation, and its files of that commune.
    let here = web.get(&format!("/danh-gia?xa={COMMUNE}")).await;
    assert!(
        here.body.contains("<td>Nguyễn Thị Lan</td>"),
        "{}",
        here.body
    );
    assert!(
        here.body
            .contains(&format!("&amp;xa={COMMUNE}\">Tải Excel")),
        "{}",
        here.body
    );
    let elsewhere = web.get(&format!("/danh-gia?xa={OTHER_COMMUNE}")).await;
    assert_eq!(
        elsewhere.status,
        StatusCode::NOT_FOUND,
        "not a commune of his"
    );
}

/// The collectors page counts the conflicts a phone's writes lost to another phone's in the
/// last 30 days; one lost to the office's own write (a decision, a correction) is not a
/// conflict to look into. A late write that loses outright is logged on both backends (SQLite
/// used to drop it from the log, PostgreSQL kept it).
async fn conflicts_counted_are_between_phones(office: Office) {
    let (lan, mut writer, _) = accounts_and_signup(&office, "Bùi Thị Hoa").await;
    let hung = crate::harness::named_user_with_area(
        &office,
        "Trần Văn Hùng",
        Role::Collector,
        COMMUNE,
        None,
    )
    .await;
    let earlier = |field: &Field| Hlc {
        wall_ms: u64::try_from(Utc::now().timestamp_millis() - 60_000).expect("time"),
        counter: 0,
        node: field.device_id,
    };
    // Hùng corrects a name; Lan's older edit of it arrives after and loses.
    let house = lan.new_household(lan.village, "Lò Văn Xung");
    office.push(&lan, std::slice::from_ref(&house)).await;
    let renamed = hung.op(
        EntityKind::Household,
        house.entity_id,
        serde_json::json!({"head_name": "Lò Văn Xưng"}),
    );
    office.push(&hung, &[renamed]).await;
    let late = lan.op_at(
        EntityKind::Household,
        house.entity_id,
        serde_json::json!({"head_name": "Lò Văn Xung Đột"}),
        earlier(&lan),
    );
    office.push(&lan, &[late]).await;
    // The office writes a household; Lan's older edit of it loses to the office.
    let theirs = records::household(COMMUNE, Some(lan.village), "Quàng Văn Sáng", "Bản Mới");
    writer
        .write_record(office.store(), EntityKind::Household, &theirs)
        .await
        .expect("office household");
    let late = lan.op_at(
        EntityKind::Household,
        theirs.id,
        serde_json::json!({"head_name": "Quàng Văn Sang"}),
        earlier(&lan),
    );
    office.push(&lan, &[late]).await;

    let web = Web::signed_in(&office, "giamsat", SUPERVISOR_PASSWORD).await;
    let (_, file) = web.bytes("/xuat/nguoi-thu.csv").await;
    let mut reader = csv::Reader::from_reader(&file[3..]);
    let headers = reader.headers().expect("headers").clone();
    let at = headers
        .iter()
        .position(|h| h == "Xung đột (30 ngày)")
        .expect("the column");
    let conflicts = |name: &str| -> String {
        let mut reader = csv::Reader::from_reader(&file[3..]);
        reader
            .records()
            .map(|r| r.expect("row"))
            .find(|r| r.get(0) == Some(name))
            .map(|r| r[at].to_owned())
            .expect("the person's row")
    };
    let dump = office.database.dump("conflicts").await;
    assert_eq!(
        conflicts("Nguyễn Thị Lan"),
        "2",
        "Hùng's edit replaced hers and her late one lost to his; the one lost to the office \
         is not counted: {dump}"
    );
    assert_eq!(conflicts("Trần Văn Hùng"), "0");
}

/// The labour-force form (the coverage's denominator): a wrong number is said beside its field
/// with what was typed kept, and the overview comes back on the period it was sent from.
async fn the_labour_force_form_keeps_what_was_typed_and_the_period(office: Office) {
    accounts(&office).await;
    let web = Web::signed_in(&office, "giamsat", SUPERVISOR_PASSWORD).await;
    let year = sotay_office::clock::today_in_vietnam().year();
    let half = format!("{year}-H1");
    let overview = web.get(&format!("/tong-quan?ky={half}&xa={COMMUNE}")).await;
    assert!(
        overview
            .body
            .contains(&format!(r#"name="ky" value="{half}""#)),
        "the form carries the period: {}",
        overview.body
    );
    let token = overview.csrf();
    let refused = web
        .submit(
            "/tong-quan/lao-dong",
            &token,
            &[
                ("commune", COMMUNE),
                ("labour_force", "mười nghìn"),
                ("target_percent", "150"),
                ("ky", &half),
                ("xa", COMMUNE),
            ],
        )
        .await;
    refused.assert_refused_saying(
        "Số lao động trong độ tuổi phải là số nguyên dương",
        "beside the labour-force field",
    );
    assert!(
        refused
            .body
            .contains("Mục tiêu bao phủ là phần trăm từ 0 đến 100"),
        "both wrong fields are said"
    );
    assert!(
        refused.body.contains(r#"value="mười nghìn""#) && refused.body.contains(r#"value="150""#),
        "what was typed stays: {}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains(&format!(r#"value="{half}" selected"#)),
        "still the half-year it was sent from: {}",
        refused.body
    );
    let saved = web
        .submit(
            "/tong-quan/lao-dong",
            &token,
            &[
                ("commune", COMMUNE),
                ("labour_force", "12.500"),
                ("target_percent", "3,5"),
                ("ky", &half),
                ("xa", COMMUNE),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert!(saved.body.contains("Đã lưu số lao động"), "{}", saved.body);
    assert!(
        saved.body.contains("12.500"),
        "the new denominator shows: {}",
        saved.body
    );
    assert!(
        saved.body.contains(&format!(r#"value="{half}" selected"#)),
        "still the half-year it was sent from"
    );
    // 3,5% of 12.500 workers is 438 participants (437,5 rounded up); none yet.
    let all = web.get(&format!("/tong-quan?ky={half}")).await;
    assert!(
        all.body.contains("mục tiêu 3,5% · cần thêm 438 người"),
        "{}",
        all.body
    );
    let (_, csv) = web.bytes(&format!("/xuat/tong-quan.csv?ky={half}")).await;
    let csv = String::from_utf8(csv).expect("utf-8");
    assert!(
        csv.contains("Mục tiêu bao phủ,Cần thêm (người)") && csv.contains(",\"3,5%\",438"),
        "{csv}"
    );
}

contract!(
    a_device_is_marked_lost_from_the_devices_page,
    a_provincial_top_up_becomes_a_new_edition,
    the_first_run_sets_up_an_admin_once,
    sign_in_cookie_flags_and_sign_out,
    forms_without_the_right_csrf_token_are_refused,
    repeated_failures_lock_the_login,
    a_supervisor_cannot_reach_another_commune,
    hostile_names_are_text_everywhere,
    a_decision_reaches_the_collectors_phone,
    a_decision_on_a_later_page_comes_back_to_that_page,
    the_review_queue_narrows_to_a_commune_and_a_collector,
    the_review_queue_flags_support_the_household_lists_do_not_show,
    a_collectors_participants_move_to_another_collector,
    the_collectors_page_finds_who_has_not_synced_for_a_week,
    cash_not_handed_in_stays_on_the_collectors_page,
    a_collectors_organisation_groups_the_evaluation,
    conflicts_counted_are_between_phones,
    a_quota_shows_on_the_overview,
    the_labour_force_form_keeps_what_was_typed_and_the_period,
    an_import_reports_each_bad_row_and_imports_only_when_told,
    the_xlsx_export_has_real_numbers_and_dates,
    receipt_codes_verify_only_with_the_recording_devices_key,
    overview_and_evaluation_count_what_happened,
);
