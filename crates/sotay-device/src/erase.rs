//! Remote wipe, the phone's side: when the office has marked this device lost (and has taken
//! everything it pushed), the app erases what it keeps in its data folder and returns to the
//! first-run screen.
//!
//! The keys go first: once `store-key.json` (an earlier version's `store.key`, and copies set
//! aside with an old database) is gone, the encrypted database is unreadable even if the erase is
//! cut short, so a wipe interrupted by a dead battery has already done its job; the next contact
//! with the office orders it again and it finishes. Then the database with its `-wal`/`-shm`/`-journal` companions and any copy set
//! aside, the settings, leftovers of interrupted atomic writes, and the enrolment last (it holds
//! the device token the office would recognise).
//!
//! Only the app's own files are removed, by name, never the whole folder: the folder is
//! configurable (`SOTAY_DATA_DIR`), and a mistaken path must not cost anyone their files.

use std::path::Path;

use crate::error::DeviceError;
use crate::{enrolment, files, settings, store_key};

/// The device database's file name in the data folder (its companions add a suffix to it).
pub const DATABASE_FILE_NAME: &str = "sotay.sqlite3";

/// Whether `name` is a key file: the wrapped key, an earlier version's raw key, or a copy of
/// either set aside with an old database.
fn is_key_file(name: &str) -> bool {
    name.starts_with(store_key::WRAPPED_FILE_NAME) || name.starts_with(store_key::RAW_FILE_NAME)
}

/// Whether `name` is a file the app writes in its data folder (other than the keys and the
/// enrolment, which are removed first and last).
fn is_app_file(name: &str) -> bool {
    name.starts_with(DATABASE_FILE_NAME)
        || name == settings::FILE_NAME
        // Temporary files of atomic writes cut short (tempfile's prefix): copies of the
        // settings, the enrolment or the wrapped key.
        || name.starts_with(".tmp")
}

fn remove(path: &Path, first_error: &mut Option<DeviceError>) {
    let result = if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    };
    match result {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => {
            first_error.get_or_insert(DeviceError::File {
                what: format!("{}: {err}", path.display()),
            });
        }
    }
}

/// Erases the key, the database and its companions, the settings and the enrolment from
/// `data_dir` (see the module doc for the order). The database must be closed first. Goes on
/// past a file it cannot remove and reports the first such failure at the end.
pub fn erase_all(data_dir: &Path) -> Result<(), DeviceError> {
    let mut first_error = None;
    for is_wanted in [is_key_file, is_app_file] {
        match std::fs::read_dir(data_dir) {
            Ok(entries) => {
                for entry in entries.flatten() {
                    if is_wanted(&entry.file_name().to_string_lossy()) {
                        remove(&entry.path(), &mut first_error);
                    }
                }
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(err) => {
                first_error.get_or_insert(DeviceError::File {
                    what: format!("{}: {err}", data_dir.display()),
                });
            }
        }
        let _ = files::sync_dir(data_dir);
    }
    remove(&enrolment::Enrolment::path(data_dir), &mut first_error);
    let _ = files::sync_dir(data_dir);
    first_error.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_of_the_app_is_left_and_nothing_else_is_touched() {
        let dir = tempfile::tempdir().expect("dir");
        let app_files = [
            store_key::WRAPPED_FILE_NAME,
            store_key::RAW_FILE_NAME,
            "store-key.json.before-1764633600",
            DATABASE_FILE_NAME,
            "sotay.sqlite3-wal",
            "sotay.sqlite3-shm",
            "sotay.sqlite3-journal",
            "sotay.sqlite3.encrypting",
            "sotay.sqlite3.before-1764633600",
            settings::FILE_NAME,
            enrolment::FILE_NAME,
            ".tmpA1b2C3",
        ];
        for name in app_files {
            std::fs::write(dir.path().join(name), b"villager data").expect("write");
        }
        std::fs::write(dir.path().join("not-ours.txt"), b"someone else's").expect("write");
        erase_all(dir.path()).expect("erase");
        let left: Vec<String> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            left,
            vec!["not-ours.txt"],
            "every file of the app is gone; a file the app did not write stays"
        );
        erase_all(dir.path()).expect("erasing again is harmless");
        erase_all(&dir.path().join("missing")).expect("so is a folder that is not there");
    }
}
