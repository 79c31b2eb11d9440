//! A small fixed-window rate limiter for enrolment attempts (per client address and per code),
//! so enrolment codes cannot be guessed by brute force. In memory: with several servers each
//! counts on its own, which still bounds guessing to a small multiple.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Counts attempts per key in one-minute windows.
pub struct RateLimiter {
    per_window: u32,
    window: Duration,
    hits: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    /// At most `per_minute` attempts per key per minute.
    pub fn per_minute(per_minute: u32) -> Self {
        RateLimiter {
            per_window: per_minute,
            window: Duration::from_secs(60),
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt for `key`; false when the key is over its limit.
    pub fn allow(&self, key: &str) -> bool {
        let now = Instant::now();
        let Ok(mut hits) = self.hits.lock() else {
            return false;
        };
        if hits.len() > 100_000 {
            hits.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = hits.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.per_window
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_up_to_the_limit_per_key() {
        let limiter = RateLimiter::per_minute(3);
        let allowed = (0..5).filter(|_| limiter.allow("1.2.3.4")).count();
        assert_eq!(allowed, 3, "only three attempts a minute from one address");
        assert!(
            limiter.allow("5.6.7.8"),
            "another address has its own count"
        );
    }
}
