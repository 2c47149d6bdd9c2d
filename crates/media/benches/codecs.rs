//! Per-frame cost of the media path: H.264 encode and decode of the 640×480 test pattern at
//! 1 Mbit/s, RFC 6184 packetize + depacketize at MTU 1200, and Opus encode and decode of one
//! 20 ms frame.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rtcscope_media::h264::{
    FrameOutcome, H264Decoder, H264Depacketizer, H264Encoder, H264EncoderConfig, H264Packetizer,
};
use rtcscope_media::opus::{OpusAudioDecoder, OpusAudioEncoder, OpusEncoderConfig};
use rtcscope_media::source::SpeechLikeSource;
use rtcscope_media::source::TestPatternSource;
use rtcscope_media::source::audio::FRAME_SAMPLES;

/// Frames per cycle in the decode bench: one IDR and 59 P frames, like two seconds of video.
const GOP: usize = 60;

fn h264(c: &mut Criterion) {
    let mut source = TestPatternSource::vga30();
    let frames: Vec<_> = (0..GOP).map(|_| source.next_frame().1).collect();
    let mut encoder = H264Encoder::new(H264EncoderConfig::default()).unwrap();
    let mut index = 0;
    // Warm up past the IDR so the steady state (P frames) is measured.
    for frame in &frames[..5] {
        encoder.encode(frame).unwrap();
    }
    c.bench_function("h264_encode_640x480_p_frame_1mbps", |b| {
        b.iter(|| {
            index = (index + 1) % GOP;
            black_box(encoder.encode(black_box(&frames[index])).unwrap())
        })
    });

    let mut encoder = H264Encoder::new(H264EncoderConfig::default()).unwrap();
    let units: Vec<Vec<u8>> = frames
        .iter()
        .map(|frame| {
            encoder.encode(frame).unwrap();
            let mut unit = Vec::new();
            encoder.write_annex_b(&mut unit);
            unit
        })
        .collect();
    let mut decoder = H264Decoder::new().unwrap();
    let mut index = 0;
    c.bench_function("h264_decode_640x480_gop60_per_frame", |b| {
        b.iter(|| {
            let unit = &units[index];
            index = (index + 1) % GOP;
            black_box(decoder.decode(unit).unwrap().map(|(info, _)| info))
        })
    });

    // Packetize + depacketize the IDR (SPS/PPS STAP-A and many FU-A fragments) and a
    // P frame of the same stream.
    let mut encoder = H264Encoder::new(H264EncoderConfig::default()).unwrap();
    let mut access_units: Vec<Vec<Vec<u8>>> = Vec::new();
    for frame in &frames[..10] {
        encoder.encode(frame).unwrap();
        access_units.push(encoder.nal_units().map(<[u8]>::to_vec).collect());
    }
    for (name, nals) in [("idr", &access_units[0]), ("p_frame", &access_units[9])] {
        let bytes: usize = nals.iter().map(Vec::len).sum();
        let mut packetizer = H264Packetizer::new(1200);
        let mut depacketizer = H264Depacketizer::default();
        let mut packets = 0;
        packetizer.packetize(nals.iter().map(Vec::as_slice), |_, _| packets += 1);
        eprintln!("{name}: {bytes} bytes in {packets} packets");
        let mut seq = 0u16;
        let mut timestamp = 0u32;
        c.bench_function(
            &format!("h264_packetize_depacketize_{name}_{bytes}B_mtu1200"),
            |b| {
                b.iter(|| {
                    timestamp = timestamp.wrapping_add(3000);
                    let mut bytes = 0;
                    packetizer.packetize(nals.iter().map(Vec::as_slice), |payload, marker| {
                        if let Some(FrameOutcome::Complete(frame)) =
                            depacketizer.push(seq, timestamp, marker, payload).finished
                        {
                            bytes = frame.annex_b.len();
                        }
                        seq = seq.wrapping_add(1);
                    });
                    black_box(bytes)
                })
            },
        );
    }
}

fn opus(c: &mut Criterion) {
    let mut source = SpeechLikeSource::new();
    let frames: Vec<[f32; FRAME_SAMPLES]> = (0..25)
        .map(|_| {
            let mut frame = [0.0; FRAME_SAMPLES];
            source.next_frame(&mut frame);
            frame
        })
        .collect();
    let mut encoder = OpusAudioEncoder::new(OpusEncoderConfig::default()).unwrap();
    let mut index = 0;
    c.bench_function("opus_encode_20ms_voip_32kbps", |b| {
        b.iter(|| {
            index = (index + 1) % frames.len();
            black_box(encoder.encode(&frames[index]).unwrap().len())
        })
    });
    let payloads: Vec<Vec<u8>> = frames
        .iter()
        .map(|f| encoder.encode(f).unwrap().to_vec())
        .collect();
    let mut decoder = OpusAudioDecoder::new().unwrap();
    let mut index = 0;
    c.bench_function("opus_decode_20ms_voip_32kbps", |b| {
        b.iter(|| {
            index = (index + 1) % payloads.len();
            black_box(decoder.decode(&payloads[index]).unwrap().len())
        })
    });
}

fn config() -> Criterion {
    // Short runs: the machine is shared by several developers.
    Criterion::default()
        .sample_size(20)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
}

criterion_group! { name = benches; config = config(); targets = h264, opus }
criterion_main!(benches);
