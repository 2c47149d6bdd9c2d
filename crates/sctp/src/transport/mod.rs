//! The sans-IO SCTP transport with WebRTC data channels on top.
//!
//! Bytes in: [`SctpTransport::handle_receive`] takes one SCTP packet (what DTLS
//! application data carried). Bytes out: [`SctpTransport::poll_transmit`]. Time:
//! [`SctpTransport::poll_timeout`] / [`SctpTransport::handle_timeout`]. Events:
//! [`SctpTransport::poll_event`].

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use sctp_proto::{
    Association, AssociationHandle, ClientConfig, DatagramEvent, Endpoint, EndpointConfig, Event,
    PayloadProtocolIdentifier as Ppi, ReliabilityType, ServerConfig, StreamEvent, TransportConfig,
};

use crate::channel::{Channel, DataChannelInit, DataChannelRecord, DataChannelState};
use crate::dcep::{DataChannelOpen, Reliability};
use crate::error::DataChannelError;
use crate::message::{DataChannelMessage, outgoing_ppid};
use crate::observer::WireObserver;
use crate::stats::{DiscardCounters, PeerConnectionCounts, SctpTransportSnapshot};

mod inbound;

/// RFC 8831 §6.5: stream id 65535 is reserved.
const RESERVED_STREAM_ID: u16 = u16::MAX;
/// RFC 8841 §6: the default max-message-size when the SDP has none.
pub const DEFAULT_REMOTE_MAX_MESSAGE_SIZE: u32 = 65536;
/// What one queued event costs against the event budget beyond its payload or
/// label (the event and its heap allocation), so empty messages are not free.
const EVENT_OVERHEAD_BYTES: usize = 64;
/// SCTP packet overhead sctp-proto adds to its max payload size to get the MTU
/// (common header 12 + DATA chunk header 16).
const SCTP_PACKET_OVERHEAD: u32 = 28;

/// Our DTLS role, which fixes the parity of in-band stream ids (RFC 8832 §6):
/// the DTLS client uses even ids, the DTLS server odd ones. The DTLS client also
/// initiates the SCTP association.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DtlsRole {
    /// DTLS client: even stream ids, sends SCTP INIT.
    Client,
    /// DTLS server: odd stream ids, answers SCTP INIT.
    Server,
}

impl DtlsRole {
    fn first_stream_id(self) -> u16 {
        match self {
            Self::Client => 0,
            Self::Server => 1,
        }
    }
}

/// Limits and SDP facts of one SCTP transport.
#[derive(Debug, Clone)]
pub struct SctpConfig {
    /// Our `a=max-message-size`: larger incoming messages are refused by sctp-proto.
    pub local_max_message_size: u32,
    /// The peer's `a=max-message-size` (0 = no limit, RFC 8841 §6); larger sends are refused.
    pub remote_max_message_size: u32,
    /// Reassembly budget across all streams (bytes); bounds memory the peer can fill.
    pub receive_buffer_bytes: u32,
    /// Budget for events waiting in [`SctpTransport::poll_event`]. Above it we stop
    /// reading from SCTP (messages and DCEP alike), so the receiver window closes
    /// and the peer waits.
    pub max_pending_event_bytes: usize,
    /// Cap on live channels (ours plus the peer's).
    pub max_channels: usize,
    /// Cap on closed channels kept for statistics; the oldest is evicted (counted).
    pub max_retained_closed_channels: usize,
    /// Cap on label + protocol bytes of a peer's DATA_CHANNEL_OPEN.
    pub max_remote_label_bytes: usize,
    /// Our SCTP port (our `a=sctp-port`).
    pub sctp_port: u16,
    /// The peer's SCTP port (its `a=sctp-port`).
    pub remote_sctp_port: u16,
    /// Initial retransmission timeout (ms).
    pub rto_initial_ms: u64,
    /// Minimum retransmission timeout (ms).
    pub rto_min_ms: u64,
    /// Maximum retransmission timeout (ms).
    pub rto_max_ms: u64,
}

impl Default for SctpConfig {
    fn default() -> Self {
        Self {
            // What Chrome advertises.
            local_max_message_size: 262_144,
            remote_max_message_size: DEFAULT_REMOTE_MAX_MESSAGE_SIZE,
            receive_buffer_bytes: 1024 * 1024,
            max_pending_event_bytes: 1024 * 1024,
            max_channels: 1024,
            max_retained_closed_channels: 256,
            max_remote_label_bytes: 4096,
            sctp_port: sctp_proto::DEFAULT_SCTP_PORT,
            remote_sctp_port: sctp_proto::DEFAULT_SCTP_PORT,
            rto_initial_ms: 3000,
            rto_min_ms: 1000,
            rto_max_ms: 60_000,
        }
    }
}

/// What the application learns from [`SctpTransport::poll_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SctpEvent {
    /// The SCTP association is established.
    Connected,
    /// A channel entered "open": one of ours, or one the peer opened by DCEP.
    ChannelOpen {
        /// Stream id.
        id: u16,
        /// Label.
        label: String,
        /// Sub-protocol.
        protocol: String,
        /// Opened by the peer.
        remote_initiated: bool,
    },
    /// A message arrived on an open channel.
    Message {
        /// Stream id.
        id: u16,
        /// The message.
        message: DataChannelMessage,
    },
    /// A channel entered "closed".
    ChannelClosed {
        /// Stream id.
        id: u16,
    },
    /// The association failed or was closed; every channel is closed.
    AssociationLost {
        /// sctp-proto's reason.
        reason: String,
    },
}

/// One SCTP association carrying WebRTC data channels, sans-IO.
pub struct SctpTransport {
    role: DtlsRole,
    config: SctpConfig,
    endpoint: Endpoint,
    association: Option<(AssociationHandle, Association)>,
    connected: bool,
    /// The SCTP layer needs an address; the DTLS layer is the real path.
    placeholder_remote: SocketAddr,
    outgoing: VecDeque<Bytes>,
    events: VecDeque<SctpEvent>,
    /// Summed `event_cost` of the events in `events`.
    pending_event_bytes: usize,
    /// Readable streams left unread while the event budget was full.
    deferred_reads: BTreeSet<u16>,
    channels: BTreeMap<u16, Channel>,
    closed_channels: VecDeque<DataChannelRecord>,
    next_stats_id: u64,
    counts: PeerConnectionCounts,
    discards: DiscardCounters,
    observer: WireObserver,
}

impl SctpTransport {
    /// A transport for our DTLS `role`. The DTLS client sends the SCTP INIT at once
    /// (its first packet is in [`Self::poll_transmit`]); the server waits for it.
    pub fn new(role: DtlsRole, config: SctpConfig) -> Result<Self, DataChannelError> {
        let transport = Arc::new(
            TransportConfig::default()
                .with_max_receive_buffer_size(config.receive_buffer_bytes)
                .with_max_receive_message_size(config.local_max_message_size)
                .with_max_send_message_size(sctp_send_limit(config.remote_max_message_size))
                .with_local_port(config.sctp_port)
                .with_remote_port(config.remote_sctp_port)
                .with_rto_initial_ms(config.rto_initial_ms)
                .with_rto_min_ms(config.rto_min_ms)
                .with_rto_max_ms(config.rto_max_ms)
                // WebRTC keeps retrying INIT and DATA for as long as DTLS lives.
                .with_max_init_retransmits(None)
                .with_max_data_retransmits(None),
        );
        // Even the client carries a server config: sctp-proto unwraps it when an
        // unknown INIT arrives, and we then refuse the association ourselves.
        let mut server_config = ServerConfig::new();
        server_config.transport = Arc::clone(&transport);
        let mut endpoint = Endpoint::new(
            Arc::new(EndpointConfig::new()),
            Some(Arc::new(server_config)),
        );
        let placeholder_remote = SocketAddr::from((Ipv4Addr::UNSPECIFIED, config.sctp_port));
        let mut association = None;
        if role == DtlsRole::Client {
            let mut client_config = ClientConfig::new();
            client_config.transport = transport;
            let (handle, assoc) = endpoint
                .connect(client_config, placeholder_remote)
                .map_err(|e| DataChannelError::Sctp(e.to_string()))?;
            association = Some((handle, assoc));
            endpoint.reject_new_associations();
        }
        Ok(Self {
            role,
            config,
            endpoint,
            association,
            connected: false,
            placeholder_remote,
            outgoing: VecDeque::new(),
            events: VecDeque::new(),
            pending_event_bytes: 0,
            deferred_reads: BTreeSet::new(),
            channels: BTreeMap::new(),
            closed_channels: VecDeque::new(),
            next_stats_id: 1,
            counts: PeerConnectionCounts::default(),
            discards: DiscardCounters::default(),
            observer: WireObserver::default(),
        })
    }

    /// Our DTLS role.
    pub fn role(&self) -> DtlsRole {
        self.role
    }

    /// Whether the association is established.
    pub fn is_connected(&self) -> bool {
        self.connected
    }

    /// The peer's `a=max-message-size`, when it is learned after construction.
    pub fn set_remote_max_message_size(&mut self, size: u32) {
        self.config.remote_max_message_size = size;
        if let Some((_, assoc)) = &mut self.association {
            assoc.set_max_send_message_size(sctp_send_limit(size));
        }
    }

    /// Feed one SCTP packet received over DTLS. sctp-proto keeps packets as
    /// `Bytes`, so this copies once; [`Self::handle_receive_bytes`] does not.
    pub fn handle_receive(&mut self, now: Instant, packet: &[u8]) {
        self.handle_receive_bytes(now, Bytes::copy_from_slice(packet));
    }

    /// Feed one SCTP packet the caller already owns as `Bytes` (no copy).
    pub fn handle_receive_bytes(&mut self, now: Instant, packet: Bytes) {
        let accepted =
            match self
                .endpoint
                .handle(now, self.placeholder_remote, None, None, packet.clone())
            {
                Some((handle, DatagramEvent::NewAssociation(assoc)))
                    if self.association.is_none() =>
                {
                    self.association = Some((handle, assoc));
                    self.endpoint.reject_new_associations();
                    true
                }
                Some((_, DatagramEvent::NewAssociation(_))) => false,
                Some((handle, DatagramEvent::AssociationEvent(event))) => {
                    match &mut self.association {
                        Some((ours, assoc)) if *ours == handle => {
                            assoc.handle_event(event);
                            true
                        }
                        _ => false,
                    }
                }
                None => false,
            };
        if accepted {
            self.observer.on_incoming(now, &packet);
        } else {
            self.discards.packets_not_accepted += 1;
        }
        self.drive();
    }

    /// The next SCTP packet to hand to DTLS.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Bytes> {
        if self.outgoing.is_empty() {
            while let Some(transmit) = self.endpoint.poll_transmit() {
                self.queue_transmit(now, transmit);
            }
            if let Some((_, assoc)) = &mut self.association
                && let Some(transmit) = assoc.poll_transmit(now)
            {
                self.queue_transmit(now, transmit);
            }
        }
        self.outgoing.pop_front()
    }

    fn queue_transmit(&mut self, now: Instant, transmit: sctp_proto::Transmit) {
        if let sctp_proto::Payload::RawEncode(packets) = transmit.payload {
            for packet in packets {
                self.observer.on_outgoing(now, &packet);
                self.outgoing.push_back(packet);
            }
        }
    }

    /// When [`Self::handle_timeout`] should next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.association
            .as_ref()
            .and_then(|(_, assoc)| assoc.poll_timeout())
    }

    /// Run timers due at `now` (retransmissions, delayed SACK, reconfig).
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some((_, assoc)) = &mut self.association {
            assoc.handle_timeout(now);
        }
        self.drive();
    }

    /// The next application event. Taking messages frees the event budget and
    /// resumes reading streams that were left unread while it was full.
    pub fn poll_event(&mut self) -> Option<SctpEvent> {
        let event = self.events.pop_front()?;
        self.pending_event_bytes = self.pending_event_bytes.saturating_sub(event_cost(&event));
        while self.pending_event_bytes < self.config.max_pending_event_bytes
            && let Some(id) = self.deferred_reads.pop_first()
        {
            self.read_stream(id);
            self.drive();
        }
        Some(event)
    }

    /// Bytes of events waiting in [`Self::poll_event`] (payloads and labels plus a
    /// fixed per-event overhead).
    pub fn pending_event_bytes(&self) -> usize {
        self.pending_event_bytes
    }

    fn push_event(&mut self, event: SctpEvent) {
        self.pending_event_bytes = self.pending_event_bytes.saturating_add(event_cost(&event));
        self.events.push_back(event);
    }

    /// `createDataChannel`: returns the stream id. In-band channels get the next
    /// free id of our DTLS parity; negotiated ones use the given id.
    pub fn create_data_channel(&mut self, init: DataChannelInit) -> Result<u16, DataChannelError> {
        if init.label.len() > usize::from(u16::MAX) || init.protocol.len() > usize::from(u16::MAX) {
            return Err(DataChannelError::LabelTooLong);
        }
        if self.channels.len() >= self.config.max_channels {
            return Err(DataChannelError::TooManyChannels);
        }
        let id = match init.negotiated_id {
            Some(RESERVED_STREAM_ID) => return Err(DataChannelError::ReservedId),
            Some(id) if self.channels.contains_key(&id) => {
                return Err(DataChannelError::IdInUse(id));
            }
            Some(id) => id,
            None => self.free_stream_id()?,
        };
        let stats_id = self.allocate_stats_id();
        self.channels.insert(
            id,
            Channel {
                record: DataChannelRecord::new_local(stats_id, id, &init),
                awaiting_ack: false,
            },
        );
        if self.connected {
            self.open_local(id);
            self.drive();
        }
        Ok(id)
    }

    fn free_stream_id(&mut self) -> Result<u16, DataChannelError> {
        let mut id = self.role.first_stream_id();
        while id < RESERVED_STREAM_ID {
            let used_by_sctp = self
                .association
                .as_mut()
                .is_some_and(|(_, assoc)| assoc.stream(id).is_ok());
            if !self.channels.contains_key(&id) && !used_by_sctp {
                return Ok(id);
            }
            id = id.saturating_add(2);
        }
        Err(DataChannelError::TooManyChannels)
    }

    fn allocate_stats_id(&mut self) -> String {
        let id = format!("D{}", self.next_stats_id);
        self.next_stats_id += 1;
        id
    }

    /// Open a local channel on the established association: negotiated channels
    /// just open; in-band ones send DATA_CHANNEL_OPEN (reliably, in order).
    fn open_local(&mut self, id: u16) {
        let Some((_, assoc)) = &mut self.association else {
            return;
        };
        let Some(channel) = self.channels.get_mut(&id) else {
            return;
        };
        let record = &mut channel.record;
        let opened = match assoc.open_stream(id, Ppi::Binary) {
            Ok(_) => Ok(()),
            // The peer already sent on this (negotiated) id.
            Err(sctp_proto::Error::ErrStreamAlreadyExist) => Ok(()),
            Err(e) => Err(e),
        }
        .and_then(|()| {
            let mut stream = assoc.stream(id)?;
            if record.negotiated {
                apply_reliability(&mut stream, record.channel_type.ordered, record)
            } else {
                let open = DataChannelOpen {
                    channel_type: record.channel_type,
                    priority: record.priority,
                    label: record.label.clone(),
                    protocol: record.protocol.clone(),
                };
                let mut wire = Vec::with_capacity(open.encoded_len());
                // Lengths were checked in create_data_channel.
                if open.encode(&mut wire).is_err() {
                    return Err(sctp_proto::Error::ErrOutboundPacketTooLarge);
                }
                stream.set_reliability_params(false, ReliabilityType::Reliable, 0)?;
                stream.write_with_ppi(&wire, Ppi::Dcep)?;
                // Ordered until the ACK arrives (RFC 8832 §6).
                channel.awaiting_ack = true;
                apply_reliability(&mut stream, true, record)
            }
        });
        match opened {
            Ok(()) => {
                record.state = DataChannelState::Open;
                record.was_opened = true;
                self.counts.data_channels_opened += 1;
                let event = SctpEvent::ChannelOpen {
                    id,
                    label: record.label.clone(),
                    protocol: record.protocol.clone(),
                    remote_initiated: false,
                };
                self.push_event(event);
            }
            Err(_) => {
                self.discards.local_opens_failed += 1;
                self.finish_close(id);
            }
        }
    }

    /// Send a text message (PPID 51, or 56 when empty).
    pub fn send_text(&mut self, id: u16, text: &str) -> Result<(), DataChannelError> {
        self.send_payload(id, text.as_bytes(), true)
    }

    /// Send a binary message (PPID 53, or 57 when empty).
    pub fn send_binary(&mut self, id: u16, data: &[u8]) -> Result<(), DataChannelError> {
        self.send_payload(id, data, false)
    }

    /// Send a message.
    pub fn send(&mut self, id: u16, message: &DataChannelMessage) -> Result<(), DataChannelError> {
        match message {
            DataChannelMessage::Text(text) => self.send_text(id, text),
            DataChannelMessage::Binary(data) => self.send_binary(id, data),
        }
    }

    fn send_payload(
        &mut self,
        id: u16,
        data: &[u8],
        is_text: bool,
    ) -> Result<(), DataChannelError> {
        let channel = self
            .channels
            .get_mut(&id)
            .ok_or(DataChannelError::UnknownChannel(id))?;
        if channel.record.state != DataChannelState::Open {
            return Err(DataChannelError::NotOpen(id));
        }
        let max = self.config.remote_max_message_size;
        if max != 0 && data.len() > max as usize {
            self.discards.oversized_sends_refused += 1;
            return Err(DataChannelError::MessageTooLarge {
                size: data.len(),
                max,
            });
        }
        let Some((_, assoc)) = &mut self.association else {
            return Err(DataChannelError::NotOpen(id));
        };
        let ppi = outgoing_ppid(is_text, data.is_empty());
        // RFC 8831 §6.6: an empty message travels as one dummy byte.
        let payload: &[u8] = if data.is_empty() { &[0] } else { data };
        assoc.stream(id)?.write_with_ppi(payload, ppi)?;
        let counters = &mut channel.record.counters;
        counters.messages_sent = counters.messages_sent.saturating_add(1);
        counters.bytes_sent = counters.bytes_sent.saturating_add(data.len() as u64);
        Ok(())
    }

    /// Close a channel: reset its outgoing stream (RFC 8831 §6.7). The channel is
    /// "closing" until both directions are reset, then "closed".
    pub fn close_channel(&mut self, id: u16) -> Result<(), DataChannelError> {
        let state = self
            .channels
            .get(&id)
            .map(|c| c.record.state)
            .ok_or(DataChannelError::UnknownChannel(id))?;
        match state {
            DataChannelState::Connecting => self.finish_close(id),
            DataChannelState::Open => {
                let reset = match &mut self.association {
                    Some((_, assoc)) => assoc.stream(id).and_then(|mut s| s.close()),
                    None => Err(sctp_proto::Error::ErrStreamClosed),
                };
                match reset {
                    Ok(()) => {
                        if let Some(channel) = self.channels.get_mut(&id) {
                            channel.record.state = DataChannelState::Closing;
                        }
                    }
                    // Nothing left to reset: the stream is already gone.
                    Err(_) => self.finish_close(id),
                }
                self.drive();
            }
            DataChannelState::Closing | DataChannelState::Closed => {}
        }
        Ok(())
    }

    /// `RTCPeerConnection.close()`: every channel goes to "closed" at once (and is
    /// counted in dataChannelsClosed if it had opened) and the association is shut
    /// down gracefully; the SHUTDOWN is in [`Self::poll_transmit`].
    pub fn close(&mut self) {
        let ids: Vec<u16> = self.channels.keys().copied().collect();
        for id in ids {
            self.finish_close(id);
        }
        if let Some((_, assoc)) = &mut self.association {
            // Fails only when not established, and then there is nothing to shut down.
            let _ = assoc.shutdown();
        }
        self.connected = false;
        self.drive();
    }

    /// Move a channel to "closed", count it, keep its record for statistics.
    fn finish_close(&mut self, id: u16) {
        let Some(channel) = self.channels.remove(&id) else {
            return;
        };
        let mut record = channel.record;
        record.state = DataChannelState::Closed;
        if record.was_opened {
            self.counts.data_channels_closed += 1;
        }
        if self.config.max_retained_closed_channels == 0 {
            self.discards.closed_records_evicted += 1;
        } else {
            if self.closed_channels.len() >= self.config.max_retained_closed_channels {
                self.closed_channels.pop_front();
                self.discards.closed_records_evicted += 1;
            }
            self.closed_channels.push_back(record);
        }
        self.push_event(SctpEvent::ChannelClosed { id });
    }

    /// Process everything sctp-proto has for us.
    fn drive(&mut self) {
        loop {
            let Some((handle, assoc)) = &mut self.association else {
                return;
            };
            // sctp-proto's only endpoint event is "drained", which makes the endpoint
            // forget the association. `shutdown()` emits it at once, before the
            // SHUTDOWN handshake (and the SACKs it waits for) has run, so hand it
            // over only once the association is closed.
            while assoc.is_closed()
                && let Some(event) = assoc.poll_endpoint_event()
            {
                if let Some(back) = self.endpoint.handle_event(*handle, event) {
                    assoc.handle_event(back);
                }
            }
            let Some(event) = assoc.poll() else {
                return;
            };
            self.on_association_event(event);
        }
    }

    fn on_association_event(&mut self, event: Event) {
        match event {
            Event::Connected => {
                self.connected = true;
                self.push_event(SctpEvent::Connected);
                let waiting: Vec<u16> = self
                    .channels
                    .iter()
                    .filter(|(_, c)| c.record.state == DataChannelState::Connecting)
                    .map(|(id, _)| *id)
                    .collect();
                for id in waiting {
                    self.open_local(id);
                }
            }
            Event::Stream(StreamEvent::Opened { .. }) => {
                // We learn about the peer's channels from DCEP, not from new stream
                // ids; drain sctp-proto's accept queue so it cannot grow.
                if let Some((_, assoc)) = &mut self.association {
                    while assoc.accept_stream().is_some() {}
                }
            }
            Event::Stream(StreamEvent::Readable { id }) => self.read_stream(id),
            Event::Stream(StreamEvent::Finished { id }) => {
                // The peer reset its outgoing stream; sctp-proto answers with ours.
                if let Some(channel) = self.channels.get_mut(&id)
                    && channel.record.state == DataChannelState::Open
                {
                    channel.record.state = DataChannelState::Closing;
                }
            }
            Event::Stream(
                StreamEvent::ResetComplete { id } | StreamEvent::ResetFailed { id, .. },
            ) if self
                .channels
                .get(&id)
                .is_some_and(|c| c.record.state == DataChannelState::Closing) =>
            {
                self.finish_close(id);
            }
            Event::AssociationLost { reason } | Event::HandshakeFailed { reason } => {
                self.connected = false;
                let ids: Vec<u16> = self.channels.keys().copied().collect();
                for id in ids {
                    self.finish_close(id);
                }
                self.push_event(SctpEvent::AssociationLost {
                    reason: reason.to_string(),
                });
            }
            _ => {}
        }
    }

    /// The state of a live channel; closed channels are in [`Self::data_channels`].
    pub fn channel_state(&self, id: u16) -> Option<DataChannelState> {
        self.channels.get(&id).map(|c| c.record.state)
    }

    /// Every channel for statistics: live ones by stream id, then retained closed
    /// ones oldest first.
    pub fn data_channels(&self) -> impl Iterator<Item = &DataChannelRecord> {
        self.channels
            .values()
            .map(|c| &c.record)
            .chain(self.closed_channels.iter())
    }

    /// The live channel on this stream id.
    pub fn channel(&self, id: u16) -> Option<&DataChannelRecord> {
        self.channels.get(&id).map(|c| &c.record)
    }

    /// dataChannelsOpened / dataChannelsClosed.
    pub fn peer_connection_counts(&self) -> PeerConnectionCounts {
        self.counts
    }

    /// Refusals and discards of remote input and local requests.
    pub fn discards(&self) -> DiscardCounters {
        self.discards
    }

    /// Bytes queued in sctp-proto for this channel and not yet acknowledged
    /// (the W3C `bufferedAmount`).
    pub fn buffered_amount(&mut self, id: u16) -> Option<usize> {
        let (_, assoc) = self.association.as_mut()?;
        assoc.stream(id).ok()?.buffered_amount().ok()
    }

    /// What the obsolete `sctp-transport` stats can honestly hold; see
    /// [`SctpTransportSnapshot`].
    pub fn sctp_transport_snapshot(&self) -> SctpTransportSnapshot {
        SctpTransportSnapshot {
            smoothed_rtt: self.observer.smoothed_rtt(),
            rtt_samples: self.observer.rtt_samples(),
            peer_receiver_window: self.observer.peer_receiver_window(),
            unacked_data_chunks: self.observer.unacked_chunks(),
            mtu: self
                .endpoint
                .config()
                .get_max_payload_size()
                .saturating_add(SCTP_PACKET_OVERHEAD),
        }
    }
}

/// What an event costs against [`SctpConfig::max_pending_event_bytes`].
fn event_cost(event: &SctpEvent) -> usize {
    EVENT_OVERHEAD_BYTES
        + match event {
            SctpEvent::Message { message, .. } => message.payload_len(),
            SctpEvent::ChannelOpen {
                label, protocol, ..
            } => label.len() + protocol.len(),
            SctpEvent::AssociationLost { reason } => reason.len(),
            SctpEvent::Connected | SctpEvent::ChannelClosed { .. } => 0,
        }
}

/// sctp-proto has no "unlimited"; 0 in SDP means no limit.
fn sctp_send_limit(remote_max_message_size: u32) -> u32 {
    if remote_max_message_size == 0 {
        u32::MAX
    } else {
        remote_max_message_size
    }
}

fn apply_reliability(
    stream: &mut sctp_proto::Stream<'_>,
    ordered: bool,
    record: &DataChannelRecord,
) -> Result<(), sctp_proto::Error> {
    let (kind, value) = match record.channel_type.reliability {
        Reliability::Reliable => (ReliabilityType::Reliable, 0),
        Reliability::MaxRetransmits(n) => (ReliabilityType::Rexmit, n),
        Reliability::MaxPacketLifeTime(ms) => (ReliabilityType::Timed, ms),
    };
    stream.set_reliability_params(!ordered, kind, value)
}
