//! JSON conversion of one stats object: `id`, `timestamp`, `type`, then the
//! members in WebIDL dictionary order (base dictionary first, each dictionary's
//! members sorted), which is the order `JSON.stringify` shows in browsers.

use crate::member::{ImportError, MemberReader, MemberWriter};
use crate::{RTCStats, RTCStatsType};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

impl RTCStats {
    /// The object as the JSON a browser gives to JavaScript.
    pub fn to_json_map(&self) -> Map<String, Value> {
        let mut w = MemberWriter::new(self.other_members());
        w.raw("id", Value::String(self.id().to_string()));
        w.member("timestamp", Some(&self.timestamp()));
        w.raw(
            "type",
            Value::String(self.stats_type().as_str().to_string()),
        );
        self.write_members(&mut w);
        w.finish()
    }

    /// Imports one object as a browser emits it. Unknown members are kept;
    /// unknown types, missing required members, values of the wrong JSON type,
    /// invalid enum strings, `null`s and members of the other media kind are errors.
    pub fn from_json_map(obj: &Map<String, Value>) -> Result<Self, ImportError> {
        let id = match obj.get("id") {
            Some(Value::String(s)) => s.clone(),
            _ => return Err(err(None, "id", "missing or not a string")),
        };
        let timestamp = obj
            .get("timestamp")
            .and_then(Value::as_f64)
            .ok_or_else(|| err(Some(&id), "timestamp", "missing or not a number"))?;
        let type_name = obj
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| err(Some(&id), "type", "missing or not a string"))?;
        let ty = RTCStatsType::from_str_exact(type_name).ok_or_else(|| {
            err(
                Some(&id),
                "type",
                &format!("unknown stats type {type_name:?}"),
            )
        })?;
        let mut r = MemberReader::new(id, timestamp, obj);
        for base in ["id", "timestamp", "type"] {
            let _: Option<Value> = r.optional_raw(base);
        }
        let mut stats = RTCStats::read_typed(ty, &mut r)?;
        let others = r.finish(ty)?;
        stats.set_other_members(others);
        Ok(stats)
    }

    /// `(member, referenced id)` for every `*Id` string and `*Ids` element.
    pub fn references(&self) -> Vec<(String, String)> {
        references_in(&self.to_json_map())
    }
}

/// `(member, referenced id)` for every `*Id` string member and `*Ids` array element
/// (the rule libwebrtc's `GetStatsReferencedIds` uses).
pub fn references_in(obj: &Map<String, Value>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (k, v) in obj {
        if k == "id" {
            continue;
        }
        if k.ends_with("Id") {
            if let Value::String(s) = v {
                out.push((k.clone(), s.clone()));
            }
        } else if k.ends_with("Ids")
            && let Value::Array(a) = v
        {
            out.extend(
                a.iter()
                    .filter_map(Value::as_str)
                    .map(|s| (k.clone(), s.to_string())),
            );
        }
    }
    out
}

fn err(id: Option<&str>, member: &str, message: &str) -> ImportError {
    ImportError {
        id: id.map(str::to_string),
        member: Some(member.to_string()),
        message: message.to_string(),
    }
}

impl Serialize for RTCStats {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json_map().serialize(s)
    }
}

impl<'de> Deserialize<'de> for RTCStats {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = Map::<String, Value>::deserialize(d)?;
        RTCStats::from_json_map(&map).map_err(serde::de::Error::custom)
    }
}
