//! A board member's phone holds no ID number, income or amount it was not typed on
//! (`sotay_domain::privacy`): the records the office sends it blanked read as their types at the
//! same versions (so the scope checksum matches), and a phone that synced before the office
//! blanked them blanks them when its store opens (`Store::withhold`), keeping what it wrote.

use crate::common::*;
use sotay_domain::merge::RecordState;
use sotay_domain::*;
use sotay_store::RemoteChange;
use uuid::Uuid;

/// A village family as the office holds it: household, person, sign-up, payment, remittance,
/// each every field written at one office clock.
fn office_family() -> (Person, Vec<RemoteChange>) {
    let collector = Uuid::now_v7();
    let h = household(None, "Trần Văn Hùng", "Thôn Đông, xã Yên Thế");
    let p = person(&h, "Trần Văn Hùng", 7);
    let e = Enrollment {
        support_groups: vec![SupportGroup::NearPoor],
        ..enrollment(&p, collector, PaymentMode::Quarterly)
    };
    let pay = first_quarter_cash(&e, collector, "0001234");
    let r = remittance(collector, &[&pay], 594_000);
    let at = office_hlc(1_000);
    let change = |entity, entity_id, state: RecordState| RemoteChange {
        entity,
        entity_id,
        state,
    };
    let changes = vec![
        change(EntityKind::Household, h.id, remote_state(&h, at)),
        change(EntityKind::Person, p.id, remote_state(&p, at)),
        change(EntityKind::Enrollment, e.id, remote_state(&e, at)),
        change(EntityKind::Payment, pay.id, remote_state(&pay, at)),
        change(EntityKind::Remittance, r.id, remote_state(&r, at)),
    ];
    (p, changes)
}

/// The family as the office sends it to a board member.
fn blanked(changes: &[RemoteChange]) -> Vec<RemoteChange> {
    changes
        .iter()
        .cloned()
        .map(|mut c| {
            privacy::withhold(Role::BoardMember, c.entity, &mut c.state.fields);
            c
        })
        .collect()
}

/// How many stored rows of any record table hold `text`, read on a plain connection.
fn rows_holding(fx: &Fixture, text: &str) -> i64 {
    let raw = fx.raw();
    ["persons", "enrollments", "payments", "remittances"]
        .iter()
        .map(|table| {
            raw.query_row(
                &format!("SELECT count(*) FROM {table} WHERE instr(data, ?1) > 0"),
                [text],
                |r| r.get::<_, i64>(0),
            )
            .expect("count")
        })
        .sum()
}

#[test]
fn blanked_records_read_as_their_types_at_the_same_versions() {
    let (p, family) = office_family();
    let collector = Fixture::new();
    collector.store.apply_remote(&family, "5").expect("apply");
    let board = Fixture::new();
    let report = board
        .store
        .apply_remote(&blanked(&family), "5")
        .expect("apply");
    assert!(report.unreadable.is_empty(), "{:?}", report.unreadable);
    assert_eq!(report.applied, family.len());

    assert_eq!(
        board.store.scope_checksum().expect("checksum"),
        collector.store.scope_checksum().expect("checksum"),
        "the same versions"
    );
    let cccd = p.personal_id.clone().expect("the fixture has one");
    let read = board.store.get_person(p.id).expect("read").expect("kept");
    assert_eq!(read.personal_id, None);
    assert_eq!(read.full_name, "Trần Văn Hùng");
    let signup = &family[2];
    let e = board
        .store
        .get_enrollment(signup.entity_id)
        .expect("read")
        .expect("kept");
    assert_eq!((e.monthly_income, e.support_groups.len()), (Vnd(0), 0));
    assert_eq!(e.payment_mode, PaymentMode::Quarterly);
    let pay = board
        .store
        .get_payment(family[3].entity_id)
        .expect("read")
        .expect("kept");
    assert_eq!((pay.amount, pay.months_to), (Vnd(0), date(2026, 3, 1)));
    let r = board
        .store
        .get_remittance(family[4].entity_id)
        .expect("read")
        .expect("kept");
    assert_eq!((r.total, r.payment_ids.len()), (Vnd(0), 0));

    assert_eq!(rows_holding(&board, &cccd), 0, "no ID number in the file");
    assert_eq!(rows_holding(&board, "594000"), 0, "no amount in the file");
    assert_eq!(rows_holding(&collector, &cccd), 1);
    assert!(found_persons(&board.store, &cccd, 5).is_empty());
    assert_eq!(found_persons(&collector.store, &cccd, 5).len(), 1);
}

#[test]
fn an_older_phone_blanks_what_its_role_is_no_longer_sent() {
    let (p, family) = office_family();
    let mut fx = Fixture::new();
    fx.store.apply_remote(&family, "5").expect("apply");
    // A prospect whose ID number the board member typed on this phone.
    let (_, own) = saved_family(&fx, "Lò Thị Dung", 8);
    let own_cccd = own.personal_id.clone().expect("typed");
    let cccd = p.personal_id.clone().expect("the fixture has one");
    let before = fx.store.scope_checksum().expect("checksum");

    assert_eq!(fx.store.withhold(Role::Collector).expect("withhold"), 0);
    assert_eq!(rows_holding(&fx, &cccd), 1, "a collector keeps every value");

    assert_eq!(
        fx.store.withhold(Role::BoardMember).expect("withhold"),
        4,
        "the person, sign-up, payment and remittance the office wrote"
    );
    assert_eq!(rows_holding(&fx, &cccd), 0);
    assert_eq!(rows_holding(&fx, "594000"), 0);
    assert!(
        found_persons(&fx.store, &cccd, 5).is_empty(),
        "nor in the search index"
    );
    let kept = fx.store.get_person(own.id).expect("read").expect("kept");
    assert_eq!(
        kept.personal_id.as_deref(),
        Some(own_cccd.as_str()),
        "what he typed stays"
    );
    assert_eq!(found_persons(&fx.store, &own_cccd, 5).len(), 1);
    assert_eq!(
        fx.store.scope_checksum().expect("checksum"),
        before,
        "clocks kept: the office's checksum still matches"
    );
    assert_eq!(
        fx.outbox_len(),
        2,
        "blanking sends nothing (the two are his own saves)"
    );

    fx.reopen();
    assert_eq!(
        fx.store.withhold(Role::BoardMember).expect("withhold"),
        0,
        "once"
    );
    assert_eq!(rows_holding(&fx, &cccd), 0);
}
