//! Office storage behind one trait, [`OfficeStore`], with one implementation per backend:
//! [`sqlite::SqliteStore`] (embedded, one file, the default) and [`postgres::PgStore`]. Both run
//! the same contract test suite. [`AnyStore`] picks one from a database URL, so the binary and the
//! tests need no generic code of their own.
//!
//! The trait speaks in whole operations ("apply this push's ops", "enrol with this code"), each
//! one transaction, so the rules in [`crate::apply`] run inside the transaction on both backends.

pub mod dashboard;
pub mod lifecycle;
pub mod postgres;
pub mod sql;
pub mod sqlite;

pub use dashboard::DashboardStore;
pub use lifecycle::LifecycleStore;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sotay_domain::{EntityKind, Hlc, Op, User};
use sotay_sync::protocol::{Change, OpOutcome, PolicyEdition, Scope, ScopeChecksum};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use uuid::Uuid;

use crate::apply::{ApplyContext, StoredRecord};
use crate::error::{OfficeError, Result};

/// A stored entity name read back (`household`…).
pub(crate) fn parse_entity(text: &str) -> Result<EntityKind> {
    EntityKind::parse(text).ok_or_else(|| OfficeError::Corrupt(format!("bad entity {text:?}")))
}

/// A stored clock read back.
pub(crate) fn parse_hlc(text: &str) -> Result<Hlc> {
    text.parse()
        .map_err(|_| OfficeError::Corrupt(format!("bad clock {text:?}")))
}

/// How fresh a device's "last seen" is kept: one write per device a minute at most, not one per
/// call.
pub const LAST_SEEN_RESOLUTION_SECS: i64 = 60;

/// An enrolled device, as authentication needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRecord {
    /// Device id.
    pub id: Uuid,
    /// Its user.
    pub user_id: Uuid,
    /// Whether an admin revoked it.
    pub revoked: bool,
    /// Whether an admin marked it lost: its pushes are still taken, its pull orders the wipe.
    pub wipe_requested: bool,
    /// Its user's role, as the office has it (never as the device says).
    pub role: sotay_domain::Role,
}

/// What a sync request needs to know of the device that sends it: the device, its user's area
/// and the office's epoch, read together ([`OfficeStore::device_session`]).
#[derive(Clone, Debug)]
pub struct DeviceSession {
    /// The device.
    pub device: DeviceRecord,
    /// Its user's area, as the office has it now.
    pub scope: Scope,
    /// The office's epoch (see [`LifecycleStore::office_epoch`]).
    pub epoch: String,
}

/// A new device, made at enrolment.
#[derive(Clone, Debug)]
pub struct NewDevice {
    /// Id (the node of its clock).
    pub id: Uuid,
    /// Name the user gave it.
    pub name: String,
    /// SHA-256 of its token.
    pub token_hash: String,
    /// The key its receipt check codes are made with (base64url of 32 random bytes).
    pub receipt_key: Option<String>,
}

/// One entry of the conflict log.
#[derive(Clone, Debug, PartialEq)]
pub struct ConflictEntry {
    /// Kind of record.
    pub entity: EntityKind,
    /// The record's id.
    pub entity_id: Uuid,
    /// The field whose value lost.
    pub field: String,
    /// The value that lost.
    pub losing_value: Value,
    /// Its clock.
    pub losing_hlc: Hlc,
    /// The winning write's clock.
    pub winning_hlc: Hlc,
}

/// One commune of the official list of administrative units (from 1 July 2025).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminUnit {
    /// 2-digit province code.
    pub province_code: String,
    /// Province name.
    pub province_name: String,
    /// 5-digit commune code.
    pub commune_code: String,
    /// Commune name.
    pub commune_name: String,
    /// xã, phường or đặc khu.
    pub commune_type: String,
}

/// An enrolled device, as the office lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    /// Device id.
    pub id: Uuid,
    /// Its user.
    pub user_id: Uuid,
    /// The name given at enrolment.
    pub name: String,
    /// When it enrolled.
    pub enrolled_at: DateTime<Utc>,
    /// When it last called the office (to the minute).
    pub last_seen_at: Option<DateTime<Utc>>,
    /// When an admin revoked it.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When an admin marked it lost (to be wiped at its next contact).
    pub wipe_requested_at: Option<DateTime<Utc>>,
    /// When the office answered it with the wipe order.
    pub wipe_sent_at: Option<DateTime<Utc>>,
}

/// A stored place that is not a consistent (commune, village) pair: the village is not one of
/// the commune's, or is not known at all. Such data predates the pair check (or was written
/// around the office); `sotay-office check-scopes` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScopeProblem {
    /// A synced record.
    Record {
        /// The kind of record.
        entity: EntityKind,
        /// The record's id.
        entity_id: Uuid,
        /// The commune it is labelled with.
        commune_code: String,
        /// The village it names.
        village_id: Uuid,
        /// That village's commune, or None when the office has no such village.
        village_commune: Option<String>,
    },
    /// A user's assigned area.
    Area {
        /// The user.
        user_id: Uuid,
        /// The commune of the assignment.
        commune_code: String,
        /// The village of the assignment.
        village_id: Uuid,
        /// That village's commune, or None when the office has no such village.
        village_commune: Option<String>,
    },
}

/// Everything the office keeps. Each method is one transaction.
pub trait OfficeStore: DashboardStore + LifecycleStore + Send + Sync + 'static {
    /// Applies the pending migrations (idempotent).
    fn migrate(&self) -> impl Future<Output = Result<()>> + Send;
    /// Adds a user.
    fn insert_user(&self, user: &User) -> impl Future<Output = Result<()>> + Send;
    /// A user by id.
    fn user(&self, id: Uuid) -> impl Future<Output = Result<Option<User>>> + Send;
    /// Number of users (to tell an empty database).
    fn count_users(&self) -> impl Future<Output = Result<u64>> + Send;
    /// Every user, by name in Vietnamese alphabetical order (`sotay_domain::collate`).
    fn list_users(&self) -> impl Future<Output = Result<Vec<User>>> + Send;
    /// Gives a user a whole commune (`village` None) or one village of it.
    fn assign_area(
        &self,
        user_id: Uuid,
        commune_code: &str,
        village: Option<Uuid>,
    ) -> impl Future<Output = Result<()>> + Send;
    /// A user's area.
    fn scope(&self, user_id: Uuid) -> impl Future<Output = Result<Scope>> + Send;
    /// Stores a new enrolment code's hash.
    fn insert_code(
        &self,
        code_hash: &str,
        user_id: Uuid,
        expires_at: DateTime<Utc>,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Uses a code (once, before it expires) to enrol `device`; the code's user, or None when the
    /// code is unknown, used or expired.
    fn enroll(
        &self,
        code_hash: &str,
        device: &NewDevice,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<Uuid>>> + Send;
    /// The device holding a token, and notes that it was seen (to the
    /// [`LAST_SEEN_RESOLUTION_SECS`]).
    fn device_by_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<DeviceRecord>>> + Send;
    /// Everything a sync request reads before its work ([`DeviceSession`]): the device holding
    /// the token (noted as seen, as [`OfficeStore::device_by_token`]), its user's area and the
    /// epoch. By default three reads; PostgreSQL reads them in one statement, as every push and
    /// pull of every phone starts with it.
    fn device_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<DeviceSession>>> + Send {
        async move {
            let Some(device) = self.device_by_token(token_hash, now).await? else {
                return Ok(None);
            };
            Ok(Some(DeviceSession {
                scope: self.scope(device.user_id).await?,
                epoch: self.office_epoch().await?,
                device,
            }))
        }
    }
    /// Revokes a device; false when there is no such device.
    fn revoke_device(
        &self,
        device_id: Uuid,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Applies one op in its own transaction (a batch of one, see [`OfficeStore::apply_ops`]).
    fn apply_op(
        &self,
        op: &Op,
        ctx: &ApplyContext,
    ) -> impl Future<Output = Result<OpOutcome>> + Send {
        async move {
            let outcomes = self.apply_ops(Arc::from([op.clone()]), ctx).await?;
            outcomes.into_iter().next().ok_or_else(|| {
                crate::error::OfficeError::Task("apply_ops returned no outcome".into())
            })
        }
    }
    /// Applies a push's ops in request order in one transaction: per op the duplicate check
    /// (also against earlier ops of the same batch), [`crate::apply::plan_op`], merge, change
    /// feed, conflict log. A rejected or duplicate op changes nothing and the rest still apply;
    /// one outcome per op, in order. A fault (an `Err`) rolls back the whole batch, so nothing of
    /// it stays and the client may resend it. The ops are shared, not copied, with the blocking
    /// task that applies them.
    fn apply_ops(
        &self,
        ops: Arc<[Op]>,
        ctx: &ApplyContext,
    ) -> impl Future<Output = Result<Vec<OpOutcome>>> + Send;
    /// Records in `scope` changed after `after`, oldest first, at most `limit`.
    fn pull(
        &self,
        scope: &Scope,
        after: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Change>>> + Send;
    /// How many records in `scope` changed after `after` (what a pull has still to bring).
    fn count_after(&self, scope: &Scope, after: i64) -> impl Future<Output = Result<u64>> + Send;
    /// Count and digest of every record in `scope` (tombstones included).
    fn checksum(&self, scope: &Scope) -> impl Future<Output = Result<ScopeChecksum>> + Send;
    /// One record.
    fn record(&self, entity_id: Uuid) -> impl Future<Output = Result<Option<StoredRecord>>> + Send;
    /// The conflict log of one record.
    fn conflicts(&self, entity_id: Uuid)
    -> impl Future<Output = Result<Vec<ConflictEntry>>> + Send;
    /// Inserts or updates communes of the official list; how many.
    fn import_units(&self, units: &[AdminUnit]) -> impl Future<Output = Result<usize>> + Send;
    /// Whether a commune code is in the official list.
    fn commune_exists(&self, code: &str) -> impl Future<Output = Result<bool>> + Send;
    /// Stores a checked policy edition; false when that version was published before.
    fn publish_policy(
        &self,
        edition: &PolicyEdition,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// The edition published last, if any and if it is not `unless` (the edition a device
    /// already has), in one query.
    fn latest_policy(
        &self,
        unless: Option<&str>,
    ) -> impl Future<Output = Result<Option<PolicyEdition>>> + Send;
}

/// Adds up record digests into the scope checksum (shared by both backends).
pub(crate) fn fold_checksum<'a>(
    rows: impl Iterator<Item = (EntityKind, Uuid, Option<Hlc>)> + 'a,
) -> ScopeChecksum {
    let mut count = 0u64;
    let mut sum = 0u64;
    for (entity, id, version) in rows {
        count += 1;
        sum = sum.wrapping_add(sotay_domain::merge::record_digest(
            entity.as_str(),
            &id,
            version,
        ));
    }
    ScopeChecksum {
        records: count,
        digest: format!("{sum:016x}"),
    }
}

/// The storage backend chosen at start-up from the database setting.
pub enum AnyStore {
    /// Embedded SQLite.
    Sqlite(sqlite::SqliteStore),
    /// PostgreSQL.
    Postgres(postgres::PgStore),
}

impl AnyStore {
    /// Opens `postgres://…`/`postgresql://…` URLs with PostgreSQL, anything else as a SQLite file
    /// path (created with its folder if missing).
    pub async fn open(db: &str) -> Result<AnyStore> {
        if db.starts_with("postgres://") || db.starts_with("postgresql://") {
            Ok(AnyStore::Postgres(postgres::PgStore::open(db, None).await?))
        } else {
            let path = PathBuf::from(db.strip_prefix("sqlite://").unwrap_or(db));
            if let Some(parent) = path.parent()
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent)?;
            }
            Ok(AnyStore::Sqlite(sqlite::SqliteStore::open(&path)?))
        }
    }

    /// Which backend, for logs.
    pub fn backend_name(&self) -> &'static str {
        match self {
            AnyStore::Sqlite(_) => "sqlite",
            AnyStore::Postgres(_) => "postgres",
        }
    }
}

macro_rules! delegate {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            AnyStore::Sqlite($store) => $call.await,
            AnyStore::Postgres($store) => $call.await,
        }
    };
}

impl sql::SqlRunner for AnyStore {
    fn dialect(&self) -> sql::Dialect {
        match self {
            AnyStore::Sqlite(s) => s.dialect(),
            AnyStore::Postgres(s) => s.dialect(),
        }
    }
    async fn query(&self, sql: String, params: Vec<sql::SqlValue>) -> Result<Vec<sql::SqlRow>> {
        delegate!(self, s => s.query(sql, params))
    }
    async fn transaction(&self, statements: Vec<sql::Statement>) -> Result<Vec<Vec<sql::SqlRow>>> {
        delegate!(self, s => s.transaction(statements))
    }
}

impl OfficeStore for AnyStore {
    async fn migrate(&self) -> Result<()> {
        delegate!(self, s => s.migrate())
    }
    async fn insert_user(&self, user: &User) -> Result<()> {
        delegate!(self, s => s.insert_user(user))
    }
    async fn user(&self, id: Uuid) -> Result<Option<User>> {
        delegate!(self, s => s.user(id))
    }
    async fn count_users(&self) -> Result<u64> {
        delegate!(self, s => s.count_users())
    }
    async fn list_users(&self) -> Result<Vec<User>> {
        delegate!(self, s => s.list_users())
    }
    async fn assign_area(
        &self,
        user_id: Uuid,
        commune_code: &str,
        village: Option<Uuid>,
    ) -> Result<()> {
        delegate!(self, s => s.assign_area(user_id, commune_code, village))
    }
    async fn scope(&self, user_id: Uuid) -> Result<Scope> {
        delegate!(self, s => s.scope(user_id))
    }
    async fn insert_code(
        &self,
        code_hash: &str,
        user_id: Uuid,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        delegate!(self, s => s.insert_code(code_hash, user_id, expires_at))
    }
    async fn enroll(
        &self,
        code_hash: &str,
        device: &NewDevice,
        now: DateTime<Utc>,
    ) -> Result<Option<Uuid>> {
        delegate!(self, s => s.enroll(code_hash, device, now))
    }
    async fn device_by_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<DeviceRecord>> {
        delegate!(self, s => s.device_by_token(token_hash, now))
    }
    async fn device_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<DeviceSession>> {
        delegate!(self, s => s.device_session(token_hash, now))
    }
    async fn revoke_device(&self, device_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
        delegate!(self, s => s.revoke_device(device_id, now))
    }
    async fn apply_op(&self, op: &Op, ctx: &ApplyContext) -> Result<OpOutcome> {
        delegate!(self, s => s.apply_op(op, ctx))
    }
    async fn apply_ops(&self, ops: Arc<[Op]>, ctx: &ApplyContext) -> Result<Vec<OpOutcome>> {
        delegate!(self, s => s.apply_ops(ops, ctx))
    }
    async fn pull(&self, scope: &Scope, after: i64, limit: u32) -> Result<Vec<Change>> {
        delegate!(self, s => s.pull(scope, after, limit))
    }
    async fn count_after(&self, scope: &Scope, after: i64) -> Result<u64> {
        delegate!(self, s => s.count_after(scope, after))
    }
    async fn checksum(&self, scope: &Scope) -> Result<ScopeChecksum> {
        delegate!(self, s => s.checksum(scope))
    }
    async fn record(&self, entity_id: Uuid) -> Result<Option<StoredRecord>> {
        delegate!(self, s => s.record(entity_id))
    }
    async fn conflicts(&self, entity_id: Uuid) -> Result<Vec<ConflictEntry>> {
        delegate!(self, s => s.conflicts(entity_id))
    }
    async fn import_units(&self, units: &[AdminUnit]) -> Result<usize> {
        delegate!(self, s => s.import_units(units))
    }
    async fn commune_exists(&self, code: &str) -> Result<bool> {
        delegate!(self, s => s.commune_exists(code))
    }
    async fn publish_policy(&self, edition: &PolicyEdition, now: DateTime<Utc>) -> Result<bool> {
        delegate!(self, s => s.publish_policy(edition, now))
    }
    async fn latest_policy(&self, unless: Option<&str>) -> Result<Option<PolicyEdition>> {
        delegate!(self, s => s.latest_policy(unless))
    }
}

/// Sorts users by name in Vietnamese alphabetical order, then id (`sotay_domain::collate`): the
/// databases' own order puts every Đặng and Đỗ after Vũ.
pub(crate) fn sort_users(users: &mut [User]) {
    users.sort_by(|a, b| {
        sotay_domain::collate::compare(&a.full_name, &b.full_name).then(a.id.cmp(&b.id))
    });
}
