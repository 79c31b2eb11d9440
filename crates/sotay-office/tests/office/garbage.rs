//! Generated garbage into every endpoint: the answer is always a 4xx (or 200 for the endpoints
//! that take no body), never a 5xx. Short by default; `SOTAY_FULL=1` runs many more cases.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use reqwest::Method;

use crate::harness::{Backend, start};

fn cases() -> u32 {
    if std::env::var_os("SOTAY_FULL").is_some() {
        2000
    } else {
        120
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        "[a-z_]{0,8}".prop_map(serde_json::Value::from),
        Just(serde_json::json!(1)),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("protocol".to_owned()),
                    Just("ops".to_owned()),
                    Just("code".to_owned()),
                    Just("op_id".to_owned()),
                    Just("entity".to_owned()),
                    Just("fields".to_owned()),
                    "[a-z]{1,6}"
                ],
                inner,
                0..5
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

async fn run(backend: Backend) {
    let Some(office) = start(backend).await else {
        return;
    };
    let field = office.field_user(false).await;
    let endpoints = [
        (Method::POST, "/api/v1/devices/enroll"),
        (Method::POST, "/api/v1/sync/push"),
        (Method::GET, "/api/v1/sync/pull"),
        (Method::GET, "/health"),
        (Method::POST, "/health"),
        (Method::PUT, "/api/v1/sync/push"),
    ];
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        ..Config::default()
    });
    let inputs = (
        0..endpoints.len(),
        prop_oneof![
            json_value().prop_map(|v| v.to_string().into_bytes()),
            prop::collection::vec(any::<u8>(), 0..200),
        ],
        any::<bool>(),
        "[ -~]{0,30}",
    );
    let mut samples = Vec::new();
    for _ in 0..cases() {
        let tree = inputs.new_tree(&mut runner).expect("generate");
        samples.push(tree.current());
    }
    let mut seen_4xx = 0;
    for (i, body, with_token, query) in samples {
        let (method, path) = &endpoints[i];
        let mut req = office
            .http
            .request(
                method.clone(),
                office.url(&format!("{path}?{}", urlencode(&query))),
            )
            .header("content-type", "application/json")
            .body(body.clone());
        if with_token {
            req = req.bearer_auth(&field.token);
        }
        let res = req.send().await.expect("send");
        let status = res.status();
        assert!(
            !status.is_server_error(),
            "{method} {path} with {:?} gave {status}",
            String::from_utf8_lossy(&body)
        );
        if status.is_client_error() {
            seen_4xx += 1;
            let body: serde_json::Value = res.json().await.expect("4xx bodies are JSON");
            assert!(body["error"]["code"].is_string(), "4xx body has error.code");
        }
    }
    assert!(seen_4xx > 0, "garbage must be refused");
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'=' || b == b'&' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_never_causes_a_5xx_sqlite() {
    run(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_never_causes_a_5xx_postgres() {
    run(Backend::Postgres).await;
}
