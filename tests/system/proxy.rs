//! The fault proxy itself must be right before it can judge sync: a clean proxy passes requests
//! through unchanged, and a hostile one really injects its faults.

use axum::Router;
use axum::routing::post;
use sotay_tests::fault_proxy::{FaultProxy, Faults, LinkShape};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

async fn counting_server() -> (std::net::SocketAddr, Arc<AtomicU64>) {
    let hits = Arc::new(AtomicU64::new(0));
    let counter = hits.clone();
    let app = Router::new().route(
        "/echo",
        post(move |body: String| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                body
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, hits)
}

#[tokio::test]
async fn clean_proxy_passes_requests_through() {
    let (server, hits) = counting_server().await;
    let proxy = FaultProxy::start(server, 1, Faults::none()).await.unwrap();
    let client = reqwest::Client::new();
    for i in 0..5 {
        let body = format!("yêu cầu {i}");
        let answer = client
            .post(format!("{}/echo", proxy.url()))
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(
            answer.text().await.unwrap(),
            body,
            "a clean proxy must not change bodies"
        );
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        5,
        "each request reaches the server exactly once"
    );
}

#[tokio::test]
async fn hostile_proxy_drops_duplicates_and_cuts() {
    let (server, hits) = counting_server().await;
    let faults = Faults {
        drop_response: 0.5,
        duplicate: 0.5,
        ..Faults::none()
    };
    let proxy = FaultProxy::start(server, 7, faults).await.unwrap();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut failures = 0;
    for i in 0..40 {
        let result = client
            .post(format!("{}/echo", proxy.url()))
            .body(format!("{i}"))
            .send()
            .await;
        if result.is_err() {
            failures += 1;
        }
    }
    assert!(
        failures > 5,
        "about half the responses must be dropped, got {failures} failures"
    );
    assert!(
        hits.load(Ordering::SeqCst) > 45,
        "duplicates must reach the server more often than the client sent ({} hits)",
        hits.load(Ordering::SeqCst)
    );
}

#[tokio::test]
async fn shaped_link_is_slow() {
    let (server, _) = counting_server().await;
    let proxy = FaultProxy::start(server, 3, Faults::none()).await.unwrap();
    proxy.set_shape(Some(LinkShape {
        latency: Duration::from_millis(100),
        bytes_per_second: 8_000,
    }));
    let started = Instant::now();
    let body = "x".repeat(4_000);
    let answer = reqwest::Client::new()
        .post(format!("{}/echo", proxy.url()))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.text().await.unwrap(), body);
    // 4 kB up and 4 kB down at 8 kB/s is about a second, plus 200 ms of latency.
    assert!(
        started.elapsed() >= Duration::from_millis(1_100),
        "took only {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn hostile_proxy_serves_stale_and_late_responses() {
    let (server, hits) = counting_server().await;
    let faults = Faults {
        stale_response: 0.5,
        delay_response: 1.0,
        max_delay: Duration::from_millis(20),
        ..Faults::none()
    };
    let proxy = FaultProxy::start(server, 11, faults).await.unwrap();
    let client = reqwest::Client::new();
    let mut stale = 0;
    let mut own = 0;
    for i in 0..40 {
        let answer = client
            .post(format!("{}/echo", proxy.url()))
            .body(format!("lần {i}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if answer == format!("lần {i}") {
            own += 1;
        } else {
            assert_eq!(
                answer,
                format!("lần {}", i - 1),
                "a stale answer is the one relayed just before"
            );
            stale += 1;
        }
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        40,
        "every request reached the server once"
    );
    assert!(
        stale >= 10 && own >= 10,
        "both kinds of answer: {stale} stale, {own} own"
    );
}
