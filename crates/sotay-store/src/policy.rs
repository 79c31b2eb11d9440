//! The policy data the device prices and schedules with: the edition built into the app, or a
//! newer one the office published and sync delivered (kept in `meta`, so it survives restarts).
//! A decree that changes a rate reaches every phone at its next sync, without an app update.

use rusqlite::params;
use sotay_domain::Policy;
use sotay_domain::policy::edition_is_newer;
use std::sync::Arc;

use crate::error::{Result, StoreError};
use crate::store::Store;

const EDITION_KEY: &str = "policy_edition";

impl Store {
    /// The policy data in use: the newest of the app's built-in edition and the one the office
    /// sent.
    pub fn policy(&self) -> Result<Arc<Policy>> {
        let mut cached = self
            .policy
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(policy) = cached.as_ref() {
            return Ok(Arc::clone(policy));
        }
        let built_in = Policy::embedded();
        let stored = self.meta(EDITION_KEY)?;
        let policy = match stored.map(|text| Policy::from_toml_str(&text)) {
            Some(Ok(received)) if edition_is_newer(&received.version, &built_in.version) => {
                Arc::new(received)
            }
            // Older than the app's own edition (the app was updated since), or unreadable by this
            // version of the app: the built-in edition stands.
            _ => Arc::new(built_in.clone()),
        };
        *cached = Some(Arc::clone(&policy));
        Ok(policy)
    }

    /// The version label of [`Store::policy`], sent with every pull.
    pub fn policy_version(&self) -> Result<String> {
        Ok(self.policy()?.version.clone())
    }

    /// Takes an edition the office sent if it is newer than the one in use: checked whole first
    /// (an edition that does not load is refused and changes nothing). Returns whether it is now
    /// the one in use.
    pub fn accept_policy_edition(&self, toml: &str) -> Result<bool> {
        let received = Policy::from_toml_str(toml).map_err(|err| {
            StoreError::rule(
                "policy_invalid",
                "policy",
                format!("Dữ liệu chính sách cơ quan gửi không đọc được: {err}"),
            )
        })?;
        if !edition_is_newer(&received.version, &self.policy()?.version) {
            return Ok(false);
        }
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![EDITION_KEY, toml],
        )?;
        *self
            .policy
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Arc::new(received));
        Ok(true)
    }
}
