//! The PIN lock. The app asks for the PIN at start and after the phone sat idle, so a phone left
//! on a table in the commune office does not show villagers' ID numbers and incomes; and the PIN
//! is what unlocks the database key ([`crate::store_key`]), so a stolen phone's files are
//! unreadable without it.
//!
//! The PIN is never stored. Argon2id (memory-hard, so guessing 10,000 four-digit PINs on a stolen
//! file costs real time) turns the PIN and a random salt into 32 bytes; from those one run gives
//! two keys by hashing with distinct labels: a *verifier* (SHA-256 of a fixed label and the
//! bytes, stored, so a wrong PIN is told apart from a damaged key file) and the *key-encryption
//! key* (SHA-256 of another label and the bytes, never stored) that wraps the database key.
//! Changing the PIN re-wraps the key; the database is never re-encrypted.
//!
//! Parameters: 19 MiB of memory, 2 passes, 1 lane (the OWASP minimum for Argon2id): 24 ms on a
//! server core (`docs/benchmarks.md`), an estimated quarter of a second on a cheap phone. They
//! are stored with the record, so raising them later keeps old records readable. Against a copy
//! of the files a 4–6 digit PIN only buys hours; the platform keystore ([`crate::keystore`]) is
//! what would close that.

use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::DeviceError;

/// The label mixed into the verifier, so the stored value is never the key itself.
const VERIFIER_LABEL: &[u8] = b"sotay pin verifier v1";
/// The label of the key-encryption key: another hash of the same Argon2id output, so knowing the
/// verifier tells nothing about it.
const KEK_LABEL: &[u8] = b"sotay pin key-encryption key v1";

/// Default Argon2id memory, KiB.
pub const DEFAULT_M_COST_KIB: u32 = 19 * 1024;
/// Default Argon2id passes.
pub const DEFAULT_T_COST: u32 = 2;
/// Default Argon2id lanes.
pub const DEFAULT_P_COST: u32 = 1;

/// What one Argon2id run costs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PinCost {
    /// Memory in KiB.
    pub m_cost_kib: u32,
    /// Passes.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
}

impl PinCost {
    /// What a cheap phone affords: 19 MiB, 2 passes, 1 lane.
    pub const DEFAULT: PinCost = PinCost {
        m_cost_kib: DEFAULT_M_COST_KIB,
        t_cost: DEFAULT_T_COST,
        p_cost: DEFAULT_P_COST,
    };

    /// Small parameters for unit tests, which check the logic, not the cost.
    #[cfg(test)]
    pub(crate) const CHEAP: PinCost = PinCost {
        m_cost_kib: 64,
        t_cost: 1,
        p_cost: 1,
    };
}

/// The key that wraps the database key, derived from the PIN; cleared from memory when dropped.
pub type KeyEncryptionKey = Zeroizing<[u8; 32]>;

/// Refuses a new PIN that is not 4 to 6 ASCII digits: short enough to type with a thumb on the
/// numeric keypad and to remember, long enough that the Argon2id cost and the lock-out make
/// guessing slow.
pub fn check_pin_format(pin: &str) -> Result<(), DeviceError> {
    if (4..=6).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(DeviceError::PinFormat)
    }
}

/// Whether `pin` could be a PIN of this app or of an earlier version (which took 4 to 8 digits):
/// anything else is wrong without running Argon2id.
fn could_be_pin(pin: &str) -> bool {
    (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

/// What is kept of a PIN: salt, Argon2id parameters, verifier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinRecord {
    /// Random salt, base64.
    pub salt: String,
    /// Argon2id memory in KiB.
    pub m_cost_kib: u32,
    /// Argon2id passes.
    pub t_cost: u32,
    /// Argon2id lanes.
    pub p_cost: u32,
    /// SHA-256(label ‖ Argon2id output), base64.
    pub verifier: String,
}

impl PinRecord {
    /// A record for a new PIN with the default parameters, and its key-encryption key.
    pub fn create(pin: &str) -> Result<(PinRecord, KeyEncryptionKey), DeviceError> {
        PinRecord::create_with(pin, PinCost::DEFAULT)
    }

    /// A record for a new PIN with the given cost, and its key-encryption key (one Argon2id
    /// run).
    pub fn create_with(
        pin: &str,
        cost: PinCost,
    ) -> Result<(PinRecord, KeyEncryptionKey), DeviceError> {
        check_pin_format(pin)?;
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let mut record = PinRecord {
            salt: BASE64.encode(salt),
            m_cost_kib: cost.m_cost_kib,
            t_cost: cost.t_cost,
            p_cost: cost.p_cost,
            verifier: String::new(),
        };
        let stretched = record.stretch(pin)?;
        record.verifier = BASE64.encode(label_hash(VERIFIER_LABEL, &stretched));
        Ok((record, Zeroizing::new(label_hash(KEK_LABEL, &stretched))))
    }

    /// Whether the record is well formed: a 16-byte salt, a 32-byte verifier, parameters
    /// Argon2id accepts. A record that is not is a damaged file, not a wrong PIN.
    pub fn check_shape(&self) -> Result<(), String> {
        let salt = BASE64
            .decode(&self.salt)
            .map_err(|e| format!("salt: {e}"))?;
        if salt.len() < 8 {
            return Err("salt too short".into());
        }
        let verifier = BASE64
            .decode(&self.verifier)
            .map_err(|e| format!("verifier: {e}"))?;
        if verifier.len() != 32 {
            return Err("verifier is not 32 bytes".into());
        }
        Params::new(self.m_cost_kib, self.t_cost, self.p_cost, Some(32))
            .map_err(|e| format!("Argon2id parameters: {e}"))?;
        Ok(())
    }

    /// The 32 bytes Argon2id makes of `pin` with this record's salt and parameters (never
    /// stored; the verifier and the key-encryption key are hashes of them).
    fn stretch(&self, pin: &str) -> Result<Zeroizing<[u8; 32]>, DeviceError> {
        let salt = BASE64
            .decode(&self.salt)
            .map_err(|e| DeviceError::PinHash(e.to_string()))?;
        let params = Params::new(self.m_cost_kib, self.t_cost, self.p_cost, Some(32))
            .map_err(|e| DeviceError::PinHash(e.to_string()))?;
        let mut out = Zeroizing::new([0u8; 32]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(pin.as_bytes(), &salt, out.as_mut())
            .map_err(|e| DeviceError::PinHash(e.to_string()))?;
        Ok(out)
    }

    /// Checks `pin` (the verifier compared in constant time) and, when it is this PIN, gives the
    /// key-encryption key — one Argon2id run for both.
    pub fn open(&self, pin: &str) -> Result<Option<KeyEncryptionKey>, DeviceError> {
        if !could_be_pin(pin) {
            return Ok(None);
        }
        let expected = BASE64
            .decode(&self.verifier)
            .map_err(|e| DeviceError::PinHash(e.to_string()))?;
        let stretched = self.stretch(pin)?;
        let right = bool::from(
            label_hash(VERIFIER_LABEL, &stretched)
                .as_slice()
                .ct_eq(&expected),
        );
        Ok(right.then(|| Zeroizing::new(label_hash(KEK_LABEL, &stretched))))
    }

    /// Whether `pin` is this PIN.
    pub fn verify(&self, pin: &str) -> Result<bool, DeviceError> {
        Ok(self.open(pin)?.is_some())
    }
}

fn label_hash(label: &[u8], secret: &[u8; 32]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(label);
    hasher.update(secret);
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

    const CHEAP: PinCost = PinCost::CHEAP;

    fn record(pin: &str) -> PinRecord {
        PinRecord::create_with(pin, CHEAP).expect("create").0
    }

    #[test]
    fn the_right_pin_opens_and_others_do_not() {
        let rec = record("2468");
        assert!(rec.verify("2468").expect("verify"));
        for wrong in ["2469", "1234", "24680", "", "abcd", "２４６８", "246812345"] {
            assert!(
                !rec.verify(wrong).expect("verify"),
                "{wrong:?} must not open"
            );
        }
    }

    #[test]
    fn nothing_stored_reveals_the_pin_or_the_key() {
        let (rec, kek) = PinRecord::create_with("2468", CHEAP).expect("create");
        let stored = serde_json::to_string(&rec).expect("json");
        assert!(!stored.contains("2468"), "{stored}");
        assert!(
            !stored.contains(&BASE64.encode(kek.as_ref())),
            "the key-encryption key is never stored, only the verifier"
        );
        assert_ne!(
            BASE64.decode(&rec.verifier).expect("b64").as_slice(),
            kek.as_slice(),
            "verifier and key-encryption key are different hashes"
        );
        let (again, again_kek) = PinRecord::create_with("2468", CHEAP).expect("create");
        assert_ne!(rec.salt, again.salt, "every record has its own salt");
        assert_ne!(*again_kek, *kek, "so the same PIN gives another key");
        assert_eq!(
            *rec.open("2468").expect("open").expect("right PIN"),
            *kek,
            "the key is the same for the same record and PIN (it unwraps the database key)"
        );
        assert!(rec.open("2469").expect("open").is_none());
    }

    #[test]
    fn a_pin_of_an_earlier_version_with_eight_digits_still_opens() {
        // Earlier versions took 4 to 8 digits; the record made then must keep opening.
        let mut rec = record("2468");
        let stretched = {
            rec.salt = BASE64.encode([7u8; 16]);
            rec.stretch("24681357").expect("stretch")
        };
        rec.verifier = BASE64.encode(label_hash(VERIFIER_LABEL, &stretched));
        assert!(rec.verify("24681357").expect("verify"));
        assert_eq!(
            check_pin_format("24681357").expect_err("new PINs").code(),
            "pin_format"
        );
    }

    #[test]
    fn a_record_with_a_bad_shape_is_told_apart() {
        let rec = record("2468");
        rec.check_shape().expect("a fresh record is well formed");
        for damage in [
            PinRecord {
                salt: "***".into(),
                ..rec.clone()
            },
            PinRecord {
                verifier: BASE64.encode([1u8; 5]),
                ..rec.clone()
            },
            PinRecord {
                m_cost_kib: 0,
                ..rec.clone()
            },
        ] {
            assert!(damage.check_shape().is_err(), "{damage:?}");
        }
    }

    #[test]
    fn the_default_parameters_are_argon2id_at_the_owasp_minimum() {
        let (rec, _) = PinRecord::create("8642").expect("create");
        assert_eq!((rec.m_cost_kib, rec.t_cost, rec.p_cost), (19 * 1024, 2, 1));
        assert!(rec.verify("8642").expect("verify"));
    }

    #[test]
    fn a_new_pin_must_be_four_to_six_digits() {
        for ok in ["0000", "123456"] {
            check_pin_format(ok).expect(ok);
        }
        for bad in ["123", "1234567", "12a4", " 1234", "١٢٣٤"] {
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
