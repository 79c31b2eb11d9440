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
        "[a-z_\\x00é\\u{1F600}]{0,8}".prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
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
    // Well-formed envelopes with generated fields: these reach the per-op checks and merge.
    let entities = [
        "household",
        "person",
        "visit",
        "follow_up",
        "outreach_event",
        "enrollment",
        "payment",
        "remittance",
        "village",
        "quota",
    ];
    let now = chrono::Utc::now().timestamp_millis();
    let ops_strategy = prop::collection::vec(
        (
            0..entities.len(),
            prop::collection::btree_map(
                prop_oneof![
                    Just("commune_code".to_owned()),
                    Just("village_id".to_owned()),
                    Just("status".to_owned()),
                    Just("deleted".to_owned()),
                    Just("full_name".to_owned()),
                    "[a-z_]{1,12}"
                ],
                prop_oneof![
                    json_value(),
                    Just(serde_json::json!(crate::harness::COMMUNE)),
                    Just(serde_json::json!(field.village))
                ],
                0..8,
            ),
            any::<bool>(),
            0i64..1_000_000_000,
        ),
        1..4,
    );
    for _ in 0..cases() {
        let ops = ops_strategy
            .new_tree(&mut runner)
            .expect("generate")
            .current();
        let ops: Vec<serde_json::Value> = ops
            .into_iter()
            .map(|(e, fields, reuse_id, skew)| {
                let id = if reuse_id { field.village } else { uuid::Uuid::now_v7() };
                let hlc = sotay_domain::Hlc { wall_ms: u64::try_from(now + skew).expect("t"), counter: 0, node: field.device_id };
                serde_json::json!({"op_id": uuid::Uuid::now_v7(), "entity": entities[e], "entity_id": id,
                    "fields": fields, "hlc": hlc, "user_id": field.user_id, "device_id": field.device_id})
            })
            .collect();
        let res = office
            .http
            .post(office.url("/api/v1/sync/push"))
            .bearer_auth(&field.token)
            .json(&serde_json::json!({"protocol": 1, "ops": ops}))
            .send()
            .await
            .expect("send");
        let status = res.status();
        assert_eq!(
            status,
            reqwest::StatusCode::OK,
            "a well-formed push gets per-op results, ops {ops:?}"
        );
        let body: sotay_sync::protocol::PushResponse = res.json().await.expect("json");
        assert_eq!(body.results.len(), ops.len(), "one result per op");
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
