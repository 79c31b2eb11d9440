//! Backup and restore of the embedded database, and the office's epoch.
//!
//! `sotay-office backup --to FILE` copies the SQLite database with SQLite's online backup API
//! while the office serves: one step, so the copy is one consistent snapshot (under WAL the
//! server's writers are not blocked while it reads). PostgreSQL has `pg_dump` for this (see the
//! README).
//!
//! A restore takes the office back in time: it forgets what devices sent after the backup, and
//! devices hold pull cursors it never issued. So every restore starts a new **epoch**
//! ([`crate::storage::LifecycleStore::start_new_epoch`]); each push and pull answer carries it,
//! and a device that sees it change sends again every field it wrote itself and pulls again from
//! the start (`sotay_store::Store::office_restored`). The merge is idempotent, so nothing arrives
//! twice and nothing saved on any device after the backup is lost. After `pg_restore`, run
//! `sotay-office new-epoch` for the same effect.
//!
//! `restore --from FILE` checks that FILE is an office backup (a whole SQLite database with the
//! office's tables) before it touches anything, copies it beside the database, brings it to this
//! version's migrations, starts the new epoch in the copy, keeps the database it replaces as
//! `<name>.before-restore-<time>`, and only then moves the copy into place.

use chrono::Utc;
use indicatif::{ProgressBar, ProgressStyle};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{OfficeError, Result};
use crate::storage::{LifecycleStore, OfficeStore, sqlite::SqliteStore};

/// Tables every office database has since its first migration.
const OFFICE_TABLES: &[&str] = &["users", "devices", "records", "applied_ops", "enrol_codes"];

/// What a backup or a restore did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupSummary {
    /// Size of the copy in bytes.
    pub bytes: u64,
    /// Records in it.
    pub records: i64,
    /// Devices in it.
    pub devices: i64,
}

fn invalid(message: impl Into<String>) -> OfficeError {
    OfficeError::Invalid(message.into())
}

/// The SQLite path of `db`, or a message saying what to use for PostgreSQL.
pub fn sqlite_path(db: &str) -> Result<PathBuf> {
    if db.starts_with("postgres://") || db.starts_with("postgresql://") {
        return Err(invalid(
            "Cơ sở dữ liệu là PostgreSQL: hãy sao lưu bằng pg_dump và khôi phục bằng pg_restore \
             (xem README), rồi chạy sotay-office new-epoch.",
        ));
    }
    Ok(PathBuf::from(db.strip_prefix("sqlite://").unwrap_or(db)))
}

fn spinner(message: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(message.to_owned());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Checks that `path` is a whole office database and says what it holds.
pub fn inspect(path: &Path) -> Result<BackupSummary> {
    let bytes = std::fs::metadata(path)
        .map_err(|e| invalid(format!("Không đọc được tệp {}: {e}", path.display())))?
        .len();
    let not_backup = |why: String| {
        invalid(format!(
            "Tệp {} không phải bản sao lưu của máy chủ Sổ tay ({why}).",
            path.display()
        ))
    };
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| not_backup(e.to_string()))?;
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|e| not_backup(e.to_string()))?;
    if check != "ok" {
        return Err(not_backup(format!("tệp hỏng: {check}")));
    }
    for table in OFFICE_TABLES {
        let found: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [table],
                |r| r.get(0),
            )
            .map_err(|e| not_backup(e.to_string()))?;
        if found == 0 {
            return Err(not_backup(format!("thiếu bảng {table}")));
        }
    }
    let count = |table: &str| -> Result<i64> {
        conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .map_err(|e| not_backup(e.to_string()))
    };
    Ok(BackupSummary {
        bytes,
        records: count("records")?,
        devices: count("devices")?,
    })
}

/// Copies the database at `db` to `to` (which must not exist) while the office may be serving.
pub fn backup(db: &Path, to: &Path) -> Result<BackupSummary> {
    if !db.exists() {
        return Err(invalid(format!(
            "Không có cơ sở dữ liệu {} để sao lưu.",
            db.display()
        )));
    }
    if to.exists() {
        return Err(invalid(format!(
            "Tệp {} đã có: hãy chọn tên khác (bản sao lưu không ghi đè tệp nào).",
            to.display()
        )));
    }
    let partial = with_suffix(to, ".partial");
    let _ = std::fs::remove_file(&partial);
    let bar = spinner("Đang sao lưu");
    let copied = (|| -> Result<()> {
        let source = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        source.busy_timeout(Duration::from_secs(30))?;
        let mut target = Connection::open(&partial)?;
        copy_whole(&source, &mut target)
    })();
    bar.finish_and_clear();
    if let Err(err) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(err);
    }
    let summary = inspect(&partial).inspect_err(|_| {
        let _ = std::fs::remove_file(&partial);
    })?;
    std::fs::rename(&partial, to)?;
    Ok(summary)
}

/// Replaces the database at `db` by the backup `from`, with a new epoch. The office must not be
/// serving from `db` meanwhile.
pub async fn restore(from: &Path, db: &Path) -> Result<(BackupSummary, String, Option<PathBuf>)> {
    inspect(from)?;
    let staged = with_suffix(db, ".restoring");
    for stale in [
        staged.clone(),
        with_suffix(&staged, "-wal"),
        with_suffix(&staged, "-shm"),
    ] {
        let _ = std::fs::remove_file(stale);
    }
    if let Some(parent) = db.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)?;
    }
    let bar = spinner("Đang khôi phục");
    let staged_result = async {
        {
            let source = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
            let mut target = Connection::open(&staged)?;
            copy_whole(&source, &mut target)?;
        }
        // The backup may be from an older version: bring it to this one, then the new epoch.
        let store = SqliteStore::open(&staged)?;
        store.migrate().await?;
        let epoch = store.start_new_epoch().await?;
        store.checkpoint().await?;
        drop(store);
        Ok::<_, OfficeError>(epoch)
    }
    .await;
    bar.finish_and_clear();
    let epoch = match staged_result {
        Ok(epoch) => epoch,
        Err(err) => {
            let _ = std::fs::remove_file(&staged);
            return Err(err);
        }
    };
    // The database being replaced is kept, never deleted.
    let kept = if db.exists() {
        let kept = with_suffix(
            db,
            &format!(".before-restore-{}", Utc::now().format("%Y%m%dT%H%M%S")),
        );
        std::fs::rename(db, &kept)?;
        for side in ["-wal", "-shm"] {
            let file = with_suffix(db, side);
            if file.exists() {
                std::fs::rename(&file, with_suffix(&kept, side))?;
            }
        }
        Some(kept)
    } else {
        None
    };
    std::fs::rename(&staged, db)?;
    for side in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(with_suffix(&staged, side));
    }
    Ok((inspect(db)?, epoch, kept))
}

/// Copies every page in one step: one read transaction, so the copy is one consistent snapshot
/// (a step of some pages at a time restarts whenever the serving office writes meanwhile). A
/// busy or locked source is waited for, up to a minute.
fn copy_whole(source: &Connection, target: &mut Connection) -> Result<()> {
    use rusqlite::backup::{Backup, StepResult};
    let backup = Backup::new(source, target)?;
    for _ in 0..600 {
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::More | StepResult::Busy | StepResult::Locked => {
                std::thread::sleep(Duration::from_millis(100));
            }
            _ => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    Err(invalid(
        "Cơ sở dữ liệu bận suốt một phút: chưa sao lưu được, hãy thử lại.",
    ))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}
