//! Agent configuration.

use std::net::SocketAddr;
use std::time::Duration;

/// How the controlling agent nominates (RFC 8445 §8.1.1; aggressive is the RFC 5245 mode).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NominationMode {
    /// Checks first, then one extra check with USE-CANDIDATE on the chosen valid pair.
    Regular,
    /// Every check carries USE-CANDIDATE; the first pair to succeed is used at once.
    Aggressive,
}

/// A STUN server from RTCIceServer.urls, already resolved to an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StunServer {
    /// The url as configured, e.g. `stun:stun.example.org:3478` (reported in stats).
    pub url: String,
    pub address: SocketAddr,
}

/// A TURN server (RFC 8656) with long-term credentials, UDP transport.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TurnServer {
    /// The url as configured, e.g. `turn:turn.example.org:3478?transport=udp`.
    pub url: String,
    pub address: SocketAddr,
    pub username: String,
    pub password: String,
}

/// Everything the agent needs to start; timing defaults follow the RFCs.
#[derive(Clone, Debug)]
pub struct IceConfig {
    /// Local socket addresses; each becomes a host candidate and base.
    pub local_addresses: Vec<SocketAddr>,
    pub stun_servers: Vec<StunServer>,
    pub turn_servers: Vec<TurnServer>,
    /// RTCIceTransportPolicy "relay": only relay candidates are signalled and paired.
    pub relay_only: bool,
    /// Initial role (the offerer of a full-ICE session is controlling).
    pub controlling: bool,
    pub nomination: NominationMode,
    /// Pacing of new STUN transactions (RFC 8445 §14.2: 50 ms default).
    pub ta: Duration,
    /// Initial retransmission timeout of a check (RFC 8445 §14.3: at least 500 ms).
    pub initial_rto: Duration,
    /// Rc of RFC 8489 §6.2.1.
    pub max_request_transmits: u32,
    /// Rm of RFC 8489 §6.2.1: wait after the last retransmission, in units of RTO.
    pub last_wait_multiplier: u32,
    /// RFC 7675 §5.1: consent checks every 5 s, randomized to 0.8–1.2 of this.
    pub consent_interval: Duration,
    /// Without a consent response for this long the transport is "disconnected".
    pub disconnected_timeout: Duration,
    /// RFC 7675 §5.1: consent expires 30 s after the last response → "failed".
    pub consent_timeout: Duration,
    /// Regular nomination: nominate the best valid pair after this long even if
    /// higher-priority pairs are still being checked.
    pub regular_nomination_delay: Duration,
    pub max_remote_candidates: usize,
    /// RFC 8445 §6.1.2.5 recommends 100.
    pub max_pairs: usize,
    /// Stats id of the transport these pairs belong to.
    pub transport_id: String,
    /// Seed of the agent's random source (credentials, tie-breaker, transaction ids).
    pub seed: [u8; 32],
}

impl IceConfig {
    pub fn new(local_addresses: Vec<SocketAddr>, controlling: bool, seed: [u8; 32]) -> IceConfig {
        IceConfig {
            local_addresses,
            stun_servers: Vec::new(),
            turn_servers: Vec::new(),
            relay_only: false,
            controlling,
            nomination: NominationMode::Regular,
            ta: Duration::from_millis(50),
            initial_rto: Duration::from_millis(500),
            max_request_transmits: 7,
            last_wait_multiplier: 16,
            consent_interval: Duration::from_secs(5),
            disconnected_timeout: Duration::from_secs(10),
            consent_timeout: Duration::from_secs(30),
            regular_nomination_delay: Duration::from_millis(500),
            max_remote_candidates: 64,
            max_pairs: 100,
            transport_id: "T01".to_string(),
            seed,
        }
    }
}
