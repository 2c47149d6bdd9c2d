//! BYE (RFC 3550 §6.6) and APP (RFC 3550 §6.7).

use super::compound::RtcpBuild;
use super::header::{PT_APP, PT_BYE, count_field, write_header};
use crate::error::{BuildError, RtcpError};
use crate::wire::{u8_at, u32_at};

/// Iterator over a list of SSRCs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsrcIter<'a> {
    data: &'a [u8],
}

impl<'a> SsrcIter<'a> {
    #[inline]
    pub(crate) fn new(data: &'a [u8]) -> Self {
        SsrcIter { data }
    }
}

impl Iterator for SsrcIter<'_> {
    type Item = u32;

    #[inline]
    fn next(&mut self) -> Option<u32> {
        let (s, rest) = self.data.split_first_chunk::<4>()?;
        self.data = rest;
        Some(u32::from_be_bytes(*s))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.data.len() / 4;
        (n, Some(n))
    }
}

impl ExactSizeIterator for SsrcIter<'_> {}

/// Goodbye view (PT 203).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bye<'a> {
    ssrcs: &'a [u8],
    reason: Option<&'a [u8]>,
}

impl<'a> Bye<'a> {
    #[inline]
    pub(crate) fn parse(count: u8, body: &'a [u8]) -> Result<Self, RtcpError> {
        let n = 4 * usize::from(count);
        let (ssrcs, rest) = body.split_at_checked(n).ok_or(RtcpError::Truncated {
            packet: "BYE",
            needed: n,
            available: body.len(),
        })?;
        let reason = match rest.split_first() {
            None => None,
            Some((&len, text)) => {
                Some(text.get(..usize::from(len)).ok_or(RtcpError::Malformed {
                    packet: "BYE",
                    reason: "reason runs past the packet",
                })?)
            }
        };
        Ok(Bye { ssrcs, reason })
    }

    #[inline]
    pub fn ssrcs(&self) -> SsrcIter<'a> {
        SsrcIter::new(self.ssrcs)
    }

    /// Reason for leaving, if given (normally UTF-8).
    #[inline]
    pub fn reason(&self) -> Option<&'a [u8]> {
        self.reason
    }
}

/// Writes a BYE with up to 31 SSRCs and an optional reason (≤ 255 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ByeBuilder<'a> {
    pub ssrcs: &'a [u32],
    pub reason: Option<&'a [u8]>,
}

impl RtcpBuild for ByeBuilder<'_> {
    fn encoded_len(&self) -> Result<usize, BuildError> {
        count_field(self.ssrcs.len(), "BYE ssrcs")?;
        let reason = match self.reason {
            None => 0,
            Some(r) if r.len() <= 255 => (1 + r.len()).div_ceil(4) * 4,
            Some(_) => {
                return Err(BuildError::InvalidField {
                    field: "BYE reason",
                    reason: "at most 255 bytes",
                });
            }
        };
        Ok(4 + 4 * self.ssrcs.len() + reason)
    }

    fn write(&self, out: &mut [u8]) -> Result<usize, BuildError> {
        let count = count_field(self.ssrcs.len(), "BYE ssrcs")?;
        let total = self.encoded_len()?;
        let mut w = write_header(out, count, PT_BYE, total)?;
        for &s in self.ssrcs {
            w.u32(s)?;
        }
        if let Some(r) = self.reason {
            w.u8(r.len() as u8)?;
            w.bytes(r)?;
            w.zeros(total - w.pos())?;
        }
        Ok(w.pos())
    }
}

/// Application-defined packet view (PT 204).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct App<'a> {
    subtype: u8,
    ssrc: u32,
    name: [u8; 4],
    data: &'a [u8],
}

impl<'a> App<'a> {
    #[inline]
    pub(crate) fn parse(subtype: u8, body: &'a [u8]) -> Result<Self, RtcpError> {
        let data = body.get(8..).ok_or(RtcpError::Truncated {
            packet: "APP",
            needed: 8,
            available: body.len(),
        })?;
        Ok(App {
            subtype,
            ssrc: u32_at(body, 0),
            name: [
                u8_at(body, 4),
                u8_at(body, 5),
                u8_at(body, 6),
                u8_at(body, 7),
            ],
            data,
        })
    }

    #[inline]
    pub fn subtype(&self) -> u8 {
        self.subtype
    }

    #[inline]
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    #[inline]
    pub fn name(&self) -> [u8; 4] {
        self.name
    }

    #[inline]
    pub fn data(&self) -> &'a [u8] {
        self.data
    }
}

/// Writes an APP packet; `data` must be a multiple of 4 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AppBuilder<'a> {
    /// 5 bits.
    pub subtype: u8,
    pub ssrc: u32,
    pub name: [u8; 4],
    pub data: &'a [u8],
}

impl RtcpBuild for AppBuilder<'_> {
    fn encoded_len(&self) -> Result<usize, BuildError> {
        if !self.data.len().is_multiple_of(4) {
            return Err(BuildError::InvalidField {
                field: "APP data",
                reason: "must be a multiple of 4 bytes",
            });
        }
        Ok(4 + 8 + self.data.len())
    }

    fn write(&self, out: &mut [u8]) -> Result<usize, BuildError> {
        let mut w = write_header(out, self.subtype, PT_APP, self.encoded_len()?)?;
        w.u32(self.ssrc)?;
        w.bytes(&self.name)?;
        w.bytes(self.data)?;
        Ok(w.pos())
    }
}
