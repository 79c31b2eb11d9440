//! The receipt check code of a saved payment, made on the device, offline, with the receipt key
//! the office gave this device at enrolment (`EnrollResponse::receipt_key`, kept in `meta`).
//! The participant checks it on the office's public page (`/tra-cuu`); another device, lacking
//! this key, cannot make a code that verifies (see `sotay_receipt`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::queries::CREATION_CLOCK_SQL;
use crate::store::Store;

const RECEIPT_KEY: &str = "receipt_key";

/// What the receipt screen shows for a payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptCheck {
    /// The receipt number, as printed.
    pub receipt_number: String,
    /// The check code, `XXXX-XXXX`.
    pub code: String,
    /// The query of the office's receipt page for this receipt (`so=…&ma=…`), for a QR code:
    /// `{office}/tra-cuu?{query}`.
    pub query: String,
}

impl Store {
    /// Keeps the receipt key the office returned at enrolment (base64url of 32 random bytes).
    /// The app calls this right after `sotay_sync::client::enroll` succeeds, when the response
    /// carries a key.
    pub fn set_receipt_key(&self, key: &str) -> Result<()> {
        let decoded = URL_SAFE_NO_PAD.decode(key.trim()).unwrap_or_default();
        if decoded.len() < sotay_receipt::MIN_KEY_BYTES {
            return Err(StoreError::rule(
                "receipt_key_invalid",
                "receipt_key",
                "Khoá biên lai cơ quan gửi không hợp lệ. Hãy kích hoạt lại thiết bị.",
            ));
        }
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![RECEIPT_KEY, key.trim()],
        )?;
        Ok(())
    }

    /// The check code of a saved payment, for its receipt screen and printed receipt.
    ///
    /// Errors: `receipt_key_missing` when the device enrolled before receipt keys existed (it
    /// must enrol again to print codes), `not_found` when no such payment is saved,
    /// `receipt_other_device` when another device recorded it (only that device's key makes a
    /// code the office accepts).
    pub fn receipt_check_code(&self, payment_id: Uuid) -> Result<ReceiptCheck> {
        let key = self
            .meta(RECEIPT_KEY)?
            .and_then(|k| URL_SAFE_NO_PAD.decode(k).ok())
            .ok_or_else(|| {
                StoreError::rule(
                    "receipt_key_missing",
                    "receipt_key",
                    "Máy này chưa có khoá biên lai (kích hoạt trước khi có mã kiểm tra). Hãy \
                     kích hoạt lại thiết bị để in mã kiểm tra trên biên lai.",
                )
            })?;
        let payment: sotay_domain::Payment = self.get(payment_id)?.ok_or_else(|| {
            StoreError::rule(
                "not_found",
                "payment_id",
                "Không tìm thấy khoản thu này trên máy.",
            )
        })?;
        // The office checks a code with the key of the device that recorded the payment: a
        // payment that came by sync from another device (a colleague's, or this user's old
        // phone) cannot get a code from this one.
        let created_by: Option<String> = self
            .conn
            .query_row(
                &format!("SELECT {CREATION_CLOCK_SQL} FROM payments WHERE id = ?1"),
                [payment_id.as_bytes()],
                |row| row.get(0),
            )
            .optional()?
            .flatten();
        let here = self.identity().device_id;
        if created_by
            .and_then(|clock| clock.parse::<sotay_domain::Hlc>().ok())
            .is_some_and(|clock| clock.node != here)
        {
            return Err(StoreError::rule(
                "receipt_other_device",
                "payment_id",
                "Khoản thu này được ghi trên máy khác: mã kiểm tra in trên biên lai của máy đó.",
            ));
        }
        let collected_on = payment
            .collected_at
            .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
            .date_naive();
        let code = sotay_receipt::check_code(
            &key,
            &sotay_receipt::ReceiptFields {
                receipt_number: &payment.receipt_number,
                amount: payment.amount.0,
                collected_on,
            },
        )
        .map_err(|e| StoreError::rule(e.code(), "receipt_key", e.to_string()))?;
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("so", &payment.receipt_number)
            .append_pair("ma", &code)
            .finish();
        Ok(ReceiptCheck {
            receipt_number: payment.receipt_number,
            code,
            query,
        })
    }
}
