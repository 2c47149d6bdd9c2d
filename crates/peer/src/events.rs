//! What the transport gives out: events, datagrams to send, counters, errors.

use std::net::SocketAddr;

use rtcscope_dtls::DtlsFailure;
use rtcscope_ice::IceEvent;
use rtcscope_sctp::{DataChannelError, SctpEvent};
use rtcscope_srtp::SrtpError;

use crate::feedback::ReceivedFeedback;
use crate::media::RtpFacts;

/// Datagram counters of the bundle: what arrived, and what was dropped where.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BundleCounters {
    pub datagrams_received: u64,
    pub stun_received: u64,
    pub dtls_received: u64,
    pub rtp_received: u64,
    pub rtcp_received: u64,
    /// First byte outside every RFC 7983 range we serve (or empty): discarded.
    pub unknown_discarded: u64,
    /// Non-STUN datagrams from an address that is no remote candidate of a pair.
    pub not_from_a_pair: u64,
    /// SRTP/SRTCP before the DTLS handshake keyed SRTP.
    pub srtp_not_ready: u64,
    /// SRTP packets refused by unprotect (authentication, replay, malformed).
    pub srtp_rejected: u64,
    /// SRTCP packets refused by unprotect.
    pub srtcp_rejected: u64,
    /// Compound RTCP with a malformed packet.
    pub rtcp_malformed: u64,
    /// Received media and feedback events dropped because `poll_event` was not drained.
    pub rtp_events_dropped: u64,
    /// DTLS application data while no SCTP association is configured.
    pub dtls_data_without_sctp: u64,
    /// DTLS, SCTP or RTCP output the lower layer refused to send.
    pub send_failures: u64,
    /// Datagrams after `close`.
    pub received_after_close: u64,
}

/// A received RTP packet handed to the media layer; `payload` is valid until
/// the next call on the transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceivedRtp<'a> {
    pub ssrc: u32,
    pub payload_type: u8,
    pub sequence_number: u16,
    pub timestamp: u32,
    pub marker: bool,
    pub payload: &'a [u8],
}

/// Something the peer connection must hear about.
#[derive(Debug, PartialEq)]
pub enum BundleEvent<'a> {
    /// From the ICE agent: local candidates to signal, state and role changes,
    /// selected pair changes.
    Ice(IceEvent),
    /// DTLS connected and the remote fingerprint matched; SRTP is keyed.
    DtlsConnected,
    /// The peer closed DTLS.
    DtlsClosed,
    /// DTLS failed; no media or data will flow.
    DtlsFailed(DtlsFailure),
    /// DTLS connected with keys SRTP could not use.
    SrtpKeyingFailed(SrtpError),
    /// A media packet.
    Rtp(ReceivedRtp<'a>),
    /// RTCP feedback about one of our streams (PLI/FIR/NACK).
    Feedback(ReceivedFeedback),
    /// A data-channel event.
    DataChannel(SctpEvent),
}

/// A datagram to send: from `source` (a local candidate's base) to `destination`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transmit<'a> {
    pub destination: SocketAddr,
    pub source: SocketAddr,
    pub contents: &'a [u8],
}

/// Data-channel calls refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataChannelApiError {
    /// No SCTP m-section is configured.
    NoSctp,
    /// The transport is closed.
    Closed,
    Channel(DataChannelError),
}

impl std::fmt::Display for DataChannelApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoSctp => write!(f, "no SCTP transport configured"),
            Self::Closed => write!(f, "transport closed"),
            Self::Channel(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for DataChannelApiError {}

/// Queued internally until `poll_event`.
pub(crate) enum Pending {
    Ice(IceEvent),
    DtlsConnected,
    DtlsClosed,
    DtlsFailed(DtlsFailure),
    SrtpKeyingFailed(SrtpError),
    Rtp(RtpFacts, Vec<u8>),
    Feedback(ReceivedFeedback),
}
