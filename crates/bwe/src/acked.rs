//! Acknowledged bitrate: bytes the receiver reports received per unit of
//! its arrival time, over a sliding window, in a fixed ring.

const RING_LEN: usize = 1024;
const WINDOW_US: i64 = 500_000;
/// No estimate until the samples span this long.
const MIN_SPAN_US: i64 = 100_000;
/// Arrival times this far behind the newest mean the remote clock restarted.
const BACKWARDS_RESET_US: i64 = 10_000_000;

#[derive(Debug)]
pub(crate) struct AckedBitrate {
    /// (arrival µs, bytes), oldest first, `head` is the oldest.
    ring: Vec<(i64, u32)>,
    head: usize,
    len: usize,
    bytes_in_ring: u64,
    newest_us: i64,
    /// The rate covers arrivals after this time.
    start_us: Option<i64>,
}

impl AckedBitrate {
    pub fn new() -> Self {
        Self {
            ring: vec![(0, 0); RING_LEN],
            head: 0,
            len: 0,
            bytes_in_ring: 0,
            newest_us: 0,
            start_us: None,
        }
    }

    pub fn on_packet(&mut self, arrival_us: i64, bytes: u32) {
        match self.start_us {
            None => {
                self.start_us = Some(arrival_us);
                self.newest_us = arrival_us;
                // The first packet marks the start; its bytes arrived
                // before the measured interval.
                return;
            }
            Some(_) if arrival_us < self.newest_us.saturating_sub(BACKWARDS_RESET_US) => {
                *self = Self {
                    ring: std::mem::take(&mut self.ring),
                    ..Self::empty()
                };
                self.start_us = Some(arrival_us);
                self.newest_us = arrival_us;
                return;
            }
            Some(start) if arrival_us <= start => return,
            Some(_) => {}
        }
        if self.len == RING_LEN {
            let (t, b) = self.ring[self.head];
            self.pop_front(b);
            // The evicted bytes no longer count, so neither does their time.
            self.start_us = Some(self.start_us.unwrap_or(t).max(t));
        }
        let tail = (self.head + self.len) % RING_LEN;
        self.ring[tail] = (arrival_us, bytes);
        self.len += 1;
        self.bytes_in_ring += u64::from(bytes);
        self.newest_us = self.newest_us.max(arrival_us);
        self.expire();
    }

    fn empty() -> Self {
        Self {
            ring: Vec::new(),
            head: 0,
            len: 0,
            bytes_in_ring: 0,
            newest_us: 0,
            start_us: None,
        }
    }

    fn pop_front(&mut self, bytes: u32) {
        self.head = (self.head + 1) % RING_LEN;
        self.len -= 1;
        self.bytes_in_ring -= u64::from(bytes);
    }

    fn expire(&mut self) {
        let horizon = self.newest_us.saturating_sub(WINDOW_US);
        while self.len > 0 {
            let (t, b) = self.ring[self.head];
            if t > horizon {
                break;
            }
            self.pop_front(b);
        }
    }

    /// Bits per second over the last (up to) 500 ms of arrivals.
    pub fn rate_bps(&self) -> Option<f64> {
        let start = self.start_us?;
        let span = self.newest_us.saturating_sub(start).min(WINDOW_US);
        (span >= MIN_SPAN_US).then(|| self.bytes_in_ring as f64 * 8.0 * 1e6 / span as f64)
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
            a.on_packet(i * 10_000, 1000);
        }
        assert_eq!(a.rate_bps(), None, "only 40 ms of arrivals");
        for i in 5..200 {
            a.on_packet(i * 10_000, 1000);
        }
        let r = a.rate_bps().unwrap();
        assert!((r - 800_000.0).abs() < 1.0, "{r}");
    }

    #[test]
    fn more_packets_than_the_ring_still_measure_correctly() {
        let mut a = AckedBitrate::new();
        // 100 bytes every 100 µs = 8 Mbit/s, 10,000 packets per second.
        for i in 0..20_000 {
            a.on_packet(i * 100, 100);
        }
        let r = a.rate_bps().unwrap();
        assert!((r - 8_000_000.0).abs() < 1.0, "{r}");
    }
}
