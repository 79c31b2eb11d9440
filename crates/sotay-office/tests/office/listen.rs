//! The listening socket takes a crowd: when a training session ends and a whole commune's phones
//! sync at once, connections must wait in the accept queue, not be dropped (a dropped connection
//! costs its phone TCP's one-second retry, and the standard backlog of 128 dropped them).

use std::time::Duration;

#[tokio::test]
async fn three_hundred_connections_wait_in_the_queue_instead_of_being_dropped() {
    let listener = sotay_office::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    // Nobody accepts: every connection must be completed by the kernel from the queue alone. The
    // kernel caps any backlog at net.core.somaxconn (4096 on current kernels).
    let cap: usize = std::fs::read_to_string("/proc/sys/net/core/somaxconn")
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(4096);
    let crowd = 300.min(cap);
    let mut connects = Vec::new();
    for _ in 0..crowd {
        connects.push(tokio::spawn(async move {
            tokio::time::timeout(
                Duration::from_millis(800),
                tokio::net::TcpStream::connect(addr),
            )
            .await
        }));
    }
    let mut waiting = Vec::new();
    for connect in connects {
        match connect.await.expect("task") {
            Ok(Ok(stream)) => waiting.push(stream),
            Ok(Err(err)) => panic!("connection refused: {err}"),
            Err(_) => panic!(
                "a connection hung for 800 ms after {} were queued: the accept backlog is too small",
                waiting.len()
            ),
        }
    }
    assert_eq!(waiting.len(), crowd);
    const { assert!(sotay_office::server::LISTEN_BACKLOG >= 300) };
    drop(listener);
}

#[tokio::test]
async fn a_bad_listen_address_is_an_error_not_a_panic() {
    assert!(sotay_office::bind("not-an-address").await.is_err());
    assert!(sotay_office::bind("127.0.0.1:99999").await.is_err());
}

/// A client that starts a request and stalls (a phone losing its signal mid-upload) is answered
/// 408 with a JSON error when the time limit runs out, and holds nothing of the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_stalls_gets_408_when_the_time_limit_runs_out() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().expect("dir");
    let store = crate::harness::store(crate::harness::Backend::Sqlite, dir.path())
        .await
        .expect("store");
    sotay_office::OfficeStore::migrate(&store)
        .await
        .expect("migrate");
    let mut state = sotay_office::AppState::new(store, "sqlite");
    state.request_timeout = Duration::from_millis(300);
    let listener = sotay_office::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(sotay_office::launch(
        listener,
        std::future::pending(),
        state,
    ));

    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(
            b"POST /api/v1/quote HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
              Content-Length: 1000\r\n\r\n{\"date\": \"2026-11-23\",",
        )
        .await
        .expect("write");
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server answered and closed within 10 s");
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.starts_with("HTTP/1.1 408"),
        "a stalled request gets 408: {text}"
    );
    assert!(
        text.contains("\"code\":\"timeout\""),
        "with a JSON error: {text}"
    );
    assert!(started.elapsed() >= Duration::from_millis(250));
}
