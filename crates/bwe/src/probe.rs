//! Bandwidth probing (in the spirit of GoogCC's ProbeController and
//! ProbeBitrateEstimator): short clusters sent at a set rate; the rate the
//! receiver saw them arrive at says how much the path can carry, so the
//! estimate can jump there instead of growing 8 % per second.

/// A probe the caller should run: hand it to [`crate::Pacer::start_probe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeCluster {
    /// Non-zero identifier.
    pub id: u32,
    /// Rate to send the cluster at.
    pub rate_bps: u64,
    /// Bytes to send at that rate (media or padding).
    pub bytes: usize,
}

/// At least this many packets and this long per cluster (libwebrtc: 5, 15 ms).
const MIN_PACKETS: usize = 5;
const ASSUMED_PACKET_BYTES: usize = 1200;
const MIN_DURATION_US: u64 = 15_000;
/// Initial probes at these multiples of the start rate (libwebrtc: 3, 6).
const INITIAL_MULTIPLES: [f64; 2] = [3.0, 6.0];
/// A result this close to the probed rate means the path may carry more:
/// probe again at twice the result.
const FURTHER_PROBE_FRACTION: f64 = 0.7;
const FURTHER_PROBE_MULTIPLE: f64 = 2.0;
/// Share of a cluster's packets that must be acknowledged to trust it.
const MIN_ACKED_FRACTION: f64 = 0.8;
/// Intervals longer than this are not a probe measurement.
const MAX_INTERVAL_US: i64 = 1_000_000;
/// Receive rate this far below the send rate: the path was saturated.
const SATURATION_RATIO: f64 = 0.9;
const SATURATED_MARGIN: f64 = 0.95;
const SLOTS: usize = 4;
const QUEUE: usize = 4;

#[derive(Debug, Clone, Copy, Default)]
struct ClusterStats {
    id: u32,
    rate_bps: f64,
    sent: u32,
    sending_done: bool,
    evaluated: bool,
    first_send_us: i64,
    last_send_us: i64,
    last_send_size: u32,
    acked: u32,
    acked_bytes: u64,
    first_arrival_us: i64,
    first_arrival_size: u32,
    last_arrival_us: i64,
}

#[derive(Debug)]
pub(crate) struct Prober {
    enabled: bool,
    max_bps: f64,
    queued: [f64; QUEUE],
    queued_len: usize,
    next_id: u32,
    /// Cluster being sent and the bytes it still needs.
    active: Option<(u32, i64)>,
    slots: [ClusterStats; SLOTS],
    /// Results accepted so far.
    pub results: u64,
}

impl Prober {
    pub fn new(enabled: bool, start_bps: f64, max_bps: f64) -> Self {
        let mut p = Self {
            enabled,
            max_bps,
            queued: [0.0; QUEUE],
            queued_len: 0,
            next_id: 1,
            active: None,
            slots: [ClusterStats::default(); SLOTS],
            results: 0,
        };
        for m in INITIAL_MULTIPLES {
            p.queue(start_bps * m);
        }
        p
    }

    fn queue(&mut self, rate_bps: f64) {
        if self.enabled && self.queued_len < QUEUE {
            self.queued[self.queued_len] = rate_bps.min(self.max_bps);
            self.queued_len += 1;
        }
    }

    /// The next cluster to send, once the previous one has been sent.
    pub fn poll_probe(&mut self) -> Option<ProbeCluster> {
        if self.active.is_some() || self.queued_len == 0 {
            return None;
        }
        let rate = self.queued[0];
        self.queued.copy_within(1.., 0);
        self.queued_len -= 1;
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        let by_time = (rate * MIN_DURATION_US as f64 / 8e6) as usize;
        let bytes = by_time.max(MIN_PACKETS * ASSUMED_PACKET_BYTES);
        self.active = Some((id, bytes as i64));
        self.slots[id as usize % SLOTS] = ClusterStats {
            id,
            rate_bps: rate,
            ..ClusterStats::default()
        };
        Some(ProbeCluster {
            id,
            rate_bps: rate as u64,
            bytes,
        })
    }

    /// Tags a packet being sent; returns its cluster id (0 = none).
    #[inline]
    pub fn on_sent(&mut self, send_us: i64, size: u32) -> u32 {
        let Some((id, remaining)) = self.active else {
            return 0;
        };
        let s = &mut self.slots[id as usize % SLOTS];
        if s.sent == 0 {
            s.first_send_us = send_us;
        }
        s.sent += 1;
        s.last_send_us = send_us;
        s.last_send_size = size;
        let remaining = remaining - i64::from(size);
        if remaining <= 0 {
            s.sending_done = true;
            self.active = None;
        } else {
            self.active = Some((id, remaining));
        }
        id
    }

    /// A packet of cluster `id` was reported received.
    #[inline]
    pub fn on_acked(&mut self, id: u32, arrival_us: i64, size: u32) {
        let s = &mut self.slots[id as usize % SLOTS];
        if s.id != id || s.evaluated {
            return;
        }
        if s.acked == 0 || arrival_us < s.first_arrival_us {
            s.first_arrival_us = arrival_us;
            s.first_arrival_size = size;
        }
        s.last_arrival_us = if s.acked == 0 {
            arrival_us
        } else {
            s.last_arrival_us.max(arrival_us)
        };
        s.acked += 1;
        s.acked_bytes += u64::from(size);
    }

    /// The best new probe result, if a cluster can now be evaluated; queues
    /// a further probe when the path kept up with the probed rate.
    pub fn evaluate(&mut self) -> Option<f64> {
        let mut best: Option<(f64, f64)> = None;
        for s in &mut self.slots {
            if s.id == 0 || s.evaluated || !s.sending_done {
                continue;
            }
            if f64::from(s.acked) < MIN_ACKED_FRACTION * f64::from(s.sent) || s.acked < 2 {
                continue;
            }
            s.evaluated = true;
            let send_interval = s.last_send_us - s.first_send_us;
            let recv_interval = s.last_arrival_us.saturating_sub(s.first_arrival_us);
            if !(1..=MAX_INTERVAL_US).contains(&send_interval)
                || !(1..=MAX_INTERVAL_US).contains(&recv_interval)
            {
                continue;
            }
            // N packets span N-1 intervals: leave out the last sent and
            // the first received packet's bytes.
            let send_bytes = s.acked_bytes.saturating_sub(u64::from(s.last_send_size));
            let recv_bytes = s
                .acked_bytes
                .saturating_sub(u64::from(s.first_arrival_size));
            let send_rate = send_bytes as f64 * 8e6 / send_interval as f64;
            let recv_rate = recv_bytes as f64 * 8e6 / recv_interval as f64;
            let result = if recv_rate < SATURATION_RATIO * send_rate {
                SATURATED_MARGIN * recv_rate
            } else {
                send_rate.min(recv_rate)
            };
            if best.is_none_or(|(b, _)| result > b) {
                best = Some((result, s.rate_bps));
            }
        }
        let (result, probed) = best?;
        self.results += 1;
        if result >= FURTHER_PROBE_FRACTION * probed && result < self.max_bps {
            self.queue(result * FURTHER_PROBE_MULTIPLE);
        }
        Some(result.min(self.max_bps))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bottleneck_shows_in_the_receive_rate() {
        let mut p = Prober::new(true, 300_000.0, 10e6);
        let c = p.poll_probe().unwrap();
        // 3 × 300 kbit/s for max(15 ms, 5 × 1200 bytes).
        assert_eq!((c.id, c.rate_bps, c.bytes), (1, 900_000, 6_000));
        assert_eq!(p.poll_probe(), None, "one cluster at a time");
        // Five 1200-byte packets 10 ⅔ ms apart (900 kbit/s), arriving 32 ms
        // apart (300 kbit/s).
        for i in 0..5i64 {
            assert_eq!(p.on_sent(i * 32_000 / 3, 1200), 1);
        }
        assert_eq!(p.on_sent(60_000, 1200), 0, "cluster complete");
        for i in 0..5i64 {
            p.on_acked(1, 50_000 + i * 32_000, 1200);
        }
        // Receive rate 4800 B × 8 / 128 ms = 300 kbit/s < 0.9 × 900: saturated.
        let r = p.evaluate().unwrap();
        assert!((r - 0.95 * 300_000.0).abs() < 1e-6, "{r}");
        assert_eq!(p.evaluate(), None, "evaluated once");
        // 285k < 0.7 × 900k: no further probe beyond the queued 6× one.
        assert_eq!(p.poll_probe().map(|c| c.rate_bps), Some(1_800_000));
        assert_eq!(p.poll_probe(), None);
    }

    #[test]
    fn a_fast_path_earns_a_further_probe_at_twice_the_result() {
        let mut p = Prober::new(true, 300_000.0, 10e6);
        let c = p.poll_probe().unwrap();
        let mut t = 0;
        let mut sent = 0;
        while p.on_sent(t, 1200) == c.id {
            p.on_acked(c.id, t + 40_000, 1200);
            t += 32_000 / 3;
            sent += 1;
        }
        assert_eq!(sent, 5);
        let r = p.evaluate().unwrap();
        // 10 666 µs spacing (integer µs): 4800 B × 8 / 42 664 µs.
        assert!((r - 4800.0 * 8e6 / 42_664.0).abs() < 1e-6, "{r}");
        let _six = p.poll_probe().unwrap();
        // Drain the 6× cluster unevaluated; the further probe is 2 × 900k.
        while p.on_sent(t, 1200) != 0 {}
        assert_eq!(p.poll_probe().map(|c| c.rate_bps), Some((2.0 * r) as u64));
    }

    #[test]
    fn disabled_prober_never_probes() {
        let mut p = Prober::new(false, 300_000.0, 10e6);
        assert_eq!(p.poll_probe(), None);
        assert_eq!(p.on_sent(0, 1200), 0);
    }
}
