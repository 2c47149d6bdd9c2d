//! Video send pipeline: frame counters, RTP timestamps/markers/sequence numbers, qpSum read
//! back from the packets, quality limitation under a low target, and NACK answering from the
//! RTX history. Simulated time; few frames, because openh264 in a debug build is slow.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rtcscope_media::h264::nal::split_annex_b;
use rtcscope_media::h264::slice_qp::SliceQpParser;
use rtcscope_media::h264::{FrameOutcome, H264Depacketizer};
use rtcscope_media::send::{VideoSender, VideoSenderConfig};
use rtcscope_media::source::TestPatternSource;
use rtcscope_stats::RTCQualityLimitationReason;

#[derive(Debug, Clone, PartialEq)]
struct Packet {
    sequence_number: u16,
    timestamp: u32,
    marker: bool,
    payload: Vec<u8>,
}

/// Capture time of frame `n` of a 30 fps source starting at `t0`.
fn capture(t0: Instant, source: &TestPatternSource, n: u64) -> Instant {
    t0 + source.capture_time(n)
}

#[test]
fn counters_timestamps_and_markers_of_a_run_with_keyframe_requests() {
    let t0 = Instant::now();
    let config = VideoSenderConfig {
        initial_sequence_number: 65_530,
        initial_timestamp: 4_294_960_000,
        ..VideoSenderConfig::default()
    };
    let mut sender = VideoSender::new(config, t0).unwrap();
    let mut source = TestPatternSource::vga30();
    let mut packets = Vec::new();
    let mut keyframes = Vec::new();
    let mut qps = Vec::new();
    for n in 0..12u64 {
        // A PLI before frame 4 and a FIR before frame 8.
        match n {
            4 => sender.on_pli(),
            8 => sender.on_fir(),
            _ => {}
        }
        let (_, frame) = source.next_frame();
        let sent = sender
            .send_frame(capture(t0, &source, n), &frame, |p| {
                packets.push(Packet {
                    sequence_number: p.sequence_number,
                    timestamp: p.timestamp,
                    marker: p.marker,
                    payload: p.payload.to_vec(),
                })
            })
            .unwrap();
        assert!(!sent.info.skipped, "1 Mbit/s: skipping is off");
        if sent.info.keyframe {
            keyframes.push(n);
        }
        qps.push(sent.info.qp.unwrap());
    }
    assert_eq!(
        keyframes,
        [0, 4, 8],
        "first frame, then the frame after each request"
    );

    // Sequence numbers run on across the 16-bit wrap; timestamps are 3000 ticks apart,
    // wrapping too; exactly one marker per frame, on its last packet.
    for (i, p) in packets.iter().enumerate() {
        assert_eq!(p.sequence_number, 65_530u16.wrapping_add(i as u16));
    }
    let mut frames: BTreeMap<u32, Vec<&Packet>> = BTreeMap::new();
    for p in &packets {
        frames.entry(p.timestamp).or_default().push(p);
    }
    let expected_timestamps: Vec<u32> = (0..12u32)
        .map(|n| 4_294_960_000u32.wrapping_add(n * 3000))
        .collect();
    let mut seen: Vec<u32> = packets.iter().map(|p| p.timestamp).collect();
    seen.dedup();
    assert_eq!(seen, expected_timestamps);
    for (ts, frame_packets) in &frames {
        let markers: Vec<bool> = frame_packets.iter().map(|p| p.marker).collect();
        assert_eq!(markers.iter().filter(|&&m| m).count(), 1, "frame {ts}");
        assert!(markers.last().unwrap(), "marker on the last packet of {ts}");
    }

    // Depacketize what was sent and read the QPs and sizes from the bitstream itself.
    let mut depacketizer = H264Depacketizer::default();
    let mut parser = SliceQpParser::default();
    let mut bitstream_qp_sum = 0u64;
    let mut nal_sizes = Vec::new();
    for p in &packets {
        let outcome = depacketizer.push(p.sequence_number, p.timestamp, p.marker, &p.payload);
        if let Some(FrameOutcome::Complete(frame)) = outcome.finished {
            let mut first_qp = None;
            let mut size = 0;
            for nal in split_annex_b(frame.annex_b) {
                size += nal.len();
                let qp = parser.observe(nal);
                first_qp = first_qp.or(qp);
            }
            bitstream_qp_sum += u64::from(first_qp.unwrap());
            nal_sizes.push(size);
        }
    }
    assert_eq!(nal_sizes.len(), 12, "every frame arrives complete");

    let now = capture(t0, &source, 11);
    let stats = sender.stats(now);
    assert_eq!(stats.frames_encoded, 12);
    assert_eq!(stats.key_frames_encoded, 3);
    assert_eq!(stats.frames_sent, 12);
    assert_eq!(stats.frames_skipped, 0);
    assert_eq!(stats.qp_sum, bitstream_qp_sum);
    assert_eq!(stats.qp_sum, qps.iter().map(|&q| u64::from(q)).sum::<u64>());
    assert_eq!(
        (stats.pli_count, stats.fir_count, stats.nack_count),
        (1, 1, 0)
    );
    // 1 Mbit/s at 30 fps: 4166.67 bytes per frame, rounded per frame to 4167.
    assert_eq!(stats.total_encoded_bytes_target, 12 * 4167);
    // Huge: at least 2.5 × 4166.67 = 10416.7 bytes of NAL units.
    let huge = nal_sizes.iter().filter(|&&s| s as f64 >= 10_416.67).count();
    assert_eq!(stats.huge_frames_sent as usize, huge);
    assert_eq!(stats.frame_size, Some((640, 480)));
    assert_eq!(
        stats.frames_per_second,
        Some(12.0),
        "all 12 within the last second"
    );
    assert_eq!(stats.target_bitrate_bps, 1_000_000);
    assert!(stats.total_encode_time > 0.0);
    assert_eq!(
        stats.quality_limitation_reason,
        RTCQualityLimitationReason::None
    );
    let none = stats.quality_limitation_durations["none"];
    assert!((none - (now - t0).as_secs_f64()).abs() < 1e-12);

    // The source side: 12 frames, no framesPerSecond during its first second.
    let source_stats = sender.source_stats(now);
    assert_eq!(source_stats.frames, 12);
    assert_eq!(source_stats.frame_size, Some((640, 480)));
    assert_eq!(source_stats.frames_per_second, None);
    let later = t0 + Duration::from_millis(1200);
    // Frames at 0.233..0.367 s are the ones within (0.2, 1.2]: frames 7..=11.
    assert_eq!(sender.source_stats(later).frames_per_second, Some(5.0));
}

#[test]
fn a_low_target_is_a_bandwidth_limitation_for_exactly_the_time_it_holds() {
    let t0 = Instant::now();
    let mut sender = VideoSender::new(VideoSenderConfig::default(), t0).unwrap();
    let mut source = TestPatternSource::vga30();
    let mut reasons = Vec::new();
    let mut skipped = 0;
    for n in 0..18u64 {
        if n == 6 {
            sender.set_target_bitrate(150_000);
        }
        let (_, frame) = source.next_frame();
        let at = capture(t0, &source, n);
        let sent = sender.send_frame(at, &frame, |_| {}).unwrap();
        skipped += u32::from(sent.info.skipped);
        reasons.push(sender.stats(at).quality_limitation_reason);
    }
    let none = RTCQualityLimitationReason::None;
    let bandwidth = RTCQualityLimitationReason::Bandwidth;
    assert_eq!(reasons[..6], [none; 6]);
    assert_eq!(reasons[6..], [bandwidth; 12]);

    let t6 = capture(t0, &source, 6);
    let t17 = capture(t0, &source, 17);
    let now = t17 + Duration::from_millis(500);
    let stats = sender.stats(now);
    assert_eq!(stats.target_bitrate_bps, 150_000);
    assert_eq!(stats.frames_encoded + stats.frames_skipped, 18);
    assert_eq!(stats.frames_skipped, skipped);
    assert!(skipped > 0, "150 kbit/s at VGA: skipping is on and used");
    // Frame 0, and the first frame of the encoder rebuilt for the new rate.
    assert_eq!(stats.key_frames_encoded, 2);
    let d = &stats.quality_limitation_durations;
    let keys: Vec<&str> = d.keys().map(String::as_str).collect();
    assert_eq!(keys, ["none", "cpu", "bandwidth", "other"]);
    // 6 frames (0.2 s) unlimited, then bandwidth-limited until `now`.
    assert!((d["none"] - 0.2).abs() < 1e-9, "{d:?}");
    assert!((d["bandwidth"] - (now - t6).as_secs_f64()).abs() < 1e-12);
    assert!((d["bandwidth"] - (11.0 / 30.0 + 0.5)).abs() < 1e-9);
    assert_eq!((d["cpu"], d["other"]), (0.0, 0.0));
    let total: f64 = d.values().sum();
    assert!((total - (now - t0).as_secs_f64()).abs() < 1e-9);
    assert_eq!(stats.quality_limitation_resolution_changes, 0);
    assert!(
        sender.encoder_rebuilds() >= 1,
        "the rate change rebuilt the encoder"
    );
}

#[test]
fn the_limitation_ends_a_second_after_the_last_skip_once_the_target_is_enough() {
    let t0 = Instant::now();
    let config = VideoSenderConfig {
        initial_bitrate_bps: 150_000,
        ..VideoSenderConfig::default()
    };
    let mut sender = VideoSender::new(config, t0).unwrap();
    let mut source = TestPatternSource::vga30();
    let mut last_skip = None;
    let mut first_unlimited = None;
    let mut n = 0u64;
    // 6 frames at 150 kbit/s (skipping on), then 1 Mbit/s (skipping off, no more skips).
    while first_unlimited.is_none() && n < 60 {
        if n == 6 {
            sender.set_target_bitrate(1_000_000);
        }
        let (_, frame) = source.next_frame();
        let at = capture(t0, &source, n);
        let sent = sender.send_frame(at, &frame, |_| {}).unwrap();
        if sent.info.skipped {
            assert!(n < 6, "frame {n} skipped at 1 Mbit/s");
            last_skip = Some(n);
        }
        if sender.stats(at).quality_limitation_reason == RTCQualityLimitationReason::None {
            first_unlimited = Some(n);
        }
        n += 1;
    }
    let last_skip = last_skip.expect("the 150 kbit/s IDR makes the rate control skip");
    // Exactly one second (30 frames) after the last skipped frame.
    assert_eq!(first_unlimited, Some(last_skip + 30));
    let now = capture(t0, &source, last_skip + 30);
    let d = sender.stats(now).quality_limitation_durations;
    assert!((d["bandwidth"] - (now - t0).as_secs_f64()).abs() < 1e-12);
    assert_eq!(d["none"], 0.0);
}

#[test]
fn frame_skipping_turns_off_only_clearly_above_the_needed_bitrate() {
    // Needed at 640x480x30 with 0.04 bit/pixel: 368640 bit/s; off again from 423936.
    let t0 = Instant::now();
    let config = VideoSenderConfig {
        initial_bitrate_bps: 150_000,
        ..VideoSenderConfig::default()
    };
    let mut sender = VideoSender::new(config, t0).unwrap();
    let mut source = TestPatternSource::vga30();
    let mut log = Vec::new();
    for n in 0..6u64 {
        match n {
            2 => sender.set_target_bitrate(400_000),
            4 => sender.set_target_bitrate(450_000),
            _ => {}
        }
        let (_, frame) = source.next_frame();
        let sent = sender
            .send_frame(capture(t0, &source, n), &frame, |_| {})
            .unwrap();
        log.push((
            sender.frame_skipping(),
            sender.target_bitrate(),
            sender.encoder_rebuilds(),
            sent.info.keyframe,
            sent.info.skipped,
        ));
    }
    // Skipping from the first frame (no rebuild counted before anything was encoded).
    assert_eq!(log[0], (true, 150_000, 0, true, false));
    // 400 kbit/s is above the need but within the gap: skipping stays on; the rate change
    // (over 15 %) rebuilds once.
    assert_eq!((log[2].0, log[2].1, log[2].2), (true, 400_000, 1));
    // 450 kbit/s: only 12.5 % more, no rate rebuild of its own, but skipping turns off,
    // which rebuilds (an IDR) at the new rate.
    assert_eq!(log[4], (false, 450_000, 2, true, false));
    assert_eq!((log[5].0, log[5].2, log[5].4), (false, 2, false));
}

#[test]
fn a_nack_is_answered_from_the_history_and_evicted_packets_are_counted_missing() {
    let t0 = Instant::now();
    let config = VideoSenderConfig {
        rtx_history_packets: 16,
        max_payload_size: 600,
        ..VideoSenderConfig::default()
    };
    let mut sender = VideoSender::new(config, t0).unwrap();
    let mut source = TestPatternSource::vga30();
    let mut sent: Vec<Packet> = Vec::new();
    let mut n = 0;
    while sent.len() < 40 {
        let (_, frame) = source.next_frame();
        sender
            .send_frame(capture(t0, &source, n), &frame, |p| {
                sent.push(Packet {
                    sequence_number: p.sequence_number,
                    timestamp: p.timestamp,
                    marker: p.marker,
                    payload: p.payload.to_vec(),
                })
            })
            .unwrap();
        n += 1;
    }
    let last = sent.len() - 1;
    let wanted = [&sent[last - 3], &sent[last - 15]];
    let mut resent = Vec::new();
    let nack_time = capture(t0, &source, n);
    let found = sender.on_nack(
        nack_time,
        [
            wanted[0].sequence_number,
            sent[last - 16].sequence_number, // the 17th newest: evicted
            wanted[1].sequence_number,
            sent[last].sequence_number.wrapping_add(1), // never sent
        ],
        |p| {
            resent.push(Packet {
                sequence_number: p.sequence_number,
                timestamp: p.timestamp,
                marker: p.marker,
                payload: p.payload.to_vec(),
            })
        },
    );
    assert_eq!(found, 2);
    assert_eq!(resent, [wanted[0].clone(), wanted[1].clone()]);
    let stats = sender.stats(capture(t0, &source, n));
    assert_eq!(stats.nack_count, 1);
    assert_eq!(stats.retransmitted_packets, 2);
    assert_eq!(
        stats.retransmitted_bytes,
        (wanted[0].payload.len() + wanted[1].payload.len()) as u64
    );
    assert_eq!(stats.nacked_packets_missing, 2);

    // The same NACK again within the RTT gets nothing (a NACK storm cannot multiply the
    // send rate); one RTT later the packets go out again.
    sender.set_round_trip_time(Duration::from_millis(30));
    let repeat = [wanted[0].sequence_number, wanted[1].sequence_number];
    let later = |ms| nack_time + Duration::from_millis(ms);
    assert_eq!(sender.on_nack(later(29), repeat, |_| {}), 0);
    assert_eq!(sender.on_nack(later(30), repeat, |_| {}), 2);
    let stats = sender.stats(later(30));
    assert_eq!(stats.nack_count, 3);
    assert_eq!(stats.nacked_packets_throttled, 2);
    assert_eq!(stats.retransmitted_packets, 4);
}
