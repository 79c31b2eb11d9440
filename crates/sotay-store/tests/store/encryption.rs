//! Encryption at rest: the file says nothing to a plain SQLite reader, a wrong key is refused
//! without touching the file, a plain database from an older app is encrypted in place keeping
//! every record, and killing that at any moment leaves either the whole plain database or the
//! whole encrypted one.

use crate::common::*;
use rand::{Rng, SeedableRng};
use sotay_domain::*;
use sotay_store::encryption::{connect, is_plain_database};
use sotay_store::{DeviceIdentity, Store, StoreKey};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Every byte of the database's files, to look for what must not be readable.
fn file_bytes(path: &std::path::Path) -> Vec<u8> {
    let mut bytes = std::fs::read(path).unwrap_or_default();
    for suffix in ["-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        bytes.extend(std::fs::read(name).unwrap_or_default());
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn the_file_gives_nothing_away_to_a_plain_reader() {
    let fx = Fixture::new();
    let (h, p) = saved_family(&fx, "Nguyễn Thị Bí Mật", 424_242);
    fx.store.checkpoint().unwrap();
    let bytes = file_bytes(&fx.path);
    for secret in [
        "Bí Mật",
        "bi mat",
        h.address.as_str(),
        p.phone.as_deref().unwrap(),
        p.personal_id.as_deref().unwrap(),
    ] {
        assert!(
            !contains(&bytes, secret),
            "{secret:?} is readable in the file"
        );
    }
    assert!(!is_plain_database(&fx.path).unwrap());
    let plain = rusqlite::Connection::open(&fx.path).unwrap();
    let err = plain
        .query_row("SELECT count(*) FROM persons", [], |r| r.get::<_, i64>(0))
        .expect_err("a plain SQLite cannot read it");
    assert_eq!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase)
    );
}

#[test]
fn a_wrong_key_is_refused_and_touches_nothing() {
    let mut fx = Fixture::new();
    let (_, p) = saved_family(&fx, "Trần Văn Khoá", 7);
    fx.store.checkpoint().unwrap();
    drop(std::mem::replace(
        &mut fx.store,
        Store::open_in_memory(fx.identity).unwrap(),
    ));
    let before = file_bytes(&fx.path);
    let err = Store::open(&fx.path, fx.identity, &StoreKey::from_bytes([0x43; 32]))
        .expect_err("another key");
    assert_eq!(err.code(), "wrong_key");
    assert!(err.to_string().contains("mã PIN"), "{err}");
    assert_eq!(
        file_bytes(&fx.path),
        before,
        "the file is exactly as it was"
    );
    fx.reopen();
    assert_eq!(
        fx.store.get_person(p.id).unwrap(),
        Some(p),
        "the right key still opens it"
    );
}

/// A copy of the encrypted database at `path` as a plain one at `plain`: what an app from before
/// encryption left on the phone.
fn plain_copy(path: &std::path::Path, plain: &std::path::Path) {
    export_copy(&connect(path, &test_key()).unwrap(), plain, "''");
    assert!(is_plain_database(plain).unwrap());
}

/// Copies the database `conn` reads into a new file `to`, keyed with the SQL key `key` (`''`:
/// plain; SQLCipher's default settings otherwise), schema version included.
fn export_copy(conn: &rusqlite::Connection, to: &std::path::Path, key: &str) {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    conn.execute(
        &format!("ATTACH DATABASE ?1 AS copy KEY {key}"),
        [to.to_str().unwrap()],
    )
    .unwrap();
    conn.query_row("SELECT sqlcipher_export('copy')", [], |_| Ok(()))
        .unwrap();
    conn.execute_batch(&format!(
        "PRAGMA copy.user_version = {version}; DETACH DATABASE copy;"
    ))
    .unwrap();
}

/// A key as SQLCipher's raw-key literal, `"x'…'"`.
fn key_sql(key: &StoreKey) -> String {
    let hex: String = key.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("\"x'{hex}'\"")
}

/// A plain database with `households` families.
fn plain_database(households: usize) -> (tempfile::TempDir, std::path::PathBuf, DeviceIdentity) {
    let fx = Fixture::new();
    let families: Vec<Household> = (0..households)
        .map(|n| household(None, &format!("Lê Văn Cũ {n}"), "Thôn Cũ"))
        .collect();
    fx.store.save_batch(&families).unwrap();
    let persons: Vec<Person> = families
        .iter()
        .enumerate()
        .map(|(n, h)| person(h, &h.head_name, n as u32))
        .collect();
    fx.store.save_batch(&persons).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.db");
    plain_copy(&fx.path, &plain);
    (dir, plain, fx.identity)
}

#[test]
fn a_plain_database_is_encrypted_in_place_with_every_record() {
    let (_dir, path, identity) = plain_database(300);
    let store = Store::open(&path, identity, &test_key()).expect("encrypts and opens");
    assert!(
        !is_plain_database(&path).unwrap(),
        "the file is now encrypted"
    );
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let hits = store.search("le van cu 299", 5).unwrap();
    assert!(
        hits.iter().any(|h| h.person.is_some()),
        "records and their search index came along"
    );
    assert_eq!(
        store.outbox_pending_count().unwrap(),
        600,
        "the unsent ops too"
    );
    let mut leftover = path.as_os_str().to_owned();
    leftover.push(".encrypting");
    assert!(
        !std::path::Path::new(&leftover).exists(),
        "no copy is left behind"
    );
}

/// Whether a bare connection keyed with `key` and SQLCipher's page HMAC `hmac` reads the file.
fn reads_with(path: &std::path::Path, key: &StoreKey, hmac: &str) -> bool {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA key = {}; PRAGMA cipher_hmac_algorithm = {hmac};",
        key_sql(key)
    ))
    .unwrap();
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .is_ok()
}

#[test]
fn the_store_writes_pages_with_hmac_sha256() {
    let (_dir, path, identity) = plain_database(3);
    drop(Store::open(&path, identity, &test_key()).expect("encrypts and opens"));
    assert!(reads_with(&path, &test_key(), "HMAC_SHA256"));
    assert!(
        !reads_with(&path, &test_key(), "HMAC_SHA512"),
        "not SQLCipher's default"
    );
    let fx = Fixture::new();
    fx.store.checkpoint().unwrap();
    assert!(
        reads_with(&fx.path, &test_key(), "HMAC_SHA256"),
        "a new file too"
    );
}

/// A file written with SQLCipher's defaults (HMAC-SHA512 pages), as builds before the choice
/// of HMAC-SHA256 wrote them, opens with its key, whole; another key is still refused.
#[test]
fn a_file_with_sqlcipher_default_pages_still_opens() {
    let (dir, plain, identity) = plain_database(40);
    let old = dir.path().join("old.db");
    export_copy(
        &rusqlite::Connection::open(&plain).unwrap(),
        &old,
        &key_sql(&test_key()),
    );
    assert!(reads_with(&old, &test_key(), "HMAC_SHA512"));
    assert!(!reads_with(&old, &test_key(), "HMAC_SHA256"));
    let err =
        Store::open(&old, identity, &StoreKey::from_bytes([0x43; 32])).expect_err("another key");
    assert_eq!(err.code(), "wrong_key");
    let store = Store::open(&old, identity, &test_key()).expect("opens with its key");
    assert_eq!(store.integrity_check().unwrap(), "ok");
    assert!(
        found_persons(&store, "le van cu 39", 5)
            .iter()
            .any(Option::is_some)
    );
    assert_eq!(store.outbox_pending_count().unwrap(), 80);
}

const WRITER: &str = env!("CARGO_BIN_EXE_sotay-store-crash-writer");

/// The encryption of a plain file killed at random moments: each time the file is either the
/// whole plain database or the whole encrypted one, with every record.
#[test]
fn encrypting_killed_at_random_moments_leaves_one_whole_database() {
    let rounds = if std::env::var_os("SOTAY_FULL").is_some() {
        100
    } else {
        16
    };
    let (dir, template, identity) = plain_database(3_000);
    let crash_key = StoreKey::from_bytes([0x5a; 32]);
    // How long one whole encryption takes here (process start included), so the kills land all
    // over it and a little after.
    let timed = dir.path().join("timed.db");
    std::fs::copy(&template, &timed).unwrap();
    let started = std::time::Instant::now();
    let status = Command::new(WRITER)
        .args([
            "encrypt",
            timed.to_str().unwrap(),
            &identity.device_id.to_string(),
            &identity.user_id.to_string(),
        ])
        .status()
        .unwrap();
    assert!(status.success() && !is_plain_database(&timed).unwrap());
    let whole_ms = (started.elapsed().as_millis() as u64).max(20);
    let seed: u64 = rand::rng().random();
    println!("encryption crash seed {seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let (mut plain_seen, mut encrypted_seen) = (0, 0);
    for round in 0..rounds {
        let path = dir.path().join(format!("round{round}.db"));
        std::fs::copy(&template, &path).unwrap();
        let mut child = Command::new(WRITER)
            .args([
                "encrypt",
                path.to_str().unwrap(),
                &identity.device_id.to_string(),
                &identity.user_id.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the encryption");
        std::thread::sleep(Duration::from_millis(rng.random_range(0..whole_ms * 3 / 2)));
        let _ = child.kill();
        child.wait().unwrap();
        let store = if is_plain_database(&path).unwrap() {
            plain_seen += 1;
            let conn = rusqlite::Connection::open(&path).unwrap();
            let ok: String = conn
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                .unwrap();
            assert_eq!(ok, "ok", "round {round}: the plain file is whole");
            drop(conn);
            // The next open finishes the job.
            Store::open(&path, identity, &crash_key).expect("encrypts on the next open")
        } else {
            encrypted_seen += 1;
            Store::open(&path, identity, &crash_key).expect("the encrypted file opens")
        };
        assert_eq!(store.integrity_check().unwrap(), "ok", "round {round}");
        assert_eq!(
            store.outbox_pending_count().unwrap(),
            6_000,
            "round {round}: every record's op is there"
        );
    }
    println!("killed while plain: {plain_seen}, after the switch: {encrypted_seen}");
    assert!(
        plain_seen > 0 && encrypted_seen > 0,
        "the kills landed both before and after the switch ({plain_seen}, {encrypted_seen})"
    );
}
