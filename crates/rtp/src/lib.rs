//! RTP/RTCP wire format for rtcscope: zero-copy parsing and
//! allocation-free building of RTP (RFC 3550, RFC 8285 extensions) and
//! RTCP compound packets (RFC 3550, 4585, 5104, 3611, 5506, transport-wide
//! CC, REMB), plus NTP time helpers. Sans-IO; never panics on input.
//!
//! ```
//! use rtcscope_rtp::rtcp::{CompoundBuilder, Pli, ReceiverReportBuilder, ReportBlock};
//! use rtcscope_rtp::{RtcpPacket, RtpBuilder, RtpPacket, parse_compound};
//!
//! let mut buf = [0u8; 1500];
//! let n = RtpBuilder { payload_type: 96, sequence_number: 7, ssrc: 1, payload: b"media", ..Default::default() }
//!     .write(&mut buf)?;
//! let packet = RtpPacket::parse(&buf[..n])?;
//! assert_eq!((packet.sequence_number(), packet.payload()), (7, &b"media"[..]));
//!
//! let blocks = [ReportBlock { ssrc: 1, cumulative_lost: -1, ..Default::default() }];
//! let mut compound = CompoundBuilder::new(&mut buf);
//! compound
//!     .push(&ReceiverReportBuilder { ssrc: 2, report_blocks: &blocks })?
//!     .push(&Pli { sender_ssrc: 2, media_ssrc: 1 })?;
//! let n = compound.finish();
//! for packet in parse_compound(&buf[..n]) {
//!     match packet? {
//!         RtcpPacket::ReceiverReport(rr) => assert_eq!(rr.report_blocks().next(), Some(blocks[0])),
//!         RtcpPacket::Pli(pli) => assert_eq!(pli.media_ssrc, 1),
//!         other => panic!("unexpected {other:?}"),
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod error;
pub mod ntp;
pub mod rtp;
mod wire;

pub use error::{BuildError, RtcpError, RtpError};
pub use ntp::NtpTime;
pub use rtp::{RtpBuilder, RtpPacket};
pub mod rtcp;

pub use rtcp::{CompoundBuilder, RtcpBuild, RtcpPacket, parse_compound};
