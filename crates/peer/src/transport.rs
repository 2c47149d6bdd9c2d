//! The bundled transport: one ICE agent, one DTLS association, SRTP contexts,
//! an optional SCTP association and the RTP sessions, all on one 5-tuple.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rtcscope_dtls::{
    DtlsEvent, DtlsRole, DtlsState, DtlsTransport, DtlsTransportConfig, LocalCertificate,
    Sha256Fingerprint,
};
use rtcscope_ice::{Candidate, IceAgent, Received, RemoteCandidate, RemoteError};
use rtcscope_rtp_stream::NtpClock;
use rtcscope_sctp::SctpTransport;
use rtcscope_srtp::{SrtpContext, SrtpError, SrtpProfile};
use rtcscope_stats::EpochClock;

use crate::config::{
    BundleConfig, CodecConfig, ConfigError, LocalStreamConfig, RemoteStreamConfig,
};
use crate::demux::{DatagramKind, classify};
use crate::events::{BundleCounters, BundleEvent, Pending, ReceivedRtp, Transmit};
use crate::media::{MediaCounters, MediaEngine};
use crate::queues::{BUFFER_CAPACITY, BufferPool, Outbox};

/// Events waiting in `poll_event`; beyond, received RTP is dropped (counted).
pub(crate) const MAX_QUEUED_EVENTS: usize = 4096;

/// SRTP contexts of both directions.
pub(crate) struct Srtp {
    pub outbound: SrtpContext,
    pub inbound: SrtpContext,
    pub profile: SrtpProfile,
}

/// One peer connection's transport (max-bundle, rtcp-mux), sans-IO.
pub struct BundleTransport {
    pub(crate) ice: IceAgent,
    pub(crate) dtls: Option<DtlsTransport>,
    pub(crate) dtls_config: DtlsTransportConfig,
    pub(crate) dtls_role: DtlsRole,
    pub(crate) certificate: LocalCertificate,
    pub(crate) remote_fingerprint: Option<Sha256Fingerprint>,
    pub(crate) sctp: Option<SctpTransport>,
    pub(crate) srtp: Option<Srtp>,
    pub(crate) media: MediaEngine,
    pub(crate) next_rtcp: Option<Instant>,
    pub(crate) outbox: Outbox,
    pub(crate) events: VecDeque<Pending>,
    pub(crate) event_pool: BufferPool,
    /// The buffer behind the slice last lent by `poll_transmit`/`poll_event`.
    pub(crate) lent: Option<Vec<u8>>,
    pub(crate) lent_to_outbox: bool,
    pub(crate) scratch: Vec<u8>,
    pub(crate) counters: BundleCounters,
    pub(crate) closed: bool,
    /// Transport-wide congestion control, once transport-cc is negotiated.
    pub(crate) cc: Option<Box<crate::cc::CongestionControl>>,
}

impl std::fmt::Debug for BundleTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BundleTransport")
            .field("ice_state", &self.ice.state())
            .field("dtls_state", &self.dtls.as_ref().map(DtlsTransport::state))
            .field("counters", &self.counters)
            .finish_non_exhaustive()
    }
}

pub(crate) fn sctp_role(role: DtlsRole) -> rtcscope_sctp::DtlsRole {
    match role {
        DtlsRole::Client => rtcscope_sctp::DtlsRole::Client,
        DtlsRole::Server => rtcscope_sctp::DtlsRole::Server,
    }
}

fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

impl BundleTransport {
    /// Builds the transport. `epoch` anchors the NTP clock of RTCP (sender
    /// reports, RRTR) to wall time.
    pub fn new(
        config: BundleConfig,
        now: Instant,
        epoch: &EpochClock,
    ) -> Result<Self, ConfigError> {
        let anchor = epoch.anchor();
        let unix = Duration::from_secs_f64((epoch.unix_ms(anchor) / 1000.0).max(0.0));
        let media = MediaEngine::new(&config, NtpClock::from_unix(anchor, unix))?;
        let sctp = match &config.sctp {
            Some(sctp_config) => Some(
                SctpTransport::new(sctp_role(config.dtls_role), sctp_config.clone())
                    .map_err(|e| ConfigError::Sctp(e.to_string()))?,
            ),
            None => None,
        };
        let mut ice_config = config.ice.clone();
        ice_config.transport_id = crate::stats::TRANSPORT_ID.to_string();
        let mut transport = BundleTransport {
            ice: IceAgent::new(ice_config, now),
            dtls: None,
            dtls_config: config.dtls.clone(),
            dtls_role: config.dtls_role,
            certificate: config.certificate.clone(),
            remote_fingerprint: config.remote_fingerprint,
            sctp,
            srtp: None,
            media,
            next_rtcp: None,
            outbox: Outbox {
                indication_seed: config.seed,
                ..Outbox::default()
            },
            events: VecDeque::new(),
            event_pool: BufferPool::default(),
            lent: None,
            lent_to_outbox: false,
            scratch: Vec::with_capacity(BUFFER_CAPACITY),
            counters: BundleCounters::default(),
            closed: false,
            cc: None,
        };
        if let Some(remote) = &config.remote_ice {
            transport
                .ice
                .set_remote_credentials(now, &remote.ufrag, &remote.pwd)
                .map_err(|e| ConfigError::Ice(e.to_string()))?;
        }
        for candidate in &config.remote_candidates {
            transport
                .ice
                .add_remote_candidate(now, candidate.clone())
                .map_err(|e| ConfigError::Ice(e.to_string()))?;
        }
        transport.pump(now);
        Ok(transport)
    }

    /// Our ICE ufrag and password (drawn by the agent from the ICE seed).
    pub fn local_ice_credentials(&self) -> (&str, &str) {
        self.ice.local_credentials()
    }

    /// Our host (and gathered) candidates.
    pub fn local_candidates(&self) -> &[Candidate] {
        self.ice.local_candidates()
    }

    /// Our certificate's fingerprint (for `a=fingerprint`).
    pub fn local_fingerprint(&self) -> Sha256Fingerprint {
        self.certificate.fingerprint()
    }

    /// The ICE agent, for state queries.
    pub fn ice(&self) -> &IceAgent {
        &self.ice
    }

    /// The DTLS transport once the handshake has started.
    pub fn dtls(&self) -> Option<&DtlsTransport> {
        self.dtls.as_ref()
    }

    /// The SCTP transport when configured.
    pub fn sctp(&self) -> Option<&SctpTransport> {
        self.sctp.as_ref()
    }

    /// Whether SRTP is keyed (media can flow).
    pub fn is_media_ready(&self) -> bool {
        self.srtp.is_some()
    }

    pub fn counters(&self) -> BundleCounters {
        self.counters
    }

    pub fn media_counters(&self) -> MediaCounters {
        self.media.counters
    }

    /// Datagrams dropped because `poll_transmit` was not drained.
    pub fn transmit_overflow_dropped(&self) -> u64 {
        self.outbox.overflow_dropped
    }

    /// Datagrams that could not be framed for a TURN relay.
    pub fn relay_framing_failures(&self) -> u64 {
        self.outbox.framing_failures
    }

    /// Remote ICE credentials learned (or changed: ICE restart) after construction.
    pub fn set_remote_ice_credentials(
        &mut self,
        now: Instant,
        ufrag: &str,
        pwd: &str,
    ) -> Result<(), RemoteError> {
        let r = self.ice.set_remote_credentials(now, ufrag, pwd);
        self.pump(now);
        r
    }

    /// A trickled remote candidate.
    pub fn add_remote_candidate(
        &mut self,
        now: Instant,
        candidate: RemoteCandidate,
    ) -> Result<(), RemoteError> {
        let r = self.ice.add_remote_candidate(now, candidate).map(|_| ());
        self.pump(now);
        r
    }

    /// Renegotiation added transceivers: new codecs (same payload type
    /// replaces) and new m-sections. Existing streams, their state and stats
    /// ids are untouched; on error nothing changes.
    pub fn add_streams(
        &mut self,
        codecs: &[CodecConfig],
        local: &[LocalStreamConfig],
        remote: &[RemoteStreamConfig],
    ) -> Result<(), ConfigError> {
        self.media.add_streams(codecs, local, remote)
    }

    /// A transceiver stopped: m-section `mid` and its streams go, their
    /// stats objects disappear and their SSRCs are forgotten by SRTP (a
    /// recycled SSRC later gets fresh state and new stats ids). False if no
    /// such mid.
    pub fn remove_mid(&mut self, now: Instant, mid: &str) -> bool {
        let Some(ssrcs) = self.media.remove_mid(mid) else {
            return false;
        };
        if let Some(srtp) = self.srtp.as_mut() {
            for ssrc in ssrcs {
                srtp.inbound.remove_stream(ssrc);
                srtp.outbound.remove_stream(ssrc);
            }
            self.next_rtcp = self.media.next_rtcp_at(now);
        }
        true
    }

    /// Local ICE restart: new credentials (read them again with
    /// [`Self::local_ice_credentials`]) and candidates; the selected pair
    /// carries media until a new one is chosen.
    pub fn restart_ice(&mut self, now: Instant) {
        self.ice.restart(now);
        self.pump(now);
    }

    /// The peer's `a=max-message-size`, when learned after construction.
    pub fn set_remote_max_message_size(&mut self, size: u32) {
        if let Some(sctp) = self.sctp.as_mut() {
            sctp.set_remote_max_message_size(size);
        }
    }

    pub fn set_remote_end_of_candidates(&mut self, now: Instant) {
        self.ice.set_remote_end_of_candidates(now);
        self.pump(now);
    }

    /// The peer's `a=fingerprint`, when learned after construction.
    pub fn set_remote_fingerprint(&mut self, now: Instant, fingerprint: Sha256Fingerprint) {
        self.remote_fingerprint = Some(fingerprint);
        if let Some(dtls) = self.dtls.as_mut() {
            dtls.set_remote_fingerprint(fingerprint);
        }
        self.process_dtls_events(now);
        self.pump(now);
    }

    /// Feeds one datagram that arrived on local address `to` from `from`.
    pub fn handle_receive(&mut self, now: Instant, from: SocketAddr, to: SocketAddr, bytes: &[u8]) {
        self.counters.datagrams_received += 1;
        if self.closed {
            self.counters.received_after_close += 1;
            return;
        }
        match classify(bytes) {
            DatagramKind::Unknown => {
                self.counters.unknown_discarded += 1;
                return;
            }
            DatagramKind::Stun => {
                self.counters.stun_received += 1;
                // Discards are counted by the agent (IceStatsSnapshot::discards).
                let _ = self.ice.handle_receive(now, from, to, bytes);
            }
            DatagramKind::Dtls
            | DatagramKind::Rtp
            | DatagramKind::Rtcp
            | DatagramKind::TurnChannel => match self.ice.handle_receive(now, from, to, bytes) {
                Received::Data { start, len, .. } => {
                    // A TURN-relayed datagram is unwrapped: classify what it carries.
                    let inner = start
                        .checked_add(len)
                        .and_then(|end| bytes.get(start..end))
                        .unwrap_or_default();
                    match classify(inner) {
                        kind @ (DatagramKind::Dtls | DatagramKind::Rtp | DatagramKind::Rtcp) => {
                            self.dispatch(now, kind, inner)
                        }
                        _ => self.counters.unknown_discarded += 1,
                    }
                }
                Received::Stun | Received::Discarded(_) => self.counters.not_from_a_pair += 1,
            },
        }
        self.pump(now);
    }

    fn dispatch(&mut self, now: Instant, kind: DatagramKind, bytes: &[u8]) {
        match kind {
            DatagramKind::Dtls => {
                self.counters.dtls_received += 1;
                self.ensure_dtls(now);
                if let Some(dtls) = self.dtls.as_mut() {
                    dtls.handle_receive(now, bytes);
                }
                self.process_dtls_events(now);
            }
            DatagramKind::Rtp => {
                self.counters.rtp_received += 1;
                self.receive_rtp(now, bytes);
            }
            DatagramKind::Rtcp => {
                self.counters.rtcp_received += 1;
                self.receive_rtcp(now, bytes);
            }
            DatagramKind::Stun | DatagramKind::TurnChannel | DatagramKind::Unknown => {}
        }
    }

    fn receive_rtp(&mut self, now: Instant, bytes: &[u8]) {
        let Some(srtp) = self.srtp.as_mut() else {
            self.counters.srtp_not_ready += 1;
            return;
        };
        let mut buf = self.event_pool.take_copy(bytes);
        let len = buf.len();
        let plain_len = match srtp.inbound.unprotect_rtp(&mut buf, len) {
            Ok(n) => n,
            Err(_) => {
                self.counters.srtp_rejected += 1;
                self.event_pool.give(buf);
                return;
            }
        };
        buf.truncate(plain_len);
        self.cc_on_rtp(now, &buf);
        match self.media.on_rtp(now, &buf) {
            Some(facts) if self.events.len() < MAX_QUEUED_EVENTS => {
                self.events.push_back(Pending::Rtp(facts, buf));
            }
            Some(_) => {
                self.counters.rtp_events_dropped += 1;
                self.event_pool.give(buf);
            }
            None => self.event_pool.give(buf),
        }
    }

    fn receive_rtcp(&mut self, now: Instant, bytes: &[u8]) {
        let Some(srtp) = self.srtp.as_mut() else {
            self.counters.srtp_not_ready += 1;
            return;
        };
        self.scratch.clear();
        self.scratch.extend_from_slice(bytes);
        let len = self.scratch.len();
        match srtp.inbound.unprotect_rtcp(&mut self.scratch, len) {
            Ok(n) => {
                let plain = &self.scratch[..n];
                if let Some(cc) = self.cc.as_mut() {
                    cc.bwe.on_rtcp(now, plain);
                }
                if !self.media.on_rtcp(now, plain) {
                    self.counters.rtcp_malformed += 1;
                }
                let events = &mut self.events;
                let dropped = &mut self.counters.rtp_events_dropped;
                self.media.feedback_in(plain, |f| {
                    if events.len() < MAX_QUEUED_EVENTS {
                        events.push_back(Pending::Feedback(f));
                    } else {
                        *dropped += 1;
                    }
                });
            }
            Err(_) => self.counters.srtcp_rejected += 1,
        }
    }

    /// DTLS starts once ICE has a pair to carry it, or when the peer's first
    /// DTLS datagram arrives.
    fn ensure_dtls(&mut self, now: Instant) {
        if self.dtls.is_none() && !self.closed {
            self.dtls = Some(DtlsTransport::new(
                self.dtls_config.clone(),
                &self.certificate,
                self.dtls_role,
                self.remote_fingerprint,
                now,
            ));
        }
    }

    fn dtls_connected(&self) -> bool {
        self.dtls
            .as_ref()
            .is_some_and(|d| d.state() == DtlsState::Connected)
    }

    fn process_dtls_events(&mut self, now: Instant) {
        let mut connected = false;
        if let Some(dtls) = self.dtls.as_mut() {
            while let Some(event) = dtls.poll_event() {
                match event {
                    DtlsEvent::Connected => {
                        connected = true;
                        self.events.push_back(Pending::DtlsConnected);
                    }
                    DtlsEvent::ApplicationData(data) => match self.sctp.as_mut() {
                        Some(sctp) => sctp.handle_receive(now, data),
                        None => self.counters.dtls_data_without_sctp += 1,
                    },
                    DtlsEvent::Closed => self.events.push_back(Pending::DtlsClosed),
                    DtlsEvent::Failed(failure) => {
                        self.srtp = None;
                        self.events.push_back(Pending::DtlsFailed(failure));
                    }
                }
            }
        }
        if connected {
            self.key_srtp(now);
        }
    }

    fn key_srtp(&mut self, now: Instant) {
        let Some(keys) = self.dtls.as_ref().and_then(|d| d.srtp_keying_material()) else {
            return;
        };
        let contexts = SrtpProfile::from_id(keys.profile_id)
            .ok_or(SrtpError::Malformed)
            .and_then(|profile| {
                Ok(Srtp {
                    outbound: SrtpContext::new(profile, &keys.local_key, &keys.local_salt)?,
                    inbound: SrtpContext::new(profile, &keys.remote_key, &keys.remote_salt)?,
                    profile,
                })
            });
        match contexts {
            Ok(srtp) => {
                self.srtp = Some(srtp);
                self.next_rtcp = self.media.next_rtcp_at(now);
            }
            Err(e) => self.events.push_back(Pending::SrtpKeyingFailed(e)),
        }
    }

    /// Moves everything the layers want to send into the transmit queue.
    pub(crate) fn pump(&mut self, now: Instant) {
        while let Some(event) = self.ice.poll_event() {
            self.events.push_back(Pending::Ice(event));
        }
        while let Some(t) = self.ice.poll_transmit() {
            self.outbox.push_copy(t.destination, t.source, t.contents());
        }
        if self.ice.selected_pair().is_none() {
            // DTLS output waits in the DTLS transport until a pair is selected.
            return;
        }
        self.ensure_dtls(now);
        let sctp_active = self.dtls_connected();
        let Some(dtls) = self.dtls.as_mut() else {
            return;
        };
        if sctp_active && let Some(sctp) = self.sctp.as_mut() {
            while let Some(packet) = sctp.poll_transmit(now) {
                if dtls.send(&packet).is_err() {
                    self.counters.send_failures += 1;
                }
            }
        }
        while let Some(datagram) = dtls.poll_transmit() {
            match self.ice.send_data(now, datagram) {
                Ok(route) => self.outbox.push_copy_routed(route, datagram),
                Err(_) => self.counters.send_failures += 1,
            }
        }
        self.process_dtls_events(now);
    }

    /// When `handle_timeout` must next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.closed {
            return None;
        }
        let mut t = self.ice.poll_timeout();
        if let Some(dtls) = &self.dtls {
            t = earliest(t, dtls.poll_timeout());
        }
        if self.dtls_connected()
            && let Some(sctp) = &self.sctp
        {
            t = earliest(t, sctp.poll_timeout());
        }
        if self.srtp.is_some() {
            t = earliest(t, self.next_rtcp);
            t = earliest(t, self.cc_poll_timeout());
        }
        t
    }

    /// Runs the timers due at `now`: ICE checks and consent, DTLS
    /// retransmissions, SCTP timers, RTCP.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.closed {
            return;
        }
        self.ice.handle_timeout(now);
        if let Some(dtls) = self.dtls.as_mut()
            && dtls.poll_timeout().is_some_and(|t| t <= now)
        {
            dtls.handle_timeout(now);
        }
        self.process_dtls_events(now);
        if self.dtls_connected()
            && let Some(sctp) = self.sctp.as_mut()
            && sctp.poll_timeout().is_some_and(|t| t <= now)
        {
            sctp.handle_timeout(now);
        }
        self.send_due_rtcp(now);
        self.send_due_cc_feedback(now);
        self.pump(now);
    }

    /// Next datagram to send; the slice is valid until the next call.
    pub fn poll_transmit(&mut self) -> Option<Transmit<'_>> {
        self.recycle_lent();
        let out = self.outbox.queue.pop_front()?;
        self.lent_to_outbox = true;
        let buf = self.lent.insert(out.buf);
        Some(Transmit {
            destination: out.destination,
            source: out.source,
            contents: buf.as_slice(),
        })
    }

    /// Next event. Data-channel events come from SCTP as the application
    /// takes them, so its flow control holds.
    pub fn poll_event(&mut self) -> Option<BundleEvent<'_>> {
        self.recycle_lent();
        let Some(pending) = self.events.pop_front() else {
            return self
                .sctp
                .as_mut()
                .and_then(SctpTransport::poll_event)
                .map(BundleEvent::DataChannel);
        };
        Some(match pending {
            Pending::Ice(e) => BundleEvent::Ice(e),
            Pending::DtlsConnected => BundleEvent::DtlsConnected,
            Pending::DtlsClosed => BundleEvent::DtlsClosed,
            Pending::DtlsFailed(f) => BundleEvent::DtlsFailed(f),
            Pending::SrtpKeyingFailed(e) => BundleEvent::SrtpKeyingFailed(e),
            Pending::Feedback(f) => BundleEvent::Feedback(f),
            Pending::Rtp(facts, buf) => {
                self.lent_to_outbox = false;
                let buf = self.lent.insert(buf);
                let end = (facts.payload_offset + facts.payload_len).min(buf.len());
                let start = facts.payload_offset.min(end);
                BundleEvent::Rtp(ReceivedRtp {
                    ssrc: facts.ssrc,
                    payload_type: facts.payload_type,
                    sequence_number: facts.sequence_number,
                    timestamp: facts.timestamp,
                    marker: facts.marker,
                    payload: buf.get(start..end).unwrap_or_default(),
                })
            }
        })
    }

    fn recycle_lent(&mut self) {
        if let Some(buf) = self.lent.take() {
            if self.lent_to_outbox {
                self.outbox.pool.give(buf);
            } else {
                self.event_pool.give(buf);
            }
        }
    }

    /// Closes everything: DTLS close_notify goes out (drain `poll_transmit`),
    /// then ICE stops.
    pub fn close(&mut self, now: Instant) {
        if self.closed {
            return;
        }
        if let Some(sctp) = self.sctp.as_mut() {
            let ids: Vec<u16> = sctp.data_channels().map(|c| c.stream_id).collect();
            for id in ids {
                let _ = sctp.close_channel(id);
            }
        }
        self.pump(now);
        if let Some(dtls) = self.dtls.as_mut() {
            dtls.close();
        }
        self.pump(now);
        self.ice.close(now);
        self.srtp = None;
        self.closed = true;
        while let Some(event) = self.ice.poll_event() {
            self.events.push_back(Pending::Ice(event));
        }
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }
}
