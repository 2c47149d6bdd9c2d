//! The typed errors of protect/unprotect.

/// Why a packet could not be protected or unprotected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SrtpError {
    /// A master key or salt of the wrong length for the profile.
    InvalidKeyLength { expected: usize, actual: usize },
    /// DTLS keying material of the wrong length for the profile.
    InvalidKeyingMaterialLength { expected: usize, actual: usize },
    /// The packet is shorter than its header (or trailer) claims, or its
    /// version field is not 2.
    Malformed,
    /// The caller's buffer has no room for the tag (and SRTCP index).
    BufferTooSmall { needed: usize, available: usize },
    /// `len` exceeds the buffer handed in.
    LengthOutOfBounds { len: usize, buffer: usize },
    /// The authentication tag did not verify; the packet was dropped and the
    /// replay window left untouched.
    AuthenticationFailed,
    /// The packet index was already seen within the replay window.
    Replayed { index: u64 },
    /// The packet index is older than the replay window reaches.
    TooOld { index: u64 },
    /// A new SSRC would exceed the per-context stream cap.
    TooManyStreams { limit: usize },
    /// The 48-bit SRTP or 31-bit SRTCP index space is used up; the master
    /// key must be renewed (RFC 3711 §9.2).
    IndexExhausted,
}

impl core::fmt::Display for SrtpError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SrtpError::InvalidKeyLength { expected, actual } => {
                write!(f, "key or salt of {actual} octets, expected {expected}")
            }
            SrtpError::InvalidKeyingMaterialLength { expected, actual } => {
                write!(f, "keying material of {actual} octets, expected {expected}")
            }
            SrtpError::Malformed => f.write_str("malformed RTP/RTCP packet"),
            SrtpError::BufferTooSmall { needed, available } => {
                write!(f, "buffer of {available} octets, {needed} needed")
            }
            SrtpError::LengthOutOfBounds { len, buffer } => {
                write!(f, "length {len} beyond buffer of {buffer} octets")
            }
            SrtpError::AuthenticationFailed => f.write_str("authentication tag mismatch"),
            SrtpError::Replayed { index } => write!(f, "replayed packet index {index}"),
            SrtpError::TooOld { index } => {
                write!(f, "packet index {index} behind the replay window")
            }
            SrtpError::TooManyStreams { limit } => write!(f, "stream limit {limit} reached"),
            SrtpError::IndexExhausted => f.write_str("packet index space exhausted; rekey"),
        }
    }
}

impl std::error::Error for SrtpError {}
