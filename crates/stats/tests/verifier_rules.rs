//! Each verifier rule: a hand-made report that breaks exactly that rule, and the
//! valid base report that satisfies every rule (even with --strict).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rtcscope_stats::verify::{Rule, SequenceVerifier, Verdict, verify_value};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const T0: f64 = 1_795_469_422_892.43;

/// A small but complete audio send-side report: every mandatory member present.
fn base() -> Value {
    json!({
        "P": {"id": "P", "timestamp": T0, "type": "peer-connection", "dataChannelsOpened": 1, "dataChannelsClosed": 0},
        "T01": {"id": "T01", "timestamp": T0, "type": "transport", "bytesSent": 5000, "bytesReceived": 900,
                "dtlsState": "connected", "iceState": "connected", "selectedCandidatePairId": "CPa_b",
                "localCertificateId": "CFL", "remoteCertificateId": "CFR"},
        "CFL": {"id": "CFL", "timestamp": T0, "type": "certificate", "fingerprint": "AB:CD", "fingerprintAlgorithm": "sha-256", "base64Certificate": "MIIB"},
        "CFR": {"id": "CFR", "timestamp": T0, "type": "certificate", "fingerprint": "EF:01", "fingerprintAlgorithm": "sha-256", "base64Certificate": "MIIC"},
        "Ia": {"id": "Ia", "timestamp": T0, "type": "local-candidate", "transportId": "T01", "address": "127.0.0.1", "port": 5000, "protocol": "udp", "candidateType": "host", "priority": 2122260223},
        "Ib": {"id": "Ib", "timestamp": T0, "type": "remote-candidate", "transportId": "T01", "address": "127.0.0.1", "port": 5001, "protocol": "udp", "candidateType": "host", "priority": 2122260223},
        "CPa_b": {"id": "CPa_b", "timestamp": T0, "type": "candidate-pair", "transportId": "T01", "localCandidateId": "Ia", "remoteCandidateId": "Ib",
                  "state": "succeeded", "nominated": true, "bytesSent": 5000, "bytesReceived": 900, "totalRoundTripTime": 0.004,
                  "responsesReceived": 2, "currentRoundTripTime": 0.002},
        "COT01_111": {"id": "COT01_111", "timestamp": T0, "type": "codec", "transportId": "T01", "payloadType": 111, "mimeType": "audio/opus",
                      "clockRate": 48000, "channels": 2, "sdpFmtpLine": "minptime=10;useinbandfec=1"},
        "SA1": {"id": "SA1", "timestamp": T0, "type": "media-source", "kind": "audio", "trackIdentifier": "t1", "totalAudioEnergy": 0.5, "totalSamplesDuration": 6.0},
        "OT01A1": {"id": "OT01A1", "timestamp": T0, "type": "outbound-rtp", "kind": "audio", "ssrc": 1, "transportId": "T01", "codecId": "COT01_111",
                   "packetsSent": 300, "bytesSent": 30000, "nackCount": 0, "remoteId": "RIA1", "mediaSourceId": "SA1", "totalPacketSendDelay": 0.3},
        "RIA1": {"id": "RIA1", "timestamp": T0 - 200.0, "type": "remote-inbound-rtp", "kind": "audio", "ssrc": 1, "transportId": "T01", "codecId": "COT01_111",
                 "packetsReceived": 295, "packetsLost": 5, "jitter": 0.002, "localId": "OT01A1", "roundTripTime": 0.08,
                 "totalRoundTripTime": 0.4, "roundTripTimeMeasurements": 5, "fractionLost": 0.0}
    })
}

fn with(mut r: Value, id: &str, member: &str, v: Value) -> Value {
    r[id][member] = v;
    r
}

fn without(mut r: Value, id: &str, member: &str) -> Value {
    r[id].as_object_mut().unwrap().remove(member);
    r
}

fn rules(v: &Verdict) -> BTreeSet<Rule> {
    v.violations.iter().map(|v| v.rule).collect()
}

#[track_caller]
fn breaks_only(report: Value, rule: Rule) -> Verdict {
    let v = verify_value(&report);
    assert_eq!(rules(&v), BTreeSet::from([rule]), "{:#?}", v.violations);
    assert!(!v.passes(true));
    v
}

#[test]
fn the_base_report_passes_even_strict() {
    let v = verify_value(&base());
    assert!(v.violations.is_empty(), "{:#?}", v.violations);
    assert!(v.passes(true));
    assert_eq!(v.counts["outbound-rtp"], 1);
    assert_eq!(v.counts.values().sum::<usize>(), 11);
    // The array form is equivalent.
    let arr = Value::Array(base().as_object().unwrap().values().cloned().collect());
    assert!(verify_value(&arr).violations.is_empty());
}

#[test]
fn structure() {
    let mut r = base();
    let obj = r.as_object_mut().unwrap().remove("P").unwrap();
    r.as_object_mut().unwrap().insert("PC".into(), obj);
    let v = breaks_only(r, Rule::Structure);
    assert_eq!(v.violations[0].object_id.as_deref(), Some("P"));
    breaks_only(without(base(), "P", "timestamp"), Rule::Structure);
    breaks_only(json!(42), Rule::Structure);
}

#[test]
fn duplicate_id() {
    let mut arr: Vec<Value> = base().as_object().unwrap().values().cloned().collect();
    arr.push(base()["P"].clone());
    breaks_only(Value::Array(arr), Rule::DuplicateId);
}

#[test]
fn unknown_type() {
    breaks_only(with(base(), "P", "type", json!("peer")), Rule::UnknownType);
}

#[test]
fn null_value() {
    let v = breaks_only(
        with(base(), "OT01A1", "nackCount", Value::Null),
        Rule::NullValue,
    );
    assert_eq!(v.violations[0].member.as_deref(), Some("nackCount"));
}

#[test]
fn wrong_value_type() {
    breaks_only(
        with(base(), "COT01_111", "payloadType", json!("111")),
        Rule::WrongValueType,
    );
    breaks_only(
        with(base(), "OT01A1", "packetsSent", json!(1.5)),
        Rule::WrongValueType,
    );
    breaks_only(
        with(base(), "COT01_111", "clockRate", json!(4294967296u64)),
        Rule::WrongValueType,
    );
    breaks_only(
        with(base(), "CPa_b", "state", json!("done")),
        Rule::WrongValueType,
    );
    breaks_only(
        with(base(), "CPa_b", "nominated", json!(1)),
        Rule::WrongValueType,
    );
}

#[test]
fn negative_unsigned() {
    breaks_only(
        with(base(), "OT01A1", "bytesSent", json!(-1)),
        Rule::NegativeUnsigned,
    );
    // packetsLost is signed: negative is fine.
    assert!(
        verify_value(&with(base(), "RIA1", "packetsLost", json!(-2)))
            .violations
            .is_empty()
    );
}

#[test]
fn member_of_the_other_kind() {
    let v = breaks_only(
        with(base(), "OT01A1", "framesEncoded", json!(10)),
        Rule::OtherKindMember,
    );
    assert_eq!(v.violations[0].member.as_deref(), Some("framesEncoded"));
    breaks_only(
        with(base(), "SA1", "width", json!(640)),
        Rule::OtherKindMember,
    );
}

#[test]
fn missing_required() {
    breaks_only(
        without(base(), "SA1", "trackIdentifier"),
        Rule::MissingRequired,
    );
    breaks_only(
        without(base(), "CPa_b", "localCandidateId"),
        Rule::MissingRequired,
    );
}

#[test]
fn dangling_reference() {
    let v = breaks_only(
        with(base(), "OT01A1", "transportId", json!("T99")),
        Rule::DanglingReference,
    );
    assert_eq!(v.violations[0].object_id.as_deref(), Some("OT01A1"));
    assert_eq!(v.violations[0].member.as_deref(), Some("transportId"));
    // A *Id member the model does not know must resolve as well.
    breaks_only(
        with(base(), "OT01A1", "rtcpTransportStatsId", json!("T02")),
        Rule::DanglingReference,
    );
}

#[test]
fn wrong_reference_type() {
    breaks_only(
        with(base(), "OT01A1", "codecId", json!("T01")),
        Rule::WrongReferenceType,
    );
    breaks_only(
        with(base(), "T01", "selectedCandidatePairId", json!("Ia")),
        Rule::WrongReferenceType,
    );
}

#[test]
fn pair_mismatch() {
    // The local object does not point back.
    breaks_only(without(base(), "OT01A1", "remoteId"), Rule::PairMismatch);
    // A remote object must name its local object.
    let r = without(without(base(), "RIA1", "localId"), "OT01A1", "remoteId");
    breaks_only(r, Rule::PairMismatch);
    // Same SSRC on both sides.
    breaks_only(with(base(), "RIA1", "ssrc", json!(2)), Rule::PairMismatch);
    // A video codec on an audio stream.
    breaks_only(
        with(base(), "COT01_111", "mimeType", json!("video/opus")),
        Rule::PairMismatch,
    );
}

#[test]
fn implausible_seconds() {
    // 80 ms written as 80 "seconds".
    breaks_only(
        with(base(), "RIA1", "roundTripTime", json!(80)),
        Rule::ImplausibleSeconds,
    );
    breaks_only(
        with(base(), "RIA1", "totalRoundTripTime", json!(400)),
        Rule::ImplausibleSeconds,
    );
    breaks_only(
        with(base(), "RIA1", "jitter", json!(-0.1)),
        Rule::ImplausibleSeconds,
    );
}

#[test]
fn implausible_timestamp() {
    let v = breaks_only(
        with(base(), "P", "timestamp", json!(T0 / 1000.0)),
        Rule::ImplausibleTimestamp,
    );
    assert!(v.violations[0].message.contains("seconds"));
    let v = breaks_only(
        with(base(), "P", "timestamp", json!(T0 * 1000.0)),
        Rule::ImplausibleTimestamp,
    );
    assert!(v.violations[0].message.contains("microseconds"));
}

#[test]
fn missing_mandatory_is_a_warning_unless_strict() {
    let v = verify_value(&without(base(), "OT01A1", "nackCount"));
    assert_eq!(rules(&v), BTreeSet::from([Rule::MissingMandatory]));
    assert!(v.passes(false));
    assert!(!v.passes(true));
    // Not applicable is not missing: url on a host candidate, channels on video codecs,
    // a video source's framesPerSecond during its first second (absent by definition).
    assert!(verify_value(&base()).violations.is_empty());
    let mut r = base();
    r["SV2"] = json!({"id": "SV2", "timestamp": T0, "type": "media-source", "kind": "video", "trackIdentifier": "t2",
                      "width": 640, "height": 480, "frames": 12});
    assert!(
        verify_value(&r).violations.is_empty(),
        "{:#?}",
        verify_value(&r).violations
    );
    // ...but a missing width is reported.
    let v = verify_value(&without(r, "SV2", "width"));
    assert_eq!(rules(&v), BTreeSet::from([Rule::MissingMandatory]));
}

fn later(mut r: Value, ms: f64) -> Value {
    for (_, o) in r.as_object_mut().unwrap() {
        let t = o["timestamp"].as_f64().unwrap();
        o["timestamp"] = json!(t + ms);
    }
    r
}

#[track_caller]
fn sequence_breaks_only(first: Value, second: Value, rule: Rule) {
    let mut s = SequenceVerifier::new();
    assert!(s.push(&first).violations.is_empty());
    let v = s.push(&second);
    assert_eq!(rules(&v), BTreeSet::from([rule]), "{:#?}", v.violations);
}

#[test]
fn successive_reports_that_are_fine() {
    let mut s = SequenceVerifier::new();
    assert!(s.push(&base()).violations.is_empty());
    let mut next = later(base(), 1000.0);
    next["OT01A1"]["packetsSent"] = json!(400);
    next["RIA1"]["packetsLost"] = json!(3); // signed counter: may decrease
    assert!(s.push(&next).violations.is_empty());
    assert_eq!(s.reports(), 2);
}

#[test]
fn counter_decreased() {
    sequence_breaks_only(
        base(),
        with(later(base(), 1000.0), "OT01A1", "packetsSent", json!(299)),
        Rule::CounterDecreased,
    );
}

#[test]
fn timestamp_went_back() {
    sequence_breaks_only(
        base(),
        with(base(), "P", "timestamp", json!(T0 - 1.0)),
        Rule::TimestampWentBack,
    );
}

#[test]
fn id_reused_for_another_object() {
    let mut second = later(base(), 1000.0);
    second["OT01A1"]["ssrc"] = json!(7);
    second["RIA1"]["ssrc"] = json!(7);
    sequence_breaks_only(base(), second, Rule::IdReused);
}

#[test]
fn deleted_id_returned() {
    let mut s = SequenceVerifier::new();
    let mut r2 = later(base(), 1000.0);
    let r2m = r2.as_object_mut().unwrap();
    r2m.remove("OT01A1");
    r2m.remove("RIA1");
    r2m.remove("SA1");
    assert!(s.push(&base()).violations.is_empty());
    assert!(s.push(&r2).violations.is_empty(), "deletion itself is fine");
    let v = s.push(&later(base(), 2000.0));
    assert!(rules(&v).contains(&Rule::DeletedIdReturned));
    assert!(
        v.violations
            .iter()
            .all(|x| x.rule == Rule::DeletedIdReturned)
    );
    // Codecs are the exception: one used again comes back with the same id.
    let mut s = SequenceVerifier::new();
    let mut no_codec = later(base(), 1000.0);
    let m = no_codec.as_object_mut().unwrap();
    for id in ["COT01_111", "OT01A1", "RIA1", "SA1"] {
        m.remove(id);
    }
    s.push(&base());
    s.push(&no_codec);
    let mut back = later(base(), 2000.0);
    for id in ["OT01A1", "RIA1", "SA1"] {
        back.as_object_mut().unwrap().remove(id);
    }
    assert!(s.push(&back).violations.is_empty());
}
