//! HTTPS: the server serves with a certificate made here by rcgen, and a client that trusts it
//! gets `/health` over TLS.

use sotay_office::{AppState, OfficeStore};
use std::path::{Path, PathBuf};

/// A self-signed certificate for `localhost`, written as PEM files into `dir`.
fn self_signed(dir: &Path) -> (rcgen::CertifiedKey<rcgen::KeyPair>, PathBuf, PathBuf) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("cert");
    let cert_path = dir.join("cert.pem");
    let key_path = dir.join("key.pem");
    std::fs::write(&cert_path, cert.cert.pem()).expect("write");
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).expect("write");
    (cert, cert_path, key_path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_https_with_the_given_certificate() {
    let dir = tempfile::tempdir().expect("dir");
    let (cert, cert_path, key_path) = self_signed(dir.path());
    let store = crate::harness::store(crate::harness::Backend::Sqlite, dir.path())
        .await
        .expect("store");
    store.migrate().await.expect("migrate");
    let state = AppState::new(store, "sqlite");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        sotay_office::server::launch_tls(
            listener,
            async move {
                let _ = stopped.await;
            },
            state,
            &cert_path,
            &key_path,
        )
        .await
    });
    let client = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).expect("pem"),
        )
        .build()
        .expect("client");
    let res = client
        .get(format!("https://localhost:{port}/health"))
        .send()
        .await
        .expect("HTTPS request");
    assert_eq!(res.status(), reqwest::StatusCode::OK);
    let plain = reqwest::Client::new()
        .get(format!("http://localhost:{port}/health"))
        .send()
        .await;
    assert!(
        plain.map(|r| !r.status().is_success()).unwrap_or(true),
        "plain HTTP is not served on the TLS port"
    );
    let _ = stop.send(());
    server.await.expect("join").expect("server stops cleanly");
}

/// The real binary: `sotay-office serve --tls-cert … --tls-key …` answers over HTTPS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_serve_command_takes_a_certificate_and_key() {
    let dir = tempfile::tempdir().expect("dir");
    let (cert, cert_path, key_path) = self_signed(dir.path());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("addr")
        .port();
    let db = dir.path().join("office.sqlite3");
    let mut server = crate::harness::serve_process(
        &db,
        port,
        &[
            "--tls-cert".as_ref(),
            cert_path.as_os_str(),
            "--tls-key".as_ref(),
            key_path.as_os_str(),
        ],
    );
    let client = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).expect("pem"),
        )
        .build()
        .expect("client");
    // A child left running would outlive a failed test: wait, then kill it, then judge.
    let healthy = tokio::spawn({
        let client = client.clone();
        async move {
            crate::harness::wait_healthy(&client, &format!("https://localhost:{port}")).await;
            // The dashboard's cookies are Secure under TLS (the first-run form sets one).
            client
                .get(format!("https://localhost:{port}/thiet-lap"))
                .send()
                .await
                .ok()
                .and_then(|r| {
                    r.headers()
                        .get("set-cookie")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned)
                })
        }
    })
    .await;
    let _ = server.kill();
    let _ = server.wait();
    let cookie = healthy.expect("sotay-office serve answered over HTTPS");
    let cookie = cookie.expect("the dashboard sets a cookie");
    for flag in ["Secure", "HttpOnly", "SameSite=Lax"] {
        assert!(
            cookie.contains(flag),
            "under TLS the cookie has {flag}: {cookie}"
        );
    }
}
