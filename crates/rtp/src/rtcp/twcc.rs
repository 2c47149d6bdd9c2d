//! Transport-wide congestion control feedback
//! (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1), RTPFB FMT 15.

use super::compound::RtcpBuild;
use super::feedback::{FEEDBACK_HEADER_LEN, split_feedback};
use super::header::{FMT_TWCC, PT_RTPFB, write_header};
use crate::error::{BuildError, RtcpError};
use crate::wire::{u8_at, u16_at, u24_at};

const FIXED_FCI_LEN: usize = 8;
const MAX_RUN_LENGTH: usize = 0x1FFF;

/// Packet status symbols.
const NOT_RECEIVED: u8 = 0;
const SMALL_DELTA: u8 = 1;
const LARGE_DELTA: u8 = 2;

/// Number of receive-delta bytes a status symbol carries.
#[inline]
fn delta_size(symbol: u8) -> usize {
    match symbol {
        SMALL_DELTA => 1,
        LARGE_DELTA => 2,
        _ => 0,
    }
}

/// Decoded view of one packet status chunk.
#[derive(Debug, Clone, Copy)]
enum Chunk {
    Run { symbol: u8, length: usize },
    OneBit(u16),
    TwoBit(u16),
}

impl Chunk {
    fn decode(raw: u16) -> Chunk {
        if raw & 0x8000 == 0 {
            Chunk::Run {
                symbol: ((raw >> 13) & 0x3) as u8,
                length: usize::from(raw & 0x1FFF),
            }
        } else if raw & 0x4000 == 0 {
            Chunk::OneBit(raw)
        } else {
            Chunk::TwoBit(raw)
        }
    }

    /// Symbols this chunk can describe.
    #[inline]
    fn capacity(self) -> usize {
        match self {
            Chunk::Run { length, .. } => length,
            Chunk::OneBit(_) => 14,
            Chunk::TwoBit(_) => 7,
        }
    }

    #[inline]
    fn symbol(self, index: usize) -> u8 {
        match self {
            Chunk::Run { symbol, .. } => symbol,
            Chunk::OneBit(raw) => ((raw >> (13 - index.min(13))) & 0x1) as u8,
            Chunk::TwoBit(raw) => ((raw >> (12 - 2 * index.min(6))) & 0x3) as u8,
        }
    }
}

/// Transport-wide CC feedback view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransportCc<'a> {
    sender_ssrc: u32,
    media_ssrc: u32,
    base_sequence: u16,
    status_count: u16,
    reference_time: u32,
    fb_pkt_count: u8,
    chunks: &'a [u8],
    deltas: &'a [u8],
}

impl<'a> TransportCc<'a> {
    #[inline]
    pub(crate) fn parse(body: &'a [u8]) -> Result<Self, RtcpError> {
        let (sender_ssrc, media_ssrc, fci) = split_feedback("TWCC", body)?;
        if fci.len() < FIXED_FCI_LEN {
            return Err(RtcpError::Truncated {
                packet: "TWCC",
                needed: FEEDBACK_HEADER_LEN + FIXED_FCI_LEN,
                available: body.len(),
            });
        }
        let status_count = u16_at(fci, 2);
        let after_fixed = fci.get(FIXED_FCI_LEN..).unwrap_or(&[]);
        // Walk the chunks until every status is described, adding up the
        // delta bytes they announce.
        let mut described = 0usize;
        let mut delta_bytes = 0usize;
        let mut chunk_bytes = 0usize;
        while described < usize::from(status_count) {
            if chunk_bytes + 2 > after_fixed.len() {
                return Err(RtcpError::Malformed {
                    packet: "TWCC",
                    reason: "packet status chunks run past the packet",
                });
            }
            let chunk = Chunk::decode(u16_at(after_fixed, chunk_bytes));
            chunk_bytes += 2;
            let used = chunk.capacity().min(usize::from(status_count) - described);
            if let Chunk::Run { symbol, .. } = chunk {
                if symbol == 3 && used > 0 {
                    return Err(RtcpError::Malformed {
                        packet: "TWCC",
                        reason: "reserved packet status symbol",
                    });
                }
                delta_bytes += used * delta_size(symbol);
            } else {
                for i in 0..used {
                    let symbol = chunk.symbol(i);
                    if symbol == 3 {
                        return Err(RtcpError::Malformed {
                            packet: "TWCC",
                            reason: "reserved packet status symbol",
                        });
                    }
                    delta_bytes += delta_size(symbol);
                }
            }
            described += used;
        }
        let (chunks, rest) = after_fixed.split_at(chunk_bytes.min(after_fixed.len()));
        let deltas = rest.get(..delta_bytes).ok_or(RtcpError::Malformed {
            packet: "TWCC",
            reason: "receive deltas run past the packet",
        })?;
        Ok(TransportCc {
            sender_ssrc,
            media_ssrc,
            base_sequence: u16_at(fci, 0),
            status_count,
            reference_time: u24_at(fci, 4),
            fb_pkt_count: u8_at(fci, 7),
            chunks,
            deltas,
        })
    }

    #[inline]
    pub fn sender_ssrc(&self) -> u32 {
        self.sender_ssrc
    }

    #[inline]
    pub fn media_ssrc(&self) -> u32 {
        self.media_ssrc
    }

    /// Transport-wide sequence number of the first packet described.
    #[inline]
    pub fn base_sequence(&self) -> u16 {
        self.base_sequence
    }

    /// Number of packets described.
    #[inline]
    pub fn packet_status_count(&self) -> u16 {
        self.status_count
    }

    /// Raw 24-bit reference time in multiples of 64 ms. The draft calls it
    /// signed in an unknown time base; only differences between
    /// consecutive feedbacks are meaningful, so compare modulo 2^24.
    #[inline]
    pub fn reference_time(&self) -> u32 {
        self.reference_time
    }

    /// `reference_time` read as unsigned, in microseconds.
    #[inline]
    pub fn reference_time_us(&self) -> i64 {
        i64::from(self.reference_time) * 64_000
    }

    /// Feedback packet count, for detecting lost feedback.
    #[inline]
    pub fn fb_pkt_count(&self) -> u8 {
        self.fb_pkt_count
    }

    /// Every described packet as `(sequence number, receive delta)`; the
    /// delta is `None` for packets not received, else in 250 µs units
    /// relative to the previous received packet (the first relative to the
    /// reference time).
    #[inline]
    pub fn packets(&self) -> TwccPacketIter<'a> {
        TwccPacketIter {
            chunks: self.chunks,
            deltas: self.deltas,
            current: None,
            index: 0,
            remaining: usize::from(self.status_count),
            seq: self.base_sequence,
        }
    }
}

/// Iterator over `(sequence number, Option<delta in 250 µs units>)`.
#[derive(Debug, Clone)]
pub struct TwccPacketIter<'a> {
    chunks: &'a [u8],
    deltas: &'a [u8],
    current: Option<Chunk>,
    index: usize,
    remaining: usize,
    seq: u16,
}

impl Iterator for TwccPacketIter<'_> {
    type Item = (u16, Option<i32>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let chunk = loop {
            match self.current {
                Some(c) if self.index < c.capacity() => break c,
                _ => {
                    let (raw, rest) = self.chunks.split_first_chunk::<2>()?;
                    self.chunks = rest;
                    self.current = Some(Chunk::decode(u16::from_be_bytes(*raw)));
                    self.index = 0;
                }
            }
        };
        let symbol = chunk.symbol(self.index);
        self.index += 1;
        self.remaining -= 1;
        let seq = self.seq;
        self.seq = seq.wrapping_add(1);
        let delta = match symbol {
            SMALL_DELTA => {
                let (&d, rest) = self.deltas.split_first()?;
                self.deltas = rest;
                Some(i32::from(d))
            }
            LARGE_DELTA => {
                let (d, rest) = self.deltas.split_first_chunk::<2>()?;
                self.deltas = rest;
                Some(i32::from(i16::from_be_bytes(*d)))
            }
            _ => None,
        };
        Some((seq, delta))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.remaining))
    }
}

/// Writes a transport-wide CC feedback. `packets[i]` is the status of
/// sequence number `base_sequence + i`: `None` if not received, else the
/// receive delta in 250 µs units (must fit an i16; 0..=255 is sent as a
/// one-byte small delta).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TransportCcBuilder<'a> {
    pub sender_ssrc: u32,
    pub media_ssrc: u32,
    pub base_sequence: u16,
    /// 24 bits, multiples of 64 ms.
    pub reference_time: u32,
    pub fb_pkt_count: u8,
    pub packets: &'a [Option<i32>],
}

#[inline]
fn symbol_of(status: Option<i32>) -> Result<u8, BuildError> {
    match status {
        None => Ok(NOT_RECEIVED),
        Some(0..=255) => Ok(SMALL_DELTA),
        Some(d) if i16::try_from(d).is_ok() => Ok(LARGE_DELTA),
        Some(_) => Err(BuildError::InvalidField {
            field: "TWCC receive delta",
            reason: "must fit 16 signed bits of 250 µs",
        }),
    }
}

impl TransportCcBuilder<'_> {
    #[inline]
    fn symbol(&self, i: usize) -> u8 {
        self.packets
            .get(i)
            .map_or(NOT_RECEIVED, |&s| symbol_of(s).unwrap_or(NOT_RECEIVED))
    }

    /// Encodes the chunk starting at packet `pos`: (raw chunk, packets used).
    #[inline]
    fn chunk_at(&self, pos: usize) -> (u16, usize) {
        let remaining = self.packets.len() - pos.min(self.packets.len());
        let first = self.symbol(pos);
        let run = (pos..self.packets.len())
            .take(MAX_RUN_LENGTH)
            .take_while(|&i| self.symbol(i) == first)
            .count();
        if run >= 14 || run == remaining {
            return ((u16::from(first) << 13) | run as u16, run);
        }
        let one_bit_span = remaining.min(14);
        if (pos..pos + one_bit_span).all(|i| self.symbol(i) <= SMALL_DELTA) {
            let mut raw = 0x8000u16;
            for k in 0..one_bit_span {
                raw |= u16::from(self.symbol(pos + k)) << (13 - k);
            }
            return (raw, one_bit_span);
        }
        if run >= 7 {
            return ((u16::from(first) << 13) | run as u16, run);
        }
        let two_bit_span = remaining.min(7);
        let mut raw = 0xC000u16;
        for k in 0..two_bit_span {
            raw |= u16::from(self.symbol(pos + k)) << (12 - 2 * k);
        }
        (raw, two_bit_span)
    }

    #[inline]
    fn chunks(&self) -> impl Iterator<Item = u16> + '_ {
        let mut pos = 0;
        core::iter::from_fn(move || {
            if pos >= self.packets.len() {
                return None;
            }
            let (raw, used) = self.chunk_at(pos);
            pos += used.max(1);
            Some(raw)
        })
    }
}

impl RtcpBuild for TransportCcBuilder<'_> {
    fn encoded_len(&self) -> Result<usize, BuildError> {
        if self.packets.len() > usize::from(u16::MAX) {
            return Err(BuildError::InvalidField {
                field: "TWCC packets",
                reason: "at most 65535",
            });
        }
        if self.reference_time > 0x00FF_FFFF {
            return Err(BuildError::InvalidField {
                field: "TWCC reference time",
                reason: "24 bits",
            });
        }
        let mut deltas = 0;
        for &p in self.packets {
            deltas += delta_size(symbol_of(p)?);
        }
        let fci = FIXED_FCI_LEN + 2 * self.chunks().count() + deltas;
        Ok(4 + FEEDBACK_HEADER_LEN + fci.div_ceil(4) * 4)
    }

    fn write(&self, out: &mut [u8]) -> Result<usize, BuildError> {
        let total = self.encoded_len()?;
        let mut w = write_header(out, FMT_TWCC, PT_RTPFB, total)?;
        w.u32(self.sender_ssrc)?;
        w.u32(self.media_ssrc)?;
        w.u16(self.base_sequence)?;
        w.u16(self.packets.len() as u16)?;
        w.u24(self.reference_time)?;
        w.u8(self.fb_pkt_count)?;
        for raw in self.chunks() {
            w.u16(raw)?;
        }
        for &p in self.packets {
            match p {
                Some(d @ 0..=255) => w.u8(d as u8)?,
                Some(d) => w.u16(d as i16 as u16)?,
                None => {}
            }
        }
        // Zero bytes up to the 32-bit boundary; parsers ignore them.
        w.zeros(total - w.pos())?;
        Ok(w.pos())
    }
}
