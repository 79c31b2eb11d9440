//! End to end: real device stores syncing through the real client with a real office server on
//! 127.0.0.1 — enrol, push, pull, a second device sees the first one's work, a rejected op is
//! set aside and shown while the rest applies, a revoked device is refused.

use crate::world::*;
use chrono::Duration;
use sotay_domain::*;
use sotay_office::admin;
use sotay_sync::SyncError;

/// A SQLite office and Lan's phone, enrolled with it (nothing synced yet).
async fn office_and_lan() -> (Office, Device) {
    let office = Office::start(Backend::Sqlite).await.expect("SQLite office");
    let lan = office.device("Nguyễn Thị Lan").await;
    (office, lan)
}

/// Saves `n` households of `village` on `device`, "Hộ số 0" to "Hộ số n-1"; they are returned.
fn numbered_households(device: &Device, village: uuid::Uuid, n: usize) -> Vec<Household> {
    let houses: Vec<Household> = (0..n)
        .map(|i| household(village, &format!("Hộ số {i}")))
        .collect();
    for house in &houses {
        device.save(house);
    }
    houses
}

/// A phone whose clock is wrong hears it from the office's answers (their `Date` header): the
/// report says by how much, to the second, so the app can tell its user to fix it.
#[tokio::test]
async fn a_sync_says_how_far_the_phones_clock_is_from_the_offices() {
    let (_office, lan) = office_and_lan().await;
    let report = lan.sync().await.expect("sync");
    let right = report
        .clock_offset_s
        .expect("the office's answers carry its time");
    assert!(right.abs() <= 2, "a right clock: {right} s");
    lan.clock
        .set(real_now() + Duration::hours(3) + Duration::minutes(5));
    let report = lan.sync().await.expect("sync");
    let ahead = report.clock_offset_s.expect("measured");
    assert!((ahead - 11_100).abs() <= 2, "3 h 5 min ahead: {ahead} s");
}

#[tokio::test]
async fn a_second_device_in_the_village_sees_the_first_ones_household() {
    let (office, lan) = office_and_lan().await;
    let tu = office.device("Trần Văn Tư").await;

    let house = household(office.village, "Lê Văn Nam");
    let man = person(&house, "Lê Văn Nam", 1);
    lan.save(&house);
    lan.save(&man);
    lan.save(&visit(&house, lan.identity.user_id));
    assert_eq!(
        lan.store().outbox_pending_count().unwrap(),
        3,
        "three saves wait in the outbox"
    );

    let report = lan.sync().await.expect("Lan syncs");
    assert_eq!(report.applied, 3, "the office applied the three ops");
    assert!(
        report.synced && report.checksum_matches,
        "nothing waits and the copies agree: {report:?}"
    );
    assert_eq!(lan.store().outbox_pending_count().unwrap(), 0);
    assert!(
        lan.store().last_sync_at().unwrap().is_some(),
        "a successful sync is remembered"
    );

    let report = tu.sync().await.expect("Tư syncs");
    assert!(report.synced, "{report:?}");
    // Records the office made (the village) read on the phone like the devices' own.
    assert_eq!(
        tu.store().unreadable_records().unwrap(),
        vec![],
        "every pulled record is readable"
    );
    let village: Option<sotay_domain::Village> = tu.store().get(office.village).unwrap();
    assert!(village.is_some(), "the office's village is on the phone");
    let seen: Option<Person> = tu.store().get(man.id).unwrap();
    assert_eq!(
        seen.map(|p| p.full_name),
        Some("Lê Văn Nam".to_owned()),
        "Tư's phone has Lan's person"
    );

    // Tư corrects the phone; Lan sees it on her next sync.
    let mut edited: Person = tu.store().get(man.id).unwrap().unwrap();
    edited.phone = Some("0987654321".into());
    tu.save(&edited);
    tu.sync().await.expect("Tư pushes");
    lan.sync().await.expect("Lan pulls");
    let lans: Person = lan.store().get(man.id).unwrap().unwrap();
    assert_eq!(
        lans.phone.as_deref(),
        Some("0987654321"),
        "the later edit reached the first device"
    );
}

#[tokio::test]
async fn a_rejected_op_is_set_aside_with_its_reason_and_the_rest_applies() {
    let (office, lan) = office_and_lan().await;
    // A household in a commune that is not Lan's (Phường Ba Đình): valid on the phone, outside
    // her area at the office.
    let mut outside = household(office.village, "Phạm Thị Hoa");
    outside.commune_code = "00004".into();
    outside.village_id = None;
    let inside = household(office.village, "Đỗ Văn Bình");
    lan.save(&outside);
    lan.save(&inside);

    let report = lan.sync().await.expect("the sync itself succeeds");
    assert_eq!(
        (report.applied, report.rejected),
        (1, 1),
        "one bad op never blocks the other: {report:?}"
    );
    assert!(
        !report.synced,
        "a refused op waiting for a fix is not 'synced'"
    );
    let rejections = lan
        .store()
        .rejections_for(EntityKind::Household, outside.id)
        .unwrap();
    assert_eq!(rejections.len(), 1, "the rejection is kept on the record");
    assert_eq!(rejections[0].code, "out_of_scope");
    assert!(!rejections[0].message.is_empty(), "the office says why");
    assert!(
        office.record_state(inside.id).await.is_some(),
        "the good household reached the office"
    );
    assert!(
        office.record_state(outside.id).await.is_none(),
        "the bad one changed nothing at the office"
    );
    let kept: Option<Household> = lan.store().get(outside.id).unwrap();
    assert!(
        kept.is_some(),
        "the refused record is still on the phone, not dropped"
    );
}

#[tokio::test]
async fn a_revoked_device_is_refused_with_a_code_the_app_understands() {
    let (office, lan) = office_and_lan().await;
    lan.save(&household(office.village, "Lê Văn Nam"));
    admin::revoke_device(&*office.state.store, lan.identity.device_id)
        .await
        .expect("revoke");
    let err = lan
        .sync()
        .await
        .expect_err("a revoked device must not sync");
    assert!(matches!(err, SyncError::DeviceRevoked), "got {err:?}");
    assert_eq!(
        lan.store().outbox_pending_count().unwrap(),
        1,
        "the unsent record stays safe on the phone"
    );
}

#[tokio::test]
async fn an_interrupted_sync_resumes_without_resending_what_was_acknowledged() {
    use sotay_tests::fault_proxy::{FaultProxy, Faults};
    let office = Office::start(Backend::Sqlite).await.expect("SQLite office");
    let proxy = FaultProxy::start(office.addr, 11, Faults::none())
        .await
        .unwrap();
    let code = office.collector_code("Nguyễn Thị Lan").await;
    let lan = Device::enroll(
        &office.url(),
        &proxy.url(),
        &code,
        Duration::zero(),
        test_config(),
    )
    .await;
    for i in 0..20 {
        lan.save(&household(office.village, &format!("Hộ số {i}")));
    }
    // Every response is lost: the office applies what arrives, the phone hears nothing.
    proxy.set_faults(Faults {
        drop_response: 1.0,
        ..Faults::none()
    });
    let err = lan.sync().await.expect_err("no answer ever arrives");
    assert!(matches!(err, SyncError::Network(_)), "got {err:?}");
    assert_eq!(
        lan.store().outbox_pending_count().unwrap(),
        20,
        "nothing leaves the outbox unacknowledged"
    );
    proxy.set_faults(Faults::none());
    let report = lan.sync().await.expect("the link is back");
    assert_eq!(report.applied + report.duplicates, 20);
    assert!(
        report.duplicates >= 7,
        "the first batch had reached the office and is answered duplicate: {report:?}"
    );
    assert!(report.synced);
    assert_eq!(
        office.applied_op_count(&[lan.identity.device_id]).await,
        20,
        "each op applied exactly once"
    );
}

#[tokio::test]
async fn progress_is_reported_and_a_cancelled_sync_keeps_everything() {
    use sotay_sync::SyncProgress;
    use tokio_util::sync::CancellationToken;
    let (office, lan) = office_and_lan().await;
    numbered_households(&lan, office.village, 15);

    let cancel = CancellationToken::new();
    cancel.cancel();
    let err = lan
        .client
        .sync(&lan.store, &|_| {}, &cancel)
        .await
        .expect_err("cancelled before it began");
    assert!(matches!(err, SyncError::Cancelled), "got {err:?}");
    assert_eq!(
        lan.store().outbox_pending_count().unwrap(),
        15,
        "a cancelled sync loses nothing"
    );

    let seen = std::sync::Mutex::new(Vec::new());
    let report = lan
        .client
        .sync(
            &lan.store,
            &|p| seen.lock().unwrap().push(p),
            &CancellationToken::new(),
        )
        .await
        .expect("sync");
    assert!(report.synced);
    let seen = seen.into_inner().unwrap();
    assert_eq!(
        seen.first(),
        Some(&SyncProgress::Pushing { sent: 0, total: 15 }),
        "the bar starts at 0 of 15"
    );
    assert!(
        seen.contains(&SyncProgress::Pushing {
            sent: 15,
            total: 15
        }),
        "the bar reaches 15 of 15: {seen:?}"
    );
    assert!(
        seen.iter()
            .any(|p| matches!(p, SyncProgress::Pulling { pages, .. } if *pages >= 2)),
        "pages are counted: {seen:?}"
    );
    assert_eq!(
        seen.last(),
        Some(&SyncProgress::Verifying),
        "verification comes last"
    );
}

#[tokio::test]
async fn a_device_copy_that_drifted_is_found_by_the_checksum_and_repaired() {
    let (office, lan) = office_and_lan().await;
    let tu = office.device("Trần Văn Tư").await;
    let house = household(office.village, "Lê Văn Nam");
    lan.save(&house);
    lan.sync().await.expect("Lan pushes");
    assert!(tu.sync().await.expect("Tư pulls").synced);

    // Something outside sync (a restored backup, a bug) loses a row on Tư's phone.
    let raw = sotay_store::encryption::connect(&tu.path, &tu.key).expect("open the phone's file");
    let removed = raw
        .execute(
            "DELETE FROM households WHERE id = ?1",
            [house.id.as_bytes().to_vec()],
        )
        .expect("delete");
    assert_eq!(removed, 1, "the test really removed the row");
    drop(raw);
    assert!(tu.store().get::<Household>(house.id).unwrap().is_none());

    let report = tu.sync().await.expect("the sync repairs");
    assert!(
        report.repaired,
        "a quiet mismatch triggers a full repair pull: {report:?}"
    );
    assert!(report.synced && report.checksum_matches, "{report:?}");
    let back: Option<Household> = tu.store().get(house.id).unwrap();
    assert_eq!(
        back.map(|h| h.head_name),
        Some("Lê Văn Nam".to_owned()),
        "the lost record is back"
    );
}

/// The office publishes a new edition of the policy data (a decree changed a rate); the phone
/// gets it at its next sync, uses it from then on (also after the app restarts), and an older
/// edition never replaces it.
#[tokio::test]
async fn a_published_policy_edition_reaches_the_phone_and_stays() {
    let (office, lan) = office_and_lan().await;
    let built_in = Policy::embedded();
    assert_eq!(lan.store().policy_version().unwrap(), built_in.version);

    // The new edition raises the rural poverty line that sets the lowest income.
    let old_floor = format!(
        "amount = {}",
        built_in.income_floor.last().unwrap().amount.0
    );
    let text = Policy::embedded_toml().replacen(
        &format!("version = \"{}\"", built_in.version),
        "version = \"2099-01-01.1\"",
        1,
    );
    assert!(
        text.contains(&old_floor),
        "the floor is in the file: {old_floor}"
    );
    let text = {
        let at = text.rfind(&old_floor).unwrap();
        format!(
            "{}amount = 2600000{}",
            &text[..at],
            &text[at + old_floor.len()..]
        )
    };
    admin::publish_policy(&*office.state.store, &text)
        .await
        .expect("publish");

    let report = lan.sync().await.expect("sync");
    assert_eq!(report.policy_received.as_deref(), Some("2099-01-01.1"));
    assert!(report.synced);
    let policy = lan.store().policy().unwrap();
    assert_eq!(policy.version, "2099-01-01.1");
    assert_eq!(policy.income_floor.last().unwrap().amount, Vnd(2_600_000));

    // The app restarts: the edition is still the one in use.
    let reopened = sotay_store::Store::open(&lan.path, lan.identity, &lan.key).expect("reopen");
    assert_eq!(reopened.policy_version().unwrap(), "2099-01-01.1");
    drop(reopened);
    // Nothing new: the next sync brings nothing; an older edition is not taken.
    let report = lan.sync().await.expect("sync");
    assert_eq!(report.policy_received, None);
    assert!(
        !lan.store()
            .accept_policy_edition(Policy::embedded_toml())
            .unwrap()
    );
    assert!(
        lan.store()
            .accept_policy_edition("format_version = 1")
            .is_err(),
        "a file that does not load is refused"
    );
    assert_eq!(lan.store().policy_version().unwrap(), "2099-01-01.1");
}

/// A record the office would refuse for its size alone is set aside on the phone with its reason
/// before it is sent, and the records behind it still go; and the office's own writes (the
/// village it made, with no `id` among their fields in older databases) read on the phone.
#[tokio::test]
async fn an_op_too_large_to_send_is_set_aside_and_the_rest_goes() {
    let office = Office::start(Backend::Sqlite).await.expect("SQLite office");
    let code = office.collector_code("Đinh Thị Gọn").await;
    let url = office.url();
    let small = sotay_sync::SyncConfig {
        push_batch_bytes: 900,
        ..test_config()
    };
    let lan = Device::enroll(&url, &url, &code, Duration::zero(), small).await;
    let village: Option<Village> = lan.store().get(office.village).unwrap();
    assert_eq!(
        village.map(|v| v.name),
        Some("Thôn Đông".to_owned()),
        "the office's village reads on the phone"
    );
    let mut long = household(office.village, "Đinh Thị Dài");
    long.notes = "Ghi chú rất dài. ".repeat(60);
    let short = household(office.village, "Đinh Thị Ngắn");
    lan.save(&long);
    lan.save(&short);
    let report = lan.sync().await.expect("the sync goes on");
    assert_eq!(report.applied, 1, "the short household reached the office");
    assert!(
        !report.synced,
        "a refused record means not fully synced: {report:?}"
    );
    let refused = lan
        .store()
        .rejections_for(EntityKind::Household, long.id)
        .unwrap();
    assert_eq!(
        refused.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(),
        vec!["body_too_large"],
        "the long one waits on its record with the reason"
    );
    assert!(office.record_state(short.id).await.is_some());
    assert!(office.record_state(long.id).await.is_none());
}

/// Lan's replacement phone, enrolled, with an empty store of its identity (in the returned
/// folder) to watch a first sync into: enrolment's own first sync already filled its own store.
async fn replacement_phone(
    office: &Office,
) -> (
    Device,
    tempfile::TempDir,
    std::sync::Arc<std::sync::Mutex<sotay_store::Store>>,
) {
    let code = office.collector_code("Nguyễn Thị Lan (máy mới)").await;
    let url = office.url();
    let phone = Device::enroll(&url, &url, &code, Duration::zero(), test_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let store = sotay_store::Store::open(
        dir.path().join("new.db"),
        phone.identity,
        &sotay_store::StoreKey::generate(),
    )
    .unwrap();
    (
        phone,
        dir,
        std::sync::Arc::new(std::sync::Mutex::new(store)),
    )
}

/// A replacement phone's first sync says how much is left, page by page, down to nothing, and
/// receives every record of the area with one clock per field (the office sent them compact).
#[tokio::test]
async fn a_first_sync_says_how_much_is_left_and_brings_everything() {
    use sotay_sync::SyncProgress;
    let (office, lan) = office_and_lan().await;
    let houses = numbered_households(&lan, office.village, 23);
    for house in &houses {
        lan.save(&person(house, &house.head_name, 0));
    }
    lan.sync().await.expect("the old phone sends everything");
    // Enrolment's own first sync already ran on the phone's store: watch the same first sync
    // into an empty one.
    let (phone, _fresh_dir, fresh) = replacement_phone(&office).await;
    let seen = std::sync::Mutex::new(Vec::new());
    let report = phone
        .client
        .sync(
            &fresh,
            &|p| seen.lock().unwrap().push(p),
            &tokio_util::sync::CancellationToken::new(),
        )
        .await
        .expect("first sync");
    assert!(report.synced, "{report:?}");
    let lefts: Vec<u64> = seen
        .into_inner()
        .unwrap()
        .into_iter()
        .filter_map(|p| match p {
            SyncProgress::Pulling { remaining, .. } => remaining,
            _ => None,
        })
        .collect();
    assert!(
        lefts.len() >= 5,
        "pages of 5 report what is left: {lefts:?}"
    );
    assert!(
        lefts.windows(2).all(|w| w[1] < w[0]),
        "it only goes down: {lefts:?}"
    );
    assert_eq!(lefts.last(), Some(&0), "and ends at nothing: {lefts:?}");
    let store = fresh.lock().unwrap();
    for house in &houses {
        let state = store
            .record_state(EntityKind::Household, house.id)
            .unwrap()
            .expect("every household arrived");
        assert!(
            state.fields.keys().all(|f| state.clocks.contains_key(f))
                && !state.clocks.contains_key("*"),
            "one clock per field: {state:?}"
        );
    }
}

/// A first sync cut in the middle continues from the last page it stored, never from zero.
#[tokio::test]
async fn a_first_sync_cut_in_the_middle_resumes_from_its_last_page() {
    use sotay_sync::SyncProgress;
    let (office, lan) = office_and_lan().await;
    numbered_households(&lan, office.village, 30);
    lan.sync().await.expect("the old phone sends everything");
    let (phone, _dir, store) = replacement_phone(&office).await;
    // The link dies after the third page.
    let cut = tokio_util::sync::CancellationToken::new();
    let err = phone
        .client
        .sync(
            &store,
            &|p| {
                if matches!(p, SyncProgress::Pulling { pages: 3, .. }) {
                    cut.cancel();
                }
            },
            &cut,
        )
        .await
        .expect_err("cut");
    assert!(matches!(err, SyncError::Cancelled), "{err:?}");
    let first_part = store.lock().unwrap().scope_checksum().unwrap().0;
    assert!(first_part >= 15, "three pages of 5 are kept: {first_part}");
    let report = phone
        .client
        .sync(&store, &|_| {}, &tokio_util::sync::CancellationToken::new())
        .await
        .expect("resumed");
    assert!(report.synced, "{report:?}");
    let total = store.lock().unwrap().scope_checksum().unwrap().0;
    assert_eq!(
        report.pulled,
        total - first_part,
        "only what was not yet stored came down the second time"
    );
}
