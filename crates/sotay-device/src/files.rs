//! Small JSON files written atomically: the new content goes to a temp file in the same folder,
//! is flushed to disk, then renamed over the old file. A crash at any moment leaves either the
//! old file or the new one, never a mix.

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::DeviceError;

fn file_error(path: &Path, err: impl std::fmt::Display) -> DeviceError {
    DeviceError::File {
        what: format!("{}: {err}", path.display()),
    }
}

/// Reads a JSON file; `Ok(None)` when it does not exist.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<Option<T>, DeviceError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| file_error(path, e)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(file_error(path, err)),
    }
}

/// Writes `value` as JSON to `path` atomically, readable by this user only (it may hold the
/// device token).
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), DeviceError> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| file_error(dir, e))?;
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(|e| file_error(dir, e))?;
    let bytes = serde_json::to_vec_pretty(value).map_err(|e| file_error(path, e))?;
    file.write_all(&bytes).map_err(|e| file_error(path, e))?;
    file.as_file().sync_all().map_err(|e| file_error(path, e))?;
    file.persist(path).map_err(|e| file_error(path, e.error))?;
    Ok(())
}

/// Flushes a folder's entries (a rename or a removal in it) to disk, where the platform allows
/// it, so an order of file operations survives a power cut in that order.
pub fn sync_dir(dir: &Path) -> Result<(), DeviceError> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| file_error(dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_file_reads_back_and_a_missing_one_is_none() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("nested/settings.json");
        assert_eq!(read_json::<Vec<u32>>(&path).expect("missing is fine"), None);
        write_json(&path, &vec![1u32, 2, 3]).expect("write");
        assert_eq!(
            read_json::<Vec<u32>>(&path).expect("read"),
            Some(vec![1, 2, 3])
        );
        write_json(&path, &vec![4u32]).expect("overwrite");
        assert_eq!(read_json::<Vec<u32>>(&path).expect("read"), Some(vec![4]));
        let leftovers = std::fs::read_dir(path.parent().expect("dir"))
            .expect("list")
            .count();
        assert_eq!(leftovers, 1, "no temp file is left behind");
    }

    #[test]
    fn a_damaged_file_is_a_clear_error_not_a_panic() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("settings.json");
        std::fs::write(&path, b"{not json").expect("write");
        let err = read_json::<Vec<u32>>(&path).expect_err("damaged");
        assert_eq!(err.code(), "app_file");
        assert!(err.to_string().contains("settings.json"), "{err}");
    }
}
