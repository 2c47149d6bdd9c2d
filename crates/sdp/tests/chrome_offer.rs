#![allow(clippy::unwrap_used, clippy::expect_used)]

//! A Chrome offer written by hand in Chrome's exact layout (audio with
//! opus/red/G722/PCMU/PCMA/CN/telephone-event, video with VP8/VP9/AV1/H.264 in
//! several profiles each with RTX plus red/ulpfec, a data channel) is parsed
//! field by field and answered.

use rtcscope_sdp::{
    Codec, Direction, DtlsRole, Extmap, Fingerprint, HashAlgorithm, IceCredentials,
    LocalCapabilities, LocalTrack, MediaCapabilities, MediaKind, Protocol, RemoteOffer,
    RtcpFeedback, SdpType, SessionDescription, Setup, create_answer, extensions,
    negotiated_transport,
};

const CHROME_OFFER: &str = include_str!("data/chrome_offer.sdp");

fn fb(kind: &str, param: Option<&str>) -> RtcpFeedback {
    RtcpFeedback::new(kind, param)
}

fn our_capabilities() -> LocalCapabilities {
    LocalCapabilities {
        session_id: 7_000_000_000_000_000_001,
        session_version: 2,
        ice: IceCredentials {
            ufrag: "Qm3k".to_string(),
            pwd: "x9ZlQ2vW8pR4tY6uI1oP3aS5".to_string(),
        },
        fingerprint: Fingerprint {
            algorithm: HashAlgorithm::Sha256,
            bytes: (0u8..32).collect(),
        },
        media: MediaCapabilities {
            max_message_size: 65_536,
            ..MediaCapabilities::default()
        },
        accept_audio: true,
        accept_video: true,
        accept_data_channel: true,
        audio_tracks: Vec::new(),
        video_tracks: Vec::new(),
    }
}

#[test]
fn session_level_fields() {
    let offer = SessionDescription::parse(SdpType::Offer, CHROME_OFFER).unwrap();
    assert_eq!(offer.sdp_type, SdpType::Offer);
    assert_eq!(offer.session_id, 2_284_436_548_120_436_517);
    assert_eq!(offer.session_version, 2);
    assert_eq!(offer.bundle, ["0", "1", "2"]);
    assert!(offer.extmap_allow_mixed);
    let ms = offer.msid_semantic.as_ref().unwrap();
    assert_eq!(ms.semantic, "WMS");
    assert_eq!(ms.stream_ids, ["5c8a1b2e-4d6f-4a1b-9c3e-7f2d1e0a9b8c"]);
    // Chrome writes ICE/DTLS attributes per section only.
    assert_eq!(offer.ice, None);
    assert_eq!(offer.fingerprint, None);
    assert_eq!(offer.media.len(), 3);
}

#[test]
fn audio_section_fields() {
    let offer = SessionDescription::parse(SdpType::Offer, CHROME_OFFER).unwrap();
    let audio = &offer.media[0];
    assert_eq!(audio.kind, MediaKind::Audio);
    assert_eq!(audio.mid, "0");
    assert_eq!(audio.port, 9);
    assert_eq!(audio.protocol, Protocol::UdpTlsRtpSavpf);
    assert_eq!(audio.direction, Direction::SendRecv);
    assert!(audio.rtcp_mux && audio.rtcp_rsize && audio.ice_trickle);
    assert_eq!(
        audio.ice,
        Some(IceCredentials {
            ufrag: "Ry7x".to_string(),
            pwd: "n4bSG9Fl4t4VxHmzBD2Ozk0J".to_string()
        })
    );
    let fp = audio.fingerprint.as_ref().unwrap();
    assert_eq!(fp.algorithm, HashAlgorithm::Sha256);
    assert_eq!(fp.bytes.len(), 32);
    assert_eq!((fp.bytes[0], fp.bytes[31]), (0x88, 0x4B));
    assert_eq!(
        fp.to_string(),
        "sha-256 88:F7:85:11:33:5A:A7:AE:E3:33:B6:3F:7B:C1:73:14:38:85:00:D3:8E:E5:1E:FB:5C:37:71:1D:AA:B1:2B:4B"
    );
    assert_eq!(audio.setup, Some(Setup::Actpass));
    let pts: Vec<u8> = audio.codecs.iter().map(|c| c.payload_type).collect();
    assert_eq!(pts, [111, 63, 9, 0, 8, 13, 110, 126]);
    let opus = audio.codec(111).unwrap();
    assert_eq!(
        (opus.name.as_str(), opus.clock_rate, opus.channels),
        ("opus", 48_000, Some(2))
    );
    assert_eq!(opus.fmtp_line(), "minptime=10;useinbandfec=1");
    assert_eq!(opus.fmtp_value("useinbandfec"), Some("1"));
    assert_eq!(opus.feedback, [fb("transport-cc", None)]);
    let red = audio.codec(63).unwrap();
    assert_eq!((red.name.as_str(), red.channels), ("red", Some(2)));
    assert_eq!(red.fmtp_line(), "111/111");
    let te = audio.codec(126).unwrap();
    assert_eq!((te.name.as_str(), te.clock_rate), ("telephone-event", 8000));
    assert_eq!(audio.codec(0).unwrap().name, "PCMU");
    assert_eq!(
        audio
            .extmaps
            .iter()
            .map(|e| (e.id, e.uri.as_str()))
            .collect::<Vec<_>>(),
        [
            (1, extensions::SSRC_AUDIO_LEVEL),
            (2, extensions::ABS_SEND_TIME),
            (3, extensions::TRANSPORT_WIDE_CC),
            (4, extensions::SDES_MID)
        ]
    );
    let msid = audio.msid.as_ref().unwrap();
    assert_eq!(msid.stream_id, "5c8a1b2e-4d6f-4a1b-9c3e-7f2d1e0a9b8c");
    assert_eq!(
        msid.track_id.as_deref(),
        Some("0b1e4f6a-2c3d-4e5f-8a9b-1c2d3e4f5a6b")
    );
    assert_eq!(audio.ssrcs.len(), 1);
    assert_eq!(audio.ssrcs[0].ssrc, 3_145_333_107);
    assert_eq!(audio.ssrcs[0].cname.as_deref(), Some("Yh1/a6rCq2XoXg8c"));
    assert_eq!(audio.ssrcs[0].msid.as_ref(), Some(msid));
    assert!(audio.fid_groups.is_empty());
}

#[test]
fn video_section_fields() {
    let offer = SessionDescription::parse(SdpType::Offer, CHROME_OFFER).unwrap();
    let video = &offer.media[1];
    assert_eq!(
        (video.kind.clone(), video.mid.as_str()),
        (MediaKind::Video, "1")
    );
    assert_eq!(video.direction, Direction::SendOnly);
    // 11 codecs each with RTX, plus red, its RTX and ulpfec.
    assert_eq!(video.codecs.len(), 25);
    let h264 = video.codec(108).unwrap();
    assert_eq!((h264.name.as_str(), h264.clock_rate), ("H264", 90_000));
    assert_eq!(
        h264.fmtp_line(),
        "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"
    );
    assert_eq!(
        h264.feedback,
        [
            fb("goog-remb", None),
            fb("transport-cc", None),
            fb("ccm", Some("fir")),
            fb("nack", None),
            fb("nack", Some("pli"))
        ]
    );
    // packetization-mode=0 is kept as written (webrtc-sdp's struct would drop it).
    assert_eq!(
        video.codec(104).unwrap().fmtp_line(),
        "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f"
    );
    assert_eq!(
        video.codec(45).unwrap().fmtp_line(),
        "level-idx=5;profile=0;tier=0"
    );
    assert_eq!(video.codec(98).unwrap().fmtp_line(), "profile-id=0");
    assert_eq!(video.codec(109).unwrap().rtx_apt(), Some(108));
    let rtx = video.rtx_map();
    assert_eq!(rtx.len(), 12);
    assert!(rtx.contains(&(109, 108)) && rtx.contains(&(117, 116)) && rtx.contains(&(46, 45)));
    assert!(video.codec(118).unwrap().feedback.is_empty());
    assert_eq!(video.extmaps.len(), 11);
    assert_eq!(
        video.extmaps[0],
        Extmap {
            id: 14,
            uri: "urn:ietf:params:rtp-hdrext:toffset".to_string(),
            direction: None
        }
    );
    assert_eq!(video.fid_groups, [(2_026_574_833, 1_483_952_001)]);
    assert_eq!(
        video.ssrcs.iter().map(|s| s.ssrc).collect::<Vec<_>>(),
        [2_026_574_833, 1_483_952_001]
    );
}

#[test]
fn data_section_fields() {
    let offer = SessionDescription::parse(SdpType::Offer, CHROME_OFFER).unwrap();
    let data = &offer.media[2];
    assert_eq!(data.kind, MediaKind::Application);
    assert_eq!(data.protocol, Protocol::UdpDtlsSctp);
    assert_eq!(data.mid, "2");
    let sctp = data.sctp.unwrap();
    assert_eq!((sctp.port, sctp.max_message_size), (5000, Some(262_144)));
    assert!(data.codecs.is_empty());
}

#[test]
fn chrome_offer_survives_our_writer() {
    let offer = SessionDescription::parse(SdpType::Offer, CHROME_OFFER).unwrap();
    let text = offer.to_sdp();
    let again = SessionDescription::parse(SdpType::Offer, &text).unwrap();
    assert_eq!(again, offer);
}

#[test]
fn answer_picks_h264_constrained_baseline_and_opus() {
    let offer = RemoteOffer::parse(CHROME_OFFER).unwrap();
    let answer = create_answer(&offer, &our_capabilities()).unwrap();
    assert_eq!(answer.sdp_type, SdpType::Answer);
    assert_eq!(answer.bundle, ["0", "1", "2"]);
    assert_eq!(answer.media.len(), 3);

    let audio = &answer.media[0];
    assert_eq!((audio.mid.as_str(), audio.port), ("0", 9));
    let mut opus = Codec::new(111, "opus", 48_000, Some(2));
    opus.set_fmtp("minptime", "10");
    opus.set_fmtp("useinbandfec", "1");
    // rrtr is ours but was not offered for opus.
    opus.feedback = vec![fb("transport-cc", None)];
    assert_eq!(audio.codecs, [opus]);
    // Offer sendrecv, we have no audio track: recvonly.
    assert_eq!(audio.direction, Direction::RecvOnly);
    assert!(audio.ssrcs.is_empty() && audio.msid.is_none());
    assert_eq!(
        audio.extmaps.iter().map(|e| e.id).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );

    let video = &answer.media[1];
    assert_eq!(video.direction, Direction::RecvOnly);
    assert_eq!(
        video
            .codecs
            .iter()
            .map(|c| c.payload_type)
            .collect::<Vec<_>>(),
        [108, 109]
    );
    assert_eq!(
        video.codecs[0].fmtp_line(),
        "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"
    );
    assert_eq!(video.codecs[1].fmtp_line(), "apt=108");
    assert_eq!(video.codecs[0].feedback.len(), 5);
    // Only the extensions we implement, under the offerer's ids.
    assert_eq!(
        video
            .extmaps
            .iter()
            .map(|e| (e.id, e.uri.as_str()))
            .collect::<Vec<_>>(),
        [
            (2, extensions::ABS_SEND_TIME),
            (3, extensions::TRANSPORT_WIDE_CC),
            (4, extensions::SDES_MID)
        ]
    );

    let data = &answer.media[2];
    let sctp = data.sctp.unwrap();
    // min(offered 262144, ours 65536)
    assert_eq!((sctp.port, sctp.max_message_size), (5000, Some(65_536)));

    for section in &answer.media {
        assert_eq!(section.setup, Some(Setup::Active));
        assert_eq!(section.ice.as_ref().unwrap().ufrag, "Qm3k");
        assert!(section.rtcp_mux || section.kind == MediaKind::Application);
    }

    let text = answer.to_sdp();
    for line in [
        "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n",
        "m=video 9 UDP/TLS/RTP/SAVPF 108 109\r\n",
        "a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n",
        "a=rtcp-fb:108 nack pli\r\n",
        "a=fmtp:109 apt=108\r\n",
        "a=setup:active\r\n",
        "a=recvonly\r\n",
        "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n",
        "a=max-message-size:65536\r\n",
        "a=msid-semantic: WMS\r\n",
        "a=group:BUNDLE 0 1 2\r\n",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    // Our written answer parses back (through webrtc-sdp) into the same model.
    assert_eq!(
        SessionDescription::parse(SdpType::Answer, &text).unwrap(),
        answer
    );
}

#[test]
fn answer_with_a_track_sends_on_sendrecv_offer() {
    let offer = RemoteOffer::parse(CHROME_OFFER).unwrap();
    let mut caps = our_capabilities();
    caps.audio_tracks.push(LocalTrack {
        stream_id: "s1".to_string(),
        track_id: "a1".to_string(),
        cname: "cname1".to_string(),
        ssrc: 11,
        rtx_ssrc: None,
    });
    // Offer video is sendonly: a video track cannot be sent there.
    caps.video_tracks.push(LocalTrack {
        stream_id: "s1".to_string(),
        track_id: "v1".to_string(),
        cname: "cname1".to_string(),
        ssrc: 21,
        rtx_ssrc: Some(22),
    });
    let answer = create_answer(&offer, &caps).unwrap();
    assert_eq!(answer.media[0].direction, Direction::SendRecv);
    assert_eq!(answer.media[0].ssrcs[0].ssrc, 11);
    assert_eq!(answer.media[1].direction, Direction::RecvOnly);
    assert!(answer.media[1].ssrcs.is_empty());
    assert_eq!(answer.msid_semantic.as_ref().unwrap().stream_ids, ["s1"]);
}

#[test]
fn transport_parameters_from_the_negotiated_pair() {
    let offer = RemoteOffer::parse(CHROME_OFFER).unwrap();
    let answer = create_answer(&offer, &our_capabilities()).unwrap();
    let t = negotiated_transport(&answer, offer.description()).unwrap();
    assert_eq!(t.dtls_role, DtlsRole::Client);
    assert_eq!(t.transport_mid, "0");
    assert_eq!(t.remote_ice.ufrag, "Ry7x");
    assert_eq!(t.remote_fingerprint.bytes[1], 0xF7);
    assert!(t.remote_candidates.is_empty());
    assert_eq!(t.media.len(), 2);
    let audio = &t.media[0];
    assert_eq!(audio.direction, Direction::RecvOnly);
    assert_eq!(audio.codec(111).unwrap().name, "opus");
    assert_eq!(audio.extension_id(extensions::SSRC_AUDIO_LEVEL), Some(1));
    assert_eq!(audio.remote_ssrcs.len(), 1);
    assert_eq!(
        (audio.remote_ssrcs[0].ssrc, audio.remote_ssrcs[0].rtx_ssrc),
        (3_145_333_107, None)
    );
    let video = &t.media[1];
    assert_eq!(video.rtx, [(109, 108)]);
    // What codec stats need, as the Chrome 156 H.264 fixture reports them.
    assert_eq!(video.mime_type(108).as_deref(), Some("video/H264"));
    assert_eq!(
        video.codec(108).unwrap().sdp_fmtp_line().as_deref(),
        Some("level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f")
    );
    assert_eq!(audio.mime_type(111).as_deref(), Some("audio/opus"));
    assert_eq!(
        audio.codec(111).unwrap().sdp_fmtp_line().as_deref(),
        Some("minptime=10;useinbandfec=1")
    );
    assert_eq!(video.mime_type(96), None);
    assert_eq!(video.extension_id(extensions::SDES_MID), Some(4));
    assert_eq!(video.extension_id("urn:3gpp:video-orientation"), None);
    assert_eq!(video.remote_ssrcs.len(), 1);
    assert_eq!(
        (video.remote_ssrcs[0].ssrc, video.remote_ssrcs[0].rtx_ssrc),
        (2_026_574_833, Some(1_483_952_001))
    );
    assert_eq!(
        video.remote_ssrcs[0].cname.as_deref(),
        Some("Yh1/a6rCq2XoXg8c")
    );
    let sctp = t.sctp.unwrap();
    assert_eq!((sctp.local_port, sctp.remote_port), (5000, 5000));
    assert_eq!(sctp.remote_max_message_size, 262_144);
}
