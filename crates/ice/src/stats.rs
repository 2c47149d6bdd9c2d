//! Plain counters kept by the agent, and the snapshot it hands out.
//!
//! Times are `Instant`s here; mapping to epoch milliseconds and to the W3C dictionaries
//! happens in `report` (through `rtcscope_stats::EpochClock` once that crate exists).

use std::time::{Duration, Instant};

use crate::candidate::Candidate;
use crate::pair::{PairId, PairState};
use crate::{IceRole, IceTransportState};

/// Per-pair counters. Application data and STUN are counted separately so both the
/// W3C definition (payload only) and "all traffic" can be reported.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PairCounters {
    /// Application (non-STUN) datagrams sent through `send_data` on this pair.
    pub data_packets_sent: u64,
    pub data_bytes_sent: u64,
    pub data_packets_received: u64,
    pub data_bytes_received: u64,
    /// STUN datagrams (requests incl. retransmissions, responses, indications).
    pub stun_packets_sent: u64,
    pub stun_bytes_sent: u64,
    pub stun_packets_received: u64,
    pub stun_bytes_received: u64,
    pub last_data_sent: Option<Instant>,
    pub last_data_received: Option<Instant>,
    pub last_stun_sent: Option<Instant>,
    pub last_stun_received: Option<Instant>,
    /// Connectivity-check and consent requests sent, retransmissions not included.
    pub requests_sent: u64,
    /// Requests received, retransmissions included (they cannot be told apart).
    pub requests_received: u64,
    pub responses_sent: u64,
    pub responses_received: u64,
    pub consent_requests_sent: u64,
    pub retransmissions_sent: u64,
    pub total_round_trip_time: Duration,
    pub current_round_trip_time: Option<Duration>,
    pub round_trip_time_measurements: u64,
    pub packets_discarded_on_send: u32,
    pub bytes_discarded_on_send: u64,
}

/// Inbound datagrams the agent dropped, by reason. Nothing counted here was answered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiscardCounters {
    /// Not decodable as STUN although it looked like STUN (truncated, bad lengths,
    /// bad FINGERPRINT, ...).
    pub malformed: u64,
    /// STUN method other than Binding.
    pub unsupported_method: u64,
    /// A request without USERNAME, MESSAGE-INTEGRITY, FINGERPRINT or PRIORITY.
    pub missing_attributes: u64,
    pub wrong_username: u64,
    pub bad_integrity: u64,
    /// A response whose transaction id we never sent (or already completed).
    pub unknown_transaction: u64,
    /// Non-STUN data from an address that is not the remote side of any pair.
    pub unknown_source: u64,
    /// Arrived on a local address that is not one of our bases.
    pub unknown_local_address: u64,
    /// Dropped because a cap (remote candidates, pairs) was reached.
    pub over_capacity: u64,
}

impl DiscardCounters {
    pub fn total(&self) -> u64 {
        self.malformed
            + self.unsupported_method
            + self.missing_attributes
            + self.wrong_username
            + self.bad_integrity
            + self.unknown_transaction
            + self.unknown_source
            + self.unknown_local_address
            + self.over_capacity
    }
}

/// One candidate pair as seen at snapshot time.
#[derive(Clone, Debug, PartialEq)]
pub struct PairSnapshot {
    pub id: PairId,
    /// `CP<local>_<remote>` (Chrome's format).
    pub stats_id: String,
    pub local_candidate_stats_id: String,
    pub remote_candidate_stats_id: String,
    pub state: PairState,
    pub nominated: bool,
    pub selected: bool,
    pub priority: u64,
    pub counters: PairCounters,
}

/// One local or remote candidate.
#[derive(Clone, Debug, PartialEq)]
pub struct CandidateSnapshot {
    /// `I<id>`.
    pub stats_id: String,
    pub is_remote: bool,
    pub candidate: Candidate,
}

/// Per STUN server (the obsolete `ice-server` stats type).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IceServerSnapshot {
    pub url: String,
    /// The local (client) port the requests were sent from.
    pub port: u16,
    pub relay_protocol: Option<String>,
    pub total_requests_sent: u64,
    pub total_responses_received: u64,
    pub total_round_trip_time: Duration,
}

/// Application data over all pairs the transport ever had (pairs removed by an ICE
/// restart keep contributing, so these never decrease).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TransportCounters {
    pub packets_sent: u64,
    pub bytes_sent: u64,
    pub packets_received: u64,
    pub bytes_received: u64,
}

/// The ICE facts of the transport stats object.
#[derive(Clone, Debug, PartialEq)]
pub struct IceTransportSnapshot {
    pub role: IceRole,
    pub local_username_fragment: String,
    pub state: IceTransportState,
    pub selected_candidate_pair_stats_id: Option<String>,
    pub selected_candidate_pair_changes: u32,
    pub counters: TransportCounters,
}

/// Everything the agent knows for `getStats()`.
#[derive(Clone, Debug, PartialEq)]
pub struct IceStatsSnapshot {
    pub transport_id: String,
    pub pairs: Vec<PairSnapshot>,
    pub local_candidates: Vec<CandidateSnapshot>,
    pub remote_candidates: Vec<CandidateSnapshot>,
    pub ice_servers: Vec<IceServerSnapshot>,
    pub transport: IceTransportSnapshot,
    pub discards: DiscardCounters,
}

impl IceStatsSnapshot {
    pub fn pair(&self, stats_id: &str) -> Option<&PairSnapshot> {
        self.pairs.iter().find(|p| p.stats_id == stats_id)
    }
}

/// Stats id of a candidate.
pub fn candidate_stats_id(id: crate::CandidateId) -> String {
    format!("I{id}")
}

/// Stats id of a pair from its candidates' ids.
pub fn pair_stats_id(local: crate::CandidateId, remote: crate::CandidateId) -> String {
    format!("CP{local}_{remote}")
}
