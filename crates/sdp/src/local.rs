//! What the local side brings to an offer or an answer.

use crate::extensions;
use crate::model::{Direction, Extmap, Fingerprint, IceCredentials, MediaKind, RtcpFeedback};

/// A track we send in one section: its msid and SSRCs (RTX SSRC for video).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalTrack {
    pub stream_id: String,
    pub track_id: String,
    pub cname: String,
    pub ssrc: u32,
    pub rtx_ssrc: Option<u32>,
}

/// The codecs, feedback, extensions and SCTP parameters we support.
/// `Default` is the set Chrome accepts and the transport implements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaCapabilities {
    /// Payload types used in our offers (answers keep the offerer's).
    pub opus_payload_type: u8,
    pub h264_payload_type: u8,
    pub h264_rtx_payload_type: u8,
    /// Highest H.264 level we decode (0x1f = 3.1).
    pub h264_level_idc: u8,
    pub audio_feedback: Vec<RtcpFeedback>,
    pub video_feedback: Vec<RtcpFeedback>,
    /// Ids are used in our offers; answers keep the offerer's ids.
    pub audio_extensions: Vec<Extmap>,
    pub video_extensions: Vec<Extmap>,
    pub sctp_port: u16,
    pub max_message_size: u64,
}

fn extmap(id: u16, uri: &str) -> Extmap {
    Extmap {
        id,
        uri: uri.to_string(),
        direction: None,
    }
}

impl Default for MediaCapabilities {
    fn default() -> Self {
        let fb = RtcpFeedback::new;
        MediaCapabilities {
            // Chrome 156 numbers (see the h264 getStats fixture): opus 111, H.264
            // 42e01f packetization-mode=1 108; its RTX 109.
            opus_payload_type: 111,
            h264_payload_type: 108,
            h264_rtx_payload_type: 109,
            h264_level_idc: 0x1f,
            // rrtr (RFC 3611 XR) lets the remote sender measure RTT without
            // sending reports of its own (remote-outbound-rtp roundTripTime).
            audio_feedback: vec![fb("transport-cc", None), fb("rrtr", None)],
            video_feedback: vec![
                fb("goog-remb", None),
                fb("transport-cc", None),
                fb("ccm", Some("fir")),
                fb("nack", None),
                fb("nack", Some("pli")),
                fb("rrtr", None),
            ],
            audio_extensions: vec![
                extmap(1, extensions::SSRC_AUDIO_LEVEL),
                extmap(2, extensions::ABS_SEND_TIME),
                extmap(3, extensions::TRANSPORT_WIDE_CC),
                extmap(4, extensions::SDES_MID),
            ],
            video_extensions: vec![
                extmap(2, extensions::ABS_SEND_TIME),
                extmap(3, extensions::TRANSPORT_WIDE_CC),
                extmap(4, extensions::SDES_MID),
            ],
            sctp_port: 5000,
            // Chrome's value (256 KiB).
            max_message_size: 262_144,
        }
    }
}

/// One section of an offer we create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferedSection {
    /// Audio, Video or Application (data channel).
    pub kind: MediaKind,
    pub mid: String,
    /// Ignored for Application.
    pub direction: Direction,
    /// Written as msid/ssrc when `direction` sends.
    pub track: Option<LocalTrack>,
}

/// Input of [`crate::create_offer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalConfig {
    pub session_id: u64,
    pub session_version: u64,
    pub ice: IceCredentials,
    pub fingerprint: Fingerprint,
    pub sections: Vec<OfferedSection>,
    pub media: MediaCapabilities,
}

/// Input of [`crate::create_answer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalCapabilities {
    pub session_id: u64,
    pub session_version: u64,
    pub ice: IceCredentials,
    pub fingerprint: Fingerprint,
    pub media: MediaCapabilities,
    pub accept_audio: bool,
    pub accept_video: bool,
    pub accept_data_channel: bool,
    /// Tracks to send, given in order to the offered sections of their kind
    /// that let us send.
    pub audio_tracks: Vec<LocalTrack>,
    pub video_tracks: Vec<LocalTrack>,
}
