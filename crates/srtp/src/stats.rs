//! Counters a context keeps for statistics and diagnostics.

/// Totals since the context was created. Drops are counted on the receive
/// side only; a packet is counted under the first reason it failed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SrtpStats {
    pub rtp_packets_protected: u64,
    pub rtp_packets_unprotected: u64,
    pub rtcp_packets_protected: u64,
    pub rtcp_packets_unprotected: u64,
    /// SRTP and SRTCP packets whose tag did not verify.
    pub auth_failures: u64,
    /// SRTP and SRTCP packets whose index was already accepted.
    pub replays_dropped: u64,
    /// SRTP and SRTCP packets older than the replay window reaches.
    pub too_old_dropped: u64,
    /// Received packets too short or not RTP/RTCP version 2.
    pub malformed_dropped: u64,
    /// Received packets of a new SSRC when the stream cap was reached.
    pub stream_limit_dropped: u64,
}
