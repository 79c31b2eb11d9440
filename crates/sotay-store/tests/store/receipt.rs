//! The receipt check code a device makes for a saved payment, with the key from enrolment.

use crate::common::*;
use base64::Engine;
use sotay_domain::*;
use sotay_store::StoreError;

#[test]
fn a_saved_payment_gets_a_code_the_office_verifies_with_the_devices_key() {
    let fx = Fixture::new();
    let user = fx.user();
    let v = village("Thôn Đông");
    fx.store.save_village(&v).unwrap();
    let h = household(Some(v.id), "Đặng Thị Hương", "Số 5 Thôn Đông");
    fx.store.save_household(&h).unwrap();
    let p = person(&h, "Đặng Thị Hương", 7);
    fx.store.save_person(&p).unwrap();
    let e = enrollment(&p, user, PaymentMode::Quarterly);
    fx.store.save_enrollment(&e).unwrap();
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
