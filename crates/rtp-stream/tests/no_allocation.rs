//! The per-packet receive path (parse + accounting) allocates nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::alloc::System;
use std::time::{Duration, Instant};

use rtcscope_rtp::{RtpBuilder, RtpPacket};
use rtcscope_rtp_stream::{ReceiveConfig, ReceiveStream};
use rtcscope_stats::MediaKind;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

#[test]
fn receive_path_does_not_allocate() {
    let mut stream = ReceiveStream::new(ReceiveConfig {
        ssrc: 42,
        clock_rate: 90_000,
        kind: MediaKind::Video,
        rtx_ssrc: Some(43),
        fec_ssrc: None,
    });
    let payload = [0u8; 1000];
    let mut buf = [0u8; 1100];
    let len = RtpBuilder {
        ssrc: 42,
        payload: &payload,
        ..Default::default()
    }
    .write(&mut buf)
    .unwrap();
    let t0 = Instant::now();
    let mut now = t0;
    // Warm up (the first packets validate the source).
    for seq in 0..10u16 {
        buf[2..4].copy_from_slice(&seq.to_be_bytes());
        stream.on_rtp(now, &RtpPacket::parse(&buf[..len]).unwrap());
    }
    let region = Region::new(GLOBAL);
    // 70,000 packets: across the sequence wrap, with gaps, duplicates and
    // reordering so every branch of the accounting runs.
    for i in 10..70_000u32 {
        let seq = match i % 50 {
            7 => (i - 3) as u16,  // late
            13 => (i - 1) as u16, // duplicate
            _ => i as u16,
        };
        if i % 97 == 0 {
            continue; // lost
        }
        buf[2..4].copy_from_slice(&seq.to_be_bytes());
        buf[4..8].copy_from_slice(&(i * 900).to_be_bytes());
        now += Duration::from_millis(10);
        let packet = RtpPacket::parse(&buf[..len]).unwrap();
        stream.on_rtp(now, &packet);
    }
    let change = region.change();
    assert_eq!(change.allocations, 0, "{change:?}");
    assert_eq!(change.reallocations, 0, "{change:?}");
    assert!(stream.counters().packets_received > 69_000);
    assert!(stream.counters().packets_duplicated > 1000);
}
