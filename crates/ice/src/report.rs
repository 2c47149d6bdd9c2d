//! Mapping the agent's snapshot to the W3C dictionaries of `rtcscope-stats`.

use std::time::{Duration, Instant};

use rtcscope_stats::{
    EpochClock, RTCIceCandidatePairStats, RTCIceCandidateStats, RTCIceCandidateType, RTCIceRole,
    RTCIceServerStats, RTCIceServerTransportProtocol, RTCIceTransportState, RTCStats,
    RTCStatsIceCandidatePairState, RTCStatsReport, RTCTransportStats,
};

use crate::candidate::CandidateType;
use crate::pair::PairState;
use crate::stats::{CandidateSnapshot, IceStatsSnapshot, PairSnapshot};
use crate::{IceRole, IceTransportState};

/// Which datagrams the pair's packets/bytes members count.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum PairTrafficCounting {
    /// W3C definition and Chrome's behaviour: application payload only, ICE connectivity
    /// checks excluded; `lastPacket*Timestamp` of non-STUN packets.
    #[default]
    ApplicationOnly,
    /// Everything on the 5-tuple, STUN included.
    AllTraffic,
}

/// Options of `IceStatsSnapshot::write_report`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ReportOptions {
    pub pair_traffic: PairTrafficCounting,
    /// Emit the obsolete `ice-server` objects (`IS<index>`).
    pub include_ice_servers: bool,
}

fn seconds(d: Duration) -> f64 {
    d.as_secs_f64()
}

impl From<PairState> for RTCStatsIceCandidatePairState {
    fn from(s: PairState) -> Self {
        match s {
            PairState::Frozen => RTCStatsIceCandidatePairState::Frozen,
            PairState::Waiting => RTCStatsIceCandidatePairState::Waiting,
            PairState::InProgress => RTCStatsIceCandidatePairState::InProgress,
            PairState::Succeeded => RTCStatsIceCandidatePairState::Succeeded,
            PairState::Failed => RTCStatsIceCandidatePairState::Failed,
        }
    }
}

impl From<IceRole> for RTCIceRole {
    fn from(r: IceRole) -> Self {
        match r {
            IceRole::Controlling => RTCIceRole::Controlling,
            IceRole::Controlled => RTCIceRole::Controlled,
        }
    }
}

impl From<IceTransportState> for RTCIceTransportState {
    fn from(s: IceTransportState) -> Self {
        match s {
            IceTransportState::New => RTCIceTransportState::New,
            IceTransportState::Checking => RTCIceTransportState::Checking,
            IceTransportState::Connected => RTCIceTransportState::Connected,
            IceTransportState::Completed => RTCIceTransportState::Completed,
            IceTransportState::Disconnected => RTCIceTransportState::Disconnected,
            IceTransportState::Failed => RTCIceTransportState::Failed,
            IceTransportState::Closed => RTCIceTransportState::Closed,
        }
    }
}

impl From<CandidateType> for RTCIceCandidateType {
    fn from(t: CandidateType) -> Self {
        match t {
            CandidateType::Host => RTCIceCandidateType::Host,
            CandidateType::ServerReflexive => RTCIceCandidateType::Srflx,
            CandidateType::PeerReflexive => RTCIceCandidateType::Prflx,
            CandidateType::Relay => RTCIceCandidateType::Relay,
        }
    }
}

impl IceStatsSnapshot {
    /// The candidate-pair dictionary of one pair.
    pub fn candidate_pair_stats(
        &self,
        pair: &PairSnapshot,
        clock: &EpochClock,
        now: Instant,
        options: &ReportOptions,
    ) -> RTCIceCandidatePairStats {
        let c = &pair.counters;
        let all = options.pair_traffic == PairTrafficCounting::AllTraffic;
        let latest = |a: Option<Instant>, b: Option<Instant>| match (a, b) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let (last_sent, last_received) = if all {
            (
                latest(c.last_data_sent, c.last_stun_sent),
                latest(c.last_data_received, c.last_stun_received),
            )
        } else {
            (c.last_data_sent, c.last_data_received)
        };
        let stun = |n: u64| if all { n } else { 0 };
        RTCIceCandidatePairStats {
            id: pair.stats_id.clone(),
            timestamp: clock.unix_ms(now),
            transport_id: self.transport_id.clone(),
            local_candidate_id: pair.local_candidate_stats_id.clone(),
            remote_candidate_id: pair.remote_candidate_stats_id.clone(),
            state: pair.state.into(),
            nominated: Some(pair.nominated),
            packets_sent: Some(c.data_packets_sent + stun(c.stun_packets_sent)),
            packets_received: Some(c.data_packets_received + stun(c.stun_packets_received)),
            bytes_sent: Some(c.data_bytes_sent + stun(c.stun_bytes_sent)),
            bytes_received: Some(c.data_bytes_received + stun(c.stun_bytes_received)),
            last_packet_sent_timestamp: last_sent.map(|t| clock.unix_ms(t)),
            last_packet_received_timestamp: last_received.map(|t| clock.unix_ms(t)),
            total_round_trip_time: Some(seconds(c.total_round_trip_time)),
            current_round_trip_time: c.current_round_trip_time.map(seconds),
            requests_sent: Some(c.requests_sent),
            requests_received: Some(c.requests_received),
            responses_sent: Some(c.responses_sent),
            responses_received: Some(c.responses_received),
            consent_requests_sent: Some(c.consent_requests_sent),
            packets_discarded_on_send: Some(c.packets_discarded_on_send),
            bytes_discarded_on_send: Some(c.bytes_discarded_on_send),
            ..Default::default()
        }
    }

    /// The local-candidate / remote-candidate dictionary.
    pub fn candidate_stats(
        &self,
        candidate: &CandidateSnapshot,
        clock: &EpochClock,
        now: Instant,
    ) -> RTCIceCandidateStats {
        let c = &candidate.candidate;
        let remote = candidate.is_remote;
        // A remote peer-reflexive address was never given to us by the application: the
        // spec keeps it (and its ufrag) hidden.
        let hidden = remote && c.kind == CandidateType::PeerReflexive;
        let related = match c.kind {
            CandidateType::Host => None,
            _ => c.related_address,
        };
        RTCIceCandidateStats {
            id: candidate.stats_id.clone(),
            timestamp: clock.unix_ms(now),
            transport_id: self.transport_id.clone(),
            address: (!hidden).then(|| c.address.ip().to_string()),
            port: Some(i32::from(c.address.port())),
            protocol: Some("udp".to_string()),
            candidate_type: c.kind.into(),
            priority: i32::try_from(c.priority).ok(),
            foundation: Some(c.foundation.clone()),
            related_address: related.map(|a| a.ip().to_string()),
            related_port: related.map(|a| i32::from(a.port())),
            url: if remote { None } else { c.url.clone() },
            relay_protocol: (!remote && c.kind == CandidateType::Relay)
                .then_some(RTCIceServerTransportProtocol::Udp),
            tcp_type: None,
            username_fragment: (!hidden && !c.username_fragment.is_empty())
                .then(|| c.username_fragment.clone()),
            ..Default::default()
        }
    }

    /// Fills the ICE members of the transport object (the DTLS owner fills the rest).
    pub fn fill_transport(&self, transport: &mut RTCTransportStats) {
        transport.ice_role = Some(self.transport.role.into());
        transport.ice_local_username_fragment =
            Some(self.transport.local_username_fragment.clone());
        transport.ice_state = Some(self.transport.state.into());
        transport.selected_candidate_pair_id =
            self.transport.selected_candidate_pair_stats_id.clone();
        transport.selected_candidate_pair_changes =
            Some(self.transport.selected_candidate_pair_changes);
        transport.packets_sent = Some(self.transport.counters.packets_sent);
        transport.packets_received = Some(self.transport.counters.packets_received);
        transport.bytes_sent = Some(self.transport.counters.bytes_sent);
        transport.bytes_received = Some(self.transport.counters.bytes_received);
    }

    /// Inserts every candidate pair (all states), every local and remote candidate and, if
    /// asked, the ice-server objects.
    pub fn write_report(
        &self,
        clock: &EpochClock,
        now: Instant,
        options: &ReportOptions,
        report: &mut RTCStatsReport,
    ) {
        for pair in &self.pairs {
            report.insert(self.candidate_pair_stats(pair, clock, now, options));
        }
        for c in &self.local_candidates {
            report.insert(RTCStats::LocalCandidate(
                self.candidate_stats(c, clock, now),
            ));
        }
        for c in &self.remote_candidates {
            report.insert(RTCStats::RemoteCandidate(
                self.candidate_stats(c, clock, now),
            ));
        }
        if options.include_ice_servers {
            for (index, s) in self.ice_servers.iter().enumerate() {
                report.insert(RTCIceServerStats {
                    id: format!("IS{index}"),
                    timestamp: clock.unix_ms(now),
                    url: s.url.clone(),
                    port: (s.port != 0).then_some(i32::from(s.port)),
                    relay_protocol: s.relay_protocol.clone(),
                    total_requests_sent: Some(
                        u32::try_from(s.total_requests_sent).unwrap_or(u32::MAX),
                    ),
                    total_responses_received: Some(
                        u32::try_from(s.total_responses_received).unwrap_or(u32::MAX),
                    ),
                    total_round_trip_time: Some(seconds(s.total_round_trip_time)),
                    ..Default::default()
                });
            }
        }
    }
}
