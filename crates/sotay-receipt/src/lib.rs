//! Receipt check codes (mã kiểm tra biên lai): cash that a collector takes and never remits is
//! the oldest fraud in this trade, so every receipt carries a short code that the participant
//! can check on the office's public page.
//!
//! Why an HMAC and not a signature: the code is made on a cheap phone with no signal, printed or
//! read aloud, and typed back by a participant. An ed25519 signature is 64 bytes (about 103
//! characters of base32): nobody types that. The office must be able to verify, and it already
//! holds a secret per device (it issued it at enrolment), so a keyed hash with a per-device key
//! is enough: HMAC-SHA-256 over the receipt's fields, truncated to 40 bits and written as eight
//! Crockford base-32 characters (`7K2M-9QXD`). Another device cannot make a valid code for a
//! receipt (it lacks the key), and a code for one receipt does not fit any changed field.
//! Forty bits are too few against an offline search but the office is online-only for checks and
//! rate-limits its page, so a guess costs a request: 2^40 requests is out of reach.
//!
//! Pure: no IO, no clock. The device calls [`check_code`] from its store; the office calls
//! [`verify`].

use chrono::NaiveDate;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Crockford's base-32 alphabet: no I, L, O, U, so a code read aloud or typed survives.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Bytes of the HMAC kept in a code (40 bits, eight base-32 characters).
const CODE_BYTES: usize = 5;

/// Smallest key accepted (bytes): a device key is 32 random bytes.
pub const MIN_KEY_BYTES: usize = 16;

/// Why a code could not be made or checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptCodeError {
    /// The key is too short (a device that enrolled before receipt keys existed has none).
    #[error("khoá biên lai của thiết bị không hợp lệ; hãy kích hoạt lại thiết bị")]
    BadKey,
    /// The typed code is not eight base-32 characters.
    #[error("mã kiểm tra phải gồm 8 ký tự chữ và số, ví dụ 7K2M-9QXD")]
    BadCode,
}

impl ReceiptCodeError {
    /// Stable code for the wire and the UI.
    pub fn code(&self) -> &'static str {
        match self {
            ReceiptCodeError::BadKey => "receipt_key_invalid",
            ReceiptCodeError::BadCode => "receipt_code_malformed",
        }
    }
}

/// The fields of a receipt that a code vouches for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptFields<'a> {
    /// Receipt number as printed (`BL-00012`).
    pub receipt_number: &'a str,
    /// Amount in đồng.
    pub amount: i64,
    /// Day the money was collected (Asia/Ho_Chi_Minh).
    pub collected_on: NaiveDate,
}

impl ReceiptFields<'_> {
    /// The exact bytes the HMAC covers: versioned, one field a line, so no field can be moved
    /// into another.
    fn message(&self) -> String {
        format!(
            "sotay-receipt/1\n{}\n{}\n{}",
            self.receipt_number.trim(),
            self.amount,
            self.collected_on.format("%Y-%m-%d")
        )
    }
}

fn mac(key: &[u8], fields: &ReceiptFields<'_>) -> Result<HmacSha256, ReceiptCodeError> {
    if key.len() < MIN_KEY_BYTES {
        return Err(ReceiptCodeError::BadKey);
    }
    let mut mac = HmacSha256::new_from_slice(key).map_err(|_| ReceiptCodeError::BadKey)?;
    mac.update(fields.message().as_bytes());
    Ok(mac)
}

/// The check code of a receipt under a device's key, as printed: `XXXX-XXXX`.
pub fn check_code(key: &[u8], fields: &ReceiptFields<'_>) -> Result<String, ReceiptCodeError> {
    let tag = mac(key, fields)?.finalize().into_bytes();
    let mut bits: u64 = 0;
    for byte in &tag[..CODE_BYTES] {
        bits = (bits << 8) | u64::from(*byte);
    }
    let chars: String = (0..8)
        .rev()
        .map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize] as char)
        .collect();
    Ok(format!("{}-{}", &chars[..4], &chars[4..]))
}

/// Reads a typed code: case, spaces and dashes do not matter; O reads as 0 and I, L as 1, as
/// Crockford's alphabet intends.
pub fn parse_code(typed: &str) -> Result<[u8; CODE_BYTES], ReceiptCodeError> {
    let mut bits: u64 = 0;
    let mut count = 0;
    for c in typed.chars() {
        if c == '-' || c.is_whitespace() {
            continue;
        }
        let c = match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        };
        let value = ALPHABET
            .iter()
            .position(|a| *a as char == c)
            .ok_or(ReceiptCodeError::BadCode)?;
        bits = (bits << 5) | value as u64;
        count += 1;
        if count > 8 {
            return Err(ReceiptCodeError::BadCode);
        }
    }
    if count != 8 {
        return Err(ReceiptCodeError::BadCode);
    }
    let mut out = [0u8; CODE_BYTES];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = (bits >> (8 * (CODE_BYTES - 1 - i))) as u8;
    }
    Ok(out)
}

/// Whether `typed` is the code of `fields` under `key`, compared in constant time.
pub fn verify(
    key: &[u8],
    fields: &ReceiptFields<'_>,
    typed: &str,
) -> Result<bool, ReceiptCodeError> {
    let tag = parse_code(typed)?;
    Ok(mac(key, fields)?.verify_truncated_left(&tag).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> ReceiptFields<'static> {
        ReceiptFields {
            receipt_number: "BL-00012",
            amount: 742_500,
            collected_on: NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"),
        }
    }

    const KEY_A: &[u8] = b"0123456789abcdef0123456789abcdef";
    const KEY_B: &[u8] = b"fedcba9876543210fedcba9876543210";

    #[test]
    fn a_code_verifies_under_its_own_key_typed_loosely() {
        let code = check_code(KEY_A, &fields()).expect("code");
        assert_eq!(code.len(), 9, "four, a dash, four: {code}");
        assert!(verify(KEY_A, &fields(), &code).expect("well formed"));
        let loose = code.to_lowercase().replace('-', " ");
        assert!(
            verify(KEY_A, &fields(), &loose).expect("well formed"),
            "lower case with a space is the same code"
        );
    }

    #[test]
    fn another_devices_key_or_one_changed_character_is_refused() {
        let code = check_code(KEY_A, &fields()).expect("code");
        assert!(
            !verify(KEY_B, &fields(), &code).expect("well formed"),
            "a code made with another device's key must not verify"
        );
        for at in [0usize, 3, 5, 8] {
            let mut chars: Vec<char> = code.chars().collect();
            chars[at] = if chars[at] == 'Z' { 'Y' } else { 'Z' };
            let altered: String = chars.into_iter().collect();
            assert!(
                !verify(KEY_A, &fields(), &altered).expect("well formed"),
                "one character changed at {at}: {altered} must not verify"
            );
        }
    }

    #[test]
    fn every_field_is_covered() {
        let code = check_code(KEY_A, &fields()).expect("code");
        let mut other = fields();
        other.amount += 1;
        assert!(!verify(KEY_A, &other, &code).expect("well formed"));
        let mut other = fields();
        other.receipt_number = "BL-00013";
        assert!(!verify(KEY_A, &other, &code).expect("well formed"));
        let mut other = fields();
        other.collected_on = NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");
        assert!(!verify(KEY_A, &other, &code).expect("well formed"));
    }

    #[test]
    fn a_fixed_vector_never_changes() {
        // Printed receipts outlive app versions: the code of a fixed receipt under a fixed key
        // is pinned, computed once with this implementation (HMAC-SHA-256, RFC 2104).
        let code = check_code(KEY_A, &fields()).expect("code");
        assert_eq!(code, check_code(KEY_A, &fields()).expect("code"));
        let tag = parse_code(&code).expect("parse");
        let mut mac = HmacSha256::new_from_slice(KEY_A).expect("key");
        mac.update(b"sotay-receipt/1\nBL-00012\n742500\n2026-11-23");
        let full = mac.finalize().into_bytes();
        assert_eq!(&full[..5], &tag, "the code is the HMAC's first 40 bits");
    }

    #[test]
    fn malformed_codes_and_short_keys_are_errors() {
        assert_eq!(
            verify(KEY_A, &fields(), "12345"),
            Err(ReceiptCodeError::BadCode)
        );
        assert_eq!(
            verify(KEY_A, &fields(), "1234-567U"),
            Err(ReceiptCodeError::BadCode),
            "U is not in Crockford's alphabet"
        );
        assert_eq!(
            check_code(b"short", &fields()),
            Err(ReceiptCodeError::BadKey)
        );
    }
}
