//! Iterating over and assembling compound RTCP packets.

use super::bye_app::{App, Bye};
use super::feedback::{Fir, Nack, Pli};
use super::header::{
    FMT_AFB, FMT_FIR, FMT_NACK, FMT_PLI, FMT_TWCC, HEADER_LEN, PT_APP, PT_BYE, PT_PSFB, PT_RR,
    PT_RTPFB, PT_SDES, PT_SR, PT_XR,
};
use super::remb::Remb;
use super::report::{ReceiverReport, SenderReport};
use super::sdes::Sdes;
use super::twcc::TransportCc;
use super::xr::Xr;
use crate::error::{BuildError, RtcpError};
use crate::wire::u16_at;

/// One packet of a compound, as a zero-copy view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RtcpPacket<'a> {
    SenderReport(SenderReport<'a>),
    ReceiverReport(ReceiverReport<'a>),
    Sdes(Sdes<'a>),
    Bye(Bye<'a>),
    App(App<'a>),
    Nack(Nack<'a>),
    Pli(Pli),
    Fir(Fir<'a>),
    Remb(Remb<'a>),
    TransportCc(TransportCc<'a>),
    Xr(Xr<'a>),
    /// A packet type (or feedback FMT) this crate does not decode.
    Unknown(UnknownPacket<'a>),
}

/// A well-framed packet of a type this crate does not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownPacket<'a> {
    /// The 5-bit count / FMT field.
    pub count: u8,
    pub packet_type: u8,
    /// Bytes after the 4-byte common header, padding removed.
    pub body: &'a [u8],
}

impl<'a> RtcpPacket<'a> {
    /// Decodes one packet from its header fields and body (padding removed).
    fn decode(count: u8, packet_type: u8, body: &'a [u8]) -> Result<Self, RtcpError> {
        Ok(match (packet_type, count) {
            (PT_SR, _) => RtcpPacket::SenderReport(SenderReport::parse(count, body)?),
            (PT_RR, _) => RtcpPacket::ReceiverReport(ReceiverReport::parse(count, body)?),
            (PT_SDES, _) => RtcpPacket::Sdes(Sdes::parse(count, body)?),
            (PT_BYE, _) => RtcpPacket::Bye(Bye::parse(count, body)?),
            (PT_APP, _) => RtcpPacket::App(App::parse(count, body)?),
            (PT_RTPFB, FMT_NACK) => RtcpPacket::Nack(Nack::parse(body)?),
            (PT_RTPFB, FMT_TWCC) => RtcpPacket::TransportCc(TransportCc::parse(body)?),
            (PT_PSFB, FMT_PLI) => RtcpPacket::Pli(Pli::parse(body)?),
            (PT_PSFB, FMT_FIR) => RtcpPacket::Fir(Fir::parse(body)?),
            (PT_PSFB, FMT_AFB) if Remb::is_remb(body) => RtcpPacket::Remb(Remb::parse(body)?),
            (PT_XR, _) => RtcpPacket::Xr(Xr::parse(body)?),
            _ => RtcpPacket::Unknown(UnknownPacket {
                count,
                packet_type,
                body,
            }),
        })
    }
}

/// Iterates over the packets of a compound (or reduced-size, RFC 5506)
/// RTCP datagram. Yields an error for the first malformed packet and then
/// stops; every step consumes at least 4 bytes, so it always terminates.
#[inline]
pub fn parse_compound(buf: &[u8]) -> CompoundIter<'_> {
    CompoundIter {
        rest: buf,
        failed: false,
    }
}

/// See [`parse_compound`].
#[derive(Debug, Clone)]
pub struct CompoundIter<'a> {
    rest: &'a [u8],
    failed: bool,
}

impl<'a> CompoundIter<'a> {
    #[inline]
    fn next_packet(&mut self) -> Result<RtcpPacket<'a>, RtcpError> {
        let rest = self.rest;
        let Some(&[b0, packet_type, _, _]) = rest.first_chunk::<HEADER_LEN>() else {
            return Err(RtcpError::TooShort {
                available: rest.len(),
            });
        };
        let version = b0 >> 6;
        if version != 2 {
            return Err(RtcpError::BadVersion(version));
        }
        let total = (usize::from(u16_at(rest, 2)) + 1) * 4;
        let (packet, after) = rest
            .split_at_checked(total)
            .ok_or(RtcpError::LengthOverrun {
                declared: total,
                available: rest.len(),
            })?;
        let mut body = packet.get(HEADER_LEN..).unwrap_or(&[]);
        if b0 & 0x20 != 0 {
            let padding_len = body.last().copied().unwrap_or(0);
            body = body
                .len()
                .checked_sub(usize::from(padding_len))
                .filter(|_| padding_len != 0)
                .and_then(|end| body.get(..end))
                .ok_or(RtcpError::BadPadding { padding_len })?;
        }
        self.rest = after;
        RtcpPacket::decode(b0 & 0x1F, packet_type, body)
    }
}

impl<'a> Iterator for CompoundIter<'a> {
    type Item = Result<RtcpPacket<'a>, RtcpError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.rest.is_empty() {
            return None;
        }
        let item = self.next_packet();
        if item.is_err() {
            self.failed = true;
        }
        Some(item)
    }
}

/// A packet that can be written into a caller-provided buffer.
pub trait RtcpBuild {
    /// Bytes `write` will produce (a multiple of 4).
    fn encoded_len(&self) -> Result<usize, BuildError>;

    /// Writes the packet at the start of `out`, returning its length.
    fn write(&self, out: &mut [u8]) -> Result<usize, BuildError>;
}

/// Appends packets one after another into a caller-provided buffer to
/// form a compound packet.
#[derive(Debug)]
pub struct CompoundBuilder<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl<'b> CompoundBuilder<'b> {
    #[inline]
    pub fn new(buf: &'b mut [u8]) -> Self {
        CompoundBuilder { buf, len: 0 }
    }

    /// Appends one packet; on error nothing is appended.
    #[inline]
    pub fn push(&mut self, packet: &impl RtcpBuild) -> Result<&mut Self, BuildError> {
        let available = self.buf.len() - self.len.min(self.buf.len());
        let out = self
            .buf
            .get_mut(self.len..)
            .ok_or(BuildError::BufferTooSmall {
                needed: self.len,
                available,
            })?;
        let n = packet.write(out)?;
        self.len += n;
        Ok(self)
    }

    /// Bytes written so far.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The compound written so far.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }

    /// Total length written.
    #[inline]
    pub fn finish(self) -> usize {
        self.len
    }
}
