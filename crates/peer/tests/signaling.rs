//! The sans-IO core without a network: signalling states, hostile or
//! invalid SDP leaving the connection unchanged, trickle timing, and the
//! getStats cache (≤ 50 ms, invalidated by API calls).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use rtcscope_peer::{
    MediaStreamTrack, PeerConnectionError, PeerConnectionEvent, RTCConfiguration,
    RTCIceCandidateInit, RTCPeerConnection, RTCSessionDescription, RTCSignalingState,
};
use rtcscope_sdp::SdpType;
use rtcscope_stats::{EpochClock, MediaKind, RTCStatsReport};

fn pc(port: u16, seed: u64, clock: &EpochClock) -> RTCPeerConnection {
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    RTCPeerConnection::new(RTCConfiguration::new(vec![addr], seed), *clock).unwrap()
}

fn track(id: &str, kind: MediaKind) -> MediaStreamTrack {
    MediaStreamTrack {
        id: id.into(),
        kind,
    }
}

fn candidates(pc: &mut RTCPeerConnection) -> Vec<Option<RTCIceCandidateInit>> {
    let mut out = Vec::new();
    while let Some(e) = pc.poll_event() {
        if let PeerConnectionEvent::IceCandidate(c) = e {
            out.push(c);
        }
    }
    out
}

/// What must not change when a call is refused.
fn snapshot(
    pc: &mut RTCPeerConnection,
    now: Instant,
) -> (
    RTCSignalingState,
    Option<String>,
    Option<String>,
    Vec<String>,
) {
    let report: RTCStatsReport = pc.get_stats(now, None).unwrap();
    let mut ids: Vec<String> = report.keys().map(str::to_string).collect();
    ids.sort();
    (
        pc.signaling_state(),
        pc.local_description(),
        pc.remote_description(),
        ids,
    )
}

#[test]
fn offer_answer_states_and_trickle_after_set_local_description() {
    let clock = EpochClock::system();
    let now = clock.anchor();
    let mut a = pc(40_001, 1, &clock);
    let mut b = pc(40_002, 2, &clock);
    a.add_track(track("v", MediaKind::Video)).unwrap();
    let offer = a.create_offer(now).unwrap();
    assert!(offer.sdp.contains("a=group:BUNDLE 0"));
    assert!(offer.sdp.contains("a=ice-options:trickle"));
    // Gathered, but held until setLocalDescription (JSEP).
    assert!(candidates(&mut a).is_empty());
    a.set_local_description(now, &offer).unwrap();
    assert_eq!(a.signaling_state(), RTCSignalingState::HaveLocalOffer);
    let trickled = candidates(&mut a);
    let host = trickled[0].as_ref().unwrap();
    assert!(
        host.candidate.contains("127.0.0.1 40001 typ host"),
        "{host:?}"
    );
    assert_eq!(host.sdp_mid.as_deref(), Some("0"));

    // Our transport's credentials are what the offer carries.
    let (ufrag, _) = a.transport().unwrap().local_ice_credentials();
    assert!(offer.sdp.contains(&format!("a=ice-ufrag:{ufrag}")));

    b.set_remote_description(now, &offer).unwrap();
    assert_eq!(b.signaling_state(), RTCSignalingState::HaveRemoteOffer);
    let answer = b.create_answer(now).unwrap();
    assert!(answer.sdp.contains("a=setup:active") && answer.sdp.contains("a=recvonly"));
    b.set_local_description(now, &answer).unwrap();
    a.set_remote_description(now, &answer).unwrap();
    assert_eq!(a.signaling_state(), RTCSignalingState::Stable);
    assert_eq!(b.signaling_state(), RTCSignalingState::Stable);
    let track_events = std::iter::from_fn(|| b.poll_event())
        .filter(|e| matches!(e, PeerConnectionEvent::Track { .. }))
        .count();
    assert_eq!(track_events, 1);
    // The candidate goes in; an unknown mid or junk does not.
    b.add_ice_candidate(now, host).unwrap();
    let bad_mid = RTCIceCandidateInit {
        sdp_mid: Some("9".into()),
        ..host.clone()
    };
    assert!(matches!(
        b.add_ice_candidate(now, &bad_mid),
        Err(PeerConnectionError::InvalidCandidate(_))
    ));
    let junk = RTCIceCandidateInit {
        candidate: "candidate:x 1 udp notanumber 1.2.3.4 5 typ host".into(),
        ..host.clone()
    };
    assert!(b.add_ice_candidate(now, &junk).is_err());
    // Wrong-state calls.
    assert!(matches!(
        a.create_answer(now),
        Err(PeerConnectionError::InvalidState(_))
    ));
    assert!(matches!(
        a.set_remote_description(now, &answer),
        Err(PeerConnectionError::InvalidState(_))
    ));
    // Outbound-rtp exists once negotiated, before the first packet.
    let report = a.get_stats(now + Duration::from_millis(100), None).unwrap();
    assert_eq!(
        report
            .of_type(rtcscope_stats::RTCStatsType::OutboundRtp)
            .count(),
        1
    );
    // inbound-rtp only at the first packet.
    let report = b.get_stats(now + Duration::from_millis(100), None).unwrap();
    assert_eq!(
        report
            .of_type(rtcscope_stats::RTCStatsType::InboundRtp)
            .count(),
        0
    );
}

#[test]
fn hostile_or_invalid_sdp_leaves_the_connection_unchanged() {
    let clock = EpochClock::system();
    let now = clock.anchor();
    let mut a = pc(40_011, 1, &clock);
    let mut b = pc(40_012, 2, &clock);
    a.add_track(track("v", MediaKind::Video)).unwrap();
    a.add_track(track("m", MediaKind::Audio)).unwrap();
    let offer = a.create_offer(now).unwrap();
    a.set_local_description(now, &offer).unwrap();

    let hostile: Vec<(SdpType, String)> = vec![
        (SdpType::Offer, String::new()),
        (SdpType::Offer, "v=0\r\nthis is not sdp\r\n".into()),
        (SdpType::Offer, "\u{0}\u{1}\u{2}".repeat(1000)),
        // 200 k of attribute lines (over the size caps).
        (
            SdpType::Offer,
            format!("{}{}", offer.sdp, "a=x-junk:1\r\n".repeat(20_000)),
        ),
        // No ICE credentials.
        (
            SdpType::Offer,
            offer
                .sdp
                .lines()
                .filter(|l| !l.starts_with("a=ice-"))
                .collect::<Vec<_>>()
                .join("\r\n")
                + "\r\n",
        ),
        // No fingerprint.
        (
            SdpType::Offer,
            offer.sdp.replace("a=fingerprint:", "a=x-fingerprint:"),
        ),
        // Duplicate mids.
        (SdpType::Offer, offer.sdp.replace("a=mid:1", "a=mid:0")),
        // A payload type out of range.
        (
            SdpType::Offer,
            offer
                .sdp
                .replace("a=rtpmap:111 opus/48000/2", "a=rtpmap:999 opus/48000/2"),
        ),
        // Rollback / pranswer are not supported.
        (SdpType::Pranswer, offer.sdp.clone()),
    ];
    // b: stable, nothing yet.
    let before_b = snapshot(&mut b, now);
    for (i, (ty, sdp)) in hostile.iter().enumerate() {
        let r = b.set_remote_description(
            now,
            &RTCSessionDescription {
                sdp_type: *ty,
                sdp: sdp.clone(),
            },
        );
        assert!(r.is_err(), "case {i} accepted");
        assert_eq!(snapshot(&mut b, now), before_b, "case {i} changed b");
        assert!(b.transport().is_none(), "case {i} created a transport");
    }

    // a: in have-local-offer; hostile answers change nothing.
    b.set_remote_description(now, &offer).unwrap();
    let answer = b.create_answer(now).unwrap();
    let t = now + Duration::from_millis(1);
    let before_a = snapshot(&mut a, t);
    let bad_answers = [
        answer.sdp.replace("a=mid:1", "a=mid:7"),
        answer.sdp.replace("a=setup:active", "a=setup:actpass"),
        answer
            .sdp
            .lines()
            .filter(|l| !l.starts_with("a=fingerprint"))
            .collect::<Vec<_>>()
            .join("\r\n")
            + "\r\n",
        // An ICE password shorter than RFC 8839's 22 characters.
        answer
            .sdp
            .lines()
            .map(|l| {
                if l.starts_with("a=ice-pwd:") {
                    "a=ice-pwd:short"
                } else {
                    l
                }
            })
            .collect::<Vec<_>>()
            .join("\r\n")
            + "\r\n",
        "v=0\r\n".into(),
    ];
    for (i, sdp) in bad_answers.iter().enumerate() {
        let r = a.set_remote_description(
            t,
            &RTCSessionDescription {
                sdp_type: SdpType::Answer,
                sdp: sdp.clone(),
            },
        );
        assert!(r.is_err(), "answer case {i} accepted: {sdp}");
        assert_eq!(snapshot(&mut a, t), before_a, "answer case {i} changed a");
    }
    // A local description that is not what createOffer made is refused.
    let forged = RTCSessionDescription {
        sdp_type: SdpType::Offer,
        sdp: offer.sdp.replace("a=sendrecv", "a=recvonly"),
    };
    assert!(a.set_local_description(t, &forged).is_err());
    // The good answer still works afterwards.
    a.set_remote_description(t, &answer).unwrap();
    assert_eq!(a.signaling_state(), RTCSignalingState::Stable);
}

#[test]
fn stats_cache_lives_at_most_50ms_and_api_calls_invalidate_it() {
    let clock = EpochClock::system();
    let t0 = clock.anchor();
    let mut a = pc(40_021, 1, &clock);
    let mut b = pc(40_022, 2, &clock);
    a.add_track(track("m", MediaKind::Audio)).unwrap();
    let ts = |r: &RTCStatsReport| r.get("P").unwrap().timestamp();
    let r0 = a.get_stats(t0, None).unwrap();
    let r1 = a.get_stats(t0 + Duration::from_millis(30), None).unwrap();
    assert_eq!(ts(&r1), ts(&r0), "cached within 50 ms");
    let r2 = a.get_stats(t0 + Duration::from_millis(50), None).unwrap();
    assert_eq!(ts(&r2) - ts(&r0), 50.0, "fresh at 50 ms");
    let offer = a.create_offer(t0).unwrap();
    let t1 = t0 + Duration::from_millis(60);
    let r3 = a.get_stats(t1, None).unwrap();
    a.set_local_description(t1 + Duration::from_millis(1), &offer)
        .unwrap();
    let r4 = a.get_stats(t1 + Duration::from_millis(2), None).unwrap();
    assert_ne!(ts(&r4), ts(&r3), "setLocalDescription invalidates");
    b.set_remote_description(t1, &offer).unwrap();
    let answer = b.create_answer(t1).unwrap();
    b.set_local_description(t1, &answer).unwrap();
    let r5 = a.get_stats(t1 + Duration::from_millis(3), None).unwrap();
    assert_eq!(ts(&r5), ts(&r4));
    a.set_remote_description(t1 + Duration::from_millis(4), &answer)
        .unwrap();
    let r6 = a.get_stats(t1 + Duration::from_millis(5), None).unwrap();
    assert_ne!(ts(&r6), ts(&r5), "setRemoteDescription invalidates");
    assert_eq!(
        r5.of_type(rtcscope_stats::RTCStatsType::OutboundRtp)
            .count(),
        0
    );
    assert_eq!(
        r6.of_type(rtcscope_stats::RTCStatsType::OutboundRtp)
            .count(),
        1
    );
    let cand = candidates(&mut b).into_iter().flatten().next().unwrap();
    a.add_ice_candidate(t1 + Duration::from_millis(6), &cand)
        .unwrap();
    let r7 = a.get_stats(t1 + Duration::from_millis(7), None).unwrap();
    assert_ne!(ts(&r7), ts(&r6), "addIceCandidate invalidates");
    assert_eq!(
        r7.of_type(rtcscope_stats::RTCStatsType::RemoteCandidate)
            .count(),
        1
    );
}

#[test]
fn a_chrome_offer_is_answered_and_configures_the_transport() {
    let clock = EpochClock::system();
    let now = clock.anchor();
    let mut b = pc(40_031, 2, &clock);
    // A Chrome offer (audio, video, data) with its full codec lists.
    let offer = RTCSessionDescription {
        sdp_type: SdpType::Offer,
        sdp: include_str!("data/chrome_offer.sdp").to_string(),
    };
    b.set_remote_description(now, &offer).unwrap();
    let answer = b.create_answer(now).unwrap();
    b.set_local_description(now, &answer).unwrap();
    assert_eq!(b.signaling_state(), RTCSignalingState::Stable);
    assert!(answer.sdp.contains("a=setup:active"));
    assert!(answer.sdp.contains("a=sctp-port:5000"));
    // Chrome's payload types are kept: H.264 42e01f packetization-mode=1 and Opus.
    assert!(answer.sdp.contains("a=rtpmap:111 opus/48000/2"));
    assert!(answer.sdp.contains("profile-level-id=42e01f"));
    let tracks = std::iter::from_fn(|| b.poll_event())
        .filter(|e| matches!(e, PeerConnectionEvent::Track { .. }))
        .count();
    assert_eq!(tracks, 2, "audio and video receivers");
    let report = b.get_stats(now, None).unwrap();
    let v = rtcscope_stats::verify::verify_report(&report);
    assert_eq!(v.errors(), 0, "{v:#?}");
    // Our DTLS role follows the answer (client), shown before DTLS starts.
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["T01"]["dtlsRole"], serde_json::json!("client"));
}

#[test]
fn obsolete_transceiver_sender_receiver_objects_are_opt_in() {
    let clock = EpochClock::system();
    let now = clock.anchor();
    let addr = "127.0.0.1:40041".parse().unwrap();
    let mut config = RTCConfiguration::new(vec![addr], 5);
    config.obsolete_stats = true;
    let mut a = RTCPeerConnection::new(config, clock).unwrap();
    let mut plain = pc(40_042, 6, &clock);
    for p in [&mut a, &mut plain] {
        p.add_track(track("cam", MediaKind::Video)).unwrap();
        let offer = p.create_offer(now).unwrap();
        p.set_local_description(now, &offer).unwrap();
    }
    let report = a.get_stats(now, None).unwrap();
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["RTCRtpTransceiver_0"]["type"], "transceiver");
    assert_eq!(json["RTCRtpTransceiver_0"]["mid"], "0");
    assert_eq!(json["RTCRtpTransceiver_0"]["senderId"], "RTCRtpSender_0");
    assert_eq!(json["RTCRtpSender_0"]["trackIdentifier"], "cam");
    assert_eq!(json["RTCRtpSender_0"]["kind"], "video");
    assert_eq!(json["RTCRtpReceiver_0"]["type"], "receiver");
    let v = rtcscope_stats::verify::verify_report(&report);
    assert_eq!(v.errors(), 0, "{v:#?}");
    let plain_report = plain.get_stats(now, None).unwrap();
    assert!(!plain_report.keys().any(|id| id.starts_with("RTCRtp")));
}

#[test]
fn rollback_returns_to_stable_and_negotiation_still_works() {
    let clock = EpochClock::system();
    let now = clock.anchor();
    let mut a = pc(40_051, 1, &clock);
    let mut b = pc(40_052, 2, &clock);
    a.add_track(track("cam", MediaKind::Video)).unwrap();
    b.add_track(track("mic", MediaKind::Audio)).unwrap();
    let rollback = RTCSessionDescription {
        sdp_type: SdpType::Rollback,
        sdp: String::new(),
    };
    // Nothing to roll back while stable.
    assert!(a.set_local_description(now, &rollback).is_err());

    // Glare: both offer; A rolls back its own offer and answers B's.
    let offer_a = a.create_offer(now).unwrap();
    a.set_local_description(now, &offer_a).unwrap();
    let offer_b = b.create_offer(now).unwrap();
    b.set_local_description(now, &offer_b).unwrap();
    assert!(
        a.set_remote_description(now, &offer_b).is_err(),
        "glare is refused"
    );
    a.set_local_description(now, &rollback).unwrap();
    assert_eq!(a.signaling_state(), RTCSignalingState::Stable);
    assert_eq!(a.local_description(), None);
    a.set_remote_description(now, &offer_b).unwrap();
    let answer = a.create_answer(now).unwrap();
    a.set_local_description(now, &answer).unwrap();
    b.set_remote_description(now, &answer).unwrap();
    assert_eq!(a.signaling_state(), RTCSignalingState::Stable);
    // A's video transceiver, its mid released by the rollback, was not in
    // B's offer: it is offered next time, after B's audio section.
    let offer = a.create_offer(now).unwrap();
    let mids: Vec<&str> = offer
        .sdp
        .lines()
        .filter_map(|l| l.strip_prefix("a=mid:"))
        .collect();
    assert_eq!(mids, ["0", "1"], "{}", offer.sdp);
    assert!(offer.sdp.contains("m=audio") && offer.sdp.contains("m=video"));

    // A remote offer rolled back: the transceiver it created goes away.
    let mut c = pc(40_053, 3, &clock);
    let mut d = pc(40_054, 4, &clock);
    c.add_track(track("x", MediaKind::Video)).unwrap();
    let offer_c = c.create_offer(now).unwrap();
    d.set_remote_description(now, &offer_c).unwrap();
    assert_eq!(d.receivers().len(), 1);
    d.set_remote_description(now, &rollback).unwrap();
    assert_eq!(d.signaling_state(), RTCSignalingState::Stable);
    assert_eq!(d.remote_description(), None);
    assert_eq!(d.transceiver_mid(rtcscope_peer::TransceiverId(0)), None);
    // And the offer can be applied again.
    d.set_remote_description(now, &offer_c).unwrap();
    let answer = d.create_answer(now).unwrap();
    d.set_local_description(now, &answer).unwrap();
    assert_eq!(d.signaling_state(), RTCSignalingState::Stable);
}

#[test]
fn a_section_the_answer_rejects_stops_its_transceiver() {
    let clock = EpochClock::system();
    let now = clock.anchor();
    let mut a = pc(40_061, 1, &clock);
    let mut b = pc(40_062, 2, &clock);
    let video = a.add_track(track("cam", MediaKind::Video)).unwrap();
    let audio = a.add_track(track("mic", MediaKind::Audio)).unwrap();
    let offer = a.create_offer(now).unwrap();
    a.set_local_description(now, &offer).unwrap();
    b.set_remote_description(now, &offer).unwrap();
    let answer = b.create_answer(now).unwrap();
    // A remote endpoint that rejects video (port 0) but takes audio.
    let rejecting = RTCSessionDescription {
        sdp_type: SdpType::Answer,
        sdp: answer.sdp.replacen("m=video 9 ", "m=video 0 ", 1),
    };
    a.set_remote_description(now, &rejecting).unwrap();
    let report = a.get_stats(now, None).unwrap();
    let kinds: Vec<MediaKind> = report
        .all::<rtcscope_stats::RTCOutboundRtpStreamStats>()
        .map(|o| o.kind())
        .collect();
    assert_eq!(kinds, [MediaKind::Audio]);
    assert!(video.get_stats(&mut a, now).unwrap().is_empty());
    assert!(!audio.get_stats(&mut a, now).unwrap().is_empty());
    // The stopped transceiver's m-line stays, rejected, in the next offer.
    let next = a.create_offer(now).unwrap();
    assert!(next.sdp.contains("m=video 0 "), "{}", next.sdp);
    assert!(next.sdp.contains("a=group:BUNDLE 1\r\n"), "{}", next.sdp);
}
