//! rtcscope-peer: the bundled transport of one peer connection (max-bundle,
//! rtcp-mux: one 5-tuple carries STUN, DTLS, SRTP/SRTCP and SCTP-over-DTLS),
//! sans-IO like its layers.
//!
//! [`BundleTransport`] joins `rtcscope-ice`, `rtcscope-dtls`, `rtcscope-srtp`,
//! `rtcscope-sctp` and `rtcscope-rtp-stream`: datagrams are demultiplexed by
//! their first byte (RFC 7983, [`demux`]), DTLS keys SRTP and carries SCTP, RTP
//! is accounted per SSRC and RTCP runs on the rtp-stream interval. `stats`
//! assembles one `RTCStatsReport` of every layer sampled together.
//!
//! [`RTCPeerConnection`] (`connection`) is the W3C API over it: JSEP
//! offer/answer with rtcscope-sdp mapped onto the transport, trickle ICE,
//! events, and getStats with the webrtc-pc selection algorithm. With the
//! `tokio-driver` feature, `pc_driver` runs it on a UDP socket behind an
//! async handle and `demo` is what `rtcscope demo` runs.

mod cc;
pub mod config;
pub mod connection;
mod datachannel;
#[cfg(feature = "tokio-driver")]
pub mod demo;
pub mod demux;
#[cfg(feature = "tokio-driver")]
pub mod driver;
mod events;
mod feedback;
mod late_config;
mod media;
#[cfg(feature = "tokio-driver")]
mod media_worker;
#[cfg(feature = "tokio-driver")]
pub mod pc_driver;
pub mod pipeline;
mod queues;
mod send;
pub mod stats;
pub mod synthetic;
mod transport;

pub use config::{
    BundleConfig, CodecConfig, ConfigError, LocalStreamConfig, RemoteIceCredentials,
    RemoteStreamConfig, RtcpConfig,
};
pub use connection::{
    DataChannelId, MediaStreamTrack, OffloadedPacket, PeerConnectionError, PeerConnectionEvent,
    RTCBundlePolicy, RTCConfiguration, RTCIceCandidateInit, RTCIceServer, RTCPeerConnection,
    RTCPeerConnectionState, RTCSessionDescription, RTCSignalingState, RtpReceiver, RtpSender,
    StatsSelector, TransceiverId,
};
pub use events::{BundleCounters, BundleEvent, DataChannelApiError, ReceivedRtp, Transmit};
pub use feedback::{Feedback, MAX_NACK_ITEMS, ReceivedFeedback};
pub use media::{MediaCounters, MediaSendError};
pub use rtcscope_bwe::BweConfig;
pub use transport::BundleTransport;
