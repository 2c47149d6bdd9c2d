//! Receiver estimated maximum bitrate (draft-alvestrand-rmcat-remb-03 §2.2),
//! carried as PSFB application layer feedback (FMT 15) with "REMB".

use super::bye_app::SsrcIter;
use super::compound::RtcpBuild;
use super::feedback::{FEEDBACK_HEADER_LEN, split_feedback};
use super::header::{FMT_AFB, PT_PSFB, write_header};
use crate::error::{BuildError, RtcpError};
use crate::wire::{u8_at, u24_at};

const IDENTIFIER: &[u8; 4] = b"REMB";
const MANTISSA_BITS: u32 = 18;

/// REMB view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Remb<'a> {
    sender_ssrc: u32,
    exponent: u8,
    mantissa: u32,
    ssrcs: &'a [u8],
}

impl<'a> Remb<'a> {
    /// Whether an AFB body carries the "REMB" identifier.
    #[inline]
    pub(crate) fn is_remb(body: &[u8]) -> bool {
        body.get(FEEDBACK_HEADER_LEN..FEEDBACK_HEADER_LEN + 4) == Some(IDENTIFIER.as_slice())
    }

    #[inline]
    pub(crate) fn parse(body: &'a [u8]) -> Result<Self, RtcpError> {
        let (sender_ssrc, _, fci) = split_feedback("REMB", body)?;
        if fci.len() < 8 {
            return Err(RtcpError::Truncated {
                packet: "REMB",
                needed: FEEDBACK_HEADER_LEN + 8,
                available: body.len(),
            });
        }
        let num_ssrc = usize::from(u8_at(fci, 4));
        let br = u24_at(fci, 5);
        let ssrcs = fci.get(8..8 + 4 * num_ssrc).ok_or(RtcpError::Malformed {
            packet: "REMB",
            reason: "SSRC count runs past the packet",
        })?;
        Ok(Remb {
            sender_ssrc,
            exponent: (br >> MANTISSA_BITS) as u8,
            mantissa: br & ((1 << MANTISSA_BITS) - 1),
            ssrcs,
        })
    }

    #[inline]
    pub fn sender_ssrc(&self) -> u32 {
        self.sender_ssrc
    }

    /// 6-bit exponent.
    #[inline]
    pub fn exponent(&self) -> u8 {
        self.exponent
    }

    /// 18-bit mantissa.
    #[inline]
    pub fn mantissa(&self) -> u32 {
        self.mantissa
    }

    /// mantissa × 2^exponent, saturating at `u64::MAX` (exponents above 46
    /// with a full mantissa cannot be represented).
    #[inline]
    pub fn bitrate_bps(&self) -> u64 {
        let m = u64::from(self.mantissa);
        if m == 0 {
            return 0;
        }
        let exp = u32::from(self.exponent);
        if exp > m.leading_zeros() {
            u64::MAX
        } else {
            m << exp
        }
    }

    /// Media SSRCs the estimate applies to.
    #[inline]
    pub fn ssrcs(&self) -> SsrcIter<'a> {
        SsrcIter::new(self.ssrcs)
    }
}

/// Writes a REMB. The bitrate is encoded with the smallest exponent whose
/// mantissa fits 18 bits (truncating, so the encoded value ≤ `bitrate_bps`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RembBuilder<'a> {
    pub sender_ssrc: u32,
    pub bitrate_bps: u64,
    /// At most 255.
    pub ssrcs: &'a [u32],
}

impl RembBuilder<'_> {
    /// (exponent, mantissa) for `bitrate_bps`.
    #[inline]
    pub fn encode_bitrate(bitrate_bps: u64) -> (u8, u32) {
        let significant = 64 - bitrate_bps.leading_zeros();
        let exponent = significant.saturating_sub(MANTISSA_BITS);
        // exponent ≤ 46 and the shifted value < 2^18.
        (exponent as u8, (bitrate_bps >> exponent) as u32)
    }
}

impl RtcpBuild for RembBuilder<'_> {
    fn encoded_len(&self) -> Result<usize, BuildError> {
        if self.ssrcs.len() > 255 {
            return Err(BuildError::InvalidField {
                field: "REMB ssrcs",
                reason: "at most 255",
            });
        }
        Ok(4 + FEEDBACK_HEADER_LEN + 8 + 4 * self.ssrcs.len())
    }

    fn write(&self, out: &mut [u8]) -> Result<usize, BuildError> {
        let mut w = write_header(out, FMT_AFB, PT_PSFB, self.encoded_len()?)?;
        let (exponent, mantissa) = Self::encode_bitrate(self.bitrate_bps);
        w.u32(self.sender_ssrc)?;
        w.u32(0)?;
        w.bytes(IDENTIFIER)?;
        w.u8(self.ssrcs.len() as u8)?;
        w.u24((u32::from(exponent) << MANTISSA_BITS) | mantissa)?;
        for &s in self.ssrcs {
            w.u32(s)?;
        }
        Ok(w.pos())
    }
}
