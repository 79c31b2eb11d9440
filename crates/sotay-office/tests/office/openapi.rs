//! The OpenAPI document says exactly what the server does, so outside tools can rely on it (the
//! full outside run is schemathesis in scripts/test.sh; these are the cases it first found).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::*;

async fn spec(office: &Office) -> Value {
    office
        .get("/api/openapi.json")
        .await
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn pull_parameters_are_optional_query_parameters() {
    let office = start(Backend::Sqlite).await.expect("office");
    let spec = spec(&office).await;
    let params = spec["paths"]["/api/v1/sync/pull"]["get"]["parameters"]
        .as_array()
        .expect("parameters");
    for name in ["after", "limit", "policy"] {
        let param = params
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name} is declared"));
        assert_eq!(param["in"], "query", "{name}");
        assert_eq!(param["required"], false, "{name}");
    }
    let limit = params.iter().find(|p| p["name"] == "limit").expect("limit");
    assert_eq!(
        (&limit["schema"]["minimum"], &limit["schema"]["maximum"]),
        (&json!(1), &json!(1000))
    );
}

#[tokio::test]
async fn every_status_the_server_sends_is_declared() {
    let office = start(Backend::Sqlite).await.expect("office");
    let spec = spec(&office).await;
    let statuses = |path: &str, method: &str| -> Vec<String> {
        spec["paths"][path][method]["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{method} {path}"))
            .keys()
            .cloned()
            .collect()
    };
    let push = statuses("/api/v1/sync/push", "post");
    for status in [
        "200", "400", "401", "404", "405", "408", "413", "415", "426",
    ] {
        assert!(
            push.contains(&status.to_owned()),
            "push declares {status}: {push:?}"
        );
    }
    let enroll = statuses("/api/v1/devices/enroll", "post");
    for status in ["403", "413", "415", "426", "429"] {
        assert!(
            enroll.contains(&status.to_owned()),
            "enrol declares {status}"
        );
    }
    assert!(statuses("/api/v1/quote", "post").contains(&"422".to_owned()));
    let enroll_body = &spec["components"]["schemas"]["EnrollRequest"]["properties"];
    assert_eq!(enroll_body["device_name"]["minLength"], 1);
    assert_eq!(
        (
            &enroll_body["protocol"]["minimum"],
            &enroll_body["protocol"]["maximum"]
        ),
        (&json!(1), &json!(1)),
        "the protocol field says which versions exist"
    );
    let op = &spec["components"]["schemas"]["Op"]["properties"];
    for field in [
        "op_id",
        "entity",
        "entity_id",
        "fields",
        "hlc",
        "user_id",
        "device_id",
    ] {
        assert!(
            op.get(field).is_some(),
            "the op envelope has a real schema: {field}"
        );
    }
    assert!(
        spec["components"]["schemas"]["QuoteBody"]["properties"]["mode"].is_object(),
        "the quote request has a real schema"
    );
    let quote = &spec["components"]["schemas"]["Quote"]["properties"];
    for field in [
        "amount_due",
        "net_monthly",
        "deadline",
        "support_group",
        "sources",
    ] {
        assert!(
            quote.get(field).is_some(),
            "the quote response has a real schema: {field}"
        );
    }
}

#[tokio::test]
async fn the_protocol_header_and_methods_answer_as_declared() {
    let office = start(Backend::Sqlite).await.expect("office");
    let with_header = |value: &'static str| {
        office
            .http
            .post(office.url("/api/v1/quote"))
            .header("x-sotay-protocol", value)
            .json(&json!({}))
            .send()
    };
    assert_eq!(
        with_header("2").await.expect("send").status(),
        StatusCode::UPGRADE_REQUIRED,
        "another version: update the app"
    );
    assert_eq!(
        with_header("AAA").await.expect("send").status(),
        StatusCode::BAD_REQUEST,
        "not a version at all: a malformed request"
    );
    let res = office
        .http
        .delete(office.url("/api/v1/sync/push"))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        res.headers().get("allow").and_then(|v| v.to_str().ok()),
        Some("POST"),
        "a 405 says which methods the path takes"
    );
    assert_eq!(error_code(res).await.1, "method_not_allowed");
}

/// JSON Schema's `integer` includes `3.0`: the server reads such a number as the integer it is.
#[tokio::test]
async fn a_whole_number_written_with_a_fraction_is_an_integer() {
    let office = start(Backend::Sqlite).await.expect("office");
    let whole = json!({
        "date": "2026-11-23", "monthly_income": 1.5e6, "mode": {"kind": "years_ahead", "value": 2.0},
        "supported_months_used": 12.0
    });
    let res = office.post_json("/api/v1/quote", &whole).await;
    assert_eq!(res.status(), StatusCode::OK);
    let fraction =
        json!({"date": "2026-11-23", "monthly_income": 1500000.5, "mode": {"kind": "monthly"}});
    let res = office.post_json("/api/v1/quote", &fraction).await;
    assert_eq!(
        res.status(),
        StatusCode::BAD_REQUEST,
        "a real fraction is refused"
    );
}
