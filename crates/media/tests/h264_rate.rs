//! Rate control: what bitrate openh264 actually produces against its target, and whether
//! the counter survives low rates (the 300 kbit/s bottleneck scenario of issue 7).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rtcscope_media::h264::{H264Decoder, H264Encoder, H264EncoderConfig};
use rtcscope_media::source::TestPatternSource;
use rtcscope_media::source::video::read_frame_counter;

/// Encodes `frames` frames at `bps`, decodes them and returns (achieved bit/s over the P
/// frames after the first second, frames produced, frames whose counter read back right).
fn run(bps: u32, skipping: bool, frames: u64) -> (f64, u64, u64) {
    let mut source = TestPatternSource::vga30();
    let mut encoder = H264Encoder::new(H264EncoderConfig {
        target_bitrate_bps: bps,
        allow_frame_skipping: skipping,
        ..H264EncoderConfig::default()
    })
    .unwrap();
    let mut decoder = H264Decoder::new().unwrap();
    let (mut late_bytes, mut produced, mut readable) = (0usize, 0u64, 0u64);
    let mut unit = Vec::new();
    for n in 0..frames {
        let (_, frame) = source.next_frame();
        let info = encoder.encode(&frame).unwrap();
        if info.skipped {
            continue;
        }
        produced += 1;
        if n >= 30 {
            late_bytes += info.size_bytes;
        }
        unit.clear();
        encoder.write_annex_b(&mut unit);
        let (_, picture) = decoder.decode(&unit).unwrap().unwrap();
        readable += u64::from(read_frame_counter(picture) == Some(n));
    }
    let seconds = (frames - 30) as f64 / 30.0;
    (late_bytes as f64 * 8.0 / seconds, produced, readable)
}

/// Measured on this pattern (90 frames): target 300 kbit/s gives 355 kbit/s without frame
/// skipping (all 90 frames) and 312 kbit/s with it (74 frames); 150 kbit/s with skipping
/// gives 180 kbit/s in 34 frames. openh264 only holds the target when allowed to skip
/// (it says so on stderr), hence the looser bound without.
#[test]
fn rate_control_and_counter_legibility_at_low_rates() {
    for (bps, skipping, bound) in [(300_000, false, 1.5), (300_000, true, 1.3)] {
        let (achieved, produced, readable) = run(bps, skipping, 60);
        eprintln!(
            "target {bps} skipping {skipping}: achieved {achieved:.0} bit/s, {produced} frames, {readable} readable"
        );
        // Every frame that was produced shows the right counter at this low rate.
        assert_eq!(readable, produced);
        assert!(produced >= 30, "{produced} frames");
        assert!(achieved < f64::from(bps) * bound, "{achieved} vs {bps}");
        assert!(achieved > f64::from(bps) * 0.5, "{achieved} vs {bps}");
    }
}
