//! One direction of a simulated link.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};
use std::time::{Duration, Instant};

use crate::config::{ConfigError, LinkConfig, LossModel};
use crate::rng::SimRng;

/// What happened to one packet handed to [`Link::send`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendVerdict {
    /// The packet will be delivered at `deliver_at`; if the link duplicated
    /// it, a second copy arrives at `duplicate_at`.
    Scheduled {
        /// Arrival time of the packet.
        deliver_at: Instant,
        /// Arrival time of the duplicate, if any.
        duplicate_at: Option<Instant>,
    },
    /// Lost by the random loss model.
    DroppedLoss,
    /// Dropped at the tail of the full bottleneck queue.
    DroppedQueue,
}

impl SendVerdict {
    /// True when the packet will never arrive.
    pub fn is_dropped(&self) -> bool {
        !matches!(self, SendVerdict::Scheduled { .. })
    }
}

/// Cumulative counters of a link.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkCounters {
    /// Packets handed to `send`.
    pub offered: u64,
    /// Bytes handed to `send`.
    pub offered_bytes: u64,
    /// Packets lost by the loss model.
    pub dropped_loss: u64,
    /// Packets dropped by the full queue.
    pub dropped_queue: u64,
    /// Extra copies created by duplication.
    pub duplicated: u64,
    /// Packets (copies included) handed out by `poll_receive`.
    pub delivered: u64,
    /// Bytes (copies included) handed out by `poll_receive`.
    pub delivered_bytes: u64,
}

/// A packet in flight, ordered by arrival time then by scheduling order so
/// that equal arrival times keep FIFO order deterministically.
#[derive(Debug)]
struct InFlight<T> {
    deliver_at: Instant,
    order: u64,
    size: usize,
    packet: T,
}

impl<T> PartialEq for InFlight<T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl<T> Eq for InFlight<T> {}
impl<T> PartialOrd for InFlight<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for InFlight<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.deliver_at, self.order).cmp(&(other.deliver_at, other.order))
    }
}

/// Gilbert-Elliott channel state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChannelState {
    Good,
    Bad,
}

/// One direction of a simulated link, on simulated time: the caller passes
/// `now` to every call; nothing reads a clock. All randomness comes from the
/// seed, so equal seeds and equal call sequences give equal outcomes.
///
/// Path of a packet: bottleneck queue (drop-tail, if a bandwidth cap is set)
/// -> random loss -> propagation delay + uniform jitter -> optional
/// duplication (the copy draws its own jitter).
#[derive(Debug)]
pub struct Link<T> {
    config: LinkConfig,
    rng: SimRng,
    channel: ChannelState,
    in_flight: BinaryHeap<Reverse<InFlight<T>>>,
    /// (time the packet has fully left the bottleneck, its size) for the
    /// packets still occupying the queue.
    queue: VecDeque<(Instant, usize)>,
    queued_bytes: usize,
    next_order: u64,
    counters: LinkCounters,
}

impl<T: Clone> Link<T> {
    /// A link with the given impairments and seed.
    pub fn new(config: LinkConfig, seed: u64) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Self {
            config,
            rng: SimRng::new(seed),
            channel: ChannelState::Good,
            in_flight: BinaryHeap::new(),
            queue: VecDeque::new(),
            queued_bytes: 0,
            next_order: 0,
            counters: LinkCounters::default(),
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> &LinkConfig {
        &self.config
    }

    /// Counters so far.
    pub fn counters(&self) -> LinkCounters {
        self.counters
    }

    /// Bytes currently held by the bottleneck queue at `now`.
    pub fn queued_bytes(&mut self, now: Instant) -> usize {
        self.drain_queue(now);
        self.queued_bytes
    }

    /// Offers a packet of `size_bytes` to the link at `now`; the verdict
    /// says whether (and when) it will arrive.
    pub fn send(&mut self, now: Instant, packet: T, size_bytes: usize) -> SendVerdict {
        self.counters.offered += 1;
        self.counters.offered_bytes += size_bytes as u64;

        let left_bottleneck = match self.enqueue(now, size_bytes) {
            Some(at) => at,
            None => {
                self.counters.dropped_queue += 1;
                return SendVerdict::DroppedQueue;
            }
        };
        if self.lose() {
            self.counters.dropped_loss += 1;
            return SendVerdict::DroppedLoss;
        }
        let deliver_at = self.arrival_time(left_bottleneck);
        // Always draw, so the loss/jitter streams do not depend on the
        // duplication setting.
        let duplicate = self.rng.chance(self.config.duplicate);
        let duplicate_at = if duplicate {
            self.counters.duplicated += 1;
            let at = self.arrival_time(left_bottleneck);
            self.schedule(at, packet.clone(), size_bytes);
            Some(at)
        } else {
            None
        };
        self.schedule(deliver_at, packet, size_bytes);
        SendVerdict::Scheduled {
            deliver_at,
            duplicate_at,
        }
    }

    /// The next packet whose arrival time is <= `now`, in arrival order.
    pub fn poll_receive(&mut self, now: Instant) -> Option<T> {
        let due = self
            .in_flight
            .peek()
            .is_some_and(|Reverse(p)| p.deliver_at <= now);
        if !due {
            return None;
        }
        let Reverse(p) = self.in_flight.pop()?;
        self.counters.delivered += 1;
        self.counters.delivered_bytes += p.size as u64;
        Some(p.packet)
    }

    /// Arrival time of the next packet in flight, if any.
    pub fn next_delivery(&self) -> Option<Instant> {
        self.in_flight.peek().map(|Reverse(p)| p.deliver_at)
    }

    /// Packets currently in flight (scheduled, not yet received).
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    fn schedule(&mut self, deliver_at: Instant, packet: T, size: usize) {
        let order = self.next_order;
        self.next_order += 1;
        self.in_flight.push(Reverse(InFlight {
            deliver_at,
            order,
            size,
            packet,
        }));
    }

    /// Forgets packets that have fully left the bottleneck by `now`.
    fn drain_queue(&mut self, now: Instant) {
        while let Some(&(done, size)) = self.queue.front() {
            if done > now {
                break;
            }
            self.queue.pop_front();
            self.queued_bytes -= size;
        }
    }

    /// Admits the packet to the bottleneck; returns when it has fully left
    /// it, or `None` if the drop-tail queue is full.
    fn enqueue(&mut self, now: Instant, size: usize) -> Option<Instant> {
        let Some(bps) = self.config.bandwidth_bps else {
            return Some(now);
        };
        self.drain_queue(now);
        if self.queued_bytes + size > self.config.queue_bytes {
            return None;
        }
        let start = match self.queue.back() {
            Some(&(last_done, _)) if last_done > now => last_done,
            _ => now,
        };
        let done = start + serialization_time(size, bps);
        self.queue.push_back((done, size));
        self.queued_bytes += size;
        Some(done)
    }

    /// Steps the loss model once and says whether this packet is lost.
    fn lose(&mut self) -> bool {
        match self.config.loss {
            LossModel::None => false,
            LossModel::Bernoulli { p } => self.rng.chance(p),
            LossModel::GilbertElliott {
                p,
                r,
                loss_good,
                loss_bad,
            } => {
                self.channel = match self.channel {
                    ChannelState::Good if self.rng.chance(p) => ChannelState::Bad,
                    ChannelState::Bad if self.rng.chance(r) => ChannelState::Good,
                    state => state,
                };
                let loss = match self.channel {
                    ChannelState::Good => loss_good,
                    ChannelState::Bad => loss_bad,
                };
                self.rng.chance(loss)
            }
        }
    }

    /// Propagation delay plus a fresh uniform jitter draw in [0, jitter].
    fn arrival_time(&mut self, left_bottleneck: Instant) -> Instant {
        let jitter_ns = u64::try_from(self.config.jitter.as_nanos()).unwrap_or(u64::MAX);
        let extra = if jitter_ns == 0 {
            0
        } else {
            self.rng.below_inclusive(jitter_ns)
        };
        left_bottleneck + self.config.delay + Duration::from_nanos(extra)
    }
}

/// Time to put `size` bytes on a wire of `bps` bits per second, rounded up
/// to the nanosecond.
fn serialization_time(size: usize, bps: u64) -> Duration {
    let bits = size as u128 * 8;
    let ns = (bits * 1_000_000_000).div_ceil(u128::from(bps));
    Duration::from_nanos(u64::try_from(ns).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialization_time_of_1000_bytes_at_1_mbps_is_8_ms() {
        assert_eq!(
            serialization_time(1000, 1_000_000),
            Duration::from_millis(8)
        );
        // 1 byte at 3 bit/s = 8/3 s, rounded up to the nanosecond.
        assert_eq!(
            serialization_time(1, 3),
            Duration::from_nanos(2_666_666_667)
        );
    }
}
