//! The demo over real loopback UDP with impairment, through the library
//! function `rtcscope demo` calls.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use rtcscope_peer::demo::{DemoOptions, DemoSample, DemoSide, run};
use rtcscope_stats::verify::{SequenceVerifier, verify_report};
use rtcscope_stats::{
    MediaKind, RTCIceCandidatePairStats, RTCInboundRtpStreamStats, RTCRemoteInboundRtpStreamStats,
    RTCTransportStats,
};

#[tokio::test]
async fn demo_with_5_percent_loss_and_40ms_delay() {
    let options = DemoOptions {
        seconds: 4.0,
        loss_percent: 5.0,
        delay: Duration::from_millis(40),
        seed: 7,
        // Exact packet counts of the synthetic sources; real media is tested below.
        synthetic: true,
        ..DemoOptions::default()
    };
    let mut samples: Vec<DemoSample> = Vec::new();
    let summary = run(&options, |s| samples.push(s.clone())).await.unwrap();
    eprintln!("{summary:?}");
    let mut seq = [SequenceVerifier::new(), SequenceVerifier::new()];
    for s in &samples {
        let v = verify_report(&s.report);
        assert_eq!(v.errors(), 0, "{:?} t={}: {v:#?}", s.side, s.t);
        let json = serde_json::to_value(&s.report).unwrap();
        let v = seq[s.side as usize].push(&json);
        assert_eq!(v.errors(), 0, "{:?} sequence: {v:#?}", s.side);
    }
    assert_eq!(samples.len(), 8, "4 s of samples, both sides");
    let last = |side: DemoSide| samples.iter().rev().find(|s| s.side == side).unwrap();
    let answerer = &last(DemoSide::Answerer).report;
    let offerer = &last(DemoSide::Offerer).report;

    // Answerer: the audio stream lost ~5 % (Bernoulli on ~190 packets:
    // a 2σ band is about ±3.2 points).
    let audio = answerer
        .all::<RTCInboundRtpStreamStats>()
        .find(|i| i.kind() == MediaKind::Audio)
        .unwrap();
    let lost = audio.packets_lost.unwrap() as f64;
    let received = audio.packets_received.unwrap() as f64;
    let ratio = lost / (lost + received);
    assert!(received > 120.0, "audio packets received: {received}");
    assert!((0.01..=0.11).contains(&ratio), "audio loss ratio {ratio}");

    // Offerer: RTT = 2 × 40 ms one-way (+ scheduling on a loaded machine).
    let rtt_ok = |rtt: f64| (0.078..0.2).contains(&rtt);
    let mut remote_inbound = 0;
    for ri in offerer.all::<RTCRemoteInboundRtpStreamStats>() {
        let rtt = ri.round_trip_time.unwrap();
        assert!(rtt_ok(rtt), "{} roundTripTime {rtt}", ri.id);
        remote_inbound += 1;
    }
    assert_eq!(remote_inbound, 2, "audio and video remote-inbound-rtp");
    let transport = offerer.all::<RTCTransportStats>().next().unwrap();
    let pair: &RTCIceCandidatePairStats = offerer
        .get_as(transport.selected_candidate_pair_id.as_deref().unwrap())
        .unwrap();
    let rtt = pair.current_round_trip_time.unwrap();
    assert!(rtt_ok(rtt), "candidate-pair currentRoundTripTime {rtt}");

    // Data-channel messages (one per 200 ms once open) arrive; with 5 %
    // loss the last few may still await an SCTP retransmission at the end.
    assert!(summary.messages_sent >= 10, "{summary:?}");
    assert!(summary.messages_received <= summary.messages_sent);
    assert!(
        summary.messages_received + 6 >= summary.messages_sent,
        "{summary:?}"
    );
    // The relay dropped ~5 % in each direction, so impairment really applied.
    assert!(summary.relay.dropped[0] > 0, "{summary:?}");
}

/// Real media through the demo at 10 % loss (small frames: the codecs are slow in debug
/// builds):
/// frames decoded on the answerer, real codec stats, and every report from the
/// third second on passes the verifier strictly (media-source framesPerSecond is
/// absent during the source's first second, as the spec says).
#[tokio::test]
async fn demo_with_real_media_passes_strict_verification() {
    let options = DemoOptions {
        seconds: 4.0,
        // ~55 video packets at 10 %: a loss-free run is improbable (~0.3 %).
        loss_percent: 10.0,
        delay: Duration::from_millis(10),
        seed: 3,
        media: rtcscope_peer::pipeline::RealMediaConfig {
            width: 468,
            height: 132,
            fps: 15,
            ..Default::default()
        },
        ..DemoOptions::default()
    };
    let mut samples: Vec<DemoSample> = Vec::new();
    run(&options, |s| samples.push(s.clone())).await.unwrap();
    let mut seq = [SequenceVerifier::new(), SequenceVerifier::new()];
    for s in &samples {
        let v = verify_report(&s.report);
        assert!(v.passes(s.t >= 3.0), "{:?} t={}: {v:#?}", s.side, s.t);
        let json = serde_json::to_value(&s.report).unwrap();
        let v = seq[s.side as usize].push(&json);
        assert_eq!(v.errors(), 0, "{:?} sequence: {v:#?}", s.side);
    }
    let answerer = &samples
        .iter()
        .rev()
        .find(|s| s.side == DemoSide::Answerer)
        .unwrap()
        .report;
    let video = answerer
        .all::<RTCInboundRtpStreamStats>()
        .find(|i| i.kind() == MediaKind::Video)
        .unwrap();
    let rtcscope_stats::InboundRtpMedia::Video(v) = &video.media else {
        unreachable!()
    };
    eprintln!(
        "demo decoded {:?} frames at {:?}x{:?}",
        v.frames_decoded, v.frame_width, v.frame_height
    );
    assert!(v.frames_decoded.unwrap() >= 20);
    // Loss repaired across the codec threads: the decoder thread's NACKs reached the
    // encoder thread's RTX history.
    eprintln!(
        "nacks {:?}, retransmitted {:?}",
        video.nack_count, video.retransmitted_packets_received
    );
    assert!(video.nack_count.unwrap() > 0);
    assert!(video.retransmitted_packets_received.unwrap() > 0);
    assert_eq!(v.frame_width, Some(468));
    assert_eq!(v.decoder_implementation.as_deref(), Some("OpenH264"));
}
