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

/// The decoder is C code fed remote data: mutated real access units (bit flips, truncation,
/// spliced bytes) must come back as errors or pictures, never a crash, and the decoder must
/// still decode a clean IDR afterwards.
#[test]
fn mutated_real_access_units_do_not_crash_the_decoder() {
    let mut source = TestPatternSource::vga30();
    let mut encoder = H264Encoder::new(H264EncoderConfig::default()).unwrap();
    let units: Vec<Vec<u8>> = (0..8)
        .map(|_| {
            let (_, frame) = source.next_frame();
            encoder.encode(&frame).unwrap();
            let mut unit = Vec::new();
            encoder.write_annex_b(&mut unit);
            unit
        })
        .collect();
    let mut decoder = H264Decoder::new().unwrap();
    let mut seed = 0xdead_beef_cafe_f00du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut errors, mut pictures) = (0, 0);
    // 300 in CI; set MEDIA_FUZZ_ROUNDS for a long run by hand.
    let rounds: usize = std::env::var("MEDIA_FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    for round in 0..rounds {
        let mut unit = units[round % units.len()].clone();
        match next() % 3 {
            0 => {
                for _ in 0..1 + next() % 8 {
                    let at = 5 + (next() as usize) % (unit.len() - 5);
                    unit[at] ^= 1 << (next() % 8);
                }
            }
            1 => unit.truncate(5 + (next() as usize) % (unit.len() - 5)),
            _ => {
                let at = 5 + (next() as usize) % (unit.len() - 5);
                let other = &units[(next() as usize) % units.len()];
                let from = (next() as usize) % other.len();
                unit.truncate(at);
                unit.extend_from_slice(&other[from..]);
            }
        }
        match decoder.decode(&unit) {
            Ok(Some(_)) => pictures += 1,
            Ok(None) => {}
            Err(_) => errors += 1,
        }
    }
    eprintln!("mutated access units: {pictures} pictures, {errors} errors");
    assert!(errors > 0, "mutations are noticed at least sometimes");
    let mut decoder_after = |unit: &[u8]| {
        decoder
            .decode(unit)
            .unwrap()
            .map(|(_, p)| read_frame_counter(p))
    };
    assert_eq!(
        decoder_after(&units[0]),
        Some(Some(0)),
        "a clean IDR decodes after the abuse"
    );
}

/// What the receive path must guard against: a P frame whose reference frame was lost.
/// openh264 (error concealment off, the wrapper's setting) answers with an error for every
/// P frame after the gap in frame_num, until an IDR: the receiver should send a PLI at the
/// first such error or, better, not feed P frames after a detected loss at all (as
/// `h264_rtp::loss_is_detected_and_a_keyframe_request_recovers` does).
#[test]
fn a_p_frame_after_a_lost_reference_is_not_a_correct_picture() {
    let mut source = TestPatternSource::vga30();
    let mut encoder = H264Encoder::new(H264EncoderConfig::default()).unwrap();
    let mut decoder = H264Decoder::new().unwrap();
    let mut unit = Vec::new();
    let mut outcomes = Vec::new();
    for n in 0..6u64 {
        let (_, frame) = source.next_frame();
        encoder.encode(&frame).unwrap();
        if n == 3 {
            continue; // lost
        }
        unit.clear();
        encoder.write_annex_b(&mut unit);
        let outcome = match decoder.decode(&unit) {
            Ok(Some((_, picture))) => format!("picture {:?}", read_frame_counter(picture)),
            Ok(None) => "none".to_owned(),
            Err(_) => "error".to_owned(),
        };
        outcomes.push((n, outcome));
    }
    eprintln!("{outcomes:?}");
    for (n, outcome) in &outcomes[..3] {
        assert_eq!(outcome, &format!("picture {:?}", Some(*n)));
    }
    for (n, outcome) in &outcomes[3..] {
        assert_eq!(outcome, "error", "frame {n}");
    }
}

#[test]
fn sps_matches_the_advertised_profile_level_id() {
    let mut source = TestPatternSource::vga30();
    let mut encoder = H264Encoder::new(H264EncoderConfig::default()).unwrap();
    let (_, frame) = source.next_frame();
    encoder.encode(&frame).unwrap();
    let sps = encoder
        .nal_units()
        .find(|nal| nal[0] & 0x1f == 7)
        .unwrap()
        .to_vec();
    eprintln!(
        "SPS profile/constraints/level: {:02x}{:02x}{:02x}",
        sps[1], sps[2], sps[3]
    );
    let advertised = rtcscope_media::h264::PROFILE_LEVEL_ID;
    assert_eq!(
        format!("{:02x}{:02x}{:02x}", sps[1], sps[2], sps[3]),
        advertised
    );
}
