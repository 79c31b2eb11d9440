//! What the sync client needs from the device database: the outbox in order, acknowledging and
//! quarantining ops, merging pulled changes field by field with the cursor in the same
//! transaction, the device clock, and the scope checksum that proves the device holds what the
//! office holds.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value};
use sotay_domain::merge::{RecordState, record_digest};
use sotay_domain::{EntityKind, Hlc, Op};
use std::collections::HashMap;
use uuid::Uuid;

use crate::clock::hlc_millis;
use crate::error::{Result, StoreError};
use crate::records::{Record, RecordVisitor, table, uuid_from, visit_record};
use crate::store::{
    Store, decode_fields, insert_outbox, load_state, materialise, read_clock, state_from_text,
    write_clock,
};

/// One record's state pulled from the office.
#[derive(Clone, Debug, PartialEq)]
pub struct RemoteChange {
    /// Kind of record.
    pub entity: EntityKind,
    /// Record id.
    pub entity_id: Uuid,
    /// All its fields with the clock of each.
    pub state: RecordState,
}

/// An op the office refused, kept aside (quarantined) with the reason.
#[derive(Clone, Debug, PartialEq)]
pub struct Rejection {
    /// The refused op.
    pub op: Op,
    /// Stable error code from the office.
    pub code: String,
    /// What is wrong, in Vietnamese, to show on the record.
    pub message: String,
    /// The field at fault, when one is.
    pub field: Option<String>,
    /// When the device learnt of it.
    pub rejected_at: DateTime<Utc>,
}

/// A pulled record this version of the app could not read. It is kept (merged) in the database,
/// never dropped, and merged again with later pulls; an app update can then read it.
#[derive(Clone, Debug, PartialEq)]
pub struct UnreadableRecord {
    /// Kind of record.
    pub entity: EntityKind,
    /// Record id.
    pub entity_id: Uuid,
    /// Why it could not be read.
    pub error: String,
}

/// What [`Store::apply_remote`] did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ApplyReport {
    /// Records whose local copy changed.
    pub applied: usize,
    /// Records the device already held exactly so.
    pub unchanged: usize,
    /// Records kept raw because they could not be read or stored as typed rows.
    pub unreadable: Vec<UnreadableRecord>,
}

/// An outbox row: op id, entity, entity id, fields, clock, user, device.
type OpRow = (Vec<u8>, String, Vec<u8>, String, String, Vec<u8>, Vec<u8>);

fn op_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<OpRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
    ))
}

fn decode_op((op_id, entity, entity_id, fields, hlc, user, device): OpRow) -> Result<Op> {
    let corrupt = |what: &str| StoreError::Corrupt {
        what: format!("outbox {what}"),
    };
    Ok(Op {
        op_id: uuid_from(&op_id)?,
        entity: EntityKind::parse(&entity).ok_or_else(|| corrupt("entity"))?,
        entity_id: uuid_from(&entity_id)?,
        fields: serde_json::from_str::<Map<String, Value>>(&fields)?,
        hlc: hlc.parse().map_err(|_| corrupt("clock"))?,
        user_id: uuid_from(&user)?,
        device_id: uuid_from(&device)?,
    })
}

impl Store {
    /// The oldest `limit` ops waiting to be pushed, in the order they were made (quarantined ops
    /// are not here: they wait for the user in [`Store::list_rejections`]).
    pub fn outbox_pending(&self, limit: usize) -> Result<Vec<Op>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self.conn.prepare_cached(
            "SELECT op_id, entity, entity_id, fields, hlc, user_id, device_id FROM outbox \
             ORDER BY seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], op_from_row)?;
        rows.map(|r| decode_op(r?)).collect()
    }

    /// How many ops wait to be pushed (what the user sees as "changes not yet sent").
    pub fn outbox_pending_count(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Removes ops the office acknowledged (applied or duplicate), in one transaction. Unknown
    /// or already removed ids are ignored, so a repeated acknowledgement is harmless.
    pub fn outbox_ack(&self, op_ids: &[Uuid]) -> Result<()> {
        let tx = self.write_tx()?;
        {
            let mut delete = tx.prepare_cached("DELETE FROM outbox WHERE op_id = ?1")?;
            for id in op_ids {
                delete.execute([id.as_bytes()])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Moves an op the office refused out of the queue into quarantine, with the reason, so the
    /// ops behind it keep flowing and the record shows what to fix. Unknown ids are ignored.
    pub fn outbox_reject(
        &self,
        op_id: Uuid,
        code: &str,
        message: &str,
        field: Option<&str>,
    ) -> Result<()> {
        let tx = self.write_tx()?;
        let row: Option<(i64, OpRow)> = tx
            .query_row(
                "SELECT seq, op_id, entity, entity_id, fields, hlc, user_id, device_id FROM outbox \
                 WHERE op_id = ?1",
                [op_id.as_bytes()],
                |r| {
                    Ok((
                        r.get(0)?,
                        (
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                            r.get(6)?,
                            r.get(7)?,
                        ),
                    ))
                },
            )
            .optional()?;
        let Some((seq, op_row)) = row else {
            return Ok(());
        };
        let op = decode_op(op_row)?;
        tx.execute(
            "INSERT OR REPLACE INTO rejections \
             (op_id, seq, entity, entity_id, op, code, message, field, rejected_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                op.op_id.as_bytes(),
                seq,
                op.entity.as_str(),
                op.entity_id.as_bytes(),
                serde_json::to_string(&op)?,
                code,
                message,
                field,
                self.clock.now().timestamp_millis(),
            ],
        )?;
        tx.execute("DELETE FROM outbox WHERE op_id = ?1", [op_id.as_bytes()])?;
        tx.commit()?;
        Ok(())
    }

    /// The rejections shown on one record (empty when it has none).
    pub fn rejections_for(&self, entity: EntityKind, entity_id: Uuid) -> Result<Vec<Rejection>> {
        self.query_rejections(
            "WHERE entity = ?1 AND entity_id = ?2",
            params![entity.as_str(), entity_id.as_bytes()],
        )
    }

    /// How many ops the office refused and wait for the user to fix (for the sync status,
    /// without loading them).
    pub fn rejected_count(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM rejections", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Every quarantined op, oldest first.
    pub fn list_rejections(&self) -> Result<Vec<Rejection>> {
        self.query_rejections("", params![])
    }

    fn query_rejections(
        &self,
        filter: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<Rejection>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT op, code, message, field, rejected_at FROM rejections {filter} ORDER BY seq"
        ))?;
        let rows = stmt.query_map(args, |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?;
        rows.map(|row| {
            let (op, code, message, field, at) = row?;
            Ok(Rejection {
                op: serde_json::from_str(&op)?,
                code,
                message,
                field,
                rejected_at: DateTime::from_timestamp_millis(at).unwrap_or_default(),
            })
        })
        .collect()
    }

    /// Merges one pulled page into the device, field by field (a local edit with a newer clock
    /// survives), folds the greatest remote clock into the device clock, and stores
    /// `next_cursor` — all in one transaction, so a crash never leaves a page half applied or a
    /// cursor ahead of the data. A record that this version cannot read is kept raw and
    /// reported, never dropped.
    pub fn apply_remote(&self, changes: &[RemoteChange], next_cursor: &str) -> Result<ApplyReport> {
        let tx = self.write_tx()?;
        let mut report = ApplyReport::default();
        let mut max_remote: Option<Hlc> = None;
        for change in changes {
            max_remote = max_remote.max(change.state.version());
            let outcome = visit_record(
                change.entity,
                MergeRemote {
                    conn: &tx,
                    change,
                    store: self,
                },
            )?;
            match outcome {
                MergeOutcome::Applied => report.applied += 1,
                MergeOutcome::Unchanged => report.unchanged += 1,
                MergeOutcome::Unreadable(error) => report.unreadable.push(UnreadableRecord {
                    entity: change.entity,
                    entity_id: change.entity_id,
                    error,
                }),
            }
        }
        if let Some(remote) = max_remote {
            let mut clock = read_clock(&tx)?;
            clock.observe(remote, hlc_millis(self.clock.now()));
            write_clock(&tx, &clock)?;
        }
        tx.execute(
            "UPDATE device SET sync_cursor = ?1 WHERE id = 1",
            [next_cursor],
        )?;
        tx.commit()?;
        Ok(report)
    }

    /// The pull cursor stored with the last applied page.
    pub fn sync_cursor(&self) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT sync_cursor FROM device WHERE id = 1", [], |r| {
                r.get(0)
            })?)
    }

    /// Sets (or with `None` clears) the pull cursor, e.g. for a repair pull from the start.
    pub fn set_sync_cursor(&self, cursor: Option<&str>) -> Result<()> {
        self.conn
            .execute("UPDATE device SET sync_cursor = ?1 WHERE id = 1", [cursor])?;
        Ok(())
    }

    /// Forgets the pull cursor so the next pull starts from the beginning (repair after a
    /// checksum mismatch). Merging is idempotent, so pulling everything again is safe.
    pub fn reset_sync_cursor(&self) -> Result<()> {
        self.set_sync_cursor(None)
    }

    /// The office's epoch this device last synced with: an office restored from a backup
    /// starts a new one (see [`Store::office_restored`]).
    pub fn office_epoch(&self) -> Result<Option<String>> {
        self.meta("office_epoch")
    }

    /// Notes the office's epoch once it is known and unchanged.
    pub fn set_office_epoch(&self, epoch: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES ('office_epoch', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [epoch],
        )?;
        Ok(())
    }

    /// The office was restored from a backup (its epoch changed): it has forgotten what this
    /// device sent after the backup, and it never issued this device's cursor. In one
    /// transaction: every field this device wrote itself is queued again as ops carrying the
    /// clocks they were written at (one op per record and clock, so merging them at the office
    /// gives exactly the field clocks this device has, and a repeat changes nothing), the pull
    /// cursor is forgotten so everything is pulled again from the start, and the new epoch is
    /// noted. Only the device's own writes are sent — each device vouches for its own, as with
    /// every op. Returns the number of ops queued.
    pub fn office_restored(&self, epoch: &str) -> Result<usize> {
        let tx = self.write_tx()?;
        let node = self.identity.device_id;
        let mut queued = 0;
        for &kind in EntityKind::ALL {
            let sql = format!("SELECT id, data, field_clocks FROM {}", table(kind));
            let mut stmt = tx.prepare(&sql)?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let id = uuid_from(&row.get::<_, Vec<u8>>(0)?)?;
                let state = state_from_text(
                    kind,
                    id,
                    &row.get::<_, String>(1)?,
                    &row.get::<_, String>(2)?,
                )?;
                let mut by_clock: std::collections::BTreeMap<Hlc, Map<String, Value>> =
                    std::collections::BTreeMap::new();
                for (field, hlc) in &state.clocks {
                    if hlc.node == node
                        && let Some(value) = state.fields.get(field)
                    {
                        by_clock
                            .entry(*hlc)
                            .or_default()
                            .insert(field.clone(), value.clone());
                    }
                }
                for (hlc, fields) in by_clock {
                    insert_outbox(
                        &tx,
                        &Op::new(kind, id, fields, hlc, self.identity.user_id, node),
                    )?;
                    queued += 1;
                }
            }
        }
        tx.execute("UPDATE device SET sync_cursor = NULL WHERE id = 1", [])?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('office_epoch', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [epoch],
        )?;
        tx.commit()?;
        Ok(queued)
    }

    /// When the last sync that the office fully acknowledged finished.
    pub fn last_sync_at(&self) -> Result<Option<DateTime<Utc>>> {
        let ms: Option<i64> =
            self.conn
                .query_row("SELECT last_sync_at FROM device WHERE id = 1", [], |r| {
                    r.get(0)
                })?;
        Ok(ms.and_then(DateTime::from_timestamp_millis))
    }

    /// Records when a sync finished.
    pub fn set_last_sync_at(&self, at: DateTime<Utc>) -> Result<()> {
        self.conn.execute(
            "UPDATE device SET last_sync_at = ?1 WHERE id = 1",
            [at.timestamp_millis()],
        )?;
        Ok(())
    }

    /// Folds a clock seen from the office into the device clock; returns the new device clock.
    pub fn observe_clock(&self, remote: Hlc) -> Result<Hlc> {
        let tx = self.write_tx()?;
        let mut clock = read_clock(&tx)?;
        let now = clock.observe(remote, hlc_millis(self.clock.now()));
        write_clock(&tx, &clock)?;
        tx.commit()?;
        Ok(now)
    }

    /// The latest clock the device issued or observed.
    pub fn clock(&self) -> Result<Hlc> {
        Ok(read_clock(&self.conn)?.last())
    }

    /// The order-independent checksum of every record the device holds (tombstones included):
    /// `(count, wrapping sum of record_digest(entity, id, version))`, to compare with the
    /// office's checksum of the same scope.
    pub fn scope_checksum(&self) -> Result<(u64, u64)> {
        let mut raw: HashMap<(EntityKind, Uuid), Option<Hlc>> = HashMap::new();
        {
            let mut stmt = self
                .conn
                .prepare("SELECT entity, entity_id, data, field_clocks FROM unreadable_records")?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let entity: String = row.get(0)?;
                let Some(kind) = EntityKind::parse(&entity) else {
                    continue;
                };
                let id = uuid_from(&row.get::<_, Vec<u8>>(1)?)?;
                let state = state_from_text(
                    kind,
                    id,
                    &row.get::<_, String>(2)?,
                    &row.get::<_, String>(3)?,
                )?;
                raw.insert((kind, id), state.version());
            }
        }
        let mut count: u64 = 0;
        let mut sum: u64 = 0;
        for &kind in EntityKind::ALL {
            let mut stmt = self
                .conn
                .prepare(&format!("SELECT id, version FROM {}", table(kind)))?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let id = uuid_from(&row.get::<_, Vec<u8>>(0)?)?;
                if raw.contains_key(&(kind, id)) {
                    continue;
                }
                let version: Option<String> = row.get(1)?;
                let version = version.and_then(|v| v.parse::<Hlc>().ok());
                count += 1;
                sum = sum.wrapping_add(record_digest(kind.as_str(), &id, version));
            }
        }
        for ((kind, id), version) in raw {
            count += 1;
            sum = sum.wrapping_add(record_digest(kind.as_str(), &id, version));
        }
        Ok((count, sum))
    }

    /// The merged state of one record as the device holds it (deleted ones included; a record
    /// kept raw because it could not be read is returned too).
    pub fn record_state(&self, entity: EntityKind, entity_id: Uuid) -> Result<Option<RecordState>> {
        if let Some(state) = load_unreadable(&self.conn, entity, entity_id)? {
            return Ok(Some(state));
        }
        load_state(&self.conn, entity, entity_id)
    }

    /// The pulled records kept raw because this version could not read them.
    pub fn unreadable_records(&self) -> Result<Vec<UnreadableRecord>> {
        let mut stmt = self.conn.prepare(
            "SELECT entity, entity_id, error FROM unreadable_records ORDER BY received_at",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (entity, id, error) = row?;
            if let Some(entity) = EntityKind::parse(&entity) {
                out.push(UnreadableRecord {
                    entity,
                    entity_id: uuid_from(&id)?,
                    error,
                });
            }
        }
        Ok(out)
    }
}

enum MergeOutcome {
    Applied,
    Unchanged,
    Unreadable(String),
}

fn load_unreadable(conn: &Connection, kind: EntityKind, id: Uuid) -> Result<Option<RecordState>> {
    let row: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT data, field_clocks FROM unreadable_records WHERE entity = ?1 AND entity_id = ?2",
        )?
        .query_row(params![kind.as_str(), id.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(data, clocks)| state_from_text(kind, id, &data, &clocks))
        .transpose()
}

/// Merges one pulled record into its local copy and re-materialises the typed row.
/// [`merge_remote`] for the record type of a change's kind.
struct MergeRemote<'a> {
    conn: &'a Connection,
    change: &'a RemoteChange,
    store: &'a Store,
}

impl RecordVisitor for MergeRemote<'_> {
    type Output = Result<MergeOutcome>;
    fn visit<E: Record>(self) -> Result<MergeOutcome> {
        merge_remote::<E>(self.conn, self.change, self.store)
    }
}

fn merge_remote<E: Record>(
    conn: &Connection,
    change: &RemoteChange,
    store: &Store,
) -> Result<MergeOutcome> {
    let kind = E::KIND;
    let id = change.entity_id;
    let raw = load_unreadable(conn, kind, id)?;
    let had_raw = raw.is_some();
    let mut state = match raw {
        Some(state) => state,
        None => load_state(conn, kind, id)?.unwrap_or_default(),
    };
    let before = state.clone();
    state.merge(&change.state);
    if state == before && !had_raw {
        return Ok(MergeOutcome::Unchanged);
    }
    // The record id travels as the change's entity id; office writes before December 2026 did
    // not repeat it among the fields. The stored copy always holds it, at the zero clock: the
    // id never changes, so any copy that carries it with a real clock wins with the same value,
    // and devices merging in any order end with the same state.
    if !state.fields.contains_key("id") {
        state
            .fields
            .insert("id".into(), Value::String(id.to_string()));
        state.clocks.insert("id".into(), Hlc::zero(Uuid::nil()));
    }
    let error = match decode_fields::<E>(&state.fields, id) {
        Ok(record) if record.id() == id => {
            conn.execute_batch("SAVEPOINT merge_remote")?;
            match materialise(conn, &record, &state) {
                Ok(()) => {
                    conn.execute_batch("RELEASE merge_remote")?;
                    if had_raw {
                        conn.prepare_cached(
                            "DELETE FROM unreadable_records WHERE entity = ?1 AND entity_id = ?2",
                        )?
                        .execute(params![kind.as_str(), id.as_bytes()])?;
                    }
                    return Ok(MergeOutcome::Applied);
                }
                // A merged record that breaks a local constraint (a receipt number used twice
                // by two devices) is kept raw rather than failing the whole page.
                Err(StoreError::Sqlite(err))
                    if err.sqlite_error_code()
                        == Some(rusqlite::ErrorCode::ConstraintViolation) =>
                {
                    conn.execute_batch("ROLLBACK TO merge_remote; RELEASE merge_remote")?;
                    err.to_string()
                }
                Err(other) => return Err(other),
            }
        }
        Ok(_) => "the record's id field does not match its entity id".to_owned(),
        Err(err) => err.to_string(),
    };
    conn.prepare_cached(
        "INSERT INTO unreadable_records (entity, entity_id, data, field_clocks, error, received_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (entity, entity_id) DO UPDATE SET \
         data = excluded.data, field_clocks = excluded.field_clocks, error = excluded.error, \
         received_at = excluded.received_at",
    )?
    .execute(params![
        kind.as_str(),
        id.as_bytes(),
        serde_json::to_string(&state.fields)?,
        crate::store::encode_field_clocks(&state)?,
        error,
        store.clock.now().timestamp_millis(),
    ])?;
    Ok(MergeOutcome::Unreadable(error))
}
