//! A child process for the crash test: writes records through the store in a loop, as fast as
//! it can, until it is killed. The test kills it with SIGKILL at random moments and then checks
//! that the file is sound and that every committed record has its outbox op.
//!
//! Usage: `sotay-store-crash-writer <db path> <device uuid> <user uuid> <seed>`; the database
//! key is the crash test's fixed test key. `sotay-store-crash-writer encrypt <db path> <device
//! uuid> <user uuid>` instead opens a plain database once, which encrypts it in place, so the
//! test can kill that at random moments too.

use sotay_domain::*;
use sotay_store::{DeviceIdentity, Store};
use std::process::ExitCode;
use uuid::Uuid;

/// The key the crash test opens the database with (a test key, never a real one).
const TEST_KEY: [u8; 32] = [0x5a; 32];

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("crash writer: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if let [_, mode, path, device, user] = args.as_slice()
        && mode == "encrypt"
    {
        let identity = DeviceIdentity {
            device_id: Uuid::parse_str(device)?,
            user_id: Uuid::parse_str(user)?,
        };
        Store::open(path, identity, &sotay_store::StoreKey::from_bytes(TEST_KEY))?;
        return Ok(());
    }
    let [_, path, device, user, seed] = args.as_slice() else {
        return Err("usage: sotay-store-crash-writer <db> <device> <user> <seed>".into());
    };
    let identity = DeviceIdentity {
        device_id: Uuid::parse_str(device)?,
        user_id: Uuid::parse_str(user)?,
    };
    let mut state: u64 = seed.parse()?;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        state >> 33
    };
    let store = Store::open(path, identity, &sotay_store::StoreKey::from_bytes(TEST_KEY))?;
    let mut households: Vec<Household> = Vec::new();
    let mut serial: u64 = 0;
    loop {
        serial += 1;
        match next() % 5 {
            // A new household with a member, in one batch transaction.
            0 | 1 => {
                let h = household(
                    format!("Nguyễn Văn {serial}"),
                    format!("Số {serial}, thôn Đông"),
                    (PovertyStatus::None, None),
                );
                store.save_household(&h)?;
                let p = Person::prospect(&h, format!("Trần Thị {serial}"), Sex::Female);
                store.save_person(&p)?;
                households.push(h);
            }
            // An edit of an earlier household (an op with one field).
            2 if !households.is_empty() => {
                let i = usize::try_from(next()).unwrap_or(0) % households.len();
                households[i].notes = format!("ghi chú {serial}");
                store.save_household(&households[i])?;
            }
            // A visit.
            3 if !households.is_empty() => {
                let i = usize::try_from(next()).unwrap_or(0) % households.len();
                let h = &households[i];
                store.save_visit(&Visit {
                    id: new_id(),
                    household_id: h.id,
                    commune_code: h.commune_code.clone(),
                    village_id: None,
                    visited_at: chrono::Utc::now(),
                    visited_by: identity.user_id,
                    persons_met: vec![],
                    channel: VisitChannel::DoorToDoor,
                    outcome: VisitOutcome::NotAtHome,
                    notes: "Không có nhà".into(),
                    location: None,
                    next_follow_up: None,
                })?;
            }
            // A batch of households in one transaction.
            _ => {
                let batch: Vec<Household> = (0..20)
                    .map(|k| {
                        household(
                            format!("Lê Văn {serial}-{k}"),
                            format!("Lô {serial}-{k}"),
                            (PovertyStatus::Poor, Some(2025)),
                        )
                    })
                    .collect();
                store.save_batch(&batch)?;
            }
        }
    }
}

/// A household of commune 00004 outside any village, with its poverty status and list year.
fn household(
    head_name: String,
    address: String,
    (poverty_status, poverty_year): (PovertyStatus, Option<i32>),
) -> Household {
    Household {
        id: new_id(),
        commune_code: "00004".into(),
        village_id: None,
        address,
        head_name,
        poverty_status,
        poverty_year,
        notes: String::new(),
        location: None,
    }
}
