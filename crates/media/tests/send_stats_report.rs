//! The send statistics, put into outbound-rtp and media-source objects of a report, pass
//! the project's verifier, and serialize with the values the pipeline measured.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use rtcscope_media::send::{AudioSender, AudioSenderConfig, VideoSender, VideoSenderConfig};
use rtcscope_media::source::audio::FRAME_SAMPLES;
use rtcscope_media::source::{SpeechLikeSource, TestPatternSource};
use rtcscope_stats::verify::{Severity, verify_report};
use rtcscope_stats::{RTCMediaSourceStats, RTCOutboundRtpStreamStats, RTCStatsReport};

/// A JSON number as f64 (the typed model writes doubles and integers alike as numbers).
macro_rules! num {
    ($value:expr) => {
        $value.as_f64().unwrap()
    };
}

const TIMESTAMP_MS: f64 = 1_700_000_000_000.0;

#[test]
fn send_stats_objects_pass_the_verifier() {
    let t0 = Instant::now();
    let mut video = VideoSender::new(VideoSenderConfig::default(), t0).unwrap();
    let mut source = TestPatternSource::vga30();
    let (mut video_packets, mut video_bytes) = (0u64, 0u64);
    // 31 frames: 0 to 1 s, so the source's framesPerSecond (absent in its first second) is
    // present, as the verifier wants of a mandatory member.
    for n in 0..31 {
        let (_, frame) = source.next_frame();
        video
            .send_frame(t0 + source.capture_time(n), &frame, |p| {
                video_packets += 1;
                video_bytes += p.payload.len() as u64;
            })
            .unwrap();
    }
    let mut audio = AudioSender::new(AudioSenderConfig::default()).unwrap();
    let mut speech = SpeechLikeSource::new();
    let mut samples = [0.0f32; FRAME_SAMPLES];
    let (mut audio_packets, mut audio_bytes) = (0u64, 0u64);
    for _ in 0..10 {
        speech.next_frame(&mut samples);
        audio
            .send_frame(&samples, |p| {
                audio_packets += 1;
                audio_bytes += p.payload.len() as u64;
            })
            .unwrap();
    }
    let now = t0 + source.capture_time(30);

    let mut report = RTCStatsReport::new();
    let mut video_outbound = RTCOutboundRtpStreamStats {
        id: "OT01V1111".into(),
        timestamp: TIMESTAMP_MS,
        ssrc: 1111,
        packets_sent: Some(video_packets),
        bytes_sent: Some(video_bytes),
        media_source_id: Some("SV1".into()),
        ..Default::default()
    };
    video.stats(now).fill_outbound(&mut video_outbound);
    report.insert(video_outbound);
    report.insert(RTCMediaSourceStats {
        id: "SV1".into(),
        timestamp: TIMESTAMP_MS,
        track_identifier: "video-track".into(),
        media: video.source_stats(now).media(),
        ..Default::default()
    });
    let mut audio_outbound = RTCOutboundRtpStreamStats {
        id: "OT01A2222".into(),
        timestamp: TIMESTAMP_MS,
        ssrc: 2222,
        packets_sent: Some(audio_packets),
        bytes_sent: Some(audio_bytes),
        media_source_id: Some("SA2".into()),
        ..Default::default()
    };
    audio.stats().fill_outbound(&mut audio_outbound);
    report.insert(audio_outbound);
    report.insert(RTCMediaSourceStats {
        id: "SA2".into(),
        timestamp: TIMESTAMP_MS,
        track_identifier: "audio-track".into(),
        media: audio.source_stats().media(),
        ..Default::default()
    });

    let verdict = verify_report(&report);
    assert_eq!(verdict.errors(), 0, "{:#?}", verdict.violations);
    // What is still missing (warnings: mandatory members) belongs to the transport and the
    // peer connection (transportId, codecId, remoteId), never to this pipeline.
    for v in &verdict.violations {
        assert_eq!(v.severity, Severity::Warning);
        let member = v.member.as_deref().unwrap_or("");
        assert!(
            ["transportId", "codecId", "remoteId"].contains(&member),
            "unexpected: {v:?}"
        );
    }

    let json = report.to_json_object();
    let v = &json["OT01V1111"];
    assert_eq!(v["kind"], "video");
    assert_eq!(num!(v["framesEncoded"]), 31.0);
    assert_eq!(num!(v["framesSent"]), 31.0);
    assert_eq!(num!(v["keyFramesEncoded"]), 1.0);
    assert_eq!(num!(v["frameWidth"]), 640.0);
    assert_eq!(num!(v["frameHeight"]), 480.0);
    // Frames in (0 s, 1 s]: 1..=30.
    assert_eq!(num!(v["framesPerSecond"]), 30.0);
    assert_eq!(num!(v["targetBitrate"]), 1000000.0);
    assert_eq!(v["encoderImplementation"], "OpenH264");
    assert_eq!(v["powerEfficientEncoder"], false);
    assert_eq!(v["scalabilityMode"], "L1T1");
    assert_eq!(v["active"], true);
    assert_eq!(v["qualityLimitationReason"], "none");
    assert_eq!(num!(v["qualityLimitationDurations"]["bandwidth"]), 0.0);
    assert_eq!(num!(v["nackCount"]), 0.0);
    assert_eq!(num!(v["pliCount"]), 0.0);
    let s = &json["SV1"];
    assert_eq!(s["kind"], "video");
    assert_eq!(num!(s["width"]), 640.0);
    assert_eq!(num!(s["height"]), 480.0);
    assert_eq!(num!(s["frames"]), 31.0);
    assert_eq!(num!(s["framesPerSecond"]), 30.0);
    let a = &json["OT01A2222"];
    assert_eq!(a["kind"], "audio");
    assert_eq!(num!(a["targetBitrate"]), 32000.0);
    assert!(a.get("framesEncoded").is_none(), "video-only member");
    let sa = &json["SA2"];
    assert_eq!(num!(sa["totalSamplesDuration"]), 0.2);
    let energy = sa["totalAudioEnergy"].as_f64().unwrap();
    let expected = SpeechLikeSource::energy_of_first_frames(10);
    assert!((energy - expected).abs() < 1e-6 * expected);
    assert!(sa["audioLevel"].as_f64().unwrap() > 0.0);
}
