//! The per-packet paths allocate nothing once constructed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use rtcscope_bwe::{BweConfig, Pacer, PacerConfig, SendSideBwe, TwccReceiver, TwccReceiverConfig};

#[test]
fn send_receive_feedback_and_pacing_do_not_allocate() {
    let t0 = Instant::now();
    let config = BweConfig {
        probing: true,
        ..BweConfig::default()
    };
    let mut tx = SendSideBwe::new(t0, config);
    let mut rx = TwccReceiver::new(t0, TwccReceiverConfig::default());
    let mut pacer = Pacer::new(PacerConfig::default(), 1_000_000);
    let mut buf = [0u8; 1500];
    let mut run = |from: u64, to: u64| {
        let mut feedbacks = 0;
        for i in from..to {
            let now = t0 + Duration::from_millis(i);
            // 200 bytes per ms = 1.6 Mbit/s, below the 2.5 Mbit/s paced rate.
            pacer.enqueue(now, i, 200).unwrap();
            if let Some(cluster) = tx.poll_probe() {
                pacer.start_probe(now, &cluster);
            }
            while let Some(size) = pacer
                .poll_send(now)
                .map(|p| p.size_bytes)
                .or_else(|| pacer.poll_padding(now))
            {
                let seq = tx.on_packet_sent(now, size);
                if !seq.is_multiple_of(10) {
                    rx.on_packet(now + Duration::from_millis(30), seq);
                }
            }
            while let Some(n) = rx
                .poll_feedback(now + Duration::from_millis(30), &mut buf)
                .unwrap()
            {
                tx.on_rtcp(now + Duration::from_millis(60), &buf[..n]);
                feedbacks += 1;
            }
            std::hint::black_box(tx.snapshot());
        }
        feedbacks
    };
    // Warm up (fills the rings once), then measure 10 s of steady state.
    run(0, 2_000);
    let mut feedbacks = 0;
    let info = allocation_counter::measure(|| feedbacks = run(2_000, 12_000));
    assert!(feedbacks > 150, "{feedbacks}");
    assert!(pacer.queue_len() < 10);
    assert_eq!(info.count_total, 0, "{info:?}");
    // Control: the counter does see allocations.
    let control = allocation_counter::measure(|| {
        std::hint::black_box(Vec::<u8>::with_capacity(8));
    });
    assert_eq!(control.count_total, 1);
}
