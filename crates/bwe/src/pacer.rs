//! Pacer: spreads packets out so the sending rate follows the target
//! bitrate times a pacing factor (2.5, as libwebrtc), instead of sending
//! each encoded frame as one line-rate burst. Sans-IO: the caller enqueues,
//! asks when the next packet may leave and takes it.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Settings of a [`Pacer`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PacerConfig {
    /// Sending rate = target × this (libwebrtc: 2.5).
    pub pacing_factor: f64,
    /// Packets queued at most; more are refused and counted.
    pub max_queue_packets: usize,
    /// When the queue would take longer than this to drain at the paced
    /// rate, the rate is raised so it drains in this time (libwebrtc: 2 s).
    pub max_queue_time: Duration,
    /// Rate floor so a tiny target cannot stall the queue.
    pub min_rate_bps: u64,
}

impl Default for PacerConfig {
    fn default() -> Self {
        Self {
            pacing_factor: 2.5,
            max_queue_packets: 2048,
            max_queue_time: Duration::from_secs(2),
            min_rate_bps: 10_000,
        }
    }
}

/// A packet the pacer releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacedPacket {
    /// The caller's identifier given to [`Pacer::enqueue`].
    pub id: u64,
    pub size_bytes: usize,
    /// Time it spent in the queue (outbound-rtp totalPacketSendDelay).
    pub queue_time: Duration,
}

/// The queue was full; the packet was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacerQueueFull;

impl std::fmt::Display for PacerQueueFull {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("pacer queue full")
    }
}

impl std::error::Error for PacerQueueFull {}

/// Counters of a [`Pacer`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PacerCounters {
    pub packets_sent: u64,
    pub bytes_sent: u64,
    /// Refused because the queue was full.
    pub packets_refused: u64,
    /// Sum of the queue times of the packets sent.
    pub total_queue_time: Duration,
    /// Padding the pacer asked for during probes ([`Pacer::poll_padding`]).
    pub padding_packets: u64,
    pub padding_bytes: u64,
}

#[derive(Debug, Clone, Copy)]
struct Queued {
    id: u64,
    size: usize,
    enqueued_at: Instant,
}

/// Leaky-bucket pacer with a bounded FIFO queue.
#[derive(Debug)]
pub struct Pacer {
    config: PacerConfig,
    target_bps: u64,
    queue: VecDeque<Queued>,
    queued_bytes: usize,
    /// The previous packets have left the (virtual) wire by this time.
    free_at: Option<Instant>,
    /// Probe being run: (rate, bytes still to send at it, start time).
    probe: Option<(u64, usize, Instant)>,
    counters: PacerCounters,
}

/// Largest padding packet the pacer asks for.
const MAX_PADDING_BYTES: usize = 1200;

impl Pacer {
    /// A pacer for `target_bps` (before the pacing factor).
    pub fn new(config: PacerConfig, target_bps: u64) -> Self {
        let capacity = config.max_queue_packets;
        Self {
            config,
            target_bps,
            queue: VecDeque::with_capacity(capacity),
            queued_bytes: 0,
            free_at: None,
            probe: None,
            counters: PacerCounters::default(),
        }
    }

    /// Follows a new target bitrate (e.g. [`crate::SendSideBwe::target_bitrate_bps`]).
    pub fn set_target_bitrate(&mut self, target_bps: u64) {
        self.target_bps = target_bps;
    }

    pub fn counters(&self) -> PacerCounters {
        self.counters
    }

    /// Packets waiting.
    pub fn queue_len(&self) -> usize {
        self.queue.len()
    }

    /// Bytes waiting.
    pub fn queued_bytes(&self) -> usize {
        self.queued_bytes
    }

    /// Current paced rate in bits per second.
    pub fn pacing_rate_bps(&self) -> u64 {
        let paced = (self.target_bps as f64 * self.config.pacing_factor) as u64;
        let max_queue_s = self.config.max_queue_time.as_secs_f64();
        let drain = if max_queue_s > 0.0 {
            (self.queued_bytes as f64 * 8.0 / max_queue_s) as u64
        } else {
            u64::MAX
        };
        let probe = self.probe.map_or(0, |(rate, _, _)| rate);
        paced
            .max(drain)
            .max(probe)
            .max(self.config.min_rate_bps)
            .max(1)
    }

    /// Runs a probe cluster (from [`crate::SendSideBwe::poll_probe`]): the
    /// next `cluster.bytes` leave at `cluster.rate_bps`, topped up with
    /// padding ([`Self::poll_padding`]) when there is no media to send.
    pub fn start_probe(&mut self, now: Instant, cluster: &crate::ProbeCluster) {
        self.probe = Some((cluster.rate_bps, cluster.bytes, now));
    }

    /// True while a probe cluster still has bytes to send.
    pub fn is_probing(&self) -> bool {
        self.probe.is_some()
    }

    /// During a probe with nothing queued: the size of a padding packet the
    /// caller should send now (and pass to `SendSideBwe::on_packet_sent`).
    pub fn poll_padding(&mut self, now: Instant) -> Option<usize> {
        let (_, remaining, started) = self.probe?;
        if !self.queue.is_empty() || self.next_send_time(started) > now {
            return None;
        }
        let size = remaining.clamp(1, MAX_PADDING_BYTES);
        self.account(now, size);
        self.counters.padding_packets += 1;
        self.counters.padding_bytes += size as u64;
        Some(size)
    }

    fn next_send_time(&self, earliest: Instant) -> Instant {
        match self.free_at {
            Some(free) if free > earliest => free,
            _ => earliest,
        }
    }

    /// Occupies the virtual wire with `size` bytes sent at `now`.
    fn account(&mut self, now: Instant, size: usize) {
        let rate = self.pacing_rate_bps();
        // No credit for idle time: the bucket starts from now when idle.
        let start = self.free_at.filter(|&f| f > now).unwrap_or(now);
        self.free_at = Some(start + wire_time(size, rate));
        if let Some((rate, remaining, started)) = self.probe {
            let left = remaining.saturating_sub(size);
            self.probe = (left > 0).then_some((rate, left, started));
        }
    }

    /// Queues a packet of `size_bytes`; `id` comes back in [`PacedPacket`].
    /// Never allocates: the queue was sized at construction.
    pub fn enqueue(
        &mut self,
        now: Instant,
        id: u64,
        size_bytes: usize,
    ) -> Result<(), PacerQueueFull> {
        if self.queue.len() >= self.config.max_queue_packets {
            self.counters.packets_refused += 1;
            return Err(PacerQueueFull);
        }
        self.queue.push_back(Queued {
            id,
            size: size_bytes,
            enqueued_at: now,
        });
        self.queued_bytes += size_bytes;
        Ok(())
    }

    /// When the head of the queue may be sent (or, during a probe with an
    /// empty queue, padding); `None` when there is nothing to send.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match (self.queue.front(), self.probe) {
            (Some(head), _) => Some(self.next_send_time(head.enqueued_at)),
            (None, Some((_, _, started))) => Some(self.next_send_time(started)),
            (None, None) => None,
        }
    }

    /// The next packet if it may leave at `now`.
    pub fn poll_send(&mut self, now: Instant) -> Option<PacedPacket> {
        let head = *self.queue.front()?;
        if self.next_send_time(head.enqueued_at) > now {
            return None;
        }
        self.queue.pop_front();
        self.queued_bytes -= head.size;
        self.account(now, head.size);
        let queue_time = now.saturating_duration_since(head.enqueued_at);
        self.counters.packets_sent += 1;
        self.counters.bytes_sent += head.size as u64;
        self.counters.total_queue_time += queue_time;
        Some(PacedPacket {
            id: head.id,
            size_bytes: head.size,
            queue_time,
        })
    }
}

/// Time `size` bytes take at `bps`, rounded up to the nanosecond.
fn wire_time(size: usize, bps: u64) -> Duration {
    let ns = (size as u128 * 8 * 1_000_000_000).div_ceil(u128::from(bps.max(1)));
    Duration::from_nanos(u64::try_from(ns).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_at_target_times_pacing_factor_and_reports_queue_time() {
        let t0 = Instant::now();
        // 400 kbit/s × 2.5 = 1 Mbit/s: 1000 bytes every 8 ms.
        let mut p = Pacer::new(PacerConfig::default(), 400_000);
        for id in 0..4 {
            p.enqueue(t0, id, 1000).unwrap();
        }
        let mut sent = Vec::new();
        let mut now = t0;
        while let Some(at) = p.poll_timeout() {
            now = now.max(at);
            let pkt = p.poll_send(now).unwrap();
            sent.push((pkt.id, now - t0, pkt.queue_time));
        }
        let ms = Duration::from_millis;
        assert_eq!(
            sent,
            vec![
                (0, ms(0), ms(0)),
                (1, ms(8), ms(8)),
                (2, ms(16), ms(16)),
                (3, ms(24), ms(24)),
            ]
        );
        assert_eq!(p.counters().total_queue_time, ms(48));
        assert_eq!(p.counters().bytes_sent, 4000);
    }

    #[test]
    fn idle_time_gives_no_burst_credit_and_full_queue_refuses() {
        let t0 = Instant::now();
        let config = PacerConfig {
            max_queue_packets: 2,
            ..PacerConfig::default()
        };
        let mut p = Pacer::new(config, 400_000);
        p.enqueue(t0, 1, 1000).unwrap();
        p.enqueue(t0, 2, 1000).unwrap();
        assert_eq!(p.enqueue(t0, 3, 1000), Err(PacerQueueFull));
        assert_eq!(p.counters().packets_refused, 1);
        assert!(p.poll_send(t0).is_some());
        assert!(p.poll_send(t0).is_none(), "second must wait 8 ms");
        let later = t0 + Duration::from_secs(1);
        assert!(p.poll_send(later).is_some());
        // After a second idle, two new packets are still 8 ms apart.
        let later = later + Duration::from_secs(1);
        p.enqueue(later, 4, 1000).unwrap();
        p.enqueue(later, 5, 1000).unwrap();
        assert_eq!(p.poll_send(later).map(|s| s.id), Some(4));
        assert_eq!(p.poll_timeout(), Some(later + Duration::from_millis(8)));
    }

    #[test]
    fn a_probe_paces_at_its_rate_and_pads_when_there_is_no_media() {
        let t0 = Instant::now();
        let mut p = Pacer::new(PacerConfig::default(), 100_000);
        let cluster = crate::ProbeCluster {
            id: 1,
            rate_bps: 960_000,
            bytes: 3000,
        };
        p.start_probe(t0, &cluster);
        assert_eq!(p.poll_timeout(), Some(t0));
        // One media packet at the probe rate: 1200 bytes = 10 ms at 960k.
        p.enqueue(t0, 7, 1200).unwrap();
        assert_eq!(p.poll_send(t0).map(|s| s.id), Some(7));
        assert_eq!(p.poll_padding(t0), None, "wire busy for 10 ms");
        let t10 = t0 + Duration::from_millis(10);
        assert_eq!(p.poll_timeout(), Some(t10));
        assert_eq!(p.poll_padding(t10), Some(1200));
        let t20 = t0 + Duration::from_millis(20);
        // The remaining 600 bytes, then the probe is over.
        assert_eq!(p.poll_padding(t20), Some(600));
        assert!(!p.is_probing());
        assert_eq!(p.poll_padding(t0 + Duration::from_secs(1)), None);
        assert_eq!(p.counters().padding_bytes, 1800);
        // Back to 100 kbit/s × 2.5.
        assert_eq!(p.pacing_rate_bps(), 250_000);
    }

    #[test]
    fn a_long_queue_raises_the_rate_to_drain_in_max_queue_time() {
        let t0 = Instant::now();
        let mut p = Pacer::new(PacerConfig::default(), 10_000);
        for id in 0..1000 {
            p.enqueue(t0, id, 1000).unwrap();
        }
        // 8 Mbit queued / 2 s = 4 Mbit/s > 25 kbit/s paced.
        assert_eq!(p.pacing_rate_bps(), 4_000_000);
    }
}
