//! Opening the device database and the write path every repository call goes through:
//! validate, check the rules that need other records, diff against the stored record, tick the
//! hybrid logical clock, upsert the row and append the outbox op — all in one transaction, so a
//! saved record always has its op and an op never exists without its record.

use rusqlite::{
    Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior, params,
};
use rusqlite_migration::{M, Migrations};
use serde_json::{Map, Value};
use sotay_domain::merge::RecordState;
use sotay_domain::{
    DELETED_FIELD, Enrollment, EntityKind, FollowUp, Hlc, HlcClock, Household, Op, OutreachEvent,
    Payment, Person, Quota, Remittance, ValidationContext, Village, Visit,
};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use uuid::Uuid;

use crate::clock::{SystemClock, WallClock, hlc_millis, local_date};
use crate::encryption::{
    StoreKey, encrypt_in_place, is_plain_database, plain_user_version, unlock,
};
use crate::error::{Result, StoreError};
use crate::records::{Record, blob, search_table, table, uuid_from};
use crate::search;

/// The device schema migrations, in order. Append-only: released files are never edited.
pub static MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("../../../migrations/device/0001_records.sql")),
    M::up(include_str!("../../../migrations/device/0002_search.sql")),
    M::up(include_str!(
        "../../../migrations/device/0003_search_domain_fold.sql"
    )),
    M::up(include_str!(
        "../../../migrations/device/0004_household_name_keys.sql"
    )),
    M::up(include_str!("../../../migrations/device/0005_drafts.sql")),
];

/// The migration list as `rusqlite_migration` wants it.
pub fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATIONS)
}

/// The page cache of a store's connection, as SQLite's `cache_size` (negative: KiB).
pub const STORE_CACHE_KIB: i64 = -32_768;

/// The newest schema version this build knows (`PRAGMA user_version` after migrating).
pub fn schema_version() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

/// Who writes on this device: every op carries both ids, and the device id is the node of the
/// hybrid logical clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceIdentity {
    /// The device (from enrolment).
    pub device_id: Uuid,
    /// The user the device belongs to.
    pub user_id: Uuid,
}

/// The device database. Methods take `&self`; the store is `Send` but not `Sync`, so share it
/// behind a mutex.
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) identity: DeviceIdentity,
    pub(crate) clock: Arc<dyn WallClock>,
    /// The policy data in use, read once (see `policy.rs`).
    pub(crate) policy: std::sync::Mutex<Option<Arc<sotay_domain::Policy>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.conn.path())
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

/// Opens (or creates) the database file at `path` for this thread's use: read-write, with URI
/// names, without SQLite's own mutex (the store is behind the app's).
fn open_file(path: impl AsRef<Path>) -> Result<Connection> {
    Ok(Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )?)
}

impl Store {
    /// Opens (or creates) the encrypted database file at `path` with `key` and the system
    /// clock. A plain database from before encryption is encrypted in place first; a wrong key
    /// is [`StoreError::WrongKey`] and touches nothing.
    pub fn open(path: impl AsRef<Path>, identity: DeviceIdentity, key: &StoreKey) -> Result<Store> {
        Store::open_with_clock(path, identity, key, Arc::new(SystemClock))
    }

    /// Opens (or creates) `path` as a plain, unencrypted file. Only for measurement and tools
    /// (the store benchmark compares it with the encrypted file): the app always opens its
    /// database with a key.
    pub fn open_plain_with_clock(
        path: impl AsRef<Path>,
        identity: DeviceIdentity,
        clock: Arc<dyn WallClock>,
    ) -> Result<Store> {
        let conn = open_file(path)?;
        Store::from_connection(conn, identity, clock)
    }

    /// Opens a database in memory (tests, previews), through the same set-up as a file.
    pub fn open_in_memory(identity: DeviceIdentity) -> Result<Store> {
        Store::open_in_memory_with_clock(identity, Arc::new(SystemClock))
    }

    /// Opens (or creates) the encrypted file at `path` with `key`, reading time from `clock`.
    pub fn open_with_clock(
        path: impl AsRef<Path>,
        identity: DeviceIdentity,
        key: &StoreKey,
        clock: Arc<dyn WallClock>,
    ) -> Result<Store> {
        let path = path.as_ref();
        // A plain file from a newer app is refused before anything (encryption included)
        // touches it.
        if is_plain_database(path)? {
            let found = plain_user_version(path)?;
            if found > schema_version() {
                return Err(StoreError::SchemaTooNew {
                    found,
                    supported: schema_version(),
                });
            }
            encrypt_in_place(path, key)?;
        }
        let conn = open_file(path)?;
        unlock(&conn, key)?;
        Store::from_connection(conn, identity, clock)
    }

    /// Opens a database in memory reading time from `clock`.
    pub fn open_in_memory_with_clock(
        identity: DeviceIdentity,
        clock: Arc<dyn WallClock>,
    ) -> Result<Store> {
        Store::from_connection(Connection::open_in_memory()?, identity, clock)
    }

    /// The one constructor: pragmas, the schema-version guard, migrations, the device row.
    fn from_connection(
        mut conn: Connection,
        identity: DeviceIdentity,
        clock: Arc<dyn WallClock>,
    ) -> Result<Store> {
        if identity.device_id.is_nil() || identity.user_id.is_nil() {
            return Err(StoreError::rule(
                "identity_missing",
                "device_id",
                "Thiết bị chưa được kích hoạt với cơ quan BHXH. Hãy kích hoạt thiết bị bằng mã do cán \
                 bộ BHXH cấp rồi mở lại.",
            ));
        }
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // WAL: readers never block the writer and a killed app never corrupts the file.
        // synchronous=NORMAL: a commit survives the app being killed; only a power cut may lose
        // the last commits (never corrupt), the usual trade-off for phones.
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // A checkpoint (copying the WAL into the file, with an fsync) runs inside whichever save
        // crosses the threshold and costs a few milliseconds; at SQLite's default of 1,000 pages
        // that is one save in ~100, which sets the p99. At 4,000 pages (a WAL of ~16 MB at most)
        // it is one save in ~400, and the app also calls `checkpoint` when idle.
        let _: i64 = conn.query_row("PRAGMA wal_autocheckpoint = 4000", [], |r| r.get(0))?;
        // 32 MiB of page cache (SQLite's default is 2 MiB): search and today's list touch index
        // pages all over a 150,000-person area, and on the encrypted file every page read from
        // disk is also decrypted and checked, so a page kept is a page not decrypted again;
        // cheap phones have 2–3 GB of RAM, and the cache only fills as pages are read.
        conn.pragma_update(None, "cache_size", STORE_CACHE_KIB)?;
        let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if found > schema_version() {
            return Err(StoreError::SchemaTooNew {
                found,
                supported: schema_version(),
            });
        }
        migrations().to_latest(&mut conn)?;
        let stored: Option<(Vec<u8>, Vec<u8>)> = conn
            .query_row(
                "SELECT device_id, user_id FROM device WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match stored {
            None => {
                conn.execute(
                    "INSERT INTO device (id, device_id, user_id, hlc) VALUES (1, ?1, ?2, ?3)",
                    params![
                        identity.device_id.as_bytes(),
                        identity.user_id.as_bytes(),
                        Hlc::zero(identity.device_id).to_string()
                    ],
                )?;
            }
            Some((device, user))
                if device.as_slice() == identity.device_id.as_bytes()
                    && user.as_slice() == identity.user_id.as_bytes() => {}
            Some(_) => return Err(StoreError::IdentityMismatch),
        }
        let store = Store {
            conn,
            identity,
            clock,
            policy: std::sync::Mutex::new(None),
        };
        if store.meta("search_rebuild")?.is_some() {
            let tx = store.write_tx()?;
            search::rebuild(&tx)?;
            tx.commit()?;
        }
        // Sort keys are made again after the migration that added them, and whenever the
        // collation data this build carries sorts differently from the data they were made with.
        let collation = sotay_domain::collate::fingerprint();
        if store.meta("name_keys_rebuild")?.is_some()
            || store.meta("name_keys_collation")?.as_deref() != Some(collation.as_str())
        {
            let tx = store.write_tx()?;
            crate::records::rebuild_name_keys(&tx, &collation)?;
            tx.commit()?;
        }
        Ok(store)
    }

    /// Who this store writes as.
    pub fn identity(&self) -> DeviceIdentity {
        self.identity
    }

    /// Now, by the store's clock (the phone's; a test's settable one).
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Today in Asia/Ho_Chi_Minh by the store's clock.
    pub fn today(&self) -> chrono::NaiveDate {
        local_date(self.clock.now())
    }

    /// `PRAGMA integrity_check`: `"ok"` when the file is sound.
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    /// Caps the database at about `bytes` (rounded down to whole pages), so Sotay leaves room
    /// for the rest of the phone. A write past the cap fails with [`StoreError::DiskFull`] and
    /// changes nothing, exactly as when the phone's storage is full.
    pub fn set_size_limit(&self, bytes: u64) -> Result<()> {
        let page_size = crate::encryption::page_size(&self.conn)?;
        let pages = bytes / u64::try_from(page_size.max(1)).unwrap_or(4096);
        let _: i64 = self.conn.query_row(
            &format!("PRAGMA max_page_count = {}", pages.max(1)),
            [],
            |r| r.get(0),
        )?;
        Ok(())
    }

    /// Copies the write-ahead log into the database file while nobody waits: call it when the
    /// app goes to the background or after a sync, so saves rarely pay for a checkpoint.
    pub fn checkpoint(&self) -> Result<()> {
        let _: (i64, i64, i64) =
            self.conn
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
        Ok(())
    }

    /// Hands back the memory of the page cache (SQLite frees every page no statement holds).
    /// Call it after work that reads much of the file once — Today's list reads every sign-up
    /// and payment of the area — so a cheap phone does not keep those pages decrypted in memory
    /// while the screen is read; the pages a later query needs come back from the file.
    pub fn release_memory(&self) -> Result<()> {
        self.conn.release_memory()?;
        Ok(())
    }

    /// Sets how much page cache this store's connection keeps, in KiB (the store opens with
    /// [`STORE_CACHE_KIB`]). A smaller cache leaves the caching of the file to the system's page
    /// cache, which the system can take back when memory is short; on the encrypted file each page
    /// read again is also decrypted again (a few microseconds).
    pub fn set_page_cache_kib(&self, kib: u32) -> Result<()> {
        self.conn
            .pragma_update(None, "cache_size", -i64::from(kib))?;
        Ok(())
    }

    /// How much page cache this store's connection may keep, in KiB (the store always sets
    /// SQLite's `cache_size` in KiB, as a negative number).
    pub fn page_cache_kib(&self) -> Result<u64> {
        let size: i64 = self.conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
        Ok(size.unsigned_abs())
    }

    /// A write transaction that takes the write lock at once (no upgrade deadlocks).
    pub(crate) fn write_tx(&self) -> Result<Transaction<'_>> {
        Ok(Transaction::new_unchecked(
            &self.conn,
            TransactionBehavior::Immediate,
        )?)
    }

    /// Validates and saves one record with its outbox op. Returns the op, or `None` when the
    /// record was already stored exactly so (no op is written for an unchanged save). A record
    /// with a rejected op is sent again whole, and its rejection cleared.
    ///
    /// The record is first normalised ([`sotay_domain::Normalize`]: names trimmed and in NFC, phones as
    /// `0XXXXXXXXX`, receipt numbers upper-cased…), and the clean copy is what is validated,
    /// diffed and stored. A sign-up is also checked against its stored person
    /// ([`sotay_domain::validate_enrollment_for`]: old enough, has an ID number).
    pub fn save<E: Record>(&self, record: &E) -> Result<Option<Op>> {
        let policy = self.policy()?;
        let ctx = ValidationContext::new(self.today()).with_policy(&policy);
        let record = record.clone().normalized();
        record.validate(&ctx).map_err(StoreError::Invalid)?;
        let tx = self.write_tx()?;
        let op = write_record(&tx, &self.identity, self.clock.as_ref(), &ctx, &record)?;
        tx.commit()?;
        Ok(op)
    }

    /// Validates every record, then saves them all in one transaction (imports, lists from the
    /// commune). Nothing is saved if any record is refused. Returns the number of ops written.
    /// Each record is normalised first, as in [`Store::save`].
    pub fn save_batch<E: Record>(&self, records: &[E]) -> Result<usize> {
        let policy = self.policy()?;
        let ctx = ValidationContext::new(self.today()).with_policy(&policy);
        let records: Vec<E> = records.iter().cloned().map(E::normalized).collect();
        for record in &records {
            record.validate(&ctx).map_err(StoreError::Invalid)?;
        }
        let tx = self.write_tx()?;
        let mut written = 0;
        for record in &records {
            if write_record(&tx, &self.identity, self.clock.as_ref(), &ctx, record)?.is_some() {
                written += 1;
            }
        }
        tx.commit()?;
        Ok(written)
    }

    /// The value kept under `key` in the `meta` table, if any.
    pub(crate) fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    /// Reads a live record (None if missing or deleted).
    pub fn get<E: Record>(&self, id: Uuid) -> Result<Option<E>> {
        let sql = format!(
            "SELECT data FROM {} WHERE id = ?1 AND deleted = 0",
            table(E::KIND)
        );
        let data: Option<String> = self
            .conn
            .prepare_cached(&sql)?
            .query_row([id.as_bytes()], |r| r.get(0))
            .optional()?;
        data.map(|d| decode::<E>(&d, id)).transpose()
    }

    /// Marks a record deleted (a tombstone op `deleted: true`); the data stays on the device
    /// and at the office. Returns the op, or `None` if it was already deleted.
    pub fn delete<E: Record>(&self, id: Uuid) -> Result<Option<Op>> {
        let tx = self.write_tx()?;
        let Some(mut state) = load_state(&tx, E::KIND, id)? else {
            return Err(StoreError::NotFound {
                entity: E::KIND,
                id,
            });
        };
        if is_deleted(&state) {
            return Ok(None);
        }
        let record: E = decode_fields(&state.fields, id)?;
        let hlc = tick(&tx, self.clock.as_ref())?;
        state.fields.insert(DELETED_FIELD.into(), Value::Bool(true));
        state.clocks.insert(DELETED_FIELD.into(), hlc);
        materialise(&tx, &record, &state)?;
        let mut fields = Map::new();
        fields.insert(DELETED_FIELD.into(), Value::Bool(true));
        let op = self.new_op(E::KIND, id, fields, hlc);
        insert_outbox(&tx, &op)?;
        clear_rejections(&tx, E::KIND, id)?;
        tx.commit()?;
        Ok(Some(op))
    }

    fn new_op(
        &self,
        entity: EntityKind,
        entity_id: Uuid,
        fields: Map<String, Value>,
        hlc: Hlc,
    ) -> Op {
        Op::new(
            entity,
            entity_id,
            fields,
            hlc,
            self.identity.user_id,
            self.identity.device_id,
        )
    }
}

/// The write path of one local save, inside the caller's transaction.
pub(crate) fn write_record<E: Record>(
    tx: &Connection,
    identity: &DeviceIdentity,
    clock: &dyn WallClock,
    ctx: &ValidationContext,
    record: &E,
) -> Result<Option<Op>> {
    let id = record.id();
    if id.get_version_num() != 7 {
        return Err(StoreError::rule(
            "id_not_v7",
            "id",
            "Mã bản ghi không hợp lệ (phải là UUID v7 tạo trên máy). Hãy tạo bản ghi mới.",
        ));
    }
    let (commune_code, village) = record.area();
    crate::records::check_village_in_commune(tx, commune_code, village)?;
    record.check_rules(tx, ctx)?;
    let existing = load_state(tx, E::KIND, id)?;
    let Value::Object(new_fields) = serde_json::to_value(record)? else {
        return Err(StoreError::Corrupt {
            what: format!("{} is not a JSON object", E::KIND.as_str()),
        });
    };
    let resend_whole = has_rejections(tx, E::KIND, id)?;
    let mut changed = Map::new();
    for (name, value) in &new_fields {
        let same = existing
            .as_ref()
            .is_some_and(|s| s.fields.get(name) == Some(value));
        if resend_whole || !same {
            changed.insert(name.clone(), value.clone());
        }
    }
    if existing.as_ref().is_some_and(is_deleted) {
        changed.insert(DELETED_FIELD.into(), Value::Bool(false));
    }
    if changed.is_empty() {
        return Ok(None);
    }
    let hlc = tick(tx, clock)?;
    let mut state = existing.unwrap_or_default();
    for (name, value) in &changed {
        state.fields.insert(name.clone(), value.clone());
        state.clocks.insert(name.clone(), hlc);
    }
    materialise(tx, record, &state)?;
    let op = Op::new(
        E::KIND,
        id,
        changed,
        hlc,
        identity.user_id,
        identity.device_id,
    );
    insert_outbox(tx, &op)?;
    if resend_whole {
        clear_rejections(tx, E::KIND, id)?;
    }
    Ok(Some(op))
}

pub(crate) fn is_deleted(state: &RecordState) -> bool {
    state.fields.get(DELETED_FIELD) == Some(&Value::Bool(true))
}

/// Reads a stored record's merged state (deleted ones included).
pub(crate) fn load_state(
    conn: &Connection,
    kind: EntityKind,
    id: Uuid,
) -> Result<Option<RecordState>> {
    let sql = format!(
        "SELECT data, field_clocks FROM {} WHERE id = ?1",
        table(kind)
    );
    let row: Option<(String, String)> = conn
        .prepare_cached(&sql)?
        .query_row([id.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(data, clocks)| state_from_text(kind, id, &data, &clocks))
        .transpose()
}

pub(crate) fn state_from_text(
    kind: EntityKind,
    id: Uuid,
    data: &str,
    clocks: &str,
) -> Result<RecordState> {
    let unreadable = |e: serde_json::Error| StoreError::Unreadable {
        entity: kind,
        id,
        reason: e.to_string(),
    };
    let fields = serde_json::from_str::<Map<String, Value>>(data).map_err(unreadable)?;
    let clocks = decode_field_clocks(clocks, &fields).map_err(unreadable)?;
    Ok(RecordState { fields, clocks })
}

/// Writes the clocks of a record compactly ([`RecordState::compact_clocks`]).
pub fn encode_field_clocks(state: &RecordState) -> Result<String> {
    Ok(serde_json::to_string(&state.compact_clocks())?)
}

/// Reads `field_clocks` (compact or full) back into one clock per field of `fields`.
pub fn decode_field_clocks(
    text: &str,
    fields: &Map<String, Value>,
) -> std::result::Result<BTreeMap<String, Hlc>, serde_json::Error> {
    Ok(RecordState::expand_clocks(
        serde_json::from_str::<BTreeMap<String, Hlc>>(text)?,
        fields,
    ))
}

pub(crate) fn decode<E: Record>(data: &str, id: Uuid) -> Result<E> {
    serde_json::from_str(data).map_err(|e| StoreError::Unreadable {
        entity: E::KIND,
        id,
        reason: e.to_string(),
    })
}

/// A record as a query reads it (`SELECT id, data …`): its id and its JSON.
pub(crate) type RecordRow = (Vec<u8>, String);

/// Reads a [`RecordRow`] from the first two columns.
pub(crate) fn record_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RecordRow> {
    Ok((r.get(0)?, r.get(1)?))
}

/// The record of a [`RecordRow`].
pub(crate) fn decode_row<E: Record>((id, data): RecordRow) -> Result<E> {
    decode(&data, uuid_from(&id)?)
}

/// The records `sql` (`SELECT id, data …`) selects on `conn` with `params`, decoded.
pub(crate) fn select_records<E: Record>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<E>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params, record_row)?;
    rows.map(|row| decode_row(row?)).collect()
}

/// A record read with a count beside it (`SELECT x.id, x.data, (SELECT count(*) …)`): its id,
/// its JSON and the count.
pub(crate) type CountedRow = (Vec<u8>, String, i64);

/// Reads a [`CountedRow`] from the first three columns.
pub(crate) fn counted_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CountedRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
}

/// The record of a [`CountedRow`] and its count (saturated to `u32`).
pub(crate) fn decode_counted<E: Record>((id, data, count): CountedRow) -> Result<(E, u32)> {
    Ok((
        decode(&data, uuid_from(&id)?)?,
        u32::try_from(count).unwrap_or(u32::MAX),
    ))
}

pub(crate) fn decode_fields<E: Record>(fields: &Map<String, Value>, id: Uuid) -> Result<E> {
    E::deserialize(&Value::Object(fields.clone())).map_err(|e| StoreError::Unreadable {
        entity: E::KIND,
        id,
        reason: e.to_string(),
    })
}

/// Writes the typed row of `record` with the merged `state` (data, clocks, tombstone), and keeps
/// the search index and remittance links in step.
pub(crate) fn materialise<E: Record>(
    conn: &Connection,
    record: &E,
    state: &RecordState,
) -> Result<()> {
    let deleted = is_deleted(state);
    let columns = record.row_columns();
    let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
    let placeholders: Vec<String> = (6..6 + names.len()).map(|i| format!("?{i}")).collect();
    let updates: Vec<String> = names
        .iter()
        .map(|n| format!("{n} = excluded.{n}"))
        .collect();
    let sql = format!(
        "INSERT INTO {table} (id, data, field_clocks, version, deleted, {names}) \
         VALUES (?1, ?2, ?3, ?4, ?5, {placeholders}) \
         ON CONFLICT (id) DO UPDATE SET data = excluded.data, field_clocks = excluded.field_clocks, \
         version = excluded.version, deleted = excluded.deleted, {updates} RETURNING rowid",
        table = table(E::KIND),
        names = names.join(", "),
        placeholders = placeholders.join(", "),
        updates = updates.join(", "),
    );
    let mut values: Vec<rusqlite::types::Value> = vec![
        blob(record.id()),
        rusqlite::types::Value::Text(serde_json::to_string(&state.fields)?),
        rusqlite::types::Value::Text(encode_field_clocks(state)?),
        state.version().map_or(rusqlite::types::Value::Null, |v| {
            rusqlite::types::Value::Text(v.to_string())
        }),
        rusqlite::types::Value::Integer(i64::from(deleted)),
    ];
    values.extend(columns.into_iter().map(|(_, v)| v));
    let rowid: i64 = conn
        .prepare_cached(&sql)?
        .query_row(rusqlite::params_from_iter(values), |r| r.get(0))?;
    if let Some(search_table) = search_table(E::KIND) {
        let text = if deleted { None } else { record.search_text() };
        search::index_record(conn, search_table, rowid, text.as_deref())?;
    }
    if let Some(payments) = record.linked_payments() {
        conn.prepare_cached("DELETE FROM remittance_payments WHERE remittance_id = ?1")?
            .execute([record.id().as_bytes()])?;
        if !deleted {
            let mut link = conn.prepare_cached(
                "INSERT OR IGNORE INTO remittance_payments (remittance_id, payment_id) VALUES (?1, ?2)",
            )?;
            for payment in payments {
                link.execute([record.id().as_bytes(), payment.as_bytes()])?;
            }
        }
    }
    Ok(())
}

/// Reads the persisted clock.
pub(crate) fn read_clock(conn: &Connection) -> Result<HlcClock> {
    let text: String = conn
        .prepare_cached("SELECT hlc FROM device WHERE id = 1")?
        .query_row([], |r| r.get(0))?;
    let last: Hlc = text.parse().map_err(|_| StoreError::Corrupt {
        what: format!("device clock {text:?}"),
    })?;
    Ok(HlcClock::resume(last))
}

pub(crate) fn write_clock(conn: &Connection, clock: &HlcClock) -> Result<()> {
    conn.prepare_cached("UPDATE device SET hlc = ?1 WHERE id = 1")?
        .execute([clock.last().to_string()])?;
    Ok(())
}

/// Ticks the persisted clock inside the caller's transaction.
pub(crate) fn tick(conn: &Connection, wall: &dyn WallClock) -> Result<Hlc> {
    let mut clock = read_clock(conn)?;
    let hlc = clock.tick(hlc_millis(wall.now()));
    write_clock(conn, &clock)?;
    Ok(hlc)
}

pub(crate) fn insert_outbox(conn: &Connection, op: &Op) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO outbox (op_id, entity, entity_id, fields, hlc, user_id, device_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        op.op_id.as_bytes(),
        op.entity.as_str(),
        op.entity_id.as_bytes(),
        serde_json::to_string(&op.fields)?,
        op.hlc.to_string(),
        op.user_id.as_bytes(),
        op.device_id.as_bytes(),
    ])?;
    Ok(())
}

fn has_rejections(conn: &Connection, kind: EntityKind, id: Uuid) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM rejections WHERE entity = ?1 AND entity_id = ?2 LIMIT 1")?
        .query_row(params![kind.as_str(), id.as_bytes()], |_| Ok(()))
        .optional()?
        .is_some())
}

fn clear_rejections(conn: &Connection, kind: EntityKind, id: Uuid) -> Result<()> {
    conn.prepare_cached("DELETE FROM rejections WHERE entity = ?1 AND entity_id = ?2")?
        .execute(params![kind.as_str(), id.as_bytes()])?;
    Ok(())
}

macro_rules! repositories {
    ($(($ty:ident, $snake:ident, $plural:ident, $label:literal)),* $(,)?) => {
        pastey::paste! {
            impl Store {
                $(
                    #[doc = concat!("Validates and saves a ", $label, " (`", stringify!($ty), "`) with its outbox op (see [`Store::save`]).")]
                    pub fn [<save_ $snake>](&self, record: &$ty) -> Result<Option<Op>> {
                        self.save(record)
                    }
                    #[doc = concat!("Reads a ", $label, " (`", stringify!($ty), "`; None if missing or deleted).")]
                    pub fn [<get_ $snake>](&self, id: Uuid) -> Result<Option<$ty>> {
                        self.get::<$ty>(id)
                    }
                    #[doc = concat!("Marks a ", $label, " (`", stringify!($ty), "`) deleted (tombstone; see [`Store::delete`]).")]
                    pub fn [<delete_ $snake>](&self, id: Uuid) -> Result<Option<Op>> {
                        self.delete::<$ty>(id)
                    }
                )*
            }
        }
    };
}
sotay_domain::for_each_entity!(repositories);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hlc(wall_ms: u64) -> Hlc {
        Hlc {
            wall_ms,
            counter: 0,
            node: Uuid::from_bytes([3; 16]),
        }
    }

    #[test]
    fn field_clocks_round_trip_compactly() {
        let mut state = RecordState::default();
        for (field, at) in [("a", 1), ("b", 1), ("c", 1), ("d", 2)] {
            state.fields.insert(field.into(), json!(at));
            state.clocks.insert(field.into(), hlc(at));
        }
        let text = encode_field_clocks(&state).unwrap();
        assert_eq!(
            text.matches("0000000000001").count(),
            1,
            "the shared clock is written once: {text}"
        );
        assert_eq!(
            decode_field_clocks(&text, &state.fields).unwrap(),
            state.clocks
        );

        // A clock without its field (or the reverse) is written in full, never guessed.
        state.clocks.insert("gone".into(), hlc(5));
        let text = encode_field_clocks(&state).unwrap();
        assert_eq!(
            decode_field_clocks(&text, &state.fields).unwrap(),
            state.clocks
        );
        assert_eq!(
            decode_field_clocks("{}", &state.fields).unwrap(),
            BTreeMap::new(),
            "rows written without clocks read back without clocks"
        );
    }
}
