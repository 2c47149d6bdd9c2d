//! RTP parse and RTCP compound parse throughput.
//! Run: cargo bench -p rtcscope-rtp --bench parse -- --warm-up-time 1 --measurement-time 3

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rtcscope_rtp::NtpTime;
use rtcscope_rtp::rtcp::{
    CompoundBuilder, ReportBlock, RtcpPacket, SdesBuilder, SdesChunkSpec, SdesItem,
    SenderReportBuilder, TransportCcBuilder, parse_compound, sdes_type,
};
use rtcscope_rtp::rtp::{ExtensionElement, Extensions, RtpBuilder, RtpPacket};

/// A typical video packet: two one-byte extensions (abs-send-time id 2,
/// transport-wide seq id 3), 1,100-byte payload.
fn rtp_packet() -> Vec<u8> {
    let ext = [
        ExtensionElement {
            id: 2,
            value: &[0x12, 0x34, 0x56],
        },
        ExtensionElement {
            id: 3,
            value: &[0x01, 0x02],
        },
    ];
    let payload = [0xAB; 1100];
    let b = RtpBuilder {
        marker: true,
        payload_type: 96,
        sequence_number: 4321,
        timestamp: 90_000,
        ssrc: 0x1234_5678,
        extensions: Extensions::OneByte(&ext),
        payload: &payload,
        ..Default::default()
    };
    let mut out = vec![0; b.encoded_len().unwrap()];
    b.write(&mut out).unwrap();
    out
}

/// SR with one report block + SDES CNAME: what a sender emits each second.
fn sr_sdes_compound() -> Vec<u8> {
    let blocks = [ReportBlock {
        ssrc: 2,
        fraction_lost: 3,
        cumulative_lost: 17,
        extended_highest_seq: 70_000,
        jitter: 120,
        last_sr: 0x1234_5678,
        delay_since_last_sr: 30_000,
    }];
    let cname = [SdesItem {
        kind: sdes_type::CNAME,
        value: b"0123456789abcdef",
    }];
    let chunks = [SdesChunkSpec {
        ssrc: 1,
        items: &cname,
    }];
    let mut buf = [0u8; 256];
    let mut c = CompoundBuilder::new(&mut buf);
    c.push(&SenderReportBuilder {
        ssrc: 1,
        ntp_time: NtpTime(0xE000_0000_8000_0000),
        rtp_timestamp: 90_000,
        packet_count: 1000,
        octet_count: 1_100_000,
        report_blocks: &blocks,
    })
    .unwrap()
    .push(&SdesBuilder { chunks: &chunks })
    .unwrap();
    let n = c.finish();
    buf[..n].to_vec()
}

/// Transport-wide CC feedback for 100 packets with 5% loss.
fn twcc_feedback() -> Vec<u8> {
    let statuses: Vec<Option<i32>> = (0..100)
        .map(|i| if i % 20 == 7 { None } else { Some(i % 40) })
        .collect();
    let b = TransportCcBuilder {
        sender_ssrc: 1,
        media_ssrc: 2,
        base_sequence: 1000,
        reference_time: 5,
        fb_pkt_count: 1,
        packets: &statuses,
    };
    let mut out = vec![0u8; 1024];
    use rtcscope_rtp::rtcp::RtcpBuild;
    let n = b.write(&mut out).unwrap();
    out.truncate(n);
    out
}

fn bench(c: &mut Criterion) {
    let rtp = rtp_packet();
    c.bench_function("rtp_parse_header_fields", |b| {
        b.iter(|| {
            let p = RtpPacket::parse(black_box(&rtp)).unwrap();
            black_box((
                p.sequence_number(),
                p.timestamp(),
                p.ssrc(),
                p.payload().len(),
            ))
        })
    });
    let plain = {
        let payload = [0xAB; 1100];
        let b = RtpBuilder {
            payload_type: 96,
            sequence_number: 4321,
            timestamp: 90_000,
            ssrc: 0x1234_5678,
            payload: &payload,
            ..Default::default()
        };
        let mut out = vec![0; b.encoded_len().unwrap()];
        b.write(&mut out).unwrap();
        out
    };
    c.bench_function("rtp_parse_no_extension", |b| {
        b.iter(|| {
            let p = RtpPacket::parse(black_box(&plain)).unwrap();
            black_box((
                p.sequence_number(),
                p.timestamp(),
                p.ssrc(),
                p.payload().len(),
            ))
        })
    });
    let parsed = RtpPacket::parse(&rtp).unwrap();
    c.bench_function("rtp_find_extension_on_parsed", |b| {
        b.iter(|| black_box(black_box(&parsed).extension(black_box(3))))
    });
    c.bench_function("rtp_parse_and_find_extension", |b| {
        b.iter(|| {
            let p = RtpPacket::parse(black_box(&rtp)).unwrap();
            black_box(p.extension(3))
        })
    });

    let compound = sr_sdes_compound();
    c.bench_function("rtcp_compound_sr_sdes_parse", |b| {
        b.iter(|| {
            let mut lost = 0i64;
            for packet in parse_compound(black_box(&compound)) {
                match packet.unwrap() {
                    RtcpPacket::SenderReport(sr) => {
                        lost += sr
                            .report_blocks()
                            .map(|rb| i64::from(rb.cumulative_lost))
                            .sum::<i64>();
                    }
                    RtcpPacket::Sdes(s) => {
                        lost += s.chunks().filter_map(|c| c.cname()).count() as i64;
                    }
                    _ => {}
                }
            }
            black_box(lost)
        })
    });

    let twcc = twcc_feedback();
    c.bench_function("rtcp_twcc_100_packets_parse_and_iterate", |b| {
        b.iter(|| {
            let mut sum = 0i64;
            for packet in parse_compound(black_box(&twcc)) {
                if let Ok(RtcpPacket::TransportCc(fb)) = packet {
                    sum += fb
                        .packets()
                        .filter_map(|(_, d)| d)
                        .map(i64::from)
                        .sum::<i64>();
                }
            }
            black_box(sum)
        })
    });

    let mut out = [0u8; 1500];
    let payload = [0u8; 1100];
    c.bench_function("rtp_build_1100_byte_payload", |b| {
        b.iter(|| {
            let builder = RtpBuilder {
                payload_type: 96,
                sequence_number: 1,
                timestamp: 2,
                ssrc: 3,
                payload: black_box(&payload),
                ..Default::default()
            };
            black_box(builder.write(&mut out).unwrap())
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
