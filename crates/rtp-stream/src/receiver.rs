//! Receive side of one RTP stream (one media SSRC, with its optional RTX
//! and FEC SSRCs): RFC 3550 accounting, RR report blocks, and the remote
//! sender's view from its SRs (remote-outbound-rtp).

use std::time::{Duration, Instant};

use rtcscope_rtp::ntp::{duration_to_compact, round_trip_time};
use rtcscope_rtp::rtcp::{ReportBlock, SenderReport};
use rtcscope_rtp::{NtpTime, RtpPacket};
use rtcscope_stats::MediaKind;

use crate::clock::rtp_units_since;
use crate::jitter::JitterEstimator;
use crate::seq::{SeqTracker, SeqVerdict};

/// Static description of a received stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiveConfig {
    /// Media SSRC.
    pub ssrc: u32,
    /// RTP clock rate of the codec, Hz.
    pub clock_rate: u32,
    /// Audio or video.
    pub kind: MediaKind,
    /// SSRC of the RFC 4588 RTX stream when RTX is negotiated.
    pub rtx_ssrc: Option<u32>,
    /// SSRC of the FEC stream when FEC on a separate SSRC is negotiated.
    pub fec_ssrc: Option<u32>,
}

/// What happened to one received RTP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiveOutcome {
    /// Counted as a new media packet (RTX-recovered packets included).
    Accepted,
    /// Counted, but a copy of a packet already received.
    Duplicate,
    /// Held while the source is in A.1 probation.
    Probation,
    /// Counted as an FEC repair packet.
    Fec,
    /// Not counted: rejected by A.1 (large jump) or an RTX packet too short
    /// to hold its original sequence number.
    Invalid,
    /// The SSRC is none of this stream's.
    ForeignSsrc,
}

/// Cumulative receive counters, webrtc-stats semantics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReceiveCounters {
    /// RTP packets received for the stream: media (duplicates included),
    /// RTX-recovered and FEC packets.
    pub packets_received: u64,
    /// Payload bytes of those packets (RTX: without the 2-byte OSN).
    pub bytes_received: u64,
    /// Header + padding bytes (RTX: + the 2-byte OSN), so that
    /// header + payload = every RTP byte received.
    pub header_bytes_received: u64,
    /// Copies of already received packets.
    pub packets_duplicated: u64,
    /// Packets rejected before counting (see [`ReceiveOutcome::Invalid`]).
    pub packets_invalid: u64,
    /// Packets the jitter buffer threw away (reported by the caller).
    pub packets_discarded: u64,
    /// Packets recovered from the RTX stream.
    pub retransmitted_packets_received: u64,
    /// Their original payload bytes.
    pub retransmitted_bytes_received: u64,
    /// FEC packets received on the FEC SSRC.
    pub fec_packets_received: u64,
    /// Their payload bytes.
    pub fec_bytes_received: u64,
    /// FEC packets whose repair went unused (reported by the caller).
    pub fec_packets_discarded: u64,
    /// Generic NACKs sent for this stream.
    pub nack_sent: u32,
    /// PLIs sent.
    pub pli_sent: u32,
    /// FIRs sent.
    pub fir_sent: u32,
}

/// What we know of the remote sender from its SRs (remote-outbound-rtp).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RemoteSenderState {
    /// Local arrival time of the latest SR.
    pub arrived_at: Instant,
    /// NTP time in the latest SR (the sender's clock).
    pub ntp_time: NtpTime,
    /// RTP timestamp in the latest SR.
    pub rtp_timestamp: u32,
    /// Sender's packet count from the latest SR.
    pub packets_sent: u32,
    /// Sender's octet count from the latest SR.
    pub bytes_sent: u32,
    /// SRs received.
    pub reports_sent: u64,
    /// RTT from the DLRR answering our RRTR that came with the latest SR;
    /// `None` when that SR brought none.
    pub round_trip_time: Option<Duration>,
    /// Sum of every DLRR RTT.
    pub total_round_trip_time: Duration,
    /// Number of DLRR RTTs.
    pub round_trip_time_measurements: u64,
}

/// Receive-side accounting of one stream. Sans-IO: feed it packets with
/// their arrival time; nothing on the packet path allocates.
#[derive(Debug, Clone)]
pub struct ReceiveStream {
    config: ReceiveConfig,
    seq: SeqTracker,
    jitter: JitterEstimator,
    /// Origin of the arrival clock in RTP units (first packet's arrival).
    arrival_origin: Option<Instant>,
    counters: ReceiveCounters,
    /// Tallies of the current A.1 probation run, committed on validation.
    pending: PendingRun,
    last_packet_at: Option<Instant>,
    remote: Option<RemoteSenderState>,
    /// Compact NTP of the latest SR and its arrival (LSR/DLSR).
    last_sr: Option<(u32, Instant)>,
}

#[derive(Debug, Clone, Copy, Default)]
struct PendingRun {
    packets: u64,
    payload: u64,
    header: u64,
}

impl ReceiveStream {
    /// A stream that has received nothing yet.
    pub fn new(config: ReceiveConfig) -> Self {
        Self {
            config,
            seq: SeqTracker::new(),
            jitter: JitterEstimator::new(),
            arrival_origin: None,
            counters: ReceiveCounters::default(),
            pending: PendingRun::default(),
            last_packet_at: None,
            remote: None,
            last_sr: None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ReceiveConfig {
        &self.config
    }

    /// Cumulative counters.
    pub fn counters(&self) -> &ReceiveCounters {
        &self.counters
    }

    /// The A.1/A.3 sequence state.
    pub fn sequence(&self) -> &SeqTracker {
        &self.seq
    }

    /// Signed cumulative packets lost (A.3).
    pub fn packets_lost(&self) -> i64 {
        self.seq.cumulative_lost()
    }

    /// Interarrival jitter in RTP units (A.8).
    pub fn jitter_rtp_units(&self) -> f64 {
        self.jitter.rtp_units()
    }

    /// Interarrival jitter in seconds.
    pub fn jitter_seconds(&self) -> f64 {
        self.jitter.seconds(self.config.clock_rate)
    }

    /// Arrival time of the last counted packet.
    pub fn last_packet_received_at(&self) -> Option<Instant> {
        self.last_packet_at
    }

    /// The remote sender's state, once its first SR arrived.
    pub fn remote_sender(&self) -> Option<&RemoteSenderState> {
        self.remote.as_ref()
    }

    /// True once the stream counts packets (inbound-rtp exists): after A.1
    /// validated the source, so the object never shows a packet count that
    /// a failed probation run would have to take back.
    pub fn has_received(&self) -> bool {
        self.counters.packets_received > 0
    }

    /// Packets held in the current A.1 probation run (not yet counted).
    pub fn packets_in_probation(&self) -> u64 {
        self.pending.packets
    }

    /// Accounts one RTP packet that arrived at `now` on any of this
    /// stream's SSRCs.
    pub fn on_rtp(&mut self, now: Instant, packet: &RtpPacket<'_>) -> ReceiveOutcome {
        let ssrc = packet.ssrc();
        if ssrc == self.config.ssrc {
            self.on_media(now, packet)
        } else if Some(ssrc) == self.config.rtx_ssrc {
            self.on_rtx(now, packet)
        } else if Some(ssrc) == self.config.fec_ssrc {
            self.on_fec(now, packet)
        } else {
            ReceiveOutcome::ForeignSsrc
        }
    }

    fn header_bytes(packet: &RtpPacket<'_>) -> u64 {
        (packet.header_len() + packet.padding_len()) as u64
    }

    fn on_media(&mut self, now: Instant, packet: &RtpPacket<'_>) -> ReceiveOutcome {
        let payload = packet.payload().len() as u64;
        let header = Self::header_bytes(packet);
        match self.seq.update(packet.sequence_number()) {
            SeqVerdict::Probation => {
                if self.seq.probation_run() == 1 {
                    // A new run starts: the previous one failed.
                    self.counters.packets_invalid += self.pending.packets;
                    self.pending = PendingRun::default();
                }
                self.pending.packets += 1;
                self.pending.payload += payload;
                self.pending.header += header;
                // Probation packets are counted once the run validates, so
                // they take part in the jitter estimate from the start.
                self.update_jitter(now, packet.timestamp());
                ReceiveOutcome::Probation
            }
            SeqVerdict::Validated { .. } => {
                let run = std::mem::take(&mut self.pending);
                self.count(
                    now,
                    run.packets + 1,
                    run.payload + payload,
                    run.header + header,
                );
                self.update_jitter(now, packet.timestamp());
                ReceiveOutcome::Accepted
            }
            SeqVerdict::Restarted { .. } => {
                self.count(now, 1, payload, header);
                self.update_jitter(now, packet.timestamp());
                ReceiveOutcome::Accepted
            }
            SeqVerdict::Valid { duplicate, .. } => {
                self.count(now, 1, payload, header);
                if duplicate {
                    self.counters.packets_duplicated += 1;
                    ReceiveOutcome::Duplicate
                } else {
                    self.update_jitter(now, packet.timestamp());
                    ReceiveOutcome::Accepted
                }
            }
            SeqVerdict::Invalid => {
                self.counters.packets_invalid += 1;
                ReceiveOutcome::Invalid
            }
        }
    }

    /// RFC 4588: the RTX payload starts with the original sequence number
    /// (OSN); the rest is the original payload. The recovered packet is
    /// counted for the media stream (it fills its sequence gap) and as a
    /// retransmission. Jitter is not updated: a retransmission's transit
    /// time includes the NACK round trip and says nothing about the network
    /// jitter.
    fn on_rtx(&mut self, now: Instant, packet: &RtpPacket<'_>) -> ReceiveOutcome {
        let Some((osn, original)) = packet.payload().split_first_chunk::<2>() else {
            self.counters.packets_invalid += 1;
            return ReceiveOutcome::Invalid;
        };
        if !self.seq.is_valid() {
            // No media sequence space to place it in yet.
            self.counters.packets_invalid += 1;
            return ReceiveOutcome::Invalid;
        }
        let payload = original.len() as u64;
        let header = Self::header_bytes(packet) + 2;
        match self.seq.update(u16::from_be_bytes(*osn)) {
            SeqVerdict::Valid { duplicate, .. } => {
                self.count(now, 1, payload, header);
                self.counters.retransmitted_packets_received += 1;
                self.counters.retransmitted_bytes_received += payload;
                if duplicate {
                    self.counters.packets_duplicated += 1;
                    ReceiveOutcome::Duplicate
                } else {
                    ReceiveOutcome::Accepted
                }
            }
            SeqVerdict::Restarted { .. } => {
                self.count(now, 1, payload, header);
                self.counters.retransmitted_packets_received += 1;
                self.counters.retransmitted_bytes_received += payload;
                ReceiveOutcome::Accepted
            }
            // Probation cannot occur on a valid source.
            SeqVerdict::Invalid | SeqVerdict::Probation | SeqVerdict::Validated { .. } => {
                self.counters.packets_invalid += 1;
                ReceiveOutcome::Invalid
            }
        }
    }

    /// FEC on its own SSRC: counted for the media stream (packets and
    /// bytes received) and in the fec* counters, but outside the media
    /// sequence space, so it does not change packetsLost's expected count.
    fn on_fec(&mut self, now: Instant, packet: &RtpPacket<'_>) -> ReceiveOutcome {
        let payload = packet.payload().len() as u64;
        self.count(now, 1, payload, Self::header_bytes(packet));
        self.counters.fec_packets_received += 1;
        self.counters.fec_bytes_received += payload;
        ReceiveOutcome::Fec
    }

    fn count(&mut self, now: Instant, packets: u64, payload: u64, header: u64) {
        self.counters.packets_received += packets;
        self.counters.bytes_received += payload;
        self.counters.header_bytes_received += header;
        self.last_packet_at = Some(now);
    }

    fn update_jitter(&mut self, now: Instant, rtp_timestamp: u32) {
        let origin = *self.arrival_origin.get_or_insert(now);
        let arrival = rtp_units_since(origin, now, self.config.clock_rate);
        self.jitter.update(arrival, rtp_timestamp);
    }

    /// The caller's jitter buffer discarded `n` packets (late/early).
    pub fn note_discarded(&mut self, n: u64) {
        self.counters.packets_discarded += n;
    }

    /// `n` FEC packets were not needed.
    pub fn note_fec_discarded(&mut self, n: u64) {
        self.counters.fec_packets_discarded += n;
    }

    /// A generic NACK for this stream was sent.
    pub fn note_nack_sent(&mut self) {
        self.counters.nack_sent = self.counters.nack_sent.saturating_add(1);
    }

    /// A PLI for this stream was sent.
    pub fn note_pli_sent(&mut self) {
        self.counters.pli_sent = self.counters.pli_sent.saturating_add(1);
    }

    /// A FIR for this stream was sent.
    pub fn note_fir_sent(&mut self) {
        self.counters.fir_sent = self.counters.fir_sent.saturating_add(1);
    }

    /// Consumes an SR from the stream's sender that arrived at `now`.
    /// The previous DLRR RTT no longer describes the latest SR, so it is
    /// cleared until a DLRR in the same compound sets it again.
    pub fn on_sender_report(&mut self, now: Instant, sr: &SenderReport<'_>) {
        self.last_sr = Some((sr.ntp_time().compact(), now));
        let (reports_sent, total, measurements) = match &self.remote {
            Some(r) => (
                r.reports_sent + 1,
                r.total_round_trip_time,
                r.round_trip_time_measurements,
            ),
            None => (1, Duration::ZERO, 0),
        };
        self.remote = Some(RemoteSenderState {
            arrived_at: now,
            ntp_time: sr.ntp_time(),
            rtp_timestamp: sr.rtp_timestamp(),
            packets_sent: sr.packet_count(),
            bytes_sent: sr.octet_count(),
            reports_sent,
            round_trip_time: None,
            total_round_trip_time: total,
            round_trip_time_measurements: measurements,
        });
    }

    /// Consumes a DLRR sub-block answering our RRTR (RFC 3611 §4.5):
    /// RTT = arrival - LRR - DLRR, valid only for LRR != 0 and DLRR != 0 and
    /// a non-negative result. `arrival_compact` is our compact NTP time
    /// now. Returns the RTT when it was valid.
    pub fn on_dlrr(&mut self, arrival_compact: u32, last_rr: u32, dlrr: u32) -> Option<Duration> {
        let remote = self.remote.as_mut()?;
        if dlrr == 0 {
            return None;
        }
        let rtt = round_trip_time(arrival_compact, last_rr, dlrr)?;
        remote.round_trip_time = Some(rtt);
        remote.total_round_trip_time += rtt;
        remote.round_trip_time_measurements += 1;
        Some(rtt)
    }

    /// The report block for our next RR/SR, advancing the A.3 interval;
    /// `None` until the source is valid.
    pub fn report_block(&mut self, now: Instant) -> Option<ReportBlock> {
        if !self.seq.is_valid() {
            return None;
        }
        let (last_sr, delay_since_last_sr) = match self.last_sr {
            Some((lsr, at)) => (lsr, duration_to_compact(now.saturating_duration_since(at))),
            None => (0, 0),
        };
        let lost = self.seq.cumulative_lost();
        Some(ReportBlock {
            ssrc: self.config.ssrc,
            fraction_lost: self.seq.take_fraction_lost(),
            // The builder clamps to the 24-bit field.
            cumulative_lost: i32::try_from(lost).unwrap_or(if lost < 0 {
                i32::MIN
            } else {
                i32::MAX
            }),
            // Truncation to 32 bits is the field's definition.
            extended_highest_seq: self.seq.extended_max() as u32,
            jitter: self.jitter.report_field(),
            last_sr,
            delay_since_last_sr,
        })
    }
}
