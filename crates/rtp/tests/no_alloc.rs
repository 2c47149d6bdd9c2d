//! Parsing and building allocate nothing (counted by a test-only global
//! allocator). One test per file: the counter is process-wide.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rtcscope_rtp::NtpTime;
use rtcscope_rtp::rtcp::{
    CompoundBuilder, DlrrItem, FirBuilder, FirEntry, NackBuilder, Pli, RembBuilder, ReportBlock,
    RtcpPacket, SdesBuilder, SdesChunkSpec, SdesItem, SenderReportBuilder, TransportCcBuilder,
    XrBlock, XrBuilder, parse_compound, sdes_type,
};
use rtcscope_rtp::rtp::{ExtensionElement, Extensions, RtpBuilder, RtpPacket};

#[test]
fn parse_and_build_do_not_allocate() {
    // Inputs prepared outside the measured region.
    let ext = [
        ExtensionElement {
            id: 3,
            value: &[1, 2],
        },
        ExtensionElement {
            id: 5,
            value: &[9; 4],
        },
    ];
    let payload = [7u8; 1000];
    let blocks = [ReportBlock::default(); 3];
    let cname = [SdesItem {
        kind: sdes_type::CNAME,
        value: b"cname",
    }];
    let chunks = [SdesChunkSpec {
        ssrc: 1,
        items: &cname,
    }];
    let dlrr = [DlrrItem::default(); 2];
    let statuses: [Option<i32>; 64] =
        core::array::from_fn(|i| if i % 9 == 0 { None } else { Some(i as i32 - 5) });
    let lost = [10u16, 11, 15, 40, 41];
    let mut rtp_buf = [0u8; 1500];
    let mut rtcp_buf = [0u8; 1500];
    let mut checksum = 0u64;

    let info = allocation_counter::measure(|| {
        for _ in 0..100 {
            let n = RtpBuilder {
                payload_type: 96,
                csrcs: &[1, 2],
                extensions: Extensions::OneByte(&ext),
                payload: &payload,
                padding_len: 4,
                ..Default::default()
            }
            .write(&mut rtp_buf)
            .unwrap();
            let p = RtpPacket::parse(&rtp_buf[..n]).unwrap();
            checksum += p.payload().len() as u64 + p.extensions().count() as u64;
            checksum += p.extension(5).map_or(0, <[u8]>::len) as u64;

            let mut c = CompoundBuilder::new(&mut rtcp_buf);
            c.push(&SenderReportBuilder {
                ssrc: 1,
                ntp_time: NtpTime(1),
                report_blocks: &blocks,
                ..Default::default()
            })
            .unwrap()
            .push(&SdesBuilder { chunks: &chunks })
            .unwrap()
            .push(&XrBuilder {
                ssrc: 1,
                rrtr: Some(NtpTime(2)),
                dlrr: &dlrr,
            })
            .unwrap()
            .push(&NackBuilder {
                sender_ssrc: 1,
                media_ssrc: 2,
                lost: &lost,
            })
            .unwrap()
            .push(&Pli::default())
            .unwrap()
            .push(&FirBuilder {
                sender_ssrc: 1,
                entries: &[FirEntry { ssrc: 2, seq_nr: 3 }],
            })
            .unwrap()
            .push(&RembBuilder {
                sender_ssrc: 1,
                bitrate_bps: 500_000,
                ssrcs: &[2],
            })
            .unwrap()
            .push(&TransportCcBuilder {
                packets: &statuses,
                ..Default::default()
            })
            .unwrap();
            let n = c.finish();
            for packet in parse_compound(&rtcp_buf[..n]) {
                checksum += match packet.unwrap() {
                    RtcpPacket::SenderReport(sr) => sr.report_blocks().count() as u64,
                    RtcpPacket::Sdes(s) => s.chunks().filter_map(|c| c.cname()).count() as u64,
                    RtcpPacket::Xr(x) => x
                        .blocks()
                        .map(|b| match b {
                            XrBlock::Dlrr(items) => items.count() as u64,
                            _ => 1,
                        })
                        .sum(),
                    RtcpPacket::Nack(n) => n.lost_sequence_numbers().count() as u64,
                    RtcpPacket::TransportCc(t) => t.packets().count() as u64,
                    RtcpPacket::Remb(r) => r.bitrate_bps() / 1000,
                    _ => 1,
                };
            }
        }
    });
    assert_eq!(info.count_total, 0, "{info:?}");
    // Positive control: the counter does see allocations.
    let control = allocation_counter::measure(|| {
        std::hint::black_box(Vec::<u8>::with_capacity(8));
    });
    assert_eq!(control.count_total, 1);
    // Work was really done: per iteration 1000 + 2 + 4 (RTP), 3 blocks,
    // 1 CNAME, 1 + 2 XR, 5 lost, 1 PLI, 1 FIR, 500 (REMB kbps), 64 TWCC.
    assert_eq!(checksum, 100 * (1006 + 3 + 1 + 3 + 5 + 1 + 1 + 500 + 64));
}
