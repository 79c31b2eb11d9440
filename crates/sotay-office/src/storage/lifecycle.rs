//! Small state that every office instance must see the same, kept in the database and written
//! once for both backends over [`SqlRunner`]: the office's **epoch** (a new one after a restore
//! from backup, so devices know to send again what the office forgot), the enrolled **devices**
//! and those marked **lost** (their pushes are still taken, their next pull orders the wipe, and
//! what the office refused from them is kept whole), and **failed attempts** per client address
//! (wrong enrolment codes, wrong passwords, receipt checks), counted in the database so that
//! several instances behind one load balancer count the same attempts.
use chrono::{DateTime, Utc};
use std::future::Future;
use uuid::Uuid;

use super::DeviceInfo;
use super::sql::{SqlRow, SqlRunner, cell, first_row};
use crate::error::Result;

/// The settings key of the office's epoch.
pub(crate) const EPOCH_KEY: &str = "epoch";

/// What a failed attempt was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptKind {
    /// A wrong enrolment code.
    Enrol,
    /// A wrong dashboard sign-in.
    SignIn,
    /// A receipt check that found nothing.
    ReceiptCheck,
}

impl AttemptKind {
    fn as_str(self) -> &'static str {
        match self {
            AttemptKind::Enrol => "enrol",
            AttemptKind::SignIn => "sign_in",
            AttemptKind::ReceiptCheck => "receipt_check",
        }
    }
}

/// How long failed attempts count.
pub const ATTEMPT_WINDOW_SECS: i64 = 60;

/// A refused op kept from a device marked lost.
#[derive(Clone, Debug, PartialEq)]
pub struct SalvagedOp {
    /// The op.
    pub op_id: Uuid,
    /// The device that sent it.
    pub device_id: Uuid,
    /// Why the office refused it.
    pub code: String,
    /// The op as sent (JSON).
    pub op: String,
}

/// See the module doc.
pub trait LifecycleStore: Send + Sync + 'static {
    /// The office's epoch, made the first time it is asked for.
    fn office_epoch(&self) -> impl Future<Output = Result<String>> + Send;
    /// Starts a new epoch (after a restore): returns it.
    fn start_new_epoch(&self) -> impl Future<Output = Result<String>> + Send;
    /// Every enrolled device, oldest first.
    fn list_devices(&self) -> impl Future<Output = Result<Vec<DeviceInfo>>> + Send;
    /// One device, or None when there is no such device.
    fn device(&self, device_id: Uuid) -> impl Future<Output = Result<Option<DeviceInfo>>> + Send;
    /// Marks a device lost; false when there is no such device.
    fn request_wipe(
        &self,
        device_id: Uuid,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Notes that the wipe order was answered; true the first time.
    fn wipe_sent(
        &self,
        device_id: Uuid,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Keeps a refused op of a device marked lost (once per op).
    fn salvage(
        &self,
        op: &SalvagedOp,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The refused ops kept from a device.
    fn salvaged_ops(&self, device_id: Uuid)
    -> impl Future<Output = Result<Vec<SalvagedOp>>> + Send;
    /// How many failed attempts of `kind` from `key` in the last [`ATTEMPT_WINDOW_SECS`].
    fn recent_failures(
        &self,
        kind: AttemptKind,
        key: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<i64>> + Send;
    /// Counts a failed attempt (and forgets attempts older than an hour).
    fn record_failure(
        &self,
        kind: AttemptKind,
        key: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<()>> + Send;
}

/// The columns [`device_info`] reads, in its order.
const DEVICE_COLUMNS: &str = "id, user_id, name, enrolled_at, last_seen_at, revoked_at, \
     wipe_requested_at, wipe_sent_at";

fn device_info(r: &SqlRow) -> Result<DeviceInfo> {
    Ok(DeviceInfo {
        id: cell(r, 0)?.uuid()?,
        user_id: cell(r, 1)?.uuid()?,
        name: cell(r, 2)?.text()?,
        enrolled_at: cell(r, 3)?.ts()?,
        last_seen_at: cell(r, 4)?.opt_ts()?,
        revoked_at: cell(r, 5)?.opt_ts()?,
        wipe_requested_at: cell(r, 6)?.opt_ts()?,
        wipe_sent_at: cell(r, 7)?.opt_ts()?,
    })
}

fn new_epoch() -> String {
    Uuid::new_v4().simple().to_string()
}

impl<T: SqlRunner> LifecycleStore for T {
    async fn office_epoch(&self) -> Result<String> {
        // Read on every push and pull answer: one indexed read, no transaction, once it exists.
        let known = self
            .query(
                "SELECT value FROM office_settings WHERE key = $1".into(),
                vec![EPOCH_KEY.into()],
            )
            .await?;
        if let Some(row) = first_row(known) {
            return cell(&row, 0)?.text();
        }
        // Two instances starting together both try; the first insert wins, both read it.
        let rows = self
            .transaction(vec![
                (
                    "INSERT INTO office_settings (key, value) VALUES ($1, $2)
                     ON CONFLICT (key) DO NOTHING"
                        .into(),
                    vec![EPOCH_KEY.into(), new_epoch().into()],
                ),
                (
                    "SELECT value FROM office_settings WHERE key = $1".into(),
                    vec![EPOCH_KEY.into()],
                ),
            ])
            .await?;
        let row = rows.into_iter().nth(1).and_then(first_row);
        match row {
            Some(row) => cell(&row, 0)?.text(),
            None => Err(crate::OfficeError::Corrupt("the epoch was not kept".into())),
        }
    }

    async fn start_new_epoch(&self) -> Result<String> {
        let epoch = new_epoch();
        self.transaction(vec![(
            "INSERT INTO office_settings (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value"
                .into(),
            vec![EPOCH_KEY.into(), epoch.clone().into()],
        )])
        .await?;
        Ok(epoch)
    }

    async fn list_devices(&self) -> Result<Vec<DeviceInfo>> {
        let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices ORDER BY enrolled_at, id");
        self.query(sql, vec![])
            .await?
            .iter()
            .map(device_info)
            .collect()
    }

    async fn device(&self, device_id: Uuid) -> Result<Option<DeviceInfo>> {
        let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE id = $1");
        let rows = self.query(sql, vec![device_id.into()]).await?;
        first_row(rows).as_ref().map(device_info).transpose()
    }

    async fn request_wipe(&self, device_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
        let rows = self
            .transaction(vec![(
                "UPDATE devices SET wipe_requested_at = COALESCE(wipe_requested_at, $2)
                 WHERE id = $1 RETURNING id"
                    .into(),
                vec![device_id.into(), now.into()],
            )])
            .await?;
        Ok(rows.into_iter().next().is_some_and(|r| !r.is_empty()))
    }

    async fn wipe_sent(&self, device_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
        let rows = self
            .transaction(vec![(
                "UPDATE devices SET wipe_sent_at = $2
                 WHERE id = $1 AND wipe_requested_at IS NOT NULL AND wipe_sent_at IS NULL
                 RETURNING id"
                    .into(),
                vec![device_id.into(), now.into()],
            )])
            .await?;
        Ok(rows.into_iter().next().is_some_and(|r| !r.is_empty()))
    }

    async fn salvage(&self, op: &SalvagedOp, now: DateTime<Utc>) -> Result<()> {
        let insert = match self.dialect() {
            super::sql::Dialect::Sqlite => {
                "INSERT INTO salvaged_ops (op_id, device_id, received_at, code, op)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (op_id) DO NOTHING"
            }
            super::sql::Dialect::Postgres => {
                "INSERT INTO salvaged_ops (op_id, device_id, received_at, code, op)
                 VALUES ($1, $2, $3, $4, CAST(CAST($5 AS TEXT) AS JSONB)) ON CONFLICT (op_id) DO NOTHING"
            }
        };
        self.transaction(vec![(
            insert.into(),
            vec![
                op.op_id.into(),
                op.device_id.into(),
                now.into(),
                op.code.clone().into(),
                op.op.clone().into(),
            ],
        )])
        .await?;
        Ok(())
    }

    async fn salvaged_ops(&self, device_id: Uuid) -> Result<Vec<SalvagedOp>> {
        let rows = self
            .query(
                "SELECT op_id, device_id, code, CAST(op AS TEXT) FROM salvaged_ops
                 WHERE device_id = $1 ORDER BY received_at, op_id"
                    .into(),
                vec![device_id.into()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(SalvagedOp {
                    op_id: cell(r, 0)?.uuid()?,
                    device_id: cell(r, 1)?.uuid()?,
                    code: cell(r, 2)?.text()?,
                    op: cell(r, 3)?.text()?,
                })
            })
            .collect()
    }

    async fn recent_failures(
        &self,
        kind: AttemptKind,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let since = now - chrono::Duration::seconds(ATTEMPT_WINDOW_SECS);
        let rows = self
            .query(
                "SELECT COUNT(*) FROM rate_failures WHERE kind = $1 AND key = $2 AND at > $3"
                    .into(),
                vec![kind.as_str().into(), key.into(), since.into()],
            )
            .await?;
        match first_row(rows) {
            Some(row) => cell(&row, 0)?.int(),
            None => Ok(0),
        }
    }

    async fn record_failure(&self, kind: AttemptKind, key: &str, now: DateTime<Utc>) -> Result<()> {
        self.transaction(vec![
            (
                "INSERT INTO rate_failures (kind, key, at) VALUES ($1, $2, $3)".into(),
                vec![kind.as_str().into(), key.into(), now.into()],
            ),
            (
                "DELETE FROM rate_failures WHERE at < $1".into(),
                vec![(now - chrono::Duration::hours(1)).into()],
            ),
        ])
        .await?;
        Ok(())
    }
}
