//! The sender's packet history for RFC 4588 retransmission: a bounded ring of the most
//! recently sent packets, looked up by RTP sequence number when a generic NACK (RFC 4585
//! §6.2.1) names them.
//!
//! Slots are indexed by the extended (never wrapping) sequence number modulo the capacity,
//! so a lookup is one index and one comparison, and a packet is evicted exactly when the
//! `capacity`-th later packet is stored. Each slot keeps its payload buffer, which grows once
//! to the payload size and is then reused: storing a packet allocates nothing.

use std::time::{Duration, Instant};

use super::OutgoingPacket;

/// Shortest time between two retransmissions of one packet before an RTT is known. A
/// receiver repeats a NACK about once per RTT; answering faster only lets a peer multiply
/// our send rate by naming the same packets again and again.
pub const DEFAULT_MIN_RESEND_INTERVAL: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, Default)]
struct Slot {
    /// Extended sequence number stored here; `None` before the first store.
    extended: Option<u64>,
    timestamp: u32,
    marker: bool,
    /// When this packet was last handed out for retransmission.
    last_resent: Option<Instant>,
    payload: Vec<u8>,
}

/// Counters of the NACK answering, for the outbound-rtp statistics and for diagnosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RtxHistoryCounters {
    /// Sequence numbers asked for and found (each one a retransmission to send).
    pub found: u64,
    /// Sequence numbers asked for that were already evicted or never sent.
    pub missing: u64,
    /// Payload bytes of the found packets.
    pub found_bytes: u64,
    /// Held packets asked for again sooner than the minimum resend interval (not resent).
    pub throttled: u64,
}

#[derive(Debug, Clone)]
pub struct RtxHistory {
    slots: Vec<Slot>,
    /// Extended sequence number of the newest stored packet.
    newest: Option<u64>,
    min_resend_interval: Duration,
    counters: RtxHistoryCounters,
}

/// Smallest history kept (a ring of one would answer nothing useful).
pub const MIN_CAPACITY: usize = 16;
/// Largest history: half the sequence space, so a 16-bit number maps to one packet.
pub const MAX_CAPACITY: usize = 1 << 15;

impl RtxHistory {
    /// A history of the last `capacity` packets (clamped to [`MIN_CAPACITY`]..=
    /// [`MAX_CAPACITY`]), with each slot's buffer reserved for `max_payload_size` bytes so
    /// that storing allocates nothing even while the ring fills.
    pub fn new(capacity: usize, max_payload_size: usize) -> Self {
        let capacity = capacity.clamp(MIN_CAPACITY, MAX_CAPACITY);
        let slots = (0..capacity)
            .map(|_| Slot {
                payload: Vec::with_capacity(max_payload_size),
                ..Slot::default()
            })
            .collect();
        Self {
            slots,
            newest: None,
            min_resend_interval: DEFAULT_MIN_RESEND_INTERVAL,
            counters: RtxHistoryCounters::default(),
        }
    }

    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// A packet is resent at most once per `interval` (the round-trip time, once known).
    pub fn set_min_resend_interval(&mut self, interval: Duration) {
        self.min_resend_interval = interval;
    }

    pub fn counters(&self) -> RtxHistoryCounters {
        self.counters
    }

    /// Records a sent packet. Sequence numbers must come in sending order (each the
    /// previous plus one, wrapping); a jump is accepted and simply leaves gaps.
    pub fn store(&mut self, sequence_number: u16, timestamp: u32, marker: bool, payload: &[u8]) {
        let extended = self.extend(sequence_number);
        if self.newest.is_none_or(|newest| extended > newest) {
            self.newest = Some(extended);
        }
        let index = self.index(extended);
        let slot = &mut self.slots[index];
        slot.extended = Some(extended);
        slot.timestamp = timestamp;
        slot.marker = marker;
        slot.last_resent = None;
        slot.payload.clear();
        slot.payload.extend_from_slice(payload);
    }

    /// The packet with `sequence_number` for retransmission at `now`, if it is still held
    /// and was not already resent within the minimum interval; counts the outcome.
    pub fn resend(&mut self, sequence_number: u16, now: Instant) -> Option<OutgoingPacket<'_>> {
        let extended = self.extend(sequence_number);
        let index = self.index(extended);
        let interval = self.min_resend_interval;
        let slot = &mut self.slots[index];
        if slot.extended != Some(extended) {
            self.counters.missing += 1;
            return None;
        }
        if slot
            .last_resent
            .is_some_and(|last| now.saturating_duration_since(last) < interval)
        {
            self.counters.throttled += 1;
            return None;
        }
        slot.last_resent = Some(now);
        self.counters.found += 1;
        self.counters.found_bytes += slot.payload.len() as u64;
        Some(OutgoingPacket {
            sequence_number,
            timestamp: slot.timestamp,
            marker: slot.marker,
            payload: &slot.payload,
        })
    }

    fn index(&self, extended: u64) -> usize {
        (extended % self.slots.len() as u64) as usize
    }

    /// The extended sequence number closest to the newest one with these low 16 bits.
    fn extend(&self, sequence_number: u16) -> u64 {
        let Some(newest) = self.newest else {
            // Start one cycle up so numbers just before the first one stay representable.
            return (1 << 16) + u64::from(sequence_number);
        };
        let newest_low = newest as u16;
        let ahead = sequence_number.wrapping_sub(newest_low);
        if ahead < 0x8000 {
            newest + u64::from(ahead)
        } else {
            let behind = newest_low.wrapping_sub(sequence_number);
            newest.saturating_sub(u64::from(behind))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_stored_packets_and_forgets_evicted_ones() {
        let now = Instant::now();
        let mut history = RtxHistory::new(16, 100);
        for i in 0..40u16 {
            let seq = 65_530u16.wrapping_add(i);
            history.store(seq, u32::from(i) * 3000, i % 4 == 3, &[i as u8; 3]);
        }
        // Newest is 65530 + 39 = 33 (wrapped); the last 16 are 18..=33.
        let p = history.resend(33, now).unwrap();
        assert_eq!(
            (p.timestamp, p.marker, p.payload),
            (39 * 3000, true, &[39u8; 3][..])
        );
        let p = history.resend(18, now).unwrap();
        assert_eq!(p.payload, &[24u8; 3]);
        assert!(history.resend(17, now).is_none(), "17th newest was evicted");
        assert!(
            history.resend(65_531, now).is_none(),
            "before the wrap, long evicted"
        );
        assert!(history.resend(34, now).is_none(), "never sent");
        assert_eq!(
            history.counters(),
            RtxHistoryCounters {
                found: 2,
                missing: 3,
                found_bytes: 6,
                throttled: 0,
            }
        );
    }

    #[test]
    fn a_packet_is_resent_once_per_interval_and_a_storm_is_bounded() {
        let t0 = Instant::now();
        let mut history = RtxHistory::new(64, 10);
        for seq in 0..100u16 {
            history.store(seq, 0, false, &[1; 10]);
        }
        history.set_min_resend_interval(Duration::from_millis(40));
        // A NACK naming every sequence number: only the 64 held packets come back.
        let found = (0..=u16::MAX)
            .filter(|&seq| history.resend(seq, t0).is_some())
            .count();
        assert_eq!(found, 64);
        // The same storm 39 ms later gets nothing; at 40 ms everything again.
        let again = |history: &mut RtxHistory, ms| {
            (0..=u16::MAX)
                .filter(|&seq| {
                    history
                        .resend(seq, t0 + Duration::from_millis(ms))
                        .is_some()
                })
                .count()
        };
        assert_eq!(again(&mut history, 39), 0);
        assert_eq!(again(&mut history, 40), 64);
        let c = history.counters();
        assert_eq!(
            (c.found, c.throttled, c.missing),
            (128, 64, 3 * (65_536 - 64))
        );
    }

    #[test]
    fn capacity_is_clamped() {
        assert_eq!(RtxHistory::new(0, 10).capacity(), MIN_CAPACITY);
        assert_eq!(RtxHistory::new(usize::MAX, 0).capacity(), MAX_CAPACITY);
    }
}
