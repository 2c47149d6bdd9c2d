//! The report verifier: modelled on libwebrtc's `RTCStatsVerifier`, but stricter.
//!
//! It checks reports as JSON, i.e. as JavaScript would see them, so it verifies
//! our own reports (serialized) and any browser's output alike:
//! - structure: `id`/`timestamp`/`type` present and typed, keys equal ids, no
//!   duplicate ids, known types;
//! - members: no `null`, JSON types as the WebIDL type says (unsigned values not
//!   negative, integers integral, enums valid), no member of the other media kind,
//!   WebIDL-required members present;
//! - references: every `*Id`/`*Ids` resolves to an object of the right type, and
//!   local/remote RTP pairs point at each other with the same SSRC and kind;
//! - units: seconds plausible (not milliseconds), timestamps in milliseconds since
//!   the epoch (not seconds, not microseconds), sums consistent with their counts;
//! - mandatory-to-implement members (webrtc-pc §8.6): warnings, errors when strict;
//! - across successive reports ([`SequenceVerifier`]): counters never decrease,
//!   timestamps never go back, ids are not reused for another object, and deleted
//!   ids never return.

mod objects;
mod sequence;

pub use sequence::SequenceVerifier;

use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// How bad a violation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// A mandatory-to-implement member is missing: fatal only with `--strict`.
    Warning,
    Error,
}

/// Which rule a violation breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// The report or object is not shaped like a stats report.
    Structure,
    DuplicateId,
    UnknownType,
    NullValue,
    /// A value of the wrong JSON type, out of its WebIDL range, or not an enum value.
    WrongValueType,
    NegativeUnsigned,
    /// A member that exists only for the other media kind.
    OtherKindMember,
    MissingRequired,
    DanglingReference,
    WrongReferenceType,
    /// Local and remote RTP objects that do not point at each other consistently.
    PairMismatch,
    ImplausibleSeconds,
    ImplausibleTimestamp,
    MissingMandatory,
    CounterDecreased,
    TimestampWentBack,
    IdReused,
    DeletedIdReturned,
}

impl Rule {
    pub fn name(self) -> &'static str {
        match self {
            Rule::Structure => "structure",
            Rule::DuplicateId => "duplicate-id",
            Rule::UnknownType => "unknown-type",
            Rule::NullValue => "null-value",
            Rule::WrongValueType => "wrong-value-type",
            Rule::NegativeUnsigned => "negative-unsigned",
            Rule::OtherKindMember => "other-kind-member",
            Rule::MissingRequired => "missing-required",
            Rule::DanglingReference => "dangling-reference",
            Rule::WrongReferenceType => "wrong-reference-type",
            Rule::PairMismatch => "pair-mismatch",
            Rule::ImplausibleSeconds => "implausible-seconds",
            Rule::ImplausibleTimestamp => "implausible-timestamp",
            Rule::MissingMandatory => "missing-mandatory",
            Rule::CounterDecreased => "counter-decreased",
            Rule::TimestampWentBack => "timestamp-went-back",
            Rule::IdReused => "id-reused",
            Rule::DeletedIdReturned => "deleted-id-returned",
        }
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub severity: Severity,
    pub rule: Rule,
    pub object_id: Option<String>,
    pub member: Option<String>,
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{sev} [{}]", self.rule.name())?;
        if let Some(id) = &self.object_id {
            write!(f, " {id}")?;
        }
        if let Some(m) = &self.member {
            write!(f, ".{m}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The outcome of verifying one report.
#[derive(Debug, Clone, Default)]
pub struct Verdict {
    /// Objects per `type` string, sorted by type.
    pub counts: BTreeMap<String, usize>,
    pub violations: Vec<Violation>,
}

impl Verdict {
    pub fn errors(&self) -> usize {
        self.violations
            .iter()
            .filter(|v| v.severity == Severity::Error)
            .count()
    }
    pub fn warnings(&self) -> usize {
        self.violations
            .iter()
            .filter(|v| v.severity == Severity::Warning)
            .count()
    }
    /// Whether the report passes: no error, and with `strict` no warning either.
    pub fn passes(&self, strict: bool) -> bool {
        self.errors() == 0 && (!strict || self.warnings() == 0)
    }
    pub fn has(&self, rule: Rule) -> bool {
        self.violations.iter().any(|v| v.rule == rule)
    }
}

/// The objects of one report, by id, in report order (validated for structure).
pub struct ReportObjects<'a> {
    pub(crate) objects: Vec<(&'a str, &'a Map<String, Value>)>,
    pub(crate) index: std::collections::HashMap<&'a str, usize>,
}

impl<'a> ReportObjects<'a> {
    pub fn get(&self, id: &str) -> Option<&'a Map<String, Value>> {
        self.index.get(id).map(|&i| self.objects[i].1)
    }
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a Map<String, Value>)> + '_ {
        self.objects.iter().copied()
    }
}

pub(crate) fn violation(
    severity: Severity,
    rule: Rule,
    id: Option<&str>,
    member: Option<&str>,
    message: impl Into<String>,
) -> Violation {
    Violation {
        severity,
        rule,
        object_id: id.map(str::to_string),
        member: member.map(str::to_string),
        message: message.into(),
    }
}

/// Collects a report's objects from an array or an id-keyed object, recording
/// structural violations (non-objects, missing ids, key/id mismatches, duplicates).
pub fn collect_objects<'a>(report: &'a Value, out: &mut Vec<Violation>) -> ReportObjects<'a> {
    let mut objects = Vec::new();
    let mut index = std::collections::HashMap::new();
    let mut add = |key: Option<&'a str>, v: &'a Value, out: &mut Vec<Violation>| {
        let Some(obj) = v.as_object() else {
            out.push(violation(
                Severity::Error,
                Rule::Structure,
                key,
                None,
                "not a JSON object",
            ));
            return;
        };
        let Some(id) = obj.get("id").and_then(Value::as_str) else {
            out.push(violation(
                Severity::Error,
                Rule::Structure,
                key,
                Some("id"),
                "missing or not a string",
            ));
            return;
        };
        if let Some(k) = key
            && k != id
        {
            out.push(violation(
                Severity::Error,
                Rule::Structure,
                Some(id),
                Some("id"),
                format!("filed under key {k:?}"),
            ));
        }
        if index.contains_key(id) {
            out.push(violation(
                Severity::Error,
                Rule::DuplicateId,
                Some(id),
                None,
                "two objects share this id",
            ));
            return;
        }
        index.insert(id, objects.len());
        objects.push((id, obj));
    };
    match report {
        Value::Array(items) => items.iter().for_each(|v| add(None, v, out)),
        Value::Object(map) => map.iter().for_each(|(k, v)| add(Some(k.as_str()), v, out)),
        _ => out.push(violation(
            Severity::Error,
            Rule::Structure,
            None,
            None,
            "a report is an array or an object keyed by id",
        )),
    }
    ReportObjects { objects, index }
}

/// Verifies one report given as JSON (array or id-keyed object).
pub fn verify_value(report: &Value) -> Verdict {
    let mut violations = Vec::new();
    let objects = collect_objects(report, &mut violations);
    let mut counts = BTreeMap::new();
    for (_, obj) in objects.iter() {
        let ty = obj
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("(no type)");
        *counts.entry(ty.to_string()).or_insert(0) += 1;
    }
    objects::check_objects(&objects, &mut violations);
    Verdict { counts, violations }
}

/// Verifies a typed report through the JSON a browser would give JavaScript.
pub fn verify_report(report: &crate::RTCStatsReport) -> Verdict {
    verify_value(&Value::Object(report.to_json_object()))
}
