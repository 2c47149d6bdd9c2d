//! Two bundled transports on a simulated network (rtcscope-netsim), with a
//! wire log of every RTP packet's fate so tests compare stats with what the
//! link really did.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rtcscope_dtls::{DtlsFailure, DtlsRole, DtlsTransportConfig, DtlsVersion, LocalCertificate};
use rtcscope_ice::{IceConfig, IceEvent, IceTransportState, RemoteCandidate};
use rtcscope_netsim::{LinkConfig, LossModel, Path, Side};
use rtcscope_peer::demux::{DatagramKind, classify};
use rtcscope_peer::{
    BundleConfig, BundleEvent, BundleTransport, CodecConfig, LocalStreamConfig, ReceivedFeedback,
    RemoteStreamConfig, RtcpConfig,
};
use rtcscope_sctp::{DataChannelMessage, SctpConfig, SctpEvent};
use rtcscope_stats::verify::{SequenceVerifier, verify_report};
use rtcscope_stats::{EpochClock, MediaKind, RTCStatsReport};

pub const A_ADDR: &str = "10.0.0.1:5000";
pub const B_ADDR: &str = "10.0.0.2:6000";

pub const OPUS: u8 = 111;
pub const H264: u8 = 96;
pub const RTX: u8 = 97;

/// SSRCs: A sends audio/video (+RTX), B likewise.
pub const A_AUDIO: u32 = 0x0A00_0001;
pub const A_VIDEO: u32 = 0x0A00_0002;
pub const A_VIDEO_RTX: u32 = 0x0A00_0003;
pub const B_AUDIO: u32 = 0x0B00_0001;
pub const B_VIDEO: u32 = 0x0B00_0002;
pub const B_VIDEO_RTX: u32 = 0x0B00_0003;

pub fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

pub fn codecs() -> Vec<CodecConfig> {
    vec![
        CodecConfig {
            payload_type: OPUS,
            mime_type: "audio/opus".into(),
            clock_rate: 48_000,
            channels: Some(2),
            sdp_fmtp_line: Some("minptime=10;useinbandfec=1".into()),
        },
        CodecConfig {
            payload_type: H264,
            mime_type: "video/H264".into(),
            clock_rate: 90_000,
            channels: None,
            sdp_fmtp_line: Some(
                "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f".into(),
            ),
        },
        CodecConfig {
            payload_type: RTX,
            mime_type: "video/rtx".into(),
            clock_rate: 90_000,
            channels: None,
            sdp_fmtp_line: Some("apt=96".into()),
        },
    ]
}

fn local_streams(audio: u32, video: u32, rtx: u32) -> Vec<LocalStreamConfig> {
    vec![
        LocalStreamConfig {
            ssrc: audio,
            rtx_ssrc: None,
            payload_type: OPUS,
            kind: MediaKind::Audio,
            mid: "0".into(),
        },
        LocalStreamConfig {
            ssrc: video,
            rtx_ssrc: Some(rtx),
            payload_type: H264,
            kind: MediaKind::Video,
            mid: "1".into(),
        },
    ]
}

fn remote_streams(audio: u32, video: u32, rtx: u32) -> Vec<RemoteStreamConfig> {
    vec![
        RemoteStreamConfig {
            ssrc: audio,
            rtx_ssrc: None,
            payload_types: vec![OPUS],
            kind: MediaKind::Audio,
            mid: "0".into(),
            track_identifier: format!("track-audio-{audio}"),
        },
        RemoteStreamConfig {
            ssrc: video,
            rtx_ssrc: Some(rtx),
            payload_types: vec![H264],
            kind: MediaKind::Video,
            mid: "1".into(),
            track_identifier: format!("track-video-{video}"),
        },
    ]
}

/// Configurations of A (controlling, DTLS client) and B (controlled, DTLS
/// server), each expecting the other's certificate.
pub fn configs(
    local_a: SocketAddr,
    local_b: SocketAddr,
    sctp: bool,
) -> (BundleConfig, BundleConfig) {
    let cert_a = LocalCertificate::generate().unwrap();
    let cert_b = LocalCertificate::generate().unwrap();
    let dtls = DtlsTransportConfig::new(DtlsVersion::Auto).unwrap();
    let make = |local: SocketAddr,
                controlling: bool,
                seed: u8,
                cert: &LocalCertificate,
                remote_cert: &LocalCertificate,
                role: DtlsRole,
                mine: (u32, u32, u32),
                theirs: (u32, u32, u32)| BundleConfig {
        ice: IceConfig::new(vec![local], controlling, [seed; 32]),
        remote_ice: None,
        remote_candidates: Vec::new(),
        certificate: cert.clone(),
        remote_fingerprint: Some(remote_cert.fingerprint()),
        dtls_role: role,
        dtls: dtls.clone(),
        sctp: sctp.then(SctpConfig::default),
        codecs: codecs(),
        local_streams: local_streams(mine.0, mine.1, mine.2),
        remote_streams: remote_streams(theirs.0, theirs.1, theirs.2),
        max_unsignaled_ssrcs: 4,
        rtcp: RtcpConfig {
            cname: format!("cname-{seed}"),
            ..RtcpConfig::default()
        },
        seed: u64::from(seed),
    };
    let a_ssrcs = (A_AUDIO, A_VIDEO, A_VIDEO_RTX);
    let b_ssrcs = (B_AUDIO, B_VIDEO, B_VIDEO_RTX);
    (
        make(
            local_a,
            true,
            1,
            &cert_a,
            &cert_b,
            DtlsRole::Client,
            a_ssrcs,
            b_ssrcs,
        ),
        make(
            local_b,
            false,
            2,
            &cert_b,
            &cert_a,
            DtlsRole::Server,
            b_ssrcs,
            a_ssrcs,
        ),
    )
}

pub fn remote_candidates(t: &BundleTransport) -> Vec<RemoteCandidate> {
    let (ufrag, _) = t.local_ice_credentials();
    t.local_candidates()
        .iter()
        .map(|c| RemoteCandidate {
            kind: c.kind,
            address: c.address,
            priority: c.priority,
            foundation: c.foundation.clone(),
            component: c.component,
            related_address: c.related_address,
            username_fragment: Some(ufrag.to_string()),
        })
        .collect()
}

/// Exchanges ICE credentials and candidates between two transports (the
/// signalling channel of the test).
pub fn signal(now: Instant, a: &mut BundleTransport, b: &mut BundleTransport) {
    let (ua, pa) = {
        let (u, p) = a.local_ice_credentials();
        (u.to_string(), p.to_string())
    };
    let (ub, pb) = {
        let (u, p) = b.local_ice_credentials();
        (u.to_string(), p.to_string())
    };
    a.set_remote_ice_credentials(now, &ub, &pb).unwrap();
    b.set_remote_ice_credentials(now, &ua, &pa).unwrap();
    for c in remote_candidates(b) {
        a.add_remote_candidate(now, c).unwrap();
    }
    for c in remote_candidates(a) {
        b.add_remote_candidate(now, c).unwrap();
    }
}

#[derive(Clone, Debug)]
pub struct Datagram {
    pub from: SocketAddr,
    pub to: SocketAddr,
    pub bytes: Vec<u8>,
}

/// One received media packet, as the media layer saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RtpRecord {
    pub ssrc: u32,
    pub payload_type: u8,
    pub sequence_number: u16,
    pub timestamp: u32,
    pub marker: bool,
    pub payload: Vec<u8>,
}

/// The fate of one SRTP packet on the link.
#[derive(Clone, Copy, Debug)]
pub struct WireRtp {
    pub sender: Side,
    pub ssrc: u32,
    pub sequence_number: u16,
    pub dropped: bool,
}

#[derive(Default, Debug)]
pub struct Observed {
    pub rtp: Vec<RtpRecord>,
    pub messages: Vec<(u16, DataChannelMessage)>,
    pub open_channels: Vec<(u16, String)>,
    pub dtls_connected: bool,
    pub dtls_closed: bool,
    pub feedback: Vec<ReceivedFeedback>,
    pub dtls_failed: Option<DtlsFailure>,
    pub ice_states: Vec<IceTransportState>,
    /// Every received payload matched what the sender put in? Checked by tests.
    pub events: usize,
}

pub struct Sim {
    pub now: Instant,
    pub start: Instant,
    pub clock: EpochClock,
    pub a: BundleTransport,
    pub b: BundleTransport,
    pub path: Path<Datagram>,
    pub seen_a: Observed,
    pub seen_b: Observed,
    pub wire_rtp: Vec<WireRtp>,
    /// Non-STUN datagrams and bytes each side put on the wire ([A, B]).
    pub data_sent: [(u64, u64); 2],
    /// Non-STUN datagrams and bytes delivered to each side ([A, B]).
    pub data_delivered: [(u64, u64); 2],
    pub verifier_a: SequenceVerifier,
    pub verifier_b: SequenceVerifier,
    pub reports: usize,
}

pub fn lossy_link(loss: f64, one_way_delay: Duration) -> LinkConfig {
    LinkConfig {
        loss: if loss > 0.0 {
            LossModel::Bernoulli { p: loss }
        } else {
            LossModel::None
        },
        delay: one_way_delay,
        queue_bytes: 1 << 20,
        ..LinkConfig::default()
    }
}

impl Sim {
    pub fn new(link: LinkConfig, sctp: bool) -> Sim {
        let (a, b) = configs(addr(A_ADDR), addr(B_ADDR), sctp);
        Self::with_configs(a, b, link)
    }

    pub fn with_configs(a: BundleConfig, b: BundleConfig, link: LinkConfig) -> Sim {
        let start = Instant::now();
        let clock = EpochClock::new(start, 1_800_000_000_000.0);
        let mut a = BundleTransport::new(a, start, &clock).unwrap();
        let mut b = BundleTransport::new(b, start, &clock).unwrap();
        signal(start, &mut a, &mut b);
        Self::from_transports(a, b, clock, link)
    }

    /// Two transports created at `clock.anchor()`, signalled by the caller.
    pub fn from_transports(
        a: BundleTransport,
        b: BundleTransport,
        clock: EpochClock,
        link: LinkConfig,
    ) -> Sim {
        let start = clock.anchor();
        Sim {
            now: start,
            start,
            clock,
            a,
            b,
            path: Path::symmetric(link, 11).unwrap(),
            seen_a: Observed::default(),
            seen_b: Observed::default(),
            wire_rtp: Vec::new(),
            data_sent: [(0, 0); 2],
            data_delivered: [(0, 0); 2],
            verifier_a: SequenceVerifier::new(),
            verifier_b: SequenceVerifier::new(),
            reports: 0,
        }
    }

    fn flush(&mut self) {
        for side in [Side::A, Side::B] {
            let transport = match side {
                Side::A => &mut self.a,
                Side::B => &mut self.b,
            };
            while let Some(t) = transport.poll_transmit() {
                let datagram = Datagram {
                    from: t.source,
                    to: t.destination,
                    bytes: t.contents.to_vec(),
                };
                let len = datagram.bytes.len();
                if classify(&datagram.bytes) != DatagramKind::Stun {
                    let c = &mut self.data_sent[side as usize];
                    c.0 += 1;
                    c.1 += len as u64;
                }
                let rtp = (classify(&datagram.bytes) == DatagramKind::Rtp).then(|| {
                    let b = &datagram.bytes;
                    (
                        u32::from_be_bytes([b[8], b[9], b[10], b[11]]),
                        u16::from_be_bytes([b[2], b[3]]),
                    )
                });
                let verdict = self.path.link_from(side).send(self.now, datagram, len);
                if let Some((ssrc, sequence_number)) = rtp {
                    self.wire_rtp.push(WireRtp {
                        sender: side,
                        ssrc,
                        sequence_number,
                        dropped: verdict.is_dropped(),
                    });
                }
            }
        }
    }

    fn drain_events(&mut self) {
        for side in [Side::A, Side::B] {
            let (transport, seen) = match side {
                Side::A => (&mut self.a, &mut self.seen_a),
                Side::B => (&mut self.b, &mut self.seen_b),
            };
            while let Some(event) = transport.poll_event() {
                seen.events += 1;
                match event {
                    BundleEvent::Rtp(rtp) => seen.rtp.push(RtpRecord {
                        ssrc: rtp.ssrc,
                        payload_type: rtp.payload_type,
                        sequence_number: rtp.sequence_number,
                        timestamp: rtp.timestamp,
                        marker: rtp.marker,
                        payload: rtp.payload.to_vec(),
                    }),
                    BundleEvent::DtlsConnected => seen.dtls_connected = true,
                    BundleEvent::DtlsClosed => seen.dtls_closed = true,
                    BundleEvent::Feedback(f) => seen.feedback.push(f),
                    BundleEvent::DtlsFailed(f) => seen.dtls_failed = Some(f),
                    BundleEvent::Ice(IceEvent::StateChanged(s)) => seen.ice_states.push(s),
                    BundleEvent::DataChannel(SctpEvent::Message { id, message }) => {
                        seen.messages.push((id, message));
                    }
                    BundleEvent::DataChannel(SctpEvent::ChannelOpen { id, label, .. }) => {
                        seen.open_channels.push((id, label));
                    }
                    _ => {}
                }
            }
        }
    }

    /// Runs the network and both transports until `until`.
    pub fn run_until(&mut self, until: Instant) {
        loop {
            self.flush();
            while let Some((side, d)) = self.path.poll_receive(self.now) {
                if classify(&d.bytes) != DatagramKind::Stun {
                    let c = &mut self.data_delivered[side as usize];
                    c.0 += 1;
                    c.1 += d.bytes.len() as u64;
                }
                match side {
                    Side::A => self.a.handle_receive(self.now, d.from, d.to, &d.bytes),
                    Side::B => self.b.handle_receive(self.now, d.from, d.to, &d.bytes),
                }
            }
            self.flush();
            self.drain_events();
            let next = [
                self.a.poll_timeout(),
                self.b.poll_timeout(),
                self.path.next_delivery(),
            ]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(until)
            .max(self.now);
            if next > until {
                self.now = until;
                break;
            }
            self.now = next;
            if self.a.poll_timeout().is_some_and(|t| t <= self.now) {
                self.a.handle_timeout(self.now);
            }
            if self.b.poll_timeout().is_some_and(|t| t <= self.now) {
                self.b.handle_timeout(self.now);
            }
            if self.now >= until && self.path.next_delivery().is_none_or(|t| t > until) {
                self.flush();
                self.drain_events();
                if [self.a.poll_timeout(), self.b.poll_timeout()]
                    .into_iter()
                    .flatten()
                    .all(|t| t > until)
                {
                    break;
                }
            }
        }
    }

    pub fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        self.run_until(until);
    }

    /// Runs until both sides keyed SRTP (and SCTP is up when configured), or
    /// panics after `limit`.
    pub fn connect(&mut self, limit: Duration) {
        let deadline = self.now + limit;
        loop {
            // At least one turn, so events of a connection made by an API
            // call (a late fingerprint) are drained too.
            self.run_for(Duration::from_millis(10));
            if self.a.is_media_ready() && self.b.is_media_ready() {
                break;
            }
            assert!(self.now < deadline, "not connected within {limit:?}");
        }
    }

    /// Stats of both sides, each checked by the verifier on its own and in sequence.
    pub fn verified_stats(&mut self) -> (RTCStatsReport, RTCStatsReport) {
        let ra = self.a.stats(self.now, &self.clock);
        let rb = self.b.stats(self.now, &self.clock);
        for (name, report, seq) in [
            ("A", &ra, &mut self.verifier_a),
            ("B", &rb, &mut self.verifier_b),
        ] {
            let verdict = verify_report(report);
            assert_eq!(
                verdict.errors(),
                0,
                "{name}: {:#?}\n{}",
                verdict,
                serde_json::to_string_pretty(report).unwrap()
            );
            let json = serde_json::to_value(report).unwrap();
            let verdict = seq.push(&json);
            assert_eq!(verdict.errors(), 0, "{name} sequence: {verdict:#?}");
        }
        self.reports += 1;
        (ra, rb)
    }
}

/// The payload of packet `i` of a stream: its index then a deterministic
/// pattern, so the receiver can check every byte.
pub fn payload(ssrc: u32, i: u32, len: usize) -> Vec<u8> {
    let mut p = Vec::with_capacity(len);
    p.extend_from_slice(&i.to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    let mut x = ssrc ^ i.wrapping_mul(0x9E37_79B9);
    while p.len() < len {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        p.push((x >> 16) as u8);
    }
    p
}

pub fn audio_len(i: u32) -> usize {
    80 + (i as usize * 7) % 80
}

pub fn video_len(i: u32) -> usize {
    600 + (i as usize * 13) % 500
}

/// The codec stats id of a configured payload type.
pub fn codec_id_of(inbound: bool, payload_type: u8) -> String {
    let fmtp = codecs()
        .into_iter()
        .find(|c| c.payload_type == payload_type)
        .and_then(|c| c.sdp_fmtp_line);
    rtcscope_peer::stats::codec_id(inbound, payload_type, fmtp.as_deref())
}
