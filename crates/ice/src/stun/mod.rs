//! Our own STUN codec (RFC 8489, RFC 5389 wire format), limited to what ICE needs.
//!
//! Parsing is zero-copy (`StunMessage` borrows the datagram) and encoding writes into a
//! caller-provided buffer, so neither direction allocates.

mod message;
mod writer;

pub use message::{ErrorCodeAttr, StunMessage};
pub use writer::MessageWriter;

use std::fmt;

/// The fixed magic cookie of every RFC 5389/8489 message.
pub const MAGIC_COOKIE: u32 = 0x2112_A442;
/// Length of the STUN header.
pub const HEADER_LEN: usize = 20;
/// Method of Binding requests, responses and indications.
pub const METHOD_BINDING: u16 = 0x0001;
/// XOR value applied to the CRC-32 of the FINGERPRINT attribute (RFC 8489 §14.7).
pub const FINGERPRINT_XOR: u32 = 0x5354_554E;
/// Length of an HMAC-SHA1 value.
pub const HMAC_SHA1_LEN: usize = 20;

/// Attribute type codes used by ICE.
pub mod attr {
    pub const USERNAME: u16 = 0x0006;
    pub const MESSAGE_INTEGRITY: u16 = 0x0008;
    pub const ERROR_CODE: u16 = 0x0009;
    pub const UNKNOWN_ATTRIBUTES: u16 = 0x000A;
    pub const MESSAGE_INTEGRITY_SHA256: u16 = 0x001C;
    pub const XOR_MAPPED_ADDRESS: u16 = 0x0020;
    pub const PRIORITY: u16 = 0x0024;
    pub const USE_CANDIDATE: u16 = 0x0025;
    pub const SOFTWARE: u16 = 0x8022;
    pub const FINGERPRINT: u16 = 0x8028;
    pub const ICE_CONTROLLED: u16 = 0x8029;
    pub const ICE_CONTROLLING: u16 = 0x802A;
    // TURN (RFC 8656 §18).
    pub const CHANNEL_NUMBER: u16 = 0x000C;
    pub const LIFETIME: u16 = 0x000D;
    pub const XOR_PEER_ADDRESS: u16 = 0x0012;
    pub const DATA: u16 = 0x0013;
    pub const REALM: u16 = 0x0014;
    pub const NONCE: u16 = 0x0015;
    pub const XOR_RELAYED_ADDRESS: u16 = 0x0016;
    pub const REQUESTED_TRANSPORT: u16 = 0x0019;
}

/// TURN methods (RFC 8656 §17).
pub mod turn_method {
    pub const ALLOCATE: u16 = 0x003;
    pub const REFRESH: u16 = 0x004;
    pub const SEND: u16 = 0x006;
    pub const DATA: u16 = 0x007;
    pub const CREATE_PERMISSION: u16 = 0x008;
    pub const CHANNEL_BIND: u16 = 0x009;
}

/// ERROR-CODE: stale nonce (RFC 8489 §9.2.5).
pub const ERROR_STALE_NONCE: u16 = 438;

/// ERROR-CODE value of an ICE role conflict (RFC 8445 §7.3.1.1).
pub const ERROR_ROLE_CONFLICT: u16 = 487;
/// ERROR-CODE value for a request that fails authentication (RFC 8489 §6.3.1.1).
pub const ERROR_UNAUTHENTICATED: u16 = 401;
/// ERROR-CODE value of a malformed request.
pub const ERROR_BAD_REQUEST: u16 = 400;

/// The 96-bit STUN transaction id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct TransactionId(pub [u8; 12]);

/// The class bits of a STUN message type.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Class {
    Request,
    Indication,
    SuccessResponse,
    ErrorResponse,
}

impl Class {
    fn bits(self) -> u16 {
        match self {
            Class::Request => 0b00,
            Class::Indication => 0b01,
            Class::SuccessResponse => 0b10,
            Class::ErrorResponse => 0b11,
        }
    }

    fn from_bits(bits: u16) -> Class {
        match bits & 0b11 {
            0b00 => Class::Request,
            0b01 => Class::Indication,
            0b10 => Class::SuccessResponse,
            _ => Class::ErrorResponse,
        }
    }
}

/// Packs method and class into the 14-bit message type (RFC 8489 §5, figure 3).
pub fn message_type(class: Class, method: u16) -> u16 {
    let c = class.bits();
    let m = method & 0x0FFF;
    (m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2) | ((c & 0b01) << 4) | ((c & 0b10) << 7)
}

/// Splits a 14-bit message type into class and method.
pub fn split_message_type(message_type: u16) -> (Class, u16) {
    let class_bits = ((message_type >> 4) & 0b01) | ((message_type >> 7) & 0b10);
    let method =
        (message_type & 0x000F) | ((message_type >> 1) & 0x0070) | ((message_type >> 2) & 0x0F80);
    (Class::from_bits(class_bits), method)
}

/// Quick demultiplexing test (RFC 7983 first byte 0..=3 plus the magic cookie).
pub fn looks_like_stun(datagram: &[u8]) -> bool {
    datagram.len() >= HEADER_LEN && datagram[0] < 4 && datagram[4..8] == MAGIC_COOKIE.to_be_bytes()
}

/// Why a datagram could not be decoded or encoded as STUN.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StunError {
    /// Shorter than the 20-byte header.
    TooShort { len: usize },
    /// Top two bits set or wrong magic cookie: not a STUN message.
    NotStun,
    /// The header's length field disagrees with the datagram length.
    LengthMismatch { declared: usize, actual: usize },
    /// The header's length field is not a multiple of 4.
    UnalignedLength { declared: usize },
    /// An attribute's declared length runs past the end of the message.
    AttributeOverrun { attr_type: u16 },
    /// A known attribute has a length its definition does not allow.
    BadAttributeLength { attr_type: u16, len: usize },
    /// XOR-MAPPED-ADDRESS with an address family other than 1 (IPv4) or 2 (IPv6).
    BadAddressFamily { family: u8 },
    /// FINGERPRINT present but not the last attribute.
    FingerprintNotLast,
    /// FINGERPRINT value does not match the CRC-32 of the message.
    FingerprintMismatch,
    /// The output buffer cannot hold the message being written.
    BufferTooSmall,
    /// An attribute value longer than the 16-bit length field allows.
    ValueTooLong,
}

impl fmt::Display for StunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StunError::TooShort { len } => write!(f, "{len} bytes is shorter than a STUN header"),
            StunError::NotStun => write!(f, "not a STUN message"),
            StunError::LengthMismatch { declared, actual } => {
                write!(f, "STUN length {declared} but {actual} body bytes")
            }
            StunError::UnalignedLength { declared } => {
                write!(f, "STUN length {declared} is not a multiple of 4")
            }
            StunError::AttributeOverrun { attr_type } => {
                write!(f, "attribute 0x{attr_type:04x} runs past the message end")
            }
            StunError::BadAttributeLength { attr_type, len } => {
                write!(f, "attribute 0x{attr_type:04x} has invalid length {len}")
            }
            StunError::BadAddressFamily { family } => write!(f, "unknown address family {family}"),
            StunError::FingerprintNotLast => write!(f, "FINGERPRINT is not the last attribute"),
            StunError::FingerprintMismatch => write!(f, "FINGERPRINT does not match"),
            StunError::BufferTooSmall => write!(f, "output buffer too small"),
            StunError::ValueTooLong => write!(f, "attribute value too long"),
        }
    }
}

impl std::error::Error for StunError {}

/// Rounds up to the 4-byte attribute alignment.
pub(crate) fn padded(len: usize) -> usize {
    (len + 3) & !3
}

#[cfg(test)]
mod tests;
