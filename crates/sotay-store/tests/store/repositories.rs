//! Repositories: lossless round trips for every entity, ops that carry only changed fields,
//! tombstones, and bad input refused with its code and field without touching saved data.

use crate::common::*;
use chrono::TimeDelta;
use serde_json::json;
use sotay_domain::*;
use sotay_store::StoreError;
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

#[test]
fn every_entity_round_trips_through_the_file() {
    let mut fx = Fixture::new();
    let user = fx.user();
    let v = village("Thôn Đông");
    fx.store.save_village(&v).unwrap();
    let h = Household {
        location: Some(GeoPoint {
            lat: 21.0285,
            lon: 105.8542,
        }),
        ..household(Some(v.id), "Đặng Thị Hương", "Số 5, ngõ 12, Thôn Đông")
    };
    fx.store.save_household(&h).unwrap();
    let p = Person {
        decline_reason: None,
        notes: "Làm ruộng, hai con".into(),
        ..person(&h, "Đặng Thị Hương", 7)
    };
    fx.store.save_person(&p).unwrap();
    let vis = Visit {
        persons_met: vec![p.id],
        next_follow_up: Some(date(2026, 11, 29)),
        ..visit(&h, user, now() - TimeDelta::hours(2))
    };
    fx.store.save_visit(&vis).unwrap();
    let f = FollowUp {
        person_id: Some(p.id),
        ..follow_up(&h, user, date(2026, 11, 29))
    };
    fx.store.save_follow_up(&f).unwrap();
    let ev = OutreachEvent {
        id: new_id(),
        kind: OutreachKind::VillageMeeting,
        commune_code: COMMUNE.into(),
        village_id: Some(v.id),
        date: date(2026, 11, 15),
        attendees: 43,
        organiser: "Ban vận động thôn Đông".into(),
        notes: "Đã phát loa".into(),
    };
    fx.store.save_outreach_event(&ev).unwrap();
    let e = Enrollment {
        quote: Some(json!({"monthly": 198000, "support": 132000})),
        ..enrollment(&p, user, PaymentMode::YearsAhead(2))
    };
    fx.store.save_enrollment(&e).unwrap();
    let pay = first_quarter_cash(&e, user, "0001234");
    fx.store.save_payment(&pay).unwrap();
    let r = remittance(user, &[&pay], 594_000);
    fx.store.save_remittance(&r).unwrap();
    let q = quota(QuotaScope::Collector(user), half_year(2026, 2), 60, 120);
    fx.store.save_quota(&q).unwrap();

    fx.reopen();
    let s = &fx.store;
    assert_eq!(s.get_village(v.id).unwrap(), Some(v));
    assert_eq!(s.get_household(h.id).unwrap(), Some(h));
    assert_eq!(s.get_person(p.id).unwrap(), Some(p));
    assert_eq!(s.get_visit(vis.id).unwrap(), Some(vis));
    assert_eq!(s.get_follow_up(f.id).unwrap(), Some(f));
    assert_eq!(s.get_outreach_event(ev.id).unwrap(), Some(ev));
    assert_eq!(s.get_enrollment(e.id).unwrap(), Some(e));
    assert_eq!(s.get_payment(pay.id).unwrap(), Some(pay));
    assert_eq!(s.get_remittance(r.id).unwrap(), Some(r));
    assert_eq!(s.get_quota(q.id).unwrap(), Some(q));
    assert_eq!(fx.outbox_len(), 10, "one op per record saved");
}

#[test]
fn an_op_carries_only_the_changed_fields_and_an_unchanged_save_writes_none() {
    let fx = Fixture::new();
    let h = household(None, "Trần Văn Bình", "Thôn Tây");
    let first = fx
        .store
        .save_household(&h)
        .unwrap()
        .expect("a new record writes an op");
    assert_eq!(first.fields.len(), 9, "a new record's op has every field");
    assert_eq!(first.user_id, fx.identity.user_id);
    assert_eq!(first.device_id, fx.identity.device_id);
    assert_eq!(
        fx.store.save_household(&h).unwrap(),
        None,
        "nothing changed, no op"
    );
    let edited = Household {
        notes: "Có hai người trong độ tuổi lao động".into(),
        ..h.clone()
    };
    let op = fx
        .store
        .save_household(&edited)
        .unwrap()
        .expect("an edit writes an op");
    assert_eq!(
        op.fields.keys().collect::<Vec<_>>(),
        vec!["notes"],
        "only the changed field travels"
    );
    assert!(op.hlc > first.hlc, "later ops have later clocks");
    assert_eq!(fx.outbox_len(), 2);
    let state = fx
        .store
        .record_state(EntityKind::Household, h.id)
        .unwrap()
        .unwrap();
    assert_eq!(
        state.clocks["notes"], op.hlc,
        "the field clock is the op's clock"
    );
    assert_eq!(state.clocks["head_name"], first.hlc);
}

#[test]
fn delete_is_a_tombstone_and_a_later_save_restores() {
    let fx = Fixture::new();
    let (h, p) = saved_family(&fx, "Lê Thị Mai", 1);
    let op = fx
        .store
        .delete_person(p.id)
        .unwrap()
        .expect("a tombstone op");
    assert!(op.is_delete());
    assert_eq!(op.fields.len(), 1, "a delete carries only the tombstone");
    assert_eq!(
        fx.store.get_person(p.id).unwrap(),
        None,
        "hidden from the app"
    );
    let kept: i64 = fx
        .raw()
        .query_row(
            "SELECT count(*) FROM persons WHERE id = ?1",
            [p.id.as_bytes()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kept, 1, "the row stays: user data is never hard-deleted");
    assert_eq!(
        fx.store.delete_person(p.id).unwrap(),
        None,
        "deleting twice is a no-op"
    );
    assert!(fx.store.persons_in_household(h.id).unwrap().is_empty());
    let back = fx
        .store
        .save_person(&p)
        .unwrap()
        .expect("saving again restores");
    assert_eq!(back.fields.get(DELETED_FIELD), Some(&json!(false)));
    assert_eq!(fx.store.get_person(p.id).unwrap(), Some(p));
    let missing = fx.store.delete_visit(new_id()).unwrap_err();
    assert_eq!(missing.code(), "not_found");
}

#[test]
fn an_invalid_record_is_refused_with_code_and_field_and_nothing_saved_is_touched() {
    let fx = Fixture::new();
    let (_, p) = saved_family(&fx, "Phạm Văn Long", 2);
    let before_ops = fx.outbox_len();
    let blank = Person {
        full_name: "   ".into(),
        ..p.clone()
    };
    let err = fx.store.save_person(&blank).unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert_eq!(err.code(), "required");
    assert_eq!(err.field(), Some("full_name"));
    assert_eq!(
        fx.store.get_person(p.id).unwrap(),
        Some(p),
        "the saved record is untouched"
    );
    assert_eq!(fx.outbox_len(), before_ops, "no op for a refused save");

    let bad_commune = Household {
        commune_code: String::new(),
        ..household(None, "Vũ Văn Nam", "Thôn Bắc")
    };
    let err = fx.store.save_household(&bad_commune).unwrap_err();
    assert_eq!(err.field(), Some("commune_code"));
    assert_eq!(fx.store.get_household(bad_commune.id).unwrap(), None);

    let batch = vec![household(None, "Hồ Văn Sơn", "Thôn Nam"), bad_commune];
    assert!(fx.store.save_batch(&batch).is_err());
    assert_eq!(
        fx.store.get_household(batch[0].id).unwrap(),
        None,
        "a batch with one bad record saves nothing"
    );
    assert_eq!(fx.outbox_len(), before_ops);
}

#[test]
fn records_need_their_parents_and_v7_ids() {
    let fx = Fixture::new();
    let orphan = visit(&household(None, "Không có", "Không có"), fx.user(), now());
    let err = fx.store.save_visit(&orphan).unwrap_err();
    assert_refused(&err, "parent_missing", "household_id");
    let (h, _) = saved_family(&fx, "Bùi Thị Lan", 3);
    let old_style = Visit {
        id: Uuid::from_bytes([1; 16]),
        ..visit(&h, fx.user(), now())
    };
    let err = fx.store.save_visit(&old_style).unwrap_err();
    assert_refused(&err, "id_not_v7", "id");
    assert_eq!(fx.outbox_len(), 2, "only the household and person ops");
}

#[test]
fn a_sign_up_and_its_payments_stay_with_one_person_and_household() {
    let fx = Fixture::new();
    let user = fx.user();
    let (h1, p1) = saved_family(&fx, "Ninh Văn Thái", 70);
    let (h2, _) = saved_family(&fx, "Ninh Thị Hà", 71);
    let wrong_house = Enrollment {
        household_id: h2.id,
        ..enrollment(&p1, user, PaymentMode::Monthly)
    };
    let err = fx.store.save_enrollment(&wrong_house).unwrap_err();
    assert_refused(&err, "record_mismatch", "person_id");
    let e = enrollment(&p1, user, PaymentMode::Monthly);
    fx.store.save_enrollment(&e).unwrap();
    let other = person(&h1, "Ninh Văn Tâm", 72);
    fx.store.save_person(&other).unwrap();
    let m = (date(2026, 11, 1), date(2026, 11, 1));
    let wrong_person = Payment {
        person_id: other.id,
        ..payment(&e, user, m, 198_000, "M1", PaymentMethod::Cash, now())
    };
    let err = fx.store.save_payment(&wrong_person).unwrap_err();
    assert_refused(&err, "record_mismatch", "enrollment_id");
    let f = FollowUp {
        person_id: Some(other.id),
        ..follow_up(&h2, user, date(2026, 11, 30))
    };
    assert_eq!(
        fx.store.save_follow_up(&f).unwrap_err().code(),
        "record_mismatch"
    );
    assert_eq!(
        fx.store.get_enrollment(wrong_house.id).unwrap(),
        None,
        "nothing refused was saved"
    );
    let _ = h1;
}

#[test]
fn a_receipt_number_is_used_once_per_collector() {
    let fx = Fixture::new();
    let user = fx.user();
    let e = saved_signup(&fx, "Ngô Văn Tuấn", 4, user, PaymentMode::Quarterly);
    let months = (date(2026, 10, 1), date(2026, 12, 1));
    // The same quarter with the same receipt number, taken by `collector`.
    let receipt_0001234_by = |collector| {
        payment(
            &e,
            collector,
            months,
            594_000,
            "0001234",
            PaymentMethod::Cash,
            now(),
        )
    };
    let first = receipt_0001234_by(user);
    fx.store.save_payment(&first).unwrap();
    let again = receipt_0001234_by(user);
    let err = fx.store.save_payment(&again).unwrap_err();
    assert_refused(&err, "receipt_duplicate", "receipt_number");
    assert!(err.to_string().contains("0001234"), "{err}");
    let other_collector = receipt_0001234_by(Uuid::now_v7());
    fx.store
        .save_payment(&other_collector)
        .expect("another collector's book has its own numbers");
    let edited = Payment {
        amount: Vnd(600_000),
        ..first.clone()
    };
    fx.store
        .save_payment(&edited)
        .expect("editing a payment keeps its own receipt number");
}

#[test]
fn a_remittance_must_add_up_to_its_own_unremitted_cash() {
    let fx = Fixture::new();
    let user = fx.user();
    let e = saved_signup(&fx, "Đỗ Văn Hải", 5, user, PaymentMode::Monthly);
    let m = (date(2026, 11, 1), date(2026, 11, 1));
    let cash1 = payment(&e, user, m, 198_000, "0000001", PaymentMethod::Cash, now());
    let cash2 = payment(&e, user, m, 330_000, "0000002", PaymentMethod::Cash, now());
    let transfer = payment(
        &e,
        user,
        m,
        198_000,
        "0000003",
        PaymentMethod::Transfer,
        now(),
    );
    for pay in [&cash1, &cash2, &transfer] {
        fx.store.save_payment(pay).unwrap();
    }
    assert_cash_on_hand(&fx, user, Vnd(528_000), "transfers are not cash");

    let wrong_total = remittance(user, &[&cash1, &cash2], 500_000);
    let err = fx.store.save_remittance(&wrong_total).unwrap_err();
    assert_refused(&err, "remittance_total_mismatch", "total");
    let with_transfer = remittance(user, &[&cash1, &transfer], 396_000);
    let err = fx.store.save_remittance(&with_transfer).unwrap_err();
    assert_refused(&err, "remittance_payment_invalid", "payment_ids");
    let someone_elses = remittance(Uuid::now_v7(), &[&cash1], 198_000);
    assert_eq!(
        fx.store.save_remittance(&someone_elses).unwrap_err().code(),
        "remittance_payment_invalid"
    );

    let ok = remittance(user, &[&cash1, &cash2], 528_000);
    fx.store.save_remittance(&ok).unwrap();
    assert_cash_on_hand(&fx, user, Vnd::ZERO, "all cash handed over");
    let twice = remittance(user, &[&cash1], 198_000);
    assert_eq!(
        fx.store.save_remittance(&twice).unwrap_err().code(),
        "remittance_payment_invalid",
        "a payment is remitted once"
    );
    fx.store
        .save_remittance(&ok)
        .expect("re-saving the same remittance is not a double remit");
    fx.store.delete_remittance(ok.id).unwrap();
    assert_cash_on_hand(
        &fx,
        user,
        Vnd(528_000),
        "a deleted remittance gives the cash back to the collector",
    );
}

#[test]
fn a_phone_clock_set_back_still_orders_edits() {
    let fx = Fixture::new();
    let h = household(None, "Dương Văn Việt", "Thôn Trung");
    let first = fx.store.save_household(&h).unwrap().unwrap();
    fx.clock.advance(TimeDelta::days(-3));
    let second = fx
        .store
        .save_household(&Household {
            notes: "sau khi chỉnh giờ".into(),
            ..h
        })
        .unwrap()
        .unwrap();
    assert!(
        second.hlc > first.hlc,
        "the clock never goes back: {second:?} vs {first:?}"
    );
    assert_eq!(
        fx.store.clock().unwrap(),
        second.hlc,
        "the clock is persisted with the write"
    );
}

#[test]
fn a_full_disk_is_reported_and_loses_nothing_already_saved() {
    let fx = Fixture::new();
    let (h, p) = saved_family(&fx, "Tạ Văn Lực", 60);
    let raw = fx.raw();
    let pages: i64 = raw
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    let page_size = sotay_store::encryption::page_size(&raw).unwrap();
    drop(raw);
    fx.store
        .set_size_limit(((pages + 3) * page_size) as u64)
        .unwrap();
    let mut saved = Vec::new();
    let err = loop {
        let v = Visit {
            notes: "Ghi chú dài để lấp đầy bộ nhớ. ".repeat(40),
            ..visit(&h, fx.user(), now())
        };
        match fx.store.save_visit(&v) {
            // Stored normalised: the trailing space of the notes is trimmed.
            Ok(_) => saved.push(v.normalized()),
            Err(err) => break err,
        }
        assert!(saved.len() < 10_000, "the size limit must be reached");
    };
    assert_eq!(err.code(), "disk_full", "{err:?}");
    assert!(err.to_string().contains("Bộ nhớ máy đã đầy"), "{err}");
    assert_eq!(fx.store.integrity_check().unwrap(), "ok");
    assert_eq!(
        fx.store.get_person(p.id).unwrap(),
        Some(p),
        "earlier records are intact"
    );
    for v in &saved {
        assert_eq!(fx.store.get_visit(v.id).unwrap().as_ref(), Some(v));
    }
    assert_eq!(
        fx.outbox_len(),
        2 + saved.len() as u64,
        "every saved record kept its op"
    );
    // Space is freed: saving works again.
    fx.store.set_size_limit(1 << 30).unwrap();
    fx.store
        .save_visit(&visit(&h, fx.user(), now()))
        .expect("saving resumes");
}

#[test]
fn a_store_needs_a_device_and_user() {
    let dir = tempfile::tempdir().unwrap();
    let err = sotay_store::Store::open(
        dir.path().join("x.db"),
        sotay_store::DeviceIdentity {
            device_id: Uuid::nil(),
            user_id: Uuid::now_v7(),
        },
        &test_key(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "identity_missing");
}

#[test]
fn a_person_is_stored_normalised_and_found_by_search() {
    let fx = Fixture::new();
    let h = household(None, "Nguyễn Văn Đức", "Thôn Đông, xã Yên Thế");
    fx.store.save_household(&h).unwrap();
    // Typed with stray spaces, decomposed accents (some iOS keyboards) and an international phone.
    let typed_name: String = "  nguyễn   văn đức ".nfd().collect();
    let typed = Person {
        full_name: typed_name,
        phone: Some("+84 912 345 678".into()),
        ..person(&h, "x", 41)
    };
    let op = fx
        .store
        .save_person(&typed)
        .unwrap()
        .expect("a new person writes an op");
    let stored = fx.store.get_person(typed.id).unwrap().expect("saved");
    assert_eq!(stored.full_name, "nguyễn văn đức");
    assert_eq!(stored.full_name, "nguyễn văn đức".nfc().collect::<String>());
    assert_eq!(stored.phone.as_deref(), Some("0912345678"));
    assert_eq!(
        op.fields["full_name"], "nguyễn văn đức",
        "the op carries the clean value, so the office gets it too"
    );
    assert_eq!(op.fields["phone"], "0912345678");

    // Saving the same messy input again changes nothing, so it writes no op.
    let before = fx.outbox_len();
    assert_eq!(fx.store.save_person(&typed).unwrap(), None);
    assert_eq!(fx.outbox_len(), before);

    for query in ["nguyen van duc", "NGUYỄN  ĐỨC", "091234", "+84912345"] {
        let hits = fx.store.search(query, 10).unwrap();
        assert!(
            hits.iter()
                .any(|hit| hit.person.as_ref().is_some_and(|p| p.id == typed.id)),
            "{query:?} finds the person: {hits:?}"
        );
    }
}

#[test]
fn a_sign_up_for_a_fourteen_year_old_is_refused_and_nothing_is_saved() {
    let fx = Fixture::new();
    let h = household(None, "Lê Thị Mai", "Thôn Tây");
    fx.store.save_household(&h).unwrap();
    // Born 01/06/2011 (ID: 001 Hà Nội, 3 = female 2000s, 11): 14 in January 2026.
    let child = Person {
        full_name: "Lê Thị Ngọc".into(),
        sex: Sex::Female,
        date_of_birth: Some(date(2011, 6, 1)),
        personal_id: Some("001311000042".into()),
        phone: None,
        ..person(&h, "x", 42)
    };
    fx.store.save_person(&child).unwrap();
    let before = fx.outbox_len();
    let e = enrollment(&child, fx.user(), PaymentMode::Monthly);
    assert_eq!(e.first_month, date(2026, 1, 1));
    let err = fx.store.save_enrollment(&e).unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert_refused(&err, "too_young", "first_month");
    assert_eq!(
        fx.store.get_enrollment(e.id).unwrap(),
        None,
        "nothing saved"
    );
    assert_eq!(fx.outbox_len(), before, "no op for a refused sign-up");

    // From the month she turns 15 the same sign-up is accepted.
    let later = Enrollment {
        first_month: date(2026, 7, 1),
        ..e.clone()
    };
    fx.store.save_enrollment(&later).unwrap();
    assert_eq!(fx.store.get_enrollment(e.id).unwrap(), Some(later));
}

#[test]
fn a_sign_up_needs_its_person_on_the_device() {
    let fx = Fixture::new();
    let (h, p) = saved_family(&fx, "Đỗ Văn Hải", 43);
    fx.store.delete_person(p.id).unwrap();
    let e = enrollment(
        &Person {
            household_id: h.id,
            ..p
        },
        fx.user(),
        PaymentMode::Monthly,
    );
    let err = fx.store.save_enrollment(&e).unwrap_err();
    assert_refused(&err, "parent_missing", "person_id");
    assert_eq!(fx.store.get_enrollment(e.id).unwrap(), None);
}

/// A record's place is a pair: its village must be one of its commune's villages on the device
/// (the office refuses the same pair; saying it at save time tells the user at once).
#[test]
fn a_record_names_a_village_of_its_own_commune() {
    let fx = Fixture::new();
    let own = village("Thôn Đông");
    let elsewhere = Village {
        commune_code: "00376".into(),
        ..village("Thôn Đoài")
    };
    fx.store.save_village(&own).unwrap();
    fx.store.save_village(&elsewhere).unwrap();
    let outbox = fx.outbox_len();
    for (why, village_id) in [
        ("a village of another commune", elsewhere.id),
        ("a village the device does not have", Uuid::now_v7()),
    ] {
        let err = fx
            .store
            .save_household(&household(Some(village_id), "Hoàng Thị Nhầm", "Thôn Đoài"))
            .expect_err(why);
        assert_eq!(err.code().as_str(), "village_mismatch", "{why}");
        assert_eq!(err.field(), Some("village_id"), "{why}");
    }
    assert_eq!(
        fx.outbox_len(),
        outbox,
        "nothing refused reaches the outbox"
    );
    let h = household(Some(own.id), "Hoàng Thị Đúng", "Thôn Đông");
    fx.store.save_household(&h).unwrap();
    // Moving a saved household to another commune's village is refused the same way.
    let moved = Household {
        village_id: Some(elsewhere.id),
        ..h.clone()
    };
    assert_eq!(
        fx.store.save_household(&moved).unwrap_err().code(),
        "village_mismatch"
    );
    assert_eq!(fx.store.get_household(h.id).unwrap(), Some(h));
}

/// Money is bounded by the policy in use: an amount no payment for its months can reach, or an
/// income outside floor and ceiling, is refused with its field and nothing saved is touched.
#[test]
fn money_beyond_the_policy_bounds_is_refused_at_save() {
    let fx = Fixture::new();
    let e = saved_signup(&fx, "Vi Văn Giàu", 11, fx.user(), PaymentMode::Quarterly);
    let big = payment(
        &e,
        fx.user(),
        (date(2026, 1, 1), date(2026, 3, 1)),
        i64::MAX,
        "0009999",
        PaymentMethod::Cash,
        now(),
    );
    let err = fx.store.save_payment(&big).unwrap_err();
    assert_refused(&err, "out_of_range", "amount");
    let rich = Enrollment {
        monthly_income: Vnd(51_000_000),
        ..e.clone()
    };
    let err = fx.store.save_enrollment(&rich).unwrap_err();
    assert_refused(&err, "income_above_ceiling", "monthly_income");
    assert_eq!(fx.store.get_enrollment(e.id).unwrap(), Some(e));
    assert!(fx.store.get_payment(big.id).unwrap().is_none());
}

/// Asserts the cash `user` holds, both as the list's total and as the sum alone: the two must
/// agree.
#[track_caller]
fn assert_cash_on_hand(fx: &Fixture, user: Uuid, expected: Vnd, why: &str) {
    assert_eq!(
        fx.store.cash_on_hand(user).unwrap().total,
        expected,
        "{why}"
    );
    assert_eq!(
        fx.store.cash_on_hand_total(user).unwrap(),
        expected,
        "the sum alone is the same: {why}"
    );
}
