//! Send-side bandwidth estimation for rtcscope, sans-IO on explicit time.
//!
//! - [`TwccReceiver`]: receive side of transport-wide congestion control
//!   (draft-holmer-rmcat-transport-wide-cc-extensions-01): records arrivals
//!   and builds RTCP feedback with `rtcscope-rtp`'s builder.
//! - [`SendSideBwe`]: assigns transport-wide sequence numbers, consumes
//!   the feedback and runs a GoogCC-style delay-based controller
//!   (inter-arrival groups of 5 ms, trendline of the delay gradient,
//!   overuse detector with adaptive threshold, AIMD on the acknowledged
//!   bitrate) and a loss-based one (> 10 % decrease, < 2 % increase); the
//!   target (availableOutgoingBitrate) is the minimum of the two.
//! - [`Pacer`]: releases packets at target × 2.5 with a bounded queue and
//!   reports each packet's queueing time.
//!
//! All memory is allocated at construction; nothing the peer sends grows it.

mod acked;
mod aimd;
mod estimator;
mod history;
mod inter_arrival;
mod loss;
mod pacer;
mod receiver;
mod seq;
mod trendline;

pub use estimator::{
    BweConfig, BweCounters, BweSnapshot, FeedbackError, FeedbackSummary, SendSideBwe,
};
pub use pacer::{PacedPacket, Pacer, PacerConfig, PacerCounters, PacerQueueFull};
pub use receiver::{TwccReceiver, TwccReceiverConfig, TwccReceiverCounters};
pub use seq::{SeqUnwrapper, TRANSPORT_CC_URI, decode_transport_seq, encode_transport_seq};
pub use trendline::BandwidthUsage;
