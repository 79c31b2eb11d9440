//! A hybrid logical clock (HLC). Phone clocks in villages are often wrong by hours or days, so
//! sync orders edits by an HLC instead of wall time: it follows the wall clock when that moves
//! forward, never goes backwards, and jumps past every timestamp it has seen from others (the
//! office sends its clock with every answer), so an edit made after seeing another always sorts
//! after it. Ties are broken by the node (device) id.
//!
//! Why not the `uhlc` crate: it reads the system clock and keeps state behind a mutex; this crate
//! is pure, and the store persists the clock in SQLite, so the clock takes `now` as an argument.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// One HLC timestamp. Orders by wall time, then counter, then node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hlc {
    /// Milliseconds since the Unix epoch (the physical part).
    pub wall_ms: u64,
    /// Logical counter within one millisecond.
    pub counter: u32,
    /// The device (or office) that made it; breaks ties.
    pub node: Uuid,
}

impl Hlc {
    /// The smallest timestamp of a node, before any event.
    pub fn zero(node: Uuid) -> Self {
        Hlc {
            wall_ms: 0,
            counter: 0,
            node,
        }
    }
}

/// Text form `WWWWWWWWWWWWW-CCCCCC-<uuid>`: fixed width, so text order equals clock order and
/// databases can compare and index it as a string.
impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.encode() {
            Some(buf) => f.write_str(Hlc::as_text(&buf)),
            // Past the year 2286 or 999,999 events in one millisecond: wider, still readable.
            None => write!(
                f,
                "{:013}-{:06}-{}",
                self.wall_ms,
                self.counter,
                self.node.hyphenated()
            ),
        }
    }
}

/// Length of the text form.
const TEXT_LEN: usize = 13 + 1 + 6 + 1 + 36;

impl Hlc {
    /// The fixed-width text form written into a stack buffer (every record stores one clock per
    /// field, so this runs for every field of every op the office applies); `None` when a part
    /// does not fit its width.
    fn encode(&self) -> Option<[u8; TEXT_LEN]> {
        if self.wall_ms >= 10_u64.pow(13) || self.counter >= 1_000_000 {
            return None;
        }
        let mut buf = [b'-'; TEXT_LEN];
        write_digits(&mut buf[..13], self.wall_ms);
        write_digits(&mut buf[14..20], u64::from(self.counter));
        self.node.hyphenated().encode_lower(&mut buf[21..]);
        Some(buf)
    }

    fn as_text(buf: &[u8; TEXT_LEN]) -> &str {
        // Only ASCII digits, '-' and lower-case hex were written.
        std::str::from_utf8(buf).unwrap_or_default()
    }
}

/// Writes `value` as decimal digits filling `out`, zero-padded (the caller checked it fits).
fn write_digits(out: &mut [u8], mut value: u64) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// An HLC text that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a hybrid logical clock timestamp: {0:?}")]
pub struct HlcParseError(pub String);

impl FromStr for Hlc {
    type Err = HlcParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || HlcParseError(s.to_owned());
        let mut parts = s.splitn(3, '-');
        let wall = parts.next().filter(|p| p.len() == 13).ok_or_else(err)?;
        let counter = parts.next().filter(|p| p.len() == 6).ok_or_else(err)?;
        let node = parts.next().ok_or_else(err)?;
        Ok(Hlc {
            wall_ms: wall.parse().map_err(|_| err())?,
            counter: counter.parse().map_err(|_| err())?,
            node: Uuid::parse_str(node).map_err(|_| err())?,
        })
    }
}

impl Serialize for Hlc {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.encode() {
            Some(buf) => s.serialize_str(Hlc::as_text(&buf)),
            None => s.collect_str(self),
        }
    }
}

impl<'de> Deserialize<'de> for Hlc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The clock of one node. Persist `last()` and rebuild with `HlcClock::resume` after a restart.
#[derive(Clone, Debug)]
pub struct HlcClock {
    last: Hlc,
}

impl HlcClock {
    /// A fresh clock for `node`.
    pub fn new(node: Uuid) -> Self {
        HlcClock {
            last: Hlc::zero(node),
        }
    }

    /// A clock that continues after `last` (as persisted).
    pub fn resume(last: Hlc) -> Self {
        HlcClock { last }
    }

    /// The latest timestamp issued or observed.
    pub fn last(&self) -> Hlc {
        self.last
    }

    /// A timestamp for a local event at wall time `now_ms`; always greater than any before.
    pub fn tick(&mut self, now_ms: u64) -> Hlc {
        let node = self.last.node;
        self.last = if now_ms > self.last.wall_ms {
            Hlc {
                wall_ms: now_ms,
                counter: 0,
                node,
            }
        } else {
            self.bump(self.last.wall_ms, self.last.counter)
        };
        self.last
    }

    /// Folds in a timestamp seen from another node, so later local events sort after it.
    pub fn observe(&mut self, remote: Hlc, now_ms: u64) -> Hlc {
        let node = self.last.node;
        let wall = now_ms.max(self.last.wall_ms).max(remote.wall_ms);
        self.last = if wall == self.last.wall_ms && wall == remote.wall_ms {
            self.bump(wall, self.last.counter.max(remote.counter))
        } else if wall == self.last.wall_ms {
            self.bump(wall, self.last.counter)
        } else if wall == remote.wall_ms {
            self.bump(wall, remote.counter)
        } else {
            Hlc {
                wall_ms: wall,
                counter: 0,
                node,
            }
        };
        self.last
    }

    /// Next counter in the same millisecond; on counter overflow, borrows the next millisecond.
    fn bump(&self, wall_ms: u64, counter: u32) -> Hlc {
        let node = self.last.node;
        if counter >= 999_999 {
            Hlc {
                wall_ms: wall_ms + 1,
                counter: 0,
                node,
            }
        } else {
            Hlc {
                wall_ms,
                counter: counter + 1,
                node,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn node(n: u8) -> Uuid {
        Uuid::from_bytes([n; 16])
    }

    #[test]
    fn follows_wall_time_and_never_goes_back() {
        let mut clock = HlcClock::new(node(1));
        let a = clock.tick(1_000);
        let b = clock.tick(900); // the phone's clock was set back
        let c = clock.tick(1_000);
        assert!(
            a < b && b < c,
            "ticks must be strictly increasing even when wall time goes back"
        );
        assert_eq!(a.wall_ms, 1_000);
        assert_eq!((b.wall_ms, b.counter), (1_000, 1));
    }

    #[test]
    fn a_slow_device_orders_after_what_it_has_seen() {
        // The office is two days ahead of the device's wrong clock.
        let office = Hlc {
            wall_ms: 2 * 86_400_000 + 5,
            counter: 3,
            node: node(9),
        };
        let mut device = HlcClock::new(node(1));
        device.tick(10);
        device.observe(office, 20);
        let edit = device.tick(30);
        assert!(
            edit > office,
            "an edit made after seeing the office's clock must sort after it"
        );
    }

    #[test]
    fn text_form_round_trips_and_sorts_like_the_clock() {
        let a = Hlc {
            wall_ms: 1_763_000_000_000,
            counter: 2,
            node: node(1),
        };
        let b = Hlc {
            wall_ms: 1_763_000_000_000,
            counter: 10,
            node: node(0),
        };
        assert_eq!(a.to_string().parse::<Hlc>().unwrap(), a);
        assert!(a < b && a.to_string() < b.to_string());
        assert!("12-3-x".parse::<Hlc>().is_err());
    }

    proptest! {
        #[test]
        fn fast_text_form_equals_the_formatted_one(wall in 0u64..10_u64.pow(14), counter in 0u32..2_000_000, n in any::<u128>()) {
            let hlc = Hlc { wall_ms: wall, counter, node: Uuid::from_u128(n) };
            let formatted = format!("{:013}-{:06}-{}", wall, counter, hlc.node.hyphenated());
            prop_assert_eq!(hlc.to_string(), formatted.clone());
            prop_assert_eq!(serde_json::to_string(&hlc).unwrap(), format!("\"{formatted}\""));
            if wall < 10_u64.pow(13) && counter < 1_000_000 {
                prop_assert_eq!(formatted.parse::<Hlc>().unwrap(), hlc);
            }
        }

        #[test]
        fn ticks_and_observes_are_strictly_increasing(events in proptest::collection::vec((any::<bool>(), 0u64..5_000, 0u64..5_000, 0u32..5), 1..60)) {
            let mut clock = HlcClock::new(node(1));
            let mut prev = clock.last();
            for (is_observe, now, remote_wall, remote_counter) in events {
                let next = if is_observe {
                    let remote = Hlc { wall_ms: remote_wall, counter: remote_counter, node: node(2) };
                    let next = clock.observe(remote, now);
                    prop_assert!(next > remote);
                    next
                } else {
                    clock.tick(now)
                };
                prop_assert!(next > prev);
                prop_assert_eq!(next.to_string().parse::<Hlc>().unwrap(), next);
                prev = next;
            }
        }
    }
}
