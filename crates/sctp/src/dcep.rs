//! The Data Channel Establishment Protocol wire format (RFC 8832 §5).
//!
//! DATA_CHANNEL_OPEN (type 0x03):
//! ```text
//!  0: message type (0x03)   1: channel type   2..4: priority (BE)
//!  4..8: reliability parameter (BE)
//!  8..10: label length (BE)  10..12: protocol length (BE)
//!  12..: label bytes, then protocol bytes
//! ```
//! DATA_CHANNEL_ACK (type 0x02) is a single byte.

use core::fmt;

/// DCEP message type of DATA_CHANNEL_OPEN.
pub const MESSAGE_TYPE_OPEN: u8 = 0x03;
/// DCEP message type of DATA_CHANNEL_ACK.
pub const MESSAGE_TYPE_ACK: u8 = 0x02;
/// Fixed part of DATA_CHANNEL_OPEN before label and protocol.
pub const OPEN_HEADER_LEN: usize = 12;

/// Bit 7 of the channel type: messages may be delivered unordered.
const UNORDERED_BIT: u8 = 0x80;

/// Priority values suggested by RFC 8832 §5.1 (matching W3C RTCPriorityType).
pub mod priority {
    /// "very-low"
    pub const BELOW_NORMAL: u16 = 128;
    /// "low" (the W3C default)
    pub const NORMAL: u16 = 256;
    /// "medium"
    pub const HIGH: u16 = 512;
    /// "high"
    pub const EXTRA_HIGH: u16 = 1024;
}

/// How often a message may be sent before it is given up (RFC 3758 policies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reliability {
    /// Retransmit until acknowledged.
    #[default]
    Reliable,
    /// W3C `maxRetransmits`: at most this many retransmissions per message.
    MaxRetransmits(u32),
    /// W3C `maxPacketLifeTime`: give up after this many milliseconds.
    MaxPacketLifeTime(u32),
}

/// The channel type byte plus the reliability parameter of an OPEN message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelType {
    /// Whether messages must be delivered in order.
    pub ordered: bool,
    /// Partial-reliability policy.
    pub reliability: Reliability,
}

impl ChannelType {
    /// The channel type byte and the 32-bit reliability parameter.
    pub fn to_wire(self) -> (u8, u32) {
        let (base, parameter) = match self.reliability {
            Reliability::Reliable => (0x00, 0),
            Reliability::MaxRetransmits(n) => (0x01, n),
            Reliability::MaxPacketLifeTime(ms) => (0x02, ms),
        };
        let unordered = if self.ordered { 0 } else { UNORDERED_BIT };
        (base | unordered, parameter)
    }

    /// Parse the channel type byte; unknown types are an error.
    pub fn from_wire(channel_type: u8, parameter: u32) -> Result<Self, DcepError> {
        let reliability = match channel_type & !UNORDERED_BIT {
            0x00 => Reliability::Reliable,
            0x01 => Reliability::MaxRetransmits(parameter),
            0x02 => Reliability::MaxPacketLifeTime(parameter),
            _ => return Err(DcepError::UnknownChannelType(channel_type)),
        };
        Ok(Self {
            ordered: channel_type & UNORDERED_BIT == 0,
            reliability,
        })
    }
}

/// A decoded DATA_CHANNEL_OPEN message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataChannelOpen {
    /// Ordering and reliability of the channel.
    pub channel_type: ChannelType,
    /// Relative priority (RFC 8832 §5.1).
    pub priority: u16,
    /// Channel label (UTF-8).
    pub label: String,
    /// Sub-protocol name (UTF-8, may be empty).
    pub protocol: String,
}

impl DataChannelOpen {
    /// Encoded length in bytes.
    pub fn encoded_len(&self) -> usize {
        OPEN_HEADER_LEN + self.label.len() + self.protocol.len()
    }

    /// Append the wire form to `out`. Labels or protocols longer than 65535
    /// bytes cannot be represented and are an error.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), DcepError> {
        let label_len =
            u16::try_from(self.label.len()).map_err(|_| DcepError::FieldTooLong("label"))?;
        let protocol_len =
            u16::try_from(self.protocol.len()).map_err(|_| DcepError::FieldTooLong("protocol"))?;
        let (channel_type, parameter) = self.channel_type.to_wire();
        out.reserve(self.encoded_len());
        out.push(MESSAGE_TYPE_OPEN);
        out.push(channel_type);
        out.extend_from_slice(&self.priority.to_be_bytes());
        out.extend_from_slice(&parameter.to_be_bytes());
        out.extend_from_slice(&label_len.to_be_bytes());
        out.extend_from_slice(&protocol_len.to_be_bytes());
        out.extend_from_slice(self.label.as_bytes());
        out.extend_from_slice(self.protocol.as_bytes());
        Ok(())
    }
}

/// A decoded DCEP message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DcepMessage {
    /// DATA_CHANNEL_OPEN.
    Open(DataChannelOpen),
    /// DATA_CHANNEL_ACK.
    Ack,
}

/// Why a DCEP message could not be decoded or encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DcepError {
    /// The message is empty.
    Empty,
    /// The message type byte is neither OPEN nor ACK.
    UnknownMessageType(u8),
    /// The channel type byte is not one RFC 8832 defines.
    UnknownChannelType(u8),
    /// The message is shorter than its header or its declared lengths.
    Truncated {
        /// Bytes the header and lengths require.
        needed: usize,
        /// Bytes present.
        got: usize,
    },
    /// Label or protocol is not valid UTF-8.
    InvalidUtf8(&'static str),
    /// Label or protocol exceeds 65535 bytes (encode only).
    FieldTooLong(&'static str),
}

impl fmt::Display for DcepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "empty DCEP message"),
            Self::UnknownMessageType(t) => write!(f, "unknown DCEP message type {t:#04x}"),
            Self::UnknownChannelType(t) => write!(f, "unknown DCEP channel type {t:#04x}"),
            Self::Truncated { needed, got } => {
                write!(f, "truncated DCEP message: need {needed} bytes, got {got}")
            }
            Self::InvalidUtf8(field) => write!(f, "DCEP {field} is not valid UTF-8"),
            Self::FieldTooLong(field) => write!(f, "DCEP {field} longer than 65535 bytes"),
        }
    }
}

impl std::error::Error for DcepError {}

fn be_u16(bytes: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([bytes[at], bytes[at + 1]])
}

impl DcepMessage {
    /// Decode one DCEP message (the whole SCTP user message with PPID 50).
    /// Trailing bytes after an ACK or after the protocol field are ignored,
    /// as RFC 8832 gives them no meaning.
    pub fn decode(bytes: &[u8]) -> Result<Self, DcepError> {
        let Some(&message_type) = bytes.first() else {
            return Err(DcepError::Empty);
        };
        match message_type {
            MESSAGE_TYPE_ACK => Ok(Self::Ack),
            MESSAGE_TYPE_OPEN => {
                if bytes.len() < OPEN_HEADER_LEN {
                    return Err(DcepError::Truncated {
                        needed: OPEN_HEADER_LEN,
                        got: bytes.len(),
                    });
                }
                let parameter = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
                let channel_type = ChannelType::from_wire(bytes[1], parameter)?;
                let priority = be_u16(bytes, 2);
                let label_len = usize::from(be_u16(bytes, 8));
                let protocol_len = usize::from(be_u16(bytes, 10));
                let needed = OPEN_HEADER_LEN + label_len + protocol_len;
                if bytes.len() < needed {
                    return Err(DcepError::Truncated {
                        needed,
                        got: bytes.len(),
                    });
                }
                let label_end = OPEN_HEADER_LEN + label_len;
                let label = core::str::from_utf8(&bytes[OPEN_HEADER_LEN..label_end])
                    .map_err(|_| DcepError::InvalidUtf8("label"))?;
                let protocol = core::str::from_utf8(&bytes[label_end..needed])
                    .map_err(|_| DcepError::InvalidUtf8("protocol"))?;
                Ok(Self::Open(DataChannelOpen {
                    channel_type,
                    priority,
                    label: label.to_owned(),
                    protocol: protocol.to_owned(),
                }))
            }
            other => Err(DcepError::UnknownMessageType(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_partial_reliable_unordered_matches_hand_built_bytes() {
        let open = DataChannelOpen {
            channel_type: ChannelType {
                ordered: false,
                reliability: Reliability::MaxRetransmits(3),
            },
            priority: priority::NORMAL,
            label: "chat".into(),
            protocol: "x".into(),
        };
        let mut wire = Vec::new();
        open.encode(&mut wire).unwrap();
        let expected: [u8; 17] = [
            0x03, // DATA_CHANNEL_OPEN
            0x81, // PARTIAL_RELIABLE_REXMIT_UNORDERED
            0x01, 0x00, // priority 256
            0x00, 0x00, 0x00, 0x03, // 3 retransmissions
            0x00, 0x04, // label length
            0x00, 0x01, // protocol length
            b'c', b'h', b'a', b't', b'x',
        ];
        assert_eq!(wire, expected);
        assert_eq!(DcepMessage::decode(&wire).unwrap(), DcepMessage::Open(open));
    }

    #[test]
    fn channel_type_bytes_follow_rfc_8832_table() {
        let cases = [
            (true, Reliability::Reliable, 0x00, 0),
            (false, Reliability::Reliable, 0x80, 0),
            (true, Reliability::MaxRetransmits(0), 0x01, 0),
            (false, Reliability::MaxRetransmits(7), 0x81, 7),
            (true, Reliability::MaxPacketLifeTime(1500), 0x02, 1500),
            (false, Reliability::MaxPacketLifeTime(20), 0x82, 20),
        ];
        for (ordered, reliability, byte, parameter) in cases {
            let t = ChannelType {
                ordered,
                reliability,
            };
            assert_eq!(t.to_wire(), (byte, parameter));
            assert_eq!(ChannelType::from_wire(byte, parameter).unwrap(), t);
        }
        assert_eq!(
            ChannelType::from_wire(0x03, 0),
            Err(DcepError::UnknownChannelType(0x03))
        );
    }

    #[test]
    fn ack_is_one_byte() {
        assert_eq!(DcepMessage::decode(&[0x02]).unwrap(), DcepMessage::Ack);
    }

    #[test]
    fn hostile_open_messages_are_typed_errors() {
        assert_eq!(DcepMessage::decode(&[]), Err(DcepError::Empty));
        assert_eq!(
            DcepMessage::decode(&[0x07]),
            Err(DcepError::UnknownMessageType(0x07))
        );
        assert_eq!(
            DcepMessage::decode(&[0x03, 0, 1, 0]),
            Err(DcepError::Truncated { needed: 12, got: 4 })
        );
        // Label length claims 0xFFFF bytes, only 2 present.
        let lying = [0x03, 0, 1, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, b'a', b'b'];
        assert_eq!(
            DcepMessage::decode(&lying),
            Err(DcepError::Truncated {
                needed: 12 + 0xFFFF,
                got: 14
            })
        );
        let bad_utf8 = [0x03, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0xFF];
        assert_eq!(
            DcepMessage::decode(&bad_utf8),
            Err(DcepError::InvalidUtf8("label"))
        );
    }
}
