//! The send pipeline's per-frame and per-packet path allocates nothing in steady state
//! (openh264 allocates with C malloc, outside Rust's allocator, and reuses its buffers);
//! the audio path allocates exactly what the Opus encoder itself does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::alloc::System;
use std::time::Instant;

use rtcscope_media::I420Frame;
use rtcscope_media::opus::{OpusAudioEncoder, OpusEncoderConfig};
use rtcscope_media::send::{AudioSender, AudioSenderConfig, VideoSender, VideoSenderConfig};
use rtcscope_media::source::audio::FRAME_SAMPLES;
use rtcscope_media::source::{SpeechLikeSource, TestPatternSource};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// One test function: the allocator counters are global.
#[test]
fn allocation_counts() {
    video_send_and_nack_allocate_nothing();
    audio_send_adds_no_allocation_to_the_encoders();
}

fn video_send_and_nack_allocate_nothing() {
    let t0 = Instant::now();
    let mut sender = VideoSender::new(VideoSenderConfig::default(), t0).unwrap();
    let mut source = TestPatternSource::vga30();
    let mut frame = I420Frame::new(640, 480);
    let mut last_sequence = 0u16;
    let mut send = |sender: &mut VideoSender, source: &mut TestPatternSource, frames: u64| {
        let mut packets = 0;
        for _ in 0..frames {
            let n = source.next_frame_into(&mut frame);
            sender
                .send_frame(t0 + source.capture_time(n), &frame, |p| {
                    packets += 1;
                    last_sequence = p.sequence_number;
                })
                .unwrap();
        }
        packets
    };
    // Warm-up: the first IDR and P frames grow the encoder's NAL buffer; a second IDR
    // (answering a PLI) is larger than the first and grows it once more.
    send(&mut sender, &mut source, 5);
    sender.on_pli();
    send(&mut sender, &mut source, 3);

    let region = Region::new(GLOBAL);
    let packets = send(&mut sender, &mut source, 6);
    let mut resent = 0;
    let nack_time = t0 + source.capture_time(source.next_frame_number());
    let found = sender.on_nack(
        nack_time,
        (0..8).map(|back| last_sequence.wrapping_sub(back)),
        |p| resent += p.payload.len(),
    );
    let change = region.change();
    assert!(packets >= 6);
    assert_eq!(found, 8);
    assert!(resent > 0);
    assert_eq!(
        (change.allocations, change.reallocations),
        (0, 0),
        "{packets} packets, {found} retransmissions: {change:?}"
    );
}

fn audio_send_adds_no_allocation_to_the_encoders() {
    let mut sender = AudioSender::new(AudioSenderConfig::default()).unwrap();
    let mut bare = OpusAudioEncoder::new(OpusEncoderConfig::default()).unwrap();
    let mut source = SpeechLikeSource::new();
    let mut samples = [0.0f32; FRAME_SAMPLES];
    let frames: Vec<[f32; FRAME_SAMPLES]> = (0..50)
        .map(|_| {
            source.next_frame(&mut samples);
            samples
        })
        .collect();
    for frame in &frames[..10] {
        sender.send_frame(frame, |_| {}).unwrap();
        bare.encode(frame).unwrap();
    }
    let region = Region::new(GLOBAL);
    let mut bytes = 0;
    for frame in &frames[10..] {
        sender
            .send_frame(frame, |p| bytes += p.payload.len())
            .unwrap();
    }
    let through_sender = region.change();
    let region = Region::new(GLOBAL);
    for frame in &frames[10..] {
        bare.encode(frame).unwrap();
    }
    let bare_encoder = region.change();
    assert!(bytes > 0);
    // opus-pure allocates scratch space inside encode (a known limit of the crate); the
    // sender's own work (energy, level ring, headers) adds nothing.
    assert_eq!(
        through_sender.allocations, bare_encoder.allocations,
        "{through_sender:?} vs {bare_encoder:?}"
    );
    assert_eq!(through_sender.reallocations, bare_encoder.reallocations);
    eprintln!(
        "opus-pure: {} allocations per 20 ms frame",
        bare_encoder.allocations as f64 / 40.0
    );
}
