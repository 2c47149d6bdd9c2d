#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Invalid and hostile descriptions: each gives its typed error, none panics.

use rtcscope_sdp::{
    Fingerprint, HashAlgorithm, IceCredentials, LocalCapabilities, MediaCapabilities, RemoteOffer,
    SdpError, SdpType, SessionDescription, create_answer, limits,
};

fn caps() -> LocalCapabilities {
    LocalCapabilities {
        session_id: 1,
        session_version: 1,
        ice: IceCredentials {
            ufrag: "abcd".to_string(),
            pwd: "0123456789abcdefghijklmn".to_string(),
        },
        fingerprint: Fingerprint {
            algorithm: HashAlgorithm::Sha256,
            bytes: vec![1; 32],
        },
        media: MediaCapabilities::default(),
        accept_audio: true,
        accept_video: true,
        accept_data_channel: true,
        audio_tracks: Vec::new(),
        video_tracks: Vec::new(),
    }
}

const CHROME_OFFER: &str = include_str!("data/chrome_offer.sdp");

fn parse(text: &str) -> Result<SessionDescription, SdpError> {
    SessionDescription::parse(SdpType::Offer, text)
}

/// The Chrome offer without the lines that start with any of `prefixes`.
fn without(prefixes: &[&str]) -> String {
    CHROME_OFFER
        .split_inclusive("\r\n")
        .filter(|l| !prefixes.iter().any(|p| l.starts_with(p)))
        .collect()
}

/// A minimal valid data-channel-only description with `extra` lines in its section.
fn data_only(extra: &str) -> String {
    format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
         m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n\
         a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijklmn\r\n\
         a=fingerprint:sha-256 {}\r\na=setup:actpass\r\na=mid:0\r\na=sctp-port:5000\r\n{extra}",
        ["AB"; 32].join(":")
    )
}

#[test]
fn the_baseline_is_valid() {
    assert!(parse(CHROME_OFFER).is_ok());
    assert!(parse(&data_only("")).is_ok());
}

#[test]
fn not_sdp() {
    for text in [
        "",
        "hello",
        "{\"type\":\"offer\"}",
        "\r\n\r\n",
        "o=- 1 1 IN IP4 127.0.0.1\r\n",
    ] {
        assert_eq!(parse(text), Err(SdpError::NotSdp), "{text:?}");
    }
}

#[test]
fn missing_ice_credentials() {
    assert_eq!(
        parse(&without(&["a=ice-ufrag", "a=ice-pwd"])),
        Err(SdpError::MissingIceCredentials {
            mid: "0".to_string()
        })
    );
    // A ufrag without its pwd.
    assert_eq!(
        parse(&without(&["a=ice-pwd"])),
        Err(SdpError::MissingIceCredentials {
            mid: "0".to_string()
        })
    );
}

#[test]
fn missing_fingerprint_or_setup() {
    assert_eq!(
        parse(&without(&["a=fingerprint"])),
        Err(SdpError::MissingFingerprint {
            mid: "0".to_string()
        })
    );
    assert_eq!(
        parse(&without(&["a=setup"])),
        Err(SdpError::MissingSetup {
            mid: "0".to_string()
        })
    );
}

#[test]
fn mids() {
    assert_eq!(
        parse(&without(&["a=mid", "a=group"])),
        Err(SdpError::MissingMid { section: 0 })
    );
    let duplicate = CHROME_OFFER.replace("a=mid:1\r\n", "a=mid:0\r\n");
    assert_eq!(
        parse(&duplicate.replace("BUNDLE 0 1 2", "BUNDLE 0 2")),
        Err(SdpError::DuplicateMid("0".to_string()))
    );
    assert_eq!(
        parse(&CHROME_OFFER.replace("BUNDLE 0 1 2", "BUNDLE 0 1 2 7")),
        Err(SdpError::BundleUnknownMid("7".to_string()))
    );
    let long_mid = "m".repeat(limits::MAX_IDENTIFIER_LEN + 1);
    assert!(matches!(
        parse(&data_only("").replace("a=mid:0", &format!("a=mid:{long_mid}"))),
        Err(SdpError::TooLong { what: "mid", .. })
    ));
}

#[test]
fn size_caps() {
    let huge = format!(
        "{}{}",
        data_only(""),
        "a=x:y\r\n".repeat(limits::MAX_SDP_BYTES / 7 + 1)
    );
    assert_eq!(
        parse(&huge),
        Err(SdpError::TooLong {
            what: "description",
            limit: limits::MAX_SDP_BYTES
        })
    );
    let many_lines = data_only(&"a=x\r\n".repeat(limits::MAX_LINES));
    assert_eq!(
        parse(&many_lines),
        Err(SdpError::TooMany {
            what: "lines",
            limit: limits::MAX_LINES
        })
    );
    let long_line = data_only(&format!(
        "a=x-long:{}\r\n",
        "z".repeat(limits::MAX_LINE_LEN)
    ));
    assert_eq!(
        parse(&long_line),
        Err(SdpError::TooLong {
            what: "line",
            limit: limits::MAX_LINE_LEN
        })
    );
}

#[test]
fn too_many_media_sections() {
    let section = "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n";
    let text = format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n{}",
        (0..=limits::MAX_MEDIA_SECTIONS)
            .map(|i| format!("{section}a=mid:{i}\r\n"))
            .collect::<String>()
    );
    assert_eq!(
        parse(&text),
        Err(SdpError::TooMany {
            what: "media sections",
            limit: limits::MAX_MEDIA_SECTIONS
        })
    );
}

#[test]
fn too_many_candidates_ssrcs_codecs() {
    let candidates: String = (0..=limits::MAX_CANDIDATES_PER_SECTION)
        .map(|i| format!("a=candidate:{i} 1 udp 1 10.0.0.1 {} typ host\r\n", 5000 + i))
        .collect();
    assert_eq!(
        parse(&data_only(&candidates)),
        Err(SdpError::TooMany {
            what: "candidates",
            limit: limits::MAX_CANDIDATES_PER_SECTION
        })
    );

    let ssrcs: String = (0..=limits::MAX_SSRCS_PER_SECTION)
        .map(|i| format!("a=ssrc:{} cname:c\r\n", 1000 + i))
        .collect();
    let text = CHROME_OFFER.replace("a=rtcp-mux\r\n", &format!("a=rtcp-mux\r\n{ssrcs}"));
    assert_eq!(
        parse(&text),
        Err(SdpError::TooMany {
            what: "ssrcs",
            limit: limits::MAX_SSRCS_PER_SECTION
        })
    );

    let formats: String = (0..=limits::MAX_CODECS_PER_SECTION)
        .map(|i| format!(" {}", i % 128))
        .collect();
    let text = CHROME_OFFER.replace(
        "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126",
        &format!("m=audio 9 UDP/TLS/RTP/SAVPF{formats}"),
    );
    assert_eq!(
        parse(&text),
        Err(SdpError::TooMany {
            what: "codecs",
            limit: limits::MAX_CODECS_PER_SECTION
        })
    );

    let feedback: String = (0..=limits::MAX_FEEDBACK_PER_CODEC)
        .map(|i| format!("a=rtcp-fb:111 x-fb{i}\r\n"))
        .collect();
    let text = CHROME_OFFER.replace(
        "a=rtcp-fb:111 transport-cc\r\n",
        &format!("a=rtcp-fb:111 transport-cc\r\n{feedback}"),
    );
    assert!(matches!(
        parse(&text),
        Err(SdpError::TooMany {
            what: "rtcp-fb per codec",
            ..
        })
    ));
}

#[test]
fn bad_values() {
    assert_eq!(
        parse(&data_only("").replace("a=ice-ufrag:abcd", "a=ice-ufrag:ab")),
        Err(SdpError::InvalidValue {
            what: "ice-ufrag",
            mid: "0".to_string()
        })
    );
    assert_eq!(
        parse(&data_only("").replace("a=ice-pwd:0123456789abcdefghijklmn", "a=ice-pwd:short")),
        Err(SdpError::InvalidValue {
            what: "ice-pwd",
            mid: "0".to_string()
        })
    );
    let text = CHROME_OFFER.replace(
        "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\na=sendrecv",
        "a=extmap:0 urn:ietf:params:rtp-hdrext:sdes:mid\r\na=sendrecv",
    );
    assert_eq!(
        parse(&text),
        Err(SdpError::InvalidValue {
            what: "extmap id",
            mid: "0".to_string()
        })
    );
    let text = CHROME_OFFER.replace("a=rtpmap:9 G722/8000", "a=rtpmap:0 G722/8000");
    assert_eq!(
        parse(&text),
        Err(SdpError::DuplicatePayloadType {
            mid: "0".to_string(),
            payload_type: 0
        })
    );
    let text = CHROME_OFFER.replace("a=fmtp:107 apt=106", "a=fmtp:107 foo=bar");
    assert_eq!(
        parse(&text),
        Err(SdpError::InvalidValue {
            what: "rtx apt",
            mid: "1".to_string()
        })
    );
    let text = CHROME_OFFER.replace(
        "a=ssrc-group:FID 2026574833 1483952001",
        "a=ssrc-group:FID 2026574833",
    );
    assert_eq!(
        parse(&text),
        Err(SdpError::InvalidValue {
            what: "ssrc-group FID (needs two ssrcs)",
            mid: "1".to_string()
        })
    );
}

#[test]
fn syntax_errors_name_the_line() {
    // Fingerprint with 31 bytes for sha-256, on 0-based line 13 (the first a=fingerprint).
    let short_fp = CHROME_OFFER.replacen(":2B:4B\r\n", ":2B\r\n", 1);
    assert!(
        matches!(parse(&short_fp), Err(SdpError::Syntax { line: 13, .. })),
        "{:?}",
        parse(&short_fp)
    );
    let bad_rtpmap = CHROME_OFFER.replace("a=rtpmap:111 opus/48000/2", "a=rtpmap:abc opus/48000/2");
    assert!(matches!(parse(&bad_rtpmap), Err(SdpError::Syntax { .. })));
    // An m= line webrtc-sdp cannot read (unknown protocol) is refused, not skipped.
    // (Without its c= line, webrtc-sdp alone would fold the rest into the video section.)
    let bad_proto = CHROME_OFFER.replace(
        "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n",
        "m=application 9 FOO/BAR webrtc-datachannel\r\n",
    );
    assert!(
        matches!(parse(&bad_proto), Err(SdpError::Syntax { line: 168, .. })),
        "{:?}",
        parse(&bad_proto)
    );
    let no_timing = without(&["t="]);
    assert!(matches!(parse(&no_timing), Err(SdpError::Syntax { .. })));
}

/// Deterministic mutations of the Chrome offer (truncations, byte flips,
/// duplicated and dropped lines): every one parses or fails with an error,
/// none panics.
#[test]
fn mutations_never_panic() {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let lines: Vec<&str> = CHROME_OFFER.split_inclusive("\r\n").collect();
    let alphabet = b" :=/;0123456789abcdefxyzAZ-\r\n*";
    let (mut ok, mut err) = (0, 0);
    for round in 0..600 {
        let mut text: String = match round % 3 {
            0 => {
                let cut = (next() as usize) % CHROME_OFFER.len();
                CHROME_OFFER[..cut].to_string()
            }
            1 => {
                let mut bytes = CHROME_OFFER.as_bytes().to_vec();
                for _ in 0..4 {
                    let at = (next() as usize) % bytes.len();
                    bytes[at] = alphabet[(next() as usize) % alphabet.len()];
                }
                String::from_utf8(bytes).unwrap()
            }
            _ => {
                let mut out = String::new();
                for line in &lines {
                    match next() % 20 {
                        0 => {}
                        1 => {
                            out.push_str(line);
                            out.push_str(line);
                        }
                        _ => out.push_str(line),
                    }
                }
                out
            }
        };
        if round % 50 == 0 {
            text.push_str("a=rtcp-fb:* nack\r\n");
        }
        match parse(&text) {
            Ok(d) => {
                ok += 1;
                // Whatever we accepted we can write and read back, and our
                // answer to it reads back into the same model.
                let again = parse(&d.to_sdp()).unwrap();
                assert_eq!(again.media.len(), d.media.len());
                if let Ok(answer) = create_answer(&RemoteOffer::try_from(d).unwrap(), &caps()) {
                    let text = answer.to_sdp();
                    assert_eq!(
                        SessionDescription::parse(SdpType::Answer, &text).unwrap(),
                        answer
                    );
                }
            }
            Err(_) => err += 1,
        }
    }
    // Both outcomes occur, so the mutations exercise accepting and rejecting paths.
    assert!(ok > 10 && err > 10, "ok {ok} err {err}");
}
