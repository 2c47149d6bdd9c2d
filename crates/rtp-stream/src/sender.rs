//! Send side of one RTP stream: counters, SR sender info with the NTP/RTP
//! timestamp mapping, and the remote receiver's view from report blocks
//! (remote-inbound-rtp).

use std::time::{Duration, Instant};

use rtcscope_rtp::ntp::round_trip_time;
use rtcscope_rtp::rtcp::ReportBlock;
use rtcscope_rtp::{NtpTime, RtpPacket};
use rtcscope_stats::MediaKind;

use crate::clock::NtpClock;

/// How many of our latest SRs a report block's LSR is matched against.
const SR_HISTORY: usize = 8;

/// Static description of a sent stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendConfig {
    /// Media SSRC.
    pub ssrc: u32,
    /// RTP clock rate, Hz.
    pub clock_rate: u32,
    /// Audio or video.
    pub kind: MediaKind,
    /// SSRC of the RFC 4588 RTX stream when RTX is negotiated.
    pub rtx_ssrc: Option<u32>,
}

/// Cumulative send counters, webrtc-stats semantics.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SendCounters {
    /// RTP packets sent, retransmissions (RTX) included.
    pub packets_sent: u64,
    /// Payload bytes (RTX: without the OSN).
    pub bytes_sent: u64,
    /// Header + padding bytes (RTX: + the OSN).
    pub header_bytes_sent: u64,
    /// Retransmitted packets (subset of packets_sent).
    pub retransmitted_packets_sent: u64,
    /// Their payload bytes.
    pub retransmitted_bytes_sent: u64,
    /// Sum of (left the engine - handed to the engine).
    pub total_packet_send_delay: Duration,
    /// Generic NACKs received for this stream.
    pub nack_received: u32,
    /// PLIs received.
    pub pli_received: u32,
    /// FIRs received.
    pub fir_received: u32,
    /// Packets sent on the media SSRC (the SR packet count).
    pub media_packets_sent: u64,
    /// Payload octets sent on the media SSRC (the SR octet count).
    pub media_octets_sent: u64,
}

/// The remote receiver's view of this stream (remote-inbound-rtp).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RemoteReceiverState {
    /// Local arrival time of the latest report block.
    pub arrived_at: Instant,
    /// The latest block as received.
    pub block: ReportBlock,
    /// Blocks received for this stream.
    pub reports_received: u64,
    /// RTT from the latest block that yielded one.
    pub round_trip_time: Option<Duration>,
    /// Sum of every RTT sample.
    pub total_round_trip_time: Duration,
    /// Number of RTT samples.
    pub round_trip_time_measurements: u64,
}

/// The sender-info part of an SR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderInfo {
    /// Wall-clock time of the report.
    pub ntp_time: NtpTime,
    /// The same instant on the RTP timestamp clock.
    pub rtp_timestamp: u32,
    /// Packets sent on the media SSRC (mod 2^32).
    pub packet_count: u32,
    /// Payload octets sent on the media SSRC (mod 2^32).
    pub octet_count: u32,
}

/// Send-side accounting of one stream.
#[derive(Debug, Clone)]
pub struct SendStream {
    config: SendConfig,
    counters: SendCounters,
    /// First sequence number sent (for remote packetsReceived).
    first_seq: Option<u16>,
    /// (instant the media of `rtp_timestamp` was handed over, timestamp)
    /// of the latest media packet: anchors the NTP/RTP mapping.
    timestamp_anchor: Option<(Instant, u32)>,
    last_packet_sent_at: Option<Instant>,
    /// Compact NTP of our latest SRs (ring), to validate LSR echoes.
    sent_sr: [u32; SR_HISTORY],
    sent_sr_next: usize,
    remote: Option<RemoteReceiverState>,
}

impl SendStream {
    /// A stream that has sent nothing yet.
    pub fn new(config: SendConfig) -> Self {
        Self {
            config,
            counters: SendCounters::default(),
            first_seq: None,
            timestamp_anchor: None,
            last_packet_sent_at: None,
            sent_sr: [0; SR_HISTORY],
            sent_sr_next: 0,
            remote: None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &SendConfig {
        &self.config
    }

    /// Cumulative counters.
    pub fn counters(&self) -> &SendCounters {
        &self.counters
    }

    /// The remote receiver's view, once its first report block arrived.
    pub fn remote_receiver(&self) -> Option<&RemoteReceiverState> {
        self.remote.as_ref()
    }

    /// True once a packet was sent (outbound-rtp exists).
    pub fn has_sent(&self) -> bool {
        self.counters.packets_sent > 0
    }

    /// Time the latest packet left.
    pub fn last_packet_sent_at(&self) -> Option<Instant> {
        self.last_packet_sent_at
    }

    /// Accounts a packet of this stream (media or RTX SSRC) leaving at
    /// `now`, handed to the engine at `handed_at`. Packets of other SSRCs
    /// are ignored (returns false).
    pub fn on_rtp_sent(
        &mut self,
        now: Instant,
        handed_at: Instant,
        packet: &RtpPacket<'_>,
    ) -> bool {
        let ssrc = packet.ssrc();
        let header = (packet.header_len() + packet.padding_len()) as u64;
        let c = &mut self.counters;
        if ssrc == self.config.ssrc {
            let payload = packet.payload().len() as u64;
            c.bytes_sent += payload;
            c.header_bytes_sent += header;
            c.media_packets_sent += 1;
            c.media_octets_sent += payload;
            self.first_seq.get_or_insert(packet.sequence_number());
            self.timestamp_anchor = Some((handed_at, packet.timestamp()));
        } else if Some(ssrc) == self.config.rtx_ssrc {
            // RFC 4588: 2-byte OSN, then the original payload.
            let payload = packet.payload().len().saturating_sub(2) as u64;
            let osn = packet.payload().len().min(2) as u64;
            c.bytes_sent += payload;
            c.header_bytes_sent += header + osn;
            c.retransmitted_packets_sent += 1;
            c.retransmitted_bytes_sent += payload;
        } else {
            return false;
        }
        c.packets_sent += 1;
        c.total_packet_send_delay += now.saturating_duration_since(handed_at);
        self.last_packet_sent_at = Some(now);
        true
    }

    /// A generic NACK for this stream arrived.
    pub fn on_nack_received(&mut self) {
        self.counters.nack_received = self.counters.nack_received.saturating_add(1);
    }

    /// A PLI for this stream arrived.
    pub fn on_pli_received(&mut self) {
        self.counters.pli_received = self.counters.pli_received.saturating_add(1);
    }

    /// A FIR for this stream arrived.
    pub fn on_fir_received(&mut self) {
        self.counters.fir_received = self.counters.fir_received.saturating_add(1);
    }

    /// RTP timestamp corresponding to `now`: the latest packet's timestamp
    /// advanced by the time since its media was handed over (RFC 3550
    /// §6.4.1: "the same time as the NTP timestamp ... but in the units of
    /// the RTP timestamp"). Rounded to the nearest tick.
    pub fn rtp_timestamp_at(&self, now: Instant) -> Option<u32> {
        let (at, ts) = self.timestamp_anchor?;
        let ticks = if now >= at {
            (now - at).as_secs_f64() * f64::from(self.config.clock_rate)
        } else {
            -((at - now).as_secs_f64() * f64::from(self.config.clock_rate))
        };
        // Wrapping arithmetic on the RTP clock: i64 then mod 2^32.
        Some(ts.wrapping_add(ticks.round() as i64 as u32))
    }

    /// Sender info for an SR sent at `now`, recorded so that the LSR of the
    /// answering report blocks can be checked. `None` before the first
    /// media packet (no SR then: send an RR).
    pub fn sender_info(&mut self, now: Instant, clock: &NtpClock) -> Option<SenderInfo> {
        let rtp_timestamp = self.rtp_timestamp_at(now)?;
        let ntp_time = clock.ntp_at(now);
        self.sent_sr[self.sent_sr_next] = ntp_time.compact();
        self.sent_sr_next = (self.sent_sr_next + 1) % SR_HISTORY;
        Some(SenderInfo {
            ntp_time,
            rtp_timestamp,
            // The SR fields are defined modulo 2^32.
            packet_count: self.counters.media_packets_sent as u32,
            octet_count: self.counters.media_octets_sent as u32,
        })
    }

    /// Consumes a report block about this stream (from an RR or an SR) that
    /// arrived at `now`; `arrival_compact` is our compact NTP time now.
    /// RTT = arrival - LSR - DLSR, taken only when LSR names one of our
    /// recent SRs, DLSR != 0 (webrtc-stats) and the result is not negative.
    pub fn on_report_block(&mut self, now: Instant, arrival_compact: u32, block: &ReportBlock) {
        let known_sr = block.last_sr != 0 && self.sent_sr.contains(&block.last_sr);
        let rtt = if known_sr && block.delay_since_last_sr != 0 {
            round_trip_time(arrival_compact, block.last_sr, block.delay_since_last_sr)
        } else {
            None
        };
        let prev = self.remote.as_ref();
        let mut state = RemoteReceiverState {
            arrived_at: now,
            block: *block,
            reports_received: prev.map_or(0, |r| r.reports_received) + 1,
            round_trip_time: prev.and_then(|r| r.round_trip_time),
            total_round_trip_time: prev.map_or(Duration::ZERO, |r| r.total_round_trip_time),
            round_trip_time_measurements: prev.map_or(0, |r| r.round_trip_time_measurements),
        };
        if let Some(rtt) = rtt {
            state.round_trip_time = Some(rtt);
            state.total_round_trip_time += rtt;
            state.round_trip_time_measurements += 1;
        }
        self.remote = Some(state);
    }

    /// The remote's packetsReceived estimate: (extended highest sequence
    /// number - cumulative lost) - first sequence number sent + 1 (the
    /// inventory's formula, RFC 3550 A.3 mirrored), never below 0.
    pub fn remote_packets_received(&self) -> Option<u64> {
        let remote = self.remote.as_ref()?;
        let first = i64::from(self.first_seq?);
        let ext = i64::from(remote.block.extended_highest_seq);
        let received = ext - i64::from(remote.block.cumulative_lost) - first + 1;
        Some(received.max(0) as u64)
    }
}
