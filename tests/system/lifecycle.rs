//! A lost phone and a lost server (issue 13), end to end with real stores and the real client:
//! a phone marked lost sends everything it saved, then is told to wipe; an office restored from
//! last night's backup gets back, from the devices, everything saved after the backup, exactly
//! once, and every device converges with it.

use sotay_domain::*;
use sotay_office::admin::{self, Actor};
use sotay_sync::SyncError;
use sotay_tests::fault_proxy::{FaultProxy, Faults};
use std::collections::BTreeSet;
use uuid::Uuid;

use crate::world::*;

/// Wipe after a final push: every record saved offline reaches the office, then the sync
/// answers `WipeOrdered` (the app then erases itself; that part is the app's test).
#[tokio::test]
async fn a_lost_phone_sends_everything_then_is_told_to_wipe() {
    let office = Office::start(Backend::Sqlite).await.expect("SQLite office");
    let lan = office.device("Nguyễn Thị Lan").await;
    let mut saved = Vec::new();
    for i in 0..12 {
        let house = household(office.village, &format!("Hộ ngoại tuyến {i}"));
        lan.save(&house);
        lan.save(&visit(&house, lan.identity.user_id));
        saved.push(house.id);
    }
    admin::wipe_device(
        office.state.store.as_ref(),
        lan.identity.device_id,
        &Actor::command_line(),
    )
    .await
    .expect("marked lost");
    let err = lan.sync().await.expect_err("told to wipe");
    assert!(matches!(err, SyncError::WipeOrdered), "{err:?}");
    assert_eq!(err.code(), "device_wipe");
    assert_eq!(
        lan.store().outbox_pending_count().expect("outbox"),
        0,
        "nothing was left unsent"
    );
    for id in saved {
        assert!(
            office.record_state(id).await.is_some(),
            "household {id} saved offline is at the office"
        );
    }
}

/// Devices sync; the office is backed up; devices keep saving and syncing; the office is
/// restored from the backup; devices sync again: every record saved on any device is at the
/// office once, with the same state as on the devices, and each device's checksum matches.
#[tokio::test]
async fn a_restored_office_gets_back_everything_saved_after_its_backup() {
    let mut office = Office::start(Backend::Sqlite).await.expect("SQLite office");
    let proxy = FaultProxy::start(office.addr, 13, Faults::none())
        .await
        .expect("proxy");
    let mut devices = Vec::new();
    for name in ["Nguyễn Thị Lan", "Trần Văn Tư"] {
        let code = office.collector_code(name).await;
        devices.push(
            Device::enroll(
                &office.url(),
                &proxy.url(),
                &code,
                chrono::Duration::zero(),
                test_config(),
            )
            .await,
        );
    }
    let mut houses: Vec<(usize, Household)> = Vec::new();
    let save_houses = |devices: &[Device], houses: &mut Vec<(usize, Household)>, tag: &str| {
        for (d, device) in devices.iter().enumerate() {
            for i in 0..3 {
                let house = household(office.village, &format!("{tag} {d}-{i}"));
                device.save(&house);
                device.save(&person(&house, &house.head_name, 0));
                houses.push((d, house));
            }
        }
    };
    save_houses(&devices, &mut houses, "Trước sao lưu");
    for device in &devices {
        device.sync().await.expect("sync before the backup");
    }
    let backup_dir = tempfile::tempdir().expect("dir");
    let backup = backup_dir.path().join("dem-qua.sqlite3");
    office.backup_to(&backup);

    // After the backup: new households, and an edit of one from before.
    save_houses(&devices, &mut houses, "Sau sao lưu");
    let (owner, edited) = houses[0].clone();
    let mut changed = edited.clone();
    changed.address = "Số 9, xóm Giữa".into();
    devices[owner].save(&changed);
    houses[0].1 = changed.clone();
    for device in &devices {
        device.sync().await.expect("sync after the backup");
    }
    // The last household was made after the backup.
    let after_backup = houses.last().unwrap().1.id;
    assert!(
        office.record_state(after_backup).await.is_some(),
        "the office had the late records before it was lost"
    );

    office.restore_from(&backup).await;
    proxy.set_upstreams(vec![office.addr]);
    assert!(
        office.record_state(after_backup).await.is_none(),
        "the restored office has forgotten what came after the backup"
    );

    let mut resent = 0;
    for _ in 0..2 {
        for device in &devices {
            let report = device.sync().await.expect("sync after the restore");
            resent += report.resent_after_restore;
        }
    }
    assert!(resent > 0, "the devices saw the new epoch and sent again");
    for device in &devices {
        let report = device.sync().await.expect("a last sync");
        assert!(report.synced && report.checksum_matches, "{report:?}");
        assert_eq!(report.resent_after_restore, 0, "once is enough");
    }

    let ids: BTreeSet<Uuid> = houses.iter().map(|(_, h)| h.id).collect();
    assert_eq!(ids.len(), houses.len());
    for (_, house) in &houses {
        let at_office = office
            .record_state(house.id)
            .await
            .unwrap_or_else(|| panic!("{} is at the office", house.head_name));
        assert_eq!(
            at_office.fields["address"], house.address,
            "the latest edit won"
        );
        for device in &devices {
            let on_device = device
                .store()
                .record_state(EntityKind::Household, house.id)
                .expect("read")
                .expect("every device holds every household of the commune");
            assert_eq!(on_device.fields, at_office.fields, "converged");
        }
    }
}
