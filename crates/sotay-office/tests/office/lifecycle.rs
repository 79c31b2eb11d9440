//! A lost phone and a restored office (issue 13), on both backends: a device marked lost still
//! has its pushes taken (what the office refuses is kept whole), then its pull is answered 410
//! `device_wipe`, once in the audit log; a revoked device keeps being refused; every push and
//! pull answer carries the office's epoch, which a new epoch changes; failed attempts are
//! counted in the database.

use chrono::Utc;
use reqwest::StatusCode;
use serde_json::json;
use sotay_domain::EntityKind;
use sotay_office::admin::{self, Actor};
use sotay_office::storage::lifecycle::AttemptKind;
use sotay_office::storage::{DashboardStore, LifecycleStore, OfficeStore};
use sotay_sync::protocol::OpOutcome;
use uuid::Uuid;

use crate::harness::*;

contract!(
    a_lost_device_is_heard_out_then_told_to_wipe,
    a_wipe_order_for_an_unknown_device_is_a_clear_error,
    one_device_is_read_by_its_id,
    every_answer_carries_the_epoch_and_a_new_epoch_changes_it,
    a_device_session_is_the_device_its_area_and_the_epoch,
    failed_attempts_are_counted_in_the_database,
);

async fn a_lost_device_is_heard_out_then_told_to_wipe(office: Office) {
    let field = office.field_user(false).await;
    let before_loss = field.new_household(field.village, "Trần Văn Bình");
    let pushed = office.push(&field, &[before_loss]).await;
    assert_eq!(pushed.results[0].outcome, OpOutcome::Applied);

    // A revoked device that is not lost is refused outright.
    let other = office
        .user_code("Lê Thị Hoa", sotay_domain::Role::Collector)
        .await;
    let other = office.enroll(&other).await;
    admin::revoke_device(office.store(), other.device_id)
        .await
        .expect("revoke");
    assert_device_revoked(&office, &other.device_token).await;

    // The collector's phone is lost; it is also revoked (an admin may do both): the wipe still
    // reaches it.
    admin::wipe_device(office.store(), field.device_id, &Actor::command_line())
        .await
        .expect("wipe ordered");
    admin::revoke_device(office.store(), field.device_id)
        .await
        .expect("revoke too");
    let saved_offline = field.new_household(field.village, "Phạm Thị Cúc");
    let mut refused_fields = household(field.village, "Phạm Thị Dung");
    refused_fields["commune_code"] = json!(OTHER_COMMUNE);
    let refused = field.op(EntityKind::Household, Uuid::now_v7(), refused_fields);
    let pushed = office
        .push(&field, &[saved_offline.clone(), refused.clone()])
        .await;
    assert_eq!(
        pushed.results[0].outcome,
        OpOutcome::Applied,
        "a lost device's last push is taken"
    );
    assert!(matches!(
        pushed.results[1].outcome,
        OpOutcome::Rejected { .. }
    ));
    assert!(
        office.record(saved_offline.entity_id).await.is_some(),
        "the record saved on the lost phone is at the office"
    );
    let salvaged = office
        .store()
        .salvaged_ops(field.device_id)
        .await
        .expect("salvaged");
    assert_eq!(
        salvaged.len(),
        1,
        "the refused op is kept whole: {salvaged:?}"
    );
    assert_eq!(salvaged[0].op_id, refused.op_id);
    assert!(salvaged[0].op.contains("Phạm Thị Dung"));

    // Then the pull orders the wipe, every time, and the audit log says so once.
    for _ in 0..2 {
        let (status, code) = error_code(office.pull_raw(&field.token, "").await).await;
        assert_eq!((status, code.as_str()), (StatusCode::GONE, "device_wipe"));
    }
    let device = office.device(field.device_id).await;
    assert!(device.wipe_requested_at.is_some() && device.wipe_sent_at.is_some());
    let log = office
        .store()
        .audit_log(&sotay_office::storage::dashboard::Visible::All, 0, 50)
        .await
        .expect("audit log");
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "device_wipe_requested")
            .count(),
        1,
        "{actions:?}"
    );
    assert_eq!(
        actions.iter().filter(|a| **a == "device_wipe_sent").count(),
        1,
        "{actions:?}"
    );
}

async fn a_wipe_order_for_an_unknown_device_is_a_clear_error(office: Office) {
    let err = admin::wipe_device(office.store(), Uuid::now_v7(), &Actor::command_line())
        .await
        .expect_err("no such device");
    assert!(err.to_string().contains("Không có thiết bị"), "{err}");
}

async fn one_device_is_read_by_its_id(office: Office) {
    let first = office.field_user(false).await;
    let second = office.field_user(false).await;
    let listed = office.store().list_devices().await.expect("devices");
    for id in [first.device_id, second.device_id] {
        let one = office.store().device(id).await.expect("device");
        assert_eq!(
            one.as_ref(),
            listed.iter().find(|d| d.id == id),
            "the lookup reads the same row the list does"
        );
    }
    assert_eq!(
        office.store().device(Uuid::now_v7()).await.expect("device"),
        None,
        "an unknown id is no device, not an error"
    );
}

async fn every_answer_carries_the_epoch_and_a_new_epoch_changes_it(office: Office) {
    let field = office.field_user(false).await;
    let op = field.new_household(field.village, "Trần Văn Bình");
    let pushed = office.push(&field, &[op]).await;
    let epoch = pushed.epoch.expect("a push answer carries the epoch");
    let pulled = office.pull(&field.token, "").await;
    assert_eq!(pulled.epoch.as_deref(), Some(epoch.as_str()));
    assert_eq!(
        office.store().office_epoch().await.expect("epoch"),
        epoch,
        "the epoch stays until a restore"
    );
    let new = office.store().start_new_epoch().await.expect("new epoch");
    assert_ne!(new, epoch);
    let pulled = office.pull(&field.token, "").await;
    assert_eq!(pulled.epoch.as_deref(), Some(new.as_str()));
}

async fn failed_attempts_are_counted_in_the_database(office: Office) {
    // Ten wrong codes from one address: the eleventh attempt is refused, whatever the code.
    for _ in 0..sotay_office::state::ENROLL_ATTEMPTS_PER_MINUTE {
        let (status, _) = error_code(office.enroll_raw("SAI-MA-0000").await).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, code) = error_code(office.enroll_raw("SAI-MA-0000").await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    // The count is in the database, where another instance reads it.
    let counted = office
        .store()
        .recent_failures(AttemptKind::Enrol, "127.0.0.1", Utc::now())
        .await
        .expect("count");
    assert_eq!(counted, sotay_office::state::ENROLL_ATTEMPTS_PER_MINUTE);
    assert_eq!(
        office
            .store()
            .recent_failures(
                AttemptKind::Enrol,
                "127.0.0.1",
                Utc::now() + chrono::Duration::minutes(2)
            )
            .await
            .expect("count"),
        0,
        "a minute later the address may try again"
    );
}

/// The session of a device known to exist.
async fn session_of(
    store: &sotay_office::AnyStore,
    hash: &str,
) -> sotay_office::storage::DeviceSession {
    store
        .device_session(hash, Utc::now())
        .await
        .expect("session")
        .expect("the device")
}

/// What a sync request reads first, in one statement on PostgreSQL: the same as the device,
/// its user's area and the epoch read one by one, the area as it is now.
async fn a_device_session_is_the_device_its_area_and_the_epoch(office: Office) {
    let field = office.field_user(false).await;
    let store = office.store();
    let hash = sotay_office::auth::hash_secret(&field.token);
    // Before anything made the epoch (a new office), many requests at once: each makes it or
    // reads it, and none waits for a connection another one holds (the pool has 16).
    let mut at_once = tokio::task::JoinSet::new();
    for _ in 0..64 {
        let store = std::sync::Arc::clone(&office.state.store);
        let hash = hash.clone();
        at_once.spawn(async move { store.device_session(&hash, Utc::now()).await });
    }
    let epochs: std::collections::HashSet<String> =
        tokio::time::timeout(std::time::Duration::from_secs(30), at_once.join_all())
            .await
            .expect("64 sessions at once finish")
            .into_iter()
            .map(|s| s.expect("session").expect("the device").epoch)
            .collect();
    assert_eq!(epochs.len(), 1, "one epoch for all: {epochs:?}");
    let session = session_of(store, &hash).await;
    assert_eq!(session.epoch, store.office_epoch().await.expect("epoch"));
    let device = store
        .device_by_token(&hash, Utc::now())
        .await
        .expect("device")
        .expect("the device");
    assert_eq!(
        (
            session.device.id,
            session.device.user_id,
            session.device.role
        ),
        (device.id, device.user_id, device.role)
    );
    assert_eq!(session.device.id, field.device_id);
    assert_eq!(
        session.scope,
        store.scope(field.user_id).await.expect("scope")
    );
    assert_eq!(session.scope.villages, vec![field.village]);
    // A commune added to the area shows in the next session, after the village.
    admin::assign_area(store, field.user_id, OTHER_COMMUNE, None)
        .await
        .expect("assign");
    let session = session_of(store, &hash).await;
    assert_eq!(
        session.scope,
        store.scope(field.user_id).await.expect("scope")
    );
    assert_eq!(session.scope.communes, vec![OTHER_COMMUNE.to_owned()]);
    assert!(
        store
            .device_session(
                &sotay_office::auth::hash_secret("no such token"),
                Utc::now()
            )
            .await
            .expect("session")
            .is_none(),
        "an unknown token has no session"
    );
}
