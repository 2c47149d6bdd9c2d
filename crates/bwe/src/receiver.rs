//! Receive side of transport-wide CC: records the arrival time of every
//! packet carrying a transport-wide sequence number and periodically turns
//! them into RTCP transport-wide feedback (built by `rtcscope-rtp`).

use std::time::{Duration, Instant};

use rtcscope_rtp::rtcp::TransportCcBuilder;
use rtcscope_rtp::{BuildError, RtcpBuild};

use crate::seq::SeqUnwrapper;

/// Arrivals remembered: a power of two, so a slot is `ext_seq & MASK`.
const RING_LEN: usize = 4096;
const RING_MASK: i64 = RING_LEN as i64 - 1;
/// Reference time unit of the feedback (64 ms) and receive delta unit (250 µs).
const REFERENCE_UNIT_US: i64 = 64_000;
const DELTA_UNIT_US: i64 = 250;

/// Settings of a [`TwccReceiver`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TwccReceiverConfig {
    /// Time between feedback packets (libwebrtc sends every 50–100 ms).
    pub feedback_interval: Duration,
    /// Packet statuses per feedback at most; a larger backlog is split
    /// over several feedbacks. 400 keeps a feedback under ~1 kB even when
    /// every delta needs two bytes. Capped at 4096.
    pub max_packets_per_feedback: usize,
    /// SSRC we send RTCP from.
    pub sender_ssrc: u32,
    /// SSRC the feedback is about (Chrome puts one of the media SSRCs).
    pub media_ssrc: u32,
}

impl Default for TwccReceiverConfig {
    fn default() -> Self {
        Self {
            feedback_interval: Duration::from_millis(50),
            max_packets_per_feedback: 400,
            sender_ssrc: 0,
            media_ssrc: 0,
        }
    }
}

/// Counters of a [`TwccReceiver`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TwccReceiverCounters {
    /// Packets recorded.
    pub packets_recorded: u64,
    /// Packets that arrived after their sequence number had already been
    /// reported (as lost) and were therefore not reported.
    pub late_packets: u64,
    /// Second copies of a recorded sequence number (first arrival kept).
    pub duplicate_packets: u64,
    /// Unreported sequence numbers given up because a packet jumped more
    /// than the ring ahead of them (huge loss or a hostile sender).
    pub skipped_sequence_numbers: u64,
    /// Feedback packets built.
    pub feedbacks_built: u64,
}

#[derive(Debug, Clone, Copy)]
struct Arrival {
    /// Extended sequence number stored here; a slot is valid only for it.
    ext_seq: i64,
    /// Arrival time in µs since the receiver's epoch.
    arrival_us: i64,
}

/// Records arrivals and builds transport-wide CC feedback. Memory is fixed
/// at construction whatever the peer sends.
#[derive(Debug)]
pub struct TwccReceiver {
    config: TwccReceiverConfig,
    epoch: Instant,
    unwrapper: SeqUnwrapper,
    ring: Vec<Arrival>,
    /// First sequence number the next feedback describes.
    next_unreported: Option<i64>,
    highest_received: i64,
    fb_pkt_count: u8,
    next_feedback_at: Option<Instant>,
    /// Scratch for the builder's status list (preallocated).
    statuses: Vec<Option<i32>>,
    counters: TwccReceiverCounters,
}

impl TwccReceiver {
    /// A receiver whose arrival clock starts at `now`.
    pub fn new(now: Instant, mut config: TwccReceiverConfig) -> Self {
        config.max_packets_per_feedback = config.max_packets_per_feedback.clamp(1, RING_LEN);
        Self {
            config,
            epoch: now,
            unwrapper: SeqUnwrapper::default(),
            ring: vec![
                Arrival {
                    ext_seq: -1,
                    arrival_us: 0,
                };
                RING_LEN
            ],
            next_unreported: None,
            highest_received: 0,
            fb_pkt_count: 0,
            next_feedback_at: None,
            statuses: Vec::with_capacity(config.max_packets_per_feedback),
            counters: TwccReceiverCounters::default(),
        }
    }

    /// Counters so far.
    pub fn counters(&self) -> TwccReceiverCounters {
        self.counters
    }

    /// Records the arrival at `now` of a packet with transport-wide
    /// sequence number `seq`.
    pub fn on_packet(&mut self, now: Instant, seq: u16) {
        let ext = self.unwrapper.unwrap(seq);
        let arrival_us = micros_since(self.epoch, now);
        let base = match self.next_unreported {
            Some(base) => base,
            None => {
                self.next_unreported = Some(ext);
                self.highest_received = ext;
                ext
            }
        };
        if ext < base {
            self.counters.late_packets += 1;
            return;
        }
        if ext - base >= RING_LEN as i64 {
            // Keep the newest RING_LEN sequence numbers; older unreported
            // ones can no longer be described.
            let new_base = ext - RING_LEN as i64 + 1;
            self.counters.skipped_sequence_numbers += (new_base - base) as u64;
            self.next_unreported = Some(new_base);
        }
        let slot = &mut self.ring[(ext & RING_MASK) as usize];
        if slot.ext_seq == ext {
            self.counters.duplicate_packets += 1;
            return;
        }
        *slot = Arrival {
            ext_seq: ext,
            arrival_us,
        };
        self.highest_received = self.highest_received.max(ext);
        self.counters.packets_recorded += 1;
        if self.next_feedback_at.is_none() {
            self.next_feedback_at = Some(now + self.config.feedback_interval);
        }
    }

    /// When [`Self::poll_feedback`] next has something to send.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.has_pending()
            .then_some(self.next_feedback_at)
            .flatten()
    }

    fn has_pending(&self) -> bool {
        self.next_unreported
            .is_some_and(|base| base <= self.highest_received)
    }

    /// Writes one RTCP transport-wide feedback into `out` if it is time
    /// (`Ok(Some(len))`); `Ok(None)` when nothing is due. On an error
    /// (buffer too small) nothing is consumed. Call again while it returns
    /// `Some`: a large backlog is split over several packets.
    pub fn poll_feedback(
        &mut self,
        now: Instant,
        out: &mut [u8],
    ) -> Result<Option<usize>, BuildError> {
        let Some(due) = self.poll_timeout() else {
            return Ok(None);
        };
        if now < due {
            return Ok(None);
        }
        let Some(base) = self.next_unreported else {
            return Ok(None);
        };
        self.statuses.clear();
        let mut reference: Option<(u32, i64)> = None;
        let mut prev_us = 0i64;
        let mut ext = base;
        while ext <= self.highest_received && self.statuses.len() < self.statuses.capacity() {
            let slot = self.ring[(ext & RING_MASK) as usize];
            if slot.ext_seq != ext {
                self.statuses.push(None);
                ext += 1;
                continue;
            }
            if reference.is_none() {
                let units = slot.arrival_us.div_euclid(REFERENCE_UNIT_US);
                prev_us = units * REFERENCE_UNIT_US;
                reference = Some(((units & 0x00FF_FFFF) as u32, prev_us));
            }
            let delta = (slot.arrival_us - prev_us + DELTA_UNIT_US / 2).div_euclid(DELTA_UNIT_US);
            if i16::try_from(delta).is_err() {
                // Too far from the previous arrival for one delta: the
                // next feedback starts here with a fresh reference time.
                break;
            }
            // Track the time the sender will reconstruct, so rounding
            // errors do not accumulate.
            prev_us += delta * DELTA_UNIT_US;
            self.statuses.push(Some(delta as i32));
            ext += 1;
        }
        // Trailing statuses are never "not received": the range ends at a
        // received packet or where the next feedback starts.
        let Some((reference_time, _)) = reference else {
            // Only losses in range (their packets were skipped): drop them.
            self.next_unreported = Some(ext);
            return Ok(None);
        };
        let builder = TransportCcBuilder {
            sender_ssrc: self.config.sender_ssrc,
            media_ssrc: self.config.media_ssrc,
            base_sequence: base as u16,
            reference_time,
            fb_pkt_count: self.fb_pkt_count,
            packets: &self.statuses,
        };
        let len = builder.write(out)?;
        self.fb_pkt_count = self.fb_pkt_count.wrapping_add(1);
        self.counters.feedbacks_built += 1;
        self.next_unreported = Some(ext);
        self.next_feedback_at = if ext <= self.highest_received {
            Some(now)
        } else {
            Some(now + self.config.feedback_interval)
        };
        Ok(Some(len))
    }
}

/// Signed microseconds from `epoch` to `now` (negative if `now` is earlier).
#[inline]
pub(crate) fn micros_since(epoch: Instant, now: Instant) -> i64 {
    match now.checked_duration_since(epoch) {
        Some(d) => i64::try_from(d.as_micros()).unwrap_or(i64::MAX),
        None => -i64::try_from(epoch.duration_since(now).as_micros()).unwrap_or(i64::MAX),
    }
}
