//! The device database's key (32 random bytes, see `sotay_store::StoreKey`), kept in
//! `store.key` in the app's data folder, readable by this user only, made at the first open.
//! Until the lost-phone work wraps it with the PIN (Argon2id, [`crate::pin`]) and the platform
//! keystore (issue 13, app side), the file itself is what protects it.

use std::path::Path;

use crate::error::DeviceError;

/// The key file's name in the data folder.
pub const FILE_NAME: &str = "store.key";

fn file_error(path: &Path, err: impl std::fmt::Display) -> DeviceError {
    DeviceError::File {
        what: format!("{}: {err}", path.display()),
    }
}

/// Reads the key, or makes and stores a new random one when there is none.
pub fn load_or_create(data_dir: &Path) -> Result<[u8; 32], DeviceError> {
    let path = data_dir.join(FILE_NAME);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let text = text.trim();
            let mut key = [0u8; 32];
            if text.len() != 64 {
                return Err(file_error(&path, "not a 32-byte key"));
            }
            for (i, byte) in key.iter_mut().enumerate() {
                *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16)
                    .map_err(|e| file_error(&path, e))?;
            }
            Ok(key)
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let mut key = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rng(), &mut key);
            let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
            std::fs::create_dir_all(data_dir).map_err(|e| file_error(data_dir, e))?;
            std::fs::write(&path, &hex).map_err(|e| file_error(&path, e))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                    .map_err(|e| file_error(&path, e))?;
            }
            Ok(key)
        }
        Err(err) => Err(file_error(&path, err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_made_once_and_read_back_the_same() {
        let dir = tempfile::tempdir().expect("dir");
        let first = load_or_create(dir.path()).expect("made");
        assert_eq!(load_or_create(dir.path()).expect("read"), first);
        std::fs::write(dir.path().join(FILE_NAME), "zz").expect("damage");
        assert_eq!(
            load_or_create(dir.path()).expect_err("damaged").code(),
            "app_file"
        );
    }
}
