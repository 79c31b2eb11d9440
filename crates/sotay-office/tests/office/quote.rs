//! `POST /api/v1/quote` on a real server: the public contribution calculator answers the
//! domain's quote, refuses with the domain's code and Vietnamese message, and is strict about
//! the body.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sotay_domain::{Policy, Quote, QuoteError, QuoteRequest, quote};

use crate::harness::{Backend, Office, start};

async fn office() -> Office {
    start(Backend::Sqlite).await.expect("SQLite always runs")
}

async fn post(office: &Office, body: &Value) -> reqwest::Response {
    office
        .http
        .post(office.url("/api/v1/quote"))
        .json(body)
        .send()
        .await
        .expect("send")
}

fn lan(income: i64) -> Value {
    json!({
        "date": "2026-03-15",
        "support_groups": ["near_poor"],
        "monthly_income": income,
        "mode": {"kind": "quarterly"},
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chi_lan_gets_her_quarterly_quote_without_a_token() {
    let office = office().await;
    let res = post(&office, &lan(1_500_000)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let answer: Quote = res.json().await.expect("a Quote");
    assert_eq!(answer.net_monthly.0, 198_000, "330.000 − 40% support");
    assert_eq!(answer.amount_due.0, 594_000, "three months");
    assert_eq!(answer.period_months, 3);
    let request: QuoteRequest = serde_json::from_value(lan(1_500_000)).expect("request");
    let direct = quote(Policy::embedded(), &request).expect("domain quote");
    assert_eq!(
        answer, direct,
        "the server answers exactly the domain's quote"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn income_below_the_floor_is_422_naming_the_floor() {
    let office = office().await;
    let res = post(&office, &lan(1_000_000)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.expect("JSON error");
    assert_eq!(body["error"]["code"], "income_below_floor");
    let request: QuoteRequest = serde_json::from_value(lan(1_000_000)).expect("request");
    let Err(err @ QuoteError::IncomeBelowFloor { floor, .. }) = quote(Policy::embedded(), &request)
    else {
        panic!("the domain refuses 1.000.000 ₫ as below the floor");
    };
    let message = body["error"]["message"].as_str().expect("message");
    assert_eq!(message, err.message());
    assert!(
        message.contains(&floor.to_string()),
        "{message:?} names the floor {floor}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_province_is_refused_with_its_code() {
    let office = office().await;
    let mut body = lan(1_500_000);
    body["province_code"] = json!("99");
    let res = post(&office, &body).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.expect("JSON error");
    assert_eq!(body["error"]["code"], "unknown_province");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_quote_bodies_are_400_json() {
    let office = office().await;
    let mut typo = lan(1_500_000);
    typo["monthly_incom"] = json!(2_000_000);
    let mut wrong_type = lan(1_500_000);
    wrong_type["monthly_income"] = json!("1.500.000");
    let mut bad_mode = lan(1_500_000);
    bad_mode["mode"] = json!({"kind": "weekly"});
    let mut bad_date = lan(1_500_000);
    bad_date["date"] = json!("15/03/2026");
    for body in [typo, wrong_type, bad_mode, bad_date, json!([]), json!(null)] {
        let res = post(&office, &body).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{body}");
        let answer: Value = res.json().await.expect("JSON error");
        assert_eq!(answer["error"]["code"], "invalid_request", "{body}");
        assert!(answer["error"]["message"].is_string());
    }
    let res = office
        .http
        .post(office.url("/api/v1/quote"))
        .header("content-type", "application/json")
        .body("{\"date\": ")
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let answer: Value = res.json().await.expect("JSON error");
    assert_eq!(answer["error"]["code"], "invalid_request");
    let res = office
        .http
        .post(office.url("/api/v1/quote"))
        .body(lan(1_500_000).to_string())
        .send()
        .await
        .expect("send");
    assert_eq!(
        res.status(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "JSON only"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_strict_body_accepts_everything_a_quote_request_writes() {
    let office = office().await;
    let request = QuoteRequest {
        date: chrono::NaiveDate::from_ymd_opt(2026, 3, 15).expect("date"),
        province_code: Some("24".into()),
        support_groups: vec![sotay_domain::SupportGroup::NearPoor],
        monthly_income: sotay_domain::Vnd(2_000_000),
        mode: sotay_domain::PaymentMode::Annual,
        supported_months_used: 12,
    };
    let res = post(&office, &serde_json::to_value(&request).expect("json")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let answer: Quote = res.json().await.expect("a Quote");
    assert_eq!(
        answer,
        quote(Policy::embedded(), &request).expect("domain quote")
    );
}
