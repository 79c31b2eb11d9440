//! The PIN lock. The app asks for the PIN at start and after the phone sat idle, so a phone left
//! on a table in the commune office does not show villagers' ID numbers and incomes.
//!
//! The PIN is never stored. Argon2id (memory-hard, so guessing 10,000 four-digit PINs on a stolen
//! file costs real time) turns the PIN and a random salt into a 32-byte key; the app keeps only
//! the salt, the parameters and a *verifier* — SHA-256 of a fixed label and the key. The key
//! itself is never written anywhere, which is what lets the lost-phone work (issue 13) use the
//! same derivation to wrap the database key: `PinRecord::derive_key` gives the key-encryption
//! key, and changing the PIN re-wraps instead of re-encrypting.
//!
//! Parameters: 19 MiB of memory, 2 passes, 1 lane (the OWASP minimum for Argon2id); about a
//! quarter of a second on a cheap phone. They are stored with the record, so raising them later
//! keeps old records readable.

use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::DeviceError;

/// The label mixed into the verifier, so the stored value is never the key itself.
const VERIFIER_LABEL: &[u8] = b"sotay pin verifier v1";

/// Default Argon2id memory, KiB.
pub const DEFAULT_M_COST_KIB: u32 = 19 * 1024;
/// Default Argon2id passes.
pub const DEFAULT_T_COST: u32 = 2;
/// Default Argon2id lanes.
pub const DEFAULT_P_COST: u32 = 1;

/// Refuses a PIN that is not 4 to 8 ASCII digits.
pub fn check_pin_format(pin: &str) -> Result<(), DeviceError> {
    if (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(DeviceError::PinFormat)
    }
}

/// What is kept of a PIN: salt, Argon2id parameters, verifier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinRecord {
    /// Random salt, base64.
    pub salt: String,
    /// Argon2id memory in KiB.
    pub m_cost_kib: u32,
    /// Argon2id passes.
    pub t_cost: u32,
    /// Argon2id lanes.
    pub p_cost: u32,
    /// SHA-256(label ‖ key), base64.
    pub verifier: String,
}

impl PinRecord {
    /// A record for a new PIN with the default parameters.
    pub fn create(pin: &str) -> Result<PinRecord, DeviceError> {
        PinRecord::create_with(pin, DEFAULT_M_COST_KIB, DEFAULT_T_COST, DEFAULT_P_COST)
    }

    /// A record for a new PIN with the given parameters.
    pub fn create_with(
        pin: &str,
        m_cost_kib: u32,
        t_cost: u32,
        p_cost: u32,
    ) -> Result<PinRecord, DeviceError> {
        check_pin_format(pin)?;
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let mut record = PinRecord {
            salt: BASE64.encode(salt),
            m_cost_kib,
            t_cost,
            p_cost,
            verifier: String::new(),
        };
        let key = record.derive_key(pin)?;
        record.verifier = BASE64.encode(verifier_of(&key));
        Ok(record)
    }

    /// The 32-byte key Argon2id derives from `pin` with this record's salt and parameters. It
    /// is never stored; the lost-phone work wraps the database key with it.
    pub fn derive_key(&self, pin: &str) -> Result<[u8; 32], DeviceError> {
        let salt = BASE64
            .decode(&self.salt)
            .map_err(|e| DeviceError::PinHash(e.to_string()))?;
        let params = Params::new(self.m_cost_kib, self.t_cost, self.p_cost, Some(32))
            .map_err(|e| DeviceError::PinHash(e.to_string()))?;
        let mut key = [0u8; 32];
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(pin.as_bytes(), &salt, &mut key)
            .map_err(|e| DeviceError::PinHash(e.to_string()))?;
        Ok(key)
    }

    /// Whether `pin` is this PIN (compared in constant time).
    pub fn verify(&self, pin: &str) -> Result<bool, DeviceError> {
        if check_pin_format(pin).is_err() {
            return Ok(false);
        }
        let expected = BASE64
            .decode(&self.verifier)
            .map_err(|e| DeviceError::PinHash(e.to_string()))?;
        let key = self.derive_key(pin)?;
        Ok(bool::from(verifier_of(&key).as_slice().ct_eq(&expected)))
    }
}

fn verifier_of(key: &[u8; 32]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(VERIFIER_LABEL);
    hasher.update(key);
    hasher.finalize().into()
}

/// Wrong attempts in a row, and the wait they impose: 5 free attempts, then 30 seconds,
/// doubling with each further wrong PIN up to 15 minutes. Kept in memory: restarting the app
/// costs a thief more than waiting.
#[derive(Clone, Debug, Default)]
pub struct PinAttempts {
    wrong: u32,
    locked_until: Option<Instant>,
}

/// Free attempts before a wait.
pub const FREE_ATTEMPTS: u32 = 5;

impl PinAttempts {
    /// Refuses an attempt during a wait.
    pub fn check(&self, now: Instant) -> Result<(), DeviceError> {
        match self.locked_until {
            Some(until) if until > now => Err(DeviceError::PinLockedOut {
                seconds: (until - now).as_secs().max(1),
            }),
            _ => Ok(()),
        }
    }

    /// Records a wrong PIN; returns the error to show.
    pub fn wrong(&mut self, now: Instant) -> DeviceError {
        self.wrong += 1;
        if self.wrong < FREE_ATTEMPTS {
            return DeviceError::PinWrong {
                remaining: FREE_ATTEMPTS - self.wrong,
            };
        }
        let doublings = (self.wrong - FREE_ATTEMPTS).min(5);
        let wait = Duration::from_secs(30 * (1u64 << doublings)).min(Duration::from_secs(900));
        self.locked_until = Some(now + wait);
        DeviceError::PinLockedOut {
            seconds: wait.as_secs(),
        }
    }

    /// Forgets wrong attempts after a right PIN.
    pub fn right(&mut self) {
        *self = PinAttempts::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small parameters: the tests check the logic, not the cost.
    fn record(pin: &str) -> PinRecord {
        PinRecord::create_with(pin, 64, 1, 1).expect("create")
    }

    #[test]
    fn the_right_pin_opens_and_others_do_not() {
        let rec = record("2468");
        assert!(rec.verify("2468").expect("verify"));
        for wrong in ["2469", "1234", "24680", "", "abcd", "２４６８"] {
            assert!(
                !rec.verify(wrong).expect("verify"),
                "{wrong:?} must not open"
            );
        }
    }

    #[test]
    fn nothing_stored_reveals_the_pin_or_the_key() {
        let rec = record("2468");
        let stored = serde_json::to_string(&rec).expect("json");
        let key = rec.derive_key("2468").expect("key");
        assert!(!stored.contains("2468"), "{stored}");
        assert!(
            !stored.contains(&BASE64.encode(key)),
            "the key itself is never stored, only its verifier"
        );
        let again = record("2468");
        assert_ne!(rec.salt, again.salt, "every record has its own salt");
        assert_ne!(
            again.derive_key("2468").expect("key"),
            key,
            "so the same PIN gives another key"
        );
        assert_eq!(
            rec.derive_key("2468").expect("key"),
            key,
            "the key is the same for the same record and PIN (it can wrap a database key)"
        );
    }

    #[test]
    fn the_default_parameters_are_argon2id_at_the_owasp_minimum() {
        let rec = PinRecord::create("8642").expect("create");
        assert_eq!((rec.m_cost_kib, rec.t_cost, rec.p_cost), (19 * 1024, 2, 1));
        assert!(rec.verify("8642").expect("verify"));
    }

    #[test]
    fn a_pin_must_be_four_to_eight_digits() {
        for ok in ["0000", "12345678"] {
            check_pin_format(ok).expect(ok);
        }
        for bad in ["123", "123456789", "12a4", " 1234", "١٢٣٤"] {
            assert_eq!(check_pin_format(bad).expect_err(bad).code(), "pin_format");
        }
    }

    #[test]
    fn wrong_pins_cost_growing_waits_and_a_right_one_resets() {
        let start = Instant::now();
        let mut attempts = PinAttempts::default();
        for left in (1..FREE_ATTEMPTS).rev() {
            attempts.check(start).expect("free attempt");
            match attempts.wrong(start) {
                DeviceError::PinWrong { remaining } => assert_eq!(remaining, left),
                other => panic!("expected pin_wrong, got {other:?}"),
            }
        }
        let err = attempts.wrong(start);
        assert!(
            matches!(err, DeviceError::PinLockedOut { seconds: 30 }),
            "{err:?}"
        );
        assert_eq!(
            attempts
                .check(start + Duration::from_secs(10))
                .expect_err("waiting")
                .code(),
            "pin_locked_out"
        );
        attempts
            .check(start + Duration::from_secs(31))
            .expect("the wait is over");
        assert!(matches!(
            attempts.wrong(start + Duration::from_secs(31)),
            DeviceError::PinLockedOut { seconds: 60 }
        ));
        attempts.right();
        attempts
            .check(start)
            .expect("a right PIN forgets the wrong ones");
    }
}
