//! A small fixed-window limiter of failed enrolment attempts per client address, so enrolment
//! codes cannot be guessed by brute force. Only failures count: a training session where thirty
//! board members enrol together from the commune hall's one Wi-Fi address (so one address to
//! the office) must all get through, while someone guessing codes fails, and is stopped, fast.
//! In memory: with several servers each counts on its own, which still bounds guessing to a
//! small multiple; a restart forgets the counts, which costs a guesser a minute at most. A
//! failure is counted when the office has answered it, so guesses sent in parallel can pass the
//! check together: a burst is bounded by the client's parallel connections, and every guess
//! after it is refused for the rest of the minute.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Counts failures per key in one-minute windows.
pub struct RateLimiter {
    per_window: u32,
    window: Duration,
    failures: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    /// At most `per_minute` failures per key per minute.
    pub fn per_minute(per_minute: u32) -> Self {
        RateLimiter {
            per_window: per_minute,
            window: Duration::from_secs(60),
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `key` may try now (it has not used up its failures in this window).
    pub fn allow(&self, key: &str) -> bool {
        let now = Instant::now();
        let Ok(failures) = self.failures.lock() else {
            return false;
        };
        match failures.get(key) {
            Some((start, count)) if now.duration_since(*start) < self.window => {
                *count < self.per_window
            }
            _ => true,
        }
    }

    /// Counts one failed attempt of `key`.
    pub fn fail(&self, key: &str) {
        let now = Instant::now();
        let Ok(mut failures) = self.failures.lock() else {
            return;
        };
        if failures.len() > 100_000 {
            failures.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = failures.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failures_use_up_the_allowance() {
        let limiter = RateLimiter::per_minute(3);
        for _ in 0..50 {
            assert!(limiter.allow("1.2.3.4"), "successes never count");
        }
        let mut tries = 0;
        while limiter.allow("1.2.3.4") {
            limiter.fail("1.2.3.4");
            tries += 1;
        }
        assert_eq!(tries, 3, "three failures a minute from one address");
        assert!(
            limiter.allow("5.6.7.8"),
            "another address has its own count"
        );
    }
}
