//! rtcscope-stats objects for the data-channel, peer-connection and obsolete
//! sctp-transport dictionaries. Timestamps come from the caller (an
//! `rtcscope_stats::EpochClock` maps simulated `Instant`s to epoch milliseconds).

use rtcscope_stats::{
    RTCDataChannelState, RTCDataChannelStats, RTCPeerConnectionStats, RTCSctpTransportStats,
    RTCStatsReport,
};

use crate::channel::{DataChannelRecord, DataChannelState};
use crate::stats::{PeerConnectionCounts, SctpTransportSnapshot};
use crate::transport::SctpTransport;

/// WebIDL `unsigned long` from our 64-bit counters: saturate rather than wrap.
fn saturating_u32(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

impl From<DataChannelState> for RTCDataChannelState {
    fn from(state: DataChannelState) -> Self {
        match state {
            DataChannelState::Connecting => Self::Connecting,
            DataChannelState::Open => Self::Open,
            DataChannelState::Closing => Self::Closing,
            DataChannelState::Closed => Self::Closed,
        }
    }
}

impl DataChannelRecord {
    /// The `data-channel` object of this channel.
    pub fn to_stats(&self, timestamp: f64) -> RTCDataChannelStats {
        RTCDataChannelStats {
            id: self.stats_id.clone(),
            timestamp,
            label: Some(self.label.clone()),
            protocol: Some(self.protocol.clone()),
            data_channel_identifier: Some(self.stream_id),
            state: self.state.into(),
            messages_sent: Some(saturating_u32(self.counters.messages_sent)),
            bytes_sent: Some(self.counters.bytes_sent),
            messages_received: Some(saturating_u32(self.counters.messages_received)),
            bytes_received: Some(self.counters.bytes_received),
            ..Default::default()
        }
    }
}

impl PeerConnectionCounts {
    /// The data-channel members of the `peer-connection` object `id`.
    pub fn to_stats(self, id: &str, timestamp: f64) -> RTCPeerConnectionStats {
        RTCPeerConnectionStats {
            id: id.to_owned(),
            timestamp,
            data_channels_opened: Some(self.data_channels_opened),
            data_channels_closed: Some(self.data_channels_closed),
            ..Default::default()
        }
    }
}

impl SctpTransportSnapshot {
    /// The obsolete `sctp-transport` object. `congestionWindow` stays absent:
    /// sctp-proto does not expose it and the wire does not show it.
    pub fn to_stats(
        self,
        id: &str,
        transport_id: Option<String>,
        timestamp: f64,
    ) -> RTCSctpTransportStats {
        RTCSctpTransportStats {
            id: id.to_owned(),
            timestamp,
            transport_id,
            smoothed_round_trip_time: self.smoothed_rtt.map(|d| d.as_secs_f64()),
            congestion_window: None,
            receiver_window: self.peer_receiver_window,
            mtu: Some(self.mtu),
            unack_data: self.unacked_data_chunks,
            ..Default::default()
        }
    }
}

impl SctpTransport {
    /// One `data-channel` object per channel, live and retained closed ones.
    pub fn data_channel_stats(&self, timestamp: f64) -> Vec<RTCDataChannelStats> {
        self.data_channels()
            .map(|record| record.to_stats(timestamp))
            .collect()
    }

    /// Add this transport's `data-channel` objects to `report`. The
    /// `peer-connection` object (see [`PeerConnectionCounts::to_stats`]) and the
    /// opt-in `sctp-transport` object (see [`SctpTransportSnapshot::to_stats`]) are
    /// the peer connection's to add, as it owns their ids.
    pub fn insert_data_channel_stats(&self, report: &mut RTCStatsReport, timestamp: f64) {
        for record in self.data_channels() {
            report.insert(record.to_stats(timestamp));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::MessageCounters;
    use crate::dcep::{ChannelType, Reliability};
    use std::time::Duration;

    #[test]
    fn record_maps_to_data_channel_dictionary() {
        let record = DataChannelRecord {
            stats_id: "D1".into(),
            label: "chat".into(),
            protocol: String::new(),
            stream_id: 1,
            channel_type: ChannelType {
                ordered: true,
                reliability: Reliability::Reliable,
            },
            priority: 256,
            negotiated: false,
            remote_initiated: false,
            state: DataChannelState::Open,
            was_opened: true,
            counters: MessageCounters {
                messages_sent: 10,
                bytes_sent: 70,
                messages_received: u64::from(u32::MAX) + 5,
                bytes_received: 0,
            },
        };
        let s = record.to_stats(1_795_469_422_892.43);
        assert_eq!(s.id, "D1");
        assert_eq!(s.label.as_deref(), Some("chat"));
        assert_eq!(s.protocol.as_deref(), Some(""));
        assert_eq!(s.data_channel_identifier, Some(1));
        assert_eq!(s.state, RTCDataChannelState::Open);
        assert_eq!(s.messages_sent, Some(10));
        assert_eq!(s.bytes_sent, Some(70));
        assert_eq!(
            s.messages_received,
            Some(u32::MAX),
            "saturates, never wraps"
        );
        assert_eq!(s.bytes_received, Some(0));
    }

    #[test]
    fn sctp_snapshot_maps_seconds_and_leaves_cwnd_absent() {
        let snap = SctpTransportSnapshot {
            smoothed_rtt: Some(Duration::from_millis(125)),
            rtt_samples: 2,
            peer_receiver_window: Some(4000),
            unacked_data_chunks: Some(3),
            mtu: 1228,
        };
        let s = snap.to_stats("S1", Some("T01".into()), 5.0);
        assert_eq!(s.smoothed_round_trip_time, Some(0.125));
        assert_eq!(s.receiver_window, Some(4000));
        assert_eq!(s.unack_data, Some(3));
        assert_eq!(s.mtu, Some(1228));
        assert_eq!(s.congestion_window, None);
        assert_eq!(s.transport_id.as_deref(), Some("T01"));
        let before_rtt = SctpTransportSnapshot::default().to_stats("S1", None, 5.0);
        assert_eq!(before_rtt.smoothed_round_trip_time, None);
    }
}
