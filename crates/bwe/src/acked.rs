//! Acknowledged bitrate: bytes the receiver reports received per unit of
//! its arrival time, over a sliding window, in a fixed ring.
//!
//! Only arrival intervals that feedback actually describes are counted: a
//! packet contiguous with the previously reported one adds its bytes and
//! the arrival time since that one; after a gap (a lost feedback, unknown
//! sequence numbers) the next packet only marks a new starting point. So
//! lost feedback does not make the rate look lower than it was.

const RING_LEN: usize = 1024;
const WINDOW_US: i64 = 500_000;
/// No estimate until the counted intervals add up to this long.
const MIN_SPAN_US: i64 = 100_000;

#[derive(Debug)]
pub(crate) struct AckedBitrate {
    /// (arrival µs, bytes, arrival interval counted for them), oldest at `head`.
    ring: Vec<(i64, u32, i64)>,
    head: usize,
    len: usize,
    bytes: u64,
    span_us: i64,
    newest_us: i64,
    prev_arrival_us: Option<i64>,
}

impl AckedBitrate {
    pub fn new() -> Self {
        Self {
            ring: vec![(0, 0, 0); RING_LEN],
            head: 0,
            len: 0,
            bytes: 0,
            span_us: 0,
            newest_us: i64::MIN,
            prev_arrival_us: None,
        }
    }

    /// Adds a received packet. `contiguous`: no packet between it and the
    /// previously added one went unreported.
    pub fn on_packet(&mut self, arrival_us: i64, bytes: u32, contiguous: bool) {
        let prev = self.prev_arrival_us.replace(arrival_us);
        let Some(prev) = prev.filter(|_| contiguous) else {
            return;
        };
        // Intervals telescope, so reordering (negative intervals) still
        // sums to the span of a run. Clamp what a lying peer can add.
        let interval = arrival_us.saturating_sub(prev).clamp(-WINDOW_US, WINDOW_US);
        if self.len == RING_LEN {
            self.pop_front();
        }
        let tail = (self.head + self.len) % RING_LEN;
        self.ring[tail] = (arrival_us, bytes, interval);
        self.len += 1;
        self.bytes += u64::from(bytes);
        self.span_us += interval;
        self.newest_us = self.newest_us.max(arrival_us);
        if arrival_us < self.newest_us.saturating_sub(10 * WINDOW_US) {
            // The remote clock went far back: the newest mark is stale.
            self.newest_us = arrival_us;
        }
        let horizon = self.newest_us.saturating_sub(WINDOW_US);
        while self.len > 0 && self.ring[self.head].0 <= horizon {
            self.pop_front();
        }
    }

    fn pop_front(&mut self) {
        let (_, b, i) = self.ring[self.head];
        self.head = (self.head + 1) % RING_LEN;
        self.len -= 1;
        self.bytes -= u64::from(b);
        self.span_us -= i;
    }

    /// Bits per second over the last (up to) 500 ms of reported arrivals.
    pub fn rate_bps(&self) -> Option<f64> {
        (self.span_us >= MIN_SPAN_US).then(|| self.bytes as f64 * 8.0 * 1e6 / self.span_us as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steady_stream_measures_its_rate() {
        let mut a = AckedBitrate::new();
        // 1000 bytes every 10 ms = 800 kbit/s.
        for i in 0..5 {
            a.on_packet(i * 10_000, 1000, true);
        }
        assert_eq!(a.rate_bps(), None, "only 40 ms of arrivals");
        for i in 5..200 {
            a.on_packet(i * 10_000, 1000, true);
        }
        let r = a.rate_bps().unwrap();
        assert!((r - 800_000.0).abs() < 1.0, "{r}");
    }

    #[test]
    fn more_packets_than_the_ring_still_measure_correctly() {
        let mut a = AckedBitrate::new();
        // 100 bytes every 100 µs = 8 Mbit/s, 10,000 packets per second.
        for i in 0..20_000 {
            a.on_packet(i * 100, 100, true);
        }
        let r = a.rate_bps().unwrap();
        assert!((r - 8_000_000.0).abs() < 1.0, "{r}");
    }

    #[test]
    fn unreported_stretches_are_left_out_not_counted_as_idle() {
        let mut a = AckedBitrate::new();
        // 1000 bytes every 10 ms, but every fifth 50 ms stretch was in a
        // lost feedback: the rate is still 800 kbit/s.
        for i in 0..200i64 {
            let stretch = i / 5;
            if stretch % 5 == 4 {
                continue;
            }
            let first_after_gap = i % 5 == 0 && stretch % 5 == 0;
            a.on_packet(i * 10_000, 1000, !first_after_gap);
        }
        let r = a.rate_bps().unwrap();
        assert!((r - 800_000.0).abs() < 1.0, "{r}");
    }
}
