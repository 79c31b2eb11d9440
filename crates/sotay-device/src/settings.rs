//! The user's settings: language and how long the phone may sit idle before the PIN is asked
//! again. Kept in `settings.json` in the app's data folder; missing means the defaults
//! (Vietnamese, 5 minutes). The PIN itself lives with the key it wraps (`store-key.json`,
//! [`crate::store_key`]); earlier versions kept its record here, which is read once to migrate.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::DeviceError;
use crate::files;
use crate::pin::PinRecord;

/// The file name of the settings in the data folder.
pub const FILE_NAME: &str = "settings.json";

/// The app's language. Vietnamese first; English second.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// Tiếng Việt.
    #[default]
    Vi,
    /// English.
    En,
}

/// The settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The language of the app.
    pub language: Language,
    /// Minutes of inactivity before the PIN is asked again (1–120).
    pub idle_lock_minutes: u32,
    /// The PIN record of an earlier version (before the database key was wrapped by the PIN):
    /// read at the next unlock to wrap the key, then removed. This version never writes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pin: Option<PinRecord>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            language: Language::Vi,
            idle_lock_minutes: 5,
            pin: None,
        }
    }
}

impl Settings {
    /// The path of the settings file in `data_dir`.
    pub fn path(data_dir: &Path) -> PathBuf {
        data_dir.join(FILE_NAME)
    }

    /// Reads the settings; the defaults when there is no file yet.
    pub fn load(data_dir: &Path) -> Result<Settings, DeviceError> {
        Ok(files::read_json(&Settings::path(data_dir))?.unwrap_or_default())
    }

    /// Writes the settings atomically.
    pub fn save(&self, data_dir: &Path) -> Result<(), DeviceError> {
        files::write_json(&Settings::path(data_dir), self)
    }

    /// The idle time kept within 1–120 minutes, whatever the file says.
    pub fn idle_lock_minutes(&self) -> u32 {
        self.idle_lock_minutes.clamp(1, 120)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_vietnamese_without_a_pin_and_round_trip() {
        let dir = tempfile::tempdir().expect("dir");
        let settings = Settings::load(dir.path()).expect("defaults");
        assert_eq!(settings, Settings::default());
        assert_eq!(settings.language, Language::Vi);
        let changed = Settings {
            language: Language::En,
            idle_lock_minutes: 0,
            pin: None,
        };
        changed.save(dir.path()).expect("save");
        let read = Settings::load(dir.path()).expect("load");
        assert_eq!(read, changed);
        assert_eq!(read.idle_lock_minutes(), 1, "kept within 1–120 minutes");
    }

    #[test]
    fn a_file_from_an_older_app_without_some_keys_reads_with_defaults() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(Settings::path(dir.path()), br#"{"language":"en"}"#).expect("write");
        let read = Settings::load(dir.path()).expect("load");
        assert_eq!(read.language, Language::En);
        assert_eq!(read.idle_lock_minutes, 5);
    }
}
