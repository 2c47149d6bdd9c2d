//! Typed errors for parsing and building.

use core::fmt;

/// Why an RTP packet was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RtpError {
    /// Shorter than the 12-byte fixed header.
    TooShort { available: usize },
    /// Version field is not 2.
    BadVersion(u8),
    /// The CSRC count points past the end of the buffer.
    CsrcOverrun { csrc_count: u8 },
    /// The header extension (its 4-byte header or its declared length)
    /// runs past the end of the buffer.
    ExtensionOverrun,
    /// An RFC 8285 element inside the extension block runs past the block.
    ExtensionElementOverrun { id: u8 },
    /// P bit set but the padding count is zero or larger than the space
    /// after the header.
    BadPadding { padding_len: u8 },
}

impl fmt::Display for RtpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RtpError::TooShort { available } => {
                write!(
                    f,
                    "RTP packet too short: {available} bytes, need at least 12"
                )
            }
            RtpError::BadVersion(v) => write!(f, "RTP version {v}, expected 2"),
            RtpError::CsrcOverrun { csrc_count } => {
                write!(
                    f,
                    "RTP CSRC list ({csrc_count} entries) runs past the packet"
                )
            }
            RtpError::ExtensionOverrun => write!(f, "RTP header extension runs past the packet"),
            RtpError::ExtensionElementOverrun { id } => {
                write!(
                    f,
                    "RTP header extension element id {id} runs past the extension block"
                )
            }
            RtpError::BadPadding { padding_len } => {
                write!(f, "RTP padding length {padding_len} is invalid")
            }
        }
    }
}

impl std::error::Error for RtpError {}

/// Why an RTCP packet inside a compound was rejected. Iteration over the
/// compound stops after the first error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RtcpError {
    /// Fewer than 4 bytes left for a common header.
    TooShort { available: usize },
    /// Version field is not 2.
    BadVersion(u8),
    /// The length field declares more bytes than remain in the compound.
    LengthOverrun { declared: usize, available: usize },
    /// P bit set but the padding count is zero or exceeds the packet body.
    BadPadding { padding_len: u8 },
    /// The packet body is shorter than its type (and counts) require.
    Truncated {
        packet: &'static str,
        needed: usize,
        available: usize,
    },
    /// The body is long enough but its contents are inconsistent.
    Malformed {
        packet: &'static str,
        reason: &'static str,
    },
}

impl fmt::Display for RtcpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RtcpError::TooShort { available } => {
                write!(f, "RTCP header needs 4 bytes, {available} left")
            }
            RtcpError::BadVersion(v) => write!(f, "RTCP version {v}, expected 2"),
            RtcpError::LengthOverrun {
                declared,
                available,
            } => write!(
                f,
                "RTCP length field declares {declared} bytes but only {available} remain"
            ),
            RtcpError::BadPadding { padding_len } => {
                write!(f, "RTCP padding length {padding_len} is invalid")
            }
            RtcpError::Truncated {
                packet,
                needed,
                available,
            } => write!(
                f,
                "RTCP {packet} truncated: needs {needed} bytes, has {available}"
            ),
            RtcpError::Malformed { packet, reason } => {
                write!(f, "RTCP {packet} malformed: {reason}")
            }
        }
    }
}

impl std::error::Error for RtcpError {}

/// Why a packet could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildError {
    /// The output buffer is too small.
    BufferTooSmall { needed: usize, available: usize },
    /// The packet would exceed what its length fields can express.
    TooLarge,
    /// A field value cannot be encoded (out of range, too many items...).
    InvalidField {
        field: &'static str,
        reason: &'static str,
    },
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::BufferTooSmall { needed, available } => write!(
                f,
                "output buffer too small: need {needed} bytes, have {available}"
            ),
            BuildError::TooLarge => write!(f, "packet too large for its length field"),
            BuildError::InvalidField { field, reason } => {
                write!(f, "cannot encode {field}: {reason}")
            }
        }
    }
}

impl std::error::Error for BuildError {}
