//! Rules across successive reports of one connection.

use super::{Rule, Severity, Verdict, Violation, collect_objects, verify_value, violation};
use crate::RTCStatsType;
use crate::meta::{Category, IdlKind};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// Members that identify the monitored object: if they change under one id, the id
/// was reused for another object.
const IDENTITY: &[&str] = &[
    "type",
    "ssrc",
    "kind",
    "payloadType",
    "mimeType",
    "localCandidateId",
    "remoteCandidateId",
    "address",
    "port",
    "candidateType",
    "fingerprint",
    "dataChannelIdentifier",
    "label",
    "trackIdentifier",
];

/// Feeds successive reports of one connection; each call verifies the report on
/// its own and against the reports before it.
#[derive(Debug, Default)]
pub struct SequenceVerifier {
    last: HashMap<String, Map<String, Value>>,
    /// Ids seen in an earlier report and absent from a later one.
    deleted: HashSet<String>,
    reports: usize,
}

impl SequenceVerifier {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, report: &Value) -> Verdict {
        let mut verdict = verify_value(report);
        let mut scratch = Vec::new();
        let objs = collect_objects(report, &mut scratch);
        let mut current = HashMap::new();
        for (id, obj) in objs.iter() {
            if let Some(prev) = self.last.get(id) {
                compare(id, prev, obj, &mut verdict.violations);
            } else if self.deleted.contains(id) {
                // A codec that is used again reappears with the same id (webrtc-stats).
                if obj.get("type").and_then(Value::as_str) != Some("codec") {
                    verdict.violations.push(violation(
                        Severity::Error,
                        Rule::DeletedIdReturned,
                        Some(id),
                        None,
                        "this id disappeared from an earlier report and is back",
                    ));
                }
            }
            current.insert(id.to_string(), obj.clone());
        }
        for id in self.last.keys() {
            if !current.contains_key(id) {
                self.deleted.insert(id.clone());
            }
        }
        for id in current.keys() {
            self.deleted.remove(id);
        }
        self.last = current;
        self.reports += 1;
        verdict
    }

    /// How many reports were fed.
    pub fn reports(&self) -> usize {
        self.reports
    }
}

fn compare(
    id: &str,
    prev: &Map<String, Value>,
    cur: &Map<String, Value>,
    out: &mut Vec<Violation>,
) {
    for key in IDENTITY {
        if let (Some(a), Some(b)) = (prev.get(*key), cur.get(*key))
            && a != b
        {
            out.push(violation(
                Severity::Error,
                Rule::IdReused,
                Some(id),
                Some(key),
                format!("was {a}, now {b}: the id names another object"),
            ));
            return;
        }
    }
    if let (Some(a), Some(b)) = (
        prev.get("timestamp").and_then(Value::as_f64),
        cur.get("timestamp").and_then(Value::as_f64),
    ) && b < a
    {
        out.push(violation(
            Severity::Error,
            Rule::TimestampWentBack,
            Some(id),
            Some("timestamp"),
            format!("{a} then {b}"),
        ));
    }
    let Some(info) = cur
        .get("type")
        .and_then(Value::as_str)
        .and_then(RTCStatsType::from_str_exact)
        .map(RTCStatsType::info)
    else {
        return;
    };
    for m in info.members {
        // packetsLost is a signed counter that legitimately decreases (duplicates).
        if m.category != Category::Counter || matches!(m.idl_kind, IdlKind::Signed(..)) {
            continue;
        }
        if let (Some(a), Some(b)) = (
            prev.get(m.name).and_then(Value::as_f64),
            cur.get(m.name).and_then(Value::as_f64),
        ) && b < a
        {
            out.push(violation(
                Severity::Error,
                Rule::CounterDecreased,
                Some(id),
                Some(m.name),
                format!("{a} then {b}"),
            ));
        }
    }
}
