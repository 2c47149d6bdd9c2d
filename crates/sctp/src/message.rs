//! Application messages and their SCTP payload protocol identifiers (RFC 8831 §6.6).

/// WebRTC DCEP (RFC 8832).
pub const PPID_DCEP: u32 = 50;
/// WebRTC String (UTF-8 text).
pub const PPID_STRING: u32 = 51;
/// WebRTC Binary.
pub const PPID_BINARY: u32 = 53;
/// WebRTC String Empty: an empty text message, sent as one dummy byte.
pub const PPID_STRING_EMPTY: u32 = 56;
/// WebRTC Binary Empty: an empty binary message, sent as one dummy byte.
pub const PPID_BINARY_EMPTY: u32 = 57;

/// One data-channel message, as the `message` event delivers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataChannelMessage {
    /// A string message (PPID 51, or 56 when empty).
    Text(String),
    /// A binary message (PPID 53, or 57 when empty).
    Binary(Vec<u8>),
}

impl DataChannelMessage {
    /// Payload bytes as counted by `bytesSent`/`bytesReceived` (UTF-8 length for text;
    /// empty messages count zero even though one dummy byte travels).
    pub fn payload_len(&self) -> usize {
        match self {
            Self::Text(text) => text.len(),
            Self::Binary(bytes) => bytes.len(),
        }
    }
}

/// What a payload protocol identifier says about a received user message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PayloadKind {
    Dcep,
    Text,
    Binary,
    EmptyText,
    EmptyBinary,
    Unknown,
}

impl PayloadKind {
    pub(crate) fn from_ppid(ppid: sctp_proto::PayloadProtocolIdentifier) -> Self {
        use sctp_proto::PayloadProtocolIdentifier as P;
        match ppid {
            P::Dcep => Self::Dcep,
            P::String => Self::Text,
            P::Binary => Self::Binary,
            P::StringEmpty => Self::EmptyText,
            P::BinaryEmpty => Self::EmptyBinary,
            _ => Self::Unknown,
        }
    }
}

/// The PPID to send a message with, and whether it needs the dummy byte.
pub(crate) fn outgoing_ppid(
    is_text: bool,
    is_empty: bool,
) -> sctp_proto::PayloadProtocolIdentifier {
    use sctp_proto::PayloadProtocolIdentifier as P;
    match (is_text, is_empty) {
        (true, false) => P::String,
        (true, true) => P::StringEmpty,
        (false, false) => P::Binary,
        (false, true) => P::BinaryEmpty,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sctp_proto::PayloadProtocolIdentifier as P;

    #[test]
    fn ppid_numbers_are_rfc_8831_values() {
        assert_eq!(P::Dcep as u32, PPID_DCEP);
        assert_eq!(outgoing_ppid(true, false) as u32, PPID_STRING);
        assert_eq!(outgoing_ppid(false, false) as u32, PPID_BINARY);
        assert_eq!(outgoing_ppid(true, true) as u32, PPID_STRING_EMPTY);
        assert_eq!(outgoing_ppid(false, true) as u32, PPID_BINARY_EMPTY);
        assert_eq!(PayloadKind::from_ppid(P::from(52)), PayloadKind::Unknown);
        assert_eq!(
            PayloadKind::from_ppid(P::from(57)),
            PayloadKind::EmptyBinary
        );
    }
}
