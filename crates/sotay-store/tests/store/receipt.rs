//! The receipt check code a device makes for a saved payment, with the key from enrolment.

use crate::common::*;
use base64::Engine;
use sotay_domain::*;
use sotay_store::StoreError;

/// Đặng Thị Hương, signed up in Thôn Đông on `fx`'s store: the user and the sign-up.
fn signed_up(fx: &Fixture) -> (uuid::Uuid, Enrollment) {
    let user = fx.user();
    let v = village("Thôn Đông");
    fx.store.save_village(&v).unwrap();
    let h = household(Some(v.id), "Đặng Thị Hương", "Số 5 Thôn Đông");
    fx.store.save_household(&h).unwrap();
    let p = person(&h, "Đặng Thị Hương", 7);
    fx.store.save_person(&p).unwrap();
    let e = enrollment(&p, user, PaymentMode::Quarterly);
    fx.store.save_enrollment(&e).unwrap();
    (user, e)
}

#[test]
fn a_saved_payment_gets_a_code_the_office_verifies_with_the_devices_key() {
    let fx = Fixture::new();
    let (user, e) = signed_up(&fx);
    let pay = first_quarter_cash(&e, user, "BL/0012");
    fx.store.save_payment(&pay).unwrap();

    let missing = fx.store.receipt_check_code(pay.id).unwrap_err();
    assert_eq!(missing.code(), "receipt_key_missing", "{missing}");
    assert!(
        matches!(
            fx.store.set_receipt_key("short"),
            Err(StoreError::Rule { .. })
        ),
        "a key that is not 32 bytes of base64url is refused"
    );

    let key = [7u8; 32];
    let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key);
    fx.store.set_receipt_key(&encoded).unwrap();
    let check = fx.store.receipt_check_code(pay.id).unwrap();
    assert_eq!(check.receipt_number, "BL/0012");
    let fields = sotay_receipt::ReceiptFields {
        receipt_number: "BL/0012",
        amount: 594_000,
        collected_on: date(2026, 11, 23),
    };
    assert!(
        sotay_receipt::verify(&key, &fields, &check.code).unwrap(),
        "the office verifies the code with the same key"
    );
    assert!(
        !sotay_receipt::verify(&[8u8; 32], &fields, &check.code).unwrap(),
        "another device's key does not verify it"
    );
    assert_eq!(
        check.query,
        format!("so=BL%2F0012&ma={}", check.code),
        "the QR query is URL-escaped"
    );
}

#[test]
fn a_payment_another_device_recorded_gets_no_code_from_this_one() {
    let fx = Fixture::new();
    let (user, e) = signed_up(&fx);
    let key = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([7u8; 32]);
    fx.store.set_receipt_key(&key).unwrap();
    // A colleague's phone recorded it; this one pulled it.
    let theirs = first_quarter_cash(&e, user, "BL/0013");
    let serde_json::Value::Object(fields) = serde_json::to_value(&theirs).unwrap() else {
        panic!("a payment serializes to an object")
    };
    let other_phone = Hlc {
        wall_ms: 1_764_000_000_000,
        counter: 0,
        node: uuid::Uuid::now_v7(),
    };
    let state = sotay_domain::merge::RecordState {
        clocks: fields.keys().map(|k| (k.clone(), other_phone)).collect(),
        fields,
    };
    fx.store
        .apply_remote(
            &[sotay_store::RemoteChange {
                entity: EntityKind::Payment,
                entity_id: theirs.id,
                state,
            }],
            "1",
        )
        .unwrap();
    let err = fx.store.receipt_check_code(theirs.id).unwrap_err();
    assert_eq!(err.code(), "receipt_other_device", "{err}");
    // One recorded here still gets its code.
    let mine = first_quarter_cash(&e, user, "BL/0014");
    fx.store.save_payment(&mine).unwrap();
    assert!(fx.store.receipt_check_code(mine.id).is_ok());
}
