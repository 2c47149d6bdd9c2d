//! The two Chrome 156 fixtures import into typed objects and serialize back to
//! exactly the text Chrome wrote (`JSON.stringify(x, null, 1)`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rtcscope_stats::json::to_js_json_pretty;
use rtcscope_stats::*;
use serde_json::{Map, Value};
use std::path::PathBuf;

fn fixture(name: &str) -> (String, Value) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v = serde_json::from_str(&text).unwrap();
    (text, v)
}

const FIXTURES: [&str; 2] = [
    "chrome-156-loopback-getstats.json",
    "chrome-156-loopback-h264-getstats.json",
];

fn reimport(doc: &Value) -> Value {
    let mut out = Map::new();
    for (k, v) in doc.as_object().unwrap() {
        match v {
            Value::Array(_) => {
                let report = RTCStatsReport::from_json_value(v).unwrap();
                assert_eq!(report.len(), v.as_array().unwrap().len());
                out.insert(k.clone(), Value::Array(report.to_json_array()));
            }
            other => {
                out.insert(k.clone(), other.clone());
            }
        }
    }
    Value::Object(out)
}

#[test]
fn every_object_round_trips_to_the_same_json_value() {
    for name in FIXTURES {
        let (_, doc) = fixture(name);
        for side in ["offerer", "answerer"] {
            for obj in doc[side].as_array().unwrap() {
                let typed = RTCStats::from_json_map(obj.as_object().unwrap()).unwrap();
                // Same JSON value as JavaScript sees it: 1795469417078 and
                // 1795469417078.0 are one Number, so compare the JS text.
                assert_eq!(
                    json::to_js_json(&typed.to_json_map()),
                    json::to_js_json(obj),
                    "{name} {side} {}",
                    obj["id"]
                );
            }
        }
    }
}

#[test]
fn fixtures_round_trip_byte_for_byte() {
    for name in FIXTURES {
        let (text, doc) = fixture(name);
        let again = to_js_json_pretty(&reimport(&doc), 1);
        if again != text {
            let line = again.lines().zip(text.lines()).position(|(a, b)| a != b);
            panic!("{name}: first differing line {line:?}");
        }
    }
}

#[test]
fn fixtures_import_into_typed_objects() {
    let (_, doc) = fixture("chrome-156-loopback-getstats.json");
    let answerer = RTCStatsReport::from_json_value(&doc["answerer"]).unwrap();
    let video: Vec<&RTCInboundRtpStreamStats> = answerer
        .all::<RTCInboundRtpStreamStats>()
        .filter(|s| s.kind() == MediaKind::Video)
        .collect();
    assert_eq!(video.len(), 1);
    let v = video[0];
    assert_eq!(v.ssrc, 2079779723);
    let InboundRtpMedia::Video(vm) = &v.media else {
        panic!("video")
    };
    assert!(vm.frames_decoded.unwrap() > 0);
    assert_eq!(
        vm.decoder_implementation.as_deref(),
        Some(
            doc["answerer"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["id"] == v.id.as_str())
                .unwrap()["decoderImplementation"]
                .as_str()
                .unwrap()
        )
    );
    // Chrome's non-standard members are kept.
    assert!(v.other_members.get("googTimingFrameInfo").is_some());
    assert_eq!(
        v.other_members.get("mediaType"),
        Some(&Value::from("video"))
    );
    // References resolve through typed access.
    let transport = answerer
        .get_as::<RTCTransportStats>(v.transport_id.as_deref().unwrap())
        .unwrap();
    assert_eq!(transport.dtls_state, RTCDtlsTransportState::Connected);
    let codec = answerer
        .get_as::<RTCCodecStats>(v.codec_id.as_deref().unwrap())
        .unwrap();
    assert_eq!(codec.mime_type, "video/VP8");
    assert_eq!(codec.clock_rate, Some(90000));
    let pair = answerer
        .get_as::<RTCIceCandidatePairStats>(
            transport.selected_candidate_pair_id.as_deref().unwrap(),
        )
        .unwrap();
    assert_eq!(pair.state, RTCStatsIceCandidatePairState::Succeeded);
    let local = answerer
        .get_as::<RTCIceCandidateStats>(&pair.local_candidate_id)
        .unwrap();
    assert!(local.port.is_some());
    assert!(matches!(
        answerer.get(&pair.local_candidate_id),
        Some(RTCStats::LocalCandidate(_))
    ));

    let offerer = RTCStatsReport::from_json_value(&doc["offerer"]).unwrap();
    let out_video = offerer
        .all::<RTCOutboundRtpStreamStats>()
        .find(|o| o.kind() == MediaKind::Video)
        .unwrap();
    let OutboundRtpMedia::Video(ov) = &out_video.media else {
        panic!()
    };
    assert_eq!(
        ov.quality_limitation_reason,
        Some(RTCQualityLimitationReason::None)
    );
    assert_eq!(
        ov.quality_limitation_durations
            .as_ref()
            .unwrap()
            .get("none"),
        Some(&6.007)
    );
    let remote = offerer
        .get_as::<RTCRemoteInboundRtpStreamStats>(out_video.remote_id.as_deref().unwrap())
        .unwrap();
    assert_eq!(remote.local_id.as_deref(), Some(out_video.id.as_str()));
    assert!(remote.round_trip_time.unwrap() < 1.0);
}

#[test]
fn reports_serialize_keyed_and_as_arrays_and_read_back_from_both() {
    let (_, doc) = fixture("chrome-156-loopback-h264-getstats.json");
    let report = RTCStatsReport::from_json_value(&doc["offerer"]).unwrap();
    let keyed = serde_json::to_value(&report).unwrap();
    assert_eq!(keyed.as_object().unwrap().len(), report.len());
    assert_eq!(
        keyed.as_object().unwrap().keys().next().map(String::as_str),
        report.keys().next()
    );
    let from_keyed: RTCStatsReport = serde_json::from_value(keyed).unwrap();
    let from_array: RTCStatsReport =
        serde_json::from_value(Value::Array(report.to_json_array())).unwrap();
    assert_eq!(from_keyed, report);
    assert_eq!(from_array, report);
}
