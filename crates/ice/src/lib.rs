//! rtcscope-ice: a sans-IO ICE agent (RFC 8445 full ICE, RFC 8838 trickle, RFC 7675 consent)
//! with our own STUN codec and statistics for every candidate pair.
//!
//! The agent (`IceAgent`) owns no sockets and reads no clock: feed it datagrams with
//! `handle_receive`, time with `handle_timeout`, and drain `poll_transmit` / `poll_event`;
//! `poll_timeout` says when to call back.

#![forbid(unsafe_code)]

mod agent;
pub mod candidate;
mod config;
#[cfg(feature = "tokio-driver")]
pub mod driver;
pub mod pair;
pub mod report;
mod rng;
pub mod stats;
pub mod stun;

pub use agent::{
    DiscardReason, Framing, IceAgent, IceEvent, IceRole, IceTransportState, MAX_STUN_MESSAGE,
    MAX_TRANSMIT, Received, RemoteError, Route, SendError, Transmit, frame_datagram,
};
pub use candidate::{Candidate, CandidateId, CandidateType, RemoteCandidate};
pub use config::{IceConfig, NominationMode, StunServer, TurnServer};
pub use pair::{PairId, PairState};
pub use report::{PairTrafficCounting, ReportOptions};
pub use stats::{IceStatsSnapshot, PairCounters};
