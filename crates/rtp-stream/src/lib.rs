//! Per-stream RTP accounting and RTCP for rtcscope, exact to RFC 3550 and
//! webrtc-stats, sans-IO (bytes and `Instant`s in, bytes and stats out).
//!
//! - [`seq`]: RFC 3550 A.1 probation / extended sequence numbers, A.3 loss.
//! - [`jitter`]: A.8 interarrival jitter (RTP units; seconds on output).
//! - [`receiver::ReceiveStream`]: inbound accounting, RTX (RFC 4588), FEC,
//!   RR report blocks, remote sender state from SRs and XR DLRR.
//! - [`sender::SendStream`]: outbound accounting, SR sender info (NTP/RTP
//!   mapping), remote receiver state from report blocks (LSR/DLSR RTT).
//! - [`session::Session`]: one endpoint's RTCP: compounds in and out,
//!   RFC 3550 §6.3 interval ([`interval`]), XR RRTR/DLRR (RFC 3611).
//! - [`snapshot`]: `rtcscope_stats` objects (inbound-rtp, outbound-rtp,
//!   remote-inbound-rtp, remote-outbound-rtp).
//! - [`simulate`]: the `rtcscope simulate` scenario on `rtcscope-netsim`.

pub mod clock;
pub mod interval;
pub mod jitter;
pub mod receiver;
pub mod sender;
pub mod seq;
pub mod session;
pub mod simulate;
pub mod snapshot;

pub use clock::NtpClock;
pub use receiver::{ReceiveConfig, ReceiveCounters, ReceiveOutcome, ReceiveStream};
pub use sender::{SendConfig, SendCounters, SendStream};
pub use session::{Session, SessionConfig};
pub use snapshot::StreamIds;
