//! SDP for rtcscope: webrtc-sdp parses, [`SessionDescription`] is our typed
//! model, [`SessionDescription::to_sdp`] writes it the way Chrome does, and
//! JSEP offer/answer (RFC 8829) are pure functions: [`create_offer`],
//! [`create_answer`] and [`negotiated_transport`].
//!
//! ```
//! use rtcscope_sdp::*;
//!
//! let ice = |u: &str| IceCredentials { ufrag: u.into(), pwd: "0123456789abcdefghijklmn".into() };
//! let fingerprint = Fingerprint { algorithm: HashAlgorithm::Sha256, bytes: vec![0xAB; 32] };
//! let offer = create_offer(&LocalConfig {
//!     session_id: 1,
//!     session_version: 1,
//!     ice: ice("offr"),
//!     fingerprint: fingerprint.clone(),
//!     sections: vec![OfferedSection {
//!         kind: MediaKind::Video,
//!         mid: "0".into(),
//!         direction: Direction::SendOnly,
//!         track: None,
//!     }],
//!     media: MediaCapabilities::default(),
//! });
//! let remote = RemoteOffer::parse(&offer.to_sdp())?;
//! let answer = create_answer(&remote, &LocalCapabilities {
//!     session_id: 2,
//!     session_version: 1,
//!     ice: ice("answ"),
//!     fingerprint,
//!     media: MediaCapabilities::default(),
//!     accept_audio: true,
//!     accept_video: true,
//!     accept_data_channel: true,
//!     audio_tracks: vec![],
//!     video_tracks: vec![],
//! })?;
//! assert_eq!(answer.media[0].direction, Direction::RecvOnly);
//! let transport = negotiated_transport(&answer, remote.description())?;
//! assert_eq!(transport.dtls_role, DtlsRole::Client);
//! assert_eq!(transport.media[0].rtx, [(109, 108)]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod answer;
mod candidate;
mod error;
mod h264;
pub mod limits;
mod local;
mod model;
mod offer;
mod parse;
mod transport;
mod write;

pub use answer::{RemoteOffer, create_answer};
pub use candidate::{Candidate, CandidateAddress, CandidateTransport, CandidateType, TcpType};
pub use error::{NegotiationError, SdpError};
pub use h264::{H264Profile, ProfileLevelId};
pub use local::{LocalCapabilities, LocalConfig, LocalTrack, MediaCapabilities, OfferedSection};
pub use model::{
    Codec, Direction, Extmap, Fingerprint, FmtpParameter, HashAlgorithm, IceCredentials, MediaKind,
    MediaSection, Msid, MsidSemantic, Protocol, RtcpFeedback, SctpParameters, SdpType,
    SessionDescription, Setup, SsrcDescription,
};
pub use offer::create_offer;
pub use transport::{
    DtlsRole, NegotiatedMedia, NegotiatedSctp, NegotiatedTransport, RemoteSsrc,
    negotiated_transport,
};

/// RTP header extension URIs Chrome offers and we negotiate.
pub mod extensions {
    pub const SDES_MID: &str = "urn:ietf:params:rtp-hdrext:sdes:mid";
    pub const ABS_SEND_TIME: &str = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
    pub const TRANSPORT_WIDE_CC: &str =
        "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
    pub const SSRC_AUDIO_LEVEL: &str = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
}

impl SessionDescription {
    /// Parses and validates `text` as a description of type `sdp_type`
    /// (a rollback carries no text and yields the empty description).
    pub fn parse(sdp_type: SdpType, text: &str) -> Result<SessionDescription, SdpError> {
        parse::parse(sdp_type, text)
    }

    /// Adds a trickled remote candidate to section `mid` (RTCPeerConnection
    /// addIceCandidate), within [`limits::MAX_CANDIDATES_PER_SECTION`].
    /// Returns false when the same candidate is already there.
    pub fn add_candidate(&mut self, mid: &str, candidate: Candidate) -> Result<bool, SdpError> {
        let section = self
            .media
            .iter_mut()
            .find(|s| s.mid == mid)
            .ok_or_else(|| SdpError::InvalidValue {
                what: "candidate mid",
                mid: mid.to_string(),
            })?;
        if section.candidates.contains(&candidate) {
            return Ok(false);
        }
        if section.candidates.len() >= limits::MAX_CANDIDATES_PER_SECTION {
            return Err(SdpError::TooMany {
                what: "candidates",
                limit: limits::MAX_CANDIDATES_PER_SECTION,
            });
        }
        section.candidates.push(candidate);
        Ok(true)
    }

    /// The SDP text, CRLF line endings, in libwebrtc's attribute order.
    pub fn to_sdp(&self) -> String {
        write::write(self)
    }
}
