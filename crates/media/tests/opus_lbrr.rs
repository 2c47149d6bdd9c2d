//! `carries_lbrr` against what the real Opus encoder produces: with in-band FEC and an
//! expected loss the SILK layer codes LBRR data; with an expected loss of 0 it does not
//! (RFC 6716 §4.2.4: LBRR is only coded when the encoder expects loss).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rtcscope_media::opus::lbrr::carries_lbrr;
use rtcscope_media::opus::{OpusApplication, OpusAudioEncoder, OpusEncoderConfig};
use rtcscope_media::source::SpeechLikeSource;

/// (packets with LBRR, of which CELT-only) over 150 packets of the speech-like source.
fn count_lbrr(packet_loss_percent: u8, inband_fec: bool) -> (usize, usize) {
    let mut encoder = OpusAudioEncoder::new(OpusEncoderConfig {
        application: OpusApplication::Voip,
        bitrate_bps: 32_000,
        inband_fec,
        packet_loss_percent,
    })
    .unwrap();
    let mut source = SpeechLikeSource::new();
    let mut frame = [0f32; 960];
    let (mut with, mut celt) = (0, 0);
    for _ in 0..150 {
        source.next_frame(&mut frame);
        let packet = encoder.encode(&frame).unwrap();
        if carries_lbrr(packet) {
            with += 1;
            if packet[0] >> 3 >= 16 {
                celt += 1;
            }
        }
    }
    (with, celt)
}

#[test]
fn fec_with_expected_loss_carries_lbrr_and_without_it_none() {
    // With FEC and expected loss, the active SILK/hybrid frames carry LBRR (opus-pure
    // moves to CELT-only after a while at 32 kbit/s, and silent frames need none).
    let (with, celt) = count_lbrr(20, true);
    assert!(with >= 10, "only {with} packets carry LBRR");
    assert_eq!(celt, 0, "CELT-only packets cannot carry LBRR");
    // The same active frames with no expected loss, or with FEC off: the LBRR flag
    // (read right after the VAD flag, which is set on these frames) is 0.
    assert_eq!(count_lbrr(0, true).0, 0);
    assert_eq!(count_lbrr(20, false).0, 0);
}
