//! The W3C WebRTC Statistics model of rtcscope.
//!
//! - One Rust type per stats dictionary ([`generated`]), all 22 types (14 current,
//!   8 obsolete), generated from the spec's member list. Optional members are
//!   `Option`; members of one media kind only live in a per-kind enum (e.g.
//!   [`InboundRtpMedia`]) so they cannot be set on an object of the other kind.
//! - [`RTCStats`] (any object) and [`RTCStatsReport`] (the maplike report).
//! - JSON exactly as a browser hands it to JavaScript ([`json`]); imports keep
//!   members the model does not know, so Chrome's output round-trips byte for byte.
//! - [`verify`]: the report verifier.

pub mod generated;
pub mod json;
pub mod member;
pub mod meta;
mod object;
pub mod report;
pub mod time;
pub mod verify;

pub use generated::*;
pub use member::{ImportError, OtherMember, OtherMembers, Record};
pub use report::{RTCStatsReport, StatsDictionary};
pub use time::EpochClock;

/// The `kind` of RTP streams, media sources and tracks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MediaKind {
    #[default]
    Audio,
    Video,
}

impl MediaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
        }
    }
    pub fn from_str_exact(s: &str) -> Option<Self> {
        match s {
            "audio" => Some(MediaKind::Audio),
            "video" => Some(MediaKind::Video),
            _ => None,
        }
    }
}
member::string_enum!(MediaKind);

impl std::fmt::Display for RTCStatsType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
