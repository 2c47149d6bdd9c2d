//! The few RTP/RTCP header fields SRTP needs (RFC 3550 §5.1, §6.4), read
//! without trusting any length the packet claims.

use crate::error::SrtpError;

/// Fixed RTP header: V/P/X/CC, M/PT, sequence number, timestamp, SSRC.
const RTP_FIXED_HEADER_LEN: usize = 12;
/// RTCP header SRTCP leaves in the clear: V/P/RC, PT, length, SSRC.
pub(crate) const RTCP_HEADER_LEN: usize = 8;

/// The RTP header fields SRTP uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RtpHeader {
    /// Octets of fixed header, CSRC list and header extension: the part
    /// left in the clear (and, for AES-GCM, the AAD).
    pub len: usize,
    pub sequence_number: u16,
    pub ssrc: u32,
}

/// Parses the RTP header at the front of `packet`; the header, CSRCs and
/// extension must all lie within `packet`.
pub(crate) fn parse_rtp(packet: &[u8]) -> Result<RtpHeader, SrtpError> {
    let fixed = packet
        .get(..RTP_FIXED_HEADER_LEN)
        .ok_or(SrtpError::Malformed)?;
    if fixed[0] >> 6 != 2 {
        return Err(SrtpError::Malformed);
    }
    let csrc_count = usize::from(fixed[0] & 0x0f);
    let has_extension = fixed[0] & 0x10 != 0;
    let sequence_number = u16::from_be_bytes([fixed[2], fixed[3]]);
    let ssrc = u32::from_be_bytes([fixed[8], fixed[9], fixed[10], fixed[11]]);
    let mut len = RTP_FIXED_HEADER_LEN + 4 * csrc_count;
    if has_extension {
        // Extension: 16-bit profile-defined id, 16-bit length in 32-bit words.
        let ext = packet.get(len..len + 4).ok_or(SrtpError::Malformed)?;
        let words = usize::from(u16::from_be_bytes([ext[2], ext[3]]));
        len += 4 + 4 * words;
    }
    if len > packet.len() {
        return Err(SrtpError::Malformed);
    }
    Ok(RtpHeader {
        len,
        sequence_number,
        ssrc,
    })
}

/// The sender SSRC of the first RTCP packet of a compound packet.
pub(crate) fn parse_rtcp_ssrc(packet: &[u8]) -> Result<u32, SrtpError> {
    let header = packet.get(..RTCP_HEADER_LEN).ok_or(SrtpError::Malformed)?;
    if header[0] >> 6 != 2 {
        return Err(SrtpError::Malformed);
    }
    Ok(u32::from_be_bytes([
        header[4], header[5], header[6], header[7],
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_length_counts_csrcs_and_extension() {
        let mut p = [0u8; 40];
        p[0] = 0x80;
        p[2..4].copy_from_slice(&0xbeefu16.to_be_bytes());
        p[8..12].copy_from_slice(&0xcafe_babeu32.to_be_bytes());
        assert_eq!(
            parse_rtp(&p[..12]),
            Ok(RtpHeader {
                len: 12,
                sequence_number: 0xbeef,
                ssrc: 0xcafe_babe
            })
        );
        // Two CSRCs.
        p[0] = 0x82;
        assert_eq!(parse_rtp(&p[..20]).map(|h| h.len), Ok(20));
        assert_eq!(parse_rtp(&p[..19]), Err(SrtpError::Malformed));
        // Two CSRCs plus an extension of 3 words: 12 + 8 + 4 + 12 = 36.
        p[0] = 0x92;
        p[22..24].copy_from_slice(&3u16.to_be_bytes());
        assert_eq!(parse_rtp(&p[..36]).map(|h| h.len), Ok(36));
        assert_eq!(parse_rtp(&p[..35]), Err(SrtpError::Malformed));
        // Extension header itself truncated.
        assert_eq!(parse_rtp(&p[..22]), Err(SrtpError::Malformed));
        // Version 1.
        p[0] = 0x40;
        assert_eq!(parse_rtp(&p), Err(SrtpError::Malformed));
        assert_eq!(parse_rtp(&p[..11]), Err(SrtpError::Malformed));
    }

    #[test]
    fn rtcp_ssrc_needs_eight_octets() {
        let p = [0x80, 200, 0, 6, 0x12, 0x34, 0x56, 0x78];
        assert_eq!(parse_rtcp_ssrc(&p), Ok(0x1234_5678));
        assert_eq!(parse_rtcp_ssrc(&p[..7]), Err(SrtpError::Malformed));
    }
}
