//! One `RTCStatsReport` for the whole bundle, every object sampled at the
//! same `now`, with Chrome-style ids.

use std::collections::BTreeSet;
use std::time::Instant;

use rtcscope_dtls::certificate_stats;
use rtcscope_ice::ReportOptions;
use rtcscope_rtp_stream::SendStream;
use rtcscope_rtp_stream::snapshot::{
    StreamIds, inbound_rtp, outbound_rtp, remote_inbound_rtp, remote_outbound_rtp,
};
use rtcscope_sctp::PeerConnectionCounts;
use rtcscope_stats::{
    EpochClock, MediaKind, OutboundRtpAudio, OutboundRtpMedia, OutboundRtpVideo, RTCCodecStats,
    RTCDtlsTransportState, RTCOutboundRtpStreamStats, RTCStatsReport, RTCTransportStats,
};

use crate::transport::BundleTransport;

/// The one transport of a max-bundle connection (Chrome's id).
pub const TRANSPORT_ID: &str = "T01";
/// The peer-connection object.
pub const PEER_CONNECTION_ID: &str = "P";

fn kind_letter(kind: MediaKind) -> char {
    match kind {
        MediaKind::Audio => 'A',
        MediaKind::Video => 'V',
    }
}

/// `IT01V<ssrc>` / `IT01A<ssrc>`.
pub fn inbound_rtp_id(kind: MediaKind, ssrc: u32) -> String {
    format!("I{TRANSPORT_ID}{}{ssrc}", kind_letter(kind))
}

/// `OT01V<ssrc>` / `OT01A<ssrc>`.
pub fn outbound_rtp_id(kind: MediaKind, ssrc: u32) -> String {
    format!("O{TRANSPORT_ID}{}{ssrc}", kind_letter(kind))
}

/// `RIV<ssrc>` / `RIA<ssrc>`.
pub fn remote_inbound_rtp_id(kind: MediaKind, ssrc: u32) -> String {
    format!("RI{}{ssrc}", kind_letter(kind))
}

/// `ROV<ssrc>` / `ROA<ssrc>`.
pub fn remote_outbound_rtp_id(kind: MediaKind, ssrc: u32) -> String {
    format!("RO{}{ssrc}", kind_letter(kind))
}

/// An RTP stats id for an SSRC that belonged to `generation` removed
/// m-sections before: `<id>_<generation>`, so a deleted id never returns.
fn generational(id: String, generation: u32) -> String {
    if generation == 0 {
        id
    } else {
        format!("{id}_{generation}")
    }
}

/// `outbound-rtp` of a configured sender that has not sent yet: the same
/// object `rtp-stream` gives after the first packet, with its counters at 0.
fn configured_outbound_rtp(
    send: &SendStream,
    ids: &StreamIds<'_>,
    mid: Option<&str>,
    timestamp: f64,
) -> RTCOutboundRtpStreamStats {
    let cfg = send.config();
    let c = send.counters();
    let rtx = cfg.rtx_ssrc.is_some();
    let media = match cfg.kind {
        MediaKind::Audio => OutboundRtpMedia::Audio(OutboundRtpAudio::default()),
        MediaKind::Video => OutboundRtpMedia::Video(OutboundRtpVideo {
            fir_count: Some(c.fir_received),
            pli_count: Some(c.pli_received),
            ..Default::default()
        }),
    };
    RTCOutboundRtpStreamStats {
        id: ids.id.to_string(),
        timestamp,
        ssrc: cfg.ssrc,
        transport_id: Some(ids.transport_id.to_string()),
        codec_id: Some(ids.codec_id.to_string()),
        packets_sent: Some(c.packets_sent),
        bytes_sent: Some(c.bytes_sent),
        header_bytes_sent: Some(c.header_bytes_sent),
        mid: mid.map(str::to_string),
        nack_count: Some(c.nack_received),
        retransmitted_packets_sent: rtx.then_some(c.retransmitted_packets_sent),
        retransmitted_bytes_sent: rtx.then_some(c.retransmitted_bytes_sent),
        rtx_ssrc: cfg.rtx_ssrc,
        total_packet_send_delay: Some(c.total_packet_send_delay.as_secs_f64()),
        media,
        ..Default::default()
    }
}

/// `CIT01_<pt>` (receive direction) / `COT01_<pt>` (send direction), with
/// `_<fmtp>` appended when the codec has an fmtp line, as Chrome does
/// (`COT01_111_minptime=10;useinbandfec=1`).
pub fn codec_id(inbound: bool, payload_type: u8, sdp_fmtp_line: Option<&str>) -> String {
    let dir = if inbound { 'I' } else { 'O' };
    match sdp_fmtp_line {
        Some(fmtp) => format!("C{dir}{TRANSPORT_ID}_{payload_type}_{fmtp}"),
        None => format!("C{dir}{TRANSPORT_ID}_{payload_type}"),
    }
}

impl BundleTransport {
    fn codec_stats_id(&self, inbound: bool, payload_type: u8) -> String {
        let fmtp = self
            .media
            .codec(payload_type)
            .and_then(|c| c.sdp_fmtp_line.as_deref());
        codec_id(inbound, payload_type, fmtp)
    }

    /// getStats() of the bundle: transport, candidate pairs and candidates,
    /// certificates, peer-connection and data channels, codecs in use, and the
    /// four RTP stream types, all sampled at `now`.
    pub fn stats(&self, now: Instant, clock: &EpochClock) -> RTCStatsReport {
        let timestamp = clock.unix_ms(now);
        let mut report = RTCStatsReport::new();

        let ice = self.ice.stats();
        ice.write_report(clock, now, &ReportOptions::default(), &mut report);

        let mut transport = RTCTransportStats {
            id: TRANSPORT_ID.to_string(),
            timestamp,
            dtls_state: RTCDtlsTransportState::New,
            ..Default::default()
        };
        ice.fill_transport(&mut transport);
        match &self.dtls {
            Some(dtls) => {
                dtls.fill_transport_stats(&mut transport);
                for cert in dtls.certificate_stats(timestamp) {
                    report.insert(cert);
                }
            }
            None => {
                transport.dtls_role = Some(rtcscope_dtls::stats_dtls_role(Some(self.dtls_role)));
                transport.local_certificate_id =
                    Some(self.certificate.fingerprint().certificate_stats_id());
                report.insert(certificate_stats(self.certificate.der(), timestamp));
            }
        }
        report.insert(transport);

        let counts = self
            .sctp
            .as_ref()
            .map_or(PeerConnectionCounts::default(), |s| {
                s.peer_connection_counts()
            });
        report.insert(counts.to_stats(PEER_CONNECTION_ID, timestamp));
        if let Some(sctp) = &self.sctp {
            for channel in sctp.data_channel_stats(timestamp) {
                report.insert(channel);
            }
        }

        let mut codecs: BTreeSet<(bool, u8)> = BTreeSet::new();
        for section in &self.media.sections {
            let mid = Some(section.mid.as_str());
            if let Some(send) = section.session.send_stream() {
                let cfg = send.config();
                let Some(local) = self.media.local.iter().find(|l| l.ssrc == cfg.ssrc) else {
                    continue;
                };
                let id = generational(outbound_rtp_id(cfg.kind, cfg.ssrc), local.generation);
                let remote_id =
                    generational(remote_inbound_rtp_id(cfg.kind, cfg.ssrc), local.generation);
                let codec = self.codec_stats_id(false, local.payload_type);
                let ids = StreamIds {
                    id: &id,
                    transport_id: TRANSPORT_ID,
                    codec_id: &codec,
                    pair_id: &remote_id,
                };
                // outbound-rtp exists once the sender is configured (negotiated),
                // before its first packet.
                let out = outbound_rtp(send, &ids, mid, clock, now)
                    .unwrap_or_else(|| configured_outbound_rtp(send, &ids, mid, timestamp));
                report.insert(out);
                codecs.insert((false, local.payload_type));
                let remote_ids = StreamIds {
                    id: &remote_id,
                    pair_id: &id,
                    ..ids
                };
                if let Some(ri) = remote_inbound_rtp(send, &remote_ids, clock) {
                    report.insert(ri);
                }
            }
            for (stream, meta) in section
                .session
                .receive_streams()
                .iter()
                .zip(section.remote.iter())
            {
                let cfg = stream.config();
                let id = generational(inbound_rtp_id(cfg.kind, cfg.ssrc), meta.generation);
                let remote_id =
                    generational(remote_outbound_rtp_id(cfg.kind, cfg.ssrc), meta.generation);
                let codec = self.codec_stats_id(true, meta.payload_type);
                let ids = StreamIds {
                    id: &id,
                    transport_id: TRANSPORT_ID,
                    codec_id: &codec,
                    pair_id: &remote_id,
                };
                if let Some(inbound) =
                    inbound_rtp(stream, &ids, &meta.track_identifier, mid, clock, now)
                {
                    report.insert(inbound);
                    codecs.insert((true, meta.payload_type));
                    let remote_ids = StreamIds {
                        id: &remote_id,
                        pair_id: &id,
                        ..ids
                    };
                    if let Some(ro) = remote_outbound_rtp(stream, &remote_ids, clock) {
                        report.insert(ro);
                    }
                }
            }
        }
        for (inbound, pt) in codecs {
            if let Some(c) = self.media.codec(pt) {
                report.insert(RTCCodecStats {
                    id: codec_id(inbound, pt, c.sdp_fmtp_line.as_deref()),
                    timestamp,
                    channels: c.channels,
                    clock_rate: Some(c.clock_rate),
                    mime_type: c.mime_type.clone(),
                    payload_type: u32::from(pt),
                    sdp_fmtp_line: c.sdp_fmtp_line.clone(),
                    transport_id: TRANSPORT_ID.to_string(),
                    ..Default::default()
                });
            }
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_chrome_shapes() {
        assert_eq!(inbound_rtp_id(MediaKind::Video, 1234), "IT01V1234");
        assert_eq!(outbound_rtp_id(MediaKind::Audio, 42), "OT01A42");
        assert_eq!(remote_inbound_rtp_id(MediaKind::Video, 7), "RIV7");
        assert_eq!(remote_outbound_rtp_id(MediaKind::Audio, 9), "ROA9");
        assert_eq!(codec_id(true, 0, None), "CIT01_0");
        assert_eq!(
            codec_id(false, 111, Some("minptime=10;useinbandfec=1")),
            "COT01_111_minptime=10;useinbandfec=1"
        );
    }
}
