//! RTCP parsing and building against hand-written bytes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rtcscope_rtp::NtpTime;
use rtcscope_rtp::RtcpError;
use rtcscope_rtp::rtcp::{
    CompoundBuilder, DlrrItem, FirBuilder, FirEntry, NackBuilder, NackPair, Pli,
    ReceiverReportBuilder, ReportBlock, RtcpBuild, RtcpPacket, SenderReportBuilder, XrBlock,
    XrBuilder, parse_compound,
};

fn single(buf: &[u8]) -> RtcpPacket<'_> {
    let mut it = parse_compound(buf);
    let p = it.next().expect("one packet").expect("valid packet");
    assert!(it.next().is_none(), "exactly one packet");
    p
}

/// SR with one report block, hand-assembled.
const SR: [u8; 52] = [
    0x81, 200, 0x00, 0x0C, // V=2 RC=1, PT=SR, length 12 words
    0x01, 0x02, 0x03, 0x04, // sender ssrc
    0xE1, 0xE2, 0xE3, 0xE4, 0x80, 0x00, 0x00, 0x00, // NTP
    0x00, 0x00, 0x10, 0x00, // RTP timestamp 4096
    0x00, 0x00, 0x00, 0x64, // packet count 100
    0x00, 0x00, 0x3E, 0x80, // octet count 16000
    0x0A, 0x0B, 0x0C, 0x0D, // block ssrc
    0x40, 0xFF, 0xFF, 0xFE, // fraction 64/256, cumulative lost −2
    0x00, 0x01, 0x00, 0x05, // extended highest seq: cycle 1, seq 5
    0x00, 0x00, 0x01, 0x23, // jitter 291
    0xE3, 0xE4, 0x80, 0x00, // LSR
    0x00, 0x01, 0x80, 0x00, // DLSR 1.5 s
];

fn sr_block() -> ReportBlock {
    ReportBlock {
        ssrc: 0x0A0B_0C0D,
        fraction_lost: 64,
        cumulative_lost: -2,
        extended_highest_seq: 0x0001_0005,
        jitter: 291,
        last_sr: 0xE3E4_8000,
        delay_since_last_sr: 0x0001_8000,
    }
}

#[test]
fn sender_report_field_by_field() {
    let RtcpPacket::SenderReport(sr) = single(&SR) else {
        panic!("not an SR")
    };
    assert_eq!(sr.ssrc(), 0x0102_0304);
    assert_eq!(sr.ntp_time(), NtpTime::from_parts(0xE1E2_E3E4, 0x8000_0000));
    assert_eq!(sr.ntp_time().compact(), 0xE3E4_8000);
    assert_eq!(sr.rtp_timestamp(), 4096);
    assert_eq!(sr.packet_count(), 100);
    assert_eq!(sr.octet_count(), 16_000);
    assert_eq!(sr.report_blocks().collect::<Vec<_>>(), [sr_block()]);
    assert!(sr.profile_extension().is_empty());
}

#[test]
fn sender_report_builds_identical_bytes() {
    let blocks = [sr_block()];
    let b = SenderReportBuilder {
        ssrc: 0x0102_0304,
        ntp_time: NtpTime::from_parts(0xE1E2_E3E4, 0x8000_0000),
        rtp_timestamp: 4096,
        packet_count: 100,
        octet_count: 16_000,
        report_blocks: &blocks,
    };
    assert_eq!(b.encoded_len(), Ok(52));
    let mut out = [0u8; 52];
    assert_eq!(b.write(&mut out), Ok(52));
    assert_eq!(out, SR);
    assert!(b.write(&mut [0u8; 51]).is_err());
}

#[test]
fn cumulative_lost_sign_extension_and_clamping() {
    for (lost, wire) in [
        (0, [0x00, 0x00, 0x00]),
        (1, [0x00, 0x00, 0x01]),
        (-1, [0xFF, 0xFF, 0xFF]),
        (0x7F_FFFF, [0x7F, 0xFF, 0xFF]),
        (-0x80_0000, [0x80, 0x00, 0x00]),
        // Out of range values are clamped (RFC 3550 A.3).
        (10_000_000, [0x7F, 0xFF, 0xFF]),
        (-10_000_000, [0x80, 0x00, 0x00]),
    ] {
        let blocks = [ReportBlock {
            cumulative_lost: lost,
            ..ReportBlock::default()
        }];
        let b = ReceiverReportBuilder {
            ssrc: 7,
            report_blocks: &blocks,
        };
        let mut out = [0u8; 32];
        assert_eq!(b.write(&mut out), Ok(32));
        assert_eq!(out[13..16], wire, "lost {lost}");
        let RtcpPacket::ReceiverReport(rr) = single(&out) else {
            panic!()
        };
        let parsed = rr.report_blocks().next().unwrap().cumulative_lost;
        assert_eq!(parsed, lost.clamp(-0x80_0000, 0x7F_FFFF));
    }
}

#[test]
fn reduced_size_compound_of_feedback_only() {
    // RFC 5506: a compound need not start with SR/RR.
    let bytes = [
        0x81,
        206,
        0x00,
        0x02,
        0,
        0,
        0,
        1,
        0,
        0,
        0,
        2, // PLI 1 → 2
        0x81,
        205,
        0x00,
        0x03,
        0,
        0,
        0,
        1,
        0,
        0,
        0,
        2,
        0x00,
        0x0A,
        0b1000_0000,
        0b0000_0101, // NACK
    ];
    let packets: Vec<_> = parse_compound(&bytes).collect::<Result<_, _>>().unwrap();
    assert_eq!(packets.len(), 2);
    assert_eq!(
        packets[0],
        RtcpPacket::Pli(Pli {
            sender_ssrc: 1,
            media_ssrc: 2
        })
    );
    let RtcpPacket::Nack(nack) = packets[1] else {
        panic!()
    };
    assert_eq!(nack.sender_ssrc(), 1);
    assert_eq!(nack.media_ssrc(), 2);
    assert_eq!(
        nack.pairs().collect::<Vec<_>>(),
        [NackPair {
            pid: 10,
            blp: 0x8005
        }]
    );
    // PID 10, bits 0 and 2 → 11 and 13, bit 15 → 26.
    assert_eq!(
        nack.lost_sequence_numbers().collect::<Vec<_>>(),
        [10, 11, 13, 26]
    );
}

#[test]
fn nack_builder_packs_and_wraps() {
    let lost = [65530, 65531, 65535, 0, 4, 5, 30, 31];
    let b = NackBuilder {
        sender_ssrc: 9,
        media_ssrc: 10,
        lost: &lost,
    };
    // 65530 covers up to 65530+16 = 10 (wrapped): 65531 (bit 0), 65535 (bit 4),
    // 0 (bit 5), 4 (bit 9), 5 (bit 10); 30 starts a new entry with 31 (bit 0).
    let pairs: Vec<_> = b.pairs().collect();
    assert_eq!(
        pairs,
        [
            NackPair {
                pid: 65530,
                blp: (1 << 0) | (1 << 4) | (1 << 5) | (1 << 9) | (1 << 10)
            },
            NackPair { pid: 30, blp: 1 }
        ]
    );
    let mut out = [0u8; 64];
    let n = b.write(&mut out).unwrap();
    assert_eq!(n, 20);
    let RtcpPacket::Nack(nack) = single(&out[..n]) else {
        panic!()
    };
    assert_eq!(nack.lost_sequence_numbers().collect::<Vec<_>>(), lost);
}

#[test]
fn fir_round_trip_and_bytes() {
    let entries = [
        FirEntry {
            ssrc: 0x1111_1111,
            seq_nr: 7,
        },
        FirEntry {
            ssrc: 0x2222_2222,
            seq_nr: 255,
        },
    ];
    let b = FirBuilder {
        sender_ssrc: 0xABCD_0001,
        entries: &entries,
    };
    let mut out = [0u8; 64];
    let n = b.write(&mut out).unwrap();
    assert_eq!(
        out[..n],
        [
            0x84, 206, 0x00, 0x06, 0xAB, 0xCD, 0x00, 0x01, 0, 0, 0, 0, //
            0x11, 0x11, 0x11, 0x11, 7, 0, 0, 0, //
            0x22, 0x22, 0x22, 0x22, 255, 0, 0, 0,
        ]
    );
    let RtcpPacket::Fir(fir) = single(&out[..n]) else {
        panic!()
    };
    assert_eq!(fir.sender_ssrc(), 0xABCD_0001);
    assert_eq!(fir.entries().collect::<Vec<_>>(), entries);
}

#[test]
fn pli_round_trip() {
    let pli = Pli {
        sender_ssrc: 0xDEAD_BEEF,
        media_ssrc: 0xCAFE_BABE,
    };
    let mut out = [0u8; 12];
    assert_eq!(pli.write(&mut out), Ok(12));
    assert_eq!(out[..4], [0x81, 206, 0, 2]);
    assert_eq!(single(&out), RtcpPacket::Pli(pli));
}

#[test]
fn xr_rrtr_dlrr_and_unknown_block() {
    let bytes = [
        0x80, 207, 0x00, 0x0A, // XR, 10 words after the header word
        0x00, 0x00, 0x00, 0x2A, // ssrc 42
        4, 0, 0x00, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, // RRTR
        9, 0xAB, 0x00, 0x01, 1, 2, 3, 4, // unknown block type 9, skipped by length
        5, 0, 0x00, 0x03, 0, 0, 0, 7, 0x33, 0x44, 0x55, 0x66, 0x00, 0x00, 0x80, 0x00, // DLRR
    ];
    let RtcpPacket::Xr(xr) = single(&bytes) else {
        panic!()
    };
    assert_eq!(xr.ssrc(), 42);
    let blocks: Vec<_> = xr.blocks().collect();
    assert_eq!(blocks.len(), 3);
    assert_eq!(blocks[0], XrBlock::Rrtr(NtpTime(0x1122_3344_5566_7788)));
    assert_eq!(
        blocks[1],
        XrBlock::Unknown {
            block_type: 9,
            type_specific: 0xAB,
            body: &[1, 2, 3, 4]
        }
    );
    let XrBlock::Dlrr(items) = blocks[2].clone() else {
        panic!()
    };
    assert_eq!(
        items.collect::<Vec<_>>(),
        [DlrrItem {
            ssrc: 7,
            last_rr: 0x3344_5566,
            delay_since_last_rr: 0x8000
        }]
    );
}

#[test]
fn xr_builder_round_trip() {
    let dlrr = [
        DlrrItem {
            ssrc: 1,
            last_rr: 2,
            delay_since_last_rr: 3,
        },
        DlrrItem {
            ssrc: 4,
            last_rr: 5,
            delay_since_last_rr: 6,
        },
    ];
    let b = XrBuilder {
        ssrc: 99,
        rrtr: Some(NtpTime(0x0102_0304_0506_0708)),
        dlrr: &dlrr,
    };
    let mut out = [0u8; 128];
    let n = b.write(&mut out).unwrap();
    assert_eq!(n, 8 + 12 + 4 + 24);
    let RtcpPacket::Xr(xr) = single(&out[..n]) else {
        panic!()
    };
    let mut blocks = xr.blocks();
    assert_eq!(
        blocks.next(),
        Some(XrBlock::Rrtr(NtpTime(0x0102_0304_0506_0708)))
    );
    let Some(XrBlock::Dlrr(items)) = blocks.next() else {
        panic!()
    };
    assert_eq!(items.collect::<Vec<_>>(), dlrr);
    assert_eq!(blocks.next(), None);
}

#[test]
fn compound_sr_rr_builder() {
    let blocks = [sr_block(), sr_block()];
    let mut buf = [0u8; 256];
    let mut c = CompoundBuilder::new(&mut buf);
    c.push(&SenderReportBuilder {
        ssrc: 1,
        report_blocks: &blocks,
        ..Default::default()
    })
    .unwrap()
    .push(&ReceiverReportBuilder {
        ssrc: 2,
        report_blocks: &[],
    })
    .unwrap();
    let n = c.finish();
    assert_eq!(n, 28 + 48 + 8);
    let packets: Vec<_> = parse_compound(&buf[..n]).collect::<Result<_, _>>().unwrap();
    let RtcpPacket::SenderReport(sr) = packets[0] else {
        panic!()
    };
    assert_eq!(sr.report_blocks().collect::<Vec<_>>(), blocks);
    let RtcpPacket::ReceiverReport(rr) = packets[1] else {
        panic!()
    };
    assert_eq!(rr.ssrc(), 2);
    assert_eq!(rr.report_blocks().count(), 0);
}

#[test]
fn lying_lengths_yield_one_error_then_stop() {
    // Length says 12 words but only 8 bytes follow.
    let mut bad = SR;
    bad[3] = 0x20;
    let mut it = parse_compound(&bad);
    assert_eq!(
        it.next(),
        Some(Err(RtcpError::LengthOverrun {
            declared: 132,
            available: 52
        }))
    );
    assert_eq!(it.next(), None);

    // RC=2 but room for only one block.
    let mut rc = SR;
    rc[0] = 0x82;
    assert!(matches!(
        parse_compound(&rc).next(),
        Some(Err(RtcpError::Truncated { packet: "SR", .. }))
    ));

    // Valid PLI, then a truncated header: PLI yielded, then an error, then the end.
    let bytes = [0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0x80, 201];
    let items: Vec<_> = parse_compound(&bytes).collect();
    assert_eq!(items.len(), 2);
    assert!(items[0].is_ok());
    assert_eq!(items[1], Err(RtcpError::TooShort { available: 2 }));

    // Version 0.
    assert_eq!(
        parse_compound(&[0x00, 201, 0, 1, 0, 0, 0, 0]).next(),
        Some(Err(RtcpError::BadVersion(0)))
    );

    // Padding count larger than the packet body.
    assert_eq!(
        parse_compound(&[0xA0, 201, 0, 1, 0, 0, 0, 9]).next(),
        Some(Err(RtcpError::BadPadding { padding_len: 9 }))
    );

    // XR block whose length overruns the packet.
    let xr = [0x80, 207, 0, 2, 0, 0, 0, 1, 4, 0, 0, 2];
    assert!(matches!(
        parse_compound(&xr).next(),
        Some(Err(RtcpError::Truncated {
            packet: "XR block",
            ..
        }))
    ));
}

#[test]
fn padded_rr_strips_padding() {
    // RR with no blocks, P=1 and 4 bytes of padding.
    let bytes = [0xA0, 201, 0, 2, 0, 0, 0, 5, 0, 0, 0, 4];
    let RtcpPacket::ReceiverReport(rr) = single(&bytes) else {
        panic!()
    };
    assert_eq!(rr.ssrc(), 5);
    assert!(rr.profile_extension().is_empty());
}

#[test]
fn compound_builder_refuses_overflow_and_keeps_what_fits() {
    let mut buf = [0u8; 20];
    let mut c = CompoundBuilder::new(&mut buf);
    c.push(&Pli {
        sender_ssrc: 1,
        media_ssrc: 2,
    })
    .unwrap();
    assert_eq!(c.len(), 12);
    // An RR with one block needs 32 bytes; only 8 remain.
    let blocks = [ReportBlock::default()];
    let err = c
        .push(&ReceiverReportBuilder {
            ssrc: 3,
            report_blocks: &blocks,
        })
        .unwrap_err();
    assert_eq!(
        err,
        rtcscope_rtp::BuildError::BufferTooSmall {
            needed: 32,
            available: 8
        }
    );
    assert_eq!(c.len(), 12);
    // 32 report blocks do not fit the 5-bit count.
    let many = [ReportBlock::default(); 32];
    assert!(matches!(
        ReceiverReportBuilder {
            ssrc: 3,
            report_blocks: &many
        }
        .write(&mut [0u8; 2048]),
        Err(rtcscope_rtp::BuildError::InvalidField { .. })
    ));
    let n = c.finish();
    assert_eq!(parse_compound(&buf[..n]).count(), 1);
}
