//! RTP/RTCP wire format for rtcscope: zero-copy parsing and
//! allocation-free building of RTP (RFC 3550, RFC 8285 extensions) and
//! RTCP compound packets (RFC 3550, 4585, 5104, 3611, 5506, transport-wide
//! CC, REMB), plus NTP time helpers. Sans-IO; never panics on input.

pub mod error;
pub mod ntp;
pub mod rtp;
mod wire;

pub use error::{BuildError, RtcpError, RtpError};
pub use ntp::NtpTime;
pub use rtp::{RtpBuilder, RtpPacket};
pub mod rtcp;

pub use rtcp::{CompoundBuilder, RtcpBuild, RtcpPacket, parse_compound};
