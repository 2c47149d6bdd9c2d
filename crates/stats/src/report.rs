//! `RTCStatsReport`: an insertion-ordered map from id to stats object, with the
//! maplike surface of the JavaScript object plus typed access.

use crate::member::ImportError;
use crate::{RTCStats, RTCStatsType};
use indexmap::IndexMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use std::collections::{HashSet, VecDeque};

/// A typed stats dictionary that can be found inside an [`RTCStats`].
pub trait StatsDictionary: Sized {
    fn from_stats(s: &RTCStats) -> Option<&Self>;
}

/// The result of `getStats()`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RTCStatsReport {
    entries: IndexMap<String, RTCStats>,
}

impl RTCStatsReport {
    pub fn new() -> Self {
        Self::default()
    }

    /// Inserts (or replaces, keeping its position) the object under its id;
    /// returns the object it replaced.
    pub fn insert(&mut self, stats: impl Into<RTCStats>) -> Option<RTCStats> {
        let stats = stats.into();
        self.entries.insert(stats.id().to_string(), stats)
    }

    pub fn get(&self, id: &str) -> Option<&RTCStats> {
        self.entries.get(id)
    }
    pub fn get_mut(&mut self, id: &str) -> Option<&mut RTCStats> {
        self.entries.get_mut(id)
    }
    pub fn has(&self, id: &str) -> bool {
        self.entries.contains_key(id)
    }
    pub fn remove(&mut self, id: &str) -> Option<RTCStats> {
        self.entries.shift_remove(id)
    }
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }
    pub fn values(&self) -> impl Iterator<Item = &RTCStats> {
        self.entries.values()
    }
    pub fn iter(&self) -> impl Iterator<Item = (&str, &RTCStats)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every object of one type.
    pub fn of_type(&self, ty: RTCStatsType) -> impl Iterator<Item = &RTCStats> {
        self.values().filter(move |s| s.stats_type() == ty)
    }

    /// Every object of one dictionary, typed: `report.all::<RTCInboundRtpStreamStats>()`.
    pub fn all<'a, T: StatsDictionary + 'a>(&'a self) -> impl Iterator<Item = &'a T> + 'a {
        self.values().filter_map(T::from_stats)
    }

    /// The object with this id if it is of dictionary `T`: following a `*Id`
    /// reference, e.g. `report.get_as::<RTCTransportStats>(&inbound.transport_id?)`.
    pub fn get_as<T: StatsDictionary>(&self, id: &str) -> Option<&T> {
        self.get(id).and_then(T::from_stats)
    }

    /// Follows the `*Id` member `member` of object `from` (typed or not).
    pub fn follow(&self, from: &RTCStats, member: &str) -> Option<&RTCStats> {
        from.references()
            .into_iter()
            .find(|(m, _)| m == member)
            .and_then(|(_, id)| self.get(&id))
    }

    /// The sub-report of `roots` plus everything reachable from them through
    /// `*Id`/`*Ids` references (the webrtc-pc stats selection algorithm).
    pub fn reachable_from<'a>(&self, roots: impl IntoIterator<Item = &'a str>) -> RTCStatsReport {
        let mut seen: HashSet<String> = HashSet::new();
        let mut queue: VecDeque<String> = roots.into_iter().map(str::to_string).collect();
        while let Some(id) = queue.pop_front() {
            if seen.contains(&id) {
                continue;
            }
            if let Some(s) = self.get(&id) {
                seen.insert(id);
                for (_, r) in s.references() {
                    if !seen.contains(&r) {
                        queue.push_back(r);
                    }
                }
            }
        }
        // Keep the report's own order.
        let mut out = RTCStatsReport::new();
        for (id, s) in &self.entries {
            if seen.contains(id) {
                out.insert(s.clone());
            }
        }
        out
    }

    /// `Object.fromEntries(report)`: an object keyed by id.
    pub fn to_json_object(&self) -> Map<String, Value> {
        self.entries
            .iter()
            .map(|(k, v)| (k.clone(), Value::Object(v.to_json_map())))
            .collect()
    }

    /// `[...report.values()]`.
    pub fn to_json_array(&self) -> Vec<Value> {
        self.entries
            .values()
            .map(|v| Value::Object(v.to_json_map()))
            .collect()
    }

    /// Reads a report given as an array of objects or as an object keyed by id.
    pub fn from_json_value(v: &Value) -> Result<Self, ImportError> {
        let mut report = RTCStatsReport::new();
        let mut add = |key: Option<&str>, obj: &Value| -> Result<(), ImportError> {
            let map = obj.as_object().ok_or_else(|| ImportError {
                id: key.map(str::to_string),
                member: None,
                message: "a stats object must be a JSON object".into(),
            })?;
            let stats = RTCStats::from_json_map(map)?;
            if let Some(k) = key
                && k != stats.id()
            {
                return Err(ImportError {
                    id: Some(stats.id().to_string()),
                    member: None,
                    message: format!("filed under key {k:?} but its id differs"),
                });
            }
            if report.has(stats.id()) {
                return Err(ImportError {
                    id: Some(stats.id().to_string()),
                    member: None,
                    message: "duplicate id in report".into(),
                });
            }
            report.insert(stats);
            Ok(())
        };
        match v {
            Value::Array(items) => items.iter().try_for_each(|o| add(None, o))?,
            Value::Object(map) => map.iter().try_for_each(|(k, o)| add(Some(k), o))?,
            _ => {
                return Err(ImportError {
                    id: None,
                    member: None,
                    message: "a report is an array or an object keyed by id".into(),
                });
            }
        }
        Ok(report)
    }
}

impl<'a> IntoIterator for &'a RTCStatsReport {
    type Item = (&'a String, &'a RTCStats);
    type IntoIter = indexmap::map::Iter<'a, String, RTCStats>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

impl FromIterator<RTCStats> for RTCStatsReport {
    fn from_iter<I: IntoIterator<Item = RTCStats>>(iter: I) -> Self {
        let mut r = RTCStatsReport::new();
        for s in iter {
            r.insert(s);
        }
        r
    }
}

/// Serializes as an object keyed by id (`Object.fromEntries(report)`); use
/// [`RTCStatsReport::to_json_array`] for the array form.
impl Serialize for RTCStatsReport {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.len()))?;
        for (k, v) in &self.entries {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// Deserializes from either form.
impl<'de> Deserialize<'de> for RTCStatsReport {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        RTCStatsReport::from_json_value(&v).map_err(serde::de::Error::custom)
    }
}
