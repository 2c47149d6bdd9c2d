//! Video jitter buffer: RTP packets in any order in, complete access units out in decode
//! order, with NACK and keyframe requests for what cannot be had.
//!
//! Packets wait in a fixed ring of slots indexed by extended sequence number, and are fed
//! to the [`H264Depacketizer`] strictly in order. A hole at the head holds everything behind
//! it (H.264 decodes in order anyway) until the packet arrives — NACKed meanwhile — or its
//! deadline passes; then the buffer skips ahead, the depacketizer reports the broken frame,
//! and frames are dropped until the next keyframe, which is requested (PLI or FIR).
//! Complete frames leave at once: there is no playout smoothing for video, so the target
//! and minimum delays reported are zero and jitterBufferDelay is the real wait for missing
//! or reordered packets.

use std::time::{Duration, Instant};

use super::nack::{NackConfig, NackTracker};
use super::seq::SequenceUnwrapper;
use crate::h264::{FrameOutcome, H264Depacketizer};

/// One received RTP packet of the video stream (RTX already unwrapped by the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoPacket<'a> {
    pub sequence: u16,
    pub timestamp: u32,
    pub marker: bool,
    pub payload: &'a [u8],
}

/// A far-ahead packet this close after a discarded far-ahead packet confirms a jump.
const RESYNC_CONFIRM_DISTANCE: u64 = 16;

/// Which keyframe request message to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyframeRequestKind {
    /// Picture Loss Indication (RFC 4585 §6.3.1), what libwebrtc sends.
    Pli,
    /// Full Intra Request (RFC 5104 §4.3.1).
    Fir,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoJitterBufferConfig {
    /// Packet slots; packets further ahead than this force a resynchronisation.
    pub max_packets: usize,
    /// Larger payloads are discarded (counted).
    pub max_payload_bytes: usize,
    /// Largest access unit the depacketizer assembles.
    pub max_frame_bytes: usize,
    /// A missing packet is given up this long after it was found missing.
    pub give_up_after: Duration,
    pub nack: NackConfig,
    pub keyframe_request: KeyframeRequestKind,
    /// Shortest time between two keyframe requests; repeated at this interval while the
    /// keyframe does not come.
    pub keyframe_request_interval: Duration,
    /// Round-trip time assumed until [`VideoJitterBuffer::set_rtt`] is called.
    pub initial_rtt: Duration,
    /// Nothing is handed out until this long after the first packet, so packets of the
    /// first frame that arrive out of order still count (there is no earlier packet to
    /// show they are missing).
    pub startup_hold: Duration,
}

impl Default for VideoJitterBufferConfig {
    fn default() -> Self {
        Self {
            max_packets: 1024,
            max_payload_bytes: 4096,
            max_frame_bytes: crate::h264::depacketizer::DEFAULT_MAX_ACCESS_UNIT_BYTES,
            give_up_after: Duration::from_millis(500),
            nack: NackConfig::default(),
            keyframe_request: KeyframeRequestKind::Pli,
            keyframe_request_interval: Duration::from_millis(300),
            initial_rtt: Duration::from_millis(100),
            startup_hold: Duration::from_millis(30),
        }
    }
}

/// Feedback the receiver should send (the caller builds the RTCP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoFeedback<'a> {
    /// Generic NACK for these sequence numbers (valid until the next poll).
    Nack(&'a [u16]),
    Pli,
    /// Full Intra Request with its command sequence number (RFC 5104 §4.3.1.1: new
    /// requests increment it, repetitions of an unanswered one keep it).
    Fir {
        sequence_number: u8,
    },
}

/// An access unit ready for the decoder, in decode order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssembledFrame<'a> {
    pub rtp_timestamp: u32,
    pub annex_b: &'a [u8],
    pub keyframe: bool,
    pub packets: u32,
    pub first_packet_arrival: Instant,
    pub last_packet_arrival: Instant,
}

/// Counters of the buffer (packets and frames), cumulative.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct VideoBufferCounters {
    pub packets_received: u64,
    pub duplicate_packets: u64,
    /// Arrived after the buffer had moved past them (packetsDiscarded).
    pub late_packets: u64,
    pub oversized_packets: u64,
    /// Never arrived before their deadline.
    pub packets_given_up: u64,
    /// Times packets too far ahead made the buffer start over.
    pub resyncs: u64,
    /// Packets too far ahead to buffer, discarded (the second of two close together
    /// resynchronises instead).
    pub far_ahead_packets: u64,
    /// Complete frames assembled (framesReceived).
    pub frames_received: u64,
    /// Complete frames not decoded: missing reference or decoder error (framesDropped).
    pub frames_dropped: u64,
    /// Frames that could not be assembled (not in framesReceived).
    pub frames_incomplete: u64,
    /// Frames handed to the decoder (jitterBufferEmittedCount).
    pub frames_emitted: u64,
    /// Sum over emitted frames of emit time minus first packet arrival (jitterBufferDelay).
    pub emitted_delay: Duration,
    pub pli_sent: u64,
    pub fir_sent: u64,
}

#[derive(Debug, Clone)]
struct Slot {
    sequence: Option<u64>,
    /// The packet this slot last handed to the depacketizer, to tell a late duplicate
    /// (e.g. an answered spurious NACK) from a packet that came too late.
    consumed: Option<u64>,
    timestamp: u32,
    marker: bool,
    arrival: Option<Instant>,
    payload: Vec<u8>,
}

/// Frame-level state kept apart from the depacketizer so both can be borrowed at once.
#[derive(Debug, Clone)]
struct FrameGate {
    waiting_for_keyframe: bool,
    /// Since when a keyframe is needed (a frame was lost or dropped); `None` when not.
    keyframe_needed_since: Option<Instant>,
    /// The need arose after the last request (a new FIR command, not a repetition).
    new_keyframe_need: bool,
    fir_sequence_number: u8,
    last_keyframe_request: Option<Instant>,
    /// Timestamp, first and last arrival of the frame being assembled.
    timing: Option<(u32, Instant, Instant)>,
    counters: VideoBufferCounters,
}

impl FrameGate {
    fn frame_lost(&mut self, now: Instant) {
        self.counters.frames_incomplete += 1;
        self.need_keyframe(now);
    }

    fn need_keyframe(&mut self, now: Instant) {
        self.waiting_for_keyframe = true;
        if self.keyframe_needed_since.is_none() {
            self.keyframe_needed_since = Some(now);
            self.new_keyframe_need = true;
        }
    }
}

#[derive(Debug, Clone)]
pub struct VideoJitterBuffer {
    config: VideoJitterBufferConfig,
    slots: Vec<Slot>,
    unwrapper: SequenceUnwrapper,
    /// Next extended sequence number for the depacketizer; `None` before the first packet.
    next_sequence: Option<u64>,
    /// Highest extended sequence number buffered or consumed.
    highest: u64,
    buffered: usize,
    /// When the buffer started waiting for the packet at its head.
    head_missing_since: Option<Instant>,
    /// Arrival of the first packet; `None` once the startup hold is over.
    holding_since: Option<Instant>,
    /// The last packet discarded for being too far ahead.
    resync_candidate: Option<u64>,
    depacketizer: H264Depacketizer,
    nack: NackTracker,
    rtt: Duration,
    gate: FrameGate,
}

impl VideoJitterBuffer {
    pub fn new(config: VideoJitterBufferConfig) -> Self {
        let max_packets = config.max_packets.max(2);
        let slot = Slot {
            sequence: None,
            consumed: None,
            timestamp: 0,
            marker: false,
            arrival: None,
            payload: Vec::new(),
        };
        Self {
            config,
            slots: vec![slot; max_packets],
            unwrapper: SequenceUnwrapper::default(),
            next_sequence: None,
            highest: 0,
            buffered: 0,
            head_missing_since: None,
            holding_since: None,
            resync_candidate: None,
            depacketizer: H264Depacketizer::new(config.max_frame_bytes),
            nack: NackTracker::new(config.nack),
            rtt: config.initial_rtt,
            gate: FrameGate {
                waiting_for_keyframe: true,
                keyframe_needed_since: None,
                new_keyframe_need: false,
                fir_sequence_number: 0,
                last_keyframe_request: None,
                timing: None,
                counters: VideoBufferCounters::default(),
            },
        }
    }

    pub fn set_rtt(&mut self, rtt: Duration) {
        self.rtt = rtt;
    }

    pub fn counters(&self) -> VideoBufferCounters {
        self.gate.counters
    }

    /// NACK feedback packets sent (nackCount).
    pub fn nacks_sent(&self) -> u64 {
        self.nack.nacks_sent
    }

    pub fn nack_tracker(&self) -> &NackTracker {
        &self.nack
    }

    /// Packets waiting in the buffer.
    pub fn buffered_packets(&self) -> usize {
        self.buffered
    }

    fn slot_index(&self, sequence: u64) -> usize {
        (sequence % self.slots.len() as u64) as usize
    }

    /// Takes one packet; frames it completes go to `decode`, which returns whether the
    /// decoder accepted the frame (`false` makes the buffer wait for a keyframe).
    pub fn insert<F>(&mut self, now: Instant, packet: VideoPacket<'_>, decode: F)
    where
        F: FnMut(AssembledFrame<'_>) -> bool,
    {
        self.gate.counters.packets_received += 1;
        if packet.payload.len() > self.config.max_payload_bytes {
            self.gate.counters.oversized_packets += 1;
            return;
        }
        let sequence = self.unwrapper.unwrap(packet.sequence);
        let next = match self.next_sequence {
            Some(next) => next,
            None => {
                self.next_sequence = Some(sequence);
                self.highest = sequence;
                self.holding_since = Some(now);
                sequence
            }
        };
        let capacity = self.slots.len() as u64;
        if sequence < next && self.holding_since.is_some() && self.highest - sequence < capacity {
            // Still in the startup hold: an earlier packet moves the start back, and the
            // ones between it and the old start are missing.
            self.nack.add_range(sequence + 1, next, now);
            self.next_sequence = Some(sequence);
        } else if sequence < next {
            let index = self.slot_index(sequence);
            if self
                .slots
                .get(index)
                .is_some_and(|s| s.consumed == Some(sequence))
            {
                self.gate.counters.duplicate_packets += 1;
            } else {
                self.gate.counters.late_packets += 1;
            }
            return;
        }
        if sequence >= next && sequence - next >= capacity {
            // One packet far ahead is discarded (a stray or forged packet must not throw
            // the stream away); a second one just after it means the stream jumped.
            let follows = self
                .resync_candidate
                .is_some_and(|c| sequence > c && sequence - c <= RESYNC_CONFIRM_DISTANCE);
            if !follows {
                self.resync_candidate = Some(sequence);
                self.gate.counters.far_ahead_packets += 1;
                return;
            }
            self.resync(sequence, now);
        }
        let index = self.slot_index(sequence);
        let Some(slot) = self.slots.get_mut(index) else {
            return;
        };
        if slot.sequence == Some(sequence) {
            self.gate.counters.duplicate_packets += 1;
            return;
        }
        slot.sequence = Some(sequence);
        slot.consumed = None;
        slot.timestamp = packet.timestamp;
        slot.marker = packet.marker;
        slot.arrival = Some(now);
        slot.payload.clear();
        // A slot grows once, to the largest payload accepted, so it never reallocates.
        slot.payload.reserve(self.config.max_payload_bytes);
        slot.payload.extend_from_slice(packet.payload);
        self.buffered += 1;
        self.nack.received(sequence);
        if sequence > self.highest {
            // Everything between the previous highest and this one is missing (or
            // reordered: a spurious NACK costs one retransmission).
            self.nack.add_range(self.highest + 1, sequence, now);
            self.highest = sequence;
        }
        self.drain(now, decode);
    }

    /// Drops everything buffered and starts over at `sequence`.
    fn resync(&mut self, sequence: u64, now: Instant) {
        self.gate.counters.resyncs += 1;
        self.resync_candidate = None;
        for slot in &mut self.slots {
            slot.sequence = None;
        }
        self.buffered = 0;
        self.next_sequence = Some(sequence);
        self.highest = sequence;
        self.head_missing_since = None;
        self.depacketizer.reset();
        self.nack.clear();
        self.gate.timing = None;
        self.gate.need_keyframe(now);
    }

    /// Gives up on overdue packets and hands out what became decodable.
    pub fn handle_timeout<F>(&mut self, now: Instant, decode: F)
    where
        F: FnMut(AssembledFrame<'_>) -> bool,
    {
        self.drain(now, decode);
    }

    /// The decoder failed on a frame handed out earlier: wait for a keyframe.
    pub fn decode_failed(&mut self, now: Instant) {
        self.gate.need_keyframe(now);
    }

    fn drain<F>(&mut self, now: Instant, mut decode: F)
    where
        F: FnMut(AssembledFrame<'_>) -> bool,
    {
        let Some(mut next) = self.next_sequence else {
            return;
        };
        if let Some(since) = self.holding_since {
            if now < since + self.config.startup_hold {
                return;
            }
            self.holding_since = None;
        }
        loop {
            let index = self.slot_index(next);
            let Some(slot) = self.slots.get_mut(index) else {
                break;
            };
            if slot.sequence != Some(next) {
                if self.buffered == 0 {
                    self.head_missing_since = None;
                    break;
                }
                let since = *self
                    .head_missing_since
                    .get_or_insert_with(|| self.nack.detected_at(next).unwrap_or(now));
                if now < since + self.config.give_up_after {
                    break;
                }
                // Skip the hole up to the next buffered packet.
                let mut skipped = 0;
                while self
                    .slots
                    .get(self.slot_index(next))
                    .is_some_and(|s| s.sequence != Some(next))
                    && next <= self.highest
                {
                    next += 1;
                    skipped += 1;
                }
                self.gate.counters.packets_given_up += skipped;
                self.head_missing_since = None;
                self.nack.forget_before(next);
                continue;
            }
            slot.sequence = None;
            slot.consumed = Some(next);
            self.buffered = self.buffered.saturating_sub(1);
            self.head_missing_since = None;
            let sequence = next as u16;
            next += 1;
            let gate = &mut self.gate;
            let arrival = slot.arrival.unwrap_or(now);
            match gate.timing {
                Some((ts, first, last)) if ts == slot.timestamp => {
                    gate.timing = Some((ts, first.min(arrival), last.max(arrival)));
                }
                _ => gate.timing = Some((slot.timestamp, arrival, arrival)),
            }
            let outcome =
                self.depacketizer
                    .push(sequence, slot.timestamp, slot.marker, &slot.payload);
            if outcome.abandoned.is_some() {
                gate.frame_lost(now);
            }
            match outcome.finished {
                Some(FrameOutcome::Incomplete(_)) => gate.frame_lost(now),
                Some(FrameOutcome::Complete(frame)) => {
                    gate.counters.frames_received += 1;
                    if gate.waiting_for_keyframe && !frame.keyframe {
                        gate.counters.frames_dropped += 1;
                        gate.need_keyframe(now);
                        continue;
                    }
                    let (_, first, last) = gate.timing.unwrap_or((0, now, now));
                    gate.counters.frames_emitted += 1;
                    gate.counters.emitted_delay += now.saturating_duration_since(first);
                    let decoded = decode(AssembledFrame {
                        rtp_timestamp: frame.rtp_timestamp,
                        annex_b: frame.annex_b,
                        keyframe: frame.keyframe,
                        packets: frame.packets,
                        first_packet_arrival: first,
                        last_packet_arrival: last,
                    });
                    if decoded {
                        if frame.keyframe {
                            gate.waiting_for_keyframe = false;
                            gate.keyframe_needed_since = None;
                        }
                    } else {
                        gate.counters.frames_dropped += 1;
                        gate.need_keyframe(now);
                    }
                }
                None => {}
            }
        }
        self.next_sequence = Some(next);
    }

    /// Next feedback to send: NACKs first, then a keyframe request.
    pub fn poll_feedback(&mut self, now: Instant) -> Option<VideoFeedback<'_>> {
        if self.keyframe_request_due(now) {
            let gate = &mut self.gate;
            gate.last_keyframe_request = Some(now);
            let new_command = std::mem::take(&mut gate.new_keyframe_need);
            return Some(match self.config.keyframe_request {
                KeyframeRequestKind::Pli => {
                    gate.counters.pli_sent += 1;
                    VideoFeedback::Pli
                }
                KeyframeRequestKind::Fir => {
                    if new_command && gate.counters.fir_sent > 0 {
                        gate.fir_sequence_number = gate.fir_sequence_number.wrapping_add(1);
                    }
                    gate.counters.fir_sent += 1;
                    VideoFeedback::Fir {
                        sequence_number: gate.fir_sequence_number,
                    }
                }
            });
        }
        self.nack.poll(now, self.rtt).map(VideoFeedback::Nack)
    }

    fn keyframe_request_at(&self) -> Option<Instant> {
        let since = self.gate.keyframe_needed_since?;
        Some(match self.gate.last_keyframe_request {
            Some(last) => since.max(last + self.config.keyframe_request_interval),
            None => since,
        })
    }

    fn keyframe_request_due(&self, now: Instant) -> bool {
        self.keyframe_request_at().is_some_and(|at| now >= at)
    }

    /// When [`handle_timeout`](Self::handle_timeout) or
    /// [`poll_feedback`](Self::poll_feedback) next has something to do.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let give_up = self
            .head_missing_since
            .filter(|_| self.buffered > 0)
            .map(|since| since + self.config.give_up_after);
        let hold = self
            .holding_since
            .map(|since| since + self.config.startup_hold);
        [
            hold,
            give_up,
            self.keyframe_request_at(),
            self.nack.poll_timeout(self.rtt),
        ]
        .into_iter()
        .flatten()
        .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    const IDR: [u8; 3] = [0x65, 0x88, 0x80];
    const P: [u8; 3] = [0x41, 0x9a, 0x00];

    fn packet(sequence: u16, frame: u32, payload: &[u8]) -> VideoPacket<'_> {
        VideoPacket {
            sequence,
            timestamp: frame * 3000,
            marker: true,
            payload,
        }
    }

    #[test]
    fn a_lost_frame_is_nacked_given_up_and_answered_with_fir() {
        let config = VideoJitterBufferConfig {
            keyframe_request: KeyframeRequestKind::Fir,
            ..VideoJitterBufferConfig::default()
        };
        let mut jb = VideoJitterBuffer::new(config);
        let t0 = Instant::now();
        let mut out = Vec::new();
        let mut sink = |f: AssembledFrame<'_>| {
            out.push((f.rtp_timestamp / 3000, f.keyframe));
            true
        };
        jb.insert(t0, packet(65535, 0, &IDR), &mut sink);
        // Startup hold: nothing before 30 ms.
        assert_eq!(jb.poll_timeout(), Some(t0 + ms(30)));
        jb.handle_timeout(t0 + ms(29), &mut sink);
        jb.handle_timeout(t0 + ms(30), &mut sink);
        jb.insert(t0 + ms(33), packet(0, 1, &P), &mut sink);
        // Sequence 1 (frame 2) is lost; 2 (frame 3) reveals it at 66 ms.
        jb.insert(t0 + ms(66), packet(2, 3, &P), &mut sink);
        assert_eq!(
            jb.poll_feedback(t0 + ms(66)),
            Some(VideoFeedback::Nack(&[1]))
        );
        assert_eq!(jb.poll_feedback(t0 + ms(76)), None);
        // Retried after one RTT (100 ms by default).
        assert_eq!(
            jb.poll_feedback(t0 + ms(166)),
            Some(VideoFeedback::Nack(&[1]))
        );
        // Given up 500 ms after it was found missing.
        assert_eq!(jb.poll_timeout(), Some(t0 + ms(266)));
        jb.handle_timeout(t0 + ms(565), &mut sink);
        assert_eq!(jb.counters().packets_given_up, 0);
        jb.handle_timeout(t0 + ms(566), &mut sink);
        let c = jb.counters();
        assert_eq!((c.packets_given_up, c.frames_incomplete), (1, 1));
        assert_eq!(
            jb.poll_feedback(t0 + ms(566)),
            Some(VideoFeedback::Fir { sequence_number: 0 })
        );
        // Frame 4 (P) cannot be decoded: dropped. The unanswered FIR is repeated with the
        // same number 300 ms later, not before.
        jb.insert(t0 + ms(600), packet(3, 4, &P), &mut sink);
        assert_eq!(jb.poll_feedback(t0 + ms(865)), None);
        assert_eq!(
            jb.poll_feedback(t0 + ms(866)),
            Some(VideoFeedback::Fir { sequence_number: 0 })
        );
        jb.insert(t0 + ms(900), packet(4, 5, &IDR), &mut sink);
        // A new loss later is a new command: number 1.
        jb.insert(t0 + ms(1300), packet(6, 7, &P), &mut sink);
        jb.handle_timeout(t0 + ms(1800), &mut sink);
        while let Some(VideoFeedback::Nack(_)) = jb.poll_feedback(t0 + ms(1800)) {}
        assert_eq!(jb.counters().fir_sent, 3);
        let c = jb.counters();
        // Frames 3 and 7 came after a hole (incomplete); 4 lacked its reference.
        assert_eq!(c.frames_received, 4);
        assert_eq!(c.frames_incomplete, 2);
        assert_eq!(c.frames_dropped, 1);
        assert_eq!(out, vec![(0, true), (1, false), (5, true)]);
    }

    #[test]
    fn a_lone_far_ahead_packet_is_discarded_and_a_real_jump_resynchronises() {
        let mut jb = VideoJitterBuffer::new(VideoJitterBufferConfig {
            max_packets: 64,
            startup_hold: Duration::ZERO,
            ..VideoJitterBufferConfig::default()
        });
        let t0 = Instant::now();
        let mut out = Vec::new();
        let mut sink = |f: AssembledFrame<'_>| {
            out.push(f.rtp_timestamp / 3000);
            true
        };
        jb.insert(t0, packet(100, 0, &IDR), &mut sink);
        // A stray packet 1000 ahead: discarded, the stream goes on undisturbed.
        jb.insert(t0 + ms(1), packet(1100, 50, &P), &mut sink);
        jb.insert(t0 + ms(33), packet(101, 1, &P), &mut sink);
        assert_eq!(jb.counters().far_ahead_packets, 1);
        assert_eq!(jb.counters().resyncs, 0);
        assert_eq!(jb.nack_tracker().missing_count(), 0);
        // The sender really jumped: two packets close together far ahead.
        jb.insert(t0 + ms(66), packet(5000, 2, &IDR), &mut sink);
        jb.insert(t0 + ms(99), packet(5001, 3, &P), &mut sink);
        assert_eq!(jb.counters().resyncs, 1);
        jb.insert(t0 + ms(133), packet(5002, 4, &IDR), &mut sink);
        jb.insert(t0 + ms(166), packet(5003, 5, &P), &mut sink);
        // Frame 3 (a P frame) after the resync waits for the keyframe, frame 4.
        assert_eq!(out, vec![0, 1, 4, 5]);
    }
}
