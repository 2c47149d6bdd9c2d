//! Transport-wide CC feedback between TwccReceiver and SendSideBwe, with
//! hand-computed statuses and deltas, and hostile input on both sides.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use rtcscope_bwe::{
    BweConfig, FeedbackError, FeedbackSummary, SendSideBwe, TwccReceiver, TwccReceiverConfig,
};
use rtcscope_rtp::rtcp::{RtcpBuild, TransportCcBuilder};
use rtcscope_rtp::{RtcpPacket, parse_compound};

fn parse_twcc(bytes: &[u8]) -> (u16, u32, u8, Vec<(u16, Option<i32>)>) {
    let mut it = parse_compound(bytes);
    let Some(Ok(RtcpPacket::TransportCc(fb))) = it.next() else {
        panic!("not a TWCC packet");
    };
    assert!(it.next().is_none());
    (
        fb.base_sequence(),
        fb.reference_time(),
        fb.fb_pkt_count(),
        fb.packets().collect(),
    )
}

fn us(n: u64) -> Duration {
    Duration::from_micros(n)
}

#[test]
fn feedback_carries_hand_computed_statuses_and_deltas() {
    let t0 = Instant::now();
    let config = TwccReceiverConfig {
        sender_ssrc: 1,
        media_ssrc: 2,
        ..TwccReceiverConfig::default()
    };
    let mut rx = TwccReceiver::new(t0, config);
    let mut buf = [0u8; 1500];
    // Reference time: floor(70 ms / 64 ms) = 1 → 64 ms. Deltas in 250 µs:
    // seq 100 at 70.000 ms → (70 000 − 64 000) / 250 = 24
    // seq 101 lost
    // seq 102 at 70.300 ms → round(300 / 250) = 1 (reconstructed 70.250)
    // seq 103 at 260.000 ms → (260 000 − 70 250) / 250 = 759 (two bytes)
    // seq 104 at 259.000 ms (reordered) → −4
    rx.on_packet(t0 + us(70_000), 100);
    rx.on_packet(t0 + us(70_300), 102);
    assert_eq!(
        rx.poll_feedback(t0 + us(100_000), &mut buf).unwrap(),
        None,
        "not due before 50 ms after the first packet"
    );
    rx.on_packet(t0 + us(260_000), 103);
    rx.on_packet(t0 + us(259_000), 104);
    let due = rx.poll_timeout().unwrap();
    assert_eq!(due, t0 + us(120_000));
    let n = rx
        .poll_feedback(t0 + us(260_000), &mut buf)
        .unwrap()
        .unwrap();
    let (base, reference, count, packets) = parse_twcc(&buf[..n]);
    assert_eq!((base, reference, count), (100, 1, 0));
    assert_eq!(
        packets,
        vec![
            (100, Some(24)),
            (101, None),
            (102, Some(1)),
            (103, Some(759)),
            (104, Some(-4))
        ]
    );
    // Nothing new: nothing to send; the next feedback counts 1.
    assert_eq!(rx.poll_feedback(t0 + us(400_000), &mut buf).unwrap(), None);
    rx.on_packet(t0 + us(410_000), 105);
    let n = rx
        .poll_feedback(t0 + us(460_000), &mut buf)
        .unwrap()
        .unwrap();
    let (base, reference, count, packets) = parse_twcc(&buf[..n]);
    assert_eq!((base, reference, count), (105, 6, 1));
    assert_eq!(packets, vec![(105, Some((410_000 - 384_000) / 250))]);
    // A packet already reported (as lost) arriving late is counted, not re-reported.
    rx.on_packet(t0 + us(470_000), 101);
    assert_eq!(rx.counters().late_packets, 1);
}

#[test]
fn a_gap_too_long_for_one_delta_splits_the_feedback() {
    let t0 = Instant::now();
    let mut rx = TwccReceiver::new(t0, TwccReceiverConfig::default());
    let mut buf = [0u8; 1500];
    rx.on_packet(t0, 0);
    // 9 s later: 36 000 units of 250 µs do not fit an i16 delta.
    rx.on_packet(t0 + Duration::from_secs(9), 1);
    let now = t0 + Duration::from_secs(9);
    let n = rx.poll_feedback(now, &mut buf).unwrap().unwrap();
    assert_eq!(parse_twcc(&buf[..n]).3, vec![(0, Some(0))]);
    let n = rx.poll_feedback(now, &mut buf).unwrap().unwrap();
    let (base, reference, _, packets) = parse_twcc(&buf[..n]);
    // 9 000 ms / 64 ms = 140.625 → reference 140 (8 960 ms), delta 40 ms.
    assert_eq!((base, reference, packets), (1, 140, vec![(1, Some(160))]));
}

#[test]
fn sender_matches_feedback_to_sent_packets_and_counts_repeats() {
    let t0 = Instant::now();
    let mut tx = SendSideBwe::new(t0, BweConfig::default());
    let mut rx = TwccReceiver::new(t0, TwccReceiverConfig::default());
    let mut buf = [0u8; 1500];
    let seqs: Vec<u16> = (0..10)
        .map(|i| tx.on_packet_sent(t0 + Duration::from_millis(i), 1000))
        .collect();
    assert_eq!(seqs, (0..10).collect::<Vec<u16>>());
    for &s in &seqs {
        if s != 4 && s != 7 {
            rx.on_packet(t0 + Duration::from_millis(40 + u64::from(s)), s);
        }
    }
    let n = rx
        .poll_feedback(t0 + Duration::from_millis(100), &mut buf)
        .unwrap()
        .unwrap();
    let now = t0 + Duration::from_millis(140);
    let fb = match parse_compound(&buf[..n]).next() {
        Some(Ok(RtcpPacket::TransportCc(fb))) => fb,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        tx.on_transport_feedback(now, &fb),
        Ok(FeedbackSummary {
            received: 8,
            lost: 2,
            unknown: 0,
            duplicates: 0
        })
    );
    // The newest packet (sent at 9 ms) gives the RTT sample: 131 ms.
    assert_eq!(tx.rtt(), Some(Duration::from_millis(131)));
    // The same feedback again (a duplicated datagram) changes nothing.
    assert_eq!(
        tx.on_transport_feedback(now, &fb),
        Ok(FeedbackSummary {
            received: 0,
            lost: 0,
            unknown: 0,
            duplicates: 10
        })
    );
    assert_eq!(tx.counters().duplicate_statuses, 10);
}

fn twcc(base: u16, reference: u32, packets: &[Option<i32>]) -> Vec<u8> {
    let b = TransportCcBuilder {
        sender_ssrc: 9,
        media_ssrc: 9,
        base_sequence: base,
        reference_time: reference,
        fb_pkt_count: 0,
        packets,
    };
    let mut out = vec![0; b.encoded_len().unwrap()];
    b.write(&mut out).unwrap();
    out
}

#[test]
fn hostile_feedback_is_refused_and_counted() {
    let t0 = Instant::now();
    let mut tx = SendSideBwe::new(t0, BweConfig::default());
    for i in 0..100 {
        tx.on_packet_sent(t0 + Duration::from_millis(i), 1200);
    }
    let now = t0 + Duration::from_millis(200);
    let before = tx.snapshot();

    // 65 535 statuses: more than the send history can hold.
    let huge = twcc(0, 0, &vec![None; 65_535]);
    assert_eq!(tx.on_rtcp(now, &huge), 0);
    assert_eq!(tx.counters().feedback_too_many_statuses, 1);

    // Sequence numbers never sent (100..120 and far ahead).
    let received = vec![Some(4); 20];
    assert_eq!(tx.on_rtcp(now, &twcc(100, 0, &received)), 0);
    assert_eq!(tx.on_rtcp(now, &twcc(40_000, 0, &received)), 0);
    assert_eq!(tx.counters().feedback_no_known_packets, 2);
    assert_eq!(tx.counters().unknown_statuses, 40);

    // Garbage and a TWCC whose chunks run past its end.
    assert_eq!(tx.on_rtcp(now, &[0xFF; 40]), 0);
    assert_eq!(tx.on_rtcp(now, &[]), 0);
    let mut truncated = twcc(0, 0, &[Some(1); 30]);
    truncated.truncate(24);
    truncated[2..4].copy_from_slice(&5u16.to_be_bytes());
    assert_eq!(tx.on_rtcp(now, &truncated), 0);
    assert_eq!(tx.counters().rtcp_malformed, 2);

    assert_eq!(tx.counters().feedbacks_accepted, 0);
    assert_eq!(tx.snapshot(), before, "nothing hostile moved the estimate");

    // Real feedback is still accepted afterwards.
    let n = tx.on_rtcp(now, &twcc(0, 0, &[Some(4); 100]));
    assert_eq!(n, 1);
}

#[test]
fn receiver_memory_and_feedback_size_stay_bounded_under_random_sequence_numbers() {
    let t0 = Instant::now();
    let mut rx = TwccReceiver::new(t0, TwccReceiverConfig::default());
    let mut buf = [0u8; 1500];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut max_len = 0;
    let mut feedbacks = 0;
    for i in 0..100_000u64 {
        // xorshift64: deterministic pseudo-random sequence numbers.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let now = t0 + Duration::from_micros(i * 100);
        rx.on_packet(now, x as u16);
        while let Some(n) = rx.poll_feedback(now, &mut buf).unwrap() {
            max_len = max_len.max(n);
            feedbacks += 1;
            // Every feedback parses back.
            assert!(matches!(
                parse_compound(&buf[..n]).next(),
                Some(Ok(RtcpPacket::TransportCc(_)))
            ));
        }
    }
    let c = rx.counters();
    println!("{c:?}, {feedbacks} feedbacks, largest {max_len} bytes");
    assert!(c.skipped_sequence_numbers > 0 && c.late_packets > 0);
    assert_eq!(
        c.packets_recorded + c.late_packets + c.duplicate_packets,
        100_000
    );

    // A dense stream (10 000 packets/s) with every pair swapped, so most
    // deltas are negative and need two bytes, and 1 in 7 lost: 500
    // statuses per 50 ms are split into feedbacks of at most 400.
    let mut rx = TwccReceiver::new(t0, TwccReceiverConfig::default());
    let mut max_len = 0;
    let mut statuses = 0usize;
    for i in 0..20_000u64 {
        let seq = (i ^ 1) as u16;
        let now = t0 + Duration::from_micros(i * 100);
        if seq % 7 != 3 {
            rx.on_packet(now, seq);
        }
        while let Some(n) = rx.poll_feedback(now, &mut buf).unwrap() {
            max_len = max_len.max(n);
            let (_, _, _, packets) = parse_twcc(&buf[..n]);
            assert!(packets.len() <= 400);
            statuses += packets.len();
        }
    }
    println!("dense: {:?}, largest {max_len} bytes", rx.counters());
    assert!(max_len <= 1200, "{max_len}");
    // Everything up to the last feedback was described exactly once.
    assert!(statuses > 19_000 && statuses <= 20_000, "{statuses}");
}

#[test]
fn transport_seq_errors_are_typed() {
    let e = FeedbackError::TooManyStatuses(9000);
    assert!(e.to_string().contains("9000"));
}

#[test]
fn feedback_across_the_16_bit_sequence_wrap_is_matched() {
    let t0 = Instant::now();
    let mut tx = SendSideBwe::new(t0, BweConfig::default());
    let mut rx = TwccReceiver::new(t0, TwccReceiverConfig::default());
    let mut buf = [0u8; 1500];
    // 65,600 packets, 100 µs apart; the receiver sees the last 200
    // (wire sequence numbers 65,400..=65,535 then 0..=63).
    for i in 0..65_600u64 {
        let now = t0 + Duration::from_micros(i * 100);
        let seq = tx.on_packet_sent(now, 1000);
        assert_eq!(seq, i as u16);
        if i >= 65_400 {
            rx.on_packet(now + Duration::from_millis(30), seq);
        }
    }
    let at = t0 + Duration::from_secs(8);
    let n = rx.poll_feedback(at, &mut buf).unwrap().unwrap();
    let (base, _, _, packets) = parse_twcc(&buf[..n]);
    assert_eq!((base, packets.len()), (65_400, 200));
    assert_eq!(packets.last().map(|p| p.0), Some(63));
    assert_eq!(
        tx.on_rtcp(at, &buf[..n]),
        1,
        "counters: {:?}",
        tx.counters()
    );
    assert_eq!(tx.counters().unknown_statuses, 0);
}

#[test]
fn lying_arrival_times_on_real_packets_never_overflow_and_keep_the_target_in_bounds() {
    let t0 = Instant::now();
    let config = BweConfig::default();
    let mut tx = SendSideBwe::new(t0, config);
    let mut x: u32 = 0x1234_5678;
    for round in 0..20_000u64 {
        let now = t0 + Duration::from_millis(round * 10);
        let first = tx.on_packet_sent(now, 1200);
        for _ in 0..4 {
            tx.on_packet_sent(now, 1200);
        }
        // Half-range reference time jumps and extreme deltas every time.
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let reference = if round % 2 == 0 { 0x007F_FFFF } else { 0 } ^ (x & 0xFF);
        let deltas = [
            Some(i32::from(i16::MAX)),
            Some(i32::from(i16::MIN)),
            None,
            Some((x % 256) as i32),
            Some(i32::from(i16::MAX)),
        ];
        let fb = twcc(first, reference, &deltas);
        assert_eq!(tx.on_rtcp(now, &fb), 1);
        let target = tx.target_bitrate_bps();
        assert!((config.min_bitrate_bps..=config.max_bitrate_bps).contains(&target));
    }
    let c = tx.counters();
    println!("{c:?} {:?}", tx.snapshot());
    assert_eq!(c.feedbacks_accepted, 20_000);
    assert!(c.delay_resets >= 1, "{}", c.delay_resets);
    // One of five packets reported lost in every feedback: 20 %.
    assert!((tx.snapshot().fraction_lost - 0.2).abs() < 1e-9);
}
