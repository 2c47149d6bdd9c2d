//! Conversion of member values to and from JSON, and the ordered writer and
//! reader the generated dictionaries use.

use indexmap::IndexMap;
use serde_json::{Map, Number, Value};
use std::fmt;

/// `record<DOMString, double>` (e.g. `qualityLimitationDurations`), insertion-ordered.
pub type Record = IndexMap<String, f64>;

/// A member value that converts to and from the JSON a browser produces.
pub trait MemberValue: Sized {
    /// `None` when the value has no JSON form (a non-finite double): the member is
    /// then omitted rather than written as `null`.
    fn to_json(&self) -> Option<Value>;
    fn from_json(v: &Value) -> Result<Self, String>;
}

macro_rules! unsigned_member {
    ($($t:ty),*) => {$(
        impl MemberValue for $t {
            fn to_json(&self) -> Option<Value> { Some(Value::from(*self)) }
            fn from_json(v: &Value) -> Result<Self, String> {
                v.as_u64()
                    .and_then(|n| <$t>::try_from(n).ok())
                    .ok_or_else(|| format!("expected an integer in 0..={}, got {v}", <$t>::MAX))
            }
        }
    )*};
}
unsigned_member!(u16, u32, u64);

macro_rules! signed_member {
    ($($t:ty),*) => {$(
        impl MemberValue for $t {
            fn to_json(&self) -> Option<Value> { Some(Value::from(*self)) }
            fn from_json(v: &Value) -> Result<Self, String> {
                v.as_i64()
                    .and_then(|n| <$t>::try_from(n).ok())
                    .ok_or_else(|| format!("expected an integer in {}..={}, got {v}", <$t>::MIN, <$t>::MAX))
            }
        }
    )*};
}
signed_member!(i32, i64);

impl MemberValue for f64 {
    fn to_json(&self) -> Option<Value> {
        Number::from_f64(*self).map(Value::Number)
    }
    fn from_json(v: &Value) -> Result<Self, String> {
        v.as_f64()
            .ok_or_else(|| format!("expected a number, got {v}"))
    }
}

impl MemberValue for bool {
    fn to_json(&self) -> Option<Value> {
        Some(Value::Bool(*self))
    }
    fn from_json(v: &Value) -> Result<Self, String> {
        v.as_bool()
            .ok_or_else(|| format!("expected a boolean, got {v}"))
    }
}

impl MemberValue for String {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.clone()))
    }
    fn from_json(v: &Value) -> Result<Self, String> {
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("expected a string, got {v}"))
    }
}

impl MemberValue for Vec<String> {
    fn to_json(&self) -> Option<Value> {
        Some(Value::Array(
            self.iter().cloned().map(Value::String).collect(),
        ))
    }
    fn from_json(v: &Value) -> Result<Self, String> {
        v.as_array()
            .ok_or_else(|| format!("expected an array of strings, got {v}"))?
            .iter()
            .map(String::from_json)
            .collect()
    }
}

impl MemberValue for Record {
    fn to_json(&self) -> Option<Value> {
        let mut m = Map::new();
        for (k, v) in self {
            m.insert(k.clone(), v.to_json()?);
        }
        Some(Value::Object(m))
    }
    fn from_json(v: &Value) -> Result<Self, String> {
        let obj = v
            .as_object()
            .ok_or_else(|| format!("expected an object of numbers, got {v}"))?;
        obj.iter()
            .map(|(k, v)| Ok((k.clone(), f64::from_json(v)?)))
            .collect()
    }
}

/// Implements [`MemberValue`] for a WebIDL enum through its exact strings.
macro_rules! string_enum {
    ($t:ty) => {
        impl $crate::member::MemberValue for $t {
            fn to_json(&self) -> Option<serde_json::Value> {
                Some(serde_json::Value::String(self.as_str().to_string()))
            }
            fn from_json(v: &serde_json::Value) -> Result<Self, String> {
                v.as_str()
                    .and_then(<$t>::from_str_exact)
                    .ok_or_else(|| format!("{v} is not a value of {}", stringify!($t)))
            }
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;

/// Why a JSON object could not be imported as a typed stats object.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportError {
    /// The object's id, when it had one.
    pub id: Option<String>,
    /// The member at fault, when one is.
    pub member: Option<String>,
    pub message: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.id, &self.member) {
            (Some(id), Some(m)) => write!(f, "{id}.{m}: {}", self.message),
            (Some(id), None) => write!(f, "{id}: {}", self.message),
            (None, Some(m)) => write!(f, "{m}: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ImportError {}

/// One member the typed model does not carry.
#[derive(Debug, Clone, PartialEq)]
pub struct OtherMember {
    pub name: String,
    pub value: Value,
    /// The key this member followed in the imported object, so it is written back
    /// at the same place (browsers order members by WebIDL dictionary level).
    pub after: Option<String>,
}

/// Members a stats object carries beyond the typed model (non-standard or newer
/// members). Names of members the model knows for the object's type are refused,
/// so a member of the other media kind cannot be smuggled in here.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OtherMembers {
    entries: Vec<OtherMember>,
}

impl OtherMembers {
    pub fn iter(&self) -> impl Iterator<Item = &OtherMember> {
        self.entries.iter()
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.entries
            .iter()
            .find(|e| e.name == name)
            .map(|e| &e.value)
    }
    /// Adds or replaces a member; it is written after the typed members.
    /// Fails for a name the spec defines for `ty`, and for `null` (browsers never emit it).
    pub fn insert(
        &mut self,
        ty: crate::RTCStatsType,
        name: &str,
        value: Value,
    ) -> Result<(), ImportError> {
        if ty.info().member(name).is_some() {
            return Err(ImportError {
                id: None,
                member: Some(name.to_string()),
                message: format!("`{name}` is a member of {ty} in the spec; set the typed field"),
            });
        }
        if value.is_null() {
            return Err(ImportError {
                id: None,
                member: Some(name.to_string()),
                message: "null is never a stats member value; omit the member".into(),
            });
        }
        if let Some(e) = self.entries.iter_mut().find(|e| e.name == name) {
            e.value = value;
        } else {
            self.entries.push(OtherMember {
                name: name.to_string(),
                value,
                after: None,
            });
        }
        Ok(())
    }
    pub(crate) fn push_anchored(&mut self, name: String, value: Value, after: Option<String>) {
        self.entries.push(OtherMember { name, value, after });
    }
}

/// Writes members in the order given, placing each other member right after the
/// key it followed when imported.
pub struct MemberWriter<'a> {
    map: Map<String, Value>,
    others: &'a OtherMembers,
    written: Vec<bool>,
    /// anchor key -> indices of the other members that follow it, in stored order.
    followers: std::collections::HashMap<&'a str, Vec<usize>>,
}

impl<'a> MemberWriter<'a> {
    pub(crate) fn new(others: &'a OtherMembers) -> Self {
        let mut followers: std::collections::HashMap<&'a str, Vec<usize>> = Default::default();
        for (i, e) in others.entries.iter().enumerate() {
            if let Some(a) = e.after.as_deref() {
                followers.entry(a).or_default().push(i);
            }
        }
        MemberWriter {
            map: Map::new(),
            others,
            written: vec![false; others.len()],
            followers,
        }
    }

    /// Writes `name` if present; either way, this is the position of `name`.
    pub fn member<T: MemberValue>(&mut self, name: &'static str, value: Option<&T>) {
        if let Some(v) = value.and_then(MemberValue::to_json) {
            self.map.insert(name.to_string(), v);
        }
        self.flush_after(name);
    }

    pub(crate) fn raw(&mut self, name: &str, value: Value) {
        self.map.insert(name.to_string(), value);
        self.flush_after(name);
    }

    /// Writes the members anchored after `name`, each followed by its own followers
    /// (pre-order, iterative so a long chain cannot exhaust the stack).
    fn flush_after(&mut self, name: &str) {
        let others = self.others;
        let mut stack: Vec<usize> = match self.followers.get(name) {
            Some(v) => v.iter().rev().copied().collect(),
            None => return,
        };
        while let Some(i) = stack.pop() {
            if self.written[i] {
                continue;
            }
            self.written[i] = true;
            let e = &others.entries[i];
            self.map.insert(e.name.clone(), e.value.clone());
            if let Some(next) = self.followers.get(e.name.as_str()) {
                stack.extend(next.iter().rev().copied());
            }
        }
    }

    pub(crate) fn finish(mut self) -> Map<String, Value> {
        for (i, e) in self.others.entries.iter().enumerate() {
            if !self.written[i] {
                self.written[i] = true;
                self.map.insert(e.name.clone(), e.value.clone());
            }
        }
        self.map
    }
}

/// Takes typed members out of an imported JSON object; what is left becomes
/// [`OtherMembers`].
pub struct MemberReader {
    id: String,
    timestamp: f64,
    /// The imported object's keys in their original order, with the values not yet taken.
    entries: Vec<(String, Option<Value>)>,
}

impl MemberReader {
    pub(crate) fn new(id: String, timestamp: f64, obj: &Map<String, Value>) -> Self {
        MemberReader {
            id,
            timestamp,
            entries: obj
                .iter()
                .map(|(k, v)| (k.clone(), Some(v.clone())))
                .collect(),
        }
    }
    pub fn id(&self) -> &str {
        &self.id
    }
    pub fn timestamp(&self) -> f64 {
        self.timestamp
    }
    fn take(&mut self, name: &str) -> Option<Value> {
        self.entries
            .iter_mut()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.take())
    }
    fn err(&self, name: &str, message: String) -> ImportError {
        ImportError {
            id: Some(self.id.clone()),
            member: Some(name.to_string()),
            message,
        }
    }
    pub(crate) fn optional_raw(&mut self, name: &str) -> Option<Value> {
        self.take(name)
    }
    pub fn optional<T: MemberValue>(&mut self, name: &str) -> Result<Option<T>, ImportError> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Null) => Err(self.err(name, "null is not a stats value".into())),
            Some(v) => T::from_json(&v).map(Some).map_err(|m| self.err(name, m)),
        }
    }
    pub fn required<T: MemberValue>(&mut self, name: &str) -> Result<T, ImportError> {
        self.optional(name)?
            .ok_or_else(|| self.err(name, "required member missing".into()))
    }
    /// The members not taken, anchored to the key they followed. A leftover that the
    /// spec defines for `ty` can only be a member of the other media kind: refused.
    pub(crate) fn finish(self, ty: crate::RTCStatsType) -> Result<OtherMembers, ImportError> {
        let mut others = OtherMembers::default();
        let mut previous: Option<String> = None;
        for (k, v) in self.entries {
            if let Some(v) = v {
                if ty.info().member(&k).is_some() {
                    return Err(ImportError {
                        id: Some(self.id.clone()),
                        member: Some(k),
                        message: format!("member of the other media kind on a {ty} object"),
                    });
                }
                if v.is_null() {
                    return Err(ImportError {
                        id: Some(self.id.clone()),
                        member: Some(k),
                        message: "null is not a stats value".into(),
                    });
                }
                others.push_anchored(k.clone(), v, previous.clone());
            }
            previous = Some(k);
        }
        Ok(others)
    }
}
