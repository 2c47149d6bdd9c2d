//! Extended reports (RFC 3611): RRTR and DLRR blocks; other block types
//! are framed by their length and passed through as raw.

use super::compound::RtcpBuild;
use super::header::{PT_XR, write_header};
use crate::error::{BuildError, RtcpError};
use crate::ntp::NtpTime;
use crate::wire::{u8_at, u16_at, u32_at, u64_at};

/// Receiver reference time report block (RFC 3611 §4.4).
pub const XR_BT_RRTR: u8 = 4;
/// DLRR report block (RFC 3611 §4.5).
pub const XR_BT_DLRR: u8 = 5;

const BLOCK_HEADER_LEN: usize = 4;
const RRTR_BODY_LEN: usize = 8;
const DLRR_ITEM_LEN: usize = 12;

/// One DLRR sub-block: the reply to an RRTR from receiver `ssrc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct DlrrItem {
    pub ssrc: u32,
    /// Compact NTP of the last RRTR received from `ssrc` (0 if none).
    pub last_rr: u32,
    /// Delay since that RRTR, 1/65536 s.
    pub delay_since_last_rr: u32,
}

/// One XR report block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XrBlock<'a> {
    Rrtr(NtpTime),
    Dlrr(DlrrIter<'a>),
    /// Any other block type, framed by its length.
    Unknown {
        block_type: u8,
        type_specific: u8,
        body: &'a [u8],
    },
}

/// Extended report view (PT 207).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Xr<'a> {
    ssrc: u32,
    blocks: &'a [u8],
}

impl<'a> Xr<'a> {
    #[inline]
    pub(crate) fn parse(body: &'a [u8]) -> Result<Self, RtcpError> {
        let blocks = body.get(4..).ok_or(RtcpError::Truncated {
            packet: "XR",
            needed: 4,
            available: body.len(),
        })?;
        // Validate the framing of every block so iteration cannot fail.
        let mut rest = blocks;
        while !rest.is_empty() {
            let block = split_block(rest)?;
            let ok = match block.block_type {
                XR_BT_RRTR => block.body.len() == RRTR_BODY_LEN,
                XR_BT_DLRR => block.body.len().is_multiple_of(DLRR_ITEM_LEN),
                _ => true,
            };
            if !ok {
                return Err(RtcpError::Malformed {
                    packet: "XR",
                    reason: "RRTR or DLRR block has a wrong length",
                });
            }
            rest = block.rest;
        }
        Ok(Xr {
            ssrc: u32_at(body, 0),
            blocks,
        })
    }

    /// SSRC of the originator of the XR.
    #[inline]
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    #[inline]
    pub fn blocks(&self) -> XrBlockIter<'a> {
        XrBlockIter { rest: self.blocks }
    }
}

/// One framed block and the bytes after it.
struct RawBlock<'a> {
    block_type: u8,
    type_specific: u8,
    body: &'a [u8],
    rest: &'a [u8],
}

#[inline]
fn split_block(data: &[u8]) -> Result<RawBlock<'_>, RtcpError> {
    if data.len() < BLOCK_HEADER_LEN {
        return Err(RtcpError::Truncated {
            packet: "XR block",
            needed: BLOCK_HEADER_LEN,
            available: data.len(),
        });
    }
    let len = BLOCK_HEADER_LEN + 4 * usize::from(u16_at(data, 2));
    let (block, rest) = data.split_at_checked(len).ok_or(RtcpError::Truncated {
        packet: "XR block",
        needed: len,
        available: data.len(),
    })?;
    Ok(RawBlock {
        block_type: u8_at(data, 0),
        type_specific: u8_at(data, 1),
        body: block.get(BLOCK_HEADER_LEN..).unwrap_or(&[]),
        rest,
    })
}

/// Iterator over XR blocks.
#[derive(Debug, Clone)]
pub struct XrBlockIter<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for XrBlockIter<'a> {
    type Item = XrBlock<'a>;

    #[inline]
    fn next(&mut self) -> Option<XrBlock<'a>> {
        // Framing was validated by Xr::parse.
        let RawBlock {
            block_type,
            type_specific,
            body,
            rest,
        } = split_block(self.rest).ok()?;
        self.rest = rest;
        Some(match block_type {
            XR_BT_RRTR => XrBlock::Rrtr(NtpTime(u64_at(body, 0))),
            XR_BT_DLRR => XrBlock::Dlrr(DlrrIter { data: body }),
            _ => XrBlock::Unknown {
                block_type,
                type_specific,
                body,
            },
        })
    }
}

/// Iterator over DLRR sub-blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DlrrIter<'a> {
    data: &'a [u8],
}

impl Iterator for DlrrIter<'_> {
    type Item = DlrrItem;

    #[inline]
    fn next(&mut self) -> Option<DlrrItem> {
        let (item, rest) = self.data.split_first_chunk::<DLRR_ITEM_LEN>()?;
        self.data = rest;
        Some(DlrrItem {
            ssrc: u32_at(item, 0),
            last_rr: u32_at(item, 4),
            delay_since_last_rr: u32_at(item, 8),
        })
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.data.len() / DLRR_ITEM_LEN;
        (n, Some(n))
    }
}

impl ExactSizeIterator for DlrrIter<'_> {}

/// Writes an XR with an RRTR block (if `rrtr` is set) and a DLRR block
/// (if `dlrr` is not empty), in that order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct XrBuilder<'a> {
    pub ssrc: u32,
    pub rrtr: Option<NtpTime>,
    pub dlrr: &'a [DlrrItem],
}

impl RtcpBuild for XrBuilder<'_> {
    fn encoded_len(&self) -> Result<usize, BuildError> {
        let rrtr = if self.rrtr.is_some() {
            BLOCK_HEADER_LEN + RRTR_BODY_LEN
        } else {
            0
        };
        let dlrr = if self.dlrr.is_empty() {
            0
        } else {
            BLOCK_HEADER_LEN + DLRR_ITEM_LEN * self.dlrr.len()
        };
        Ok(4 + 4 + rrtr + dlrr)
    }

    fn write(&self, out: &mut [u8]) -> Result<usize, BuildError> {
        let mut w = write_header(out, 0, PT_XR, self.encoded_len()?)?;
        w.u32(self.ssrc)?;
        if let Some(ntp) = self.rrtr {
            w.u8(XR_BT_RRTR)?;
            w.u8(0)?;
            w.u16(2)?;
            w.u64(ntp.0)?;
        }
        if !self.dlrr.is_empty() {
            let words = u16::try_from(3 * self.dlrr.len()).map_err(|_| BuildError::TooLarge)?;
            w.u8(XR_BT_DLRR)?;
            w.u8(0)?;
            w.u16(words)?;
            for item in self.dlrr {
                w.u32(item.ssrc)?;
                w.u32(item.last_rr)?;
                w.u32(item.delay_since_last_rr)?;
            }
        }
        Ok(w.pos())
    }
}
