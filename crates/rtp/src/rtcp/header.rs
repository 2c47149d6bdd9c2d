//! The RTCP common header (RFC 3550 §6.4.1) and packet type constants.

use crate::error::BuildError;
use crate::wire::Cursor;

pub const PT_SR: u8 = 200;
pub const PT_RR: u8 = 201;
pub const PT_SDES: u8 = 202;
pub const PT_BYE: u8 = 203;
pub const PT_APP: u8 = 204;
/// Transport-layer feedback (RFC 4585 §6.2).
pub const PT_RTPFB: u8 = 205;
/// Payload-specific feedback (RFC 4585 §6.3).
pub const PT_PSFB: u8 = 206;
/// Extended reports (RFC 3611).
pub const PT_XR: u8 = 207;

/// RTPFB FMT: generic NACK (RFC 4585 §6.2.1).
pub const FMT_NACK: u8 = 1;
/// RTPFB FMT: transport-wide congestion control feedback.
pub const FMT_TWCC: u8 = 15;
/// PSFB FMT: picture loss indication (RFC 4585 §6.3.1).
pub const FMT_PLI: u8 = 1;
/// PSFB FMT: full intra request (RFC 5104 §4.3.1).
pub const FMT_FIR: u8 = 4;
/// PSFB FMT: application layer feedback (REMB lives here).
pub const FMT_AFB: u8 = 15;

pub(crate) const HEADER_LEN: usize = 4;

/// Largest RTCP packet the 16-bit length field can describe.
pub(crate) const MAX_PACKET_LEN: usize = (u16::MAX as usize + 1) * 4;

/// Checks `total_len` and the output size, then writes the common header.
/// `total_len` includes the header and must be a multiple of 4.
#[inline]
pub(crate) fn write_header(
    out: &mut [u8],
    count: u8,
    packet_type: u8,
    total_len: usize,
) -> Result<Cursor<'_>, BuildError> {
    if count > 31 {
        return Err(BuildError::InvalidField {
            field: "count",
            reason: "at most 31 items per packet",
        });
    }
    if total_len > MAX_PACKET_LEN || !total_len.is_multiple_of(4) || total_len < HEADER_LEN {
        return Err(BuildError::TooLarge);
    }
    let mut w = Cursor::new(out);
    w.ensure(total_len)?;
    w.u8(0x80 | count)?;
    w.u8(packet_type)?;
    // Checked above: total_len / 4 - 1 ≤ u16::MAX.
    w.u16((total_len / 4 - 1) as u16)?;
    Ok(w)
}

/// Item count as the 5-bit header field.
#[inline]
pub(crate) fn count_field(n: usize, field: &'static str) -> Result<u8, BuildError> {
    u8::try_from(n)
        .ok()
        .filter(|&c| c <= 31)
        .ok_or(BuildError::InvalidField {
            field,
            reason: "at most 31 per packet",
        })
}
