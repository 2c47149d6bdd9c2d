//! Rules on single objects and on references between objects of one report.

use super::{ReportObjects, Rule, Severity, Violation, violation};
use crate::RTCStatsType;
use crate::meta::{IdlKind, MemberInfo};
use serde_json::{Map, Value};

/// 2000-01-01 and 2100-01-01 in milliseconds since the epoch: a timestamp outside
/// is in the wrong unit (seconds, microseconds) or on the wrong clock.
const EPOCH_MS_MIN: f64 = 946_684_800_000.0;
const EPOCH_MS_MAX: f64 = 4_102_444_800_000.0;
/// An instantaneous time (RTT, jitter) above a minute is a unit error
/// (milliseconds or RTP units reported as seconds).
const MAX_GAUGE_SECONDS: f64 = 60.0;

/// `(type, sum in seconds, count)`: the average sum/count is a time per event, so it
/// must be plausible, and a sum with a zero count must be zero.
const SUM_COUNT_PAIRS: &[(&str, &str, &str)] = &[
    (
        "remote-inbound-rtp",
        "totalRoundTripTime",
        "roundTripTimeMeasurements",
    ),
    (
        "remote-outbound-rtp",
        "totalRoundTripTime",
        "roundTripTimeMeasurements",
    ),
    ("candidate-pair", "totalRoundTripTime", "responsesReceived"),
    (
        "inbound-rtp",
        "jitterBufferDelay",
        "jitterBufferEmittedCount",
    ),
    (
        "inbound-rtp",
        "jitterBufferTargetDelay",
        "jitterBufferEmittedCount",
    ),
    (
        "inbound-rtp",
        "jitterBufferMinimumDelay",
        "jitterBufferEmittedCount",
    ),
    ("inbound-rtp", "totalDecodeTime", "framesDecoded"),
    (
        "inbound-rtp",
        "totalAssemblyTime",
        "framesAssembledFromMultiplePackets",
    ),
    ("outbound-rtp", "totalEncodeTime", "framesEncoded"),
    ("outbound-rtp", "totalPacketSendDelay", "packetsSent"),
];

pub(super) fn check_objects(objs: &ReportObjects<'_>, out: &mut Vec<Violation>) {
    for (id, obj) in objs.iter() {
        check_object(objs, id, obj, out);
    }
}

fn kind_of(obj: &Map<String, Value>) -> Option<&str> {
    obj.get("kind").and_then(Value::as_str)
}

fn check_object(
    objs: &ReportObjects<'_>,
    id: &str,
    obj: &Map<String, Value>,
    out: &mut Vec<Violation>,
) {
    let err = |rule, member: Option<&str>, msg: String| {
        violation(Severity::Error, rule, Some(id), member, msg)
    };
    match obj.get("timestamp") {
        Some(Value::Number(n)) => {
            check_epoch_ms(id, "timestamp", n.as_f64().unwrap_or(f64::NAN), out)
        }
        Some(Value::Null) => out.push(err(Rule::NullValue, Some("timestamp"), "null".into())),
        Some(_) => out.push(err(
            Rule::WrongValueType,
            Some("timestamp"),
            "not a number".into(),
        )),
        None => out.push(err(Rule::Structure, Some("timestamp"), "missing".into())),
    }
    let ty = match obj.get("type").and_then(Value::as_str) {
        None => {
            out.push(err(
                Rule::Structure,
                Some("type"),
                "missing or not a string".into(),
            ));
            return;
        }
        Some(t) => match RTCStatsType::from_str_exact(t) {
            Some(ty) => ty,
            None => {
                out.push(err(
                    Rule::UnknownType,
                    Some("type"),
                    format!("{t:?} is not an RTCStatsType"),
                ));
                return;
            }
        },
    };
    let info = ty.info();
    let kind = kind_of(obj);

    for (name, value) in obj {
        if matches!(name.as_str(), "id" | "timestamp" | "type") {
            continue;
        }
        if value.is_null() {
            out.push(err(
                Rule::NullValue,
                Some(name),
                "members are omitted, never null".into(),
            ));
            continue;
        }
        match info.member(name) {
            Some(m) => check_member(objs, id, obj, m, kind, value, out),
            None => check_unknown_reference(objs, id, name, value, out),
        }
    }

    for m in info.members {
        if obj.contains_key(m.name) || matches!(m.name, "id" | "timestamp" | "type") {
            continue;
        }
        let kind_applies = match (m.kind, kind) {
            (None, _) => true,
            (Some(k), Some(obj_kind)) => k.as_str() == obj_kind,
            (Some(_), None) => ty == RTCStatsType::Csrc,
        };
        if m.required && kind_applies {
            out.push(err(
                Rule::MissingRequired,
                Some(m.name),
                format!("required member of {} missing", info.dictionary),
            ));
        } else if m.mti && kind_applies && !info.obsolete && applicable(ty, m.name, obj) {
            out.push(violation(
                Severity::Warning,
                Rule::MissingMandatory,
                Some(id),
                Some(m.name),
                format!(
                    "mandatory-to-implement member of {} (webrtc-pc §8.6) missing",
                    ty
                ),
            ));
        }
    }

    check_sum_counts(id, ty, obj, out);
    check_pairs(objs, id, ty, obj, out);
}

/// Whether a mandatory-to-implement member applies to this object: members are
/// absent, not zero, where they do not apply (webrtc-stats "member presence").
fn applicable(ty: RTCStatsType, member: &str, obj: &Map<String, Value>) -> bool {
    let s = |k: &str| obj.get(k).and_then(Value::as_str);
    match (ty, member) {
        // Only when the remote end sent a certificate chain.
        (RTCStatsType::Certificate, "issuerCertificateId") => false,
        // Only for audio codecs; only when the codec has an fmtp line.
        (RTCStatsType::Codec, "channels") => s("mimeType").is_some_and(|m| m.starts_with("audio/")),
        (RTCStatsType::Codec, "sdpFmtpLine") => false,
        // The STUN/TURN server that produced a server-reflexive or relay candidate.
        (RTCStatsType::LocalCandidate | RTCStatsType::RemoteCandidate, "url") => {
            ty == RTCStatsType::LocalCandidate
                && matches!(s("candidateType"), Some("srflx" | "relay"))
        }
        // Present exactly when the paired object exists: checked by the pair rule.
        (_, "remoteId" | "localId") => false,
        // Absent by definition during the source's first second, which one report
        // cannot tell from later ones.
        (RTCStatsType::MediaSource, "framesPerSecond") => false,
        // Only once a round trip was measured (needs an LSR echo).
        (RTCStatsType::RemoteInboundRtp, "roundTripTime") => obj
            .get("roundTripTimeMeasurements")
            .and_then(Value::as_u64)
            .is_some_and(|n| n > 0),
        // Only while a candidate pair is selected.
        (RTCStatsType::Transport, "selectedCandidatePairId") => {
            s("iceState").is_none_or(|st| matches!(st, "connected" | "completed"))
        }
        // Only once DTLS has exchanged certificates.
        (RTCStatsType::Transport, "localCertificateId" | "remoteCertificateId") => {
            s("dtlsState").is_none_or(|st| st == "connected")
        }
        _ => true,
    }
}

fn check_epoch_ms(id: &str, member: &str, v: f64, out: &mut Vec<Violation>) {
    if !(EPOCH_MS_MIN..=EPOCH_MS_MAX).contains(&v) {
        let hint = if (EPOCH_MS_MIN / 1000.0..=EPOCH_MS_MAX / 1000.0).contains(&v) {
            " (looks like seconds)"
        } else if (EPOCH_MS_MIN * 1000.0..=EPOCH_MS_MAX * 1000.0).contains(&v) {
            " (looks like microseconds)"
        } else {
            ""
        };
        out.push(violation(
            Severity::Error,
            Rule::ImplausibleTimestamp,
            Some(id),
            Some(member),
            format!("{v} is not milliseconds since the Unix epoch{hint}"),
        ));
    }
}

fn check_member(
    objs: &ReportObjects<'_>,
    id: &str,
    obj: &Map<String, Value>,
    m: &MemberInfo,
    kind: Option<&str>,
    value: &Value,
    out: &mut Vec<Violation>,
) {
    let err = |rule, msg: String| violation(Severity::Error, rule, Some(id), Some(m.name), msg);
    if let (Some(k), Some(obj_kind)) = (m.kind, kind)
        && k.as_str() != obj_kind
    {
        out.push(err(
            Rule::OtherKindMember,
            format!(
                "exists only for kind \"{}\", this object is \"{obj_kind}\"",
                k.as_str()
            ),
        ));
    }
    match m.idl_kind {
        IdlKind::Unsigned(max) => match value.as_f64() {
            Some(f) if f < 0.0 => out.push(err(
                Rule::NegativeUnsigned,
                format!("{value} for {}", m.idl),
            )),
            Some(f) if f.fract() != 0.0 || f > max as f64 => out.push(err(
                Rule::WrongValueType,
                format!("{value} is not an {}", m.idl),
            )),
            Some(_) => {}
            None => out.push(err(
                Rule::WrongValueType,
                format!("{value} is not a number ({})", m.idl),
            )),
        },
        IdlKind::Signed(min, max) => match value.as_f64() {
            Some(f) if f.fract() != 0.0 || f < min as f64 || f > max as f64 => out.push(err(
                Rule::WrongValueType,
                format!("{value} is not a {}", m.idl),
            )),
            Some(_) => {}
            None => out.push(err(
                Rule::WrongValueType,
                format!("{value} is not a number ({})", m.idl),
            )),
        },
        IdlKind::Double => {
            if !value.is_number() {
                out.push(err(
                    Rule::WrongValueType,
                    format!("{value} is not a number"),
                ));
            }
        }
        IdlKind::Boolean => {
            if !value.is_boolean() {
                out.push(err(
                    Rule::WrongValueType,
                    format!("{value} is not a boolean"),
                ));
            }
        }
        IdlKind::String => {
            if !value.is_string() {
                out.push(err(
                    Rule::WrongValueType,
                    format!("{value} is not a string"),
                ));
            }
        }
        IdlKind::Enum(values) => match value.as_str() {
            Some(s) if values.contains(&s) => {}
            _ => out.push(err(
                Rule::WrongValueType,
                format!("{value} is not one of {values:?}"),
            )),
        },
        IdlKind::RecordOfDouble => match value.as_object() {
            Some(map) => {
                for (k, v) in map {
                    if !v.is_number() {
                        out.push(err(
                            Rule::WrongValueType,
                            format!("entry {k:?} is {v}, not a number"),
                        ));
                    }
                    if m.name == "qualityLimitationDurations" {
                        if crate::RTCQualityLimitationReason::from_str_exact(k).is_none() {
                            out.push(err(
                                Rule::WrongValueType,
                                format!("key {k:?} is not an RTCQualityLimitationReason"),
                            ));
                        }
                        if v.as_f64().is_some_and(|s| s < 0.0) {
                            out.push(err(
                                Rule::ImplausibleSeconds,
                                format!("negative duration for {k:?}"),
                            ));
                        }
                    }
                }
            }
            None => out.push(err(
                Rule::WrongValueType,
                format!("{value} is not an object"),
            )),
        },
        IdlKind::SequenceOfString => {
            if !value
                .as_array()
                .is_some_and(|a| a.iter().all(Value::is_string))
            {
                out.push(err(
                    Rule::WrongValueType,
                    format!("{value} is not an array of strings"),
                ));
            }
        }
        IdlKind::StatsType => {}
    }
    if let Some(v) = value.as_f64() {
        match m.unit {
            Some("seconds") => {
                if v < 0.0 {
                    out.push(err(Rule::ImplausibleSeconds, format!("{v} s is negative")));
                } else if m.category == crate::meta::Category::Gauge && v > MAX_GAUGE_SECONDS {
                    out.push(err(
                        Rule::ImplausibleSeconds,
                        format!("{v} s: milliseconds or RTP units reported as seconds?"),
                    ));
                }
            }
            Some("ms since epoch") => check_epoch_ms(id, m.name, v, out),
            _ => {}
        }
    }
    if !m.references.is_empty() {
        let targets: Vec<&str> = match value {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        for target in targets {
            match objs.get(target) {
                None => out.push(err(
                    Rule::DanglingReference,
                    format!("{target:?} is not in the report"),
                )),
                Some(t) => {
                    let tt = t.get("type").and_then(Value::as_str).unwrap_or("");
                    if !m.references.contains(&tt) {
                        out.push(err(
                            Rule::WrongReferenceType,
                            format!(
                                "{target:?} is a {tt}, expected {}",
                                m.references.join(" or ")
                            ),
                        ));
                    } else if m.name == "mediaSourceId" && kind_of(t) != kind_of(obj) {
                        out.push(err(
                            Rule::PairMismatch,
                            format!("media-source {target:?} is of another kind"),
                        ));
                    }
                }
            }
        }
    }
}

/// Members the model does not know but named like references (`*Id`, `*Ids`) must
/// still resolve.
fn check_unknown_reference(
    objs: &ReportObjects<'_>,
    id: &str,
    name: &str,
    value: &Value,
    out: &mut Vec<Violation>,
) {
    let targets: Vec<&str> = if name.ends_with("Id") {
        value.as_str().into_iter().collect()
    } else if name.ends_with("Ids") {
        value
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    } else {
        return;
    };
    for t in targets {
        if objs.get(t).is_none() {
            out.push(violation(
                Severity::Error,
                Rule::DanglingReference,
                Some(id),
                Some(name),
                format!("{t:?} is not in the report"),
            ));
        }
    }
}

fn check_sum_counts(
    id: &str,
    ty: RTCStatsType,
    obj: &Map<String, Value>,
    out: &mut Vec<Violation>,
) {
    for &(t, sum, count) in SUM_COUNT_PAIRS {
        if t != ty.as_str() {
            continue;
        }
        let (Some(s), Some(c)) = (
            obj.get(sum).and_then(Value::as_f64),
            obj.get(count).and_then(Value::as_f64),
        ) else {
            continue;
        };
        if c == 0.0 && s > 0.0 {
            out.push(violation(
                Severity::Error,
                Rule::ImplausibleSeconds,
                Some(id),
                Some(sum),
                format!("{s} s summed over {count} = 0"),
            ));
        } else if c > 0.0 && s / c > MAX_GAUGE_SECONDS {
            out.push(violation(
                Severity::Error,
                Rule::ImplausibleSeconds,
                Some(id),
                Some(sum),
                format!(
                    "average {sum}/{count} = {} s: milliseconds reported as seconds?",
                    s / c
                ),
            ));
        }
    }
}

/// Local and remote RTP objects: `remoteId`/`localId` point at each other and
/// describe the same SSRC and kind; codecs match the stream's kind.
fn check_pairs(
    objs: &ReportObjects<'_>,
    id: &str,
    ty: RTCStatsType,
    obj: &Map<String, Value>,
    out: &mut Vec<Violation>,
) {
    let back = match ty {
        RTCStatsType::InboundRtp | RTCStatsType::OutboundRtp => Some(("remoteId", "localId")),
        RTCStatsType::RemoteInboundRtp | RTCStatsType::RemoteOutboundRtp => {
            Some(("localId", "remoteId"))
        }
        _ => None,
    };
    if let Some((forward, backward)) = back {
        match obj.get(forward).and_then(Value::as_str) {
            None if backward == "remoteId" => out.push(violation(
                Severity::Error,
                Rule::PairMismatch,
                Some(id),
                Some(forward),
                "a remote RTP object must name its local object",
            )),
            None => {}
            Some(target) => {
                if let Some(t) = objs.get(target) {
                    if t.get(backward).and_then(Value::as_str) != Some(id) {
                        out.push(violation(
                            Severity::Error,
                            Rule::PairMismatch,
                            Some(id),
                            Some(forward),
                            format!("{target} does not point back with {backward}"),
                        ));
                    }
                    for same in ["ssrc", "kind"] {
                        if t.get(same) != obj.get(same) {
                            out.push(violation(
                                Severity::Error,
                                Rule::PairMismatch,
                                Some(id),
                                Some(same),
                                format!("differs from its pair {target}"),
                            ));
                        }
                    }
                }
            }
        }
    }
    if let (Some(codec_id), Some(kind)) = (obj.get("codecId").and_then(Value::as_str), kind_of(obj))
        && let Some(mime) = objs
            .get(codec_id)
            .and_then(|c| c.get("mimeType"))
            .and_then(Value::as_str)
    {
        let media = mime.split('/').next().unwrap_or("");
        if !media.eq_ignore_ascii_case(kind) {
            out.push(violation(
                Severity::Error,
                Rule::PairMismatch,
                Some(id),
                Some("codecId"),
                format!("a {kind} stream uses codec {mime}"),
            ));
        }
    }
}
