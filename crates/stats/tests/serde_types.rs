//! Serde of every stats type against hand-written JSON: built with the typed API,
//! serialized, compared with the JSON text a browser would produce (member order
//! included), and parsed back to the same value.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rtcscope_stats::json::to_js_json;
use rtcscope_stats::*;
use serde_json::Value;

const T: f64 = 1_795_469_422_892.5;

#[track_caller]
fn check(stats: impl Into<RTCStats>, expected: &str) {
    let stats = stats.into();
    let text = to_js_json(&stats);
    assert_eq!(text, expected);
    let back: RTCStats = serde_json::from_str(expected).unwrap();
    assert_eq!(back, stats);
}

#[test]
fn codec() {
    check(
        RTCCodecStats {
            id: "C1".into(),
            timestamp: T,
            payload_type: 111,
            transport_id: "T01".into(),
            mime_type: "audio/opus".into(),
            clock_rate: Some(48000),
            channels: Some(2),
            sdp_fmtp_line: Some("minptime=10;useinbandfec=1".into()),
            ..Default::default()
        },
        r#"{"id":"C1","timestamp":1795469422892.5,"type":"codec","channels":2,"clockRate":48000,"mimeType":"audio/opus","payloadType":111,"sdpFmtpLine":"minptime=10;useinbandfec=1","transportId":"T01"}"#,
    );
}

#[test]
fn inbound_rtp_video_and_audio() {
    check(
        RTCInboundRtpStreamStats {
            id: "IV".into(),
            timestamp: T,
            ssrc: 7,
            transport_id: Some("T01".into()),
            packets_received: Some(10),
            packets_lost: Some(-1),
            jitter: Some(0.0),
            track_identifier: "tr".into(),
            mid: Some("1".into()),
            media: InboundRtpMedia::Video(InboundRtpVideo {
                frames_decoded: Some(3),
                frame_width: Some(640),
                ..Default::default()
            }),
            ..Default::default()
        },
        r#"{"id":"IV","timestamp":1795469422892.5,"type":"inbound-rtp","kind":"video","ssrc":7,"transportId":"T01","jitter":0,"packetsLost":-1,"packetsReceived":10,"frameWidth":640,"framesDecoded":3,"mid":"1","trackIdentifier":"tr"}"#,
    );
    check(
        RTCInboundRtpStreamStats {
            id: "IA".into(),
            timestamp: T,
            ssrc: 8,
            track_identifier: "a".into(),
            media: InboundRtpMedia::Audio(InboundRtpAudio {
                total_audio_energy: Some(0.25),
                concealed_samples: Some(480),
                ..Default::default()
            }),
            ..Default::default()
        },
        r#"{"id":"IA","timestamp":1795469422892.5,"type":"inbound-rtp","kind":"audio","ssrc":8,"concealedSamples":480,"totalAudioEnergy":0.25,"trackIdentifier":"a"}"#,
    );
}

#[test]
fn outbound_rtp_with_record() {
    let mut durations = Record::new();
    durations.insert("bandwidth".into(), 1.5);
    durations.insert("cpu".into(), 0.0);
    durations.insert("none".into(), 4.0);
    durations.insert("other".into(), 0.0);
    check(
        RTCOutboundRtpStreamStats {
            id: "OV".into(),
            timestamp: T,
            ssrc: 9,
            packets_sent: Some(5),
            bytes_sent: Some(500),
            active: Some(true),
            target_bitrate: Some(300000.0),
            media: OutboundRtpMedia::Video(OutboundRtpVideo {
                quality_limitation_reason: Some(RTCQualityLimitationReason::Bandwidth),
                quality_limitation_durations: Some(durations),
                ..Default::default()
            }),
            ..Default::default()
        },
        r#"{"id":"OV","timestamp":1795469422892.5,"type":"outbound-rtp","kind":"video","ssrc":9,"bytesSent":500,"packetsSent":5,"active":true,"qualityLimitationDurations":{"bandwidth":1.5,"cpu":0,"none":4,"other":0},"qualityLimitationReason":"bandwidth","targetBitrate":300000}"#,
    );
}

#[test]
fn remote_rtp() {
    check(
        RTCRemoteInboundRtpStreamStats {
            id: "RI".into(),
            timestamp: T,
            ssrc: 9,
            kind: MediaKind::Video,
            local_id: Some("OV".into()),
            round_trip_time: Some(0.08),
            total_round_trip_time: Some(0.16),
            round_trip_time_measurements: Some(2),
            fraction_lost: Some(0.0390625),
            ..Default::default()
        },
        r#"{"id":"RI","timestamp":1795469422892.5,"type":"remote-inbound-rtp","kind":"video","ssrc":9,"fractionLost":0.0390625,"localId":"OV","roundTripTime":0.08,"roundTripTimeMeasurements":2,"totalRoundTripTime":0.16}"#,
    );
    check(
        RTCRemoteOutboundRtpStreamStats {
            id: "RO".into(),
            timestamp: T,
            ssrc: 8,
            kind: MediaKind::Audio,
            packets_sent: Some(100),
            bytes_sent: Some(16000),
            local_id: Some("IA".into()),
            remote_timestamp: Some(1795469422000.0),
            reports_sent: Some(3),
            ..Default::default()
        },
        r#"{"id":"RO","timestamp":1795469422892.5,"type":"remote-outbound-rtp","kind":"audio","ssrc":8,"bytesSent":16000,"packetsSent":100,"localId":"IA","remoteTimestamp":1795469422000,"reportsSent":3}"#,
    );
}

#[test]
fn media_source_playout_peer_connection_data_channel() {
    check(
        RTCMediaSourceStats {
            id: "SV".into(),
            timestamp: T,
            track_identifier: "v".into(),
            media: MediaSourceMedia::Video(MediaSourceVideo {
                width: Some(640),
                height: Some(480),
                frames: Some(30),
                frames_per_second: Some(30.0),
            }),
            ..Default::default()
        },
        r#"{"id":"SV","timestamp":1795469422892.5,"type":"media-source","kind":"video","trackIdentifier":"v","frames":30,"framesPerSecond":30,"height":480,"width":640}"#,
    );
    check(
        RTCAudioPlayoutStats {
            id: "AP".into(),
            timestamp: T,
            kind: MediaKind::Audio,
            synthesized_samples_duration: Some(0.01),
            synthesized_samples_events: Some(1),
            total_samples_duration: Some(6.0),
            total_playout_delay: Some(12.0),
            total_samples_count: Some(288000),
            ..Default::default()
        },
        r#"{"id":"AP","timestamp":1795469422892.5,"type":"media-playout","kind":"audio","synthesizedSamplesDuration":0.01,"synthesizedSamplesEvents":1,"totalPlayoutDelay":12,"totalSamplesCount":288000,"totalSamplesDuration":6}"#,
    );
    check(
        RTCPeerConnectionStats {
            id: "P".into(),
            timestamp: T,
            data_channels_opened: Some(1),
            data_channels_closed: Some(0),
            ..Default::default()
        },
        r#"{"id":"P","timestamp":1795469422892.5,"type":"peer-connection","dataChannelsClosed":0,"dataChannelsOpened":1}"#,
    );
    check(
        RTCDataChannelStats {
            id: "D1".into(),
            timestamp: T,
            label: Some("chat".into()),
            protocol: Some(String::new()),
            data_channel_identifier: Some(1),
            state: RTCDataChannelState::Open,
            messages_sent: Some(2),
            bytes_sent: Some(10),
            messages_received: Some(0),
            bytes_received: Some(0),
            ..Default::default()
        },
        r#"{"id":"D1","timestamp":1795469422892.5,"type":"data-channel","bytesReceived":0,"bytesSent":10,"dataChannelIdentifier":1,"label":"chat","messagesReceived":0,"messagesSent":2,"protocol":"","state":"open"}"#,
    );
}

#[test]
fn transport_pair_candidates_certificate() {
    check(
        RTCTransportStats {
            id: "T01".into(),
            timestamp: T,
            dtls_state: RTCDtlsTransportState::Connected,
            dtls_role: Some(RTCDtlsRole::Client),
            ice_role: Some(RTCIceRole::Controlling),
            ice_state: Some(RTCIceTransportState::Connected),
            tls_version: Some("FEFD".into()),
            selected_candidate_pair_changes: Some(1),
            ..Default::default()
        },
        r#"{"id":"T01","timestamp":1795469422892.5,"type":"transport","dtlsRole":"client","dtlsState":"connected","iceRole":"controlling","iceState":"connected","selectedCandidatePairChanges":1,"tlsVersion":"FEFD"}"#,
    );
    check(
        RTCIceCandidatePairStats {
            id: "CP".into(),
            timestamp: T,
            transport_id: "T01".into(),
            local_candidate_id: "Ia".into(),
            remote_candidate_id: "Ib".into(),
            state: RTCStatsIceCandidatePairState::InProgress,
            nominated: Some(false),
            requests_sent: Some(1),
            ..Default::default()
        },
        r#"{"id":"CP","timestamp":1795469422892.5,"type":"candidate-pair","localCandidateId":"Ia","nominated":false,"remoteCandidateId":"Ib","requestsSent":1,"state":"in-progress","transportId":"T01"}"#,
    );
    let cand = RTCIceCandidateStats {
        id: "Ia".into(),
        timestamp: T,
        transport_id: "T01".into(),
        address: Some("192.0.2.1".into()),
        port: Some(50000),
        protocol: Some("udp".into()),
        candidate_type: RTCIceCandidateType::Srflx,
        priority: Some(1686052607),
        url: Some("stun:stun.example.org:3478".into()),
        related_address: Some("10.0.0.1".into()),
        related_port: Some(50000),
        ..Default::default()
    };
    check(
        RTCStats::LocalCandidate(cand.clone()),
        r#"{"id":"Ia","timestamp":1795469422892.5,"type":"local-candidate","address":"192.0.2.1","candidateType":"srflx","port":50000,"priority":1686052607,"protocol":"udp","relatedAddress":"10.0.0.1","relatedPort":50000,"transportId":"T01","url":"stun:stun.example.org:3478"}"#,
    );
    check(
        RTCStats::RemoteCandidate(RTCIceCandidateStats { url: None, ..cand }),
        r#"{"id":"Ia","timestamp":1795469422892.5,"type":"remote-candidate","address":"192.0.2.1","candidateType":"srflx","port":50000,"priority":1686052607,"protocol":"udp","relatedAddress":"10.0.0.1","relatedPort":50000,"transportId":"T01"}"#,
    );
    check(
        RTCCertificateStats {
            id: "CF1".into(),
            timestamp: T,
            fingerprint: "AB".into(),
            fingerprint_algorithm: "sha-256".into(),
            base64_certificate: "MII=".into(),
            issuer_certificate_id: Some("CF2".into()),
            ..Default::default()
        },
        r#"{"id":"CF1","timestamp":1795469422892.5,"type":"certificate","base64Certificate":"MII=","fingerprint":"AB","fingerprintAlgorithm":"sha-256","issuerCertificateId":"CF2"}"#,
    );
}

#[test]
fn obsolete_types() {
    check(
        RTCRtpContributingSourceStats {
            id: "CS".into(),
            timestamp: T,
            contributor_ssrc: 5,
            inbound_rtp_stream_id: "IA".into(),
            packets_contributed_to: Some(3),
            audio_level: Some(0.5),
            ..Default::default()
        },
        r#"{"id":"CS","timestamp":1795469422892.5,"type":"csrc","audioLevel":0.5,"contributorSsrc":5,"inboundRtpStreamId":"IA","packetsContributedTo":3}"#,
    );
    check(
        RTCIceServerStats {
            id: "IS".into(),
            timestamp: T,
            url: "turn:127.0.0.1:3478".into(),
            port: Some(3478),
            relay_protocol: Some("udp".into()),
            total_requests_sent: Some(2),
            total_responses_received: Some(2),
            total_round_trip_time: Some(0.002),
            ..Default::default()
        },
        r#"{"id":"IS","timestamp":1795469422892.5,"type":"ice-server","port":3478,"relayProtocol":"udp","totalRequestsSent":2,"totalResponsesReceived":2,"totalRoundTripTime":0.002,"url":"turn:127.0.0.1:3478"}"#,
    );
    check(
        RTCRtpTransceiverStats {
            id: "TR".into(),
            timestamp: T,
            sender_id: "S".into(),
            receiver_id: "R".into(),
            mid: Some("0".into()),
            ..Default::default()
        },
        r#"{"id":"TR","timestamp":1795469422892.5,"type":"transceiver","mid":"0","receiverId":"R","senderId":"S"}"#,
    );
    check(
        RTCSctpTransportStats {
            id: "ST".into(),
            timestamp: T,
            transport_id: Some("T01".into()),
            smoothed_round_trip_time: Some(0.002),
            congestion_window: Some(4380),
            receiver_window: Some(131072),
            mtu: Some(1200),
            unack_data: Some(0),
            ..Default::default()
        },
        r#"{"id":"ST","timestamp":1795469422892.5,"type":"sctp-transport","congestionWindow":4380,"mtu":1200,"receiverWindow":131072,"smoothedRoundTripTime":0.002,"transportId":"T01","unackData":0}"#,
    );
    check(
        RTCMediaStreamStats {
            id: "MS".into(),
            timestamp: T,
            stream_identifier: Some("s".into()),
            track_ids: Some(vec!["TA".into(), "TV".into()]),
            ..Default::default()
        },
        r#"{"id":"MS","timestamp":1795469422892.5,"type":"stream","streamIdentifier":"s","trackIds":["TA","TV"]}"#,
    );
    check(
        RTCSenderStats {
            id: "S".into(),
            timestamp: T,
            track_identifier: Some("a".into()),
            media: SenderMedia::Audio(SenderAudio {
                total_samples_sent: Some(480),
                ..Default::default()
            }),
            ..Default::default()
        },
        r#"{"id":"S","timestamp":1795469422892.5,"type":"sender","kind":"audio","trackIdentifier":"a","totalSamplesSent":480}"#,
    );
    check(
        RTCReceiverStats {
            id: "R".into(),
            timestamp: T,
            media: ReceiverMedia::Video(ReceiverVideo {
                frames_decoded: Some(9),
                ..Default::default()
            }),
            ..Default::default()
        },
        r#"{"id":"R","timestamp":1795469422892.5,"type":"receiver","kind":"video","framesDecoded":9}"#,
    );
    check(
        RTCMediaStreamTrackStats {
            id: "TV".into(),
            timestamp: T,
            ended: Some(false),
            media: TrackMedia::Video(TrackVideo {
                frame_width: Some(640),
                ..Default::default()
            }),
            ..Default::default()
        },
        r#"{"id":"TV","timestamp":1795469422892.5,"type":"track","ended":false,"frameWidth":640,"kind":"video"}"#,
    );
}

#[test]
fn absent_is_omitted_and_nulls_and_other_kind_members_are_refused() {
    let text = to_js_json(&RTCStats::from(RTCPeerConnectionStats {
        id: "P".into(),
        timestamp: T,
        ..Default::default()
    }));
    assert_eq!(
        text,
        r#"{"id":"P","timestamp":1795469422892.5,"type":"peer-connection"}"#
    );
    let err = serde_json::from_str::<RTCStats>(
        r#"{"id":"P","timestamp":1,"type":"peer-connection","dataChannelsOpened":null}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("null"), "{err}");
    let err = RTCStats::from_json_map(
        serde_json::from_str::<Value>(r#"{"id":"I","timestamp":1,"type":"inbound-rtp","kind":"audio","ssrc":1,"trackIdentifier":"t","framesDecoded":3}"#).unwrap().as_object().unwrap(),
    )
    .unwrap_err();
    assert_eq!(err.member.as_deref(), Some("framesDecoded"));
    // Nor can a known member be smuggled in as an "other" member.
    let mut o = OtherMembers::default();
    assert!(
        o.insert(RTCStatsType::InboundRtp, "framesDecoded", Value::from(1))
            .is_err()
    );
    assert!(
        o.insert(
            RTCStatsType::InboundRtp,
            "googTimingFrameInfo",
            Value::from("x")
        )
        .is_ok()
    );
    // Non-finite doubles are omitted, never null.
    let s = RTCStats::from(RTCRemoteInboundRtpStreamStats {
        id: "R".into(),
        timestamp: T,
        ssrc: 1,
        jitter: Some(f64::NAN),
        ..Default::default()
    });
    assert!(!to_js_json(&s).contains("jitter"));
}

#[test]
fn report_selection_follows_references() {
    let mut r = RTCStatsReport::new();
    r.insert(RTCTransportStats {
        id: "T".into(),
        timestamp: T,
        ..Default::default()
    });
    r.insert(RTCCodecStats {
        id: "C".into(),
        timestamp: T,
        transport_id: "T".into(),
        mime_type: "audio/opus".into(),
        ..Default::default()
    });
    r.insert(RTCOutboundRtpStreamStats {
        id: "O".into(),
        timestamp: T,
        ssrc: 1,
        transport_id: Some("T".into()),
        codec_id: Some("C".into()),
        ..Default::default()
    });
    r.insert(RTCInboundRtpStreamStats {
        id: "I".into(),
        timestamp: T,
        ssrc: 2,
        track_identifier: "x".into(),
        ..Default::default()
    });
    let sel = r.reachable_from(["O"]);
    assert_eq!(sel.keys().collect::<Vec<_>>(), vec!["T", "C", "O"]);
    assert_eq!(r.of_type(RTCStatsType::InboundRtp).count(), 1);
    let o = r.get("O").unwrap();
    assert_eq!(r.follow(o, "codecId").map(RTCStats::id), Some("C"));
    assert!(r.has("I") && !r.has("X"));
    assert_eq!(r.len(), 4);
}
