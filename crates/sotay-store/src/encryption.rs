//! Encryption at rest: the device database is an SQLCipher file (AES-256 pages with an HMAC),
//! so a lost or stolen phone does not give away villagers' names, ID numbers, phones and
//! incomes. The key is 32 random bytes ([`StoreKey`]) applied as a raw key: SQLCipher's own
//! password derivation is skipped, because the app derives its key-encryption key itself (from
//! the user's PIN with Argon2id, in `sotay-device`) and only ever hands the store the random
//! key it unwrapped. Changing the PIN re-wraps that key; the file is never re-encrypted.
//!
//! A database made before encryption (a plain SQLite file) is encrypted in place on the first
//! open with a key, atomically: the plain file is checkpointed into one file, exported into an
//! encrypted copy beside it, the copy is flushed and renamed over the original. A crash at any
//! moment leaves either the whole plain file (with perhaps a leftover copy, removed at the next
//! try) or the whole encrypted one.
//!
//! The file format is SQLCipher 4's but for one setting: each page's HMAC is HMAC-SHA256
//! instead of SQLCipher's default HMAC-SHA512. Phones' ARMv8 cores and this machine's x86 cores
//! compute SHA-256 in hardware and SHA-512 in software, and every page a commit writes or a
//! read takes from disk is authenticated: in the store bench it made a single save 30% faster
//! and a bulk load 1.05× the plain file's instead of 1.33× (docs/benchmarks.md). Still 256-bit
//! keys and a 256-bit tag per page. A file written with SQLCipher's defaults (by builds before
//! this choice) still opens: `unlock` tries the default after ours.

use rusqlite::{Connection, OpenFlags};
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Result, StoreError};

/// The key of a device database: 32 random bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct StoreKey([u8; 32]);

impl StoreKey {
    /// A new random key (the operating system's generator).
    pub fn generate() -> StoreKey {
        let mut bytes = [0u8; 32];
        rand::fill(&mut bytes);
        StoreKey(bytes)
    }

    /// A key from its bytes (as unwrapped by the app).
    pub fn from_bytes(bytes: [u8; 32]) -> StoreKey {
        StoreKey(bytes)
    }

    /// The key's bytes, to wrap.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The SQLCipher raw-key literal `x'…'`.
    fn literal(&self) -> String {
        let mut hex = String::with_capacity(67);
        hex.push_str("x'");
        for byte in self.0 {
            hex.push_str(&format!("{byte:02x}"));
        }
        hex.push('\'');
        hex
    }
}

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKey(…)")
    }
}

impl Drop for StoreKey {
    fn drop(&mut self) {
        // The key does not linger in this buffer after use (`black_box` keeps the compiler from
        // dropping the clearing as a dead store; copies the optimiser made are not covered).
        self.0 = [0; 32];
        std::hint::black_box(&self.0);
    }
}

/// The 16 bytes every plain SQLite file starts with.
const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Whether `path` is a plain (unencrypted) SQLite database.
pub fn is_plain_database(path: &Path) -> Result<bool> {
    let mut header = [0u8; 16];
    match std::fs::File::open(path) {
        Ok(mut file) => match file.read_exact(&mut header) {
            Ok(()) => Ok(&header == PLAIN_HEADER),
            // Shorter than a header: an empty new file, not a plain database.
            Err(_) => Ok(false),
        },
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(err) => Err(StoreError::Io(err.to_string())),
    }
}

/// Applies `key` to a fresh connection and checks it opens the file; a wrong key (or a file
/// that is not a database) is [`StoreError::WrongKey`], before anything is written.
pub(crate) fn unlock(conn: &Connection, key: &StoreKey) -> Result<()> {
    for hmac in [PAGE_HMAC, SQLCIPHER_DEFAULT_HMAC] {
        conn.execute_batch(&format!(
            "PRAGMA key = \"{}\"; PRAGMA cipher_hmac_algorithm = {hmac};",
            key.literal()
        ))?;
        match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        }) {
            Ok(_) => return Ok(()),
            Err(err) if err.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {}
            Err(err) => return Err(err.into()),
        }
    }
    Err(StoreError::WrongKey)
}

/// The HMAC of each page of the files this build writes (see the module doc).
const PAGE_HMAC: &str = "HMAC_SHA256";
/// SQLCipher 4's default, which files written before [`PAGE_HMAC`] was chosen use.
const SQLCIPHER_DEFAULT_HMAC: &str = "HMAC_SHA512";

/// A bare connection to the encrypted database at `path`, unlocked with `key`: for tools,
/// benchmarks and tests that look at the file's tables directly (the app goes through
/// [`crate::Store`]).
pub fn connect(path: &Path, key: &StoreKey) -> Result<Connection> {
    let conn = Connection::open(path)?;
    unlock(&conn, key)?;
    Ok(conn)
}

/// The database's page size. An SQLCipher connection answers `PRAGMA page_size` as text
/// (`"4096"`), a plain one as an integer: both are read here.
pub fn page_size(conn: &Connection) -> Result<i64> {
    let value: rusqlite::types::Value = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
    Ok(match value {
        rusqlite::types::Value::Integer(n) => n,
        rusqlite::types::Value::Text(text) => text.trim().parse().unwrap_or(4096),
        _ => 4096,
    })
}

/// The `user_version` of a plain database, read without changing it.
pub(crate) fn plain_user_version(path: &Path) -> Result<i64> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// The file the encrypted copy is written to before it replaces the plain one.
fn encrypting_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".encrypting");
    PathBuf::from(name)
}

/// Encrypts the plain database at `path` with `key`, in place and atomically (see the module
/// doc). Does nothing to a file that is not a plain database.
pub fn encrypt_in_place(path: &Path, key: &StoreKey) -> Result<()> {
    if !is_plain_database(path)? {
        return Ok(());
    }
    let copy = encrypting_path(path);
    // A copy left by a try that was cut short is incomplete: start again.
    remove_if_exists(&copy)?;
    {
        // With SQLITE_OPEN_CREATE, which the ATTACH of the new copy needs.
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Everything into the main file, and no WAL beside it: the file is whole on its own
        // from here on, whatever happens next.
        let _: (i64, i64, i64) = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        let _mode: String = conn.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let copy_text = copy.to_string_lossy();
        conn.execute(
            &format!("ATTACH DATABASE ?1 AS encrypted KEY \"{}\"", key.literal()),
            [copy_text.as_ref()],
        )?;
        conn.execute_batch(&format!(
            "PRAGMA encrypted.cipher_hmac_algorithm = {PAGE_HMAC};"
        ))?;
        conn.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        conn.execute_batch(&format!("PRAGMA encrypted.user_version = {version};"))?;
        conn.execute_batch("DETACH DATABASE encrypted;")?;
    }
    sync_file(&copy)?;
    std::fs::rename(&copy, path).map_err(|e| StoreError::Io(e.to_string()))?;
    if let Some(dir) = path.parent() {
        // The rename itself reaches the disk (a directory entry): best effort where the
        // platform cannot open a directory.
        if let Ok(dir) = std::fs::File::open(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        }) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}

fn sync_file(path: &Path) -> Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| StoreError::Io(e.to_string()))
}

fn remove_if_exists(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(StoreError::Io(err.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_never_prints_and_is_random() {
        let a = StoreKey::generate();
        let b = StoreKey::generate();
        assert_ne!(a, b);
        assert_eq!(format!("{a:?}"), "StoreKey(…)");
        assert_eq!(a.literal().len(), 67);
        assert!(a.literal().starts_with("x'") && a.literal().ends_with('\''));
    }
}
