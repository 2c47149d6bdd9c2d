//! Real media (H.264 test pattern, Opus speech-like audio) between two
//! `RTCPeerConnection`s on simulated time over netsim links: what was
//! encoded is decoded, NACK/RTX recover loss, the audio energy arrives,
//! and every report passes the verifier strictly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rtcscope_media::source::SpeechLikeSource;
use rtcscope_netsim::{LinkConfig, LossModel, Path, Side};
use rtcscope_peer::pipeline::RealMediaConfig;
use rtcscope_peer::{
    BweConfig, MediaStreamTrack, PeerConnectionEvent, RTCConfiguration, RTCPeerConnection,
    RtpReceiver, RtpSender,
};
use rtcscope_stats::verify::{SequenceVerifier, verify_report};
use rtcscope_stats::{
    EpochClock, InboundRtpMedia, MediaKind, OutboundRtpMedia, RTCInboundRtpStreamStats,
    RTCOutboundRtpStreamStats, RTCStatsReport,
};

struct Net {
    now: Instant,
    a: RTCPeerConnection,
    b: RTCPeerConnection,
    path: Path<(SocketAddr, SocketAddr, Vec<u8>)>,
}

impl Net {
    fn step_events(&mut self) {
        let now = self.now;
        while let Some(e) = self.a.poll_event() {
            if let PeerConnectionEvent::IceCandidate(Some(c)) = e {
                self.b.add_ice_candidate(now, &c).unwrap();
            }
        }
        while let Some(e) = self.b.poll_event() {
            if let PeerConnectionEvent::IceCandidate(Some(c)) = e {
                self.a.add_ice_candidate(now, &c).unwrap();
            }
        }
    }

    fn flush(&mut self) {
        for side in [Side::A, Side::B] {
            let pc = match side {
                Side::A => &mut self.a,
                Side::B => &mut self.b,
            };
            while let Some(t) = pc.poll_transmit() {
                let bytes = t.contents.to_vec();
                let len = bytes.len();
                self.path
                    .link_from(side)
                    .send(self.now, (t.source, t.destination, bytes), len);
            }
        }
    }

    fn run_until(&mut self, until: Instant) {
        loop {
            self.flush();
            while let Some((side, (from, to, bytes))) = self.path.poll_receive(self.now) {
                match side {
                    Side::A => self.a.handle_receive(self.now, from, to, &bytes),
                    Side::B => self.b.handle_receive(self.now, from, to, &bytes),
                }
            }
            self.step_events();
            self.flush();
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
                return;
            }
            self.now = next;
            self.a.handle_timeout(self.now);
            self.b.handle_timeout(self.now);
        }
    }
}

fn pc(addr: &str, seed: u64, clock: EpochClock) -> RTCPeerConnection {
    RTCPeerConnection::new(
        RTCConfiguration::new(vec![addr.parse().unwrap()], seed),
        clock,
    )
    .unwrap()
}

/// Small frames keep debug-build encoding fast: the smallest size the drawn counter
/// fits in, at 15 fps.
fn small_media() -> RealMediaConfig {
    RealMediaConfig {
        width: 468,
        height: 132,
        fps: 15,
        initial_video_bitrate_bps: 300_000,
        audio_bitrate_bps: 32_000,
        min_bits_per_pixel: 0.04,
    }
}

struct Setup {
    net: Net,
    video: RtpSender,
    audio: RtpSender,
}

/// A offers real video and audio; B decodes. Link A→B as given, B→A 20 ms clean.
fn setup(a_to_b: LinkConfig, media: RealMediaConfig) -> Setup {
    setup_with(a_to_b, media, None, true)
}

fn setup_with(
    a_to_b: LinkConfig,
    media: RealMediaConfig,
    bwe: Option<BweConfig>,
    decode: bool,
) -> Setup {
    let clock = EpochClock::new(Instant::now(), 1_800_000_000_000.0);
    let t0 = clock.anchor();
    let mut a = pc("10.0.0.1:5000", 1, clock);
    let mut b = pc("10.0.0.2:6000", 2, clock);
    let video = a
        .add_track(MediaStreamTrack {
            id: "cam".into(),
            kind: MediaKind::Video,
        })
        .unwrap();
    let audio = a
        .add_track(MediaStreamTrack {
            id: "mic".into(),
            kind: MediaKind::Audio,
        })
        .unwrap();
    if let Some(bwe) = bwe {
        a.set_bandwidth_estimator_config(bwe);
    }
    a.start_real_media(video, media).unwrap();
    a.start_real_media(audio, media).unwrap();
    if decode {
        b.enable_media_receive();
    }
    let offer = a.create_offer(t0).unwrap();
    a.set_local_description(t0, &offer).unwrap();
    b.set_remote_description(t0, &offer).unwrap();
    let answer = b.create_answer(t0).unwrap();
    b.set_local_description(t0, &answer).unwrap();
    a.set_remote_description(t0, &answer).unwrap();
    let back = LinkConfig {
        delay: Duration::from_millis(20),
        ..LinkConfig::default()
    };
    Setup {
        net: Net {
            now: t0,
            a,
            b,
            path: Path::new(a_to_b, back, 7).unwrap(),
        },
        video,
        audio,
    }
}

fn outbound(report: &RTCStatsReport, kind: MediaKind) -> &RTCOutboundRtpStreamStats {
    report
        .all::<RTCOutboundRtpStreamStats>()
        .find(|o| {
            matches!(
                (&o.media, kind),
                (OutboundRtpMedia::Video(_), MediaKind::Video)
                    | (OutboundRtpMedia::Audio(_), MediaKind::Audio)
            )
        })
        .unwrap()
}

fn inbound(report: &RTCStatsReport, kind: MediaKind) -> &RTCInboundRtpStreamStats {
    report
        .all::<RTCInboundRtpStreamStats>()
        .find(|o| {
            matches!(
                (&o.media, kind),
                (InboundRtpMedia::Video(_), MediaKind::Video)
                    | (InboundRtpMedia::Audio(_), MediaKind::Audio)
            )
        })
        .unwrap()
}

/// Runs `seconds` with reports every 500 ms through the verifier (strict) and the
/// sequence verifier on both sides, then stops the senders and drains.
fn run_checked(s: &mut Setup, seconds: u64) -> (RTCStatsReport, RTCStatsReport) {
    let t0 = s.net.now;
    let mut seq = [SequenceVerifier::new(), SequenceVerifier::new()];
    for tick in 1..=seconds * 2 {
        let at = t0 + Duration::from_millis(500 * tick);
        s.net.run_until(at);
        for (i, pc) in [&mut s.net.a, &mut s.net.b].into_iter().enumerate() {
            let report = pc.get_stats(at, None).unwrap();
            let v = verify_report(&report);
            // media-source framesPerSecond is absent during the source's first second.
            assert!(v.passes(tick >= 3), "side {i} at {tick}: {v:#?}");
            let v = seq[i].push(&serde_json::to_value(&report).unwrap());
            assert_eq!(v.errors(), 0, "{v:#?}");
        }
    }
    s.net.a.pause_real_media(s.video).unwrap();
    s.net.a.pause_real_media(s.audio).unwrap();
    let end = s.net.now + Duration::from_secs(1);
    s.net.run_until(end);
    let ra = s.net.a.get_stats(end, None).unwrap();
    let rb = s.net.b.get_stats(end, None).unwrap();
    for r in [&ra, &rb] {
        let v = verify_report(r);
        assert!(v.passes(true), "{v:#?}");
    }
    (ra, rb)
}

fn video_out(r: &RTCStatsReport) -> rtcscope_stats::OutboundRtpVideo {
    match &outbound(r, MediaKind::Video).media {
        OutboundRtpMedia::Video(v) => v.clone(),
        OutboundRtpMedia::Audio(_) => unreachable!(),
    }
}

fn video_in(r: &RTCStatsReport) -> rtcscope_stats::InboundRtpVideo {
    match &inbound(r, MediaKind::Video).media {
        InboundRtpMedia::Video(v) => v.clone(),
        InboundRtpMedia::Audio(_) => unreachable!(),
    }
}

#[test]
fn lossless_link_decodes_every_encoded_frame_in_order() {
    let link = LinkConfig {
        delay: Duration::from_millis(20),
        ..LinkConfig::default()
    };
    let mut s = setup(link, small_media());
    let (ra, rb) = run_checked(&mut s, 2);
    let sent = video_out(&ra);
    let got = video_in(&rb);
    let encoded = sent.frames_encoded.unwrap();
    eprintln!(
        "encoded {encoded}, sent {:?}, decoded {:?}",
        sent.frames_sent, got.frames_decoded
    );
    assert!(encoded >= 25, "{encoded}");
    assert_eq!(got.frames_decoded, Some(encoded));
    assert_eq!(got.frames_dropped, Some(0));
    assert_eq!(
        got.key_frames_decoded.map(u64::from),
        sent.key_frames_encoded.map(u64::from)
    );
    assert_eq!(got.frame_width, Some(468));
    // The counters drawn into the pictures: every decoded frame read, in order, none
    // missing (the source numbers frames from 0).
    let check = s.net.b.decoded_frame_check(RtpReceiver(s.video.0)).unwrap();
    assert_eq!(check.frames, u64::from(encoded));
    assert_eq!(check.counters_read, check.frames);
    assert_eq!(check.counters_out_of_order, 0);
    assert_eq!(check.first_counter, Some(0));
    assert_eq!(check.last_counter, Some(u64::from(encoded) - 1));
    // media-source and media-playout objects exist and are referenced.
    let out = outbound(&ra, MediaKind::Video);
    assert!(ra.has(out.media_source_id.as_deref().unwrap()));
    let inb = inbound(&rb, MediaKind::Audio);
    let InboundRtpMedia::Audio(audio) = &inb.media else {
        unreachable!()
    };
    assert!(rb.has(audio.playout_id.as_deref().unwrap()));
    // Stopping the receiving transceiver drops its decoder with it.
    let now = s.net.now;
    s.net.b.stop_transceiver(now, s.video.0).unwrap();
    assert_eq!(s.net.b.decoded_frame_check(RtpReceiver(s.video.0)), None);
}

fn audio_in(r: &RTCStatsReport) -> rtcscope_stats::InboundRtpAudio {
    match &inbound(r, MediaKind::Audio).media {
        InboundRtpMedia::Audio(a) => a.clone(),
        InboundRtpMedia::Video(_) => unreachable!(),
    }
}

#[test]
fn received_audio_energy_matches_the_known_signal() {
    let link = LinkConfig {
        delay: Duration::from_millis(20),
        ..LinkConfig::default()
    };
    let mut s = setup(link, small_media());
    let t0 = s.net.now;
    s.net.run_until(t0 + Duration::from_secs(3));
    let at = s.net.now;
    let ra = s.net.a.get_stats(at, None).unwrap();
    let rb = s.net.b.get_stats(at, None).unwrap();
    // Sender: the media-source energy is the closed form of the frames captured.
    let source = ra
        .all::<rtcscope_stats::RTCMediaSourceStats>()
        .find_map(|m| match &m.media {
            rtcscope_stats::MediaSourceMedia::Audio(a) => Some(a.clone()),
            rtcscope_stats::MediaSourceMedia::Video(_) => None,
        })
        .unwrap();
    let captured = (source.total_samples_duration.unwrap() / 0.02).round() as u64;
    let exact = SpeechLikeSource::energy_of_first_frames(captured);
    assert!((source.total_audio_energy.unwrap() - exact).abs() < 1e-6 * exact.max(1.0));
    // Receiver: what was played out (no loss: no concealment) carries the energy of as
    // many frames of the known signal, within 5 % (Opus is lossy, and its delay shifts
    // a few milliseconds of the envelope).
    let audio = audio_in(&rb);
    assert_eq!(audio.concealed_samples, Some(0));
    let played = audio.total_samples_duration.unwrap();
    let played_frames = (played / 0.02).round() as u64;
    assert!(played_frames >= 100, "{played_frames}");
    let expected = SpeechLikeSource::energy_of_first_frames(played_frames);
    let got = audio.total_audio_energy.unwrap();
    eprintln!("energy: received {got:.6} over {played_frames} frames, signal {expected:.6}");
    assert!(
        (got - expected).abs() <= 0.05 * expected,
        "{got} vs {expected}"
    );
}

#[test]
fn nack_and_rtx_recover_five_percent_loss() {
    let link = LinkConfig {
        loss: LossModel::Bernoulli { p: 0.05 },
        delay: Duration::from_millis(20),
        ..LinkConfig::default()
    };
    let mut s = setup(link, small_media());
    let (ra, rb) = run_checked(&mut s, 4);
    let out = outbound(&ra, MediaKind::Video);
    let sent = video_out(&ra);
    let inb = inbound(&rb, MediaKind::Video);
    let got = video_in(&rb);
    let encoded = sent.frames_encoded.unwrap();
    let decoded = got.frames_decoded.unwrap();
    eprintln!(
        "encoded {encoded}, decoded {decoded}, retransmitted {:?}, nacks {:?}, lost {:?}, freezes {:?}",
        out.retransmitted_packets_sent, inb.nack_count, inb.packets_lost, got.freeze_count
    );
    assert!(out.retransmitted_packets_sent.unwrap() > 0);
    assert!(out.retransmitted_bytes_sent.unwrap() > 0);
    assert!(inb.nack_count.unwrap() > 0);
    assert!(out.nack_count.unwrap() > 0);
    assert!(
        decoded as f64 >= 0.9 * encoded as f64,
        "{decoded} of {encoded}"
    );
    // Freezes are counted (the members are there; none at this rate of repair).
    assert!(got.freeze_count.is_some() && got.total_freezes_duration.is_some());
    let check = s.net.b.decoded_frame_check(RtpReceiver(s.video.0)).unwrap();
    assert_eq!(check.counters_out_of_order, 0);
}

#[test]
fn bottleneck_of_300_kbits_drives_the_estimate_and_limits_quality() {
    let link = LinkConfig {
        delay: Duration::from_millis(20),
        bandwidth_bps: Some(300_000),
        queue_bytes: 30_000,
        ..LinkConfig::default()
    };
    // The estimator starts at 1 Mbit/s so the link must push it down. The small test
    // frames cannot fill 300 kbit/s (the pattern compresses to ~90 kbit/s), so this runs
    // the full 640×480 at 30 fps (needs 369 kbit/s at 0.04 bit/pixel); B does not decode,
    // which halves the debug-build codec time.
    let media = RealMediaConfig::default();
    let bwe = BweConfig {
        start_bitrate_bps: 1_000_000,
        ..BweConfig::default()
    };
    let mut s = setup_with(link, media, Some(bwe), false);
    let t0 = s.net.now;
    let mut last = None;
    for second in 1..=12 {
        let at = t0 + Duration::from_secs(second);
        s.net.run_until(at);
        let r = s.net.a.get_stats(at, None).unwrap();
        let pair = r
            .all::<rtcscope_stats::RTCIceCandidatePairStats>()
            .find_map(|p| p.available_outgoing_bitrate);
        let v = video_out(&r);
        eprintln!(
            "t={second}s estimate {pair:?} target {:?} sent {:?} reason {:?}",
            outbound(&r, MediaKind::Video).target_bitrate,
            outbound(&r, MediaKind::Video).bytes_sent,
            v.quality_limitation_reason
        );
        last = Some(r);
    }
    let r = last.unwrap();
    let estimate = r
        .all::<rtcscope_stats::RTCIceCandidatePairStats>()
        .find_map(|p| p.available_outgoing_bitrate)
        .unwrap();
    assert!((210_000.0..=390_000.0).contains(&estimate), "{estimate}");
    // The pacer held video packets (a keyframe at 2.5 × the target takes time).
    let delay = outbound(&r, MediaKind::Video)
        .total_packet_send_delay
        .unwrap();
    assert!(delay > 0.0, "{delay}");
    assert_eq!(
        video_out(&r).quality_limitation_reason,
        Some(rtcscope_stats::RTCQualityLimitationReason::Bandwidth)
    );
    let v = verify_report(&r);
    assert!(v.passes(true), "{v:#?}");
}
