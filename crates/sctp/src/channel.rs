//! Data-channel configuration, state and per-channel counters.

use crate::dcep::{ChannelType, Reliability, priority};

/// What `createDataChannel(label, init)` is given (W3C RTCDataChannelInit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataChannelInit {
    /// The channel label.
    pub label: String,
    /// The sub-protocol name ("" when none).
    pub protocol: String,
    /// Deliver messages in order.
    pub ordered: bool,
    /// Reliable, maxRetransmits or maxPacketLifeTime.
    pub reliability: Reliability,
    /// `Some(id)`: negotiated out of band (`negotiated: true, id`), no DCEP.
    /// `None`: in-band, the stream id is chosen by DTLS role and DCEP opens it.
    pub negotiated_id: Option<u16>,
    /// DCEP priority (RFC 8832 §5.1); 256 is the W3C default "low".
    pub priority: u16,
}

impl DataChannelInit {
    /// An ordered, reliable, in-band channel with this label.
    pub fn new(label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            protocol: String::new(),
            ordered: true,
            reliability: Reliability::Reliable,
            negotiated_id: None,
            priority: priority::NORMAL,
        }
    }

    pub(crate) fn channel_type(&self) -> ChannelType {
        ChannelType {
            ordered: self.ordered,
            reliability: self.reliability,
        }
    }
}

/// W3C RTCDataChannelState.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataChannelState {
    /// Waiting for the SCTP association.
    Connecting,
    /// Messages may be sent and received.
    Open,
    /// A stream reset is under way.
    Closing,
    /// Both directions of the stream are reset (or the association is gone).
    Closed,
}

impl DataChannelState {
    /// The WebIDL string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connecting => "connecting",
            Self::Open => "open",
            Self::Closing => "closing",
            Self::Closed => "closed",
        }
    }
}

/// Counters at our API boundary: a message counts when `send` accepts it and
/// when the `Message` event is emitted. Bytes are payload bytes (UTF-8 length
/// for text, zero for empty messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MessageCounters {
    /// Messages accepted by `send`.
    pub messages_sent: u64,
    /// Payload bytes accepted by `send`.
    pub bytes_sent: u64,
    /// `Message` events emitted.
    pub messages_received: u64,
    /// Payload bytes of emitted `Message` events.
    pub bytes_received: u64,
}

/// One data channel as statistics see it (live or retained after close).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataChannelRecord {
    /// Our identifier for the stats object, never reused on this transport ("D1", "D2", ...).
    pub stats_id: String,
    /// Channel label.
    pub label: String,
    /// Channel sub-protocol.
    pub protocol: String,
    /// SCTP stream id (the W3C `id` attribute).
    pub stream_id: u16,
    /// Ordering and reliability.
    pub channel_type: ChannelType,
    /// DCEP priority.
    pub priority: u16,
    /// Negotiated out of band (no DCEP).
    pub negotiated: bool,
    /// Opened by the peer's DATA_CHANNEL_OPEN.
    pub remote_initiated: bool,
    /// readyState.
    pub state: DataChannelState,
    /// Whether the channel has ever been open (for dataChannelsOpened/Closed).
    pub was_opened: bool,
    /// Message and byte counters.
    pub counters: MessageCounters,
}

impl DataChannelRecord {
    pub(crate) fn new_local(stats_id: String, stream_id: u16, init: &DataChannelInit) -> Self {
        Self {
            stats_id,
            label: init.label.clone(),
            protocol: init.protocol.clone(),
            stream_id,
            channel_type: init.channel_type(),
            priority: init.priority,
            negotiated: init.negotiated_id.is_some(),
            remote_initiated: false,
            state: DataChannelState::Connecting,
            was_opened: false,
            counters: MessageCounters::default(),
        }
    }
}

/// Per-channel protocol state that statistics do not show.
#[derive(Debug, Clone)]
pub(crate) struct Channel {
    pub(crate) record: DataChannelRecord,
    /// In-band opener: messages go ordered until the DATA_CHANNEL_ACK arrives
    /// (RFC 8832 §6), so the OPEN cannot be overtaken.
    pub(crate) awaiting_ack: bool,
}
