//! The sans-IO ICE agent: bytes and time in, bytes, events and timeouts out.

mod checks;
mod inbound;
mod outbound;
mod relay;
mod signaling;
mod snapshot;
mod state;
mod types;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::candidate::{
    COMPONENT_RTP, Candidate, CandidateId, CandidateType, candidate_priority, compute_foundation,
};
use crate::config::IceConfig;
use crate::pair::{Pair, PairId};
use crate::rng::Rng;
use crate::stats::{DiscardCounters, IceServerSnapshot, TransportCounters};
use crate::stun::TransactionId;

pub use outbound::{MAX_STUN_MESSAGE, MAX_TRANSMIT, Transmit};
use relay::{Allocation, TurnRequest};
pub use relay::{Framing, frame_datagram};
pub use types::{
    DiscardReason, IceEvent, IceRole, IceTransportState, Received, RemoteError, Route, SendError,
};

#[derive(Clone, Debug)]
pub(crate) struct Credentials {
    pub(crate) ufrag: String,
    pub(crate) pwd: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TxKind {
    Check {
        pair: PairId,
        use_candidate: bool,
        /// Our role when the request was sent (a 487 only flips a role still held).
        controlling: bool,
    },
    Consent {
        pair: PairId,
    },
    ServerBinding {
        server: usize,
        base: SocketAddr,
    },
    Turn {
        allocation: usize,
        request: TurnRequest,
    },
}

#[derive(Clone, Debug)]
pub(crate) struct Transaction {
    pub(crate) id: TransactionId,
    pub(crate) kind: TxKind,
    pub(crate) source: SocketAddr,
    pub(crate) destination: SocketAddr,
    pub(crate) last_sent: Instant,
    pub(crate) transmits: u32,
    pub(crate) deadline: Instant,
    pub(crate) message: [u8; MAX_STUN_MESSAGE],
    pub(crate) len: usize,
}

/// A gathering transaction to start at the next Ta tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GatherJob {
    ServerBinding { server: usize, base: SocketAddr },
    Allocate { allocation: usize },
}

#[derive(Clone, Debug)]
pub(crate) struct ServerState {
    pub(crate) url: String,
    pub(crate) address: SocketAddr,
    pub(crate) stats: IceServerSnapshot,
}

/// The ICE agent. One component, one data stream (BUNDLE + rtcp-mux as in WebRTC).
pub struct IceAgent {
    pub(crate) config: IceConfig,
    pub(crate) rng: Rng,
    pub(crate) controlling: bool,
    pub(crate) tie_breaker: u64,
    pub(crate) local_credentials: Credentials,
    pub(crate) remote_credentials: Option<Credentials>,
    pub(crate) generation: u32,
    /// Bumped whenever the peer's credentials change (its ICE restart).
    pub(crate) remote_generation: u32,
    pub(crate) next_id: u64,
    pub(crate) local_candidates: Vec<Candidate>,
    pub(crate) remote_candidates: Vec<Candidate>,
    pub(crate) pairs: Vec<Pair>,
    pub(crate) triggered: VecDeque<PairId>,
    pub(crate) transactions: Vec<Transaction>,
    pub(crate) servers: Vec<ServerState>,
    pub(crate) allocations: Vec<Allocation>,
    /// Gathering transactions waiting for their Ta slot (RFC 8445 §14.2).
    pub(crate) gather_jobs: VecDeque<GatherJob>,
    pub(crate) gathering_complete: bool,
    pub(crate) remote_end_of_candidates: bool,
    pub(crate) next_pacing: Option<Instant>,
    pub(crate) selected: Option<PairId>,
    pub(crate) selected_changes: u32,
    pub(crate) last_consent: Option<Instant>,
    pub(crate) next_consent_check: Option<Instant>,
    pub(crate) consent_expired: bool,
    pub(crate) first_valid_at: Option<Instant>,
    pub(crate) state: IceTransportState,
    pub(crate) closed: bool,
    pub(crate) transmits: VecDeque<Transmit>,
    pub(crate) events: VecDeque<IceEvent>,
    pub(crate) discards: DiscardCounters,
    pub(crate) transport_counters: TransportCounters,
}

impl IceAgent {
    /// Creates the agent, its host candidates (queued as events) and starts gathering
    /// server-reflexive candidates from the configured STUN servers.
    pub fn new(config: IceConfig, now: Instant) -> IceAgent {
        let mut rng = Rng::new(config.seed);
        let tie_breaker = rng.next_u64();
        let local_credentials = Credentials {
            ufrag: rng.ice_string(8),
            pwd: rng.ice_string(24),
        };
        let servers = config
            .stun_servers
            .iter()
            .map(|s| ServerState {
                url: s.url.clone(),
                address: s.address,
                stats: IceServerSnapshot {
                    url: s.url.clone(),
                    port: 0,
                    relay_protocol: Some("udp".to_string()),
                    ..Default::default()
                },
            })
            .collect();
        let mut agent = IceAgent {
            controlling: config.controlling,
            config,
            rng,
            tie_breaker,
            local_credentials,
            remote_credentials: None,
            generation: 0,
            remote_generation: 0,
            next_id: 1,
            local_candidates: Vec::new(),
            remote_candidates: Vec::new(),
            pairs: Vec::new(),
            triggered: VecDeque::new(),
            transactions: Vec::new(),
            servers,
            allocations: Vec::new(),
            gather_jobs: VecDeque::new(),
            gathering_complete: false,
            remote_end_of_candidates: false,
            next_pacing: None,
            selected: None,
            selected_changes: 0,
            last_consent: None,
            next_consent_check: None,
            consent_expired: false,
            first_valid_at: None,
            state: IceTransportState::New,
            closed: false,
            transmits: VecDeque::with_capacity(64),
            events: VecDeque::new(),
            discards: DiscardCounters::default(),
            transport_counters: TransportCounters::default(),
        };
        agent.gather(now);
        agent
    }

    pub(crate) fn allocate_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Host candidates now; one Binding request per (STUN server, base of the same family)
    /// paced by Ta.
    fn gather(&mut self, now: Instant) {
        let addresses = self.config.local_addresses.clone();
        if self.allocations.is_empty() {
            self.start_allocations();
        } else {
            // ICE restart: the allocations stay, their relayed addresses become candidates
            // of the new generation.
            for index in 0..self.allocations.len() {
                if let Some(relayed) = self.allocations[index].relayed {
                    self.add_relay_candidate(now, index, relayed, None);
                }
            }
        }
        if self.config.relay_only {
            self.arm_gather_pacing(now);
            self.check_gathering_complete();
            return;
        }
        for (index, address) in addresses.iter().enumerate() {
            let local_preference =
                65535u16.saturating_sub(u16::try_from(index).unwrap_or(u16::MAX));
            let id = CandidateId(self.allocate_id());
            let candidate = Candidate {
                id,
                kind: CandidateType::Host,
                address: *address,
                base: *address,
                related_address: None,
                priority: candidate_priority(CandidateType::Host, local_preference, COMPONENT_RTP),
                foundation: compute_foundation(CandidateType::Host, address.ip(), None),
                component: COMPONENT_RTP,
                username_fragment: self.local_credentials.ufrag.clone(),
                url: None,
                generation: self.generation,
            };
            self.local_candidates.push(candidate.clone());
            self.events.push_back(IceEvent::LocalCandidate(candidate));
            self.pair_new_local(now, id);
        }
        for server in 0..self.servers.len() {
            for base in &addresses {
                if base.is_ipv4() == self.servers[server].address.is_ipv4() {
                    self.gather_jobs.push_back(GatherJob::ServerBinding {
                        server,
                        base: *base,
                    });
                }
            }
        }
        self.arm_gather_pacing(now);
        self.check_gathering_complete();
    }

    fn arm_gather_pacing(&mut self, now: Instant) {
        if !self.gather_jobs.is_empty() && self.next_pacing.is_none() {
            self.next_pacing = Some(now);
        }
    }

    pub(crate) fn check_gathering_complete(&mut self) {
        if self.gathering_complete {
            return;
        }
        let pending = !self.gather_jobs.is_empty()
            || self.transactions.iter().any(|t| {
                matches!(
                    t.kind,
                    TxKind::ServerBinding { .. }
                        | TxKind::Turn {
                            request: TurnRequest::Allocate,
                            ..
                        }
                )
            });
        if !pending {
            self.gathering_complete = true;
            self.events.push_back(IceEvent::GatheringComplete);
        }
    }

    /// The local ufrag and password to signal.
    pub fn local_credentials(&self) -> (&str, &str) {
        (&self.local_credentials.ufrag, &self.local_credentials.pwd)
    }

    pub fn role(&self) -> IceRole {
        if self.controlling {
            IceRole::Controlling
        } else {
            IceRole::Controlled
        }
    }

    /// The tie-breaker sent in ICE-CONTROLLING/ICE-CONTROLLED (RFC 8445 §7.1.3).
    pub fn tie_breaker(&self) -> u64 {
        self.tie_breaker
    }

    pub fn state(&self) -> IceTransportState {
        self.state
    }

    pub fn local_candidates(&self) -> &[Candidate] {
        &self.local_candidates
    }

    pub fn remote_candidates(&self) -> &[Candidate] {
        &self.remote_candidates
    }

    pub fn selected_pair(&self) -> Option<PairId> {
        self.selected
    }

    pub fn discards(&self) -> DiscardCounters {
        self.discards
    }

    /// Closes the agent: no more checks, transmits or data.
    pub fn close(&mut self, now: Instant) {
        self.closed = true;
        self.transactions.clear();
        self.gather_jobs.clear();
        self.triggered.clear();
        self.transmits.clear();
        self.update_state(now);
    }

    /// Next datagram to put on the wire.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<IceEvent> {
        self.events.pop_front()
    }

    /// When `handle_timeout` must be called next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.closed {
            return None;
        }
        let mut earliest: Option<Instant> = None;
        let mut consider = |t: Option<Instant>| {
            if let Some(t) = t {
                earliest = Some(earliest.map_or(t, |e| e.min(t)));
            }
        };
        consider(self.next_pacing);
        for t in &self.transactions {
            consider(Some(t.deadline));
        }
        consider(self.next_consent_check);
        consider(self.relay_deadline());
        if let Some(last) = self.last_consent
            && !self.consent_expired
        {
            if self.state != IceTransportState::Disconnected {
                consider(Some(last + self.config.disconnected_timeout));
            }
            consider(Some(last + self.config.consent_timeout));
        }
        if let Some(first) = self.first_valid_at
            && self.nomination_pending()
        {
            consider(Some(first + self.config.regular_nomination_delay));
        }
        earliest
    }

    /// Drives retransmissions, pacing, consent and state timers.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.closed {
            return;
        }
        self.retransmit_due(now);
        if self.next_pacing.is_some_and(|t| t <= now) {
            self.next_pacing = None;
            self.pace(now);
        }
        self.maybe_nominate(now);
        self.consent_tick(now);
        self.relay_timers(now);
        self.update_state(now);
    }

    /// Sends application data on the selected pair: counts it and returns where to send
    /// it (the caller writes `data` itself, so nothing is copied).
    pub fn send_data(&mut self, now: Instant, data: &[u8]) -> Result<Route, SendError> {
        if self.closed {
            return Err(SendError::Closed);
        }
        if self.consent_expired {
            return Err(SendError::ConsentExpired);
        }
        let id = self.selected.ok_or(SendError::NoSelectedPair)?;
        let pair = self.pair_mut(id).ok_or(SendError::NoSelectedPair)?;
        pair.counters.data_packets_sent += 1;
        pair.counters.data_bytes_sent += data.len() as u64;
        pair.counters.last_data_sent = Some(now);
        let (local, remote) = (pair.local_base, pair.remote_address);
        let route = match self.relay_route(local, remote) {
            Some((source, destination, framing)) => Route {
                pair: id,
                source,
                destination,
                framing,
            },
            None => Route {
                pair: id,
                source: local,
                destination: remote,
                framing: Framing::None,
            },
        };
        self.transport_counters.packets_sent += 1;
        self.transport_counters.bytes_sent += data.len() as u64;
        Ok(route)
    }

    /// The driver could not hand a datagram of `len` bytes for `pair` to the socket
    /// (packetsDiscardedOnSend / bytesDiscardedOnSend). The datagram was counted as sent by
    /// `send_data`; it is moved to the discarded counters.
    pub fn report_send_failure(&mut self, pair: PairId, len: usize) {
        let Some(pair) = self.pairs.iter_mut().find(|p| p.id == pair) else {
            return;
        };
        {
            pair.counters.packets_discarded_on_send =
                pair.counters.packets_discarded_on_send.saturating_add(1);
            pair.counters.bytes_discarded_on_send += len as u64;
            pair.counters.data_packets_sent = pair.counters.data_packets_sent.saturating_sub(1);
            pair.counters.data_bytes_sent =
                pair.counters.data_bytes_sent.saturating_sub(len as u64);
            self.transport_counters.packets_sent =
                self.transport_counters.packets_sent.saturating_sub(1);
            self.transport_counters.bytes_sent = self
                .transport_counters
                .bytes_sent
                .saturating_sub(len as u64);
        }
    }

    pub(crate) fn pair(&self, id: PairId) -> Option<&Pair> {
        self.pairs.iter().find(|p| p.id == id)
    }

    pub(crate) fn pair_mut(&mut self, id: PairId) -> Option<&mut Pair> {
        self.pairs.iter_mut().find(|p| p.id == id)
    }

    /// The pair a datagram on this 5-tuple belongs to. Across an ICE restart two pairs can
    /// share a 5-tuple: application data goes to the selected pair, STUN to the current
    /// generation's pair.
    pub(crate) fn pair_by_addresses(
        &self,
        local_base: SocketAddr,
        remote: SocketAddr,
        for_stun: bool,
    ) -> Option<PairId> {
        let matching = |p: &&Pair| p.local_base == local_base && p.remote_address == remote;
        if !for_stun
            && let Some(selected) = self.selected.and_then(|id| self.pair(id))
            && matching(&selected)
        {
            return Some(selected.id);
        }
        self.pairs
            .iter()
            .filter(matching)
            .max_by_key(|p| (p.generation == self.generation, p.priority))
            .map(|p| p.id)
    }

    /// Time until Ta-paced work, for tests and drivers that want to know.
    pub fn ta(&self) -> Duration {
        self.config.ta
    }
}
