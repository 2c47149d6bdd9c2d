//! The seam between the HTTP layer and the media sessions: handlers only ever
//! call a [`SessionBackend`], so the routes are testable without any media.

use rtcscope_stats::RTCStatsReport;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

/// A boxed `Send` future: keeps [`SessionBackend`] usable as `dyn`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The id of one session, as it appears in `Location: /whip/{id}` and in the
/// stats API. Chosen by the backend; must be URL-path safe.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(pub String);

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which endpoint created the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// WHIP: the client publishes, the server receives.
    Whip,
    /// WHEP: the server sends, the client plays.
    Whep,
}

impl Direction {
    /// The lower-case name, which is also the URL path segment.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Whip => "whip",
            Direction::Whep => "whep",
        }
    }
}

/// One row of `GET /api/connections`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionInfo {
    pub id: SessionId,
    pub direction: Direction,
    /// The `RTCPeerConnectionState` value ("new", "connecting", "connected", …).
    pub state: String,
    /// Creation time in milliseconds since the Unix epoch (like stats timestamps).
    pub created_ms: f64,
}

/// The `selector` argument of getStats, by track id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    Sender(String),
    Receiver(String),
}

impl Selector {
    /// Parses the query form `sender:TRACK` / `receiver:TRACK`.
    pub fn parse(text: &str) -> Option<Selector> {
        let (side, track) = text.split_once(':')?;
        if track.is_empty() {
            return None;
        }
        match side {
            "sender" => Some(Selector::Sender(track.to_string())),
            "receiver" => Some(Selector::Receiver(track.to_string())),
            _ => None,
        }
    }
}

/// Why a backend refused a request; each maps to one HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionError {
    /// The offer is not usable SDP (unparsable, no ICE or DTLS attributes, …): 400.
    BadSdp(String),
    /// The offer lists no codec the server can handle: 400, with the reason.
    NoUsableCodec(String),
    /// The server is at its connection limit: 503.
    TooManyConnections,
    /// No session with that id: 404.
    NotFound,
    /// No sender/receiver matches the stats selector: 400.
    BadSelector(String),
    /// Anything else that is the server's fault: 500.
    Internal(String),
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::BadSdp(m) => write!(f, "bad SDP offer: {m}"),
            SessionError::NoUsableCodec(m) => write!(f, "no usable codec in the offer: {m}"),
            SessionError::TooManyConnections => f.write_str("too many connections, try later"),
            SessionError::NotFound => f.write_str("no such session"),
            SessionError::BadSelector(m) => write!(f, "bad stats selector: {m}"),
            SessionError::Internal(m) => write!(f, "internal error: {m}"),
        }
    }
}

impl std::error::Error for SessionError {}

/// What the HTTP handlers need from the media side.
pub trait SessionBackend: Send + Sync + 'static {
    /// WHIP: answers an offer that sends media to us; returns the new session's id
    /// and the SDP answer.
    fn publish(
        &self,
        offer_sdp: String,
    ) -> BoxFuture<'_, Result<(SessionId, String), SessionError>>;
    /// WHEP: answers an offer that receives media from us.
    fn play(&self, offer_sdp: String) -> BoxFuture<'_, Result<(SessionId, String), SessionError>>;
    /// Ends a session (`DELETE /whip/{id}`).
    fn delete(&self, id: SessionId) -> BoxFuture<'_, Result<(), SessionError>>;
    /// The live sessions.
    fn list(&self) -> Vec<ConnectionInfo>;
    /// The session's getStats(selector).
    fn stats(
        &self,
        id: SessionId,
        selector: Option<Selector>,
    ) -> BoxFuture<'_, Result<RTCStatsReport, SessionError>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selector_parses_side_and_track_id() {
        assert_eq!(
            Selector::parse("sender:mic"),
            Some(Selector::Sender("mic".into()))
        );
        // Only the first colon separates: the track id keeps the rest.
        assert_eq!(
            Selector::parse("receiver:a:b"),
            Some(Selector::Receiver("a:b".into()))
        );
        for bad in ["", "sender", "sender:", ":mic", "Sender:mic", "track:mic"] {
            assert_eq!(Selector::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn errors_read_as_messages() {
        assert_eq!(
            SessionError::BadSdp("no a=fingerprint".into()).to_string(),
            "bad SDP offer: no a=fingerprint"
        );
        assert_eq!(Direction::Whep.as_str(), "whep");
    }
}
