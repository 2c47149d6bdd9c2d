//! Stats timestamps are milliseconds since the Unix epoch; sans-IO cores see only
//! `Instant`s. An [`EpochClock`] maps one to the other from a single anchor, so
//! simulated time yields plausible, monotonic epoch timestamps.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Maps `Instant`s to milliseconds since the Unix epoch.
#[derive(Debug, Clone, Copy)]
pub struct EpochClock {
    anchor: Instant,
    anchor_unix_ms: f64,
}

impl EpochClock {
    /// `anchor` corresponds to `anchor_unix_ms` milliseconds since the epoch.
    pub fn new(anchor: Instant, anchor_unix_ms: f64) -> Self {
        EpochClock {
            anchor,
            anchor_unix_ms,
        }
    }

    /// Anchors `Instant::now()` to the system clock.
    pub fn system() -> Self {
        let unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO);
        EpochClock::new(Instant::now(), unix.as_secs_f64() * 1000.0)
    }

    /// Milliseconds since the epoch at `t` (earlier instants map below the anchor).
    pub fn unix_ms(&self, t: Instant) -> f64 {
        match t.checked_duration_since(self.anchor) {
            Some(d) => self.anchor_unix_ms + d.as_secs_f64() * 1000.0,
            None => self.anchor_unix_ms - self.anchor.duration_since(t).as_secs_f64() * 1000.0,
        }
    }

    pub fn anchor(&self) -> Instant {
        self.anchor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_both_sides_of_the_anchor() {
        let base = Instant::now();
        let later = base + Duration::from_millis(1500);
        let c = EpochClock::new(later, 1_800_000_000_000.0);
        assert_eq!(c.unix_ms(later), 1_800_000_000_000.0);
        assert_eq!(
            c.unix_ms(later + Duration::from_micros(2500)),
            1_800_000_000_002.5
        );
        assert_eq!(c.unix_ms(base), 1_799_999_998_500.0);
    }
}
