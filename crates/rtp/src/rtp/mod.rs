//! RTP (RFC 3550 §5.1) with RFC 8285 header extensions.

mod builder;
mod extension;
mod packet;

pub use builder::{ExtensionElement, Extensions, RtpBuilder};
pub use extension::{
    ExtensionIter, ONE_BYTE_PROFILE, TWO_BYTE_PROFILE_MASK, TWO_BYTE_PROFILE_PREFIX,
};
pub use packet::{CsrcIter, FIXED_HEADER_LEN, RtpPacket, is_rtcp, parse};
