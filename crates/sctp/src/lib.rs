//! SCTP data channels for rtcscope: a sans-IO SCTP association (sctp-proto) with
//! WebRTC data channels on top (RFC 8831 data channels, RFC 8832 DCEP) and their
//! statistics. The DTLS layer carries the SCTP packets this crate takes and gives.

pub mod channel;
pub mod dcep;
pub mod error;
pub mod message;
pub mod observer;
pub mod report;
pub mod stats;
pub mod transport;

pub use channel::{DataChannelInit, DataChannelRecord, DataChannelState, MessageCounters};
pub use dcep::{ChannelType, DataChannelOpen, DcepError, DcepMessage, Reliability};
pub use error::DataChannelError;
pub use message::DataChannelMessage;
pub use stats::{DiscardCounters, PeerConnectionCounts, SctpTransportSnapshot};
pub use transport::{DtlsRole, SctpConfig, SctpEvent, SctpTransport};
