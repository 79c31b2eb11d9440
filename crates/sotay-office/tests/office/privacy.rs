//! What a village board member's phone is never sent (`sotay_domain::privacy`), on both
//! backends: his pulls carry the village's people, sign-ups and payments with their ID numbers,
//! incomes and amounts blanked, at the same versions as a collector's, so the scope checksum
//! still matches; and a person his phone resends whole does not erase the ID number he was
//! never shown.

use std::collections::HashMap;

use serde_json::{Value, json};
use sotay_domain::merge::RecordState;
use sotay_domain::{EntityKind, Role};
use sotay_sync::protocol::{OpOutcome, PullResponse};
use uuid::Uuid;

use crate::harness::*;

contract!(
    a_board_member_is_not_sent_id_numbers_incomes_or_amounts,
    a_board_members_resent_person_keeps_its_id_number,
);

/// A person of `household` in `village` with the ID number `personal_id`.
fn person(household: Uuid, village: Uuid, personal_id: Option<&str>) -> Value {
    json!({
        "household_id": household, "commune_code": COMMUNE, "village_id": village,
        "full_name": "Trần Văn Hùng", "sex": "male", "date_of_birth": "1985-04-12",
        "personal_id": personal_id, "legacy_insurance_code": null,
        "phone": "0912345678", "occupation": "farmer", "ethnic_minority": false,
        "coverage": "none", "stage": "enrolled", "decline_reason": null, "notes": ""
    })
}

/// Every change a device pulls from the start, by record id, with full clocks.
async fn pulled(office: &Office, token: &str) -> (HashMap<Uuid, RecordState>, PullResponse) {
    let page = office.pull(token, "?after=&limit=1000").await;
    assert!(!page.has_more);
    let states = page
        .changes
        .iter()
        .map(|c| (c.entity_id, c.state.clone()))
        .collect();
    (states, page)
}

/// Thôn Đông with its collector Lan and its board member Tư, both enrolled.
async fn village_lan_and_tu(office: &Office) -> (Uuid, Field, Field) {
    let village = village_in(office, COMMUNE, "Thôn Đông").await;
    let area = Some(village);
    let lan = named_user_with_area(office, "Nguyễn Thị Lan", Role::Collector, COMMUNE, area).await;
    let tu = named_user_with_area(office, "Đỗ Văn Tư", Role::BoardMember, COMMUNE, area).await;
    (village, lan, tu)
}

async fn a_board_member_is_not_sent_id_numbers_incomes_or_amounts(office: Office) {
    let (village, lan, tu) = village_lan_and_tu(&office).await;

    let house = lan.new_household(village, "Trần Văn Hùng");
    let person_id = Uuid::now_v7();
    let person_op = lan.op(
        EntityKind::Person,
        person_id,
        person(house.entity_id, village, Some("001085000123")),
    );
    let sign_up_id = Uuid::now_v7();
    let mut sign_up = enrollment(village, lan.user_id);
    sign_up["person_id"] = json!(person_id);
    sign_up["household_id"] = json!(house.entity_id);
    sign_up["support_groups"] = json!(["near_poor"]);
    let sign_up_op = lan.op(EntityKind::Enrollment, sign_up_id, sign_up);
    let payment_id = Uuid::now_v7();
    let payment_op = lan.op(
        EntityKind::Payment,
        payment_id,
        json!({
            "enrollment_id": sign_up_id, "person_id": person_id, "household_id": house.entity_id,
            "commune_code": COMMUNE, "village_id": village, "collector_id": lan.user_id,
            "months_from": "2026-01-01", "months_to": "2026-03-01", "amount": 594_000,
            "collected_at": "2026-01-05T02:00:00Z", "receipt_number": "0001234", "method": "cash"
        }),
    );
    let res = office
        .push(&lan, &[house, person_op, sign_up_op, payment_op])
        .await;
    assert!(
        res.results.iter().all(|r| r.outcome == OpOutcome::Applied),
        "{:?}",
        res.results
    );

    let (collector, collector_page) = pulled(&office, &lan.token).await;
    let (board, board_page) = pulled(&office, &tu.token).await;
    // The collector gets every value.
    assert_eq!(
        collector[&person_id].fields["personal_id"],
        json!("001085000123")
    );
    assert_eq!(
        collector[&sign_up_id].fields["monthly_income"],
        json!(1_500_000)
    );
    assert_eq!(
        collector[&sign_up_id].fields["support_groups"],
        json!(["near_poor"])
    );
    assert_eq!(collector[&payment_id].fields["amount"], json!(594_000));
    // The board member gets the same records, the numbers blanked…
    assert_eq!(board[&person_id].fields["personal_id"], Value::Null);
    assert_eq!(
        board[&person_id].fields["full_name"],
        json!("Trần Văn Hùng")
    );
    assert_eq!(board[&sign_up_id].fields["monthly_income"], json!(0));
    assert_eq!(board[&sign_up_id].fields["support_groups"], json!([]));
    assert_eq!(board[&sign_up_id].fields["status"], json!("submitted"));
    assert_eq!(board[&payment_id].fields["amount"], json!(0));
    assert_eq!(board[&payment_id].fields["months_to"], json!("2026-03-01"));
    let text = serde_json::to_string(&board_page.changes).expect("json");
    for secret in ["001085000123", "1500000", "594000", "near_poor"] {
        assert!(
            !text.contains(secret),
            "{secret} reached the board member's phone"
        );
    }
    // …at the same versions, so both phones' checksums are the office's.
    assert_eq!(board.len(), collector.len());
    for (id, state) in &collector {
        assert_eq!(board[id].version(), state.version(), "{id}");
        assert_eq!(board[id].clocks, state.clocks, "{id}: clocks are kept");
    }
    assert_eq!(board_page.checksum, collector_page.checksum);
    // The compact form blanks the same way.
    let compact = office
        .pull(&tu.token, "?after=&limit=1000&compact=true")
        .await;
    let text = serde_json::to_string(&compact.changes).expect("json");
    assert!(!text.contains("001085000123") && !text.contains("594000"));
}

/// Pushes `fields` of the person `id` from `field`'s phone, which must apply; the office's
/// fields after it.
async fn push_person(
    office: &Office,
    field: &Field,
    id: Uuid,
    fields: Value,
) -> serde_json::Map<String, Value> {
    let res = office
        .push(field, &[field.op(EntityKind::Person, id, fields)])
        .await;
    assert_eq!(
        res.results[0].outcome,
        OpOutcome::Applied,
        "{:?}",
        res.results
    );
    office.record(id).await.expect("stored").state.fields
}

async fn a_board_members_resent_person_keeps_its_id_number(office: Office) {
    let (village, lan, tu) = village_lan_and_tu(&office).await;
    let house = lan.new_household(village, "Trần Văn Hùng");
    let person_id = Uuid::now_v7();
    let fields = person(house.entity_id, village, Some("001085000123"));
    let person_op = lan.op(EntityKind::Person, person_id, fields.clone());
    office.push(&lan, &[house.clone(), person_op]).await;

    // His phone holds the blank and sends the whole person back with a new phone number.
    let mut resent = fields;
    resent["personal_id"] = Value::Null;
    resent["phone"] = json!("0987654321");
    let stored = push_person(&office, &tu, person_id, resent).await;
    assert_eq!(stored["personal_id"], json!("001085000123"));
    assert_eq!(stored["phone"], json!("0987654321"));

    // A new prospect's ID number he types is taken, and he may clear what he typed.
    let prospect = Uuid::now_v7();
    let mut typed = person(house.entity_id, village, Some("001190000456"));
    typed["full_name"] = json!("Trần Thị Mai");
    typed["sex"] = json!("female");
    typed["date_of_birth"] = json!("1990-02-01");
    typed["stage"] = json!("interested");
    let stored = push_person(&office, &tu, prospect, typed).await;
    assert_eq!(stored["personal_id"], json!("001190000456"));
    let stored = push_person(&office, &tu, prospect, json!({"personal_id": null})).await;
    assert_eq!(stored["personal_id"], Value::Null);
    // The number he typed, corrected by the collector, then cleared on his phone (which never
    // saw the correction): the office keeps the collector's, written again after his op, so his
    // phone pulls the blank at a newer clock and both copies end at the same version.
    let corrected = lan.op(
        EntityKind::Person,
        prospect,
        json!({"personal_id": "001190000789"}),
    );
    office.push(&lan, &[corrected]).await;
    let clear = tu.op(EntityKind::Person, prospect, json!({"personal_id": null}));
    let cleared_at = clear.hlc;
    let res = office.push(&tu, &[clear]).await;
    assert_eq!(
        res.results[0].outcome,
        OpOutcome::Applied,
        "{:?}",
        res.results
    );
    let stored = office.record(prospect).await.expect("stored");
    assert_eq!(stored.state.fields["personal_id"], json!("001190000789"));
    let clock = stored.state.clocks["personal_id"];
    assert!(
        clock > cleared_at && clock.node == sotay_office::apply::OFFICE_NODE,
        "written again just after his op: {clock:?}"
    );
    let (board, _) = pulled(&office, &tu.token).await;
    assert_eq!(board[&prospect].fields["personal_id"], Value::Null);
    assert_eq!(board[&prospect].version(), stored.state.version());

    // An edit that no longer matches the number he cannot see is refused without quoting it.
    let res = office
        .push(
            &tu,
            &[tu.op(
                EntityKind::Person,
                person_id,
                json!({"date_of_birth": "1986-04-12"}),
            )],
        )
        .await;
    match &res.results[0].outcome {
        OpOutcome::Rejected { message, field, .. } => {
            assert!(
                !message.contains("85") && message.contains("báo người thu"),
                "{message}"
            );
            assert_eq!(field, &None, "not a field his phone shows");
        }
        other => panic!("refused: {other:?}"),
    }

    // The collector still gets the first person's number.
    let (collector, _) = pulled(&office, &lan.token).await;
    assert_eq!(
        collector[&person_id].fields["personal_id"],
        json!("001085000123")
    );
}
