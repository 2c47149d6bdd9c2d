//! The real [`SessionBackend`]: one [`RTCPeerConnection`] per session, each
//! driven by its own tokio task (`rtcscope_peer::pc_driver`) on its own UDP
//! socket. WHIP sessions receive (and echo every data-channel message back);
//! WHEP sessions send audio and video. A session whose connection fails or
//! closes is removed; one session's trouble never touches another's.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rtcscope_dtls::DtlsState;
use rtcscope_peer::pc_driver::{CallError, PeerConnectionHandle, spawn};
use rtcscope_peer::pipeline::RealMediaConfig;
use rtcscope_peer::{
    MediaStreamTrack, PeerConnectionError, PeerConnectionEvent, RTCConfiguration,
    RTCPeerConnection, RTCPeerConnectionState, RTCSessionDescription, RtpReceiver, RtpSender,
    StatsSelector,
};
use rtcscope_sctp::DataChannelMessage;
use rtcscope_sdp::{SdpType, SessionDescription};
use rtcscope_stats::{EpochClock, MediaKind, RTCStatsReport};
use tokio::net::UdpSocket;

use crate::backend::{
    BoxFuture, ConnectionInfo, Direction, Selector, SessionBackend, SessionError, SessionId,
};

/// How long the answer waits for our host candidates (they come right after
/// setLocalDescription; this only bounds a misbehaving core).
const GATHERING_WAIT: Duration = Duration::from_millis(500);
/// Track ids a session remembers for selectors (bounded by the core's own
/// transceiver cap; this bounds the map whatever the remote offers).
const MAX_TRACKS_PER_SESSION: usize = 64;
/// How often a session checks whether the peer ended DTLS (close_notify).
const DTLS_CHECK: Duration = Duration::from_millis(500);

/// Where sessions bind and how many may live at once.
#[derive(Debug, Clone)]
pub struct PeerBackendConfig {
    /// The address our UDP sockets bind to (port chosen by the OS); it is
    /// also the only host candidate we offer.
    pub udp_ip: IpAddr,
    /// Live sessions beyond which publish/play answer `TooManyConnections`.
    pub max_connections: usize,
    /// `Some`: WHEP sends the H.264 test pattern and Opus audio, WHIP decodes
    /// what it receives (frames/audio members in its stats). `None`: synthetic
    /// payloads out and packet-level accounting in (cheap, for tests).
    pub real_media: Option<RealMediaConfig>,
}

/// The [`SessionBackend`] over real peer connections.
#[derive(Clone)]
pub struct PeerBackend {
    inner: Arc<Inner>,
}

struct Inner {
    config: PeerBackendConfig,
    sessions: Mutex<HashMap<SessionId, Session>>,
    next_id: AtomicU64,
    /// Distinct seeds per session (ICE credentials, SSRCs), varied per process.
    seed_base: u64,
}

struct Session {
    handle: PeerConnectionHandle,
    direction: Direction,
    created_ms: f64,
    shared: Arc<Mutex<SessionShared>>,
}

/// What the session's event task learns and the HTTP side reads.
#[derive(Default)]
struct SessionShared {
    state: Option<RTCPeerConnectionState>,
    senders: HashMap<String, RtpSender>,
    receivers: HashMap<String, RtpReceiver>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not take every later request down with it.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs_f64()
        * 1000.0
}

/// `RTCPeerConnectionState` as the JS enum value.
fn state_name(state: Option<RTCPeerConnectionState>) -> &'static str {
    match state {
        None | Some(RTCPeerConnectionState::New) => "new",
        Some(RTCPeerConnectionState::Connecting) => "connecting",
        Some(RTCPeerConnectionState::Connected) => "connected",
        Some(RTCPeerConnectionState::Disconnected) => "disconnected",
        Some(RTCPeerConnectionState::Failed) => "failed",
        Some(RTCPeerConnectionState::Closed) => "closed",
    }
}

/// Maps a refusal of the offer onto the HTTP-facing error.
fn offer_error(e: CallError) -> SessionError {
    match e {
        CallError::Refused(
            e @ (PeerConnectionError::InvalidSdp(_)
            | PeerConnectionError::Negotiation(_)
            | PeerConnectionError::Transport(_)
            | PeerConnectionError::InvalidState(_)
            | PeerConnectionError::InvalidCandidate(_)),
        ) => SessionError::BadSdp(e.to_string()),
        other => SessionError::Internal(other.to_string()),
    }
}

/// `NoUsableCodec` when the offer asks for audio/video and the answer had to
/// reject every such m-section (nothing we can decode or encode).
fn check_codecs(offer: &SessionDescription, answer_sdp: &str) -> Result<(), SessionError> {
    let offered: Vec<&str> = offer
        .media
        .iter()
        .filter(|s| s.kind.is_rtp() && !s.is_rejected())
        .map(|s| s.mid.as_str())
        .collect();
    if offered.is_empty() {
        return Ok(());
    }
    let answer = SessionDescription::parse(SdpType::Answer, answer_sdp)
        .map_err(|e| SessionError::Internal(format!("our own answer does not parse: {e}")))?;
    let accepted = answer
        .media
        .iter()
        .filter(|s| s.kind.is_rtp() && !s.is_rejected())
        .count();
    if accepted == 0 {
        return Err(SessionError::NoUsableCodec(format!(
            "no m-section among mids {offered:?} offers Opus or H.264 (packetization-mode=1)"
        )));
    }
    Ok(())
}

/// Adds our candidates (non-trickle WHIP/WHEP) to every accepted m-section of
/// the answer, followed by `a=end-of-candidates`.
fn with_candidates(answer_sdp: &str, candidates: &[String]) -> String {
    let mut out = String::with_capacity(answer_sdp.len() + 128 * (candidates.len() + 1) * 4);
    let mut in_accepted_section = false;
    let flush = |out: &mut String, in_section: bool| {
        if in_section {
            for c in candidates {
                out.push_str("a=");
                out.push_str(c.strip_prefix("a=").unwrap_or(c));
                out.push_str("\r\n");
            }
            out.push_str("a=end-of-candidates\r\n");
        }
    };
    for line in answer_sdp.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        if line.starts_with("m=") {
            flush(&mut out, in_accepted_section);
            // "m=<kind> <port> ...": port 0 is a rejected section.
            in_accepted_section = line.split(' ').nth(1).is_some_and(|port| port != "0");
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    flush(&mut out, in_accepted_section);
    out
}

impl PeerBackend {
    pub fn new(config: PeerBackendConfig) -> PeerBackend {
        let seed_base = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        PeerBackend {
            inner: Arc::new(Inner {
                config,
                sessions: Mutex::new(HashMap::new()),
                next_id: AtomicU64::new(1),
                seed_base,
            }),
        }
    }

    /// The number of live sessions.
    pub fn len(&self) -> usize {
        lock(&self.inner.sessions).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    async fn answer(
        &self,
        offer_sdp: String,
        direction: Direction,
    ) -> Result<(SessionId, String), SessionError> {
        if self.len() >= self.inner.config.max_connections {
            return Err(SessionError::TooManyConnections);
        }
        // Parsed here too so a hostile offer is refused before any socket exists.
        let offer = SessionDescription::parse(SdpType::Offer, &offer_sdp)
            .map_err(|e| SessionError::BadSdp(e.to_string()))?;
        let number = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let id = SessionId(format!("{}{number}", direction.as_str()));
        let socket = UdpSocket::bind(SocketAddr::new(self.inner.config.udp_ip, 0))
            .await
            .map_err(|e| SessionError::Internal(format!("UDP bind: {e}")))?;
        let local = socket
            .local_addr()
            .map_err(|e| SessionError::Internal(e.to_string()))?;
        let pc = RTCPeerConnection::new(
            RTCConfiguration::new(vec![local], self.inner.seed_base.wrapping_add(number)),
            EpochClock::system(),
        )
        .map_err(|e| SessionError::Internal(e.to_string()))?;
        let (handle, mut events, _task) =
            spawn(socket, pc).map_err(|e| SessionError::Internal(e.to_string()))?;
        // Dropping the handle on any early return ends the task and frees the socket.
        let shared = Arc::new(Mutex::new(SessionShared::default()));
        let mut senders = Vec::new();
        if direction == Direction::Whep {
            for (kind, track_id) in [(MediaKind::Audio, "audio"), (MediaKind::Video, "video")] {
                let track = MediaStreamTrack {
                    id: track_id.to_string(),
                    kind,
                };
                let sender = handle
                    .add_track(track)
                    .await
                    .map_err(|e| SessionError::Internal(e.to_string()))?;
                lock(&shared)
                    .senders
                    .insert(track_id.to_string(), sender.sender);
                senders.push(sender);
            }
        }
        let real_media = self.inner.config.real_media;
        if real_media.is_some() {
            handle
                .call(|pc, _| pc.enable_media_receive())
                .await
                .map_err(|e| SessionError::Internal(e.to_string()))?;
        }
        handle
            .set_remote_description(RTCSessionDescription {
                sdp_type: SdpType::Offer,
                sdp: offer_sdp,
            })
            .await
            .map_err(offer_error)?;
        let answer = handle.create_answer().await.map_err(offer_error)?;
        check_codecs(&offer, &answer.sdp)?;
        handle
            .set_local_description(answer.clone())
            .await
            .map_err(offer_error)?;
        let mut candidates = Vec::new();
        let deadline = tokio::time::Instant::now() + GATHERING_WAIT;
        let mut early = Vec::new();
        while let Ok(Some(event)) = tokio::time::timeout_at(deadline, events.recv()).await {
            match event {
                PeerConnectionEvent::IceCandidate(Some(c)) => candidates.push(c.candidate),
                PeerConnectionEvent::IceCandidate(None) => break,
                other => early.push(other),
            }
            // Host candidates only: one per local address.
            if candidates.len() >= 4 {
                break;
            }
        }
        if direction == Direction::Whep {
            for sender in &senders {
                let started = match real_media {
                    Some(config) => {
                        let sender = sender.sender;
                        handle
                            .call(move |pc, _| pc.start_real_media(sender, config))
                            .await
                            .map_err(CallError::from)
                            .and_then(|r| r.map_err(CallError::Refused))
                    }
                    None => sender.start_synthetic_media().await,
                };
                started.map_err(|e| SessionError::Internal(e.to_string()))?;
            }
        }
        let session = Session {
            handle: handle.clone(),
            direction,
            created_ms: now_ms(),
            shared: shared.clone(),
        };
        {
            let mut sessions = lock(&self.inner.sessions);
            if sessions.len() >= self.inner.config.max_connections {
                return Err(SessionError::TooManyConnections);
            }
            sessions.insert(id.clone(), session);
        }
        let inner = Arc::downgrade(&self.inner);
        let session_id = id.clone();
        tokio::spawn(async move {
            for event in early {
                on_event(&handle, &shared, event).await;
            }
            let mut check = tokio::time::interval(DTLS_CHECK);
            loop {
                tokio::select! {
                    event = events.recv() => {
                        let Some(event) = event else { break };
                        let ended = matches!(
                            event,
                            PeerConnectionEvent::ConnectionStateChange(
                                RTCPeerConnectionState::Failed | RTCPeerConnectionState::Closed
                            )
                        );
                        on_event(&handle, &shared, event).await;
                        if ended {
                            break;
                        }
                    }
                    _ = check.tick() => {
                        // The peer's close_notify ends DTLS but not (yet) the
                        // connection state: without this the session would
                        // linger until consent freshness fails.
                        let dtls_over = handle
                            .call(|pc, _| {
                                pc.transport().and_then(|t| t.dtls()).is_some_and(|d| {
                                    matches!(d.state(), DtlsState::Closed | DtlsState::Failed)
                                })
                            })
                            .await
                            .unwrap_or(true);
                        if dtls_over {
                            lock(&shared).state = Some(RTCPeerConnectionState::Closed);
                            break;
                        }
                    }
                }
            }
            // Failed, closed, or the task stopped: the session goes.
            if let Some(inner) = inner.upgrade() {
                lock(&inner.sessions).remove(&session_id);
            }
            let _ = handle.close().await;
        });
        Ok((id, with_candidates(&answer.sdp, &candidates)))
    }
}

/// One event of a live session: state, tracks, data-channel echo.
async fn on_event(
    handle: &PeerConnectionHandle,
    shared: &Mutex<SessionShared>,
    event: PeerConnectionEvent,
) {
    match event {
        PeerConnectionEvent::ConnectionStateChange(state) => lock(shared).state = Some(state),
        PeerConnectionEvent::Track {
            receiver, track, ..
        } => {
            let mut shared = lock(shared);
            if shared.receivers.len() < MAX_TRACKS_PER_SESSION {
                shared.receivers.insert(track.id, receiver);
            }
        }
        PeerConnectionEvent::DataChannelMessage { channel, message } => {
            // Echo on the same channel; a refused send (channel closing) is
            // the peer's loss, not a reason to end the session.
            let _ = match message {
                DataChannelMessage::Text(text) => handle.send_text(channel, text).await,
                DataChannelMessage::Binary(bytes) => handle
                    .call(move |pc, now| pc.send_binary(now, channel, &bytes))
                    .await
                    .map_err(CallError::from)
                    .and_then(|r| r.map_err(CallError::Refused)),
            };
        }
        _ => {}
    }
}

impl SessionBackend for PeerBackend {
    fn publish(
        &self,
        offer_sdp: String,
    ) -> BoxFuture<'_, Result<(SessionId, String), SessionError>> {
        Box::pin(self.answer(offer_sdp, Direction::Whip))
    }

    fn play(&self, offer_sdp: String) -> BoxFuture<'_, Result<(SessionId, String), SessionError>> {
        Box::pin(self.answer(offer_sdp, Direction::Whep))
    }

    fn delete(&self, id: SessionId) -> BoxFuture<'_, Result<(), SessionError>> {
        Box::pin(async move {
            let session = lock(&self.inner.sessions).remove(&id);
            match session {
                Some(session) => {
                    // A task already gone is closed anyway.
                    let _ = session.handle.close().await;
                    Ok(())
                }
                None => Err(SessionError::NotFound),
            }
        })
    }

    fn list(&self) -> Vec<ConnectionInfo> {
        let sessions = lock(&self.inner.sessions);
        let mut list: Vec<ConnectionInfo> = sessions
            .iter()
            .map(|(id, s)| ConnectionInfo {
                id: id.clone(),
                direction: s.direction,
                state: state_name(lock(&s.shared).state).to_string(),
                created_ms: s.created_ms,
            })
            .collect();
        list.sort_by(|a, b| a.created_ms.total_cmp(&b.created_ms));
        list
    }

    fn stats(
        &self,
        id: SessionId,
        selector: Option<Selector>,
    ) -> BoxFuture<'_, Result<RTCStatsReport, SessionError>> {
        Box::pin(async move {
            let (handle, shared) = {
                let sessions = lock(&self.inner.sessions);
                let s = sessions.get(&id).ok_or(SessionError::NotFound)?;
                (s.handle.clone(), s.shared.clone())
            };
            let selector = match selector {
                None => None,
                Some(Selector::Sender(track)) => Some(StatsSelector::Sender(
                    *lock(&shared).senders.get(&track).ok_or_else(|| {
                        SessionError::BadSelector(format!("no sender of track {track:?}"))
                    })?,
                )),
                Some(Selector::Receiver(track)) => Some(StatsSelector::Receiver(
                    *lock(&shared).receivers.get(&track).ok_or_else(|| {
                        SessionError::BadSelector(format!("no receiver of track {track:?}"))
                    })?,
                )),
            };
            handle.get_stats(selector).await.map_err(|e| match e {
                CallError::Gone => SessionError::NotFound,
                CallError::Refused(e) => SessionError::BadSelector(e.to_string()),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_go_into_every_accepted_section_only() {
        let answer = "v=0\r\ns=-\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n\
                      m=video 0 UDP/TLS/RTP/SAVPF 108\r\na=mid:1\r\n\
                      m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:2\r\n";
        let out = with_candidates(
            answer,
            &["candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host".to_string()],
        );
        let candidate =
            "a=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host\r\na=end-of-candidates\r\n";
        assert_eq!(
            out,
            format!(
                "v=0\r\ns=-\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n{candidate}\
                 m=video 0 UDP/TLS/RTP/SAVPF 108\r\na=mid:1\r\n\
                 m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:2\r\n{candidate}"
            )
        );
    }

    #[test]
    fn states_read_as_the_js_enum() {
        assert_eq!(state_name(None), "new");
        assert_eq!(state_name(Some(RTCPeerConnectionState::Failed)), "failed");
        assert_eq!(
            state_name(Some(RTCPeerConnectionState::Disconnected)),
            "disconnected"
        );
    }
}
