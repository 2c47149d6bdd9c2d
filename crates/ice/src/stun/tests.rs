//! RFC 5769 test vectors and malformed-input cases.

use std::net::SocketAddr;

use super::*;

const PASSWORD: &[u8] = b"VOkJxbRl1RmTxUk/WvJxBt";
const TID: [u8; 12] = [
    0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
];

fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| b.is_ascii_hexdigit()).collect();
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}

// RFC 5769 §2.1 Sample Request.
fn sample_request() -> Vec<u8> {
    hex(
        "00 01 00 58  21 12 a4 42  b7 e7 a7 01  bc 34 d6 86  fa 87 df ae
         80 22 00 10  53 54 55 4e  20 74 65 73  74 20 63 6c  69 65 6e 74
         00 24 00 04  6e 00 01 ff  80 29 00 08  93 2f f9 b1  51 26 3b 36
         00 06 00 09  65 76 74 6a  3a 68 36 76  59 20 20 20
         00 08 00 14  9a ea a7 0c  bf d8 cb 56  78 1e f2 b5  b2 d3 f2 49  c1 b5 71 a2
         80 28 00 04  e5 7a 3b cf",
    )
}

// RFC 5769 §2.2 Sample IPv4 Response.
fn sample_ipv4_response() -> Vec<u8> {
    hex(
        "01 01 00 3c  21 12 a4 42  b7 e7 a7 01  bc 34 d6 86  fa 87 df ae
         80 22 00 0b  74 65 73 74  20 76 65 63  74 6f 72 20
         00 20 00 08  00 01 a1 47  e1 12 a6 43
         00 08 00 14  2b 91 f5 99  fd 9e 90 c3  8c 74 89 f9  2a f9 ba 53  f0 6b e7 d7
         80 28 00 04  c0 7d 4c 96",
    )
}

// RFC 5769 §2.3 Sample IPv6 Response.
fn sample_ipv6_response() -> Vec<u8> {
    hex(
        "01 01 00 48  21 12 a4 42  b7 e7 a7 01  bc 34 d6 86  fa 87 df ae
         80 22 00 0b  74 65 73 74  20 76 65 63  74 6f 72 20
         00 20 00 14  00 02 a1 47  01 13 a9 fa  a5 d3 f1 79  bc 25 f4 b5  be d2 b9 d9
         00 08 00 14  a3 82 95 4e  4b e6 7b f1  17 84 c9 7c  82 92 c2 75  bf e3 ed 41
         80 28 00 04  c8 fb 0b 4c",
    )
}

#[test]
fn rfc5769_sample_request_decodes_and_authenticates() {
    let raw = sample_request();
    let msg = StunMessage::parse(&raw).unwrap();
    assert_eq!(msg.class, Class::Request);
    assert_eq!(msg.method, METHOD_BINDING);
    assert_eq!(msg.transaction_id.0, TID);
    assert_eq!(msg.software, Some(&b"STUN test client"[..]));
    assert_eq!(msg.priority, Some(0x6e00_01ff));
    assert_eq!(msg.ice_controlled, Some(0x932f_f9b1_5126_3b36));
    assert_eq!(msg.username, Some(&b"evtj:h6vY"[..]));
    assert!(msg.has_fingerprint);
    assert!(msg.verify_integrity(PASSWORD));
    assert!(!msg.verify_integrity(b"VOkJxbRl1RmTxUk/WvJxBT"));
}

#[test]
fn rfc5769_sample_request_encodes_bit_exact() {
    let mut buf = [0u8; 256];
    let mut w = MessageWriter::new(&mut buf, Class::Request, METHOD_BINDING, TransactionId(TID))
        .unwrap()
        .with_padding_byte(0x20);
    w.software(b"STUN test client").unwrap();
    w.priority(0x6e00_01ff).unwrap();
    w.ice_controlled(0x932f_f9b1_5126_3b36).unwrap();
    w.username_parts(b"evtj", b"h6vY").unwrap();
    w.message_integrity(PASSWORD).unwrap();
    let len = w.fingerprint().unwrap();
    assert_eq!(&buf[..len], &sample_request()[..]);
}

#[test]
fn rfc5769_ipv4_response_decodes_and_encodes() {
    let raw = sample_ipv4_response();
    let msg = StunMessage::parse(&raw).unwrap();
    assert_eq!(msg.class, Class::SuccessResponse);
    assert_eq!(
        msg.xor_mapped_address,
        Some("192.0.2.1:32853".parse::<SocketAddr>().unwrap())
    );
    assert!(msg.verify_integrity(PASSWORD));

    let mut buf = [0u8; 256];
    let mut w = MessageWriter::new(
        &mut buf,
        Class::SuccessResponse,
        METHOD_BINDING,
        TransactionId(TID),
    )
    .unwrap()
    .with_padding_byte(0x20);
    w.software(b"test vector").unwrap();
    w.xor_mapped_address("192.0.2.1:32853".parse().unwrap())
        .unwrap();
    w.message_integrity(PASSWORD).unwrap();
    let len = w.fingerprint().unwrap();
    assert_eq!(&buf[..len], &raw[..]);
}

#[test]
fn rfc5769_ipv6_response_decodes_and_encodes() {
    let raw = sample_ipv6_response();
    let msg = StunMessage::parse(&raw).unwrap();
    assert_eq!(
        msg.xor_mapped_address,
        Some(
            "[2001:db8:1234:5678:11:2233:4455:6677]:32853"
                .parse::<SocketAddr>()
                .unwrap()
        )
    );
    assert!(msg.verify_integrity(PASSWORD));

    let mut buf = [0u8; 256];
    let mut w = MessageWriter::new(
        &mut buf,
        Class::SuccessResponse,
        METHOD_BINDING,
        TransactionId(TID),
    )
    .unwrap()
    .with_padding_byte(0x20);
    w.software(b"test vector").unwrap();
    w.xor_mapped_address(
        "[2001:db8:1234:5678:11:2233:4455:6677]:32853"
            .parse()
            .unwrap(),
    )
    .unwrap();
    w.message_integrity(PASSWORD).unwrap();
    let len = w.fingerprint().unwrap();
    assert_eq!(&buf[..len], &raw[..]);
}

#[test]
fn message_type_packing_matches_rfc_values() {
    // Binding request 0x0001, success 0x0101, error 0x0111, indication 0x0011.
    assert_eq!(message_type(Class::Request, METHOD_BINDING), 0x0001);
    assert_eq!(message_type(Class::SuccessResponse, METHOD_BINDING), 0x0101);
    assert_eq!(message_type(Class::ErrorResponse, METHOD_BINDING), 0x0111);
    assert_eq!(message_type(Class::Indication, METHOD_BINDING), 0x0011);
    // TURN Allocate (0x003) error response is 0x0113.
    assert_eq!(split_message_type(0x0113), (Class::ErrorResponse, 0x003));
}

#[test]
fn error_code_487_round_trips() {
    let mut buf = [0u8; 256];
    let mut w = MessageWriter::new(
        &mut buf,
        Class::ErrorResponse,
        METHOD_BINDING,
        TransactionId([7; 12]),
    )
    .unwrap();
    w.error_code(ERROR_ROLE_CONFLICT, b"Role Conflict").unwrap();
    w.message_integrity(b"pass").unwrap();
    let len = w.fingerprint().unwrap();
    // class 4, number 87 on the wire.
    assert_eq!(&buf[24..28], &[0, 0, 4, 87]);
    let msg = StunMessage::parse(&buf[..len]).unwrap();
    let err = msg.error_code.unwrap();
    assert_eq!(err.code, 487);
    assert_eq!(err.reason, b"Role Conflict");
    assert!(msg.verify_integrity(b"pass"));
}

#[test]
fn unknown_attributes_are_skipped() {
    let mut buf = [0u8; 256];
    let mut w = MessageWriter::new(
        &mut buf,
        Class::Request,
        METHOD_BINDING,
        TransactionId([1; 12]),
    )
    .unwrap();
    w.attribute(0xC0DE, b"optional!").unwrap();
    w.attribute(0x7777, b"xyz").unwrap();
    w.priority(42).unwrap();
    let len = w.fingerprint().unwrap();
    let msg = StunMessage::parse(&buf[..len]).unwrap();
    assert_eq!(msg.priority, Some(42));
    assert_eq!(msg.unknown_comprehension_required, Some(0x7777));
}

#[test]
fn every_truncation_of_a_valid_message_is_a_typed_error() {
    let raw = sample_request();
    for cut in 0..raw.len() {
        let err = StunMessage::parse(&raw[..cut]).unwrap_err();
        assert!(
            matches!(
                err,
                StunError::TooShort { .. } | StunError::LengthMismatch { .. }
            ),
            "cut {cut}: {err:?}"
        );
    }
}

#[test]
fn corrupted_fields_are_typed_errors() {
    let raw = sample_request();
    // Flip one bit in the software value: fingerprint must catch it.
    let mut flipped = raw.clone();
    flipped[25] ^= 0x01;
    assert_eq!(
        StunMessage::parse(&flipped).unwrap_err(),
        StunError::FingerprintMismatch
    );
    // Wrong magic cookie.
    let mut cookie = raw.clone();
    cookie[4] = 0;
    assert_eq!(StunMessage::parse(&cookie).unwrap_err(), StunError::NotStun);
    // Attribute length pointing past the end, with a header length that agrees with the
    // datagram length.
    let mut overrun = raw.clone();
    overrun[22] = 0x01; // SOFTWARE length 0x0110
    assert_eq!(
        StunMessage::parse(&overrun).unwrap_err(),
        StunError::AttributeOverrun { attr_type: 0x8022 }
    );
    // PRIORITY with 3 bytes.
    let mut buf = [0u8; 64];
    let mut w = MessageWriter::new(
        &mut buf,
        Class::Request,
        METHOD_BINDING,
        TransactionId([2; 12]),
    )
    .unwrap();
    w.attribute(attr::PRIORITY, &[1, 2, 3]).unwrap();
    let len = w.finish();
    assert_eq!(
        StunMessage::parse(&buf[..len]).unwrap_err(),
        StunError::BadAttributeLength {
            attr_type: attr::PRIORITY,
            len: 3
        }
    );
    // Unknown address family 3.
    let mut w = MessageWriter::new(
        &mut buf,
        Class::SuccessResponse,
        METHOD_BINDING,
        TransactionId([2; 12]),
    )
    .unwrap();
    w.attribute(attr::XOR_MAPPED_ADDRESS, &[0, 3, 0, 0, 1, 2, 3, 4])
        .unwrap();
    let len = w.finish();
    assert_eq!(
        StunMessage::parse(&buf[..len]).unwrap_err(),
        StunError::BadAddressFamily { family: 3 }
    );
}

#[test]
fn attributes_after_integrity_are_ignored_but_fingerprint_is_checked() {
    let mut buf = [0u8; 128];
    let mut w = MessageWriter::new(
        &mut buf,
        Class::Request,
        METHOD_BINDING,
        TransactionId([3; 12]),
    )
    .unwrap();
    w.message_integrity(b"key").unwrap();
    w.priority(99).unwrap(); // after MI: must be ignored
    let len = w.fingerprint().unwrap();
    let msg = StunMessage::parse(&buf[..len]).unwrap();
    assert_eq!(msg.priority, None);
    assert!(msg.verify_integrity(b"key"));
}

#[test]
fn demux_test_separates_stun_from_dtls_and_rtp() {
    let raw = sample_request();
    assert!(looks_like_stun(&raw));
    let mut dtls = raw.clone();
    dtls[0] = 22; // DTLS handshake content type
    assert!(!looks_like_stun(&dtls));
    let mut rtp = raw;
    rtp[0] = 0x80;
    assert!(!looks_like_stun(&rtp));
}
