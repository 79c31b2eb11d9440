//! The hook for the phone's own keystore (Android Keystore, iOS Keychain/Secure Enclave): a
//! second lock around the PIN-wrapped database key, held by hardware the app cannot read, so a
//! copy of the app's files taken off the phone cannot even be attacked by guessing PINs.
//!
//! **Not implemented yet, on purpose and said plainly**: sealing with the Android Keystore or the
//! iOS Keychain needs a Tauri mobile plugin written in Kotlin and Swift, built with the Android
//! SDK/NDK or Xcode, none of which can be installed on the machines that build and test Sotay.
//! Every build today uses [`NoPlatformKeystore`] (the PIN-wrapped key is written as it is), and
//! the key file records which keystore sealed it (`"none"`), so a build that brings a real
//! keystore can tell old files from new ones and seal them at the next PIN entry.

use crate::error::DeviceError;

/// A keystore that seals and unseals small secrets with a key that never leaves the phone's
/// secure hardware.
pub trait PlatformKeystore: Send + Sync {
    /// The name written in the key file (`"none"`, `"android-keystore"`…).
    fn name(&self) -> &'static str;
    /// Seals `bytes` (the PIN-wrapped key).
    fn seal(&self, bytes: &[u8]) -> Result<Vec<u8>, DeviceError>;
    /// Opens what [`PlatformKeystore::seal`] made.
    fn unseal(&self, sealed: &[u8]) -> Result<Vec<u8>, DeviceError>;
}

/// No platform keystore: the PIN alone protects the key (desktop builds, and phones until the
/// mobile plugin exists; see the module doc).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoPlatformKeystore;

impl PlatformKeystore for NoPlatformKeystore {
    fn name(&self) -> &'static str {
        "none"
    }

    fn seal(&self, bytes: &[u8]) -> Result<Vec<u8>, DeviceError> {
        Ok(bytes.to_vec())
    }

    fn unseal(&self, sealed: &[u8]) -> Result<Vec<u8>, DeviceError> {
        Ok(sealed.to_vec())
    }
}

/// The keystore of the platform this build runs on.
pub fn platform_keystore() -> &'static dyn PlatformKeystore {
    // Android and iOS: the Keystore/Keychain plugin goes here once it can be built (module doc).
    &NoPlatformKeystore
}
