//! Interested people a village board member logs become follow-ups for the collectors of the
//! village (`referral.rs`), on both backends: whoever collects there (given the whole commune
//! or that village) gets one, nobody else does, a retried push makes none twice, and the
//! collector's phone pulls it.

use serde_json::{Value, json};
use sotay_domain::{EntityKind, FollowUp, FollowUpReason, Role};
use sotay_office::referral::referral_id;
use sotay_sync::protocol::OpOutcome;
use uuid::Uuid;

use crate::harness::*;

contract!(a_board_members_interested_visit_becomes_the_village_collectors_follow_up,);

/// A visit's fields: `outcome` in the household `household` of `village`, by `by`.
fn visit(household: Uuid, village: Uuid, by: Uuid, met: &[Uuid], outcome: &str) -> Value {
    json!({
        "household_id": household, "commune_code": COMMUNE, "village_id": village,
        "visited_at": chrono::Utc::now(), "visited_by": by, "persons_met": met,
        "channel": "door_to_door", "outcome": outcome,
        "notes": "Chị Hoa muốn đóng cho cả hai vợ chồng", "location": null, "next_follow_up": null
    })
}

async fn a_board_members_interested_visit_becomes_the_village_collectors_follow_up(office: Office) {
    let north = village_in(&office, COMMUNE, "Thôn Bắc").await;
    let south = village_in(&office, COMMUNE, "Thôn Nam").await;
    let tu = named_user_with_area(
        &office,
        "Đỗ Văn Tư",
        Role::BoardMember,
        COMMUNE,
        Some(north),
    )
    .await;
    let lan = named_user_with_area(&office, "Nguyễn Thị Lan", Role::Collector, COMMUNE, None).await;
    let hoa = named_user_with_area(
        &office,
        "Phạm Thị Hoa",
        Role::PostOfficeCollector,
        COMMUNE,
        Some(north),
    )
    .await;
    let south_collector =
        named_user_with_area(&office, "Vũ Văn Nam", Role::Collector, COMMUNE, Some(south)).await;
    let elsewhere =
        named_user_with_area(&office, "Lê Văn Xa", Role::Collector, OTHER_COMMUNE, None).await;
    let _board_peer = named_user_with_area(
        &office,
        "Hà Thị Bảy",
        Role::BoardMember,
        COMMUNE,
        Some(north),
    )
    .await;

    let house = tu.new_household(north, "Trần Văn Hải");
    let person = Uuid::now_v7();
    let interested = tu.op(
        EntityKind::Visit,
        Uuid::now_v7(),
        visit(house.entity_id, north, tu.user_id, &[person], "interested"),
    );
    let informed = tu.op(
        EntityKind::Visit,
        Uuid::now_v7(),
        visit(house.entity_id, north, tu.user_id, &[], "informed"),
    );
    let ops = [house, interested.clone(), informed.clone()];
    let pushed = office.push(&tu, &ops).await;
    assert!(
        pushed
            .results
            .iter()
            .all(|r| r.outcome == OpOutcome::Applied),
        "{pushed:?}"
    );

    let follow_up = |collector: Uuid| {
        let office = &office;
        let visit = interested.entity_id;
        async move {
            office
                .record(referral_id(visit, collector))
                .await
                .map(|r| -> FollowUp {
                    let mut fields = r.state.fields;
                    fields.insert("id".into(), json!(referral_id(visit, collector)));
                    serde_json::from_value(Value::Object(fields)).expect("a follow-up")
                })
        }
    };
    for collector in [lan.user_id, hoa.user_id] {
        let f = follow_up(collector)
            .await
            .expect("each collector of the village has one");
        assert_eq!(f.assigned_to, collector);
        assert_eq!(f.reason, FollowUpReason::Referral);
        assert_eq!(
            (f.household_id, f.person_id, f.village_id),
            (ops[0].entity_id, Some(person), Some(north))
        );
        assert_eq!(f.due_date, sotay_office::clock::today_in_vietnam());
        assert!(!f.done);
        assert!(
            f.note.starts_with("Đỗ Văn Tư (Ban vận động): Chị Hoa muốn"),
            "the note says who found them: {}",
            f.note
        );
    }
    for nobody in [south_collector.user_id, elsewhere.user_id, tu.user_id] {
        assert!(
            follow_up(nobody).await.is_none(),
            "not a collector of the village"
        );
    }
    for not_interested in [lan.user_id, hoa.user_id] {
        assert!(
            office
                .record(referral_id(informed.entity_id, not_interested))
                .await
                .is_none(),
            "an informed visit hands nothing over"
        );
    }
    // Every follow-up the office holds (this test makes no other).
    let count = || async {
        let rows = sotay_office::storage::sql::SqlRunner::query(
            office.store(),
            "SELECT COUNT(*) FROM record_facts WHERE entity = 'follow_up'".into(),
            vec![],
        )
        .await
        .expect("count");
        rows[0][0].int().expect("a number")
    };
    let written = count().await;
    assert_eq!(written, 2, "one follow-up per collector of the village");

    // The phone retries the same push (its answer was lost): nothing is made twice.
    let again = office.push(&tu, &ops).await;
    assert!(
        again
            .results
            .iter()
            .all(|r| r.outcome == OpOutcome::Duplicate),
        "{again:?}"
    );
    assert_eq!(count().await, written);

    // A collector's own interested visit is theirs to follow: the office adds nothing.
    let own = lan.op(
        EntityKind::Visit,
        Uuid::now_v7(),
        visit(ops[0].entity_id, north, lan.user_id, &[], "interested"),
    );
    assert_eq!(
        office.push(&lan, &[own]).await.results[0].outcome,
        OpOutcome::Applied
    );
    assert_eq!(count().await, written);

    // The collector's phone pulls its follow-up.
    let pulled = pulled_ids(&office, &hoa.token).await;
    assert!(
        pulled.contains(&referral_id(interested.entity_id, hoa.user_id)),
        "Hoa's phone gets the follow-up"
    );
}
