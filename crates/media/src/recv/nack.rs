//! Generic NACK (RFC 4585 §6.2.1) bookkeeping: which packets are missing, when to ask for
//! them again, and when to give up.

use std::time::{Duration, Instant};

/// How missing packets are asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NackConfig {
    pub enabled: bool,
    /// Most missing packets tracked at once; a bigger hole than this is not worth NACKing
    /// (the oldest entries are dropped and the frame waits for its deadline).
    pub max_missing: usize,
    /// Most requests for one packet.
    pub max_retries: u8,
    /// Shortest time between two NACK feedback packets (rate limit).
    pub min_send_interval: Duration,
    /// Floor of the retry interval; the interval is otherwise one round-trip time.
    pub min_retry_interval: Duration,
    /// Wait this long after a hole is found before the first NACK, so packets merely
    /// reordered by less than this are not asked for (0, like libwebrtc's default
    /// `send_nack_delay`; set it to the path's reordering depth to avoid spurious NACKs).
    pub reorder_delay: Duration,
}

impl Default for NackConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            max_missing: 256,
            max_retries: 10,
            min_send_interval: Duration::from_millis(10),
            min_retry_interval: Duration::from_millis(10),
            reorder_delay: Duration::ZERO,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Missing {
    sequence: u64,
    detected_at: Instant,
    last_sent: Option<Instant>,
    retries: u8,
}

/// The list of missing packets, sorted by extended sequence number, with a fixed capacity.
#[derive(Debug, Clone)]
pub struct NackTracker {
    config: NackConfig,
    missing: Vec<Missing>,
    last_sent: Option<Instant>,
    /// The sequence numbers of the last NACK, reused.
    request: Vec<u16>,
    /// Entries dropped because the list was full (counted discard of hostile-size holes).
    pub overflowed: u64,
    /// NACK feedback packets handed out (nackCount).
    pub nacks_sent: u64,
    /// Sequence numbers asked for, retries included.
    pub sequences_requested: u64,
}

impl NackTracker {
    pub fn new(config: NackConfig) -> Self {
        Self {
            config,
            missing: Vec::with_capacity(config.max_missing),
            last_sent: None,
            request: Vec::with_capacity(config.max_missing),
            overflowed: 0,
            nacks_sent: 0,
            sequences_requested: 0,
        }
    }

    /// Sequence numbers `from..to` (extended) were found missing at `now`.
    pub fn add_range(&mut self, from: u64, to: u64, now: Instant) {
        if !self.config.enabled || to <= from {
            return;
        }
        let cap = self.config.max_missing as u64;
        // Only the newest `cap` of a huge hole can be tracked.
        let from = from.max(to.saturating_sub(cap));
        for sequence in from..to {
            let Err(position) = self.missing.binary_search_by_key(&sequence, |m| m.sequence) else {
                continue;
            };
            let entry = Missing {
                sequence,
                detected_at: now,
                last_sent: None,
                retries: 0,
            };
            if self.missing.len() < self.config.max_missing {
                self.missing.insert(position, entry);
            } else if position > 0 {
                // Full: the oldest entry makes room for a newer one.
                self.missing.remove(0);
                self.missing.insert(position - 1, entry);
                self.overflowed += 1;
            } else {
                self.overflowed += 1;
            }
        }
    }

    /// A packet arrived: it is no longer missing.
    pub fn received(&mut self, sequence: u64) {
        if let Ok(i) = self.missing.binary_search_by_key(&sequence, |m| m.sequence) {
            self.missing.remove(i);
        }
    }

    /// Stops asking for everything before `sequence` (the buffer moved past it).
    pub fn forget_before(&mut self, sequence: u64) {
        let keep_from = self.missing.partition_point(|m| m.sequence < sequence);
        self.missing.drain(..keep_from);
    }

    pub fn clear(&mut self) {
        self.missing.clear();
    }

    /// When `sequence` was found missing, if it is tracked.
    pub fn detected_at(&self, sequence: u64) -> Option<Instant> {
        self.missing
            .binary_search_by_key(&sequence, |m| m.sequence)
            .ok()
            .and_then(|i| self.missing.get(i))
            .map(|m| m.detected_at)
    }

    pub fn missing_count(&self) -> usize {
        self.missing.len()
    }

    fn retry_interval(&self, rtt: Duration) -> Duration {
        rtt.max(self.config.min_retry_interval)
    }

    fn due_at(&self, m: &Missing, rtt: Duration) -> Option<Instant> {
        if m.retries >= self.config.max_retries {
            return None;
        }
        Some(match m.last_sent {
            None => m.detected_at + self.config.reorder_delay,
            Some(sent) => sent + self.retry_interval(rtt),
        })
    }

    /// Earliest time a NACK could be due (for the caller's timer).
    pub fn poll_timeout(&self, rtt: Duration) -> Option<Instant> {
        let due = self
            .missing
            .iter()
            .filter_map(|m| self.due_at(m, rtt))
            .min()?;
        Some(match self.last_sent {
            Some(last) => due.max(last + self.config.min_send_interval),
            None => due,
        })
    }

    /// The sequence numbers to NACK now, if any are due and the rate limit allows.
    pub fn poll(&mut self, now: Instant, rtt: Duration) -> Option<&[u16]> {
        if !self.config.enabled
            || self
                .last_sent
                .is_some_and(|last| now < last + self.config.min_send_interval)
        {
            return None;
        }
        self.request.clear();
        let retry = self.retry_interval(rtt);
        let max_retries = self.config.max_retries;
        let reorder_delay = self.config.reorder_delay;
        for m in &mut self.missing {
            let due = m.retries < max_retries
                && match m.last_sent {
                    None => now >= m.detected_at + reorder_delay,
                    Some(sent) => now >= sent + retry,
                };
            if due {
                m.last_sent = Some(now);
                m.retries += 1;
                self.request.push(m.sequence as u16);
            }
        }
        if self.request.is_empty() {
            return None;
        }
        self.last_sent = Some(now);
        self.nacks_sent += 1;
        self.sequences_requested += self.request.len() as u64;
        Some(&self.request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn asks_once_then_retries_after_one_rtt_until_the_retry_cap() {
        let t0 = Instant::now();
        let config = NackConfig {
            max_retries: 3,
            ..NackConfig::default()
        };
        let mut nack = NackTracker::new(config);
        nack.add_range(100, 102, t0);
        let rtt = ms(50);
        assert_eq!(nack.poll(t0, rtt), Some(&[100u16, 101][..]));
        // Within the rate limit and before one RTT: nothing.
        assert_eq!(nack.poll(t0 + ms(5), rtt), None);
        assert_eq!(nack.poll(t0 + ms(49), rtt), None);
        assert_eq!(nack.poll_timeout(rtt), Some(t0 + ms(50)));
        nack.received(100);
        assert_eq!(nack.poll(t0 + ms(50), rtt), Some(&[101u16][..]));
        assert_eq!(nack.poll(t0 + ms(100), rtt), Some(&[101u16][..]));
        // Third request was the last.
        assert_eq!(nack.poll(t0 + ms(150), rtt), None);
        assert_eq!(nack.poll_timeout(rtt), None);
        assert_eq!(nack.nacks_sent, 3);
        assert_eq!(nack.sequences_requested, 4);
    }

    #[test]
    fn a_huge_hole_is_capped() {
        let t0 = Instant::now();
        let mut nack = NackTracker::new(NackConfig {
            max_missing: 4,
            ..NackConfig::default()
        });
        nack.add_range(0, 1_000_000, t0);
        assert_eq!(nack.missing_count(), 4);
        assert_eq!(nack.poll(t0, ms(10)).map(<[u16]>::len), Some(4));
        nack.add_range(1_000_001, 1_000_003, t0);
        assert_eq!(nack.missing_count(), 4);
        assert_eq!(nack.overflowed, 2);
        nack.forget_before(1_000_001);
        assert_eq!(nack.missing_count(), 2);
    }

    #[test]
    fn entries_found_out_of_order_stay_sorted() {
        let t0 = Instant::now();
        let mut nack = NackTracker::new(NackConfig::default());
        nack.add_range(10, 12, t0);
        nack.add_range(5, 7, t0);
        nack.add_range(6, 11, t0);
        assert_eq!(nack.poll(t0, ms(10)), Some(&[5u16, 6, 7, 8, 9, 10, 11][..]));
    }
}
