//! The device database's key (32 random bytes, see `sotay_store::StoreKey`), kept only wrapped
//! by the user's PIN: `store-key.json` in the app's data folder holds the PIN's record (salt,
//! Argon2id parameters, verifier — [`crate::pin`]) and the key sealed with XChaCha20-Poly1305
//! under the key-encryption key that the same Argon2id run gives. The app opens the database
//! only after the PIN unwraps the key, and keeps the key in memory while it runs.
//!
//! - **Changing the PIN** re-wraps the same key under the new PIN (a new salt and nonce) and
//!   replaces the file atomically; the database is never re-encrypted.
//! - **A wrong PIN** fails the verifier; **a damaged file** (bad JSON, bad lengths, or a verifier
//!   that matches while the seal does not open) is `store_key_damaged`, and nothing is changed.
//! - The sealed bytes can be sealed again by the phone's keystore ([`crate::keystore`]); the
//!   associated data binds the seal to the salt, the parameters and the keystore's name, so a
//!   file whose parameters were edited does not open.
//! - **Before a PIN exists** the key lives only in memory (a new enrolment asks for the PIN at
//!   once); installations of earlier versions kept it raw in `store.key` (hex). That file is
//!   wrapped at the next PIN entry (their PIN record was in `settings.json`) or when the first
//!   PIN is set, and removed only after the wrapped file is written and flushed: there is never
//!   a moment without a usable key on disk.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::DeviceError;
use crate::files;
use crate::keystore::PlatformKeystore;
use crate::pin::{KeyEncryptionKey, PinCost, PinRecord};

/// The wrapped key's file name in the data folder.
pub const WRAPPED_FILE_NAME: &str = "store-key.json";
/// The raw key file of earlier versions (hex), migrated and removed.
pub const RAW_FILE_NAME: &str = "store.key";

/// The file format this version writes.
const FORMAT: u32 = 1;
/// The start of the associated data of every seal.
const AAD_LABEL: &[u8] = b"sotay store key v1";

/// The database key in memory, cleared when dropped.
pub type DatabaseKey = Zeroizing<[u8; 32]>;

/// The contents of `store-key.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WrappedStoreKey {
    /// File format (1).
    pub format: u32,
    /// The PIN's salt, Argon2id parameters and verifier.
    pub pin: PinRecord,
    /// Which keystore sealed `ciphertext` again (`"none"`: none).
    pub keystore: String,
    /// XChaCha20-Poly1305 nonce (24 random bytes), base64.
    pub nonce: String,
    /// The sealed key (32 bytes and a 16-byte tag), base64.
    pub ciphertext: String,
}

/// What the data folder holds of the key.
pub enum StoredKey {
    /// The key wrapped by a PIN.
    Wrapped(WrappedStoreKey),
    /// A raw key left by an earlier version (to wrap at the next PIN entry).
    Raw(DatabaseKey),
    /// No key file.
    Missing,
}

/// The outcome of a PIN typed at the lock.
pub enum Unlocked {
    /// The PIN was right: the database key.
    Key(DatabaseKey),
    /// The PIN was wrong (the caller counts it).
    WrongPin,
}

/// The path of the wrapped key in `data_dir`.
pub fn wrapped_path(data_dir: &Path) -> PathBuf {
    data_dir.join(WRAPPED_FILE_NAME)
}

/// The path of an earlier version's raw key in `data_dir`.
pub fn raw_path(data_dir: &Path) -> PathBuf {
    data_dir.join(RAW_FILE_NAME)
}

fn damaged(path: &Path, what: impl std::fmt::Display) -> DeviceError {
    DeviceError::StoreKeyDamaged {
        what: format!(
            "{}: {what}",
            path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into()
            )
        ),
    }
}

fn file_error(path: &Path, err: impl std::fmt::Display) -> DeviceError {
    DeviceError::File {
        what: format!("{}: {err}", path.display()),
    }
}

impl WrappedStoreKey {
    /// Wraps `key` under a new PIN (new salt, new nonce), sealed again by `keystore`.
    pub fn seal(
        key: &[u8; 32],
        pin: &str,
        cost: PinCost,
        keystore: &dyn PlatformKeystore,
    ) -> Result<WrappedStoreKey, DeviceError> {
        let (record, kek) = PinRecord::create_with(pin, cost)?;
        WrappedStoreKey::seal_with(key, record, &kek, keystore)
    }

    /// Wraps `key` under the key-encryption key `kek` of `record`.
    fn seal_with(
        key: &[u8; 32],
        record: PinRecord,
        kek: &KeyEncryptionKey,
        keystore: &dyn PlatformKeystore,
    ) -> Result<WrappedStoreKey, DeviceError> {
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        let mut wrapped = WrappedStoreKey {
            format: FORMAT,
            pin: record,
            keystore: keystore.name().to_owned(),
            nonce: BASE64.encode(nonce),
            ciphertext: String::new(),
        };
        let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: key,
                    aad: &wrapped.associated_data(),
                },
            )
            .map_err(|_| DeviceError::PinHash("XChaCha20-Poly1305".into()))?;
        wrapped.ciphertext = BASE64.encode(keystore.seal(&sealed)?);
        Ok(wrapped)
    }

    /// The associated data of the seal: the label, the keystore's name, the salt and the
    /// parameters (each length-prefixed), so none of them can be changed without the seal
    /// failing.
    fn associated_data(&self) -> Vec<u8> {
        let mut aad = AAD_LABEL.to_vec();
        for part in [self.keystore.as_bytes(), self.pin.salt.as_bytes()] {
            aad.extend_from_slice(&(part.len() as u32).to_le_bytes());
            aad.extend_from_slice(part);
        }
        for number in [self.pin.m_cost_kib, self.pin.t_cost, self.pin.p_cost] {
            aad.extend_from_slice(&number.to_le_bytes());
        }
        aad
    }

    /// Whether the file is well formed (checked when it is read, before any PIN is tried).
    fn check_shape(&self) -> Result<(), String> {
        if self.format != FORMAT {
            return Err(format!("format {} is not {FORMAT}", self.format));
        }
        self.pin.check_shape()?;
        let nonce = BASE64
            .decode(&self.nonce)
            .map_err(|e| format!("nonce: {e}"))?;
        if nonce.len() != 24 {
            return Err("nonce is not 24 bytes".into());
        }
        BASE64
            .decode(&self.ciphertext)
            .map_err(|e| format!("ciphertext: {e}"))?;
        Ok(())
    }

    /// Opens the key with `pin`: `WrongPin` when the verifier says no; `store_key_damaged` when
    /// the PIN is right but the seal does not open (the file was changed or damaged).
    pub fn open(
        &self,
        pin: &str,
        keystore: &dyn PlatformKeystore,
    ) -> Result<Unlocked, DeviceError> {
        let path = Path::new(WRAPPED_FILE_NAME);
        self.check_shape().map_err(|e| damaged(path, e))?;
        if self.keystore != keystore.name() {
            return Err(damaged(
                path,
                format!(
                    "sealed by the keystore \"{}\", this app has \"{}\"",
                    self.keystore,
                    keystore.name()
                ),
            ));
        }
        let Some(kek) = self.pin.open(pin)? else {
            return Ok(Unlocked::WrongPin);
        };
        let nonce = BASE64.decode(&self.nonce).map_err(|e| damaged(path, e))?;
        let sealed = BASE64
            .decode(&self.ciphertext)
            .map_err(|e| damaged(path, e))?;
        let inner = keystore.unseal(&sealed)?;
        let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
        let plain = Zeroizing::new(
            cipher
                .decrypt(
                    XNonce::from_slice(&nonce),
                    Payload {
                        msg: &inner,
                        aad: &self.associated_data(),
                    },
                )
                .map_err(|_| damaged(path, "the sealed key does not open with the right PIN"))?,
        );
        let key: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| damaged(path, "the key is not 32 bytes"))?;
        Ok(Unlocked::Key(Zeroizing::new(key)))
    }
}

/// Reads what the data folder holds of the key. A file that cannot be read as a key is
/// `store_key_damaged` (nothing is changed).
pub fn load(data_dir: &Path) -> Result<StoredKey, DeviceError> {
    let path = wrapped_path(data_dir);
    match std::fs::read(&path) {
        Ok(bytes) => {
            let wrapped: WrappedStoreKey =
                serde_json::from_slice(&bytes).map_err(|e| damaged(&path, e))?;
            wrapped.check_shape().map_err(|e| damaged(&path, e))?;
            return Ok(StoredKey::Wrapped(wrapped));
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(file_error(&path, err)),
    }
    match read_raw(data_dir)? {
        Some(key) => Ok(StoredKey::Raw(key)),
        None => Ok(StoredKey::Missing),
    }
}

/// An earlier version's raw key, if its file is there.
fn read_raw(data_dir: &Path) -> Result<Option<DatabaseKey>, DeviceError> {
    let path = raw_path(data_dir);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => Zeroizing::new(text),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(file_error(&path, err)),
    };
    let hex = text.trim();
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(damaged(&path, "not a 32-byte key"));
    }
    let mut key = Zeroizing::new([0u8; 32]);
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|e| damaged(&path, e))?;
    }
    Ok(Some(key))
}

/// Writes the wrapped key atomically, flushes the folder, then removes a raw key file: at every
/// moment one usable key file is on disk.
fn replace(data_dir: &Path, wrapped: &WrappedStoreKey) -> Result<(), DeviceError> {
    files::write_json(&wrapped_path(data_dir), wrapped)?;
    files::sync_dir(data_dir)?;
    let raw = raw_path(data_dir);
    match std::fs::remove_file(&raw) {
        Ok(()) => files::sync_dir(data_dir),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(file_error(&raw, err)),
    }
}

/// Protects `key` with `pin`: the first PIN, or a new one once the caller checked the current
/// one. Re-wraps only; the database is not touched.
pub fn protect(
    data_dir: &Path,
    key: &[u8; 32],
    pin: &str,
    cost: PinCost,
    keystore: &dyn PlatformKeystore,
) -> Result<(), DeviceError> {
    let wrapped = WrappedStoreKey::seal(key, pin, cost, keystore)?;
    replace(data_dir, &wrapped)
}

/// Opens the key with the PIN typed at the lock.
///
/// With a wrapped key: unwraps it (and removes a raw file an interrupted migration left, when it
/// holds the same key). With an earlier version's raw key and its PIN record from
/// `settings.json` (`legacy_pin`): checks the PIN against that record and, when right, wraps the
/// raw key under the same Argon2id output (one run) and removes the raw file — the migration.
/// With a raw key and no PIN, or no key at all: `pin_required`.
pub fn unlock(
    data_dir: &Path,
    pin: &str,
    legacy_pin: Option<&PinRecord>,
    keystore: &dyn PlatformKeystore,
) -> Result<Unlocked, DeviceError> {
    match load(data_dir)? {
        StoredKey::Wrapped(wrapped) => {
            let outcome = wrapped.open(pin, keystore)?;
            if let Unlocked::Key(key) = &outcome
                && read_raw(data_dir).ok().flatten().as_deref() == Some(&**key)
            {
                replace(data_dir, &wrapped)?;
            }
            Ok(outcome)
        }
        StoredKey::Raw(key) => {
            let Some(record) = legacy_pin else {
                return Err(DeviceError::PinRequired);
            };
            record
                .check_shape()
                .map_err(|e| damaged(Path::new(crate::settings::FILE_NAME), e))?;
            let Some(kek) = record.open(pin)? else {
                return Ok(Unlocked::WrongPin);
            };
            let wrapped = WrappedStoreKey::seal_with(&key, record.clone(), &kek, keystore)?;
            replace(data_dir, &wrapped)?;
            Ok(Unlocked::Key(key))
        }
        StoredKey::Missing => Err(DeviceError::PinRequired),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keystore::NoPlatformKeystore;

    const CHEAP: PinCost = PinCost::CHEAP;

    /// A data folder holding a fresh key protected by PIN 2468, and the key.
    fn protected_with_2468() -> (tempfile::TempDir, [u8; 32]) {
        let dir = tempfile::tempdir().expect("dir");
        let key = key();
        protect(dir.path(), &key, "2468", CHEAP, &NoPlatformKeystore).expect("protect");
        (dir, key)
    }

    fn key() -> [u8; 32] {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        key
    }

    fn opened(outcome: Unlocked) -> [u8; 32] {
        match outcome {
            Unlocked::Key(key) => *key,
            Unlocked::WrongPin => panic!("the right PIN was refused"),
        }
    }

    fn write_raw(dir: &Path, key: &[u8; 32]) {
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        std::fs::write(raw_path(dir), hex).expect("raw key");
    }

    #[test]
    fn the_right_pin_unwraps_the_key_and_a_wrong_one_does_not() {
        let (dir, key) = protected_with_2468();
        let stored = std::fs::read_to_string(wrapped_path(dir.path())).expect("file");
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        assert!(
            !stored.contains(&hex) && !stored.contains(&BASE64.encode(key)),
            "the key is never written as it is: {stored}"
        );
        assert!(!stored.contains("2468"), "nor the PIN");
        assert_eq!(
            opened(unlock(dir.path(), "2468", None, &NoPlatformKeystore).expect("unlock")),
            key
        );
        for wrong in ["2469", "1234", "", "abcd", "24681"] {
            assert!(
                matches!(
                    unlock(dir.path(), wrong, None, &NoPlatformKeystore).expect("no error"),
                    Unlocked::WrongPin
                ),
                "{wrong:?}"
            );
        }
    }

    #[test]
    fn a_new_pin_rewraps_the_same_key_and_the_old_pin_stops_working() {
        let (dir, key) = protected_with_2468();
        let before = std::fs::read(wrapped_path(dir.path())).expect("file");
        protect(dir.path(), &key, "975310", CHEAP, &NoPlatformKeystore).expect("change");
        assert_ne!(
            std::fs::read(wrapped_path(dir.path())).expect("file"),
            before,
            "new salt and nonce"
        );
        assert_eq!(
            opened(unlock(dir.path(), "975310", None, &NoPlatformKeystore).expect("new")),
            key,
            "the same key under the new PIN"
        );
        assert!(matches!(
            unlock(dir.path(), "2468", None, &NoPlatformKeystore).expect("old"),
            Unlocked::WrongPin
        ));
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec![WRAPPED_FILE_NAME], "no temp file left behind");
    }

    #[test]
    fn a_damaged_key_file_is_a_clear_error_and_is_left_as_it_is() {
        let (dir, _) = protected_with_2468();
        let good: WrappedStoreKey =
            serde_json::from_slice(&std::fs::read(wrapped_path(dir.path())).expect("read"))
                .expect("json");
        let mut flipped = BASE64.decode(&good.ciphertext).expect("b64");
        flipped[3] ^= 0x40;
        let damages: Vec<Vec<u8>> = vec![
            b"{not json".to_vec(),
            Vec::new(),
            serde_json::to_vec(&WrappedStoreKey {
                ciphertext: BASE64.encode(&flipped),
                ..good.clone()
            })
            .expect("json"),
            serde_json::to_vec(&WrappedStoreKey {
                nonce: BASE64.encode([0u8; 12]),
                ..good.clone()
            })
            .expect("json"),
            serde_json::to_vec(&WrappedStoreKey {
                pin: PinRecord {
                    t_cost: good.pin.t_cost + 1,
                    ..good.pin.clone()
                },
                ..good.clone()
            })
            .expect("json"),
            serde_json::to_vec(&WrappedStoreKey {
                keystore: "android-keystore".into(),
                ..good.clone()
            })
            .expect("json"),
            serde_json::to_vec(&WrappedStoreKey {
                format: 9,
                ..good.clone()
            })
            .expect("json"),
        ];
        for (i, bytes) in damages.iter().enumerate() {
            std::fs::write(wrapped_path(dir.path()), bytes).expect("damage");
            match unlock(dir.path(), "2468", None, &NoPlatformKeystore) {
                // Changed Argon2id parameters change what the PIN stretches to: the verifier
                // refuses it as it would a wrong PIN (and the seal is bound to them anyway).
                Ok(Unlocked::WrongPin) => assert_eq!(i, 4, "damage {i} read as a wrong PIN"),
                Ok(Unlocked::Key(_)) => panic!("damage {i} opened"),
                Err(err) => {
                    assert_eq!(err.code(), "store_key_damaged", "damage {i}: {err}");
                    assert!(err.to_string().contains(WRAPPED_FILE_NAME), "{err}");
                }
            }
            assert_eq!(
                std::fs::read(wrapped_path(dir.path())).expect("still there"),
                *bytes,
                "damage {i}: the file is left as it is"
            );
        }
    }

    #[test]
    fn an_earlier_versions_raw_key_is_wrapped_at_the_next_pin_and_its_file_removed() {
        let dir = tempfile::tempdir().expect("dir");
        let key = key();
        write_raw(dir.path(), &key);
        let (legacy, _) = PinRecord::create_with("2468", CHEAP).expect("old record");
        assert!(matches!(
            load(dir.path()).expect("load"),
            StoredKey::Raw(raw) if *raw == key
        ));
        assert!(
            matches!(
                unlock(dir.path(), "1111", Some(&legacy), &NoPlatformKeystore).expect("wrong"),
                Unlocked::WrongPin
            ),
            "a wrong PIN migrates nothing"
        );
        assert!(raw_path(dir.path()).exists() && !wrapped_path(dir.path()).exists());
        assert_eq!(
            opened(unlock(dir.path(), "2468", Some(&legacy), &NoPlatformKeystore).expect("right")),
            key
        );
        assert!(!raw_path(dir.path()).exists(), "the raw key is gone");
        assert_eq!(
            opened(unlock(dir.path(), "2468", None, &NoPlatformKeystore).expect("wrapped")),
            key,
            "and the wrapped one opens with the same PIN"
        );

        // Without a PIN record the raw key waits for the first PIN.
        let dir = tempfile::tempdir().expect("dir");
        write_raw(dir.path(), &key);
        assert_eq!(
            unlock(dir.path(), "2468", None, &NoPlatformKeystore)
                .err()
                .map(|e| e.code()),
            Some("pin_required")
        );
        protect(dir.path(), &key, "1357", CHEAP, &NoPlatformKeystore).expect("first PIN");
        assert!(!raw_path(dir.path()).exists());
        assert_eq!(
            opened(unlock(dir.path(), "1357", None, &NoPlatformKeystore).expect("open")),
            key
        );
    }

    #[test]
    fn a_migration_cut_after_the_wrapped_file_finishes_at_the_next_unlock() {
        let (dir, key) = protected_with_2468();
        // The moment between writing the wrapped file and removing the raw one.
        write_raw(dir.path(), &key);
        assert!(matches!(
            load(dir.path()).expect("load"),
            StoredKey::Wrapped(_)
        ));
        assert_eq!(
            opened(unlock(dir.path(), "2468", None, &NoPlatformKeystore).expect("open")),
            key
        );
        assert!(
            !raw_path(dir.path()).exists(),
            "the leftover raw key is removed"
        );
        // A raw file holding another key is not the leftover of this one: it is kept.
        write_raw(dir.path(), &[9u8; 32]);
        opened(unlock(dir.path(), "2468", None, &NoPlatformKeystore).expect("open"));
        assert!(raw_path(dir.path()).exists());
    }

    #[test]
    fn a_damaged_raw_key_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(raw_path(dir.path()), "zz").expect("damage");
        let err = load(dir.path()).err().expect("damaged");
        assert_eq!(err.code(), "store_key_damaged");
        assert!(err.to_string().contains(RAW_FILE_NAME), "{err}");
        assert!(matches!(
            load(tempfile::tempdir().expect("dir").path()).expect("empty"),
            StoredKey::Missing
        ));
    }
}
