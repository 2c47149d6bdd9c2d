//! Errors returned to the application.

use core::fmt;

/// Why a data-channel operation was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataChannelError {
    /// No channel with this stream id.
    UnknownChannel(u16),
    /// The channel is not open (W3C InvalidStateError).
    NotOpen(u16),
    /// The message exceeds the peer's SDP max-message-size.
    MessageTooLarge {
        /// Payload size.
        size: usize,
        /// The peer's limit.
        max: u32,
    },
    /// A negotiated id is already used by another channel.
    IdInUse(u16),
    /// The channel limit (our own cap, or every stream id of our parity) is reached.
    TooManyChannels,
    /// Label or protocol is longer than 65535 bytes.
    LabelTooLong,
    /// The stream id 65535 is reserved (RFC 8831 §6.5).
    ReservedId,
    /// The SCTP association refused the operation.
    Sctp(String),
}

impl fmt::Display for DataChannelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownChannel(id) => write!(f, "no data channel with id {id}"),
            Self::NotOpen(id) => write!(f, "data channel {id} is not open"),
            Self::MessageTooLarge { size, max } => {
                write!(f, "message of {size} bytes exceeds max-message-size {max}")
            }
            Self::IdInUse(id) => write!(f, "data channel id {id} already in use"),
            Self::TooManyChannels => write!(f, "data channel limit reached"),
            Self::LabelTooLong => write!(f, "label or protocol longer than 65535 bytes"),
            Self::ReservedId => write!(f, "stream id 65535 is reserved"),
            Self::Sctp(e) => write!(f, "SCTP: {e}"),
        }
    }
}

impl std::error::Error for DataChannelError {}

impl From<sctp_proto::Error> for DataChannelError {
    fn from(e: sctp_proto::Error) -> Self {
        Self::Sctp(e.to_string())
    }
}
