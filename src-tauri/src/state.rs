//! What the app holds while it runs: the data folder, the settings, the PIN lock, and — once the
//! device is enrolled — the enrolment and, once the PIN has unwrapped the database key, the key
//! and the store behind the same `Arc<Mutex<Store>>` the sync client takes. Before enrolment
//! there is no store, and every command that needs one says what to do (`not_enrolled`); before
//! the PIN, every command says to type it (`locked`) or to set one (`pin_required`).
//!
//! The key stays in memory from the first unlock until the app exits or is wiped: the idle lock
//! only closes the screens, so the background sync goes on while the phone sits in a pocket.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use sotay_device::store_key::{self, StoredKey, Unlocked};
use sotay_device::{
    AppAction, DeviceError, Enrolment, PinAttempts, PinCost, Settings, platform_keystore,
};
use sotay_store::{DeviceIdentity, Store, StoreKey};

use crate::dto::AppStatus;
use crate::error::{CmdResult, CommandError};
use crate::sync_task::SyncTask;

/// The event that tells the UI the app's status changed (enrolled, locked, wiped…): its payload
/// is [`AppState::status`].
pub const STATUS_EVENT: &str = "app://status";

/// The device database's file name in the data folder.
pub const STORE_FILE: &str = sotay_device::erase::DATABASE_FILE_NAME;

/// An enrolled device whose store is open: its enrolment and the store behind the same
/// `Arc<Mutex<Store>>` the sync client takes.
#[derive(Clone)]
pub struct Session {
    /// What the office gave the device.
    pub enrolment: Enrolment,
    /// The device database (shared with the sync task).
    pub store: Arc<Mutex<Store>>,
}

/// How the database key is kept on disk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyProtection {
    /// Wrapped by the PIN (`store-key.json`).
    Pin,
    /// An earlier version's raw key, with its PIN record in `settings.json`: wrapped at the next
    /// unlock.
    LegacyPin,
    /// No PIN yet: the key is in memory (a new enrolment) or raw on disk (an earlier version
    /// used without a PIN). The app asks for a PIN before anything else.
    #[default]
    NoPin,
}

/// The PIN lock's state.
#[derive(Debug, Default)]
pub struct LockState {
    /// Locked now (with no PIN yet: until one is set).
    pub locked: bool,
    /// Wrong attempts in a row.
    pub attempts: PinAttempts,
    /// How the key is kept.
    pub protection: KeyProtection,
}

/// Everything the commands share.
pub struct AppState {
    /// The app's data folder.
    pub data_dir: PathBuf,
    enrolment: RwLock<Option<Enrolment>>,
    session: RwLock<Option<Session>>,
    /// The database key while the app runs (from the first unlock, or made at enrolment); held
    /// while a PIN is checked or set, so those happen one at a time.
    key: Mutex<Option<StoreKey>>,
    /// Why the store could not be opened, if it could not.
    pub store_error: RwLock<Option<CommandError>>,
    /// What the first-run screen says (the office had this device wiped).
    pub notice: RwLock<Option<CommandError>>,
    /// Settings (written through to `settings.json`).
    pub settings: Mutex<Settings>,
    /// The PIN lock.
    pub lock: Mutex<LockState>,
    /// The background sync.
    pub sync: SyncTask,
    /// When the process started (for the start-up benchmark).
    pub started: Instant,
    /// Hands back the store's page cache a second after the last command
    /// ([`crate::memory::IdleTrim`]).
    pub idle_trim: crate::memory::IdleTrim,
}

fn lock_mutex<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these locks leaves nothing half-written (files are replaced
    // atomically, SQLite rolls back), so a poisoned lock is safe to keep using.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn read<T: Clone>(lock: &RwLock<T>) -> T {
    lock.read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone()
}

fn write<T>(lock: &RwLock<T>, value: T) {
    *lock
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = value;
}

/// Opens the (encrypted) store of an enrolled device with its key.
pub fn open_store(
    data_dir: &Path,
    enrolment: &Enrolment,
    key: &StoreKey,
) -> Result<Store, CommandError> {
    let store = Store::open(
        data_dir.join(STORE_FILE),
        DeviceIdentity {
            device_id: enrolment.device_id,
            user_id: enrolment.user.id,
        },
        key,
    )?;
    crate::memory::size_store_cache(&store)?;
    // A phone that synced before the office withheld its role's values blanks them now.
    store.withhold(enrolment.user.role)?;
    Ok(store)
}

/// What a start-over after a forgotten PIN names the files it moves aside.
const FORGOTTEN_PIN: &str = "forgotten-pin";

/// Moves a database left in the data folder (with its write-ahead log and its key files, so it
/// stays readable) aside under `<name>.<why>-<time>`: a new store starts beside it, and nothing
/// that might hold a saved record is deleted.
pub fn set_aside(data_dir: &Path, why: &str) -> Result<(), CommandError> {
    let stamp = chrono::Utc::now().timestamp();
    for name in [
        STORE_FILE.to_owned(),
        format!("{STORE_FILE}-wal"),
        format!("{STORE_FILE}-shm"),
    ] {
        let path = data_dir.join(&name);
        if !path.exists() {
            continue;
        }
        // `<db>.<why>-<t>` and `<db>.<why>-<t>-wal`: SQLite finds the log beside the copy.
        let aside = match name.strip_prefix(STORE_FILE) {
            Some(suffix) => format!("{STORE_FILE}.{why}-{stamp}{suffix}"),
            None => format!("{name}.{why}-{stamp}"),
        };
        std::fs::rename(&path, data_dir.join(aside)).map_err(|e| {
            CommandError::from(DeviceError::File {
                what: format!("{}: {e}", path.display()),
            })
        })?;
    }
    for path in [
        store_key::wrapped_path(data_dir),
        store_key::raw_path(data_dir),
    ] {
        if path.exists() {
            let mut aside = path.as_os_str().to_owned();
            aside.push(format!(".{why}-{stamp}"));
            std::fs::rename(&path, &aside).map_err(|e| {
                CommandError::from(DeviceError::File {
                    what: format!("{}: {e}", path.display()),
                })
            })?;
        }
    }
    Ok(())
}

/// Closes the store: waits for the command using it, then for the last handle to go.
fn close_store(session: Session) {
    drop(lock_mutex(&session.store));
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut store = session.store;
    loop {
        match Arc::try_unwrap(store) {
            Ok(mutex) => {
                drop(mutex);
                return;
            }
            // Only commands already running hold a handle (the state no longer gives any out).
            Err(shared) if Instant::now() < deadline => {
                store = shared;
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(_) => return,
        }
    }
}

impl AppState {
    /// Loads the settings and the enrolment from `data_dir`. An enrolled device starts locked:
    /// its store opens when the PIN unwraps the key. Without a PIN yet (a key from an earlier
    /// version, or an enrolment cut short before the PIN was set) the store opens now and the app
    /// asks for a PIN first. Whatever cannot be read is reported by `app_status`, not by a crash,
    /// and changes nothing.
    pub fn load(data_dir: PathBuf, sync: SyncTask) -> AppState {
        let mut store_error = None;
        let settings = Settings::load(&data_dir).unwrap_or_else(|err| {
            store_error = Some(CommandError::from(err));
            Settings::default()
        });
        let enrolment = Enrolment::load(&data_dir).unwrap_or_else(|err| {
            store_error.get_or_insert(CommandError::from(err));
            None
        });
        let mut protection = KeyProtection::NoPin;
        let mut session = None;
        let mut key = None;
        if let Some(enrolment) = &enrolment {
            let stored = store_key::load(&data_dir);
            let opened = match stored {
                Ok(StoredKey::Wrapped(_)) => {
                    protection = KeyProtection::Pin;
                    None
                }
                Ok(StoredKey::Raw(_)) if settings.pin.is_some() => {
                    protection = KeyProtection::LegacyPin;
                    None
                }
                Ok(StoredKey::Raw(raw)) => Some(Ok(StoreKey::from_bytes(*raw))),
                // Enrolled, but the app stopped before a PIN wrapped the key it held in memory:
                // the store (only what the office sent; nothing is saved before the PIN) cannot
                // be read. It is set aside and a new one pulls the area again.
                Ok(StoredKey::Missing) => {
                    Some(set_aside(&data_dir, "no-key").map(|()| StoreKey::generate()))
                }
                Err(err) => {
                    protection = KeyProtection::Pin;
                    store_error = Some(CommandError::from(err));
                    None
                }
            };
            match opened {
                Some(Ok(new_key)) => match open_store(&data_dir, enrolment, &new_key) {
                    Ok(store) => {
                        session = Some(Session {
                            enrolment: enrolment.clone(),
                            store: Arc::new(Mutex::new(store)),
                        });
                        key = Some(new_key);
                    }
                    Err(err) => store_error = Some(err),
                },
                Some(Err(err)) => store_error = Some(err),
                None => {}
            }
        }
        AppState {
            data_dir,
            lock: Mutex::new(LockState {
                locked: enrolment.is_some(),
                attempts: PinAttempts::default(),
                protection,
            }),
            enrolment: RwLock::new(enrolment),
            session: RwLock::new(session),
            key: Mutex::new(key),
            store_error: RwLock::new(store_error),
            notice: RwLock::new(None),
            settings: Mutex::new(settings),
            sync,
            started: Instant::now(),
            idle_trim: crate::memory::IdleTrim::default(),
        }
    }

    /// What the UI needs to decide which screen to show.
    pub fn status(&self) -> AppStatus {
        let session = self.session();
        let settings = self.settings().clone();
        let policy_version = session
            .as_ref()
            .and_then(|s| lock_store(&s.store).policy_version().ok())
            .unwrap_or_else(|| sotay_domain::Policy::embedded().version.clone());
        // The lowest income today (the forms start from it: 1.500.000 ₫ to the end of 2026,
        // 2.200.000 ₫ from 2027), by the policy in use.
        let today = sotay_store::clock::local_date(chrono::Utc::now());
        let store_policy = session
            .as_ref()
            .and_then(|s| lock_store(&s.store).policy().ok());
        let income_floor = store_policy
            .as_deref()
            .unwrap_or(sotay_domain::Policy::embedded())
            .income_floor_on(today)
            .ok()
            .map(|floor| floor.amount);
        let enrolment = self.enrolment();
        let enrolment = enrolment.as_ref();
        // One lock at a time: a guard in an expression lives to the end of its statement.
        let locked = self.lock_state().locked;
        let pin_set = self.pin_set();
        AppStatus {
            enrolled: enrolment.is_some(),
            user: enrolment.map(|e| e.user.clone()),
            office_url: enrolment.map(|e| e.office_url.clone()),
            device_id: enrolment.map(|e| e.device_id),
            communes: enrolment.map(|e| e.communes.clone()).unwrap_or_default(),
            actions: enrolment.map_or_else(Vec::new, |e| AppAction::allowed(e.user.role)),
            locked,
            pin_set,
            language: settings.language,
            idle_lock_minutes: settings.idle_lock_minutes(),
            policy_version,
            income_floor,
            app_version: env!("CARGO_PKG_VERSION"),
            protocol_version: sotay_sync::protocol::PROTOCOL_VERSION,
            platform: std::env::consts::OS,
            store_error: self
                .store_error
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .clone(),
            notice: self
                .notice
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .clone(),
        }
    }

    /// Refreshes the sync status's counts from the store (if open) and reports them.
    pub fn refresh_sync_counts(&self) {
        let session = self.session();
        self.sync
            .refresh_counts(session.as_ref().map(|s| &*s.store));
    }

    /// The enrolment, if the device is enrolled (its store may still be closed).
    pub fn enrolment(&self) -> Option<Enrolment> {
        read(&self.enrolment)
    }

    /// The session of an open store, if any (no lock check: for the shell itself).
    pub fn session(&self) -> Option<Session> {
        read(&self.session)
    }

    /// Installs the session (after enrolment, or a changed office address).
    pub fn set_session(&self, session: Session) {
        write(&self.enrolment, Some(session.enrolment.clone()));
        write(&self.session, Some(session));
        write(&self.store_error, None);
    }

    /// A new enrolment with its new store and the key it was made with (held in memory only):
    /// the app asks for the PIN that will wrap the key before anything else.
    pub fn enrolled(&self, session: Session, key: StoreKey) {
        let mut slot = lock_mutex(&self.key);
        self.set_session(session);
        *slot = Some(key);
        write(&self.notice, None);
        let mut lock = self.lock_state();
        lock.protection = KeyProtection::NoPin;
        lock.locked = true;
    }

    /// Removes an earlier version's PIN record from the settings once the key is wrapped.
    fn forget_legacy_pin(&self) -> CmdResult<()> {
        let mut settings = self.settings();
        if settings.pin.is_some() {
            let mut next = settings.clone();
            next.pin = None;
            next.save(&self.data_dir)?;
            *settings = next;
        }
        Ok(())
    }

    /// Opens the lock with the PIN. At the first unlock after start the PIN unwraps the
    /// database key (an earlier version's raw key is wrapped on the way) and the store opens;
    /// after an idle lock it is checked the same way. Wrong PINs count toward the lock-out.
    pub fn unlock(&self, pin: &str) -> CmdResult<()> {
        let mut slot = lock_mutex(&self.key);
        let Some(enrolment) = self.enrolment() else {
            self.lock_state().locked = false;
            return Ok(());
        };
        let protection = self.lock_state().protection;
        if protection == KeyProtection::NoPin {
            return Err(DeviceError::PinRequired.into());
        }
        self.lock_state().attempts.check(Instant::now())?;
        let legacy = self.settings().pin.clone();
        let raw = match store_key::unlock(&self.data_dir, pin, legacy.as_ref(), platform_keystore())
        {
            Ok(Unlocked::Key(raw)) => raw,
            Ok(Unlocked::WrongPin) => {
                return Err(self.lock_state().attempts.wrong(Instant::now()).into());
            }
            Err(err) => {
                let err = CommandError::from(err);
                write(&self.store_error, Some(err.clone()));
                return Err(err);
            }
        };
        self.lock_state().attempts.right();
        self.lock_state().protection = KeyProtection::Pin;
        self.forget_legacy_pin()?;
        if self.session().is_none() {
            let key = StoreKey::from_bytes(*raw);
            let store = open_store(&self.data_dir, &enrolment, &key).inspect_err(|err| {
                write(&self.store_error, Some(err.clone()));
            })?;
            self.set_session(Session {
                enrolment,
                store: Arc::new(Mutex::new(store)),
            });
            *slot = Some(key);
            self.sync.now();
        }
        self.lock_state().locked = false;
        Ok(())
    }

    /// Sets the first PIN (the key held since enrolment, or an earlier version's raw key, is
    /// wrapped by it), or changes the PIN after checking the current one (the same key is
    /// wrapped again; the database is not touched).
    pub fn set_pin(&self, current: &str, pin: &str) -> CmdResult<()> {
        let slot = lock_mutex(&self.key);
        if self.enrolment().is_none() {
            return Err(CommandError::not_enrolled());
        }
        let protection = self.lock_state().protection;
        let keystore = platform_keystore();
        if protection == KeyProtection::NoPin {
            let key = slot.as_ref().ok_or_else(|| {
                read(&self.store_error).unwrap_or_else(CommandError::not_enrolled)
            })?;
            store_key::protect(
                &self.data_dir,
                key.as_bytes(),
                pin,
                PinCost::DEFAULT,
                keystore,
            )?;
        } else {
            self.require_unlocked()?;
            self.lock_state().attempts.check(Instant::now())?;
            let legacy = self.settings().pin.clone();
            match store_key::unlock(&self.data_dir, current, legacy.as_ref(), keystore)? {
                Unlocked::WrongPin => {
                    let err = self.lock_state().attempts.wrong(Instant::now());
                    return Err(CommandError::from(err).on_field("current_pin"));
                }
                Unlocked::Key(raw) => {
                    self.lock_state().attempts.right();
                    store_key::protect(&self.data_dir, &raw, pin, PinCost::DEFAULT, keystore)?;
                }
            }
        }
        self.forget_legacy_pin()?;
        let mut lock = self.lock_state();
        lock.protection = KeyProtection::Pin;
        lock.locked = false;
        Ok(())
    }

    /// Locks the app now; with no PIN yet there is nothing to lock with.
    pub fn lock_now(&self) {
        let mut lock = self.lock_state();
        if lock.protection != KeyProtection::NoPin && self.enrolment().is_some() {
            lock.locked = true;
        }
        drop(lock);
        // A locked app keeps no decrypted page of the villagers' records in its memory.
        self.release_store_cache();
    }

    /// Hands back the store's page cache, if a store is open (the next screen reads its pages
    /// from the file again): at the lock, and a second after the last command
    /// ([`crate::memory::IdleTrim`]). A sync holding the store keeps it: this does not wait for
    /// the sync.
    pub fn release_store_cache(&self) {
        if let Some(session) = self.session()
            && let Ok(store) = session.store.try_lock()
            && let Err(e) = crate::memory::release_store(&store)
        {
            tracing::warn!("the store's cache was not released: {e}");
        }
    }

    /// Whether a PIN protects the key.
    pub fn pin_set(&self) -> bool {
        self.lock_state().protection != KeyProtection::NoPin
    }

    /// The office ordered this device wiped (it was reported lost, and everything it pushed has
    /// arrived): forgets the session and the key, closes the store, erases the app's files
    /// (`sotay_device::erase_all`) and goes back to the first-run state with `notice` to show.
    pub fn wipe(&self, notice: CommandError) -> CmdResult<()> {
        let mut slot = lock_mutex(&self.key);
        let session = self
            .session
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        write(&self.enrolment, None);
        if let Some(session) = session {
            close_store(session);
        }
        *slot = None;
        let erased = sotay_device::erase_all(&self.data_dir).map_err(CommandError::from);
        *self.settings() = Settings::default();
        *self.lock_state() = LockState::default();
        write(&self.store_error, erased.clone().err());
        write(&self.notice, Some(notice));
        erased
    }

    /// "Quên mã PIN": nobody can open the store without the PIN, so the device starts over.
    /// This activation's files (the store with its write-ahead log, its key files, and the
    /// enrolment) are moved aside under `<name>.forgotten-pin-<time>`, never deleted: with the
    /// old PIN they still open. The store is closed if it was open, and the app returns to the
    /// first-run screen, to be activated again with a new code. Only while the lock is on.
    pub fn start_over(&self) -> CmdResult<()> {
        let mut slot = lock_mutex(&self.key);
        if self.enrolment().is_none() {
            return Err(CommandError::not_enrolled());
        }
        if !self.lock_state().locked {
            return Err(CommandError::new(
                "not_locked",
                "Ứng dụng đang mở: đổi mã PIN trong Cài đặt.",
            ));
        }
        let session = self
            .session
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(session) = session {
            close_store(session);
        }
        *slot = None;
        set_aside(&self.data_dir, FORGOTTEN_PIN)?;
        let enrolment_file = Enrolment::path(&self.data_dir);
        if enrolment_file.exists() {
            let mut aside = enrolment_file.as_os_str().to_owned();
            aside.push(format!(
                ".{FORGOTTEN_PIN}-{}",
                chrono::Utc::now().timestamp()
            ));
            std::fs::rename(&enrolment_file, &aside).map_err(|e| {
                CommandError::from(DeviceError::File {
                    what: format!("{}: {e}", enrolment_file.display()),
                })
            })?;
        }
        write(&self.enrolment, None);
        *self.lock_state() = LockState::default();
        write(&self.store_error, None);
        self.sync.update(|status| {
            *status = crate::dto::SyncStatusDto {
                state: "not_enrolled",
                ..crate::dto::SyncStatusDto::default()
            }
        });
        Ok(())
    }

    /// The settings, locked for reading or writing.
    pub fn settings(&self) -> MutexGuard<'_, Settings> {
        lock_mutex(&self.settings)
    }

    /// The PIN lock state.
    pub fn lock_state(&self) -> MutexGuard<'_, LockState> {
        lock_mutex(&self.lock)
    }

    /// Refuses while the PIN lock is on (or, enrolled without a PIN yet, until one is set).
    pub fn require_unlocked(&self) -> CmdResult<()> {
        let lock = self.lock_state();
        match (lock.locked, lock.protection) {
            (false, _) => Ok(()),
            (true, KeyProtection::NoPin) => Err(DeviceError::PinRequired.into()),
            (true, _) => Err(CommandError::locked()),
        }
    }

    /// The session of an enrolled, unlocked device.
    pub fn require_session(&self) -> CmdResult<Session> {
        self.require_unlocked()?;
        self.session()
            .ok_or_else(|| read(&self.store_error).unwrap_or_else(CommandError::not_enrolled))
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
        let result = work(&store, &session.enrolment);
        self.idle_trim.touch();
        result
    }

    /// Runs `work` on the store after checking the role may do `action`.
    pub fn with_store_for<T>(
        &self,
        action: AppAction,
        work: impl FnOnce(&Store, &Enrolment) -> Result<T, CommandError>,
    ) -> CmdResult<T> {
        let session = self.require_action(action)?;
        let store = lock_mutex(&session.store);
        let result = work(&store, &session.enrolment);
        self.idle_trim.touch();
        result
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
        self.idle_trim.touch();
        self.sync.saved(pending);
        Ok(result)
    }
}

/// Locks a store handle (for the sync task and the shell).
pub fn lock_store(store: &Arc<Mutex<Store>>) -> MutexGuard<'_, Store> {
    lock_mutex(store)
}
