//! RFC 4585 generic NACK and PLI, RFC 5104 FIR.

use super::compound::RtcpBuild;
use super::header::{FMT_FIR, FMT_NACK, FMT_PLI, PT_PSFB, PT_RTPFB, write_header};
use crate::error::{BuildError, RtcpError};
use crate::wire::{u8_at, u32_at};

/// Feedback packets start with sender SSRC and media SSRC.
pub(crate) const FEEDBACK_HEADER_LEN: usize = 8;

/// Splits a feedback body into (sender ssrc, media ssrc, FCI).
#[inline]
pub(crate) fn split_feedback<'a>(
    packet: &'static str,
    body: &'a [u8],
) -> Result<(u32, u32, &'a [u8]), RtcpError> {
    let fci = body
        .get(FEEDBACK_HEADER_LEN..)
        .ok_or(RtcpError::Truncated {
            packet,
            needed: FEEDBACK_HEADER_LEN,
            available: body.len(),
        })?;
    Ok((u32_at(body, 0), u32_at(body, 4), fci))
}

/// One NACK FCI entry: packet `pid` lost, plus bit i of `blp` set means
/// packet `pid + i + 1` lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct NackPair {
    pub pid: u16,
    pub blp: u16,
}

impl NackPair {
    /// The lost sequence numbers this entry describes, in order.
    #[inline]
    pub fn lost(self) -> impl Iterator<Item = u16> {
        core::iter::once(self.pid).chain(
            (0..16u16)
                .filter(move |i| self.blp & (1 << i) != 0)
                .map(move |i| self.pid.wrapping_add(i + 1)),
        )
    }
}

/// Generic NACK view (RTPFB, FMT 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nack<'a> {
    sender_ssrc: u32,
    media_ssrc: u32,
    fci: &'a [u8],
}

impl<'a> Nack<'a> {
    #[inline]
    pub(crate) fn parse(body: &'a [u8]) -> Result<Self, RtcpError> {
        let (sender_ssrc, media_ssrc, fci) = split_feedback("NACK", body)?;
        if !fci.len().is_multiple_of(4) {
            return Err(RtcpError::Malformed {
                packet: "NACK",
                reason: "FCI is not a whole number of PID/BLP entries",
            });
        }
        Ok(Nack {
            sender_ssrc,
            media_ssrc,
            fci,
        })
    }

    #[inline]
    pub fn sender_ssrc(&self) -> u32 {
        self.sender_ssrc
    }

    /// SSRC of the media source whose packets are lost.
    #[inline]
    pub fn media_ssrc(&self) -> u32 {
        self.media_ssrc
    }

    #[inline]
    pub fn pairs(&self) -> NackPairIter<'a> {
        NackPairIter { data: self.fci }
    }

    /// Every lost sequence number, entry by entry.
    #[inline]
    pub fn lost_sequence_numbers(&self) -> LostSequenceIter<'a> {
        LostSequenceIter {
            pairs: self.pairs(),
            current: None,
            bit: 0,
        }
    }
}

/// Iterator over NACK entries.
#[derive(Debug, Clone)]
pub struct NackPairIter<'a> {
    data: &'a [u8],
}

impl Iterator for NackPairIter<'_> {
    type Item = NackPair;

    #[inline]
    fn next(&mut self) -> Option<NackPair> {
        let (entry, rest) = self.data.split_first_chunk::<4>()?;
        self.data = rest;
        Some(NackPair {
            pid: u16::from_be_bytes([entry[0], entry[1]]),
            blp: u16::from_be_bytes([entry[2], entry[3]]),
        })
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.data.len() / 4;
        (n, Some(n))
    }
}

impl ExactSizeIterator for NackPairIter<'_> {}

/// Iterator over lost sequence numbers of a NACK.
#[derive(Debug, Clone)]
pub struct LostSequenceIter<'a> {
    pairs: NackPairIter<'a>,
    current: Option<NackPair>,
    /// 0 = the PID itself, 1..=16 = BLP bit (n − 1).
    bit: u16,
}

impl Iterator for LostSequenceIter<'_> {
    type Item = u16;

    #[inline]
    fn next(&mut self) -> Option<u16> {
        loop {
            let Some(pair) = self.current else {
                self.current = Some(self.pairs.next()?);
                self.bit = 0;
                continue;
            };
            let bit = self.bit;
            if bit > 16 {
                self.current = None;
                continue;
            }
            self.bit += 1;
            if bit == 0 || pair.blp & (1 << (bit - 1)) != 0 {
                return Some(pair.pid.wrapping_add(bit));
            }
        }
    }
}

/// Writes a generic NACK from lost sequence numbers, packing them into
/// PID/BLP entries. `lost` should be in increasing order (modulo 2^16);
/// a number more than 16 after the current entry's PID, or before it,
/// starts a new entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NackBuilder<'a> {
    pub sender_ssrc: u32,
    pub media_ssrc: u32,
    pub lost: &'a [u16],
}

impl NackBuilder<'_> {
    /// Packs `lost` into entries without allocating.
    #[inline]
    pub fn pairs(&self) -> impl Iterator<Item = NackPair> + '_ {
        let mut seqs = self.lost.iter().copied().peekable();
        core::iter::from_fn(move || {
            let pid = seqs.next()?;
            let mut blp = 0u16;
            while let Some(&next) = seqs.peek() {
                let offset = next.wrapping_sub(pid);
                if offset == 0 {
                    // Duplicate of the PID: already covered.
                } else if offset <= 16 {
                    blp |= 1 << (offset - 1);
                } else {
                    break;
                }
                seqs.next();
            }
            Some(NackPair { pid, blp })
        })
    }
}

impl RtcpBuild for NackBuilder<'_> {
    fn encoded_len(&self) -> Result<usize, BuildError> {
        Ok(4 + FEEDBACK_HEADER_LEN + 4 * self.pairs().count())
    }

    fn write(&self, out: &mut [u8]) -> Result<usize, BuildError> {
        let mut w = write_header(out, FMT_NACK, PT_RTPFB, self.encoded_len()?)?;
        w.u32(self.sender_ssrc)?;
        w.u32(self.media_ssrc)?;
        for pair in self.pairs() {
            w.u16(pair.pid)?;
            w.u16(pair.blp)?;
        }
        Ok(w.pos())
    }
}

/// Picture loss indication (PSFB, FMT 1). Serves as both view and builder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Pli {
    pub sender_ssrc: u32,
    pub media_ssrc: u32,
}

impl Pli {
    #[inline]
    pub(crate) fn parse(body: &[u8]) -> Result<Self, RtcpError> {
        // RFC 4585 §6.3.1: PLI has no FCI; extra bytes are tolerated.
        let (sender_ssrc, media_ssrc, _) = split_feedback("PLI", body)?;
        Ok(Pli {
            sender_ssrc,
            media_ssrc,
        })
    }
}

impl RtcpBuild for Pli {
    fn encoded_len(&self) -> Result<usize, BuildError> {
        Ok(4 + FEEDBACK_HEADER_LEN)
    }

    fn write(&self, out: &mut [u8]) -> Result<usize, BuildError> {
        let mut w = write_header(out, FMT_PLI, PT_PSFB, 4 + FEEDBACK_HEADER_LEN)?;
        w.u32(self.sender_ssrc)?;
        w.u32(self.media_ssrc)?;
        Ok(w.pos())
    }
}

/// One FIR FCI entry (RFC 5104 §4.3.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct FirEntry {
    /// SSRC of the media sender asked for a decoder refresh point.
    pub ssrc: u32,
    /// Command sequence number, incremented per new request.
    pub seq_nr: u8,
}

/// Full intra request view (PSFB, FMT 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fir<'a> {
    sender_ssrc: u32,
    media_ssrc: u32,
    fci: &'a [u8],
}

impl<'a> Fir<'a> {
    #[inline]
    pub(crate) fn parse(body: &'a [u8]) -> Result<Self, RtcpError> {
        let (sender_ssrc, media_ssrc, fci) = split_feedback("FIR", body)?;
        if !fci.len().is_multiple_of(8) {
            return Err(RtcpError::Malformed {
                packet: "FIR",
                reason: "FCI is not a whole number of 8-byte entries",
            });
        }
        Ok(Fir {
            sender_ssrc,
            media_ssrc,
            fci,
        })
    }

    #[inline]
    pub fn sender_ssrc(&self) -> u32 {
        self.sender_ssrc
    }

    /// Unused by FIR (RFC 5104 says 0); kept for completeness.
    #[inline]
    pub fn media_ssrc(&self) -> u32 {
        self.media_ssrc
    }

    #[inline]
    pub fn entries(&self) -> FirEntryIter<'a> {
        FirEntryIter { data: self.fci }
    }
}

/// Iterator over FIR entries.
#[derive(Debug, Clone)]
pub struct FirEntryIter<'a> {
    data: &'a [u8],
}

impl Iterator for FirEntryIter<'_> {
    type Item = FirEntry;

    #[inline]
    fn next(&mut self) -> Option<FirEntry> {
        let (entry, rest) = self.data.split_first_chunk::<8>()?;
        self.data = rest;
        Some(FirEntry {
            ssrc: u32_at(entry, 0),
            seq_nr: u8_at(entry, 4),
        })
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.data.len() / 8;
        (n, Some(n))
    }
}

impl ExactSizeIterator for FirEntryIter<'_> {}

/// Writes a FIR (media SSRC field set to 0 as RFC 5104 requires).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FirBuilder<'a> {
    pub sender_ssrc: u32,
    pub entries: &'a [FirEntry],
}

impl RtcpBuild for FirBuilder<'_> {
    fn encoded_len(&self) -> Result<usize, BuildError> {
        Ok(4 + FEEDBACK_HEADER_LEN + 8 * self.entries.len())
    }

    fn write(&self, out: &mut [u8]) -> Result<usize, BuildError> {
        let mut w = write_header(out, FMT_FIR, PT_PSFB, self.encoded_len()?)?;
        w.u32(self.sender_ssrc)?;
        w.u32(0)?;
        for e in self.entries {
            w.u32(e.ssrc)?;
            w.u8(e.seq_nr)?;
            w.u24(0)?;
        }
        Ok(w.pos())
    }
}
