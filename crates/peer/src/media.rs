//! RTP streams of the bundle: one `rtp-stream` [`Session`] per m-section
//! (mid), SSRC routing, per-stream sequence numbers, and unsignaled SSRCs.
//! Works on plaintext packets; SRTP is the transport's business.

use std::time::Instant;

use rtcscope_rtp::rtp::Extensions;
use rtcscope_rtp::{BuildError, RtpBuilder, RtpPacket};
use rtcscope_rtp_stream::session::MAX_RECEIVE_STREAMS;
use rtcscope_rtp_stream::{
    NtpClock, ReceiveConfig, ReceiveOutcome, SendConfig, Session, SessionConfig,
};
use rtcscope_stats::MediaKind;

use crate::config::{
    BundleConfig, CodecConfig, ConfigError, LocalStreamConfig, RemoteStreamConfig, RtcpConfig,
};

/// Which stream of which session an SSRC belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Route {
    pub ssrc: u32,
    pub session: usize,
}

/// Our side of one sent stream.
#[derive(Debug, Clone)]
pub(crate) struct LocalStream {
    pub ssrc: u32,
    pub payload_type: u8,
    pub session: usize,
    next_sequence: u16,
    /// RTX SSRC, payload type and next RTX sequence number.
    rtx: Option<(u32, u8, u16)>,
    /// How many removed m-sections used this SSRC before (stats id suffix).
    pub generation: u32,
}

/// What we know about a received stream beyond `rtp-stream`'s accounting.
#[derive(Debug, Clone)]
pub(crate) struct RemoteStreamMeta {
    pub ssrc: u32,
    pub track_identifier: String,
    /// Payload type of the latest media packet (the configured primary before one).
    pub payload_type: u8,
    /// How many removed m-sections used this SSRC before (stats id suffix).
    pub generation: u32,
}

/// One m-section's RTP session.
#[derive(Debug, Clone)]
pub(crate) struct MediaSection {
    pub mid: String,
    /// SSRC our RTCP for this m-section is sent as.
    pub rtcp_ssrc: u32,
    pub session: Session,
    /// Parallel to `session.receive_streams()`.
    pub remote: Vec<RemoteStreamMeta>,
    /// Payload types the peer may send in this m-section (for unsignaled SSRCs).
    payload_types: Vec<(u8, MediaKind, u32)>,
}

/// Counters of RTP the streams did not take.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MediaCounters {
    /// RTP whose SSRC is unknown once the unsignaled cap was reached, or whose
    /// payload type belongs to no m-section.
    pub rtp_unknown_ssrc_dropped: u64,
    /// Unsignaled SSRCs accepted (a stream was created for each).
    pub unsignaled_ssrcs_accepted: u64,
    /// Plaintext RTP that did not parse after SRTP.
    pub rtp_malformed: u64,
    /// Accounted RTP not handed out as media: duplicates, invalid packets,
    /// RTX with a payload type that is no `*/rtx` codec.
    pub rtp_not_delivered: u64,
}

/// The streams of a bundle.
#[derive(Debug, Clone)]
pub(crate) struct MediaEngine {
    pub sections: Vec<MediaSection>,
    pub local: Vec<LocalStream>,
    pub codecs: Vec<CodecConfig>,
    pub(crate) routes: Vec<Route>,
    max_unsignaled: usize,
    unsignaled: usize,
    pub counters: MediaCounters,
    rtcp: RtcpConfig,
    seed: u64,
    clock: NtpClock,
    receive_only_sections: u32,
    sections_created: u32,
    /// (SSRC, times it was retired with a removed m-section). Grows only
    /// through API calls, not remote input.
    retired: Vec<(u32, u32)>,
}

/// `trackIdentifier` prefix of streams created for unsignaled SSRCs.
const UNSIGNALED_TRACK_PREFIX: &str = "unsignaled-";

/// splitmix64: initial sequence numbers from the seed (RFC 3550 §5.1 wants
/// them unpredictable; the caller's seed provides that).
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A received RTP packet's facts for the media layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RtpFacts {
    pub ssrc: u32,
    pub payload_type: u8,
    pub sequence_number: u16,
    pub timestamp: u32,
    pub marker: bool,
    pub payload_offset: usize,
    pub payload_len: usize,
}

impl MediaEngine {
    pub fn new(config: &BundleConfig, clock: NtpClock) -> Result<Self, ConfigError> {
        let mut engine = MediaEngine {
            sections: Vec::new(),
            local: Vec::new(),
            codecs: Vec::new(),
            routes: Vec::new(),
            max_unsignaled: config.max_unsignaled_ssrcs,
            unsignaled: 0,
            counters: MediaCounters::default(),
            rtcp: config.rtcp.clone(),
            seed: config.seed,
            clock,
            receive_only_sections: 0,
            sections_created: 0,
            retired: Vec::new(),
        };
        engine.add_streams(
            &config.codecs,
            &config.local_streams,
            &config.remote_streams,
        )?;
        Ok(engine)
    }

    /// Adds (or replaces, by payload type) negotiated codecs.
    fn add_codecs(&mut self, codecs: &[CodecConfig]) {
        for c in codecs {
            match self
                .codecs
                .iter_mut()
                .find(|e| e.payload_type == c.payload_type)
            {
                Some(existing) => *existing = c.clone(),
                None => self.codecs.push(c.clone()),
            }
        }
    }

    /// Adds codecs and m-sections (renegotiation: a new transceiver). Every
    /// mid must be new; on error nothing changes.
    pub fn add_streams(
        &mut self,
        codecs: &[CodecConfig],
        local: &[LocalStreamConfig],
        remote: &[RemoteStreamConfig],
    ) -> Result<(), ConfigError> {
        let mut next = self.clone();
        next.add_codecs(codecs);
        next.add_streams_unchecked(local, remote)?;
        *self = next;
        Ok(())
    }

    fn add_streams_unchecked(
        &mut self,
        local: &[LocalStreamConfig],
        remote: &[RemoteStreamConfig],
    ) -> Result<(), ConfigError> {
        let mut mids: Vec<&str> = Vec::new();
        for mid in local
            .iter()
            .map(|s| s.mid.as_str())
            .chain(remote.iter().map(|s| s.mid.as_str()))
        {
            if self.sections.iter().any(|s| s.mid == mid) {
                return Err(ConfigError::MidExists(mid.to_string()));
            }
            if !mids.contains(&mid) {
                mids.push(mid);
            }
        }
        for mid in mids {
            let senders: Vec<_> = local.iter().filter(|s| s.mid == mid).collect();
            let receivers: Vec<_> = remote.iter().filter(|r| r.mid == mid).collect();
            if senders.len() > 1 {
                return Err(ConfigError::TwoSendersInMid(mid.to_string()));
            }
            self.add_section(mid, senders.first().copied(), &receivers)?;
        }
        Ok(())
    }

    fn codec_config(&self, pt: u8) -> Result<&CodecConfig, ConfigError> {
        self.codec(pt).ok_or(ConfigError::UnknownPayloadType(pt))
    }

    /// Times `ssrc` belonged to a removed m-section (its stats ids get a
    /// suffix so a deleted id never returns).
    fn generation_of(&self, ssrc: u32) -> u32 {
        self.retired
            .iter()
            .find(|(s, _)| *s == ssrc)
            .map_or(0, |(_, n)| *n)
    }

    fn add_section(
        &mut self,
        mid: &str,
        sender: Option<&LocalStreamConfig>,
        receivers: &[&RemoteStreamConfig],
    ) -> Result<(), ConfigError> {
        let index = self.sections.len();
        let rtcp_ssrc = match sender {
            Some(s) => s.ssrc,
            None => {
                self.receive_only_sections += 1;
                self.rtcp
                    .receive_only_ssrc
                    .wrapping_add(self.receive_only_sections - 1)
            }
        };
        self.sections_created += 1;
        let mut session = Session::new(
            SessionConfig {
                rtcp_ssrc,
                cname: self.rtcp.cname.clone(),
                rrtr: self.rtcp.rrtr,
                rtcp_min_interval: self.rtcp.min_interval,
                session_bandwidth_bps: self.rtcp.session_bandwidth_bps,
                seed: mix(self.seed ^ u64::from(self.sections_created)),
            },
            self.clock,
        );
        if let Some(s) = sender {
            let clock_rate = self.codec_config(s.payload_type)?.clock_rate;
            session.set_send_stream(SendConfig {
                ssrc: s.ssrc,
                clock_rate,
                kind: s.kind,
                rtx_ssrc: s.rtx_ssrc,
            });
            self.add_route(s.ssrc, index)?;
            let rtx = match s.rtx_ssrc {
                Some(rtx_ssrc) => {
                    self.add_route(rtx_ssrc, index)?;
                    let rtx_pt = self
                        .codecs
                        .iter()
                        .find(|c| c.rtx_apt() == Some(s.payload_type))
                        .ok_or(ConfigError::NoRtxCodec { ssrc: s.ssrc })?
                        .payload_type;
                    let seq = (mix(self.seed ^ u64::from(rtx_ssrc)) & 0x7FFF) as u16;
                    Some((rtx_ssrc, rtx_pt, seq))
                }
                None => None,
            };
            let generation = self.generation_of(s.ssrc);
            self.local.push(LocalStream {
                ssrc: s.ssrc,
                payload_type: s.payload_type,
                session: index,
                next_sequence: (mix(self.seed ^ u64::from(s.ssrc)) & 0x7FFF) as u16,
                rtx,
                generation,
            });
        }
        let mut remote = Vec::new();
        let mut payload_types = Vec::new();
        for r in receivers {
            let primary = *r
                .payload_types
                .first()
                .ok_or(ConfigError::NoPayloadType { ssrc: r.ssrc })?;
            let clock_rate = self.codec_config(primary)?.clock_rate;
            for &pt in &r.payload_types {
                let c = self.codec_config(pt)?;
                payload_types.push((pt, r.kind, c.clock_rate));
            }
            let added = session.add_receive_stream(ReceiveConfig {
                ssrc: r.ssrc,
                clock_rate,
                kind: r.kind,
                rtx_ssrc: r.rtx_ssrc,
                fec_ssrc: None,
            });
            if !added {
                return Err(ConfigError::TooManyRemoteStreams(mid.to_string()));
            }
            self.add_route(r.ssrc, index)?;
            if let Some(rtx) = r.rtx_ssrc {
                self.add_route(rtx, index)?;
            }
            remote.push(RemoteStreamMeta {
                ssrc: r.ssrc,
                track_identifier: r.track_identifier.clone(),
                payload_type: primary,
                generation: self.generation_of(r.ssrc),
            });
        }
        self.sections.push(MediaSection {
            mid: mid.to_string(),
            rtcp_ssrc,
            session,
            remote,
            payload_types,
        });
        Ok(())
    }

    /// Removes m-section `mid` (its transceiver stopped): its streams, their
    /// routes and stats objects go; returns the SSRCs it used (media and RTX,
    /// both directions) so SRTP can forget them.
    pub fn remove_mid(&mut self, mid: &str) -> Option<Vec<u32>> {
        let index = self.sections.iter().position(|s| s.mid == mid)?;
        let section = self.sections.remove(index);
        let ssrcs: Vec<u32> = self
            .routes
            .iter()
            .filter(|r| r.session == index)
            .map(|r| r.ssrc)
            .collect();
        self.routes.retain(|r| r.session != index);
        self.local.retain(|l| l.session != index);
        for r in &mut self.routes {
            if r.session > index {
                r.session -= 1;
            }
        }
        for l in &mut self.local {
            if l.session > index {
                l.session -= 1;
            }
        }
        // Stats ids are derived from SSRCs: a recycled SSRC gets a new generation.
        for &ssrc in &ssrcs {
            match self.retired.iter_mut().find(|(s, _)| *s == ssrc) {
                Some((_, n)) => *n += 1,
                None => self.retired.push((ssrc, 1)),
            }
        }
        let unsignaled = section
            .remote
            .iter()
            .filter(|m| m.track_identifier.starts_with(UNSIGNALED_TRACK_PREFIX))
            .count();
        self.unsignaled = self.unsignaled.saturating_sub(unsignaled);
        Some(ssrcs)
    }

    fn add_route(&mut self, ssrc: u32, session: usize) -> Result<(), ConfigError> {
        if self.routes.iter().any(|r| r.ssrc == ssrc) {
            return Err(ConfigError::DuplicateSsrc(ssrc));
        }
        self.routes.push(Route { ssrc, session });
        Ok(())
    }

    pub fn codec(&self, payload_type: u8) -> Option<&CodecConfig> {
        self.codecs.iter().find(|c| c.payload_type == payload_type)
    }

    /// Writes the next RTP packet of local stream `ssrc` into `out` (no
    /// allocation); returns its length. The sequence number advances only
    /// when [`Self::commit_sent`] is called.
    pub fn build_rtp(
        &self,
        extensions: Extensions<'_>,
        ssrc: u32,
        payload: &[u8],
        timestamp: u32,
        marker: bool,
        out: &mut [u8],
    ) -> Result<usize, MediaSendError> {
        let stream = self
            .local
            .iter()
            .find(|s| s.ssrc == ssrc)
            .ok_or(MediaSendError::UnknownSsrc(ssrc))?;
        RtpBuilder {
            marker,
            payload_type: stream.payload_type,
            sequence_number: stream.next_sequence,
            timestamp,
            ssrc,
            csrcs: &[],
            extensions,
            payload,
            padding_len: 0,
        }
        .write(out)
        .map_err(MediaSendError::Build)
    }

    /// Writes an RFC 4588 retransmission of packet `original_sequence` of
    /// local stream `ssrc` (its RTX SSRC and payload type, the OSN, then
    /// `payload`) into `out`; returns its length.
    // The RTP header fields, the original sequence number and the output: each is needed.
    #[allow(clippy::too_many_arguments)]
    pub fn build_rtx(
        &self,
        extensions: Extensions<'_>,
        ssrc: u32,
        original_sequence: u16,
        payload: &[u8],
        timestamp: u32,
        marker: bool,
        out: &mut [u8],
    ) -> Result<usize, MediaSendError> {
        let stream = self
            .local
            .iter()
            .find(|s| s.ssrc == ssrc)
            .ok_or(MediaSendError::UnknownSsrc(ssrc))?;
        let (rtx_ssrc, rtx_pt, seq) = stream.rtx.ok_or(MediaSendError::NoRtx(ssrc))?;
        let header = RtpBuilder {
            marker,
            payload_type: rtx_pt,
            sequence_number: seq,
            timestamp,
            ssrc: rtx_ssrc,
            csrcs: &[],
            extensions,
            payload: &[],
            padding_len: 0,
        }
        .write(out)
        .map_err(MediaSendError::Build)?;
        let end = header + 2 + payload.len();
        let available = out.len();
        let body =
            out.get_mut(header..end)
                .ok_or(MediaSendError::Build(BuildError::BufferTooSmall {
                    needed: end,
                    available,
                }))?;
        body[..2].copy_from_slice(&original_sequence.to_be_bytes());
        body[2..].copy_from_slice(payload);
        Ok(end)
    }

    /// Accounts a sent packet (`plain` is its header and payload, possibly
    /// already encrypted: only lengths and header fields are read).
    pub fn commit_sent(&mut self, now: Instant, plain: &[u8]) {
        let Ok(packet) = RtpPacket::parse(plain) else {
            return;
        };
        let ssrc = packet.ssrc();
        let stream = self
            .local
            .iter_mut()
            .find(|s| s.ssrc == ssrc || s.rtx.is_some_and(|(rtx_ssrc, _, _)| rtx_ssrc == ssrc));
        if let Some(stream) = stream {
            match stream.rtx.as_mut() {
                Some((rtx_ssrc, _, seq)) if *rtx_ssrc == ssrc => *seq = seq.wrapping_add(1),
                _ => stream.next_sequence = stream.next_sequence.wrapping_add(1),
            }
            if let Some(section) = self.sections.get_mut(stream.session) {
                section.session.on_rtp_sent(now, now, &packet);
            }
        }
    }

    /// Accounts a received plaintext RTP packet; `Some` when it is media to
    /// hand to the application.
    pub fn on_rtp(&mut self, now: Instant, plain: &[u8]) -> Option<RtpFacts> {
        let Ok(packet) = RtpPacket::parse(plain) else {
            self.counters.rtp_malformed += 1;
            return None;
        };
        let ssrc = packet.ssrc();
        let pt = packet.payload_type();
        let session = match self.routes.iter().find(|r| r.ssrc == ssrc) {
            Some(r) => r.session,
            None => self.accept_unsignaled(ssrc, pt)?,
        };
        let section = self.sections.get_mut(session)?;
        let outcome = match section.session.handle_rtp(now, plain) {
            Ok(o) => o,
            Err(_) => {
                self.counters.rtp_malformed += 1;
                return None;
            }
        };
        if !matches!(
            outcome,
            ReceiveOutcome::Accepted | ReceiveOutcome::Probation
        ) {
            self.counters.rtp_not_delivered += 1;
            return None;
        }
        if let Some(meta) = section.remote.iter_mut().find(|m| m.ssrc == ssrc) {
            meta.payload_type = pt;
            return Some(RtpFacts {
                ssrc,
                payload_type: pt,
                sequence_number: packet.sequence_number(),
                timestamp: packet.timestamp(),
                marker: packet.marker(),
                payload_offset: packet.header_len(),
                payload_len: packet.payload().len(),
            });
        }
        // RTX (RFC 4588 §4): hand out the media packet it restores, under
        // the media SSRC, the original sequence number and the `apt` type.
        let media_ssrc = section
            .session
            .receive_streams()
            .iter()
            .find(|s| s.config().rtx_ssrc == Some(ssrc))
            .map(|s| s.config().ssrc);
        let apt = self
            .codecs
            .iter()
            .find(|c| c.payload_type == pt)
            .and_then(CodecConfig::rtx_apt);
        let osn = packet
            .payload()
            .first_chunk::<2>()
            .map(|b| u16::from_be_bytes(*b));
        match (media_ssrc, apt, osn) {
            (Some(media_ssrc), Some(apt), Some(osn)) => Some(RtpFacts {
                ssrc: media_ssrc,
                payload_type: apt,
                sequence_number: osn,
                timestamp: packet.timestamp(),
                marker: packet.marker(),
                payload_offset: packet.header_len() + 2,
                payload_len: packet.payload().len() - 2,
            }),
            _ => {
                self.counters.rtp_not_delivered += 1;
                None
            }
        }
    }

    /// A stream for an SSRC the peer did not signal, in the m-section whose
    /// payload types include `pt`, while under the cap.
    fn accept_unsignaled(&mut self, ssrc: u32, pt: u8) -> Option<usize> {
        let found = self.sections.iter().enumerate().find_map(|(i, s)| {
            s.payload_types
                .iter()
                .find(|(p, _, _)| *p == pt)
                .map(|&(_, kind, rate)| (i, kind, rate))
        });
        let Some((index, kind, clock_rate)) = found else {
            self.counters.rtp_unknown_ssrc_dropped += 1;
            return None;
        };
        if self.unsignaled >= self.max_unsignaled {
            self.counters.rtp_unknown_ssrc_dropped += 1;
            return None;
        }
        let generation = self.generation_of(ssrc);
        let section = self.sections.get_mut(index)?;
        if section.remote.len() >= MAX_RECEIVE_STREAMS
            || !section.session.add_receive_stream(ReceiveConfig {
                ssrc,
                clock_rate,
                kind,
                rtx_ssrc: None,
                fec_ssrc: None,
            })
        {
            self.counters.rtp_unknown_ssrc_dropped += 1;
            return None;
        }
        section.remote.push(RemoteStreamMeta {
            ssrc,
            track_identifier: format!("{UNSIGNALED_TRACK_PREFIX}{ssrc}"),
            payload_type: pt,
            generation,
        });
        self.routes.push(Route {
            ssrc,
            session: index,
        });
        self.unsignaled += 1;
        self.counters.unsignaled_ssrcs_accepted += 1;
        Some(index)
    }

    /// Gives a received RTCP compound to every session: each takes the
    /// packets about its own SSRCs.
    pub fn on_rtcp(&mut self, now: Instant, plain: &[u8]) -> bool {
        let mut ok = true;
        for section in &mut self.sections {
            ok &= section.session.handle_rtcp(now, plain).is_ok();
        }
        ok
    }

    /// The earliest time a session's RTCP is due.
    pub fn next_rtcp_at(&mut self, now: Instant) -> Option<Instant> {
        self.sections
            .iter_mut()
            .map(|s| s.session.next_rtcp_at(now))
            .min()
    }

    /// Builds the compound of session `index` into `out` if due.
    pub fn poll_rtcp(
        &mut self,
        index: usize,
        now: Instant,
        out: &mut [u8],
    ) -> Result<Option<usize>, BuildError> {
        match self.sections.get_mut(index) {
            Some(s) => s.session.poll_rtcp(now, out),
            None => Ok(None),
        }
    }
}

/// Why an RTP or feedback packet was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaSendError {
    /// No local (or, for feedback, remote) stream has this SSRC.
    UnknownSsrc(u32),
    /// The local stream has no RTX SSRC.
    NoRtx(u32),
    /// The packet does not fit or a field is out of range.
    Build(BuildError),
    /// SRTP is not keyed yet (DTLS not connected) or failed.
    NotConnected,
    /// The ICE layer refused (no selected pair, consent expired, closed).
    Ice(rtcscope_ice::SendError),
    /// SRTP protection failed.
    Srtp(rtcscope_srtp::SrtpError),
    /// The transmit queue is full: drain `poll_transmit`.
    QueueFull,
}

impl std::fmt::Display for MediaSendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownSsrc(s) => write!(f, "no stream with SSRC {s}"),
            Self::NoRtx(s) => write!(f, "stream {s} has no RTX"),
            Self::Build(e) => write!(f, "RTP/RTCP build: {e:?}"),
            Self::NotConnected => write!(f, "SRTP not keyed"),
            Self::Ice(e) => write!(f, "ICE: {e}"),
            Self::Srtp(e) => write!(f, "SRTP: {e}"),
            Self::QueueFull => write!(f, "transmit queue full"),
        }
    }
}

impl std::error::Error for MediaSendError {}
