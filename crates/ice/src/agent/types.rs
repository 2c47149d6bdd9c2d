//! Public types of the agent's interface: roles, states, events, receive outcomes, errors.

use std::fmt;
use std::net::SocketAddr;

use super::relay::Framing;
use crate::candidate::Candidate;
use crate::pair::PairId;

/// The agent's role (RTCIceRole).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum IceRole {
    Controlling,
    Controlled,
}

impl IceRole {
    pub fn as_str(self) -> &'static str {
        match self {
            IceRole::Controlling => "controlling",
            IceRole::Controlled => "controlled",
        }
    }
}

/// RTCIceTransportState.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum IceTransportState {
    New,
    Checking,
    Connected,
    Completed,
    Disconnected,
    Failed,
    Closed,
}

impl IceTransportState {
    pub fn as_str(self) -> &'static str {
        match self {
            IceTransportState::New => "new",
            IceTransportState::Checking => "checking",
            IceTransportState::Connected => "connected",
            IceTransportState::Completed => "completed",
            IceTransportState::Disconnected => "disconnected",
            IceTransportState::Failed => "failed",
            IceTransportState::Closed => "closed",
        }
    }
}

/// Something the application should know about.
#[derive(Clone, Debug, PartialEq)]
pub enum IceEvent {
    /// A new local candidate to signal (trickle).
    LocalCandidate(Candidate),
    /// Gathering finished: signal end-of-candidates (RFC 8838 §8.2).
    GatheringComplete,
    StateChanged(IceTransportState),
    RoleChanged(IceRole),
    SelectedPairChanged {
        pair: PairId,
        local: SocketAddr,
        remote: SocketAddr,
    },
}

/// What `handle_receive` did with a datagram.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Received {
    /// STUN for the agent; nothing for the application.
    Stun,
    /// Application data (DTLS, RTP, ...) that arrived on `pair`; it is
    /// `datagram[start..start + len]` (not the whole datagram when a TURN server relayed
    /// it).
    Data {
        pair: PairId,
        start: usize,
        len: usize,
    },
    /// Dropped and counted; see `IceStatsSnapshot::discards`.
    Discarded(DiscardReason),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DiscardReason {
    Malformed(crate::stun::StunError),
    UnsupportedMethod,
    MissingAttributes,
    WrongUsername,
    BadIntegrity,
    UnknownTransaction,
    UnknownSource,
    UnknownLocalAddress,
    OverCapacity,
}

/// Where application data goes when sent on the selected pair.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Route {
    pub pair: PairId,
    /// Local socket to send from.
    pub source: SocketAddr,
    /// Where the UDP datagram goes (the TURN server for a relayed pair).
    pub destination: SocketAddr,
    /// How the payload must be framed (`frame_datagram`); `Framing::None` off relays.
    pub framing: Framing,
}

/// Why `send_data` refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SendError {
    NoSelectedPair,
    /// RFC 7675: consent expired, sending is no longer allowed.
    ConsentExpired,
    Closed,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for SendError {}

/// Why a remote candidate or credentials were refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RemoteError {
    TooManyCandidates,
    UnsupportedComponent,
    /// The candidate's ufrag is not the current remote ufrag (stale generation).
    WrongGeneration,
    /// ufrag 4..=256 and pwd 22..=256 ice-chars (RFC 8839 §5.4).
    BadCredentials,
    Closed,
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for RemoteError {}
