//! Crash test: a child process writes records in a loop and is killed with SIGKILL at random
//! moments, many times (30 in the normal run, 300 with SOTAY_FULL=1). After each kill the file
//! must pass `PRAGMA integrity_check`, and the records and the outbox must match exactly: every
//! committed record has the op that wrote each of its fields, and every op has its record.

use rand::{Rng, SeedableRng};
use sotay_domain::{EntityKind, Hlc};
use sotay_store::store::decode_field_clocks;
use sotay_store::{DeviceIdentity, Store, StoreKey};
use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};
use std::time::Duration;
use uuid::Uuid;

const WRITER: &str = env!("CARGO_BIN_EXE_sotay-store-crash-writer");

/// Checks the file after a kill; returns how many records it holds.
fn check_after_kill(path: &std::path::Path, round: usize) -> usize {
    let conn = sotay_store::encryption::connect(path, &crash_key()).expect("open after kill");
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        integrity, "ok",
        "round {round}: the file is sound after SIGKILL"
    );
    // Every op's clock, by record.
    let mut op_clocks: BTreeMap<(String, Vec<u8>), BTreeSet<String>> = BTreeMap::new();
    let mut stmt = conn
        .prepare("SELECT entity, entity_id, hlc FROM outbox")
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .unwrap();
    for row in rows {
        let (entity, id, hlc) = row.unwrap();
        op_clocks.entry((entity, id)).or_default().insert(hlc);
    }
    let mut records = 0;
    let mut max_field_clock: Option<Hlc> = None;
    for kind in [EntityKind::Household, EntityKind::Person, EntityKind::Visit] {
        let table = match kind {
            EntityKind::Household => "households",
            EntityKind::Person => "persons",
            _ => "visits",
        };
        let mut stmt = conn
            .prepare(&format!("SELECT id, data, field_clocks FROM {table}"))
            .unwrap();
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .unwrap();
        for row in rows {
            let (id, data, clocks) = row.unwrap();
            records += 1;
            let fields = serde_json::from_str(&data).unwrap();
            let clocks: BTreeMap<String, Hlc> = decode_field_clocks(&clocks, &fields).unwrap();
            let ops = op_clocks
                .remove(&(kind.as_str().to_owned(), id.clone()))
                .unwrap_or_else(|| panic!("round {round}: a committed {kind:?} has no outbox op"));
            for (field, hlc) in &clocks {
                assert!(
                    ops.contains(&hlc.to_string()),
                    "round {round}: field {field} of a {kind:?} was written by an op that is missing"
                );
                max_field_clock = max_field_clock.max(Some(*hlc));
            }
        }
    }
    assert!(
        op_clocks.is_empty(),
        "round {round}: {} outbox ops have no record",
        op_clocks.len()
    );
    let device_clock: String = conn
        .query_row("SELECT hlc FROM device", [], |r| r.get(0))
        .unwrap();
    let device_clock: Hlc = device_clock.parse().unwrap();
    assert!(
        max_field_clock.is_none_or(|m| device_clock >= m),
        "round {round}: the persisted clock is behind a committed write"
    );
    records
}

/// How long a writer takes from its start to its first commit here, measured on a copy of the
/// file (a loaded machine starts processes slowly).
fn writer_startup(path: &std::path::Path, identity: DeviceIdentity) -> Duration {
    let copy = path.with_extension("startup.db");
    std::fs::copy(path, &copy).unwrap();
    let started = std::time::Instant::now();
    let mut child = Command::new(WRITER)
        .args([
            copy.to_str().unwrap(),
            &identity.device_id.to_string(),
            &identity.user_id.to_string(),
            "1",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the writer");
    let conn = sotay_store::encryption::connect(&copy, &crash_key()).unwrap();
    let elapsed = loop {
        let ops: i64 = conn
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
            .unwrap_or(0);
        if ops > 0 || started.elapsed() > Duration::from_secs(30) {
            break started.elapsed();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let _ = child.kill();
    child.wait().unwrap();
    elapsed
}

/// The writer's fixed test key (`crash_writer.rs`).
fn crash_key() -> StoreKey {
    StoreKey::from_bytes([0x5a; 32])
}

#[test]
fn killing_a_writer_at_random_moments_never_loses_an_op_or_corrupts_the_file() {
    let rounds = if std::env::var_os("SOTAY_FULL").is_some() {
        300
    } else {
        30
    };
    let seed: u64 = rand::rng().random();
    println!("crash test seed {seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db");
    let identity = DeviceIdentity {
        device_id: Uuid::now_v7(),
        user_id: Uuid::now_v7(),
    };
    // Create the file first so every child only writes.
    drop(Store::open(&path, identity, &crash_key()).unwrap());
    let startup = writer_startup(&path, identity);
    println!("a writer commits its first record {startup:?} after it starts");
    let mut records_seen = Vec::new();
    for round in 0..rounds {
        let mut child = Command::new(WRITER)
            .args([
                path.to_str().unwrap(),
                &identity.device_id.to_string(),
                &identity.user_id.to_string(),
                &rng.random::<u32>().to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the writer");
        // After the writer has started (however long that takes on this machine: it opens and
        // unlocks the store and reads the policy data first), at many different moments of its
        // writes.
        std::thread::sleep(startup + Duration::from_millis(rng.random_range(0..300)));
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            panic!("round {round}: the writer stopped by itself ({status}): {err}");
        }
        child.kill().expect("SIGKILL the writer");
        child.wait().unwrap();
        records_seen.push(check_after_kill(&path, round));
    }
    // The store opens and keeps working on the file the kills left behind.
    let store = Store::open(&path, identity, &crash_key()).expect("open after the last kill");
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let last = *records_seen.last().unwrap();
    assert!(last > 0, "the writer committed records before being killed");
    let rounds_that_wrote = records_seen.windows(2).filter(|w| w[1] > w[0]).count();
    assert!(
        rounds_that_wrote >= rounds / 2,
        "most writers were killed while writing, not before starting: {records_seen:?}"
    );
    assert!(
        records_seen.windows(2).all(|w| w[1] >= w[0]),
        "a committed record is never lost by a later kill: {records_seen:?}"
    );
    assert!(
        store.outbox_pending_count().unwrap() > 0,
        "nothing was acknowledged, so ops wait"
    );
}
