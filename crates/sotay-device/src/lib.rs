//! `sotay-device` is what the field app keeps about itself beside the records database
//! (`sotay-store`): the enrolment (which office, the device token, who the user is), the user's
//! settings (language, when to lock), the PIN lock, and what each role may do in the app.
//!
//! It exists as its own crate so the Tauri shell stays thin (commands call these functions) and
//! so these rules are tested without a webview. Files are small JSON documents in the app's data
//! folder, written atomically (a temp file renamed over the old one), so a killed app never
//! leaves half a file.
//!
//! Architecture invariant: no networking and no records: the enrolment is received by
//! `sotay-sync` and only kept here; records live in `sotay-store`.

pub mod enrolment;
pub mod erase;
pub mod error;
pub mod files;
pub mod keystore;
pub mod pin;
pub mod roles;
pub mod settings;
pub mod store_key;

pub use enrolment::{EnrolledUser, Enrolment, normalize_office_url};
pub use erase::erase_all;
pub use error::DeviceError;
pub use keystore::{NoPlatformKeystore, PlatformKeystore, platform_keystore};
pub use pin::{PinAttempts, PinCost, PinRecord, check_pin_format};
pub use roles::AppAction;
pub use settings::{Language, Settings};
