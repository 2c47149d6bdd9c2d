//! Opus through opus-pure: round-trip quality on the speech-like source, loss concealment,
//! RFC 7587 framing, and hostile payloads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rtcscope_media::opus::{
    OpusApplication, OpusAudioDecoder, OpusAudioEncoder, OpusEncoderConfig, packet_samples,
};
use rtcscope_media::source::SpeechLikeSource;
use rtcscope_media::source::audio::{FRAME_SAMPLES, SAMPLE_RATE, measured_energy};

const FRAMES: usize = 125; // 2.5 s: five syllable cycles, and opus-pure is slow unoptimised

struct RoundTrip {
    source: Vec<f32>,
    decoded: Vec<f32>,
    payload_bytes: usize,
}

fn round_trip(config: OpusEncoderConfig, frames: usize) -> RoundTrip {
    let mut source = SpeechLikeSource::new();
    let mut encoder = OpusAudioEncoder::new(config).unwrap();
    let mut decoder = OpusAudioDecoder::new().unwrap();
    let mut frame = [0.0f32; FRAME_SAMPLES];
    let mut result = RoundTrip {
        source: Vec::new(),
        decoded: Vec::new(),
        payload_bytes: 0,
    };
    for _ in 0..frames {
        source.next_frame(&mut frame);
        result.source.extend_from_slice(&frame);
        let payload = encoder.encode(&frame).unwrap();
        result.payload_bytes += payload.len();
        // RFC 7587: the RTP timestamp advances by the TOC duration, 20 ms here.
        assert_eq!(packet_samples(payload), Ok(FRAME_SAMPLES));
        let pcm = decoder.decode(payload).unwrap();
        assert_eq!(pcm.len(), FRAME_SAMPLES);
        result.decoded.extend_from_slice(pcm);
    }
    result
}

/// Codec delay (found by cross-correlation over the second second, lags 0..600) and the
/// normalised correlation there.
fn align(source: &[f32], decoded: &[f32]) -> (usize, f64) {
    let window = SAMPLE_RATE as usize..2 * SAMPLE_RATE as usize;
    (0..600)
        .map(|lag| {
            let (mut xy, mut xx, mut yy) = (0.0, 0.0, 0.0);
            for i in window.clone() {
                let (x, y) = (f64::from(source[i]), f64::from(decoded[i + lag]));
                xy += x * y;
                xx += x * x;
                yy += y * y;
            }
            (lag, xy / (xx * yy).sqrt())
        })
        .fold((0, f64::MIN), |best, c| if c.1 > best.1 { c } else { best })
}

/// Waveform SNR in dB after aligning by `lag`, and the mean absolute dB error of the 20 ms
/// frame energies of voiced frames (source above -40 dBFS mean power).
fn quality(source: &[f32], decoded: &[f32], lag: usize) -> (f64, f64) {
    let n = source.len() - lag;
    let (mut signal, mut noise) = (0.0, 0.0);
    for i in 0..n {
        let (x, y) = (f64::from(source[i]), f64::from(decoded[i + lag]));
        signal += x * x;
        noise += (x - y) * (x - y);
    }
    let (mut error_db, mut voiced) = (0.0, 0);
    for f in 0..n / FRAME_SAMPLES {
        let span = f * FRAME_SAMPLES..(f + 1) * FRAME_SAMPLES;
        let es = measured_energy(&source[span.clone()], SAMPLE_RATE);
        let ed = measured_energy(&decoded[span.start + lag..span.end + lag], SAMPLE_RATE);
        if es / 0.02 > 1e-4 {
            error_db += (10.0 * (ed / es).log10()).abs();
            voiced += 1;
        }
    }
    (
        10.0 * (signal / noise).log10(),
        error_db / f64::from(voiced),
    )
}

// Thresholds. On this signal at 32 kbit/s these tests measure correlation 0.9986 and 0.13 dB
// frame-energy error (VoIP) and correlation 0.9987, SNR 20.4 dB, 0.085 dB (Audio). The crate
// evaluation in the README used a harder signal (pitch vibrato) and measured, for opus-pure
// at 32 kbit/s, correlation 0.89 / 0.52 dB (VoIP: SILK codes the spectral envelope and
// pitch, not the waveform, so waveform SNR is not a fair bar for it) and 0.978 / 13.6 dB /
// 0.14 dB (Audio: CELT is waveform-matching). The bounds sit at the harder signal's level,
// so encoder tuning passes, while a broken path (misaligned, silent or garbled output gives
// correlation near 0 and errors of many dB) fails. Frame energy is what audioLevel and
// totalAudioEnergy depend on.

#[test]
fn voip_round_trip_keeps_the_speech_envelope() {
    let rt = round_trip(OpusEncoderConfig::default(), FRAMES);
    let (lag, correlation) = align(&rt.source, &rt.decoded);
    let (_, energy_error_db) = quality(&rt.source, &rt.decoded, lag);
    eprintln!("voip: lag {lag} correlation {correlation:.4} energy error {energy_error_db:.3} dB");
    assert!(correlation > 0.8, "correlation {correlation} at lag {lag}");
    assert!(
        energy_error_db < 1.0,
        "frame energy error {energy_error_db} dB"
    );
    // Total energy of the decoded signal within 5% of the analytic value (issue 7's bar
    // for totalAudioEnergy), trimming the codec delay at the end.
    let expected = SpeechLikeSource::energy_of_first_frames(FRAMES as u64);
    let decoded = measured_energy(&rt.decoded, SAMPLE_RATE);
    eprintln!("voip: decoded energy {decoded:.6} expected {expected:.6}");
    assert!(
        (decoded / expected - 1.0).abs() < 0.05,
        "decoded {decoded} expected {expected}"
    );
    // 32 kbit/s VBR: 2.5 s must fit in 32 kbit/s * 2.5 s * 1.25 = 12.5 kB.
    assert!(rt.payload_bytes < 12_500, "{} bytes", rt.payload_bytes);
}

#[test]
fn audio_mode_round_trip_matches_the_waveform() {
    let rt = round_trip(
        OpusEncoderConfig {
            application: OpusApplication::Audio,
            ..OpusEncoderConfig::default()
        },
        FRAMES,
    );
    let (lag, correlation) = align(&rt.source, &rt.decoded);
    let (snr_db, energy_error_db) = quality(&rt.source, &rt.decoded, lag);
    eprintln!(
        "audio: lag {lag} correlation {correlation:.4} snr {snr_db:.2} dB energy error {energy_error_db:.3} dB"
    );
    assert!(correlation > 0.95, "correlation {correlation} at lag {lag}");
    assert!(snr_db > 10.0, "SNR {snr_db} dB");
    assert!(
        energy_error_db < 0.5,
        "frame energy error {energy_error_db} dB"
    );
}

#[test]
fn concealment_fills_lost_packets_and_decoding_resumes() {
    let mut source = SpeechLikeSource::new();
    let mut encoder = OpusAudioEncoder::new(OpusEncoderConfig::default()).unwrap();
    let mut decoder = OpusAudioDecoder::new().unwrap();
    let mut frame = [0.0f32; FRAME_SAMPLES];
    for index in 0..50 {
        source.next_frame(&mut frame);
        let payload = encoder.encode(&frame).unwrap().to_vec();
        if index == 29 || index == 30 {
            // Frames 29 and 30 (levels 0.8 and 0.6 of the cycle) are lost.
            let pcm = decoder.conceal(FRAME_SAMPLES).unwrap();
            assert_eq!(pcm.len(), FRAME_SAMPLES);
            let energy = measured_energy(pcm, SAMPLE_RATE);
            assert!(energy > 0.0, "concealment continues the voiced signal");
        } else if index == 31 {
            let pcm = decoder.decode(&payload).unwrap();
            assert_eq!(pcm.len(), FRAME_SAMPLES);
        } else {
            decoder.decode(&payload).unwrap();
        }
    }
}

#[test]
fn fec_recovers_a_lost_packet_from_the_next() {
    let mut source = SpeechLikeSource::new();
    let mut encoder = OpusAudioEncoder::new(OpusEncoderConfig {
        packet_loss_percent: 20,
        ..OpusEncoderConfig::default()
    })
    .unwrap();
    let mut decoder = OpusAudioDecoder::new().unwrap();
    let mut frame = [0.0f32; FRAME_SAMPLES];
    let mut payloads = Vec::new();
    for _ in 0..30 {
        source.next_frame(&mut frame);
        payloads.push(encoder.encode(&frame).unwrap().to_vec());
    }
    for payload in &payloads[..28] {
        decoder.decode(payload).unwrap();
    }
    // Packet 28 lost, 29 arrived: rebuild 28 from 29's FEC, then decode 29.
    let recovered = decoder
        .recover_from_fec(&payloads[29], FRAME_SAMPLES)
        .unwrap();
    assert_eq!(recovered.len(), FRAME_SAMPLES);
    assert_eq!(decoder.decode(&payloads[29]).unwrap().len(), FRAME_SAMPLES);
}

#[test]
fn bitrate_follows_the_target() {
    let bytes_at = |bps: u32| {
        round_trip(
            OpusEncoderConfig {
                application: OpusApplication::Audio,
                bitrate_bps: bps,
                ..OpusEncoderConfig::default()
            },
            50,
        )
        .payload_bytes
    };
    let (low, high) = (bytes_at(12_000), bytes_at(64_000));
    assert!(low * 2 < high, "{low} vs {high} bytes");
    let mut encoder = OpusAudioEncoder::new(OpusEncoderConfig::default()).unwrap();
    encoder.set_target_bitrate(1);
    assert_eq!(encoder.target_bitrate(), 6_000);
}

#[test]
fn hostile_payloads_are_errors_not_panics() {
    let mut decoder = OpusAudioDecoder::new().unwrap();
    assert!(decoder.decode(&[]).is_err());
    let mut seed = 0x5851_f42d_4c95_7f2du64;
    let mut ok = 0;
    for _ in 0..3000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % 200) as usize + 1;
        let payload: Vec<u8> = (0..len)
            .map(|i| (seed.rotate_left(i as u32 * 7) ^ i as u64) as u8)
            .collect();
        if let Ok(pcm) = decoder.decode(&payload) {
            assert_eq!(Ok(pcm.len()), packet_samples(&payload));
            ok += 1;
        }
    }
    assert!(ok > 0);
}
