//! What every request handler shares, the sync API's and the dashboard's alike: the store, the
//! office's clock, the policy edition in use (taken up without a restart when a newer one is
//! published) and the limiters of failed attempts. It sits below both HTTP layers ([`crate::api`]
//! and [`crate::web`]), so neither names the other; [`crate::server`] puts them together.

use sotay_domain::{Hlc, HlcClock, Policy};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::apply::OFFICE_NODE;
use crate::limit::RateLimiter;
use crate::storage::OfficeStore;
use crate::storage::lifecycle::AttemptKind;

/// Longest a request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Failed enrolment attempts (wrong or used codes) allowed per client address per minute.
pub const ENROLL_ATTEMPTS_PER_MINUTE: i64 = 10;

/// Failed dashboard sign-ins allowed per client address per minute (the per-login lock-out is
/// in the database).
pub const SIGN_IN_FAILURES_PER_MINUTE: i64 = 20;
/// Receipt checks allowed per client address per minute on the public page.
pub const RECEIPT_CHECKS_PER_MINUTE: i64 = 10;

/// What every handler shares.
pub struct AppState<S> {
    /// The database.
    pub store: Arc<S>,
    /// Which backend, for `/health`.
    pub backend: &'static str,
    /// The office's hybrid logical clock (node [`OFFICE_NODE`]).
    pub clock: Arc<Mutex<HlcClock>>,
    /// Enrolment attempts.
    pub limiter: Arc<RateLimiter>,
    /// The policy edition in use: the quote prices with it and pushes are bounded by it.
    pub policy: Arc<PolicyInUse>,
    /// How long one request may take, body included ([`REQUEST_TIMEOUT`]).
    pub request_timeout: Duration,
    /// Whether the dashboard's cookies are `Secure` (the office serves HTTPS).
    pub secure_cookies: bool,
    /// Failed dashboard sign-ins per address.
    pub sign_in_limiter: Arc<RateLimiter>,
    /// Receipt checks per address (the public page).
    pub receipt_limiter: Arc<RateLimiter>,
}

impl<S> Clone for AppState<S> {
    fn clone(&self) -> Self {
        AppState {
            store: Arc::clone(&self.store),
            backend: self.backend,
            clock: Arc::clone(&self.clock),
            limiter: Arc::clone(&self.limiter),
            policy: Arc::clone(&self.policy),
            request_timeout: self.request_timeout,
            secure_cookies: self.secure_cookies,
            sign_in_limiter: Arc::clone(&self.sign_in_limiter),
            receipt_limiter: Arc::clone(&self.receipt_limiter),
        }
    }
}

impl<S: OfficeStore> AppState<S> {
    /// State over `store`.
    pub fn new(store: S, backend: &'static str) -> Self {
        AppState {
            store: Arc::new(store),
            backend,
            clock: Arc::new(Mutex::new(HlcClock::new(OFFICE_NODE))),
            limiter: Arc::new(RateLimiter::per_minute(
                AttemptKind::Enrol,
                ENROLL_ATTEMPTS_PER_MINUTE,
            )),
            policy: Arc::new(PolicyInUse::new(Arc::new(Policy::embedded().clone()))),
            request_timeout: REQUEST_TIMEOUT,
            secure_cookies: false,
            sign_in_limiter: Arc::new(RateLimiter::per_minute(
                AttemptKind::SignIn,
                SIGN_IN_FAILURES_PER_MINUTE,
            )),
            receipt_limiter: Arc::new(RateLimiter::per_minute(
                AttemptKind::ReceiptCheck,
                RECEIPT_CHECKS_PER_MINUTE,
            )),
        }
    }

    /// The policy edition in use, looking for a newer published one at most every
    /// [`POLICY_RECHECK`] (`publish-policy` runs in another process, and every instance serving
    /// the database must take the edition up without a restart).
    pub async fn policy(&self) -> Arc<Policy> {
        let current = self.policy.current();
        if !self.policy.due() {
            return current;
        }
        match crate::admin::newer_policy(self.store.as_ref(), &current.version).await {
            Ok(Some(newer)) => {
                let newer = Arc::new(newer);
                self.policy.set(Arc::clone(&newer));
                newer
            }
            Ok(None) => current,
            Err(err) => {
                // The edition in use stands; the next request looks again.
                tracing::warn!(error = %err, "could not read the published policy");
                current
            }
        }
    }

    /// A fresh office timestamp.
    pub fn tick(&self) -> Hlc {
        let now = crate::clock::now_ms();
        match self.clock.lock() {
            Ok(mut clock) => clock.tick(now),
            Err(poisoned) => poisoned.into_inner().tick(now),
        }
    }

    /// Folds a device's timestamp into the office clock.
    pub fn observe(&self, remote: Hlc, now_ms: u64) {
        match self.clock.lock() {
            Ok(mut clock) => clock.observe(remote, now_ms),
            Err(poisoned) => poisoned.into_inner().observe(remote, now_ms),
        };
    }
}

/// How often a serving office looks for a newly published policy edition.
pub const POLICY_RECHECK: Duration = Duration::from_secs(30);

/// The policy edition a serving office uses, replaced when a newer one is published.
pub struct PolicyInUse {
    current: Mutex<Arc<Policy>>,
    checked: Mutex<Option<std::time::Instant>>,
}

impl PolicyInUse {
    /// Starts with `policy`; the first [`AppState::policy`] looks for a newer one.
    pub fn new(policy: Arc<Policy>) -> Self {
        PolicyInUse {
            current: Mutex::new(policy),
            checked: Mutex::new(None),
        }
    }

    /// The edition in use now.
    pub fn current(&self) -> Arc<Policy> {
        Arc::clone(&self.current.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Puts `policy` in use.
    pub fn set(&self, policy: Arc<Policy>) {
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = policy;
    }

    /// Whether it is time to look for a newer edition (and notes that it is being done).
    fn due(&self) -> bool {
        let mut checked = self.checked.lock().unwrap_or_else(|p| p.into_inner());
        let now = std::time::Instant::now();
        if checked.is_some_and(|at| now.duration_since(at) < POLICY_RECHECK) {
            return false;
        }
        *checked = Some(now);
        true
    }
}
