//! The W3C-shaped vocabulary of [`super::RTCPeerConnection`]: configuration,
//! states, descriptions, candidates, handles, events and errors.

use std::net::SocketAddr;

use rtcscope_dtls::LocalCertificate;
use rtcscope_ice::IceTransportState;
use rtcscope_sctp::DataChannelMessage;
use rtcscope_sdp::{NegotiationError, SdpError, SdpType};
use rtcscope_stats::MediaKind;

use crate::config::ConfigError;
use crate::events::DataChannelApiError;

/// `RTCBundlePolicy`: only max-bundle is implemented (one transport for all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RTCBundlePolicy {
    #[default]
    MaxBundle,
}

/// `RTCIceServer` (STUN/TURN urls and credentials), kept for the ICE agent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RTCIceServer {
    pub urls: Vec<String>,
    pub username: Option<String>,
    pub credential: Option<String>,
}

/// `RTCConfiguration` plus what a sans-IO core must be told: the local
/// socket addresses (host candidates) and the seed of every random choice
/// (ICE credentials, SSRCs, sequence numbers), so tests are reproducible.
#[derive(Clone)]
pub struct RTCConfiguration {
    pub ice_servers: Vec<RTCIceServer>,
    pub bundle_policy: RTCBundlePolicy,
    /// The first one is used; none = a fresh ECDSA certificate.
    pub certificates: Vec<LocalCertificate>,
    pub local_addresses: Vec<SocketAddr>,
    pub seed: u64,
    /// Also report the obsolete `transceiver`, `sender` and `receiver` objects.
    pub obsolete_stats: bool,
}

impl RTCConfiguration {
    pub fn new(local_addresses: Vec<SocketAddr>, seed: u64) -> Self {
        Self {
            ice_servers: Vec::new(),
            bundle_policy: RTCBundlePolicy::MaxBundle,
            certificates: Vec::new(),
            local_addresses,
            seed,
            obsolete_stats: false,
        }
    }
}

impl std::fmt::Debug for RTCConfiguration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RTCConfiguration")
            .field("ice_servers", &self.ice_servers)
            .field("bundle_policy", &self.bundle_policy)
            .field("local_addresses", &self.local_addresses)
            .finish_non_exhaustive()
    }
}

/// `RTCSignalingState` (no provisional answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RTCSignalingState {
    Stable,
    HaveLocalOffer,
    HaveRemoteOffer,
    Closed,
}

/// `RTCPeerConnectionState`: ICE and DTLS combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RTCPeerConnectionState {
    New,
    Connecting,
    Connected,
    Disconnected,
    Failed,
    Closed,
}

/// `RTCSessionDescriptionInit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RTCSessionDescription {
    pub sdp_type: SdpType,
    pub sdp: String,
}

/// `RTCIceCandidateInit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RTCIceCandidateInit {
    /// `candidate:...`; empty = end of candidates.
    pub candidate: String,
    pub sdp_mid: Option<String>,
    pub sdp_m_line_index: Option<u16>,
    pub username_fragment: Option<String>,
}

/// A `MediaStreamTrack` as far as signalling and stats need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaStreamTrack {
    pub id: String,
    pub kind: MediaKind,
}

/// Handle of a transceiver (its index; never reused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TransceiverId(pub usize);

/// `RTCRtpSender` handle: the sender of one transceiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RtpSender(pub TransceiverId);

/// `RTCRtpReceiver` handle: the receiver of one transceiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RtpReceiver(pub TransceiverId);

/// `RTCDataChannel` handle (index; never reused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DataChannelId(pub usize);

/// The `selector` argument of getStats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatsSelector {
    Sender(RtpSender),
    Receiver(RtpReceiver),
    /// A track id: resolves to its single sender or receiver.
    Track(String),
}

/// What the application hears about (the W3C event handlers).
#[derive(Debug, Clone, PartialEq)]
pub enum PeerConnectionEvent {
    /// `ontrack`: a receiver whose remote side sends.
    Track {
        receiver: RtpReceiver,
        track: MediaStreamTrack,
        mid: String,
    },
    /// `ondatachannel`: the peer opened a channel.
    DataChannel {
        channel: DataChannelId,
        label: String,
    },
    /// A channel (ours or the peer's) reached "open".
    DataChannelOpen {
        channel: DataChannelId,
    },
    DataChannelMessage {
        channel: DataChannelId,
        message: DataChannelMessage,
    },
    /// A channel reached "closed" (closed by either side, or SCTP lost).
    DataChannelClose {
        channel: DataChannelId,
    },
    /// `onicecandidate`; `None` is end-of-candidates.
    IceCandidate(Option<RTCIceCandidateInit>),
    IceConnectionStateChange(IceTransportState),
    ConnectionStateChange(RTCPeerConnectionState),
    SignalingStateChange(RTCSignalingState),
}

/// Why an API call was refused. Nothing changed when one is returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerConnectionError {
    /// `InvalidStateError`: the call is not allowed in this state.
    InvalidState(&'static str),
    /// The SDP text is malformed or hostile.
    InvalidSdp(SdpError),
    /// The descriptions do not form a usable offer/answer pair.
    Negotiation(NegotiationError),
    /// The transport refused the negotiated parameters.
    Transport(ConfigError),
    /// `addIceCandidate` with an unparsable or unknown-mid candidate.
    InvalidCandidate(String),
    /// `InvalidAccessError` (e.g. a track with no or several senders/receivers).
    InvalidAccess(&'static str),
    /// An unknown handle.
    UnknownHandle,
    DataChannel(DataChannelApiError),
    Certificate(String),
    Closed,
}

impl std::fmt::Display for PeerConnectionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InvalidState(what) => write!(f, "invalid state: {what}"),
            Self::InvalidSdp(e) => write!(f, "invalid SDP: {e}"),
            Self::Negotiation(e) => write!(f, "negotiation failed: {e}"),
            Self::Transport(e) => write!(f, "transport refused the description: {e}"),
            Self::InvalidCandidate(e) => write!(f, "invalid ICE candidate: {e}"),
            Self::InvalidAccess(what) => write!(f, "invalid access: {what}"),
            Self::UnknownHandle => write!(f, "unknown sender, receiver, transceiver or channel"),
            Self::DataChannel(e) => write!(f, "data channel: {e}"),
            Self::Certificate(e) => write!(f, "certificate: {e}"),
            Self::Closed => write!(f, "the peer connection is closed"),
        }
    }
}

impl std::error::Error for PeerConnectionError {}
