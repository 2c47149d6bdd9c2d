//! Spec metadata for every stats type and member, generated from
//! `webrtc-stats-members.json`. The verifier and the drift test read it.

use crate::MediaKind;

/// What JSON values a member's WebIDL type admits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum IdlKind {
    /// An integer in `0..=max`.
    Unsigned(u64),
    /// An integer in `min..=max`.
    Signed(i64, i64),
    /// A finite number.
    Double,
    Boolean,
    String,
    /// One of the listed strings.
    Enum(&'static [&'static str]),
    /// `record<DOMString, double>`: an object of finite numbers.
    RecordOfDouble,
    /// `sequence<DOMString>`.
    SequenceOfString,
    /// The `type` member itself.
    StatsType,
}

/// How a member behaves over time (from the spec JSON's `category`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Cumulative: never decreases for one object (packetsLost excepted: it is signed).
    Counter,
    /// Instantaneous value.
    Gauge,
    /// Fixed for the object's life.
    Const,
    Timestamp,
    Id,
    Ref,
    Enum,
    Record,
    Bool,
    String,
    Other,
}

/// One member of a stats dictionary (inherited members included).
#[derive(Debug, Clone, Copy)]
pub struct MemberInfo {
    pub name: &'static str,
    /// The WebIDL type as written in the spec.
    pub idl: &'static str,
    pub idl_kind: IdlKind,
    /// WebIDL `required`.
    pub required: bool,
    /// `Some(kind)` when the member must not exist for the other kind.
    pub kind: Option<MediaKind>,
    /// For `*Id`/`*Ids` members: the stats types the reference may point to.
    pub references: &'static [&'static str],
    /// Mandatory to implement (webrtc-pc §8.6).
    pub mti: bool,
    pub category: Category,
    pub unit: Option<&'static str>,
    pub defined_in: &'static str,
}

/// One stats type.
#[derive(Debug)]
pub struct TypeInfo {
    pub type_name: &'static str,
    pub dictionary: &'static str,
    pub obsolete: bool,
    pub members: &'static [MemberInfo],
}

impl TypeInfo {
    pub fn member(&self, name: &str) -> Option<&'static MemberInfo> {
        self.members.iter().find(|m| m.name == name)
    }
}
