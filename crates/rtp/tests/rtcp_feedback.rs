//! SDES, BYE, APP, REMB and transport-wide CC against hand-assembled bytes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rtcscope_rtp::RtcpError;
use rtcscope_rtp::rtcp::{
    AppBuilder, ByeBuilder, RembBuilder, RtcpBuild, RtcpPacket, SdesBuilder, SdesChunkSpec,
    SdesItem, TransportCcBuilder, parse_compound, sdes_type,
};

fn single(buf: &[u8]) -> RtcpPacket<'_> {
    let mut it = parse_compound(buf);
    let p = it.next().expect("one packet").expect("valid packet");
    assert!(it.next().is_none(), "exactly one packet");
    p
}

fn build(b: &impl RtcpBuild) -> Vec<u8> {
    let len = b.encoded_len().unwrap();
    let mut out = vec![0u8; len];
    assert_eq!(b.write(&mut out), Ok(len));
    // One byte less must be refused, not truncated.
    assert!(b.write(&mut vec![0u8; len - 1]).is_err());
    out
}

const SDES: [u8; 24] = [
    0x82, 202, 0x00, 0x05, // SC=2
    0x01, 0x02, 0x03, 0x04, 1, 3, b'a', b'b', b'c', 0, 0, 0, // CNAME "abc", null, pad
    0x00, 0x00, 0x00, 0x05, 2, 1, b'x', 0, // NAME "x", null (already aligned)
];

#[test]
fn sdes_chunks_and_items() {
    let RtcpPacket::Sdes(sdes) = single(&SDES) else {
        panic!()
    };
    let chunks: Vec<_> = sdes.chunks().collect();
    assert_eq!(chunks.len(), 2);
    assert_eq!(chunks[0].ssrc, 0x0102_0304);
    assert_eq!(chunks[0].cname(), Some(&b"abc"[..]));
    assert_eq!(chunks[1].ssrc, 5);
    assert_eq!(chunks[1].cname(), None);
    assert_eq!(
        chunks[1].items().collect::<Vec<_>>(),
        [SdesItem {
            kind: sdes_type::NAME,
            value: b"x"
        }]
    );
}

#[test]
fn sdes_builder_matches_hand_bytes() {
    let items0 = [SdesItem {
        kind: sdes_type::CNAME,
        value: b"abc",
    }];
    let items1 = [SdesItem {
        kind: sdes_type::NAME,
        value: b"x",
    }];
    let chunks = [
        SdesChunkSpec {
            ssrc: 0x0102_0304,
            items: &items0,
        },
        SdesChunkSpec {
            ssrc: 5,
            items: &items1,
        },
    ];
    assert_eq!(build(&SdesBuilder { chunks: &chunks }), SDES);
}

#[test]
fn sdes_malformed() {
    // Item length runs past the packet.
    let mut bad = SDES;
    bad[9] = 40;
    assert!(matches!(
        single_err(&bad),
        RtcpError::Malformed { packet: "SDES", .. }
    ));
    // SC=3 but only two chunks.
    let mut sc = SDES;
    sc[0] = 0x83;
    assert!(matches!(single_err(&sc), RtcpError::Truncated { .. }));
    // No null terminator: the item fills the chunk exactly.
    let no_null = [0x81, 202, 0, 2, 0, 0, 0, 1, 1, 2, b'a', b'b'];
    assert!(matches!(
        single_err(&no_null),
        RtcpError::Malformed { packet: "SDES", .. }
    ));
}

fn single_err(buf: &[u8]) -> RtcpError {
    let mut it = parse_compound(buf);
    let e = it.next().expect("an item").expect_err("an error");
    assert!(it.next().is_none());
    e
}

#[test]
fn bye_with_reason() {
    let bytes = [
        0x82, 203, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 3, b'b', b'y', b'e',
    ];
    let RtcpPacket::Bye(bye) = single(&bytes) else {
        panic!()
    };
    assert_eq!(bye.ssrcs().collect::<Vec<_>>(), [1, 2]);
    assert_eq!(bye.reason(), Some(&b"bye"[..]));
    assert_eq!(
        build(&ByeBuilder {
            ssrcs: &[1, 2],
            reason: Some(b"bye")
        }),
        bytes
    );
    // Reason length lies.
    let mut bad = bytes;
    bad[12] = 4;
    assert!(matches!(
        single_err(&bad),
        RtcpError::Malformed { packet: "BYE", .. }
    ));
    // No reason.
    let out = build(&ByeBuilder {
        ssrcs: &[9],
        reason: None,
    });
    let RtcpPacket::Bye(bye) = single(&out) else {
        panic!()
    };
    assert_eq!(bye.ssrcs().collect::<Vec<_>>(), [9]);
    assert_eq!(bye.reason(), None);
}

#[test]
fn app_round_trip() {
    let bytes = [
        0x85, 204, 0x00, 0x04, 0xAA, 0xBB, 0xCC, 0xDD, b'T', b'E', b'S', b'T', 1, 2, 3, 4, 5, 6, 7,
        8,
    ];
    let RtcpPacket::App(app) = single(&bytes) else {
        panic!()
    };
    assert_eq!(app.subtype(), 5);
    assert_eq!(app.ssrc(), 0xAABB_CCDD);
    assert_eq!(&app.name(), b"TEST");
    assert_eq!(app.data(), [1, 2, 3, 4, 5, 6, 7, 8]);
    let built = build(&AppBuilder {
        subtype: 5,
        ssrc: 0xAABB_CCDD,
        name: *b"TEST",
        data: &[1, 2, 3, 4, 5, 6, 7, 8],
    });
    assert_eq!(built, bytes);
}

#[test]
fn remb_hand_bytes() {
    // exponent 5, mantissa 100000 → 3.2 Mbit/s, two SSRCs.
    let bytes = [
        0x8F, 206, 0x00, 0x06, 0x11, 0x11, 0x11, 0x11, 0, 0, 0, 0, b'R', b'E', b'M', b'B', 2, 0x15,
        0x86, 0xA0, 0x22, 0x22, 0x22, 0x22, 0x33, 0x33, 0x33, 0x33,
    ];
    let RtcpPacket::Remb(remb) = single(&bytes) else {
        panic!()
    };
    assert_eq!(remb.sender_ssrc(), 0x1111_1111);
    assert_eq!(remb.exponent(), 5);
    assert_eq!(remb.mantissa(), 100_000);
    assert_eq!(remb.bitrate_bps(), 3_200_000);
    assert_eq!(remb.ssrcs().collect::<Vec<_>>(), [0x2222_2222, 0x3333_3333]);
    // SSRC count lies.
    let mut bad = bytes;
    bad[16] = 3;
    assert!(matches!(
        single_err(&bad),
        RtcpError::Malformed { packet: "REMB", .. }
    ));
    // Other AFB payloads are not REMB.
    let mut other = bytes;
    other[12] = b'X';
    assert!(matches!(
        single(&other),
        RtcpPacket::Unknown(u) if u.packet_type == 206 && u.count == 15
    ));
}

#[test]
fn remb_builder_encodes_bitrate() {
    // 3.2e6 needs 22 bits → exponent 4, mantissa 200000.
    assert_eq!(RembBuilder::encode_bitrate(3_200_000), (4, 200_000));
    assert_eq!(RembBuilder::encode_bitrate(0), (0, 0));
    assert_eq!(RembBuilder::encode_bitrate(262_143), (0, 262_143));
    assert_eq!(RembBuilder::encode_bitrate(262_144), (1, 131_072));
    assert_eq!(RembBuilder::encode_bitrate(u64::MAX), (46, 262_143));
    let out = build(&RembBuilder {
        sender_ssrc: 7,
        bitrate_bps: 1_234_567,
        ssrcs: &[8],
    });
    let RtcpPacket::Remb(remb) = single(&out) else {
        panic!()
    };
    // 1234567 has 21 significant bits → exponent 3, truncated to 154320 << 3.
    assert_eq!(remb.bitrate_bps(), 1_234_560);
    assert_eq!(remb.ssrcs().collect::<Vec<_>>(), [8]);
    // Exponent 63 with a full mantissa saturates instead of overflowing.
    let bytes = [
        0x8F, 206, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, b'R', b'E', b'M', b'B', 0, 0xFF, 0xFF, 0xFF,
    ];
    let RtcpPacket::Remb(remb) = single(&bytes) else {
        panic!()
    };
    assert_eq!(remb.bitrate_bps(), u64::MAX);
}

/// Transport-wide CC feedback for seq 100..=109, hand-assembled:
/// 100 recv +4, 101 lost, 102 recv +0, 103 recv −8 (large), 104 recv +255,
/// 105..=109 lost. A 2-bit status vector [1,0,1,2,1,0,0] = 0xD190 covers
/// 100..=106, a run-length chunk of 3 × "not received" (0x0003) covers
/// 107..=109. Deltas 04 | 00 | FF F8 | FF, then 3 bytes of RTCP padding
/// (P bit, count 3).
const TWCC: [u8; 32] = [
    0xAF, 205, 0x00, 0x07, // V=2 P=1 FMT=15, RTPFB, 7 words
    0, 0, 0, 1, 0, 0, 0, 2, // sender 1, media 2
    0x00, 0x64, 0x00, 0x0A, // base seq 100, status count 10
    0x00, 0x01, 0x02, 0x05, // reference time 258, fb count 5
    0xD1, 0x90, 0x00, 0x03, // chunks
    0x04, 0x00, 0xFF, 0xF8, 0xFF, // deltas
    0x00, 0x00, 0x03, // padding
];

const TWCC_EXPECTED: [(u16, Option<i32>); 10] = [
    (100, Some(4)),
    (101, None),
    (102, Some(0)),
    (103, Some(-8)),
    (104, Some(255)),
    (105, None),
    (106, None),
    (107, None),
    (108, None),
    (109, None),
];

#[test]
fn twcc_hand_assembled() {
    let RtcpPacket::TransportCc(fb) = single(&TWCC) else {
        panic!()
    };
    assert_eq!(fb.sender_ssrc(), 1);
    assert_eq!(fb.media_ssrc(), 2);
    assert_eq!(fb.base_sequence(), 100);
    assert_eq!(fb.packet_status_count(), 10);
    assert_eq!(fb.reference_time(), 258);
    assert_eq!(fb.reference_time_us(), 258 * 64_000);
    assert_eq!(fb.fb_pkt_count(), 5);
    assert_eq!(fb.packets().collect::<Vec<_>>(), TWCC_EXPECTED);
}

#[test]
fn twcc_builder_chooses_the_same_chunks() {
    let statuses: Vec<_> = TWCC_EXPECTED.iter().map(|&(_, d)| d).collect();
    let out = build(&TransportCcBuilder {
        sender_ssrc: 1,
        media_ssrc: 2,
        base_sequence: 100,
        reference_time: 258,
        fb_pkt_count: 5,
        packets: &statuses,
    });
    // Same bytes except the builder zero-pads without the P bit.
    let mut expected = TWCC;
    expected[0] = 0x8F;
    expected[31] = 0;
    assert_eq!(out, expected);
}

#[test]
fn twcc_one_bit_vector_across_seq_wrap() {
    // 14 symbols [1,1,0,...,0,1] = 0b10_11000000000001 = 0xB001.
    let bytes = [
        0x8F, 205, 0, 6, 0, 0, 0, 1, 0, 0, 0, 2, //
        0xFF, 0xFE, 0x00, 0x0E, 0xFF, 0xFF, 0xFF, 0x00, //
        0xB0, 0x01, 0x01, 0x02, 0x03, 0, 0, 0,
    ];
    let RtcpPacket::TransportCc(fb) = single(&bytes) else {
        panic!()
    };
    assert_eq!(fb.reference_time(), 0xFF_FFFF);
    let packets: Vec<_> = fb.packets().collect();
    assert_eq!(packets.len(), 14);
    assert_eq!(packets[0], (65534, Some(1)));
    assert_eq!(packets[1], (65535, Some(2)));
    assert!(packets[2..13].iter().all(|&(_, d)| d.is_none()));
    assert_eq!(packets[2].0, 0);
    assert_eq!(packets[13], (11, Some(3)));
}

#[test]
fn twcc_builder_long_runs_and_mixed() {
    // 20 received small, 9000 lost (two run chunks), a large delta, small.
    let mut statuses = vec![Some(1); 20];
    statuses.extend(std::iter::repeat_n(None, 9000));
    statuses.push(Some(-300));
    statuses.push(Some(7));
    statuses.push(Some(1000));
    let out = build(&TransportCcBuilder {
        sender_ssrc: 3,
        media_ssrc: 4,
        base_sequence: 65000,
        reference_time: 1,
        fb_pkt_count: 0,
        packets: &statuses,
    });
    let RtcpPacket::TransportCc(fb) = single(&out) else {
        panic!()
    };
    let parsed: Vec<_> = fb.packets().collect();
    assert_eq!(parsed.len(), statuses.len());
    for (i, ((seq, delta), want)) in parsed.iter().zip(&statuses).enumerate() {
        assert_eq!(*seq, 65000u16.wrapping_add(i as u16));
        assert_eq!(delta, want, "index {i}");
    }
    // 20 small (RLE), 8191 + 809 lost (2 RLE), then a 2-bit vector of 3:
    // 4 chunks, 20 + 1 + 2 + 2 delta bytes.
    assert_eq!(out.len(), 4 + 8 + 8 + 8 + 25 + 3);
}

#[test]
fn twcc_malformed() {
    // Status count 20 but the only two chunks (2-bit vectors) describe 14.
    let chunks_short = [
        0x8F, 205, 0, 5, 0, 0, 0, 1, 0, 0, 0, 2, //
        0, 0, 0, 20, 0, 0, 0, 0, //
        0xC0, 0x00, 0xC0, 0x00,
    ];
    assert_eq!(
        single_err(&chunks_short),
        RtcpError::Malformed {
            packet: "TWCC",
            reason: "packet status chunks run past the packet"
        }
    );
    // Deltas cut short: status count 10 but only the first 2 delta bytes
    // remain once the packet is shortened.
    let mut short = [0u8; 28];
    short.copy_from_slice(&TWCC[..28]);
    short[0] = 0x8F;
    short[3] = 6;
    assert!(matches!(
        single_err(&short),
        RtcpError::Malformed {
            packet: "TWCC",
            reason: "receive deltas run past the packet"
        }
    ));
    // Reserved symbol 3 inside the counted range.
    let mut reserved = TWCC;
    reserved[20] = 0xF1; // 2-bit vector whose first symbol is 3
    assert!(matches!(
        single_err(&reserved),
        RtcpError::Malformed {
            reason: "reserved packet status symbol",
            ..
        }
    ));
    // Fewer than 8 FCI bytes.
    let tiny = [0x8F, 205, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1];
    assert!(matches!(single_err(&tiny), RtcpError::Truncated { .. }));
}
