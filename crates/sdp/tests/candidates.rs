#![allow(clippy::unwrap_used, clippy::expect_used)]

//! RFC 8839 candidate lines in Chrome's format: parsed field by field and
//! written back byte for byte.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use rtcscope_sdp::{
    Candidate, CandidateAddress, CandidateTransport, CandidateType, SdpError, SdpType,
    SessionDescription, TcpType,
};

fn ip4(a: u8, b: u8, c: u8, d: u8) -> CandidateAddress {
    CandidateAddress::Ip(IpAddr::V4(Ipv4Addr::new(a, b, c, d)))
}

fn round_trip(line: &str) -> Candidate {
    let candidate = Candidate::parse(line).unwrap();
    assert_eq!(candidate.to_string(), line);
    candidate
}

#[test]
fn host_udp() {
    let c = round_trip(
        "candidate:1467250027 1 udp 2122260223 192.168.0.196 46243 typ host generation 0 ufrag Ry7x network-id 1",
    );
    assert_eq!(c.foundation, "1467250027");
    assert_eq!(c.component, 1);
    assert_eq!(c.transport, CandidateTransport::Udp);
    assert_eq!(c.priority, 2_122_260_223);
    assert_eq!(c.address, ip4(192, 168, 0, 196));
    assert_eq!(c.port, 46243);
    assert_eq!(c.typ, CandidateType::Host);
    assert_eq!((c.raddr.clone(), c.rport), (None, None));
    assert_eq!(c.generation, Some(0));
    assert_eq!(c.ufrag.as_deref(), Some("Ry7x"));
    assert_eq!(c.extensions, [("network-id".to_string(), "1".to_string())]);
    assert_eq!(c.network_cost, None);
}

#[test]
fn srflx_with_related_address() {
    let c = round_trip(
        "candidate:842163049 1 udp 1686052607 203.0.113.7 46243 typ srflx raddr 192.168.0.196 rport 46243 generation 0 ufrag Ry7x network-id 1 network-cost 10",
    );
    assert_eq!(c.typ, CandidateType::Srflx);
    assert_eq!(c.address, ip4(203, 0, 113, 7));
    assert_eq!(c.raddr, Some(ip4(192, 168, 0, 196)));
    assert_eq!(c.rport, Some(46243));
    assert_eq!(c.network_cost, Some(10));
}

#[test]
fn relay() {
    let c = round_trip(
        "candidate:3745412335 1 udp 41885439 198.51.100.20 61029 typ relay raddr 203.0.113.7 rport 46243 generation 0 ufrag Ry7x network-id 1",
    );
    assert_eq!(c.typ, CandidateType::Relay);
    assert_eq!(c.priority, 41_885_439);
    assert_eq!((c.raddr, c.rport), (Some(ip4(203, 0, 113, 7)), Some(46243)));
}

#[test]
fn tcp_with_tcptype() {
    let c = round_trip(
        "candidate:1606961068 1 tcp 1518280447 192.168.0.196 9 typ host tcptype active generation 0 ufrag Ry7x network-id 1",
    );
    assert_eq!(c.transport, CandidateTransport::Tcp);
    assert_eq!(c.tcptype, Some(TcpType::Active));
    assert_eq!(c.port, 9);
    let passive =
        round_trip("candidate:2 1 tcp 1518214911 10.0.0.2 50001 typ host tcptype passive");
    assert_eq!(passive.tcptype, Some(TcpType::Passive));
    let so = round_trip("candidate:3 1 tcp 1518149375 10.0.0.2 50002 typ host tcptype so");
    assert_eq!(so.tcptype, Some(TcpType::So));
}

#[test]
fn mdns_and_ipv6_hosts() {
    let c = round_trip(
        "candidate:2938439394 1 udp 2113937151 3c5e1a5d-1b2c-4d5e-8f90-123456789abc.local 54321 typ host generation 0 ufrag Ry7x network-cost 999",
    );
    assert_eq!(
        c.address,
        CandidateAddress::Hostname("3c5e1a5d-1b2c-4d5e-8f90-123456789abc.local".to_string())
    );
    let v6 = round_trip("candidate:4 1 udp 2122262783 2001:db8::1 50000 typ host generation 0");
    assert_eq!(
        v6.address,
        CandidateAddress::Ip(IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)))
    );
}

#[test]
fn accepted_prefixes() {
    let bare = "1 1 udp 2122260223 10.0.0.1 5000 typ host";
    let expected = Candidate::parse(bare).unwrap();
    assert_eq!(
        Candidate::parse(&format!("candidate:{bare}")).unwrap(),
        expected
    );
    assert_eq!(
        Candidate::parse(&format!("a=candidate:{bare}\r\n")).unwrap(),
        expected
    );
    assert_eq!(expected.to_string(), format!("candidate:{bare}"));
}

#[test]
fn candidates_inside_a_description() {
    let sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
        m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n\
        a=candidate:1 1 udp 2122260223 10.0.0.1 5000 typ host generation 0\r\n\
        a=candidate:2 1 udp 1686052607 203.0.113.7 6000 typ srflx raddr 10.0.0.1 rport 5000 generation 0\r\n\
        a=end-of-candidates\r\n\
        a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijklmn\r\n\
        a=fingerprint:sha-256 AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB\r\n\
        a=setup:actpass\r\na=mid:0\r\na=sctp-port:5000\r\n";
    let d = SessionDescription::parse(SdpType::Offer, sdp).unwrap();
    let section = &d.media[0];
    assert_eq!(section.candidates.len(), 2);
    assert_eq!(section.candidates[1].rport, Some(5000));
    assert!(section.end_of_candidates);
    // Our writer gives back the same text.
    assert_eq!(d.to_sdp(), sdp);
}

#[test]
fn malformed_candidates_are_typed_errors() {
    let bad = [
        // priority above 2^32 - 1
        "candidate:1 1 udp 4294967296 10.0.0.1 5000 typ host",
        // foundation longer than 32 ice-chars
        "candidate:123456789012345678901234567890123 1 udp 1 10.0.0.1 5000 typ host",
        // port out of range
        "candidate:1 1 udp 1 10.0.0.1 70000 typ host",
        // missing typ
        "candidate:1 1 udp 1 10.0.0.1 5000 host",
        // unknown type
        "candidate:1 1 udp 1 10.0.0.1 5000 typ bogus",
        // component 0
        "candidate:1 0 udp 1 10.0.0.1 5000 typ host",
        "candidate:",
        "",
    ];
    for line in bad {
        assert!(
            matches!(
                Candidate::parse(line),
                Err(SdpError::InvalidCandidate { .. })
            ),
            "{line:?} gave {:?}",
            Candidate::parse(line)
        );
    }
    let long = format!(
        "candidate:1 1 udp 1 10.0.0.1 5000 typ host{}",
        " x y".repeat(1000)
    );
    assert!(matches!(
        Candidate::parse(&long),
        Err(SdpError::TooLong { .. })
    ));
    let many_extensions = format!(
        "candidate:1 1 udp 1 10.0.0.1 5000 typ host{}",
        (0..9).map(|i| format!(" k{i} v")).collect::<String>()
    );
    assert!(matches!(
        Candidate::parse(&many_extensions),
        Err(SdpError::InvalidCandidate { .. })
    ));
}

#[test]
fn trickled_candidates_are_added_within_the_cap() {
    let sdp = include_str!("data/chrome_offer.sdp");
    let mut d = SessionDescription::parse(SdpType::Offer, sdp).unwrap();
    let first = Candidate::parse("candidate:1 1 udp 2122260223 10.0.0.1 5000 typ host").unwrap();
    assert_eq!(d.add_candidate("0", first.clone()), Ok(true));
    assert_eq!(d.add_candidate("0", first.clone()), Ok(false));
    assert_eq!(d.media[0].candidates, std::slice::from_ref(&first));
    assert!(matches!(
        d.add_candidate("9", first),
        Err(SdpError::InvalidValue { .. })
    ));
    for port in 1..rtcscope_sdp::limits::MAX_CANDIDATES_PER_SECTION {
        let c = Candidate::parse(&format!("candidate:1 1 udp 1 10.0.0.2 {port} typ host")).unwrap();
        assert_eq!(d.add_candidate("0", c), Ok(true));
    }
    let over = Candidate::parse("candidate:1 1 udp 1 10.0.0.3 1 typ host").unwrap();
    assert!(matches!(
        d.add_candidate("0", over),
        Err(SdpError::TooMany {
            what: "candidates",
            ..
        })
    ));
}
