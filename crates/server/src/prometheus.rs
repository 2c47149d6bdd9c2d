//! Prometheus text exposition (format 0.0.4) of the key stats of every
//! connection: a pure function of the reports, so it is tested on its own.

use rtcscope_stats::RTCStatsReport;
use serde_json::{Map, Value};
use std::fmt::Write as _;

/// The `Content-Type` of the exposition.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[derive(Clone, Copy)]
enum MetricType {
    Counter,
    Gauge,
}

impl MetricType {
    fn as_str(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
        }
    }
}

/// A per-stream family: one sample for every RTP stream object that carries `member`.
struct StreamFamily {
    name: &'static str,
    help: &'static str,
    metric_type: MetricType,
    member: &'static str,
}

/// The stats types that describe one RTP stream (they all have `ssrc` and `kind`).
const RTP_STREAM_TYPES: [&str; 4] = [
    "inbound-rtp",
    "outbound-rtp",
    "remote-inbound-rtp",
    "remote-outbound-rtp",
];

// `packetsLost` is a gauge, not a counter: it is signed and may go down
// (duplicates are subtracted, RFC 3550 §6.4.1). Jitter and round-trip time are
// already in seconds in the stats model.
const STREAM_FAMILIES: [StreamFamily; 9] = [
    StreamFamily {
        name: "rtcscope_packets_sent_total",
        help: "RTP packets sent (packetsSent).",
        metric_type: MetricType::Counter,
        member: "packetsSent",
    },
    StreamFamily {
        name: "rtcscope_packets_received_total",
        help: "RTP packets received (packetsReceived).",
        metric_type: MetricType::Counter,
        member: "packetsReceived",
    },
    StreamFamily {
        name: "rtcscope_bytes_sent_total",
        help: "RTP payload bytes sent (bytesSent).",
        metric_type: MetricType::Counter,
        member: "bytesSent",
    },
    StreamFamily {
        name: "rtcscope_bytes_received_total",
        help: "RTP payload bytes received (bytesReceived).",
        metric_type: MetricType::Counter,
        member: "bytesReceived",
    },
    StreamFamily {
        name: "rtcscope_packets_lost",
        help: "Cumulative RTP packets lost (packetsLost; signed, may decrease).",
        metric_type: MetricType::Gauge,
        member: "packetsLost",
    },
    StreamFamily {
        name: "rtcscope_jitter_seconds",
        help: "Interarrival jitter in seconds (jitter).",
        metric_type: MetricType::Gauge,
        member: "jitter",
    },
    StreamFamily {
        name: "rtcscope_round_trip_time_seconds",
        help: "Latest RTCP round-trip time in seconds (roundTripTime).",
        metric_type: MetricType::Gauge,
        member: "roundTripTime",
    },
    StreamFamily {
        name: "rtcscope_frames_encoded_total",
        help: "Video frames encoded (framesEncoded).",
        metric_type: MetricType::Counter,
        member: "framesEncoded",
    },
    StreamFamily {
        name: "rtcscope_frames_decoded_total",
        help: "Video frames decoded (framesDecoded).",
        metric_type: MetricType::Counter,
        member: "framesDecoded",
    },
];

const AVAILABLE_OUTGOING_BITRATE: &str = "rtcscope_available_outgoing_bitrate_bits_per_second";

/// Renders the exposition for `(connection id, report)` pairs. Families come in
/// a fixed order, samples in connection order then report order; a family with
/// no sample is left out.
pub fn render(connections: &[(&str, &RTCStatsReport)]) -> String {
    // The JSON view gives uniform access to members by their spec name.
    let maps: Vec<(&str, Vec<Map<String, Value>>)> = connections
        .iter()
        .map(|(id, report)| (*id, report.values().map(|s| s.to_json_map()).collect()))
        .collect();

    let mut out = String::new();
    for family in &STREAM_FAMILIES {
        let mut samples = String::new();
        for (connection, objects) in &maps {
            for object in objects.iter().filter(|o| is_rtp_stream(o)) {
                let Some(value) = object.get(family.member).and_then(number_text) else {
                    continue;
                };
                samples.push_str(family.name);
                write_stream_labels(&mut samples, connection, object);
                let _ = writeln!(samples, " {value}");
            }
        }
        write_family(
            &mut out,
            family.name,
            family.help,
            family.metric_type,
            &samples,
        );
    }

    let mut samples = String::new();
    for (connection, objects) in &maps {
        if let Some(value) = selected_pair(objects)
            .and_then(|pair| pair.get("availableOutgoingBitrate"))
            .and_then(number_text)
        {
            samples.push_str(AVAILABLE_OUTGOING_BITRATE);
            samples.push_str("{connection=\"");
            escape_label_value(&mut samples, connection);
            let _ = writeln!(samples, "\"}} {value}");
        }
    }
    write_family(
        &mut out,
        AVAILABLE_OUTGOING_BITRATE,
        "Estimated available outgoing bitrate of the selected candidate pair (availableOutgoingBitrate).",
        MetricType::Gauge,
        &samples,
    );
    out
}

fn write_family(out: &mut String, name: &str, help: &str, metric_type: MetricType, samples: &str) {
    if samples.is_empty() {
        return;
    }
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {}", metric_type.as_str());
    out.push_str(samples);
}

fn is_rtp_stream(object: &Map<String, Value>) -> bool {
    object
        .get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| RTP_STREAM_TYPES.contains(&t))
}

/// `{connection="…",ssrc="…",kind="…",type="…"}`
fn write_stream_labels(out: &mut String, connection: &str, object: &Map<String, Value>) {
    let text = |member: &str| match object.get(member) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    out.push_str("{connection=\"");
    escape_label_value(out, connection);
    out.push_str("\",ssrc=\"");
    escape_label_value(out, &text("ssrc"));
    out.push_str("\",kind=\"");
    escape_label_value(out, &text("kind"));
    out.push_str("\",type=\"");
    escape_label_value(out, &text("type"));
    out.push_str("\"}");
}

/// The candidate pair the transport selected; failing that (no transport
/// object), the nominated succeeded pair.
fn selected_pair(objects: &[Map<String, Value>]) -> Option<&Map<String, Value>> {
    let by_id = |id: &str| {
        objects
            .iter()
            .find(|o| o.get("id").and_then(Value::as_str) == Some(id))
    };
    let of_type = |t: &'static str| {
        objects
            .iter()
            .filter(move |o| o.get("type").and_then(Value::as_str) == Some(t))
    };
    if let Some(pair) = of_type("transport")
        .filter_map(|t| t.get("selectedCandidatePairId").and_then(Value::as_str))
        .find_map(by_id)
    {
        return Some(pair);
    }
    of_type("candidate-pair").find(|p| {
        p.get("nominated").and_then(Value::as_bool) == Some(true)
            && p.get("state").and_then(Value::as_str) == Some("succeeded")
    })
}

/// A sample value in the exposition's float syntax; integers stay exact.
fn number_text(value: &Value) -> Option<String> {
    let Value::Number(n) = value else {
        return None;
    };
    if let Some(u) = n.as_u64() {
        return Some(u.to_string());
    }
    if let Some(i) = n.as_i64() {
        return Some(i.to_string());
    }
    let f = n.as_f64()?;
    Some(if f.is_nan() {
        "NaN".to_string()
    } else if f.is_infinite() {
        if f > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else {
        // Rust's shortest round-trip form, never exponent notation.
        format!("{f}")
    })
}

/// Label values escape backslash, double quote and line feed (format 0.0.4).
pub fn escape_label_value(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report(objects: Value) -> RTCStatsReport {
        RTCStatsReport::from_json_value(&objects).expect("valid report")
    }

    /// One connection receiving video and sending audio, with two nominated
    /// pairs of which the transport selected the second.
    fn publisher_report() -> RTCStatsReport {
        report(json!([
            {"id": "T01", "timestamp": 1000.0, "type": "transport",
             "bytesReceived": 5, "bytesSent": 5, "dtlsState": "connected",
             "selectedCandidatePairId": "CP2"},
            {"id": "CP1", "timestamp": 1000.0, "type": "candidate-pair",
             "transportId": "T01", "localCandidateId": "L1", "remoteCandidateId": "R1",
             "state": "succeeded", "nominated": true, "availableOutgoingBitrate": 111},
            {"id": "CP2", "timestamp": 1000.0, "type": "candidate-pair",
             "transportId": "T01", "localCandidateId": "L2", "remoteCandidateId": "R2",
             "state": "succeeded", "nominated": true, "availableOutgoingBitrate": 1500000},
            {"id": "IT01V1111", "timestamp": 1000.0, "type": "inbound-rtp",
             "ssrc": 1111, "kind": "video", "transportId": "T01",
             "packetsReceived": 900, "bytesReceived": 1000000, "packetsLost": 12,
             "jitter": 0.0125, "framesDecoded": 270, "trackIdentifier": "t", "mid": "1"},
            {"id": "OT01A2222", "timestamp": 1000.0, "type": "outbound-rtp",
             "ssrc": 2222, "kind": "audio", "transportId": "T01",
             "packetsSent": 500, "bytesSent": 40000, "mid": "0"},
            {"id": "RIA2222", "timestamp": 1000.0, "type": "remote-inbound-rtp",
             "ssrc": 2222, "kind": "audio", "transportId": "T01", "localId": "OT01A2222",
             "packetsLost": -1, "jitter": 0.003, "roundTripTime": 0.042}
        ]))
    }

    #[test]
    fn renders_hand_computed_exposition() {
        let publisher = publisher_report();
        let text = render(&[("c1", &publisher)]);
        let expected = "\
# HELP rtcscope_packets_sent_total RTP packets sent (packetsSent).
# TYPE rtcscope_packets_sent_total counter
rtcscope_packets_sent_total{connection=\"c1\",ssrc=\"2222\",kind=\"audio\",type=\"outbound-rtp\"} 500
# HELP rtcscope_packets_received_total RTP packets received (packetsReceived).
# TYPE rtcscope_packets_received_total counter
rtcscope_packets_received_total{connection=\"c1\",ssrc=\"1111\",kind=\"video\",type=\"inbound-rtp\"} 900
# HELP rtcscope_bytes_sent_total RTP payload bytes sent (bytesSent).
# TYPE rtcscope_bytes_sent_total counter
rtcscope_bytes_sent_total{connection=\"c1\",ssrc=\"2222\",kind=\"audio\",type=\"outbound-rtp\"} 40000
# HELP rtcscope_bytes_received_total RTP payload bytes received (bytesReceived).
# TYPE rtcscope_bytes_received_total counter
rtcscope_bytes_received_total{connection=\"c1\",ssrc=\"1111\",kind=\"video\",type=\"inbound-rtp\"} 1000000
# HELP rtcscope_packets_lost Cumulative RTP packets lost (packetsLost; signed, may decrease).
# TYPE rtcscope_packets_lost gauge
rtcscope_packets_lost{connection=\"c1\",ssrc=\"1111\",kind=\"video\",type=\"inbound-rtp\"} 12
rtcscope_packets_lost{connection=\"c1\",ssrc=\"2222\",kind=\"audio\",type=\"remote-inbound-rtp\"} -1
# HELP rtcscope_jitter_seconds Interarrival jitter in seconds (jitter).
# TYPE rtcscope_jitter_seconds gauge
rtcscope_jitter_seconds{connection=\"c1\",ssrc=\"1111\",kind=\"video\",type=\"inbound-rtp\"} 0.0125
rtcscope_jitter_seconds{connection=\"c1\",ssrc=\"2222\",kind=\"audio\",type=\"remote-inbound-rtp\"} 0.003
# HELP rtcscope_round_trip_time_seconds Latest RTCP round-trip time in seconds (roundTripTime).
# TYPE rtcscope_round_trip_time_seconds gauge
rtcscope_round_trip_time_seconds{connection=\"c1\",ssrc=\"2222\",kind=\"audio\",type=\"remote-inbound-rtp\"} 0.042
# HELP rtcscope_frames_decoded_total Video frames decoded (framesDecoded).
# TYPE rtcscope_frames_decoded_total counter
rtcscope_frames_decoded_total{connection=\"c1\",ssrc=\"1111\",kind=\"video\",type=\"inbound-rtp\"} 270
# HELP rtcscope_available_outgoing_bitrate_bits_per_second Estimated available outgoing bitrate of the selected candidate pair (availableOutgoingBitrate).
# TYPE rtcscope_available_outgoing_bitrate_bits_per_second gauge
rtcscope_available_outgoing_bitrate_bits_per_second{connection=\"c1\"} 1500000
";
        assert_eq!(text, expected);
    }

    #[test]
    fn escapes_quotes_backslashes_and_newlines_in_label_values() {
        let player = report(json!([
            {"id": "OT01V7", "timestamp": 1.0, "type": "outbound-rtp",
             "ssrc": 7, "kind": "video", "transportId": "T01",
             "packetsSent": 3, "framesEncoded": 2, "mid": "0"}
        ]));
        let text = render(&[("a\"b\\c\nd", &player)]);
        let packets_line = text
            .lines()
            .find(|l| l.starts_with("rtcscope_packets_sent_total{"))
            .expect("packets sample");
        assert_eq!(
            packets_line,
            r#"rtcscope_packets_sent_total{connection="a\"b\\c\nd",ssrc="7",kind="video",type="outbound-rtp"} 3"#
        );
        assert!(text.contains(
            r#"rtcscope_frames_encoded_total{connection="a\"b\\c\nd",ssrc="7",kind="video",type="outbound-rtp"} 2"#
        ));
        // No raw newline leaked: every line is a comment or a whole sample.
        assert!(
            text.lines()
                .all(|l| l.starts_with('#') || l.ends_with(" 3") || l.ends_with(" 2"))
        );
    }

    #[test]
    fn chrome_fixture_values_come_through() {
        let fixture: Value = serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/fixtures/chrome-156-loopback-h264-getstats.json"
        )))
        .expect("fixture JSON");
        let answerer = report(fixture["answerer"].clone());
        let text = render(&[("x", &answerer)]);
        // Values read off the fixture's inbound-rtp video, remote-outbound-rtp
        // video and the transport's selected pair (not the other nominated one).
        for line in [
            r#"rtcscope_packets_received_total{connection="x",ssrc="2026574833",kind="video",type="inbound-rtp"} 310"#,
            r#"rtcscope_frames_decoded_total{connection="x",ssrc="2026574833",kind="video",type="inbound-rtp"} 117"#,
            r#"rtcscope_round_trip_time_seconds{connection="x",ssrc="2026574833",kind="video",type="remote-outbound-rtp"} 0.001114"#,
            r#"rtcscope_available_outgoing_bitrate_bits_per_second{connection="x"} 300000"#,
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
        }
    }

    #[test]
    fn empty_input_renders_nothing() {
        assert_eq!(render(&[]), "");
    }
}
