//! The typed session description model. Parsing fills it, the writer prints it,
//! negotiation produces it; nothing here depends on webrtc-sdp's types.

use std::fmt;

use crate::candidate::Candidate;

/// RTCSdpType.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdpType {
    Offer,
    Answer,
    Pranswer,
    Rollback,
}

impl SdpType {
    pub fn as_str(self) -> &'static str {
        match self {
            SdpType::Offer => "offer",
            SdpType::Answer => "answer",
            SdpType::Pranswer => "pranswer",
            SdpType::Rollback => "rollback",
        }
    }
}

impl std::str::FromStr for SdpType {
    type Err = ();

    /// The RTCSdpType strings: "offer", "answer", "pranswer", "rollback".
    fn from_str(text: &str) -> Result<Self, ()> {
        match text {
            "offer" => Ok(SdpType::Offer),
            "answer" => Ok(SdpType::Answer),
            "pranswer" => Ok(SdpType::Pranswer),
            "rollback" => Ok(SdpType::Rollback),
            _ => Err(()),
        }
    }
}

/// One session description: session-level attributes plus its media sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    pub sdp_type: SdpType,
    /// `o=` session id and version (JSEP: random id, version incremented per offer).
    pub session_id: u64,
    pub session_version: u64,
    /// Session-level `a=ice-ufrag` / `a=ice-pwd` (Chrome writes them per section).
    pub ice: Option<IceCredentials>,
    /// `a=ice-options:trickle` at session level.
    pub ice_trickle: bool,
    pub ice_lite: bool,
    pub fingerprint: Option<Fingerprint>,
    pub setup: Option<Setup>,
    /// Mids of `a=group:BUNDLE`, in order; empty when there is no BUNDLE group.
    pub bundle: Vec<String>,
    pub msid_semantic: Option<MsidSemantic>,
    pub extmap_allow_mixed: bool,
    pub media: Vec<MediaSection>,
}

impl SessionDescription {
    /// The empty description a rollback carries.
    pub fn rollback() -> Self {
        SessionDescription {
            sdp_type: SdpType::Rollback,
            session_id: 0,
            session_version: 0,
            ice: None,
            ice_trickle: false,
            ice_lite: false,
            fingerprint: None,
            setup: None,
            bundle: Vec::new(),
            msid_semantic: None,
            extmap_allow_mixed: false,
            media: Vec::new(),
        }
    }

    pub fn section(&self, mid: &str) -> Option<&MediaSection> {
        self.media.iter().find(|m| m.mid == mid)
    }

    /// ICE credentials that apply to `section` (media level wins over session level).
    pub fn ice_for<'a>(&'a self, section: &'a MediaSection) -> Option<&'a IceCredentials> {
        section.ice.as_ref().or(self.ice.as_ref())
    }

    pub fn fingerprint_for<'a>(&'a self, section: &'a MediaSection) -> Option<&'a Fingerprint> {
        section.fingerprint.as_ref().or(self.fingerprint.as_ref())
    }

    pub fn setup_for(&self, section: &MediaSection) -> Option<Setup> {
        section.setup.or(self.setup)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IceCredentials {
    pub ufrag: String,
    pub pwd: String,
}

/// Certificate fingerprint hash (RFC 8122).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithm {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlgorithm {
    pub fn name(self) -> &'static str {
        match self {
            HashAlgorithm::Sha1 => "sha-1",
            HashAlgorithm::Sha224 => "sha-224",
            HashAlgorithm::Sha256 => "sha-256",
            HashAlgorithm::Sha384 => "sha-384",
            HashAlgorithm::Sha512 => "sha-512",
        }
    }

    pub fn digest_len(self) -> usize {
        match self {
            HashAlgorithm::Sha1 => 20,
            HashAlgorithm::Sha224 => 28,
            HashAlgorithm::Sha256 => 32,
            HashAlgorithm::Sha384 => 48,
            HashAlgorithm::Sha512 => 64,
        }
    }
}

/// `a=fingerprint`: algorithm and digest bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    pub algorithm: HashAlgorithm,
    pub bytes: Vec<u8>,
}

impl Fingerprint {
    /// The digest as RFC 8122 writes it: uppercase hex pairs joined by ':'.
    pub fn hex(&self) -> String {
        let mut out = String::with_capacity(self.bytes.len() * 3);
        for (i, byte) in self.bytes.iter().enumerate() {
            if i > 0 {
                out.push(':');
            }
            out.push_str(&format!("{byte:02X}"));
        }
        out
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.algorithm.name(), self.hex())
    }
}

/// `a=setup` (RFC 4145 / RFC 5763).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setup {
    Actpass,
    Active,
    Passive,
    Holdconn,
}

impl Setup {
    pub fn as_str(self) -> &'static str {
        match self {
            Setup::Actpass => "actpass",
            Setup::Active => "active",
            Setup::Passive => "passive",
            Setup::Holdconn => "holdconn",
        }
    }
}

/// `a=msid-semantic: WMS [ids]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MsidSemantic {
    pub semantic: String,
    pub stream_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaKind {
    Audio,
    Video,
    Application,
    /// Any other media type (kept so an answer can reject it by mid).
    Other(String),
}

impl MediaKind {
    pub fn as_str(&self) -> &str {
        match self {
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
            MediaKind::Application => "application",
            MediaKind::Other(name) => name,
        }
    }

    pub fn is_rtp(&self) -> bool {
        matches!(self, MediaKind::Audio | MediaKind::Video)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protocol {
    /// `UDP/TLS/RTP/SAVPF` (RFC 5764), the only RTP profile WebRTC uses.
    UdpTlsRtpSavpf,
    /// `UDP/DTLS/SCTP` (RFC 8841) for data channels.
    UdpDtlsSctp,
    /// Anything else, verbatim (legacy `DTLS/SCTP`, `RTP/AVP`, ...); never accepted.
    Other(String),
}

impl Protocol {
    pub fn as_str(&self) -> &str {
        match self {
            Protocol::UdpTlsRtpSavpf => "UDP/TLS/RTP/SAVPF",
            Protocol::UdpDtlsSctp => "UDP/DTLS/SCTP",
            Protocol::Other(text) => text,
        }
    }
}

/// RTCRtpTransceiverDirection as signalled by `a=sendrecv` etc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }

    pub fn from_flags(send: bool, recv: bool) -> Self {
        match (send, recv) {
            (true, true) => Direction::SendRecv,
            (true, false) => Direction::SendOnly,
            (false, true) => Direction::RecvOnly,
            (false, false) => Direction::Inactive,
        }
    }

    /// The direction as seen from the other end (sendonly <-> recvonly).
    pub fn reversed(self) -> Self {
        Direction::from_flags(self.receives(), self.sends())
    }
}

/// One media section (`m=` line and its attributes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaSection {
    pub kind: MediaKind,
    pub mid: String,
    /// 0 means rejected (RFC 3264); WebRTC otherwise writes 9 (discard).
    pub port: u16,
    pub protocol: Protocol,
    pub direction: Direction,
    pub rtcp_mux: bool,
    pub rtcp_rsize: bool,
    pub bundle_only: bool,
    pub ice: Option<IceCredentials>,
    pub ice_trickle: bool,
    pub fingerprint: Option<Fingerprint>,
    pub setup: Option<Setup>,
    /// In `m=` line order, RTX entries included (see [`Codec::rtx_apt`]).
    pub codecs: Vec<Codec>,
    pub extmaps: Vec<Extmap>,
    pub msid: Option<Msid>,
    pub ssrcs: Vec<SsrcDescription>,
    /// `a=ssrc-group:FID media rtx` pairs.
    pub fid_groups: Vec<(u32, u32)>,
    pub candidates: Vec<Candidate>,
    pub end_of_candidates: bool,
    pub sctp: Option<SctpParameters>,
}

impl MediaSection {
    /// A section with every optional attribute absent.
    pub fn new(kind: MediaKind, mid: &str, protocol: Protocol) -> Self {
        MediaSection {
            kind,
            mid: mid.to_string(),
            port: 9,
            protocol,
            direction: Direction::SendRecv,
            rtcp_mux: false,
            rtcp_rsize: false,
            bundle_only: false,
            ice: None,
            ice_trickle: false,
            fingerprint: None,
            setup: None,
            codecs: Vec::new(),
            extmaps: Vec::new(),
            msid: None,
            ssrcs: Vec::new(),
            fid_groups: Vec::new(),
            candidates: Vec::new(),
            end_of_candidates: false,
            sctp: None,
        }
    }

    /// Port 0 without a=bundle-only (RFC 8843 bundle-only sections also use port 0).
    pub fn is_rejected(&self) -> bool {
        self.port == 0 && !self.bundle_only
    }

    pub fn codec(&self, payload_type: u8) -> Option<&Codec> {
        self.codecs.iter().find(|c| c.payload_type == payload_type)
    }

    /// (rtx payload type, media payload type) for every RTX codec.
    pub fn rtx_map(&self) -> Vec<(u8, u8)> {
        self.codecs
            .iter()
            .filter_map(|c| c.rtx_apt().map(|apt| (c.payload_type, apt)))
            .collect()
    }
}

/// One payload type: `a=rtpmap`, `a=fmtp`, `a=rtcp-fb`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Codec {
    pub payload_type: u8,
    /// Encoding name as written (`opus`, `H264`, `rtx`, ...); compare case-insensitively.
    pub name: String,
    pub clock_rate: u32,
    pub channels: Option<u16>,
    /// Format parameters, sorted by name as libwebrtc writes them.
    pub fmtp: Vec<FmtpParameter>,
    pub feedback: Vec<RtcpFeedback>,
}

impl Codec {
    pub fn new(payload_type: u8, name: &str, clock_rate: u32, channels: Option<u16>) -> Self {
        Codec {
            payload_type,
            name: name.to_string(),
            clock_rate,
            channels,
            fmtp: Vec::new(),
            feedback: Vec::new(),
        }
    }

    pub fn is_named(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    pub fn fmtp_value(&self, name: &str) -> Option<&str> {
        self.fmtp
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .and_then(|p| p.value.as_deref())
    }

    /// The associated payload type when this is an RTX codec (RFC 4588 `apt`).
    pub fn rtx_apt(&self) -> Option<u8> {
        if !self.is_named("rtx") {
            return None;
        }
        self.fmtp_value("apt")?.parse().ok()
    }

    /// Sets (or replaces) a format parameter, keeping the list sorted by name.
    pub fn set_fmtp(&mut self, name: &str, value: &str) {
        self.fmtp.retain(|p| p.name != name);
        self.fmtp.push(FmtpParameter {
            name: name.to_string(),
            value: Some(value.to_string()),
        });
        self.fmtp.sort_by(|a, b| a.name.cmp(&b.name));
    }

    /// RTCCodecStats.sdpFmtpLine: the fmtp value, absent when there is none.
    pub fn sdp_fmtp_line(&self) -> Option<String> {
        (!self.fmtp.is_empty()).then(|| self.fmtp_line())
    }

    /// The `a=fmtp` value as written (`a=1;b=2`, or bare tokens such as `111/111`).
    pub fn fmtp_line(&self) -> String {
        let parts: Vec<String> = self.fmtp.iter().map(|p| p.to_string()).collect();
        parts.join(";")
    }
}

/// One `name=value` format parameter, or a bare token (`0-16`, `111/111`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FmtpParameter {
    pub name: String,
    pub value: Option<String>,
}

impl fmt::Display for FmtpParameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(value) => write!(f, "{}={}", self.name, value),
            None => f.write_str(&self.name),
        }
    }
}

/// `a=rtcp-fb:<pt> <kind> [<param>]`, e.g. `nack pli`, `ccm fir`, `transport-cc`, `rrtr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtcpFeedback {
    pub kind: String,
    pub param: Option<String>,
}

impl RtcpFeedback {
    pub fn new(kind: &str, param: Option<&str>) -> Self {
        RtcpFeedback {
            kind: kind.to_string(),
            param: param.map(str::to_string),
        }
    }
}

impl fmt::Display for RtcpFeedback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.param {
            Some(param) => write!(f, "{} {}", self.kind, param),
            None => f.write_str(&self.kind),
        }
    }
}

/// `a=extmap:<id>[/<direction>] <uri>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extmap {
    pub id: u16,
    pub uri: String,
    pub direction: Option<Direction>,
}

/// `a=msid:<stream id> <track id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msid {
    pub stream_id: String,
    pub track_id: Option<String>,
}

impl fmt::Display for Msid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.track_id {
            Some(track) => write!(f, "{} {}", self.stream_id, track),
            None => f.write_str(&self.stream_id),
        }
    }
}

/// The `a=ssrc:<ssrc> cname:` / `msid:` lines of one SSRC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsrcDescription {
    pub ssrc: u32,
    pub cname: Option<String>,
    pub msid: Option<Msid>,
}

/// `a=sctp-port` and `a=max-message-size` (RFC 8841).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SctpParameters {
    pub port: u16,
    /// None when absent, which RFC 8841 reads as 64 KiB.
    pub max_message_size: Option<u64>,
}

impl SctpParameters {
    /// RFC 8841 section 6: an absent a=max-message-size means 64 KiB.
    pub const DEFAULT_MAX_MESSAGE_SIZE: u64 = 65_536;

    pub fn effective_max_message_size(&self) -> u64 {
        self.max_message_size
            .unwrap_or(Self::DEFAULT_MAX_MESSAGE_SIZE)
    }
}
