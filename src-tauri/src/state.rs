//! What the app holds while it runs: the data folder, the settings, the PIN lock, and — once the
//! device is enrolled — the enrolment and the store behind the same `Arc<Mutex<Store>>` the sync
//! client takes. Before enrolment there is no store, and every command that needs one says what
//! to do (`not_enrolled`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Instant;

use sotay_device::{AppAction, Enrolment, PinAttempts, Settings};
use sotay_store::{DeviceIdentity, Store};

use crate::error::{CmdResult, CommandError};
use crate::sync_task::SyncTask;

/// The device database's file name in the data folder.
pub const STORE_FILE: &str = "sotay.sqlite3";

/// An enrolled device: its enrolment and its open store.
#[derive(Clone)]
pub struct Session {
    /// What the office gave the device.
    pub enrolment: Enrolment,
    /// The device database (shared with the sync task).
    pub store: Arc<Mutex<Store>>,
}

/// The PIN lock's state.
#[derive(Debug, Default)]
pub struct LockState {
    /// Locked now.
    pub locked: bool,
    /// Wrong attempts in a row.
    pub attempts: PinAttempts,
}

/// Everything the commands share.
pub struct AppState {
    /// The app's data folder.
    pub data_dir: PathBuf,
    session: RwLock<Option<Session>>,
    /// Why the store could not be opened at start, if it could not.
    pub store_error: RwLock<Option<CommandError>>,
    /// Settings (written through to `settings.json`).
    pub settings: Mutex<Settings>,
    /// The PIN lock.
    pub lock: Mutex<LockState>,
    /// The background sync.
    pub sync: SyncTask,
    /// When the process started (for the start-up benchmark).
    pub started: Instant,
}

fn lock_mutex<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these locks leaves nothing half-written (files are replaced
    // atomically, SQLite rolls back), so a poisoned lock is safe to keep using.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Opens the (encrypted) store of an enrolled device with the key kept beside it.
pub fn open_store(data_dir: &Path, enrolment: &Enrolment) -> Result<Store, CommandError> {
    let key = sotay_store::StoreKey::from_bytes(sotay_device::store_key::load_or_create(data_dir)?);
    Ok(Store::open(
        data_dir.join(STORE_FILE),
        DeviceIdentity {
            device_id: enrolment.device_id,
            user_id: enrolment.user.id,
        },
        &key,
    )?)
}

impl AppState {
    /// Loads the settings and the enrolment from `data_dir` and opens the store when enrolled.
    /// A store that cannot be opened is reported by `app_status`, not by a crash.
    pub fn load(data_dir: PathBuf, sync: SyncTask) -> AppState {
        let settings = Settings::load(&data_dir);
        let mut store_error = None;
        let session = match Enrolment::load(&data_dir) {
            Ok(Some(enrolment)) => match open_store(&data_dir, &enrolment) {
                Ok(store) => Some(Session {
                    enrolment,
                    store: Arc::new(Mutex::new(store)),
                }),
                Err(err) => {
                    store_error = Some(err);
                    None
                }
            },
            Ok(None) => None,
            Err(err) => {
                store_error = Some(CommandError::from(err));
                None
            }
        };
        if let Err(err) = &settings {
            store_error.get_or_insert_with(|| {
                CommandError::from(sotay_device::DeviceError::File {
                    what: err.to_string(),
                })
            });
        }
        let settings = settings.unwrap_or_default();
        let locked = settings.pin.is_some();
        AppState {
            data_dir,
            session: RwLock::new(session),
            store_error: RwLock::new(store_error),
            settings: Mutex::new(settings),
            lock: Mutex::new(LockState {
                locked,
                attempts: PinAttempts::default(),
            }),
            sync,
            started: Instant::now(),
        }
    }

    /// The enrolled session, if any (no lock check: for the shell itself).
    pub fn session(&self) -> Option<Session> {
        self.session
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Installs the session after a successful enrolment.
    pub fn set_session(&self, session: Session) {
        *self
            .session
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(session);
        *self
            .store_error
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }

    /// The settings, locked for reading or writing.
    pub fn settings(&self) -> MutexGuard<'_, Settings> {
        lock_mutex(&self.settings)
    }

    /// The PIN lock state.
    pub fn lock_state(&self) -> MutexGuard<'_, LockState> {
        lock_mutex(&self.lock)
    }

    /// Refuses while the PIN lock is on.
    pub fn require_unlocked(&self) -> CmdResult<()> {
        if self.lock_state().locked {
            Err(CommandError::locked())
        } else {
            Ok(())
        }
    }

    /// The session of an enrolled, unlocked device.
    pub fn require_session(&self) -> CmdResult<Session> {
        self.require_unlocked()?;
        self.session().ok_or_else(|| {
            self.store_error
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .clone()
                .unwrap_or_else(CommandError::not_enrolled)
        })
    }

    /// Refuses an action the user's role may not do.
    pub fn require_action(&self, action: AppAction) -> CmdResult<Session> {
        let session = self.require_session()?;
        if action.allowed_for(session.enrolment.user.role) {
            Ok(session)
        } else {
            Err(CommandError::forbidden())
        }
    }

    /// Runs `work` on the store of an enrolled, unlocked device.
    pub fn with_store<T>(
        &self,
        work: impl FnOnce(&Store, &Enrolment) -> Result<T, CommandError>,
    ) -> CmdResult<T> {
        let session = self.require_session()?;
        let store = lock_mutex(&session.store);
        work(&store, &session.enrolment)
    }

    /// Runs `work` on the store after checking the role may do `action`.
    pub fn with_store_for<T>(
        &self,
        action: AppAction,
        work: impl FnOnce(&Store, &Enrolment) -> Result<T, CommandError>,
    ) -> CmdResult<T> {
        let session = self.require_action(action)?;
        let store = lock_mutex(&session.store);
        work(&store, &session.enrolment)
    }

    /// Runs a save on the store (after checking the role may do `action`), then tells the
    /// sync task a change waits: it syncs once saves stop for a few seconds.
    pub fn save<T>(
        &self,
        action: Option<AppAction>,
        work: impl FnOnce(&Store, &Enrolment) -> Result<T, CommandError>,
    ) -> CmdResult<T> {
        let session = match action {
            Some(action) => self.require_action(action)?,
            None => self.require_session()?,
        };
        let store = lock_mutex(&session.store);
        let result = work(&store, &session.enrolment)?;
        let pending = store.outbox_pending_count().unwrap_or_default();
        drop(store);
        self.sync.saved(pending);
        Ok(result)
    }
}

/// Locks a store handle (for the sync task and the shell).
pub fn lock_store(store: &Arc<Mutex<Store>>) -> MutexGuard<'_, Store> {
    lock_mutex(store)
}
