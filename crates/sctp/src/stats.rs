//! Plain statistics of the SCTP transport (mapped to rtcscope-stats objects in `report`).

use std::time::Duration;

/// RTCPeerConnectionStats members owned by data channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PeerConnectionCounts {
    /// Channels that entered "open".
    pub data_channels_opened: u32,
    /// Channels that left "open" (closed by either side or by association loss).
    pub data_channels_closed: u32,
}

/// Remote input we refused or dropped, and local requests we refused; each is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DiscardCounters {
    /// Packets sctp-proto did not accept (malformed, bad checksum or tag, a second association).
    pub packets_not_accepted: u64,
    /// User messages whose reassembled bytes could not be read.
    pub malformed_messages: u64,
    /// PPID 50 messages that are not valid DCEP.
    pub malformed_dcep: u64,
    /// DATA_CHANNEL_OPEN on an id in use, or ACK with no OPEN pending.
    pub unexpected_dcep: u64,
    /// DATA_CHANNEL_OPEN on a stream id of our own parity.
    pub open_wrong_parity: u64,
    /// The peer's DATA_CHANNEL_OPEN refused (channel cap, label cap, reserved id).
    pub remote_opens_refused: u64,
    /// Our own channel could not be opened on the association.
    pub local_opens_failed: u64,
    /// Messages on a stream with no open channel.
    pub messages_without_open_channel: u64,
    /// PPID 51 messages that are not UTF-8.
    pub invalid_utf8_messages: u64,
    /// Messages with a PPID data channels do not use (including deprecated 52/54).
    pub unknown_ppid_messages: u64,
    /// Sends refused because they exceed the peer's max-message-size.
    pub oversized_sends_refused: u64,
    /// Closed-channel records dropped to respect the retention cap.
    pub closed_records_evicted: u64,
}

/// The obsolete `sctp-transport` stats, as far as they can be known honestly.
///
/// Derived from the wire (see `observer`): `smoothed_rtt`, `peer_receiver_window`,
/// `unacked_data_chunks`. From the configuration sctp-proto runs with: `mtu`
/// (sctp-proto does no path-MTU discovery, so the configured value is the MTU in use).
/// Not available: `congestionWindow` (sctp-proto keeps cwnd private and the wire
/// does not show it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SctpTransportSnapshot {
    /// RFC 4960 §6.3.1 SRTT of our DATA, absent before the first sample.
    pub smoothed_rtt: Option<Duration>,
    /// Number of RTT samples behind `smoothed_rtt`.
    pub rtt_samples: u64,
    /// The peer's a_rwnd from its latest SACK.
    pub peer_receiver_window: Option<u32>,
    /// DATA chunks sent and not yet acknowledged.
    pub unacked_data_chunks: Option<u32>,
    /// SCTP packet size limit sctp-proto uses (bytes).
    pub mtu: u32,
}
