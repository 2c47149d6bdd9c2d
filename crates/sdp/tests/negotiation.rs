#![allow(clippy::unwrap_used, clippy::expect_used)]

//! JSEP answer rules case by case: codec choice, levels, rejection, direction
//! mirroring, DTLS setup, SCTP max-message-size, and the pair checks.

use rtcscope_sdp::{
    Codec, Direction, Fingerprint, HashAlgorithm, IceCredentials, LocalCapabilities, LocalConfig,
    LocalTrack, MediaCapabilities, MediaKind, MediaSection, NegotiationError, OfferedSection,
    Protocol, RemoteOffer, SctpParameters, SdpType, SessionDescription, Setup, create_answer,
    create_offer, negotiated_transport,
};

fn ice(ufrag: &str) -> IceCredentials {
    IceCredentials {
        ufrag: ufrag.to_string(),
        pwd: "0123456789abcdefghijklmn".to_string(),
    }
}

fn fingerprint() -> Fingerprint {
    Fingerprint {
        algorithm: HashAlgorithm::Sha256,
        bytes: vec![0x11; 32],
    }
}

fn track(ssrc: u32) -> LocalTrack {
    LocalTrack {
        stream_id: "s".to_string(),
        track_id: format!("t{ssrc}"),
        cname: "c".to_string(),
        ssrc,
        rtx_ssrc: Some(ssrc + 1),
    }
}

/// A remote offer with audio, video and data sections (built with our
/// offerer, then edited), always passed through text.
fn remote_offer(edit: impl FnOnce(&mut SessionDescription)) -> RemoteOffer {
    let kinds = [MediaKind::Audio, MediaKind::Video, MediaKind::Application];
    let config = LocalConfig {
        session_id: 9,
        session_version: 1,
        ice: ice("offr"),
        fingerprint: fingerprint(),
        sections: kinds
            .iter()
            .enumerate()
            .map(|(i, kind)| OfferedSection {
                kind: kind.clone(),
                mid: i.to_string(),
                direction: Direction::SendRecv,
                track: Some(track(100 * (i as u32 + 1))),
            })
            .collect(),
        media: MediaCapabilities::default(),
    };
    let mut offer = create_offer(&config);
    edit(&mut offer);
    RemoteOffer::parse(&offer.to_sdp()).unwrap()
}

fn caps() -> LocalCapabilities {
    LocalCapabilities {
        session_id: 5,
        session_version: 1,
        ice: ice("answ"),
        fingerprint: fingerprint(),
        media: MediaCapabilities::default(),
        accept_audio: true,
        accept_video: true,
        accept_data_channel: true,
        audio_tracks: Vec::new(),
        video_tracks: Vec::new(),
    }
}

fn h264(pt: u8, fmtp: &str) -> Codec {
    let mut codec = Codec::new(pt, "H264", 90_000, None);
    for pair in fmtp.split(';') {
        let (name, value) = pair.split_once('=').unwrap();
        codec.set_fmtp(name, value);
    }
    codec
}

fn rtx(pt: u8, apt: u8) -> Codec {
    let mut codec = Codec::new(pt, "rtx", 90_000, None);
    codec.set_fmtp("apt", &apt.to_string());
    codec
}

/// The answer's video section for an offer whose video codecs are `codecs`.
fn answer_video(codecs: Vec<Codec>) -> MediaSection {
    let offer = remote_offer(|o| o.media[1].codecs = codecs);
    create_answer(&offer, &caps()).unwrap().media[1].clone()
}

#[test]
fn video_without_h264_is_rejected_and_leaves_bundle() {
    let offer = remote_offer(|o| {
        o.media[1].codecs = vec![Codec::new(96, "VP8", 90_000, None), rtx(97, 96)]
    });
    let answer = create_answer(&offer, &caps()).unwrap();
    let video = &answer.media[1];
    assert!(video.is_rejected());
    assert_eq!(
        (video.mid.as_str(), video.direction),
        ("1", Direction::Inactive)
    );
    assert!(video.codecs.is_empty() && video.ice.is_none());
    assert_eq!(answer.bundle, ["0", "2"]);
    let text = answer.to_sdp();
    assert!(
        text.contains(
            "m=video 0 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=inactive\r\n"
        ),
        "{text}"
    );
    assert_eq!(
        SessionDescription::parse(SdpType::Answer, &text).unwrap(),
        answer
    );
    let t = negotiated_transport(&answer, offer.description()).unwrap();
    assert_eq!(
        t.media.iter().map(|m| m.mid.as_str()).collect::<Vec<_>>(),
        ["0"]
    );
}

#[test]
fn h264_choice_and_levels() {
    // Baseline is accepted when it is the only packetization-mode=1 H.264.
    let v = answer_video(vec![
        h264(
            102,
            "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
        ),
        rtx(103, 102),
        h264(
            104,
            "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f",
        ),
    ]);
    assert_eq!(
        v.codecs.iter().map(|c| c.payload_type).collect::<Vec<_>>(),
        [102, 103]
    );
    assert_eq!(v.codecs[0].fmtp_value("profile-level-id"), Some("42001f"));

    // Constrained baseline wins over baseline even when offered later; 42c01f counts.
    let v = answer_video(vec![
        h264(
            102,
            "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
        ),
        h264(
            110,
            "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42c01f",
        ),
    ]);
    assert_eq!(v.codecs.len(), 1, "no RTX offered for 110, none answered");
    assert_eq!(v.codecs[0].payload_type, 110);
    assert_eq!(v.codecs[0].fmtp_value("profile-level-id"), Some("42c01f"));

    // Without level asymmetry the answer takes the lower level (1.3 = 0x0d < 3.1).
    let v = answer_video(vec![h264(
        99,
        "packetization-mode=1;profile-level-id=42e00d",
    )]);
    assert_eq!(v.codecs[0].fmtp_value("profile-level-id"), Some("42e00d"));
    // With it, each side states what it receives: ours is 3.1 even if they offer 5.2.
    let v = answer_video(vec![h264(
        99,
        "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e034",
    )]);
    assert_eq!(v.codecs[0].fmtp_value("profile-level-id"), Some("42e01f"));

    // Only packetization-mode=0, or only main/high: rejected.
    for fmtp in [
        "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f",
        "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f",
        "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=64001f",
    ] {
        assert!(answer_video(vec![h264(100, fmtp)]).is_rejected(), "{fmtp}");
    }
}

#[test]
fn feedback_is_the_intersection_in_offer_order() {
    let mut offered = h264(
        100,
        "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
    );
    offered.feedback = vec![
        rtcscope_sdp::RtcpFeedback::new("nack", Some("pli")),
        rtcscope_sdp::RtcpFeedback::new("x-unknown", None),
        rtcscope_sdp::RtcpFeedback::new("transport-cc", None),
        rtcscope_sdp::RtcpFeedback::new("ccm", Some("tmmbr")),
    ];
    let v = answer_video(vec![offered]);
    let got: Vec<String> = v.codecs[0].feedback.iter().map(|f| f.to_string()).collect();
    assert_eq!(got, ["nack pli", "transport-cc"]);
}

#[test]
fn rtp_without_rtcp_mux_is_rejected() {
    let offer = remote_offer(|o| o.media[0].rtcp_mux = false);
    let answer = create_answer(&offer, &caps()).unwrap();
    assert!(answer.media[0].is_rejected());
    assert!(!answer.media[1].is_rejected());
}

#[test]
fn directions_are_mirrored() {
    // (offered, have a track, expected answer)
    let table = [
        (Direction::SendRecv, true, Direction::SendRecv),
        (Direction::SendRecv, false, Direction::RecvOnly),
        (Direction::SendOnly, true, Direction::RecvOnly),
        (Direction::SendOnly, false, Direction::RecvOnly),
        (Direction::RecvOnly, true, Direction::SendOnly),
        (Direction::RecvOnly, false, Direction::Inactive),
        (Direction::Inactive, true, Direction::Inactive),
        (Direction::Inactive, false, Direction::Inactive),
    ];
    for (offered, with_track, expected) in table {
        let offer = remote_offer(|o| o.media[0].direction = offered);
        let mut local = caps();
        if with_track {
            local.audio_tracks.push(track(7));
        }
        let answer = create_answer(&offer, &local).unwrap();
        let audio = &answer.media[0];
        assert_eq!(
            audio.direction, expected,
            "offered {offered:?} track {with_track}"
        );
        // SSRC lines exactly when we send; audio has no RTX so no FID group.
        assert_eq!(audio.ssrcs.len(), usize::from(expected.sends()));
        assert!(audio.fid_groups.is_empty());
    }
    // Video with a track sends with its RTX SSRC in a FID group.
    let offer = remote_offer(|_| {});
    let mut local = caps();
    local.video_tracks.push(track(50));
    let answer = create_answer(&offer, &local).unwrap();
    assert_eq!(answer.media[1].fid_groups, [(50, 51)]);
}

#[test]
fn dtls_setup_rules() {
    let answer = create_answer(&remote_offer(|_| {}), &caps()).unwrap();
    assert!(answer.media.iter().all(|m| m.setup == Some(Setup::Active)));

    let offer = remote_offer(|o| {
        o.media
            .iter_mut()
            .for_each(|m| m.setup = Some(Setup::Active))
    });
    let answer = create_answer(&offer, &caps()).unwrap();
    assert!(answer.media.iter().all(|m| m.setup == Some(Setup::Passive)));
    let t = negotiated_transport(&answer, offer.description()).unwrap();
    assert_eq!(t.dtls_role, rtcscope_sdp::DtlsRole::Server);

    let offer = remote_offer(|o| o.media[0].setup = Some(Setup::Holdconn));
    assert_eq!(
        create_answer(&offer, &caps()),
        Err(NegotiationError::IncompatibleSetup {
            mid: "0".to_string()
        })
    );
}

#[test]
fn sctp_max_message_size() {
    let answered = |size: Option<u64>| {
        let offer = remote_offer(|o| {
            o.media[2].sctp = Some(SctpParameters {
                port: 5000,
                max_message_size: size,
            })
        });
        create_answer(&offer, &caps()).unwrap().media[2]
            .sctp
            .unwrap()
            .max_message_size
    };
    // Ours is 262144. Absent means 64 KiB (RFC 8841); 0 means unlimited.
    assert_eq!(answered(Some(100_000)), Some(100_000));
    assert_eq!(answered(Some(1_000_000)), Some(262_144));
    assert_eq!(answered(None), Some(65_536));
    assert_eq!(answered(Some(0)), Some(262_144));
}

#[test]
fn unsupported_sections_are_rejected_by_mid() {
    let offer = remote_offer(|o| {
        let mut second_data = o.media[2].clone();
        second_data.mid = "3".to_string();
        let mut legacy = o.media[2].clone();
        legacy.mid = "4".to_string();
        legacy.protocol = Protocol::Other("DTLS/SCTP".to_string());
        let mut text = MediaSection::new(
            MediaKind::Other("text".to_string()),
            "5",
            Protocol::UdpTlsRtpSavpf,
        );
        text.port = 0;
        o.media.extend([second_data, legacy, text]);
    });
    let mut local = caps();
    local.accept_video = false;
    let answer = create_answer(&offer, &local).unwrap();
    let rejected: Vec<&str> = answer
        .media
        .iter()
        .filter(|m| m.is_rejected())
        .map(|m| m.mid.as_str())
        .collect();
    assert_eq!(rejected, ["1", "3", "4", "5"]);
    assert_eq!(answer.bundle, ["0", "2"]);
    let text = answer.to_sdp();
    assert!(text.contains("m=text 0 UDP/TLS/RTP/SAVPF 0\r\n"));
    assert!(text.contains("m=application 0 DTLS/SCTP webrtc-datachannel\r\n"));
    assert_eq!(
        SessionDescription::parse(SdpType::Answer, &text).unwrap(),
        answer
    );
}

#[test]
fn pair_checks() {
    let offer = remote_offer(|_| {});
    let answer = create_answer(&offer, &caps()).unwrap();
    assert_eq!(
        RemoteOffer::try_from(answer.clone()),
        Err(NegotiationError::NotAnOffer(SdpType::Answer))
    );
    assert_eq!(
        negotiated_transport(offer.description(), offer.description()),
        Err(NegotiationError::NotAnOfferAnswerPair)
    );
    let mut renamed = answer.clone();
    renamed.media[1].mid = "x".to_string();
    assert_eq!(
        negotiated_transport(&renamed, offer.description()),
        Err(NegotiationError::MidMismatch {
            mid: "x".to_string()
        })
    );
    let mut same_role = answer;
    same_role.media[0].setup = Some(Setup::Actpass);
    assert_eq!(
        negotiated_transport(&same_role, offer.description()),
        Err(NegotiationError::IncompatibleSetup {
            mid: "0".to_string()
        })
    );
}

#[test]
fn wildcard_feedback_applies_to_every_codec() {
    let text = include_str!("data/chrome_offer.sdp").replace(
        "a=rtcp-fb:111 transport-cc\r\n",
        "a=rtcp-fb:111 transport-cc\r\na=rtcp-fb:* rrtr\r\n",
    );
    let offer = RemoteOffer::parse(&text).unwrap();
    let audio = &offer.description().media[0];
    assert!(
        audio
            .codecs
            .iter()
            .all(|c| c.feedback.iter().any(|f| f.kind == "rrtr"))
    );
    let answer = create_answer(&offer, &caps()).unwrap();
    let kinds: Vec<&str> = answer.media[0].codecs[0]
        .feedback
        .iter()
        .map(|f| f.kind.as_str())
        .collect();
    assert_eq!(kinds, ["transport-cc", "rrtr"]);
}
