//! The PostgreSQL backend, for a province office or several stateless servers behind a load
//! balancer. tokio-postgres with a small deadpool pool; each office operation is one transaction.
//! The statements of a sync (sign-in, scope, push, pull, checksum) are prepared once per pooled
//! connection and kept (`prepare_cached`), and the connections ask for generic plans: the
//! database parses and plans them once, not on every request, and each costs one round trip
//! instead of two.
//!
//! The change feed's numbers come from a sequence, taken under a transaction-level advisory lock
//! held until commit: without it two concurrent pushes could commit seq 11 before seq 10, and a
//! device pulling in between would move its cursor past 10 and never see it.

use chrono::{DateTime, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use serde_json::Value;
use sotay_domain::merge::RecordState;
use sotay_domain::{EntityKind, Op, User};
use sotay_sync::protocol::{Change, OpOutcome, PolicyEdition, Scope, ScopeChecksum};
use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::sync::{Arc, LazyLock};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{GenericClient, NoTls};
use uuid::Uuid;

use super::sqlite::{parse_role, role_text};
use super::{
    AdminUnit, ConflictEntry, DeviceRecord, DeviceSession, NewDevice, OfficeStore, fold_checksum,
    parse_entity, parse_hlc,
};
use crate::apply::{ApplyContext, Related, StoredRecord, plan_op, related_ids};
use crate::error::{OfficeError, Result};

/// Numbered migrations; append only.
const MIGRATIONS: &[(i32, &str)] = &[
    (
        1,
        include_str!("../../../../migrations/office/postgres/0001_init.sql"),
    ),
    (
        2,
        include_str!("../../../../migrations/office/postgres/0002_policy_editions.sql"),
    ),
    (
        3,
        include_str!("../../../../migrations/office/postgres/0003_dashboard.sql"),
    ),
    (
        4,
        include_str!("../../../../migrations/office/postgres/0004_lost_and_restored.sql"),
    ),
];

/// Advisory lock key that orders change-feed numbers (see the module doc).
const FEED_LOCK: i64 = 0x5071_a7f0;
/// How many pushes of one instance may hold a connection at once. Pushes queue for the feed
/// lock inside the database; without this bound they would hold every pooled connection while
/// they wait, and pulls and sign-ins behind them would wait for a connection.
const PUSHES_AT_ONCE: usize = 4;

/// The records of an area after a feed number, as a subquery (`… FROM <this>`) with `columns`:
/// `$1` the feed number, `$2` the area's whole communes, `$3` its villages, `$4` how many at
/// most from each commune and each village (NULL: all). A record is in the area when its
/// commune is one of the communes, or its village is one of the villages *and* its commune is
/// that village's (the pair, never either half: see `apply`).
///
/// One index walk in feed order per commune and per village (`(commune_code, seq)`,
/// `(village_id, seq)`), each stopping after `$4` rows, rather than one `commune … OR
/// village …` test: PostgreSQL answers the OR by reading the whole table in feed order. On a
/// million records, a village's first page takes 1.4 ms this way and 460 ms with the OR
/// (docs/benchmarks.md).
fn in_scope_after(columns: &[&str]) -> String {
    let of = |table: &str| {
        columns
            .iter()
            .map(|c| format!("{table}.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (plain, of_x, of_y, of_r) = (columns.join(", "), of("x"), of("y"), of("r"));
    format!(
        "(SELECT {of_x} FROM (SELECT DISTINCT code FROM unnest($2::text[]) AS c(code)) c,
           LATERAL (SELECT {plain} FROM records
                    WHERE commune_code = c.code AND seq > $1 ORDER BY seq LIMIT $4) x
          UNION ALL
          SELECT {of_y} FROM (SELECT DISTINCT id FROM unnest($3::uuid[]) AS w(id)) w,
           LATERAL (SELECT {of_r} FROM records r
                      JOIN records v ON v.entity_id = r.village_id AND v.entity = 'village'
                                    AND v.commune_code = r.commune_code
                    WHERE r.village_id = w.id AND r.seq > $1 AND NOT r.commune_code = ANY($2)
                    ORDER BY r.seq LIMIT $4) y) AS in_scope"
    )
}

/// A page of an area's changes after a feed number (`$4` records at most).
static PULL_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT seq, entity, entity_id, state FROM {} ORDER BY seq LIMIT $4",
        in_scope_after(&["seq", "entity", "entity_id", "state"])
    )
});
/// How many of an area's records come after a feed number (`$4` NULL).
static COUNT_AFTER_SQL: LazyLock<String> =
    LazyLock::new(|| format!("SELECT count(*) FROM {}", in_scope_after(&["seq"])));
/// Every record of an area with its version (`$1` 0, `$4` NULL).
static CHECKSUM_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT entity, entity_id, version FROM {}",
        in_scope_after(&["entity", "entity_id", "version"])
    )
});

/// The PostgreSQL office store.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    /// Bounds the connections pushes hold (`PUSHES_AT_ONCE`).
    push_gate: Arc<tokio::sync::Semaphore>,
}

fn retryable(err: &tokio_postgres::Error) -> bool {
    matches!(
        err.code(),
        Some(c) if *c == SqlState::UNIQUE_VIOLATION
            || *c == SqlState::T_R_SERIALIZATION_FAILURE
            || *c == SqlState::T_R_DEADLOCK_DETECTED
    )
}

/// Adds a server setting (`-c name=value`) to those the connection string may already carry.
fn add_option(config: &mut tokio_postgres::Config, option: &str) {
    let options = match config.get_options() {
        Some(given) if !given.trim().is_empty() => format!("{given} {option}"),
        _ => option.to_owned(),
    };
    config.options(options);
}

impl PgStore {
    /// Connects to `url`. With `schema`, every connection works in that schema (created if
    /// missing): tests use one fresh schema each, so they run in parallel on one database.
    pub async fn open(url: &str, schema: Option<&str>) -> Result<PgStore> {
        let mut config = tokio_postgres::Config::from_str(url)?;
        if let Some(schema) = schema {
            if !schema
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return Err(OfficeError::Invalid(format!("bad schema name {schema:?}")));
            }
            let (client, connection) = config.connect(NoTls).await?;
            let task = tokio::spawn(connection);
            client
                .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .await?;
            drop(client);
            let _ = task.await;
            add_option(&mut config, &format!("-c search_path={schema}"));
        }
        // A prepared statement is planned once, with its parameters as parameters (a generic
        // plan). PostgreSQL's default plans the first five runs on each connection again with
        // the values in (and every run, when it judges a generic plan dearer): a profile of 500
        // phones syncing at once found a quarter of the database's time in the planner. The
        // sync's statements were checked with their generic plans on a province-sized table
        // (docs/benchmarks.md): each reads by index.
        add_option(&mut config, "-c plan_cache_mode=force_generic_plan");
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(16)
            .build()
            .map_err(|e| OfficeError::Pool(e.to_string()))?;
        let store = PgStore {
            pool,
            push_gate: Arc::new(tokio::sync::Semaphore::new(PUSHES_AT_ONCE)),
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool
            .get()
            .await
            .map_err(|e| OfficeError::Pool(e.to_string()))
    }
}

async fn load_record(client: &impl GenericClient, id: Uuid) -> Result<Option<StoredRecord>> {
    let row = client
        .query_opt(
            "SELECT entity, state, commune_code, village_id FROM records WHERE entity_id = $1",
            &[&id],
        )
        .await?;
    row.map(|r| stored_record(&r, 0)).transpose()
}

/// A record read as `entity, state, commune_code, village_id` from column `at` on.
fn stored_record(row: &tokio_postgres::Row, at: usize) -> Result<StoredRecord> {
    Ok(StoredRecord {
        entity: parse_entity(row.get(at))?,
        state: serde_json::from_value(row.get::<_, Value>(at + 1))?,
        commune_code: row.get(at + 2),
        village_id: row.get(at + 3),
    })
}

/// One attempt at the whole batch in one transaction, in a fixed number of round trips whatever
/// its size (a database across a network costs a round trip per statement). First, without the
/// feed lock: read which op ids were applied before, lock the records the batch changes (`FOR NO
/// KEY UPDATE`, in id order, so two batches on the same record queue instead of deadlocking) and
/// share-lock the records it reads (villages, a remittance's payments); plan every op in memory,
/// in request order, each on the record as the ops before it left it. Only then take the feed
/// lock and write the applied op ids, each touched record once (a record's feed number is that
/// of its last change), the facts and the conflict log, and commit. So concurrent pushes read and
/// plan in parallel and queue only for the writes. A rejected op writes nothing, so no
/// savepoints are needed; a fault drops the transaction, which rolls the whole batch back; two
/// attempts at the same op ids (a retried request on another instance) meet at `applied_ops`'
/// key, and the loser runs again and finds them applied.
async fn apply_batch(
    client: &mut deadpool_postgres::Object,
    ops: &[Op],
    ctx: &ApplyContext,
) -> std::result::Result<Vec<OpOutcome>, AttemptError> {
    let tx = client.transaction().await?;
    let op_ids: Vec<Uuid> = ops.iter().map(|op| op.op_id).collect();
    let entity_ids: Vec<Uuid> = {
        let mut ids: Vec<Uuid> = ops.iter().map(|op| op.entity_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    // The records the ops name (villages, a remittance's payments), and the villages of the
    // records they change, read in the same round trip.
    let named: Vec<Uuid> = {
        let mut ids: Vec<Uuid> = ops.iter().flat_map(|op| related_ids(op, None)).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let seen_params: [&(dyn ToSql + Sync); 1] = [&op_ids];
    let stored_params: [&(dyn ToSql + Sync); 1] = [&entity_ids];
    let related_params: [&(dyn ToSql + Sync); 2] = [&named, &entity_ids];
    let seen_sql = tx
        .prepare_cached("SELECT op_id FROM applied_ops WHERE op_id = ANY($1)")
        .await?;
    // `NO KEY`: a remittance's link to a payment (a foreign key's share lock) does not wait.
    let stored_sql = tx
        .prepare_cached(
            "SELECT entity_id, entity, state, commune_code, village_id FROM records
             WHERE entity_id = ANY($1) ORDER BY entity_id FOR NO KEY UPDATE",
        )
        .await?;
    let related_sql = tx
        .prepare_cached(
            // One array of ids, not `= ANY($1) OR entity_id IN (…)`: PostgreSQL answers the
            // OR with a scan of the whole table, and this one with the primary key.
            "SELECT entity_id, entity, state, commune_code, village_id FROM records
             WHERE entity_id = ANY($1::uuid[] || ARRAY(SELECT village_id FROM records
                                 WHERE entity_id = ANY($2) AND village_id IS NOT NULL))
             FOR SHARE",
        )
        .await?;
    let (seen, stored, related) = tokio::join!(
        tx.query(&seen_sql, &seen_params),
        tx.query(&stored_sql, &stored_params),
        tx.query(&related_sql, &related_params),
    );
    let mut seen: HashSet<Uuid> = seen?.iter().map(|r| r.get(0)).collect();
    let mut records: HashMap<Uuid, StoredRecord> = HashMap::new();
    for row in stored? {
        records.insert(row.get(0), stored_record(&row, 1)?);
    }
    let mut loaded: HashMap<Uuid, Option<StoredRecord>> = HashMap::new();
    for row in related? {
        loaded.insert(row.get(0), Some(stored_record(&row, 1)?));
    }
    for id in &named {
        loaded.entry(*id).or_insert(None);
    }

    let mut outcomes = Vec::with_capacity(ops.len());
    let mut applied: Vec<&Op> = Vec::new();
    // Touched records, in the order of their last change: a record changed again leaves an
    // empty slot where it was (found through `touched_at`, so a batch of 100,000 ops, an
    // import, stays linear).
    let mut touched_slots: Vec<Option<(Uuid, bool)>> = Vec::new();
    let mut touched_at: HashMap<Uuid, usize> = HashMap::new();
    let mut lost_writes = Vec::new();
    for op in ops {
        if seen.contains(&op.op_id) {
            outcomes.push(OpOutcome::Duplicate);
            continue;
        }
        // Rarely an op needs a record no query above read (a remittance's payments when only
        // its total changes): one more round trip for it.
        let missing: Vec<Uuid> = related_ids(op, records.get(&op.entity_id))
            .into_iter()
            .filter(|id| !records.contains_key(id) && !loaded.contains_key(id))
            .collect();
        if !missing.is_empty() {
            for row in tx
                .query(
                    "SELECT entity_id, entity, state, commune_code, village_id FROM records
                     WHERE entity_id = ANY($1) FOR SHARE",
                    &[&missing],
                )
                .await?
            {
                loaded.insert(row.get(0), Some(stored_record(&row, 1)?));
            }
            for id in missing {
                loaded.entry(id).or_insert(None);
            }
        }
        let lookup = BatchRecords {
            batch: &records,
            loaded: &loaded,
        };
        match plan_op(op, records.get(&op.entity_id), &lookup, ctx) {
            Err(rejection) => outcomes.push(rejection.into_outcome()),
            Ok(plan) => {
                seen.insert(op.op_id);
                applied.push(op);
                if plan.changed {
                    if let Some(slot) = touched_at.insert(op.entity_id, touched_slots.len()) {
                        touched_slots[slot] = None;
                    }
                    touched_slots.push(Some((op.entity_id, plan.deleted)));
                }
                for lost in plan.lost {
                    lost_writes.push((op.entity, op.entity_id, lost));
                }
                records.insert(
                    op.entity_id,
                    StoredRecord {
                        entity: op.entity,
                        state: plan.state,
                        commune_code: plan.commune_code,
                        village_id: plan.village_id,
                    },
                );
                outcomes.push(OpOutcome::Applied);
            }
        }
    }
    if applied.is_empty() {
        tx.commit().await?;
        return Ok(outcomes);
    }
    let touched: Vec<(Uuid, bool)> = touched_slots.into_iter().flatten().collect();

    let now = Utc::now();
    let applied_ids: Vec<Uuid> = applied.iter().map(|op| op.op_id).collect();
    let applied_devices: Vec<Uuid> = applied.iter().map(|op| op.device_id).collect();
    let applied_entities: Vec<Uuid> = applied.iter().map(|op| op.entity_id).collect();
    let mut ids = Vec::with_capacity(touched.len());
    let mut kinds = Vec::with_capacity(touched.len());
    let mut communes = Vec::with_capacity(touched.len());
    let mut villages: Vec<Option<Uuid>> = Vec::with_capacity(touched.len());
    let mut states = Vec::with_capacity(touched.len());
    let mut versions = Vec::with_capacity(touched.len());
    let mut deleted = Vec::with_capacity(touched.len());
    for (id, is_deleted) in &touched {
        let record = &records[id];
        ids.push(*id);
        kinds.push(record.entity.as_str());
        communes.push(record.commune_code.as_str());
        villages.push(record.village_id);
        states.push(serde_json::to_value(&record.state).map_err(OfficeError::from)?);
        versions.push(
            record
                .state
                .version()
                .map(|v| v.to_string())
                .unwrap_or_default(),
        );
        deleted.push(*is_deleted);
    }
    // The dashboard's facts, read and worked out before the lock (see `FactsWrite`).
    let facts = FactsWrite::plan(&tx, &touched, &records, &applied).await?;
    let claim_sql = tx
        .prepare_cached(
            "INSERT INTO applied_ops (op_id, device_id, entity_id, applied_at)
             SELECT op_id, device_id, entity_id, $4
             FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS u(op_id, device_id, entity_id)",
        )
        .await?;
    let write_sql = tx.prepare_cached("INSERT INTO records (entity_id, entity, commune_code, village_id, state, version, deleted, seq)
             SELECT entity_id, entity, commune_code, village_id, state, version, deleted,
                    nextval('record_seq')
             FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::jsonb[], $6::text[],
                         $7::bool[])
                  AS u(entity_id, entity, commune_code, village_id, state, version, deleted)
             ON CONFLICT (entity_id) DO UPDATE SET commune_code = excluded.commune_code,
               village_id = excluded.village_id, state = excluded.state,
               version = excluded.version, deleted = excluded.deleted, seq = excluded.seq").await?;
    let conflicts_sql = tx.prepare_cached("INSERT INTO conflicts (entity, entity_id, field, losing_value, losing_hlc, winning_hlc, logged_at)
             SELECT entity, entity_id, field, losing_value, losing_hlc, winning_hlc, $7
             FROM unnest($1::text[], $2::uuid[], $3::text[], $4::jsonb[], $5::text[], $6::text[])
                  AS u(entity, entity_id, field, losing_value, losing_hlc, winning_hlc)").await?;
    let lost_kinds: Vec<&str> = lost_writes.iter().map(|(e, _, _)| e.as_str()).collect();
    let lost_ids: Vec<Uuid> = lost_writes.iter().map(|(_, id, _)| *id).collect();
    let lost_fields: Vec<&str> = lost_writes
        .iter()
        .map(|(_, _, l)| l.field.as_str())
        .collect();
    let lost_values: Vec<&Value> = lost_writes.iter().map(|(_, _, l)| &l.value).collect();
    let losing: Vec<String> = lost_writes
        .iter()
        .map(|(_, _, l)| l.hlc.to_string())
        .collect();
    let winning: Vec<String> = lost_writes
        .iter()
        .map(|(_, _, l)| l.winner.to_string())
        .collect();
    let claim_params: [&(dyn ToSql + Sync); 4] =
        [&applied_ids, &applied_devices, &applied_entities, &now];
    let write_params: [&(dyn ToSql + Sync); 7] = [
        &ids, &kinds, &communes, &villages, &states, &versions, &deleted,
    ];
    let conflicts_params: [&(dyn ToSql + Sync); 7] = [
        &lost_kinds,
        &lost_ids,
        &lost_fields,
        &lost_values,
        &losing,
        &winning,
        &now,
    ];
    // The feed lock, held until commit: feed numbers are taken and committed in order (see the
    // module doc). Everything goes in one pipeline, sent at once and run in this order: the
    // batch's own facts before the lock (`FactsWrite::send_own`), then the lock and what needs
    // it; the lock covers those statements' work and the commit, no round trip of the office's.
    let lock_sql = format!("SELECT pg_advisory_xact_lock({FEED_LOCK})");
    let (own_facts, locked, claimed, written, facts_written, conflicts_logged) = tokio::join!(
        biased;
        facts.send_own(&tx),
        tx.batch_execute(&lock_sql),
        tx.execute(&claim_sql, &claim_params),
        // unnest yields the rows in array order, so feed numbers follow the order of the
        // records' last changes.
        tx.execute(&write_sql, &write_params),
        facts.send_shared(&tx),
        async {
            if lost_writes.is_empty() {
                return Ok(0);
            }
            tx.execute(&conflicts_sql, &conflicts_params).await
        },
    );
    own_facts?;
    locked?;
    claimed?;
    written?;
    facts_written?;
    conflicts_logged?;
    tx.commit().await?;
    Ok(outcomes)
}

/// The records a batch's ops read: as earlier ops of the batch left them, else as loaded.
struct BatchRecords<'a> {
    batch: &'a HashMap<Uuid, StoredRecord>,
    loaded: &'a HashMap<Uuid, Option<StoredRecord>>,
}

impl Related for BatchRecords<'_> {
    fn get(&self, id: Uuid) -> Option<&StoredRecord> {
        self.batch
            .get(&id)
            .or_else(|| self.loaded.get(&id).and_then(Option::as_ref))
    }
}

/// An attempt failed: a conflict with a concurrent transaction (retry) or a real fault.
enum AttemptError {
    Postgres(tokio_postgres::Error),
    Other(OfficeError),
}

impl From<tokio_postgres::Error> for AttemptError {
    fn from(e: tokio_postgres::Error) -> Self {
        AttemptError::Postgres(e)
    }
}

impl From<OfficeError> for AttemptError {
    fn from(e: OfficeError) -> Self {
        AttemptError::Other(e)
    }
}

impl OfficeStore for PgStore {
    async fn migrate(&self) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&(FEED_LOCK + 1)])
            .await?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS office_migrations (version INT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)",
        )
        .await?;
        for (version, sql) in MIGRATIONS {
            let done = tx
                .query_opt(
                    "SELECT 1 FROM office_migrations WHERE version = $1",
                    &[version],
                )
                .await?
                .is_some();
            if !done {
                tx.batch_execute(sql).await?;
                tx.execute(
                    "INSERT INTO office_migrations (version, applied_at) VALUES ($1, now())",
                    &[version],
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn insert_user(&self, user: &User) -> Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO users (id, full_name, role, phone, organisation, created_at)
                 VALUES ($1, $2, $3, $4, $5, now())",
                &[
                    &user.id,
                    &user.full_name,
                    &role_text(user.role),
                    &user.phone,
                    &user.organisation,
                ],
            )
            .await?;
        Ok(())
    }

    async fn user(&self, id: Uuid) -> Result<Option<User>> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached("SELECT full_name, role, phone, organisation FROM users WHERE id = $1")
            .await?;
        let row = client.query_opt(&statement, &[&id]).await?;
        row.map(|r| {
            Ok(User {
                id,
                full_name: r.get(0),
                role: parse_role(r.get(1))?,
                phone: r.get(2),
                organisation: r.get(3),
            })
        })
        .transpose()
    }

    async fn count_users(&self) -> Result<u64> {
        let row = self
            .client()
            .await?
            .query_one("SELECT COUNT(*) FROM users", &[])
            .await?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached("SELECT id, full_name, role, phone, organisation FROM users")
            .await?;
        let rows = client.query(&statement, &[]).await?;
        let mut users = rows
            .iter()
            .map(|r| {
                Ok(User {
                    id: r.get(0),
                    full_name: r.get(1),
                    role: parse_role(r.get(2))?,
                    phone: r.get(3),
                    organisation: r.get(4),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        super::sort_users(&mut users);
        Ok(users)
    }

    async fn assign_area(
        &self,
        user_id: Uuid,
        commune_code: &str,
        village: Option<Uuid>,
    ) -> Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO areas (user_id, commune_code, village_id) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                &[
                    &user_id,
                    &commune_code,
                    &village.map(|v| v.to_string()).unwrap_or_default(),
                ],
            )
            .await?;
        Ok(())
    }

    async fn scope(&self, user_id: Uuid) -> Result<Scope> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "SELECT commune_code, village_id FROM areas WHERE user_id = $1
                 ORDER BY commune_code, village_id",
            )
            .await?;
        let rows = client.query(&statement, &[&user_id]).await?;
        let mut scope = Scope::default();
        for r in rows {
            let village: String = r.get(1);
            if village.is_empty() {
                scope.communes.push(r.get(0));
            } else {
                scope.villages.push(
                    Uuid::parse_str(&village)
                        .map_err(|_| OfficeError::Corrupt(format!("bad village {village:?}")))?,
                );
            }
        }
        Ok(scope)
    }

    async fn insert_code(
        &self,
        code_hash: &str,
        user_id: Uuid,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO enrol_codes (code_hash, user_id, expires_at) VALUES ($1, $2, $3)",
                &[&code_hash, &user_id, &expires_at],
            )
            .await?;
        Ok(())
    }

    async fn enroll(
        &self,
        code_hash: &str,
        device: &NewDevice,
        now: DateTime<Utc>,
    ) -> Result<Option<Uuid>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let row = tx
            .query_opt(
                "UPDATE enrol_codes SET used_at = $2, device_id = $3
                 WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2
                 RETURNING user_id",
                &[&code_hash, &now, &device.id],
            )
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let user: Uuid = row.get(0);
        tx.execute(
            "INSERT INTO devices (id, user_id, name, token_hash, enrolled_at, receipt_key)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &device.id,
                &user,
                &device.name,
                &device.token_hash,
                &now,
                &device.receipt_key,
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(Some(user))
    }

    async fn device_by_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<DeviceRecord>> {
        // Sync requests sign in through `device_session`; this reads what it reads, and keeps
        // the device.
        Ok(self
            .device_session(token_hash, now)
            .await?
            .map(|session| session.device))
    }

    async fn revoke_device(&self, device_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
        let n = self
            .client()
            .await?
            .execute(
                "UPDATE devices SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1",
                &[&device_id, &now],
            )
            .await?;
        Ok(n > 0)
    }

    async fn apply_ops(&self, ops: Arc<[Op]>, ctx: &ApplyContext) -> Result<Vec<OpOutcome>> {
        if ops.is_empty() {
            return Ok(Vec::new());
        }
        let _turn = self
            .push_gate
            .acquire()
            .await
            .map_err(|e| OfficeError::Pool(e.to_string()))?;
        let mut client = self.client().await?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            // A fault drops the transaction, which rolls the whole batch back.
            match apply_batch(&mut client, &ops, ctx).await {
                Ok(outcomes) => return Ok(outcomes),
                // A conflict with a concurrent transaction: the whole batch runs again (its ops
                // are idempotent, and the rolled-back attempt left nothing).
                Err(AttemptError::Postgres(e)) if retryable(&e) && attempt < 5 => continue,
                Err(AttemptError::Postgres(e)) => return Err(e.into()),
                Err(AttemptError::Other(e)) => return Err(e),
            }
        }
    }

    async fn pull(&self, scope: &Scope, after: i64, limit: u32) -> Result<Vec<Change>> {
        let client = self.client().await?;
        let statement = client.prepare_cached(&PULL_SQL).await?;
        let rows = client
            .query(
                &statement,
                &[
                    &after,
                    &scope.communes,
                    &scope.villages,
                    &Some(i64::from(limit)),
                ],
            )
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(Change {
                    seq: r.get(0),
                    entity: parse_entity(r.get(1))?,
                    entity_id: r.get(2),
                    state: serde_json::from_value::<RecordState>(r.get::<_, Value>(3))?,
                })
            })
            .collect()
    }

    async fn count_after(&self, scope: &Scope, after: i64) -> Result<u64> {
        let client = self.client().await?;
        let statement = client.prepare_cached(&COUNT_AFTER_SQL).await?;
        let row = client
            .query_one(
                &statement,
                &[&after, &scope.communes, &scope.villages, &None::<i64>],
            )
            .await?;
        Ok(u64::try_from(row.get::<_, i64>(0)).unwrap_or(0))
    }

    async fn checksum(&self, scope: &Scope) -> Result<ScopeChecksum> {
        let client = self.client().await?;
        let statement = client.prepare_cached(&CHECKSUM_SQL).await?;
        // Every record: feed numbers start at 1.
        let rows = client
            .query(
                &statement,
                &[&0_i64, &scope.communes, &scope.villages, &None::<i64>],
            )
            .await?;
        let mut parsed = Vec::with_capacity(rows.len());
        for r in rows {
            let version: String = r.get(2);
            let version = if version.is_empty() {
                None
            } else {
                Some(parse_hlc(&version)?)
            };
            parsed.push((parse_entity(r.get(0))?, r.get::<_, Uuid>(1), version));
        }
        Ok(fold_checksum(parsed.into_iter()))
    }

    async fn record(&self, entity_id: Uuid) -> Result<Option<StoredRecord>> {
        let client = self.client().await?;
        load_record(&**client, entity_id).await
    }

    async fn conflicts(&self, entity_id: Uuid) -> Result<Vec<ConflictEntry>> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "SELECT entity, field, losing_value, losing_hlc, winning_hlc FROM conflicts
                 WHERE entity_id = $1 ORDER BY id",
            )
            .await?;
        let rows = client.query(&statement, &[&entity_id]).await?;
        rows.into_iter()
            .map(|r| {
                Ok(ConflictEntry {
                    entity: parse_entity(r.get(0))?,
                    entity_id,
                    field: r.get(1),
                    losing_value: r.get(2),
                    losing_hlc: parse_hlc(r.get(3))?,
                    winning_hlc: parse_hlc(r.get(4))?,
                })
            })
            .collect()
    }

    async fn import_units(&self, units: &[AdminUnit]) -> Result<usize> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let stmt = tx
            .prepare(
                "INSERT INTO admin_units (commune_code, commune_name, commune_type, province_code, province_name)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (commune_code) DO UPDATE SET commune_name = excluded.commune_name,
                   commune_type = excluded.commune_type, province_code = excluded.province_code,
                   province_name = excluded.province_name",
            )
            .await?;
        for u in units {
            tx.execute(
                &stmt,
                &[
                    &u.commune_code,
                    &u.commune_name,
                    &u.commune_type,
                    &u.province_code,
                    &u.province_name,
                ],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(units.len())
    }

    async fn publish_policy(&self, edition: &PolicyEdition, now: DateTime<Utc>) -> Result<bool> {
        let n = self
            .client()
            .await?
            .execute(
                "INSERT INTO policy_editions (version, toml, published_at) VALUES ($1, $2, $3)
                 ON CONFLICT (version) DO NOTHING",
                &[&edition.version, &edition.toml, &now],
            )
            .await?;
        Ok(n > 0)
    }

    async fn device_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<DeviceSession>> {
        let client = self.client().await?;
        // `device_by_token`'s statement with the area and the epoch beside it: one round trip
        // where there were three.
        let statement = client
            .prepare_cached(
                // "Last seen" to the minute, so most calls of a sync write nothing.
                "WITH device AS (SELECT id, user_id, revoked_at, last_seen_at, wipe_requested_at
                                 FROM devices WHERE token_hash = $1),
                      seen AS (UPDATE devices SET last_seen_at = $2
                               WHERE id = (SELECT id FROM device)
                                 AND (last_seen_at IS NULL OR last_seen_at < $3))
                 SELECT d.id, d.user_id, d.revoked_at IS NOT NULL,
                        d.wipe_requested_at IS NOT NULL, u.role,
                        ARRAY(SELECT commune_code || '/' || village_id FROM areas
                              WHERE user_id = d.user_id ORDER BY commune_code, village_id),
                        (SELECT value FROM office_settings WHERE key = $4)
                 FROM device d JOIN users u ON u.id = d.user_id",
            )
            .await?;
        let row = client
            .query_opt(
                &statement,
                &[
                    &token_hash,
                    &now,
                    &(now - chrono::Duration::seconds(super::LAST_SEEN_RESOLUTION_SECS)),
                    &super::lifecycle::EPOCH_KEY,
                ],
            )
            .await?;
        // Back to the pool before anything else takes one: hundreds of requests each holding a
        // connection while waiting for a second would wait for each other.
        drop(client);
        let Some(row) = row else {
            return Ok(None);
        };
        let device = DeviceRecord {
            id: row.get(0),
            user_id: row.get(1),
            revoked: row.get(2),
            wipe_requested: row.get(3),
            role: super::sqlite::parse_role(row.get::<_, &str>(4))?,
        };
        let mut scope = Scope::default();
        for area in row.get::<_, Vec<String>>(5) {
            match area.split_once('/') {
                Some((commune, "")) => scope.communes.push(commune.to_owned()),
                Some((_, village)) => scope.villages.push(
                    Uuid::parse_str(village)
                        .map_err(|_| OfficeError::Corrupt(format!("bad village {village:?}")))?,
                ),
                None => return Err(OfficeError::Corrupt(format!("bad area {area:?}"))),
            }
        }
        // The epoch is made on its first read (a new office): then the usual way.
        let epoch = match row.get::<_, Option<String>>(6) {
            Some(epoch) => epoch,
            None => super::LifecycleStore::office_epoch(self).await?,
        };
        Ok(Some(DeviceSession {
            device,
            scope,
            epoch,
        }))
    }

    async fn latest_policy(&self, unless: Option<&str>) -> Result<Option<PolicyEdition>> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "SELECT version, toml FROM (SELECT version, toml FROM policy_editions
                                            ORDER BY published_at DESC, version DESC LIMIT 1) latest
                 WHERE version IS DISTINCT FROM $1",
            )
            .await?;
        let row = client.query_opt(&statement, &[&unless]).await?;
        Ok(row.map(|r| PolicyEdition {
            version: r.get(0),
            toml: r.get(1),
        }))
    }

    async fn commune_exists(&self, code: &str) -> Result<bool> {
        Ok(self
            .client()
            .await?
            .query_opt(
                "SELECT 1 FROM admin_units WHERE commune_code = $1",
                &[&code],
            )
            .await?
            .is_some())
    }
}

/// SQL NULL for a parameter of any column type (an `Option<String>` is refused by a UUID or
/// date column before it is ever sent).
#[derive(Debug)]
struct Null;

impl ToSql for Null {
    fn to_sql(
        &self,
        _: &tokio_postgres::types::Type,
        _: &mut bytes::BytesMut,
    ) -> std::result::Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>>
    {
        Ok(tokio_postgres::types::IsNull::Yes)
    }

    fn accepts(_: &tokio_postgres::types::Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

fn pg_param(value: &super::sql::SqlValue) -> Box<dyn ToSql + Sync + Send> {
    use super::sql::SqlValue as V;
    match value {
        V::Null => Box::new(Null),
        V::Text(t) => Box::new(t.clone()),
        V::Int(i) => Box::new(*i),
        V::Bool(b) => Box::new(*b),
        V::Uuid(u) => Box::new(*u),
        V::Date(d) => Box::new(*d),
        V::Ts(t) => Box::new(*t),
        V::TextList(list) => Box::new(list.clone()),
        V::UuidList(list) => Box::new(list.clone()),
    }
}

fn pg_row(row: &tokio_postgres::Row) -> Result<super::sql::SqlRow> {
    use super::sql::SqlCell;
    use tokio_postgres::types::Type;
    let mut cells = Vec::with_capacity(row.len());
    for (i, column) in row.columns().iter().enumerate() {
        let ty = column.type_();
        let cell = if *ty == Type::INT8 {
            row.get::<_, Option<i64>>(i).map(SqlCell::Int)
        } else if *ty == Type::INT4 {
            row.get::<_, Option<i32>>(i).map(|v| SqlCell::Int(v.into()))
        } else if *ty == Type::INT2 {
            row.get::<_, Option<i16>>(i).map(|v| SqlCell::Int(v.into()))
        } else if *ty == Type::FLOAT8 {
            row.get::<_, Option<f64>>(i).map(SqlCell::Float)
        } else if *ty == Type::BOOL {
            row.get::<_, Option<bool>>(i).map(SqlCell::Bool)
        } else if *ty == Type::UUID {
            row.get::<_, Option<Uuid>>(i).map(SqlCell::Uuid)
        } else if *ty == Type::DATE {
            row.get::<_, Option<chrono::NaiveDate>>(i)
                .map(SqlCell::Date)
        } else if *ty == Type::TIMESTAMPTZ {
            row.get::<_, Option<DateTime<Utc>>>(i).map(SqlCell::Ts)
        } else if *ty == Type::TEXT || *ty == Type::VARCHAR {
            row.get::<_, Option<String>>(i).map(SqlCell::Text)
        } else {
            return Err(OfficeError::Corrupt(format!(
                "column {} has a type the dashboard does not read: {ty}",
                column.name()
            )));
        };
        cells.push(cell.unwrap_or(SqlCell::Null));
    }
    Ok(cells)
}

/// Most statements a pooled connection keeps prepared for the shared SQL of the dashboard and the
/// office's bookkeeping; past it the connection's cache starts again. Those statements are a
/// fixed set, but a list's placeholders (`IN ($3, $4, …)`) make one per length.
const STATEMENTS_KEPT: usize = 256;

async fn pg_rows(
    client: &impl deadpool_postgres::GenericClient,
    cache: &deadpool_postgres::StatementCache,
    sql: &str,
    params: &[super::sql::SqlValue],
) -> Result<Vec<super::sql::SqlRow>> {
    let boxed: Vec<Box<dyn ToSql + Sync + Send>> = params.iter().map(pg_param).collect();
    let refs: Vec<&(dyn ToSql + Sync)> = boxed
        .iter()
        .map(|b| b.as_ref() as &(dyn ToSql + Sync))
        .collect();
    if cache.size() >= STATEMENTS_KEPT {
        cache.clear();
    }
    let statement = client.prepare_cached(sql).await?;
    client
        .query(&statement, &refs)
        .await?
        .iter()
        .map(pg_row)
        .collect()
}

impl super::sql::SqlRunner for PgStore {
    fn dialect(&self) -> super::sql::Dialect {
        super::sql::Dialect::Postgres
    }

    async fn query(
        &self,
        sql: String,
        params: Vec<super::sql::SqlValue>,
    ) -> Result<Vec<super::sql::SqlRow>> {
        let client = self.client().await?;
        pg_rows(&client, &client.statement_cache, &sql, &params).await
    }

    async fn transaction(
        &self,
        statements: Vec<super::sql::Statement>,
    ) -> Result<Vec<Vec<super::sql::SqlRow>>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let mut out = Vec::with_capacity(statements.len());
        for (sql, params) in &statements {
            out.push(pg_rows(&tx, &tx.statement_cache, sql, params).await?);
        }
        tx.commit().await?;
        Ok(out)
    }
}

/// The typed facts (`record_facts`, `fact_rollup`, `remitted_payments`) of a batch's touched
/// records: read and worked out by [`FactsWrite::plan`] before the feed lock, the batch's own
/// rows written just before the lock ([`FactsWrite::send_own`]) and the rest in the lock's
/// pipeline ([`FactsWrite::send_shared`]), so the lock covers no round trip of theirs.
///
/// Reading before the lock is exact for what the facts read: a touched record's old facts
/// change only with the record, whose row the batch holds (`FOR NO KEY UPDATE`) to commit, and
/// the sign-ups whose first month a payment's facts take are share-locked before that month is
/// read. Everything that reads other records' facts (a sign-up's last paid month) runs under
/// the lock. A record new to the office has no row to lock: two batches making the same new
/// record with different ops at once would both count it as new — the same race its `records`
/// row has. A device sends one batch at a time and a batch sent again carries the same op ids,
/// which meet at `applied_ops`' key (the loser runs again), so it does not arise from phones.
struct FactsWrite {
    sql: FactsStatements,
    /// `record_facts` columns, one array each (see `FACTS_UPSERT`).
    ids: Vec<Uuid>,
    kinds: Vec<&'static str>,
    communes: Vec<String>,
    villages: Vec<Option<Uuid>>,
    deleted: Vec<bool>,
    actors: Vec<Option<Uuid>>,
    refs: Vec<Option<Uuid>>,
    statuses: Vec<Option<String>>,
    days: Vec<Option<chrono::NaiveDate>>,
    days2: Vec<Option<chrono::NaiveDate>>,
    amounts: Vec<Option<i64>>,
    amounts2: Vec<Option<i64>>,
    idents: Vec<Option<String>>,
    labels: Vec<Option<String>>,
    names: Vec<Option<String>>,
    origins: Vec<Option<Uuid>>,
    /// Changes to `fact_rollup`, in a fixed key order (concurrent batches never lock its rows
    /// in opposite orders).
    rollup: Vec<(crate::facts::RollupKey, (i64, i64))>,
    /// Sign-ups whose last paid month is counted again.
    signups_to_recount: Vec<Uuid>,
    /// Remittances whose payment links are written again, and the links (payment, remittance,
    /// day).
    remittances: Vec<Uuid>,
    links: (Vec<Uuid>, Vec<Uuid>, Vec<chrono::NaiveDate>),
}

/// The statements [`FactsWrite::send`] runs, prepared before the lock.
struct FactsStatements {
    facts: tokio_postgres::Statement,
    rollup: tokio_postgres::Statement,
    recount: tokio_postgres::Statement,
    unlink: tokio_postgres::Statement,
    link: tokio_postgres::Statement,
}

impl FactsWrite {
    /// Reads what the touched records counted for before and works out every row to write.
    async fn plan(
        tx: &deadpool_postgres::Transaction<'_>,
        touched: &[(Uuid, bool)],
        records: &HashMap<Uuid, StoredRecord>,
        applied: &[&Op],
    ) -> std::result::Result<FactsWrite, AttemptError> {
        use crate::facts::RecordFacts;
        // The device of the first applied op of each record in this batch (a record made
        // earlier keeps the origin it has: the upsert does not change it).
        let mut origin: HashMap<Uuid, Uuid> = HashMap::new();
        for op in applied {
            origin.entry(op.entity_id).or_insert(op.device_id);
        }
        let all_facts: Vec<RecordFacts> = touched
            .iter()
            .map(|(id, _)| RecordFacts::of(records[id].entity, &records[id].state.fields))
            .collect();
        let touched_ids: Vec<Uuid> = touched.iter().map(|(id, _)| *id).collect();
        // What the touched records counted for before, and the first months of the sign-ups
        // the batch's payments belong to (from the batch itself when it carries the sign-up).
        let payment_signups: Vec<Uuid> = touched
            .iter()
            .zip(&all_facts)
            .filter(|((id, _), _)| records[id].entity == EntityKind::Payment)
            .filter_map(|(_, f)| f.ref_id)
            .collect();
        let old_params: [&(dyn ToSql + Sync); 1] = [&touched_ids];
        let first_params: [&(dyn ToSql + Sync); 1] = [&payment_signups];
        let old_sql = tx
            .prepare_cached(
                "SELECT entity, commune_code, village_id, actor_id, status, day, amount, amount2,
                        deleted, entity_id
                 FROM record_facts WHERE entity_id = ANY($1)",
            )
            .await?;
        // The sign-ups are share-locked first, so their first months (read next, by a statement
        // of its own: a fresh snapshot) cannot change before this push commits.
        let hold_sql = tx
            .prepare_cached("SELECT 1 FROM records WHERE entity_id = ANY($1) FOR SHARE")
            .await?;
        let first_sql = tx
            .prepare_cached(
                "SELECT entity_id, day FROM record_facts
                 WHERE entity_id = ANY($1) AND entity = 'enrollment'",
            )
            .await?;
        // `biased`: sent in this order (the hold before the read); neither without payments.
        let (old_rows, held, first_rows, sql) = tokio::join!(
            biased;
            tx.query(&old_sql, &old_params),
            async {
                if payment_signups.is_empty() {
                    return Ok(0);
                }
                tx.execute(&hold_sql, &first_params).await
            },
            async {
                if payment_signups.is_empty() {
                    return Ok(Vec::new());
                }
                tx.query(&first_sql, &first_params).await
            },
            FactsStatements::prepare(tx),
        );
        held?;
        let mut rollup: HashMap<crate::facts::RollupKey, (i64, i64)> = HashMap::new();
        for row in old_rows? {
            let cells = pg_row(&row)?;
            if let Some((key, amount)) = super::dashboard::old_rollup(&cells)? {
                let slot = rollup.entry(key).or_default();
                slot.0 -= 1;
                slot.1 -= amount;
            }
        }
        let mut first_months: HashMap<Uuid, Option<chrono::NaiveDate>> = HashMap::new();
        for row in first_rows? {
            first_months.insert(row.get(0), row.get(1));
        }
        for ((id, _), f) in touched.iter().zip(&all_facts) {
            if records[id].entity == EntityKind::Enrollment {
                first_months.insert(*id, f.day);
            }
        }
        let n = touched.len();
        let mut out = FactsWrite {
            sql: sql?,
            ids: Vec::with_capacity(n),
            kinds: Vec::with_capacity(n),
            communes: Vec::with_capacity(n),
            villages: Vec::with_capacity(n),
            deleted: Vec::with_capacity(n),
            actors: Vec::with_capacity(n),
            refs: Vec::with_capacity(n),
            statuses: Vec::with_capacity(n),
            days: Vec::with_capacity(n),
            days2: Vec::with_capacity(n),
            amounts: Vec::with_capacity(n),
            amounts2: Vec::with_capacity(n),
            idents: Vec::with_capacity(n),
            labels: Vec::with_capacity(n),
            names: Vec::with_capacity(n),
            origins: Vec::with_capacity(n),
            rollup: Vec::new(),
            signups_to_recount: Vec::new(),
            remittances: Vec::new(),
            links: Default::default(),
        };
        for ((id, is_deleted), mut facts) in touched.iter().zip(all_facts) {
            let record = &records[id];
            if record.entity == EntityKind::Payment {
                let first = facts
                    .ref_id
                    .and_then(|e| first_months.get(&e).copied().flatten());
                facts.set_renewal(first);
                out.signups_to_recount.extend(facts.ref_id);
            }
            if record.entity == EntityKind::Enrollment {
                out.signups_to_recount.push(*id);
            }
            if !is_deleted {
                let (key, amount) =
                    facts.rollup(record.entity, &record.commune_code, record.village_id);
                let slot = rollup.entry(key).or_default();
                slot.0 += 1;
                slot.1 += amount;
            }
            if record.entity == EntityKind::Remittance {
                out.remittances.push(*id);
                if !is_deleted && let Some(day) = facts.day {
                    for payment in &facts.links {
                        out.links.0.push(*payment);
                        out.links.1.push(*id);
                        out.links.2.push(day);
                    }
                }
            }
            out.ids.push(*id);
            out.kinds.push(record.entity.as_str());
            out.communes.push(record.commune_code.clone());
            out.villages.push(record.village_id);
            out.deleted.push(*is_deleted);
            out.actors.push(facts.actor_id);
            out.refs.push(facts.ref_id);
            out.statuses.push(facts.status);
            out.days.push(facts.day);
            out.days2.push(facts.day2);
            out.amounts.push(facts.amount);
            out.amounts2.push(facts.amount2);
            out.idents.push(facts.ident);
            out.labels.push(facts.label);
            out.names.push(facts.name_key);
            out.origins.push(origin.get(id).copied());
        }
        out.rollup = rollup
            .into_iter()
            .filter(|(_, (n, amount))| *n != 0 || *amount != 0)
            .collect();
        out.rollup.sort_by(|(a, _), (b, _)| {
            (
                a.entity,
                &a.commune_code,
                a.village_id,
                a.actor_id,
                &a.status,
                a.month,
                a.flag,
            )
                .cmp(&(
                    b.entity,
                    &b.commune_code,
                    b.village_id,
                    b.actor_id,
                    &b.status,
                    b.month,
                    b.flag,
                ))
        });
        out.signups_to_recount.sort_unstable();
        out.signups_to_recount.dedup();
        Ok(out)
    }

    /// Writes the touched records' own facts and their changes to the counts, two statements
    /// sent at once: call it in the pipeline before the feed lock. Only this batch writes these
    /// rows: a touched record's facts change with the record, whose row the batch holds, and
    /// `fact_rollup` is only ever added to, its rows taken in one key order by every batch; a
    /// batch waiting for the lock holds nothing the lock's holder needs (the holder wrote its
    /// own before it took the lock).
    async fn send_own(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
    ) -> std::result::Result<(), AttemptError> {
        let sql = &self.sql;
        let facts_params: [&(dyn ToSql + Sync); 16] = [
            &self.ids,
            &self.kinds,
            &self.communes,
            &self.villages,
            &self.deleted,
            &self.actors,
            &self.refs,
            &self.statuses,
            &self.days,
            &self.days2,
            &self.amounts,
            &self.amounts2,
            &self.idents,
            &self.labels,
            &self.names,
            &self.origins,
        ];
        let rows = &self.rollup;
        let entities: Vec<&str> = rows.iter().map(|(k, _)| k.entity).collect();
        let communes: Vec<&str> = rows.iter().map(|(k, _)| k.commune_code.as_str()).collect();
        let villages: Vec<Uuid> = rows.iter().map(|(k, _)| k.village_id).collect();
        let actors: Vec<Uuid> = rows.iter().map(|(k, _)| k.actor_id).collect();
        let statuses: Vec<&str> = rows.iter().map(|(k, _)| k.status.as_str()).collect();
        let months: Vec<chrono::NaiveDate> = rows.iter().map(|(k, _)| k.month).collect();
        let flags: Vec<i64> = rows.iter().map(|(k, _)| k.flag).collect();
        let counts: Vec<i64> = rows.iter().map(|(_, v)| v.0).collect();
        let totals: Vec<i64> = rows.iter().map(|(_, v)| v.1).collect();
        let rollup_params: [&(dyn ToSql + Sync); 9] = [
            &entities, &communes, &villages, &actors, &statuses, &months, &flags, &counts, &totals,
        ];
        // The optional statement is sent when `join!` first polls it: `biased`, in this order.
        let (facts, rollup) = tokio::join!(
            biased;
            tx.execute(&sql.facts, &facts_params),
            async {
                if rows.is_empty() {
                    return Ok(0);
                }
                tx.execute(&sql.rollup, &rollup_params).await
            },
        );
        facts?;
        rollup?;
        Ok(())
    }

    /// Writes the facts that read other records' facts (a sign-up's last paid month, from its
    /// payments') and the remittances' links, up to three statements sent at once: call it in
    /// the lock's pipeline, behind the records' writes.
    async fn send_shared(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
    ) -> std::result::Result<(), AttemptError> {
        let sql = &self.sql;
        // Each optional statement is sent when `join!` first polls it: `biased`, in this order.
        let (recount, unlink, link) = tokio::join!(
            biased;
            async {
                if self.signups_to_recount.is_empty() {
                    return Ok(0);
                }
                tx.execute(&sql.recount, &[&self.signups_to_recount]).await
            },
            async {
                if self.remittances.is_empty() {
                    return Ok(0);
                }
                tx.execute(&sql.unlink, &[&self.remittances]).await
            },
            async {
                if self.links.0.is_empty() {
                    return Ok(0);
                }
                let (payments, remittances, days) = &self.links;
                tx.execute(&sql.link, &[payments, remittances, days]).await
            },
        );
        for done in [recount, unlink, link] {
            done?;
        }
        Ok(())
    }
}

impl FactsStatements {
    async fn prepare(
        tx: &deadpool_postgres::Transaction<'_>,
    ) -> std::result::Result<FactsStatements, tokio_postgres::Error> {
        let (facts, rollup, recount, unlink, link) = tokio::join!(
            tx.prepare_cached(
                "INSERT INTO record_facts (entity_id, entity, commune_code, village_id, deleted,
                   actor_id, ref_id, status, day, day2, amount, amount2, ident, label, name_key,
                   origin_device)
                 SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::bool[],
                   $6::uuid[], $7::uuid[], $8::text[], $9::date[], $10::date[], $11::int8[],
                   $12::int8[], $13::text[], $14::text[], $15::text[], $16::uuid[])
                 ON CONFLICT (entity_id) DO UPDATE SET commune_code = excluded.commune_code,
                   village_id = excluded.village_id, deleted = excluded.deleted,
                   actor_id = excluded.actor_id, ref_id = excluded.ref_id,
                   status = excluded.status, day = excluded.day, day2 = excluded.day2,
                   amount = excluded.amount, amount2 = excluded.amount2, ident = excluded.ident,
                   label = excluded.label, name_key = excluded.name_key",
            ),
            tx.prepare_cached(
                "INSERT INTO fact_rollup (entity, commune_code, village_id, actor_id, status,
                   month, flag, n, amount)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::uuid[], $5::text[],
                   $6::date[], $7::int8[], $8::int8[], $9::int8[])
                 ON CONFLICT (entity, commune_code, village_id, actor_id, status, month, flag)
                 DO UPDATE SET n = fact_rollup.n + excluded.n,
                   amount = fact_rollup.amount + excluded.amount",
            ),
            tx.prepare_cached(
                "UPDATE record_facts SET day2 = (SELECT MAX(p.day2) FROM record_facts p
                   WHERE p.ref_id = record_facts.entity_id AND p.entity = 'payment'
                     AND NOT p.deleted)
                 WHERE entity_id = ANY($1) AND entity = 'enrollment'",
            ),
            tx.prepare_cached("DELETE FROM remitted_payments WHERE remittance_id = ANY($1)"),
            tx.prepare_cached(
                "INSERT INTO remitted_payments (payment_id, remittance_id, remitted_on)
                 SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::date[])
                 ON CONFLICT (payment_id) DO UPDATE SET remittance_id = excluded.remittance_id,
                   remitted_on = excluded.remitted_on",
            ),
        );
        Ok(FactsStatements {
            facts: facts?,
            rollup: rollup?,
            recount: recount?,
            unlink: unlink?,
            link: link?,
        })
    }
}
