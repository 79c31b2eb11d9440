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
    const { assert!(sotay_office::api::LISTEN_BACKLOG >= 300) };
    drop(listener);
}

#[tokio::test]
async fn a_bad_listen_address_is_an_error_not_a_panic() {
    assert!(sotay_office::bind("not-an-address").await.is_err());
    assert!(sotay_office::bind("127.0.0.1:99999").await.is_err());
}
