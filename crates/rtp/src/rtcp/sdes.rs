//! Source description (RFC 3550 §6.5).

use super::compound::RtcpBuild;
use super::header::{PT_SDES, count_field, write_header};
use crate::error::{BuildError, RtcpError};
use crate::wire::{u8_at, u32_at};

/// SDES item types (RFC 3550 §6.5).
pub mod sdes_type {
    pub const END: u8 = 0;
    pub const CNAME: u8 = 1;
    pub const NAME: u8 = 2;
    pub const EMAIL: u8 = 3;
    pub const PHONE: u8 = 4;
    pub const LOC: u8 = 5;
    pub const TOOL: u8 = 6;
    pub const NOTE: u8 = 7;
    pub const PRIV: u8 = 8;
}

/// One SDES item (type and raw value, normally UTF-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdesItem<'a> {
    pub kind: u8,
    pub value: &'a [u8],
}

/// Walks one chunk starting at `data[0]`: returns (ssrc, items bytes,
/// bytes consumed including the null terminator and alignment padding).
#[inline]
fn split_chunk(data: &[u8]) -> Result<(u32, &[u8], usize), RtcpError> {
    if data.len() < 4 {
        return Err(RtcpError::Truncated {
            packet: "SDES",
            needed: 4,
            available: data.len(),
        });
    }
    let mut pos = 4;
    loop {
        match u8_at(data, pos) {
            _ if pos >= data.len() => {
                return Err(RtcpError::Malformed {
                    packet: "SDES",
                    reason: "chunk without a terminating null item",
                });
            }
            sdes_type::END => break,
            _ => {
                let len = usize::from(u8_at(data, pos + 1));
                let end = pos + 2 + len;
                if pos + 1 >= data.len() || end > data.len() {
                    return Err(RtcpError::Malformed {
                        packet: "SDES",
                        reason: "item runs past the packet",
                    });
                }
                pos = end;
            }
        }
    }
    let items = data.get(4..pos).unwrap_or(&[]);
    // The null octet, then padding to the next 32-bit boundary.
    let consumed = (pos + 1).div_ceil(4) * 4;
    Ok((u32_at(data, 0), items, consumed.min(data.len())))
}

/// Source description view (PT 202).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sdes<'a> {
    count: u8,
    body: &'a [u8],
}

impl<'a> Sdes<'a> {
    #[inline]
    pub(crate) fn parse(count: u8, body: &'a [u8]) -> Result<Self, RtcpError> {
        let mut rest = body;
        for _ in 0..count {
            let (_, _, consumed) = split_chunk(rest)?;
            rest = rest.get(consumed..).unwrap_or(&[]);
        }
        Ok(Sdes { count, body })
    }

    #[inline]
    pub fn chunks(&self) -> SdesChunkIter<'a> {
        SdesChunkIter {
            remaining: self.count,
            rest: self.body,
        }
    }
}

/// One SDES chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdesChunk<'a> {
    pub ssrc: u32,
    items: &'a [u8],
}

impl<'a> SdesChunk<'a> {
    #[inline]
    pub fn items(&self) -> SdesItemIter<'a> {
        SdesItemIter { rest: self.items }
    }

    /// The CNAME item's value, if present.
    #[inline]
    pub fn cname(&self) -> Option<&'a [u8]> {
        self.items()
            .find(|i| i.kind == sdes_type::CNAME)
            .map(|i| i.value)
    }
}

/// Iterator over SDES chunks.
#[derive(Debug, Clone)]
pub struct SdesChunkIter<'a> {
    remaining: u8,
    rest: &'a [u8],
}

impl<'a> Iterator for SdesChunkIter<'a> {
    type Item = SdesChunk<'a>;

    #[inline]
    fn next(&mut self) -> Option<SdesChunk<'a>> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let (ssrc, items, consumed) = split_chunk(self.rest).ok()?;
        self.rest = self.rest.get(consumed..).unwrap_or(&[]);
        Some(SdesChunk { ssrc, items })
    }
}

/// Iterator over the items of one chunk (validated at parse time).
#[derive(Debug, Clone)]
pub struct SdesItemIter<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for SdesItemIter<'a> {
    type Item = SdesItem<'a>;

    #[inline]
    fn next(&mut self) -> Option<SdesItem<'a>> {
        let (&[kind, len], after) = self.rest.split_first_chunk::<2>()?;
        let value = after.get(..usize::from(len))?;
        self.rest = after.get(usize::from(len)..).unwrap_or(&[]);
        Some(SdesItem { kind, value })
    }
}

/// One chunk to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdesChunkSpec<'a> {
    pub ssrc: u32,
    /// Items (type must not be 0; values at most 255 bytes).
    pub items: &'a [SdesItem<'a>],
}

/// Writes an SDES packet with up to 31 chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SdesBuilder<'a> {
    pub chunks: &'a [SdesChunkSpec<'a>],
}

impl RtcpBuild for SdesBuilder<'_> {
    fn encoded_len(&self) -> Result<usize, BuildError> {
        count_field(self.chunks.len(), "SDES chunks")?;
        let mut len = 4;
        for chunk in self.chunks {
            let mut items = 0;
            for item in chunk.items {
                if item.kind == sdes_type::END || item.value.len() > 255 {
                    return Err(BuildError::InvalidField {
                        field: "SDES item",
                        reason: "type must be non-zero and value at most 255 bytes",
                    });
                }
                items += 2 + item.value.len();
            }
            // ssrc + items + at least one null octet, padded to 4.
            len += (4 + items + 1).div_ceil(4) * 4;
        }
        Ok(len)
    }

    fn write(&self, out: &mut [u8]) -> Result<usize, BuildError> {
        let count = count_field(self.chunks.len(), "SDES chunks")?;
        let mut w = write_header(out, count, PT_SDES, self.encoded_len()?)?;
        for chunk in self.chunks {
            let start = w.pos();
            w.u32(chunk.ssrc)?;
            for item in chunk.items {
                w.u8(item.kind)?;
                w.u8(item.value.len() as u8)?;
                w.bytes(item.value)?;
            }
            let used = w.pos() - start + 1;
            w.zeros(1 + used.div_ceil(4) * 4 - used)?;
        }
        Ok(w.pos())
    }
}
