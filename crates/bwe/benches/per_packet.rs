//! Per-packet costs of the estimator.
//! Run: cargo bench -p rtcscope-bwe --bench per_packet -- --warm-up-time 1 --measurement-time 3

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rtcscope_bwe::{BweConfig, Pacer, PacerConfig, SendSideBwe, TwccReceiver, TwccReceiverConfig};

/// Packets per feedback in the feedback benchmarks (a 50 ms interval at
/// about 1 Mbit/s of 1,200-byte packets).
const PER_FEEDBACK: u64 = 50;

fn send_side(c: &mut Criterion) {
    let t0 = Instant::now();
    let mut g = c.benchmark_group("send side");
    g.throughput(Throughput::Elements(1));
    let mut tx = SendSideBwe::new(t0, BweConfig::default());
    let mut i = 0u64;
    g.bench_function("on_packet_sent", |b| {
        b.iter(|| {
            i += 1;
            black_box(tx.on_packet_sent(t0 + Duration::from_micros(i * 100), 1200))
        })
    });

    // Feedback for 50 packets, built once per batch by a real receiver and
    // consumed by the sender: per-iteration cost / 50 = per packet.
    g.throughput(Throughput::Elements(PER_FEEDBACK));
    let mut tx = SendSideBwe::new(t0, BweConfig::default());
    let mut rx = TwccReceiver::new(t0, TwccReceiverConfig::default());
    let mut buf = [0u8; 1500];
    let mut now = t0;
    g.bench_function(
        "send 50 + receive 50 + feedback build + feedback apply",
        |b| {
            b.iter(|| {
                for _ in 0..PER_FEEDBACK {
                    now += Duration::from_millis(1);
                    let seq = tx.on_packet_sent(now, 1200);
                    rx.on_packet(now + Duration::from_millis(40), seq);
                }
                let at = now + Duration::from_millis(40);
                while let Some(n) = rx.poll_feedback(at, &mut buf).unwrap() {
                    black_box(tx.on_rtcp(at + Duration::from_millis(40), &buf[..n]));
                }
            })
        },
    );
    g.finish();
}

fn receive_side(c: &mut Criterion) {
    let t0 = Instant::now();
    let mut g = c.benchmark_group("receive side");
    g.throughput(Throughput::Elements(1));
    let mut rx = TwccReceiver::new(t0, TwccReceiverConfig::default());
    let mut buf = [0u8; 1500];
    let mut i = 0u64;
    g.bench_function("on_packet (+ a feedback every 50 packets)", |b| {
        b.iter(|| {
            i += 1;
            let now = t0 + Duration::from_millis(i);
            rx.on_packet(now, i as u16);
            if i.is_multiple_of(PER_FEEDBACK) {
                while let Some(n) = rx.poll_feedback(now, &mut buf).unwrap() {
                    black_box(n);
                }
            }
        })
    });
    g.finish();
}

fn pacer(c: &mut Criterion) {
    let t0 = Instant::now();
    let mut g = c.benchmark_group("pacer");
    g.throughput(Throughput::Elements(1));
    let mut p = Pacer::new(PacerConfig::default(), 10_000_000);
    let mut i = 0u64;
    g.bench_function("enqueue + poll_send", |b| {
        b.iter(|| {
            i += 1;
            // 1 ms apart at 25 Mbit/s paced: each packet leaves at once.
            let now = t0 + Duration::from_millis(i);
            p.enqueue(now, i, 1200).unwrap();
            black_box(p.poll_send(now))
        })
    });
    g.finish();
}

criterion_group!(benches, send_side, receive_side, pacer);
criterion_main!(benches);
