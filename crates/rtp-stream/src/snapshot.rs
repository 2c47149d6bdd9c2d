//! webrtc-stats objects from the stream state. Members that do not apply
//! are absent (`None`), never zero-filled: no rtxSsrc/retransmitted* without
//! RTX, no fec* without an FEC stream, no remote object before its first
//! RTCP, no roundTripTime before the first valid measurement.

use std::time::Instant;

use rtcscope_stats::{
    EpochClock, InboundRtpAudio, InboundRtpMedia, InboundRtpVideo, MediaKind, OutboundRtpAudio,
    OutboundRtpMedia, OutboundRtpVideo, RTCInboundRtpStreamStats, RTCOutboundRtpStreamStats,
    RTCRemoteInboundRtpStreamStats, RTCRemoteOutboundRtpStreamStats,
};

use crate::receiver::ReceiveStream;
use crate::sender::SendStream;

/// The ids an RTP stats object needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamIds<'a> {
    /// This object's id.
    pub id: &'a str,
    /// `transportId`.
    pub transport_id: &'a str,
    /// `codecId`.
    pub codec_id: &'a str,
    /// The paired object's id (`remoteId` of a local object, `localId` of
    /// a remote one). A local object only names it while it exists.
    pub pair_id: &'a str,
}

fn ms(clock: &EpochClock, t: Instant) -> f64 {
    clock.unix_ms(t)
}

/// `inbound-rtp` sampled at `now`; `None` before the first packet.
pub fn inbound_rtp(
    stream: &ReceiveStream,
    ids: &StreamIds<'_>,
    track_identifier: &str,
    mid: Option<&str>,
    clock: &EpochClock,
    now: Instant,
) -> Option<RTCInboundRtpStreamStats> {
    if !stream.has_received() {
        return None;
    }
    let config = stream.config();
    let c = stream.counters();
    let rtx = config.rtx_ssrc.is_some();
    let fec = config.fec_ssrc.is_some();
    let media = match config.kind {
        MediaKind::Audio => InboundRtpMedia::Audio(InboundRtpAudio::default()),
        MediaKind::Video => InboundRtpMedia::Video(InboundRtpVideo {
            fir_count: Some(c.fir_sent),
            pli_count: Some(c.pli_sent),
            ..Default::default()
        }),
    };
    Some(RTCInboundRtpStreamStats {
        id: ids.id.to_string(),
        timestamp: ms(clock, now),
        ssrc: config.ssrc,
        transport_id: Some(ids.transport_id.to_string()),
        codec_id: Some(ids.codec_id.to_string()),
        packets_received: Some(c.packets_received),
        packets_lost: Some(stream.packets_lost()),
        jitter: Some(stream.jitter_seconds()),
        track_identifier: track_identifier.to_string(),
        mid: mid.map(str::to_string),
        remote_id: stream.remote_sender().map(|_| ids.pair_id.to_string()),
        last_packet_received_timestamp: stream.last_packet_received_at().map(|t| ms(clock, t)),
        header_bytes_received: Some(c.header_bytes_received),
        packets_discarded: Some(c.packets_discarded),
        fec_bytes_received: fec.then_some(c.fec_bytes_received),
        fec_packets_received: fec.then_some(c.fec_packets_received),
        fec_packets_discarded: fec.then_some(c.fec_packets_discarded),
        fec_ssrc: config.fec_ssrc,
        bytes_received: Some(c.bytes_received),
        nack_count: Some(c.nack_sent),
        retransmitted_packets_received: rtx.then_some(c.retransmitted_packets_received),
        retransmitted_bytes_received: rtx.then_some(c.retransmitted_bytes_received),
        rtx_ssrc: config.rtx_ssrc,
        media,
        ..Default::default()
    })
}

/// `outbound-rtp` sampled at `now`; `None` before the first packet.
pub fn outbound_rtp(
    stream: &SendStream,
    ids: &StreamIds<'_>,
    mid: Option<&str>,
    clock: &EpochClock,
    now: Instant,
) -> Option<RTCOutboundRtpStreamStats> {
    if !stream.has_sent() {
        return None;
    }
    let config = stream.config();
    let c = stream.counters();
    let rtx = config.rtx_ssrc.is_some();
    let media = match config.kind {
        MediaKind::Audio => OutboundRtpMedia::Audio(OutboundRtpAudio::default()),
        MediaKind::Video => OutboundRtpMedia::Video(OutboundRtpVideo {
            fir_count: Some(c.fir_received),
            pli_count: Some(c.pli_received),
            ..Default::default()
        }),
    };
    Some(RTCOutboundRtpStreamStats {
        id: ids.id.to_string(),
        timestamp: ms(clock, now),
        ssrc: config.ssrc,
        transport_id: Some(ids.transport_id.to_string()),
        codec_id: Some(ids.codec_id.to_string()),
        packets_sent: Some(c.packets_sent),
        bytes_sent: Some(c.bytes_sent),
        header_bytes_sent: Some(c.header_bytes_sent),
        mid: mid.map(str::to_string),
        nack_count: Some(c.nack_received),
        remote_id: stream.remote_receiver().map(|_| ids.pair_id.to_string()),
        retransmitted_packets_sent: rtx.then_some(c.retransmitted_packets_sent),
        retransmitted_bytes_sent: rtx.then_some(c.retransmitted_bytes_sent),
        rtx_ssrc: config.rtx_ssrc,
        total_packet_send_delay: Some(c.total_packet_send_delay.as_secs_f64()),
        media,
        ..Default::default()
    })
}

/// `remote-inbound-rtp` (the remote receiver's view of our stream, from
/// its report blocks); `None` before the first block. `timestamp` is the
/// local arrival time of the latest block.
pub fn remote_inbound_rtp(
    stream: &SendStream,
    ids: &StreamIds<'_>,
    clock: &EpochClock,
) -> Option<RTCRemoteInboundRtpStreamStats> {
    let remote = stream.remote_receiver()?;
    let config = stream.config();
    let block = &remote.block;
    let clock_rate = f64::from(config.clock_rate.max(1));
    Some(RTCRemoteInboundRtpStreamStats {
        id: ids.id.to_string(),
        timestamp: ms(clock, remote.arrived_at),
        ssrc: config.ssrc,
        kind: config.kind,
        transport_id: Some(ids.transport_id.to_string()),
        codec_id: Some(ids.codec_id.to_string()),
        packets_received: stream.remote_packets_received(),
        packets_lost: Some(i64::from(block.cumulative_lost)),
        jitter: Some(f64::from(block.jitter) / clock_rate),
        fraction_lost: Some(f64::from(block.fraction_lost) / 256.0),
        local_id: Some(ids.pair_id.to_string()),
        round_trip_time: remote.round_trip_time.map(|d| d.as_secs_f64()),
        total_round_trip_time: Some(remote.total_round_trip_time.as_secs_f64()),
        round_trip_time_measurements: Some(remote.round_trip_time_measurements),
        ..Default::default()
    })
}

/// `remote-outbound-rtp` (the remote sender's view, from its SRs); `None`
/// before the first SR. `timestamp` is the local arrival time of the
/// latest SR, `remoteTimestamp` the sender's NTP time in it.
pub fn remote_outbound_rtp(
    stream: &ReceiveStream,
    ids: &StreamIds<'_>,
    clock: &EpochClock,
) -> Option<RTCRemoteOutboundRtpStreamStats> {
    let remote = stream.remote_sender()?;
    let config = stream.config();
    Some(RTCRemoteOutboundRtpStreamStats {
        id: ids.id.to_string(),
        timestamp: ms(clock, remote.arrived_at),
        ssrc: config.ssrc,
        kind: config.kind,
        transport_id: Some(ids.transport_id.to_string()),
        codec_id: Some(ids.codec_id.to_string()),
        packets_sent: Some(u64::from(remote.packets_sent)),
        bytes_sent: Some(u64::from(remote.bytes_sent)),
        local_id: Some(ids.pair_id.to_string()),
        remote_timestamp: remote.ntp_time.to_unix().map(|d| d.as_secs_f64() * 1000.0),
        reports_sent: Some(remote.reports_sent),
        round_trip_time: remote.round_trip_time.map(|d| d.as_secs_f64()),
        total_round_trip_time: Some(remote.total_round_trip_time.as_secs_f64()),
        round_trip_time_measurements: Some(remote.round_trip_time_measurements),
        ..Default::default()
    })
}
