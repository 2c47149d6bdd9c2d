//! Audio send pipeline: RFC 7587 timestamps, sequence numbers and marker, and the
//! media-source energy against the source's closed-form energy.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rtcscope_media::opus::{OpusAudioDecoder, packet_samples};
use rtcscope_media::send::{AudioSender, AudioSenderConfig};
use rtcscope_media::source::SpeechLikeSource;
use rtcscope_media::source::audio::FRAME_SAMPLES;

#[test]
fn timestamps_energy_and_level_of_two_seconds_of_speech() {
    let config = AudioSenderConfig {
        initial_sequence_number: 65_500,
        initial_timestamp: 4_294_967_000,
        ..AudioSenderConfig::default()
    };
    let mut sender = AudioSender::new(config).unwrap();
    let mut source = SpeechLikeSource::new();
    let mut decoder = OpusAudioDecoder::new().unwrap();
    let mut frame = [0.0f32; FRAME_SAMPLES];
    let mut headers = Vec::new();
    let mut decoded_samples = 0;
    for _ in 0..100 {
        source.next_frame(&mut frame);
        sender
            .send_frame(&frame, |p| {
                assert_eq!(packet_samples(p.payload).unwrap(), 960);
                decoded_samples += decoder.decode(p.payload).unwrap().len();
                headers.push((p.sequence_number, p.timestamp, p.marker));
            })
            .unwrap();
    }
    assert_eq!(decoded_samples, 100 * 960);
    for (i, &(seq, ts, marker)) in headers.iter().enumerate() {
        assert_eq!(seq, 65_500u16.wrapping_add(i as u16));
        assert_eq!(ts, 4_294_967_000u32.wrapping_add(960 * i as u32));
        assert_eq!(marker, i == 0, "marker on the first packet only");
    }

    let source_stats = sender.source_stats();
    let expected = SpeechLikeSource::energy_of_first_frames(100);
    let relative = (source_stats.total_audio_energy - expected).abs() / expected;
    assert!(
        relative < 0.01,
        "energy {} vs {expected}",
        source_stats.total_audio_energy
    );
    // In fact only f32 rounding of the samples separates them.
    assert!(relative < 1e-6, "relative error {relative}");
    assert_eq!(source_stats.total_samples_duration, 2.0);
    // Level: RMS of the last 10 frames (90..100, pattern positions 15..25) over 0.2 s.
    let window_energy: f64 = (90..100).map(SpeechLikeSource::frame_energy).sum();
    let level = (window_energy / 0.2).sqrt();
    assert!((source_stats.audio_level.unwrap() - level).abs() < 1e-6 * level);
    // By hand: levels 0.6, 0.3, 0.1 then silence; sum of level² = 0.46, and each frame at
    // level 1 carries 0.45² × 1.5804403 × 0.01 of energy.
    let by_hand = (0.46 * 0.2025 * 1.580_440_3 * 0.01 / 0.2f64).sqrt();
    assert!((level - by_hand).abs() < 1e-6);

    let stats = sender.stats();
    assert_eq!(stats.target_bitrate_bps, 32_000);
    assert_eq!(stats.frames_sent, 100);
    sender.set_target_bitrate(20_000);
    assert_eq!(sender.stats().target_bitrate_bps, 20_000);
}

#[test]
fn no_level_before_the_first_frame() {
    let sender = AudioSender::new(AudioSenderConfig::default()).unwrap();
    let stats = sender.source_stats();
    assert_eq!(stats.audio_level, None);
    assert_eq!(stats.total_audio_energy, 0.0);
    assert_eq!(stats.total_samples_duration, 0.0);
}
