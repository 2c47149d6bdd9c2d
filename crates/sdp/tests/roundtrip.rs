#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Our generated offer: Chrome's layout line by line, and a round trip through
//! webrtc-sdp back into the same model; then our own answerer against it.

use rtcscope_sdp::{
    Direction, DtlsRole, Fingerprint, HashAlgorithm, IceCredentials, LocalCapabilities,
    LocalConfig, LocalTrack, MediaCapabilities, MediaKind, OfferedSection, RemoteOffer, SdpType,
    SessionDescription, Setup, create_answer, create_offer, negotiated_transport,
};

fn track(id: &str, ssrc: u32, rtx_ssrc: Option<u32>) -> LocalTrack {
    LocalTrack {
        stream_id: "stream0".to_string(),
        track_id: id.to_string(),
        cname: "rtcscope0cname00".to_string(),
        ssrc,
        rtx_ssrc,
    }
}

fn config() -> LocalConfig {
    LocalConfig {
        session_id: 4_611_731_400_430_051_336,
        session_version: 2,
        ice: IceCredentials {
            ufrag: "abcd".to_string(),
            pwd: "0123456789abcdefghijklmn".to_string(),
        },
        fingerprint: Fingerprint {
            algorithm: HashAlgorithm::Sha256,
            bytes: vec![0xAB; 32],
        },
        sections: vec![
            OfferedSection {
                kind: MediaKind::Audio,
                mid: "0".to_string(),
                direction: Direction::SendRecv,
                track: Some(track("audio0", 1_001, None)),
            },
            OfferedSection {
                kind: MediaKind::Video,
                mid: "1".to_string(),
                direction: Direction::SendOnly,
                track: Some(track("video0", 2_001, Some(2_002))),
            },
            OfferedSection {
                kind: MediaKind::Application,
                mid: "2".to_string(),
                direction: Direction::SendRecv,
                track: None,
            },
        ],
        media: MediaCapabilities::default(),
    }
}

#[test]
fn offer_has_chromes_lines() {
    let text = create_offer(&config()).to_sdp();
    let fp = ["AB"; 32].join(":");
    let expected_video = format!(
        "m=video 9 UDP/TLS/RTP/SAVPF 108 109\r\n\
         c=IN IP4 0.0.0.0\r\n\
         a=rtcp:9 IN IP4 0.0.0.0\r\n\
         a=ice-ufrag:abcd\r\n\
         a=ice-pwd:0123456789abcdefghijklmn\r\n\
         a=ice-options:trickle\r\n\
         a=fingerprint:sha-256 {fp}\r\n\
         a=setup:actpass\r\n\
         a=mid:1\r\n\
         a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n\
         a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n\
         a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n\
         a=sendonly\r\n\
         a=msid:stream0 video0\r\n\
         a=rtcp-mux\r\n\
         a=rtcp-rsize\r\n\
         a=rtpmap:108 H264/90000\r\n\
         a=rtcp-fb:108 goog-remb\r\n\
         a=rtcp-fb:108 transport-cc\r\n\
         a=rtcp-fb:108 ccm fir\r\n\
         a=rtcp-fb:108 nack\r\n\
         a=rtcp-fb:108 nack pli\r\n\
         a=rtcp-fb:108 rrtr\r\n\
         a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n\
         a=rtpmap:109 rtx/90000\r\n\
         a=fmtp:109 apt=108\r\n\
         a=ssrc-group:FID 2001 2002\r\n\
         a=ssrc:2001 cname:rtcscope0cname00\r\n\
         a=ssrc:2001 msid:stream0 video0\r\n\
         a=ssrc:2002 cname:rtcscope0cname00\r\n\
         a=ssrc:2002 msid:stream0 video0\r\n\
         m=application"
    );
    assert!(text.contains(&expected_video), "{text}");
    for line in [
        "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1 2\r\na=msid-semantic: WMS stream0\r\n",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n",
        "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n",
        "a=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\na=rtcp-fb:111 rrtr\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n",
        "a=ssrc:1001 cname:rtcscope0cname00\r\na=ssrc:1001 msid:stream0 audio0\r\n",
        "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n",
        "a=mid:2\r\na=sctp-port:5000\r\na=max-message-size:262144\r\n",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    // No FID group for audio (no RTX), and the data section has no RTP attributes.
    assert_eq!(text.matches("a=ssrc-group:FID").count(), 1);
    assert_eq!(text.matches("a=rtcp-mux").count(), 2);
    assert!(text.ends_with("a=max-message-size:262144\r\n"));
}

#[test]
fn offer_round_trips_through_webrtc_sdp() {
    let offer = create_offer(&config());
    let parsed = SessionDescription::parse(SdpType::Offer, &offer.to_sdp()).unwrap();
    assert_eq!(parsed, offer);
    // The rrtr feedback survives although webrtc-sdp itself drops it.
    assert!(
        parsed.media[1].codecs[0]
            .feedback
            .iter()
            .any(|f| f.kind == "rrtr")
    );
}

#[test]
fn our_answerer_accepts_our_offer() {
    let offer_sdp = create_offer(&config()).to_sdp();
    let offer = RemoteOffer::parse(&offer_sdp).unwrap();
    let caps = LocalCapabilities {
        session_id: 1,
        session_version: 1,
        ice: IceCredentials {
            ufrag: "wxyz".to_string(),
            pwd: "zyxwvutsrqponmlkjihgfedc".to_string(),
        },
        fingerprint: Fingerprint {
            algorithm: HashAlgorithm::Sha256,
            bytes: vec![0xCD; 32],
        },
        media: MediaCapabilities::default(),
        accept_audio: true,
        accept_video: true,
        accept_data_channel: true,
        audio_tracks: Vec::new(),
        video_tracks: Vec::new(),
    };
    let answer = create_answer(&offer, &caps).unwrap();
    // Our own payload types come back unchanged, RTX and rrtr included.
    let video = &answer.media[1];
    assert_eq!(
        video
            .codecs
            .iter()
            .map(|c| c.payload_type)
            .collect::<Vec<_>>(),
        [108, 109]
    );
    assert_eq!(video.codecs[0].feedback.len(), 6);
    assert_eq!(video.direction, Direction::RecvOnly);
    assert_eq!(answer.media[0].direction, Direction::RecvOnly);
    assert_eq!(video.setup, Some(Setup::Active));

    let answer_text = answer.to_sdp();
    let answer_seen_by_offerer = SessionDescription::parse(SdpType::Answer, &answer_text).unwrap();
    let offer_model = create_offer(&config());
    let at_offerer = negotiated_transport(&offer_model, &answer_seen_by_offerer).unwrap();
    let at_answerer = negotiated_transport(&answer, offer.description()).unwrap();
    assert_eq!(at_offerer.dtls_role, DtlsRole::Server);
    assert_eq!(at_answerer.dtls_role, DtlsRole::Client);
    assert_eq!(at_offerer.remote_ice.ufrag, "wxyz");
    assert_eq!(at_answerer.remote_ice.ufrag, "abcd");
    assert_eq!(at_offerer.remote_fingerprint.bytes, vec![0xCD; 32]);
    // Directions from each side's point of view.
    assert_eq!(at_offerer.media[0].direction, Direction::SendOnly);
    assert_eq!(at_answerer.media[0].direction, Direction::RecvOnly);
    // The answerer learns the offerer's SSRCs with the RTX partner.
    let remote = &at_answerer.media[1].remote_ssrcs;
    assert_eq!(remote.len(), 1);
    assert_eq!((remote[0].ssrc, remote[0].rtx_ssrc), (2_001, Some(2_002)));
    assert_eq!(at_answerer.media[0].remote_ssrcs[0].ssrc, 1_001);
    assert!(at_offerer.media[0].remote_ssrcs.is_empty());
    assert_eq!(at_answerer.media[1].rtx, [(109, 108)]);
    assert_eq!(
        at_offerer.sctp.as_ref().unwrap().remote_max_message_size,
        262_144
    );
}

#[test]
fn rollback_and_pranswer() {
    for t in [
        SdpType::Offer,
        SdpType::Answer,
        SdpType::Pranswer,
        SdpType::Rollback,
    ] {
        assert_eq!(t.as_str().parse::<SdpType>(), Ok(t));
    }
    assert_eq!("Offer".parse::<SdpType>(), Err(()));
    let rollback = SessionDescription::parse(SdpType::Rollback, "").unwrap();
    assert_eq!(rollback.sdp_type, SdpType::Rollback);
    assert!(rollback.media.is_empty());
    assert_eq!(rollback.to_sdp(), "");

    let offer = create_offer(&config());
    let remote = RemoteOffer::parse(&offer.to_sdp()).unwrap();
    let mut caps_answer = create_answer(
        &remote,
        &LocalCapabilities {
            session_id: 3,
            session_version: 1,
            ice: IceCredentials {
                ufrag: "prov".to_string(),
                pwd: "zyxwvutsrqponmlkjihgfedc".to_string(),
            },
            fingerprint: Fingerprint {
                algorithm: HashAlgorithm::Sha256,
                bytes: vec![0xEE; 32],
            },
            media: MediaCapabilities::default(),
            accept_audio: true,
            accept_video: true,
            accept_data_channel: false,
            audio_tracks: Vec::new(),
            video_tracks: Vec::new(),
        },
    )
    .unwrap();
    caps_answer.sdp_type = SdpType::Pranswer;
    let pranswer = SessionDescription::parse(SdpType::Pranswer, &caps_answer.to_sdp()).unwrap();
    assert_eq!(pranswer, caps_answer);
    let t = negotiated_transport(&offer, &pranswer).unwrap();
    assert_eq!(t.dtls_role, DtlsRole::Server);
    assert!(t.sctp.is_none(), "data channel declined in the pranswer");
}

/// Firefox puts the fingerprint and ice-options at session level.
#[test]
fn session_level_transport_attributes() {
    let fp = ["5A"; 32].join(":");
    let sdp = format!(
        "v=0\r\no=mozilla...THIS_IS_SDPARTA-99.0 8 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n\
         a=fingerprint:sha-256 {fp}\r\na=group:BUNDLE 0\r\na=ice-options:trickle\r\n\
         a=msid-semantic:WMS *\r\n\
         m=audio 9 UDP/TLS/RTP/SAVPF 109\r\nc=IN IP4 0.0.0.0\r\n\
         a=sendrecv\r\na=ice-pwd:fedcba9876543210fedcba98\r\na=ice-ufrag:1a2b3c4d\r\n\
         a=mid:0\r\na=rtcp-mux\r\na=rtpmap:109 opus/48000/2\r\n\
         a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1\r\na=setup:actpass\r\n"
    );
    let offer = RemoteOffer::parse(&sdp).unwrap();
    let d = offer.description();
    assert_eq!(d.session_id, 8);
    assert!(d.ice_trickle && d.media[0].fingerprint.is_none());
    assert_eq!(
        d.fingerprint_for(&d.media[0]).unwrap().bytes,
        vec![0x5A; 32]
    );
    assert_eq!(
        d.msid_semantic.as_ref().map(|m| m.semantic.as_str()),
        Some("WMS")
    );
    // maxplaybackrate=48000 is a webrtc-sdp default; kept because it was written.
    assert_eq!(
        d.media[0].codecs[0].fmtp_line(),
        "maxplaybackrate=48000;stereo=1;useinbandfec=1"
    );
    assert_eq!(
        SessionDescription::parse(SdpType::Offer, &d.to_sdp()).unwrap(),
        *d
    );
    let answer = create_answer(
        &offer,
        &LocalCapabilities {
            session_id: 3,
            session_version: 1,
            ice: IceCredentials {
                ufrag: "answ".to_string(),
                pwd: "zyxwvutsrqponmlkjihgfedc".to_string(),
            },
            fingerprint: Fingerprint {
                algorithm: HashAlgorithm::Sha256,
                bytes: vec![0xEE; 32],
            },
            media: MediaCapabilities::default(),
            accept_audio: true,
            accept_video: true,
            accept_data_channel: true,
            audio_tracks: Vec::new(),
            video_tracks: Vec::new(),
        },
    )
    .unwrap();
    assert_eq!(answer.media[0].codecs[0].payload_type, 109);
    let t = negotiated_transport(&answer, d).unwrap();
    assert_eq!(t.remote_fingerprint.bytes, vec![0x5A; 32]);
    assert_eq!(t.remote_ice.ufrag, "1a2b3c4d");
}
