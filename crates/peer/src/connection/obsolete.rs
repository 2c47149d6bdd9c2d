//! The obsolete `transceiver`, `sender` and `receiver` stats objects, opt-in
//! (`RTCConfiguration::obsolete_stats`) for tools that still read them. They
//! come straight from the API objects, so they cost nothing per packet.
//! Ids are the transceiver's index, which is never reused.

use rtcscope_stats::{
    MediaKind, RTCReceiverStats, RTCRtpTransceiverStats, RTCSenderStats, RTCStatsReport,
    ReceiverMedia, SenderMedia,
};

use super::RTCPeerConnection;

impl RTCPeerConnection {
    pub(crate) fn add_obsolete_stats(&self, report: &mut RTCStatsReport, timestamp: f64) {
        for (index, t) in self.transceivers.iter().enumerate() {
            if t.stopped || t.mid.is_none() {
                continue;
            }
            let sender_id = format!("RTCRtpSender_{index}");
            let receiver_id = format!("RTCRtpReceiver_{index}");
            report.insert(RTCRtpTransceiverStats {
                id: format!("RTCRtpTransceiver_{index}"),
                timestamp,
                mid: t.mid.clone(),
                sender_id: sender_id.clone(),
                receiver_id: receiver_id.clone(),
                ..Default::default()
            });
            report.insert(RTCSenderStats {
                id: sender_id,
                timestamp,
                ended: Some(false),
                remote_source: Some(false),
                track_identifier: t.sender_track.as_ref().map(|s| s.id.clone()),
                media: match t.kind {
                    MediaKind::Audio => SenderMedia::Audio(Default::default()),
                    MediaKind::Video => SenderMedia::Video(Default::default()),
                },
                ..Default::default()
            });
            report.insert(RTCReceiverStats {
                id: receiver_id,
                timestamp,
                ended: Some(false),
                remote_source: Some(true),
                track_identifier: Some(t.receiver_track.id.clone()),
                media: match t.kind {
                    MediaKind::Audio => ReceiverMedia::Audio(Default::default()),
                    MediaKind::Video => ReceiverMedia::Video(Default::default()),
                },
                ..Default::default()
            });
        }
    }
}
