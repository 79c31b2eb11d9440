//! A limiter of failed attempts per client address, so enrolment codes, passwords and receipt
//! codes cannot be guessed by brute force. Only failures count (a receipt check counts each
//! check): a training session where thirty board members enrol together from the commune hall's
//! one Wi-Fi address (so one address to the office) must all get through, while someone guessing
//! codes fails, and is stopped, fast.
//!
//! The attempts are counted in the database ([`LifecycleStore`], a sliding minute), so several
//! office instances behind one load balancer count the same attempts and a restart forgets
//! nothing. A failure is counted when the office has answered it, so guesses sent in parallel
//! can pass the check together: a burst is bounded by the client's parallel connections, and
//! every guess after it is refused for the rest of the minute.

use chrono::Utc;

use crate::error::Result;
use crate::storage::LifecycleStore;
use crate::storage::lifecycle::AttemptKind;

/// At most `per_minute` failures of one kind per key in any minute.
#[derive(Clone, Copy, Debug)]
pub struct RateLimiter {
    kind: AttemptKind,
    per_minute: i64,
}

impl RateLimiter {
    /// At most `per_minute` failures of `kind` per key per minute.
    pub const fn per_minute(kind: AttemptKind, per_minute: i64) -> Self {
        RateLimiter { kind, per_minute }
    }

    /// Whether `key` may try now (it has not used up its failures in the last minute).
    pub async fn allow(&self, store: &impl LifecycleStore, key: &str) -> Result<bool> {
        Ok(store.recent_failures(self.kind, key, Utc::now()).await? < self.per_minute)
    }

    /// Counts one failed attempt of `key`.
    pub async fn fail(&self, store: &impl LifecycleStore, key: &str) -> Result<()> {
        store.record_failure(self.kind, key, Utc::now()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::OfficeStore;
    use crate::storage::sqlite::SqliteStore;

    #[tokio::test]
    async fn only_failures_use_up_the_allowance_and_a_second_instance_sees_them() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("office.sqlite3");
        let first = SqliteStore::open(&path).expect("open");
        first.migrate().await.expect("migrate");
        // A second instance over the same database.
        let second = SqliteStore::open(&path).expect("open again");
        let limiter = RateLimiter::per_minute(AttemptKind::Enrol, 3);
        for _ in 0..50 {
            assert!(limiter.allow(&first, "1.2.3.4").await.expect("allow"));
        }
        let mut tries = 0;
        while limiter.allow(&first, "1.2.3.4").await.expect("allow") {
            limiter.fail(&first, "1.2.3.4").await.expect("fail");
            tries += 1;
        }
        assert_eq!(tries, 3, "three failures a minute from one address");
        assert!(
            !limiter.allow(&second, "1.2.3.4").await.expect("allow"),
            "the other instance counts the same failures"
        );
        assert!(
            limiter.allow(&second, "5.6.7.8").await.expect("allow"),
            "another address has its own count"
        );
        let other_kind = RateLimiter::per_minute(AttemptKind::SignIn, 3);
        assert!(
            other_kind.allow(&second, "1.2.3.4").await.expect("allow"),
            "another kind of attempt has its own count"
        );
    }
}
