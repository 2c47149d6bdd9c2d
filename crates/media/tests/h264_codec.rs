//! openh264 encoder and decoder wrappers on the synthetic test pattern.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rtcscope_media::h264::{H264Decoder, H264Encoder, H264EncoderConfig};
use rtcscope_media::source::TestPatternSource;
use rtcscope_media::source::video::read_frame_counter;

#[test]
fn encoded_frames_decode_to_the_drawn_counter() {
    let mut source = TestPatternSource::vga30();
    let mut encoder = H264Encoder::new(H264EncoderConfig::default()).unwrap();
    let mut decoder = H264Decoder::new().unwrap();
    let mut stream = Vec::new();
    let mut total_bytes = 0;
    for n in 0..30u64 {
        let (number, frame) = source.next_frame();
        assert_eq!(number, n);
        let info = encoder.encode(&frame).unwrap();
        assert!(!info.skipped);
        assert_eq!(info.keyframe, n == 0, "frame {n}: only the first is an IDR");
        assert_eq!((info.width, info.height), (640, 480));
        let qp = info.qp.expect("openh264 slices parse");
        assert!((10..=51).contains(&qp), "qp {qp}");
        total_bytes += info.size_bytes;
        stream.clear();
        encoder.write_annex_b(&mut stream);
        assert_eq!(
            stream.len(),
            info.size_bytes + 4 * encoder.nal_units().count()
        );
        let (decoded, picture) = decoder
            .decode(&stream)
            .unwrap()
            .expect("a picture per frame");
        assert_eq!((decoded.width, decoded.height), (640, 480));
        assert_eq!(decoded.keyframe, info.keyframe);
        assert_eq!(decoded.qp, info.qp, "both sides read the same slice header");
        assert_eq!(read_frame_counter(picture), Some(n));
    }
    // 1 Mbit/s at 30 fps is ~4.2 kB a frame; allow the first IDR to overshoot.
    assert!(
        total_bytes > 30 * 1000 && total_bytes < 30 * 12_000,
        "{total_bytes} bytes"
    );
}

#[test]
fn keyframe_request_yields_an_idr_on_the_next_frame_only() {
    let mut source = TestPatternSource::vga30();
    let mut encoder = H264Encoder::new(H264EncoderConfig::default()).unwrap();
    let mut keyframes = Vec::new();
    for n in 0..12u64 {
        if n == 7 {
            encoder.request_keyframe();
        }
        let (_, frame) = source.next_frame();
        let info = encoder.encode(&frame).unwrap();
        if info.keyframe {
            keyframes.push(n);
            // An IDR access unit carries SPS and PPS so a receiver can start from it.
            let types: Vec<u8> = encoder.nal_units().map(|nal| nal[0] & 0x1f).collect();
            assert!(
                types.contains(&7) && types.contains(&8) && types.contains(&5),
                "{types:?}"
            );
        }
    }
    assert_eq!(keyframes, vec![0, 7]);
}

#[test]
fn lower_bitrate_means_smaller_frames_and_higher_qp() {
    let run = |bps: u32| {
        let mut source = TestPatternSource::vga30();
        let mut encoder = H264Encoder::new(H264EncoderConfig {
            target_bitrate_bps: bps,
            ..H264EncoderConfig::default()
        })
        .unwrap();
        let (mut bytes, mut qp_sum) = (0usize, 0u32);
        for _ in 0..20 {
            let (_, frame) = source.next_frame();
            let info = encoder.encode(&frame).unwrap();
            bytes += info.size_bytes;
            qp_sum += u32::from(info.qp.unwrap());
        }
        (bytes, qp_sum)
    };
    let (high_bytes, high_qp) = run(2_000_000);
    let (low_bytes, low_qp) = run(200_000);
    assert!(low_bytes * 3 < high_bytes, "{low_bytes} vs {high_bytes}");
    assert!(low_qp > high_qp, "{low_qp} vs {high_qp}");
}

#[test]
fn a_bitrate_change_is_applied_past_the_hysteresis_only() {
    let mut source = TestPatternSource::vga30();
    let mut encoder = H264Encoder::new(H264EncoderConfig::default()).unwrap();
    let (_, frame) = source.next_frame();
    encoder.encode(&frame).unwrap();
    encoder.set_target_bitrate(1_100_000);
    let info = encoder.encode(&frame).unwrap();
    assert_eq!(
        (info.target_bitrate_bps, encoder.reconfigurations()),
        (1_000_000, 0)
    );
    encoder.set_target_bitrate(300_000);
    let info = encoder.encode(&frame).unwrap();
    assert_eq!(
        (info.target_bitrate_bps, encoder.reconfigurations()),
        (300_000, 1)
    );
    assert!(info.keyframe, "a rebuilt encoder starts with an IDR");
}

#[test]
fn garbage_access_units_are_errors_not_panics() {
    let mut decoder = H264Decoder::new().unwrap();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for round in 0..200 {
        let mut unit = vec![0, 0, 0, 1];
        for _ in 0..(round % 50 + 1) * 7 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            unit.push(seed as u8);
        }
        let _ = decoder.decode(&unit);
    }
    // Still works on a real stream afterwards.
    let mut source = TestPatternSource::vga30();
    let mut encoder = H264Encoder::new(H264EncoderConfig::default()).unwrap();
    let (_, frame) = source.next_frame();
    encoder.encode(&frame).unwrap();
    let mut stream = Vec::new();
    encoder.write_annex_b(&mut stream);
    let (_, picture) = decoder.decode(&stream).unwrap().unwrap();
    assert_eq!(read_frame_counter(picture), Some(0));
}
