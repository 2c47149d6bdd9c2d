//! RTP parsing and building against hand-written bytes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rtcscope_rtp::RtpError;
use rtcscope_rtp::rtp::{ExtensionElement, Extensions, RtpBuilder, RtpPacket, is_rtcp};

/// V=2 P=1 X=1 CC=2, M=1 PT=111, two CSRCs, a one-byte extension with two
/// elements and padding, payload "hi!", 3 bytes of RTP padding.
const ONE_BYTE_EXT_PACKET: [u8; 38] = [
    0xB2, 0xEF, 0x12, 0x34, // V P X CC | M PT | seq
    0xDE, 0xAD, 0xBE, 0xEF, // timestamp
    0x11, 0x22, 0x33, 0x44, // ssrc
    0xAA, 0xAA, 0xAA, 0xAA, // csrc 1
    0xBB, 0xBB, 0xBB, 0xBB, // csrc 2
    0xBE, 0xDE, 0x00, 0x02, // one-byte profile, 2 words
    0x10, 0x7F, // id 1, len 1
    0x32, 0x01, 0x02, 0x03, // id 3, len 3
    0x00, 0x00, // extension padding
    b'h', b'i', b'!', // payload
    0x00, 0x00, 0x03, // RTP padding, count 3
];

#[test]
fn one_byte_extension_csrcs_padding_field_by_field() {
    let p = RtpPacket::parse(&ONE_BYTE_EXT_PACKET).unwrap();
    assert_eq!(p.version(), 2);
    assert!(p.has_padding());
    assert!(p.has_extension());
    assert_eq!(p.csrc_count(), 2);
    assert!(p.marker());
    assert_eq!(p.payload_type(), 111);
    assert_eq!(p.sequence_number(), 0x1234);
    assert_eq!(p.timestamp(), 0xDEAD_BEEF);
    assert_eq!(p.ssrc(), 0x1122_3344);
    assert_eq!(p.csrcs().collect::<Vec<_>>(), [0xAAAA_AAAA, 0xBBBB_BBBB]);
    assert_eq!(p.extension_profile(), Some(0xBEDE));
    assert_eq!(p.extension_data().len(), 8);
    let ext: Vec<_> = p.extensions().collect();
    assert_eq!(ext, [(1, &[0x7F][..]), (3, &[1, 2, 3][..])]);
    assert_eq!(p.extension(3), Some(&[1u8, 2, 3][..]));
    assert_eq!(p.extension(2), None);
    assert_eq!(p.header_len(), 32);
    assert_eq!(p.payload(), b"hi!");
    assert_eq!(p.padding_len(), 3);
}

#[test]
fn two_byte_extension() {
    let bytes = [
        0x90, 0x60, 0x00, 0x01, 0, 0, 0, 0x10, 0, 0, 0, 0x20, // X=1, PT 96
        0x10, 0x07, 0x00, 0x02, // two-byte profile with appbits 7, 2 words
        0x05, 0x00, // id 5, empty value
        0xC8, 0x03, 0xAA, 0xBB, 0xCC, // id 200, 3 bytes
        0x00, // padding
        0x42, // payload
    ];
    let p = RtpPacket::parse(&bytes).unwrap();
    assert_eq!(p.extension_profile(), Some(0x1007));
    let ext: Vec<_> = p.extensions().collect();
    assert_eq!(ext, [(5, &[][..]), (200, &[0xAA, 0xBB, 0xCC][..])]);
    assert_eq!(p.header_len(), 24);
    assert_eq!(p.payload(), [0x42]);
    assert_eq!(p.padding_len(), 0);
}

#[test]
fn one_byte_id_15_stops_processing() {
    let bytes = [
        0x90, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, //
        0xBE, 0xDE, 0x00, 0x01, //
        0x20, 0x55, // id 2 len 1
        0xF3, 0x99, // id 15: stop, even though its length would overrun
    ];
    let p = RtpPacket::parse(&bytes).unwrap();
    assert_eq!(p.extensions().collect::<Vec<_>>(), [(2, &[0x55][..])]);
    assert!(p.payload().is_empty());
}

#[test]
fn non_rfc8285_profile_is_opaque() {
    let bytes = [
        0x90, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, //
        0xAB, 0xCD, 0x00, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x01,
    ];
    let p = RtpPacket::parse(&bytes).unwrap();
    assert_eq!(p.extension_profile(), Some(0xABCD));
    assert_eq!(p.extension_data(), [0xFF; 4]);
    assert_eq!(p.extensions().count(), 0);
    assert_eq!(p.payload(), [0x01]);
}

#[test]
fn malformed_packets_are_typed_errors() {
    let base = ONE_BYTE_EXT_PACKET;
    assert_eq!(
        RtpPacket::parse(&base[..11]),
        Err(RtpError::TooShort { available: 11 })
    );
    let mut v1 = base;
    v1[0] = (v1[0] & 0x3F) | 0x40;
    assert_eq!(RtpPacket::parse(&v1), Err(RtpError::BadVersion(1)));
    // 15 CSRCs need 72 bytes of header.
    let mut cc = base;
    cc[0] |= 0x0F;
    assert_eq!(
        RtpPacket::parse(&cc),
        Err(RtpError::CsrcOverrun { csrc_count: 15 })
    );
    // Extension length lies: 9 words.
    let mut ext = base;
    ext[23] = 9;
    assert_eq!(RtpPacket::parse(&ext), Err(RtpError::ExtensionOverrun));
    // Extension header cut off.
    assert_eq!(
        RtpPacket::parse(&base[..22]),
        Err(RtpError::ExtensionOverrun)
    );
    // Element id 3 claims 16 bytes inside an 8-byte block.
    let mut elem = base;
    elem[26] = 0x3F;
    assert_eq!(
        RtpPacket::parse(&elem),
        Err(RtpError::ExtensionElementOverrun { id: 3 })
    );
    // Padding count 0, and padding count larger than the payload area.
    let mut pad0 = base;
    pad0[37] = 0;
    assert_eq!(
        RtpPacket::parse(&pad0),
        Err(RtpError::BadPadding { padding_len: 0 })
    );
    let mut pad_big = base;
    pad_big[37] = 7; // only 6 bytes after the 32-byte header
    assert_eq!(
        RtpPacket::parse(&pad_big),
        Err(RtpError::BadPadding { padding_len: 7 })
    );
    let mut pad_all = base;
    pad_all[37] = 6; // payload empty, padding takes everything: valid
    let p = RtpPacket::parse(&pad_all).unwrap();
    assert!(p.payload().is_empty());
}

#[test]
fn build_reproduces_hand_written_bytes() {
    let elements = [
        ExtensionElement {
            id: 1,
            value: &[0x7F],
        },
        ExtensionElement {
            id: 3,
            value: &[1, 2, 3],
        },
    ];
    let b = RtpBuilder {
        marker: true,
        payload_type: 111,
        sequence_number: 0x1234,
        timestamp: 0xDEAD_BEEF,
        ssrc: 0x1122_3344,
        csrcs: &[0xAAAA_AAAA, 0xBBBB_BBBB],
        extensions: Extensions::OneByte(&elements),
        payload: b"hi!",
        padding_len: 3,
    };
    assert_eq!(b.header_len(), Ok(32));
    let mut out = [0u8; 64];
    let n = b.write(&mut out).unwrap();
    assert_eq!(&out[..n], &ONE_BYTE_EXT_PACKET[..]);
    // Exactly-sized buffer works, one byte less does not.
    let mut exact = [0u8; 38];
    assert_eq!(b.write(&mut exact), Ok(38));
    let mut short = [0u8; 37];
    assert!(b.write(&mut short).is_err());
}

#[test]
fn two_byte_build_parse_round_trip() {
    let long = [0x5Au8; 200];
    let elements = [
        ExtensionElement { id: 1, value: &[] },
        ExtensionElement {
            id: 255,
            value: &long,
        },
    ];
    let b = RtpBuilder {
        payload_type: 96,
        sequence_number: 65535,
        timestamp: 1,
        ssrc: 2,
        extensions: Extensions::TwoByte {
            appbits: 0xF,
            elements: &elements,
        },
        payload: &[9; 10],
        ..RtpBuilder::default()
    };
    let mut out = [0u8; 400];
    let n = b.write(&mut out).unwrap();
    // 12 + 4 + (2 + 2 + 200 → 204) + 10
    assert_eq!(n, 230);
    let p = RtpPacket::parse(&out[..n]).unwrap();
    assert_eq!(p.extension_profile(), Some(0x100F));
    let ext: Vec<_> = p.extensions().collect();
    assert_eq!(ext, [(1, &[][..]), (255, &long[..])]);
    assert_eq!(p.payload(), [9; 10]);
    assert!(!p.marker());
    assert_eq!(p.sequence_number(), 65535);
}

#[test]
fn builder_rejects_unencodable_fields() {
    let big = [0u8; 17];
    let bad_one_byte = [ExtensionElement { id: 1, value: &big }];
    let b = RtpBuilder {
        extensions: Extensions::OneByte(&bad_one_byte),
        ..RtpBuilder::default()
    };
    assert!(b.write(&mut [0u8; 100]).is_err());
    let bad_id = [ExtensionElement {
        id: 15,
        value: &[1],
    }];
    let b = RtpBuilder {
        extensions: Extensions::OneByte(&bad_id),
        ..RtpBuilder::default()
    };
    assert!(b.write(&mut [0u8; 100]).is_err());
    let b = RtpBuilder {
        csrcs: &[0; 16],
        ..RtpBuilder::default()
    };
    assert!(b.write(&mut [0u8; 100]).is_err());
    let b = RtpBuilder {
        payload_type: 128,
        ..RtpBuilder::default()
    };
    assert!(b.write(&mut [0u8; 100]).is_err());
}

#[test]
fn rtcp_demux_by_second_byte() {
    assert!(is_rtcp(&[0x80, 200, 0, 6]));
    assert!(is_rtcp(&[0x81, 206, 0, 2]));
    assert!(!is_rtcp(&[0x80, 0x60, 0, 1]));
    assert!(!is_rtcp(&[0x80, 0xE0, 0, 1])); // marker + PT 96
    assert!(!is_rtcp(&[0x80]));
}
