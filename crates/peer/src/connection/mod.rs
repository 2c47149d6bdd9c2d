//! `RTCPeerConnection`: the W3C API over one [`BundleTransport`], sans-IO.
//!
//! Signalling (JSEP offer/answer, trickle ICE) maps negotiated SDP onto the
//! transport's configuration; `poll_*`/`handle_*` drive it like the
//! transport itself, so tests run it on simulated time and the tokio driver
//! (`crate::pc_driver`) on a socket.
//!
//! ```
//! use rtcscope_peer::*;
//! use rtcscope_stats::{EpochClock, MediaKind};
//!
//! let clock = EpochClock::system();
//! let now = clock.anchor();
//! let config = |port, seed| RTCConfiguration::new(vec![format!("127.0.0.1:{port}").parse().unwrap()], seed);
//! let mut offerer = RTCPeerConnection::new(config(5000, 1), clock)?;
//! let mut answerer = RTCPeerConnection::new(config(5001, 2), clock)?;
//! let cam = MediaStreamTrack { id: "cam".into(), kind: MediaKind::Video };
//! let sender = offerer.add_track(cam)?;
//!
//! let offer = offerer.create_offer(now)?;
//! offerer.set_local_description(now, &offer)?;
//! answerer.set_remote_description(now, &offer)?;
//! let answer = answerer.create_answer(now)?;
//! answerer.set_local_description(now, &answer)?;
//! offerer.set_remote_description(now, &answer)?;
//! assert_eq!(offerer.signaling_state(), RTCSignalingState::Stable);
//!
//! // Negotiated: the sender's outbound-rtp exists before its first packet,
//! // with the codec and transport it references.
//! let report = sender.get_stats(&mut offerer, now)?;
//! assert!(report.values().any(|s| s.stats_type().as_str() == "outbound-rtp"));
//! assert!(report.has("T01"));
//! // Trickle: candidates come as events after setLocalDescription.
//! let candidates = std::iter::from_fn(|| offerer.poll_event())
//!     .filter(|e| matches!(e, PeerConnectionEvent::IceCandidate(Some(_))))
//!     .count();
//! assert_eq!(candidates, 1);
//! # Ok::<(), PeerConnectionError>(())
//! ```

mod answer;
mod channels;
mod ice_servers;
mod negotiate;
mod obsolete;
mod pump;
mod real_media;
mod rollback;
mod select;
mod signaling;
mod transceivers;
mod types;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Instant;

use rtcscope_dtls::LocalCertificate;
use rtcscope_ice::IceTransportState;
use rtcscope_sctp::DataChannelInit;
use rtcscope_sdp::{Direction, SessionDescription};
use rtcscope_stats::{EpochClock, MediaKind, RTCStatsReport};

use crate::events::Transmit;
use crate::pipeline::{RemoteStream, SendPipeline};
use crate::synthetic::SyntheticSource;
use crate::transport::BundleTransport;

pub use real_media::OffloadedPacket;
pub use types::*;

/// Events waiting in `poll_event`; beyond, the oldest are dropped (counted).
const MAX_QUEUED_EVENTS: usize = 4096;
/// Transceivers and data channels one connection may hold (the peer's offer
/// can create transceivers; this bounds what it can make us allocate).
const MAX_TRANSCEIVERS: usize = 64;
const MAX_DATA_CHANNELS: usize = 256;

/// One transceiver: a sender and a receiver sharing an m-section.
#[derive(Debug)]
pub(crate) struct Transceiver {
    pub kind: MediaKind,
    pub mid: Option<String>,
    pub direction: Direction,
    /// The negotiated direction (our point of view), once negotiated.
    pub current_direction: Option<Direction>,
    pub sender_track: Option<MediaStreamTrack>,
    pub ssrc: u32,
    pub rtx_ssrc: Option<u32>,
    pub receiver_track: MediaStreamTrack,
    /// Media SSRCs the peer signalled for this m-section.
    pub remote_ssrcs: Vec<u32>,
    /// The m-section is configured on the transport.
    pub configured: bool,
    pub stopped: bool,
    pub track_fired: bool,
    pub source: Option<SyntheticSource>,
    /// Real media (encoders) behind the sender, instead of `source`.
    pub pipeline: Option<SendPipeline>,
    /// Created by a remote offer (not by the application): a rollback of
    /// that offer removes it.
    pub created_by_remote: bool,
}

/// One data channel, ours or the peer's.
#[derive(Debug)]
pub(crate) struct DataChannelEntry {
    pub label: String,
    pub init: Option<DataChannelInit>,
    pub stream_id: Option<u16>,
    pub open: bool,
    /// Reached "closed"; a closed channel never reopens.
    pub closed: bool,
}

/// An m-section in description order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Media(usize),
    Data,
}

/// The peer connection (sans-IO core).
pub struct RTCPeerConnection {
    pub(crate) config: RTCConfiguration,
    pub(crate) certificate: LocalCertificate,
    pub(crate) clock: EpochClock,
    pub(crate) transport: Option<BundleTransport>,
    pub(crate) signaling: RTCSignalingState,
    pub(crate) transceivers: Vec<Transceiver>,
    pub(crate) sections: Vec<Section>,
    pub(crate) data_mid: Option<String>,
    pub(crate) data_wanted: bool,
    pub(crate) data_negotiated: bool,
    pub(crate) channels: Vec<DataChannelEntry>,
    pub(crate) next_mid: u32,
    pub(crate) session_id: u64,
    pub(crate) session_version: u64,
    pub(crate) rng: u64,
    pub(crate) pending_local: Option<SessionDescription>,
    pub(crate) pending_remote: Option<SessionDescription>,
    pub(crate) current_local: Option<SessionDescription>,
    pub(crate) current_remote: Option<SessionDescription>,
    pub(crate) last_offer: Option<String>,
    pub(crate) last_answer: Option<String>,
    pub(crate) events: VecDeque<PeerConnectionEvent>,
    pub(crate) events_dropped: u64,
    /// Candidates gathered before setLocalDescription wait here (JSEP §5.1.1).
    pub(crate) held_candidates: Vec<Option<RTCIceCandidateInit>>,
    pub(crate) gathering_released: bool,
    pub(crate) ice_state: IceTransportState,
    pub(crate) dtls_connected: bool,
    pub(crate) dtls_failed: bool,
    pub(crate) connection_state: RTCPeerConnectionState,
    pub(crate) stats_cache: Option<(Instant, RTCStatsReport)>,
    pub(crate) rtp_received: u64,
    /// Decode what the peer sends (`enable_media_receive`).
    pub(crate) receive_media: bool,
    pub(crate) remote_streams: Vec<RemoteStream>,
    /// Settings of the send-side estimator (used when transport-cc is negotiated).
    pub(crate) bwe_config: rtcscope_bwe::BweConfig,
    /// Where video pipelines run when not inline (installed by a driver).
    pub(crate) offload: Option<Box<dyn crate::pipeline::offload::OffloadFactory>>,
    /// Video packets wait here with transport-wide CC (the pacer).
    pub(crate) paced: Option<crate::pipeline::PacedSender>,
    /// m-sections of the last stable state (what a rollback returns to).
    pub(crate) stable_sections: usize,
    /// restartIce() was called: the next offer carries new credentials.
    pub(crate) ice_restart_pending: bool,
    pub(crate) closed: bool,
}

impl std::fmt::Debug for RTCPeerConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RTCPeerConnection")
            .field("signaling", &self.signaling)
            .field("connection_state", &self.connection_state)
            .field("transceivers", &self.transceivers.len())
            .finish_non_exhaustive()
    }
}

/// splitmix64: the connection's source of SSRCs and ids (seeded).
pub(crate) fn next_random(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl RTCPeerConnection {
    /// `new RTCPeerConnection(configuration)`. `clock` maps `Instant`s to
    /// stats timestamps (Unix ms).
    pub fn new(config: RTCConfiguration, clock: EpochClock) -> Result<Self, PeerConnectionError> {
        // Refused here, as the W3C constructor throws.
        ice_servers::ice_servers(&config.ice_servers)?;
        let certificate = match config.certificates.first() {
            Some(c) => c.clone(),
            None => LocalCertificate::generate()
                .map_err(|e| PeerConnectionError::Certificate(e.to_string()))?,
        };
        let mut rng = config.seed;
        let session_id = next_random(&mut rng) >> 2;
        Ok(Self {
            config,
            certificate,
            clock,
            transport: None,
            signaling: RTCSignalingState::Stable,
            transceivers: Vec::new(),
            sections: Vec::new(),
            data_mid: None,
            data_wanted: false,
            data_negotiated: false,
            channels: Vec::new(),
            next_mid: 0,
            session_id,
            session_version: 1,
            rng,
            pending_local: None,
            pending_remote: None,
            current_local: None,
            current_remote: None,
            last_offer: None,
            last_answer: None,
            events: VecDeque::new(),
            events_dropped: 0,
            held_candidates: Vec::new(),
            gathering_released: false,
            ice_state: IceTransportState::New,
            dtls_connected: false,
            dtls_failed: false,
            connection_state: RTCPeerConnectionState::New,
            stats_cache: None,
            rtp_received: 0,
            receive_media: false,
            remote_streams: Vec::new(),
            bwe_config: rtcscope_bwe::BweConfig::default(),
            offload: None,
            paced: None,
            ice_restart_pending: false,
            stable_sections: 0,
            closed: false,
        })
    }

    pub fn signaling_state(&self) -> RTCSignalingState {
        self.signaling
    }

    pub fn connection_state(&self) -> RTCPeerConnectionState {
        self.connection_state
    }

    pub fn ice_connection_state(&self) -> IceTransportState {
        self.ice_state
    }

    /// The underlying transport once the first description created it.
    pub fn transport(&self) -> Option<&BundleTransport> {
        self.transport.as_ref()
    }

    /// `localDescription` as SDP (pending, else current).
    pub fn local_description(&self) -> Option<String> {
        self.pending_local
            .as_ref()
            .or(self.current_local.as_ref())
            .map(SessionDescription::to_sdp)
    }

    /// `remoteDescription` as SDP (pending, else current).
    pub fn remote_description(&self) -> Option<String> {
        self.pending_remote
            .as_ref()
            .or(self.current_remote.as_ref())
            .map(SessionDescription::to_sdp)
    }

    /// Media packets received (all receivers) and events dropped because
    /// `poll_event` was not drained.
    pub fn counters(&self) -> (u64, u64) {
        (self.rtp_received, self.events_dropped)
    }

    /// `createDataChannel(label, init)`. The channel opens once SCTP is
    /// negotiated and connected.
    pub fn create_data_channel(
        &mut self,
        now: Instant,
        init: DataChannelInit,
    ) -> Result<DataChannelId, PeerConnectionError> {
        if self.closed {
            return Err(PeerConnectionError::Closed);
        }
        if self.channels.len() >= MAX_DATA_CHANNELS {
            return Err(PeerConnectionError::InvalidState("too many data channels"));
        }
        self.data_wanted = true;
        self.channels.push(DataChannelEntry {
            label: init.label.clone(),
            init: Some(init),
            stream_id: None,
            open: false,
            closed: false,
        });
        self.open_pending_channels(now);
        Ok(DataChannelId(self.channels.len() - 1))
    }

    pub fn data_channel_label(&self, channel: DataChannelId) -> Option<&str> {
        self.channels.get(channel.0).map(|c| c.label.as_str())
    }

    pub fn is_data_channel_open(&self, channel: DataChannelId) -> bool {
        self.channels.get(channel.0).is_some_and(|c| c.open)
    }

    /// Feeds a datagram from the socket.
    pub fn handle_receive(&mut self, now: Instant, from: SocketAddr, to: SocketAddr, bytes: &[u8]) {
        if let Some(t) = self.transport.as_mut() {
            t.handle_receive(now, from, to, bytes);
        }
        self.pump(now);
        // NACKs for the hole this packet revealed go out at once, and the encoders
        // start as soon as the datagram that completes DTLS arrives (not at the next timer).
        self.run_pipelines(now);
    }

    /// The next time [`Self::handle_timeout`] must run.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let transport = self
            .transport
            .as_ref()
            .and_then(BundleTransport::poll_timeout);
        self.transceivers
            .iter()
            .filter_map(|t| t.source.as_ref()?.next_due())
            .chain(
                self.transceivers
                    .iter()
                    .filter_map(|t| t.pipeline.as_ref()?.next_due()),
            )
            .chain(
                self.remote_streams
                    .iter()
                    .filter_map(RemoteStream::poll_timeout),
            )
            .chain(
                self.paced
                    .as_ref()
                    .and_then(crate::pipeline::PacedSender::poll_timeout),
            )
            .chain(transport)
            .min()
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(t) = self.transport.as_mut()
            && t.poll_timeout().is_some_and(|due| due <= now)
        {
            t.handle_timeout(now);
        }
        self.run_sources(now);
        self.run_pipelines(now);
        self.pump(now);
        self.run_pipelines(now);
    }

    fn run_sources(&mut self, now: Instant) {
        let Some(transport) = self.transport.as_mut() else {
            return;
        };
        if !transport.is_media_ready() {
            return;
        }
        for t in &mut self.transceivers {
            let (true, Some(source)) = (t.configured, t.source.as_mut()) else {
                continue;
            };
            if source.is_paused() {
                continue;
            }
            source.start(now);
            let ssrc = t.ssrc;
            source.produce(now, |p| {
                transport
                    .send_rtp(now, ssrc, p.payload, p.timestamp, p.marker)
                    .is_ok()
            });
        }
    }

    /// A datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit<'_>> {
        self.transport.as_mut()?.poll_transmit()
    }

    pub fn poll_event(&mut self) -> Option<PeerConnectionEvent> {
        self.events.pop_front()
    }

    pub(crate) fn emit(&mut self, event: PeerConnectionEvent) {
        if self.events.len() >= MAX_QUEUED_EVENTS {
            self.events.pop_front();
            self.events_dropped += 1;
        }
        self.events.push_back(event);
    }

    /// `restartIce()`: the next offer carries new ICE credentials; media
    /// keeps flowing on the selected pair until a new one is chosen.
    pub fn restart_ice(&mut self) {
        self.ice_restart_pending = true;
    }

    /// `close()`.
    pub fn close(&mut self, now: Instant) {
        if self.closed {
            return;
        }
        self.closed = true;
        if let Some(t) = self.transport.as_mut() {
            t.close(now);
        }
        for t in &mut self.transceivers {
            t.stopped = true;
            t.source = None;
            t.pipeline = None;
        }
        // Ends the offloaded codec threads too (their command queues close).
        self.remote_streams.clear();
        self.signaling = RTCSignalingState::Closed;
        self.connection_state = RTCPeerConnectionState::Closed;
        self.ice_state = IceTransportState::Closed;
        self.stats_cache = None;
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }
}
