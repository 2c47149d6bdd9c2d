//! Audio receiver: a jitter buffer of Opus packets played out on a 20 ms clock the caller
//! drives, with loss concealment by the decoder (in-band FEC from the next packet when it
//! is there, PLC otherwise) and the inbound-rtp audio statistics.
//!
//! Playout starts once the first packet has waited the target delay; from then on every
//! tick takes the next sequence number. A packet that is not there at its turn is
//! concealed, and if it turns up later it is discarded (packetsDiscarded). There is no
//! time-stretching: insertedSamplesForDeceleration and removedSamplesForAcceleration stay
//! 0 and the delay is set only when playout starts. Packets are taken in sequence order;
//! timestamps are not used for placement (DTX gaps are concealed like losses).

use std::time::{Duration, Instant};

use rtcscope_stats::{InboundRtpAudio, InboundRtpMedia, RTCInboundRtpStreamStats};

use super::audio_level::AudioEnergy;
use super::seq::SequenceUnwrapper;
use crate::opus::codec::FRAME_SAMPLES;
use crate::opus::{OpusAudioDecoder, OpusError, RTP_CLOCK_RATE, packet_samples};

/// Largest Opus packet (RFC 6716 §3.2.1: 1275 bytes a frame, up to 120 ms): payloads
/// above this are discarded.
pub const MAX_OPUS_PAYLOAD: usize = 1275 * 3;
/// A far-ahead packet this close after a discarded far-ahead packet confirms a jump.
const RESYNC_CONFIRM_DISTANCE: u64 = 16;
/// Samples held between decoding and playout: one 120 ms packet plus one tick.
const PENDING_CAPACITY: usize = 5760 + FRAME_SAMPLES;
/// A sample this small is silence in 16-bit PCM.
const SILENCE: f32 = 1.0 / 32768.0;

/// One received RTP packet of the audio stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioPacket<'a> {
    pub sequence: u16,
    pub timestamp: u32,
    pub payload: &'a [u8],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioReceiverConfig {
    /// Packet slots (64 × 20 ms = 1.28 s); packets further ahead restart the buffer.
    pub max_packets: usize,
    /// Delay between the first packet's arrival and the start of playout.
    pub target_delay: Duration,
    /// Recover a lost packet from the next packet's in-band FEC when it has arrived.
    pub use_fec: bool,
}

impl Default for AudioReceiverConfig {
    fn default() -> Self {
        Self {
            max_packets: 64,
            target_delay: Duration::from_millis(60),
            use_fec: true,
        }
    }
}

/// What one playout tick produced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlayoutTick<'a> {
    /// Always one tick of 48 kHz mono samples (silence before playout starts).
    pub samples: &'a [f32],
    /// Playout has started (the first packet waited its target delay).
    pub started: bool,
    /// Of `samples`, how many the decoder concealed.
    pub concealed: usize,
    /// Of `samples`, how many are silence put in because the decoder failed.
    pub synthesized: usize,
}

/// Cumulative audio receive counters.
#[derive(Debug, Clone, Default)]
pub struct AudioReceiveStats {
    pub packets_received: u64,
    pub duplicate_packets: u64,
    /// Too late for their turn (packetsDiscarded).
    pub late_packets: u64,
    pub malformed_packets: u64,
    pub resyncs: u64,
    /// Discarded for being too far ahead (a second one close after restarts the buffer).
    pub far_ahead_packets: u64,
    pub decode_errors: u64,
    /// Lost packets rebuilt from the next packet's in-band FEC.
    pub fec_recovered_packets: u64,
    pub total_samples_received: u64,
    pub concealed_samples: u64,
    pub silent_concealed_samples: u64,
    pub concealment_events: u64,
    /// Sums over emitted samples, seconds × samples.
    pub jitter_buffer_delay: f64,
    pub jitter_buffer_target_delay: f64,
    pub jitter_buffer_minimum_delay: f64,
    pub jitter_buffer_emitted_count: u64,
    pub total_processing_delay: f64,
    pub energy: AudioEnergy,
    /// RFC 3550 interarrival jitter, seconds.
    pub jitter: f64,
}

#[derive(Debug, Clone)]
struct Slot {
    sequence: Option<u64>,
    arrival: Option<Instant>,
    payload: Vec<u8>,
}

pub struct AudioReceiver {
    config: AudioReceiverConfig,
    slots: Vec<Slot>,
    unwrapper: SequenceUnwrapper,
    /// Next sequence number to play; before playout, the lowest buffered.
    next_play: Option<u64>,
    buffered: usize,
    first_arrival: Option<Instant>,
    started: bool,
    decoder: OpusAudioDecoder,
    pending: Vec<f32>,
    output: Vec<f32>,
    last_concealed: bool,
    /// Arrival and timestamp of the newest in-order packet (jitter estimate).
    last_transit: Option<(Instant, u32, u64)>,
    stats: AudioReceiveStats,
    resync_candidate: Option<u64>,
}

impl std::fmt::Debug for AudioReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioReceiver")
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl AudioReceiver {
    pub fn new(config: AudioReceiverConfig) -> Result<Self, OpusError> {
        // Built one by one: cloning a Vec would not keep its capacity.
        let slots = (0..config.max_packets.max(2))
            .map(|_| Slot {
                sequence: None,
                arrival: None,
                payload: Vec::with_capacity(MAX_OPUS_PAYLOAD),
            })
            .collect();
        Ok(Self {
            config,
            slots,
            unwrapper: SequenceUnwrapper::default(),
            next_play: None,
            buffered: 0,
            first_arrival: None,
            started: false,
            decoder: OpusAudioDecoder::new()?,
            pending: Vec::with_capacity(PENDING_CAPACITY),
            output: vec![0.0; FRAME_SAMPLES],
            last_concealed: false,
            last_transit: None,
            stats: AudioReceiveStats::default(),
            resync_candidate: None,
        })
    }

    pub fn stats(&self) -> &AudioReceiveStats {
        &self.stats
    }

    /// Delay the buffer aims for: the configured target.
    pub fn target_delay(&self) -> Duration {
        self.config.target_delay
    }

    /// Smallest delay the network alone calls for: one packet plus three times the
    /// interarrival jitter, never above the target.
    pub fn minimum_delay(&self) -> Duration {
        let packet = FRAME_SAMPLES as f64 / f64::from(RTP_CLOCK_RATE);
        Duration::from_secs_f64(packet + 3.0 * self.stats.jitter).min(self.config.target_delay)
    }

    fn slot_index(&self, sequence: u64) -> usize {
        (sequence % self.slots.len() as u64) as usize
    }

    pub fn insert_packet(&mut self, now: Instant, packet: AudioPacket<'_>) {
        self.stats.packets_received += 1;
        if packet.payload.len() > MAX_OPUS_PAYLOAD || packet_samples(packet.payload).is_err() {
            self.stats.malformed_packets += 1;
            return;
        }
        let sequence = self.unwrapper.unwrap(packet.sequence);
        let capacity = self.slots.len() as u64;
        let next = *self.next_play.get_or_insert(sequence);
        if sequence < next {
            if self.started || next - sequence >= capacity {
                self.stats.late_packets += 1;
                return;
            }
            // Reordered before playout began: it becomes the first to play, if the slot
            // it lands in is not holding a packet still to play.
            if self
                .slots
                .get(self.slot_index(sequence))
                .is_some_and(|s| s.sequence.is_some())
            {
                self.stats.late_packets += 1;
                return;
            }
            self.next_play = Some(sequence);
        } else if sequence - next >= capacity {
            // As for video: a lone far-ahead packet is discarded, a second close after it
            // restarts the buffer there.
            let follows = self
                .resync_candidate
                .is_some_and(|c| sequence > c && sequence - c <= RESYNC_CONFIRM_DISTANCE);
            if !follows {
                self.resync_candidate = Some(sequence);
                self.stats.far_ahead_packets += 1;
                return;
            }
            self.resync(sequence);
        }
        self.update_jitter(now, packet.timestamp, sequence);
        let index = self.slot_index(sequence);
        let Some(slot) = self.slots.get_mut(index) else {
            return;
        };
        if slot.sequence == Some(sequence) {
            self.stats.duplicate_packets += 1;
            return;
        }
        if slot.sequence.is_none() {
            self.buffered += 1;
        }
        slot.sequence = Some(sequence);
        slot.arrival = Some(now);
        slot.payload.clear();
        slot.payload.extend_from_slice(packet.payload);
        self.first_arrival.get_or_insert(now);
    }

    fn update_jitter(&mut self, now: Instant, timestamp: u32, sequence: u64) {
        // Only packets newer than all before (RFC 3550 computes it per arrival; reordered
        // ones would count their reordering twice).
        if self
            .last_transit
            .is_some_and(|(_, _, last_sequence)| sequence <= last_sequence)
        {
            return;
        }
        if let Some((last_arrival, last_timestamp, _)) = self.last_transit {
            let arrival_delta = now.saturating_duration_since(last_arrival).as_secs_f64();
            let media_delta = f64::from(timestamp.wrapping_sub(last_timestamp) as i32)
                / f64::from(RTP_CLOCK_RATE);
            let d = (arrival_delta - media_delta).abs();
            if d.is_finite() && d < 10.0 {
                self.stats.jitter += (d - self.stats.jitter) / 16.0;
            }
        }
        self.last_transit = Some((now, timestamp, sequence));
    }

    fn resync(&mut self, sequence: u64) {
        self.stats.resyncs += 1;
        self.resync_candidate = None;
        for slot in &mut self.slots {
            slot.sequence = None;
        }
        self.buffered = 0;
        self.next_play = Some(sequence);
    }

    /// One 20 ms playout tick at `now`: the samples the device plays next.
    pub fn tick(&mut self, now: Instant) -> PlayoutTick<'_> {
        if !self.started {
            let ready = self
                .first_arrival
                .is_some_and(|first| now >= first + self.config.target_delay);
            if !ready {
                self.output.fill(0.0);
                return PlayoutTick {
                    samples: &self.output,
                    started: false,
                    concealed: 0,
                    synthesized: 0,
                };
            }
            self.started = true;
        }
        let mut concealed = 0;
        let mut synthesized = 0;
        while self.pending.len() < FRAME_SAMPLES {
            let (c, s) = self.produce_next(now);
            concealed += c;
            synthesized += s;
        }
        let (head, rest) = self.pending.split_at(FRAME_SAMPLES);
        self.output.copy_from_slice(head);
        let remaining = rest.len();
        self.pending.copy_within(FRAME_SAMPLES.., 0);
        self.pending.truncate(remaining);
        self.stats.energy.add(&self.output, RTP_CLOCK_RATE);
        PlayoutTick {
            samples: &self.output,
            started: true,
            concealed: concealed.min(FRAME_SAMPLES),
            synthesized: synthesized.min(FRAME_SAMPLES),
        }
    }

    /// Decodes (or conceals) the packet whose turn it is into `pending`; returns the
    /// concealed and synthesized sample counts.
    fn produce_next(&mut self, now: Instant) -> (usize, usize) {
        let Some(sequence) = self.next_play else {
            return self.synthesize();
        };
        self.next_play = Some(sequence + 1);
        let index = self.slot_index(sequence);
        let next_index = self.slot_index(sequence + 1);
        let here = self
            .slots
            .get(index)
            .is_some_and(|s| s.sequence == Some(sequence));
        if here {
            let Some(slot) = self.slots.get_mut(index) else {
                return self.synthesize();
            };
            slot.sequence = None;
            self.buffered = self.buffered.saturating_sub(1);
            let arrival = slot.arrival.unwrap_or(now);
            match self.decoder.decode(&slot.payload) {
                Ok(pcm) => {
                    let n = pcm.len();
                    self.pending.extend_from_slice(pcm);
                    self.count_decoded(now, arrival, n);
                    return (0, 0);
                }
                Err(_) => self.stats.decode_errors += 1,
            }
        } else if self.config.use_fec
            && let Some(next) = self
                .slots
                .get(next_index)
                .filter(|s| s.sequence == Some(sequence + 1))
                // Only a next packet with LBRR data can rebuild this one; without it the
                // decoder's FEC path falls back to concealment, which must count as such.
                .filter(|s| crate::opus::lbrr::carries_lbrr(&s.payload))
        {
            let arrival = next.arrival.unwrap_or(now);
            if let Ok(pcm) = self.decoder.recover_from_fec(&next.payload, FRAME_SAMPLES) {
                let n = pcm.len();
                self.pending.extend_from_slice(pcm);
                self.stats.fec_recovered_packets += 1;
                self.count_decoded(now, arrival, n);
                return (0, 0);
            }
        }
        self.conceal()
    }

    fn count_decoded(&mut self, now: Instant, arrival: Instant, samples: usize) {
        let n = samples as f64;
        let waited = now.saturating_duration_since(arrival).as_secs_f64();
        let minimum = self.minimum_delay().as_secs_f64();
        let s = &mut self.stats;
        s.total_samples_received += samples as u64;
        s.jitter_buffer_delay += waited * n;
        s.jitter_buffer_emitted_count += samples as u64;
        s.jitter_buffer_target_delay += self.config.target_delay.as_secs_f64() * n;
        s.jitter_buffer_minimum_delay += minimum * n;
        // Decoding happens at emission: reception to decoded is the buffer wait.
        s.total_processing_delay += waited * n;
        self.last_concealed = false;
    }

    fn conceal(&mut self) -> (usize, usize) {
        let Ok(pcm) = self.decoder.conceal(FRAME_SAMPLES) else {
            self.stats.decode_errors += 1;
            return self.synthesize();
        };
        let n = pcm.len();
        let silent = pcm.iter().all(|s| s.abs() < SILENCE);
        self.pending.extend_from_slice(pcm);
        let s = &mut self.stats;
        s.total_samples_received += n as u64;
        s.concealed_samples += n as u64;
        if silent {
            s.silent_concealed_samples += n as u64;
        }
        if !self.last_concealed {
            s.concealment_events += 1;
        }
        self.last_concealed = true;
        (n, 0)
    }

    /// Silence in place of samples the decoder could not give at all.
    fn synthesize(&mut self) -> (usize, usize) {
        self.pending.resize(self.pending.len() + FRAME_SAMPLES, 0.0);
        (0, FRAME_SAMPLES)
    }

    /// Sets the audio-only inbound-rtp members.
    pub fn fill(&self, out: &mut InboundRtpAudio) {
        let s = &self.stats;
        out.audio_level = s.energy.level();
        out.total_audio_energy = Some(s.energy.total_energy);
        out.total_samples_duration = Some(s.energy.total_duration);
        out.total_samples_received = Some(s.total_samples_received);
        out.concealed_samples = Some(s.concealed_samples);
        out.silent_concealed_samples = Some(s.silent_concealed_samples);
        out.concealment_events = Some(s.concealment_events);
        out.inserted_samples_for_deceleration = Some(0);
        out.removed_samples_for_acceleration = Some(0);
    }

    /// Sets the inbound-rtp members this pipeline owns and the audio members; `playout_id`
    /// is left to the caller (it names the media-playout object).
    pub fn fill_inbound(&self, out: &mut RTCInboundRtpStreamStats) {
        let s = &self.stats;
        // Audio is not NACKed: nothing sent, but the member is mandatory.
        out.nack_count = Some(0);
        out.packets_discarded = Some(s.late_packets);
        out.jitter_buffer_delay = Some(s.jitter_buffer_delay);
        out.jitter_buffer_target_delay = Some(s.jitter_buffer_target_delay);
        out.jitter_buffer_minimum_delay = Some(s.jitter_buffer_minimum_delay);
        out.jitter_buffer_emitted_count = Some(s.jitter_buffer_emitted_count);
        out.total_processing_delay = Some(s.total_processing_delay);
        let mut audio = match &out.media {
            InboundRtpMedia::Audio(a) => a.clone(),
            InboundRtpMedia::Video(_) => InboundRtpAudio::default(),
        };
        self.fill(&mut audio);
        out.media = InboundRtpMedia::Audio(audio);
    }
}
