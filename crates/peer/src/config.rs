//! Programmatic configuration of a [`crate::BundleTransport`]: what the peer
//! connection will later map negotiated SDP onto.

use std::time::Duration;

use rtcscope_dtls::{DtlsRole, DtlsTransportConfig, LocalCertificate, Sha256Fingerprint};
use rtcscope_ice::{IceConfig, RemoteCandidate};
use rtcscope_sctp::SctpConfig;
use rtcscope_stats::MediaKind;

/// The peer's ICE ufrag and password (`a=ice-ufrag`, `a=ice-pwd`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteIceCredentials {
    pub ufrag: String,
    pub pwd: String,
}

/// A negotiated codec (`a=rtpmap` + `a=fmtp`), the facts of a `codec` stats object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecConfig {
    pub payload_type: u8,
    /// "type/subtype", e.g. `video/H264`, `audio/opus`, `video/rtx`.
    pub mime_type: String,
    pub clock_rate: u32,
    /// Audio channels (absent for video).
    pub channels: Option<u32>,
    /// The text after the payload type in `a=fmtp`.
    pub sdp_fmtp_line: Option<String>,
}

impl CodecConfig {
    /// For an RFC 4588 `*/rtx` codec, the payload type it retransmits
    /// (`apt=` in its fmtp line).
    pub fn rtx_apt(&self) -> Option<u8> {
        let (_, subtype) = self.mime_type.split_once('/')?;
        if !subtype.eq_ignore_ascii_case("rtx") {
            return None;
        }
        self.sdp_fmtp_line
            .as_deref()?
            .split(';')
            .find_map(|p| p.trim().strip_prefix("apt="))
            .and_then(|v| v.trim().parse().ok())
    }
}

/// One stream we send (one transceiver's sender in Unified Plan).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalStreamConfig {
    pub ssrc: u32,
    /// RFC 4588 retransmission SSRC (`a=ssrc-group:FID`); its payload type is
    /// the `*/rtx` codec whose `apt` is `payload_type`.
    pub rtx_ssrc: Option<u32>,
    /// Payload type of the media; its [`CodecConfig`] must be configured.
    pub payload_type: u8,
    pub kind: MediaKind,
    pub mid: String,
}

/// One stream we expect from the peer (`a=ssrc` lines of its m-section).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteStreamConfig {
    pub ssrc: u32,
    /// RTX packets on it are handed out as the media packets they restore.
    pub rtx_ssrc: Option<u32>,
    /// Media payload types the peer may use on this stream; the first one is
    /// the codec reported before a packet arrives.
    pub payload_types: Vec<u8>,
    pub kind: MediaKind,
    pub mid: String,
    /// `trackIdentifier` of the inbound-rtp object (the receiver's track id).
    pub track_identifier: String,
}

/// RTCP parameters shared by every stream of the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtcpConfig {
    /// SDES CNAME.
    pub cname: String,
    /// XR RRTR/DLRR (`a=rtcp-fb:* rrtr`), needed for remote-outbound roundTripTime.
    pub rrtr: bool,
    /// Minimum RTCP interval (RFC 3550 §6.2; libwebrtc reports every ~1 s).
    pub min_interval: Duration,
    /// Session bandwidth in bit/s; RTCP gets 5 % of it.
    pub session_bandwidth_bps: u64,
    /// SSRC of the RTCP sent for an m-section we only receive on; the i-th
    /// receive-only m-section uses `receive_only_ssrc + i`.
    pub receive_only_ssrc: u32,
}

impl Default for RtcpConfig {
    fn default() -> Self {
        Self {
            cname: "rtcscope".to_string(),
            rrtr: true,
            min_interval: Duration::from_secs(1),
            session_bandwidth_bps: 2_000_000,
            receive_only_ssrc: 1,
        }
    }
}

/// Everything one bundled transport needs.
#[derive(Clone)]
pub struct BundleConfig {
    /// Local addresses, ICE role (`controlling`), seed and timers. The ICE
    /// agent draws its local ufrag/pwd from the seed: read them with
    /// [`crate::BundleTransport::local_ice_credentials`].
    pub ice: IceConfig,
    /// Known at construction for an answerer; otherwise set later.
    pub remote_ice: Option<RemoteIceCredentials>,
    /// Candidates known at construction; trickle more later.
    pub remote_candidates: Vec<RemoteCandidate>,
    pub certificate: LocalCertificate,
    /// The peer's `a=fingerprint`.
    pub remote_fingerprint: Option<Sha256Fingerprint>,
    /// From `a=setup` ([`DtlsRole::negotiate`]).
    pub dtls_role: DtlsRole,
    pub dtls: DtlsTransportConfig,
    /// Data channels when the SCTP m-section is negotiated (`a=sctp-port`,
    /// `a=max-message-size` live in it).
    pub sctp: Option<SctpConfig>,
    /// Every negotiated codec, both directions.
    pub codecs: Vec<CodecConfig>,
    pub local_streams: Vec<LocalStreamConfig>,
    pub remote_streams: Vec<RemoteStreamConfig>,
    /// SSRCs the peer sends without signalling them are accepted, up to this
    /// many (a payload type of a configured remote stream picks the m-section);
    /// beyond, packets are counted and dropped.
    pub max_unsignaled_ssrcs: usize,
    pub rtcp: RtcpConfig,
    /// Seed of the initial RTP sequence numbers and RTCP timer randomization.
    pub seed: u64,
}

impl BundleConfig {
    /// A configuration with defaults for everything SDP does not decide:
    /// DTLS 1.2 or 1.3 as the peer offers (as Chrome), no SCTP, no codecs
    /// or streams yet, up to 4 unsignaled SSRCs, RTCP every ~1 s with RRTR.
    pub fn new(
        ice: IceConfig,
        certificate: LocalCertificate,
        dtls_role: DtlsRole,
    ) -> Result<Self, rtcscope_dtls::dimpl::Error> {
        let seed = ice
            .seed
            .iter()
            .fold(0u64, |acc, b| acc.rotate_left(8) ^ u64::from(*b));
        Ok(Self {
            ice,
            remote_ice: None,
            remote_candidates: Vec::new(),
            certificate,
            remote_fingerprint: None,
            dtls_role,
            dtls: DtlsTransportConfig::new(rtcscope_dtls::DtlsVersion::Auto)?,
            sctp: None,
            codecs: Vec::new(),
            local_streams: Vec::new(),
            remote_streams: Vec::new(),
            max_unsignaled_ssrcs: 4,
            rtcp: RtcpConfig::default(),
            seed,
        })
    }
}

impl std::fmt::Debug for BundleConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BundleConfig")
            .field("ice", &self.ice)
            .field("remote_ice", &self.remote_ice)
            .field("dtls_role", &self.dtls_role)
            .field("local_streams", &self.local_streams)
            .field("remote_streams", &self.remote_streams)
            .finish_non_exhaustive()
    }
}

/// Why a configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// A stream names a payload type that has no [`CodecConfig`].
    UnknownPayloadType(u8),
    /// A local stream has an RTX SSRC but no `*/rtx` codec with its `apt`.
    NoRtxCodec { ssrc: u32 },
    /// A remote stream lists no payload type.
    NoPayloadType { ssrc: u32 },
    /// Two streams (or a stream and an RTX stream) share an SSRC.
    DuplicateSsrc(u32),
    /// An m-section with this mid already exists.
    MidExists(String),
    /// Two local streams in one m-section (Unified Plan: one sender each).
    TwoSendersInMid(String),
    /// More remote streams in one m-section than an RTCP report can cover.
    TooManyRemoteStreams(String),
    /// The SCTP transport could not be created.
    Sctp(String),
    /// The ICE layer refused remote credentials or a candidate.
    Ice(String),
    /// DTLS already started with another role or SCTP configuration.
    DtlsStarted,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownPayloadType(pt) => write!(f, "payload type {pt} has no codec"),
            Self::NoRtxCodec { ssrc } => write!(f, "stream {ssrc} has RTX but no rtx codec"),
            Self::NoPayloadType { ssrc } => write!(f, "remote stream {ssrc} has no payload type"),
            Self::DuplicateSsrc(s) => write!(f, "SSRC {s} used twice"),
            Self::MidExists(mid) => write!(f, "mid {mid} already configured"),
            Self::TwoSendersInMid(mid) => write!(f, "two local streams in mid {mid}"),
            Self::TooManyRemoteStreams(mid) => write!(f, "too many remote streams in mid {mid}"),
            Self::Sctp(e) => write!(f, "SCTP: {e}"),
            Self::Ice(e) => write!(f, "ICE: {e}"),
            Self::DtlsStarted => write!(f, "DTLS already started with another configuration"),
        }
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rtx_apt_is_read_from_the_fmtp_line() {
        let rtx = |mime: &str, fmtp: Option<&str>| CodecConfig {
            payload_type: 97,
            mime_type: mime.to_string(),
            clock_rate: 90_000,
            channels: None,
            sdp_fmtp_line: fmtp.map(str::to_string),
        };
        assert_eq!(rtx("video/rtx", Some("apt=96")).rtx_apt(), Some(96));
        assert_eq!(
            rtx("video/RTX", Some("rtx-time=3000; apt=108")).rtx_apt(),
            Some(108)
        );
        assert_eq!(rtx("video/rtx", Some("apt=300")).rtx_apt(), None);
        assert_eq!(rtx("video/rtx", None).rtx_apt(), None);
        assert_eq!(rtx("video/H264", Some("apt=96")).rtx_apt(), None);
    }

    #[test]
    fn defaults_leave_sdp_facts_empty() {
        let ice = IceConfig::new(vec!["127.0.0.1:1".parse().unwrap()], true, [7; 32]);
        let cert = LocalCertificate::generate().unwrap();
        let c = BundleConfig::new(ice, cert, DtlsRole::Client).unwrap();
        assert!(c.sctp.is_none() && c.codecs.is_empty() && c.local_streams.is_empty());
        assert!(c.remote_fingerprint.is_none() && c.remote_ice.is_none());
        assert_eq!(c.max_unsignaled_ssrcs, 4);
    }
}
