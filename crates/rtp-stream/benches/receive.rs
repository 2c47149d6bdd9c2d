//! Per-packet cost of parse + receive accounting, and of building stats
//! snapshots. Run: `cargo bench -p rtcscope-rtp-stream --bench receive`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rtcscope_rtp::{RtpBuilder, RtpPacket};
use rtcscope_rtp_stream::simulate::{self, SimulateConfig};
use rtcscope_rtp_stream::snapshot::{self, StreamIds};
use rtcscope_rtp_stream::{ReceiveConfig, ReceiveStream};
use rtcscope_stats::{EpochClock, MediaKind};

fn stream() -> ReceiveStream {
    ReceiveStream::new(ReceiveConfig {
        ssrc: 42,
        clock_rate: 90_000,
        kind: MediaKind::Video,
        rtx_ssrc: None,
        fec_ssrc: None,
    })
}

fn packet_bytes() -> ([u8; 1100], usize) {
    let payload = [0u8; 1000];
    let mut buf = [0u8; 1100];
    let len = RtpBuilder {
        ssrc: 42,
        payload_type: 96,
        payload: &payload,
        ..Default::default()
    }
    .write(&mut buf)
    .unwrap_or(0);
    (buf, len)
}

fn bench_receive(c: &mut Criterion) {
    let mut group = c.benchmark_group("receive");
    group.throughput(Throughput::Elements(1));
    group.bench_function("parse_and_account_per_packet", |b| {
        let mut s = stream();
        let (mut buf, len) = packet_bytes();
        let mut now = Instant::now();
        let mut i: u32 = 0;
        b.iter(|| {
            // Next sequence number and timestamp (in order, as on a clean
            // network); two stores, negligible next to the work measured.
            buf[2..4].copy_from_slice(&(i as u16).to_be_bytes());
            buf[4..8].copy_from_slice(&i.wrapping_mul(900).to_be_bytes());
            i = i.wrapping_add(1);
            now += Duration::from_millis(10);
            if let Ok(p) = RtpPacket::parse(black_box(&buf[..len])) {
                black_box(s.on_rtp(now, &p));
            }
        });
    });
    group.finish();

    let mut s = stream();
    let (mut buf, len) = packet_bytes();
    let t0 = Instant::now();
    for i in 0..1000u32 {
        buf[2..4].copy_from_slice(&(i as u16).to_be_bytes());
        if let Ok(p) = RtpPacket::parse(&buf[..len]) {
            s.on_rtp(t0 + Duration::from_millis(10 * u64::from(i)), &p);
        }
    }
    let epoch = EpochClock::new(t0, 1.767e12);
    let ids = StreamIds {
        id: "IT01V42",
        transport_id: "T01",
        codec_id: "CIT01_96",
        pair_id: "ROV42",
    };
    c.bench_function("snapshot/inbound_rtp", |b| {
        b.iter(|| {
            black_box(snapshot::inbound_rtp(
                &s,
                &ids,
                "track",
                Some("0"),
                &epoch,
                t0,
            ))
        });
    });
    c.bench_function("snapshot/inbound_rtp_to_json", |b| {
        b.iter(|| {
            let stats = snapshot::inbound_rtp(&s, &ids, "track", Some("0"), &epoch, t0);
            black_box(stats.map(|i| rtcscope_stats::RTCStats::from(i).to_json_map()))
        });
    });

    let mut group = c.benchmark_group("simulate");
    group.sample_size(10);
    group.bench_function("30000_packets_5pct_loss_40ms", |b| {
        let config = SimulateConfig {
            packets: 30_000,
            loss_percent: 5.0,
            delay: Duration::from_millis(40),
            jitter: Duration::from_millis(5),
            seed: 42,
            ..Default::default()
        };
        b.iter(|| black_box(simulate::run(&config).map(|o| o.forward_link)));
    });
    group.finish();
}

criterion_group!(benches, bench_receive);
criterion_main!(benches);
