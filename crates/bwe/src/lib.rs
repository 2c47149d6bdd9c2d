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
//!
//! ```
//! use std::time::{Duration, Instant};
//! use rtcscope_bwe::*;
//!
//! let t0 = Instant::now();
//! let mut sender = SendSideBwe::new(t0, BweConfig::default());
//! let mut pacer = Pacer::new(PacerConfig::default(), sender.target_bitrate_bps());
//! let mut receiver = TwccReceiver::new(t0, TwccReceiverConfig::default());
//!
//! // Sender: queue a packet, release it when the pacer says so, stamp it.
//! pacer.enqueue(t0, 1, 1200)?;
//! let paced = pacer.poll_send(t0).expect("an idle pacer sends at once");
//! let seq = sender.on_packet_sent(t0, paced.size_bytes);
//! let _extension_value: [u8; 2] = encode_transport_seq(seq);
//!
//! // Receiver: record the arrival, send feedback when it is due.
//! let arrival = t0 + Duration::from_millis(40);
//! receiver.on_packet(arrival, seq);
//! let due = receiver.poll_timeout().expect("feedback pending");
//! let mut rtcp = [0u8; 1500];
//! let len = receiver.poll_feedback(due, &mut rtcp)?.expect("due");
//!
//! // Sender: consume the RTCP datagram, follow the new target.
//! assert_eq!(sender.on_rtcp(due + Duration::from_millis(40), &rtcp[..len]), 1);
//! pacer.set_target_bitrate(sender.target_bitrate_bps());
//! assert_eq!(sender.target_bitrate_bps(), 300_000, "one packet proves nothing yet");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod acked;
mod aimd;
mod estimator;
mod history;
mod inter_arrival;
mod loss;
mod pacer;
mod probe;
mod receiver;
mod seq;
mod trendline;

pub use estimator::{
    BweConfig, BweCounters, BweSnapshot, FeedbackError, FeedbackSummary, SendSideBwe,
};
pub use pacer::{PacedPacket, Pacer, PacerConfig, PacerCounters, PacerQueueFull};
pub use probe::ProbeCluster;
pub use receiver::{TwccReceiver, TwccReceiverConfig, TwccReceiverCounters};
pub use seq::{SeqUnwrapper, TRANSPORT_CC_URI, decode_transport_seq, encode_transport_seq};
pub use trendline::BandwidthUsage;
