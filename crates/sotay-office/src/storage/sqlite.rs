//! The embedded SQLite backend: one file, no set-up, for an office that starts small. One
//! connection behind a mutex (SQLite has one writer anyway), WAL, every call run on tokio's
//! blocking pool so the async server never waits on disk.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};
use serde_json::Value;
use sotay_domain::merge::RecordState;
use sotay_domain::{EntityKind, Op, Role, User};
use sotay_sync::protocol::{Change, OpOutcome, PolicyEdition, Scope, ScopeChecksum};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

use super::{
    AdminUnit, ConflictEntry, DeviceRecord, LAST_SEEN_RESOLUTION_SECS, NewDevice, OfficeStore,
    fold_checksum, parse_entity, parse_hlc,
};
use crate::apply::{ApplyContext, StoredRecord, plan_op, related_ids};
use crate::error::{OfficeError, Result};

const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!(
        "../../../../migrations/office/sqlite/0001_init.sql"
    )),
    M::up(include_str!(
        "../../../../migrations/office/sqlite/0002_policy_editions.sql"
    )),
    M::up(include_str!(
        "../../../../migrations/office/sqlite/0003_dashboard.sql"
    )),
    M::up(include_str!(
        "../../../../migrations/office/sqlite/0004_lost_and_restored.sql"
    )),
];

/// The SQLite office store.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn role_text(role: Role) -> String {
    serde_json::to_value(role)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub(crate) fn parse_role(text: &str) -> Result<Role> {
    serde_json::from_value(Value::String(text.to_owned()))
        .map_err(|_| OfficeError::Corrupt(format!("unknown role {text:?}")))
}

fn parse_uuid(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text).map_err(|_| OfficeError::Corrupt(format!("bad uuid {text:?}")))
}

impl SqliteStore {
    /// Opens (creating if missing) the database file and applies the migrations.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        let conn = Connection::open(path)?;
        Self::setup(conn)
    }

    /// A private in-memory database (tests, tools).
    pub fn open_in_memory() -> Result<SqliteStore> {
        Self::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> Result<SqliteStore> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Migrations::from_slice(MIGRATIONS).to_latest(&mut conn)?;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Writes the WAL back into the database file, so the file alone is the whole database (a
    /// restore moves it into place).
    pub async fn checkpoint(&self) -> Result<()> {
        self.run(|conn| {
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            Ok(())
        })
        .await
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| OfficeError::Task("SQLite connection lock poisoned".into()))?;
            work(&mut guard)
        })
        .await
        .map_err(|e| OfficeError::Task(e.to_string()))?
    }
}

fn load_record(conn: &Connection, entity_id: Uuid) -> Result<Option<StoredRecord>> {
    let row = conn
        .prepare_cached(
            "SELECT entity, state, commune_code, village_id FROM records WHERE entity_id = ?1",
        )?
        .query_row([entity_id.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })
        .optional()?;
    row.map(|(entity, state, commune_code, village)| {
        Ok(StoredRecord {
            entity: parse_entity(&entity)?,
            state: serde_json::from_str(&state)?,
            commune_code,
            village_id: village.as_deref().map(parse_uuid).transpose()?,
        })
    })
    .transpose()
}

/// Applies one op inside the batch transaction. A rejected or duplicate op leaves nothing behind
/// and needs no savepoint: the op id is claimed first (which is also the duplicate check, against
/// earlier batches and earlier ops of this one), and a rejected op's claim is deleted again; the
/// record and conflict rows are written only once the op is accepted. (A savepoint per op made
/// SQLite copy every touched page into its statement journal, which cost more than the op.)
/// `next_seq` is the batch's feed counter: the transaction holds SQLite's only write lock, so
/// no one else takes a number meanwhile.
fn apply_in_tx(
    tx: &Connection,
    op: &Op,
    ctx: &ApplyContext,
    next_seq: &mut i64,
    now: &str,
) -> Result<OpOutcome> {
    let op_id = op.op_id.to_string();
    let entity_id = op.entity_id.to_string();
    let claimed = tx
        .prepare_cached(
            "INSERT INTO applied_ops (op_id, device_id, entity_id, applied_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (op_id) DO NOTHING",
        )?
        .execute(params![op_id, op.device_id.to_string(), entity_id, now])?;
    if claimed == 0 {
        return Ok(OpOutcome::Duplicate);
    }
    let existing = load_record(tx, op.entity_id)?;
    let mut related = HashMap::new();
    for id in related_ids(op, existing.as_ref()) {
        if let Some(record) = load_record(tx, id)? {
            related.insert(id, record);
        }
    }
    let plan = match plan_op(op, existing.as_ref(), &related, ctx) {
        Ok(plan) => plan,
        Err(rejection) => {
            tx.prepare_cached("DELETE FROM applied_ops WHERE op_id = ?1")?
                .execute([&op_id])?;
            return Ok(rejection.into_outcome());
        }
    };
    if !plan.changed {
        // Applied (the op id stays claimed), but nothing to write or feed; what it wrote that
        // lost is still logged.
        log_conflicts(tx, op, &entity_id, &plan.lost, now)?;
        return Ok(OpOutcome::Applied);
    }
    let version = plan
        .state
        .version()
        .map(|v| v.to_string())
        .unwrap_or_default();
    let seq = *next_seq;
    *next_seq += 1;
    tx.prepare_cached(
        "INSERT INTO records (entity_id, entity, commune_code, village_id, state, version, deleted, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (entity_id) DO UPDATE SET commune_code = excluded.commune_code,
           village_id = excluded.village_id, state = excluded.state, version = excluded.version,
           deleted = excluded.deleted, seq = excluded.seq",
    )?.execute(
        params![
            entity_id,
            op.entity.as_str(),
            plan.commune_code,
            plan.village_id.map(|v| v.to_string()),
            serde_json::to_string(&plan.state)?,
            version,
            plan.deleted,
            seq
        ],
    )?;
    // The record's typed facts for the dashboard and its place in the rollup, in the same
    // transaction.
    let mut facts = crate::facts::RecordFacts::of(op.entity, &plan.state.fields);
    if op.entity == EntityKind::Payment {
        let first = match facts.ref_id {
            Some(enrollment) => {
                let (sql, params) = super::dashboard::first_month_statement(enrollment);
                match sqlite_rows(tx, &sql, params)?.first() {
                    Some(row) => row.first().map(|c| c.opt_date()).transpose()?.flatten(),
                    None => None,
                }
            }
            None => None,
        };
        facts.set_renewal(first);
    }
    let old = {
        let (sql, params) = super::dashboard::old_rollup_statement(op.entity_id);
        match sqlite_rows(tx, &sql, params)?.first() {
            Some(row) => super::dashboard::old_rollup(row)?,
            None => None,
        }
    };
    let new = (!plan.deleted).then(|| facts.rollup(op.entity, &plan.commune_code, plan.village_id));
    for (sql, params) in super::dashboard::rollup_statements(old, new) {
        sqlite_rows(tx, &sql, params)?;
    }
    for (sql, params) in super::dashboard::facts_statements(
        op.entity,
        op.entity_id,
        &plan.commune_code,
        plan.village_id,
        plan.deleted,
        op.device_id,
        &facts,
    ) {
        sqlite_rows(tx, &sql, params)?;
    }
    let enrollment = match op.entity {
        EntityKind::Payment => facts.ref_id,
        EntityKind::Enrollment => Some(op.entity_id),
        _ => None,
    };
    if let Some(enrollment) = enrollment {
        let (sql, params) = super::dashboard::last_paid_month_statement(enrollment);
        sqlite_rows(tx, &sql, params)?;
    }
    log_conflicts(tx, op, &entity_id, &plan.lost, now)?;
    Ok(OpOutcome::Applied)
}

/// Keeps the values `op` wrote that lost to a later write, or that a later write replaced, in
/// the conflict log (a saved value is never dropped without a trace), as PostgreSQL does.
fn log_conflicts(
    tx: &Connection,
    op: &Op,
    entity_id: &str,
    lost: &[sotay_domain::merge::LostWrite],
    now: &str,
) -> Result<()> {
    for lost in lost {
        tx.prepare_cached(
            "INSERT INTO conflicts (entity, entity_id, field, losing_value, losing_hlc, winning_hlc, logged_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?.execute(
            params![
                op.entity.as_str(),
                entity_id,
                lost.field,
                serde_json::to_string(&lost.value)?,
                lost.hlc.to_string(),
                lost.winner.to_string(),
                now
            ],
        )?;
    }
    Ok(())
}

fn scope_json(scope: &Scope) -> Result<(String, String)> {
    Ok((
        serde_json::to_string(&scope.communes)?,
        serde_json::to_string(&scope.villages)?,
    ))
}

/// A record is in an area when its commune is one of the area's whole communes, or its village
/// is one of the area's villages *and* its commune is that village's (the pair, never either
/// half: see `apply`).
const IN_SCOPE: &str = "(commune_code IN (SELECT value FROM json_each(?1))
     OR (village_id IN (SELECT value FROM json_each(?2))
         AND commune_code = (SELECT v.commune_code FROM records v
                             WHERE v.entity_id = records.village_id AND v.entity = 'village')))";

impl OfficeStore for SqliteStore {
    async fn migrate(&self) -> Result<()> {
        self.run(|conn| {
            Migrations::from_slice(MIGRATIONS).to_latest(conn)?;
            Ok(())
        })
        .await
    }

    async fn insert_user(&self, user: &User) -> Result<()> {
        let user = user.clone();
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO users (id, full_name, role, phone, organisation, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    user.id.to_string(),
                    user.full_name,
                    role_text(user.role),
                    user.phone,
                    user.organisation,
                    ts(Utc::now())
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn user(&self, id: Uuid) -> Result<Option<User>> {
        self.run(move |conn| {
            let row = conn
                .query_row(
                    "SELECT full_name, role, phone, organisation FROM users WHERE id = ?1",
                    [id.to_string()],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, Option<String>>(2)?,
                            r.get::<_, Option<String>>(3)?,
                        ))
                    },
                )
                .optional()?;
            row.map(|(full_name, role, phone, organisation)| {
                Ok(User {
                    id,
                    full_name,
                    role: parse_role(&role)?,
                    phone,
                    organisation,
                })
            })
            .transpose()
        })
        .await
    }

    async fn count_users(&self) -> Result<u64> {
        self.run(|conn| {
            let n: i64 = conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?;
            Ok(n as u64)
        })
        .await
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        self.run(|conn| {
            let mut stmt =
                conn.prepare("SELECT id, full_name, role, phone, organisation FROM users")?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            })?;
            let mut users = Vec::new();
            for row in rows {
                let (id, full_name, role, phone, organisation) = row?;
                users.push(User {
                    id: parse_uuid(&id)?,
                    full_name,
                    role: parse_role(&role)?,
                    phone,
                    organisation,
                });
            }
            super::sort_users(&mut users);
            Ok(users)
        })
        .await
    }

    async fn assign_area(
        &self,
        user_id: Uuid,
        commune_code: &str,
        village: Option<Uuid>,
    ) -> Result<()> {
        let commune_code = commune_code.to_owned();
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO areas (user_id, commune_code, village_id) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO NOTHING",
                params![
                    user_id.to_string(),
                    commune_code,
                    village.map(|v| v.to_string()).unwrap_or_default()
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn scope(&self, user_id: Uuid) -> Result<Scope> {
        self.run(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT commune_code, village_id FROM areas WHERE user_id = ?1
                 ORDER BY commune_code, village_id",
            )?;
            let rows = stmt.query_map([user_id.to_string()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            let mut scope = Scope::default();
            for row in rows {
                let (commune, village) = row?;
                if village.is_empty() {
                    scope.communes.push(commune);
                } else {
                    scope.villages.push(parse_uuid(&village)?);
                }
            }
            Ok(scope)
        })
        .await
    }

    async fn insert_code(
        &self,
        code_hash: &str,
        user_id: Uuid,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        let code_hash = code_hash.to_owned();
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO enrol_codes (code_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
                params![code_hash, user_id.to_string(), ts(expires_at)],
            )?;
            Ok(())
        })
        .await
    }

    async fn enroll(
        &self,
        code_hash: &str,
        device: &NewDevice,
        now: DateTime<Utc>,
    ) -> Result<Option<Uuid>> {
        let code_hash = code_hash.to_owned();
        let device = device.clone();
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let user: Option<String> = tx
                .query_row(
                    "UPDATE enrol_codes SET used_at = ?2, device_id = ?3
                     WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2
                     RETURNING user_id",
                    params![code_hash, ts(now), device.id.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(user) = user else {
                return Ok(None);
            };
            tx.execute(
                "INSERT INTO devices (id, user_id, name, token_hash, enrolled_at, receipt_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    device.id.to_string(),
                    user,
                    device.name,
                    device.token_hash,
                    ts(now),
                    device.receipt_key
                ],
            )?;
            tx.commit()?;
            Ok(Some(parse_uuid(&user)?))
        })
        .await
    }

    async fn device_by_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<DeviceRecord>> {
        let token_hash = token_hash.to_owned();
        self.run(move |conn| {
            let row = conn
                .prepare_cached(
                    "SELECT d.id, d.user_id, d.revoked_at IS NOT NULL, d.last_seen_at,
                            d.wipe_requested_at IS NOT NULL, u.role
                     FROM devices d JOIN users u ON u.id = d.user_id
                     WHERE d.token_hash = ?1",
                )?
                .query_row([&token_hash], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, bool>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, bool>(4)?,
                        r.get::<_, String>(5)?,
                    ))
                })
                .optional()?;
            let Some((id, user, revoked, last_seen, wipe_requested, role)) = row else {
                return Ok(None);
            };
            // "Last seen" to the minute: a sync makes several calls, and a write for each would
            // queue every device's reads behind SQLite's one writer.
            let stale_before = ts(now - chrono::Duration::seconds(LAST_SEEN_RESOLUTION_SECS));
            if last_seen.is_none_or(|seen| seen < stale_before) {
                conn.prepare_cached("UPDATE devices SET last_seen_at = ?2 WHERE id = ?1")?
                    .execute(params![id, ts(now)])?;
            }
            Ok(Some(DeviceRecord {
                id: parse_uuid(&id)?,
                user_id: parse_uuid(&user)?,
                revoked,
                wipe_requested,
                role: parse_role(&role)?,
            }))
        })
        .await
    }

    async fn revoke_device(&self, device_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
        self.run(move |conn| {
            let n = conn.execute(
                "UPDATE devices SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1",
                params![device_id.to_string(), ts(now)],
            )?;
            Ok(n > 0)
        })
        .await
    }

    async fn apply_ops(&self, ops: Arc<[Op]>, ctx: &ApplyContext) -> Result<Vec<OpOutcome>> {
        let ctx = ctx.clone();
        // One trip to the blocking pool and one transaction for the whole batch; a fault (`?`)
        // drops the transaction, which rolls all of it back.
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let now = ts(Utc::now());
            let mut next_seq: i64 = tx
                .prepare_cached("SELECT COALESCE(MAX(seq), 0) + 1 FROM records")?
                .query_row([], |r| r.get(0))?;
            let outcomes = ops
                .iter()
                .map(|op| apply_in_tx(&tx, op, &ctx, &mut next_seq, &now))
                .collect::<Result<Vec<_>>>()?;
            tx.commit()?;
            Ok(outcomes)
        })
        .await
    }

    async fn pull(&self, scope: &Scope, after: i64, limit: u32) -> Result<Vec<Change>> {
        let (communes, villages) = scope_json(scope)?;
        self.run(move |conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT seq, entity, entity_id, state FROM records
                 WHERE seq > ?3 AND {IN_SCOPE} ORDER BY seq LIMIT ?4"
            ))?;
            let rows = stmt.query_map(params![communes, villages, after, limit], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?;
            let mut changes = Vec::new();
            for row in rows {
                let (seq, entity, id, state) = row?;
                changes.push(Change {
                    seq,
                    entity: parse_entity(&entity)?,
                    entity_id: parse_uuid(&id)?,
                    state: serde_json::from_str::<RecordState>(&state)?,
                });
            }
            Ok(changes)
        })
        .await
    }

    async fn count_after(&self, scope: &Scope, after: i64) -> Result<u64> {
        let (communes, villages) = scope_json(scope)?;
        self.run(move |conn| {
            let n: i64 = conn.query_row(
                &format!("SELECT count(*) FROM records WHERE seq > ?3 AND {IN_SCOPE}"),
                params![communes, villages, after],
                |r| r.get(0),
            )?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
        .await
    }

    async fn checksum(&self, scope: &Scope) -> Result<ScopeChecksum> {
        let (communes, villages) = scope_json(scope)?;
        self.run(move |conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT entity, entity_id, version FROM records WHERE {IN_SCOPE}"
            ))?;
            let rows = stmt.query_map(params![communes, villages], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            let mut parsed = Vec::new();
            for row in rows {
                let (entity, id, version) = row?;
                let version = if version.is_empty() {
                    None
                } else {
                    Some(parse_hlc(&version)?)
                };
                parsed.push((parse_entity(&entity)?, parse_uuid(&id)?, version));
            }
            Ok(fold_checksum(parsed.into_iter()))
        })
        .await
    }

    async fn record(&self, entity_id: Uuid) -> Result<Option<StoredRecord>> {
        self.run(move |conn| load_record(conn, entity_id)).await
    }

    async fn conflicts(&self, entity_id: Uuid) -> Result<Vec<ConflictEntry>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT entity, field, losing_value, losing_hlc, winning_hlc FROM conflicts
                 WHERE entity_id = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([entity_id.to_string()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (entity, field, value, losing, winning) = row?;
                out.push(ConflictEntry {
                    entity: parse_entity(&entity)?,
                    entity_id,
                    field,
                    losing_value: serde_json::from_str(&value)?,
                    losing_hlc: parse_hlc(&losing)?,
                    winning_hlc: parse_hlc(&winning)?,
                });
            }
            Ok(out)
        })
        .await
    }

    async fn import_units(&self, units: &[AdminUnit]) -> Result<usize> {
        let units = units.to_vec();
        self.run(move |conn| {
            let tx = conn.transaction()?;
            {
                let mut stmt = tx.prepare(
                    "INSERT INTO admin_units (commune_code, commune_name, commune_type, province_code, province_name)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (commune_code) DO UPDATE SET commune_name = excluded.commune_name,
                       commune_type = excluded.commune_type, province_code = excluded.province_code,
                       province_name = excluded.province_name",
                )?;
                for u in &units {
                    stmt.execute(params![
                        u.commune_code,
                        u.commune_name,
                        u.commune_type,
                        u.province_code,
                        u.province_name
                    ])?;
                }
            }
            tx.commit()?;
            Ok(units.len())
        })
        .await
    }

    async fn publish_policy(&self, edition: &PolicyEdition, now: DateTime<Utc>) -> Result<bool> {
        let edition = edition.clone();
        self.run(move |conn| {
            let n = conn.execute(
                "INSERT INTO policy_editions (version, toml, published_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (version) DO NOTHING",
                params![edition.version, edition.toml, ts(now)],
            )?;
            Ok(n > 0)
        })
        .await
    }

    async fn latest_policy(&self, unless: Option<&str>) -> Result<Option<PolicyEdition>> {
        let unless = unless.map(str::to_owned);
        self.run(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT version, toml FROM (SELECT version, toml FROM policy_editions
                                                ORDER BY published_at DESC, rowid DESC LIMIT 1)
                     WHERE version IS NOT ?1",
                    [unless],
                    |r| {
                        Ok(PolicyEdition {
                            version: r.get(0)?,
                            toml: r.get(1)?,
                        })
                    },
                )
                .optional()?)
        })
        .await
    }

    async fn commune_exists(&self, code: &str) -> Result<bool> {
        let code = code.to_owned();
        self.run(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT 1 FROM admin_units WHERE commune_code = ?1",
                    [code],
                    |_| Ok(()),
                )
                .optional()?
                .is_some())
        })
        .await
    }
}

fn sqlite_value(value: super::sql::SqlValue) -> rusqlite::types::Value {
    use super::sql::SqlValue as V;
    use rusqlite::types::Value as R;
    match value {
        V::Null => R::Null,
        V::Text(t) => R::Text(t),
        V::Int(i) => R::Integer(i),
        V::Bool(b) => R::Integer(i64::from(b)),
        V::Uuid(u) => R::Text(u.to_string()),
        V::Date(d) => R::Text(d.format("%Y-%m-%d").to_string()),
        V::Ts(t) => R::Text(ts(t)),
        V::TextList(list) => R::Text(serde_json::to_string(&list).unwrap_or_default()),
        V::UuidList(list) => R::Text(
            serde_json::to_string(&list.iter().map(Uuid::to_string).collect::<Vec<_>>())
                .unwrap_or_default(),
        ),
    }
}

fn sqlite_rows(
    conn: &Connection,
    sql: &str,
    params: Vec<super::sql::SqlValue>,
) -> Result<Vec<super::sql::SqlRow>> {
    use super::sql::SqlCell;
    use rusqlite::types::ValueRef;
    let sql = super::sql::Dialect::Sqlite.finish(sql);
    let mut stmt = conn.prepare_cached(&sql)?;
    let columns = stmt.column_count();
    let values: Vec<rusqlite::types::Value> = params.into_iter().map(sqlite_value).collect();
    let mut rows = stmt.query(rusqlite::params_from_iter(values))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let mut cells = Vec::with_capacity(columns);
        for i in 0..columns {
            cells.push(match row.get_ref(i)? {
                ValueRef::Null => SqlCell::Null,
                ValueRef::Integer(v) => SqlCell::Int(v),
                ValueRef::Real(v) => SqlCell::Float(v),
                ValueRef::Text(t) => SqlCell::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => SqlCell::Text(String::from_utf8_lossy(b).into_owned()),
            });
        }
        out.push(cells);
    }
    Ok(out)
}

impl super::sql::SqlRunner for SqliteStore {
    fn dialect(&self) -> super::sql::Dialect {
        super::sql::Dialect::Sqlite
    }

    async fn query(
        &self,
        sql: String,
        params: Vec<super::sql::SqlValue>,
    ) -> Result<Vec<super::sql::SqlRow>> {
        self.run(move |conn| sqlite_rows(conn, &sql, params)).await
    }

    async fn transaction(
        &self,
        statements: Vec<super::sql::Statement>,
    ) -> Result<Vec<Vec<super::sql::SqlRow>>> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut out = Vec::with_capacity(statements.len());
            for (sql, params) in statements {
                out.push(sqlite_rows(&tx, &sql, params)?);
            }
            tx.commit()?;
            Ok(out)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        assert!(Migrations::from_slice(MIGRATIONS).validate().is_ok());
    }
}
